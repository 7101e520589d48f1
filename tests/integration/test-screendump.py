#!/usr/bin/env python3
"""screendump (issue 6): what the Cirrus VGA shows, compared with QEMU 7.2.

The same register and memory programming goes through qtest to QEMU 7.2
(-vga cirrus, stopped at guest time 0) and to devmodeld, then both take a
screendump and the pictures must be pixel-identical:
  * a 24x6 text screen with 9-dot cells, line-graphics characters, two
    fonts (SR3), an AR/DAC palette and a visible cursor; it must also
    equal the golden PPM in data/ (taken from QEMU once);
  * 256-colour chain-4 (mode 13h's registers at a smaller size);
  * planar 16-colour with a doubled dot clock;
  * Cirrus linear 16 bpp through SR7 and the hidden DAC, without and with
    the hardware cursor (QEMU converts the two differently).
devmodeld's PNG output is decoded here (own decoder: zlib, 5 filters) and
must hold the PPM's pixels.  Then the file-name rules (/dev/fdset/N,
fd:NAME, a missing directory) and the argument errors, against both.
"""

import base64
import os
import struct
import tempfile
import zlib

import harness
import qmpclient
from harness import server
from qtestclient import QtestConn

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_TEXT = os.path.join(HERE, "data", "screendump-text.ppm")
BAR0 = 0xfc000000
BAR1 = 0xfebf0000
CFG = 0x80001000  # 00:02.0


# ------------------------------------------------------------ programming
def out(port, v):
    return "outb 0x%x 0x%x" % (port, v)


def sr(i, v):
    return [out(0x3c4, i), out(0x3c5, v)]


def gr(i, v):
    return [out(0x3ce, i), out(0x3cf, v)]


def cr(i, v):
    return [out(0x3d4, i), out(0x3d5, v)]


def ar(values):
    """AR0..AR14 from a dict; video left off until video_on()."""
    s = ["inb 0x3da"]
    for i, v in sorted(values.items()):
        s += [out(0x3c0, i), out(0x3c0, v)]
    return s


def video_on():
    return ["inb 0x3da", out(0x3c0, 0x20)]


def dac(first, rgb_list):
    s = [out(0x3c8, first)]
    for (r, g, b) in rgb_list:
        s += [out(0x3c9, r), out(0x3c9, g), out(0x3c9, b)]
    return s


def mem(addr, data):
    """Bulk write in 4 KiB pieces (qtest b64write)."""
    s = []
    for off in range(0, len(data), 4096):
        chunk = data[off:off + 4096]
        s.append("b64write 0x%x 0x%x %s" % (addr + off, len(chunk),
                                            base64.b64encode(chunk).decode()))
    return s


def crtc(regs):
    s = cr(0x11, 0x00)   # unlock CR0-CR7
    for i, v in sorted(regs.items()):
        s += cr(i, v)
    return s


EGA_AR = {i: v for i, v in enumerate(
    [0, 1, 2, 3, 4, 5, 0x14, 7, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f])}


def ega_dac():
    """DAC entries 0..63 as the EGA 6-bit rgbRGB scheme gives them."""
    pal = []
    for i in range(64):
        def level(hi, lo):
            return ((i >> hi) & 1) * 0x2a + ((i >> lo) & 1) * 0x15
        pal.append((level(2, 5), level(1, 4), level(0, 3)))
    return dac(0, pal)


def font_glyph(ch, alt):
    """16 rows for character ch: deterministic, every bit pattern shows."""
    rows = []
    for r in range(16):
        v = (ch * 37 + r * 11 + (0x5a if alt else 0)) & 0xff
        if r in (0, 15):
            v = 0xff if ch in (0xc4, 0xcd, 0xb3) else 0
        if ch == 0xb3:
            v = 0x18 | (1 if r % 2 else 0)
        rows.append(v)
    return bytes(rows)


