/*
 * Port sequences for the i8042 tests, each with what QEMU 7.2 answered:
 * every value read and the levels of IRQ 1 and 12 after every step were
 * recorded from qemu-system-x86_64 7.2 driven over qtest (-machine pc or
 * pc-i440fx-3.1 for xenfv), with keys and mouse events sent by QMP
 * input-send-event.  check-i8042-qemu.c replays them against QEMU when it
 * is installed.  The last two numbers of a step are the levels of IRQ 1
 * and IRQ 12 after it.
 */
#include "config.h"

#include "tests/unit/check-i8042.h"

/* clang-format off */
/*
 * A BIOS-style init: interfaces off, self test, interface tests, command
 * byte, keyboard reset, translation on.
 */
static const I8042Step bios_init_steps[] = {
    OUT(0x64, 0xad, 0, 0),
    OUT(0x64, 0xa7, 0, 0),
    IN(0x64, 0x18, 0, 0),
    OUT(0x64, 0xaa, 0, 0),
    IN(0x64, 0x1d, 0, 0),
    IN(0x60, 0x55, 0, 0),
    OUT(0x64, 0xab, 0, 0),
    IN(0x60, 0x00, 0, 0),
    OUT(0x64, 0xa9, 0, 0),
    IN(0x60, 0x00, 0, 0),
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x30, 0, 0),
    OUT(0x60, 0xff, 0, 0),
    IN(0x64, 0x1d, 0, 0),
    IN(0x60, 0xfa, 0, 0),
    IN(0x60, 0xaa, 0, 0),
    OUT(0x64, 0x20, 0, 0),
    IN(0x60, 0x20, 0, 0),
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x61, 0, 0),
    OUT(0x60, 0xf2, 1, 0),
    IN(0x64, 0x1d, 1, 0),
    IN(0x60, 0xfa, 1, 0),
    IN(0x60, 0xab, 1, 0),
    IN(0x60, 0x41, 0, 0),
    KEY("a", 1, 1, 0),
    IN(0x64, 0x1d, 1, 0),
    IN(0x60, 0x1e, 0, 0),
    KEY("a", 0, 1, 0),
    IN(0x60, 0x9e, 0, 0),
    IN(0x64, 0x1c, 0, 0),
    END,
};

/* Keyboard reset answers FA AA on IRQ 1. */
static const I8042Step kbd_reset_steps[] = {
    OUT(0x60, 0xff, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0xfa, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0xaa, 0, 0),
    IN(0x64, 0x18, 0, 0),
    IN(0x60, 0xaa, 0, 0),
    END,
};

/* D4 F4 enables the mouse: FA on IRQ 12. */
static const I8042Step mouse_enable_steps[] = {
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf4, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    IN(0x64, 0x18, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf2, 0, 1),
    IN(0x60, 0xfa, 0, 1),
    IN(0x60, 0x00, 0, 0),
    END,
};

/* Sample rates 200, 100, 80 make an IntelliMouse (ID 3) with a wheel byte. */
static const I8042Step intellimouse_steps[] = {
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf3, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xc8, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf3, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0x64, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf3, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0x50, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf2, 0, 1),
    IN(0x60, 0xfa, 0, 1),
    IN(0x60, 0x03, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf4, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    BTN(PS2_MOUSE_BUTTON_WHEEL_DOWN, 1, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0x08, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x01, 0, 0),
    IN(0x64, 0x18, 0, 0),
    END,
};

/* Sample rates 200, 200, 80 make an IntelliMouse Explorer (ID 4). */
static const I8042Step explorer_steps[] = {
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf3, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xc8, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf3, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xc8, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf3, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0x50, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf2, 0, 1),
    IN(0x60, 0xfa, 0, 1),
    IN(0x60, 0x04, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf4, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    BTN(PS2_MOUSE_BUTTON_SIDE, 1, 0, 1),
    IN(0x60, 0x08, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x10, 0, 0),
    BTN(PS2_MOUSE_BUTTON_WHEEL_UP, 1, 0, 1),
    IN(0x60, 0x08, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x1f, 0, 0),
    END,
};

/* Movement packets on IRQ 12, big moves split, buttons. */
static const I8042Step aux_packets_steps[] = {
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf4, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    MOVE(5, -3, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0x08, 0, 1),
    IN(0x60, 0x05, 0, 1),
    IN(0x60, 0x03, 0, 0),
    IN(0x64, 0x18, 0, 0),
    BTN(PS2_MOUSE_BUTTON_LEFT, 1, 0, 1),
    IN(0x60, 0x09, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x00, 0, 0),
    MOVE(-300, 0, 0, 1),
    IN(0x60, 0x19, 0, 1),
    IN(0x60, 0x81, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x19, 0, 1),
    IN(0x60, 0x81, 0, 1),
    IN(0x60, 0x00, 0, 1),
    IN(0x60, 0x19, 0, 1),
    IN(0x60, 0xd2, 0, 1),
    IN(0x60, 0x00, 0, 0),
    IN(0x64, 0x18, 0, 0),
    END,
};

