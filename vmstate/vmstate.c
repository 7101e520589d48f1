/*
 * The interpreter for VmsDescription tables: save and load (the static
 * check of the tables is vmstate-check.c).  Wire format and load rules
 * are those of QEMU 7.2 (research/qemu-vmstate-7.2.md §1.4 and §2).
 *
 * Speed matters (COLO saves and loads many times a second), so the field
 * loops allocate nothing: a load keeps a small stack of path frames
 * (field names and array indexes) and only formats them into a string
 * when it fails.  Nesting is bounded by VMS_MAX_DEPTH, which also stops a
 * description that contains itself.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <gio/gio.h>

#include "vmstate/vmstate-internal.h"

enum {
    /* Two frames per level (field and index) plus a leaf's three. */
    VMS_MAX_FRAMES = 2 * VMS_MAX_DEPTH + 3,
    VMS_SUBSECTION = 0x05,
    VMS_PCI_VERSION = 2,
    VMS_PCI_CONFIG_SIZE = 256,
    VMS_PCI_NUM_PINS = 4,
};

#define VMS_NO_INDEX SIZE_MAX

/* ------------------------------------------------------------ scalars */

static const struct {
    const char *name;
    uint8_t width; /* bytes on the wire and in memory; 0: not a scalar */
    bool is_signed;
} vms_kinds[] = {
    [VMS_KIND_END] = { "end", 0, false },
    [VMS_KIND_U8] = { "u8", 1, false },
    [VMS_KIND_U16] = { "u16", 2, false },
    [VMS_KIND_U32] = { "u32", 4, false },
    [VMS_KIND_U64] = { "u64", 8, false },
    [VMS_KIND_I8] = { "i8", 1, true },
    [VMS_KIND_I16] = { "i16", 2, true },
    [VMS_KIND_I32] = { "i32", 4, true },
    [VMS_KIND_I64] = { "i64", 8, true },
    [VMS_KIND_BOOL] = { "bool", 1, false },
    [VMS_KIND_ARRAY] = { "array", 0, false },
    [VMS_KIND_BUFFER] = { "buffer", 0, false },
    [VMS_KIND_VBUFFER] = { "vbuffer", 0, false },
    [VMS_KIND_STRUCT] = { "struct", 0, false },
    [VMS_KIND_STRUCT_ARRAY] = { "struct array", 0, false },
    [VMS_KIND_PCI_DEVICE] = { "PCI device", 0, false },
    [VMS_KIND_UNUSED] = { "unused", 0, false },
};

size_t vms_kind_width(VmsKind kind)
{
    return (unsigned)kind < G_N_ELEMENTS(vms_kinds) ? vms_kinds[kind].width : 0;
}

const char *vms_kind_name(VmsKind kind)
{
    return (unsigned)kind < G_N_ELEMENTS(vms_kinds) ? vms_kinds[kind].name
                                                    : "invalid";
}

bool vms_kind_signed(VmsKind kind)
{
    return vms_kinds[kind].is_signed;
}

/*
 * The member's bits, zero-extended.  offset and width come from
 * offsetof() and the member's own type, so the access is aligned; a bool
 * is read as its byte.
 */
uint64_t vms_get_local(const void *p, size_t width)
{
    switch (width) {
    case 1:
        return *(const uint8_t *)p;
    case 2:
        return *(const uint16_t *)p;
    case 4:
        return *(const uint32_t *)p;
    default:
        return *(const uint64_t *)p;
    }
}

static void vms_set_local(void *p, size_t width, uint64_t raw)
{
    switch (width) {
    case 1:
        *(uint8_t *)p = (uint8_t)raw;
        break;
    case 2:
        *(uint16_t *)p = (uint16_t)raw;
        break;
    case 4:
        *(uint32_t *)p = (uint32_t)raw;
        break;
    default:
        *(uint64_t *)p = raw;
        break;
    }
}

