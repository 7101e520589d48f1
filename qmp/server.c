/*
 * QMP sockets.  Each connection is read with recvmsg so that fds passed
 * with SCM_RIGHTS on any byte are collected; bytes go through our JSON
 * stream, every complete message is dispatched at once, and replies are
 * queued in request order.  A client that stops reading its replies is
 * not read from either until it catches up, which bounds our memory.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-qmp"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "qmp/dispatch.h"
#include "qmp/json.h"
#include "qmp/server.h"

enum {
    QMP_READ_CHUNK = 64 * 1024,
    QMP_MAX_FDS_PER_MESSAGE = 16,
    QMP_OUTPUT_HIGH_WATER = 1024 * 1024, /* pause reading above this */
    QMP_MAX_CLIENTS_PER_MONITOR = 64,
    QMP_FLUSH_TIMEOUT_MS = 1000,
};

typedef struct QmpMonitor QmpMonitor;

typedef struct QmpClient {
    QmpMonitor *monitor;
    GSocket *socket;
    int fd;
    GSource *in_source;  /* NULL while paused or dead */
    GSource *out_source; /* NULL while nothing is queued */
    JsonStream *stream;
    QmpSession session;
    GString *out;
    gsize out_pos;
    bool eof;         /* the peer will send nothing more */
    bool dead;        /* to be freed from an idle callback */
    bool dispatching; /* output waits for the end of the burst */
} QmpClient;

struct QmpMonitor {
    QmpServer *server;
    Listener *listener;
    char *label;
    GHashTable *named_fds; /* getfd names live as long as the monitor */
    GList *clients;
};

struct QmpServer {
    Machine *machine;
    GPtrArray *monitors;
    guint reap_source;    /* idle source freeing dead clients */
    gint64 last_input_us; /* monotonic time of the last bytes read */
};

static void qmp_client_continue(QmpClient *client);

/* ------------------------------------------------------------ output */

static gsize qmp_client_pending(const QmpClient *client)
{
    return client->out->len - client->out_pos;
}

static gboolean qmp_server_reap(gpointer data);

static void qmp_client_kill(QmpClient *client)
{
    QmpServer *server = client->monitor->server;

    if (client->dead) {
        return;
    }
    client->dead = true;
    if (client->in_source != NULL) {
        g_source_destroy(client->in_source);
        g_clear_pointer(&client->in_source, g_source_unref);
    }
    if (client->out_source != NULL) {
        g_source_destroy(client->out_source);
        g_clear_pointer(&client->out_source, g_source_unref);
    }
    if (server->reap_source == 0) {
        server->reap_source = g_idle_add(qmp_server_reap, server);
    }
}

