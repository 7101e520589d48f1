/*
 * The state layer of the PIIX3 IDE: QEMU 7.2's section "0000:00:01.1/ide"
 * (vmstate_ide_pci "ide", v3, min 0; research/qemu-vmstate-7.2.md §3.4),
 * byte for byte: the PCIDevice block, two "ide bmdma", two "ide_bus" and
 * four "ide_drive" elements with their subsections.
 *
 * The section's opaque is a wire struct shaped like the stream.  pre_save
 * fills it from the device (the io_buffers are borrowed, not copied); a
 * load fills a scratch copy, post_load checks it, and the commit writes
 * the device.  The scratch has no io_buffer until a drive's pio_state
 * subsection arrives: only then is one allocated for it, and the commit
 * swaps it with the drive's, so a load without a transfer in flight
 * copies none of the four 131076-byte buffers, and one with a transfer
 * copies only the stream's bytes.
 *
 * Refused beyond QEMU (reliability.md §5): a PIO window outside the
 * 131076-byte buffer (QEMU accepts offset 0x7ffffff0), a transfer index
 * of 6 or more, or 3/4 (ATAPI: we have no ATAPI drive), DRQ without a
 * PIO window or on an absent drive, units and retry units other than 0
 * and 1, multiple counts that SET MULTIPLE cannot make, sector counts
 * above 65536.  Not emulated, so refused when set: failed-request retry
 * state (bus error_status), a DMA in flight (bmdma_current), ATAPI state
 * (tray, media events, sense data, packet sizes).
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "devices/ide.h"

/* QEMU's end_transfer_fn_idx values. */
enum {
    IDE_IDX_SECTOR_READ = 0,
    IDE_IDX_SECTOR_WRITE = 1,
    IDE_IDX_TRANSFER_STOP = 2,
    IDE_IDX_ATAPI_REPLY_END = 3,
    IDE_IDX_ATAPI_CMD = 4,
    IDE_IDX_DUMMY_STOP = 5,
    IDE_IDX_MAX = 6,
};

typedef struct IdeBmdmaWire {
    uint8_t cmd;
    uint8_t migration_compat_status;
    uint32_t addr;
    int64_t migration_retry_sector_num;
    uint32_t migration_retry_nsector;
    uint8_t migration_retry_unit;
    /* subsection "ide bmdma_current" */
    uint32_t cur_addr;
    uint32_t cur_prd_last;
    uint32_t cur_prd_addr;
    uint32_t cur_prd_len;
    /* subsection "ide bmdma/status" */
    uint8_t status;
} IdeBmdmaWire;

typedef struct IdeBusWire {
    uint8_t cmd;
    uint8_t unit;
    /* subsection "ide_bus/error" */
    int32_t error_status;
    int64_t retry_sector_num;
    uint32_t retry_nsector;
    uint8_t retry_unit;
} IdeBusWire;

typedef struct IdeDriveWire {
    int32_t mult_sectors;
    int32_t identify_set;
    uint8_t identify_data[512];
    uint8_t feature;
    uint8_t error;
    uint32_t nsector;
    uint8_t sector;
    uint8_t lcyl;
    uint8_t hcyl;
    uint8_t hob_feature;
    uint8_t hob_sector;
    uint8_t hob_nsector;
    uint8_t hob_lcyl;
    uint8_t hob_hcyl;
    uint8_t select;
    uint8_t status;
    uint8_t lba48;
    uint8_t sense_key;
    uint8_t asc;
    uint8_t cdrom_changed;
    /* subsection "ide_drive/pio_state" */
    int32_t req_nb_sectors;
    uint8_t *io_buffer;
    int32_t io_buffer_total_len; /* local: always IDE_IO_BUFFER_SIZE */
    int32_t cur_io_buffer_offset;
    int32_t cur_io_buffer_len;
    uint8_t end_transfer_fn_idx;
    int32_t elementary_transfer_size;
    int32_t packet_transfer_size;
    /* subsections "ide_drive/tray_state", "ide_drive/atapi/gesn_state" */
    bool tray_open;
    bool tray_locked;
    bool new_media;
    bool eject_request;
    /* Decoded on load. */
    bool pio_loaded;
    bool present; /* wiring: the drive has an image */
} IdeDriveWire;

