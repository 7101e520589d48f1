#!/usr/bin/env python3
"""libxl 4.17's conversations with its device model, replayed byte for
byte against devmodeld (research/xen-toolstack.md §1).

The client below is libxl's, not ours: compact commands with the keys in
the order execute, id, arguments, each ended by CR LF; ids from
0x786c7100 (the user's command is prepared before qmp_capabilities, so it
gets the first id); one command outstanding; a reply must carry that id as
a JSON integer; events are skipped; messages are split on CR LF; an fd
travels with SCM_RIGHTS on the first byte of its command.  The old
synchronous client opens one connection per command (ids 1 and 2).

The daemon is started with the QEMU-style argument vector libxl builds.
When the test xenstored is built, the daemon uses it (XENSTORED_PATH) and
the create and restore steps wait for the ready key as libxl does;
otherwise they wait for the socket.  The physmap is test-xen.py's.
"""

import array
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import harness
import xsclient

DOMID = 7
FIRST_ID = 0x786C7100
TIMEOUT = 10.0
VRAM_MB = 8

# libxl's commands that devmodeld does not have: each must answer
# CommandNotFound so that libxl takes its fallback (or reports the error).
NOT_IMPLEMENTED = [
    ("query-hotpluggable-cpus", None),
    ("device_add", {"id": "cpu-1", "driver": "qemu32-i386-cpu",
                    "socket-id": 1, "core-id": 0, "thread-id": 0}),
    ("cpu-add", {"id": 1}),
    ("system_wakeup", None),
    ("eject", {"id": "ide-5"}),
    ("blockdev-change-medium", {"id": "ide-5", "filename": "/dev/fdset/3",
                                "format": "raw"}),
    ("change", {"device": "ide-5", "target": "/x.iso", "arg": "raw"}),
    ("nbd-server-start", {"addr": {"type": "inet",
                                   "data": {"host": "127.0.0.1",
                                            "port": "8888"}}}),
    ("nbd-server-add", {"device": "colo-disk", "writable": True}),
    ("nbd-server-stop", None),
    ("x-blockdev-change", {"parent": "colo-disk", "child": "children.1"}),
]


class LibxlError(Exception):
    """What libxl would report as ERROR_PROTOCOL_ERROR_QMP and friends."""


def prepare_cmd(cmd, id_, args=None):
    """qmp_prepare_cmd: compact, execute then id then arguments, CR LF."""
    text = '{"execute":%s,"id":%d' % (json.dumps(cmd), id_)
    if args is not None:
        text += ',"arguments":' + json.dumps(args, separators=(",", ":"))
    return (text + "}\r\n").encode()


def response_type(msg):
    """qmp_response_type: the first key, in order, that names a type."""
    for key in msg:
        if key.lower() in ("qmp", "return", "error", "event"):
            return key.lower()
    raise LibxlError("message of no known type: %r" % (msg,))


