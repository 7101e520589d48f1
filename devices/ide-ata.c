/*
 * ATA commands of the IDE hard disk, over PIO only: IDENTIFY DEVICE,
 * READ/WRITE SECTORS and MULTIPLE (and their LBA48 EXT forms), SET
 * MULTIPLE MODE, READ VERIFY, FLUSH CACHE, SET FEATURES, INITIALIZE
 * DEVICE PARAMETERS, EXECUTE DEVICE DIAGNOSTIC, RECALIBRATE, the power
 * commands and NOP.
 *
 * Not emulated: DMA commands (they end with ABRT, and IDENTIFY advertises
 * no DMA mode), READ NATIVE MAX / SET MAX, security, SMART, SLEEP,
 * power states (CHECK POWER MODE always answers "active or idle").
 *
 * Differences from QEMU 7.2, on purpose: a sector range beyond the disk
 * ends with IDNF (QEMU reports ABRT), as ATA-6 §6.2 says; the model string
 * is "DEVMODELD HARDDISK" because IDENTIFY differs from QEMU's anyway (no
 * DMA) and a guest should not take this drive for QEMU's.
 */
#include "config.h"

#include <string.h>

#include "devices/ide.h"

enum {
    WIN_NOP = 0x00,
    WIN_RECAL = 0x10, /* 0x10..0x1f */
    WIN_READ = 0x20,
    WIN_READ_ONCE = 0x21,
    WIN_READ_EXT = 0x24,
    WIN_MULTREAD_EXT = 0x29,
    WIN_WRITE = 0x30,
    WIN_WRITE_ONCE = 0x31,
    WIN_WRITE_EXT = 0x34,
    WIN_MULTWRITE_EXT = 0x39,
    WIN_VERIFY = 0x40,
    WIN_VERIFY_ONCE = 0x41,
    WIN_VERIFY_EXT = 0x42,
    WIN_DIAGNOSE = 0x90,
    WIN_SPECIFY = 0x91,
    WIN_STANDBYNOW2 = 0x94,
    WIN_IDLEIMMEDIATE2 = 0x95,
    WIN_STANDBY2 = 0x96,
    WIN_SETIDLE2 = 0x97,
    WIN_CHECKPOWERMODE2 = 0x98,
    WIN_MULTREAD = 0xc4,
    WIN_MULTWRITE = 0xc5,
    WIN_SETMULT = 0xc6,
    WIN_STANDBYNOW1 = 0xe0,
    WIN_IDLEIMMEDIATE = 0xe1,
    WIN_STANDBY = 0xe2,
    WIN_SETIDLE1 = 0xe3,
    WIN_CHECKPOWERMODE1 = 0xe5,
    WIN_FLUSH_CACHE = 0xe7,
    WIN_FLUSH_CACHE_EXT = 0xea,
    WIN_IDENTIFY = 0xec,
    WIN_SETFEATURES = 0xef,
};

enum {
    SETFEATURES_WCACHE_ON = 0x02,
    SETFEATURES_XFER = 0x03,
    SETFEATURES_WCACHE_OFF = 0x82,
    SETFEATURES_RLA_OFF = 0x55,
    SETFEATURES_DEFAULTS_OFF = 0x66,
    SETFEATURES_RLA_ON = 0xaa,
    SETFEATURES_DEFAULTS_ON = 0xcc,
    IDE_SELECT_LBA = 0x40,
};

void ide_ata_set_signature(IdeDrive *s)
{
    /* The ATA device signature; an absent drive reads all ones. */
    s->select &= 0xf0;
    s->nsector = 1;
    s->sector = 1;
    s->lcyl = s->blk != NULL ? 0 : 0xff;
    s->hcyl = s->blk != NULL ? 0 : 0xff;
}

void ide_ata_geometry(IdeDrive *s)
{
    uint64_t cyls;

    s->total_sectors = s->blk != NULL ? block_sectors(s->blk) : 0;
    /* The translation BIOSes expect from a disk without a partition table. */
    s->heads = 16;
    s->sectors = 63;
    cyls = s->total_sectors / (16 * 63);
    s->cylinders = (unsigned)CLAMP(cyls, 2, 16383);
}

static void put_le16(uint8_t *p, unsigned word, uint16_t v)
{
    p[word * 2] = (uint8_t)v;
    p[word * 2 + 1] = (uint8_t)(v >> 8);
}

