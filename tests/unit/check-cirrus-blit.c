/*
 * The CL-GD5446 BitBLT engine: worked examples.  Every expectation is
 * computed here from first principles (truth tables written out by hand,
 * rectangle copies from a snapshot, pixel formulas), never by calling the
 * engine, and follows QEMU 7.2's cirrus_vga.c where it departs from the
 * datasheet (noted per test).  CPU-to-video transfers and GR31 are in
 * check-cirrus-blit-cpu.c; the hostile cases, one per Cirrus CVE, and the
 * randomized run in check-cirrus-blit-hostile.c.  This file also holds the
 * fixture the three share (check-cirrus-blit.h).
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>

#include "devices/cirrus-blit.h"
#include "devices/cirrus.h"
#include "tests/unit/check-cirrus-blit.h"
#include "tests/unit/suites.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define GUARD_POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define GUARD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define GUARD_POISON(p, n)   ((void)(p), (void)(n))
#define GUARD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

Cirrus *blit_dev;
uint8_t *blit_vram;
static uint8_t *buffer;
static size_t vram_size;
static uint32_t rng_state;

/* The 8-bit bytes of the foreground and background registers. */
const uint8_t blit_fg[4] = { 0x3c, 0xa5, 0x0f, 0x96 };
const uint8_t blit_bg[4] = { 0xc1, 0x5a, 0x77, 0x28 };
/* SR7 for a display at 1-4 bytes a pixel (bit 0: extended modes). */
static const uint8_t sr7_for[5] = { 0x00, 0x01, 0x07, 0x05, 0x09 };

uint32_t blit_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

uint8_t *blit_dup(const uint8_t *p, size_t n)
{
    uint8_t *copy = g_malloc(n);

    memcpy(copy, p, n);
    return copy;
}

void blit_fill_random(uint32_t offset, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        blit_vram[offset + i] = blit_rand();
    }
}

void blit_make(size_t size)
{
    blit_teardown();
    vram_size = size;
    buffer = g_malloc(size + 2 * BLIT_GUARD);
    memset(buffer, BLIT_SENTINEL, size + 2 * BLIT_GUARD);
    blit_vram = buffer + BLIT_GUARD;
    memset(blit_vram, 0, size);
    GUARD_POISON(buffer, BLIT_GUARD);
    GUARD_POISON(blit_vram + size, BLIT_GUARD);

    blit_dev = g_new0(Cirrus, 1);
    blit_dev->vga.vram = blit_vram;
    blit_dev->vga.vram_size = size;
    blit_dev->vram_size = size;
    /* The card decodes 4 MiB, whatever the buffer's size. */
    blit_dev->addr_mask = CIRRUS_REAL_VRAM_SIZE - 1;
    blit_dev->vga.sr[0x07] = sr7_for[1];
    blit_dev->shadow_gr1 = blit_fg[0];
    blit_dev->vga.gr[0x11] = blit_fg[1];
    blit_dev->vga.gr[0x13] = blit_fg[2];
    blit_dev->vga.gr[0x15] = blit_fg[3];
    blit_dev->shadow_gr0 = blit_bg[0];
    blit_dev->vga.gr[0x10] = blit_bg[1];
    blit_dev->vga.gr[0x12] = blit_bg[2];
    blit_dev->vga.gr[0x14] = blit_bg[3];
}

void blit_setup(void)
{
    rng_state = 0x2545f491;
    blit_make(BLIT_VRAM_SIZE);
}

void blit_teardown(void)
{
    if (buffer) {
        GUARD_UNPOISON(buffer, BLIT_GUARD);
        GUARD_UNPOISON(blit_vram + vram_size, BLIT_GUARD);
    }
    g_free(buffer);
    g_free(blit_dev);
    buffer = NULL;
    blit_dev = NULL;
}