/* The output port: read, A20 off and on with D1 and with DD/DF. */
static const I8042Step a20_steps[] = {
    OUT(0x64, 0xd0, 1, 0),
    IN(0x60, 0xcf, 0, 0),
    OUT(0x64, 0xd1, 0, 0),
    OUT(0x60, 0xdd, 0, 0),
    OUT(0x64, 0xd0, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0xdd, 0, 0),
    OUT(0x64, 0xd1, 0, 0),
    OUT(0x60, 0xdf, 0, 0),
    OUT(0x64, 0xd0, 1, 0),
    IN(0x60, 0xdf, 0, 0),
    OUT(0x64, 0xdd, 0, 0),
    OUT(0x64, 0xd0, 1, 0),
    IN(0x60, 0xcd, 0, 0),
    OUT(0x64, 0xdf, 0, 0),
    OUT(0x64, 0xd0, 1, 0),
    IN(0x60, 0xcf, 0, 0),
    OUT(0x64, 0xc0, 1, 0),
    IN(0x60, 0x80, 0, 0),
    RESETS(0),
    END,
};

/*
 * FE and the even F0..FF pulse the reset line; odd ones and FF do not; so
 * does D1 with bit 0 clear.
 */
static const I8042Step pulse_reset_steps[] = {
    OUT(0x64, 0xff, 0, 0),
    RESETS(0),
    OUT(0x64, 0xf1, 0, 0),
    RESETS(0),
    OUT(0x64, 0xfe, 0, 0),
    RESETS(1),
    OUT(0x60, 0xf2, 1, 0),
    IN(0x60, 0xfa, 1, 0),
    OUT(0x64, 0xf0, 0, 0),
    RESETS(2),
    OUT(0x64, 0xd1, 0, 0),
    OUT(0x60, 0xfe, 0, 0),
    RESETS(3),
    OUT(0x64, 0xd1, 0, 0),
    OUT(0x60, 0xff, 0, 0),
    RESETS(3),
    END,
};

/* The command byte's bit 6 switches set 2 -> set 1 translation. */
static const I8042Step xlate_steps[] = {
    KEY("a", 1, 1, 0),
    KEY("a", 0, 1, 0),
    IN(0x60, 0x1c, 1, 0),
    IN(0x60, 0xf0, 1, 0),
    IN(0x60, 0x1c, 0, 0),
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x43, 0, 0),
    KEY("a", 1, 1, 0),
    KEY("a", 0, 1, 0),
    KEY("kp_enter", 1, 1, 0),
    KEY("kp_enter", 0, 1, 0),
    IN(0x60, 0x1e, 1, 0),
    IN(0x60, 0x9e, 1, 0),
    IN(0x60, 0xe0, 1, 0),
    IN(0x60, 0x1c, 1, 0),
    IN(0x60, 0xe0, 1, 0),
    IN(0x60, 0x9c, 0, 0),
    OUT(0x60, 0xf2, 1, 0),
    IN(0x60, 0xfa, 1, 0),
    IN(0x60, 0xab, 1, 0),
    IN(0x60, 0x41, 0, 0),
    OUT(0x60, 0xf0, 1, 0),
    OUT(0x60, 0x00, 1, 0),
    IN(0x60, 0xfa, 1, 0),
    IN(0x60, 0x41, 0, 0),
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x03, 0, 0),
    KEY("a", 1, 1, 0),
    IN(0x60, 0x1c, 0, 0),
    END,
};

/* 16 key bytes queue, the rest is dropped; a command reply goes in front. */
static const I8042Step overflow_steps[] = {
    KEY("a", 1, 1, 0),
    KEY("b", 1, 1, 0),
    KEY("c", 1, 1, 0),
    KEY("d", 1, 1, 0),
    KEY("e", 1, 1, 0),
    KEY("f", 1, 1, 0),
    KEY("g", 1, 1, 0),
    KEY("h", 1, 1, 0),
    KEY("i", 1, 1, 0),
    KEY("j", 1, 1, 0),
    KEY("k", 1, 1, 0),
    KEY("l", 1, 1, 0),
    KEY("m", 1, 1, 0),
    KEY("n", 1, 1, 0),
    KEY("o", 1, 1, 0),
    KEY("p", 1, 1, 0),
    KEY("q", 1, 1, 0),
    KEY("r", 1, 1, 0),
    OUT(0x60, 0xee, 1, 0),
    IN(0x60, 0xee, 1, 0),
    IN(0x60, 0x1c, 1, 0),
    IN(0x60, 0x32, 1, 0),
    IN(0x60, 0x21, 1, 0),
    IN(0x60, 0x23, 1, 0),
    IN(0x60, 0x24, 1, 0),
    IN(0x60, 0x2b, 1, 0),
    IN(0x60, 0x34, 1, 0),
    IN(0x60, 0x33, 1, 0),
    IN(0x60, 0x43, 1, 0),
    IN(0x60, 0x3b, 1, 0),
    IN(0x60, 0x42, 1, 0),
    IN(0x60, 0x4b, 1, 0),
    IN(0x60, 0x3a, 1, 0),
    IN(0x60, 0x31, 1, 0),
    IN(0x60, 0x44, 1, 0),
    IN(0x60, 0x4d, 0, 0),
    IN(0x64, 0x18, 0, 0),
    IN(0x60, 0x4d, 0, 0),
    END,
};

