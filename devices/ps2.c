/*
 * PS/2 keyboard (an MF2 keyboard, IBM PS/2 Technical Reference, keyboard
 * and auxiliary device chapters) and PS/2 mouse with the IntelliMouse
 * (ID 3) and IntelliMouse Explorer (ID 4) extensions, behaving as QEMU
 * 7.2's hw/input/ps2.c: the same replies, the same queue discipline (16
 * data bytes, keyboard command replies put in front of them and dropped
 * when the next command comes), the same packets.
 *
 * Not emulated, as in QEMU: typematic repeat (0xF3 is acknowledged and
 * ignored; the host sends repeats as key events), the set-3 per-key
 * make/break modes (0xF7..0xFD other than 0xFA and 0xFC answer resend),
 * timing of any kind, the mouse's resolution, sample rate and 2:1
 * scaling (stored and reported, never applied), and the packet overflow
 * bits (big movements are split over several packets instead).  The LEDs
 * are stored and reported, nothing else.
 *
 * Single-threaded: the controller and the host input path run on the
 * main loop.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/ps2.h"

/* Keyboard commands. */
enum {
    PS2_KBD_CMD_SET_LEDS = 0xed,       /* argument: LED bits */
    PS2_KBD_CMD_ECHO = 0xee,           /* replies 0xEE */
    PS2_KBD_CMD_SCANCODE = 0xf0,       /* argument: 0 to ask, or 1..3 */
    PS2_KBD_CMD_GET_ID = 0xf2,         /* replies AB 83 (AB 41 translated) */
    PS2_KBD_CMD_SET_RATE = 0xf3,       /* argument: typematic rate/delay */
    PS2_KBD_CMD_ENABLE = 0xf4,         /* start scanning */
    PS2_KBD_CMD_RESET_DISABLE = 0xf5,  /* defaults, stop scanning */
    PS2_KBD_CMD_RESET_ENABLE = 0xf6,   /* defaults, scanning */
    PS2_KBD_CMD_SET_TYPEMATIC = 0xfa,  /* set 3: all keys typematic/m/b */
    PS2_KBD_CMD_SET_MAKE_BREAK = 0xfc, /* set 3: argument: a key */
    PS2_KBD_CMD_RESET = 0xff,          /* self test: replies FA AA */
};

/* Keyboard replies. */
enum {
    PS2_KBD_REPLY_POR = 0xaa,    /* power-on self test passed */
    PS2_KBD_REPLY_ID = 0xab,     /* first ID byte */
    PS2_KBD_REPLY_ACK = 0xfa,    /* command acknowledged */
    PS2_KBD_REPLY_RESEND = 0xfe, /* command refused, send it again */
    PS2_KBD_BREAK = 0xf0,        /* sets 2 and 3: a key goes up */
};

/* Mouse (auxiliary device) commands. */
enum {
    PS2_AUX_SET_SCALE11 = 0xe6,
    PS2_AUX_SET_SCALE21 = 0xe7,
    PS2_AUX_SET_RES = 0xe8,    /* argument: resolution */
    PS2_AUX_GET_SCALE = 0xe9,  /* status request: status, res, rate */
    PS2_AUX_SET_STREAM = 0xea, /* packets on movement */
    PS2_AUX_POLL = 0xeb,       /* read data: one packet */
    PS2_AUX_RESET_WRAP = 0xec,
    PS2_AUX_SET_WRAP = 0xee,   /* echo every byte */
    PS2_AUX_SET_REMOTE = 0xf0, /* packets on 0xEB only */
    PS2_AUX_GET_TYPE = 0xf2,   /* replies the mouse type (ID) */
    PS2_AUX_SET_SAMPLE = 0xf3, /* argument: samples per second */
    PS2_AUX_ENABLE_DEV = 0xf4, /* data reporting on */
    PS2_AUX_DISABLE_DEV = 0xf5,
    PS2_AUX_SET_DEFAULT = 0xf6,
    PS2_AUX_RESET = 0xff, /* replies FA AA 00 */
    PS2_AUX_ACK = 0xfa,
    PS2_AUX_POR = 0xaa,
};

/* Mouse button bits in Ps2Mouse.buttons; the low 3 go into packet byte 0. */
enum {
    PS2_BUTTON_LEFT = 0x01,
    PS2_BUTTON_RIGHT = 0x02,
    PS2_BUTTON_MIDDLE = 0x04,
    PS2_BUTTON_SIDE = 0x08,  /* button 4, Explorer only */
    PS2_BUTTON_EXTRA = 0x10, /* button 5, Explorer only */
};

