/*
 * Shared by the two halves of the vram_dirty suite: exact page-set checks
 * and the "every changed page is marked" property.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <glib.h>

#include "devices/vram-dirty.h"

/* Takes the log and checks it holds exactly the n pages listed. */
void vd_expect_pages(VramDirty *d, const uint32_t *pages, size_t n, int line);

#define EXPECT_PAGES(d, ...)                                                   \
    do {                                                                       \
        static const uint32_t expected_[] = { __VA_ARGS__ };                   \
        vd_expect_pages(d, expected_, G_N_ELEMENTS(expected_), __LINE__);      \
    } while (0)
#define EXPECT_NONE(d) vd_expect_pages(d, NULL, 0, __LINE__)

/*
 * Every page whose bytes differ between before and after (size bytes) is
 * marked, and no page at or past size is.
 */
void vd_check_changed_marked(const VramDirty *d, const uint8_t *before,
                             const uint8_t *after, size_t size);

uint32_t vd_rand(void);

/* check-vram-dirty-cirrus.c: the Cirrus paths. */
TCase *vram_dirty_cirrus_tcase(void);
