"""The test xenstored (tests/xenstored/xenstored-test) and a raw xs_wire
client for integration tests (Python stdlib only).

* XenstoredTest: starts the server on a socket in a fresh temporary
  directory (path in .socket, export it as XENSTORED_PATH), waits until it
  accepts, stops it with SIGTERM and checks that it removed its socket.
* XsConn: one client connection speaking xs_wire (xen/io/xs_wire.h): a
  16-byte header {type, req_id, tx_id, len} in host byte order, then len
  payload bytes.  request() sends one message and returns the reply,
  keeping watch events that arrive meanwhile in .events.
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

HEADER = struct.Struct("=IIII")
PAYLOAD_MAX = 4096

# enum xsd_sockmsg_type
CONTROL, DIRECTORY, READ, GET_PERMS, WATCH, UNWATCH = 0, 1, 2, 3, 4, 5
TRANSACTION_START, TRANSACTION_END, INTRODUCE, RELEASE = 6, 7, 8, 9
GET_DOMAIN_PATH, WRITE, MKDIR, RM, SET_PERMS, WATCH_EVENT = 10, 11, 12, 13, 14, 15
ERROR, IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET = 16, 17, 18, 19
RESET_WATCHES, DIRECTORY_PART = 21, 22


def server_path():
    """$XENSTORED_TEST, else the tree's tests/xenstored/xenstored-test;
    None when it is not built."""
    path = os.environ.get("XENSTORED_TEST") or os.path.join(
        TOP, "tests", "xenstored", "xenstored-test")
    return path if os.access(path, os.X_OK) else None


class XenstoredTest:
    def __init__(self, args=(), binary=None):
        self.binary = binary or server_path()
        self.dir = tempfile.mkdtemp(prefix="dmtest-xs.")
        self.socket = os.path.join(self.dir, "xs.sock")
        self.pidfile = os.path.join(self.dir, "xs.pid")
        self.errpath = os.path.join(self.dir, "stderr")
        with open(self.errpath, "wb") as err:
            self.proc = subprocess.Popen(
                [self.binary, "--socket", self.socket, "--pidfile",
                 self.pidfile] + list(args), stderr=err)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("xenstored-test did not start: "
                                   + self.stderr_text())
            time.sleep(0.01)

    def env(self):
        env = dict(os.environ)
        env["XENSTORED_PATH"] = self.socket
        return env

    def conn(self):
        return XsConn(self.socket)

    def stderr_text(self):
        try:
            with open(self.errpath, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM; returns (exit status, socket removed, pidfile removed)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, not os.path.exists(self.socket), \
            not os.path.exists(self.pidfile)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class XsConn:
    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.events = []   # (path, token) of WATCH_EVENTs seen

    def close(self):
        self.sock.close()

    @staticmethod
    def pack(type_, payload=b"", req_id=0, tx_id=0):
        return HEADER.pack(type_, req_id, tx_id, len(payload)) + payload

    def send(self, type_, payload=b"", req_id=0, tx_id=0):
        self.sock.sendall(self.pack(type_, payload, req_id, tx_id))

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("server closed the connection")
            data += chunk
        return data

    def recv(self):
        """The next message: (type, req_id, tx_id, payload)."""
        type_, req_id, tx_id, length = HEADER.unpack(self._read(HEADER.size))
        return type_, req_id, tx_id, self._read(length)

    def reply(self):
        """The next message that is not a watch event."""
        while True:
            msg = self.recv()
            if msg[0] != WATCH_EVENT:
                return msg
            self.events.append(tuple(msg[3].split(b"\0")[:2]))

    def request(self, type_, payload=b"", req_id=0, tx_id=0):
        """Sends one request; returns (type, payload) of its reply."""
        self.send(type_, payload, req_id, tx_id)
        msg = self.reply()
        return msg[0], msg[3]

    def event(self):
        """The next watch event: (path, token), queued ones first."""
        if self.events:
            return self.events.pop(0)
        msg = self.recv()
        if msg[0] != WATCH_EVENT:
            raise ValueError("expected a watch event, got %r" % (msg,))
        return tuple(msg[3].split(b"\0")[:2])

    def no_event(self, wait=0.2):
        """True when no event is queued or arrives within wait seconds."""
        if self.events:
            return False
        self.sock.settimeout(wait)
        try:
            self.sock.recv(1, socket.MSG_PEEK)
            return False
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(5.0)

    # Conveniences: value or raise XsError.
    def read(self, path, tx_id=0):
        return _ok(self.request(READ, path.encode() + b"\0", tx_id=tx_id),
                   READ)

    def write(self, path, value, tx_id=0):
        if isinstance(value, str):
            value = value.encode()
        return _ok(self.request(WRITE, path.encode() + b"\0" + value,
                                tx_id=tx_id), WRITE)


class XsError(Exception):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


def _ok(reply, type_):
    if reply[0] == ERROR:
        raise XsError(reply[1].rstrip(b"\0").decode())
    if reply[0] != type_:
        raise ValueError("reply type %d to a request of type %d"
                         % (reply[0], type_))
    return reply[1]
