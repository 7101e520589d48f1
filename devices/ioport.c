/*
 * The guest I/O dispatcher: port space (0..0xffff) and 64-bit memory
 * space, each a sorted array of the regions that decode, searched by
 * bisection (a PC has a handful of regions; nothing fancier pays off).
 *
 * An access is cut the way QEMU's memory core cuts it: at region
 * boundaries, then into naturally aligned pieces no wider than the device
 * implements (QEMU's memory_access_size), combined little-endian.  A piece
 * narrower than the device's minimum is widened to the min-sized unit
 * that contains it: a read returns the piece's bytes from that unit, a
 * write sends the value shifted into its lanes with the other lanes zero,
 * without reading first (QEMU's access_with_adjusted_size does not read
 * either, but it passes the unaligned offset with the value unshifted; for
 * an offset aligned to the minimum both agree, and for an unaligned one a
 * device that decodes registers by offset gets the right one here).
 *
 * Unclaimed bytes read 0xff and ignore writes, as on a PC.  Bytes beyond
 * the end of a space (inl 0xfffe) read 0, as in QEMU 7.2, where nothing
 * at all decodes past the 64 KiB I/O space.
 *
 * Regions may be disabled (PCI decode bits) and moved (BARs).  Decoding
 * regions never overlap: registering or moving onto a decoding region
 * fails; enabling onto one leaves the newcomer shadowed, with a warning,
 * until the other goes away.  What decodes first keeps decoding: regions
 * take precedence in the order they were last enabled.
 *
 * Callbacks may register, move or unregister regions (a BAR write moving
 * the BAR): the dispatch loop holds no region pointer across a call.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-io"

#include <gio/gio.h>

#include "devices/ioport.h"

typedef enum IoSpace { IO_SPACE_PORT, IO_SPACE_MEM, IO_SPACE_MAX } IoSpace;

struct IoRegion {
    IoDispatcher *io;
    IoSpace space;
    uint64_t base;
    uint64_t last; /* base + len - 1: a region may end at 2^64 - 1 */
    const IoOps *ops;
    unsigned min_access; /* defaults applied */
    unsigned max_access;
    void *opaque;
    const char *name;
    bool enabled;  /* what the device asked for */
    bool mapped;   /* enabled and not shadowed: it decodes */
    bool shadowed; /* enabled but overlapping an earlier region */
};

struct IoDispatcher {
    GPtrArray *regions[IO_SPACE_MAX]; /* IoRegion *, in enable order */
    GPtrArray *map[IO_SPACE_MAX];     /* mapped IoRegion *, sorted by base */
    bool warned_size;                 /* a caller passed a bad size */
};

static const uint64_t io_space_last[IO_SPACE_MAX] = {
    [IO_SPACE_PORT] = 0xffff,
    [IO_SPACE_MEM] = UINT64_MAX,
};

static const char *const io_space_name[IO_SPACE_MAX] = {
    [IO_SPACE_PORT] = "port",
    [IO_SPACE_MEM] = "memory",
};

static uint64_t io_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static bool io_overlap(const IoRegion *a, const IoRegion *b)
{
    return a->base <= b->last && b->base <= a->last;
}

IoDispatcher *io_dispatcher_new(void)
{
    IoDispatcher *io = g_new0(IoDispatcher, 1);

    for (int s = 0; s < IO_SPACE_MAX; s++) {
        io->regions[s] = g_ptr_array_new_with_free_func(g_free);
        io->map[s] = g_ptr_array_new();
    }
    return io;
}

void io_dispatcher_free(IoDispatcher *io)
{
    if (io == NULL) {
        return;
    }
    for (int s = 0; s < IO_SPACE_MAX; s++) {
        g_ptr_array_unref(io->map[s]);
        g_ptr_array_unref(io->regions[s]);
    }
    g_free(io);
}

