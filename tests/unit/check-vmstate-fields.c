/*
 * vmstate fields with load-time checks: BUFFER_TEST on loaded values,
 * EQUAL and RANGE, buffers with a local length, and QEMU's PCIDevice
 * block (research/qemu-vmstate-7.2.md §2).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/check-vmstate.h"

/* ------------------------------------------------------------ BUFFER_TEST */

typedef struct Drive {
    int32_t identify_set;
    uint8_t identify_data[8];
    uint8_t feature;
} Drive;

static bool drive_identify_set(const void *opaque)
{
    const Drive *drive = opaque;

    return drive->identify_set != 0;
}

static const VmsField drive_fields[] = {
    VMS_FIELD(Drive, identify_set),
    VMS_BUFFER_TEST(Drive, identify_data, drive_identify_set),
    VMS_FIELD(Drive, feature),
    VMS_END,
};

static const VmsDescription drive_vmsd = {
    .name = "ide_drive",
    .version = 3,
    .size = sizeof(Drive),
    .fields = drive_fields,
};

START_TEST(test_buffer_test_sees_loaded_values)
{
    static const uint8_t unset[] = {
        0x00, 0x00, 0x00, 0x00, /* identify_set = 0 */
        0x42,                   /* feature; no identify_data */
    };
    static const uint8_t set[] = {
        0x00, 0x00, 0x00, 0x01,                         /* identify_set */
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* identify_data */
        0x43,                                           /* feature */
    };
    Drive d = { .identify_set = 0, .feature = 0x42 };
    g_autoptr(GByteArray) bytes = vmstest_save(&drive_vmsd, &d);

    vmstest_assert_bytes(bytes, unset, sizeof(unset));

    /* The local flag is set but the loaded one is not: no buffer. */
    d = (Drive){ .identify_set = 1, .identify_data = { 0xaa } };
    ck_assert_ptr_null(
        vmstest_load(&drive_vmsd, &d, 3, unset, sizeof(unset), NULL));
    ck_assert_int_eq(d.identify_set, 0);
    ck_assert_uint_eq(d.identify_data[0], 0xaa);
    ck_assert_uint_eq(d.feature, 0x42);

    /* And the other way round. */
    ck_assert_ptr_null(
        vmstest_load(&drive_vmsd, &d, 3, set, sizeof(set), NULL));
    ck_assert_int_eq(d.identify_set, 1);
    ck_assert_mem_eq(d.identify_data, set + 4, 8);
    ck_assert_uint_eq(d.feature, 0x43);
    g_byte_array_unref(bytes);
    bytes = vmstest_save(&drive_vmsd, &d);
    vmstest_assert_bytes(bytes, set, sizeof(set));
}
END_TEST

/* ------------------------------------------------------------ checks */

typedef struct Checked {
    uint8_t magic;
    int32_t sig;
    int32_t offset;
    uint32_t count;
    uint8_t idx[2];
} Checked;

static const VmsField checked_fields[] = {
    VMS_FIELD_EQUAL(Checked, magic),
    VMS_FIELD_EQUAL(Checked, sig),
    VMS_FIELD_RANGE(Checked, offset, -5, 131076),
    VMS_FIELD_RANGE(Checked, count, 1, 16),
    { .name = "idx",
      .kind = VMS_KIND_ARRAY,
      .elem_kind = VMS_KIND_U8,
      .offset = offsetof(Checked, idx),
      .size = 1,
      .count = 2,
      .flags = VMS_F_RANGE,
      .min = 0,
      .max = 4 },
    VMS_END,
};

static const VmsDescription checked_vmsd = {
    .name = "checked",
    .version = 1,
    .size = sizeof(Checked),
    .fields = checked_fields,
};

static const uint8_t checked_golden[] = {
    0x12,                   /* magic, EQUAL */
    0xff, 0xff, 0xff, 0xff, /* sig = -1, EQUAL */
    0xff, 0xff, 0xff, 0xfb, /* offset = -5, RANGE -5..131076 */
    0x00, 0x00, 0x00, 0x10, /* count = 16, RANGE 1..16 */
    0x00, 0x04,             /* idx[] RANGE 0..4 */
};

