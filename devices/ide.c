/*
 * The PIIX3 IDE channels: task-file registers, status and alternate
 * status, device control (nIEN, SRST), drive select, the data port's PIO
 * engine and the Bus Master registers at BAR4.  The ATA commands are in
 * ide-ata.c.
 *
 * Not emulated: DMA (the Bus Master registers hold their values; starting
 * the engine does nothing, and no drive advertises DMA), ATAPI, 8-bit
 * data transfers (a byte read of the data register peeks, as in QEMU).
 *
 * Absent drives: as QEMU 7.2 (checked through qtest), a channel without
 * drives reads 0 from every register, and an absent slave reads 0 from
 * status, alternate status and error (its other registers hold the signature
 * with cylinder 0xffff), not the 0xff of a floating bus: guests (SeaBIOS,
 * Linux, Windows) have been tuned against QEMU's answers.  Commands to an
 * absent drive are ignored.
 */
#include "config.h"

#include <string.h>

#include "devices/ide.h"

enum {
    IDE_REG_DATA = 0,
    IDE_REG_FEATURE = 1, /* error on read */
    IDE_REG_NSECTOR = 2,
    IDE_REG_SECTOR = 3,
    IDE_REG_LCYL = 4,
    IDE_REG_HCYL = 5,
    IDE_REG_SELECT = 6,
    IDE_REG_COMMAND = 7, /* status on read */
    IDE_SELECT_ALWAYS_ON = 0xa0,
    IDE_SELECT_DEV = 0x10,
};

static const uint16_t ide_cmd_ports[2] = { 0x1f0, 0x170 };
static const uint16_t ide_ctrl_ports[2] = { 0x3f6, 0x376 };

IdeDrive *ide_bus_selected(IdeBus *bus)
{
    return &bus->ifs[bus->unit & 1];
}

static bool ide_bus_empty(const IdeBus *bus)
{
    return bus->ifs[0].blk == NULL && bus->ifs[1].blk == NULL;
}

/* QEMU's status of a drive that is not there: 0 (see the header comment). */
static bool ide_reads_absent(const IdeBus *bus, const IdeDrive *s)
{
    return ide_bus_empty(bus) || (s->unit == 1 && s->blk == NULL);
}

void ide_set_irq(IdeBus *bus)
{
    /* nIEN masks new interrupts; a pending one stays until status read. */
    if (!(bus->cmd & IDE_CTRL_NIEN)) {
        /* As on the PIIX3 (and in QEMU): the Bus Master status sees it. */
        bus->ide->bmdma[bus - bus->ide->bus].status |= 0x04;
        if (bus->irq != NULL) {
            irq_raise(bus->irq);
        }
    }
}

void ide_abort_command(IdeDrive *s)
{
    ide_transfer_stop(s);
    s->status = IDE_STAT_READY | IDE_STAT_ERR;
    s->error = IDE_ERR_ABRT;
}

void ide_transfer_start(IdeDrive *s, uint32_t size, IdeEndTransfer end)
{
    /* Callers never pass more than the buffer; clamp anyway. */
    if (size > IDE_IO_BUFFER_SIZE) {
        size = IDE_IO_BUFFER_SIZE;
    }
    s->data_pos = 0;
    s->data_end = size;
    s->end_transfer = end;
    s->bus->retry_unit = (uint8_t)s->unit;
    s->bus->retry_sector_num = ide_ata_retry_sector(s);
    s->bus->retry_nsector = s->nsector;
    if (!(s->status & IDE_STAT_ERR)) {
        s->status |= IDE_STAT_DRQ;
    }
}

void ide_transfer_stop(IdeDrive *s)
{
    s->data_pos = 0;
    s->data_end = 0;
    s->end_transfer = IDE_END_STOP;
    s->status &= ~IDE_STAT_DRQ;
}

void ide_drive_reset(IdeDrive *s)
{
    s->mult_sectors = IDE_MAX_MULT_SECTORS;
    s->feature = 0;
    s->error = 0;
    s->nsector = 0;
    s->sector = 0;
    s->lcyl = 0;
    s->hcyl = 0;
    s->hob_feature = 0;
    s->hob_sector = 0;
    s->hob_nsector = 0;
    s->hob_lcyl = 0;
    s->hob_hcyl = 0;
    s->select = IDE_SELECT_ALWAYS_ON;
    s->status = IDE_STAT_READY | IDE_STAT_SEEK;
    s->lba48 = false;
    s->data_pos = 0;
    s->data_end = 0;
    s->end_transfer = IDE_END_NONE;
    s->req_nb_sectors = 0;
    ide_ata_set_signature(s);
}

