/*
 * The state layer of the Cirrus card: QEMU 7.2's section
 * "0000:00:02.0/cirrus_vga" (vmstate_pci_cirrus_vga "cirrus_vga", v2,
 * min 2; research/qemu-vmstate-7.2.md §3.5), byte for byte: the
 * PCIDevice block, then the "cirrus_vga" struct (1870 bytes in all, no
 * subsections).  VRAM is guest memory and is not in the section; neither
 * is the blitter, which QEMU assumes idle.
 *
 * The section's opaque is a wire struct shaped like the stream.  pre_save
 * fills it from the card; a load fills a scratch copy, post_load checks
 * it, and the commit writes the card and recomputes the bank pointers.
 *
 * Refused beyond QEMU: a DAC sub-index above 2 (QEMU would index past the
 * 3-byte cache), a DAC state other than the 0 and 3 the ports write, an
 * attribute flip-flop other than 0 or 1, and a legacy-window bank offset
 * outside VRAM.  The indexes are masked as the guest's port writes mask
 * them (the attribute index to 6 bits), so a stream cannot hold a state
 * the ports could not reach.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "devices/cirrus.h"

enum { CIRRUS_DAC_STATE_WRITE = 0, CIRRUS_DAC_STATE_READ = 3 };

/* vmstate_cirrus_vga's fields, in stream order. */
typedef struct CirrusVgaWire {
    uint32_t latch;
    uint8_t sr_index;
    uint8_t sr[256];
    uint8_t gr_index;
    uint8_t shadow_gr0;
    uint8_t shadow_gr1;
    uint8_t gr[256]; /* gr[0] and gr[1] travel as the shadows */
    uint8_t ar_index;
    uint8_t ar[VGA_AR_COUNT];
    int32_t ar_flip_flop;
    uint8_t cr_index;
    uint8_t cr[256];
    uint8_t msr;
    uint8_t fcr;
    uint8_t st00;
    uint8_t st01;
    uint8_t dac_state;
    uint8_t dac_sub_index;
    uint8_t dac_read_index;
    uint8_t dac_write_index;
    uint8_t dac_cache[3];
    uint8_t palette[VGA_PALETTE_SIZE];
    int32_t bank_offset;
    uint8_t hidden_dac_lockindex;
    uint8_t hidden_dac_data;
    uint32_t hw_cursor_x;
    uint32_t hw_cursor_y;
} CirrusVgaWire;

typedef struct CirrusWire {
    VmsPciDevice dev;
    CirrusVgaWire vga;
    /* Wiring. */
    Cirrus *cirrus;
} CirrusWire;

static void cirrus_wire_fill(CirrusWire *w)
{
    const Cirrus *c = w->cirrus;
    const Vga *v = &c->vga;
    CirrusVgaWire *s = &w->vga;

    if (c->pci != NULL) {
        w->dev = *pci_function_vmstate(c->pci);
    }
    s->latch = v->latch;
    s->sr_index = v->sr_index;
    memcpy(s->sr, v->sr, sizeof(s->sr));
    s->gr_index = v->gr_index;
    s->shadow_gr0 = c->shadow_gr0;
    s->shadow_gr1 = c->shadow_gr1;
    memcpy(s->gr, v->gr, sizeof(s->gr));
    s->ar_index = v->ar_index;
    memcpy(s->ar, v->ar, sizeof(s->ar));
    s->ar_flip_flop = v->ar_flip_flop;
    s->cr_index = v->cr_index;
    memcpy(s->cr, v->cr, sizeof(s->cr));
    s->msr = v->msr;
    s->fcr = v->fcr;
    s->st00 = v->st00;
    s->st01 = v->st01;
    s->dac_state = v->dac_state;
    s->dac_sub_index = v->dac_sub_index;
    s->dac_read_index = v->dac_read_index;
    s->dac_write_index = v->dac_write_index;
    memcpy(s->dac_cache, v->dac_cache, sizeof(s->dac_cache));
    memcpy(s->palette, v->palette, sizeof(s->palette));
    s->bank_offset = v->bank_offset;
    s->hidden_dac_lockindex = c->hidden_dac_lockindex;
    s->hidden_dac_data = c->hidden_dac_data;
    s->hw_cursor_x = c->hw_cursor_x;
    s->hw_cursor_y = c->hw_cursor_y;
}

