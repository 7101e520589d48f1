/*
 * PCI bus 0: configuration mechanism #1 (PCI Local Bus Specification 3.0,
 * §3.2.2.3.2), the config bytes of 00:00.0, 00:01.0 and 00:01.1 after
 * reset and after the guest wrote all ones (recorded from QEMU 7.2.22
 * through qtest on -M pc), BAR sizing and decoding, read-only and
 * write-1-to-clear bits, reset and the PCIDevice state block.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "devices/pci.h"
#include "tests/unit/suites.h"
#include "vmstate/stream.h"

static IoDispatcher *io;
static PciBus *bus;

static void setup(void)
{
    io = io_dispatcher_new();
    bus = pci_bus_new(io, NULL);
    ck_assert_ptr_nonnull(bus);
    ck_assert(pci_bus_create_piix3(bus, 128 * 1024 * 1024, NULL));
}

static void teardown(void)
{
    pci_bus_free(bus);
    io_dispatcher_free(io);
}

static uint32_t cfg_addr(unsigned devfn, unsigned reg)
{
    return PCI_CONFIG_ENABLE | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read(unsigned devfn, unsigned reg, unsigned size)
{
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT, cfg_addr(devfn, reg), 4);
    return io_port_read(io, PCI_CONFIG_DATA_PORT + (reg & 3), size);
}

static void cfg_write(unsigned devfn, unsigned reg, uint32_t value,
                      unsigned size)
{
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT, cfg_addr(devfn, reg), 4);
    io_port_write(io, PCI_CONFIG_DATA_PORT + (reg & 3), value, size);
}

/* All 256 bytes through 0xCFC, one dword at a time. */
static void cfg_dump(unsigned devfn, uint8_t *out)
{
    for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg += 4) {
        uint32_t v = cfg_read(devfn, reg, 4);
        for (unsigned i = 0; i < 4; i++) {
            out[reg + i] = (uint8_t)(v >> (8 * i));
        }
    }
}

static void assert_config(unsigned devfn, const uint8_t *want)
{
    uint8_t got[PCI_CONFIG_SIZE];

    cfg_dump(devfn, got);
    for (unsigned i = 0; i < PCI_CONFIG_SIZE; i++) {
        ck_assert_msg(got[i] == want[i],
                      "%02x.%u byte 0x%02x: 0x%02x, not 0x%02x", devfn >> 3,
                      devfn & 7, i, got[i], want[i]);
    }
}

/* ------------------------------------------------ goldens: QEMU 7.2.22 */

static const uint8_t i440fx_reset[PCI_CONFIG_SIZE] = {
    [0x00] = 0x86, 0x80, /* vendor 8086 Intel */
    [0x02] = 0x37, 0x12, /* device 1237 82441FX */
    [0x08] = 0x02,       /* revision 02; status and command 0 */
    [0x0a] = 0x00, 0x06, /* class 0600 host bridge, prog-if 0 */
    [0x2c] = 0xf4, 0x1a, /* subsystem vendor 1af4 */
    [0x2e] = 0x00, 0x11, /* subsystem 1100 */
    [0x57] = 0x10,       /* RAM size byte: 128 MiB / 8 MiB */
    [0x72] = 0x02,       /* SMRAM control */
};

static const uint8_t piix3_isa_reset[PCI_CONFIG_SIZE] = {
    [0x00] = 0x86, 0x80,             /* vendor 8086 */
    [0x02] = 0x00, 0x70,             /* device 7000 PIIX3 ISA */
    [0x06] = 0x00, 0x02,             /* status: DEVSEL medium */
    [0x0a] = 0x01, 0x06,             /* class 0601 ISA bridge */
    [0x0e] = 0x80,                   /* header type 0, multi-function */
    [0x2c] = 0xf4, 0x1a,             /* subsystem vendor 1af4 */
    [0x2e] = 0x00, 0x11,             /* subsystem 1100 */
    [0x4c] = 0x4d,                   /* IORT */
    [0x4e] = 0x03,                   /* XBCS */
    [0x60] = 0x80, 0x80, 0x80, 0x80, /* PIRQRC[A..D] disabled */
    [0x69] = 0x02,                   /* TOM */
    [0x70] = 0x80,                   /* MBIRQ0 */
    [0x76] = 0x0c, 0x0c,             /* MBDMA0, MBDMA1 */
    [0x78] = 0x02,                   /* PCSC */
    [0xa0] = 0x08,                   /* SMICNTL */
    [0xa8] = 0x0f,                   /* FTMR */
};

