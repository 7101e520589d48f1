/*
 * PS/2 keyboard and mouse: the two devices behind an i8042 controller
 * (devices/i8042.c), with QEMU 7.2's behaviour and state.
 *
 * The controller hands each device the bytes the guest writes for it and
 * reads their queued bytes back; a device tells the controller through
 * its Ps2IrqFunc that it has data.  The host side (QMP send-key and
 * input-send-event) feeds key and mouse events in with the functions
 * below.
 *
 * The device structs are public so that the state layer (ps2-state.c) and
 * the unit tests can read them; everything else goes through functions.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "vmstate/registry.h"

enum {
    /* The ring's size; QEMU keeps 256 bytes for its migration stream. */
    PS2_BUFFER_SIZE = 256,
    /* Data bytes a device queues (the PS/2 protocol's depth). */
    PS2_QUEUE_SIZE = 16,
    /* Keyboard command replies allowed ahead of the data on load. */
    PS2_QUEUE_HEADROOM = 8,
};

/*
 * The controller's input for a device's interrupt request.  It is called
 * on every raise and lower, also when the level does not change, as
 * QEMU's qemu_set_irq calls its handler: the i8042 re-arbitrates each
 * time.
 */
typedef void (*Ps2IrqFunc)(void *opaque, bool level);

/*
 * The byte ring.  Data bytes are appended at wptr; keyboard command
 * replies are put in front of them (rptr moves back), and cwptr marks
 * where the replies end, or is -1 when there are none.
 */
typedef struct Ps2Queue {
    uint8_t data[PS2_BUFFER_SIZE];
    int rptr;  /* the next byte the controller reads */
    int wptr;  /* where the next data byte goes */
    int count; /* bytes queued, replies included */
    int cwptr; /* the end of the command replies, or -1 */
} Ps2Queue;

typedef struct Ps2Kbd {
    /* Guest-visible state (migrated). */
    Ps2Queue queue;
    int write_cmd;      /* the command waiting for its argument, or -1 */
    bool scan_enabled;  /* key events are queued */
    bool translate;     /* set 2 → set 1 (the i8042's command byte bit 6) */
    int scancode_set;   /* 1, 2 or 3 */
    uint8_t ledstate;   /* bit 0 scroll lock, 1 num lock, 2 caps lock */
    bool need_high_bit; /* translating, and the last byte was a break F0 */
    /* Host state (not migrated, as in QEMU): PS2_MOD_* keys held down. */
    unsigned modifiers;
    /* Wiring. */
    Ps2IrqFunc irq;
    void *irq_opaque;
} Ps2Kbd;

/* Ps2Kbd.modifiers: the keys Print and Pause depend on. */
enum {
    PS2_MOD_CTRL_L = 1u << 0,
    PS2_MOD_SHIFT_L = 1u << 1,
    PS2_MOD_ALT_L = 1u << 2,
    PS2_MOD_CTRL_R = 1u << 3,
    PS2_MOD_SHIFT_R = 1u << 4,
    PS2_MOD_ALT_R = 1u << 5,
};

/* Mouse status byte bits (as the 0xE9 status request reports them). */
enum {
    PS2_MOUSE_STATUS_SCALE21 = 0x10, /* 2:1 scaling */
    PS2_MOUSE_STATUS_ENABLED = 0x20, /* data reporting on */
    PS2_MOUSE_STATUS_REMOTE = 0x40,  /* remote mode: packets on 0xEB only */
};

/* Mouse types, as the get-ID command (0xF2) reports them. */
enum {
    PS2_MOUSE_TYPE_PS2 = 0,
    PS2_MOUSE_TYPE_IMPS2 = 3, /* IntelliMouse: a wheel byte */
    PS2_MOUSE_TYPE_IMEX = 4,  /* IntelliMouse Explorer: wheel and 5 buttons */
};

