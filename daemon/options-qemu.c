/*
 * QEMU-style options, as libxl 4.17's libxl__build_device_model_args_new
 * writes them (research/xen-toolstack.md §1.1), rewritten into our long
 * options.  Only what devmodeld really has is accepted; anything else is
 * refused with one line naming it, so a toolstack never believes a
 * feature is there when it is not.  Values are checked again by GOption.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "daemon/options-qemu.h"

/* Our long options that take their value as the next argument. */
static const char *const own_options_with_value[] = {
    "--qmp",     "--qmp-fd",  "--qtest",        "--domid",     "--drive",
    "--machine", "--vram-mb", "--vram-path",    "--xenstore",  "--memory",
    "--vcpus",   "--pidfile", "--busy-poll-us", "--log-level", NULL,
};

/* One option's key=value list, QemuOpts-style: ",," is a literal comma. */
typedef struct QemuOptList {
    GPtrArray *keys;
    GPtrArray *values;
    GArray *used; /* bool per item */
} QemuOptList;

typedef struct QemuChardev {
    char *id;
    char *text; /* the -chardev argument, for messages */
    char *path; /* unix socket path, or NULL */
    char *fd;   /* an inherited listening fd (dm_restrict), or NULL */
    bool used;
} QemuChardev;

typedef struct Translation {
    GPtrArray *out;      /* char *, the rewritten vector */
    GPtrArray *chardevs; /* QemuChardev * */
    GPtrArray *monitors; /* char * chardev ids, in -mon order */
    bool have_vga;
} Translation;

static void qemu_chardev_free(gpointer data)
{
    QemuChardev *c = data;

    g_free(c->id);
    g_free(c->text);
    g_free(c->path);
    g_free(c->fd);
    g_free(c);
}

static void opt_list_clear(QemuOptList *list)
{
    g_clear_pointer(&list->keys, g_ptr_array_unref);
    g_clear_pointer(&list->values, g_ptr_array_unref);
    g_clear_pointer(&list->used, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QemuOptList, opt_list_clear)

/*
 * Splits "first,key=value,flag,..." as QEMU's opts parser does: an item
 * without '=' is the implied key's value when it comes first, otherwise
 * a boolean ("server" is server=on, "nowait" is wait=off).
 */
static void opt_list_parse(QemuOptList *list, const char *text,
                           const char *implied)
{
    const char *p = text;
    bool first = true;

    list->keys = g_ptr_array_new_with_free_func(g_free);
    list->values = g_ptr_array_new_with_free_func(g_free);
    list->used = g_array_new(FALSE, TRUE, sizeof(bool));
    while (*p != '\0') {
        GString *item = g_string_new(NULL);
        while (*p != '\0') {
            if (p[0] == ',' && p[1] == ',') {
                g_string_append_c(item, ',');
                p += 2;
            } else if (p[0] == ',') {
                p++;
                break;
            } else {
                g_string_append_c(item, *p++);
            }
        }
        char *eq = strchr(item->str, '=');
        bool used = false;
        if (eq != NULL) {
            g_ptr_array_add(list->keys, g_strndup(item->str, eq - item->str));
            g_ptr_array_add(list->values, g_strdup(eq + 1));
        } else if (first && implied != NULL) {
            g_ptr_array_add(list->keys, g_strdup(implied));
            g_ptr_array_add(list->values, g_strdup(item->str));
        } else if (g_str_has_prefix(item->str, "no")) {
            g_ptr_array_add(list->keys, g_strdup(item->str + 2));
            g_ptr_array_add(list->values, g_strdup("off"));
        } else {
            g_ptr_array_add(list->keys, g_strdup(item->str));
            g_ptr_array_add(list->values, g_strdup("on"));
        }
        g_array_append_val(list->used, used);
        g_string_free(item, TRUE);
        first = false;
    }
}

/* The last value given for key (QEMU: the last one wins), or NULL. */
static const char *opt_get(QemuOptList *list, const char *key)
{
    const char *value = NULL;

    for (guint i = 0; i < list->keys->len; i++) {
        if (strcmp(g_ptr_array_index(list->keys, i), key) == 0) {
            value = g_ptr_array_index(list->values, i);
            g_array_index(list->used, bool, i) = true;
        }
    }
    return value;
}

/* Refuses the first key nobody asked for. */
static bool opt_check_all_used(QemuOptList *list, const char *option,
                               const char *text, GError **error)
{
    for (guint i = 0; i < list->keys->len; i++) {
        if (!g_array_index(list->used, bool, i)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "%s %s: '%s' is not supported", option, text,
                        (const char *)g_ptr_array_index(list->keys, i));
            return false;
        }
    }
    return true;
}

