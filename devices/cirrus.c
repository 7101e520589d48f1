/*
 * Cirrus Logic CL-GD5446 on PCI, with QEMU 7.2's cirrus-vga behaviour
 * (hw/display/cirrus_vga.c), checked register by register against QEMU
 * over qtest: the VGA ports with the Cirrus extended sequencer, graphics
 * and CRTC registers, the hidden DAC register, the hidden cursor palette,
 * banking, the PCI function and reset.  The memory paths are in
 * cirrus-mem.c, the BitBLT engine in cirrus-blit.c.
 *
 * Differences from QEMU, on purpose: no expansion ROM BAR (under Xen,
 * hvmloader loads the VGA BIOS; QEMU's ROM BAR at 0x30 reads 0 here and
 * is not writable); a reset also stops the blitter (QEMU leaves a
 * CPU-to-video transfer accepting bytes after a reset); the hidden
 * palette index is kept inside its 48 bytes whatever a loaded
 * dac_sub_index says.
 *
 * Kept as QEMU does, since it shows in the saved state or in reads: a
 * reset keeps the VGA latch, the GR0/GR1 shadows, the cursor position,
 * the hidden palette and the bank pointers (QEMU's cirrus_reset does not
 * touch them), and the direct VRAM mappings (linear_vram, bank_mapped) are
 * recomputed only where QEMU recomputes them.
 *
 * Concurrency: none; the caller serializes every access.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-cirrus"

#include <string.h>

#include <gio/gio.h>

#include "devices/cirrus.h"

/* Ports handled here rather than by the VGA core. */
enum {
    CIRRUS_PORT_SR_I = 0x3c4,
    CIRRUS_PORT_SR_D = 0x3c5,
    CIRRUS_PORT_HIDDEN_DAC = 0x3c6, /* the VGA PEL mask on other cards */
    CIRRUS_PORT_PEL_IW = 0x3c8,
    CIRRUS_PORT_PEL_D = 0x3c9,
    CIRRUS_PORT_GR_I = 0x3ce,
    CIRRUS_PORT_GR_D = 0x3cf,
    CIRRUS_PORT_CR_DM = 0x3b5,
    CIRRUS_PORT_CR_DC = 0x3d5,
    CIRRUS_PORTS_BASE = 0x3b0,
    CIRRUS_PORTS_LEN = 0x30,
};

/* Register indexes and values. */
enum {
    CIRRUS_SR_CURSOR_X = 0x10, /* and 0x30, 0x50 ... 0xf0: x bits 2:0 */
    CIRRUS_SR_CURSOR_Y = 0x11,
    CIRRUS_SR_DRAM = 0x0f,
    CIRRUS_SR_SCRATCH3 = 0x15, /* the BIOS reads the memory size here */
    CIRRUS_SR_MCLK = 0x1f,
    CIRRUS_SR6_UNLOCKED = 0x12,
    CIRRUS_SR6_LOCKED = 0x0f,
    CIRRUS_SR17_KEEP = 0x38, /* bus type and memory size: read-only */
    CIRRUS_GR_MODE = 0x05,   /* VGA mode, plus write modes 4 and 5 */
    CIRRUS_GR_MEMCONFIG = 0x18,
    CIRRUS_GR_LAST = 0x39, /* GR3A and up read 0xff */
    CIRRUS_GRB_EXT_WRITE_MODES = 0x04,
    CIRRUS_GRB_8BYTE = 0x02,
    CIRRUS_GRB_16BYTE = 0x14,
    CIRRUS_CR_LAST_VGA = 0x18,
    CIRRUS_CR_INTERLACE_END = 0x19, /* CR19-CR1D: plain storage */
    CIRRUS_CR_OVERLAY = 0x1d,
    CIRRUS_CR_LATCH_READBACK = 0x22,
    CIRRUS_CR_AR_TOGGLE = 0x24,
    CIRRUS_CR_PART_STATUS = 0x25,
    CIRRUS_CR_AR_INDEX = 0x26,
    CIRRUS_CR_PART_ID = 0x27,
    CIRRUS_HIDDEN_DAC_READS = 4, /* reads of 0x3C6 that unlock it */
};

