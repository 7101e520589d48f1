/*
 * Shared benchmark plumbing.  A blocking client keeps the measurement
 * honest: one request on the wire at a time, the clock read around it.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "bench/qmpbench.h"

#define BENCH_START_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define BENCH_ERROR            G_FILE_ERROR
#define BENCH_FAILED           G_FILE_ERROR_FAILED

double bench_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static bool write_all(int fd, const char *data, size_t len, GError **error)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            g_set_error(error, BENCH_ERROR, g_file_error_from_errno(errno),
                        "write: %s", g_strerror(errno));
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* The next CR LF terminated message (without CR LF); NULL on error. */
static char *read_message(BenchClient *c, GError **error)
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
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            g_set_error(error, BENCH_ERROR, BENCH_FAILED,
                        "no reply within %d ms", c->timeout_ms);
            return NULL;
        }
        char tmp[65536];
        ssize_t n = read(c->fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(error, BENCH_ERROR, BENCH_FAILED,
                        "connection closed by the server");
            return NULL;
        }
        g_string_append_len(c->buf, tmp, n);
    }
}

static char *read_reply(BenchClient *c, GError **error)
{
    for (;;) {
        char *msg = read_message(c, error);
        if (msg == NULL) {
            return NULL;
        }
        if (strstr(msg, "\"return\"") != NULL ||
            strstr(msg, "\"error\"") != NULL) {
            return msg;
        }
        g_free(msg); /* an event */
    }
}

char *bench_client_call(BenchClient *c, const char *request, GError **error)
{
    g_autofree char *line = g_strconcat(request, "\r\n", NULL);

    if (!write_all(c->fd, line, strlen(line), error)) {
        return NULL;
    }
    return read_reply(c, error);
}

bool bench_client_ok(BenchClient *c, const char *request, GError **error)
{
    g_autofree char *reply = bench_client_call(c, request, error);

    if (reply == NULL) {
        return false;
    }
    if (strstr(reply, "\"return\"") == NULL) {
        g_set_error(error, BENCH_ERROR, BENCH_FAILED, "%s -> %s", request,
                    reply);
        return false;
    }
    return true;
}

bool bench_client_open(BenchClient *c, const char *path, int timeout_ms,
                       GError **error)
{
    c->fd = connect_unix(path);
    c->buf = g_string_new(NULL);
    c->timeout_ms = timeout_ms;
    if (c->fd < 0) {
        g_set_error(error, BENCH_ERROR, g_file_error_from_errno(errno),
                    "connect %s: %s", path, g_strerror(errno));
        return false;
    }
    g_autofree char *greeting = read_message(c, error);
    if (greeting == NULL) {
        return false;
    }
    if (strstr(greeting, "\"QMP\"") == NULL) {
        g_set_error(error, BENCH_ERROR, BENCH_FAILED, "no QMP greeting");
        return false;
    }
    return bench_client_ok(c, "{\"execute\":\"qmp_capabilities\"}", error);
}

void bench_client_close(BenchClient *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
    if (c->buf != NULL) {
        g_string_free(c->buf, TRUE);
    }
    c->buf = NULL;
}

static bool wait_connectable(BenchServer *s, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + BENCH_START_TIMEOUT_US;

    while (g_get_monotonic_time() < deadline) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                        "server exited before its socket accepted");
            return false;
        }
        int fd = connect_unix(s->socket);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        g_usleep(10000);
    }
    g_set_error(error, BENCH_ERROR, BENCH_FAILED, "%s not accepting after 10 s",
                s->socket);
    return false;
}

bool bench_server_start(BenchServer *s, const char *const *argv, GError **error)
{
    memset(s, 0, sizeof(*s));
    s->dir = g_dir_make_tmp("qmpbench-XXXXXX", error);
    if (s->dir == NULL) {
        return false;
    }
    s->socket = g_build_filename(s->dir, "qmp.sock", NULL);

    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; argv[i] != NULL; i++) {
        g_auto(GStrv) parts = g_strsplit(argv[i], "@SOCKET@", -1);
        g_ptr_array_add(args, g_strjoinv(s->socket, parts));
    }
    g_ptr_array_add(args, NULL);
    if (!g_spawn_async(NULL, (char **)args->pdata, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                           G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &s->pid, error)) {
        s->pid = 0;
        return false;
    }
    return wait_connectable(s, error);
}

void bench_server_stop(BenchServer *s)
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
    if (s->socket != NULL) {
        g_unlink(s->socket);
    }
    if (s->dir != NULL) {
        g_rmdir(s->dir);
    }
    g_clear_pointer(&s->socket, g_free);
    g_clear_pointer(&s->dir, g_free);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

BenchStats bench_stats(double *samples, guint count)
{
    BenchStats stats = { .count = count };
    double total = 0;

    if (count == 0) {
        return stats;
    }
    qsort(samples, count, sizeof(double), compare_doubles);
    for (guint i = 0; i < count; i++) {
        total += samples[i];
    }
    stats.median_us = samples[count / 2];
    stats.p99_us = samples[(gsize)((double)(count - 1) * 0.99)];
    stats.min_us = samples[0];
    stats.mean_us = total / count;
    return stats;
}

bool bench_pin_cpu(int cpu, GError **error)
{
    cpu_set_t set;

    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        g_set_error(error, BENCH_ERROR, BENCH_FAILED, "no CPU %d", cpu);
        return false;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0) {
        g_set_error(error, BENCH_ERROR, g_file_error_from_errno(errno),
                    "pin to CPU %d: %s", cpu, g_strerror(errno));
        return false;
    }
    return true;
}