typedef struct IdeWire {
    VmsPciDevice dev;
    IdeBmdmaWire bmdma[2];
    IdeBusWire bus[2];
    IdeDriveWire ifs0[2];
    IdeDriveWire ifs1[2];
    /* Wiring. */
    Ide *ide;
    bool scratch; /* a load's copy: io_buffers are its own, or NULL */
    /*
     * The live wire's: PIO buffers the last load gave back, lent to the
     * next load's scratch, so that a checkpoint loop neither allocates
     * nor frees 131 KB per drive and load.
     */
    uint8_t *spare_buffers[4];
} IdeWire;

/* ------------------------------------------------------------ bmdma */

static bool ide_bmdma_current_needed(const void *opaque)
{
    const IdeBmdmaWire *bm = opaque;

    return bm->cur_prd_len != 0;
}

static bool ide_bmdma_status_needed(const void *opaque)
{
    const IdeBmdmaWire *bm = opaque;

    return (bm->status & 0x78) != 0;
}

static const VmsField ide_bmdma_current_fields[] = {
    VMS_FIELD(IdeBmdmaWire, cur_addr),
    VMS_FIELD(IdeBmdmaWire, cur_prd_last),
    VMS_FIELD(IdeBmdmaWire, cur_prd_addr),
    VMS_FIELD(IdeBmdmaWire, cur_prd_len),
    VMS_END,
};

static const VmsDescription ide_bmdma_current_vmsd = {
    .name = "ide bmdma_current",
    .version = 1,
    .min_version = 1,
    .size = sizeof(IdeBmdmaWire),
    .fields = ide_bmdma_current_fields,
    .needed = ide_bmdma_current_needed,
};

static const VmsField ide_bmdma_status_fields[] = {
    VMS_FIELD(IdeBmdmaWire, status),
    VMS_END,
};

static const VmsDescription ide_bmdma_status_vmsd = {
    .name = "ide bmdma/status",
    .version = 1,
    .min_version = 1,
    .size = sizeof(IdeBmdmaWire),
    .fields = ide_bmdma_status_fields,
    .needed = ide_bmdma_status_needed,
};

static const VmsDescription *const ide_bmdma_subsections[] = {
    &ide_bmdma_current_vmsd,
    &ide_bmdma_status_vmsd,
    NULL,
};

static void ide_bmdma_pre_load(void *opaque)
{
    IdeBmdmaWire *bm = opaque;

    /* QEMU takes the status from compat_status when no subsection came. */
    bm->status = 0;
    bm->cur_prd_len = 0;
}

static const VmsField ide_bmdma_fields[] = {
    VMS_FIELD(IdeBmdmaWire, cmd),
    VMS_FIELD(IdeBmdmaWire, migration_compat_status),
    VMS_FIELD(IdeBmdmaWire, addr),
    VMS_FIELD(IdeBmdmaWire, migration_retry_sector_num),
    VMS_FIELD(IdeBmdmaWire, migration_retry_nsector),
    VMS_FIELD_RANGE(IdeBmdmaWire, migration_retry_unit, 0, 1),
    VMS_END,
};

static const VmsDescription ide_bmdma_vmsd = {
    .name = "ide bmdma",
    .version = 3,
    .min_version = 0,
    .size = sizeof(IdeBmdmaWire),
    .fields = ide_bmdma_fields,
    .subsections = ide_bmdma_subsections,
    .pre_load = ide_bmdma_pre_load,
};

/* ------------------------------------------------------------ bus */

static bool ide_bus_error_needed(const void *opaque)
{
    const IdeBusWire *bus = opaque;

    return bus->error_status != 0;
}

static const VmsField ide_bus_error_fields[] = {
    VMS_FIELD(IdeBusWire, error_status),
    VMS_FIELD_V(IdeBusWire, retry_sector_num, 2),
    VMS_FIELD_V(IdeBusWire, retry_nsector, 2),
    VMS_FIELD_V(IdeBusWire, retry_unit, 2),
    VMS_END,
};

