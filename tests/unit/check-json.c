/*
 * The QMP JSON layer: framing, lexer recovery, parser errors, strings,
 * numbers, limits and the writer.  Every expected text below was observed
 * byte for byte on QEMU 7.2.22's QMP socket (Debian 12), sending the same
 * input on a fresh connection: error texts are compared in the JSON form
 * QEMU writes them (raw invalid bytes as \uFFFD), and the number of
 * messages equals the number of QEMU replies.  Values are compared in our
 * compact form; QEMU writes the same tokens with spaces after ':' and ','.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "qmp/json.h"
#include "tests/unit/suites.h"

#define IN(text)    text, sizeof(text) - 1
#define STRAY(tok)  "E:\"JSON parse error, stray '" tok "'\""
#define PARSE(what) "E:\"JSON parse error, " what "\""
#define EXPECTING   PARSE("expecting value")
#define LIMIT(what) "E:\"JSON " what " limit exceeded\""

/* Sent after most cases: the stream must have recovered by then. */
#define PROBE_IN  "\n{\"execute\":\"probe\"}"
#define PROBE_OUT "{\"execute\":\"probe\"}"

enum { MAX_EXPECT = 4 };

typedef struct StreamCase {
    const char *input; /* may hold NUL bytes */
    size_t len;
    const char *expect[MAX_EXPECT + 1]; /* rendered, NULL-terminated */
} StreamCase;

/* A message as text: the value in compact JSON, or "E:" + the error. */
static char *render(const JsonMessage *msg)
{
    GString *out = g_string_new(NULL);

    if (msg->error != NULL) {
        JsonNode *text = json_node_init_string(json_node_alloc(), msg->error);

        ck_assert_ptr_null(msg->root);
        g_string_append(out, "E:");
        json_write(out, text, NULL);
        json_node_unref(text);
    } else {
        ck_assert_ptr_nonnull(msg->root);
        json_write(out, msg->root, msg->uint64s);
    }
    return g_string_free(out, FALSE);
}

/* Everything queued so far, rendered. */
static GPtrArray *drain(JsonStream *stream)
{
    GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
    JsonMessage *msg;

    while ((msg = json_stream_pop(stream)) != NULL) {
        g_ptr_array_add(got, render(msg));
        json_message_free(msg);
    }
    return got;
}

static GPtrArray *feed(JsonStream *stream, const char *data, size_t len)
{
    json_stream_feed(stream, data, len);
    return drain(stream);
}

static void check_messages(GPtrArray *got, const char *const *expect)
{
    guint count = 0;

    while (expect[count] != NULL) {
        count++;
    }
    for (guint i = 0; i < got->len && i < count; i++) {
        ck_assert_str_eq(g_ptr_array_index(got, i), expect[i]);
    }
    ck_assert_uint_eq(got->len, count);
    g_ptr_array_unref(got);
}

/* Feeds input then the probe, in one go and byte by byte. */
static void run_stream_case(const StreamCase *c, bool probe)
{
    JsonStream *stream = json_stream_new();

    json_stream_feed(stream, c->input, c->len);
    if (probe) {
        json_stream_feed(stream, IN(PROBE_IN));
    }
    check_messages(drain(stream), c->expect);

    json_stream_reset(stream);
    for (size_t i = 0; i < c->len; i++) {
        json_stream_feed(stream, c->input + i, 1);
    }
    if (probe) {
        json_stream_feed(stream, IN(PROBE_IN));
    }
    check_messages(drain(stream), c->expect);
    json_stream_free(stream);
}

/* ------------------------------------------------------------ framing */

