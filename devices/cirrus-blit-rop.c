/*
 * The BitBLT engine's drawing: the 16 raster operations applied pixel by
 * pixel for copies, fills, 8x8 patterns and colour expansion, with QEMU
 * 7.2's exact addressing (cirrus_vga_rop.h and cirrus_vga_rop2.h), but as
 * one routine per kind of blit instead of one per ROP and depth.
 *
 * How QEMU addresses, and so how we do:
 * - 16- and 32-bit pixels are read and written at the address rounded
 *   down to 2 or 4 bytes; 24-bit pixels are three separate bytes.
 * - Plain copies go byte by byte whatever the pixel width; transparent
 *   copies (8/16 bpp) compare the ROP's result with the key in GR34/GR35.
 * - GR2F bits 0-2 (bits 0-4 for some 24 bpp cases) skip pixels at the
 *   left of every line; GR2F and GR34/GR35 are read when drawing, not
 *   latched, as QEMU does.
 * - Colour expansion takes its bits most significant first.
 *
 * Every access goes through vram_offset() (address mask, then VRAM size)
 * or the CPU line buffer's own mask: nothing here can leave VRAM.  Each
 * store marks the dirty log at the unit it wrote (1, 2 or 4 aligned bytes:
 * one page), so wrapped and skipped pixels are exact (QEMU marks the
 * blit's whole rectangle).
 */
#include "config.h"

#include <stddef.h>

#include "devices/cirrus-blit-rop.h"
#include "devices/cirrus.h"

enum {
    GR_BLT_TRANSP_KEY = 0x34, /* 0x34-0x35 */
};

uint32_t cirrus_blit_rop(uint8_t rop, uint32_t dst, uint32_t src)
{
    switch (rop) {
    case CIRRUS_ROP_0:
        return 0;
    case CIRRUS_ROP_SRC_AND_DST:
        return src & dst;
    case CIRRUS_ROP_SRC_AND_NOTDST:
        return src & ~dst;
    case CIRRUS_ROP_NOTDST:
        return ~dst;
    case CIRRUS_ROP_SRC:
        return src;
    case CIRRUS_ROP_1:
        return ~0u;
    case CIRRUS_ROP_NOTSRC_AND_DST:
        return ~src & dst;
    case CIRRUS_ROP_SRC_XOR_DST:
        return src ^ dst;
    case CIRRUS_ROP_SRC_OR_DST:
        return src | dst;
    case CIRRUS_ROP_NOTSRC_OR_NOTDST:
        return ~src | ~dst;
    case CIRRUS_ROP_SRC_NOTXOR_DST:
        return ~(src ^ dst);
    case CIRRUS_ROP_SRC_OR_NOTDST:
        return src | ~dst;
    case CIRRUS_ROP_NOTSRC:
        return ~src;
    case CIRRUS_ROP_NOTSRC_OR_DST:
        return ~src | dst;
    case CIRRUS_ROP_NOTSRC_AND_NOTDST:
        return ~src & ~dst;
    default:
        return dst; /* CIRRUS_ROP_NOP and the undefined codes */
    }
}

static uint32_t load_le(const uint8_t *p, unsigned size)
{
    uint32_t value = 0;

    for (unsigned i = 0; i < size; i++) {
        value |= (uint32_t)p[i] << (8 * i);
    }
    return value;
}

static void store_le(uint8_t *p, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = value >> (8 * i);
    }
}

/*
 * Where a size-byte (1, 2 or 4) access at the blitter address addr lands
 * in VRAM: masked to the card's 4 MiB, aligned down to size, and refused
 * if it would end past the VRAM buffer.
 */
static bool vram_offset(const Cirrus *cirrus, uint32_t addr, unsigned size,
                        size_t *ret_offset)
{
    size_t offset = addr & cirrus->addr_mask & ~(uint32_t)(size - 1);

    if (!cirrus->vga.vram || offset >= cirrus->vga.vram_size ||
        cirrus->vga.vram_size - offset < size) {
        return false;
    }
    *ret_offset = offset;
    return true;
}

static uint32_t src_load(const Cirrus *cirrus, uint32_t addr, unsigned size,
                         bool from_cpu)
{
    size_t offset;

    if (from_cpu) {
        offset = addr & (CIRRUS_BLT_BUF_SIZE - 1) & ~(uint32_t)(size - 1);
        return load_le(cirrus->blt.buf + offset, size);
    }
    if (!vram_offset(cirrus, addr, size, &offset)) {
        return 0;
    }
    return load_le(cirrus->vga.vram + offset, size);
}