/* ATA strings: space padded, the two bytes of each word swapped. */
static void put_string(uint8_t *p, unsigned word, const char *str, unsigned len)
{
    size_t n = strlen(str);

    for (unsigned i = 0; i < len; i++) {
        p[word * 2 + (i ^ 1)] = i < n ? (uint8_t)str[i] : ' ';
    }
}

static void ide_identify(IdeDrive *s)
{
    uint8_t *p = s->identify_data;
    uint64_t lba28 = MIN(s->total_sectors, 0x0fffffffu);
    uint32_t chs = s->cylinders * s->heads * s->sectors;
    char serial[21];
    unsigned drive = (unsigned)(s->bus - s->bus->ide->bus) * 2 + s->unit;

    memset(p, 0, sizeof(s->identify_data));
    g_snprintf(serial, sizeof(serial), "DM%05u", drive + 1);
    put_le16(p, 0, 0x0040); /* fixed disk */
    put_le16(p, 1, (uint16_t)s->cylinders);
    put_le16(p, 3, (uint16_t)s->heads);
    /* Obsolete geometry and buffer words, QEMU 7.2's values. */
    put_le16(p, 4, 512 * (uint16_t)s->sectors);
    put_le16(p, 5, 512);
    put_le16(p, 6, (uint16_t)s->sectors);
    put_string(p, 10, serial, 20);
    put_le16(p, 20, 3);   /* buffer type: dual ported, caching */
    put_le16(p, 21, 512); /* buffer size in sectors */
    put_le16(p, 22, 4);   /* ECC bytes */
    put_string(p, 23, PACKAGE_VERSION, 8);
    put_string(p, 27, "DEVMODELD HARDDISK", 40);
    put_le16(p, 47, 0x8000 | IDE_MAX_MULT_SECTORS);
    put_le16(p, 48, 1); /* doubleword I/O (obsolete), as QEMU */
    /* IORDY, LBA; bit 8 (DMA) clear: PIO only. */
    put_le16(p, 49, (1 << 11) | (1 << 9));
    put_le16(p, 51, 0x200);  /* PIO timing mode 2 */
    put_le16(p, 53, 0x0003); /* words 54-58 and 64-70 valid; no word 88 */
    put_le16(p, 54, (uint16_t)s->cylinders);
    put_le16(p, 55, (uint16_t)s->heads);
    put_le16(p, 56, (uint16_t)s->sectors);
    put_le16(p, 57, (uint16_t)chs);
    put_le16(p, 58, (uint16_t)(chs >> 16));
    if (s->mult_sectors != 0) {
        put_le16(p, 59, (uint16_t)(0x100 | s->mult_sectors));
    }
    put_le16(p, 60, (uint16_t)lba28);
    put_le16(p, 61, (uint16_t)(lba28 >> 16));
    put_le16(p, 64, 0x0003); /* PIO modes 3 and 4 */
    put_le16(p, 65, 120);
    put_le16(p, 66, 120);
    put_le16(p, 67, 120);
    put_le16(p, 68, 120);
    put_le16(p, 80, 0x00f0); /* major versions: QEMU 7.2's bits */
    put_le16(p, 81, 0x0016); /* minor version, QEMU's */
    put_le16(p, 82, 0x4020); /* NOP (aborts, as it must), write cache */
    put_le16(p, 83, 0x7400); /* FLUSH CACHE EXT, FLUSH CACHE, LBA48 */
    put_le16(p, 84, 0x4000);
    put_le16(p, 85, 0x4000 | (s->write_cache ? 0x20 : 0));
    put_le16(p, 86, 0x3400);
    put_le16(p, 87, 0x4000);
    put_le16(p, 100, (uint16_t)s->total_sectors);
    put_le16(p, 101, (uint16_t)(s->total_sectors >> 16));
    put_le16(p, 102, (uint16_t)(s->total_sectors >> 32));
    put_le16(p, 103, (uint16_t)(s->total_sectors >> 48));
    /* One logical sector per physical one; the word is valid. */
    put_le16(p, 106, 0x6000);
    s->identify_set = true;
}

