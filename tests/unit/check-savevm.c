/*
 * The device-state file with two test devices: the exact bytes of a save,
 * QEMU 7.2's acceptance and rejection rules (research/qemu-vmstate-7.2.md
 * §1.8, §5.3), and the all-or-nothing load: after any failure, including
 * every truncation, no device has changed.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/suites.h"
#include "qmp/json.h"
#include "vmstate/savevm.h"
#include "vmstate/vmstate-json.h"

typedef struct Alpha {
    uint8_t mode;
    uint16_t count; /* invariant: at most 8 */
    uint32_t value;
} Alpha;

typedef struct Beta {
    uint8_t bytes[4];
    int32_t level;
} Beta;

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

static const VmsField beta_fields[] = {
    VMS_BUFFER(Beta, bytes),
    VMS_FIELD(Beta, level),
    VMS_END,
};

static const VmsDescription beta_vmsd = {
    .name = "beta",
    .version = 1,
    .min_version = 1,
    .size = sizeof(Beta),
    .fields = beta_fields,
};

typedef struct Board {
    Alpha alpha;
    Beta beta;
    VmsRegistry *registry;
} Board;

static void board_init(Board *board)
{
    memset(board, 0, sizeof(*board));
    board->alpha = (Alpha){ .mode = 0x61, .count = 2, .value = 0xdeadbeef };
    board->beta = (Beta){ .bytes = { 1, 2, 3, 4 }, .level = -2 };
    board->registry = vms_registry_new();
    VmsSection a = { .idstr = "alpha",
                     .section_id = 24,
                     .vmsd = &alpha_vmsd,
                     .opaque = &board->alpha };
    VmsSection b = { .idstr = "0000:00:01.1/beta",
                     .alias = "beta",
                     .section_id = 29,
                     .vmsd = &beta_vmsd,
                     .opaque = &board->beta };
    vms_registry_add(board->registry, &a);
    vms_registry_add(board->registry, &b);
}

static void board_clear(Board *board)
{
    vms_registry_free(board->registry);
}

/* A save of board_init's state, byte by byte. */
static const uint8_t golden[] = {
    0x51, 0x45, 0x56, 0x4d,           /* magic "QEVM" */
    0x00, 0x00, 0x00, 0x03,           /* version 3 */
    0x04,                             /* FULL section */
    0x00, 0x00, 0x00, 0x18,           /* section id 24 */
    0x05, 'a',  'l',  'p',  'h', 'a', /* idstr */
    0x00, 0x00, 0x00, 0x00,           /* instance 0 */
    0x00, 0x00, 0x00, 0x03,           /* version 3 */
    0x61,                             /* alpha.mode */
    0x00, 0x02,                       /* alpha.count */
    0xde, 0xad, 0xbe, 0xef,           /* alpha.value */
    0x04,                             /* FULL section */
    0x00, 0x00, 0x00, 0x1d,           /* section id 29 */
    0x11, '0',  '0',  '0',  '0', ':', '0', '0', ':',
    '0',  '1',  '.',  '1',  '/', 'b', 'e', 't', 'a', /* idstr */
    0x00, 0x00, 0x00, 0x00,                          /* instance 0 */
    0x00, 0x00, 0x00, 0x01,                          /* version 1 */
    0x01, 0x02, 0x03, 0x04,                          /* beta.bytes */
    0xff, 0xff, 0xff, 0xfe,                          /* beta.level */
    0x00,                                            /* EOF */
};

enum {
    ALPHA_HEADER = 8, /* offset of alpha's section type byte */
    ALPHA_VERSION = 8 + 1 + 4 + 1 + 5 + 4,
    ALPHA_COUNT = ALPHA_VERSION + 4 + 1,
    BETA_HEADER = ALPHA_VERSION + 4 + 7,
    BETA_LEVEL = sizeof(golden) - 5,
};

static GByteArray *golden_copy(void)
{
    GByteArray *file = g_byte_array_new();

    g_byte_array_append(file, golden, sizeof(golden));
    return file;
}

/* Loads file; on failure checks that nothing changed and the message. */
static void expect_load_fails(const uint8_t *data, size_t len,
                              const char *message)
{
    Board board, before;
    g_autoptr(GError) error = NULL;

    board_init(&board);
    board.alpha.mode = 0x11; /* differs from the file's values */
    board.beta.level = 77;
    before = board;
    ck_assert(!savevm_load(board.registry, data, len, true, &error));
    ck_assert_ptr_nonnull(error);
    if (message != NULL) {
        ck_assert_str_eq(error->message, message);
    }
    ck_assert_mem_eq(&board.alpha, &before.alpha, sizeof(Alpha));
    ck_assert_mem_eq(&board.beta, &before.beta, sizeof(Beta));
    board_clear(&board);
}

static void expect_load_ok(const uint8_t *data, size_t len)
{
    Board board;
    g_autoptr(GError) error = NULL;

    board_init(&board);
    memset(&board.alpha, 0, sizeof(Alpha));
    memset(&board.beta, 0, sizeof(Beta));
    ck_assert_msg(savevm_load(board.registry, data, len, true, &error), "%s",
                  error ? error->message : "");
    ck_assert_uint_eq(board.alpha.value, 0xdeadbeef);
    ck_assert_int_eq(board.beta.level, -2);
    board_clear(&board);
}