static const uint8_t piix3_ide_reset[PCI_CONFIG_SIZE] = {
    [0x00] = 0x86, 0x80, /* vendor 8086 */
    [0x02] = 0x10, 0x70, /* device 7010 PIIX3 IDE */
    [0x06] = 0x80, 0x02, /* status: fast back-to-back, DEVSEL medium */
    [0x09] = 0x80,       /* prog-if: legacy mode, bus master */
    [0x0a] = 0x01, 0x01, /* class 0101 IDE */
    [0x20] = 0x01,       /* BAR4 (BMIBA): I/O space indicator */
    [0x2c] = 0xf4, 0x1a, /* subsystem vendor 1af4 */
    [0x2e] = 0x00, 0x11, /* subsystem 1100 */
};

/*
 * After writing 0xffffffff to every dword of 00:00.0: command reads 0507
 * (IO|MEM|MASTER|SERR|INTX_DISABLE), cache line size and interrupt line
 * ff, the device-specific area ff; the rest read-only.
 */
static void ones_golden(const uint8_t *reset, bool ide, uint8_t *out)
{
    memcpy(out, reset, PCI_CONFIG_SIZE);
    out[0x04] = 0x07; /* command */
    out[0x05] = 0x05;
    out[0x0c] = 0xff; /* cache line size */
    out[0x3c] = 0xff; /* interrupt line */
    memset(out + 0x40, 0xff, PCI_CONFIG_SIZE - 0x40);
    if (ide) {
        /* BAR4 sized: 16 ports, I/O */
        out[0x20] = 0xf1;
        out[0x21] = out[0x22] = out[0x23] = 0xff;
    }
}

START_TEST(test_reset_bytes)
{
    assert_config(PCI_DEVFN(0, 0), i440fx_reset);
    assert_config(PCI_DEVFN(1, 0), piix3_isa_reset);
    assert_config(PCI_DEVFN(1, 1), piix3_ide_reset);
}
END_TEST

START_TEST(test_all_ones)
{
    static const struct {
        unsigned devfn;
        const uint8_t *reset;
    } fns[] = {
        { PCI_DEVFN(0, 0), i440fx_reset },
        { PCI_DEVFN(1, 0), piix3_isa_reset },
        { PCI_DEVFN(1, 1), piix3_ide_reset },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(fns); i++) {
        uint8_t want[PCI_CONFIG_SIZE];

        for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg += 4) {
            cfg_write(fns[i].devfn, reg, 0xffffffff, 4);
        }
        ones_golden(fns[i].reset, fns[i].devfn == PCI_DEVFN(1, 1), want);
        assert_config(fns[i].devfn, want);
        /* And zeros bring back the reset bytes but BAR4's I/O bit. */
        for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg += 4) {
            cfg_write(fns[i].devfn, reg, 0, 4);
        }
        memcpy(want, fns[i].reset, PCI_CONFIG_SIZE);
        memset(want + 0x40, 0, PCI_CONFIG_SIZE - 0x40);
        assert_config(fns[i].devfn, want);
    }
}
END_TEST

/* ------------------------------------------------------ mechanism #1 */

