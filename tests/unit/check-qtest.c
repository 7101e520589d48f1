/*
 * The qtest protocol without sockets: every command's reply format as
 * QEMU 7.2 prints it (observed with qemu-system-x86_64 -qtest), every
 * malformed line QEMU aborts on answered with FAIL, the IRQ intercept
 * texts, and IRQ lines queued before the reply of the request that caused
 * them.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "daemon/machine.h"
#include "daemon/qtest.h"
#include "tests/unit/suites.h"

enum {
    IRQDEV_PORT = 0x500, /* bit 0 of a write drives ISA IRQ 1, at +1 IRQ 12 */
    REGS_PORT = 0x510,   /* four byte registers */
    MEM_BASE = 0xfe000000,
    MEM_SIZE = 0x100,
};

typedef struct Access {
    uint64_t addr;
    unsigned size;
} Access;

static Machine *machine;
static GString *out;
static QtestSession *session;
static unsigned wakes;
static uint8_t regs[4];
static uint8_t mem[MEM_SIZE];
static GArray *mem_writes; /* Access */

static IrqLine *irqdev_line(uint64_t addr)
{
    return &machine->isa_irq[addr == 0 ? 1 : 12];
}

static uint64_t irqdev_read(void *opaque, uint64_t addr, unsigned size)
{
    return irqdev_line(addr)->level;
}

static void irqdev_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    irq_set(irqdev_line(addr), value & 1);
}

static uint64_t regs_read(void *opaque, uint64_t addr, unsigned size)
{
    return regs[addr];
}

static void regs_write(void *opaque, uint64_t addr, uint64_t value,
                       unsigned size)
{
    regs[addr] = (uint8_t)value;
}

static uint64_t mem_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t value = 0;

    for (unsigned i = 0; i < size; i++) {
        value |= (uint64_t)mem[addr + i] << (8 * i);
    }
    return value;
}

static void mem_write(void *opaque, uint64_t addr, uint64_t value,
                      unsigned size)
{
    Access a = { addr, size };

    g_array_append_val(mem_writes, a);
    for (unsigned i = 0; i < size; i++) {
        mem[addr + i] = (uint8_t)(value >> (8 * i));
    }
}

static const IoOps irqdev_ops = { irqdev_read, irqdev_write, 1, 1 };
static const IoOps regs_ops = { regs_read, regs_write, 1, 1 };
static const IoOps mem_ops = { mem_read, mem_write, 1, 8 };

static void count_wake(void *opaque)
{
    wakes++;
}

static void setup(void)
{
    machine = machine_new(MACHINE_TYPE_PC, 0, 1);
    ck_assert_ptr_nonnull(io_register_port(machine->io, IRQDEV_PORT, 2,
                                           &irqdev_ops, NULL, "irqdev", NULL));
    ck_assert_ptr_nonnull(io_register_port(machine->io, REGS_PORT, 4, &regs_ops,
                                           NULL, "regs", NULL));
    ck_assert_ptr_nonnull(io_register_mmio(machine->io, MEM_BASE, MEM_SIZE,
                                           &mem_ops, NULL, "mem", NULL));
    memset(regs, 0, sizeof(regs));
    memset(mem, 0, sizeof(mem));
    mem_writes = g_array_new(FALSE, FALSE, sizeof(Access));
    out = g_string_new(NULL);
    session = qtest_session_new(machine, out, count_wake, NULL);
    wakes = 0;
}

static void teardown(void)
{
    qtest_session_free(session);
    g_string_free(out, TRUE);
    g_array_unref(mem_writes);
    machine_free(machine);
}

/* Feeds one request; what the session wrote (IRQ lines, reply, "\n"). */
static char *turn(const char *line)
{
    char *text;

    qtest_session_feed(session, line, strlen(line));
    text = g_strdup(out->str);
    g_string_truncate(out, 0);
    return text;
}

#define expect(line, want)                                                     \
    do {                                                                       \
        g_autofree char *got_ = turn(line);                                    \
        ck_assert_msg(strcmp(got_, want "\n") == 0,                            \
                      "'%s': got '%s', want '%s'", line, got_, want);          \
    } while (0)