START_TEST(test_several_values_in_one_feed)
{
    static const char *const expect[] = { "{\"execute\":\"x\",\"id\":1}",
                                          "{\"execute\":\"x\",\"id\":2}",
                                          "{\"execute\":\"x\",\"id\":3}",
                                          "{}",
                                          "{}",
                                          NULL };
    JsonStream *stream = json_stream_new();

    check_messages(feed(stream, IN("{\"execute\":\"x\",\"id\":1}"
                                   "{\"execute\":\"x\",\"id\":2}\r\n"
                                   "{\"execute\":\"x\",\"id\":3}{}{}")),
                   expect);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_value_split_across_feeds)
{
    static const char *const none[] = { NULL };
    static const char *const one[] = {
        "{\"execute\":\"query-status\",\"id\":\"split\"}", NULL
    };
    static const char text[] =
        "{\"execute\":\"query-status\",\"id\":\"split\"}";
    JsonStream *stream = json_stream_new();

    check_messages(feed(stream, IN("{\"execute\":\"query-st")), none);
    check_messages(feed(stream, IN("atus\",\"id\":\"split\"}\r\n")), one);
    for (size_t i = 0; i + 1 < sizeof(text) - 1; i++) {
        check_messages(feed(stream, text + i, 1), none);
    }
    check_messages(feed(stream, text + sizeof(text) - 2, 1), one);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_whitespace_between_values)
{
    static const char *const expect[] = { "{\"a\":1}", "[true]", NULL };
    JsonStream *stream = json_stream_new();

    check_messages(feed(stream, IN("\r\n\r\n\t {\r\n\"a\"\t:\n1 }\r\r\n\n"
                                   " [ true\r\n]\t")),
                   expect);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_scalar_look_ahead)
{
    static const char *const none[] = { NULL };
    static const char *const null_value[] = { "null", NULL };
    static const char *const number[] = { "42", NULL };
    static const char *const string[] = { "\"str\"", NULL };
    JsonStream *stream = json_stream_new();

    /* null and 42 need the next byte to end; a string ends at its quote. */
    check_messages(feed(stream, IN("null")), none);
    check_messages(feed(stream, IN("\n")), null_value);
    check_messages(feed(stream, IN("42")), none);
    check_messages(feed(stream, IN(" ")), number);
    check_messages(feed(stream, IN("\"str\"")), string);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_trailing_garbage)
{
    static const char *const object[] = { "{\"execute\":\"x\"}", NULL };
    static const char *const keyword[] = { PARSE("invalid keyword 'garbage'"),
                                           NULL };
    JsonStream *stream = json_stream_new();

    check_messages(feed(stream, IN("{\"execute\":\"x\"} garbage")), object);
    check_messages(feed(stream, IN(" ")), keyword);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_reset)
{
    static const char *const none[] = { NULL };
    static const char *const after[] = { "{\"b\":2}", NULL };
    JsonStream *stream = json_stream_new();

    json_stream_feed(stream, IN("{\"a\":1}{\"a\":\"partial"));
    json_stream_reset(stream);
    check_messages(drain(stream), none);
    check_messages(feed(stream, IN("{\"b\":2}")), after);
    json_stream_free(stream);
}
END_TEST

/* ------------------------------------- QEMU qmp-test's malformed set */

static const StreamCase malformed_cases[] = {
    { IN("{]\n"), { EXPECTING, PROBE_OUT } },
    { IN("{\xFF"), { STRAY("\\uFFFD"), PROBE_OUT } },
    { IN("{\x01"), { STRAY("\\u0001"), PROBE_OUT } },
    { IN("{'bad \xFF"), { STRAY("'bad \\uFFFD"), PROBE_OUT } },
    { IN("{'execute': 'nonexistent', 'id':'\n"), { STRAY("'\\n"), PROBE_OUT } },
    { IN("%p"), { STRAY("%"), PROBE_OUT } },
    /* The rest parse; the dispatcher rejects them. */
    { IN("null"), { "null", PROBE_OUT } },
    { IN("{}"), { "{}", PROBE_OUT } },
    { IN("{ 'execute': true }"), { "{\"execute\":true}", PROBE_OUT } },
    { IN("{ 'execute': 'no-such-cmd', 'arguments': [] }"),
      { "{\"execute\":\"no-such-cmd\",\"arguments\":[]}", PROBE_OUT } },
    { IN("{ 'execute': 'no-such-cmd', 'extra': true }"),
      { "{\"execute\":\"no-such-cmd\",\"extra\":true}", PROBE_OUT } },
};

START_TEST(test_malformed)
{
    run_stream_case(&malformed_cases[_i], true);
}
END_TEST

/* ------------------------------------------ lexical errors, recovery */

