/*
 * Device state as JSON, for dmstate's dump and diff: every field by name,
 * walked with the same tables the daemon saves and loads with.  Integers
 * are numbers (a u64 above INT64_MAX is listed in uint64s so the writer
 * prints it unsigned), buffers are lower-case hex strings, structs are
 * objects, arrays are arrays, and each subsection that is needed appears
 * as a member named "/child".
 */
#include "config.h"

#include <string.h>

#include "vmstate/vmstate-internal.h"
#include "vmstate/vmstate-json.h"

/* A node holding object (or array); the caller's reference moves to it. */
static JsonNode *node_take_object(JsonObject *object)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), object);

    json_object_unref(object);
    return node;
}

static JsonNode *node_take_array(JsonArray *array)
{
    JsonNode *node = json_node_init_array(json_node_alloc(), array);

    json_array_unref(array);
    return node;
}

static JsonNode *vms_json_object(const VmsDescription *d, const void *opaque,
                                 GHashTable *uint64s, unsigned depth);

static JsonNode *vms_json_hex(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    g_autofree char *text = g_malloc(2 * len + 1);

    for (size_t i = 0; i < len; i++) {
        text[2 * i] = digits[data[i] >> 4];
        text[2 * i + 1] = digits[data[i] & 0xf];
    }
    text[2 * len] = '\0';
    return json_node_init_string(json_node_alloc(), text);
}

static JsonNode *vms_json_scalar(VmsKind kind, const void *p,
                                 GHashTable *uint64s)
{
    size_t width = vms_kind_width(kind);
    uint64_t raw = vms_get_local(p, width);
    JsonNode *node = json_node_alloc();

    if (kind == VMS_KIND_BOOL) {
        return json_node_init_boolean(node, raw != 0);
    }
    json_node_init_int(node, vms_get_integer(p, kind));
    if (!vms_kind_signed(kind) && raw > (uint64_t)INT64_MAX &&
        uint64s != NULL) {
        g_hash_table_add(uint64s, node);
    }
    return node;
}

static JsonNode *vms_json_pci(const VmsPciDevice *pci)
{
    JsonObject *object = json_object_new();
    JsonArray *irq = json_array_new();

    json_object_set_member(object, "config",
                           vms_json_hex(pci->config, sizeof(pci->config)));
    for (size_t i = 0; i < G_N_ELEMENTS(pci->irq_state); i++) {
        json_array_add_int_element(irq, pci->irq_state[i]);
    }
    json_object_set_array_member(object, "irq_state", irq);
    return node_take_object(object);
}

static JsonNode *vms_json_field(const VmsField *f, const uint8_t *base,
                                GHashTable *uint64s, unsigned depth)
{
    const uint8_t *p = base + f->offset;

    switch (f->kind) {
    case VMS_KIND_ARRAY:
    case VMS_KIND_STRUCT_ARRAY: {
        JsonArray *array = json_array_new();
        for (size_t i = 0; i < f->count; i++) {
            const uint8_t *elem = p + i * f->size;
            json_array_add_element(
                array,
                f->kind == VMS_KIND_ARRAY
                    ? vms_json_scalar(f->elem_kind, elem, uint64s)
                    : vms_json_object(f->vmsd, elem, uint64s, depth + 1));
        }
        return node_take_array(array);
    }
    case VMS_KIND_BUFFER:
        return vms_json_hex(p + f->start, f->size - f->start);
    case VMS_KIND_VBUFFER: {
        int64_t len = vms_get_integer(base + f->length_offset, f->length_kind);
        const uint8_t *data;
        memcpy(&data, p, sizeof(data));
        return vms_json_hex(data, len > 0 && data != NULL ? (size_t)len : 0);
    }
    case VMS_KIND_STRUCT:
        return vms_json_object(f->vmsd, p, uint64s, depth + 1);
    case VMS_KIND_PCI_DEVICE:
        return vms_json_pci((const VmsPciDevice *)p);
    default:
        return vms_json_scalar(f->kind, p, uint64s);
    }
}

static JsonNode *vms_json_object(const VmsDescription *d, const void *opaque,
                                 GHashTable *uint64s, unsigned depth)
{
    JsonObject *object = json_object_new();

    if (depth >= VMS_MAX_DEPTH) {
        return node_take_object(object);
    }
    for (const VmsField *f = d->fields; f != NULL && f->kind != VMS_KIND_END;
         f++) {
        if (f->kind == VMS_KIND_UNUSED ||
            !vms_field_present(f, opaque, d->version)) {
            continue;
        }
        json_object_set_member(object, f->name,
                               vms_json_field(f, opaque, uint64s, depth));
    }
    for (const VmsDescription *const *s = d->subsections; s != NULL && *s;
         s++) {
        const VmsDescription *sub = *s;
        const char *child = sub->name + strlen(d->name);
        if (sub->needed != NULL && !sub->needed(opaque)) {
            continue;
        }
        json_object_set_member(
            object, child, vms_json_object(sub, opaque, uint64s, depth + 1));
    }
    return node_take_object(object);
}

JsonNode *vms_to_json(const VmsDescription *d, const void *opaque,
                      GHashTable *uint64s)
{
    return vms_json_object(d, opaque, uint64s, 0);
}