/* Packet byte 0. */
enum {
    PS2_PACKET_ALWAYS1 = 0x08,
    PS2_PACKET_X_SIGN = 0x10,
    PS2_PACKET_Y_SIGN = 0x20,
};

#define PS2_RING_MASK (PS2_BUFFER_SIZE - 1)

static int ps2_clamp(int v, int limit)
{
    return v > limit ? limit : v < -limit ? -limit : v;
}

/* a + b without overflow: host input is not trusted to stay small. */
static int ps2_add_sat(int a, int64_t b)
{
    int64_t sum = a + b;

    return sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : (int)sum;
}

/* ------------------------------------------------------------ the queue */

static void ps2_queue_reset(Ps2Queue *q)
{
    q->rptr = 0;
    q->wptr = 0;
    q->cwptr = -1;
    q->count = 0;
}

/* Appends data bytes: all of them, or none when they do not fit. */
static bool ps2_queue_put(Ps2Queue *q, const uint8_t *bytes, int n)
{
    if (PS2_QUEUE_SIZE - q->count < n) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        q->data[q->wptr] = bytes[i];
        q->wptr = (q->wptr + 1) & PS2_RING_MASK;
        q->count++;
    }
    return true;
}

/* Puts command replies in front of the data; replies always fit. */
static void ps2_queue_reply(Ps2Queue *q, const uint8_t *bytes, int n)
{
    q->rptr = (q->rptr - n) & PS2_RING_MASK;
    q->cwptr = q->rptr;
    for (int i = 0; i < n; i++) {
        q->data[q->cwptr] = bytes[i];
        q->cwptr = (q->cwptr + 1) & PS2_RING_MASK;
        q->count++;
    }
}

/* Drops the replies the controller has not read: a new command came. */
static void ps2_queue_drop_replies(Ps2Queue *q)
{
    if (q->cwptr == -1) {
        return;
    }
    q->count -= (q->cwptr - q->rptr) & PS2_RING_MASK;
    q->rptr = q->cwptr;
    q->cwptr = -1;
}

/* Takes the next byte; with none left, gives the previous one again. */
static bool ps2_queue_get(Ps2Queue *q, uint8_t *ret)
{
    if (q->count == 0) {
        *ret = q->data[(q->rptr - 1) & PS2_RING_MASK];
        return false;
    }
    *ret = q->data[q->rptr];
    q->rptr = (q->rptr + 1) & PS2_RING_MASK;
    q->count--;
    if (q->rptr == q->cwptr) {
        q->cwptr = -1; /* the last reply was read */
    }
    return true;
}

/* ------------------------------------------------------------ keyboard */

static void ps2_kbd_irq(Ps2Kbd *kbd, bool level)
{
    if (kbd->irq != NULL) {
        kbd->irq(kbd->irq_opaque, level);
    }
}

static void ps2_kbd_queue(Ps2Kbd *kbd, const uint8_t *bytes, int n)
{
    if (ps2_queue_put(&kbd->queue, bytes, n)) {
        ps2_kbd_irq(kbd, true);
    }
}

static void ps2_kbd_reply(Ps2Kbd *kbd, const uint8_t *bytes, int n)
{
    ps2_queue_reply(&kbd->queue, bytes, n);
    ps2_kbd_irq(kbd, true);
}

#define PS2_KBD_REPLY(kbd, ...)                                                \
    ps2_kbd_reply(kbd, (const uint8_t[]){ __VA_ARGS__ },                       \
                  (int)sizeof((const uint8_t[]){ __VA_ARGS__ }))

void ps2_kbd_queue_byte(Ps2Kbd *kbd, uint8_t b)
{
    ps2_kbd_queue(kbd, &b, 1);
}

uint8_t ps2_kbd_read(Ps2Kbd *kbd)
{
    uint8_t val;

    if (ps2_queue_get(&kbd->queue, &val)) {
        ps2_kbd_irq(kbd, false);
        if (kbd->queue.count != 0) {
            ps2_kbd_irq(kbd, true);
        }
    }
    return val;
}

