/*
 * The I/O dispatcher: how accesses are split and widened (QEMU's memory
 * core: memory_access_size, access_with_adjusted_size), unclaimed and
 * past-the-end bytes, overlap refusal, disable and move, bad sizes.
 */
#include "config.h"

#include <gio/gio.h>

#include "devices/ioport.h"
#include "tests/unit/suites.h"

/* A register file that logs every access the dispatcher makes. */
typedef struct Access {
    bool write;
    uint64_t addr;
    unsigned size;
    uint64_t value;
} Access;

typedef struct TestDev {
    uint8_t regs[64];
    GArray *log; /* Access */
    IoDispatcher *io;
    IoRegion *region;
    bool move_on_write; /* a "BAR" that moves itself when written */
    bool unregister_on_write;
} TestDev;

static uint64_t testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    TestDev *d = opaque;
    Access a = { false, addr, size, 0 };

    for (unsigned i = 0; i < size; i++) {
        a.value |= (uint64_t)d->regs[(addr + i) % sizeof(d->regs)] << (8 * i);
    }
    g_array_append_val(d->log, a);
    /* High garbage: the dispatcher must mask it off. */
    return size < 8 ? a.value | (UINT64_C(0xdead) << (8 * size)) : a.value;
}

static void testdev_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    TestDev *d = opaque;
    Access a = { true, addr, size, value };

    g_array_append_val(d->log, a);
    for (unsigned i = 0; i < size; i++) {
        d->regs[(addr + i) % sizeof(d->regs)] = (uint8_t)(value >> (8 * i));
    }
    if (d->move_on_write) {
        ck_assert(io_region_move(d->io, d->region, 0x7000, NULL));
    }
    if (d->unregister_on_write) {
        io_unregister(d->io, d->region);
        d->region = NULL;
    }
}

static const IoOps ops_any = { testdev_read, testdev_write, 0, 0 };
static const IoOps ops_byte = { testdev_read, testdev_write, 1, 1 };
static const IoOps ops_word = { testdev_read, testdev_write, 2, 2 };
static const IoOps ops_long = { testdev_read, testdev_write, 4, 4 };
static const IoOps ops_quad = { testdev_read, testdev_write, 1, 8 };

static IoDispatcher *io;
static TestDev dev_a;
static TestDev dev_b;
static unsigned warnings;
static guint warning_handler;

static void count_warning(const gchar *domain, GLogLevelFlags level,
                          const gchar *message, gpointer data)
{
    warnings++;
}

static void testdev_init(TestDev *d)
{
    memset(d, 0, sizeof(*d));
    for (unsigned i = 0; i < sizeof(d->regs); i++) {
        d->regs[i] = (uint8_t)(0x11 * (i + 1));
    }
    d->log = g_array_new(FALSE, FALSE, sizeof(Access));
    d->io = io;
}

static void setup(void)
{
    io = io_dispatcher_new();
    testdev_init(&dev_a);
    testdev_init(&dev_b);
    warnings = 0;
    warning_handler = g_log_set_handler("devmodeld-io", G_LOG_LEVEL_WARNING,
                                        count_warning, NULL);
}

static void teardown(void)
{
    g_log_remove_handler("devmodeld-io", warning_handler);
    io_dispatcher_free(io);
    g_array_unref(dev_a.log);
    g_array_unref(dev_b.log);
}

static IoRegion *port(TestDev *d, uint16_t base, uint32_t len, const IoOps *ops)
{
    g_autoptr(GError) error = NULL;

    d->region = io_register_port(io, base, len, ops, d, "testdev", &error);
    ck_assert_msg(d->region != NULL, "%s", error ? error->message : "");
    return d->region;
}

static IoRegion *mmio(TestDev *d, uint64_t base, uint64_t len, const IoOps *ops)
{
    g_autoptr(GError) error = NULL;

    d->region = io_register_mmio(io, base, len, ops, d, "testmem", &error);
    ck_assert_msg(d->region != NULL, "%s", error ? error->message : "");
    return d->region;
}

/* The log equals the expected accesses, then is cleared. */
static void expect_log(TestDev *d, const Access *want, guint n)
{
    ck_assert_uint_eq(d->log->len, n);
    for (guint i = 0; i < n; i++) {
        const Access *a = &g_array_index(d->log, Access, i);
        ck_assert_msg(a->write == want[i].write && a->addr == want[i].addr &&
                          a->size == want[i].size &&
                          (!a->write || a->value == want[i].value),
                      "access %u: got %s 0x%" G_GINT64_MODIFIER "x/%u "
                      "0x%" G_GINT64_MODIFIER "x",
                      i, a->write ? "write" : "read", a->addr, a->size,
                      a->value);
    }
    g_array_set_size(d->log, 0);
}