/* Writes what the socket takes now; false when the peer is gone. */
static bool qmp_client_write_some(QmpClient *client)
{
    while (qmp_client_pending(client) > 0) {
        ssize_t n =
            send(client->fd, client->out->str + client->out_pos,
                 qmp_client_pending(client), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        if (n < 0) {
            g_debug("%s: write: %s", client->monitor->label, g_strerror(errno));
            return false;
        }
        client->out_pos += (gsize)n;
    }
    g_string_truncate(client->out, 0);
    client->out_pos = 0;
    return true;
}

static gboolean qmp_client_writable(GSocket *sock, GIOCondition cond,
                                    gpointer data)
{
    QmpClient *client = data;

    if (!qmp_client_write_some(client)) {
        g_clear_pointer(&client->out_source, g_source_unref);
        qmp_client_kill(client);
        return G_SOURCE_REMOVE;
    }
    if (qmp_client_pending(client) > 0) {
        return G_SOURCE_CONTINUE;
    }
    g_clear_pointer(&client->out_source, g_source_unref);
    qmp_client_continue(client);
    return G_SOURCE_REMOVE;
}

/*
 * Writes what is queued, and watches for room if the socket is full;
 * false when the peer is gone (the client is then dead).
 */
static bool qmp_client_flush(QmpClient *client)
{
    if (client->dead || client->out_source != NULL) {
        return !client->dead;
    }
    if (!qmp_client_write_some(client)) {
        qmp_client_kill(client);
        return false;
    }
    if (qmp_client_pending(client) > 0) {
        client->out_source = socket_watch_new(client->socket, G_IO_OUT,
                                              qmp_client_writable, client);
    }
    return true;
}

/*
 * Queues one message and its CRLF.  While the client's own burst of
 * commands is being dispatched, its replies and the events they cause
 * leave together at the end, in one write: a STOP event sent ahead of
 * stop's reply would wake the client once for each.
 */
static void qmp_client_send(QmpClient *client, JsonNode *message,
                            GHashTable *uint64s)
{
    if (client->dead) {
        return;
    }
    json_write(client->out, message, uint64s);
    g_string_append(client->out, "\r\n");
    if (!client->dispatching) {
        qmp_client_flush(client);
    }
}

/* Queues a message already written as text (an event), and its CRLF. */
static void qmp_client_send_text(QmpClient *client, const GString *text)
{
    if (client->dead) {
        return;
    }
    g_string_append_len(client->out, text->str, (gssize)text->len);
    g_string_append(client->out, "\r\n");
    if (!client->dispatching) {
        qmp_client_flush(client);
    }
}

JsonObject *qmp_version_info(void)
{
    JsonObject *qemu = json_object_new();
    JsonObject *version = json_object_new();

    json_object_set_int_member(qemu, "major", QMP_QEMU_MAJOR);
    json_object_set_int_member(qemu, "minor", QMP_QEMU_MINOR);
    json_object_set_int_member(qemu, "micro", QMP_QEMU_MICRO);
    json_object_set_object_member(version, "qemu", qemu);
    json_object_set_string_member(version, "package", QMP_PACKAGE);
    return version;
}

static JsonNode *qmp_greeting(void)
{
    JsonObject *body = json_object_new();
    JsonObject *greeting = json_object_new();

    json_object_set_object_member(body, "version", qmp_version_info());
    json_object_set_array_member(body, "capabilities", json_array_new());
    json_object_set_object_member(greeting, "QMP", body);
    return qmp_node_object(greeting);
}

/* ------------------------------------------------------------ input */

/* Reads one chunk with its fds; false on EOF or a fatal error. */
static bool qmp_client_read(QmpClient *client)
{
    char buf[QMP_READ_CHUNK];
    char control[CMSG_SPACE(sizeof(int) * QMP_MAX_FDS_PER_MESSAGE)];
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = sizeof(control),
    };
    ssize_t n;

    do {
        n = recvmsg(client->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return true;
    }
    if (n <= 0) {
        return false;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL;
         c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int fds[QMP_MAX_FDS_PER_MESSAGE];
            memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)count);
            qmp_session_set_received_fds(&client->session, fds, count);
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) {
        g_warning("%s: a client passed more than %d fds in one message; "
                  "the rest were dropped",
                  client->monitor->label, QMP_MAX_FDS_PER_MESSAGE);
    }
    json_stream_feed(client->stream, buf, (size_t)n);
    client->monitor->server->last_input_us = g_get_monotonic_time();
    return true;
}

