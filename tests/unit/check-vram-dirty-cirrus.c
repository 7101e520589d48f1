/*
 * The VRAM dirty log through the Cirrus paths (cirrus-mem.c and the
 * BitBLT engine), on the check-cirrus.c fixture (a real IoDispatcher and
 * PCI bus, VRAM between guard bytes): each write marks exactly the pages
 * it stored to, and the fuzz case checks that every changed page is
 * marked while nothing outside VRAM is, whatever the registers say.
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>

#include "devices/cirrus.h"
#include "devices/ioport.h"
#include "devices/pci.h"
#include "tests/unit/check-cirrus.h"
#include "tests/unit/check-vram-dirty.h"

static VramDirty *log_on(void)
{
    VramDirty *d = &cx_card->vga.dirty;

    vram_dirty_set_enabled(d, true, cx_vram_size);
    return d;
}

/* SeaBIOS's programming: BAR0, BAR1, then I/O and memory decoding. */
static void map_bars(IoDispatcher *io)
{
    io_port_write(io, 0xcf8, CFG | 0x10, 4);
    io_port_write(io, 0xcfc, BAR0, 4);
    io_port_write(io, 0xcf8, CFG | 0x14, 4);
    io_port_write(io, 0xcfc, BAR1, 4);
    io_port_write(io, 0xcf8, CFG | 0x04, 4);
    io_port_write(io, 0xcfc, 0x0103, 2);
}

typedef struct Blit {
    int width;
    int height;
    int dpitch;
    int spitch;
    uint32_t dst;
    uint32_t src;
    uint8_t mode;
    uint8_t rop;
    uint8_t ext;
} Blit;

static void gr16(uint8_t index, uint32_t value)
{
    cx_gr(index, value & 0xff);
    cx_gr((uint8_t)(index + 1), (value >> 8) & 0xff);
}

static void run_blit(const Blit *b)
{
    gr16(0x20, (uint32_t)b->width - 1);
    gr16(0x22, (uint32_t)b->height - 1);
    gr16(0x24, (uint32_t)b->dpitch);
    gr16(0x26, (uint32_t)b->spitch);
    gr16(0x28, b->dst);
    cx_gr(0x2a, (b->dst >> 16) & 0xff);
    gr16(0x2c, b->src);
    cx_gr(0x2e, (b->src >> 16) & 0xff);
    cx_gr(0x30, b->mode);
    cx_gr(0x32, b->rop);
    cx_gr(0x33, b->ext);
    cx_gr(0x31, 0x00);
    cx_gr(0x31, 0x02);
}

/* --------------------------------------------------- legacy window */

START_TEST(test_window_vga_modes)
{
    VramDirty *d = &cx_card->vga.dirty;

    cx_out(0x3c2, 0x01);
    cx_sr(0x02, 0x0f);
    cx_sr(0x04, 0x06);
    cx_wmemb(0xa1003, 0x11);
    EXPECT_NONE(d); /* off */
    log_on();
    cx_wmemb(0xa1003, 0x11); /* planar: VRAM 0x400c */
    cx_sr(0x04, 0x0e);
    cx_wmemb(0xa5001, 0x22); /* chain-4 */
    EXPECT_PAGES(d, 4, 5);
    cx_guards_intact();
}
END_TEST

START_TEST(test_window_banks)
{
    VramDirty *d = log_on();

    cx_extended();
    cx_gr(0x09, 0x10);
    ck_assert(cx_card->bank_mapped[0]); /* VRAM mapped straight in */
    cx_wmemb(0xa0010, 0x11);            /* 0x10010 */
    cx_wmemb(0xa8010, 0x11);            /* single bank: 0x18010 */
    EXPECT_PAGES(d, 0x10, 0x18);

    cx_gr(0x0b, 0x01); /* dual banks, 4 KiB */
    cx_gr(0x09, 0x20);
    cx_gr(0x0a, 0x30);
    cx_wmemb(0xa0005, 0x22);
    cx_wmemb(0xa8005, 0x22);
    EXPECT_PAGES(d, 0x20, 0x30);
    cx_gr(0x0b, 0x21); /* dual banks, 16 KiB */
    cx_wmemb(0xa8005, 0x22);
    EXPECT_PAGES(d, 0xc0);

    /* Through the byte handlers: LFB MMIO on unmaps VRAM. */
    cx_sr(0x17, 0x44);
    ck_assert(!cx_card->bank_mapped[0]);
    cx_gr(0x0b, 0x00);
    cx_gr(0x09, 0x10);
    cx_wmemb(0xa0010, 0x33);
    EXPECT_PAGES(d, 0x10);

    /* A bank at the end of the 4 MiB: its last byte, and not past it. */
    for (int mapped = 0; mapped < 2; mapped++) {
        cx_sr(0x17, mapped ? 0x00 : 0x44);
        cx_gr(0x0b, 0x20);
        cx_gr(0x09, 0xff); /* 0x3fc000, 16 KiB left */
        cx_wmemb(0xa3fff, 0x44);
        EXPECT_PAGES(d, 0x3ff);
        cx_wmemb(0xa4000, 0x44);
        EXPECT_NONE(d);
        /*
         * Bank 1 has nothing left: the handlers refuse it, but QEMU's
         * mapping (kept) aliases VRAM from base 0 whatever the limit.
         */
        cx_wmemb(0xa8000, 0x44);
        cx_wmemb(0xaffff, 0x44);
        if (mapped) {
            EXPECT_PAGES(d, 0, 7);
        } else {
            EXPECT_NONE(d);
        }
    }
    /* 0xB0000-0xBFFFF in extended mode: no VRAM there. */
    cx_sr(0x17, 0x04); /* MMIO at 0xB8000 */
    cx_wmemb(0xb0000, 0x55);
    cx_wmemb(0xb8000, 0x55);
    EXPECT_NONE(d);
    cx_guards_intact();
}
END_TEST

