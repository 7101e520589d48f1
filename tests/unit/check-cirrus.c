/*
 * The Cirrus CL-GD5446 core (devices/cirrus.c, cirrus-mem.c): register
 * groups, banking, the legacy window, the LFB, BAR1 and the PCI function.
 * Expected values were observed on QEMU 7.2 (-vga cirrus) over qtest;
 * tests/integration/test-cirrus.py replays the same kind of sequences
 * against QEMU itself.  The bounds cases surround VRAM with guard bytes
 * and drive random and hostile register values: the guards must stay.
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>

#include "devices/cirrus.h"
#include "devices/ioport.h"
#include "devices/pci.h"
#include "tests/unit/check-cirrus.h"
#include "tests/unit/suites.h"

IoDispatcher *cx_io;
PciBus *cx_bus;
Cirrus *cx_card;
uint8_t *cx_buffer;
uint8_t *cx_vram;
size_t cx_vram_size;

static void make(size_t size)
{
    g_autoptr(GError) error = NULL;

    cx_vram_size = size;
    cx_buffer = g_malloc(size + 2 * GUARD);
    memset(cx_buffer, GUARD_BYTE, size + 2 * GUARD);
    cx_vram = cx_buffer + GUARD;
    memset(cx_vram, 0, size);
    cx_io = io_dispatcher_new();
    cx_bus = pci_bus_new(cx_io, &error);
    ck_assert_ptr_nonnull(cx_bus);
    cx_card = cirrus_new(cx_io, cx_bus, cx_vram, size, &error);
    ck_assert_msg(cx_card != NULL, "%s", error ? error->message : "");
}

void cx_setup(void)
{
    make(CIRRUS_REAL_VRAM_SIZE);
}

void cx_teardown(void)
{
    pci_bus_free(cx_bus);
    cirrus_free(cx_card);
    io_dispatcher_free(cx_io);
    g_free(cx_buffer);
}

void cx_guards_intact(void)
{
    for (size_t i = 0; i < GUARD; i++) {
        ck_assert_uint_eq(cx_buffer[i], GUARD_BYTE);
        ck_assert_uint_eq(cx_buffer[GUARD + cx_vram_size + i], GUARD_BYTE);
    }
}

void cx_out(uint16_t port, uint8_t value)
{
    io_port_write(cx_io, port, value, 1);
}

uint8_t cx_in(uint16_t port)
{
    return (uint8_t)io_port_read(cx_io, port, 1);
}

void cx_sr(uint8_t index, uint8_t value)
{
    cx_out(0x3c4, index);
    cx_out(0x3c5, value);
}

uint8_t cx_rsr(uint8_t index)
{
    cx_out(0x3c4, index);
    return cx_in(0x3c5);
}

void cx_gr(uint8_t index, uint8_t value)
{
    cx_out(0x3ce, index);
    cx_out(0x3cf, value);
}

uint8_t cx_rgr(uint8_t index)
{
    cx_out(0x3ce, index);
    return cx_in(0x3cf);
}

void cx_cr(uint8_t index, uint8_t value)
{
    cx_out(0x3d4, index);
    cx_out(0x3d5, value);
}

uint8_t cx_rcr(uint8_t index)
{
    cx_out(0x3d4, index);
    return cx_in(0x3d5);
}

uint8_t cx_memb(uint64_t addr)
{
    return (uint8_t)io_mem_read(cx_io, addr, 1);
}

void cx_wmemb(uint64_t addr, uint8_t value)
{
    io_mem_write(cx_io, addr, value, 1);
}

static void cfg_write(unsigned reg, uint32_t value, unsigned size)
{
    io_port_write(cx_io, 0xcf8, CFG | (reg & 0xfc), 4);
    io_port_write(cx_io, (uint16_t)(0xcfc + (reg & 3)), value, size);
}

static uint32_t cfg_read(unsigned reg)
{
    io_port_write(cx_io, 0xcf8, CFG | reg, 4);
    return io_port_read(cx_io, 0xcfc, 4);
}

/* SeaBIOS's programming: BAR0, BAR1, then I/O and memory decoding. */
static void map_bars(void)
{
    cfg_write(0x10, BAR0, 4);
    cfg_write(0x14, BAR1, 4);
    cfg_write(0x04, 0x0103, 2);
}