static int64_t vms_sign_extend(uint64_t raw, size_t width)
{
    unsigned shift = 64 - 8 * (unsigned)width;

    return (int64_t)(raw << shift) >> shift;
}

/* A local integer as a signed value (VBUFFER lengths). */
int64_t vms_get_integer(const void *p, VmsKind kind)
{
    size_t width = vms_kind_width(kind);
    uint64_t raw = vms_get_local(p, width);

    if (vms_kind_signed(kind)) {
        return vms_sign_extend(raw, width);
    }
    /* A u64 length above INT64_MAX reads as negative: absurd either way. */
    return (int64_t)raw;
}

/* ------------------------------------------------------------ save */

bool vms_field_present(const VmsField *f, const void *opaque, int version)
{
    /* QEMU ignores the field version when a test function is set; ours
     * needs both, and our tables never set both. */
    return version >= f->since_version &&
           (f->present == NULL || f->present(opaque));
}

static void vms_save_scalar(VmsWriter *w, VmsKind kind, const void *p)
{
    size_t width = vms_kind_width(kind);
    uint64_t raw = vms_get_local(p, width);
    uint8_t bytes[8];

    if (kind == VMS_KIND_BOOL) {
        raw = raw != 0; /* 0 or 1, whatever the byte holds */
    }
    for (size_t i = 0; i < width; i++) {
        bytes[i] = (uint8_t)(raw >> (8 * (width - 1 - i)));
    }
    vms_write_bytes(w, bytes, width);
}

static void vms_save_struct(VmsWriter *w, const VmsDescription *d, void *opaque,
                            unsigned depth);

static void vms_save_pci(VmsWriter *w, const VmsPciDevice *pci)
{
    vms_write_be32(w, VMS_PCI_VERSION);
    vms_write_bytes(w, pci->config, VMS_PCI_CONFIG_SIZE);
    for (int i = 0; i < VMS_PCI_NUM_PINS; i++) {
        vms_write_be32(w, pci->irq_state[i]);
    }
}

static void vms_save_vbuffer(VmsWriter *w, const VmsField *f,
                             const uint8_t *base)
{
    int64_t len = vms_get_integer(base + f->length_offset, f->length_kind);
    uint8_t *data;

    memcpy(&data, base + f->offset, sizeof(data));
    if (len < 0 || (len > 0 && data == NULL)) {
        /* Our own state is broken: say so; a load of this will fail. */
        g_critical("vmstate: %s: local length %" PRId64 " with buffer %p",
                   f->name, len, (void *)data);
        return;
    }
    vms_write_bytes(w, data, (size_t)len);
}

static void vms_save_field(VmsWriter *w, const VmsField *f, uint8_t *base,
                           unsigned depth)
{
    uint8_t *p = base + f->offset;

    switch (f->kind) {
    case VMS_KIND_ARRAY:
        for (size_t i = 0; i < f->count; i++) {
            vms_save_scalar(w, f->elem_kind, p + i * f->size);
        }
        break;
    case VMS_KIND_BUFFER:
        vms_write_bytes(w, p + f->start, f->size - f->start);
        break;
    case VMS_KIND_VBUFFER:
        vms_save_vbuffer(w, f, base);
        break;
    case VMS_KIND_STRUCT:
        vms_save_struct(w, f->vmsd, p, depth + 1);
        break;
    case VMS_KIND_STRUCT_ARRAY:
        for (size_t i = 0; i < f->count; i++) {
            vms_save_struct(w, f->vmsd, p + i * f->size, depth + 1);
        }
        break;
    case VMS_KIND_PCI_DEVICE:
        vms_save_pci(w, (const VmsPciDevice *)p);
        break;
    case VMS_KIND_UNUSED:
        vms_write_zeros(w, f->size);
        break;
    default:
        vms_save_scalar(w, f->kind, p);
        break;
    }
}

