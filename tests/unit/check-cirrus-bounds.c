/*
 * Cirrus bounds and VRAM files: random and hostile register values over
 * every memory path must never reach the guard bytes around VRAM; the
 * VRAM file keeps its bytes and its size.
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/vram.h"
#include "devices/cirrus.h"
#include "tests/unit/check-cirrus.h"

/* --------------------------------------------------------- bounds */

/* Registers and addresses drawn to hit every path; no blit starts. */
static void random_access(GRand *rand)
{
    uint32_t pick = g_rand_int_range(rand, 0, 100);
    uint8_t value = (uint8_t)g_rand_int(rand);
    uint8_t index = (uint8_t)g_rand_int(rand);

    if (pick < 20) {
        /* GR31 writes would start blits: the blitter's own tests. */
        if (index == CIRRUS_GR_BLT_STATUS) {
            value = 0;
        }
        cx_gr(index, value);
    } else if (pick < 30) {
        cx_sr(index, value);
    } else if (pick < 35) {
        cx_cr(index, value);
    } else if (pick < 45) {
        uint16_t port = (uint16_t)g_rand_int_range(rand, 0x3b0, 0x3e0);
        if (port != 0x3cf && port != 0x3c5) {
            cx_out(port, value);
        } else {
            cx_in(port);
        }
    } else if (pick < 65) {
        uint32_t addr = g_rand_int_range(rand, 0, VGA_WINDOW_SIZE);
        if (pick & 1) {
            cirrus_window_write(cx_card, addr,
                                (addr & 0xff) == 0x40 ? 0 : value);
        } else {
            cirrus_window_read(cx_card, addr);
        }
    } else if (pick < 90) {
        uint32_t addr = g_rand_int_range(rand, 0, CIRRUS_BAR0_SIZE);
        if (pick & 1) {
            cirrus_bar0_write(cx_card, addr, (addr & 0xff) == 0x40 ? 0 : value);
        } else {
            cirrus_bar0_read(cx_card, addr);
        }
    } else {
        uint32_t addr = g_rand_int_range(rand, 0, CIRRUS_BAR1_SIZE);
        if (pick & 1) {
            cirrus_mmio_write(cx_card, addr, (addr & 0xff) == 0x40 ? 0 : value);
        } else {
            cirrus_mmio_read(cx_card, addr);
        }
    }
}

START_TEST(test_bounds_random)
{
    GRand *rand = g_rand_new_with_seed(0x43495252u);

    cx_extended();
    for (int i = 0; i < 200000; i++) {
        random_access(rand);
        /* Keep the extended paths likely. */
        if ((i & 0x3ff) == 0) {
            cx_extended();
        }
    }
    g_rand_free(rand);
    cx_guards_intact();
}
END_TEST

START_TEST(test_bounds_hostile_state)
{
    GRand *rand = g_rand_new_with_seed(0x484f5354u);

    for (int round = 0; round < 200; round++) {
        /* What a hostile state file could hold, then the load's derive. */
        for (unsigned i = 0; i < 256; i++) {
            cx_card->vga.sr[i] = (uint8_t)g_rand_int(rand);
            cx_card->vga.gr[i] = (uint8_t)g_rand_int(rand);
            cx_card->vga.cr[i] = (uint8_t)g_rand_int(rand);
        }
        cx_card->vga.gr[CIRRUS_GR_BLT_STATUS] = 0;
        cx_card->vga.dac_sub_index = (uint8_t)g_rand_int(rand);
        cx_card->vga.dac_read_index = (uint8_t)g_rand_int(rand);
        cx_card->vga.dac_write_index = (uint8_t)g_rand_int(rand);
        cx_card->shadow_gr0 = (uint8_t)g_rand_int(rand);
        cx_card->shadow_gr1 = (uint8_t)g_rand_int(rand);
        cirrus_update_derived(cx_card);
        for (int i = 0; i < 1000; i++) {
            random_access(rand);
        }
        cx_in(0x3c9);
        cx_out(0x3c9, 0);
    }
    g_rand_free(rand);
    cx_guards_intact();
}
END_TEST

/* ------------------------------------------------------------ VRAM */

START_TEST(test_vram_file)
{
    g_autofree char *dir = g_dir_make_tmp("vram-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vram", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *content = NULL;
    gsize len = 0;
    Vram *a;
    Vram *b;

    ck_assert(vram_size_mb_valid(4) && vram_size_mb_valid(8) &&
              vram_size_mb_valid(16));
    ck_assert(!vram_size_mb_valid(0) && !vram_size_mb_valid(2) &&
              !vram_size_mb_valid(32));
    /* Created with its size; a second mapping shares the bytes. */
    a = vram_open(path, 1 << 20, &error);
    ck_assert_ptr_nonnull(a);
    b = vram_open(path, 1 << 20, &error);
    ck_assert_ptr_nonnull(b);
    a->data[12345] = 0x77;
    ck_assert_uint_eq(b->data[12345], 0x77);
    vram_close(a);
    vram_close(b);
    /* Another size: refused, the file untouched. */
    ck_assert_ptr_null(vram_open(path, 2 << 20, &error));
    ck_assert_ptr_nonnull(strstr(error->message, "1048576"));
    ck_assert(g_file_get_contents(path, &content, &len, NULL));
    ck_assert_uint_eq(len, 1 << 20);
    ck_assert_uint_eq((uint8_t)content[12345], 0x77);
    /* Anonymous memory starts zeroed. */
    a = vram_open(NULL, 4 << 20, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->data[(4 << 20) - 1], 0);
    vram_close(a);
    g_unlink(path);
    g_rmdir(dir);
}
END_TEST

TCase *cirrus_bounds_tcase(void)
{
    TCase *tc = tcase_create("bounds");

    tcase_add_checked_fixture(tc, cx_setup, cx_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_bounds_random);
    tcase_add_test(tc, test_bounds_hostile_state);
    return tc;
}

TCase *cirrus_vram_tcase(void)
{
    TCase *tc = tcase_create("vram");

    tcase_add_test(tc, test_vram_file);
    return tc;
}
