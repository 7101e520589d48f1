/*
 * The section registry: a short array in registration (= save) order.
 * Lookups are linear; there are five sections.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "vmstate/registry.h"

struct VmsRegistry {
    GArray *sections;     /* VmsSection */
    GByteArray *save_buf; /* reused by every save; NULL until the first */
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
