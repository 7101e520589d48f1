/*
 * Run states, named and ordered as QEMU's RunState enum, and the
 * transitions between them that QEMU allows.  The machine owns the current
 * state; this module only knows names and rules.
 */
#pragma once

#include <stdbool.h>

typedef enum RunState {
    RUN_STATE_DEBUG,
    RUN_STATE_INMIGRATE,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_IO_ERROR,
    RUN_STATE_PAUSED,
    RUN_STATE_POSTMIGRATE,
    RUN_STATE_PRELAUNCH,
    RUN_STATE_FINISH_MIGRATE,
    RUN_STATE_RESTORE_VM,
    RUN_STATE_RUNNING,
    RUN_STATE_SAVE_VM,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_SUSPENDED,
    RUN_STATE_WATCHDOG,
    RUN_STATE_GUEST_PANICKED,
    RUN_STATE_COLO,
    RUN_STATE_MAX
} RunState;

/* The QMP name ("prelaunch"), or NULL when state is out of range. */
const char *runstate_name(RunState state);

/* Parses a QMP name; false when unknown. */
bool runstate_from_name(const char *name, RunState *ret_state);

/* Whether QEMU allows going from one state to the other. */
bool runstate_transition_allowed(RunState from, RunState to);

/* States that only a reset leaves (QEMU's runstate_needs_reset). */
bool runstate_needs_reset(RunState state);
