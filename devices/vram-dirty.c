/*
 * The VRAM dirty log's cold half: enabling, clearing and reading the
 * bitmap (the marking is inline in vram-dirty.h).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/vram-dirty.h"

void vram_dirty_mark_range(VramDirty *dirty, uint64_t offset, uint64_t length)
{
    if (!dirty->enabled || length == 0) {
        return;
    }
    uint64_t first = offset >> VRAM_DIRTY_PAGE_SHIFT;
    /* Saturate: a huge length must not wrap around to a small end. */
    uint64_t last = length - 1 > UINT64_MAX - offset
                        ? UINT64_MAX >> VRAM_DIRTY_PAGE_SHIFT
                        : (offset + length - 1) >> VRAM_DIRTY_PAGE_SHIFT;

    if (first >= VRAM_DIRTY_MAX_PAGES) {
        first = VRAM_DIRTY_MAX_PAGES - 1;
    }
    if (last >= VRAM_DIRTY_MAX_PAGES) {
        last = VRAM_DIRTY_MAX_PAGES - 1;
    }
    for (uint64_t page = first; page <= last; page++) {
        dirty->bits[page / 64] |= UINT64_C(1) << (page % 64);
    }
}

void vram_dirty_set_enabled(VramDirty *dirty, bool enable, size_t vram_size)
{
    if (enable && !dirty->enabled) {
        uint64_t pages = ((uint64_t)vram_size + VRAM_DIRTY_PAGE_SIZE - 1) >>
                         VRAM_DIRTY_PAGE_SHIFT;

        dirty->pages = (uint32_t)MIN(pages, (uint64_t)VRAM_DIRTY_MAX_PAGES);
        vram_dirty_clear(dirty);
    }
    dirty->enabled = enable;
}

void vram_dirty_clear(VramDirty *dirty)
{
    memset(dirty->bits, 0, sizeof(dirty->bits));
}

bool vram_dirty_test(const VramDirty *dirty, uint32_t page)
{
    if (page >= VRAM_DIRTY_MAX_PAGES) {
        return false;
    }
    return (dirty->bits[page / 64] >> (page % 64)) & 1;
}

uint32_t vram_dirty_count(const VramDirty *dirty)
{
    uint32_t count = 0;

    for (size_t i = 0; i < VRAM_DIRTY_WORDS; i++) {
        count += (uint32_t)__builtin_popcountll(dirty->bits[i]);
    }
    return count;
}

GArray *vram_dirty_take(VramDirty *dirty)
{
    GArray *runs = g_array_new(FALSE, FALSE, sizeof(VramDirtyRun));
    VramDirtyRun run = { 0, 0 };

    /* The whole array (64 words): no bit can stay behind unreported. */
    for (uint32_t word = 0; word < VRAM_DIRTY_WORDS; word++) {
        uint64_t bits = dirty->bits[word];

        if (bits == 0 && run.count == 0) {
            continue;
        }
        for (uint32_t bit = 0; bit < 64; bit++) {
            uint32_t page = word * 64 + bit;

            if ((bits >> bit) & 1) {
                if (run.count == 0) {
                    run.start = page;
                }
                run.count++;
            } else if (run.count != 0) {
                g_array_append_val(runs, run);
                run.count = 0;
            }
        }
    }
    if (run.count != 0) {
        g_array_append_val(runs, run);
    }
    vram_dirty_clear(dirty);
    return runs;
}
