#!/usr/bin/env python3
"""The guest-side hostile catalogue: CVE register patterns against the daemon.

* tests/hostile/guest/*.qtest: one script per VGA and IDE CVE pattern of
  research/reliability.md §2 (the header of each says which).  A script is
  qtest requests, one a line, plus four directives of ours:
      repeat N REQUEST      the request N times (pipelined)
      expect REQUEST VALUE  the reply must be "OK VALUE"
      opcodes PORT          outb PORT with every value 0..255, each
                            followed by an inb of the same port
      qmp COMMAND           a QMP command (screendump gets a file name)
* The Cirrus BitBLT patterns are not copied here: every
  `run((TestBlit){...})` of tests/unit/check-cirrus-blit-hostile.c (the
  unit test's CVE cases, one per Cirrus row of reliability.md) is read
  from that file and replayed through the guest's GR20-GR33 ports, at
  every display depth (SR7) and with and without a left skip (GR2F),
  feeding CPU data to CPU-source blits.

After each script the daemon must still be up and answer QMP and qtest,
and a save must load back and save byte-identically.  Run against the
--enable-sanitizers build (./bootstrap check does), ASan and UBSan stop
the daemon at the first stray access, which fails the test.
"""

import glob
import os
import re
import tempfile

import harness
import qtestclient
from harness import server

GUEST = os.path.join(harness.TOP, "tests", "hostile", "guest")
UNIT = os.path.join(harness.TOP, "tests", "unit", "check-cirrus-blit-hostile.c")
BLIT_H = os.path.join(harness.TOP, "devices", "cirrus-blit.h")
VRAM = 4 << 20


class Guest:
    """A qtest connection that pipelines requests."""

    def __init__(self, t, path):
        self.t = t
        self.q = qtestclient.QtestConn(path)
        self.q.sock.settimeout(harness.scaled(qtestclient.TIMEOUT))

    def close(self):
        self.q.close()

    def many(self, requests):
        """Sends the requests in one go; their replies (IRQ lines dropped)."""
        replies = []
        for i in range(0, len(requests), 4096):
            chunk = requests[i:i + 4096]
            self.q.send("".join(r + "\n" for r in chunk))
            while len(replies) < i + len(chunk):
                line = self.q.readline()
                if line is None:
                    raise harness.HarnessError("qtest EOF")
                if not line.startswith("IRQ "):
                    replies.append(line)
        return replies


def script_requests(path, screendump):
    """[(requests, expected or None, qmp)] for a .qtest script."""
    steps = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split()
            if words[0] == "repeat":
                steps.append(([" ".join(words[2:])] * int(words[1]), None, None))
            elif words[0] == "expect":
                steps.append(([" ".join(words[1:-1])], words[-1], None))
            elif words[0] == "opcodes":
                port = words[1]
                reqs = []
                for op in range(256):
                    reqs += ["outb %s 0x%02x" % (port, op), "inb %s" % port]
                steps.append((reqs, None, None))
            elif words[0] == "qmp":
                steps.append(([], None, words[1]))
            else:
                steps.append(([line], None, None))
    return steps


def run_script(t, s, c, g, path, shot):
    name = os.path.basename(path)
    bad = []
    for reqs, expected, qmp in script_requests(path, shot):
        if qmp:
            args = {"filename": shot} if qmp == "screendump" else None
            r = c.execute(qmp, args)
            if "return" not in r:
                bad.append((qmp, r.raw))
            continue
        for req, rep in zip(reqs, g.many(reqs)):
            if not rep.startswith("OK"):
                bad.append((req, rep))
            elif expected is not None and \
                    int(rep.split()[1], 16) != int(expected, 16):
                bad.append((req, rep, "expected " + expected))
    t.eq(bad[:3], [], "%s: every request answered OK" % name)


def alive_and_round_trips(t, s, c, g, what):
    t.check(s.alive(), "%s: the daemon is still up" % what,
            s.stderr_text()[-2000:])
    t.check("return" in c.execute("query-status"), "%s: QMP answers" % what)
    t.check(g.many(["inb 0x64"])[0].startswith("OK"),
            "%s: qtest answers" % what)
    a, b = os.path.join(s.tmpdir, "a"), os.path.join(s.tmpdir, "b")
    ok = "return" in c.execute("xen-save-devices-state", {"filename": a})
    ok = ok and "return" in c.execute("xen-load-devices-state", {"filename": a})
    ok = ok and "return" in c.execute("xen-save-devices-state", {"filename": b})
    t.check(ok and open(a, "rb").read() == open(b, "rb").read(),
            "%s: the state saves, loads and saves byte-identically" % what)


def guest_daemon(t, image):
    return server(t, paused=True, qtest=True,
                  args=["--drive", "file=%s,index=0,format=raw" % image,
                        "--vram-mb", str(VRAM >> 20)])


def with_image(fn):
    def wrapper(t):
        if not t.only_devmodeld("qtest against devmodeld"):
            return
        d = tempfile.mkdtemp()
        image = os.path.join(d, "disk.img")
        with open(image, "wb") as f:
            f.truncate(1 << 20)
        try:
            fn(t, image)
        finally:
            os.unlink(image)
            os.rmdir(d)
    wrapper.__name__ = fn.__name__
    return wrapper


@with_image
def test_scripts(t, image):
    scripts = sorted(glob.glob(os.path.join(GUEST, "*.qtest")))
    t.check(len(scripts) >= 9, "the guest catalogue has its scripts",
            len(scripts))
    with guest_daemon(t, image) as s:
        c = s.negotiated()
        g = Guest(t, s.qtest_path)
        shot = os.path.join(s.tmpdir, "shot.ppm")
        for path in scripts:
            run_script(t, s, c, g, path, shot)
            alive_and_round_trips(t, s, c, g, os.path.basename(path))
        g.close()
        c.close()


