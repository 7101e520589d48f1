/*
 * Listening sockets.  Unix sockets are created with mode 0600 (umask
 * around bind: the daemon is single-threaded while it sets up), a socket
 * file nobody answers on is replaced, and one that answers is refused so
 * that a second daemon cannot steal a live monitor.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-listener"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "daemon/listener.h"

struct Listener {
    GSocket *socket;
    GSource *source;
    ListenerAcceptFunc func;
    void *opaque;
    char *unlink_path; /* set when we created the socket file */
    char *filename;    /* query-chardev filename without "disconnected:" */
    unsigned clients;
};

static bool parse_port(const char *text, uint16_t *ret_port)
{
    char *end = NULL;
    guint64 port;

    if (text[0] < '0' || text[0] > '9') {
        return false;
    }
    errno = 0;
    port = g_ascii_strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || port > 65535) {
        return false;
    }
    *ret_port = (uint16_t)port;
    return true;
}

ListenAddress *listen_address_parse(const char *text, GError **error)
{
    g_autoptr(ListenAddress) addr = g_new0(ListenAddress, 1);

    addr->fd = -1;
    if (g_str_has_prefix(text, "unix:")) {
        const char *path = text + strlen("unix:");
        if (*path == '\0') {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "'%s': the socket path is empty", text);
            return NULL;
        }
        addr->kind = LISTEN_UNIX;
        addr->path = g_canonicalize_filename(path, NULL);
        if (strlen(addr->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "'%s': the socket path is longer than %zu bytes", text,
                        sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            return NULL;
        }
        return g_steal_pointer(&addr);
    }
    if (g_str_has_prefix(text, "tcp:")) {
        const char *hostport = text + strlen("tcp:");
        const char *colon = strrchr(hostport, ':');
        if (colon == NULL || colon == hostport ||
            !parse_port(colon + 1, &addr->port)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "'%s': expected tcp:HOST:PORT", text);
            return NULL;
        }
        addr->kind = LISTEN_TCP;
        if (hostport[0] == '[' && colon[-1] == ']') {
            addr->host = g_strndup(hostport + 1, (gsize)(colon - hostport - 2));
        } else {
            addr->host = g_strndup(hostport, (gsize)(colon - hostport));
        }
        return g_steal_pointer(&addr);
    }
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "'%s': expected unix:PATH or tcp:HOST:PORT", text);
    return NULL;
}

ListenAddress *listen_address_new_fd(int fd)
{
    ListenAddress *addr = g_new0(ListenAddress, 1);

    addr->kind = LISTEN_FD;
    addr->fd = fd;
    return addr;
}

void listen_address_free(ListenAddress *addr)
{
    if (addr == NULL) {
        return;
    }
    g_free(addr->path);
    g_free(addr->host);
    g_free(addr);
}

/* Whether something accepts connections on the unix socket at path. */
static bool unix_socket_is_live(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live;

    if (fd < 0) {
        return false;
    }
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
           errno == EAGAIN;
    close(fd);
    return live;
}

static GSocket *listen_unix(const char *path, GError **error)
{
    struct stat st;

    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                        "%s exists and is not a socket", path);
            return NULL;
        }
        if (unix_socket_is_live(path)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                        "%s is in use by a running process", path);
            return NULL;
        }
        if (unlink(path) != 0) {
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                        "cannot replace stale socket %s: %s", path,
                        g_strerror(errno));
            return NULL;
        }
    }

    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                     G_SOCKET_PROTOCOL_DEFAULT, error);
    if (sock == NULL) {
        return NULL;
    }
    g_autoptr(GSocketAddress) sa = g_unix_socket_address_new(path);
    mode_t old_umask = umask(0177);
    gboolean bound = g_socket_bind(sock, sa, FALSE, error);
    umask(old_umask);
    if (!bound) {
        g_prefix_error(error, "cannot bind %s: ", path);
        return NULL;
    }
    return g_steal_pointer(&sock);
}

static GSocket *listen_tcp(const char *host, uint16_t port, GError **error)
{
    g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(host);

    if (inet == NULL) {
        g_autoptr(GResolver) resolver = g_resolver_get_default();
        GList *addrs = g_resolver_lookup_by_name(resolver, host, NULL, error);
        if (addrs == NULL) {
            g_prefix_error(error, "cannot resolve %s: ", host);
            return NULL;
        }
        inet = g_object_ref(addrs->data);
        g_resolver_free_addresses(addrs);
    }

    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(inet, port);
    g_autoptr(GSocket) sock =
        g_socket_new(g_inet_address_get_family(inet), G_SOCKET_TYPE_STREAM,
                     G_SOCKET_PROTOCOL_TCP, error);
    if (sock == NULL) {
        return NULL;
    }
    if (!g_socket_bind(sock, sa, TRUE, error)) {
        g_prefix_error(error, "cannot bind %s:%u: ", host, port);
        return NULL;
    }
    return g_steal_pointer(&sock);
}

