/*
 * File-descriptor sets, as QMP's add-fd, remove-fd and query-fdsets manage
 * them and as "/dev/fdset/N" file names consume them.  Sets are shared by
 * all monitors; each fd remembers the client that added it, so that a
 * disconnecting client frees what it left behind.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

typedef struct FdSetEntry {
    int fd;
    char *opaque; /* may be NULL */
    const void *owner;
} FdSetEntry;

typedef struct FdSet {
    int64_t id;
    GPtrArray *entries; /* FdSetEntry *, in insertion order */
} FdSet;

typedef struct FdSets FdSets;

FdSets *fdsets_new(void);
void fdsets_free(FdSets *sets);

/*
 * Takes ownership of fd and adds it to set fdset_id, or to a new set with
 * the lowest free id when fdset_id is negative.
 */
bool fdsets_add(FdSets *sets, int64_t fdset_id, int fd, const char *opaque,
                const void *owner, int64_t *ret_fdset_id, GError **error);

/* Closes one fd of a set (has_fd) or the whole set. */
bool fdsets_remove(FdSets *sets, int64_t fdset_id, bool has_fd, int64_t fd,
                   GError **error);

/* Closes every fd that owner added; empty sets disappear. */
void fdsets_release_owner(FdSets *sets, const void *owner);

/* The sets in ascending id order (borrowed; do not keep across calls). */
GPtrArray *fdsets_list(FdSets *sets);

/*
 * A dup of an fd of set fdset_id whose access mode (O_RDONLY, O_WRONLY,
 * O_RDWR) allows accmode, or -1 with an error.
 */
int fdsets_dup(FdSets *sets, int64_t fdset_id, int accmode, GError **error);
