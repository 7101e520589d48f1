/*
 * What libxl needs beyond the core commands: query-pci and
 * change-vnc-password with QEMU 7.2's shapes and texts, and the start-up
 * load of -incoming fd:N / file:PATH (all or nothing, then QEMU's end of
 * an incoming migration).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/incoming.h"
#include "daemon/machine.h"
#include "devices/pci.h"
#include "qmp/dispatch.h"
#include "qmp/json.h"
#include "tests/unit/suites.h"
#include "vmstate/savevm.h"

static Machine *machine;
static QmpSession session;

static void setup(void)
{
    GError *error = NULL;

    machine = machine_new(MACHINE_TYPE_PC, 1, 1);
    ck_assert(machine_create_devices(machine, &error));
    machine_start(machine, true, false);
    memset(&session, 0, sizeof(session));
    session.machine = machine;
    session.command_mode = true;
    g_queue_init(&session.received_fds);
}

static void teardown(void)
{
    qmp_session_clear(&session);
    machine_free(machine);
}

static char *run(const char *request)
{
    g_autoptr(JsonMessage) msg = json_parse_text(request, strlen(request));
    JsonNode *reply = qmp_dispatch(&session, msg);
    GString *out = g_string_new(NULL);

    json_write(out, reply, msg->uint64s);
    json_node_unref(reply);
    return g_string_free(out, FALSE);
}

START_TEST(test_change_vnc_password)
{
    g_autofree char *ok = run("{\"execute\":\"change-vnc-password\","
                              "\"arguments\":{\"password\":\"x\"},\"id\":1}");
    g_autofree char *missing = run("{\"execute\":\"change-vnc-password\"}");

    /* QEMU 7.2 with -vnc none or without -vnc. */
    ck_assert_str_eq(ok, "{\"error\":{\"class\":\"GenericError\",\"desc\":"
                         "\"Could not set password\"},\"id\":1}");
    ck_assert_str_eq(missing, "{\"error\":{\"class\":\"GenericError\",\"desc\":"
                              "\"Parameter 'password' is missing\"}}");
}
END_TEST

/* QEMU 7.2's reply for these functions, field for field, at reset. */
static const char pci_at_reset[] =
    "{\"return\":[{\"bus\":0,\"devices\":["
    "{\"bus\":0,\"slot\":0,\"function\":0,\"class_info\":{\"desc\":\"Host "
    "bridge\",\"class\":1536},\"id\":{\"device\":4663,\"vendor\":32902,"
    "\"subsystem\":4352,\"subsystem-vendor\":6900},\"irq_pin\":0,"
    "\"qdev_id\":\"\",\"regions\":[]},"
    "{\"bus\":0,\"slot\":1,\"function\":0,\"class_info\":{\"desc\":\"ISA "
    "bridge\",\"class\":1537},\"id\":{\"device\":28672,\"vendor\":32902,"
    "\"subsystem\":4352,\"subsystem-vendor\":6900},\"irq_pin\":0,"
    "\"qdev_id\":\"\",\"regions\":[]},"
    "{\"bus\":0,\"slot\":1,\"function\":1,\"class_info\":{\"desc\":\"IDE "
    "controller\",\"class\":257},\"id\":{\"device\":28688,\"vendor\":32902,"
    "\"subsystem\":4352,\"subsystem-vendor\":6900},\"irq_pin\":0,"
    "\"qdev_id\":\"\",\"regions\":[{\"bar\":4,\"type\":\"io\",\"address\":-1,"
    "\"size\":16}]},"
    "{\"bus\":0,\"slot\":2,\"function\":0,\"class_info\":{\"desc\":\"VGA "
    "controller\",\"class\":768},\"id\":{\"device\":184,\"vendor\":4115,"
    "\"subsystem\":4352,\"subsystem-vendor\":6900},\"irq_pin\":0,"
    "\"qdev_id\":\"\",\"regions\":[{\"bar\":0,\"type\":\"memory\","
    "\"address\":-1,\"size\":33554432,\"prefetch\":true,\"mem_type_64\":"
    "false},{\"bar\":1,\"type\":\"memory\",\"address\":-1,\"size\":4096,"
    "\"prefetch\":false,\"mem_type_64\":false}]}]}]}";

START_TEST(test_query_pci_reset)
{
    g_autofree char *got = run("{\"execute\":\"query-pci\"}");

    ck_assert_str_eq(got, pci_at_reset);
}
END_TEST

