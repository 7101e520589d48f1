"""Guest I/O for the COLO loop, through qtest (and QMP input for the host
side of the keyboard and mouse): typing, mouse movement, IDE PIO reads
and writes on a raw image whose expected content is modelled here, and
drawing on the Cirrus card through its linear framebuffer and the
legacy window.

Work is done in small steps so that a checkpoint usually falls in the
middle of an IDE transfer (the 131 KB pio_state subsection) with keyboard
and mouse bytes queued.  Every step is deterministic in the step number.
"""

import benchlib

SECTOR = 512
CFG_VGA = 0x80001000  # 00:02.0
BAR0 = 0xfc000000     # Cirrus LFB
BAR1 = 0xfebf0000     # Cirrus MMIO
WORDS_PER_STEP = 64   # a sector takes 4 steps
IDE_DATA, IDE_STATUS, IDE_ALTSTATUS = 0x1f0, 0x1f7, 0x3f6
IDE2_DATA = 0x170     # the second channel's command block (drive index 2)
STAT_BSY, STAT_DRQ, STAT_ERR = 0x80, 0x08, 0x01


def out(port, v):
    return "outb 0x%x 0x%x" % (port, v)


def ide_command(base, kind, lba, count):
    """Starts READ SECTORS or WRITE SECTORS (LBA28, the master drive) on
    the channel whose data port is base."""
    return [out(base + 6, 0xe0 | (lba >> 24 & 0x0f)), out(base + 2, count),
            out(base + 3, lba & 0xff), out(base + 4, lba >> 8 & 0xff),
            out(base + 5, lba >> 16 & 0xff),
            out(base + 7, 0x30 if kind == "write" else 0x20)]


def ide_write_words(base, data, first, n):
    """Writes words first..first+n-1 of data to the data port at base."""
    return ["outw 0x%x 0x%x" % (base, data[2 * w] | data[2 * w + 1] << 8)
            for w in range(first, first + n)]


def sector_pattern(tag, lba):
    """512 bytes that differ per tag (0: the initial image) and sector."""
    seed = (tag * 131 + lba * 17) & 0xffff
    row = bytes(((i * 7 + seed) ^ (seed >> 8)) & 0xff for i in range(256))
    return row + bytes(b ^ 0x5a for b in row)


def make_image(path, sectors):
    with open(path, "wb") as f:
        for lba in range(sectors):
            f.write(sector_pattern(0, lba))


def setup_requests():
    """BARs and decoding as SeaBIOS sets them, a Cirrus 8 bpp 64x32 mode
    with a palette, the PS/2 mouse reporting, IDE drive 0 selected."""
    def sr(i, v):
        return [out(0x3c4, i), out(0x3c5, v)]

    def gr(i, v):
        return [out(0x3ce, i), out(0x3cf, v)]

    def cr(i, v):
        return [out(0x3d4, i), out(0x3d5, v)]

    s = ["outl 0xcf8 0x%x" % (CFG_VGA | 0x10), "outl 0xcfc 0x%x" % BAR0,
         "outl 0xcf8 0x%x" % (CFG_VGA | 0x14), "outl 0xcfc 0x%x" % BAR1,
         "outl 0xcf8 0x%x" % (CFG_VGA | 0x04), "outw 0xcfc 0x0103"]
    s += [out(0x3c2, 0x63)] + sr(0x06, 0x12) + sr(0x07, 0x01) + sr(0x01, 0x01)
    s += gr(0x05, 0x40) + gr(0x06, 0x05)
    s += cr(0x11, 0x00)
    for i, v in sorted({0x01: 7, 0x12: 31, 0x07: 0x10, 0x09: 0x40,
                        0x13: 8, 0x17: 0xc3, 0x18: 0xff, 0x1b: 0x02}.items()):
        s += cr(i, v)
    s += ["inb 0x3da", out(0x3c0, 0x10), out(0x3c0, 0x41),
          out(0x3c0, 0x12), out(0x3c0, 0x0f)]
    s += [out(0x3c8, 0)]
    for i in range(256):
        s += [out(0x3c9, (i * 5) & 0x3f), out(0x3c9, (i * 11 + 3) & 0x3f),
              out(0x3c9, (i * 2) & 0x3f)]
    s += ["inb 0x3da", out(0x3c0, 0x20)]
    # The mouse: aux port on, data reporting on (its ACK is drained later).
    s += [out(0x64, 0xa8), out(0x64, 0xd4), out(0x60, 0xf4)]
    s += [out(0x1f6, 0xe0)]
    return s


