/*
 * QEMU 7.2's migration stream (vmstate/qemustream.c) on a synthetic
 * stream with every record kind: configuration, RAM START/PART/END with
 * zero, full and continued pages, footers, a section we do not model
 * (stepped over by the JSON description), one we do, EOF and the
 * description.  Every truncation and every corrupted byte either parses
 * or fails with a byte offset, never crashes; the extracted file loads.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/suites.h"
#include "vmstate/qemustream.h"
#include "vmstate/savevm.h"

typedef struct Alpha {
    uint8_t mode;
    uint16_t count; /* invariant: at most 8 */
    uint32_t value;
} Alpha;

static const VmsField alpha_fields[] = {
    VMS_FIELD(Alpha, mode),
    VMS_FIELD_RANGE(Alpha, count, 0, 8),
    VMS_FIELD(Alpha, value),
    VMS_END,
};

static const VmsDescription alpha_vmsd = {
    .name = "alpha",
    .version = 3,
    .min_version = 2,
    .size = sizeof(Alpha),
    .fields = alpha_fields,
};

static Alpha alpha;
static VmsRegistry *registry;

static void setup(void)
{
    VmsSection s = {
        .idstr = "alpha", .section_id = 7, .vmsd = &alpha_vmsd, .opaque = &alpha
    };

    memset(&alpha, 0, sizeof(alpha));
    registry = vms_registry_new();
    vms_registry_add(registry, &s);
}

static void teardown(void)
{
    vms_registry_free(registry);
}

static const char vmdesc[] =
    "{\"page_size\": 4096, \"devices\": ["
    "{\"name\": \"timer\", \"instance_id\": 0, \"vmsd_name\": \"timer\", "
    "\"version\": 2, \"fields\": [{\"name\": \"t\", \"array_len\": 3, "
    "\"type\": \"int64\", \"size\": 8}], \"subsections\": [{\"vmsd_name\": "
    "\"timer/x\", \"version\": 1, \"fields\": [{\"name\": \"x\", \"type\": "
    "\"uint8\", \"size\": 1}]}]}, "
    "{\"name\": \"alpha\", \"instance_id\": 0, \"vmsd_name\": \"alpha\", "
    "\"version\": 3, \"fields\": [{\"name\": \"mode\", \"type\": \"uint8\", "
    "\"size\": 1}, {\"name\": \"count\", \"type\": \"uint16\", \"size\": 2}, "
    "{\"name\": \"value\", \"type\": \"uint32\", \"size\": 4}]}]}";

enum {
    RAM_ZERO = 0x02,
    RAM_MEM_SIZE = 0x04,
    RAM_PAGE = 0x08,
    RAM_EOS = 0x10,
    RAM_CONTINUE = 0x20
};

static void header(VmsWriter *w, uint8_t type, uint32_t id, const char *name,
                   uint32_t version)
{
    vms_write_u8(w, type);
    vms_write_be32(w, id);
    vms_write_u8(w, (uint8_t)strlen(name));
    vms_write_bytes(w, name, strlen(name));
    vms_write_be32(w, 0);
    vms_write_be32(w, version);
}

static void footer(VmsWriter *w, uint32_t id)
{
    vms_write_u8(w, 0x7e);
    vms_write_be32(w, id);
}

static void ram_name(VmsWriter *w)
{
    vms_write_u8(w, 6);
    vms_write_bytes(w, "pc.ram", 6);
}

