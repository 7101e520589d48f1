#!/usr/bin/env python3
"""Regenerates the hostile-stream catalogue in tests/hostile/.

    DEVMODELD=./devmodeld python3 tests/hostile/generate.py [--check]

It starts devmodeld (a 1 MiB raw image on the primary master, --qtest),
drives the devices into real states through qtest and QMP, and saves them:

  fresh.bin      a fresh xenfv daemon (every device at reset)
  busy.bin       keyboard and mouse queues holding bytes, the command reply
                 queue in use, LEDs on, a DAC mid-triplet, a bank selected
  fresh-pc.bin   a fresh --machine pc daemon (pckbd/extended_state present)
  pio.bin.gz     the primary master in the middle of a PIO READ SECTORS

Then it writes one crafted file per case below (a real save with one field
or one piece of framing changed; the IDE ones gzip'ed, since each carries
the 128 KiB PIO buffer) and MANIFEST, one line per case:

  FILE<TAB>MACHINE<TAB>EXPECTED<TAB>WHAT

EXPECTED is the exact `desc` of the QMP error xen-load-devices-state must
give, or "ok" for a file QEMU's own clean-up accepts.  The expected texts
are written here by hand (from docs/format.md and reliability.md), not
copied from the daemon: --check loads every file into the daemon and
fails on any difference, which is how the texts were confirmed.  Every
prefix of fresh.bin, busy.bin and pio.bin.gz (truncation) is generated at
test time by tests/integration/test-hostile.py rather than stored.
"""

import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import harness  # noqa: E402
import qtestclient  # noqa: E402

IDE = "0000:00:01.1/ide"
VGA = "0000:00:02.0/cirrus_vga"


# ---------------------------------------------------------------- saves
def daemon(tmp, machine="xenfv"):
    img = os.path.join(tmp, "disk.img")
    if not os.path.exists(img):
        with open(img, "wb") as f:
            f.truncate(1 << 20)
    return harness.Daemon(args=["-S", "--machine", machine, "--drive",
                                "file=%s,index=0,format=raw" % img],
                          qtest=True)


def save(d, name):
    c = d.negotiated()
    path = os.path.join(d.tmpdir, name)
    r = c.execute("xen-save-devices-state", {"filename": path})
    c.close()
    if "return" not in r:
        raise SystemExit("save failed: %r" % r)
    with open(path, "rb") as f:
        return f.read()


def make_bases(tmp):
    bases = {}
    with daemon(tmp) as d:
        bases["fresh.bin"] = save(d, "fresh")
    with daemon(tmp, "pc") as d:
        bases["fresh-pc.bin"] = save(d, "fresh-pc")
    with daemon(tmp) as d:
        q = qtestclient.QtestConn(d.qtest_path)
        c = d.negotiated()
        # Keyboard: LEDs (ED 07), then scan codes queued behind the replies.
        for cmd in ("outb 0x60 0xed", "outb 0x60 0x07"):
            q.request(cmd)
        c.execute("send-key", {"keys": [{"type": "qcode", "data": "a"},
                                        {"type": "qcode", "data": "b"}]})
        # Mouse: enable reporting (D4 F4) and move it: ACK plus a packet.
        for cmd in ("outb 0x64 0xd4", "outb 0x60 0xf4"):
            q.request(cmd)
        c.execute("input-send-event", {"events": [
            {"type": "rel", "data": {"axis": "x", "value": 5}},
            {"type": "rel", "data": {"axis": "y", "value": -3}}]})
        # VGA: two of a palette entry's three bytes; bank GR9 = 0x10.
        for cmd in ("outb 0x3c8 0x11", "outb 0x3c9 0x2a", "outb 0x3c9 0x15",
                    "outb 0x3c4 0x07", "outb 0x3c5 0x01",
                    "outb 0x3ce 0x0b", "outb 0x3cf 0x01",
                    "outb 0x3ce 0x09", "outb 0x3cf 0x10"):
            q.request(cmd)
        c.close()
        q.close()
        bases["busy.bin"] = save(d, "busy")
    with daemon(tmp) as d:
        q = qtestclient.QtestConn(d.qtest_path)
        # READ SECTORS, 8 from LBA 100, 100 words taken.
        for cmd in ("outb 0x1f6 0xe0", "outb 0x1f2 0x08", "outb 0x1f3 0x64",
                    "outb 0x1f4 0x00", "outb 0x1f5 0x00", "outb 0x1f7 0x20"):
            q.request(cmd)
        for _ in range(100):
            q.request("inw 0x1f0")
        q.close()
        bases["pio.bin.gz"] = save(d, "pio")
    return bases


