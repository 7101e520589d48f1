/*
 * The device-state file.  Saving builds the whole file in memory so that
 * it reaches its target in one write; the daemon builds it in a buffer the
 * registry keeps, so a checkpoint loop does not grow a new one each time.
 * Loading is stricter than QEMU's and never partial: every section is decoded
 * into a scratch copy of its device state and validated; only when the whole
 * file passed are the devices updated, all at once.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "vmstate/savevm.h"
#include "vmstate/stream.h"

static void savevm_write(VmsRegistry *registry, VmsWriter *w)
{
    vms_write_be32(w, SAVEVM_MAGIC);
    vms_write_be32(w, SAVEVM_VERSION);
    for (guint i = 0; i < vms_registry_count(registry); i++) {
        const VmsSection *s = vms_registry_get(registry, i);
        size_t idlen = strlen(s->idstr);

        vms_write_u8(w, SAVEVM_SECTION_FULL);
        vms_write_be32(w, s->section_id);
        vms_write_u8(w, (uint8_t)idlen);
        vms_write_bytes(w, s->idstr, idlen);
        vms_write_be32(w, s->instance_id);
        vms_write_be32(w, (uint32_t)s->vmsd->version);
        vms_save(w, s->vmsd, s->opaque);
    }
    vms_write_u8(w, SAVEVM_EOF);
}

GByteArray *savevm_save(VmsRegistry *registry)
{
    VmsWriter w;

    vms_writer_init(&w);
    savevm_write(registry, &w);
    return vms_writer_steal(&w);
}

const GByteArray *savevm_save_reuse(VmsRegistry *registry)
{
    VmsWriter w = { vms_registry_save_buffer(registry) };

    g_byte_array_set_size(w.buf, 0); /* keeps its allocation */
    savevm_write(registry, &w);
    return w.buf;
}

/* A section decoded into its scratch copy, waiting for the commit. */
typedef struct LoadedSection {
    const VmsSection *section;
    void *scratch;
    uint32_t version;
    size_t offset; /* of the section type byte */
    size_t size;   /* header and body */
} LoadedSection;

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

static void scratch_commit(const VmsSection *s, void *scratch)
{
    if (s->scratch_commit != NULL) {
        s->scratch_commit(s->opaque, scratch);
    } else {
        memcpy(s->opaque, scratch, s->vmsd->size);
    }
}

static void loaded_sections_free(GArray *loaded)
{
    for (guint i = 0; i < loaded->len; i++) {
        LoadedSection *l = &g_array_index(loaded, LoadedSection, i);
        scratch_free(l->section, l->scratch);
    }
    g_array_unref(loaded);
}

static bool savevm_fail(GError **error, size_t offset, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static bool savevm_fail(GError **error, size_t offset, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "at byte %zu: %s",
                offset, text);
    return false;
}

static bool savevm_check_header(VmsReader *r, GError **error)
{
    uint32_t magic, version;

    if (!vms_read_be32(r, &magic)) {
        return savevm_fail(error, 0,
                           "truncated: a device-state file starts "
                           "with 8 header bytes");
    }
    if (magic != SAVEVM_MAGIC) {
        return savevm_fail(error, 0,
                           "Not a migration stream (magic 0x%08x, expected "
                           "0x%08x \"QEVM\")",
                           magic, SAVEVM_MAGIC);
    }
    if (!vms_read_be32(r, &version)) {
        return savevm_fail(error, 4, "truncated: no format version");
    }
    if (version == SAVEVM_VERSION_COMPAT) {
        return savevm_fail(error, 4,
                           "SaveVM v2 format is obsolete and don't work "
                           "anymore");
    }
    if (version != SAVEVM_VERSION) {
        return savevm_fail(error, 4,
                           "Unsupported migration stream version %u "
                           "(expected %d)",
                           version, SAVEVM_VERSION);
    }
    return true;
}