static void vms_save_struct(VmsWriter *w, const VmsDescription *d, void *opaque,
                            unsigned depth)
{
    if (depth >= VMS_MAX_DEPTH) {
        /* vms_description_check() rejects such a table. */
        g_critical("vmstate: %s nested deeper than %d", d->name, VMS_MAX_DEPTH);
        return;
    }
    if (d->pre_save != NULL) {
        d->pre_save(opaque);
    }
    for (const VmsField *f = d->fields; f != NULL && f->kind != VMS_KIND_END;
         f++) {
        if (vms_field_present(f, opaque, d->version)) {
            vms_save_field(w, f, opaque, depth);
        }
    }
    if (d->subsections == NULL) {
        return;
    }
    for (const VmsDescription *const *s = d->subsections; *s != NULL; s++) {
        const VmsDescription *sub = *s;
        size_t len = strlen(sub->name);

        if (sub->needed != NULL && !sub->needed(opaque)) {
            continue;
        }
        vms_write_u8(w, VMS_SUBSECTION);
        vms_write_u8(w, (uint8_t)len);
        vms_write_bytes(w, sub->name, len);
        vms_write_be32(w, (uint32_t)sub->version);
        vms_save_struct(w, sub, opaque, depth + 1);
    }
}

void vms_save(VmsWriter *w, const VmsDescription *d, void *opaque)
{
    vms_save_struct(w, d, opaque, 0);
}

/* ------------------------------------------------------------ load */

typedef enum VmsFrameType {
    VMS_FRAME_FIELD,      /* ".name" */
    VMS_FRAME_INDEX,      /* "[i]" */
    VMS_FRAME_SUBSECTION, /* "/name" without the owner's "owner/" */
} VmsFrameType;

typedef struct VmsFrame {
    VmsFrameType type;
    const char *name;  /* FIELD, SUBSECTION */
    const char *owner; /* SUBSECTION: the owning description's name */
    size_t index;      /* INDEX */
} VmsFrame;

typedef struct VmsLoad {
    VmsReader *r;
    GError **error;
    unsigned depth;
    unsigned nframes; /* may exceed VMS_MAX_FRAMES; the rest is dropped */
    VmsFrame frames[VMS_MAX_FRAMES];
} VmsLoad;

static void vms_push(VmsLoad *ld, VmsFrameType type, const char *name,
                     const char *owner, size_t index)
{
    if (ld->nframes < VMS_MAX_FRAMES) {
        ld->frames[ld->nframes] = (VmsFrame){ type, name, owner, index };
    }
    ld->nframes++;
}

static void vms_append_path(const VmsLoad *ld, GString *s)
{
    unsigned n = MIN(ld->nframes, (unsigned)VMS_MAX_FRAMES);

    for (unsigned i = 0; i < n; i++) {
        const VmsFrame *fr = &ld->frames[i];
        size_t owner_len;

        switch (fr->type) {
        case VMS_FRAME_FIELD:
            if (s->len > 0) {
                g_string_append_c(s, '.');
            }
            g_string_append(s, fr->name);
            break;
        case VMS_FRAME_INDEX:
            g_string_append_printf(s, "[%zu]", fr->index);
            break;
        case VMS_FRAME_SUBSECTION:
            owner_len = strlen(fr->owner);
            g_string_append_c(s, '/');
            if (strncmp(fr->name, fr->owner, owner_len) == 0 &&
                fr->name[owner_len] == '/') {
                g_string_append(s, fr->name + owner_len + 1);
            } else {
                g_string_append(s, fr->name);
            }
            break;
        }
    }
    if (ld->nframes > n) {
        g_string_append(s, "...");
    }
}