# ---------------------------------------------------------------- layout
def sections(data, machine):
    """{idstr: (header offset, body offset, end)}, from dmstate's offsets
    and sizes so that no body length is guessed here."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run([os.path.join(TOP, "dmstate"), "dump",
                              "--drives=0", "--machine", machine, f.name],
                             check=True, capture_output=True).stdout
    secs = {}
    for s in json.loads(out)["sections"]:
        off = s["offset"]
        body = off + 1 + 4 + 1 + len(s["idstr"]) + 8
        secs[s["idstr"]] = (off, body, off + s["size"])
    return secs


def put(data, off, fmt, value):
    b = bytearray(data)
    struct.pack_into(">" + fmt, b, off, value)
    return bytes(b)


def subsection(name, version, fields):
    n = name.encode()
    return b"\x05" + bytes([len(n)]) + n + struct.pack(">I", version) + fields


# Offsets inside bodies (research/qemu-vmstate-7.2.md §3).
PS2_RPTR, PS2_WPTR, PS2_COUNT = 4, 8, 12
KBD_SCANCODE_SET = 280
MOUSE_TYPE, MOUSE_DETECT = 276, 277
VGA_AR_INDEX, VGA_FLIP = 794, 816
VGA_DAC_STATE, VGA_DAC_SUB, VGA_DAC_READ = 1081, 1082, 1083
VGA_BANK = 1856
PCI_VERSION, PCI_CONFIG, PCI_IRQ = 0, 4, 260
IDE_BMDMA0, IDE_BUS0, IDE_DRIVE0 = 276, 314, 318
IDE_PIO = IDE_DRIVE0 + 28 + 1 + 1 + 19 + 4  # pio_state's first field
IDE_PIO_OFFSET = IDE_PIO + 4 + 131076
IDE_PIO_LEN, IDE_PIO_IDX = IDE_PIO_OFFSET + 4, IDE_PIO_OFFSET + 8


# ---------------------------------------------------------------- mutations
def F(sec, rel, fmt, value):
    """Field at body offset rel of section sec set to value."""
    def mutate(data, secs):
        return put(data, secs[sec][1] + rel, fmt, value)
    return mutate


def FILE(off, fmt, value):
    def mutate(data, secs):
        return put(data, off, fmt, value)
    return mutate


def HDR(sec, rel, fmt, value):
    """A field of sec's section header (0 type, 1 id, 5 len, 6 idstr...)."""
    def mutate(data, secs):
        return put(data, secs[sec][0] + rel, fmt, value)
    return mutate


def VER(sec, value):
    return HDR(sec, 6 + len(sec) + 4, "I", value)


def INST(sec, value):
    return HDR(sec, 6 + len(sec), "I", value)


def AT_NAME(name, rel, fmt, value):
    """A field rel bytes after the subsection name `name` (its version: 0)."""
    def mutate(data, secs):
        at = data.index(name.encode()) + len(name)
        return put(data, at + rel, fmt, value)
    return mutate


def INS(sec, rel, blob):
    """blob inserted at body offset rel of sec (None: at the section's end)."""
    def mutate(data, secs):
        at = secs[sec][2] if rel is None else secs[sec][1] + rel
        return data[:at] + blob + data[at:]
    return mutate


def DUP(sec):
    def mutate(data, secs):
        off, _, end = secs[sec]
        return data[:-1] + data[off:end] + data[-1:]
    return mutate


def BOTH(first, second):
    return lambda data, secs: second(first(data, secs), secs)


def RAW(fn):
    return lambda data, secs: fn(data)


def SUB(sec, name, version, fields, rel=None):
    return INS(sec, rel, subsection(name, version, fields))


def sub_name(name):
    return b"\x05" + bytes([len(name)]) + name.encode()


K, M, P = "ps2kbd", "ps2mouse", "pckbd"
X, PC = "xenfv", "pc"
EOFM = "at byte %d: truncated"

