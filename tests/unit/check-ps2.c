/*
 * The PS/2 keyboard and mouse on their own (no controller): command
 * replies, the queue discipline, scancode sets and translation, mouse
 * packets and the IntelliMouse knocks, and the two sections.  Expected
 * bytes come from the IBM PS/2 keyboard and auxiliary device protocol,
 * and were checked against QEMU 7.2 where it differs (noted).
 *
 * Exchanges are written as small scripts: "wXX" sends a byte to the
 * device, "rXX" reads one and expects XX, "e" expects an empty queue.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "devices/ps2.h"
#include "tests/unit/check-vmstate.h"
#include "tests/unit/suites.h"
#include "vmstate/savevm.h"

/* ------------------------------------------------------------ helpers */

typedef struct IrqLog {
    bool level;
    unsigned calls;
} IrqLog;

static void irq_log(void *opaque, bool level)
{
    IrqLog *log = opaque;

    log->level = level;
    log->calls++;
}

typedef enum Dev { KBD, MOUSE } Dev;

typedef struct Rig {
    Ps2Kbd *kbd;
    Ps2Mouse *mouse;
    IrqLog kbd_irq;
    IrqLog mouse_irq;
} Rig;

static void rig_init(Rig *rig)
{
    memset(rig, 0, sizeof(*rig));
    rig->kbd = ps2_kbd_new(irq_log, &rig->kbd_irq);
    rig->mouse = ps2_mouse_new(irq_log, &rig->mouse_irq);
}

static void rig_free(Rig *rig)
{
    ps2_kbd_free(rig->kbd);
    ps2_mouse_free(rig->mouse);
}

static const Ps2Queue *rig_queue(const Rig *rig, Dev dev)
{
    return dev == KBD ? &rig->kbd->queue : &rig->mouse->queue;
}

/* Runs a script against one device; the step number is in the message. */
static void run_script(Rig *rig, Dev dev, const char *script)
{
    g_auto(GStrv) steps = g_strsplit(script, " ", -1);

    for (int i = 0; steps[i] != NULL; i++) {
        const char *s = steps[i];
        unsigned v = (unsigned)strtoul(s + 1, NULL, 16);
        if (s[0] == 'w' && dev == KBD) {
            ps2_kbd_write(rig->kbd, (uint8_t)v);
        } else if (s[0] == 'w') {
            ps2_mouse_write(rig->mouse, (uint8_t)v);
        } else if (s[0] == 'r') {
            ck_assert_msg(rig_queue(rig, dev)->count > 0,
                          "%s: step %d (%s): queue empty", script, i, s);
            uint8_t got = dev == KBD ? ps2_kbd_read(rig->kbd)
                                     : ps2_mouse_read(rig->mouse);
            ck_assert_msg(got == v, "%s: step %d: read 0x%02x, want 0x%02x",
                          script, i, got, v);
        } else if (s[0] == 'e') {
            ck_assert_msg(rig_queue(rig, dev)->count == 0,
                          "%s: step %d: %d bytes left", script, i,
                          rig_queue(rig, dev)->count);
        } else {
            ck_abort_msg("bad script step '%s'", s);
        }
    }
}

/* Reads everything queued. */
static GByteArray *drain_kbd(Ps2Kbd *kbd)
{
    GByteArray *bytes = g_byte_array_new();

    while (kbd->queue.count > 0) {
        uint8_t b = ps2_kbd_read(kbd);
        g_byte_array_append(bytes, &b, 1);
    }
    return bytes;
}

static GByteArray *drain_mouse(Ps2Mouse *mouse)
{
    GByteArray *bytes = g_byte_array_new();

    while (mouse->queue.count > 0) {
        uint8_t b = ps2_mouse_read(mouse);
        g_byte_array_append(bytes, &b, 1);
    }
    return bytes;
}

static int qcode(const char *name)
{
    int q = -1;

    ck_assert_msg(ps2_qcode_lookup(name, &q), "no qcode '%s'", name);
    return q;
}

static void key(Ps2Kbd *kbd, const char *name, bool down)
{
    ps2_keyboard_event(kbd, qcode(name), down);
}

/* ------------------------------------------------------------ keyboard */

