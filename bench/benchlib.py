"""What the Python benchmarks share (stdlib only): a lean blocking QMP
client, a pipelining qtest client, starting devmodeld and QEMU 7.2 on
temporary sockets, statistics, and /proc readings (VmHWM, VmRSS, fds).

The clients are deliberately thin: one request on the wire at a time, the
clock read around it, so the figures are the server's latency plus what
any Python client pays.  Every wait is bounded.
"""

import array
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

TIMEOUT = 10.0
START_TIMEOUT = 10.0
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


class BenchError(Exception):
    pass


# How long a QMP client polls for a reply before it sleeps in recv().
CLIENT_POLL_NS = 0


def set_client_poll(us):
    """--client-poll-us: on a virtual machine whose idle CPUs halt, waking
    a process that sleeps for a reply costs the waker an interrupt to
    another CPU and the sleeper a reschedule, tens of microseconds that
    land in every round trip.  A client that polls for a short while
    instead (as the daemon's --busy-poll-us does on its side) pays CPU
    time for it; 0, the default, never polls."""
    global CLIENT_POLL_NS
    CLIENT_POLL_NS = max(0, int(us)) * 1000


def now_us():
    return time.perf_counter_ns() / 1000.0


# ---------------------------------------------------------------- QMP
def bound_blocking(sock, timeout):
    """A blocking socket whose reads and writes the kernel bounds
    (SO_RCVTIMEO/SO_SNDTIMEO): Python's own timeout mode would poll()
    before every call, one more system call per message."""
    sec = int(timeout)
    tv = struct.pack("ll", sec, int((timeout - sec) * 1e6))
    sock.settimeout(None)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)


class Qmp:
    """A blocking QMP client: CR LF framing, events skipped."""

    def __init__(self, path, timeout=TIMEOUT):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        bound_blocking(self.sock, timeout)
        self.buf = b""
        greeting = self._message()
        if b'"QMP"' not in greeting:
            raise BenchError("%s: no QMP greeting: %r" % (path, greeting[:200]))
        self.ok(b'{"execute":"qmp_capabilities"}')

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _message(self):
        while True:
            k = self.buf.find(b"\r\n")
            if k >= 0:
                msg = self.buf[:k]
                self.buf = self.buf[k + 2:]
                return msg
            try:
                chunk = self._poll_recv() if CLIENT_POLL_NS else None
                if chunk is None:
                    # 64 KiB: a larger request is a fresh mmap (and munmap)
                    # in glibc's malloc on every call, timed too.
                    chunk = self.sock.recv(65536)
            except BlockingIOError:
                raise BenchError("%s: no reply within the timeout" % self.path)
            if not chunk:
                raise BenchError("%s: connection closed" % self.path)
            self.buf += chunk

    def _poll_recv(self):
        """Polls for a reply for CLIENT_POLL_NS before blocking: a reply
        that comes within that window then costs no sleep and wake-up of
        this process (see set_client_poll)."""
        end = time.perf_counter_ns() + CLIENT_POLL_NS
        while True:
            try:
                return self.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                if time.perf_counter_ns() >= end:
                    return None

    def _reply(self):
        # Our commands carry no id, so a reply starts with its kind; both
        # servers start events with "timestamp".
        while True:
            msg = self._message()
            if msg.startswith(b'{"return"') or msg.startswith(b'{"error"'):
                return msg

    def send(self, request, fds=None):
        """Sends request (bytes, no CR LF) without waiting.  fds ride on
        the command's first byte, as libxl sends them."""
        data = request + b"\r\n"
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                    array.array("i", fds).tobytes())]
            self.sock.sendmsg([data[:1]], anc)
            self.sock.sendall(data[1:])
        else:
            self.sock.sendall(data)

    def send_burst(self, requests, fds=None, fds_on=0):
        """Sends several requests without waiting, in as few writes as
        the fds allow: they ride on a write that ends with the first byte
        of requests[fds_on] (libxl puts them on its command's first byte),
        so a daemon woken by the burst finds all of it."""
        data = b"".join(r + b"\r\n" for r in requests)
        if not fds:
            self.sock.sendall(data)
            return
        cut = sum(len(r) + 2 for r in requests[:fds_on]) + 1
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                array.array("i", fds).tobytes())]
        sent = self.sock.sendmsg([data[:cut]], anc)
        self.sock.sendall(data[sent:])

    def recv_ok(self, request=b"?"):
        """The next reply, which must be a success."""
        reply = self._reply()
        if not reply.startswith(b'{"return"'):
            raise BenchError("%s: %s -> %s" % (self.path, request.decode(),
                                               reply.decode("latin-1")))
        return reply

    def call(self, request, fds=None):
        """Sends request and returns the raw reply."""
        self.send(request, fds)
        return self._reply()

    def ok(self, request, fds=None):
        self.send(request, fds)
        return self.recv_ok(request)


