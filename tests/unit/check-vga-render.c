/*
 * The display renderer: worked examples whose expected pixels are computed
 * here from the register descriptions (VGA reference: attribute
 * controller, CRTC, sequencer; CL-GD5446 databook: SR7, hidden DAC,
 * hardware cursor), plus hostile registers that must stay inside VRAM
 * (run under --enable-sanitizers) and the PPM and PNG encodings.
 */
#include "config.h"

#include <png.h>
#include <string.h>

#include <glib/gstdio.h>

#include <check.h>
#include <glib.h>

#include "devices/cirrus-display.h"
#include "devices/image.h"
#include "devices/vga-render.h"
#include "qmp/commands.h"
#include "tests/unit/suites.h"

enum {
    VRAM_4M = 4 << 20,
    CURSOR_AREA = VRAM_4M - 16 * 1024,
};

static const VgaBlinkPhase blink_on = { true, true };
static const VgaBlinkPhase blink_off = { false, false };

/* A card with registers set by hand: nothing but the struct and VRAM. */
static Cirrus *card_new(size_t vram_size)
{
    Cirrus *c = g_new0(Cirrus, 1);

    c->vga.vram = g_malloc0(vram_size);
    c->vga.vram_size = vram_size;
    c->vram_size = vram_size;
    c->vga.ar_index = 0x20; /* video on */
    for (int i = 0; i < 16; i++) {
        c->vga.ar[i] = (uint8_t)i;
    }
    c->vga.ar[0x12] = 0x0f;
    for (int i = 0; i < 256; i++) {
        c->vga.palette[i * 3] = (uint8_t)(i & 0x3f);
        c->vga.palette[i * 3 + 1] = (uint8_t)((i * 3 + 1) & 0x3f);
        c->vga.palette[i * 3 + 2] = (uint8_t)((i * 5 + 2) & 0x3f);
    }
    return c;
}

static void card_free(Cirrus *c)
{
    g_free(c->vga.vram);
    g_free(c);
}

/* 6-bit DAC to 8 bits, as QEMU shows it: the low bit fills bits 0-1. */
static uint32_t dac(const Cirrus *c, unsigned index)
{
    uint32_t rgb = 0;

    for (int k = 0; k < 3; k++) {
        unsigned v = c->vga.palette[index * 3 + k] & 0x3f;
        rgb = (rgb << 8) | (v << 2) | ((v & 1) ? 3 : 0);
    }
    return rgb;
}

