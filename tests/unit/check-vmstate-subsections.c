/*
 * vmstate subsections, hooks and error paths (research/qemu-vmstate-7.2.md
 * §1.4): written after all the owner's fields when needed(), found by name
 * in any order on load, an unknown name with the owner's prefix rejected,
 * any other name left for whoever reads next.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/check-vmstate.h"

/* ------------------------------------------------------------ generic */

typedef struct Dev {
    uint8_t a;
    uint8_t x;       /* subsection dev/x */
    uint16_t y;      /* subsection dev/y, v2 min 1 */
    uint8_t y_extra; /* dev/y since v2 */
    char trace[32];  /* hook calls; not on the wire */
} Dev;

static void dev_trace(void *opaque, const char *what)
{
    Dev *d = opaque;

    g_strlcat(d->trace, what, sizeof(d->trace));
}

static bool dev_x_needed(const void *opaque)
{
    return ((const Dev *)opaque)->x != 0;
}

static bool dev_y_needed(const void *opaque)
{
    return ((const Dev *)opaque)->y != 0;
}

static bool dev_x_post_load(void *opaque, int version, GError **error)
{
    dev_trace(opaque, "x");
    return true;
}

static bool dev_y_post_load(void *opaque, int version, GError **error)
{
    Dev *d = opaque;

    dev_trace(opaque, "y");
    if (d->y == 0xdead) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "y is dead");
        return false;
    }
    return true;
}

/* Defaults for whatever the stream does not carry. */
static void dev_pre_load(void *opaque)
{
    Dev *d = opaque;

    d->x = 0;
    d->y = 0;
    dev_trace(opaque, "L");
}

static bool dev_post_load(void *opaque, int version, GError **error)
{
    dev_trace(opaque, "P");
    return true;
}

static void dev_pre_save(void *opaque)
{
    dev_trace(opaque, "S");
}

static const VmsField dev_x_fields[] = {
    VMS_FIELD(Dev, x),
    VMS_END,
};

static const VmsDescription dev_x_vmsd = {
    .name = "dev/x",
    .version = 1,
    .min_version = 1,
    .size = sizeof(Dev),
    .fields = dev_x_fields,
    .needed = dev_x_needed,
    .post_load = dev_x_post_load,
};

static const VmsField dev_y_fields[] = {
    VMS_FIELD(Dev, y),
    VMS_FIELD_V(Dev, y_extra, 2),
    VMS_END,
};

static const VmsDescription dev_y_vmsd = {
    .name = "dev/y",
    .version = 2,
    .min_version = 1,
    .size = sizeof(Dev),
    .fields = dev_y_fields,
    .needed = dev_y_needed,
    .post_load = dev_y_post_load,
};

static const VmsField dev_fields[] = {
    VMS_FIELD(Dev, a),
    VMS_END,
};

static const VmsDescription *const dev_subsections[] = {
    &dev_x_vmsd,
    &dev_y_vmsd,
    NULL,
};

static const VmsDescription dev_vmsd = {
    .name = "dev",
    .version = 1,
    .size = sizeof(Dev),
    .fields = dev_fields,
    .subsections = dev_subsections,
    .pre_load = dev_pre_load,
    .post_load = dev_post_load,
    .pre_save = dev_pre_save,
};

#define SUB_X   0x05, 0x05, 'd', 'e', 'v', '/', 'x'
#define SUB_Y   0x05, 0x05, 'd', 'e', 'v', '/', 'y'
#define BE32(v) 0x00, 0x00, (((v) >> 8) & 0xff), ((v)&0xff)

static const uint8_t dev_golden[] = {
    0x01,          /* a */
    SUB_X,         /* subsection "dev/x" */
    BE32(1),       /* its version */
    0x05,          /* x */
    SUB_Y,         /* subsection "dev/y" */
    BE32(2),       /* its version */
    0x01,    0x02, /* y */
    0x03,          /* y_extra, since v2 */
};

START_TEST(test_written_when_needed)
{
    Dev d = { .a = 1 };
    g_autoptr(GByteArray) none = vmstest_save(&dev_vmsd, &d);
    g_autoptr(GByteArray) both = NULL;

    vmstest_assert_bytes(none, dev_golden, 1);
    d.x = 5;
    d.y = 0x0102;
    d.y_extra = 3;
    both = vmstest_save(&dev_vmsd, &d);
    vmstest_assert_bytes(both, dev_golden, sizeof(dev_golden));
    ck_assert_str_eq(d.trace, "SS");
}
END_TEST

