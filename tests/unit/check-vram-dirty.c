/*
 * The VRAM dirty log (devices/vram-dirty.[ch]): the bitmap itself, then
 * the VGA core's window (planar, chain-4, odd/even) marking exactly the
 * pages it stores to.  The Cirrus paths (banks, write modes 4 and 5, the
 * LFB at each shift, the BitBLT engine) are in check-vram-dirty-cirrus.c.
 * The fuzz cases check the property the migration needs: every page
 * whose bytes changed is marked, nothing outside the VRAM's pages is, and
 * a disabled log stays empty.
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>

#include "devices/vga.h"
#include "devices/vram-dirty.h"
#include "tests/unit/check-vram-dirty.h"
#include "tests/unit/suites.h"

void vd_expect_pages(VramDirty *d, const uint32_t *pages, size_t n, int line)
{
    g_autoptr(GArray) runs = vram_dirty_take(d);
    size_t at = 0;

    for (guint i = 0; i < runs->len; i++) {
        const VramDirtyRun *run = &g_array_index(runs, VramDirtyRun, i);

        ck_assert_msg(run->count > 0, "line %d: empty run", line);
        if (i > 0) {
            const VramDirtyRun *prev =
                &g_array_index(runs, VramDirtyRun, i - 1);

            ck_assert_msg(prev->start + prev->count < run->start,
                          "line %d: runs not maximal or not in order", line);
        }
        for (uint32_t p = run->start; p < run->start + run->count; p++) {
            ck_assert_msg(at < n && pages[at] == p,
                          "line %d: page 0x%x dirty, expected 0x%x", line, p,
                          at < n ? pages[at] : 0xffffffffu);
            at++;
        }
    }
    ck_assert_msg(at == n, "line %d: %zu pages dirty, expected %zu", line, at,
                  n);
    ck_assert_uint_eq(vram_dirty_count(d), 0);
}

static uint32_t rng = 0x9e3779b9;

uint32_t vd_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

void vd_check_changed_marked(const VramDirty *d, const uint8_t *before,
                             const uint8_t *after, size_t size)
{
    for (size_t page = 0; page < size / 4096; page++) {
        if (memcmp(before + page * 4096, after + page * 4096, 4096) != 0) {
            ck_assert_msg(vram_dirty_test(d, (uint32_t)page),
                          "page 0x%zx changed but is not marked", page);
        }
    }
    for (uint32_t page = (uint32_t)(size / 4096); page < VRAM_DIRTY_MAX_PAGES;
         page++) {
        ck_assert_msg(!vram_dirty_test(d, page), "page 0x%x is past VRAM",
                      page);
    }
}

/* ------------------------------------------------------ the bitmap */

START_TEST(test_bitmap_basics)
{
    VramDirty d = { 0 };

    vram_dirty_mark(&d, 0x1234);
    vram_dirty_mark_range(&d, 0, 1 << 20);
    ck_assert_uint_eq(vram_dirty_count(&d), 0); /* off: nothing */

    vram_dirty_set_enabled(&d, true, 4 << 20);
    ck_assert(d.enabled);
    ck_assert_uint_eq(d.pages, 1024);
    vram_dirty_mark(&d, 0x1234);
    vram_dirty_mark(&d, 0x1fff);
    vram_dirty_mark(&d, (4 << 20) - 1);
    EXPECT_PAGES(&d, 1, 1023);
    EXPECT_NONE(&d); /* take cleared it */

    /* Runs join across words and stay maximal. */
    vram_dirty_mark_range(&d, 62 * 4096, 4 * 4096);
    vram_dirty_mark_range(&d, 70 * 4096 + 4095, 2); /* straddles 70/71 */
    vram_dirty_mark_range(&d, 80 * 4096, 0);
    g_autoptr(GArray) runs = vram_dirty_take(&d);
    ck_assert_uint_eq(runs->len, 2);
    ck_assert_uint_eq(g_array_index(runs, VramDirtyRun, 0).start, 62);
    ck_assert_uint_eq(g_array_index(runs, VramDirtyRun, 0).count, 4);
    ck_assert_uint_eq(g_array_index(runs, VramDirtyRun, 1).start, 70);
    ck_assert_uint_eq(g_array_index(runs, VramDirtyRun, 1).count, 2);
}
END_TEST

