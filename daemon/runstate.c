/*
 * Run-state names and transitions.  The table is QEMU 7.2's list of
 * allowed transitions (softmmu/runstate.c), restated as a matrix: a
 * toolstack that knows QEMU's state machine sees the same one here.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "daemon/runstate.h"

static const char *const runstate_names[RUN_STATE_MAX] = {
    [RUN_STATE_DEBUG] = "debug",
    [RUN_STATE_INMIGRATE] = "inmigrate",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_IO_ERROR] = "io-error",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_POSTMIGRATE] = "postmigrate",
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
    [RUN_STATE_RESTORE_VM] = "restore-vm",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_SAVE_VM] = "save-vm",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_SUSPENDED] = "suspended",
    [RUN_STATE_WATCHDOG] = "watchdog",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
    [RUN_STATE_COLO] = "colo",
};

#define BIT(s) (1u << (s))

/* For each state, the set of states it may move to. */
static const unsigned runstate_next[RUN_STATE_MAX] = {
    [RUN_STATE_PRELAUNCH] = BIT(RUN_STATE_INMIGRATE) | BIT(RUN_STATE_RUNNING) |
                            BIT(RUN_STATE_FINISH_MIGRATE),
    [RUN_STATE_DEBUG] = BIT(RUN_STATE_RUNNING) | BIT(RUN_STATE_FINISH_MIGRATE) |
                        BIT(RUN_STATE_PRELAUNCH),
    [RUN_STATE_INMIGRATE] =
        BIT(RUN_STATE_INTERNAL_ERROR) | BIT(RUN_STATE_IO_ERROR) |
        BIT(RUN_STATE_PAUSED) | BIT(RUN_STATE_RUNNING) |
        BIT(RUN_STATE_SHUTDOWN) | BIT(RUN_STATE_SUSPENDED) |
        BIT(RUN_STATE_WATCHDOG) | BIT(RUN_STATE_GUEST_PANICKED) |
        BIT(RUN_STATE_FINISH_MIGRATE) | BIT(RUN_STATE_PRELAUNCH) |
        BIT(RUN_STATE_POSTMIGRATE) | BIT(RUN_STATE_COLO),
    [RUN_STATE_INTERNAL_ERROR] = BIT(RUN_STATE_PAUSED) |
                                 BIT(RUN_STATE_FINISH_MIGRATE) |
                                 BIT(RUN_STATE_PRELAUNCH),
    [RUN_STATE_IO_ERROR] = BIT(RUN_STATE_RUNNING) |
                           BIT(RUN_STATE_FINISH_MIGRATE) |
                           BIT(RUN_STATE_PRELAUNCH),
    [RUN_STATE_PAUSED] = BIT(RUN_STATE_RUNNING) | BIT(RUN_STATE_POSTMIGRATE) |
                         BIT(RUN_STATE_PRELAUNCH) | BIT(RUN_STATE_COLO) |
                         BIT(RUN_STATE_FINISH_MIGRATE),
    [RUN_STATE_POSTMIGRATE] = BIT(RUN_STATE_RUNNING) |
                              BIT(RUN_STATE_FINISH_MIGRATE) |
                              BIT(RUN_STATE_PRELAUNCH),
    [RUN_STATE_FINISH_MIGRATE] =
        BIT(RUN_STATE_RUNNING) | BIT(RUN_STATE_PAUSED) |
        BIT(RUN_STATE_POSTMIGRATE) | BIT(RUN_STATE_PRELAUNCH) |
        BIT(RUN_STATE_COLO) | BIT(RUN_STATE_INTERNAL_ERROR) |
        BIT(RUN_STATE_IO_ERROR) | BIT(RUN_STATE_SHUTDOWN) |
        BIT(RUN_STATE_SUSPENDED) | BIT(RUN_STATE_WATCHDOG) |
        BIT(RUN_STATE_GUEST_PANICKED),
    [RUN_STATE_RESTORE_VM] = BIT(RUN_STATE_RUNNING) | BIT(RUN_STATE_PRELAUNCH),
    [RUN_STATE_COLO] = BIT(RUN_STATE_RUNNING) | BIT(RUN_STATE_PRELAUNCH) |
                       BIT(RUN_STATE_SHUTDOWN),
    [RUN_STATE_RUNNING] = BIT(RUN_STATE_DEBUG) | BIT(RUN_STATE_INTERNAL_ERROR) |
                          BIT(RUN_STATE_IO_ERROR) | BIT(RUN_STATE_PAUSED) |
                          BIT(RUN_STATE_FINISH_MIGRATE) |
                          BIT(RUN_STATE_RESTORE_VM) | BIT(RUN_STATE_SAVE_VM) |
                          BIT(RUN_STATE_SHUTDOWN) | BIT(RUN_STATE_WATCHDOG) |
                          BIT(RUN_STATE_GUEST_PANICKED) | BIT(RUN_STATE_COLO) |
                          BIT(RUN_STATE_SUSPENDED),
    [RUN_STATE_SAVE_VM] = BIT(RUN_STATE_RUNNING),
    [RUN_STATE_SHUTDOWN] = BIT(RUN_STATE_PAUSED) |
                           BIT(RUN_STATE_FINISH_MIGRATE) |
                           BIT(RUN_STATE_PRELAUNCH) | BIT(RUN_STATE_COLO),
    [RUN_STATE_SUSPENDED] = BIT(RUN_STATE_RUNNING) |
                            BIT(RUN_STATE_FINISH_MIGRATE) |
                            BIT(RUN_STATE_PRELAUNCH) | BIT(RUN_STATE_COLO),
    [RUN_STATE_WATCHDOG] = BIT(RUN_STATE_RUNNING) |
                           BIT(RUN_STATE_FINISH_MIGRATE) |
                           BIT(RUN_STATE_PRELAUNCH) | BIT(RUN_STATE_COLO),
    [RUN_STATE_GUEST_PANICKED] = BIT(RUN_STATE_RUNNING) |
                                 BIT(RUN_STATE_FINISH_MIGRATE) |
                                 BIT(RUN_STATE_PRELAUNCH),
};

G_STATIC_ASSERT(RUN_STATE_MAX <= 32);

const char *runstate_name(RunState state)
{
    if ((unsigned)state >= RUN_STATE_MAX) {
        return NULL;
    }
    return runstate_names[state];
}

bool runstate_from_name(const char *name, RunState *ret_state)
{
    for (unsigned i = 0; i < RUN_STATE_MAX; i++) {
        if (strcmp(runstate_names[i], name) == 0) {
            *ret_state = (RunState)i;
            return true;
        }
    }
    return false;
}

bool runstate_transition_allowed(RunState from, RunState to)
{
    if ((unsigned)from >= RUN_STATE_MAX || (unsigned)to >= RUN_STATE_MAX) {
        return false;
    }
    return (runstate_next[from] & BIT(to)) != 0;
}

bool runstate_needs_reset(RunState state)
{
    return state == RUN_STATE_INTERNAL_ERROR || state == RUN_STATE_SHUTDOWN ||
           state == RUN_STATE_GUEST_PANICKED;
}
