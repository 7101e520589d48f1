/*
 * xenstored-test: a small xenstore server for the test suites, speaking
 * the xs_wire protocol (xen/io/xs_wire.h) on a unix socket, so that
 * libxenstore and the xenstore-utils programs (XENSTORED_PATH=socket) work
 * against it on a machine without Xen, where no Debian xenstored runs.
 *
 *   xenstored-test --socket PATH [--pidfile P] [--quota-entries N]
 *
 * Prints nothing on success; SIGTERM or SIGINT ends it and removes the
 * socket and the pidfile.  The socket appears only once it accepts (it is
 * bound under a temporary name and renamed).  Requests are read in any
 * pieces and answered in order; a header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes is answered E2BIG and the client is dropped,
 * as cxenstored drops it (without the answer).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <xen/io/xs_wire.h>

#include "tests/xenstored/xenstored.h"

#define HEADER_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))

static void conn_close(Conn *conn)
{
    Server *server = conn->server;

    server->conns = g_list_remove(server->conns, conn);
    if (conn->in_source != 0) {
        g_source_remove(conn->in_source);
    }
    if (conn->out_source != 0) {
        g_source_remove(conn->out_source);
    }
    close(conn->fd);
    xs_conn_release(conn);
    g_byte_array_unref(conn->in);
    g_byte_array_unref(conn->out);
    g_free(conn);
}

/* Writes what the socket takes; false when the peer is gone. */
static bool conn_flush(Conn *conn)
{
    while (conn->out->len > 0) {
        ssize_t n = send(conn->fd, conn->out->data, conn->out->len,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        if (n <= 0) {
            return false;
        }
        g_byte_array_remove_range(conn->out, 0, (guint)n);
    }
    return true;
}

static gboolean on_output(int fd, GIOCondition cond, void *opaque)
{
    Conn *conn = opaque;

    (void)fd;
    (void)cond;
    if (!conn_flush(conn) || (conn->closing && conn->out->len == 0)) {
        conn->out_source = 0;
        conn_close(conn);
        return G_SOURCE_REMOVE;
    }
    if (conn->out->len == 0) {
        conn->out_source = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

void conn_send(Conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const void *data, size_t len)
{
    struct xsd_sockmsg hdr = { type, req_id, tx_id, (uint32_t)len };

    g_byte_array_append(conn->out, (const guint8 *)&hdr, HEADER_SIZE);
    if (len > 0) {
        g_byte_array_append(conn->out, data, (guint)len);
    }
    /* A failed write shows up as a hang-up on the input side. */
    if (conn_flush(conn) && conn->out->len > 0 && conn->out_source == 0) {
        conn->out_source = g_unix_fd_add(conn->fd, G_IO_OUT, on_output, conn);
    }
}

/* Answers every complete request in the input buffer, in order. */
static void conn_process(Conn *conn)
{
    while (!conn->closing && conn->in->len >= HEADER_SIZE) {
        struct xsd_sockmsg hdr;
        memcpy(&hdr, conn->in->data, HEADER_SIZE);
        if (hdr.len > XENSTORE_PAYLOAD_MAX) {
            xs_send_error(conn, hdr.req_id, hdr.tx_id, E2BIG);
            conn->closing = true;
            break;
        }
        if (conn->in->len < HEADER_SIZE + hdr.len) {
            break;
        }
        xs_handle(conn, hdr.type, hdr.req_id, hdr.tx_id,
                  (const char *)conn->in->data + HEADER_SIZE, hdr.len);
        g_byte_array_remove_range(conn->in, 0, HEADER_SIZE + hdr.len);
    }
}

static gboolean on_input(int fd, GIOCondition cond, void *opaque)
{
    Conn *conn = opaque;
    guint8 buf[8192];
    ssize_t n;

    (void)cond;
    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /* Gone, possibly mid-message: drop it with its state. */
        conn->in_source = 0;
        conn_close(conn);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(conn->in, buf, (guint)n);
    conn_process(conn);
    if (conn->closing) {
        conn->in_source = 0;
        if (conn->out->len == 0) {
            conn_close(conn);
        }
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_accept(int fd, GIOCondition cond, void *opaque)
{
    Server *server = opaque;
    int cfd;

    (void)cond;
    while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        Conn *conn = g_new0(Conn, 1);
        conn->server = server;
        conn->fd = cfd;
        conn->in = g_byte_array_new();
        conn->out = g_byte_array_new();
        xs_conn_init(conn);
        conn->in_source =
            g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, conn);
        server->conns = g_list_append(server->conns, conn);
    }
    return G_SOURCE_CONTINUE;
}

/* Binds a temporary name and renames it: the path appears ready. */
static int listen_on(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autofree char *tmp = g_strdup_printf("%s.%d", path, (int)getpid());
    int fd;

    if (strlen(tmp) >= sizeof(addr.sun_path)) {
        g_printerr("xenstored-test: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(addr.sun_path, tmp);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    unlink(tmp);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(fd, 64) != 0 || rename(tmp, path) != 0) {
        g_printerr("xenstored-test: cannot listen on %s: %s\n", path,
                   g_strerror(errno));
        unlink(tmp);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static gboolean on_signal(void *opaque)
{
    g_main_loop_quit(opaque);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    g_autofree char *socket_path = NULL;
    g_autofree char *pidfile = NULL;
    gint quota = 0;
    gboolean verbose = false;
    GOptionEntry entries[] = {
        { "socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path,
          "listen on this unix socket", "PATH" },
        { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &pidfile,
          "write the pid here once listening", "FILE" },
        { "quota-entries", 0, 0, G_OPTION_ARG_INT, &quota,
          "at most N nodes, the root included (ENOSPC beyond)", "N" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "one line per request on stderr", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    Server server = { 0 };
    int fd;

    g_option_context_add_main_entries(context, entries, NULL);
    g_option_context_set_summary(context, "A xenstored for tests.");
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_printerr("xenstored-test: %s\n", error->message);
        return 2;
    }
    if (socket_path == NULL || argc > 1 || quota < 0) {
        g_printerr("usage: xenstored-test --socket PATH [--pidfile FILE] "
                   "[--quota-entries N]\n");
        return 2;
    }
    server.tree = xs_tree_new(&server.generation, (guint)quota);
    server.verbose = verbose;
    if ((fd = listen_on(socket_path)) < 0) {
        return 1;
    }
    if (pidfile != NULL) {
        g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
        if (!g_file_set_contents(pidfile, pid, -1, &error)) {
            g_printerr("xenstored-test: %s\n", error->message);
            unlink(socket_path);
            return 1;
        }
    }

    GMainLoop *loop = g_main_loop_new(NULL, false);
    g_unix_fd_add(fd, G_IO_IN, on_accept, &server);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);
    g_main_loop_run(loop);

    unlink(socket_path);
    if (pidfile != NULL) {
        unlink(pidfile);
    }
    while (server.conns != NULL) {
        conn_close(server.conns->data);
    }
    close(fd);
    xs_tree_free(server.tree);
    g_main_loop_unref(loop);
    return 0;
}
