/* Command-line parsing: accepted forms and one-line errors. */
#include "config.h"

#include <unistd.h>

#include <glib.h>

#include "daemon/options.h"
#include "tests/unit/suites.h"

/* Parses a NULL-terminated list of arguments after "devmodeld". */
static bool parse(DaemonOptions *opts, GError **error, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    va_list ap;
    const char *arg;

    g_ptr_array_add(args, (char *)"devmodeld");
    va_start(ap, error);
    while ((arg = va_arg(ap, const char *)) != NULL) {
        g_ptr_array_add(args, (char *)arg);
    }
    va_end(ap);
    g_ptr_array_add(args, NULL);
    return daemon_options_parse(opts, (int)args->len - 1, (char **)args->pdata,
                                error);
}

START_TEST(test_defaults_and_full_set)
{
    DaemonOptions opts;

    ck_assert(parse(&opts, NULL, "--qmp", "unix:/tmp/a.sock", NULL));
    ck_assert_int_eq(opts.machine, MACHINE_TYPE_XENFV);
    ck_assert_uint_eq(opts.vcpus, 1);
    ck_assert(!opts.paused && !opts.incoming && !opts.daemonize);
    ck_assert_uint_eq(opts.busy_poll_us, OPTIONS_DEFAULT_BUSY_POLL_US);
    daemon_options_clear(&opts);

    ck_assert(parse(&opts, NULL, "--qmp", "unix:/tmp/a.sock", "--qmp",
                    "tcp:127.0.0.1:4444", "--qmp", "tcp:[::1]:5", "--qmp-fd",
                    "7", "--qtest", "unix:/tmp/q.sock", "--domid", "12",
                    "--machine", "pc", "-S", "--incoming", "--vcpus", "4",
                    "--pidfile", "/tmp/p", "--log-level", "debug",
                    "--busy-poll-us", "0", NULL));
    ck_assert_uint_eq(opts.qmp->len, 4);
    ListenAddress *tcp = g_ptr_array_index(opts.qmp, 1);
    ck_assert_int_eq(tcp->kind, LISTEN_TCP);
    ck_assert_str_eq(tcp->host, "127.0.0.1");
    ck_assert_uint_eq(tcp->port, 4444);
    ck_assert_str_eq(((ListenAddress *)g_ptr_array_index(opts.qmp, 2))->host,
                     "::1");
    ck_assert_int_eq(((ListenAddress *)g_ptr_array_index(opts.qmp, 3))->fd, 7);
    ck_assert_str_eq(opts.qtest->path, "/tmp/q.sock");
    ck_assert_uint_eq(opts.domid, 12);
    ck_assert_int_eq(opts.machine, MACHINE_TYPE_PC);
    ck_assert(opts.paused && opts.incoming);
    ck_assert_uint_eq(opts.vcpus, 4);
    ck_assert_str_eq(opts.pidfile, "/tmp/p");
    ck_assert_int_eq(opts.log_level, G_LOG_LEVEL_DEBUG);
    ck_assert_uint_eq(opts.busy_poll_us, 0);
    daemon_options_clear(&opts);
}
END_TEST

START_TEST(test_relative_unix_path_made_absolute)
{
    DaemonOptions opts;

    ck_assert(parse(&opts, NULL, "--qmp", "unix:run/q.sock", NULL));
    ListenAddress *addr = g_ptr_array_index(opts.qmp, 0);
    ck_assert(g_path_is_absolute(addr->path));
    ck_assert(g_str_has_suffix(addr->path, "/run/q.sock"));
    daemon_options_clear(&opts);
}
END_TEST

START_TEST(test_drives)
{
    DaemonOptions opts;

    ck_assert(parse(&opts, NULL, "--qmp", "unix:/a", "--drive",
                    "file=/img/a.raw,index=2,format=raw", "--drive",
                    "index=0,format=raw,file=/img/b,,c,,,readonly=on,"
                    "cache=writethrough",
                    "--drive", "file=rel.img,format=raw,index=3,readonly=off",
                    NULL));
    ck_assert(opts.drive_present[0] && !opts.drive_present[1]);
    ck_assert(opts.drive_present[2] && opts.drive_present[3]);
    ck_assert_str_eq(opts.drives[2].file, "/img/a.raw");
    ck_assert(!opts.drives[2].readonly);
    ck_assert_int_eq(opts.drives[2].cache, BLOCK_CACHE_WRITEBACK);
    /* ",," is a literal comma, as QEMU escapes it. */
    ck_assert_str_eq(opts.drives[0].file, "/img/b,c,");
    ck_assert(opts.drives[0].readonly);
    ck_assert_int_eq(opts.drives[0].cache, BLOCK_CACHE_WRITETHROUGH);
    ck_assert(g_path_is_absolute(opts.drives[3].file));
    ck_assert(g_str_has_suffix(opts.drives[3].file, "/rel.img"));
    ck_assert(!opts.drives[3].readonly);
    daemon_options_clear(&opts);
}
END_TEST

