/*
 * The i8042 keyboard controller (Intel 8042/8742 UPI, as the IBM PC/AT
 * and PS/2 Technical References program it): status register and
 * commands at port 0x64, data at port 0x60, the output buffer shared by
 * the controller, the keyboard (IRQ 1) and the mouse (IRQ 12).  It
 * behaves as QEMU 7.2's hw/input/pckbd.c: the same commands, the same
 * output-buffer arbitration (the pending bits and the output buffer
 * source), the same quirks.
 *
 * Not emulated, as in QEMU: the A20 gate acts on nothing (the output
 * port bit is kept and read back; a Xen guest's memory is not ours to
 * mask), the input port reads a constant 0x80, there are no timeouts,
 * parity errors, password or keylock, no get-version (0xA1) or RAM
 * commands, and the keyboard throttle timer (QEMU's kbd-throttle, off by
 * default) does not exist.  The scancode translation itself lives with
 * the keyboard (ps2.c), which the command byte's bit 6 switches.
 *
 * Single-threaded: port accesses, host input and state loads all run on
 * the main loop.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "devices/i8042.h"

/* ------------------------------------------------------------ interrupts */

/* The lines follow the output buffer; a disabled keyboard raises nothing. */
static void i8042_update_irq_lines(I8042 *s)
{
    bool kbd = false, aux = false;

    if (s->status & I8042_STAT_OBF) {
        if (s->status & I8042_STAT_AUX_OBF) {
            aux = s->mode & I8042_MODE_AUX_INT;
        } else {
            kbd = (s->mode & I8042_MODE_KBD_INT) &&
                  !(s->mode & I8042_MODE_DISABLE_KBD);
        }
    }
    irq_set(s->kbd_irq, kbd);
    irq_set(s->aux_irq, aux);
}

static void i8042_clear_obf(I8042 *s)
{
    s->status &= ~(I8042_STAT_OBF | I8042_STAT_AUX_OBF);
    s->outport &= ~(I8042_OUT_OBF | I8042_OUT_AUX_OBF);
    i8042_update_irq_lines(s);
}

/* The pending bits that count; disabled interfaces wait. */
static uint8_t i8042_pending(const I8042 *s)
{
    if (!s->extended_state) {
        return s->pending;
    }
    return s->pending & (~s->mode | ~(I8042_PENDING_KBD | I8042_PENDING_AUX));
}

/*
 * Fills the output buffer status from the pending bits, in priority
 * order: controller (keyboard side), controller (mouse side), keyboard,
 * mouse.  The byte itself is fetched when the guest reads port 0x60.
 */
static void i8042_update_irq(I8042 *s)
{
    uint8_t pending = i8042_pending(s);

    s->status &= ~(I8042_STAT_OBF | I8042_STAT_AUX_OBF);
    s->outport &= ~(I8042_OUT_OBF | I8042_OUT_AUX_OBF);
    if (pending) {
        s->status |= I8042_STAT_OBF;
        s->outport |= I8042_OUT_OBF;
        if (pending & I8042_PENDING_CTRL_KBD) {
            s->obsrc = I8042_OBSRC_CTRL;
        } else if (pending & I8042_PENDING_CTRL_AUX) {
            s->status |= I8042_STAT_AUX_OBF;
            s->outport |= I8042_OUT_AUX_OBF;
            s->obsrc = I8042_OBSRC_CTRL;
        } else if (pending & I8042_PENDING_KBD) {
            s->obsrc = I8042_OBSRC_KBD;
        } else {
            s->status |= I8042_STAT_AUX_OBF;
            s->outport |= I8042_OUT_AUX_OBF;
            s->obsrc = I8042_OBSRC_AUX;
        }
    }
    i8042_update_irq_lines(s);
}

/* Refills an empty output buffer; a full one waits for its read. */
static void i8042_safe_update_irq(I8042 *s)
{
    if (s->status & I8042_STAT_OBF) {
        return;
    }
    if (i8042_pending(s)) {
        i8042_update_irq(s);
    }
}

static void i8042_set_pending(I8042 *s, uint8_t bit, bool level)
{
    if (level) {
        s->pending |= bit;
    } else {
        s->pending &= ~bit;
    }
    i8042_safe_update_irq(s);
}

static void i8042_kbd_request(void *opaque, bool level)
{
    i8042_set_pending(opaque, I8042_PENDING_KBD, level);
}

static void i8042_aux_request(void *opaque, bool level)
{
    i8042_set_pending(opaque, I8042_PENDING_AUX, level);
}

