/*
 * The Cirrus state layer (devices/cirrus-state.c): the section against
 * QEMU 7.2's bytes, a round trip into a fresh card on the same VRAM, and
 * a hostile stream for each check.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/cirrus.h"
#include "tests/unit/check-cirrus.h"
#include "vmstate/registry.h"

enum {
    BODY_SIZE = 1870,
    PCI_BLOCK = 276, /* the cirrus_vga struct starts here */
    OFF_SR = PCI_BLOCK + 5,
    OFF_GR_INDEX = PCI_BLOCK + 261,
    OFF_GR2 = PCI_BLOCK + 264,
    OFF_AR_INDEX = PCI_BLOCK + 518,
    OFF_AR_FLIP_FLOP = PCI_BLOCK + 540,
    OFF_DAC_STATE = PCI_BLOCK + 805,
    OFF_DAC_SUB_INDEX = PCI_BLOCK + 806,
    OFF_PALETTE = PCI_BLOCK + 812,
    OFF_BANK_OFFSET = PCI_BLOCK + 1580,
    OFF_HW_CURSOR_X = PCI_BLOCK + 1586,
};

static IoDispatcher *io;
static PciBus *bus;
static uint8_t *vram;
static Cirrus *card;
static VmsRegistry *registry;

static void open_card(void)
{
    g_autoptr(GError) error = NULL;

    io = io_dispatcher_new();
    bus = pci_bus_new(io, &error);
    ck_assert_ptr_nonnull(bus);
    ck_assert(pci_bus_create_piix3(bus, 128 << 20, &error));
    card = cirrus_new(io, bus, vram, CIRRUS_REAL_VRAM_SIZE, &error);
    ck_assert_msg(card != NULL, "%s", error ? error->message : "");
    registry = vms_registry_new();
    cirrus_register_sections(card, registry);
}

static void close_card(void)
{
    vms_registry_free(registry);
    registry = NULL;
    cirrus_free(card);
    card = NULL;
    pci_bus_free(bus);
    bus = NULL;
    io_dispatcher_free(io);
    io = NULL;
}

static void state_setup(void)
{
    vram = g_malloc0(CIRRUS_REAL_VRAM_SIZE);
    open_card();
}

static void state_teardown(void)
{
    close_card();
    g_free(vram);
    vram = NULL;
}

static void outb(uint16_t port, uint8_t value)
{
    io_port_write(io, port, value, 1);
}

static uint8_t inb(uint16_t port)
{
    return (uint8_t)io_port_read(io, port, 1);
}

static GByteArray *state_save(void)
{
    const VmsSection *sec = vms_registry_get(registry, 0);
    VmsWriter w;

    vms_writer_init(&w);
    vms_save(&w, sec->vmsd, sec->opaque);
    return vms_writer_steal(&w);
}

/* Loads body into the live card; on failure returns the message. */
static char *state_load(const uint8_t *data, size_t len)
{
    const VmsSection *sec = vms_registry_get(registry, 0);
    void *scratch = sec->scratch_new(sec->opaque);
    g_autoptr(GError) error = NULL;
    VmsReader r;
    bool ok;

    vms_reader_init(&r, data, len);
    ok = vms_load(&r, sec->vmsd, scratch, 2, &error);
    if (ok) {
        sec->scratch_commit(sec->opaque, scratch);
    }
    sec->scratch_free(scratch);
    return ok ? NULL : g_strdup(error->message);
}

START_TEST(test_state_description)
{
    g_autoptr(GError) error = NULL;
    const VmsSection *sec = vms_registry_get(registry, 0);

    ck_assert_msg(vms_description_check(sec->vmsd, &error), "%s",
                  error ? error->message : "");
    ck_assert_str_eq(sec->idstr, "0000:00:02.0/cirrus_vga");
    ck_assert_str_eq(sec->alias, "cirrus_vga");
    ck_assert_uint_eq(sec->section_id, 18);
    ck_assert_uint_eq(sec->instance_id, 0);
    ck_assert_int_eq(sec->vmsd->version, 2);
    ck_assert_int_eq(sec->vmsd->min_version, 2);
}
END_TEST

