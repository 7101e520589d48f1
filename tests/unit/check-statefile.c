/*
 * State files: atomic replacement of paths (modes, old file intact and no
 * temporary left on failure), /dev/fdset/N and fd:NAME in place, bounded
 * reads, and the file-name prefixes we refuse.  Everything happens in a
 * scratch directory; no test touches a system file, since a regression
 * running as root would replace it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "daemon/statefile.h"
#include "tests/unit/suites.h"

/* A scratch directory, fd sets and a getfd table, as a monitor has. */
static char *dir;
static FdSets *fdsets;
static GHashTable *named_fds;
static StateFileContext ctx;

static void close_fd(gpointer data)
{
    close(GPOINTER_TO_INT(data));
}

static void setup(void)
{
    dir = g_dir_make_tmp("check-statefile-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    fdsets = fdsets_new();
    named_fds =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, close_fd);
    ctx.fdsets = fdsets;
    ctx.named_fds = named_fds;
}

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);

    if (d != NULL) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_dir_close(d);
    }
    g_remove(path);
}

static void teardown(void)
{
    remove_tree(dir);
    g_clear_pointer(&dir, g_free);
    g_clear_pointer(&fdsets, fdsets_free);
    g_clear_pointer(&named_fds, g_hash_table_unref);
}

static char *path_in(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static void put_file(const char *path, const char *content, mode_t mode)
{
    ck_assert(g_file_set_contents(path, content, -1, NULL));
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void assert_content(const char *path, const char *expected)
{
    g_autofree char *content = NULL;
    gsize len;

    ck_assert(g_file_get_contents(path, &content, &len, NULL));
    ck_assert_uint_eq(len, strlen(expected));
    ck_assert_mem_eq(content, expected, len);
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* How many entries the scratch directory has: no leftover temp files. */
static guint count_entries(void)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    ck_assert_ptr_nonnull(d);
    while (g_dir_read_name(d) != NULL) {
        n++;
    }
    g_dir_close(d);
    return n;
}

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

/* Adds fd to a new set and returns its "/dev/fdset/N" name. */
static char *add_to_set(int fd)
{
    int64_t id;

    ck_assert_int_ge(fd, 0);
    ck_assert(fdsets_add(fdsets, -1, fd, NULL, NULL, &id, NULL));
    return g_strdup_printf("/dev/fdset/%" PRId64, id);
}

static void add_named(const char *name, int fd)
{
    ck_assert_int_ge(fd, 0);
    g_hash_table_insert(named_fds, g_strdup(name), GINT_TO_POINTER(fd));
}

static bool write_str(const char *name, const char *data, GError **error)
{
    return statefile_write(&ctx, name, (const uint8_t *)data, strlen(data),
                           error);
}

/* Checks the message, then clears the error for the next call. */
static void G_GNUC_PRINTF(2, 3)
    assert_error(GError **error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_autofree char *expected = g_strdup_vprintf(format, args);
    va_end(args);
    ck_assert_ptr_nonnull(*error);
    ck_assert_str_eq((*error)->message, expected);
    g_clear_error(error);
}

START_TEST(test_new_file_mode_0600)
{
    static const uint8_t bin[] = { 0, 1, 0xff, 0 };
    g_autofree char *path = path_in("new");
    mode_t old_umask = umask(022);

    ck_assert(write_str(path, "fresh\n", NULL));
    umask(old_umask);
    assert_content(path, "fresh\n");
    ck_assert_uint_eq(mode_of(path), 0600);
    ck_assert_uint_eq(count_entries(), 1);

    /* Binary data and an empty write come out exactly too. */
    ck_assert(statefile_write(&ctx, path, bin, sizeof(bin), NULL));
    g_autoptr(GBytes) back = statefile_read(&ctx, path, 4, NULL);
    ck_assert_uint_eq(g_bytes_get_size(back), sizeof(bin));
    ck_assert_mem_eq(g_bytes_get_data(back, NULL), bin, sizeof(bin));
    ck_assert(statefile_write(&ctx, path, NULL, 0, NULL));
    assert_content(path, "");
}
END_TEST

START_TEST(test_existing_keeps_mode)
{
    g_autofree char *path = path_in("old");
    struct stat before, after;

    put_file(path, "an older and longer content", 0640);
    ck_assert_int_eq(stat(path, &before), 0);
    ck_assert(write_str(path, "new", NULL));
    ck_assert_int_eq(stat(path, &after), 0);
    assert_content(path, "new");
    ck_assert_uint_eq(mode_of(path), 0640);
    ck_assert_uint_eq(after.st_uid, before.st_uid);
    /* Replaced by rename, not rewritten: a reader never sees a prefix. */
    ck_assert_uint_ne(after.st_ino, before.st_ino);
    ck_assert_uint_eq(count_entries(), 1);
}
END_TEST

START_TEST(test_path_forms)
{
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *longname = g_strnfill(250, 'n');
    g_autofree char *rel = path_in("rel");
    g_autofree char *exec = path_in("exec:cat");
    g_autofree char *colon = path_in("with:colon");
    g_autofree char *target = path_in("target");
    g_autofree char *link = path_in("link");

    /* Relative to the cwd, including names that only look like URIs. */
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert(write_str("rel", "r", NULL));
    ck_assert(write_str("./exec:cat", "e", NULL));
    ck_assert(write_str(longname, "l", NULL));
    ck_assert_int_eq(chdir(cwd), 0);
    assert_content(rel, "r");
    assert_content(exec, "e");
    ck_assert(write_str(colon, "c", NULL));
    assert_content(colon, "c");

    /* A symbolic link stays one; what it points to is replaced. */
    put_file(target, "old", 0644);
    ck_assert_int_eq(symlink("target", link), 0);
    ck_assert(write_str(link, "via link", NULL));
    ck_assert(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
    assert_content(target, "via link");
    ck_assert_uint_eq(count_entries(), 6);
}
END_TEST

/* A FIFO (or device) is written in place, not renamed over. */
START_TEST(test_fifo_in_place)
{
    g_autofree char *fifo = path_in("fifo");
    g_autoptr(GError) error = NULL;
    struct stat st;
    char buf[16];

    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    /* Without a reader: an error, not a daemon hanging in open(). */
    ck_assert(!write_str(fifo, "x", &error));
    assert_error(&error, "cannot write %s: No such device or address", fifo);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ck_assert(write_str(fifo, "fifo data", NULL));
    ck_assert_int_eq(read(rd, buf, sizeof(buf)), 9);
    ck_assert_mem_eq(buf, "fifo data", 9);
    close(rd);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_uint_eq(count_entries(), 1);
}
END_TEST

START_TEST(test_bad_names)
{
    static const char *const names[] = { "exec:cat", "tcp:x", "file:x",
                                         "a.b+c-d:/x" };
    static const char *const format =
        "unsupported file name prefix '%.*s' in '%s'; write './%s' for a path";
    g_autoptr(GError) error = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        int prefix = (int)(strchr(names[i], ':') - names[i] + 1);
        ck_assert(!write_str(names[i], "x", &error));
        assert_error(&error, format, prefix, names[i], names[i], names[i]);
        ck_assert_ptr_null(statefile_read(&ctx, names[i], 10, &error));
        assert_error(&error, format, prefix, names[i], names[i], names[i]);
    }
    ck_assert(!write_str("", "x", &error));
    assert_error(&error, "file name is empty");
    ck_assert_ptr_null(statefile_read(&ctx, "", 10, &error));
    assert_error(&error, "file name is empty");
}
END_TEST

START_TEST(test_path_errors)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *missing = path_in("no/such/dir/file");
    g_autofree char *slash = path_in("dir/");

    ck_assert(!write_str(missing, "x", &error));
    assert_error(&error, "cannot write %s: No such file or directory", missing);
    ck_assert(!write_str(dir, "x", &error));
    assert_error(&error, "cannot write %s: Is a directory", dir);
    ck_assert(!write_str(slash, "x", &error));
    assert_error(&error, "cannot write %s: Is a directory", slash);
    ck_assert_uint_eq(count_entries(), 0);
}
END_TEST

/* A file-size limit makes the temp file's write come up short, then fail. */
START_TEST(test_short_write_keeps_old)
{
    g_autofree char *path = path_in("state");
    g_autofree char *big = g_strnfill(3 * 4096, 'b');
    g_autoptr(GError) error = NULL;
    struct rlimit saved, small = { 4096, 4096 };

    put_file(path, "old state", 0640);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small.rlim_max = saved.rlim_max;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    bool ok = write_str(path, big, &error);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old_handler);

    ck_assert(!ok);
    assert_error(&error, "cannot write %s: File too large", path);
    assert_content(path, "old state");
    ck_assert_uint_eq(mode_of(path), 0640);
    ck_assert_uint_eq(count_entries(), 1);
}
END_TEST