/* Colour decode, extensions unlocked, extended (SVGA) mode. */
void cx_extended(void)
{
    cx_out(0x3c2, 0x01);
    cx_sr(0x06, 0x12);
    cx_sr(0x07, 0x01);
}

/* ------------------------------------------------------------ PCI */

START_TEST(test_pci_config)
{
    ck_assert_uint_eq(cfg_read(0x00), 0x00b81013);
    ck_assert_uint_eq(cfg_read(0x04), 0);
    ck_assert_uint_eq(cfg_read(0x08), 0x03000000);
    ck_assert_uint_eq(cfg_read(0x0c), 0);
    ck_assert_uint_eq(cfg_read(0x10), 0x00000008); /* prefetchable */
    ck_assert_uint_eq(cfg_read(0x14), 0);
    ck_assert_uint_eq(cfg_read(0x2c), 0x11001af4);
    ck_assert_uint_eq(cfg_read(0x30), 0); /* no ROM BAR: hvmloader's BIOS */
    ck_assert_uint_eq(cfg_read(0x3c), 0);
    cfg_write(0x10, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(0x10), 0xfe000008); /* 32 MiB */
    cfg_write(0x14, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(0x14), 0xfffff000); /* 4 KiB */
    cfg_write(0x18, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(0x18), 0);
    cfg_write(0x30, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(0x30), 0);
}
END_TEST

START_TEST(test_bar_moves)
{
    map_bars();
    cx_wmemb(BAR0 + 0x1234, 0xab);
    ck_assert_uint_eq(cx_vram[0x1234], 0xab);
    ck_assert_uint_eq(cx_memb(BAR0 + 0x1234), 0xab);
    /* Move BAR0: the new address answers, the old one no longer does. */
    cfg_write(0x10, 0xf8000000, 4);
    ck_assert_uint_eq(cx_memb(0xf8000000 + 0x1234), 0xab);
    cx_wmemb(BAR0 + 0x1235, 0xcd);
    ck_assert_uint_eq(cx_vram[0x1235], 0);
    /* Memory decoding off: nothing; on again: back. */
    cfg_write(0x04, 0x0101, 2);
    cx_wmemb(0xf8000000 + 0x1236, 0x11);
    ck_assert_uint_eq(cx_vram[0x1236], 0);
    cfg_write(0x04, 0x0103, 2);
    cx_wmemb(0xf8000000 + 0x1236, 0x11);
    ck_assert_uint_eq(cx_vram[0x1236], 0x11);
    /* BAR1: offset 0x0c is port 0x3CC (misc output read). */
    cx_out(0x3c2, 0xe3);
    ck_assert_uint_eq(cx_memb(BAR1 + 0x0c), 0xe3);
}
END_TEST

/* ------------------------------------------------------- registers */

START_TEST(test_reset_values)
{
    cx_out(0x3c2, 0x01);
    ck_assert_uint_eq(cx_rsr(0x06), 0x0f);
    ck_assert_uint_eq(cx_rsr(0x0f), 0x98);
    ck_assert_uint_eq(cx_rsr(0x15), 0x04);
    ck_assert_uint_eq(cx_rsr(0x17), 0x20);
    ck_assert_uint_eq(cx_rsr(0x1f), 0x2d);
    ck_assert_uint_eq(cx_rgr(0x18), 0x0f);
    ck_assert_uint_eq(cx_rcr(0x27), 0xb8);
    ck_assert_uint_eq(cx_card->hidden_dac_lockindex, 5);
    ck_assert_uint_eq(cx_card->hidden_dac_data, 0);
    ck_assert(!cx_card->linear_vram && !cx_card->bank_mapped[0]);
}
END_TEST

START_TEST(test_unlock)
{
    static const struct {
        uint8_t write, read;
    } cases[] = {
        { 0x12, 0x12 }, { 0x00, 0x0f }, { 0x32, 0x12 }, { 0x92, 0x12 },
        { 0x13, 0x0f }, { 0xff, 0x0f }, { 0x1a, 0x12 }, { 0x16, 0x0f },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        cx_sr(0x06, cases[i].write);
        ck_assert_uint_eq(cx_rsr(0x06), cases[i].read);
    }
}
END_TEST