START_TEST(test_state_fresh_equals_qemu)
{
    /* QEMU 7.2.22 -vga cirrus, fresh under -S (non-zero bytes). */
    static const uint16_t nz[][2] = {
        { 3, 2 },     { 4, 19 },   { 5, 16 },   { 6, 184 },  { 15, 3 },
        { 20, 8 },    { 48, 244 }, { 49, 26 },  { 51, 17 },  { 287, 15 },
        { 296, 152 }, { 302, 4 },  { 304, 32 }, { 312, 45 }, { 562, 15 },
        { 860, 184 }, { 1860, 5 },
    };
    uint8_t expect[BODY_SIZE] = { 0 };
    g_autoptr(GByteArray) body = state_save();

    for (unsigned i = 0; i < G_N_ELEMENTS(nz); i++) {
        expect[nz[i][0]] = (uint8_t)nz[i][1];
    }
    ck_assert_uint_eq(body->len, BODY_SIZE);
    for (unsigned i = 0; i < BODY_SIZE; i++) {
        ck_assert_msg(body->data[i] == expect[i], "byte %u: %02x, QEMU %02x", i,
                      body->data[i], expect[i]);
    }
    char *msg = state_load(body->data, body->len);
    ck_assert_msg(msg == NULL, "%s", msg);
    g_autoptr(GByteArray) again = state_save();
    ck_assert_mem_eq(again->data, body->data, BODY_SIZE);
}
END_TEST