static uint32_t px(const Image *img, int x, int y)
{
    const uint8_t *p = image_row(img, y) + x * 3;

    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static Image *render(const Cirrus *c, VgaBlinkPhase phase)
{
    GError *error = NULL;
    Image *img = cirrus_render(c, phase, &error);

    ck_assert_msg(img != NULL, "%s", error ? error->message : "?");
    return img;
}

/* ------------------------------------------------------------- text */

/* 3 columns x 2 rows of 9x16 cells, 16 bytes per row of cells. */
static Cirrus *text_card(void)
{
    Cirrus *c = card_new(256 * 1024);

    c->vga.cr[0x01] = 2;    /* 3 columns */
    c->vga.cr[0x12] = 31;   /* 32 lines */
    c->vga.cr[0x09] = 0x0f; /* 16-line cells */
    c->vga.cr[0x13] = 2;    /* 16 bytes (4 cells) per row */
    c->vga.cr[0x18] = 0xff;
    c->vga.cr[0x07] = 0x10;
    c->vga.cr[0x09] |= 0x40; /* line compare 0x3ff: off */
    c->vga.cr[0x0a] = 0x20;  /* cursor off unless a test enables it */
    c->vga.ar[0x10] = 0x04;  /* line graphics */
    return c;
}

static void put_cell(Cirrus *c, int index, uint8_t ch, uint8_t attr)
{
    c->vga.vram[index * 4] = ch;
    c->vga.vram[index * 4 + 1] = attr;
}

/* Glyph rows live in plane 2: byte 2 of every dword, 32 rows a glyph. */
static void put_glyph(Cirrus *c, uint32_t map_base, uint8_t ch,
                      const uint8_t *rows)
{
    for (int r = 0; r < 16; r++) {
        c->vga.vram[map_base + (ch * 32 + r) * 4 + 2] = rows[r];
    }
}

static const uint8_t glyph_a[16] = { 0x00, 0x18, 0x3c, 0x66, 0x66, 0x7e,
                                     0x66, 0x66, 0x66, 0x00, 0x81, 0x01,
                                     0x80, 0xff, 0xaa, 0x55 };
static const uint8_t glyph_box[16] = { 0x00, 0x00, 0xff, 0xff, 0x01, 0x01,
                                       0x0f, 0xf0, 0x00, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0xff };

/* Expected colour of cell pixel (x, r) for a glyph. */
static uint32_t cell_px(const uint8_t *rows, int x, int r, bool dup9,
                        uint32_t fg, uint32_t bg)
{
    bool on = x < 8 ? (rows[r] >> (7 - x)) & 1 : (dup9 && (rows[r] & 1));

    return on ? fg : bg;
}

START_TEST(test_text_cells)
{
    Cirrus *c = text_card();
    put_glyph(c, 0, 0x41, glyph_a);
    put_glyph(c, 0, 0xc4, glyph_box);
    put_glyph(c, 0, 0x7f, glyph_box);
    put_cell(c, 0, 0x41, 0x1e); /* row 0: fg 14 on bg 1 */
    put_cell(c, 1, 0xc4, 0x07); /* line graphics: 9th column copies 8th */
    put_cell(c, 2, 0x7f, 0x70); /* not line graphics */
    put_cell(c, 4, 0x41, 0x2a); /* row 1 starts at byte 16 */

    Image *img = render(c, blink_on);
    ck_assert_int_eq(img->width, 27);
    ck_assert_int_eq(img->height, 32);
    for (int r = 0; r < 16; r++) {
        for (int x = 0; x < 9; x++) {
            ck_assert_uint_eq(px(img, x, r), cell_px(glyph_a, x, r, false,
                                                     dac(c, 14), dac(c, 1)));
            ck_assert_uint_eq(px(img, 9 + x, r), cell_px(glyph_box, x, r, true,
                                                         dac(c, 7), dac(c, 0)));
            ck_assert_uint_eq(
                px(img, 18 + x, r),
                cell_px(glyph_box, x, r, false, dac(c, 0), dac(c, 7)));
            ck_assert_uint_eq(
                px(img, x, 16 + r),
                cell_px(glyph_a, x, r, false, dac(c, 10), dac(c, 2)));
        }
    }
    image_free(img);

    /* Without AR10 bit 2 the 9th column is always background. */
    c->vga.ar[0x10] = 0;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 17, 2), dac(c, 0));
    ck_assert_uint_eq(px(img, 16, 2), dac(c, 7));
    image_free(img);

    /* 8-dot cells (SR1 bit 0): 24 pixels wide. */
    c->vga.sr[0x01] = 0x01;
    img = render(c, blink_on);
    ck_assert_int_eq(img->width, 24);
    ck_assert_uint_eq(px(img, 8, 2), dac(c, 7));
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_text_font_maps_and_palette)
{
    Cirrus *c = text_card();
    /*
     * SR3: map A (attribute bit 3 set) is bits 5,3,2 (high to low), map B
     * bits 4,1,0; each map is 8K glyph bytes, interleaved by 4 in VRAM.
     * 0x06: map A = 0b001 << 1 = 2, map B = 0b010 << 1 = 4.
     */
    c->vga.sr[0x03] = 0x06;
    uint32_t map_a = 2 * 8192 * 4;
    uint32_t map_b = 4 * 8192 * 4;
    put_glyph(c, map_a, 0x41, glyph_a);
    put_glyph(c, map_b, 0x41, glyph_box);
    put_cell(c, 0, 0x41, 0x0f); /* bit 3 set: map A */
    put_cell(c, 1, 0x41, 0x07); /* map B */
    /* AR entries go through AR14 and the DAC. */
    c->vga.ar[0x0f] = 0x3f;
    c->vga.ar[0x14] = 0x0c;
    Image *img = render(c, blink_on);
    uint32_t fg = dac(c, 0xc0 | 0x3f), bg = dac(c, 0xc0);
    for (int r = 0; r < 16; r++) {
        for (int x = 0; x < 8; x++) {
            ck_assert_uint_eq(px(img, x, r),
                              cell_px(glyph_a, x, r, false, fg, bg));
            ck_assert_uint_eq(px(img, 9 + x, r), cell_px(glyph_box, x, r, false,
                                                         dac(c, 0xc0 | 7), bg));
        }
    }
    image_free(img);
    /* AR10 bit 7: AR14 bits 0-3 replace palette bits 4-7. */
    c->vga.ar[0x10] = 0x80;
    c->vga.ar[0x14] = 0x05;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 0x50));
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_text_cursor)
{
    Cirrus *c = text_card();
    put_cell(c, 1, 0x20, 0x1e); /* blank glyph */
    c->vga.cr[0x0e] = 0;
    c->vga.cr[0x0f] = 1; /* cell 1 */
    c->vga.cr[0x0a] = 13;
    c->vga.cr[0x0b] = 14;

    Image *img = render(c, blink_on);
    for (int r = 0; r < 16; r++) {
        for (int x = 0; x < 9; x++) {
            uint32_t want = (r == 13 || r == 14) ? dac(c, 14) : dac(c, 1);
            ck_assert_uint_eq(px(img, 9 + x, r), want);
        }
    }
    image_free(img);

    img = render(c, blink_off);
    ck_assert_uint_eq(px(img, 9, 13), dac(c, 1));
    image_free(img);

    /* CR0A bit 5 disables it; an end past the cell is clipped. */
    c->vga.cr[0x0a] = 0x20 | 13;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 9, 13), dac(c, 1));
    image_free(img);
    c->vga.cr[0x0a] = 15;
    c->vga.cr[0x0b] = 31;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 17, 15), dac(c, 14));
    ck_assert_uint_eq(px(img, 17, 14), dac(c, 1));
    image_free(img);

    /* The cursor address counts from VRAM 0, not from the start. */
    c->vga.cr[0x0d] = 1; /* start at cell 1: it is now on screen at 0 */
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 15), dac(c, 14));
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_text_blink)
{
    Cirrus *c = text_card();
    put_glyph(c, 0, 0x41, glyph_a);
    put_cell(c, 0, 0x41, 0x9e);
    /* AR10 bit 3 clear: bit 7 is background intensity (as QEMU). */
    Image *img = render(c, blink_off);
    ck_assert_uint_eq(px(img, 3, 1), dac(c, 14));
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 9));
    image_free(img);

    /* Set: 3 background bits, the character blinks (real hardware). */
    c->vga.ar[0x10] |= 0x08;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 3, 1), dac(c, 14));
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 1));
    image_free(img);
    VgaBlinkPhase hidden = { true, false };
    img = render(c, hidden);
    ck_assert_uint_eq(px(img, 3, 1), dac(c, 1));
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_blank_and_phase)
{
    Cirrus *c = text_card();
    put_cell(c, 0, 0x20, 0x77);
    c->vga.ar_index = 0; /* palette address source clear: video off */
    Image *img = render(c, blink_on);
    ck_assert_int_eq(img->width, 27);
    ck_assert_uint_eq(px(img, 0, 0), 0);
    image_free(img);
    card_free(c);

    VgaBlinkPhase p = vga_blink_phase(0);
    ck_assert(p.cursor_on && p.text_on);
    p = vga_blink_phase(265);
    ck_assert(p.cursor_on);
    p = vga_blink_phase(266);
    ck_assert(!p.cursor_on && p.text_on);
    p = vga_blink_phase(532);
    ck_assert(p.cursor_on && !p.text_on);
}
END_TEST

