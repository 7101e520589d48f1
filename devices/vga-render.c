/*
 * Rendering the VGA core's display (vga-render.h) the way QEMU 7.2 draws
 * it (vga_update_display, vga_draw_text, vga_draw_graphic and its line
 * drawers), so that a screendump matches QEMU's pixel for pixel; the
 * integration test compares the two.  One full frame per call: QEMU
 * redraws only what changed, and a full frame is what that converges to.
 *
 * Deliberate differences from QEMU 7.2:
 *   - character blink: with AR10 bit 3 set, attribute bit 7 blinks the
 *     character and the background takes only 3 bits, as on real
 *     hardware; QEMU always uses 4 background bits and never blinks;
 *   - blanked screens and text geometries QEMU refuses to draw (more than
 *     160x100 cells, or one cell) come out black, at the mode's size or
 *     640x480; QEMU keeps whatever its surface last showed (at first a
 *     placeholder with a message);
 *   - the cursor phase is the caller's; QEMU also flips it at the first
 *     text update after every mode change.
 * Like QEMU: text mode ignores double scan, underline and AR13 panning;
 * VRAM is addressed modulo its size (a power of two), so hostile start
 * addresses and pitches wrap instead of reading out of bounds (and read
 * as 0 past the end of a VRAM of another size).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/vga-render.h"

/* Register indices and bits used here. */
enum {
    VGA_SR_CLOCK_MODE = 0x01,
    VGA_SR01_8DOT = 0x01,       /* 8-dot character clock (else 9) */
    VGA_SR01_HALF_CLOCK = 0x08, /* dot clock / 2: pixels doubled */
    VGA_SR_CHAR_MAP = 0x03,
    VGA_GR_MODE = 0x05, /* bits 5-6: shift register mode */
    VGA_GR_MISC = 0x06,
    VGA_GR06_GRAPHICS = 0x01,
    VGA_AR_MODE = 0x10,
    VGA_AR10_LINE_GRAPHICS = 0x04, /* 9th column copies the 8th (C0-DF) */
    VGA_AR10_BLINK = 0x08,         /* attribute bit 7 blinks */
    VGA_AR10_P54_SELECT = 0x80,    /* AR14 bits 0-1 replace palette 4-5 */
    VGA_AR_PLANE_ENABLE = 0x12,
    VGA_AR_COLOR_SELECT = 0x14,
    VGA_AR_INDEX_PAS = 0x20, /* palette address source: video on */
    VGA_CR_H_DISP_END = 0x01,
    VGA_CR_V_TOTAL = 0x06,
    VGA_CR_OVERFLOW = 0x07,
    VGA_CR_MAX_SCAN = 0x09,
    VGA_CR_CURSOR_START = 0x0a,
    VGA_CR0A_CURSOR_OFF = 0x20,
    VGA_CR_CURSOR_END = 0x0b,
    VGA_CR_START_HI = 0x0c,
    VGA_CR_START_LO = 0x0d,
    VGA_CR_CURSOR_HI = 0x0e,
    VGA_CR_CURSOR_LO = 0x0f,
    VGA_CR_V_DISP_END = 0x12,
    VGA_CR_OFFSET = 0x13,
    VGA_CR_MODE = 0x17, /* bit 0: not CGA rows; bit 1: not Hercules */
    VGA_CR_LINE_COMPARE = 0x18,
    /* QEMU's text buffer limit (CH_ATTR_SIZE). */
    VGA_TEXT_MAX_CELLS = 160 * 100,
    /* Bytes of plane 2 between two character maps, interleaved by 4. */
    VGA_FONT_MAP_STRIDE = 8192 * 4,
    VGA_FONT_GLYPH_STRIDE = 32 * 4,
};

/* What one frame is drawn from. */
typedef struct VgaFrame {
    const Vga *vga;
    const VgaRenderHooks *hooks;
    uint32_t line_offset;
    uint32_t start_addr;
    uint32_t line_compare;
    uint32_t palette16[16]; /* 0xRRGGBB */
    uint32_t palette256[256];
} VgaFrame;

VgaBlinkPhase vga_blink_phase(int64_t guest_ms)
{
    const int64_t half = VGA_TEXT_CURSOR_PERIOD_MS / 2;
    VgaBlinkPhase phase;

    if (guest_ms < 0) {
        guest_ms = 0;
    }
    phase.cursor_on = (guest_ms / half) % 2 == 0;
    phase.text_on = (guest_ms / (2 * half)) % 2 == 0;
    return phase;
}