/* A byte of the current set, translated to set 1 when asked. */
static void ps2_kbd_put_code(Ps2Kbd *kbd, uint8_t code)
{
    uint8_t b = code;

    if (kbd->translate) {
        if (code == PS2_KBD_BREAK) {
            kbd->need_high_bit = true;
            return;
        }
        b = ps2_keymap_translate(code);
        if (kbd->need_high_bit) {
            b |= 0x80;
            kbd->need_high_bit = false;
        }
    }
    ps2_kbd_queue(kbd, &b, 1);
}

/* The command F5, F6 and FF share: defaults, queue emptied. */
static void ps2_kbd_defaults(Ps2Kbd *kbd)
{
    kbd->scan_enabled = true;
    kbd->scancode_set = 2;
    ps2_queue_reset(&kbd->queue);
    kbd->ledstate = 0;
}

static void ps2_kbd_command(Ps2Kbd *kbd, uint8_t cmd)
{
    switch (cmd) {
    case 0x00: /* QEMU acknowledges 0x00 and refuses 0x05 */
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_GET_ID:
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK, PS2_KBD_REPLY_ID,
                      kbd->translate ? 0x41 : 0x83);
        break;
    case PS2_KBD_CMD_ECHO:
        PS2_KBD_REPLY(kbd, PS2_KBD_CMD_ECHO);
        break;
    case PS2_KBD_CMD_ENABLE:
        kbd->scan_enabled = true;
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_SCANCODE:
    case PS2_KBD_CMD_SET_LEDS:
    case PS2_KBD_CMD_SET_RATE:
    case PS2_KBD_CMD_SET_MAKE_BREAK:
        kbd->write_cmd = cmd; /* the argument comes next */
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_RESET_DISABLE:
        ps2_kbd_defaults(kbd);
        kbd->scan_enabled = false;
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_RESET_ENABLE:
        ps2_kbd_defaults(kbd);
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_RESET:
        ps2_kbd_defaults(kbd);
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK, PS2_KBD_REPLY_POR);
        break;
    case PS2_KBD_CMD_SET_TYPEMATIC:
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    default: /* 0x05, resend (0xFE), the set-3 key modes, unknown ones */
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_RESEND);
        break;
    }
}

/* The argument of F0: 0 asks for the set, 1..3 choose one. */
static void ps2_kbd_scancode_arg(Ps2Kbd *kbd, uint8_t val)
{
    if (val == 0) {
        uint8_t set = (uint8_t)kbd->scancode_set;
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK,
                      kbd->translate ? ps2_keymap_translate(set) : set);
    } else if (val <= 3) {
        kbd->scancode_set = val;
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
    } else {
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_RESEND);
    }
}

void ps2_kbd_write(Ps2Kbd *kbd, uint8_t val)
{
    int cmd = kbd->write_cmd;

    ps2_queue_drop_replies(&kbd->queue);
    kbd->write_cmd = -1;
    switch (cmd) {
    case PS2_KBD_CMD_SCANCODE:
        ps2_kbd_scancode_arg(kbd, val);
        break;
    case PS2_KBD_CMD_SET_LEDS:
        kbd->ledstate = val;
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_SET_RATE:
    case PS2_KBD_CMD_SET_MAKE_BREAK:
        PS2_KBD_REPLY(kbd, PS2_KBD_REPLY_ACK);
        break;
    default: /* -1: a command */
        ps2_kbd_command(kbd, val);
        break;
    }
}

void ps2_kbd_set_translation(Ps2Kbd *kbd, bool translate)
{
    kbd->translate = translate;
}

static unsigned ps2_modifier_bit(int qcode)
{
    switch (qcode) {
    case PS2_QCODE_CTRL:
        return PS2_MOD_CTRL_L;
    case PS2_QCODE_CTRL_R:
        return PS2_MOD_CTRL_R;
    case PS2_QCODE_SHIFT:
        return PS2_MOD_SHIFT_L;
    case PS2_QCODE_SHIFT_R:
        return PS2_MOD_SHIFT_R;
    case PS2_QCODE_ALT:
        return PS2_MOD_ALT_L;
    case PS2_QCODE_ALT_R:
        return PS2_MOD_ALT_R;
    default:
        return 0;
    }
}

