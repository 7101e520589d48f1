/*
 * QEMU's spellings of the options libxl puts on a device model's command
 * line (-xen-domid, -chardev + -mon, -machine, -m, -device cirrus-vga, ...),
 * rewritten into devmodeld's own long options before GOption sees them,
 * so that device_model_override can point at devmodeld.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * argv without its program name; returns the rewritten vector (our own
 * options pass through unchanged), or NULL with error->message the one
 * line naming the refused option.
 */
GPtrArray *options_qemu_translate(int argc, char **argv, GError **error);
