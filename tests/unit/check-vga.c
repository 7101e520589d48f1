/*
 * The VGA core: register groups and the legacy window's memory modes.
 * Every expected value in the register and memory cases was observed on
 * QEMU 7.2 (-vga std, qtest outb/inb and writeb/readb running the same
 * sequences).  The bounds cases drive hostile register values and must
 * never reach outside VRAM (the VRAM buffer has guard bytes both sides).
 */
#include "config.h"

#include <string.h>

#include <check.h>
#include <glib.h>

#include "devices/ioport.h"
#include "devices/vga.h"
#include "tests/unit/suites.h"

enum {
    GUARD = 64,
    GUARD_BYTE = 0x5a,
    VRAM_SIZE = 256 * 1024,
};

static uint8_t *buffer;
static uint8_t *vram;
static size_t vram_size;
static Vga *vga;

static void make(size_t size)
{
    vram_size = size;
    buffer = g_malloc(size + 2 * GUARD);
    memset(buffer, GUARD_BYTE, size + 2 * GUARD);
    vram = buffer + GUARD;
    memset(vram, 0, size);
    vga = vga_new(vram, size);
}

static void setup(void)
{
    make(VRAM_SIZE);
}

static void teardown(void)
{
    vga_free(vga);
    g_free(buffer);
}

static void guards_intact(void)
{
    for (size_t i = 0; i < GUARD; i++) {
        ck_assert_uint_eq(buffer[i], GUARD_BYTE);
        ck_assert_uint_eq(buffer[GUARD + vram_size + i], GUARD_BYTE);
    }
}

static void out(uint16_t port, uint8_t value)
{
    vga_ioport_write(vga, port, value);
}

static uint8_t in(uint16_t port)
{
    return vga_ioport_read(vga, port);
}

static void sr(uint8_t index, uint8_t value)
{
    out(0x3c4, index);
    out(0x3c5, value);
}

static void gr(uint8_t index, uint8_t value)
{
    out(0x3ce, index);
    out(0x3cf, value);
}

/* Planar graphics: 64K window at 0xA0000, all planes, bit mask all. */
static void planar(void)
{
    sr(0x04, 0x06);
    sr(0x02, 0x0f);
    gr(0x05, 0x00);
    gr(0x06, 0x05);
    gr(0x08, 0xff);
}

static void set_planes(uint32_t offset, uint8_t p0, uint8_t p1, uint8_t p2,
                       uint8_t p3)
{
    vram[offset * 4] = p0;
    vram[offset * 4 + 1] = p1;
    vram[offset * 4 + 2] = p2;
    vram[offset * 4 + 3] = p3;
}

static void planes_eq(uint32_t offset, uint8_t p0, uint8_t p1, uint8_t p2,
                      uint8_t p3)
{
    ck_assert_uint_eq(vram[offset * 4], p0);
    ck_assert_uint_eq(vram[offset * 4 + 1], p1);
    ck_assert_uint_eq(vram[offset * 4 + 2], p2);
    ck_assert_uint_eq(vram[offset * 4 + 3], p3);
}

/* QEMU 7.2 after reset: MSR 0 selects mono, so 0x3Dx floats. */
START_TEST(test_reset_mono_decode)
{
    ck_assert_uint_eq(in(0x3cc), 0x00);
    ck_assert_uint_eq(in(0x3d4), 0xff);
    ck_assert_uint_eq(in(0x3da), 0xff);
    ck_assert_uint_eq(in(0x3b4), 0x00);
    ck_assert_uint_eq(in(0x3ba), 0x09);
    ck_assert_uint_eq(in(0x3ba), 0x00);
    ck_assert_uint_eq(in(0x3ba), 0x09);
    ck_assert_uint_eq(in(0x3c6), 0x00);
    ck_assert_uint_eq(in(0x3c3), 0x00);
    ck_assert_uint_eq(in(0x3c2), 0x00);
}
END_TEST

