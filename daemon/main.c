/*
 * devmodeld: options, the main loop, signals.  Everything else lives in
 * libdevmodel; this file only wires it together.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "daemon/incoming.h"
#include "daemon/log.h"
#include "daemon/machine.h"
#include "daemon/options.h"
#include "daemon/pidfile.h"
#include "daemon/qtest.h"
#include "daemon/vram.h"
#include "daemon/xen.h"
#include "qmp/server.h"

enum {
    EXIT_USAGE = 2,
};

typedef struct Daemon {
    DaemonOptions opts;
    bool quit;
    Machine *machine;
    QmpServer *qmp;
    QtestServer *qtest;
    Pidfile *pidfile;
    Vram *vram;   /* the Cirrus VRAM, lent to the machine */
    Xen *xen;     /* xenstore, ready key, physmap */
    int ready_fd; /* --daemonize: the parent waits for one byte here */
} Daemon;

static gboolean on_signal(gpointer data)
{
    Daemon *daemon = data;

    g_message("signal received, shutting down");
    machine_quit(daemon->machine, SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

static void on_machine_event(const MachineEvent *event, void *opaque)
{
    Daemon *daemon = opaque;

    if (event->kind == MACHINE_EVENT_SHUTDOWN) {
        daemon->quit = true;
    }
}

/*
 * Forks; the parent returns only to exit, with 0 once the child reports
 * that every socket listens, 1 if the child failed first.
 */
static void daemonize_fork(Daemon *daemon)
{
    int fds[2];
    char byte = 0;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "devmodeld: pipe: %s\n", g_strerror(errno));
        exit(EXIT_FAILURE);
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "devmodeld: fork: %s\n", g_strerror(errno));
        exit(EXIT_FAILURE);
    }
    if (pid > 0) {
        close(fds[1]);
        exit(read(fds[0], &byte, 1) == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
    }
    close(fds[0]);
    setsid();
    daemon->ready_fd = fds[1];
}

static void daemonize_finish(Daemon *daemon)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    if (chdir("/") != 0) {
        g_warning("chdir /: %s", g_strerror(errno));
    }
    if (write(daemon->ready_fd, "R", 1) != 1) {
        g_warning("cannot tell the parent we are ready");
    }
    close(daemon->ready_fd);
    daemon->ready_fd = -1;
}

/*
 * The main loop.  Requests come in bursts (libxl's stop, add-fd, save; a
 * COLO checkpoint), the next one tens of microseconds after our reply.
 * Polling without sleeping for a short window after input saves waking
 * an idle CPU for it, which costs more than the request itself; QEMU's
 * monitor thread polls the same way.  Without input the loop sleeps in
 * poll() as usual, so an idle daemon uses no CPU.
 */
static void daemon_run(Daemon *daemon)
{
    gint64 window = daemon->opts.busy_poll_us;

    while (!daemon->quit) {
        gint64 since =
            g_get_monotonic_time() - qmp_server_last_input(daemon->qmp);
        g_main_context_iteration(NULL, since >= window);
    }
}

