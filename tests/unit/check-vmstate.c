/*
 * The byte streams, and the vmstate interpreter field by field: golden
 * bytes for every field kind (one comment per field), loads of the
 * goldens, round trips, every truncation, version gates and the table
 * checker.  The wire rules are research/qemu-vmstate-7.2.md §2.  The other
 * check-vmstate-*.c files add their TCases to the same suite.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/check-vmstate.h"
#include "tests/unit/suites.h"
#include "vmstate/stream.h"

/* ------------------------------------------------------------ helpers */

GByteArray *vmstest_save(const VmsDescription *d, void *opaque)
{
    VmsWriter w;

    vms_writer_init(&w);
    vms_save(&w, d, opaque);
    return vms_writer_steal(&w);
}

void vmstest_assert_bytes(const GByteArray *got, const uint8_t *want,
                          size_t len)
{
    GString *text;

    if (got->len == len && memcmp(got->data, want, len) == 0) {
        return;
    }
    text = g_string_new("bytes differ:\n got ");
    for (guint i = 0; i < got->len; i++) {
        g_string_append_printf(text, "%02x ", got->data[i]);
    }
    g_string_append(text, "\nwant ");
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(text, "%02x ", want[i]);
    }
    ck_abort_msg("%s", text->str);
}

char *vmstest_load(const VmsDescription *d, void *opaque, int version,
                   const uint8_t *data, size_t len, size_t *pos)
{
    g_autoptr(GError) error = NULL;
    VmsReader r;
    bool ok;

    vms_reader_init(&r, data, len);
    ok = vms_load(&r, d, opaque, version, &error);
    if (pos != NULL) {
        *pos = r.pos;
    }
    ck_assert(ok == (error == NULL));
    return ok ? NULL : g_strdup(error->message);
}

void vmstest_assert_load_error(const VmsDescription *d, void *opaque,
                               int version, const uint8_t *data, size_t len,
                               const char *message)
{
    g_autofree char *got = vmstest_load(d, opaque, version, data, len, NULL);

    ck_assert_msg(got != NULL, "load succeeded, expected \"%s\"", message);
    ck_assert_str_eq(got, message);
}

/* ------------------------------------------------------------ streams */

START_TEST(test_reader_big_endian)
{
    static const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                                    0x0d, 0x0e, 0x0f, 0x10 };
    VmsReader r;
    uint8_t u8, bytes[1];
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;

    vms_reader_init(&r, data, sizeof(data));
    ck_assert(vms_read_u8(&r, &u8));
    ck_assert_uint_eq(u8, 0x01);
    ck_assert(vms_read_be16(&r, &u16));
    ck_assert_uint_eq(u16, 0x0203);
    ck_assert(vms_read_be32(&r, &u32));
    ck_assert_uint_eq(u32, 0x04050607);
    ck_assert(vms_peek_u8(&r, &u8));
    ck_assert_uint_eq(u8, 0x08);
    ck_assert(vms_read_be64(&r, &u64));
    ck_assert_uint_eq(u64, 0x08090a0b0c0d0e0fULL);
    ck_assert_uint_eq(r.pos, 15);
    ck_assert(vms_read_bytes(&r, bytes, 1));
    ck_assert_uint_eq(bytes[0], 0x10);
    ck_assert_uint_eq(vms_reader_left(&r), 0);
    ck_assert(!vms_peek_u8(&r, &u8));
    ck_assert(vms_read_bytes(&r, bytes, 0));
    ck_assert(vms_skip(&r, 0));
}
END_TEST