#define expect_prefix(line, want)                                              \
    do {                                                                       \
        g_autofree char *got_ = turn(line);                                    \
        ck_assert_msg(g_str_has_prefix(got_, want) &&                          \
                          strchr(got_, '\n') == got_ + strlen(got_) - 1,       \
                      "'%s': got '%s', want '%s...'", line, got_, want);       \
    } while (0)

START_TEST(test_endianness)
{
    expect("endianness", "OK little");
}
END_TEST

/* QEMU 7.2: "OK 0x%04x", so inl shows 8 digits when they are needed. */
START_TEST(test_port_io)
{
    expect("inb 0x80", "OK 0x00ff");
    expect("inw 0x80", "OK 0xffff");
    expect("inl 0x80", "OK 0xffffffff");
    expect("outb 0x510 0x26", "OK");
    expect("inb 0x510", "OK 0x0026");
    expect("outw 0x512 0x1234", "OK");
    expect("inl 0x510", "OK 0x12340026");
    expect("outl 0x510 0", "OK");
    expect("inl 0x510", "OK 0x0000");
    expect("outb 0x510 0x1ff", "OK"); /* cut to the width, as QEMU */
    expect("inw 0x510", "OK 0x00ff");
    expect("outb 81 010", "OK"); /* decimal and octal, as strtoul */
    expect("inl 0xfffe", "OK 0xffff");
}
END_TEST

START_TEST(test_mem_sized)
{
    expect("readb 0x1000", "OK 0x00000000000000ff");
    expect("readw 0x1000", "OK 0x000000000000ffff");
    expect("readl 0x1000", "OK 0x00000000ffffffff");
    expect("readq 0x1000", "OK 0xffffffffffffffff");
    expect("writeq 0xfe000000 0x1122334455667788", "OK");
    expect("readq 0xfe000000", "OK 0x1122334455667788");
    expect("readl 0xfe000002", "OK 0x0000000033445566");
    expect("writeb 0xfe000000 0xab", "OK");
    expect("writew 0xfe000002 0xcdef", "OK");
    expect("writel 0xfe000004 0x01020304", "OK");
    expect("readq 0xfe000000", "OK 0x01020304cdef77ab");
}
END_TEST

START_TEST(test_bulk)
{
    expect("write 0xfe000000 4 0x0102a0ff", "OK");
    ck_assert_int_eq(memcmp(mem, "\x01\x02\xa0\xff", 4), 0);
    expect("read 0xfe000000 4", "OK 0x0102a0ff");
    expect("read 0xfe0000fe 4", "OK 0x0000ffff");
    expect("b64read 0xfe000000 4", "OK AQKg/w==");
    expect("b64read 0xfe000000 0", "OK ");
    expect("b64write 0xfe000010 3 AQID", "OK");
    expect("read 0xfe000010 3", "OK 0x010203");
    expect("memset 0xfe000020 3 0x1234", "OK"); /* the low byte */
    expect("read 0xfe00001f 5", "OK 0x0034343400");
    expect("memset 0xfe000020 0 0", "OK");
    /* QEMU: missing digits and an odd last one give zeros, extra ignored. */
    expect("write 0xfe000030 3 0xabc", "OK");
    expect("read 0xfe000030 3", "OK 0xab0000");
    expect("write 0xfe000030 1 0x123456", "OK");
    expect("read 0xfe000030 2", "OK 0x1200");
    expect("write 0xfe000030 0 0x12", "OK");
    /* A length mismatch writes what both cover. */
    expect("b64write 0xfe000040 1 AQID", "OK");
    expect("read 0xfe000040 2", "OK 0x0100");
    expect("b64write 0xfe000048 4 AQID", "OK");
    expect("read 0xfe000048 4", "OK 0x01020300");
}
END_TEST

