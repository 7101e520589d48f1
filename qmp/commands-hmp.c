/*
 * human-monitor-command: the few HMP commands a person (or qmp-shell -H)
 * types at a device model.  Output is text with "\r\n" line ends in
 * QEMU 7.2's formats, so that qmp-shell -H can parse "help" and "info".
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "qmp/commands.h"
#include "qmp/server.h"

typedef void (*HmpHandler)(QmpSession *session, GString *out);

typedef struct HmpCommand {
    const char *names; /* "cont|c": the name and its aliases */
    const char *params;
    const char *help;
    HmpHandler handler;
} HmpCommand;

static void hmp_info_status(QmpSession *session, GString *out)
{
    RunState state = session->machine->runstate;

    g_string_append_printf(out, "VM status: %s",
                           state == RUN_STATE_RUNNING ? "running" : "paused");
    if (state != RUN_STATE_RUNNING && state != RUN_STATE_PAUSED) {
        g_string_append_printf(out, " (%s)", runstate_name(state));
    }
    g_string_append(out, "\r\n");
}

static void hmp_info_version(QmpSession *session, GString *out)
{
    /* QEMU prints its version and package with nothing between. */
    g_string_append_printf(out, "%d.%d.%d%s\r\n", QMP_QEMU_MAJOR,
                           QMP_QEMU_MINOR, QMP_QEMU_MICRO, QMP_PACKAGE);
}

static void hmp_info_chardev(QmpSession *session, GString *out)
{
    GPtrArray *chardevs = session->machine->chardevs;

    for (guint i = chardevs->len; i-- > 0;) {
        MachineChardev *chardev = g_ptr_array_index(chardevs, i);
        g_autofree char *filename =
            listener_chardev_filename(chardev->listener);
        g_string_append_printf(out, "%s: filename=%s\r\n", chardev->label,
                               filename);
    }
}

static void hmp_info_cpus(QmpSession *session, GString *out)
{
    for (unsigned i = 0; i < session->machine->vcpus; i++) {
        g_string_append_printf(out, "%c CPU #%u: thread_id=%d\r\n",
                               i == 0 ? '*' : ' ', i, (int)getpid());
    }
}

static void hmp_info_name(QmpSession *session, GString *out)
{
    /* QEMU prints nothing when no name was given. */
    if (session->machine->name != NULL) {
        g_string_append_printf(out, "%s\r\n", session->machine->name);
    }
}

static void hmp_stop(QmpSession *session, GString *out)
{
    machine_stop(session->machine);
}

static void hmp_cont(QmpSession *session, GString *out)
{
    g_autoptr(GError) error = NULL;

    if (!machine_cont(session->machine, &error)) {
        g_string_append_printf(out, "Error: %s\r\n", error->message);
    }
}

