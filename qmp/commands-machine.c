/*
 * Machine-level QMP commands: negotiation, version and introspection,
 * run state, reset and quit, vCPUs, chardevs, VNC.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "qmp/commands.h"
#include "qmp/server.h"

static const char *const qmp_capability_names[] = { "oob", NULL };
static const QmpType qmp_type_capability = {
    .kind = QMP_TYPE_ENUM,
    .enum_values = qmp_capability_names,
};
static const QmpType qmp_type_capability_list = {
    .kind = QMP_TYPE_ARRAY,
    .element = &qmp_type_capability,
};
static const QmpMember qmp_capabilities_args[] = {
    { "enable", &qmp_type_capability_list, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_capabilities(QmpCall *call, GError **error)
{
    JsonNode *enable = json_object_get_member(call->args, "enable");

    if (call->session->command_mode) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command "
                    "ignored");
        return NULL;
    }
    /* We offer no capability, so any requested one is unavailable. */
    if (enable != NULL && json_array_get_length(json_node_get_array(enable))) {
        JsonArray *caps = json_node_get_array(enable);
        g_autoptr(GString) names = g_string_new(NULL);
        for (guint i = 0; i < json_array_get_length(caps); i++) {
            g_string_append_printf(names, "%s%s", i ? ", " : "",
                                   json_array_get_string_element(caps, i));
        }
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Capability %s not available", names->str);
        return NULL;
    }
    call->session->command_mode = true;
    return NULL;
}

static JsonNode *qmp_query_version(QmpCall *call, GError **error)
{
    return qmp_node_object(qmp_version_info());
}

static JsonNode *qmp_query_commands(QmpCall *call, GError **error)
{
    size_t count;
    const QmpCommand *const *commands = qmp_command_list(&count);
    JsonArray *list = json_array_new();

    for (size_t i = 0; i < count; i++) {
        JsonObject *entry = json_object_new();
        json_object_set_string_member(entry, "name", commands[i]->name);
        json_array_add_object_element(list, entry);
    }
    return qmp_node_array(list);
}

static JsonNode *qmp_query_name(QmpCall *call, GError **error)
{
    JsonObject *info = json_object_new();

    /* Without --name QEMU answers an empty object too. */
    if (call->session->machine->name != NULL) {
        json_object_set_string_member(info, "name",
                                      call->session->machine->name);
    }
    return qmp_node_object(info);
}

static JsonNode *qmp_query_status(QmpCall *call, GError **error)
{
    const Machine *machine = call->session->machine;
    JsonObject *status = json_object_new();

    json_object_set_string_member(status, "status",
                                  runstate_name(machine->runstate));
    json_object_set_boolean_member(status, "singlestep", FALSE);
    json_object_set_boolean_member(status, "running",
                                   machine_is_running(machine));
    return qmp_node_object(status);
}

static JsonNode *qmp_stop(QmpCall *call, GError **error)
{
    machine_stop(call->session->machine);
    return NULL;
}

static JsonNode *qmp_cont(QmpCall *call, GError **error)
{
    machine_cont(call->session->machine, error);
    return NULL;
}