bool blit_guards_intact(void)
{
    bool intact = true;

    GUARD_UNPOISON(buffer, BLIT_GUARD);
    GUARD_UNPOISON(blit_vram + vram_size, BLIT_GUARD);
    for (size_t i = 0; i < BLIT_GUARD; i++) {
        if (buffer[i] != BLIT_SENTINEL ||
            blit_vram[vram_size + i] != BLIT_SENTINEL) {
            intact = false;
            break;
        }
    }
    GUARD_POISON(buffer, BLIT_GUARD);
    GUARD_POISON(blit_vram + vram_size, BLIT_GUARD);
    return intact;
}

void blit_program(const TestBlit *b)
{
    uint8_t *gr = blit_dev->vga.gr;
    uint32_t w = b->width - 1;
    uint32_t h = b->height - 1;

    gr[0x20] = w;
    gr[0x21] = w >> 8;
    gr[0x22] = h;
    gr[0x23] = h >> 8;
    gr[0x24] = b->dst_pitch;
    gr[0x25] = b->dst_pitch >> 8;
    gr[0x26] = b->src_pitch;
    gr[0x27] = b->src_pitch >> 8;
    gr[0x28] = b->dst;
    gr[0x29] = b->dst >> 8;
    gr[0x2a] = b->dst >> 16;
    gr[0x2c] = b->src;
    gr[0x2d] = b->src >> 8;
    gr[0x2e] = b->src >> 16;
    gr[0x30] = b->mode;
    gr[0x32] = b->rop;
    gr[0x33] = b->mode_ext;
}

void blit_go(void)
{
    cirrus_blit_write_status(blit_dev, 0);
    cirrus_blit_write_status(blit_dev, CIRRUS_BLT_START);
}

uint8_t blit_status(void)
{
    return blit_dev->vga.gr[CIRRUS_GR_BLT_STATUS];
}

bool blit_idle(void)
{
    return !(blit_status() &
             (CIRRUS_BLT_START | CIRRUS_BLT_BUSY | CIRRUS_BLT_FIFOUSED)) &&
           !cirrus_blit_cpu_source_active(blit_dev);
}

/*
 * Each ROP's truth table, written out by hand from its name: bit
 * (s * 2 + d) is the result for source bit s and destination bit d.
 */
static const struct {
    uint8_t code;
    uint8_t truth;
} rops[] = {
    { 0x00, 0x0 }, /* 0 */
    { 0x05, 0x8 }, /* S and D */
    { 0x06, 0xa }, /* D */
    { 0x09, 0x4 }, /* S and not D */
    { 0x0b, 0x5 }, /* not D */
    { 0x0d, 0xc }, /* S */
    { 0x0e, 0xf }, /* 1 */
    { 0x50, 0x2 }, /* not S and D */
    { 0x59, 0x6 }, /* S xor D */
    { 0x6d, 0xe }, /* S or D */
    { 0x90, 0x7 }, /* not S or not D */
    { 0x95, 0x9 }, /* not (S xor D) */
    { 0xad, 0xd }, /* S or not D */
    { 0xd0, 0x3 }, /* not S */
    { 0xd6, 0xb }, /* not S or D */
    { 0xda, 0x1 }, /* not S and not D */
    { 0x01, 0xa }, /* undefined codes leave D alone */
    { 0x5a, 0xa }, { 0xff, 0xa },
};

static uint8_t by_truth(uint8_t truth, uint8_t s, uint8_t d)
{
    uint8_t r = 0;

    for (int bit = 0; bit < 8; bit++) {
        int index = ((s >> bit) & 1) * 2 + ((d >> bit) & 1);

        r |= ((truth >> index) & 1) << bit;
    }
    return r;
}