class Framer:
    """Splits the receive buffer on CR LF (memmem), as both clients do."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.raw = []   # every message as received, for byte checks

    def next(self, deadline):
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LibxlError("timeout waiting for a message")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise LibxlError("EOF from the device model")
            self.buf += data
            if len(self.buf) > 1 << 20:
                raise LibxlError("ERROR_BUFFERFULL")
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.raw.append(line)
        return json.loads(line, object_pairs_hook=dict)


class EvQmp:
    """libxl__ev_qmp: no connect retry, one command at a time."""

    def __init__(self, path=None, sock=None):
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)      # ENOENT/ECONNREFUSED fail at once
        self.sock = sock
        self.framer = Framer(sock)
        self.next_id = FIRST_ID
        self.version = None
        self.connected = False
        self.events = 0

    def close(self):
        self.sock.close()

    def _send(self, data, fd=None):
        if fd is None:
            self.sock.sendall(data)
            return
        # libxl__sendmsg_fds: the fd rides on the first byte only.
        fds = array.array("i", [fd])
        sent = self.sock.sendmsg([data[:1]], [(socket.SOL_SOCKET,
                                               socket.SCM_RIGHTS, fds)])
        if sent != 1:
            raise LibxlError("sendmsg sent %d bytes" % sent)
        self.sock.sendall(data[1:])

    def _wait_reply(self, id_):
        deadline = time.monotonic() + TIMEOUT
        while True:
            msg = self.framer.next(deadline)
            kind = response_type(msg)
            if kind == "event":
                self.events += 1
                continue
            if kind == "qmp":
                raise LibxlError("greeting in state connected")
            if "id" not in msg:
                raise LibxlError("reply without id: %r" % (msg,))
            if type(msg["id"]) is not int or msg["id"] != id_:
                raise LibxlError("reply id %r, expected %d" % (msg["id"], id_))
            if kind == "error":
                err = msg["error"]
                if "class" not in err or "desc" not in err:
                    raise LibxlError("error without class/desc: %r" % (msg,))
            return kind, msg[kind]

    def _handshake(self):
        deadline = time.monotonic() + TIMEOUT
        greeting = self.framer.next(deadline)
        if response_type(greeting) != "qmp":
            raise LibxlError("first message is not the greeting")
        v = greeting["QMP"]["version"]["qemu"]
        self.version = (v["major"], v["minor"], v["micro"])
        id_ = self.next_id
        self.next_id += 1
        self._send(prepare_cmd("qmp_capabilities", id_))
        kind, _ = self._wait_reply(id_)
        if kind != "return":
            raise LibxlError("qmp_capabilities failed")
        self.connected = True

    def send(self, cmd, args=None, fd=None):
        """One command; returns ("return", value) or ("error", {...})."""
        id_ = self.next_id          # prepared before qmp_capabilities
        self.next_id += 1
        if not self.connected:
            self._handshake()
        self._send(prepare_cmd(cmd, id_, args), fd)
        return self._wait_reply(id_)


def sync_command(path, cmd, args=None):
    """The old client: connect (retrying 6 s), greeting, caps id 1,
    the command id 2, close.  Returns (kind, value, raw messages)."""
    deadline = time.monotonic() + 6
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        framer = Framer(sock)
        framer.next(time.monotonic() + 5)
        for id_, c, a in ((1, "qmp_capabilities", None), (2, cmd, args)):
            sock.sendall(prepare_cmd(c, id_, a))
            while True:
                msg = framer.next(time.monotonic() + 5)
                kind = response_type(msg)
                if kind != "event":
                    break
            if msg.get("id") != id_:
                raise LibxlError("sync reply id %r, expected %d"
                                 % (msg.get("id"), id_))
            if kind == "error" and c == "qmp_capabilities":
                raise LibxlError("qmp_capabilities failed")
        return kind, msg[kind], framer.raw
    finally:
        sock.close()


# ---------------------------------------------------------------- the DM
class Env:
    """/var/run/xen and /var/lib/xen in a temporary directory, and the
    test xenstored when it is built."""

    def __init__(self, suite):
        self.suite = suite
        self.dir = tempfile.mkdtemp(prefix="dmtest-libxl.")
        self.run = os.path.join(self.dir, "run")
        self.lib = os.path.join(self.dir, "lib")
        os.mkdir(self.run)
        os.mkdir(self.lib)
        self.qmp = os.path.join(self.run, "qmp-libxl-%d" % DOMID)
        self.stat = os.path.join(self.run, "qmp-libxenstat-%d" % DOMID)
        self.disk = os.path.join(self.lib, "disk,1.img")
        with open(self.disk, "wb") as f:
            f.truncate(1 << 20)
        self.vram = os.path.join(self.lib, "vram")
        self.xs = None
        if xsclient.server_path() is not None:
            try:
                self.xs = xsclient.XenstoredTest()
            except RuntimeError as exc:
                suite.note("no test xenstored: %s" % exc)
        self.procs = []
        self.valgrind_logs = {}
        self.saved_physmap = []

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                if harness.VALGRIND:
                    # SIGTERM, so that memcheck reports at exit.
                    p.terminate()
                    try:
                        p.wait(timeout=harness.scaled(10))
                    except subprocess.TimeoutExpired:
                        pass
                if p.poll() is None:
                    p.kill()
                    p.wait()
            if p.returncode == 99 and harness.VALGRIND:
                log = self.valgrind_logs.get(p.pid)
                self.suite.fail("valgrind found errors in a devmodeld run",
                                open(log).read()[-6000:] if log else "")
        if self.xs is not None:
            self.xs.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def argv(self, incoming=None, restrict_fd=None):
        """libxl__build_device_model_args_new's vector, in its order."""
        args = [self.suite.devmodeld, "-xen-domid", str(DOMID),
                "-no-shutdown"]
        if restrict_fd is None:
            args += ["-chardev",
                     "socket,id=libxl-cmd,path=%s,server=on,wait=off"
                     % self.qmp]
        else:
            args += ["-chardev",
                     "socket,id=libxl-cmd,fd=%d,server=on,wait=off"
                     % restrict_fd]
        args += ["-mon", "chardev=libxl-cmd,mode=control",
                 "-chardev",
                 "socket,id=libxenstat-cmd,path=%s,server=on,wait=off"
                 % self.stat,
                 "-mon", "chardev=libxenstat-cmd,mode=control",
                 "-nodefaults", "-no-user-config", "-name", "guest%d" % DOMID,
                 "-vnc", "none", "-display", "none",
                 "-device", "cirrus-vga,vgamem_mb=%d" % VRAM_MB,
                 "-boot", "order=cd", "-smp", "2,maxcpus=2", "-net", "none",
                 "-machine", "xenfv,suppress-vmdesc=on", "-m", "1016",
                 "-drive", "file=%s,if=ide,index=0,media=disk,format=raw,"
                 "cache=writeback" % self.disk.replace(",", ",,")]
        if restrict_fd is not None:
            args += ["-S"]
        if incoming is not None:
            args += ["-incoming", incoming]
        # Ours: VRAM in a file (libxc restores it in real Xen), the qtest
        # front end to play the guest, the store.
        args += ["--vram-path", self.vram,
                 "--qtest", "unix:" + os.path.join(self.dir, "qtest.sock"),
                 "--xenstore", "xs" if self.xs else "embedded"]
        return args

    def spawn(self, argv, pass_fds=()):
        env = dict(os.environ)
        env["XEN_DOMAIN_ID"] = str(DOMID)
        if self.xs is not None:
            env = dict(self.xs.env(), XEN_DOMAIN_ID=str(DOMID))
        err = open(os.path.join(self.dir, "dm.err"), "ab")
        log = None
        if harness.VALGRIND:
            log = os.path.join(self.dir, "valgrind-%d.log" % len(self.procs))
            argv = [harness.VALGRIND_WRAPPER, log] + list(argv)
        p = subprocess.Popen(argv, stderr=err, pass_fds=pass_fds, env=env,
                             preexec_fn=harness.die_with_parent)
        err.close()
        self.procs.append(p)
        self.valgrind_logs[p.pid] = log
        return p

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "dm.err"), "rb") as f:
                return f.read().decode(errors="replace")[-1500:]
        except OSError:
            return ""

    def wait_ready(self, proc, key=True):
        """libxl's device_model_confirm: the state key says running
        (with the test xenstored), else the socket exists."""
        deadline = time.monotonic() + TIMEOUT
        if self.xs is None or not key:
            while not (os.path.exists(self.qmp) and os.path.exists(self.stat)):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise LibxlError("DM did not start: " + self.stderr())
                time.sleep(0.02)
            return
        conn = self.xs.conn()
        key = "/local/domain/0/device-model/%d/state" % DOMID
        try:
            conn.request(xsclient.WATCH, key.encode() + b"\0dm\0")
            while True:
                try:
                    if conn.read(key).rstrip(b"\0") == b"running":
                        return
                except xsclient.XsError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise LibxlError("no ready key: " + self.stderr())
                if not conn.no_event(0.1):
                    conn.event()
        finally:
            conn.close()

    def stop(self, proc):
        """libxl's destroy: SIGHUP, then xs_rm of the DM's directory;
        returns the exit status."""
        proc.send_signal(signal.SIGHUP)
        try:
            rc = proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = "timeout"
        if self.xs is not None:
            conn = self.xs.conn()
            try:
                conn.request(xsclient.RM, b"/local/domain/0/device-model/%d\0"
                             % DOMID)
            finally:
                conn.close()
        return rc

    def physmap_save(self):
        """libxl__save_emulator_xenstore_data: every physmap entry's
        start_addr, size and name, relative to the DM's directory."""
        records = []
        if self.xs is None:
            return records
        base = "/local/domain/0/device-model/%d" % DOMID
        conn = self.xs.conn()
        try:
            kind, names = conn.request(xsclient.DIRECTORY,
                                       (base + "/physmap").encode() + b"\0")
            if kind != xsclient.DIRECTORY:
                return records
            for name in names.decode().split("\0"):
                if not name:
                    continue
                for leaf in ("start_addr", "size", "name"):
                    rel = "physmap/%s/%s" % (name, leaf)
                    records.append((rel, conn.read(base + "/" + rel)))
        finally:
            conn.close()
        return records

    def physmap_restore(self, records):
        """libxl__restore_emulator_xenstore_data: one write per key."""
        if self.xs is None:
            return
        conn = self.xs.conn()
        try:
            for rel, value in records:
                conn.write("/local/domain/0/device-model/%d/%s"
                           % (DOMID, rel), value)
        finally:
            conn.close()


