/*
 * The QMP server: one monitor per --qmp socket, any number of clients per
 * monitor, each with its own negotiation, JSON stream and received fds.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "daemon/listener.h"
#include "daemon/machine.h"

typedef struct QmpServer QmpServer;

QmpServer *qmp_server_new(Machine *machine);

/* Listens now on addr as a new monitor (labelled compat_monitorN). */
bool qmp_server_add_monitor(QmpServer *server, const ListenAddress *addr,
                            GError **error);

/* Monotonic time (µs) when a client last sent bytes; 0 before any. */
gint64 qmp_server_last_input(const QmpServer *server);

/* Sends what is still queued (bounded wait), closes everything. */
void qmp_server_free(QmpServer *server);

/* The version we speak (QEMU's QMP dialect) and our own package string. */
enum {
    QMP_QEMU_MAJOR = 7,
    QMP_QEMU_MINOR = 2,
    QMP_QEMU_MICRO = 0,
};
#define QMP_PACKAGE "devmodeld " PACKAGE_VERSION

/* VersionInfo: the greeting's "version" and query-version's reply. */
JsonObject *qmp_version_info(void);
