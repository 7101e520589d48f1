/*
 * The Cirrus CL-GD5446's additions to the VGA display (cirrus-display.h),
 * as QEMU 7.2's cirrus_vga.c computes them: the depth from SR7 and the
 * hidden DAC register, the start address and pitch with the CR1B/CR1D
 * extension bits, interlaced height (CR1A bit 0) and the 32x32 or 64x64
 * hardware cursor read from the top 16 KiB of the 4 MiB the chip
 * addresses.  Reads go through vga_render_vram_byte, so a cursor or frame
 * outside a smaller VRAM shows wrapped memory or black, never a crash.
 */
#include "config.h"

#include <glib.h>

#include "devices/cirrus-display.h"

enum {
    CIRRUS_CR_INTERLACE = 0x1a, /* bit 0: interlaced, twice the lines */
    CIRRUS_CR_EXT_DISPLAY = 0x1b,
    CIRRUS_CR_OVERLAY_EXT = 0x1d, /* bit 7: start address bit 19 */
    CIRRUS_CURSOR_AREA = 16 * 1024,
    /* Cursor colours: hidden palette entries 0 (background) and 15. */
    CIRRUS_CURSOR_COLOR0 = 0x0,
    CIRRUS_CURSOR_COLOR1 = 0xf,
};

/* 15 or 16 bpp: the hidden DAC's low nibble picks the format. */
static int cirrus_bpp16_depth(const Cirrus *cirrus)
{
    switch (cirrus->hidden_dac_data & 0xf) {
    case 1:
        return 16; /* XGA 5-6-5 */
    case 0:
    default:
        return 15; /* Sierra 5-5-5, also what QEMU takes for junk */
    }
}

int cirrus_display_bpp(const Cirrus *cirrus)
{
    uint8_t sr7 = cirrus->vga.sr[CIRRUS_SR_EXT_MODE];

    if (!(sr7 & CIRRUS_SR7_BPP_SVGA)) {
        return 0;
    }
    switch (sr7 & CIRRUS_SR7_BPP_MASK) {
    case CIRRUS_SR7_BPP_16_DOUBLEVCLK:
    case CIRRUS_SR7_BPP_16:
        return cirrus_bpp16_depth(cirrus);
    case CIRRUS_SR7_BPP_24:
        return 24;
    case CIRRUS_SR7_BPP_32:
        return 32;
    case CIRRUS_SR7_BPP_8:
    default:
        return 8;
    }
}

static int cirrus_hook_bpp(const void *opaque)
{
    return cirrus_display_bpp(opaque);
}

static void cirrus_hook_offsets(const void *opaque, uint32_t *ret_line_offset,
                                uint32_t *ret_start_addr,
                                uint32_t *ret_line_compare)
{
    const uint8_t *cr = ((const Cirrus *)opaque)->vga.cr;

    *ret_line_offset =
        (cr[0x13] | ((uint32_t)(cr[CIRRUS_CR_EXT_DISPLAY] & 0x10) << 4)) << 3;
    *ret_start_addr = ((uint32_t)cr[0x0c] << 8) | cr[0x0d] |
                      ((uint32_t)(cr[CIRRUS_CR_EXT_DISPLAY] & 0x01) << 16) |
                      ((uint32_t)(cr[CIRRUS_CR_EXT_DISPLAY] & 0x0c) << 15) |
                      ((uint32_t)(cr[CIRRUS_CR_OVERLAY_EXT] & 0x80) << 12);
    *ret_line_compare = cr[0x18] | ((uint32_t)(cr[0x07] & 0x10) << 4) |
                        ((uint32_t)(cr[0x09] & 0x40) << 3);
}

static void cirrus_hook_resolution(const void *opaque, int *ret_width,
                                   int *ret_height)
{
    const uint8_t *cr = ((const Cirrus *)opaque)->vga.cr;
    int height = cr[0x12] | ((cr[0x07] & 0x02) << 7) | ((cr[0x07] & 0x40) << 3);

    *ret_width = (cr[0x01] + 1) * 8;
    *ret_height = height + 1;
    if (cr[CIRRUS_CR_INTERLACE] & 0x01) {
        *ret_height *= 2;
    }
}

static bool cirrus_cursor_shown(const Cirrus *cirrus)
{
    return cirrus->vga.sr[CIRRUS_SR_CURSOR_ATTR] & CIRRUS_CURSOR_SHOW;
}

/* QEMU shadows the frame (and so draws the cursor) while it is shown. */
static bool cirrus_hook_force_shadow(const void *opaque)
{
    return cirrus_cursor_shown(opaque);
}

