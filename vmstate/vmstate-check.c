/*
 * vms_description_check(): a static check of a description table against
 * the struct it describes, for unit tests.  Everything the interpreter
 * trusts about a table (sizes, offsets, nesting, subsection names) is
 * verified here once, so the save and load loops need not check it on
 * every field.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <gio/gio.h>

#include "vmstate/vmstate-internal.h"

/* An error about field f (or the table itself when f is NULL). */
static bool G_GNUC_PRINTF(4, 5)
    vms_check_fail(GError **error, const VmsDescription *d, const VmsField *f,
                   const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (f != NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s.%s: %s",
                    d->name, f->name ? f->name : "(null)", text);
    } else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: %s",
                    d->name ? d->name : "(null)", text);
    }
    return false;
}

/* offset + count * size <= limit, without overflow. */
static bool vms_fits(size_t offset, size_t size, size_t count, size_t limit)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return false;
    }
    return offset <= limit && size * count <= limit - offset;
}

static bool vms_check_desc(const VmsDescription *d, const VmsDescription *owner,
                           unsigned depth, GError **error);

/* True when a serialized field of d (or its subsections) covers [lo, hi). */
static bool vms_loads_range(const VmsDescription *d, size_t lo, size_t hi,
                            unsigned depth)
{
    if (depth >= VMS_MAX_DEPTH) {
        return false;
    }
    for (const VmsField *f = d->fields; f != NULL && f->kind != VMS_KIND_END;
         f++) {
        size_t n = f->kind == VMS_KIND_ARRAY || f->kind == VMS_KIND_STRUCT_ARRAY
                       ? f->size * f->count
                       : f->size;
        if (f->kind != VMS_KIND_UNUSED && f->kind != VMS_KIND_VBUFFER &&
            f->offset < hi && lo < f->offset + n) {
            return true;
        }
    }
    if (d->subsections != NULL) {
        for (const VmsDescription *const *s = d->subsections; *s != NULL; s++) {
            if (vms_loads_range(*s, lo, hi, depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

/* owner: the description of the whole struct (d, or d's owner if d is a
 * subsection), whose fields all load into the same memory. */
static bool vms_check_field(const VmsDescription *d, const VmsField *f,
                            const VmsDescription *owner, unsigned depth,
                            GError **error)
{
    size_t width;

    if (f->name == NULL) {
        return vms_check_fail(error, d, f, "no name");
    }
    if (f->since_version > d->version) {
        return vms_check_fail(error, d, f, "since version %d > version %d",
                              f->since_version, d->version);
    }
    if ((f->flags & VMS_F_RANGE) && f->max < f->min) {
        return vms_check_fail(error, d, f, "empty range");
    }
    switch (f->kind) {
    case VMS_KIND_ARRAY:
        width = vms_kind_width(f->elem_kind);
        if (width == 0 || f->size != width || f->count == 0) {
            return vms_check_fail(error, d, f, "%zu x %zu bytes of %s",
                                  f->count, f->size,
                                  vms_kind_name(f->elem_kind));
        }
        break;
    case VMS_KIND_BUFFER:
        if (f->start >= f->size) {
            return vms_check_fail(error, d, f, "start %zu of %zu bytes",
                                  f->start, f->size);
        }
        break;
    case VMS_KIND_VBUFFER:
        width = vms_kind_width(f->length_kind);
        if (width == 0 || f->length_kind == VMS_KIND_BOOL ||
            !vms_fits(f->length_offset, width, 1, d->size)) {
            return vms_check_fail(error, d, f, "bad length member");
        }
        if (vms_loads_range(owner, f->length_offset, f->length_offset + width,
                            0)) {
            /* A stream-controlled length could overrun the buffer. */
            return vms_check_fail(error, d, f,
                                  "length member is loaded from the stream");
        }
        if (!vms_fits(f->offset, sizeof(uint8_t *), 1, d->size)) {
            return vms_check_fail(error, d, f, "pointer outside the struct");
        }
        return true;
    case VMS_KIND_STRUCT:
    case VMS_KIND_STRUCT_ARRAY:
        if (f->vmsd == NULL || f->vmsd->size != f->size ||
            (f->kind == VMS_KIND_STRUCT_ARRAY && f->count == 0)) {
            return vms_check_fail(error, d, f, "nested size mismatch");
        }
        if (!vms_check_desc(f->vmsd, f->vmsd, depth + 1, error)) {
            g_prefix_error(error, "%s.%s: ", d->name, f->name);
            return false;
        }
        break;
    case VMS_KIND_PCI_DEVICE:
        if (f->size != sizeof(VmsPciDevice)) {
            return vms_check_fail(error, d, f, "size %zu is not a PCI device",
                                  f->size);
        }
        break;
    case VMS_KIND_UNUSED:
        if (f->size == 0) {
            return vms_check_fail(error, d, f, "no bytes");
        }
        return true;
    default:
        width = vms_kind_width(f->kind);
        if (width == 0 || f->size != width) {
            return vms_check_fail(error, d, f, "size %zu does not match %s",
                                  f->size, vms_kind_name(f->kind));
        }
        break;
    }
    if (!vms_fits(f->offset, f->size,
                  f->kind == VMS_KIND_ARRAY || f->kind == VMS_KIND_STRUCT_ARRAY
                      ? f->count
                      : 1,
                  d->size)) {
        return vms_check_fail(error, d, f, "outside the %zu-byte struct",
                              d->size);
    }
    return true;
}

static bool vms_check_subsections(const VmsDescription *d,
                                  const VmsDescription *owner, unsigned depth,
                                  GError **error)
{
    size_t owner_len = strlen(d->name);

    for (const VmsDescription *const *s = d->subsections; *s != NULL; s++) {
        const VmsDescription *sub = *s;

        if (sub->name == NULL || strlen(sub->name) <= owner_len ||
            strncmp(sub->name, d->name, owner_len) != 0) {
            return vms_check_fail(error, d, NULL,
                                  "subsection '%s' lacks the prefix",
                                  sub->name ? sub->name : "(null)");
        }
        if (sub->size != d->size) {
            return vms_check_fail(error, d, NULL,
                                  "subsection '%s' describes %zu bytes",
                                  sub->name, sub->size);
        }
        for (const VmsDescription *const *t = d->subsections; t != s; t++) {
            if (strcmp((*t)->name, sub->name) == 0) {
                return vms_check_fail(
                    error, d, NULL, "subsection '%s' listed twice", sub->name);
            }
        }
        if (!vms_check_desc(sub, owner, depth + 1, error)) {
            return false;
        }
    }
    return true;
}

static bool vms_check_desc(const VmsDescription *d, const VmsDescription *owner,
                           unsigned depth, GError **error)
{
    if (depth >= VMS_MAX_DEPTH) {
        return vms_check_fail(error, d, NULL, "nested deeper than %d",
                              VMS_MAX_DEPTH);
    }
    if (d->name == NULL || d->name[0] == '\0' ||
        strlen(d->name) > VMS_NAME_MAX) {
        return vms_check_fail(error, d, NULL, "bad name");
    }
    if (d->min_version < 0 || d->version < d->min_version) {
        return vms_check_fail(error, d, NULL, "versions %d..%d", d->min_version,
                              d->version);
    }
    for (const VmsField *f = d->fields; f != NULL && f->kind != VMS_KIND_END;
         f++) {
        if (!vms_check_field(d, f, owner, depth, error)) {
            return false;
        }
    }
    return d->subsections == NULL ||
           vms_check_subsections(d, owner, depth, error);
}

bool vms_description_check(const VmsDescription *d, GError **error)
{
    return vms_check_desc(d, d, 0, error);
}
