/*
 * The i8042 with its keyboard and mouse behind a real port dispatcher:
 * the port sequences QEMU 7.2 answered (check-i8042-scenarios.c), the
 * three sections against the bytes of research/qemu-vmstate-7.2.md
 * §3.1-3.3 for both machine types, save and load with bytes waiting in
 * both queues, one hostile value per invariant, and every truncation.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/check-i8042.h"
#include "tests/unit/check-vmstate.h"
#include "tests/unit/suites.h"
#include "vmstate/savevm.h"

/* ------------------------------------------------------------ the rig */

static void rig_reset_request(void *opaque)
{
    I8042Rig *rig = opaque;

    rig->reset_pending = true;
}

void i8042test_rig_init(I8042Rig *rig, bool extended_state)
{
    g_autoptr(GError) error = NULL;

    memset(rig, 0, sizeof(*rig));
    rig->io = io_dispatcher_new();
    irq_line_init(&rig->irq1, NULL, NULL, 1);
    irq_line_init(&rig->irq12, NULL, NULL, 12);
    rig->i8042 = i8042_new(rig->io, &rig->irq1, &rig->irq12, rig_reset_request,
                           rig, extended_state, &error);
    ck_assert_msg(rig->i8042 != NULL, "%s", error ? error->message : "");
    rig->registry = vms_registry_new();
    i8042_register_sections(rig->i8042, rig->registry);
}

void i8042test_rig_free(I8042Rig *rig)
{
    vms_registry_free(rig->registry);
    i8042_free(rig->i8042);
    io_dispatcher_free(rig->io);
}

int i8042test_rig_step(I8042Rig *rig, const I8042Step *step)
{
    Ps2Mouse *mouse = i8042_mouse(rig->i8042);
    int value = -1, q = -1;

    switch (step->op) {
    case 'o':
        io_port_write(rig->io, step->port, (uint32_t)step->value, 1);
        break;
    case 'i':
        value = (int)io_port_read(rig->io, step->port, 1);
        break;
    case 'k':
        ck_assert_msg(ps2_qcode_lookup(step->name, &q), "%s", step->name);
        ps2_keyboard_event(i8042_keyboard(rig->i8042), q, step->value);
        break;
    case 'b':
        ps2_mouse_button(mouse, (Ps2MouseButton)step->dx, step->value);
        ps2_mouse_sync(mouse);
        break;
    case 'm':
        ps2_mouse_move(mouse, step->dx, step->dy);
        ps2_mouse_sync(mouse);
        break;
    default:
        break;
    }
    /* The machine runs a requested reset from its main loop. */
    if (rig->reset_pending) {
        rig->reset_pending = false;
        rig->resets++;
        i8042_reset(rig->i8042);
    }
    return value;
}

size_t i8042test_section_find(const GByteArray *file, const char *idstr,
                              size_t *ret_len)
{
    size_t idlen = strlen(idstr);
    size_t start = 0, end = file->len - 1;

    for (size_t i = 8; i + 14 <= file->len; i++) {
        const uint8_t *p = file->data + i;
        bool printable = p[5] != 0 && i + 14 + p[5] <= file->len;
        if (p[0] != SAVEVM_SECTION_FULL || p[1] != 0 || p[2] != 0) {
            continue;
        }
        for (size_t j = 0; printable && j < p[5]; j++) {
            printable = g_ascii_isprint(p[6 + j]);
        }
        if (!printable || memcmp(p + 6 + p[5], "\0\0\0", 3) != 0) {
            continue;
        }
        if (start != 0) {
            end = i; /* the next section */
            break;
        }
        if (p[5] == idlen && memcmp(p + 6, idstr, idlen) == 0) {
            start = i + 14 + idlen;
            i = start - 1;
        }
    }
    ck_assert_msg(start != 0, "no section %s", idstr);
    *ret_len = end - start;
    return start;
}

GByteArray *i8042test_section_body(const GByteArray *file, const char *idstr)
{
    size_t len;
    size_t start = i8042test_section_find(file, idstr, &len);
    GByteArray *body = g_byte_array_new();

    g_byte_array_append(body, file->data + start, (guint)len);
    return body;
}

/* ------------------------------------------------------------ scenarios */

