#!/usr/bin/env python3
"""Crash safety of state files and disk images.

* SIGKILL during xen-save-devices-state, at many moments of the save
  (spread from before the command arrives to after the reply): the target
  is always either the old file or the complete new one, never a prefix.
  Temporary `.NAME.XXXXXX` files a killed save leaves behind are removed by
  the next save of the same target once they are 60 s old (docs/format.md).
* ENOSPC (a 64 KiB tmpfs, full) and write errors on handed-over fds
  (/dev/full through add-fd, a pipe whose reader has gone through getfd):
  a QMP error naming the file, the old file kept, the daemon alive (no
  SIGPIPE death).
* SIGKILL in the middle of a WRITE SECTORS through qtest: every sector whose
  512 bytes the guest had written is in the image (the image is written at
  each sector's completion, with cache=writeback as with writethrough),
  the sector in progress is not, and a restarted daemon reads them back.
"""

import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

import harness
import qmpclient
import qtestclient
from harness import server

GE = "GenericError"


def save(c, filename):
    return c.execute("xen-save-devices-state", {"filename": filename})


def press(c, key):
    c.execute("send-key", {"keys": [{"type": "qcode", "data": key}]})


def reference_saves(t):
    """(old, new): a fresh daemon's save, and one after a key press."""
    with server(t, paused=True) as s:
        c = s.negotiated()
        p = os.path.join(s.tmpdir, "ref")
        save(c, p)
        old = open(p, "rb").read()
        press(c, "a")
        save(c, p)
        new = open(p, "rb").read()
        c.close()
    return old, new


def test_kill_during_save(t):
    if not t.only_devmodeld("devmodeld's crash safety"):
        return
    old, new = reference_saves(t)
    t.check(old != new, "the two states save differently")
    # On the real disk (not tmpfs), so fsync takes real time.
    d = tempfile.mkdtemp(prefix="dmcrash-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    target = os.path.join(d, "state")
    rounds = 60 if not harness.VALGRIND else 12
    rng = random.Random(4242)
    seen = {"old": 0, "new": 0}
    bad = []
    try:
        for i in range(rounds):
            with open(target, "wb") as f:
                f.write(old)
            s = harness.Daemon(args=["-S"])
            try:
                c = s.negotiated()
                press(c, "a")
                c.send_raw(qmpclient.command_bytes(
                    "xen-save-devices-state", {"filename": target}, id=i))
                # 0 .. 3 ms: from before the command is read to after the
                # reply (a save with fsync takes about 1 ms here).
                time.sleep(rng.random() * 0.003 * harness.TIME_SCALE)
                s.proc.send_signal(signal.SIGKILL)
                s.wait()
                c.close()
            finally:
                s.cleanup()
            got = open(target, "rb").read()
            if got == old:
                seen["old"] += 1
            elif got == new:
                seen["new"] += 1
            else:
                bad.append((i, len(got)))
        t.eq(bad, [], "%d kills mid-save: the target is always the old or the "
             "new file (old %d, new %d)" % (rounds, seen["old"], seen["new"]))
        left = [n for n in os.listdir(d) if n != "state"]
        t.note("%d temporary files left by killed saves" % len(left))
        t.check(all(n.startswith(".state.") and len(n) == 13 for n in left),
                "only .state.XXXXXX temporaries are left", left)
        # The next save removes those older than 60 s, and nothing else.
        for n in left:
            os.utime(os.path.join(d, n), (time.time() - 120, time.time() - 120))
        keep = [".state.young1", ".state.ABCDEFG", ".other.ABCDEF", "state.ABCDEF"]
        for n in keep:
            p = os.path.join(d, n)
            open(p, "wb").close()
            if n != ".state.young1":
                os.utime(p, (time.time() - 120, time.time() - 120))
        with server(t, paused=True) as s:
            c = s.negotiated()
            t.check("return" in save(c, target), "a save after the crashes")
            c.close()
        t.eq(sorted(os.listdir(d)), sorted(keep + ["state"]),
             "the next save removed the stale temporaries, and only those")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def mount_tmpfs(t, d, size):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size,
                        "tmpfs", d], capture_output=True)
    return r.returncode == 0


