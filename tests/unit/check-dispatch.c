/*
 * The dispatcher: envelope checks in QEMU's order, negotiation mode,
 * argument checking (missing, unexpected, mistyped, bad enum values) and
 * id echo, each compared with the exact reply text QEMU 7.2 sends.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "daemon/machine.h"
#include "qmp/dispatch.h"
#include "qmp/json.h"
#include "tests/unit/suites.h"

typedef struct Fixture {
    Machine *machine;
    GHashTable *named_fds;
    QmpSession session;
} Fixture;

static Fixture fx;

static void named_fd_close(gpointer data)
{
    close(GPOINTER_TO_INT(data));
}

static void setup(void)
{
    fx.machine = machine_new(MACHINE_TYPE_XENFV, 1, 2);
    machine_start(fx.machine, true, false);
    fx.named_fds =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, named_fd_close);
    memset(&fx.session, 0, sizeof(fx.session));
    fx.session.machine = fx.machine;
    fx.session.named_fds = fx.named_fds;
    fx.session.is_unix = true;
    g_queue_init(&fx.session.received_fds);
}

static void teardown(void)
{
    fdsets_release_owner(fx.machine->fdsets, &fx.session);
    qmp_session_clear(&fx.session);
    g_hash_table_unref(fx.named_fds);
    machine_free(fx.machine);
}

/* Dispatches one text and returns the compact reply. */
static char *run(const char *request)
{
    g_autoptr(JsonMessage) msg = json_parse_text(request, strlen(request));
    JsonNode *reply = qmp_dispatch(&fx.session, msg);
    GString *out = g_string_new(NULL);

    ck_assert_ptr_nonnull(reply);
    json_write(out, reply, msg->uint64s);
    json_node_unref(reply);
    return g_string_free(out, FALSE);
}

static void expect(const char *request, const char *reply)
{
    g_autofree char *got = run(request);

    ck_assert_str_eq(got, reply);
}

#define GENERIC(desc)                                                          \
    "{\"error\":{\"class\":\"GenericError\",\"desc\":\"" desc "\"}"

static void negotiate(void)
{
    expect("{\"execute\":\"qmp_capabilities\"}", "{\"return\":{}}");
}

START_TEST(test_envelope)
{
    expect("[1]", GENERIC("QMP input must be a JSON object") "}");
    expect("{\"execute\":1,\"id\":5}",
           GENERIC("QMP input member 'execute' must be a string") ",\"id\":5}");
    expect(
        "{\"id\":\"x\",\"execute\":\"stop\",\"arguments\":[]}",
        GENERIC(
            "QMP input member 'arguments' must be an object") ",\"id\":\"x\"}");
    expect("{\"execute\":\"stop\",\"Execute\":\"stop\"}",
           GENERIC("QMP input member 'Execute' is unexpected") "}");
    expect("{\"exec-oob\":\"stop\"}",
           GENERIC("QMP input member 'exec-oob' is unexpected") "}");
    expect("{\"id\":7}",
           GENERIC("QMP input lacks member 'execute'") ",\"id\":7}");
}
END_TEST

START_TEST(test_negotiation)
{
    expect("{\"execute\":\"query-status\",\"id\":1}",
           "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Expecting "
           "capabilities negotiation with 'qmp_capabilities'\"},\"id\":1}");
    expect("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":"
           "[\"bogus\"]}}",
           GENERIC("Parameter 'null' does not accept value 'bogus'") "}");
    expect("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":"
           "[\"oob\"]}}",
           GENERIC("Capability oob not available") "}");
    ck_assert(!fx.session.command_mode);
    negotiate();
    ck_assert(fx.session.command_mode);
    expect("{\"execute\":\"qmp_capabilities\",\"id\":2}",
           "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":"
           "\"Capabilities negotiation is already complete, command "
           "ignored\"},\"id\":2}");
    expect("{\"execute\":\"no-such-cmd\"}",
           "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The "
           "command no-such-cmd has not been found\"}}");
}
END_TEST

START_TEST(test_arguments)
{
    negotiate();
    expect("{\"execute\":\"stop\",\"arguments\":{\"x\":1}}",
           GENERIC("Parameter 'x' is unexpected") "}");
    expect("{\"execute\":\"getfd\",\"arguments\":{\"foo\":1}}",
           GENERIC("Parameter 'fdname' is missing") "}");
    expect(
        "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":null}}",
        GENERIC("Invalid parameter type for 'fdname', expected: string") "}");
    expect("{\"execute\":\"add-fd\",\"arguments\":{\"fdset-id\":1.5}}",
           GENERIC("Invalid parameter type for 'fdset-id', expected: "
                   "integer") "}");
    expect("{\"execute\":\"add-fd\",\"arguments\":{\"fdset-id\":"
           "18446744073709551615}}",
           GENERIC("Invalid parameter type for 'fdset-id', expected: "
                   "integer") "}");
    expect("{\"execute\":\"human-monitor-command\",\"arguments\":{"
           "\"command-line\":\"info status\",\"cpu-index\":\"0\"}}",
           GENERIC("Invalid parameter type for 'cpu-index', expected: "
                   "integer") "}");
    expect("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":"
           "\"oob\"}}",
           GENERIC("Invalid parameter type for 'enable', expected: array") "}");
    /* Declared members are checked before unknown ones are reported. */
    expect("{\"execute\":\"remove-fd\",\"arguments\":{\"zzz\":1,"
           "\"fdset-id\":\"a\"}}",
           GENERIC("Invalid parameter type for 'fdset-id', expected: "
                   "integer") "}");
}
END_TEST