static void cirrus_pre_save(void *opaque)
{
    cirrus_wire_fill(opaque);
}

static bool cirrus_vga_post_load(void *opaque, int version, GError **error)
{
    CirrusVgaWire *s = opaque;

    (void)version;
    if (s->dac_state != CIRRUS_DAC_STATE_WRITE &&
        s->dac_state != CIRRUS_DAC_STATE_READ) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "dac_state %u is neither 0 nor 3", s->dac_state);
        return false;
    }
    /*
     * The BitBLT's high bytes keep only the bits a port write keeps: a
     * blit's size is then bounded as on the card (8192 x 8192).
     */
    static const struct {
        uint8_t index;
        uint8_t mask;
    } blit_high[] = {
        { 0x21, 0x1f }, { 0x23, 0x1f }, { 0x25, 0x1f },
        { 0x27, 0x1f }, { 0x2a, 0x3f }, { 0x2e, 0x3f },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(blit_high); i++) {
        uint8_t value = s->gr[blit_high[i].index];

        if (value & ~blit_high[i].mask) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "gr[0x%02x] 0x%02x has bits outside 0x%02x, which no "
                        "guest write sets",
                        blit_high[i].index, value, blit_high[i].mask);
            return false;
        }
    }
    s->ar_index &= 0x3f;
    return true;
}

static const VmsField cirrus_vga_fields[] = {
    VMS_FIELD(CirrusVgaWire, latch),
    VMS_FIELD(CirrusVgaWire, sr_index),
    VMS_BUFFER(CirrusVgaWire, sr),
    VMS_FIELD(CirrusVgaWire, gr_index),
    VMS_FIELD(CirrusVgaWire, shadow_gr0),
    VMS_FIELD(CirrusVgaWire, shadow_gr1),
    VMS_BUFFER_FROM(CirrusVgaWire, gr, 2),
    VMS_FIELD(CirrusVgaWire, ar_index),
    VMS_BUFFER(CirrusVgaWire, ar),
    VMS_FIELD_RANGE(CirrusVgaWire, ar_flip_flop, 0, 1),
    VMS_FIELD(CirrusVgaWire, cr_index),
    VMS_BUFFER(CirrusVgaWire, cr),
    VMS_FIELD(CirrusVgaWire, msr),
    VMS_FIELD(CirrusVgaWire, fcr),
    VMS_FIELD(CirrusVgaWire, st00),
    VMS_FIELD(CirrusVgaWire, st01),
    VMS_FIELD(CirrusVgaWire, dac_state),
    VMS_FIELD_RANGE(CirrusVgaWire, dac_sub_index, 0, 2),
    VMS_FIELD(CirrusVgaWire, dac_read_index),
    VMS_FIELD(CirrusVgaWire, dac_write_index),
    VMS_BUFFER(CirrusVgaWire, dac_cache),
    VMS_BUFFER(CirrusVgaWire, palette),
    VMS_FIELD_RANGE(CirrusVgaWire, bank_offset, 0,
                    CIRRUS_REAL_VRAM_SIZE - VGA_WINDOW_SIZE / 2),
    VMS_FIELD(CirrusVgaWire, hidden_dac_lockindex),
    VMS_FIELD(CirrusVgaWire, hidden_dac_data),
    VMS_FIELD(CirrusVgaWire, hw_cursor_x),
    VMS_FIELD(CirrusVgaWire, hw_cursor_y),
    VMS_END,
};