static const VmsDescription ide_bus_error_vmsd = {
    .name = "ide_bus/error",
    .version = 2,
    .min_version = 1,
    .size = sizeof(IdeBusWire),
    .fields = ide_bus_error_fields,
    .needed = ide_bus_error_needed,
};

static const VmsDescription *const ide_bus_subsections[] = {
    &ide_bus_error_vmsd,
    NULL,
};

static void ide_bus_pre_load(void *opaque)
{
    IdeBusWire *bus = opaque;

    bus->error_status = 0;
    bus->retry_unit = 0;
}

static const VmsField ide_bus_fields[] = {
    VMS_FIELD(IdeBusWire, cmd),
    VMS_FIELD_RANGE(IdeBusWire, unit, 0, 1),
    VMS_END,
};

static const VmsDescription ide_bus_vmsd = {
    .name = "ide_bus",
    .version = 1,
    .min_version = 1,
    .size = sizeof(IdeBusWire),
    .fields = ide_bus_fields,
    .subsections = ide_bus_subsections,
    .pre_load = ide_bus_pre_load,
};

/* ------------------------------------------------------------ drive */

static bool ide_pio_needed(const void *opaque)
{
    const IdeDriveWire *d = opaque;

    /* QEMU also saves it for a PIO retry; we never have one. */
    return (d->status & IDE_STAT_DRQ) != 0;
}

/*
 * A scratch drive gets its own buffer only now, when the stream carries
 * one (the VBUFFER overwrites all of it).  A live wire being saved never
 * loads.
 */
static void ide_pio_pre_load(void *opaque)
{
    IdeDriveWire *d = opaque;

    if (d->io_buffer == NULL) {
        d->io_buffer = g_malloc(IDE_IO_BUFFER_SIZE);
    }
}

static bool ide_pio_post_load(void *opaque, int version, GError **error)
{
    IdeDriveWire *d = opaque;
    int64_t off = d->cur_io_buffer_offset;
    int64_t len = d->cur_io_buffer_len;

    (void)version;
    if (off < 0 || len < 0 || off + len > IDE_IO_BUFFER_SIZE) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "PIO window at %" G_GINT64_FORMAT
                    " length %" G_GINT64_FORMAT " outside the %u-byte buffer",
                    off, len, (unsigned)IDE_IO_BUFFER_SIZE);
        return false;
    }
    if (d->end_transfer_fn_idx >= IDE_IDX_MAX) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "end_transfer_fn_idx %u outside 0..5",
                    d->end_transfer_fn_idx);
        return false;
    }
    if (d->end_transfer_fn_idx == IDE_IDX_ATAPI_REPLY_END ||
        d->end_transfer_fn_idx == IDE_IDX_ATAPI_CMD ||
        d->elementary_transfer_size != 0 || d->packet_transfer_size != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "an ATAPI transfer, but the drive is a hard disk");
        return false;
    }
    if (d->req_nb_sectors < 0 || d->req_nb_sectors > IDE_MAX_MULT_SECTORS) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "req_nb_sectors %d outside 0..%d", d->req_nb_sectors,
                    IDE_MAX_MULT_SECTORS);
        return false;
    }
    if ((d->end_transfer_fn_idx == IDE_IDX_SECTOR_READ ||
         d->end_transfer_fn_idx == IDE_IDX_SECTOR_WRITE) &&
        (d->req_nb_sectors == 0 ||
         off + len > (int64_t)d->req_nb_sectors * BLOCK_SECTOR_SIZE)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "a sector transfer of %d sectors per block with a window "
                    "ending at byte %" G_GINT64_FORMAT,
                    d->req_nb_sectors, off + len);
        return false;
    }
    d->pio_loaded = true;
    return true;
}