START_TEST(test_access_widths)
{
    /* Values as QEMU 7.2 answers with 0xCF8 = 0x80000000. */
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT, 0x80000000, 4);
    ck_assert_uint_eq(io_port_read(io, 0xcfc, 4), 0x12378086);
    ck_assert_uint_eq(io_port_read(io, 0xcfc, 1), 0x86);
    ck_assert_uint_eq(io_port_read(io, 0xcfd, 1), 0x80);
    ck_assert_uint_eq(io_port_read(io, 0xcfe, 1), 0x37);
    ck_assert_uint_eq(io_port_read(io, 0xcff, 1), 0x12);
    ck_assert_uint_eq(io_port_read(io, 0xcfc, 2), 0x8086);
    ck_assert_uint_eq(io_port_read(io, 0xcfd, 2), 0x3780);
    ck_assert_uint_eq(io_port_read(io, 0xcfe, 2), 0x1237);
    /* Register bits 1:0 in 0xCF8 do not shift the data port. */
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT, 0x80000002, 4);
    ck_assert_uint_eq(io_port_read(io, 0xcfc, 4), 0x12378086);

    /* Byte and word writes at each offset of the command/status dword. */
    cfg_write(PCI_DEVFN(1, 1), 0x05, 0x01, 1);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x04, 4), 0x02800100);
    cfg_write(PCI_DEVFN(1, 1), 0x04, 0x0005, 2);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x04, 2), 0x0005);
    cfg_write(PCI_DEVFN(0, 0), 0x3c, 0x22ff, 2); /* line ff, pin RO */
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(0, 0), 0x3c, 4), 0x000000ff);
    cfg_write(PCI_DEVFN(1, 0), 0x62, 0x0b0a, 2);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 0), 0x60, 4), 0x0b0a8080);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 0), 0x61, 2), 0x0a80);
}
END_TEST

START_TEST(test_address_register)
{
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT, 0x80000003, 4);
    ck_assert_uint_eq(io_port_read(io, 0xcf8, 4), 0x80000003);
    /* QEMU: narrower writes are ignored; narrower reads give low bytes. */
    io_port_write(io, 0xcf8, 0x12, 1);
    io_port_write(io, 0xcfa, 0x1234, 2);
    ck_assert_uint_eq(io_port_read(io, 0xcf8, 4), 0x80000003);
    ck_assert_uint_eq(io_port_read(io, 0xcf8, 2), 0x0003);
    ck_assert_uint_eq(io_port_read(io, 0xcfb, 1), 0x03);

    /* Bit 31 clear: the data port reads all ones, writes go nowhere. */
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT, 0x00000804, 4);
    ck_assert_uint_eq(io_port_read(io, 0xcfc, 4), 0xffffffff);
    ck_assert_uint_eq(io_port_read(io, 0xcfe, 2), 0xffff);
    io_port_write(io, 0xcfc, 0x7, 4);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 0), 0x04, 4), 0x02000000);
}
END_TEST

START_TEST(test_absent_functions)
{
    /* 00:01.2, 00:02.0, 00:1f.7 and anything on bus 1. */
    static const uint32_t addrs[] = { 0x80000a00, 0x80001000, 0x8000ff00,
                                      0x80010000, 0x80ff0800 };

    for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
        io_port_write(io, PCI_CONFIG_ADDRESS_PORT, addrs[i], 4);
        ck_assert_uint_eq(io_port_read(io, 0xcfc, 4), 0xffffffff);
        ck_assert_uint_eq(io_port_read(io, 0xcfd, 1), 0xff);
        ck_assert_uint_eq(io_port_read(io, 0xcfe, 2), 0xffff);
        io_port_write(io, 0xcfc, 0, 4);
    }
    ck_assert_ptr_null(pci_bus_function(bus, PCI_DEVFN(2, 0)));
    ck_assert_ptr_nonnull(pci_bus_function(bus, PCI_DEVFN(1, 1)));
    assert_config(PCI_DEVFN(0, 0), i440fx_reset);
}
END_TEST

/* ------------------------------------------------------------- BARs */