static uint64_t ide_get_sector(const IdeDrive *s)
{
    if (s->select & IDE_SELECT_LBA) {
        if (s->lba48) {
            return ((uint64_t)s->hob_hcyl << 40) |
                   ((uint64_t)s->hob_lcyl << 32) |
                   ((uint64_t)s->hob_sector << 24) | ((uint64_t)s->hcyl << 16) |
                   ((uint64_t)s->lcyl << 8) | s->sector;
        }
        return ((uint64_t)(s->select & 0x0f) << 24) |
               ((uint64_t)s->hcyl << 16) | ((uint64_t)s->lcyl << 8) | s->sector;
    }
    /* CHS: sector numbers start at 1; sector 0 is beyond every disk. */
    if (s->sector == 0) {
        return UINT64_MAX;
    }
    return (((uint64_t)s->hcyl << 8) | s->lcyl) * s->heads * s->sectors +
           (uint64_t)(s->select & 0x0f) * s->sectors +
           ((uint64_t)s->sector - 1);
}

int64_t ide_ata_retry_sector(const IdeDrive *s)
{
    if (!(s->select & IDE_SELECT_LBA) && s->sector == 0) {
        return (((int64_t)s->hcyl << 8) | s->lcyl) * s->heads * s->sectors +
               (int64_t)(s->select & 0x0f) * s->sectors - 1;
    }
    return (int64_t)ide_get_sector(s);
}

static void ide_set_sector(IdeDrive *s, uint64_t n)
{
    if (s->select & IDE_SELECT_LBA) {
        if (s->lba48) {
            s->sector = (uint8_t)n;
            s->lcyl = (uint8_t)(n >> 8);
            s->hcyl = (uint8_t)(n >> 16);
            s->hob_sector = (uint8_t)(n >> 24);
            s->hob_lcyl = (uint8_t)(n >> 32);
            s->hob_hcyl = (uint8_t)(n >> 40);
        } else {
            s->select = (uint8_t)((s->select & 0xf0) | ((n >> 24) & 0x0f));
            s->hcyl = (uint8_t)(n >> 16);
            s->lcyl = (uint8_t)(n >> 8);
            s->sector = (uint8_t)n;
        }
    } else {
        uint64_t per_cyl = (uint64_t)s->heads * s->sectors;
        uint64_t cyl = n / per_cyl;
        uint64_t r = n % per_cyl;

        s->hcyl = (uint8_t)(cyl >> 8);
        s->lcyl = (uint8_t)cyl;
        s->select = (uint8_t)((s->select & 0xf0) | ((r / s->sectors) & 0x0f));
        s->sector = (uint8_t)(r % s->sectors + 1);
    }
}

/* The count register: 0 means 256 sectors, or 65536 for an EXT command. */
static void ide_lba48_transform(IdeDrive *s, bool lba48)
{
    s->lba48 = lba48;
    if (!lba48) {
        if ((s->nsector & 0xff) == 0) {
            s->nsector = 256;
        } else {
            s->nsector &= 0xff;
        }
    } else if ((s->nsector & 0xff) == 0 && s->hob_nsector == 0) {
        s->nsector = 65536;
    } else {
        s->nsector = ((uint32_t)s->hob_nsector << 8) | (s->nsector & 0xff);
    }
}

static bool ide_range_ok(const IdeDrive *s, uint64_t sector, uint64_t count)
{
    return sector <= s->total_sectors && count <= s->total_sectors - sector;
}

static void ide_error(IdeDrive *s, uint8_t error)
{
    ide_transfer_stop(s);
    s->status = IDE_STAT_READY | IDE_STAT_ERR;
    s->error = error;
    ide_set_irq(s->bus);
}

static void ide_complete(IdeDrive *s)
{
    s->status = IDE_STAT_READY | IDE_STAT_SEEK;
    ide_set_irq(s->bus);
}

