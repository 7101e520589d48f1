/*
 * The physmap keys (daemon/physmap.c), the BAR listener that feeds them
 * (devices/pci.c), the ready key (daemon/xen.c) and the x-xenstore-*
 * commands, on the embedded xenstore.  The rules are QEMU's
 * (research/xen-toolstack.md §2.2, §2.3): three keys in lowercase hex
 * without 0x, only above 0xbffff, rewritten on a move, never deleted; an
 * entry read back makes a mapping at its address a no-op.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "daemon/machine.h"
#include "daemon/physmap.h"
#include "daemon/vram.h"
#include "daemon/xen.h"
#include "daemon/xenstore.h"
#include "devices/cirrus.h"
#include "devices/pci.h"
#include "qmp/dispatch.h"
#include "tests/unit/suites.h"

#define DOMID 7
#define DIR   "/local/domain/0/device-model/7/physmap"
#define ENTRY DIR "/8000000"
#define FB    0x8000000ull /* 128 MiB: the default --memory */
#define VRAM  0x400000ull  /* 4 MiB */

static Xenstore *open_store(void)
{
    g_autoptr(GError) error = NULL;
    Xenstore *xs = xenstore_open(XENSTORE_BACKEND_EMBEDDED, &error);

    ck_assert_msg(xs != NULL, "%s", error ? error->message : "?");
    return xs;
}

static void put(Xenstore *xs, const char *path, const char *value)
{
    ck_assert(xenstore_write_str(xs, path, value, NULL));
}

static void put_bytes(Xenstore *xs, const char *path, const void *value,
                      size_t len)
{
    ck_assert(xenstore_write(xs, path, value, len, NULL));
}

static void assert_value(Xenstore *xs, const char *path, const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *value = xenstore_read(xs, path, NULL, &error);

    ck_assert_msg(value != NULL, "read %s: %s", path,
                  error ? error->message : "?");
    ck_assert_str_eq(value, expected);
}

static void assert_missing(Xenstore *xs, const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *value = xenstore_read(xs, path, NULL, &error);

    ck_assert_msg(value == NULL, "%s exists: '%s'", path, value);
    ck_assert(g_error_matches(error, XENSTORE_ERROR, ENOENT));
}

static void assert_children(Xenstore *xs, const char *path,
                            const char *expected)
{
    g_auto(GStrv) names = xenstore_directory(xs, path, NULL);
    g_autofree char *joined = NULL;

    ck_assert_ptr_nonnull(names);
    joined = g_strjoinv(" ", names);
    ck_assert_str_eq(joined, expected);
}

static void assert_entry(Xenstore *xs, const char *start, const char *size)
{
    assert_children(xs, ENTRY, "start_addr size name");
    assert_value(xs, ENTRY "/start_addr", start);
    assert_value(xs, ENTRY "/size", size);
    assert_value(xs, ENTRY "/name", "vga.vram");
}

static void moved(Physmap *pm, uint64_t addr)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(physmap_framebuffer_moved(pm, addr, &error), "%s",
                  error ? error->message : "?");
}

/* ------------------------------------------------------------ the keys */

START_TEST(test_map_writes_three_keys)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);

    physmap_set_framebuffer(pm, FB, VRAM);
    /* The legacy window and below: never recorded. */
    moved(pm, 0xa0000);
    moved(pm, 0xbf000);
    assert_missing(xs, DIR);
    moved(pm, 0xf0000000);
    assert_children(xs, DIR, "8000000");
    assert_entry(xs, "f0000000", "400000");
    ck_assert_uint_eq(physmap_count(pm), 1);
    ck_assert_ptr_nonnull(physmap_lookup(pm, 0xf0000000 + VRAM - 1));
    ck_assert_ptr_null(physmap_lookup(pm, 0xf0000000 + VRAM));
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_move_rewrites_never_deletes)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);

    physmap_set_framebuffer(pm, FB, VRAM);
    moved(pm, 0xf0000000);
    moved(pm, 0xe0000000);
    assert_entry(xs, "e0000000", "400000");
    ck_assert_uint_eq(physmap_count(pm), 1);
    /* Decoding off: the mapping is forgotten, the keys stay. */
    moved(pm, UINT64_MAX);
    assert_entry(xs, "e0000000", "400000");
    ck_assert_uint_eq(physmap_count(pm), 0);
    /* Below the window: forgotten too, keys kept. */
    moved(pm, 0xd0000000);
    moved(pm, 0xa0000);
    assert_entry(xs, "d0000000", "400000");
    ck_assert_uint_eq(physmap_count(pm), 0);
    /* Back on: written again (QEMU's region_add after region_del). */
    put(xs, ENTRY "/size", "1");
    moved(pm, 0xd0000000);
    assert_entry(xs, "d0000000", "400000");
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_high_address_in_lowercase_hex)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, 12);
    g_autoptr(GError) error = NULL;

    ck_assert(physmap_add(pm, 0xABC00000ull, 0xFEDC000000ull, 0x1000000,
                          "vga.vram", &error));
    assert_value(xs,
                 "/local/domain/0/device-model/12/physmap/abc00000/start_addr",
                 "fedc000000");
    assert_value(xs, "/local/domain/0/device-model/12/physmap/abc00000/size",
                 "1000000");
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

