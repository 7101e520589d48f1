#!/usr/bin/env python3
"""Several QMP clients, several monitors, reconnects and real client styles.

QEMU serves one client per monitor at a time; devmodeld serves several at
once, each with its own negotiation state.  The libxl-like and qemu.qmp-like
sequences reproduce the ids, framing and connection patterns of those
clients (research/xen-toolstack.md §1.2, qmp-protocol.md §3.2).
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import harness
import qmpclient
from harness import server

LIBXL_ID = 0x786c7100


def first_type_key(msg):
    """What libxl's qmp_response_type sees: the first key naming a type."""
    for key in msg.keys():
        if key.lower() in ("qmp", "return", "error", "event"):
            return key
    return None


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


# ---------------------------------------------------------------- tests
def test_two_concurrent_clients(t):
    if not t.only_devmodeld("concurrent clients on one socket"):
        return
    with server(t) as s:
        a = s.client(name="A")
        b = s.client(name="B")
        t.check("QMP" in a.greeting(), "client A greeted")
        t.check("QMP" in b.greeting(), "client B greeted while A is connected")
        a.negotiate(id="a")
        r = b.execute("query-status", id="b1")
        t.eq(r.error_class, "CommandNotFound", "B still negotiating after A negotiated")
        b.negotiate(id="b")
        r = a.execute("query-status", id="a2")
        t.eq(r.get("id"), "a2", "A gets its own reply")
        r = b.execute("query-status", id="b2")
        t.eq(r.get("id"), "b2", "B gets its own reply")
        # interleaved pipelined traffic on both
        a.send_raw(b"".join(b'{"execute":"query-status","id":"a%d"}' % i for i in range(50)))
        b.send_raw(b"".join(b'{"execute":"query-version","id":"b%d"}' % i for i in range(50)))
        ra = [a.reply().get("id") for _ in range(50)]
        rb = [b.reply().get("id") for _ in range(50)]
        t.eq(ra, ["a%d" % i for i in range(50)], "A's pipelined replies, in order, only A's")
        t.eq(rb, ["b%d" % i for i in range(50)], "B's pipelined replies, in order, only B's")
        # events broadcast
        evs, _ = a.take_events(), b.take_events()
        a.execute("stop", id="s")
        t.eq([e.get("event") for e in a.take_events()], ["STOP"], "A (issuer) gets STOP")
        t.eq([e.get("event") for e in b.recv_expected(1)], ["STOP"], "B gets the STOP broadcast")
        b.execute("cont", id="c")
        t.eq([e.get("event") for e in b.take_events()], ["RESUME"], "B (issuer) gets RESUME")
        t.eq([e.get("event") for e in a.recv_expected(1)], ["RESUME"], "A gets RESUME from B's cont")
        # ten clients at once
        many = [s.client(name="c%d" % i) for i in range(10)]
        try:
            for c in many:
                c.greeting()
                c.negotiate()
            for i, c in enumerate(many):
                c.send_command("query-status", id=i)
            got = [c.reply().get("id") for c in many]
            t.eq(got, list(range(10)), "ten simultaneous negotiated clients each get their reply")
            a.execute("system_reset")
            seen = [[e.get("event") for e in c.recv_expected(1)] for c in many]
            t.eq(seen, [["RESET"]] * 10, "RESET broadcast to all ten")
        finally:
            for c in many:
                c.close()
        a.close()
        b.close()


def test_tcp_monitor(t):
    with server(t, qmp=0, tcp=1) as s:
        addr = s.qmp_addresses[0]
        c = qmpclient.QMPClient.connect_tcp(addr[1], addr[2], name="tcp")
        g = c.greeting()
        t.check("QMP" in g, "greeting over tcp:127.0.0.1:%d" % addr[2])
        c.negotiate()
        r = c.execute("query-status", id="tcp")
        t.check("return" in r and r.get("id") == "tcp", "query-status over TCP", r.raw)
        r = c.execute("getfd", {"fdname": "x"}, id=1)
        t.eq(r.error_desc, "No file descriptor supplied via SCM_RIGHTS", "getfd over TCP: no fd")
        c.close()
        c = qmpclient.QMPClient.connect_tcp(addr[1], addr[2], name="tcp2")
        t.check("QMP" in c.greeting(), "TCP reconnect gets a fresh greeting")
        c.close()


