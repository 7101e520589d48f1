/*
 * The physmap list and its xenstore keys (see physmap.h), after QEMU's
 * xen_add_to_physmap, xen_remove_from_physmap and xen_read_physmap
 * (hw/i386/xen/xen-hvm.c, commit d1814e08c0).
 *
 * One deliberate difference: adding an entry drops the other entries of
 * the same phys_offset.  Their keys are the ones being overwritten, so a
 * stale entry (read back at start-up, then the guest mapped the BAR
 * elsewhere) could otherwise make a later mapping at its old address a
 * no-op and leave the keys naming the wrong address.
 *
 * Store values are outside input: every one is checked, none trusted.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-physmap"

#include <errno.h>
#include <string.h>

#include <gio/gio.h>

#include "daemon/physmap.h"

#define PHYSMAP_UNMAPPED UINT64_MAX
#define PHYSMAP_FB_NAME  "vga.vram"

enum {
    PHYSMAP_VALUE_SHOWN = 40, /* bytes of a bad value quoted in a message */
};

struct Physmap {
    Xenstore *xs;
    uint32_t domid;
    GPtrArray *entries; /* PhysmapEntry *, in the order they came */
    /* The framebuffer, once set, and where its BAR decodes now. */
    bool fb_set;
    uint64_t fb_offset;
    uint64_t fb_size;
    uint64_t fb_addr;
};

static void physmap_entry_free(void *data)
{
    PhysmapEntry *entry = data;

    g_free(entry->name);
    g_free(entry);
}

Physmap *physmap_new(Xenstore *xs, uint32_t domid)
{
    Physmap *pm = g_new0(Physmap, 1);

    pm->xs = xs;
    pm->domid = domid;
    pm->entries = g_ptr_array_new_with_free_func(physmap_entry_free);
    pm->fb_addr = PHYSMAP_UNMAPPED;
    return pm;
}

void physmap_free(Physmap *pm)
{
    if (pm == NULL) {
        return;
    }
    g_ptr_array_unref(pm->entries);
    g_free(pm);
}

char *physmap_path(uint32_t domid)
{
    return g_strdup_printf("/local/domain/0/device-model/%u/physmap", domid);
}

const PhysmapEntry *physmap_lookup(const Physmap *pm, uint64_t addr)
{
    for (guint i = 0; i < pm->entries->len; i++) {
        const PhysmapEntry *e = g_ptr_array_index(pm->entries, i);
        /* size >= 1 and start + size - 1 does not wrap (read_back checks). */
        if (addr >= e->start_addr && addr - e->start_addr < e->size) {
            return e;
        }
    }
    return NULL;
}

unsigned physmap_count(const Physmap *pm)
{
    return pm->entries->len;
}

/* ------------------------------------------------------------ read back */

/* Strict hex: 1 to 16 significant digits, nothing else (no 0x, no sign). */
static bool parse_hex(const char *s, size_t len, uint64_t *ret_value)
{
    uint64_t v = 0;

    if (len == 0 || strlen(s) != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        int d = g_ascii_xdigit_value(s[i]);
        if (d < 0 || v > (UINT64_MAX >> 4)) {
            return false;
        }
        v = v << 4 | (uint64_t)d;
    }
    *ret_value = v;
    return true;
}

/* A value fit to quote in one line of a message. */
static char *shown(const char *value, size_t len)
{
    g_autofree char *head = g_strndup(value, MIN(len, PHYSMAP_VALUE_SHOWN));
    g_autofree char *esc = g_strescape(head, NULL);

    return g_strdup_printf("'%s'%s", esc,
                           len > PHYSMAP_VALUE_SHOWN ? "..." : "");
}

static bool bad_value(GError **error, const char *key, const char *value,
                      size_t len, const char *why)
{
    g_autofree char *text = shown(value, len);

    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "malformed physmap entry: %s = %s: %s", key, text, why);
    return false;
}

/*
 * Reads dir/leaf into *ret_value (NULL, true when it does not exist);
 * other failures are errors.
 */
