#!/usr/bin/env python3
"""The Cirrus CL-GD5446 (issue 6) through qtest, compared with QEMU 7.2.

The same qtest sequences go to QEMU 7.2 (-vga cirrus, no option ROM) and
to devmodeld, and every reply must be equal: the PCI function's config
bytes and BAR sizing; the SR, GR and CR sweeps (write a pattern at every
index, read every index back); the unlock register, the hidden DAC and
the hidden palette; banking (4K and 16K granularity, dual bank, a bank
past VRAM, SR7 written after the bank); write modes 4 and 5; and, after
BIOS-like BAR programming done here through config writes, the linear
framebuffer with its address-shift modes, its MMIO registers, the blit
aperture, BAR1 and the window's MMIO registers at 0xB8000.  The blitter
is left alone (GR31 and AUTOSTART stay 0): others test it.

Then, devmodeld only, --vram-path: two daemons on the same file see the
same bytes, a file of another size is refused, and content survives a
restart.
"""

import os
import random
import subprocess
import tempfile

import harness
from harness import server
from qtestclient import QtestConn

BAR0 = 0xfc000000
BAR1 = 0xfebf0000
CFG = 0x80001000  # 00:02.0


def cfg(reg):
    return CFG | reg


def qemu_replies(seq, d):
    with harness.QemuPeer(xen_globals=False) as p:
        return run(QtestConn(p.qtest_path), seq)


def run(q, seq):
    try:
        return [q.request(r) for r in seq]
    finally:
        q.close()


# ------------------------------------------------------------ sequences
def setup_bars():
    """What SeaBIOS does: BAR0, BAR1, then I/O and memory decoding."""
    return ["outl 0xcf8 0x%x" % cfg(0x10), "outl 0xcfc 0x%x" % BAR0,
            "outl 0xcf8 0x%x" % cfg(0x14), "outl 0xcfc 0x%x" % BAR1,
            "outl 0xcf8 0x%x" % cfg(0x04), "outw 0xcfc 0x0103"]


def colour():
    return ["outb 0x3c2 0x01"]


def sr(i, v):
    return ["outb 0x3c4 0x%x" % i, "outb 0x3c5 0x%x" % v]


def gr(i, v):
    return ["outb 0x3ce 0x%x" % i, "outb 0x3cf 0x%x" % v]


def read_sr(i):
    return ["outb 0x3c4 0x%x" % i, "inb 0x3c5"]


def read_gr(i):
    return ["outb 0x3ce 0x%x" % i, "inb 0x3cf"]


def read_cr(i):
    return ["outb 0x3d4 0x%x" % i, "inb 0x3d5"]


def seq_pci():
    s = []
    for reg in range(0, 256, 4):
        s += ["outl 0xcf8 0x%x" % cfg(reg), "inl 0xcfc"]
    for reg in (0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x30):
        s += ["outl 0xcf8 0x%x" % cfg(reg), "outl 0xcfc 0xffffffff",
              "inl 0xcfc", "outl 0xcfc 0x0", "inl 0xcfc"]
    s += ["outl 0xcf8 0x%x" % cfg(0x04), "outw 0xcfc 0xffff", "inl 0xcfc"]
    return s