START_TEST(test_misc_output_decode)
{
    out(0x3b4, 0x0c);
    out(0x3b5, 0x12);
    out(0x3c2, 0x01);
    ck_assert_uint_eq(in(0x3cc), 0x01);
    /* Mono ports float and ignore writes in colour mode. */
    ck_assert_uint_eq(in(0x3ba), 0xff);
    ck_assert_uint_eq(in(0x3b5), 0xff);
    out(0x3b4, 0x0d);
    out(0x3d4, 0x0c);
    ck_assert_uint_eq(in(0x3d5), 0x12);
    ck_assert_uint_eq(in(0x3d4), 0x0c);
    /* Bit 4 of MSR is not stored (QEMU: 0xff reads back 0xef). */
    out(0x3c2, 0xff);
    ck_assert_uint_eq(in(0x3cc), 0xef);
    /* Feature control: written at 0x3DA, read at 0x3CA, bit 4 only. */
    out(0x3da, 0xff);
    ck_assert_uint_eq(in(0x3ca), 0x10);
    out(0x3ba, 0x00);
    ck_assert_uint_eq(in(0x3ca), 0x10);
    out(0x3c2, 0x00);
    ck_assert_uint_eq(in(0x3d5), 0xff);
}
END_TEST

START_TEST(test_retrace_toggles)
{
    out(0x3c2, 0x01);
    uint8_t first = in(0x3da);
    uint8_t second = in(0x3da);
    ck_assert_uint_eq(first ^ second, 0x09);
    ck_assert_uint_eq(in(0x3da), first);
}
END_TEST

START_TEST(test_index_masks)
{
    out(0x3c4, 0xff);
    ck_assert_uint_eq(in(0x3c4), 0x07);
    out(0x3c4, 0x01);
    out(0x3c5, 0xff);
    ck_assert_uint_eq(in(0x3c5), 0x3d);
    out(0x3ce, 0xff);
    ck_assert_uint_eq(in(0x3ce), 0x0f);
    out(0x3ce, 0x05);
    out(0x3cf, 0xff);
    ck_assert_uint_eq(in(0x3cf), 0x7b);
    out(0x3c2, 0x01);
    out(0x3d4, 0xff);
    ck_assert_uint_eq(in(0x3d4), 0xff);
    /* The PEL mask reads 0 and ignores writes in QEMU's core. */
    out(0x3c6, 0x12);
    ck_assert_uint_eq(in(0x3c6), 0x00);
}
END_TEST

START_TEST(test_attribute_flip_flop)
{
    out(0x3c2, 0x01);
    (void)in(0x3da);
    out(0x3c0, 0x10);
    out(0x3c0, 0xff);
    /* AR10 bit 4 is reserved (QEMU: 0xff reads 0xef). */
    ck_assert_uint_eq(in(0x3c1), 0xef);
    /* Index write with the palette address source bit set. */
    out(0x3c0, 0x32);
    ck_assert_uint_eq(in(0x3c0), 0x00); /* data phase reads 0 */
    out(0x3c0, 0xff);
    ck_assert_uint_eq(in(0x3c0), 0x32);
    ck_assert_uint_eq(in(0x3c1), 0x3f); /* palette entries: 6 bits */
    /* Reading input status 1 returns to the index phase. */
    out(0x3c0, 0x05);
    (void)in(0x3da);
    out(0x3c0, 0x12);
    ck_assert_uint_eq(in(0x3c0), 0x00);
    out(0x3c0, 0xff);
    ck_assert_uint_eq(in(0x3c0), 0x12);
    ck_assert_uint_eq(in(0x3c1), 0x3f);
    /* AR15 and beyond: writes ignored, data reads 0. */
    (void)in(0x3da);
    out(0x3c0, 0x1f);
    out(0x3c0, 0xff);
    ck_assert_uint_eq(in(0x3c1), 0x00);
}
END_TEST

START_TEST(test_crtc_protection)
{
    out(0x3c2, 0x01);
    out(0x3d4, 0x00);
    out(0x3d5, 0x5f);
    out(0x3d4, 0x11);
    out(0x3d5, 0x80);
    out(0x3d4, 0x00);
    out(0x3d5, 0x55);
    ck_assert_uint_eq(in(0x3d5), 0x5f);
    out(0x3d4, 0x07);
    out(0x3d5, 0xff);
    ck_assert_uint_eq(in(0x3d5), 0x10); /* only bit 4 (QEMU) */
    out(0x3d5, 0x00);
    ck_assert_uint_eq(in(0x3d5), 0x00);
    out(0x3d4, 0x08);
    out(0x3d5, 0x42);
    ck_assert_uint_eq(in(0x3d5), 0x42);
    out(0x3d4, 0x11);
    out(0x3d5, 0x00);
    out(0x3d4, 0x00);
    out(0x3d5, 0x55);
    ck_assert_uint_eq(in(0x3d5), 0x55);
}
END_TEST