def test_two_monitors(t):
    with server(t, qmp=2) as s:
        a = s.client(0, name="mon0")
        b = s.client(1, name="mon1")
        a.greeting()
        b.greeting()
        a.negotiate()
        r = b.execute("query-status", id=1)
        t.eq(r.error_class, "CommandNotFound", "second monitor has its own negotiation")
        b.negotiate()
        a.execute("stop")
        t.eq([e.get("event") for e in a.take_events()], ["STOP"], "monitor 0 gets STOP")
        t.eq([e.get("event") for e in b.recv_expected(1)], ["STOP"], "monitor 1 gets STOP too")
        t.eq(b.execute("query-status").get("return", {}).get("status"), "paused",
             "both monitors see one VM")
        b.execute("cont")
        t.eq([e.get("event") for e in a.recv_expected(1)], ["RESUME"], "monitor 0 gets RESUME")
        a.close()
        b.close()
    if t.only_devmodeld("unix and tcp monitors together"):
        with server(t, qmp=1, tcp=1) as s:
            a = s.negotiated(0)
            b = s.negotiated(1)
            a.execute("stop")
            t.eq([e.get("event") for e in b.recv_expected(1)], ["STOP"],
                 "tcp monitor gets events caused on the unix monitor")
            a.close()
            b.close()


def test_reconnect(t):
    with server(t) as s:
        c = s.negotiated()
        c.execute("stop")
        c.close()
        c = s.client()
        g = c.greeting()
        t.check("QMP" in g, "reconnect gets a fresh greeting")
        r = c.execute("query-status", id=1)
        t.eq(r.error_class, "CommandNotFound", "reconnected client must negotiate again")
        c.negotiate()
        t.eq(c.execute("query-status").get("return", {}).get("status"), "paused",
             "VM state survives the client's disconnect")
        c.execute("cont")
        c.close()
        # a client that never reads the greeting and leaves at once
        for _ in range(5):
            raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            raw.settimeout(2)
            try:
                raw.connect(s.qmp_path)
            except OSError:
                pass
            raw.close()
        c = s.negotiated()
        t.check("return" in c.execute("query-status"), "server fine after drive-by connections")
        c.close()


def test_disconnect_mid_message(t):
    with server(t) as s:
        watcher = s.negotiated() if not t.is_qemu else None
        a = s.client(name="partial")
        a.greeting()
        a.send_raw(b'{"execute":"qmp_capabilities"}{"execute":"stop","id":')
        a.reply()
        a.close()
        if watcher is not None:
            t.eq(watcher.recv_all(quiet=0.3), [], "other client undisturbed by a half message")
            t.eq(watcher.execute("query-status", id=1).get("id"), 1, "other client still served")
        c = s.negotiated()
        c.send_raw(b'1}\n')
        got = c.recv_expected(1, quiet=0.3)
        t.check(all("error" in m for m in got) and not any(m.get("id") == 1 for m in got),
                "partial input of a closed client is not continued by the next one",
                [m.raw for m in got])
        t.eq(c.execute("query-status").get("return", {}).get("status"), "running",
             "the half-sent stop never ran")
        c.close()
        # A client that floods commands and leaves without reading (EPIPE / RST).
        for linger in (False, True):
            f = s.client(name="flood")
            f.greeting()
            f.negotiate()
            f.send_raw(b'{"execute":"query-commands"}' * 2000)
            if linger:
                f.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            f.close()
        time.sleep(0.2)
        t.check(s.alive(), "server alive after clients vanished with unread replies")
        if watcher is not None:
            r = watcher.execute("query-status", id=2)
            t.eq(r.get("id"), 2, "other client still served after the floods")
            watcher.close()
        c = s.negotiated()
        t.check("return" in c.execute("query-status"), "new client served after the floods")
        c.close()