/* Natural pieces, as QEMU's address_space_rw: 1, 2, 4, then 2 bytes. */
START_TEST(test_bulk_pieces)
{
    static const Access want[] = { { 1, 1 }, { 2, 2 }, { 4, 4 }, { 8, 2 } };

    expect("write 0xfe000001 9 0x010203040506070809", "OK");
    ck_assert_uint_eq(mem_writes->len, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        Access *a = &g_array_index(mem_writes, Access, i);
        ck_assert_uint_eq(a->addr, want[i].addr);
        ck_assert_uint_eq(a->size, want[i].size);
    }
    expect("read 0xfe000001 9", "OK 0x010203040506070809");
    /* Nothing past 2^64 - 1: those bytes read 0. */
    expect("read 0xfffffffffffffffe 4", "OK 0xffff0000");
}
END_TEST

START_TEST(test_bulk_limits)
{
    g_autofree char *reply = turn("read 0xfe000000 0x100000");

    ck_assert_uint_eq(strlen(reply), 5 + 2 * 0x100000 + 1);
    expect("read 0 0x100001", "FAIL size too large: SIZE 0x100001 is above "
                              "1048576");
    expect("memset 0 0x100001 0", "FAIL size too large: SIZE 0x100001 is "
                                  "above 1048576");
    expect_prefix("b64read 0 2000000", "FAIL size too large");
    expect_prefix("write 0 2000000 0x00", "FAIL size too large");
    expect_prefix("b64write 0 2000000 AAAA", "FAIL size too large");
    expect("read 0 99999999999999999999",
           "FAIL SIZE '99999999999999999999' does not fit in 64 bits");
}
END_TEST

/* There is no virtual clock; the texts are upstream QEMU's. */
START_TEST(test_clock)
{
    expect("clock_step", "FAIL cannot advance clock to the next deadline "
                         "because there is no pending deadline");
    expect("clock_step 100", "FAIL could not advance time");
    expect("clock_step -5", "FAIL could not advance time");
    expect("clock_set 0", "OK 0");
    expect("clock_set 1000", "FAIL 0");
    expect("clock_step 1.5", "FAIL NS '1.5' is not a number");
    expect("clock_step ", "FAIL empty NS (two spaces in a row?)");
    expect("clock_set", "FAIL missing NS (clock_set NS)");
    expect("clock_set 9223372036854775808",
           "FAIL NS '9223372036854775808' does not fit in an int64");
    expect("clock_set -9223372036854775808", "FAIL 0");
}
END_TEST

static const struct {
    const char *line;
    const char *reply;
} malformed[] = {
    { "", "FAIL empty request" },
    { "inb 0x71\r", "FAIL request ends in \\r: end lines with \\n alone" },
    { "readb  0x1000", "FAIL empty ADDR (two spaces in a row?)" },
    { "outb 0x80  1", "FAIL empty VAL (two spaces in a row?)" },
    { " inb 0x80", "FAIL request starts with a space" },
    { "inb", "FAIL missing ADDR (inb ADDR)" },
    { "outw 0x80", "FAIL missing VAL (outw ADDR VAL)" },
    { "write 0 1", "FAIL missing DATA (write ADDR SIZE DATA)" },
    { "set_irq_in ioapic unnamed-gpio-in 1",
      "FAIL missing LEVEL (set_irq_in PATH NAME NUM LEVEL)" },
    { "irq_intercept_in", "FAIL missing PATH (irq_intercept_in PATH)" },
    { "readb zzz", "FAIL ADDR 'zzz' is not a number" },
    { "readb 08", "FAIL ADDR '08' is not a number" },
    { "readb 0x", "FAIL ADDR '0x' is not a number" },
    { "readb -1", "FAIL ADDR '-1' is not a number" },
    { "readb +1", "FAIL ADDR '+1' is not a number" },
    { "readb 0x1000g", "FAIL ADDR '0x1000g' is not a number" },
    { "readb 0x10000000000000000",
      "FAIL ADDR '0x10000000000000000' does not fit in 64 bits" },
    { "inb 0x10000", "FAIL ADDR 0x10000 is above 0xffff" },
    { "outl 65536 0", "FAIL ADDR 65536 is above 0xffff" },
    { "outb 0x80 x", "FAIL VAL 'x' is not a number" },
    { "read 0x1000 0", "FAIL SIZE 0: read needs at least one byte" },
    { "write 0x1000 2 0x", "ERR invalid argument size" },
    { "write 0x1000 2 12", "ERR invalid argument size" },
    { "write 0x1000 2 1234", "FAIL DATA must start with 0x" },
    { "write 0x1000 2 0xzz", "FAIL DATA has 'z', not a hex digit" },
    { "b64write 0x1000 2 AA", "ERR invalid argument size" },
    { "b64write 0x1000 2 AA*A", "FAIL DATA is not base64" },
    { "b64write 0x1000 2 A=AA", "FAIL DATA is not base64" },
    { "memset 0 1 -1", "FAIL VAL '-1' is not a number" },
    { "frobnicate 1 2", "FAIL Unknown command 'frobnicate'" },
    { "INB 0x80", "FAIL Unknown command 'INB'" },
};

