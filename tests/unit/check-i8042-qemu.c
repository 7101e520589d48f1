/*
 * The differential test: every scenario of check-i8042-scenarios.c runs
 * on QEMU 7.2 (qemu-system-x86_64 with a halting BIOS, driven over qtest
 * and QMP) and on the rig at the same time.  Every value read and the
 * levels of IRQ 1 and 12 must match step by step, and at the end the
 * bodies of ps2kbd, ps2mouse and pckbd in QEMU's xen-save-devices-state
 * file must equal ours byte for byte.  Without qemu-system-x86_64 in
 * PATH, or with DEVMODELD_NO_QEMU set, the test says so and passes.
 *
 * QEMU runs a guest reset from its main loop, after the access that asked
 * for it; the test waits for its RESET event (sent after the devices were
 * reset, so their IRQ reports are already on the qtest socket).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tests/unit/check-i8042.h"
#include "tests/unit/check-vmstate.h"
#include "vmstate/savevm.h"

/* A socket as two stdio streams: one stream cannot switch directions. */
typedef struct Conn {
    FILE *in;
    FILE *out;
} Conn;

typedef struct Qemu {
    GSubprocess *proc;
    char *dir;
    Conn qtest;
    Conn qmp;
    bool irq[256];
    int resets; /* RESET events seen */
} Qemu;

static const char *const button_names[PS2_MOUSE_BUTTON__MAX] = {
    "left", "middle", "right",      "wheel-up",    "wheel-down",
    "side", "extra",  "wheel-left", "wheel-right",
};

static Conn qemu_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    for (int tries = 0; tries < 200; tries++) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        ck_assert_int_ge(fd, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            Conn c = { fdopen(fd, "r"), fdopen(dup(fd), "w") };
            ck_assert(c.in != NULL && c.out != NULL);
            return c;
        }
        close(fd);
        g_usleep(50 * 1000);
    }
    ck_abort_msg("cannot connect to %s: %s", path, g_strerror(errno));
    return (Conn){ NULL, NULL };
}

static char *qemu_read_line(FILE *f)
{
    char buf[65536];

    ck_assert_msg(fgets(buf, sizeof(buf), f) != NULL, "QEMU went away");
    buf[strcspn(buf, "\r\n")] = '\0';
    return g_strdup(buf);
}

