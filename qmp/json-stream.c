/*
 * The QMP byte stream to top-level JSON values: a lexer that cuts bytes
 * into tokens, and a streamer that groups tokens into one value by counting
 * braces and brackets, then hands them to json-parser.c.
 *
 * Behaviour follows QEMU 7.2 as observed on its QMP socket:
 * - single-quoted strings and the \' escape are accepted; the lexer only
 *   checks that an escape is followed by a printable byte, the parser
 *   decides whether it is valid;
 * - a lexical error reports the token so far plus the offending byte
 *   ("JSON parse error, stray '...'"), drops the value being collected and
 *   skips input until a structural character, an ASCII control character
 *   other than TAB, or byte 0xFE/0xFF, so CR/LF or a control byte resync;
 * - numbers and keywords need one byte of look-ahead to end, strings and
 *   structural characters end at once;
 * - the limits (bytes of token text, tokens, nesting) each answer with a
 *   fixed text and drop the value.  Unlike QEMU, a single token that grows
 *   past the byte limit is reported at once and the rest of it is skipped
 *   without being stored, so memory stays bounded whatever the client sends;
 *   and the rest of a value that broke a limit is skipped too (only its
 *   nesting is followed), where QEMU parses every leftover token and sends
 *   one error each: up to millions of replies for one oversized message.
 *   A lexical error (a client's recovery byte) ends the skipping.
 */
#include "config.h"

#include <string.h>

#include "qmp/json.h"

/* Above this, buffers are reallocated after each value to give memory back. */
enum { JSON_STREAM_KEEP_BYTES = 64 * 1024 };

typedef enum LexState {
    LEX_START,
    LEX_RECOVERY,      /* skipping input after a lexical error */
    LEX_STRING,        /* inside quotes; JsonStream.quote says which */
    LEX_STRING_ESCAPE, /* after a backslash inside quotes */
    LEX_SIGN,          /* after '-' */
    LEX_ZERO,          /* a leading 0: no more digits may follow */
    LEX_DIGITS,        /* integer digits */
    LEX_POINT,         /* after '.', a digit must follow */
    LEX_FRACTION,      /* digits after the point */
    LEX_EXP_MARK,      /* after 'e' or 'E' */
    LEX_EXP_SIGN,      /* after the exponent's sign */
    LEX_EXP_DIGITS,    /* exponent digits */
    LEX_KEYWORD,       /* [a-z]+ */
} LexState;

struct JsonStream {
    /* Lexer. */
    LexState state;
    char quote;      /* '"' or '\'' while in a string */
    GString *token;  /* text of the token being lexed */
    bool discarding; /* that token broke the byte limit: drop the rest */

    /* Streamer: the tokens of the value being collected. */
    GArray *tokens;     /* of JsonToken */
    GString *text;      /* their text, each NUL-terminated */
    size_t value_bytes; /* sum of their lengths, as the limit counts them */
    int brace_depth;
    int bracket_depth;
    int skip_depth; /* > 0: skipping the rest of a value that broke a limit */

    GQueue ready; /* of JsonMessage *, oldest first */
};

static void queue_error(JsonStream *stream, char *error)
{
    JsonMessage *msg = g_new0(JsonMessage, 1);

    msg->error = error;
    g_queue_push_tail(&stream->ready, msg);
}

/* Forgets the value being collected (but not the lexer's state). */
static void drop_value(JsonStream *stream)
{
    if (stream->text->allocated_len > JSON_STREAM_KEEP_BYTES) {
        g_string_free(stream->text, TRUE);
        stream->text = g_string_new(NULL);
    } else {
        g_string_truncate(stream->text, 0);
    }
    if (stream->tokens->len * sizeof(JsonToken) > JSON_STREAM_KEEP_BYTES) {
        g_array_unref(stream->tokens);
        stream->tokens = g_array_new(FALSE, FALSE, sizeof(JsonToken));
    } else {
        g_array_set_size(stream->tokens, 0);
    }
    stream->value_bytes = 0;
    stream->brace_depth = 0;
    stream->bracket_depth = 0;
}

static void clear_token(JsonStream *stream)
{
    if (stream->token->allocated_len > JSON_STREAM_KEEP_BYTES) {
        g_string_free(stream->token, TRUE);
        stream->token = g_string_new(NULL);
    } else {
        g_string_truncate(stream->token, 0);
    }
}

static void limit_error(JsonStream *stream, const char *text)
{
    int depth = stream->brace_depth + stream->bracket_depth;

    drop_value(stream);
    queue_error(stream, g_strdup(text));
    stream->skip_depth = depth > 0 ? depth : 0;
}