/* Writable bits of SR0-SR4 and GR0-GR8 (the standard VGA registers). */
static const uint8_t cirrus_sr_mask[5] = { 0x03, 0x3d, 0x0f, 0x3f, 0x0e };
static const uint8_t cirrus_gr_mask[9] = {
    0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff,
};

/* The mono CRTC ports float in colour mode and the colour ones in mono. */
static bool cirrus_port_invalid(const Cirrus *c, uint16_t port)
{
    if (c->vga.msr & 0x01) {
        return port >= 0x3b0 && port <= 0x3bf;
    }
    return port >= 0x3d0 && port <= 0x3df;
}

/*
 * The window offset and size of bank n from GR9/GRA/GRB, clamped to the
 * addressable 4 MiB: a bank past its end gets base 0 and limit 0.  In
 * single-bank mode the second half of 0xA0000-0xAFFFF continues the first.
 */
static void cirrus_update_bank(Cirrus *c, unsigned n)
{
    uint8_t mode = c->vga.gr[CIRRUS_GR_MODE_EXT];
    bool dual = mode & CIRRUS_BANKING_DUAL;
    uint32_t offset =
        c->vga.gr[dual ? CIRRUS_GR_OFFSET0 + n : CIRRUS_GR_OFFSET0];
    uint32_t limit;

    offset <<= (mode & CIRRUS_BANKING_GRANULARITY_16K) ? 14 : 12;
    limit = offset < CIRRUS_REAL_VRAM_SIZE ? CIRRUS_REAL_VRAM_SIZE - offset : 0;
    if (!dual && n == 1) {
        if (limit > 0x8000) {
            offset += 0x8000;
            limit -= 0x8000;
        } else {
            limit = 0;
        }
    }
    c->bank_base[n] = limit > 0 ? offset : 0;
    c->bank_limit[n] = limit;
}

static void cirrus_update_banks(Cirrus *c)
{
    cirrus_update_bank(c, 0);
    cirrus_update_bank(c, 1);
}

void cirrus_update_memory_access(Cirrus *c)
{
    uint8_t grb = c->vga.gr[CIRRUS_GR_MODE_EXT];
    unsigned write_mode = c->vga.gr[CIRRUS_GR_MODE] & 7;
    bool direct = true;

    /*
     * VRAM is mapped straight in unless something needs the byte handlers:
     * MMIO registers at the top of the LFB, a CPU-to-video blit, the 8- or
     * 16-byte address shift, or write modes 4 and 5.
     */
    if ((c->vga.sr[CIRRUS_SR_CONFIG] &
         (CIRRUS_MMIO_ENABLE | CIRRUS_MMIO_USE_PCIADDR)) ==
            (CIRRUS_MMIO_ENABLE | CIRRUS_MMIO_USE_PCIADDR) ||
        cirrus_blit_cpu_source_active(c) ||
        (grb & CIRRUS_GRB_16BYTE) == CIRRUS_GRB_16BYTE ||
        (grb & CIRRUS_GRB_8BYTE)) {
        direct = false;
    } else if ((write_mode == 4 || write_mode == 5) &&
               (grb & CIRRUS_GRB_EXT_WRITE_MODES)) {
        direct = false;
    }
    c->linear_vram = direct;
    /* The banks only in the extended modes (SR7 as it is now). */
    for (unsigned n = 0; n < 2; n++) {
        c->bank_mapped[n] =
            direct && (c->vga.sr[CIRRUS_SR_EXT_MODE] & CIRRUS_SR7_BPP_SVGA);
    }
}

/* A transfer that starts or ends maps or unmaps VRAM, as in QEMU. */
static void cirrus_blit_remap(Cirrus *c, bool was_active)
{
    if (cirrus_blit_cpu_source_active(c) != was_active) {
        cirrus_update_memory_access(c);
    }
}

void cirrus_blit_feed(Cirrus *c, uint8_t value)
{
    cirrus_blit_cpu_write(c, value);
    cirrus_blit_remap(c, true);
}

static void cirrus_unmap_vram(Cirrus *c)
{
    c->linear_vram = false;
    c->bank_mapped[0] = false;
    c->bank_mapped[1] = false;
}