def seq_text():
    """24x6 text, 9x16 cells, font maps 0 and 1, cursor at row 2 col 5."""
    s = [out(0x3c2, 0x67)]
    s += sr(0x00, 0x03) + sr(0x01, 0x00)
    # Fonts: plane 2 alone, sequential, read map 2, A0000 64K.
    s += sr(0x02, 0x04) + sr(0x04, 0x06) + gr(0x04, 0x02) + gr(0x05, 0x00)
    s += gr(0x06, 0x04) + gr(0x08, 0xff)
    for base, alt in ((0x0000, False), (0x4000, True)):
        font = bytearray(256 * 32)
        for ch in range(256):
            font[ch * 32:ch * 32 + 16] = font_glyph(ch, alt)
        s += mem(0xa0000 + base, bytes(font))
    # Text: planes 0/1 odd/even at B8000.
    s += sr(0x02, 0x03) + sr(0x04, 0x02) + gr(0x04, 0x00) + gr(0x05, 0x10)
    s += gr(0x06, 0x0e)
    s += sr(0x03, 0x04)  # map A (attr bit 3) = font 1, map B = font 0
    text = bytearray()
    for row in range(6):
        for col in range(24):
            ch = [0x41 + (row * 24 + col) % 26, 0xc4, 0xb3, 0xcd, 0x20,
                  0xdb, 0x61 + col % 26][(row + col) % 7]
            attr = ((row * 5 + col * 3) & 0x7f) | (0x80 if col == 7 else 0)
            text += bytes([ch, attr])
    s += mem(0xb8000, bytes(text))
    s += crtc({0x01: 23, 0x12: 95, 0x07: 0x10, 0x09: 0x4f, 0x13: 12,
               0x0a: 0x0d, 0x0b: 0x0e, 0x0c: 0, 0x0d: 0,
               0x0e: 0, 0x0f: 2 * 24 + 5, 0x17: 0xa3, 0x18: 0xff,
               0x06: 0xbf})
    regs = dict(EGA_AR)
    regs.update({0x10: 0x04, 0x12: 0x0f, 0x13: 0x08, 0x14: 0x00})
    s += ar(regs) + ega_dac() + video_on()
    return s


def seq_chain4():
    """256 colours, chain-4, 160 bytes x 50 rows doubled: 320x100."""
    s = [out(0x3c2, 0x63)]
    s += sr(0x00, 0x03) + sr(0x01, 0x01) + sr(0x02, 0x0f) + sr(0x04, 0x0e)
    s += gr(0x05, 0x40) + gr(0x06, 0x05)
    s += crtc({0x01: 39, 0x12: 99, 0x07: 0x10, 0x09: 0x41, 0x13: 20,
               0x14: 0x40, 0x17: 0xa3, 0x18: 0xff})
    regs = {i: i for i in range(16)}
    regs.update({0x10: 0x41, 0x12: 0x0f, 0x14: 0x00})
    s += ar(regs)
    s += dac(0, [((i * 7) & 0x3f, (i * 3 + 5) & 0x3f, (63 - i) & 0x3f)
                 for i in range(256)])
    pix = bytes(((x * 3) ^ (y * 5)) & 0xff for y in range(50) for x in range(160))
    s += mem(0xa0000, pix)
    return s + video_on()


def seq_planar():
    """16 colours, 4 planes, SR1 bit 3 doubling: 64 -> 128 wide, 32 high."""
    s = [out(0x3c2, 0x63)]
    s += sr(0x00, 0x03) + sr(0x01, 0x09) + sr(0x04, 0x06)
    s += gr(0x05, 0x00) + gr(0x06, 0x05) + gr(0x08, 0xff)
    s += crtc({0x01: 7, 0x12: 31, 0x07: 0x10, 0x09: 0x40, 0x13: 4,
               0x17: 0xe3, 0x18: 0xff})
    regs = dict(EGA_AR)
    regs.update({0x10: 0x01, 0x12: 0x0f, 0x14: 0x00})
    s += ar(regs) + ega_dac()
    for plane in range(4):
        s += sr(0x02, 1 << plane)
        data = bytes(((y * 17 + x * 29 + plane * 61) & 0xff)
                     for y in range(32) for x in range(32))
        s += mem(0xa0000, data)
    return s + video_on()


