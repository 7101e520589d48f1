/*
 * File-descriptor passing: add-fd, remove-fd and query-fdsets manage the
 * machine's fd sets ("/dev/fdset/N" file names); getfd and closefd the
 * monitor's named fds.  Texts are QEMU 7.2's.
 */
#include "config.h"

#include <unistd.h>

#include <glib.h>

#include "qmp/commands.h"

static bool qmp_take_fd(QmpCall *call, int *ret_fd, GError **error)
{
    *ret_fd = qmp_session_take_fd(call->session);
    if (*ret_fd < 0) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "No file descriptor supplied via SCM_RIGHTS");
        return false;
    }
    return true;
}

static const QmpMember add_fd_args[] = {
    { "fdset-id", &qmp_type_int, true },
    { "opaque", &qmp_type_str, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_add_fd(QmpCall *call, GError **error)
{
    FdSets *sets = call->session->machine->fdsets;
    gint64 fdset_id = -1;
    int fd;

    /* QEMU takes the fd first, so a rejected call still uses it up. */
    if (!qmp_take_fd(call, &fd, error)) {
        return NULL;
    }
    if (json_object_has_member(call->args, "fdset-id")) {
        fdset_id = json_object_get_int_member(call->args, "fdset-id");
        if (fdset_id < 0) {
            close(fd);
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter 'fdset-id' expects a non-negative value");
            return NULL;
        }
    }
    const char *opaque =
        json_object_has_member(call->args, "opaque")
            ? json_object_get_string_member(call->args, "opaque")
            : NULL;
    if (!fdsets_add(sets, fdset_id, fd, opaque, call->session, &fdset_id,
                    error)) {
        close(fd);
        return NULL;
    }

    JsonObject *info = json_object_new();
    json_object_set_int_member(info, "fdset-id", fdset_id);
    json_object_set_int_member(info, "fd", fd);
    return qmp_node_object(info);
}

static const QmpMember remove_fd_args[] = {
    { "fdset-id", &qmp_type_int, false },
    { "fd", &qmp_type_int, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_remove_fd(QmpCall *call, GError **error)
{
    bool has_fd = json_object_has_member(call->args, "fd");

    fdsets_remove(call->session->machine->fdsets,
                  json_object_get_int_member(call->args, "fdset-id"), has_fd,
                  has_fd ? json_object_get_int_member(call->args, "fd") : -1,
                  error);
    return NULL;
}

static JsonNode *qmp_query_fdsets(QmpCall *call, GError **error)
{
    GPtrArray *sets = fdsets_list(call->session->machine->fdsets);
    JsonArray *list = json_array_new();

    /* Highest id first, as QEMU lists them. */
    for (guint i = sets->len; i-- > 0;) {
        FdSet *set = g_ptr_array_index(sets, i);
        JsonArray *fds = json_array_new();
        for (guint j = 0; j < set->entries->len; j++) {
            FdSetEntry *entry = g_ptr_array_index(set->entries, j);
            JsonObject *fd = json_object_new();
            json_object_set_int_member(fd, "fd", entry->fd);
            if (entry->opaque != NULL) {
                json_object_set_string_member(fd, "opaque", entry->opaque);
            }
            json_array_add_object_element(fds, fd);
        }
        JsonObject *info = json_object_new();
        json_object_set_int_member(info, "fdset-id", set->id);
        json_object_set_array_member(info, "fds", fds);
        json_array_add_object_element(list, info);
    }
    return qmp_node_array(list);
}

static const QmpMember fdname_args[] = {
    { "fdname", &qmp_type_str, false },
    { NULL, NULL, false },
};

static JsonNode *qmp_getfd(QmpCall *call, GError **error)
{
    const char *name = json_object_get_string_member(call->args, "fdname");
    int fd;

    /* QEMU takes the fd before it looks at the name. */
    if (!qmp_take_fd(call, &fd, error)) {
        return NULL;
    }
    if (g_ascii_isdigit(name[0])) {
        close(fd);
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'fdname' expects a name not starting with a "
                    "digit");
        return NULL;
    }
    g_hash_table_replace(call->session->named_fds, g_strdup(name),
                         GINT_TO_POINTER(fd));
    return NULL;
}

static JsonNode *qmp_closefd(QmpCall *call, GError **error)
{
    const char *name = json_object_get_string_member(call->args, "fdname");

    if (!g_hash_table_remove(call->session->named_fds, name)) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "File descriptor named '%s' not found", name);
    }
    return NULL;
}

const QmpCommand qmp_fd_commands[] = {
    { "add-fd", qmp_add_fd, add_fd_args },
    { "remove-fd", qmp_remove_fd, remove_fd_args },
    { "query-fdsets", qmp_query_fdsets, NULL },
    { "getfd", qmp_getfd, fdname_args },
    { "closefd", qmp_closefd, fdname_args },
};
const size_t qmp_fd_command_count = G_N_ELEMENTS(qmp_fd_commands);