START_TEST(test_write_modes_4_5)
{
    VramDirty *d = log_on();

    cx_extended();
    cx_gr(0x00, 0xa5);
    cx_gr(0x01, 0x3c);
    cx_gr(0x0b, 0x04); /* extended write modes, no shift */
    cx_gr(0x05, 0x05);
    ck_assert(!cx_card->bank_mapped[0]);
    cx_wmemb(0xa0ffc, 0x00); /* mode 5: 8 bytes 0xffc-0x1003 */
    EXPECT_PAGES(d, 0, 1);
    cx_gr(0x05, 0x04);
    cx_wmemb(0xa0ffc, 0xf0); /* mode 4: only the set bits' pixels */
    EXPECT_PAGES(d, 0);
    cx_wmemb(0xa0ffc, 0x0f);
    EXPECT_PAGES(d, 1);
    cx_wmemb(0xa0ffc, 0x00);
    EXPECT_NONE(d);

    cx_gr(0x05, 0x05);
    cx_gr(0x0b, 0x06); /* 8-byte shift */
    cx_wmemb(0xa0200, 0x81);
    EXPECT_PAGES(d, 1);
    cx_gr(0x0b, 0x14); /* 16-byte shift, 16-bit pixels */
    cx_wmemb(0xa0100, 0x81);
    cx_wmemb(0xa3fff, 0x81); /* 0x3fff0-0x3ffff */
    EXPECT_PAGES(d, 1, 0x3f);
    cx_guards_intact();
}
END_TEST

/* ------------------------------------------------------------- LFB */

START_TEST(test_lfb_shifts)
{
    VramDirty *d = log_on();

    map_bars(cx_io);
    cx_extended();
    ck_assert(cx_card->linear_vram);
    cx_wmemb(BAR0 + 0x1234, 0x11);
    cx_wmemb(BAR0 + 0x3fffff, 0x11);
    EXPECT_PAGES(d, 1, 0x3ff);

    cx_gr(0x0b, 0x02); /* 8-byte shift */
    ck_assert(!cx_card->linear_vram);
    cx_wmemb(BAR0 + 0x201, 0x22);    /* 0x1008 */
    cx_wmemb(BAR0 + 0x3fffff, 0x22); /* 0x3ffff8 */
    EXPECT_PAGES(d, 1, 0x3ff);
    cx_gr(0x0b, 0x14);            /* 16-byte shift */
    cx_wmemb(BAR0 + 0x101, 0x33); /* 0x1010 */
    EXPECT_PAGES(d, 1);

    /* Mode 5 at the top of VRAM wraps to its start, as on the card. */
    cx_gr(0x0b, 0x04);
    cx_gr(0x05, 0x05);
    cx_wmemb(BAR0 + 0x3ffffc, 0xff);
    EXPECT_PAGES(d, 0, 0x3ff);
    cx_gr(0x05, 0x00);
    cx_gr(0x0b, 0x00);

    /* Registers, the blit aperture with no blit, BAR1: no VRAM. */
    cx_sr(0x17, 0x44);
    cx_wmemb(BAR0 + 0x3fff08, 0x12);
    cx_wmemb(BAR0 + 0x1000000, 0x12);
    cx_wmemb(BAR0 + 0x400000, 0x12);
    cx_wmemb(BAR1 + 0x0e, 0x2a);
    cx_wmemb(BAR1 + 0x108, 0x1f);
    EXPECT_NONE(d);
    cx_guards_intact();
}
END_TEST