START_TEST(test_sr_masks)
{
    cx_sr(0x00, 0xff);
    cx_sr(0x01, 0xff);
    cx_sr(0x02, 0xff);
    cx_sr(0x03, 0xff);
    cx_sr(0x04, 0xff);
    ck_assert_uint_eq(cx_rsr(0x00), 0x03);
    ck_assert_uint_eq(cx_rsr(0x01), 0x3d);
    ck_assert_uint_eq(cx_rsr(0x02), 0x0f);
    ck_assert_uint_eq(cx_rsr(0x03), 0x3f);
    ck_assert_uint_eq(cx_rsr(0x04), 0x0e);
    cx_sr(0x05, 0xff); /* ignored */
    ck_assert_uint_eq(cx_rsr(0x05), 0);
    cx_sr(0x17, 0xff); /* bits 5:3 read-only */
    ck_assert_uint_eq(cx_rsr(0x17), 0xe7);
    cx_sr(0x17, 0x00);
    ck_assert_uint_eq(cx_rsr(0x17), 0x20);
    for (unsigned i = 0x08; i <= 0x1f; i++) {
        if (i != 0x10 && i != 0x11 && i != 0x17) {
            cx_sr((uint8_t)i, (uint8_t)(i ^ 0xa5));
            ck_assert_uint_eq(cx_rsr((uint8_t)i), i ^ 0xa5);
        }
    }
    /* Indexes above 0x1f: 0xff, writes ignored; all 8 index bits kept. */
    cx_sr(0x20, 0x12);
    ck_assert_uint_eq(cx_rsr(0x20), 0xff);
    ck_assert_uint_eq(cx_rsr(0x86), 0xff);
    cx_out(0x3c4, 0xe3);
    ck_assert_uint_eq(cx_in(0x3c4), 0xe3);
}
END_TEST

START_TEST(test_cursor_position)
{
    /* SR10/SR11 at any index with those low 5 bits; bits 7:5 are x/y 2:0. */
    cx_sr(0xf0, 0x12);
    ck_assert_uint_eq(cx_card->hw_cursor_x, (0x12 << 3) | 7);
    ck_assert_uint_eq(cx_rsr(0x10), 0x12);
    ck_assert_uint_eq(cx_rsr(0x50), 0x12);
    cx_sr(0x31, 0x40);
    ck_assert_uint_eq(cx_card->hw_cursor_y, (0x40 << 3) | 1);
    ck_assert_uint_eq(cx_rsr(0xd1), 0x40);
    cx_sr(0x10, 0xff);
    ck_assert_uint_eq(cx_card->hw_cursor_x, 0x7f8);
    cx_sr(0x12, 0x07); /* cursor attributes: plain storage */
    cx_sr(0x13, 0x3c);
    ck_assert_uint_eq(cx_rsr(0x12), 0x07);
    ck_assert_uint_eq(cx_rsr(0x13), 0x3c);
}
END_TEST

START_TEST(test_gr_shadows_and_masks)
{
    cx_gr(0x00, 0xa5);
    cx_gr(0x01, 0x3c);
    ck_assert_uint_eq(cx_rgr(0x00), 0xa5);
    ck_assert_uint_eq(cx_rgr(0x01), 0x3c);
    ck_assert_uint_eq(cx_card->vga.gr[0], 0x05);
    ck_assert_uint_eq(cx_card->vga.gr[1], 0x0c);
    cx_gr(0x05, 0xff);
    ck_assert_uint_eq(cx_rgr(0x05), 0x7f);
    cx_gr(0x03, 0xff);
    ck_assert_uint_eq(cx_rgr(0x03), 0x1f);
    cx_gr(0x04, 0xff);
    ck_assert_uint_eq(cx_rgr(0x04), 0x03);
    cx_gr(0x21, 0xff);
    cx_gr(0x23, 0xff);
    cx_gr(0x2a, 0xff);
    cx_gr(0x2e, 0xff);
    ck_assert_uint_eq(cx_rgr(0x21), 0x1f);
    ck_assert_uint_eq(cx_rgr(0x23), 0x1f);
    ck_assert_uint_eq(cx_rgr(0x2a), 0x3f);
    ck_assert_uint_eq(cx_rgr(0x2e), 0x3f);
    for (unsigned i = 0x10; i <= 0x15; i++) {
        cx_gr((uint8_t)i, (uint8_t)(0xc0 + i));
        ck_assert_uint_eq(cx_rgr((uint8_t)i), 0xc0 + i);
    }
    cx_gr(0x0c, 0x55); /* not a register: ignored, reads its 0 */
    ck_assert_uint_eq(cx_rgr(0x0c), 0);
    cx_gr(0x36, 0x55);
    ck_assert_uint_eq(cx_rgr(0x36), 0);
    ck_assert_uint_eq(cx_rgr(0x3a), 0xff);
    ck_assert_uint_eq(cx_rgr(0xff), 0xff);
    cx_out(0x3ce, 0xe1);
    ck_assert_uint_eq(cx_in(0x3ce), 0xe1);
    /* A load restores gr[0]/gr[1] from the shadows. */
    cx_card->shadow_gr0 = 0x9c;
    cx_card->vga.gr[0] = 0xff;
    cirrus_update_derived(cx_card);
    ck_assert_uint_eq(cx_card->vga.gr[0], 0x0c);
}
END_TEST