static const struct {
    const char *name;
    const char *script;
} kbd_scripts[] = {
    { "reset and self test", "wff rfa raa e" },
    { "MF2 ID", "wf2 rfa rab r83 e" },
    { "echo", "wee ree e" },
    { "LEDs", "wed rfa w07 rfa e" },
    { "typematic rate", "wf3 rfa w2a rfa e" },
    { "get scancode set", "wf0 rfa w00 rfa r02 e" },
    { "set scancode set 3", "wf0 rfa w03 rfa wf0 rfa w00 rfa r03 e" },
    { "scancode set 4 refused", "wf0 rfa w04 rfe wf0 w00 rfa r02 e" },
    { "enable", "wf4 rfa e" },
    { "defaults and disable", "wf5 rfa e" },
    { "defaults and enable", "wf6 rfa e" },
    { "set-3 all typematic (QEMU: ack)", "wfa rfa e" },
    { "set-3 key make/break (QEMU: ack)", "wfc rfa w1c rfa e" },
    { "set-3 key typematic (QEMU: resend)", "wfb rfe e" },
    { "resend command answers resend", "wfe rfe e" },
    { "unknown command", "w11 rfe e" },
    { "QEMU's 0x00 and 0x05", "w00 rfa w05 rfe e" },
    /* An unread reply is dropped when the next command comes. */
    { "replies dropped by the next command", "wf2 wee ree e" },
    { "argument drops the ack", "wed w02 rfa e" },
    { "reset drops everything", "wf2 rfa wff rfa raa e" },
};

START_TEST(test_kbd_script)
{
    Rig rig;

    rig_init(&rig);
    run_script(&rig, KBD, kbd_scripts[_i].script);
    rig_free(&rig);
}
END_TEST

START_TEST(test_kbd_leds_and_set)
{
    Rig rig;

    rig_init(&rig);
    run_script(&rig, KBD, "wed w05 rfa wf0 w01 rfa");
    ck_assert_uint_eq(rig.kbd->ledstate, 5);
    ck_assert_int_eq(rig.kbd->scancode_set, 1);
    run_script(&rig, KBD, "wff rfa raa");
    ck_assert_uint_eq(rig.kbd->ledstate, 0);
    ck_assert_int_eq(rig.kbd->scancode_set, 2);
    /* A device reset keeps the LEDs, as QEMU's does. */
    run_script(&rig, KBD, "wed w04 rfa");
    ps2_kbd_reset(rig.kbd);
    ck_assert_uint_eq(rig.kbd->ledstate, 4);
    ck_assert_int_eq(rig.kbd->write_cmd, -1);
    rig_free(&rig);
}
END_TEST

/* Key bytes, per set, untranslated (IBM scancode set tables). */
static const struct {
    int set;
    const char *key;
    const char *down;
    const char *up;
} key_codes[] = {
    { 1, "a", "1e", "9e" },
    { 2, "a", "1c", "f0 1c" },
    { 3, "a", "1c", "f0 1c" },
    { 1, "ctrl_r", "e0 1d", "e0 9d" },
    { 2, "ctrl_r", "e0 14", "e0 f0 14" },
    { 3, "ctrl_r", "58", "f0 58" },
    { 1, "kp_enter", "e0 1c", "e0 9c" },
    { 2, "kp_enter", "e0 5a", "e0 f0 5a" },
    { 2, "f12", "07", "f0 07" },
    { 3, "f12", "5e", "f0 5e" },
    { 2, "ret", "5a", "f0 5a" },
    { 1, "print", "e0 2a e0 37", "e0 b7 e0 aa" },
    { 2, "print", "e0 12 e0 7c", "e0 f0 7c e0 f0 12" },
    { 3, "print", "57", "f0 57" },
    { 2, "sysrq", "e0 12 e0 7c", "e0 f0 7c e0 f0 12" },
    { 1, "pause", "e1 1d 45 e1 9d c5", "" },
    { 2, "pause", "e1 14 77 e1 f0 14 f0 77", "" },
    { 3, "pause", "62", "f0 62" },
    /* QEMU 7.2 has no set-2 code for these. */
    { 2, "menu", "", "" },
    { 2, "lang1", "", "" },
    { 1, "lang1", "72", "f2" },
};

