#!/usr/bin/env python3
"""xen-save-devices-state and xen-load-devices-state over QMP.

The three file-name forms (a path, /dev/fdset/N from add-fd as libxl does
it, fd:NAME from getfd), saves while running (STOP and RESUME around the
save), loads refused while running, a corrupted load that changes nothing,
and 1000 save/load cycles in one process.  Until devices land the files
hold only the header and EOF; the device issues make them grow.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import time

import harness
import qmpclient
from harness import server

GE = "GenericError"
HEADER = b"QEVM\x00\x00\x00\x03"


def save(c, filename, **extra):
    args = {"filename": filename}
    args.update(extra)
    return c.execute("xen-save-devices-state", args)


def load(c, filename):
    return c.execute("xen-load-devices-state", {"filename": filename})


def test_save_to_path(t):
    with server(t, paused=True) as s:
        c = s.negotiated()
        d = tempfile.mkdtemp(dir=s.tmpdir)
        target = os.path.join(d, "state")
        r = save(c, target)
        t.check("return" in r, "save to a new path", r.raw)
        data = open(target, "rb").read()
        t.check(data.startswith(HEADER) and data.endswith(b"\x00"),
                "the file is QEVM version 3 ... EOF", data[:16])
        t.eq(stat.S_IMODE(os.stat(target).st_mode), 0o600, "a new file is 0600")
        os.chmod(target, 0o640)
        r = save(c, target, live=False)
        t.check("return" in r, "save over an existing file", r.raw)
        t.eq(stat.S_IMODE(os.stat(target).st_mode), 0o640,
             "an existing file keeps its mode")
        t.eq(sorted(os.listdir(d)), ["state"], "no temporary file left behind")
        again = open(target, "rb").read()
        t.eq(again, data, "identical state gives identical bytes")
        r = save(c, os.path.join(d, "missing-dir", "state"))
        t.eq(r.error_class, GE, "a save into a missing directory fails")
        r = save(c, "exec:cat > /tmp/x")
        t.check(r.error_class == GE and "./" in (r.error_desc or ""),
                "an unknown prefix is refused with the ./ hint", r.raw)
        st = c.execute("query-status")
        t.eq(st["return"]["status"], "prelaunch", "a save leaves prelaunch as it was")
        t.eq(c.take_events(), [], "no event for a save of a stopped guest")
        c.close()


def test_save_while_running(t):
    with server(t) as s:
        c = s.negotiated()
        target = os.path.join(s.tmpdir, "running-state")
        r = save(c, target)
        t.check("return" in r, "save while running", r.raw)
        names = [e["event"] for e in c.take_events()]
        t.eq(names, ["STOP", "RESUME"], "STOP then RESUME around the save")
        st = c.execute("query-status")["return"]
        t.eq(st["status"], "running", "running again after the save")
        r = save(c, os.path.join(s.tmpdir, "nodir", "x"))
        t.eq(r.error_class, GE, "a failing save while running is an error")
        st = c.execute("query-status")["return"]
        t.eq(st["status"], "running", "running again after a failed save")
        c.close()


def test_libxl_fdset_sequence(t):
    """stop, add-fd (fd on the first byte), save to /dev/fdset/N with live."""
    with server(t) as s:
        c = s.negotiated()
        target = os.path.join(s.tmpdir, "qemu-save.7")
        with open(target, "wb") as f:
            f.write(b"X" * 4096)        # an old, longer file: no O_TRUNC
        fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            t.check("return" in c.execute("stop"), "stop")
            c.send_with_fds_first_byte(
                qmpclient.command_bytes("add-fd", None, id=1), [fd])
            r = c.reply()
            fdset = r.get("return", {}).get("fdset-id")
            t.check(isinstance(fdset, int), "add-fd returns an fdset-id", r.raw)
            r = save(c, "/dev/fdset/%d" % fdset, live=True)
            t.check("return" in r, "save to /dev/fdset/N", r.raw)
        finally:
            os.close(fd)
        data = open(target, "rb").read()
        t.check(data.startswith(HEADER) and data.endswith(b"\x00") and
                b"X" not in data, "the old tail is gone (truncated)", data[:32])
        r = load(c, target)
        t.check("return" in r, "the file loads back", r.raw)
        c.close()


def test_named_fd(t):
    with server(t, paused=True) as s:
        c = s.negotiated()
        target = os.path.join(s.tmpdir, "named")
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            c.send_with_fds_whole(qmpclient.command_bytes(
                "getfd", {"fdname": "state"}, id=2), [fd])
            t.check("return" in c.reply(), "getfd state")
        finally:
            os.close(fd)
        r = save(c, "fd:state")
        t.check("return" in r, "save to fd:state", r.raw)
        t.check(open(target, "rb").read().startswith(HEADER), "written through the fd")
        r = save(c, "fd:state")
        t.check(r.error_class == GE and "not found" in (r.error_desc or ""),
                "fd:NAME is used up by the save", r.raw)
        c.close()


def test_load_rules(t):
    with server(t) as s:
        c = s.negotiated()
        good = os.path.join(s.tmpdir, "good")
        save(c, good)
        c.take_events()
        r = load(c, good)
        t.eq((r.error_class, r.error_desc),
             (GE, "Cannot update device state while vm is running"),
             "a load while running is refused with QEMU's text")
        t.eq(c.execute("query-status")["return"]["status"], "running",
             "still running after the refused load")
        c.execute("stop")
        c.take_events()
        t.check("return" in load(c, good), "a load while paused")
        t.eq(c.execute("query-status")["return"]["status"], "paused",
             "the run state stays paused")
        bad = os.path.join(s.tmpdir, "bad")
        with open(bad, "wb") as f:
            f.write(b"QEVM\x00\x00\x00\x02\x00")
        r = load(c, bad)
        t.check(r.error_class == GE and "obsolete" in (r.error_desc or ""),
                "a v2 file is refused", r.raw)
        with open(bad, "wb") as f:
            f.write(HEADER + b"\x04\x00\x00\x00\x01\x05nosuc\x00\x00\x00\x00"
                    b"\x00\x00\x00\x01\x00")
        r = load(c, bad)
        t.check(r.error_class == GE and "Unknown savevm section" in (r.error_desc or ""),
                "an unknown section is refused", r.raw)
        with open(bad, "wb") as f:
            f.write(HEADER)
        r = load(c, bad)
        t.check(r.error_class == GE and "truncated" in (r.error_desc or ""),
                "a file without EOF is refused", r.raw)
        r = load(c, os.path.join(s.tmpdir, "absent"))
        t.eq(r.error_class, GE, "a missing file is an error")
        after = os.path.join(s.tmpdir, "after")
        save(c, after)
        t.eq(open(after, "rb").read(), open(good, "rb").read(),
             "after the failed loads a save is byte-identical")
        c.close()


def test_thousand_cycles(t):
    with server(t, paused=True) as s:
        c = s.negotiated()
        target = os.path.join(s.tmpdir, "cycle")
        bad = 0
        for _ in range(1000):
            if "return" not in save(c, target, live=False):
                bad += 1
            if "return" not in load(c, target):
                bad += 1
        t.eq(bad, 0, "1000 save/load cycles in one process")
        c.close()


def second_daemon_exit(t, image):
    """Starts a second devmodeld on image; its exit status, or None if it
    is still running after 1 s (then it holds the image: it is stopped)."""
    d = tempfile.mkdtemp()
    p = subprocess.Popen([harness.devmodeld_path(), "--qmp",
                          "unix:%s/q.sock" % d, "--drive",
                          "file=%s,index=0,format=raw" % image],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        return p.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if p.poll() is None:
            p.terminate()
            p.wait(timeout=5)
        p.stderr.close()
        shutil.rmtree(d, ignore_errors=True)


def test_live_save_hands_images_over(t):
    if not t.only_devmodeld("devmodeld's image locks"):
        return
    d = tempfile.mkdtemp()
    image = os.path.join(d, "disk.img")
    with open(image, "wb") as f:
        f.truncate(1 << 20)
    try:
        with server(t, args=["--drive", "file=%s,index=0,format=raw" % image]) as s:
            c = s.negotiated()
            t.eq(second_daemon_exit(t, image), 1,
                 "a second daemon cannot open the image in use")
            c.execute("stop")
            target = os.path.join(s.tmpdir, "s")
            t.check("return" in save(c, target, live=False), "save, live=false")
            t.eq(second_daemon_exit(t, image), 1,
                 "after a non-live save the image stays locked")
            t.check("return" in save(c, target), "live save (the default)")
            t.check("return" in save(c, target), "a second live save works too")
            # The destination may now open the image; while it holds it,
            # this guest must not run.
            d2 = tempfile.mkdtemp()
            dest = subprocess.Popen(
                [harness.devmodeld_path(), "--qmp", "unix:%s/q.sock" % d2,
                 "--drive", "file=%s,index=0,format=raw" % image],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 5
                while not os.path.exists(d2 + "/q.sock") and time.monotonic() < deadline:
                    time.sleep(0.02)
                t.check(dest.poll() is None, "the destination opened the image")
                r = c.execute("cont")
                t.check(r.error_class == GE and "locked" in (r.error_desc or ""),
                        "cont refused while the destination holds the image", r.raw)
                t.eq(c.execute("query-status")["return"]["status"], "paused",
                     "still paused after the refused cont")
            finally:
                dest.terminate()
                dest.wait(timeout=5)
                shutil.rmtree(d2, ignore_errors=True)
            r = c.execute("cont")
            t.check("return" in r, "cont takes the image back", r.raw)
            t.eq(second_daemon_exit(t, image), 1,
                 "after cont the image is locked again")
            c.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    harness.Suite("test-state").main([
        test_save_to_path,
        test_save_while_running,
        test_libxl_fdset_sequence,
        test_named_fd,
        test_load_rules,
        test_thousand_cycles,
        test_live_save_hands_images_over,
    ])
