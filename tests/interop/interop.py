"""Shared code of the interop tests: QEMU 7.2 next to devmodeld.

Pair starts both on the same machine type (devmodeld --machine pc next to
QEMU -machine pc; --machine xenfv next to -machine pc-i440fx-3.1, the
compat of libxl's xenfv), each on its own copy of a patterned disk image,
paused, with a qtest socket.  The same qtest requests go to both; saves
are read with dmstate (which reads QEMU's whole device-state file and its
migration streams) and compared field by field.  Known differences are
accepted by known() and known_after_load(), each with its reason
(docs/compat.md).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import harness
from qtestclient import QtestConn

# (devmodeld --machine, QEMU -machine)
MACHINES = [("pc", "pc"), ("xenfv", "pc-i440fx-3.1")]
SECTORS = 2048
SECTIONS = ["0000:00:02.0/cirrus_vga", "ps2kbd", "ps2mouse", "pckbd",
            "0000:00:01.1/ide"]


def dmstate_path():
    path = os.environ.get("DMSTATE")
    if not path:
        path = os.path.join(os.path.dirname(harness.devmodeld_path()), "dmstate")
    return path


def require_qemu():
    if not harness.have_qemu():
        print("SKIP: %s not installed" % harness.QEMU)
        print("0 passed, 0 failed")
        raise SystemExit(harness.SKIP)


def pattern_image(path):
    with open(path, "wb") as f:
        f.write(bytes((0x41 + ((s * 7 + i * 13) % 26))
                      for s in range(SECTORS) for i in range(512)))
    return path


def dmstate(*args, check=True):
    p = subprocess.run([dmstate_path()] + list(args), capture_output=True,
                       text=True, timeout=30)
    if check and p.returncode != 0:
        raise harness.HarnessError("dmstate %s: exit %d: %s%s"
                                   % (" ".join(args), p.returncode, p.stdout,
                                      p.stderr))
    return p


def dump(path, machine):
    """{idstr: fields} of a file or stream, as dmstate dump reads it."""
    out = dmstate("--machine", machine, "--drives", "0", "dump", path).stdout
    return {s["idstr"]: s["fields"] for s in json.loads(out)["sections"]}


def leaves(node, path=""):
    """(path, value) of every scalar or buffer in a dump."""
    if isinstance(node, dict):
        for k in sorted(node):
            sep = "" if not path or k.startswith("/") else "."
            yield from leaves(node[k], path + sep + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, "%s[%d]" % (path, i))
    else:
        yield path, node


# IDENTIFY bits where our drive differs from QEMU's, word -> mask
# (docs/compat.md, IDE): the serial (10-19), firmware (23-26) and model
# (27-46) strings; DMA, which we do not emulate (49 bit 8, 53 bit 2, 62,
# 63, 88, 93); IORDY (49 bit 11); SMART (82 and 85 bit 0) and TRIM (69,
# 169), which we do not implement; the ATA version words (80, 81);
# obsolete or vendor words QEMU still fills (4, 5, 20-22, 48, 52); the
# sector-size word (106).  Every other bit must be equal.
IDENTIFY_KNOWN = dict(
    [(w, 0xffff) for w in list(range(10, 20)) + list(range(23, 47))
     + [52, 62, 63, 88, 93, 69, 169]]
    + [(49, 0x0100), (53, 0x0004), (82, 0x0001), (85, 0x0001)])


def identify_diff(a, b):
    """Words of two identify_data hex strings that differ in bits other
    than the known ones."""
    ba, bb = bytes.fromhex(a), bytes.fromhex(b)
    out = []
    for w in range(len(ba) // 2):
        x = int.from_bytes(ba[2 * w:2 * w + 2], "little")
        y = int.from_bytes(bb[2 * w:2 * w + 2], "little")
        if (x ^ y) & ~IDENTIFY_KNOWN.get(w, 0) & 0xffff:
            out.append(w)
    return out


def known(path, a, b, ours):
    """The reason a leaf may differ from QEMU's, or None.  ours: all our
    leaves of the section (an I/O buffer is judged by its identify_data)."""
    if not isinstance(a, str) or not isinstance(b, str) or len(a) != len(b):
        return None
    if path.endswith("identify_data") and len(a) == 1024 \
            and not identify_diff(a, b):
        return "IDENTIFY words (docs/compat.md)"
    if path.endswith("/pio_state.io_buffer"):
        # An IDENTIFY in flight: the buffer starts with the identify data.
        ident = ours.get(path[:-len("/pio_state.io_buffer")]
                         + ".identify_data")
        if ident is not None and a.startswith(ident) \
                and a[1024:] == b[1024:] and not identify_diff(a[:1024],
                                                               b[:1024]):
            return "IDENTIFY words in the I/O buffer (docs/compat.md)"
    return None


def known_after_load(path, a, b):
    """A field QEMU does not restore when it loads a file, or None."""
    if re.search(r"bmdma\[\d\]\.migration_retry_(sector_num|nsector|unit)$",
                 path) and b == 0:
        return "QEMU restores the retry fields only for a pending retry"
    return None


def short(v):
    v = str(v)
    return v if len(v) <= 72 else v[:72] + "..."


_TEMPDIRS = []


def tempdir():
    """A directory removed when the test process exits."""
    d = tempfile.mkdtemp(prefix="dminterop-")
    if not _TEMPDIRS:
        import atexit
        atexit.register(lambda: [shutil.rmtree(x, ignore_errors=True)
                                 for x in _TEMPDIRS])
    _TEMPDIRS.append(d)
    return d


def compare(ours, theirs, sections=SECTIONS, after_load=False):
    """(fields compared, [differences]) of two {idstr: fields} dumps.
    after_load: QEMU's state comes from our file, so the device
    differences (KNOWN) cannot show, only what QEMU drops on a load."""
    count, diffs = 0, []
    for idstr in sections:
        if (idstr in ours) != (idstr in theirs):
            diffs.append("%s: only in %s" % (idstr, "ours" if idstr in ours
                                                else "QEMU's"))
            continue
        if idstr not in ours:
            continue
        a = dict(leaves(ours[idstr]))
        b = dict(leaves(theirs[idstr]))
        for path in sorted(set(a) | set(b)):
            count += 1
            if path not in a or path not in b:
                diffs.append("%s: %s only in %s" % (idstr, path,
                                                    "ours" if path in a
                                                    else "QEMU's"))
            elif a[path] != b[path] and not (
                    known_after_load(path, a[path], b[path]) if after_load
                    else known(path, a[path], b[path], a)):
                if path.endswith("identify_data"):
                    diffs.append("%s: %s words %s" % (
                        idstr, path, identify_diff(a[path], b[path])))
                else:
                    diffs.append("%s: %s: ours %s, QEMU %s"
                                 % (idstr, path, short(a[path]),
                                    short(b[path])))
    return count, diffs


def reply_value(reply):
    if not reply.startswith("OK "):
        raise harness.HarnessError("qtest reply %r" % reply)
    return int(reply.split()[1], 16)


def wait_not_busy(q):
    for _ in range(2000):
        v = reply_value(q.request("inb 0x3f6"))
        if not v & 0x80:
            return v
        time.sleep(0.001)
    raise harness.HarnessError("drive stays busy")


def run_seq(q, seq):
    """Replies of a qtest sequence; WAIT polls the IDE busy bit."""
    out = []
    for req in seq:
        if req == "WAIT":
            out.append(("WAIT", "OK 0x%x" % wait_not_busy(q)))
        else:
            out.append((req, q.request(req)))
    return out


class Pair:
    """devmodeld and QEMU 7.2 on the same machine type, side by side."""

    def __init__(self, ours_machine, qemu_machine, daemon_args=()):
        self.ours_machine = ours_machine
        self.qemu_machine = qemu_machine
        self.dir = tempfile.mkdtemp(prefix="dminterop-")
        self.img_ours = pattern_image(os.path.join(self.dir, "ours.img"))
        self.img_qemu = os.path.join(self.dir, "qemu.img")
        shutil.copyfile(self.img_ours, self.img_qemu)
        self.saves = 0
        self.daemon = self.qemu = None
        self.q_ours = self.q_qemu = self.c_ours = self.c_qemu = None
        try:
            self.daemon = harness.Daemon(
                args=["--machine", ours_machine, "-S", "--drive",
                      "file=%s,index=0,format=raw" % self.img_ours]
                + list(daemon_args), qtest=True)
            self.qemu = harness.QemuPeer(machine=qemu_machine,
                                         drive=self.img_qemu)
            self.q_ours = QtestConn(self.daemon.qtest_path)
            self.q_qemu = QtestConn(self.qemu.qtest_path)
            self.c_ours = self.daemon.negotiated()
            self.c_qemu = self.qemu.negotiated()
        except Exception:
            self.close()
            raise

    def run(self, seq):
        """(our replies, QEMU's replies)."""
        return run_seq(self.q_ours, seq), run_seq(self.q_qemu, seq)

    def save(self):
        """Both save (live=false): (our file, QEMU's file)."""
        self.saves += 1
        paths = []
        for who, c in (("ours", self.c_ours), ("qemu", self.c_qemu)):
            path = os.path.join(self.dir, "%s-%d.state" % (who, self.saves))
            r = c.execute("xen-save-devices-state",
                          {"filename": path, "live": False})
            if "return" not in r:
                raise harness.HarnessError("%s save: %s" % (who, r.raw))
            paths.append(path)
        return paths

    def close(self):
        for c in (self.q_ours, self.q_qemu, self.c_ours, self.c_qemu):
            if c is not None:
                try:
                    c.close()
                except Exception:  # noqa: BLE001 - best effort
                    pass
        for s in (self.daemon, self.qemu):
            if s is not None:
                try:
                    s.stop()
                except Exception:  # noqa: BLE001 - best effort
                    pass
                s.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