/* The whole stream; *ret_eof gets the EOF byte's offset. */
static GByteArray *full_stream(size_t *ret_eof, bool with_vmdesc)
{
    VmsWriter w;
    uint8_t page[4096];

    memset(page, 0x5a, sizeof(page));
    vms_writer_init(&w);
    vms_write_be32(&w, SAVEVM_MAGIC);
    vms_write_be32(&w, SAVEVM_VERSION);
    vms_write_u8(&w, 0x07); /* configuration */
    vms_write_be32(&w, 4);
    vms_write_bytes(&w, "pc-x", 4);
    vms_write_u8(&w, 0x05);
    vms_write_u8(&w, 26);
    vms_write_bytes(&w, "configuration/capabilities", 26);
    vms_write_be32(&w, 1);
    vms_write_be32(&w, 1);
    vms_write_u8(&w, 6);
    vms_write_bytes(&w, "events", 6);

    header(&w, SAVEVM_SECTION_START, 2, "ram", 4);
    vms_write_be64(&w, 8192 | RAM_MEM_SIZE);
    ram_name(&w);
    vms_write_be64(&w, 8192);
    vms_write_be64(&w, RAM_EOS);
    footer(&w, 2);
    vms_write_u8(&w, SAVEVM_SECTION_PART);
    vms_write_be32(&w, 2);
    vms_write_be64(&w, 0 | RAM_ZERO);
    ram_name(&w);
    vms_write_u8(&w, 0);
    vms_write_be64(&w, 4096 | RAM_PAGE | RAM_CONTINUE);
    vms_write_bytes(&w, page, sizeof(page));
    vms_write_be64(&w, RAM_EOS);
    footer(&w, 2);
    vms_write_u8(&w, SAVEVM_SECTION_END);
    vms_write_be32(&w, 2);
    vms_write_be64(&w, 4096 | RAM_ZERO | RAM_CONTINUE); /* a later block */
    vms_write_u8(&w, 0);
    vms_write_be64(&w, RAM_EOS);
    footer(&w, 2);

    header(&w, SAVEVM_SECTION_FULL, 0, "timer", 2);
    vms_write_zeros(&w, 24);
    vms_write_u8(&w, 0x05);
    vms_write_u8(&w, 7);
    vms_write_bytes(&w, "timer/x", 7);
    vms_write_be32(&w, 1);
    vms_write_u8(&w, 0xee);
    footer(&w, 0);
    header(&w, SAVEVM_SECTION_FULL, 9, "alpha", 3);
    vms_write_u8(&w, 0x11);
    vms_write_be16(&w, 5);
    vms_write_be32(&w, 0xdeadbeef);
    footer(&w, 9);
    *ret_eof = w.buf->len;
    vms_write_u8(&w, SAVEVM_EOF);
    if (with_vmdesc) {
        vms_write_u8(&w, 0x06);
        vms_write_be32(&w, (uint32_t)strlen(vmdesc));
        vms_write_bytes(&w, vmdesc, strlen(vmdesc));
    }
    return vms_writer_steal(&w);
}

static const QemuStreamSection *section(const QemuStream *qs, guint i)
{
    return &g_array_index(qs->sections, QemuStreamSection, i);
}

START_TEST(test_full_stream)
{
    g_autoptr(GError) error = NULL;
    size_t eof;
    g_autoptr(GByteArray) data = full_stream(&eof, true);
    g_autoptr(QemuStream) qs =
        qemu_stream_parse(registry, data->data, data->len, &error);

    ck_assert_msg(qs != NULL, "%s", error ? error->message : "");
    ck_assert_str_eq(qs->machine, "pc-x");
    ck_assert(qs->footers);
    ck_assert(qs->eof_found);
    ck_assert_uint_eq(qs->eof_offset, eof);
    ck_assert_uint_eq(qs->vmdesc_offset, eof + 1);
    ck_assert_uint_eq(qs->vmdesc_devices, 2);
    ck_assert(!qs->plain);
    ck_assert_uint_eq(qs->sections->len, 5);
    ck_assert_int_eq(section(qs, 0)->type, SAVEVM_SECTION_START);
    ck_assert_str_eq(section(qs, 1)->idstr, "ram");
    ck_assert_uint_eq(section(qs, 1)->pages, 2);
    ck_assert_uint_eq(section(qs, 1)->zero_pages, 1);
    ck_assert_int_eq(section(qs, 3)->how, QEMU_STREAM_SKIP_VMDESC);
    ck_assert_uint_eq(section(qs, 3)->body_len, 24 + 1 + 1 + 7 + 4 + 1);
    ck_assert_int_eq(section(qs, 4)->how, QEMU_STREAM_DECODED);
    ck_assert_uint_eq(section(qs, 4)->body_len, 7);
    ck_assert(section(qs, 4)->footer);
}
END_TEST

START_TEST(test_extract_loads)
{
    g_autoptr(GError) error = NULL;
    size_t eof;
    g_autoptr(GByteArray) data = full_stream(&eof, true);
    g_autoptr(QemuStream) qs =
        qemu_stream_parse(registry, data->data, data->len, NULL);
    static const uint8_t expect[] = {
        'Q',  'E', 'V', 'M',  0,    0,    0,    3,    0x04, 0, 0, 0, 7, /* our
                                                                           id */
        5,    'a', 'l', 'p',  'h',  'a',  0,    0,    0,    0, 0, 0, 0, 3,
        0x11, 0,   5,   0xde, 0xad, 0xbe, 0xef, 0x00,
    };

    ck_assert_ptr_nonnull(qs);
    g_autoptr(GByteArray) mine =
        qemu_stream_extract(qs, registry, data->data, NULL);
    ck_assert_uint_eq(mine->len, sizeof(expect));
    ck_assert_mem_eq(mine->data, expect, sizeof(expect));
    ck_assert_msg(savevm_load(registry, mine->data, mine->len, true, &error),
                  "%s", error ? error->message : "");
    ck_assert_uint_eq(alpha.count, 5);
    ck_assert_uint_eq(alpha.value, 0xdeadbeef);
}
END_TEST