def seq_registers():
    s = ["inb 0x3c5", "inb 0x3cf", "inb 0x3d5", "inb 0x3b5"]
    s += [r for i in range(256) for r in read_sr(i)]
    s += colour()
    s += [r for i in range(256) for r in read_gr(i)]
    s += [r for i in range(256) for r in read_cr(i)]
    # SR6: only 0x12 (after masking with 0x17) unlocks.
    for v in (0x12, 0x00, 0x32, 0x92, 0x13, 0xff, 0x12):
        s += sr(6, v) + ["inb 0x3c5"]
    # Every SR index but SR7 (the mode) and SR17 written, then all read.
    for i in range(256):
        if i not in (0x07, 0x17):
            s += sr(i, (i * 37 + 0x5a) & 0xff)
    s += sr(0x17, 0xff) + read_sr(0x17) + sr(0x17, 0x00) + read_sr(0x17)
    s += sr(0x07, 0x00)
    s += [r for i in range(256) for r in read_sr(i)]
    # GR: all but GR31 (blit start) and GR2A (autostart).
    for i in range(256):
        if i not in (0x31, 0x2a):
            s += gr(i, (i * 53 + 0xa5) & 0xff)
    s += gr(0x2a, 0xff)
    s += [r for i in range(256) for r in read_gr(i)]
    # CR: with CR11 bit 7 (CR0-7 protection) on, then off.
    s += ["outb 0x3d4 0x11", "outb 0x3d5 0x80"]
    for i in range(256):
        s += ["outb 0x3d4 0x%x" % i, "outb 0x3d5 0x%x" % ((i * 29 + 3) & 0xff)]
    s += [r for i in range(256) for r in read_cr(i)]
    s += ["outb 0x3d4 0x11", "outb 0x3d5 0x00"]
    for i in range(0x30):
        s += ["outb 0x3d4 0x%x" % i, "outb 0x3d5 0x%x" % ((i * 31 + 7) & 0xff)]
    s += [r for i in range(256) for r in read_cr(i)]
    # CR24/CR26: the attribute flip-flop and index read back.
    s += ["inb 0x3da", "outb 0x3c0 0x2b"] + read_cr(0x24) + read_cr(0x26)
    s += ["outb 0x3c0 0x11"] + read_cr(0x24) + ["inb 0x3da"] + read_cr(0x24)
    # Index registers keep all 8 bits.
    s += ["outb 0x3c4 0xf3", "inb 0x3c4", "outb 0x3ce 0xe1", "inb 0x3ce",
          "outb 0x3d4 0xc5", "inb 0x3d4"]
    # The mono ports float in colour mode, the colour ones in mono.
    s += ["inb 0x3b4", "inb 0x3b5", "outb 0x3c2 0x00", "inb 0x3d4",
          "inb 0x3d5", "outb 0x3b4 0x27", "inb 0x3b5", "outb 0x3c2 0x01"]
    return s


def seq_dac():
    s = colour()
    # After reset the lock counter is 5: reads count on from there.
    s += ["inb 0x3c6"] * 4
    # The sequence: a 0x3C8 read clears it, four reads, then the register.
    s += ["inb 0x3c8"] + ["inb 0x3c6"] * 4 + ["outb 0x3c6 0xe1"]
    s += ["inb 0x3c8"] + ["inb 0x3c6"] * 5
    s += ["inb 0x3c8"] + ["inb 0x3c6"] * 3 + ["outb 0x3c6 0x33"]
    s += ["inb 0x3c8"] + ["inb 0x3c6"] * 5 + ["inb 0x3c6"]
    s += ["inb 0x3c6"] * 260
    # The hidden palette (SR12 bit 1) and the normal one.
    s += ["outb 0x3c8 0x00"] + ["outb 0x3c9 0x%x" % (i & 0x3f)
                                for i in range(48)]
    s += sr(0x12, 0x02)
    s += ["outb 0x3c8 0x1e"] + ["outb 0x3c9 0x%x" % (0x20 + i)
                                for i in range(12)]
    s += ["outb 0x3c7 0x00"] + ["inb 0x3c9"] * 60
    s += ["outb 0x3c7 0x1e"] + ["inb 0x3c9"] * 6
    s += sr(0x12, 0x00)
    s += ["outb 0x3c7 0x00"] + ["inb 0x3c9"] * 60
    s += ["outb 0x3c7 0x1e"] + ["inb 0x3c9"] * 6 + ["inb 0x3c7", "inb 0x3c8"]
    return s


def window_probe(offsets):
    return ["readb 0x%x" % (0xa0000 + o) for o in offsets]