def test_libxl_sequence(t):
    """libxl__ev_qmp: new connection per command, integer ids from 0x786c7100."""
    with server(t, paused=True) as s:
        seq = [("query-status", None), ("query-chardev", None), ("query-vnc", None),
               ("cont", None), ("query-cpus-fast", None), ("stop", None),
               ("xen-nonexistent", None), ("query-status", None)]
        results = []
        for cmd, args in seq:
            c = s.client(framing="crlf", name="libxl")
            try:
                g = c.greeting()
                q = g["QMP"]["version"]["qemu"]
                t.check((q["major"], q["minor"], q["micro"]) >= (2, 11, 0),
                        "libxl: greeting version >= 2.11 (live migration flag sent)")
                c.send_raw(qmpclient.command_bytes("qmp_capabilities", id=LIBXL_ID + 1))
                r = c.reply()
                t.check(first_type_key(r) == "return" and r.get("id") == LIBXL_ID + 1
                        and type(r.get("id")) is int,
                        "libxl: qmp_capabilities reply is 'return' with integer id", r.raw)
                c.send_raw(qmpclient.command_bytes(cmd, args, id=LIBXL_ID))
                r = c.reply()
                t.check(type(r.get("id")) is int and r.get("id") == LIBXL_ID,
                        "libxl: %s reply carries integer id 0x786c7100" % cmd, r.raw[:120])
                t.check(first_type_key(r) in ("return", "error"),
                        "libxl: %s reply classified as return/error" % cmd, r.raw[:120])
                if "error" in r:
                    t.check(isinstance(r["error"].get("class"), str)
                            and isinstance(r["error"].get("desc"), str),
                            "libxl: error has string class and desc", r.raw)
                results.append(r)
            finally:
                c.close()
        st = [r.get("return", {}).get("status") if isinstance(r.get("return"), dict) else None
              for r in results]
        t.eq(st[0], "prelaunch", "libxl: fresh -S device model reports prelaunch")
        t.eq(results[2].get("return", {}).get("enabled"), False, "libxl: query-vnc enabled false")
        t.eq(results[6].error_class, "CommandNotFound", "libxl: unknown command -> CommandNotFound")
        t.eq(st[7], "paused", "libxl: after stop the state is paused")
        # libxl's old synchronous client: ids 1, 2 per connection
        for i in range(3):
            c = s.client(name="libxl-sync")
            c.greeting()
            r = c.execute("qmp_capabilities", id=1)
            r2 = c.execute("cont" if i == 0 else "query-status", id=2)
            t.check(r.get("id") == 1 and r2.get("id") == 2 and "return" in r2,
                    "libxl sync client round %d (ids 1, 2)" % i, r2.raw)
            c.close()


def test_qemu_qmp_sequence(t):
    """qemu.qmp / qmp-shell: readline framing, no-id negotiation, __qmp#NNNNN ids."""
    with server(t) as s:
        c = s.client(framing="lf", name="qemu.qmp")
        g = c.greeting()
        t.check(isinstance(g["QMP"].get("version"), dict) and isinstance(
            g["QMP"].get("capabilities"), list), "qemu.qmp: greeting model accepted")
        caps = g["QMP"]["capabilities"]
        args = {"enable": ["oob"]} if "oob" in caps else {}
        c.send_json({"execute": "qmp_capabilities", "arguments": args})
        r = c.reply()
        t.eq(r.get("return"), {}, "qemu.qmp: negotiation without id")
        t.check("id" not in r, "qemu.qmp: id-less reply to an id-less command")
        r = c.execute("query-commands")
        names = [x["name"] for x in r.get("return", [])]
        t.check("query-status" in names, "qmp-shell: query-commands fills completion")
        ids = ["__qmp#%05d" % i for i in range(6)]
        cmds = ["query-status", "stop", "query-status", "cont", "nosuch", "query-version"]
        for i, cmd in zip(ids, cmds):
            c.send_json({"execute": cmd, "arguments": {}, "id": i})
        got = [c.reply() for _ in ids]
        t.eq([m.get("id") for m in got], ids, "qemu.qmp: replies routed by string id")
        t.eq([m.get("event") for m in c.take_events()], ["STOP", "RESUME"],
             "qemu.qmp: events queued separately")
        t.check(all("id" in m for m in got if "error" in m),
                "qemu.qmp: every error reply to an id'd command has an id")
        # qmp-shell -H start-up
        for line in ("help", "info"):
            r = c.execute("human-monitor-command", {"command-line": line, "cpu-index": 0}) \
                if not t.is_qemu else None
            if r is not None:
                t.check(isinstance(r.get("return"), str), "qmp-shell -H: %s returns a string" % line,
                        r.raw[:100])
        c.close()


