/* The command tables of each family, merged by dispatch.c. */
#pragma once

#include <stddef.h>

#include "qmp/dispatch.h"

extern const QmpCommand qmp_machine_commands[];
extern const size_t qmp_machine_command_count;
extern const QmpCommand qmp_fd_commands[];
extern const size_t qmp_fd_command_count;
extern const QmpCommand qmp_input_commands[];
extern const size_t qmp_input_command_count;
extern const QmpCommand qmp_state_commands[];
extern const size_t qmp_state_command_count;
extern const QmpCommand qmp_hmp_commands[];
extern const size_t qmp_hmp_command_count;
extern const QmpCommand qmp_display_commands[];
extern const size_t qmp_display_command_count;
extern const QmpCommand qmp_libxl_commands[];
extern const size_t qmp_libxl_command_count;
extern const QmpCommand qmp_dirty_commands[];
extern const size_t qmp_dirty_command_count;
extern const QmpCommand qmp_xen_commands[];
extern const size_t qmp_xen_command_count;

/* HMP: runs one human-monitor command line, returns its text output. */
char *hmp_run(QmpSession *session, const char *line, GError **error);
