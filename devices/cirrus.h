/*
 * Cirrus Logic CL-GD5446 on PCI (00:02.0), as QEMU 7.2's cirrus-vga: the
 * VGA core plus the Cirrus extended registers, banking, the hidden DAC
 * register, the hardware cursor, the BitBLT engine (cirrus-blit.c), the
 * linear framebuffer at BAR0 and the MMIO registers at BAR1.
 *
 * The struct is public so that the blitter, the display renderer
 * (cirrus-display.c) and the state section (cirrus-state.c) can read and
 * write it; only cirrus.c changes the derived fields.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "devices/cirrus-blit.h"
#include "devices/ioport.h"
#include "devices/pci.h"
#include "devices/vga.h"
#include "vmstate/registry.h"

enum {
    CIRRUS_ID_CLGD5446 = 0x2e << 2, /* CR27, and the PCI device id 0x00b8 */
    CIRRUS_PCI_VENDOR_ID = 0x1013,
    CIRRUS_PCI_DEVICE_ID = 0x00b8,
    /* What the 5446 addresses, whatever --vram-mb says (QEMU's too). */
    CIRRUS_REAL_VRAM_SIZE = 4 << 20,
    CIRRUS_BAR0_SIZE = 32 << 20, /* LFB at 0, blit aperture at 16M */
    CIRRUS_BAR0_BLIT_APERTURE = 16 << 20,
    CIRRUS_BAR0_BLIT_APERTURE_SIZE = 4 << 20,
    CIRRUS_BAR1_SIZE = 0x1000, /* the MMIO registers */
    CIRRUS_HIDDEN_PALETTE_SIZE = 48,
};

/* Sequencer registers and bits. */
enum {
    CIRRUS_SR_UNLOCK = 0x06, /* write 0x12 to unlock the extensions */
    CIRRUS_SR_EXT_MODE = 0x07,
    CIRRUS_SR7_BPP_SVGA = 0x01,
    CIRRUS_SR7_BPP_MASK = 0x0e,
    CIRRUS_SR7_BPP_8 = 0x00,
    CIRRUS_SR7_BPP_16_DOUBLEVCLK = 0x02,
    CIRRUS_SR7_BPP_24 = 0x04,
    CIRRUS_SR7_BPP_16 = 0x06,
    CIRRUS_SR7_BPP_32 = 0x08,
    CIRRUS_SR_CURSOR_ATTR = 0x12,
    CIRRUS_CURSOR_SHOW = 0x01,
    CIRRUS_CURSOR_HIDDENPEL = 0x02,
    CIRRUS_CURSOR_LARGE = 0x04, /* 64x64 if set, 32x32 if clear */
    CIRRUS_SR_CURSOR_PATTERN = 0x13,
    CIRRUS_SR_CONFIG = 0x17,
    CIRRUS_MMIO_ENABLE = 0x04,
    CIRRUS_MMIO_USE_PCIADDR = 0x40, /* 0xb8000 if clear */
};

/* Graphics controller registers and bits. */
enum {
    CIRRUS_GR_OFFSET0 = 0x09,
    CIRRUS_GR_OFFSET1 = 0x0a,
    CIRRUS_GR_MODE_EXT = 0x0b,
    CIRRUS_BANKING_DUAL = 0x01,
    CIRRUS_BANKING_GRANULARITY_16K = 0x20,
    /* GR20-GR33 are the BitBLT registers: see cirrus-blit.h. */
};

typedef struct Cirrus Cirrus;

struct Cirrus {
    Vga vga; /* embedded core; vga.vram is the VRAM */

    /* Guest-visible Cirrus state (the cirrus_vga section). */
    uint8_t shadow_gr0; /* GR0/GR1 as written: the core keeps 4 bits */
    uint8_t shadow_gr1;
    uint8_t hidden_dac_lockindex; /* reads of 0x3C6 since the last reset */
    uint8_t hidden_dac_data;      /* the hidden DAC register */
    uint32_t hw_cursor_x;
    uint32_t hw_cursor_y;

    /* Not saved by QEMU either: cursor colours written with SR12 bit 1. */
    uint8_t hidden_palette[CIRRUS_HIDDEN_PALETTE_SIZE];

