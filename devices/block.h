/*
 * Raw disk images for the IDE drives: one open file, addressed in
 * 512-byte sectors, locked against a second writer while we use it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

enum {
    BLOCK_SECTOR_SIZE = 512,
    BLOCK_MAX_DRIVES = 4, /* index 0 primary master ... 3 secondary slave */
};

typedef enum BlockCache {
    BLOCK_CACHE_WRITEBACK,    /* durable on block_flush (FLUSH CACHE) */
    BLOCK_CACHE_WRITETHROUGH, /* durable when block_write returns */
    BLOCK_CACHE_MAX
} BlockCache;

/* What --drive says about one image (format=raw is the only format). */
typedef struct BlockOptions {
    char *file; /* owned */
    bool readonly;
    BlockCache cache;
} BlockOptions;

typedef struct BlockBackend BlockBackend;

/*
 * Opens and locks the image: a shared lock when read-only, an exclusive
 * one otherwise.  Regular files and block devices only.
 */
BlockBackend *block_open(const BlockOptions *opts, GError **error);

/* Flushes, unlocks and closes; NULL is accepted. */
void block_close(BlockBackend *blk);

/*
 * count sectors from sector into or out of buf (count * 512 bytes).  A
 * range beyond the end fails before the file is touched; so does a write
 * to a read-only image or one whose lock was released.
 */
bool block_read(BlockBackend *blk, uint64_t sector, unsigned count,
                uint8_t *buf, GError **error);
bool block_write(BlockBackend *blk, uint64_t sector, unsigned count,
                 const uint8_t *buf, GError **error);

/* Makes every completed write durable (fdatasync). */
bool block_flush(BlockBackend *blk, GError **error);

/* Whole sectors only: a tail shorter than 512 bytes is not addressable. */
uint64_t block_sectors(const BlockBackend *blk);
bool block_is_readonly(const BlockBackend *blk);
const char *block_filename(const BlockBackend *blk);

/*
 * The live-save hand-over: release flushes and then drops the lock so
 * that the destination can open the image; take locks it again (on cont)
 * and fails cleanly if another process holds it now.  Both are no-ops
 * when already in the wanted state.
 */
bool block_release_lock(BlockBackend *blk, GError **error);
bool block_take_lock(BlockBackend *blk, GError **error);
bool block_is_locked(const BlockBackend *blk);

const char *block_cache_name(BlockCache cache);
bool block_cache_from_name(const char *name, BlockCache *ret_cache);
void block_options_clear(BlockOptions *opts);
