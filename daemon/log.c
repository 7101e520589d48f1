/*
 * The daemon's log writer.  glib's structured logging carries the domain
 * (devmodeld-qmp, devmodeld-machine, ...) and the level; we print
 * "devmodeld[pid]: LEVEL domain: message" on stderr, or hand the fields to
 * the journal once the daemon has detached.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "daemon/log.h"

typedef struct LogConfig {
    GLogLevelFlags threshold;
    bool to_journal;
} LogConfig;

/* The writer is process-wide in glib, so its configuration is too. */
static LogConfig log_config = { G_LOG_LEVEL_MESSAGE, false };

/* glib's levels are bits, most severe lowest. */
static bool log_level_enabled(GLogLevelFlags level)
{
    return (level & G_LOG_LEVEL_MASK) <= log_config.threshold;
}

static const char *log_level_label(GLogLevelFlags level)
{
    switch (level & G_LOG_LEVEL_MASK) {
    case G_LOG_LEVEL_ERROR:
        return "fatal";
    case G_LOG_LEVEL_CRITICAL:
        return "error";
    case G_LOG_LEVEL_WARNING:
        return "warning";
    case G_LOG_LEVEL_MESSAGE:
        return "notice";
    case G_LOG_LEVEL_INFO:
        return "info";
    default:
        return "debug";
    }
}

static GLogWriterOutput log_write(GLogLevelFlags level, const GLogField *fields,
                                  gsize n_fields, gpointer user_data)
{
    const char *domain = NULL, *message = NULL;

    if (!log_level_enabled(level)) {
        return G_LOG_WRITER_HANDLED;
    }
    if (log_config.to_journal && g_log_writer_is_journald(fileno(stderr))) {
        return g_log_writer_journald(level, fields, n_fields, user_data);
    }
    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0) {
            domain = fields[i].value;
        } else if (strcmp(fields[i].key, "MESSAGE") == 0) {
            message = fields[i].value;
        }
    }
    fprintf(stderr, "devmodeld[%d]: %s%s%s: %s\n", (int)getpid(),
            log_level_label(level), domain ? " " : "", domain ? domain : "",
            message ? message : "");
    return G_LOG_WRITER_HANDLED;
}

void log_setup(GLogLevelFlags threshold, bool to_journal)
{
    log_config.threshold = threshold;
    log_config.to_journal = to_journal;
    g_log_set_writer_func(log_write, NULL, NULL);
}