/* dst = ROP(dst, src) on one 1-, 2- or 4-byte unit. */
static void put(Cirrus *cirrus, uint32_t addr, unsigned size, uint32_t src)
{
    size_t offset;
    uint8_t *p;

    if (!vram_offset(cirrus, addr, size, &offset)) {
        return;
    }
    p = cirrus->vga.vram + offset;
    store_le(p, size, cirrus_blit_rop(cirrus->blt.rop, load_le(p, size), src));
    vram_dirty_mark(&cirrus->vga.dirty, offset);
}

/* The same, but a result equal to the key leaves the destination alone. */
static void put_keyed(Cirrus *cirrus, uint32_t addr, unsigned size,
                      uint32_t src, uint32_t key)
{
    uint32_t keep = size == 2 ? 0xffff : 0xff;
    size_t offset;
    uint8_t *p;
    uint32_t result;

    if (!vram_offset(cirrus, addr, size, &offset)) {
        return;
    }
    p = cirrus->vga.vram + offset;
    result = cirrus_blit_rop(cirrus->blt.rop, load_le(p, size), src) & keep;
    if (result != key) {
        store_le(p, size, result);
        vram_dirty_mark(&cirrus->vga.dirty, offset);
    }
}

static void put_pixel(Cirrus *cirrus, uint32_t addr, uint32_t colour)
{
    int width = cirrus->blt.pixel_width;

    if (width == 3) {
        for (int i = 0; i < 3; i++) {
            put(cirrus, addr + i, 1, colour >> (8 * i));
        }
    } else {
        put(cirrus, addr, width, colour);
    }
}

/*
 * Where a row of len bytes at the blitter address addr lies in VRAM when
 * it needs neither the address mask's wrap nor the per-access bound:
 * then each aligned unit of the row is exactly where put() would store
 * it.  NULL otherwise (the caller takes the per-access path).
 */
static uint8_t *vram_row(const Cirrus *cirrus, uint32_t addr, uint32_t len)
{
    uint64_t offset = addr & cirrus->addr_mask;

    if (cirrus->vga.vram == NULL ||
        offset + len > (uint64_t)cirrus->addr_mask + 1 ||
        offset + len > cirrus->vga.vram_size) {
        return NULL;
    }
    return cirrus->vga.vram + offset;
}

/*
 * One row of 1-, 2- or 4-byte pixels, pixel i taking colours[i & 7],
 * inside VRAM: the same stores as put_pixel() for each pixel (aligned
 * down as put() aligns each one), without the per-access checks (a
 * 8192 x 8192 fill is 64 M pixels).  False when the row does not
 * qualify.
 */
static bool put_row(Cirrus *cirrus, uint32_t addr, int count,
                    const uint32_t colours[8])
{
    unsigned pw = (unsigned)cirrus->blt.pixel_width;
    uint8_t *row;

    if (count <= 0 || pw == 3) {
        return false;
    }
    row = vram_row(cirrus, addr & ~(uint32_t)(pw - 1), (uint32_t)count * pw);
    if (row == NULL) {
        return false;
    }
    for (int i = 0; i < count; i++) {
        uint8_t *p = row + (size_t)i * pw;

        store_le(
            p, pw,
            cirrus_blit_rop(cirrus->blt.rop, load_le(p, pw), colours[i & 7]));
    }
    vram_dirty_mark_range(&cirrus->vga.dirty,
                          (uint64_t)(row - cirrus->vga.vram),
                          (uint64_t)count * pw);
    return true;
}

/*
 * Copies, forward or backward.  Plain copies move bytes; transparent ones
 * move 16-bit units at 16 bpp (at addr - 1 backward, as QEMU).  A forward
 * copy whose pitches are shorter than the width does nothing when it has
 * more than one line, as in QEMU.
 */
