#!/usr/bin/env python3
"""PCI configuration mechanism #1 through qtest (0xCF8/0xCFC).

Reads all 256 config bytes of 00:00.0 (i440FX), 00:01.0 (PIIX3 ISA) and
00:01.1 (PIIX3 IDE), checks the ids and the absent functions, sizes the IDE
BAR4, and, when QEMU 7.2 (qemu-system-x86_64) is installed, sends the same
requests to QEMU's own qtest server on -M pc: every byte must be equal.
"""

import importlib.util
import os

import harness
from harness import server
from qtestclient import QtestConn

FUNCTIONS = [(0, 0), (1, 0), (1, 1)]
IDS = {(0, 0): 0x12378086, (1, 0): 0x70008086, (1, 1): 0x70108086}


def cfg_addr(dev, fn, reg):
    return 0x80000000 | dev << 11 | fn << 8 | (reg & 0xfc)


def value(reply):
    if not reply.startswith("OK "):
        raise harness.HarnessError("qtest reply %r" % reply)
    return int(reply.split()[1], 16)


def dump(q, dev, fn):
    """The 256 config bytes of 00:dev.fn, dword by dword."""
    out = bytearray()
    for reg in range(0, 256, 4):
        q.request("outl 0xcf8 0x%x" % cfg_addr(dev, fn, reg))
        out += value(q.request("inl 0xcfc")).to_bytes(4, "little")
    return bytes(out)


def probes(q):
    """Narrow accesses, absent functions, bit 31 clear, BAR4 sizing."""
    out = []
    q.request("outl 0xcf8 0x80000000")
    for req in ("inb 0xcfc", "inb 0xcfd", "inb 0xcfe", "inb 0xcff",
                "inw 0xcfc", "inw 0xcfd", "inw 0xcfe", "inw 0xcf8",
                "inb 0xcfb"):
        out.append((req, q.request(req)))
    for addr in (0x80000a00, 0x80001800, 0x80010000, 0x00000800):
        q.request("outl 0xcf8 0x%x" % addr)
        out.append(("inl 0xcfc @%x" % addr, q.request("inl 0xcfc")))
    q.request("outl 0xcf8 0x%x" % cfg_addr(1, 1, 0x20))
    q.request("outl 0xcfc 0xffffffff")
    out.append(("BAR4 size", q.request("inl 0xcfc")))
    q.request("outl 0xcfc 0x0")
    out.append(("BAR4 after 0", q.request("inl 0xcfc")))
    q.request("outl 0xcf8 0x%x" % cfg_addr(1, 1, 0x04))
    q.request("outw 0xcfc 0xffff")
    out.append(("IDE command/status after ones", q.request("inl 0xcfc")))
    return out


def test_config_bytes(t):
    if not t.only_devmodeld("PCI config through qtest"):
        return
    with server(t, qtest=True) as s:
        q = QtestConn(s.qtest_path)
        for dev, fn in FUNCTIONS:
            data = dump(q, dev, fn)
            t.eq(int.from_bytes(data[0:4], "little"), IDS[(dev, fn)],
                 "00:%02x.%d vendor and device" % (dev, fn))
            t.eq(data[0x2c:0x30], bytes([0xf4, 0x1a, 0x00, 0x11]),
                 "00:%02x.%d subsystem 1af4:1100" % (dev, fn))
        t.eq(dump(q, 1, 2), b"\xff" * 256, "00:01.2 is absent: all ones")
        t.eq(int.from_bytes(dump(q, 2, 0)[0:4], "little"), 0x00b81013,
             "00:02.0 is the Cirrus VGA (tested in test-cirrus.py)")
        t.eq(dump(q, 3, 0), b"\xff" * 256, "00:03.0 is absent: all ones")
        got = dict(probes(q))
        t.eq(got["BAR4 size"], "OK 0xfffffff1", "IDE BAR4 sizes as 16 ports")
        t.eq(got["inw 0xcfd"], "OK 0x3780", "word read at offset 1")
        q.close()


def test_system_reset(t):
    if not t.only_devmodeld("PCI config after system_reset"):
        return
    with server(t, qtest=True) as s:
        q = QtestConn(s.qtest_path)
        c = s.negotiated()
        before = {f: dump(q, *f) for f in FUNCTIONS}
        for dev, fn in FUNCTIONS:
            for reg in range(0, 256, 4):
                q.request("outl 0xcf8 0x%x" % cfg_addr(dev, fn, reg))
                q.request("outl 0xcfc 0xa5a5a5a5")
        t.check(dump(q, 1, 1) != before[(1, 1)], "the guest changed 00:01.1")
        r = c.execute("system_reset")
        t.check("return" in r, "system_reset", r.raw)
        for f in FUNCTIONS:
            t.eq(dump(q, *f), before[f], "00:%02x.%d back to its reset bytes" % f)
        c.close()
        q.close()


def load_qemu_qtest():
    """QemuQtest from test-qtest.py (a file name Python cannot import)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "test-qtest.py")
    spec = importlib.util.spec_from_file_location("test_qtest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.QemuQtest


def test_as_qemu(t):
    if not t.only_devmodeld("PCI config compared with QEMU"):
        return
    if not harness.have_qemu():
        t.skip("PCI config compared with QEMU", "%s not installed" % harness.QEMU)
        return
    qemu = load_qemu_qtest()()
    try:
        with server(t, qtest=True) as s:
            ours = QtestConn(s.qtest_path)
            theirs = QtestConn(qemu.path)
            for dev, fn in FUNCTIONS:
                a, b = dump(ours, dev, fn), dump(theirs, dev, fn)
                diff = ["%02x: ours %02x, QEMU %02x" % (i, a[i], b[i])
                        for i in range(256) if a[i] != b[i]]
                t.check(not diff, "00:%02x.%d: 256 bytes as QEMU 7.2" % (dev, fn),
                        "; ".join(diff))
            for (req, a), (_, b) in zip(probes(ours), probes(theirs)):
                t.eq(a, b, "as QEMU: %s" % req)
            # The guest writes ones everywhere: the masks must agree too.
            for who in (ours, theirs):
                for dev, fn in FUNCTIONS:
                    for reg in range(0, 256, 4):
                        who.request("outl 0xcf8 0x%x" % cfg_addr(dev, fn, reg))
                        who.request("outl 0xcfc 0xffffffff")
            for dev, fn in FUNCTIONS:
                a, b = dump(ours, dev, fn), dump(theirs, dev, fn)
                diff = ["%02x: ours %02x, QEMU %02x" % (i, a[i], b[i])
                        for i in range(256) if a[i] != b[i]]
                t.check(not diff, "00:%02x.%d after all ones: as QEMU" % (dev, fn),
                        "; ".join(diff))
            ours.close()
            theirs.close()
    finally:
        qemu.close()


if __name__ == "__main__":
    harness.Suite("test-pci").main([
        test_config_bytes,
        test_system_reset,
        test_as_qemu,
    ])