static GSocket *listen_fd(int fd, GError **error)
{
    int listening = 0;
    socklen_t len = sizeof(listening);

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
        !listening) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "fd %d is not a listening socket", fd);
        return NULL;
    }
    return g_socket_new_from_fd(fd, error);
}

/* QEMU's chardev filename for a listening socket, from its address. */
static char *describe_socket(GSocket *sock)
{
    g_autoptr(GSocketAddress) sa = g_socket_get_local_address(sock, NULL);

    if (G_IS_UNIX_SOCKET_ADDRESS(sa)) {
        return g_strdup_printf(
            "unix:%s,server=on",
            g_unix_socket_address_get_path(G_UNIX_SOCKET_ADDRESS(sa)));
    }
    if (G_IS_INET_SOCKET_ADDRESS(sa)) {
        GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS(sa);
        g_autofree char *host =
            g_inet_address_to_string(g_inet_socket_address_get_address(isa));
        return g_strdup_printf("tcp:%s:%u,server=on", host,
                               g_inet_socket_address_get_port(isa));
    }
    return g_strdup("socket");
}

static gboolean listener_accept_ready(GSocket *sock, GIOCondition cond,
                                      gpointer data)
{
    Listener *listener = data;
    g_autoptr(GError) error = NULL;
    GSocket *conn = g_socket_accept(sock, NULL, &error);

    if (conn == NULL) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_warning("accept on %s: %s", listener->filename, error->message);
        }
        return G_SOURCE_CONTINUE;
    }
    listener->func(conn, listener->opaque);
    return G_SOURCE_CONTINUE;
}

Listener *listener_new(const ListenAddress *addr, ListenerAcceptFunc func,
                       void *opaque, GError **error)
{
    GSocket *sock = NULL;
    bool created_file = false;

    switch (addr->kind) {
    case LISTEN_UNIX:
        sock = listen_unix(addr->path, error);
        created_file = true;
        break;
    case LISTEN_TCP:
        sock = listen_tcp(addr->host, addr->port, error);
        break;
    case LISTEN_FD:
        sock = listen_fd(addr->fd, error);
        break;
    }
    if (sock == NULL) {
        return NULL;
    }
    if (addr->kind != LISTEN_FD) {
        g_socket_set_listen_backlog(sock, 16);
        if (!g_socket_listen(sock, error)) {
            if (created_file) {
                unlink(addr->path);
            }
            g_object_unref(sock);
            return NULL;
        }
    }
    g_socket_set_blocking(sock, FALSE);

    Listener *listener = g_new0(Listener, 1);
    listener->socket = sock;
    listener->func = func;
    listener->opaque = opaque;
    listener->unlink_path = created_file ? g_strdup(addr->path) : NULL;
    listener->filename = describe_socket(sock);
    listener->source =
        socket_watch_new(sock, G_IO_IN, listener_accept_ready, listener);
    return listener;
}

GSource *socket_watch_new(GSocket *sock, GIOCondition cond,
                          GSocketSourceFunc func, gpointer data)
{
    GSource *source = g_socket_create_source(sock, cond, NULL);

    g_source_set_callback(source, G_SOURCE_FUNC(func), data, NULL);
    g_source_set_can_recurse(source, TRUE);
    g_source_attach(source, NULL);
    return source;
}

void listener_free(Listener *listener)
{
    if (listener == NULL) {
        return;
    }
    g_source_destroy(listener->source);
    g_source_unref(listener->source);
    g_socket_close(listener->socket, NULL);
    g_object_unref(listener->socket);
    if (listener->unlink_path != NULL) {
        unlink(listener->unlink_path);
        g_free(listener->unlink_path);
    }
    g_free(listener->filename);
    g_free(listener);
}

void listener_client_opened(Listener *listener)
{
    listener->clients++;
}

void listener_client_closed(Listener *listener)
{
    if (listener->clients > 0) {
        listener->clients--;
    }
}

char *listener_chardev_filename(const Listener *listener)
{
    if (listener->clients == 0) {
        return g_strconcat("disconnected:", listener->filename, NULL);
    }
    return g_strdup(listener->filename);
}
