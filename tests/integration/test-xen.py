#!/usr/bin/env python3
"""devmodeld's xenstore contract (research/xen-toolstack.md §2) through the
real libxenstore against the test xenstored (XENSTORED_PATH=socket,
--xenstore xs), watched and checked with the raw xs_wire client:

* the ready key device-model/<domid>/state = running appears only once
  every QMP socket accepts; with -S only at cont; again at each cont;
* the physmap keys start_addr, size, name of the Cirrus LFB, written when
  BAR0 (programmed through qtest, 0xCF8/0xCFC) decodes above 0xbffff,
  rewritten when it moves, kept when decoding goes off;
* restore: a second daemon with --incoming on the same store and VRAM file
  loads the first one's state and shows the LFB where it was (no key
  rewritten, the VRAM byte at the old address, the same screendump);
* start-up refuses malformed physmap entries naming the key, and an
  unwritable ready key or an unreachable xenstored with one line;
* x-xenstore-read and x-xenstore-list with the xs and embedded backends.
Exit 0 pass, 1 fail, 77 skip (the test xenstored is not built).
"""

import contextlib
import importlib.util
import os
import sys
import tempfile
import time

import harness
import xsclient
from harness import Daemon, server
from qtestclient import QtestConn
from xsclient import DIRECTORY, RM, WATCH, XenstoredTest, XsError

if xsclient.server_path() is None:
    print("SKIP: tests/xenstored/xenstored-test is not built")
    print("0 passed, 0 failed")
    sys.exit(harness.SKIP)

DOMID = 7
DM = "/local/domain/0/device-model/%d" % DOMID
STATE = DM + "/state"
PHYSMAP = DM + "/physmap"
ENTRY = PHYSMAP + "/8000000"   # 128 MiB, the default --memory
CFG = 0x80001000               # 00:02.0
XS = ["--domid", str(DOMID), "--xenstore", "xs"]


def bar0(addr):
    return ["outl 0xcf8 0x%x" % (CFG | 0x10), "outl 0xcfc 0x%x" % addr]


def command(value):
    return ["outl 0xcf8 0x%x" % (CFG | 0x04), "outw 0xcfc 0x%x" % value]


def program(s, seq):
    q = QtestConn(s.qtest_path)
    try:
        replies = [q.request(r) for r in seq]
    finally:
        q.close()
    bad = [(r, x) for r, x in zip(seq, replies) if not x.startswith("OK")]
    if bad:
        raise harness.HarnessError("qtest refused %r" % (bad[:3],))
    return replies


@contextlib.contextmanager
def xs_env(path):
    """XENSTORED_PATH=path for the daemons started inside."""
    old = os.environ.get("XENSTORED_PATH")
    os.environ["XENSTORED_PATH"] = path
    try:
        yield
    finally:
        if old is None:
            del os.environ["XENSTORED_PATH"]
        else:
            os.environ["XENSTORED_PATH"] = old


def xs_read(xs, path):
    """The value as text, or None when the node does not exist."""
    c = xs.conn()
    try:
        return c.read(path).decode()
    except XsError as e:
        if e.name == "ENOENT":
            return None
        raise
    finally:
        c.close()


def xs_wait(xs, path, timeout=2.0):
    """xs_read once the node exists (the ready key comes just after the
    sockets listen: a slow daemon, under valgrind, shows the gap)."""
    deadline = time.monotonic() + harness.scaled(timeout)
    while True:
        value = xs_read(xs, path)
        if value is not None or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def xs_list(xs, path):
    c = xs.conn()
    try:
        type_, payload = c.request(DIRECTORY, path.encode() + b"\0")
    finally:
        c.close()
    if type_ != DIRECTORY:
        return None
    return [n.decode() for n in payload.split(b"\0") if n]


def xs_keys(xs, entry=ENTRY):
    """{leaf: value} of a physmap entry, in the store's order."""
    names = xs_list(xs, entry)
    return None if names is None else [(n, xs_read(xs, entry + "/" + n))
                                       for n in names]


def watcher(xs, path, token=b"t"):
    """A raw connection watching path, its initial event consumed."""
    w = xs.conn()
    type_, _ = w.request(WATCH, path.encode() + b"\0" + token + b"\0")
    if type_ != WATCH:
        raise harness.HarnessError("WATCH %s refused" % path)
    w.event()
    return w


def run_to_exit(args, timeout=10):
    """Starts devmodeld expecting it to fail: (status, stderr)."""
    d = Daemon(args=args, start=False)
    try:
        d._spawn(d.argv)
        rc = d.wait(timeout)
        if rc is None:
            d.kill()
        return rc, d.stderr_text()
    finally:
        d.cleanup()


def keys(start, size="400000"):
    return [("start_addr", start), ("size", size), ("name", "vga.vram")]


