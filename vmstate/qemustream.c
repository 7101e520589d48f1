/*
 * QEMU 7.2's migration stream: walks every record, decodes our sections
 * and steps over the rest (see qemustream.h).  Everything read comes from
 * outside: every length is checked against what is left, and every error
 * names the byte offset.  Source of the encodings: QEMU 7.2
 * migration/savevm.c (records, configuration, footers).  The JSON
 * description and RAM are in qemustream-records.c.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "vmstate/qemustream-internal.h"
#include "vmstate/savevm.h"

const char *qemu_stream_how_name(QemuStreamHow how)
{
    switch (how) {
    case QEMU_STREAM_DECODED:
        return "decoded";
    case QEMU_STREAM_SKIP_VMDESC:
        return "skipped (size from the JSON description)";
    case QEMU_STREAM_SKIP_SEARCH:
        return "skipped (up to the next section header found)";
    case QEMU_STREAM_SKIP_RAM:
        return "skipped (RAM page records)";
    case QEMU_STREAM_HOW_MAX:
        break;
    }
    return "?";
}

/* ------------------------------------------------------------ header */

static bool qs_header(Parser *p, GError **error)
{
    uint32_t magic, version;

    if (!vms_read_be32(&p->r, &magic)) {
        return qs_fail(error, 0,
                       "truncated: a device-state file starts with 8 header "
                       "bytes");
    }
    if (magic != SAVEVM_MAGIC) {
        return qs_fail(error, 0,
                       "Not a migration stream (magic 0x%08x, expected "
                       "0x%08x \"QEVM\")",
                       magic, SAVEVM_MAGIC);
    }
    if (!vms_read_be32(&p->r, &version)) {
        return qs_fail(error, 4, "truncated: no format version");
    }
    if (version == SAVEVM_VERSION_COMPAT) {
        return qs_fail(error, 4,
                       "SaveVM v2 format is obsolete and don't work anymore");
    }
    if (version != SAVEVM_VERSION) {
        return qs_fail(error, 4,
                       "Unsupported migration stream version %u (expected %d)",
                       version, SAVEVM_VERSION);
    }
    return true;
}

/* The configuration vmsd: be32 len, the machine, then its subsections. */
static bool qs_configuration(Parser *p, GError **error)
{
    VmsReader *r = &p->r;
    size_t start = r->pos - 1;
    uint32_t n;
    uint8_t type;

    if (!vms_read_be32(r, &n) || n > 255 || n > vms_reader_left(r)) {
        return qs_fail(error, start,
                       "truncated or bad configuration record (machine name "
                       "length)");
    }
    g_autofree char *raw = g_strndup((const char *)r->data + r->pos, n);
    p->qs->machine = g_strescape(raw, NULL); /* for display only */
    vms_skip(r, n);
    while (vms_peek_u8(r, &type) && type == SAVEVM_SUBSECTION) {
        size_t at = r->pos;
        char name[256];
        uint32_t version, count, bits;
        vms_skip(r, 1);
        if (!qs_read_name(r, name) || !vms_read_be32(r, &version)) {
            return qs_fail(error, at, "truncated configuration subsection");
        }
        if (strcmp(name, "configuration/target-page-bits") == 0) {
            if (!vms_read_be32(r, &bits)) {
                return qs_fail(error, at, "truncated %s", name);
            }
            if (bits < 9 || bits > 16) {
                return qs_fail(error, at, "%s: %u is not a page size", name,
                               bits);
            }
            p->qs->page_size = 1u << bits;
        } else if (strcmp(name, "configuration/capabilities") == 0) {
            if (!vms_read_be32(r, &count) || count > 64) {
                return qs_fail(error, at, "truncated or bad %s", name);
            }
            for (uint32_t i = 0; i < count; i++) {
                char cap[256];
                if (!qs_read_name(r, cap)) {
                    return qs_fail(error, at, "truncated %s", name);
                }
                if (strcmp(cap, "x-ignore-shared") == 0) {
                    p->ignore_shared = true;
                }
            }
        } else if (strcmp(name, "configuration/uuid") == 0) {
            if (!vms_skip(r, 16)) {
                return qs_fail(error, at, "truncated %s", name);
            }
        } else {
            g_autofree char *shown = g_strescape(name, NULL);
            return qs_fail(error, at, "unknown configuration subsection '%s'",
                           shown);
        }
    }
    p->qs->config_len = r->pos - start;
    return true;
}

