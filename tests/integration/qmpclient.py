"""A small QMP client for devmodeld's integration tests (Python stdlib only).

It reads the server's byte stream the way the real clients do and is strict
about what it receives:

* framing "crlf" (default) splits the stream on the two bytes CR LF, as
  libxl (memmem "\\r\\n") and libvirt do;
* framing "lf" splits on LF, as qemu.qmp / qmp-shell (StreamReader.readline)
  do, and then requires the line to end in CR LF.

Either way every message must be one line of compact, pure-ASCII JSON
ending in CR LF and holding one JSON object without repeated keys;
anything else raises ProtocolError.  Every read is bounded by a timeout
(Timeout is raised), so a test can never hang on a silent server.

File descriptors can be passed with SCM_RIGHTS in the three ways real
clients do it: on the first byte of the command (libxl), on a lone space
sent before the command (qemu.qmp send_fd_scm), or with the whole command
text in one sendmsg (libqtest).
"""

import array
import collections
import json
import select
import socket
import sys
import time

DEFAULT_TIMEOUT = 5.0

# Replies may legitimately nest 1024 deep (an id is echoed as given).
if sys.getrecursionlimit() < 5000:
    sys.setrecursionlimit(5000)
_MISSING = object()


class ProtocolError(Exception):
    """The server sent something a strict QMP client must reject."""


class Timeout(Exception):
    """Nothing (complete) arrived within the allowed time."""


class EOFReached(Exception):
    """The server closed the connection."""


class Message(dict):
    """One received QMP message; .raw holds its exact bytes (with CR LF)."""

    raw = b""

    @property
    def kind(self):
        for key in ("QMP", "return", "error", "event"):
            if key in self:
                return key
        return None

    @property
    def error_class(self):
        err = self.get("error")
        return err.get("class") if isinstance(err, dict) else None

    @property
    def error_desc(self):
        err = self.get("error")
        return err.get("desc") if isinstance(err, dict) else None


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ProtocolError("repeated key %r in server output" % key)
        obj[key] = value
    return obj


def parse_message(raw):
    """Checks and decodes one framed message (bytes ending in CR LF)."""
    if not raw.endswith(b"\r\n"):
        raise ProtocolError("message does not end with CR LF: %r" % raw[:200])
    body = raw[:-2]
    if b"\r" in body or b"\n" in body:
        raise ProtocolError("message is not a single line: %r" % raw[:200])
    if any(b >= 0x80 for b in body):
        raise ProtocolError("message is not pure ASCII: %r" % raw[:200])
    try:
        value = json.loads(body.decode("ascii"), object_pairs_hook=_no_duplicates)
    except ValueError as exc:
        raise ProtocolError("message is not valid JSON (%s): %r" % (exc, raw[:200]))
    if not isinstance(value, dict):
        raise ProtocolError("message is not a JSON object: %r" % raw[:200])
    msg = Message(value)
    msg.raw = raw
    return msg


def is_compact(raw):
    """True when raw (one message) has no whitespace outside strings."""
    in_str = False
    esc = False
    for ch in raw.rstrip(b"\r\n"):
        c = chr(ch)
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in " \t\r\n":
            return False
    return not in_str


def encode(obj):
    """Compact JSON text of obj, the way libxl writes its commands."""
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def command_bytes(cmd, args=None, id=_MISSING, terminator=b"\r\n"):
    """libxl-style command text: execute, id, then arguments."""
    obj = {"execute": cmd}
    if id is not _MISSING:
        obj["id"] = id
    if args is not None:
        obj["arguments"] = args
    return encode(obj) + terminator