static const VmsField ide_pio_fields[] = {
    VMS_FIELD(IdeDriveWire, req_nb_sectors),
    VMS_VBUFFER(IdeDriveWire, io_buffer, io_buffer_total_len),
    VMS_FIELD(IdeDriveWire, cur_io_buffer_offset),
    VMS_FIELD(IdeDriveWire, cur_io_buffer_len),
    VMS_FIELD(IdeDriveWire, end_transfer_fn_idx),
    VMS_FIELD(IdeDriveWire, elementary_transfer_size),
    VMS_FIELD(IdeDriveWire, packet_transfer_size),
    VMS_END,
};

static const VmsDescription ide_pio_vmsd = {
    .name = "ide_drive/pio_state",
    .version = 1,
    .min_version = 1,
    .size = sizeof(IdeDriveWire),
    .fields = ide_pio_fields,
    .needed = ide_pio_needed,
    .pre_load = ide_pio_pre_load,
    .post_load = ide_pio_post_load,
};

static bool ide_tray_needed(const void *opaque)
{
    const IdeDriveWire *d = opaque;

    return d->tray_open || d->tray_locked;
}

static const VmsField ide_tray_fields[] = {
    VMS_FIELD(IdeDriveWire, tray_open),
    VMS_FIELD(IdeDriveWire, tray_locked),
    VMS_END,
};

static const VmsDescription ide_tray_vmsd = {
    .name = "ide_drive/tray_state",
    .version = 1,
    .min_version = 1,
    .size = sizeof(IdeDriveWire),
    .fields = ide_tray_fields,
    .needed = ide_tray_needed,
};

static bool ide_gesn_needed(const void *opaque)
{
    const IdeDriveWire *d = opaque;

    return d->new_media || d->eject_request;
}

static const VmsField ide_gesn_fields[] = {
    VMS_FIELD(IdeDriveWire, new_media),
    VMS_FIELD(IdeDriveWire, eject_request),
    VMS_END,
};

static const VmsDescription ide_gesn_vmsd = {
    .name = "ide_drive/atapi/gesn_state",
    .version = 1,
    .min_version = 1,
    .size = sizeof(IdeDriveWire),
    .fields = ide_gesn_fields,
    .needed = ide_gesn_needed,
};

static const VmsDescription *const ide_drive_subsections[] = {
    &ide_pio_vmsd,
    &ide_tray_vmsd,
    &ide_gesn_vmsd,
    NULL,
};

static bool ide_identify_present(const void *opaque)
{
    const IdeDriveWire *d = opaque;

    return d->identify_set != 0;
}

static void ide_drive_pre_load(void *opaque)
{
    IdeDriveWire *d = opaque;

    d->pio_loaded = false;
    d->tray_open = false;
    d->tray_locked = false;
    d->new_media = false;
    d->eject_request = false;
    d->elementary_transfer_size = 0;
    d->packet_transfer_size = 0;
}

static bool ide_drive_post_load(void *opaque, int version, GError **error)
{
    IdeDriveWire *d = opaque;
    int32_t m = d->mult_sectors;

    (void)version;
    if (m < 0 || m > IDE_MAX_MULT_SECTORS || (m & (m - 1)) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "mult_sectors %d: not 0 or a power of two up to %d", m,
                    IDE_MAX_MULT_SECTORS);
        return false;
    }
    if (d->nsector > 65536) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "nsector %u above 65536", d->nsector);
        return false;
    }
    if (d->lba48 > 1) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "lba48 %u is not 0 or 1", d->lba48);
        return false;
    }
    if (d->sense_key != 0 || d->asc != 0 || d->cdrom_changed != 0 ||
        d->tray_open || d->tray_locked || d->new_media || d->eject_request) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "ATAPI state, but the drive is a hard disk");
        return false;
    }
    if (d->status & IDE_STAT_DRQ) {
        if (!d->present) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "DRQ on a drive that is not there");
            return false;
        }
        if (!d->pio_loaded || d->cur_io_buffer_len == 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "DRQ without a PIO window");
            return false;
        }
    }
    return true;
}

