/*
 * Reading and writing device-state files by the names QMP commands take:
 *   - a path (absolute or relative): written to a temporary file in the
 *     same directory, fsync'ed, renamed over the target, so a reader never
 *     sees a torn file and a failure leaves the old file intact; a new
 *     file gets mode 0600, an existing one keeps its mode;
 *   - "/dev/fdset/N": an fd of that add-fd set with a fitting access mode
 *     (dup'ed; the set keeps its fd); written at the fd's position, then a
 *     regular file is truncated to the end of what was written (not
 *     synced: the toolstack reads it back at once); read from the fd's
 *     position to its end;
 *   - "fd:NAME": the fd a getfd named NAME; it is taken from the monitor
 *     (as QEMU's fd: URIs take it) and closed after use.
 * Any other "letters:" prefix is an error that suggests "./NAME" for a
 * path that really starts that way.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/fdset.h"

typedef struct StateFileContext {
    FdSets *fdsets;        /* for /dev/fdset/N; may be NULL */
    GHashTable *named_fds; /* the monitor's getfd table; may be NULL */
} StateFileContext;

/* Writes all of data, or leaves the target as it was and says why. */
bool statefile_write(const StateFileContext *ctx, const char *filename,
                     const uint8_t *data, size_t len, GError **error);

/* Reads the whole file; more than max_bytes is an error. */
GBytes *statefile_read(const StateFileContext *ctx, const char *filename,
                       size_t max_bytes, GError **error);

/* The same into a buffer the caller keeps (emptied on failure). */
bool statefile_read_into(const StateFileContext *ctx, const char *filename,
                         size_t max_bytes, GByteArray *into, GError **error);