START_TEST(test_dac_sequences)
{
    /* The QEMU 7.2 sequence: a partial fourth write is not committed. */
    out(0x3c8, 5);
    out(0x3c9, 0x11);
    out(0x3c9, 0x22);
    out(0x3c9, 0x33);
    out(0x3c9, 0x44);
    ck_assert_uint_eq(in(0x3c8), 6);
    ck_assert_uint_eq(in(0x3c7), 0);
    out(0x3c7, 5);
    ck_assert_uint_eq(in(0x3c7), 3);
    ck_assert_uint_eq(in(0x3c9), 0x11);
    ck_assert_uint_eq(in(0x3c9), 0x22);
    ck_assert_uint_eq(in(0x3c9), 0x33);
    ck_assert_uint_eq(in(0x3c9), 0x00);
    ck_assert_uint_eq(in(0x3c8), 6);
    ck_assert_uint_eq(vga->dac_read_index, 6);
    ck_assert_uint_eq(vga->dac_sub_index, 1);
    /* Writing an index restarts the sub-index. */
    out(0x3c8, 255);
    out(0x3c9, 1);
    out(0x3c9, 2);
    out(0x3c9, 3);
    ck_assert_uint_eq(in(0x3c8), 0); /* wraps */
    ck_assert_uint_eq(vga->palette[765], 1);
    ck_assert_uint_eq(vga->palette[767], 3);
}
END_TEST

START_TEST(test_dac_hostile_sub_index)
{
    vga->dac_sub_index = 200;
    vga->dac_read_index = 255;
    vga->dac_write_index = 255;
    (void)in(0x3c9);
    ck_assert_uint_lt(vga->dac_sub_index, 3);
    vga->dac_sub_index = 200;
    out(0x3c9, 7);
    ck_assert_uint_lt(vga->dac_sub_index, 3);
}
END_TEST

START_TEST(test_write_mode0)
{
    planar();
    /* Plain write: all four planes take the byte. */
    vga_mem_write(vga, 0, 0xa5);
    planes_eq(0, 0xa5, 0xa5, 0xa5, 0xa5);
    gr(0x04, 2);
    ck_assert_uint_eq(vga_mem_read(vga, 0), 0xa5);
    /* Set/reset on planes 0 and 2, value 1 for plane 0 only. */
    gr(0x01, 0x05);
    gr(0x00, 0x01);
    vga_mem_write(vga, 1, 0xa5);
    planes_eq(1, 0xff, 0xa5, 0x00, 0xa5);
    gr(0x01, 0x00);
    /* Rotate right by 1: 0x03 becomes 0x81. */
    gr(0x03, 0x01);
    vga_mem_write(vga, 2, 0x03);
    planes_eq(2, 0x81, 0x81, 0x81, 0x81);
    /* Bit mask 0x0f keeps the latched high nibble (latch from read). */
    gr(0x03, 0x00);
    set_planes(3, 0xf0, 0xe0, 0xd0, 0xc0);
    (void)vga_mem_read(vga, 3);
    gr(0x08, 0x0f);
    vga_mem_write(vga, 3, 0x05);
    planes_eq(3, 0xf5, 0xe5, 0xd5, 0xc5);
    /* Map mask: only planes 1 and 3. */
    gr(0x08, 0xff);
    sr(0x02, 0x0a);
    vga_mem_write(vga, 4, 0x77);
    planes_eq(4, 0x00, 0x77, 0x00, 0x77);
}
END_TEST