def qtest(env, line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(os.path.join(env.dir, "qtest.sock"))
        s.sendall(line.encode() + b"\n")
        buf = b""
        while b"\n" not in buf:
            d = s.recv(4096)
            if not d:
                break
            buf += d
        return buf.split(b"\n")[0].decode()
    finally:
        s.close()


def map_framebuffer(env, addr):
    """What the guest's BIOS does: BAR0 of 00:02.0, then memory decode."""
    for line in ("outl 0xcf8 0x80001010", "outl 0xcfc 0x%x" % addr,
                 "outl 0xcf8 0x80001004", "outw 0xcfc 0x3"):
        if qtest(env, line) != "OK":
            raise LibxlError("qtest %s failed" % line)


def bar0_address(ev):
    kind, buses = ev.send("query-pci")
    for dev in buses[0]["devices"]:
        if (dev["slot"], dev["function"]) == (2, 0):
            return [r["address"] for r in dev["regions"] if r["bar"] == 0][0]
    return None


def is_compact(raw):
    """Every message was compact JSON, as libxl's logs show QEMU's."""
    return all(json.dumps(json.loads(m), separators=(",", ":")).encode() == m
               for m in raw)


# ---------------------------------------------------------------- steps
def create(suite, env):
    """xl create: spawn, ready, post-config (query-chardev, query-vnc on
    one connection), then libxl_domain_unpause's cont."""
    proc = env.spawn(env.argv())
    env.wait_ready(proc)
    suite.check(True, "create: the DM is ready (%s)"
                % ("ready key" if env.xs else "socket"))
    ev = EvQmp(env.qmp)     # must accept at once: libxl does not retry
    kind, chardevs = ev.send("query-chardev")
    suite.eq(kind, "return", "create: query-chardev succeeds")
    suite.check(all(isinstance(c.get("label"), str) and
                    isinstance(c.get("filename"), str) for c in chardevs),
                "create: query-chardev entries have label and filename",
                chardevs)
    suite.check(not any(c["label"].startswith("serial") for c in chardevs),
                "create: no serialN pty for libxl to record")
    kind, vnc = ev.send("query-vnc")
    suite.eq((kind, vnc), ("return", {"enabled": False}),
             "create: query-vnc says VNC is off (as QEMU with -vnc none)")
    kind, err = ev.send("change-vnc-password", {"password": "secret"})
    suite.eq((kind, err), ("error", {"class": "GenericError",
                                     "desc": "Could not set password"}),
             "create: change-vnc-password fails with QEMU 7.2's error")
    suite.eq(ev.next_id, FIRST_ID + 4, "create: ids 0x786c7100.. in order")
    suite.check(is_compact(ev.framer.raw),
                "create: every message is compact JSON")
    ev.close()
    ev = EvQmp(env.qmp)
    suite.eq(ev.send("cont"), ("return", {}), "create: cont")
    suite.eq(ev.send("query-status")[1]["status"], "running",
             "create: running after cont")
    ev.close()
    suite.eq(sync_command(env.qmp, "query-name")[:2],
             ("return", {"name": "guest%d" % DOMID}),
             "create: query-name reports -name")
    return proc


def save(suite, env, proc):
    """xl save: retrieve config, dirty log on, (guest suspends), stop,
    add-fd, xen-save-devices-state, dirty log off; then destroy."""
    ev = EvQmp(env.qmp)
    kind, cpus = ev.send("query-cpus-fast")
    suite.check(kind == "return" and
                [c["cpu-index"] for c in cpus] == [0, 1] and
                all(type(c["cpu-index"]) is int for c in cpus),
                "save: query-cpus-fast lists cpu-index 0 and 1", cpus)
    ev.close()

    ev = EvQmp(env.qmp)
    kind, reply = ev.send("xen-set-global-dirty-log", {"enable": True})
    dirty_log = True
    if kind == "error" and reply["class"] == "CommandNotFound":
        # Another engineer's command, not in every tree yet: libxc's
        # switch_qemu_logdirty would fail the save here.
        suite.note("NOTE: xen-set-global-dirty-log answers CommandNotFound;"
                   " tolerated in this test, but libxc's save needs it")
        dirty_log = False
    else:
        suite.eq((kind, reply), ("return", {}), "save: dirty log on")
    ev.close()

    save_path = os.path.join(env.lib, "qemu-save.%d" % DOMID)
    ev = EvQmp(env.qmp)
    suite.eq(ev.send("stop"), ("return", {}), "save: stop")
    fd = os.open(save_path, os.O_WRONLY | os.O_CREAT, 0o600)  # no O_TRUNC
    try:
        kind, added = ev.send("add-fd", fd=fd)
    finally:
        os.close(fd)
    suite.check(kind == "return" and type(added.get("fdset-id")) is int,
                "save: add-fd returns an integer fdset-id", added)
    args = {"filename": "/dev/fdset/%d" % added["fdset-id"]}
    if ev.version >= (2, 11, 0):
        args["live"] = True
    suite.check("live" in args, "save: the greeting's version makes libxl "
                "send live")
    suite.eq(ev.send("xen-save-devices-state", args), ("return", {}),
             "save: xen-save-devices-state to /dev/fdset/N")
    suite.eq(ev.send("query-status")[1]["status"], "paused",
             "save: paused after the save")
    suite.eq(ev.events, 1, "save: the STOP event was skipped")
    ev.close()
    if dirty_log:
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("xen-set-global-dirty-log", {"enable": False}),
                 ("return", {}), "save: dirty log off")
        ev.close()
    with open(save_path, "rb") as f:
        data = f.read()
    suite.check(data[:8] == b"QEVM\0\0\0\3", "save: the file is a QEVM "
                "device state (%d bytes)" % len(data))
    env.saved_physmap = env.physmap_save()
    suite.eq(env.stop(proc), 0, "save: SIGHUP ends the DM with status 0")
    suite.check(not os.path.exists(env.qmp),
                "save: the QMP socket is gone after SIGHUP")
    return data


