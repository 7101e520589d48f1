/*
 * Command-line parsing with GOption.  Values are checked here, so that
 * main() only ever sees a coherent configuration.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include <glib.h>

#include "daemon/options-qemu.h"
#include "daemon/options.h"
#include "daemon/vram.h"

/* Decimal only: a zero-padded domid must not turn octal. */
static bool parse_uint(const char *option, const char *text, guint64 min,
                       guint64 max, guint64 *ret_value, GError **error)
{
    char *end = NULL;
    guint64 value;

    errno = 0;
    value = g_ascii_strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' ||
        value < min || value > max) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s' is not a number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT,
                    option, text, min, max);
        return false;
    }
    *ret_value = value;
    return true;
}

bool log_level_from_name(const char *name, GLogLevelFlags *ret_level)
{
    static const struct {
        const char *name;
        GLogLevelFlags level;
    } levels[] = {
        { "error", G_LOG_LEVEL_CRITICAL },  { "warning", G_LOG_LEVEL_WARNING },
        { "message", G_LOG_LEVEL_MESSAGE }, { "info", G_LOG_LEVEL_INFO },
        { "debug", G_LOG_LEVEL_DEBUG },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
        if (strcmp(levels[i].name, name) == 0) {
            *ret_level = levels[i].level;
            return true;
        }
    }
    return false;
}

static gboolean add_qmp(const char *option, const char *value, gpointer data,
                        GError **error)
{
    DaemonOptions *opts = data;
    ListenAddress *addr = listen_address_parse(value, error);

    if (addr == NULL) {
        g_prefix_error(error, "%s: ", option);
        return FALSE;
    }
    g_ptr_array_add(opts->qmp, addr);
    return TRUE;
}

static gboolean add_qmp_fd(const char *option, const char *value, gpointer data,
                           GError **error)
{
    DaemonOptions *opts = data;
    guint64 fd;

    /* 0, 1 and 2 are standard input, output and error. */
    if (!parse_uint(option, value, 3, G_MAXINT, &fd, error)) {
        return FALSE;
    }
    g_ptr_array_add(opts->qmp, listen_address_new_fd((int)fd));
    return TRUE;
}

static gboolean set_qtest(const char *option, const char *value, gpointer data,
                          GError **error)
{
    DaemonOptions *opts = data;
    ListenAddress *addr = listen_address_parse(value, error);

    if (addr == NULL) {
        g_prefix_error(error, "%s: ", option);
        return FALSE;
    }
    if (addr->kind != LISTEN_UNIX) {
        listen_address_free(addr);
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s': only unix:PATH is supported", option, value);
        return FALSE;
    }
    listen_address_free(opts->qtest);
    opts->qtest = addr;
    return TRUE;
}

/*
 * The next item of a --drive value, up to an unescaped comma.  As in
 * QEMU, ",," stands for a literal comma, so a path may hold one.
 * *ret_more tells whether a separator followed.
 */
static char *drive_next_item(const char **p, bool *ret_more)
{
    GString *item = g_string_new(NULL);
    const char *c = *p;

    *ret_more = false;
    while (*c != '\0') {
        if (c[0] == ',' && c[1] == ',') {
            g_string_append_c(item, ',');
            c += 2;
        } else if (c[0] == ',') {
            *ret_more = true;
            c++;
            break;
        } else {
            g_string_append_c(item, *c++);
        }
    }
    *p = c;
    return g_string_free(item, FALSE);
}

/* The parts of one --drive, before they are checked as a whole. */
typedef struct DriveSpec {
    BlockOptions block;
    bool has_index, has_format, has_readonly, has_cache;
    guint64 index;
} DriveSpec;