/* A read that does not fit takes nothing. */
START_TEST(test_reader_failed_read_takes_nothing)
{
    static const uint8_t data[] = { 0xaa, 0xbb, 0xcc };
    VmsReader r;
    uint8_t u8, bytes[4] = { 0 };
    uint32_t u32 = 0x11111111;
    uint64_t u64 = 0;
    uint16_t u16;

    vms_reader_init(&r, data, sizeof(data));
    ck_assert(!vms_read_be32(&r, &u32));
    ck_assert_uint_eq(u32, 0x11111111);
    ck_assert(!vms_read_be64(&r, &u64));
    ck_assert(!vms_read_bytes(&r, bytes, 4));
    ck_assert(!vms_skip(&r, 4));
    ck_assert(!vms_skip(&r, SIZE_MAX));
    ck_assert_uint_eq(r.pos, 0);
    ck_assert(vms_skip(&r, 2));
    ck_assert(!vms_read_be16(&r, &u16));
    ck_assert_uint_eq(r.pos, 2);
    ck_assert(vms_read_u8(&r, &u8));
    ck_assert_uint_eq(u8, 0xcc);
    ck_assert(!vms_read_u8(&r, &u8));
    ck_assert_uint_eq(r.pos, 3);

    vms_reader_init(&r, NULL, 0);
    ck_assert(!vms_read_u8(&r, &u8));
}
END_TEST

START_TEST(test_writer)
{
    static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
                                    0x0f, 'a',  'b',  0x00, 0x00, 0x00 };
    VmsWriter w;
    GByteArray *bytes;

    vms_writer_init(&w);
    vms_write_u8(&w, 0x01);
    vms_write_be16(&w, 0x0203);
    vms_write_be32(&w, 0x04050607);
    vms_write_be64(&w, 0x08090a0b0c0d0e0fULL);
    vms_write_bytes(&w, "ab", 2);
    vms_write_zeros(&w, 3);
    vms_write_bytes(&w, NULL, 0);
    bytes = vms_writer_steal(&w);
    ck_assert_ptr_null(w.buf);
    vms_writer_clear(&w); /* nothing left to free */
    vmstest_assert_bytes(bytes, want, sizeof(want));
    g_byte_array_unref(bytes);

    vms_writer_init(&w);
    vms_write_u8(&w, 0xff);
    vms_writer_clear(&w);
    ck_assert_ptr_null(w.buf);
}
END_TEST

/* ------------------------------------------------------------ all kinds */

typedef struct Pair {
    uint16_t a;
    int8_t b;
} Pair;

static const VmsField pair_fields[] = {
    VMS_FIELD(Pair, a),
    VMS_FIELD(Pair, b),
    VMS_END,
};

static const VmsDescription pair_vmsd = {
    .name = "pair",
    .version = 1,
    .size = sizeof(Pair),
    .fields = pair_fields,
};

typedef struct AllKinds {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    bool flag;
    int16_t arr[3];
    uint8_t buf[4];
    uint8_t gr[6];
    uint8_t *vbuf;
    uint32_t vbuf_len; /* local only */
    Pair inner;
    Pair pairs[2];
    uint8_t storage[5]; /* where vbuf points; not serialized itself */
} AllKinds;

static const VmsField all_fields[] = {
    VMS_FIELD(AllKinds, u8),
    VMS_FIELD(AllKinds, u16),
    VMS_FIELD(AllKinds, u32),
    VMS_FIELD(AllKinds, u64),
    VMS_FIELD(AllKinds, i8),
    VMS_FIELD(AllKinds, i16),
    VMS_FIELD(AllKinds, i32),
    VMS_FIELD(AllKinds, i64),
    VMS_FIELD(AllKinds, flag),
    VMS_ARRAY(AllKinds, arr),
    VMS_BUFFER(AllKinds, buf),
    VMS_UNUSED(3),
    VMS_BUFFER_FROM(AllKinds, gr, 2),
    VMS_VBUFFER(AllKinds, vbuf, vbuf_len),
    VMS_STRUCT(AllKinds, inner, &pair_vmsd),
    VMS_STRUCT_ARRAY(AllKinds, pairs, &pair_vmsd),
    VMS_END,
};

static const VmsDescription all_vmsd = {
    .name = "all",
    .version = 1,
    .size = sizeof(AllKinds),
    .fields = all_fields,
};

