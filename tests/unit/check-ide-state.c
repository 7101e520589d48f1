/*
 * The IDE state layer (devices/ide-state.c): the section against QEMU
 * 7.2's bytes, transfers cut by a save and loaded into a fresh instance,
 * and hostile streams for each invariant.  The fixture is check-ide.c's.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/unit/check-ide.h"
#include "vmstate/registry.h"

static const VmsSection *state_section(void)
{
    vms_registry_free(registry);
    registry = vms_registry_new();
    ide_register_sections(ide, registry);
    return vms_registry_get(registry, 0);
}

static GByteArray *state_save(void)
{
    const VmsSection *sec = state_section();
    VmsWriter w;

    vms_writer_init(&w);
    vms_save(&w, sec->vmsd, sec->opaque);
    return vms_writer_steal(&w);
}

/* Loads body into the live IDE; on failure returns the message. */
static char *state_load(const GByteArray *body)
{
    const VmsSection *sec = state_section();
    void *scratch = sec->scratch_new(sec->opaque);
    g_autoptr(GError) error = NULL;
    VmsReader r;
    bool ok;

    vms_reader_init(&r, body->data, body->len);
    ok = vms_load(&r, sec->vmsd, scratch, 3, &error);
    if (ok) {
        sec->scratch_commit(sec->opaque, scratch);
    }
    sec->scratch_free(scratch);
    return ok ? NULL : g_strdup(error->message);
}

START_TEST(test_state_description)
{
    g_autoptr(GError) error = NULL;
    const VmsSection *sec = state_section();

    ck_assert_msg(vms_description_check(&ide_vmsd, &error), "%s",
                  error ? error->message : "");
    ck_assert_str_eq(sec->idstr, "0000:00:01.1/ide");
    ck_assert_str_eq(sec->alias, "ide");
    ck_assert_uint_eq(sec->section_id, 29);
    ck_assert_uint_eq(sec->instance_id, 0);
}
END_TEST

START_TEST(test_state_fresh_equals_qemu)
{
    /* QEMU 7.2.22's fresh body with one disk at index 0 (non-zero bytes). */
    static const uint16_t nz[][2] = {
        { 3, 2 },     { 4, 134 },   { 5, 128 },   { 6, 16 },    { 7, 112 },
        { 10, 128 },  { 11, 2 },    { 13, 128 },  { 14, 1 },    { 15, 1 },
        { 36, 1 },    { 48, 244 },  { 49, 26 },   { 51, 17 },   { 321, 16 },
        { 331, 1 },   { 332, 1 },   { 340, 160 }, { 341, 80 },  { 349, 16 },
        { 359, 1 },   { 360, 1 },   { 361, 255 }, { 362, 255 }, { 368, 160 },
        { 369, 80 },  { 377, 16 },  { 387, 1 },   { 388, 1 },   { 389, 255 },
        { 390, 255 }, { 396, 160 }, { 397, 80 },  { 405, 16 },  { 415, 1 },
        { 416, 1 },   { 417, 255 }, { 418, 255 }, { 424, 160 }, { 425, 80 },
    };
    uint8_t expect[430] = { 0 };
    g_autoptr(GByteArray) body = NULL;

    for (unsigned i = 0; i < G_N_ELEMENTS(nz); i++) {
        expect[nz[i][0]] = (uint8_t)nz[i][1];
    }
    body = state_save();
    ck_assert_uint_eq(body->len, 430);
    for (unsigned i = 0; i < 430; i++) {
        ck_assert_msg(body->data[i] == expect[i], "byte %u: %02x, QEMU %02x", i,
                      body->data[i], expect[i]);
    }
    /* It loads back, and saves the same. */
    ck_assert_ptr_null(state_load(body));
    g_autoptr(GByteArray) again = state_save();
    ck_assert_mem_eq(again->data, body->data, 430);
}
END_TEST