static void hmp_system_reset(QmpSession *session, GString *out)
{
    machine_reset(session->machine, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

static void hmp_quit(QmpSession *session, GString *out)
{
    machine_quit(session->machine, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

static const HmpCommand hmp_info_table[] = {
    { "chardev", "", "show the character devices", hmp_info_chardev },
    { "cpus", "", "show infos for each CPU", hmp_info_cpus },
    { "name", "", "show the current VM name", hmp_info_name },
    { "status", "", "show the current VM status (running|paused)",
      hmp_info_status },
    { "version", "", "show the version of QEMU", hmp_info_version },
};

static const HmpCommand hmp_table[] = {
    { "cont|c", "", "resume emulation", hmp_cont },
    { "help|?", "[cmd]", "show the help", NULL },
    { "info", "[subcommand]",
      "show various information about the system "
      "state",
      NULL },
    { "quit|q", "", "quit the emulator", hmp_quit },
    { "stop|s", "", "stop emulation", hmp_stop },
    { "system_reset", "", "reset the system", hmp_system_reset },
};

/* Whether word is one of the '|'-separated names. */
static bool hmp_name_matches(const char *names, const char *word)
{
    g_auto(GStrv) alternatives = g_strsplit(names, "|", -1);

    return g_strv_contains((const char *const *)alternatives, word);
}

static const HmpCommand *hmp_find(const HmpCommand *table, size_t count,
                                  const char *word)
{
    for (size_t i = 0; i < count; i++) {
        if (hmp_name_matches(table[i].names, word)) {
            return &table[i];
        }
    }
    return NULL;
}

static void hmp_print_help(GString *out, const char *prefix,
                           const HmpCommand *table, size_t count,
                           const char *only)
{
    for (size_t i = 0; i < count; i++) {
        if (only != NULL && !hmp_name_matches(table[i].names, only)) {
            continue;
        }
        g_string_append_printf(out, "%s%s %s -- %s\r\n", prefix, table[i].names,
                               table[i].params, table[i].help);
    }
}

/* Runs cmd with no arguments expected after it. */
static void hmp_run_plain(QmpSession *session, const HmpCommand *cmd,
                          const char *typed, const char *rest, GString *out)
{
    if (*rest != '\0') {
        g_string_append_printf(out,
                               "%s: extraneous characters at the end of "
                               "line\r\nTry \"help %s\" for more "
                               "information\r\n",
                               cmd->names, typed);
        return;
    }
    cmd->handler(session, out);
}

static void hmp_run_info(QmpSession *session, const char *rest, GString *out)
{
    g_auto(GStrv) words = g_strsplit_set(rest, " \t", 2);
    const char *sub = words[0] ? words[0] : "";

    if (*sub == '\0') {
        hmp_print_help(out, "info ", hmp_info_table,
                       G_N_ELEMENTS(hmp_info_table), NULL);
        return;
    }
    const HmpCommand *cmd =
        hmp_find(hmp_info_table, G_N_ELEMENTS(hmp_info_table), sub);
    if (cmd == NULL) {
        g_string_append_printf(out, "unknown command: 'info %s'\r\n", sub);
        return;
    }
    g_autofree char *typed = g_strconcat("info ", sub, NULL);
    hmp_run_plain(session, cmd, typed,
                  words[1] != NULL ? g_strstrip(words[1]) : "", out);
}

/* "help", "help CMD", and "help info" (which lists the info commands). */
static void hmp_run_help(const char *topic, GString *out)
{
    if (*topic == '\0') {
        hmp_print_help(out, "", hmp_table, G_N_ELEMENTS(hmp_table), NULL);
    } else if (strcmp(topic, "info") == 0) {
        hmp_print_help(out, "info ", hmp_info_table,
                       G_N_ELEMENTS(hmp_info_table), NULL);
    } else if (hmp_find(hmp_table, G_N_ELEMENTS(hmp_table), topic) != NULL) {
        hmp_print_help(out, "", hmp_table, G_N_ELEMENTS(hmp_table), topic);
    } else {
        g_string_append_printf(out, "unknown command: '%s'\r\n", topic);
    }
}

char *hmp_run(QmpSession *session, const char *line, GError **error)
{
    g_autofree char *text = g_strstrip(g_strdup(line));
    g_autoptr(GString) out = g_string_new(NULL);
    char *space = strpbrk(text, " \t");
    const char *rest = "";

    if (space != NULL) {
        *space = '\0';
        rest = g_strchug(space + 1);
    }
    if (*text == '\0') {
        return g_strdup("");
    }
    const HmpCommand *cmd = hmp_find(hmp_table, G_N_ELEMENTS(hmp_table), text);
    if (cmd == NULL) {
        g_string_append_printf(out, "unknown command: '%s'\r\n", text);
    } else if (strcmp(cmd->names, "info") == 0) {
        hmp_run_info(session, rest, out);
    } else if (cmd->handler == NULL) {
        hmp_run_help(rest, out);
    } else {
        hmp_run_plain(session, cmd, text, rest, out);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static const QmpMember human_monitor_command_args[] = {
    { "command-line", &qmp_type_str, false },
    { "cpu-index", &qmp_type_int, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_human_monitor_command(QmpCall *call, GError **error)
{
    const char *line =
        json_object_get_string_member(call->args, "command-line");

    if (json_object_has_member(call->args, "cpu-index")) {
        gint64 cpu = json_object_get_int_member(call->args, "cpu-index");
        if (cpu < 0 || cpu >= call->session->machine->vcpus) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter 'cpu-index' expects a CPU number");
            return NULL;
        }
    }
    g_autofree char *output = hmp_run(call->session, line, error);
    return output != NULL ? qmp_node_string(output) : NULL;
}

const QmpCommand qmp_hmp_commands[] = {
    { "human-monitor-command", qmp_human_monitor_command,
      human_monitor_command_args },
};
const size_t qmp_hmp_command_count = G_N_ELEMENTS(qmp_hmp_commands);