static const uint8_t all_golden[] = {
    0x81,                                           /* u8 */
    0x12, 0x34,                                     /* u16 */
    0xde, 0xad, 0xbe, 0xef,                         /* u32 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* u64 */
    0xfe,                                           /* i8 = -2 */
    0xff, 0x85,                                     /* i16 = -123 */
    0xff, 0xff, 0xff, 0xfd,                         /* i32 = -3 */
    0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* i64 = INT64_MIN */
    0x01,                                           /* flag */
    0x00, 0x01, 0xff, 0xff, 0x7f, 0xff,             /* arr = { 1, -1, 32767 } */
    0xa0, 0xa1, 0xa2, 0xa3,                         /* buf */
    0x00, 0x00, 0x00,                               /* unused, 3 bytes */
    0xc2, 0xc3, 0xc4, 0xc5,       /* gr[2..5]; gr[0..1] not sent */
    0x51, 0x52, 0x53, 0x54, 0x55, /* vbuf: vbuf_len = 5, local */
    0x00, 0x07,                   /* inner.a */
    0xf9,                         /* inner.b = -7 */
    0x00, 0x08,                   /* pairs[0].a */
    0x08,                         /* pairs[0].b */
    0x00, 0x09,                   /* pairs[1].a */
    0xf7,                         /* pairs[1].b = -9 */
};

/* A fresh target: the vbuf wiring and its local length, nothing else. */
static void all_init(AllKinds *s)
{
    memset(s, 0, sizeof(*s));
    s->vbuf = s->storage;
    s->vbuf_len = sizeof(s->storage);
}

static void all_fill(AllKinds *s)
{
    static const uint8_t gr[6] = { 0xee, 0xef, 0xc2, 0xc3, 0xc4, 0xc5 };

    all_init(s);
    s->u8 = 0x81;
    s->u16 = 0x1234;
    s->u32 = 0xdeadbeef;
    s->u64 = 0x0102030405060708ULL;
    s->i8 = -2;
    s->i16 = -123;
    s->i32 = -3;
    s->i64 = INT64_MIN;
    /* Any non-zero byte in a bool goes out as 1. */
    memset(&s->flag, 0x02, 1);
    s->arr[0] = 1;
    s->arr[1] = -1;
    s->arr[2] = 32767;
    memcpy(s->buf, "\xa0\xa1\xa2\xa3", 4);
    memcpy(s->gr, gr, sizeof(gr));
    memcpy(s->storage, "\x51\x52\x53\x54\x55", 5);
    s->inner = (Pair){ 7, -7 };
    s->pairs[0] = (Pair){ 8, 8 };
    s->pairs[1] = (Pair){ 9, -9 };
}

START_TEST(test_all_kinds_save_golden)
{
    AllKinds s;
    g_autoptr(GByteArray) bytes = NULL;

    all_fill(&s);
    bytes = vmstest_save(&all_vmsd, &s);
    vmstest_assert_bytes(bytes, all_golden, sizeof(all_golden));
}
END_TEST

START_TEST(test_all_kinds_load_golden)
{
    AllKinds s;
    size_t pos;

    all_init(&s);
    s.gr[0] = 0x3c; /* not on the wire: keeps its value */
    ck_assert_ptr_null(
        vmstest_load(&all_vmsd, &s, 1, all_golden, sizeof(all_golden), &pos));
    ck_assert_uint_eq(pos, sizeof(all_golden));
    ck_assert_uint_eq(s.u8, 0x81);
    ck_assert_uint_eq(s.u16, 0x1234);
    ck_assert_uint_eq(s.u32, 0xdeadbeef);
    ck_assert_uint_eq(s.u64, 0x0102030405060708ULL);
    ck_assert_int_eq(s.i8, -2);
    ck_assert_int_eq(s.i16, -123);
    ck_assert_int_eq(s.i32, -3);
    ck_assert(s.i64 == INT64_MIN);
    ck_assert(s.flag);
    ck_assert_int_eq(s.arr[0], 1);
    ck_assert_int_eq(s.arr[1], -1);
    ck_assert_int_eq(s.arr[2], 32767);
    ck_assert_mem_eq(s.buf, "\xa0\xa1\xa2\xa3", 4);
    ck_assert_mem_eq(s.gr, "\x3c\x00\xc2\xc3\xc4\xc5", 6);
    ck_assert_mem_eq(s.storage, "\x51\x52\x53\x54\x55", 5);
    ck_assert_ptr_eq(s.vbuf, s.storage);
    ck_assert_uint_eq(s.vbuf_len, 5);
    ck_assert_uint_eq(s.inner.a, 7);
    ck_assert_int_eq(s.inner.b, -7);
    ck_assert_uint_eq(s.pairs[0].a, 8);
    ck_assert_int_eq(s.pairs[0].b, 8);
    ck_assert_uint_eq(s.pairs[1].a, 9);
    ck_assert_int_eq(s.pairs[1].b, -9);
}
END_TEST