static const StreamCase lexer_cases[] = {
    /* The error token runs up to and including the offending byte. */
    { IN("{\"execute\":\"tab\there\"}"),
      { STRAY("\\\"tab\\t"), EXPECTING, PROBE_OUT } },
    { IN("\"abc\x1F\""), { STRAY("\\\"abc\\u001F"), PROBE_OUT } },
    { IN("\x01"), { STRAY("\\u0001"), PROBE_OUT } },
    { IN("\x80"), { STRAY("\\uFFFD"), PROBE_OUT } },
    { IN("\"a\376b\""), { STRAY("\\\"a\\uFFFD"), PROBE_OUT } },
    /* A NUL byte ends the quoted text, as in QEMU's message. */
    { IN("\x00"), { STRAY(""), PROBE_OUT } },
    { IN("\"a\000b\""), { STRAY("\\\"a"), PROBE_OUT } },
    { IN("NaN"), { STRAY("N"), PROBE_OUT } },
    { IN("TRUE "), { STRAY("T"), PROBE_OUT } },
    { IN("/* c */ {}"), { STRAY("/"), "{}", PROBE_OUT } },
    { IN("01 "), { STRAY("01"), PROBE_OUT } },
    { IN("{\"a\":01}"), { STRAY("01"), EXPECTING, PROBE_OUT } },
    { IN("{\"id\":-01}"), { STRAY("-01"), EXPECTING, PROBE_OUT } },
    { IN("{\"id\":1.}"), { STRAY("1.}"), PROBE_OUT } },
    { IN("{\"id\":.5}"), { STRAY("."), EXPECTING, PROBE_OUT } },
    { IN("{\"id\":-}"), { STRAY("-}"), PROBE_OUT } },
    { IN("{\"id\":-a}"), { STRAY("-a"), EXPECTING, PROBE_OUT } },
    { IN("{\"id\":1e}"), { STRAY("1e}"), PROBE_OUT } },
    { IN("{\"id\":1e+}"), { STRAY("1e+}"), PROBE_OUT } },
    { IN("{\"id\":123e}"), { STRAY("123e}"), PROBE_OUT } },
    { IN("[1,\x01 2]"), { STRAY("\\u0001"), EXPECTING, PROBE_OUT } },
    /* CR/LF, control bytes and 0xFF resync inside a value or a string. */
    { IN("\"abc\n{\"id\":\"rec\"}"),
      { STRAY("\\\"abc\\n"), "{\"id\":\"rec\"}", PROBE_OUT } },
    { IN("[1,2\x01{\"id\":\"rec\"}"),
      { STRAY("\\u0001"), "{\"id\":\"rec\"}", PROBE_OUT } },
    { IN("[1,2\xFF{\"id\":\"rec\"}"),
      { STRAY("\\uFFFD"), "{\"id\":\"rec\"}", PROBE_OUT } },
    /* Lexed as several tokens, each its own value. */
    { IN("true1 "), { "true", "1", PROBE_OUT } },
    { IN("0x10 "), { "0", PARSE("invalid keyword 'x'"), "10", PROBE_OUT } },
    { IN("{\"id\":0e5}"), { PARSE("expected separator in dict"), PROBE_OUT } },
    { IN("garbage"), { PARSE("invalid keyword 'garbage'"), PROBE_OUT } },
};

START_TEST(test_lexer)
{
    run_stream_case(&lexer_cases[_i], true);
}
END_TEST

/* ------------------------------------------------------ parser errors */

static const StreamCase parser_cases[] = {
    { IN("{\"a\":1,\"a\":2}"), { PARSE("duplicate key") } },
    { IN("{1:2}"), { PARSE("key is not a string in object") } },
    { IN("{[1]:2}"), { PARSE("key is not a string in object") } },
    { IN("{\"a\" 1}"), { PARSE("missing : in object pair") } },
    { IN("{\"a\"}"), { PARSE("missing : in object pair") } },
    { IN("{\"a\":1 \"b\":2}"), { PARSE("expected separator in dict") } },
    { IN("{\"id\":'it''s'}"), { PARSE("expected separator in dict") } },
    { IN("[1 2]"), { PARSE("expected separator in list") } },
    { IN("[1,]"), { EXPECTING } },
    { IN("{\"a\":1,}"), { EXPECTING } },
    { IN("]"), { EXPECTING } },
    { IN("}"), { EXPECTING } },
    { IN("{\"a\":]"), { EXPECTING } },
    { IN("[}"), { EXPECTING } },
    { IN("{\"a\":}"), { EXPECTING } },
    { IN("{,}"), { EXPECTING } },
    { IN("[,]"), { EXPECTING } },
    { IN("{\"a\":1}}"), { "{\"a\":1}", EXPECTING } },
    { IN("[1"), { NULL } },
};

START_TEST(test_parser)
{
    run_stream_case(&parser_cases[_i], false);
}
END_TEST

/* ------------------------------------------------------------ strings */

