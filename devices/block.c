/*
 * Raw disk-image backend for the IDE drives.
 *
 * The image is a regular file or a block device, read and written with
 * pread/pwrite at sector * 512.  Only whole sectors are addressable: a
 * file whose size is not a multiple of 512 keeps its tail, but the guest
 * never sees it (QEMU rounds the same way for raw images).
 *
 * Locking: an OFD lock (F_OFD_SETLK) over the whole file, shared for a
 * read-only drive and exclusive for a writable one, so two device models
 * never write one image.  OFD locks belong to the open file description,
 * not the process, so they survive neither close() nor a fork-and-exec,
 * and a second open in this process conflicts just as another process
 * would.  QEMU locks single bytes per permission instead; we do not try
 * to interoperate with its byte layout.
 *
 * Not done: no formats but raw, no O_DIRECT, no asynchronous I/O; the
 * caller (the IDE device, on the main loop) blocks for each transfer.
 */
#include "config.h"

#define G_LOG_DOMAIN "block"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <gio/gio.h>

#include "devices/block.h"

struct BlockBackend {
    char *filename;
    int fd;
    bool readonly;
    BlockCache cache;
    bool locked;      /* false between a live save and cont */
    uint64_t sectors; /* whole sectors; a shorter tail is ignored */
};

static bool block_set_lock(BlockBackend *blk, short type, GError **error)
{
    struct flock fl = {
        .l_type = type,
        .l_whence = SEEK_SET,
        .l_start = 0,
        .l_len = 0, /* the whole file, however large it grows */
        .l_pid = 0, /* required for OFD locks */
    };

    if (fcntl(blk->fd, F_OFD_SETLK, &fl) == 0) {
        return true;
    }
    int err = errno;
    if (err == EAGAIN || err == EACCES) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_BUSY,
                    "'%s' is locked by another process", blk->filename);
    } else {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                    "'%s': cannot lock: %s", blk->filename, g_strerror(err));
    }
    return false;
}

static void block_set_errno(BlockBackend *blk, GError **error, int err,
                            const char *what, uint64_t sector)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                "'%s': %s at sector %" G_GUINT64_FORMAT ": %s", blk->filename,
                what, sector, g_strerror(err));
}

BlockBackend *block_open(const BlockOptions *opts, GError **error)
{
    struct stat st;
    /*
     * O_NONBLOCK so that a FIFO given by mistake cannot hang the open;
     * it is refused below and cleared for files.
     */
    int flags = (opts->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK;
    int fd = open(opts->file, flags);

    if (fd < 0) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "'%s': %s",
                    opts->file, g_strerror(err));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                    "'%s': not a regular file or a block device", opts->file);
        close(fd);
        return NULL;
    }
    /* lseek gives the size of block devices too, where st_size is 0. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0 || fcntl(fd, F_SETFL, 0) != 0) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "'%s': %s",
                    opts->file, g_strerror(err));
        close(fd);
        return NULL;
    }

    BlockBackend *blk = g_new0(BlockBackend, 1);
    blk->filename = g_strdup(opts->file);
    blk->fd = fd;
    blk->readonly = opts->readonly;
    blk->cache = opts->cache;
    blk->sectors = (uint64_t)size / BLOCK_SECTOR_SIZE;
    if (!block_take_lock(blk, error)) {
        close(blk->fd);
        g_free(blk->filename);
        g_free(blk);
        return NULL;
    }
    return blk;
}

void block_close(BlockBackend *blk)
{
    g_autoptr(GError) error = NULL;

    if (blk == NULL) {
        return;
    }
    if (!blk->readonly && !block_flush(blk, &error)) {
        g_warning("%s", error->message);
    }
    /* close() drops the OFD lock, since we hold the only descriptor. */
    close(blk->fd);
    g_free(blk->filename);
    g_free(blk);
}

/*
 * Refuses a range reaching beyond the last whole sector, written so that
 * sector + count cannot overflow.
 */
static bool block_check_range(BlockBackend *blk, uint64_t sector,
                              unsigned count, GError **error)
{
    if (sector > blk->sectors || count > blk->sectors - sector) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "'%s': sectors %" G_GUINT64_FORMAT "+%u are beyond the "
                    "end (%" G_GUINT64_FORMAT " sectors)",
                    blk->filename, sector, count, blk->sectors);
        return false;
    }
    return true;
}