/* ------------------------------------------------------------ sections */

static void *scratch_new(const VmsSection *s)
{
    if (s->scratch_new != NULL) {
        return s->scratch_new(s->opaque);
    }
    void *scratch = g_malloc(s->vmsd->size);

    memcpy(scratch, s->opaque, s->vmsd->size);
    return scratch;
}

static void scratch_free(const VmsSection *s, void *scratch)
{
    if (s->scratch_free != NULL) {
        s->scratch_free(scratch);
    } else {
        g_free(scratch);
    }
}

/* Decodes one of ours into a throw-away copy: validates, finds the end. */
static bool qs_decode_ours(Parser *p, QemuStreamSection *s, GError **error)
{
    const VmsSection *vs = s->section;

    if (s->version_id > (uint32_t)vs->vmsd->version) {
        return qs_fail(error, s->offset,
                       "savevm: unsupported version %u for '%s' v%d",
                       s->version_id, s->idstr, vs->vmsd->version);
    }
    for (guint i = 0; i < p->qs->sections->len; i++) {
        if (g_array_index(p->qs->sections, QemuStreamSection, i).section ==
            vs) {
            return qs_fail(error, s->offset, "section '%s' appears twice",
                           vs->idstr);
        }
    }
    void *scratch = scratch_new(vs);
    bool ok = vms_load(&p->r, vs->vmsd, scratch, (int)s->version_id, error);
    scratch_free(vs, scratch);
    if (!ok) {
        g_prefix_error(error, "%s: ", s->idstr);
    }
    return ok;
}

/* A header QEMU could have written: printable name, small numbers. */
static bool plausible_header(const uint8_t *d, size_t left)
{
    if (left < 15 || d[0] != SAVEVM_SECTION_FULL || d[5] == 0 || d[5] > 80 ||
        left < 14u + d[5]) {
        return false;
    }
    for (unsigned i = 0; i < d[5]; i++) {
        if (d[6 + i] < 0x20 || d[6 + i] > 0x7e) {
            return false;
        }
    }
    const uint8_t *tail = d + 6 + d[5];
    /* instance_id and version_id below 0x10000; section id below 2^20 */
    return d[1] == 0 && d[2] < 0x10 && tail[0] == 0 && tail[1] == 0 &&
           tail[4] == 0 && tail[5] == 0;
}

static uint32_t be32_at(const uint8_t *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 |
           d[3];
}

/*
 * Without a description: the section ends where the next header starts,
 * or, in a stream with footers, at its own footer followed by a header or
 * EOF.  The last section of a file ends before the final EOF byte.
 */
static bool qs_search_end(Parser *p, QemuStreamSection *s, GError **error)
{
    VmsReader *r = &p->r;

    for (size_t at = r->pos; at < r->len; at++) {
        const uint8_t *d = r->data + at;
        size_t left = r->len - at;
        if (p->qs->footers) {
            if (left >= 6 && d[0] == QS_FOOTER &&
                be32_at(d + 1) == s->section_id &&
                (d[5] == SAVEVM_EOF || plausible_header(d + 5, left - 5))) {
                r->pos = at;
                return true;
            }
        } else if (plausible_header(d, left)) {
            r->pos = at;
            return true;
        }
    }
    if (p->qs->footers || r->len == r->pos ||
        r->data[r->len - 1] != SAVEVM_EOF) {
        return qs_fail(error, s->offset,
                       "truncated: no end of section '%s' found (the stream "
                       "has no JSON description to give its size)",
                       s->idstr);
    }
    r->pos = r->len - 1;
    return true;
}

