/*
 * qmp-rtt: round-trip latency of QMP query-status on one connection.
 *
 * The client connects to a QMP unix socket, reads the greeting, negotiates,
 * then sends N query-status commands one at a time and waits for each
 * reply.  It prints the median, p99 and mean round trip in microseconds and
 * the commands per second.
 *
 *   qmp-rtt --socket PATH            measure a server that is already running
 *   qmp-rtt [--devmodeld BIN]        start devmodeld itself and measure it
 *   qmp-rtt --qemu [--devmodeld BIN] start QEMU (-M pc,accel=tcg -S) and
 *                                    devmodeld, measure both with the same
 *                                    client and print them side by side
 *   --pin CPU                        client and servers share one CPU, which
 *                                    removes cross-CPU wake-up noise
 *
 * Every wait is bounded (--timeout-ms per reply, 10 s for start-up).
 */
#include "config.h"

#ifndef _GNU_SOURCE   /* config.h defines it (AC_USE_SYSTEM_EXTENSIONS) */
#define _GNU_SOURCE 1 /* sched_setaffinity */
#endif

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#define START_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* glib-only build: errors go in the GFileError domain. */
#define RTT_ERROR  G_FILE_ERROR
#define RTT_FAILED G_FILE_ERROR_FAILED

typedef struct {
    int fd;
    GString *buf; /* received bytes not yet consumed */
    int timeout_ms;
} Client;

typedef struct {
    const char *name;
    gboolean ok;
    guint count;
    double median_us;
    double p99_us;
    double mean_us;
    double min_us;
    double per_sec;
    char *error;
} Result;

typedef struct {
    GPid pid;
    char *dir;
    char *socket;
} Server;

static gint opt_count = 20000;
static gint opt_warmup = 1000;
static gint opt_timeout_ms = 5000;
static gchar *opt_socket;
static gchar *opt_devmodeld = (gchar *)"./devmodeld";
static gchar *opt_qemu_binary = (gchar *)"qemu-system-x86_64";
static gboolean opt_qemu;
static gint opt_pin = -1;

static GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &opt_count,
      "query-status commands to time (default 20000)", "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup,
      "untimed commands first (default 1000)", "N" },
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &opt_socket,
      "measure a running server on PATH", "PATH" },
    { "devmodeld", 'd', 0, G_OPTION_ARG_FILENAME, &opt_devmodeld,
      "devmodeld binary to start (default ./devmodeld)", "BIN" },
    { "qemu", 'q', 0, G_OPTION_ARG_NONE, &opt_qemu,
      "also start QEMU 7.2 and compare", NULL },
    { "qemu-binary", 0, 0, G_OPTION_ARG_FILENAME, &opt_qemu_binary,
      "QEMU binary (default qemu-system-x86_64)", "BIN" },
    { "timeout-ms", 't', 0, G_OPTION_ARG_INT, &opt_timeout_ms,
      "per-reply timeout (default 5000)", "MS" },
    { "pin", 'p', 0, G_OPTION_ARG_INT, &opt_pin,
      "run the client and the started servers on this one CPU (less noise)",
      "CPU" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static gboolean write_all(int fd, const char *data, size_t len, GError **error)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(error, RTT_ERROR, g_file_error_from_errno(errno),
                        "write: %s", g_strerror(errno));
            return FALSE;
        }
        data += n;
        len -= (size_t)n;
    }
    return TRUE;
}

/* The next CR LF terminated message (without CR LF); NULL on error. */
static char *read_message(Client *c, GError **error)
{
    for (;;) {
        char *end = g_strstr_len(c->buf->str, (gssize)c->buf->len, "\r\n");
        if (end != NULL) {
            size_t len = (size_t)(end - c->buf->str);
            char *msg = g_strndup(c->buf->str, len);
            g_string_erase(c->buf, 0, (gssize)(len + 2));
            return msg;
        }

        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int r = poll(&pfd, 1, c->timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            g_set_error(error, RTT_ERROR, RTT_FAILED, "no reply within %d ms",
                        c->timeout_ms);
            return NULL;
        }
        char tmp[65536];
        ssize_t n = read(c->fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_set_error(error, RTT_ERROR, RTT_FAILED,
                        "connection closed by the server");
            return NULL;
        }
        g_string_append_len(c->buf, tmp, n);
    }
}

/* The next reply (return or error), skipping events. */
static char *read_reply(Client *c, GError **error)
{
    for (;;) {
        char *msg = read_message(c, error);
        if (msg == NULL)
            return NULL;
        if (strstr(msg, "\"return\"") != NULL ||
            strstr(msg, "\"error\"") != NULL)
            return msg;
        g_free(msg);
    }
}