uint8_t vga_render_dac_to_8(uint8_t value)
{
    value &= 0x3f;
    return (uint8_t)((value << 2) | ((value & 1) << 1) | (value & 1));
}

uint8_t vga_render_vram_byte(const Vga *vga, uint64_t addr)
{
    size_t size = vga->vram_size;

    if (vga->vram == NULL || size == 0) {
        return 0;
    }
    if ((size & (size - 1)) == 0) {
        return vga->vram[addr & (size - 1)];
    }
    return addr < size ? vga->vram[addr] : 0;
}

/* The four planes at a dword address, plane 0 in the low byte. */
static uint32_t vga_vram_dword(const Vga *vga, uint64_t addr)
{
    uint32_t v = 0;

    addr &= ~(uint64_t)3;
    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)vga_render_vram_byte(vga, addr + i) << (8 * i);
    }
    return v;
}

static uint32_t vga_dac_color(const Vga *vga, unsigned index)
{
    const uint8_t *p = &vga->palette[(index & 0xff) * 3];

    return ((uint32_t)vga_render_dac_to_8(p[0]) << 16) |
           ((uint32_t)vga_render_dac_to_8(p[1]) << 8) |
           vga_render_dac_to_8(p[2]);
}

static void vga_frame_palettes(VgaFrame *f)
{
    const Vga *vga = f->vga;

    for (unsigned i = 0; i < 16; i++) {
        unsigned v = vga->ar[i];
        if (vga->ar[VGA_AR_MODE] & VGA_AR10_P54_SELECT) {
            v = ((vga->ar[VGA_AR_COLOR_SELECT] & 0xf) << 4) | (v & 0xf);
        } else {
            v = ((vga->ar[VGA_AR_COLOR_SELECT] & 0xc) << 4) | (v & 0x3f);
        }
        f->palette16[i] = vga_dac_color(vga, v);
    }
    for (unsigned i = 0; i < 256; i++) {
        f->palette256[i] = vga_dac_color(vga, i);
    }
}

static void vga_default_offsets(const Vga *vga, uint32_t *ret_line_offset,
                                uint32_t *ret_start_addr,
                                uint32_t *ret_line_compare)
{
    *ret_line_offset = (uint32_t)vga->cr[VGA_CR_OFFSET] << 3;
    *ret_start_addr =
        ((uint32_t)vga->cr[VGA_CR_START_HI] << 8) | vga->cr[VGA_CR_START_LO];
    *ret_line_compare = vga->cr[VGA_CR_LINE_COMPARE] |
                        ((uint32_t)(vga->cr[VGA_CR_OVERFLOW] & 0x10) << 4) |
                        ((uint32_t)(vga->cr[VGA_CR_MAX_SCAN] & 0x40) << 3);
}

/* CR12 with its overflow bits 8 (CR7 bit 1) and 9 (CR7 bit 6). */
static int vga_vertical_display_end(const Vga *vga)
{
    return vga->cr[VGA_CR_V_DISP_END] |
           ((vga->cr[VGA_CR_OVERFLOW] & 0x02) << 7) |
           ((vga->cr[VGA_CR_OVERFLOW] & 0x40) << 3);
}

static void vga_frame_resolution(const VgaFrame *f, int *ret_width,
                                 int *ret_height)
{
    if (f->hooks != NULL && f->hooks->get_resolution != NULL) {
        f->hooks->get_resolution(f->hooks->opaque, ret_width, ret_height);
        return;
    }
    *ret_width = (f->vga->cr[VGA_CR_H_DISP_END] + 1) * 8;
    *ret_height = vga_vertical_display_end(f->vga) + 1;
}

static int vga_frame_bpp(const VgaFrame *f)
{
    if (f->hooks != NULL && f->hooks->get_bpp != NULL) {
        return f->hooks->get_bpp(f->hooks->opaque);
    }
    return 0;
}

static void vga_put(uint8_t *line, int x, uint32_t rgb)
{
    uint8_t *p = line + (size_t)x * IMAGE_BYTES_PER_PIXEL;

    p[0] = (uint8_t)(rgb >> 16);
    p[1] = (uint8_t)(rgb >> 8);
    p[2] = (uint8_t)rgb;
}