/* Steps over a FULL section we do not model. */
static bool qs_skip_foreign(Parser *p, QemuStreamSection *s, GError **error)
{
    if (p->vmdesc == NULL) {
        s->how = QEMU_STREAM_SKIP_SEARCH;
        return qs_search_end(p, s, error);
    }
    /* qs_vmdesc_match took this section's entry. */
    const VmdescDevice *dev =
        &g_array_index(p->vmdesc, VmdescDevice, p->vmdesc_next - 1);
    if (dev->size > vms_reader_left(&p->r)) {
        return qs_fail(
            error, s->offset,
            "truncated: the JSON description gives '%s' %" G_GUINT64_FORMAT
            " bytes, %zu are left",
            s->idstr, dev->size, vms_reader_left(&p->r));
    }
    s->how = QEMU_STREAM_SKIP_VMDESC;
    vms_skip(&p->r, dev->size);
    return true;
}

/* The description's entry for the next FULL section must name it. */
static bool qs_vmdesc_match(Parser *p, const QemuStreamSection *s,
                            GError **error)
{
    if (p->vmdesc == NULL) {
        return true;
    }
    if (p->vmdesc_next >= p->vmdesc->len) {
        return qs_fail(error, s->offset,
                       "the JSON description lists fewer sections than the "
                       "stream has ('%s' is not in it)",
                       s->idstr);
    }
    const VmdescDevice *dev =
        &g_array_index(p->vmdesc, VmdescDevice, p->vmdesc_next);
    if (strcmp(dev->name, s->idstr) != 0 ||
        dev->instance_id != s->instance_id) {
        g_autofree char *name = g_strescape(dev->name, NULL);
        return qs_fail(error, s->offset,
                       "the stream has '%s' %u where the JSON description "
                       "has '%s' %u",
                       s->idstr, s->instance_id, name, dev->instance_id);
    }
    p->vmdesc_next++;
    return true;
}

/* FULL or START: the header, then the body by its kind. */
static bool qs_section_full(Parser *p, QemuStreamSection *s, GError **error)
{
    VmsReader *r = &p->r;
    uint8_t idlen;

    if (!vms_read_be32(r, &s->section_id) || !vms_read_u8(r, &idlen)) {
        return qs_fail(error, s->offset, "truncated section header");
    }
    if (idlen == 0) {
        return qs_fail(error, s->offset, "Unable to read ID string (length 0)");
    }
    if (!vms_read_bytes(r, s->idstr, idlen) ||
        !vms_read_be32(r, &s->instance_id) ||
        !vms_read_be32(r, &s->version_id)) {
        return qs_fail(error, s->offset, "truncated section header");
    }
    s->idstr[idlen] = '\0';
    for (unsigned i = 0; i < idlen; i++) {
        /* QEMU's names are printable ASCII; messages quote them. */
        if ((uint8_t)s->idstr[i] < 0x20 || (uint8_t)s->idstr[i] > 0x7e) {
            return qs_fail(error, s->offset,
                           "section name byte %u is 0x%02x, not printable "
                           "ASCII as QEMU writes",
                           i, (uint8_t)s->idstr[i]);
        }
    }
    s->body_offset = r->pos;
    if (s->type == SAVEVM_SECTION_START) {
        if (strcmp(s->idstr, "ram") != 0) {
            return qs_fail(error, s->offset,
                           "cannot step over the iterative section '%s' (only "
                           "RAM's encoding is known)",
                           s->idstr);
        }
        g_hash_table_insert(p->iterative, GUINT_TO_POINTER(s->section_id),
                            g_strdup(s->idstr));
        s->how = QEMU_STREAM_SKIP_RAM;
        return qs_ram(p, s, error);
    }
    if (!qs_vmdesc_match(p, s, error)) {
        return false;
    }
    s->section = vms_registry_find(p->registry, s->idstr, s->instance_id);
    if (s->section == NULL) {
        return qs_skip_foreign(p, s, error);
    }
    s->how = QEMU_STREAM_DECODED;
    if (!qs_decode_ours(p, s, error)) {
        return false;
    }
    if (p->vmdesc != NULL) {
        const VmdescDevice *dev =
            &g_array_index(p->vmdesc, VmdescDevice, p->vmdesc_next - 1);
        if (dev->size != r->pos - s->body_offset) {
            return qs_fail(error, s->offset,
                           "'%s': the JSON description says %" G_GUINT64_FORMAT
                           " body bytes, the decoded body has %zu",
                           s->idstr, dev->size, r->pos - s->body_offset);
        }
    }
    return true;
}

