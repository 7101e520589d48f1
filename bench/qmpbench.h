/*
 * What the QMP benchmarks share: a minimal blocking QMP client (CR LF
 * framing, events skipped), starting and stopping a server on a temporary
 * socket, and latency statistics.  Every wait is bounded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

typedef struct BenchClient {
    int fd;
    GString *buf; /* received bytes not yet consumed */
    int timeout_ms;
} BenchClient;

/* Connects, reads the greeting, negotiates. */
bool bench_client_open(BenchClient *c, const char *path, int timeout_ms,
                       GError **error);
void bench_client_close(BenchClient *c);

/* Sends one request (a JSON text) and returns its reply (events skipped). */
char *bench_client_call(BenchClient *c, const char *request, GError **error);

/* Like bench_client_call, failing unless the reply has "return". */
bool bench_client_ok(BenchClient *c, const char *request, GError **error);

typedef struct BenchServer {
    GPid pid;
    char *dir;
    char *socket;
} BenchServer;

/*
 * Starts argv (NULL-terminated; "@SOCKET@" anywhere in an argument is
 * replaced by the QMP socket path) and waits until the socket accepts.
 */
bool bench_server_start(BenchServer *s, const char *const *argv,
                        GError **error);
void bench_server_stop(BenchServer *s);

typedef struct BenchStats {
    guint count;
    double median_us, p99_us, mean_us, min_us;
} BenchStats;

double bench_now_us(void);

/* Sorts samples and summarises them. */
BenchStats bench_stats(double *samples, guint count);

/* Runs the calling thread (and what it starts later) on one CPU. */
bool bench_pin_cpu(int cpu, GError **error);