typedef struct TestBarDev {
    unsigned reads;
    unsigned writes;
    uint64_t last_addr;
} TestBarDev;

static uint64_t testbar_read(void *opaque, uint64_t addr, unsigned size)
{
    TestBarDev *d = opaque;

    d->reads++;
    d->last_addr = addr;
    return 0x5a & ((1u << (8 * size)) - 1);
}

static void testbar_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    TestBarDev *d = opaque;

    (void)value;
    (void)size;
    d->writes++;
    d->last_addr = addr;
}

static const IoOps testbar_ops = {
    .read = testbar_read,
    .write = testbar_write,
    .min_access = 1,
    .max_access = 1,
};

START_TEST(test_bar_sizing)
{
    static const unsigned regs[] = { 0x10, 0x14, 0x18, 0x1c, 0x24, 0x30 };

    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x20, 4), 0xfffffff1);
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0, 4);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x20, 4), 0x00000001);
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xc00f, 4); /* low bits read-only */
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x20, 4), 0x0000c001);
    for (size_t i = 0; i < G_N_ELEMENTS(regs); i++) {
        cfg_write(PCI_DEVFN(1, 1), regs[i], 0xffffffff, 4);
        ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), regs[i], 4), 0);
        cfg_write(PCI_DEVFN(0, 0), regs[i], 0xffffffff, 4);
        ck_assert_uint_eq(cfg_read(PCI_DEVFN(0, 0), regs[i], 4), 0);
    }
}
END_TEST

START_TEST(test_bar_decoding)
{
    PciFunction *ide = pci_bus_function(bus, PCI_DEVFN(1, 1));
    TestBarDev dev = { 0 };

    /* No device behind BAR4 yet: unclaimed even when decoding. */
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xc000, 4);
    cfg_write(PCI_DEVFN(1, 1), 0x04, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(io_port_read(io, 0xc000, 1), 0xff);
    ck_assert_uint_eq(pci_function_bar_address(ide, 4), UINT64_MAX);

    pci_function_attach_bar(ide, 4, &testbar_ops, &dev);
    ck_assert_uint_eq(pci_function_bar_address(ide, 4), 0xc000);
    ck_assert_uint_eq(io_port_read(io, 0xc002, 1), 0x5a);
    ck_assert_uint_eq(dev.last_addr, 2);
    ck_assert_uint_eq(io_port_read(io, 0xc010, 1), 0xff);

    /* I/O decode off: the range stops answering; on again: back. */
    cfg_write(PCI_DEVFN(1, 1), 0x04, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(io_port_read(io, 0xc000, 1), 0xff);
    io_port_write(io, 0xc000, 1, 1);
    ck_assert_uint_eq(dev.writes, 0);
    cfg_write(PCI_DEVFN(1, 1), 0x04, PCI_COMMAND_IO, 1);
    ck_assert_uint_eq(io_port_read(io, 0xc00f, 1), 0x5a);
    io_port_write(io, 0xc00f, 1, 1);
    ck_assert_uint_eq(dev.writes, 1);

    /* A write to the BAR moves the region. */
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xd040, 4);
    ck_assert_uint_eq(io_port_read(io, 0xc000, 1), 0xff);
    ck_assert_uint_eq(io_port_read(io, 0xd04f, 1), 0x5a);
    ck_assert_uint_eq(dev.last_addr, 0xf);

    /* Sizing while decoding (all ones) goes past 64 KiB: off. */
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xffffffff, 4);
    ck_assert_uint_eq(pci_function_bar_address(ide, 4), UINT64_MAX);
    ck_assert_uint_eq(io_port_read(io, 0xd040, 1), 0xff);
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xfff0, 4);
    ck_assert_uint_eq(io_port_read(io, 0xfff0, 1), 0x5a);

    /* A reset unmaps it (command 0). */
    pci_bus_reset(bus);
    ck_assert_uint_eq(io_port_read(io, 0xfff0, 1), 0xff);
    ck_assert_uint_eq(pci_function_bar_address(ide, 4), UINT64_MAX);
}
END_TEST