/* PART or END of an iterative (RAM) section started earlier. */
static bool qs_section_part(Parser *p, QemuStreamSection *s, GError **error)
{
    if (!vms_read_be32(&p->r, &s->section_id)) {
        return qs_fail(error, s->offset, "truncated section header");
    }
    const char *idstr =
        g_hash_table_lookup(p->iterative, GUINT_TO_POINTER(s->section_id));
    if (idstr == NULL) {
        return qs_fail(error, s->offset,
                       "section id %u continues no section started before",
                       s->section_id);
    }
    g_strlcpy(s->idstr, idstr, sizeof(s->idstr));
    s->body_offset = p->r.pos;
    s->how = QEMU_STREAM_SKIP_RAM;
    return qs_ram(p, s, error);
}

/* 0x7e + be32 section id, when the stream has footers. */
static bool qs_footer(Parser *p, QemuStreamSection *s, GError **error)
{
    uint8_t type;
    uint32_t id;
    size_t at = p->r.pos;

    if (!vms_peek_u8(&p->r, &type) || type != QS_FOOTER) {
        return true;
    }
    vms_skip(&p->r, 1);
    if (!vms_read_be32(&p->r, &id)) {
        return qs_fail(error, at, "truncated section footer for %s", s->idstr);
    }
    if (id != s->section_id) {
        return qs_fail(error, at,
                       "Mismatched section id in footer for %s -"
                       " read 0x%x expected 0x%x",
                       s->idstr, id, s->section_id);
    }
    s->footer = true;
    p->qs->footers = true;
    return true;
}

static bool qs_sections(Parser *p, GError **error)
{
    VmsReader *r = &p->r;

    for (;;) {
        QemuStreamSection s = { 0 };
        uint8_t type;
        bool ok;

        s.offset = r->pos;
        if (!vms_read_u8(r, &type)) {
            return qs_fail(error, s.offset,
                           "truncated: the file ends without its "
                           "end-of-file marker");
        }
        s.type = type;
        switch (type) {
        case SAVEVM_EOF:
            p->qs->eof_found = true;
            p->qs->eof_offset = s.offset;
            return true;
        case SAVEVM_SECTION_FULL:
        case SAVEVM_SECTION_START:
            ok = qs_section_full(p, &s, error);
            break;
        case SAVEVM_SECTION_PART:
        case SAVEVM_SECTION_END:
            ok = qs_section_part(p, &s, error);
            break;
        case QS_COMMAND: {
            uint16_t cmd, n;
            if (!vms_read_be16(r, &cmd) || !vms_read_be16(r, &n) ||
                !vms_skip(r, n)) {
                return qs_fail(error, s.offset, "truncated command record");
            }
            continue;
        }
        default:
            return qs_fail(error, s.offset, "Unknown savevm section type %u",
                           type);
        }
        if (!ok) {
            return false;
        }
        s.body_len = r->pos - s.body_offset;
        if (!qs_footer(p, &s, error)) {
            return false;
        }
        s.size = r->pos - s.offset;
        g_array_append_val(p->qs->sections, s);
    }
}

static bool qs_is_plain(const QemuStream *qs)
{
    if (qs->machine != NULL || qs->footers || qs->vmdesc_offset != 0 ||
        !qs->eof_found) {
        return false;
    }
    for (guint i = 0; i < qs->sections->len; i++) {
        if (g_array_index(qs->sections, QemuStreamSection, i).how !=
            QEMU_STREAM_DECODED) {
            return false;
        }
    }
    return true;
}

