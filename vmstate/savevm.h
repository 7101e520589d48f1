/*
 * The device-state file, Xen flavour (research/qemu-vmstate-7.2.md §1):
 *   be32 0x5145564d "QEVM", be32 3,
 *   per section: u8 0x04, be32 section_id, u8 len, idstr, be32 instance_id,
 *                be32 version_id, body;
 *   u8 0x00.
 * No configuration record, no section footers, no JSON description.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "vmstate/registry.h"

enum {
    SAVEVM_MAGIC = 0x5145564d,
    SAVEVM_VERSION = 3,
    SAVEVM_VERSION_COMPAT = 2,
    SAVEVM_EOF = 0x00,
    SAVEVM_SECTION_START = 0x01,
    SAVEVM_SECTION_PART = 0x02,
    SAVEVM_SECTION_END = 0x03,
    SAVEVM_SECTION_FULL = 0x04,
    SAVEVM_SUBSECTION = 0x05,
    /* A file larger than this is refused before it is parsed. */
    SAVEVM_MAX_FILE_BYTES = 16 * 1024 * 1024,
};

/* The whole file, every registered section in order. */
GByteArray *savevm_save(VmsRegistry *registry);

/*
 * The same bytes in the registry's save buffer, valid until the next
 * call: its allocation is kept, so repeated saves do not reallocate.
 */
const GByteArray *savevm_save_reuse(VmsRegistry *registry);

/*
 * Decodes every section into scratch copies and validates them all; only
 * when everything passed, and commit is true, are all devices updated at
 * once.  Accepts what QEMU 7.2 accepts (any order, missing sections, the
 * aliases, trailing bytes after EOF) and rejects more (duplicates, values
 * outside their invariants).  Errors name the section, field and offset.
 */
bool savevm_load(VmsRegistry *registry, const uint8_t *data, size_t len,
                 bool commit, GError **error);

/* A section as decoded from a file, without touching the device. */
typedef struct SavevmSectionInfo {
    const VmsSection *section;
    const void *state; /* the decoded copy of the device state */
    uint32_t version;  /* from the section header */
    size_t offset;     /* of the section type byte */
    size_t size;       /* header and body */
} SavevmSectionInfo;

typedef void (*SavevmInspectFunc)(const SavevmSectionInfo *info, void *opaque);

/*
 * Decodes and validates the whole file like savevm_load (without
 * committing), then calls func for each section in file order.
 */
bool savevm_inspect(VmsRegistry *registry, const uint8_t *data, size_t len,
                    SavevmInspectFunc func, void *opaque, GError **error);