START_TEST(test_load_any_order)
{
    static const uint8_t y_then_x[] = {
        0x01, SUB_Y, BE32(2), 0x01, 0x02, 0x03, SUB_X, BE32(1), 0x05,
    };
    Dev d = { 0 };
    g_autoptr(GByteArray) again = NULL;

    ck_assert_ptr_null(
        vmstest_load(&dev_vmsd, &d, 1, y_then_x, sizeof(y_then_x), NULL));
    ck_assert_str_eq(d.trace, "LyxP");
    ck_assert_uint_eq(d.x, 5);
    ck_assert_uint_eq(d.y, 0x0102);
    ck_assert_uint_eq(d.y_extra, 3);
    /* Saved again in list order. */
    again = vmstest_save(&dev_vmsd, &d);
    vmstest_assert_bytes(again, dev_golden, sizeof(dev_golden));
}
END_TEST

START_TEST(test_missing_keeps_pre_load_defaults)
{
    Dev d = { .x = 0x77, .y = 0x7777 };

    ck_assert_ptr_null(vmstest_load(&dev_vmsd, &d, 1, dev_golden, 1, NULL));
    ck_assert_uint_eq(d.x, 0);
    ck_assert_uint_eq(d.y, 0);
    ck_assert_str_eq(d.trace, "LP");
}
END_TEST

START_TEST(test_unknown_prefixed_rejected)
{
    static const uint8_t w[] = { 0x01, 0x05, 0x05, 'd',     'e',
                                 'v',  '/',  'w',  BE32(1), 0x00 };
    /* The prefix is the bare owner name, as in QEMU: "devx" is ours. */
    static const uint8_t devx[] = { 0x01, 0x05, 0x04, 'd',
                                    'e',  'v',  'x',  BE32(1) };
    static const uint8_t odd[] = { 0x01, 0x05, 0x05, 'd',    'e',
                                   'v',  '\'', 0xff, BE32(1) };
    Dev d = { 0 };

    vmstest_assert_load_error(&dev_vmsd, &d, 1, w, sizeof(w),
                              "at byte 1: unknown subsection 'dev/w'");
    vmstest_assert_load_error(&dev_vmsd, &d, 1, devx, sizeof(devx),
                              "at byte 1: unknown subsection 'devx'");
    vmstest_assert_load_error(&dev_vmsd, &d, 1, odd, sizeof(odd),
                              "at byte 1: unknown subsection "
                              "'dev\\x27\\xff'");
}
END_TEST

START_TEST(test_foreign_name_stops_loop)
{
    static const uint8_t other[] = { 0x01, 0x05, 0x05, 'q',     'e',
                                     'v',  '/',  'x',  BE32(1), 0x05 };
    /* namelen 3 < strlen("dev") + 1. */
    static const uint8_t short_name[] = { 0x01, 0x05, 0x03, 'd', 'e', 'v' };
    /* Cut short, but the bytes there already say "not ours". */
    static const uint8_t cut_other[] = { 0x01, 0x05, 0x40, 'd', 'x' };
    Dev d = { .x = 0x77 };
    size_t pos;

    ck_assert_ptr_null(
        vmstest_load(&dev_vmsd, &d, 1, other, sizeof(other), &pos));
    ck_assert_uint_eq(pos, 1);
    ck_assert_uint_eq(d.x, 0);
    ck_assert_ptr_null(
        vmstest_load(&dev_vmsd, &d, 1, short_name, sizeof(short_name), &pos));
    ck_assert_uint_eq(pos, 1);
    ck_assert_ptr_null(
        vmstest_load(&dev_vmsd, &d, 1, cut_other, sizeof(cut_other), &pos));
    ck_assert_uint_eq(pos, 1);
}
END_TEST

/* A header of ours cut by the end of the data is a truncation. */
START_TEST(test_cut_header_is_truncation)
{
    static const uint8_t cut_name[] = { 0x01, 0x05, 0x40, 'd', 'e', 'v' };
    static const uint8_t cut_len[] = { 0x01, 0x05 };
    Dev d = { 0 };

    vmstest_assert_load_error(&dev_vmsd, &d, 1, cut_name, sizeof(cut_name),
                              "at byte 1: truncated (needs 66 bytes, 5 "
                              "left)");
    vmstest_assert_load_error(&dev_vmsd, &d, 1, cut_len, sizeof(cut_len),
                              "at byte 1: truncated (needs 2 bytes, 1 "
                              "left)");
}
END_TEST