/* Index of the first mapped region whose base is above addr. */
static guint io_map_upper(GPtrArray *map, uint64_t addr)
{
    guint lo = 0;
    guint hi = map->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const IoRegion *r = g_ptr_array_index(map, mid);
        if (r->base <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * Rebuilds a space's map from its regions in enable order: an enabled
 * region decodes unless it overlaps one that already does.
 */
static void io_remap(IoDispatcher *io, IoSpace space)
{
    GPtrArray *map = io->map[space];
    GPtrArray *regions = io->regions[space];

    g_ptr_array_set_size(map, 0);
    for (guint i = 0; i < regions->len; i++) {
        IoRegion *r = g_ptr_array_index(regions, i);
        guint at = io_map_upper(map, r->base);
        const IoRegion *before = at > 0 ? g_ptr_array_index(map, at - 1) : NULL;
        const IoRegion *after =
            at < map->len ? g_ptr_array_index(map, at) : NULL;
        const IoRegion *clash = NULL;

        /* Sorted and disjoint: only the neighbours can overlap r. */
        if (before != NULL && io_overlap(before, r)) {
            clash = before;
        } else if (after != NULL && io_overlap(after, r)) {
            clash = after;
        }
        r->mapped = r->enabled && clash == NULL;
        /* A guest moving BARs can cause this at will: debug, not warning. */
        if (r->enabled && clash != NULL && !r->shadowed) {
            g_debug(
                "%s region %s [0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER
                "x] overlaps %s: not decoded while it does",
                io_space_name[space], r->name, r->base, r->last, clash->name);
        }
        r->shadowed = r->enabled && clash != NULL;
        if (r->mapped) {
            g_ptr_array_insert(map, (gint)at, r);
        }
    }
}

static guint io_index_of(GPtrArray *regions, const IoRegion *r)
{
    guint i = 0;

    while (g_ptr_array_index(regions, i) != r) {
        i++;
    }
    return i;
}

/* The decoding region other than r that overlaps r, if any. */
static const IoRegion *io_find_clash(IoDispatcher *io, const IoRegion *r)
{
    GPtrArray *map = io->map[r->space];

    for (guint i = 0; i < map->len; i++) {
        const IoRegion *other = g_ptr_array_index(map, i);
        if (other != r && io_overlap(other, r)) {
            return other;
        }
    }
    return NULL;
}

static void io_set_clash_error(const IoRegion *r, const IoRegion *other,
                               GError **error)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                "%s region %s [0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER
                "x] overlaps %s [0x%" G_GINT64_MODIFIER
                "x, 0x%" G_GINT64_MODIFIER "x]",
                io_space_name[r->space], r->name, r->base, r->last, other->name,
                other->base, other->last);
}

static bool io_check_range(IoSpace space, uint64_t base, uint64_t len,
                           const char *name, GError **error)
{
    uint64_t last = io_space_last[space];

    if (len == 0 || base > last || len - 1 > last - base) {
        g_set_error(
            error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
            "%s region %s: [0x%" G_GINT64_MODIFIER "x, +0x%" G_GINT64_MODIFIER
            "x) is empty or leaves the %s space",
            io_space_name[space], name, base, len, io_space_name[space]);
        return false;
    }
    return true;
}

static bool io_size_valid(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static IoRegion *io_register(IoDispatcher *io, IoSpace space, uint64_t base,
                             uint64_t len, const IoOps *ops, void *opaque,
                             const char *name, GError **error)
{
    IoRegion *r;
    const IoRegion *clash;
    unsigned min = ops->min_access != 0 ? ops->min_access : 1;
    unsigned max = ops->max_access != 0 ? ops->max_access : 4;

    if (!io_size_valid(min) || !io_size_valid(max) || min > max) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s region %s: access sizes %u..%u are not powers of two "
                    "in 1..8 in order",
                    io_space_name[space], name, min, max);
        return NULL;
    }
    if (!io_check_range(space, base, len, name, error)) {
        return NULL;
    }
    r = g_new0(IoRegion, 1);
    r->io = io;
    r->space = space;
    r->base = base;
    r->last = base + (len - 1);
    r->ops = ops;
    r->min_access = min;
    r->max_access = max;
    r->opaque = opaque;
    r->name = name;
    r->enabled = true;
    clash = io_find_clash(io, r);
    if (clash != NULL) {
        io_set_clash_error(r, clash, error);
        g_free(r);
        return NULL;
    }
    g_ptr_array_add(io->regions[space], r);
    io_remap(io, space);
    return r;
}