typedef struct Ps2Mouse {
    /* Guest-visible state (migrated). */
    Ps2Queue queue;
    int write_cmd; /* the command waiting for its argument, or -1 */
    uint8_t status;
    uint8_t resolution;
    uint8_t sample_rate;
    bool wrap;            /* echo mode */
    uint8_t type;         /* PS2_MOUSE_TYPE_* */
    uint8_t detect_state; /* progress through the sample-rate knocks */
    int dx, dy, dz;       /* movement not reported yet */
    uint8_t buttons;      /* PS2_MOUSE_BUTTON bits below */
    /* Host state (not migrated, as in QEMU): the horizontal wheel. */
    int dw;
    /* Wiring. */
    Ps2IrqFunc irq;
    void *irq_opaque;
} Ps2Mouse;

/* ------------------------------------------------------------ devices */

Ps2Kbd *ps2_kbd_new(Ps2IrqFunc irq, void *irq_opaque);
void ps2_kbd_free(Ps2Kbd *kbd);
/* QEMU's device reset (ledstate and need_high_bit survive it there too). */
void ps2_kbd_reset(Ps2Kbd *kbd);
/* A byte the guest sends to the keyboard through the controller. */
void ps2_kbd_write(Ps2Kbd *kbd, uint8_t val);
/*
 * The next byte for the controller; with nothing queued, the previous
 * byte again (QEMU does this for EMM386).
 */
uint8_t ps2_kbd_read(Ps2Kbd *kbd);
/* Queues a byte as data: the controller's replies without extended state. */
void ps2_kbd_queue_byte(Ps2Kbd *kbd, uint8_t b);
void ps2_kbd_set_translation(Ps2Kbd *kbd, bool translate);

Ps2Mouse *ps2_mouse_new(Ps2IrqFunc irq, void *irq_opaque);
void ps2_mouse_free(Ps2Mouse *mouse);
void ps2_mouse_reset(Ps2Mouse *mouse);
void ps2_mouse_write(Ps2Mouse *mouse, uint8_t val);
uint8_t ps2_mouse_read(Ps2Mouse *mouse);
void ps2_mouse_queue_byte(Ps2Mouse *mouse, uint8_t b);

/* ------------------------------------------------------------ host input */

/*
 * QEMU's QKeyCode: the index of a key's name in ps2_qcode_names().  The
 * names are those of qapi/ui.json ("a", "shift", "ctrl_r", "ret",
 * "kp_enter", "f12", "print", "pause", ...).
 */
enum {
    PS2_QCODE_UNMAPPED = 0,
    PS2_QCODE_SHIFT = 1,
    PS2_QCODE_SHIFT_R = 2,
    PS2_QCODE_ALT = 3,
    PS2_QCODE_ALT_R = 4,
    PS2_QCODE_CTRL = 5,
    PS2_QCODE_CTRL_R = 6,
    PS2_QCODE_SYSRQ = 80,
    PS2_QCODE_PRINT = 94,
    PS2_QCODE_PAUSE = 120,
    PS2_QCODE_COUNT = 150,
};

/* The qcode of a QKeyCode name; false if there is no such name. */
bool ps2_qcode_lookup(const char *name, int *ret_qcode);
/* All names, indexed by qcode. */
const char *const *ps2_qcode_names(size_t *ret_count);
/* The name of a qcode, or NULL outside 0..PS2_QCODE_COUNT-1. */
const char *ps2_qcode_name(int qcode);
/*
 * QEMU's "number" key value (qemu_input_key_number_to_qcode): a set-1
 * make code, 0x80 standing for the E0 prefix (0x1c Enter, 0x9c keypad
 * Enter).  Numbers without a key give PS2_QCODE_UNMAPPED.
 */
int ps2_qcode_from_number(int64_t number);
/*
 * The make code of a key in scancode set 1, 2 or 3 (above 0xff: with the
 * E0 prefix), or 0 when QEMU sends nothing for it there.
 */
