/*
 * The state layer of the PS/2 devices: the sections "ps2kbd" (v3, min 2)
 * and "ps2mouse" (v2, min 2) of QEMU 7.2 (research/qemu-vmstate-7.2.md
 * §3.2, §3.3), byte for byte.
 *
 * A section's opaque is a wire struct shaped like the stream, holding a
 * pointer to its device.  pre_save fills it from the device; a load fills
 * a scratch copy, post_load checks it, and the commit writes the device.
 *
 * Loaded values are hostile.  What no QEMU can have written is refused:
 * queue pointers outside the ring, a negative count, pending commands,
 * scancode sets, mouse types and flags that do not exist.  What QEMU's
 * own post_load sanitizes is sanitized the same way, because QEMU
 * accepts it (older QEMUs queued up to 256 bytes): the count is clamped
 * to the command replies plus 16 data bytes, the replies to 8, and wptr
 * and cwptr are recomputed from rptr.  A subsection that is absent means
 * its default (LEDs off, no break pending, no replies), which is what the
 * saving side had; QEMU keeps the target's live value instead, the same
 * thing for a target fresh from reset.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "devices/ps2.h"

/* QEMU's "PS2 Common State" (v3, min 2). */
typedef struct Ps2CommonWire {
    int32_t write_cmd;
    struct {
        int32_t rptr;
        int32_t wptr;
        int32_t count;
        uint8_t data[PS2_BUFFER_SIZE];
    } queue;
} Ps2CommonWire;

struct Ps2KbdState {
    Ps2CommonWire parent_obj;
    int32_t scan_enabled;
    int32_t translate;
    int32_t scancode_set; /* v3 */
    int32_t ledstate;     /* subsection ps2kbd/ledstate */
    bool need_high_bit;   /* subsection ps2kbd/need_high_bit */
    int32_t cwptr;        /* subsection ps2kbd/command_reply_queue */
    /* Wiring. */
    Ps2Kbd *kbd;
};

struct Ps2MouseState {
    Ps2CommonWire parent_obj;
    uint8_t mouse_status;
    uint8_t mouse_resolution;
    uint8_t mouse_sample_rate;
    uint8_t mouse_wrap;
    uint8_t mouse_type;
    uint8_t mouse_detect_state;
    int32_t mouse_dx;
    int32_t mouse_dy;
    int32_t mouse_dz;
    uint8_t mouse_buttons;
    /* Wiring. */
    Ps2Mouse *mouse;
};

static bool ps2_state_fail(GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static bool ps2_state_fail(GError **error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, text);
    return false;
}

/* ------------------------------------------------------------ the queue */

static void ps2_common_fill(Ps2CommonWire *w, const Ps2Queue *q, int write_cmd)
{
    w->write_cmd = write_cmd;
    w->queue.rptr = q->rptr;
    w->queue.wptr = q->wptr;
    w->queue.count = q->count;
    memcpy(w->queue.data, q->data, sizeof(w->queue.data));
}

/*
 * Checks the queue and sanitizes it as QEMU's ps2_common_post_load does;
 * *cwptr (-1: no replies) is recomputed with it.
 */
static bool ps2_common_check(Ps2CommonWire *w, int32_t *cwptr, GError **error)
{
    int32_t ccount = 0;

    if (w->queue.rptr < 0 || w->queue.rptr >= PS2_BUFFER_SIZE) {
        return ps2_state_fail(error,
                              "queue.rptr %d is outside the ring (0..%d)",
                              w->queue.rptr, PS2_BUFFER_SIZE - 1);
    }
    if (w->queue.wptr < 0 || w->queue.wptr >= PS2_BUFFER_SIZE) {
        return ps2_state_fail(error,
                              "queue.wptr %d is outside the ring (0..%d)",
                              w->queue.wptr, PS2_BUFFER_SIZE - 1);
    }
    if (w->queue.count < 0 || w->queue.count > PS2_BUFFER_SIZE) {
        return ps2_state_fail(error,
                              "queue.count %d: the ring holds 0..%d bytes",
                              w->queue.count, PS2_BUFFER_SIZE);
    }
    if (*cwptr < -1 || *cwptr >= PS2_BUFFER_SIZE) {
        return ps2_state_fail(error,
                              "queue.cwptr %d is neither -1 nor in the ring "
                              "(0..%d)",
                              *cwptr, PS2_BUFFER_SIZE - 1);
    }
    if (*cwptr != -1) {
        ccount = (*cwptr - w->queue.rptr) & (PS2_BUFFER_SIZE - 1);
        ccount = MIN(ccount, PS2_QUEUE_HEADROOM);
    }
    w->queue.count = CLAMP(w->queue.count, ccount, ccount + PS2_QUEUE_SIZE);
    w->queue.wptr = (w->queue.rptr + w->queue.count) & (PS2_BUFFER_SIZE - 1);
    *cwptr = ccount ? (w->queue.rptr + ccount) & (PS2_BUFFER_SIZE - 1) : -1;
    return true;
}

