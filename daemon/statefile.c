/*
 * Device-state files by name.  Paths are replaced atomically (temporary
 * file, fsync, rename, fsync of the directory); fds handed over by add-fd
 * or getfd are written in place and not synced, because the toolstack
 * owns the file, opened it without O_TRUNC and reads it back at once.  Every
 * failure is a GError that names the file: QMP clients get it as is, and the
 * daemon never aborts on I/O.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "daemon/statefile.h"

#define STATEFILE_FDSET_PREFIX "/dev/fdset/"
#define STATEFILE_FD_PREFIX    "fd:"

/* Enough of the target's name in the temporary one to recognise it. */
#define STATEFILE_TMP_NAME_MAX 200

/*
 * A temporary file of a save the daemon did not finish (killed between
 * mkostemp and rename) is removed by the next save of the same target once
 * it is this old: a younger one may belong to a save still running in
 * another process.
 */
#define STATEFILE_STALE_TMP_SECONDS 60

/* First buffer for a read whose size we cannot know (pipes, sockets). */
#define STATEFILE_READ_CHUNK (64 * 1024)

static void statefile_set_errno(GError **error, int err, const char *what,
                                const char *filename)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                "cannot %s %s: %s", what, filename, g_strerror(err));
}

/*
 * Rejects names that are neither a path nor one of our fd forms: QEMU gives
 * "exec:", "tcp:", "file:" and friends meanings we do not implement, and
 * treating them as relative paths would silently create odd files.
 */
static bool statefile_check_name(const char *filename, GError **error)
{
    if (filename[0] == '\0') {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "file name is empty");
        return false;
    }
    if (!g_ascii_isalpha(filename[0])) {
        return true;
    }
    for (size_t i = 1; filename[i] != '\0' && filename[i] != '/'; i++) {
        char c = filename[i];
        if (c == ':') {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "unsupported file name prefix '%.*s' in '%s'; write "
                        "'./%s' for a path",
                        (int)(i + 1), filename, filename, filename);
            return false;
        }
        if (!g_ascii_isalnum(c) && c != '+' && c != '.' && c != '-') {
            return true;
        }
    }
    return true;
}

/* A dup of a fitting fd of the set "/dev/fdset/N" names. */
static int statefile_fdset_dup(const StateFileContext *ctx,
                               const char *filename, int accmode,
                               GError **error)
{
    const char *what = accmode == O_RDONLY ? "read" : "write";
    const char *digits = filename + strlen(STATEFILE_FDSET_PREFIX);
    guint64 id;
    GError *local_error = NULL;

    /* Only plain decimal: g_ascii_string_to_unsigned would take a '+'. */
    bool ok = digits[0] != '\0';
    for (const char *p = digits; ok && *p != '\0'; p++) {
        ok = g_ascii_isdigit(*p);
    }
    if (!ok ||
        !g_ascii_string_to_unsigned(digits, 10, 0, G_MAXINT64, &id, NULL)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "cannot %s %s: the fd set id must be a non-negative "
                    "decimal number",
                    what, filename);
        return -1;
    }
    if (ctx->fdsets == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "cannot %s %s: No fdset with id %" G_GUINT64_FORMAT, what,
                    filename, id);
        return -1;
    }
    int fd = fdsets_dup(ctx->fdsets, (int64_t)id, accmode, &local_error);
    if (fd < 0) {
        g_propagate_prefixed_error(error, local_error, "cannot %s %s: ", what,
                                   filename);
    }
    return fd;
}

/*
 * Takes the fd a getfd named: like QEMU's fd: URIs, using it consumes it,
 * whether or not the I/O then works.  Stealing keeps the table's destroy
 * function from closing it; the key is getfd's g_strdup, ours to free.
 */
static int statefile_take_named_fd(const StateFileContext *ctx,
                                   const char *filename, int accmode,
                                   GError **error)
{
    const char *name = filename + strlen(STATEFILE_FD_PREFIX);
    gpointer key, value;

    if (ctx->named_fds == NULL ||
        !g_hash_table_steal_extended(ctx->named_fds, name, &key, &value)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "File descriptor named '%s' not found", name);
        return -1;
    }
    g_free(key);

    int fd = GPOINTER_TO_INT(value);
    const char *what = accmode == O_RDONLY ? "read" : "write";
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        statefile_set_errno(error, errno, what, filename);
        close(fd);
        return -1;
    }
    int mode = flags & O_ACCMODE;
    if (mode != O_RDWR && mode != accmode) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "cannot %s %s: the fd is not open for %s", what, filename,
                    accmode == O_RDONLY ? "reading" : "writing");
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * For an fd form, an fd the caller owns in *ret_fd and true; for a path,
 * -1 in *ret_fd and true; false with an error for a bad name.
 */