START_TEST(test_all_kinds_round_trip)
{
    AllKinds first, second;
    g_autoptr(GByteArray) a = NULL;
    g_autoptr(GByteArray) b = NULL;
    uint8_t bool_byte;

    all_fill(&first);
    a = vmstest_save(&all_vmsd, &first);
    all_init(&second);
    ck_assert_ptr_null(
        vmstest_load(&all_vmsd, &second, 1, a->data, a->len, NULL));
    b = vmstest_save(&all_vmsd, &second);
    vmstest_assert_bytes(b, a->data, a->len);

    /* Any non-zero byte loads as true, stored as a proper bool. */
    ck_assert_uint_eq(a->data[30], 0x01);
    a->data[30] = 0x7f;
    ck_assert_ptr_null(
        vmstest_load(&all_vmsd, &second, 1, a->data, a->len, NULL));
    memcpy(&bool_byte, &second.flag, 1);
    ck_assert_uint_eq(bool_byte, 1);
}
END_TEST

/* Every strict prefix fails with the truncation message, none crashes. */
START_TEST(test_all_kinds_every_truncation)
{
    for (size_t n = 0; n < sizeof(all_golden); n++) {
        AllKinds s;
        g_autofree char *msg = NULL;

        all_init(&s);
        msg = vmstest_load(&all_vmsd, &s, 1, all_golden, n, NULL);
        ck_assert_msg(msg != NULL, "prefix %zu loaded", n);
        ck_assert_msg(strstr(msg, ": truncated (needs ") != NULL,
                      "prefix %zu: %s", n, msg);
    }
}
END_TEST

START_TEST(test_truncation_messages)
{
    AllKinds s;

    all_init(&s);
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 0,
                              "u8 at byte 0: truncated (needs 1 bytes, 0 "
                              "left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 5,
                              "u32 at byte 3: truncated (needs 4 bytes, 2 "
                              "left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 33,
                              "arr[1] at byte 33: truncated (needs 2 bytes, "
                              "0 left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 39,
                              "buf at byte 37: truncated (needs 4 bytes, 2 "
                              "left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 42,
                              "unused at byte 41: truncated (needs 3 bytes, "
                              "1 left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 50,
                              "vbuf at byte 48: truncated (needs 5 bytes, 2 "
                              "left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden, 54,
                              "inner.a at byte 53: truncated (needs 2 bytes, "
                              "1 left)");
    vmstest_assert_load_error(&all_vmsd, &s, 1, all_golden,
                              sizeof(all_golden) - 1,
                              "pairs[1].b at byte 61: truncated (needs 1 "
                              "bytes, 0 left)");
}
END_TEST

/* ------------------------------------------------------------ versions */

typedef struct Versioned {
    uint8_t a;
    uint8_t b; /* since v2 */
    uint8_t c; /* since v3 */
    Pair pair; /* since v3; loads with pair's own version */
} Versioned;

static const VmsField versioned_fields[] = {
    VMS_FIELD(Versioned, a),
    VMS_FIELD_V(Versioned, b, 2),
    VMS_FIELD_V(Versioned, c, 3),
    VMS_STRUCT_V(Versioned, pair, &pair_vmsd, 3),
    VMS_END,
};

static const VmsDescription versioned_vmsd = {
    .name = "versioned",
    .version = 3,
    .min_version = 2,
    .size = sizeof(Versioned),
    .fields = versioned_fields,
};

