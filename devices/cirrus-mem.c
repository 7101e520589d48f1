/*
 * The CL-GD5446's memory paths, as QEMU 7.2's cirrus-vga answers them:
 * the legacy window 0xA0000-0xBFFFF (planar VGA through the core, banked
 * linear access in the extended modes, the blit registers at 0xB8000),
 * BAR0 (the linear framebuffer, its MMIO registers at the top, the blit
 * aperture at 16 MiB) and BAR1 (VGA ports and blit registers).
 *
 * Where QEMU maps VRAM straight in (Cirrus.linear_vram, bank_mapped) the
 * bytes go to VRAM without the byte handlers' masks, as QEMU's do; both
 * paths stay inside the VRAM buffer whatever the registers say.
 *
 * Not emulated (QEMU neither): video-to-CPU blits; the blit aperture
 * reads 0xff.  Unused BAR0 space reads 0, as QEMU's unassigned memory.
 *
 * Every VRAM store marks the dirty log (vram-dirty.h) byte by byte, so
 * write mode 4 marks only the pixels it draws (QEMU marks all 8 or 16).
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-cirrus"

#include <glib.h>

#include "devices/cirrus.h"

/* The blit registers in MMIO order (byte offsets from 0xB8000). */
enum {
    CIRRUS_MMIO_BLT_BGCOLOR = 0x00, /* 4 bytes: GR0, GR10, GR12, GR14 */
    CIRRUS_MMIO_BLT_FGCOLOR = 0x04, /* 4 bytes: GR1, GR11, GR13, GR15 */
    CIRRUS_MMIO_BLT_WIDTH = 0x08,
    CIRRUS_MMIO_BLT_HEIGHT = 0x0a,
    CIRRUS_MMIO_BLT_DPITCH = 0x0c,
    CIRRUS_MMIO_BLT_SPITCH = 0x0e,
    CIRRUS_MMIO_BLT_DADDR = 0x10, /* 3 bytes; the fourth ignores writes */
    CIRRUS_MMIO_BLT_SADDR = 0x14,
    CIRRUS_MMIO_BLT_WMASK = 0x17,
    CIRRUS_MMIO_BLT_MODE = 0x18,
    CIRRUS_MMIO_BLT_ROP = 0x1a,
    CIRRUS_MMIO_BLT_MODE_EXT = 0x1b,
    CIRRUS_MMIO_BLT_TCOLOR = 0x1c,      /* 2 bytes: GR34, GR35 */
    CIRRUS_MMIO_BLT_TCOLOR_MASK = 0x20, /* 2 bytes: GR38, GR39 */
    CIRRUS_MMIO_BLT_STATUS = 0x40,
};

/* Window layout. */
enum {
    CIRRUS_WINDOW_BANKS_END = 0x10000, /* two 32 KiB banks */
    CIRRUS_WINDOW_MMIO = 0x18000,      /* 0xB8000, 256 bytes */
    CIRRUS_WINDOW_MMIO_END = 0x18100,
    CIRRUS_BAR1_VGA_END = 0x100, /* BAR1: ports 0x3C0 + offset below */
    CIRRUS_BAR1_PORT_BASE = 0x3c0,
};

enum {
    CIRRUS_GR_MODE = 0x05,
    CIRRUS_GRB_EXT_WRITE_MODES = 0x04,
    CIRRUS_GRB_8BYTE = 0x02,
    CIRRUS_GRB_16BYTE = 0x14,
    CIRRUS_SR17_MMIO_BITS = CIRRUS_MMIO_ENABLE | CIRRUS_MMIO_USE_PCIADDR,
};