/* QEMU keeps only the low byte of the be32 subsection version. */
START_TEST(test_version_low_byte)
{
    uint8_t data[] = { 0x01, SUB_Y, 0x00, 0x00, 0x01, 0x02, 0xbe, 0xef, 0x07 };
    Dev d = { .y_extra = 0x99 };
    size_t pos;

    ck_assert_ptr_null(
        vmstest_load(&dev_vmsd, &d, 1, data, sizeof(data), &pos));
    ck_assert_uint_eq(d.y, 0xbeef);
    ck_assert_uint_eq(d.y_extra, 0x07); /* v2: present */
    ck_assert_uint_eq(pos, sizeof(data));

    data[11] = 0x01; /* 0x00000101: v1, no y_extra */
    ck_assert_ptr_null(
        vmstest_load(&dev_vmsd, &d, 1, data, sizeof(data), &pos));
    ck_assert_uint_eq(pos, sizeof(data) - 1);

    data[11] = 0x00; /* 0x00000100: v0 */
    vmstest_assert_load_error(&dev_vmsd, &d, 1, data, sizeof(data),
                              "/y at byte 1: dev/y: incoming version_id 0 is "
                              "too old for local minimum version_id 1");
    data[11] = 0x03;
    vmstest_assert_load_error(&dev_vmsd, &d, 1, data, sizeof(data),
                              "/y at byte 1: dev/y: incoming version_id 3 is "
                              "too new for local version_id 2");
    vmstest_assert_load_error(&dev_vmsd, &d, 1, data, 10,
                              "/y at byte 8: truncated (needs 4 bytes, 2 "
                              "left)");
}
END_TEST

/* ------------------------------------------------------------ nesting */

typedef struct Parent {
    uint8_t head;
    Dev child;
    Dev kids[2];
    uint8_t tail;
    uint8_t extra; /* subsection parent/extra */
} Parent;

static bool parent_extra_needed(const void *opaque)
{
    return ((const Parent *)opaque)->extra != 0;
}

static const VmsField parent_extra_fields[] = {
    VMS_FIELD(Parent, extra),
    VMS_END,
};

static const VmsDescription parent_extra_vmsd = {
    .name = "parent/extra",
    .version = 1,
    .size = sizeof(Parent),
    .fields = parent_extra_fields,
    .needed = parent_extra_needed,
};

static const VmsField parent_fields[] = {
    VMS_FIELD(Parent, head),
    VMS_STRUCT(Parent, child, &dev_vmsd),
    VMS_STRUCT_ARRAY(Parent, kids, &dev_vmsd),
    VMS_FIELD(Parent, tail),
    VMS_END,
};

static const VmsDescription *const parent_subsections[] = {
    &parent_extra_vmsd,
    NULL,
};

static const VmsDescription parent_vmsd = {
    .name = "parent",
    .version = 1,
    .size = sizeof(Parent),
    .fields = parent_fields,
    .subsections = parent_subsections,
};

static const uint8_t parent_golden[] = {
    0xaa,             /* head */
    0x01,             /* child.a */
    SUB_X,   BE32(1), /* child/x, inside the parent's fields */
    0x0c,             /* child.x */
    0x05,             /* kids[0].a: 0x05, yet not a subsection */
    SUB_Y,   BE32(2), /* kids[0]/y */
    0x00,    0x0d,    /* kids[0].y */
    0x0e,             /* kids[0].y_extra */
    0x03,             /* kids[1].a, no subsections */
    0x06,             /* tail */
    0x05,    0x0c,    'p', 'a', 'r', 'e', 'n', 't',
    '/',     'e',     'x', 't', 'r', 'a', /* parent/extra, after all parent
                                             fields */
    BE32(1),                              /* its version */
    0x0f,                                 /* extra */
};

enum { PARENT_SUB_START = 31 };

static void parent_fill(Parent *p)
{
    memset(p, 0, sizeof(*p));
    p->head = 0xaa;
    p->child.a = 1;
    p->child.x = 0x0c;
    p->kids[0].a = 5;
    p->kids[0].y = 0x0d;
    p->kids[0].y_extra = 0x0e;
    p->kids[1].a = 3;
    p->tail = 6;
    p->extra = 0x0f;
}