/* --------------------------------------------------------- graphics */

/* A graphics mode: width pixels (multiple of 8), height lines, pitch. */
static void graphic_mode(Cirrus *c, int width, int height, int pitch)
{
    c->vga.gr[0x06] = 0x01;
    c->vga.cr[0x01] = (uint8_t)(width / 8 - 1);
    c->vga.cr[0x12] = (uint8_t)(height - 1);
    c->vga.cr[0x07] = (uint8_t)(0x10 | (((height - 1) >> 8) & 1) << 1);
    c->vga.cr[0x09] = 0x40;
    c->vga.cr[0x18] = 0xff; /* line compare 0x3ff: off */
    c->vga.cr[0x13] = (uint8_t)(pitch / 8);
    c->vga.cr[0x17] = 0xe3; /* byte mode, no CGA interleave */
}

START_TEST(test_planar16)
{
    Cirrus *c = card_new(256 * 1024);
    graphic_mode(c, 16, 2, 8);
    /* Dword 0: plane p has bit (7 - p) set -> pixels 0..3 = 1, 2, 4, 8. */
    c->vga.vram[0] = 0x80;
    c->vga.vram[1] = 0x40;
    c->vga.vram[2] = 0x20;
    c->vga.vram[3] = 0x10;
    c->vga.vram[4] = 0xff; /* pixels 8..15: plane 0 only, index 1 */
    c->vga.vram[8] = 0x01; /* row 1 (8 bytes on): last pixel index 1 */
    c->vga.vram[9] = 0x01;
    Image *img = render(c, blink_on);
    ck_assert_int_eq(img->width, 16);
    ck_assert_int_eq(img->height, 2);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 1));
    ck_assert_uint_eq(px(img, 1, 0), dac(c, 2));
    ck_assert_uint_eq(px(img, 2, 0), dac(c, 4));
    ck_assert_uint_eq(px(img, 3, 0), dac(c, 8));
    ck_assert_uint_eq(px(img, 4, 0), dac(c, 0));
    ck_assert_uint_eq(px(img, 8, 0), dac(c, 1));
    ck_assert_uint_eq(px(img, 7, 1), dac(c, 3));
    image_free(img);

    /* AR12 masks planes: only plane 1 left. */
    c->vga.ar[0x12] = 0x02;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 0));
    ck_assert_uint_eq(px(img, 1, 0), dac(c, 2));
    ck_assert_uint_eq(px(img, 7, 1), dac(c, 2));
    image_free(img);

    /* SR1 bit 3 (half dot clock): every pixel twice, 32 wide. */
    c->vga.ar[0x12] = 0x0f;
    c->vga.sr[0x01] = 0x08;
    img = render(c, blink_on);
    ck_assert_int_eq(img->width, 32);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 1));
    ck_assert_uint_eq(px(img, 1, 0), dac(c, 1));
    ck_assert_uint_eq(px(img, 2, 0), dac(c, 2));
    ck_assert_uint_eq(px(img, 7, 0), dac(c, 8));
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_cga4)
{
    Cirrus *c = card_new(256 * 1024);
    graphic_mode(c, 8, 1, 8);
    c->vga.gr[0x05] = 0x20; /* shift mode 1: 2 bits a pixel */
    c->vga.vram[0] = 0xe4;  /* plane 0 pairs 11 10 01 00 */
    c->vga.vram[2] = 0x40;  /* plane 2 pairs 01 00 00 00 */
    c->vga.vram[1] = 0x1b;  /* plane 1 pairs 00 01 10 11 */
    Image *img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 3 | 4));
    ck_assert_uint_eq(px(img, 1, 0), dac(c, 2));
    ck_assert_uint_eq(px(img, 2, 0), dac(c, 1));
    ck_assert_uint_eq(px(img, 3, 0), dac(c, 0));
    ck_assert_uint_eq(px(img, 4, 0), dac(c, 0));
    ck_assert_uint_eq(px(img, 7, 0), dac(c, 3));
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_chain4_256)
{
    Cirrus *c = card_new(256 * 1024);
    graphic_mode(c, 32, 4, 32);
    c->vga.gr[0x05] = 0x40; /* 256 colours */
    c->vga.cr[0x09] = 0x41; /* 2 scanlines a row */
    for (int i = 0; i < 64; i++) {
        c->vga.vram[i] = (uint8_t)(100 + i);
    }
    Image *img = render(c, blink_on);
    ck_assert_int_eq(img->width, 32);
    ck_assert_int_eq(img->height, 4);
    /* 4 bytes give 8 pixels (each twice), the next 4 bytes one dword on. */
    for (int x = 0; x < 32; x++) {
        int byte = (x / 8) * 4 + (x % 8) / 2;
        ck_assert_uint_eq(px(img, x, 0), dac(c, 100 + byte));
        ck_assert_uint_eq(px(img, x, 1), dac(c, 100 + byte));
        ck_assert_uint_eq(px(img, x, 2), dac(c, 100 + 32 + byte));
    }
    image_free(img);

    /* Line compare: after display line 0, rows restart at address 0. */
    c->vga.cr[0x0d] = 8; /* start at byte 32 */
    c->vga.cr[0x18] = 0;
    c->vga.cr[0x07] = 0;
    c->vga.cr[0x09] = 0x01;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 132));
    ck_assert_uint_eq(px(img, 0, 1), dac(c, 100));
    ck_assert_uint_eq(px(img, 0, 2), dac(c, 132)); /* 0 + one pitch */
    ck_assert_uint_eq(px(img, 0, 3), dac(c, 132));
    image_free(img);
    card_free(c);
}
END_TEST