static const struct {
    const char *args[4];
    const char *message;
} bad_cases[] = {
    { { "--qmp", "bogus:x" },
      "--qmp: 'bogus:x': expected unix:PATH or "
      "tcp:HOST:PORT" },
    { { "--qmp", "tcp:localhost" },
      "--qmp: 'tcp:localhost': expected "
      "tcp:HOST:PORT" },
    { { "--qmp", "tcp:h:99999" },
      "--qmp: 'tcp:h:99999': expected "
      "tcp:HOST:PORT" },
    { { "--qmp", "unix:" }, "--qmp: 'unix:': the socket path is empty" },
    { { "--qmp", "unix:/a", "--vcpus", "abc" },
      "--vcpus: 'abc' is not a number from 1 to 128" },
    { { "--qmp", "unix:/a", "--vcpus", "0" },
      "--vcpus: '0' is not a number from 1 to 128" },
    { { "--qmp", "unix:/a", "--vcpus", "129" },
      "--vcpus: '129' is not a number from 1 to 128" },
    { { "--qmp", "unix:/a", "--machine", "q35" },
      "--machine: 'q35' is not a machine type (xenfv or pc)" },
    { { "--qmp", "unix:/a", "--domid", "-1" },
      "--domid: '-1' is not a number from 0 to 32751" },
    { { "--qmp", "unix:/a", "--qtest", "tcp:h:1" },
      "--qtest: 'tcp:h:1': only unix:PATH is supported" },
    { { "--qmp", "unix:/a", "--qmp-fd", "1" },
      "--qmp-fd: '1' is not a number from 3 to 2147483647" },
    { { "--qmp", "unix:/a", "--log-level", "loud" },
      "--log-level: 'loud' is not one of error, warning, message, info, "
      "debug" },
    { { "--qmp", "unix:/a", "--domid", "0x10" },
      "--domid: '0x10' is not a number from 0 to 32751" },
    { { "--qmp", "unix:/a", "--busy-poll-us", "10001" },
      "--busy-poll-us: '10001' is not a number from 0 to 10000" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=0,format=qcow2" },
      "--drive: 'file=/i,index=0,format=qcow2': format: 'qcow2': only "
      "format=raw is supported" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=4,format=raw" },
      "--drive: 'file=/i,index=4,format=raw': index: '4' is not a number "
      "from 0 to 3" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,format=raw" },
      "--drive: 'file=/i,format=raw': file=PATH, index=0..3 and format=raw "
      "are required" },
    { { "--qmp", "unix:/a", "--drive", "index=1,format=raw" },
      "--drive: 'index=1,format=raw': file=PATH, index=0..3 and format=raw "
      "are required" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=1" },
      "--drive: 'file=/i,index=1': file=PATH, index=0..3 and format=raw "
      "are required" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=1,format=raw,if=ide" },
      "--drive: 'file=/i,index=1,format=raw,if=ide': unknown key 'if' "
      "(file, index, format, readonly, cache)" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=1,format=raw,ro" },
      "--drive: 'file=/i,index=1,format=raw,ro': 'ro' is not key=value" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=1,format=raw," },
      "--drive: 'file=/i,index=1,format=raw,': '' is not key=value" },
    { { "--qmp", "unix:/a", "--drive", "file=,index=1,format=raw" },
      "--drive: 'file=,index=1,format=raw': file: the path is empty" },
    { { "--qmp", "unix:/a", "--drive", "file=/i,index=1,index=2" },
      "--drive: 'file=/i,index=1,index=2': index= is given twice" },
    { { "--qmp", "unix:/a", "--drive",
        "file=/i,index=1,format=raw,readonly=yes" },
      "--drive: 'file=/i,index=1,format=raw,readonly=yes': readonly: 'yes' "
      "is not on or off" },
    { { "--qmp", "unix:/a", "--drive",
        "file=/i,index=1,format=raw,cache=none" },
      "--drive: 'file=/i,index=1,format=raw,cache=none': cache: 'none' is "
      "not writeback or writethrough" },
    { { "--drive", "file=/i,index=1,format=raw", "--drive",
        "file=/j,index=1,format=raw" },
      "--drive: 'file=/j,index=1,format=raw': index 1 is already used" },
    { { "--qmp", "unix:/a", "extra" }, "unexpected argument 'extra'" },
    { { "--bogus" }, "Unknown option --bogus" },
    { { "--qmp", "unix:/a", "--vram-mb", "5" },
      "--vram-mb: '5' is not 4, 8 or 16" },
    { { "--qmp", "unix:/a", "--vram-mb", "0x8" },
      "--vram-mb: '0x8' is not 4, 8 or 16" },
    { { "--qmp", "unix:/a", "--vram-mb", "-4" },
      "--vram-mb: '-4' is not 4, 8 or 16" },
    { { "--qmp", "unix:/a", "--vram-mb", "32" },
      "--vram-mb: '32' is not 4, 8 or 16" },
    { { "--qmp", "unix:/a", "--vram-path", "" },
      "--vram-path: the path is empty" },
    { { "-S" }, "at least one --qmp or --qmp-fd is needed" },
};