#define ID_CASE(id, out)                                                       \
    {                                                                          \
        IN("{\"id\":" id "}"),                                                 \
        {                                                                      \
            "{\"id\":" out "}", PROBE_OUT                                      \
        }                                                                      \
    }
#define ID_ERROR(id, err)                                                      \
    {                                                                          \
        IN("{\"id\":" id "}"),                                                 \
        {                                                                      \
            err, PROBE_OUT                                                     \
        }                                                                      \
    }
#define NOT_UNICODE(esc) PARSE(esc " is not a valid Unicode character")
#define BAD_UTF8         PARSE("invalid UTF-8 sequence in string")

static const StreamCase string_cases[] = {
    ID_CASE("\"\xC3\xA9\xF0\x9F\x98\x80\"", "\"\\u00E9\\uD83D\\uDE00\""),
    ID_CASE("\"\\u001f\\u007f\\u0080\\u00ff/\\\\\\\"\\b\\f\\n\\r\\t\"",
            "\"\\u001F\\u007F\\u0080\\u00FF/\\\\\\\"\\b\\f\\n\\r\\t\""),
    ID_CASE("\"\\u0000\"", "\"\\u0000\""),
    ID_CASE("\"a\300\200b\"", "\"a\\u0000b\""),
    ID_CASE("\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\""),
    ID_CASE("\"\\uD83D\\uDE00\\u00E9\"", "\"\\uD83D\\uDE00\\u00E9\""),
    ID_CASE("'it\\'s \"q\"'", "\"it's \\\"q\\\"\""),
    ID_CASE("\"\\'\"", "\"'\""),
    ID_CASE("\"\\t\\u0009\"", "\"\\t\\t\""),
    ID_ERROR("\"\\x41\"", PARSE("invalid escape sequence in string")),
    ID_ERROR("\"\\uffff\"", NOT_UNICODE("\\\\uffff")),
    ID_ERROR("\"\\ufdd0\"", NOT_UNICODE("\\\\ufdd0")),
    ID_ERROR("\"\\ude00\"", NOT_UNICODE("\\\\ude00")),
    ID_ERROR("\"\\ud800\"", NOT_UNICODE("\\\\ud800")),
    ID_ERROR("\"\\ud83dx\"", NOT_UNICODE("\\\\ud83d")),
    ID_ERROR("\"\\ud83d\\u0041\"", NOT_UNICODE("\\\\ud83d")),
    ID_ERROR("\"\\ud800\\ud800\"", NOT_UNICODE("\\\\ud800")),
    ID_ERROR("\"\\udbff\\udfff\"", NOT_UNICODE("\\\\udbff\\\\udfff")),
    ID_ERROR("\"\\ud83f\\udffe\"", NOT_UNICODE("\\\\ud83f\\\\udffe")),
    /* A short escape shows the bytes after it, closing quote included. */
    ID_ERROR("\"\\u1\"", NOT_UNICODE("\\\\u1\\\"")),
    ID_ERROR("\"\\u\"", NOT_UNICODE("\\\\u\\\"")),
    ID_ERROR("\"\\u00\"", NOT_UNICODE("\\\\u00\\\"")),
    ID_ERROR("\"\\u12g4\"", NOT_UNICODE("\\\\u12g4")),
    ID_ERROR("\"\\u12\\\"ab\"", NOT_UNICODE("\\\\u12\\\\\\\"")),
    ID_ERROR("\"\xEF\xBF\xBF\"", BAD_UTF8),
    ID_ERROR("\"a\200b\"", BAD_UTF8),
    ID_ERROR("\"\xE9\"", BAD_UTF8),
    ID_ERROR("\"\xC3\"", BAD_UTF8),
    ID_ERROR("\"\xC0\"", BAD_UTF8),
    ID_ERROR("\"\xC0\x81\"", BAD_UTF8),
    ID_ERROR("\"\xC1\xBF\"", BAD_UTF8),
    ID_ERROR("\"\xE0\x80\x80\"", BAD_UTF8),
    ID_ERROR("\"\xED\xA0\x80\"", BAD_UTF8),
    ID_ERROR("\"\xF4\x90\x80\x80\"", BAD_UTF8),
    ID_ERROR("\"\xF8\x88\x80\x80\x80\"", BAD_UTF8),
};

START_TEST(test_strings)
{
    run_stream_case(&string_cases[_i], true);
}
END_TEST

/* ------------------------------------------------------------ numbers */