/* A guest may put a BAR over other ports: no abort, the old owner stays. */
START_TEST(test_bar_clash)
{
    PciFunction *ide = pci_bus_function(bus, PCI_DEVFN(1, 1));
    TestBarDev dev = { 0 };

    pci_function_attach_bar(ide, 4, &testbar_ops, &dev);
    /* First mapping onto 0xCF0..0xCFF: refused, the BAR stays off. */
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xcf0, 4);
    cfg_write(PCI_DEVFN(1, 1), 0x04, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(pci_function_bar_address(ide, 4), UINT64_MAX);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x20, 4), 0xcf1);
    /* Elsewhere it maps; back over 0xCF8 the config ports still win. */
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xc000, 4);
    ck_assert_uint_eq(io_port_read(io, 0xc000, 1), 0x5a);
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xcf0, 4);
    ck_assert_uint_eq(io_port_read(io, 0xc000, 1), 0xff);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x20, 4), 0xcf1);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(0, 0), 0x00, 4), 0x12378086);
    cfg_write(PCI_DEVFN(1, 1), 0x20, 0xc000, 4);
    ck_assert_uint_eq(io_port_read(io, 0xc000, 1), 0x5a);
}
END_TEST

START_TEST(test_mem_bar)
{
    static const PciFunctionInfo info = {
        .name = "test-mem",
        .devfn = PCI_DEVFN(2, 0),
        .vendor_id = 0x1234,
        .device_id = 0x1111,
        .class_id = 0x0300,
    };
    PciFunction *f = pci_function_new(bus, &info, NULL);
    TestBarDev dev = { 0 };
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(pci_function_new(bus, &info, &error));
    ck_assert_ptr_nonnull(error);
    pci_function_define_bar(f, 0, PCI_BAR_MEM32, 0x1000);
    pci_function_attach_bar(f, 0, &testbar_ops, &dev);
    cfg_write(PCI_DEVFN(2, 0), 0x10, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(2, 0), 0x10, 4), 0xfffff000);
    cfg_write(PCI_DEVFN(2, 0), 0x10, 0xfebf0000, 4);
    ck_assert_uint_eq(io_mem_read(io, 0xfebf0000, 1), 0xff);
    cfg_write(PCI_DEVFN(2, 0), 0x04, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(io_mem_read(io, 0xfebf0fff, 1), 0x5a);
    /* The I/O bit alone does not decode a memory BAR. */
    cfg_write(PCI_DEVFN(2, 0), 0x04, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(io_mem_read(io, 0xfebf0000, 1), 0xff);
    /* A memory BAR at 0 stays unmapped, as in QEMU. */
    cfg_write(PCI_DEVFN(2, 0), 0x10, 0, 4);
    cfg_write(PCI_DEVFN(2, 0), 0x04, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(pci_function_bar_address(f, 0), UINT64_MAX);
    ck_assert_uint_eq(io_mem_read(io, 0, 1), 0xff);
}
END_TEST

/* ------------------------------------------------ read-only, w1c, reset */

START_TEST(test_read_only)
{
    /* ids, revision, class, header type, subsystem, pin: unchanged */
    static const unsigned ro[] = { 0x00, 0x02, 0x08, 0x0a, 0x0e,
                                   0x2c, 0x2e, 0x34, 0x3d };

    for (size_t i = 0; i < G_N_ELEMENTS(ro); i++) {
        uint32_t before = cfg_read(PCI_DEVFN(1, 1), ro[i], 2);
        cfg_write(PCI_DEVFN(1, 1), ro[i], 0x5aa5, 2);
        ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), ro[i], 2), before);
    }
    /* Latency timer: not writable in QEMU. */
    cfg_write(PCI_DEVFN(1, 1), 0x0d, 0x40, 1);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x0d, 1), 0);
}
END_TEST

