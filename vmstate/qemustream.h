/*
 * QEMU 7.2's full migration stream, as `migrate "exec:cat > FILE"` writes
 * it (research/qemu-vmstate-7.2.md §1): the header, the configuration
 * record (0x07), START/PART/END sections of iterative handlers (RAM),
 * FULL sections, section footers (0x7e), EOF, and the JSON description
 * (0x06) after it.  A device-state file (xen-save-devices-state) is the
 * same stream without most of these.
 *
 * The parser decodes the sections we model with our own tables (at their
 * offsets in the stream, so errors point into it) and steps over the
 * rest: RAM by decoding its page records, other FULL sections by the
 * sizes the JSON description gives.  A stream without a description
 * (QEMU's own device-state files) is walked by searching for the next
 * plausible section header, which is good enough for QEMU's files but is
 * a heuristic; such sections are marked as found by search.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "vmstate/registry.h"

typedef enum QemuStreamHow {
    QEMU_STREAM_DECODED,     /* one of ours, decoded and validated */
    QEMU_STREAM_SKIP_VMDESC, /* not ours: its size from the description */
    QEMU_STREAM_SKIP_SEARCH, /* not ours: up to the next header found */
    QEMU_STREAM_SKIP_RAM,    /* RAM: its page records decoded, skipped */
    QEMU_STREAM_HOW_MAX,
} QemuStreamHow;

typedef struct QemuStreamSection {
    uint8_t type; /* 0x01 START, 0x02 PART, 0x03 END, 0x04 FULL */
    uint32_t section_id;
    char idstr[256]; /* for PART/END: the START section's name */
    uint32_t instance_id;
    uint32_t version_id;
    size_t offset;      /* of the type byte */
    size_t body_offset; /* of the first body byte */
    size_t body_len;
    size_t size; /* header, body and footer */
    bool footer;
    QemuStreamHow how;
    const VmsSection *section; /* ours (DECODED), else NULL */
    uint64_t pages;            /* RAM: page records in this section */
    uint64_t zero_pages;       /* RAM: of which zero-filled */
} QemuStreamSection;

typedef struct QemuStream {
    GArray *sections;     /* QemuStreamSection, in stream order */
    char *machine;        /* the configuration record's machine, or NULL */
    size_t config_len;    /* its size, 0 without one */
    bool footers;         /* the sections carry footers */
    bool eof_found;       /* an EOF byte ended the sections */
    size_t eof_offset;    /* its offset; without one, the end of the data */
    size_t vmdesc_offset; /* of the 0x06 byte, 0 without a description */
    size_t vmdesc_len;    /* the JSON's length */
    guint vmdesc_devices; /* FULL sections the description lists */
    uint32_t page_size;
    /* Only a header, FULL sections we model and EOF: our own format. */
    bool plain;
} QemuStream;

/*
 * Parses a whole stream (QEMU's migration stream or a device-state file)
 * against registry.  Never partial: NULL and an error naming the byte
 * offset on malformed input.
 */
QemuStream *qemu_stream_parse(const VmsRegistry *registry, const uint8_t *data,
                              size_t len, GError **error);
void qemu_stream_free(QemuStream *qs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuStream, qemu_stream_free)

const char *qemu_stream_how_name(QemuStreamHow how);

/*
 * A device-state file with just our sections: in the registry's order,
 * under our names and section ids, the stream's versions and bodies as
 * they are, no footers or configuration.  ret_sources (optional) gets the
 * stream's sections (const QemuStreamSection *) in the order written.
 */
GByteArray *qemu_stream_extract(const QemuStream *qs,
                                const VmsRegistry *registry,
                                const uint8_t *data, GPtrArray **ret_sources);