static gboolean client_open(Client *c, const char *path, GError **error)
{
    c->fd = connect_unix(path);
    c->buf = g_string_new(NULL);
    c->timeout_ms = opt_timeout_ms;
    if (c->fd < 0) {
        g_set_error(error, RTT_ERROR, g_file_error_from_errno(errno),
                    "connect %s: %s", path, g_strerror(errno));
        return FALSE;
    }
    char *greeting = read_message(c, error);
    if (greeting == NULL)
        return FALSE;
    gboolean ok = strstr(greeting, "\"QMP\"") != NULL;
    g_free(greeting);
    if (!ok) {
        g_set_error(error, RTT_ERROR, RTT_FAILED, "no QMP greeting");
        return FALSE;
    }
    static const char neg[] = "{\"execute\":\"qmp_capabilities\"}\r\n";
    if (!write_all(c->fd, neg, sizeof(neg) - 1, error))
        return FALSE;
    char *reply = read_reply(c, error);
    if (reply == NULL)
        return FALSE;
    ok = strstr(reply, "\"return\"") != NULL;
    g_free(reply);
    if (!ok) {
        g_set_error(error, RTT_ERROR, RTT_FAILED, "negotiation failed");
        return FALSE;
    }
    return TRUE;
}

static void client_close(Client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->buf != NULL)
        g_string_free(c->buf, TRUE);
    c->buf = NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void measure(const char *name, const char *path, Result *res)
{
    static const char cmd[] = "{\"execute\":\"query-status\"}\r\n";
    Client c = { .fd = -1 };
    GError *error = NULL;
    double *samples = g_new(double, (gsize)opt_count);
    double t_start = 0, total = 0;

    memset(res, 0, sizeof(*res));
    res->name = name;
    if (!client_open(&c, path, &error))
        goto fail;
    for (gint i = 0; i < opt_warmup + opt_count; i++) {
        if (i == opt_warmup)
            t_start = now_us();
        double t0 = now_us();
        if (!write_all(c.fd, cmd, sizeof(cmd) - 1, &error))
            goto fail;
        char *reply = read_reply(&c, &error);
        if (reply == NULL)
            goto fail;
        double t1 = now_us();
        gboolean ok = strstr(reply, "\"status\"") != NULL;
        g_free(reply);
        if (!ok) {
            g_set_error(&error, RTT_ERROR, RTT_FAILED,
                        "query-status reply without status");
            goto fail;
        }
        if (i >= opt_warmup) {
            samples[i - opt_warmup] = t1 - t0;
            total += t1 - t0;
        }
    }
    double elapsed = now_us() - t_start;
    qsort(samples, (size_t)opt_count, sizeof(double), cmp_double);
    res->ok = TRUE;
    res->count = (guint)opt_count;
    res->median_us = samples[opt_count / 2];
    res->p99_us = samples[(gsize)((double)(opt_count - 1) * 0.99)];
    res->min_us = samples[0];
    res->mean_us = total / opt_count;
    res->per_sec = elapsed > 0 ? (double)opt_count * 1e6 / elapsed : 0;
    client_close(&c);
    g_free(samples);
    return;
fail:
    res->error = g_strdup(error != NULL ? error->message : "unknown error");
    g_clear_error(&error);
    client_close(&c);
    g_free(samples);
}

static gboolean wait_connectable(Server *s, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + START_TIMEOUT_US;

    while (g_get_monotonic_time() < deadline) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                        "server exited before its socket accepted");
            return FALSE;
        }
        int fd = connect_unix(s->socket);
        if (fd >= 0) {
            close(fd);
            return TRUE;
        }
        g_usleep(10000);
    }
    g_set_error(error, RTT_ERROR, RTT_FAILED, "%s not accepting after 10 s",
                s->socket);
    return FALSE;
}

static gboolean server_start(Server *s, gboolean qemu, GError **error)
{
    memset(s, 0, sizeof(*s));
    s->dir = g_dir_make_tmp("qmp-rtt-XXXXXX", error);
    if (s->dir == NULL)
        return FALSE;
    s->socket = g_build_filename(s->dir, "qmp.sock", NULL);

    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    if (qemu) {
        g_ptr_array_add(argv, g_strdup(opt_qemu_binary));
        g_ptr_array_add(argv, g_strdup("-M"));
        g_ptr_array_add(argv, g_strdup("pc,accel=tcg"));
        g_ptr_array_add(argv, g_strdup("-S"));
        g_ptr_array_add(argv, g_strdup("-display"));
        g_ptr_array_add(argv, g_strdup("none"));
        g_ptr_array_add(argv, g_strdup("-nodefaults"));
        g_ptr_array_add(argv, g_strdup("-qmp"));
        g_ptr_array_add(
            argv, g_strdup_printf("unix:%s,server=on,wait=off", s->socket));
    } else {
        g_ptr_array_add(argv, g_strdup(opt_devmodeld));
        g_ptr_array_add(argv, g_strdup("-S"));
        g_ptr_array_add(argv, g_strdup("--qmp"));
        g_ptr_array_add(argv, g_strdup_printf("unix:%s", s->socket));
    }
    g_ptr_array_add(argv, NULL);
    gboolean ok = g_spawn_async(
        NULL, (char **)argv->pdata, NULL,
        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
        NULL, NULL, &s->pid, error);
    g_ptr_array_free(argv, TRUE);
    if (!ok) {
        s->pid = 0;
        return FALSE;
    }
    return wait_connectable(s, error);
}

