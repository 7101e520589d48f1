/*
 * The section registry: a short array in registration (= save) order.
 * Lookups are linear; there are five sections.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "vmstate/registry.h"

/* Above this, the load buffer is given back after the load. */
enum { VMS_REGISTRY_KEEP_LOAD_BYTES = 1024 * 1024 };

struct VmsRegistry {
    GArray *sections;     /* VmsSection */
    GByteArray *save_buf; /* reused by every save; NULL until the first */
    GByteArray *load_buf; /* reused by every load; NULL until the first */
};

VmsRegistry *vms_registry_new(void)
{
    VmsRegistry *registry = g_new0(VmsRegistry, 1);

    registry->sections = g_array_new(FALSE, FALSE, sizeof(VmsSection));
    return registry;
}

void vms_registry_free(VmsRegistry *registry)
{
    if (registry == NULL) {
        return;
    }
    g_array_unref(registry->sections);
    if (registry->save_buf != NULL) {
        g_byte_array_unref(registry->save_buf);
    }
    if (registry->load_buf != NULL) {
        g_byte_array_unref(registry->load_buf);
    }
    g_free(registry);
}

void vms_registry_add(VmsRegistry *registry, const VmsSection *section)
{
    g_array_append_val(registry->sections, *section);
}

guint vms_registry_count(const VmsRegistry *registry)
{
    return registry->sections->len;
}

const VmsSection *vms_registry_get(const VmsRegistry *registry, guint index)
{
    if (index >= registry->sections->len) {
        return NULL;
    }
    return &g_array_index(registry->sections, VmsSection, index);
}

GByteArray *vms_registry_save_buffer(VmsRegistry *registry)
{
    if (registry->save_buf == NULL) {
        registry->save_buf = g_byte_array_new();
    }
    return registry->save_buf;
}

GByteArray *vms_registry_load_buffer(VmsRegistry *registry)
{
    if (registry->load_buf == NULL) {
        registry->load_buf = g_byte_array_new();
    }
    return registry->load_buf;
}

void vms_registry_load_done(VmsRegistry *registry)
{
    if (registry->load_buf == NULL) {
        return;
    }
    if (registry->load_buf->len > VMS_REGISTRY_KEEP_LOAD_BYTES) {
        g_clear_pointer(&registry->load_buf, g_byte_array_unref);
    } else {
        g_byte_array_set_size(registry->load_buf, 0);
    }
}

const VmsSection *vms_registry_find(const VmsRegistry *registry,
                                    const char *idstr, uint32_t instance_id)
{
    for (guint i = 0; i < registry->sections->len; i++) {
        const VmsSection *s = &g_array_index(registry->sections, VmsSection, i);
        if (strcmp(s->idstr, idstr) == 0 && s->instance_id == instance_id) {
            return s;
        }
        /* QEMU keeps a PCI device's bare vmsd name as a compat name. */
        if (s->alias != NULL && instance_id == 0 &&
            strcmp(s->alias, idstr) == 0) {
            return s;
        }
    }
    return NULL;
}