/* ------------------------------------------------------------- text */

typedef struct VgaTextGeometry {
    int cols, rows;  /* character cells */
    int cw, cheight; /* cell size in pixels */
} VgaTextGeometry;

static bool vga_text_geometry(const Vga *vga, VgaTextGeometry *g)
{
    uint8_t sr1 = vga->sr[VGA_SR_CLOCK_MODE];

    g->cheight = (vga->cr[VGA_CR_MAX_SCAN] & 0x1f) + 1;
    g->cw = (sr1 & VGA_SR01_8DOT) ? 8 : 9;
    if (sr1 & VGA_SR01_HALF_CLOCK) {
        g->cw = 16; /* QEMU: 16 even for 9-dot cells */
    }
    g->cols = vga->cr[VGA_CR_H_DISP_END] + 1;
    if (vga->cr[VGA_CR_V_TOTAL] == 100) {
        g->rows = 100; /* QEMU's special case for CGA 160x100x16 */
    } else {
        g->rows = (vga_vertical_display_end(vga) + 1) / g->cheight;
    }
    return g->rows * g->cols > 1 && g->rows * g->cols <= VGA_TEXT_MAX_CELLS;
}

/*
 * One cell: font rows from plane 2, glyph bit 7 leftmost; the 9th column
 * is background unless dup9 copies the 8th; 16-wide cells double every
 * bit.  rows (1..32) lines from first_row.
 */
static void vga_text_glyph(Image *img, int x0, int y0, int cw,
                           const uint8_t *bits, int first_row, int rows,
                           uint32_t fg, uint32_t bg, bool dup9)
{
    for (int r = first_row; r < first_row + rows; r++) {
        uint8_t *line = image_row(img, y0 + r);
        unsigned b = bits[r];
        for (int x = 0; x < cw; x++) {
            bool on;
            if (cw == 16) {
                on = (b >> (7 - x / 2)) & 1;
            } else if (x < 8) {
                on = (b >> (7 - x)) & 1;
            } else {
                on = dup9 && (b & 1);
            }
            vga_put(line, x0 + x, on ? fg : bg);
        }
    }
}

static void vga_render_text(const VgaFrame *f, const VgaTextGeometry *g,
                            VgaBlinkPhase blink, Image *img)
{
    const Vga *vga = f->vga;
    uint8_t sr3 = vga->sr[VGA_SR_CHAR_MAP];
    uint8_t ar10 = vga->ar[VGA_AR_MODE];
    /* Map A (attribute bit 3 set) and map B, as SR3 selects them. */
    uint32_t font_base[2] = {
        (((sr3 >> 4) & 1) | ((sr3 << 1) & 6)) * VGA_FONT_MAP_STRIDE + 2,
        (((sr3 >> 5) & 1) | ((sr3 >> 1) & 6)) * VGA_FONT_MAP_STRIDE + 2,
    };
    uint32_t cursor_at = (((uint32_t)vga->cr[VGA_CR_CURSOR_HI] << 8) |
                          vga->cr[VGA_CR_CURSOR_LO]) *
                         4;
    bool cursor_shown = !(vga->cr[VGA_CR_CURSOR_START] & VGA_CR0A_CURSOR_OFF) &&
                        blink.cursor_on;
    int cursor_first = vga->cr[VGA_CR_CURSOR_START] & 0x1f;
    int cursor_last = MIN(vga->cr[VGA_CR_CURSOR_END] & 0x1f, g->cheight - 1);
    uint8_t bits[32];
    uint8_t solid[32];
    uint32_t offset = f->start_addr * 4;
    uint32_t line = 0;

    memset(solid, 0xff, sizeof(solid));
    for (int cy = 0; cy < g->rows; cy++) {
        uint64_t src = offset;
        for (int cx = 0; cx < g->cols; cx++, src += 4) {
            if (src + 2 > vga->vram_size) {
                break; /* QEMU stops the row at the end of VRAM */
            }
            uint8_t ch = vga->vram[src];
            uint8_t attr = vga->vram[src + 1];
            uint32_t glyph =
                font_base[(attr >> 3) & 1] + VGA_FONT_GLYPH_STRIDE * ch;
            uint32_t fg = f->palette16[attr & 0xf];
            uint32_t bg = f->palette16[attr >> 4];
            uint32_t ink = fg;
            bool dup9 =
                ch >= 0xb0 && ch <= 0xdf && (ar10 & VGA_AR10_LINE_GRAPHICS);

            if (ar10 & VGA_AR10_BLINK) {
                bg = f->palette16[(attr >> 4) & 7];
                if ((attr & 0x80) && !blink.text_on) {
                    ink = bg;
                }
            }
            for (int r = 0; r < g->cheight; r++) {
                bits[r] = vga_render_vram_byte(vga, glyph + 4 * (uint32_t)r);
            }
            vga_text_glyph(img, cx * g->cw, cy * g->cheight, g->cw, bits, 0,
                           g->cheight, ink, bg, dup9);
            if (src == cursor_at && cursor_shown &&
                cursor_last >= cursor_first && cursor_first < g->cheight) {
                vga_text_glyph(img, cx * g->cw, cy * g->cheight, g->cw, solid,
                               cursor_first, cursor_last - cursor_first + 1, fg,
                               bg, true);
            }
        }
        uint32_t next = line + (uint32_t)g->cheight;
        offset += f->line_offset;
        if (line < f->line_compare && next >= f->line_compare) {
            offset = 0; /* the split screen restarts at address 0 */
        }
        line = next;
    }
}