#define R(addr, size)                                                          \
    {                                                                          \
        false, addr, size, 0                                                   \
    }
#define W(addr, size, value)                                                   \
    {                                                                          \
        true, addr, size, value                                                \
    }

START_TEST(test_split_to_bytes)
{
    port(&dev_a, 0x100, 4, &ops_byte);
    ck_assert_uint_eq(io_port_read(io, 0x100, 2), 0x2211);
    expect_log(&dev_a, (Access[]){ R(0, 1), R(1, 1) }, 2);
    ck_assert_uint_eq(io_port_read(io, 0x100, 4), 0x44332211);
    expect_log(&dev_a, (Access[]){ R(0, 1), R(1, 1), R(2, 1), R(3, 1) }, 4);
    io_port_write(io, 0x100, 0xa1b2c3d4, 4);
    expect_log(&dev_a,
               (Access[]){ W(0, 1, 0xd4), W(1, 1, 0xc3), W(2, 1, 0xb2),
                           W(3, 1, 0xa1) },
               4);
}
END_TEST

START_TEST(test_split_to_words)
{
    port(&dev_a, 0x100, 4, &ops_word);
    ck_assert_uint_eq(io_port_read(io, 0x100, 4), 0x44332211);
    expect_log(&dev_a, (Access[]){ R(0, 2), R(2, 2) }, 2);
}
END_TEST

/* QEMU cuts an unaligned access into aligned pieces first. */
START_TEST(test_unaligned_pieces)
{
    port(&dev_a, 0x100, 8, &ops_any);
    ck_assert_uint_eq(io_port_read(io, 0x101, 4), 0x55443322);
    expect_log(&dev_a, (Access[]){ R(1, 1), R(2, 2), R(4, 1) }, 3);
    ck_assert_uint_eq(io_port_read(io, 0x102, 4), 0x66554433);
    expect_log(&dev_a, (Access[]){ R(2, 2), R(4, 2) }, 2);
    ck_assert_uint_eq(io_port_read(io, 0x104, 4), 0x88776655);
    expect_log(&dev_a, (Access[]){ R(4, 4) }, 1);
}
END_TEST

START_TEST(test_widen_read)
{
    port(&dev_a, 0x100, 8, &ops_long);
    ck_assert_uint_eq(io_port_read(io, 0x101, 1), 0x22);
    expect_log(&dev_a, (Access[]){ R(0, 4) }, 1);
    ck_assert_uint_eq(io_port_read(io, 0x106, 1), 0x77);
    expect_log(&dev_a, (Access[]){ R(4, 4) }, 1);
    ck_assert_uint_eq(io_port_read(io, 0x102, 2), 0x4433);
    expect_log(&dev_a, (Access[]){ R(0, 4) }, 1);
    ck_assert_uint_eq(io_port_read(io, 0x100, 4), 0x44332211);
    expect_log(&dev_a, (Access[]){ R(0, 4) }, 1);
}
END_TEST

/* A narrow write is widened by shifting, never read-modify-write. */
START_TEST(test_widen_write)
{
    port(&dev_a, 0x100, 8, &ops_long);
    io_port_write(io, 0x102, 0xab, 1);
    expect_log(&dev_a, (Access[]){ W(0, 4, 0x00ab0000) }, 1);
    io_port_write(io, 0x106, 0xbeef, 2);
    expect_log(&dev_a, (Access[]){ W(4, 4, 0xbeef0000) }, 1);
    io_port_write(io, 0x100, 0x1ff, 1); /* the value is cut to the width */
    expect_log(&dev_a, (Access[]){ W(0, 4, 0xff) }, 1);
}
END_TEST

START_TEST(test_unclaimed)
{
    ck_assert_uint_eq(io_port_read(io, 0x80, 1), 0xff);
    ck_assert_uint_eq(io_port_read(io, 0x80, 2), 0xffff);
    ck_assert_uint_eq(io_port_read(io, 0x80, 4), 0xffffffff);
    io_port_write(io, 0x80, 0x12345678, 4);
    ck_assert_uint_eq(io_mem_read(io, 0xfebff000, 8), UINT64_MAX);
    ck_assert_uint_eq(io_mem_read(io, 0, 1), 0xff);
    io_mem_write(io, 0, 0x1234, 2);
}
END_TEST