/* A stream that ends early fails with an offset, except right after EOF. */
START_TEST(test_every_truncation)
{
    size_t eof;
    g_autoptr(GByteArray) data = full_stream(&eof, true);

    for (size_t n = 0; n < data->len; n++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(QemuStream) qs =
            qemu_stream_parse(registry, data->data, n, &error);
        if (n == eof + 1) {
            /* No description at all is QEMU's suppress-vmdesc. */
            ck_assert_msg(qs != NULL, "%s", error ? error->message : "");
            ck_assert_int_eq(section(qs, 3)->how, QEMU_STREAM_SKIP_SEARCH);
            continue;
        }
        ck_assert_msg(qs == NULL, "truncated at %zu parses", n);
        ck_assert_msg(strstr(error->message, "at byte ") != NULL, "%zu: %s", n,
                      error->message);
    }
}
END_TEST

/* Every byte corrupted, one at a time: a result or an error, no crash. */
START_TEST(test_every_byte_corrupted)
{
    size_t eof;
    g_autoptr(GByteArray) data = full_stream(&eof, true);

    for (size_t i = 0; i < data->len; i++) {
        for (unsigned x = 1; x < 256; x <<= 1) {
            g_autoptr(GError) error = NULL;
            data->data[i] ^= x;
            g_autoptr(QemuStream) qs =
                qemu_stream_parse(registry, data->data, data->len, &error);
            ck_assert(qs != NULL || error != NULL);
            data->data[i] ^= x;
        }
    }
}
END_TEST

static void expect_error(GByteArray *data, size_t at, uint8_t value,
                         const char *message)
{
    g_autoptr(GError) error = NULL;
    uint8_t old = data->data[at];

    data->data[at] = value;
    g_autoptr(QemuStream) qs =
        qemu_stream_parse(registry, data->data, data->len, &error);
    data->data[at] = old;
    ck_assert_msg(qs == NULL, "byte %zu = 0x%x parses", at, value);
    ck_assert_msg(strstr(error->message, message) != NULL, "%s",
                  error->message);
}

START_TEST(test_errors)
{
    size_t eof;
    g_autoptr(GByteArray) data = full_stream(&eof, true);
    /* alpha's footer: 0x7e at eof - 5, its id's last byte at eof - 1 */
    expect_error(data, eof - 1, 8, "Mismatched section id in footer");
    expect_error(data, eof, 0x09, "Unknown savevm section type 9");
    expect_error(data, 7, 4, "Unsupported migration stream version");
    /* alpha's count (at eof - 5 - 4 - 2 + 1) above its range */
    expect_error(data, eof - 10, 9, "count");
    /* the description names "alphb" where the stream has "alpha" */
    const char *a = memmem(data->data + eof, data->len - eof, "\"alpha\"", 7);
    ck_assert_ptr_nonnull(a);
    expect_error(data, (size_t)(a - (const char *)data->data) + 5, 'b',
                 "where the JSON description has 'alphb'");
}
END_TEST

START_TEST(test_device_state_file)
{
    g_autoptr(GError) error = NULL;
    VmsWriter w;

    /* QEMU's xen-save-devices-state: no description, a foreign section. */
    vms_writer_init(&w);
    vms_write_be32(&w, SAVEVM_MAGIC);
    vms_write_be32(&w, SAVEVM_VERSION);
    header(&w, SAVEVM_SECTION_FULL, 0, "timer", 2);
    vms_write_zeros(&w, 24);
    header(&w, SAVEVM_SECTION_FULL, 9, "alpha", 3);
    vms_write_u8(&w, 0x11);
    vms_write_be16(&w, 5);
    vms_write_be32(&w, 1);
    header(&w, SAVEVM_SECTION_FULL, 10, "acpi_build", 1);
    vms_write_u8(&w, 0);
    vms_write_u8(&w, SAVEVM_EOF);
    g_autoptr(GByteArray) data = vms_writer_steal(&w);
    g_autoptr(QemuStream) qs =
        qemu_stream_parse(registry, data->data, data->len, &error);
    ck_assert_msg(qs != NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq(qs->sections->len, 3);
    ck_assert_int_eq(section(qs, 0)->how, QEMU_STREAM_SKIP_SEARCH);
    ck_assert_uint_eq(section(qs, 0)->body_len, 24);
    ck_assert_int_eq(section(qs, 1)->how, QEMU_STREAM_DECODED);
    ck_assert_uint_eq(section(qs, 2)->body_len, 1);
    ck_assert(qs->eof_found);
    ck_assert(!qs->plain);

    /* Without the foreign sections it is our own format. */
    g_autoptr(GByteArray) mine =
        qemu_stream_extract(qs, registry, data->data, NULL);
    g_autoptr(QemuStream) plain =
        qemu_stream_parse(registry, mine->data, mine->len, &error);
    ck_assert_ptr_nonnull(plain);
    ck_assert(plain->plain);
}
END_TEST

Suite *qemustream_suite(void)
{
    Suite *s = suite_create("qemustream");
    TCase *tc = tcase_create("QEMU migration streams");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_full_stream);
    tcase_add_test(tc, test_extract_loads);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_every_byte_corrupted);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_device_state_file);
    suite_add_tcase(s, tc);
    return s;
}
