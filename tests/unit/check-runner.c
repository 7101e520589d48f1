/*
 * Runs every unit suite.  An argument selects suites by name
 * (check-unit json runstate); CK_RUN_CASE and CK_VERBOSITY work as usual.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "tests/unit/suites.h"

typedef Suite *(*SuiteFactory)(void);

/* One suite a line: clang-format packs an even count into columns. */
/* clang-format off */
static const struct {
    const char *name;
    SuiteFactory make;
} unit_suites[] = {
    { "block", block_suite },
    { "cirrus_blit", cirrus_blit_suite },
    { "cirrus", cirrus_suite },
    { "dispatch", dispatch_suite },
    { "fdset", fdset_suite },
    { "i8042", i8042_suite },
    { "ide", ide_suite },
    { "ioport", ioport_suite },
    { "json", json_suite },
    { "libxl", libxl_suite },
    { "options", options_suite },
    { "pci", pci_suite },
    { "physmap", physmap_suite },
    { "ps2", ps2_suite },
    { "qemustream", qemustream_suite },
    { "qtest", qtest_suite },
    { "runstate", runstate_suite },
    { "savevm", savevm_suite },
    { "statefile", statefile_suite },
    { "stream", stream_suite },
    { "vga", vga_suite },
    { "vga_render", vga_render_suite },
    { "vmstate", vmstate_suite },
    { "vram_dirty", vram_dirty_suite },
    { "xenstore", xenstore_suite },
};
/* clang-format on */

static bool selected(const char *name, int argc, char **argv)
{
    if (argc < 2) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    SRunner *runner = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(unit_suites); i++) {
        if (!selected(unit_suites[i].name, argc, argv)) {
            continue;
        }
        if (runner == NULL) {
            runner = srunner_create(unit_suites[i].make());
        } else {
            srunner_add_suite(runner, unit_suites[i].make());
        }
    }
    if (runner == NULL) {
        fprintf(stderr, "check-unit: no suite matches\n");
        return EXIT_FAILURE;
    }
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
