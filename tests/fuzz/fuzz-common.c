/*
 * The fuzz fixture and invariants (see fuzz-common.h).  One machine per
 * type lives for the whole process; fuzz_machine_restart brings it back
 * to its initial state between inputs, so that every input starts alike.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "daemon/vram.h"
#include "devices/cirrus.h"
#include "devices/pci.h"
#include "tests/fuzz/fuzz-common.h"
#include "vmstate/savevm.h"

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: invariant violated: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* ------------------------------------------------------------ input */

uint8_t fuzz_u8(FuzzInput *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

uint16_t fuzz_u16(FuzzInput *in)
{
    uint16_t lo = fuzz_u8(in);

    return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

uint32_t fuzz_u32(FuzzInput *in)
{
    uint32_t lo = fuzz_u16(in);

    return lo | (uint32_t)fuzz_u16(in) << 16;
}

uint64_t fuzz_u64(FuzzInput *in)
{
    uint64_t lo = fuzz_u32(in);

    return lo | (uint64_t)fuzz_u32(in) << 32;
}

/* ------------------------------------------------------------ fixture */

static char *fuzz_tmpdir;
static FuzzMachine *fuzz_machines[MACHINE_TYPE_MAX];

/*
 * Guest errors are logged by the devices at every bad access: drop them.
 * A critical is glib telling us of a programming error: a finding.
 */
static GLogWriterOutput fuzz_log_writer(GLogLevelFlags level,
                                        const GLogField *fields, gsize n_fields,
                                        gpointer user_data)
{
    if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) {
        g_log_writer_standard_streams(level, fields, n_fields, user_data);
        fuzz_fail(__FILE__, __LINE__, "glib critical or error logged");
    }
    return G_LOG_WRITER_HANDLED;
}

static void fuzz_cleanup(void)
{
    for (int i = 0; i < MACHINE_TYPE_MAX; i++) {
        FuzzMachine *fm = fuzz_machines[i];
        if (fm == NULL) {
            continue;
        }
        BlockBackend *drives[BLOCK_MAX_DRIVES];
        memcpy(drives, fm->machine->drives, sizeof(drives));
        machine_free(fm->machine); /* the drives are main's to close */
        for (int d = 0; d < BLOCK_MAX_DRIVES; d++) {
            block_close(drives[d]);
        }
        g_free(fm->vram_buffer);
        g_byte_array_unref(fm->initial);
        g_free(fm);
        fuzz_machines[i] = NULL;
    }
    if (fuzz_tmpdir != NULL) {
        g_autoptr(GDir) dir = g_dir_open(fuzz_tmpdir, 0, NULL);
        const char *name;
        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *path = g_build_filename(fuzz_tmpdir, name, NULL);
            g_unlink(path);
        }
        g_rmdir(fuzz_tmpdir);
        g_clear_pointer(&fuzz_tmpdir, g_free);
    }
}

static const char *fuzz_get_tmpdir(void)
{
    if (fuzz_tmpdir == NULL) {
        /* tmpfs when there is one: FLUSH CACHE must not wait for a disk. */
        const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR)
                               ? "/dev/shm"
                               : g_get_tmp_dir();
        g_autofree char *tmpl =
            g_build_filename(base, "devmodeld-fuzz-XXXXXX", NULL);
        fuzz_tmpdir = g_mkdtemp(g_steal_pointer(&tmpl));
        FUZZ_CHECK(fuzz_tmpdir != NULL, "cannot make a temporary directory");
        g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
        atexit(fuzz_cleanup);
    }
    return fuzz_tmpdir;
}

/* A zero-filled raw image, opened as --drive does. */
static BlockBackend *fuzz_open_drive(MachineType type, int index)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strdup_printf("disk-%d-%d.img", type, index);
    g_autofree char *path = g_build_filename(fuzz_get_tmpdir(), name, NULL);
    g_autofree uint8_t *zeros = g_malloc0(FUZZ_DRIVE_SECTORS * 512);

    FUZZ_CHECK(g_file_set_contents(path, (const char *)zeros,
                                   FUZZ_DRIVE_SECTORS * 512, &error),
               "%s", error->message);
    BlockOptions opts = { path, false, BLOCK_CACHE_WRITEBACK };
    BlockBackend *blk = block_open(&opts, &error);
    FUZZ_CHECK(blk != NULL, "%s", error ? error->message : "");
    return blk;
}