static bool is_decimal(const char *text)
{
    if (text == NULL || *text == '\0') {
        return false;
    }
    for (const char *c = text; *c != '\0'; c++) {
        if (!g_ascii_isdigit(*c)) {
            return false;
        }
    }
    return true;
}

static void emit(Translation *t, const char *option, const char *value)
{
    g_ptr_array_add(t->out, value != NULL
                                ? g_strdup_printf("%s=%s", option, value)
                                : g_strdup(option));
}

static bool refuse(const char *option, const char *text, const char *reason,
                   GError **error)
{
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s%s%s: %s",
                option, text ? " " : "", text ? text : "", reason);
    return false;
}

/* A number the value check can pass to our option as it is. */
static bool pass_number(Translation *t, const char *option, const char *text,
                        const char *value, const char *ours, GError **error)
{
    if (!is_decimal(value)) {
        return refuse(option, text, "not a decimal number", error);
    }
    emit(t, ours, value);
    return true;
}

/* ------------------------------------------------------- the options */

typedef bool (*QemuOptionFunc)(Translation *t, const char *option,
                               const char *text, GError **error);

static bool q_xen_domid(Translation *t, const char *option, const char *text,
                        GError **error)
{
    return pass_number(t, option, text, text, "--domid", error);
}

static bool q_chardev(Translation *t, const char *option, const char *text,
                      GError **error)
{
    g_auto(QemuOptList) list = { 0 };
    bool ok = false;

    opt_list_parse(&list, text, "backend");
    const char *backend = opt_get(&list, "backend");
    const char *id = opt_get(&list, "id");
    const char *path = opt_get(&list, "path");
    const char *fd = opt_get(&list, "fd");
    const char *server = opt_get(&list, "server");
    const char *wait = opt_get(&list, "wait");

    if (g_strcmp0(backend, "socket") != 0) {
        refuse(option, text,
               "only socket chardevs (QMP monitors) are supported", error);
    } else if (id == NULL || *id == '\0') {
        refuse(option, text, "id= is required", error);
    } else if ((path == NULL) == (fd == NULL) || (path && *path == '\0')) {
        refuse(option, text, "exactly one of path= and fd= is required", error);
    } else if (fd != NULL && !is_decimal(fd)) {
        refuse(option, text, "fd= is not a decimal number", error);
    } else if (g_strcmp0(server, "on") != 0 || g_strcmp0(wait, "off") != 0) {
        refuse(option, text, "only server=on,wait=off sockets are supported",
               error);
    } else if (opt_check_all_used(&list, option, text, error)) {
        for (guint i = 0; i < t->chardevs->len; i++) {
            QemuChardev *c = g_ptr_array_index(t->chardevs, i);
            if (strcmp(c->id, id) == 0) {
                return refuse(option, text, "duplicate chardev id", error);
            }
        }
        QemuChardev *c = g_new0(QemuChardev, 1);
        c->id = g_strdup(id);
        c->text = g_strdup(text);
        c->path = g_strdup(path);
        c->fd = g_strdup(fd);
        g_ptr_array_add(t->chardevs, c);
        ok = true;
    }
    return ok;
}

