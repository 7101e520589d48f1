/*
 * Listening sockets for QMP monitors and the qtest front end:
 * "unix:PATH" (created 0600, a stale socket file replaced, a live one
 * refused), "tcp:HOST:PORT", or an inherited listening fd.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <gio/gio.h>

typedef enum ListenKind {
    LISTEN_UNIX,
    LISTEN_TCP,
    LISTEN_FD,
} ListenKind;

typedef struct ListenAddress {
    ListenKind kind;
    char *path; /* LISTEN_UNIX: absolute */
    char *host; /* LISTEN_TCP */
    uint16_t port;
    int fd; /* LISTEN_FD */
} ListenAddress;

/* Parses "unix:PATH" or "tcp:HOST:PORT" (HOST may be [v6]). */
ListenAddress *listen_address_parse(const char *text, GError **error);
ListenAddress *listen_address_new_fd(int fd);
void listen_address_free(ListenAddress *addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ListenAddress, listen_address_free)

typedef struct Listener Listener;

/* Called for each accepted connection; the callee owns conn. */
typedef void (*ListenerAcceptFunc)(GSocket *conn, void *opaque);

/* Binds and listens now; accepts from the default main context. */
Listener *listener_new(const ListenAddress *addr, ListenerAcceptFunc func,
                       void *opaque, GError **error);

/* Stops accepting, closes, and unlinks a unix socket it created. */
void listener_free(Listener *listener);

/*
 * Calls func(sock, condition, data) from the default main context while
 * sock is ready for cond; returns the attached source (the caller holds
 * one reference).  The source may recurse: for one that may not, GLib
 * 2.74 takes the fd out of the poll set during each dispatch and puts it
 * back with a wake-up of its own loop (an eventfd write, read back after
 * one more poll()): three system calls per QMP command or qtest batch.
 * No handler runs a nested main loop, so nothing can recurse.
 */
GSource *socket_watch_new(GSocket *sock, GIOCondition cond,
                          GSocketSourceFunc func, gpointer data);

/* Connected-client bookkeeping, for query-chardev's "disconnected:". */
void listener_client_opened(Listener *listener);
void listener_client_closed(Listener *listener);

/* QEMU's chardev filename: "unix:PATH,server=on", "disconnected:tcp:..." */
char *listener_chardev_filename(const Listener *listener);
