/*
 * The machine's run state, its listeners and its chardev list.  Run-state
 * changes follow QEMU 7.2 (softmmu/runstate.c, cpus.c): STOP and RESUME
 * only on real transitions, stop/cont in inmigrate only decide what the
 * migration ends in, and a reset of a stopped machine leaves it in
 * prelaunch.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-machine"

#include <string.h>

#include <gio/gio.h>

#include "daemon/machine.h"
#include "daemon/vram.h"
#include "devices/block.h"
#include "devices/cirrus.h"
#include "devices/i8042.h"
#include "devices/ide.h"
#include "devices/pci.h"

typedef struct MachineResetHandler {
    MachineResetFunc func;
    void *opaque;
} MachineResetHandler;

typedef struct MachineListener {
    MachineListenerFunc func;
    void *opaque;
} MachineListener;

static const char *const machine_type_names[MACHINE_TYPE_MAX] = {
    [MACHINE_TYPE_XENFV] = "xenfv",
    [MACHINE_TYPE_PC] = "pc",
};

static const char *const shutdown_cause_names[SHUTDOWN_CAUSE_MAX] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
};

const char *machine_type_name(MachineType type)
{
    return (unsigned)type < MACHINE_TYPE_MAX ? machine_type_names[type] : NULL;
}

bool machine_type_from_name(const char *name, MachineType *ret_type)
{
    for (unsigned i = 0; i < MACHINE_TYPE_MAX; i++) {
        if (strcmp(machine_type_names[i], name) == 0) {
            *ret_type = (MachineType)i;
            return true;
        }
    }
    return false;
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    return (unsigned)cause < SHUTDOWN_CAUSE_MAX ? shutdown_cause_names[cause]
                                                : NULL;
}

static void machine_chardev_free(gpointer data)
{
    MachineChardev *chardev = data;

    g_free(chardev->label);
    g_free(chardev);
}

static void machine_irq_changed(void *opaque, int n, bool level)
{
    Machine *machine = opaque;

    if (machine->irq_listener != NULL) {
        machine->irq_listener(machine->irq_listener_opaque, n, level);
    }
}

void machine_set_irq_listener(Machine *machine, IrqHandler handler,
                              void *opaque)
{
    machine->irq_listener = handler;
    machine->irq_listener_opaque = opaque;
}

void machine_add_reset_handler(Machine *machine, MachineResetFunc func,
                               void *opaque)
{
    MachineResetHandler handler = { func, opaque };

    g_array_append_val(machine->reset_handlers, handler);
}

Machine *machine_new(MachineType type, uint32_t domid, unsigned vcpus)
{
    Machine *machine = g_new0(Machine, 1);

    machine->type = type;
    machine->domid = domid;
    machine->vcpus = vcpus;
    machine->runstate = RUN_STATE_PRELAUNCH;
    machine->fdsets = fdsets_new();
    machine->sections = vms_registry_new();
    machine->chardevs = g_ptr_array_new_with_free_func(machine_chardev_free);
    machine->listeners = g_array_new(FALSE, FALSE, sizeof(MachineListener));
    machine->reset_handlers =
        g_array_new(FALSE, FALSE, sizeof(MachineResetHandler));
    machine->io = io_dispatcher_new();
    for (int i = 0; i < MACHINE_ISA_IRQS; i++) {
        irq_line_init(&machine->isa_irq[i], machine_irq_changed, machine, i);
    }
    return machine;
}

void machine_free(Machine *machine)
{
    if (machine == NULL) {
        return;
    }
    if (machine->reset_request != 0) {
        g_source_remove(machine->reset_request);
    }
    g_free(machine->name);
    /* The IDE first: its Bus Master ops hang off the PCI function. */
    ide_free(machine->ide);
    pci_bus_free(machine->pci);
    cirrus_free(machine->cirrus); /* after the bus: its BARs use it */
    if (machine->vram_owned) {
        vram_close(machine->vram);
    }
    i8042_free(machine->i8042);
    fdsets_free(machine->fdsets);
    vms_registry_free(machine->sections);
    io_dispatcher_free(machine->io);
    g_array_unref(machine->reset_handlers);
    g_ptr_array_unref(machine->chardevs);
    g_array_unref(machine->listeners);
    g_free(machine);
}

void machine_add_listener(Machine *machine, MachineListenerFunc func,
                          void *opaque)
{
    MachineListener listener = { func, opaque };

    g_array_append_val(machine->listeners, listener);
}