START_TEST(test_bitmap_enable_disable)
{
    VramDirty d = { 0 };

    vram_dirty_set_enabled(&d, true, 8 << 20);
    vram_dirty_mark(&d, 5 * 4096);
    /* A second enable keeps the pages (QEMU's second start is a no-op). */
    vram_dirty_set_enabled(&d, true, 8 << 20);
    ck_assert(vram_dirty_test(&d, 5));
    /* Disabling keeps them for one last take, and stops recording. */
    vram_dirty_set_enabled(&d, false, 8 << 20);
    vram_dirty_mark(&d, 6 * 4096);
    EXPECT_PAGES(&d, 5);
    /* Enabling after a disable starts clean. */
    vram_dirty_mark(&d, 7 * 4096);
    d.bits[3] = 0xff; /* stale bits from a disabled period */
    vram_dirty_set_enabled(&d, true, 8 << 20);
    EXPECT_NONE(&d);
    ck_assert_uint_eq(d.pages, 2048);
}
END_TEST

START_TEST(test_bitmap_bounds)
{
    VramDirty d = { 0 };

    vram_dirty_set_enabled(&d, true, 16 << 20);
    ck_assert_uint_eq(d.pages, VRAM_DIRTY_MAX_PAGES);
    vram_dirty_mark(&d, (16 << 20) - 1);
    EXPECT_PAGES(&d, 4095);
    /* Past the bitmap: folded into its last page, never outside it. */
    vram_dirty_mark(&d, 16 << 20);
    vram_dirty_mark(&d, UINT64_MAX);
    EXPECT_PAGES(&d, 4095);
    vram_dirty_mark_range(&d, UINT64_MAX - 10, UINT64_MAX);
    EXPECT_PAGES(&d, 4095);
    vram_dirty_mark_range(&d, (16 << 20) - 4097, UINT64_MAX);
    EXPECT_PAGES(&d, 4094, 4095);
    ck_assert(!vram_dirty_test(&d, VRAM_DIRTY_MAX_PAGES));
    /* A VRAM larger than the bitmap tracks the bitmap's pages. */
    vram_dirty_set_enabled(&d, false, 0);
    vram_dirty_set_enabled(&d, true, (size_t)64 << 20);
    ck_assert_uint_eq(d.pages, VRAM_DIRTY_MAX_PAGES);
    vram_dirty_set_enabled(&d, false, 0);
    vram_dirty_set_enabled(&d, true, 100);
    ck_assert_uint_eq(d.pages, 1);
}
END_TEST

/* ------------------------------------------------------ the VGA core */

enum { CORE_VRAM = 256 * 1024 };

static void vga_out(Vga *vga, uint16_t port, uint8_t index, uint8_t value)
{
    vga_ioport_write(vga, port, index);
    vga_ioport_write(vga, (uint16_t)(port + 1), value);
}

START_TEST(test_core_window_modes)
{
    g_autofree uint8_t *vram = g_malloc0(CORE_VRAM);
    Vga *vga = vga_new(vram, CORE_VRAM);
    VramDirty *d = &vga->dirty;

    vga_ioport_write(vga, 0x3c2, 0x01);
    vga_out(vga, 0x3c4, 0x02, 0x0f);
    vga_out(vga, 0x3c4, 0x04, 0x06); /* planar */
    vga_mem_write(vga, 0x1003, 0x11);
    EXPECT_NONE(d); /* off */

    vram_dirty_set_enabled(d, true, CORE_VRAM);
    vga_mem_write(vga, 0x0000, 0x11); /* planar: VRAM 0x0-0x3 */
    vga_mem_write(vga, 0x1003, 0x22); /* planar: VRAM 0x400c */
    vga_mem_write(vga, 0x0fff, 0x22); /* planar: VRAM 0x3ffc */
    EXPECT_PAGES(d, 0, 3, 4);
    /* No plane enabled: QEMU still marks the (unchanged) word. */
    vga_out(vga, 0x3c4, 0x02, 0x00);
    vga_mem_write(vga, 0x2000, 0x33);
    EXPECT_PAGES(d, 8);

    vga_out(vga, 0x3c4, 0x04, 0x0e); /* chain-4 */
    vga_out(vga, 0x3c4, 0x02, 0x0d); /* plane 1 off */
    vga_mem_write(vga, 0x5000, 0x44);
    vga_mem_write(vga, 0x6001, 0x44); /* plane 1: not written */
    vga_mem_write(vga, 0x7ffe, 0x44);
    EXPECT_PAGES(d, 5, 7);

    vga_out(vga, 0x3c4, 0x04, 0x02); /* odd/even through GR5 */
    vga_out(vga, 0x3c4, 0x02, 0x0f);
    vga_out(vga, 0x3ce, 0x05, 0x10);
    vga_mem_write(vga, 0x4801, 0x55); /* plane 1 of 0x4800: VRAM 0x9001 */
    EXPECT_PAGES(d, 9);

    /* Memory map 2 (0xB0000) refuses 0xA0000 offsets: nothing. */
    vga_out(vga, 0x3ce, 0x06, 0x08);
    vga_mem_write(vga, 0x0100, 0x66);
    EXPECT_NONE(d);

    vram_dirty_set_enabled(d, false, CORE_VRAM);
    vga_out(vga, 0x3ce, 0x06, 0x00);
    vga_mem_write(vga, 0x0100, 0x66);
    EXPECT_NONE(d);
    vga_free(vga);
}
END_TEST

