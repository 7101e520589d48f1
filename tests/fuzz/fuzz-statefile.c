/*
 * fuzz-statefile: whole device-state files into savevm_load, against the
 * daemon's board (cirrus_vga, pckbd, ps2kbd, ps2mouse, ide with drives),
 * once as xenfv and once as pc.  Invariants: savevm_inspect and
 * savevm_load agree; a failed load leaves the save byte-identical; a
 * successful one round-trips (save, load, save).  After a successful load
 * the guest pokes every device where a hostile index or offset would
 * bite (data ports, DAC, banked window), so ASan and the VRAM guards see
 * what the loaded state does, not just the loader.
 */
#include "config.h"

#include "devices/ioport.h"
#include "tests/fuzz/fuzz-common.h"
#include "vmstate/savevm.h"

static void ignore_section(const SavevmSectionInfo *info, void *opaque)
{
}

/* Guest accesses that use loaded indexes, pointers and offsets. */
static void poke_devices(IoDispatcher *io)
{
    static const uint16_t reads[] = {
        0x64,  0x60,  0x64,  0x60,  0x60,  0x1f7, 0x177, 0x3f6, 0x376,
        0x3c5, 0x3cf, 0x3d5, 0x3c1, 0x3c6, 0x3c6, 0x3c6, 0x3c6, 0x3c6,
        0x3c9, 0x3c9, 0x3c9, 0x3c9, 0x3cc, 0x3da, 0x3ba,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(reads); i++) {
        io_port_read(io, reads[i], 1);
    }
    /* PIO in flight: the data window comes from the file. */
    for (int i = 0; i < 300; i++) {
        io_port_read(io, 0x1f0, 2);
        io_port_read(io, 0x170, 4);
    }
    for (int i = 0; i < 300; i++) {
        io_port_write(io, 0x1f0, 0xa5a5, 2);
        io_port_write(io, 0x170, 0x5a5a5a5a, 4);
    }
    for (int i = 0; i < 6; i++) {
        io_port_write(io, 0x3c9, 0x3f, 1);
    }
    /* Once: with GR31 loaded as the index this starts a blit. */
    io_port_write(io, 0x3c5, 0xff, 1);
    io_port_write(io, 0x3cf, 0xff, 1);
    /* The legacy window through the loaded bank registers. */
    for (uint64_t a = 0xa0000; a < 0xc0000; a += 0x1fff) {
        io_mem_read(io, a, 1);
        io_mem_write(io, a, 0xc3, 1);
    }
    io_port_write(io, 0x60, 0xf4, 1);
    io_port_write(io, 0x64, 0xd4, 1);
    io_port_write(io, 0x60, 0xf2, 1);
}

static void fuzz_one(MachineType type, const uint8_t *data, size_t size)
{
    FuzzMachine *fm = fuzz_machine_get(type);
    bool inspected = savevm_inspect(fm->machine->sections, data, size,
                                    ignore_section, NULL, NULL);
    bool loaded = fuzz_check_load(fm, data, size);

    FUZZ_CHECK(inspected == loaded, "savevm_inspect says %d, savevm_load %d",
               inspected, loaded);
    if (loaded) {
        fuzz_machine_map_bars(fm);
        poke_devices(fm->machine->io);
        fuzz_check_round_trip(fm);
        fuzz_machine_check_guards(fm);
        fuzz_machine_restart(fm);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(MACHINE_TYPE_XENFV, data, size);
    fuzz_one(MACHINE_TYPE_PC, data, size);
    return 0;
}