static bool q_mon(Translation *t, const char *option, const char *text,
                  GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "chardev");
    const char *chardev = opt_get(&list, "chardev");
    const char *mode = opt_get(&list, "mode");
    const char *pretty = opt_get(&list, "pretty");

    if (chardev == NULL) {
        return refuse(option, text, "chardev= is required", error);
    }
    if (g_strcmp0(mode, "control") != 0) {
        return refuse(option, text,
                      "only mode=control is supported (devmodeld speaks QMP, "
                      "not the human monitor)",
                      error);
    }
    if (pretty != NULL && strcmp(pretty, "off") != 0) {
        return refuse(option, text, "pretty=on is not supported", error);
    }
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    g_ptr_array_add(t->monitors, g_strdup(chardev));
    return true;
}

static bool q_incoming(Translation *t, const char *option, const char *text,
                       GError **error)
{
    if (strcmp(text, "defer") != 0 && !g_str_has_prefix(text, "fd:") &&
        !g_str_has_prefix(text, "file:")) {
        return refuse(option, text,
                      "only defer, fd:N and file:PATH are supported", error);
    }
    emit(t, "--incoming", text);
    return true;
}

static bool q_machine(Translation *t, const char *option, const char *text,
                      GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "type");
    const char *type = opt_get(&list, "type");
    const char *accel = opt_get(&list, "accel");
    const char *vmdesc = opt_get(&list, "suppress-vmdesc");

    if (g_strcmp0(type, "xenfv") != 0 && g_strcmp0(type, "pc") != 0) {
        return refuse(option, text, "only machine types xenfv and pc exist",
                      error);
    }
    if (accel != NULL && strcmp(accel, "xen") != 0) {
        return refuse(option, text, "only accel=xen is supported", error);
    }
    /* The Xen state file never carries a JSON description anyway. */
    if (vmdesc != NULL && strcmp(vmdesc, "on") != 0 &&
        strcmp(vmdesc, "off") != 0) {
        return refuse(option, text, "suppress-vmdesc is not on or off", error);
    }
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    emit(t, "--machine", type);
    return true;
}

/* -m N, -m NM, -m NG or -m size=...: QEMU's unit is MiB. */
static bool q_memory(Translation *t, const char *option, const char *text,
                     GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "size");
    const char *size = opt_get(&list, "size");
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    g_autofree char *digits = g_strdup(size != NULL ? size : "");
    size_t len = strlen(digits);
    bool gib = len > 0 && (digits[len - 1] == 'G' || digits[len - 1] == 'g');
    if (len > 0 && (gib || digits[len - 1] == 'M' || digits[len - 1] == 'm')) {
        digits[len - 1] = '\0';
    }
    if (!is_decimal(digits) || strlen(digits) > 9) {
        return refuse(option, text, "not a size in MiB (N, NM or NG)", error);
    }
    g_autofree char *mb =
        g_strdup_printf("%" G_GUINT64_FORMAT,
                        g_ascii_strtoull(digits, NULL, 10) * (gib ? 1024 : 1));
    emit(t, "--memory", mb);
    return true;
}

static bool q_device(Translation *t, const char *option, const char *text,
                     GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "driver");
    const char *driver = opt_get(&list, "driver");
    const char *vgamem = opt_get(&list, "vgamem_mb");

    if (g_strcmp0(driver, "cirrus-vga") != 0) {
        return refuse(option, text,
                      "only cirrus-vga is supported (the board's other "
                      "devices are built in)",
                      error);
    }
    if (t->have_vga) {
        return refuse(option, text, "only one cirrus-vga is supported", error);
    }
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    t->have_vga = true;
    if (vgamem != NULL) {
        return pass_number(t, option, text, vgamem, "--vram-mb", error);
    }
    return true;
}

/* Re-escapes a value for our --drive list. */
static void append_drive_item(GString *out, const char *key, const char *value)
{
    if (value == NULL) {
        return;
    }
    g_string_append_printf(out, "%s%s=", out->len ? "," : "", key);
    for (const char *c = value; *c != '\0'; c++) {
        if (*c == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, *c);
    }
}

