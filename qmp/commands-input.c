/*
 * Input: send-key and input-send-event deliver keys, buttons and motion
 * to the PS/2 keyboard and mouse, so that what the guest then reads from
 * port 0x60 is what a PC would deliver.  Argument types and error texts
 * are QEMU 7.2's (qapi/ui.json).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/i8042.h"
#include "devices/ps2.h"
#include "qmp/commands.h"

enum { SEND_KEY_DEFAULT_HOLD_MS = 100 };

/* QKeyCode: filled from the PS/2 key table, the one source of names. */
static QmpType qmp_type_qcode = { .kind = QMP_TYPE_ENUM };

static const QmpUnionCase key_value_cases[] = {
    { "number", &qmp_type_int },
    { "qcode", &qmp_type_qcode },
    { NULL, NULL },
};
static const QmpType qmp_type_key_value = {
    .kind = QMP_TYPE_UNION,
    .cases = key_value_cases,
};
static const QmpType qmp_type_key_value_list = {
    .kind = QMP_TYPE_ARRAY,
    .element = &qmp_type_key_value,
};

static const char *const input_button_names[] = {
    "left", "middle", "right",      "wheel-up",    "wheel-down",
    "side", "extra",  "wheel-left", "wheel-right", NULL,
};
static const QmpType qmp_type_input_button = {
    .kind = QMP_TYPE_ENUM,
    .enum_values = input_button_names,
};
static const char *const input_axis_names[] = { "x", "y", NULL };
static const QmpType qmp_type_input_axis = {
    .kind = QMP_TYPE_ENUM,
    .enum_values = input_axis_names,
};

static const QmpMember key_event_members[] = {
    { "down", &qmp_type_bool, false },
    { "key", &qmp_type_key_value, false },
    { NULL, NULL, false },
};
static const QmpMember btn_event_members[] = {
    { "down", &qmp_type_bool, false },
    { "button", &qmp_type_input_button, false },
    { NULL, NULL, false },
};
static const QmpMember move_event_members[] = {
    { "axis", &qmp_type_input_axis, false },
    { "value", &qmp_type_int, false },
    { NULL, NULL, false },
};
static const QmpType qmp_type_key_event = { .kind = QMP_TYPE_OBJECT,
                                            .members = key_event_members };
static const QmpType qmp_type_btn_event = { .kind = QMP_TYPE_OBJECT,
                                            .members = btn_event_members };
static const QmpType qmp_type_move_event = { .kind = QMP_TYPE_OBJECT,
                                             .members = move_event_members };
static const QmpUnionCase input_event_cases[] = {
    { "key", &qmp_type_key_event },
    { "btn", &qmp_type_btn_event },
    { "rel", &qmp_type_move_event },
    { "abs", &qmp_type_move_event },
    { NULL, NULL },
};
static const QmpType qmp_type_input_event = {
    .kind = QMP_TYPE_UNION,
    .cases = input_event_cases,
};
static const QmpType qmp_type_input_event_list = {
    .kind = QMP_TYPE_ARRAY,
    .element = &qmp_type_input_event,
};

/*
 * The key names are the PS/2 key table's; the enum takes them once, at
 * start-up, NULL-terminated as QmpType wants them.
 */
static const char *qmp_qcode_values[PS2_QCODE_COUNT + 1];

static void __attribute__((constructor)) qmp_input_types_init(void)
{
    size_t count;
    const char *const *names = ps2_qcode_names(&count);

    for (size_t i = 0; i < count && i < PS2_QCODE_COUNT; i++) {
        qmp_qcode_values[i] = names[i];
    }
    qmp_type_qcode.enum_values = qmp_qcode_values;
}

/*
 * A KeyValue as a qcode.  A number no key has becomes "unmapped", which
 * the keyboard ignores, as QEMU does.
 */
static bool key_value_qcode(JsonObject *key, int *ret_qcode, GError **error)
{
    const char *type = json_object_get_string_member(key, "type");

    if (strcmp(type, "qcode") == 0) {
        /* The dispatcher checked the name against the same table. */
        if (!ps2_qcode_lookup(json_object_get_string_member(key, "data"),
                              ret_qcode)) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter 'data' does not accept value '%s'",
                        json_object_get_string_member(key, "data"));
            return false;
        }
        return true;
    }
    *ret_qcode = ps2_qcode_from_number(json_object_get_int_member(key, "data"));
    return true;
}

/* Keys held by send-key, released when its hold time ends. */
typedef struct HeldKeys {
    Ps2Kbd *kbd;
    GArray *qcodes; /* int, in press order */
} HeldKeys;

static gboolean release_held_keys(gpointer data)
{
    HeldKeys *held = data;

    for (guint i = held->qcodes->len; i-- > 0;) {
        ps2_keyboard_event(held->kbd, g_array_index(held->qcodes, int, i),
                           false);
    }
    return G_SOURCE_REMOVE;
}

static void held_keys_free(gpointer data)
{
    HeldKeys *held = data;

    g_array_unref(held->qcodes);
    g_free(held);
}