static bool daemon_setup(Daemon *daemon, GError **error)
{
    DaemonOptions *opts = &daemon->opts;

    if (opts->pidfile != NULL) {
        daemon->pidfile = pidfile_create(opts->pidfile, error);
        if (daemon->pidfile == NULL) {
            return false;
        }
    }
    daemon->machine = machine_new(opts->machine, opts->domid, opts->vcpus);
    daemon->machine->name = g_strdup(opts->name);
    /* Before the devices: the physmap is read back before BAR0 can map. */
    daemon->xen = xen_new(opts->xenstore, opts->domid, opts->memory_mb, error);
    if (daemon->xen == NULL) {
        return false;
    }
    /*
     * Opened (and locked) now so that a bad image stops the start, and
     * before the devices, because the IDE drives take them at creation.
     */
    for (unsigned i = 0; i < BLOCK_MAX_DRIVES; i++) {
        if (!opts->drive_present[i]) {
            continue;
        }
        daemon->machine->drives[i] = block_open(&opts->drives[i], error);
        if (daemon->machine->drives[i] == NULL) {
            g_prefix_error(error, "--drive index=%u: ", i);
            return false;
        }
    }
    if (opts->incoming) {
        xen_check_incoming_vram(opts->vram_path);
    }
    /* VRAM too: a wrong --vram-path stops the start before any device. */
    daemon->vram =
        vram_open(opts->vram_path, (size_t)opts->vram_mb << 20, error);
    if (daemon->vram == NULL) {
        return false;
    }
    daemon->machine->vram = daemon->vram;
    if (!machine_create_devices(daemon->machine, error)) {
        return false;
    }
    xen_attach(daemon->xen, daemon->machine);
    machine_start(daemon->machine, opts->paused, opts->incoming);
    machine_add_listener(daemon->machine, on_machine_event, daemon);

    daemon->qmp = qmp_server_new(daemon->machine);
    for (guint i = 0; i < opts->qmp->len; i++) {
        if (!qmp_server_add_monitor(daemon->qmp,
                                    g_ptr_array_index(opts->qmp, i), error)) {
            return false;
        }
    }
    if (opts->qtest != NULL) {
        daemon->qtest = qtest_server_new(daemon->machine, opts->qtest, error);
        if (daemon->qtest == NULL) {
            return false;
        }
    }
    /*
     * libxl's restore (-incoming fd:N): the state goes in once the
     * devices exist and the sockets listen; keep this last in the set-up.
     */
    if (opts->incoming_uri != NULL &&
        !incoming_load(daemon->machine, opts->incoming_uri, error)) {
        return false;
    }
    /* The ready key: every QMP socket listens, any start-up state is in. */
    if (!xen_set_ready(daemon->xen, error)) {
        return false;
    }
    return daemon->pidfile == NULL || pidfile_write(daemon->pidfile, error);
}

static void daemon_teardown(Daemon *daemon)
{
    qmp_server_free(daemon->qmp);
    qtest_server_free(daemon->qtest);
    for (unsigned i = 0; daemon->machine != NULL && i < BLOCK_MAX_DRIVES; i++) {
        block_close(daemon->machine->drives[i]);
        daemon->machine->drives[i] = NULL;
    }
    machine_free(daemon->machine);
    xen_free(daemon->xen); /* after the machine, which borrows its store */
    vram_close(daemon->vram);
    pidfile_remove(daemon->pidfile);
    daemon_options_clear(&daemon->opts);
}

int main(int argc, char **argv)
{
    Daemon daemon = { .ready_fd = -1 };
    g_autoptr(GError) error = NULL;

    if (!daemon_options_parse(&daemon.opts, argc, argv, &error)) {
        fprintf(stderr, "devmodeld: %s\n", error->message);
        daemon_options_clear(&daemon.opts);
        return EXIT_USAGE;
    }
    if (daemon.opts.show_version) {
        printf("devmodeld %s (QMP dialect of QEMU %d.%d.%d)\n", PACKAGE_VERSION,
               QMP_QEMU_MAJOR, QMP_QEMU_MINOR, QMP_QEMU_MICRO);
        daemon_options_clear(&daemon.opts);
        return EXIT_SUCCESS;
    }
    log_setup(daemon.opts.log_level, daemon.opts.daemonize);
    signal(SIGPIPE, SIG_IGN);
    if (daemon.opts.daemonize) {
        daemonize_fork(&daemon);
    }

    /*
     * Before the sockets listen: a toolstack that sees them (or the ready
     * key) may send SIGTERM at once, which must not kill us half set up.
     * The handlers run from the main loop, after the set-up.
     */
    g_unix_signal_add(SIGTERM, on_signal, &daemon);
    g_unix_signal_add(SIGINT, on_signal, &daemon);
    g_unix_signal_add(SIGHUP, on_signal, &daemon);
    if (!daemon_setup(&daemon, &error)) {
        g_critical("%s", error->message);
        daemon_teardown(&daemon);
        return EXIT_FAILURE;
    }

    g_message("devmodeld %s ready: machine %s, domain %u, %s", PACKAGE_VERSION,
              machine_type_name(daemon.opts.machine), daemon.opts.domid,
              runstate_name(daemon.machine->runstate));
    if (daemon.opts.daemonize) {
        daemonize_finish(&daemon);
    }
    daemon_run(&daemon);
    daemon_teardown(&daemon);
    return EXIT_SUCCESS;
}