static void assert_hex(GByteArray *got, const char *want, const char *what)
{
    g_autoptr(GString) text = g_string_new(NULL);

    for (guint i = 0; i < got->len; i++) {
        g_string_append_printf(text, "%s%02x", i ? " " : "", got->data[i]);
    }
    ck_assert_msg(strcmp(text->str, want) == 0, "%s: got '%s', want '%s'", what,
                  text->str, want);
}

START_TEST(test_key_codes)
{
    Rig rig;
    char cmd[16];

    rig_init(&rig);
    g_snprintf(cmd, sizeof(cmd), "wf0 w%02x rfa e", key_codes[_i].set);
    run_script(&rig, KBD, cmd);
    key(rig.kbd, key_codes[_i].key, true);
    g_autoptr(GByteArray) down = drain_kbd(rig.kbd);
    key(rig.kbd, key_codes[_i].key, false);
    g_autoptr(GByteArray) up = drain_kbd(rig.kbd);
    assert_hex(down, key_codes[_i].down, key_codes[_i].key);
    assert_hex(up, key_codes[_i].up, key_codes[_i].key);
    rig_free(&rig);
}
END_TEST

/* Print and Pause depend on the modifiers (sets 1 and 2). */
static const struct {
    int set;
    const char *modifier;
    const char *key;
    const char *down;
    const char *up;
} special_keys[] = {
    { 1, "alt", "print", "b8 38 54", "d4 b8 38" },
    { 1, "alt_r", "print", "e0 b8 e0 38 54", "d4 e0 b8 e0 38" },
    { 1, "shift", "print", "e0 37", "e0 b7" },
    { 1, "ctrl_r", "print", "e0 37", "e0 b7" },
    { 1, "ctrl", "pause", "e0 46 e0 c6", "" },
    { 2, "alt", "print", "f0 11 11 84", "f0 84 f0 11 11" },
    { 2, "alt_r", "print", "e0 f0 11 e0 11 84", "f0 84 e0 f0 11 e0 11" },
    { 2, "shift_r", "print", "e0 7c", "e0 f0 7c" },
    { 2, "ctrl_r", "pause", "e0 7e e0 f0 7e", "" },
    { 3, "ctrl", "pause", "62", "f0 62" },
};

START_TEST(test_special_keys)
{
    Rig rig;
    char cmd[16];

    rig_init(&rig);
    g_snprintf(cmd, sizeof(cmd), "wf0 w%02x rfa e", special_keys[_i].set);
    run_script(&rig, KBD, cmd);
    key(rig.kbd, special_keys[_i].modifier, true);
    g_autoptr(GByteArray) ignored = drain_kbd(rig.kbd);
    key(rig.kbd, special_keys[_i].key, true);
    g_autoptr(GByteArray) down = drain_kbd(rig.kbd);
    key(rig.kbd, special_keys[_i].key, false);
    g_autoptr(GByteArray) up = drain_kbd(rig.kbd);
    assert_hex(down, special_keys[_i].down, special_keys[_i].key);
    assert_hex(up, special_keys[_i].up, special_keys[_i].key);
    rig_free(&rig);
}
END_TEST

START_TEST(test_translation)
{
    Rig rig;

    rig_init(&rig);
    ps2_kbd_set_translation(rig.kbd, true);
    /* Replies are not translated, but the ID and the set number are. */
    run_script(&rig, KBD, "wf2 rfa rab r41 wf0 w00 rfa r41 e");
    key(rig.kbd, "a", true);
    key(rig.kbd, "a", false);
    key(rig.kbd, "kp_enter", true);
    key(rig.kbd, "kp_enter", false);
    key(rig.kbd, "pause", true);
    g_autoptr(GByteArray) got = drain_kbd(rig.kbd);
    assert_hex(got, "1e 9e e0 1c e0 9c e1 1d 45 e1 9d c5", "set 2 → set 1");
    /* A break prefix waits for its byte, even across a save. */
    ck_assert(!rig.kbd->need_high_bit);
    run_script(&rig, KBD, "wf0 w03 rfa");
    key(rig.kbd, "a", false);
    g_autoptr(GByteArray) set3 = drain_kbd(rig.kbd);
    assert_hex(set3, "9e", "set 3 → set 1");
    rig_free(&rig);
}
END_TEST