/* A 16 MiB card: the LFB reaches the last page of the bitmap. */
START_TEST(test_lfb_16mb)
{
    size_t size = 16 << 20;
    g_autofree uint8_t *vram = g_malloc0(size);
    g_autoptr(GError) error = NULL;
    IoDispatcher *io = io_dispatcher_new();
    PciBus *bus = pci_bus_new(io, &error);
    Cirrus *card = cirrus_new(io, bus, vram, size, &error);
    VramDirty *d = &card->vga.dirty;

    ck_assert_ptr_nonnull(card);
    vram_dirty_set_enabled(d, true, size);
    map_bars(io);
    io_port_write(io, 0x3c4, 0x06, 1);
    io_port_write(io, 0x3c5, 0x12, 1);
    io_port_write(io, 0x3c4, 0x07, 1);
    io_port_write(io, 0x3c5, 0x01, 1);
    ck_assert(card->linear_vram);
    io_mem_write(io, BAR0 + size - 1, 0x77, 1);
    io_mem_write(io, BAR0 + 0x800000, 0x77, 4);
    ck_assert_uint_eq(vram[size - 1], 0x77);
    EXPECT_PAGES(d, 0x800, VRAM_DIRTY_MAX_PAGES - 1);
    /* With a shift the card decodes 4 MiB only. */
    io_port_write(io, 0x3ce, 0x0b, 1);
    io_port_write(io, 0x3cf, 0x02, 1);
    io_mem_write(io, BAR0 + size - 1, 0x77, 1);
    EXPECT_PAGES(d, 0x3ff);
    pci_bus_free(bus);
    cirrus_free(card);
    io_dispatcher_free(io);
}
END_TEST

/* ---------------------------------------------------------- BitBLT */

START_TEST(test_blit_copies)
{
    VramDirty *d = log_on();
    Blit forward = { 16, 3, 0x1000, 0x1000, 0x200ff8, 0x100000, 0x00, 0x0d, 0 };
    Blit backward = {
        16, 2, 0x1000, 0x1000, 0x201007, 0x101007, 0x01, 0x0d, 0
    };

    cx_extended();
    memset(cx_vram + 0x100000, 0x5a, 0x4000);
    run_blit(&forward);
    ck_assert_uint_eq(cx_vram[0x201007], 0x5a);
    EXPECT_PAGES(d, 0x200, 0x201, 0x202, 0x203);
    /* Backward: lines 0x200ff8-0x201007 and 0x1ffff8-0x200007. */
    run_blit(&backward);
    ck_assert_uint_eq(cx_vram[0x200000], 0x5a);
    EXPECT_PAGES(d, 0x1ff, 0x200, 0x201);

    /* The NOP ROP draws nothing; a refused blit neither. */
    forward.rop = 0x06;
    run_blit(&forward);
    forward.rop = 0x0d;
    forward.dst = 0x3ffff8;
    run_blit(&forward);
    EXPECT_NONE(d);

    /* Transparent: a result equal to the key is not stored. */
    Blit keyed = { 16, 1, 16, 16, 0x280000, 0x180000, 0x08, 0x0d, 0 };
    cx_gr(0x34, 0x00);
    run_blit(&keyed); /* source all 0 */
    EXPECT_NONE(d);
    cx_gr(0x34, 0x01);
    run_blit(&keyed);
    EXPECT_PAGES(d, 0x280);

    /* A solid fill up to the last byte of VRAM. */
    Blit fill = { 8, 1, 8, 0, 0x3ffff8, 0, 0xc0, 0x0d, 0x04 };
    run_blit(&fill);
    EXPECT_PAGES(d, 0x3ff);
    cx_guards_intact();
}
END_TEST

START_TEST(test_blit_cpu_to_video)
{
    VramDirty *d = log_on();
    /* 8 bytes x 2 lines at 0x300ffc, pitch 4 KiB: straddles pages. */
    Blit cpu = { 8, 2, 0x1000, 0, 0x300ffc, 0, 0x04, 0x0d, 0 };
    static const uint64_t feeds[] = { 0xa0000, BAR0 + 0x40, BAR0 + 0x1000000 };

    map_bars(cx_io);
    cx_extended();
    for (size_t f = 0; f < G_N_ELEMENTS(feeds); f++) {
        run_blit(&cpu);
        ck_assert(!cx_card->bank_mapped[0] && !cx_card->linear_vram);
        for (int i = 0; i < 8; i++) {
            cx_wmemb(feeds[f] + (uint64_t)i, (uint8_t)(0x30 + i));
        }
        EXPECT_PAGES(d, 0x300, 0x301); /* the first line is drawn */
        for (int i = 0; i < 8; i++) {
            cx_wmemb(feeds[f], (uint8_t)(0x40 + i));
        }
        ck_assert_uint_eq(cx_vram[0x301ffc], 0x40);
        EXPECT_PAGES(d, 0x301, 0x302);   /* not the feed's own page */
        ck_assert(cx_card->linear_vram); /* the transfer is over */
    }
    cx_guards_intact();
}
END_TEST

