#!/usr/bin/env python3
"""The VRAM dirty log (issue 7): xen-set-global-dirty-log and x-query-vram-dirty.

As libxl drives a save (compact commands, "\\r\\n", ids from 0x786c7100,
one at a time): the log goes on, the guest writes VRAM through qtest (the
legacy window in planar, odd/even and chain-4 modes, the Cirrus banks,
the linear framebuffer after BIOS-like BAR programming, a BitBLT and a
CPU-to-video blit), x-query-vram-dirty shows exactly those 4 KiB pages
and then nothing, and the log goes off.  Writes while it is off are not
recorded; enabling clears; pages recorded before disabling are reported
once.  Then the argument errors, which must equal QEMU 7.2's (QEMU is
asked the same questions when it is installed; the expected texts below
were observed on it).
"""

import harness
import qmpclient
from harness import server
from qtestclient import QtestConn

BAR0 = 0xfc000000
BAR1 = 0xfebf0000
CFG = 0x80001000  # 00:02.0
LIBXL_ID = 0x786c7100


# ------------------------------------------------------------ programming
def sr(i, v):
    return ["outb 0x3c4 0x%x" % i, "outb 0x3c5 0x%x" % v]


def gr(i, v):
    return ["outb 0x3ce 0x%x" % i, "outb 0x3cf 0x%x" % v]


def setup_bars():
    """What SeaBIOS does: BAR0, BAR1, then I/O and memory decoding."""
    return ["outl 0xcf8 0x%x" % (CFG | 0x10), "outl 0xcfc 0x%x" % BAR0,
            "outl 0xcf8 0x%x" % (CFG | 0x14), "outl 0xcfc 0x%x" % BAR1,
            "outl 0xcf8 0x%x" % (CFG | 0x04), "outw 0xcfc 0x0103"]


def blit(width, height, dpitch, spitch, dst, src, mode, rop=0x0d):
    s = gr(0x20, (width - 1) & 0xff) + gr(0x21, (width - 1) >> 8)
    s += gr(0x22, (height - 1) & 0xff) + gr(0x23, (height - 1) >> 8)
    s += gr(0x24, dpitch & 0xff) + gr(0x25, dpitch >> 8)
    s += gr(0x26, spitch & 0xff) + gr(0x27, spitch >> 8)
    s += gr(0x28, dst & 0xff) + gr(0x29, (dst >> 8) & 0xff)
    s += gr(0x2a, dst >> 16)
    s += gr(0x2c, src & 0xff) + gr(0x2d, (src >> 8) & 0xff)
    s += gr(0x2e, src >> 16)
    s += gr(0x30, mode) + gr(0x32, rop) + gr(0x31, 0x00) + gr(0x31, 0x02)
    return s


def runs(pages):
    """Sorted page numbers as the reply's [{"start", "count"}] runs."""
    out = []
    for p in sorted(set(pages)):
        if out and out[-1]["start"] + out[-1]["count"] == p:
            out[-1]["count"] += 1
        else:
            out.append({"start": p, "count": 1})
    return out


class Libxl:
    """One QMP connection used the way libxl's ev_qmp client uses it."""

    def __init__(self, t, path):
        self.t = t
        self.c = qmpclient.QMPClient.connect_unix(path)
        self.c.greeting()
        self.next_id = LIBXL_ID
        self.call("qmp_capabilities")

    def close(self):
        self.c.close()

    def call(self, cmd, args=None):
        msg_id = self.next_id
        self.next_id += 1
        self.c.send_raw(qmpclient.command_bytes(cmd, args, id=msg_id))
        r = self.c.reply()
        self.t.eq(r.get("id"), msg_id, "%s: the reply carries id 0x%x" % (cmd, msg_id))
        return r

    def ok(self, cmd, args=None):
        r = self.call(cmd, args)
        self.t.eq(r.get("return"), {}, "%s %s returns {}" % (cmd, args or ""))

    def dirty(self):
        r = self.call("x-query-vram-dirty")
        return r.get("return", {})


