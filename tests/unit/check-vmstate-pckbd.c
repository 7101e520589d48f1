/*
 * The i8042 section of QEMU 7.2 ("pckbd"), described as QEMU describes it,
 * against the bytes of research/qemu-vmstate-7.2.md §3.1 (dumped from
 * files that QEMU 7.2.22 wrote) and the messages of §5.3.  The hooks
 * follow §3.1: pre_save computes the wire form of pending, post_load
 * derives what an old stream lacks.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/check-vmstate.h"

/* ------------------------------------------------------------ pckbd */

typedef struct Kbd {
    /* On the wire. */
    uint8_t write_cmd;
    uint8_t status;
    uint8_t mode;
    uint8_t pending_tmp; /* the wire form of pending, see kbd_pre_save */
    uint8_t outport;
    uint32_t migration_flags;
    uint32_t obsrc;
    uint8_t obdata;
    uint8_t cbdata;
    /* Not on the wire. */
    uint8_t pending;
    bool extended_state; /* the i8042 property; false for xenfv */
    bool outport_present;
    bool extended_state_loaded;
} Kbd;

typedef struct KbdIsa {
    Kbd kbd;
} KbdIsa;

static uint8_t kbd_outport_default(const Kbd *s)
{
    return 0x01 | 0x02 | 0xcc | (s->status & 0x01 ? 0x10 : 0) |
           (s->status & 0x20 ? 0x20 : 0);
}

static bool kbd_outport_needed(const void *opaque)
{
    const Kbd *s = opaque;

    return s->outport != kbd_outport_default(s);
}

static bool kbd_outport_post_load(void *opaque, int version, GError **error)
{
    Kbd *s = opaque;

    s->outport_present = true;
    return true;
}

static bool kbd_extended_needed(const void *opaque)
{
    const Kbd *s = opaque;

    return s->extended_state;
}

static bool kbd_extended_post_load(void *opaque, int version, GError **error)
{
    Kbd *s = opaque;

    s->extended_state_loaded = true;
    return true;
}

static void kbd_pre_save(void *opaque)
{
    Kbd *s = opaque;

    s->pending_tmp = s->extended_state ? s->pending
                                       : (s->pending & 0x10 ? 0x01 : 0) |
                                             (s->pending & 0x20 ? 0x02 : 0);
}

static void kbd_pre_load(void *opaque)
{
    Kbd *s = opaque;

    s->outport_present = false;
    s->extended_state_loaded = false;
}

static bool kbd_post_load(void *opaque, int version, GError **error)
{
    Kbd *s = opaque;

    if (!s->outport_present) {
        s->outport = kbd_outport_default(s);
    }
    s->pending = s->pending_tmp;
    if (!s->extended_state_loaded) {
        s->obsrc = s->status & 0x01 ? (s->status & 0x20 ? 2 : 1) : 0;
        s->pending |=
            (s->pending & 0x01 ? 0x10 : 0) | (s->pending & 0x02 ? 0x20 : 0);
    }
    s->pending &= 0x3c;
    return true;
}

static const VmsField kbd_outport_fields[] = {
    VMS_FIELD(Kbd, outport),
    VMS_END,
};

static const VmsDescription kbd_outport_vmsd = {
    .name = "pckbd_outport",
    .version = 1,
    .min_version = 1,
    .size = sizeof(Kbd),
    .fields = kbd_outport_fields,
    .needed = kbd_outport_needed,
    .post_load = kbd_outport_post_load,
};

static const VmsField kbd_extended_fields[] = {
    VMS_FIELD(Kbd, migration_flags),
    VMS_FIELD(Kbd, obsrc),
    VMS_FIELD(Kbd, obdata),
    VMS_FIELD(Kbd, cbdata),
    VMS_END,
};

static const VmsDescription kbd_extended_vmsd = {
    .name = "pckbd/extended_state",
    .size = sizeof(Kbd),
    .fields = kbd_extended_fields,
    .needed = kbd_extended_needed,
    .post_load = kbd_extended_post_load,
};

static const VmsField kbd_fields[] = {
    VMS_FIELD(Kbd, write_cmd),
    VMS_FIELD(Kbd, status),
    VMS_FIELD(Kbd, mode),
    VMS_FIELD(Kbd, pending_tmp),
    VMS_END,
};

static const VmsDescription *const kbd_subsections[] = {
    &kbd_outport_vmsd,
    &kbd_extended_vmsd,
    NULL,
};