def seq_banking():
    s = colour() + sr(6, 0x12)
    # Some planar content first: chain-4 off, all planes.
    s += sr(2, 0x0f) + sr(4, 0x06) + gr(5, 0x00) + gr(6, 0x05)
    s += ["writeb 0x%x 0x%x" % (0xa0000 + o, o & 0xff) for o in range(0, 64, 3)]
    s += window_probe(range(0, 64, 3))
    # Extended mode, then bank 0 at 4K granularity.
    s += sr(7, 0x01)
    offs = [0, 1, 0x7fff, 0x8000, 0x8001, 0xffff, 0x10000, 0x18000, 0x1ffff]
    s += window_probe(offs)
    for grb in (0x00, 0x01, 0x20, 0x21):
        s += gr(0x0b, grb)
        for g9, ga in ((0x00, 0x08), (0x10, 0x04), (0x7f, 0xff), (0xff, 0x00),
                       (0x3f, 0x40)):
            s += gr(0x09, g9) + gr(0x0a, ga)
            s += ["writeb 0x%x 0x%x" % (0xa0000 + o, (o + g9 + ga) & 0xff)
                  for o in (0x10, 0x7ffe, 0x8010, 0xfff0)]
            s += window_probe([0x10, 0x7ffe, 0x8010, 0xfff0, 0x4000])
    # Back to VGA mode without a remap: the banks stay mapped, as QEMU.
    s += gr(0x0b, 0x00) + gr(0x09, 0x02)
    s += sr(7, 0x00) + window_probe([0x10, 0x8010, 0x2000])
    s += ["writeb 0xa0020 0x77"] + window_probe([0x20])
    s += gr(5, 0x00) + window_probe([0x10, 0x20])
    # SR7 set after the bank: not mapped until the next remap.
    s += sr(7, 0x01) + gr(0x09, 0xff) + window_probe([0x10]) + sr(7, 0x00)
    s += sr(7, 0x01) + window_probe([0x10, 0x8010])
    s += gr(0x09, 0x00) + window_probe([0x10, 0x8010])
    return s


def seq_write_modes():
    s = colour() + sr(6, 0x12) + sr(7, 0x01)
    s += gr(0x00, 0xa5) + gr(0x01, 0x3c) + gr(0x10, 0x11) + gr(0x11, 0x22)
    s += read_gr(0) + read_gr(1)
    for grb, mode in ((0x04, 4), (0x04, 5), (0x14, 4), (0x14, 5), (0x00, 5),
                      (0x06, 5), (0x24, 5)):
        s += gr(0x0b, grb) + gr(0x09, 0x01) + gr(5, mode)
        s += ["writeb 0xa0100 0xb1", "writeb 0xa0205 0x0f",
              "writeb 0xa8003 0x80"]
        s += gr(5, 0) + gr(0x0b, 0) + gr(0x09, 0)
        s += ["readq 0x%x" % (0xa0000 + o)
              for o in range(0x1000, 0x1000 + 0x40 * 0x10 + 0x100, 8)]
        s += ["readq 0x%x" % (0xa0000 + o) for o in range(0x1f00, 0x2100, 8)]
        s += ["readq 0x%x" % (0xa0000 + o) for o in range(0x9000, 0x9100, 8)]
    return s