START_TEST(test_logical_functions)
{
    planar();
    set_planes(0, 0x0f, 0xff, 0x00, 0x3c);
    static const struct {
        uint8_t gr3;
        uint8_t p[4];
    } cases[] = {
        { 0x08, { 0x0c, 0xcc, 0x00, 0x0c } }, /* AND */
        { 0x10, { 0xcf, 0xff, 0xcc, 0xfc } }, /* OR */
        { 0x18, { 0xc3, 0x33, 0xcc, 0xf0 } }, /* XOR */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        set_planes(1, 0x0f, 0xff, 0x00, 0x3c);
        (void)vga_mem_read(vga, 1);
        gr(0x03, cases[i].gr3);
        vga_mem_write(vga, 1, 0xcc);
        planes_eq(1, cases[i].p[0], cases[i].p[1], cases[i].p[2],
                  cases[i].p[3]);
    }
}
END_TEST

START_TEST(test_write_mode1)
{
    planar();
    set_planes(0, 0x12, 0x34, 0x56, 0x78);
    (void)vga_mem_read(vga, 0);
    gr(0x05, 0x01);
    gr(0x08, 0x00); /* the bit mask does not apply in mode 1 */
    vga_mem_write(vga, 9, 0xff);
    planes_eq(9, 0x12, 0x34, 0x56, 0x78);
}
END_TEST

START_TEST(test_write_mode2)
{
    planar();
    set_planes(0, 0x0f, 0x0f, 0x0f, 0x0f);
    (void)vga_mem_read(vga, 0);
    gr(0x05, 0x02);
    gr(0x08, 0xf0);
    /* Colour 5: planes 0 and 2 set, 1 and 3 clear, under the mask. */
    vga_mem_write(vga, 0, 0x05);
    planes_eq(0, 0xff, 0x0f, 0xff, 0x0f);
}
END_TEST

START_TEST(test_write_mode3)
{
    planar();
    set_planes(0, 0x81, 0x81, 0x81, 0x81);
    (void)vga_mem_read(vga, 0);
    gr(0x05, 0x03);
    gr(0x00, 0x0c);
    gr(0x08, 0xf0);
    /* Bit mask = GR8 & data (0xf0 & 0x3c = 0x30); colour from GR0. */
    vga_mem_write(vga, 0, 0x3c);
    planes_eq(0, 0x81, 0x81, 0xb1, 0xb1);
}
END_TEST

START_TEST(test_read_modes)
{
    planar();
    set_planes(0, 0xf0, 0xcc, 0xaa, 0x00);
    for (uint8_t plane = 0; plane < 4; plane++) {
        gr(0x04, plane);
        ck_assert_uint_eq(vga_mem_read(vga, 0), vram[plane]);
    }
    ck_assert_uint_eq(vga->latch, 0x00aaccf0u);
    /* Read mode 1, colour 1 on all planes: only bit 4 is 1,0,0,0. */
    gr(0x05, 0x08);
    gr(0x02, 0x01);
    gr(0x07, 0x0f);
    ck_assert_uint_eq(vga_mem_read(vga, 0), 0x10);
    /* Don't care on planes 1-3: plane 0 alone decides. */
    gr(0x07, 0x01);
    ck_assert_uint_eq(vga_mem_read(vga, 0), 0xf0);
    /* Caring for nothing matches everywhere. */
    gr(0x07, 0x00);
    ck_assert_uint_eq(vga_mem_read(vga, 0), 0xff);
}
END_TEST

START_TEST(test_chain4)
{
    sr(0x04, 0x0e);
    sr(0x02, 0x0f);
    gr(0x06, 0x05);
    for (uint32_t i = 0; i < 8; i++) {
        vga_mem_write(vga, i, (uint8_t)(0x10 + i));
    }
    for (uint32_t i = 0; i < 8; i++) {
        ck_assert_uint_eq(vram[i], 0x10 + i);
        ck_assert_uint_eq(vga_mem_read(vga, i), 0x10 + i);
    }
    /* The map mask selects by address bits 0-1. */
    sr(0x02, 0x01);
    vga_mem_write(vga, 4, 0xee);
    vga_mem_write(vga, 5, 0xee);
    ck_assert_uint_eq(vram[4], 0xee);
    ck_assert_uint_eq(vram[5], 0x15);
}
END_TEST