    /* Derived from the registers (recomputed by post_load). */
    uint32_t addr_mask;        /* CIRRUS_REAL_VRAM_SIZE - 1 */
    uint32_t linear_mmio_mask; /* CIRRUS_REAL_VRAM_SIZE - 256 */
    uint32_t bank_base[2];
    uint32_t bank_limit[2];
    /*
     * Where QEMU maps VRAM straight into the guest (its "fast path"), as
     * cirrus_update_memory_access() last decided: the LFB part of BAR0,
     * and each 32 KiB half of 0xA0000-0xAFFFF at bank_base.  Only that
     * function changes them, so they can lag the registers as QEMU's do.
     */
    bool linear_vram;
    bool bank_mapped[2];

    CirrusBlitter blt;

    /* Wiring. */
    size_t vram_size; /* the whole mapping (--vram-mb) */
    PciFunction *pci;
    IoDispatcher *io;
    IoRegion *port_region;   /* 0x3B0-0x3DF */
    IoRegion *window_region; /* 0xA0000-0xBFFFF */
    void *state_wire;        /* cirrus-state.c's, or NULL */
};

/*
 * The card at 00:02.0 on bus: claims the VGA ports and the legacy window
 * on io and defines BAR0 (prefetchable LFB + blit aperture) and BAR1 (MMIO
 * registers).  vram is the caller's (at least CIRRUS_REAL_VRAM_SIZE bytes,
 * a power of two); it is never cleared, not even by reset.
 */
Cirrus *cirrus_new(IoDispatcher *io, PciBus *bus, uint8_t *vram,
                   size_t vram_size, GError **error);
void cirrus_free(Cirrus *cirrus);

/* The device reset (registers to QEMU's reset values; VRAM kept). */
void cirrus_reset(void *opaque);

/*
 * After a load has written the registers: recomputes the bank pointers
 * and the derived mappings from GR9/GRA/GRB and the other registers, as
 * QEMU's cirrus_post_load does.  Never touches VRAM.
 */
void cirrus_update_derived(Cirrus *cirrus);

/*
 * Recomputes the direct VRAM mappings above from SR7, SR17, GR5, GRB and
 * the blitter, as QEMU's cirrus_update_memory_access.  QEMU also runs it
 * when a CPU-to-video transfer starts or ends; cirrus.c does that itself
 * around its calls into the blitter (cirrus_blit_feed and the GR31/GR2A
 * writes), so the blitter need not call it (doing so is harmless).
 */
void cirrus_update_memory_access(Cirrus *cirrus);

/* GR read and write as the port (and the MMIO blit registers) see them. */
uint8_t cirrus_gr_read(Cirrus *cirrus, uint8_t index);
void cirrus_gr_write(Cirrus *cirrus, uint8_t index, uint8_t value);

/* One byte at an absolute port (0x3B0-0x3DF, and 0x3E0+ from BAR1). */
uint8_t cirrus_ioport_read(Cirrus *cirrus, uint16_t port);
void cirrus_ioport_write(Cirrus *cirrus, uint16_t port, uint8_t value);

/*
 * The memory paths (cirrus-mem.c), one byte each.  addr is the offset in
 * the legacy window (0..0x1FFFF), in BAR0 (0..32 MiB-1) or in BAR1.
 */
uint8_t cirrus_window_read(Cirrus *cirrus, uint32_t addr);
void cirrus_window_write(Cirrus *cirrus, uint32_t addr, uint8_t value);
uint8_t cirrus_bar0_read(Cirrus *cirrus, uint32_t addr);
void cirrus_bar0_write(Cirrus *cirrus, uint32_t addr, uint8_t value);
uint8_t cirrus_mmio_read(Cirrus *cirrus, uint32_t addr);
void cirrus_mmio_write(Cirrus *cirrus, uint32_t addr, uint8_t value);
/* A source byte for the CPU-to-video transfer in progress. */
void cirrus_blit_feed(Cirrus *cirrus, uint8_t value);
extern const IoOps cirrus_window_ops;
extern const IoOps cirrus_bar0_ops;
extern const IoOps cirrus_mmio_ops;

/* Registers the 0000:00:02.0/cirrus_vga section (cirrus-state.c). */
void cirrus_register_sections(Cirrus *cirrus, VmsRegistry *registry);