/* --------------------------------------------------------- graphics */

typedef enum VgaLineKind {
    VGA_LINE_2,   /* CGA 4-colour: 2 bits from planes 0/2 then 1/3 */
    VGA_LINE_2D2, /* the same, every pixel twice */
    VGA_LINE_4,   /* planar 16-colour */
    VGA_LINE_4D2,
    VGA_LINE_8D2, /* chain-4 256-colour: 4 bytes make 8 pixels */
    VGA_LINE_8,
    VGA_LINE_15,
    VGA_LINE_16,
    VGA_LINE_24,
    VGA_LINE_32,
} VgaLineKind;

/* Pixel index bits of a planar dword: plane p gives bit p. */
static unsigned vga_planar_index(uint32_t data, int bit)
{
    unsigned index = 0;

    for (int p = 0; p < 4; p++) {
        index |= ((data >> (8 * p + bit)) & 1) << p;
    }
    return index;
}

/* CGA: pixel pairs of plane 0 (plane 1) with plane 2 (plane 3) above. */
static unsigned vga_cga_index(uint32_t data, int lo_plane, int pair)
{
    unsigned lo = (data >> (8 * lo_plane + 2 * pair)) & 3;
    unsigned hi = (data >> (8 * (lo_plane + 2) + 2 * pair)) & 3;

    return lo | (hi << 2);
}

static void vga_draw_line(const VgaFrame *f, VgaLineKind kind, uint8_t *line,
                          uint32_t addr, int width)
{
    const Vga *vga = f->vga;
    uint32_t plane_mask = 0;
    int x = 0;

    for (int p = 0; p < 4; p++) {
        if (vga->ar[VGA_AR_PLANE_ENABLE] & (1 << p)) {
            plane_mask |= 0xffu << (8 * p);
        }
    }
    switch (kind) {
    case VGA_LINE_2:
    case VGA_LINE_2D2:
    case VGA_LINE_4:
    case VGA_LINE_4D2: {
        int dup = (kind == VGA_LINE_2D2 || kind == VGA_LINE_4D2) ? 2 : 1;
        for (int n = 0; n < width / 8; n++, addr += 4) {
            uint32_t data = vga_vram_dword(vga, addr) & plane_mask;
            for (int i = 0; i < 8; i++) {
                unsigned index;
                if (kind == VGA_LINE_4 || kind == VGA_LINE_4D2) {
                    index = vga_planar_index(data, 7 - i);
                } else {
                    index = vga_cga_index(data, i / 4, 3 - (i % 4));
                }
                for (int d = 0; d < dup; d++) {
                    vga_put(line, x++, f->palette16[index]);
                }
            }
        }
        break;
    }
    case VGA_LINE_8D2:
        for (int n = 0; n < width / 8; n++, addr += 4) {
            for (int i = 0; i < 4; i++) {
                uint32_t c = f->palette256[vga_render_vram_byte(vga, addr + i)];
                vga_put(line, x++, c);
                vga_put(line, x++, c);
            }
        }
        break;
    case VGA_LINE_8:
        for (int n = 0; n < (width / 8) * 8; n++) {
            vga_put(line, x++,
                    f->palette256[vga_render_vram_byte(vga, addr++)]);
        }
        break;
    case VGA_LINE_15:
    case VGA_LINE_16:
        for (; x < width; x++, addr += 2) {
            /* Word reads are aligned down, as QEMU's. */
            uint32_t at = addr & ~1u;
            unsigned v = vga_render_vram_byte(vga, at) |
                         (vga_render_vram_byte(vga, at + 1) << 8);
            uint32_t rgb;
            if (kind == VGA_LINE_15) {
                rgb = (((v >> 7) & 0xf8) << 16) | (((v >> 2) & 0xf8) << 8) |
                      ((v << 3) & 0xf8);
            } else {
                rgb = (((v >> 8) & 0xf8) << 16) | (((v >> 3) & 0xfc) << 8) |
                      ((v << 3) & 0xf8);
            }
            vga_put(line, x, rgb);
        }
        break;
    case VGA_LINE_24:
    case VGA_LINE_32:
        for (; x < width; x++, addr += (kind == VGA_LINE_24) ? 3 : 4) {
            uint32_t rgb =
                ((uint32_t)vga_render_vram_byte(vga, addr + 2) << 16) |
                ((uint32_t)vga_render_vram_byte(vga, addr + 1) << 8) |
                vga_render_vram_byte(vga, addr);
            vga_put(line, x, rgb);
        }
        break;
    }
}