START_TEST(test_odd_even)
{
    /* Text mode: window at 0xB8000, odd/even, planes 0 and 1. */
    sr(0x04, 0x02);
    sr(0x02, 0x03);
    gr(0x05, 0x10);
    gr(0x06, 0x0e);
    vga_mem_write(vga, 0x18000, 'A');
    vga_mem_write(vga, 0x18001, 0x07);
    vga_mem_write(vga, 0x18002, 'B');
    ck_assert_uint_eq(vram[0], 'A');
    ck_assert_uint_eq(vram[1], 0x07);
    ck_assert_uint_eq(vram[4], 'B');
    ck_assert_uint_eq(vga_mem_read(vga, 0x18001), 0x07);
    ck_assert_uint_eq(vga_mem_read(vga, 0x18002), 'B');
    /* GR4 bit 1 selects planes 2/3 (QEMU 7.2 applies it to writes). */
    sr(0x02, 0x04);
    gr(0x04, 0x02);
    vga_mem_write(vga, 0x18000, 0x99);
    vga_mem_write(vga, 0x18001, 0x98); /* plane 3 masked off */
    ck_assert_uint_eq(vram[2], 0x99);
    ck_assert_uint_eq(vram[3], 0x00);
    ck_assert_uint_eq(vga_mem_read(vga, 0x18000), 0x99);
}
END_TEST

START_TEST(test_memory_maps)
{
    sr(0x04, 0x0e);
    sr(0x02, 0x0f);
    gr(0x06, 0x00); /* 128K at 0xA0000 */
    vga_mem_write(vga, 0x1ffff, 0x11);
    ck_assert_uint_eq(vram[0x1ffff], 0x11);
    gr(0x06, 0x04); /* 64K at 0xA0000 */
    ck_assert_uint_eq(vga_mem_read(vga, 0x10000), 0xff);
    vga_mem_write(vga, 0x10000, 0x22);
    ck_assert_uint_eq(vram[0x10000], 0x00);
    gr(0x06, 0x08); /* 32K at 0xB0000 */
    ck_assert_uint_eq(vga_mem_read(vga, 0x0000), 0xff);
    vga_mem_write(vga, 0x10005, 0x33);
    ck_assert_uint_eq(vram[5], 0x33);
    ck_assert_uint_eq(vga_mem_read(vga, 0x18000), 0xff);
    gr(0x06, 0x0c); /* 32K at 0xB8000 */
    ck_assert_uint_eq(vga_mem_read(vga, 0x18005), 0x33);
    ck_assert_uint_eq(vga_mem_read(vga, 0x10005), 0xff);
}
END_TEST

START_TEST(test_reset_keeps_vram)
{
    memset(vram, 0x6b, vram_size);
    planar();
    vga_reset(vga);
    ck_assert_uint_eq(vram[0], 0x6b);
    ck_assert_uint_eq(vram[vram_size - 1], 0x6b);
    ck_assert_uint_eq(vga->gr[0x06], 0);
    ck_assert_uint_eq(vga->sr[0x04], 0);
}
END_TEST

/* Every mode, every map and extreme bank offsets on a small VRAM. */
START_TEST(test_bounds_hostile)
{
    teardown();
    make(0x1000);
    static const int32_t banks[] = { 0, 0xff0, 0x7fffffff, -0x7fffffff, -1 };
    static const uint8_t modes[] = { 0x00, 0x01, 0x02, 0x03, 0x08, 0x10 };
    static const uint8_t seq[] = { 0x00, 0x06, 0x0e, 0x02 };
    for (size_t b = 0; b < G_N_ELEMENTS(banks); b++) {
        for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
            for (size_t s = 0; s < G_N_ELEMENTS(seq); s++) {
                for (uint8_t map = 0; map < 4; map++) {
                    vga->bank_offset = banks[b];
                    sr(0x04, seq[s]);
                    sr(0x02, 0x0f);
                    gr(0x05, modes[m]);
                    gr(0x06, (uint8_t)(map << 2));
                    gr(0x08, 0xff);
                    gr(0x04, 3);
                    for (uint32_t a = 0; a < VGA_WINDOW_SIZE; a += 0x3f7) {
                        vga_mem_write(vga, a, 0xc3);
                        (void)vga_mem_read(vga, a);
                    }
                    vga_mem_write(vga, 0x1ffff, 0xc3);
                    vga_mem_write(vga, 0xffffffffu, 0xc3);
                }
            }
        }
    }
    guards_intact();
}
END_TEST

