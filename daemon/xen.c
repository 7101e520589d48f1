/*
 * The daemon's Xen side (see xen.h): what QEMU's xen-hvm.c and
 * xen-common.c do for a qemu-xen device model, minus the hypervisor calls
 * (no relocation, no cache pinning: there is no Xen to ask here).
 *
 * "The framebuffer goes where the physmap says": on restore, libxl has
 * written the physmap keys before starting us and the loaded PCI config
 * puts BAR0 back at its old address.  The entry read back makes that
 * mapping a no-op (no key is rewritten), and the LFB answers there because
 * BAR0 decodes there.  Should the loaded BAR0 differ from the entry, the
 * keys are rewritten to the BAR: the store always names where the LFB is.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-xen"

#include <glib.h>

#include "daemon/vram.h"
#include "daemon/xen.h"
#include "devices/cirrus.h"
#include "devices/pci.h"

struct Xen {
    Xenstore *xs;
    Physmap *physmap;
    uint32_t domid;
    uint64_t phys_offset; /* VRAM's RAM offset: just above guest RAM */
    Machine *machine;     /* once attached */
    bool ready;           /* every QMP socket listens */
};

Xen *xen_new(XenstoreBackend backend, uint32_t domid, unsigned memory_mb,
             GError **error)
{
    Xenstore *xs = xenstore_open(backend, error);
    Xen *xen;

    if (xs == NULL) {
        g_prefix_error(error,
                       "--xenstore %s: ", xenstore_backend_name(backend));
        return NULL;
    }
    xen = g_new0(Xen, 1);
    xen->xs = xs;
    xen->domid = domid;
    xen->phys_offset = (uint64_t)memory_mb << 20;
    xen->physmap = physmap_new(xs, domid);
    if (!physmap_read_back(xen->physmap, error)) {
        xen_free(xen);
        return NULL;
    }
    g_info("xenstore: %s backend, domain %u",
           xenstore_backend_name(xenstore_backend(xs)), domid);
    return xen;
}

void xen_free(Xen *xen)
{
    if (xen == NULL) {
        return;
    }
    physmap_free(xen->physmap);
    xenstore_close(xen->xs);
    g_free(xen);
}

Xenstore *xen_store(Xen *xen)
{
    return xen->xs;
}

Physmap *xen_physmap(Xen *xen)
{
    return xen->physmap;
}

char *xen_ready_key(uint32_t domid)
{
    return g_strdup_printf("/local/domain/0/device-model/%u/state", domid);
}

void xen_check_incoming_vram(const char *vram_path)
{
    if (vram_path == NULL) {
        g_warning("--incoming without --vram-path: VRAM is this process's "
                  "own memory, so the framebuffer's content cannot survive "
                  "the restore");
    } else if (!g_file_test(vram_path, G_FILE_TEST_EXISTS)) {
        g_warning("--incoming: --vram-path %s does not exist and is created "
                  "empty: the framebuffer's content is lost",
                  vram_path);
    }
}

static bool xen_write_ready_key(Xen *xen, GError **error)
{
    g_autofree char *key = xen_ready_key(xen->domid);

    if (!xenstore_write_str(xen->xs, key, "running", error)) {
        g_prefix_error(error, "cannot write the ready key: ");
        return false;
    }
    g_debug("%s = running", key);
    return true;
}

static void xen_on_machine_event(const MachineEvent *event, void *opaque)
{
    Xen *xen = opaque;
    g_autoptr(GError) error = NULL;

    if (event->kind != MACHINE_EVENT_RESUME || !xen->ready) {
        return;
    }
    if (!xen_write_ready_key(xen, &error)) {
        g_warning("%s", error->message);
    }
}

static void xen_on_bar0(void *opaque, unsigned n, uint64_t addr)
{
    Xen *xen = opaque;
    g_autoptr(GError) error = NULL;

    (void)n;
    if (!physmap_framebuffer_moved(xen->physmap, addr, &error)) {
        g_warning("cannot record the framebuffer in the physmap: %s",
                  error->message);
    }
}

void xen_attach(Xen *xen, Machine *machine)
{
    xen->machine = machine;
    machine->xenstore = xen->xs;
    machine_add_listener(machine, xen_on_machine_event, xen);
    if (machine->cirrus == NULL || machine->vram == NULL) {
        return;
    }
    physmap_set_framebuffer(xen->physmap, xen->phys_offset,
                            machine->vram->size);
    pci_function_set_bar_listener(machine->cirrus->pci, 0, xen_on_bar0, xen);
    /* In case BAR0 decodes already (it does not after a reset). */
    xen_on_bar0(xen, 0, pci_function_bar_address(machine->cirrus->pci, 0));
}

bool xen_set_ready(Xen *xen, GError **error)
{
    xen->ready = true;
    if (xen->machine == NULL || !machine_is_running(xen->machine)) {
        return true;
    }
    return xen_write_ready_key(xen, error);
}