START_TEST(test_status_w1c)
{
    PciFunction *ide = pci_bus_function(bus, PCI_DEVFN(1, 1));
    VmsPciDevice *st = pci_function_vmstate(ide);

    /* As if the device had reported every error. */
    st->config[PCI_STATUS + 1] |= 0xf9;
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x06, 2), 0xfb80);
    cfg_write(PCI_DEVFN(1, 1), 0x06, 0x0000, 2); /* zeros: no change */
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x06, 2), 0xfb80);
    cfg_write(PCI_DEVFN(1, 1), 0x06, 0x8000, 2);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x06, 2), 0x7b80);
    cfg_write(PCI_DEVFN(1, 1), 0x07, 0x21, 1);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x06, 2), 0x5a80);
    /* Ones everywhere clear only the error bits. */
    cfg_write(PCI_DEVFN(1, 1), 0x04, 0xffff0000, 4);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x06, 2), 0x0280);
}
END_TEST

START_TEST(test_reset)
{
    for (unsigned devfn = 0; devfn < 16; devfn++) {
        for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg += 4) {
            cfg_write(devfn, reg, 0xa5a5a5a5, 4);
        }
    }
    pci_bus_reset(bus);
    ck_assert_uint_eq(io_port_read(io, 0xcf8, 4), 0);
    assert_config(PCI_DEVFN(0, 0), i440fx_reset);
    assert_config(PCI_DEVFN(1, 0), piix3_isa_reset);
    assert_config(PCI_DEVFN(1, 1), piix3_ide_reset);
}
END_TEST

/* ------------------------------------------------------------- state */

START_TEST(test_load_check_mask)
{
    VmsPciDevice *st = pci_function_vmstate(pci_bus_function(bus, 9));
    uint8_t want[PCI_CONFIG_SIZE] = {
        [0x00] = 0xff, 0xff, 0xff, 0xff, /* vendor, device */
        [0x06] = 0x10,                   /* status: capability list */
        [0x08] = 0xff, 0xff, 0xff, 0xff, /* revision, prog-if, class */
        [0x0e] = 0xff,                   /* header type */
        [0x34] = 0xff,                   /* capability pointer */
    };

    ck_assert_mem_eq(st->load_check_mask, want, PCI_CONFIG_SIZE);
    ck_assert_mem_eq(st->config, piix3_ide_reset, PCI_CONFIG_SIZE);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(st->irq_state[i], 0);
    }
}
END_TEST

START_TEST(test_post_load)
{
    PciFunction *ide = pci_bus_function(bus, PCI_DEVFN(1, 1));
    VmsPciDevice *st = pci_function_vmstate(ide);
    TestBarDev dev = { 0 };

    pci_function_attach_bar(ide, 4, &testbar_ops, &dev);
    /* What a committed load leaves: BAR4 c040, I/O decode on. */
    st->config[0x04] = 0x05;
    st->config[0x20] = 0x41;
    st->config[0x21] = 0xc0;
    st->config[0x2c] = 0x00; /* read-only: restored */
    st->config[0x50] = 0x77; /* device-specific: kept */
    st->irq_state[2] = 7;
    pci_function_post_load(ide);
    ck_assert_uint_eq(st->config[0x2c], 0xf4);
    ck_assert_uint_eq(st->config[0x50], 0x77);
    ck_assert_uint_eq(st->config[0x20], 0x41);
    ck_assert_uint_eq(st->irq_state[2], 1);
    ck_assert_uint_eq(pci_function_bar_address(ide, 4), 0xc040);
    ck_assert_uint_eq(io_port_read(io, 0xc040, 1), 0x5a);
    /* A second load with decoding off switches it off. */
    st->config[0x04] = 0x00;
    pci_function_post_load(ide);
    ck_assert_uint_eq(io_port_read(io, 0xc040, 1), 0xff);
}
END_TEST