/* The table, one entry per test run, with the reply named in the message. */
START_TEST(test_malformed_line)
{
    g_autofree char *got = turn(malformed[_i].line);
    g_autofree char *want = g_strconcat(malformed[_i].reply, "\n", NULL);

    ck_assert_msg(strcmp(got, want) == 0, "'%s': got '%s', want '%s'",
                  malformed[_i].line, got, malformed[_i].reply);
    /* The session carries on. */
    expect("endianness", "OK little");
}
END_TEST

START_TEST(test_extra_words_ignored)
{
    expect("inb 0x80 extra", "OK 0x00ff");
    expect("inb 0x80 ", "OK 0x00ff");
    expect("read 0xfe000000 1 extra", "OK 0x00");
    expect("endianness please", "OK little");
}
END_TEST

START_TEST(test_nul_byte)
{
    qtest_session_feed(session, "inb\0 0x80", 9);
    ck_assert_str_eq(out->str, "FAIL request has a NUL byte\n");
}
END_TEST

START_TEST(test_handle_line_alone)
{
    g_autofree char *reply = qtest_handle_line(session, "inw 0x80");

    ck_assert_str_eq(reply, "OK 0xffff");
    ck_assert_uint_eq(out->len, 0);
}
END_TEST

/* QEMU 7.2: "outb 0x60 0x12" -> "IRQ raise 1" then "OK". */
START_TEST(test_irq_before_reply)
{
    expect("outb 0x500 1", "OK"); /* not intercepted: no lines */
    expect("outb 0x500 0", "OK");
    expect("irq_intercept_in ioapic", "OK");
    expect("outb 0x500 1", "IRQ raise 1\nOK");
    expect("outb 0x500 1", "OK"); /* no change, no line */
    expect("inb 0x500", "OK 0x0001");
    expect("outb 0x500 0", "IRQ lower 1\nOK");
    /* Several changes in one request, in order. */
    expect("outw 0x500 0x0101", "IRQ raise 1\nIRQ raise 12\nOK");
    expect("outw 0x4ff 0x0000", "IRQ lower 1\nOK");
    ck_assert_uint_eq(wakes, 5); /* the socket side ignores these */
}
END_TEST

START_TEST(test_irq_async)
{
    expect("irq_intercept_out ioapic", "OK");
    irq_raise(&machine->isa_irq[12]);
    ck_assert_str_eq(out->str, "IRQ raise 12\n");
    ck_assert_uint_eq(wakes, 1);
    irq_lower(&machine->isa_irq[12]);
    ck_assert_str_eq(out->str, "IRQ raise 12\nIRQ lower 12\n");
    g_string_truncate(out, 0);
}
END_TEST

/* A line already high is reported when the intercept starts. */
START_TEST(test_irq_already_high)
{
    irq_raise(&machine->isa_irq[4]);
    irq_raise(&machine->isa_irq[1]);
    expect("irq_intercept_in /machine/i440fx/ioapic",
           "IRQ raise 1\nIRQ raise 4\nOK");
    expect("irq_intercept_in ioapic", "OK"); /* the same device */
}
END_TEST