def fill(d):
    """Fills the filesystem of d until ENOSPC."""
    fd = os.open(os.path.join(d, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_enospc(t):
    if not t.only_devmodeld("devmodeld's crash safety"):
        return
    d = tempfile.mkdtemp(prefix="dmenospc-")
    if not mount_tmpfs(t, d, "64k"):
        os.rmdir(d)
        t.skip("ENOSPC on a small tmpfs", "mount -t tmpfs refused (not root?)")
        return
    try:
        with server(t, paused=True) as s:
            c = s.negotiated()
            target = os.path.join(d, "state")
            t.check("return" in save(c, target), "a save while there is room")
            old = open(target, "rb").read()
            inplace = os.path.join(d, "inplace")
            with open(inplace, "wb") as f:
                f.write(b"X" * 4096)
            fill(d)
            press(c, "b")
            r = save(c, target)
            t.check(r.error_class == GE and target in (r.error_desc or "") and
                    "No space left" in (r.error_desc or ""),
                    "ENOSPC: a QMP error naming the file", r.raw)
            t.check(open(target, "rb").read() == old, "ENOSPC: the old file is kept")
            t.eq(sorted(os.listdir(d)), ["filler", "inplace", "state"],
                 "ENOSPC: no temporary file left")
            # In place through add-fd (libxl's way), at a position that
            # needs a new block: the blocks are reserved before the first
            # byte is written, so the file does not change at all.
            fd = os.open(inplace, os.O_WRONLY)
            try:
                os.lseek(fd, 4096, os.SEEK_SET)
                c.send_with_fds_first_byte(
                    qmpclient.command_bytes("add-fd", None, id=1), [fd])
                fdset = c.reply()["return"]["fdset-id"]
            finally:
                os.close(fd)
            name = "/dev/fdset/%d" % fdset
            r = save(c, name)
            t.check(r.error_class == GE and name in (r.error_desc or "") and
                    "No space left" in (r.error_desc or ""),
                    "ENOSPC through add-fd: an error naming it", r.raw)
            t.check(open(inplace, "rb").read() == b"X" * 4096,
                    "ENOSPC through add-fd: the file is unchanged")
            os.unlink(os.path.join(d, "filler"))
            t.check("return" in save(c, target), "a save once there is room again")
            t.check(open(target, "rb").read() != old, "and it wrote the new state")
            c.close()
    finally:
        subprocess.run(["umount", d], capture_output=True)
        os.rmdir(d)


def test_failing_fds(t):
    if not t.only_devmodeld("devmodeld's crash safety"):
        return
    with server(t, paused=True) as s:
        c = s.negotiated()
        fd = os.open("/dev/full", os.O_WRONLY)
        try:
            c.send_with_fds_first_byte(
                qmpclient.command_bytes("add-fd", None, id=1), [fd])
            fdset = c.reply()["return"]["fdset-id"]
        finally:
            os.close(fd)
        name = "/dev/fdset/%d" % fdset
        r = save(c, name)
        t.check(r.error_class == GE and name in (r.error_desc or "") and
                "No space left" in (r.error_desc or ""),
                "/dev/full: a QMP error naming the fd set", r.raw)
        for i in range(3):
            rd, wr = os.pipe()
            os.close(rd)
            try:
                c.send_with_fds_whole(qmpclient.command_bytes(
                    "getfd", {"fdname": "p%d" % i}, id=2), [wr])
                t.check("return" in c.reply(), "getfd of a pipe without reader")
            finally:
                os.close(wr)
            r = save(c, "fd:p%d" % i)
            t.check(r.error_class == GE and "fd:p%d" % i in (r.error_desc or "")
                    and "Broken pipe" in (r.error_desc or ""),
                    "EPIPE: a QMP error naming the fd, no SIGPIPE", r.raw)
        t.check(s.alive() and "return" in c.execute("query-status"),
                "the daemon is alive and answers after the failed writes")
        c.close()


# ---------------------------------------------------------------- IDE
SECTORS = 8
LBA = 40


def pattern(sector, word):
    return (sector * 977 + word * 13 + 0x1234) & 0xffff


def sector_bytes(sector):
    return b"".join(pattern(sector, w).to_bytes(2, "little") for w in range(256))


def write_sectors_then_kill(t, image, cache, k, extra_words):
    args = ["-S", "--drive", "file=%s,index=0,format=raw%s"
            % (image, ",cache=writethrough" if cache == "writethrough" else "")]
    s = harness.Daemon(args=args, qtest=True)
    try:
        q = qtestclient.QtestConn(s.qtest_path)
        q.sock.settimeout(harness.scaled(qtestclient.TIMEOUT))
        for req in ("outb 0x1f6 0xe0", "outb 0x1f2 0x%02x" % SECTORS,
                    "outb 0x1f3 0x%02x" % LBA, "outb 0x1f4 0x00",
                    "outb 0x1f5 0x00", "outb 0x1f7 0x30"):
            q.request(req)
        words = [pattern(LBA + n, w) for n in range(k) for w in range(256)]
        words += [pattern(LBA + k, w) for w in range(extra_words)]
        reqs = ["outw 0x1f0 0x%04x" % w for w in words]
        q.send("".join(r + "\n" for r in reqs))
        got = 0
        while got < len(reqs):
            line = q.readline()
            if line is None:
                raise harness.HarnessError("qtest EOF")
            if not line.startswith("IRQ "):
                got += 1
        s.proc.send_signal(signal.SIGKILL)
        s.wait()
        q.close()
    finally:
        s.cleanup()


def read_back(image, first, count):
    """The sectors as a restarted daemon's guest reads them."""
    s = harness.Daemon(args=["-S", "--drive", "file=%s,index=0,format=raw" % image],
                       qtest=True)
    try:
        q = qtestclient.QtestConn(s.qtest_path)
        for req in ("outb 0x1f6 0xe0", "outb 0x1f2 0x%02x" % count,
                    "outb 0x1f3 0x%02x" % first, "outb 0x1f4 0x00",
                    "outb 0x1f5 0x00", "outb 0x1f7 0x20"):
            q.request(req)
        out = b""
        for _ in range(count * 256):
            out += int(q.request("inw 0x1f0").split()[1], 16).to_bytes(2, "little")
        q.close()
        s.stop()
        return out
    finally:
        s.cleanup()


def test_kill_mid_ide_write(t):
    if not t.only_devmodeld("devmodeld's disk images"):
        return
    d = tempfile.mkdtemp(prefix="dmide-")
    image = os.path.join(d, "disk.img")
    old = bytes([0xee]) * 512
    try:
        for cache in ("writeback", "writethrough"):
            for k, extra in ((0, 100), (1, 0), (3, 255), (SECTORS - 1, 128)):
                with open(image, "wb") as f:
                    f.write(old * 128)
                write_sectors_then_kill(t, image, cache, k, extra)
                with open(image, "rb") as f:
                    f.seek(LBA * 512)
                    data = f.read(SECTORS * 512)
                want = b"".join(sector_bytes(LBA + n) for n in range(k))
                want += old * (SECTORS - k)
                t.check(data == want, "%s, killed after %d sectors + %d words: "
                        "sectors 0..%d written, the rest untouched"
                        % (cache, k, extra, k - 1),
                        [data[n * 512:n * 512 + 4].hex() for n in range(SECTORS)])
        t.eq(read_back(image, LBA, SECTORS), want,
             "a restarted daemon reads the completed sectors back")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    harness.Suite("test-crash").main([
        test_kill_during_save,
        test_enospc,
        test_failing_fds,
        test_kill_mid_ide_write,
    ])