/* ------------------------------------------------------ sequencer */

static uint8_t cirrus_sr_read(const Cirrus *c)
{
    uint8_t index = c->vga.sr_index;

    /* The cursor position answers at every index with low bits 0x10/0x11. */
    if ((index & 0x1f) == CIRRUS_SR_CURSOR_X ||
        (index & 0x1f) == CIRRUS_SR_CURSOR_Y) {
        return c->vga.sr[index & 0x1f];
    }
    if (index <= 0x1f) {
        return c->vga.sr[index];
    }
    return 0xff;
}

static void cirrus_sr_write(Cirrus *c, uint8_t value)
{
    uint8_t index = c->vga.sr_index;
    uint8_t *sr = c->vga.sr;

    if ((index & 0x1f) == CIRRUS_SR_CURSOR_X) {
        /* Index bits 7:5 are the position's low three bits. */
        sr[CIRRUS_SR_CURSOR_X] = value;
        c->hw_cursor_x = ((uint32_t)value << 3) | (index >> 5);
        return;
    }
    if ((index & 0x1f) == CIRRUS_SR_CURSOR_Y) {
        sr[CIRRUS_SR_CURSOR_Y] = value;
        c->hw_cursor_y = ((uint32_t)value << 3) | (index >> 5);
        return;
    }
    if (index < G_N_ELEMENTS(cirrus_sr_mask)) {
        sr[index] = value & cirrus_sr_mask[index];
    } else if (index == CIRRUS_SR_UNLOCK) {
        sr[index] = (value & 0x17) == CIRRUS_SR6_UNLOCKED ? CIRRUS_SR6_UNLOCKED
                                                          : CIRRUS_SR6_LOCKED;
    } else if (index == CIRRUS_SR_EXT_MODE) {
        /* QEMU remaps before storing: the mapping sees the old SR7. */
        cirrus_update_memory_access(c);
        sr[index] = value;
    } else if (index == CIRRUS_SR_CONFIG) {
        sr[index] = (uint8_t)((sr[index] & CIRRUS_SR17_KEEP) | (value & 0xc7));
        cirrus_update_memory_access(c);
    } else if (index >= 0x08 && index <= 0x1f) {
        sr[index] = value;
    } else {
        /* SR5 and the unknown ones ignore writes. */
        g_debug("write of SR%02x ignored", index);
    }
}

/* ---------------------------------------------- hidden DAC, palette */

static uint8_t cirrus_hidden_dac_read(Cirrus *c)
{
    /* The fifth read in a row returns the register (a u8 counter). */
    c->hidden_dac_lockindex++;
    if (c->hidden_dac_lockindex == CIRRUS_HIDDEN_DAC_READS + 1) {
        c->hidden_dac_lockindex = 0;
        return c->hidden_dac_data;
    }
    return 0xff;
}

static void cirrus_hidden_dac_write(Cirrus *c, uint8_t value)
{
    if (c->hidden_dac_lockindex == CIRRUS_HIDDEN_DAC_READS) {
        c->hidden_dac_data = value;
    }
    c->hidden_dac_lockindex = 0;
}

static bool cirrus_hidden_pel(const Cirrus *c)
{
    return c->vga.sr[CIRRUS_SR_CURSOR_ATTR] & CIRRUS_CURSOR_HIDDENPEL;
}

static uint8_t cirrus_palette_read(Cirrus *c)
{
    Vga *v = &c->vga;
    /* A loaded dac_sub_index may be out of range: QEMU overruns there. */
    unsigned sub = v->dac_sub_index < 3 ? v->dac_sub_index : 0;
    uint8_t value;

    if (cirrus_hidden_pel(c)) {
        value = c->hidden_palette[(v->dac_read_index & 0x0f) * 3 + sub];
    } else {
        value = v->palette[v->dac_read_index * 3 + sub];
    }
    v->dac_sub_index = (uint8_t)(sub + 1);
    if (v->dac_sub_index == 3) {
        v->dac_sub_index = 0;
        v->dac_read_index++;
    }
    return value;
}