/* Follows the nesting of a value being skipped; true while it lasts. */
static bool skip_token(JsonStream *stream, JsonTokenType type)
{
    if (stream->skip_depth == 0) {
        return false;
    }
    if (type == JSON_TOKEN_LCURLY || type == JSON_TOKEN_LSQUARE) {
        stream->skip_depth++;
    } else if (type == JSON_TOKEN_RCURLY || type == JSON_TOKEN_RSQUARE) {
        stream->skip_depth--;
    }
    return true;
}

/* Checks the byte limit as it will stand once a token of len bytes ends. */
static bool token_fits(const JsonStream *stream, size_t len)
{
    return stream->value_bytes + len + 1 <= JSON_MAX_MESSAGE_BYTES;
}

/* Adds the token just lexed to the value; emits the value when complete. */
static void push_token(JsonStream *stream, JsonTokenType type)
{
    JsonToken token;

    if (skip_token(stream, type)) {
        return;
    }
    switch (type) {
    case JSON_TOKEN_LCURLY:
        stream->brace_depth++;
        break;
    case JSON_TOKEN_RCURLY:
        stream->brace_depth--;
        break;
    case JSON_TOKEN_LSQUARE:
        stream->bracket_depth++;
        break;
    case JSON_TOKEN_RSQUARE:
        stream->bracket_depth--;
        break;
    default:
        break;
    }

    if (!token_fits(stream, stream->token->len)) {
        limit_error(stream, "JSON token size limit exceeded");
        return;
    }
    if (stream->tokens->len + 1 > JSON_MAX_TOKEN_COUNT) {
        limit_error(stream, "JSON token count limit exceeded");
        return;
    }
    if (stream->brace_depth + stream->bracket_depth > JSON_MAX_NESTING) {
        limit_error(stream, "JSON nesting depth limit exceeded");
        return;
    }

    token.type = type;
    token.offset = (uint32_t)stream->text->len;
    token.len = (uint32_t)stream->token->len;
    g_string_append_len(stream->text, stream->token->str,
                        (gssize)stream->token->len + 1);
    g_array_append_val(stream->tokens, token);
    stream->value_bytes += stream->token->len;

    /* Still inside a value (a count that went negative ends it too). */
    if ((stream->brace_depth > 0 || stream->bracket_depth > 0) &&
        stream->brace_depth >= 0 && stream->bracket_depth >= 0) {
        return;
    }
    g_queue_push_tail(&stream->ready,
                      json_parse_tokens((JsonToken *)stream->tokens->data,
                                        stream->tokens->len,
                                        stream->text->str));
    drop_value(stream);
}

/* Ends the current token: hands it to the streamer unless it overflowed. */
static void end_token(JsonStream *stream, JsonTokenType type)
{
    if (stream->discarding) {
        stream->discarding = false;
    } else {
        push_token(stream, type);
    }
    clear_token(stream);
    stream->state = LEX_START;
}

/* Appends a byte to the current token, enforcing the per-value byte limit. */
static void take_byte(JsonStream *stream, char byte)
{
    if (stream->discarding) {
        return;
    }
    if (!token_fits(stream, stream->token->len + 1)) {
        /* The finished token could never fit: report now, skip the rest. */
        limit_error(stream, "JSON token size limit exceeded");
        clear_token(stream);
        stream->discarding = true;
        return;
    }
    g_string_append_c(stream->token, byte);
}

/* A lexical error at byte: report the token so far with it, then resync. */
static void lex_error(JsonStream *stream, char byte)
{
    stream->skip_depth = 0;
    if (stream->discarding) {
        /* The overflow was already reported for this token. */
        stream->discarding = false;
    } else {
        g_string_append_c(stream->token, byte);
        drop_value(stream);
        /* %s stops at a NUL byte, as QEMU's message does. */
        queue_error(stream, g_strdup_printf("JSON parse error, stray '%s'",
                                            stream->token->str));
    }
    clear_token(stream);
    stream->state = LEX_RECOVERY;
}

static bool is_digit(unsigned char byte)
{
    return byte >= '0' && byte <= '9';
}

static bool is_keyword_char(unsigned char byte)
{
    return byte >= 'a' && byte <= 'z';
}

/* Where lexing may restart after an error. */
static bool is_resync_byte(unsigned char byte)
{
    switch (byte) {
    case '[':
    case ']':
    case '{':
    case '}':
    case ':':
    case ',':
    case 0xFE:
    case 0xFF:
        return true;
    default:
        return byte < 0x20 && byte != '\t';
    }
}