/* "PATH at byte OFFSET: reason"; always returns false. */
static bool G_GNUC_PRINTF(3, 4)
    vms_fail(VmsLoad *ld, size_t offset, const char *fmt, ...)
{
    GString *s = g_string_new(NULL);
    va_list ap;

    vms_append_path(ld, s);
    g_string_append_printf(s, "%sat byte %zu: ", s->len > 0 ? " " : "", offset);
    va_start(ap, fmt);
    g_string_append_vprintf(s, fmt, ap);
    va_end(ap);
    g_set_error_literal(ld->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, s->str);
    g_string_free(s, TRUE);
    return false;
}

/* The reader ran out at its offset, n bytes were needed. */
static bool vms_fail_truncated(VmsLoad *ld, size_t n)
{
    return vms_fail(ld, ld->r->pos, "truncated (needs %zu bytes, %zu left)", n,
                    vms_reader_left(ld->r));
}

/* Adds the leaf frames (a field and maybe an index) for a failing field. */
static void vms_push_leaf(VmsLoad *ld, const char *name, size_t index)
{
    vms_push(ld, VMS_FRAME_FIELD, name, NULL, 0);
    if (index != VMS_NO_INDEX) {
        vms_push(ld, VMS_FRAME_INDEX, NULL, NULL, index);
    }
}

static bool vms_read_raw(VmsReader *r, size_t width, uint64_t *raw)
{
    uint8_t bytes[8];
    uint64_t v = 0;

    if (!vms_read_bytes(r, bytes, width)) {
        return false;
    }
    for (size_t i = 0; i < width; i++) {
        v = v << 8 | bytes[i];
    }
    *raw = v;
    return true;
}

/* VMS_F_RANGE: signed kinds compare as int64, unsigned ones as uint64. */
static bool vms_in_range(const VmsField *f, VmsKind kind, uint64_t raw)
{
    if (vms_kind_signed(kind)) {
        int64_t v = vms_sign_extend(raw, vms_kind_width(kind));
        return v >= f->min && v <= f->max;
    }
    return raw >= (uint64_t)f->min && raw <= (uint64_t)f->max;
}

/* One scalar of the given kind, checked against the field's flags. */
static bool vms_load_scalar(VmsLoad *ld, const VmsField *f, VmsKind kind,
                            void *p, size_t index)
{
    size_t width = vms_kind_width(kind);
    size_t start = ld->r->pos;
    uint64_t raw;

    if (!vms_read_raw(ld->r, width, &raw)) {
        vms_push_leaf(ld, f->name, index);
        return vms_fail_truncated(ld, width);
    }
    if (kind == VMS_KIND_BOOL) {
        raw = raw != 0;
    }
    if (f->flags & VMS_F_EQUAL) {
        uint64_t local = vms_get_local(p, width);
        if (kind == VMS_KIND_BOOL) {
            local = local != 0;
        }
        if (local != raw) {
            /* QEMU's wording: local value first, both in hex. */
            vms_push_leaf(ld, f->name, index);
            return vms_fail(ld, start, "%" PRIx64 " != %" PRIx64, local, raw);
        }
    }
    if ((f->flags & VMS_F_RANGE) && kind != VMS_KIND_BOOL &&
        !vms_in_range(f, kind, raw)) {
        vms_push_leaf(ld, f->name, index);
        if (vms_kind_signed(kind)) {
            return vms_fail(ld, start,
                            "%" PRId64 " outside %" PRId64 "..%" PRId64,
                            vms_sign_extend(raw, width), f->min, f->max);
        }
        return vms_fail(ld, start, "%" PRIu64 " outside %" PRIu64 "..%" PRIu64,
                        raw, (uint64_t)f->min, (uint64_t)f->max);
    }
    vms_set_local(p, width, raw);
    return true;
}

static bool vms_load_bytes(VmsLoad *ld, const VmsField *f, void *dst, size_t n)
{
    if (!vms_read_bytes(ld->r, dst, n)) {
        vms_push_leaf(ld, f->name, VMS_NO_INDEX);
        return vms_fail_truncated(ld, n);
    }
    return true;
}