def seq_lfb():
    s = setup_bars() + colour() + sr(6, 0x12)
    s += ["readb 0x%x" % (BAR0 + o) for o in (0, 0x3fffff, 0x400000)]
    # After reset nothing is mapped yet; SR7 maps the LFB.
    s += ["writel 0x%x 0x11223344" % (BAR0 + 0x100)]
    s += sr(7, 0x01)
    s += ["writel 0x%x 0x55667788" % (BAR0 + 0x200),
          "readl 0x%x" % (BAR0 + 0x100), "readl 0x%x" % (BAR0 + 0x200),
          "readl 0x%x" % (0xa0000 + 0x100)]
    # The address shift modes (GRB bits 1 and 4|2).
    for grb in (0x02, 0x14, 0x16, 0x04, 0x00):
        s += gr(0x0b, grb)
        s += ["writeb 0x%x 0x%x" % (BAR0 + o, 0x40 + grb)
              for o in (0x21, 0x3fff1, 0x7ffff)]
        s += ["readb 0x%x" % (BAR0 + o) for o in (0x21, 0x3fff1, 0x7ffff)]
    s += gr(0x0b, 0)
    s += ["readb 0x%x" % (BAR0 + o)
          for o in (0x108, 0x210, 0x218, 0x1f8, 0x3ff0, 0x7fff0)]
    # Write modes through the LFB.
    s += gr(0x0b, 0x04) + gr(5, 0x05) + gr(0, 0x9a) + gr(1, 0xc3)
    s += ["writeb 0x%x 0x5a" % (BAR0 + 0x3000),
          "writeb 0x%x 0x5a" % (BAR0 + 0x3ffffc)]
    s += gr(5, 0) + gr(0x0b, 0)
    s += ["readq 0x%x" % (BAR0 + 0x3000), "readq 0x%x" % (BAR0 + 0x3ffff8),
          "readq 0x%x" % (BAR0 + 0x3ffffc)]
    # The MMIO registers at the top of the LFB (SR17 bits 6 and 2).
    s += sr(0x17, 0x44)
    for o in list(range(0x3fff00, 0x3fff44)) + [0x3fffff, 0x7fff00]:
        s += ["readb 0x%x" % (BAR0 + o)]
    s += ["writeb 0x%x 0x12" % (BAR0 + 0x3fff08),
          "writeb 0x%x 0x9f" % (BAR0 + 0x3fff09),
          "writeb 0x%x 0x33" % (BAR0 + 0x3fff01),
          "writel 0x%x 0xdeadbeef" % (BAR0 + 0x3fff10)]
    s += read_gr(0x20) + read_gr(0x21) + read_gr(0x10) + read_gr(0x28)
    s += read_gr(0x29) + read_gr(0x2a)
    s += sr(0x17, 0x04)
    s += ["readb 0x%x" % (BAR0 + 0x3fff08), "readb 0x%x" % (0xb8000 + 0x08),
          "readb 0x%x" % (0xb8000 + 0x13), "readb 0x%x" % (0xb8000 + 0x100),
          "writeb 0x%x 0x0a" % (0xb8000 + 0x0a), "readb 0x%x" % 0xb800a]
    s += read_gr(0x22)
    s += sr(0x17, 0x00) + ["readb 0x%x" % 0xb800a, "writeb 0xb800a 0x01"]
    s += read_gr(0x22)
    # The blit aperture and the unassigned rest of BAR0.
    s += ["readb 0x%x" % (BAR0 + o)
          for o in (0x1000000, 0x13fffff, 0x1400000, 0x1ffffff, 0xffffff)]
    s += ["writeb 0x%x 0x12" % (BAR0 + 0x1000000)]
    # BAR1: VGA ports at 0x00-0xff (0x3C0 + offset), blit registers above.
    s += ["writeb 0x%x 0x2a" % (BAR1 + 0x0e), "writeb 0x%x 0x5e" % (BAR1 + 0x0f),
          "readb 0x%x" % (BAR1 + 0x0f), "readb 0x%x" % (BAR1 + 0x04),
          "readb 0x%x" % (BAR1 + 0x0c), "readb 0x%x" % (BAR1 + 0x30)]
    s += read_gr(0x2a)
    s += ["writeb 0x%x 0x1f" % (BAR1 + 0x108), "readb 0x%x" % (BAR1 + 0x108),
          "readl 0x%x" % (BAR1 + 0x100), "readl 0x%x" % (BAR1 + 0x140),
          "readb 0x%x" % (BAR1 + 0xfff), "readb 0x%x" % (BAR1 + 0x1a)]
    # Moving BAR0 and switching memory decoding off.
    # (Unassigned memory itself is not compared: QEMU reads 0 there, our
    # I/O dispatcher all ones.)
    s += ["outl 0xcf8 0x%x" % cfg(0x10), "outl 0xcfc 0xf8000000",
          "readl 0xf8000100", "outl 0xcf8 0x%x" % cfg(0x04),
          "outw 0xcfc 0x0001", "outw 0xcfc 0x0003", "readl 0xf8000100",
          "readl 0xf8000200"]
    return s