/* Bytes a string may hold as they are (escapes take the same set). */
static bool is_string_byte(unsigned char byte)
{
    return byte >= 0x20 && byte <= 0xFD;
}

static bool lex_start(JsonStream *stream, unsigned char byte)
{
    static const struct {
        char byte;
        JsonTokenType type;
    } structural[] = {
        { '{', JSON_TOKEN_LCURLY },  { '}', JSON_TOKEN_RCURLY },
        { '[', JSON_TOKEN_LSQUARE }, { ']', JSON_TOKEN_RSQUARE },
        { ':', JSON_TOKEN_COLON },   { ',', JSON_TOKEN_COMMA },
    };

    if (byte == ' ' || byte == '\t' || byte == '\r' || byte == '\n') {
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(structural); i++) {
        if (byte == (unsigned char)structural[i].byte) {
            take_byte(stream, (char)byte);
            end_token(stream, structural[i].type);
            return true;
        }
    }
    if (byte == '"' || byte == '\'') {
        stream->quote = (char)byte;
        stream->state = LEX_STRING;
    } else if (byte == '0') {
        stream->state = LEX_ZERO;
    } else if (is_digit(byte)) {
        stream->state = LEX_DIGITS;
    } else if (byte == '-') {
        stream->state = LEX_SIGN;
    } else if (is_keyword_char(byte)) {
        stream->state = LEX_KEYWORD;
    } else {
        lex_error(stream, (char)byte);
        return true;
    }
    take_byte(stream, (char)byte);
    return true;
}

/*
 * Moves to next_state when byte continues the token, else returns false.
 */
static bool lex_continue(JsonStream *stream, unsigned char byte, bool continues,
                         LexState next_state)
{
    if (!continues) {
        return false;
    }
    take_byte(stream, (char)byte);
    stream->state = next_state;
    return true;
}

/*
 * Lexes one byte.  Returns false when the byte ended a token by look-ahead
 * and must be lexed again from LEX_START.
 */
static bool lex_byte(JsonStream *stream, unsigned char byte)
{
    bool exp = byte == 'e' || byte == 'E';
    bool ok;

    switch (stream->state) {
    case LEX_START:
        return lex_start(stream, byte);
    case LEX_RECOVERY:
        if (is_resync_byte(byte)) {
            stream->state = LEX_START;
            return false;
        }
        return true;
    case LEX_STRING:
        if (byte == (unsigned char)stream->quote) {
            take_byte(stream, (char)byte);
            end_token(stream, JSON_TOKEN_STRING);
            return true;
        }
        ok = lex_continue(stream, byte, byte == '\\', LEX_STRING_ESCAPE) ||
             lex_continue(stream, byte, is_string_byte(byte), LEX_STRING);
        break;
    case LEX_STRING_ESCAPE:
        ok = lex_continue(stream, byte, is_string_byte(byte), LEX_STRING);
        break;
    case LEX_SIGN:
        ok = lex_continue(stream, byte, byte == '0', LEX_ZERO) ||
             lex_continue(stream, byte, is_digit(byte), LEX_DIGITS);
        break;
    case LEX_POINT:
        ok = lex_continue(stream, byte, is_digit(byte), LEX_FRACTION);
        break;
    case LEX_EXP_MARK:
        ok = lex_continue(stream, byte, byte == '+' || byte == '-',
                          LEX_EXP_SIGN) ||
             lex_continue(stream, byte, is_digit(byte), LEX_EXP_DIGITS);
        break;
    case LEX_EXP_SIGN:
        ok = lex_continue(stream, byte, is_digit(byte), LEX_EXP_DIGITS);
        break;
    case LEX_ZERO:
        /* "01" is one bad token, but "0e5" is 0 followed by keyword e5. */
        if (is_digit(byte)) {
            ok = false;
            break;
        }
        if (lex_continue(stream, byte, byte == '.', LEX_POINT)) {
            return true;
        }
        end_token(stream, JSON_TOKEN_INTEGER);
        return false;
    case LEX_DIGITS:
        if (lex_continue(stream, byte, is_digit(byte), LEX_DIGITS) ||
            lex_continue(stream, byte, byte == '.', LEX_POINT) ||
            lex_continue(stream, byte, exp, LEX_EXP_MARK)) {
            return true;
        }
        end_token(stream, JSON_TOKEN_INTEGER);
        return false;
    case LEX_FRACTION:
        if (lex_continue(stream, byte, is_digit(byte), LEX_FRACTION) ||
            lex_continue(stream, byte, exp, LEX_EXP_MARK)) {
            return true;
        }
        end_token(stream, JSON_TOKEN_FLOAT);
        return false;
    case LEX_EXP_DIGITS:
        if (lex_continue(stream, byte, is_digit(byte), LEX_EXP_DIGITS)) {
            return true;
        }
        end_token(stream, JSON_TOKEN_FLOAT);
        return false;
    case LEX_KEYWORD:
        if (lex_continue(stream, byte, is_keyword_char(byte), LEX_KEYWORD)) {
            return true;
        }
        end_token(stream, JSON_TOKEN_KEYWORD);
        return false;
    default:
        ok = false;
        break;
    }
    if (!ok) {
        lex_error(stream, (char)byte);
    }
    return true;
}