/* Random port and window traffic: no crash, nothing outside VRAM. */
START_TEST(test_bounds_random)
{
    teardown();
    make(0x2000);
    GRand *rand = g_rand_new_with_seed(0x56474100u);
    for (unsigned i = 0; i < 200000; i++) {
        uint32_t pick = g_rand_int(rand);
        uint16_t port = (uint16_t)(0x3b0 + (pick % 0x30));
        uint8_t value = (uint8_t)(pick >> 8);
        uint32_t addr = g_rand_int_range(rand, 0, VGA_WINDOW_SIZE);
        switch (pick >> 29) {
        case 0:
        case 1:
            out(port, value);
            break;
        case 2:
            (void)in(port);
            break;
        case 3:
            vga->bank_offset = (int32_t)g_rand_int(rand);
            break;
        case 4:
            (void)vga_mem_read(vga, addr);
            break;
        default:
            vga_mem_write(vga, addr, value);
            break;
        }
    }
    g_rand_free(rand);
    guards_intact();
}
END_TEST

START_TEST(test_dispatcher_wiring)
{
    IoDispatcher *io = io_dispatcher_new();
    GError *error = NULL;
    ck_assert(vga_register(vga, io, &error));
    ck_assert_ptr_null(error);
    ck_assert_uint_eq(io_port_read(io, 0x3b0, 1), 0xff); /* unclaimed */
    io_port_write(io, 0x3c2, 0x01, 1);
    ck_assert_uint_eq(io_port_read(io, 0x3cc, 1), 0x01);
    /* A word write to the index port writes index then data. */
    io_port_write(io, 0x3c4, 0x0f02, 2);
    io_port_write(io, 0x3c4, 0x0804, 2); /* chain-4 */
    ck_assert_uint_eq(vga->sr[2], 0x0f);
    io_port_write(io, 0x3d4, 0x4208, 2);
    ck_assert_uint_eq(vga->cr[8], 0x42);
    ck_assert_uint_eq(io_port_read(io, 0x3da, 1), 0x09);
    io_mem_write(io, 0xa0000, 0x44332211, 4);
    ck_assert_uint_eq(vram[0], 0x11);
    ck_assert_uint_eq(io_mem_read(io, 0xa0000, 4), 0x44332211);
    /* A second claim of the same ports fails cleanly. */
    Vga *other = vga_new(vram, vram_size);
    ck_assert(!vga_register(other, io, &error));
    ck_assert_ptr_nonnull(error);
    g_clear_error(&error);
    vga_free(other);
    vga_unregister(vga);
    ck_assert_uint_eq(io_port_read(io, 0x3cc, 1), 0xff);
    io_dispatcher_free(io);
}
END_TEST

Suite *vga_suite(void)
{
    Suite *s = suite_create("vga");
    TCase *tc = tcase_create("registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_mono_decode);
    tcase_add_test(tc, test_misc_output_decode);
    tcase_add_test(tc, test_retrace_toggles);
    tcase_add_test(tc, test_index_masks);
    tcase_add_test(tc, test_attribute_flip_flop);
    tcase_add_test(tc, test_crtc_protection);
    tcase_add_test(tc, test_dac_sequences);
    tcase_add_test(tc, test_dac_hostile_sub_index);
    tcase_add_test(tc, test_dispatcher_wiring);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_write_mode0);
    tcase_add_test(tc, test_logical_functions);
    tcase_add_test(tc, test_write_mode1);
    tcase_add_test(tc, test_write_mode2);
    tcase_add_test(tc, test_write_mode3);
    tcase_add_test(tc, test_read_modes);
    tcase_add_test(tc, test_chain4);
    tcase_add_test(tc, test_odd_even);
    tcase_add_test(tc, test_memory_maps);
    tcase_add_test(tc, test_reset_keeps_vram);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bounds_hostile);
    tcase_add_test(tc, test_bounds_random);
    suite_add_tcase(s, tc);
    return s;
}