/* A reply of the controller, on the keyboard or (aux) the mouse side. */
static void i8042_queue(I8042 *s, uint8_t b, bool aux)
{
    if (!s->extended_state) {
        /* Old QEMU: the controller's bytes queue behind device data. */
        if (aux) {
            ps2_mouse_queue_byte(s->mouse, b);
        } else {
            ps2_kbd_queue_byte(s->kbd, b);
        }
        return;
    }
    s->cbdata = b;
    s->pending &= ~(I8042_PENDING_CTRL_KBD | I8042_PENDING_CTRL_AUX);
    s->pending |= aux ? I8042_PENDING_CTRL_AUX : I8042_PENDING_CTRL_KBD;
    i8042_safe_update_irq(s);
}

static uint8_t i8042_dequeue(I8042 *s)
{
    s->pending &= ~(I8042_PENDING_CTRL_KBD | I8042_PENDING_CTRL_AUX);
    if (i8042_pending(s)) {
        i8042_update_irq(s);
    }
    return s->cbdata;
}

/* ------------------------------------------------------------ registers */

static void i8042_request_reset(I8042 *s)
{
    if (s->reset_request != NULL) {
        s->reset_request(s->reset_opaque);
    }
}

static void i8042_write_outport(I8042 *s, uint8_t val)
{
    s->outport = val;
    if (!(val & I8042_OUT_RESET)) {
        i8042_request_reset(s);
    }
}

static void i8042_write_command(I8042 *s, uint8_t cmd)
{
    /* F0..FF pulse the output port bits whose command bit is 0. */
    if ((cmd & I8042_CMD_PULSE) == I8042_CMD_PULSE) {
        cmd = cmd & I8042_OUT_RESET ? I8042_CMD_NOP : I8042_CMD_RESET;
    }
    switch (cmd) {
    case I8042_CMD_READ_MODE:
        i8042_queue(s, s->mode, false);
        break;
    case I8042_CMD_WRITE_MODE:
    case I8042_CMD_WRITE_KBD_OBUF:
    case I8042_CMD_WRITE_AUX_OBUF:
    case I8042_CMD_WRITE_AUX:
    case I8042_CMD_WRITE_OUTPORT:
        s->write_cmd = cmd; /* the data byte comes at port 0x60 */
        break;
    case I8042_CMD_AUX_DISABLE:
        s->mode |= I8042_MODE_DISABLE_AUX;
        break;
    case I8042_CMD_AUX_ENABLE:
        s->mode &= ~I8042_MODE_DISABLE_AUX;
        i8042_safe_update_irq(s);
        break;
    case I8042_CMD_AUX_TEST:
    case I8042_CMD_KBD_TEST:
        i8042_queue(s, 0x00, false);
        break;
    case I8042_CMD_SELF_TEST:
        s->status |= I8042_STAT_SELFTEST;
        i8042_queue(s, 0x55, false);
        break;
    case I8042_CMD_KBD_DISABLE:
        s->mode |= I8042_MODE_DISABLE_KBD;
        break;
    case I8042_CMD_KBD_ENABLE:
        s->mode &= ~I8042_MODE_DISABLE_KBD;
        i8042_safe_update_irq(s);
        break;
    case I8042_CMD_READ_INPORT:
        i8042_queue(s, 0x80, false);
        break;
    case I8042_CMD_READ_OUTPORT:
        i8042_queue(s, s->outport, false);
        break;
    case I8042_CMD_ENABLE_A20:
        s->outport |= I8042_OUT_A20;
        break;
    case I8042_CMD_DISABLE_A20:
        s->outport &= ~I8042_OUT_A20;
        break;
    case I8042_CMD_RESET:
        i8042_request_reset(s);
        break;
    default: /* 0xFF and the commands QEMU does not know */
        break;
    }
}

static uint8_t i8042_read_data(I8042 *s)
{
    if (s->status & I8042_STAT_OBF) {
        i8042_clear_obf(s);
        if (s->obsrc & I8042_OBSRC_KBD) {
            s->obdata = ps2_kbd_read(s->kbd);
        } else if (s->obsrc & I8042_OBSRC_AUX) {
            s->obdata = ps2_mouse_read(s->mouse);
        } else if (s->obsrc & I8042_OBSRC_CTRL) {
            s->obdata = i8042_dequeue(s);
        }
    }
    return s->obdata; /* an empty buffer reads its last byte again */
}