static void linear_mode(Cirrus *c, uint8_t sr7, int width, int height,
                        int pitch)
{
    graphic_mode(c, width, height, pitch);
    c->vga.gr[0x05] = 0x40;
    c->vga.cr[0x17] = 0xc3;
    c->vga.cr[0x1b] = 0;
    c->vga.cr[0x1d] = 0;
    c->vga.sr[0x07] = sr7;
}

START_TEST(test_cirrus_linear)
{
    Cirrus *c = card_new(VRAM_4M);
    /* 8 bpp through the 256-entry palette, start address in CR1B. */
    linear_mode(c, 0x01, 16, 2, 16);
    c->vga.cr[0x1b] = 0x01; /* start address bit 16: dword 0x10000 */
    for (int i = 0; i < 32; i++) {
        c->vga.vram[0x40000 + i] = (uint8_t)(200 + i);
    }
    ck_assert_int_eq(cirrus_display_bpp(c), 8);
    Image *img = render(c, blink_on);
    ck_assert_int_eq(img->width, 16);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 200));
    ck_assert_uint_eq(px(img, 15, 0), dac(c, 215));
    ck_assert_uint_eq(px(img, 3, 1), dac(c, 219));
    image_free(img);

    /* 15 bpp (SR7 16-bit, hidden DAC 0): 5 bits to the top, low bits 0. */
    linear_mode(c, 0x07, 8, 1, 16);
    c->hidden_dac_data = 0x00;
    c->vga.vram[0] = 0x00;
    c->vga.vram[1] = 0x7c; /* 0x7c00: red 31 */
    c->vga.vram[2] = 0x21;
    c->vga.vram[3] = 0x04; /* 0x0421: 1, 1, 1 */
    ck_assert_int_eq(cirrus_display_bpp(c), 15);
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), 0xf80000);
    ck_assert_uint_eq(px(img, 1, 0), 0x080808);
    image_free(img);

    /* 16 bpp (hidden DAC 1), no cursor: QEMU's pixman path replicates. */
    c->hidden_dac_data = 0xc1;
    c->vga.vram[0] = 0x10;
    c->vga.vram[1] = 0x84; /* 0x8410: 16, 32, 16 */
    ck_assert_int_eq(cirrus_display_bpp(c), 16);
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), 0x848284);
    image_free(img);
    /* With the hardware cursor on, the line drawer leaves low bits 0. */
    c->vga.sr[0x12] = 0x01;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), 0x808080);
    image_free(img);
    c->vga.sr[0x12] = 0;

    /* 24 bpp: B, G, R bytes; pitch from CR13 and CR1B bit 4. */
    linear_mode(c, 0x05, 8, 2, 8);
    c->vga.cr[0x13] = 0x00;
    c->vga.cr[0x1b] = 0x10; /* pitch 0x100 * 8 = 2048 */
    c->vga.vram[3] = 0x11;
    c->vga.vram[4] = 0x22;
    c->vga.vram[5] = 0x33;
    c->vga.vram[2048] = 0x44;
    c->vga.vram[2049] = 0x55;
    c->vga.vram[2050] = 0x66;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 1, 0), 0x332211);
    ck_assert_uint_eq(px(img, 0, 1), 0x665544);
    image_free(img);

    /* 32 bpp: B, G, R, unused; CR1D bit 7 is start address bit 19. */
    linear_mode(c, 0x09, 8, 1, 32);
    c->vga.cr[0x1d] = 0x80; /* byte 0x200000 */
    c->vga.vram[0x200004] = 0x01;
    c->vga.vram[0x200005] = 0x02;
    c->vga.vram[0x200006] = 0x03;
    c->vga.vram[0x200007] = 0xff;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 1, 0), 0x030201);
    image_free(img);
    card_free(c);
}
END_TEST

