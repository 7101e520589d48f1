/*
 * The VGA core (IBM VGA register set and legacy memory window) with QEMU
 * 7.2's behaviour, as a library object: the Cirrus device embeds a Vga and
 * adds its extensions.  The struct is public so that the state layer can
 * write the cirrus_vga section from it (fact sheet section 3.5 order:
 * latch, sr_index, sr, gr_index, gr, ar_index, ar, ar_flip_flop, cr_index,
 * cr, msr, fcr, st00, st01, dac_*, palette, bank_offset).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "devices/ioport.h"
#include "devices/vram-dirty.h"

enum {
    VGA_AR_COUNT = 21,
    VGA_PALETTE_SIZE = 768,
    /* The legacy window 0xA0000-0xBFFFF. */
    VGA_WINDOW_BASE = 0xa0000,
    VGA_WINDOW_SIZE = 0x20000,
};

typedef struct Vga Vga;

/* One claimed port range: the handlers need its base. */
typedef struct VgaPortRange {
    Vga *vga;
    uint16_t base;
} VgaPortRange;

struct Vga {
    /* Guest-visible state (serialized by the Cirrus section). */
    uint32_t latch;
    uint8_t sr_index;
    uint8_t sr[256];
    uint8_t gr_index;
    uint8_t gr[256];
    uint8_t ar_index;
    uint8_t ar[VGA_AR_COUNT];
    int32_t ar_flip_flop;
    uint8_t cr_index;
    uint8_t cr[256];
    uint8_t msr;
    uint8_t fcr;
    uint8_t st00;
    uint8_t st01;
    uint8_t dac_state;
    uint8_t dac_sub_index;
    uint8_t dac_read_index;
    uint8_t dac_write_index;
    uint8_t dac_cache[3];
    uint8_t palette[VGA_PALETTE_SIZE];
    /* Added to window offsets in memory map 1 (Cirrus banking). */
    int32_t bank_offset;

    /* Wiring: VRAM belongs to the caller and is never freed here. */
    uint8_t *vram;
    size_t vram_size;
    /* Pages written while the dirty log is on (never serialized). */
    VramDirty dirty;
    VgaPortRange ranges[5];
    IoRegion *regions[6];
    IoDispatcher *io;
};

/* vram must stay valid for the object's life; reset never clears it. */
Vga *vga_new(uint8_t *vram, size_t vram_size);
void vga_free(Vga *vga);
void vga_reset(Vga *vga);

/* Port access by absolute port number (0x3B0-0x3DF), one byte. */
uint8_t vga_ioport_read(Vga *vga, uint16_t port);
void vga_ioport_write(Vga *vga, uint16_t port, uint8_t value);

/* Legacy window access; addr is the offset from 0xA0000 (0..0x1FFFF). */
uint8_t vga_mem_read(Vga *vga, uint32_t addr);
void vga_mem_write(Vga *vga, uint32_t addr, uint8_t value);

/*
 * Optional: claims the VGA ports and the legacy window in io.  Not called
 * by the machine yet (the Cirrus device will).
 */
bool vga_register(Vga *vga, IoDispatcher *io, GError **error);
void vga_unregister(Vga *vga);
