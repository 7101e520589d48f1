/* Device state as JSON (dmstate dump and diff). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vmstate/vmstate.h"

/*
 * Every field of opaque by name, as described by d; subsections that are
 * needed appear as "/child" members.  Unsigned values above INT64_MAX are
 * added to uint64s (may be NULL) for json_write().
 */
JsonNode *vms_to_json(const VmsDescription *d, const void *opaque,
                      GHashTable *uint64s);