/* A plain copy applies the ROP byte by byte at every pixel width. */
START_TEST(test_rop_copy_every_code)
{
    uint8_t s[64], d[64];

    for (int pw = 1; pw <= 4; pw++) {
        for (size_t r = 0; r < G_N_ELEMENTS(rops); r++) {
            TestBlit b = {
                64,           1, 64, 64, 0x1000, 0x2000, blit_width_bits(pw),
                rops[r].code, 0
            };

            blit_fill_random(0x0fff, 66);
            blit_fill_random(0x2000, 64);
            memcpy(d, blit_vram + 0x1000, 64);
            memcpy(s, blit_vram + 0x2000, 64);
            uint8_t before = blit_vram[0x0fff], after = blit_vram[0x1040];
            blit_program(&b);
            blit_go();
            for (int i = 0; i < 64; i++) {
                ck_assert_uint_eq(blit_vram[0x1000 + i],
                                  by_truth(rops[r].truth, s[i], d[i]));
            }
            ck_assert_uint_eq(blit_vram[0x0fff], before);
            ck_assert_uint_eq(blit_vram[0x1040], after);
            ck_assert(blit_idle());
        }
    }
}
END_TEST

/* A solid fill applies the ROP to the foreground at each pixel width. */
START_TEST(test_rop_fill_every_code)
{
    uint8_t d[32];

    for (int pw = 1; pw <= 4; pw++) {
        for (size_t r = 0; r < G_N_ELEMENTS(rops); r++) {
            TestBlit b = { 8 * pw,
                           1,
                           64,
                           64,
                           0x1000,
                           0,
                           blit_width_bits(pw) | CIRRUS_BLTMODE_PATTERNCOPY |
                               CIRRUS_BLTMODE_COLOREXPAND,
                           rops[r].code,
                           CIRRUS_BLTMODEEXT_SOLIDFILL };

            blit_fill_random(0x1000, 8 * pw + 1);
            memcpy(d, blit_vram + 0x1000, 8 * pw);
            uint8_t after = blit_vram[0x1000 + 8 * pw];
            blit_program(&b);
            blit_go();
            for (int i = 0; i < 8 * pw; i++) {
                ck_assert_uint_eq(
                    blit_vram[0x1000 + i],
                    by_truth(rops[r].truth, blit_fg[i % pw], d[i]));
            }
            ck_assert_uint_eq(blit_vram[0x1000 + 8 * pw], after);
            ck_assert(blit_idle());
        }
    }
}
END_TEST

/* Copies rect (w x h) from a snapshot: what a correct blit leaves. */
static void expect_rect(const uint8_t *snap, uint32_t dst, uint32_t src, int w,
                        int h, int dst_pitch, int src_pitch)
{
    uint8_t *want = blit_dup(snap, BLIT_VRAM_SIZE);

    for (int y = 0; y < h; y++) {
        memcpy(want + dst + y * dst_pitch, snap + src + y * src_pitch, w);
    }
    ck_assert(memcmp(want, blit_vram, BLIT_VRAM_SIZE) == 0);
    g_free(want);
}

START_TEST(test_copy_forward)
{
    TestBlit b = { 10, 4, 32, 20, 0x10005, 0x20003, 0, CIRRUS_ROP_SRC, 0 };
    uint8_t *snap;

    blit_fill_random(0, 0x30000);
    snap = blit_dup(blit_vram, BLIT_VRAM_SIZE);
    blit_program(&b);
    blit_go();
    expect_rect(snap, 0x10005, 0x20003, 10, 4, 32, 20);
    ck_assert(blit_idle());
    g_free(snap);
}
END_TEST

/* Backward: the addresses name the last byte; lines go upwards. */
START_TEST(test_copy_backward)
{
    uint32_t dst = 0x10005, src = 0x20003;
    TestBlit b = { 10,
                   4,
                   32,
                   20,
                   dst + 3 * 32 + 9,
                   src + 3 * 20 + 9,
                   CIRRUS_BLTMODE_BACKWARDS,
                   CIRRUS_ROP_SRC,
                   0 };
    uint8_t *snap;

    blit_fill_random(0, 0x30000);
    snap = blit_dup(blit_vram, BLIT_VRAM_SIZE);
    blit_program(&b);
    blit_go();
    expect_rect(snap, dst, src, 10, 4, 32, 20);
    ck_assert(blit_idle());
    g_free(snap);
}
END_TEST