START_TEST(test_irq_intercept_texts)
{
    GString *other_out = g_string_new(NULL);
    QtestSession *other = qtest_session_new(machine, other_out, NULL, NULL);
    g_autofree char *reply = NULL;

    expect("irq_intercept_in /machine/unattached/device[6]",
           "FAIL Unknown device");
    expect("irq_intercept_in pic", "OK");
    expect("irq_intercept_out i8259", "OK"); /* the same pair */
    expect("irq_intercept_in ioapic", "FAIL IRQ intercept already enabled");
    reply = qtest_handle_line(other, "irq_intercept_in pic");
    ck_assert_str_eq(reply, "FAIL IRQ intercept already enabled");
    g_clear_pointer(&reply, g_free);

    /* Lines go to the intercepting session only. */
    qtest_session_feed(other, "outb 0x500 1", 12);
    ck_assert_str_eq(other_out->str, "OK\n");
    ck_assert_str_eq(out->str, "IRQ raise 1\n");
    g_string_truncate(out, 0);

    /* When it ends, another may intercept. */
    qtest_session_free(session);
    session = NULL;
    ck_assert_ptr_null(machine->irq_listener);
    qtest_session_feed(other, "irq_intercept_in ioapic", 23);
    irq_lower(&machine->isa_irq[1]);
    ck_assert_str_eq(other_out->str, "OK\nIRQ raise 1\nOK\nIRQ lower 1\n");
    qtest_session_free(other);
    ck_assert_ptr_null(machine->irq_listener);
    g_string_free(other_out, TRUE);
}
END_TEST

START_TEST(test_release_irqs)
{
    expect("irq_intercept_in ioapic", "OK");
    qtest_session_release_irqs(session);
    expect("outb 0x500 1", "OK");
    expect("irq_intercept_in pic", "IRQ raise 1\nOK");
}
END_TEST

/* QEMU 7.2: set_irq_in on the intercepted IOAPIC -> "IRQ raise 1", "OK". */
START_TEST(test_set_irq_in)
{
    expect("set_irq_in ioapic unnamed-gpio-in 3 1", "OK");
    ck_assert(machine->isa_irq[3].level);
    expect("irq_intercept_in ioapic", "IRQ raise 3\nOK");
    expect("set_irq_in ioapic unnamed-gpio-in 1 1", "IRQ raise 1\nOK");
    expect("set_irq_in ioapic unnamed-gpio-in 1 1", "OK");
    expect("set_irq_in ioapic unnamed-gpio-in 1 0", "IRQ lower 1\nOK");
    expect("set_irq_in pic unnamed-gpio-in 0x0f -1", "IRQ raise 15\nOK");
    expect("set_irq_in nowhere unnamed-gpio-in 1 1", "FAIL Unknown device");
    expect("set_irq_in ioapic foo 1 1",
           "FAIL NAME 'foo': only unnamed-gpio-in exists");
    expect("set_irq_in ioapic unnamed-gpio-in 16 1",
           "FAIL NUM 16: the inputs here are 0..15");
    expect("set_irq_in ioapic unnamed-gpio-in -1 1",
           "FAIL NUM -1: the inputs here are 0..15");
    expect("set_irq_in ioapic unnamed-gpio-in 1 2147483648",
           "FAIL LEVEL '2147483648' does not fit in an int");
}
END_TEST

Suite *qtest_suite(void)
{
    Suite *s = suite_create("qtest");
    TCase *tc = tcase_create("replies");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_endianness);
    tcase_add_test(tc, test_port_io);
    tcase_add_test(tc, test_mem_sized);
    tcase_add_test(tc, test_bulk);
    tcase_add_test(tc, test_bulk_pieces);
    tcase_add_test(tc, test_bulk_limits);
    tcase_add_test(tc, test_clock);
    tcase_add_test(tc, test_handle_line_alone);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed lines");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_malformed_line, 0, G_N_ELEMENTS(malformed));
    tcase_add_test(tc, test_extra_words_ignored);
    tcase_add_test(tc, test_nul_byte);
    suite_add_tcase(s, tc);

    tc = tcase_create("IRQ intercept");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_irq_before_reply);
    tcase_add_test(tc, test_irq_async);
    tcase_add_test(tc, test_irq_already_high);
    tcase_add_test(tc, test_irq_intercept_texts);
    tcase_add_test(tc, test_release_irqs);
    tcase_add_test(tc, test_set_irq_in);
    suite_add_tcase(s, tc);
    return s;
}
