/*
 * PCI bus 0 and configuration mechanism #1, as QEMU 7.2's i440FX host
 * (hw/pci/pci.c, hw/pci-host/i440fx.c, hw/isa/piix3.c, hw/ide/piix.c),
 * checked against QEMU 7.2 through qtest.
 *
 * 0xCF8 holds the address (dword writes only; reads return it, narrower
 * reads its low bytes as QEMU does); 0xCFC..0xCFF reach the addressed
 * dword at any offset.  Absent functions, other buses and addresses with
 * bit 31 clear read all ones and ignore writes.
 *
 * Each config byte has a writable mask, a write-1-to-clear mask and a
 * load-check mask (QEMU's cmask & ~wmask & ~w1cmask): everything else is
 * read-only and keeps its reset value.
 *
 * Not emulated: other buses and bridges, 64-bit BARs,
 * expansion ROMs, capabilities, INTx routing (none of these functions
 * raises INTx: IDE in legacy mode uses ISA IRQ 14/15), the i440FX PAM and
 * SMRAM effects, PIIX3 PIRQ routing and the reset control register 0xCF9.
 * Single-threaded: called from the main loop only.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-pci"

#include <string.h>

#include <gio/gio.h>

#include "devices/pci.h"

enum {
    PCI_DEVFN_MAX = 256,
    PCI_ADDR_BUS_SHIFT = 16,
    PCI_ADDR_DEVFN_SHIFT = 8,
    PCI_ADDR_REG_MASK = 0xfc,
};

#define PCI_BAR_UNMAPPED UINT64_MAX

/* QEMU's default subsystem ids for every function: Red Hat, QEMU. */
enum {
    PCI_QEMU_SUBSYSTEM_VENDOR = 0x1af4,
    PCI_QEMU_SUBSYSTEM_ID = 0x1100,
};

typedef struct PciBar {
    PciBarKind kind;
    uint32_t size;
    const IoOps *ops; /* NULL until a device attaches */
    void *opaque;
    IoRegion *region; /* registered the first time the BAR decodes */
    uint64_t mapped;  /* the address decoding now, or PCI_BAR_UNMAPPED */
    /* Told when mapped changes; may be NULL. */
    PciBarListener listener;
    void *listener_opaque;
} PciBar;

struct PciFunction {
    /* Guest-visible state (serialized): config and irq_state. */
    VmsPciDevice state;
    /* Configuration and wiring. */
    PciBus *bus;
    PciFunctionInfo info;
    uint8_t reset_config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];
    uint8_t w1cmask[PCI_CONFIG_SIZE];
    uint8_t cmask[PCI_CONFIG_SIZE];
    PciBar bars[PCI_NUM_BARS];
};

struct PciBus {
    uint32_t config_address; /* 0xCF8 */
    PciFunction *functions[PCI_DEVFN_MAX];
    IoDispatcher *io;
    IoRegion *address_region;
    IoRegion *data_region;
};

/* ------------------------------------------------------------ helpers */

static uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t pci_get_long(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void pci_set_long(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* The mask the load check uses: what the guest can never change. */
static void pci_function_update_load_check(PciFunction *f)
{
    for (unsigned i = 0; i < PCI_CONFIG_SIZE; i++) {
        f->state.load_check_mask[i] =
            f->cmask[i] & (uint8_t)~f->wmask[i] & (uint8_t)~f->w1cmask[i];
    }
}

/*
 * Where BAR n decodes, as QEMU's pci_bar_address: only with its decode
 * bit on, aligned to its size, not at address 0 (the pc machine does not
 * allow it) and not wrapping; an I/O BAR must fit the 64 KiB port space.
 */
static uint64_t pci_bar_decode(const PciFunction *f, unsigned n)
{
    const PciBar *bar = &f->bars[n];
    uint16_t cmd = pci_get_word(&f->state.config[PCI_COMMAND]);
    uint32_t raw = pci_get_long(&f->state.config[PCI_BASE_ADDRESS_0 + 4 * n]);
    uint64_t base = raw & ~(uint64_t)(bar->size - 1);
    uint64_t last = base + bar->size - 1;

    switch (bar->kind) {
    case PCI_BAR_IO:
        if (!(cmd & PCI_COMMAND_IO) || base == 0 || last > 0xffff) {
            return PCI_BAR_UNMAPPED;
        }
        return base;
    case PCI_BAR_MEM32:
    case PCI_BAR_MEM32_PREFETCH:
        if (!(cmd & PCI_COMMAND_MEMORY) || base == 0 || last > UINT32_MAX) {
            return PCI_BAR_UNMAPPED;
        }
        return base;
    case PCI_BAR_NONE:
    case PCI_BAR_KIND_MAX:
        break;
    }
    return PCI_BAR_UNMAPPED;
}

/*
 * Moves BAR n's region to where config says, or switches it off.  The
 * region is registered the first time it decodes; later it is disabled,
 * moved and enabled again, so a guest that overlaps two BARs gets the
 * dispatcher's shadowing instead of an error.
 */
static void pci_bar_remap(PciFunction *f, unsigned n)
{
    PciBar *bar = &f->bars[n];
    uint64_t addr = pci_bar_decode(f, n);
    g_autoptr(GError) error = NULL;

    /* Without a device the BAR is only config bytes: nothing answers. */
    if (bar->ops == NULL || addr == bar->mapped) {
        return;
    }
    bar->mapped = PCI_BAR_UNMAPPED;
    if (bar->region != NULL) {
        io_region_set_enabled(bar->region, false);
    }
    if (addr == PCI_BAR_UNMAPPED) {
        return;
    }
    if (bar->region == NULL) {
        if (bar->kind == PCI_BAR_IO) {
            bar->region =
                io_register_port(f->bus->io, (uint16_t)addr, bar->size,
                                 bar->ops, bar->opaque, f->info.name, &error);
        } else {
            bar->region =
                io_register_mmio(f->bus->io, addr, bar->size, bar->ops,
                                 bar->opaque, f->info.name, &error);
        }
    } else if (io_region_move(f->bus->io, bar->region, addr, &error)) {
        io_region_set_enabled(bar->region, true);
    }
    if (error != NULL) {
        /*
         * The guest's choice of address: the BAR stays off.  Debug level,
         * so a guest that retries cannot flood the log.
         */
        g_debug("%s: BAR%u at 0x%" G_GINT64_MODIFIER "x not mapped: %s",
                f->info.name, n, addr, error->message);
        return;
    }
    bar->mapped = addr;
}

/* pci_bar_remap, then the listener hears of a change of address. */
static void pci_bar_update(PciFunction *f, unsigned n)
{
    PciBar *bar = &f->bars[n];
    uint64_t old = bar->mapped;

    pci_bar_remap(f, n);
    if (bar->mapped != old && bar->listener != NULL) {
        bar->listener(bar->listener_opaque, n, bar->mapped);
    }
}

static void pci_function_update_bars(PciFunction *f)
{
    for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
        if (f->bars[n].kind != PCI_BAR_NONE) {
            pci_bar_update(f, n);
        }
    }
}

/* ------------------------------------------------------ config space */

uint32_t pci_function_config_read(PciFunction *f, unsigned addr, unsigned len)
{
    uint32_t value = 0;

    if (len > 4 || addr >= PCI_CONFIG_SIZE || len > PCI_CONFIG_SIZE - addr) {
        return UINT32_MAX;
    }
    for (unsigned i = 0; i < len; i++) {
        value |= (uint32_t)f->state.config[addr + i] << (8 * i);
    }
    return value;
}

void pci_function_config_write(PciFunction *f, unsigned addr, uint32_t value,
                               unsigned len)
{
    bool remap = false;

    if (len > 4 || addr >= PCI_CONFIG_SIZE || len > PCI_CONFIG_SIZE - addr) {
        return;
    }
    for (unsigned i = 0; i < len; i++) {
        unsigned a = addr + i;
        uint8_t v = (uint8_t)(value >> (8 * i));
        uint8_t *c = &f->state.config[a];

        *c = (uint8_t)((*c & ~f->wmask[a]) | (v & f->wmask[a]));
        *c &= (uint8_t) ~(v & f->w1cmask[a]);
        /* The command register's decode bits and the BARs move regions. */
        if (a == PCI_COMMAND || (a >= PCI_BASE_ADDRESS_0 &&
                                 a < PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS)) {
            remap = true;
        }
    }
    if (remap) {
        pci_function_update_bars(f);
    }
}

/* ----------------------------------------------------- mechanism #1 */

/* The function and register 0xCF8 selects, or NULL (reads all ones). */
static PciFunction *pci_bus_addressed(PciBus *bus, unsigned *ret_reg)
{
    uint32_t a = bus->config_address;

    if (!(a & PCI_CONFIG_ENABLE) || ((a >> PCI_ADDR_BUS_SHIFT) & 0xff) != 0) {
        return NULL;
    }
    *ret_reg = a & PCI_ADDR_REG_MASK;
    return bus->functions[(a >> PCI_ADDR_DEVFN_SHIFT) & 0xff];
}

static uint64_t pci_address_read(void *opaque, uint64_t addr, unsigned size)
{
    PciBus *bus = opaque;

    /* QEMU 7.2: any width at any offset returns the register's low bytes. */
    (void)addr;
    (void)size;
    return bus->config_address;
}

static void pci_address_write(void *opaque, uint64_t addr, uint64_t value,
                              unsigned size)
{
    PciBus *bus = opaque;

    /* Only a whole dword sets the address (QEMU ignores the rest). */
    if (addr == 0 && size == 4) {
        bus->config_address = (uint32_t)value;
    }
}

static uint64_t pci_data_read(void *opaque, uint64_t addr, unsigned size)
{
    PciBus *bus = opaque;
    unsigned reg;
    PciFunction *f = pci_bus_addressed(bus, &reg);

    if (f == NULL) {
        return UINT32_MAX;
    }
    return pci_function_config_read(f, reg + (unsigned)addr, size);
}

static void pci_data_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    PciBus *bus = opaque;
    unsigned reg;
    PciFunction *f = pci_bus_addressed(bus, &reg);

    if (f != NULL) {
        pci_function_config_write(f, reg + (unsigned)addr, (uint32_t)value,
                                  size);
    }
}