/* Overlaps come out as a move when the direction suits them. */
START_TEST(test_copy_overlapping)
{
    uint8_t *snap;

    /* Up and to the left: forward. */
    TestBlit up = {
        40, 3, 64, 64, 0x3000 - 64 - 2, 0x3000, 0, CIRRUS_ROP_SRC, 0
    };
    blit_fill_random(0, 0x4000);
    snap = blit_dup(blit_vram, BLIT_VRAM_SIZE);
    blit_program(&up);
    blit_go();
    expect_rect(snap, 0x3000 - 64 - 2, 0x3000, 40, 3, 64, 64);
    g_free(snap);

    /* Down and to the right: backward, from the last byte. */
    uint32_t last = 2 * 64 + 39;
    TestBlit down = { 40,
                      3,
                      64,
                      64,
                      0x3000 + 64 + 3 + last,
                      0x3000 + last,
                      CIRRUS_BLTMODE_BACKWARDS,
                      CIRRUS_ROP_SRC,
                      0 };
    blit_fill_random(0, 0x4000);
    snap = blit_dup(blit_vram, BLIT_VRAM_SIZE);
    blit_program(&down);
    blit_go();
    expect_rect(snap, 0x3000 + 64 + 3, 0x3000, 40, 3, 64, 64);
    g_free(snap);
}
END_TEST

/* QEMU: a forward copy with a pitch below the width draws nothing. */
START_TEST(test_copy_short_pitch_does_nothing)
{
    TestBlit b = { 32, 2, 16, 64, 0x1000, 0x2000, 0, CIRRUS_ROP_SRC, 0 };
    uint8_t *snap;

    blit_fill_random(0, 0x3000);
    snap = blit_dup(blit_vram, 0x3000);
    blit_program(&b);
    blit_go();
    ck_assert(memcmp(snap, blit_vram, 0x3000) == 0);
    ck_assert(blit_idle());
    g_free(snap);
}
END_TEST

/* Transparent copies skip pixels whose ROP result equals the key. */
START_TEST(test_copy_transparent_8)
{
    uint8_t src[8] = { 0x55, 0x12, 0x55, 0xaa, 0x00, 0x55, 0x56, 0x54 };
    TestBlit b = { 8,
                   1,
                   8,
                   8,
                   0x1000,
                   0x2000,
                   CIRRUS_BLTMODE_TRANSPARENTCOMP,
                   CIRRUS_ROP_SRC,
                   0 };

    memset(blit_vram + 0x1000, 0xee, 8);
    memcpy(blit_vram + 0x2000, src, 8);
    blit_dev->vga.gr[0x34] = 0x55;
    blit_program(&b);
    blit_go();
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(blit_vram[0x1000 + i],
                          src[i] == 0x55 ? 0xee : src[i]);
    }
    /* The key is compared with the result: NOT S hides S = ~key. */
    b.rop = CIRRUS_ROP_NOTSRC;
    memset(blit_vram + 0x1000, 0xee, 8);
    blit_program(&b);
    blit_go();
    for (int i = 0; i < 8; i++) {
        uint8_t result = ~src[i];

        ck_assert_uint_eq(blit_vram[0x1000 + i],
                          result == 0x55 ? 0xee : result);
    }
    ck_assert(blit_idle());
}
END_TEST