static JsonNode *qmp_system_reset(QmpCall *call, GError **error)
{
    machine_reset(call->session->machine, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return NULL;
}

static JsonNode *qmp_quit(QmpCall *call, GError **error)
{
    machine_quit(call->session->machine, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return NULL;
}

static JsonNode *qmp_query_chardev(QmpCall *call, GError **error)
{
    GPtrArray *chardevs = call->session->machine->chardevs;
    JsonArray *list = json_array_new();

    /* Newest first, as QEMU lists them. */
    for (guint i = chardevs->len; i-- > 0;) {
        MachineChardev *chardev = g_ptr_array_index(chardevs, i);
        JsonObject *entry = json_object_new();
        g_autofree char *filename =
            listener_chardev_filename(chardev->listener);
        json_object_set_string_member(entry, "label", chardev->label);
        json_object_set_string_member(entry, "filename", filename);
        json_object_set_boolean_member(entry, "frontend-open", TRUE);
        json_array_add_object_element(list, entry);
    }
    return qmp_node_array(list);
}

/*
 * CPU topology as QEMU reports it: 7.2's pc puts vCPUs on cores of one
 * socket; xenfv (pc-i440fx-3.1, before 6.2) on sockets.  vCPUs run in the
 * hypervisor, not in our threads, so thread-id is our main thread.
 */
static JsonObject *qmp_cpu_props(const Machine *machine, unsigned index)
{
    JsonObject *props = json_object_new();
    bool on_sockets = machine->type == MACHINE_TYPE_XENFV;

    json_object_set_int_member(props, "socket-id", on_sockets ? index : 0);
    json_object_set_int_member(props, "core-id", on_sockets ? 0 : index);
    json_object_set_int_member(props, "thread-id", 0);
    return props;
}

static JsonNode *qmp_query_cpus_fast(QmpCall *call, GError **error)
{
    const Machine *machine = call->session->machine;
    JsonArray *list = json_array_new();

    for (unsigned i = 0; i < machine->vcpus; i++) {
        JsonObject *cpu = json_object_new();
        g_autofree char *path = g_strdup_printf("/machine/cpu[%u]", i);
        json_object_set_int_member(cpu, "cpu-index", i);
        json_object_set_string_member(cpu, "qom-path", path);
        json_object_set_int_member(cpu, "thread-id", getpid());
        json_object_set_object_member(cpu, "props", qmp_cpu_props(machine, i));
        /* Xen's device model is qemu-system-i386. */
        json_object_set_string_member(cpu, "target", "i386");
        json_array_add_object_element(list, cpu);
    }
    return qmp_node_array(list);
}

/* The pre-6.0 shape, which libxl falls back to. */
static JsonNode *qmp_query_cpus(QmpCall *call, GError **error)
{
    const Machine *machine = call->session->machine;
    JsonArray *list = json_array_new();

    for (unsigned i = 0; i < machine->vcpus; i++) {
        JsonObject *cpu = json_object_new();
        g_autofree char *path = g_strdup_printf("/machine/cpu[%u]", i);
        json_object_set_int_member(cpu, "CPU", i);
        json_object_set_boolean_member(cpu, "current", i == 0);
        json_object_set_boolean_member(cpu, "halted", FALSE);
        json_object_set_string_member(cpu, "qom_path", path);
        json_object_set_int_member(cpu, "thread_id", getpid());
        json_object_set_object_member(cpu, "props", qmp_cpu_props(machine, i));
        /* "other" carries no register values, which we do not have. */
        json_object_set_string_member(cpu, "arch", "other");
        json_array_add_object_element(list, cpu);
    }
    return qmp_node_array(list);
}

static JsonNode *qmp_query_vnc(QmpCall *call, GError **error)
{
    JsonObject *vnc = json_object_new();

    json_object_set_boolean_member(vnc, "enabled", FALSE);
    return qmp_node_object(vnc);
}

const QmpCommand qmp_machine_commands[] = {
    { "qmp_capabilities", qmp_capabilities, qmp_capabilities_args },
    { "query-version", qmp_query_version, NULL },
    { "query-commands", qmp_query_commands, NULL },
    { "query-name", qmp_query_name, NULL },
    { "query-status", qmp_query_status, NULL },
    { "stop", qmp_stop, NULL },
    { "cont", qmp_cont, NULL },
    { "system_reset", qmp_system_reset, NULL },
    { "quit", qmp_quit, NULL },
    { "query-chardev", qmp_query_chardev, NULL },
    { "query-cpus-fast", qmp_query_cpus_fast, NULL },
    { "query-cpus", qmp_query_cpus, NULL },
    { "query-vnc", qmp_query_vnc, NULL },
};
const size_t qmp_machine_command_count = G_N_ELEMENTS(qmp_machine_commands);