static const IoOps pci_address_ops = {
    .read = pci_address_read,
    .write = pci_address_write,
    .min_access = 1,
    .max_access = 4,
};

static const IoOps pci_data_ops = {
    .read = pci_data_read,
    .write = pci_data_write,
    .min_access = 1,
    .max_access = 4,
};

/* ------------------------------------------------------------- reset */

void pci_function_reset(PciFunction *f)
{
    memcpy(f->state.config, f->reset_config, PCI_CONFIG_SIZE);
    memset(f->state.irq_state, 0, sizeof(f->state.irq_state));
    pci_function_update_bars(f);
}

void pci_bus_reset(void *opaque)
{
    PciBus *bus = opaque;

    bus->config_address = 0;
    for (unsigned i = 0; i < PCI_DEVFN_MAX; i++) {
        if (bus->functions[i] != NULL) {
            pci_function_reset(bus->functions[i]);
        }
    }
}

/* ------------------------------------------------------------- state */

VmsPciDevice *pci_function_vmstate(PciFunction *f)
{
    return &f->state;
}

void pci_function_post_load(PciFunction *f)
{
    for (unsigned i = 0; i < PCI_CONFIG_SIZE; i++) {
        uint8_t guest = f->wmask[i] | f->w1cmask[i];

        f->state.config[i] = (uint8_t)((f->state.config[i] & guest) |
                                       (f->reset_config[i] & ~guest));
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(f->state.irq_state); i++) {
        f->state.irq_state[i] = f->state.irq_state[i] != 0;
    }
    pci_function_update_bars(f);
}

