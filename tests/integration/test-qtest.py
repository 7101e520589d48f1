#!/usr/bin/env python3
"""The qtest front end over its real socket (--qtest unix:PATH).

Reply formats, malformed lines answered with FAIL on a connection that
stays up, unclaimed ports, pipelining and half-close, large replies, one
IRQ intercept at a time, and, when QEMU 7.2 (qemu-system-x86_64) is
installed, the same requests sent to QEMU's own qtest server: replies must
be equal where neither side has a device, and of the same format where
only values of devices we do not emulate differ.
"""

import base64
import os
import re
import socket
import subprocess
import tempfile
import shutil
import time

import harness
from harness import server
from qtestclient import QtestConn

TIMEOUT = 10.0


def qtest(s):
    return QtestConn(s.qtest_path)


def test_replies(t):
    if not t.only_devmodeld("qtest replies"):
        return
    with server(t, qtest=True) as s:
        q = qtest(s)
        for req, want in [
                ("endianness", "OK little"),
                ("inb 0x80", "OK 0x00ff"),
                ("inw 0x80", "OK 0xffff"),
                ("inl 0x80", "OK 0xffffffff"),
                ("inl 0xfffe", "OK 0xffff"),       # QEMU 7.2: past 0xffff reads 0
                ("outb 0x80 0x12", "OK"),
                ("outw 0x80 0x1234", "OK"),
                ("outl 0x80 0x12345678", "OK"),
                ("readb 0xfebff000", "OK 0x00000000000000ff"),
                ("readw 0xfebff000", "OK 0x000000000000ffff"),
                ("readl 0xfebff000", "OK 0x00000000ffffffff"),
                ("readq 0xfebff000", "OK 0xffffffffffffffff"),
                ("writeb 0xfebff000 1", "OK"),
                ("writeq 0xfebff000 0x1122334455667788", "OK"),
                ("read 0xfebff000 4", "OK 0xffffffff"),
                ("b64read 0xfebff000 3", "OK ////"),
                ("b64read 0xfebff000 0", "OK "),
                ("write 0xfebff000 2 0xabcd", "OK"),
                ("write 0xfebff000 2 0x", "ERR invalid argument size"),
                ("b64write 0xfebff000 3 AQID", "OK"),
                ("b64write 0xfebff000 3 AQ", "ERR invalid argument size"),
                ("memset 0xfebff000 16 0xaa", "OK"),
                ("clock_step", "FAIL cannot advance clock to the next deadline "
                               "because there is no pending deadline"),
                ("clock_step 1000", "FAIL could not advance time"),
                ("clock_set 1000", "FAIL 0"),
                ("irq_intercept_in /no/such/device", "FAIL Unknown device"),
                ("frobnicate", "FAIL Unknown command 'frobnicate'"),
                ("inb 0x80 extra words", "OK 0x00ff"),
        ]:
            t.eq(q.request(req), want, req)
        reply = q.request("read 0 0x100000")
        t.check(reply.startswith("OK 0x") and len(reply) == 5 + 2 * 0x100000,
                "read of 1 MiB: OK 0x and 2 MiB of hex", len(reply))
        q.close()


MALFORMED = [
    (b"\n", "FAIL empty request"),
    (b"inb 0x71\r\n", "FAIL request ends in \\r: end lines with \\n alone"),
    (b"readb  0x1000\n", "FAIL empty ADDR (two spaces in a row?)"),
    (b"readb zzz\n", "FAIL ADDR 'zzz' is not a number"),
    (b"readb 08\n", "FAIL ADDR '08' is not a number"),
    (b"inb 0x10000\n", "FAIL ADDR 0x10000 is above 0xffff"),
    (b"inb\n", "FAIL missing ADDR (inb ADDR)"),
    (b"read 0x1000 0\n", "FAIL SIZE 0: read needs at least one byte"),
    (b"read 0 0x200000\n", "FAIL size too large: SIZE 0x200000 is above 1048576"),
    (b"readq 0x10000000000000000\n",
     "FAIL ADDR '0x10000000000000000' does not fit in 64 bits"),
    (b"irq_intercept_in\n", "FAIL missing PATH (irq_intercept_in PATH)"),
    (b"set_irq_in ioapic foo 1 1\n", "FAIL NAME 'foo': only unnamed-gpio-in exists"),
    (b"write 0 2 0xzz\n", "FAIL DATA has 'z', not a hex digit"),
    (b"inb \x000x80\n", "FAIL request has a NUL byte"),
]