START_TEST(test_copy_transparent_16)
{
    uint16_t src[6] = { 0x1234, 0x3412, 0x0034, 0x1234, 0x1200, 0xffff };
    TestBlit b = { 12,
                   1,
                   12,
                   12,
                   0x1000,
                   0x2000,
                   blit_width_bits(2) | CIRRUS_BLTMODE_TRANSPARENTCOMP,
                   CIRRUS_ROP_SRC,
                   0 };

    for (int i = 0; i < 6; i++) {
        blit_vram[0x2000 + 2 * i] = src[i] & 0xff;
        blit_vram[0x2000 + 2 * i + 1] = src[i] >> 8;
    }
    blit_dev->vga.gr[0x34] = 0x34;
    blit_dev->vga.gr[0x35] = 0x12;
    for (int backward = 0; backward < 2; backward++) {
        memset(blit_vram + 0x1000, 0xee, 12);
        if (backward) {
            b.dst = 0x1000 + 11;
            b.src = 0x2000 + 11;
            b.mode |= CIRRUS_BLTMODE_BACKWARDS;
        }
        blit_program(&b);
        blit_go();
        for (int i = 0; i < 6; i++) {
            uint16_t got = blit_vram[0x1000 + 2 * i] | blit_vram[0x1001 + 2 * i]
                                                           << 8;

            ck_assert_uint_eq(got, src[i] == 0x1234 ? 0xeeee : src[i]);
        }
        ck_assert(blit_idle());
    }
}
END_TEST

/* QEMU refuses transparent copies without colour expansion at 24/32. */
START_TEST(test_copy_transparent_24_32_refused)
{
    for (int pw = 3; pw <= 4; pw++) {
        TestBlit b = { 12,
                       1,
                       12,
                       12,
                       0x1000,
                       0x2000,
                       blit_width_bits(pw) | CIRRUS_BLTMODE_TRANSPARENTCOMP,
                       CIRRUS_ROP_SRC,
                       0 };

        memset(blit_vram + 0x2000, 0x77, 12);
        blit_program(&b);
        blit_go();
        ck_assert_uint_eq(blit_vram[0x1000], 0);
        ck_assert(blit_idle());
    }
}
END_TEST

void blit_fill(int pw, uint32_t dst, int width, int height, int pitch)
{
    TestBlit b = { width,
                   height,
                   pitch,
                   0,
                   dst,
                   0,
                   blit_width_bits(pw) | CIRRUS_BLTMODE_PATTERNCOPY |
                       CIRRUS_BLTMODE_COLOREXPAND,
                   CIRRUS_ROP_SRC,
                   CIRRUS_BLTMODEEXT_SOLIDFILL };

    blit_program(&b);
    blit_go();
}

START_TEST(test_solid_fill_per_depth)
{
    for (int pw = 1; pw <= 4; pw++) {
        memset(blit_vram + 0x8000, 0xee, 4 * 40);
        blit_fill(pw, 0x8000, 5 * pw, 3, 40);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 40; x++) {
                uint8_t want = y < 3 && x < 5 * pw ? blit_fg[x % pw] : 0xee;

                ck_assert_uint_eq(blit_vram[0x8000 + y * 40 + x], want);
            }
        }
        ck_assert(blit_idle());
    }
}
END_TEST

/*
 * QEMU's pixel addressing: 32-bit pixels land on the dword the address
 * rounds down to, and a 24 bpp fill writes whole pixels past the width.
 */
START_TEST(test_fill_alignment_quirks)
{
    memset(blit_vram + 0x1000, 0xee, 16);
    blit_fill(4, 0x1001, 4, 1, 16);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(blit_vram[0x1000 + i], i < 4 ? blit_fg[i] : 0xee);
    }
    memset(blit_vram + 0x1000, 0xee, 16);
    blit_fill(3, 0x1000, 4, 1, 16);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(blit_vram[0x1000 + i], i < 6 ? blit_fg[i % 3] : 0xee);
    }
}
END_TEST

/* Pattern lines are 8, 16, 32, 32 bytes apart at 1-4 bytes a pixel. */
static const int pattern_line[5] = { 0, 8, 16, 32, 32 };