uint64_t pci_function_bar_address(const PciFunction *f, unsigned n)
{
    if (n >= PCI_NUM_BARS) {
        return PCI_BAR_UNMAPPED;
    }
    return f->bars[n].mapped;
}

PciBarKind pci_function_bar_kind(const PciFunction *f, unsigned n,
                                 uint32_t *ret_size)
{
    if (n >= PCI_NUM_BARS) {
        *ret_size = 0;
        return PCI_BAR_NONE;
    }
    *ret_size = f->bars[n].size;
    return f->bars[n].kind;
}

/* ---------------------------------------------------- building blocks */

/* Sets a byte of both the live and the reset config. */
void pci_function_set_reset_byte(PciFunction *f, unsigned addr, uint8_t value)
{
    g_return_if_fail(addr < PCI_CONFIG_SIZE);
    f->state.config[addr] = value;
    f->reset_config[addr] = value;
}

void pci_function_set_wmask(PciFunction *f, unsigned addr, uint8_t mask)
{
    g_return_if_fail(addr < PCI_CONFIG_SIZE);
    f->wmask[addr] = mask;
    pci_function_update_load_check(f);
}

static void pci_function_set_reset_word(PciFunction *f, unsigned addr,
                                        uint16_t value)
{
    pci_function_set_reset_byte(f, addr, (uint8_t)value);
    pci_function_set_reset_byte(f, addr + 1, (uint8_t)(value >> 8));
}

void pci_function_define_bar(PciFunction *f, unsigned n, PciBarKind kind,
                             uint32_t size)
{
    unsigned reg = PCI_BASE_ADDRESS_0 + 4 * n;
    uint32_t wmask;
    /* The read-only type bits below the address. */
    uint32_t low = kind == PCI_BAR_IO               ? PCI_BAR_SPACE_IO
                   : kind == PCI_BAR_MEM32_PREFETCH ? PCI_BAR_MEM_PREFETCH
                                                    : 0;

    g_return_if_fail(n < PCI_NUM_BARS && kind != PCI_BAR_NONE &&
                     kind < PCI_BAR_KIND_MAX);
    g_return_if_fail(size >= (kind == PCI_BAR_IO ? 4u : 16u) &&
                     (size & (size - 1)) == 0);
    f->bars[n].kind = kind;
    f->bars[n].size = size;
    f->bars[n].mapped = PCI_BAR_UNMAPPED;
    /* Sizing: the address bits above the size are writable. */
    wmask = ~(size - 1);
    pci_set_long(&f->wmask[reg], wmask);
    pci_set_long(&f->state.config[reg], low);
    pci_set_long(&f->reset_config[reg], low);
    pci_function_update_load_check(f);
}

void pci_function_attach_bar(PciFunction *f, unsigned n, const IoOps *ops,
                             void *opaque)
{
    g_return_if_fail(n < PCI_NUM_BARS && f->bars[n].kind != PCI_BAR_NONE);
    g_return_if_fail(f->bars[n].ops == NULL);
    f->bars[n].ops = ops;
    f->bars[n].opaque = opaque;
    pci_bar_update(f, n);
}

void pci_function_set_bar_listener(PciFunction *f, unsigned n,
                                   PciBarListener func, void *opaque)
{
    g_return_if_fail(n < PCI_NUM_BARS);
    f->bars[n].listener = func;
    f->bars[n].listener_opaque = opaque;
}

/*
 * The header every function shares, as QEMU's pci_config_alloc and
 * do_pci_register_device set it: the masks first, then the ids.
 */