/* 5 or 6 bits to 8 by copying the top bits down, as pixman expands. */
static uint32_t vga_expand_bits(unsigned v, int bits)
{
    return (v << (8 - bits)) | (v >> (2 * bits - 8));
}

/*
 * QEMU draws 16, 24 and 32 bpp frames without a shadow copy when the
 * frame fits in VRAM and no hardware cursor is shown: the console image
 * is then VRAM itself (rows start_addr * 4 + y * pitch, no double scan,
 * no CGA interleave, no line compare), and the screendump converts it
 * with pixman, which expands 5- and 6-bit channels by bit replication
 * where the line drawers leave the low bits 0.
 */
static bool vga_shared_surface(const VgaFrame *f, int depth, int width,
                               int height)
{
    if (depth != 16 && depth != 24 && depth != 32) {
        return false;
    }
    if (f->hooks != NULL && f->hooks->force_shadow != NULL &&
        f->hooks->force_shadow(f->hooks->opaque)) {
        return false;
    }
    uint64_t end = (uint64_t)f->start_addr * 4 +
                   (uint64_t)f->line_offset * (uint64_t)height +
                   (uint64_t)width * (uint64_t)depth / 8 - f->line_offset;
    return end <= f->vga->vram_size;
}

static void vga_draw_shared_line(const VgaFrame *f, int depth, uint8_t *line,
                                 uint64_t addr, int width)
{
    const Vga *vga = f->vga;

    for (int x = 0; x < width; x++) {
        uint32_t rgb;
        if (depth == 16) {
            unsigned v = vga_render_vram_byte(vga, addr) |
                         (vga_render_vram_byte(vga, addr + 1) << 8);
            rgb = (vga_expand_bits(v >> 11, 5) << 16) |
                  (vga_expand_bits((v >> 5) & 0x3f, 6) << 8) |
                  vga_expand_bits(v & 0x1f, 5);
            addr += 2;
        } else {
            rgb = ((uint32_t)vga_render_vram_byte(vga, addr + 2) << 16) |
                  ((uint32_t)vga_render_vram_byte(vga, addr + 1) << 8) |
                  vga_render_vram_byte(vga, addr);
            addr += (uint64_t)depth / 8;
        }
        vga_put(line, x, rgb);
    }
}

static VgaLineKind vga_line_kind(const Vga *vga, int shift_control, int depth)
{
    bool half = vga->sr[VGA_SR_CLOCK_MODE] & VGA_SR01_HALF_CLOCK;

    if (shift_control == 0) {
        return half ? VGA_LINE_4D2 : VGA_LINE_4;
    }
    if (shift_control == 1) {
        return half ? VGA_LINE_2D2 : VGA_LINE_2;
    }
    switch (depth) {
    case 8:
        return VGA_LINE_8;
    case 15:
        return VGA_LINE_15;
    case 16:
        return VGA_LINE_16;
    case 24:
        return VGA_LINE_24;
    case 32:
        return VGA_LINE_32;
    default:
        return VGA_LINE_8D2;
    }
}

