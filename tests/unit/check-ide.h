/*
 * The IDE unit tests' shared fixture (check-ide.c): a 1 MiB pattern image
 * as the primary master, a PCI bus with the PIIX3 functions, and port
 * helpers through a real IoDispatcher.
 */
#pragma once

#include <stdint.h>

#include <check.h>

#include "devices/ide.h"
#include "vmstate/registry.h"

enum {
    IMG_SECTORS = 2048, /* 1 MiB: 2 cylinders of 16 x 63 */
    P_DATA = 0x1f0,
    P_ERR = 0x1f1,
    P_NSECT = 0x1f2,
    P_SECT = 0x1f3,
    P_LCYL = 0x1f4,
    P_HCYL = 0x1f5,
    P_SELECT = 0x1f6,
    P_CMD = 0x1f7,
    P_CTRL = 0x3f6,
};

extern char *ide_tmpdir;
extern char *img_path;
extern IoDispatcher *ide_io;
extern BlockBackend *blk;
extern BlockBackend *drives[BLOCK_MAX_DRIVES];
extern IrqLine irq14, irq15;
extern int irq_count[16];
extern Ide *ide;
extern PciBus *pci;
extern VmsRegistry *registry;

void ide_setup(void);
void ide_teardown(void);
void open_ide(bool readonly);
void close_ide(void);

/* Sector s's byte b in the image. */
uint8_t pattern(uint64_t sector, unsigned byte);
uint8_t inb(uint16_t port);
void outb(uint16_t port, uint8_t v);
uint16_t inw(void);
void outw(uint16_t v);
void set_lba28(uint32_t lba, uint8_t count);
void set_lba48(uint64_t lba, uint16_t count);
void read_check_sector(uint64_t sector);
void read_image(uint64_t sector, uint8_t *buf);
void check_abort(uint8_t error);

TCase *ide_state_tcase(void);