START_TEST(test_scanning_disabled)
{
    Rig rig;

    rig_init(&rig);
    run_script(&rig, KBD, "wf5 rfa e");
    key(rig.kbd, "a", true);
    key(rig.kbd, "shift", true); /* not even the modifiers */
    ck_assert_int_eq(rig.kbd->queue.count, 0);
    ck_assert_uint_eq(rig.kbd->modifiers, 0);
    run_script(&rig, KBD, "wf4 rfa e");
    key(rig.kbd, "a", true);
    run_script(&rig, KBD, "r1c e");
    rig_free(&rig);
}
END_TEST

START_TEST(test_kbd_queue)
{
    Rig rig;

    rig_init(&rig);
    /* 16 data bytes fit, the rest is dropped. */
    for (int i = 0; i < 20; i++) {
        key(rig.kbd, "a", true);
    }
    ck_assert_int_eq(rig.kbd->queue.count, PS2_QUEUE_SIZE);
    /* Command replies still go in, ahead of the data. */
    run_script(&rig, KBD, "wf2 rfa rab r83");
    for (int i = 0; i < PS2_QUEUE_SIZE; i++) {
        run_script(&rig, KBD, "r1c");
    }
    run_script(&rig, KBD, "e");
    ck_assert_int_eq(rig.kbd->queue.cwptr, -1);
    /* An empty queue reads its last byte again, with no interrupt. */
    unsigned calls = rig.kbd_irq.calls;
    ck_assert_uint_eq(ps2_kbd_read(rig.kbd), 0x1c);
    ck_assert_uint_eq(rig.kbd_irq.calls, calls);
    ck_assert(!rig.kbd_irq.level);
    rig_free(&rig);
}
END_TEST

START_TEST(test_kbd_irq)
{
    Rig rig;

    rig_init(&rig);
    ck_assert(!rig.kbd_irq.level);
    key(rig.kbd, "a", true);
    key(rig.kbd, "a", false);
    ck_assert(rig.kbd_irq.level);
    ps2_kbd_read(rig.kbd);
    ck_assert(rig.kbd_irq.level); /* lowered, raised again: 2 left */
    ps2_kbd_read(rig.kbd);
    ps2_kbd_read(rig.kbd);
    ck_assert(!rig.kbd_irq.level);
    rig_free(&rig);
}
END_TEST

START_TEST(test_qcodes)
{
    size_t count = 0;
    const char *const *names = ps2_qcode_names(&count);
    int q = -1;

    ck_assert_uint_eq(count, PS2_QCODE_COUNT);
    ck_assert_str_eq(names[0], "unmapped");
    ck_assert_str_eq(names[PS2_QCODE_PRINT], "print");
    ck_assert_str_eq(names[PS2_QCODE_PAUSE], "pause");
    ck_assert_str_eq(names[count - 1], "lang2");
    ck_assert(ps2_qcode_lookup("ctrl_r", &q));
    ck_assert_int_eq(q, PS2_QCODE_CTRL_R);
    ck_assert(!ps2_qcode_lookup("control", &q));
    ck_assert(!ps2_qcode_lookup("", &q));
    ck_assert_ptr_null(ps2_qcode_name(-1));
    ck_assert_ptr_null(ps2_qcode_name(PS2_QCODE_COUNT));
    /* Numbers: set-1 make codes, 0x80 for E0 (QEMU's qnum). */
    ck_assert_str_eq(ps2_qcode_name(ps2_qcode_from_number(0x1c)), "ret");
    ck_assert_str_eq(ps2_qcode_name(ps2_qcode_from_number(0x9c)), "kp_enter");
    ck_assert_str_eq(ps2_qcode_name(ps2_qcode_from_number(0x1e)), "a");
    ck_assert_str_eq(ps2_qcode_name(ps2_qcode_from_number(0x54)), "sysrq");
    ck_assert_str_eq(ps2_qcode_name(ps2_qcode_from_number(0xb7)), "sysrq");
    ck_assert_str_eq(ps2_qcode_name(ps2_qcode_from_number(0x37)),
                     "kp_multiply");
    ck_assert_int_eq(ps2_qcode_from_number(0x55), PS2_QCODE_UNMAPPED);
    ck_assert_int_eq(ps2_qcode_from_number(0x100), PS2_QCODE_UNMAPPED);
    ck_assert_int_eq(ps2_qcode_from_number(-1), PS2_QCODE_UNMAPPED);
    /* Out-of-range qcodes are ignored. */
    Rig rig;
    rig_init(&rig);
    ps2_keyboard_event(rig.kbd, -1, true);
    ps2_keyboard_event(rig.kbd, PS2_QCODE_COUNT, true);
    ps2_keyboard_event(rig.kbd, PS2_QCODE_UNMAPPED, true);
    run_script(&rig, KBD, "e");
    rig_free(&rig);
}
END_TEST