static const VmsField ide_drive_fields[] = {
    VMS_FIELD(IdeDriveWire, mult_sectors),
    VMS_FIELD(IdeDriveWire, identify_set),
    VMS_BUFFER_TEST(IdeDriveWire, identify_data, ide_identify_present),
    VMS_FIELD(IdeDriveWire, feature),
    VMS_FIELD(IdeDriveWire, error),
    VMS_FIELD(IdeDriveWire, nsector),
    VMS_FIELD(IdeDriveWire, sector),
    VMS_FIELD(IdeDriveWire, lcyl),
    VMS_FIELD(IdeDriveWire, hcyl),
    VMS_FIELD(IdeDriveWire, hob_feature),
    VMS_FIELD(IdeDriveWire, hob_sector),
    VMS_FIELD(IdeDriveWire, hob_nsector),
    VMS_FIELD(IdeDriveWire, hob_lcyl),
    VMS_FIELD(IdeDriveWire, hob_hcyl),
    VMS_FIELD(IdeDriveWire, select),
    VMS_FIELD(IdeDriveWire, status),
    VMS_FIELD(IdeDriveWire, lba48),
    VMS_FIELD(IdeDriveWire, sense_key),
    VMS_FIELD(IdeDriveWire, asc),
    VMS_FIELD_V(IdeDriveWire, cdrom_changed, 3),
    VMS_END,
};

static const VmsDescription ide_drive_vmsd = {
    .name = "ide_drive",
    .version = 3,
    .min_version = 0,
    .size = sizeof(IdeDriveWire),
    .fields = ide_drive_fields,
    .subsections = ide_drive_subsections,
    .pre_load = ide_drive_pre_load,
    .post_load = ide_drive_post_load,
};

/* ------------------------------------------------------------ section */

static uint8_t ide_end_to_idx(IdeEndTransfer end)
{
    switch (end) {
    case IDE_END_SECTOR_READ:
        return IDE_IDX_SECTOR_READ;
    case IDE_END_SECTOR_WRITE:
        return IDE_IDX_SECTOR_WRITE;
    case IDE_END_NONE:
        return IDE_IDX_DUMMY_STOP;
    default:
        return IDE_IDX_TRANSFER_STOP;
    }
}

static IdeEndTransfer ide_idx_to_end(uint8_t idx)
{
    switch (idx) {
    case IDE_IDX_SECTOR_READ:
        return IDE_END_SECTOR_READ;
    case IDE_IDX_SECTOR_WRITE:
        return IDE_END_SECTOR_WRITE;
    case IDE_IDX_DUMMY_STOP:
        return IDE_END_NONE;
    default:
        return IDE_END_STOP; /* post_load let through 2 only */
    }
}

static IdeDriveWire *ide_wire_drive(IdeWire *w, unsigned b, unsigned u)
{
    return b == 0 ? &w->ifs0[u] : &w->ifs1[u];
}

/*
 * Fills the wire from the device.  A save borrows the drives' buffers; a
 * scratch starts without any (see ide_pio_pre_load).
 */
static void ide_wire_fill(IdeWire *w)
{
    Ide *ide = w->ide;

    if (ide->pci != NULL) {
        w->dev = *pci_function_vmstate(ide->pci);
    }
    for (unsigned b = 0; b < 2; b++) {
        IdeBmdma *bm = &ide->bmdma[b];
        IdeBus *bus = &ide->bus[b];

        w->bmdma[b] = (IdeBmdmaWire){
            .cmd = bm->cmd,
            .migration_compat_status = bm->status & ~0x78,
            .addr = bm->addr,
            .migration_retry_sector_num = bus->retry_sector_num,
            .migration_retry_nsector = bus->retry_nsector,
            .migration_retry_unit = bus->retry_unit,
            .status = bm->status,
        };
        w->bus[b] = (IdeBusWire){ .cmd = bus->cmd, .unit = bus->unit };
        for (unsigned u = 0; u < 2; u++) {
            IdeDrive *s = &bus->ifs[u];
            IdeDriveWire *d = ide_wire_drive(w, b, u);

            *d = (IdeDriveWire){
                .mult_sectors = s->mult_sectors,
                .identify_set = s->identify_set ? 1 : 0,
                .feature = s->feature,
                .error = s->error,
                .nsector = s->nsector,
                .sector = s->sector,
                .lcyl = s->lcyl,
                .hcyl = s->hcyl,
                .hob_feature = s->hob_feature,
                .hob_sector = s->hob_sector,
                .hob_nsector = s->hob_nsector,
                .hob_lcyl = s->hob_lcyl,
                .hob_hcyl = s->hob_hcyl,
                .select = s->select,
                .status = s->status,
                .lba48 = s->lba48 ? 1 : 0,
                .req_nb_sectors = s->req_nb_sectors,
                .io_buffer_total_len = IDE_IO_BUFFER_SIZE,
                .cur_io_buffer_offset = (int32_t)s->data_pos,
                .cur_io_buffer_len = (int32_t)(s->data_end - s->data_pos),
                .end_transfer_fn_idx = ide_end_to_idx(s->end_transfer),
                .present = s->blk != NULL,
            };
            memcpy(d->identify_data, s->identify_data, 512);
            d->io_buffer = w->scratch ? NULL : s->io_buffer;
        }
    }
}