def seq_cpu_blit():
    """The source-byte path of a CPU-to-video blit (window, LFB, aperture)."""
    s = setup_bars() + colour() + sr(6, 0x12) + sr(7, 0x01) + gr(0x09, 0)
    for feed in (0xa0000, BAR0 + 0x40, BAR0 + 0x1000000):
        s += gr(0x20, 3) + gr(0x22, 1) + gr(0x24, 16) + gr(0x28, 0)
        s += gr(0x29, 0x20) + gr(0x2a, 0) + gr(0x30, 0x04) + gr(0x32, 0x0d)
        s += gr(0x31, 0x02) + read_gr(0x31)
        s += ["writeb 0x%x 0x%x" % (feed + i * 5, 0x30 + i) for i in range(6)]
        s += ["readb 0xa0000", "readb 0x%x" % (BAR0 + 0x40)]
        s += ["writeb 0x%x 0x%x" % (feed + 1, 0x40 + i) for i in range(2)]
        s += read_gr(0x31) + ["readq 0xa2000", "readq 0xa2010",
                               "readq 0x%x" % BAR0, "readq 0x%x" % (BAR0 + 0x40)]
        s += ["writeb 0xa0000 0x00", "writeb 0x%x 0x00" % (BAR0 + 0x40)]
    return s


def seq_random(seed, n=4000):
    """Random port and memory traffic; no blit is ever started."""
    rng = random.Random(seed)
    s = setup_bars() + colour() + sr(6, 0x12)
    ports = [0x3b4, 0x3b5, 0x3ba, 0x3c0, 0x3c1, 0x3c2, 0x3c4, 0x3c5, 0x3c6,
             0x3c7, 0x3c8, 0x3c9, 0x3ca, 0x3cc, 0x3ce, 0x3cf, 0x3d4, 0x3d5,
             0x3da]
    # Indexes that matter, with a few random ones.
    srs = [0x02, 0x04, 0x06, 0x07, 0x07, 0x07, 0x10, 0x11, 0x12, 0x12, 0x17,
           0x17, 0x30, 0xf1]
    grs = [0x00, 0x01, 0x04, 0x05, 0x05, 0x06, 0x08, 0x09, 0x09, 0x0a, 0x0b,
           0x0b, 0x0b, 0x10, 0x11, 0x20, 0x2a, 0x2f]
    for _ in range(n):
        k = rng.randrange(100)
        v = rng.randrange(256)
        if k < 12:
            i = rng.choice(srs) if rng.randrange(4) else rng.randrange(256)
            s += sr(i, v) if rng.randrange(3) else read_sr(i)
        elif k < 28:
            i = rng.choice(grs) if rng.randrange(4) else rng.randrange(256)
            if i == 0x31:
                v &= ~0x82
            s += gr(i, v) if rng.randrange(3) else read_gr(i)
        elif k < 32:
            i = rng.randrange(0x30)
            s += ["outb 0x3d4 0x%x" % i] + (
                ["outb 0x3d5 0x%x" % v] if rng.randrange(2) else ["inb 0x3d5"])
        elif k < 42:
            p = rng.choice(ports)
            if p in (0x3cf, 0x3c5, 0x3c2):
                s += ["inb 0x%x" % p]
            else:
                s += ["outb 0x%x 0x%x" % (p, v)] if rng.randrange(2) \
                    else ["inb 0x%x" % p]
        else:
            region = rng.randrange(10)
            if region < 5:
                a = 0xa0000 + rng.randrange(0x20000)
            elif region < 9:
                a = BAR0 + rng.choice((rng.randrange(0x400000),
                                       0x3fff00 + rng.randrange(0x100),
                                       0x1000000 + rng.randrange(0x400000)))
            else:
                a = BAR1 + rng.randrange(0x1000)
            if (a & 0xff) == 0x40:
                v &= ~0x82
            w = rng.choice(("b", "b", "b", "w", "l"))
            if rng.randrange(2):
                s += ["write%s 0x%x 0x%x" % (w, a, v * 0x01010101 & (
                    {"b": 0xff, "w": 0xffff, "l": 0xffffffff}[w]))]
            else:
                s += ["read%s 0x%x" % (w, a)]
    return s


SEQUENCES = [("PCI config and BAR sizing", seq_pci),
             ("SR/GR/CR registers", seq_registers),
             ("hidden DAC and palette", seq_dac),
             ("banking", seq_banking),
             ("write modes 4 and 5", seq_write_modes),
             ("LFB, MMIO, BAR1", seq_lfb),
             ("CPU-to-video source bytes", seq_cpu_blit),
             ("random traffic, seed 1", lambda: seq_random(1)),
             ("random traffic, seed 2", lambda: seq_random(2)),
             ("random traffic, seed 3", lambda: seq_random(3))]


