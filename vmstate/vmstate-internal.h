/*
 * vmstate internals shared by the interpreter (vmstate.c) and the table
 * checker (vmstate-check.c).  Devices include vmstate/vmstate.h only.
 */
#pragma once

#include <stddef.h>

#include "vmstate/vmstate.h"

enum {
    /* Nested descriptions (structs, array elements, subsections). */
    VMS_MAX_DEPTH = 16,
    /* A u8 counts the bytes of a subsection name. */
    VMS_NAME_MAX = 255,
};

/* Bytes of a scalar kind on the wire and in memory; 0 if not a scalar. */
size_t vms_kind_width(VmsKind kind);
const char *vms_kind_name(VmsKind kind);