START_TEST(test_nested_struct_subsections)
{
    Parent p, q;
    g_autoptr(GByteArray) bytes = NULL;
    g_autoptr(GByteArray) again = NULL;

    ck_assert_uint_eq(parent_golden[PARENT_SUB_START], 0x05);
    parent_fill(&p);
    bytes = vmstest_save(&parent_vmsd, &p);
    vmstest_assert_bytes(bytes, parent_golden, sizeof(parent_golden));

    memset(&q, 0, sizeof(q));
    ck_assert_ptr_null(vmstest_load(&parent_vmsd, &q, 1, parent_golden,
                                    sizeof(parent_golden), NULL));
    ck_assert_uint_eq(q.child.x, 0x0c);
    ck_assert_uint_eq(q.child.y, 0); /* pre_load default */
    ck_assert_uint_eq(q.kids[0].a, 5);
    ck_assert_uint_eq(q.kids[0].y, 0x0d);
    ck_assert_uint_eq(q.kids[1].x, 0);
    ck_assert_uint_eq(q.tail, 6);
    ck_assert_uint_eq(q.extra, 0x0f);
    ck_assert_str_eq(q.child.trace, "LxP");
    ck_assert_str_eq(q.kids[0].trace, "LyP");
    ck_assert_str_eq(q.kids[1].trace, "LP");
    again = vmstest_save(&parent_vmsd, &q);
    vmstest_assert_bytes(again, parent_golden, sizeof(parent_golden));
}
END_TEST

START_TEST(test_post_load_error_has_path)
{
    uint8_t data[sizeof(parent_golden)];
    Parent q;

    memcpy(data, parent_golden, sizeof(data));
    data[26] = 0xde; /* kids[0].y */
    data[27] = 0xad;
    memset(&q, 0, sizeof(q));
    vmstest_assert_load_error(&parent_vmsd, &q, 1, data, sizeof(data),
                              "kids[0]/y: y is dead");
}
END_TEST

/*
 * Every strict prefix fails with the truncation message, except the one
 * that ends right before the top-level subsection: that is a complete
 * stream without it, and the reader stops there.
 */
START_TEST(test_every_truncation_with_subsections)
{
    for (size_t n = 0; n < sizeof(parent_golden); n++) {
        g_autofree char *msg = NULL;
        Parent q;
        size_t pos;

        memset(&q, 0, sizeof(q));
        msg = vmstest_load(&parent_vmsd, &q, 1, parent_golden, n, &pos);
        if (n == PARENT_SUB_START) {
            ck_assert_msg(msg == NULL, "prefix %zu: %s", n, msg);
            ck_assert_uint_eq(pos, PARENT_SUB_START);
        } else {
            ck_assert_msg(msg != NULL && strstr(msg, ": truncated (needs "),
                          "prefix %zu: %s", n, msg ? msg : "loaded");
        }
    }
}
END_TEST

/* ------------------------------------------------------------ paths */

typedef struct PioDrive {
    uint8_t status;
    int32_t cur_io_buffer_offset;
} PioDrive;

typedef struct PioIde {
    struct {
        PioDrive ifs[2];
    } bus[2];
} PioIde;

static bool pio_needed(const void *opaque)
{
    return ((const PioDrive *)opaque)->status & 0x08;
}

static const VmsField pio_fields[] = {
    VMS_FIELD_RANGE(PioDrive, cur_io_buffer_offset, 0, 131076),
    VMS_END,
};

static const VmsDescription pio_vmsd = {
    .name = "ide_drive/pio_state",
    .version = 1,
    .size = sizeof(PioDrive),
    .fields = pio_fields,
    .needed = pio_needed,
};

static const VmsField pio_drive_fields[] = {
    VMS_FIELD(PioDrive, status),
    VMS_END,
};

static const VmsDescription *const pio_drive_subsections[] = {
    &pio_vmsd,
    NULL,
};

static const VmsDescription pio_drive_vmsd = {
    .name = "ide_drive",
    .version = 3,
    .size = sizeof(PioDrive),
    .fields = pio_drive_fields,
    .subsections = pio_drive_subsections,
};

static const VmsField pio_ide_fields[] = {
    VMS_STRUCT_ARRAY(PioIde, bus[0].ifs, &pio_drive_vmsd),
    VMS_STRUCT_ARRAY(PioIde, bus[1].ifs, &pio_drive_vmsd),
    VMS_END,
};

static const VmsDescription pio_ide_vmsd = {
    .name = "ide",
    .version = 3,
    .size = sizeof(PioIde),
    .fields = pio_ide_fields,
};

