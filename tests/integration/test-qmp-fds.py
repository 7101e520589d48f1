#!/usr/bin/env python3
"""File-descriptor passing over QMP: add-fd, remove-fd, query-fdsets, getfd, closefd.

The fds travel with SCM_RIGHTS in the three ways real clients send them:
on the first byte of the command (libxl), on a lone space before the
command (qemu.qmp send_fd_scm) and with the whole command (libqtest).
The server's own fd table (/proc/PID/fd) shows that the fd really arrived
and that it is closed again when the protocol says so.
"""

import os
import time

import harness
import qmpclient
from harness import server

GE = "GenericError"
NO_FD = "No file descriptor supplied via SCM_RIGHTS"
STYLES = ("first-byte", "space", "whole")


def send_with_fd(c, style, data, fds):
    if style == "first-byte":
        c.send_with_fds_first_byte(data, fds)
    elif style == "space":
        c.send_with_fds_space(data, fds)
    else:
        c.send_with_fds_whole(data, fds)


def cmd_bytes(cmd, args=None, id=None):
    return qmpclient.command_bytes(cmd, args, id=id if id is not None else cmd)


def server_fd_target(pid, fd):
    try:
        return os.readlink("/proc/%d/fd/%d" % (pid, fd))
    except OSError:
        return None


def held(pid, files):
    """How many fds of the server point at the files we passed.

    Counting only those (not all fds) keeps the checks exact while the server
    opens and closes sockets of other clients."""
    wanted = set(files.paths)
    n = 0
    try:
        entries = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return -1
    for e in entries:
        if server_fd_target(pid, int(e)) in wanted:
            n += 1
    return n


