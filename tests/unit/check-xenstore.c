/*
 * The xenstore backends.  One table of semantics runs against the embedded
 * tree and, through the real libxenstore, against tests/xenstored (started
 * on a temporary socket, XENSTORED_PATH pointing at it; path in
 * $XENSTORED_TEST).  Those cases pass without checking anything when the
 * server is not built or the daemon has no libxenstore.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/xenstore.h"
#include "tests/unit/suites.h"

static void assert_value(Xenstore *xs, const char *path, const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *value = xenstore_read(xs, path, NULL, &error);

    ck_assert_msg(value != NULL, "read %s: %s", path,
                  error ? error->message : "?");
    ck_assert_str_eq(value, expected);
}

/* error is read after ok was computed (argument order is unspecified). */
static void assert_errno(bool ok, GError **error, int err)
{
    ck_assert(!ok);
    ck_assert_msg(g_error_matches(*error, XENSTORE_ERROR, err),
                  "expected errno %d, got %s", err,
                  *error ? (*error)->message : "no error");
}

static void assert_read_fails(Xenstore *xs, const char *path, int err)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *value = xenstore_read(xs, path, NULL, &error);

    assert_errno(value != NULL, &error, err);
}

static void assert_children(Xenstore *xs, const char *path,
                            const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) names = xenstore_directory(xs, path, &error);

    ck_assert_msg(names != NULL, "directory %s: %s", path,
                  error ? error->message : "?");
    g_autofree char *joined = g_strjoinv(",", names);
    ck_assert_str_eq(joined, expected);
}

/* What xenstored answers a dom0 client; the same for both backends. */
static void check_semantics(Xenstore *xs)
{
    g_autoptr(GError) error = NULL;
    size_t len = 0;

    assert_value(xs, "/tool/xenstored", "");
    ck_assert(xenstore_write_str(xs, "/vm/a/b", "hello", NULL));
    assert_value(xs, "/vm/a/b", "hello");
    assert_value(xs, "/vm/a", ""); /* parents created, empty */
    assert_read_fails(xs, "/vm/none", ENOENT);

    /* Paths xenstored refuses (is_valid_nodename). */
    assert_read_fails(xs, "/vm//a", EINVAL);
    assert_read_fails(xs, "/vm/a/", EINVAL);
    assert_read_fails(xs, "/vm/a b", EINVAL);
    assert_read_fails(xs, "@introduceDomain", EINVAL);
    assert_errno(xenstore_write_str(xs, "/x.y", "1", &error), &error, EINVAL);
    g_clear_error(&error);

    /* Relative paths are dom0's: /local/domain/0. */
    ck_assert(xenstore_write_str(xs, "device-model/7/state", "running", NULL));
    assert_value(xs, "/local/domain/0/device-model/7/state", "running");
    assert_value(xs, "device-model/7/state", "running");

    /* Values are bytes, NULs included. */
    ck_assert(xenstore_write(xs, "/vm/bin", "a\0b", 3, NULL));
    g_autofree char *bin = xenstore_read(xs, "/vm/bin", &len, NULL);
    ck_assert_uint_eq(len, 3);
    ck_assert(memcmp(bin, "a\0b", 4) == 0);

    /* mkdir: creates, and an existing node is fine. */
    ck_assert(xenstore_mkdir(xs, "/vm/d/e", NULL));
    ck_assert(xenstore_mkdir(xs, "/vm/a", NULL));
    assert_value(xs, "/vm/a/b", "hello");
    assert_children(xs, "/vm", "a,bin,d");
    assert_children(xs, "/vm/d/e", "");

    /* rm: recursive; a missing node is fine if its parent exists. */
    ck_assert(xenstore_rm(xs, "/vm/a", NULL));
    assert_read_fails(xs, "/vm/a/b", ENOENT);
    assert_children(xs, "/vm", "bin,d");
    ck_assert(xenstore_rm(xs, "/vm/none", NULL));
    assert_errno(xenstore_rm(xs, "/none/none", &error), &error, ENOENT);
    g_clear_error(&error);
    assert_errno(xenstore_rm(xs, "/", &error), &error, EINVAL);
    g_clear_error(&error);

    g_auto(GStrv) none = xenstore_directory(xs, "/none", &error);
    assert_errno(none != NULL, &error, ENOENT);
    g_clear_error(&error);

    /* Over the 4096-byte payload: E2BIG. */
    g_autofree char *big = g_malloc0(5000);
    assert_errno(xenstore_write(xs, "/vm/big", big, 5000, &error), &error,
                 E2BIG);
    g_clear_error(&error);
    ck_assert(xenstore_write(xs, "/vm/big", big, 4000, NULL));
}