void ps2_keyboard_event(Ps2Kbd *kbd, int qcode, bool down)
{
    unsigned code, mod;

    /* Events while disabled would garble what the guest reads later. */
    if (!kbd->scan_enabled || qcode < 0 || qcode >= PS2_QCODE_COUNT) {
        return;
    }
    if (qcode == PS2_QCODE_SYSRQ) {
        qcode = PS2_QCODE_PRINT; /* QEMU's input layer does the same */
    }
    mod = ps2_modifier_bit(qcode);
    if (down) {
        kbd->modifiers |= mod;
    } else {
        kbd->modifiers &= ~mod;
    }

    if (kbd->scancode_set < 1 || kbd->scancode_set > 3) {
        return;
    }
    if (kbd->scancode_set != 3 &&
        (qcode == PS2_QCODE_PRINT || qcode == PS2_QCODE_PAUSE)) {
        const uint8_t *bytes = NULL;
        size_t n = ps2_keymap_special(kbd->scancode_set, qcode, kbd->modifiers,
                                      down, &bytes);
        for (size_t i = 0; i < n; i++) {
            ps2_kbd_put_code(kbd, bytes[i]);
        }
        return;
    }
    code = ps2_keymap_code(qcode, kbd->scancode_set);
    if (code == 0) {
        return; /* no such key in this set */
    }
    if (code > 0xff) {
        ps2_kbd_put_code(kbd, code >> 8); /* E0 */
    }
    if (kbd->scancode_set == 1) {
        ps2_kbd_put_code(kbd, (code & 0xff) | (down ? 0 : 0x80));
        return;
    }
    if (!down) {
        ps2_kbd_put_code(kbd, PS2_KBD_BREAK);
    }
    ps2_kbd_put_code(kbd, code & 0xff);
}

void ps2_kbd_reset(Ps2Kbd *kbd)
{
    kbd->write_cmd = -1;
    ps2_queue_reset(&kbd->queue);
    ps2_kbd_irq(kbd, false);
    kbd->scan_enabled = true;
    kbd->translate = false;
    kbd->scancode_set = 2;
    kbd->modifiers = 0;
}

Ps2Kbd *ps2_kbd_new(Ps2IrqFunc irq, void *irq_opaque)
{
    Ps2Kbd *kbd = g_new0(Ps2Kbd, 1);

    kbd->irq = irq;
    kbd->irq_opaque = irq_opaque;
    ps2_kbd_reset(kbd);
    return kbd;
}

void ps2_kbd_free(Ps2Kbd *kbd)
{
    g_free(kbd);
}

/* ------------------------------------------------------------ mouse */

static void ps2_mouse_irq(Ps2Mouse *mouse, bool level)
{
    if (mouse->irq != NULL) {
        mouse->irq(mouse->irq_opaque, level);
    }
}

static void ps2_mouse_queue(Ps2Mouse *mouse, const uint8_t *bytes, int n)
{
    if (ps2_queue_put(&mouse->queue, bytes, n)) {
        ps2_mouse_irq(mouse, true);
    }
}

#define PS2_MOUSE_QUEUE(mouse, ...)                                            \
    ps2_mouse_queue(mouse, (const uint8_t[]){ __VA_ARGS__ },                   \
                    (int)sizeof((const uint8_t[]){ __VA_ARGS__ }))

void ps2_mouse_queue_byte(Ps2Mouse *mouse, uint8_t b)
{
    ps2_mouse_queue(mouse, &b, 1);
}

uint8_t ps2_mouse_read(Ps2Mouse *mouse)
{
    uint8_t val;

    if (ps2_queue_get(&mouse->queue, &val)) {
        ps2_mouse_irq(mouse, false);
        if (mouse->queue.count != 0) {
            ps2_mouse_irq(mouse, true);
        }
    }
    return val;
}

/*
 * One movement packet: 3 bytes, or 4 with a wheel.  Deltas beyond ±127
 * are sent in pieces; false when the packet does not fit the queue.
 */