def restore(suite, env, state, framebuffer, restrict):
    """xl restore: the context goes to qemu-resume.<domid>, the DM starts
    with -incoming fd:N on it; ready; cont.  With dm_restrict, libxl's own
    listening socket (a connection already queued) and -S: query-status
    must say paused."""
    resume = os.path.join(env.lib, "qemu-resume.%d" % DOMID)
    env.physmap_restore(env.saved_physmap)
    with open(resume, "wb") as f:
        f.write(state)
    fd = os.open(resume, os.O_RDONLY)
    listener = pre = None
    try:
        if restrict:
            # libxl__pre_open_qmp_socket, then its connection before fork.
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(env.qmp)
            listener.listen(1)
            pre = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            pre.connect(env.qmp)
            argv = env.argv(incoming="fd:%d" % fd,
                            restrict_fd=listener.fileno())
            proc = env.spawn(argv, pass_fds=(fd, listener.fileno()))
        else:
            proc = env.spawn(env.argv(incoming="fd:%d" % fd), pass_fds=(fd,))
    finally:
        os.close(fd)
        if listener is not None:
            listener.close()
    tag = "restore (%s)" % ("dm_restrict, -S" if restrict else "plain")
    os.unlink(resume)   # libxl deletes it after the spawn outcome
    if restrict:
        ev = EvQmp(sock=pre)
        kind, status = ev.send("query-status")
        suite.eq(status.get("status"), "paused",
                 "%s: query-status on the pre-connected socket: paused" % tag)
        ev.close()
    else:
        env.wait_ready(proc)
        suite.check(True, "%s: the DM is ready" % tag)
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("query-status")[1]["status"], "running",
                 "%s: the incoming migration ended in running" % tag)
        ev.close()
    ev = EvQmp(env.qmp)
    suite.eq(bar0_address(ev), framebuffer,
             "%s: the loaded state has BAR0 where the guest put it" % tag)
    suite.eq(ev.send("query-chardev")[0], "return",
             "%s: query-chardev" % tag)
    ev.close()
    ev = EvQmp(env.qmp)
    suite.eq(ev.send("cont"), ("return", {}), "%s: cont" % tag)
    suite.eq(ev.send("query-status")[1]["status"], "running",
             "%s: running after cont" % tag)
    ev.close()
    return proc


