"""A qtest client: requests out, IRQ lines and replies back (bounded reads)."""

import socket

import harness

TIMEOUT = 10.0


class QtestConn:
    """A qtest client: requests out, IRQ lines and replies back."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(path)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def readline(self):
        """One line without its "\\n"; None at EOF."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("latin-1")

    def transcript(self, request):
        """The IRQ lines a request causes, then its reply."""
        self.send(request + "\n")
        lines = []
        while True:
            line = self.readline()
            if line is None:
                raise harness.HarnessError("EOF after %r" % request)
            lines.append(line)
            if not line.startswith("IRQ "):
                return lines

    def request(self, request):
        return self.transcript(request)[-1]
