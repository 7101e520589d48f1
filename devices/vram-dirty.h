/*
 * The VRAM dirty log: which 4 KiB pages of video memory the guest wrote
 * while QMP xen-set-global-dirty-log had it on.  Under Xen, VRAM is guest
 * RAM and the device model's own writes to it must be reported to the
 * toolstack's migration (QEMU does it with xen_modified_memory); here the
 * bitmap is read by x-query-vram-dirty, and by anyone else who asks "what
 * changed since I last looked" (vram_dirty_take).
 *
 * The bitmap is embedded in its owner (Vga) with room for the largest
 * VRAM (16 MiB, --vram-mb's and QEMU's cirrus-vga limit): no allocation,
 * nothing to free, and a zeroed owner is a disabled log.  Marking is one
 * predictable branch when off and a shift and an OR when on.  An offset
 * past the bitmap (a larger VRAM buffer, never made by the daemon) marks
 * the last page, so no write goes unrecorded and none lands outside.
 *
 * Single-threaded, like the devices that mark it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

enum {
    VRAM_DIRTY_PAGE_SHIFT = 12,
    VRAM_DIRTY_PAGE_SIZE = 1 << VRAM_DIRTY_PAGE_SHIFT,
    VRAM_DIRTY_MAX_SIZE = 16 << 20,
    VRAM_DIRTY_MAX_PAGES = VRAM_DIRTY_MAX_SIZE >> VRAM_DIRTY_PAGE_SHIFT,
    VRAM_DIRTY_WORDS = VRAM_DIRTY_MAX_PAGES / 64,
};

typedef struct VramDirty {
    bool enabled;
    uint32_t pages; /* pages of the VRAM, at most VRAM_DIRTY_MAX_PAGES */
    uint64_t bits[VRAM_DIRTY_WORDS];
} VramDirty;

/* A run of consecutive dirty pages. */
typedef struct VramDirtyRun {
    uint32_t start;
    uint32_t count;
} VramDirtyRun;

/* Records a write to the VRAM byte at offset (the hot path). */
static inline void vram_dirty_mark(VramDirty *dirty, uint64_t offset)
{
    if (G_LIKELY(!dirty->enabled)) {
        return;
    }
    uint64_t page = offset >> VRAM_DIRTY_PAGE_SHIFT;

    if (G_UNLIKELY(page >= VRAM_DIRTY_MAX_PAGES)) {
        page = VRAM_DIRTY_MAX_PAGES - 1;
    }
    dirty->bits[page / 64] |= UINT64_C(1) << (page % 64);
}

/* Records a write of length bytes from offset (blits, bulk stores). */
void vram_dirty_mark_range(VramDirty *dirty, uint64_t offset, uint64_t length);

/*
 * Turns the log on (clearing it, when it was off) or off over a VRAM of
 * vram_size bytes.  Enabling an enabled log keeps its pages, as QEMU's
 * second memory_global_dirty_log_start is a no-op.  Disabling keeps the
 * pages recorded so far, for one last take.
 */
void vram_dirty_set_enabled(VramDirty *dirty, bool enable, size_t vram_size);

/* Forgets every recorded page. */
void vram_dirty_clear(VramDirty *dirty);

bool vram_dirty_test(const VramDirty *dirty, uint32_t page);
uint32_t vram_dirty_count(const VramDirty *dirty);

/*
 * What changed since the last take (or the enable): the dirty pages as
 * runs of VramDirtyRun in ascending order; the bitmap is cleared.
 */
GArray *vram_dirty_take(VramDirty *dirty);