def qtest_all(q, seq):
    for req in seq:
        reply = q.request(req)
        if not reply.startswith("OK"):
            raise harness.HarnessError("qtest %r: %r" % (req, reply))


# ------------------------------------------------------------------ tests
def test_save_sequence(t):
    if not t.only_devmodeld("the VRAM dirty log"):
        return
    with server(t, qtest=True, args=["--machine", "xenfv", "-S"]) as s:
        x = Libxl(t, s.qmp_path)
        q = QtestConn(s.qtest_path)
        try:
            d = x.dirty()
            t.eq(d, {"enabled": False, "page-size": 4096, "vram-pages": 1024,
                     "pages": []}, "before any enable: off, nothing recorded")
            # Writes while off are not recorded; enabling starts clean.
            qtest_all(q, ["outb 0x3c2 0x01"] + sr(2, 0x0f) + sr(4, 0x0e)
                      + ["writeb 0xa2000 0x11"])
            x.ok("xen-set-global-dirty-log", {"enable": True})
            t.eq(x.dirty().get("pages"), [], "writes made while off are not recorded")
            t.eq(x.dirty().get("enabled"), True, "x-query-vram-dirty says on")

            # The legacy window through the VGA core.
            qtest_all(q, sr(4, 0x06) + gr(5, 0x00) + gr(6, 0x05)
                      + ["writeb 0xa0000 0x11",        # planar: VRAM 0x0
                         "writeb 0xa1003 0x22"])       # planar: VRAM 0x400c
            qtest_all(q, sr(4, 0x0e) + ["writeb 0xa5000 0x33",  # chain-4
                                        "writel 0xa7ffe 0x44556677"])
            qtest_all(q, sr(4, 0x02) + gr(5, 0x10) + gr(4, 0x00)
                      + ["writeb 0xa4801 0x55"])        # odd/even: 0x9001
            t.eq(x.dirty().get("pages"), runs([0, 4, 5, 7, 8, 9]),
                 "window writes (planar, chain-4, odd/even) mark their pages")
            t.eq(x.dirty().get("pages"), [], "a second query shows nothing")

            # The Cirrus banks (extended mode, bank 0 at 0x10 x 4 KiB).
            qtest_all(q, gr(5, 0x00) + sr(6, 0x12) + sr(7, 0x01)
                      + gr(0x09, 0x10) + ["writeb 0xa0010 0x66"]
                      + gr(0x09, 0x00))
            t.eq(x.dirty().get("pages"), runs([0x10]), "a banked write marks its page")

            # The linear framebuffer after BIOS-like BAR programming.
            qtest_all(q, setup_bars()
                      + ["writel 0x%x 0xcafef00d" % (BAR0 + 0x3ff000),
                         "writeb 0x%x 0x77" % (BAR0 + 0x123456),
                         "writew 0x%x 0x8899" % (BAR0 + 0x1ffff)])
            t.eq(x.dirty().get("pages"), runs([0x123, 0x1f, 0x20, 0x3ff]),
                 "LFB writes mark their pages")

            # A BitBLT: 16 bytes x 3 lines, pitch 4096, across pages.
            qtest_all(q, blit(16, 3, 0x1000, 0x1000, 0x200ff8, 0x100000, 0x00))
            t.eq(x.dirty().get("pages"), runs([0x200, 0x201, 0x202, 0x203]),
                 "a video-to-video blit marks its destination pages only")
            # A CPU-to-video blit fed through the window: only the target.
            qtest_all(q, blit(8, 1, 0x1000, 0, 0x300000, 0, 0x04)
                      + ["writeb 0xa0000 0x%x" % (0x10 + i) for i in range(8)])
            t.eq(x.dirty().get("pages"), runs([0x300]),
                 "a CPU-to-video blit marks the destination, not the window")

            # libxl's end of a save: the log goes off.
            qtest_all(q, ["writeb 0x%x 0x01" % (BAR0 + 0x5000)])
            x.ok("xen-set-global-dirty-log", {"enable": False})
            qtest_all(q, ["writeb 0x%x 0x01" % (BAR0 + 0x6000)])
            d = x.dirty()
            t.eq((d.get("enabled"), d.get("pages")), (False, runs([5])),
                 "after disable: the pages recorded before, not those after")
            t.eq(x.dirty().get("pages"), [], "and they are reported once")

            # Enabling again clears; a second enable keeps the log.
            x.ok("xen-set-global-dirty-log", {"enable": True})
            qtest_all(q, ["writeb 0x%x 0x01" % (BAR0 + 0x3ff000 + 4095)])
            x.ok("xen-set-global-dirty-log", {"enable": True})
            t.eq(x.dirty().get("pages"), runs([0x3ff]),
                 "the last page of VRAM; a second enable keeps what is recorded")
            x.ok("xen-set-global-dirty-log", {"enable": False})
        finally:
            q.close()
            x.close()


