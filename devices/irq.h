/*
 * Interrupt lines.  A device holds IrqLine pointers (wiring) and sets their
 * level; it never knows who listens.  The machine owns the lines and
 * decides where a level goes: to the qtest front end's "IRQ raise N"
 * lines here, to the hypervisor under Xen.
 */
#pragma once

#include <stdbool.h>

typedef void (*IrqHandler)(void *opaque, int n, bool level);

typedef struct IrqLine {
    IrqHandler handler; /* may be NULL: nobody listens */
    void *opaque;
    int n;      /* the line's number for the handler (ISA IRQ 0..15) */
    bool level; /* the current level */
} IrqLine;

void irq_line_init(IrqLine *line, IrqHandler handler, void *opaque, int n);

/* Sets the level; the handler runs only when it changes. */
void irq_set(IrqLine *line, bool level);

static inline void irq_raise(IrqLine *line)
{
    irq_set(line, true);
}

static inline void irq_lower(IrqLine *line)
{
    irq_set(line, false);
}