IoRegion *io_register_port(IoDispatcher *io, uint16_t base, uint32_t len,
                           const IoOps *ops, void *opaque, const char *name,
                           GError **error)
{
    return io_register(io, IO_SPACE_PORT, base, len, ops, opaque, name, error);
}

IoRegion *io_register_mmio(IoDispatcher *io, uint64_t base, uint64_t len,
                           const IoOps *ops, void *opaque, const char *name,
                           GError **error)
{
    return io_register(io, IO_SPACE_MEM, base, len, ops, opaque, name, error);
}

void io_unregister(IoDispatcher *io, IoRegion *region)
{
    IoSpace space;

    if (region == NULL) {
        return;
    }
    space = region->space;
    /* The free function releases it; a shadowed region may now decode. */
    g_ptr_array_remove(io->regions[space], region);
    io_remap(io, space);
}

void io_region_set_enabled(IoRegion *region, bool enabled)
{
    GPtrArray *regions = region->io->regions[region->space];

    if (region->enabled == enabled) {
        return;
    }
    region->enabled = enabled;
    if (enabled) {
        /* The newest enabled: it yields to what decodes already. */
        g_ptr_array_steal_index(regions, io_index_of(regions, region));
        g_ptr_array_add(regions, region);
    }
    io_remap(region->io, region->space);
}

bool io_region_move(IoDispatcher *io, IoRegion *region, uint64_t base,
                    GError **error)
{
    uint64_t len = region->last - region->base + 1;
    uint64_t old_base = region->base;
    const IoRegion *clash;

    if (!io_check_range(region->space, base, len, region->name, error)) {
        return false;
    }
    region->base = base;
    region->last = base + (len - 1);
    /* A disabled BAR may point anywhere: only a decoding one may clash. */
    clash = region->enabled ? io_find_clash(io, region) : NULL;
    if (clash != NULL) {
        io_set_clash_error(region, clash, error);
        region->base = old_base;
        region->last = old_base + (len - 1);
        return false;
    }
    io_remap(io, region->space);
    return true;
}

/*
 * One piece inside one region: size is a power of two, offset is aligned
 * to it and size <= max_access.  Narrower than min_access: widened.
 */
static uint64_t io_piece(const IoRegion *r, uint64_t offset, unsigned size,
                         bool is_write, uint64_t value)
{
    const IoOps *ops = r->ops;
    uint64_t unit_offset = offset;
    unsigned unit = size;
    unsigned shift = 0;

    if (size < r->min_access) {
        unit = r->min_access;
        unit_offset = offset & ~(uint64_t)(unit - 1);
        shift = (unsigned)(offset - unit_offset) * 8;
    }
    if (is_write) {
        if (ops->write != NULL) {
            ops->write(r->opaque, unit_offset, (value & io_mask(size)) << shift,
                       unit);
        }
        return 0;
    }
    if (ops->read == NULL) {
        return io_mask(size);
    }
    return (ops->read(r->opaque, unit_offset, unit) >> shift) & io_mask(size);
}

/* The largest power of two that is <= n (n >= 1). */
static unsigned io_pow2floor(unsigned n)
{
    unsigned p = 1;

    while (p * 2 <= n) {
        p *= 2;
    }
    return p;
}