static Image *vga_render_graphic(const VgaFrame *f, GError **error)
{
    const Vga *vga = f->vga;
    uint8_t cr17 = vga->cr[VGA_CR_MODE];
    int width, height;

    vga_frame_resolution(f, &width, &height);
    int depth = vga_frame_bpp(f);
    int shift_control = (vga->gr[VGA_GR_MODE] >> 5) & 3;
    int double_scan = vga->cr[VGA_CR_MAX_SCAN] >> 7;
    int multi_scan = double_scan;
    if (cr17 & 1) {
        multi_scan =
            (((vga->cr[VGA_CR_MAX_SCAN] & 0x1f) + 1) << double_scan) - 1;
    }
    int disp_width = width;
    if (shift_control <= 1 &&
        (vga->sr[VGA_SR_CLOCK_MODE] & VGA_SR01_HALF_CLOCK)) {
        disp_width <<= 1;
    }

    Image *img = image_new(disp_width, height, error);
    if (img == NULL) {
        return NULL;
    }
    if (vga_shared_surface(f, depth, width, height)) {
        for (int y = 0; y < height; y++) {
            vga_draw_shared_line(f, depth, image_row(img, y),
                                 (uint64_t)f->start_addr * 4 +
                                     (uint64_t)y * f->line_offset,
                                 disp_width);
        }
        return img;
    }

    VgaLineKind kind = vga_line_kind(vga, shift_control, depth);
    uint32_t addr1 = f->start_addr * 4;
    int y1 = 0;
    int multi_run = multi_scan;
    for (int y = 0; y < height; y++) {
        uint32_t addr = addr1;
        if (!(cr17 & 1)) {
            /* CGA: odd rows from the second 8K bank (16K with bit 6) */
            int shift = 14 + ((cr17 >> 6) & 1);
            addr = (addr & ~(1u << shift)) | ((uint32_t)(y1 & 1) << shift);
        }
        if (!(cr17 & 2)) {
            addr = (addr & ~0x8000u) | ((uint32_t)(y1 & 2) << 14);
        }
        uint8_t *line = image_row(img, y);
        vga_draw_line(f, kind, line, addr, width);
        if (f->hooks != NULL && f->hooks->cursor_line != NULL) {
            f->hooks->cursor_line(f->hooks->opaque, line, disp_width, y);
        }
        if (multi_run == 0) {
            int mask = (cr17 & 3) ^ 3;
            if ((y1 & mask) == mask) {
                addr1 += f->line_offset;
            }
            y1++;
            multi_run = multi_scan;
        } else {
            multi_run--;
        }
        if ((uint32_t)y == f->line_compare) {
            addr1 = 0; /* line compare counts displayed lines */
        }
    }
    return img;
}

/* ------------------------------------------------------------ frame */

Image *vga_render(const Vga *vga, const VgaRenderHooks *hooks,
                  VgaBlinkPhase blink, GError **error)
{
    VgaFrame f = { .vga = vga, .hooks = hooks };
    bool video_on = vga->ar_index & VGA_AR_INDEX_PAS;
    VgaTextGeometry g;
    Image *img;

    if (hooks != NULL && hooks->get_offsets != NULL) {
        hooks->get_offsets(hooks->opaque, &f.line_offset, &f.start_addr,
                           &f.line_compare);
    } else {
        vga_default_offsets(vga, &f.line_offset, &f.start_addr,
                            &f.line_compare);
    }
    vga_frame_palettes(&f);

    if (vga->gr[VGA_GR_MISC] & VGA_GR06_GRAPHICS) {
        img = vga_render_graphic(&f, error);
    } else if (vga_text_geometry(vga, &g)) {
        img = image_new(g.cols * g.cw, g.rows * g.cheight, error);
        if (img != NULL && video_on) {
            vga_render_text(&f, &g, blink, img);
        }
        return img;
    } else {
        return image_new(VGA_RENDER_DEFAULT_WIDTH, VGA_RENDER_DEFAULT_HEIGHT,
                         error);
    }
    if (img != NULL && !video_on) {
        memset(img->pixels, 0,
               (size_t)img->width * (size_t)img->height *
                   IMAGE_BYTES_PER_PIXEL);
    }
    return img;
}
