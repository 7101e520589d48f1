/*
 * The VGA core: attribute controller, sequencer, graphics controller,
 * CRTC, DAC, misc output, feature control, input status, and the legacy
 * memory window with the planar modes, following QEMU 7.2's
 * hw/display/vga.c behaviour (checked over qtest against -vga std).
 *
 * Not emulated: display refresh and retrace timing (input status 1
 * toggles its retrace and display-enable bits on every read, as QEMU's
 * default "dumb" retrace does), VBE, the PEL mask register (QEMU's core
 * reads 0x3C6 as 0 and ignores writes; the Cirrus hidden DAC lives
 * there) and font-change detection.  Writes mark the VRAM dirty log
 * (vram-dirty.h) after the store, inside the same bounds check.
 *
 * Concurrency: none; the caller serializes all accesses.  VRAM is the
 * caller's buffer and every access is checked against its size, whatever
 * the registers say.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/vga.h"

/* Port numbers. */
enum {
    VGA_PORT_AR_W = 0x3c0,
    VGA_PORT_AR_R = 0x3c1,
    VGA_PORT_MSR_W = 0x3c2, /* reads input status 0 */
    VGA_PORT_SR_I = 0x3c4,
    VGA_PORT_SR_D = 0x3c5,
    VGA_PORT_PEL_MASK = 0x3c6,
    VGA_PORT_PEL_IR = 0x3c7, /* reads the DAC state */
    VGA_PORT_PEL_IW = 0x3c8,
    VGA_PORT_PEL_D = 0x3c9,
    VGA_PORT_FCR_R = 0x3ca,
    VGA_PORT_MSR_R = 0x3cc,
    VGA_PORT_GR_I = 0x3ce,
    VGA_PORT_GR_D = 0x3cf,
    VGA_PORT_CR_IM = 0x3b4,
    VGA_PORT_CR_DM = 0x3b5,
    VGA_PORT_IS1_RM = 0x3ba, /* writes feature control */
    VGA_PORT_CR_IC = 0x3d4,
    VGA_PORT_CR_DC = 0x3d5,
    VGA_PORT_IS1_RC = 0x3da,
};

/* Register indexes and bits. */
enum {
    VGA_AR_MODE = 0x10,
    VGA_AR_OVERSCAN = 0x11,
    VGA_AR_PLANE_ENABLE = 0x12,
    VGA_AR_PEL = 0x13,
    VGA_AR_COLOR_PAGE = 0x14,
    VGA_SR_PLANE_WRITE = 0x02,
    VGA_SR_MEMORY_MODE = 0x04,
    VGA_SR04_CHAIN4 = 0x08,
    VGA_GR_SR_VALUE = 0x00,
    VGA_GR_SR_ENABLE = 0x01,
    VGA_GR_COMPARE_VALUE = 0x02,
    VGA_GR_DATA_ROTATE = 0x03,
    VGA_GR_PLANE_READ = 0x04,
    VGA_GR_MODE = 0x05,
    VGA_GR_MISC = 0x06,
    VGA_GR_COMPARE_MASK = 0x07,
    VGA_GR_BIT_MASK = 0x08,
    VGA_GR05_ODD_EVEN = 0x10,
    VGA_GR05_READ_MODE1 = 0x08,
    VGA_CR_OVERFLOW = 0x07,
    VGA_CR_V_SYNC_END = 0x11,
    VGA_CR11_LOCK_CR0_CR7 = 0x80,
    VGA_MSR_COLOR = 0x01,
    VGA_ST01_V_RETRACE = 0x08,
    VGA_ST01_DISP_ENABLE = 0x01,
};

