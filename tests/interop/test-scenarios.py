#!/usr/bin/env python3
"""Differential scenarios: the same qtest sequences on QEMU 7.2 and on
devmodeld, on both machine types (devmodeld --machine pc next to QEMU
-machine pc; --machine xenfv next to -machine pc-i440fx-3.1).  After each
scenario both save their device state, and dmstate reads both files (our
own and QEMU's whole device-state file): the five sections must be equal
field by field, apart from the differences docs/compat.md lists
(interop.known()).  The values the guest reads must be equal too.

Scenarios of a device run one after the other on the same pair of
processes (one QEMU per device and machine type), so each starts from
the state the one before left.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import interop  # noqa: E402

# ---------------------------------------------------------------- i8042


def kbd(*b):
    return ["outb 0x60 0x%x" % x for x in b]


def ctl(*b):
    return ["outb 0x64 0x%x" % x for x in b]


def aux(*b):
    out = []
    for x in b:
        out += ["outb 0x64 0xd4", "outb 0x60 0x%x" % x]
    return out


def rd(n=1):
    return ["inb 0x64", "inb 0x60"] * n


I8042 = [
    ("controller self-test", ctl(0xaa) + rd(1)),
    ("interface tests", ctl(0xab) + rd(1) + ctl(0xa9) + rd(1)),
    ("command byte read and write",
     ctl(0x20) + rd(1) + ctl(0x60) + kbd(0x47) + ctl(0x20) + rd(1)),
    ("keyboard reset and ID", kbd(0xff) + rd(2) + kbd(0xf2) + rd(3)),
    ("LEDs with the ACK left unread", kbd(0xed) + rd(1) + kbd(0x07)),
    ("scancode set 3 and query",
     rd(1) + kbd(0xf0, 0x03) + rd(1) + kbd(0xf0, 0x00) + rd(2)),
    ("typematic and disable/enable",
     kbd(0xf3, 0x2b) + rd(2) + kbd(0xf5) + rd(1) + kbd(0xf4) + rd(1)),
    ("mouse enable and stream mode",
     ctl(0xa8) + aux(0xf6) + rd(1) + aux(0xf4) + rd(1)),
    ("IntelliMouse detection",
     aux(0xf3, 0xc8, 0xf3, 0x64, 0xf3, 0x50) + rd(6) + aux(0xf2) + rd(2)),
    ("mouse resolution, scaling and status, partly read",
     aux(0xe8, 0x02, 0xe7) + rd(3) + aux(0xe9) + rd(2)),
    ("mouse wrap mode and echo",
     aux(0xee) + rd(1) + aux(0x55) + rd(1) + aux(0xec) + rd(1)),
    ("output port written (A20 off) and read back, unread",
     ctl(0xd1) + kbd(0xdd) + ctl(0xd0)),
    ("controller writes to the keyboard and mouse output buffers",
     rd(1) + ctl(0xd2) + kbd(0x5a) + ctl(0xd3) + kbd(0xa5) + rd(1)),
    ("a command waiting for its data byte",
     ctl(0xad) + ctl(0xa7) + ctl(0x60)),
]

# ---------------------------------------------------------------- IDE
IDENT_FULL = (["outb 0x1f6 0xa0", "outb 0x1f7 0xec", "WAIT"]
              + ["IDW"] * 256)
IDENT_HALF = (["outb 0x1f6 0xa0", "outb 0x1f7 0xec", "WAIT"]
              + ["IDW"] * 100)


def ata(cmd, lba, count, dev=0xe0):
    return ["outb 0x1f6 0x%x" % (dev | (lba >> 24 & 0xf)),
            "outb 0x1f2 0x%x" % count, "outb 0x1f3 0x%x" % (lba & 0xff),
            "outb 0x1f4 0x%x" % (lba >> 8 & 0xff),
            "outb 0x1f5 0x%x" % (lba >> 16 & 0xff),
            "outb 0x1f7 0x%x" % cmd]


def words(n):
    return ["inw 0x1f0"] * n


def wwords(n, seed):
    return ["outw 0x1f0 0x%x" % ((seed * 977 + i * 131) & 0xffff)
            for i in range(n)]


# Each scenario leaves a transfer in flight for the save; the next one
# finishes it first.  Every DRQ block is waited for (QEMU's block layer
# is asynchronous, ours is not).
IDE = [
    ("IDENTIFY read whole", IDENT_FULL + ["inb 0x1f7"]),
    ("IDENTIFY read in part", IDENT_HALF + ["inb 0x3f6"]),
    ("the rest of IDENTIFY, then READ SECTORS cut after 3.5 sectors",
     ["IDW"] * 156 + ["inb 0x1f7"] + ata(0x20, 100, 8)
     + (["WAIT"] + words(256)) * 3 + ["WAIT"] + words(128)),
    ("the rest of the read, then WRITE SECTORS cut in the second sector",
     words(128) + (["WAIT"] + words(256)) * 4 + ["WAIT", "inb 0x1f7"]
     + ata(0x30, 300, 2) + ["WAIT"] + wwords(256, 1) + ["WAIT"]
     + wwords(100, 2)),
    ("the rest of the write, SET MULTIPLE 4, READ MULTIPLE cut in a block",
     wwords(156, 3) + ["WAIT", "inb 0x1f7"]
     + ata(0xc6, 0, 4) + ["WAIT", "inb 0x1f7", "inb 0x1f1"]
     + ata(0xc4, 40, 8) + ["WAIT"] + words(1024) + ["WAIT"] + words(300)),
    ("the rest of READ MULTIPLE, READ SECTORS EXT (LBA48) finished",
     words(724) + ["WAIT", "inb 0x1f7"]
     + ["outb 0x1f6 0xe0", "outb 0x1f2 0", "outb 0x1f2 2", "outb 0x1f3 0",
        "outb 0x1f3 7", "outb 0x1f4 0", "outb 0x1f4 0", "outb 0x1f5 0",
        "outb 0x1f5 0", "outb 0x1f7 0x24"]
     + (["WAIT"] + words(256)) * 2 + ["WAIT", "inb 0x1f7", "inb 0x1f2"]),
    ("the written sectors read back",
     ata(0x20, 300, 2) + (["WAIT"] + words(256)) * 2 + ["WAIT", "inb 0x1f7"]),
    ("an aborted command, the slave selected, nIEN",
     ["outb 0x1f7 0x00", "WAIT", "inb 0x1f1", "inb 0x1f7",
      "outb 0x1f6 0xb0", "inb 0x1f7", "inb 0x1f1", "outb 0x3f6 0x02",
      "inb 0x3f6"]),
    ("software reset with the absent slave selected",
     ["outb 0x3f6 0x04", "inb 0x3f6", "outb 0x3f6 0x00", "WAIT",
      "inb 0x1f1", "inb 0x1f2", "inb 0x1f3", "inb 0x1f4", "inb 0x1f5",
      "outb 0x1f6 0xa0", "inb 0x1f1", "inb 0x1f7"]),
    ("secondary channel registers, no drive",
     ["outb 0x176 0xa0", "outb 0x172 0x11", "outb 0x173 0x22",
      "outb 0x174 0x33", "outb 0x175 0x44", "outb 0x171 0x55",
      "inb 0x177", "outb 0x376 0x02"]),
    ("PCI: BMIBA and command register",
     ["outl 0xcf8 0x80000920", "outl 0xcfc 0xc001", "inl 0xcfc",
      "outl 0xcf8 0x80000904", "outw 0xcfc 0x5", "inw 0xcfc",
      "outb 0xc000 0x08", "inb 0xc002", "outl 0xc004 0x12340",
      "inl 0xc004"]),
]

# ---------------------------------------------------------------- VGA


def idx(port, index, value):
    return ["outb 0x%x 0x%x" % (port, index),
            "outb 0x%x 0x%x" % (port + 1, value)]


def seq_regs(pairs):
    out = []
    for port, index, value in pairs:
        out += idx(port, index, value)
    return out


MODE13 = seq_regs(
    [(0x3c4, 0, 3), (0x3c4, 1, 0x01), (0x3c4, 2, 0x0f), (0x3c4, 3, 0),
     (0x3c4, 4, 0x0e), (0x3ce, 5, 0x40), (0x3ce, 6, 0x05), (0x3ce, 8, 0xff),
     (0x3d4, 0x11, 0x0e), (0x3d4, 0, 0x5f), (0x3d4, 1, 0x4f),
     (0x3d4, 0x12, 0x8f), (0x3d4, 0x13, 0x28), (0x3d4, 0x14, 0x40),
     (0x3d4, 0x17, 0xa3), (0x3d4, 0x09, 0x41)]) + ["outb 0x3c2 0x63"]

ATTR = (["inb 0x3da"]
        + sum((["outb 0x3c0 0x%x" % i, "outb 0x3c0 0x%x" % (i * 3 & 0x3f)]
               for i in range(0x15)), [])
        + ["outb 0x3c0 0x20", "inb 0x3c1", "inb 0x3da", "outb 0x3c0 0x33"])

DAC = (["outb 0x3c8 0x00"]
       + ["outb 0x3c9 0x%x" % (i * 7 & 0x3f) for i in range(3 * 20)]
       + ["outb 0x3c9 0x11", "outb 0x3c7 0x05", "inb 0x3c9", "inb 0x3c9",
          "inb 0x3c7", "inb 0x3c8", "outb 0x3c6 0xfe"])

EXTENDED = (
    idx(0x3c4, 0x06, 0x12) + idx(0x3c4, 0x07, 0x01)
    + idx(0x3ce, 0x00, 0x3a) + idx(0x3ce, 0x01, 0xf5)
    + idx(0x3ce, 0x0b, 0x21) + idx(0x3ce, 0x09, 0x03) + idx(0x3ce, 0x0a, 0x05)
    + idx(0x3c4, 0x12, 0x05) + idx(0x3c4, 0x13, 0x2a)
    + idx(0x3c4, 0xf0, 0xff) + idx(0x3c4, 0x51, 0x40)
    + idx(0x3d4, 0x1b, 0x22) + idx(0x3d4, 0x1d, 0x80) + idx(0x3d4, 0x1a, 0x01)
    + ["outb 0x3c4 0x2b", "outb 0x3ce 0x3d", "outb 0x3d4 0x99"])

HIDDEN_DAC = ["inb 0x3c6"] * 4 + ["outb 0x3c6 0xe1", "inb 0x3c6",
                                  "inb 0x3c8", "inb 0x3c6"] + ["inb 0x3c6"] * 5

PLANAR = (idx(0x3c4, 0x07, 0x00) + idx(0x3c4, 0x04, 0x06)
          + idx(0x3c4, 0x02, 0x0f) + idx(0x3ce, 0x05, 0x00)
          + idx(0x3ce, 0x06, 0x05) + idx(0x3ce, 0x0b, 0x00)
          + ["writeb 0xa0010 0x5a", "readb 0xa0010"]
          + idx(0x3ce, 0x05, 0x08) + ["readb 0xa0020"])

PCI = ["outl 0xcf8 0x80001010", "outl 0xcfc 0xffffffff", "inl 0xcfc",
       "outl 0xcfc 0xfc000000",
       "outl 0xcf8 0x80001014", "outl 0xcfc 0xffffffff", "inl 0xcfc",
       "outl 0xcfc 0xfebf0000",
       "outl 0xcf8 0x80001004", "outw 0xcfc 0x0103",
       "outl 0xcf8 0x8000103c", "outb 0xcfc 0x0b",
       "outl 0xcf8 0x80001000", "inl 0xcfc"]

BLIT = (
    idx(0x3c4, 0x06, 0x12) + idx(0x3ce, 0x0b, 0x00) + idx(0x3ce, 0x09, 0x00)
    + ["writeb 0x%x 0x%x" % (0xa0000 + i, i & 0xff) for i in range(0, 256, 17)]
    + idx(0x3ce, 0x20, 15) + idx(0x3ce, 0x21, 0) + idx(0x3ce, 0x22, 3)
    + idx(0x3ce, 0x23, 0) + idx(0x3ce, 0x24, 64) + idx(0x3ce, 0x25, 0)
    + idx(0x3ce, 0x26, 64) + idx(0x3ce, 0x27, 0)
    + idx(0x3ce, 0x28, 0x00) + idx(0x3ce, 0x29, 0x10) + idx(0x3ce, 0x2a, 0)
    + idx(0x3ce, 0x2c, 0) + idx(0x3ce, 0x2d, 0) + idx(0x3ce, 0x2e, 0)
    + idx(0x3ce, 0x30, 0x00) + idx(0x3ce, 0x32, 0x0d) + idx(0x3ce, 0x33, 0)
    + idx(0x3ce, 0x31, 0x02)
    + ["outb 0x3ce 0x31", "inb 0x3cf"]
    + ["readb 0x%x" % (0xa1000 + i) for i in range(0, 16, 5)])

MONO = (["outb 0x3c2 0x66", "inb 0x3cc"] + idx(0x3b4, 0x0e, 0x12)
        + idx(0x3b4, 0x0f, 0x34) + ["inb 0x3ba", "inb 0x3da"]
        + ["outb 0x3c2 0x67", "inb 0x3da"] + idx(0x3d4, 0x0c, 0x01))

VGA = [
    ("standard registers of mode 13h", MODE13),
    ("attribute controller and its flip-flop", ATTR),
    ("DAC writes, a read in progress, the pixel mask", DAC),
    ("Cirrus extensions: unlock, banking, cursor, CRTC", EXTENDED),
    ("the hidden DAC register", HIDDEN_DAC),
    ("a latch load in a planar mode", PLANAR),
    ("PCI BARs and command register", PCI),
    ("a BitBLT through the ports", BLIT),
    ("monochrome CRTC address and back", MONO),
]

BATCHES = [("i8042", I8042), ("IDE", IDE), ("VGA/Cirrus", VGA)]


def compare_replies(t, label, ours, theirs):
    bad = [(req, a, b) for (req, a), (_, b) in zip(ours, theirs)
           if a != b and req != "IDW"]
    t.eq(bad, [], "%s: the guest reads what it reads on QEMU 7.2" % label)


def run_batch(t, stats, ours_machine, qemu_machine, name, scenarios):
    with interop.Pair(ours_machine, qemu_machine) as p:
        for title, seq in scenarios:
            label = "%s %s: %s" % (ours_machine, name, title)
            ours_r, theirs_r = p.run([("inw 0x1f0" if r == "IDW" else r)
                                      for r in seq])
            # IDENTIFY data words differ on purpose (interop.py).
            ours_r = [("IDW", x[1]) if r == "IDW" else x
                      for r, x in zip(seq, ours_r)]
            compare_replies(t, label, ours_r, theirs_r)
            a, b = p.save()
            n, diffs = interop.compare(interop.dump(a, ours_machine),
                                       interop.dump(b, ours_machine))
            stats["scenarios"] += 1
            stats["fields"] += n
            t.eq(diffs, [], "%s: five sections equal field by field (%d "
                 "fields)" % (label, n))


def main():
    interop.require_qemu()
    t = harness.Suite("interop scenarios")
    stats = {"scenarios": 0, "fields": 0}
    tests = []
    for ours_machine, qemu_machine in interop.MACHINES:
        for name, scenarios in BATCHES:
            def test(t, om=ours_machine, qm=qemu_machine, n=name, s=scenarios):
                run_batch(t, stats, om, qm, n, s)
            test.__name__ = "%s_%s" % (ours_machine, name)
            tests.append(test)
    for test in tests:
        t.run(test)
    t.note("%d scenarios, %d fields compared"
           % (stats["scenarios"], stats["fields"]))
    t.finish()


if __name__ == "__main__":
    main()