static bool statefile_resolve(const StateFileContext *ctx, const char *filename,
                              int accmode, int *ret_fd, GError **error)
{
    *ret_fd = -1;
    if (g_str_has_prefix(filename, STATEFILE_FDSET_PREFIX)) {
        *ret_fd = statefile_fdset_dup(ctx, filename, accmode, error);
        return *ret_fd >= 0;
    }
    if (g_str_has_prefix(filename, STATEFILE_FD_PREFIX)) {
        *ret_fd = statefile_take_named_fd(ctx, filename, accmode, error);
        return *ret_fd >= 0;
    }
    return statefile_check_name(filename, error);
}

/*
 * Opens a path for reading or in-place writing.  O_NONBLOCK keeps a FIFO
 * without a peer from hanging the daemon in open(); I/O then blocks as
 * usual.
 */
static int statefile_open(const char *path, int accmode)
{
    int fd = open(path, accmode | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd >= 0) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0) {
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        }
    }
    return fd;
}

/* Waits until a non-blocking fd (a client's pipe, say) is ready. */
static bool statefile_wait(int fd, short events)
{
    struct pollfd pfd = { .fd = fd, .events = events };

    for (;;) {
        if (poll(&pfd, 1, -1) >= 0) {
            return true;
        }
        if (errno != EINTR) {
            return false;
        }
    }
}

static bool statefile_write_all(int fd, const char *filename,
                                const uint8_t *data, size_t len, GError **error)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, data + done, MIN(len - done, (size_t)SSIZE_MAX));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
                statefile_wait(fd, POLLOUT)) {
                continue;
            }
            statefile_set_errno(error, errno, "write", filename);
            return false;
        }
        if (n == 0) {
            /* No progress and no errno: retrying could spin forever. */
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "cannot write %s: short write (%zu of %zu bytes)",
                        filename, done, len);
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

/*
 * Whether writing len bytes at pos only overwrites allocated blocks: the
 * range lies inside the file, the file has no holes (its blocks cover its
 * size), and O_APPEND does not send the write to the end instead.
 */
static bool statefile_overwrites_blocks(int fd, const struct stat *st,
                                        off_t pos, size_t len)
{
    if ((uint64_t)pos + len > (uint64_t)st->st_size ||
        (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size) {
        return false;
    }
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && !(flags & O_APPEND);
}

/*
 * Writes at the fd's position.  A regular file is cut at the end of what
 * was written, since libxl opens it without O_TRUNC and an older, longer
 * state must not leave a tail.
 */
static bool statefile_write_fd(int fd, const char *filename,
                               const uint8_t *data, size_t len, GError **error)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        statefile_set_errno(error, errno, "write", filename);
        return false;
    }
    bool regular = S_ISREG(st.st_mode);
    off_t pos = regular ? lseek(fd, 0, SEEK_CUR) : -1;
    /*
     * Reserving the blocks first makes a full disk fail before any old
     * byte changes, on filesystems that can; the others just go on.  An
     * overwrite of blocks the file already has (a checkpoint loop's same
     * file, same size) needs none, which saves a system call.
     */
    if (pos >= 0 && len > 0 && len <= (size_t)(INT64_MAX - pos) &&
        !statefile_overwrites_blocks(fd, &st, pos, len) &&
        fallocate(fd, FALLOC_FL_KEEP_SIZE, pos, (off_t)len) < 0 &&
        (errno == ENOSPC || errno == EDQUOT || errno == EFBIG)) {
        statefile_set_errno(error, errno, "write", filename);
        return false;
    }
    if (!statefile_write_all(fd, filename, data, len, error)) {
        return false;
    }
    if (!regular) {
        return true;
    }
    /*
     * After the write, so that O_APPEND's idea of the position counts.
     * Only a file that was longer than the end can keep a tail.
     */
    off_t end = lseek(fd, 0, SEEK_CUR);
    if (end < 0 || (st.st_size > end && ftruncate(fd, end) < 0)) {
        statefile_set_errno(error, errno, "truncate", filename);
        return false;
    }
    /*
     * No fdatasync: the toolstack owns this file and reads it back at once
     * through the page cache (libxl copies it into its save or COLO
     * stream), so a sync buys nothing and costs a disk flush on every
     * checkpoint; QEMU does not sync it either (docs/performance.md).
     */
    return true;
}