static void ps2_common_commit(Ps2Queue *q, const Ps2CommonWire *w,
                              int32_t cwptr)
{
    memcpy(q->data, w->queue.data, sizeof(q->data));
    q->rptr = w->queue.rptr;
    q->wptr = w->queue.wptr;
    q->count = w->queue.count;
    q->cwptr = cwptr;
}

static const VmsField ps2_common_fields[] = {
    VMS_FIELD(Ps2CommonWire, write_cmd),
    VMS_FIELD(Ps2CommonWire, queue.rptr),
    VMS_FIELD(Ps2CommonWire, queue.wptr),
    VMS_FIELD(Ps2CommonWire, queue.count),
    VMS_BUFFER(Ps2CommonWire, queue.data),
    VMS_END,
};

static const VmsDescription ps2_common_vmsd = {
    .name = "PS2 Common State",
    .version = 3,
    .min_version = 2,
    .size = sizeof(Ps2CommonWire),
    .fields = ps2_common_fields,
};

/* ------------------------------------------------------------ keyboard */

static bool ps2_kbd_ledstate_needed(const void *opaque)
{
    const Ps2KbdState *s = opaque;

    return s->ledstate != 0;
}

static bool ps2_kbd_need_high_bit_needed(const void *opaque)
{
    const Ps2KbdState *s = opaque;

    return s->need_high_bit;
}

static bool ps2_kbd_cqueue_needed(const void *opaque)
{
    const Ps2KbdState *s = opaque;

    return s->cwptr != -1;
}

static void ps2_kbd_pre_save(void *opaque)
{
    Ps2KbdState *s = opaque;
    const Ps2Kbd *kbd = s->kbd;

    ps2_common_fill(&s->parent_obj, &kbd->queue, kbd->write_cmd);
    s->scan_enabled = kbd->scan_enabled;
    s->translate = kbd->translate;
    s->scancode_set = kbd->scancode_set;
    s->ledstate = kbd->ledstate;
    s->need_high_bit = kbd->need_high_bit;
    s->cwptr = kbd->queue.cwptr;
}

static void ps2_kbd_pre_load(void *opaque)
{
    Ps2KbdState *s = opaque;

    s->scancode_set = 2; /* a v2 stream has none */
    s->ledstate = 0;
    s->need_high_bit = false;
    s->cwptr = -1;
}

static bool ps2_kbd_post_load(void *opaque, int version, GError **error)
{
    Ps2KbdState *s = opaque;
    int32_t cmd = s->parent_obj.write_cmd;

    if (cmd != -1 && cmd != 0xed && cmd != 0xf0 && cmd != 0xf3 && cmd != 0xfc) {
        return ps2_state_fail(error,
                              "write_cmd %d: no keyboard command waits for "
                              "an argument like that (-1, 0xed, 0xf0, 0xf3 "
                              "or 0xfc)",
                              cmd);
    }
    if (s->scan_enabled != 0 && s->scan_enabled != 1) {
        return ps2_state_fail(error, "scan_enabled %d is not 0 or 1",
                              s->scan_enabled);
    }
    if (s->translate != 0 && s->translate != 1) {
        return ps2_state_fail(error, "translate %d is not 0 or 1",
                              s->translate);
    }
    if (version == 2) {
        s->scancode_set = 2;
    }
    if (s->scancode_set < 1 || s->scancode_set > 3) {
        return ps2_state_fail(error, "scancode_set %d is not 1, 2 or 3",
                              s->scancode_set);
    }
    if (s->ledstate < 0 || s->ledstate > 0xff) {
        return ps2_state_fail(error, "ledstate %d is not a byte", s->ledstate);
    }
    return ps2_common_check(&s->parent_obj, &s->cwptr, error);
}

static const VmsField ps2_kbd_ledstate_fields[] = {
    VMS_FIELD(Ps2KbdState, ledstate),
    VMS_END,
};

static const VmsDescription ps2_kbd_ledstate_vmsd = {
    .name = "ps2kbd/ledstate",
    .version = 3,
    .min_version = 2,
    .size = sizeof(Ps2KbdState),
    .fields = ps2_kbd_ledstate_fields,
    .needed = ps2_kbd_ledstate_needed,
};

static const VmsField ps2_kbd_need_high_bit_fields[] = {
    VMS_FIELD(Ps2KbdState, need_high_bit),
    VMS_END,
};

