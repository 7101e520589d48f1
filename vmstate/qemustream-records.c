/*
 * The parts of QEMU 7.2's migration stream that are not device sections:
 * the JSON description after EOF (migration/savevm.c and vmstate.c give
 * the sizes it lists) and the RAM section's page records
 * (migration/ram.c, ram_load_precopy).  All of it comes from outside:
 * every length is checked against what is left.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "vmstate/qemustream-internal.h"

bool qs_fail(GError **error, size_t offset, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "at byte %zu: %s",
                offset, text);
    return false;
}

bool qs_read_name(VmsReader *r, char *buf)
{
    uint8_t n;

    if (!vms_read_u8(r, &n) || !vms_read_bytes(r, buf, n)) {
        return false;
    }
    buf[n] = '\0';
    return true;
}

/* ---------------------------------------------------- JSON description */

/*
 * Body bytes of a description object: its fields (each "size" bytes, or
 * "size" x "array_len" for an array QEMU describes by its first element;
 * a struct's size includes its subsections), then its subsections, each
 * with its 0x05, name and version header.
 */
static bool vmdesc_size(JsonObject *o, int depth, uint64_t limit, uint64_t *ret)
{
    uint64_t total = 0;

    if (depth > VMDESC_MAX_DEPTH) {
        return false;
    }
    JsonNode *fields = json_object_get_member(o, "fields");
    if (fields != NULL) {
        if (!JSON_NODE_HOLDS_ARRAY(fields)) {
            return false;
        }
        JsonArray *a = json_node_get_array(fields);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonNode *n = json_array_get_element(a, i);
            if (!JSON_NODE_HOLDS_OBJECT(n)) {
                return false;
            }
            JsonObject *f = json_node_get_object(n);
            JsonNode *size = json_object_get_member(f, "size");
            JsonNode *count = json_object_get_member(f, "array_len");
            if (size == NULL ||
                json_node_get_value_type(size) != G_TYPE_INT64 ||
                (count != NULL &&
                 json_node_get_value_type(count) != G_TYPE_INT64)) {
                return false;
            }
            gint64 s = json_node_get_int(size);
            gint64 c = count != NULL ? json_node_get_int(count) : 1;
            if (s < 0 || c < 0 || (uint64_t)s > limit || (uint64_t)c > limit ||
                (s > 0 && (uint64_t)c > limit / s)) {
                return false;
            }
            total += (uint64_t)s * (uint64_t)c;
            if (total > limit) {
                return false;
            }
        }
    }
    JsonNode *subs = json_object_get_member(o, "subsections");
    if (subs != NULL) {
        if (!JSON_NODE_HOLDS_ARRAY(subs)) {
            return false;
        }
        JsonArray *a = json_node_get_array(subs);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonNode *n = json_array_get_element(a, i);
            uint64_t sub;
            if (!JSON_NODE_HOLDS_OBJECT(n)) {
                return false;
            }
            JsonObject *so = json_node_get_object(n);
            JsonNode *name = json_object_get_member(so, "vmsd_name");
            if (name == NULL ||
                json_node_get_value_type(name) != G_TYPE_STRING ||
                !vmdesc_size(so, depth + 1, limit, &sub)) {
                return false;
            }
            total += 1 + 1 + strlen(json_node_get_string(name)) + 4 + sub;
            if (total > limit) {
                return false;
            }
        }
    }
    *ret = total;
    return true;
}

static void vmdesc_device_clear(gpointer p)
{
    g_free(((VmdescDevice *)p)->name);
}

/*
 * The description ends the stream: 0x06, be32 length, that much JSON.
 * Found from the end, as QEMU's analyze-migration.py finds it: the JSON
 * is text, so the last 0x06 whose length reaches exactly the end is it.
 */
static bool vmdesc_locate(const uint8_t *data, size_t len, size_t *ret_offset)
{
    for (size_t k = len >= 6 ? len - 6 : 0; len >= 6; k--) {
        if (data[k] == QS_VMDESCRIPTION && data[k + 5] == '{') {
            uint32_t n = (uint32_t)data[k + 1] << 24 |
                         (uint32_t)data[k + 2] << 16 |
                         (uint32_t)data[k + 3] << 8 | data[k + 4];
            if ((uint64_t)n == len - k - 5) {
                *ret_offset = k;
                return true;
            }
        }
        if (k == 0) {
            break;
        }
    }
    return false;
}