START_TEST(test_id_echo)
{
    static const char *const ids[] = {
        "null",
        "true",
        "[1,\"a\",{\"b\":null}]",
        "{\"a\":[1,2]}",
        "\"cookie#1\"",
        "18446744073709551615",
        "-5",
        "2020372736",
    };

    negotiate();
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autofree char *request =
            g_strdup_printf("{\"execute\":\"query-name\",\"id\":%s}", ids[i]);
        g_autofree char *reply =
            g_strdup_printf("{\"return\":{},\"id\":%s}", ids[i]);
        expect(request, reply);
    }
}
END_TEST

START_TEST(test_parse_error_has_no_id)
{
    expect("{\"id\":1,\"execute\":01}",
           GENERIC("JSON parse error, stray '01'") "}");
}
END_TEST

START_TEST(test_status_and_run_state)
{
    negotiate();
    expect("{\"execute\":\"query-status\"}",
           "{\"return\":{\"status\":\"prelaunch\",\"singlestep\":false,"
           "\"running\":false}}");
    expect("{\"execute\":\"cont\"}", "{\"return\":{}}");
    expect("{\"execute\":\"query-status\"}",
           "{\"return\":{\"status\":\"running\",\"singlestep\":false,"
           "\"running\":true}}");
}
END_TEST

START_TEST(test_fd_commands)
{
    int pipefd[2];

    negotiate();
    expect("{\"execute\":\"add-fd\"}",
           GENERIC("No file descriptor supplied via SCM_RIGHTS") "}");
    ck_assert_int_eq(pipe(pipefd), 0);
    qmp_session_set_received_fds(&fx.session, pipefd, 2);
    g_autofree char *added =
        g_strdup_printf("{\"return\":{\"fdset-id\":0,\"fd\":%d}}", pipefd[0]);
    expect("{\"execute\":\"add-fd\",\"arguments\":{\"opaque\":\"r\"}}", added);
    /* The second fd of the message is taken by the next command. */
    expect("{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"w\"}}",
           "{\"return\":{}}");
    g_autofree char *listed = g_strdup_printf(
        "{\"return\":[{\"fdset-id\":0,\"fds\":[{\"fd\":%d,\"opaque\":"
        "\"r\"}]}]}",
        pipefd[0]);
    expect("{\"execute\":\"query-fdsets\"}", listed);
    expect("{\"execute\":\"closefd\",\"arguments\":{\"fdname\":\"w\"}}",
           "{\"return\":{}}");
    expect("{\"execute\":\"closefd\",\"arguments\":{\"fdname\":\"w\"}}",
           GENERIC("File descriptor named 'w' not found") "}");
    expect("{\"execute\":\"remove-fd\",\"arguments\":{\"fdset-id\":0}}",
           "{\"return\":{}}");
    expect("{\"execute\":\"query-fdsets\"}", "{\"return\":[]}");
}
END_TEST

START_TEST(test_hmp)
{
    negotiate();
    expect("{\"execute\":\"human-monitor-command\",\"arguments\":{"
           "\"command-line\":\"info status\"}}",
           "{\"return\":\"VM status: paused (prelaunch)\\r\\n\"}");
    expect("{\"execute\":\"human-monitor-command\",\"arguments\":{"
           "\"command-line\":\"nosuchcmd\"}}",
           "{\"return\":\"unknown command: 'nosuchcmd'\\r\\n\"}");
    expect("{\"execute\":\"human-monitor-command\",\"arguments\":{"
           "\"command-line\":\"\"}}",
           "{\"return\":\"\"}");
    expect("{\"execute\":\"human-monitor-command\",\"arguments\":{"
           "\"command-line\":\"info status\",\"cpu-index\":2}}",
           GENERIC("Parameter 'cpu-index' expects a CPU number") "}");
    expect("{\"execute\":\"human-monitor-command\",\"arguments\":{"
           "\"command-line\":\"stop x\"}}",
           "{\"return\":\"stop|s: extraneous characters at the end of "
           "line\\r\\nTry \\\"help stop\\\" for more information\\r\\n\"}");
}
END_TEST

Suite *dispatch_suite(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("requests");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_envelope);
    tcase_add_test(tc, test_negotiation);
    tcase_add_test(tc, test_arguments);
    tcase_add_test(tc, test_id_echo);
    tcase_add_test(tc, test_parse_error_has_no_id);
    tcase_add_test(tc, test_status_and_run_state);
    tcase_add_test(tc, test_fd_commands);
    tcase_add_test(tc, test_hmp);
    suite_add_tcase(s, tc);
    return s;
}