/*
 * A full filesystem, for a path and for an add-fd file.  Mounting needs
 * privileges; a private mount namespace keeps the tmpfs from outliving a
 * failed assertion.  Without either, this case is skipped.
 */
START_TEST(test_full_disk_keeps_old)
{
    if (unshare(CLONE_NEWNS) < 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0) {
        fprintf(stderr,
                "check-statefile: no tmpfs (%s), skipping the "
                "full-disk case\n",
                g_strerror(errno));
        return;
    }
    g_autofree char *path = path_in("state");
    g_autofree char *added = path_in("added");
    g_autofree char *big = g_strnfill(128 * 1024, 'b');
    g_autoptr(GError) error = NULL;

    put_file(path, "old state", 0600);
    put_file(added, "old added", 0600);
    ck_assert(!write_str(path, big, &error));
    assert_error(&error, "cannot write %s: No space left on device", path);
    assert_content(path, "old state");
    ck_assert_uint_eq(count_entries(), 2);

    /* In place, but the space is reserved before any old byte changes. */
    g_autofree char *name = add_to_set(open(added, O_WRONLY | O_CLOEXEC));
    ck_assert(!write_str(name, big, &error));
    assert_error(&error, "cannot write %s: No space left on device", name);
    assert_content(added, "old added");

    g_clear_pointer(&fdsets, fdsets_free);
    ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
}
END_TEST