static bool q_drive(Translation *t, const char *option, const char *text,
                    GError **error)
{
    g_auto(QemuOptList) list = { 0 };
    g_autoptr(GString) drive = g_string_new(NULL);

    opt_list_parse(&list, text, NULL);
    const char *iface = opt_get(&list, "if");
    const char *media = opt_get(&list, "media");
    static const char *const keys[] = { "file",  "index",    "format",
                                        "cache", "readonly", NULL };

    if (iface != NULL && strcmp(iface, "ide") != 0) {
        return refuse(option, text, "only if=ide is supported", error);
    }
    if (media != NULL && strcmp(media, "disk") != 0) {
        return refuse(option, text, "only media=disk is supported", error);
    }
    for (size_t i = 0; keys[i] != NULL; i++) {
        append_drive_item(drive, keys[i], opt_get(&list, keys[i]));
    }
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    emit(t, "--drive", drive->str);
    return true;
}

/* -smp N[,maxcpus=M]: vCPUs beyond N are libxl's to hot-add; we have none. */
static bool q_smp(Translation *t, const char *option, const char *text,
                  GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "cpus");
    const char *cpus = opt_get(&list, "cpus");
    const char *maxcpus = opt_get(&list, "maxcpus");

    if (maxcpus != NULL && !is_decimal(maxcpus)) {
        return refuse(option, text, "maxcpus is not a decimal number", error);
    }
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    return pass_number(t, option, text, cpus, "--vcpus", error);
}

/* -name NAME or guest=NAME[,process=P][,debug-threads=on|off]. */
static bool q_name(Translation *t, const char *option, const char *text,
                   GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "guest");
    const char *name = opt_get(&list, "guest");
    /* The process name and thread names are QEMU's own business. */
    opt_get(&list, "process");
    opt_get(&list, "debug-threads");
    if (!opt_check_all_used(&list, option, text, error)) {
        return false;
    }
    if (name != NULL) {
        emit(t, "--name", name);
    }
    return true;
}

static bool q_none_only(Translation *t, const char *option, const char *text,
                        GError **error)
{
    if (strcmp(text, "none") == 0) {
        return true;
    }
    if (strcmp(option, "-vnc") == 0) {
        return refuse(option, text, "VNC is not supported", error);
    }
    if (strcmp(option, "-net") == 0) {
        return refuse(option, text, "network devices are not supported", error);
    }
    return refuse(option, text, "only 'none' is supported (no display)", error);
}

/* The firmware (hvmloader) decides the boot order on Xen. */
static bool q_boot(Translation *t, const char *option, const char *text,
                   GError **error)
{
    g_auto(QemuOptList) list = { 0 };

    opt_list_parse(&list, text, "order");
    opt_get(&list, "order");
    return opt_check_all_used(&list, option, text, error);
}

static bool q_pidfile(Translation *t, const char *option, const char *text,
                      GError **error)
{
    emit(t, "--pidfile", text);
    return true;
}

static bool q_flag(Translation *t, const char *option, const char *text,
                   GError **error)
{
    if (strcmp(option, "-daemonize") == 0) {
        emit(t, "--daemonize", NULL);
    }
    /* -nodefaults, -no-user-config, -no-shutdown: nothing to do. */
    return true;
}

static const struct {
    const char *name;
    bool has_arg;
    QemuOptionFunc func;
} qemu_options[] = {
    { "-xen-domid", true, q_xen_domid },
    { "-chardev", true, q_chardev },
    { "-mon", true, q_mon },
    { "-incoming", true, q_incoming },
    { "-machine", true, q_machine },
    { "-M", true, q_machine },
    { "-m", true, q_memory },
    { "-device", true, q_device },
    { "-drive", true, q_drive },
    { "-smp", true, q_smp },
    { "-name", true, q_name },
    { "-display", true, q_none_only },
    { "-vnc", true, q_none_only },
    { "-net", true, q_none_only },
    { "-boot", true, q_boot },
    { "-pidfile", true, q_pidfile },
    { "-daemonize", false, q_flag },
    { "-nodefaults", false, q_flag },
    { "-no-user-config", false, q_flag },
    { "-no-shutdown", false, q_flag },
};