START_TEST(test_cirrus_cursor)
{
    Cirrus *c = card_new(VRAM_4M);
    linear_mode(c, 0x01, 64, 8, 64);
    memset(c->vga.vram, 5, 64 * 8);
    c->hidden_palette[0] = 0x3f;      /* colour 0: red */
    c->hidden_palette[45 + 2] = 0x3f; /* colour 15: blue */
    c->vga.sr[0x12] = 0x01;           /* shown, 32x32 */
    c->vga.sr[0x13] = 0x02;           /* pattern 2: 256 bytes each */
    c->hw_cursor_x = 4;
    c->hw_cursor_y = 2;
    uint32_t pat = CURSOR_AREA + 2 * 256;
    /* Row 0: plane 0 at +0, plane 1 at +128, leftmost pixel in bit 7. */
    c->vga.vram[pat] = 0xc0;
    c->vga.vram[pat + 128] = 0x60;
    c->vga.vram[pat + 3 * 4 + 3] = 0x01; /* row 3, pixel 31: invert */

    Image *img = render(c, blink_on);
    uint32_t bg = dac(c, 5);
    ck_assert_uint_eq(px(img, 4, 2), bg ^ 0xffffff);
    ck_assert_uint_eq(px(img, 5, 2), 0x0000ff);
    ck_assert_uint_eq(px(img, 6, 2), 0xff0000);
    ck_assert_uint_eq(px(img, 7, 2), bg);
    ck_assert_uint_eq(px(img, 4, 1), bg);
    ck_assert_uint_eq(px(img, 35, 5), bg ^ 0xffffff);
    image_free(img);

    /* 64x64 (SR12 bit 2): 16 bytes a row, SR13 bits 2-5 pick 1K. */
    c->vga.sr[0x12] = 0x05;
    c->vga.sr[0x13] = 0x07; /* low bits ignored: pattern at 4 * 256 */
    c->hw_cursor_x = 60;    /* clipped at the screen's right edge */
    c->hw_cursor_y = 0;
    pat = CURSOR_AREA + 4 * 256;
    c->vga.vram[pat + 16] = 0xff;     /* row 1 plane 0 */
    c->vga.vram[pat + 16 + 8] = 0xf0; /* row 1 plane 1 */
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 60, 1), 0x0000ff);
    ck_assert_uint_eq(px(img, 63, 1), 0x0000ff);
    ck_assert_uint_eq(px(img, 59, 1), bg);
    ck_assert_uint_eq(px(img, 60, 0), bg);
    image_free(img);

    /* Hidden (SR12 bit 0 clear): nothing drawn. */
    c->vga.sr[0x12] = 0x04;
    img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 60, 1), bg);
    image_free(img);
    card_free(c);
}
END_TEST

