/*
 * The raw image backend: sector I/O, range and read-only refusals, OFD
 * locks and the live-save hand-over.  Every file lives in a private
 * mkdtemp directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "devices/block.h"
#include "tests/unit/suites.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = g_dir_make_tmp("check-block-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void teardown(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(tmpdir, name, NULL);
        if (g_remove(path) != 0) {
            g_rmdir(path);
        }
    }
    g_rmdir(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
}

/* An image of size bytes, byte i holding (i * 7 + i / 512) & 0xff. */
static char *make_image(const char *name, size_t size)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_autofree uint8_t *data = g_malloc(size + 1);

    for (size_t i = 0; i < size; i++) {
        data[i] = (uint8_t)(i * 7 + i / 512);
    }
    ck_assert(g_file_set_contents(path, (char *)data, (gssize)size, NULL));
    return path;
}

static BlockBackend *open_image(const char *path, bool readonly,
                                BlockCache cache, GError **error)
{
    BlockOptions opts = { .file = (char *)path,
                          .readonly = readonly,
                          .cache = cache };
    return block_open(&opts, error);
}

static GBytes *file_bytes(const char *path)
{
    char *data = NULL;
    gsize len = 0;

    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

START_TEST(test_round_trip)
{
    g_autofree char *path = make_image("rt.img", 64 * 512);
    g_autoptr(GError) error = NULL;
    BlockBackend *blk = open_image(path, false, BLOCK_CACHE_WRITEBACK, &error);
    const uint64_t sectors[] = { 0, 1, 7, 31, 62 };
    uint8_t out[2 * 512], in[2 * 512];

    ck_assert_ptr_nonnull(blk);
    ck_assert_uint_eq(block_sectors(blk), 64);
    ck_assert(!block_is_readonly(blk));
    ck_assert(block_is_locked(blk));
    ck_assert_str_eq(block_filename(blk), path);
    for (size_t i = 0; i < G_N_ELEMENTS(sectors); i++) {
        memset(out, (int)(0xA0 + i), sizeof(out));
        out[0] = (uint8_t)i;
        ck_assert(block_write(blk, sectors[i], 2, out, &error));
        ck_assert(block_read(blk, sectors[i], 2, in, &error));
        ck_assert_mem_eq(in, out, sizeof(in));
    }
    ck_assert(block_flush(blk, &error));
    /* A zero-sector transfer at the very end is legal and does nothing. */
    ck_assert(block_read(blk, 64, 0, in, &error));
    block_close(blk);

    g_autoptr(GBytes) bytes = file_bytes(path);
    gsize len;
    const uint8_t *data = g_bytes_get_data(bytes, &len);
    ck_assert_uint_eq(len, 64 * 512);
    ck_assert_uint_eq(data[62 * 512], 4);
    ck_assert_uint_eq(data[62 * 512 + 1], 0xA4);
    ck_assert_uint_eq(data[9 * 512], (uint8_t)(9 * 512 * 7 + 9));
}
END_TEST

START_TEST(test_out_of_range)
{
    g_autofree char *path = make_image("range.img", 8 * 512);
    g_autoptr(GBytes) before = file_bytes(path);
    BlockBackend *blk = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    const struct {
        uint64_t sector;
        unsigned count;
    } bad[] = { { 8, 1 },
                { 7, 2 },
                { 0, 9 },
                { G_MAXUINT64, 1 },
                { G_MAXUINT64 - 1, 4 },
                { 1, G_MAXUINT } };
    uint8_t buf[9 * 512] = { 0 };

    ck_assert_ptr_nonnull(blk);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) rerr = NULL;
        g_autoptr(GError) werr = NULL;
        ck_assert(!block_read(blk, bad[i].sector, bad[i].count, buf, &rerr));
        ck_assert(!block_write(blk, bad[i].sector, bad[i].count, buf, &werr));
        ck_assert(
            g_error_matches(werr, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
        ck_assert_ptr_nonnull(strstr(rerr->message, "beyond the end"));
    }
    block_close(blk);
    g_autoptr(GBytes) after = file_bytes(path);
    ck_assert(g_bytes_equal(before, after));
}
END_TEST

START_TEST(test_readonly_refuses_writes)
{
    g_autofree char *path = make_image("ro.img", 4 * 512);
    g_autoptr(GBytes) before = file_bytes(path);
    g_autoptr(GError) error = NULL;
    BlockBackend *blk = open_image(path, true, BLOCK_CACHE_WRITETHROUGH, NULL);
    uint8_t buf[512] = { 0 };

    ck_assert_ptr_nonnull(blk);
    ck_assert(block_is_readonly(blk));
    ck_assert(block_read(blk, 3, 1, buf, NULL));
    ck_assert_uint_eq(buf[1], (uint8_t)((3 * 512 + 1) * 7 + 3));
    ck_assert(!block_write(blk, 0, 1, buf, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_READ_ONLY));
    ck_assert(block_flush(blk, NULL));
    block_close(blk);
    g_autoptr(GBytes) after = file_bytes(path);
    ck_assert(g_bytes_equal(before, after));
}
END_TEST

START_TEST(test_exclusive_lock)
{
    g_autofree char *path = make_image("x.img", 4 * 512);
    g_autoptr(GError) werr = NULL;
    g_autoptr(GError) rerr = NULL;
    BlockBackend *a = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);

    /* OFD locks conflict between two opens even in one process. */
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(open_image(path, false, BLOCK_CACHE_WRITEBACK, &werr));
    g_autofree char *expected =
        g_strdup_printf("'%s' is locked by another process", path);
    ck_assert_str_eq(werr->message, expected);
    ck_assert_ptr_null(open_image(path, true, BLOCK_CACHE_WRITEBACK, &rerr));
    ck_assert_str_eq(rerr->message, expected);
    block_close(a);

    /* Closing released it. */
    a = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    ck_assert_ptr_nonnull(a);
    block_close(a);
}
END_TEST