static const StreamCase number_cases[] = {
    ID_CASE("0.1", "0.10000000000000001"),
    ID_CASE("-0", "0"),
    ID_CASE("-0.0", "-0"),
    ID_CASE("1.5e3", "1500"),
    ID_CASE("1e-400", "0"),
    ID_CASE("18446744073709551615", "18446744073709551615"),
    ID_CASE("18446744073709551616", "1.8446744073709552e+19"),
    ID_CASE("9223372036854775807", "9223372036854775807"),
    ID_CASE("9223372036854775808", "9223372036854775808"),
    ID_CASE("-9223372036854775808", "-9223372036854775808"),
    ID_CASE("-9223372036854775809", "-9.2233720368547758e+18"),
    ID_CASE("123456789012345678901234567890", "1.2345678901234568e+29"),
    ID_CASE("1E2", "100"),
    ID_CASE("1e+2", "100"),
    ID_CASE("0.5", "0.5"),
    ID_CASE("123.0", "123"),
    ID_CASE("0.0e5", "0"),
    ID_CASE("100000000000000000000.0", "1e+20"),
    ID_CASE("1e21", "1e+21"),
    ID_CASE("1e17", "1e+17"),
    ID_CASE("1e16", "10000000000000000"),
    ID_CASE("1e15", "1000000000000000"),
    ID_CASE("2.5e-7", "2.4999999999999999e-07"),
    ID_CASE("-0.5e-3", "-0.00050000000000000001"),
    ID_CASE("0.0001", "0.0001"),
    ID_CASE("0.00001", "1.0000000000000001e-05"),
    ID_CASE("0.000001", "9.9999999999999995e-07"),
    ID_CASE("1.7976931348623157e308", "1.7976931348623157e+308"),
    ID_CASE("5e-324", "4.9406564584124654e-324"),
    /* QEMU accepts these as inf and writes invalid JSON; we refuse. */
    ID_ERROR("1e400", PARSE("number '1e400' out of range")),
    ID_ERROR("-1e400", PARSE("number '-1e400' out of range")),
};

START_TEST(test_numbers)
{
    run_stream_case(&number_cases[_i], true);
}
END_TEST

/* Every JSON type as an id comes back as it went in. */
static const StreamCase id_cases[] = {
    ID_CASE("null", "null"),
    ID_CASE("true", "true"),
    ID_CASE("false", "false"),
    ID_CASE("7", "7"),
    ID_CASE("\"cookie#1\"", "\"cookie#1\""),
    ID_CASE("'single\\'quoted'", "\"single'quoted\""),
    ID_CASE("[1,\"a\",{\"b\":null}]", "[1,\"a\",{\"b\":null}]"),
    ID_CASE("{\"a\":[1,2]}", "{\"a\":[1,2]}"),
    ID_CASE("{}", "{}"),
    ID_CASE("[]", "[]"),
    ID_CASE("{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}"),
};

START_TEST(test_ids)
{
    run_stream_case(&id_cases[_i], true);
}
END_TEST

/* ------------------------------------------- json-glib traps (§7 notes) */

static JsonMessage *parse_one(const char *text)
{
    JsonMessage *msg = json_parse_text(text, strlen(text));

    ck_assert_msg(msg->error == NULL, "%s: %s", text, msg->error);
    return msg;
}

START_TEST(test_uint64_kept)
{
    g_autoptr(JsonMessage) msg = parse_one("[18446744073709551615,-1]");
    JsonArray *array = json_node_get_array(msg->root);
    JsonNode *big = json_array_get_element(array, 0);
    JsonNode *minus_one = json_array_get_element(array, 1);
    GString *out = g_string_new(NULL);

    ck_assert(json_message_is_uint64(msg, big));
    ck_assert(!json_message_is_uint64(msg, minus_one));
    ck_assert_int_eq(json_node_get_int(big), -1); /* same 64 bits */
    json_write(out, msg->root, msg->uint64s);
    ck_assert_str_eq(out->str, "[18446744073709551615,-1]");
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_int64_overflow_is_double)
{
    g_autoptr(JsonMessage) low = parse_one("-9223372036854775809");
    g_autoptr(JsonMessage) high = parse_one("18446744073709551616");
    g_autoptr(JsonMessage) max = parse_one("9223372036854775807");

    ck_assert(json_node_get_value_type(low->root) == G_TYPE_DOUBLE);
    ck_assert(json_node_get_value_type(high->root) == G_TYPE_DOUBLE);
    ck_assert(json_node_get_value_type(max->root) == G_TYPE_INT64);
    ck_assert(!json_message_is_uint64(max, max->root));
}
END_TEST

