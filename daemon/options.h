/*
 * devmodeld's command line, parsed and checked into one struct before
 * anything is created.  Every error is one line naming the option.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/listener.h"
#include "daemon/machine.h"
#include "daemon/xenstore.h"
#include "devices/block.h"

enum {
    OPTIONS_MAX_VCPUS = 128,    /* HVM_MAX_VCPUS */
    OPTIONS_MAX_DOMID = 0x7FEF, /* DOMID_FIRST_RESERVED - 1 */
    OPTIONS_DEFAULT_BUSY_POLL_US = 50,
    OPTIONS_MAX_BUSY_POLL_US = 10000,
    OPTIONS_DEFAULT_MEMORY_MB = 128, /* QEMU's -m default */
    OPTIONS_MAX_MEMORY_MB = 1 << 20, /* 1 TiB */
};

typedef struct DaemonOptions {
    GPtrArray *qmp;       /* ListenAddress *, in command-line order */
    ListenAddress *qtest; /* NULL when not given */
    uint32_t domid;
    MachineType machine;
    bool paused;
    bool incoming;
    /*
     * --incoming=fd:N or file:PATH: the device state to load at start-up
     * (libxl's restore); NULL for plain --incoming or --incoming=defer,
     * which wait for xen-load-devices-state.
     */
    char *incoming_uri;
    XenstoreBackend xenstore; /* --xenstore: auto (default), xs, embedded */
    unsigned memory_mb;       /* guest RAM; VRAM's RAM offset sits above it */
    unsigned vcpus;
    char *pidfile;
    char *name; /* the guest's name (query-name), or NULL */
    bool daemonize;
    GLogLevelFlags log_level; /* the least severe level printed */
    unsigned busy_poll_us;    /* poll without sleeping this long after input */
    bool show_version;
    /* --drive, by index: 0 primary master ... 3 secondary slave */
    BlockOptions drives[BLOCK_MAX_DRIVES];
    bool drive_present[BLOCK_MAX_DRIVES];
    unsigned vram_mb; /* 4, 8 or 16 */
    char *vram_path;  /* NULL: anonymous VRAM */
} DaemonOptions;

/*
 * Parses argv (which must hold no positional arguments).  On error,
 * error->message is the one line to print; --help prints and exits as
 * GOption does.
 */
bool daemon_options_parse(DaemonOptions *opts, int argc, char **argv,
                          GError **error);
void daemon_options_clear(DaemonOptions *opts);

/* "error", "warning", "message", "info", "debug". */
bool log_level_from_name(const char *name, GLogLevelFlags *ret_level);
