/*
 * Run states: names in QEMU's schema order, the transition table, and the
 * machine's stop/cont/reset rules observed on QEMU 7.2.
 */
#include "config.h"

#include <glib.h>

#include "daemon/machine.h"
#include "daemon/runstate.h"
#include "tests/unit/suites.h"

START_TEST(test_names_round_trip)
{
    for (unsigned i = 0; i < RUN_STATE_MAX; i++) {
        RunState state;
        ck_assert_ptr_nonnull(runstate_name((RunState)i));
        ck_assert(runstate_from_name(runstate_name((RunState)i), &state));
        ck_assert_int_eq(state, i);
    }
    ck_assert_str_eq(runstate_name(RUN_STATE_PRELAUNCH), "prelaunch");
    ck_assert_str_eq(runstate_name(RUN_STATE_SAVE_VM), "save-vm");
    ck_assert_ptr_null(runstate_name(RUN_STATE_MAX));
    RunState unused;
    ck_assert(!runstate_from_name("Running", &unused));
}
END_TEST

START_TEST(test_transitions)
{
    ck_assert(
        runstate_transition_allowed(RUN_STATE_PRELAUNCH, RUN_STATE_RUNNING));
    ck_assert(
        runstate_transition_allowed(RUN_STATE_RUNNING, RUN_STATE_SAVE_VM));
    ck_assert(
        runstate_transition_allowed(RUN_STATE_SAVE_VM, RUN_STATE_RUNNING));
    ck_assert(
        runstate_transition_allowed(RUN_STATE_PAUSED, RUN_STATE_PRELAUNCH));
    ck_assert(
        runstate_transition_allowed(RUN_STATE_INMIGRATE, RUN_STATE_PAUSED));
    ck_assert(
        runstate_transition_allowed(RUN_STATE_RESTORE_VM, RUN_STATE_RUNNING));
    /* save-vm only returns to running; nothing goes back to inmigrate
     * except prelaunch. */
    ck_assert(
        !runstate_transition_allowed(RUN_STATE_SAVE_VM, RUN_STATE_PAUSED));
    ck_assert(
        !runstate_transition_allowed(RUN_STATE_RUNNING, RUN_STATE_INMIGRATE));
    ck_assert(
        !runstate_transition_allowed(RUN_STATE_PAUSED, RUN_STATE_SHUTDOWN));
    ck_assert(!runstate_transition_allowed(RUN_STATE_MAX, RUN_STATE_RUNNING));
    ck_assert(runstate_needs_reset(RUN_STATE_SHUTDOWN));
    ck_assert(!runstate_needs_reset(RUN_STATE_PAUSED));
}
END_TEST

typedef struct EventLog {
    GString *text;
} EventLog;

static void record_event(const MachineEvent *event, void *opaque)
{
    static const char *const kinds[] = { "STOP", "RESUME", "RESET",
                                         "SHUTDOWN" };
    EventLog *log = opaque;

    g_string_append_printf(log->text, "%s%s", log->text->len ? " " : "",
                           kinds[event->kind]);
}

static Machine *machine_with_log(EventLog *log, bool paused, bool incoming)
{
    Machine *machine = machine_new(MACHINE_TYPE_XENFV, 1, 1);

    log->text = g_string_new(NULL);
    machine_start(machine, paused, incoming);
    machine_add_listener(machine, record_event, log);
    return machine;
}

static void machine_with_log_free(Machine *machine, EventLog *log)
{
    machine_free(machine);
    g_string_free(log->text, TRUE);
}

START_TEST(test_stop_cont_events)
{
    EventLog log;
    Machine *machine = machine_with_log(&log, true, false);

    ck_assert_int_eq(machine->runstate, RUN_STATE_PRELAUNCH);
    machine_stop(machine); /* not running: nothing happens */
    ck_assert_int_eq(machine->runstate, RUN_STATE_PRELAUNCH);
    ck_assert(machine_cont(machine, NULL));
    ck_assert(machine_cont(machine, NULL)); /* already running */
    ck_assert_int_eq(machine->runstate, RUN_STATE_RUNNING);
    machine_stop(machine);
    machine_stop(machine);
    ck_assert_int_eq(machine->runstate, RUN_STATE_PAUSED);
    ck_assert_str_eq(log.text->str, "RESUME STOP");
    machine_with_log_free(machine, &log);
}
END_TEST

START_TEST(test_reset_of_stopped_machine_is_prelaunch)
{
    EventLog log;
    Machine *machine = machine_with_log(&log, false, false);

    machine_reset(machine, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    ck_assert_int_eq(machine->runstate, RUN_STATE_RUNNING);
    machine_stop(machine);
    machine_reset(machine, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    ck_assert_int_eq(machine->runstate, RUN_STATE_PRELAUNCH);
    ck_assert_str_eq(log.text->str, "RESET STOP RESET");
    machine_with_log_free(machine, &log);
}
END_TEST

START_TEST(test_inmigrate_stop_cont_set_autostart)
{
    EventLog log;
    Machine *machine = machine_with_log(&log, false, true);

    ck_assert_int_eq(machine->runstate, RUN_STATE_INMIGRATE);
    ck_assert(machine->autostart);
    machine_stop(machine);
    ck_assert(!machine->autostart);
    ck_assert(machine_cont(machine, NULL));
    ck_assert(machine->autostart);
    ck_assert_int_eq(machine->runstate, RUN_STATE_INMIGRATE);
    ck_assert_str_eq(log.text->str, "");
    machine_with_log_free(machine, &log);
}
END_TEST

START_TEST(test_quit_is_announced_once)
{
    EventLog log;
    Machine *machine = machine_with_log(&log, false, false);
    g_autoptr(GError) error = NULL;

    machine_quit(machine, SHUTDOWN_CAUSE_HOST_SIGNAL);
    machine_quit(machine, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    ck_assert_str_eq(log.text->str, "SHUTDOWN");
    ck_assert(machine->quit_requested);
    ck_assert(
        !runstate_transition_allowed(RUN_STATE_SHUTDOWN, RUN_STATE_RUNNING));
    machine->runstate = RUN_STATE_SHUTDOWN;
    ck_assert(!machine_cont(machine, &error));
    ck_assert_str_eq(error->message,
                     "Resetting the Virtual Machine is required");
    machine_with_log_free(machine, &log);
}
END_TEST

Suite *runstate_suite(void)
{
    Suite *s = suite_create("runstate");
    TCase *names = tcase_create("names and transitions");
    TCase *machine = tcase_create("machine state changes");

    tcase_add_test(names, test_names_round_trip);
    tcase_add_test(names, test_transitions);
    tcase_add_test(machine, test_stop_cont_events);
    tcase_add_test(machine, test_reset_of_stopped_machine_is_prelaunch);
    tcase_add_test(machine, test_inmigrate_stop_cont_set_autostart);
    tcase_add_test(machine, test_quit_is_announced_once);
    suite_add_tcase(s, names);
    suite_add_tcase(s, machine);
    return s;
}