/* statefile_write_fd, then close, for an fd we own. */
static bool statefile_write_fd_close(int fd, const char *filename,
                                     const uint8_t *data, size_t len,
                                     GError **error)
{
    bool ok = statefile_write_fd(fd, filename, data, len, error);

    close(fd);
    return ok;
}

/*
 * Makes the rename durable.  A directory we cannot open (write and search
 * permission only) cannot be synced; the rename has happened regardless.
 */
static bool statefile_sync_dir(const char *dir, const char *filename,
                               GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return true;
    }
    bool ok = fsync(fd) == 0 || errno == EINVAL;
    if (!ok) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                    "cannot sync directory %s after replacing %s: %s", dir,
                    filename, g_strerror(err));
    }
    close(fd);
    return ok;
}

/* Gives the temporary file the mode (and owner) the target will keep. */
static bool statefile_set_mode(int fd, const struct stat *old, bool exists)
{
    if (!exists) {
        /* mkostemp already makes 0600 files, but under the umask. */
        return fchmod(fd, 0600) == 0;
    }
    /* Only root may give a file away; otherwise it stays the daemon's. */
    if (fchown(fd, old->st_uid, old->st_gid) < 0 && errno != EPERM) {
        return false;
    }
    return fchmod(fd, old->st_mode & 07777) == 0;
}

/* True for "." prefix "." and six characters of mkostemp's alphabet. */
static bool statefile_is_tmp_name(const char *name, const char *prefix,
                                  size_t prefix_len)
{
    if (name[0] != '.' || strncmp(name + 1, prefix, prefix_len) != 0 ||
        name[1 + prefix_len] != '.' || strlen(name) != prefix_len + 8) {
        return false;
    }
    for (const char *p = name + prefix_len + 2; *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p)) {
            return false;
        }
    }
    return true;
}

/*
 * Removes what earlier saves of this target left behind when the daemon
 * was killed mid-save.  Best effort: a save never fails because of it.
 */
static void statefile_remove_stale_tmps(const char *dir, const char *base)
{
    size_t len = MIN(strlen(base), STATEFILE_TMP_NAME_MAX);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    if (d == NULL) {
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        struct stat st;
        if (!statefile_is_tmp_name(name, base, len)) {
            continue;
        }
        g_autofree char *p = g_build_filename(dir, name, NULL);
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid() &&
            st.st_mtime + STATEFILE_STALE_TMP_SECONDS <= now) {
            unlink(p);
        }
    }
    g_dir_close(d);
}

static bool statefile_replace(const char *path, const char *filename,
                              const struct stat *old, bool exists,
                              const uint8_t *data, size_t len, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp =
        g_strdup_printf("%s/.%.*s.XXXXXX", dir,
                        (int)MIN(strlen(base), STATEFILE_TMP_NAME_MAX), base);
    int fd = mkostemp(tmp, O_CLOEXEC);

    if (fd < 0) {
        statefile_set_errno(error, errno, "write", filename);
        return false;
    }
    if (!statefile_set_mode(fd, old, exists)) {
        statefile_set_errno(error, errno, "write", filename);
        goto fail;
    }
    if (!statefile_write_all(fd, filename, data, len, error)) {
        goto fail;
    }
    if (fsync(fd) < 0) {
        statefile_set_errno(error, errno, "sync", filename);
        goto fail;
    }
    /* close() can report a deferred write error (NFS). */
    int rc = close(fd);
    fd = -1;
    if (rc < 0 || rename(tmp, path) < 0) {
        statefile_set_errno(error, errno, "write", filename);
        goto fail;
    }
    statefile_remove_stale_tmps(dir, base);
    return statefile_sync_dir(dir, filename, error);

fail:
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    return false;
}