static uint32_t cirrus_cursor_color(const Cirrus *cirrus, unsigned entry)
{
    const uint8_t *p = &cirrus->hidden_palette[entry * 3];

    return ((uint32_t)vga_render_dac_to_8(p[0]) << 16) |
           ((uint32_t)vga_render_dac_to_8(p[1]) << 8) |
           vga_render_dac_to_8(p[2]);
}

static uint32_t cirrus_vram_dword(const Vga *vga, uint64_t addr)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)vga_render_vram_byte(vga, addr + i) << (8 * i);
    }
    return v;
}

/*
 * The cursor's two bit planes for screen line y: plane 0 at src, plane 1
 * at src + poffset, leftmost pixel in bit 7.  Per pixel (p1, p0): 00
 * transparent, 01 inverts the screen, 10 colour 0, 11 colour 15.
 */
static void cirrus_hook_cursor_line(const void *opaque, uint8_t *line,
                                    int width, int y)
{
    const Cirrus *cirrus = opaque;
    const Vga *vga = &cirrus->vga;
    uint8_t sr13 = vga->sr[CIRRUS_SR_CURSOR_PATTERN];
    bool large = vga->sr[CIRRUS_SR_CURSOR_ATTR] & CIRRUS_CURSOR_LARGE;
    uint32_t size = large ? 64 : 32;
    uint64_t src = CIRRUS_REAL_VRAM_SIZE - CIRRUS_CURSOR_AREA;
    uint32_t poffset;
    uint32_t content;

    if (!cirrus_cursor_shown(cirrus) || (uint32_t)y < cirrus->hw_cursor_y ||
        (uint64_t)y >= (uint64_t)cirrus->hw_cursor_y + size) {
        return;
    }
    uint32_t row = (uint32_t)y - cirrus->hw_cursor_y;
    if (large) {
        src += (sr13 & 0x3c) * 256u + row * 16;
        poffset = 8;
        content =
            cirrus_vram_dword(vga, src) | cirrus_vram_dword(vga, src + 4) |
            cirrus_vram_dword(vga, src + 8) | cirrus_vram_dword(vga, src + 12);
    } else {
        src += (sr13 & 0x3f) * 256u + row * 4;
        poffset = 128;
        content =
            cirrus_vram_dword(vga, src) | cirrus_vram_dword(vga, src + poffset);
    }
    if (content == 0 || cirrus->hw_cursor_x >= (uint32_t)width) {
        return;
    }
    int x1 = (int)cirrus->hw_cursor_x;
    int w = MIN((int)size, width - x1);
    uint32_t color0 = cirrus_cursor_color(cirrus, CIRRUS_CURSOR_COLOR0);
    uint32_t color1 = cirrus_cursor_color(cirrus, CIRRUS_CURSOR_COLOR1);

    for (int x = 0; x < w; x++) {
        unsigned shift = 7 - (x & 7);
        unsigned b0 = (vga_render_vram_byte(vga, src + x / 8) >> shift) & 1;
        unsigned b1 =
            (vga_render_vram_byte(vga, src + poffset + x / 8) >> shift) & 1;
        uint8_t *p = line + (size_t)(x1 + x) * IMAGE_BYTES_PER_PIXEL;
        uint32_t rgb;

        switch (b0 | (b1 << 1)) {
        case 1:
            p[0] ^= 0xff;
            p[1] ^= 0xff;
            p[2] ^= 0xff;
            continue;
        case 2:
            rgb = color0;
            break;
        case 3:
            rgb = color1;
            break;
        default:
            continue;
        }
        p[0] = (uint8_t)(rgb >> 16);
        p[1] = (uint8_t)(rgb >> 8);
        p[2] = (uint8_t)rgb;
    }
}

VgaRenderHooks cirrus_display_hooks(const Cirrus *cirrus)
{
    VgaRenderHooks hooks = {
        .opaque = cirrus,
        .get_bpp = cirrus_hook_bpp,
        .get_offsets = cirrus_hook_offsets,
        .get_resolution = cirrus_hook_resolution,
        .force_shadow = cirrus_hook_force_shadow,
        .cursor_line = cirrus_hook_cursor_line,
    };

    return hooks;
}

Image *cirrus_render(const Cirrus *cirrus, VgaBlinkPhase blink, GError **error)
{
    VgaRenderHooks hooks = cirrus_display_hooks(cirrus);

    return vga_render(&cirrus->vga, &hooks, blink, error);
}
