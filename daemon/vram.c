/*
 * VRAM mappings.  A file mapping is MAP_SHARED: every byte the guest
 * writes is the file's, and two processes mapping it see each other's
 * writes at once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "daemon/vram.h"

bool vram_size_mb_valid(unsigned mb)
{
    return mb == 4 || mb == 8 || mb == 16;
}

/* Opens or creates path; on success *ret_fd has exactly size bytes. */
static bool vram_open_file(const char *path, size_t size, int *ret_fd,
                           GError **error)
{
    struct stat st;
    bool created = true;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "--vram-path %s: %s", path, g_strerror(errno));
        return false;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--vram-path %s: not a regular file", path);
        close(fd);
        return false;
    }
    if (created) {
        if (ftruncate(fd, (off_t)size) != 0) {
            int err = errno;

            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                        "--vram-path %s: cannot size it: %s", path,
                        g_strerror(err));
            unlink(path);
            close(fd);
            return false;
        }
    } else if ((uint64_t)st.st_size != size) {
        /* Another size means another guest's VRAM: never resize it. */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--vram-path %s: the file has %" G_GUINT64_FORMAT
                    " bytes, --vram-mb needs %" G_GSIZE_FORMAT,
                    path, (guint64)st.st_size, size);
        close(fd);
        return false;
    }
    *ret_fd = fd;
    return true;
}

Vram *vram_open(const char *path, size_t size, GError **error)
{
    Vram *vram;
    void *data;
    int fd = -1;

    if (path != NULL) {
        if (!vram_open_file(path, size, &fd, error)) {
            return NULL;
        }
        data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    } else {
        data = mmap(NULL, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (data == MAP_FAILED) {
        int err = errno;

        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                    "VRAM: cannot map %" G_GSIZE_FORMAT " bytes: %s", size,
                    g_strerror(err));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    /* The mapping stays valid without the descriptor. */
    if (fd >= 0) {
        close(fd);
    }
    vram = g_new0(Vram, 1);
    vram->data = data;
    vram->size = size;
    vram->path = g_strdup(path);
    return vram;
}

void vram_close(Vram *vram)
{
    if (vram == NULL) {
        return;
    }
    munmap(vram->data, vram->size);
    g_free(vram->path);
    g_free(vram);
}
