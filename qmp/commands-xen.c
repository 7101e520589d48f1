/*
 * Our own x- commands: what the daemon's xenstore holds, whichever backend
 * it uses (the embedded one has no other window).  Paths are xenstored's:
 * absolute, or relative to /local/domain/0.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-xen"

#include <glib.h>

#include "daemon/xenstore.h"
#include "qmp/commands.h"

static const QmpMember path_args[] = {
    { "path", &qmp_type_str, false },
    { NULL, NULL, false },
};

static Xenstore *session_store(QmpCall *call, GError **error)
{
    Xenstore *xs = call->session->machine->xenstore;

    if (xs == NULL) {
        g_set_error_literal(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "The daemon has no xenstore");
    }
    return xs;
}

/* The value as a string (JSON-escaped by the writer; stops at a NUL). */
static JsonNode *qmp_x_xenstore_read(QmpCall *call, GError **error)
{
    const char *path = json_object_get_string_member(call->args, "path");
    Xenstore *xs = session_store(call, error);
    g_autofree char *value = NULL;

    if (xs == NULL) {
        return NULL;
    }
    /* The store's error names the path and the errno text: GenericError. */
    value = xenstore_read(xs, path, NULL, error);
    return value != NULL ? qmp_node_string(value) : NULL;
}

/* The children's names, in the store's order. */
static JsonNode *qmp_x_xenstore_list(QmpCall *call, GError **error)
{
    const char *path = json_object_get_string_member(call->args, "path");
    Xenstore *xs = session_store(call, error);
    g_auto(GStrv) names = NULL;
    JsonArray *array;

    if (xs == NULL) {
        return NULL;
    }
    names = xenstore_directory(xs, path, error);
    if (names == NULL) {
        return NULL;
    }
    array = json_array_new();
    for (char **n = names; *n != NULL; n++) {
        json_array_add_string_element(array, *n);
    }
    return qmp_node_array(array);
}

const QmpCommand qmp_xen_commands[] = {
    { "x-xenstore-list", qmp_x_xenstore_list, path_args },
    { "x-xenstore-read", qmp_x_xenstore_read, path_args },
};
const size_t qmp_xen_command_count = G_N_ELEMENTS(qmp_xen_commands);