static void pci_function_init_header(PciFunction *f)
{
    const PciFunctionInfo *info = &f->info;

    /* Writable: command IO|MEM|MASTER|SERR|INTX_DISABLE, cache line size,
     * interrupt line, and the whole device-specific area. */
    pci_set_word(&f->wmask[PCI_COMMAND],
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                     PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    f->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    f->wmask[PCI_INTERRUPT_LINE] = 0xff;
    memset(&f->wmask[PCI_HEADER_SIZE], 0xff, PCI_CONFIG_SIZE - PCI_HEADER_SIZE);
    /* The error bits of the status register clear when written with 1. */
    pci_set_word(&f->w1cmask[PCI_STATUS],
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                     PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                     PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    /* Checked on load: what identifies the device. */
    pci_set_word(&f->cmask[PCI_VENDOR_ID], 0xffff);
    pci_set_word(&f->cmask[PCI_DEVICE_ID], 0xffff);
    f->cmask[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    f->cmask[PCI_REVISION_ID] = 0xff;
    f->cmask[PCI_CLASS_PROG] = 0xff;
    pci_set_word(&f->cmask[PCI_CLASS_DEVICE], 0xffff);
    f->cmask[PCI_HEADER_TYPE] = 0xff;
    f->cmask[PCI_CAPABILITY_LIST] = 0xff;
    pci_function_update_load_check(f);

    pci_function_set_reset_word(f, PCI_VENDOR_ID, info->vendor_id);
    pci_function_set_reset_word(f, PCI_DEVICE_ID, info->device_id);
    pci_function_set_reset_word(f, PCI_STATUS, info->status);
    pci_function_set_reset_byte(f, PCI_REVISION_ID, info->revision);
    pci_function_set_reset_byte(f, PCI_CLASS_PROG, info->prog_if);
    pci_function_set_reset_word(f, PCI_CLASS_DEVICE, info->class_id);
    pci_function_set_reset_byte(f, PCI_HEADER_TYPE,
                                info->multifunction ? PCI_HEADER_MULTI_FUNCTION
                                                    : 0);
    pci_function_set_reset_word(f, PCI_SUBSYSTEM_VENDOR_ID,
                                PCI_QEMU_SUBSYSTEM_VENDOR);
    pci_function_set_reset_word(f, PCI_SUBSYSTEM_ID, PCI_QEMU_SUBSYSTEM_ID);
}

PciFunction *pci_function_new(PciBus *bus, const PciFunctionInfo *info,
                              GError **error)
{
    PciFunction *f;

    if (info->devfn >= PCI_DEVFN_MAX || bus->functions[info->devfn] != NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                    "PCI function %02x.%u (%s): slot taken or out of range",
                    info->devfn >> 3, info->devfn & 7, info->name);
        return NULL;
    }
    f = g_new0(PciFunction, 1);
    f->bus = bus;
    f->info = *info;
    for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
        f->bars[n].mapped = PCI_BAR_UNMAPPED;
    }
    pci_function_init_header(f);
    bus->functions[info->devfn] = f;
    return f;
}

static void pci_function_free(PciFunction *f)
{
    for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
        if (f->bars[n].region != NULL) {
            io_unregister(f->bus->io, f->bars[n].region);
        }
    }
    g_free(f);
}

/* --------------------------------------------------------------- bus */

PciBus *pci_bus_new(IoDispatcher *io, GError **error)
{
    PciBus *bus = g_new0(PciBus, 1);

    bus->io = io;
    bus->address_region =
        io_register_port(io, PCI_CONFIG_ADDRESS_PORT, 4, &pci_address_ops, bus,
                         "pci-conf-idx", error);
    if (bus->address_region == NULL) {
        g_free(bus);
        return NULL;
    }
    bus->data_region =
        io_register_port(io, PCI_CONFIG_DATA_PORT, 4, &pci_data_ops, bus,
                         "pci-conf-data", error);
    if (bus->data_region == NULL) {
        io_unregister(io, bus->address_region);
        g_free(bus);
        return NULL;
    }
    return bus;
}

void pci_bus_free(PciBus *bus)
{
    if (bus == NULL) {
        return;
    }
    for (unsigned i = 0; i < PCI_DEVFN_MAX; i++) {
        if (bus->functions[i] != NULL) {
            pci_function_free(bus->functions[i]);
        }
    }
    io_unregister(bus->io, bus->data_region);
    io_unregister(bus->io, bus->address_region);
    g_free(bus);
}

