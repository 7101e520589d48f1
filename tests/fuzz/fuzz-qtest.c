/*
 * fuzz-qtest: qtest request lines through qtest_handle_line, the line
 * parser and command executor the qtest socket uses, against the
 * daemon's board with its PCI BARs mapped.  Invariants: every line gets
 * one reply line ("OK...", "FAIL ..." or "ERR ..."), without a newline
 * in it, after whole IRQ lines; the VRAM guards survive; the state
 * round-trips at the end.
 */
#include "config.h"

#include <string.h>

#include "daemon/qtest.h"
#include "tests/fuzz/fuzz-common.h"

/* Zero or more "IRQ raise|lower N" lines, then the one reply line. */
static void check_output(const GString *out)
{
    g_auto(GStrv) lines = g_strsplit(out->str, "\n", -1);
    guint n = g_strv_length(lines);

    FUZZ_CHECK(n >= 2 && lines[n - 1][0] == '\0', "not one reply: '%s'",
               out->str);
    for (guint i = 0; i + 2 < n; i++) {
        FUZZ_CHECK(g_str_has_prefix(lines[i], "IRQ raise ") ||
                       g_str_has_prefix(lines[i], "IRQ lower "),
                   "line '%s' before the reply", lines[i]);
    }
    const char *reply = lines[n - 2];
    FUZZ_CHECK(g_str_has_prefix(reply, "OK") ||
                   g_str_has_prefix(reply, "FAIL") ||
                   g_str_has_prefix(reply, "ERR"),
               "reply '%.60s'", reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzMachine *fm = fuzz_machine_get(MACHINE_TYPE_XENFV);
    g_autoptr(GString) out = g_string_new(NULL);
    size_t pos = 0;

    fuzz_machine_restart(fm);
    fuzz_machine_map_bars(fm);
    QtestSession *session = qtest_session_new(fm->machine, out, NULL, NULL);
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t len = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;

        qtest_session_feed(session, (const char *)data + pos, len);
        pos += len + 1;
        check_output(out);
        g_string_truncate(out, 0);
        fuzz_run_idle();
    }
    qtest_session_free(session);
    fuzz_machine_check_guards(fm);
    fuzz_check_round_trip(fm);
    return 0;
}