/* GR index for each MMIO blit register byte, 0 for none (GR0 is 0x00). */
static int cirrus_mmio_to_gr(uint32_t addr)
{
    static const int8_t map[0x21] = {
        [0x00] = 0x00, [0x01] = 0x10, [0x02] = 0x12, [0x03] = 0x14,
        [0x04] = 0x01, [0x05] = 0x11, [0x06] = 0x13, [0x07] = 0x15,
        [0x08] = 0x20, [0x09] = 0x21, [0x0a] = 0x22, [0x0b] = 0x23,
        [0x0c] = 0x24, [0x0d] = 0x25, [0x0e] = 0x26, [0x0f] = 0x27,
        [0x10] = 0x28, [0x11] = 0x29, [0x12] = 0x2a, [0x13] = -1,
        [0x14] = 0x2c, [0x15] = 0x2d, [0x16] = 0x2e, [0x17] = 0x2f,
        [0x18] = 0x30, [0x19] = -1,   [0x1a] = 0x32, [0x1b] = 0x33,
        [0x1c] = 0x34, [0x1d] = 0x35, [0x1e] = -1,   [0x1f] = -1,
        [0x20] = 0x38,
    };

    if (addr == CIRRUS_MMIO_BLT_TCOLOR_MASK + 1) {
        return 0x39;
    }
    if (addr == CIRRUS_MMIO_BLT_STATUS) {
        return CIRRUS_GR_BLT_STATUS;
    }
    return addr < G_N_ELEMENTS(map) ? map[addr] : -1;
}

/* The blit registers through memory (0xB8000, the LFB top, BAR1). */
static uint8_t cirrus_mmio_blt_read(Cirrus *c, uint32_t addr)
{
    int gr = cirrus_mmio_to_gr(addr);

    return gr >= 0 ? cirrus_gr_read(c, (uint8_t)gr) : 0xff;
}

static void cirrus_mmio_blt_write(Cirrus *c, uint32_t addr, uint8_t value)
{
    int gr = cirrus_mmio_to_gr(addr);

    if (gr >= 0) {
        cirrus_gr_write(c, (uint8_t)gr, value);
    }
}

/* VRAM byte access with the buffer's bounds, whatever the caller says. */
static uint8_t cirrus_vram_read(const Cirrus *c, uint64_t off)
{
    return off < c->vram_size ? c->vga.vram[off] : 0xff;
}

static void cirrus_vram_write(Cirrus *c, uint64_t off, uint8_t value)
{
    if (off < c->vram_size) {
        c->vga.vram[off] = value;
        vram_dirty_mark(&c->vga.dirty, off);
    }
}

/* GRB's address shift: 16 bytes per address, or 8, or none. */
static uint32_t cirrus_shift_addr(const Cirrus *c, uint32_t addr)
{
    uint8_t grb = c->vga.gr[CIRRUS_GR_MODE_EXT];

    if ((grb & CIRRUS_GRB_16BYTE) == CIRRUS_GRB_16BYTE) {
        addr <<= 4;
    } else if (grb & CIRRUS_GRB_8BYTE) {
        addr <<= 3;
    }
    return addr & c->addr_mask;
}

/*
 * Write modes 4 and 5: each source bit picks the foreground (1) or, in
 * mode 5, the background (0) colour for one of eight pixels.
 */
static void cirrus_write_mode45(Cirrus *c, unsigned mode, uint32_t offset,
                                uint8_t bits)
{
    bool wide = (c->vga.gr[CIRRUS_GR_MODE_EXT] & CIRRUS_GRB_16BYTE) ==
                CIRRUS_GRB_16BYTE;

    for (unsigned x = 0; x < 8; x++, bits <<= 1) {
        bool fg = bits & 0x80;

        if (!fg && mode != 5) {
            continue;
        }
        if (wide) {
            uint32_t dst = (offset + 2 * x) & c->addr_mask & ~1u;

            cirrus_vram_write(c, dst, fg ? c->shadow_gr1 : c->shadow_gr0);
            cirrus_vram_write(c, dst + 1, c->vga.gr[fg ? 0x11 : 0x10]);
        } else {
            cirrus_vram_write(c, (offset + x) & c->addr_mask,
                              fg ? c->shadow_gr1 : c->shadow_gr0);
        }
    }
}

/* A CPU write to VRAM at a shifted, masked offset: modes 4/5 or a byte. */
static void cirrus_vram_store(Cirrus *c, uint32_t offset, uint8_t value)
{
    unsigned mode = c->vga.gr[CIRRUS_GR_MODE] & 7;

    if ((mode == 4 || mode == 5) &&
        (c->vga.gr[CIRRUS_GR_MODE_EXT] & CIRRUS_GRB_EXT_WRITE_MODES)) {
        cirrus_write_mode45(c, mode, offset, value);
    } else {
        cirrus_vram_write(c, offset, value);
    }
}

static bool cirrus_window_mmio_on(const Cirrus *c)
{
    return (c->vga.sr[CIRRUS_SR_CONFIG] & CIRRUS_SR17_MMIO_BITS) ==
           CIRRUS_MMIO_ENABLE;
}

