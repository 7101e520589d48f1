#!/usr/bin/env python3
"""The 0000:00:02.0/cirrus_vga section against QEMU 7.2 (issue 6).

The same qtest register programming goes to QEMU 7.2 (-vga cirrus) and to
devmodeld; both save their device state and the cirrus_vga bodies (1870
bytes) must be identical: fresh, after extended-register programming
(unlock, SR7, banking, the hidden DAC, the hardware cursor, CRTC
extensions, the DAC with a read in progress, the attribute controller),
after a latch load in a planar mode, after PCI BAR programming, and after
a finished BitBLT.  QEMU's body loads into devmodeld, which saves it back
unchanged; a save then load keeps VRAM (shared through --vram-path)
untouched, and the display: for each scene of test-screendump.py without
the hardware cursor (its colours are not in the section, as in QEMU),
the screendump of a fresh daemon that loaded the state on the same VRAM
file equals the one taken before the save.
"""

import importlib.util
import os
import struct
import tempfile

import harness
from harness import server
from qtestclient import QtestConn

NAME = b"0000:00:02.0/cirrus_vga"
BODY = 1870


def cirrus_body(data):
    """The body of the cirrus_vga section in a device-state file."""
    k = data.find(bytes([len(NAME)]) + NAME)
    if k < 5 or data[k - 5] != 4:
        raise harness.HarnessError("no cirrus_vga section")
    start = k + 1 + len(NAME) + 8
    return data[start:start + BODY]


def run_seq(q, seq):
    return [(req, q.request(req)) for req in seq]


def qemu_run(d, seq):
    """Replies and the cirrus body of seq on QEMU 7.2."""
    with harness.QemuPeer() as p:
        q = QtestConn(p.qtest_path)
        replies = run_seq(q, seq)
        q.close()
        state = os.path.join(d, "qemu.state")
        c = p.negotiated()
        c.execute("xen-save-devices-state", {"filename": state, "live": False})
        c.close()
        with open(state, "rb") as f:
            return replies, cirrus_body(f.read())


def ours_run(t, d, seq):
    with server(t, qtest=True, paused=True) as s:
        q = QtestConn(s.qtest_path)
        c = s.negotiated()
        replies = run_seq(q, seq)
        state = os.path.join(d, "ours.state")
        r = c.execute("xen-save-devices-state",
                      {"filename": state, "live": False})
        t.check("return" in r, "devmodeld saves", r.raw)
        c.close()
        q.close()
        with open(state, "rb") as f:
            return replies, cirrus_body(f.read())


def idx(port, index, value):
    return ["outb 0x%x 0x%x" % (port, index), "outb 0x%x 0x%x" % (port + 1, value)]


EXTENDED = (
    idx(0x3c4, 0x06, 0x12)                       # unlock
    + idx(0x3c4, 0x07, 0x01)                     # extended 8 bpp
    + idx(0x3ce, 0x00, 0x3a) + idx(0x3ce, 0x01, 0xf5)  # GR0/GR1 shadows
    + idx(0x3ce, 0x0b, 0x21) + idx(0x3ce, 0x09, 0x03) + idx(0x3ce, 0x0a, 0x05)
    + idx(0x3c4, 0x12, 0x05) + idx(0x3c4, 0x13, 0x2a)  # cursor on, pattern
    + idx(0x3c4, 0xf0, 0xff) + idx(0x3c4, 0x51, 0x40)  # cursor x, y
    + idx(0x3d4, 0x1b, 0x22) + idx(0x3d4, 0x1d, 0x80) + idx(0x3d4, 0x1a, 0x01)
    + idx(0x3d4, 0x13, 0x50) + idx(0x3d4, 0x11, 0x80) + idx(0x3d4, 0x01, 0x77)
    + ["inb 0x3c6"] * 4 + ["outb 0x3c6 0xe1", "inb 0x3c6"]  # hidden DAC
    + ["outb 0x3c8 0x10", "outb 0x3c9 0x3f", "outb 0x3c9 0x20",
       "outb 0x3c9 0x01", "outb 0x3c9 0x05",            # DAC, one in cache
       "outb 0x3c7 0x10", "inb 0x3c9"]                  # a read in progress
    + ["inb 0x3da", "outb 0x3c0 0x10", "outb 0x3c0 0x41", "outb 0x3c0 0x31"]
    + ["outb 0x3c2 0x67", "inb 0x3cc"]
    + ["outb 0x3c4 0x2b", "outb 0x3ce 0x3d", "outb 0x3d4 0x99"]  # raw indexes
)

