#!/usr/bin/env python3
"""The test xenstored (tests/xenstored) against independent clients:
Debian's xenstore-utils programs through the real libxenstore
(XENSTORED_PATH=socket), and a raw xs_wire client for what the programs
cannot send: transactions that conflict, payload limits, malformed and
unknown messages, pipelined and split requests, clients that vanish.
Exit 0 pass, 1 fail, 77 skip (the server is not built).
"""

import random
import subprocess
import sys
import time

import harness
import xsclient
from xsclient import (DIRECTORY, DIRECTORY_PART, ERROR, GET_DOMAIN_PATH,
                      GET_PERMS, INTRODUCE, IS_DOMAIN_INTRODUCED, MKDIR, READ,
                      RM, SET_PERMS, TRANSACTION_END, TRANSACTION_START,
                      UNWATCH, WATCH, WATCH_EVENT, WRITE, XenstoredTest)

if xsclient.server_path() is None:
    print("SKIP: tests/xenstored/xenstored-test is not built")
    print("0 passed, 0 failed")
    sys.exit(harness.SKIP)

TOOLS = ("xenstore-read", "xenstore-write", "xenstore-ls", "xenstore-rm",
         "xenstore-list", "xenstore-chmod", "xenstore-watch",
         "xenstore-exists")


def err(name):
    return (ERROR, name.encode() + b"\0")


def run(xs, *argv, timeout=10):
    return subprocess.run(list(argv), env=xs.env(), capture_output=True,
                          timeout=timeout)


# ---------------------------------------------------------------- utils
def test_utils_basic(s):
    missing = [t for t in TOOLS if harness.which(t) is None]
    if missing:
        s.skip("xenstore-utils", "missing " + " ".join(missing))
        return
    with XenstoredTest() as xs:
        r = run(xs, "xenstore-write", "/vm/a/b", "hello", "/vm/c", "x y")
        s.eq(r.returncode, 0, "xenstore-write of two keys")
        r = run(xs, "xenstore-read", "/vm/a/b")
        s.eq((r.returncode, r.stdout), (0, b"hello\n"), "xenstore-read")
        r = run(xs, "xenstore-read", "/vm/a")
        s.eq(r.stdout, b"\n", "the parent was created with an empty value")
        r = run(xs, "xenstore-list", "/vm")
        s.eq(r.stdout, b"a\nc\n", "xenstore-list in creation order")
        r = run(xs, "xenstore-ls", "/vm")
        s.eq(r.stdout, b'a = ""\n b = "hello"\nc = "x y"\n', "xenstore-ls")
        r = run(xs, "xenstore-ls")
        s.check(r.stdout.startswith(b'tool = ""\n xenstored = ""\n'),
                "a fresh store has /tool/xenstored", r.stdout)
        r = run(xs, "xenstore-read", "/vm/none")
        s.check(r.returncode != 0 and b"couldn't read path" in r.stderr,
                "reading a missing node fails", r)
        r = run(xs, "xenstore-exists", "/vm/a")
        s.eq(r.returncode, 0, "xenstore-exists of a node")
        r = run(xs, "xenstore-exists", "/vm/none")
        s.check(r.returncode != 0, "xenstore-exists of a missing node fails")
        r = run(xs, "xenstore-chmod", "/vm/a", "r5", "b7")
        s.eq(r.returncode, 0, "xenstore-chmod")
        r = run(xs, "xenstore-ls", "-p", "/vm")
        s.check(b"(r5,b7)" in r.stdout and b"(n0)" in r.stdout,
                "xenstore-ls -p shows the permissions set and inherited",
                r.stdout)
        r = run(xs, "xenstore-write", "device-model/7/state", "running")
        r = run(xs, "xenstore-read", "/local/domain/0/device-model/7/state")
        s.eq(r.stdout, b"running\n",
             "a relative path lives under /local/domain/0")
        r = run(xs, "xenstore-rm", "/vm/a")
        s.eq(r.returncode, 0, "xenstore-rm")
        r = run(xs, "xenstore-list", "/vm")
        s.eq(r.stdout, b"c\n", "the subtree is gone")
        r = run(xs, "xenstore-rm", "/vm/none")
        s.eq(r.returncode, 0, "xenstore-rm of a missing node whose parent "
             "exists succeeds")
        r = run(xs, "xenstore-rm", "/none/none")
        s.check(r.returncode != 0, "xenstore-rm under a missing parent fails")
        names = ["n" * 200 + "%02d" % i for i in range(25)]
        args = []
        for n in names:
            args += ["/big/" + n, "v"]
        run(xs, "xenstore-write", *args)
        r = run(xs, "xenstore-list", "/big")
        s.eq(r.stdout.decode().split(), names,
             "xenstore-list of a directory over 4096 bytes "
             "(libxenstore falls back to DIRECTORY_PART)")
        s.eq(xs.stop(), (0, True, True),
             "SIGTERM: exit 0, socket and pidfile removed")