static void cirrus_palette_write(Cirrus *c, uint8_t value)
{
    Vga *v = &c->vga;
    unsigned sub = v->dac_sub_index < 3 ? v->dac_sub_index : 0;

    v->dac_cache[sub] = value;
    v->dac_sub_index = (uint8_t)(sub + 1);
    if (v->dac_sub_index < 3) {
        return;
    }
    if (cirrus_hidden_pel(c)) {
        memcpy(&c->hidden_palette[(v->dac_write_index & 0x0f) * 3],
               v->dac_cache, 3);
    } else {
        memcpy(&v->palette[v->dac_write_index * 3], v->dac_cache, 3);
    }
    v->dac_sub_index = 0;
    v->dac_write_index++;
}

/* ------------------------------------------------ graphics controller */

uint8_t cirrus_gr_read(Cirrus *c, uint8_t index)
{
    if (index == 0) {
        return c->shadow_gr0;
    }
    if (index == 1) {
        return c->shadow_gr1;
    }
    return index <= CIRRUS_GR_LAST ? c->vga.gr[index] : 0xff;
}

void cirrus_gr_write(Cirrus *c, uint8_t index, uint8_t value)
{
    uint8_t *gr = c->vga.gr;

    switch (index) {
    case 0x00:
        gr[index] = value & cirrus_gr_mask[index];
        c->shadow_gr0 = value; /* the background colour, all 8 bits */
        break;
    case 0x01:
        gr[index] = value & cirrus_gr_mask[index];
        c->shadow_gr1 = value; /* the foreground colour */
        break;
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x06:
    case 0x07:
    case 0x08:
        gr[index] = value & cirrus_gr_mask[index];
        break;
    case CIRRUS_GR_MODE:
        gr[index] = value & 0x7f; /* bit 2: write modes 4/5 */
        cirrus_update_memory_access(c);
        break;
    case CIRRUS_GR_OFFSET0:
    case CIRRUS_GR_OFFSET1:
    case CIRRUS_GR_MODE_EXT:
        gr[index] = value;
        cirrus_update_banks(c);
        cirrus_update_memory_access(c);
        break;
    case 0x10 ... 0x15: /* colour extension bytes */
    case 0x20:
    case 0x22:
    case 0x24:
    case 0x26:
    case 0x28:
    case 0x29:
    case 0x2c:
    case 0x2d:
    case 0x2f:
    case 0x30:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x38:
    case 0x39:
        gr[index] = value;
        break;
    case 0x21: /* the high bytes of width, height and the pitches */
    case 0x23:
    case 0x25:
    case 0x27:
        gr[index] = value & 0x1f;
        break;
    case 0x2a: /* destination address bits 21:16 */
        gr[index] = value & 0x3f;
        if (gr[CIRRUS_GR_BLT_STATUS] & CIRRUS_BLT_AUTOSTART) {
            bool active = cirrus_blit_cpu_source_active(c);

            cirrus_blit_start(c);
            cirrus_blit_remap(c, active);
        }
        break;
    case 0x2e:
        gr[index] = value & 0x3f;
        break;
    case CIRRUS_GR_BLT_STATUS: {
        bool active = cirrus_blit_cpu_source_active(c);

        cirrus_blit_write_status(c, value);
        cirrus_blit_remap(c, active);
        break;
    }
    default:
        g_debug("write of GR%02x ignored", index);
        break;
    }
}

/* ------------------------------------------------------------- CRTC */

static uint8_t cirrus_cr_read(const Cirrus *c)
{
    uint8_t index = c->vga.cr_index;

    switch (index) {
    case 0x00 ... CIRRUS_CR_LAST_VGA:
    case CIRRUS_CR_INTERLACE_END ... CIRRUS_CR_OVERLAY:
    case CIRRUS_CR_LATCH_READBACK:
    case CIRRUS_CR_PART_STATUS:
    case CIRRUS_CR_PART_ID:
        return c->vga.cr[index];
    case CIRRUS_CR_AR_TOGGLE:
        return (uint8_t)((uint32_t)c->vga.ar_flip_flop << 7);
    case CIRRUS_CR_AR_INDEX:
        return c->vga.ar_index & 0x3f;
    default:
        return 0xff;
    }
}

