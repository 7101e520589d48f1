/*
 * Shared by the parts of the QEMU stream parser (qemustream.c: records
 * and sections; qemustream-records.c: the JSON description and RAM).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "vmstate/qemustream.h"
#include "vmstate/stream.h"

enum {
    QS_CONFIGURATION = 0x07,
    QS_COMMAND = 0x08,
    QS_VMDESCRIPTION = 0x06,
    QS_FOOTER = 0x7e,
    /* RAM page-record flags, in the low bits of the be64 address. */
    RAM_FLAG_ZERO = 0x02,
    RAM_FLAG_MEM_SIZE = 0x04,
    RAM_FLAG_PAGE = 0x08,
    RAM_FLAG_EOS = 0x10,
    RAM_FLAG_CONTINUE = 0x20,
    RAM_FLAG_XBZRLE = 0x40,
    RAM_FLAG_HOOK = 0x80, /* RDMA: not in a file */
    RAM_FLAG_COMPRESS_PAGE = 0x100,
    /* A JSON description nests structs; deeper than this is not QEMU's. */
    VMDESC_MAX_DEPTH = 32,
};

typedef struct VmdescDevice {
    char *name;
    uint32_t instance_id;
    uint64_t size; /* body bytes */
} VmdescDevice;

typedef struct Parser {
    const VmsRegistry *registry;
    VmsReader r;
    QemuStream *qs;
    GArray *vmdesc;    /* VmdescDevice, NULL without a description */
    guint vmdesc_next; /* the next FULL section's entry */
    bool ignore_shared;
    bool ram_have_block;   /* a page may continue the last block named */
    GHashTable *iterative; /* section id -> idstr of START sections */
} Parser;

bool qs_fail(GError **error, size_t offset, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* A counted string (u8 length) into buf[256]; false if truncated. */
bool qs_read_name(VmsReader *r, char *buf);

/* The JSON description at the end of data, if there is one, into p. */
bool qs_vmdesc_parse(Parser *p, const uint8_t *data, size_t len,
                     GError **error);

/* One RAM section body, up to its end-of-section record. */
bool qs_ram(Parser *p, QemuStreamSection *s, GError **error);