START_TEST(test_nul_in_string_kept)
{
    g_autoptr(JsonMessage) msg = parse_one("\"x\\u0000y\"");
    g_autofree char *text = json_write_string(msg->root);
    const char *str = json_node_get_string(msg->root);

    ck_assert_mem_eq(str, "x\xC0\x80y", 5);
    ck_assert(json_string_has_nul(str));
    ck_assert(!json_string_has_nul("xy"));
    ck_assert_str_eq(text, "\"x\\u0000y\"");
}
END_TEST

START_TEST(test_two_objects_two_messages)
{
    static const char *const expect[] = { "{}", "{}", NULL };
    JsonStream *stream = json_stream_new();
    g_autoptr(JsonMessage) whole = json_parse_text(IN("{}{}"));

    check_messages(feed(stream, IN("{}{}")), expect);
    ck_assert_str_eq(whole->error,
                     "JSON parse error, expecting at most one JSON value");
    json_stream_free(stream);
}
END_TEST

/* ------------------------------------------------------------- limits */

static char *repeat(const char *unit, size_t times)
{
    GString *out = g_string_new(NULL);

    for (size_t i = 0; i < times; i++) {
        g_string_append(out, unit);
    }
    return g_string_free(out, FALSE);
}

START_TEST(test_nesting_limit)
{
    static const char *const none[] = { NULL };
    static const char *const after[] = { "{\"a\":1}", NULL };
    g_autofree char *open_ok = repeat("[", JSON_MAX_NESTING);
    g_autofree char *close_ok = repeat("]", JSON_MAX_NESTING);
    g_autofree char *objects = repeat("{\"a\":", JSON_MAX_NESTING);
    g_autofree char *object_ends = repeat("}", JSON_MAX_NESTING);
    JsonStream *stream = json_stream_new();
    g_autofree char *deep = g_strconcat(open_ok, close_ok, NULL);
    GPtrArray *got;

    got = feed(stream, deep, strlen(deep));
    ck_assert_uint_eq(got->len, 1);
    ck_assert_str_eq(g_ptr_array_index(got, 0), deep);
    g_ptr_array_unref(got);

    json_stream_feed(stream, objects, strlen(objects));
    got = feed(stream, IN("1"));
    ck_assert_uint_eq(got->len, 0);
    g_ptr_array_unref(got);
    got = feed(stream, object_ends, strlen(object_ends));
    ck_assert_uint_eq(got->len, 1);
    g_ptr_array_unref(got);

    /*
     * 1025 levels: one limit error, and the rest of that value is skipped
     * (QEMU answers each leftover ']' with an error of its own).
     */
    json_stream_feed(stream, open_ok, strlen(open_ok));
    check_messages(drain(stream), none);
    got = feed(stream, IN("["));
    ck_assert_uint_eq(got->len, 1);
    ck_assert_str_eq(g_ptr_array_index(got, 0), LIMIT("nesting depth"));
    g_ptr_array_unref(got);
    json_stream_feed(stream, close_ok, strlen(close_ok));
    got = feed(stream, IN("]"));
    ck_assert_uint_eq(got->len, 0);
    g_ptr_array_unref(got);
    check_messages(feed(stream, IN("{\"a\":1}")), after);

    /* A recovery byte ends the skipping at once. */
    json_stream_feed(stream, open_ok, strlen(open_ok));
    got = feed(stream, IN("[[["));
    ck_assert_uint_eq(got->len, 1);
    g_ptr_array_unref(got);
    got = feed(stream, IN("\x01{\"a\":1}"));
    ck_assert_uint_eq(got->len, 2);
    ck_assert_str_eq(g_ptr_array_index(got, 1), "{\"a\":1}");
    g_ptr_array_unref(got);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_size_limit)
{
    static const char *const none[] = { NULL };
    static const char *const fits[] = { "\"\"", NULL };
    static const char *const too_big[] = { LIMIT("token size"), NULL };
    /* The rest of the value is skipped: one error, then the next value. */
    static const char *const in_value[] = { LIMIT("token size"), "{\"a\":1}",
                                            NULL };
    static const char *const resync[] = { LIMIT("token size"), "{\"a\":1}",
                                          NULL };
    /* Token text may total JSON_MAX_MESSAGE_BYTES - 1, as in QEMU. */
    size_t body = JSON_MAX_MESSAGE_BYTES - 1 - 2;
    g_autofree char *filler = repeat("a", body);
    g_autofree char *tricky = repeat("{[,:]}", JSON_MAX_MESSAGE_BYTES / 3);
    JsonStream *stream = json_stream_new();
    GPtrArray *got;

    json_stream_feed(stream, IN("\""));
    json_stream_feed(stream, filler, body);
    got = feed(stream, IN("\""));
    ck_assert_uint_eq(got->len, 1);
    ck_assert_uint_eq(strlen(g_ptr_array_index(got, 0)), body + 2);
    g_ptr_array_unref(got);

    /* One byte more: reported at once, the rest of the token skipped. */
    json_stream_feed(stream, IN("\""));
    json_stream_feed(stream, filler, body);
    check_messages(feed(stream, IN("a")), none);
    check_messages(feed(stream, IN("a")), too_big);
    check_messages(feed(stream, IN("aa\"\"\"")), fits);

    /* Structural bytes inside the skipped string do not resync. */
    json_stream_feed(stream, IN("{\"execute\":\""));
    json_stream_feed(stream, tricky, strlen(tricky));
    check_messages(feed(stream, IN("\"}{\"a\":1}")), in_value);

    /* A line end inside it does: the client can always resync. */
    json_stream_feed(stream, IN("[\""));
    json_stream_feed(stream, tricky, strlen(tricky));
    check_messages(feed(stream, IN("\r\n{\"a\":1}")), resync);

    /* An endless keyword is skipped too. */
    for (int i = 0; i < 4; i++) {
        json_stream_feed(stream, filler, body);
    }
    check_messages(feed(stream, IN(" {\"a\":1}")), resync);
    json_stream_free(stream);
}
END_TEST

