/*
 * fuzz-ide: guest port sequences on the PIIX3 IDE (both channels' command
 * and control blocks, the Bus Master registers at BAR4) with an ATA disk
 * on each channel, PIO data transfers as repeated port accesses, PCI
 * configuration writes, and save/load round trips and mutated loads of
 * the ide section (fuzz-ops.c decodes the input).  The io_buffer is a
 * heap block of its own: ASan sees any access outside it.
 */
#include "config.h"

#include "tests/fuzz/fuzz-common.h"

static const FuzzRange ide_ports[] = {
    { 0x1f0, 8 }, { 0x3f6, 1 },          { 0x170, 8 },
    { 0x376, 1 }, { FUZZ_IDE_BAR4, 16 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const FuzzTarget target = {
        .ports = ide_ports,
        .port_count = G_N_ELEMENTS(ide_ports),
        .section_hint = "ide",
        .type = MACHINE_TYPE_XENFV,
    };

    fuzz_run_ops(&target, data, size);
    return 0;
}