static const QmpMember send_key_args[] = {
    { "keys", &qmp_type_key_value_list, false },
    { "hold-time", &qmp_type_int, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_send_key(QmpCall *call, GError **error)
{
    Machine *machine = call->session->machine;
    JsonArray *keys = json_object_get_array_member(call->args, "keys");
    gint64 hold = SEND_KEY_DEFAULT_HOLD_MS;
    g_autoptr(GArray) qcodes = g_array_new(FALSE, FALSE, sizeof(int));

    if (json_object_has_member(call->args, "hold-time")) {
        hold = json_object_get_int_member(call->args, "hold-time");
        hold = CLAMP(hold, 0, G_MAXUINT);
    }
    /* Every key is checked before any is pressed. */
    for (guint i = 0; i < json_array_get_length(keys); i++) {
        int qcode;
        if (!key_value_qcode(json_array_get_object_element(keys, i), &qcode,
                             error)) {
            return NULL;
        }
        g_array_append_val(qcodes, qcode);
    }
    if (qcodes->len == 0) {
        return NULL;
    }
    HeldKeys *held = g_new0(HeldKeys, 1);
    held->kbd = i8042_keyboard(machine->i8042);
    held->qcodes = g_steal_pointer(&qcodes);
    for (guint i = 0; i < held->qcodes->len; i++) {
        ps2_keyboard_event(held->kbd, g_array_index(held->qcodes, int, i),
                           true);
    }
    g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)hold, release_held_keys, held,
                       held_keys_free);
    return NULL;
}

static const QmpMember input_send_event_args[] = {
    { "device", &qmp_type_str, true },
    { "head", &qmp_type_int, true },
    { "events", &qmp_type_input_event_list, false },
    { NULL, NULL, false },
};

/* Checks that every event has a device to go to, before sending any. */
static bool input_events_deliverable(JsonArray *events, GError **error)
{
    for (guint i = 0; i < json_array_get_length(events); i++) {
        JsonObject *event = json_array_get_object_element(events, i);
        const char *type = json_object_get_string_member(event, "type");
        if (strcmp(type, "abs") == 0 && !ps2_mouse_absolute_supported()) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Input handler not found for event type abs");
            return false;
        }
    }
    return true;
}

static bool input_send_one(Machine *machine, JsonObject *event, GError **error)
{
    const char *type = json_object_get_string_member(event, "type");
    JsonObject *data = json_object_get_object_member(event, "data");
    Ps2Mouse *mouse = i8042_mouse(machine->i8042);

    if (strcmp(type, "key") == 0) {
        int qcode;
        if (!key_value_qcode(json_object_get_object_member(data, "key"), &qcode,
                             error)) {
            return false;
        }
        ps2_keyboard_event(i8042_keyboard(machine->i8042), qcode,
                           json_object_get_boolean_member(data, "down"));
    } else if (strcmp(type, "btn") == 0) {
        const char *button = json_object_get_string_member(data, "button");
        int index = 0;
        while (strcmp(input_button_names[index], button) != 0) {
            index++;
        }
        ps2_mouse_button(mouse, (Ps2MouseButton)index,
                         json_object_get_boolean_member(data, "down"));
    } else if (strcmp(type, "rel") == 0) {
        gint64 value = json_object_get_int_member(data, "value");
        int delta = (int)CLAMP(value, G_MININT, G_MAXINT);
        bool x = strcmp(json_object_get_string_member(data, "axis"), "x") == 0;
        ps2_mouse_move(mouse, x ? delta : 0, x ? 0 : delta);
    }
    return true;
}

static JsonNode *qmp_input_send_event(QmpCall *call, GError **error)
{
    Machine *machine = call->session->machine;
    JsonArray *events = json_object_get_array_member(call->args, "events");

    if (json_object_has_member(call->args, "device")) {
        /* No display device has an id a client could name yet. */
        g_set_error(error, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found",
                    json_object_get_string_member(call->args, "device"));
        return NULL;
    }
    if (!machine_is_running(machine) &&
        machine->runstate != RUN_STATE_SUSPENDED) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC, "VM not running");
        return NULL;
    }
    if (!input_events_deliverable(events, error)) {
        return NULL;
    }
    bool reached_mouse = false;
    for (guint i = 0; i < json_array_get_length(events); i++) {
        JsonObject *event = json_array_get_object_element(events, i);
        const char *type = json_object_get_string_member(event, "type");
        if (!input_send_one(machine, event, error)) {
            return NULL;
        }
        reached_mouse |= strcmp(type, "key") != 0;
    }
    /* QEMU syncs only the handlers a batch reached: keys send no packet. */
    if (reached_mouse) {
        ps2_mouse_sync(i8042_mouse(machine->i8042));
    }
    return NULL;
}

const QmpCommand qmp_input_commands[] = {
    { "send-key", qmp_send_key, send_key_args },
    { "input-send-event", qmp_input_send_event, input_send_event_args },
};
const size_t qmp_input_command_count = G_N_ELEMENTS(qmp_input_commands);