START_TEST(test_straddle_region_end)
{
    port(&dev_a, 0x100, 2, &ops_any);
    ck_assert_uint_eq(io_port_read(io, 0x100, 4), 0xffff2211);
    expect_log(&dev_a, (Access[]){ R(0, 2) }, 1);
    ck_assert_uint_eq(io_port_read(io, 0xff, 4), 0xff2211ff);
    expect_log(&dev_a, (Access[]){ R(0, 2) }, 1);
    io_port_write(io, 0xff, 0xa1b2c3d4, 4);
    expect_log(&dev_a, (Access[]){ W(0, 2, 0xb2c3) }, 1);
}
END_TEST

START_TEST(test_span_two_regions)
{
    port(&dev_a, 0x100, 2, &ops_any);
    port(&dev_b, 0x102, 2, &ops_any);
    ck_assert_uint_eq(io_port_read(io, 0x100, 4), 0x22112211);
    expect_log(&dev_a, (Access[]){ R(0, 2) }, 1);
    expect_log(&dev_b, (Access[]){ R(0, 2) }, 1);
    mmio(&dev_a, 0x1000, 4, &ops_quad);
    mmio(&dev_b, 0x1006, 2, &ops_quad);
    ck_assert_uint_eq(io_mem_read(io, 0x1000, 8), 0x2211ffff44332211);
    expect_log(&dev_a, (Access[]){ R(0, 4) }, 1);
    expect_log(&dev_b, (Access[]){ R(0, 2) }, 1);
}
END_TEST

/* QEMU 7.2: inl 0xfffe -> 0xffff, inw 0xffff -> 0x00ff. */
START_TEST(test_past_end_of_space)
{
    ck_assert_uint_eq(io_port_read(io, 0xfffe, 4), 0x0000ffff);
    ck_assert_uint_eq(io_port_read(io, 0xffff, 2), 0x00ff);
    ck_assert_uint_eq(io_mem_read(io, UINT64_MAX - 3, 8), 0xffffffff);
    port(&dev_a, 0xfffe, 2, &ops_byte);
    ck_assert_uint_eq(io_port_read(io, 0xfffe, 4), 0x2211);
    expect_log(&dev_a, (Access[]){ R(0, 1), R(1, 1) }, 2);
    io_port_write(io, 0xffff, 0xa1b2c3d4, 4);
    expect_log(&dev_a, (Access[]){ W(1, 1, 0xd4) }, 1);
    mmio(&dev_b, UINT64_MAX, 1, &ops_any);
    ck_assert_uint_eq(io_mem_read(io, UINT64_MAX, 2), 0x11);
    expect_log(&dev_b, (Access[]){ R(0, 1) }, 1);
}
END_TEST

START_TEST(test_quad_access)
{
    mmio(&dev_a, 0x1000, 16, &ops_quad);
    ck_assert_uint_eq(io_mem_read(io, 0x1008, 8), 0x10ffeeddccbbaa99);
    expect_log(&dev_a, (Access[]){ R(8, 8) }, 1);
    io_mem_write(io, 0x1000, 0x0102030405060708, 8);
    expect_log(&dev_a, (Access[]){ W(0, 8, 0x0102030405060708) }, 1);
    /* Default max 4: a readq becomes two readl, low first. */
    mmio(&dev_b, 0x2000, 8, &ops_any);
    ck_assert_uint_eq(io_mem_read(io, 0x2000, 8), 0x8877665544332211);
    expect_log(&dev_b, (Access[]){ R(0, 4), R(4, 4) }, 2);
}
END_TEST

START_TEST(test_overlap_refused)
{
    g_autoptr(GError) error = NULL;

    port(&dev_a, 0x60, 1, &ops_any);
    ck_assert_ptr_null(
        io_register_port(io, 0x5f, 2, &ops_any, &dev_b, "other", &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_EXISTS));
    ck_assert_ptr_nonnull(strstr(error->message, "other"));
    ck_assert_ptr_nonnull(strstr(error->message, "testdev"));
    g_clear_error(&error);
    /* Neighbours on both sides are fine. */
    port(&dev_b, 0x61, 1, &ops_any);
    ck_assert_ptr_nonnull(
        io_register_port(io, 0x5f, 1, &ops_any, &dev_b, "below", &error));
    /* Ports and memory are separate spaces. */
    mmio(&dev_a, 0x60, 1, &ops_any);
    ck_assert_ptr_null(
        io_register_mmio(io, 0, 0x1000, &ops_any, &dev_b, "big", &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_EXISTS));
}
END_TEST