START_TEST(test_vram)
{
    DaemonOptions opts;
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *expected = g_build_filename(cwd, "vram.bin", NULL);

    ck_assert(parse(&opts, NULL, "--qmp", "unix:/a", NULL));
    ck_assert_uint_eq(opts.vram_mb, 4);
    ck_assert_ptr_null(opts.vram_path);
    daemon_options_clear(&opts);

    ck_assert(parse(&opts, NULL, "--qmp", "unix:/a", "--vram-mb", "16",
                    "--vram-path", "vram.bin", NULL));
    ck_assert_uint_eq(opts.vram_mb, 16);
    ck_assert_str_eq(opts.vram_path, expected);
    daemon_options_clear(&opts);

    ck_assert(parse(&opts, NULL, "--qmp", "unix:/a", "--vram-mb", "8",
                    "--vram-path", "/x", "--vram-path", "/y", NULL));
    ck_assert_uint_eq(opts.vram_mb, 8);
    ck_assert_str_eq(opts.vram_path, "/y");
    daemon_options_clear(&opts);
}
END_TEST

/* libxl 4.17's vector for an HVM guest (research/xen-toolstack.md §1.1). */
START_TEST(test_qemu_libxl_vector)
{
    DaemonOptions opts;
    g_autoptr(GError) error = NULL;
    int fds[2];

    /* -incoming fd:N must name an open fd. */
    ck_assert_int_eq(pipe(fds), 0);
    g_autofree char *incoming = g_strdup_printf("fd:%d", fds[0]);
    ck_assert(parse(
        &opts, &error, "-xen-domid", "7", "-no-shutdown", "-chardev",
        "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-7,server=on,wait=off",
        "-mon", "chardev=libxl-cmd,mode=control", "-chardev",
        "socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-7,server=on,"
        "wait=off",
        "-mon", "chardev=libxenstat-cmd,mode=control", "-nodefaults",
        "-no-user-config", "-name", "guest7", "-vnc", "none", "-display",
        "none", "-device", "cirrus-vga,vgamem_mb=8", "-boot", "order=cd",
        "-smp", "2,maxcpus=4", "-net", "none", "-machine",
        "xenfv,suppress-vmdesc=on", "-m", "1016", "-drive",
        "file=/var/lib/xen/img,,1.raw,if=ide,index=0,media=disk,format=raw,"
        "cache=writeback",
        "-incoming", incoming, NULL));
    ck_assert_ptr_null(error);
    ck_assert_uint_eq(opts.domid, 7);
    ck_assert_uint_eq(opts.qmp->len, 2);
    ListenAddress *qmp0 = g_ptr_array_index(opts.qmp, 0);
    ck_assert_int_eq(qmp0->kind, LISTEN_UNIX);
    ck_assert_str_eq(qmp0->path, "/var/run/xen/qmp-libxl-7");
    ck_assert_str_eq(((ListenAddress *)g_ptr_array_index(opts.qmp, 1))->path,
                     "/var/run/xen/qmp-libxenstat-7");
    ck_assert_uint_eq(opts.vram_mb, 8);
    ck_assert_uint_eq(opts.vcpus, 2);
    ck_assert_int_eq(opts.machine, MACHINE_TYPE_XENFV);
    ck_assert_uint_eq(opts.memory_mb, 1016);
    ck_assert(opts.drive_present[0]);
    ck_assert_str_eq(opts.drives[0].file, "/var/lib/xen/img,1.raw");
    ck_assert_int_eq(opts.drives[0].cache, BLOCK_CACHE_WRITEBACK);
    ck_assert(!opts.drives[0].readonly);
    ck_assert(opts.incoming && !opts.paused);
    ck_assert_str_eq(opts.incoming_uri, incoming);
    ck_assert_str_eq(opts.name, "guest7");
    daemon_options_clear(&opts);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* dm_restrict: libxl's own listening socket as fd=N, and -S. */
/* -name's two spellings; the process and thread options are QEMU's own. */
START_TEST(test_qemu_name)
{
    DaemonOptions opts;
    g_autoptr(GError) error = NULL;

    ck_assert(parse(&opts, &error, "--qmp", "unix:/a", "-name",
                    "guest=vm,,7,process=qemu-vm7,debug-threads=on", NULL));
    ck_assert_str_eq(opts.name, "vm,7");
    daemon_options_clear(&opts);
    ck_assert(parse(&opts, &error, "--qmp", "unix:/a", NULL));
    ck_assert_ptr_null(opts.name);
    daemon_options_clear(&opts);
}
END_TEST

START_TEST(test_qemu_dm_restrict_vector)
{
    DaemonOptions opts;

    ck_assert(parse(&opts, NULL, "-xen-domid", "3", "-chardev",
                    "socket,id=libxl-cmd,fd=5,server=on,wait=off", "-mon",
                    "chardev=libxl-cmd,mode=control", "-S", "-machine",
                    "pc,accel=xen,suppress-vmdesc=on", "-m", "size=2G", "-smp",
                    "1", "-incoming", "defer", "-pidfile", "/tmp/p",
                    "-daemonize", NULL));
    ck_assert_uint_eq(opts.qmp->len, 1);
    ListenAddress *qmp0 = g_ptr_array_index(opts.qmp, 0);
    ck_assert_int_eq(qmp0->kind, LISTEN_FD);
    ck_assert_int_eq(qmp0->fd, 5);
    ck_assert(opts.paused && opts.incoming && opts.daemonize);
    ck_assert_ptr_null(opts.incoming_uri);
    ck_assert_int_eq(opts.machine, MACHINE_TYPE_PC);
    ck_assert_uint_eq(opts.memory_mb, 2048);
    ck_assert_str_eq(opts.pidfile, "/tmp/p");
    daemon_options_clear(&opts);

    /* Our own options mix with QEMU's; a value may start with '-'. */
    ck_assert(parse(&opts, NULL, "--qmp", "unix:/a", "-incoming",
                    "file:/x/state", "-m", "512M", "--log-level", "debug",
                    NULL));
    ck_assert_str_eq(opts.incoming_uri, "file:/x/state");
    ck_assert_uint_eq(opts.memory_mb, 512);
    daemon_options_clear(&opts);
}
END_TEST

/* Each refusal is one line that names the QEMU option. */
static const struct {
    const char *args[6];
    const char *message;
} qemu_bad_cases[] = {
    { { "-vnc", "127.0.0.1:0" }, "-vnc 127.0.0.1:0: VNC is not supported" },
    { { "-serial", "pty" }, "-serial pty: not supported by devmodeld" },
    { { "-usb", "-S" }, "-usb: not supported by devmodeld" },
    { { "-xen-domid-restrict" },
      "-xen-domid-restrict: not supported by devmodeld" },
    { { "-display", "gtk" },
      "-display gtk: only 'none' is supported (no display)" },
    { { "-net", "nic" }, "-net nic: network devices are not supported" },
    { { "-device", "VGA,vgamem_mb=16" },
      "-device VGA,vgamem_mb=16: only cirrus-vga is supported (the board's "
      "other devices are built in)" },
    { { "-device", "cirrus-vga,addr=3" },
      "-device cirrus-vga,addr=3: 'addr' is not supported" },
    { { "-machine", "q35" },
      "-machine q35: only machine types xenfv and pc exist" },
    { { "-machine", "pc,accel=kvm" },
      "-machine pc,accel=kvm: only accel=xen is supported" },
    { { "-machine", "xenfv,max-ram-below-4g=1G" },
      "-machine xenfv,max-ram-below-4g=1G: 'max-ram-below-4g' is not "
      "supported" },
    { { "-m", "1G,maxmem=2G" }, "-m 1G,maxmem=2G: 'maxmem' is not supported" },
    { { "-m", "lots" }, "-m lots: not a size in MiB (N, NM or NG)" },
    { { "-smp", "2,sockets=2" },
      "-smp 2,sockets=2: 'sockets' is not supported" },
    { { "-xen-domid", "x" }, "-xen-domid x: not a decimal number" },
    { { "-incoming", "tcp:0:4444" },
      "-incoming tcp:0:4444: only defer, fd:N and file:PATH are supported" },
    { { "-chardev", "pty,id=serial0" },
      "-chardev pty,id=serial0: only socket chardevs (QMP monitors) are "
      "supported" },
    { { "-chardev", "socket,id=c,path=/s,server=on,wait=on", "-mon",
        "chardev=c,mode=control" },
      "-chardev socket,id=c,path=/s,server=on,wait=on: only "
      "server=on,wait=off sockets are supported" },
    { { "-chardev", "socket,id=c,path=/s,server=on,wait=off" },
      "-chardev socket,id=c,path=/s,server=on,wait=off: no -mon uses it (a "
      "chardev can only be a QMP monitor)" },
    { { "-chardev", "socket,id=c,path=/s,server=on,wait=off", "-mon",
        "chardev=c" },
      "-mon chardev=c: only mode=control is supported (devmodeld speaks QMP, "
      "not the human monitor)" },
    { { "-mon", "chardev=d,mode=control" },
      "-mon chardev=d: no -chardev has that id" },
    { { "-drive", "file=/i,if=ide,index=2,media=cdrom,format=raw" },
      "-drive file=/i,if=ide,index=2,media=cdrom,format=raw: only media=disk "
      "is supported" },
    { { "-drive", "file=/i,if=scsi,index=0,format=raw" },
      "-drive file=/i,if=scsi,index=0,format=raw: only if=ide is supported" },
    { { "--qmp", "unix:/a", "-drive", "file=/i,index=0,format=qcow2" },
      "--drive: 'file=/i,index=0,format=qcow2': format: 'qcow2': only "
      "format=raw is supported" },
    { { "-m" }, "-m: needs an argument" },
    { { "-name", "g,foo=1" }, "-name g,foo=1: 'foo' is not supported" },
    { { "--qmp", "unix:/a", "-incoming", "fd:1000" },
      "--incoming: 'fd:1000': fd 1000 is not open" },
};

START_TEST(test_qemu_refused)
{
    DaemonOptions opts;
    g_autoptr(GError) error = NULL;
    const char *const *a = qemu_bad_cases[_i].args;

    ck_assert(!parse(&opts, &error, a[0], a[1], a[2], a[3], a[4], a[5], NULL));
    ck_assert_str_eq(error->message, qemu_bad_cases[_i].message);
    ck_assert_ptr_null(strchr(error->message, '\n'));
    daemon_options_clear(&opts);
}
END_TEST

START_TEST(test_bad_options)
{
    DaemonOptions opts;
    g_autoptr(GError) error = NULL;

    ck_assert(!parse(&opts, &error, bad_cases[_i].args[0],
                     bad_cases[_i].args[1], bad_cases[_i].args[2],
                     bad_cases[_i].args[3], NULL));
    ck_assert_str_eq(error->message, bad_cases[_i].message);
    ck_assert_ptr_null(strchr(error->message, '\n'));
    daemon_options_clear(&opts);
}
END_TEST

Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *good = tcase_create("accepted");
    TCase *bad = tcase_create("rejected");

    tcase_add_test(good, test_defaults_and_full_set);
    tcase_add_test(good, test_relative_unix_path_made_absolute);
    tcase_add_test(good, test_drives);
    tcase_add_test(good, test_vram);
    tcase_add_test(good, test_qemu_libxl_vector);
    tcase_add_test(good, test_qemu_name);
    tcase_add_test(good, test_qemu_dm_restrict_vector);
    tcase_add_loop_test(bad, test_bad_options, 0, G_N_ELEMENTS(bad_cases));
    tcase_add_loop_test(bad, test_qemu_refused, 0,
                        G_N_ELEMENTS(qemu_bad_cases));
    suite_add_tcase(s, good);
    suite_add_tcase(s, bad);
    return s;
}
