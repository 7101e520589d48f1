/*
 * json-glib nodes to compact, pure-ASCII JSON text in the form QEMU 7.2
 * writes on its QMP socket (observed byte for byte):
 * - no spaces at all ({"return":{},"id":1}); QEMU puts spaces after ':'
 *   and ',' but no client depends on them;
 * - strings: '"' and '\\' escaped, \b \f \n \r \t as such, any other code
 *   point below 0x20 or from 0x7F up as \uXXXX with upper-case hex digits,
 *   astral code points as surrogate pairs, '/' left alone, U+0000 (C0 80 in
 *   modified UTF-8) as \u0000, and each invalid UTF-8 sequence as \uFFFD;
 * - numbers: int64 signed, uint64 (per the set) unsigned, doubles with
 *   "%.17g" in the C locale (1.5e3 as 1500, 0.1 as 0.10000000000000001,
 *   -0.0 as -0); inf and nan, which QEMU would print raw, become null;
 * - object members in insertion order, so replies come out as built.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "qmp/json.h"

enum { REPLACEMENT_CHARACTER = 0xFFFD };

static void write_escaped_code_point(GString *out, long cp)
{
    if (cp > 0xFFFF) {
        long offset = cp - 0x10000;

        g_string_append_printf(out, "\\u%04lX\\u%04lX", 0xD800 + (offset >> 10),
                               0xDC00 + (offset & 0x3FF));
    } else {
        g_string_append_printf(out, "\\u%04lX", cp);
    }
}

static void write_string(GString *out, const char *str)
{
    size_t len = strlen(str);
    size_t pos = 0;

    g_string_append_c(out, '"');
    while (pos < len) {
        size_t used;
        long cp = json_utf8_decode(str + pos, len - pos, &used);

        pos += used;
        switch (cp) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (cp < 0) {
                write_escaped_code_point(out, REPLACEMENT_CHARACTER);
            } else if (cp < 0x20 || cp >= 0x7F) {
                write_escaped_code_point(out, cp);
            } else {
                g_string_append_c(out, (char)cp);
            }
            break;
        }
    }
    g_string_append_c(out, '"');
}

static void write_double(GString *out, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (!isfinite(value)) {
        /* JSON has no spelling for these; the parser never makes them. */
        g_string_append(out, "null");
        return;
    }
    g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.17g", value));
}

static void write_value(GString *out, JsonNode *node, GHashTable *uint64s)
{
    GType type = json_node_get_value_type(node);

    if (type == G_TYPE_INT64) {
        gint64 value = json_node_get_int(node);

        if (uint64s != NULL && g_hash_table_contains(uint64s, node)) {
            g_string_append_printf(out, "%" PRIu64, (uint64_t)value);
        } else {
            g_string_append_printf(out, "%" PRId64, (int64_t)value);
        }
    } else if (type == G_TYPE_DOUBLE) {
        write_double(out, json_node_get_double(node));
    } else if (type == G_TYPE_BOOLEAN) {
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
    } else if (type == G_TYPE_STRING) {
        write_string(out, json_node_get_string(node));
    } else {
        g_string_append(out, "null");
    }
}

static void write_object(GString *out, JsonObject *object, GHashTable *uint64s)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;
    bool first = true;

    g_string_append_c(out, '{');
    json_object_iter_init_ordered(&iter, object);
    while (json_object_iter_next_ordered(&iter, &name, &member)) {
        if (!first) {
            g_string_append_c(out, ',');
        }
        first = false;
        write_string(out, name);
        g_string_append_c(out, ':');
        json_write(out, member, uint64s);
    }
    g_string_append_c(out, '}');
}

static void write_array(GString *out, JsonArray *array, GHashTable *uint64s)
{
    guint length = json_array_get_length(array);

    g_string_append_c(out, '[');
    for (guint i = 0; i < length; i++) {
        if (i > 0) {
            g_string_append_c(out, ',');
        }
        json_write(out, json_array_get_element(array, i), uint64s);
    }
    g_string_append_c(out, ']');
}

void json_write(GString *out, JsonNode *node, GHashTable *uint64s)
{
    if (node == NULL) {
        g_string_append(out, "null");
        return;
    }
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        write_object(out, json_node_get_object(node), uint64s);
        break;
    case JSON_NODE_ARRAY:
        write_array(out, json_node_get_array(node), uint64s);
        break;
    case JSON_NODE_VALUE:
        write_value(out, node, uint64s);
        break;
    case JSON_NODE_NULL:
    default:
        g_string_append(out, "null");
        break;
    }
}

char *json_write_string(JsonNode *node)
{
    GString *out = g_string_new(NULL);

    json_write(out, node, NULL);
    return g_string_free(out, FALSE);
}

bool json_string_has_nul(const char *str)
{
    /* C0 never starts any other valid sequence, so this is exact. */
    return str != NULL && strstr(str, "\xC0\x80") != NULL;
}