def wait_held(pid, files, expected, timeout=1.0):
    """held() once it equals expected, or its value after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        n = held(pid, files)
        if n == expected or time.monotonic() > deadline:
            return n
        time.sleep(0.01)


def fdsets(c):
    r = c.execute("query-fdsets", id="q")
    lst = r.get("return")
    if not isinstance(lst, list):
        return r.raw
    return sorted(lst, key=lambda x: x.get("fdset-id", -1))


def norm(sets):
    """fdsets with fds sorted, for order-insensitive comparison."""
    if not isinstance(sets, list):
        return sets
    return [{"fdset-id": s.get("fdset-id"),
             "fds": sorted(s.get("fds", []), key=lambda f: f.get("fd", -1))} for s in sets]


class Files:
    """A few temp files to pass; closed and removed at the end."""

    def __init__(self, directory, n):
        self.paths = [os.path.join(directory, "passed%d" % i) for i in range(n)]
        self.fds = [os.open(p, os.O_RDWR | os.O_CREAT, 0o600) for p in self.paths]

    def close(self):
        for fd in self.fds:
            os.close(fd)


# ---------------------------------------------------------------- tests
def test_add_fd_styles(t):
    with server(t) as s:
        pid = s.proc.pid
        files = Files(s.tmpdir, 4)
        try:
            c = s.negotiated()
            got = []
            for i, style in enumerate(STYLES):
                send_with_fd(c, style, cmd_bytes("add-fd", id=i), [files.fds[i]])
                r = c.reply()
                ret = r.get("return")
                t.check(isinstance(ret, dict) and sorted(ret) == ["fd", "fdset-id"]
                        and isinstance(ret["fd"], int) and isinstance(ret["fdset-id"], int),
                        "add-fd (%s) returns {fdset-id, fd}" % style, r.raw)
                if not isinstance(ret, dict):
                    continue
                got.append(ret)
                t.eq(ret.get("fdset-id"), i, "add-fd (%s) creates the lowest free fdset %d" % (style, i))
                t.eq(server_fd_target(pid, ret.get("fd", -1)), files.paths[i],
                     "add-fd (%s): server fd %s is the passed file" % (style, ret.get("fd")))
            t.eq(wait_held(pid, files, 3), 3, "server holds exactly the three passed fds")
            want = [{"fdset-id": g["fdset-id"], "fds": [{"fd": g["fd"]}]} for g in got]
            t.eq(norm(fdsets(c)), want, "query-fdsets lists the three sets")
            # explicit fdset-id, opaque, adding to an existing set
            send_with_fd(c, "first-byte", cmd_bytes("add-fd", {"fdset-id": 7, "opaque": "my pipe"}),
                         [files.fds[3]])
            r = c.reply()
            t.eq(r.get("return", {}).get("fdset-id"), 7, "add-fd with fdset-id 7")
            fd7 = r.get("return", {}).get("fd")
            send_with_fd(c, "whole", cmd_bytes("add-fd", {"fdset-id": 0}), [files.fds[3]])
            r = c.reply()
            t.eq(r.get("return", {}).get("fdset-id"), 0, "add-fd to the existing set 0")
            fd0b = r.get("return", {}).get("fd")
            t.check(fd0b not in [g["fd"] for g in got] + [fd7], "each add-fd gets its own server fd",
                    fd0b)
            want = norm([{"fdset-id": 0, "fds": [{"fd": got[0]["fd"]}, {"fd": fd0b}]},
                         {"fdset-id": 1, "fds": [{"fd": got[1]["fd"]}]},
                         {"fdset-id": 2, "fds": [{"fd": got[2]["fd"]}]},
                         {"fdset-id": 7, "fds": [{"fd": fd7, "opaque": "my pipe"}]}])
            t.eq(norm(fdsets(c)), want, "query-fdsets shape with opaque and a two-fd set")
            # next automatic id skips the used ones
            send_with_fd(c, "space", cmd_bytes("add-fd"), [files.fds[0]])
            r = c.reply()
            t.eq(r.get("return", {}).get("fdset-id"), 3, "automatic fdset-id is the lowest free (3)")
            c.close()
        finally:
            files.close()


def test_add_fd_errors(t):
    with server(t) as s:
        pid = s.proc.pid
        files = Files(s.tmpdir, 1)
        try:
            c = s.negotiated()
            r = c.execute("add-fd", id=1)
            t.eq((r.error_class, r.error_desc, r.get("id")), (GE, NO_FD, 1),
                 "add-fd without an fd -> No file descriptor supplied via SCM_RIGHTS")
            r = c.execute("add-fd", {"fdset-id": 3, "opaque": "x"}, id=2)
            t.eq((r.error_class, r.error_desc), (GE, NO_FD), "add-fd with arguments but no fd")
            send_with_fd(c, "first-byte", cmd_bytes("add-fd", {"fdset-id": -1}, id=3), [files.fds[0]])
            r = c.reply()
            t.eq((r.error_class, r.error_desc),
                 (GE, "Parameter 'fdset-id' expects a non-negative value"),
                 "add-fd with fdset-id -1 rejected (QEMU 7.2 text)")
            r = c.execute("add-fd", id=4)
            t.eq(r.error_desc, NO_FD, "the fd of a rejected add-fd is not kept for the next one")
            t.eq(wait_held(pid, files, 0), 0, "rejected add-fd leaves no fd open in the server")
            t.eq(fdsets(c), [], "no fdset after the failed add-fd calls")
            # remove-fd errors
            r = c.execute("remove-fd", {"fdset-id": 9}, id=5)
            t.eq(r.error_desc, "File descriptor named 'fdset-id:9' not found", "remove-fd unknown set")
            send_with_fd(c, "first-byte", cmd_bytes("add-fd"), [files.fds[0]])
            ret = c.reply().get("return", {})
            r = c.execute("remove-fd", {"fdset-id": ret.get("fdset-id"), "fd": 999}, id=6)
            t.eq(r.error_desc, "File descriptor named 'fdset-id:%s, fd:999' not found"
                 % ret.get("fdset-id"), "remove-fd unknown fd in an existing set")
            c.close()
        finally:
            files.close()


def test_remove_fd(t):
    with server(t) as s:
        pid = s.proc.pid
        files = Files(s.tmpdir, 3)
        try:
            c = s.negotiated()
            rets = []
            for i, fdset in enumerate((None, 0, None)):
                args = None if fdset is None else {"fdset-id": fdset}
                send_with_fd(c, STYLES[i], cmd_bytes("add-fd", args), [files.fds[i]])
                rets.append(c.reply().get("return", {}))
            t.eq([r.get("fdset-id") for r in rets], [0, 0, 1], "sets 0 (two fds) and 1")
            r = c.execute("remove-fd", {"fdset-id": 0, "fd": rets[0]["fd"]}, id=1)
            t.eq(r.get("return"), {}, "remove-fd one fd of set 0")
            t.eq(norm(fdsets(c)), norm([{"fdset-id": 0, "fds": [{"fd": rets[1]["fd"]}]},
                                        {"fdset-id": 1, "fds": [{"fd": rets[2]["fd"]}]}]),
                 "query-fdsets no longer lists the removed fd")
            t.check(server_fd_target(pid, rets[0]["fd"]) != files.paths[0],
                    "removed fd is closed in the server")
            r = c.execute("remove-fd", {"fdset-id": 0, "fd": rets[0]["fd"]}, id=2)
            t.eq(r.error_desc, "File descriptor named 'fdset-id:0, fd:%d' not found" % rets[0]["fd"],
                 "removing it twice -> not found")
            r = c.execute("remove-fd", {"fdset-id": 1}, id=3)
            t.eq(r.get("return"), {}, "remove-fd of a whole set")
            t.eq(norm(fdsets(c)), norm([{"fdset-id": 0, "fds": [{"fd": rets[1]["fd"]}]}]),
                 "whole set 1 gone")
            r = c.execute("remove-fd", {"fdset-id": 1}, id=4)
            t.eq(r.error_desc, "File descriptor named 'fdset-id:1' not found", "set 1 no longer exists")
            r = c.execute("remove-fd", {"fdset-id": 0, "fd": rets[1]["fd"]}, id=5)
            t.eq(fdsets(c), [], "removing the last fd of a set frees the set")
            t.eq(wait_held(pid, files, 0), 0, "all passed fds closed in the server")
            c.close()
        finally:
            files.close()


def test_fdset_freed_on_disconnect(t):
    with server(t) as s:
        pid = s.proc.pid
        files = Files(s.tmpdir, 2)
        try:
            watcher = s.negotiated() if not t.is_qemu else None
            c = s.negotiated()
            send_with_fd(c, "first-byte", cmd_bytes("add-fd"), [files.fds[0]])
            ret = c.reply().get("return", {})
            send_with_fd(c, "space", cmd_bytes("add-fd", {"fdset-id": 4}), [files.fds[1]])
            c.reply()
            if watcher is not None:
                t.eq(len(fdsets(watcher)), 2, "fdsets are visible to another client")
            c.close()
            if watcher is not None:
                deadline = time.monotonic() + 2.0
                seen = fdsets(watcher)
                while seen != [] and time.monotonic() < deadline:
                    time.sleep(0.02)
                    seen = fdsets(watcher)
                t.eq(seen, [], "fdsets freed when the creating client disconnects "
                     "(seen by a client still connected)")
                t.eq(wait_held(pid, files, 0), 0, "their fds are closed in the server")
                watcher.close()
            c = s.negotiated()
            t.eq(fdsets(c), [], "a new client sees no fdsets")
            t.check(server_fd_target(pid, ret.get("fd", -1)) != files.paths[0],
                    "the freed fd is closed in the server")
            c.close()
        finally:
            files.close()


def test_unconsumed_fd(t):
    with server(t) as s:
        pid = s.proc.pid
        files = Files(s.tmpdir, 2)
        try:
            c = s.negotiated()
            # an fd sent with an unrelated command waits for the next getfd (QEMU 7.2)
            send_with_fd(c, "space", cmd_bytes("query-status", id=1), [files.fds[0]])
            r = c.reply()
            t.check("return" in r, "command carrying an unused fd still answered", r.raw)
            r = c.execute("getfd", {"fdname": "later"}, id=2)
            t.eq(r.get("return"), {}, "getfd takes an fd sent earlier with another command")
            r = c.execute("closefd", {"fdname": "later"}, id=3)
            t.eq(r.get("return"), {}, "closefd of it")
            t.eq(wait_held(pid, files, 0), 0, "closefd closed the fd in the server")
            c.close()
            # an fd that is never consumed is closed when the client leaves
            c2 = s.negotiated()
            send_with_fd(c2, "first-byte", cmd_bytes("query-version"), [files.fds[1]])
            c2.reply()
            c2.close()
            time.sleep(0.2)
            c = s.negotiated()
            t.eq(wait_held(pid, files, 0), 0, "an unconsumed fd is closed on disconnect")
            c.close()
        finally:
            files.close()


def test_getfd_closefd(t):
    with server(t, qmp=2) as s:
        pid = s.proc.pid
        files = Files(s.tmpdir, 3)
        try:
            c = s.negotiated()
            r = c.execute("getfd", {"fdname": "nofd"}, id=1)
            t.eq((r.error_class, r.error_desc), (GE, NO_FD), "getfd without an fd")
            send_with_fd(c, "first-byte", cmd_bytes("getfd", {"fdname": "1abc"}, id=2), [files.fds[0]])
            r = c.reply()
            t.eq((r.error_class, r.error_desc),
                 (GE, "Parameter 'fdname' expects a name not starting with a digit"),
                 "getfd with a name starting with a digit")
            r = c.execute("getfd", {"fdname": "abc"}, id=3)
            t.eq(r.error_desc, NO_FD, "the fd of a rejected getfd is not kept (as QEMU 7.2)")
            for i, style in enumerate(STYLES):
                send_with_fd(c, style, cmd_bytes("getfd", {"fdname": "fd-%s" % style}, id=i),
                             [files.fds[i]])
                r = c.reply()
                t.eq((r.get("return"), r.get("id")), ({}, i), "getfd (%s) returns {}" % style)
            t.eq(wait_held(pid, files, 3), 3, "server holds the three named fds")
            send_with_fd(c, "whole", cmd_bytes("getfd", {"fdname": "fd-space"}), [files.fds[0]])
            t.eq(c.reply().get("return"), {}, "getfd with an existing name replaces it")
            t.eq(wait_held(pid, files, 3), 3, "the replaced fd is closed")
            t.eq(sum(1 for e in os.listdir("/proc/%d/fd" % pid)
                     if server_fd_target(pid, int(e)) == files.paths[1]), 0,
                 "no server fd left on the replaced file")
            r = c.execute("closefd", {"fdname": "fd-whole"}, id=10)
            t.eq(r.get("return"), {}, "closefd returns {}")
            r = c.execute("closefd", {"fdname": "fd-whole"}, id=11)
            t.eq((r.error_class, r.error_desc), (GE, "File descriptor named 'fd-whole' not found"),
                 "closefd twice -> not found")
            # named fds belong to the monitor, not the connection
            c.close()
            c = s.negotiated()
            r = c.execute("closefd", {"fdname": "fd-first-byte"}, id=12)
            t.eq(r.get("return"), {}, "named fd survives a reconnect to the same monitor")
            other = s.negotiated(1)
            r = other.execute("closefd", {"fdname": "fd-space"}, id=13)
            t.eq(r.error_desc, "File descriptor named 'fd-space' not found",
                 "named fds are per monitor (not visible on the second monitor)")
            r = c.execute("closefd", {"fdname": "fd-space"}, id=14)
            t.eq(r.get("return"), {}, "closefd on the owning monitor")
            t.eq(wait_held(pid, files, 0), 0, "every named fd closed again")
            other.close()
            c.close()
        finally:
            files.close()


def test_tcp_has_no_fds(t):
    with server(t, qmp=0, tcp=1) as s:
        c = s.negotiated()
        r = c.execute("add-fd", id=1)
        t.eq(r.error_desc, NO_FD, "add-fd on a TCP monitor -> no fd")
        c.close()


if __name__ == "__main__":
    harness.Suite("test-qmp-fds").main([
        test_add_fd_styles,
        test_add_fd_errors,
        test_remove_fd,
        test_fdset_freed_on_disconnect,
        test_unconsumed_fd,
        test_getfd_closefd,
        test_tcp_has_no_fds,
    ])
