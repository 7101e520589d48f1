/*
 * The PIIX3 IDE channels and the ATA commands, through a real
 * IoDispatcher on temporary raw images: registers, the PIO engine, each
 * command and its error cases, interrupts, nIEN, SRST and the Bus Master
 * registers.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "tests/unit/check-ide.h"
#include "tests/unit/suites.h"

char *ide_tmpdir;
char *img_path;
IoDispatcher *ide_io;
BlockBackend *blk;
BlockBackend *drives[BLOCK_MAX_DRIVES];
IrqLine irq14, irq15;
int irq_count[16];
Ide *ide;
PciBus *pci;
VmsRegistry *registry;

static void on_irq(void *opaque, int n, bool level)
{
    (void)opaque;
    if (level) {
        irq_count[n]++;
    }
}

/* Sector i's bytes: a pattern naming the sector and the byte. */
uint8_t pattern(uint64_t sector, unsigned byte)
{
    return (uint8_t)(sector * 7 + byte * 13 + (sector >> 8));
}

void open_ide(bool readonly)
{
    BlockOptions opts = { .file = img_path, .readonly = readonly };
    g_autoptr(GError) error = NULL;

    blk = block_open(&opts, &error);
    ck_assert_msg(blk != NULL, "%s", error ? error->message : "");
    memset(drives, 0, sizeof(drives));
    drives[0] = blk;
    /* A fresh bus each time: BAR4 stays attached to the IDE it had. */
    pci = pci_bus_new(ide_io, &error);
    ck_assert_ptr_nonnull(pci);
    ck_assert(pci_bus_create_piix3(pci, 128 << 20, &error));
    ide = ide_new(ide_io, pci_bus_function(pci, PCI_DEVFN(1, 1)), drives,
                  &irq14, &irq15, &error);
    ck_assert_msg(ide != NULL, "%s", error ? error->message : "");
}

void ide_setup(void)
{
    g_autofree uint8_t *buf = g_malloc(IMG_SECTORS * 512);
    g_autoptr(GError) error = NULL;

    ide_tmpdir = g_dir_make_tmp("check-ide-XXXXXX", NULL);
    ck_assert_ptr_nonnull(ide_tmpdir);
    img_path = g_build_filename(ide_tmpdir, "disk.img", NULL);
    for (unsigned s = 0; s < IMG_SECTORS; s++) {
        for (unsigned b = 0; b < 512; b++) {
            buf[s * 512 + b] = pattern(s, b);
        }
    }
    ck_assert(g_file_set_contents(img_path, (const char *)buf,
                                  IMG_SECTORS * 512, &error));
    ide_io = io_dispatcher_new();
    irq_line_init(&irq14, on_irq, NULL, 14);
    irq_line_init(&irq15, on_irq, NULL, 15);
    memset(irq_count, 0, sizeof(irq_count));
    open_ide(false);
}

void close_ide(void)
{
    ide_free(ide);
    ide = NULL;
    pci_bus_free(pci);
    pci = NULL;
    block_close(blk);
    blk = NULL;
}

void ide_teardown(void)
{
    close_ide();
    vms_registry_free(registry);
    registry = NULL;
    io_dispatcher_free(ide_io);
    g_remove(img_path);
    g_rmdir(ide_tmpdir);
    g_free(img_path);
    g_free(ide_tmpdir);
}

uint8_t inb(uint16_t port)
{
    return (uint8_t)io_port_read(ide_io, port, 1);
}

void outb(uint16_t port, uint8_t v)
{
    io_port_write(ide_io, port, v, 1);
}

uint16_t inw(void)
{
    return (uint16_t)io_port_read(ide_io, P_DATA, 2);
}

void outw(uint16_t v)
{
    io_port_write(ide_io, P_DATA, v, 2);
}

void set_lba28(uint32_t lba, uint8_t count)
{
    outb(P_SELECT, 0xe0 | ((lba >> 24) & 0x0f));
    outb(P_NSECT, count);
    outb(P_SECT, (uint8_t)lba);
    outb(P_LCYL, (uint8_t)(lba >> 8));
    outb(P_HCYL, (uint8_t)(lba >> 16));
}

