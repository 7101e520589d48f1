/*
 * Shared by the two halves of the cirrus_blit suite: a hand-built Cirrus
 * (no cirrus_new) over 4 MiB of VRAM with sentinel guards on both sides.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "devices/cirrus.h"

enum {
    BLIT_VRAM_SIZE = 4 << 20,
    BLIT_GUARD = 4096,
    BLIT_SENTINEL = 0xa5,
};

/* The device under test, its VRAM, and the buffer with the guards. */
extern Cirrus *blit_dev;
extern uint8_t *blit_vram;

/* A blit as a guest describes it; width in bytes, addresses raw. */
typedef struct TestBlit {
    int width;
    int height;
    int dst_pitch;
    int src_pitch;
    uint32_t dst;
    uint32_t src;
    uint8_t mode;
    uint8_t rop;
    uint8_t mode_ext;
} TestBlit;

void blit_setup(void);
void blit_teardown(void);
/* Rebuilds the device over vram_size bytes (guards right after them). */
void blit_make(size_t vram_size);
bool blit_guards_intact(void);

/* Writes GR20-GR33 (width and height as value - 1). */
void blit_program(const TestBlit *blit);
/* GR31: 0, then START (the 0->1 edge starts the blit). */
void blit_go(void);
uint8_t blit_status(void);
bool blit_idle(void);

/* GR30's pixel width bits for 1-4 bytes a pixel. */
static inline uint8_t blit_width_bits(int pw)
{
    return (pw - 1) << 4;
}

/* A copy of n bytes at p (g_memdup2 is newer than our glib floor). */
uint8_t *blit_dup(const uint8_t *p, size_t n);

uint32_t blit_rand(void);
void blit_fill_random(uint32_t offset, size_t length);

/* The 8-bit parts of the foreground and background colour registers. */
extern const uint8_t blit_fg[4];
extern const uint8_t blit_bg[4];

/* A solid fill at pw bytes a pixel with the foreground colour. */
void blit_fill(int pw, uint32_t dst, int width, int height, int pitch);

/* The pw-byte little-endian pixel in VRAM at, and one from bytes. */
uint32_t blit_pixel(uint32_t at, int pw);
uint32_t blit_colour_of(const uint8_t *bytes, int pw);

/* Colour expansion kinds, and what one leaves at a pixel. */
enum { OPAQUE, TRANSPARENT, INVERSE };
uint32_t blit_expanded(int kind, bool set, uint32_t old, int pw);

void cirrus_blit_add_cpu_cases(Suite *suite);
void cirrus_blit_add_hostile_cases(Suite *suite);