START_TEST(test_equal)
{
    Checked s = {
        .magic = 0x12, .sig = -1, .offset = -5, .count = 16, .idx = { 0, 4 }
    };
    g_autoptr(GByteArray) bytes = vmstest_save(&checked_vmsd, &s);
    uint8_t data[sizeof(checked_golden)];

    vmstest_assert_bytes(bytes, checked_golden, sizeof(checked_golden));
    memset(&s, 0, sizeof(s));
    s.magic = 0x12;
    s.sig = -1;
    ck_assert_ptr_null(vmstest_load(&checked_vmsd, &s, 1, checked_golden,
                                    sizeof(checked_golden), NULL));
    ck_assert_int_eq(s.offset, -5);

    /* QEMU's "%x != %x": the local value first. */
    memcpy(data, checked_golden, sizeof(data));
    data[0] = 0x13;
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "magic at byte 0: 12 != 13");
    ck_assert_uint_eq(s.magic, 0x12);
    data[0] = 0x12;
    data[4] = 0x01;
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "sig at byte 1: ffffffff != ffffff01");
}
END_TEST

START_TEST(test_range)
{
    Checked s = { .magic = 0x12, .sig = -1 };
    uint8_t data[sizeof(checked_golden)];

    memcpy(data, checked_golden, sizeof(data));
    memcpy(data + 5, "\x7f\xff\xff\xf0", 4);
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "offset at byte 5: 2147483632 outside "
                              "-5..131076");
    memcpy(data + 5, "\xff\xff\xff\xfa", 4);
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "offset at byte 5: -6 outside -5..131076");
    memcpy(data + 5, "\x00\x02\x00\x04", 4);
    ck_assert_ptr_null(
        vmstest_load(&checked_vmsd, &s, 1, data, sizeof(data), NULL));
    ck_assert_int_eq(s.offset, 131076);
    /* Unsigned values compare as unsigned: 0xffffffff is not -1. */
    memcpy(data + 9, "\xff\xff\xff\xff", 4);
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "count at byte 9: 4294967295 outside 1..16");
    memcpy(data + 9, "\x00\x00\x00\x00", 4);
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "count at byte 9: 0 outside 1..16");
    data[12] = 0x01;
    data[14] = 0x05;
    vmstest_assert_load_error(&checked_vmsd, &s, 1, data, sizeof(data),
                              "idx[1] at byte 14: 5 outside 0..4");
}
END_TEST

/* ------------------------------------------------------------ vbuffer */

typedef struct Varr {
    uint8_t *data;
    int32_t len; /* local, as IDE's io_buffer_total_len */
} Varr;

static const VmsField varr_fields[] = {
    VMS_VBUFFER(Varr, data, len),
    VMS_END,
};

static const VmsDescription varr_vmsd = {
    .name = "varr",
    .version = 1,
    .size = sizeof(Varr),
    .fields = varr_fields,
};

START_TEST(test_vbuffer_local_length)
{
    static const uint8_t data[] = { 1, 2, 3 };
    uint8_t storage[3] = { 0 };
    Varr v = { storage, 0 };
    size_t pos;

    /* Length 0: nothing on the wire. */
    ck_assert_ptr_null(
        vmstest_load(&varr_vmsd, &v, 1, data, sizeof(data), &pos));
    ck_assert_uint_eq(pos, 0);
    v.len = 3;
    ck_assert_ptr_null(
        vmstest_load(&varr_vmsd, &v, 1, data, sizeof(data), &pos));
    ck_assert_uint_eq(pos, 3);
    ck_assert_mem_eq(storage, data, 3);
    /* A broken local length or buffer is refused, never followed. */
    v.len = -1;
    vmstest_assert_load_error(&varr_vmsd, &v, 1, data, sizeof(data),
                              "data at byte 0: local length -1 is "
                              "negative");
    v = (Varr){ NULL, 2 };
    vmstest_assert_load_error(&varr_vmsd, &v, 1, data, sizeof(data),
                              "data at byte 0: no buffer for local length "
                              "2");
}
END_TEST

/* ------------------------------------------------------------ PCI */

typedef struct PciState {
    uint8_t before;
    VmsPciDevice dev;
} PciState;

static const VmsField pci_fields[] = {
    VMS_FIELD(PciState, before),
    VMS_PCI_DEVICE(PciState, dev),
    VMS_END,
};

static const VmsDescription pci_vmsd = {
    .name = "pcitest",
    .version = 1,
    .size = sizeof(PciState),
    .fields = pci_fields,
};

enum { PCI_CFG = 5, PCI_IRQ = PCI_CFG + 256 };