static void server_stop(Server *s)
{
    if (s->pid > 0) {
        int status;
        gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
        kill(s->pid, SIGTERM);
        while (waitpid(s->pid, &status, WNOHANG) == 0) {
            if (g_get_monotonic_time() > deadline) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &status, 0);
                break;
            }
            g_usleep(10000);
        }
        g_spawn_close_pid(s->pid);
        s->pid = 0;
    }
    if (s->socket != NULL)
        g_unlink(s->socket);
    if (s->dir != NULL)
        g_rmdir(s->dir);
    g_free(s->socket);
    g_free(s->dir);
    s->socket = NULL;
    s->dir = NULL;
}

static void run_started(const char *name, gboolean qemu, Result *res)
{
    Server s;
    GError *error = NULL;

    if (!server_start(&s, qemu, &error)) {
        memset(res, 0, sizeof(*res));
        res->name = name;
        res->error = g_strdup_printf("cannot start: %s", error->message);
        g_clear_error(&error);
        server_stop(&s);
        return;
    }
    measure(name, s.socket, res);
    server_stop(&s);
}

static void print_header(void)
{
    printf("%-12s %10s %12s %10s %10s %10s %12s\n", "server", "commands",
           "median_us", "p99_us", "mean_us", "min_us", "commands/s");
}

static void print_result(const Result *r)
{
    if (!r->ok) {
        printf("%-12s FAILED: %s\n", r->name, r->error);
        return;
    }
    printf("%-12s %10u %12.1f %10.1f %10.1f %10.1f %12.0f\n", r->name, r->count,
           r->median_us, r->p99_us, r->mean_us, r->min_us, r->per_sec);
}

int main(int argc, char **argv)
{
    GError *error = NULL;
    GOptionContext *ctx =
        g_option_context_new("- QMP query-status round-trip benchmark");
    int rc = 0;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "qmp-rtt: %s\n", error->message);
        g_clear_error(&error);
        g_option_context_free(ctx);
        return 2;
    }
    g_option_context_free(ctx);
    if (opt_count < 1 || opt_warmup < 0 || opt_timeout_ms < 1) {
        fprintf(
            stderr,
            "qmp-rtt: --count, --timeout-ms must be positive, --warmup >= 0\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (opt_pin >= 0) {
        /* Inherited by the servers spawned below. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(opt_pin, &set);
        if (opt_pin >= CPU_SETSIZE ||
            sched_setaffinity(0, sizeof(set), &set) < 0) {
            fprintf(stderr, "qmp-rtt: --pin %d: %s\n", opt_pin,
                    g_strerror(errno));
            return 2;
        }
    }

    if (opt_socket != NULL) {
        Result r;
        printf("# %s\n", opt_socket);
        measure("server", opt_socket, &r);
        print_header();
        print_result(&r);
        rc = r.ok ? 0 : 1;
        g_free(r.error);
        return rc;
    }

    Result dev, qemu;
    memset(&qemu, 0, sizeof(qemu));
    if (opt_qemu)
        run_started("qemu-7.2", TRUE, &qemu);
    run_started("devmodeld", FALSE, &dev);

    print_header();
    if (opt_qemu)
        print_result(&qemu);
    print_result(&dev);
    if (opt_qemu && qemu.ok && dev.ok) {
        double ratio = dev.median_us / qemu.median_us;
        printf(
            "ratio devmodeld/qemu: median %.3f, p99 %.3f; throughput x%.2f\n",
            ratio, dev.p99_us / qemu.p99_us, dev.per_sec / qemu.per_sec);
        printf("target (median <= 0.25 x QEMU): %s\n",
               ratio <= 0.25 ? "met" : "NOT met");
    }
    rc = dev.ok && (!opt_qemu || qemu.ok) ? 0 : 1;
    g_free(dev.error);
    g_free(qemu.error);
    return rc;
}