typedef struct {
    int runs;
    bool give_up;
    Xenstore *other; /* makes the first attempt conflict */
} TxnTest;

static bool txn_body(Xenstore *xs, void *opaque, GError **error)
{
    TxnTest *t = opaque;
    g_autofree char *old = xenstore_read(xs, "/txn/counter", NULL, error);

    t->runs++;
    if (old == NULL) {
        return false;
    }
    g_autofree char *next = g_strdup_printf("%d", atoi(old) + 1);
    if (!xenstore_write_str(xs, "/txn/counter", next, error) ||
        !xenstore_write_str(xs, "/txn/also", next, error)) {
        return false;
    }
    if (t->other != NULL && t->runs == 1) {
        ck_assert(xenstore_write_str(t->other, "/txn/counter", "10", NULL));
    }
    if (t->give_up) {
        g_set_error(error, XENSTORE_ERROR, EPERM, "giving up");
        return false;
    }
    return true;
}

static bool txn_nested(Xenstore *xs, void *opaque, GError **error)
{
    return xenstore_transaction(xs, txn_body, opaque, error);
}

static void check_transactions(Xenstore *xs, Xenstore *other)
{
    g_autoptr(GError) error = NULL;
    TxnTest t = { 0 };

    ck_assert(xenstore_write_str(xs, "/txn/counter", "1", NULL));
    ck_assert(xenstore_transaction(xs, txn_body, &t, NULL));
    ck_assert_int_eq(t.runs, 1);
    assert_value(xs, "/txn/counter", "2");
    assert_value(xs, "/txn/also", "2");

    /* A failing body: nothing lands, its error comes back. */
    t = (TxnTest){ .give_up = true };
    assert_errno(xenstore_transaction(xs, txn_body, &t, &error), &error, EPERM);
    g_clear_error(&error);
    assert_value(xs, "/txn/counter", "2");

    t = (TxnTest){ 0 };
    assert_errno(xenstore_transaction(xs, txn_nested, &t, &error), &error,
                 EBUSY);
    g_clear_error(&error);
    assert_value(xs, "/txn/counter", "2");

    if (other != NULL) {
        /* Another client changes what we read: EAGAIN, then a rerun. */
        t = (TxnTest){ .other = other };
        ck_assert(xenstore_transaction(xs, txn_body, &t, NULL));
        ck_assert_int_eq(t.runs, 2);
        assert_value(xs, "/txn/counter", "11");
    }
}

/* ---------------------------------------------------------------- embedded */

START_TEST(test_backend_names)
{
    XenstoreBackend b = XENSTORE_BACKEND_MAX;

    ck_assert(xenstore_backend_parse("embedded", &b));
    ck_assert_int_eq(b, XENSTORE_BACKEND_EMBEDDED);
    ck_assert(xenstore_backend_parse("xs", &b));
    ck_assert_int_eq(b, XENSTORE_BACKEND_XS);
    ck_assert(xenstore_backend_parse("auto", &b));
    ck_assert_int_eq(b, XENSTORE_BACKEND_AUTO);
    ck_assert(!xenstore_backend_parse("xenstored", &b));
    ck_assert_int_eq(b, XENSTORE_BACKEND_AUTO);
    ck_assert_str_eq(xenstore_backend_name(XENSTORE_BACKEND_EMBEDDED),
                     "embedded");
}
END_TEST

START_TEST(test_embedded_semantics)
{
    Xenstore *xs = xenstore_open(XENSTORE_BACKEND_EMBEDDED, NULL);

    ck_assert_int_eq(xenstore_backend(xs), XENSTORE_BACKEND_EMBEDDED);
    check_semantics(xs);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_embedded_transactions)
{
    Xenstore *xs = xenstore_open(XENSTORE_BACKEND_EMBEDDED, NULL);

    check_transactions(xs, NULL);
    xenstore_close(xs);
}
END_TEST