/* ------------------------------------------------------------ mouse */

static const struct {
    const char *name;
    const char *script;
} mouse_scripts[] = {
    { "reset", "wff rfa raa r00 e" },
    { "get ID", "wf2 rfa r00 e" },
    { "status request after defaults", "wf6 rfa we9 rfa r00 r02 r64 e" },
    { "enable, scaling, remote",
      "wf4 rfa we7 rfa wf0 rfa we9 rfa r70 r00 r00 e" },
    { "resolution and sample rate",
      "we8 rfa w03 rfa wf3 rfa w28 rfa we9 rfa r00 r03 r28 e" },
    { "IntelliMouse knock", "wf3 rfa wc8 rfa wf3 rfa w64 rfa wf3 rfa w50 "
                            "rfa wf2 rfa r03 e" },
    { "Explorer knock", "wf3 rfa wc8 rfa wf3 rfa wc8 rfa wf3 rfa w50 "
                        "rfa wf2 rfa r04 e" },
    { "broken knock", "wf3 rfa wc8 rfa wf3 rfa w50 rfa wf2 rfa r00 e" },
    { "reset forgets the type", "wf3 rfa wc8 rfa wf3 rfa w64 rfa wf3 rfa w50 "
                                "rfa wff rfa raa r00 e" },
    { "wrap mode echoes", "wee rfa w12 r12 we9 re9 wec rfa e" },
    { "reset leaves wrap mode (QEMU)", "wee rfa wff rfa raa r00 w33 r33 e" },
    { "unknown command: no reply (QEMU)", "w12 e w00 e" },
    { "remote mode poll", "wf0 rfa web rfa r08 r00 r00 e" },
    { "replies are not dropped", "wf2 wf2 rfa r00 rfa r00 e" },
};

START_TEST(test_mouse_script)
{
    Rig rig;

    rig_init(&rig);
    run_script(&rig, MOUSE, mouse_scripts[_i].script);
    rig_free(&rig);
}
END_TEST

static void mouse_enable(Rig *rig, int type)
{
    if (type == PS2_MOUSE_TYPE_IMPS2) {
        run_script(rig, MOUSE,
                   "wf3 rfa wc8 rfa wf3 rfa w64 rfa wf3 rfa w50 rfa");
    } else if (type == PS2_MOUSE_TYPE_IMEX) {
        run_script(rig, MOUSE,
                   "wf3 rfa wc8 rfa wf3 rfa wc8 rfa wf3 rfa w50 rfa");
    }
    run_script(rig, MOUSE, "wf4 rfa e");
}

static const struct {
    int type;
    int dx, dy;
    Ps2MouseButton button; /* pressed before the move, if < __MAX */
    const char *packets;
} mouse_packets[] = {
    { 0, 5, 3, PS2_MOUSE_BUTTON__MAX, "28 05 fd" }, /* y up: -3 */
    { 0, -1, -1, PS2_MOUSE_BUTTON_LEFT, "19 ff 01" },
    { 0, 0, 0, PS2_MOUSE_BUTTON_RIGHT, "0a 00 00" },
    { 0, 0, 0, PS2_MOUSE_BUTTON_MIDDLE, "0c 00 00" },
    /* Big moves go out in pieces of at most 127. */
    { 0, 300, 0, PS2_MOUSE_BUTTON__MAX, "08 7f 00 08 7f 00 08 2e 00" },
    { 0, 0, 200, PS2_MOUSE_BUTTON__MAX, "28 00 81 28 00 b7" },
    /* A plain mouse forgets the wheel. */
    { 0, 0, 0, PS2_MOUSE_BUTTON_WHEEL_UP, "08 00 00" },
    { 3, 0, 0, PS2_MOUSE_BUTTON_WHEEL_UP, "08 00 00 ff" },
    { 3, 0, 0, PS2_MOUSE_BUTTON_WHEEL_DOWN, "08 00 00 01" },
    { 4, 0, 0, PS2_MOUSE_BUTTON_WHEEL_DOWN, "08 00 00 01" },
    { 4, 0, 0, PS2_MOUSE_BUTTON_SIDE, "08 00 00 10" },
    { 4, 0, 0, PS2_MOUSE_BUTTON_EXTRA, "08 00 00 20" },
    { 4, 0, 0, PS2_MOUSE_BUTTON_WHEEL_LEFT, "08 00 00 41" },
    { 4, 0, 0, PS2_MOUSE_BUTTON_WHEEL_RIGHT, "08 00 00 7f" },
    { 3, 0, 0, PS2_MOUSE_BUTTON_SIDE, "08 00 00 00" },
};

