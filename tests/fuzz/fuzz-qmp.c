/*
 * fuzz-qmp: byte streams through the QMP JSON stream (lexer, streamer,
 * parser) and the dispatcher, as qmp/server.c runs them for one client,
 * against the daemon's board.  The first byte sets the chunk size the
 * stream is fed in (1..128 bytes: message boundaries fall anywhere) and
 * whether the session starts negotiated.  Invariants: each message popped
 * gets exactly one reply; a chunk queues at most two messages per byte
 * (the stream's memory bound); every reply and every parsed value writes
 * out as JSON that parses back and writes out again identically.
 * Commands that name a file get a file in the fuzzer's temporary
 * directory instead, so that saves, loads and screendumps run too.
 */
#include "config.h"

#include <string.h>

#include "daemon/fdset.h"
#include "qmp/dispatch.h"
#include "qmp/json.h"
#include "tests/fuzz/fuzz-common.h"

static char *scratch_file;

/* Writes node out, parses it back, writes it again: the same text. */
static void check_rewrite(JsonNode *node, GHashTable *uint64s, bool want_reply)
{
    g_autoptr(GString) first = g_string_new(NULL);
    g_autoptr(GString) second = g_string_new(NULL);

    json_write(first, node, uint64s);
    g_autoptr(JsonMessage) again = json_parse_text(first->str, first->len);
    FUZZ_CHECK(again->error == NULL, "our own output does not parse (%s): %s",
               again->error, first->str);
    json_write(second, again->root, again->uint64s);
    FUZZ_CHECK(strcmp(first->str, second->str) == 0,
               "written twice, the texts differ: %s / %s", first->str,
               second->str);
    if (want_reply) {
        FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(again->root), "reply: %s",
                   first->str);
        JsonObject *o = json_node_get_object(again->root);
        FUZZ_CHECK(json_object_has_member(o, "return") !=
                       json_object_has_member(o, "error"),
                   "a reply has neither or both of return and error: %s",
                   first->str);
    }
}

/* Points a "filename" argument at our scratch file. */
static void redirect_files(JsonMessage *msg)
{
    if (msg->root == NULL || !JSON_NODE_HOLDS_OBJECT(msg->root)) {
        return;
    }
    JsonNode *args =
        json_object_get_member(json_node_get_object(msg->root), "arguments");
    if (args == NULL || !JSON_NODE_HOLDS_OBJECT(args)) {
        return;
    }
    JsonObject *o = json_node_get_object(args);
    JsonNode *name = json_object_get_member(o, "filename");
    if (name != NULL && JSON_NODE_HOLDS_VALUE(name) &&
        json_node_get_value_type(name) == G_TYPE_STRING &&
        !g_str_has_prefix(json_node_get_string(name), "/dev/fdset/")) {
        json_object_set_string_member(o, "filename", scratch_file);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzMachine *fm = fuzz_machine_get(MACHINE_TYPE_XENFV);

    if (size == 0) {
        return 0;
    }
    if (scratch_file == NULL) {
        g_autofree char *dir =
            g_path_get_dirname(block_filename(fm->machine->drives[0]));
        scratch_file = g_build_filename(dir, "qmp-file", NULL);
    }
    fuzz_machine_restart(fm);

    QmpSession session = {
        .machine = fm->machine,
        .named_fds =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .command_mode = data[0] & 1,
        .is_unix = true,
    };
    g_queue_init(&session.received_fds);
    size_t chunk = 1 + (data[0] >> 1);
    JsonStream *stream = json_stream_new();

    for (size_t pos = 1; pos < size; pos += chunk) {
        size_t n = MIN(chunk, size - pos);
        unsigned queued = 0;
        JsonMessage *msg;

        json_stream_feed(stream, (const char *)data + pos, n);
        while ((msg = json_stream_pop(stream)) != NULL) {
            queued++;
            if (msg->root != NULL) {
                check_rewrite(msg->root, msg->uint64s, false);
            }
            redirect_files(msg);
            JsonNode *reply = qmp_dispatch(&session, msg);
            FUZZ_CHECK(reply != NULL, "a message got no reply");
            check_rewrite(reply, msg->uint64s, true);
            json_node_unref(reply);
            json_message_free(msg);
            fuzz_run_idle();
        }
        FUZZ_CHECK(queued <= 2 * n, "%u messages from %zu bytes", queued, n);
    }
    json_stream_free(stream);
    fdsets_release_owner(fm->machine->fdsets, &session);
    qmp_session_clear(&session);
    g_hash_table_unref(session.named_fds);
    fuzz_machine_check_guards(fm);
    return 0;
}