static const VmsDescription ps2_kbd_need_high_bit_vmsd = {
    .name = "ps2kbd/need_high_bit",
    .version = 1,
    .min_version = 1,
    .size = sizeof(Ps2KbdState),
    .fields = ps2_kbd_need_high_bit_fields,
    .needed = ps2_kbd_need_high_bit_needed,
};

static const VmsField ps2_kbd_cqueue_fields[] = {
    VMS_FIELD(Ps2KbdState, cwptr),
    VMS_END,
};

/* Version 0: QEMU sets none. */
static const VmsDescription ps2_kbd_cqueue_vmsd = {
    .name = "ps2kbd/command_reply_queue",
    .size = sizeof(Ps2KbdState),
    .fields = ps2_kbd_cqueue_fields,
    .needed = ps2_kbd_cqueue_needed,
};

static const VmsField ps2_kbd_fields[] = {
    VMS_STRUCT(Ps2KbdState, parent_obj, &ps2_common_vmsd),
    VMS_FIELD(Ps2KbdState, scan_enabled),
    VMS_FIELD(Ps2KbdState, translate),
    VMS_FIELD_V(Ps2KbdState, scancode_set, 3),
    VMS_END,
};

static const VmsDescription *const ps2_kbd_subsections[] = {
    &ps2_kbd_ledstate_vmsd,
    &ps2_kbd_need_high_bit_vmsd,
    &ps2_kbd_cqueue_vmsd,
    NULL,
};

const VmsDescription ps2_kbd_vmsd = {
    .name = "ps2kbd",
    .version = 3,
    .min_version = 2,
    .size = sizeof(Ps2KbdState),
    .fields = ps2_kbd_fields,
    .subsections = ps2_kbd_subsections,
    .pre_save = ps2_kbd_pre_save,
    .pre_load = ps2_kbd_pre_load,
    .post_load = ps2_kbd_post_load,
};

static void *ps2_kbd_scratch_new(void *opaque)
{
    Ps2KbdState *scratch = g_new(Ps2KbdState, 1);

    memcpy(scratch, opaque, sizeof(*scratch));
    return scratch;
}

/* Writes the checked state into the device; modifiers stay the host's. */
static void ps2_kbd_scratch_commit(void *opaque, void *scratch)
{
    const Ps2KbdState *s = scratch;
    Ps2Kbd *kbd = ((Ps2KbdState *)opaque)->kbd;

    ps2_common_commit(&kbd->queue, &s->parent_obj, s->cwptr);
    kbd->write_cmd = s->parent_obj.write_cmd;
    kbd->scan_enabled = s->scan_enabled;
    kbd->translate = s->translate;
    kbd->scancode_set = s->scancode_set;
    kbd->ledstate = (uint8_t)s->ledstate;
    kbd->need_high_bit = s->need_high_bit;
}

Ps2KbdState *ps2_kbd_state_new(Ps2Kbd *kbd)
{
    Ps2KbdState *state = g_new0(Ps2KbdState, 1);

    state->kbd = kbd;
    return state;
}

void ps2_kbd_state_free(Ps2KbdState *state)
{
    g_free(state);
}

void ps2_kbd_state_section(Ps2KbdState *state, uint32_t section_id,
                           VmsSection *ret_section)
{
    *ret_section = (VmsSection){
        .idstr = "ps2kbd",
        .section_id = section_id,
        .vmsd = &ps2_kbd_vmsd,
        .opaque = state,
        .scratch_new = ps2_kbd_scratch_new,
        .scratch_commit = ps2_kbd_scratch_commit,
        .scratch_free = g_free,
    };
}

/* ------------------------------------------------------------ mouse */

static void ps2_mouse_pre_save(void *opaque)
{
    Ps2MouseState *s = opaque;
    const Ps2Mouse *m = s->mouse;

    ps2_common_fill(&s->parent_obj, &m->queue, m->write_cmd);
    s->mouse_status = m->status;
    s->mouse_resolution = m->resolution;
    s->mouse_sample_rate = m->sample_rate;
    s->mouse_wrap = m->wrap;
    s->mouse_type = m->type;
    s->mouse_detect_state = m->detect_state;
    s->mouse_dx = m->dx;
    s->mouse_dy = m->dy;
    s->mouse_dz = m->dz;
    s->mouse_buttons = m->buttons;
}