static bool drive_set_key(DriveSpec *spec, const char *key, const char *val,
                          GError **error)
{
    if (strcmp(key, "file") == 0 && spec->block.file == NULL) {
        if (val[0] == '\0') {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "file: the path is empty");
            return false;
        }
        spec->block.file = g_canonicalize_filename(val, NULL);
    } else if (strcmp(key, "index") == 0 && !spec->has_index) {
        spec->has_index = true;
        return parse_uint("index", val, 0, BLOCK_MAX_DRIVES - 1, &spec->index,
                          error);
    } else if (strcmp(key, "format") == 0 && !spec->has_format) {
        spec->has_format = true;
        if (strcmp(val, "raw") != 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "format: '%s': only format=raw is supported", val);
            return false;
        }
    } else if (strcmp(key, "readonly") == 0 && !spec->has_readonly) {
        spec->has_readonly = true;
        if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "readonly: '%s' is not on or off", val);
            return false;
        }
        spec->block.readonly = strcmp(val, "on") == 0;
    } else if (strcmp(key, "cache") == 0 && !spec->has_cache) {
        spec->has_cache = true;
        if (!block_cache_from_name(val, &spec->block.cache)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "cache: '%s' is not writeback or writethrough", val);
            return false;
        }
    } else if (strcmp(key, "file") == 0 || strcmp(key, "index") == 0 ||
               strcmp(key, "format") == 0 || strcmp(key, "readonly") == 0 ||
               strcmp(key, "cache") == 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s= is given twice", key);
        return false;
    } else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "unknown key '%s' (file, index, format, readonly, cache)",
                    key);
        return false;
    }
    return true;
}

static bool drive_parse(DaemonOptions *opts, const char *value, DriveSpec *spec,
                        GError **error)
{
    const char *p = value;
    bool more = true;

    while (more) {
        g_autofree char *item = drive_next_item(&p, &more);
        char *eq = strchr(item, '=');
        if (eq == NULL) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "'%s' is not key=value", item);
            return false;
        }
        *eq = '\0';
        if (!drive_set_key(spec, item, eq + 1, error)) {
            return false;
        }
    }
    if (spec->block.file == NULL || !spec->has_index || !spec->has_format) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "file=PATH, index=0..3 and format=raw are required");
        return false;
    }
    if (opts->drive_present[spec->index]) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "index %u is already used", (unsigned)spec->index);
        return false;
    }
    return true;
}

static gboolean add_drive(const char *option, const char *value, gpointer data,
                          GError **error)
{
    DaemonOptions *opts = data;
    DriveSpec spec = { .block = { .cache = BLOCK_CACHE_WRITEBACK } };

    if (!drive_parse(opts, value, &spec, error)) {
        block_options_clear(&spec.block);
        g_prefix_error(error, "%s: '%s': ", option, value);
        return FALSE;
    }
    opts->drives[spec.index] = spec.block;
    opts->drive_present[spec.index] = true;
    return TRUE;
}

/* The numeric options: where each goes and its range. */
static const struct {
    const char *option;
    size_t offset; /* of an unsigned or uint32_t field in DaemonOptions */
    guint64 min, max;
} number_options[] = {
    { "--domid", offsetof(DaemonOptions, domid), 0, OPTIONS_MAX_DOMID },
    { "--vcpus", offsetof(DaemonOptions, vcpus), 1, OPTIONS_MAX_VCPUS },
    { "--memory", offsetof(DaemonOptions, memory_mb), 1,
      OPTIONS_MAX_MEMORY_MB },
    { "--busy-poll-us", offsetof(DaemonOptions, busy_poll_us), 0,
      OPTIONS_MAX_BUSY_POLL_US },
};
G_STATIC_ASSERT(sizeof(((DaemonOptions *)0)->domid) == sizeof(unsigned));

static gboolean set_number(const char *option, const char *value, gpointer data,
                           GError **error)
{
    for (size_t i = 0; i < G_N_ELEMENTS(number_options); i++) {
        guint64 number;
        if (strcmp(number_options[i].option, option) != 0) {
            continue;
        }
        if (!parse_uint(option, value, number_options[i].min,
                        number_options[i].max, &number, error)) {
            return FALSE;
        }
        *(unsigned *)((char *)data + number_options[i].offset) =
            (unsigned)number;
        return TRUE;
    }
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                "%s: not a numeric option", option);
    return FALSE;
}

static gboolean set_vram_mb(const char *option, const char *value,
                            gpointer data, GError **error)
{
    DaemonOptions *opts = data;
    guint64 mb;

    if (!parse_uint(option, value, 0, G_MAXUINT, &mb, error) ||
        !vram_size_mb_valid((unsigned)mb)) {
        g_clear_error(error);
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s' is not 4, 8 or 16", option, value);
        return FALSE;
    }
    opts->vram_mb = (unsigned)mb;
    return TRUE;
}

static gboolean set_vram_path(const char *option, const char *value,
                              gpointer data, GError **error)
{
    DaemonOptions *opts = data;

    if (value[0] == '\0') {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: the path is empty", option);
        return FALSE;
    }
    g_free(opts->vram_path);
    opts->vram_path = g_canonicalize_filename(value, NULL);
    return TRUE;
}

