/*
 * qtest requests: one line, words split on single spaces, one reply line,
 * with QEMU 7.2's reply formats (../shared/research/qmp-protocol.md §5).
 *
 * Where QEMU aborts (malformed or missing numbers, an empty line, two
 * spaces in a row, a trailing "\r", a port above 0xffff, read SIZE 0) we
 * answer "FAIL <reason naming the argument>" and carry on; where QEMU
 * stores garbage (non-hex write data, non-base64 b64write data) we refuse
 * too.  Everything QEMU answers, we answer the same way, "ERR invalid
 * argument size" for short write data included; extra words are ignored
 * as QEMU ignores them.
 *
 * Bulk memory commands (read, write, memset, b64read, b64write) go through
 * the dispatcher in natural pieces, the widest aligned access of at most 8
 * bytes, as QEMU's address_space_rw cuts a buffer; the dispatcher cuts
 * further to what each device takes.  They are capped at 1 MiB.
 *
 * There is no virtual clock: nothing in the daemon runs on guest time.
 * The clock commands answer as QEMU's qtest accelerator does for a clock
 * that stays at 0 with no timer pending.
 *
 * IRQ intercepts: the ISA lines are both the devices' outputs and the
 * interrupt controllers' inputs, so irq_intercept_in and irq_intercept_out
 * of the IOAPIC or the 8259 pair report the same 16 lines, numbered by ISA
 * IRQ (as QEMU's IOAPIC intercept numbers them).  One session at a time
 * holds the intercept; it ends with the session.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-qtest"

#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "daemon/qtest-args.h"
#include "daemon/qtest.h"

typedef enum QtestIrqTarget {
    QTEST_IRQ_NONE,
    QTEST_IRQ_IOAPIC,
    QTEST_IRQ_PIC,
} QtestIrqTarget;

struct QtestSession {
    Machine *machine;
    GString *out;
    QtestWakeFunc wake;
    void *wake_opaque;
    QtestIrqTarget intercept; /* the controller whose lines we report */
};

/* The names that address the PC's interrupt controllers. */
static const struct {
    const char *path;
    QtestIrqTarget target;
} qtest_irq_paths[] = {
    { "ioapic", QTEST_IRQ_IOAPIC }, /* QEMU resolves this partial path */
    { "/machine/i440fx/ioapic", QTEST_IRQ_IOAPIC }, /* its pc QOM path */
    { "/machine/ioapic", QTEST_IRQ_IOAPIC },
    { "i8259", QTEST_IRQ_PIC }, /* ours: QEMU's 8259s have no unique path */
    { "pic", QTEST_IRQ_PIC },
};

/* ---------------------------------------------------------------- memory */

/*
 * The widest naturally aligned access of at most 8 bytes at addr, as QEMU
 * cuts a buffer.  Nothing lies past 2^64 - 1: reads of it stay 0.
 */
static unsigned qtest_chunk(uint64_t addr, gsize left)
{
    unsigned n = 8;

    while (n > left || (addr & (n - 1)) != 0) {
        n /= 2;
    }
    return n;
}

/* Into a zeroed buf. */
static void qtest_mem_read_buf(IoDispatcher *io, uint64_t addr, guint8 *buf,
                               gsize len)
{
    gsize i = 0;

    while (i < len && !(i > 0 && addr + i == 0)) {
        unsigned n = qtest_chunk(addr + i, len - i);
        uint64_t value = io_mem_read(io, addr + i, n);
        for (unsigned b = 0; b < n; b++) {
            buf[i + b] = (guint8)(value >> (8 * b));
        }
        i += n;
    }
}

static void qtest_mem_write_buf(IoDispatcher *io, uint64_t addr,
                                const guint8 *buf, gsize len)
{
    gsize i = 0;

    while (i < len && !(i > 0 && addr + i == 0)) {
        unsigned n = qtest_chunk(addr + i, len - i);
        uint64_t value = 0;
        for (unsigned b = 0; b < n; b++) {
            value |= (uint64_t)buf[i + b] << (8 * b);
        }
        io_mem_write(io, addr + i, value, n);
        i += n;
    }
}