static void ide_bus_reset(IdeBus *bus)
{
    bus->unit = 0;
    bus->cmd = 0;
    for (unsigned i = 0; i < 2; i++) {
        ide_drive_reset(&bus->ifs[i]);
    }
    if (bus->irq != NULL) {
        irq_lower(bus->irq);
    }
}

void ide_reset(void *opaque)
{
    Ide *ide = opaque;

    for (unsigned i = 0; i < 2; i++) {
        ide_bus_reset(&ide->bus[i]);
        memset(&ide->bmdma[i], 0, sizeof(ide->bmdma[i]));
    }
}

/* Writes to registers 1..5 go to both drives; the old value to the HOB. */
static void ide_write_taskfile(IdeBus *bus, unsigned reg, uint8_t val)
{
    bus->cmd &= ~IDE_CTRL_HOB;
    for (unsigned i = 0; i < 2; i++) {
        IdeDrive *s = &bus->ifs[i];

        switch (reg) {
        case IDE_REG_FEATURE:
            s->hob_feature = s->feature;
            s->feature = val;
            break;
        case IDE_REG_NSECTOR:
            s->hob_nsector = (uint8_t)s->nsector;
            s->nsector = val;
            break;
        case IDE_REG_SECTOR:
            s->hob_sector = s->sector;
            s->sector = val;
            break;
        case IDE_REG_LCYL:
            s->hob_lcyl = s->lcyl;
            s->lcyl = val;
            break;
        case IDE_REG_HCYL:
            s->hob_hcyl = s->hcyl;
            s->hcyl = val;
            break;
        default:
            break;
        }
    }
}

static void ide_exec_cmd(IdeBus *bus, uint8_t cmd)
{
    IdeDrive *s = ide_bus_selected(bus);

    /* A command to a drive that is not there goes nowhere. */
    if (s->blk == NULL) {
        return;
    }
    /* Only DEVICE RESET (ATAPI) may interrupt a command; we have none. */
    if (s->status & (IDE_STAT_BUSY | IDE_STAT_DRQ)) {
        return;
    }
    ide_ata_exec_cmd(s, cmd);
}

static uint8_t ide_taskfile_read(IdeBus *bus, unsigned reg)
{
    IdeDrive *s = ide_bus_selected(bus);
    bool hob = (bus->cmd & IDE_CTRL_HOB) != 0;

    /*
     * An empty channel reads 0 everywhere; an absent slave only in its
     * status and error registers: its others hold the signature (QEMU
     * 7.2's ide_ioport_read, checked by tests/interop).
     */
    if (ide_bus_empty(bus) ||
        ((reg == IDE_REG_COMMAND || reg == IDE_REG_FEATURE) &&
         ide_reads_absent(bus, s))) {
        if (reg == IDE_REG_COMMAND && bus->irq != NULL) {
            irq_lower(bus->irq);
        }
        return 0;
    }
    switch (reg) {
    case IDE_REG_SELECT:
        return s->select;
    case IDE_REG_FEATURE:
        return hob ? s->hob_feature : s->error;
    case IDE_REG_NSECTOR:
        return hob ? s->hob_nsector : (uint8_t)s->nsector;
    case IDE_REG_SECTOR:
        return hob ? s->hob_sector : s->sector;
    case IDE_REG_LCYL:
        return hob ? s->hob_lcyl : s->lcyl;
    case IDE_REG_HCYL:
        return hob ? s->hob_hcyl : s->hcyl;
    case IDE_REG_COMMAND:
        /* Reading status acknowledges the interrupt. */
        if (bus->irq != NULL) {
            irq_lower(bus->irq);
        }
        return s->status;
    default:
        return 0xff;
    }
}

static void ide_taskfile_write(IdeBus *bus, unsigned reg, uint8_t val)
{
    IdeDrive *s = ide_bus_selected(bus);

    /* The command block is read-only while a command owns it. */
    if (reg != IDE_REG_COMMAND &&
        (s->status & (IDE_STAT_BUSY | IDE_STAT_DRQ))) {
        return;
    }
    switch (reg) {
    case IDE_REG_SELECT:
        bus->cmd &= ~IDE_CTRL_HOB;
        bus->ifs[0].select = val | IDE_SELECT_ALWAYS_ON;
        bus->ifs[1].select = val | IDE_SELECT_ALWAYS_ON;
        bus->unit = (val & IDE_SELECT_DEV) ? 1 : 0;
        break;
    case IDE_REG_COMMAND:
        ide_exec_cmd(bus, val);
        break;
    default:
        ide_write_taskfile(bus, reg, val);
        break;
    }
}