PciFunction *pci_bus_function(PciBus *bus, unsigned devfn)
{
    return devfn < PCI_DEVFN_MAX ? bus->functions[devfn] : NULL;
}

/* ------------------------------------------------------ the pc board */

/* i440FX register 0x57: RAM size in 8 MiB units, as QEMU's i440fx_init. */
enum {
    I440FX_RAM_SIZE = 0x57,
    I440FX_SMRAM = 0x72, /* SMRAM control: C_BASE_SEG = 010, A/B seg */
};

/* PIIX3 function 0 registers and their reset values (datasheet §2.2). */
static const struct {
    uint8_t reg;
    uint8_t value;
} piix3_isa_resets[] = {
    { 0x4c, 0x4d }, /* IORT: ISA I/O recovery timer */
    { 0x4e, 0x03 }, /* XBCS: X-bus chip select enable */
    { 0x60, 0x80 }, /* PIRQRC[A]: routing disabled */
    { 0x61, 0x80 }, /* PIRQRC[B] */
    { 0x62, 0x80 }, /* PIRQRC[C] */
    { 0x63, 0x80 }, /* PIRQRC[D] */
    { 0x69, 0x02 }, /* TOM: top of memory */
    { 0x70, 0x80 }, /* MBIRQ0: motherboard IRQ routing disabled */
    { 0x76, 0x0c }, /* MBDMA0: no DMA channel */
    { 0x77, 0x0c }, /* MBDMA1 */
    { 0x78, 0x02 }, /* PCSC: programmable chip select control */
    { 0xa0, 0x08 }, /* SMICNTL: SMI control */
    { 0xa8, 0x0f }, /* FTMR: fast-off timer */
};

static const PciFunctionInfo pci_i440fx_info = {
    .name = "i440FX",
    .devfn = PCI_DEVFN(0, 0),
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_id = 0x0600, /* host bridge */
};

static const PciFunctionInfo pci_piix3_isa_info = {
    .name = "PIIX3",
    .devfn = PCI_DEVFN(1, 0),
    .vendor_id = 0x8086,
    .device_id = 0x7000,
    .class_id = 0x0601, /* ISA bridge */
    .status = PCI_STATUS_DEVSEL_MEDIUM,
    .multifunction = true,
};

static const PciFunctionInfo pci_piix3_ide_info = {
    .name = "piix3-ide",
    .devfn = PCI_DEVFN(1, 1),
    .vendor_id = 0x8086,
    .device_id = 0x7010,
    .prog_if = 0x80,    /* legacy mode both channels, bus master capable */
    .class_id = 0x0101, /* IDE controller */
    .status = PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM,
};

bool pci_bus_create_piix3(PciBus *bus, uint64_t ram_size, GError **error)
{
    PciFunction *host;
    PciFunction *isa;
    PciFunction *ide;
    uint64_t units = ram_size / (8 * 1024 * 1024);

    host = pci_function_new(bus, &pci_i440fx_info, error);
    if (host == NULL) {
        return false;
    }
    pci_function_set_reset_byte(host, I440FX_RAM_SIZE,
                                (uint8_t)MIN(units, 255));
    pci_function_set_reset_byte(host, I440FX_SMRAM, 0x02);

    isa = pci_function_new(bus, &pci_piix3_isa_info, error);
    if (isa == NULL) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(piix3_isa_resets); i++) {
        pci_function_set_reset_byte(isa, piix3_isa_resets[i].reg,
                                    piix3_isa_resets[i].value);
    }

    ide = pci_function_new(bus, &pci_piix3_ide_info, error);
    if (ide == NULL) {
        return false;
    }
    /* BAR4: the Bus Master IDE registers, 16 ports (BMIBA). */
    pci_function_define_bar(ide, 4, PCI_BAR_IO, 16);
    return true;
}