def test_malformed_lines_keep_connection(t):
    """Each of these killed QEMU 7.2 (or stored garbage); we answer FAIL."""
    if not t.only_devmodeld("qtest malformed lines"):
        return
    with server(t, qtest=True) as s:
        q = qtest(s)
        for raw, want in MALFORMED:
            q.send(raw)
            t.eq(q.readline(), want, "malformed %r" % raw)
            t.eq(q.request("endianness"), "OK little",
                 "connection still up after %r" % raw)
        q.send(b"x" * (3 * 1024 * 1024 + 10) + b"\n")
        t.eq(q.readline(), "FAIL line longer than 3145728 bytes", "over-long line")
        t.eq(q.request("inb 0x80"), "OK 0x00ff", "connection up after an over-long line")
        q.close()
        t.check(s.alive(), "daemon alive after malformed qtest input")


def test_pipelined_and_half_close(t):
    """A socat pipe: many requests, EOF, then every reply still arrives."""
    if not t.only_devmodeld("qtest pipelining"):
        return
    with server(t, qtest=True) as s:
        q = qtest(s)
        n = 300
        q.send("".join("inb 0x%x\n" % (0x80 + i % 4) for i in range(n)) +
               "read 0 0x100000\n" * 4 + "endianness\n")
        q.sock.shutdown(socket.SHUT_WR)
        replies = []
        while True:
            line = q.readline()
            if line is None:
                break
            replies.append(line)
        t.eq(len(replies), n + 5, "one reply per request after EOF")
        t.check(all(r == "OK 0x00ff" for r in replies[:n]), "inb replies in order")
        t.check(all(len(r) == 5 + 2 * 0x100000 for r in replies[n:n + 4]),
                "four 2 MiB replies, sent through the high-water mark")
        t.eq(replies[-1:], ["OK little"], "last reply")
        q.close()


def test_one_intercept_at_a_time(t):
    if not t.only_devmodeld("qtest IRQ intercept"):
        return
    with server(t, qtest=True) as s:
        a, b = qtest(s), qtest(s)
        t.eq(a.request("irq_intercept_in ioapic"), "OK", "first client intercepts")
        t.eq(a.request("irq_intercept_out ioapic"), "OK", "same device again: OK")
        t.eq(a.request("irq_intercept_in pic"), "FAIL IRQ intercept already enabled",
             "another controller on the same client")
        t.eq(b.request("irq_intercept_in ioapic"), "FAIL IRQ intercept already enabled",
             "second client while the first holds it")
        t.eq(a.transcript("set_irq_in ioapic unnamed-gpio-in 5 1"),
             ["IRQ raise 5", "OK"], "set_irq_in: the IRQ line precedes OK")
        t.eq(b.transcript("set_irq_in ioapic unnamed-gpio-in 5 0"), ["OK"],
             "lines go to the intercepting client only")
        t.eq(a.transcript("inb 0x80"), ["IRQ lower 5", "OK 0x00ff"],
             "a change caused elsewhere reaches the intercepting client")
        a.close()
        got = None
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            got = b.request("irq_intercept_in ioapic")
            if got == "OK":
                break
            time.sleep(0.02)
        t.eq(got, "OK", "the intercept is free once its client has gone")
        b.close()


def test_i8042_irq_lines(t):
    """QEMU 7.2 printed exactly this for the same sequence."""
    if not t.only_devmodeld("qtest with the i8042"):
        return
    with server(t, qtest=True) as s:
        q = qtest(s)
        if q.request("inb 0x64") == "OK 0x00ff":
            t.skip("i8042 IRQ lines", "no i8042 at port 0x64 in this build")
            q.close()
            return
        t.eq(q.request("irq_intercept_in ioapic"), "OK", "intercept")
        t.eq(q.transcript("outb 0x64 0xd2"), ["OK"], "write keyboard output buffer")
        t.eq(q.transcript("outb 0x60 0x12"), ["IRQ raise 1", "OK"],
             "IRQ 1 raised before the OK")
        t.eq(q.transcript("inb 0x60"), ["IRQ lower 1", "OK 0x0012"],
             "IRQ 1 lowered by the read, before its reply")
        q.close()


# ---------------------------------------------------------------- QEMU 7.2