/* Reads one FULL/START section header and finds its device. */
static bool savevm_read_header(VmsReader *r, const VmsRegistry *registry,
                               const VmsSection **ret_section,
                               uint32_t *ret_version, GError **error)
{
    size_t start = r->pos - 1; /* errors point at the section type byte */
    uint32_t section_id, instance_id, version;
    uint8_t idlen;
    char idstr[256];

    if (!vms_read_be32(r, &section_id) || !vms_read_u8(r, &idlen)) {
        return savevm_fail(error, start, "truncated section header");
    }
    if (idlen == 0) {
        return savevm_fail(error, start, "Unable to read ID string (length 0)");
    }
    if (!vms_read_bytes(r, idstr, idlen)) {
        return savevm_fail(error, start, "truncated section header");
    }
    idstr[idlen] = '\0';
    if (memchr(idstr, '\0', idlen) != NULL) {
        return savevm_fail(error, start, "section name contains a NUL byte");
    }
    if (!vms_read_be32(r, &instance_id) || !vms_read_be32(r, &version)) {
        return savevm_fail(error, start, "truncated section header of '%s'",
                           idstr);
    }
    const VmsSection *s = vms_registry_find(registry, idstr, instance_id);
    if (s == NULL) {
        return savevm_fail(
            error, start,
            "Unknown savevm section or instance '%s' %u. Make sure that your "
            "current VM setup matches your saved VM setup, including any "
            "hotplugged devices",
            idstr, instance_id);
    }
    if (version > (uint32_t)s->vmsd->version) {
        return savevm_fail(error, start,
                           "savevm: unsupported version %u for '%s' v%d",
                           version, idstr, s->vmsd->version);
    }
    *ret_section = s;
    *ret_version = version;
    return true;
}

static bool savevm_seen(GArray *loaded, const VmsSection *s)
{
    for (guint i = 0; i < loaded->len; i++) {
        if (g_array_index(loaded, LoadedSection, i).section == s) {
            return true;
        }
    }
    return false;
}

/* Decodes every section up to EOF into scratch copies (appended to loaded). */
static bool savevm_decode(VmsReader *r, const VmsRegistry *registry,
                          GArray *loaded, GError **error)
{
    for (;;) {
        size_t start = r->pos;
        uint8_t type;

        if (!vms_read_u8(r, &type)) {
            /* QEMU fails silently here; we say why. */
            return savevm_fail(error, start,
                               "truncated: the file ends without its "
                               "end-of-file marker");
        }
        if (type == SAVEVM_EOF) {
            return true; /* what follows is ignored, as QEMU does */
        }
        if (type != SAVEVM_SECTION_FULL && type != SAVEVM_SECTION_START) {
            return savevm_fail(error, start, "Unknown savevm section type %u",
                               type);
        }

        const VmsSection *s = NULL;
        uint32_t version = 0;
        if (!savevm_read_header(r, registry, &s, &version, error)) {
            return false;
        }
        if (savevm_seen(loaded, s)) {
            /* QEMU lets the second copy win; two copies are a broken file. */
            return savevm_fail(error, start, "section '%s' appears twice",
                               s->idstr);
        }
        LoadedSection l = { s, scratch_new(s), version, start, 0 };
        g_array_append_val(loaded, l);
        if (!vms_load(r, s->vmsd, l.scratch, (int)version, error)) {
            g_prefix_error(error, "%s: ", s->idstr);
            return false;
        }
        g_array_index(loaded, LoadedSection, loaded->len - 1).size =
            r->pos - start;
    }
}

/* Checks the size and header, then decodes every section; NULL on error. */
static GArray *savevm_decode_file(VmsRegistry *registry, const uint8_t *data,
                                  size_t len, GError **error)
{
    VmsReader r;

    if (len > SAVEVM_MAX_FILE_BYTES) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the file has %zu bytes; device-state files are at most "
                    "%d bytes",
                    len, SAVEVM_MAX_FILE_BYTES);
        return NULL;
    }
    vms_reader_init(&r, data, len);
    if (!savevm_check_header(&r, error)) {
        return NULL;
    }
    /* Sized once: a valid file has at most one copy of each section. */
    GArray *loaded = g_array_sized_new(FALSE, FALSE, sizeof(LoadedSection),
                                       vms_registry_count(registry));
    if (!savevm_decode(&r, registry, loaded, error)) {
        loaded_sections_free(loaded);
        return NULL;
    }
    return loaded;
}

bool savevm_load(VmsRegistry *registry, const uint8_t *data, size_t len,
                 bool commit, GError **error)
{
    GArray *loaded = savevm_decode_file(registry, data, len, error);

    if (loaded == NULL) {
        return false;
    }
    if (commit) {
        for (guint i = 0; i < loaded->len; i++) {
            LoadedSection *l = &g_array_index(loaded, LoadedSection, i);
            scratch_commit(l->section, l->scratch);
        }
    }
    loaded_sections_free(loaded);
    return true;
}

bool savevm_inspect(VmsRegistry *registry, const uint8_t *data, size_t len,
                    SavevmInspectFunc func, void *opaque, GError **error)
{
    GArray *loaded = savevm_decode_file(registry, data, len, error);

    if (loaded == NULL) {
        return false;
    }
    for (guint i = 0; i < loaded->len; i++) {
        LoadedSection *l = &g_array_index(loaded, LoadedSection, i);
        SavevmSectionInfo info = { l->section, l->scratch, l->version,
                                   l->offset, l->size };
        func(&info, opaque);
    }
    loaded_sections_free(loaded);
    return true;
}