START_TEST(test_token_count_limit)
{
    static const char *const count[] = { LIMIT("token count"), "{\"a\":1}",
                                         NULL };
    /* "[[]" + ",1" * n + "]" is 4 + 2n tokens. */
    size_t n = (JSON_MAX_TOKEN_COUNT - 4) / 2;
    g_autofree char *items = repeat(",1", n);
    JsonStream *stream = json_stream_new();
    GPtrArray *got;

    json_stream_feed(stream, IN("[[]"));
    json_stream_feed(stream, items, strlen(items));
    got = feed(stream, IN("]"));
    ck_assert_uint_eq(got->len, 1);
    ck_assert_str_ne(g_ptr_array_index(got, 0), LIMIT("token count"));
    g_ptr_array_unref(got);

    json_stream_feed(stream, IN("[[]"));
    json_stream_feed(stream, items, strlen(items));
    check_messages(feed(stream, IN(",1]{\"a\":1}")), count);
    json_stream_free(stream);
}
END_TEST

/* ------------------------------------------------------------- writer */

static void expect_written(JsonNode *node, const char *expected)
{
    g_autofree char *text = json_write_string(node);

    ck_assert_str_eq(text, expected);
    json_node_unref(node);
}

static JsonNode *string_node(const char *str)
{
    return json_node_init_string(json_node_alloc(), str);
}

START_TEST(test_writer_strings)
{
    expect_written(string_node("\xC3\xA9\xF0\x9F\x98\x80"),
                   "\"\\u00E9\\uD83D\\uDE00\"");
    expect_written(string_node("\x1F\x7F/\x01"), "\"\\u001F\\u007F/\\u0001\"");
    expect_written(string_node("\"\\\b\f\n\r\t"),
                   "\"\\\"\\\\\\b\\f\\n\\r\\t\"");
    /* Invalid UTF-8 (e.g. raw input quoted in an error) as U+FFFD. */
    expect_written(string_node("a\377b\351!\360\237\230"),
                   "\"a\\uFFFDb\\uFFFD!\\uFFFD\"");
    expect_written(string_node("\xEF\xBF\xBE"), "\"\\uFFFD\"");
}
END_TEST