static bool statefile_write_path(const char *filename, const uint8_t *data,
                                 size_t len, GError **error)
{
    g_autofree char *path = NULL;
    struct stat st;
    bool exists;

    /* open(O_CREAT) says the same of "name/", which cannot be a file. */
    if (g_str_has_suffix(filename, "/")) {
        statefile_set_errno(error, EISDIR, "write", filename);
        return false;
    }
    /* Replace what a symbolic link points to, not the link. */
    if (lstat(filename, &st) == 0 && S_ISLNK(st.st_mode)) {
        path = realpath(filename, NULL);
        if (path == NULL) {
            statefile_set_errno(error, errno, "resolve symbolic link",
                                filename);
            return false;
        }
    } else {
        path = g_strdup(filename);
    }

    if (stat(path, &st) == 0) {
        exists = true;
    } else if (errno == ENOENT) {
        exists = false;
    } else {
        statefile_set_errno(error, errno, "write", filename);
        return false;
    }
    if (exists && S_ISDIR(st.st_mode)) {
        statefile_set_errno(error, EISDIR, "write", filename);
        return false;
    }
    /*
     * A device, FIFO or other non-regular target is written in place, as
     * QEMU would; renaming over /dev/null would replace it.
     */
    if (exists && !S_ISREG(st.st_mode)) {
        int fd = statefile_open(path, O_WRONLY);
        if (fd < 0) {
            statefile_set_errno(error, errno, "write", filename);
            return false;
        }
        return statefile_write_fd_close(fd, filename, data, len, error);
    }
    return statefile_replace(path, filename, &st, exists, data, len, error);
}

bool statefile_write(const StateFileContext *ctx, const char *filename,
                     const uint8_t *data, size_t len, GError **error)
{
    int fd;

    if (!statefile_resolve(ctx, filename, O_WRONLY, &fd, error)) {
        return false;
    }
    if (fd < 0) {
        return statefile_write_path(filename, data, len, error);
    }
    return statefile_write_fd_close(fd, filename, data, len, error);
}

static void statefile_too_large(GError **error, const char *filename,
                                size_t max_bytes)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "%s is larger than %zu bytes", filename, max_bytes);
}

/*
 * Reads from the fd's position to its end into into (its old bytes
 * dropped, its room reused).  It never grows past max_bytes + 1: the one
 * extra byte tells "too large" from "exactly full" without reading an
 * endless pipe to its end.
 */
static bool statefile_read_fd(int fd, const char *filename, size_t max_bytes,
                              GByteArray *into, GError **error)
{
    size_t limit;
    size_t cap;
    struct stat st;

    /* A GByteArray counts its bytes in a guint. */
    max_bytes = MIN(max_bytes, (size_t)G_MAXUINT - 1);
    limit = max_bytes + 1;
    cap = MIN(limit, (size_t)STATEFILE_READ_CHUNK);
    g_byte_array_set_size(into, 0);
    if (fstat(fd, &st) < 0) {
        statefile_set_errno(error, errno, "read", filename);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        statefile_set_errno(error, EISDIR, "read", filename);
        return false;
    }
    if (S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        uint64_t left =
            st.st_size > pos && pos >= 0 ? (uint64_t)(st.st_size - pos) : 0;
        if (left > max_bytes) {
            statefile_too_large(error, filename, max_bytes);
            return false;
        }
        /* Room for the EOF read, so a file of the size stat gave takes one. */
        cap = (size_t)left + 1;
    }

    size_t total = 0;
    g_byte_array_set_size(into, (guint)cap);
    for (;;) {
        if (total == cap) {
            if (cap == limit) {
                break;
            }
            cap = cap > limit / 2 ? limit : cap * 2;
            g_byte_array_set_size(into, (guint)cap);
        }
        ssize_t n =
            read(fd, into->data + total, MIN(cap - total, (size_t)SSIZE_MAX));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
                statefile_wait(fd, POLLIN)) {
                continue;
            }
            statefile_set_errno(error, errno, "read", filename);
            g_byte_array_set_size(into, 0);
            return false;
        }
        if (n == 0) {
            break;
        }
        total += (size_t)n;
    }
    g_byte_array_set_size(into, (guint)total);
    if (total > max_bytes) {
        g_byte_array_set_size(into, 0);
        statefile_too_large(error, filename, max_bytes);
        return false;
    }
    return true;
}

bool statefile_read_into(const StateFileContext *ctx, const char *filename,
                         size_t max_bytes, GByteArray *into, GError **error)
{
    int fd;

    if (!statefile_resolve(ctx, filename, O_RDONLY, &fd, error)) {
        return false;
    }
    if (fd < 0) {
        fd = statefile_open(filename, O_RDONLY);
        if (fd < 0) {
            statefile_set_errno(error, errno, "read", filename);
            return false;
        }
    }
    bool ok = statefile_read_fd(fd, filename, max_bytes, into, error);
    close(fd);
    return ok;
}

GBytes *statefile_read(const StateFileContext *ctx, const char *filename,
                       size_t max_bytes, GError **error)
{
    GByteArray *into = g_byte_array_new();

    if (!statefile_read_into(ctx, filename, max_bytes, into, error)) {
        g_byte_array_unref(into);
        return NULL;
    }
    return g_byte_array_free_to_bytes(into);
}
