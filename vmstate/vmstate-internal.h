/*
 * vmstate internals shared by the interpreter (vmstate.c) and the table
 * checker (vmstate-check.c).  Devices include vmstate/vmstate.h only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

bool vms_kind_signed(VmsKind kind);

/* A member's bits, zero-extended (width 1, 2, 4 or 8). */
uint64_t vms_get_local(const void *p, size_t width);

/* A local integer of kind as a signed value. */
int64_t vms_get_integer(const void *p, VmsKind kind);

/* Whether f is in a stream of this version, given what opaque holds. */
bool vms_field_present(const VmsField *f, const void *opaque, int version);
