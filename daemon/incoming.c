/*
 * Loading the device state at start-up.  The bytes are read whole (a
 * pipe as well as a file), then go through the same all-or-nothing
 * loader as xen-load-devices-state.  Only then does the run state leave
 * inmigrate, through the machine's normal path, so that whatever listens
 * for "running" (RESUME, the xenstore ready key) hears it.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib.h>

#include "daemon/incoming.h"
#include "vmstate/savevm.h"

/* Reads fd to its end; more than SAVEVM_MAX_FILE_BYTES is an error. */
static GByteArray *incoming_read_fd(int fd, GError **error)
{
    g_autoptr(GByteArray) data = g_byte_array_new();
    guint8 buf[65536];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        "read: %s", g_strerror(saved));
            return NULL;
        }
        if (n == 0) {
            return g_steal_pointer(&data);
        }
        if (data->len + (size_t)n > SAVEVM_MAX_FILE_BYTES) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "more than %d bytes of device state",
                        SAVEVM_MAX_FILE_BYTES);
            return NULL;
        }
        g_byte_array_append(data, buf, (guint)n);
    }
}

/* The bytes behind "fd:N" (closed afterwards) or "file:PATH". */
static GByteArray *incoming_read(const char *uri, GError **error)
{
    GByteArray *data;
    int fd;

    if (g_str_has_prefix(uri, "fd:")) {
        fd = (int)g_ascii_strtoll(uri + 3, NULL, 10);
        if (fcntl(fd, F_GETFD) < 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "fd %d is not open", fd);
            return NULL;
        }
    } else if (g_str_has_prefix(uri, "file:")) {
        fd = open(uri + 5, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        "cannot open '%s': %s", uri + 5, g_strerror(saved));
            return NULL;
        }
    } else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "not fd:N or file:PATH");
        return NULL;
    }
    data = incoming_read_fd(fd, error);
    close(fd);
    return data;
}

bool incoming_load(Machine *machine, const char *uri, GError **error)
{
    g_autoptr(GByteArray) data = incoming_read(uri, error);

    if (data == NULL ||
        !savevm_load(machine->sections, data->data, data->len, true, error)) {
        g_prefix_error(error, "incoming migration from %s: ", uri);
        return false;
    }
    g_info("loaded %u bytes of device state from %s", data->len, uri);
    /*
     * QEMU's end of an incoming migration: run if autostart (no -S, or
     * a cont came first), else paused.
     */
    if (machine->runstate == RUN_STATE_INMIGRATE &&
        !machine_set_runstate(machine, machine->autostart ? RUN_STATE_RUNNING
                                                          : RUN_STATE_PAUSED)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "incoming migration from %s: cannot leave state '%s'", uri,
                    runstate_name(machine->runstate));
        return false;
    }
    return true;
}