/* Writable bits of SR0-SR7 and GR0-GR15 (QEMU's sr_mask and gr_mask). */
static const uint8_t vga_sr_mask[8] = {
    0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff,
};
static const uint8_t vga_gr_mask[16] = {
    0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f,
    0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Expands a 4-bit plane mask to a 32-bit mask, plane n in byte n. */
static uint32_t vga_expand4(uint8_t bits)
{
    uint32_t out = 0;

    for (unsigned plane = 0; plane < 4; plane++) {
        if (bits & (1u << plane)) {
            out |= 0xffu << (8 * plane);
        }
    }
    return out;
}

/* The latch word at plane-group addr, little-endian planes. */
static uint32_t vga_load32(const Vga *vga, uint32_t addr)
{
    const uint8_t *p = vga->vram + (size_t)addr * 4;

    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static void vga_store32(Vga *vga, uint32_t addr, uint32_t value)
{
    uint8_t *p = vga->vram + (size_t)addr * 4;

    for (unsigned i = 0; i < 4; i++) {
        p[i] = (uint8_t)(value >> (8 * i));
    }
}

/*
 * Ports of the mode the misc output register does not select float: the
 * mono CRTC ports in colour mode and the colour ones in mono mode.
 */
static bool vga_port_invalid(const Vga *vga, uint16_t port)
{
    if (vga->msr & VGA_MSR_COLOR) {
        return port >= 0x3b0 && port <= 0x3bf;
    }
    return port >= 0x3d0 && port <= 0x3df;
}

static uint8_t vga_read_ar_data(const Vga *vga)
{
    unsigned index = vga->ar_index & 0x1f;

    return index < VGA_AR_COUNT ? vga->ar[index] : 0;
}

static void vga_write_ar(Vga *vga, uint8_t value)
{
    if (vga->ar_flip_flop == 0) {
        vga->ar_index = value & 0x3f;
    } else {
        unsigned index = vga->ar_index & 0x1f;

        /* Reserved bits read back as zero, as QEMU masks them. */
        if (index < VGA_AR_MODE) {
            vga->ar[index] = value & 0x3f;
        } else if (index == VGA_AR_MODE) {
            vga->ar[index] = value & ~0x10;
        } else if (index == VGA_AR_OVERSCAN) {
            vga->ar[index] = value;
        } else if (index == VGA_AR_PLANE_ENABLE) {
            vga->ar[index] = value & ~0xc0;
        } else if (index == VGA_AR_PEL || index == VGA_AR_COLOR_PAGE) {
            vga->ar[index] = value & ~0xf0;
        }
    }
    /* Any access through 0x3C0 flips between index and data, as QEMU. */
    vga->ar_flip_flop = vga->ar_flip_flop ? 0 : 1;
}

static uint8_t vga_read_dac_data(Vga *vga)
{
    /* dac_sub_index may come from a state file; keep it in range. */
    unsigned sub = vga->dac_sub_index < 3 ? vga->dac_sub_index : 0;
    uint8_t value = vga->palette[vga->dac_read_index * 3 + sub];

    vga->dac_sub_index = (uint8_t)(sub + 1);
    if (vga->dac_sub_index == 3) {
        vga->dac_sub_index = 0;
        vga->dac_read_index++;
    }
    return value;
}

static void vga_write_dac_data(Vga *vga, uint8_t value)
{
    unsigned sub = vga->dac_sub_index < 3 ? vga->dac_sub_index : 0;

    vga->dac_cache[sub] = value;
    vga->dac_sub_index = (uint8_t)(sub + 1);
    if (vga->dac_sub_index == 3) {
        memcpy(&vga->palette[vga->dac_write_index * 3], vga->dac_cache, 3);
        vga->dac_sub_index = 0;
        vga->dac_write_index++;
    }
}

static void vga_write_cr_data(Vga *vga, uint8_t value)
{
    /* CR11 bit 7 protects CR0-CR7, except CR7 bit 4 (line compare 8). */
    if ((vga->cr[VGA_CR_V_SYNC_END] & VGA_CR11_LOCK_CR0_CR7) &&
        vga->cr_index <= VGA_CR_OVERFLOW) {
        if (vga->cr_index == VGA_CR_OVERFLOW) {
            vga->cr[VGA_CR_OVERFLOW] =
                (vga->cr[VGA_CR_OVERFLOW] & ~0x10) | (value & 0x10);
        }
        return;
    }
    vga->cr[vga->cr_index] = value;
}

uint8_t vga_ioport_read(Vga *vga, uint16_t port)
{
    if (vga_port_invalid(vga, port)) {
        return 0xff;
    }
    switch (port) {
    case VGA_PORT_AR_W:
        return vga->ar_flip_flop == 0 ? vga->ar_index : 0;
    case VGA_PORT_AR_R:
        return vga_read_ar_data(vga);
    case VGA_PORT_MSR_W:
        return vga->st00;
    case VGA_PORT_SR_I:
        return vga->sr_index;
    case VGA_PORT_SR_D:
        return vga->sr[vga->sr_index];
    case VGA_PORT_PEL_IR:
        return vga->dac_state;
    case VGA_PORT_PEL_IW:
        return vga->dac_write_index;
    case VGA_PORT_PEL_D:
        return vga_read_dac_data(vga);
    case VGA_PORT_FCR_R:
        return vga->fcr;
    case VGA_PORT_MSR_R:
        return vga->msr;
    case VGA_PORT_GR_I:
        return vga->gr_index;
    case VGA_PORT_GR_D:
        return vga->gr[vga->gr_index];
    case VGA_PORT_CR_IM:
    case VGA_PORT_CR_IC:
        return vga->cr_index;
    case VGA_PORT_CR_DM:
    case VGA_PORT_CR_DC:
        return vga->cr[vga->cr_index];
    case VGA_PORT_IS1_RM:
    case VGA_PORT_IS1_RC:
        /*
         * No retrace timing: toggle retrace and display enable on every
         * read so that polling guests make progress (QEMU's dumb
         * retrace).  Reading here also resets the attribute flip-flop.
         */
        vga->st01 ^= VGA_ST01_V_RETRACE | VGA_ST01_DISP_ENABLE;
        vga->ar_flip_flop = 0;
        return vga->st01;
    default:
        /* 0x3C3, 0x3C6 (PEL mask), 0x3CB, 0x3CD and the rest read 0. */
        return 0;
    }
}

void vga_ioport_write(Vga *vga, uint16_t port, uint8_t value)
{
    if (vga_port_invalid(vga, port)) {
        return;
    }
    switch (port) {
    case VGA_PORT_AR_W:
        vga_write_ar(vga, value);
        break;
    case VGA_PORT_MSR_W:
        vga->msr = value & ~0x10;
        break;
    case VGA_PORT_SR_I:
        vga->sr_index = value & 7;
        break;
    case VGA_PORT_SR_D:
        vga->sr[vga->sr_index] = value & vga_sr_mask[vga->sr_index & 7];
        break;
    case VGA_PORT_PEL_IR:
        vga->dac_read_index = value;
        vga->dac_sub_index = 0;
        vga->dac_state = 3;
        break;
    case VGA_PORT_PEL_IW:
        vga->dac_write_index = value;
        vga->dac_sub_index = 0;
        vga->dac_state = 0;
        break;
    case VGA_PORT_PEL_D:
        vga_write_dac_data(vga, value);
        break;
    case VGA_PORT_GR_I:
        vga->gr_index = value & 0x0f;
        break;
    case VGA_PORT_GR_D:
        vga->gr[vga->gr_index] = value & vga_gr_mask[vga->gr_index & 0x0f];
        break;
    case VGA_PORT_CR_IM:
    case VGA_PORT_CR_IC:
        vga->cr_index = value;
        break;
    case VGA_PORT_CR_DM:
    case VGA_PORT_CR_DC:
        vga_write_cr_data(vga, value);
        break;
    case VGA_PORT_IS1_RM:
    case VGA_PORT_IS1_RC:
        vga->fcr = value & 0x10;
        break;
    default:
        break;
    }
}

/*
 * Converts a window offset to a VGA memory offset through GR6's memory
 * map select; false when the map does not cover the offset.
 */
static bool vga_window_offset(const Vga *vga, uint32_t addr, uint64_t *out)
{
    int64_t off = addr & 0x1ffff;

    switch ((vga->gr[VGA_GR_MISC] >> 2) & 3) {
    case 0:
        break;
    case 1:
        if (off >= 0x10000) {
            return false;
        }
        off += vga->bank_offset;
        break;
    case 2:
        off -= 0x10000;
        if (off < 0 || off >= 0x8000) {
            return false;
        }
        break;
    default:
        off -= 0x18000;
        if (off < 0 || off >= 0x8000) {
            return false;
        }
        break;
    }
    if (off < 0) {
        return false;
    }
    *out = (uint64_t)off;
    return true;
}

uint8_t vga_mem_read(Vga *vga, uint32_t addr)
{
    uint64_t off;

    if (!vga_window_offset(vga, addr, &off)) {
        return 0xff;
    }
    if (vga->sr[VGA_SR_MEMORY_MODE] & VGA_SR04_CHAIN4) {
        return off < vga->vram_size ? vga->vram[off] : 0xff;
    }
    if (vga->gr[VGA_GR_MODE] & VGA_GR05_ODD_EVEN) {
        /* Odd/even: GR4 bit 1 chooses the plane pair, A0 the plane. */
        unsigned plane = (vga->gr[VGA_GR_PLANE_READ] & 2) | (off & 1);

        off = ((off & ~(uint64_t)1) << 1) | plane;
        return off < vga->vram_size ? vga->vram[off] : 0xff;
    }
    if (off >= vga->vram_size / 4) {
        return 0xff;
    }
    vga->latch = vga_load32(vga, (uint32_t)off);
    if (!(vga->gr[VGA_GR_MODE] & VGA_GR05_READ_MODE1)) {
        return (uint8_t)(vga->latch >> (8 * (vga->gr[VGA_GR_PLANE_READ] & 3)));
    }
    /* Read mode 1: a bit is set where every cared-for plane matches. */
    uint32_t diff = (vga->latch ^ vga_expand4(vga->gr[VGA_GR_COMPARE_VALUE])) &
                    vga_expand4(vga->gr[VGA_GR_COMPARE_MASK]);
    diff |= diff >> 16;
    diff |= diff >> 8;
    return (uint8_t)~diff;
}

/* Write modes 0, 2 and 3 before the logical function and bit mask. */
static uint32_t vga_write_value(const Vga *vga, uint8_t value,
                                uint8_t *bit_mask)
{
    unsigned rotate = vga->gr[VGA_GR_DATA_ROTATE] & 7;
    uint8_t rotated = (uint8_t)((value >> rotate) | (value << (8 - rotate)));
    uint32_t val;

    switch (vga->gr[VGA_GR_MODE] & 3) {
    case 2:
        *bit_mask = vga->gr[VGA_GR_BIT_MASK];
        return vga_expand4(value & 0x0f);
    case 3:
        *bit_mask = vga->gr[VGA_GR_BIT_MASK] & rotated;
        return vga_expand4(vga->gr[VGA_GR_SR_VALUE]);
    default: {
        uint32_t set_mask = vga_expand4(vga->gr[VGA_GR_SR_ENABLE]);

        val = rotated * 0x01010101u;
        *bit_mask = vga->gr[VGA_GR_BIT_MASK];
        return (val & ~set_mask) |
               (vga_expand4(vga->gr[VGA_GR_SR_VALUE]) & set_mask);
    }
    }
}

void vga_mem_write(Vga *vga, uint32_t addr, uint8_t value)
{
    uint64_t off;
    uint8_t map_mask = vga->sr[VGA_SR_PLANE_WRITE];

    if (!vga_window_offset(vga, addr, &off)) {
        return;
    }
    if (vga->sr[VGA_SR_MEMORY_MODE] & VGA_SR04_CHAIN4) {
        if ((map_mask & (1u << (off & 3))) && off < vga->vram_size) {
            vga->vram[off] = value;
            vram_dirty_mark(&vga->dirty, off);
        }
        return;
    }
    if (vga->gr[VGA_GR_MODE] & VGA_GR05_ODD_EVEN) {
        /* As QEMU 7.2, the plane pair comes from GR4 for writes too. */
        unsigned plane = (vga->gr[VGA_GR_PLANE_READ] & 2) | (off & 1);

        if (map_mask & (1u << plane)) {
            off = ((off & ~(uint64_t)1) << 1) | plane;
            if (off < vga->vram_size) {
                vga->vram[off] = value;
                vram_dirty_mark(&vga->dirty, off);
            }
        }
        return;
    }

    uint32_t val;
    if ((vga->gr[VGA_GR_MODE] & 3) == 1) {
        /* Write mode 1 stores the latches unchanged. */
        val = vga->latch;
    } else {
        uint8_t bit_mask;

        val = vga_write_value(vga, value, &bit_mask);
        switch (vga->gr[VGA_GR_DATA_ROTATE] >> 3) {
        case 1:
            val &= vga->latch;
            break;
        case 2:
            val |= vga->latch;
            break;
        case 3:
            val ^= vga->latch;
            break;
        default:
            break;
        }
        uint32_t mask32 = bit_mask * 0x01010101u;
        val = (val & mask32) | (vga->latch & ~mask32);
    }
    if (off >= vga->vram_size / 4) {
        return;
    }
    uint32_t write_mask = vga_expand4(map_mask & 0x0f);
    uint32_t old = vga_load32(vga, (uint32_t)off);
    vga_store32(vga, (uint32_t)off, (old & ~write_mask) | (val & write_mask));
    /* Marked even with no plane enabled: QEMU marks every planar store. */
    vram_dirty_mark(&vga->dirty, off * 4);
}

void vga_reset(Vga *vga)
{
    /* QEMU's vga_common_reset zeroes every register; VRAM is kept. */
    vga->latch = 0;
    vga->sr_index = 0;
    memset(vga->sr, 0, sizeof(vga->sr));
    vga->gr_index = 0;
    memset(vga->gr, 0, sizeof(vga->gr));
    vga->ar_index = 0;
    memset(vga->ar, 0, sizeof(vga->ar));
    vga->ar_flip_flop = 0;
    vga->cr_index = 0;
    memset(vga->cr, 0, sizeof(vga->cr));
    vga->msr = 0;
    vga->fcr = 0;
    vga->st00 = 0;
    vga->st01 = 0;
    vga->dac_state = 0;
    vga->dac_sub_index = 0;
    vga->dac_read_index = 0;
    vga->dac_write_index = 0;
    memset(vga->dac_cache, 0, sizeof(vga->dac_cache));
    memset(vga->palette, 0, sizeof(vga->palette));
    vga->bank_offset = 0;
}

Vga *vga_new(uint8_t *vram, size_t vram_size)
{
    Vga *vga = g_new0(Vga, 1);

    vga->vram = vram;
    vga->vram_size = vram != NULL ? vram_size : 0;
    vga_reset(vga);
    return vga;
}

void vga_free(Vga *vga)
{
    if (vga == NULL) {
        return;
    }
    vga_unregister(vga);
    g_free(vga);
}

static uint64_t vga_port_io_read(void *opaque, uint64_t addr, unsigned size)
{
    VgaPortRange *range = opaque;

    (void)size;
    return vga_ioport_read(range->vga, (uint16_t)(range->base + addr));
}

static void vga_port_io_write(void *opaque, uint64_t addr, uint64_t value,
                              unsigned size)
{
    VgaPortRange *range = opaque;

    (void)size;
    vga_ioport_write(range->vga, (uint16_t)(range->base + addr),
                     (uint8_t)value);
}

static uint64_t vga_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    return vga_mem_read(opaque, (uint32_t)addr);
}

static void vga_mmio_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    (void)size;
    vga_mem_write(opaque, (uint32_t)addr, (uint8_t)value);
}