static bool ps2_mouse_send_packet(Ps2Mouse *m)
{
    int needed = m->type != PS2_MOUSE_TYPE_PS2 ? 4 : 3;
    int dx = ps2_clamp(m->dx, 127);
    int dy = ps2_clamp(m->dy, 127);
    uint8_t packet[4];
    int dz, dw;

    if (PS2_QUEUE_SIZE - m->queue.count < needed) {
        return false;
    }
    packet[0] = PS2_PACKET_ALWAYS1 | (dx < 0 ? PS2_PACKET_X_SIGN : 0) |
                (dy < 0 ? PS2_PACKET_Y_SIGN : 0) | (m->buttons & 0x07);
    packet[1] = (uint8_t)dx;
    packet[2] = (uint8_t)dy;
    switch (m->type) {
    case PS2_MOUSE_TYPE_IMPS2:
        dz = ps2_clamp(m->dz, 127);
        packet[3] = (uint8_t)dz;
        m->dz -= dz;
        m->dw = 0;
        break;
    case PS2_MOUSE_TYPE_IMEX:
        if (m->dw != 0) {
            /* A horizontal step: 6 bits of it, and bit 6 set. */
            dw = ps2_clamp(m->dw, 31);
            packet[3] = (uint8_t)((dw & 0x3f) | 0x40);
            m->dw -= dw;
        } else {
            /* 4 bits of wheel, then buttons 4 and 5. */
            dz = ps2_clamp(m->dz, 7);
            packet[3] = (uint8_t)((dz & 0x0f) | ((m->buttons & 0x18) << 1));
            m->dz -= dz;
        }
        break;
    default: /* a plain PS/2 mouse has no wheel: forget it */
        m->dz = 0;
        m->dw = 0;
        break;
    }
    ps2_mouse_queue(m, packet, needed);
    m->dx -= dx;
    m->dy -= dy;
    return true;
}

/* Sample rates 200, 100, 80 select ID 3; 200, 200, 80 select ID 4. */
static void ps2_mouse_set_sample_rate(Ps2Mouse *m, uint8_t rate)
{
    m->sample_rate = rate;
    switch (m->detect_state) {
    case 1:
        m->detect_state = rate == 100 ? 2 : rate == 200 ? 3 : 0;
        break;
    case 2:
        if (rate == 80) {
            m->type = PS2_MOUSE_TYPE_IMPS2;
        }
        m->detect_state = 0;
        break;
    case 3:
        if (rate == 80) {
            m->type = PS2_MOUSE_TYPE_IMEX;
        }
        m->detect_state = 0;
        break;
    default:
        m->detect_state = rate == 200 ? 1 : 0;
        break;
    }
    PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
}

static void ps2_mouse_command(Ps2Mouse *m, uint8_t cmd)
{
    if (m->wrap) {
        if (cmd == PS2_AUX_RESET_WRAP) {
            m->wrap = false;
            PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
            return;
        }
        if (cmd != PS2_AUX_RESET) {
            PS2_MOUSE_QUEUE(m, cmd); /* the echo */
            return;
        }
    }
    switch (cmd) {
    case PS2_AUX_SET_SCALE11:
        m->status &= ~PS2_MOUSE_STATUS_SCALE21;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_SET_SCALE21:
        m->status |= PS2_MOUSE_STATUS_SCALE21;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_SET_STREAM:
        m->status &= ~PS2_MOUSE_STATUS_REMOTE;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_SET_WRAP:
        m->wrap = true;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_SET_REMOTE:
        m->status |= PS2_MOUSE_STATUS_REMOTE;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_GET_TYPE:
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK, m->type);
        break;
    case PS2_AUX_SET_RES:
    case PS2_AUX_SET_SAMPLE:
        m->write_cmd = cmd; /* the argument comes next */
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_GET_SCALE:
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK, m->status, m->resolution,
                        m->sample_rate);
        break;
    case PS2_AUX_POLL:
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        ps2_mouse_send_packet(m);
        break;
    case PS2_AUX_ENABLE_DEV:
        m->status |= PS2_MOUSE_STATUS_ENABLED;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_DISABLE_DEV:
        m->status &= ~PS2_MOUSE_STATUS_ENABLED;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_SET_DEFAULT:
        m->sample_rate = 100;
        m->resolution = 2;
        m->status = 0;
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK);
        break;
    case PS2_AUX_RESET: /* wrap mode and the knock detection survive */
        m->sample_rate = 100;
        m->resolution = 2;
        m->status = 0;
        m->type = PS2_MOUSE_TYPE_PS2;
        ps2_queue_reset(&m->queue);
        PS2_MOUSE_QUEUE(m, PS2_AUX_ACK, PS2_AUX_POR, m->type);
        break;
    default: /* unknown commands get no reply at all */
        break;
    }
}

void ps2_mouse_write(Ps2Mouse *mouse, uint8_t val)
{
    switch (mouse->write_cmd) {
    case PS2_AUX_SET_SAMPLE:
        mouse->write_cmd = -1;
        ps2_mouse_set_sample_rate(mouse, val);
        break;
    case PS2_AUX_SET_RES:
        mouse->write_cmd = -1;
        mouse->resolution = val;
        PS2_MOUSE_QUEUE(mouse, PS2_AUX_ACK);
        break;
    default: /* -1: a command */
        ps2_mouse_command(mouse, val);
        break;
    }
}