START_TEST(test_cr_extended)
{
    cx_out(0x3c2, 0x01);
    for (unsigned i = 0x19; i <= 0x1d; i++) {
        cx_cr((uint8_t)i, (uint8_t)(0x40 + i));
        ck_assert_uint_eq(cx_rcr((uint8_t)i), 0x40 + i);
    }
    cx_cr(0x27, 0x00); /* the part id is read-only */
    ck_assert_uint_eq(cx_rcr(0x27), 0xb8);
    cx_cr(0x25, 0x11); /* ignored */
    ck_assert_uint_eq(cx_rcr(0x25), 0);
    ck_assert_uint_eq(cx_rcr(0x1e), 0xff);
    ck_assert_uint_eq(cx_rcr(0x30), 0xff);
    /* CR24: attribute flip-flop in bit 7; CR26: attribute index. */
    cx_in(0x3da);
    cx_out(0x3c0, 0x2b);
    ck_assert_uint_eq(cx_rcr(0x24), 0x80);
    ck_assert_uint_eq(cx_rcr(0x26), 0x2b);
    cx_in(0x3da);
    ck_assert_uint_eq(cx_rcr(0x24), 0x00);
    /* CR0-CR7 protection applies as on VGA. */
    cx_cr(0x11, 0x80);
    cx_cr(0x01, 0x55);
    ck_assert_uint_eq(cx_rcr(0x01), 0);
    /* Mono decode: the colour ports float. */
    cx_out(0x3c2, 0x00);
    ck_assert_uint_eq(cx_in(0x3d5), 0xff);
    cx_out(0x3b4, 0x27);
    ck_assert_uint_eq(cx_in(0x3b5), 0xb8);
}
END_TEST

START_TEST(test_hidden_dac)
{
    /* After reset the counter is 5: the fifth read comes 256 reads later. */
    for (int i = 0; i < 255; i++) {
        ck_assert_uint_eq(cx_in(0x3c6), 0xff);
    }
    ck_assert_uint_eq(cx_in(0x3c6), 0x00);
    /* A 0x3C8 read clears it; four reads, then a write sets the register. */
    cx_in(0x3c8);
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(cx_in(0x3c6), 0xff);
    }
    cx_out(0x3c6, 0xe1);
    ck_assert_uint_eq(cx_card->hidden_dac_data, 0xe1);
    cx_in(0x3c8);
    for (int i = 0; i < 4; i++) {
        cx_in(0x3c6);
    }
    ck_assert_uint_eq(cx_in(0x3c6), 0xe1);
    /* Three reads are not enough: the write is dropped. */
    cx_in(0x3c8);
    for (int i = 0; i < 3; i++) {
        cx_in(0x3c6);
    }
    cx_out(0x3c6, 0x33);
    ck_assert_uint_eq(cx_card->hidden_dac_data, 0xe1);
    ck_assert_uint_eq(cx_card->hidden_dac_lockindex, 0);
}
END_TEST

