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
};

typedef struct QtestClient {
    QtestServer *server;
    GSocket *socket;
    GSource *source;
    GString *line;
    bool discarding; /* an over-long line is being skipped */
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
    g_source_destroy(client->source);
    g_source_unref(client->source);
    g_socket_close(client->socket, NULL);
    g_object_unref(client->socket);
    g_string_free(client->line, TRUE);
    g_free(client);
}

/* Replies are short; a blocking send keeps them in order. */
static bool qtest_client_reply(QtestClient *client, const char *reply)
{
    g_autofree char *text = g_strconcat(reply, "\n", NULL);
    gsize len = strlen(text), sent = 0;

    while (sent < len) {
        gssize n =
            g_socket_send(client->socket, text + sent, len - sent, NULL, NULL);
        if (n <= 0) {
            return false;
        }
        sent += (gsize)n;
    }
    return true;
}

static bool qtest_client_consume(QtestClient *client, const char *data,
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
        if (!qtest_client_reply(client, reply)) {
            return false;
        }
    }
    return true;
}

static gboolean qtest_client_readable(GSocket *sock, GIOCondition cond,
                                      gpointer data)
{
    QtestClient *client = data;
    char buf[QTEST_READ_CHUNK];
    gssize n = g_socket_receive(sock, buf, sizeof(buf), NULL, NULL);

    if (n <= 0 || !qtest_client_consume(client, buf, (gsize)n)) {
        qtest_client_free(client);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void qtest_accept(GSocket *conn, void *opaque)
{
    QtestServer *server = opaque;
    QtestClient *client = g_new0(QtestClient, 1);

    client->server = server;
    client->socket = conn;
    client->line = g_string_new(NULL);
    g_socket_set_blocking(conn, TRUE);
    client->source =
        g_socket_create_source(conn, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(client->source, G_SOURCE_FUNC(qtest_client_readable),
                          client, NULL);
    g_source_attach(client->source, NULL);
    server->clients = g_list_prepend(server->clients, client);
    listener_client_opened(server->listener);
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