static void ide_pre_save(void *opaque)
{
    ide_wire_fill(opaque);
}

static bool ide_post_load(void *opaque, int version, GError **error)
{
    IdeWire *w = opaque;

    (void)version;
    for (unsigned b = 0; b < 2; b++) {
        IdeBmdmaWire *bm = &w->bmdma[b];

        /* QEMU's compatibility decoding of the status byte. */
        if (bm->status == 0) {
            bm->status = bm->migration_compat_status & ~0x78;
            w->bus[b].error_status |= bm->migration_compat_status & 0x78;
        }
        if (w->bus[b].error_status != 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "bus[%u]: a failed request waits for a retry "
                        "(error_status 0x%x); not emulated",
                        b, (unsigned)w->bus[b].error_status);
            return false;
        }
        if (bm->cur_prd_len != 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "bmdma[%u]: a DMA transfer in flight; not emulated", b);
            return false;
        }
        if (w->bus[b].retry_unit > 1) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "bus[%u]: retry_unit %u outside 0..1", b,
                        w->bus[b].retry_unit);
            return false;
        }
    }
    return true;
}

static const VmsField ide_fields[] = {
    VMS_PCI_DEVICE(IdeWire, dev),
    VMS_STRUCT_ARRAY(IdeWire, bmdma, &ide_bmdma_vmsd),
    VMS_STRUCT_ARRAY_V(IdeWire, bus, &ide_bus_vmsd, 1),
    VMS_STRUCT_ARRAY_V(IdeWire, ifs0, &ide_drive_vmsd, 3),
    VMS_STRUCT_ARRAY_V(IdeWire, ifs1, &ide_drive_vmsd, 3),
    VMS_END,
};

const VmsDescription ide_vmsd = {
    .name = "ide",
    .version = 3,
    .min_version = 0,
    .size = sizeof(IdeWire),
    .fields = ide_fields,
    .pre_save = ide_pre_save,
    .post_load = ide_post_load,
};

static void *ide_scratch_new(void *opaque)
{
    IdeWire *live = opaque;
    IdeWire *w = g_new0(IdeWire, 1);

    w->ide = live->ide;
    w->scratch = true;
    ide_wire_fill(w);
    /* Lent, not filled: only a pio_state subsection writes into one. */
    for (unsigned i = 0; i < 4; i++) {
        ide_wire_drive(w, i / 2, i % 2)->io_buffer = live->spare_buffers[i];
        live->spare_buffers[i] = NULL;
    }
    return w;
}

/* Gives the scratch's buffers (lent, loaded or swapped out) back. */
static void ide_scratch_free(void *scratch)
{
    IdeWire *w = scratch;
    IdeWire *live;

    if (w == NULL) {
        return;
    }
    live = w->ide->state_wire;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t *buffer = ide_wire_drive(w, i / 2, i % 2)->io_buffer;

        if (live->spare_buffers[i] == NULL) {
            live->spare_buffers[i] = buffer;
        } else {
            g_free(buffer);
        }
    }
    g_free(w);
}

