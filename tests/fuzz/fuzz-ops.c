/*
 * The byte interpreter shared by the device targets (fuzz-i8042,
 * fuzz-ide, fuzz-cirrus): each operation is an opcode byte and its
 * operands, read with fuzz_u*() so that any input is a valid program.
 */
#include "config.h"

#include "devices/ioport.h"
#include "devices/pci.h"
#include "tests/fuzz/fuzz-common.h"

typedef enum FuzzOp {
    FUZZ_OP_PORT_WRITE,
    FUZZ_OP_PORT_READ,
    FUZZ_OP_MMIO_WRITE,
    FUZZ_OP_MMIO_READ,
    FUZZ_OP_PORT_WRITE_REP, /* a string instruction: PIO data, blit data */
    FUZZ_OP_PORT_READ_REP,
    FUZZ_OP_MMIO_WRITE_REP,
    FUZZ_OP_MMIO_READ_REP,
    FUZZ_OP_PCI_CONFIG,
    FUZZ_OP_ROUND_TRIP,
    FUZZ_OP_MUTATED_LOAD,
    FUZZ_OP_RESET,
    FUZZ_OP_EXTRA,
    FUZZ_OP_MAX
} FuzzOp;

/* The PCI functions of the board. */
static const unsigned fuzz_devfns[] = {
    PCI_DEVFN(0, 0),
    PCI_DEVFN(1, 0),
    PCI_DEVFN(1, 1),
    PCI_DEVFN(2, 0),
};

static uint16_t fuzz_port(const FuzzTarget *t, FuzzInput *in)
{
    const FuzzRange *r = &t->ports[fuzz_u8(in) % t->port_count];

    return (uint16_t)(r->base + fuzz_u16(in) % r->len);
}

static uint64_t fuzz_addr(const FuzzTarget *t, FuzzInput *in)
{
    const FuzzRange *r = &t->mmio[fuzz_u8(in) % t->mmio_count];

    return r->base + fuzz_u32(in) % r->len;
}

static unsigned fuzz_size(FuzzInput *in, unsigned max_shift)
{
    return 1u << (fuzz_u8(in) % (max_shift + 1));
}

static void fuzz_op(const FuzzTarget *t, FuzzMachine *fm, FuzzInput *in,
                    FuzzOp op)
{
    IoDispatcher *io = fm->machine->io;
    uint16_t port;
    uint64_t addr, value;
    unsigned size, count;
    bool step;

    switch (op) {
    case FUZZ_OP_PORT_WRITE:
        port = fuzz_port(t, in);
        size = fuzz_size(in, 2);
        io_port_write(io, port, fuzz_u32(in), size);
        break;
    case FUZZ_OP_PORT_READ:
        port = fuzz_port(t, in);
        io_port_read(io, port, fuzz_size(in, 2));
        break;
    case FUZZ_OP_PORT_WRITE_REP:
        port = fuzz_port(t, in);
        size = fuzz_size(in, 2);
        count = 1 + fuzz_u16(in) % 1024;
        value = fuzz_u32(in);
        for (unsigned i = 0; i < count; i++) {
            io_port_write(io, port, (uint32_t)(value + i), size);
        }
        break;
    case FUZZ_OP_PORT_READ_REP:
        port = fuzz_port(t, in);
        size = fuzz_size(in, 2);
        count = 1 + fuzz_u16(in) % 1024;
        for (unsigned i = 0; i < count; i++) {
            io_port_read(io, port, size);
        }
        break;
    case FUZZ_OP_MMIO_WRITE:
    case FUZZ_OP_MMIO_READ:
    case FUZZ_OP_MMIO_WRITE_REP:
    case FUZZ_OP_MMIO_READ_REP:
        if (t->mmio_count == 0) {
            break;
        }
        addr = fuzz_addr(t, in);
        size = fuzz_size(in, 3);
        if (op == FUZZ_OP_MMIO_WRITE) {
            io_mem_write(io, addr, fuzz_u64(in), size);
            break;
        }
        if (op == FUZZ_OP_MMIO_READ) {
            io_mem_read(io, addr, size);
            break;
        }
        count = 1 + fuzz_u16(in) % 4096;
        step = fuzz_u8(in) & 1; /* a rep movs, or a FIFO at one address */
        value = fuzz_u64(in);
        for (unsigned i = 0; i < count; i++) {
            uint64_t a = step ? addr + (uint64_t)i * size : addr;
            if (op == FUZZ_OP_MMIO_WRITE_REP) {
                io_mem_write(io, a, value + i, size);
            } else {
                io_mem_read(io, a, size);
            }
        }
        break;
    case FUZZ_OP_PCI_CONFIG: {
        unsigned devfn = fuzz_devfns[fuzz_u8(in) % G_N_ELEMENTS(fuzz_devfns)];
        unsigned reg = fuzz_u8(in);
        size = fuzz_size(in, 2);
        fuzz_pci_config_write(io, devfn, reg, fuzz_u32(in), size);
        break;
    }
    case FUZZ_OP_ROUND_TRIP:
        fuzz_check_round_trip(fm);
        break;
    case FUZZ_OP_MUTATED_LOAD:
        fuzz_mutated_load(fm, in, t->section_hint);
        break;
    case FUZZ_OP_RESET:
        machine_reset(fm->machine, SHUTDOWN_CAUSE_NONE);
        break;
    case FUZZ_OP_EXTRA:
        if (t->extra != NULL) {
            t->extra(fm, in);
        }
        break;
    case FUZZ_OP_MAX:
        break;
    }
}

void fuzz_run_ops(const FuzzTarget *t, const uint8_t *data, size_t size)
{
    FuzzMachine *fm = fuzz_machine_get(t->type);
    FuzzInput in = { data, size, 0 };

    fuzz_machine_restart(fm);
    fuzz_machine_map_bars(fm);
    while (fuzz_more(&in)) {
        fuzz_op(t, fm, &in, (FuzzOp)(fuzz_u8(&in) % FUZZ_OP_MAX));
        /* The guest reset the i8042 asked for runs between accesses. */
        fuzz_run_idle();
    }
    fuzz_machine_check_guards(fm);
    fuzz_check_round_trip(fm);
}