/* PIIX3 IDE after reset (research §3.4), irq_state { 0, 1, 0, 0 }. */
static const uint8_t pci_golden[1 + 276] = {
    [0] = 0x5a, /* before */
    [1] = 0x00,
    0x00,
    0x00,
    0x02, /* dev.version_id = 2 */
    [PCI_CFG + 0x00] = 0x86,
    0x80, /* config: vendor 8086 */
    [PCI_CFG + 0x02] = 0x10,
    0x70, /* device 7010 */
    [PCI_CFG + 0x06] = 0x80,
    0x02, /* status 0x0280 */
    [PCI_CFG + 0x09] = 0x80,
    0x01,
    0x01,                    /* prog-if, class 0101 */
    [PCI_CFG + 0x20] = 0x01, /* BMIBA, I/O */
    [PCI_CFG + 0x2c] = 0xf4,
    0x1a,                    /* subsystem vendor 1af4 */
    [PCI_CFG + 0x2f] = 0x11, /* subsystem 1100 */
    [PCI_IRQ + 7] = 0x01,    /* irq_state[0] = 0, [1] = 1, [2] = [3] = 0 */
};

static void pci_reset(PciState *s)
{
    static const uint8_t checked[] = { 0x00, 0x01, 0x02, 0x03, 0x08,
                                       0x09, 0x0a, 0x0b, 0x0e, 0x34 };

    memset(s, 0, sizeof(*s));
    memcpy(s->dev.config, pci_golden + PCI_CFG, 256);
    for (size_t i = 0; i < G_N_ELEMENTS(checked); i++) {
        s->dev.load_check_mask[checked[i]] = 0xff;
    }
    s->dev.load_check_mask[0x06] = 0x10; /* status: capability list */
}

START_TEST(test_pci_golden)
{
    PciState s, t;
    g_autoptr(GByteArray) bytes = NULL;

    pci_reset(&s);
    s.before = 0x5a;
    s.dev.irq_state[1] = 1;
    bytes = vmstest_save(&pci_vmsd, &s);
    ck_assert_uint_eq(bytes->len, 1 + 276);
    vmstest_assert_bytes(bytes, pci_golden, sizeof(pci_golden));
    pci_reset(&t);
    ck_assert_ptr_null(
        vmstest_load(&pci_vmsd, &t, 1, pci_golden, sizeof(pci_golden), NULL));
    ck_assert_uint_eq(t.before, 0x5a);
    ck_assert_uint_eq(t.dev.irq_state[1], 1);
    ck_assert_mem_eq(t.dev.config, s.dev.config, 256);
}
END_TEST

START_TEST(test_pci_version)
{
    uint8_t data[sizeof(pci_golden)];
    PciState s;

    memcpy(data, pci_golden, sizeof(data));
    pci_reset(&s);
    data[4] = 3;
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data, sizeof(data),
                              "dev.version_id at byte 1: Invalid value 3 "
                              "expecting positive value <= 2");
    memset(data + 1, 0xff, 4);
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data, sizeof(data),
                              "dev.version_id at byte 1: Invalid value -1 "
                              "expecting positive value <= 2");
    /* QEMU's INT32_POSITIVE_LE lets 0 and 1 through. */
    memset(data + 1, 0, 4);
    ck_assert_ptr_null(
        vmstest_load(&pci_vmsd, &s, 1, data, sizeof(data), NULL));
    data[4] = 1;
    ck_assert_ptr_null(
        vmstest_load(&pci_vmsd, &s, 1, data, sizeof(data), NULL));
}
END_TEST

START_TEST(test_pci_config_mask)
{
    uint8_t data[sizeof(pci_golden)];
    PciState s;

    memcpy(data, pci_golden, sizeof(data));
    pci_reset(&s);
    data[PCI_CFG + 0x00] = 0x87;
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data, sizeof(data),
                              "dev.config at byte 5: Bad config data: i=0x0 "
                              "read: 87 device: 86 mask: ff");
    data[PCI_CFG + 0x00] = 0x86;
    data[PCI_CFG + 0x06] = 0x90; /* the capability-list bit */
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data, sizeof(data),
                              "dev.config at byte 11: Bad config data: i=0x6 "
                              "read: 90 device: 80 mask: 10");
    ck_assert_uint_eq(s.dev.config[0x06], 0x80);

    /* Bits outside the mask load: status bit 0, command, a BAR. */
    data[PCI_CFG + 0x06] = 0x81;
    data[PCI_CFG + 0x04] = 0x05;
    data[PCI_CFG + 0x21] = 0xc0;
    ck_assert_ptr_null(
        vmstest_load(&pci_vmsd, &s, 1, data, sizeof(data), NULL));
    ck_assert_uint_eq(s.dev.config[0x06], 0x81);
    ck_assert_uint_eq(s.dev.config[0x04], 0x05);
    ck_assert_uint_eq(s.dev.config[0x21], 0xc0);
}
END_TEST