START_TEST(test_mouse_packets)
{
    Rig rig;

    rig_init(&rig);
    mouse_enable(&rig, mouse_packets[_i].type);
    if (mouse_packets[_i].button < PS2_MOUSE_BUTTON__MAX) {
        ps2_mouse_button(rig.mouse, mouse_packets[_i].button, true);
    }
    ps2_mouse_move(rig.mouse, mouse_packets[_i].dx, mouse_packets[_i].dy);
    ps2_mouse_sync(rig.mouse);
    g_autoptr(GByteArray) got = drain_mouse(rig.mouse);
    assert_hex(got, mouse_packets[_i].packets, "packets");
    rig_free(&rig);
}
END_TEST

START_TEST(test_mouse_rules)
{
    Rig rig;

    rig_init(&rig);
    /* Disabled: events are dropped, sync sends nothing. */
    ps2_mouse_move(rig.mouse, 10, 10);
    ps2_mouse_button(rig.mouse, PS2_MOUSE_BUTTON_LEFT, true);
    ps2_mouse_sync(rig.mouse);
    ck_assert_int_eq(rig.mouse->dx, 0);
    ck_assert_uint_eq(rig.mouse->buttons, 0);
    run_script(&rig, MOUSE, "e");
    /* Enabled: a sync without movement still sends a packet. */
    mouse_enable(&rig, 0);
    ps2_mouse_sync(rig.mouse);
    run_script(&rig, MOUSE, "r08 r00 r00 e");
    /* Remote mode: movement waits for a poll, one packet each. */
    run_script(&rig, MOUSE, "wf0 rfa");
    ps2_mouse_move(rig.mouse, 200, 0);
    ps2_mouse_sync(rig.mouse);
    run_script(&rig, MOUSE, "e web rfa r08 r7f r00 e web rfa r08 r49 r00 e");
    /* Stream mode, a full queue: whole packets only. */
    run_script(&rig, MOUSE, "wea rfa e");
    ps2_mouse_move(rig.mouse, 10000, 0);
    ps2_mouse_sync(rig.mouse);
    ck_assert_int_eq(rig.mouse->queue.count, 15);
    ck_assert_int_eq(rig.mouse->dx, 10000 - 5 * 127);
    ck_assert(!ps2_mouse_absolute_supported());
    /* Deltas saturate instead of overflowing. */
    ps2_mouse_move(rig.mouse, INT32_MAX, INT32_MIN);
    ps2_mouse_move(rig.mouse, INT32_MAX, INT32_MIN);
    ck_assert_int_eq(rig.mouse->dx, INT32_MAX);
    ck_assert_int_eq(rig.mouse->dy, INT32_MAX);
    rig_free(&rig);
}
END_TEST

/* ------------------------------------------------------------ state */

/* §3.2/3.3: a fresh device's body, and the §3.2 LEDs + replies sample. */
static void assert_section(VmsRegistry *registry, const char *name,
                           const uint8_t *want, size_t len)
{
    g_autoptr(GByteArray) file = savevm_save(registry);
    size_t pos = 8;

    while (pos < file->len && file->data[pos] == SAVEVM_SECTION_FULL) {
        uint8_t idlen = file->data[pos + 5];
        size_t body = pos + 6 + idlen + 8;
        if (idlen == strlen(name) &&
            memcmp(file->data + pos + 6, name, idlen) == 0) {
            ck_assert_uint_ge(file->len - body, len);
            g_autoptr(GByteArray) got = g_byte_array_new();
            g_byte_array_append(got, file->data + body, (guint)len);
            vmstest_assert_bytes(got, want, len);
            return;
        }
        ck_abort_msg("only one section expected");
    }
    ck_abort_msg("no section %s", name);
}