/* ---------------------------------------------------------- hostile */

/*
 * Random registers, extreme start addresses and pitches, small and odd
 * VRAM sizes: every frame must render without reading outside VRAM (the
 * sanitizer build checks) and with the size the registers give.
 */
START_TEST(test_hostile_registers)
{
    static const size_t sizes[] = { VRAM_4M, 256 * 1024, 300000, 4096, 3 };
    GRand *rand = g_rand_new_with_seed(6);

    for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        for (int iter = 0; iter < 60; iter++) {
            Cirrus *c = card_new(sizes[s]);
            for (size_t i = 0; i < sizes[s]; i += 97) {
                c->vga.vram[i] = (uint8_t)g_rand_int(rand);
            }
            for (int i = 0; i < 256; i++) {
                c->vga.cr[i] = (uint8_t)g_rand_int(rand);
                c->vga.sr[i] = (uint8_t)g_rand_int(rand);
                c->vga.gr[i] = (uint8_t)g_rand_int(rand);
            }
            for (int i = 0; i < VGA_AR_COUNT; i++) {
                c->vga.ar[i] = (uint8_t)g_rand_int(rand);
            }
            c->vga.ar_index = (uint8_t)g_rand_int(rand);
            c->hidden_dac_data = (uint8_t)g_rand_int(rand);
            c->hw_cursor_x = g_rand_int(rand);
            c->hw_cursor_y = g_rand_int_range(rand, 0, 300);
            /* Keep frames small enough to run quickly. */
            c->vga.cr[0x01] &= 0x3f;
            c->vga.cr[0x07] &= ~0x42;
            if (iter % 3 == 0) {
                /* The largest start address and pitch the card takes. */
                c->vga.cr[0x0c] = c->vga.cr[0x0d] = 0xff;
                c->vga.cr[0x1b] |= 0x1d;
                c->vga.cr[0x1d] |= 0x80;
                c->vga.cr[0x13] = 0xff;
                c->vga.cr[0x0e] = c->vga.cr[0x0f] = 0xff;
            }
            GError *error = NULL;
            Image *img = cirrus_render(c, vga_blink_phase(iter * 100), &error);
            ck_assert_msg(img != NULL, "%s", error ? error->message : "?");
            ck_assert_int_gt(img->width, 0);
            ck_assert_int_gt(img->height, 0);
            image_free(img);
            /* The plain VGA path too. */
            img = vga_render(&c->vga, NULL, blink_on, &error);
            ck_assert(img != NULL);
            image_free(img);
            card_free(c);
        }
    }
    g_rand_free(rand);
}
END_TEST

