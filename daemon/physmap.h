/*
 * The physmap: where the guest sees the framebuffer, recorded in xenstore
 * as QEMU's xen-hvm.c does (research/xen-toolstack.md §2.2, §2.3), so that
 * libxl carries it across save and restore.
 *
 * An entry maps a RAM region (keyed by its RAM offset, phys_offset) to a
 * guest-physical start_addr.  Its keys, all three always, each its own
 * write, lowercase hex without 0x:
 *
 *   /local/domain/0/device-model/<domid>/physmap/<phys_offset>/start_addr
 *                                                  .../size
 *                                                  .../name  (a string)
 *
 * Keys are never deleted (libxl removes the tree with the domain).  Entries
 * read back at start-up make a later mapping of the same address a no-op,
 * which is what keeps a restored framebuffer where it was.
 *
 * No relocation happens here (there is no hypervisor to ask): the list is
 * the bookkeeping QEMU keeps beside its xc_domain_add_to_physmap calls.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/xenstore.h"

/* QEMU only records mappings above the legacy VGA window. */
#define PHYSMAP_MIN_START 0xc0000

typedef struct PhysmapEntry {
    uint64_t phys_offset;
    uint64_t start_addr;
    uint64_t size; /* never 0 */
    char *name;    /* NULL when the store had none */
} PhysmapEntry;

typedef struct Physmap Physmap;

/* An empty list for domid on xs (borrowed: it must outlive the physmap). */
Physmap *physmap_new(Xenstore *xs, uint32_t domid);
void physmap_free(Physmap *pm);

/* ".../device-model/<domid>/physmap"; g_free() it. */
char *physmap_path(uint32_t domid);

/*
 * Reads the entries in the store into the list (QEMU's xen_read_physmap):
 * no directory means none; an entry without start_addr or size is skipped;
 * a malformed one (not hex, too large, size 0, wrapping past 2^64, a name
 * that is not a string: not UTF-8, NULs, control characters) fails with a
 * message naming the key, and the list stays as it was.
 */
bool physmap_read_back(Physmap *pm, GError **error);

/* The entry whose range holds addr, or NULL. */
const PhysmapEntry *physmap_lookup(const Physmap *pm, uint64_t addr);
unsigned physmap_count(const Physmap *pm);

/*
 * The guest mapped the region at phys_offset at start_addr (QEMU's
 * xen_add_to_physmap): nothing when an entry already holds start_addr;
 * otherwise the entry replaces any other of the same phys_offset (its
 * keys are about to be overwritten) and its three keys are written.
 * False when a write failed (the entry stays in the list, as in QEMU).
 */
bool physmap_add(Physmap *pm, uint64_t phys_offset, uint64_t start_addr,
                 uint64_t size, const char *name, GError **error);

/* The mapping at start_addr went away: forgotten here, kept in the store. */
void physmap_remove(Physmap *pm, uint64_t start_addr);

/*
 * The framebuffer (QEMU's xen_register_framebuffer): the region of size
 * bytes at phys_offset, named "vga.vram", that physmap_framebuffer_moved
 * follows.
 */
void physmap_set_framebuffer(Physmap *pm, uint64_t phys_offset, uint64_t size);

/*
 * Its BAR now decodes at addr, or nowhere (UINT64_MAX): the old mapping is
 * removed, the new one added when above the legacy window.  False when a
 * key could not be written.
 */
bool physmap_framebuffer_moved(Physmap *pm, uint64_t addr, GError **error);