static const IoOps vga_port_ops = {
    .read = vga_port_io_read,
    .write = vga_port_io_write,
    .min_access = 1,
    .max_access = 1,
};

static const IoOps vga_mmio_ops = {
    .read = vga_mmio_read,
    .write = vga_mmio_write,
    .min_access = 1,
    .max_access = 1,
};

bool vga_register(Vga *vga, IoDispatcher *io, GError **error)
{
    /* QEMU's vga_portio_list, offsets from 0x3B0. */
    static const struct {
        uint16_t offset;
        uint16_t len;
    } ranges[] = {
        { 0x04, 2 }, { 0x0a, 1 }, { 0x10, 16 }, { 0x24, 2 }, { 0x2a, 1 },
    };

    vga_unregister(vga);
    vga->io = io;
    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        VgaPortRange *range = &vga->ranges[i];

        range->vga = vga;
        range->base = (uint16_t)(0x3b0 + ranges[i].offset);
        vga->regions[i] = io_register_port(io, range->base, ranges[i].len,
                                           &vga_port_ops, range, "vga", error);
        if (vga->regions[i] == NULL) {
            vga_unregister(vga);
            return false;
        }
    }
    vga->regions[5] = io_register_mmio(io, VGA_WINDOW_BASE, VGA_WINDOW_SIZE,
                                       &vga_mmio_ops, vga, "vga-lowmem", error);
    if (vga->regions[5] == NULL) {
        vga_unregister(vga);
        return false;
    }
    return true;
}

void vga_unregister(Vga *vga)
{
    for (size_t i = 0; i < G_N_ELEMENTS(vga->regions); i++) {
        if (vga->regions[i] != NULL) {
            io_unregister(vga->io, vga->regions[i]);
            vga->regions[i] = NULL;
        }
    }
    vga->io = NULL;
}