START_TEST(test_text_start_past_vram)
{
    /* A start address past a small VRAM: rows stop there, black after. */
    Cirrus *c = text_card();
    c->vga.cr[0x0c] = 0xff;
    c->vga.cr[0x0d] = 0xfe; /* dword 0xfffe: byte 0x3fff8 of 0x40000 */
    c->vga.vram[0x3fff8] = 0x20;
    c->vga.vram[0x3fff9] = 0x10; /* bg 1 */
    c->vga.cr[0x13] = 0;         /* pitch 0: row 1 the same */
    Image *img = render(c, blink_on);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 1));
    ck_assert_uint_eq(px(img, 18, 0), 0);
    ck_assert_uint_eq(px(img, 0, 16), dac(c, 1));
    image_free(img);
    card_free(c);
}
END_TEST

/* --------------------------------------------------------- encoding */

static Image *sample_image(void)
{
    Image *img = image_new(3, 2, NULL);

    for (int i = 0; i < 18; i++) {
        img->pixels[i] = (uint8_t)(i * 13 + 1);
    }
    return img;
}

START_TEST(test_ppm_bytes)
{
    Image *img = sample_image();
    GByteArray *ppm = image_encode_ppm(img);
    static const char header[] = "P6\n3 2\n255\n";

    ck_assert_uint_eq(ppm->len, strlen(header) + 18);
    ck_assert(memcmp(ppm->data, header, strlen(header)) == 0);
    ck_assert(memcmp(ppm->data + strlen(header), img->pixels, 18) == 0);
    g_byte_array_unref(ppm);
    image_free(img);

    GError *error = NULL;
    ck_assert(image_new(0, 5, &error) == NULL);
    ck_assert(error != NULL);
    g_error_free(error);
}
END_TEST