START_TEST(test_auto_without_xenstored)
{
    g_autofree char *dir = g_dir_make_tmp("dmtest-xs.XXXXXX", NULL);
    g_autofree char *missing = g_build_filename(dir, "none.sock", NULL);
    g_autoptr(GError) error = NULL;

    /* libxenstore looks there first, and nothing listens. */
    g_setenv("XENSTORED_PATH", missing, true);
    Xenstore *xs = xenstore_open(XENSTORE_BACKEND_AUTO, NULL);
    ck_assert_int_eq(xenstore_backend(xs), XENSTORE_BACKEND_EMBEDDED);
    xenstore_close(xs);
    ck_assert(xenstore_open(XENSTORE_BACKEND_XS, &error) == NULL);
    ck_assert(error != NULL && error->domain == XENSTORE_ERROR);
    g_rmdir(dir);
}
END_TEST

/* ---------------------------------------------------------------- xs */

static char *server_dir;
static GPid server_pid;

static void die_with_parent(void *unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts tests/xenstored; false (nothing to test) when it is absent. */
static bool server_start(void)
{
    const char *bin = g_getenv("XENSTORED_TEST");
    g_autofree char *sock = NULL;

#ifndef HAVE_XENSTORE
    return false; /* the daemon has no xs backend to test */
#endif
    if (bin == NULL) {
        bin = "tests/xenstored/xenstored-test";
    }
    if (!g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "check-xenstore: %s not built: xs cases skipped\n",
                bin);
        return false;
    }
    server_dir = g_dir_make_tmp("dmtest-xs.XXXXXX", NULL);
    sock = g_build_filename(server_dir, "xs.sock", NULL);
    char *argv[] = { (char *)bin, "--socket", sock, NULL };
    ck_assert(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                            die_with_parent, NULL, &server_pid, NULL));
    for (int i = 0; i < 500 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10000);
    }
    ck_assert_msg(g_file_test(sock, G_FILE_TEST_EXISTS),
                  "xenstored-test did not start");
    g_setenv("XENSTORED_PATH", sock, true);
    return true;
}

static void server_stop(void)
{
    int status = 0;

    kill(server_pid, SIGTERM);
    waitpid(server_pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_rmdir(server_dir);
    g_clear_pointer(&server_dir, g_free);
}

START_TEST(test_xs_semantics)
{
    if (!server_start()) {
        return;
    }
    g_autoptr(GError) error = NULL;
    Xenstore *xs = xenstore_open(XENSTORE_BACKEND_XS, &error);
    ck_assert_msg(xs != NULL, "%s", error ? error->message : "?");
    ck_assert_int_eq(xenstore_backend(xs), XENSTORE_BACKEND_XS);
    check_semantics(xs);
    xenstore_close(xs);
    server_stop();
}
END_TEST

START_TEST(test_xs_transactions)
{
    if (!server_start()) {
        return;
    }
    Xenstore *xs = xenstore_open(XENSTORE_BACKEND_AUTO, NULL);
    Xenstore *other = xenstore_open(XENSTORE_BACKEND_XS, NULL);
    ck_assert_int_eq(xenstore_backend(xs), XENSTORE_BACKEND_XS);
    ck_assert(other != NULL);
    check_transactions(xs, other);
    /* Both see the same store. */
    assert_value(other, "/txn/counter", "11");
    xenstore_close(other);
    xenstore_close(xs);
    server_stop();
}
END_TEST

Suite *xenstore_suite(void)
{
    Suite *s = suite_create("xenstore");
    TCase *tc = tcase_create("embedded");

    tcase_add_test(tc, test_backend_names);
    tcase_add_test(tc, test_embedded_semantics);
    tcase_add_test(tc, test_embedded_transactions);
    tcase_add_test(tc, test_auto_without_xenstored);
    suite_add_tcase(s, tc);

    tc = tcase_create("libxenstore and tests/xenstored");
    tcase_add_test(tc, test_xs_semantics);
    tcase_add_test(tc, test_xs_transactions);
    suite_add_tcase(s, tc);
    return s;
}