START_TEST(test_save_golden)
{
    Board board;

    board_init(&board);
    g_autoptr(GByteArray) file = savevm_save(board.registry);
    ck_assert_uint_eq(file->len, sizeof(golden));
    ck_assert_mem_eq(file->data, golden, sizeof(golden));
    board_clear(&board);
}
END_TEST

START_TEST(test_round_trip)
{
    Board board;

    board_init(&board);
    g_autoptr(GByteArray) first = savevm_save(board.registry);
    board.alpha.value = 0;
    ck_assert(savevm_load(board.registry, first->data, first->len, true, NULL));
    g_autoptr(GByteArray) second = savevm_save(board.registry);
    ck_assert_uint_eq(first->len, second->len);
    ck_assert_mem_eq(first->data, second->data, first->len);
    board_clear(&board);
}
END_TEST

START_TEST(test_every_truncation_fails_without_change)
{
    for (size_t len = 0; len < sizeof(golden); len++) {
        expect_load_fails(golden, len, NULL);
    }
}
END_TEST

START_TEST(test_verify_does_not_commit)
{
    Board board;

    board_init(&board);
    board.alpha.value = 7;
    ck_assert(savevm_load(board.registry, golden, sizeof(golden), false, NULL));
    ck_assert_uint_eq(board.alpha.value, 7);
    board_clear(&board);
}
END_TEST

START_TEST(test_accepted_like_qemu)
{
    g_autoptr(GByteArray) file = golden_copy();

    /* Trailing bytes after EOF are ignored. */
    g_byte_array_append(file, (const uint8_t *)"\x04garbage", 8);
    expect_load_ok(file->data, file->len);

    /* The bare alias of a PCI device, and any section id. */
    g_autoptr(GByteArray) alias = g_byte_array_new();
    g_byte_array_append(alias, golden, BETA_HEADER + 5);
    g_byte_array_append(alias,
                        (const uint8_t *)"\x04"
                                         "beta",
                        5);
    g_byte_array_append(alias, golden + BETA_HEADER + 5 + 18,
                        sizeof(golden) - BETA_HEADER - 5 - 18);
    alias->data[BETA_HEADER + 4] = 0x99;
    expect_load_ok(alias->data, alias->len);

    /* Sections in the other order. */
    g_autoptr(GByteArray) reversed = g_byte_array_new();
    g_byte_array_append(reversed, golden, 8);
    g_byte_array_append(reversed, golden + BETA_HEADER,
                        sizeof(golden) - BETA_HEADER - 1);
    g_byte_array_append(reversed, golden + ALPHA_HEADER,
                        BETA_HEADER - ALPHA_HEADER);
    g_byte_array_append(reversed, (const uint8_t *)"", 1);
    expect_load_ok(reversed->data, reversed->len);
}
END_TEST

START_TEST(test_missing_section_keeps_state)
{
    Board board;
    g_autoptr(GByteArray) only_alpha = g_byte_array_new();

    g_byte_array_append(only_alpha, golden, BETA_HEADER);
    g_byte_array_append(only_alpha, (const uint8_t *)"", 1);
    board_init(&board);
    board.beta.level = 55;
    board.alpha.value = 1;
    ck_assert(savevm_load(board.registry, only_alpha->data, only_alpha->len,
                          true, NULL));
    ck_assert_uint_eq(board.alpha.value, 0xdeadbeef);
    ck_assert_int_eq(board.beta.level, 55);
    board_clear(&board);
}
END_TEST

/* Byte patches of the golden file and QEMU's (or our stricter) verdict. */
static const struct {
    size_t offset;
    uint8_t value;
    const char *message;
} rejections[] = {
    { 0, 0x52,
      "at byte 0: Not a migration stream (magic 0x5245564d, expected "
      "0x5145564d \"QEVM\")" },
    { 7, 0x02,
      "at byte 4: SaveVM v2 format is obsolete and don't work "
      "anymore" },
    { 7, 0x04,
      "at byte 4: Unsupported migration stream version 4 "
      "(expected 3)" },
    { ALPHA_VERSION + 3, 0x04,
      "at byte 8: savevm: unsupported version 4 for 'alpha' v3" },
    { ALPHA_VERSION + 3, 0x01,
      "alpha: at byte 27: alpha: incoming version_id 1 is too old for local "
      "minimum version_id 2" },
    { ALPHA_VERSION - 1, 0x01,
      "at byte 8: Unknown savevm section or instance 'alpha' 1. Make sure "
      "that your current VM setup matches your saved VM setup, including any "
      "hotplugged devices" },
    { ALPHA_HEADER + 6, 'x',
      "at byte 8: Unknown savevm section or instance 'xlpha' 0. Make sure "
      "that your current VM setup matches your saved VM setup, including any "
      "hotplugged devices" },
    { ALPHA_HEADER, 0x05, "at byte 8: Unknown savevm section type 5" },
    { ALPHA_HEADER, 0x02, "at byte 8: Unknown savevm section type 2" },
    { ALPHA_HEADER + 5, 0x00,
      "at byte 8: Unable to read ID string (length "
      "0)" },
    { ALPHA_COUNT + 1, 0x09, "alpha: count at byte 28: 9 outside 0..8" },
};