static void draw_copy(Cirrus *cirrus, uint32_t dst, uint32_t src,
                      int32_t dst_pitch, int32_t src_pitch, int height,
                      bool from_cpu)
{
    const CirrusBlitter *blt = &cirrus->blt;
    bool keyed = blt->op == CIRRUS_BLT_OP_COPY_TRANSP;
    unsigned size = keyed && blt->pixel_width == 2 ? 2 : 1;
    uint32_t key = cirrus->vga.gr[GR_BLT_TRANSP_KEY];
    int width = blt->width;
    int32_t step = blt->backward ? -(int32_t)size : (int32_t)size;
    uint32_t back = blt->backward ? size - 1 : 0;

    if (size == 2) {
        key |= (uint32_t)cirrus->vga.gr[GR_BLT_TRANSP_KEY + 1] << 8;
    }
    if (!blt->backward && height > 1 &&
        (dst_pitch - width < 0 || src_pitch - width < 0)) {
        return;
    }
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x += size) {
            uint32_t value = src_load(cirrus, src - back, size, from_cpu);

            if (keyed) {
                put_keyed(cirrus, dst - back, size, value, key);
            } else {
                put(cirrus, dst, 1, value);
            }
            dst += step;
            src += step;
        }
        /* Back to the start of the line, then on by the pitch. */
        dst += dst_pitch + (blt->backward ? width : -width);
        src += src_pitch + (blt->backward ? width : -width);
    }
}

static void draw_fill(Cirrus *cirrus, uint32_t dst, int32_t dst_pitch,
                      int height)
{
    const CirrusBlitter *blt = &cirrus->blt;
    const uint32_t colours[8] = { blt->fg, blt->fg, blt->fg, blt->fg,
                                  blt->fg, blt->fg, blt->fg, blt->fg };
    int count = (blt->width + blt->pixel_width - 1) / blt->pixel_width;

    for (int y = 0; y < height; y++) {
        uint32_t addr = dst;

        if (put_row(cirrus, addr, count, colours)) {
            dst += dst_pitch;
            continue;
        }
        for (int x = 0; x < blt->width; x += blt->pixel_width) {
            put_pixel(cirrus, addr, blt->fg);
            addr += blt->pixel_width;
        }
        dst += dst_pitch;
    }
}

/*
 * An 8x8 colour pattern: line y of the blit uses pattern line
 * (first + y) & 7, where first is the source address's low 3 bits; pattern
 * lines are 8, 16, 32 and 32 bytes apart at 8, 16, 24 and 32 bpp.  At
 * 24 bpp QEMU skips GR2F & 0x1f bytes but starts the pattern at that many
 * pixels, reading past the 8 pattern pixels (masked reads, no harm).
 */
static void draw_pattern(Cirrus *cirrus, uint32_t dst, uint32_t src,
                         int32_t dst_pitch, int height, bool from_cpu)
{
    const CirrusBlitter *blt = &cirrus->blt;
    int pw = blt->pixel_width;
    uint8_t gr2f = cirrus->vga.gr[CIRRUS_GR_BLT_WMASK];
    int skip = pw == 3 ? gr2f & 0x1f : (gr2f & 0x07) * pw;
    static const uint32_t line_bytes[] = { 0, 8, 16, 32, 32 };
    uint32_t pattern_y = blt->src_addr & 7;

    for (int y = 0; y < height; y++) {
        uint32_t line = src + pattern_y * line_bytes[pw];
        uint32_t pattern_x = skip;
        uint32_t addr = dst + skip;

        if (pw != 3 && skip < blt->width) {
            /* The line's 8 colours, starting at the skipped pixel. */
            uint32_t colours[8];
            int count = (blt->width - skip + pw - 1) / pw;

            for (unsigned i = 0; i < 8; i++) {
                colours[i] = src_load(
                    cirrus, line + ((pattern_x + i * pw) & (8 * pw - 1)), pw,
                    from_cpu);
            }
            if (put_row(cirrus, addr, count, colours)) {
                pattern_y = (pattern_y + 1) & 7;
                dst += dst_pitch;
                continue;
            }
        }
        for (int x = skip; x < blt->width; x += pw) {
            uint32_t colour;

            if (pw == 3) {
                colour = 0;
                for (unsigned i = 0; i < 3; i++) {
                    colour |=
                        src_load(cirrus, line + pattern_x * 3 + i, 1, from_cpu)
                        << (8 * i);
                }
                pattern_x = (pattern_x + 1) & 7;
            } else {
                colour = src_load(cirrus, line + pattern_x, pw, from_cpu);
                pattern_x = (pattern_x + pw) & (8 * pw - 1);
            }
            put_pixel(cirrus, addr, colour);
            addr += pw;
        }
        pattern_y = (pattern_y + 1) & 7;
        dst += dst_pitch;
    }
}