def test_utils_watch(s):
    if harness.which("xenstore-watch") is None:
        s.skip("xenstore-watch", "not installed")
        return
    with XenstoredTest() as xs:
        w = subprocess.Popen(["xenstore-watch", "-n", "3", "/w"], env=xs.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = w.stdout.readline()
            s.eq(line, b"/w\n", "xenstore-watch gets the initial event")
            run(xs, "xenstore-write", "/w/x", "1")
            run(xs, "xenstore-write", "/other", "1")
            run(xs, "xenstore-rm", "/w")
            out, _ = w.communicate(timeout=10)
            s.eq(out, b"/w/x\n/w\n",
                 "then the write below /w and the removal, nothing else")
            s.eq(w.returncode, 0, "xenstore-watch -n 3 exits 0")
        finally:
            if w.poll() is None:
                w.kill()
                w.wait()


# ---------------------------------------------------------------- raw
def test_read_write(s):
    with XenstoredTest() as xs:
        c = xs.conn()
        s.eq(c.request(READ, b"/tool/xenstored\0"), (READ, b""),
             "READ of an empty node: an empty payload, no NUL")
        c.send(READ, b"/missing\0", req_id=0x1234)
        s.eq(c.recv(), (ERROR, 0x1234, 0, b"ENOENT\0"),
             "ENOENT as its name with the NUL, req_id echoed")
        s.eq(c.request(WRITE, b"/x/y/z\0v\0al"), (WRITE, b"OK\0"),
             "WRITE answers OK with its NUL")
        s.eq(c.request(READ, b"/x/y/z\0"), (READ, b"v\0al"),
             "the value comes back byte for byte, NULs included")
        s.eq(c.request(DIRECTORY, b"/x\0"), (DIRECTORY, b"y\0"),
             "parents were created")
        s.eq(c.request(DIRECTORY, b"/x/y/z\0"), (DIRECTORY, b""),
             "DIRECTORY of a leaf is empty")
        s.eq(c.request(MKDIR, b"/x\0"), (MKDIR, b"OK\0"),
             "MKDIR of an existing node succeeds")
        c.request(MKDIR, b"/x/m\0")
        s.eq(c.request(DIRECTORY, b"/x\0"), (DIRECTORY, b"y\0m\0"),
             "MKDIR creates; children in creation order")
        s.eq(c.request(RM, b"/x/none\0"), (RM, b"OK\0"),
             "RM of a missing node whose parent exists: OK")
        s.eq(c.request(RM, b"/none/none\0"), err("ENOENT"),
             "RM under a missing parent: ENOENT")
        s.eq(c.request(RM, b"/\0"), err("EINVAL"), "RM of the root: EINVAL")
        s.eq(c.request(RM, b"/x\0"), (RM, b"OK\0"), "RM of a subtree")
        s.eq(c.request(READ, b"/x/y/z\0"), err("ENOENT"), "it is gone")
        s.eq(c.request(GET_DOMAIN_PATH, b"7\0"),
             (GET_DOMAIN_PATH, b"/local/domain/7\0"), "GET_DOMAIN_PATH")
        s.eq(c.request(IS_DOMAIN_INTRODUCED, b"0\0"),
             (IS_DOMAIN_INTRODUCED, b"T\0"), "dom0 is introduced")
        c.request(WRITE, b"rel/k\0v")
        s.eq(c.request(READ, b"/local/domain/0/rel/k\0"), (READ, b"v"),
             "relative paths resolve under /local/domain/0")


def test_malformed(s):
    with XenstoredTest() as xs:
        c = xs.conn()
        cases = [
            (READ, b"/tool", "a path without its NUL"),
            (READ, b"/tool\0/x\0", "two strings where one is expected"),
            (READ, b"", "an empty payload"),
            (READ, b"/a b\0", "a space in a path"),
            (READ, b"/a//b\0", "a double slash"),
            (READ, b"/a/\0", "a trailing slash"),
            (READ, b"@introduceDomain\0", "a special name outside WATCH"),
            (READ, b"/" + b"a" * 2048 + b"\0", "an absolute path over 2048"),
            (WRITE, b"/no-nul", "a WRITE without a NUL"),
            (WATCH, b"/w\0", "a WATCH without its token"),
            (SET_PERMS, b"/tool\0", "SET_PERMS without permissions"),
            (SET_PERMS, b"/tool\0q1\0", "an unknown permission letter"),
            (SET_PERMS, b"/tool\0r\0", "a permission without a domain"),
            (TRANSACTION_END, b"X\0", "TRANSACTION_END neither T nor F"),
        ]
        for type_, payload, what in cases:
            s.eq(c.request(type_, payload), err("EINVAL"), what + ": EINVAL")
        s.eq(c.request(READ, b"/local/domain/5/" + b"a" * 2048 + b"\0"),
             err("ENOENT"), "2048 characters below /local/domain/N/ are fine")
        c.send(99, b"", req_id=5, tx_id=0)
        s.eq(c.recv(), (ERROR, 5, 0, b"ENOSYS\0"), "an unknown type: ENOSYS")
        s.eq(c.request(WATCH_EVENT, b""), err("ENOSYS"),
             "WATCH_EVENT from a client: ENOSYS")
        s.eq(c.request(INTRODUCE, b"1\0" b"2\0" b"3\0"), err("ENOSYS"),
             "INTRODUCE (no domains here): ENOSYS")
        s.eq(c.request(READ, b"/tool\0", tx_id=42), err("ENOENT"),
             "an unknown transaction id: ENOENT")
        s.eq(c.request(READ, b"/tool\0"), (READ, b""),
             "the connection still works after all that")


def test_limits(s):
    with XenstoredTest() as xs:
        c = xs.conn()
        c.sock.sendall(xsclient.HEADER.pack(READ, 9, 0, 4097))
        try:
            first = c.recv()
            s.eq(first, (ERROR, 9, 0, b"E2BIG\0"),
                 "a header announcing 4097 bytes: E2BIG")
            c.recv()
            s.fail("the client is dropped after it")
        except EOFError:
            s.check(True, "the client is dropped after it")
        c.close()
        c = xs.conn()
        s.eq(c.request(WRITE, b"/big\0" + b"v" * (4096 - 5)), (WRITE, b"OK\0"),
             "a 4096-byte payload is accepted")
        name = b"n" * 200
        for i in range(25):
            c.request(MKDIR, b"/many/" + name + b"%02d\0" % i)
        s.eq(c.request(DIRECTORY, b"/many\0"), err("E2BIG"),
             "a DIRECTORY reply over 4096 bytes: E2BIG")
        children, off = b"", 0
        for _ in range(10):
            t, data = c.request(DIRECTORY_PART, b"/many\0%d\0" % off)
            gen, _, rest = data.partition(b"\0")
            if rest.endswith(b"\0\0") or rest == b"\0":
                children += rest[:-1]
                break
            children += rest
            off += len(rest)
        s.eq(len(children.split(b"\0")) - 1, 25,
             "DIRECTORY_PART pages through every child")
    with XenstoredTest(["--quota-entries", "5"]) as xs:
        c = xs.conn()
        s.eq(c.request(WRITE, b"/q/a\0x"), (WRITE, b"OK\0"),
             "with 5 entries allowed, two more nodes fit")
        s.eq(c.request(WRITE, b"/q/b\0x"), err("ENOSPC"), "a sixth: ENOSPC")
        s.eq(c.request(WRITE, b"/q/a\0y"), (WRITE, b"OK\0"),
             "rewriting an existing node still works")


def test_perms(s):
    with XenstoredTest() as xs:
        c = xs.conn()
        s.eq(c.request(GET_PERMS, b"/\0"), (GET_PERMS, b"n0\0"),
             "the root is n0")
        c.write("/p", "")
        s.eq(c.request(SET_PERMS, b"/p\0r5\0b7\0w0\0"), (SET_PERMS, b"OK\0"),
             "SET_PERMS")
        s.eq(c.request(GET_PERMS, b"/p\0"), (GET_PERMS, b"r5\0b7\0w0\0"),
             "GET_PERMS returns them exactly")
        c.write("/p/child", "")
        s.eq(c.request(GET_PERMS, b"/p/child\0"), (GET_PERMS, b"r5\0b7\0w0\0"),
             "a new child inherits its parent's permissions")
        s.eq(c.request(SET_PERMS, b"/none\0n0\0"), err("ENOENT"),
             "SET_PERMS of a missing node: ENOENT")
        s.eq(c.request(SET_PERMS, b"@releaseDomain\0n0\0"),
             (SET_PERMS, b"OK\0"), "SET_PERMS of @releaseDomain")


def test_watches(s):
    with XenstoredTest() as xs:
        a, b = xs.conn(), xs.conn()
        a.send(WATCH, b"/wa\0tok\0", req_id=3)
        s.eq(a.recv(), (WATCH, 3, 0, b"OK\0"), "WATCH answers OK first")
        s.eq(a.recv(), (WATCH_EVENT, 0, 0, b"/wa\0tok\0"),
             "then the initial event, req_id 0")
        s.eq(a.request(WATCH, b"/wa\0tok\0"), err("EEXIST"),
             "the same path and token again: EEXIST")
        b.write("/wa/x/y", "1")
        s.eq(a.event(), (b"/wa/x/y", b"tok"), "another client's write fires")
        b.write("/wab", "1")
        b.write("/wa", "2")
        s.eq(a.event(), (b"/wa", b"tok"), "/wab is not below /wa")
        a.request(WATCH, b"/wa/x/y\0deep\0")
        a.event()
        b.request(RM, b"/wa\0")
        got = [a.event() for _ in range(2)]
        s.eq(got, [(b"/wa/x/y", b"deep"), (b"/wa", b"tok")],
             "RM fires exact watches on removed nodes, children first, "
             "then the removed path")
        s.check(a.no_event(), "and nothing else")
        s.eq(a.request(UNWATCH, b"/wa\0tok\0"), (UNWATCH, b"OK\0"), "UNWATCH")
        s.eq(a.request(UNWATCH, b"/wa\0tok\0"), err("ENOENT"),
             "UNWATCH again: ENOENT")
        b.write("/wa", "3")
        s.check(a.no_event(), "no event after UNWATCH")
        a.request(WATCH, b"rel\0t2\0")
        s.eq(a.event(), (b"rel", b"t2"), "a relative watch: relative event")
        b.write("/local/domain/0/rel/k", "1")
        s.eq(a.event(), (b"rel/k", b"t2"), "later events are relative too")
        a.request(WATCH, b"@introduceDomain\0d\0")
        s.eq(a.event(), (b"@introduceDomain", b"d"),
             "@introduceDomain is accepted, with its initial event")
        a.request(WATCH, b"/\0root\0")
        a.event()
        b.request(SET_PERMS, b"/tool\0n0\0")
        s.eq(a.event(), (b"/tool", b"root"), "SET_PERMS fires watches")


def test_transactions(s):
    with XenstoredTest() as xs:
        a, b = xs.conn(), xs.conn()
        a.write("/t/k", "old")
        t, tid = a.request(TRANSACTION_START, b"\0")
        s.eq((t, tid), (TRANSACTION_START, b"1\0"),
             "TRANSACTION_START answers the id as a decimal string")
        tx = int(tid[:-1])
        s.eq(a.request(TRANSACTION_START, b"\0", tx_id=tx), err("EBUSY"),
             "no nested transaction: EBUSY")
        b.write("/t/k", "new")
        a.send(READ, b"/t/k\0", req_id=8, tx_id=tx)
        s.eq(a.recv(), (READ, 8, tx, b"old"),
             "the transaction sees its snapshot; tx_id echoed")
        a.write("/t/k", "mine", tx_id=tx)
        s.eq(b.read("/t/k"), b"new", "others do not see uncommitted writes")
        s.eq(a.request(TRANSACTION_END, b"T\0", tx_id=tx), err("EAGAIN"),
             "a commit after a conflicting change: EAGAIN")
        s.eq(b.read("/t/k"), b"new", "the failed commit changed nothing")
        s.eq(a.request(READ, b"/t/k\0", tx_id=tx), err("ENOENT"),
             "the transaction is gone after its end")

        b.request(WATCH, b"/t\0w\0")
        b.event()
        tx = int(a.request(TRANSACTION_START, b"\0")[1][:-1])
        a.write("/t/n", "1", tx_id=tx)
        a.request(RM, b"/t/k\0", tx_id=tx)
        s.check(b.no_event(), "no event before the commit")
        s.eq(a.request(TRANSACTION_END, b"T\0", tx_id=tx),
             (TRANSACTION_END, b"OK\0"), "a commit without conflict")
        s.eq([b.event(), b.event()], [(b"/t/n", b"w"), (b"/t/k", b"w")],
             "the events come at the commit")
        s.eq(b.request(DIRECTORY, b"/t\0"), (DIRECTORY, b"n\0"),
             "the changes are in")

        tx = int(a.request(TRANSACTION_START, b"\0")[1][:-1])
        a.write("/t/gone", "1", tx_id=tx)
        b.write("/unrelated", "1")
        s.eq(a.request(TRANSACTION_END, b"F\0", tx_id=tx),
             (TRANSACTION_END, b"OK\0"), "abort")
        s.eq(b.request(READ, b"/t/gone\0"), err("ENOENT"), "abort discards")
        s.eq(a.request(TRANSACTION_END, b"T\0"), err("ENOENT"),
             "TRANSACTION_END outside a transaction: ENOENT")


def test_streams(s):
    with XenstoredTest() as xs:
        c = xs.conn()
        batch = b"".join(c.pack(READ, b"/tool\0", req_id=i) for i in (1, 2, 3))
        batch += c.pack(READ, b"/missing\0", req_id=4)
        c.sock.sendall(batch)
        got = [c.recv()[:2] for _ in range(4)]
        s.eq(got, [(READ, 1), (READ, 2), (READ, 3), (ERROR, 4)],
             "pipelined requests are answered in order")
        msg = c.pack(WRITE, b"/slow\0value", req_id=7)
        for i in range(len(msg)):
            c.sock.sendall(msg[i:i + 1])
            time.sleep(0.002)
        s.eq(c.recv(), (WRITE, 7, 0, b"OK\0"), "a request sent byte by byte")
        d = xs.conn()
        d.sock.sendall(c.pack(WRITE, b"/half\0value")[:20])
        d.close()
        e = xs.conn()
        e.sock.sendall(c.pack(READ, b"/tool\0")[:10])
        e.close()
        time.sleep(0.1)
        s.eq(c.request(READ, b"/half\0"), err("ENOENT"),
             "clients gone mid-message leave nothing behind")
        conns = [xs.conn() for _ in range(20)]
        for i, k in enumerate(conns):
            k.send(WRITE, b"/many/%d\0x" % i)
        s.check(all(k.reply()[0] == WRITE for k in conns),
                "20 clients at once")
        s.check(xs.proc.poll() is None, "the server is still running")


def test_garbage(s):
    """Seeded random requests: every one is answered, nothing crashes."""
    rng = random.Random(7)
    words = [b"/", b"/a", b"/a/b", b"rel", b"@releaseDomain", b"T", b"F",
             b"1", b"n0", b"r5", b"", b"/a//b", b"x" * 3000]
    with XenstoredTest() as xs:
        c = xs.conn()
        answered = 0
        for i in range(600):
            type_ = rng.choice(list(range(24)) + [99, 0xffff])
            if type_ == WATCH_EVENT:
                type_ = READ
            parts = [rng.choice(words) for _ in range(rng.randint(0, 4))]
            payload = b"\0".join(parts)
            if rng.random() < 0.7:
                payload += b"\0"
            payload = payload[:4096]
            tx = rng.choice([0, 0, 0, 1, 2, 77])
            c.send(type_, payload, req_id=i, tx_id=tx)
            msg = c.reply()
            answered += msg[1] == i
        s.eq(answered, 600, "600 random requests, each answered with its "
             "req_id")
        s.eq(c.request(READ, b"/tool\0"), (READ, b""), "still serving")
        s.check(xs.proc.poll() is None, "the server is still running")


def main():
    s = harness.Suite("test-xenstored")
    s.main([test_utils_basic, test_utils_watch, test_read_write,
            test_malformed, test_limits, test_perms, test_watches,
            test_transactions, test_streams, test_garbage])


if __name__ == "__main__":
    main()