static void check_pattern_fill(int pw, int skip_reg)
{
    uint32_t base = 0x40000, dst = 0x50000;
    int pixels = 20, lines = 11, pitch = 128;
    int skip = skip_reg * pw;
    TestBlit b = { pixels * pw,
                   lines,
                   pitch,
                   0,
                   dst,
                   base + 3, /* aligned down to the pattern's size */
                   blit_width_bits(pw) | CIRRUS_BLTMODE_PATTERNCOPY,
                   CIRRUS_ROP_SRC,
                   0 };

    blit_dev->vga.sr[0x07] = sr7_for[pw];
    blit_dev->vga.gr[0x2f] = skip_reg;
    blit_fill_random(base, 256);
    memset(blit_vram + dst, 0xee, lines * pitch);
    blit_program(&b);
    blit_go();
    for (int y = 0; y < lines; y++) {
        for (int x = 0; x < pixels; x++) {
            for (int i = 0; i < pw; i++) {
                uint32_t at = dst + y * pitch + x * pw + i;
                uint8_t want = blit_vram[base + (y & 7) * pattern_line[pw] +
                                         (x & 7) * pw + i];

                if (x * pw < skip) {
                    want = 0xee;
                }
                ck_assert_uint_eq(blit_vram[at], want);
            }
        }
        ck_assert_uint_eq(blit_vram[dst + y * pitch + pixels * pw], 0xee);
    }
    ck_assert(blit_idle());
}

START_TEST(test_pattern_fill_per_depth)
{
    for (int pw = 1; pw <= 4; pw++) {
        check_pattern_fill(pw, 0);
    }
    /* GR2F skips pixels at the left of each line (bytes at 24 bpp). */
    check_pattern_fill(1, 3);
    check_pattern_fill(2, 5);
    check_pattern_fill(4, 7);
}
END_TEST

uint32_t blit_pixel(uint32_t at, int pw)
{
    uint32_t v = 0;

    for (int i = 0; i < pw; i++) {
        v |= (uint32_t)blit_vram[at + i] << (8 * i);
    }
    return v;
}

uint32_t blit_colour_of(const uint8_t *bytes, int pw)
{
    uint32_t v = 0;

    for (int i = 0; i < pw; i++) {
        v |= (uint32_t)bytes[i] << (8 * i);
    }
    return v;
}

/*
 * What expansion leaves at a pixel whose source bit is set or clear:
 * opaque fg/bg; transparent fg or nothing; inverse nothing or bg.
 */
uint32_t blit_expanded(int kind, bool set, uint32_t old, int pw)
{
    switch (kind) {
    case OPAQUE:
        return blit_colour_of(set ? blit_fg : blit_bg, pw);
    case TRANSPARENT:
        return set ? blit_colour_of(blit_fg, pw) : old;
    default:
        return set ? old : blit_colour_of(blit_bg, pw);
    }
}

static uint8_t kind_mode(int kind)
{
    return kind == OPAQUE ? 0 : CIRRUS_BLTMODE_TRANSPARENTCOMP;
}

static uint8_t kind_ext(int kind)
{
    return kind == INVERSE ? CIRRUS_BLTMODEEXT_COLOREXPINV : 0;
}

/*
 * Colour expansion from VRAM: bits most significant first, each line
 * starting on a fresh byte right after the previous line's (QEMU ignores
 * the source pitch here).  skip pixels are left alone at each line start.
 */
static void check_expand(int pw, int kind, int skip)
{
    uint32_t src = 0x60000, dst = 0x70000, old = 0xdeadbeef;
    int pixels = 13, lines = 3, pitch = 64, per_line = 2;
    /* Transparent 24 bpp: GR2F counts bytes, so skip / 3 pixels. */
    int skipped = pw == 3 && kind != OPAQUE ? skip / 3 : skip;
    TestBlit b = { pixels * pw,
                   lines,
                   pitch,
                   100,
                   dst,
                   src,
                   blit_width_bits(pw) | CIRRUS_BLTMODE_COLOREXPAND |
                       kind_mode(kind),
                   CIRRUS_ROP_SRC,
                   kind_ext(kind) };

    blit_dev->vga.gr[0x2f] = skip;
    blit_fill_random(src, 16);
    for (int y = 0; y < lines; y++) {
        for (int x = 0; x < pixels; x++) {
            memcpy(blit_vram + dst + y * pitch + x * pw, &old, pw);
        }
    }
    blit_program(&b);
    blit_go();
    for (int y = 0; y < lines; y++) {
        for (int x = 0; x < pixels; x++) {
            uint8_t byte = blit_vram[src + y * per_line + x / 8];
            bool set = (byte >> (7 - x % 8)) & 1;
            uint32_t was = blit_colour_of((const uint8_t *)&old, pw);
            uint32_t want =
                x < skipped ? was : blit_expanded(kind, set, was, pw);

            ck_assert_uint_eq(blit_pixel(dst + y * pitch + x * pw, pw), want);
        }
    }
    ck_assert(blit_idle());
}

