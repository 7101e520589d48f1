/*
 * The Cirrus unit tests' shared fixture (check-cirrus.c): a cirrus-vga on
 * a PCI bus and a real IoDispatcher, its VRAM between guard bytes, and
 * port and memory helpers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "devices/cirrus.h"

enum {
    GUARD = 4096,
    GUARD_BYTE = 0x5a,
    BAR0 = 0xfc000000u,
    BAR1 = 0xfebf0000u,
    CFG = 0x80001000u, /* 00:02.0 */
};

extern IoDispatcher *cx_io;
extern PciBus *cx_bus;
extern Cirrus *cx_card;
extern uint8_t *cx_buffer; /* guards, vram_size bytes of VRAM, guards */
extern uint8_t *cx_vram;
extern size_t cx_vram_size;

/* check-cirrus-state.c: the cirrus_vga section, with its own fixture. */
TCase *cirrus_state_tcase(void);

void cx_setup(void);
void cx_teardown(void);
void cx_guards_intact(void);
void cx_out(uint16_t port, uint8_t value);
uint8_t cx_in(uint16_t port);
void cx_sr(uint8_t index, uint8_t value);
uint8_t cx_rsr(uint8_t index);
void cx_gr(uint8_t index, uint8_t value);
uint8_t cx_rgr(uint8_t index);
void cx_cr(uint8_t index, uint8_t value);
uint8_t cx_rcr(uint8_t index);
uint8_t cx_memb(uint64_t addr);
void cx_wmemb(uint64_t addr, uint8_t value);
/* Colour decode, extensions unlocked, SR7 extended mode. */
void cx_extended(void);

TCase *cirrus_bounds_tcase(void);
TCase *cirrus_vram_tcase(void);