def test_create_save_restore(suite):
    env = Env(suite)
    try:
        proc = create(suite, env)
        fb = 0xF0000000
        map_framebuffer(env, fb)
        ev = EvQmp(env.qmp)
        suite.eq(bar0_address(ev), fb, "query-pci shows BAR0 where mapped")
        ev.close()
        state = save(suite, env, proc)
        for restrict in (False, True):
            proc = restore(suite, env, state, fb, restrict)
            suite.eq(env.stop(proc), 0, "restore: SIGHUP -> status 0")
    finally:
        if suite.failed:
            suite.note("DM stderr: " + env.stderr())
        env.cleanup()


def test_dm_restrict_create(suite):
    """dm_restrict: libxl binds the socket, queues its connection with
    query-status before the fork, passes fd=N and -S; prelaunch = ready."""
    env = Env(suite)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(env.qmp)
        listener.listen(1)
        pre = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        pre.connect(env.qmp)
        proc = env.spawn(env.argv(restrict_fd=listener.fileno()),
                         pass_fds=(listener.fileno(),))
        listener.close()
        ev = EvQmp(sock=pre)
        suite.eq(ev.send("query-status"),
                 ("return", {"status": "prelaunch", "singlestep": False,
                             "running": False}),
                 "dm_restrict: query-status says prelaunch")
        ev.close()
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("query-chardev")[0], "return",
                 "dm_restrict: query-chardev on the inherited socket")
        ev.close()
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("cont"), ("return", {}), "dm_restrict: cont")
        suite.eq(ev.send("query-status")[1]["status"], "running",
                 "dm_restrict: running")
        ev.close()
        suite.eq(env.stop(proc), 0, "dm_restrict: SIGHUP -> status 0")
    finally:
        listener.close()
        env.cleanup()