/* D2 and D3 put a byte in the output buffer as keyboard or mouse. */
static const I8042Step obuf_steps[] = {
    OUT(0x64, 0xd2, 0, 0),
    OUT(0x60, 0xab, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0xab, 0, 0),
    OUT(0x64, 0xd3, 0, 0),
    OUT(0x60, 0xcd, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0xcd, 0, 0),
    IN(0x64, 0x18, 0, 0),
    END,
};

/* Keyboard, mouse and controller bytes share the output buffer. */
static const I8042Step arbitration_steps[] = {
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf4, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    KEY("a", 1, 1, 0),
    MOVE(1, 1, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0x1c, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0x28, 0, 1),
    OUT(0x64, 0x20, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0x01, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0x03, 0, 1),
    IN(0x60, 0xff, 0, 0),
    IN(0x64, 0x18, 0, 0),
    END,
};

/* AD/A7 hold the device data back, AE/A8 let it through. */
static const I8042Step disable_steps[] = {
    OUT(0x64, 0xad, 0, 0),
    KEY("a", 1, 0, 0),
    IN(0x64, 0x18, 0, 0),
    OUT(0x64, 0xae, 1, 0),
    IN(0x64, 0x19, 1, 0),
    IN(0x60, 0x1c, 0, 0),
    OUT(0x64, 0xd4, 0, 0),
    OUT(0x60, 0xf4, 0, 1),
    OUT(0x64, 0xa7, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0xfa, 0, 0),
    MOVE(1, 0, 0, 0),
    IN(0x64, 0x18, 0, 0),
    OUT(0x64, 0xa8, 0, 1),
    IN(0x64, 0x39, 0, 1),
    IN(0x60, 0x08, 0, 1),
    IN(0x60, 0x01, 0, 1),
    IN(0x60, 0x00, 0, 0),
    END,
};

/* The command byte's interrupt enables. */
static const I8042Step irqmask_steps[] = {
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x00, 0, 0),
    KEY("a", 1, 0, 0),
    IN(0x64, 0x19, 0, 0),
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x01, 1, 0),
    IN(0x60, 0x1c, 0, 0),
    OUT(0x64, 0x60, 0, 0),
    OUT(0x60, 0x10, 0, 0),
    KEY("b", 1, 0, 0),
    IN(0x64, 0x18, 0, 0),
    IN(0x60, 0x1c, 0, 0),
    END,
};

/*
 * Without extended state the controller's replies queue behind keyboard
 * data.
 */
static const I8042Step xenfv_replies_steps[] = {
    KEY("a", 1, 1, 0),
    KEY("b", 1, 1, 0),
    OUT(0x64, 0xaa, 1, 0),
    OUT(0x64, 0x20, 1, 0),
    IN(0x64, 0x1d, 1, 0),
    IN(0x60, 0x1c, 1, 0),
    IN(0x60, 0x32, 1, 0),
    IN(0x60, 0x55, 1, 0),
    IN(0x60, 0x03, 0, 0),
    IN(0x64, 0x1c, 0, 0),
    OUT(0x64, 0xd3, 0, 0),
    OUT(0x60, 0x77, 0, 1),
    IN(0x64, 0x3d, 0, 1),
    IN(0x60, 0x77, 0, 0),
    END,
};
/* clang-format on */

const I8042Scenario i8042test_scenarios[] = {
    { "bios init", true, bios_init_steps },
    { "kbd reset", true, kbd_reset_steps },
    { "mouse enable", true, mouse_enable_steps },
    { "intellimouse", true, intellimouse_steps },
    { "explorer", true, explorer_steps },
    { "aux packets", true, aux_packets_steps },
    { "a20", true, a20_steps },
    { "pulse reset", true, pulse_reset_steps },
    { "xlate", true, xlate_steps },
    { "overflow", true, overflow_steps },
    { "obuf", true, obuf_steps },
    { "arbitration", true, arbitration_steps },
    { "disable", true, disable_steps },
    { "irqmask", true, irqmask_steps },
    { "xenfv replies", false, xenfv_replies_steps },
};

const size_t i8042test_scenario_count = G_N_ELEMENTS(i8042test_scenarios);
