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

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "bench/qmpbench.h"

typedef struct Result {
    const char *name;
    bool ok;
    BenchStats stats;
    double per_sec;
    char *error;
} Result;

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

static void measure(const char *name, const char *path, Result *res)
{
    static const char cmd[] = "{\"execute\":\"query-status\"}";
    BenchClient c = { .fd = -1 };
    g_autoptr(GError) error = NULL;
    g_autofree double *samples = g_new(double, (gsize)opt_count);
    double t_start = 0;

    memset(res, 0, sizeof(*res));
    res->name = name;
    if (!bench_client_open(&c, path, opt_timeout_ms, &error)) {
        goto fail;
    }
    for (gint i = 0; i < opt_warmup + opt_count; i++) {
        if (i == opt_warmup) {
            t_start = bench_now_us();
        }
        double t0 = bench_now_us();
        g_autofree char *reply = bench_client_call(&c, cmd, &error);
        double t1 = bench_now_us();
        if (reply == NULL) {
            goto fail;
        }
        if (strstr(reply, "\"status\"") == NULL) {
            g_set_error(&error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "query-status reply without status: %s", reply);
            goto fail;
        }
        if (i >= opt_warmup) {
            samples[i - opt_warmup] = t1 - t0;
        }
    }
    double elapsed = bench_now_us() - t_start;
    res->ok = true;
    res->stats = bench_stats(samples, (guint)opt_count);
    res->per_sec = elapsed > 0 ? (double)opt_count * 1e6 / elapsed : 0;
    bench_client_close(&c);
    return;
fail:
    res->error = g_strdup(error != NULL ? error->message : "unknown error");
    bench_client_close(&c);
}

static void run_started(const char *name, bool qemu, Result *res)
{
    const char *const qemu_argv[] = {
        opt_qemu_binary,
        "-M",
        "pc,accel=tcg",
        "-S",
        "-display",
        "none",
        "-nodefaults",
        "-qmp",
        "unix:@SOCKET@,server=on,wait=off",
        NULL,
    };
    const char *const devmodeld_argv[] = {
        opt_devmodeld, "-S", "--qmp", "unix:@SOCKET@", NULL,
    };
    BenchServer s;
    g_autoptr(GError) error = NULL;

    if (!bench_server_start(&s, qemu ? qemu_argv : devmodeld_argv, &error)) {
        memset(res, 0, sizeof(*res));
        res->name = name;
        res->error = g_strdup_printf("cannot start: %s", error->message);
        bench_server_stop(&s);
        return;
    }
    measure(name, s.socket, res);
    bench_server_stop(&s);
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
    printf("%-12s %10u %12.1f %10.1f %10.1f %10.1f %12.0f\n", r->name,
           r->stats.count, r->stats.median_us, r->stats.p99_us,
           r->stats.mean_us, r->stats.min_us, r->per_sec);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- QMP query-status round-trip benchmark");

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "qmp-rtt: %s\n", error->message);
        return 2;
    }
    if (opt_count < 1 || opt_warmup < 0 || opt_timeout_ms < 1) {
        fprintf(stderr, "qmp-rtt: --count, --timeout-ms must be positive, "
                        "--warmup >= 0\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Inherited by the servers started below. */
    if (opt_pin >= 0 && !bench_pin_cpu(opt_pin, &error)) {
        fprintf(stderr, "qmp-rtt: --pin: %s\n", error->message);
        return 2;
    }

    if (opt_socket != NULL) {
        Result r;
        printf("# %s\n", opt_socket);
        measure("server", opt_socket, &r);
        print_header();
        print_result(&r);
        g_free(r.error);
        return r.ok ? 0 : 1;
    }

    Result dev, qemu;
    memset(&qemu, 0, sizeof(qemu));
    if (opt_qemu) {
        run_started("qemu-7.2", true, &qemu);
    }
    run_started("devmodeld", false, &dev);

    print_header();
    if (opt_qemu) {
        print_result(&qemu);
    }
    print_result(&dev);
    if (opt_qemu && qemu.ok && dev.ok) {
        double ratio = dev.stats.median_us / qemu.stats.median_us;
        printf("ratio devmodeld/qemu: median %.3f, p99 %.3f; throughput "
               "x%.2f\n",
               ratio, dev.stats.p99_us / qemu.stats.p99_us,
               dev.per_sec / qemu.per_sec);
        printf("target (median <= 0.25 x QEMU): %s\n",
               ratio <= 0.25 ? "met" : "NOT met");
    }
    int rc = dev.ok && (!opt_qemu || qemu.ok) ? 0 : 1;
    g_free(dev.error);
    g_free(qemu.error);
    return rc;
}