def qtest_at(path, lines):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        f = s.makefile("rwb")
        for line in lines:
            f.write(line.encode() + b"\n")
            f.flush()
            if not f.readline().startswith(b"OK"):
                raise LibxlError("qtest %s failed" % line)
    finally:
        s.close()


def test_query_pci_vs_qemu(suite):
    """query-pci against QEMU 7.2 (-machine pc, Cirrus without its ROM,
    an IDE disk): the same functions, fields and values, before and after
    the guest maps BARs.  QEMU also has 00:01.3 (PIIX4 ACPI), which
    devmodeld does not emulate."""
    if not harness.have_qemu():
        suite.skip("query-pci vs QEMU", "qemu-system-x86_64 not installed")
        return
    env = Env(suite)
    qdisk = os.path.join(env.lib, "qemu-disk.img")
    shutil.copyfile(env.disk, qdisk)    # each locks its own image
    q = harness.QemuPeer(machine="pc", drive=qdisk)
    try:
        argv = env.argv()
        argv[argv.index("xenfv,suppress-vmdesc=on")] = "pc,accel=xen"
        proc = env.spawn(argv)
        env.wait_ready(proc)
        qc = q.negotiated()
        bar_setup = ["outl 0xcf8 0x80001010", "outl 0xcfc 0xf0000000",
                     "outl 0xcf8 0x80001014", "outl 0xcfc 0xf2000000",
                     "outl 0xcf8 0x80001004", "outw 0xcfc 0x3",
                     "outl 0xcf8 0x80000920", "outl 0xcfc 0xc001",
                     "outl 0xcf8 0x80000904", "outw 0xcfc 0x1"]
        for phase in ("reset", "mapped"):
            if phase == "mapped":
                qtest_at(q.qtest_path, bar_setup)
                qtest_at(os.path.join(env.dir, "qtest.sock"), bar_setup)
            want = qc.execute("query-pci")["return"]
            want[0]["devices"] = [d for d in want[0]["devices"]
                                  if (d["slot"], d["function"]) != (1, 3)]
            ev = EvQmp(env.qmp)
            kind, got = ev.send("query-pci")
            ev.close()
            suite.eq(got, want, "query-pci equals QEMU 7.2's (%s)" % phase)
        qc.close()
        suite.eq(env.stop(proc), 0, "query-pci: SIGHUP -> status 0")
    finally:
        q.stop()
        q.cleanup()
        env.cleanup()