static gboolean set_xenstore(const char *option, const char *value,
                             gpointer data, GError **error)
{
    DaemonOptions *opts = data;

    if (!xenstore_backend_parse(value, &opts->xenstore)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s' is not a xenstore backend (auto, xs or "
                    "embedded)",
                    option, value);
        return FALSE;
    }
    return TRUE;
}

/* --incoming alone, or =defer, =fd:N, =file:PATH as QEMU's -incoming. */
static gboolean set_incoming(const char *option, const char *value,
                             gpointer data, GError **error)
{
    DaemonOptions *opts = data;
    guint64 fd;

    opts->incoming = true;
    g_clear_pointer(&opts->incoming_uri, g_free);
    if (value == NULL || strcmp(value, "defer") == 0) {
        return TRUE;
    }
    if (g_str_has_prefix(value, "fd:")) {
        if (!parse_uint(option, value + 3, 0, G_MAXINT, &fd, error)) {
            return FALSE;
        }
        /* Checked now, before the daemon opens fds that could take N. */
        if (fcntl((int)fd, F_GETFD) < 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "%s: '%s': fd %u is not open", option, value,
                        (unsigned)fd);
            return FALSE;
        }
        opts->incoming_uri = g_strdup_printf("fd:%u", (unsigned)fd);
        return TRUE;
    }
    if (g_str_has_prefix(value, "file:") && value[5] != '\0') {
        opts->incoming_uri = g_strdup(value);
        return TRUE;
    }
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s: '%s' is not defer, fd:N or file:PATH", option, value);
    return FALSE;
}

static gboolean set_machine(const char *option, const char *value,
                            gpointer data, GError **error)
{
    DaemonOptions *opts = data;

    if (!machine_type_from_name(value, &opts->machine)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s' is not a machine type (xenfv or pc)", option,
                    value);
        return FALSE;
    }
    return TRUE;
}

static gboolean set_log_level(const char *option, const char *value,
                              gpointer data, GError **error)
{
    DaemonOptions *opts = data;

    if (!log_level_from_name(value, &opts->log_level)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s' is not one of error, warning, message, info, "
                    "debug",
                    option, value);
        return FALSE;
    }
    return TRUE;
}

