/* Structured logging: a glib log writer with a level threshold. */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * Installs the writer: messages at least as severe as threshold go to
 * stderr (or the journal when to_journal and it is reachable).
 */
void log_setup(GLogLevelFlags threshold, bool to_journal);
