/*
 * JSON for QMP: a streaming lexer and parser that frames a byte stream into
 * top-level JSON values with QEMU's grammar, error texts and limits, and a
 * compact ASCII-only writer.
 *
 * Parsed values are json-glib nodes.  json-glib cannot be used to parse
 * (it accepts duplicate keys, wraps uint64, truncates at \u0000) nor to
 * write (raw UTF-8, drops control characters), so both directions are ours.
 *
 * Strings are held as "modified UTF-8": U+0000 is stored as the two bytes
 * 0xC0 0x80 so that C strings can carry it; the writer turns it back into
 * \u0000.
 *
 * Integers that fit int64 are int nodes.  Unsigned integers above INT64_MAX
 * are int nodes holding the same 64 bits, listed in JsonMessage.uint64s so
 * that they are written back unsigned.  Other numbers are doubles.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/* Limits of one top-level value (bytes of token text, tokens, depth). */
enum {
    JSON_MAX_MESSAGE_BYTES = 1024 * 1024,
    JSON_MAX_TOKEN_COUNT = 256 * 1024,
    JSON_MAX_NESTING = 1024,
};

typedef struct JsonMessage {
    JsonNode *root;      /* the value; NULL when error is set */
    GHashTable *uint64s; /* set of JsonNode* holding a uint64; may be NULL */
    char *error;         /* "JSON parse error, ..." or a limit text; may
                          * quote raw input bytes (json_write shows invalid
                          * UTF-8 as \uFFFD, as QEMU does) */
} JsonMessage;

typedef struct JsonStream JsonStream;

JsonStream *json_stream_new(void);
void json_stream_free(JsonStream *stream);

/*
 * Feeds bytes.  Every complete top-level value, and every error, is queued
 * in input order; json_stream_pop() takes them out.  One input byte queues
 * at most two messages, so callers feed bounded chunks and pop everything
 * after each feed to keep memory bounded.
 */
void json_stream_feed(JsonStream *stream, const char *data, size_t len);

/* The next queued message (caller frees it), or NULL. */
JsonMessage *json_stream_pop(JsonStream *stream);

/* Whether a message is queued. */
bool json_stream_has_message(const JsonStream *stream);

/* Forgets partial input and queued messages, as after a disconnect. */
void json_stream_reset(JsonStream *stream);

void json_message_free(JsonMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonMessage, json_message_free)

/*
 * Parses one whole text with the same rules; a text that holds other than
 * exactly one value is an error ("JSON parse error, expecting value" when
 * empty, "... premature EOI" when cut short, "... expecting at most one
 * JSON value" when followed by more).  Always returns a message.
 */
JsonMessage *json_parse_text(const char *text, size_t len);

/*
 * True when node (an int node) stands for a uint64 above INT64_MAX.  The set
 * holds the nodes of msg->root itself: a copied node is no longer marked.
 */
bool json_message_is_uint64(const JsonMessage *msg, JsonNode *node);

/*
 * Appends node as compact JSON: no spaces, ASCII only (\uXXXX with upper-case
 * hex digits as QEMU 7.2 writes them, surrogate pairs for astral code
 * points), control characters escaped, doubles in the form QEMU 7.2 prints
 * ("%.17g"), never inf or nan (null instead).  uint64s may be NULL.
 */
void json_write(GString *out, JsonNode *node, GHashTable *uint64s);

/*
 * json_write into a new string (no uint64 set).  Not json_to_string: that
 * name is taken by json-glib.
 */
char *json_write_string(JsonNode *node);

/* True when a modified-UTF-8 string carries U+0000. */
bool json_string_has_nul(const char *str);

/*
 * Between json-stream.c and json-parser.c only: the tokens of one top-level
 * value, as the streamer collected them.  Each token's text is NUL-terminated
 * inside a shared buffer (a string token keeps its quotes).
 */
typedef enum JsonTokenType {
    JSON_TOKEN_LCURLY,
    JSON_TOKEN_RCURLY,
    JSON_TOKEN_LSQUARE,
    JSON_TOKEN_RSQUARE,
    JSON_TOKEN_COLON,
    JSON_TOKEN_COMMA,
    JSON_TOKEN_STRING,
    JSON_TOKEN_INTEGER,
    JSON_TOKEN_FLOAT,
    JSON_TOKEN_KEYWORD,
} JsonTokenType;

typedef struct JsonToken {
    JsonTokenType type;
    uint32_t offset; /* of the text in the shared buffer */
    uint32_t len;    /* bytes of text, without the NUL */
} JsonToken;

/* Turns the tokens of one value into a message (root or error). */
JsonMessage *json_parse_tokens(const JsonToken *tokens, size_t count,
                               const char *text);

/*
 * Decodes one modified-UTF-8 sequence of at most len bytes: the code point,
 * or -1 when invalid (surrogates, noncharacters, overlong forms other than
 * C0 80, beyond U+10FFFF, truncated).  *used is set to the bytes consumed.
 */
long json_utf8_decode(const char *str, size_t len, size_t *used);
