/*
 * The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status and
 * command), with its PS/2 keyboard on IRQ 1 and PS/2 mouse on IRQ 12, as
 * QEMU 7.2's "i8042" ISA device.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "devices/ioport.h"
#include "devices/irq.h"
#include "devices/ps2.h"
#include "vmstate/registry.h"

typedef struct I8042 I8042;
typedef struct I8042Sections I8042Sections;

/* The guest pulsed the CPU reset line (0xFE, or output port bit 0 low). */
typedef void (*I8042ResetRequestFunc)(void *opaque);

/* Ports. */
enum {
    I8042_DATA_PORT = 0x60,
    I8042_CMD_PORT = 0x64, /* reads: status; writes: commands */
};

/* Controller commands, written to port 0x64. */
enum {
    I8042_CMD_READ_MODE = 0x20,      /* reply: the command byte */
    I8042_CMD_WRITE_MODE = 0x60,     /* data: the command byte */
    I8042_CMD_AUX_DISABLE = 0xa7,    /* mode |= DISABLE_AUX */
    I8042_CMD_AUX_ENABLE = 0xa8,     /* mode &= ~DISABLE_AUX */
    I8042_CMD_AUX_TEST = 0xa9,       /* reply: 00, interface fine */
    I8042_CMD_SELF_TEST = 0xaa,      /* reply: 55 */
    I8042_CMD_KBD_TEST = 0xab,       /* reply: 00, interface fine */
    I8042_CMD_KBD_DISABLE = 0xad,    /* mode |= DISABLE_KBD */
    I8042_CMD_KBD_ENABLE = 0xae,     /* mode &= ~DISABLE_KBD */
    I8042_CMD_READ_INPORT = 0xc0,    /* reply: the input port, 0x80 */
    I8042_CMD_READ_OUTPORT = 0xd0,   /* reply: the output port */
    I8042_CMD_WRITE_OUTPORT = 0xd1,  /* data: the output port */
    I8042_CMD_WRITE_KBD_OBUF = 0xd2, /* data: as if the keyboard sent it */
    I8042_CMD_WRITE_AUX_OBUF = 0xd3, /* data: as if the mouse sent it */
    I8042_CMD_WRITE_AUX = 0xd4,      /* data: a byte for the mouse */
    I8042_CMD_DISABLE_A20 = 0xdd,    /* HP Vectra style A20 off */
    I8042_CMD_ENABLE_A20 = 0xdf,     /* HP Vectra style A20 on */
    I8042_CMD_PULSE = 0xf0,          /* F0..FF: pulse output port bits */
    I8042_CMD_RESET = 0xfe,          /* pulse bit 0: CPU reset */
    I8042_CMD_NOP = 0xff,            /* pulse nothing */
};

/* Status register, read from port 0x64. */
enum {
    I8042_STAT_OBF = 0x01,      /* output buffer full */
    I8042_STAT_IBF = 0x02,      /* input buffer full (never) */
    I8042_STAT_SELFTEST = 0x04, /* system flag: self test passed */
    I8042_STAT_CMD = 0x08,      /* last write was a command */
    I8042_STAT_UNLOCKED = 0x10, /* keylock off */
    I8042_STAT_AUX_OBF = 0x20,  /* the output buffer holds mouse data */
    I8042_STAT_GTO = 0x40,      /* timeout (never) */
    I8042_STAT_PERR = 0x80,     /* parity error (never) */
};

/* Command byte ("mode"). */
enum {
    I8042_MODE_KBD_INT = 0x01,     /* keyboard data raise IRQ 1 */
    I8042_MODE_AUX_INT = 0x02,     /* mouse data raise IRQ 12 */
    I8042_MODE_SYS = 0x04,         /* system flag */
    I8042_MODE_NO_KEYLOCK = 0x08,  /* ignore the keylock */
    I8042_MODE_DISABLE_KBD = 0x10, /* keyboard interface off */
    I8042_MODE_DISABLE_AUX = 0x20, /* mouse interface off */
    I8042_MODE_XLATE = 0x40,       /* translate set 2 to set 1 */
};