START_TEST(test_expand_per_depth)
{
    for (int pw = 1; pw <= 4; pw++) {
        for (int kind = OPAQUE; kind <= INVERSE; kind++) {
            check_expand(pw, kind, 0);
            check_expand(pw, kind, 3);
        }
    }
}
END_TEST

/* The 8-byte pattern: line y uses byte y & 7, pixel x bit 7 - (x & 7). */
static void check_pattern_expand(int pw, int kind)
{
    uint32_t src = 0x40000, dst = 0x50000;
    int pixels = 19, lines = 10, pitch = 128;
    uint32_t old = 0x5a5a5a5a;
    TestBlit b = { pixels * pw,
                   lines,
                   pitch,
                   0,
                   dst,
                   src,
                   blit_width_bits(pw) | CIRRUS_BLTMODE_COLOREXPAND |
                       CIRRUS_BLTMODE_PATTERNCOPY | kind_mode(kind),
                   CIRRUS_ROP_SRC,
                   kind_ext(kind) };

    blit_dev->vga.sr[0x07] = sr7_for[pw];
    blit_dev->vga.gr[0x2f] = 0;
    blit_fill_random(src, 8);
    memset(blit_vram + dst, 0x5a, lines * pitch);
    blit_program(&b);
    blit_go();
    for (int y = 0; y < lines; y++) {
        for (int x = 0; x < pixels; x++) {
            bool set = (blit_vram[src + (y & 7)] >> (7 - (x & 7))) & 1;
            uint32_t was = blit_colour_of((const uint8_t *)&old, pw);

            ck_assert_uint_eq(blit_pixel(dst + y * pitch + x * pw, pw),
                              blit_expanded(kind, set, was, pw));
        }
    }
    ck_assert(blit_idle());
}

START_TEST(test_pattern_expand_per_depth)
{
    for (int pw = 1; pw <= 4; pw++) {
        for (int kind = OPAQUE; kind <= INVERSE; kind++) {
            check_pattern_expand(pw, kind);
        }
    }
}
END_TEST

Suite *cirrus_blit_suite(void)
{
    Suite *s = suite_create("cirrus_blit");
    TCase *tc = tcase_create("raster operations");

    tcase_add_checked_fixture(tc, blit_setup, blit_teardown);
    tcase_add_test(tc, test_rop_copy_every_code);
    tcase_add_test(tc, test_rop_fill_every_code);
    suite_add_tcase(s, tc);

    tc = tcase_create("video to video");
    tcase_add_checked_fixture(tc, blit_setup, blit_teardown);
    tcase_add_test(tc, test_copy_forward);
    tcase_add_test(tc, test_copy_backward);
    tcase_add_test(tc, test_copy_overlapping);
    tcase_add_test(tc, test_copy_short_pitch_does_nothing);
    tcase_add_test(tc, test_copy_transparent_8);
    tcase_add_test(tc, test_copy_transparent_16);
    tcase_add_test(tc, test_copy_transparent_24_32_refused);
    tcase_add_test(tc, test_solid_fill_per_depth);
    tcase_add_test(tc, test_fill_alignment_quirks);
    tcase_add_test(tc, test_pattern_fill_per_depth);
    tcase_add_test(tc, test_expand_per_depth);
    tcase_add_test(tc, test_pattern_expand_per_depth);
    suite_add_tcase(s, tc);

    cirrus_blit_add_cpu_cases(s);
    cirrus_blit_add_hostile_cases(s);
    return s;
}
