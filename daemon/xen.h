/*
 * The daemon's Xen side (research/xen-toolstack.md §2): the xenstore it
 * writes to, the ready key libxl waits for, and the physmap entry of the
 * Cirrus linear framebuffer.
 *
 *   device-model/<domid>/state = running  (under /local/domain/0) each
 *       time the run state becomes running, once every QMP socket listens;
 *   device-model/<domid>/physmap/<phys_offset>/{start_addr,size,name}
 *       when the guest maps or moves BAR0 (physmap.h).
 *
 * Order in main: xen_new before the devices (it reads the physmap back),
 * xen_attach once the machine has its devices, xen_set_ready once every
 * QMP socket listens (and after any start-up state load).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/machine.h"
#include "daemon/physmap.h"
#include "daemon/xenstore.h"

typedef struct Xen Xen;

/*
 * Opens the store and reads the physmap back.  VRAM's RAM offset,
 * phys_offset, sits just above guest RAM: memory_mb MiB.  Errors: an
 * explicit xs backend without a xenstored, a malformed physmap entry.
 */
Xen *xen_new(XenstoreBackend backend, uint32_t domid, unsigned memory_mb,
             GError **error);
void xen_free(Xen *xen);

Xenstore *xen_store(Xen *xen);
Physmap *xen_physmap(Xen *xen);

/* "/local/domain/0/device-model/<domid>/state"; g_free() it. */
char *xen_ready_key(uint32_t domid);

/*
 * With --incoming the toolstack owns VRAM's content: warns when it cannot
 * survive (anonymous VRAM, or a --vram-path file that does not exist yet).
 */
void xen_check_incoming_vram(const char *vram_path);

/*
 * Follows machine: its run state (for the ready key) and the Cirrus card's
 * BAR0 (for the physmap: the whole of machine->vram).  Sets
 * machine->xenstore.  Free the machine first, then xen.
 */
void xen_attach(Xen *xen, Machine *machine);

/*
 * Every QMP socket listens: writes the ready key now if the machine runs
 * (false on failure: libxl would wait 60 s for nothing) and, from now on,
 * each time it starts running (a failure then is a warning).
 */
bool xen_set_ready(Xen *xen, GError **error);