START_TEST(test_shared_locks)
{
    g_autofree char *path = make_image("s.img", 4 * 512);
    g_autoptr(GError) error = NULL;
    BlockBackend *a = open_image(path, true, BLOCK_CACHE_WRITEBACK, NULL);
    BlockBackend *b = open_image(path, true, BLOCK_CACHE_WRITEBACK, NULL);

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(open_image(path, false, BLOCK_CACHE_WRITEBACK, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BUSY));
    block_close(a);
    block_close(b);
}
END_TEST

START_TEST(test_live_save_hand_over)
{
    g_autofree char *path = make_image("h.img", 4 * 512);
    g_autoptr(GError) error = NULL;
    BlockBackend *src = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    uint8_t buf[512], in[512];

    ck_assert_ptr_nonnull(src);
    memset(buf, 0x11, sizeof(buf));
    ck_assert(block_write(src, 1, 1, buf, NULL));
    ck_assert(block_release_lock(src, NULL));
    ck_assert(!block_is_locked(src));
    ck_assert(block_release_lock(src, NULL)); /* twice is harmless */

    /* Released: our writes stop, reads go on, the destination opens. */
    ck_assert(!block_write(src, 0, 1, buf, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BUSY));
    g_clear_error(&error);
    BlockBackend *dst = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    ck_assert_ptr_nonnull(dst);
    ck_assert(block_read(dst, 1, 1, in, NULL));
    ck_assert_mem_eq(in, buf, sizeof(in));

    /* cont on the source while the destination holds it fails cleanly. */
    ck_assert(!block_take_lock(src, &error));
    ck_assert_ptr_nonnull(strstr(error->message, "is locked by another"));
    ck_assert(!block_is_locked(src));
    ck_assert(block_read(src, 1, 1, in, NULL));
    block_close(dst);

    ck_assert(block_take_lock(src, NULL));
    ck_assert(block_take_lock(src, NULL));
    ck_assert(block_is_locked(src));
    ck_assert(block_write(src, 0, 1, buf, NULL));
    block_close(src);
}
END_TEST

START_TEST(test_writethrough)
{
    g_autofree char *path = make_image("wt.img", 4 * 512);
    BlockBackend *blk = open_image(path, false, BLOCK_CACHE_WRITETHROUGH, NULL);
    uint8_t buf[3 * 512];

    ck_assert_ptr_nonnull(blk);
    memset(buf, 0x5A, sizeof(buf));
    ck_assert(block_write(blk, 1, 3, buf, NULL));
    /* Visible to another reader of the file before any flush or close. */
    g_autoptr(GBytes) bytes = file_bytes(path);
    const uint8_t *data = g_bytes_get_data(bytes, NULL);
    ck_assert_mem_eq(data + 512, buf, sizeof(buf));
    block_close(blk);
}
END_TEST