START_TEST(test_bad_registrations)
{
    g_autoptr(GError) error = NULL;
    static const IoOps odd = { testdev_read, testdev_write, 3, 4 };
    static const IoOps reversed = { testdev_read, testdev_write, 4, 2 };

    ck_assert_ptr_null(io_register_port(io, 0xffff, 2, &ops_any, &dev_a,
                                        "past the end", &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    ck_assert_ptr_null(
        io_register_port(io, 0x10, 0, &ops_any, &dev_a, "empty", &error));
    g_clear_error(&error);
    ck_assert_ptr_null(
        io_register_mmio(io, UINT64_MAX, 2, &ops_any, &dev_a, "wraps", &error));
    g_clear_error(&error);
    ck_assert_ptr_null(
        io_register_port(io, 0x10, 4, &odd, &dev_a, "odd", &error));
    g_clear_error(&error);
    ck_assert_ptr_null(
        io_register_port(io, 0x10, 4, &reversed, &dev_a, "reversed", &error));
    g_clear_error(&error);
    ck_assert_ptr_nonnull(
        io_register_port(io, 0xffff, 1, &ops_any, &dev_a, "last port", &error));
}
END_TEST

START_TEST(test_disable)
{
    port(&dev_a, 0x100, 4, &ops_any);
    io_region_set_enabled(dev_a.region, false);
    ck_assert_uint_eq(io_port_read(io, 0x100, 1), 0xff);
    io_port_write(io, 0x100, 0, 1);
    expect_log(&dev_a, NULL, 0);
    /* A disabled region does not block a newcomer... */
    port(&dev_b, 0x100, 4, &ops_any);
    ck_assert_uint_eq(io_port_read(io, 0x100, 1), 0x11);
    expect_log(&dev_b, (Access[]){ R(0, 1) }, 1);
    /*
     * ...which keeps decoding when the first comes back.  A guest moving
     * BARs can do this at will, so it is logged at debug level only.
     */
    io_region_set_enabled(dev_a.region, true);
    ck_assert_uint_eq(warnings, 0);
    ck_assert_uint_eq(io_port_read(io, 0x100, 1), 0x11);
    expect_log(&dev_b, (Access[]){ R(0, 1) }, 1);
    expect_log(&dev_a, NULL, 0);
    /* Once the newcomer goes, the first decodes again. */
    io_unregister(io, dev_b.region);
    ck_assert_uint_eq(io_port_read(io, 0x100, 1), 0x11);
    expect_log(&dev_a, (Access[]){ R(0, 1) }, 1);
    io_region_set_enabled(dev_a.region, true); /* no change, no warning */
    ck_assert_uint_eq(warnings, 0);
}
END_TEST

START_TEST(test_move)
{
    g_autoptr(GError) error = NULL;

    mmio(&dev_a, 0xe0000000, 0x10, &ops_any);
    mmio(&dev_b, 0xe0001000, 0x10, &ops_any);
    ck_assert(io_region_move(io, dev_a.region, 0xe0002000, &error));
    ck_assert_uint_eq(io_mem_read(io, 0xe0000000, 1), 0xff);
    ck_assert_uint_eq(io_mem_read(io, 0xe0002001, 1), 0x22);
    expect_log(&dev_a, (Access[]){ R(1, 1) }, 1);
    /* Onto b: refused, naming both, and a stays where it was. */
    ck_assert(!io_region_move(io, dev_a.region, 0xe0001008, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_EXISTS));
    g_clear_error(&error);
    ck_assert_uint_eq(io_mem_read(io, 0xe0002000, 1), 0x11);
    expect_log(&dev_a, (Access[]){ R(0, 1) }, 1);
    /* Out of the space: refused. */
    ck_assert(!io_region_move(io, dev_a.region, UINT64_MAX - 2, &error));
    g_clear_error(&error);
    /* A disabled BAR may be programmed anywhere (BIOS sizing). */
    io_region_set_enabled(dev_a.region, false);
    ck_assert(io_region_move(io, dev_a.region, 0xe0001000, &error));
    ck_assert_uint_eq(io_mem_read(io, 0xe0001000, 1), 0x11);
    expect_log(&dev_b, (Access[]){ R(0, 1) }, 1);
    expect_log(&dev_a, NULL, 0);
}
END_TEST

/* Many regions: the bisection finds each, and the gaps between them. */
START_TEST(test_many_regions)
{
    static const IoOps ops = { testdev_read, testdev_write, 1, 1 };
    TestDev *devs = g_new0(TestDev, 40);
    static char names[40][16]; /* region names outlive the test body */

    /* Registered out of order, two ports each with a gap of two. */
    for (unsigned k = 0; k < 40; k++) {
        unsigned i = (k * 17) % 40;
        testdev_init(&devs[i]);
        devs[i].regs[0] = (uint8_t)i;
        g_snprintf(names[i], sizeof(names[i]), "dev%u", i);
        ck_assert_ptr_nonnull(io_register_port(io, (uint16_t)(0x400 + 4 * i), 2,
                                               &ops, &devs[i], names[i], NULL));
    }
    for (unsigned i = 0; i < 40; i++) {
        ck_assert_uint_eq(io_port_read(io, (uint16_t)(0x400 + 4 * i), 1), i);
        ck_assert_uint_eq(io_port_read(io, (uint16_t)(0x402 + 4 * i), 2),
                          0xffff);
        ck_assert_uint_eq(io_port_read(io, (uint16_t)(0x401 + 4 * i), 2),
                          0xff00 | devs[i].regs[1]);
    }
    ck_assert_uint_eq(io_port_read(io, 0x3ff, 1), 0xff);
    for (unsigned i = 0; i < 40; i++) {
        g_array_unref(devs[i].log);
    }
    g_free(devs);
}
END_TEST

/* Callbacks may move or drop their region in the middle of an access. */
START_TEST(test_remap_during_access)
{
    port(&dev_a, 0x100, 4, &ops_byte);
    dev_a.move_on_write = true;
    io_port_write(io, 0x100, 0xa1b2c3d4, 4);
    expect_log(&dev_a, (Access[]){ W(0, 1, 0xd4) }, 1);
    ck_assert_uint_eq(io_port_read(io, 0x7001, 1), 0x22);
    dev_a.move_on_write = false;

    port(&dev_b, 0x200, 4, &ops_byte);
    dev_b.unregister_on_write = true;
    io_port_write(io, 0x200, 0xa1b2c3d4, 4);
    expect_log(&dev_b, (Access[]){ W(0, 1, 0xd4) }, 1);
    ck_assert_uint_eq(io_port_read(io, 0x200, 4), 0xffffffff);
}
END_TEST

START_TEST(test_bad_sizes)
{
    port(&dev_a, 0x100, 8, &ops_any);
    ck_assert_uint_eq(io_port_read(io, 0x100, 3), 0xffffffff);
    ck_assert_uint_eq(io_port_read(io, 0x100, 8), 0xffffffff);
    io_port_write(io, 0x100, 0, 0);
    ck_assert_uint_eq(io_mem_read(io, 0, 16), UINT64_MAX);
    io_mem_write(io, 0, 0, 5);
    expect_log(&dev_a, NULL, 0);
    ck_assert_uint_eq(warnings, 1); /* once */
}
END_TEST

START_TEST(test_null_ops)
{
    static const IoOps write_only = { NULL, testdev_write, 1, 4 };
    static const IoOps read_only = { testdev_read, NULL, 1, 4 };

    port(&dev_a, 0x100, 4, &write_only);
    port(&dev_b, 0x104, 4, &read_only);
    ck_assert_uint_eq(io_port_read(io, 0x100, 4), 0xffffffff);
    io_port_write(io, 0x104, 0, 4);
    ck_assert_uint_eq(io_port_read(io, 0x104, 2), 0x2211);
    io_unregister(io, NULL);
    io_dispatcher_free(NULL);
}
END_TEST

Suite *ioport_suite(void)
{
    Suite *s = suite_create("ioport");
    TCase *tc = tcase_create("access sizes");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_split_to_bytes);
    tcase_add_test(tc, test_split_to_words);
    tcase_add_test(tc, test_unaligned_pieces);
    tcase_add_test(tc, test_widen_read);
    tcase_add_test(tc, test_widen_write);
    tcase_add_test(tc, test_quad_access);
    tcase_add_test(tc, test_bad_sizes);
    tcase_add_test(tc, test_null_ops);
    suite_add_tcase(s, tc);

    tc = tcase_create("decoding");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_unclaimed);
    tcase_add_test(tc, test_straddle_region_end);
    tcase_add_test(tc, test_span_two_regions);
    tcase_add_test(tc, test_past_end_of_space);
    tcase_add_test(tc, test_many_regions);
    suite_add_tcase(s, tc);

    tc = tcase_create("regions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_overlap_refused);
    tcase_add_test(tc, test_bad_registrations);
    tcase_add_test(tc, test_disable);
    tcase_add_test(tc, test_move);
    tcase_add_test(tc, test_remap_during_access);
    suite_add_tcase(s, tc);
    return s;
}