QemuStream *qemu_stream_parse(const VmsRegistry *registry, const uint8_t *data,
                              size_t len, GError **error)
{
    Parser p = { .registry = registry };
    uint8_t type;
    bool ok;

    p.qs = g_new0(QemuStream, 1);
    p.qs->sections = g_array_new(FALSE, TRUE, sizeof(QemuStreamSection));
    p.qs->page_size = 4096; /* x86's TARGET_PAGE_SIZE */
    p.iterative =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    vms_reader_init(&p.r, data, len);
    ok = qs_header(&p, error);
    if (ok && vms_peek_u8(&p.r, &type) && type == QS_CONFIGURATION) {
        vms_skip(&p.r, 1);
        ok = qs_configuration(&p, error);
    }
    ok = ok && qs_vmdesc_parse(&p, data, len, error) && qs_sections(&p, error);
    if (ok && p.vmdesc != NULL && p.vmdesc_next != p.vmdesc->len) {
        ok = qs_fail(error, p.qs->eof_offset,
                     "the JSON description lists %u sections, the stream "
                     "has %u",
                     p.vmdesc->len, p.vmdesc_next);
    }
    if (ok && p.qs->eof_found && p.qs->vmdesc_offset == 0 &&
        p.qs->eof_offset + 1 < len &&
        data[p.qs->eof_offset + 1] == QS_VMDESCRIPTION) {
        ok = qs_fail(error, p.qs->eof_offset + 1,
                     "truncated or bad JSON description");
    }
    if (ok && p.qs->vmdesc_offset != 0 &&
        p.qs->vmdesc_offset != p.qs->eof_offset + 1) {
        ok = qs_fail(error, p.qs->eof_offset + 1,
                     "%zu bytes between the end-of-file marker and the JSON "
                     "description",
                     p.qs->vmdesc_offset - p.qs->eof_offset - 1);
    }
    g_clear_pointer(&p.vmdesc, g_array_unref);
    g_hash_table_unref(p.iterative);
    if (!ok) {
        qemu_stream_free(p.qs);
        return NULL;
    }
    p.qs->plain = qs_is_plain(p.qs);
    return p.qs;
}

void qemu_stream_free(QemuStream *qs)
{
    if (qs == NULL) {
        return;
    }
    g_array_unref(qs->sections);
    g_free(qs->machine);
    g_free(qs);
}

GByteArray *qemu_stream_extract(const QemuStream *qs,
                                const VmsRegistry *registry,
                                const uint8_t *data, GPtrArray **ret_sources)
{
    VmsWriter w;
    GPtrArray *sources = g_ptr_array_new();

    vms_writer_init(&w);
    vms_write_be32(&w, SAVEVM_MAGIC);
    vms_write_be32(&w, SAVEVM_VERSION);
    for (guint i = 0; i < vms_registry_count(registry); i++) {
        const VmsSection *vs = vms_registry_get(registry, i);
        for (guint j = 0; j < qs->sections->len; j++) {
            const QemuStreamSection *s =
                &g_array_index(qs->sections, QemuStreamSection, j);
            if (s->section != vs) {
                continue;
            }
            size_t idlen = strlen(vs->idstr);
            vms_write_u8(&w, SAVEVM_SECTION_FULL);
            vms_write_be32(&w, vs->section_id);
            vms_write_u8(&w, (uint8_t)idlen);
            vms_write_bytes(&w, vs->idstr, idlen);
            vms_write_be32(&w, vs->instance_id);
            vms_write_be32(&w, s->version_id);
            vms_write_bytes(&w, data + s->body_offset, s->body_len);
            g_ptr_array_add(sources, (gpointer)s);
            break;
        }
    }
    vms_write_u8(&w, SAVEVM_EOF);
    if (ret_sources != NULL) {
        *ret_sources = sources;
    } else {
        g_ptr_array_unref(sources);
    }
    return vms_writer_steal(&w);
}
