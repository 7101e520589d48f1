/*
 * Declarative device-state descriptions and their interpreter, in QEMU's
 * VMStateDescription wire format (research/qemu-vmstate-7.2.md §1.4, §2)
 * with a small vocabulary:
 *
 *   static const VmsField kbd_fields[] = {
 *       VMS_FIELD(Kbd, status),            // codec chosen by the C type
 *       VMS_FIELD_RANGE(Kbd, obsrc, 0, 4), // a load outside 0..4 fails
 *       VMS_BUFFER(Kbd, queue),            // uint8_t array, raw
 *       VMS_STRUCT(Kbd, common, &ps2_common_vmsd),
 *       VMS_END,
 *   };
 *
 * A field the macros cannot encode (an unsupported member type, a buffer
 * that is not a uint8_t array, a PCI block that is not a VmsPciDevice) is
 * a compile error.  vms_description_check() verifies the rest (offsets and
 * sizes within the described struct) at test time.
 *
 * Error messages name the field path and byte offset:
 *   "bus[0].ifs[0]/pio_state.cur_io_buffer_offset at byte 11873:
 *    2147483632 outside 0..131076"
 * (struct members joined by '.', array elements as [i], a subsection as
 * '/' and its name without the owner's prefix).  An error of the
 * description itself (a version) has no path: "at byte N: reason"; a
 * nested post_load's message is prefixed with "PATH: ".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "vmstate/stream.h"

typedef enum VmsKind {
    VMS_KIND_END,
    VMS_KIND_U8,
    VMS_KIND_U16,
    VMS_KIND_U32,
    VMS_KIND_U64,
    VMS_KIND_I8,
    VMS_KIND_I16,
    VMS_KIND_I32,
    VMS_KIND_I64,
    VMS_KIND_BOOL,         /* one byte; any non-zero byte loads as true */
    VMS_KIND_ARRAY,        /* count scalars of elem_kind */
    VMS_KIND_BUFFER,       /* uint8_t array: bytes start..size-1 */
    VMS_KIND_VBUFFER,      /* uint8_t *: as many bytes as a local length */
    VMS_KIND_STRUCT,       /* a nested description, inline */
    VMS_KIND_STRUCT_ARRAY, /* count nested structs of size bytes each */
    VMS_KIND_PCI_DEVICE,   /* VmsPciDevice, QEMU's "PCIDevice": 276 bytes */
    VMS_KIND_UNUSED,       /* size zero bytes written, skipped on load */
} VmsKind;

enum VmsFieldFlags {
    VMS_F_EQUAL = 1u << 0, /* the loaded value must equal the local one */
    VMS_F_RANGE = 1u << 1, /* the loaded value must be in min..max */
};

typedef struct VmsDescription VmsDescription;

typedef struct VmsField {
    const char *name;
    VmsKind kind;
    VmsKind elem_kind;    /* ARRAY */
    size_t offset;        /* of the member in the described struct */
    size_t size;          /* scalar/element width; BUFFER: the array; UNUSED */
    size_t count;         /* ARRAY, STRUCT_ARRAY */
    size_t start;         /* BUFFER: first byte on the wire */
    size_t length_offset; /* VBUFFER: member holding the local length */
    VmsKind length_kind;  /* its kind (an unsigned or signed integer) */
    const VmsDescription *vmsd; /* STRUCT, STRUCT_ARRAY */
    int since_version;          /* present when the stream version >= this */
    /* Present when true; on load it sees the fields loaded so far. */
    bool (*present)(const void *opaque);
    unsigned flags;
    int64_t min, max; /* VMS_F_RANGE (unsigned kinds compare as uint64) */
} VmsField;