bool qs_vmdesc_parse(Parser *p, const uint8_t *data, size_t len, GError **error)
{
    size_t at;

    if (!vmdesc_locate(data, len, &at)) {
        return true; /* no description: not an error */
    }
    size_t json_at = at + 5, json_len = len - json_at;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    if (!json_parser_load_from_data(parser, (const char *)data + json_at,
                                    (gssize)json_len, &local)) {
        return qs_fail(error, json_at, "the JSON description is not JSON: %s",
                       local->message);
    }
    JsonNode *root = json_parser_get_root(parser);
    JsonNode *devices = NULL;
    if (root != NULL && JSON_NODE_HOLDS_OBJECT(root)) {
        JsonObject *o = json_node_get_object(root);
        devices = json_object_get_member(o, "devices");
        JsonNode *page = json_object_get_member(o, "page_size");
        if (page != NULL && json_node_get_value_type(page) == G_TYPE_INT64) {
            gint64 v = json_node_get_int(page);
            if (v < 512 || v > 65536 || (v & (v - 1)) != 0) {
                return qs_fail(
                    error, json_at,
                    "the JSON description's page_size %" G_GINT64_FORMAT
                    " is not a page size",
                    v);
            }
            p->qs->page_size = (uint32_t)v;
        }
    }
    if (devices == NULL || !JSON_NODE_HOLDS_ARRAY(devices)) {
        return qs_fail(error, json_at,
                       "the JSON description has no \"devices\" array");
    }
    p->vmdesc = g_array_new(FALSE, TRUE, sizeof(VmdescDevice));
    g_array_set_clear_func(p->vmdesc, vmdesc_device_clear);
    JsonArray *a = json_node_get_array(devices);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *n = json_array_get_element(a, i);
        JsonObject *o =
            JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        JsonNode *name = o ? json_object_get_member(o, "name") : NULL;
        JsonNode *inst = o ? json_object_get_member(o, "instance_id") : NULL;
        VmdescDevice dev = { 0 };
        if (name == NULL || json_node_get_value_type(name) != G_TYPE_STRING ||
            inst == NULL || json_node_get_value_type(inst) != G_TYPE_INT64 ||
            json_node_get_int(inst) < 0 ||
            json_node_get_int(inst) > G_MAXUINT32 ||
            !vmdesc_size(o, 0, len, &dev.size)) {
            return qs_fail(error, json_at,
                           "the JSON description's device %u is not one "
                           "QEMU writes",
                           i);
        }
        dev.name = g_strdup(json_node_get_string(name));
        dev.instance_id = (uint32_t)json_node_get_int(inst);
        g_array_append_val(p->vmdesc, dev);
    }
    p->qs->vmdesc_offset = at;
    p->qs->vmdesc_len = json_len;
    p->qs->vmdesc_devices = p->vmdesc->len;
    return true;
}

/* ------------------------------------------------------------ RAM */

/* The block name of a page record, unless it continues the last block. */
static bool ram_block(VmsReader *r, uint64_t flags, bool *have_block, size_t at,
                      GError **error)
{
    char id[256];

    if (flags & RAM_FLAG_CONTINUE) {
        if (!*have_block) {
            return qs_fail(error, at,
                           "RAM: a page continues a block before any was "
                           "named");
        }
        return true;
    }
    if (!qs_read_name(r, id)) {
        return qs_fail(error, at, "truncated RAM page record");
    }
    *have_block = true;
    return true;
}

/* ram_load_precopy's loop, reading only the lengths. */
bool qs_ram(Parser *p, QemuStreamSection *s, GError **error)
{
    VmsReader *r = &p->r;
    uint64_t mask = p->qs->page_size - 1;

    for (;;) {
        size_t at = r->pos;
        uint64_t addr, flags;
        if (!vms_read_be64(r, &addr)) {
            return qs_fail(error, at, "truncated RAM section (no end marker)");
        }
        flags = addr & mask;
        if (flags & (RAM_FLAG_ZERO | RAM_FLAG_PAGE | RAM_FLAG_COMPRESS_PAGE |
                     RAM_FLAG_XBZRLE)) {
            if (!ram_block(r, flags, &p->ram_have_block, at, error)) {
                return false;
            }
        }
        switch (flags & ~(uint64_t)RAM_FLAG_CONTINUE) {
        case RAM_FLAG_MEM_SIZE: {
            uint64_t total = addr & ~mask;
            for (unsigned blocks = 0; total != 0; blocks++) {
                char id[256];
                uint64_t length, gpa;
                if (blocks >= 4096 || !qs_read_name(r, id) ||
                    !vms_read_be64(r, &length) ||
                    (p->ignore_shared && !vms_read_be64(r, &gpa))) {
                    return qs_fail(error, at,
                                   "truncated or bad RAM block list");
                }
                if (length == 0 || length > total) {
                    g_autofree char *name = g_strescape(id, NULL);
                    return qs_fail(error, at,
                                   "RAM block '%s': %" G_GUINT64_FORMAT
                                   " bytes, more than the %" G_GUINT64_FORMAT
                                   " left of the total",
                                   name, length, total);
                }
                total -= length;
            }
            break;
        }
        case RAM_FLAG_ZERO:
            if (!vms_skip(r, 1)) {
                return qs_fail(error, at, "truncated RAM zero page");
            }
            s->pages++;
            s->zero_pages++;
            break;
        case RAM_FLAG_PAGE:
            if (!vms_skip(r, p->qs->page_size)) {
                return qs_fail(error, at, "truncated RAM page");
            }
            s->pages++;
            break;
        case RAM_FLAG_COMPRESS_PAGE: {
            uint32_t n;
            /* compressBound(page) is a little over the page size. */
            if (!vms_read_be32(r, &n) || n > p->qs->page_size + 1024 ||
                !vms_skip(r, n)) {
                return qs_fail(error, at, "truncated or bad compressed page");
            }
            s->pages++;
            break;
        }
        case RAM_FLAG_XBZRLE: {
            uint8_t enc;
            uint16_t n;
            if (!vms_read_u8(r, &enc) || enc != 1 || !vms_read_be16(r, &n) ||
                n > p->qs->page_size || !vms_skip(r, n)) {
                return qs_fail(error, at, "truncated or bad XBZRLE page");
            }
            s->pages++;
            break;
        }
        case RAM_FLAG_EOS:
            return true;
        default:
            return qs_fail(error, at,
                           "RAM: unknown combination of migration flags: "
                           "0x%" G_GINT64_MODIFIER "x%s",
                           flags, flags & RAM_FLAG_HOOK ? " (RDMA hooks)" : "");
        }
    }
}
