/*
 * What a Cirrus CL-GD5446 shows: the VGA renderer (vga-render.h) with the
 * card's extended depths, offsets, resolution and hardware cursor.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "devices/cirrus.h"
#include "devices/image.h"
#include "devices/vga-render.h"

/* SR7 and the hidden DAC register as a depth: 0 (VGA), 8, 15, 16, 24, 32. */
int cirrus_display_bpp(const Cirrus *cirrus);

/* The hooks for vga_render(); cirrus must outlive their use. */
VgaRenderHooks cirrus_display_hooks(const Cirrus *cirrus);

/* The current picture, as QEMU 7.2's screendump would write it. */
Image *cirrus_render(const Cirrus *cirrus, VgaBlinkPhase blink, GError **error);
