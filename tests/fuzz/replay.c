/*
 * The replay driver: without --enable-fuzzing, each fuzz target links this
 * main(), which runs LLVMFuzzerTestOneInput once over every file named on
 * the command line or found in a named directory, so that `make check`
 * replays the corpora and regressions with the normal compiler.  Options
 * ("-runs=0" and the like) are ignored, so the same command line works
 * for a libFuzzer build.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "tests/fuzz/fuzz-common.h"

#ifndef DEVMODELD_LIBFUZZER

static int replay_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, &error)) {
        fprintf(stderr, "replay: %s\n", error->message);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    return 0;
}

static gint replay_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Files in name order, so that a run is reproducible. */
static int replay_dir(const char *path, unsigned *count)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    int failures = 0;

    if (dir == NULL) {
        fprintf(stderr, "replay: %s\n", error->message);
        return 1;
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (name[0] != '.') {
            g_ptr_array_add(names, g_strdup(name));
        }
    }
    g_ptr_array_sort(names, replay_compare);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file =
            g_build_filename(path, g_ptr_array_index(names, i), NULL);
        if (g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
            failures += replay_file(file);
            (*count)++;
        }
    }
    return failures;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int failures = 0;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            continue;
        }
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            failures += replay_dir(argv[i], &count);
        } else {
            failures += replay_file(argv[i]);
            count++;
        }
    }
    printf("%s: replayed %u inputs\n", argv[0], count);
    return failures == 0 ? 0 : 1;
}

#endif