bool daemon_options_parse(DaemonOptions *opts, int argc, char **argv,
                          GError **error)
{
    gboolean paused = FALSE, daemonize = FALSE;
    gboolean version = FALSE;
    char *pidfile = NULL;
    char *name = NULL;
    const GOptionEntry entries[] = {
        { "qmp", 0, 0, G_OPTION_ARG_CALLBACK, add_qmp,
          "QMP monitor on a socket (repeatable)", "unix:PATH|tcp:HOST:PORT" },
        { "qmp-fd", 0, 0, G_OPTION_ARG_CALLBACK, add_qmp_fd,
          "QMP monitor on an inherited listening socket", "FD" },
        { "qtest", 0, 0, G_OPTION_ARG_CALLBACK, set_qtest,
          "qtest device I/O front end", "unix:PATH" },
        { "domid", 0, 0, G_OPTION_ARG_CALLBACK, set_number,
          "Xen domain id of the guest (default 0)", "N" },
        { "drive", 0, 0, G_OPTION_ARG_CALLBACK, add_drive,
          "a raw disk image for IDE drive INDEX (repeatable; \",,\" in "
          "PATH is a comma)",
          "file=PATH,index=0..3,format=raw[,readonly=on|off]"
          "[,cache=writeback|writethrough]" },
        { "machine", 0, 0, G_OPTION_ARG_CALLBACK, set_machine,
          "machine type: xenfv (default) or pc", "TYPE" },
        { "vram-mb", 0, 0, G_OPTION_ARG_CALLBACK, set_vram_mb,
          "video memory of the Cirrus VGA in MiB: 4 (default), 8 or 16", "N" },
        { "vram-path", 0, 0, G_OPTION_ARG_CALLBACK, set_vram_path,
          "keep the video memory in FILE (shared mapping; created with the "
          "right size if missing, never resized)",
          "FILE" },
        { "paused", 'S', 0, G_OPTION_ARG_NONE, &paused,
          "start in the prelaunch state", NULL },
        { "incoming", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
          set_incoming,
          "start in the inmigrate state; with fd:N or file:PATH, load that "
          "device state at start-up",
          "defer|fd:N|file:PATH" },
        { "xenstore", 0, 0, G_OPTION_ARG_CALLBACK, set_xenstore,
          "xenstore backend: auto (default: xs when a xenstored answers), "
          "xs or embedded",
          "BACKEND" },
        { "memory", 0, 0, G_OPTION_ARG_CALLBACK, set_number,
          "guest RAM in MiB (default 128): VRAM's RAM offset sits above it",
          "MB" },
        { "vcpus", 0, 0, G_OPTION_ARG_CALLBACK, set_number,
          "number of vCPUs (default 1)", "N" },
        { "name", 0, 0, G_OPTION_ARG_STRING, &name,
          "the guest's name, as query-name reports it", "NAME" },
        { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &pidfile,
          "write the process id to PATH", "PATH" },
        { "daemonize", 0, 0, G_OPTION_ARG_NONE, &daemonize,
          "run in the background once every socket listens", NULL },
        { "busy-poll-us", 0, 0, G_OPTION_ARG_CALLBACK, set_number,
          "after QMP input, poll without sleeping for US microseconds "
          "(default 50, 0 = never)",
          "US" },
        { "log-level", 0, 0, G_OPTION_ARG_CALLBACK, set_log_level,
          "error, warning, message (default), info or debug", "LEVEL" },
        { "version", 0, 0, G_OPTION_ARG_NONE, &version,
          "print the version and exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };

    memset(opts, 0, sizeof(*opts));
    opts->qmp =
        g_ptr_array_new_with_free_func((GDestroyNotify)listen_address_free);
    opts->machine = MACHINE_TYPE_XENFV;
    opts->vcpus = 1;
    opts->log_level = G_LOG_LEVEL_MESSAGE;
    opts->busy_poll_us = OPTIONS_DEFAULT_BUSY_POLL_US;
    opts->vram_mb = VRAM_DEFAULT_MB;
    opts->memory_mb = OPTIONS_DEFAULT_MEMORY_MB;
    opts->xenstore = XENSTORE_BACKEND_AUTO;

    g_autoptr(GOptionContext) context =
        g_option_context_new("- Xen HVM device model");
    GOptionGroup *group = g_option_group_new("devmodeld", "devmodeld options",
                                             "devmodeld options", opts, NULL);
    g_option_group_add_entries(group, entries);
    g_option_context_set_main_group(context, group);
    g_option_context_set_summary(
        context, "A Xen HVM device-model daemon that serves QEMU's QMP.");
    g_option_context_set_description(
        context, "QEMU's spellings of these options, as libxl writes them "
                 "(-xen-domid, -chardev + -mon,\n-machine, -m, -device "
                 "cirrus-vga, -drive, -smp, -incoming, ...), are accepted "
                 "too:\nsee devmodeld(8) and docs/xen.md.\n");

    /*
     * QEMU's spellings (libxl's command line) become ours first.  GOption
     * rearranges the array; it parses a copy, the caller's stays.
     */
    g_autoptr(GPtrArray) translated =
        options_qemu_translate(argc > 0 ? argc - 1 : 0, argv + 1, error);
    if (translated == NULL) {
        return false;
    }
    g_auto(GStrv) args = g_new0(char *, (gsize)translated->len + 2);
    args[0] = g_strdup(argc > 0 ? argv[0] : "devmodeld");
    for (guint i = 0; i < translated->len; i++) {
        args[i + 1] = g_strdup(g_ptr_array_index(translated, i));
    }
    bool ok = g_option_context_parse_strv(context, &args, error);
    if (ok && args[0] != NULL && args[1] != NULL) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    "unexpected argument '%s'", args[1]);
        ok = false;
    }
    opts->paused = paused;
    opts->daemonize = daemonize;
    opts->name = name;
    opts->show_version = version;
    if (pidfile != NULL) {
        opts->pidfile = g_canonicalize_filename(pidfile, NULL);
        g_free(pidfile);
    }
    if (ok && !opts->show_version && opts->qmp->len == 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    "at least one --qmp or --qmp-fd is needed");
        ok = false;
    }
    return ok;
}

void daemon_options_clear(DaemonOptions *opts)
{
    if (opts->qmp != NULL) {
        g_ptr_array_unref(opts->qmp);
    }
    listen_address_free(opts->qtest);
    g_free(opts->pidfile);
    g_free(opts->name);
    g_free(opts->vram_path);
    g_free(opts->incoming_uri);
    for (size_t i = 0; i < BLOCK_MAX_DRIVES; i++) {
        block_options_clear(&opts->drives[i]);
    }
    memset(opts, 0, sizeof(*opts));
}
