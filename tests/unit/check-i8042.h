/*
 * Shared by the i8042 tests: a PC-like rig around one controller (a real
 * IoDispatcher, IRQ lines 1 and 12, guest resets run after the access
 * that asked for them, as the machine's main loop does) and the port
 * sequences of check-i8042-scenarios.c, which check-i8042.c runs against
 * the rig and check-i8042-qemu.c against QEMU 7.2.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <glib.h>

#include "devices/i8042.h"

/*
 * One step and the levels of IRQ 1 and 12 after it (-1: not checked).
 * op: 'o' writes value to port, 'i' reads port and expects value, 'k' a
 * key (name) goes down (value 1) or up, 'b' a mouse button (dx is the
 * Ps2MouseButton) then a sync, 'm' a move by dx, dy then a sync (as one
 * QMP input-send-event), 'r' expects value guest resets so far.
 */
typedef struct I8042Step {
    char op;
    uint16_t port;
    int value;
    const char *name;
    int dx, dy;
    int irq1, irq12;
} I8042Step;

/* clang-format off */
#define OUT(p, v, k, a)  { 'o', (p), (v), NULL, 0, 0, (k), (a) }
#define IN(p, v, k, a)   { 'i', (p), (v), NULL, 0, 0, (k), (a) }
#define KEY(n, d, k, a)  { 'k', 0, (d), (n), 0, 0, (k), (a) }
#define BTN(b, d, k, a)  { 'b', 0, (d), NULL, (b), 0, (k), (a) }
#define MOVE(x, y, k, a) { 'm', 0, 0, NULL, (x), (y), (k), (a) }
#define RESETS(n)        { 'r', 0, (n), NULL, 0, 0, -1, -1 }
#define END              { 0, 0, 0, NULL, 0, 0, 0, 0 }
/* clang-format on */

typedef struct I8042Scenario {
    const char *name;
    bool extended_state; /* true: -machine pc; false: xenfv */
    const I8042Step *steps;
} I8042Scenario;

extern const I8042Scenario i8042test_scenarios[];
extern const size_t i8042test_scenario_count;

typedef struct I8042Rig {
    IoDispatcher *io;
    IrqLine irq1, irq12;
    I8042 *i8042;
    VmsRegistry *registry; /* the three sections */
    int resets;
    bool reset_pending;
} I8042Rig;

void i8042test_rig_init(I8042Rig *rig, bool extended_state);
void i8042test_rig_free(I8042Rig *rig);
/* Runs a step (guest resets included); returns what an 'i' step read. */
int i8042test_rig_step(I8042Rig *rig, const I8042Step *step);

/*
 * The body of section idstr in a device-state file, found by its header;
 * it ends where the next section header or the final EOF byte starts.
 * _find gives its offset and length.
 */
size_t i8042test_section_find(const GByteArray *file, const char *idstr,
                              size_t *ret_len);
GByteArray *i8042test_section_body(const GByteArray *file, const char *idstr);

/* The differential TCase of check-i8042-qemu.c. */
TCase *i8042test_qemu_tcase(void);
