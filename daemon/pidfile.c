/*
 * The pidfile is locked with an OFD lock for the daemon's life, so a
 * second daemon given the same path fails at once instead of overwriting
 * the first one's pid.  OFD locks survive fork with the descriptor, which
 * is what --daemonize needs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "daemon/pidfile.h"

struct Pidfile {
    char *path;
    int fd;
};

Pidfile *pidfile_create(const char *path, GError **error)
{
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "cannot open pidfile %s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (fcntl(fd, F_OFD_SETLK, &lock) != 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    "pidfile %s is locked by another devmodeld: %s", path,
                    g_strerror(saved));
        close(fd);
        return NULL;
    }
    Pidfile *pidfile = g_new0(Pidfile, 1);
    pidfile->path = g_strdup(path);
    pidfile->fd = fd;
    return pidfile;
}

bool pidfile_write(Pidfile *pidfile, GError **error)
{
    char text[32];
    int len = snprintf(text, sizeof(text), "%d\n", (int)getpid());

    if (ftruncate(pidfile->fd, 0) != 0 ||
        pwrite(pidfile->fd, text, (size_t)len, 0) != len) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "cannot write pidfile %s: %s", pidfile->path,
                    g_strerror(errno));
        return false;
    }
    return true;
}

void pidfile_remove(Pidfile *pidfile)
{
    if (pidfile == NULL) {
        return;
    }
    unlink(pidfile->path);
    close(pidfile->fd);
    g_free(pidfile->path);
    g_free(pidfile);
}
