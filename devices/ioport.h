/*
 * The guest I/O dispatcher: devices register port ranges and MMIO ranges
 * with the access sizes they implement; the front end (qtest here, an
 * ioreq server under Xen) sends guest accesses through it.  Unclaimed
 * ports and addresses read as all ones and ignore writes, as on a PC.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

typedef struct IoOps {
    /* addr is the offset inside the region; size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t value, unsigned size);
    /*
     * The access sizes the device implements (bytes, powers of two).  A
     * wider access is split into implemented ones (little-endian order),
     * a narrower one is widened and the bytes extracted or merged, as
     * QEMU's memory core does.  0 means 1 (min) or 4 (max).
     */
    unsigned min_access;
    unsigned max_access;
} IoOps;

typedef struct IoRegion IoRegion;
typedef struct IoDispatcher IoDispatcher;

IoDispatcher *io_dispatcher_new(void);
void io_dispatcher_free(IoDispatcher *io);

/*
 * Claims [base, base+len) of port or memory space for a device.  Fails
 * (with an error naming both) on overlap with an enabled region.  The
 * region starts enabled; name is for messages and must outlive it.
 */
IoRegion *io_register_port(IoDispatcher *io, uint16_t base, uint32_t len,
                           const IoOps *ops, void *opaque, const char *name,
                           GError **error);
IoRegion *io_register_mmio(IoDispatcher *io, uint64_t base, uint64_t len,
                           const IoOps *ops, void *opaque, const char *name,
                           GError **error);
void io_unregister(IoDispatcher *io, IoRegion *region);

/* PCI decode bits and BAR moves switch and move regions. */
void io_region_set_enabled(IoRegion *region, bool enabled);
bool io_region_move(IoDispatcher *io, IoRegion *region, uint64_t base,
                    GError **error);

/* Guest accesses; size 1, 2 or 4 for ports, 1, 2, 4 or 8 for memory. */
uint32_t io_port_read(IoDispatcher *io, uint16_t port, unsigned size);
void io_port_write(IoDispatcher *io, uint16_t port, uint32_t value,
                   unsigned size);
uint64_t io_mem_read(IoDispatcher *io, uint64_t addr, unsigned size);
void io_mem_write(IoDispatcher *io, uint64_t addr, uint64_t value,
                  unsigned size);