PLANAR = (
    idx(0x3c4, 0x04, 0x06) + idx(0x3c4, 0x02, 0x0f) + idx(0x3ce, 0x05, 0x00)
    + idx(0x3ce, 0x06, 0x05)
    + ["writeb 0xa0010 0x5a", "readb 0xa0010"]       # latch load
    + idx(0x3ce, 0x05, 0x08) + ["readb 0xa0020"]     # read mode 1
)

PCI = [
    "outl 0xcf8 0x80001010", "outl 0xcfc 0xffffffff", "inl 0xcfc",
    "outl 0xcfc 0xfc000000",
    "outl 0xcf8 0x80001014", "outl 0xcfc 0xffffffff", "inl 0xcfc",
    "outl 0xcfc 0xfebf0000",
    "outl 0xcf8 0x80001004", "outw 0xcfc 0x0103",
    "outl 0xcf8 0x8000103c", "outb 0xcfc 0x0b",
    "outl 0xcf8 0x80001000", "inl 0xcfc",
]

# A forward 8 bpp copy of 16x4 bytes at pitch 64, through the ports.
BLIT = (
    idx(0x3c4, 0x06, 0x12)
    + ["writeb 0x%x 0x%x" % (0xa0000 + i, i & 0xff) for i in range(0, 256, 17)]
    + idx(0x3ce, 0x20, 15) + idx(0x3ce, 0x21, 0) + idx(0x3ce, 0x22, 3)
    + idx(0x3ce, 0x23, 0) + idx(0x3ce, 0x24, 64) + idx(0x3ce, 0x25, 0)
    + idx(0x3ce, 0x26, 64) + idx(0x3ce, 0x27, 0)
    + idx(0x3ce, 0x28, 0x00) + idx(0x3ce, 0x29, 0x10) + idx(0x3ce, 0x2a, 0)
    + idx(0x3ce, 0x2c, 0) + idx(0x3ce, 0x2d, 0) + idx(0x3ce, 0x2e, 0)
    + idx(0x3ce, 0x30, 0x00) + idx(0x3ce, 0x32, 0x0d) + idx(0x3ce, 0x33, 0)
    + idx(0x3ce, 0x31, 0x02)
    + ["outb 0x3ce 0x31", "inb 0x3cf"]
)


def test_as_qemu(t):
    if not t.only_devmodeld("cirrus_vga section compared with QEMU"):
        return
    if not harness.have_qemu():
        t.skip("cirrus_vga section compared with QEMU",
               "%s not installed" % harness.QEMU)
        return
    d = tempfile.mkdtemp()
    for name, seq in (("fresh", []), ("extended registers", EXTENDED),
                      ("planar latch", PLANAR), ("PCI BARs", PCI),
                      ("after a BitBLT", BLIT),
                      ("all of it", PCI + EXTENDED + PLANAR + BLIT)):
        theirs_replies, theirs = qemu_run(d, seq)
        ours_replies, ours = ours_run(t, d, seq)
        t.eq(len(theirs), BODY, "%s: QEMU's body is 1870 bytes" % name)
        t.eq(len(ours), BODY, "%s: our body is 1870 bytes" % name)
        diff = ["%d: %02x, QEMU %02x" % (i, ours[i], theirs[i])
                for i in range(min(len(ours), len(theirs)))
                if ours[i] != theirs[i]]
        t.eq(diff, [], "%s: body bytes as QEMU 7.2" % name)
        for (req, a), (_, b) in zip(ours_replies, theirs_replies):
            if not req.startswith("out") and not req.startswith("write"):
                t.eq(a, b, "%s: %s answers as QEMU 7.2" % (name, req))
        if name == "all of it":
            load_qemu_body(t, d, theirs)