START_TEST(test_writer_values)
{
    JsonObject *reply = json_object_new();
    JsonNode *root = json_node_init_object(json_node_alloc(), reply);
    JsonArray *array = json_array_new();
    GHashTable *uint64s = g_hash_table_new(NULL, NULL);
    JsonNode *big = json_node_init_int(json_node_alloc(), -2);
    GString *out = g_string_new(NULL);

    json_object_set_object_member(reply, "return", json_object_new());
    json_object_set_int_member(reply, "id", 1);
    json_object_set_null_member(reply, "n");
    json_array_add_boolean_element(array, TRUE);
    json_array_add_double_element(array, INFINITY);
    json_array_add_double_element(array, NAN);
    json_array_add_double_element(array, -0.0);
    json_array_add_double_element(array, 1500.0);
    json_array_add_int_element(array, INT64_MIN);
    json_array_add_element(array, big);
    json_object_set_array_member(reply, "a", array);
    g_hash_table_add(uint64s, big);

    json_write(out, root, uint64s);
    ck_assert_str_eq(out->str, "{\"return\":{},\"id\":1,\"n\":null,"
                               "\"a\":[true,null,null,-0,1500,"
                               "-9223372036854775808,18446744073709551614]}");
    json_write(out, NULL, NULL);
    ck_assert_str_eq(out->str + out->len - 4, "null");
    g_string_free(out, TRUE);
    g_hash_table_unref(uint64s);
    json_object_unref(reply);
    json_node_unref(root);
}
END_TEST

/* --------------------------------------------------------- whole text */

START_TEST(test_parse_text)
{
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        { " {\"a\":[1]} \r\n", "{\"a\":[1]}" },
        { "42", "42" },
        { "'x'", "\"x\"" },
        { "", EXPECTING },
        { "  \n", EXPECTING },
        { "[1", PARSE("premature EOI") },
        { "\"abc", STRAY("\\\"abc") },
        { "1.", STRAY("1.") },
        { "1 2", PARSE("expecting at most one JSON value") },
        { "garbage", PARSE("invalid keyword 'garbage'") },
        { "]", EXPECTING },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonMessage) msg =
            json_parse_text(cases[i].text, strlen(cases[i].text));
        g_autofree char *got = render(msg);

        ck_assert_str_eq(got, cases[i].expect);
    }
}
END_TEST

Suite *json_suite(void)
{
    Suite *suite = suite_create("json");
    TCase *tc;

    tc = tcase_create("framing");
    tcase_add_test(tc, test_several_values_in_one_feed);
    tcase_add_test(tc, test_value_split_across_feeds);
    tcase_add_test(tc, test_whitespace_between_values);
    tcase_add_test(tc, test_scalar_look_ahead);
    tcase_add_test(tc, test_trailing_garbage);
    tcase_add_test(tc, test_reset);
    suite_add_tcase(suite, tc);

    tc = tcase_create("qemu malformed set");
    tcase_add_loop_test(tc, test_malformed, 0, G_N_ELEMENTS(malformed_cases));
    suite_add_tcase(suite, tc);

    tc = tcase_create("lexical errors and recovery");
    tcase_add_loop_test(tc, test_lexer, 0, G_N_ELEMENTS(lexer_cases));
    suite_add_tcase(suite, tc);

    tc = tcase_create("parser errors");
    tcase_add_loop_test(tc, test_parser, 0, G_N_ELEMENTS(parser_cases));
    suite_add_tcase(suite, tc);

    tc = tcase_create("strings");
    tcase_add_loop_test(tc, test_strings, 0, G_N_ELEMENTS(string_cases));
    suite_add_tcase(suite, tc);

    tc = tcase_create("numbers");
    tcase_add_loop_test(tc, test_numbers, 0, G_N_ELEMENTS(number_cases));
    tcase_add_loop_test(tc, test_ids, 0, G_N_ELEMENTS(id_cases));
    suite_add_tcase(suite, tc);

    tc = tcase_create("json-glib traps");
    tcase_add_test(tc, test_uint64_kept);
    tcase_add_test(tc, test_int64_overflow_is_double);
    tcase_add_test(tc, test_nul_in_string_kept);
    tcase_add_test(tc, test_two_objects_two_messages);
    suite_add_tcase(suite, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_nesting_limit);
    tcase_add_test(tc, test_size_limit);
    tcase_add_test(tc, test_token_count_limit);
    suite_add_tcase(suite, tc);

    tc = tcase_create("writer");
    tcase_add_test(tc, test_writer_strings);
    tcase_add_test(tc, test_writer_values);
    suite_add_tcase(suite, tc);

    tc = tcase_create("whole text");
    tcase_add_test(tc, test_parse_text);
    suite_add_tcase(suite, tc);

    return suite;
}