static bool read_optional(Xenstore *xs, const char *dir, const char *leaf,
                          char **ret_value, size_t *ret_len, GError **error)
{
    g_autofree char *key = g_strdup_printf("%s/%s", dir, leaf);
    g_autoptr(GError) local = NULL;

    *ret_value = xenstore_read(xs, key, ret_len, &local);
    if (*ret_value != NULL) {
        return true;
    }
    if (g_error_matches(local, XENSTORE_ERROR, ENOENT)) {
        return true;
    }
    g_propagate_error(error, g_steal_pointer(&local));
    return false;
}

static bool read_hex(Xenstore *xs, const char *dir, const char *leaf,
                     bool *ret_present, uint64_t *ret_value, GError **error)
{
    g_autofree char *value = NULL;
    size_t len = 0;

    if (!read_optional(xs, dir, leaf, &value, &len, error)) {
        return false;
    }
    *ret_present = value != NULL;
    if (value != NULL && !parse_hex(value, len, ret_value)) {
        g_autofree char *key = g_strdup_printf("%s/%s", dir, leaf);
        return bad_value(error, key, value, len,
                         "not a hexadecimal number below 2^64");
    }
    return true;
}

/* A string: UTF-8 without NULs or control characters. */
static bool is_text(const char *value, size_t len)
{
    if (!g_utf8_validate_len(value, len, NULL)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

/* One entry: true with *ret_entry NULL when it is to be skipped. */
static bool read_entry(Physmap *pm, const char *dir, const char *child,
                       PhysmapEntry **ret_entry, GError **error)
{
    g_autofree char *entry_dir = g_strdup_printf("%s/%s", dir, child);
    g_autofree char *name = NULL;
    uint64_t offset = 0, start = 0, size = 0;
    bool has_start = false, has_size = false;
    size_t len = 0;
    PhysmapEntry *entry;

    *ret_entry = NULL;
    if (!parse_hex(child, strlen(child), &offset)) {
        return bad_value(error, entry_dir, child, strlen(child),
                         "the entry's name is not a hexadecimal RAM offset");
    }
    if (!read_hex(pm->xs, entry_dir, "start_addr", &has_start, &start, error) ||
        !read_hex(pm->xs, entry_dir, "size", &has_size, &size, error)) {
        return false;
    }
    if (!has_start || !has_size) {
        /* QEMU skips these too: a half-written entry names no mapping. */
        g_info("physmap entry %s without %s: skipped", entry_dir,
               has_start ? "size" : "start_addr");
        return true;
    }
    if (size == 0 || start + (size - 1) < start) {
        g_autofree char *key = g_strdup_printf("%s/size", entry_dir);
        g_autofree char *value =
            g_strdup_printf("%" G_GINT64_MODIFIER "x", size);
        return bad_value(error, key, value, strlen(value),
                         size == 0 ? "an empty mapping"
                                   : "the mapping wraps past 2^64");
    }
    if (!read_optional(pm->xs, entry_dir, "name", &name, &len, error)) {
        return false;
    }
    if (name != NULL && !is_text(name, len)) {
        g_autofree char *key = g_strdup_printf("%s/name", entry_dir);
        return bad_value(error, key, name, len, "not a printable string");
    }
    entry = g_new0(PhysmapEntry, 1);
    entry->phys_offset = offset;
    entry->start_addr = start;
    entry->size = size;
    entry->name = g_steal_pointer(&name);
    *ret_entry = entry;
    return true;
}

bool physmap_read_back(Physmap *pm, GError **error)
{
    g_autofree char *dir = physmap_path(pm->domid);
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) children = xenstore_directory(pm->xs, dir, &local);
    g_autoptr(GPtrArray) found =
        g_ptr_array_new_with_free_func(physmap_entry_free);

    if (children == NULL) {
        if (g_error_matches(local, XENSTORE_ERROR, ENOENT)) {
            return true; /* a fresh domain */
        }
        g_propagate_error(error, g_steal_pointer(&local));
        return false;
    }
    /* All or nothing: a refused entry leaves the list as it was. */
    for (char **c = children; *c != NULL; c++) {
        PhysmapEntry *entry;
        if (!read_entry(pm, dir, *c, &entry, error)) {
            return false;
        }
        if (entry != NULL) {
            g_ptr_array_add(found, entry);
        }
    }
    for (guint i = 0; i < found->len; i++) {
        PhysmapEntry *e = g_ptr_array_index(found, i);
        g_info("physmap read back: %" G_GINT64_MODIFIER
               "x at 0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER
               "x bytes (%s)",
               e->phys_offset, e->start_addr, e->size,
               e->name != NULL ? e->name : "no name");
        g_ptr_array_add(pm->entries, e);
    }
    g_ptr_array_set_free_func(found, NULL);
    return true;
}

/* ---------------------------------------------------------- the guest */

static bool write_hex(Xenstore *xs, const char *dir, const char *leaf,
                      uint64_t value, GError **error)
{
    g_autofree char *key = g_strdup_printf("%s/%s", dir, leaf);
    char text[17];

    g_snprintf(text, sizeof(text), "%" G_GINT64_MODIFIER "x", value);
    return xenstore_write_str(xs, key, text, error);
}

/* The three keys, each its own write, as QEMU writes them. */
static bool physmap_write_keys(Physmap *pm, const PhysmapEntry *e,
                               GError **error)
{
    g_autofree char *root = physmap_path(pm->domid);
    g_autofree char *dir =
        g_strdup_printf("%s/%" G_GINT64_MODIFIER "x", root, e->phys_offset);
    g_autofree char *name_key = g_strdup_printf("%s/name", dir);

    return write_hex(pm->xs, dir, "start_addr", e->start_addr, error) &&
           write_hex(pm->xs, dir, "size", e->size, error) &&
           xenstore_write_str(pm->xs, name_key, e->name, error);
}

bool physmap_add(Physmap *pm, uint64_t phys_offset, uint64_t start_addr,
                 uint64_t size, const char *name, GError **error)
{
    const PhysmapEntry *have = physmap_lookup(pm, start_addr);
    PhysmapEntry *entry;

    if (have != NULL) {
        g_debug("0x%" G_GINT64_MODIFIER
                "x already mapped by entry %" G_GINT64_MODIFIER
                "x: nothing to record",
                start_addr, have->phys_offset);
        return true;
    }
    for (guint i = pm->entries->len; i-- > 0;) {
        const PhysmapEntry *e = g_ptr_array_index(pm->entries, i);
        if (e->phys_offset == phys_offset) {
            g_ptr_array_remove_index(pm->entries, i);
        }
    }
    entry = g_new0(PhysmapEntry, 1);
    entry->phys_offset = phys_offset;
    entry->start_addr = start_addr;
    entry->size = size;
    entry->name = g_strdup(name);
    g_ptr_array_add(pm->entries, entry);
    g_info("physmap: %s (%" G_GINT64_MODIFIER "x) at 0x%" G_GINT64_MODIFIER
           "x, 0x%" G_GINT64_MODIFIER "x bytes",
           name, phys_offset, start_addr, size);
    return physmap_write_keys(pm, entry, error);
}

void physmap_remove(Physmap *pm, uint64_t start_addr)
{
    for (guint i = pm->entries->len; i-- > 0;) {
        const PhysmapEntry *e = g_ptr_array_index(pm->entries, i);
        if (e->start_addr == start_addr) {
            g_ptr_array_remove_index(pm->entries, i);
        }
    }
}

void physmap_set_framebuffer(Physmap *pm, uint64_t phys_offset, uint64_t size)
{
    pm->fb_set = true;
    pm->fb_offset = phys_offset;
    pm->fb_size = size;
    pm->fb_addr = PHYSMAP_UNMAPPED;
}

bool physmap_framebuffer_moved(Physmap *pm, uint64_t addr, GError **error)
{
    uint64_t old = pm->fb_addr;

    if (!pm->fb_set || addr == old) {
        return true;
    }
    pm->fb_addr = addr;
    if (old != PHYSMAP_UNMAPPED && old >= PHYSMAP_MIN_START) {
        physmap_remove(pm, old);
    }
    if (addr == PHYSMAP_UNMAPPED || addr < PHYSMAP_MIN_START) {
        return true;
    }
    return physmap_add(pm, pm->fb_offset, addr, pm->fb_size, PHYSMAP_FB_NAME,
                       error);
}