void set_lba48(uint64_t lba, uint16_t count)
{
    outb(P_SELECT, 0xe0);
    outb(P_NSECT, (uint8_t)(count >> 8));
    outb(P_SECT, (uint8_t)(lba >> 24));
    outb(P_LCYL, (uint8_t)(lba >> 32));
    outb(P_HCYL, (uint8_t)(lba >> 40));
    outb(P_NSECT, (uint8_t)count);
    outb(P_SECT, (uint8_t)lba);
    outb(P_LCYL, (uint8_t)(lba >> 8));
    outb(P_HCYL, (uint8_t)(lba >> 16));
}

/* Reads one sector through the data port and checks it. */
void read_check_sector(uint64_t sector)
{
    ck_assert_uint_eq(inb(P_CMD) & (IDE_STAT_DRQ | IDE_STAT_ERR), IDE_STAT_DRQ);
    for (unsigned b = 0; b < 512; b += 2) {
        uint16_t w = inw();
        ck_assert_uint_eq(w & 0xff, pattern(sector, b));
        ck_assert_uint_eq(w >> 8, pattern(sector, b + 1));
    }
}

void read_image(uint64_t sector, uint8_t *buf)
{
    int fd = open(img_path, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, 512, (off_t)sector * 512), 512);
    close(fd);
}

void check_abort(uint8_t error)
{
    ck_assert_uint_eq(inb(P_CMD), IDE_STAT_READY | IDE_STAT_ERR);
    ck_assert_uint_eq(inb(P_ERR), error);
}

START_TEST(test_reset_registers)
{
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(inb(P_CTRL), 0x50);
    ck_assert_uint_eq(inb(P_NSECT), 1);
    ck_assert_uint_eq(inb(P_SECT), 1);
    ck_assert_uint_eq(inb(P_LCYL), 0);
    ck_assert_uint_eq(inb(P_HCYL), 0);
    ck_assert_uint_eq(inb(P_SELECT), 0xa0);
    /* An absent slave and an empty channel read 0, as in QEMU 7.2. */
    outb(P_SELECT, 0xb0);
    ck_assert_uint_eq(inb(P_CMD), 0);
    ck_assert_uint_eq(inb(P_CTRL), 0);
    ck_assert_uint_eq(inb(P_SELECT), 0xb0);
    ck_assert_uint_eq(inb(0x177), 0);
    ck_assert_uint_eq(inb(0x376), 0);
    /* A command to the absent slave goes nowhere. */
    outb(P_CMD, 0xec);
    ck_assert_int_eq(irq_count[14], 0);
    outb(P_SELECT, 0xa0);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    /* A byte read of the data port without DRQ reads 0, as in QEMU. */
    ck_assert_uint_eq(inb(P_DATA), 0);
    /* The absent slave's other registers hold its signature (QEMU). */
    outb(P_SELECT, 0xb0);
    ck_assert_uint_eq(inb(P_NSECT), 1);
    ck_assert_uint_eq(inb(P_LCYL), 0xff);
    ck_assert_uint_eq(inb(P_HCYL), 0xff);
    outb(P_SELECT, 0xa0);
    ck_assert_uint_eq(inb(0x170), 0);
}
END_TEST

START_TEST(test_taskfile_hob)
{
    outb(P_SECT, 0x12);
    outb(P_SECT, 0x34);
    ck_assert_uint_eq(inb(P_SECT), 0x34);
    outb(P_CTRL, IDE_CTRL_HOB);
    ck_assert_uint_eq(inb(P_SECT), 0x12);
    outb(P_CTRL, 0);
    ck_assert_uint_eq(inb(P_SECT), 0x34);
}
END_TEST