/* Each -mon becomes a --qmp (path=) or --qmp-fd (fd=), in -mon order. */
static bool resolve_monitors(Translation *t, GError **error)
{
    for (guint m = 0; m < t->monitors->len; m++) {
        const char *id = g_ptr_array_index(t->monitors, m);
        QemuChardev *found = NULL;
        for (guint i = 0; i < t->chardevs->len && found == NULL; i++) {
            QemuChardev *c = g_ptr_array_index(t->chardevs, i);
            if (strcmp(c->id, id) == 0) {
                found = c;
            }
        }
        if (found == NULL || found->used) {
            g_autofree char *text = g_strdup_printf("chardev=%s", id);
            return refuse("-mon", text,
                          found ? "the chardev already has a monitor"
                                : "no -chardev has that id",
                          error);
        }
        found->used = true;
        if (found->path != NULL) {
            g_autofree char *addr = g_strdup_printf("unix:%s", found->path);
            emit(t, "--qmp", addr);
        } else {
            emit(t, "--qmp-fd", found->fd);
        }
    }
    for (guint i = 0; i < t->chardevs->len; i++) {
        QemuChardev *c = g_ptr_array_index(t->chardevs, i);
        if (!c->used) {
            return refuse("-chardev", c->text,
                          "no -mon uses it (a chardev can only be a QMP "
                          "monitor)",
                          error);
        }
    }
    return true;
}

static bool is_own_option_with_value(const char *arg)
{
    for (size_t i = 0; own_options_with_value[i] != NULL; i++) {
        if (strcmp(arg, own_options_with_value[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool translate_one(Translation *t, int argc, char **argv, int *i,
                          GError **error)
{
    const char *arg = argv[*i];

    for (size_t k = 0; k < G_N_ELEMENTS(qemu_options); k++) {
        if (strcmp(arg, qemu_options[k].name) != 0) {
            continue;
        }
        const char *value = NULL;
        if (qemu_options[k].has_arg) {
            if (*i + 1 >= argc) {
                return refuse(arg, NULL, "needs an argument", error);
            }
            value = argv[++*i];
        }
        return qemu_options[k].func(t, arg, value, error);
    }
    /* Name its value too when it visibly has one ("-serial pty"). */
    const char *next = *i + 1 < argc ? argv[*i + 1] : NULL;
    return refuse(arg, next != NULL && next[0] != '-' ? next : NULL,
                  "not supported by devmodeld", error);
}

GPtrArray *options_qemu_translate(int argc, char **argv, GError **error)
{
    Translation t = {
        .out = g_ptr_array_new_with_free_func(g_free),
        .chardevs = g_ptr_array_new_with_free_func(qemu_chardev_free),
        .monitors = g_ptr_array_new_with_free_func(g_free),
    };
    bool ok = true;

    for (int i = 0; i < argc && ok; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            for (; i < argc; i++) {
                g_ptr_array_add(t.out, g_strdup(argv[i]));
            }
            break;
        }
        /* Ours (--long, -S, -h, -?) and positional arguments pass. */
        if (arg[0] != '-' || arg[1] == '-' || strcmp(arg, "-S") == 0 ||
            strcmp(arg, "-h") == 0 || strcmp(arg, "-?") == 0 ||
            arg[1] == '\0') {
            g_ptr_array_add(t.out, g_strdup(arg));
            if (is_own_option_with_value(arg) && i + 1 < argc) {
                g_ptr_array_add(t.out, g_strdup(argv[++i]));
            }
            continue;
        }
        ok = translate_one(&t, argc, argv, &i, error);
    }
    ok = ok && resolve_monitors(&t, error);
    g_ptr_array_unref(t.chardevs);
    g_ptr_array_unref(t.monitors);
    if (!ok) {
        g_ptr_array_unref(t.out);
        return NULL;
    }
    return t.out;
}