JsonStream *json_stream_new(void)
{
    JsonStream *stream = g_new0(JsonStream, 1);

    stream->state = LEX_START;
    stream->token = g_string_new(NULL);
    stream->tokens = g_array_new(FALSE, FALSE, sizeof(JsonToken));
    stream->text = g_string_new(NULL);
    g_queue_init(&stream->ready);
    return stream;
}

void json_stream_free(JsonStream *stream)
{
    if (stream == NULL) {
        return;
    }
    g_queue_clear_full(&stream->ready, (GDestroyNotify)json_message_free);
    g_string_free(stream->token, TRUE);
    g_string_free(stream->text, TRUE);
    g_array_unref(stream->tokens);
    g_free(stream);
}

void json_stream_feed(JsonStream *stream, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        /* A byte is lexed at most twice: once to end a token, once anew. */
        if (!lex_byte(stream, (unsigned char)data[i])) {
            lex_byte(stream, (unsigned char)data[i]);
        }
    }
}

JsonMessage *json_stream_pop(JsonStream *stream)
{
    return g_queue_pop_head(&stream->ready);
}

bool json_stream_has_message(const JsonStream *stream)
{
    return stream->ready.length > 0;
}

void json_stream_reset(JsonStream *stream)
{
    g_queue_clear_full(&stream->ready, (GDestroyNotify)json_message_free);
    clear_token(stream);
    stream->discarding = false;
    stream->skip_depth = 0;
    stream->state = LEX_START;
    drop_value(stream);
}

/* End of input for a whole text: finish or reject what is pending. */
static void finish_input(JsonStream *stream)
{
    switch (stream->state) {
    case LEX_START:
    case LEX_RECOVERY:
        break;
    case LEX_ZERO:
    case LEX_DIGITS:
        end_token(stream, JSON_TOKEN_INTEGER);
        break;
    case LEX_FRACTION:
    case LEX_EXP_DIGITS:
        end_token(stream, JSON_TOKEN_FLOAT);
        break;
    case LEX_KEYWORD:
        end_token(stream, JSON_TOKEN_KEYWORD);
        break;
    default:
        /* Unterminated token: report it as QEMU does, without a byte. */
        lex_error(stream, '\0');
        break;
    }
    if (stream->tokens->len > 0) {
        /* An unfinished value: the parser runs out of tokens. */
        g_queue_push_tail(&stream->ready,
                          json_parse_tokens((JsonToken *)stream->tokens->data,
                                            stream->tokens->len,
                                            stream->text->str));
        drop_value(stream);
    }
}

JsonMessage *json_parse_text(const char *text, size_t len)
{
    JsonStream *stream = json_stream_new();
    JsonMessage *result = NULL;
    JsonMessage *msg;

    json_stream_feed(stream, text, len);
    finish_input(stream);
    while ((msg = json_stream_pop(stream)) != NULL) {
        if (result == NULL) {
            result = msg;
            continue;
        }
        if (result->error == NULL) {
            json_message_free(result);
            result = g_new0(JsonMessage, 1);
            result->error =
                g_strdup("JSON parse error, expecting at most one JSON value");
        }
        json_message_free(msg);
    }
    json_stream_free(stream);

    if (result == NULL) {
        result = g_new0(JsonMessage, 1);
        result->error = g_strdup("JSON parse error, expecting value");
    }
    return result;
}

void json_message_free(JsonMessage *msg)
{
    if (msg == NULL) {
        return;
    }
    if (msg->root != NULL) {
        json_node_unref(msg->root);
    }
    if (msg->uint64s != NULL) {
        g_hash_table_unref(msg->uint64s);
    }
    g_free(msg->error);
    g_free(msg);
}

bool json_message_is_uint64(const JsonMessage *msg, JsonNode *node)
{
    return msg != NULL && msg->uint64s != NULL &&
           g_hash_table_contains(msg->uint64s, node);
}