START_TEST(test_hidden_palette)
{
    cx_out(0x3c8, 0x00);
    for (int i = 0; i < 6; i++) {
        cx_out(0x3c9, (uint8_t)(0x10 + i));
    }
    cx_sr(0x12, CIRRUS_CURSOR_HIDDENPEL);
    cx_out(0x3c8, 0x1f); /* index 15 of the hidden palette */
    cx_out(0x3c9, 0x21);
    cx_out(0x3c9, 0x22);
    cx_out(0x3c9, 0x23);
    ck_assert_uint_eq(cx_card->hidden_palette[45], 0x21);
    ck_assert_uint_eq(cx_card->hidden_palette[47], 0x23);
    ck_assert_uint_eq(cx_card->vga.palette[0x1f * 3], 0);
    cx_out(0x3c7, 0x0f);
    ck_assert_uint_eq(cx_in(0x3c9), 0x21);
    ck_assert_uint_eq(cx_in(0x3c9), 0x22);
    ck_assert_uint_eq(cx_in(0x3c9), 0x23);
    cx_out(0x3c7, 0x00);
    ck_assert_uint_eq(cx_in(0x3c9), 0); /* hidden entry 0, not palette 0 */
    cx_sr(0x12, 0);
    cx_out(0x3c7, 0x00);
    ck_assert_uint_eq(cx_in(0x3c9), 0x10);
    ck_assert_uint_eq(cx_in(0x3c9), 0x11);
    /* A hostile sub index stays inside both palettes. */
    cx_sr(0x12, CIRRUS_CURSOR_HIDDENPEL);
    cx_card->vga.dac_sub_index = 200;
    cx_card->vga.dac_read_index = 0xff;
    cx_in(0x3c9);
    cx_card->vga.dac_sub_index = 200;
    cx_out(0x3c9, 1);
}
END_TEST

/* -------------------------------------------------------- banking */

