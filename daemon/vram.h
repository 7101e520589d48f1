/*
 * The Cirrus card's video memory: anonymous memory, or a shared mapping
 * of a file (--vram-path) so that the toolstack and a restarted daemon
 * see the same bytes.  Never cleared or resized once it exists.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

enum {
    VRAM_DEFAULT_MB = 4,
};

typedef struct Vram {
    uint8_t *data;
    size_t size;
    char *path; /* NULL for anonymous memory */
} Vram;

/* 4, 8 and 16 MiB, as QEMU's cirrus-vga vgamem_mb accepts. */
bool vram_size_mb_valid(unsigned mb);

/*
 * size bytes of VRAM.  With a path: the file is created with that size if
 * missing; an existing file must already have exactly that size (it is
 * never truncated, extended or cleared).  Without: zeroed anonymous
 * memory.
 */
Vram *vram_open(const char *path, size_t size, GError **error);
void vram_close(Vram *vram);