START_TEST(test_pci_irq_state)
{
    uint8_t data[sizeof(pci_golden)];
    PciState s;

    memcpy(data, pci_golden, sizeof(data));
    pci_reset(&s);
    data[PCI_IRQ + 11] = 2;
    /* QEMU names the value, our path names the pin. */
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data, sizeof(data),
                              "dev.irq_state[2] at byte 269: irq state 2: "
                              "must be 0 or 1.");
    ck_assert_uint_eq(s.dev.irq_state[2], 0);
    data[PCI_IRQ + 11] = 0;
    data[PCI_IRQ + 12] = 0x80;
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data, sizeof(data),
                              "dev.irq_state[3] at byte 273: irq state "
                              "-2147483648: must be 0 or 1.");
}
END_TEST

/* QEMU's PCIDevice is a struct with an empty subsection list. */
START_TEST(test_pci_subsection_loop)
{
    static const uint8_t ours[] = { 0x05, 0x0b, 'P', 'C', 'I', 'D',
                                    'e',  'v',  'i', 'c', 'e', '/',
                                    'x',  0,    0,   0,   1 };
    static const uint8_t other[] = { 0x05, 0x0b, 'p', 'c', 'i', 'd',
                                     'e',  'v',  'i', 'c', 'e', '/',
                                     'x',  0,    0,   0,   1 };
    g_autoptr(GByteArray) data = g_byte_array_new();
    g_autofree char *msg = NULL;
    PciState s;
    size_t pos;

    pci_reset(&s);
    g_byte_array_append(data, pci_golden, sizeof(pci_golden));
    g_byte_array_append(data, ours, sizeof(ours));
    vmstest_assert_load_error(&pci_vmsd, &s, 1, data->data, data->len,
                              "dev at byte 277: unknown subsection "
                              "'PCIDevice/x'");
    g_byte_array_set_size(data, sizeof(pci_golden));
    g_byte_array_append(data, other, sizeof(other));
    msg = vmstest_load(&pci_vmsd, &s, 1, data->data, data->len, &pos);
    ck_assert_ptr_null(msg);
    ck_assert_uint_eq(pos, sizeof(pci_golden));
}
END_TEST

START_TEST(test_pci_every_truncation)
{
    for (size_t n = 0; n < sizeof(pci_golden); n++) {
        PciState s;
        g_autofree char *msg = NULL;

        pci_reset(&s);
        msg = vmstest_load(&pci_vmsd, &s, 1, pci_golden, n, NULL);
        ck_assert_msg(msg != NULL && strstr(msg, ": truncated (needs "),
                      "prefix %zu: %s", n, msg ? msg : "loaded");
    }
}
END_TEST

/* ------------------------------------------------------------ checker */

START_TEST(test_check_field_tables)
{
    const VmsDescription *tables[] = { &drive_vmsd, &checked_vmsd, &varr_vmsd,
                                       &pci_vmsd };

    for (size_t i = 0; i < G_N_ELEMENTS(tables); i++) {
        g_autoptr(GError) error = NULL;
        ck_assert_msg(vms_description_check(tables[i], &error), "%s: %s",
                      tables[i]->name, error ? error->message : "");
    }
}
END_TEST

void vmstest_add_field_cases(Suite *suite)
{
    TCase *tc;

    tc = tcase_create("buffer test");
    tcase_add_test(tc, test_buffer_test_sees_loaded_values);
    suite_add_tcase(suite, tc);

    tc = tcase_create("equal and range");
    tcase_add_test(tc, test_equal);
    tcase_add_test(tc, test_range);
    suite_add_tcase(suite, tc);

    tc = tcase_create("local-length buffer");
    tcase_add_test(tc, test_vbuffer_local_length);
    suite_add_tcase(suite, tc);

    tc = tcase_create("PCI device");
    tcase_add_test(tc, test_pci_golden);
    tcase_add_test(tc, test_pci_version);
    tcase_add_test(tc, test_pci_config_mask);
    tcase_add_test(tc, test_pci_irq_state);
    tcase_add_test(tc, test_pci_subsection_loop);
    tcase_add_test(tc, test_pci_every_truncation);
    suite_add_tcase(suite, tc);

    tc = tcase_create("field tables");
    tcase_add_test(tc, test_check_field_tables);
    suite_add_tcase(suite, tc);
}