/* ------------------------------------------------------------ fuzz */

static void fuzz_step(void)
{
    static const uint8_t srs[] = { 0x02, 0x04, 0x07, 0x07, 0x17 };
    static const uint8_t grs[] = {
        0x00, 0x01, 0x04, 0x05, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0b,
        0x0b, 0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x28, 0x29, 0x2a,
        0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34,
    };
    static const uint8_t rops[] = { 0x00, 0x05, 0x06, 0x0b, 0x0d, 0x59, 0xff };
    uint32_t r = vd_rand();
    uint32_t v = (r >> 16) & 0xff;

    switch (r % 12) {
    case 10:
    case 11: {
        /* A plausible blit, so that many pass the checks and draw. */
        Blit b = {
            .width = 1 + (int)(vd_rand() % 64),
            .height = 1 + (int)(vd_rand() % 16),
            .dpitch = (int)(vd_rand() % 0x2000),
            .spitch = (int)(vd_rand() % 0x2000),
            .dst = vd_rand() & 0x3fffff,
            .src = vd_rand() & 0x3fffff,
            .mode = (uint8_t)(vd_rand() & ~0x02),
            .rop = rops[vd_rand() % G_N_ELEMENTS(rops)],
            .ext = (uint8_t)(vd_rand() & 0x07),
        };

        run_blit(&b);
        break;
    }
    case 0:
        cx_sr(srs[(r >> 8) % G_N_ELEMENTS(srs)], (uint8_t)v);
        break;
    case 1:
    case 2: {
        uint8_t index = grs[(r >> 8) % G_N_ELEMENTS(grs)];

        /* Keep blits small enough for a fast run: 0-2 high bytes. */
        if (index == 0x21 || index == 0x23) {
            v &= 0x01;
        }
        cx_gr(index, (uint8_t)v);
        break;
    }
    case 3:
    case 4:
    case 5:
        cx_wmemb(0xa0000 + (vd_rand() & 0x1ffff), (uint8_t)v);
        break;
    case 6:
    case 7:
    case 8: {
        uint32_t a = vd_rand();
        uint64_t addr =
            (r >> 8) & 1 ? BAR0 + (a & 0x3fffff) : BAR0 + (a & 0x1ffffff);

        io_mem_write(cx_io, addr, vd_rand(), 1u << ((r >> 9) % 3));
        break;
    }
    default:
        cx_wmemb(BAR1 + (vd_rand() & 0xfff), (uint8_t)v);
        break;
    }
}

START_TEST(test_fuzz_every_change_marked)
{
    g_autofree uint8_t *before = g_malloc(cx_vram_size);
    VramDirty *d = &cx_card->vga.dirty;

    map_bars(cx_io);
    cx_out(0x3c2, 0x01);
    cx_sr(0x06, 0x12);
    for (size_t i = 0; i < cx_vram_size; i++) {
        cx_vram[i] = (uint8_t)vd_rand();
    }
    for (int round = 0; round < 4; round++) {
        bool on = round & 1;

        vram_dirty_set_enabled(d, on, cx_vram_size);
        memcpy(before, cx_vram, cx_vram_size);
        for (int i = 0; i < 20000; i++) {
            fuzz_step();
        }
        if (on) {
            vd_check_changed_marked(d, before, cx_vram, cx_vram_size);
            vram_dirty_clear(d);
        } else {
            ck_assert_uint_eq(vram_dirty_count(d), 0);
        }
        cx_guards_intact();
    }
}
END_TEST

TCase *vram_dirty_cirrus_tcase(void)
{
    TCase *tc = tcase_create("cirrus");

    tcase_add_checked_fixture(tc, cx_setup, cx_teardown);
    tcase_add_test(tc, test_window_vga_modes);
    tcase_add_test(tc, test_window_banks);
    tcase_add_test(tc, test_write_modes_4_5);
    tcase_add_test(tc, test_lfb_shifts);
    tcase_add_test(tc, test_lfb_16mb);
    tcase_add_test(tc, test_blit_copies);
    tcase_add_test(tc, test_blit_cpu_to_video);
    tcase_add_test(tc, test_fuzz_every_change_marked);
    return tc;
}