/* The next block of a read: into the buffer, DRQ and an interrupt. */
static void ide_sector_read(IdeDrive *s)
{
    uint64_t sector = ide_get_sector(s);
    uint32_t n = MIN(s->nsector, (uint32_t)s->req_nb_sectors);
    g_autoptr(GError) error = NULL;

    s->status = IDE_STAT_READY | IDE_STAT_SEEK;
    s->error = 0;
    if (s->nsector == 0) {
        /* The guest has taken the last block: the command is over. */
        ide_transfer_stop(s);
        return;
    }
    if (!ide_range_ok(s, sector, n)) {
        ide_error(s, IDE_ERR_IDNF);
        return;
    }
    if (!block_read(s->blk, sector, n, s->io_buffer, &error)) {
        g_warning("%s", error->message);
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
    s->nsector -= n;
    ide_set_sector(s, sector + n);
    ide_transfer_start(s, n * BLOCK_SECTOR_SIZE, IDE_END_SECTOR_READ);
    ide_set_irq(s->bus);
}

/* A block of a write has arrived: it goes to the image at once. */
static void ide_sector_write(IdeDrive *s)
{
    uint64_t sector = ide_get_sector(s);
    uint32_t n = MIN(s->nsector, (uint32_t)s->req_nb_sectors);
    g_autoptr(GError) error = NULL;

    s->status = IDE_STAT_READY | IDE_STAT_SEEK;
    if (!ide_range_ok(s, sector, n)) {
        ide_error(s, IDE_ERR_IDNF);
        return;
    }
    /* With the write cache off, a sector is durable before it completes. */
    if (!block_write(s->blk, sector, n, s->io_buffer, &error) ||
        (!s->write_cache && !block_flush(s->blk, &error))) {
        g_warning("%s", error->message);
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
    s->nsector -= n;
    ide_set_sector(s, sector + n);
    if (s->nsector == 0) {
        ide_transfer_stop(s);
    } else {
        n = MIN(s->nsector, (uint32_t)s->req_nb_sectors);
        ide_transfer_start(s, n * BLOCK_SECTOR_SIZE, IDE_END_SECTOR_WRITE);
    }
    ide_set_irq(s->bus);
}

void ide_ata_end_transfer(IdeDrive *s)
{
    /* A loaded state cannot put DRQ on an absent drive; be sure anyway. */
    if (s->blk == NULL) {
        ide_transfer_stop(s);
        return;
    }
    switch (s->end_transfer) {
    case IDE_END_SECTOR_READ:
        ide_sector_read(s);
        break;
    case IDE_END_SECTOR_WRITE:
        ide_sector_write(s);
        break;
    default:
        ide_transfer_stop(s);
        break;
    }
}

static void ide_start_rw(IdeDrive *s, bool write, bool lba48, bool multiple)
{
    uint64_t sector;

    if (multiple && s->mult_sectors == 0) {
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
    if (write && block_is_readonly(s->blk)) {
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
    ide_lba48_transform(s, lba48);
    s->req_nb_sectors = multiple ? s->mult_sectors : 1;
    /* A range beyond the disk ends before any data moves. */
    sector = ide_get_sector(s);
    if (!ide_range_ok(s, sector, s->nsector)) {
        ide_error(s, IDE_ERR_IDNF);
        return;
    }
    if (!write) {
        ide_sector_read(s);
        return;
    }
    /* No interrupt before the first block of a write (ATA-6 §9.8). */
    s->status = IDE_STAT_READY | IDE_STAT_SEEK;
    ide_transfer_start(
        s, MIN(s->nsector, (uint32_t)s->req_nb_sectors) * BLOCK_SECTOR_SIZE,
        IDE_END_SECTOR_WRITE);
}

static void ide_verify(IdeDrive *s, bool lba48)
{
    uint64_t sector;

    ide_lba48_transform(s, lba48);
    sector = ide_get_sector(s);
    if (!ide_range_ok(s, sector, s->nsector)) {
        ide_error(s, IDE_ERR_IDNF);
        return;
    }
    ide_set_sector(s, sector + s->nsector - 1);
    ide_complete(s);
}

static void ide_flush(IdeDrive *s)
{
    g_autoptr(GError) error = NULL;

    if (!block_is_readonly(s->blk) && !block_flush(s->blk, &error)) {
        g_warning("%s", error->message);
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
    ide_complete(s);
}

static void ide_set_features(IdeDrive *s)
{
    switch (s->feature) {
    case SETFEATURES_WCACHE_ON:
    case SETFEATURES_WCACHE_OFF:
        /*
         * Every completed sector is in the file either way; with the
         * cache off each write is also flushed before it completes.
         */
        s->write_cache = s->feature == SETFEATURES_WCACHE_ON;
        if (s->identify_set) {
            s->identify_data[85 * 2] =
                (uint8_t)((s->identify_data[85 * 2] & ~0x20) |
                          (s->write_cache ? 0x20 : 0));
        }
        ide_complete(s);
        return;
    case SETFEATURES_XFER:
        /* PIO default (0) and PIO flow control modes (1) only. */
        if ((s->nsector & 0xff) >> 3 <= 1) {
            ide_complete(s);
        } else {
            ide_error(s, IDE_ERR_ABRT);
        }
        return;
    case SETFEATURES_RLA_OFF:
    case SETFEATURES_RLA_ON:
    case SETFEATURES_DEFAULTS_OFF:
    case SETFEATURES_DEFAULTS_ON:
        ide_complete(s);
        return;
    default:
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
}

void ide_ata_exec_cmd(IdeDrive *s, uint8_t cmd)
{
    uint32_t count;

    s->error = 0;
    s->status = IDE_STAT_READY | IDE_STAT_BUSY;
    switch (cmd) {
    case WIN_IDENTIFY:
        ide_identify(s);
        memcpy(s->io_buffer, s->identify_data, sizeof(s->identify_data));
        s->status = IDE_STAT_READY | IDE_STAT_SEEK;
        ide_transfer_start(s, sizeof(s->identify_data), IDE_END_STOP);
        ide_set_irq(s->bus);
        return;
    case WIN_READ:
    case WIN_READ_ONCE:
        ide_start_rw(s, false, false, false);
        return;
    case WIN_READ_EXT:
        ide_start_rw(s, false, true, false);
        return;
    case WIN_MULTREAD:
        ide_start_rw(s, false, false, true);
        return;
    case WIN_MULTREAD_EXT:
        ide_start_rw(s, false, true, true);
        return;
    case WIN_WRITE:
    case WIN_WRITE_ONCE:
        ide_start_rw(s, true, false, false);
        return;
    case WIN_WRITE_EXT:
        ide_start_rw(s, true, true, false);
        return;
    case WIN_MULTWRITE:
        ide_start_rw(s, true, false, true);
        return;
    case WIN_MULTWRITE_EXT:
        ide_start_rw(s, true, true, true);
        return;
    case WIN_VERIFY:
    case WIN_VERIFY_ONCE:
        ide_verify(s, false);
        return;
    case WIN_VERIFY_EXT:
        ide_verify(s, true);
        return;
    case WIN_SETMULT:
        /* 0 turns multiple mode off; else a power of two up to 16. */
        count = s->nsector & 0xff;
        if (count > IDE_MAX_MULT_SECTORS || (count & (count - 1)) != 0) {
            ide_error(s, IDE_ERR_ABRT);
        } else {
            s->mult_sectors = (int32_t)count;
            ide_complete(s);
        }
        return;
    case WIN_FLUSH_CACHE:
    case WIN_FLUSH_CACHE_EXT:
        ide_flush(s);
        return;
    case WIN_SETFEATURES:
        ide_set_features(s);
        return;
    case WIN_DIAGNOSE:
        ide_ata_set_signature(s);
        s->status = IDE_STAT_READY | IDE_STAT_SEEK;
        s->error = 0x01; /* device 0 passed */
        ide_set_irq(s->bus);
        return;
    case WIN_CHECKPOWERMODE1:
    case WIN_CHECKPOWERMODE2:
        s->nsector = 0xff; /* active or idle */
        ide_complete(s);
        return;
    case WIN_SPECIFY:
    case WIN_STANDBYNOW1:
    case WIN_STANDBYNOW2:
    case WIN_IDLEIMMEDIATE:
    case WIN_IDLEIMMEDIATE2:
    case WIN_STANDBY:
    case WIN_STANDBY2:
    case WIN_SETIDLE1:
    case WIN_SETIDLE2:
        ide_complete(s);
        return;
    case WIN_NOP:
        /* NOP always ends with ABRT (ATA-6 §8.22; QEMU 7.2 too). */
        ide_error(s, IDE_ERR_ABRT);
        return;
    default:
        if (cmd >= WIN_RECAL && cmd <= WIN_RECAL + 0x0f) {
            ide_complete(s);
            return;
        }
        /* DMA commands and everything we do not implement. */
        ide_error(s, IDE_ERR_ABRT);
        return;
    }
}