START_TEST(test_since_version)
{
    static const uint8_t v3[] = {
        0x01,       /* a */
        0x02,       /* b, v2 */
        0x03,       /* c, v3 */
        0x00, 0x04, /* pair.a, v3 */
        0x05,       /* pair.b */
    };
    Versioned s = { 1, 2, 3, { 4, 5 } };
    Versioned t = { 0, 0, 0x77, { 0x66, 0x55 } };
    g_autoptr(GByteArray) bytes = vmstest_save(&versioned_vmsd, &s);
    size_t pos;

    vmstest_assert_bytes(bytes, v3, sizeof(v3));
    /* A v2 stream has a and b only: c and pair keep their values. */
    ck_assert_ptr_null(
        vmstest_load(&versioned_vmsd, &t, 2, v3, sizeof(v3), &pos));
    ck_assert_uint_eq(pos, 2);
    ck_assert_uint_eq(t.a, 1);
    ck_assert_uint_eq(t.b, 2);
    ck_assert_uint_eq(t.c, 0x77);
    ck_assert_uint_eq(t.pair.a, 0x66);
    ck_assert_ptr_null(
        vmstest_load(&versioned_vmsd, &t, 3, v3, sizeof(v3), &pos));
    ck_assert_uint_eq(pos, sizeof(v3));
    ck_assert_uint_eq(t.c, 3);
    ck_assert_uint_eq(t.pair.a, 4);
    ck_assert_int_eq(t.pair.b, 5);
}
END_TEST

START_TEST(test_version_limits)
{
    static const uint8_t data[6] = { 0 };
    Versioned t = { 0 };

    /* QEMU's texts after the offset; the top level has no path. */
    vmstest_assert_load_error(&versioned_vmsd, &t, 1, data, sizeof(data),
                              "at byte 0: versioned: incoming version_id 1 is "
                              "too old for local minimum version_id 2");
    vmstest_assert_load_error(&versioned_vmsd, &t, 4, data, sizeof(data),
                              "at byte 0: versioned: incoming version_id 4 is "
                              "too new for local version_id 3");
}
END_TEST

/* ------------------------------------------------------------ checker */

START_TEST(test_check_accepts_tables)
{
    const VmsDescription *tables[] = { &pair_vmsd, &all_vmsd, &versioned_vmsd };

    for (size_t i = 0; i < G_N_ELEMENTS(tables); i++) {
        g_autoptr(GError) error = NULL;
        ck_assert_msg(vms_description_check(tables[i], &error), "%s: %s",
                      tables[i]->name, error ? error->message : "");
    }
}
END_TEST

typedef struct Bad {
    uint8_t small;
    uint32_t wide;
    uint8_t *ptr;
    uint32_t len;
    Pair pair;
} Bad;

typedef struct BadCase {
    VmsField field;
    const char *message;
} BadCase;

static const BadCase bad_cases[] = {
    { { .name = "small",
        .kind = VMS_KIND_U8,
        .offset = offsetof(Bad, small),
        .size = 2 },
      "bad.small: size 2 does not match u8" },
    { { .name = "wide",
        .kind = VMS_KIND_U32,
        .offset = sizeof(Bad) - 2,
        .size = 4 },
      "bad.wide: outside the 24-byte struct" },
    { { .name = "arr",
        .kind = VMS_KIND_ARRAY,
        .elem_kind = VMS_KIND_U16,
        .offset = 0,
        .size = 4,
        .count = 2 },
      "bad.arr: 2 x 4 bytes of u16" },
    { { .name = "buf",
        .kind = VMS_KIND_BUFFER,
        .offset = 0,
        .size = 4,
        .start = 4 },
      "bad.buf: start 4 of 4 bytes" },
    { { .name = "pair",
        .kind = VMS_KIND_STRUCT,
        .offset = offsetof(Bad, pair),
        .size = 2,
        .vmsd = &pair_vmsd },
      "bad.pair: nested size mismatch" },
    { { .name = "pci", .kind = VMS_KIND_PCI_DEVICE, .offset = 0, .size = 8 },
      "bad.pci: size 8 is not a PCI device" },
    { { .name = "range",
        .kind = VMS_KIND_U8,
        .offset = 0,
        .size = 1,
        .flags = VMS_F_RANGE,
        .min = 5,
        .max = 4 },
      "bad.range: empty range" },
    { { .name = "later",
        .kind = VMS_KIND_U8,
        .offset = 0,
        .size = 1,
        .since_version = 2 },
      "bad.later: since version 2 > version 1" },
    { { .name = "unused", .kind = VMS_KIND_UNUSED }, "bad.unused: no bytes" },
    { { .name = "ptr",
        .kind = VMS_KIND_VBUFFER,
        .offset = offsetof(Bad, ptr),
        .size = 1,
        .length_offset = offsetof(Bad, len),
        .length_kind = VMS_KIND_BOOL },
      "bad.ptr: bad length member" },
};