START_TEST(test_query_pci_mapped)
{
    PciFunction *vga = pci_bus_function(machine->pci, PCI_DEVFN(2, 0));

    pci_function_config_write(vga, PCI_BASE_ADDRESS_0, 0xf0000000, 4);
    pci_function_config_write(vga, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_autofree char *got = run("{\"execute\":\"query-pci\"}");
    ck_assert_ptr_nonnull(strstr(got, "{\"bar\":0,\"type\":\"memory\","
                                      "\"address\":4026531840,"));
    /* BAR1 is not programmed: address 0 never decodes. */
    ck_assert_ptr_nonnull(strstr(got, "{\"bar\":1,\"type\":\"memory\","
                                      "\"address\":-1,"));

    /* Decode off again: back to -1, as QEMU's PCI_BAR_UNMAPPED. */
    pci_function_config_write(vga, PCI_COMMAND, 0, 2);
    g_autofree char *off = run("{\"execute\":\"query-pci\"}");
    ck_assert_str_eq(off, pci_at_reset);
}
END_TEST

START_TEST(test_query_pci_no_devices)
{
    Machine *bare = machine_new(MACHINE_TYPE_PC, 1, 1);
    QmpSession s = { .machine = bare, .command_mode = true };
    const char *req = "{\"execute\":\"query-pci\"}";
    g_autoptr(JsonMessage) msg = json_parse_text(req, strlen(req));
    JsonNode *reply = qmp_dispatch(&s, msg);
    g_autoptr(GString) out = g_string_new(NULL);

    json_write(out, reply, msg->uint64s);
    json_node_unref(reply);
    ck_assert_str_eq(out->str, "{\"return\":[{\"bus\":0,\"devices\":[]}]}");
    machine_free(bare);
}
END_TEST

/* ---------------------------------------------------- incoming load */

static char *state_file(void)
{
    g_autoptr(GByteArray) data = savevm_save(machine->sections);
    g_autofree char *dir = g_dir_make_tmp("check-libxl.XXXXXX", NULL);
    char *path = g_build_filename(dir, "state", NULL);

    ck_assert(
        g_file_set_contents(path, (const char *)data->data, data->len, NULL));
    return path;
}

static void remove_state_file(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    g_unlink(path);
    g_rmdir(dir);
}

START_TEST(test_incoming_file_ends_migration)
{
    g_autofree char *path = state_file();
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    bool autostart = _i == 1;
    g_autoptr(GError) error = NULL;
    Machine *target = machine_new(MACHINE_TYPE_PC, 1, 1);

    ck_assert(machine_create_devices(target, &error));
    machine_start(target, !autostart, true);
    ck_assert_int_eq(target->runstate, RUN_STATE_INMIGRATE);
    ck_assert(incoming_load(target, uri, &error));
    ck_assert_ptr_null(error);
    /* QEMU: running with autostart, else paused. */
    ck_assert_int_eq(target->runstate,
                     autostart ? RUN_STATE_RUNNING : RUN_STATE_PAUSED);
    machine_free(target);
    remove_state_file(path);
}
END_TEST

START_TEST(test_incoming_fd_read_and_closed)
{
    g_autofree char *path = state_file();
    g_autoptr(GError) error = NULL;
    Machine *target = machine_new(MACHINE_TYPE_PC, 1, 1);
    int fd = open(path, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert(machine_create_devices(target, &error));
    machine_start(target, true, true);
    g_autofree char *uri = g_strdup_printf("fd:%d", fd);
    ck_assert(incoming_load(target, uri, &error));
    ck_assert_int_eq(target->runstate, RUN_STATE_PAUSED);
    ck_assert_int_lt(fcntl(fd, F_GETFD), 0); /* closed after the read */
    machine_free(target);
    remove_state_file(path);
}
END_TEST

START_TEST(test_incoming_bad_state_changes_nothing)
{
    static const uint8_t junk[] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 3, 4, 'j' };
    g_autofree char *dir = g_dir_make_tmp("check-libxl.XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "junk", NULL);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) missing = NULL;

    ck_assert(
        g_file_set_contents(path, (const char *)junk, sizeof(junk), NULL));
    machine->runstate = RUN_STATE_INMIGRATE;
    ck_assert(!incoming_load(machine, uri, &error));
    ck_assert(g_str_has_prefix(error->message, "incoming migration from "));
    ck_assert_ptr_nonnull(strstr(error->message, "at byte 8"));
    ck_assert_ptr_null(strchr(error->message, '\n'));
    ck_assert_int_eq(machine->runstate, RUN_STATE_INMIGRATE);

    g_unlink(path);
    ck_assert(!incoming_load(machine, uri, &missing));
    ck_assert_ptr_nonnull(strstr(missing->message, "cannot open"));
    g_rmdir(dir);
}
END_TEST

Suite *libxl_suite(void)
{
    Suite *s = suite_create("libxl");
    TCase *qmp = tcase_create("commands");
    TCase *incoming = tcase_create("incoming");

    tcase_add_checked_fixture(qmp, setup, teardown);
    tcase_add_test(qmp, test_change_vnc_password);
    tcase_add_test(qmp, test_query_pci_reset);
    tcase_add_test(qmp, test_query_pci_mapped);
    tcase_add_test(qmp, test_query_pci_no_devices);
    tcase_add_checked_fixture(incoming, setup, teardown);
    tcase_add_loop_test(incoming, test_incoming_file_ends_migration, 0, 2);
    tcase_add_test(incoming, test_incoming_fd_read_and_closed);
    tcase_add_test(incoming, test_incoming_bad_state_changes_nothing);
    suite_add_tcase(s, qmp);
    suite_add_tcase(s, incoming);
    return s;
}