static bool vms_load_vbuffer(VmsLoad *ld, const VmsField *f, uint8_t *base)
{
    int64_t len = vms_get_integer(base + f->length_offset, f->length_kind);
    uint8_t *data;

    memcpy(&data, base + f->offset, sizeof(data));
    /* The length is local, never from the stream: these are our bugs. */
    if (len < 0) {
        vms_push_leaf(ld, f->name, VMS_NO_INDEX);
        return vms_fail(ld, ld->r->pos, "local length %" PRId64 " is negative",
                        len);
    }
    if (len > 0 && data == NULL) {
        vms_push_leaf(ld, f->name, VMS_NO_INDEX);
        return vms_fail(ld, ld->r->pos, "no buffer for local length %" PRId64,
                        len);
    }
    return vms_load_bytes(ld, f, data, (size_t)len);
}

static bool vms_load_subsections(VmsLoad *ld, const VmsDescription *d,
                                 void *opaque);

/* QEMU's name for the PCI block, which owns no subsections. */
static const VmsDescription vms_pci_vmsd = {
    .name = "PCIDevice",
    .version = VMS_PCI_VERSION,
    .min_version = 1,
};

/*
 * PCIDevice: the version is QEMU's INT32_POSITIVE_LE against a local 2
 * (0 <= v <= 2 passes); config bits under load_check_mask must keep their
 * current value; each irq_state is 0 or 1.
 */
static bool vms_load_pci(VmsLoad *ld, const VmsField *f, VmsPciDevice *pci)
{
    VmsReader *r = ld->r;
    uint8_t config[VMS_PCI_CONFIG_SIZE];
    uint32_t irq_state[VMS_PCI_NUM_PINS];
    size_t start = r->pos;
    uint32_t version;

    vms_push(ld, VMS_FRAME_FIELD, f->name, NULL, 0);
    if (!vms_read_be32(r, &version)) {
        vms_push_leaf(ld, "version_id", VMS_NO_INDEX);
        return vms_fail_truncated(ld, 4);
    }
    if ((int32_t)version < 0 || (int32_t)version > VMS_PCI_VERSION) {
        vms_push_leaf(ld, "version_id", VMS_NO_INDEX);
        return vms_fail(ld, start,
                        "Invalid value %" PRId32
                        " expecting positive value <= %d",
                        (int32_t)version, VMS_PCI_VERSION);
    }
    start = r->pos;
    if (!vms_read_bytes(r, config, sizeof(config))) {
        vms_push_leaf(ld, "config", VMS_NO_INDEX);
        return vms_fail_truncated(ld, sizeof(config));
    }
    for (size_t i = 0; i < sizeof(config); i++) {
        uint8_t mask = pci->load_check_mask[i];
        if ((config[i] ^ pci->config[i]) & mask) {
            vms_push_leaf(ld, "config", VMS_NO_INDEX);
            return vms_fail(ld, start + i,
                            "Bad config data: i=0x%zx read: %x device: %x "
                            "mask: %x",
                            i, config[i], pci->config[i], mask);
        }
    }
    for (size_t i = 0; i < VMS_PCI_NUM_PINS; i++) {
        start = r->pos;
        if (!vms_read_be32(r, &irq_state[i])) {
            vms_push_leaf(ld, "irq_state", i);
            return vms_fail_truncated(ld, 4);
        }
        if (irq_state[i] > 1) {
            /* QEMU prints the value, not the pin. */
            vms_push_leaf(ld, "irq_state", i);
            return vms_fail(ld, start, "irq state %" PRId32 ": must be 0 or 1.",
                            (int32_t)irq_state[i]);
        }
    }
    memcpy(pci->config, config, sizeof(config));
    memcpy(pci->irq_state, irq_state, sizeof(irq_state));
    /* QEMU's PCIDevice is a struct: its (empty) subsection loop runs. */
    if (!vms_load_subsections(ld, &vms_pci_vmsd, pci)) {
        return false;
    }
    ld->nframes--;
    return true;
}

