/*
 * The CL-GD5446 BitBLT engine, with the behaviour of QEMU 7.2's
 * cirrus_bitblt_start and the functions it calls: what a blit does is
 * decided once, when it starts, from GR20-GR33 latched into CirrusBlitter;
 * the drawing itself is in cirrus-blit-rop.c.
 *
 * Not emulated, as in QEMU: video-to-CPU and memory-to-memory blits (both
 * refused), the destination write mask (GR2F bits 5-7) and the colour
 * transparency mask (GR38/GR39).
 *
 * Safety: the region checks below are QEMU's (blit_is_unsafe with the
 * 2017 fixes), and on top of them every byte the drawing code touches is
 * masked with addr_mask and checked against vga.vram_size, so a mistake in
 * the checks can draw in the wrong place but never outside VRAM.
 *
 * Single-threaded: called from the device's register and memory handlers.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-cirrus"

#include <string.h>

#include <glib.h>

#include "devices/cirrus-blit-rop.h"
#include "devices/cirrus.h"

enum {
    /* SR7: extended (SVGA) mode and the display depth. */
    SR7_SVGA = 0x01,
    SR7_DEPTH_MASK = 0x0e,
    SR7_DEPTH_8 = 0x00,
    SR7_DEPTH_16_DOUBLE_VCLK = 0x02,
    SR7_DEPTH_24 = 0x04,
    SR7_DEPTH_16 = 0x06,
    SR7_DEPTH_32 = 0x08,
};

static uint16_t gr16(const Cirrus *cirrus, int reg)
{
    return cirrus->vga.gr[reg] | cirrus->vga.gr[reg + 1] << 8;
}

static uint32_t gr24(const Cirrus *cirrus, int reg)
{
    return gr16(cirrus, reg) | (uint32_t)cirrus->vga.gr[reg + 2] << 16;
}

/*
 * Bytes per pixel of the display mode (SR7), not of the blit: QEMU uses
 * it to align video-memory patterns and to refuse plain copies in VGA
 * modes (0 there: the CVE-2016-9921 division by zero).
 */
static int display_bytes_per_pixel(const Cirrus *cirrus)
{
    uint8_t sr7 = cirrus->vga.sr[0x07];

    if (!(sr7 & SR7_SVGA)) {
        return 0;
    }
    switch (sr7 & SR7_DEPTH_MASK) {
    case SR7_DEPTH_16_DOUBLE_VCLK:
    case SR7_DEPTH_16:
        return 2;
    case SR7_DEPTH_24:
        return 3;
    case SR7_DEPTH_32:
        return 4;
    default:
        return 1;
    }
}

/*
 * The colour registers as QEMU assembles them: the low byte is the whole
 * GR1 (GR0) the guest wrote, since the VGA core keeps only 4 bits of it.
 */
static uint32_t blit_colour(const Cirrus *cirrus, uint8_t low, int reg1,
                            int reg2, int reg3)
{
    const uint8_t *gr = cirrus->vga.gr;
    uint32_t colour = low | gr[reg1] << 8;

    if (cirrus->blt.pixel_width >= 3) {
        colour |= (uint32_t)gr[reg2] << 16;
    }
    if (cirrus->blt.pixel_width == 4) {
        colour |= (uint32_t)gr[reg3] << 24;
    }
    if (cirrus->blt.pixel_width == 1) {
        colour &= 0xff;
    }
    return colour;
}

/*
 * One side of a blit: pitch lines of width bytes from addr, addresses
 * counting down when pitch is negative.  The negative form is the 2017 one
 * (CVE-2017-2615 and the later off-by-one): the lowest byte touched is
 * addr + (height - 1) * pitch - (width - 1).
 */
static bool blit_region_unsafe(const Cirrus *cirrus, int32_t pitch,
                               uint32_t addr)
{
    const CirrusBlitter *blt = &cirrus->blt;
    int64_t lines = (int64_t)blt->height - 1;

    if (pitch == 0) {
        return true;
    }
    if (pitch < 0) {
        int64_t lowest = (int64_t)addr + lines * pitch - blt->width;

        return lowest < -1 || addr >= cirrus->vga.vram_size;
    }
    return (int64_t)addr + lines * pitch + blt->width >
           (int64_t)cirrus->vga.vram_size;
}

static bool blit_unsafe(const Cirrus *cirrus, bool dst_only)
{
    const CirrusBlitter *blt = &cirrus->blt;

    if (blt->width <= 0 || blt->height <= 0 ||
        blt->width > CIRRUS_BLT_BUF_SIZE) {
        return true;
    }
    if (blit_region_unsafe(cirrus, blt->dst_pitch, blt->dst_addr)) {
        return true;
    }
    return !dst_only &&
           blit_region_unsafe(cirrus, blt->src_pitch, blt->src_addr);
}