unsigned ps2_keymap_code(int qcode, int set);
/* The 8042's set 2 → set 1 translation of one byte (F0 aside). */
uint8_t ps2_keymap_translate(uint8_t code);
/*
 * Print and Pause in set 1 or 2, whose bytes depend on the modifiers:
 * the number of bytes (0: none, Pause sends nothing on release).
 */
size_t ps2_keymap_special(int set, int qcode, unsigned modifiers, bool down,
                          const uint8_t **ret_bytes);

/*
 * A key going down or up.  What is queued is what a PC keyboard sends in
 * its current scancode set (set 2 after reset), translated to set 1 when
 * the controller asked for translation.  Nothing happens while scanning
 * is disabled.  "sysrq" is taken as "print", as QEMU's input layer does.
 * Keys without a code in the current set are ignored, as in QEMU.
 */
void ps2_keyboard_event(Ps2Kbd *kbd, int qcode, bool down);

/* QEMU's InputButton, in schema order. */
typedef enum Ps2MouseButton {
    PS2_MOUSE_BUTTON_LEFT,
    PS2_MOUSE_BUTTON_MIDDLE,
    PS2_MOUSE_BUTTON_RIGHT,
    PS2_MOUSE_BUTTON_WHEEL_UP,
    PS2_MOUSE_BUTTON_WHEEL_DOWN,
    PS2_MOUSE_BUTTON_SIDE,
    PS2_MOUSE_BUTTON_EXTRA,
    PS2_MOUSE_BUTTON_WHEEL_LEFT,
    PS2_MOUSE_BUTTON_WHEEL_RIGHT,
    PS2_MOUSE_BUTTON__MAX
} Ps2MouseButton;

/*
 * Mouse events accumulate (QEMU's ps2_mouse_event); ps2_mouse_sync then
 * sends them.  While the guest has not enabled the mouse (0xF4), events
 * are dropped.  dx grows to the right, dy downwards (screen
 * coordinates, as QMP's rel axes); the packets carry y upwards.
 */
void ps2_mouse_button(Ps2Mouse *mouse, Ps2MouseButton button, bool down);
void ps2_mouse_move(Ps2Mouse *mouse, int dx, int dy);
/*
 * Ends a batch of mouse events: in stream mode, with reporting enabled,
 * queues one packet, and more while movement is left and the queue has
 * room.  Every call sends at least one packet, so call it only after a
 * batch that had a button or move event in it: QEMU's input layer syncs
 * only the handlers that events reached (an input-send-event with only
 * keys sends no mouse packet).
 */
void ps2_mouse_sync(Ps2Mouse *mouse);
/* A PS/2 mouse reports relative movement only: always false. */
bool ps2_mouse_absolute_supported(void);

/* ------------------------------------------------------------ state */

/*
 * The sections "ps2kbd" (v3, min 2) and "ps2mouse" (v2), byte for byte
 * QEMU 7.2's (research/qemu-vmstate-7.2.md §3.2, §3.3).  The opaque of
 * each is a state object holding a pointer to its device; a load decodes
 * into a scratch copy of it, validates it, and writes the device only on
 * commit.
 */
typedef struct Ps2KbdState Ps2KbdState;
typedef struct Ps2MouseState Ps2MouseState;

Ps2KbdState *ps2_kbd_state_new(Ps2Kbd *kbd);
void ps2_kbd_state_free(Ps2KbdState *state);
/* Fills a section for the registry (idstr "ps2kbd", instance 0). */
void ps2_kbd_state_section(Ps2KbdState *state, uint32_t section_id,
                           VmsSection *ret_section);

Ps2MouseState *ps2_mouse_state_new(Ps2Mouse *mouse);
void ps2_mouse_state_free(Ps2MouseState *state);
void ps2_mouse_state_section(Ps2MouseState *state, uint32_t section_id,
                             VmsSection *ret_section);

extern const VmsDescription ps2_kbd_vmsd;
extern const VmsDescription ps2_mouse_vmsd;