START_TEST(test_fdset_write)
{
    g_autofree char *path = path_in("save");
    g_autoptr(GError) error = NULL;
    char buf[16];
    int fds[2];

    /* As libxl opens it: O_WRONLY|O_CREAT, no O_TRUNC, an old longer file. */
    put_file(path, "0123456789 an old save that was much longer", 0600);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ck_assert_int_eq(lseek(fd, 10, SEEK_SET), 10);
    g_autofree char *name = add_to_set(fd);
    ck_assert(write_str(name, "NEW", NULL));
    assert_content(path, "0123456789NEW");
    /* The set keeps its fd; the position moved past the data (shared). */
    ck_assert(fd_is_open(fd));
    ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 13);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert(write_str(name, "x", NULL));
    assert_content(path, "x");

    /* A pipe is just written. */
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    g_autofree char *pipe_name = add_to_set(fds[1]);
    ck_assert(write_str(pipe_name, "piped", NULL));
    ck_assert_int_eq(read(fds[0], buf, sizeof(buf)), 5);
    ck_assert_mem_eq(buf, "piped", 5);
    close(fds[0]);

    /* Closed reader: EPIPE (the daemon ignores SIGPIPE). */
    void (*old_handler)(int) = signal(SIGPIPE, SIG_IGN);
    ck_assert(!write_str(pipe_name, "lost", &error));
    signal(SIGPIPE, old_handler);
    assert_error(&error, "cannot write %s: Broken pipe", pipe_name);
}
END_TEST