static void cirrus_cr_write(Cirrus *c, uint16_t port, uint8_t value)
{
    uint8_t index = c->vga.cr_index;

    if (index <= CIRRUS_CR_LAST_VGA) {
        /* The core applies the CR0-CR7 write protection. */
        vga_ioport_write(&c->vga, port, value);
    } else if (index >= CIRRUS_CR_INTERLACE_END && index <= CIRRUS_CR_OVERLAY) {
        c->vga.cr[index] = value;
    } else {
        /* CR22, CR24, CR26, CR27 are read-only; the rest do not exist. */
        g_debug("write of CR%02x ignored", index);
    }
}

/* ------------------------------------------------------------ ports */

uint8_t cirrus_ioport_read(Cirrus *c, uint16_t port)
{
    if (cirrus_port_invalid(c, port)) {
        return 0xff;
    }
    switch (port) {
    case CIRRUS_PORT_SR_D:
        return cirrus_sr_read(c);
    case CIRRUS_PORT_HIDDEN_DAC:
        return cirrus_hidden_dac_read(c);
    case CIRRUS_PORT_PEL_IW:
        c->hidden_dac_lockindex = 0;
        return c->vga.dac_write_index;
    case CIRRUS_PORT_PEL_D:
        return cirrus_palette_read(c);
    case CIRRUS_PORT_GR_D:
        return cirrus_gr_read(c, c->vga.gr_index);
    case CIRRUS_PORT_CR_DM:
    case CIRRUS_PORT_CR_DC:
        return cirrus_cr_read(c);
    default:
        return vga_ioport_read(&c->vga, port);
    }
}

void cirrus_ioport_write(Cirrus *c, uint16_t port, uint8_t value)
{
    if (cirrus_port_invalid(c, port)) {
        return;
    }
    switch (port) {
    case CIRRUS_PORT_SR_I:
        c->vga.sr_index = value; /* all 8 bits, unlike plain VGA */
        break;
    case CIRRUS_PORT_SR_D:
        cirrus_sr_write(c, value);
        break;
    case CIRRUS_PORT_HIDDEN_DAC:
        cirrus_hidden_dac_write(c, value);
        break;
    case CIRRUS_PORT_PEL_D:
        cirrus_palette_write(c, value);
        break;
    case CIRRUS_PORT_GR_I:
        c->vga.gr_index = value;
        break;
    case CIRRUS_PORT_GR_D:
        cirrus_gr_write(c, c->vga.gr_index, value);
        break;
    case CIRRUS_PORT_CR_DM:
    case CIRRUS_PORT_CR_DC:
        cirrus_cr_write(c, port, value);
        break;
    default:
        vga_ioport_write(&c->vga, port, value);
        break;
    }
}

static uint64_t cirrus_port_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    return cirrus_ioport_read(opaque, (uint16_t)(CIRRUS_PORTS_BASE + addr));
}

static void cirrus_port_io_write(void *opaque, uint64_t addr, uint64_t value,
                                 unsigned size)
{
    (void)size;
    cirrus_ioport_write(opaque, (uint16_t)(CIRRUS_PORTS_BASE + addr),
                        (uint8_t)value);
}

static const IoOps cirrus_port_ops = {
    .read = cirrus_port_io_read,
    .write = cirrus_port_io_write,
    .min_access = 1,
    .max_access = 1,
};

/* ------------------------------------------------------------ reset */

void cirrus_reset(void *opaque)
{
    Cirrus *c = opaque;
    uint32_t latch = c->vga.latch;

    /* QEMU's vga_common_reset zeroes the registers but not the latch. */
    vga_reset(&c->vga);
    c->vga.latch = latch;
    cirrus_blit_reset(c);
    cirrus_unmap_vram(c);
    /* The CL-GD5446 with 4 MiB on PCI, as QEMU's BIOS expects it. */
    c->vga.sr[CIRRUS_SR_UNLOCK] = CIRRUS_SR6_LOCKED;
    c->vga.sr[CIRRUS_SR_MCLK] = 0x2d;
    c->vga.gr[CIRRUS_GR_MEMCONFIG] = 0x0f;
    c->vga.sr[CIRRUS_SR_DRAM] = 0x98;
    c->vga.sr[CIRRUS_SR_CONFIG] = 0x20;   /* PCI bus */
    c->vga.sr[CIRRUS_SR_SCRATCH3] = 0x04; /* 4 MiB */
    c->vga.cr[CIRRUS_CR_PART_ID] = CIRRUS_ID_CLGD5446;
    c->hidden_dac_lockindex = 5;
    c->hidden_dac_data = 0;
}

