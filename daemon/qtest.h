/*
 * The qtest front end: QEMU's qtest line protocol for guest I/O on a unix
 * socket, so that QEMU's test tooling (libqtest) and a plain socat can
 * drive our devices.  daemon/qtest.c is the socket side (framing,
 * non-blocking replies with back-pressure); daemon/qtest-commands.c
 * answers the requests of one connection, a QtestSession, and is usable
 * without sockets.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "daemon/listener.h"
#include "daemon/machine.h"

typedef struct QtestServer QtestServer;

QtestServer *qtest_server_new(Machine *machine, const ListenAddress *addr,
                              GError **error);
void qtest_server_free(QtestServer *server);

/* One connection's protocol state: its IRQ intercept, its output. */
typedef struct QtestSession QtestSession;

/* Told that a line was queued on out outside any request. */
typedef void (*QtestWakeFunc)(void *opaque);

/*
 * A session writes asynchronous "IRQ raise N" lines to out (which the
 * caller owns and drains), and calls wake (may be NULL) after each.
 */
QtestSession *qtest_session_new(Machine *machine, GString *out,
                                QtestWakeFunc wake, void *opaque);

/* Ends the session and its IRQ intercept, if it holds one. */
void qtest_session_free(QtestSession *session);

/* Stops the IRQ lines (the client is being dropped). */
void qtest_session_release_irqs(QtestSession *session);

/*
 * Answers one request line (without its "\n") and returns the reply
 * without "\n".  IRQ lines the request causes are already on out, so that
 * they precede the reply as in QEMU.  Malformed lines get "FAIL <reason>",
 * never an abort.
 */
char *qtest_handle_line(QtestSession *session, const char *line);

/* The whole turn: the request of len bytes, its reply and "\n" on out. */
void qtest_session_feed(QtestSession *session, const char *line, gsize len);
