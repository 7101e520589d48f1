/*
 * The state layer of the i8042: QEMU 7.2's section "pckbd" (v3, min 3;
 * research/qemu-vmstate-7.2.md §3.1), byte for byte, and the
 * registration of the keyboard's and mouse's sections with it.
 *
 * The section's opaque is a wire struct shaped like the stream, holding
 * a pointer to the controller.  pre_save fills it; a load fills a scratch
 * copy that starts as the live state (what an older stream lacks, obdata
 * and cbdata, stays as QEMU leaves it), post_load checks it and derives
 * what an older stream lacks as QEMU's kbd_post_load does, and the commit
 * writes the controller and sets its IRQ lines.
 *
 * Refused: what QEMU never produces (pending commands that do not exist,
 * status bits it never sets, mouse data without a full buffer, unknown
 * migration flags, output buffer sources other than 0/1/2/4 or
 * contradicting the status).  Sanitized as QEMU does: unknown pending
 * bits are dropped.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "devices/i8042.h"

/*
 * QEMU's vmstate_kbd ("pckbd", v3, min 3), with the compatibility
 * encodings in the state layer: pending travels as pending_tmp (old
 * two-bit form without extended state), the output port only when it is
 * not what the status implies, and obsrc, obdata, cbdata only with
 * extended state.
 */
typedef struct I8042KbdWire {
    uint8_t write_cmd;
    uint8_t status;
    uint8_t mode;
    uint8_t pending_tmp;
    uint8_t outport;          /* subsection pckbd_outport */
    uint32_t migration_flags; /* subsection pckbd/extended_state */
    uint32_t obsrc;
    uint8_t obdata;
    uint8_t cbdata;
    /* Decoded on load. */
    uint8_t pending;
    bool outport_present;
    bool extended_state_loaded;
    /* Configuration and wiring. */
    bool extended_state;
    I8042 *i8042;
} I8042KbdWire;

/* QEMU's vmstate_kbd_isa: the same, one struct level down. */
typedef struct I8042Wire {
    I8042KbdWire kbd;
} I8042Wire;

static uint8_t i8042_outport_default(uint8_t status)
{
    return I8042_OUT_RESET | I8042_OUT_A20 | I8042_OUT_ONES |
           (status & I8042_STAT_OBF ? I8042_OUT_OBF : 0) |
           (status & I8042_STAT_AUX_OBF ? I8042_OUT_AUX_OBF : 0);
}

static bool i8042_outport_needed(const void *opaque)
{
    const I8042KbdWire *w = opaque;

    return w->outport != i8042_outport_default(w->status);
}

static bool i8042_extended_needed(const void *opaque)
{
    const I8042KbdWire *w = opaque;

    return w->extended_state;
}

static bool i8042_outport_post_load(void *opaque, int version, GError **error)
{
    I8042KbdWire *w = opaque;

    w->outport_present = true;
    return true;
}

static bool i8042_extended_post_load(void *opaque, int version, GError **error)
{
    I8042KbdWire *w = opaque;

    w->extended_state_loaded = true;
    return true;
}

static void i8042_wire_fill(I8042KbdWire *w)
{
    const I8042 *s = w->i8042;

    w->write_cmd = s->write_cmd;
    w->status = s->status;
    w->mode = s->mode;
    w->pending = s->pending;
    w->outport = s->outport;
    w->migration_flags = 0; /* no throttle timer */
    w->obsrc = s->obsrc;
    w->obdata = s->obdata;
    w->cbdata = s->cbdata;
    w->extended_state = s->extended_state;
    if (w->extended_state) {
        w->pending_tmp = w->pending;
    } else {
        w->pending_tmp =
            (w->pending & I8042_PENDING_KBD ? I8042_PENDING_KBD_COMPAT : 0) |
            (w->pending & I8042_PENDING_AUX ? I8042_PENDING_AUX_COMPAT : 0);
    }
}

static void i8042_pre_save(void *opaque)
{
    i8042_wire_fill(opaque);
}

static void i8042_pre_load(void *opaque)
{
    I8042KbdWire *w = opaque;

    w->outport_present = false;
    w->extended_state_loaded = false;
    w->migration_flags = 0;
}

