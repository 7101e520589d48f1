/*
 * state-cycle: the checkpoint cycle a COLO or Remus loop drives, over QMP:
 * stop, xen-save-devices-state, xen-load-devices-state, cont.  Prints the
 * median and p99 of each step and of the whole cycle, and cycles per
 * second.  The state file lives in --dir (default: the server's temporary
 * directory), so a tmpfs and a disk can be compared.
 *
 *   state-cycle [--devmodeld BIN]   start devmodeld and measure it
 *   state-cycle --socket PATH       measure a running devmodeld
 *   --pin CPU                       client and server on one CPU
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "bench/qmpbench.h"

enum { STEP_STOP, STEP_SAVE, STEP_LOAD, STEP_CONT, STEP_CYCLE, STEP_MAX };

static const char *const step_names[STEP_MAX] = {
    "stop", "save", "load", "cont", "cycle",
};

static gint opt_count = 2000;
static gint opt_warmup = 100;
static gint opt_timeout_ms = 5000;
static gchar *opt_socket;
static gchar *opt_dir;
static gchar *opt_devmodeld = (gchar *)"./devmodeld";
static gint opt_pin = -1;

static GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &opt_count,
      "cycles to time (default 2000)", "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup,
      "untimed cycles first (default 100)", "N" },
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &opt_socket,
      "measure a running devmodeld on PATH", "PATH" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir,
      "directory for the state file", "DIR" },
    { "devmodeld", 'd', 0, G_OPTION_ARG_FILENAME, &opt_devmodeld,
      "devmodeld binary to start (default ./devmodeld)", "BIN" },
    { "timeout-ms", 't', 0, G_OPTION_ARG_INT, &opt_timeout_ms,
      "per-reply timeout (default 5000)", "MS" },
    { "pin", 'p', 0, G_OPTION_ARG_INT, &opt_pin,
      "run the client and the started server on this one CPU", "CPU" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

static bool run_cycles(const char *socket, const char *dir, GError **error)
{
    BenchClient c = { .fd = -1 };
    g_autofree char *file = g_build_filename(dir, "state-cycle.bin", NULL);
    g_autofree char *save =
        g_strdup_printf("{\"execute\":\"xen-save-devices-state\",\"arguments\":"
                        "{\"filename\":\"%s\",\"live\":false}}",
                        file);
    g_autofree char *load =
        g_strdup_printf("{\"execute\":\"xen-load-devices-state\",\"arguments\":"
                        "{\"filename\":\"%s\"}}",
                        file);
    const char *requests[STEP_CYCLE] = {
        "{\"execute\":\"stop\"}",
        save,
        load,
        "{\"execute\":\"cont\"}",
    };
    double *samples[STEP_MAX];
    bool ok = bench_client_open(&c, socket, opt_timeout_ms, error) &&
              bench_client_ok(&c, "{\"execute\":\"cont\"}", error);

    for (int s = 0; s < STEP_MAX; s++) {
        samples[s] = g_new(double, (gsize)opt_count);
    }
    double t_start = 0;
    for (gint i = 0; ok && i < opt_warmup + opt_count; i++) {
        if (i == opt_warmup) {
            t_start = bench_now_us();
        }
        double cycle_start = bench_now_us();
        for (int s = 0; ok && s < STEP_CYCLE; s++) {
            double t0 = bench_now_us();
            ok = bench_client_ok(&c, requests[s], error);
            if (i >= opt_warmup) {
                samples[s][i - opt_warmup] = bench_now_us() - t0;
            }
        }
        if (i >= opt_warmup) {
            samples[STEP_CYCLE][i - opt_warmup] = bench_now_us() - cycle_start;
        }
    }
    if (ok) {
        double elapsed = bench_now_us() - t_start;
        printf("%-8s %8s %12s %10s %10s %10s\n", "step", "count", "median_us",
               "p99_us", "mean_us", "min_us");
        for (int s = 0; s < STEP_MAX; s++) {
            BenchStats st = bench_stats(samples[s], (guint)opt_count);
            printf("%-8s %8u %12.1f %10.1f %10.1f %10.1f\n", step_names[s],
                   st.count, st.median_us, st.p99_us, st.mean_us, st.min_us);
        }
        printf("cycles/s %.0f; state file %s\n",
               elapsed > 0 ? opt_count * 1e6 / elapsed : 0.0, file);
    }
    for (int s = 0; s < STEP_MAX; s++) {
        g_free(samples[s]);
    }
    bench_client_close(&c);
    return ok;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- stop/save/load/cont checkpoint benchmark");

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "state-cycle: %s\n", error->message);
        return 2;
    }
    if (opt_count < 1 || opt_warmup < 0 || opt_timeout_ms < 1) {
        fprintf(stderr, "state-cycle: --count, --timeout-ms must be "
                        "positive, --warmup >= 0\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (opt_pin >= 0 && !bench_pin_cpu(opt_pin, &error)) {
        fprintf(stderr, "state-cycle: --pin: %s\n", error->message);
        return 2;
    }

    if (opt_socket != NULL) {
        bool ok = run_cycles(opt_socket, opt_dir ? opt_dir : "/tmp", &error);
        if (!ok) {
            fprintf(stderr, "state-cycle: %s\n", error->message);
        }
        return ok ? 0 : 1;
    }

    const char *const argv_dm[] = { opt_devmodeld, "-S", "--qmp",
                                    "unix:@SOCKET@", NULL };
    BenchServer server;
    bool ok = bench_server_start(&server, argv_dm, &error) &&
              run_cycles(server.socket, opt_dir ? opt_dir : server.dir, &error);
    if (!ok) {
        fprintf(stderr, "state-cycle: %s\n", error->message);
    }
    if (opt_dir == NULL && server.dir != NULL) {
        g_autofree char *file =
            g_build_filename(server.dir, "state-cycle.bin", NULL);
        remove(file);
    }
    bench_server_stop(&server);
    return ok ? 0 : 1;
}
