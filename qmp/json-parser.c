/*
 * The tokens of one top-level value to a json-glib tree, with QEMU's
 * grammar and error texts ("JSON parse error, ...").  Only the first error
 * of a value is reported, as QEMU does.
 *
 * Strings become modified UTF-8 (U+0000 stored as C0 80).  Code points are
 * checked as QEMU checks them: surrogates, noncharacters (U+FDD0..U+FDEF,
 * U+xxFFFE/U+xxFFFF) and anything above U+10FFFF are rejected, whether
 * written raw or as \u escapes.
 *
 * Numbers: int64 if possible, else uint64 (kept in msg->uint64s), else
 * double.  Unlike QEMU, a number too large for a double is an error rather
 * than an infinity that cannot be written back as JSON.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "qmp/json.h"

/* An escape shown in an error: "\uXXXX", or a surrogate pair of them. */
enum { ESCAPE_LEN = 6 };

typedef struct ParseContext {
    const JsonToken *tokens;
    size_t count;
    size_t next;      /* index of the next token to read */
    const char *text; /* token text, NUL-terminated per token */
    JsonMessage *msg;
} ParseContext;

static JsonNode *parse_value(ParseContext *ctx);

static void parse_error(ParseContext *ctx, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void parse_error(ParseContext *ctx, const char *fmt, ...)
{
    va_list args;
    char *detail;

    if (ctx->msg->error != NULL) {
        return; /* the first error is the one reported */
    }
    va_start(args, fmt);
    detail = g_strdup_vprintf(fmt, args);
    va_end(args);
    ctx->msg->error = g_strconcat("JSON parse error, ", detail, NULL);
    g_free(detail);
}

static const JsonToken *peek_token(ParseContext *ctx)
{
    if (ctx->next >= ctx->count) {
        parse_error(ctx, "premature EOI");
        return NULL;
    }
    return &ctx->tokens[ctx->next];
}

static const JsonToken *pop_token(ParseContext *ctx)
{
    const JsonToken *token = peek_token(ctx);

    if (token != NULL) {
        ctx->next++;
    }
    return token;
}

static const char *token_text(const ParseContext *ctx, const JsonToken *token)
{
    return ctx->text + token->offset;
}

static bool is_valid_code_point(long cp)
{
    if (cp < 0 || cp > 0x10FFFF) {
        return false;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return false; /* surrogate */
    }
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
        return false; /* noncharacter */
    }
    return true;
}

/* *used counts the lead byte and the valid continuation bytes after it. */
long json_utf8_decode(const char *text, size_t len, size_t *used)
{
    const unsigned char *str = (const unsigned char *)text;
    static const long min_for_length[] = { 0,       0,        0x80,     0x800,
                                           0x10000, 0x200000, 0x4000000 };
    unsigned char lead;
    size_t length = 0;
    long cp;

    if (len == 0) {
        *used = 0;
        return -1;
    }
    lead = str[0];
    *used = 1;
    if (lead < 0x80) {
        return lead;
    }
    if (lead >= 0xFE || (lead & 0x40) == 0) {
        return -1; /* impossible byte or stray continuation byte */
    }
    for (unsigned char mask = 0x80; lead & mask; mask >>= 1) {
        length++;
    }
    cp = lead & (0x7F >> length);
    for (size_t i = 1; i < length; i++) {
        if (i >= len || (str[i] & 0xC0) != 0x80) {
            return -1; /* truncated sequence */
        }
        cp = (cp << 6) | (str[i] & 0x3F);
        *used = i + 1;
    }
    if (cp == 0 && length == 2) {
        return 0; /* C0 80, modified UTF-8's NUL */
    }
    if (!is_valid_code_point(cp) || cp < min_for_length[length]) {
        return -1;
    }
    return cp;
}

/* Appends cp as modified UTF-8 (U+0000 as C0 80). */
static void append_code_point(GString *out, long cp)
{
    if (cp == 0) {
        g_string_append_len(out, "\xC0\x80", 2);
    } else {
        g_string_append_unichar(out, (gunichar)cp);
    }
}

