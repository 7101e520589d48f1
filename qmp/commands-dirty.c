/*
 * The VRAM dirty log over QMP: xen-set-global-dirty-log, with QEMU 7.2's
 * schema (qapi/migration.json: {"enable": "bool"}), which libxl sends
 * around every HVM save (libxc's switch_qemu_logdirty), and our own
 * x-query-vram-dirty, which returns the pages written since the last
 * query and clears them (devices/vram-dirty.h).
 *
 * QEMU 7.2 answers xen-set-global-dirty-log in every run state, on every
 * machine (non-Xen builds have an empty stub), so this does too; without
 * a VGA card there is nothing to log and it still returns {}.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-dirty"

#include <glib.h>

#include "devices/cirrus.h"
#include "qmp/commands.h"

static const QmpMember set_dirty_log_args[] = {
    { "enable", &qmp_type_bool, false },
    { NULL, NULL, false },
};

static VramDirty *machine_vram_dirty(Machine *machine, size_t *ret_size)
{
    if (machine->cirrus == NULL) {
        *ret_size = 0;
        return NULL;
    }
    *ret_size = machine->cirrus->vga.vram_size;
    return &machine->cirrus->vga.dirty;
}

static JsonNode *qmp_xen_set_global_dirty_log(QmpCall *call, GError **error)
{
    bool enable = json_object_get_boolean_member(call->args, "enable");
    size_t vram_size;
    VramDirty *dirty = machine_vram_dirty(call->session->machine, &vram_size);

    (void)error;
    if (dirty != NULL) {
        vram_dirty_set_enabled(dirty, enable, vram_size);
    }
    g_debug("VRAM dirty log %s", enable ? "on" : "off");
    return NULL;
}

/*
 * {"enabled": B, "page-size": 4096, "vram-pages": N,
 *  "pages": [{"start": PAGE, "count": N}, ...]}: runs in ascending order.
 */
static JsonNode *qmp_x_query_vram_dirty(QmpCall *call, GError **error)
{
    size_t vram_size;
    VramDirty *dirty = machine_vram_dirty(call->session->machine, &vram_size);
    JsonObject *result = json_object_new();
    JsonArray *pages = json_array_new();

    (void)error;
    json_object_set_boolean_member(result, "enabled",
                                   dirty != NULL && dirty->enabled);
    json_object_set_int_member(result, "page-size", VRAM_DIRTY_PAGE_SIZE);
    json_object_set_int_member(
        result, "vram-pages",
        (gint64)MIN((vram_size + VRAM_DIRTY_PAGE_SIZE - 1) >>
                        VRAM_DIRTY_PAGE_SHIFT,
                    (size_t)VRAM_DIRTY_MAX_PAGES));
    if (dirty != NULL) {
        g_autoptr(GArray) runs = vram_dirty_take(dirty);

        for (guint i = 0; i < runs->len; i++) {
            const VramDirtyRun *run = &g_array_index(runs, VramDirtyRun, i);
            JsonObject *entry = json_object_new();

            json_object_set_int_member(entry, "start", run->start);
            json_object_set_int_member(entry, "count", run->count);
            json_array_add_object_element(pages, entry);
        }
    }
    json_object_set_array_member(result, "pages", pages);
    return qmp_node_object(result);
}

const QmpCommand qmp_dirty_commands[] = {
    { "x-query-vram-dirty", qmp_x_query_vram_dirty, NULL },
    { "xen-set-global-dirty-log", qmp_xen_set_global_dirty_log,
      set_dirty_log_args },
};
const size_t qmp_dirty_command_count = G_N_ELEMENTS(qmp_dirty_commands);