static const VmsDescription cirrus_vga_vmsd = {
    .name = "cirrus_vga",
    .version = 2,
    .min_version = 1,
    .size = sizeof(CirrusVgaWire),
    .fields = cirrus_vga_fields,
    .post_load = cirrus_vga_post_load,
};

static const VmsField cirrus_fields[] = {
    VMS_PCI_DEVICE(CirrusWire, dev),
    VMS_STRUCT(CirrusWire, vga, &cirrus_vga_vmsd),
    VMS_END,
};

static const VmsDescription cirrus_vmsd = {
    .name = "cirrus_vga",
    .version = 2,
    .min_version = 2,
    .size = sizeof(CirrusWire),
    .fields = cirrus_fields,
    .pre_save = cirrus_pre_save,
};

/* A scratch copy starts as the live state: what a stream lacks stays. */
static void *cirrus_scratch_new(void *opaque)
{
    CirrusWire *scratch = g_new(CirrusWire, 1);

    memcpy(scratch, opaque, sizeof(*scratch));
    cirrus_wire_fill(scratch);
    return scratch;
}

static void cirrus_scratch_commit(void *opaque, void *scratch)
{
    const CirrusWire *w = scratch;
    const CirrusVgaWire *s = &w->vga;
    Cirrus *c = ((CirrusWire *)opaque)->cirrus;
    Vga *v = &c->vga;

    if (c->pci != NULL) {
        VmsPciDevice *dev = pci_function_vmstate(c->pci);

        memcpy(dev->config, w->dev.config, sizeof(dev->config));
        memcpy(dev->irq_state, w->dev.irq_state, sizeof(dev->irq_state));
        pci_function_post_load(c->pci);
    }
    v->latch = s->latch;
    v->sr_index = s->sr_index;
    memcpy(v->sr, s->sr, sizeof(v->sr));
    v->gr_index = s->gr_index;
    c->shadow_gr0 = s->shadow_gr0;
    c->shadow_gr1 = s->shadow_gr1;
    memcpy(v->gr, s->gr, sizeof(v->gr));
    v->ar_index = s->ar_index;
    memcpy(v->ar, s->ar, sizeof(v->ar));
    v->ar_flip_flop = s->ar_flip_flop;
    v->cr_index = s->cr_index;
    memcpy(v->cr, s->cr, sizeof(v->cr));
    v->msr = s->msr;
    v->fcr = s->fcr;
    v->st00 = s->st00;
    v->st01 = s->st01;
    v->dac_state = s->dac_state;
    v->dac_sub_index = s->dac_sub_index;
    v->dac_read_index = s->dac_read_index;
    v->dac_write_index = s->dac_write_index;
    memcpy(v->dac_cache, s->dac_cache, sizeof(v->dac_cache));
    memcpy(v->palette, s->palette, sizeof(v->palette));
    v->bank_offset = s->bank_offset;
    c->hidden_dac_lockindex = s->hidden_dac_lockindex;
    c->hidden_dac_data = s->hidden_dac_data;
    c->hw_cursor_x = s->hw_cursor_x;
    c->hw_cursor_y = s->hw_cursor_y;
    /* gr[0], gr[1] from the shadows, the banks, an idle blitter. */
    cirrus_update_derived(c);
}

void cirrus_register_sections(Cirrus *cirrus, VmsRegistry *registry)
{
    CirrusWire *w = cirrus->state_wire;
    VmsSection section;

    /* Registering again (a new registry) reuses the wire. */
    if (w == NULL) {
        w = g_new0(CirrusWire, 1);
        w->cirrus = cirrus;
        cirrus->state_wire = w;
    }
    section = (VmsSection){
        .idstr = "0000:00:02.0/cirrus_vga",
        .alias = "cirrus_vga",
        .instance_id = 0,
        .section_id = 18,
        .vmsd = &cirrus_vmsd,
        .opaque = w,
        .scratch_new = cirrus_scratch_new,
        .scratch_commit = cirrus_scratch_commit,
        .scratch_free = g_free,
    };
    vms_registry_add(registry, &section);
}