/* ---------------------------------------------------------------- IRQs */

static void qtest_session_irq(void *opaque, int n, bool level)
{
    QtestSession *s = opaque;

    g_string_append_printf(s->out, "IRQ %s %d\n", level ? "raise" : "lower", n);
    if (s->wake != NULL) {
        s->wake(s->wake_opaque);
    }
}

static bool qtest_holds_irqs(const QtestSession *s)
{
    return s->machine->irq_listener == qtest_session_irq &&
           s->machine->irq_listener_opaque == s;
}

void qtest_session_release_irqs(QtestSession *s)
{
    if (qtest_holds_irqs(s)) {
        machine_set_irq_listener(s->machine, NULL, NULL);
    }
    s->intercept = QTEST_IRQ_NONE;
}

static QtestIrqTarget qtest_irq_target(const char *path)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qtest_irq_paths); i++) {
        if (strcmp(path, qtest_irq_paths[i].path) == 0) {
            return qtest_irq_paths[i].target;
        }
    }
    return QTEST_IRQ_NONE;
}

static char *qtest_run_irq_intercept(QtestSession *s, const QtestCommand *cmd,
                                     char **words)
{
    QtestIrqTarget target = qtest_irq_target(words[1]);
    Machine *machine = s->machine;

    if (target == QTEST_IRQ_NONE) {
        return g_strdup("FAIL Unknown device");
    }
    if (qtest_holds_irqs(s)) {
        return g_strdup(s->intercept == target
                            ? "OK"
                            : "FAIL IRQ intercept already enabled");
    }
    if (machine->irq_listener != NULL) {
        return g_strdup("FAIL IRQ intercept already enabled"); /* elsewhere */
    }
    machine_set_irq_listener(machine, qtest_session_irq, s);
    s->intercept = target;
    /*
     * QEMU reports a line that is already high at the device's next update
     * of it; our lines speak only on change, so say it now, before the OK.
     */
    for (int n = 0; n < MACHINE_ISA_IRQS; n++) {
        if (machine->isa_irq[n].level) {
            g_string_append_printf(s->out, "IRQ raise %d\n", n);
        }
    }
    return g_strdup("OK");
}

/*
 * Drives an ISA line as the controller input sees it: the intercept
 * reports it, and the device's next update of the line overrides it.
 */
static char *qtest_run_set_irq_in(QtestSession *s, const QtestCommand *cmd,
                                  char **words)
{
    int64_t num;
    int64_t level;
    char *error;

    if (qtest_irq_target(words[1]) == QTEST_IRQ_NONE) {
        return g_strdup("FAIL Unknown device");
    }
    if (strcmp(words[2], "unnamed-gpio-in") != 0) {
        return g_strdup_printf("FAIL NAME '%s': only unnamed-gpio-in exists",
                               words[2]);
    }
    error = qtest_get_i64(cmd, words, 3, INT_MIN, INT_MAX, &num);
    if (error == NULL) {
        error = qtest_get_i64(cmd, words, 4, INT_MIN, INT_MAX, &level);
    }
    if (error != NULL) {
        return error;
    }
    if (num < 0 || num >= MACHINE_ISA_IRQS) {
        return g_strdup_printf("FAIL NUM %s: the inputs here are 0..%d",
                               words[3], MACHINE_ISA_IRQS - 1);
    }
    irq_set(&s->machine->isa_irq[num], level != 0);
    return g_strdup("OK");
}

/* ---------------------------------------------------------------- I/O */

static char *qtest_run_out(QtestSession *s, const QtestCommand *cmd,
                           char **words)
{
    uint64_t port;
    uint64_t value;
    char *error = qtest_get_u64(cmd, words, 1, 0xffff, &port);

    if (error == NULL) {
        error = qtest_get_u64(cmd, words, 2, UINT64_MAX, &value);
    }
    if (error != NULL) {
        return error;
    }
    /* Truncated to the width, as QEMU's cpu_outb/w/l take it. */
    io_port_write(s->machine->io, (uint16_t)port, (uint32_t)value, cmd->size);
    return g_strdup("OK");
}

