/*
 * The section registry: which device states a save writes, in which order,
 * and under which names a load finds them (research/qemu-vmstate-7.2.md
 * §1.7, §1.8).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vmstate/vmstate.h"

typedef struct VmsSection {
    const char *idstr; /* "0000:00:01.1/ide" */
    const char *alias; /* "ide": also accepted on load, with instance 0 */
    uint32_t instance_id;
    uint32_t section_id; /* written in the header; never checked on load */
    const VmsDescription *vmsd;
    void *opaque; /* the live device state */
    /*
     * Scratch copies for all-or-nothing loads.  NULL: a copy of
     * vmsd->size bytes, copied back on commit.  A state that owns
     * buffers (IDE's io_buffer) supplies its own three.
     */
    void *(*scratch_new)(void *opaque);
    void (*scratch_commit)(void *opaque, void *scratch);
    void (*scratch_free)(void *scratch);
} VmsSection;

typedef struct VmsRegistry VmsRegistry;

VmsRegistry *vms_registry_new(void);
void vms_registry_free(VmsRegistry *registry);

/* Appends a copy of section; saves follow the order of registration. */
void vms_registry_add(VmsRegistry *registry, const VmsSection *section);

guint vms_registry_count(const VmsRegistry *registry);
const VmsSection *vms_registry_get(const VmsRegistry *registry, guint index);

/* A buffer for savevm_save_reuse, owned by the registry. */
GByteArray *vms_registry_save_buffer(VmsRegistry *registry);

/*
 * A buffer to read a state file into before savevm_load, owned by the
 * registry and kept between loads: a checkpoint loop reads a file of the
 * same size every time.  vms_registry_load_done() empties it after the
 * load, and frees it if it held more than 1 MiB.
 */
GByteArray *vms_registry_load_buffer(VmsRegistry *registry);
void vms_registry_load_done(VmsRegistry *registry);

/* QEMU's find_se: idstr + instance, or the alias with instance 0. */
const VmsSection *vms_registry_find(const VmsRegistry *registry,
                                    const char *idstr, uint32_t instance_id);