/* ---------------------------------------------------------- read back */

START_TEST(test_read_back_makes_map_a_noop)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);
    g_autoptr(GError) error = NULL;

    /* What libxl restored: a size we would not write, to see no rewrite. */
    put(xs, ENTRY "/start_addr", "f0000000");
    put(xs, ENTRY "/size", "800000");
    put(xs, ENTRY "/name", "vga.vram");
    ck_assert_msg(physmap_read_back(pm, &error), "%s",
                  error ? error->message : "?");
    ck_assert_uint_eq(physmap_count(pm), 1);
    const PhysmapEntry *e = physmap_lookup(pm, 0xf0000000);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->phys_offset, FB);
    ck_assert_uint_eq(e->size, 0x800000);
    ck_assert_str_eq(e->name, "vga.vram");

    physmap_set_framebuffer(pm, FB, VRAM);
    moved(pm, 0xf0000000);
    assert_entry(xs, "f0000000", "800000");
    /* A move afterwards rewrites, and the stale entry is gone. */
    moved(pm, 0xe0000000);
    assert_entry(xs, "e0000000", "400000");
    moved(pm, 0xf0000000);
    assert_entry(xs, "f0000000", "400000");
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_read_back_stale_entry_replaced)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);

    put(xs, ENTRY "/start_addr", "f0000000");
    put(xs, ENTRY "/size", "400000");
    put(xs, ENTRY "/name", "vga.vram");
    ck_assert(physmap_read_back(pm, NULL));
    physmap_set_framebuffer(pm, FB, VRAM);
    /* The loaded BAR is elsewhere: the keys follow it. */
    moved(pm, 0xe0000000);
    assert_entry(xs, "e0000000", "400000");
    ck_assert_uint_eq(physmap_count(pm), 1);
    ck_assert_ptr_null(physmap_lookup(pm, 0xf0000000));
    /* So going back to the old address is recorded, not skipped. */
    moved(pm, 0xf0000000);
    assert_entry(xs, "f0000000", "400000");
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_read_back_tolerates_missing)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);
    g_autoptr(GError) error = NULL;

    /* No directory at all: a fresh domain. */
    ck_assert(physmap_read_back(pm, &error));
    ck_assert_uint_eq(physmap_count(pm), 0);
    /* Half-written entries are skipped; a missing name is fine. */
    put(xs, DIR "/1000/start_addr", "f0000000");
    put(xs, DIR "/2000/size", "1000");
    ck_assert(xenstore_mkdir(xs, DIR "/3000", NULL));
    put(xs, DIR "/4000/start_addr", "e0000000");
    put(xs, DIR "/4000/size", "1000");
    ck_assert(physmap_read_back(pm, &error));
    ck_assert_uint_eq(physmap_count(pm), 1);
    const PhysmapEntry *e = physmap_lookup(pm, 0xe0000fff);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->phys_offset, 0x4000);
    ck_assert_ptr_null(e->name);
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