START_TEST(test_identify)
{
    uint16_t id[256];
    char model[41];

    outb(P_SELECT, 0xa0);
    outb(P_CMD, 0xec);
    ck_assert_int_eq(irq_count[14], 1);
    ck_assert(irq14.level);
    ck_assert_uint_eq(inb(P_CTRL), 0x58);
    ck_assert(irq14.level); /* alternate status does not acknowledge */
    ck_assert_uint_eq(inb(P_CMD), 0x58);
    ck_assert(!irq14.level);
    for (unsigned i = 0; i < 128; i++) {
        uint32_t d = io_port_read(ide_io, P_DATA, 4); /* 32-bit PIO */
        id[i * 2] = (uint16_t)d;
        id[i * 2 + 1] = (uint16_t)(d >> 16);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(id[0], 0x0040);
    ck_assert_uint_eq(id[1], 2);
    ck_assert_uint_eq(id[3], 16);
    ck_assert_uint_eq(id[6], 63);
    ck_assert_uint_eq(id[49] & (1u << 8), 0); /* no DMA */
    ck_assert_uint_ne(id[49] & (1u << 9), 0); /* LBA */
    ck_assert_uint_eq(id[63], 0);
    ck_assert_uint_eq(id[88], 0);
    ck_assert_uint_eq(id[53] & 4, 0);
    ck_assert_uint_eq(id[60] | ((uint32_t)id[61] << 16), IMG_SECTORS);
    ck_assert_uint_eq(id[100], IMG_SECTORS);
    ck_assert_uint_eq(id[59], 0x110);
    for (unsigned i = 0; i < 20; i++) {
        model[i * 2] = (char)(id[27 + i] >> 8);
        model[i * 2 + 1] = (char)id[27 + i];
    }
    model[40] = 0;
    ck_assert_str_eq(g_strchomp(model), "DEVMODELD HARDDISK");
    ck_assert(ide->bus[0].ifs[0].identify_set);
    /* Data reads after the end return 0 and change nothing. */
    ck_assert_uint_eq(inw(), 0);
}
END_TEST

START_TEST(test_read_sectors_lba)
{
    set_lba28(100, 8);
    outb(P_CMD, 0x20);
    /* A byte read peeks at the next byte without taking it (QEMU). */
    ck_assert_uint_eq(inb(P_DATA), pattern(100, 0));
    ck_assert_uint_eq(inb(P_DATA), pattern(100, 0));
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_int_eq(irq_count[14], (int)i + 1);
        read_check_sector(100 + i);
    }
    ck_assert_int_eq(irq_count[14], 8);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    /* The registers point at the last sector read + 1. */
    ck_assert_uint_eq(inb(P_SECT), 108);
    ck_assert_uint_eq(inb(P_NSECT), 0);
}
END_TEST

START_TEST(test_read_sectors_chs)
{
    /* C/H/S 1/2/5 = (1 * 16 + 2) * 63 + 4 */
    outb(P_SELECT, 0xa2);
    outb(P_NSECT, 2);
    outb(P_SECT, 5);
    outb(P_LCYL, 1);
    outb(P_HCYL, 0);
    outb(P_CMD, 0x20);
    read_check_sector((1 * 16 + 2) * 63 + 4);
    read_check_sector((1 * 16 + 2) * 63 + 5);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(inb(P_SECT), 7);
    /* Sector 0 does not exist in CHS. */
    outb(P_SECT, 0);
    outb(P_NSECT, 1);
    outb(P_CMD, 0x20);
    check_abort(IDE_ERR_IDNF);
}
END_TEST

