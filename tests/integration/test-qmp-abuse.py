#!/usr/bin/env python3
"""QMP under abuse: the daemon keeps serving, stays small and never aborts.

Each abuse runs while a well-behaved client (the "witness") keeps asking
query-status and must be answered within its timeout:

(sizes are a quarter under valgrind, still over every limit)
* garbage: 4 MiB of random bytes, and every byte value 0..255;
* nesting: 100,000 '[' then ']' (QEMU's and our limit is 1024), and
  8 MiB of '[' never closed;
* size: a 3 MiB string (the limit is 1 MiB of token text);
* slow writers: 16 clients that send half a command and then one byte a
  while, or nothing; one that sends 8 MiB of whitespace inside a message;
* churn: 500 connections opened and dropped (some mid-greeting, some with
  half a command, some reset), then 70 held open (64 is the per-monitor
  limit: the rest are closed without a greeting) and released;
* readers that leave: 200 clients that ask for query-commands or
  `info qtree`-size HMP output and close (some with a reset) before the
  reply, and one that asks for 20,000 replies and never reads them.

Afterwards VmRSS must be within a generous bound of its value before
(docs/qmp.md §1.5 lists the limits that keep it so), the daemon must
answer, and SIGTERM must end it with status 0.
"""

import os
import random
import select
import socket
import struct
import time

import harness
import qmpclient
from harness import server

GREETING_TIMEOUT = 5.0
# Volumes of the floods; a quarter under valgrind (still over every limit).
MIB = (1 << 18) if harness.VALGRIND else (1 << 20)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def asan(pid):
    """True if the daemon is an --enable-sanitizers build."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return "libasan" in f.read()
    except OSError:
        return False


def raw(s, negotiate=True):
    """A plain socket, greeted (and negotiated unless told otherwise).
    While the daemon is still busy with clients that already left (slow
    under valgrind) all 64 slots can be taken: then it tries again."""
    deadline = time.monotonic() + harness.scaled(GREETING_TIMEOUT)
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(harness.scaled(GREETING_TIMEOUT))
        sock.connect(s.qmp_path)
        buf = b""
        while b"\r\n" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
        if b"\r\n" in buf:
            break
        sock.close()
        if time.monotonic() > deadline:
            raise harness.HarnessError("no greeting")
        time.sleep(0.05)
    if negotiate:
        sock.sendall(b'{"execute":"qmp_capabilities"}')
        buf = b""
        while b"\r\n" not in buf:
            buf += sock.recv(4096)
    return sock


def reset(sock):
    """Closes with a TCP-style abort (SO_LINGER 0); on unix sockets a close."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def send_all_nonblocking(sock, data, witness, t, what, deadline_s=60.0):
    """Sends data while the witness keeps being served, reading what comes
    back; (all sent, the bytes received)."""
    sock.setblocking(False)
    got = bytearray()
    view = memoryview(data)
    deadline = time.monotonic() + harness.scaled(deadline_s)
    n = 0
    while view and time.monotonic() < deadline:
        # Errors come back; a client that does not read them is paused
        # after 1 MiB of them (back-pressure), so read as we go.
        r, w, _ = select.select([sock], [sock], [], 0.05)
        if r:
            try:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
            except BlockingIOError:
                pass
            except OSError:
                break
        if w:
            try:
                sent = sock.send(view[:65536])
                view = view[sent:]
            except BlockingIOError:
                pass
            except OSError:
                break      # the daemon closed it: fine for garbage
        n += 1
        if n % 64 == 0:
            witness_ok(t, witness, what, quiet=True)
    sock.setblocking(True)
    return not view, bytes(got)


WITNESS_FAILURES = []


def witness_ok(t, c, what, quiet=False):
    r = c.execute("query-status")
    ok = "return" in r
    if not ok:
        WITNESS_FAILURES.append((what, r.raw))
    if not quiet:
        t.check(ok, "%s: another client is still served" % what, r.raw)
    return ok


def drain_errors(sock, timeout=0.5):
    """Reads what the daemon has sent; returns the bytes (stops at EOF)."""
    sock.settimeout(harness.scaled(timeout))
    out = b""
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, OSError):
        pass
    return out


def usable(sock):
    """The connection still answers a command."""
    sock.settimeout(harness.scaled(5.0))
    sock.sendall(b'\x01{"execute":"query-status","id":"u"}\r\n')
    buf = b""
    try:
        while b'"id":"u"' not in buf:
            chunk = sock.recv(1 << 16)
            if not chunk:
                return False
            buf += chunk
    except OSError:
        return False
    return True


def abuse_garbage(t, s, w):
    rng = random.Random(7)
    g = raw(s)
    ok, _ = send_all_nonblocking(
        g, bytes(rng.getrandbits(8) for _ in range(4 * MIB)), w, t, "garbage")
    t.check(ok, "%d KiB of random bytes accepted without stalling" % (4 * MIB >> 10))
    drain_errors(g, 0.2)
    t.check(usable(g), "after the garbage (and a 0x01 resync) it answers again")
    g.close()
    g = raw(s, negotiate=False)
    send_all_nonblocking(g, bytes(range(256)) * 64, w, t, "bytes 0..255")
    g.close()
    witness_ok(t, w, "garbage")


def abuse_nesting(t, s, w):
    g = raw(s)
    g.sendall(b"[" * 100000 + b"]" * 100000)
    errs = drain_errors(g, 0.5)
    t.check(b"JSON nesting depth limit exceeded" in errs,
            "100,000 levels: the depth error", errs[:200])
    t.check(errs.count(b"\r\n") <= 2, "only one error for one oversized value",
            errs.count(b"\r\n"))
    t.check(usable(g), "the nesting client is served after its error")
    ok, _ = send_all_nonblocking(g, b"[" * (8 * MIB), w, t, "8 MiB of '['")
    t.check(ok, "%d KiB of unclosed '[' are consumed while others are served"
            % (8 * MIB >> 10))
    g.close()
    witness_ok(t, w, "nesting")