bool block_read(BlockBackend *blk, uint64_t sector, unsigned count,
                uint8_t *buf, GError **error)
{
    if (!block_check_range(blk, sector, count, error)) {
        return false;
    }
    size_t len = (size_t)count * BLOCK_SECTOR_SIZE;
    off_t offset = (off_t)(sector * BLOCK_SECTOR_SIZE);
    size_t done = 0;

    while (done < len) {
        ssize_t n =
            pread(blk->fd, buf + done, len - done, offset + (off_t)done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            block_set_errno(blk, error, errno, "read", sector);
            return false;
        }
        if (n == 0) {
            /* Shrunk under us: report it rather than invent zeroes. */
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "'%s': read at sector %" G_GUINT64_FORMAT
                        ": unexpected end of file",
                        blk->filename, sector);
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

bool block_write(BlockBackend *blk, uint64_t sector, unsigned count,
                 const uint8_t *buf, GError **error)
{
    if (blk->readonly) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_READ_ONLY,
                    "'%s': the drive is read-only", blk->filename);
        return false;
    }
    if (!blk->locked) {
        /* The destination of a live save may own the image by now. */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_BUSY,
                    "'%s': the image lock is released for a live save",
                    blk->filename);
        return false;
    }
    if (!block_check_range(blk, sector, count, error)) {
        return false;
    }
    size_t len = (size_t)count * BLOCK_SECTOR_SIZE;
    off_t offset = (off_t)(sector * BLOCK_SECTOR_SIZE);
    size_t done = 0;

    while (done < len) {
        ssize_t n =
            pwrite(blk->fd, buf + done, len - done, offset + (off_t)done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            block_set_errno(blk, error, errno, "write", sector);
            return false;
        }
        if (n == 0) {
            block_set_errno(blk, error, ENOSPC, "write", sector);
            return false;
        }
        done += (size_t)n;
    }
    if (blk->cache == BLOCK_CACHE_WRITETHROUGH) {
        return block_flush(blk, error);
    }
    return true;
}

bool block_flush(BlockBackend *blk, GError **error)
{
    if (blk->readonly) {
        return true;
    }
    /* fdatasync is not interrupted by signals on Linux; retry anyway. */
    while (fdatasync(blk->fd) != 0) {
        if (errno != EINTR) {
            int err = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                        "'%s': flush: %s", blk->filename, g_strerror(err));
            return false;
        }
    }
    return true;
}

uint64_t block_sectors(const BlockBackend *blk)
{
    return blk->sectors;
}

bool block_is_readonly(const BlockBackend *blk)
{
    return blk->readonly;
}

const char *block_filename(const BlockBackend *blk)
{
    return blk->filename;
}

bool block_is_locked(const BlockBackend *blk)
{
    return blk->locked;
}

bool block_release_lock(BlockBackend *blk, GError **error)
{
    if (!blk->locked) {
        return true;
    }
    /* The destination must see every write we completed. */
    if (!block_flush(blk, error) || !block_set_lock(blk, F_UNLCK, error)) {
        return false;
    }
    blk->locked = false;
    return true;
}

bool block_take_lock(BlockBackend *blk, GError **error)
{
    if (blk->locked) {
        return true;
    }
    if (!block_set_lock(blk, blk->readonly ? F_RDLCK : F_WRLCK, error)) {
        return false;
    }
    blk->locked = true;
    return true;
}

static const char *const block_cache_names[BLOCK_CACHE_MAX] = {
    [BLOCK_CACHE_WRITEBACK] = "writeback",
    [BLOCK_CACHE_WRITETHROUGH] = "writethrough",
};

const char *block_cache_name(BlockCache cache)
{
    return cache < BLOCK_CACHE_MAX ? block_cache_names[cache] : "?";
}

bool block_cache_from_name(const char *name, BlockCache *ret_cache)
{
    for (int i = 0; i < BLOCK_CACHE_MAX; i++) {
        if (strcmp(block_cache_names[i], name) == 0) {
            *ret_cache = (BlockCache)i;
            return true;
        }
    }
    return false;
}

void block_options_clear(BlockOptions *opts)
{
    g_free(opts->file);
    memset(opts, 0, sizeof(*opts));
}
