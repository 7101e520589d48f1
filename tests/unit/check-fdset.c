/* fd sets: ids, removal texts, owner cleanup, dup by access mode. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include <gio/gio.h>

#include "daemon/fdset.h"
#include "tests/unit/suites.h"

static int open_null(int flags)
{
    int fd = open("/dev/null", flags | O_CLOEXEC);

    ck_assert_int_ge(fd, 0);
    return fd;
}

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

START_TEST(test_lowest_free_id)
{
    FdSets *sets = fdsets_new();
    int64_t id;

    ck_assert(fdsets_add(sets, -1, open_null(O_RDONLY), NULL, NULL, &id, NULL));
    ck_assert_int_eq(id, 0);
    ck_assert(fdsets_add(sets, 2, open_null(O_RDONLY), "two", NULL, &id, NULL));
    ck_assert_int_eq(id, 2);
    ck_assert(fdsets_add(sets, -1, open_null(O_RDONLY), NULL, NULL, &id, NULL));
    ck_assert_int_eq(id, 1);
    ck_assert(fdsets_add(sets, -1, open_null(O_RDONLY), NULL, NULL, &id, NULL));
    ck_assert_int_eq(id, 3);

    GPtrArray *list = fdsets_list(sets);
    ck_assert_uint_eq(list->len, 4);
    for (guint i = 0; i < list->len; i++) {
        ck_assert_int_eq(((FdSet *)g_ptr_array_index(list, i))->id, i);
    }
    fdsets_free(sets);
}
END_TEST

START_TEST(test_remove)
{
    FdSets *sets = fdsets_new();
    int a = open_null(O_RDONLY), b = open_null(O_WRONLY);
    int64_t id;
    g_autoptr(GError) error = NULL;

    fdsets_add(sets, 5, a, NULL, NULL, &id, NULL);
    fdsets_add(sets, 5, b, NULL, NULL, &id, NULL);
    ck_assert(!fdsets_remove(sets, 5, true, 999, &error));
    ck_assert_str_eq(error->message,
                     "File descriptor named 'fdset-id:5, fd:999' not found");
    g_clear_error(&error);
    ck_assert(!fdsets_remove(sets, 9, false, -1, &error));
    ck_assert_str_eq(error->message,
                     "File descriptor named 'fdset-id:9' not found");
    ck_assert(fdsets_remove(sets, 5, true, a, NULL));
    ck_assert(!fd_is_open(a));
    ck_assert(fd_is_open(b));
    ck_assert(fdsets_remove(sets, 5, false, -1, NULL));
    ck_assert(!fd_is_open(b));
    ck_assert_uint_eq(fdsets_list(sets)->len, 0);
    fdsets_free(sets);
}
END_TEST

START_TEST(test_release_owner)
{
    FdSets *sets = fdsets_new();
    int mine = open_null(O_RDONLY), theirs = open_null(O_RDONLY);
    int owner_a, owner_b;
    int64_t id;

    fdsets_add(sets, 0, mine, NULL, &owner_a, &id, NULL);
    fdsets_add(sets, 0, theirs, NULL, &owner_b, &id, NULL);
    fdsets_add(sets, 1, open_null(O_RDONLY), NULL, &owner_a, &id, NULL);
    fdsets_release_owner(sets, &owner_a);
    ck_assert(!fd_is_open(mine));
    ck_assert(fd_is_open(theirs));
    ck_assert_uint_eq(fdsets_list(sets)->len, 1);
    fdsets_free(sets);
    ck_assert(!fd_is_open(theirs));
}
END_TEST

START_TEST(test_dup_by_access_mode)
{
    FdSets *sets = fdsets_new();
    int64_t id;
    g_autoptr(GError) error = NULL;

    fdsets_add(sets, 0, open_null(O_RDONLY), NULL, NULL, &id, NULL);
    ck_assert_int_eq(fdsets_dup(sets, 0, O_WRONLY, &error), -1);
    ck_assert_ptr_nonnull(error);
    g_clear_error(&error);
    int fd = fdsets_dup(sets, 0, O_RDONLY, &error);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(fdsets_dup(sets, 7, O_RDONLY, &error), -1);
    fdsets_add(sets, 0, open_null(O_RDWR), NULL, NULL, &id, NULL);
    fd = fdsets_dup(sets, 0, O_WRONLY, NULL);
    ck_assert_int_ge(fd, 0);
    close(fd);
    fdsets_free(sets);
}
END_TEST

Suite *fdset_suite(void)
{
    Suite *s = suite_create("fdset");
    TCase *tc = tcase_create("fd sets");

    tcase_add_test(tc, test_lowest_free_id);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_release_owner);
    tcase_add_test(tc, test_dup_by_access_mode);
    suite_add_tcase(s, tc);
    return s;
}
