/*
 * QMP dispatch: checks a request's envelope and arguments the way QEMU's
 * QAPI dispatcher does (same order, same classes, same texts), runs the
 * command and builds the reply object.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "daemon/machine.h"
#include "qmp/json.h"

/* QEMU's error classes; a GError of another domain is a GenericError. */
typedef enum QmpErrorClass {
    QMP_ERROR_GENERIC,
    QMP_ERROR_COMMAND_NOT_FOUND,
    QMP_ERROR_DEVICE_NOT_ACTIVE,
    QMP_ERROR_DEVICE_NOT_FOUND,
    QMP_ERROR_KVM_MISSING_CAP,
} QmpErrorClass;

#define QMP_ERROR (qmp_error_quark())
GQuark qmp_error_quark(void);
const char *qmp_error_class_name(const GError *error);

/* Argument types, a small subset of QAPI's. */
typedef enum QmpTypeKind {
    QMP_TYPE_STR,
    QMP_TYPE_INT,
    QMP_TYPE_BOOL,
    QMP_TYPE_NUMBER,
    QMP_TYPE_ANY,
    QMP_TYPE_ENUM,
    QMP_TYPE_ARRAY,
    QMP_TYPE_OBJECT,
    QMP_TYPE_UNION, /* QAPI's simple union: {"type": CASE, "data": ...} */
} QmpTypeKind;

typedef struct QmpMember QmpMember;
typedef struct QmpUnionCase QmpUnionCase;

typedef struct QmpType {
    QmpTypeKind kind;
    const char *const *enum_values; /* QMP_TYPE_ENUM, NULL-terminated */
    const struct QmpType *element;  /* QMP_TYPE_ARRAY */
    const QmpMember *members;       /* QMP_TYPE_OBJECT, {NULL} ends */
    const QmpUnionCase *cases;      /* QMP_TYPE_UNION, {NULL} ends */
} QmpType;

struct QmpUnionCase {
    const char *tag;     /* a value of "type" */
    const QmpType *data; /* the type of "data" for it */
};

struct QmpMember {
    const char *name;
    const QmpType *type;
    bool optional;
};

extern const QmpType qmp_type_str, qmp_type_int, qmp_type_bool, qmp_type_number,
    qmp_type_any;

/*
 * What a command may know of its caller: the machine, the monitor's named
 * fds, the fds received with SCM_RIGHTS and not yet used, and whether the
 * connection has negotiated.  The server embeds one per connection; unit
 * tests make their own.
 */
typedef struct QmpSession {
    Machine *machine;
    GHashTable *named_fds; /* the monitor's: name -> GINT_TO_POINTER(fd) */
    GQueue received_fds;   /* ints, oldest first, from the latest message */
    bool command_mode;
    bool is_unix; /* SCM_RIGHTS is possible */
} QmpSession;

/* The oldest received fd (the caller owns it), or -1. */
int qmp_session_take_fd(QmpSession *session);

/* Replaces unused received fds (closing them) with new ones. */
void qmp_session_set_received_fds(QmpSession *session, const int *fds,
                                  int count);

/* Closes unused received fds. */
void qmp_session_clear(QmpSession *session);

typedef struct QmpCall {
    QmpSession *session;
    JsonObject *args; /* checked against the command's members */
} QmpCall;

/* NULL without an error means "return {}". */
typedef JsonNode *(*QmpHandler)(QmpCall *call, GError **error);

typedef struct QmpCommand {
    const char *name;
    QmpHandler handler;
    const QmpMember *args; /* NULL: takes no arguments */
} QmpCommand;

/* Every command, sorted by name; built from the commands-*.c tables. */
const QmpCommand *qmp_command_find(const char *name);
const QmpCommand *const *qmp_command_list(size_t *ret_count);

/*
 * Handles one message from the stream: the reply object to send, or NULL
 * when nothing is to be sent.  Parse errors give an id-less error.
 */
JsonNode *qmp_dispatch(QmpSession *session, JsonMessage *msg);

/* {"error": {"class": ..., "desc": ...}} with id when id != NULL. */
JsonNode *qmp_error_reply(const GError *error, JsonNode *id);

/* Small builders shared by the command files. */
JsonNode *qmp_node_string(const char *value);
JsonNode *qmp_node_int(gint64 value);
JsonNode *qmp_node_bool(bool value);
JsonNode *qmp_node_object(JsonObject *object); /* takes object */
JsonNode *qmp_node_array(JsonArray *array);    /* takes array */