def cmd(name, args=None):
    """Compact command bytes, as libxl writes them."""
    import json
    obj = {"execute": name}
    if args is not None:
        obj["arguments"] = args
    return json.dumps(obj, separators=(",", ":")).encode()


# ---------------------------------------------------------------- qtest
class Qtest:
    """qtest with pipelining: many requests in one write, replies in order.
    IRQ lines are counted and dropped."""

    def __init__(self, path, timeout=TIMEOUT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        bound_blocking(self.sock, timeout)
        self.buf = b""
        self.irqs = 0

    def close(self):
        self.sock.close()

    def _line(self):
        while True:
            k = self.buf.find(b"\n")
            if k >= 0:
                line = self.buf[:k]
                self.buf = self.buf[k + 1:]
                return line
            try:
                chunk = self.sock.recv(65536)
            except BlockingIOError:
                raise BenchError("qtest: no reply within the timeout")
            if not chunk:
                raise BenchError("qtest: connection closed")
            self.buf += chunk

    def run(self, requests):
        """Sends every request, returns the replies (strings) in order."""
        if not requests:
            return []
        self.sock.sendall(("\n".join(requests) + "\n").encode())
        replies = []
        while len(replies) < len(requests):
            line = self._line()
            if line.startswith(b"IRQ "):
                self.irqs += 1
                continue
            replies.append(line.decode("latin-1"))
        for req, rep in zip(requests, replies):
            if not rep.startswith("OK"):
                raise BenchError("qtest %r -> %r" % (req, rep))
        return replies

    def values(self, requests):
        return [int(r.split()[1], 16) for r in self.run(requests)]


# ---------------------------------------------------------------- servers
def devmodeld_path():
    path = os.environ.get("DEVMODELD") or os.path.join(TOP, "devmodeld")
    if not os.access(path, os.X_OK):
        raise BenchError("devmodeld not built (%s); set DEVMODELD" % path)
    return path


def qemu_path():
    return shutil.which(os.environ.get("QEMU", "qemu-system-x86_64"))


def _die_with_parent():
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort
        pass


class Server:
    """A devmodeld or QEMU process with a QMP socket and maybe qtest."""

    def __init__(self, kind, argv_tail, qtest=False, tmpdir=None, pass_fds=()):
        self.kind = kind
        self.own_dir = tmpdir is None
        self.dir = tmpdir or tempfile.mkdtemp(prefix="bench-%s-" % kind)
        tag = "%s-%d" % (kind, id(self) & 0xffff)
        self.qmp_path = os.path.join(self.dir, tag + ".qmp")
        self.qtest_path = os.path.join(self.dir, tag + ".qtest") if qtest else None
        if kind == "qemu":
            argv = [qemu_path()] + list(argv_tail) + [
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
            if qtest:
                argv += ["-qtest", "unix:%s,server=on,wait=off" % self.qtest_path]
        else:
            argv = [devmodeld_path(), "--qmp", "unix:" + self.qmp_path]
            if qtest:
                argv += ["--qtest", "unix:" + self.qtest_path]
            argv += list(argv_tail)
        self.argv = argv
        self.errlog = open(os.path.join(self.dir, tag + ".stderr"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.errlog,
                                     pass_fds=tuple(pass_fds),
                                     preexec_fn=_die_with_parent)
        self._wait_ready()

    @property
    def pid(self):
        return self.proc.pid

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        for path in [self.qmp_path] + ([self.qtest_path] if self.qtest_path else []):
            while True:
                if self.proc.poll() is not None:
                    raise BenchError("%s exited (%s) at start: %s" % (
                        self.kind, self.proc.returncode, self.stderr()))
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(path)
                    s.close()
                    break
                except OSError:
                    s.close()
                if time.monotonic() > deadline:
                    raise BenchError("%s: %s not accepting" % (self.kind, path))
                time.sleep(0.01)

    def stderr(self):
        try:
            with open(self.errlog.name, "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def qmp(self):
        return Qmp(self.qmp_path)

    def qtest(self):
        return Qtest(self.qtest_path)

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        self.kill(signal.SIGTERM)
        self.errlog.close()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- /proc
def proc_status(pid, key):
    """VmHWM, VmRSS, ... in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def cpu_times():
    """The machine's (busy, steal) jiffies from /proc/stat: steal is time
    the hypervisor gave this virtual machine's CPUs to someone else."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
    return user + nice + system + irq + softirq, steal


def steal_percent(before, after):
    """Stolen time as a share of the CPU time used plus stolen between two
    cpu_times() readings: above a few per cent, other guests on the host
    were slowing this run down."""
    busy = after[0] - before[0]
    steal = after[1] - before[1]
    return 100.0 * steal / (busy + steal) if busy + steal > 0 else 0.0


# ---------------------------------------------------------------- stats
def stats(samples):
    """median, p99, mean, min of a list of microseconds."""
    if not samples:
        return None
    s = sorted(samples)
    n = len(s)
    return {"n": n, "median": s[n // 2], "p99": s[int((n - 1) * 0.99)],
            "mean": sum(s) / n, "min": s[0]}