def setup_bars():
    """What SeaBIOS does: BAR0, BAR1, then I/O and memory decoding."""
    return ["outl 0xcf8 0x%x" % (CFG | 0x10), "outl 0xcfc 0x%x" % BAR0,
            "outl 0xcf8 0x%x" % (CFG | 0x14), "outl 0xcfc 0x%x" % BAR1,
            "outl 0xcf8 0x%x" % (CFG | 0x04), "outw 0xcfc 0x0103"]


def seq_linear(sr7, bytes_pp, hidden_dac=0, cursor=False, start=0):
    """Cirrus 64x32 from the LFB at 8/15/16/24/32 bpp; start in dwords."""
    pitch = 64 * bytes_pp
    s = setup_bars() + [out(0x3c2, 0x63)]
    s += sr(0x06, 0x12) + sr(0x07, sr7) + sr(0x01, 0x01)
    s += ["inb 0x3c6"] * 4 + [out(0x3c6, hidden_dac)]
    s += gr(0x05, 0x40) + gr(0x06, 0x05)
    s += crtc({0x01: 7, 0x12: 31, 0x07: 0x10, 0x09: 0x40, 0x13: pitch // 8,
               0x17: 0xc3, 0x18: 0xff, 0x1b: 0x02 | (start >> 16 & 1) |
               ((start >> 17 & 3) << 2), 0x1d: (start >> 19 & 1) << 7,
               0x0c: start >> 8 & 0xff, 0x0d: start & 0xff})
    s += ar({0x10: 0x41, 0x12: 0x0f})
    s += dac(0, [((i * 5) & 0x3f, (i * 11 + 3) & 0x3f, (i * 2) & 0x3f)
                 for i in range(256)])
    pix = bytes(((x * 29 + y * 13) ^ (x >> 3) * 7) & 0xff
                for y in range(32) for x in range(pitch))
    base = (start * 4) % (4 << 20)
    first = pix[:(4 << 20) - base]
    s += mem(BAR0 + base, first)
    if len(first) < len(pix):  # the frame wraps to VRAM 0
        s += mem(BAR0, pix[len(first):])
    if cursor:
        # Hidden palette (SR12 bit 1): cursor colours 0 and 15.
        s += sr(0x12, 0x02) + dac(0, [(0x3f, 0x10, 0x01)])
        s += dac(15, [(0x02, 0x21, 0x3e)])
        pattern = bytearray(256)
        for r in range(32):
            pattern[r * 4:r * 4 + 4] = struct.pack(">I", (0xf0f0f0f0 >> (r % 8)) & 0xffffffff)
            pattern[128 + r * 4:128 + r * 4 + 4] = struct.pack(">I", (0xff00ff00 >> r) & 0xffffffff)
        s += mem(BAR0 + (4 << 20) - 16 * 1024 + 3 * 256, bytes(pattern))
        x, y = 45, 7
        s += [out(0x3c4, 0x10 | ((x & 7) << 5)), out(0x3c5, x >> 3)]
        s += [out(0x3c4, 0x11 | ((y & 7) << 5)), out(0x3c5, y >> 3)]
        s += sr(0x13, 0x03) + sr(0x12, 0x01)
    return s + video_on()


def seq_text_wide():
    """The text screen with 8-dot cells doubled by SR1 bit 3 (16 wide)."""
    return seq_text() + sr(0x01, 0x09)


