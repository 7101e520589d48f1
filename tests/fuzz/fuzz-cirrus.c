/*
 * fuzz-cirrus: guest port and memory sequences on the Cirrus CL-GD5446
 * and its VGA core: the 0x3B0-0x3DF registers, the legacy window, BAR0
 * (linear frame buffer and blit aperture) and BAR1 (MMIO and BitBLT
 * registers), repeated writes for CPU-to-video blits, rendering the
 * screen, and save/load round trips and mutated loads of the cirrus_vga
 * section (fuzz-ops.c decodes the input).  VRAM sits between guard bytes
 * that must survive.
 */
#include "config.h"

#include "devices/cirrus-display.h"
#include "devices/cirrus.h"
#include "tests/fuzz/fuzz-common.h"

static const FuzzRange cirrus_ports[] = {
    { 0x3b0, 0x30 },
};

static const FuzzRange cirrus_mmio[] = {
    { 0xa0000, 0x20000 },
    { FUZZ_CIRRUS_BAR0, CIRRUS_BAR0_SIZE },
    { FUZZ_CIRRUS_BAR0 + CIRRUS_BAR0_BLIT_APERTURE,
      CIRRUS_BAR0_BLIT_APERTURE_SIZE },
    { FUZZ_CIRRUS_BAR1, CIRRUS_BAR1_SIZE },
};

/* What screendump and the display see. */
static void render(FuzzMachine *fm, FuzzInput *in)
{
    VgaBlinkPhase blink = { fuzz_u8(in) & 1, fuzz_u8(in) & 1 };
    Image *image = cirrus_render(fm->machine->cirrus, blink, NULL);

    if (image != NULL) {
        image_free(image);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const FuzzTarget target = {
        .ports = cirrus_ports,
        .port_count = G_N_ELEMENTS(cirrus_ports),
        .mmio = cirrus_mmio,
        .mmio_count = G_N_ELEMENTS(cirrus_mmio),
        .section_hint = "cirrus",
        .extra = render,
        .type = MACHINE_TYPE_XENFV,
    };

    fuzz_run_ops(&target, data, size);
    return 0;
}