static const uint8_t ps2_button_bits[PS2_MOUSE_BUTTON__MAX] = {
    [PS2_MOUSE_BUTTON_LEFT] = PS2_BUTTON_LEFT,
    [PS2_MOUSE_BUTTON_MIDDLE] = PS2_BUTTON_MIDDLE,
    [PS2_MOUSE_BUTTON_RIGHT] = PS2_BUTTON_RIGHT,
    [PS2_MOUSE_BUTTON_SIDE] = PS2_BUTTON_SIDE,
    [PS2_MOUSE_BUTTON_EXTRA] = PS2_BUTTON_EXTRA,
};

void ps2_mouse_button(Ps2Mouse *mouse, Ps2MouseButton button, bool down)
{
    if (!(mouse->status & PS2_MOUSE_STATUS_ENABLED) ||
        (unsigned)button >= PS2_MOUSE_BUTTON__MAX) {
        return;
    }
    if (!down) {
        mouse->buttons &= ~ps2_button_bits[button];
        return;
    }
    mouse->buttons |= ps2_button_bits[button];
    switch (button) {
    case PS2_MOUSE_BUTTON_WHEEL_UP:
        mouse->dz = ps2_add_sat(mouse->dz, -1);
        break;
    case PS2_MOUSE_BUTTON_WHEEL_DOWN:
        mouse->dz = ps2_add_sat(mouse->dz, 1);
        break;
    case PS2_MOUSE_BUTTON_WHEEL_RIGHT:
        mouse->dw = ps2_add_sat(mouse->dw, -1);
        break;
    case PS2_MOUSE_BUTTON_WHEEL_LEFT:
        mouse->dw = ps2_add_sat(mouse->dw, 1);
        break;
    case PS2_MOUSE_BUTTON_LEFT:
    case PS2_MOUSE_BUTTON_MIDDLE:
    case PS2_MOUSE_BUTTON_RIGHT:
    case PS2_MOUSE_BUTTON_SIDE:
    case PS2_MOUSE_BUTTON_EXTRA:
    case PS2_MOUSE_BUTTON__MAX:
        break;
    }
}

void ps2_mouse_move(Ps2Mouse *mouse, int dx, int dy)
{
    if (!(mouse->status & PS2_MOUSE_STATUS_ENABLED)) {
        return;
    }
    mouse->dx = ps2_add_sat(mouse->dx, dx);
    /* Screen y grows downwards, the mouse's y upwards. */
    mouse->dy = ps2_add_sat(mouse->dy, -(int64_t)dy);
}

void ps2_mouse_sync(Ps2Mouse *mouse)
{
    if (!(mouse->status & PS2_MOUSE_STATUS_ENABLED) ||
        (mouse->status & PS2_MOUSE_STATUS_REMOTE)) {
        return;
    }
    while (ps2_mouse_send_packet(mouse)) {
        if (mouse->dx == 0 && mouse->dy == 0 && mouse->dz == 0 &&
            mouse->dw == 0) {
            break;
        }
    }
}

bool ps2_mouse_absolute_supported(void)
{
    return false;
}

void ps2_mouse_reset(Ps2Mouse *mouse)
{
    mouse->write_cmd = -1;
    ps2_queue_reset(&mouse->queue);
    ps2_mouse_irq(mouse, false);
    mouse->status = 0;
    mouse->resolution = 0;
    mouse->sample_rate = 0;
    mouse->wrap = false;
    mouse->type = PS2_MOUSE_TYPE_PS2;
    mouse->detect_state = 0;
    mouse->dx = 0;
    mouse->dy = 0;
    mouse->dz = 0;
    mouse->dw = 0;
    mouse->buttons = 0;
}

Ps2Mouse *ps2_mouse_new(Ps2IrqFunc irq, void *irq_opaque)
{
    Ps2Mouse *mouse = g_new0(Ps2Mouse, 1);

    mouse->irq = irq;
    mouse->irq_opaque = irq_opaque;
    ps2_mouse_reset(mouse);
    return mouse;
}

void ps2_mouse_free(Ps2Mouse *mouse)
{
    g_free(mouse);
}