SCENES = [("text", seq_text), ("text 16-dot cells", seq_text_wide),
          ("chain-4 256 colours", seq_chain4),
          ("planar 16 colours", seq_planar),
          ("Cirrus 8 bpp", lambda: seq_linear(0x01, 1)),
          ("Cirrus 15 bpp", lambda: seq_linear(0x07, 2, 0xc0)),
          ("Cirrus 16 bpp", lambda: seq_linear(0x07, 2, 0xc1)),
          ("Cirrus 16 bpp with cursor", lambda: seq_linear(0x07, 2, 0xc1, True)),
          ("Cirrus 24 bpp", lambda: seq_linear(0x05, 3)),
          ("Cirrus 32 bpp", lambda: seq_linear(0x09, 4)),
          ("Cirrus 32 bpp wrapping past VRAM's end",
           lambda: seq_linear(0x09, 4, start=0xfff00)),
          ("Cirrus 8 bpp with the 64x64 cursor", lambda: seq_linear(0x01, 1, cursor=True)
           + sr(0x12, 0x05) + sr(0x13, 0x04))]


# ------------------------------------------------------------ the servers
class QemuVga(harness.QemuPeer):
    """QEMU 7.2 -vga cirrus, stopped, with qtest and QMP sockets."""

    def __init__(self):
        super().__init__(xen_globals=False)

    def close(self):
        self.cleanup()


def program(qtest_path, seq):
    q = QtestConn(qtest_path)
    try:
        replies = [q.request(r) for r in seq]
    finally:
        q.close()
    bad = [(r, x) for r, x in zip(seq, replies) if not x.startswith("OK")]
    if bad:
        raise harness.HarnessError("qtest refused %r" % (bad[:3],))


def dump(c, path, fmt=None):
    args = {"filename": path}
    if fmt:
        args["format"] = fmt
    r = c.execute("screendump", args)
    if "return" not in r:
        raise harness.HarnessError("screendump failed: %s" % r.raw)
    with open(path, "rb") as f:
        return f.read()


# ------------------------------------------------------------ image codecs
def parse_ppm(data):
    """(width, height, rgb bytes) of a P6 file as QEMU writes it."""
    parts = data.split(b"\n", 3)
    if parts[0] != b"P6" or parts[2] != b"255":
        raise ValueError("not a P6 PPM")
    w, h = (int(v) for v in parts[1].split())
    if len(parts[3]) != w * h * 3:
        raise ValueError("PPM size mismatch")
    return w, h, parts[3]


def decode_png(data):
    """(width, height, rgb bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise ValueError("unsupported PNG %r" % (ihdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    out = bytearray()
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 0:
                pred = 0
            elif ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise ValueError("filter type %d" % ftype)
            line[i] = (line[i] + pred) & 0xff
        prev = line
        if bpp == 4:
            line = b"".join(line[i:i + 3] for i in range(0, stride, 4))
        out += line
    return w, h, bytes(out)


def first_difference(a, b, width):
    for i in range(min(len(a), len(b)) // 3):
        if a[3 * i:3 * i + 3] != b[3 * i:3 * i + 3]:
            return "pixel (%d,%d): %s vs %s" % (i % width, i // width,
                                                a[3 * i:3 * i + 3].hex(),
                                                b[3 * i:3 * i + 3].hex())
    return "sizes %d vs %d" % (len(a), len(b))


def same_pixels(t, what, ours, theirs):
    ow, oh, op = ours
    tw, th, tp = theirs
    t.check((ow, oh) == (tw, th) and op == tp, what,
            "%dx%d vs %dx%d, %s" % (ow, oh, tw, th, first_difference(op, tp, ow)))


def devmodeld_args():
    return ["--machine", "pc", "-S"]


def has_display(c):
    """False when devmodeld has no VGA card (machine->cirrus not wired)."""
    r = c.execute("screendump", {"filename": "/nonexistent-dir/x.ppm"})
    return "There is no console" not in r.error_desc if "error" in r else True


# ------------------------------------------------------------ the tests
def qemu_pictures(seq, name, t):
    """QEMU's PPM and PNG of a scene, with notes on its PNG."""
    q = QemuVga()
    try:
        program(q.qtest_path, seq)
        qc = q.negotiated()
        ppm = dump(qc, os.path.join(q.tmpdir, "q.ppm"))
        png = dump(qc, os.path.join(q.tmpdir, "q.png"), "png")
        qc.close()
    finally:
        q.close()
    w, h, pixels = parse_ppm(ppm)
    t.check(ppm.startswith(b"P6\n%d %d\n255\n" % (w, h)), "%s: QEMU's PPM header" % name)
    qpng = decode_png(png)
    t.note("%s: QEMU's PNG (%s) %s its PPM" % (
        name, "RGBA" if png[25] == 6 else "RGB",
        "holds the pixels of" if qpng[2] == pixels else "differs from"))
    return ppm