static char *qtest_run_in(QtestSession *s, const QtestCommand *cmd,
                          char **words)
{
    uint64_t port;
    char *error = qtest_get_u64(cmd, words, 1, 0xffff, &port);

    if (error != NULL) {
        return error;
    }
    return g_strdup_printf(
        "OK 0x%04x", io_port_read(s->machine->io, (uint16_t)port, cmd->size));
}

static char *qtest_run_write_sized(QtestSession *s, const QtestCommand *cmd,
                                   char **words)
{
    uint64_t addr;
    uint64_t value;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);

    if (error == NULL) {
        error = qtest_get_u64(cmd, words, 2, UINT64_MAX, &value);
    }
    if (error != NULL) {
        return error;
    }
    io_mem_write(s->machine->io, addr, value, cmd->size);
    return g_strdup("OK");
}

static char *qtest_run_read_sized(QtestSession *s, const QtestCommand *cmd,
                                  char **words)
{
    uint64_t addr;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);

    if (error != NULL) {
        return error;
    }
    return g_strdup_printf("OK 0x%016" PRIx64,
                           io_mem_read(s->machine->io, addr, cmd->size));
}

static char *qtest_run_read(QtestSession *s, const QtestCommand *cmd,
                            char **words)
{
    uint64_t addr;
    uint64_t size;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);
    static const char hex[] = "0123456789abcdef";
    g_autofree guint8 *buf = NULL;
    char *reply;

    if (error == NULL) {
        error = qtest_get_size(cmd, words, false, &size);
    }
    if (error != NULL) {
        return error;
    }
    buf = g_malloc0(size);
    qtest_mem_read_buf(s->machine->io, addr, buf, size);
    reply = g_malloc(6 + 2 * size);
    memcpy(reply, "OK 0x", 5);
    for (gsize i = 0; i < size; i++) {
        reply[5 + 2 * i] = hex[buf[i] >> 4];
        reply[6 + 2 * i] = hex[buf[i] & 0xf];
    }
    reply[5 + 2 * size] = '\0';
    return reply;
}

static char *qtest_run_b64read(QtestSession *s, const QtestCommand *cmd,
                               char **words)
{
    uint64_t addr;
    uint64_t size;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);
    g_autofree guint8 *buf = NULL;
    g_autofree char *b64 = NULL;

    if (error == NULL) {
        error = qtest_get_size(cmd, words, true, &size);
    }
    if (error != NULL) {
        return error;
    }
    buf = g_malloc0(size);
    qtest_mem_read_buf(s->machine->io, addr, buf, size);
    b64 = g_base64_encode(buf, size);
    return g_strdup_printf("OK %s", b64); /* SIZE 0: "OK " as QEMU */
}

static char *qtest_run_memset(QtestSession *s, const QtestCommand *cmd,
                              char **words)
{
    uint64_t addr;
    uint64_t size;
    uint64_t value;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);
    g_autofree guint8 *buf = NULL;

    if (error == NULL) {
        error = qtest_get_size(cmd, words, true, &size);
    }
    if (error == NULL) {
        error = qtest_get_u64(cmd, words, 3, UINT64_MAX, &value);
    }
    if (error != NULL) {
        return error;
    }
    buf = g_malloc(size);
    if (size > 0) {
        memset(buf, (guint8)value, size); /* the low byte, as QEMU's memset */
    }
    qtest_mem_write_buf(s->machine->io, addr, buf, size);
    return g_strdup("OK");
}

/*
 * write ADDR SIZE 0xHEX: byte i from digits 2i and 2i+1; missing digits
 * (and an odd last one) give zero bytes and extra ones are ignored, as in
 * QEMU; a non-hex digit, which QEMU would store as garbage, fails.
 */