static bool vms_load_struct(VmsLoad *ld, const VmsDescription *d, void *opaque,
                            int version, size_t start);

static bool vms_load_field(VmsLoad *ld, const VmsField *f, uint8_t *base)
{
    uint8_t *p = base + f->offset;
    unsigned mark = ld->nframes;

    switch (f->kind) {
    case VMS_KIND_ARRAY:
        for (size_t i = 0; i < f->count; i++) {
            if (!vms_load_scalar(ld, f, f->elem_kind, p + i * f->size, i)) {
                return false;
            }
        }
        return true;
    case VMS_KIND_BUFFER:
        return vms_load_bytes(ld, f, p + f->start, f->size - f->start);
    case VMS_KIND_VBUFFER:
        return vms_load_vbuffer(ld, f, base);
    case VMS_KIND_STRUCT:
        /* No header: a struct loads with its own current version. */
        vms_push(ld, VMS_FRAME_FIELD, f->name, NULL, 0);
        if (!vms_load_struct(ld, f->vmsd, p, f->vmsd->version, ld->r->pos)) {
            return false;
        }
        ld->nframes = mark;
        return true;
    case VMS_KIND_STRUCT_ARRAY:
        vms_push(ld, VMS_FRAME_FIELD, f->name, NULL, 0);
        for (size_t i = 0; i < f->count; i++) {
            vms_push(ld, VMS_FRAME_INDEX, NULL, NULL, i);
            if (!vms_load_struct(ld, f->vmsd, p + i * f->size, f->vmsd->version,
                                 ld->r->pos)) {
                return false;
            }
            ld->nframes = mark + 1;
        }
        ld->nframes = mark;
        return true;
    case VMS_KIND_PCI_DEVICE:
        return vms_load_pci(ld, f, (VmsPciDevice *)p);
    case VMS_KIND_UNUSED:
        if (!vms_skip(ld->r, f->size)) {
            vms_push_leaf(ld, f->name, VMS_NO_INDEX);
            return vms_fail_truncated(ld, f->size);
        }
        return true;
    default:
        return vms_load_scalar(ld, f, f->kind, p, VMS_NO_INDEX);
    }
}

static const VmsDescription *
vms_find_subsection(const VmsDescription *d, const uint8_t *name, size_t len)
{
    if (d->subsections == NULL) {
        return NULL;
    }
    for (const VmsDescription *const *s = d->subsections; *s != NULL; s++) {
        if (strlen((*s)->name) == len && memcmp((*s)->name, name, len) == 0) {
            return *s;
        }
    }
    return NULL;
}

/* A stream name for a message: printable ASCII, the rest as \xNN. */
static char *vms_escape_name(const uint8_t *name, size_t len)
{
    GString *s = g_string_sized_new(len);

    for (size_t i = 0; i < len; i++) {
        if (name[i] >= 0x20 && name[i] < 0x7f && name[i] != '\\' &&
            name[i] != '\'') {
            g_string_append_c(s, (char)name[i]);
        } else {
            g_string_append_printf(s, "\\x%02x", name[i]);
        }
    }
    return g_string_free(s, FALSE);
}

/*
 * QEMU's subsection loop (§1.4): while the next byte is 0x05, a name that
 * is too short or lacks the owner's prefix ends the loop successfully and
 * stays unread (it belongs to whatever follows); a prefixed name that is
 * not ours is an error.
 *
 * The reader holds the rest of the file, so a header that the end of the
 * data cuts short is reported as truncated, unless the bytes that are
 * there already show it is not ours.  QEMU's peeks read zeros past the
 * end and end the loop instead.  The two differ only when the data ends
 * inside something that starts like one of our headers, which a complete
 * file (it ends with the EOF byte) does not do in practice; in return,
 * every prefix of a valid stream fails with a message naming the field.
 */