static gboolean qmp_client_readable(GSocket *sock, GIOCondition cond,
                                    gpointer data)
{
    QmpClient *client = data;

    if (!qmp_client_read(client)) {
        /* EOF: answer what was sent before it, then close. */
        client->eof = true;
    }
    qmp_client_continue(client);
    return client->in_source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void qmp_client_stop_reading(QmpClient *client)
{
    if (client->in_source != NULL) {
        g_source_destroy(client->in_source);
        g_clear_pointer(&client->in_source, g_source_unref);
    }
}

/*
 * Dispatches queued messages while the client keeps up with its replies,
 * then decides what to wait for: more input, the output to drain, or
 * nothing (EOF seen and everything answered and sent).
 */
static void qmp_client_continue(QmpClient *client)
{
    JsonMessage *msg;
    bool drained;

    do {
        client->dispatching = true;
        /* After quit, nothing more runs: the daemon is on its way out. */
        while (!client->dead && !client->session.machine->quit_requested &&
               qmp_client_pending(client) < QMP_OUTPUT_HIGH_WATER &&
               (msg = json_stream_pop(client->stream)) != NULL) {
            JsonNode *reply = qmp_dispatch(&client->session, msg);
            if (reply != NULL) {
                qmp_client_send(client, reply, msg->uint64s);
                json_node_unref(reply);
            }
            json_message_free(msg);
        }
        client->dispatching = false;
        if (!qmp_client_flush(client)) {
            return;
        }
        /* A burst that filled the output goes on once it all went out. */
        drained = qmp_client_pending(client) == 0;
    } while (drained && !client->session.machine->quit_requested &&
             json_stream_has_message(client->stream));
    if (client->eof || qmp_client_pending(client) >= QMP_OUTPUT_HIGH_WATER) {
        qmp_client_stop_reading(client);
        if (client->eof && qmp_client_pending(client) == 0) {
            qmp_client_kill(client);
        }
        return;
    }
    if (client->in_source == NULL) {
        client->in_source =
            socket_watch_new(client->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                             qmp_client_readable, client);
    }
}

/* ------------------------------------------------------------ lifecycle */

static void qmp_client_free(QmpClient *client)
{
    QmpMonitor *monitor = client->monitor;

    monitor->clients = g_list_remove(monitor->clients, client);
    listener_client_closed(monitor->listener);
    fdsets_release_owner(monitor->server->machine->fdsets, &client->session);
    qmp_session_clear(&client->session);
    if (client->in_source != NULL) {
        g_source_destroy(client->in_source);
        g_source_unref(client->in_source);
    }
    if (client->out_source != NULL) {
        g_source_destroy(client->out_source);
        g_source_unref(client->out_source);
    }
    json_stream_free(client->stream);
    g_string_free(client->out, TRUE);
    g_socket_close(client->socket, NULL);
    g_object_unref(client->socket);
    g_debug("%s: client disconnected", monitor->label);
    g_free(client);
}

static gboolean qmp_server_reap(gpointer data)
{
    QmpServer *server = data;

    server->reap_source = 0;
    for (guint i = 0; i < server->monitors->len; i++) {
        QmpMonitor *monitor = g_ptr_array_index(server->monitors, i);
        GList *l = monitor->clients;
        while (l != NULL) {
            QmpClient *client = l->data;
            l = l->next;
            if (client->dead) {
                qmp_client_free(client);
            }
        }
    }
    return G_SOURCE_REMOVE;
}

/*
 * The clients holding a slot.  Dead ones are freed here rather than left
 * to the idle reaper, which never runs while connections keep arriving:
 * otherwise clients that came and went would lock new ones out.
 */
static guint qmp_monitor_live_clients(QmpMonitor *monitor)
{
    guint n = 0;
    GList *l = monitor->clients;

    while (l != NULL) {
        QmpClient *client = l->data;
        l = l->next;
        if (client->dead) {
            qmp_client_free(client);
        } else {
            n++;
        }
    }
    return n;
}

static void qmp_monitor_accept(GSocket *conn, void *opaque)
{
    QmpMonitor *monitor = opaque;

    if (qmp_monitor_live_clients(monitor) >= QMP_MAX_CLIENTS_PER_MONITOR) {
        g_warning("%s: refusing a client: %d are connected", monitor->label,
                  QMP_MAX_CLIENTS_PER_MONITOR);
        g_socket_close(conn, NULL);
        g_object_unref(conn);
        return;
    }

    QmpClient *client = g_new0(QmpClient, 1);
    client->monitor = monitor;
    client->socket = conn;
    client->fd = g_socket_get_fd(conn);
    client->stream = json_stream_new();
    client->out = g_string_sized_new(256);
    client->session.machine = monitor->server->machine;
    client->session.named_fds = monitor->named_fds;
    client->session.is_unix = g_socket_get_family(conn) == G_SOCKET_FAMILY_UNIX;
    g_queue_init(&client->session.received_fds);
    g_socket_set_blocking(conn, FALSE);
    monitor->clients = g_list_append(monitor->clients, client);
    listener_client_opened(monitor->listener);
    g_debug("%s: client connected", monitor->label);

    JsonNode *greeting = qmp_greeting();
    qmp_client_send(client, greeting, NULL);
    json_node_unref(greeting);
    qmp_client_continue(client);
}

static void qmp_named_fd_close(gpointer data)
{
    close(GPOINTER_TO_INT(data));
}

static void qmp_monitor_free(gpointer data)
{
    QmpMonitor *monitor = data;

    while (monitor->clients != NULL) {
        qmp_client_free(monitor->clients->data);
    }
    machine_remove_chardev(monitor->server->machine, monitor->listener);
    listener_free(monitor->listener);
    g_hash_table_unref(monitor->named_fds);
    g_free(monitor->label);
    g_free(monitor);
}

/* Events go to every client that has negotiated, on every monitor. */
static void qmp_server_broadcast(QmpServer *server, const GString *event)
{
    for (guint i = 0; i < server->monitors->len; i++) {
        QmpMonitor *monitor = g_ptr_array_index(server->monitors, i);
        for (GList *l = monitor->clients; l != NULL; l = l->next) {
            QmpClient *client = l->data;
            if (client->session.command_mode) {
                qmp_client_send_text(client, event);
            }
        }
    }
}

/*
 * Writes {"timestamp":{...},"event":NAME[,"data":DATA]} as QEMU does.
 * Written as text once for all clients, not built as a json-glib tree:
 * a COLO checkpoint sends a STOP and a RESUME, and building and freeing
 * the trees cost more than the rest of stop and cont together.
 */
static void qmp_event_write(GString *out, const char *name, JsonNode *data)
{
    gint64 now = g_get_real_time();

    g_string_append_printf(out,
                           "{\"timestamp\":{\"seconds\":%" G_GINT64_FORMAT
                           ",\"microseconds\":%" G_GINT64_FORMAT
                           "},\"event\":\"%s\"",
                           now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, name);
    if (data != NULL) {
        g_string_append(out, ",\"data\":");
        json_write(out, data, NULL);
    }
    g_string_append_c(out, '}');
}

static void qmp_server_machine_event(const MachineEvent *event, void *opaque)
{
    QmpServer *server = opaque;
    GString *text = g_string_sized_new(128);

    switch (event->kind) {
    case MACHINE_EVENT_STOP:
        qmp_event_write(text, "STOP", NULL);
        break;
    case MACHINE_EVENT_RESUME:
        qmp_event_write(text, "RESUME", NULL);
        break;
    case MACHINE_EVENT_RESET:
    case MACHINE_EVENT_SHUTDOWN: {
        JsonObject *data = json_object_new();
        json_object_set_boolean_member(
            data, "guest",
            event->cause >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN &&
                event->cause <= SHUTDOWN_CAUSE_GUEST_PANIC);
        json_object_set_string_member(data, "reason",
                                      shutdown_cause_name(event->cause));
        JsonNode *node = qmp_node_object(data);
        qmp_event_write(
            text, event->kind == MACHINE_EVENT_RESET ? "RESET" : "SHUTDOWN",
            node);
        json_node_unref(node);
        break;
    }
    }
    qmp_server_broadcast(server, text);
    g_string_free(text, TRUE);
}

QmpServer *qmp_server_new(Machine *machine)
{
    QmpServer *server = g_new0(QmpServer, 1);

    server->machine = machine;
    server->monitors = g_ptr_array_new_with_free_func(qmp_monitor_free);
    machine_add_listener(machine, qmp_server_machine_event, server);
    return server;
}

bool qmp_server_add_monitor(QmpServer *server, const ListenAddress *addr,
                            GError **error)
{
    QmpMonitor *monitor = g_new0(QmpMonitor, 1);

    monitor->server = server;
    monitor->named_fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               qmp_named_fd_close);
    monitor->listener = listener_new(addr, qmp_monitor_accept, monitor, error);
    if (monitor->listener == NULL) {
        g_hash_table_unref(monitor->named_fds);
        g_free(monitor);
        return false;
    }
    monitor->label =
        g_strdup_printf("compat_monitor%u", server->machine->monitor_count++);
    machine_add_chardev(server->machine, monitor->label, monitor->listener);
    g_ptr_array_add(server->monitors, monitor);
    return true;
}