START_TEST(test_rejected)
{
    g_autoptr(GByteArray) file = golden_copy();

    file->data[rejections[_i].offset] = rejections[_i].value;
    expect_load_fails(file->data, file->len, rejections[_i].message);
}
END_TEST

START_TEST(test_duplicate_section_rejected)
{
    g_autoptr(GByteArray) file = g_byte_array_new();

    g_byte_array_append(file, golden, BETA_HEADER);
    g_byte_array_append(file, golden + ALPHA_HEADER,
                        BETA_HEADER - ALPHA_HEADER);
    g_byte_array_append(file, (const uint8_t *)"", 1);
    expect_load_fails(file->data, file->len,
                      "at byte 34: section 'alpha' appears twice");
}
END_TEST

START_TEST(test_late_failure_changes_nothing)
{
    /* alpha decodes fine; beta is cut short: alpha must not change either. */
    expect_load_fails(golden, BETA_LEVEL + 2, NULL);
}
END_TEST

START_TEST(test_size_cap)
{
    g_autoptr(GError) error = NULL;
    Board board;

    board_init(&board);
    ck_assert(!savevm_load(board.registry, golden,
                           (size_t)SAVEVM_MAX_FILE_BYTES + 1, true, &error));
    ck_assert(strstr(error->message, "at most") != NULL);
    board_clear(&board);
}
END_TEST

typedef struct Inspected {
    GString *text;
} Inspected;

static void describe_section(const SavevmSectionInfo *info, void *opaque)
{
    Inspected *in = opaque;
    g_autoptr(GHashTable) uint64s =
        g_hash_table_new(g_direct_hash, g_direct_equal);
    JsonNode *fields = vms_to_json(info->section->vmsd, info->state, uint64s);

    g_string_append_printf(in->text, "%s v%u @%zu+%zu ", info->section->idstr,
                           info->version, info->offset, info->size);
    json_write(in->text, fields, uint64s);
    g_string_append_c(in->text, '\n');
    json_node_unref(fields);
}

START_TEST(test_inspect_and_dump)
{
    Board board;
    Inspected in = { g_string_new(NULL) };

    board_init(&board);
    board.alpha.value = 1; /* the file's values are shown, not these */
    ck_assert(savevm_inspect(board.registry, golden, sizeof(golden),
                             describe_section, &in, NULL));
    ck_assert_str_eq(in.text->str,
                     "alpha v3 @8+26 "
                     "{\"mode\":97,\"count\":2,\"value\":3735928559}\n"
                     "0000:00:01.1/beta v1 @34+39 "
                     "{\"bytes\":\"01020304\",\"level\":-2}\n");
    ck_assert_uint_eq(board.alpha.value, 1);
    g_string_free(in.text, TRUE);
    board_clear(&board);
}
END_TEST

START_TEST(test_load_buffer_kept)
{
    Board board;

    board_init(&board);
    GByteArray *buf = vms_registry_load_buffer(board.registry);
    g_byte_array_set_size(buf, 134138);
    vms_registry_load_done(board.registry);
    /* The same buffer, empty, with its room: no allocation next time. */
    ck_assert_ptr_eq(vms_registry_load_buffer(board.registry), buf);
    ck_assert_uint_eq(buf->len, 0);
    g_byte_array_set_size(buf, 134138);
    ck_assert_ptr_eq(vms_registry_load_buffer(board.registry), buf);
    /* A large file's buffer is given back (valgrind sees no leak). */
    g_byte_array_set_size(buf, 2 * 1024 * 1024);
    vms_registry_load_done(board.registry);
    ck_assert_uint_eq(vms_registry_load_buffer(board.registry)->len, 0);
    board_clear(&board);
}
END_TEST

Suite *savevm_suite(void)
{
    Suite *s = suite_create("savevm");
    TCase *save = tcase_create("save");
    TCase *load = tcase_create("load policy");

    tcase_add_test(save, test_save_golden);
    tcase_add_test(save, test_round_trip);
    tcase_add_test(load, test_every_truncation_fails_without_change);
    tcase_add_test(load, test_verify_does_not_commit);
    tcase_add_test(load, test_accepted_like_qemu);
    tcase_add_test(load, test_missing_section_keeps_state);
    tcase_add_loop_test(load, test_rejected, 0, G_N_ELEMENTS(rejections));
    tcase_add_test(load, test_duplicate_section_rejected);
    tcase_add_test(load, test_late_failure_changes_nothing);
    tcase_add_test(load, test_size_cap);
    tcase_add_test(load, test_inspect_and_dump);
    tcase_add_test(load, test_load_buffer_kept);
    suite_add_tcase(s, save);
    suite_add_tcase(s, load);
    return s;
}
