/*
 * The qtest socket side: one request per "\n"-terminated line, answered
 * by the connection's QtestSession (daemon/qtest-commands.c); replies and
 * IRQ lines are queued and sent without blocking.
 *
 * Back-pressure: above a high-water mark of unsent output we neither read
 * nor answer (one "read ADDR 1MiB" makes 2 MiB of reply, so received lines
 * wait in a backlog too).  A client that lets IRQ lines caused by others
 * pile up past a hard limit is dropped.  After the peer's EOF the backlog
 * is still answered and sent, as a socat pipe expects.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-qtest"

#include <string.h>

#include <gio/gio.h>

#include "daemon/qtest.h"

enum {
    QTEST_MAX_LINE = 3 * 1024 * 1024, /* "write" of 1 MiB in hex fits */
    QTEST_READ_CHUNK = 16 * 1024,
    QTEST_OUTPUT_HIGH_WATER = 1024 * 1024,      /* stop answering above */
    QTEST_OUTPUT_HARD_LIMIT = 16 * 1024 * 1024, /* drop the client above */
};

typedef struct QtestClient {
    QtestServer *server;
    GSocket *socket;
    GSource *source;
    GIOCondition watching; /* what source waits for */
    GString *backlog;      /* received, not yet answered */
    GString *line;
    bool discarding; /* an over-long line is being skipped */
    GString *out;    /* replies and IRQ lines not yet sent */
    gsize out_pos;
    QtestSession *session;
    bool eof;     /* the peer sends no more */
    bool busy;    /* in qtest_client_ready, which rewatches at its end */
    bool dropped; /* over the hard limit: freed at the next callback */
} QtestClient;

struct QtestServer {
    Machine *machine;
    Listener *listener;
    GList *clients;
};

static void qtest_client_free(QtestClient *client)
{
    QtestServer *server = client->server;

    server->clients = g_list_remove(server->clients, client);
    listener_client_closed(server->listener);
    qtest_session_free(client->session);
    if (client->source != NULL) {
        g_source_destroy(client->source);
        g_source_unref(client->source);
    }
    g_socket_close(client->socket, NULL);
    g_object_unref(client->socket);
    g_string_free(client->backlog, TRUE);
    g_string_free(client->line, TRUE);
    g_string_free(client->out, TRUE);
    g_free(client);
}

static gsize qtest_client_pending(const QtestClient *client)
{
    return client->out->len - client->out_pos;
}

/* Sends what the socket takes now; false when the peer is gone. */
static bool qtest_client_flush(QtestClient *client)
{
    while (qtest_client_pending(client) > 0) {
        g_autoptr(GError) error = NULL;
        gssize n =
            g_socket_send(client->socket, client->out->str + client->out_pos,
                          qtest_client_pending(client), NULL, &error);
        if (n < 0) {
            return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
        }
        client->out_pos += (gsize)n;
    }
    g_string_truncate(client->out, 0);
    client->out_pos = 0;
    return true;
}

/* Answers backlog lines until the output reaches the high-water mark. */
static void qtest_client_process(QtestClient *client)
{
    gsize i = 0;

    while (i < client->backlog->len &&
           qtest_client_pending(client) < QTEST_OUTPUT_HIGH_WATER) {
        char c = client->backlog->str[i++];
        if (c != '\n') {
            if (client->line->len >= QTEST_MAX_LINE) {
                client->discarding = true;
                g_string_truncate(client->line, 0);
            }
            if (!client->discarding) {
                g_string_append_c(client->line, c);
            }
            continue;
        }
        if (client->discarding) {
            g_string_append_printf(client->out,
                                   "FAIL line longer than %d bytes\n",
                                   QTEST_MAX_LINE);
        } else {
            qtest_session_feed(client->session, client->line->str,
                               client->line->len);
        }
        client->discarding = false;
        g_string_truncate(client->line, 0);
    }
    g_string_erase(client->backlog, 0, (gssize)i);
}

static gboolean qtest_client_ready(GSocket *sock, GIOCondition cond,
                                   gpointer data);

/*
 * Waits for input while the backlog is answered and the client reads its
 * replies, and for room to write while replies are queued: a client that
 * never reads cannot make us buffer without bound, nor block the daemon.
 */
