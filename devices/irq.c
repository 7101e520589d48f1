/* Interrupt lines: a level and who hears it change. */
#include "config.h"

#include <stddef.h>

#include "devices/irq.h"

void irq_line_init(IrqLine *line, IrqHandler handler, void *opaque, int n)
{
    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
    line->level = false;
}

void irq_set(IrqLine *line, bool level)
{
    if (line == NULL || line->level == level) {
        return;
    }
    line->level = level;
    if (line->handler != NULL) {
        line->handler(line->opaque, line->n, level);
    }
}