static bool i8042_state_fail(GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static bool i8042_state_fail(GError **error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, text);
    return false;
}

/* What QEMU never sets: input buffer full, timeout, parity error. */
#define I8042_STAT_NEVER (I8042_STAT_IBF | I8042_STAT_GTO | I8042_STAT_PERR)

static bool i8042_check_obsrc(const I8042KbdWire *w, GError **error)
{
    bool obf = w->status & I8042_STAT_OBF;
    bool aux = w->status & I8042_STAT_AUX_OBF;

    switch (w->obsrc) {
    case 0:
        if (obf) {
            return i8042_state_fail(error,
                                    "obsrc 0: the output buffer is full "
                                    "(status 0x%02x) but has no source",
                                    w->status);
        }
        return true;
    case I8042_OBSRC_KBD:
    case I8042_OBSRC_AUX:
        if (obf && aux != (w->obsrc == I8042_OBSRC_AUX)) {
            return i8042_state_fail(error,
                                    "obsrc %u contradicts status 0x%02x "
                                    "(mouse output buffer bit)",
                                    w->obsrc, w->status);
        }
        return true;
    case I8042_OBSRC_CTRL:
        return true;
    default:
        return i8042_state_fail(error,
                                "obsrc %u is not a source (0, 1 keyboard, "
                                "2 mouse, 4 controller)",
                                w->obsrc);
    }
}

static bool i8042_post_load(void *opaque, int version, GError **error)
{
    I8042KbdWire *w = opaque;

    switch (w->write_cmd) {
    case 0:
    case I8042_CMD_WRITE_MODE:
    case I8042_CMD_WRITE_OUTPORT:
    case I8042_CMD_WRITE_KBD_OBUF:
    case I8042_CMD_WRITE_AUX_OBUF:
    case I8042_CMD_WRITE_AUX:
        break;
    default:
        return i8042_state_fail(error,
                                "write_cmd 0x%02x: no controller command "
                                "waits for a data byte like that (0, 0x60, "
                                "0xd1..0xd4)",
                                w->write_cmd);
    }
    if (w->status & I8042_STAT_NEVER) {
        return i8042_state_fail(error,
                                "status 0x%02x has bits the controller "
                                "never sets (0x%02x)",
                                w->status, I8042_STAT_NEVER);
    }
    if ((w->status & I8042_STAT_AUX_OBF) && !(w->status & I8042_STAT_OBF)) {
        return i8042_state_fail(error,
                                "status 0x%02x: mouse data without a full "
                                "output buffer",
                                w->status);
    }
    if (w->migration_flags & ~(uint32_t)I8042_MIGR_TIMER_PENDING) {
        return i8042_state_fail(error, "migration_flags 0x%x: unknown flags",
                                w->migration_flags);
    }
    /* QEMU's kbd_post_load: the derived values of older streams. */
    if (!w->outport_present) {
        w->outport = i8042_outport_default(w->status);
    }
    w->pending = w->pending_tmp;
    if (!w->extended_state_loaded) {
        w->obsrc = !(w->status & I8042_STAT_OBF)    ? 0
                   : w->status & I8042_STAT_AUX_OBF ? I8042_OBSRC_AUX
                                                    : I8042_OBSRC_KBD;
        if (w->pending & I8042_PENDING_KBD_COMPAT) {
            w->pending |= I8042_PENDING_KBD;
        }
        if (w->pending & I8042_PENDING_AUX_COMPAT) {
            w->pending |= I8042_PENDING_AUX;
        }
    }
    w->pending &= I8042_PENDING_MASK;
    return i8042_check_obsrc(w, error);
}

static const VmsField i8042_outport_fields[] = {
    VMS_FIELD(I8042KbdWire, outport),
    VMS_END,
};

static const VmsDescription i8042_outport_vmsd = {
    .name = "pckbd_outport",
    .version = 1,
    .min_version = 1,
    .size = sizeof(I8042KbdWire),
    .fields = i8042_outport_fields,
    .needed = i8042_outport_needed,
    .post_load = i8042_outport_post_load,
};