# (file, base, machine, mutation, expected desc or "ok", what it attacks)
CASES = [
    # ---- vmstate core and framing (reliability.md §1a)
    ("core-magic", "fresh.bin", X, FILE(0, "I", 0x5145564e), "FILE: at byte 0: Not a migration stream (magic 0x5145564e, expected 0x5145564d \"QEVM\")",
     "stream header: wrong magic"),
    ("core-version-2", "fresh.bin", X, FILE(4, "I", 2), "FILE: at byte 4: SaveVM v2 format is obsolete and don't work anymore",
     "stream header: obsolete format version 2"),
    ("core-version-4", "fresh.bin", X, FILE(4, "I", 4), "FILE: at byte 4: Unsupported migration stream version 4 (expected 3)",
     "stream header: format version above 3"),
    ("core-empty", "fresh.bin", X, RAW(lambda d: b""), "FILE: at byte 0: truncated: a device-state file starts with 8 header bytes",
     "an empty file"),
    ("core-no-eof", "fresh.bin", X, RAW(lambda d: d[:-1]), "FILE: at byte 3015: truncated: the file ends without its end-of-file marker",
     "no end-of-file marker (QEMU fails silently)"),
    ("core-trailing-bytes", "fresh.bin", X, RAW(lambda d: d + b"\xff" * 16),
     "ok", "bytes after the end-of-file marker are ignored, as in QEMU"),
    ("core-unknown-section", "fresh.bin", X, HDR(M, 13, "B", ord("f")), "FILE: at byte 2219: Unknown savevm section or instance 'ps2mousf' 0. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices",
     "a section name this machine does not have (ps2mousf)"),
    ("core-unknown-instance", "fresh.bin", X, INST(P, 1), "FILE: at byte 2532: Unknown savevm section or instance 'pckbd' 1. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices",
     "a known section with instance 1"),
    ("core-duplicate-section", "fresh.bin", X, DUP(P), "FILE: at byte 3015: section 'pckbd' appears twice",
     "pckbd twice (QEMU lets the second win)"),
    ("core-duplicate-ide", "fresh.bin", X, DUP(IDE), "FILE: at byte 3015: section '0000:00:01.1/ide' appears twice",
     "the IDE section twice"),
    ("core-type-part", "fresh.bin", X, HDR(K, 0, "B", 0x02), "FILE: at byte 1915: Unknown savevm section type 2",
     "section type PART (0x02) where FULL is expected"),
    ("core-type-end", "fresh.bin", X, HDR(K, 0, "B", 0x03), "FILE: at byte 1915: Unknown savevm section type 3",
     "section type END (0x03)"),
    ("core-type-config", "fresh.bin", X, HDR(K, 0, "B", 0x07), "FILE: at byte 1915: Unknown savevm section type 7",
     "a configuration record (0x07) in a Xen file"),
    ("core-type-subsection", "fresh.bin", X, HDR(K, 0, "B", 0x05), "FILE: at byte 1915: Unknown savevm section type 5",
     "a subsection marker at top level"),
    ("core-idstr-empty", "fresh.bin", X, HDR(K, 5, "B", 0), "FILE: at byte 1915: Unable to read ID string (length 0)",
     "ID string of length 0"),
    ("core-idstr-past-end", "fresh.bin", X,
     RAW(lambda d: d[:-1] + b"\x04\0\0\0\x1e\xffps2"), "FILE: at byte 3015: truncated section header",
     "a section name running past the end of the file"),
    ("core-idstr-nul", "fresh.bin", X, HDR(IDE, 5, "B", 255), "FILE: at byte 2555: section name contains a NUL byte",
     "a section name of 255 bytes running into the body"),
    # ---- versions (reliability.md §1a: per-description version check)
    ("version-vga-above", "fresh.bin", X, VER(VGA, 3), "FILE: at byte 8: savevm: unsupported version 3 for '0000:00:02.0/cirrus_vga' v2",
     "cirrus_vga version 3 (ours is 2)"),
    ("version-vga-below", "fresh.bin", X, VER(VGA, 1), "FILE: 0000:00:02.0/cirrus_vga: at byte 45: cirrus_vga: incoming version_id 1 is too old for local minimum version_id 2",
     "cirrus_vga version 1 (minimum 2)"),
    ("version-kbd-above", "fresh.bin", X, VER(K, 4), "FILE: at byte 1915: savevm: unsupported version 4 for 'ps2kbd' v3",
     "ps2kbd version 4"),
    ("version-kbd-below", "fresh.bin", X, VER(K, 1), "FILE: ps2kbd: at byte 1935: ps2kbd: incoming version_id 1 is too old for local minimum version_id 2",
     "ps2kbd version 1 (minimum 2)"),
    ("version-mouse-above", "fresh.bin", X, VER(M, 3), "FILE: at byte 2219: savevm: unsupported version 3 for 'ps2mouse' v2",
     "ps2mouse version 3"),
    ("version-mouse-below", "fresh.bin", X, VER(M, 1), "FILE: ps2mouse: at byte 2241: ps2mouse: incoming version_id 1 is too old for local minimum version_id 2",
     "ps2mouse version 1"),
    ("version-pckbd-above", "fresh.bin", X, VER(P, 4), "FILE: at byte 2532: savevm: unsupported version 4 for 'pckbd' v3",
     "pckbd version 4"),
    ("version-pckbd-below", "fresh.bin", X, VER(P, 2), "FILE: pckbd: at byte 2551: pckbd: incoming version_id 2 is too old for local minimum version_id 3",
     "pckbd version 2 (minimum 3)"),
    ("version-ide-above", "fresh.bin", X, VER(IDE, 4), "FILE: at byte 2555: savevm: unsupported version 4 for '0000:00:01.1/ide' v3",
     "ide version 4"),
    ("version-huge", "fresh.bin", X, VER(IDE, 0xffffffff), "FILE: at byte 2555: savevm: unsupported version 4294967295 for '0000:00:01.1/ide' v3",
     "ide version 0xffffffff"),
    ("version-subsection-above", "busy.bin", X,
     AT_NAME("ps2kbd/ledstate", 0, "I", 4), "FILE: ps2kbd: /ledstate at byte 2219: ps2kbd/ledstate: incoming version_id 4 is too new for local version_id 3",
     "ps2kbd/ledstate version 4 (ours is 3)"),
    # ---- subsections (reliability.md §1a, rule 6)
    ("subsection-unknown-kbd", "fresh.bin", X,
     SUB(K, "ps2kbd/no_such", 1, b"\0\0\0\0"), "FILE: ps2kbd: at byte 2219: unknown subsection 'ps2kbd/no_such'",
     "an unknown ps2kbd subsection"),
    ("subsection-unknown-vga", "fresh.bin", X,
     SUB(VGA, "cirrus_vga/no_such", 1, b"\0"), "FILE: 0000:00:02.0/cirrus_vga: vga at byte 1915: unknown subsection 'cirrus_vga/no_such'",
     "a subsection where cirrus_vga has none"),
    ("subsection-unknown-ide", "fresh.bin", X,
     SUB(IDE, "ide_drive/no_such", 1, b"\0\0", rel=IDE_DRIVE0 + 28), "FILE: 0000:00:01.1/ide: ifs0[0] at byte 2931: unknown subsection 'ide_drive/no_such'",
     "an unknown ide_drive subsection"),
    ("subsection-unknown-pckbd", "fresh.bin", X,
     SUB(P, "pckbd/no_such", 1, b"\0"), "FILE: pckbd: kbd at byte 2555: unknown subsection 'pckbd/no_such'",
     "an unknown pckbd subsection"),
    ("subsection-name-empty", "fresh.bin", X, INS(K, None, b"\x05\x00"), "FILE: at byte 2219: Unknown savevm section type 5",
     "a subsection with an empty name"),
    ("subsection-truncated", "fresh.bin", X,
     RAW(lambda d: d[:-1] + sub_name("pckbd_outport")), "FILE: at byte 3015: Unknown savevm section type 5",
     "a subsection header cut by the end of the file"),
    # ---- PCI device block (QEMU's get_pci_config_device)
    ("pci-version-0", "fresh.bin", X, F(VGA, PCI_VERSION, "I", 0), "ok",
     "PCI block version 0 (QEMU's POSITIVE_LE takes 0..2)"),
    ("pci-version-negative", "fresh.bin", X, F(VGA, PCI_VERSION, "i", -1),
     "FILE: 0000:00:02.0/cirrus_vga: dev.version_id at byte 45: Invalid value -1 expecting positive value <= 2", "PCI block version -1"),
    ("pci-version-3", "fresh.bin", X, F(IDE, PCI_VERSION, "I", 3), "FILE: 0000:00:01.1/ide: dev.version_id at byte 2585: Invalid value 3 expecting positive value <= 2",
     "PCI block version 3"),
    ("pci-vendor-id", "fresh.bin", X, F(VGA, PCI_CONFIG, "B", 0x14), "FILE: 0000:00:02.0/cirrus_vga: dev.config at byte 49: Bad config data: i=0x0 read: 14 device: 13 mask: ff",
     "a read-only config byte (vendor id) changed"),
    ("pci-class-code", "fresh.bin", X, F(IDE, PCI_CONFIG + 0x0b, "B", 0x02),
     "FILE: 0000:00:01.1/ide: dev.config at byte 2600: Bad config data: i=0xb read: 2 device: 1 mask: ff", "a read-only config byte (class code) changed"),
    ("pci-header-type", "fresh.bin", X, F(VGA, PCI_CONFIG + 0x0e, "B", 0x80),
     "FILE: 0000:00:02.0/cirrus_vga: dev.config at byte 63: Bad config data: i=0xe read: 80 device: 0 mask: ff", "the header type made multi-function"),
    ("pci-irq-state", "fresh.bin", X, F(IDE, PCI_IRQ + 4, "I", 2), "FILE: 0000:00:01.1/ide: dev.irq_state[1] at byte 2849: irq state 2: must be 0 or 1.",
     "irq_state 2"),
    # ---- PS/2 queues (CVE-2017-16845)
    ("ps2-kbd-count-negative", "busy.bin", X, F(K, PS2_COUNT, "i", -1), "FILE: ps2kbd: queue.count -1: the ring holds 0..256 bytes",
     "keyboard queue count -1"),
    ("ps2-kbd-count-257", "busy.bin", X, F(K, PS2_COUNT, "i", 257), "FILE: ps2kbd: queue.count 257: the ring holds 0..256 bytes",
     "keyboard queue count 257"),
    ("ps2-kbd-count-200", "busy.bin", X, F(K, PS2_COUNT, "i", 200), "ok",
     "count 200 is clamped to replies + 16, as QEMU does"),
    ("ps2-kbd-rptr-256", "busy.bin", X, F(K, PS2_RPTR, "i", 256), "FILE: ps2kbd: queue.rptr 256 is outside the ring (0..255)",
     "keyboard read pointer 256"),
    ("ps2-kbd-rptr-negative", "busy.bin", X, F(K, PS2_RPTR, "i", -5), "FILE: ps2kbd: queue.rptr -5 is outside the ring (0..255)",
     "keyboard read pointer -5"),
    ("ps2-kbd-wptr", "busy.bin", X, F(K, PS2_WPTR, "i", 0x7fffffff), "FILE: ps2kbd: queue.wptr 2147483647 is outside the ring (0..255)",
     "keyboard write pointer 0x7fffffff"),
    ("ps2-kbd-cwptr-256", "busy.bin", X,
     AT_NAME("ps2kbd/command_reply_queue", 4, "i", 256), "FILE: ps2kbd: queue.cwptr 256 is neither -1 nor in the ring (0..255)",
     "command reply pointer 256"),
    ("ps2-kbd-cwptr-negative", "busy.bin", X,
     AT_NAME("ps2kbd/command_reply_queue", 4, "i", -2), "FILE: ps2kbd: queue.cwptr -2 is neither -1 nor in the ring (0..255)",
     "command reply pointer -2"),
    ("ps2-kbd-scancode-set", "fresh.bin", X, F(K, KBD_SCANCODE_SET, "i", 4),
     "FILE: ps2kbd: scancode_set 4 is not 1, 2 or 3", "scancode set 4"),
    ("ps2-mouse-count-negative", "busy.bin", X, F(M, PS2_COUNT, "i", -100),
     "FILE: ps2mouse: queue.count -100: the ring holds 0..256 bytes", "mouse queue count -100"),
    ("ps2-mouse-rptr", "busy.bin", X, F(M, PS2_RPTR, "i", 300), "FILE: ps2mouse: queue.rptr 300 is outside the ring (0..255)",
     "mouse read pointer 300"),
    ("ps2-mouse-type", "fresh.bin", X, F(M, MOUSE_TYPE, "B", 2), "FILE: ps2mouse: mouse_type 2 is not 0, 3 or 4",
     "mouse type 2"),
    ("ps2-mouse-detect", "fresh.bin", X, F(M, MOUSE_DETECT, "B", 99), "FILE: ps2mouse: mouse_detect_state 99 is not 0..3",
     "mouse detect state 99"),
    # ---- i8042 pending / obsrc (reliability.md §1c: mask, recompute)
    ("i8042-pending-bits", "fresh.bin", X, F(P, 3, "B", 0xff), "ok",
     "unknown pending bits are dropped, as QEMU does"),
    ("i8042-write-cmd", "fresh.bin", X, F(P, 0, "B", 0x99), "FILE: pckbd: kbd: write_cmd 0x99: no controller command waits for a data byte like that (0, 0x60, 0xd1..0xd4)",
     "a pending controller command that does not exist"),
    ("i8042-status", "fresh.bin", X, F(P, 1, "B", 0x58), "FILE: pckbd: kbd: status 0x58 has bits the controller never sets (0xc2)",
     "status bits QEMU never sets"),
    ("i8042-obsrc-unknown", "fresh-pc.bin", PC,
     AT_NAME("pckbd/extended_state", 8, "I", 8), "FILE: pckbd: kbd: obsrc 8 is not a source (0, 1 keyboard, 2 mouse, 4 controller)",
     "output buffer source 8"),
    ("i8042-obsrc-none-with-obf", "fresh-pc.bin", PC, F(P, 1, "B", 0x19), "FILE: pckbd: kbd: obsrc 0: the output buffer is full (status 0x19) but has no source",
     "output buffer full with no source"),
    ("i8042-obsrc-contradicts", "fresh-pc.bin", PC,
     BOTH(F(P, 1, "B", 0x19), AT_NAME("pckbd/extended_state", 8, "I", 2)),
     "FILE: pckbd: kbd: obsrc 2 contradicts status 0x19 (mouse output buffer bit)", "source mouse while the status says keyboard data"),
    # ---- IDE (reliability.md §1c, rule 4)
    ("ide-pio-offset-huge", "pio.bin.gz", X,
     F(IDE, IDE_PIO_OFFSET, "i", 0x7ffffff0), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: PIO window at 2147483632 length 312 outside the 131076-byte buffer",
     "PIO offset 0x7ffffff0 (QEMU loads it)"),
    ("ide-pio-offset-negative", "pio.bin.gz", X,
     F(IDE, IDE_PIO_OFFSET, "i", -1), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: PIO window at -1 length 312 outside the 131076-byte buffer", "PIO offset -1"),
    ("ide-pio-offset-end", "pio.bin.gz", X,
     F(IDE, IDE_PIO_OFFSET, "i", 131076), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: PIO window at 131076 length 312 outside the 131076-byte buffer",
     "offset 131076 + length past the buffer"),
    ("ide-pio-len-negative", "pio.bin.gz", X,
     F(IDE, IDE_PIO_LEN, "i", -0x80000000), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: PIO window at 200 length -2147483648 outside the 131076-byte buffer", "PIO length INT32_MIN"),
    ("ide-pio-len-block", "pio.bin.gz", X, F(IDE, IDE_PIO_LEN, "i", 1024),
     "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: a sector transfer of 1 sectors per block with a window ending at byte 1224", "a PIO window larger than the transfer block"),
    ("ide-pio-len-zero", "pio.bin.gz", X, F(IDE, IDE_PIO_LEN, "i", 0), "FILE: 0000:00:01.1/ide: ifs0[0]: DRQ without a PIO window",
     "DRQ with an empty PIO window"),
    ("ide-pio-index-6", "pio.bin.gz", X, F(IDE, IDE_PIO_IDX, "B", 6), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: end_transfer_fn_idx 6 outside 0..5",
     "end_transfer_fn_idx 6 (QEMU's 2011 off-by-one)"),
    ("ide-pio-index-atapi", "pio.bin.gz", X, F(IDE, IDE_PIO_IDX, "B", 3),
     "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: an ATAPI transfer, but the drive is a hard disk", "an ATAPI transfer index on a hard disk"),
    ("ide-req-sectors-17", "pio.bin.gz", X, F(IDE, IDE_PIO, "i", 17), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: req_nb_sectors 17 outside 0..16",
     "req_nb_sectors 17"),
    ("ide-req-sectors-0", "pio.bin.gz", X, F(IDE, IDE_PIO, "i", 0), "FILE: 0000:00:01.1/ide: ifs0[0]/pio_state: a sector transfer of 0 sectors per block with a window ending at byte 512",
     "req_nb_sectors 0 in a sector read"),
    ("ide-mult-3", "fresh.bin", X, F(IDE, IDE_DRIVE0, "i", 3), "FILE: 0000:00:01.1/ide: ifs0[0]: mult_sectors 3: not 0 or a power of two up to 16",
     "mult_sectors 3 (not a power of two)"),
    ("ide-mult-32", "fresh.bin", X, F(IDE, IDE_DRIVE0, "i", 32), "FILE: 0000:00:01.1/ide: ifs0[0]: mult_sectors 32: not 0 or a power of two up to 16",
     "mult_sectors 32"),
    ("ide-nsector", "fresh.bin", X, F(IDE, IDE_DRIVE0 + 10, "I", 65537), "FILE: 0000:00:01.1/ide: ifs0[0]: nsector 65537 above 65536",
     "nsector 65537"),
    ("ide-unit", "fresh.bin", X, F(IDE, IDE_BUS0 + 1, "B", 2), "FILE: 0000:00:01.1/ide: bus[0].unit at byte 2900: 2 outside 0..1",
     "bus unit 2 (ifs[2] does not exist)"),
    ("ide-retry-unit", "fresh.bin", X, F(IDE, IDE_BMDMA0 + 18, "B", 2), "FILE: 0000:00:01.1/ide: bmdma[0].migration_retry_unit at byte 2879: 2 outside 0..1",
     "bmdma retry unit 2"),
    ("ide-retry-pending", "fresh.bin", X, F(IDE, IDE_BMDMA0 + 1, "B", 0x10),
     "FILE: 0000:00:01.1/ide: bus[0]: a failed request waits for a retry (error_status 0x10); not emulated", "a PIO retry waiting in the compat status"),
    ("ide-sense-key", "fresh.bin", X, F(IDE, IDE_DRIVE0 + 8 + 17, "B", 6),
     "FILE: 0000:00:01.1/ide: ifs0[0]: ATAPI state, but the drive is a hard disk", "ATAPI sense data on a hard disk"),
    ("ide-drq-absent", "fresh.bin", X,
     F(IDE, IDE_DRIVE0 + 3 * 28 + 8 + 15, "B", 0x58), "FILE: 0000:00:01.1/ide: ifs1[1]: DRQ on a drive that is not there",
     "DRQ on the absent secondary slave"),
    ("ide-bus-error", "fresh.bin", X,
     SUB(IDE, "ide_bus/error", 2, b"\0\0\0\x10" + bytes(13),
         rel=IDE_BUS0 + 2), "FILE: 0000:00:01.1/ide: bus[0]: a failed request waits for a retry (error_status 0x10); not emulated", "a failed request waiting for a retry"),
    ("ide-bmdma-current", "fresh.bin", X,
     SUB(IDE, "ide bmdma_current", 1, bytes(14) + b"\x02\0",
         rel=IDE_BMDMA0 + 19), "FILE: 0000:00:01.1/ide: bmdma[0]: a DMA transfer in flight; not emulated", "a DMA in flight"),
    ("ide-tray-state", "fresh.bin", X,
     SUB(IDE, "ide_drive/tray_state", 1, b"\1\0", rel=IDE_DRIVE0 + 28), "FILE: 0000:00:01.1/ide: ifs0[0]: ATAPI state, but the drive is a hard disk",
     "ATAPI tray state on a hard disk"),
    # ---- VGA / Cirrus (reliability.md §1c)
    ("vga-dac-sub-index-3", "busy.bin", X, F(VGA, VGA_DAC_SUB, "B", 3), "FILE: 0000:00:02.0/cirrus_vga: vga.dac_sub_index at byte 1127: 3 outside 0..2",
     "DAC sub-index 3 (past the 3-byte cache)"),
    ("vga-dac-sub-index-255", "busy.bin", X, F(VGA, VGA_DAC_SUB, "B", 255),
     "FILE: 0000:00:02.0/cirrus_vga: vga.dac_sub_index at byte 1127: 255 outside 0..2", "DAC sub-index 255"),
    ("vga-dac-state", "busy.bin", X, F(VGA, VGA_DAC_STATE, "B", 1), "FILE: 0000:00:02.0/cirrus_vga: vga: dac_state 1 is neither 0 nor 3",
     "DAC state 1"),
    ("vga-dac-read-index", "busy.bin", X, F(VGA, VGA_DAC_READ, "B", 255),
     "ok", "read index 255 is inside the 256-entry palette"),
    ("vga-flip-flop-2", "busy.bin", X, F(VGA, VGA_FLIP, "i", 2), "FILE: 0000:00:02.0/cirrus_vga: vga.ar_flip_flop at byte 861: 2 outside 0..1",
     "attribute flip-flop 2"),
    ("vga-flip-flop-negative", "busy.bin", X, F(VGA, VGA_FLIP, "i", -1), "FILE: 0000:00:02.0/cirrus_vga: vga.ar_flip_flop at byte 861: -1 outside 0..1",
     "attribute flip-flop -1"),
    ("vga-ar-index", "busy.bin", X, F(VGA, VGA_AR_INDEX, "B", 0xff), "ok",
     "attribute index 0xff is masked to 6 bits, as a port write does"),
    ("vga-bank-offset-vram", "busy.bin", X, F(VGA, VGA_BANK, "i", 0x400000),
     "FILE: 0000:00:02.0/cirrus_vga: vga.bank_offset at byte 1901: 4194304 outside 0..4128768", "bank offset at the end of VRAM"),
    ("vga-bank-offset-last", "busy.bin", X, F(VGA, VGA_BANK, "i", 0x3f0001),
     "FILE: 0000:00:02.0/cirrus_vga: vga.bank_offset at byte 1901: 4128769 outside 0..4128768", "bank offset one past the last 64 KiB window"),
    ("vga-bank-offset-negative", "busy.bin", X, F(VGA, VGA_BANK, "i", -0x10000),
     "FILE: 0000:00:02.0/cirrus_vga: vga.bank_offset at byte 1901: -65536 outside 0..4128768", "bank offset -64 KiB"),
]


def read_case(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith(".gz") else data


def write(path, data):
    if path.endswith(".gz"):
        # mtime=0: the same bytes on every run.
        data = gzip.compress(data, 9, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


def check(cases):
    """Loads every case into a daemon of its machine; the differences."""
    bad = []
    tmp = tempfile.mkdtemp()
    try:
        for machine in (X, PC):
            mine = [c for c in cases if c[2] == machine]
            if not mine:
                continue
            with daemon(tmp, machine) as d:
                c = d.negotiated()
                for name, _base, _m, expected in mine:
                    path = os.path.join(tmp, "case")
                    with open(path, "wb") as f:
                        f.write(read_case(os.path.join(HERE, name)))
                    r = c.execute("xen-load-devices-state",
                                  {"filename": path})
                    got = "ok" if "return" in r else r.error_desc
                    got = got.replace(path, "FILE")
                    if got != expected:
                        bad.append((name, expected, got))
                c.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return bad


def manifest():
    """[(file, base, machine, expected)] from MANIFEST."""
    out = []
    with open(os.path.join(HERE, "MANIFEST")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, base, machine, expected, _what = line.rstrip("\n").split("\t")
            out.append((name, base, machine, expected))
    return out


def main():
    if "--check" in sys.argv:
        bad = check(manifest())
        for name, expected, got in bad:
            print("%s:\n  expected %s\n  got      %s" % (name, expected, got))
        print("%d cases, %d differ" % (len(manifest()), len(bad)))
        sys.exit(1 if bad else 0)
    tmp = tempfile.mkdtemp()
    try:
        bases = make_bases(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, data in bases.items():
        write(os.path.join(HERE, name), data)
    lines = ["# Hostile-stream catalogue (tests/hostile/generate.py writes it).",
             "# FILE\tBASE\tMACHINE\tEXPECTED desc (or ok)\tWHAT"]
    secs = {}
    for name, base, machine, mutate, expected, what in CASES:
        key = (base, machine)
        if key not in secs:
            secs[key] = sections(bases[base], machine)
        data = mutate(bases[base], secs[key])
        if data == bases[base]:
            raise SystemExit("%s: the mutation changed nothing" % name)
        fname = name + (".bin.gz" if base.endswith(".gz") else ".bin")
        write(os.path.join(HERE, fname), data)
        lines.append("\t".join((fname, base, machine, expected, what)))
    with open(os.path.join(HERE, "MANIFEST"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%d bases, %d cases written to %s" % (len(bases), len(CASES), HERE))


if __name__ == "__main__":
    main()
