/*
 * The machine: one per daemon.  It owns the run state and the fd sets,
 * knows its chardevs (for query-chardev), and tells its listeners about
 * STOP, RESUME, RESET and SHUTDOWN.  Devices arrive in later issues.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/fdset.h"
#include "daemon/runstate.h"
#include "devices/block.h"
#include "devices/ioport.h"
#include "devices/irq.h"
#include "vmstate/registry.h"

typedef struct Listener Listener;
typedef struct Cirrus Cirrus;
typedef struct I8042 I8042;
typedef struct Ide Ide;
typedef struct PciBus PciBus;
typedef struct Vram Vram;
typedef struct Xenstore Xenstore;

typedef enum MachineType {
    MACHINE_TYPE_XENFV, /* what libxl starts: QEMU's xenfv = pc-i440fx-3.1 */
    MACHINE_TYPE_PC,    /* QEMU 7.2's pc = pc-i440fx-7.2 */
    MACHINE_TYPE_MAX
} MachineType;

/* QEMU's ShutdownCause, in schema order. */
typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_SIGNAL,
    SHUTDOWN_CAUSE_HOST_UI,
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
    SHUTDOWN_CAUSE_GUEST_RESET,
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
    SHUTDOWN_CAUSE_MAX
} ShutdownCause;

typedef enum MachineEventKind {
    MACHINE_EVENT_STOP,
    MACHINE_EVENT_RESUME,
    MACHINE_EVENT_RESET,    /* cause is set */
    MACHINE_EVENT_SHUTDOWN, /* cause is set; the daemon is about to exit */
} MachineEventKind;

typedef struct MachineEvent {
    MachineEventKind kind;
    ShutdownCause cause;
} MachineEvent;

typedef void (*MachineListenerFunc)(const MachineEvent *event, void *opaque);

typedef struct MachineChardev {
    char *label;
    Listener *listener;
} MachineChardev;

enum { MACHINE_ISA_IRQS = 16 };

typedef void (*MachineResetFunc)(void *opaque);

typedef struct Machine {
    MachineType type;
    uint32_t domid;
    unsigned vcpus;
    RunState runstate;
    bool autostart; /* what an incoming migration ends in: running or not */
    bool quit_requested;
    FdSets *fdsets;
    VmsRegistry *sections;  /* the device states a save writes, in order */
    GPtrArray *chardevs;    /* MachineChardev *, in creation order */
    GArray *listeners;      /* MachineListener */
    unsigned monitor_count; /* for compat_monitorN labels */
    IoDispatcher *io;       /* guest port and MMIO accesses */
    IrqLine isa_irq[MACHINE_ISA_IRQS];
    /* Who hears ISA IRQ level changes (the qtest front end); may be NULL. */
    IrqHandler irq_listener;
    void *irq_listener_opaque;
    GArray *reset_handlers; /* device resets, in registration order */
    guint reset_request;    /* idle source of a pending guest reset */
    I8042 *i8042;           /* with the PS/2 keyboard and mouse */
    Ide *ide;               /* PIIX3 IDE on the legacy ports and BAR4 */
    PciBus *pci;            /* bus 0: i440FX, PIIX3 ISA and IDE */
    Cirrus *cirrus;         /* the VGA card at 00:02.0, or NULL */
    char *name;             /* the guest's name (--name), or NULL */
    /* Its VRAM: main's (--vram-mb, --vram-path), else the machine's own. */
    Vram *vram;
    bool vram_owned;
    /* The guest clock: time spent running (QEMU's virtual clock). */
    int64_t run_accum_us;
    int64_t run_started_us; /* monotonic time running began, if running */
    BlockBackend *drives[BLOCK_MAX_DRIVES]; /* --drive images, or NULL */
    /* The daemon's xenstore (daemon/xen.c's, borrowed), or NULL. */
    Xenstore *xenstore;
} Machine;

Machine *machine_new(MachineType type, uint32_t domid, unsigned vcpus);
void machine_free(Machine *machine);

/*
 * Builds the board: creates the devices, wires their ports and IRQs,
 * registers their reset handlers and state sections in QEMU's order.
 */
bool machine_create_devices(Machine *machine, GError **error);

void machine_add_listener(Machine *machine, MachineListenerFunc func,
                          void *opaque);
void machine_remove_listener(Machine *machine, MachineListenerFunc func,
                             void *opaque);

/* Registers a chardev for query-chardev; the machine does not own l. */
void machine_add_chardev(Machine *machine, const char *label, Listener *l);
void machine_remove_chardev(Machine *machine, Listener *l);

/* The initial state: prelaunch (-S), inmigrate (--incoming) or running. */
void machine_start(Machine *machine, bool paused, bool incoming);

bool machine_is_running(const Machine *machine);

/* QMP stop: running → paused with STOP; in inmigrate, stay paused later. */
void machine_stop(Machine *machine);

/*
 * Hands the disk images over (flushed, unlocked) after a live save of a
 * stopped guest, as QEMU does for the migration destination; cont takes
 * them back, and fails if another process holds one now.
 */
bool machine_release_drives(Machine *machine, GError **error);

/* QMP cont: → running with RESUME; in inmigrate, run when it ends. */
bool machine_cont(Machine *machine, GError **error);

/*
 * A reset: RESET event, every device reset; a stopped machine is left in
 * prelaunch as QEMU does.
 */
void machine_reset(Machine *machine, ShutdownCause cause);

/* A reset the guest asked for (i8042 0xFE): runs from the main loop. */
void machine_request_reset(Machine *machine, ShutdownCause cause);

/* Devices register what a reset runs. */
void machine_add_reset_handler(Machine *machine, MachineResetFunc func,
                               void *opaque);

/* Routes ISA IRQ level changes to handler (NULL: to nobody). */
void machine_set_irq_listener(Machine *machine, IrqHandler handler,
                              void *opaque);

/* Announces SHUTDOWN and asks the main loop to end. */
void machine_quit(Machine *machine, ShutdownCause cause);

/*
 * Moves to state, emitting STOP/RESUME when running starts or ends.  False
 * (and a warning) when QEMU's table does not allow the move.
 */
bool machine_set_runstate(Machine *machine, RunState state);

/* Milliseconds the guest has spent running: stands still while stopped. */
int64_t machine_guest_clock_ms(const Machine *machine);

const char *machine_type_name(MachineType type);
bool machine_type_from_name(const char *name, MachineType *ret_type);
const char *shutdown_cause_name(ShutdownCause cause);
