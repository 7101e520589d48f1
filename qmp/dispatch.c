/*
 * Request checking and dispatch, in QEMU's order: the envelope members,
 * then the command lookup (negotiation mode knows only qmp_capabilities),
 * then every argument before the command runs, so a rejected request has
 * no side effect.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-qmp"

#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "qmp/commands.h"
#include "qmp/dispatch.h"

G_DEFINE_QUARK(devmodeld - qmp - error - quark, qmp_error)

const QmpType qmp_type_str = { .kind = QMP_TYPE_STR };
const QmpType qmp_type_int = { .kind = QMP_TYPE_INT };
const QmpType qmp_type_bool = { .kind = QMP_TYPE_BOOL };
const QmpType qmp_type_number = { .kind = QMP_TYPE_NUMBER };
const QmpType qmp_type_any = { .kind = QMP_TYPE_ANY };

const char *qmp_error_class_name(const GError *error)
{
    if (error->domain != QMP_ERROR) {
        return "GenericError";
    }
    switch ((QmpErrorClass)error->code) {
    case QMP_ERROR_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case QMP_ERROR_DEVICE_NOT_ACTIVE:
        return "DeviceNotActive";
    case QMP_ERROR_DEVICE_NOT_FOUND:
        return "DeviceNotFound";
    case QMP_ERROR_KVM_MISSING_CAP:
        return "KVMMissingCap";
    case QMP_ERROR_GENERIC:
        break;
    }
    return "GenericError";
}

/* ------------------------------------------------------------ session */

int qmp_session_take_fd(QmpSession *session)
{
    if (g_queue_is_empty(&session->received_fds)) {
        return -1;
    }
    return GPOINTER_TO_INT(g_queue_pop_head(&session->received_fds));
}

void qmp_session_clear(QmpSession *session)
{
    int fd;

    while ((fd = qmp_session_take_fd(session)) >= 0) {
        close(fd);
    }
}

void qmp_session_set_received_fds(QmpSession *session, const int *fds,
                                  int count)
{
    qmp_session_clear(session);
    for (int i = 0; i < count; i++) {
        g_queue_push_tail(&session->received_fds, GINT_TO_POINTER(fds[i]));
    }
}

/* ------------------------------------------------------------ builders */

JsonNode *qmp_node_string(const char *value)
{
    JsonNode *node = json_node_alloc();

    json_node_init_string(node, value);
    return node;
}

JsonNode *qmp_node_int(gint64 value)
{
    JsonNode *node = json_node_alloc();

    json_node_init_int(node, value);
    return node;
}

JsonNode *qmp_node_bool(bool value)
{
    JsonNode *node = json_node_alloc();

    json_node_init_boolean(node, value);
    return node;
}

JsonNode *qmp_node_object(JsonObject *object)
{
    JsonNode *node = json_node_alloc();

    json_node_init_object(node, object);
    json_object_unref(object);
    return node;
}

JsonNode *qmp_node_array(JsonArray *array)
{
    JsonNode *node = json_node_alloc();

    json_node_init_array(node, array);
    json_array_unref(array);
    return node;
}

JsonNode *qmp_error_reply(const GError *error, JsonNode *id)
{
    JsonObject *body = json_object_new();
    JsonObject *reply = json_object_new();

    json_object_set_string_member(body, "class", qmp_error_class_name(error));
    json_object_set_string_member(body, "desc", error->message);
    json_object_set_object_member(reply, "error", body);
    if (id != NULL) {
        json_object_set_member(reply, "id", json_node_ref(id));
    }
    return qmp_node_object(reply);
}

static JsonNode *qmp_return_reply(JsonNode *value, JsonNode *id)
{
    JsonObject *reply = json_object_new();

    if (value == NULL) {
        value = qmp_node_object(json_object_new());
    }
    json_object_set_member(reply, "return", value);
    if (id != NULL) {
        json_object_set_member(reply, "id", json_node_ref(id));
    }
    return qmp_node_object(reply);
}

/* ------------------------------------------------------------ commands */