def test_screendump_leaves_log(t):
    """screendump renders the whole frame and leaves the log to its reader."""
    if not t.only_devmodeld("screendump and the dirty log"):
        return
    with server(t, qtest=True, args=["--machine", "xenfv", "-S"]) as s:
        x = Libxl(t, s.qmp_path)
        q = QtestConn(s.qtest_path)
        try:
            x.ok("xen-set-global-dirty-log", {"enable": True})
            qtest_all(q, setup_bars() + ["writeb 0x%x 0x01" % (BAR0 + 0x2000)])
            x.ok("screendump", {"filename": s.tmpdir + "/shot.ppm"})
            t.eq(x.dirty().get("pages"), runs([2]),
                 "a screendump does not take the pages from x-query-vram-dirty")
        finally:
            q.close()
            x.close()


# (arguments, expected error desc) as QEMU 7.2 answered them.
ARG_CASES = [
    (None, "Parameter 'enable' is missing"),
    ({}, "Parameter 'enable' is missing"),
    ({"enable": 1}, "Invalid parameter type for 'enable', expected: boolean"),
    ({"enable": "true"}, "Invalid parameter type for 'enable', expected: boolean"),
    ({"enable": None}, "Invalid parameter type for 'enable', expected: boolean"),
    ({"enable": []}, "Invalid parameter type for 'enable', expected: boolean"),
    ({"enable": True, "x": 1}, "Parameter 'x' is unexpected"),
    ({"Enable": True}, "Parameter 'enable' is missing"),
    ([], "QMP input member 'arguments' must be an object"),
]


def ask(c, args):
    if args is None:
        c.send_command("xen-set-global-dirty-log", id=1)
    else:
        c.send_json({"execute": "xen-set-global-dirty-log", "arguments": args,
                     "id": 1})
    r = c.reply()
    return r.get("error", r.get("return"))


def test_argument_errors(t):
    with server(t) as s:
        with qmpclient.connect_and_negotiate(s.qmp_path) as c:
            for args, desc in ARG_CASES:
                t.eq(ask(c, args), {"class": "GenericError", "desc": desc},
                     "arguments %s" % qmpclient.encode(args).decode())
            for enable in (True, False, True, False):
                t.eq(ask(c, {"enable": enable}), {}, "enable=%s returns {}" % enable)
    if t.is_qemu or not harness.have_qemu():
        return
    with harness.qemu_reference() as qemu:
        with qmpclient.connect_and_negotiate(qemu.qmp_path) as c:
            got = [ask(c, args) for args, _ in ARG_CASES]
    t.eq(got, [{"class": "GenericError", "desc": d} for _, d in ARG_CASES],
         "QEMU 7.2 gives the same errors")


def test_query_arguments(t):
    if not t.only_devmodeld("x-query-vram-dirty"):
        return
    with server(t) as s:
        with qmpclient.connect_and_negotiate(s.qmp_path) as c:
            r = c.execute("x-query-vram-dirty", {"pages": 1}, id=2)
            t.eq((r.error_class, r.error_desc),
                 ("GenericError", "Parameter 'pages' is unexpected"),
                 "x-query-vram-dirty takes no arguments")


if __name__ == "__main__":
    harness.Suite("dirty-log").main([test_save_sequence,
                                     test_screendump_leaves_log,
                                     test_argument_errors,
                                     test_query_arguments])