static char *qtest_run_write(QtestSession *s, const QtestCommand *cmd,
                             char **words)
{
    uint64_t addr;
    uint64_t size;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);
    const char *data = words[3];
    gsize digits;
    g_autofree guint8 *buf = NULL;

    if (error == NULL) {
        error = qtest_get_size(cmd, words, true, &size);
    }
    if (error != NULL) {
        return error;
    }
    if (strlen(data) < 3) {
        return g_strdup("ERR invalid argument size");
    }
    if (data[0] != '0' || (data[1] != 'x' && data[1] != 'X')) {
        return g_strdup("FAIL DATA must start with 0x");
    }
    digits = strlen(data + 2);
    for (gsize i = 0; i < digits; i++) {
        if (!g_ascii_isxdigit(data[2 + i])) {
            return g_strdup_printf("FAIL DATA has '%c', not a hex digit",
                                   data[2 + i]);
        }
    }
    buf = g_malloc0(size);
    for (gsize i = 0; i < size && 2 * i + 2 <= digits; i++) {
        buf[i] = (guint8)(g_ascii_xdigit_value(data[2 + 2 * i]) << 4 |
                          g_ascii_xdigit_value(data[3 + 2 * i]));
    }
    qtest_mem_write_buf(s->machine->io, addr, buf, size);
    return g_strdup("OK");
}

static bool qtest_is_base64(const char *data)
{
    gsize len = strlen(data);
    gsize pad = 0;

    while (pad < 2 && pad < len && data[len - 1 - pad] == '=') {
        pad++;
    }
    for (gsize i = 0; i < len - pad; i++) {
        if (!g_ascii_isalnum(data[i]) && data[i] != '+' && data[i] != '/') {
            return false;
        }
    }
    return true;
}

/*
 * b64write ADDR SIZE B64: when the data decodes to another length than
 * SIZE, QEMU logs it and (by a bug) writes SIZE bytes including garbage;
 * we write what both lengths cover, as QEMU meant to.
 */
static char *qtest_run_b64write(QtestSession *s, const QtestCommand *cmd,
                                char **words)
{
    uint64_t addr;
    uint64_t size;
    char *error = qtest_get_u64(cmd, words, 1, UINT64_MAX, &addr);
    g_autofree guint8 *buf = NULL;
    gsize decoded;

    if (error == NULL) {
        error = qtest_get_size(cmd, words, true, &size);
    }
    if (error != NULL) {
        return error;
    }
    if (strlen(words[3]) < 3) {
        return g_strdup("ERR invalid argument size");
    }
    if (!qtest_is_base64(words[3])) {
        return g_strdup("FAIL DATA is not base64");
    }
    buf = g_base64_decode(words[3], &decoded);
    if (decoded != size) {
        g_debug("b64write: data length mismatch (told %" PRIu64
                ", found %" G_GSIZE_FORMAT ")",
                size, decoded);
    }
    qtest_mem_write_buf(s->machine->io, addr, buf, MIN(decoded, size));
    return g_strdup("OK");
}

/* ---------------------------------------------------------------- misc */

static char *qtest_run_endianness(QtestSession *s, const QtestCommand *cmd,
                                  char **words)
{
    return g_strdup("OK little");
}

/* No virtual clock: it stays at 0 and no deadline is ever pending. */
static char *qtest_run_clock_step(QtestSession *s, const QtestCommand *cmd,
                                  char **words)
{
    int64_t ns;
    char *error;

    if (words[1] == NULL) {
        return g_strdup("FAIL cannot advance clock to the next deadline "
                        "because there is no pending deadline");
    }
    if (words[1][0] == '\0') {
        return g_strdup("FAIL empty NS (two spaces in a row?)");
    }
    error = qtest_get_i64(cmd, words, 1, INT64_MIN, INT64_MAX, &ns);
    return error != NULL ? error : g_strdup("FAIL could not advance time");
}

static char *qtest_run_clock_set(QtestSession *s, const QtestCommand *cmd,
                                 char **words)
{
    int64_t ns;
    char *error = qtest_get_i64(cmd, words, 1, INT64_MIN, INT64_MAX, &ns);

    if (error != NULL) {
        return error;
    }
    /* Upstream's form: OK or FAIL, then where the clock ended. */
    return g_strdup(ns == 0 ? "OK 0" : "FAIL 0");
}

/* ---------------------------------------------------------------- table */