void cirrus_update_derived(Cirrus *c)
{
    c->vga.gr[0] = c->shadow_gr0 & 0x0f;
    c->vga.gr[1] = c->shadow_gr1 & 0x0f;
    cirrus_update_banks(c);
    /*
     * The blitter is not in the state (QEMU assumes it idle): stop any
     * transfer, but GR31 keeps its loaded bits, as QEMU's post_load
     * leaves them, so that a save after the load writes the same bytes.
     */
    uint8_t status = c->vga.gr[CIRRUS_GR_BLT_STATUS];
    cirrus_blit_reset(c);
    c->vga.gr[CIRRUS_GR_BLT_STATUS] = status;
    cirrus_update_memory_access(c);
}

/* --------------------------------------------------------- instance */

static const PciFunctionInfo cirrus_pci_info = {
    .name = "cirrus-vga",
    .devfn = PCI_DEVFN(2, 0),
    .vendor_id = CIRRUS_PCI_VENDOR_ID,
    .device_id = CIRRUS_PCI_DEVICE_ID,
    .class_id = 0x0300, /* VGA-compatible display controller */
};

Cirrus *cirrus_new(IoDispatcher *io, PciBus *bus, uint8_t *vram,
                   size_t vram_size, GError **error)
{
    Cirrus *c;

    if (vram == NULL || vram_size < CIRRUS_REAL_VRAM_SIZE ||
        (vram_size & (vram_size - 1)) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "cirrus-vga: VRAM must be a power of two of at least "
                    "4 MiB");
        return NULL;
    }
    c = g_new0(Cirrus, 1);
    c->vga.vram = vram;
    c->vga.vram_size = vram_size;
    c->vram_size = vram_size;
    c->addr_mask = CIRRUS_REAL_VRAM_SIZE - 1;
    c->linear_mmio_mask = CIRRUS_REAL_VRAM_SIZE - 256;
    c->io = io;
    cirrus_reset(c);

    c->port_region = io_register_port(io, CIRRUS_PORTS_BASE, CIRRUS_PORTS_LEN,
                                      &cirrus_port_ops, c, "cirrus-io", error);
    if (c->port_region == NULL) {
        cirrus_free(c);
        return NULL;
    }
    c->window_region =
        io_register_mmio(io, VGA_WINDOW_BASE, VGA_WINDOW_SIZE,
                         &cirrus_window_ops, c, "cirrus-low-memory", error);
    if (c->window_region == NULL) {
        cirrus_free(c);
        return NULL;
    }
    c->pci = pci_function_new(bus, &cirrus_pci_info, error);
    if (c->pci == NULL) {
        cirrus_free(c);
        return NULL;
    }
    pci_function_define_bar(c->pci, 0, PCI_BAR_MEM32_PREFETCH,
                            CIRRUS_BAR0_SIZE);
    pci_function_define_bar(c->pci, 1, PCI_BAR_MEM32, CIRRUS_BAR1_SIZE);
    pci_function_attach_bar(c->pci, 0, &cirrus_bar0_ops, c);
    pci_function_attach_bar(c->pci, 1, &cirrus_mmio_ops, c);
    return c;
}

void cirrus_free(Cirrus *c)
{
    if (c == NULL) {
        return;
    }
    /* The PCI function and its BAR regions belong to the bus. */
    if (c->window_region != NULL) {
        io_unregister(c->io, c->window_region);
    }
    if (c->port_region != NULL) {
        io_unregister(c->io, c->port_region);
    }
    g_free(c->state_wire);
    g_free(c);
}
