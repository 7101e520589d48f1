/*
 * File-descriptor sets.  A handful of sets with a handful of fds each, so
 * plain arrays kept sorted by id are all we need.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <gio/gio.h>

#include "daemon/fdset.h"

struct FdSets {
    GPtrArray *sets; /* FdSet *, ascending id */
};

static void fdset_entry_free(gpointer data)
{
    FdSetEntry *entry = data;

    if (entry->fd >= 0) {
        close(entry->fd);
    }
    g_free(entry->opaque);
    g_free(entry);
}

static void fdset_free(gpointer data)
{
    FdSet *set = data;

    g_ptr_array_unref(set->entries);
    g_free(set);
}

FdSets *fdsets_new(void)
{
    FdSets *sets = g_new0(FdSets, 1);

    sets->sets = g_ptr_array_new_with_free_func(fdset_free);
    return sets;
}

void fdsets_free(FdSets *sets)
{
    if (sets == NULL) {
        return;
    }
    g_ptr_array_unref(sets->sets);
    g_free(sets);
}

static FdSet *fdsets_find(FdSets *sets, int64_t id, guint *ret_index)
{
    for (guint i = 0; i < sets->sets->len; i++) {
        FdSet *set = g_ptr_array_index(sets->sets, i);
        if (set->id == id) {
            if (ret_index != NULL) {
                *ret_index = i;
            }
            return set;
        }
    }
    return NULL;
}

/* The lowest id no set uses; the array is sorted, so one pass finds it. */
static int64_t fdsets_free_id(FdSets *sets)
{
    int64_t id = 0;

    for (guint i = 0; i < sets->sets->len; i++) {
        FdSet *set = g_ptr_array_index(sets->sets, i);
        if (set->id != id) {
            break;
        }
        id++;
    }
    return id;
}

static FdSet *fdsets_create(FdSets *sets, int64_t id)
{
    FdSet *set = g_new0(FdSet, 1);
    guint pos = 0;

    set->id = id;
    set->entries = g_ptr_array_new_with_free_func(fdset_entry_free);
    while (pos < sets->sets->len &&
           ((FdSet *)g_ptr_array_index(sets->sets, pos))->id < id) {
        pos++;
    }
    g_ptr_array_insert(sets->sets, (gint)pos, set);
    return set;
}

bool fdsets_add(FdSets *sets, int64_t fdset_id, int fd, const char *opaque,
                const void *owner, int64_t *ret_fdset_id, GError **error)
{
    FdSet *set;

    if (fdset_id < 0) {
        fdset_id = fdsets_free_id(sets);
    }
    set = fdsets_find(sets, fdset_id, NULL);
    if (set == NULL) {
        set = fdsets_create(sets, fdset_id);
    }

    FdSetEntry *entry = g_new0(FdSetEntry, 1);
    entry->fd = fd;
    entry->opaque = g_strdup(opaque);
    entry->owner = owner;
    g_ptr_array_add(set->entries, entry);
    *ret_fdset_id = fdset_id;
    (void)error;
    return true;
}

static void fdsets_drop_if_empty(FdSets *sets, guint index)
{
    FdSet *set = g_ptr_array_index(sets->sets, index);

    if (set->entries->len == 0) {
        g_ptr_array_remove_index(sets->sets, index);
    }
}

bool fdsets_remove(FdSets *sets, int64_t fdset_id, bool has_fd, int64_t fd,
                   GError **error)
{
    guint index;
    FdSet *set = fdsets_find(sets, fdset_id, &index);

    if (set != NULL && !has_fd) {
        g_ptr_array_remove_index(sets->sets, index);
        return true;
    }
    if (set != NULL) {
        for (guint i = 0; i < set->entries->len; i++) {
            FdSetEntry *entry = g_ptr_array_index(set->entries, i);
            if (entry->fd == fd) {
                g_ptr_array_remove_index(set->entries, i);
                fdsets_drop_if_empty(sets, index);
                return true;
            }
        }
    }
    /* QEMU's wording, which names the set (and fd) it could not find. */
    if (has_fd) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "File descriptor named 'fdset-id:%" G_GINT64_FORMAT
                    ", fd:%" G_GINT64_FORMAT "' not found",
                    fdset_id, fd);
    } else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "File descriptor named 'fdset-id:%" G_GINT64_FORMAT
                    "' not found",
                    fdset_id);
    }
    return false;
}

void fdsets_release_owner(FdSets *sets, const void *owner)
{
    for (guint i = sets->sets->len; i-- > 0;) {
        FdSet *set = g_ptr_array_index(sets->sets, i);
        for (guint j = set->entries->len; j-- > 0;) {
            FdSetEntry *entry = g_ptr_array_index(set->entries, j);
            if (entry->owner == owner) {
                g_ptr_array_remove_index(set->entries, j);
            }
        }
        fdsets_drop_if_empty(sets, i);
    }
}

GPtrArray *fdsets_list(FdSets *sets)
{
    return sets->sets;
}

static bool fdset_mode_allows(int fd, int accmode)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0) {
        return false;
    }
    int mode = flags & O_ACCMODE;
    return mode == O_RDWR || mode == accmode;
}

int fdsets_dup(FdSets *sets, int64_t fdset_id, int accmode, GError **error)
{
    FdSet *set = fdsets_find(sets, fdset_id, NULL);

    if (set == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "No fdset with id %" G_GINT64_FORMAT, fdset_id);
        return -1;
    }
    for (guint i = 0; i < set->entries->len; i++) {
        FdSetEntry *entry = g_ptr_array_index(set->entries, i);
        if (fdset_mode_allows(entry->fd, accmode)) {
            int fd = fcntl(entry->fd, F_DUPFD_CLOEXEC, 0);
            if (fd < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "Cannot duplicate fd %d of fdset %" G_GINT64_FORMAT
                            ": %s",
                            entry->fd, fdset_id, g_strerror(errno));
            }
            return fd;
        }
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "fdset %" G_GINT64_FORMAT " has no fd open for %s", fdset_id,
                accmode == O_RDONLY ? "reading" : "writing");
    return -1;
}