static void i8042_write_data(I8042 *s, uint8_t val)
{
    switch (s->write_cmd) {
    case 0:
        ps2_kbd_write(s->kbd, val);
        /* Talking to the keyboard enables its interface again. */
        s->mode &= ~I8042_MODE_DISABLE_KBD;
        i8042_safe_update_irq(s);
        break;
    case I8042_CMD_WRITE_MODE:
        s->mode = val;
        ps2_kbd_set_translation(s->kbd, val & I8042_MODE_XLATE);
        /* The interrupt enables act at once, a re-enabled interface too. */
        i8042_update_irq_lines(s);
        i8042_safe_update_irq(s);
        break;
    case I8042_CMD_WRITE_KBD_OBUF:
        i8042_queue(s, val, false);
        break;
    case I8042_CMD_WRITE_AUX_OBUF:
        i8042_queue(s, val, true);
        break;
    case I8042_CMD_WRITE_OUTPORT:
        i8042_write_outport(s, val);
        break;
    case I8042_CMD_WRITE_AUX:
        ps2_mouse_write(s->mouse, val);
        s->mode &= ~I8042_MODE_DISABLE_AUX;
        i8042_safe_update_irq(s);
        break;
    default:
        break;
    }
    s->write_cmd = 0;
}

static uint64_t i8042_data_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8042_read_data(opaque);
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    i8042_write_data(opaque, (uint8_t)value);
}

static uint64_t i8042_status_read(void *opaque, uint64_t addr, unsigned size)
{
    const I8042 *s = opaque;

    return s->status;
}

static void i8042_command_write(void *opaque, uint64_t addr, uint64_t value,
                                unsigned size)
{
    i8042_write_command(opaque, (uint8_t)value);
}

static const IoOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .min_access = 1,
    .max_access = 1,
};

static const IoOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_command_write,
    .min_access = 1,
    .max_access = 1,
};

/* ------------------------------------------------------------ reset */

/*
 * QEMU's system reset: the devices, then the controller.  As there,
 * write_cmd, obsrc, obdata and cbdata survive it (and the keyboard's
 * LEDs, see ps2.h).
 */
void i8042_reset(void *opaque)
{
    I8042 *s = opaque;

    ps2_kbd_reset(s->kbd);
    ps2_mouse_reset(s->mouse);
    s->mode = I8042_MODE_KBD_INT | I8042_MODE_AUX_INT;
    s->status = I8042_STAT_CMD | I8042_STAT_UNLOCKED;
    s->outport = I8042_OUT_RESET | I8042_OUT_A20 | I8042_OUT_ONES;
    s->pending = 0;
    i8042_clear_obf(s);
}

void i8042_loaded(I8042 *s, bool deliver)
{
    if (deliver && i8042_pending(s)) {
        i8042_update_irq(s);
    }
    i8042_update_irq_lines(s);
}

/* ------------------------------------------------------------ instances */

I8042 *i8042_new(IoDispatcher *io, IrqLine *kbd_irq, IrqLine *aux_irq,
                 I8042ResetRequestFunc reset_request, void *reset_opaque,
                 bool extended_state, GError **error)
{
    I8042 *s = g_new0(I8042, 1);

    s->extended_state = extended_state;
    s->kbd_irq = kbd_irq;
    s->aux_irq = aux_irq;
    s->reset_request = reset_request;
    s->reset_opaque = reset_opaque;
    s->kbd = ps2_kbd_new(i8042_kbd_request, s);
    s->mouse = ps2_mouse_new(i8042_aux_request, s);
    i8042_reset(s);
    if (io == NULL) {
        return s;
    }
    s->io = io;
    s->data_region = io_register_port(io, I8042_DATA_PORT, 1, &i8042_data_ops,
                                      s, "i8042-data", error);
    if (s->data_region == NULL) {
        i8042_free(s);
        return NULL;
    }
    s->cmd_region = io_register_port(io, I8042_CMD_PORT, 1, &i8042_cmd_ops, s,
                                     "i8042-cmd", error);
    if (s->cmd_region == NULL) {
        i8042_free(s);
        return NULL;
    }
    return s;
}

void i8042_free(I8042 *i8042)
{
    if (i8042 == NULL) {
        return;
    }
    if (i8042->data_region != NULL) {
        io_unregister(i8042->io, i8042->data_region);
    }
    if (i8042->cmd_region != NULL) {
        io_unregister(i8042->io, i8042->cmd_region);
    }
    i8042_sections_free(i8042->sections);
    ps2_kbd_free(i8042->kbd);
    ps2_mouse_free(i8042->mouse);
    g_free(i8042);
}

Ps2Kbd *i8042_keyboard(I8042 *i8042)
{
    return i8042->kbd;
}

Ps2Mouse *i8042_mouse(I8042 *i8042)
{
    return i8042->mouse;
}