START_TEST(test_fdset_refused)
{
    static const char *const bad_ids[] = { "/dev/fdset/", "/dev/fdset/-1",
                                           "/dev/fdset/+1", "/dev/fdset/1x",
                                           "/dev/fdset/99999999999999999999" };
    g_autofree char *path = path_in("ro");
    g_autoptr(GError) error = NULL;

    put_file(path, "read only", 0600);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_autofree char *name = add_to_set(fd);
    ck_assert(!write_str(name, "x", &error));
    assert_error(&error, "cannot write %s: fdset %s has no fd open for writing",
                 name, name + strlen("/dev/fdset/"));
    ck_assert(fd_is_open(fd));
    assert_content(path, "read only");

    ck_assert(!write_str("/dev/fdset/7", "x", &error));
    assert_error(&error, "cannot write /dev/fdset/7: No fdset with id 7");
    ctx.fdsets = NULL;
    ck_assert_ptr_null(statefile_read(&ctx, "/dev/fdset/0", 9, &error));
    assert_error(&error, "cannot read /dev/fdset/0: No fdset with id 0");
    for (size_t i = 0; i < G_N_ELEMENTS(bad_ids); i++) {
        ck_assert(!write_str(bad_ids[i], "x", &error));
        assert_error(&error,
                     "cannot write %s: the fd set id must be a non-negative "
                     "decimal number",
                     bad_ids[i]);
    }
}
END_TEST

START_TEST(test_named_fd)
{
    g_autofree char *path = path_in("named");
    g_autoptr(GError) error = NULL;

    put_file(path, "old and longer", 0600);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    add_named("save", fd);
    ck_assert(write_str("fd:save", "new", NULL));
    assert_content(path, "new");
    ck_assert_uint_eq(g_hash_table_size(named_fds), 0);
    ck_assert(!fd_is_open(fd));

    ck_assert(!write_str("fd:save", "x", &error));
    assert_error(&error, "File descriptor named 'save' not found");
    ctx.named_fds = NULL;
    ck_assert_ptr_null(statefile_read(&ctx, "fd:save", 10, &error));
    assert_error(&error, "File descriptor named 'save' not found");
    ctx.named_fds = named_fds;

    /* A wrong access mode still uses the fd up, as QEMU's fd: does. */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    add_named("ro", fd);
    ck_assert(!write_str("fd:ro", "x", &error));
    assert_error(&error, "cannot write fd:ro: the fd is not open for writing");
    ck_assert(!fd_is_open(fd));

    /* A stale entry (EBADF): an error, and the old file is untouched. */
    fd = open(path, O_WRONLY | O_CLOEXEC);
    close(fd);
    add_named("stale", fd);
    ck_assert(!write_str("fd:stale", "x", &error));
    assert_error(&error, "cannot write fd:stale: Bad file descriptor");
    ck_assert_uint_eq(g_hash_table_size(named_fds), 0);
    assert_content(path, "new");
}
END_TEST

START_TEST(test_read)
{
    g_autofree char *path = path_in("state");
    g_autofree char *missing = path_in("missing");
    g_autoptr(GError) error = NULL;
    GBytes *bytes;

    put_file(path, "0123456789", 0600);
    bytes = statefile_read(&ctx, path, 10, NULL);
    ck_assert_uint_eq(g_bytes_get_size(bytes), 10);
    ck_assert_mem_eq(g_bytes_get_data(bytes, NULL), "0123456789", 10);
    g_bytes_unref(bytes);
    ck_assert_ptr_null(statefile_read(&ctx, path, 9, &error));
    assert_error(&error, "%s is larger than 9 bytes", path);
    ck_assert_ptr_null(statefile_read(&ctx, missing, 9, &error));
    assert_error(&error, "cannot read %s: No such file or directory", missing);
    ck_assert_ptr_null(statefile_read(&ctx, dir, 9, &error));
    assert_error(&error, "cannot read %s: Is a directory", dir);

    /* From the fd's position; the cap counts what is left from there. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_eq(lseek(fd, 4, SEEK_SET), 4);
    g_autofree char *name = add_to_set(fd);
    bytes = statefile_read(&ctx, name, 6, NULL);
    ck_assert_uint_eq(g_bytes_get_size(bytes), 6);
    ck_assert_mem_eq(g_bytes_get_data(bytes, NULL), "456789", 6);
    g_bytes_unref(bytes);

    /* fd:NAME is used up by a read too. */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    add_named("load", fd);
    bytes = statefile_read(&ctx, "fd:load", 100, NULL);
    ck_assert_uint_eq(g_bytes_get_size(bytes), 10);
    g_bytes_unref(bytes);
    ck_assert(!fd_is_open(fd));
}
END_TEST