/* A qtest request; IRQ lines on the way are recorded. */
static char *qtest(Qemu *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static char *qtest(Qemu *q, const char *fmt, ...)
{
    va_list ap;
    unsigned n;
    char what[8];

    va_start(ap, fmt);
    vfprintf(q->qtest.out, fmt, ap);
    va_end(ap);
    fputc('\n', q->qtest.out);
    fflush(q->qtest.out);
    for (;;) {
        char *line = qemu_read_line(q->qtest.in);
        if (sscanf(line, "IRQ %7s %u", what, &n) == 2 && n < 256) {
            q->irq[n] = strcmp(what, "raise") == 0;
            g_free(line);
            continue;
        }
        return line;
    }
}

/* A QMP command; events on the way are counted. */
static void qmp(Qemu *q, const char *json)
{
    fprintf(q->qmp.out, "%s\n", json);
    fflush(q->qmp.out);
    for (;;) {
        g_autofree char *line = qemu_read_line(q->qmp.in);
        g_autoptr(JsonParser) parser = json_parser_new();
        ck_assert_msg(json_parser_load_from_data(parser, line, -1, NULL),
                      "bad QMP line %s", line);
        JsonObject *o = json_node_get_object(json_parser_get_root(parser));
        if (json_object_has_member(o, "event")) {
            if (strcmp(json_object_get_string_member(o, "event"), "RESET") ==
                0) {
                q->resets++;
            }
            continue;
        }
        ck_assert_msg(json_object_has_member(o, "return"), "%s: %s", json,
                      line);
        return;
    }
}

static Qemu *qemu_start(const char *binary, bool extended_state)
{
    g_autoptr(GError) error = NULL;
    Qemu *q = g_new0(Qemu, 1);
    uint8_t bios[65536];

    q->dir = g_dir_make_tmp("check-i8042-XXXXXX", &error);
    ck_assert_ptr_nonnull(q->dir);
    /* A BIOS that halts at once: the guest never touches the devices. */
    memset(bios, 0xf4, sizeof(bios));
    g_autofree char *bios_path = g_build_filename(q->dir, "hlt.bin", NULL);
    ck_assert(
        g_file_set_contents(bios_path, (const char *)bios, sizeof(bios), NULL));
    g_autofree char *qt = g_build_filename(q->dir, "qtest.sock", NULL);
    g_autofree char *qm = g_build_filename(q->dir, "qmp.sock", NULL);
    g_autofree char *qt_arg = g_strdup_printf("unix:%s,server=on,wait=off", qt);
    g_autofree char *qm_arg = g_strdup_printf("unix:%s,server=on,wait=off", qm);
    q->proc = g_subprocess_new(
        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
        &error, binary, "-machine", extended_state ? "pc" : "pc-i440fx-3.1",
        "-accel", "tcg", "-bios", bios_path, "-nodefaults", "-display", "none",
        "-qtest", qt_arg, "-qmp", qm_arg, "-global",
        "migration.send-configuration=off", "-global",
        "migration.send-section-footer=off", "-global",
        "migration.store-global-state=off", NULL);
    ck_assert_msg(q->proc != NULL, "%s", error ? error->message : "");
    q->qtest = qemu_connect(qt);
    q->qmp = qemu_connect(qm);
    g_free(qemu_read_line(q->qmp.in)); /* the greeting */
    qmp(q, "{\"execute\": \"qmp_capabilities\"}");
    g_autofree char *reply = qtest(q, "irq_intercept_in ioapic");
    ck_assert_str_eq(reply, "OK");
    return q;
}

static void qemu_stop(Qemu *q)
{
    fclose(q->qtest.in);
    fclose(q->qtest.out);
    fclose(q->qmp.in);
    fclose(q->qmp.out);
    g_subprocess_force_exit(q->proc);
    g_subprocess_wait(q->proc, NULL, NULL);
    g_object_unref(q->proc);
    g_autofree char *state = g_build_filename(q->dir, "state", NULL);
    g_autofree char *bios = g_build_filename(q->dir, "hlt.bin", NULL);
    g_autofree char *qt = g_build_filename(q->dir, "qtest.sock", NULL);
    g_autofree char *qm = g_build_filename(q->dir, "qmp.sock", NULL);
    /* QEMU leaves its listening sockets behind when it is killed. */
    g_unlink(state);
    g_unlink(bios);
    g_unlink(qt);
    g_unlink(qm);
    g_rmdir(q->dir);
    g_free(q->dir);
    g_free(q);
}

static GByteArray *qemu_save(Qemu *q)
{
    g_autofree char *path = g_build_filename(q->dir, "state", NULL);
    g_autofree char *cmd = g_strdup_printf(
        "{\"execute\": \"xen-save-devices-state\", \"arguments\": "
        "{\"filename\": \"%s\", \"live\": false}}",
        path);
    char *data = NULL;
    gsize len = 0;

    qmp(q, cmd);
    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    return g_byte_array_new_take((guint8 *)data, len);
}

static int qemu_step(Qemu *q, const I8042Step *s)
{
    g_autofree char *reply = NULL;
    g_autofree char *cmd = NULL;
    unsigned value = 0;

    switch (s->op) {
    case 'o':
        reply = qtest(q, "outb 0x%x 0x%x", s->port, (unsigned)s->value);
        ck_assert_str_eq(reply, "OK");
        return -1;
    case 'i':
        reply = qtest(q, "inb 0x%x", s->port);
        ck_assert_msg(sscanf(reply, "OK 0x%x", &value) == 1, "%s", reply);
        return (int)value;
    case 'k':
        cmd = g_strdup_printf(
            "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": "
            "[{\"type\": \"key\", \"data\": {\"down\": %s, \"key\": "
            "{\"type\": \"qcode\", \"data\": \"%s\"}}}]}}",
            s->value ? "true" : "false", s->name);
        break;
    case 'b':
        cmd = g_strdup_printf(
            "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": "
            "[{\"type\": \"btn\", \"data\": {\"down\": %s, \"button\": "
            "\"%s\"}}]}}",
            s->value ? "true" : "false", button_names[s->dx]);
        break;
    case 'm':
        cmd = g_strdup_printf(
            "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": "
            "[{\"type\": \"rel\", \"data\": {\"axis\": \"x\", \"value\": %d}},"
            " {\"type\": \"rel\", \"data\": {\"axis\": \"y\", \"value\": "
            "%d}}]}}",
            s->dx, s->dy);
        break;
    default:
        return -1;
    }
    qmp(q, cmd);
    return -1;
}

static void qemu_wait_resets(Qemu *q, int resets)
{
    for (int tries = 0; q->resets < resets && tries < 500; tries++) {
        qmp(q, "{\"execute\": \"query-status\"}");
        g_usleep(10 * 1000);
    }
    ck_assert_int_eq(q->resets, resets);
}

static void assert_sections(const GByteArray *theirs, const GByteArray *ours,
                            const char *scenario)
{
    static const char *const names[] = { "ps2kbd", "ps2mouse", "pckbd" };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GByteArray) a = i8042test_section_body(theirs, names[i]);
        g_autoptr(GByteArray) b = i8042test_section_body(ours, names[i]);
        ck_assert_msg(a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
                      "%s: section %s differs from QEMU's", scenario, names[i]);
    }
}

