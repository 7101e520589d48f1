/*
 * The BitBLT engine: CPU-to-video transfers (source bytes through
 * cirrus_blit_cpu_write, a line at a time) and the GR31 start/reset
 * register.  Expectations are computed here, as in check-cirrus-blit.c.
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>

#include "devices/cirrus-blit.h"
#include "devices/cirrus.h"
#include "tests/unit/check-cirrus-blit.h"

/* Feeds n bytes; true if the transfer is still waiting afterwards. */
static bool feed(const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cirrus_blit_cpu_write(blit_dev, bytes[i]);
    }
    return cirrus_blit_cpu_source_active(blit_dev);
}

/*
 * Plain CPU data: each line is the width rounded up to 4 bytes; the
 * padding is dropped and the next line starts on the next byte written.
 */
START_TEST(test_cpu_plain_lines)
{
    uint8_t data[24];
    TestBlit b = {
        5, 3, 16, 0, 0x70000, 0, CIRRUS_BLTMODE_MEMSYSSRC, CIRRUS_ROP_SRC, 0
    };

    for (int i = 0; i < 24; i++) {
        data[i] = i + 1;
    }
    memset(blit_vram + 0x70000, 0xee, 48);
    blit_program(&b);
    blit_go();
    ck_assert(cirrus_blit_cpu_source_active(blit_dev));
    ck_assert(blit_status() & CIRRUS_BLT_BUSY);
    ck_assert(feed(data, 10));
    /* Line 0 drawn at its 8th byte; line 1 not yet. */
    ck_assert_uint_eq(blit_vram[0x70000 + 4], 5);
    ck_assert_uint_eq(blit_vram[0x70000 + 5], 0xee);
    ck_assert_uint_eq(blit_vram[0x70010], 0xee);
    ck_assert(feed(data + 10, 13));
    ck_assert(!feed(data + 23, 1));
    for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 16; x++) {
            uint8_t want = x < 5 ? data[y * 8 + x] : 0xee;

            ck_assert_uint_eq(blit_vram[0x70000 + y * 16 + x], want);
        }
    }
    ck_assert(blit_idle());
    /* Bytes after the end go nowhere. */
    feed(data, 8);
    ck_assert_uint_eq(blit_vram[0x70000 + 3 * 16], 0);
}
END_TEST

/* CPU expansion: (pixels + 7) / 8 bytes a line. */
START_TEST(test_cpu_expand_lines)
{
    uint8_t data[4] = { 0xa5, 0xf0, 0x3c, 0x80 };
    TestBlit b = { 12 * 2,
                   2,
                   64,
                   0,
                   0x70000,
                   0,
                   blit_width_bits(2) | CIRRUS_BLTMODE_MEMSYSSRC |
                       CIRRUS_BLTMODE_COLOREXPAND,
                   CIRRUS_ROP_SRC,
                   0 };

    blit_program(&b);
    blit_go();
    ck_assert(feed(data, 3));
    ck_assert(!feed(data + 3, 1));
    for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 12; x++) {
            bool set = (data[y * 2 + x / 8] >> (7 - x % 8)) & 1;

            ck_assert_uint_eq(blit_pixel(0x70000 + y * 64 + 2 * x, 2),
                              blit_expanded(OPAQUE, set, 0, 2));
        }
    }
    ck_assert(blit_idle());
}
END_TEST

/*
 * DWORD granularity as QEMU 7.2 has it: a line is (pixels + 31) / 32
 * bytes (one per 32 pixels, not four); the expansion still reads a bit a
 * pixel, so pixels past the first 8 come from what the buffer held before
 * (zeros in a fresh device: background).
 */