static const struct {
    const QmpCommand *table;
    const size_t *count;
} qmp_command_tables[] = {
    { qmp_machine_commands, &qmp_machine_command_count },
    { qmp_fd_commands, &qmp_fd_command_count },
    { qmp_state_commands, &qmp_state_command_count },
    { qmp_input_commands, &qmp_input_command_count },
    { qmp_hmp_commands, &qmp_hmp_command_count },
    { qmp_display_commands, &qmp_display_command_count },
    { qmp_libxl_commands, &qmp_libxl_command_count },
    { qmp_xen_commands, &qmp_xen_command_count },
    { qmp_dirty_commands, &qmp_dirty_command_count },
};

const QmpCommand *qmp_command_find(const char *name)
{
    for (size_t t = 0; t < G_N_ELEMENTS(qmp_command_tables); t++) {
        const QmpCommand *table = qmp_command_tables[t].table;
        for (size_t i = 0; i < *qmp_command_tables[t].count; i++) {
            if (strcmp(table[i].name, name) == 0) {
                return &table[i];
            }
        }
    }
    return NULL;
}

const QmpCommand *const *qmp_command_list(size_t *ret_count)
{
    /* Immutable after the first call; the daemon is single-threaded. */
    static const QmpCommand **list;
    static size_t count;

    if (list == NULL) {
        for (size_t t = 0; t < G_N_ELEMENTS(qmp_command_tables); t++) {
            count += *qmp_command_tables[t].count;
        }
        list = g_new(const QmpCommand *, count);
        size_t n = 0;
        for (size_t t = 0; t < G_N_ELEMENTS(qmp_command_tables); t++) {
            for (size_t i = 0; i < *qmp_command_tables[t].count; i++) {
                list[n++] = &qmp_command_tables[t].table[i];
            }
        }
    }
    *ret_count = count;
    return list;
}

/* ------------------------------------------------------------ arguments */

static const char *qmp_type_word(QmpTypeKind kind)
{
    switch (kind) {
    case QMP_TYPE_STR:
    case QMP_TYPE_ENUM:
        return "string";
    case QMP_TYPE_INT:
        return "integer";
    case QMP_TYPE_BOOL:
        return "boolean";
    case QMP_TYPE_NUMBER:
        return "number";
    case QMP_TYPE_ARRAY:
        return "array";
    case QMP_TYPE_OBJECT:
    case QMP_TYPE_UNION:
    case QMP_TYPE_ANY:
        break;
    }
    return "object";
}

static bool qmp_value_has_type(JsonNode *node, QmpTypeKind kind)
{
    JsonNodeType type = json_node_get_node_type(node);
    GType value_type =
        type == JSON_NODE_VALUE ? json_node_get_value_type(node) : G_TYPE_NONE;

    switch (kind) {
    case QMP_TYPE_STR:
    case QMP_TYPE_ENUM:
        return value_type == G_TYPE_STRING;
    case QMP_TYPE_INT:
        return value_type == G_TYPE_INT64;
    case QMP_TYPE_BOOL:
        return value_type == G_TYPE_BOOLEAN;
    case QMP_TYPE_NUMBER:
        return value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE;
    case QMP_TYPE_ARRAY:
        return type == JSON_NODE_ARRAY;
    case QMP_TYPE_OBJECT:
    case QMP_TYPE_UNION:
        return type == JSON_NODE_OBJECT;
    case QMP_TYPE_ANY:
        return true;
    }
    return false;
}

static bool qmp_check_object(JsonObject *object, const QmpMember *members,
                             const char *prefix, const JsonMessage *msg,
                             GError **error);
static bool qmp_check_union(JsonObject *object, const QmpType *type,
                            const char *prefix, const JsonMessage *msg,
                            GError **error);

/*
 * Checks one value.  name is the member's own name (QEMU's enum errors use
 * it, or "null" for list elements); full is the path ("a.b", "a[2]") the
 * other errors use.
 */