# ------------------------------------------------------------- ready key
def test_ready_key_after_qmp_listens(t):
    with XenstoredTest() as xs, xs_env(xs.socket):
        w = watcher(xs, STATE)
        d = Daemon(args=XS, qmp=2, start=False)
        try:
            d._spawn(d.argv)
            t.eq(w.event(), (STATE.encode(), b"t"),
                 "the ready key's write fires the watch")
            # The instant it exists, every QMP socket must accept.
            for i in range(2):
                c = d.client(i)
                c.greeting(timeout=5)
                c.negotiate()
                st = c.execute("query-status").get("return", {})
                t.eq(st.get("status"), "running",
                     "QMP socket %d accepts when the key appears" % i)
                c.close()
            t.eq(xs_read(xs, STATE), "running", "state = running")
            t.check(w.no_event(0.3), "written once at start")
            c = d.negotiated()
            c.execute("stop")
            t.check(w.no_event(0.3), "stop writes nothing")
            c.execute("cont")
            t.eq(w.event(), (STATE.encode(), b"t"), "cont writes it again")
            t.eq(xs_read(xs, STATE), "running", "still running")
            c.close()
            t.eq(d.stop(), 0, "devmodeld exits 0")
            t.eq(xs_read(xs, STATE), "running",
                 "the key is left for libxl to remove")
        finally:
            w.close()
            d.cleanup()


def test_paused_until_cont(t):
    with XenstoredTest() as xs, xs_env(xs.socket):
        with server(t, paused=True, args=XS) as s:
            w = watcher(xs, STATE)
            t.eq(xs_read(xs, STATE), None, "-S: no ready key")
            c = s.negotiated()
            t.check(w.no_event(0.3), "-S: nothing written while prelaunch")
            r = c.execute("cont")
            t.check("return" in r, "cont", r.raw)
            t.eq(w.event(), (STATE.encode(), b"t"), "cont writes the key")
            t.eq(xs_read(xs, STATE), "running", "state = running after cont")
            c.close()
            w.close()


# --------------------------------------------------------------- physmap
def test_physmap_keys(t):
    with XenstoredTest() as xs, xs_env(xs.socket):
        with server(t, qtest=True, args=XS) as s:
            c = s.negotiated()
            program(s, bar0(0xf0000000))
            t.eq(xs_list(xs, PHYSMAP), None, "BAR0 set, decoding off: no keys")
            program(s, command(0x0103))
            t.eq(xs_list(xs, PHYSMAP), ["8000000"],
                 "memory decoding on: one entry at 128 MiB")
            t.eq(xs_keys(xs), keys("f0000000"),
                 "start_addr, size, name in lowercase hex without 0x")
            w = watcher(xs, PHYSMAP)
            program(s, bar0(0xe0000000))
            t.eq(xs_keys(xs), keys("e0000000"), "a move rewrites start_addr")
            seen = set()
            while not w.no_event(0.3):
                seen.add(w.event()[0])
            t.eq(sorted(seen), sorted(ENTRY.encode() + b"/" + k.encode()
                                      for k in ("start_addr", "size", "name")),
                 "all three keys written again, under the same entry")
            program(s, command(0x0001))
            t.eq(xs_keys(xs), keys("e0000000"), "decoding off keeps the keys")
            t.check(w.no_event(0.3), "and writes nothing")
            program(s, bar0(0xa0000) + command(0x0103))
            t.check(w.no_event(0.3), "BAR0 below 0xc0000: not recorded")
            program(s, bar0(0xf4000000))
            t.eq(xs_keys(xs), keys("f4000000"), "back above: recorded")
            # What the daemon shows over QMP is the store's content.
            r = c.execute("x-xenstore-list", {"path": ENTRY})
            t.eq(r.get("return"), ["start_addr", "size", "name"],
                 "x-xenstore-list of the entry")
            r = c.execute("x-xenstore-read", {"path": ENTRY + "/start_addr"})
            t.eq(r.get("return"), "f4000000", "x-xenstore-read start_addr")
            r = c.execute("x-xenstore-read",
                          {"path": "device-model/%d/state" % DOMID})
            t.eq(r.get("return"), "running", "x-xenstore-read, relative path")
            c.close()
            w.close()


def test_physmap_offset_and_size(t):
    with XenstoredTest() as xs, xs_env(xs.socket):
        with server(t, qtest=True,
                    args=XS + ["--memory", "3072", "--vram-mb", "16"]) as s:
            program(s, bar0(0xf0000000) + command(0x0002))
            t.eq(xs_keys(xs, PHYSMAP + "/c0000000"),
                 keys("f0000000", "1000000"),
                 "--memory 3072 --vram-mb 16: entry c0000000, size 1000000")