# ---------------------------------------------------------------- BitBLT
def c_constants():
    """CIRRUS_* values of devices/cirrus-blit.h, the unit test's names."""
    env = {}
    with open(BLIT_H) as f:
        for name, value in re.findall(r"\b(CIRRUS_\w+)\s*=\s*([^,;/]+)", f.read()):
            try:
                env[name] = int(eval(value.strip(), {}, dict(env)))
            except Exception:  # noqa: BLE001 - not a plain constant
                pass
    env["END"] = VRAM
    env["MODE_FILL"] = env["CIRRUS_BLTMODE_PATTERNCOPY"] | \
        env["CIRRUS_BLTMODE_COLOREXPAND"]
    env["blit_width_bits"] = lambda pw: (pw - 1) << 4
    return env


def c_eval(expr, env):
    """A C constant expression of the unit test; None if it is not one."""
    expr = re.sub(r"\s+", " ", expr).strip()
    m = re.match(r"^(.*?)\?(.*):(.*)$", expr)
    try:
        if m:
            return int(eval(m.group(2), {}, env))
        return int(eval(expr, {}, env))
    except Exception:  # noqa: BLE001 - a local we do not know
        return None


def unit_blits():
    """[(test name, [9 values])] from every run((TestBlit){...})."""
    with open(UNIT) as f:
        src = f.read()
    env = c_constants()
    blits = []
    for test in re.split(r"\bSTART_TEST\(", src)[1:]:
        name = test.split(")", 1)[0]
        local = dict(env)
        # The test's own locals: simple integer initialisers, else a
        # mid-VRAM default (the pattern's shape is what matters).
        for var, init in re.findall(r"\b(?:uint32_t|int)\s+(\w+)\s*=\s*([^;,]+)[;,]",
                                    test):
            v = c_eval(init, local)
            local[var] = v if v is not None else 0x10000
        m = re.search(r"modes\[\]\s*=\s*\{([^}]*)\}", test)
        modes = [c_eval(x, env) for x in m.group(1).split(",") if x.strip()] \
            if m else [0]
        for lit in re.findall(r"run\(\(TestBlit\)\{([^}]*)\}\)", test):
            fields = [x for x in lit.split(",")]
            for mode in modes:
                local["modes"] = [mode] * 256
                local["i"] = 0
                vals = [c_eval(x, local) for x in fields]
                vals = [0x10000 if v is None else v for v in vals]
                blits.append((name, vals))
    return blits


def blit_requests(vals, sr7, skip):
    w, h, dpitch, spitch, dst, src, mode, rop, mode_ext = vals
    gr = {0x20: w - 1, 0x21: (w - 1) >> 8, 0x22: h - 1, 0x23: (h - 1) >> 8,
          0x24: dpitch, 0x25: dpitch >> 8, 0x26: spitch, 0x27: spitch >> 8,
          0x28: dst, 0x29: dst >> 8, 0x2a: dst >> 16,
          0x2c: src, 0x2d: src >> 8, 0x2e: src >> 16,
          0x2f: skip, 0x30: mode, 0x32: rop, 0x33: mode_ext}
    reqs = ["outb 0x3c4 0x07", "outb 0x3c5 0x%02x" % sr7]
    for reg, value in sorted(gr.items()):
        reqs += ["outb 0x3ce 0x%02x" % reg, "outb 0x3cf 0x%02x" % (value & 0xff)]
    reqs += ["outb 0x3ce 0x31", "outb 0x3cf 0x00", "outb 0x3cf 0x02"]
    if mode & 0x04:  # CPU source: feed it more data than any line holds
        reqs += ["write 0xa0000 0x400 0x" + "a5c3" * 0x200] * 9
    reqs += ["inb 0x3cf", "outb 0x3cf 0x04", "outb 0x3cf 0x00"]
    return reqs


@with_image
def test_cirrus_blits(t, image):
    blits = unit_blits()
    names = sorted({n for n, _ in blits})
    t.check(len(blits) >= 40 and any("2014_8106" in n for n in names),
            "the unit test's BitBLT patterns are found (%d in %d tests)"
            % (len(blits), len(names)), names)
    with guest_daemon(t, image) as s:
        c = s.negotiated()
        g = Guest(t, s.qtest_path)
        shot = os.path.join(s.tmpdir, "shot.ppm")
        # Unlock the extensions; the linear/MMIO windows stay off.
        g.many(["outb 0x3c4 0x06", "outb 0x3c5 0x12"])
        n = 0
        for name in names:
            reqs = []
            for test, vals in blits:
                if test != name:
                    continue
                for sr7 in (0x00, 0x01, 0x03, 0x05, 0x09):
                    for skip in (0x00, 0x1f):
                        reqs += blit_requests(vals, sr7, skip)
                        n += 1
            bad = [(q, r) for q, r in zip(reqs, g.many(reqs))
                   if not r.startswith("OK")]
            t.eq(bad[:3], [], "%s: every register write answered" % name)
            r = c.execute("screendump", {"filename": shot})
            t.check("return" in r, "%s: the display still renders" % name, r.raw)
            alive_and_round_trips(t, s, c, g, name)
        t.note("%d blits replayed from %s" % (n, os.path.basename(UNIT)))
        g.close()
        c.close()


if __name__ == "__main__":
    harness.Suite("test-guest-hostile").main([
        test_scripts,
        test_cirrus_blits,
    ])