void machine_remove_listener(Machine *machine, MachineListenerFunc func,
                             void *opaque)
{
    for (guint i = 0; i < machine->listeners->len; i++) {
        MachineListener *l =
            &g_array_index(machine->listeners, MachineListener, i);
        if (l->func == func && l->opaque == opaque) {
            g_array_remove_index(machine->listeners, i);
            return;
        }
    }
}

static void machine_notify(Machine *machine, MachineEventKind kind,
                           ShutdownCause cause)
{
    MachineEvent event = { kind, cause };

    for (guint i = 0; i < machine->listeners->len; i++) {
        MachineListener *l =
            &g_array_index(machine->listeners, MachineListener, i);
        l->func(&event, l->opaque);
    }
}

void machine_add_chardev(Machine *machine, const char *label, Listener *l)
{
    MachineChardev *chardev = g_new0(MachineChardev, 1);

    chardev->label = g_strdup(label);
    chardev->listener = l;
    g_ptr_array_add(machine->chardevs, chardev);
}

void machine_remove_chardev(Machine *machine, Listener *l)
{
    for (guint i = 0; i < machine->chardevs->len; i++) {
        MachineChardev *chardev = g_ptr_array_index(machine->chardevs, i);
        if (chardev->listener == l) {
            g_ptr_array_remove_index(machine->chardevs, i);
            return;
        }
    }
}

bool machine_is_running(const Machine *machine)
{
    return machine->runstate == RUN_STATE_RUNNING;
}

bool machine_set_runstate(Machine *machine, RunState state)
{
    RunState old = machine->runstate;

    if (old == state) {
        return true;
    }
    if (!runstate_transition_allowed(old, state)) {
        g_warning("invalid run-state transition %s -> %s", runstate_name(old),
                  runstate_name(state));
        return false;
    }
    machine->runstate = state;
    if (old == RUN_STATE_RUNNING) {
        machine->run_accum_us +=
            g_get_monotonic_time() - machine->run_started_us;
    } else if (state == RUN_STATE_RUNNING) {
        machine->run_started_us = g_get_monotonic_time();
    }
    g_info("run state %s -> %s", runstate_name(old), runstate_name(state));
    if (old == RUN_STATE_RUNNING) {
        machine_notify(machine, MACHINE_EVENT_STOP, SHUTDOWN_CAUSE_NONE);
    } else if (state == RUN_STATE_RUNNING) {
        machine_notify(machine, MACHINE_EVENT_RESUME, SHUTDOWN_CAUSE_NONE);
    }
    return true;
}

enum { MACHINE_PCI_RAM_SIZE = 128 * 1024 * 1024 };

static void machine_guest_reset(void *opaque)
{
    machine_request_reset(opaque, SHUTDOWN_CAUSE_GUEST_RESET);
}

/* The Cirrus card at 00:02.0 on VRAM from main, or 4 MiB of its own. */
static bool machine_create_cirrus(Machine *machine, GError **error)
{
    if (machine->vram == NULL) {
        machine->vram = vram_open(NULL, (size_t)VRAM_DEFAULT_MB << 20, error);
        if (machine->vram == NULL) {
            return false;
        }
        machine->vram_owned = true;
    }
    machine->cirrus = cirrus_new(machine->io, machine->pci, machine->vram->data,
                                 machine->vram->size, error);
    if (machine->cirrus == NULL) {
        return false;
    }
    machine_add_reset_handler(machine, cirrus_reset, machine->cirrus);
    cirrus_register_sections(machine->cirrus, machine->sections);
    return true;
}

bool machine_create_devices(Machine *machine, GError **error)
{
    /*
     * QEMU's default 128 MiB sets the i440FX RAM-size byte until the
     * machine knows the domain's memory size.
     */
    machine->pci = pci_bus_new(machine->io, error);
    if (machine->pci == NULL ||
        !pci_bus_create_piix3(machine->pci, MACHINE_PCI_RAM_SIZE, error)) {
        return false;
    }
    machine_add_reset_handler(machine, pci_bus_reset, machine->pci);

    /* Before the i8042: its section is the first a save writes. */
    if (!machine_create_cirrus(machine, error)) {
        return false;
    }

    /* QEMU 7.2's pc has the i8042 extended state; xenfv (3.1) has not. */
    machine->i8042 = i8042_new(
        machine->io, &machine->isa_irq[1], &machine->isa_irq[12],
        machine_guest_reset, machine, machine->type == MACHINE_TYPE_PC, error);
    if (machine->i8042 == NULL) {
        return false;
    }
    machine_add_reset_handler(machine, i8042_reset, machine->i8042);
    i8042_register_sections(machine->i8042, machine->sections);

    machine->ide = ide_new(
        machine->io, pci_bus_function(machine->pci, PCI_DEVFN(1, 1)),
        machine->drives, &machine->isa_irq[14], &machine->isa_irq[15], error);
    if (machine->ide == NULL) {
        return false;
    }
    machine_add_reset_handler(machine, ide_reset, machine->ide);
    ide_register_sections(machine->ide, machine->sections);
    return true;
}