/* Gives every client's queued output a bounded chance to leave. */
static void qmp_server_flush(QmpServer *server)
{
    gint64 deadline = g_get_monotonic_time() + QMP_FLUSH_TIMEOUT_MS * 1000;

    for (guint i = 0; i < server->monitors->len; i++) {
        QmpMonitor *monitor = g_ptr_array_index(server->monitors, i);
        for (GList *l = monitor->clients; l != NULL; l = l->next) {
            QmpClient *client = l->data;
            while (!client->dead && qmp_client_pending(client) > 0) {
                gint64 left = (deadline - g_get_monotonic_time()) / 1000;
                struct pollfd pfd = { client->fd, POLLOUT, 0 };
                if (left <= 0 || poll(&pfd, 1, (int)left) <= 0 ||
                    !qmp_client_write_some(client)) {
                    break;
                }
            }
        }
    }
}

gint64 qmp_server_last_input(const QmpServer *server)
{
    return server->last_input_us;
}

void qmp_server_free(QmpServer *server)
{
    if (server == NULL) {
        return;
    }
    qmp_server_flush(server);
    machine_remove_listener(server->machine, qmp_server_machine_event, server);
    if (server->reap_source != 0) {
        g_source_remove(server->reap_source);
    }
    g_ptr_array_unref(server->monitors);
    g_free(server);
}