/* -------------------------------------------------- legacy window */

/* The VRAM offset of a bank's window byte, or false past its limit. */
static bool cirrus_bank_offset(const Cirrus *c, uint32_t addr,
                               uint32_t *ret_off)
{
    unsigned bank = addr >> 15;
    uint32_t off = addr & 0x7fff;

    if (off >= c->bank_limit[bank]) {
        return false;
    }
    *ret_off = cirrus_shift_addr(c, off + c->bank_base[bank]);
    return true;
}

/* QEMU's direct bank mapping, when on and inside the buffer. */
static bool cirrus_bank_direct(const Cirrus *c, uint32_t addr,
                               uint64_t *ret_off)
{
    unsigned bank = addr >> 15;
    uint64_t off;

    if (addr >= CIRRUS_WINDOW_BANKS_END || !c->bank_mapped[bank]) {
        return false;
    }
    off = (uint64_t)c->bank_base[bank] + (addr & 0x7fff);
    *ret_off = off;
    return off < c->vram_size;
}

uint8_t cirrus_window_read(Cirrus *c, uint32_t addr)
{
    uint64_t direct;
    uint32_t off;

    addr &= VGA_WINDOW_SIZE - 1;
    if (cirrus_bank_direct(c, addr, &direct)) {
        return c->vga.vram[direct];
    }
    if (!(c->vga.sr[CIRRUS_SR_EXT_MODE] & CIRRUS_SR7_BPP_SVGA)) {
        return vga_mem_read(&c->vga, addr);
    }
    if (addr < CIRRUS_WINDOW_BANKS_END) {
        return cirrus_bank_offset(c, addr, &off) ? cirrus_vram_read(c, off)
                                                 : 0xff;
    }
    if (addr >= CIRRUS_WINDOW_MMIO && addr < CIRRUS_WINDOW_MMIO_END &&
        cirrus_window_mmio_on(c)) {
        return cirrus_mmio_blt_read(c, addr & 0xff);
    }
    return 0xff;
}

void cirrus_window_write(Cirrus *c, uint32_t addr, uint8_t value)
{
    uint64_t direct;
    uint32_t off;

    addr &= VGA_WINDOW_SIZE - 1;
    if (cirrus_bank_direct(c, addr, &direct)) {
        c->vga.vram[direct] = value;
        vram_dirty_mark(&c->vga.dirty, direct);
        return;
    }
    if (!(c->vga.sr[CIRRUS_SR_EXT_MODE] & CIRRUS_SR7_BPP_SVGA)) {
        vga_mem_write(&c->vga, addr, value);
        return;
    }
    if (addr < CIRRUS_WINDOW_BANKS_END) {
        if (cirrus_blit_cpu_source_active(c)) {
            cirrus_blit_feed(c, value);
        } else if (cirrus_bank_offset(c, addr, &off)) {
            cirrus_vram_store(c, off, value);
        }
        return;
    }
    if (addr >= CIRRUS_WINDOW_MMIO && addr < CIRRUS_WINDOW_MMIO_END &&
        cirrus_window_mmio_on(c)) {
        cirrus_mmio_blt_write(c, addr & 0xff, value);
    }
}

/* ------------------------------------------------------------ BAR0 */

static bool cirrus_lfb_mmio(const Cirrus *c, uint32_t addr)
{
    return (c->vga.sr[CIRRUS_SR_CONFIG] & CIRRUS_SR17_MMIO_BITS) ==
               CIRRUS_SR17_MMIO_BITS &&
           (addr & c->linear_mmio_mask) == c->linear_mmio_mask;
}

static uint8_t cirrus_lfb_read(Cirrus *c, uint32_t addr)
{
    if (c->linear_vram) {
        return cirrus_vram_read(c, addr);
    }
    addr &= c->addr_mask;
    if (cirrus_lfb_mmio(c, addr)) {
        return cirrus_mmio_blt_read(c, addr & 0xff);
    }
    return cirrus_vram_read(c, cirrus_shift_addr(c, addr));
}