def test_pictures_equal_qemu(t):
    if not t.only_devmodeld("pictures compared with QEMU"):
        return
    qemu = harness.have_qemu()
    if not qemu:
        t.skip("QEMU's pictures", "%s not installed: golden file only" % harness.QEMU)
    with open(GOLDEN_TEXT, "rb") as f:
        golden = f.read()
    for name, make in SCENES:
        seq = make()
        theirs_ppm = qemu_pictures(seq, name, t) if qemu else None
        if name == "text" and theirs_ppm is not None:
            if os.environ.get("SCREENDUMP_WRITE_GOLDEN"):
                with open(GOLDEN_TEXT, "wb") as f:
                    f.write(theirs_ppm)
                golden = theirs_ppm
            t.check(theirs_ppm == golden, "text: QEMU's screendump equals the golden PPM")

        with server(t, qtest=True, args=devmodeld_args()) as s:
            c = s.negotiated()
            if not has_display(c):
                t.skip("%s: devmodeld picture" % name,
                       "devmodeld has no VGA card yet (machine->cirrus is NULL)")
                c.close()
                continue
            program(s.qtest_path, seq)
            ours_ppm = dump(c, os.path.join(s.tmpdir, "d.ppm"))
            ours_png = dump(c, os.path.join(s.tmpdir, "d.png"), "png")
            c.close()
        if name == "text":
            same_pixels(t, "text: devmodeld's PPM equals the golden PPM",
                        parse_ppm(ours_ppm), parse_ppm(golden))
        if theirs_ppm is not None:
            same_pixels(t, "%s: devmodeld's PPM equals QEMU's" % name,
                        parse_ppm(ours_ppm), parse_ppm(theirs_ppm))
            t.eq(ours_ppm, theirs_ppm, "%s: the PPM files are byte-identical" % name)
        t.eq(ours_png[25], 2, "%s: devmodeld's PNG is 8-bit RGB" % name)
        same_pixels(t, "%s: devmodeld's PNG decodes to the PPM's pixels" % name,
                    decode_png(ours_png), parse_ppm(ours_ppm))


def send_fd(c, cmd, args, fd):
    c.send_with_fds_whole(qmpclient.command_bytes(cmd, args, id=1), [fd])
    return c.reply()