struct VmsDescription {
    const char *name;
    int version;
    int min_version;
    size_t size; /* sizeof the described struct */
    const VmsField *fields;
    const VmsDescription *const *subsections; /* NULL-terminated or NULL */
    /* A subsection is written when this returns true. */
    bool (*needed)(const void *opaque);
    /* Before a load: defaults for what an old stream does not carry. */
    void (*pre_load)(void *opaque);
    /* Before a save: fills wire-only values from the device state. */
    void (*pre_save)(void *opaque);
    /*
     * After a load: checks every value (they come from outside) and
     * recomputes derived state, without side effects: the caller commits
     * only when every section passed.
     */
    bool (*post_load)(void *opaque, int version, GError **error);
};

/*
 * QEMU's PCIDevice block: be32 version (0 < v <= 2), 256 config bytes
 * (a load may not change those in load_check_mask), 4 x be32 irq_state
 * (each 0 or 1).
 */
typedef struct VmsPciDevice {
    uint8_t config[256];
    uint32_t irq_state[4];
    /* Wiring, never serialized: cmask & ~wmask & ~w1cmask. */
    uint8_t load_check_mask[256];
} VmsPciDevice;

/* ------------------------------------------------------------ macros */

#define VMS_MEMBER(T, m) (((T *)0)->m)

/* The kind of a scalar member; other types do not compile. */
/* clang-format cannot lay out _Generic association lists. */
/* clang-format off */
#define VMS_SCALAR_KIND(x)      \
    _Generic((x),               \
        uint8_t: VMS_KIND_U8,   \
        uint16_t: VMS_KIND_U16, \
        uint32_t: VMS_KIND_U32, \
        uint64_t: VMS_KIND_U64, \
        int8_t: VMS_KIND_I8,    \
        int16_t: VMS_KIND_I16,  \
        int32_t: VMS_KIND_I32,  \
        int64_t: VMS_KIND_I64,  \
        bool: VMS_KIND_BOOL)

/* 0, and a compile error unless member m of T is a uint8_t array. */
#define VMS_ASSERT_BYTES(T, m)                                                 \
    _Generic(&VMS_MEMBER(T, m), uint8_t(*)[sizeof(VMS_MEMBER(T, m))]: 0)

/* 0, and a compile error unless member m of T is a uint8_t pointer. */
#define VMS_ASSERT_BYTE_POINTER(T, m) _Generic(VMS_MEMBER(T, m), uint8_t *: 0)

/* 0, and a compile error unless member m of T is a VmsPciDevice. */
#define VMS_ASSERT_PCI_DEVICE(T, m) _Generic(VMS_MEMBER(T, m), VmsPciDevice: 0)
/* clang-format on */

#define VMS_FIELD(T, m)                                                        \
    {                                                                          \
        .name = #m, .kind = VMS_SCALAR_KIND(VMS_MEMBER(T, m)),                 \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m))             \
    }

/* Present only in streams of version v or later. */
#define VMS_FIELD_V(T, m, v)                                                   \
    {                                                                          \
        .name = #m, .kind = VMS_SCALAR_KIND(VMS_MEMBER(T, m)),                 \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m)),            \
        .since_version = (v)                                                   \
    }

#define VMS_FIELD_RANGE(T, m, lo, hi)                                          \
    {                                                                          \
        .name = #m, .kind = VMS_SCALAR_KIND(VMS_MEMBER(T, m)),                 \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m)),            \
        .flags = VMS_F_RANGE, .min = (lo), .max = (hi)                         \
    }

#define VMS_FIELD_EQUAL(T, m)                                                  \
    {                                                                          \
        .name = #m, .kind = VMS_SCALAR_KIND(VMS_MEMBER(T, m)),                 \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m)),            \
        .flags = VMS_F_EQUAL                                                   \
    }

/* A fixed array of scalars. */
#define VMS_ARRAY(T, m)                                                        \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_ARRAY,                                    \
        .elem_kind = VMS_SCALAR_KIND(VMS_MEMBER(T, m)[0]),                     \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m)[0]),         \
        .count = G_N_ELEMENTS(VMS_MEMBER(T, m))                                \
    }

#define VMS_BUFFER(T, m)                                                       \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_BUFFER + VMS_ASSERT_BYTES(T, m),          \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m))             \
    }