void cirrus_blit_reset(Cirrus *cirrus)
{
    CirrusBlitter *blt = &cirrus->blt;

    cirrus->vga.gr[CIRRUS_GR_BLT_STATUS] &=
        ~(CIRRUS_BLT_START | CIRRUS_BLT_BUSY | CIRRUS_BLT_FIFOUSED);
    blt->src_pos = 0;
    blt->src_end = 0;
    blt->src_counter = 0;
}

/*
 * An 8x8 pattern: from VRAM at the source address aligned down to the
 * pattern's size for the display depth (QEMU's rule, even when the blit's
 * pixel width differs), or from the CPU buffer once it holds the pattern.
 */
static bool blit_pattern(Cirrus *cirrus, bool from_cpu)
{
    CirrusBlitter *blt = &cirrus->blt;
    uint32_t src = 0;

    if (!from_cpu) {
        static const uint32_t pattern_size[] = { 256, 64, 128, 256, 256 };
        uint32_t size = pattern_size[display_bytes_per_pixel(cirrus)];

        blt->src_addr &= ~(size - 1);
        if ((uint64_t)blt->src_addr + size > cirrus->vga.vram_size) {
            return false;
        }
        src = blt->src_addr;
    }
    if (blit_unsafe(cirrus, true)) {
        return false;
    }
    cirrus_blit_draw(cirrus, blt->dst_addr, src, blt->dst_pitch, 0, blt->height,
                     from_cpu);
    return true;
}

static bool blit_video_to_video(Cirrus *cirrus)
{
    CirrusBlitter *blt = &cirrus->blt;

    if (blt->mode & CIRRUS_BLTMODE_PATTERNCOPY) {
        return blit_pattern(cirrus, false);
    }
    if (blit_unsafe(cirrus, false)) {
        return false;
    }
    /*
     * QEMU computes the copied rectangle in display pixels for a plain
     * SRC copy and gives up when the display has no depth (VGA modes).
     */
    if (blt->op == CIRRUS_BLT_OP_COPY && blt->rop == CIRRUS_ROP_SRC &&
        display_bytes_per_pixel(cirrus) == 0) {
        return false;
    }
    cirrus_blit_draw(cirrus, blt->dst_addr, blt->src_addr, blt->dst_pitch,
                     blt->src_pitch, blt->height, false);
    return true;
}

/*
 * Arms a CPU-to-video transfer: the guest then writes src_pitch bytes a
 * line (a whole 8x8 pattern for pattern copies) through
 * cirrus_blit_cpu_write().  src_pitch is the line length of the source
 * data, as QEMU computes it; with DWORD granularity QEMU counts 32-pixel
 * groups rather than bytes, and we keep that.
 */
static bool blit_cpu_to_video(Cirrus *cirrus)
{
    CirrusBlitter *blt = &cirrus->blt;

    if (blit_unsafe(cirrus, true)) {
        return false;
    }
    blt->mode &= ~CIRRUS_BLTMODE_MEMSYSSRC;
    if (blt->mode & CIRRUS_BLTMODE_PATTERNCOPY) {
        blt->src_pitch = blt->mode & CIRRUS_BLTMODE_COLOREXPAND
                             ? 8
                             : 8 * 8 * blt->pixel_width;
        blt->src_counter = blt->src_pitch;
    } else {
        if (blt->mode & CIRRUS_BLTMODE_COLOREXPAND) {
            int pixels = blt->width / blt->pixel_width;

            if (blt->mode_ext & CIRRUS_BLTMODEEXT_DWORDGRANULARITY) {
                blt->src_pitch = (pixels + 31) >> 5;
            } else {
                blt->src_pitch = (pixels + 7) >> 3;
            }
        } else {
            /* Plain data: every line padded to 32 bits. */
            blt->src_pitch = (blt->width + 3) & ~3;
        }
        blt->src_counter = blt->src_pitch * blt->height;
    }
    /* Cannot fail after blit_unsafe (width <= the buffer); never trust. */
    if (blt->src_pitch < 0 || blt->src_pitch > CIRRUS_BLT_BUF_SIZE) {
        return false;
    }
    blt->src_pos = 0;
    blt->src_end = blt->src_pitch;
    return true;
}