/* Four hex digits at str (at most avail bytes), or -1. */
static long parse_hex4(const char *str, size_t avail)
{
    long value = 0;

    if (avail < 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        int digit = g_ascii_xdigit_value(str[i]);

        if (digit < 0) {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

/*
 * Decodes the \u escape at esc (the backslash); end is the token's end.
 * Returns the code point or -1 and sets *shown to the escape's length
 * (two escapes for a surrogate pair).
 */
static long parse_unicode_escape(const char *esc, const char *end,
                                 size_t *shown)
{
    long cp = parse_hex4(esc + 2, (size_t)(end - esc) - 2);
    long trail;

    *shown = ESCAPE_LEN;
    if (cp < 0xD800 || cp > 0xDBFF) {
        return cp;
    }
    if (end - esc < 2 * ESCAPE_LEN || esc[6] != '\\' || esc[7] != 'u') {
        return -1; /* a leading surrogate alone */
    }
    trail = parse_hex4(esc + 8, (size_t)(end - esc) - 8);
    if (trail < 0xDC00 || trail > 0xDFFF) {
        return -1;
    }
    *shown = 2 * ESCAPE_LEN;
    return 0x10000 + ((cp & 0x3FF) << 10) + (trail & 0x3FF);
}

static char simple_escape(char c)
{
    switch (c) {
    case '"':
    case '\'':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return 0;
    }
}

static JsonNode *parse_string(ParseContext *ctx, const JsonToken *token)
{
    const char *start = token_text(ctx, token);
    const char *end = start + token->len - 1; /* the closing quote */
    const char *ptr = start + 1;
    GString *str = g_string_sized_new(token->len);
    JsonNode *node;

    while (ptr < end) {
        const char *run = ptr;
        size_t used;
        long cp;

        /*
         * A run of ASCII goes in at once: the lexer let only bytes from
         * 0x20 up into a string, so below 0x80 each is its own character.
         */
        while (run < end && *run != '\\' && (unsigned char)*run < 0x80) {
            run++;
        }
        if (run > ptr) {
            g_string_append_len(str, ptr, (gssize)(run - ptr));
            ptr = run;
            continue;
        }
        if (*ptr != '\\') {
            cp = json_utf8_decode(ptr, (size_t)(end - ptr), &used);
            if (cp < 0) {
                parse_error(ctx, "invalid UTF-8 sequence in string");
                goto fail;
            }
            g_string_append_len(str, ptr, (gssize)used);
            ptr += used;
        } else if (ptr[1] == 'u') {
            /* The text shown may run into the closing quote, as QEMU's. */
            cp = parse_unicode_escape(ptr, end, &used);
            if (!is_valid_code_point(cp)) {
                size_t avail = (size_t)(end + 1 - ptr);

                parse_error(ctx, "%.*s is not a valid Unicode character",
                            (int)MIN(used, avail), ptr);
                goto fail;
            }
            append_code_point(str, cp);
            ptr += used;
        } else if (simple_escape(ptr[1]) != 0) {
            g_string_append_c(str, simple_escape(ptr[1]));
            ptr += 2;
        } else {
            parse_error(ctx, "invalid escape sequence in string");
            goto fail;
        }
    }

    node = json_node_alloc();
    json_node_init_string(node, str->str);
    g_string_free(str, TRUE);
    return node;

fail:
    g_string_free(str, TRUE);
    return NULL;
}

static JsonNode *parse_number(ParseContext *ctx, const JsonToken *token)
{
    const char *text = token_text(ctx, token);
    JsonNode *node = json_node_alloc();
    double value;

    if (token->type == JSON_TOKEN_INTEGER) {
        gint64 signed_value;
        guint64 unsigned_value;

        errno = 0;
        signed_value = g_ascii_strtoll(text, NULL, 10);
        if (errno == 0) {
            return json_node_init_int(node, signed_value);
        }
        errno = 0;
        unsigned_value = g_ascii_strtoull(text, NULL, 10);
        if (text[0] != '-' && errno == 0) {
            json_node_init_int(node, (gint64)unsigned_value);
            if (ctx->msg->uint64s == NULL) {
                ctx->msg->uint64s = g_hash_table_new(NULL, NULL);
            }
            g_hash_table_add(ctx->msg->uint64s, node);
            return node;
        }
    }

    /* Underflow to zero or a subnormal is fine; overflow to inf is not. */
    value = g_ascii_strtod(text, NULL);
    if (!isfinite(value)) {
        json_node_unref(node);
        parse_error(ctx, "number '%s' out of range", text);
        return NULL;
    }
    return json_node_init_double(node, value);
}

static JsonNode *parse_keyword(ParseContext *ctx, const JsonToken *token)
{
    const char *text = token_text(ctx, token);

    if (strcmp(text, "true") == 0) {
        return json_node_init_boolean(json_node_alloc(), TRUE);
    }
    if (strcmp(text, "false") == 0) {
        return json_node_init_boolean(json_node_alloc(), FALSE);
    }
    if (strcmp(text, "null") == 0) {
        return json_node_init_null(json_node_alloc());
    }
    parse_error(ctx, "invalid keyword '%s'", text);
    return NULL;
}

/* One "key": value pair into object; false on error. */
static bool parse_pair(ParseContext *ctx, JsonObject *object)
{
    const JsonToken *token;
    JsonNode *key;
    JsonNode *value;
    bool ok = false;

    key = parse_value(ctx);
    if (key == NULL) {
        return false;
    }
    if (!JSON_NODE_HOLDS_VALUE(key) ||
        json_node_get_value_type(key) != G_TYPE_STRING) {
        parse_error(ctx, "key is not a string in object");
        goto out;
    }
    token = pop_token(ctx);
    if (token == NULL) {
        goto out;
    }
    if (token->type != JSON_TOKEN_COLON) {
        parse_error(ctx, "missing : in object pair");
        goto out;
    }
    value = parse_value(ctx);
    if (value == NULL) {
        goto out;
    }
    if (json_object_has_member(object, json_node_get_string(key))) {
        parse_error(ctx, "duplicate key");
        json_node_unref(value);
        goto out;
    }
    json_object_set_member(object, json_node_get_string(key), value);
    ok = true;

out:
    json_node_unref(key);
    return ok;
}

/*
 * The members or elements after an opening '{' or '[', up to the closing
 * token: one item, then (',' item)* .  parse_item adds one item to container.
 */
static bool parse_items(ParseContext *ctx, JsonTokenType close,
                        const char *separator_error,
                        bool (*parse_item)(ParseContext *, gpointer),
                        gpointer container)
{
    const JsonToken *token = peek_token(ctx);

    if (token == NULL) {
        return false;
    }
    if (token->type == close) {
        ctx->next++;
        return true;
    }
    for (;;) {
        if (!parse_item(ctx, container)) {
            return false;
        }
        token = pop_token(ctx);
        if (token == NULL) {
            return false;
        }
        if (token->type == close) {
            return true;
        }
        if (token->type != JSON_TOKEN_COMMA) {
            parse_error(ctx, "%s", separator_error);
            return false;
        }
    }
}

static bool parse_member(ParseContext *ctx, gpointer object)
{
    return parse_pair(ctx, object);
}

static bool parse_element(ParseContext *ctx, gpointer array)
{
    JsonNode *node = parse_value(ctx);

    if (node == NULL) {
        return false;
    }
    json_array_add_element(array, node);
    return true;
}

static JsonNode *parse_object(ParseContext *ctx)
{
    JsonObject *object = json_object_new();
    JsonNode *node = NULL;

    if (parse_items(ctx, JSON_TOKEN_RCURLY, "expected separator in dict",
                    parse_member, object)) {
        node = json_node_init_object(json_node_alloc(), object);
    }
    json_object_unref(object);
    return node;
}

static JsonNode *parse_array(ParseContext *ctx)
{
    JsonArray *array = json_array_new();
    JsonNode *node = NULL;

    if (parse_items(ctx, JSON_TOKEN_RSQUARE, "expected separator in list",
                    parse_element, array)) {
        node = json_node_init_array(json_node_alloc(), array);
    }
    json_array_unref(array);
    return node;
}

/* Recursion depth is bounded by the streamer's nesting limit. */
static JsonNode *parse_value(ParseContext *ctx)
{
    const JsonToken *token = peek_token(ctx);

    if (token == NULL) {
        return NULL;
    }
    switch (token->type) {
    case JSON_TOKEN_LCURLY:
        ctx->next++;
        return parse_object(ctx);
    case JSON_TOKEN_LSQUARE:
        ctx->next++;
        return parse_array(ctx);
    case JSON_TOKEN_STRING:
        ctx->next++;
        return parse_string(ctx, token);
    case JSON_TOKEN_INTEGER:
    case JSON_TOKEN_FLOAT:
        ctx->next++;
        return parse_number(ctx, token);
    case JSON_TOKEN_KEYWORD:
        ctx->next++;
        return parse_keyword(ctx, token);
    default:
        parse_error(ctx, "expecting value");
        return NULL;
    }
}

JsonMessage *json_parse_tokens(const JsonToken *tokens, size_t count,
                               const char *text)
{
    JsonMessage *msg = g_new0(JsonMessage, 1);
    ParseContext ctx = {
        .tokens = tokens,
        .count = count,
        .text = text,
        .msg = msg,
    };

    msg->root = parse_value(&ctx);
    if (msg->root != NULL && ctx.next < count) {
        /* The streamer never hands over more than one value; be safe. */
        parse_error(&ctx, "expecting at most one JSON value");
    }
    if (msg->error != NULL) {
        if (msg->root != NULL) {
            json_node_unref(msg->root);
            msg->root = NULL;
        }
        if (msg->uint64s != NULL) {
            g_hash_table_unref(msg->uint64s);
            msg->uint64s = NULL;
        }
    }
    return msg;
}