static const VmsField i8042_extended_fields[] = {
    VMS_FIELD(I8042KbdWire, migration_flags),
    VMS_FIELD(I8042KbdWire, obsrc),
    VMS_FIELD(I8042KbdWire, obdata),
    VMS_FIELD(I8042KbdWire, cbdata),
    VMS_END,
};

/* Version 0: QEMU sets none. */
static const VmsDescription i8042_extended_vmsd = {
    .name = "pckbd/extended_state",
    .size = sizeof(I8042KbdWire),
    .fields = i8042_extended_fields,
    .needed = i8042_extended_needed,
    .post_load = i8042_extended_post_load,
};

static const VmsField i8042_kbd_fields[] = {
    VMS_FIELD(I8042KbdWire, write_cmd),
    VMS_FIELD(I8042KbdWire, status),
    VMS_FIELD(I8042KbdWire, mode),
    VMS_FIELD(I8042KbdWire, pending_tmp),
    VMS_END,
};

static const VmsDescription *const i8042_kbd_subsections[] = {
    &i8042_outport_vmsd,
    &i8042_extended_vmsd,
    NULL,
};

static const VmsDescription i8042_kbd_vmsd = {
    .name = "pckbd",
    .version = 3,
    .min_version = 3,
    .size = sizeof(I8042KbdWire),
    .fields = i8042_kbd_fields,
    .subsections = i8042_kbd_subsections,
    .pre_save = i8042_pre_save,
    .pre_load = i8042_pre_load,
    .post_load = i8042_post_load,
};

static const VmsField i8042_fields[] = {
    VMS_STRUCT(I8042Wire, kbd, &i8042_kbd_vmsd),
    VMS_END,
};

const VmsDescription i8042_vmsd = {
    .name = "pckbd",
    .version = 3,
    .min_version = 3,
    .size = sizeof(I8042Wire),
    .fields = i8042_fields,
};

/* A scratch copy starts as the live state: what a stream lacks stays. */
static void *i8042_scratch_new(void *opaque)
{
    I8042Wire *scratch = g_new(I8042Wire, 1);

    memcpy(scratch, opaque, sizeof(*scratch));
    i8042_wire_fill(&scratch->kbd);
    return scratch;
}

static void i8042_scratch_commit(void *opaque, void *scratch)
{
    const I8042KbdWire *w = &((I8042Wire *)scratch)->kbd;
    I8042 *s = w->i8042;

    s->write_cmd = w->write_cmd;
    s->status = w->status;
    s->mode = w->mode;
    s->pending = w->pending;
    s->outport = w->outport;
    s->obsrc = (uint8_t)w->obsrc;
    s->obdata = w->obdata;
    s->cbdata = w->cbdata;
    i8042_loaded(s, w->migration_flags & I8042_MIGR_TIMER_PENDING);
}

/* The three state objects; one set serves every registry. */
struct I8042Sections {
    Ps2KbdState *kbd;
    Ps2MouseState *mouse;
    I8042Wire wire;
};

void i8042_sections_free(I8042Sections *sections)
{
    if (sections == NULL) {
        return;
    }
    ps2_kbd_state_free(sections->kbd);
    ps2_mouse_state_free(sections->mouse);
    g_free(sections);
}

void i8042_register_sections(I8042 *i8042, VmsRegistry *registry)
{
    I8042Sections *sections = i8042->sections;
    VmsSection section;

    if (sections == NULL) {
        sections = g_new0(I8042Sections, 1);
        sections->kbd = ps2_kbd_state_new(i8042->kbd);
        sections->mouse = ps2_mouse_state_new(i8042->mouse);
        sections->wire.kbd.i8042 = i8042;
        i8042->sections = sections;
    }
    ps2_kbd_state_section(sections->kbd, 24, &section);
    vms_registry_add(registry, &section);
    ps2_mouse_state_section(sections->mouse, 25, &section);
    vms_registry_add(registry, &section);
    section = (VmsSection){
        .idstr = "pckbd",
        .section_id = 26,
        .vmsd = &i8042_vmsd,
        .opaque = &sections->wire,
        .scratch_new = i8042_scratch_new,
        .scratch_commit = i8042_scratch_commit,
        .scratch_free = g_free,
    };
    vms_registry_add(registry, &section);
}