static const struct {
    const char *entry; /* under DIR */
    const char *start;
    const char *size;
    const char *name; /* NULL: none */
    const char *key;  /* the key the message must name */
} malformed[] = {
    { "8000000", "f000000g", "400000", "vga.vram", ENTRY "/start_addr" },
    { "8000000", "0xf0000000", "400000", "vga.vram", ENTRY "/start_addr" },
    { "8000000", "", "400000", "vga.vram", ENTRY "/start_addr" },
    { "8000000", " f0000000", "400000", NULL, ENTRY "/start_addr" },
    { "8000000", "-1", "400000", NULL, ENTRY "/start_addr" },
    { "8000000", "10000000000000000", "400000", NULL, ENTRY "/start_addr" },
    { "8000000", "f0000000", "0", "vga.vram", ENTRY "/size" },
    { "8000000", "f0000000", "00000000000000000000", NULL, ENTRY "/size" },
    { "8000000", "f0000000", "4m", NULL, ENTRY "/size" },
    { "8000000", "ffffffffffffff00", "101", NULL, ENTRY "/size" },
    { "8000000", "f0000000", "400000", "vga\x01vram", ENTRY "/name" },
    { "8000000", "f0000000", "400000", "vga\xff", ENTRY "/name" },
    { "vram", "f0000000", "400000", "vga.vram", DIR "/vram" },
    { "0x8000000", "f0000000", "400000", "vga.vram", DIR "/0x8000000" },
    { "100000000000000000", "f0000000", "400000", NULL,
      DIR "/100000000000000000" },
};

