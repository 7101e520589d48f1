/*
 * fuzz-i8042: guest port sequences on the i8042 (0x60, 0x64) with its
 * PS/2 keyboard and mouse, host input (keys, mouse moves and buttons)
 * between them, and save/load round trips and mutated loads of the
 * pckbd/ps2kbd/ps2mouse sections (fuzz-ops.c decodes the input).
 */
#include "config.h"

#include "devices/i8042.h"
#include "devices/ps2.h"
#include "tests/fuzz/fuzz-common.h"

static const FuzzRange i8042_ports[] = {
    { I8042_DATA_PORT, 1 },
    { I8042_CMD_PORT, 1 },
};

/* What send-key and input-send-event do. */
static void host_input(FuzzMachine *fm, FuzzInput *in)
{
    I8042 *i8042 = fm->machine->i8042;
    uint8_t what = fuzz_u8(in);
    size_t count;

    switch (what % 3) {
    case 0:
        ps2_qcode_names(&count);
        ps2_keyboard_event(i8042_keyboard(i8042), (int)(fuzz_u16(in) % count),
                           what & 0x80);
        break;
    case 1:
        ps2_mouse_move(i8042_mouse(i8042), (int8_t)fuzz_u8(in),
                       (int8_t)fuzz_u8(in));
        ps2_mouse_sync(i8042_mouse(i8042));
        break;
    default:
        ps2_mouse_button(i8042_mouse(i8042),
                         (Ps2MouseButton)(fuzz_u8(in) % PS2_MOUSE_BUTTON__MAX),
                         what & 0x80);
        ps2_mouse_sync(i8042_mouse(i8042));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the board: pc has the i8042 extended state. */
    FuzzTarget target = {
        .ports = i8042_ports,
        .port_count = G_N_ELEMENTS(i8042_ports),
        .extra = host_input,
        .type =
            size > 0 && (data[0] & 1) ? MACHINE_TYPE_PC : MACHINE_TYPE_XENFV,
    };

    fuzz_run_ops(&target, data, size);
    return 0;
}