static bool rop_is_known(uint8_t rop)
{
    switch (rop) {
    case CIRRUS_ROP_0:
    case CIRRUS_ROP_SRC_AND_DST:
    case CIRRUS_ROP_SRC_AND_NOTDST:
    case CIRRUS_ROP_NOTDST:
    case CIRRUS_ROP_SRC:
    case CIRRUS_ROP_1:
    case CIRRUS_ROP_NOTSRC_AND_DST:
    case CIRRUS_ROP_SRC_XOR_DST:
    case CIRRUS_ROP_SRC_OR_DST:
    case CIRRUS_ROP_NOTSRC_OR_NOTDST:
    case CIRRUS_ROP_SRC_NOTXOR_DST:
    case CIRRUS_ROP_SRC_OR_NOTDST:
    case CIRRUS_ROP_NOTSRC:
    case CIRRUS_ROP_NOTSRC_OR_DST:
    case CIRRUS_ROP_NOTSRC_AND_NOTDST:
        return true;
    default:
        return false;
    }
}

/* Latches GR20-GR33 (and the colours GR0/GR1/GR10-GR15) for a start. */
static void blit_latch(Cirrus *cirrus)
{
    CirrusBlitter *blt = &cirrus->blt;
    uint8_t mode = cirrus->vga.gr[CIRRUS_GR_BLT_MODE];

    blt->width = gr16(cirrus, CIRRUS_GR_BLT_WIDTH) + 1;
    blt->height = gr16(cirrus, CIRRUS_GR_BLT_HEIGHT) + 1;
    blt->dst_pitch = gr16(cirrus, CIRRUS_GR_BLT_DPITCH);
    blt->src_pitch = gr16(cirrus, CIRRUS_GR_BLT_SPITCH);
    blt->dst_addr = gr24(cirrus, CIRRUS_GR_BLT_DADDR) & cirrus->addr_mask;
    blt->src_addr = gr24(cirrus, CIRRUS_GR_BLT_SADDR) & cirrus->addr_mask;
    /* The two width bits name 8, 16, 24 and 32 bpp: none is invalid. */
    blt->pixel_width = ((mode & CIRRUS_BLTMODE_PIXELWIDTHMASK) >> 4) + 1;
    blt->mode = mode & ~CIRRUS_BLTMODE_PIXELWIDTHMASK;
    blt->mode_ext = cirrus->vga.gr[CIRRUS_GR_BLT_MODE_EXT];
    /* Undefined codes do nothing, as QEMU maps them to its NOP. */
    blt->rop = cirrus->vga.gr[CIRRUS_GR_BLT_ROP];
    if (!rop_is_known(blt->rop)) {
        blt->rop = CIRRUS_ROP_NOP;
    }
    blt->fg = blit_colour(cirrus, cirrus->shadow_gr1, 0x11, 0x13, 0x15);
    blt->bg = blit_colour(cirrus, cirrus->shadow_gr0, 0x10, 0x12, 0x14);
}

/* Which drawing the mode bits ask for (QEMU's choice of ROP table). */
static CirrusBltOp blit_choose_op(const CirrusBlitter *blt)
{
    bool transparent = blt->mode & CIRRUS_BLTMODE_TRANSPARENTCOMP;

    if (blt->mode & CIRRUS_BLTMODE_COLOREXPAND) {
        if (blt->mode & CIRRUS_BLTMODE_PATTERNCOPY) {
            return transparent ? CIRRUS_BLT_OP_PATTERN_EXPAND_TRANSP
                               : CIRRUS_BLT_OP_PATTERN_EXPAND;
        }
        return transparent ? CIRRUS_BLT_OP_EXPAND_TRANSP : CIRRUS_BLT_OP_EXPAND;
    }
    if (blt->mode & CIRRUS_BLTMODE_PATTERNCOPY) {
        return CIRRUS_BLT_OP_PATTERN; /* transparency ignored */
    }
    return transparent ? CIRRUS_BLT_OP_COPY_TRANSP : CIRRUS_BLT_OP_COPY;
}