/* Output port. */
enum {
    I8042_OUT_RESET = 0x01,   /* 0 holds the CPU in reset */
    I8042_OUT_A20 = 0x02,     /* A20 gate */
    I8042_OUT_OBF = 0x10,     /* output buffer full (keyboard IRQ line) */
    I8042_OUT_AUX_OBF = 0x20, /* mouse output buffer full (IRQ 12 line) */
    I8042_OUT_ONES = 0xcc,    /* what OSes write with 0xdd/0xdf */
};

/*
 * Who has a byte for the output buffer.  KBD and AUX are the devices'
 * interrupt requests; they share their values with the mode bits that
 * disable the interfaces, which mask them (with extended state).  The
 * two low bits are their encoding in streams without extended state.
 */
enum {
    I8042_PENDING_KBD_COMPAT = 0x01,
    I8042_PENDING_AUX_COMPAT = 0x02,
    I8042_PENDING_CTRL_KBD = 0x04, /* the controller's reply, as keyboard */
    I8042_PENDING_CTRL_AUX = 0x08, /* the controller's reply, as mouse (D3) */
    I8042_PENDING_KBD = I8042_MODE_DISABLE_KBD,
    I8042_PENDING_AUX = I8042_MODE_DISABLE_AUX,
    I8042_PENDING_MASK = 0x3c,
};

/* Who filled the output buffer. */
enum {
    I8042_OBSRC_KBD = 0x01,
    I8042_OBSRC_AUX = 0x02,
    I8042_OBSRC_CTRL = 0x04,
};

/* Migration flag: QEMU's throttle timer was pending. */
enum { I8042_MIGR_TIMER_PENDING = 0x01 };

/*
 * The controller.  Public for the state layer (i8042-state.c) and the
 * unit tests; everything else goes through the functions below.
 */
struct I8042 {
    /* Guest-visible state (migrated, with the devices' own sections). */
    uint8_t write_cmd; /* the command waiting for its data byte, or 0 */
    uint8_t status;
    uint8_t mode;
    uint8_t pending; /* I8042_PENDING_* */
    uint8_t outport;
    uint8_t obsrc;  /* I8042_OBSRC_* of the output buffer, or 0 */
    uint8_t obdata; /* the output buffer */
    uint8_t cbdata; /* the controller's own reply, with extended state */
    Ps2Kbd *kbd;
    Ps2Mouse *mouse;
    /* Configuration and wiring. */
    bool extended_state;
    IoDispatcher *io;
    IoRegion *data_region;
    IoRegion *cmd_region;
    IrqLine *kbd_irq;
    IrqLine *aux_irq;
    I8042ResetRequestFunc reset_request;
    void *reset_opaque;
    /* The state layer (i8042-state.c), made by i8042_register_sections. */
    I8042Sections *sections;
};

/*
 * Creates the controller and its two devices in their reset state and
 * claims ports 0x60 and 0x64 of io (byte access; io may be NULL for a
 * state-only instance, the IRQ lines and reset_request too).  extended_state is
 * QEMU's i8042 property of that name: true for -machine pc (pc-i440fx-7.2),
 * false for xenfv (machine types up to 6.0); it changes the pckbd section and
 * where the controller's own replies queue.
 */
I8042 *i8042_new(IoDispatcher *io, IrqLine *kbd_irq, IrqLine *aux_irq,
                 I8042ResetRequestFunc reset_request, void *reset_opaque,
                 bool extended_state, GError **error);
void i8042_free(I8042 *i8042);

/* A MachineResetFunc (opaque is the I8042): controller and devices. */
void i8042_reset(void *opaque);

Ps2Kbd *i8042_keyboard(I8042 *i8042);
Ps2Mouse *i8042_mouse(I8042 *i8042);

/*
 * Adds the sections "ps2kbd", "ps2mouse" and "pckbd", in that order, with
 * QEMU's TCG pc section ids 24, 25 and 26, instance 0.
 */
void i8042_register_sections(I8042 *i8042, VmsRegistry *registry);

/* ------------------------------------------------------------ state */

/* The pckbd section (research/qemu-vmstate-7.2.md §3.1). */
extern const VmsDescription i8042_vmsd;

/* For i8042-state.c: frees what i8042_register_sections made. */
void i8042_sections_free(I8042Sections *sections);
/*
 * For i8042-state.c, after a load wrote the registers: with deliver (the
 * sender's throttle timer was pending), fills the output buffer from the
 * pending bits as that timer would have; then sets the IRQ lines.
 */
void i8042_loaded(I8042 *i8042, bool deliver);
