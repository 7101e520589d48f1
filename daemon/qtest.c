/*
 * qtest: one request per "\n"-terminated line, words split on single
 * spaces, one "OK ..."/"FAIL ..." reply line each.  QEMU aborts on a
 * malformed line; we answer FAIL with the reason and keep the connection.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-qtest"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "daemon/qtest.h"

enum {
    QTEST_MAX_LINE = 1024 * 1024, /* b64write of a large buffer fits */
    QTEST_READ_CHUNK = 16 * 1024,
    QTEST_OUTPUT_HIGH_WATER = 1024 * 1024, /* stop reading above this */
};

typedef struct QtestClient {
    QtestServer *server;
    GSocket *socket;
    GSource *source;
    GIOCondition watching; /* what source waits for */
    GString *line;
    bool discarding; /* an over-long line is being skipped */
    GString *out;    /* replies not yet sent */
    gsize out_pos;
} QtestClient;

struct QtestServer {
    Machine *machine;
    Listener *listener;
    GList *clients;
};

char *qtest_handle_line(Machine *machine, const char *line)
{
    g_auto(GStrv) words = g_strsplit(line, " ", -1);

    if (words[0] == NULL || words[0][0] == '\0') {
        return g_strdup("FAIL empty request");
    }
    if (strcmp(words[0], "endianness") == 0) {
        return g_strdup("OK little");
    }
    return g_strdup_printf("FAIL Unknown command '%s'", words[0]);
}

static void qtest_client_free(QtestClient *client)
{
    QtestServer *server = client->server;

    server->clients = g_list_remove(server->clients, client);
    listener_client_closed(server->listener);
    if (client->source != NULL) {
        g_source_destroy(client->source);
        g_source_unref(client->source);
    }
    g_socket_close(client->socket, NULL);
    g_object_unref(client->socket);
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

static void qtest_client_consume(QtestClient *client, const char *data,
                                 gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (data[i] != '\n') {
            if (client->line->len >= QTEST_MAX_LINE) {
                client->discarding = true;
                g_string_truncate(client->line, 0);
            }
            if (!client->discarding) {
                g_string_append_c(client->line, data[i]);
            }
            continue;
        }
        g_autofree char *reply =
            client->discarding
                ? g_strdup_printf("FAIL line longer than %d bytes",
                                  QTEST_MAX_LINE)
                : qtest_handle_line(client->server->machine, client->line->str);
        client->discarding = false;
        g_string_truncate(client->line, 0);
        g_string_append(client->out, reply);
        g_string_append_c(client->out, '\n');
    }
}

static gboolean qtest_client_ready(GSocket *sock, GIOCondition cond,
                                   gpointer data);

/*
 * Waits for input while the client reads its replies, and for room to
 * write while replies are queued: a client that never reads cannot make
 * us buffer without bound, nor block the daemon.
 */
static void qtest_client_watch(QtestClient *client)
{
    GIOCondition want = G_IO_HUP | G_IO_ERR;

    if (qtest_client_pending(client) < QTEST_OUTPUT_HIGH_WATER) {
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
    client->source = g_socket_create_source(client->socket, want, NULL);
    g_source_set_callback(client->source, G_SOURCE_FUNC(qtest_client_ready),
                          client, NULL);
    g_source_attach(client->source, NULL);
}

static gboolean qtest_client_ready(GSocket *sock, GIOCondition cond,
                                   gpointer data)
{
    QtestClient *client = data;
    GSource *current = client->source;

    if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
        char buf[QTEST_READ_CHUNK];
        g_autoptr(GError) error = NULL;
        gssize n = g_socket_receive(sock, buf, sizeof(buf), NULL, &error);
        if (n == 0 || (n < 0 && !g_error_matches(error, G_IO_ERROR,
                                                 G_IO_ERROR_WOULD_BLOCK))) {
            qtest_client_flush(client); /* best effort: the peer is done */
            qtest_client_free(client);
            return G_SOURCE_REMOVE;
        }
        if (n > 0) {
            qtest_client_consume(client, buf, (gsize)n);
        }
    }
    if (!qtest_client_flush(client)) {
        qtest_client_free(client);
        return G_SOURCE_REMOVE;
    }
    qtest_client_watch(client);
    return client->source == current ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void qtest_accept(GSocket *conn, void *opaque)
{
    QtestServer *server = opaque;
    QtestClient *client = g_new0(QtestClient, 1);

    client->server = server;
    client->socket = conn;
    client->line = g_string_new(NULL);
    client->out = g_string_new(NULL);
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
