/*
 * The drawing half of the BitBLT engine (cirrus-blit-rop.c), used by
 * cirrus-blit.c only.  Every access is masked and bounded here, so the
 * callers' region checks are a second line of defence, not the only one.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Cirrus Cirrus;

/* A raster operation (GR32 code) on a destination and a source value. */
uint32_t cirrus_blit_rop(uint8_t rop, uint32_t dst, uint32_t src);

/*
 * Draws height lines of cirrus->blt.width bytes with cirrus->blt.op from
 * dst (and src: VRAM, or the CPU line buffer when from_cpu).  Pitches as
 * QEMU passes them: negative for backward copies, ignored where QEMU
 * ignores them (colour expansion reads its source bytes consecutively).
 */
void cirrus_blit_draw(Cirrus *cirrus, uint32_t dst, uint32_t src,
                      int32_t dst_pitch, int32_t src_pitch, int height,
                      bool from_cpu);