START_TEST(test_scenario)
{
    const I8042Scenario *sc = &i8042test_scenarios[_i];
    I8042Rig rig;

    i8042test_rig_init(&rig, sc->extended_state);
    for (int n = 0; sc->steps[n].op != 0; n++) {
        const I8042Step *s = &sc->steps[n];
        int got = i8042test_rig_step(&rig, s);
        if (s->op == 'i') {
            ck_assert_msg(got == s->value,
                          "%s, step %d: inb 0x%x = 0x%02x, QEMU 0x%02x",
                          sc->name, n, s->port, got, s->value);
        }
        if (s->op == 'r') {
            ck_assert_msg(rig.resets == s->value,
                          "%s, step %d: %d resets, QEMU %d", sc->name, n,
                          rig.resets, s->value);
        }
        if (s->irq1 >= 0) {
            ck_assert_msg(
                rig.irq1.level == s->irq1 && rig.irq12.level == s->irq12,
                "%s, step %d: IRQ 1/12 at %d/%d, QEMU %d/%d", sc->name, n,
                rig.irq1.level, rig.irq12.level, s->irq1, s->irq12);
        }
    }
    i8042test_rig_free(&rig);
}
END_TEST

START_TEST(test_ports_and_instances)
{
    g_autoptr(GError) error = NULL;
    I8042Rig a, b;

    i8042test_rig_init(&a, true);
    i8042test_rig_init(&b, true);
    /* Two instances do not share anything. */
    io_port_write(a.io, 0x60, 0xff, 1);
    ck_assert_uint_eq(io_port_read(a.io, 0x64, 1), 0x19);
    ck_assert_uint_eq(io_port_read(b.io, 0x64, 1), 0x18);
    ck_assert(a.irq1.level && !b.irq1.level);
    /* A word access is cut into bytes; 0x61 is not ours. */
    ck_assert_uint_eq(io_port_read(a.io, 0x60, 2), 0xfffa);
    /* The ports are taken. */
    I8042 *c = i8042_new(a.io, NULL, NULL, NULL, NULL, true, &error);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(error);
    /* A state-only instance. */
    c = i8042_new(NULL, NULL, NULL, NULL, NULL, false, NULL);
    ck_assert_ptr_nonnull(i8042_keyboard(c));
    ck_assert_ptr_nonnull(i8042_mouse(c));
    i8042_free(c);
    i8042_free(NULL);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

/* ------------------------------------------------------------ sections */

static GByteArray *fresh_file(bool extended_state)
{
    static const uint8_t header[] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 3 };
    /* §3.1, verbatim from QEMU's file (sid 0x1a = 26). */
    static const uint8_t pckbd[] = {
        0x04, 0x00, 0x00, 0x00, 0x1a, 0x05, 0x70, 0x63, 0x6b, 0x62, 0x64, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x18, 0x03, 0x00, 0x05,
        0x14, 0x70, 0x63, 0x6b, 0x62, 0x64, 0x2f, 0x65, 0x78, 0x74, 0x65, 0x6e,
        0x64, 0x65, 0x64, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t kbd[20 + 284] = { 0x04, 0,   0,   0,   24,   6,    'p',  's',
                              '2',  'k', 'b', 'd', 0,    0,    0,    0,
                              0,    0,   0,   3,   0xff, 0xff, 0xff, 0xff };
    uint8_t mouse[22 + 291] = { 0x04, 0,   0,   0,   25,   8,    'p',  's', '2',
                                'm',  'o', 'u', 's', 'e',  0,    0,    0,   0,
                                0,    0,   0,   2,   0xff, 0xff, 0xff, 0xff };
    GByteArray *file = g_byte_array_new();

    kbd[20 + 275] = 1; /* scan_enabled */
    kbd[20 + 283] = 2; /* scancode_set */
    g_byte_array_append(file, header, sizeof(header));
    g_byte_array_append(file, kbd, sizeof(kbd));
    g_byte_array_append(file, mouse, sizeof(mouse));
    /* xenfv (§3.6): 23 bytes, no extended_state subsection. */
    g_byte_array_append(file, pckbd, extended_state ? sizeof(pckbd) : 23);
    g_byte_array_append(file, (const uint8_t[]){ 0 }, 1);
    return file;
}

START_TEST(test_fresh_file)
{
    bool extended_state = _i;
    g_autoptr(GByteArray) want = fresh_file(extended_state);
    I8042Rig rig;

    i8042test_rig_init(&rig, extended_state);
    g_autoptr(GByteArray) got = savevm_save(rig.registry);
    vmstest_assert_bytes(got, want->data, want->len);
    /* After a reset too, whatever happened before. */
    io_port_write(rig.io, 0x64, 0xaa, 1);
    io_port_write(rig.io, 0x60, 0xf2, 1);
    i8042_reset(rig.i8042);
    g_autoptr(GByteArray) again = savevm_save(rig.registry);
    g_autoptr(GByteArray) p1 = i8042test_section_body(again, "pckbd");
    g_autoptr(GByteArray) p2 = i8042test_section_body(want, "pckbd");
    ck_assert_uint_eq(p1->len, p2->len);
    ck_assert_uint_eq(p1->data[1], 0x18); /* status */
    ck_assert_uint_eq(p1->data[2], 0x03); /* mode */
    /* And it loads back into a fresh instance. */
    I8042Rig other;
    g_autoptr(GError) error = NULL;
    i8042test_rig_init(&other, extended_state);
    ck_assert_msg(
        savevm_load(other.registry, want->data, want->len, true, &error), "%s",
        error ? error->message : "");
    i8042test_rig_free(&other);
    i8042test_rig_free(&rig);
}
END_TEST

/* §3.1's second sample: A20 off (output port 0xdd), a keyboard reply. */
START_TEST(test_a20_sample)
{
    static const uint8_t want[] = {
        0x04, 0x00, 0x00, 0x00, 0x1a, 0x05, 0x70, 0x63, 0x6b, 0x62, 0x64, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x19, 0x03, 0x10, 0x05,
        0x0d, 0x70, 0x63, 0x6b, 0x62, 0x64, 0x5f, 0x6f, 0x75, 0x74, 0x70, 0x6f,
        0x72, 0x74, 0x00, 0x00, 0x00, 0x01, 0xdd, 0x05, 0x14, 0x70, 0x63, 0x6b,
        0x62, 0x64, 0x2f, 0x65, 0x78, 0x74, 0x65, 0x6e, 0x64, 0x65, 0x64, 0x5f,
        0x73, 0x74, 0x61, 0x74, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    };
    I8042Rig rig;

    i8042test_rig_init(&rig, true);
    io_port_write(rig.io, 0x64, 0xd1, 1);
    io_port_write(rig.io, 0x60, 0xdd, 1);
    io_port_write(rig.io, 0x60, 0xf4, 1); /* the keyboard answers FA */
    g_autoptr(GByteArray) file = savevm_save(rig.registry);
    g_autoptr(GByteArray) body = i8042test_section_body(file, "pckbd");
    vmstest_assert_bytes(body, want + 19, sizeof(want) - 19);
    i8042test_rig_free(&rig);
}
END_TEST

/*
 * Bytes waiting everywhere: keyboard data behind a command reply, mouse
 * packets of an Explorer mouse, the output buffer full, LEDs on.
 */
static void make_busy(I8042Rig *rig)
{
    static const uint8_t aux[] = { 0xf3, 0xc8, 0xf3, 0xc8, 0xf3, 0x50, 0xf4 };
    Ps2Kbd *kbd = i8042_keyboard(rig->i8042);
    Ps2Mouse *mouse = i8042_mouse(rig->i8042);

    for (size_t i = 0; i < sizeof(aux); i++) {
        io_port_write(rig->io, 0x64, 0xd4, 1);
        io_port_write(rig->io, 0x60, aux[i], 1);
        io_port_read(rig->io, 0x60, 1);
    }
    io_port_write(rig->io, 0x60, 0xed, 1);
    io_port_read(rig->io, 0x60, 1);
    io_port_write(rig->io, 0x60, 0x07, 1);
    io_port_read(rig->io, 0x60, 1);
    for (int i = 0; i < 5; i++) {
        ps2_keyboard_event(kbd, 36 + i, true); /* a, s, d, f, g */
    }
    ps2_mouse_button(mouse, PS2_MOUSE_BUTTON_SIDE, true);
    ps2_mouse_move(mouse, 300, -20);
    ps2_mouse_sync(mouse);
    io_port_write(rig->io, 0x60, 0xf2, 1); /* FA AB 83 ahead of the data */
    io_port_read(rig->io, 0x60, 1);
}

/* Reads both sides until nothing is left; all must match. */
static void assert_same_guest_view(I8042Rig *a, I8042Rig *b)
{
    for (int n = 0; n < 64; n++) {
        uint32_t sa = io_port_read(a->io, 0x64, 1);
        uint32_t sb = io_port_read(b->io, 0x64, 1);
        ck_assert_msg(sa == sb, "read %d: status 0x%02x vs 0x%02x", n, sa, sb);
        ck_assert_int_eq(a->irq1.level, b->irq1.level);
        ck_assert_int_eq(a->irq12.level, b->irq12.level);
        uint32_t da = io_port_read(a->io, 0x60, 1);
        uint32_t db = io_port_read(b->io, 0x60, 1);
        ck_assert_msg(da == db, "read %d: data 0x%02x vs 0x%02x", n, da, db);
        if (!(sa & I8042_STAT_OBF)) {
            return;
        }
    }
    ck_abort_msg("the queues never ran dry");
}

START_TEST(test_round_trip)
{
    bool extended_state = _i;
    g_autoptr(GError) error = NULL;
    I8042Rig a, b;

    i8042test_rig_init(&a, extended_state);
    i8042test_rig_init(&b, extended_state);
    make_busy(&a);
    ck_assert_int_gt(i8042_keyboard(a.i8042)->queue.count, 5);
    ck_assert_int_gt(i8042_mouse(a.i8042)->queue.count, 8);
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    ck_assert_msg(savevm_load(b.registry, file->data, file->len, true, &error),
                  "%s", error ? error->message : "");
    g_autoptr(GByteArray) again = savevm_save(b.registry);
    vmstest_assert_bytes(again, file->data, file->len);
    ck_assert_int_eq(a.irq1.level, b.irq1.level);
    ck_assert_int_eq(a.irq12.level, b.irq12.level);
    assert_same_guest_view(&a, &b);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

START_TEST(test_every_truncation_fails)
{
    bool extended_state = _i;
    I8042Rig a, b;

    i8042test_rig_init(&a, extended_state);
    i8042test_rig_init(&b, extended_state);
    make_busy(&a);
    io_port_write(b.io, 0x60, 0xff, 1); /* b is not fresh either */
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    g_autoptr(GByteArray) before = savevm_save(b.registry);
    bool irq1 = b.irq1.level;
    for (size_t len = 0; len < file->len; len++) {
        g_autoptr(GError) error = NULL;
        ck_assert_msg(!savevm_load(b.registry, file->data, len, true, &error),
                      "a prefix of %zu bytes loaded", len);
        ck_assert_ptr_nonnull(error);
    }
    g_autoptr(GByteArray) after = savevm_save(b.registry);
    vmstest_assert_bytes(after, before->data, before->len);
    ck_assert_int_eq(b.irq1.level, irq1);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

/* A value put into a section body of the busy pc file. */
typedef struct Mutation {
    const char *section;
    size_t offset; /* in the body */
    int width;     /* 1 or 4 (big-endian) */
    uint32_t value;
    const char *error; /* a part of the message */
} Mutation;

/*
 * Body layouts: ps2kbd/ps2mouse write_cmd 0, rptr 4, wptr 8, count 12,
 * data 16..271; ps2kbd scan_enabled 272, translate 276, scancode_set
 * 280, ledstate subsection value 305, command_reply_queue value 341;
 * ps2mouse status 272, wrap 275, type 276, detect 277, buttons 290;
 * pckbd write_cmd 0, status 1, then extended_state's migration_flags 30
 * and obsrc 34.
 */
static const Mutation mutations[] = {
    { "ps2kbd", 4, 4, 256, "queue.rptr 256 is outside the ring" },
    { "ps2kbd", 4, 4, 0xffffffff, "queue.rptr -1 is outside the ring" },
    { "ps2kbd", 8, 4, 0x100000, "queue.wptr 1048576 is outside the ring" },
    { "ps2kbd", 12, 4, 0xffffffff, "queue.count -1" },
    { "ps2kbd", 12, 4, 257, "queue.count 257" },
    { "ps2kbd", 341, 4, 256, "queue.cwptr 256 is neither -1 nor" },
    { "ps2kbd", 341, 4, 0xfffffffe, "queue.cwptr -2 is neither -1 nor" },
    { "ps2kbd", 0, 4, 0x42, "write_cmd 66: no keyboard command" },
    { "ps2kbd", 272, 4, 2, "scan_enabled 2 is not 0 or 1" },
    { "ps2kbd", 276, 4, 0xffffffff, "translate -1 is not 0 or 1" },
    { "ps2kbd", 280, 4, 0, "scancode_set 0 is not 1, 2 or 3" },
    { "ps2kbd", 280, 4, 4, "scancode_set 4 is not 1, 2 or 3" },
    { "ps2kbd", 305, 4, 256, "ledstate 256 is not a byte" },
    { "ps2kbd", 300, 1, 'X', "unknown subsection 'ps2kbd/ledstatX'" },
    { "ps2kbd", 304, 1, 4, "incoming version_id 4 is too new" },
    { "ps2mouse", 4, 4, 300, "queue.rptr 300 is outside the ring" },
    { "ps2mouse", 12, 4, 0x80000000, "queue.count -2147483648" },
    { "ps2mouse", 0, 4, 0xf4, "write_cmd 244: no mouse command" },
    { "ps2mouse", 272, 1, 0x80, "mouse_status 0x80 has bits" },
    { "ps2mouse", 275, 1, 2, "mouse_wrap 2 is not 0 or 1" },
    { "ps2mouse", 276, 1, 2, "mouse_type 2 is not 0, 3 or 4" },
    { "ps2mouse", 277, 1, 4, "mouse_detect_state 4 is not 0..3" },
    { "ps2mouse", 290, 1, 0x20, "mouse_buttons 0x20: a mouse has 5" },
    { "pckbd", 0, 1, 0x20, "write_cmd 0x20: no controller command" },
    { "pckbd", 1, 1, 0x1b, "status 0x1b has bits the controller never" },
    { "pckbd", 1, 1, 0x9c, "status 0x9c has bits the controller never" },
    { "pckbd", 1, 1, 0x38, "status 0x38: mouse data without" },
    { "pckbd", 30, 4, 2, "migration_flags 0x2: unknown flags" },
    { "pckbd", 34, 4, 3, "obsrc 3 is not a source" },
    { "pckbd", 34, 4, 8, "obsrc 8 is not a source" },
    { "pckbd", 34, 4, 0, "obsrc 0: the output buffer is full" },
    { "pckbd", 34, 4, 2, "obsrc 2 contradicts status 0x19" },
    { "pckbd", 12, 1, 'q', "unknown subsection 'pckbd/qxtended_state'" },
};

static size_t body_offset(const GByteArray *file, const char *idstr)
{
    size_t len;

    return i8042test_section_find(file, idstr, &len);
}

START_TEST(test_hostile)
{
    const Mutation *m = &mutations[_i];
    g_autoptr(GError) error = NULL;
    I8042Rig a, b;

    i8042test_rig_init(&a, true);
    i8042test_rig_init(&b, true);
    make_busy(&a);
    io_port_read(a.io, 0x60, 1); /* obsrc 1, the keyboard's FA next */
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    g_autoptr(GByteArray) before = savevm_save(b.registry);
    size_t at = body_offset(file, m->section) + m->offset;
    ck_assert_uint_lt(at + (size_t)m->width, file->len);
    for (int i = 0; i < m->width; i++) {
        file->data[at + i] = (uint8_t)(m->value >> (8 * (m->width - 1 - i)));
    }
    ck_assert_msg(!savevm_load(b.registry, file->data, file->len, true, &error),
                  "%s: accepted", m->error);
    ck_assert_msg(strstr(error->message, m->error) != NULL, "want '%s' in '%s'",
                  m->error, error->message);
    ck_assert_msg(strncmp(error->message, m->section, strlen(m->section)) == 0,
                  "'%s' does not name %s", error->message, m->section);
    g_autoptr(GByteArray) after = savevm_save(b.registry);
    vmstest_assert_bytes(after, before->data, before->len);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

/* The layout the mutations assume. */
START_TEST(test_busy_layout)
{
    I8042Rig a;

    i8042test_rig_init(&a, true);
    make_busy(&a);
    io_port_read(a.io, 0x60, 1);
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    g_autoptr(GByteArray) kbd = i8042test_section_body(file, "ps2kbd");
    g_autoptr(GByteArray) pckbd = i8042test_section_body(file, "pckbd");
    ck_assert_uint_eq(kbd->len, 345);
    ck_assert(memcmp(kbd->data + 286, "ps2kbd/ledstate", 15) == 0);
    ck_assert(memcmp(kbd->data + 311, "ps2kbd/command_reply_queue", 26) == 0);
    ck_assert_uint_eq(pckbd->len, 40);
    ck_assert_uint_eq(pckbd->data[1], 0x19);
    ck_assert_uint_eq(pckbd->data[37], 1); /* obsrc */
    i8042test_rig_free(&a);
}
END_TEST

static void put_be32(GByteArray *file, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        file->data[at + i] = (uint8_t)(v >> (24 - 8 * i));
    }
}

/* What QEMU's post_load sanitizes is sanitized, not refused (§3.2). */
START_TEST(test_sanitized)
{
    g_autoptr(GError) error = NULL;
    I8042Rig a, b;

    i8042test_rig_init(&a, true);
    i8042test_rig_init(&b, true);
    make_busy(&a);
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    size_t kbd = body_offset(file, "ps2kbd");
    size_t mouse = body_offset(file, "ps2mouse");
    size_t pckbd = body_offset(file, "pckbd");
    put_be32(file, mouse + 12, 200); /* an old 256-byte queue */
    put_be32(file, mouse + 8, 17);   /* wptr is recomputed anyway */
    put_be32(file, kbd + 341, 100);  /* 100 - rptr replies: 8 */
    file->data[pckbd + 3] |= 0xc3;   /* unknown pending bits */
    ck_assert_msg(savevm_load(b.registry, file->data, file->len, true, &error),
                  "%s", error ? error->message : "");
    const Ps2Queue *mq = &i8042_mouse(b.i8042)->queue;
    const Ps2Queue *kq = &i8042_keyboard(b.i8042)->queue;
    ck_assert_int_eq(mq->count, PS2_QUEUE_SIZE);
    ck_assert_int_eq(mq->wptr, (mq->rptr + PS2_QUEUE_SIZE) & 255);
    ck_assert_int_eq(kq->cwptr, (kq->rptr + PS2_QUEUE_HEADROOM) & 255);
    ck_assert_int_ge(kq->count, PS2_QUEUE_HEADROOM);
    ck_assert_uint_eq(b.i8042->pending & ~I8042_PENDING_MASK, 0);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

/* xenfv streams: the compat pending bits, obsrc from the status (§3.1). */
START_TEST(test_compat_encodings)
{
    g_autoptr(GError) error = NULL;
    I8042Rig a, b, c;

    i8042test_rig_init(&a, false);
    i8042test_rig_init(&b, false);
    i8042test_rig_init(&c, true);
    make_busy(&a);
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    g_autoptr(GByteArray) body = i8042test_section_body(file, "pckbd");
    ck_assert_uint_eq(body->len, 4);
    ck_assert_uint_eq(body->data[3],
                      I8042_PENDING_KBD_COMPAT | I8042_PENDING_AUX_COMPAT);
    ck_assert_msg(savevm_load(b.registry, file->data, file->len, true, &error),
                  "%s", error ? error->message : "");
    /* The compat bits widen, then only the four real ones stay. */
    ck_assert_uint_eq(b.i8042->pending, I8042_PENDING_KBD | I8042_PENDING_AUX);
    ck_assert_uint_eq(b.i8042->obsrc, a.i8042->obsrc);
    assert_same_guest_view(&a, &b);
    /* A pc instance takes an xenfv file too, as QEMU does. */
    ck_assert_msg(savevm_load(c.registry, file->data, file->len, true, &error),
                  "%s", error ? error->message : "");
    ck_assert_uint_eq(c.i8042->obsrc, I8042_OBSRC_AUX);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
    i8042test_rig_free(&c);
}
END_TEST

/* A version-2 ps2kbd stream has no scancode_set: it means set 2. */
START_TEST(test_ps2kbd_v2)
{
    g_autoptr(GError) error = NULL;
    I8042Rig a, b;

    i8042test_rig_init(&a, true);
    i8042test_rig_init(&b, true);
    g_autoptr(GByteArray) file = savevm_save(a.registry);
    size_t kbd = body_offset(file, "ps2kbd");
    put_be32(file, kbd - 4, 2);
    g_byte_array_remove_range(file, (guint)(kbd + 280), 4);
    io_port_write(b.io, 0x60, 0xf0, 1);
    io_port_write(b.io, 0x60, 0x03, 1);
    ck_assert_msg(savevm_load(b.registry, file->data, file->len, true, &error),
                  "%s", error ? error->message : "");
    ck_assert_int_eq(i8042_keyboard(b.i8042)->scancode_set, 2);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

/*
 * A subsection QEMU's saves hardly ever carry loads and saves back; an
 * absent one means its default, whatever the target had.
 */
START_TEST(test_optional_subsections)
{
    static const uint8_t nhb[] = { 0x05, 0x14, 'p', 's', '2', 'k', 'b',
                                   'd',  '/',  'n', 'e', 'e', 'd', '_',
                                   'h',  'i',  'g', 'h', '_', 'b', 'i',
                                   't',  0,    0,   0,   1,   1 };
    g_autoptr(GError) error = NULL;
    I8042Rig a, b;

    i8042test_rig_init(&a, true);
    i8042test_rig_init(&b, true);
    g_autoptr(GByteArray) plain = savevm_save(a.registry);
    g_autoptr(GByteArray) file = g_byte_array_new();
    size_t len;
    size_t end = i8042test_section_find(plain, "ps2kbd", &len) + len;
    g_byte_array_append(file, plain->data, (guint)end);
    g_byte_array_append(file, nhb, sizeof(nhb));
    g_byte_array_append(file, plain->data + end, plain->len - (guint)end);
    /* b has LEDs on and replies waiting; the file has neither. */
    io_port_write(b.io, 0x60, 0xed, 1);
    io_port_write(b.io, 0x60, 0x02, 1);
    io_port_write(b.io, 0x60, 0xf2, 1);
    ck_assert_msg(savevm_load(b.registry, file->data, file->len, true, &error),
                  "%s", error ? error->message : "");
    Ps2Kbd *k = i8042_keyboard(b.i8042);
    ck_assert(k->need_high_bit);
    ck_assert_uint_eq(k->ledstate, 0);
    ck_assert_int_eq(k->queue.cwptr, -1);
    ck_assert_int_eq(k->queue.count, 0);
    g_autoptr(GByteArray) again = savevm_save(b.registry);
    vmstest_assert_bytes(again, file->data, file->len);
    i8042test_rig_free(&a);
    i8042test_rig_free(&b);
}
END_TEST

START_TEST(test_registration)
{
    static const struct {
        const char *idstr;
        uint32_t id;
        int version;
    } want[] = { { "ps2kbd", 24, 3 },
                 { "ps2mouse", 25, 2 },
                 { "pckbd", 26, 3 } };
    g_autoptr(GError) error = NULL;
    I8042Rig rig;

    i8042test_rig_init(&rig, true);
    ck_assert_uint_eq(vms_registry_count(rig.registry), 3);
    for (guint i = 0; i < 3; i++) {
        const VmsSection *s = vms_registry_get(rig.registry, i);
        ck_assert_str_eq(s->idstr, want[i].idstr);
        ck_assert_uint_eq(s->section_id, want[i].id);
        ck_assert_uint_eq(s->instance_id, 0);
        ck_assert_int_eq(s->vmsd->version, want[i].version);
    }
    /* A second registry shares the state objects. */
    VmsRegistry *other = vms_registry_new();
    i8042_register_sections(rig.i8042, other);
    ck_assert_uint_eq(vms_registry_count(other), 3);
    vms_registry_free(other);
    ck_assert_msg(vms_description_check(&i8042_vmsd, &error), "%s",
                  error ? error->message : "");
    i8042test_rig_free(&rig);
}
END_TEST

Suite *i8042_suite(void)
{
    Suite *suite = suite_create("i8042");
    TCase *ports = tcase_create("port sequences");
    TCase *state = tcase_create("state");
    TCase *hostile = tcase_create("hostile state");

    tcase_add_loop_test(ports, test_scenario, 0, (int)i8042test_scenario_count);
    tcase_add_test(ports, test_ports_and_instances);
    tcase_add_loop_test(state, test_fresh_file, 0, 2);
    tcase_add_test(state, test_a20_sample);
    tcase_add_loop_test(state, test_round_trip, 0, 2);
    tcase_add_loop_test(state, test_every_truncation_fails, 0, 2);
    tcase_add_test(state, test_compat_encodings);
    tcase_add_test(state, test_ps2kbd_v2);
    tcase_add_test(state, test_optional_subsections);
    tcase_add_test(state, test_registration);
    tcase_add_test(hostile, test_busy_layout);
    tcase_add_loop_test(hostile, test_hostile, 0, G_N_ELEMENTS(mutations));
    tcase_add_test(hostile, test_sanitized);
    suite_add_tcase(suite, ports);
    suite_add_tcase(suite, state);
    suite_add_tcase(suite, hostile);
    suite_add_tcase(suite, i8042test_qemu_tcase());
    return suite;
}
