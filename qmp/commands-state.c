/*
 * Device state: xen-save-devices-state and xen-load-devices-state, as
 * QEMU 7.2 (research/qemu-vmstate-7.2.md §4) minus its aborts: any number
 * of saves and loads work in one process, and a failed load changes
 * nothing.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-state"

#include <glib.h>

#include "daemon/statefile.h"
#include "qmp/commands.h"
#include "vmstate/savevm.h"

static StateFileContext state_file_context(QmpSession *session)
{
    StateFileContext ctx = { session->machine->fdsets, session->named_fds };

    return ctx;
}

static const QmpMember save_args[] = {
    { "filename", &qmp_type_str, false },
    { "live", &qmp_type_bool, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_xen_save_devices_state(QmpCall *call, GError **error)
{
    Machine *machine = call->session->machine;
    const char *filename =
        json_object_get_string_member(call->args, "filename");
    StateFileContext ctx = state_file_context(call->session);
    bool was_running = machine_is_running(machine);

    /*
     * A running guest is stopped for the save (STOP, save-vm) and resumed
     * after it (RESUME), whatever "live" says.  With live (the default)
     * and a guest that was already stopped, the disk images are flushed
     * and unlocked for the migration destination, as QEMU does; cont takes
     * them back.  Unlike QEMU 7.2, a second such save is harmless.
     */
    bool live = !json_object_has_member(call->args, "live") ||
                json_object_get_boolean_member(call->args, "live");
    if (was_running) {
        machine_set_runstate(machine, RUN_STATE_SAVE_VM);
    }
    const GByteArray *file = savevm_save_reuse(machine->sections);
    bool ok = statefile_write(&ctx, filename, file->data, file->len, error);
    if (was_running) {
        machine_set_runstate(machine, RUN_STATE_RUNNING);
    }
    if (ok && live && !was_running) {
        machine_release_drives(machine, error);
    }
    if (ok) {
        g_debug("saved %u bytes of device state to %s", file->len, filename);
    }
    return NULL;
}

static const QmpMember load_args[] = {
    { "filename", &qmp_type_str, false },
    { NULL, NULL, false },
};

static JsonNode *qmp_xen_load_devices_state(QmpCall *call, GError **error)
{
    Machine *machine = call->session->machine;
    const char *filename =
        json_object_get_string_member(call->args, "filename");
    StateFileContext ctx = state_file_context(call->session);

    if (machine_is_running(machine)) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Cannot update device state while vm is running");
        return NULL;
    }
    GByteArray *file = vms_registry_load_buffer(machine->sections);

    if (!statefile_read_into(&ctx, filename, SAVEVM_MAX_FILE_BYTES, file,
                             error)) {
        vms_registry_load_done(machine->sections);
        return NULL;
    }
    if (!savevm_load(machine->sections, file->data, file->len, true, error)) {
        g_prefix_error(error, "%s: ", filename);
    } else {
        g_debug("loaded %u bytes of device state from %s", file->len, filename);
    }
    vms_registry_load_done(machine->sections);
    return NULL;
}

const QmpCommand qmp_state_commands[] = {
    { "xen-save-devices-state", qmp_xen_save_devices_state, save_args },
    { "xen-load-devices-state", qmp_xen_load_devices_state, load_args },
};
const size_t qmp_state_command_count = G_N_ELEMENTS(qmp_state_commands);