START_TEST(test_png_round_trip)
{
    Image *img = sample_image();
    GError *error = NULL;
    GByteArray *png = image_encode_png(img, &error);
    ck_assert_msg(png != NULL, "%s", error ? error->message : "?");
    static const uint8_t signature[8] = { 0x89, 'P',  'N',  'G',
                                          '\r', '\n', 0x1a, '\n' };
    ck_assert(memcmp(png->data, signature, 8) == 0);
    /* IHDR: 3 x 2, bit depth 8, colour type 2 (RGB), no interlace. */
    ck_assert_uint_eq(png->data[19], 3);
    ck_assert_uint_eq(png->data[23], 2);
    ck_assert_uint_eq(png->data[24], 8);
    ck_assert_uint_eq(png->data[25], 2);
    ck_assert_uint_eq(png->data[28], 0);

    png_image decoded;
    memset(&decoded, 0, sizeof(decoded));
    decoded.version = PNG_IMAGE_VERSION;
    ck_assert(png_image_begin_read_from_memory(&decoded, png->data, png->len));
    decoded.format = PNG_FORMAT_RGB;
    uint8_t out[18];
    ck_assert_uint_eq(PNG_IMAGE_SIZE(decoded), sizeof(out));
    ck_assert(png_image_finish_read(&decoded, NULL, out, 0, NULL));
    ck_assert(memcmp(out, img->pixels, sizeof(out)) == 0);
    g_byte_array_unref(png);
    image_free(img);
}
END_TEST

/* ------------------------------------------------------------- QMP */

static JsonNode *screendump(Machine *machine, const char *filename,
                            GError **error)
{
    const QmpCommand *cmd = qmp_command_find("screendump");
    QmpSession session = { .machine = machine };
    JsonObject *args = json_object_new();
    QmpCall call = { &session, args };

    ck_assert_ptr_nonnull(cmd);
    json_object_set_string_member(args, "filename", filename);
    JsonNode *reply = cmd->handler(&call, error);
    json_object_unref(args);
    return reply;
}

START_TEST(test_qmp_screendump)
{
    Machine *machine = machine_new(MACHINE_TYPE_PC, 1, 1);
    g_autofree char *dir = g_dir_make_tmp("vga-render-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "shot.ppm", NULL);
    GError *error = NULL;

    /* No card: QEMU's text for a machine without a console. */
    ck_assert_ptr_null(screendump(machine, path, &error));
    ck_assert_str_eq(error->message,
                     "There is no console to take a screendump from");
    g_clear_error(&error);

    /* A hand-built card: the file holds the rendered PPM. */
    Cirrus *c = text_card();
    put_cell(c, 0, 0x20, 0x40);
    machine->cirrus = c;
    ck_assert_ptr_null(screendump(machine, path, &error));
    ck_assert_ptr_null(error);
    machine->cirrus = NULL;
    g_autofree char *data = NULL;
    gsize len;
    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    Image *img = render(c, blink_on);
    GByteArray *ppm = image_encode_ppm(img);
    ck_assert_uint_eq(len, ppm->len);
    ck_assert(memcmp(data, ppm->data, len) == 0);
    ck_assert_uint_eq(px(img, 0, 0), dac(c, 4));
    g_byte_array_unref(ppm);
    image_free(img);
    card_free(c);
    g_unlink(path);
    g_rmdir(dir);
    machine_free(machine);
}
END_TEST

Suite *vga_render_suite(void)
{
    Suite *s = suite_create("vga_render");
    TCase *tc = tcase_create("text mode");
    tcase_add_test(tc, test_text_cells);
    tcase_add_test(tc, test_text_font_maps_and_palette);
    tcase_add_test(tc, test_text_cursor);
    tcase_add_test(tc, test_text_blink);
    tcase_add_test(tc, test_blank_and_phase);
    suite_add_tcase(s, tc);

    tc = tcase_create("vga graphics");
    tcase_add_test(tc, test_planar16);
    tcase_add_test(tc, test_cga4);
    tcase_add_test(tc, test_chain4_256);
    suite_add_tcase(s, tc);

    tc = tcase_create("cirrus");
    tcase_add_test(tc, test_cirrus_linear);
    tcase_add_test(tc, test_cirrus_cursor);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile registers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_hostile_registers);
    tcase_add_test(tc, test_text_start_past_vram);
    suite_add_tcase(s, tc);

    tc = tcase_create("encodings");
    tcase_add_test(tc, test_ppm_bytes);
    tcase_add_test(tc, test_png_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("qmp");
    tcase_add_test(tc, test_qmp_screendump);
    suite_add_tcase(s, tc);
    return s;
}