static void qtest_client_watch(QtestClient *client)
{
    GIOCondition want = G_IO_HUP | G_IO_ERR;

    if (!client->eof && client->backlog->len == 0 &&
        qtest_client_pending(client) < QTEST_OUTPUT_HIGH_WATER) {
        want |= G_IO_IN;
    }
    if (qtest_client_pending(client) > 0) {
        want |= G_IO_OUT;
    }
    if (client->source != NULL && want == client->watching) {
        return;
    }
    if (client->source != NULL) {
        g_source_destroy(client->source);
        g_source_unref(client->source);
    }
    client->watching = want;
    client->source =
        socket_watch_new(client->socket, want, qtest_client_ready, client);
}

/* Reads one chunk into the backlog; false when the peer is gone. */
static bool qtest_client_receive(QtestClient *client)
{
    char buf[QTEST_READ_CHUNK];
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_receive(client->socket, buf, sizeof(buf), NULL, &error);

    if (n > 0) {
        g_string_append_len(client->backlog, buf, n);
    } else if (n == 0) {
        client->eof = true;
    } else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        return false;
    }
    return true;
}

/* One round: read, answer, send.  False when the client is to go. */
static bool qtest_client_run(QtestClient *client, GIOCondition cond)
{
    if (client->dropped) {
        return false;
    }
    if ((cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !client->eof &&
        client->backlog->len == 0 && !qtest_client_receive(client)) {
        return false;
    }
    for (;;) {
        qtest_client_process(client);
        if (!qtest_client_flush(client)) {
            return false;
        }
        /* All sent but lines left: answer more now, not at the next poll. */
        if (client->backlog->len == 0 || qtest_client_pending(client) > 0) {
            break;
        }
    }
    /* After EOF, done once everything received is answered and sent. */
    return !(client->eof && client->backlog->len == 0 &&
             qtest_client_pending(client) == 0);
}

static gboolean qtest_client_ready(GSocket *sock, GIOCondition cond,
                                   gpointer data)
{
    QtestClient *client = data;
    GSource *current = client->source;
    bool keep;

    client->busy = true;
    keep = qtest_client_run(client, cond);
    client->busy = false;
    if (!keep) {
        qtest_client_free(client);
        return G_SOURCE_REMOVE;
    }
    qtest_client_watch(client);
    return client->source == current ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* An IRQ line was queued: send it, or drop a client that reads nothing. */
static void qtest_client_wake(void *opaque)
{
    QtestClient *client = opaque;

    if (client->dropped) {
        return;
    }
    if (qtest_client_pending(client) > QTEST_OUTPUT_HARD_LIMIT) {
        g_warning("qtest client does not read its IRQ lines: dropping it");
        client->dropped = true;
        qtest_session_release_irqs(client->session);
        /* Its source reports the hangup from the main loop, not from here. */
        g_socket_shutdown(client->socket, TRUE, TRUE, NULL);
        return;
    }
    if (!client->busy) {
        qtest_client_watch(client);
    }
}

static void qtest_accept(GSocket *conn, void *opaque)
{
    QtestServer *server = opaque;
    QtestClient *client = g_new0(QtestClient, 1);

    client->server = server;
    client->socket = conn;
    client->backlog = g_string_new(NULL);
    client->line = g_string_new(NULL);
    client->out = g_string_new(NULL);
    client->session = qtest_session_new(server->machine, client->out,
                                        qtest_client_wake, client);
    g_socket_set_blocking(conn, FALSE);
    server->clients = g_list_prepend(server->clients, client);
    listener_client_opened(server->listener);
    qtest_client_watch(client);
}

QtestServer *qtest_server_new(Machine *machine, const ListenAddress *addr,
                              GError **error)
{
    QtestServer *server = g_new0(QtestServer, 1);

    server->machine = machine;
    server->listener = listener_new(addr, qtest_accept, server, error);
    if (server->listener == NULL) {
        g_free(server);
        return NULL;
    }
    machine_add_chardev(machine, "qtest", server->listener);
    return server;
}

void qtest_server_free(QtestServer *server)
{
    if (server == NULL) {
        return;
    }
    while (server->clients != NULL) {
        qtest_client_free(server->clients->data);
    }
    machine_remove_chardev(server->machine, server->listener);
    listener_free(server->listener);
    g_free(server);
}