static const QtestCommand qtest_commands[] = {
    { "outb", qtest_run_out, 1, 2, { "ADDR", "VAL" } },
    { "outw", qtest_run_out, 2, 2, { "ADDR", "VAL" } },
    { "outl", qtest_run_out, 4, 2, { "ADDR", "VAL" } },
    { "inb", qtest_run_in, 1, 1, { "ADDR" } },
    { "inw", qtest_run_in, 2, 1, { "ADDR" } },
    { "inl", qtest_run_in, 4, 1, { "ADDR" } },
    { "writeb", qtest_run_write_sized, 1, 2, { "ADDR", "VAL" } },
    { "writew", qtest_run_write_sized, 2, 2, { "ADDR", "VAL" } },
    { "writel", qtest_run_write_sized, 4, 2, { "ADDR", "VAL" } },
    { "writeq", qtest_run_write_sized, 8, 2, { "ADDR", "VAL" } },
    { "readb", qtest_run_read_sized, 1, 1, { "ADDR" } },
    { "readw", qtest_run_read_sized, 2, 1, { "ADDR" } },
    { "readl", qtest_run_read_sized, 4, 1, { "ADDR" } },
    { "readq", qtest_run_read_sized, 8, 1, { "ADDR" } },
    { "read", qtest_run_read, 0, 2, { "ADDR", "SIZE" } },
    { "write", qtest_run_write, 0, 3, { "ADDR", "SIZE", "DATA" } },
    { "memset", qtest_run_memset, 0, 3, { "ADDR", "SIZE", "VAL" } },
    { "b64read", qtest_run_b64read, 0, 2, { "ADDR", "SIZE" } },
    { "b64write", qtest_run_b64write, 0, 3, { "ADDR", "SIZE", "DATA" } },
    { "endianness", qtest_run_endianness, 0, 0, { NULL } },
    { "clock_step", qtest_run_clock_step, 0, 0, { "NS" } },
    { "clock_set", qtest_run_clock_set, 0, 1, { "NS" } },
    { "irq_intercept_in", qtest_run_irq_intercept, 0, 1, { "PATH" } },
    { "irq_intercept_out", qtest_run_irq_intercept, 0, 1, { "PATH" } },
    { "set_irq_in",
      qtest_run_set_irq_in,
      0,
      4,
      { "PATH", "NAME", "NUM", "LEVEL" } },
};

static const QtestCommand *qtest_find_command(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qtest_commands); i++) {
        if (strcmp(qtest_commands[i].name, name) == 0) {
            return &qtest_commands[i];
        }
    }
    return NULL;
}

char *qtest_handle_line(QtestSession *session, const char *line)
{
    g_auto(GStrv) words = NULL;
    const QtestCommand *cmd;
    char *error;
    gsize len = strlen(line);

    if (len == 0) {
        return g_strdup("FAIL empty request");
    }
    if (line[len - 1] == '\r') {
        return g_strdup("FAIL request ends in \\r: end lines with \\n alone");
    }
    words = g_strsplit(line, " ", -1);
    if (words[0][0] == '\0') {
        return g_strdup("FAIL request starts with a space");
    }
    cmd = qtest_find_command(words[0]);
    if (cmd == NULL) {
        return g_strdup_printf("FAIL Unknown command '%s'", words[0]);
    }
    error = qtest_check_args(cmd, words);
    if (error != NULL) {
        return error;
    }
    return cmd->run(session, cmd, words);
}

void qtest_session_feed(QtestSession *session, const char *line, gsize len)
{
    g_autofree char *request = NULL;
    g_autofree char *reply = NULL;

    if (memchr(line, '\0', len) != NULL) {
        reply = g_strdup("FAIL request has a NUL byte");
    } else {
        request = g_strndup(line, len);
        reply = qtest_handle_line(session, request);
    }
    g_string_append(session->out, reply);
    g_string_append_c(session->out, '\n');
}

QtestSession *qtest_session_new(Machine *machine, GString *out,
                                QtestWakeFunc wake, void *opaque)
{
    QtestSession *s = g_new0(QtestSession, 1);

    s->machine = machine;
    s->out = out;
    s->wake = wake;
    s->wake_opaque = opaque;
    return s;
}

void qtest_session_free(QtestSession *session)
{
    if (session == NULL) {
        return;
    }
    qtest_session_release_irqs(session);
    g_free(session);
}