void cirrus_blit_start(Cirrus *cirrus)
{
    CirrusBlitter *blt = &cirrus->blt;
    uint8_t io_bits = CIRRUS_BLTMODE_MEMSYSSRC | CIRRUS_BLTMODE_MEMSYSDEST;
    uint8_t fill_bits = CIRRUS_BLTMODE_MEMSYSDEST |
                        CIRRUS_BLTMODE_TRANSPARENTCOMP |
                        CIRRUS_BLTMODE_PATTERNCOPY | CIRRUS_BLTMODE_COLOREXPAND;
    bool done;

    cirrus->vga.gr[CIRRUS_GR_BLT_STATUS] |= CIRRUS_BLT_BUSY;
    blit_latch(cirrus);

    if ((blt->mode & io_bits) == io_bits) {
        g_debug("cirrus: memory-to-memory blit refused");
        cirrus_blit_reset(cirrus);
        return;
    }

    if ((blt->mode_ext & CIRRUS_BLTMODEEXT_SOLIDFILL) &&
        (blt->mode & fill_bits) ==
            (CIRRUS_BLTMODE_PATTERNCOPY | CIRRUS_BLTMODE_COLOREXPAND)) {
        /*
         * QEMU quirk kept: a refused solid fill leaves GR31 busy (and any
         * CPU transfer armed) until the guest resets the engine.
         */
        if (!blit_unsafe(cirrus, true)) {
            blt->op = CIRRUS_BLT_OP_FILL;
            cirrus_blit_draw(cirrus, blt->dst_addr, 0, blt->dst_pitch, 0,
                             blt->height, false);
            cirrus_blit_reset(cirrus);
        }
        return;
    }

    blt->op = blit_choose_op(blt);
    if (blt->op == CIRRUS_BLT_OP_COPY_TRANSP && blt->pixel_width > 2) {
        g_debug("cirrus: transparent copy at %d bytes a pixel refused",
                blt->pixel_width);
        cirrus_blit_reset(cirrus);
        return;
    }
    if ((blt->op == CIRRUS_BLT_OP_COPY ||
         blt->op == CIRRUS_BLT_OP_COPY_TRANSP) &&
        (blt->mode & CIRRUS_BLTMODE_BACKWARDS)) {
        blt->dst_pitch = -blt->dst_pitch;
        blt->src_pitch = -blt->src_pitch;
        blt->backward = true;
    } else {
        blt->backward = false;
    }

    if (blt->mode & CIRRUS_BLTMODE_MEMSYSSRC) {
        /* Success leaves the engine busy until the last line arrives. */
        if (!blit_cpu_to_video(cirrus)) {
            cirrus_blit_reset(cirrus);
        }
        return;
    }
    if (blt->mode & CIRRUS_BLTMODE_MEMSYSDEST) {
        g_debug("cirrus: video-to-CPU blit not implemented");
        done = false;
    } else {
        done = blit_video_to_video(cirrus);
    }
    if (!done) {
        g_debug("cirrus: blit refused (mode 0x%02x, %dx%d)", blt->mode,
                blt->width, blt->height);
    }
    cirrus_blit_reset(cirrus);
}

void cirrus_blit_write_status(Cirrus *cirrus, uint8_t value)
{
    uint8_t old = cirrus->vga.gr[CIRRUS_GR_BLT_STATUS];

    cirrus->vga.gr[CIRRUS_GR_BLT_STATUS] = value;
    if ((old & CIRRUS_BLT_RESET) && !(value & CIRRUS_BLT_RESET)) {
        cirrus_blit_reset(cirrus);
    } else if (!(old & CIRRUS_BLT_START) && (value & CIRRUS_BLT_START)) {
        cirrus_blit_start(cirrus);
    }
}

bool cirrus_blit_cpu_source_active(const Cirrus *cirrus)
{
    return cirrus->blt.src_pos < cirrus->blt.src_end;
}

/*
 * A line of source data is complete: draw it (or the whole pattern) and
 * make room for the next.  QEMU moves the bytes received beyond the line
 * to the front of the buffer; they arrive one at a time, so a line is
 * drawn the moment it fills and that carry is always empty in practice.
 */
static void blit_cpu_line_done(Cirrus *cirrus)
{
    CirrusBlitter *blt = &cirrus->blt;

    if (blt->src_counter <= 0) {
        return;
    }
    if (blt->mode & CIRRUS_BLTMODE_PATTERNCOPY) {
        blit_pattern(cirrus, true);
        cirrus_blit_reset(cirrus);
        return;
    }
    do {
        uint32_t carry = 0;

        /* Only a pitch set at the start can get here; never loop on 0. */
        if (blt->src_pitch <= 0 || blt->src_pitch > CIRRUS_BLT_BUF_SIZE) {
            cirrus_blit_reset(cirrus);
            return;
        }

        cirrus_blit_draw(cirrus, blt->dst_addr, 0, 0, 0, 1, true);
        blt->dst_addr += (uint32_t)blt->dst_pitch;
        blt->src_counter -= blt->src_pitch;
        if (blt->src_counter <= 0) {
            cirrus_blit_reset(cirrus);
            return;
        }
        if (blt->src_pos > (uint32_t)blt->src_pitch) {
            carry = blt->src_pos - blt->src_pitch;
            memmove(blt->buf, blt->buf + blt->src_pitch, carry);
        }
        blt->src_pos = carry;
        blt->src_end = blt->src_pitch;
    } while (blt->src_pos >= blt->src_end);
}

void cirrus_blit_cpu_write(Cirrus *cirrus, uint8_t value)
{
    CirrusBlitter *blt = &cirrus->blt;

    if (blt->src_pos >= blt->src_end || blt->src_pos >= CIRRUS_BLT_BUF_SIZE) {
        return;
    }
    blt->buf[blt->src_pos++] = value;
    if (blt->src_pos >= blt->src_end) {
        blit_cpu_line_done(cirrus);
    }
}