def load_qemu_body(t, d, body):
    """QEMU's section loads into devmodeld and saves back unchanged."""
    state = os.path.join(d, "from-qemu.state")
    with open(state, "wb") as f:
        f.write(b"QEVM\x00\x00\x00\x03" + b"\x04" + struct.pack(">I", 18)
                + bytes([len(NAME)]) + NAME + struct.pack(">II", 0, 2)
                + body + b"\x00")
    with server(t, qtest=True, paused=True) as s:
        c = s.negotiated()
        r = c.execute("xen-load-devices-state", {"filename": state})
        t.check("return" in r, "devmodeld loads QEMU's cirrus_vga", r.raw)
        again = os.path.join(d, "again.state")
        c.execute("xen-save-devices-state", {"filename": again, "live": False})
        with open(again, "rb") as f:
            t.eq(cirrus_body(f.read()), body, "and saves it back unchanged")
        c.close()


def test_vram_survives_load(t):
    """A save and a load into a fresh daemon on the same VRAM file."""
    if not t.only_devmodeld("VRAM kept across save and load"):
        return
    d = tempfile.mkdtemp()
    vram = os.path.join(d, "vram")
    state = os.path.join(d, "s.state")
    with server(t, qtest=True, paused=True, args=["--vram-path", vram]) as s:
        q = QtestConn(s.qtest_path)
        c = s.negotiated()
        for req in (EXTENDED + ["writeb 0xa0000 0x11", "writeb 0xa7fff 0x22"]):
            q.request(req)
        r = c.execute("xen-save-devices-state", {"filename": state, "live": False})
        t.check("return" in r, "save", r.raw)
        c.close()
        q.close()
    with open(vram, "rb") as f:
        before = f.read()
    with server(t, qtest=True, incoming=True, args=["--vram-path", vram]) as s:
        q = QtestConn(s.qtest_path)
        c = s.negotiated()
        r = c.execute("xen-load-devices-state", {"filename": state})
        t.check("return" in r, "load into a fresh daemon", r.raw)
        # Bank 0 at 0x3 << 14 after the load: the byte written through it.
        t.eq(q.request("readb 0xa0000"), "OK 0x0000000000000011",
             "the banked window reads the byte written before the save")
        again = os.path.join(d, "again.state")
        c.execute("xen-save-devices-state", {"filename": again, "live": False})
        with open(state, "rb") as f1, open(again, "rb") as f2:
            t.eq(cirrus_body(f2.read()), cirrus_body(f1.read()),
                 "the section saves back unchanged")
        c.close()
        q.close()
    with open(vram, "rb") as f:
        t.check(f.read() == before, "VRAM untouched by the load and reset")


def screendump_scenes():
    """The scenes test-screendump.py programs, without their cursors."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "test-screendump.py")
    spec = importlib.util.spec_from_file_location("screendump_scenes", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return [(name, seq) for name, seq in mod.SCENES if "cursor" not in name]


def test_display_survives_load(t):
    if not t.only_devmodeld("display kept across save and load"):
        return
    for name, seq in screendump_scenes():
        d = tempfile.mkdtemp()
        vram = os.path.join(d, "vram")
        state = os.path.join(d, "s.state")
        before = os.path.join(d, "before.ppm")
        after = os.path.join(d, "after.ppm")
        with server(t, qtest=True, paused=True,
                    args=["--vram-path", vram, "--machine", "pc"]) as s:
            q = QtestConn(s.qtest_path)
            c = s.negotiated()
            for req in seq():
                q.request(req)
            r = c.execute("screendump", {"filename": before})
            t.check("return" in r, "%s: screendump before the save" % name,
                    r.raw)
            c.execute("xen-save-devices-state",
                      {"filename": state, "live": False})
            c.close()
            q.close()
        with server(t, incoming=True,
                    args=["--vram-path", vram, "--machine", "pc"]) as s:
            c = s.negotiated()
            r = c.execute("xen-load-devices-state", {"filename": state})
            t.check("return" in r, "%s: load into a fresh daemon" % name,
                    r.raw)
            r = c.execute("screendump", {"filename": after})
            t.check("return" in r, "%s: screendump after the load" % name,
                    r.raw)
            c.close()
        with open(before, "rb") as f1, open(after, "rb") as f2:
            a, b = f1.read(), f2.read()
        t.check(a == b and len(a) > 15,
                "%s: the same picture after save and load (%d bytes)"
                % (name, len(a)))


if __name__ == "__main__":
    harness.Suite("test-cirrus-state").main([
        test_as_qemu,
        test_vram_survives_load,
        test_display_survives_load,
    ])