static const VmsDescription kbd_vmsd = {
    .name = "pckbd",
    .version = 3,
    .min_version = 3,
    .size = sizeof(Kbd),
    .fields = kbd_fields,
    .subsections = kbd_subsections,
    .pre_save = kbd_pre_save,
    .pre_load = kbd_pre_load,
    .post_load = kbd_post_load,
};

static const VmsField kbd_isa_fields[] = {
    VMS_STRUCT(KbdIsa, kbd, &kbd_vmsd),
    VMS_END,
};

static const VmsDescription kbd_isa_vmsd = {
    .name = "pckbd",
    .version = 3,
    .min_version = 3,
    .size = sizeof(KbdIsa),
    .fields = kbd_isa_fields,
};

/* The section header (§1.2) is 19 bytes; the body follows. */
enum { KBD_HEADER = 19 };

/* clang-format off */
/* §3.1, fresh pc-7.2 VM: 59 bytes, as dumped from QEMU's file. */
static const uint8_t kbd_fresh_section[] = {
    /* 001c91 */ 0x04, 0x00, 0x00, 0x00, 0x1a, 0x05, 0x70, 0x63,
    /* 001c99 */ 0x6b, 0x62, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 001ca1 */ 0x00, 0x00, 0x03, 0x00, 0x18, 0x03, 0x00, 0x05,
    /* 001ca9 */ 0x14, 0x70, 0x63, 0x6b, 0x62, 0x64, 0x2f, 0x65,
    /* 001cb1 */ 0x78, 0x74, 0x65, 0x6e, 0x64, 0x65, 0x64, 0x5f,
    /* 001cb9 */ 0x73, 0x74, 0x61, 0x74, 0x65, 0x00, 0x00, 0x00,
    /* 001cc1 */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 001cc9 */ 0x00, 0x00, 0x00,
};

/* §3.1, A20 off (outport 0xdd) and a keyboard reply pending: 79 bytes. */
static const uint8_t kbd_a20_section[] = {
    /* 001cce */ 0x04, 0x00, 0x00, 0x00, 0x1a, 0x05, 0x70, 0x63,
    /* 001cd6 */ 0x6b, 0x62, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 001cde */ 0x00, 0x00, 0x03, 0x00, 0x19, 0x03, 0x10, 0x05,
    /* 001ce6 */ 0x0d, 0x70, 0x63, 0x6b, 0x62, 0x64, 0x5f, 0x6f,
    /* 001cee */ 0x75, 0x74, 0x70, 0x6f, 0x72, 0x74, 0x00, 0x00,
    /* 001cf6 */ 0x00, 0x01, 0xdd, 0x05, 0x14, 0x70, 0x63, 0x6b,
    /* 001cfe */ 0x62, 0x64, 0x2f, 0x65, 0x78, 0x74, 0x65, 0x6e,
    /* 001d06 */ 0x64, 0x65, 0x64, 0x5f, 0x73, 0x74, 0x61, 0x74,
    /* 001d0e */ 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 001d16 */ 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
};
/* clang-format on */

/* A reset i8042 (status 0x18, mode 0x03, A20 on). */
static void kbd_reset(KbdIsa *s, bool extended_state)
{
    memset(s, 0, sizeof(*s));
    s->kbd.status = 0x18;
    s->kbd.mode = 0x03;
    s->kbd.outport = kbd_outport_default(&s->kbd);
    s->kbd.extended_state = extended_state;
}

START_TEST(test_pckbd_fresh)
{
    KbdIsa s, t;
    g_autoptr(GByteArray) bytes = NULL;

    ck_assert_uint_eq(sizeof(kbd_fresh_section), 59);
    kbd_reset(&s, true);
    bytes = vmstest_save(&kbd_isa_vmsd, &s);
    vmstest_assert_bytes(bytes, kbd_fresh_section + KBD_HEADER,
                         sizeof(kbd_fresh_section) - KBD_HEADER);

    memset(&t, 0, sizeof(t));
    t.kbd.extended_state = true;
    ck_assert_ptr_null(
        vmstest_load(&kbd_isa_vmsd, &t, 3, bytes->data, bytes->len, NULL));
    ck_assert_uint_eq(t.kbd.status, 0x18);
    ck_assert_uint_eq(t.kbd.mode, 0x03);
    ck_assert_uint_eq(t.kbd.outport, 0xcf); /* no subsection: default */
    ck_assert(t.kbd.extended_state_loaded);
}
END_TEST

