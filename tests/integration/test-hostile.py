#!/usr/bin/env python3
"""The hostile-stream catalogue (tests/hostile/) through xen-load-devices-state.

Every file in tests/hostile/MANIFEST is loaded into a daemon holding a real,
non-trivial state (busy.bin: queued PS/2 bytes, a DAC mid-triplet, a bank
selected; fresh-pc.bin for the --machine pc cases).  A refused file must
give exactly the manifest's error text, and a save afterwards must be
byte-identical to the save before: nothing changed.  A file the manifest
marks "ok" (QEMU's own clean-up accepts it) must load, and its re-save must
load again.  Then every prefix of fresh.bin, busy.bin and pio.bin.gz (the
primary master mid-PIO) is refused as truncated, again with no change.
tests/hostile/generate.py says how the files were made.
"""

import gzip
import os
import tempfile

import harness
from harness import server

HOSTILE = os.path.join(harness.TOP, "tests", "hostile")
GE = "GenericError"


def read_case(name):
    with open(os.path.join(HOSTILE, name), "rb") as f:
        data = f.read()
    return gzip.decompress(data) if name.endswith(".gz") else data


def manifest():
    out = []
    with open(os.path.join(HOSTILE, "MANIFEST")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, base, machine, expected, what = line.rstrip("\n").split("\t")
            out.append((name, base, machine, expected, what))
    return out


class Loader:
    """One daemon, a scratch directory on tmpfs when there is one (saves
    fsync), and the load/save helpers the cases share."""

    def __init__(self, t, s):
        self.t = t
        self.c = s.negotiated(timeout=harness.scaled(5.0))
        base = "/dev/shm" if os.path.isdir("/dev/shm") else s.tmpdir
        self.dir = tempfile.mkdtemp(prefix="hostile-", dir=base)
        self.path = os.path.join(self.dir, "case")
        self.saved = os.path.join(self.dir, "saved")

    def close(self):
        self.c.close()
        for n in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, n))
        os.rmdir(self.dir)

    def load_bytes(self, data):
        with open(self.path, "wb") as f:
            f.write(data)
        r = self.c.execute("xen-load-devices-state", {"filename": self.path})
        if "return" in r:
            return "ok"
        if r.error_class != GE:
            return "class %s: %s" % (r.error_class, r.error_desc)
        return r.error_desc.replace(self.path, "FILE")

    def save(self):
        r = self.c.execute("xen-save-devices-state", {"filename": self.saved})
        if "return" not in r:
            raise harness.HarnessError("save failed: %r" % r.raw)
        with open(self.saved, "rb") as f:
            return f.read()


def daemon_args(machine):
    return ["--machine", machine]


def run_machine(t, machine, baseline, cases):
    d = tempfile.mkdtemp()
    image = os.path.join(d, "disk.img")
    with open(image, "wb") as f:
        f.truncate(1 << 20)
    args = daemon_args(machine) + ["--drive", "file=%s,index=0,format=raw" % image]
    try:
        with server(t, paused=True, args=args) as s:
            ld = Loader(t, s)
            t.eq(ld.load_bytes(read_case(baseline)), "ok",
                 "%s: the baseline %s loads" % (machine, baseline))
            before = ld.save()
            refused = accepted = 0
            for name, _base, _m, expected, what in cases:
                got = ld.load_bytes(read_case(name))
                t.eq(got, expected, "%s (%s)" % (name, what))
                if expected == "ok":
                    again = ld.save()
                    t.eq(ld.load_bytes(again), "ok",
                         "%s: the state it left saves and loads again" % name)
                    ld.load_bytes(read_case(baseline))
                    accepted += 1
                else:
                    refused += 1
                t.eq(ld.save(), before,
                     "%s: a save afterwards is byte-identical" % name)
            t.note("%s: %d refused, %d accepted" % (machine, refused, accepted))
            ld.close()
    finally:
        os.unlink(image)
        os.rmdir(d)


def test_catalogue(t):
    if not t.only_devmodeld("devmodeld's hostile-stream checks"):
        return
    cases = manifest()
    t.check(len(cases) >= 80, "the manifest lists the catalogue", len(cases))
    for name, *_ in cases:
        t.check(os.path.exists(os.path.join(HOSTILE, name)),
                "%s is in tests/hostile" % name)
    run_machine(t, "xenfv", "busy.bin", [c for c in cases if c[2] == "xenfv"])
    run_machine(t, "pc", "fresh-pc.bin", [c for c in cases if c[2] == "pc"])


def truncations(t, ld, base, step_inside=1, early=()):
    """Every prefix of base (bar the whole file) is refused as truncated.
    A prefix in early ends right before a subsection the section's own
    checks require (pio_state for a drive with DRQ): those checks run when
    the section's fields end and refuse it first, with their own text."""
    data = read_case(base)
    before = ld.save()
    bad = []
    n = 0
    cut = 0
    while cut < len(data):
        got = ld.load_bytes(data[:cut])
        n += 1
        if got == "ok" or ("truncated" not in got and cut not in early):
            bad.append((cut, got))
        cut += step_inside(cut) if callable(step_inside) else step_inside
    t.eq(bad[:5], [], "%s: %d prefixes, each refused as truncated" % (base, n))
    t.eq(ld.save(), before, "%s: a save afterwards is byte-identical" % base)
    t.eq(ld.load_bytes(data), "ok", "%s: the whole file loads" % base)
    return n


def test_truncations(t):
    if not t.only_devmodeld("devmodeld's hostile-stream checks"):
        return
    d = tempfile.mkdtemp()
    image = os.path.join(d, "disk.img")
    with open(image, "wb") as f:
        f.truncate(1 << 20)
    pio = read_case("pio.bin.gz")
    # pio.bin's 131,076-byte io_buffer: every prefix around its edges, and
    # every 251st inside it (each of those cuts reads the same way).
    io_start = pio.index(b"ide_drive/pio_state") + 19 + 4 + 4
    io_end = io_start + 131076

    def pio_step(cut):
        return 251 if io_start + 64 <= cut < io_end - 300 else 1

    try:
        with server(t, paused=True,
                    args=["--drive", "file=%s,index=0,format=raw" % image]) as s:
            ld = Loader(t, s)
            ld.load_bytes(read_case("busy.bin"))
            total = truncations(t, ld, "fresh.bin")
            ld.load_bytes(read_case("busy.bin"))
            total += truncations(t, ld, "busy.bin")
            pio_sub = pio.index(b"\x05\x13ide_drive/pio_state")
            total += truncations(t, ld, "pio.bin.gz", pio_step, (pio_sub,))
            t.note("%d truncated files refused" % total)
            ld.close()
    finally:
        os.unlink(image)
        os.rmdir(d)


if __name__ == "__main__":
    harness.Suite("test-hostile").main([
        test_catalogue,
        test_truncations,
    ])
