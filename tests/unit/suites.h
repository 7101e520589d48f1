/* One Check suite per module; check-runner.c runs them all. */
#pragma once

#include <check.h>

Suite *block_suite(void);
Suite *cirrus_blit_suite(void);
Suite *cirrus_suite(void);
Suite *dispatch_suite(void);
Suite *fdset_suite(void);
Suite *i8042_suite(void);
Suite *ide_suite(void);
Suite *ioport_suite(void);
Suite *json_suite(void);
Suite *libxl_suite(void);
Suite *options_suite(void);
Suite *pci_suite(void);
Suite *physmap_suite(void);
Suite *ps2_suite(void);
Suite *qemustream_suite(void);
Suite *qtest_suite(void);
Suite *runstate_suite(void);
Suite *savevm_suite(void);
Suite *statefile_suite(void);
Suite *stream_suite(void);
Suite *vga_suite(void);
Suite *vga_render_suite(void);
Suite *vmstate_suite(void);
Suite *vram_dirty_suite(void);
Suite *xenstore_suite(void);