START_TEST(test_partial_tail)
{
    g_autofree char *path = make_image("tail.img", 3 * 512 + 100);
    BlockBackend *blk = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    uint8_t buf[512];

    ck_assert_ptr_nonnull(blk);
    ck_assert_uint_eq(block_sectors(blk), 3);
    ck_assert(block_read(blk, 2, 1, buf, NULL));
    ck_assert(!block_read(blk, 3, 1, buf, NULL));
    ck_assert(!block_write(blk, 3, 1, buf, NULL));
    block_close(blk);

    struct stat st;
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 3 * 512 + 100);

    /* Smaller than one sector: opens, with nothing addressable. */
    g_autofree char *tiny = make_image("tiny.img", 100);
    blk = open_image(tiny, true, BLOCK_CACHE_WRITEBACK, NULL);
    ck_assert_ptr_nonnull(blk);
    ck_assert_uint_eq(block_sectors(blk), 0);
    ck_assert(!block_read(blk, 0, 1, buf, NULL));
    block_close(blk);
}
END_TEST

START_TEST(test_bad_files)
{
    g_autofree char *missing = g_build_filename(tmpdir, "none.img", NULL);
    g_autofree char *fifo = g_build_filename(tmpdir, "fifo", NULL);
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_null(open_image(missing, false, 0, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
    ck_assert_ptr_nonnull(strstr(error->message, missing));
    g_clear_error(&error);

    /* A directory: EISDIR for read-write, refused by type read-only. */
    ck_assert_ptr_null(open_image(tmpdir, false, 0, &error));
    ck_assert_ptr_nonnull(strstr(error->message, tmpdir));
    g_clear_error(&error);
    ck_assert_ptr_null(open_image(tmpdir, true, 0, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE));
    g_clear_error(&error);

    /* A FIFO with no writer must be refused, not hang the open. */
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_ptr_null(open_image(fifo, true, 0, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE));
    block_close(NULL);
}
END_TEST

/*
 * A failing pwrite, produced with RLIMIT_FSIZE: writes at or past the
 * limit fail with EFBIG even inside the file.  The limit is restored.
 */
START_TEST(test_write_error)
{
    g_autofree char *path = make_image("efbig.img", 16 * 512);
    BlockBackend *blk = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    g_autoptr(GError) error = NULL;
    struct rlimit old, lim;
    uint8_t buf[4 * 512];

    ck_assert_ptr_nonnull(blk);
    memset(buf, 0xEE, sizeof(buf));
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 8 * 512;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ck_assert(block_write(blk, 0, 4, buf, NULL));
    bool ok = block_write(blk, 10, 2, buf, &error);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    ck_assert(!ok);
    ck_assert_ptr_nonnull(strstr(error->message, "write at sector 10"));
    block_close(blk);
}
END_TEST

/* ENOSPC from a 64 KiB tmpfs; skipped where mounting is not allowed. */
START_TEST(test_enospc)
{
    g_autofree char *mnt = g_build_filename(tmpdir, "mnt", NULL);
    g_autoptr(GError) error = NULL;
    uint8_t buf[16 * 512];

    ck_assert_int_eq(g_mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) {
        g_rmdir(mnt);
        return;
    }
    g_autofree char *path = g_build_filename(mnt, "full.img", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 1024 * 1024), 0);
    close(fd);

    BlockBackend *blk = open_image(path, false, BLOCK_CACHE_WRITEBACK, NULL);
    ck_assert_ptr_nonnull(blk);
    memset(buf, 0x42, sizeof(buf));
    bool ok = true;
    for (uint64_t s = 0; ok && s < 2048; s += 16) {
        ok = block_write(blk, s, 16, buf, &error);
    }
    block_close(blk);
    g_remove(path);
    umount(mnt);
    g_rmdir(mnt);
    ck_assert(!ok);
    ck_assert_ptr_nonnull(strstr(error->message, g_strerror(ENOSPC)));
}
END_TEST

Suite *block_suite(void)
{
    Suite *s = suite_create("block");
    TCase *io = tcase_create("sector I/O");
    TCase *locks = tcase_create("locks");
    TCase *files = tcase_create("files");

    tcase_add_checked_fixture(io, setup, teardown);
    tcase_add_checked_fixture(locks, setup, teardown);
    tcase_add_checked_fixture(files, setup, teardown);
    tcase_add_test(io, test_round_trip);
    tcase_add_test(io, test_out_of_range);
    tcase_add_test(io, test_readonly_refuses_writes);
    tcase_add_test(io, test_writethrough);
    tcase_add_test(io, test_write_error);
    tcase_add_test(io, test_enospc);
    tcase_add_test(locks, test_exclusive_lock);
    tcase_add_test(locks, test_shared_locks);
    tcase_add_test(locks, test_live_save_hand_over);
    tcase_add_test(files, test_partial_tail);
    tcase_add_test(files, test_bad_files);
    suite_add_tcase(s, io);
    suite_add_tcase(s, locks);
    suite_add_tcase(s, files);
    return s;
}