void machine_start(Machine *machine, bool paused, bool incoming)
{
    machine->autostart = !paused;
    if (incoming) {
        machine->runstate = RUN_STATE_INMIGRATE;
    } else if (paused) {
        machine->runstate = RUN_STATE_PRELAUNCH;
    } else {
        machine->runstate = RUN_STATE_RUNNING;
        machine->run_started_us = g_get_monotonic_time();
    }
}

int64_t machine_guest_clock_ms(const Machine *machine)
{
    int64_t us = machine->run_accum_us;

    if (machine->runstate == RUN_STATE_RUNNING) {
        us += g_get_monotonic_time() - machine->run_started_us;
    }
    return us / 1000;
}

void machine_stop(Machine *machine)
{
    if (machine->runstate == RUN_STATE_INMIGRATE) {
        machine->autostart = false;
        return;
    }
    if (machine_is_running(machine)) {
        machine_set_runstate(machine, RUN_STATE_PAUSED);
    }
}

bool machine_release_drives(Machine *machine, GError **error)
{
    for (int i = 0; i < BLOCK_MAX_DRIVES; i++) {
        if (machine->drives[i] != NULL &&
            !block_release_lock(machine->drives[i], error)) {
            return false;
        }
    }
    return true;
}

/* Takes back the images a live save handed over; all or none. */
static bool machine_reclaim_drives(Machine *machine, GError **error)
{
    for (int i = 0; i < BLOCK_MAX_DRIVES; i++) {
        BlockBackend *blk = machine->drives[i];
        if (blk != NULL && !block_is_locked(blk) &&
            !block_take_lock(blk, error)) {
            for (int j = 0; j < i; j++) {
                if (machine->drives[j] != NULL) {
                    block_release_lock(machine->drives[j], NULL);
                }
            }
            g_prefix_error(error, "Cannot continue: ");
            return false;
        }
    }
    return true;
}

bool machine_cont(Machine *machine, GError **error)
{
    if (runstate_needs_reset(machine->runstate)) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                            "Resetting the Virtual Machine is required");
        return false;
    }
    if (machine->runstate == RUN_STATE_INMIGRATE) {
        machine->autostart = true;
        return true;
    }
    /* A guest must not run on images another process may now own. */
    if (!machine_reclaim_drives(machine, error)) {
        return false;
    }
    if (!machine_set_runstate(machine, RUN_STATE_RUNNING)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "Cannot continue from state '%s'",
                    runstate_name(machine->runstate));
        return false;
    }
    return true;
}

void machine_reset(Machine *machine, ShutdownCause cause)
{
    machine_notify(machine, MACHINE_EVENT_RESET, cause);
    for (guint i = 0; i < machine->reset_handlers->len; i++) {
        MachineResetHandler *h =
            &g_array_index(machine->reset_handlers, MachineResetHandler, i);
        h->func(h->opaque);
    }
    switch (machine->runstate) {
    case RUN_STATE_RUNNING:
    case RUN_STATE_INMIGRATE:
    case RUN_STATE_FINISH_MIGRATE:
        break;
    default:
        machine_set_runstate(machine, RUN_STATE_PRELAUNCH);
        break;
    }
}

typedef struct ResetRequest {
    Machine *machine;
    ShutdownCause cause;
} ResetRequest;

static gboolean machine_run_reset_request(gpointer data)
{
    ResetRequest *request = data;

    request->machine->reset_request = 0;
    machine_reset(request->machine, request->cause);
    return G_SOURCE_REMOVE;
}

void machine_request_reset(Machine *machine, ShutdownCause cause)
{
    ResetRequest *request;

    /* Not from inside the device handler that asked: from the main loop. */
    if (machine->reset_request != 0) {
        return;
    }
    request = g_new(ResetRequest, 1);
    request->machine = machine;
    request->cause = cause;
    machine->reset_request = g_idle_add_full(
        G_PRIORITY_DEFAULT, machine_run_reset_request, request, g_free);
}

void machine_quit(Machine *machine, ShutdownCause cause)
{
    if (machine->quit_requested) {
        return;
    }
    machine->quit_requested = true;
    machine_notify(machine, MACHINE_EVENT_SHUTDOWN, cause);
}
