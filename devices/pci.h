/*
 * PCI bus 0 behind configuration mechanism #1 (0xCF8 address, 0xCFC data),
 * with the functions of QEMU 7.2's pc board: 00:00.0 i440FX host bridge,
 * 00:01.0 PIIX3 ISA bridge, 00:01.1 PIIX3 IDE.  Each function has a
 * 256-byte config space with QEMU's masks (writable, write-1-to-clear,
 * checked on load) and up to six BARs whose regions pci.c maps, moves and
 * switches with the command register's decode bits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "devices/ioport.h"
#include "vmstate/vmstate.h"

typedef struct PciBus PciBus;
typedef struct PciFunction PciFunction;

/* Mechanism #1 ports. */
enum {
    PCI_CONFIG_ADDRESS_PORT = 0xcf8, /* dword: enable, bus, devfn, reg */
    PCI_CONFIG_DATA_PORT = 0xcfc,    /* byte/word/dword at any offset */
    PCI_CONFIG_ENABLE = 0x80000000u, /* bit 31 of the address */
};

/* Type 0 header registers (PCI Local Bus Specification 3.0, §6.1). */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a,
    PCI_CACHE_LINE_SIZE = 0x0c,
    PCI_LATENCY_TIMER = 0x0d,
    PCI_HEADER_TYPE = 0x0e,
    PCI_BASE_ADDRESS_0 = 0x10,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
    PCI_SUBSYSTEM_ID = 0x2e,
    PCI_ROM_ADDRESS = 0x30,
    PCI_CAPABILITY_LIST = 0x34,
    PCI_INTERRUPT_LINE = 0x3c,
    PCI_INTERRUPT_PIN = 0x3d,
    PCI_HEADER_SIZE = 0x40, /* device-specific registers follow */
    PCI_CONFIG_SIZE = 0x100,
};

/* Command register bits; QEMU lets the guest write IO|MEM|MASTER|SERR|INTX. */
enum {
    PCI_COMMAND_IO = 0x0001,     /* I/O space decode */
    PCI_COMMAND_MEMORY = 0x0002, /* memory space decode */
    PCI_COMMAND_MASTER = 0x0004, /* bus master */
    PCI_COMMAND_SERR = 0x0100,   /* SERR# enable */
    PCI_COMMAND_INTX_DISABLE = 0x0400,
};

/* Status register bits. */
enum {
    PCI_STATUS_CAP_LIST = 0x0010,      /* capability list present */
    PCI_STATUS_FAST_BACK = 0x0080,     /* fast back-to-back capable */
    PCI_STATUS_DEVSEL_MEDIUM = 0x0200, /* DEVSEL# timing */
    PCI_STATUS_PARITY = 0x0100,        /* master data parity error */
    PCI_STATUS_SIG_TARGET_ABORT = 0x0800,
    PCI_STATUS_REC_TARGET_ABORT = 0x1000,
    PCI_STATUS_REC_MASTER_ABORT = 0x2000,
    PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000,
    PCI_STATUS_DETECTED_PARITY = 0x8000,
};

enum {
    PCI_NUM_BARS = 6,
    PCI_HEADER_MULTI_FUNCTION = 0x80, /* header type bit 7 */
    PCI_BAR_SPACE_IO = 0x01,          /* BAR bit 0: I/O space */
    PCI_BAR_MEM_PREFETCH = 0x08,      /* BAR bit 3: prefetchable memory */
};

#define PCI_DEVFN(slot, fn) ((unsigned)(((slot) << 3) | (fn)))

typedef enum PciBarKind {
    PCI_BAR_NONE,  /* the function has no BAR here: reads 0, ignores writes */
    PCI_BAR_IO,    /* I/O space, bits 1:0 = 01 */
    PCI_BAR_MEM32, /* 32-bit memory, non-prefetchable */
    PCI_BAR_MEM32_PREFETCH, /* 32-bit memory, prefetchable: bits 3:0 = 1000 */
    PCI_BAR_KIND_MAX
} PciBarKind;

/* What makes a function: the fixed part of its header. */
typedef struct PciFunctionInfo {
    const char *name; /* for messages; must outlive the function */
    unsigned devfn;
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint8_t prog_if;
    uint16_t class_id; /* base class << 8 | subclass */
    uint16_t status;   /* the read-only status bits at reset */
    bool multifunction;
} PciFunctionInfo;

/* The bus: registers 0xCF8 and 0xCFC on io.  Empty until functions come. */
PciBus *pci_bus_new(IoDispatcher *io, GError **error);
void pci_bus_free(PciBus *bus);

/* Every function back to its reset config, its BARs unmapped. */
void pci_bus_reset(void *opaque);

/* NULL when no function is there. */
PciFunction *pci_bus_function(PciBus *bus, unsigned devfn);

/* The pc board's functions; ram_size sets the i440FX RAM-size byte. */
bool pci_bus_create_piix3(PciBus *bus, uint64_t ram_size, GError **error);

/* Adds a function; fails when devfn is taken or out of range. */
PciFunction *pci_function_new(PciBus *bus, const PciFunctionInfo *info,
                              GError **error);

/* While building a function: a device-specific reset value. */
void pci_function_set_reset_byte(PciFunction *f, unsigned addr, uint8_t value);
void pci_function_set_wmask(PciFunction *f, unsigned addr, uint8_t mask);

/* While building: BAR n's kind and size (a power of two, >= 4 for I/O). */
void pci_function_define_bar(PciFunction *f, unsigned n, PciBarKind kind,
                             uint32_t size);

/*
 * The device behind BAR n: from now on, the BAR's range answers with ops
 * whenever the BAR holds a usable address and the decode bit is on.
 */
void pci_function_attach_bar(PciFunction *f, unsigned n, const IoOps *ops,
                             void *opaque);

/*
 * Told after BAR n's decoded address changes (a map, a move, an unmap):
 * the new base, or UINT64_MAX when the BAR stopped decoding.
 */
typedef void (*PciBarListener)(void *opaque, unsigned n, uint64_t addr);

/* One listener per BAR (func NULL: none); it is not called now. */
void pci_function_set_bar_listener(PciFunction *f, unsigned n,
                                   PciBarListener func, void *opaque);

/* Config-space accesses as the bus makes them (len 1, 2 or 4). */
uint32_t pci_function_config_read(PciFunction *f, unsigned addr, unsigned len);
void pci_function_config_write(PciFunction *f, unsigned addr, uint32_t value,
                               unsigned len);

void pci_function_reset(PciFunction *f);

/* The decoded base of BAR n, or UINT64_MAX when it does not decode. */
uint64_t pci_function_bar_address(const PciFunction *f, unsigned n);

/* BAR n as defined (PCI_BAR_NONE when absent) and its size, for query-pci. */
PciBarKind pci_function_bar_kind(const PciFunction *f, unsigned n,
                                 uint32_t *ret_size);

/*
 * QEMU's PCIDevice block (276 bytes on the wire), live: a state section
 * embeds or copies it.  load_check_mask is set from the masks.  After a
 * committed load has written config and irq_state, call
 * pci_function_post_load(): it restores the read-only bytes (a stream
 * cannot change what the device is) and re-maps the BARs from config with
 * the decode bits.
 */
VmsPciDevice *pci_function_vmstate(PciFunction *f);
void pci_function_post_load(PciFunction *f);