# --------------------------------------------------------------- restore
def screendump_module():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "test-screendump.py")
    spec = importlib.util.spec_from_file_location("screendump_scenes", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def libxl_carry_physmap(xs):
    """What libxl does across save and restore: it keeps the physmap keys
    (EMULATOR_XENSTORE_DATA), removes the device-model tree with the old
    domain, and writes the keys back, one write each, before the new
    device model starts."""
    saved = []
    for entry in xs_list(xs, PHYSMAP) or []:
        for leaf, value in xs_keys(xs, PHYSMAP + "/" + entry):
            saved.append((PHYSMAP + "/" + entry + "/" + leaf, value))
    c = xs.conn()
    try:
        c.request(RM, DM.encode() + b"\0")
        for path, value in saved:
            c.write(path, value)
    finally:
        c.close()
    return saved


def test_restore_keeps_framebuffer(t):
    scenes = screendump_module()
    lfb = scenes.BAR0
    d = tempfile.mkdtemp(prefix="dmtest-xen-")
    vram = os.path.join(d, "vram")
    state = os.path.join(d, "dm.state")
    before = os.path.join(d, "before.ppm")
    after = os.path.join(d, "after.ppm")
    with XenstoredTest() as xs, xs_env(xs.socket):
        with server(t, qtest=True, args=XS + ["--vram-path", vram]) as s:
            c = s.negotiated()
            program(s, scenes.seq_linear(0x01, 1))
            t.eq(xs_keys(xs), keys("%x" % lfb), "the guest's LFB is recorded")
            t.check("return" in c.execute("screendump", {"filename": before}),
                    "screendump of the first daemon")
            c.execute("stop")
            r = c.execute("xen-save-devices-state",
                          {"filename": state, "live": False})
            t.check("return" in r, "save", r.raw)
            c.close()
        saved = libxl_carry_physmap(xs)
        t.eq(len(saved), 3, "libxl carries three keys")
        t.eq(xs_read(xs, STATE), None, "no ready key before the restore")
        w = watcher(xs, PHYSMAP)
        with server(t, qtest=True, incoming=True,
                    args=XS + ["--vram-path", vram]) as s:
            c = s.negotiated()
            r = c.execute("xen-load-devices-state", {"filename": state})
            t.check("return" in r, "load into the --incoming daemon", r.raw)
            t.check(w.no_event(0.3),
                    "BAR0 mapped where the physmap says: no key rewritten")
            t.eq(xs_keys(xs), keys("%x" % lfb), "the keys unchanged")
            with open(vram, "rb") as f:
                f.seek(0x1234)
                byte = f.read(1)[0]
            q = QtestConn(s.qtest_path)
            t.eq(q.request("readb 0x%x" % (lfb + 0x1234)),
                 "OK 0x%016x" % byte,
                 "the LFB answers at the old address with the VRAM byte")
            q.close()
            t.check("return" in c.execute("screendump", {"filename": after}),
                    "screendump of the second daemon")
            c.close()
            t.check("framebuffer" not in s.stderr_text(),
                    "no warning with --vram-path", s.stderr_text())
        w.close()
        with open(before, "rb") as f1, open(after, "rb") as f2:
            a, b = f1.read(), f2.read()
        t.check(a == b and len(a) > 15,
                "the same screendump after the restore (%d bytes)" % len(a))


def test_incoming_anonymous_vram_warns(t):
    with server(t, incoming=True, args=["--xenstore", "embedded"]) as s:
        time.sleep(0.1)
        err = s.stderr_text()
        t.check("warning" in err and "--vram-path" in err
                and "cannot survive" in err,
                "--incoming with anonymous VRAM warns", err)


# ------------------------------------------------------------- refusals
MALFORMED = [
    ("/start_addr", "f000000g"), ("/start_addr", "0xf0000000"),
    ("/start_addr", "10000000000000000"), ("/size", "0"),
    ("/size", "-400000"), ("/name", "vga\x01vram"),
]


def test_malformed_physmap_refused(t):
    for leaf, value in MALFORMED:
        with XenstoredTest() as xs, xs_env(xs.socket):
            c = xs.conn()
            good = dict(keys("f0000000"))
            for k, v in good.items():
                c.write(ENTRY + "/" + k, value if "/" + k == leaf else v)
            c.close()
            rc, err = run_to_exit(XS)
            lines = [x for x in err.splitlines() if "]: error " in x]
            t.check(rc == 1 and ENTRY + leaf in err and len(lines) == 1,
                    "%s = %r refused naming the key" % (leaf, value),
                    (rc, err))
    with XenstoredTest() as xs, xs_env(xs.socket):
        c = xs.conn()
        c.write(PHYSMAP + "/vram/start_addr", "f0000000")
        c.write(PHYSMAP + "/vram/size", "400000")
        c.close()
        rc, err = run_to_exit(XS)
        t.check(rc == 1 and PHYSMAP + "/vram" in err,
                "an entry not named in hex refused", (rc, err))
    with XenstoredTest() as xs, xs_env(xs.socket):
        c = xs.conn()
        c.write(PHYSMAP + "/1000/start_addr", "f0000000")
        c.write(PHYSMAP + "/2000/size", "1000")
        c.close()
        with server(t, args=XS):
            t.check(True, "entries without start_addr or size are skipped")


def test_store_failures(t):
    with xs_env("/nonexistent/xenstored.sock"):
        rc, err = run_to_exit(XS)
        t.check(rc == 1 and "--xenstore xs" in err and
                len(err.strip().splitlines()) == 1,
                "--xenstore xs without a xenstored: one line, status 1",
                (rc, err))
        with server(t, args=["--domid", "7"]) as s:
            c = s.negotiated()
            r = c.execute("x-xenstore-read", {"path": STATE})
            t.eq(r.get("return"), "running",
                 "--xenstore auto falls back to the embedded store")
            c.close()
    # The root, /tool, /tool/xenstored and one more node: no ready key.
    with XenstoredTest(["--quota-entries", "4"]) as xs, xs_env(xs.socket):
        rc, err = run_to_exit(XS)
        t.check(rc == 1 and "ready key" in err and STATE in err,
                "an unwritable ready key stops the start", (rc, err))
        with server(t, paused=True, args=XS) as s:
            c = s.negotiated()
            r = c.execute("cont")
            t.check("return" in r, "a later failure does not fail cont",
                    r.raw)
            time.sleep(0.1)
            t.check("warning" in s.stderr_text() and
                    "ready key" in s.stderr_text(),
                    "but is logged as a warning", s.stderr_text())
            c.close()
    # Room for the ready key (6 nodes), none for the physmap.
    with XenstoredTest(["--quota-entries", "9"]) as xs, xs_env(xs.socket):
        with server(t, qtest=True, args=XS) as s:
            t.eq(xs_wait(xs, STATE), "running", "the ready key fits")
            program(s, bar0(0xf0000000) + command(0x0002))
            time.sleep(0.1)
            t.check("warning" in s.stderr_text() and
                    "physmap" in s.stderr_text(),
                    "an unwritable physmap key is a warning",
                    s.stderr_text())


# ------------------------------------------------------- the QMP window
def test_qmp_xenstore_backends(t):
    with XenstoredTest() as xs, xs_env(xs.socket):
        c0 = xs.conn()
        c0.write("/vm/x", "from outside")
        c0.close()
        with server(t, args=XS) as s:
            c = s.negotiated()
            r = c.execute("x-xenstore-read", {"path": "/vm/x"})
            t.eq(r.get("return"), "from outside",
                 "xs: x-xenstore-read sees the real store")
            r = c.execute("x-xenstore-list", {"path": "/local/domain/0"})
            t.eq(r.get("return"), ["device-model"], "xs: x-xenstore-list")
            c.close()
        with server(t, qtest=True,
                    args=["--domid", "7", "--xenstore", "embedded"]) as s:
            c = s.negotiated()
            program(s, bar0(0xf0000000) + command(0x0103))
            r = c.execute("x-xenstore-read", {"path": STATE})
            t.eq(r.get("return"), "running", "embedded: the ready key")
            r = c.execute("x-xenstore-list", {"path": PHYSMAP})
            t.eq(r.get("return"), ["8000000"], "embedded: the physmap entry")
            got = [(k, c.execute("x-xenstore-read",
                                 {"path": ENTRY + "/" + k}).get("return"))
                   for k in ("start_addr", "size", "name")]
            t.eq(got, keys("f0000000"), "embedded: the three keys")
            t.eq(xs_list(xs, PHYSMAP), None,
                 "embedded: nothing reaches the xenstored")
            r = c.execute("x-xenstore-read", {"path": DM + "/none"})
            t.eq(r.error_class, "GenericError", "a missing node: GenericError")
            t.check(DM + "/none" in (r.error_desc or "") and
                    "No such file or directory" in (r.error_desc or ""),
                    "naming the path and the errno text", r.raw)
            r = c.execute("x-xenstore-list", {"path": "a//b"})
            t.check(r.error_class == "GenericError" and
                    "Invalid argument" in (r.error_desc or ""),
                    "a bad path: EINVAL", r.raw)
            r = c.execute("x-xenstore-read", {})
            t.eq(r.error_desc, "Parameter 'path' is missing",
                 "the path is required")
            c.close()


if __name__ == "__main__":
    harness.Suite("test-xen").main([
        test_ready_key_after_qmp_listens,
        test_paused_until_cont,
        test_physmap_keys,
        test_physmap_offset_and_size,
        test_restore_keeps_framebuffer,
        test_incoming_anonymous_vram_warns,
        test_malformed_physmap_refused,
        test_store_failures,
        test_qmp_xenstore_backends,
    ])