/* How many bytes from pos on nothing decodes, up to left. */
static unsigned io_unclaimed_run(IoSpace space, const IoRegion *next,
                                 uint64_t pos, unsigned left)
{
    unsigned n = left;

    if (io_space_last[space] - pos < n - 1) {
        n = (unsigned)(io_space_last[space] - pos + 1);
    }
    if (next != NULL && next->base - pos < n) {
        n = (unsigned)(next->base - pos);
    }
    return n;
}

/*
 * The piece of up to left bytes at pos inside r: no wider than the device
 * takes, not past its end, aligned to its size within the region (QEMU's
 * memory_access_size), a power of two.
 */
static unsigned io_piece_size(const IoRegion *r, uint64_t pos, unsigned left)
{
    uint64_t offset = pos - r->base;
    unsigned n = MIN(left, r->max_access);

    if (r->last - pos < n - 1) {
        n = (unsigned)(r->last - pos + 1);
    }
    if (offset != 0 && (offset & -offset) < n) {
        n = (unsigned)(offset & -offset);
    }
    return io_pow2floor(n);
}

/* Little-endian assembly of an access from pieces and unclaimed bytes. */
static uint64_t io_dispatch(IoDispatcher *io, IoSpace space, uint64_t addr,
                            unsigned size, bool is_write, uint64_t value)
{
    GPtrArray *map = io->map[space];
    uint64_t result = 0;
    unsigned done = 0;

    while (done < size) {
        uint64_t pos = addr + done;
        guint upper;
        const IoRegion *r;
        unsigned n;

        if ((done > 0 && pos == 0) || pos > io_space_last[space]) {
            break; /* past the end of the space: nothing there, reads 0 */
        }
        /* Looked up afresh for each piece: a callback may remap. */
        upper = io_map_upper(map, pos);
        r = upper > 0 ? g_ptr_array_index(map, upper - 1) : NULL;
        if (r == NULL || pos > r->last) {
            n = io_unclaimed_run(
                space, upper < map->len ? g_ptr_array_index(map, upper) : NULL,
                pos, size - done);
            if (!is_write) {
                result |= io_mask(n) << (done * 8);
            }
        } else {
            n = io_piece_size(r, pos, size - done);
            result |=
                io_piece(r, pos - r->base, n, is_write, value >> (done * 8))
                << (done * 8);
        }
        done += n;
    }
    return result;
}

static bool io_check_size(IoDispatcher *io, IoSpace space, unsigned size)
{
    bool ok = space == IO_SPACE_PORT ? size == 1 || size == 2 || size == 4
                                     : io_size_valid(size);

    if (!ok && !io->warned_size) {
        /* The front end's bug, not the guest's: say so once, do no harm. */
        io->warned_size = true;
        g_warning("%s access of size %u: only 1, 2, 4%s are accesses",
                  io_space_name[space], size,
                  space == IO_SPACE_PORT ? "" : " and 8");
    }
    return ok;
}

uint32_t io_port_read(IoDispatcher *io, uint16_t port, unsigned size)
{
    if (!io_check_size(io, IO_SPACE_PORT, size)) {
        return UINT32_MAX;
    }
    return (uint32_t)io_dispatch(io, IO_SPACE_PORT, port, size, false, 0);
}

void io_port_write(IoDispatcher *io, uint16_t port, uint32_t value,
                   unsigned size)
{
    if (!io_check_size(io, IO_SPACE_PORT, size)) {
        return;
    }
    io_dispatch(io, IO_SPACE_PORT, port, size, true, value);
}

uint64_t io_mem_read(IoDispatcher *io, uint64_t addr, unsigned size)
{
    if (!io_check_size(io, IO_SPACE_MEM, size)) {
        return UINT64_MAX;
    }
    return io_dispatch(io, IO_SPACE_MEM, addr, size, false, 0);
}

void io_mem_write(IoDispatcher *io, uint64_t addr, uint64_t value,
                  unsigned size)
{
    if (!io_check_size(io, IO_SPACE_MEM, size)) {
        return;
    }
    io_dispatch(io, IO_SPACE_MEM, addr, size, true, value);
}