/* A PIO-out transfer is one the guest writes. */
static bool ide_is_pio_out(const IdeDrive *s)
{
    return s->end_transfer == IDE_END_SECTOR_WRITE;
}

/*
 * A byte read of the data register: QEMU 7.2 answers the next data byte
 * without moving on, and 0 without a PIO-in transfer (checked with qtest).
 */
static uint8_t ide_data_peek(IdeBus *bus)
{
    IdeDrive *s = ide_bus_selected(bus);

    if (ide_bus_empty(bus) || !(s->status & IDE_STAT_DRQ) ||
        ide_is_pio_out(s) || s->data_pos >= s->data_end ||
        s->data_end > IDE_IO_BUFFER_SIZE) {
        return 0;
    }
    return s->io_buffer[s->data_pos];
}

static uint32_t ide_data_read(IdeBus *bus, unsigned size)
{
    IdeDrive *s = ide_bus_selected(bus);
    uint32_t val = 0;

    if (!(s->status & IDE_STAT_DRQ) || ide_is_pio_out(s) ||
        s->data_end > IDE_IO_BUFFER_SIZE || s->data_pos + size > s->data_end) {
        return 0;
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint32_t)s->io_buffer[s->data_pos + i] << (8 * i);
    }
    s->data_pos += size;
    if (s->data_pos >= s->data_end) {
        ide_ata_end_transfer(s);
    }
    return val;
}

static void ide_data_write(IdeBus *bus, uint32_t val, unsigned size)
{
    IdeDrive *s = ide_bus_selected(bus);

    if (!(s->status & IDE_STAT_DRQ) || !ide_is_pio_out(s) ||
        s->data_end > IDE_IO_BUFFER_SIZE || s->data_pos + size > s->data_end) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        s->io_buffer[s->data_pos + i] = (uint8_t)(val >> (8 * i));
    }
    s->data_pos += size;
    if (s->data_pos >= s->data_end) {
        ide_ata_end_transfer(s);
    }
}

static uint64_t ide_cmd_read(void *opaque, uint64_t addr, unsigned size)
{
    IdeBus *bus = opaque;
    uint64_t val = 0;

    if (addr == IDE_REG_DATA && (size == 2 || size == 4)) {
        return ide_data_read(bus, size);
    }
    /* Wider accesses elsewhere are byte accesses in order. */
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (unsigned)(addr + i) & 7;
        uint8_t b = reg == IDE_REG_DATA ? ide_data_peek(bus)
                                        : ide_taskfile_read(bus, reg);
        val |= (uint64_t)b << (8 * i);
    }
    return val;
}

static void ide_cmd_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    IdeBus *bus = opaque;

    if (addr == IDE_REG_DATA && (size == 2 || size == 4)) {
        ide_data_write(bus, (uint32_t)value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (unsigned)(addr + i) & 7;
        if (reg != IDE_REG_DATA) {
            ide_taskfile_write(bus, reg, (uint8_t)(value >> (8 * i)));
        }
    }
}

static uint64_t ide_ctrl_read(void *opaque, uint64_t addr, unsigned size)
{
    IdeBus *bus = opaque;
    IdeDrive *s = ide_bus_selected(bus);

    (void)addr;
    (void)size;
    /* Alternate status: the status without acknowledging the interrupt. */
    return ide_reads_absent(bus, s) ? 0 : s->status;
}

static void ide_ctrl_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    IdeBus *bus = opaque;
    uint8_t val = (uint8_t)value;

    (void)addr;
    (void)size;
    /*
     * SRST resets both drives when it is set, not when it is cleared, and
     * they are ready at once, SRST still set: what QEMU 7.2 does (its BSY
     * lasts until a bottom half runs).  The diagnostic code is 1.
     */
    if (!(bus->cmd & IDE_CTRL_SRST) && (val & IDE_CTRL_SRST)) {
        for (unsigned i = 0; i < 2; i++) {
            ide_drive_reset(&bus->ifs[i]);
            bus->ifs[i].error = 0x01;
        }
    }
    bus->cmd = val;
}

static const IoOps ide_cmd_ops = {
    .read = ide_cmd_read,
    .write = ide_cmd_write,
    .min_access = 1,
    .max_access = 4,
};

