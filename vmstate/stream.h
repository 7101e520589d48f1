/*
 * Bounded byte streams for device state: a reader over a buffer that can
 * never read past its end and knows its offset (for error messages), and
 * a writer that builds the whole file in memory.  Big-endian throughout,
 * no padding, as QEMU's migration stream.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

typedef struct VmsReader {
    const uint8_t *data;
    size_t len;
    size_t pos; /* offset of the next byte to read */
} VmsReader;

void vms_reader_init(VmsReader *r, const uint8_t *data, size_t len);

/* Each read either takes all its bytes and returns true, or takes nothing
 * and returns false (not enough bytes left). */
bool vms_read_u8(VmsReader *r, uint8_t *ret);
bool vms_read_be16(VmsReader *r, uint16_t *ret);
bool vms_read_be32(VmsReader *r, uint32_t *ret);
bool vms_read_be64(VmsReader *r, uint64_t *ret);
bool vms_read_bytes(VmsReader *r, void *dst, size_t n);
bool vms_skip(VmsReader *r, size_t n);

/* The next byte without taking it; false at the end. */
bool vms_peek_u8(const VmsReader *r, uint8_t *ret);

static inline size_t vms_reader_left(const VmsReader *r)
{
    return r->len - r->pos;
}

typedef struct VmsWriter {
    GByteArray *buf;
} VmsWriter;

void vms_writer_init(VmsWriter *w);
/* Gives the bytes to the caller (g_byte_array_unref them). */
GByteArray *vms_writer_steal(VmsWriter *w);
void vms_writer_clear(VmsWriter *w);

void vms_write_u8(VmsWriter *w, uint8_t v);
void vms_write_be16(VmsWriter *w, uint16_t v);
void vms_write_be32(VmsWriter *w, uint32_t v);
void vms_write_be64(VmsWriter *w, uint64_t v);
void vms_write_bytes(VmsWriter *w, const void *src, size_t n);
void vms_write_zeros(VmsWriter *w, size_t n);