/* The example of vmstate.h, at the same file offset. */
START_TEST(test_error_path_example)
{
    enum { FIELD_IN_BODY = 1 + 2 + 19 + 4, FIELD_AT = 11873 };
    PioIde s = { 0 }, t = { 0 };
    g_autoptr(GByteArray) body = NULL;
    g_autoptr(GByteArray) file = g_byte_array_new();
    g_autoptr(GError) error = NULL;
    VmsReader r;

    s.bus[0].ifs[0].status = 0x08;
    s.bus[0].ifs[0].cur_io_buffer_offset = 0x7ffffff0;
    body = vmstest_save(&pio_ide_vmsd, &s);
    g_byte_array_set_size(file, FIELD_AT - FIELD_IN_BODY);
    g_byte_array_append(file, body->data, body->len);
    vms_reader_init(&r, file->data, file->len);
    r.pos = FIELD_AT - FIELD_IN_BODY;
    ck_assert(!vms_load(&r, &pio_ide_vmsd, &t, 3, &error));
    ck_assert_str_eq(error->message,
                     "bus[0].ifs[0]/pio_state.cur_io_buffer_offset at byte "
                     "11873: 2147483632 outside 0..131076");
}
END_TEST

typedef struct Loop {
    uint8_t v;
} Loop;

static const VmsDescription loop_vmsd;

static const VmsField loop_fields[] = {
    { .name = "self",
      .kind = VMS_KIND_STRUCT,
      .offset = 0,
      .size = sizeof(Loop),
      .vmsd = &loop_vmsd },
    VMS_END,
};

static const VmsDescription loop_vmsd = {
    .name = "loop",
    .version = 1,
    .size = sizeof(Loop),
    .fields = loop_fields,
};

START_TEST(test_nesting_bounded)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *msg = NULL;
    Loop l = { 0 };

    msg = vmstest_load(&loop_vmsd, &l, 1, NULL, 0, NULL);
    ck_assert_msg(g_str_has_prefix(msg, "self.self.") &&
                      g_str_has_suffix(msg, "self at byte 0: loop: nested "
                                            "deeper than 16"),
                  "%s", msg);
    ck_assert(!vms_description_check(&loop_vmsd, &error));
    ck_assert_msg(g_str_has_suffix(error->message,
                                   "loop.self: loop: nested deeper than 16"),
                  "%s", error->message);
}
END_TEST

/* ------------------------------------------------------------ checker */

START_TEST(test_check_subsection_tables)
{
    const VmsDescription *good[] = { &dev_vmsd, &parent_vmsd, &pio_ide_vmsd };
    const VmsDescription foreign = { .name = "qev/x",
                                     .version = 1,
                                     .size = sizeof(Dev),
                                     .fields = dev_x_fields };
    const VmsDescription small = { .name = "dev/s", .version = 1, .size = 1 };
    const VmsDescription *const twice[] = { &dev_x_vmsd, &dev_x_vmsd, NULL };
    const VmsDescription *const bad_foreign[] = { &foreign, NULL };
    const VmsDescription *const bad_small[] = { &small, NULL };
    const struct {
        const VmsDescription *const *subs;
        const char *message;
    } cases[] = {
        { bad_foreign, "dev: subsection 'qev/x' lacks the prefix" },
        { bad_small, "dev: subsection 'dev/s' describes 1 bytes" },
        { twice, "dev: subsection 'dev/x' listed twice" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;
        ck_assert_msg(vms_description_check(good[i], &error), "%s",
                      error ? error->message : "");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VmsDescription d = dev_vmsd;
        g_autoptr(GError) error = NULL;

        d.subsections = cases[i].subs;
        ck_assert(!vms_description_check(&d, &error));
        ck_assert_str_eq(error->message, cases[i].message);
    }
}
END_TEST

void vmstest_add_subsection_cases(Suite *suite)
{
    TCase *tc;

    tc = tcase_create("subsections");
    tcase_add_test(tc, test_written_when_needed);
    tcase_add_test(tc, test_load_any_order);
    tcase_add_test(tc, test_missing_keeps_pre_load_defaults);
    tcase_add_test(tc, test_unknown_prefixed_rejected);
    tcase_add_test(tc, test_foreign_name_stops_loop);
    tcase_add_test(tc, test_cut_header_is_truncation);
    tcase_add_test(tc, test_version_low_byte);
    suite_add_tcase(suite, tc);

    tc = tcase_create("nested subsections");
    tcase_add_test(tc, test_nested_struct_subsections);
    tcase_add_test(tc, test_post_load_error_has_path);
    tcase_add_test(tc, test_every_truncation_with_subsections);
    suite_add_tcase(suite, tc);

    tc = tcase_create("error paths");
    tcase_add_test(tc, test_error_path_example);
    tcase_add_test(tc, test_nesting_bounded);
    tcase_add_test(tc, test_check_subsection_tables);
    suite_add_tcase(suite, tc);
}