START_TEST(test_banking)
{
    static const struct {
        uint8_t g9, ga, gb;
        uint32_t base0, limit0, base1, limit1;
    } cases[] = {
        /* Single bank, 4K: bank 1 continues bank 0 32 KiB on. */
        { 0x10, 0x00, 0x00, 0x10000, 0x3f0000, 0x18000, 0x3e8000 },
        /* Single, 16K granularity. */
        { 0x10, 0x00, 0x20, 0x40000, 0x3c0000, 0x48000, 0x3b8000 },
        /* Near the top: bank 1 has no room left, limit 0, base 0. */
        { 0xff, 0x00, 0x20, 0x3fc000, 0x4000, 0, 0 },
        { 0xf8, 0x00, 0x20, 0x3e0000, 0x20000, 0x3e8000, 0x18000 },
        /* Dual bank: GRA for bank 1. */
        { 0x01, 0x02, 0x01, 0x1000, 0x3ff000, 0x2000, 0x3fe000 },
        { 0x01, 0xff, 0x21, 0x4000, 0x3fc000, 0x3fc000, 0x4000 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        cx_gr(0x0b, cases[i].gb);
        cx_gr(0x09, cases[i].g9);
        cx_gr(0x0a, cases[i].ga);
        ck_assert_uint_eq(cx_card->bank_base[0], cases[i].base0);
        ck_assert_uint_eq(cx_card->bank_limit[0], cases[i].limit0);
        ck_assert_uint_eq(cx_card->bank_base[1], cases[i].base1);
        ck_assert_uint_eq(cx_card->bank_limit[1], cases[i].limit1);
    }
}
END_TEST

START_TEST(test_window_banked)
{
    cx_extended();
    cx_gr(0x0b, 0x01); /* dual bank, 4K */
    cx_gr(0x09, 0x10);
    cx_gr(0x0a, 0x20);
    ck_assert(cx_card->bank_mapped[0] && cx_card->bank_mapped[1]);
    cx_wmemb(0xa0005, 0x11);
    cx_wmemb(0xa8007, 0x22);
    ck_assert_uint_eq(cx_vram[0x10005], 0x11);
    ck_assert_uint_eq(cx_vram[0x20007], 0x22);
    ck_assert_uint_eq(cx_memb(0xa0005), 0x11);
    ck_assert_uint_eq(cx_memb(0xa8007), 0x22);
    /* Outside the banks: 0xff, nothing written. */
    ck_assert_uint_eq(cx_memb(0xb0000), 0xff);
    cx_wmemb(0xb0000, 0x33);
    /* Single bank with bank 1 past the end: reads 0xff. */
    cx_gr(0x0b, 0x20);
    cx_gr(0x09, 0xff);
    ck_assert_uint_eq(cx_card->bank_limit[1], 0);
    /* QEMU still maps VRAM there directly: bank 1 at its base 0. */
    cx_vram[0x0009] = 0x44;
    ck_assert_uint_eq(cx_memb(0xa8009), 0x44);
    /* The byte path (8-byte shift unmaps) says 0xff instead. */
    cx_gr(0x0b, 0x22);
    ck_assert(!cx_card->bank_mapped[1]);
    ck_assert_uint_eq(cx_memb(0xa8009), 0xff);
    cx_wmemb(0xa8009, 0x55);
    ck_assert_uint_eq(cx_vram[0x0009], 0x44);
    /* SR7 written after the bank: QEMU remaps before storing SR7. */
    cx_gr(0x0b, 0x00);
    cx_gr(0x09, 0x00);
    cx_sr(0x07, 0x00);
    ck_assert(cx_card->bank_mapped[0]); /* still: the remap saw SR7 = 1 */
    cx_sr(0x07, 0x01);
    ck_assert(!cx_card->bank_mapped[0]); /* the remap saw SR7 = 0 */
    cx_gr(0x05, 0x00);
    ck_assert(cx_card->bank_mapped[0]);
}
END_TEST

START_TEST(test_window_vga_mode)
{
    /* SR7 clear: the VGA core's planar window. */
    cx_sr(0x02, 0x0f);
    cx_sr(0x04, 0x06);
    cx_gr(0x06, 0x05); /* 0xA0000, 64 KiB */
    cx_gr(0x08, 0xff); /* every bit from the CPU */
    cx_wmemb(0xa0010, 0x5e);
    ck_assert_uint_eq(cx_vram[0x40], 0x5e);
    ck_assert_uint_eq(cx_vram[0x43], 0x5e);
    ck_assert_uint_eq(cx_memb(0xa0010), 0x5e);
}
END_TEST

START_TEST(test_write_modes_8bpp)
{
    cx_extended();
    cx_gr(0x00, 0xa5);
    cx_gr(0x01, 0x3c);
    cx_gr(0x0b, 0x04); /* extended write modes */
    cx_gr(0x05, 0x04);
    ck_assert(!cx_card->bank_mapped[0]);
    cx_wmemb(0xa0100, 0xb1); /* 1011 0001 */
    static const uint8_t mode4[8] = { 0x3c, 0, 0x3c, 0x3c, 0, 0, 0, 0x3c };
    ck_assert_mem_eq(&cx_vram[0x100], mode4, 8);
    cx_gr(0x05, 0x05);
    cx_wmemb(0xa0200, 0xb1);
    static const uint8_t mode5[8] = { 0x3c, 0xa5, 0x3c, 0x3c,
                                      0xa5, 0xa5, 0xa5, 0x3c };
    ck_assert_mem_eq(&cx_vram[0x200], mode5, 8);
    /* Without GRB bit 2 mode 5 is a plain byte write. */
    cx_gr(0x0b, 0x00);
    cx_wmemb(0xa0300, 0xb1);
    ck_assert_uint_eq(cx_vram[0x300], 0xb1);
    ck_assert_uint_eq(cx_vram[0x301], 0);
}
END_TEST

START_TEST(test_write_modes_16bpp)
{
    cx_extended();
    cx_gr(0x00, 0xa5);
    cx_gr(0x10, 0x11);
    cx_gr(0x01, 0x3c);
    cx_gr(0x11, 0x22);
    cx_gr(0x0b, 0x14); /* 16-byte addressing, extended write modes */
    cx_gr(0x05, 0x05);
    cx_wmemb(0xa0010, 0x81); /* offset 0x10 << 4 */
    static const uint8_t expect[16] = {
        0x3c, 0x22, 0xa5, 0x11, 0xa5, 0x11, 0xa5, 0x11,
        0xa5, 0x11, 0xa5, 0x11, 0xa5, 0x11, 0x3c, 0x22,
    };
    ck_assert_mem_eq(&cx_vram[0x100], expect, 16);
}
END_TEST

/* ------------------------------------------------------- LFB, MMIO */

START_TEST(test_lfb)
{
    map_bars();
    /* After reset the byte path; any remap maps VRAM directly. */
    ck_assert(!cx_card->linear_vram);
    io_mem_write(cx_io, BAR0 + 0x100, 0x11223344, 4);
    ck_assert_uint_eq(cx_vram[0x100], 0x44);
    cx_sr(0x07, 0x01);
    ck_assert(cx_card->linear_vram);
    ck_assert_uint_eq(io_mem_read(cx_io, BAR0 + 0x100, 4), 0x11223344);
    /* 8-byte and 16-byte address shifts (GRB). */
    cx_gr(0x0b, 0x02);
    cx_wmemb(BAR0 + 0x21, 0x42);
    ck_assert_uint_eq(cx_vram[0x108], 0x42);
    ck_assert_uint_eq(cx_memb(BAR0 + 0x21), 0x42);
    cx_gr(0x0b, 0x14);
    cx_wmemb(BAR0 + 0x21, 0x54);
    ck_assert_uint_eq(cx_vram[0x210], 0x54);
    cx_wmemb(BAR0 + 0x3fff1, 0x55); /* wraps at 4 MiB */
    ck_assert_uint_eq(cx_vram[(0x3fff1 << 4) & 0x3fffff], 0x55);
    cx_gr(0x0b, 0x00);
    /* The blit aperture reads 0xff, the unused space 0. */
    ck_assert_uint_eq(cx_memb(BAR0 + 0x1000000), 0xff);
    ck_assert_uint_eq(cx_memb(BAR0 + 0x13fffff), 0xff);
    ck_assert_uint_eq(cx_memb(BAR0 + 0x400000), 0);
    ck_assert_uint_eq(cx_memb(BAR0 + 0x1400000), 0);
}
END_TEST

START_TEST(test_lfb_large_vram)
{
    cx_teardown();
    make(16u << 20);
    map_bars();
    /* The byte path masks to 4 MiB; the direct mapping reaches 16. */
    cx_wmemb(BAR0 + 0xfffff0, 0x9e);
    ck_assert_uint_eq(cx_vram[0x3ffff0], 0x9e);
    cx_sr(0x07, 0x01);
    cx_wmemb(BAR0 + 0xfffff0, 0x9f);
    ck_assert_uint_eq(cx_vram[0xfffff0], 0x9f);
    ck_assert_uint_eq(cx_memb(BAR0 + 0xfffff0), 0x9f);
}
END_TEST

START_TEST(test_mmio_registers)
{
    map_bars();
    cx_extended();
    /* At the top of the LFB with SR17 bits 6 and 2. */
    cx_sr(0x17, 0x44);
    ck_assert(!cx_card->linear_vram);
    cx_wmemb(BAR0 + 0x3fff08, 0x12);
    cx_wmemb(BAR0 + 0x3fff09, 0x9f);
    cx_wmemb(BAR0 + 0x3fff01, 0x33);
    io_mem_write(cx_io, BAR0 + 0x3fff10, 0xdeadbeef, 4);
    ck_assert_uint_eq(cx_rgr(0x20), 0x12);
    ck_assert_uint_eq(cx_rgr(0x21), 0x1f);
    ck_assert_uint_eq(cx_rgr(0x10), 0x33);
    ck_assert_uint_eq(cx_rgr(0x28), 0xef);
    ck_assert_uint_eq(cx_rgr(0x2a), 0x2d);
    ck_assert_uint_eq(cx_memb(BAR0 + 0x3fff13), 0xff); /* no such register */
    ck_assert_uint_eq(cx_memb(BAR0 + 0x7fff08), 0);    /* past the 4 MiB LFB */
    /* At 0xB8000 with bit 2 only, in the extended mode. */
    cx_sr(0x17, 0x04);
    ck_assert_uint_eq(cx_memb(0xb8008), 0x12);
    cx_wmemb(0xb800a, 0x0a);
    ck_assert_uint_eq(cx_rgr(0x22), 0x0a);
    ck_assert_uint_eq(cx_memb(0xb8100), 0xff);
    cx_sr(0x17, 0x00);
    ck_assert_uint_eq(cx_memb(0xb8008), 0xff);
    /* BAR1: VGA ports below 0x100, blit registers from 0x100. */
    cx_wmemb(BAR1 + 0x0e, 0x2a); /* 0x3CE */
    cx_wmemb(BAR1 + 0x0f, 0x5e); /* 0x3CF */
    ck_assert_uint_eq(cx_rgr(0x2a), 0x1e);
    ck_assert_uint_eq(cx_memb(BAR1 + 0x108), 0x12);
    cx_wmemb(BAR1 + 0x118, 0x40);
    ck_assert_uint_eq(cx_rgr(0x30), 0x40);
    ck_assert_uint_eq(cx_memb(BAR1 + 0xfff), 0xff);
    ck_assert_uint_eq(cx_memb(BAR1 + 0x30), 0); /* port 0x3F0: nothing */
}
END_TEST

START_TEST(test_cpu_source_blit)
{
    static const uint8_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

    cx_extended();
    cx_gr(0x09, 0x00);
    ck_assert(cx_card->bank_mapped[0] && cx_card->linear_vram);
    /* 4x2 bytes from the CPU to 0x2000, pitch 16, ROP "source". */
    cx_gr(0x20, 3);
    cx_gr(0x22, 1);
    cx_gr(0x24, 16);
    cx_gr(0x28, 0x00);
    cx_gr(0x29, 0x20);
    cx_gr(0x2a, 0x00);
    cx_gr(0x30, 0x04);
    cx_gr(0x32, 0x0d);
    cx_gr(0x31, CIRRUS_BLT_START);
    ck_assert(cirrus_blit_cpu_source_active(cx_card));
    /* While it waits for bytes VRAM is not mapped straight in. */
    ck_assert(!cx_card->bank_mapped[0] && !cx_card->linear_vram);
    for (size_t i = 0; i < sizeof(src); i++) {
        cx_wmemb(0xa0000 + i * 7, src[i]); /* any window address */
    }
    ck_assert(!cirrus_blit_cpu_source_active(cx_card));
    ck_assert_mem_eq(&cx_vram[0x2000], src, 4);
    ck_assert_mem_eq(&cx_vram[0x2010], src + 4, 4);
    ck_assert_uint_eq(cx_vram[0], 0);
    ck_assert(cx_card->bank_mapped[0] && cx_card->linear_vram);
}
END_TEST

START_TEST(test_reset_keeps_vram)
{
    cx_extended();
    cx_gr(0x00, 0x77);
    cx_sr(0xf0, 0x12);
    cx_gr(0x09, 0x10);
    cx_wmemb(0xa0000, 0x99);
    cx_card->vga.latch = 0x12345678;
    cirrus_reset(cx_card);
    ck_assert_uint_eq(cx_vram[0x10000], 0x99);
    ck_assert_uint_eq(cx_rsr(0x07), 0);
    /* As QEMU: latch, shadows, cursor and bank pointers survive. */
    ck_assert_uint_eq(cx_card->vga.latch, 0x12345678);
    ck_assert_uint_eq(cx_card->shadow_gr0, 0x77);
    ck_assert_uint_eq(cx_card->vga.gr[0], 0);
    ck_assert_uint_eq(cx_card->hw_cursor_x, (0x12 << 3) | 7);
    ck_assert_uint_eq(cx_card->bank_base[0], 0x10000);
    ck_assert(!cx_card->bank_mapped[0] && !cx_card->linear_vram);
}
END_TEST

START_TEST(test_new_refuses_small_vram)
{
    g_autoptr(GError) error = NULL;
    uint8_t small[4096];

    ck_assert_ptr_null(cirrus_new(cx_io, cx_bus, small, sizeof(small), &error));
    ck_assert_ptr_nonnull(error);
}
END_TEST

Suite *cirrus_suite(void)
{
    Suite *s = suite_create("cirrus");
    TCase *tc = tcase_create("registers");

    tcase_add_checked_fixture(tc, cx_setup, cx_teardown);
    tcase_add_test(tc, test_pci_config);
    tcase_add_test(tc, test_bar_moves);
    tcase_add_test(tc, test_reset_values);
    tcase_add_test(tc, test_unlock);
    tcase_add_test(tc, test_sr_masks);
    tcase_add_test(tc, test_cursor_position);
    tcase_add_test(tc, test_gr_shadows_and_masks);
    tcase_add_test(tc, test_cr_extended);
    tcase_add_test(tc, test_hidden_dac);
    tcase_add_test(tc, test_hidden_palette);
    tcase_add_test(tc, test_new_refuses_small_vram);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, cx_setup, cx_teardown);
    tcase_add_test(tc, test_banking);
    tcase_add_test(tc, test_window_banked);
    tcase_add_test(tc, test_window_vga_mode);
    tcase_add_test(tc, test_write_modes_8bpp);
    tcase_add_test(tc, test_write_modes_16bpp);
    tcase_add_test(tc, test_lfb);
    tcase_add_test(tc, test_lfb_large_vram);
    tcase_add_test(tc, test_mmio_registers);
    tcase_add_test(tc, test_cpu_source_blit);
    tcase_add_test(tc, test_reset_keeps_vram);
    suite_add_tcase(s, tc);

    suite_add_tcase(s, cirrus_bounds_tcase());
    suite_add_tcase(s, cirrus_vram_tcase());
    suite_add_tcase(s, cirrus_state_tcase());
    return s;
}