class QMPClient:
    def __init__(self, sock, framing="crlf", timeout=DEFAULT_TIMEOUT, name="client"):
        if framing not in ("crlf", "lf"):
            raise ValueError("framing must be 'crlf' or 'lf'")
        self.sock = sock
        self.sock.setblocking(False)
        self.framing = framing
        self.timeout = timeout
        self.name = name
        self.buf = bytearray()    # received bytes; consumed up to self.pos
        self.pos = 0
        self.eof = False
        self.events = []          # events seen while waiting for replies
        self.messages = collections.deque(maxlen=10000)  # recent messages, in order
        self.greeting_msg = None

    # ------------------------------------------------------------ connect
    @classmethod
    def connect_unix(cls, path, framing="crlf", timeout=DEFAULT_TIMEOUT, name="client"):
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(path)
                break
            except BlockingIOError:
                # listen backlog full (EAGAIN): retry until the timeout
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
            except OSError:
                sock.close()
                raise
        return cls(sock, framing, timeout, name)

    @classmethod
    def connect_tcp(cls, host, port, framing="crlf", timeout=DEFAULT_TIMEOUT, name="client"):
        sock = socket.create_connection((host, port), timeout=timeout)
        return cls(sock, framing, timeout, name)

    @classmethod
    def connect(cls, address, **kw):
        """address: a unix path, ("unix", path) or ("tcp", host, port)."""
        if isinstance(address, tuple):
            if address[0] == "tcp":
                return cls.connect_tcp(address[1], address[2], **kw)
            address = address[1]
        return cls.connect_unix(address, **kw)

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ sending
    def send_raw(self, data):
        """Sends bytes exactly as given (may be any fragment of a message)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        deadline = time.monotonic() + self.timeout
        hard_deadline = time.monotonic() + max(60.0, 4 * self.timeout)
        view = memoryview(data)
        while view:
            if time.monotonic() > hard_deadline:
                raise Timeout("%s: sending %d bytes did not finish in time"
                              % (self.name, len(data)))
            try:
                n = self.sock.send(view)
                view = view[n:]
                deadline = time.monotonic() + self.timeout
            except BlockingIOError:
                if self._wait_writable(deadline) and self.pending_len():
                    deadline = max(deadline, time.monotonic() + 1.0)
        return len(data)

    def send_bytewise(self, data, delay=0.0):
        """Sends data one byte per write (split writes)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        for i in range(len(data)):
            self.send_raw(data[i:i + 1])
            if delay:
                time.sleep(delay)

    def send_json(self, obj, terminator=b"\r\n"):
        self.send_raw(encode(obj) + terminator)

    def send_command(self, cmd, args=None, id=_MISSING):
        self.send_raw(command_bytes(cmd, args, id))

    def _sendmsg_all(self, data, fds):
        """One sendmsg carrying fds, then the rest of data if it was short."""
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())]
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                n = self.sock.sendmsg([data], anc)
                break
            except BlockingIOError:
                self._wait_writable(deadline)
        if n < len(data):
            self.send_raw(data[n:])

    def send_with_fds_first_byte(self, data, fds):
        """libxl: the fds ride on a 1-byte sendmsg, then the rest is written."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._sendmsg_all(data[:1], fds)
        if len(data) > 1:
            self.send_raw(data[1:])

    def send_fds_space(self, fds):
        """qemu.qmp send_fd_scm(): the fds ride on a lone space byte."""
        self._sendmsg_all(b" ", fds)

    def send_with_fds_space(self, data, fds):
        self.send_fds_space(fds)
        self.send_raw(data)

    def send_with_fds_whole(self, data, fds):
        """libqtest: the fds ride on one sendmsg with the whole command."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._sendmsg_all(data, fds)

    def _wait_writable(self, deadline):
        """Waits until the socket is writable, reading what the server sends
        meanwhile (a server may stop reading until its replies are taken)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("%s: socket not writable within %.1fs" % (self.name, self.timeout))
        r, w, _ = select.select([] if self.eof else [self.sock], [self.sock], [], left)
        if r:
            try:
                data = self.sock.recv(1 << 20)
            except (BlockingIOError, ConnectionResetError):
                data = None
            if data:
                self.buf += data
                # progress on the read side: the deadline restarts
                return True
            if data == b"":
                self.eof = True
        return bool(w)

    # ------------------------------------------------------------ receiving
    def _fill(self, deadline):
        """Reads what is available, waiting until deadline; False on timeout."""
        if self.eof:
            raise EOFReached("%s: connection closed by server" % self.name)
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            return False
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            if self.pending_len():
                raise ProtocolError("%s: EOF after an unterminated message: %r"
                                    % (self.name, self.pending()[:200]))
            raise EOFReached("%s: connection closed by server" % self.name)
        self.buf += data
        return True

    def pending(self):
        """Received bytes not yet returned as messages."""
        return bytes(self.buf[self.pos:])

    def pending_len(self):
        return len(self.buf) - self.pos

    def _split(self):
        if self.framing == "crlf":
            idx = self.buf.find(b"\r\n", self.pos)
            if idx < 0:
                if self.buf.find(b"\n", self.pos) >= 0:
                    raise ProtocolError("%s: bare LF terminator: %r"
                                        % (self.name, self.pending()[:200]))
                return None
            end = idx + 2
        else:
            idx = self.buf.find(b"\n", self.pos)
            if idx < 0:
                return None
            end = idx + 1
        raw = bytes(self.buf[self.pos:end])
        self.pos = end
        if self.pos > (1 << 20) and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        return raw

    def recv_raw_message(self, timeout=None):
        """Bytes of the next framed message (terminator included)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            raw = self._split()
            if raw is not None:
                return raw
            if not self._fill(deadline):
                raise Timeout("%s: no complete message within %.1fs (buffer %r)"
                              % (self.name, self.timeout if timeout is None else timeout,
                                 self.pending()[:200]))

    def recv(self, timeout=None):
        """The next message of any kind (greeting, reply, event)."""
        msg = parse_message(self.recv_raw_message(timeout))
        self.messages.append(msg)
        return msg

    def recv_all(self, quiet=0.3, limit=100000):
        """Every message that arrives until the stream is quiet for `quiet` s."""
        out = []
        while len(out) < limit:
            try:
                out.append(self.recv(timeout=quiet))
            except Timeout:
                break
            except EOFReached:
                break
        return out

    def recv_expected(self, count, quiet=0.2, timeout=None):
        """At least count messages (waiting up to timeout for them), then
        whatever else arrives until the stream is quiet for `quiet` s."""
        out = []
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(out) < count:
            left = deadline - time.monotonic()
            try:
                out.append(self.recv(timeout=max(0.0, left)))
            except (Timeout, EOFReached):
                return out
        return out + self.recv_all(quiet=quiet)

    def expect_silence(self, timeout=0.3):
        """Returns the messages that arrived within timeout (should be [])."""
        return self.recv_all(quiet=timeout)

    def wait_eof(self, timeout=None):
        """Reads until EOF; returns the messages that came before it."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        out = []
        while True:
            raw = self._split()
            if raw is not None:
                msg = parse_message(raw)
                self.messages.append(msg)
                out.append(msg)
                continue
            try:
                if not self._fill(deadline):
                    raise Timeout("%s: no EOF within the time allowed" % self.name)
            except EOFReached:
                return out

    def greeting(self, timeout=None):
        msg = self.recv(timeout)
        if "QMP" not in msg:
            raise ProtocolError("%s: first message is not a greeting: %r" % (self.name, msg.raw))
        self.greeting_msg = msg
        return msg

    def reply(self, timeout=None):
        """The next reply (return/error); events are collected in .events."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = max(0.0, deadline - time.monotonic())
            msg = self.recv(timeout=left)
            if "event" in msg:
                self.events.append(msg)
                continue
            if "return" in msg or "error" in msg:
                return msg
            raise ProtocolError("%s: unexpected message %r" % (self.name, msg.raw))

    def execute(self, cmd, args=None, id=_MISSING, timeout=None):
        """Sends one command and returns its reply (events go to .events)."""
        self.send_command(cmd, args, id)
        return self.reply(timeout)

    cmd = execute

    def negotiate(self, id=_MISSING):
        """qmp_capabilities; raises ProtocolError unless it returns {}."""
        r = self.execute("qmp_capabilities", id=id)
        if r.get("return") != {}:
            raise ProtocolError("%s: negotiation failed: %r" % (self.name, r.raw))
        return r

    def wait_event(self, name, timeout=None):
        """An event named name, from the events already seen or the stream."""
        for i, ev in enumerate(self.events):
            if ev.get("event") == name:
                return self.events.pop(i)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = max(0.0, deadline - time.monotonic())
            msg = self.recv(timeout=left)
            if msg.get("event") == name:
                return msg
            if "event" in msg:
                self.events.append(msg)
            else:
                raise ProtocolError("%s: unexpected message while waiting for %s: %r"
                                    % (self.name, name, msg.raw))

    def take_events(self):
        evs, self.events = self.events, []
        return evs


def connect_and_negotiate(address, **kw):
    c = QMPClient.connect(address, **kw)
    try:
        c.greeting()
        c.negotiate()
    except Exception:
        c.close()
        raise
    return c