def test_inherited_listening_fd(t):
    """libxl dm_restrict: --qmp-fd N with a connection already pending."""
    if not t.only_devmodeld("--qmp-fd"):
        return
    d = tempfile.mkdtemp(prefix="dmtest-fd-")
    path = os.path.join(d, "qmp-libxl-1")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(1)
    early = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    early.connect(path)       # libxl connects before it forks the device model
    c = qmpclient.QMPClient(early, name="dm_restrict")
    fd = lsock.fileno()
    errf = open(os.path.join(d, "stderr.log"), "wb")
    proc = subprocess.Popen([t.devmodeld, "--qmp-fd", str(fd), "-S", "--domid", "1"],
                            pass_fds=(fd,), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=errf,
                            preexec_fn=harness.die_with_parent)
    try:
        lsock.close()
        g = c.greeting(timeout=10)
        t.check("QMP" in g, "pending connection on the inherited socket is greeted")
        c.negotiate(id=LIBXL_ID + 1)
        r = c.execute("query-status", id=LIBXL_ID)
        t.eq(r.get("return", {}).get("status"), "prelaunch",
             "dm_restrict readiness: query-status prelaunch with -S")
        c.close()
        c2 = qmpclient.QMPClient.connect_unix(path, name="second")
        t.check("QMP" in c2.greeting(), "later connections accepted on the inherited socket")
        c2.close()
        proc.send_signal(signal.SIGHUP)
        try:
            rc = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        t.eq(rc, 0, "SIGHUP (libxl destroy) -> exit 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errf.close()
        c.close()
        shutil.rmtree(d, ignore_errors=True)


def test_many_short_connections(t):
    def cycle():
        c = s.client(name="short")
        try:
            c.greeting()
            c.negotiate(id=LIBXL_ID + 1)
            return c.execute("query-status", id=LIBXL_ID).get("id") == LIBXL_ID
        finally:
            c.close()

    with server(t) as s:
        # warm-up: whatever the daemon opens lazily (log sockets...) is open now
        for _ in range(5):
            cycle()
        time.sleep(0.1)
        before = open_fds(s.proc.pid)
        t0 = time.monotonic()
        n = 100
        ok = sum(1 for _ in range(n) if cycle())
        dt = time.monotonic() - t0
        t.eq(ok, n, "%d connect/negotiate/command/close cycles (%.0f ms total)" % (n, dt * 1000))
        if t.only_devmodeld("fd leak check"):
            deadline = time.monotonic() + 2.0
            after = open_fds(s.proc.pid)
            while after > before and time.monotonic() < deadline:
                time.sleep(0.02)
                after = open_fds(s.proc.pid)
            t.check(after <= before, "no fd leak after %d connections" % n,
                    "before %d, after %d" % (before, after))


def test_qtest_flood_does_not_stall_qmp(t):
    """A qtest client that writes without reading its replies must neither
    block the daemon nor make it buffer without bound."""
    if not t.only_devmodeld("qtest back-pressure"):
        return
    with server(t, qtest=True) as s:
        q = socket.socket(socket.AF_UNIX)
        q.connect(s.qtest_path)
        q.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 5.0
        try:
            while time.monotonic() < deadline:
                sent += q.send(b"endianness\n" * 1000)
        except BlockingIOError:
            pass
        t.check(sent > 0, "qtest client wrote %d bytes before the daemon "
                "stopped reading" % sent)
        t.check(time.monotonic() < deadline, "the daemon stopped reading a "
                "qtest client that does not read its replies")
        c = s.negotiated()
        r = c.execute("query-status", id="during-flood")
        t.check("return" in r, "QMP answers while the qtest client is stuck", r.raw)
        rss = int([l for l in open("/proc/%d/status" % s.proc.pid)
                   if l.startswith("VmRSS:")][0].split()[1])
        t.check(rss < 64 * 1024, "daemon memory stays bounded (%d KiB RSS)" % rss)
        q.close()
        c.close()


if __name__ == "__main__":
    harness.Suite("test-qmp-clients").main([
        test_two_concurrent_clients,
        test_tcp_monitor,
        test_two_monitors,
        test_reconnect,
        test_disconnect_mid_message,
        test_libxl_sequence,
        test_qemu_qmp_sequence,
        test_inherited_listening_fd,
        test_many_short_connections,
        test_qtest_flood_does_not_stall_qmp,
    ])