START_TEST(test_pckbd_a20_off)
{
    KbdIsa s, t;
    g_autoptr(GByteArray) bytes = NULL;

    ck_assert_uint_eq(sizeof(kbd_a20_section), 79);
    kbd_reset(&s, true);
    s.kbd.status = 0x19;
    s.kbd.outport = 0xdd;
    s.kbd.pending = 0x10;
    s.kbd.obsrc = 1;
    bytes = vmstest_save(&kbd_isa_vmsd, &s);
    vmstest_assert_bytes(bytes, kbd_a20_section + KBD_HEADER,
                         sizeof(kbd_a20_section) - KBD_HEADER);

    kbd_reset(&t, true);
    ck_assert_ptr_null(
        vmstest_load(&kbd_isa_vmsd, &t, 3, bytes->data, bytes->len, NULL));
    ck_assert_uint_eq(t.kbd.outport, 0xdd);
    ck_assert_uint_eq(t.kbd.pending, 0x10);
    ck_assert_uint_eq(t.kbd.obsrc, 1);
    ck_assert(t.kbd.outport_present);
}
END_TEST

/* xenfv (pc-i440fx-3.1 compat): no extended_state, a 4-byte body. */
START_TEST(test_pckbd_xenfv)
{
    static const uint8_t body[] = {
        0x00, /* write_cmd */
        0x19, /* status */
        0x03, /* mode */
        0x01, /* pending_tmp: the old encoding of pending 0x10 */
    };
    KbdIsa s, t;
    g_autoptr(GByteArray) bytes = NULL;

    kbd_reset(&s, false);
    s.kbd.status = 0x19;
    s.kbd.outport = kbd_outport_default(&s.kbd);
    s.kbd.pending = 0x10;
    bytes = vmstest_save(&kbd_isa_vmsd, &s);
    vmstest_assert_bytes(bytes, body, sizeof(body));
    kbd_reset(&t, false);
    t.kbd.obsrc = 4;
    ck_assert_ptr_null(
        vmstest_load(&kbd_isa_vmsd, &t, 3, body, sizeof(body), NULL));
    ck_assert_uint_eq(t.kbd.pending, 0x10);
    ck_assert_uint_eq(t.kbd.obsrc, 1); /* derived from status */
    ck_assert_uint_eq(t.kbd.outport, 0xdf);
}
END_TEST

/* The mutations of §5.3, with QEMU's wording where it has one. */
START_TEST(test_pckbd_qemu_messages)
{
    const uint8_t *body = kbd_fresh_section + KBD_HEADER;
    size_t len = sizeof(kbd_fresh_section) - KBD_HEADER;
    uint8_t data[sizeof(kbd_fresh_section) - KBD_HEADER];
    KbdIsa t;
    size_t pos;

    kbd_reset(&t, true);
    vmstest_assert_load_error(&kbd_isa_vmsd, &t, 2, body, len,
                              "at byte 0: pckbd: incoming version_id 2 is too "
                              "old for local minimum version_id 3");
    memcpy(data, body, len);
    data[4 + 2 + 20 + 3] = 1;
    vmstest_assert_load_error(&kbd_isa_vmsd, &t, 3, data, len,
                              "kbd/extended_state at byte 4: "
                              "pckbd/extended_state: incoming version_id 1 "
                              "is too new for local version_id 0");
    memcpy(data, body, len);
    data[4 + 2 + 19] = 'X';
    vmstest_assert_load_error(&kbd_isa_vmsd, &t, 3, data, len,
                              "kbd at byte 4: unknown subsection "
                              "'pckbd/extended_statX'");
    /* Not ours: the loop ends and the 0x05 stays for the section layer. */
    memcpy(data, body, len);
    data[4 + 2] = 'q';
    ck_assert_ptr_null(vmstest_load(&kbd_isa_vmsd, &t, 3, data, len, &pos));
    ck_assert_uint_eq(pos, 4);
}
END_TEST

START_TEST(test_check_pckbd_table)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(vms_description_check(&kbd_isa_vmsd, &error), "%s",
                  error ? error->message : "");
}
END_TEST

void vmstest_add_pckbd_cases(Suite *suite)
{
    TCase *tc = tcase_create("pckbd fact sheet");

    tcase_add_test(tc, test_pckbd_fresh);
    tcase_add_test(tc, test_pckbd_a20_off);
    tcase_add_test(tc, test_pckbd_xenfv);
    tcase_add_test(tc, test_pckbd_qemu_messages);
    tcase_add_test(tc, test_check_pckbd_table);
    suite_add_tcase(suite, tc);
}