/* The block as the IDE and VGA sections carry it. */
typedef struct PciWire {
    VmsPciDevice dev;
} PciWire;

static const VmsField pci_wire_fields[] = {
    VMS_PCI_DEVICE(PciWire, dev),
    VMS_END,
};

static const VmsDescription pci_wire_vmsd = {
    .name = "pciwire",
    .version = 1,
    .size = sizeof(PciWire),
    .fields = pci_wire_fields,
};

START_TEST(test_state_block)
{
    PciFunction *ide = pci_bus_function(bus, PCI_DEVFN(1, 1));
    PciWire wire = { *pci_function_vmstate(ide) };
    PciWire scratch;
    TestBarDev dev = { 0 };
    VmsWriter w;
    VmsReader r;
    g_autoptr(GByteArray) bytes = NULL;
    g_autoptr(GError) error = NULL;

    /* 276 bytes: be32 version 2, the reset config, four zero irq states. */
    vms_writer_init(&w);
    vms_save(&w, &pci_wire_vmsd, &wire);
    bytes = vms_writer_steal(&w);
    ck_assert_uint_eq(bytes->len, 276);
    ck_assert_uint_eq(bytes->data[3], 2);
    ck_assert_mem_eq(bytes->data + 4, piix3_ide_reset, PCI_CONFIG_SIZE);
    for (unsigned i = 4 + PCI_CONFIG_SIZE; i < 276; i++) {
        ck_assert_uint_eq(bytes->data[i], 0);
    }

    /* A stream with another device id is refused (QEMU: Bad config data). */
    bytes->data[4 + PCI_DEVICE_ID] = 0x11;
    scratch = wire;
    vms_reader_init(&r, bytes->data, bytes->len);
    ck_assert(!vms_load(&r, &pci_wire_vmsd, &scratch, 1, &error));
    g_clear_error(&error);
    bytes->data[4 + PCI_DEVICE_ID] = 0x10;

    /* BAR4 c041, I/O decode on: loads, commits, and the BAR answers. */
    bytes->data[4 + PCI_COMMAND] = PCI_COMMAND_IO;
    bytes->data[4 + 0x20] = 0x41;
    bytes->data[4 + 0x21] = 0xc0;
    scratch = wire;
    vms_reader_init(&r, bytes->data, bytes->len);
    ck_assert_msg(vms_load(&r, &pci_wire_vmsd, &scratch, 1, &error), "%s",
                  error != NULL ? error->message : "");
    pci_function_attach_bar(ide, 4, &testbar_ops, &dev);
    ck_assert_uint_eq(io_port_read(io, 0xc040, 1), 0xff);
    *pci_function_vmstate(ide) = scratch.dev;
    pci_function_post_load(ide);
    ck_assert_uint_eq(io_port_read(io, 0xc04f, 1), 0x5a);
    ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x20, 4), 0xc041);
}
END_TEST

Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc;

    tc = tcase_create("reset config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_bytes);
    tcase_add_test(tc, test_all_ones);
    tcase_add_test(tc, test_reset);
    suite_add_tcase(s, tc);

    tc = tcase_create("mechanism 1");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_access_widths);
    tcase_add_test(tc, test_address_register);
    tcase_add_test(tc, test_absent_functions);
    suite_add_tcase(s, tc);

    tc = tcase_create("BARs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bar_sizing);
    tcase_add_test(tc, test_bar_decoding);
    tcase_add_test(tc, test_bar_clash);
    tcase_add_test(tc, test_mem_bar);
    suite_add_tcase(s, tc);

    tc = tcase_create("masks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_read_only);
    tcase_add_test(tc, test_status_w1c);
    suite_add_tcase(s, tc);

    tc = tcase_create("state");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_load_check_mask);
    tcase_add_test(tc, test_post_load);
    tcase_add_test(tc, test_state_block);
    suite_add_tcase(s, tc);
    return s;
}