START_TEST(test_against_qemu)
{
    const I8042Scenario *sc = &i8042test_scenarios[_i];
    g_autofree char *binary = g_find_program_in_path("qemu-system-x86_64");
    I8042Rig rig;

    if (binary == NULL || g_getenv("DEVMODELD_NO_QEMU") != NULL) {
        fprintf(stderr, "check-i8042: no qemu-system-x86_64, %s skipped\n",
                sc->name);
        return;
    }
    Qemu *q = qemu_start(binary, sc->extended_state);
    i8042test_rig_init(&rig, sc->extended_state);
    g_autoptr(GByteArray) fresh = qemu_save(q);
    g_autoptr(GByteArray) ours = savevm_save(rig.registry);
    assert_sections(fresh, ours, sc->name);
    for (int n = 0; sc->steps[n].op != 0; n++) {
        const I8042Step *s = &sc->steps[n];
        int theirs = qemu_step(q, s);
        int mine = i8042test_rig_step(&rig, s);
        ck_assert_msg(theirs == mine,
                      "%s, step %d: QEMU read 0x%02x, we 0x%02x", sc->name, n,
                      theirs, mine);
        if (rig.resets > q->resets) {
            qemu_wait_resets(q, rig.resets);
        }
        g_free(qtest(q, "endianness")); /* collects the IRQ lines */
        ck_assert_msg(q->irq[1] == rig.irq1.level &&
                          q->irq[12] == rig.irq12.level,
                      "%s, step %d: IRQ 1/12 QEMU %d/%d, we %d/%d", sc->name, n,
                      q->irq[1], q->irq[12], rig.irq1.level, rig.irq12.level);
    }
    g_autoptr(GByteArray) final = qemu_save(q);
    g_autoptr(GByteArray) ours_final = savevm_save(rig.registry);
    assert_sections(final, ours_final, sc->name);
    i8042test_rig_free(&rig);
    qemu_stop(q);
}
END_TEST

TCase *i8042test_qemu_tcase(void)
{
    TCase *tc = tcase_create("QEMU 7.2");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_against_qemu, 0,
                        (int)i8042test_scenario_count);
    return tc;
}