static bool qmp_check_value(JsonNode *node, const QmpType *type,
                            const char *name, const char *full,
                            const JsonMessage *msg, GError **error)
{
    if (!qmp_value_has_type(node, type->kind) ||
        (type->kind == QMP_TYPE_INT && json_message_is_uint64(msg, node))) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Invalid parameter type for '%s', expected: %s", full,
                    qmp_type_word(type->kind));
        return false;
    }
    switch (type->kind) {
    case QMP_TYPE_ENUM: {
        const char *value = json_node_get_string(node);
        for (size_t i = 0; type->enum_values[i] != NULL; i++) {
            if (strcmp(type->enum_values[i], value) == 0) {
                return true;
            }
        }
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter '%s' does not accept value '%s'",
                    name ? name : "null", value);
        return false;
    }
    case QMP_TYPE_ARRAY: {
        JsonArray *array = json_node_get_array(node);
        guint len = json_array_get_length(array);
        for (guint i = 0; i < len; i++) {
            g_autofree char *elem = g_strdup_printf("%s[%u]", full, i);
            if (!qmp_check_value(json_array_get_element(array, i),
                                 type->element, NULL, elem, msg, error)) {
                return false;
            }
        }
        return true;
    }
    case QMP_TYPE_OBJECT:
        return qmp_check_object(json_node_get_object(node), type->members, full,
                                msg, error);
    case QMP_TYPE_UNION:
        return qmp_check_union(json_node_get_object(node), type, full, msg,
                               error);
    case QMP_TYPE_STR:
    case QMP_TYPE_INT:
    case QMP_TYPE_BOOL:
    case QMP_TYPE_NUMBER:
    case QMP_TYPE_ANY:
        break;
    }
    return true;
}

static char *qmp_member_path(const char *prefix, const char *name)
{
    return prefix ? g_strdup_printf("%s.%s", prefix, name) : g_strdup(name);
}

static bool qmp_check_object(JsonObject *object, const QmpMember *members,
                             const char *prefix, const JsonMessage *msg,
                             GError **error)
{
    static const QmpMember no_members[] = { { NULL, NULL, false } };

    if (members == NULL) {
        members = no_members;
    }
    for (const QmpMember *m = members; m->name != NULL; m++) {
        g_autofree char *full = qmp_member_path(prefix, m->name);
        JsonNode *value = json_object_get_member(object, m->name);
        if (value == NULL) {
            if (!m->optional) {
                g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "Parameter '%s' is missing", full);
                return false;
            }
            continue;
        }
        if (!qmp_check_value(value, m->type, m->name, full, msg, error)) {
            return false;
        }
    }

    /* Then members nobody declared: QEMU reports the first it finds. */
    g_autoptr(GList) names = json_object_get_members(object);
    for (GList *l = names; l != NULL; l = l->next) {
        bool known = false;
        for (const QmpMember *m = members; m->name != NULL && !known; m++) {
            known = strcmp(m->name, l->data) == 0;
        }
        if (!known) {
            g_autofree char *full = qmp_member_path(prefix, l->data);
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter '%s' is unexpected", full);
            return false;
        }
    }
    return true;
}

/*
 * A simple union: "type" picks the case (an enum, so a bad value names the
 * member as QEMU's enum visitor does), then "data" is checked against the
 * case's type, then nothing else may be there.
 */
static bool qmp_check_union(JsonObject *object, const QmpType *type,
                            const char *prefix, const JsonMessage *msg,
                            GError **error)
{
    g_autofree char *tag_path = qmp_member_path(prefix, "type");
    JsonNode *tag = json_object_get_member(object, "type");

    if (tag == NULL) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter '%s' is missing", tag_path);
        return false;
    }
    if (!qmp_value_has_type(tag, QMP_TYPE_STR)) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Invalid parameter type for '%s', expected: string",
                    tag_path);
        return false;
    }
    const QmpUnionCase *chosen = NULL;
    for (const QmpUnionCase *c = type->cases; c->tag != NULL; c++) {
        if (strcmp(c->tag, json_node_get_string(tag)) == 0) {
            chosen = c;
            break;
        }
    }
    if (chosen == NULL) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'type' does not accept value '%s'",
                    json_node_get_string(tag));
        return false;
    }
    const QmpMember members[] = {
        { "type", &qmp_type_str, false },
        { "data", chosen->data, false },
        { NULL, NULL, false },
    };
    return qmp_check_object(object, members, prefix, msg, error);
}

/* ------------------------------------------------------------ envelope */

/*
 * QEMU checks the request's members in the iteration order of its QDict:
 * 512 buckets in ascending order, the newest member first within a
 * bucket.  The bucket comes from the tdb hash of the key.  Following the
 * same order makes a request with two faults get QEMU's error.
 */
enum { QDICT_BUCKETS = 512 };

static unsigned qdict_bucket(const char *key)
{
    uint32_t value = 0x238F13AFu * (uint32_t)strlen(key);

    for (uint32_t i = 0; key[i] != '\0'; i++) {
        value += (uint32_t)(unsigned char)key[i] << (i * 5 % 24);
    }
    return (1103515243u * value + 12345u) % QDICT_BUCKETS;
}