START_TEST(test_fresh_sections)
{
    Rig rig;
    uint8_t kbd[284] = { 0xff, 0xff, 0xff, 0xff }; /* write_cmd -1 */
    uint8_t mouse[291] = { 0xff, 0xff, 0xff, 0xff };
    VmsSection section;

    kbd[275] = 1; /* scan_enabled */
    kbd[283] = 2; /* scancode_set */
    rig_init(&rig);
    Ps2KbdState *ks = ps2_kbd_state_new(rig.kbd);
    Ps2MouseState *ms = ps2_mouse_state_new(rig.mouse);
    VmsRegistry *kr = vms_registry_new();
    VmsRegistry *mr = vms_registry_new();
    ps2_kbd_state_section(ks, 24, &section);
    vms_registry_add(kr, &section);
    ps2_mouse_state_section(ms, 25, &section);
    vms_registry_add(mr, &section);
    assert_section(kr, "ps2kbd", kbd, sizeof(kbd));
    assert_section(mr, "ps2mouse", mouse, sizeof(mouse));

    /* §3.2's sample: LEDs 7, three reply bytes at rptr 253. */
    run_script(&rig, KBD, "wed w07 rfa wf2");
    static const uint8_t tail[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x05, 0x0f, 'p',  's',  '2',  'k',  'b',  'd',  '/',  'l',
        'e',  'd',  's',  't',  'a',  't',  'e',  0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x07, 0x05, 0x1a, 'p',  's',  '2',  'k',  'b',
        'd',  '/',  'c',  'o',  'm',  'm',  'a',  'n',  'd',  '_',  'r',
        'e',  'p',  'l',  'y',  '_',  'q',  'u',  'e',  'u',  'e',  0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    memcpy(kbd + 4, (const uint8_t[]){ 0, 0, 0, 253, 0, 0, 0, 0, 0, 0, 0, 3 },
           12);
    kbd[16 + 253] = 0xfa;
    kbd[16 + 254] = 0xab;
    kbd[16 + 255] = 0x83;
    g_autofree uint8_t *want = g_malloc(272 + sizeof(tail));
    memcpy(want, kbd, 272);
    memcpy(want + 272, tail, sizeof(tail));
    assert_section(kr, "ps2kbd", want, 272 + sizeof(tail));

    vms_registry_free(kr);
    vms_registry_free(mr);
    ps2_kbd_state_free(ks);
    ps2_mouse_state_free(ms);
    rig_free(&rig);
}
END_TEST

START_TEST(test_check_tables)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(vms_description_check(&ps2_kbd_vmsd, &error), "%s",
                  error ? error->message : "");
    ck_assert_msg(vms_description_check(&ps2_mouse_vmsd, &error), "%s",
                  error ? error->message : "");
}
END_TEST

Suite *ps2_suite(void)
{
    Suite *suite = suite_create("ps2");
    TCase *kbd = tcase_create("keyboard");
    TCase *mouse = tcase_create("mouse");
    TCase *state = tcase_create("state");

    tcase_add_loop_test(kbd, test_kbd_script, 0, G_N_ELEMENTS(kbd_scripts));
    tcase_add_test(kbd, test_kbd_leds_and_set);
    tcase_add_loop_test(kbd, test_key_codes, 0, G_N_ELEMENTS(key_codes));
    tcase_add_loop_test(kbd, test_special_keys, 0, G_N_ELEMENTS(special_keys));
    tcase_add_test(kbd, test_translation);
    tcase_add_test(kbd, test_scanning_disabled);
    tcase_add_test(kbd, test_kbd_queue);
    tcase_add_test(kbd, test_kbd_irq);
    tcase_add_test(kbd, test_qcodes);
    tcase_add_loop_test(mouse, test_mouse_script, 0,
                        G_N_ELEMENTS(mouse_scripts));
    tcase_add_loop_test(mouse, test_mouse_packets, 0,
                        G_N_ELEMENTS(mouse_packets));
    tcase_add_test(mouse, test_mouse_rules);
    tcase_add_test(state, test_fresh_sections);
    tcase_add_test(state, test_check_tables);
    suite_add_tcase(suite, kbd);
    suite_add_tcase(suite, mouse);
    suite_add_tcase(suite, state);
    return suite;
}
