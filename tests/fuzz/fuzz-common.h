/*
 * Shared by the libFuzzer targets in tests/fuzz: a machine-like fixture
 * (the daemon's board with a guarded VRAM and two drives on temporary
 * images), an input reader, and the state-file invariants every target
 * checks.  Built with --enable-fuzzing, libFuzzer supplies main(); without
 * it, replay.c's main() runs each target over its corpora.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/machine.h"
#include "daemon/vram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated invariant: print it and abort, so that libFuzzer saves the input.
 */
#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                        \
        }                                                                      \
    } while (0)

G_NORETURN void fuzz_fail(const char *file, int line, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Consumes an input front to back; reads past the end give zeros. */
typedef struct FuzzInput {
    const uint8_t *data;
    size_t size;
    size_t pos;
} FuzzInput;

static inline bool fuzz_more(const FuzzInput *in)
{
    return in->pos < in->size;
}

uint8_t fuzz_u8(FuzzInput *in);
uint16_t fuzz_u16(FuzzInput *in);
uint32_t fuzz_u32(FuzzInput *in);
uint64_t fuzz_u64(FuzzInput *in);

enum {
    FUZZ_GUARD = 4096,
    FUZZ_GUARD_BYTE = 0x5a,
    FUZZ_DRIVE_SECTORS = 256, /* each temporary image: 128 KiB */
    /* Where fuzz_machine_map_bars puts the BARs. */
    FUZZ_CIRRUS_BAR0 = 0xe0000000u,
    FUZZ_CIRRUS_BAR1 = 0xe2000000u,
    FUZZ_IDE_BAR4 = 0xc000,
};

/* The daemon's board, as machine_create_devices builds it. */
typedef struct FuzzMachine {
    Machine *machine;
    uint8_t *vram_buffer; /* guard, VRAM, guard */
    Vram vram;
    GByteArray *initial; /* the save right after creation */
} FuzzMachine;

/*
 * The fixture: created on first use, one per machine type, kept for the
 * life of the process (libFuzzer runs every input in one process).
 */
FuzzMachine *fuzz_machine_get(MachineType type);

/*
 * Back to the state after creation: device resets, zeroed VRAM, the
 * initial save loaded, run state prelaunch, drives locked, idle sources
 * (guest resets) run.
 */
void fuzz_machine_restart(FuzzMachine *fm);

/* The guard bytes around VRAM are untouched (else abort). */
void fuzz_machine_check_guards(const FuzzMachine *fm);

/* Enables PCI decoding and moves the BARs to the FUZZ_* addresses. */
void fuzz_machine_map_bars(FuzzMachine *fm);

/* A PCI configuration write through ports 0xcf8/0xcfc. */
void fuzz_pci_config_write(IoDispatcher *io, unsigned devfn, unsigned reg,
                           uint32_t value, unsigned size);

/*
 * The round trip: save, load that save, save again; the load must succeed
 * and the two saves must be equal.
 */
void fuzz_check_round_trip(FuzzMachine *fm);

/*
 * Loads data (commit) and checks the all-or-nothing invariant: a failed
 * load leaves the save unchanged; a successful one round-trips.  Returns
 * whether the load succeeded.
 */
bool fuzz_check_load(FuzzMachine *fm, const uint8_t *data, size_t len);

/*
 * The current save with a few bytes overwritten from the input (offsets
 * inside the sections whose names contain section_hint, or anywhere when
 * NULL), loaded with fuzz_check_load.
 */
void fuzz_mutated_load(FuzzMachine *fm, FuzzInput *in,
                       const char *section_hint);

/* Runs queued main-loop work (a guest reset request) now. */
void fuzz_run_idle(void);

/* ------------------------------------------------------------ device ops */

typedef struct FuzzRange {
    uint64_t base;
    uint64_t len;
} FuzzRange;

/* What one device target decodes its input against. */
typedef struct FuzzTarget {
    const FuzzRange *ports; /* guest I/O ports */
    size_t port_count;
    const FuzzRange *mmio; /* guest physical memory (may be none) */
    size_t mmio_count;
    const char *section_hint; /* the sections mutated loads patch */
    /* A target's own operation (host input, rendering); may be NULL. */
    void (*extra)(FuzzMachine *fm, FuzzInput *in);
    MachineType type;
} FuzzTarget;

/*
 * Runs an input as a sequence of operations: port and MMIO reads and
 * writes (single and repeated), PCI configuration writes, save/load round
 * trips, mutated loads, resets and the target's extra operation.  The
 * machine is restarted first, and the VRAM guards and a final round trip
 * are checked at the end.
 */
void fuzz_run_ops(const FuzzTarget *target, const uint8_t *data, size_t size);