/* Bytes from..end of a uint8_t array (QEMU's BUFFER_START_MIDDLE). */
#define VMS_BUFFER_FROM(T, m, from)                                            \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_BUFFER + VMS_ASSERT_BYTES(T, m),          \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m)),            \
        .start = (from)                                                        \
    }

/* Present when test(opaque) is true (QEMU's BUFFER_TEST). */
#define VMS_BUFFER_TEST(T, m, test)                                            \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_BUFFER + VMS_ASSERT_BYTES(T, m),          \
        .offset = offsetof(T, m), .size = sizeof(VMS_MEMBER(T, m)),            \
        .present = (test)                                                      \
    }

/* uint8_t *m holding as many bytes as the local integer len says. */
#define VMS_VBUFFER(T, m, len)                                                 \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_VBUFFER + VMS_ASSERT_BYTE_POINTER(T, m),  \
        .offset = offsetof(T, m), .size = 1,                                   \
        .length_offset = offsetof(T, len),                                     \
        .length_kind = VMS_SCALAR_KIND(VMS_MEMBER(T, len))                     \
    }

#define VMS_STRUCT(T, m, desc)                                                 \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_STRUCT, .offset = offsetof(T, m),         \
        .size = sizeof(VMS_MEMBER(T, m)), .vmsd = (desc)                       \
    }

#define VMS_STRUCT_ARRAY(T, m, desc)                                           \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_STRUCT_ARRAY, .offset = offsetof(T, m),   \
        .size = sizeof(VMS_MEMBER(T, m)[0]),                                   \
        .count = G_N_ELEMENTS(VMS_MEMBER(T, m)), .vmsd = (desc)                \
    }

/* Structs present only in streams of version v or later. */
#define VMS_STRUCT_V(T, m, desc, v)                                            \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_STRUCT, .offset = offsetof(T, m),         \
        .size = sizeof(VMS_MEMBER(T, m)), .vmsd = (desc), .since_version = (v) \
    }

#define VMS_STRUCT_ARRAY_V(T, m, desc, v)                                      \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_STRUCT_ARRAY, .offset = offsetof(T, m),   \
        .size = sizeof(VMS_MEMBER(T, m)[0]),                                   \
        .count = G_N_ELEMENTS(VMS_MEMBER(T, m)), .vmsd = (desc),               \
        .since_version = (v)                                                   \
    }

#define VMS_PCI_DEVICE(T, m)                                                   \
    {                                                                          \
        .name = #m, .kind = VMS_KIND_PCI_DEVICE + VMS_ASSERT_PCI_DEVICE(T, m), \
        .offset = offsetof(T, m), .size = sizeof(VmsPciDevice)                 \
    }

#define VMS_UNUSED(n)                                                          \
    {                                                                          \
        .name = "unused", .kind = VMS_KIND_UNUSED, .size = (n)                 \
    }

#define VMS_END                                                                \
    {                                                                          \
        .kind = VMS_KIND_END                                                   \
    }

/* ------------------------------------------------------------ interpreter */

/*
 * Writes opaque's fields, then the subsections whose needed() is true, in
 * list order.  pre_save hooks run first (they may fill wire-only values).
 */
void vms_save(VmsWriter *w, const VmsDescription *d, void *opaque);

/*
 * Loads a stream of the given version into opaque: pre_load, fields,
 * subsections (found by name, any order; an unknown one with our prefix
 * is an error), post_load.  On failure opaque is partly written: callers
 * load into a scratch copy.  The error message starts with the field path
 * and byte offset (see the header comment).
 */
bool vms_load(VmsReader *r, const VmsDescription *d, void *opaque, int version,
              GError **error);

/*
 * Checks a description against the struct it describes: offsets and sizes
 * within d->size, nested sizes consistent, subsection names prefixed by
 * the owner's.  For unit tests.
 */
bool vms_description_check(const VmsDescription *d, GError **error);