static const IoOps ide_ctrl_ops = {
    .read = ide_ctrl_read,
    .write = ide_ctrl_write,
    .min_access = 1,
    .max_access = 1,
};

uint64_t ide_bmdma_read(void *opaque, uint64_t addr, unsigned size)
{
    Ide *ide = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size; i++) {
        unsigned a = (unsigned)(addr + i) & 15;
        IdeBmdma *bm = &ide->bmdma[a >> 3];
        uint8_t b;

        switch (a & 7) {
        case 0:
            b = bm->cmd;
            break;
        case 2:
            b = bm->status;
            break;
        case 4:
        case 5:
        case 6:
        case 7:
            b = (uint8_t)(bm->addr >> (8 * ((a & 7) - 4)));
            break;
        default:
            b = 0xff;
            break;
        }
        val |= (uint64_t)b << (8 * i);
    }
    return val;
}

void ide_bmdma_write(void *opaque, uint64_t addr, uint64_t value, unsigned size)
{
    Ide *ide = opaque;

    for (unsigned i = 0; i < size; i++) {
        unsigned a = (unsigned)(addr + i) & 15;
        IdeBmdma *bm = &ide->bmdma[a >> 3];
        uint8_t b = (uint8_t)(value >> (8 * i));
        unsigned shift;

        switch (a & 7) {
        case 0:
            /* Start/stop and direction are kept; nothing is transferred. */
            bm->cmd = b & 0x09;
            break;
        case 2:
            /* 0x60 writable, 0x06 write-1-to-clear, 0x01 read-only. */
            bm->status =
                (b & 0x60) | (bm->status & 0x01) | (bm->status & ~b & 0x06);
            break;
        case 4:
        case 5:
        case 6:
        case 7:
            shift = 8 * ((a & 7) - 4);
            bm->addr = (bm->addr & ~(0xffu << shift)) | ((uint32_t)b << shift);
            bm->addr &= ~3u; /* the PRD table is dword aligned */
            break;
        default:
            break;
        }
    }
}

static const IoOps ide_bmdma_ops = {
    .read = ide_bmdma_read,
    .write = ide_bmdma_write,
    .min_access = 1,
    .max_access = 4,
};

Ide *ide_new(IoDispatcher *io, PciFunction *pci,
             BlockBackend *const drives[BLOCK_MAX_DRIVES], IrqLine *irq14,
             IrqLine *irq15, GError **error)
{
    static const char *const names[4] = { "ide0", "ide0-ctrl", "ide1",
                                          "ide1-ctrl" };
    Ide *ide = g_new0(Ide, 1);

    ide->io = io;
    ide->pci = pci;
    for (unsigned b = 0; b < 2; b++) {
        IdeBus *bus = &ide->bus[b];

        bus->ide = ide;
        bus->irq = b == 0 ? irq14 : irq15;
        for (unsigned u = 0; u < 2; u++) {
            IdeDrive *s = &bus->ifs[u];

            s->bus = bus;
            s->unit = u;
            s->blk = drives != NULL ? drives[b * 2 + u] : NULL;
            s->io_buffer = g_malloc0(IDE_IO_BUFFER_SIZE);
            s->write_cache = true;
            ide_ata_geometry(s);
        }
        ide->regions[b * 2] = io_register_port(
            io, ide_cmd_ports[b], 8, &ide_cmd_ops, bus, names[b * 2], error);
        if (ide->regions[b * 2] == NULL) {
            ide_free(ide);
            return NULL;
        }
        ide->regions[b * 2 + 1] =
            io_register_port(io, ide_ctrl_ports[b], 1, &ide_ctrl_ops, bus,
                             names[b * 2 + 1], error);
        if (ide->regions[b * 2 + 1] == NULL) {
            ide_free(ide);
            return NULL;
        }
    }
    if (pci != NULL) {
        pci_function_attach_bar(pci, 4, &ide_bmdma_ops, ide);
    }
    ide_reset(ide);
    return ide;
}

void ide_free(Ide *ide)
{
    if (ide == NULL) {
        return;
    }
    for (unsigned i = 0; i < 4; i++) {
        if (ide->regions[i] != NULL) {
            io_unregister(ide->io, ide->regions[i]);
        }
    }
    for (unsigned b = 0; b < 2; b++) {
        for (unsigned u = 0; u < 2; u++) {
            g_free(ide->bus[b].ifs[u].io_buffer);
        }
    }
    ide_free_sections(ide);
    g_free(ide);
}