class Guest:
    """The guest's side of the primary: a qtest connection, the primary's
    QMP (for keys and mouse moves) and the model of the disk."""

    def __init__(self, qtest, qmp, sectors, image_path):
        self.q = qtest
        self.qmp = qmp
        self.sectors = sectors
        self.image_path = image_path
        self.model = bytearray()
        for lba in range(sectors):
            self.model += sector_pattern(0, lba)
        self.transfer = 0        # transfers started so far
        self.xfer = None         # (kind, lba, count, words done)
        self.read_data = bytearray()
        self.verified_reads = 0
        self.q.run(setup_requests())

    # ------------------------------------------------------------ IDE
    def _plan(self, t):
        count = 1 + t % 4
        lba = (t // 2 * 5) % (self.sectors - 8)
        return ("write" if t % 2 == 0 else "read"), lba, count

    def _start(self, kind, lba, count):
        self.q.run(ide_command(IDE_DATA, kind, lba, count))
        self.xfer = [kind, lba, count, 0]
        self.read_data = bytearray()
        self.transfer += 1

    def _write_words(self, lba, count, first, n):
        tag = self.transfer
        data = b"".join(sector_pattern(tag, lba + k) for k in range(count))
        self.q.run(ide_write_words(IDE_DATA, data, first, n))
        self.model[(lba * SECTOR) + 2 * first:(lba * SECTOR) + 2 * (first + n)] = \
            data[2 * first:2 * (first + n)]

    def _read_words(self, n):
        vals = self.q.values(["inw 0x%x" % IDE_DATA] * n)
        for v in vals:
            self.read_data += bytes((v & 0xff, v >> 8))

    def ide_step(self, words=WORDS_PER_STEP):
        """Moves the current transfer on by some words; starts the next one
        when it is done."""
        if self.xfer is None:
            kind, lba, count = self._plan(self.transfer)
            self._start(kind, lba, count)
        kind, lba, count, done = self.xfer
        n = min(words, count * SECTOR // 2 - done)
        if kind == "write":
            self._write_words(lba, count, done, n)
        else:
            self._read_words(n)
        self.xfer[3] = done + n
        if self.xfer[3] == count * SECTOR // 2:
            self._finish()

    def _finish(self):
        kind, lba, count, _ = self.xfer
        st = self.q.values(["inb 0x%x" % IDE_STATUS])[0]
        if st & (STAT_BSY | STAT_DRQ | STAT_ERR):
            raise benchlib.BenchError("IDE %s of %d at %d ends with status 0x%02x"
                                      % (kind, count, lba, st))
        if kind == "read":
            want = bytes(self.model[lba * SECTOR:(lba + count) * SECTOR])
            if bytes(self.read_data) != want:
                raise benchlib.BenchError("IDE read of %d at %d: wrong data"
                                          % (count, lba))
            self.verified_reads += 1
        self.xfer = None

    def start_read_in_flight(self, lba, count, words):
        """A READ SECTORS left in flight: words of it read."""
        if self.xfer is not None:
            while self.xfer is not None:
                self.ide_step(1 << 16)
        self._start("read", lba, count)
        self._read_words(words)
        self.xfer[3] = words

    # ------------------------------------------------------------ input
    def type_keys(self, step):
        keys = ["a", "s", "d", "f", "j", "k", "l", "ret", "spc", "1"]
        key = {"type": "qcode", "data": keys[step % len(keys)]}
        # Press and release in one batch: send-key would release the key
        # from a timer, which is host state no checkpoint carries.
        self.qmp.ok(benchlib.cmd("input-send-event", {"events": [
            {"type": "key", "data": {"down": True, "key": key}},
            {"type": "key", "data": {"down": False, "key": key}}]}))

    def move_mouse(self, step):
        self.qmp.ok(benchlib.cmd("input-send-event", {"events": [
            {"type": "rel", "data": {"axis": "x", "value": 1 + step % 5}},
            {"type": "rel", "data": {"axis": "y", "value": -(step % 3)}}]}))

    def read_i8042(self, limit):
        """What the guest's handler reads: up to limit (status, byte)."""
        got = []
        for _ in range(limit):
            st = self.q.values(["inb 0x64"])[0]
            if not st & 0x01:
                break
            got.append((st & 0x20, self.q.values(["inb 0x60"])[0]))
        return got

    # ------------------------------------------------------------ VGA
    def draw(self, step):
        """A line of pixels through the LFB, a byte through the window."""
        off = (step * 64) % (64 * 32)
        v = (step * 0x01010101 + 0x00102030) & 0xffffffff
        self.q.run(["writel 0x%x 0x%x" % (BAR0 + off, v),
                    "writel 0x%x 0x%x" % (BAR0 + off + 4, v ^ 0xffffffff),
                    "writeb 0x%x 0x%x" % (0xa0000 + (step * 3) % 2048,
                                          step & 0xff)])

    # ------------------------------------------------------------ a step
    def step(self, i):
        """The guest's work between two checkpoints."""
        self.ide_step()
        if i % 3 == 0:
            self.type_keys(i)
        if i % 4 == 1:
            self.move_mouse(i)
        if i % 2 == 0:
            self.read_i8042(3)
        self.draw(i)

    def check_image(self):
        with open(self.image_path, "rb") as f:
            got = f.read(self.sectors * SECTOR)
        if got != bytes(self.model):
            bad = next(i for i in range(len(got)) if got[i] != self.model[i])
            raise benchlib.BenchError("disk image differs from the model at "
                                      "byte %d (sector %d)" % (bad, bad // SECTOR))