/* A transfer of 8 sectors cut after 3.5, saved and loaded elsewhere. */
START_TEST(test_state_cut_read)
{
    g_autoptr(GByteArray) body = NULL;
    char *msg;

    set_lba28(100, 8);
    outb(P_CMD, 0x20);
    for (unsigned i = 0; i < 3; i++) {
        read_check_sector(100 + i);
    }
    for (unsigned b = 0; b < 256; b += 2) {
        uint16_t w = inw();
        ck_assert_uint_eq(w & 0xff, pattern(103, b));
    }
    body = state_save();
    /* 430 + the pio_state subsection of the primary master. */
    ck_assert_uint_eq(body->len, 430 + 131122);
    close_ide();
    open_ide(false);
    ck_assert_uint_eq(inb(P_CTRL), 0x50);
    msg = state_load(body);
    ck_assert_msg(msg == NULL, "%s", msg);
    ck_assert_uint_eq(inb(P_CTRL), 0x58);
    for (unsigned b = 256; b < 512; b += 2) {
        uint16_t w = inw();
        ck_assert_uint_eq(w & 0xff, pattern(103, b));
        ck_assert_uint_eq(w >> 8, pattern(103, b + 1));
    }
    for (unsigned i = 4; i < 8; i++) {
        read_check_sector(100 + i);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
}
END_TEST

/* Saves, and loads into a fresh instance on the same image. */
static void move_to_fresh_instance(void)
{
    g_autoptr(GByteArray) body = state_save();
    char *msg;

    close_ide();
    open_ide(false);
    msg = state_load(body);
    ck_assert_msg(msg == NULL, "%s", msg);
}

/* WRITE SECTORS of 8, cut after 3.5 sectors. */
START_TEST(test_state_cut_write_sectors)
{
    uint8_t buf[512];

    set_lba28(600, 8);
    outb(P_CMD, 0x30);
    for (unsigned i = 0; i < 8 * 256; i++) {
        if (i == 3 * 256 + 128) {
            move_to_fresh_instance();
        }
        outw((uint16_t)(0x3000 + i));
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    for (unsigned s = 0; s < 8; s++) {
        read_image(600 + s, buf);
        for (unsigned b = 0; b < 512; b += 2) {
            ck_assert_uint_eq(buf[b] | (buf[b + 1] << 8),
                              0x3000 + s * 256 + b / 2);
        }
    }
}
END_TEST

/* READ MULTIPLE of 8 in blocks of 4, cut after 3.5 sectors. */
START_TEST(test_state_cut_read_multiple)
{
    outb(P_NSECT, 4);
    outb(P_CMD, 0xc6);
    set_lba28(700, 8);
    outb(P_CMD, 0xc4);
    for (unsigned i = 0; i < 3; i++) {
        read_check_sector(700 + i);
    }
    for (unsigned b = 0; b < 256; b += 2) {
        ck_assert_uint_eq(inw() & 0xff, pattern(703, b));
    }
    move_to_fresh_instance();
    ck_assert_int_eq(ide->bus[0].ifs[0].mult_sectors, 4);
    for (unsigned b = 256; b < 512; b += 2) {
        uint16_t w = inw();
        ck_assert_uint_eq(w & 0xff, pattern(703, b));
        ck_assert_uint_eq(w >> 8, pattern(703, b + 1));
    }
    for (unsigned i = 4; i < 8; i++) {
        read_check_sector(700 + i);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
}
END_TEST

/* A WRITE MULTIPLE of one 2-sector block cut at every word boundary. */
START_TEST(test_state_cut_write)
{
    uint8_t buf[512];
    unsigned cut = (unsigned)_i;

    outb(P_NSECT, 2);
    outb(P_CMD, 0xc6);
    set_lba28(400, 2);
    outb(P_CMD, 0xc5);
    for (unsigned i = 0; i < 512; i++) {
        if (i == cut) {
            g_autoptr(GByteArray) body = state_save();
            char *msg;

            close_ide();
            open_ide(false);
            msg = state_load(body);
            ck_assert_msg(msg == NULL, "%s", msg);
        }
        outw((uint16_t)(0x7000 + i));
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    for (unsigned s = 0; s < 2; s++) {
        read_image(400 + s, buf);
        ck_assert_uint_eq(buf[0] | (buf[1] << 8), 0x7000 + s * 256);
        ck_assert_uint_eq(buf[510] | (buf[511] << 8), 0x7000 + s * 256 + 255);
    }
}
END_TEST

/* Offsets of fields in a body with the primary master mid-transfer. */
enum {
    OFF_DRIVE0 = 318,
    OFF_STATUS0 = OFF_DRIVE0 + 8 + 15,
    OFF_PIO = OFF_DRIVE0 + 28,               /* the subsection marker 0x05 */
    OFF_PIO_DATA = OFF_PIO + 1 + 1 + 19 + 4, /* after marker, name, ver */
    OFF_REQ = OFF_PIO_DATA,
    OFF_OFFSET = OFF_PIO_DATA + 4 + IDE_IO_BUFFER_SIZE,
    OFF_LEN = OFF_OFFSET + 4,
    OFF_IDX = OFF_LEN + 4,
};

static void put_be32(GByteArray *b, unsigned off, uint32_t v)
{
    b->data[off] = (uint8_t)(v >> 24);
    b->data[off + 1] = (uint8_t)(v >> 16);
    b->data[off + 2] = (uint8_t)(v >> 8);
    b->data[off + 3] = (uint8_t)v;
}

static GByteArray *mid_read_body(void)
{
    set_lba28(100, 8);
    outb(P_CMD, 0x20);
    for (unsigned i = 0; i < 100; i++) {
        inw();
    }
    return state_save();
}

static void expect_refused(GByteArray *body, const char *what)
{
    g_autofree char *msg = state_load(body);

    ck_assert_msg(msg != NULL, "%s was accepted", what);
    /* The live state is untouched: the read goes on. */
    ck_assert_uint_eq(inb(P_CTRL), 0x58);
    ck_assert_uint_eq(ide->bus[0].ifs[0].data_pos, 200);
}

START_TEST(test_state_layout)
{
    g_autoptr(GByteArray) body = mid_read_body();

    ck_assert_uint_eq(body->data[OFF_STATUS0], 0x58);
    ck_assert_uint_eq(body->data[OFF_PIO], 0x05);
    ck_assert_uint_eq(body->data[OFF_PIO + 1], 19);
    ck_assert_mem_eq(body->data + OFF_PIO + 2, "ide_drive/pio_state", 19);
    ck_assert_uint_eq(body->data[OFF_REQ + 3], 1);
    ck_assert_uint_eq(body->data[OFF_OFFSET + 3], 200);
    ck_assert_uint_eq(body->data[OFF_LEN + 2] << 8 | body->data[OFF_LEN + 3],
                      312);
    ck_assert_uint_eq(body->data[OFF_IDX], 0); /* QEMU's ide_sector_read */
    ck_assert_uint_eq(body->data[OFF_PIO_DATA + 4], pattern(100, 0));
}
END_TEST

START_TEST(test_state_hostile_offset)
{
    g_autoptr(GByteArray) body = mid_read_body();

    /* QEMU 7.2 loads this and reads far outside its buffer. */
    put_be32(body, OFF_OFFSET, 0x7ffffff0);
    expect_refused(body, "offset 0x7ffffff0");
    put_be32(body, OFF_OFFSET, 131076);
    put_be32(body, OFF_LEN, 1);
    expect_refused(body, "offset + len > 131076");
    put_be32(body, OFF_OFFSET, 0xffffffff);
    put_be32(body, OFF_LEN, 2);
    expect_refused(body, "offset -1");
    put_be32(body, OFF_OFFSET, 0);
    put_be32(body, OFF_LEN, 0x80000000);
    expect_refused(body, "negative length");
    put_be32(body, OFF_OFFSET, 0);
    put_be32(body, OFF_LEN, 1024);
    expect_refused(body, "a window past one sector per block");
    put_be32(body, OFF_LEN, 0);
    expect_refused(body, "DRQ with an empty window");
}
END_TEST

START_TEST(test_state_hostile_fields)
{
    g_autoptr(GByteArray) body = mid_read_body();
    g_autoptr(GByteArray) orig = g_byte_array_new();

    g_byte_array_append(orig, body->data, body->len);
#define RESTORE() memcpy(body->data, orig->data, orig->len)
    body->data[OFF_IDX] = 6;
    expect_refused(body, "transfer index 6");
    body->data[OFF_IDX] = 3;
    expect_refused(body, "an ATAPI transfer index");
    RESTORE();
    put_be32(body, OFF_REQ, 17);
    expect_refused(body, "req_nb_sectors 17");
    put_be32(body, OFF_REQ, 0);
    expect_refused(body, "req_nb_sectors 0 in a sector read");
    RESTORE();
    put_be32(body, OFF_DRIVE0, 3);
    expect_refused(body, "mult_sectors 3");
    put_be32(body, OFF_DRIVE0, 32);
    expect_refused(body, "mult_sectors 32");
    RESTORE();
    put_be32(body, OFF_DRIVE0 + 10, 65537);
    expect_refused(body, "nsector 65537");
    RESTORE();
    body->data[315] = 2; /* bus[0].unit */
    expect_refused(body, "unit 2");
    RESTORE();
    body->data[276 + 18] = 2; /* bmdma[0].migration_retry_unit */
    expect_refused(body, "retry unit 2");
    RESTORE();
    body->data[276 + 1] = 0x10; /* compat status: a PIO retry */
    expect_refused(body, "a pending retry");
    RESTORE();
    body->data[OFF_DRIVE0 + 8 + 17] = 6; /* sense_key */
    expect_refused(body, "ATAPI sense data");
    RESTORE();
    /* DRQ on the absent slave, without pio_state. */
    body->data[OFF_PIO + 28 + 131122 + 8 + 15] = 0x58;
    expect_refused(body, "DRQ on an absent drive");
#undef RESTORE
    ck_assert_ptr_null(state_load(orig));
}
END_TEST

/* A body with a subsection inserted at off. */
static GByteArray *with_subsection(const GByteArray *body, unsigned off,
                                   const char *name, const uint8_t *fields,
                                   unsigned len)
{
    GByteArray *out = g_byte_array_new();
    uint8_t head[2] = { 0x05, (uint8_t)strlen(name) };
    static const uint8_t version[4] = { 0, 0, 0, 1 };

    g_byte_array_append(out, body->data, off);
    g_byte_array_append(out, head, 2);
    g_byte_array_append(out, (const uint8_t *)name, (guint)strlen(name));
    g_byte_array_append(out, version, 4);
    g_byte_array_append(out, fields, len);
    g_byte_array_append(out, body->data + off, body->len - off);
    return out;
}

START_TEST(test_state_hostile_subsections)
{
    g_autoptr(GByteArray) body = state_save();
    static const uint8_t tray[2] = { 1, 0 };
    static const uint8_t gesn[2] = { 0, 1 };
    static const uint8_t current[16] = { [14] = 0x02 };
    static const uint8_t status[1] = { 0x20 };
    static const uint8_t bus_error[17] = { 0, 0, 0, 0x10 };
    struct {
        unsigned off;
        const char *name;
        const uint8_t *fields;
        unsigned len;
        bool ok;
    } cases[] = {
        { 346, "ide_drive/tray_state", tray, 2, false },
        { 346, "ide_drive/atapi/gesn_state", gesn, 2, false },
        { 295, "ide bmdma_current", current, 16, false },
        { 295, "ide bmdma/status", status, 1, true },
        { 316, "ide_bus/error", bus_error, 17, false },
        { 346, "ide_drive/no_such", tray, 2, false },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) b = with_subsection(
            body, cases[i].off, cases[i].name, cases[i].fields, cases[i].len);
        g_autofree char *msg = state_load(b);

        ck_assert_msg((msg == NULL) == cases[i].ok, "%s: %s", cases[i].name,
                      msg != NULL ? msg : "accepted");
    }
    /* The accepted status subsection carried the DMA-capable bit. */
    ck_assert_uint_eq(ide->bmdma[0].status, 0x20);
}
END_TEST

/*
 * A load copies no PIO buffer it does not have to: without a pio_state
 * subsection every drive keeps its buffer; with one, only that drive's
 * buffer is replaced (swapped with the scratch's), and a refused load
 * changes none.
 */
START_TEST(test_state_buffers_swapped)
{
    g_autoptr(GByteArray) rest = state_save();
    uint8_t *before[2][2];
    char *msg;

    for (unsigned b = 0; b < 2; b++) {
        for (unsigned u = 0; u < 2; u++) {
            before[b][u] = ide->bus[b].ifs[u].io_buffer;
        }
    }
    msg = state_load(rest);
    ck_assert_msg(msg == NULL, "%s", msg);
    for (unsigned b = 0; b < 2; b++) {
        for (unsigned u = 0; u < 2; u++) {
            ck_assert_ptr_eq(ide->bus[b].ifs[u].io_buffer, before[b][u]);
        }
    }

    g_autoptr(GByteArray) body = mid_read_body();
    g_autoptr(GByteArray) bad = g_byte_array_new();
    g_byte_array_append(bad, body->data, body->len);
    put_be32(bad, OFF_OFFSET, 0x7ffffff0);
    expect_refused(bad, "offset 0x7ffffff0");
    ck_assert_ptr_eq(ide->bus[0].ifs[0].io_buffer, before[0][0]);

    msg = state_load(body);
    ck_assert_msg(msg == NULL, "%s", msg);
    uint8_t *loaded = ide->bus[0].ifs[0].io_buffer;
    ck_assert_ptr_ne(loaded, before[0][0]);
    ck_assert_ptr_eq(ide->bus[0].ifs[1].io_buffer, before[0][1]);
    ck_assert_ptr_eq(ide->bus[1].ifs[0].io_buffer, before[1][0]);
    ck_assert_ptr_eq(ide->bus[1].ifs[1].io_buffer, before[1][1]);
    /* The read goes on from the loaded buffer: sector 100, word 100. */
    for (unsigned b = 200; b < 512; b += 2) {
        uint16_t w = inw();
        ck_assert_uint_eq(w & 0xff, pattern(100, b));
        ck_assert_uint_eq(w >> 8, pattern(100, b + 1));
    }
    /* Saved again, the state is the same bytes. */
    msg = state_load(body);
    ck_assert_msg(msg == NULL, "%s", msg);
    g_autoptr(GByteArray) again = state_save();
    ck_assert_uint_eq(again->len, body->len);
    ck_assert_mem_eq(again->data, body->data, body->len);
    /*
     * Each load filled the buffer the one before gave back: two buffers
     * take turns, and a checkpoint loop allocates none.
     */
    ck_assert_ptr_eq(ide->bus[0].ifs[0].io_buffer, before[0][0]);
    msg = state_load(body);
    ck_assert_msg(msg == NULL, "%s", msg);
    ck_assert_ptr_eq(ide->bus[0].ifs[0].io_buffer, loaded);
}
END_TEST

TCase *ide_state_tcase(void)
{
    TCase *tc = tcase_create("state");

    tcase_add_checked_fixture(tc, ide_setup, ide_teardown);
    tcase_add_test(tc, test_state_description);
    tcase_add_test(tc, test_state_fresh_equals_qemu);
    tcase_add_test(tc, test_state_cut_read);
    tcase_add_test(tc, test_state_cut_write_sectors);
    tcase_add_test(tc, test_state_cut_read_multiple);
    tcase_add_loop_test(tc, test_state_cut_write, 0, 512);
    tcase_add_test(tc, test_state_layout);
    tcase_add_test(tc, test_state_hostile_offset);
    tcase_add_test(tc, test_state_hostile_fields);
    tcase_add_test(tc, test_state_hostile_subsections);
    tcase_add_test(tc, test_state_buffers_swapped);
    return tc;
}
