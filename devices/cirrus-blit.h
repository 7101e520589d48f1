/*
 * The CL-GD5446 BitBLT engine (GR20-GR33, and the same registers through
 * the MMIO window): video-to-video copies forward and backward, solid and
 * pattern fills, colour expansion with and without transparency, the 16
 * ROPs, and CPU-to-video transfers fed through the legacy window or the
 * LFB.  Every VRAM access stays inside the card's addressable VRAM,
 * whatever the registers say (the Cirrus CVE list in
 * research/reliability.md); a blit the checks refuse does nothing but
 * clear the busy bits (except a refused solid fill, which leaves them set
 * as QEMU does).  The drawing is in cirrus-blit-rop.c.
 *
 * The blitter is not part of the saved state (QEMU assumes it is idle).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Cirrus Cirrus;

/* GR20-GR33. */
enum {
    CIRRUS_GR_BLT_WIDTH = 0x20,  /* 0x20-0x21, value + 1 */
    CIRRUS_GR_BLT_HEIGHT = 0x22, /* 0x22-0x23, value + 1 */
    CIRRUS_GR_BLT_DPITCH = 0x24, /* 0x24-0x25 */
    CIRRUS_GR_BLT_SPITCH = 0x26, /* 0x26-0x27 */
    CIRRUS_GR_BLT_DADDR = 0x28,  /* 0x28-0x2a */
    CIRRUS_GR_BLT_SADDR = 0x2c,  /* 0x2c-0x2e */
    CIRRUS_GR_BLT_WMASK = 0x2f,  /* destination left skip / write mask */
    CIRRUS_GR_BLT_MODE = 0x30,
    CIRRUS_GR_BLT_STATUS = 0x31, /* start/reset/busy, see below */
    CIRRUS_GR_BLT_ROP = 0x32,
    CIRRUS_GR_BLT_MODE_EXT = 0x33,
    CIRRUS_BLT_BUSY = 0x01,
    CIRRUS_BLT_START = 0x02,
    CIRRUS_BLT_RESET = 0x04,
    CIRRUS_BLT_FIFOUSED = 0x10,
    CIRRUS_BLT_AUTOSTART = 0x80,
};

/* GR30, the blit mode. */
enum {
    CIRRUS_BLTMODE_BACKWARDS = 0x01,  /* addresses count down */
    CIRRUS_BLTMODE_MEMSYSDEST = 0x02, /* video-to-CPU (not emulated) */
    CIRRUS_BLTMODE_MEMSYSSRC = 0x04,  /* CPU-to-video */
    CIRRUS_BLTMODE_TRANSPARENTCOMP = 0x08,
    CIRRUS_BLTMODE_PIXELWIDTHMASK = 0x30, /* 8, 16, 24, 32 bpp */
    CIRRUS_BLTMODE_PATTERNCOPY = 0x40,    /* 8x8 pattern source */
    CIRRUS_BLTMODE_COLOREXPAND = 0x80,    /* 1 bpp source */
};

/* GR33, the extended mode. */
enum {
    CIRRUS_BLTMODEEXT_DWORDGRANULARITY = 0x01, /* CPU expand lines */
    CIRRUS_BLTMODEEXT_COLOREXPINV = 0x02,      /* transparent on 1 bits */
    CIRRUS_BLTMODEEXT_SOLIDFILL = 0x04,
};

/* GR32: the 16 raster operations (D destination, S source). */
enum {
    CIRRUS_ROP_0 = 0x00,
    CIRRUS_ROP_SRC_AND_DST = 0x05,
    CIRRUS_ROP_NOP = 0x06, /* also what any other code does */
    CIRRUS_ROP_SRC_AND_NOTDST = 0x09,
    CIRRUS_ROP_NOTDST = 0x0b,
    CIRRUS_ROP_SRC = 0x0d,
    CIRRUS_ROP_1 = 0x0e,
    CIRRUS_ROP_NOTSRC_AND_DST = 0x50,
    CIRRUS_ROP_SRC_XOR_DST = 0x59,
    CIRRUS_ROP_SRC_OR_DST = 0x6d,
    CIRRUS_ROP_NOTSRC_OR_NOTDST = 0x90,
    CIRRUS_ROP_SRC_NOTXOR_DST = 0x95,
    CIRRUS_ROP_SRC_OR_NOTDST = 0xad,
    CIRRUS_ROP_NOTSRC = 0xd0,
    CIRRUS_ROP_NOTSRC_OR_DST = 0xd6,
    CIRRUS_ROP_NOTSRC_AND_NOTDST = 0xda,
};

/* What a started blit draws, chosen from GR30/GR33 when it starts. */
typedef enum CirrusBltOp {
    CIRRUS_BLT_OP_COPY,          /* byte by byte, any pixel width */
    CIRRUS_BLT_OP_COPY_TRANSP,   /* 8/16 bpp, key in GR34/GR35 */
    CIRRUS_BLT_OP_FILL,          /* solid fill with the foreground */
    CIRRUS_BLT_OP_PATTERN,       /* 8x8 colour pattern */
    CIRRUS_BLT_OP_EXPAND,        /* 1 bpp source, fg/bg */
    CIRRUS_BLT_OP_EXPAND_TRANSP, /* 1 bpp source, 0 bits left alone */
    CIRRUS_BLT_OP_PATTERN_EXPAND,
    CIRRUS_BLT_OP_PATTERN_EXPAND_TRANSP,
    CIRRUS_BLT_OP_MAX,
} CirrusBltOp;

enum { CIRRUS_BLT_BUF_SIZE = 2048 * 4 }; /* one line of source data */

typedef struct CirrusBlitter {
    /* Latched from the registers when a blit starts. */
    int pixel_width; /* 1-4 bytes */
    int width;       /* bytes */
    int height;      /* lines */
    int dst_pitch;   /* negative for backward blits */
    int src_pitch;
    uint32_t fg;
    uint32_t bg;
    uint32_t dst_addr; /* masked with the VRAM address mask */
    uint32_t src_addr;
    uint8_t mode;
    uint8_t mode_ext;
    uint8_t rop; /* CIRRUS_ROP_NOP for every undefined code */
    CirrusBltOp op;
    bool backward; /* a copy with BACKWARDS: pitches negated */
    /* A CPU-to-video transfer in progress: src_pos < src_end. */
    uint8_t buf[CIRRUS_BLT_BUF_SIZE];
    uint32_t src_pos;
    uint32_t src_end;
    int32_t src_counter; /* source bytes still expected */
} CirrusBlitter;

/* Idle: no transfer, GR31 start/busy/FIFO bits clear. */
void cirrus_blit_reset(Cirrus *cirrus);

/* A write of GR31 (port or MMIO): reset on 1->0 of RESET, start on 0->1. */
void cirrus_blit_write_status(Cirrus *cirrus, uint8_t value);

/* Runs the blit GR20-GR33 describe now (START, or AUTOSTART on GR2A). */
void cirrus_blit_start(Cirrus *cirrus);

/* True while a CPU-to-video transfer waits for source bytes. */
bool cirrus_blit_cpu_source_active(const Cirrus *cirrus);

/*
 * One source byte the guest wrote to the legacy window, the LFB or the
 * blit aperture during a CPU-to-video transfer.
 */
void cirrus_blit_cpu_write(Cirrus *cirrus, uint8_t value);