static void ide_scratch_commit(void *opaque, void *scratch)
{
    IdeWire *w = scratch;
    Ide *ide = ((IdeWire *)opaque)->ide;

    if (ide->pci != NULL) {
        VmsPciDevice *dev = pci_function_vmstate(ide->pci);

        memcpy(dev->config, w->dev.config, sizeof(dev->config));
        memcpy(dev->irq_state, w->dev.irq_state, sizeof(dev->irq_state));
        pci_function_post_load(ide->pci);
    }
    for (unsigned b = 0; b < 2; b++) {
        IdeBus *bus = &ide->bus[b];

        ide->bmdma[b].cmd = w->bmdma[b].cmd & 0x09;
        ide->bmdma[b].status = w->bmdma[b].status;
        ide->bmdma[b].addr = w->bmdma[b].addr & ~3u;
        bus->cmd = w->bus[b].cmd;
        bus->unit = w->bus[b].unit & 1;
        /* QEMU's ide_bmdma_post_load: a save-load-save gives equal bytes. */
        bus->retry_sector_num = w->bmdma[b].migration_retry_sector_num;
        bus->retry_nsector = w->bmdma[b].migration_retry_nsector;
        bus->retry_unit = w->bmdma[b].migration_retry_unit;
        for (unsigned u = 0; u < 2; u++) {
            IdeDrive *s = &bus->ifs[u];
            IdeDriveWire *d = ide_wire_drive(w, b, u);

            s->mult_sectors = d->mult_sectors;
            s->identify_set = d->identify_set != 0;
            memcpy(s->identify_data, d->identify_data, 512);
            s->feature = d->feature;
            s->error = d->error;
            s->nsector = d->nsector;
            s->sector = d->sector;
            s->lcyl = d->lcyl;
            s->hcyl = d->hcyl;
            s->hob_feature = d->hob_feature;
            s->hob_sector = d->hob_sector;
            s->hob_nsector = d->hob_nsector;
            s->hob_lcyl = d->hob_lcyl;
            s->hob_hcyl = d->hob_hcyl;
            s->select = d->select;
            s->status = d->status;
            s->lba48 = d->lba48 != 0;
            s->req_nb_sectors = d->req_nb_sectors;
            if (d->pio_loaded) {
                /* The scratch frees the old buffer. */
                uint8_t *old = s->io_buffer;
                s->io_buffer = d->io_buffer;
                d->io_buffer = old;
            }
            s->data_pos = (uint32_t)d->cur_io_buffer_offset;
            s->data_end =
                (uint32_t)(d->cur_io_buffer_offset + d->cur_io_buffer_len);
            s->end_transfer = ide_idx_to_end(d->end_transfer_fn_idx);
            /* As QEMU: the write cache follows identify word 85 bit 5. */
            if (s->blk != NULL && s->identify_set) {
                s->write_cache = (s->identify_data[85 * 2] & 0x20) != 0;
            }
        }
    }
}

void ide_free_sections(Ide *ide)
{
    IdeWire *w = ide->state_wire;

    if (w == NULL) {
        return;
    }
    /* The io_buffers it points to while saving are the drives'. */
    for (unsigned i = 0; i < 4; i++) {
        g_free(w->spare_buffers[i]);
    }
    g_free(w);
    ide->state_wire = NULL;
}

void ide_register_sections(Ide *ide, VmsRegistry *registry)
{
    IdeWire *w = ide->state_wire;
    VmsSection section;

    /* Registering again (a new registry) reuses the wire. */
    if (w == NULL) {
        w = g_new0(IdeWire, 1);
        w->ide = ide;
        ide->state_wire = w;
    }
    section = (VmsSection){
        .idstr = "0000:00:01.1/ide",
        .alias = "ide",
        .instance_id = 0,
        .section_id = 29,
        .vmsd = &ide_vmsd,
        .opaque = w,
        .scratch_new = ide_scratch_new,
        .scratch_commit = ide_scratch_commit,
        .scratch_free = ide_scratch_free,
    };
    vms_registry_add(registry, &section);
}