static bool ps2_mouse_post_load(void *opaque, int version, GError **error)
{
    Ps2MouseState *s = opaque;
    int32_t cmd = s->parent_obj.write_cmd;
    int32_t no_replies = -1; /* the mouse never puts replies in front */
    const unsigned status_bits = PS2_MOUSE_STATUS_SCALE21 |
                                 PS2_MOUSE_STATUS_ENABLED |
                                 PS2_MOUSE_STATUS_REMOTE;

    if (cmd != -1 && cmd != 0xe8 && cmd != 0xf3) {
        return ps2_state_fail(error,
                              "write_cmd %d: no mouse command waits for an "
                              "argument like that (-1, 0xe8 or 0xf3)",
                              cmd);
    }
    if (s->mouse_status & ~status_bits) {
        return ps2_state_fail(error,
                              "mouse_status 0x%02x has bits other than "
                              "scaling, enabled and remote (0x%02x)",
                              s->mouse_status, status_bits);
    }
    if (s->mouse_wrap > 1) {
        return ps2_state_fail(error, "mouse_wrap %u is not 0 or 1",
                              s->mouse_wrap);
    }
    if (s->mouse_type != PS2_MOUSE_TYPE_PS2 &&
        s->mouse_type != PS2_MOUSE_TYPE_IMPS2 &&
        s->mouse_type != PS2_MOUSE_TYPE_IMEX) {
        return ps2_state_fail(error, "mouse_type %u is not 0, 3 or 4",
                              s->mouse_type);
    }
    if (s->mouse_detect_state > 3) {
        return ps2_state_fail(error, "mouse_detect_state %u is not 0..3",
                              s->mouse_detect_state);
    }
    if (s->mouse_buttons & ~0x1f) {
        return ps2_state_fail(error,
                              "mouse_buttons 0x%02x: a mouse has 5 buttons "
                              "(0x1f)",
                              s->mouse_buttons);
    }
    return ps2_common_check(&s->parent_obj, &no_replies, error);
}

static const VmsField ps2_mouse_fields[] = {
    VMS_STRUCT(Ps2MouseState, parent_obj, &ps2_common_vmsd),
    VMS_FIELD(Ps2MouseState, mouse_status),
    VMS_FIELD(Ps2MouseState, mouse_resolution),
    VMS_FIELD(Ps2MouseState, mouse_sample_rate),
    VMS_FIELD(Ps2MouseState, mouse_wrap),
    VMS_FIELD(Ps2MouseState, mouse_type),
    VMS_FIELD(Ps2MouseState, mouse_detect_state),
    VMS_FIELD(Ps2MouseState, mouse_dx),
    VMS_FIELD(Ps2MouseState, mouse_dy),
    VMS_FIELD(Ps2MouseState, mouse_dz),
    VMS_FIELD(Ps2MouseState, mouse_buttons),
    VMS_END,
};

const VmsDescription ps2_mouse_vmsd = {
    .name = "ps2mouse",
    .version = 2,
    .min_version = 2,
    .size = sizeof(Ps2MouseState),
    .fields = ps2_mouse_fields,
    .pre_save = ps2_mouse_pre_save,
    .post_load = ps2_mouse_post_load,
};

static void *ps2_mouse_scratch_new(void *opaque)
{
    Ps2MouseState *scratch = g_new(Ps2MouseState, 1);

    memcpy(scratch, opaque, sizeof(*scratch));
    return scratch;
}

/* Writes the checked state; the horizontal wheel stays the host's. */
static void ps2_mouse_scratch_commit(void *opaque, void *scratch)
{
    const Ps2MouseState *s = scratch;
    Ps2Mouse *m = ((Ps2MouseState *)opaque)->mouse;

    ps2_common_commit(&m->queue, &s->parent_obj, -1);
    m->write_cmd = s->parent_obj.write_cmd;
    m->status = s->mouse_status;
    m->resolution = s->mouse_resolution;
    m->sample_rate = s->mouse_sample_rate;
    m->wrap = s->mouse_wrap;
    m->type = s->mouse_type;
    m->detect_state = s->mouse_detect_state;
    m->dx = s->mouse_dx;
    m->dy = s->mouse_dy;
    m->dz = s->mouse_dz;
    m->buttons = s->mouse_buttons;
}

Ps2MouseState *ps2_mouse_state_new(Ps2Mouse *mouse)
{
    Ps2MouseState *state = g_new0(Ps2MouseState, 1);

    state->mouse = mouse;
    return state;
}

void ps2_mouse_state_free(Ps2MouseState *state)
{
    g_free(state);
}

void ps2_mouse_state_section(Ps2MouseState *state, uint32_t section_id,
                             VmsSection *ret_section)
{
    *ret_section = (VmsSection){
        .idstr = "ps2mouse",
        .section_id = section_id,
        .vmsd = &ps2_mouse_vmsd,
        .opaque = state,
        .scratch_new = ps2_mouse_scratch_new,
        .scratch_commit = ps2_mouse_scratch_commit,
        .scratch_free = g_free,
    };
}