static void cirrus_lfb_write(Cirrus *c, uint32_t addr, uint8_t value)
{
    if (c->linear_vram) {
        cirrus_vram_write(c, addr, value);
        return;
    }
    addr &= c->addr_mask;
    if (cirrus_lfb_mmio(c, addr)) {
        cirrus_mmio_blt_write(c, addr & 0xff, value);
    } else if (cirrus_blit_cpu_source_active(c)) {
        cirrus_blit_feed(c, value);
    } else {
        cirrus_vram_store(c, cirrus_shift_addr(c, addr), value);
    }
}

uint8_t cirrus_bar0_read(Cirrus *c, uint32_t addr)
{
    if (addr < c->vram_size) {
        return cirrus_lfb_read(c, addr);
    }
    if (addr >= CIRRUS_BAR0_BLIT_APERTURE &&
        addr < CIRRUS_BAR0_BLIT_APERTURE + CIRRUS_BAR0_BLIT_APERTURE_SIZE) {
        return 0xff; /* no video-to-CPU blits (nor in QEMU): all ones */
    }
    return 0;
}

void cirrus_bar0_write(Cirrus *c, uint32_t addr, uint8_t value)
{
    if (addr < c->vram_size) {
        cirrus_lfb_write(c, addr, value);
    } else if (addr >= CIRRUS_BAR0_BLIT_APERTURE &&
               addr <
                   CIRRUS_BAR0_BLIT_APERTURE + CIRRUS_BAR0_BLIT_APERTURE_SIZE &&
               cirrus_blit_cpu_source_active(c)) {
        cirrus_blit_feed(c, value);
    }
}

/* ------------------------------------------------------------ BAR1 */

uint8_t cirrus_mmio_read(Cirrus *c, uint32_t addr)
{
    if (addr < CIRRUS_BAR1_VGA_END) {
        return cirrus_ioport_read(c, (uint16_t)(CIRRUS_BAR1_PORT_BASE + addr));
    }
    return cirrus_mmio_blt_read(c, addr - CIRRUS_BAR1_VGA_END);
}

void cirrus_mmio_write(Cirrus *c, uint32_t addr, uint8_t value)
{
    if (addr < CIRRUS_BAR1_VGA_END) {
        cirrus_ioport_write(c, (uint16_t)(CIRRUS_BAR1_PORT_BASE + addr), value);
    } else {
        cirrus_mmio_blt_write(c, addr - CIRRUS_BAR1_VGA_END, value);
    }
}

/* ----------------------------------------------------------- IoOps */

static uint64_t cirrus_window_io_read(void *opaque, uint64_t addr,
                                      unsigned size)
{
    (void)size;
    return cirrus_window_read(opaque, (uint32_t)addr);
}

static void cirrus_window_io_write(void *opaque, uint64_t addr, uint64_t value,
                                   unsigned size)
{
    (void)size;
    cirrus_window_write(opaque, (uint32_t)addr, (uint8_t)value);
}

static uint64_t cirrus_bar0_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    return addr < CIRRUS_BAR0_SIZE ? cirrus_bar0_read(opaque, (uint32_t)addr)
                                   : 0;
}

static void cirrus_bar0_io_write(void *opaque, uint64_t addr, uint64_t value,
                                 unsigned size)
{
    (void)size;
    if (addr < CIRRUS_BAR0_SIZE) {
        cirrus_bar0_write(opaque, (uint32_t)addr, (uint8_t)value);
    }
}

static uint64_t cirrus_mmio_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    return addr < CIRRUS_BAR1_SIZE ? cirrus_mmio_read(opaque, (uint32_t)addr)
                                   : 0xff;
}

static void cirrus_mmio_io_write(void *opaque, uint64_t addr, uint64_t value,
                                 unsigned size)
{
    (void)size;
    if (addr < CIRRUS_BAR1_SIZE) {
        cirrus_mmio_write(opaque, (uint32_t)addr, (uint8_t)value);
    }
}

const IoOps cirrus_window_ops = {
    .read = cirrus_window_io_read,
    .write = cirrus_window_io_write,
    .min_access = 1,
    .max_access = 1,
};

const IoOps cirrus_bar0_ops = {
    .read = cirrus_bar0_io_read,
    .write = cirrus_bar0_io_write,
    .min_access = 1,
    .max_access = 1,
};

const IoOps cirrus_mmio_ops = {
    .read = cirrus_mmio_io_read,
    .write = cirrus_mmio_io_write,
    .min_access = 1,
    .max_access = 1,
};