START_TEST(test_read_ext_and_256)
{
    set_lba48(IMG_SECTORS - 2, 2);
    outb(P_CMD, 0x24);
    read_check_sector(IMG_SECTORS - 2);
    read_check_sector(IMG_SECTORS - 1);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    /* A count of 0 is 256 sectors for a 28-bit command. */
    set_lba28(0, 0);
    outb(P_CMD, 0x20);
    for (unsigned i = 0; i < 256; i++) {
        read_check_sector(i);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
}
END_TEST

START_TEST(test_out_of_range)
{
    set_lba28(IMG_SECTORS - 1, 2);
    outb(P_CMD, 0x20);
    check_abort(IDE_ERR_IDNF);
    set_lba28(IMG_SECTORS - 1, 2);
    outb(P_CMD, 0x30);
    check_abort(IDE_ERR_IDNF);
    set_lba48(1ull << 40, 1);
    outb(P_CMD, 0x24);
    check_abort(IDE_ERR_IDNF);
    set_lba28(IMG_SECTORS, 1);
    outb(P_CMD, 0x40);
    check_abort(IDE_ERR_IDNF);
}
END_TEST

START_TEST(test_write_sectors)
{
    uint8_t buf[512];

    set_lba28(10, 3);
    outb(P_CMD, 0x30);
    /* No interrupt before the first block. */
    ck_assert_int_eq(irq_count[14], 0);
    ck_assert_uint_eq(inb(P_CMD), 0x58);
    for (unsigned s = 0; s < 3; s++) {
        for (unsigned b = 0; b < 512; b += 2) {
            outw((uint16_t)(0xa500 + s * 0x10 + (b & 0xff)));
        }
        /* Each completed sector is in the file at once. */
        read_image(10 + s, buf);
        ck_assert_uint_eq(buf[0], (uint8_t)(s * 0x10));
        ck_assert_uint_eq(buf[1], 0xa5);
        ck_assert_uint_eq(buf[2] | (buf[3] << 8), 0xa502 + s * 0x10);
        read_image(10 + s + 1, buf);
        ck_assert_uint_eq(buf[0], pattern(10 + s + 1, 0));
        ck_assert_int_eq(irq_count[14], (int)s + 1);
        ck_assert(irq14.level);
        ck_assert_uint_eq(inb(P_CMD), s < 2 ? 0x58 : 0x50);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    /* Reads while writing are refused: data reads 0 during PIO out. */
    set_lba28(20, 1);
    outb(P_CMD, 0x30);
    ck_assert_uint_eq(inw(), 0);
    ck_assert_uint_eq(ide->bus[0].ifs[0].data_pos, 0);
}
END_TEST

START_TEST(test_write_ext)
{
    uint8_t buf[512];

    set_lba48(IMG_SECTORS - 1, 1);
    outb(P_CMD, 0x34);
    for (unsigned b = 0; b < 512; b += 4) {
        io_port_write(ide_io, P_DATA, 0x11223344, 4);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    read_image(IMG_SECTORS - 1, buf);
    ck_assert_uint_eq(buf[0], 0x44);
    ck_assert_uint_eq(buf[511], 0x11);
}
END_TEST

START_TEST(test_multiple)
{
    uint8_t buf[512];

    /* SET MULTIPLE accepts 0 and powers of two up to 16. */
    outb(P_NSECT, 3);
    outb(P_CMD, 0xc6);
    check_abort(IDE_ERR_ABRT);
    outb(P_NSECT, 32);
    outb(P_CMD, 0xc6);
    check_abort(IDE_ERR_ABRT);
    outb(P_NSECT, 0);
    outb(P_CMD, 0xc6);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    set_lba28(0, 1);
    outb(P_CMD, 0xc4);
    check_abort(IDE_ERR_ABRT);
    outb(P_NSECT, 4);
    outb(P_CMD, 0xc6);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    irq_count[14] = 0;

    /* 10 sectors in blocks of 4, 4, 2: three interrupts. */
    set_lba28(50, 10);
    outb(P_CMD, 0xc4);
    for (unsigned i = 0; i < 10; i++) {
        read_check_sector(50 + i);
    }
    ck_assert_int_eq(irq_count[14], 3);
    ck_assert_uint_eq(inb(P_CMD), 0x50);

    set_lba48(60, 6);
    outb(P_CMD, 0x29);
    for (unsigned i = 0; i < 6; i++) {
        read_check_sector(60 + i);
    }

    irq_count[14] = 0;
    set_lba28(200, 6);
    outb(P_CMD, 0xc5);
    for (unsigned i = 0; i < 6 * 256; i++) {
        outw((uint16_t)i);
        if (i % (4 * 256) == 4 * 256 - 1) {
            /* The first block of 4: an interrupt, DRQ for the rest. */
            ck_assert_uint_eq(inb(P_CMD), 0x58);
        }
    }
    ck_assert_int_eq(irq_count[14], 2);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    read_image(205, buf);
    ck_assert_uint_eq(buf[0] | (buf[1] << 8), 5 * 256);

    set_lba48(300, 2);
    outb(P_CMD, 0x39);
    for (unsigned i = 0; i < 2 * 256; i++) {
        outw(0xbeef);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    read_image(301, buf);
    ck_assert_uint_eq(buf[510], 0xef);
}
END_TEST

START_TEST(test_readonly)
{
    close_ide();
    open_ide(true);
    set_lba28(0, 1);
    outb(P_CMD, 0x30);
    check_abort(IDE_ERR_ABRT);
    outb(P_NSECT, 4);
    outb(P_CMD, 0xc6);
    set_lba28(0, 1);
    outb(P_CMD, 0xc5);
    check_abort(IDE_ERR_ABRT);
    set_lba48(0, 1);
    outb(P_CMD, 0x34);
    check_abort(IDE_ERR_ABRT);
    /* Reads and FLUSH still work. */
    set_lba28(0, 1);
    outb(P_CMD, 0x20);
    read_check_sector(0);
    outb(P_CMD, 0xe7);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
}
END_TEST

START_TEST(test_misc_commands)
{
    static const uint8_t ok[] = { 0x10, 0x1f, 0x91, 0xe0, 0xe1, 0xe2, 0xe3,
                                  0x94, 0x95, 0x96, 0x97, 0xe7, 0xea };
    static const uint8_t abort_cmds[] = { 0x00, 0xc8, 0xca, 0x25, 0x35, 0xc7,
                                          0xcc, 0xa0, 0xa1, 0xf8, 0xe6, 0x01 };

    for (unsigned i = 0; i < G_N_ELEMENTS(ok); i++) {
        irq_count[14] = 0;
        outb(P_CMD, ok[i]);
        ck_assert_msg(inb(P_CMD) == 0x50, "command 0x%02x", ok[i]);
        ck_assert_int_eq(irq_count[14], 1);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(abort_cmds); i++) {
        irq_count[14] = 0;
        outb(P_CMD, abort_cmds[i]);
        ck_assert_msg(inb(P_CMD) == 0x41, "command 0x%02x", abort_cmds[i]);
        ck_assert_uint_eq(inb(P_ERR), IDE_ERR_ABRT);
        ck_assert_int_eq(irq_count[14], 1);
    }
    /* READ VERIFY leaves the address at the last sector. */
    set_lba28(10, 5);
    outb(P_CMD, 0x40);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(inb(P_SECT), 14);
    set_lba48(20, 5);
    outb(P_CMD, 0x42);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(inb(P_SECT), 24);
    /* CHECK POWER MODE: active. */
    outb(P_NSECT, 0);
    outb(P_CMD, 0xe5);
    ck_assert_uint_eq(inb(P_NSECT), 0xff);
    outb(P_CMD, 0x98);
    ck_assert_uint_eq(inb(P_NSECT), 0xff);
    /* EXECUTE DEVICE DIAGNOSTIC: signature and error 1. */
    outb(P_LCYL, 0x33);
    outb(P_CMD, 0x90);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(inb(P_ERR), 0x01);
    ck_assert_uint_eq(inb(P_LCYL), 0);
    ck_assert_uint_eq(inb(P_NSECT), 1);
}
END_TEST

START_TEST(test_set_features)
{
    IdeDrive *s = &ide->bus[0].ifs[0];
    uint8_t buf[512];

    outb(P_CMD, 0xec);
    for (unsigned i = 0; i < 256; i++) {
        inw();
    }
    ck_assert_uint_ne(s->identify_data[85 * 2] & 0x20, 0);
    outb(P_ERR, 0x82);
    outb(P_CMD, 0xef);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert(!s->write_cache);
    ck_assert_uint_eq(s->identify_data[85 * 2] & 0x20, 0);
    /* Writes go on with the cache off (each one flushed). */
    set_lba28(30, 1);
    outb(P_CMD, 0x30);
    for (unsigned i = 0; i < 256; i++) {
        outw(0x5aa5);
    }
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    read_image(30, buf);
    ck_assert_uint_eq(buf[0], 0xa5);
    outb(P_ERR, 0x82);
    outb(P_ERR, 0x02);
    outb(P_CMD, 0xef);
    ck_assert(s->write_cache);
    ck_assert_uint_ne(s->identify_data[85 * 2] & 0x20, 0);
    /* Transfer mode: PIO default and PIO 4 yes, UDMA and MWDMA no. */
    outb(P_ERR, 0x03);
    outb(P_NSECT, 0x0c);
    outb(P_CMD, 0xef);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    outb(P_NSECT, 0x00);
    outb(P_CMD, 0xef);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    outb(P_NSECT, 0x45);
    outb(P_CMD, 0xef);
    check_abort(IDE_ERR_ABRT);
    outb(P_NSECT, 0x22);
    outb(P_CMD, 0xef);
    check_abort(IDE_ERR_ABRT);
    outb(P_ERR, 0x77);
    outb(P_CMD, 0xef);
    check_abort(IDE_ERR_ABRT);
}
END_TEST

START_TEST(test_nien_and_srst)
{
    outb(P_CTRL, IDE_CTRL_NIEN);
    outb(P_CMD, 0xe7);
    ck_assert_int_eq(irq_count[14], 0);
    ck_assert(!irq14.level);
    outb(P_CTRL, 0);
    outb(P_CMD, 0xe7);
    ck_assert_int_eq(irq_count[14], 1);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert(!irq14.level);

    /*
     * SRST in the middle of a read: the reset happens when SRST is set
     * (QEMU 7.2: ready at once, diagnostic code 1, the signature).
     */
    set_lba28(5, 4);
    outb(P_CMD, 0x20);
    inw();
    outb(P_CTRL, IDE_CTRL_SRST);
    ck_assert_uint_eq(inb(P_CTRL), 0x50);
    ck_assert_uint_eq(inb(P_ERR), 0x01);
    ck_assert_uint_eq(inb(P_SECT), 1);
    ck_assert_uint_eq(inb(P_NSECT), 1);
    ck_assert_uint_eq(inw(), 0);
    /* Clearing it changes nothing more. */
    outb(P_SECT, 0x99);
    outb(P_CTRL, 0);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
    ck_assert_uint_eq(inb(P_SECT), 0x99);
    /* The multiple count is back to its default. */
    ck_assert_int_eq(ide->bus[0].ifs[0].mult_sectors, IDE_MAX_MULT_SECTORS);
}
END_TEST

START_TEST(test_busy_ignores_writes)
{
    set_lba28(7, 2);
    outb(P_CMD, 0x20);
    /* DRQ: the task file and new commands are ignored. */
    outb(P_SECT, 0x55);
    outb(P_CMD, 0xec);
    read_check_sector(7);
    read_check_sector(8);
    ck_assert_uint_eq(inb(P_CMD), 0x50);
}
END_TEST

START_TEST(test_bmdma)
{
    ck_assert_uint_eq(ide_bmdma_read(ide, 0, 1), 0);
    ide_bmdma_write(ide, 0, 0xff, 1);
    ck_assert_uint_eq(ide_bmdma_read(ide, 0, 1), 0x09);
    ide_bmdma_write(ide, 2, 0xff, 1);
    ck_assert_uint_eq(ide_bmdma_read(ide, 2, 1), 0x60);
    ide->bmdma[0].status |= 0x06;
    ide_bmdma_write(ide, 2, 0x64, 1);
    ck_assert_uint_eq(ide_bmdma_read(ide, 2, 1), 0x62);
    ide_bmdma_write(ide, 12, 0x12345677, 4);
    ck_assert_uint_eq(ide_bmdma_read(ide, 12, 4), 0x12345674);
    ck_assert_uint_eq(ide->bmdma[1].addr, 0x12345674);
    ck_assert_uint_eq(ide_bmdma_read(ide, 1, 1), 0xff);
    ide_reset(ide);
    ck_assert_uint_eq(ide_bmdma_read(ide, 12, 4), 0);
    ck_assert_uint_eq(ide_bmdma_read(ide, 0, 1), 0);
}
END_TEST

Suite *ide_suite(void)
{
    Suite *s = suite_create("ide");
    TCase *tc = tcase_create("ata");

    tcase_add_checked_fixture(tc, ide_setup, ide_teardown);
    tcase_add_test(tc, test_reset_registers);
    tcase_add_test(tc, test_taskfile_hob);
    tcase_add_test(tc, test_identify);
    tcase_add_test(tc, test_read_sectors_lba);
    tcase_add_test(tc, test_read_sectors_chs);
    tcase_add_test(tc, test_read_ext_and_256);
    tcase_add_test(tc, test_out_of_range);
    tcase_add_test(tc, test_write_sectors);
    tcase_add_test(tc, test_write_ext);
    tcase_add_test(tc, test_multiple);
    tcase_add_test(tc, test_readonly);
    tcase_add_test(tc, test_misc_commands);
    tcase_add_test(tc, test_set_features);
    tcase_add_test(tc, test_nien_and_srst);
    tcase_add_test(tc, test_busy_ignores_writes);
    tcase_add_test(tc, test_bmdma);
    suite_add_tcase(s, tc);

    suite_add_tcase(s, ide_state_tcase());
    return s;
}