# Neither side has a device here: the replies must be equal.
SAME = [
    "endianness", "inb 0x80", "inw 0x80", "inl 0x80", "inl 0xfffe",
    "inw 0xffff", "outb 0x80 0", "outw 0x80 0", "outl 0x80 0",
    "b64read 0xfebff000 0", "write 0xfebff000 2 0x", "b64write 0xfebff000 2 AA",
    "memset 0xfebff000 0 0", "memset 0xfebff000 4 0", "writeb 0xfebff000 1",
    "writeq 0xfebff000 1", "write 0xfebff000 2 0x1234",
    "b64write 0xfebff000 3 AQID", "frobnicate", "inb 0x80 extra",
    "irq_intercept_in no-such-device", "irq_intercept_in ioapic",
    "irq_intercept_out ioapic", "irq_intercept_in /machine/i440fx/ioapic",
    "set_irq_in ioapic unnamed-gpio-in 5 1",
    "set_irq_in ioapic unnamed-gpio-in 5 1",
    "set_irq_in ioapic unnamed-gpio-in 5 0",
]

# Unassigned memory reads 0 in QEMU and all ones here: same format only.
FORMAT = [
    ("readb 0xfebff000", r"OK 0x[0-9a-f]{16}"),
    ("readw 0xfebff000", r"OK 0x[0-9a-f]{16}"),
    ("readl 0xfebff000", r"OK 0x[0-9a-f]{16}"),
    ("readq 0xfebff000", r"OK 0x[0-9a-f]{16}"),
    ("read 0xfebff000 4", r"OK 0x[0-9a-f]{8}"),
    ("read 0xfebff001 3", r"OK 0x[0-9a-f]{6}"),
    ("b64read 0xfebff000 3", r"OK [A-Za-z0-9+/]{4}"),
    ("b64read 0xfebff000 5", r"OK [A-Za-z0-9+/]{7}="),
]


class QemuQtest:
    """QEMU 7.2 with a listening qtest socket: the qtest accelerator when
    the binary has it, else TCG kept paused (-S) so no timer runs."""

    def __init__(self):
        self.tmpdir = tempfile.mkdtemp(prefix="dmtest-qemu-qtest-")
        self.path = os.path.join(self.tmpdir, "qtest.sock")
        self.proc = None
        for accel in (["-machine", "pc,accel=qtest"],
                      ["-machine", "pc", "-accel", "tcg", "-S"]):
            argv = [harness.QEMU] + accel + [
                "-nodefaults", "-display", "none",
                "-qtest", "unix:%s,server=on,wait=off" % self.path]
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE,
                                         preexec_fn=harness.die_with_parent)
            if self._wait_socket():
                self.accel = accel
                return
            self.proc.kill()
            self.proc.wait()
        raise harness.HarnessError("QEMU did not start a qtest server")

    def _wait_socket(self):
        deadline = time.monotonic() + harness.START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if os.path.exists(self.path):
                return True
            time.sleep(0.02)
        return False

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def b64_len_ok(reply, n):
    try:
        return len(base64.b64decode(reply[3:], validate=True)) == n
    except ValueError:
        return False


def test_differential_qemu(t):
    if not t.only_devmodeld("qtest differential"):
        return
    if not harness.have_qemu():
        t.skip("differential qtest", "%s not installed" % harness.QEMU)
        return
    qemu = QemuQtest()
    try:
        t.note("QEMU qtest server: %s" % " ".join(qemu.accel))
        with server(t, qtest=True) as s:
            ours = qtest(s)
            theirs = QtestConn(qemu.path)
            for req in SAME:
                want = theirs.transcript(req)
                t.eq(ours.transcript(req), want, "as QEMU: %s" % req)
            for req, pattern in FORMAT:
                a, b = ours.request(req), theirs.request(req)
                t.check(re.fullmatch(pattern, a) and re.fullmatch(pattern, b),
                        "format as QEMU: %s" % req, "ours %r, QEMU %r" % (a, b))
                if req.startswith("b64read"):
                    n = int(req.split()[2])
                    t.check(b64_len_ok(a, n) and b64_len_ok(b, n),
                            "base64 of %d bytes: %s" % (n, req), (a, b))
            ours.close()
            theirs.close()
            t.check(qemu.proc.poll() is None, "QEMU still running (no request aborted it)")
    finally:
        qemu.close()


if __name__ == "__main__":
    harness.Suite("test-qtest").main([
        test_replies,
        test_malformed_lines_keep_connection,
        test_pipelined_and_half_close,
        test_one_intercept_at_a_time,
        test_i8042_irq_lines,
        test_differential_qemu,
    ])