/* Programs registers through the ports, as a guest driver would. */
static void program_card(void)
{
    outb(0x3c4, 0x06);
    outb(0x3c5, 0x12); /* unlock */
    outb(0x3c4, 0x07);
    outb(0x3c5, 0x01); /* extended 8 bpp */
    outb(0x3ce, 0x00);
    outb(0x3cf, 0x3a); /* the shadow keeps 0x3a, GR0 0x0a */
    outb(0x3ce, 0x0b);
    outb(0x3cf, 0x21); /* dual banks, 16K granularity */
    outb(0x3ce, 0x09);
    outb(0x3cf, 0x03);
    outb(0x3ce, 0x0a);
    outb(0x3cf, 0x05);
    outb(0x3c8, 0x10);
    outb(0x3c9, 0x3f);
    outb(0x3c9, 0x20);
    outb(0x3c9, 0x01);
    outb(0x3c4, 0x10 | 0xe0); /* cursor x = 0x7ff */
    outb(0x3c5, 0xff);
    outb(0x3d4, 0x1b);
    outb(0x3d5, 0x22);
    outb(0x3c0, 0x10);
    outb(0x3c0, 0x41);
    /* A CPU-to-video blit of one 16-byte line, waiting for its data. */
    static const uint8_t blit[][2] = {
        { 0x20, 0x0f }, { 0x21, 0 }, { 0x22, 0 },    { 0x23, 0 },
        { 0x24, 0x10 }, { 0x25, 0 }, { 0x26, 0x10 }, { 0x27, 0 },
        { 0x28, 0 },    { 0x29, 0 }, { 0x2a, 0 },    { 0x30, 0x04 },
        { 0x32, 0x0d }, { 0x33, 0 }, { 0x31, 0x02 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(blit); i++) {
        outb(0x3ce, blit[i][0]);
        outb(0x3cf, blit[i][1]);
    }
}

START_TEST(test_state_round_trip)
{
    g_autoptr(GByteArray) body = NULL;

    program_card();
    vram[0x12345] = 0xa5;
    ck_assert(cirrus_blit_cpu_source_active(card));
    body = state_save();
    ck_assert_uint_eq(body->len, BODY_SIZE);
    ck_assert_uint_eq(body->data[OFF_GR_INDEX + 1], 0x3a); /* shadow gr0 */
    /* A fresh card on the same VRAM. */
    close_card();
    open_card();
    char *msg = state_load(body->data, body->len);
    ck_assert_msg(msg == NULL, "%s", msg);
    g_autoptr(GByteArray) again = state_save();
    ck_assert_mem_eq(again->data, body->data, BODY_SIZE);
    /* GR0 reads the shadow; the core keeps 4 bits; banks recomputed. */
    outb(0x3ce, 0x00);
    ck_assert_uint_eq(inb(0x3cf), 0x3a);
    ck_assert_uint_eq(card->vga.gr[0], 0x0a);
    ck_assert_uint_eq(card->bank_base[0], 0x3u << 14);
    ck_assert_uint_eq(card->bank_base[1], 0x5u << 14);
    ck_assert_uint_eq(card->hw_cursor_x, 0x7ff);
    ck_assert_uint_eq(vram[0x12345], 0xa5);
    /* GR31 as loaded (QEMU keeps it too), though no blit runs now. */
    outb(0x3ce, 0x31);
    ck_assert_uint_eq(inb(0x3cf), 0x03);
    ck_assert(!cirrus_blit_cpu_source_active(card));
}
END_TEST

/* Each hostile value: refused with the field and byte, nothing changed. */
START_TEST(test_state_hostile)
{
    static const struct {
        unsigned offset;
        unsigned len;
        uint32_t value; /* big-endian on the wire */
        const char *expect;
    } cases[] = {
        { OFF_DAC_SUB_INDEX, 1, 3, "dac_sub_index" },
        { OFF_DAC_STATE, 1, 1, "dac_state" },
        { OFF_AR_FLIP_FLOP, 4, 2, "ar_flip_flop" },
        { OFF_AR_FLIP_FLOP, 4, 0xffffffff, "ar_flip_flop" },
        { OFF_BANK_OFFSET, 4, 0xfff00000, "bank_offset" },
        { OFF_BANK_OFFSET, 4, CIRRUS_REAL_VRAM_SIZE, "bank_offset" },
        /* A blit height no guest write can set (GR23 keeps 5 bits). */
        { OFF_GR2 + 0x23 - 2, 1, 0xdf, "gr[0x23] 0xdf" },
        { OFF_GR2 + 0x2e - 2, 1, 0x40, "gr[0x2e] 0x40" },
    };

    program_card();
    g_autoptr(GByteArray) good = state_save();
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) bad = g_byte_array_new();

        g_byte_array_append(bad, good->data, good->len);
        for (unsigned b = 0; b < cases[i].len; b++) {
            unsigned shift = 8 * (cases[i].len - 1 - b);
            bad->data[cases[i].offset + b] = (uint8_t)(cases[i].value >> shift);
        }
        /* Something the load would change if it went through. */
        bad->data[OFF_PALETTE] ^= 0x3f;
        g_autofree char *msg = state_load(bad->data, bad->len);
        ck_assert_msg(msg != NULL, "case %u loaded", i);
        ck_assert_msg(strstr(msg, cases[i].expect) != NULL, "case %u: %s", i,
                      msg);
        g_autoptr(GByteArray) after = state_save();
        ck_assert_mem_eq(after->data, good->data, BODY_SIZE);
    }
    /* A short body is refused too. */
    g_autofree char *msg = state_load(good->data, BODY_SIZE - 1);
    ck_assert_ptr_nonnull(msg);
}
END_TEST

/* Indexes are masked as the guest's port writes mask them. */
START_TEST(test_state_masked_indexes)
{
    g_autoptr(GByteArray) body = state_save();

    body->data[OFF_AR_INDEX] = 0xff;
    char *msg = state_load(body->data, body->len);
    ck_assert_msg(msg == NULL, "%s", msg);
    ck_assert_uint_eq(card->vga.ar_index, 0x3f);
}
END_TEST

TCase *cirrus_state_tcase(void)
{
    TCase *tc = tcase_create("state");

    tcase_add_checked_fixture(tc, state_setup, state_teardown);
    tcase_add_test(tc, test_state_description);
    tcase_add_test(tc, test_state_fresh_equals_qemu);
    tcase_add_test(tc, test_state_round_trip);
    tcase_add_test(tc, test_state_hostile);
    tcase_add_test(tc, test_state_masked_indexes);
    return tc;
}