/*
 * Colour expansion, from a stream of bits (one byte or more a line,
 * consecutive in the source: the source pitch is not used) or from an
 * 8-byte pattern (one byte a line).  Set bits draw the foreground; clear
 * bits the background, or nothing when transparent.  GR33's inverse bit
 * swaps that for transparent blits, which then draw the background.
 *
 * The left skip is GR2F & 7 pixels, except for transparent expansion at
 * 24 bpp: GR2F & 0x1f bytes, a third of that in source bits.  That can be
 * up to 10 bits: a stream then skips a whole byte (as QEMU), and a
 * pattern's first pixel reads a bit position below 0.  QEMU shifts by a
 * negative count there (gitlab #3377, undefined behaviour; on x86 the bit
 * reads as 0); we read it as 0 without the shift.
 */
static void draw_expand(Cirrus *cirrus, uint32_t dst, uint32_t src,
                        int32_t dst_pitch, int height, bool from_cpu)
{
    const CirrusBlitter *blt = &cirrus->blt;
    bool pattern = blt->op == CIRRUS_BLT_OP_PATTERN_EXPAND ||
                   blt->op == CIRRUS_BLT_OP_PATTERN_EXPAND_TRANSP;
    bool transparent = blt->op == CIRRUS_BLT_OP_EXPAND_TRANSP ||
                       blt->op == CIRRUS_BLT_OP_PATTERN_EXPAND_TRANSP;
    int pw = blt->pixel_width;
    uint8_t gr2f = cirrus->vga.gr[CIRRUS_GR_BLT_WMASK];
    int src_skip = gr2f & 0x07;
    int dst_skip = src_skip * pw;
    uint32_t invert = 0;
    uint32_t colour = blt->fg;
    uint32_t pattern_y = blt->src_addr & 7;

    if (transparent && pw == 3) {
        dst_skip = gr2f & 0x1f;
        src_skip = dst_skip / 3;
    }
    if (transparent && (blt->mode_ext & CIRRUS_BLTMODEEXT_COLOREXPINV)) {
        invert = 0xff;
        colour = blt->bg;
    }
    for (int y = 0; y < height; y++) {
        uint32_t addr = dst + dst_skip;
        uint32_t bits;
        unsigned mask = 0x80u >> src_skip; /* stream: the next bit */
        int bit = 7 - src_skip;            /* pattern: the next bit */

        if (pattern) {
            bits = src_load(cirrus, src + pattern_y, 1, from_cpu) ^ invert;
        } else {
            bits = src_load(cirrus, src++, 1, from_cpu) ^ invert;
        }
        for (int x = dst_skip; x < blt->width; x += pw) {
            bool set;

            if (pattern) {
                set = bit >= 0 && ((bits >> bit) & 1);
                bit = (int)((unsigned)(bit - 1) & 7);
            } else {
                if ((mask & 0xff) == 0) {
                    mask = 0x80;
                    bits = src_load(cirrus, src++, 1, from_cpu) ^ invert;
                }
                set = bits & mask;
                mask >>= 1;
            }
            if (!transparent) {
                put_pixel(cirrus, addr, set ? blt->fg : blt->bg);
            } else if (set) {
                put_pixel(cirrus, addr, colour);
            }
            addr += pw;
        }
        pattern_y = (pattern_y + 1) & 7;
        dst += dst_pitch;
    }
}

void cirrus_blit_draw(Cirrus *cirrus, uint32_t dst, uint32_t src,
                      int32_t dst_pitch, int32_t src_pitch, int height,
                      bool from_cpu)
{
    const CirrusBlitter *blt = &cirrus->blt;

    /* QEMU's NOP routines draw nothing at all (not even transparently). */
    if (blt->rop == CIRRUS_ROP_NOP || blt->width <= 0 || blt->pixel_width < 1 ||
        blt->pixel_width > 4) {
        return;
    }
    switch (blt->op) {
    case CIRRUS_BLT_OP_COPY:
    case CIRRUS_BLT_OP_COPY_TRANSP:
        draw_copy(cirrus, dst, src, dst_pitch, src_pitch, height, from_cpu);
        break;
    case CIRRUS_BLT_OP_FILL:
        draw_fill(cirrus, dst, dst_pitch, height);
        break;
    case CIRRUS_BLT_OP_PATTERN:
        draw_pattern(cirrus, dst, src, dst_pitch, height, from_cpu);
        break;
    case CIRRUS_BLT_OP_EXPAND:
    case CIRRUS_BLT_OP_EXPAND_TRANSP:
    case CIRRUS_BLT_OP_PATTERN_EXPAND:
    case CIRRUS_BLT_OP_PATTERN_EXPAND_TRANSP:
        draw_expand(cirrus, dst, src, dst_pitch, height, from_cpu);
        break;
    case CIRRUS_BLT_OP_MAX:
        break;
    }
}