def abuse_size(t, s, w):
    g = raw(s)
    msg = b'{"execute":"query-status","id":"' + b"x" * (3 << 20) + b'"}'
    ok, errs = send_all_nonblocking(g, msg, w, t, "3 MiB string")
    t.check(ok, "a 3 MiB message is consumed")
    errs += drain_errors(g, 0.5)
    t.check(b"JSON token size limit exceeded" in errs, "the size error", errs[:200])
    t.check(usable(g), "the client is served after an over-limit message")
    g.close()
    witness_ok(t, w, "over-limit message")


def abuse_slow_writers(t, s, w):
    slow = []
    for i in range(16):
        g = raw(s)
        g.sendall(b'{"execute":"query-status","arguments":{"a":"' if i % 2 else b'{"exec')
        slow.append(g)
    for _ in range(20):
        for g in slow[::2]:
            g.sendall(b"z")
        witness_ok(t, w, "slow writers", quiet=True)
    witness_ok(t, w, "16 clients holding half a message")
    ws = raw(s)
    ws.sendall(b'{"execute":"query-status", ')
    ok, _ = send_all_nonblocking(ws, b" " * (8 * MIB), w, t, "whitespace")
    t.check(ok, "%d KiB of whitespace inside a message are consumed"
            % (8 * MIB >> 10))
    ws.sendall(b'"id":"ws"}')
    t.check(b'"id":"ws"' in drain_errors(ws, 1.0),
            "and the message is then answered")
    ws.close()
    for g in slow:
        reset(g)
    witness_ok(t, w, "slow writers gone")


def abuse_churn(t, s, w):
    rng = random.Random(11)
    for i in range(500):
        g = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        g.settimeout(harness.scaled(GREETING_TIMEOUT))
        try:
            g.connect(s.qmp_path)
            kind = i % 4
            if kind == 1:
                g.recv(10)
            elif kind == 2:
                g.sendall(b'{"execute":"qmp_capabilities"}{"execute":"query-')
            elif kind == 3:
                g.sendall(bytes(rng.getrandbits(8) for _ in range(64)))
        except OSError:
            pass
        finally:
            reset(g) if i % 3 == 0 else g.close()
        if i % 100 == 99:
            witness_ok(t, w, "churn", quiet=True)
    witness_ok(t, w, "500 connections opened and dropped")
    time.sleep(0.2 * harness.TIME_SCALE)   # let it notice the last ones
    held = []
    refused = 0
    for _ in range(70):
        g = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        g.settimeout(harness.scaled(GREETING_TIMEOUT))
        g.connect(s.qmp_path)
        try:
            if not g.recv(4096):
                refused += 1
        except OSError:
            refused += 1
        held.append(g)
    # 64 per monitor, the witness is one of them.
    t.eq(refused, 70 - 63, "clients past the 64th are closed without a greeting")
    for g in held:
        g.close()
    time.sleep(0.1 * harness.TIME_SCALE)
    g = raw(s)
    t.check(usable(g), "a new client is served once the others left")
    g.close()


def abuse_readers_leaving(t, s, w):
    cmds = [b'{"execute":"query-commands"}',
            b'{"execute":"query-qmp-schema"}',
            b'{"execute":"human-monitor-command","arguments":{"command-line":"info qtree"}}',
            b'{"execute":"human-monitor-command","arguments":{"command-line":"help"}}']
    for i in range(200):
        g = raw(s)
        g.sendall(cmds[i % len(cmds)] * 8)
        reset(g) if i % 2 else g.close()
        if i % 50 == 49:
            witness_ok(t, w, "readers leaving", quiet=True)
    witness_ok(t, w, "200 clients gone before their replies")
    g = raw(s)
    g.setblocking(False)
    sent = 0
    for _ in range(20000):
        try:
            g.send(b'{"execute":"query-commands"}')
            sent += 1
        except BlockingIOError:
            break
    t.note("a client that never reads got %d requests in" % sent)
    witness_ok(t, w, "a client that never reads its replies")
    reset(g)
    witness_ok(t, w, "that client gone")


def test_abuse(t):
    if not t.only_devmodeld("devmodeld's limits"):
        return
    with server(t, paused=True) as s:
        w = s.negotiated()
        witness_ok(t, w, "start")
        pid = s.proc.pid
        before = rss_kib(pid)
        for abuse in (abuse_garbage, abuse_nesting, abuse_size,
                      abuse_slow_writers, abuse_churn, abuse_readers_leaving):
            t.note("--- " + abuse.__name__)
            abuse(t, s, w)
            t.check(s.alive(), "%s: the daemon is alive" % abuse.__name__,
                    s.stderr_text()[-1500:])
            t.note("VmRSS %d KiB" % rss_kib(pid))
        after = rss_kib(pid)
        bound = 256 * 1024 if harness.VALGRIND else 48 * 1024
        t.note("VmRSS before %d KiB, after %d KiB (bound +%d KiB)"
               % (before, after, bound))
        if asan(pid):
            # ASan keeps freed blocks in a 256 MiB quarantine, by design.
            t.skip("memory stays bounded", "not measurable under ASan")
        else:
            t.check(after - before <= bound, "memory stays bounded",
                    "%d -> %d KiB" % (before, after))
        t.eq(WITNESS_FAILURES, [], "the witness was answered every time")
        witness_ok(t, w, "end")
        w.close()


if __name__ == "__main__":
    harness.Suite("test-qmp-abuse").main([test_abuse])