START_TEST(test_cpu_expand_dword_granularity)
{
    uint8_t data[3] = { 0xc3, 0x18, 0xff };
    TestBlit b = { 20,
                   3,
                   32,
                   0,
                   0x70000,
                   0,
                   CIRRUS_BLTMODE_MEMSYSSRC | CIRRUS_BLTMODE_COLOREXPAND,
                   CIRRUS_ROP_SRC,
                   CIRRUS_BLTMODEEXT_DWORDGRANULARITY };

    blit_program(&b);
    blit_go();
    ck_assert(feed(data, 2));
    ck_assert(!feed(data + 2, 1));
    for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 20; x++) {
            bool set = x < 8 && ((data[y] >> (7 - x)) & 1);

            ck_assert_uint_eq(blit_vram[0x70000 + y * 32 + x],
                              set ? blit_fg[0] : blit_bg[0]);
        }
    }
    ck_assert(blit_idle());
}
END_TEST

/* A CPU pattern: 64 bytes at 8 bpp; first line from GR2C's low bits. */
START_TEST(test_cpu_pattern)
{
    uint8_t pattern[64];
    TestBlit b = { 16,
                   9,
                   16,
                   0,
                   0x70000,
                   3,
                   CIRRUS_BLTMODE_MEMSYSSRC | CIRRUS_BLTMODE_PATTERNCOPY,
                   CIRRUS_ROP_SRC,
                   0 };

    for (int i = 0; i < 64; i++) {
        pattern[i] = blit_rand();
    }
    blit_program(&b);
    blit_go();
    ck_assert(feed(pattern, 63));
    ck_assert(!feed(pattern + 63, 1));
    for (int y = 0; y < 9; y++) {
        for (int x = 0; x < 16; x++) {
            ck_assert_uint_eq(blit_vram[0x70000 + y * 16 + x],
                              pattern[((3 + y) & 7) * 8 + (x & 7)]);
        }
    }
    ck_assert(blit_idle());
}
END_TEST

START_TEST(test_cpu_pattern_expand)
{
    uint8_t pattern[8] = { 0x81, 0x42, 0x24, 0x18, 0xff, 0x00, 0xf0, 0x0f };
    TestBlit b = { 8 * 4,
                   8,
                   32,
                   0,
                   0x70000,
                   0,
                   blit_width_bits(4) | CIRRUS_BLTMODE_MEMSYSSRC |
                       CIRRUS_BLTMODE_PATTERNCOPY | CIRRUS_BLTMODE_COLOREXPAND,
                   CIRRUS_ROP_SRC,
                   0 };

    blit_program(&b);
    blit_go();
    ck_assert(!feed(pattern, 8));
    for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
            bool set = (pattern[y] >> (7 - x)) & 1;

            ck_assert_uint_eq(blit_pixel(0x70000 + y * 32 + 4 * x, 4),
                              blit_expanded(OPAQUE, set, 0, 4));
        }
    }
    ck_assert(blit_idle());
}
END_TEST

/* GR31 RESET (1 then 0) abandons a transfer; later bytes go nowhere. */
START_TEST(test_cpu_reset_midway)
{
    uint8_t data[16];
    TestBlit b = {
        4, 4, 16, 0, 0x70000, 0, CIRRUS_BLTMODE_MEMSYSSRC, CIRRUS_ROP_SRC, 0
    };

    memset(data, 0x11, sizeof(data));
    memset(blit_vram + 0x70000, 0xee, 64);
    blit_program(&b);
    blit_go();
    ck_assert(feed(data, 6));
    cirrus_blit_write_status(blit_dev, CIRRUS_BLT_RESET);
    ck_assert(cirrus_blit_cpu_source_active(blit_dev));
    cirrus_blit_write_status(blit_dev, 0);
    ck_assert(blit_idle());
    feed(data, 16);
    for (int i = 0; i < 64; i++) {
        ck_assert_uint_eq(blit_vram[0x70000 + i], i < 4 ? 0x11 : 0xee);
    }
}
END_TEST