def test_sync_client(suite):
    """COLO's and Remus's paths: a connection per command, ids 1 and 2."""
    env = Env(suite)
    try:
        proc = env.spawn(env.argv())
        env.wait_ready(proc)
        state_path = os.path.join(env.lib, "qemu-resume.%d" % DOMID)
        kind, value, raw = sync_command(env.qmp, "stop")
        suite.eq((kind, value), ("return", {}), "sync: stop")
        suite.check(all(b'"id":' in m for m in raw[1:]
                        if not m.startswith(b'{"timestamp"')) and
                    raw[0].startswith(b'{"QMP":'),
                    "sync: greeting, then replies with ids")
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("xen-save-devices-state",
                         {"filename": state_path, "live": False}),
                 ("return", {}), "sync: (a checkpoint's save)")
        ev.close()
        suite.eq(sync_command(env.qmp, "xen-load-devices-state",
                              {"filename": state_path})[:2],
                 ("return", {}), "sync: xen-load-devices-state (COLO "
                 "secondary)")
        # COLO's replication commands: no replicated device, as QEMU 7.2
        # without replicated disks answers them.
        suite.eq(sync_command(env.qmp, "xen-set-replication",
                              {"enable": True, "primary": True})[:2],
                 ("return", {}), "sync: xen-set-replication (COLO setup)")
        suite.eq(sync_command(env.qmp, "query-xen-replication-status")[:2],
                 ("return", {"error": False}),
                 "sync: query-xen-replication-status -> no error")
        suite.eq(sync_command(env.qmp, "xen-colo-do-checkpoint")[:2],
                 ("return", {}), "sync: xen-colo-do-checkpoint")
        kind, value, _ = sync_command(env.qmp, "xen-set-replication",
                                      {"enable": True, "primary": False,
                                       "failover": True})
        suite.eq((kind, value.get("desc")),
                 ("error", "Parameter 'failover' is only for stopping "
                  "replication"), "sync: failover only when stopping")
        suite.eq(sync_command(env.qmp, "xen-set-replication",
                              {"enable": False, "primary": True,
                               "failover": True})[:2],
                 ("return", {}), "sync: xen-set-replication stop")
        for i in range(20):    # checkpoints: cont, stop, cont ...
            kind, value, _ = sync_command(env.qmp, "cont" if i % 2 == 0
                                          else "stop")
            if (kind, value) != ("return", {}):
                break
        suite.eq((kind, value), ("return", {}),
                 "sync: 20 connections, one command each")
        suite.eq(sync_command(env.qmp, "cont")[:2], ("return", {}),
                 "sync: cont after the last stop")
        suite.eq(sync_command(env.qmp, "cont")[:2], ("return", {}),
                 "sync: cont when already running succeeds")
        suite.eq(sync_command(env.qmp, "query-status")[1]["status"],
                 "running", "sync: running")
        suite.eq(env.stop(proc), 0, "sync: SIGHUP -> status 0")
    finally:
        env.cleanup()


