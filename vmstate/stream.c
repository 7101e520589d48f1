/*
 * Bounded byte streams for device state.  The reader checks the length
 * once per read, before it takes anything, so a failed read leaves the
 * offset where it was and the caller can report exactly where the data
 * ran out.  The writer appends to a GByteArray, which grows
 * geometrically: a save costs a few reallocations, not one per field.
 */
#include "config.h"

#include <string.h>

#include "vmstate/stream.h"

/* A typical device-state file is ~15 KiB (research §5.1). */
#define VMS_WRITER_INITIAL_SIZE 16384

void vms_reader_init(VmsReader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = data != NULL ? len : 0;
    r->pos = 0;
}

/* The n bytes at the offset, or NULL (and nothing taken) if fewer are left. */
static const uint8_t *vms_take(VmsReader *r, size_t n)
{
    const uint8_t *p;

    if (n > vms_reader_left(r)) {
        return NULL;
    }
    p = r->data + r->pos;
    r->pos += n;
    return p;
}

bool vms_read_u8(VmsReader *r, uint8_t *ret)
{
    const uint8_t *p = vms_take(r, 1);

    if (p == NULL) {
        return false;
    }
    *ret = p[0];
    return true;
}

bool vms_read_be16(VmsReader *r, uint16_t *ret)
{
    const uint8_t *p = vms_take(r, 2);

    if (p == NULL) {
        return false;
    }
    *ret = (uint16_t)((unsigned)p[0] << 8 | p[1]);
    return true;
}

bool vms_read_be32(VmsReader *r, uint32_t *ret)
{
    const uint8_t *p = vms_take(r, 4);

    if (p == NULL) {
        return false;
    }
    *ret = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
    return true;
}

bool vms_read_be64(VmsReader *r, uint64_t *ret)
{
    const uint8_t *p = vms_take(r, 8);
    uint64_t v = 0;

    if (p == NULL) {
        return false;
    }
    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    *ret = v;
    return true;
}

bool vms_read_bytes(VmsReader *r, void *dst, size_t n)
{
    const uint8_t *p = vms_take(r, n);

    if (p == NULL) {
        return false;
    }
    if (n > 0) {
        memcpy(dst, p, n);
    }
    return true;
}

bool vms_skip(VmsReader *r, size_t n)
{
    return vms_take(r, n) != NULL;
}

bool vms_peek_u8(const VmsReader *r, uint8_t *ret)
{
    if (vms_reader_left(r) == 0) {
        return false;
    }
    *ret = r->data[r->pos];
    return true;
}

void vms_writer_init(VmsWriter *w)
{
    w->buf = g_byte_array_sized_new(VMS_WRITER_INITIAL_SIZE);
}

GByteArray *vms_writer_steal(VmsWriter *w)
{
    GByteArray *buf = w->buf;

    w->buf = NULL;
    return buf;
}

void vms_writer_clear(VmsWriter *w)
{
    if (w->buf != NULL) {
        g_byte_array_unref(w->buf);
        w->buf = NULL;
    }
}

void vms_write_u8(VmsWriter *w, uint8_t v)
{
    g_byte_array_append(w->buf, &v, 1);
}

void vms_write_be16(VmsWriter *w, uint16_t v)
{
    const uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

    g_byte_array_append(w->buf, b, sizeof(b));
}

void vms_write_be32(VmsWriter *w, uint32_t v)
{
    const uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                           (uint8_t)(v >> 8), (uint8_t)v };

    g_byte_array_append(w->buf, b, sizeof(b));
}

void vms_write_be64(VmsWriter *w, uint64_t v)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    }
    g_byte_array_append(w->buf, b, sizeof(b));
}

void vms_write_bytes(VmsWriter *w, const void *src, size_t n)
{
    /* g_byte_array_append takes a guint length. */
    const uint8_t *p = src;

    while (n > 0) {
        guint chunk = n > G_MAXUINT ? G_MAXUINT : (guint)n;
        g_byte_array_append(w->buf, p, chunk);
        p += chunk;
        n -= chunk;
    }
}

void vms_write_zeros(VmsWriter *w, size_t n)
{
    guint old = w->buf->len;

    g_return_if_fail(n <= G_MAXUINT - old);
    g_byte_array_set_size(w->buf, old + (guint)n);
    memset(w->buf->data + old, 0, n);
}