def test_as_qemu(t):
    if not t.only_devmodeld("Cirrus compared with QEMU"):
        return
    if not harness.have_qemu():
        t.skip("Cirrus compared with QEMU", "%s not installed" % harness.QEMU)
        return
    d = tempfile.mkdtemp()
    for name, make in SEQUENCES:
        seq = make()
        theirs = qemu_replies(seq, d)
        with server(t, qtest=True, args=["--machine", "pc", "-S"]) as s:
            ours = run(QtestConn(s.qtest_path), seq)
        diffs = [(i, seq[i], ours[i], theirs[i]) for i in range(len(seq))
                 if ours[i] != theirs[i]]
        t.check(not diffs, "%s: %d replies equal QEMU's" % (name, len(seq)),
                "%d differ, first: %s" % (len(diffs), diffs[:8]))


# ------------------------------------------------------------- VRAM file
def vram_args(path, mb=None):
    a = ["--machine", "pc", "-S", "--vram-path", path]
    if mb is not None:
        a += ["--vram-mb", str(mb)]
    return a


def test_vram_file(t):
    if not t.only_devmodeld("--vram-path"):
        return
    d = tempfile.mkdtemp()
    path = os.path.join(d, "vram")
    with server(t, qtest=True, args=vram_args(path)) as a, \
            server(t, qtest=True, args=vram_args(path)) as b:
        t.eq(os.path.getsize(path), 4 << 20, "the file is created with 4 MiB")
        qa = QtestConn(a.qtest_path)
        qb = QtestConn(b.qtest_path)
        for q in (qa, qb):
            for r in setup_bars():
                q.request(r)
        qa.request("writel 0x%x 0xcafef00d" % (BAR0 + 0x1234))
        t.eq(qb.request("readl 0x%x" % (BAR0 + 0x1234)),
             "OK 0x00000000cafef00d", "a second daemon sees the first's write")
        qb.request("writeb 0x%x 0x5c" % (BAR0 + 0x3fffff))
        t.eq(qa.request("readb 0x%x" % (BAR0 + 0x3fffff)),
             "OK 0x000000000000005c", "and the first the second's")
        qa.close()
        qb.close()
    with open(path, "rb") as f:
        f.seek(0x1234)
        t.eq(f.read(4), bytes.fromhex("0df0feca"), "the bytes are the file's")
    with server(t, qtest=True, args=vram_args(path)) as c:
        q = QtestConn(c.qtest_path)
        for r in setup_bars():
            q.request(r)
        t.eq(q.request("readl 0x%x" % (BAR0 + 0x1234)),
             "OK 0x00000000cafef00d", "a restarted daemon keeps the content")
        q.close()
    # Another size: refused, file untouched.
    before = open(path, "rb").read()
    p = subprocess.run([t.devmodeld, "--qmp", "unix:" + os.path.join(d, "q"),
                        "--vram-path", path, "--vram-mb", "8"],
                       capture_output=True, text=True, timeout=10)
    t.check(p.returncode != 0, "a file of another size is refused",
            p.returncode)
    t.check("--vram-path" in p.stderr and "bytes" in p.stderr,
            "with a message naming the option and the sizes", p.stderr)
    t.eq(open(path, "rb").read() == before, True, "and left as it was")
    path16 = os.path.join(d, "vram16")
    with server(t, qtest=True, args=vram_args(path16, 16)) as e:
        t.eq(os.path.getsize(path16), 16 << 20, "--vram-mb 16 makes 16 MiB")
        q = QtestConn(e.qtest_path)
        # A remap (any SR7 write) maps all of VRAM, as in QEMU.
        for r in setup_bars() + sr(7, 0x01):
            q.request(r)
        q.request("writeb 0x%x 0x9e" % (BAR0 + 0xfffff0))
        t.eq(q.request("readb 0x%x" % (BAR0 + 0xfffff0)),
             "OK 0x000000000000009e", "the LFB reaches all 16 MiB")
        q.close()
    with open(path16, "rb") as f:
        f.seek(0xfffff0)
        t.eq(f.read(1), b"\x9e", "and the byte is in the file")


if __name__ == "__main__":
    harness.Suite("test-cirrus").main([test_as_qemu, test_vram_file])