/* Undefined ROP codes: the transfer runs, nothing is drawn. */
START_TEST(test_cpu_undefined_rop)
{
    uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    TestBlit b = { 4, 2, 16, 0, 0x70000, 0, CIRRUS_BLTMODE_MEMSYSSRC, 0x42, 0 };

    blit_program(&b);
    blit_go();
    ck_assert(feed(data, 7));
    ck_assert(!feed(data + 7, 1));
    for (int i = 0; i < 32; i++) {
        ck_assert_uint_eq(blit_vram[0x70000 + i], 0);
    }
    ck_assert(blit_idle());
}
END_TEST

/* Only the 0->1 edge of START starts; RESET acts on its 1->0 edge. */
START_TEST(test_status_edges)
{
    TestBlit b = { 4, 1, 16, 16, 0x1000, 0x2000, 0, CIRRUS_ROP_1, 0 };

    blit_program(&b);
    cirrus_blit_write_status(blit_dev, CIRRUS_BLT_START);
    ck_assert_uint_eq(blit_vram[0x1000], 0xff);
    ck_assert(blit_idle());
    /* GR31 keeps what was written but the engine's bits. */
    cirrus_blit_write_status(blit_dev, CIRRUS_BLT_AUTOSTART);
    ck_assert_uint_eq(blit_status(), CIRRUS_BLT_AUTOSTART);
    blit_vram[0x1000] = 0;
    cirrus_blit_write_status(blit_dev, CIRRUS_BLT_START | CIRRUS_BLT_RESET);
    ck_assert_uint_eq(blit_vram[0x1000], 0xff);
    ck_assert_uint_eq(blit_status(), CIRRUS_BLT_RESET);
}
END_TEST

/* Memory-to-memory and video-to-CPU are refused; VRAM untouched. */
START_TEST(test_unsupported_directions)
{
    uint8_t modes[2] = { CIRRUS_BLTMODE_MEMSYSSRC | CIRRUS_BLTMODE_MEMSYSDEST,
                         CIRRUS_BLTMODE_MEMSYSDEST };

    for (int i = 0; i < 2; i++) {
        TestBlit b = {
            4, 1, 16, 16, 0x1000, 0x2000, modes[i], CIRRUS_ROP_1, 0
        };

        blit_program(&b);
        blit_go();
        ck_assert_uint_eq(blit_vram[0x1000], 0);
        ck_assert(blit_idle());
    }
}
END_TEST

/*
 * QEMU quirk: a solid fill the checks refuse leaves GR31 busy until the
 * guest resets the engine.
 */
START_TEST(test_refused_fill_stays_busy)
{
    blit_fill(1, BLIT_VRAM_SIZE - 4, 8, 1, 16);
    ck_assert(blit_status() & CIRRUS_BLT_BUSY);
    ck_assert(blit_status() & CIRRUS_BLT_START);
    cirrus_blit_write_status(blit_dev, CIRRUS_BLT_RESET);
    cirrus_blit_write_status(blit_dev, 0);
    ck_assert(blit_idle());
    ck_assert(blit_guards_intact());
}
END_TEST

void cirrus_blit_add_cpu_cases(Suite *suite)
{
    TCase *tc = tcase_create("cpu to video");
    tcase_add_checked_fixture(tc, blit_setup, blit_teardown);
    tcase_add_test(tc, test_cpu_plain_lines);
    tcase_add_test(tc, test_cpu_expand_lines);
    tcase_add_test(tc, test_cpu_expand_dword_granularity);
    tcase_add_test(tc, test_cpu_pattern);
    tcase_add_test(tc, test_cpu_pattern_expand);
    tcase_add_test(tc, test_cpu_reset_midway);
    tcase_add_test(tc, test_cpu_undefined_rop);
    suite_add_tcase(suite, tc);

    tc = tcase_create("status register");
    tcase_add_checked_fixture(tc, blit_setup, blit_teardown);
    tcase_add_test(tc, test_status_edges);
    tcase_add_test(tc, test_unsupported_directions);
    tcase_add_test(tc, test_refused_fill_stays_busy);
    suite_add_tcase(suite, tc);
}