START_TEST(test_read_back_refuses_malformed)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_strdup_printf("%s/%s", DIR, malformed[_i].entry);
    g_autofree char *start = g_strdup_printf("%s/start_addr", dir);
    g_autofree char *size = g_strdup_printf("%s/size", dir);
    g_autofree char *name = g_strdup_printf("%s/name", dir);

    /* A good entry first: a refusal must leave the list empty. */
    put(xs, DIR "/1000/start_addr", "e0000000");
    put(xs, DIR "/1000/size", "1000");
    put(xs, start, malformed[_i].start);
    put(xs, size, malformed[_i].size);
    if (malformed[_i].name != NULL) {
        put(xs, name, malformed[_i].name);
    }
    ck_assert(!physmap_read_back(pm, &error));
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(strstr(error->message, malformed[_i].key) != NULL,
                  "case %d: '%s' does not name %s", _i, error->message,
                  malformed[_i].key);
    ck_assert_ptr_null(strchr(error->message, '\n'));
    ck_assert_uint_eq(physmap_count(pm), 0);
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_read_back_refuses_nul_in_value)
{
    Xenstore *xs = open_store();
    Physmap *pm = physmap_new(xs, DOMID);
    g_autoptr(GError) error = NULL;

    put_bytes(xs, ENTRY "/start_addr",
              "f0\0"
              "00000",
              8);
    put(xs, ENTRY "/size", "400000");
    ck_assert(!physmap_read_back(pm, &error));
    ck_assert_ptr_nonnull(strstr(error->message, ENTRY "/start_addr"));
    g_clear_error(&error);
    put(xs, ENTRY "/start_addr", "f0000000");
    put_bytes(xs, ENTRY "/name", "vga\0vram", 8);
    ck_assert(!physmap_read_back(pm, &error));
    ck_assert_ptr_nonnull(strstr(error->message, ENTRY "/name"));
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

/* --------------------------------------------- the card and the machine */

typedef struct BarCalls {
    uint64_t addr[8];
    unsigned count;
} BarCalls;

static void record_bar(void *opaque, unsigned n, uint64_t addr)
{
    BarCalls *calls = opaque;

    ck_assert_uint_eq(n, 0);
    ck_assert_uint_lt(calls->count, G_N_ELEMENTS(calls->addr));
    calls->addr[calls->count++] = addr;
}

static Machine *new_machine(void)
{
    Machine *machine = machine_new(MACHINE_TYPE_XENFV, DOMID, 1);

    ck_assert(machine_create_devices(machine, NULL));
    return machine;
}

static void cfg_write(Machine *m, unsigned reg, uint32_t v, unsigned len)
{
    pci_function_config_write(m->cirrus->pci, reg, v, len);
}

START_TEST(test_bar_listener)
{
    Machine *m = new_machine();
    BarCalls calls = { { 0 }, 0 };

    pci_function_set_bar_listener(m->cirrus->pci, 0, record_bar, &calls);
    cfg_write(m, PCI_BASE_ADDRESS_0, 0xf0000000, 4);
    ck_assert_uint_eq(calls.count, 0); /* decoding is off */
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cfg_write(m, PCI_BASE_ADDRESS_0, 0xe0000000, 4);
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(calls.count, 3);
    ck_assert_uint_eq(calls.addr[0], 0xf0000000);
    ck_assert_uint_eq(calls.addr[1], 0xe0000000);
    ck_assert_uint_eq(calls.addr[2], UINT64_MAX);
    /* A reset unmaps a decoding BAR: heard too. */
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    pci_bus_reset(m->pci);
    ck_assert_uint_eq(calls.count, 5);
    ck_assert_uint_eq(calls.addr[4], UINT64_MAX);
    pci_function_set_bar_listener(m->cirrus->pci, 0, NULL, NULL);
    cfg_write(m, PCI_BASE_ADDRESS_0, 0xd0000000, 4);
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(calls.count, 5);
    machine_free(m);
}
END_TEST

START_TEST(test_machine_bar0_keys)
{
    Machine *m = new_machine();
    g_autoptr(GError) error = NULL;
    Xen *xen = xen_new(XENSTORE_BACKEND_EMBEDDED, DOMID, 128, &error);

    ck_assert_ptr_nonnull(xen);
    xen_attach(xen, m);
    ck_assert_ptr_eq(m->xenstore, xen_store(xen));
    cfg_write(m, PCI_BASE_ADDRESS_0, 0xf0000000, 4);
    assert_missing(m->xenstore, DIR);
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    assert_entry(m->xenstore, "f0000000", "400000");
    cfg_write(m, PCI_BASE_ADDRESS_0, 0xe2000000, 4);
    assert_entry(m->xenstore, "e2000000", "400000");
    cfg_write(m, PCI_COMMAND, 0, 2);
    assert_entry(m->xenstore, "e2000000", "400000");
    machine_free(m);
    xen_free(xen);
}
END_TEST

START_TEST(test_machine_memory_sets_offset)
{
    Machine *m = new_machine();
    Xen *xen = xen_new(XENSTORE_BACKEND_EMBEDDED, DOMID, 2048, NULL);

    xen_attach(xen, m);
    cfg_write(m, PCI_BASE_ADDRESS_0, 0xf0000000, 4);
    cfg_write(m, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_value(m->xenstore, DIR "/80000000/start_addr", "f0000000");
    machine_free(m);
    xen_free(xen);
}
END_TEST

/* ---------------------------------------------------------- ready key */

#define STATE "/local/domain/0/device-model/7/state"

START_TEST(test_ready_key_after_set_ready)
{
    Machine *m = new_machine();
    Xen *xen = xen_new(XENSTORE_BACKEND_EMBEDDED, DOMID, 128, NULL);
    g_autofree char *key = xen_ready_key(DOMID);

    ck_assert_str_eq(key, STATE);
    xen_attach(xen, m);
    machine_start(m, false, false);
    assert_missing(xen_store(xen), STATE);
    ck_assert(xen_set_ready(xen, NULL));
    assert_value(xen_store(xen), STATE, "running");
    /* Every later start of running writes it again. */
    machine_stop(m);
    put(xen_store(xen), STATE, "x");
    ck_assert(machine_cont(m, NULL));
    assert_value(xen_store(xen), STATE, "running");
    machine_free(m);
    xen_free(xen);
}
END_TEST

START_TEST(test_ready_key_paused_until_cont)
{
    Machine *m = new_machine();
    Xen *xen = xen_new(XENSTORE_BACKEND_EMBEDDED, DOMID, 128, NULL);

    xen_attach(xen, m);
    machine_start(m, true, false);
    ck_assert(xen_set_ready(xen, NULL));
    assert_missing(xen_store(xen), STATE);
    ck_assert(machine_cont(m, NULL));
    assert_value(xen_store(xen), STATE, "running");
    machine_free(m);
    xen_free(xen);
}
END_TEST

START_TEST(test_ready_key_not_before_ready)
{
    Machine *m = new_machine();
    Xen *xen = xen_new(XENSTORE_BACKEND_EMBEDDED, DOMID, 128, NULL);

    xen_attach(xen, m);
    machine_start(m, true, false);
    /* Running before the sockets listen: the key waits for them. */
    ck_assert(machine_cont(m, NULL));
    assert_missing(xen_store(xen), STATE);
    ck_assert(xen_set_ready(xen, NULL));
    assert_value(xen_store(xen), STATE, "running");
    machine_free(m);
    xen_free(xen);
}
END_TEST

START_TEST(test_malformed_message_quotes_value)
{
    Xenstore *xs = open_store();
    g_autoptr(GError) error = NULL;

    put(xs, ENTRY "/start_addr", "nothex");
    put(xs, ENTRY "/size", "400000");
    Physmap *pm = physmap_new(xs, DOMID);
    ck_assert(!physmap_read_back(pm, &error));
    ck_assert_ptr_nonnull(strstr(error->message, "malformed physmap entry"));
    ck_assert_ptr_nonnull(strstr(error->message, "'nothex'"));
    physmap_free(pm);
    xenstore_close(xs);
}
END_TEST

/* -------------------------------------------------------------- QMP */

static JsonNode *run_command(Machine *m, const char *name, const char *path,
                             GError **error)
{
    const QmpCommand *cmd = qmp_command_find(name);
    QmpSession session = { .machine = m };
    JsonObject *args = json_object_new();
    QmpCall call = { &session, args };

    ck_assert_ptr_nonnull(cmd);
    json_object_set_string_member(args, "path", path);
    JsonNode *reply = cmd->handler(&call, error);
    json_object_unref(args);
    return reply;
}

START_TEST(test_qmp_xenstore_commands)
{
    Machine *m = machine_new(MACHINE_TYPE_XENFV, DOMID, 1);
    Xenstore *xs = open_store();
    GError *error = NULL;
    JsonNode *r;

    /* No store: a GenericError, not a crash. */
    ck_assert_ptr_null(run_command(m, "x-xenstore-read", "/", &error));
    ck_assert_ptr_nonnull(error);
    g_clear_error(&error);
    m->xenstore = xs;
    put(xs, "device-model/7/state", "running");
    r = run_command(m, "x-xenstore-read", STATE, &error);
    ck_assert_ptr_null(error);
    ck_assert_str_eq(json_node_get_string(r), "running");
    json_node_unref(r);
    r = run_command(m, "x-xenstore-list", "device-model/7", &error);
    ck_assert_ptr_null(error);
    ck_assert_uint_eq(json_array_get_length(json_node_get_array(r)), 1);
    ck_assert_str_eq(json_array_get_string_element(json_node_get_array(r), 0),
                     "state");
    json_node_unref(r);
    ck_assert_ptr_null(run_command(m, "x-xenstore-read", "/none", &error));
    ck_assert_ptr_nonnull(strstr(error->message, "/none"));
    ck_assert_ptr_nonnull(strstr(error->message, g_strerror(ENOENT)));
    ck_assert_str_eq(qmp_error_class_name(error), "GenericError");
    g_clear_error(&error);
    ck_assert_ptr_null(run_command(m, "x-xenstore-list", "bad//path", &error));
    ck_assert_ptr_nonnull(strstr(error->message, "bad//path"));
    g_clear_error(&error);
    m->xenstore = NULL;
    machine_free(m);
    xenstore_close(xs);
}
END_TEST

Suite *physmap_suite(void)
{
    Suite *s = suite_create("physmap");
    TCase *tc = tcase_create("keys");

    tcase_add_test(tc, test_map_writes_three_keys);
    tcase_add_test(tc, test_move_rewrites_never_deletes);
    tcase_add_test(tc, test_high_address_in_lowercase_hex);
    suite_add_tcase(s, tc);

    tc = tcase_create("read back");
    tcase_add_test(tc, test_read_back_makes_map_a_noop);
    tcase_add_test(tc, test_read_back_stale_entry_replaced);
    tcase_add_test(tc, test_read_back_tolerates_missing);
    tcase_add_loop_test(tc, test_read_back_refuses_malformed, 0,
                        G_N_ELEMENTS(malformed));
    tcase_add_test(tc, test_read_back_refuses_nul_in_value);
    tcase_add_test(tc, test_malformed_message_quotes_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("card and machine");
    tcase_add_test(tc, test_bar_listener);
    tcase_add_test(tc, test_machine_bar0_keys);
    tcase_add_test(tc, test_machine_memory_sets_offset);
    suite_add_tcase(s, tc);

    tc = tcase_create("ready key");
    tcase_add_test(tc, test_ready_key_after_set_ready);
    tcase_add_test(tc, test_ready_key_paused_until_cont);
    tcase_add_test(tc, test_ready_key_not_before_ready);
    suite_add_tcase(s, tc);

    tc = tcase_create("qmp");
    tcase_add_test(tc, test_qmp_xenstore_commands);
    suite_add_tcase(s, tc);
    return s;
}