FuzzMachine *fuzz_machine_get(MachineType type)
{
    g_autoptr(GError) error = NULL;

    if (fuzz_machines[type] != NULL) {
        return fuzz_machines[type];
    }
    fuzz_get_tmpdir();
    FuzzMachine *fm = g_new0(FuzzMachine, 1);
    size_t size = (size_t)VRAM_DEFAULT_MB << 20;

    fm->vram_buffer = g_malloc(size + 2 * FUZZ_GUARD);
    memset(fm->vram_buffer, FUZZ_GUARD_BYTE, size + 2 * FUZZ_GUARD);
    fm->vram.data = fm->vram_buffer + FUZZ_GUARD;
    fm->vram.size = size;
    memset(fm->vram.data, 0, size);

    fm->machine = machine_new(type, 1, 1);
    fm->machine->vram = &fm->vram; /* lent: vram_owned stays false */
    /* A master on the primary channel, a slave on the secondary. */
    fm->machine->drives[0] = fuzz_open_drive(type, 0);
    fm->machine->drives[3] = fuzz_open_drive(type, 3);
    FUZZ_CHECK(machine_create_devices(fm->machine, &error), "%s",
               error->message);
    fm->initial = savevm_save(fm->machine->sections);
    fuzz_machines[type] = fm;
    return fm;
}

void fuzz_run_idle(void)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
}

void fuzz_machine_restart(FuzzMachine *fm)
{
    g_autoptr(GError) error = NULL;
    Machine *m = fm->machine;

    fuzz_run_idle();
    machine_set_irq_listener(m, NULL, NULL);
    machine_reset(m, SHUTDOWN_CAUSE_NONE);
    fuzz_run_idle();
    memset(fm->vram.data, 0, fm->vram.size);
    FUZZ_CHECK(savevm_load(m->sections, fm->initial->data, fm->initial->len,
                           true, &error),
               "the initial save does not load: %s", error->message);
    m->runstate = RUN_STATE_PRELAUNCH;
    m->quit_requested = false;
    m->autostart = false;
    for (int d = 0; d < BLOCK_MAX_DRIVES; d++) {
        if (m->drives[d] != NULL && !block_is_locked(m->drives[d])) {
            FUZZ_CHECK(block_take_lock(m->drives[d], &error), "%s",
                       error->message);
        }
    }
}

void fuzz_machine_check_guards(const FuzzMachine *fm)
{
    const uint8_t *tail = fm->vram.data + fm->vram.size;

    for (size_t i = 0; i < FUZZ_GUARD; i++) {
        FUZZ_CHECK(fm->vram_buffer[i] == FUZZ_GUARD_BYTE,
                   "VRAM guard byte -%zu overwritten", FUZZ_GUARD - i);
        FUZZ_CHECK(tail[i] == FUZZ_GUARD_BYTE,
                   "VRAM guard byte +%zu overwritten", i);
    }
}

void fuzz_pci_config_write(IoDispatcher *io, unsigned devfn, unsigned reg,
                           uint32_t value, unsigned size)
{
    io_port_write(io, PCI_CONFIG_ADDRESS_PORT,
                  0x80000000u | (devfn & 0xff) << 8 | (reg & 0xfc), 4);
    io_port_write(io, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), value,
                  size);
}

void fuzz_machine_map_bars(FuzzMachine *fm)
{
    IoDispatcher *io = fm->machine->io;

    fuzz_pci_config_write(io, PCI_DEVFN(2, 0), 0x10, FUZZ_CIRRUS_BAR0, 4);
    fuzz_pci_config_write(io, PCI_DEVFN(2, 0), 0x14, FUZZ_CIRRUS_BAR1, 4);
    fuzz_pci_config_write(io, PCI_DEVFN(2, 0), 0x04, 0x0003, 2);
    fuzz_pci_config_write(io, PCI_DEVFN(1, 1), 0x20, FUZZ_IDE_BAR4 | 1, 4);
    fuzz_pci_config_write(io, PCI_DEVFN(1, 1), 0x04, 0x0005, 2);
}

/* ------------------------------------------------------------ invariants */