typedef struct EnvelopeKey {
    const char *name;
    unsigned bucket;
    unsigned position; /* in the request text */
} EnvelopeKey;

static gint envelope_key_compare(gconstpointer a, gconstpointer b)
{
    const EnvelopeKey *x = a, *y = b;

    if (x->bucket != y->bucket) {
        return x->bucket < y->bucket ? -1 : 1;
    }
    return x->position > y->position ? -1 : 1;
}

/* The request's keys in QEMU's order. */
static GArray *envelope_keys(JsonObject *request)
{
    g_autoptr(GList) names = json_object_get_members(request);
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(EnvelopeKey));
    unsigned position = 0;

    for (GList *l = names; l != NULL; l = l->next) {
        EnvelopeKey key = { l->data, qdict_bucket(l->data), position++ };
        g_array_append_val(keys, key);
    }
    g_array_sort(keys, envelope_key_compare);
    return keys;
}

static bool qmp_check_envelope(JsonObject *request, const char **ret_name,
                               JsonObject **ret_args, GError **error)
{
    g_autoptr(GArray) keys = envelope_keys(request);

    *ret_name = NULL;
    *ret_args = NULL;
    for (guint i = 0; i < keys->len; i++) {
        const char *key = g_array_index(keys, EnvelopeKey, i).name;
        JsonNode *value = json_object_get_member(request, key);
        if (strcmp(key, "execute") == 0) {
            if (!JSON_NODE_HOLDS_VALUE(value) ||
                json_node_get_value_type(value) != G_TYPE_STRING) {
                g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "QMP input member 'execute' must be a string");
                return false;
            }
            *ret_name = json_node_get_string(value);
        } else if (strcmp(key, "arguments") == 0) {
            if (!JSON_NODE_HOLDS_OBJECT(value)) {
                g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "QMP input member 'arguments' must be an object");
                return false;
            }
            *ret_args = json_node_get_object(value);
        } else if (strcmp(key, "id") != 0) {
            /* exec-oob too: we never offer the oob capability. */
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "QMP input member '%s' is unexpected", key);
            return false;
        }
    }
    if (*ret_name == NULL) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

static const QmpCommand *qmp_lookup(QmpSession *session, const char *name,
                                    GError **error)
{
    const QmpCommand *command = NULL;

    if (session->command_mode || strcmp(name, "qmp_capabilities") == 0) {
        command = qmp_command_find(name);
    }
    if (command == NULL) {
        if (!session->command_mode) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND,
                        "Expecting capabilities negotiation with "
                        "'qmp_capabilities'");
        } else {
            g_set_error(error, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND,
                        "The command %s has not been found", name);
        }
    }
    return command;
}

JsonNode *qmp_dispatch(QmpSession *session, JsonMessage *msg)
{
    g_autoptr(GError) error = NULL;
    JsonNode *id = NULL;
    const char *name;
    JsonObject *args;

    if (msg->error != NULL) {
        g_set_error_literal(&error, QMP_ERROR, QMP_ERROR_GENERIC, msg->error);
        return qmp_error_reply(error, NULL);
    }
    if (!JSON_NODE_HOLDS_OBJECT(msg->root)) {
        g_set_error(&error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "QMP input must be a JSON object");
        return qmp_error_reply(error, NULL);
    }
    JsonObject *request = json_node_get_object(msg->root);
    id = json_object_get_member(request, "id");
    if (!qmp_check_envelope(request, &name, &args, &error)) {
        return qmp_error_reply(error, id);
    }
    const QmpCommand *command = qmp_lookup(session, name, &error);
    if (command == NULL) {
        return qmp_error_reply(error, id);
    }

    g_autoptr(JsonObject) empty = json_object_new();
    if (args == NULL) {
        args = empty;
    }
    if (!qmp_check_object(args, command->args, NULL, msg, &error)) {
        return qmp_error_reply(error, id);
    }

    QmpCall call = { session, args };
    JsonNode *result = command->handler(&call, &error);
    if (error != NULL) {
        if (result != NULL) {
            json_node_unref(result);
        }
        g_debug("%s: %s", name, error->message);
        return qmp_error_reply(error, id);
    }
    return qmp_return_reply(result, id);
}