START_TEST(test_check_rejects_field)
{
    const BadCase *c = &bad_cases[_i];
    const VmsField fields[] = { c->field, VMS_END };
    const VmsDescription d = {
        .name = "bad",
        .version = 1,
        .size = sizeof(Bad),
        .fields = fields,
    };
    g_autoptr(GError) error = NULL;

    ck_assert_uint_eq(sizeof(Bad), 24);
    ck_assert(!vms_description_check(&d, &error));
    ck_assert_str_eq(error->message, c->message);
}
END_TEST

/* A VBUFFER whose length comes off the wire could overrun its buffer. */
START_TEST(test_check_rejects_loaded_length)
{
    const VmsField fields[] = {
        VMS_FIELD(Bad, len),
        VMS_VBUFFER(Bad, ptr, len),
        VMS_END,
    };
    const VmsDescription d = {
        .name = "bad",
        .version = 1,
        .size = sizeof(Bad),
        .fields = fields,
    };
    g_autoptr(GError) error = NULL;

    ck_assert(!vms_description_check(&d, &error));
    ck_assert_str_eq(error->message,
                     "bad.ptr: length member is loaded from the stream");
}
END_TEST

START_TEST(test_check_rejects_versions)
{
    const VmsDescription d = {
        .name = "bad",
        .version = 1,
        .min_version = 2,
        .size = 1,
    };
    g_autoptr(GError) error = NULL;

    ck_assert(!vms_description_check(&d, &error));
    ck_assert_str_eq(error->message, "bad: versions 2..1");
}
END_TEST

Suite *stream_suite(void)
{
    Suite *suite = suite_create("stream");
    TCase *tc;

    tc = tcase_create("reader");
    tcase_add_test(tc, test_reader_big_endian);
    tcase_add_test(tc, test_reader_failed_read_takes_nothing);
    suite_add_tcase(suite, tc);

    tc = tcase_create("writer");
    tcase_add_test(tc, test_writer);
    suite_add_tcase(suite, tc);
    return suite;
}

Suite *vmstate_suite(void)
{
    Suite *suite = suite_create("vmstate");
    TCase *tc;

    tc = tcase_create("every field kind");
    tcase_add_test(tc, test_all_kinds_save_golden);
    tcase_add_test(tc, test_all_kinds_load_golden);
    tcase_add_test(tc, test_all_kinds_round_trip);
    suite_add_tcase(suite, tc);

    tc = tcase_create("truncation");
    tcase_add_test(tc, test_all_kinds_every_truncation);
    tcase_add_test(tc, test_truncation_messages);
    suite_add_tcase(suite, tc);

    tc = tcase_create("versions");
    tcase_add_test(tc, test_since_version);
    tcase_add_test(tc, test_version_limits);
    suite_add_tcase(suite, tc);

    tc = tcase_create("description check");
    tcase_add_test(tc, test_check_accepts_tables);
    tcase_add_loop_test(tc, test_check_rejects_field, 0,
                        G_N_ELEMENTS(bad_cases));
    tcase_add_test(tc, test_check_rejects_loaded_length);
    tcase_add_test(tc, test_check_rejects_versions);
    suite_add_tcase(suite, tc);

    vmstest_add_field_cases(suite);
    vmstest_add_subsection_cases(suite);
    vmstest_add_pckbd_cases(suite);
    return suite;
}