static bool vms_load_subsections(VmsLoad *ld, const VmsDescription *d,
                                 void *opaque)
{
    VmsReader *r = ld->r;
    size_t owner_len = strlen(d->name);
    uint8_t mark;

    while (vms_peek_u8(r, &mark) && mark == VMS_SUBSECTION) {
        size_t start = r->pos;
        size_t left = vms_reader_left(r);
        const VmsDescription *sub;
        const uint8_t *name;
        unsigned frames = ld->nframes;
        uint32_t version;
        size_t len;

        if (left < 2) {
            return vms_fail_truncated(ld, 2);
        }
        len = r->data[start + 1];
        name = r->data + start + 2;
        if (len < owner_len + 1 ||
            memcmp(name, d->name, MIN(owner_len, left - 2)) != 0) {
            break;
        }
        if (left - 2 < len) {
            return vms_fail_truncated(ld, 2 + len);
        }
        sub = vms_find_subsection(d, name, len);
        if (sub == NULL) {
            g_autofree char *text = vms_escape_name(name, len);
            return vms_fail(ld, start, "unknown subsection '%s'", text);
        }
        vms_skip(r, 2 + len);
        vms_push(ld, VMS_FRAME_SUBSECTION, sub->name, d->name, 0);
        if (!vms_read_be32(r, &version)) {
            return vms_fail_truncated(ld, 4);
        }
        /* QEMU reads this be32 into a uint8_t: only the low byte counts,
         * so 0x00000101 is version 1. */
        if (!vms_load_struct(ld, sub, opaque, (int)(version & 0xff), start)) {
            return false;
        }
        ld->nframes = frames;
    }
    return true;
}

static bool vms_run_post_load(VmsLoad *ld, const VmsDescription *d,
                              void *opaque, int version)
{
    GError *local = NULL;

    if (d->post_load(opaque, version, &local)) {
        g_clear_error(&local);
        return true;
    }
    if (local == NULL) {
        local = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "%s: post_load failed", d->name);
    }
    if (ld->nframes > 0) {
        GString *path = g_string_new(NULL);
        vms_append_path(ld, path);
        g_prefix_error(&local, "%s: ", path->str);
        g_string_free(path, TRUE);
    }
    g_propagate_error(ld->error, local);
    return false;
}

/* start: where this struct's bytes (or its subsection header) begin. */
static bool vms_load_struct(VmsLoad *ld, const VmsDescription *d, void *opaque,
                            int version, size_t start)
{
    if (ld->depth >= VMS_MAX_DEPTH) {
        return vms_fail(ld, start, "%s: nested deeper than %d", d->name,
                        VMS_MAX_DEPTH);
    }
    if (version > d->version) {
        return vms_fail(ld, start,
                        "%s: incoming version_id %d is too new for "
                        "local version_id %d",
                        d->name, version, d->version);
    }
    if (version < d->min_version) {
        return vms_fail(ld, start,
                        "%s: incoming version_id %d is too old for "
                        "local minimum version_id %d",
                        d->name, version, d->min_version);
    }
    ld->depth++;
    if (d->pre_load != NULL) {
        d->pre_load(opaque);
    }
    for (const VmsField *f = d->fields; f != NULL && f->kind != VMS_KIND_END;
         f++) {
        /* present() sees what has been loaded so far (IDE identify). */
        if (vms_field_present(f, opaque, version) &&
            !vms_load_field(ld, f, opaque)) {
            return false;
        }
    }
    if (!vms_load_subsections(ld, d, opaque)) {
        return false;
    }
    if (d->post_load != NULL && !vms_run_post_load(ld, d, opaque, version)) {
        return false;
    }
    ld->depth--;
    return true;
}

bool vms_load(VmsReader *r, const VmsDescription *d, void *opaque, int version,
              GError **error)
{
    VmsLoad ld = { .r = r, .error = error };

    return vms_load_struct(&ld, d, opaque, version, r->pos);
}