START_TEST(test_core_end_of_vram)
{
    g_autofree uint8_t *vram = g_malloc0(CORE_VRAM);
    Vga *vga = vga_new(vram, CORE_VRAM);
    VramDirty *d = &vga->dirty;

    vram_dirty_set_enabled(d, true, CORE_VRAM);
    vga_out(vga, 0x3c4, 0x02, 0x0f);
    vga_out(vga, 0x3c4, 0x04, 0x0e);
    vga_out(vga, 0x3ce, 0x06, 0x04); /* map 1: 64 KiB + bank_offset */
    vga->bank_offset = CORE_VRAM - 0x10000;
    vga_mem_write(vga, 0xffff, 0x77);
    EXPECT_PAGES(d, CORE_VRAM / 4096 - 1);
    /* Past the end or below 0: refused, nothing marked. */
    vga->bank_offset = CORE_VRAM;
    vga_mem_write(vga, 0, 0x77);
    vga->bank_offset = -0x20000;
    vga_mem_write(vga, 0x100, 0x77);
    vga->bank_offset = INT32_MAX;
    vga_mem_write(vga, 0xffff, 0x77);
    EXPECT_NONE(d);
    vga_free(vga);
}
END_TEST

/* A VRAM buffer larger than the bitmap: its tail folds into the last page. */
START_TEST(test_core_larger_than_bitmap)
{
    size_t size = (size_t)VRAM_DIRTY_MAX_SIZE * 2;
    g_autofree uint8_t *vram = g_malloc0(size);
    Vga *vga = vga_new(vram, size);
    VramDirty *d = &vga->dirty;

    vram_dirty_set_enabled(d, true, size);
    vga_out(vga, 0x3c4, 0x02, 0x0f);
    vga_out(vga, 0x3c4, 0x04, 0x0e);
    vga_out(vga, 0x3ce, 0x06, 0x04);
    vga->bank_offset = (int32_t)(size - 0x10000);
    vga_mem_write(vga, 0xffff, 0x77);
    ck_assert_uint_eq(vram[size - 1], 0x77);
    EXPECT_PAGES(d, VRAM_DIRTY_MAX_PAGES - 1);
    vga_free(vga);
}
END_TEST

START_TEST(test_core_fuzz)
{
    g_autofree uint8_t *vram = g_malloc0(CORE_VRAM);
    g_autofree uint8_t *before = g_malloc(CORE_VRAM);
    Vga *vga = vga_new(vram, CORE_VRAM);
    static const uint8_t srs[] = { 0x02, 0x04 };
    static const uint8_t grs[] = { 0, 1, 3, 4, 5, 6, 8 };

    for (int round = 0; round < 2; round++) {
        bool on = round == 1;

        vram_dirty_set_enabled(&vga->dirty, on, CORE_VRAM);
        memcpy(before, vram, CORE_VRAM);
        for (int i = 0; i < 20000; i++) {
            uint32_t r = vd_rand();

            switch (r % 8) {
            case 0:
                vga_out(vga, 0x3c4, srs[(r >> 8) % 2], (uint8_t)(r >> 16));
                break;
            case 1:
                vga_out(vga, 0x3ce, grs[(r >> 8) % 7], (uint8_t)(r >> 16));
                break;
            case 2:
                vga->bank_offset = (int32_t)vd_rand() % (2 * CORE_VRAM);
                break;
            case 3:
                vga_mem_read(vga, (r >> 8) & 0x1ffff);
                break;
            default:
                vga_mem_write(vga, (r >> 8) & 0x1ffff, (uint8_t)r);
                break;
            }
        }
        if (on) {
            vd_check_changed_marked(&vga->dirty, before, vram, CORE_VRAM);
        } else {
            ck_assert_uint_eq(vram_dirty_count(&vga->dirty), 0);
        }
    }
    vga_free(vga);
}
END_TEST

Suite *vram_dirty_suite(void)
{
    Suite *s = suite_create("vram_dirty");
    TCase *tc = tcase_create("bitmap");

    tcase_add_test(tc, test_bitmap_basics);
    tcase_add_test(tc, test_bitmap_enable_disable);
    tcase_add_test(tc, test_bitmap_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("vga_core");
    tcase_add_test(tc, test_core_window_modes);
    tcase_add_test(tc, test_core_end_of_vram);
    tcase_add_test(tc, test_core_larger_than_bitmap);
    tcase_add_test(tc, test_core_fuzz);
    suite_add_tcase(s, tc);

    suite_add_tcase(s, vram_dirty_cirrus_tcase());
    return s;
}
