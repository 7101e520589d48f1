/*
 * The PIIX3 IDE controller (00:01.1): two ATA channels on the legacy
 * ports (0x1F0-0x1F7/0x3F6 on IRQ 14, 0x170-0x177/0x376 on IRQ 15), hard
 * disks on raw images driven by PIO, and the Bus Master IDE registers at
 * BAR4, kept but never started (the drives advertise no DMA).
 *
 * Not emulated: DMA of any kind, ATAPI/CD-ROM drives, security, SMART,
 * HPA (READ NATIVE MAX / SET MAX), power states beyond reporting "active",
 * the PIIX3 timing registers' effect.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "devices/block.h"
#include "devices/ioport.h"
#include "devices/irq.h"
#include "devices/pci.h"
#include "vmstate/registry.h"

enum {
    IDE_MAX_MULT_SECTORS = 16,
    /* QEMU's io_buffer: 256 sectors and 4 bytes of slack, saved whole. */
    IDE_IO_BUFFER_SIZE = 256 * 512 + 4,
};

/* Status register (ATA-6 §7.15.6). */
enum {
    IDE_STAT_ERR = 0x01,
    IDE_STAT_DRQ = 0x08,
    IDE_STAT_SEEK = 0x10,
    IDE_STAT_READY = 0x40,
    IDE_STAT_BUSY = 0x80,
};

/* Error register. */
enum {
    IDE_ERR_ABRT = 0x04,
    IDE_ERR_IDNF = 0x10,
};

/* Device control register. */
enum {
    IDE_CTRL_NIEN = 0x02,
    IDE_CTRL_SRST = 0x04,
    IDE_CTRL_HOB = 0x80,
};

/*
 * What happens when the data window of a PIO transfer is used up.  The
 * state layer maps these to QEMU's end_transfer_fn_idx (0 sector_read,
 * 1 sector_write, 2 transfer_stop, 5 dummy_transfer_stop); the device
 * never sees those numbers.
 */
typedef enum IdeEndTransfer {
    IDE_END_NONE,        /* no transfer since reset: QEMU's dummy stop */
    IDE_END_STOP,        /* the last block of IDENTIFY and the like */
    IDE_END_SECTOR_READ, /* next block of a READ SECTORS/MULTIPLE */
    IDE_END_SECTOR_WRITE,
    IDE_END_MAX
} IdeEndTransfer;

typedef struct IdeBus IdeBus;
typedef struct Ide Ide;

typedef struct IdeDrive {
    IdeBus *bus;
    unsigned unit;     /* 0 master, 1 slave */
    BlockBackend *blk; /* NULL: no drive */
    uint64_t total_sectors;
    unsigned cylinders, heads, sectors; /* the CHS geometry */

    /* The task file; nsector holds the expanded count while a command runs. */
    uint8_t feature, error, sector, lcyl, hcyl, select, status;
    uint32_t nsector;
    uint8_t hob_feature, hob_sector, hob_nsector, hob_lcyl, hob_hcyl;
    bool lba48;

    int32_t mult_sectors;
    bool identify_set;
    uint8_t identify_data[512];
    bool write_cache;

    /* PIO: the window [data_pos, data_end) of io_buffer. */
    uint8_t *io_buffer; /* IDE_IO_BUFFER_SIZE bytes */
    uint32_t data_pos;
    uint32_t data_end;
    IdeEndTransfer end_transfer;
    int32_t req_nb_sectors; /* sectors per DRQ block of this command */
} IdeDrive;

struct IdeBus {
    Ide *ide;
    IdeDrive ifs[2];
    uint8_t cmd;  /* the device control register */
    uint8_t unit; /* the selected drive */
    IrqLine *irq;
    /*
     * QEMU's retry position, taken at every PIO transfer start; it only
     * matters to the saved bmdma bytes (we never retry a failed request).
     */
    int64_t retry_sector_num;
    uint32_t retry_nsector;
    uint8_t retry_unit;
};

typedef struct IdeBmdma {
    uint8_t cmd; /* bits 0x09 only */
    /* 0x60 drive DMA capable bits; 0x04 interrupt, 0x02 error: W1C */
    uint8_t status;
    uint32_t addr; /* PRD table address, dword aligned */
} IdeBmdma;

struct Ide {
    IdeBus bus[2];
    IdeBmdma bmdma[2];
    PciFunction *pci; /* NULL in tests without a bus */
    IoDispatcher *io;
    IoRegion *regions[4];
    void *state_wire; /* ide-state.c's section opaque, or NULL */
};

/*
 * Registers the legacy ports on io and, when pci is not NULL, the Bus
 * Master registers behind its BAR4.  drives[0..3]: primary master ...
 * secondary slave, NULL when absent; not owned.
 */
Ide *ide_new(IoDispatcher *io, PciFunction *pci,
             BlockBackend *const drives[BLOCK_MAX_DRIVES], IrqLine *irq14,
             IrqLine *irq15, GError **error);
void ide_free(Ide *ide);

/* The machine's reset handler: both channels as at power-on. */
void ide_reset(void *opaque);

/* Bus Master registers (offsets 0..15 of BAR4), also for tests. */
uint64_t ide_bmdma_read(void *opaque, uint64_t addr, unsigned size);
void ide_bmdma_write(void *opaque, uint64_t addr, uint64_t value,
                     unsigned size);

/*
 * ide-state.c: the section "0000:00:01.1/ide" (alias "ide", instance 0,
 * section id 29).  Needs the PCI function (ide_new with pci).
 */
void ide_register_sections(Ide *ide, VmsRegistry *registry);

/* Frees what ide_register_sections allocated (ide_free calls it). */
void ide_free_sections(Ide *ide);
extern const VmsDescription ide_vmsd;

/* --- internal to ide.c / ide-ata.c --- */

IdeDrive *ide_bus_selected(IdeBus *bus);
void ide_drive_reset(IdeDrive *s);
void ide_set_irq(IdeBus *bus);
void ide_abort_command(IdeDrive *s);
void ide_transfer_start(IdeDrive *s, uint32_t size, IdeEndTransfer end);
void ide_transfer_stop(IdeDrive *s);

/* ide-ata.c */
void ide_ata_exec_cmd(IdeDrive *s, uint8_t cmd);
void ide_ata_end_transfer(IdeDrive *s);
void ide_ata_set_signature(IdeDrive *s);
void ide_ata_geometry(IdeDrive *s);
/* QEMU's ide_get_sector(), signed: CHS sector 0 gives -1 here. */
int64_t ide_ata_retry_sector(const IdeDrive *s);
