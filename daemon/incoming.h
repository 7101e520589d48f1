/*
 * The start of an incoming migration from a file or an inherited fd
 * (--incoming=fd:N, file:PATH; QEMU's -incoming as libxl's restore uses
 * it): the device state is loaded once, all or nothing, and the
 * migration ends as QEMU's does, in running or (-S, stop) paused.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "daemon/machine.h"

/* uri is "fd:N" or "file:PATH"; fd N is read to its end, then closed. */
bool incoming_load(Machine *machine, const char *uri, GError **error);
