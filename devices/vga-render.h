/*
 * What the VGA core shows, as an RGB image: QEMU 7.2's display update
 * (hw/display/vga.c) redone from the registers in one pass, so that the
 * pixels equal what QEMU's screendump writes.  Blank (attribute
 * controller video off), text, planar 16-colour, CGA 4-colour and 256-colour
 * modes; a card (Cirrus) supplies its extended bpp, offsets, resolution and
 * hardware cursor through VgaRenderHooks.  Every VRAM read is masked or
 * bounds-checked against vga->vram_size, whatever the registers say.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "devices/image.h"
#include "devices/vga.h"

enum {
    /* QEMU's VGA_TEXT_CURSOR_PERIOD_MS: 16 frames on, 16 off at 60 Hz. */
    VGA_TEXT_CURSOR_PERIOD_MS = 1000 * 2 * 16 / 60,
    /* Blanked or transient modes: QEMU's placeholder console size. */
    VGA_RENDER_DEFAULT_WIDTH = 640,
    VGA_RENDER_DEFAULT_HEIGHT = 480,
};

/* Which half of each blink period it is. */
typedef struct VgaBlinkPhase {
    bool cursor_on; /* the text cursor is drawn */
    bool text_on;   /* blinking characters (AR10 bit 3) are drawn */
} VgaBlinkPhase;

/*
 * The phases at guest time ms: the cursor toggles every half period and
 * starts visible (as QEMU's first update after a mode change); character
 * blink runs at half the cursor's rate, as on real hardware.
 */
VgaBlinkPhase vga_blink_phase(int64_t guest_ms);

/* A card's additions; any NULL member means plain VGA behaviour. */
typedef struct VgaRenderHooks {
    const void *opaque;
    /* 0 for VGA modes, else 8, 15, 16, 24 or 32. */
    int (*get_bpp)(const void *opaque);
    void (*get_offsets)(const void *opaque, uint32_t *ret_line_offset,
                        uint32_t *ret_start_addr, uint32_t *ret_line_compare);
    void (*get_resolution)(const void *opaque, int *ret_width, int *ret_height);
    /*
     * True while QEMU would draw into a shadow surface even for 16, 24
     * and 32 bpp (a hardware cursor shown); see vga-render.c.
     */
    bool (*force_shadow)(const void *opaque);
    /* Draws over graphics line y (width pixels, RGB) after it is drawn. */
    void (*cursor_line)(const void *opaque, uint8_t *line, int width, int y);
} VgaRenderHooks;

/* The current picture; NULL only for an impossible size (error set). */
Image *vga_render(const Vga *vga, const VgaRenderHooks *hooks,
                  VgaBlinkPhase blink, GError **error);

/* QEMU's 6-bit DAC value to 8 bits: (v << 2) with the low bit copied. */
uint8_t vga_render_dac_to_8(uint8_t value);

/* Reads VRAM at addr as QEMU does: masked when the size is a power of
 * two, else 0 past the end. */
uint8_t vga_render_vram_byte(const Vga *vga, uint64_t addr);