def test_incoming_file(suite):
    """-incoming file:PATH with -S: the state is in, the guest paused
    (no ready key until cont); a second load by QMP still works."""
    env = Env(suite)
    try:
        proc = env.spawn(env.argv())
        env.wait_ready(proc)
        map_framebuffer(env, 0xE0000000)
        path = os.path.join(env.lib, "state")
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("stop"), ("return", {}), "file: stop")
        suite.eq(ev.send("xen-save-devices-state",
                         {"filename": path, "live": False}),
                 ("return", {}), "file: save to a path")
        ev.close()
        suite.eq(env.stop(proc), 0, "file: SIGHUP -> status 0")
        argv = env.argv(incoming="file:" + path)
        argv.insert(argv.index("-incoming"), "-S")
        proc = env.spawn(argv)
        env.wait_ready(proc, key=False)
        ev = EvQmp(env.qmp)
        suite.eq(ev.send("query-status")[1]["status"], "paused",
                 "file: -S -incoming file:PATH ends in paused")
        suite.eq(bar0_address(ev), 0xE0000000, "file: the state is in")
        suite.eq(ev.send("xen-load-devices-state", {"filename": path}),
                 ("return", {}), "file: xen-load-devices-state again")
        suite.eq(ev.send("cont"), ("return", {}), "file: cont")
        ev.close()
        env.wait_ready(proc)
        suite.check(True, "file: the ready key after cont")
        suite.eq(env.stop(proc), 0, "file: SIGHUP -> status 0")
    finally:
        env.cleanup()


def test_commands_not_found(suite):
    """libxl's other commands: CommandNotFound, QEMU's text."""
    env = Env(suite)
    try:
        proc = env.spawn(env.argv())
        env.wait_ready(proc)
        ev = EvQmp(env.qmp)
        for cmd, args in NOT_IMPLEMENTED:
            kind, err = ev.send(cmd, args)
            suite.eq((kind, err), ("error", {
                "class": "CommandNotFound",
                "desc": "The command %s has not been found" % cmd}),
                "%s -> CommandNotFound" % cmd)
        ev.close()
        suite.eq(env.stop(proc), 0, "not-found: SIGHUP -> status 0")
    finally:
        env.cleanup()


def main():
    suite = harness.Suite("test-libxl")
    if suite.is_qemu:
        print("SKIP: libxl replay is devmodeld-only")
        print("0 passed, 0 failed")
        raise SystemExit(harness.SKIP)
    suite.main([test_create_save_restore, test_dm_restrict_create,
                test_query_pci_vs_qemu, test_sync_client, test_incoming_file,
                test_commands_not_found])


if __name__ == "__main__":
    main()