static bool fuzz_bytes_equal(const GByteArray *a, const GByteArray *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* The first differing offset, for the report. */
static size_t fuzz_first_difference(const GByteArray *a, const GByteArray *b)
{
    size_t n = MIN(a->len, b->len);

    for (size_t i = 0; i < n; i++) {
        if (a->data[i] != b->data[i]) {
            return i;
        }
    }
    return n;
}

/* For `dmstate diff`: DEVMODELD_FUZZ_DUMP=PREFIX writes PREFIX-name.bin. */
static void fuzz_dump(const char *name, const GByteArray *file)
{
    const char *prefix = g_getenv("DEVMODELD_FUZZ_DUMP");

    if (prefix != NULL) {
        g_autofree char *path = g_strdup_printf("%s-%s.bin", prefix, name);
        g_file_set_contents(path, (const char *)file->data, file->len, NULL);
    }
}

static void fuzz_round_trip_from(FuzzMachine *fm, GByteArray *first)
{
    g_autoptr(GError) error = NULL;
    VmsRegistry *reg = fm->machine->sections;

    FUZZ_CHECK(savevm_load(reg, first->data, first->len, true, &error),
               "our own save does not load: %s", error->message);
    g_autoptr(GByteArray) second = savevm_save(reg);
    if (!fuzz_bytes_equal(first, second)) {
        fuzz_dump("first", first);
        fuzz_dump("second", second);
    }
    FUZZ_CHECK(fuzz_bytes_equal(first, second),
               "save-load-save differs at byte %zu (%u and %u bytes)",
               fuzz_first_difference(first, second), first->len, second->len);
}

void fuzz_check_round_trip(FuzzMachine *fm)
{
    g_autoptr(GByteArray) first = savevm_save(fm->machine->sections);

    fuzz_round_trip_from(fm, first);
}

bool fuzz_check_load(FuzzMachine *fm, const uint8_t *data, size_t len)
{
    VmsRegistry *reg = fm->machine->sections;
    g_autoptr(GByteArray) before = savevm_save(reg);
    g_autoptr(GError) error = NULL;
    bool ok = savevm_load(reg, data, len, true, &error);
    g_autoptr(GByteArray) after = savevm_save(reg);

    if (!ok) {
        FUZZ_CHECK(error != NULL, "a failed load set no error");
        FUZZ_CHECK(fuzz_bytes_equal(before, after),
                   "a failed load (%s) changed the state at byte %zu",
                   error->message, fuzz_first_difference(before, after));
        return false;
    }
    fuzz_round_trip_from(fm, after);
    return true;
}

typedef struct FuzzRanges {
    const char *hint;
    size_t offset[8];
    size_t size[8];
    unsigned count;
} FuzzRanges;

static void fuzz_collect_range(const SavevmSectionInfo *info, void *opaque)
{
    FuzzRanges *r = opaque;

    if (r->count < G_N_ELEMENTS(r->offset) &&
        (r->hint == NULL || strstr(info->section->idstr, r->hint) != NULL)) {
        r->offset[r->count] = info->offset;
        r->size[r->count] = info->size;
        r->count++;
    }
}

void fuzz_mutated_load(FuzzMachine *fm, FuzzInput *in, const char *section_hint)
{
    g_autoptr(GByteArray) file = savevm_save(fm->machine->sections);
    FuzzRanges ranges = { section_hint, { 0 }, { 0 }, 0 };

    FUZZ_CHECK(savevm_inspect(fm->machine->sections, file->data, file->len,
                              fuzz_collect_range, &ranges, NULL),
               "our own save does not decode");
    if (ranges.count == 0) {
        ranges.offset[0] = 0;
        ranges.size[0] = file->len;
        ranges.count = 1;
    }
    unsigned pick = fuzz_u8(in) % ranges.count;
    unsigned patches = 1 + fuzz_u8(in) % 4;
    size_t len = file->len;
    for (unsigned i = 0; i < patches; i++) {
        uint8_t how = fuzz_u8(in);
        size_t off = ranges.offset[pick] + fuzz_u32(in) % ranges.size[pick];
        if (how == 0xff) {
            len = off; /* a truncation */
        } else {
            file->data[off] =
                how & 0x80 ? fuzz_u8(in) : (uint8_t)(file->data[off] ^ how);
        }
    }
    fuzz_check_load(fm, file->data, len);
}