START_TEST(test_read_pipe)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *big = g_strnfill(200 * 1024, 'p');
    size_t len = strlen(big);
    int fds[2];

    /* More than one read buffer, read to EOF. */
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    ck_assert_int_eq(fcntl(fds[1], F_SETPIPE_SZ, 256 * 1024), 256 * 1024);
    ck_assert_int_eq(write(fds[1], big, len), (ssize_t)len);
    close(fds[1]);
    add_named("in", fds[0]);
    GBytes *bytes = statefile_read(&ctx, "fd:in", len, NULL);
    ck_assert_uint_eq(g_bytes_get_size(bytes), len);
    ck_assert_mem_eq(g_bytes_get_data(bytes, NULL), big, len);
    g_bytes_unref(bytes);

    /*
     * Over the cap with the writer still open: the read stops at cap + 1
     * instead of waiting for an EOF that never comes.
     */
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    ck_assert_int_eq(write(fds[1], "0123456789", 10), 10);
    g_autofree char *name = add_to_set(fds[0]);
    ck_assert_ptr_null(statefile_read(&ctx, name, 4, &error));
    assert_error(&error, "%s is larger than 4 bytes", name);
    close(fds[1]);
}
END_TEST

/* COLO saves and loads many times a second: nothing may pile up. */
START_TEST(test_repeated_cycles)
{
    g_autofree char *path = path_in("cycle");

    for (int i = 0; i < 200; i++) {
        g_autofree char *data = g_strdup_printf("state %d", i);
        ck_assert(write_str(path, data, NULL));
        GBytes *bytes = statefile_read(&ctx, path, 64, NULL);
        ck_assert_uint_eq(g_bytes_get_size(bytes), strlen(data));
        ck_assert_mem_eq(g_bytes_get_data(bytes, NULL), data, strlen(data));
        g_bytes_unref(bytes);
    }
    ck_assert_uint_eq(count_entries(), 1);
}
END_TEST

/*
 * libxl's file at every checkpoint: rewound, rewritten with the same size,
 * a shorter state, a longer one; and an O_APPEND fd, whose writes go to
 * the end and must not cut what was there.
 */
START_TEST(test_fdset_rewrites)
{
    g_autofree char *path = path_in("qemu-save");
    g_autofree char *appended = path_in("appended");
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    g_autofree char *name = add_to_set(fd);
    static const char *const states[] = { "first state", "other state", "short",
                                          "a longer state" };

    for (unsigned i = 0; i < G_N_ELEMENTS(states); i++) {
        ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
        ck_assert(write_str(name, states[i], NULL));
        assert_content(path, states[i]);
    }

    put_file(appended, "old,", 0600);
    int afd = open(appended, O_WRONLY | O_APPEND | O_CLOEXEC);
    g_autofree char *aname = add_to_set(afd);
    ck_assert(write_str(aname, "new", NULL));
    assert_content(appended, "old,new");
    ck_assert_int_eq(lseek(afd, 0, SEEK_SET), 0);
    ck_assert(write_str(aname, "+", NULL));
    assert_content(appended, "old,new+");
}
END_TEST

Suite *statefile_suite(void)
{
    Suite *s = suite_create("statefile");
    TCase *tc = tcase_create("state files");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_new_file_mode_0600);
    tcase_add_test(tc, test_existing_keeps_mode);
    tcase_add_test(tc, test_path_forms);
    tcase_add_test(tc, test_fifo_in_place);
    tcase_add_test(tc, test_bad_names);
    tcase_add_test(tc, test_path_errors);
    tcase_add_test(tc, test_short_write_keeps_old);
    tcase_add_test(tc, test_full_disk_keeps_old);
    tcase_add_test(tc, test_fdset_write);
    tcase_add_test(tc, test_fdset_refused);
    tcase_add_test(tc, test_named_fd);
    tcase_add_test(tc, test_read);
    tcase_add_test(tc, test_read_pipe);
    tcase_add_test(tc, test_repeated_cycles);
    tcase_add_test(tc, test_fdset_rewrites);
    suite_add_tcase(s, tc);
    return s;
}