def test_file_names(t):
    if not t.only_devmodeld("file names"):
        return
    with server(t, qtest=True, args=devmodeld_args()) as s:
        c = s.negotiated()
        if not has_display(c):
            t.skip("file names", "devmodeld has no VGA card yet")
            c.close()
            return
        program(s.qtest_path, seq_text())
        ref = dump(c, os.path.join(s.tmpdir, "ref.ppm"))
        t.check(ref.startswith(b"P6\n216 96\n255\n"), "text screen is 216x96")

        # An existing file is replaced whole.
        path = os.path.join(s.tmpdir, "old.ppm")
        with open(path, "wb") as f:
            f.write(b"X" * 200000)
        t.eq(dump(c, path), ref, "an existing, longer file is replaced")

        # /dev/fdset/N, as libxl passes files.
        target = os.path.join(s.tmpdir, "fdset.ppm")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            r = send_fd(c, "add-fd", None, fd)
            fdset = r.get("return", {}).get("fdset-id")
            t.check(isinstance(fdset, int), "add-fd", r.raw)
            r = c.execute("screendump", {"filename": "/dev/fdset/%d" % fdset})
            t.check("return" in r, "screendump to /dev/fdset/N", r.raw)
        finally:
            os.close(fd)
        t.eq(open(target, "rb").read(), ref, "the fd set's file holds the picture")

        # fd:NAME from getfd.
        target = os.path.join(s.tmpdir, "named.png")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            r = send_fd(c, "getfd", {"fdname": "shot"}, fd)
            t.check("return" in r, "getfd shot", r.raw)
        finally:
            os.close(fd)
        r = c.execute("screendump", {"filename": "fd:shot", "format": "png"})
        t.check("return" in r, "screendump to fd:shot as png", r.raw)
        png = open(target, "rb").read()
        same_pixels(t, "fd:NAME got the PNG of the same picture",
                    decode_png(png), parse_ppm(ref))
        r = c.execute("screendump", {"filename": "fd:shot"})
        t.eq(r.error_desc if "error" in r else None,
             "File descriptor named 'shot' not found", "fd:NAME is used up")

        # A missing directory: an error naming the path, nothing written.
        missing = os.path.join(s.tmpdir, "no-such-dir", "x.ppm")
        before = sorted(os.listdir(s.tmpdir))
        r = c.execute("screendump", {"filename": missing})
        t.check("error" in r and missing in r.error_desc,
                "a missing directory fails, naming the path", r.raw)
        t.eq(sorted(os.listdir(s.tmpdir)), before, "nothing half-written is left")
        c.close()


ERROR_CASES = [
    ("bad format", {"filename": "F", "format": "bmp"}),
    ("format of the wrong type", {"filename": "F", "format": 1}),
    ("unknown device", {"filename": "F", "device": "nope"}),
    ("unknown device with head 1", {"filename": "F", "device": "nope", "head": 1}),
    ("head without device", {"filename": "F", "head": 1}),
    ("head 0 without device", {"filename": "F", "head": 0}),
    ("no filename", {}),
    ("unexpected member", {"filename": "F", "width": 3}),
]


def error_replies(c, tmpdir):
    out = []
    for name, args in ERROR_CASES:
        args = {k: (os.path.join(tmpdir, "err.ppm") if v == "F" else v)
                for k, v in args.items()}
        r = c.execute("screendump", args)
        out.append((r.error_class, r.error_desc) if "error" in r else ("return", None))
    return out


def test_errors_as_qemu(t):
    if not t.only_devmodeld("errors compared with QEMU"):
        return
    if not harness.have_qemu():
        t.skip("errors compared with QEMU", "%s not installed" % harness.QEMU)
        return
    q = QemuVga()
    try:
        qc = q.negotiated()
        theirs = error_replies(qc, q.tmpdir)
        qc.close()
    finally:
        q.close()
    with server(t, qtest=True, args=devmodeld_args()) as s:
        c = s.negotiated()
        ours = error_replies(c, s.tmpdir)
        t.check(not os.path.exists(os.path.join(s.tmpdir, "err.ppm")),
                "no file is written by a refused screendump")
        r = c.execute("query-commands")
        t.check(any(x.get("name") == "screendump" for x in r.get("return", [])),
                "query-commands lists screendump")
        c.close()
    for (name, _), o, th in zip(ERROR_CASES, ours, theirs):
        t.eq(o, th, "%s: the same error as QEMU" % name)


if __name__ == "__main__":
    harness.Suite("screendump").main([test_pictures_equal_qemu, test_file_names,
                                      test_errors_as_qemu])
