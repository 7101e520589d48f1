#!/usr/bin/env python3
"""Device-state files both ways between devmodeld and QEMU 7.2, on both
machine types (devmodeld --machine pc with QEMU -machine pc, --machine
xenfv with -machine pc-i440fx-3.1):

* our file -> QEMU: devmodeld saves after device activity (a keyboard
  reply and LEDs, an IntelliMouse, a PIO read cut after 3.5 sectors,
  Cirrus extensions, the DAC in mid-triplet, a BitBLT); QEMU loads it
  with -incoming defer + migrate-incoming "exec:cat FILE", the migration
  completes, QEMU's own save then equals ours field by field, and QEMU
  finishes our read with the right sectors;
* QEMU's file -> us: QEMU's xen-save-devices-state file and its full
  `migrate` stream (RAM, configuration, footers, JSON description), each
  reduced with `dmstate extract`, load into devmodeld, whose save is then
  byte for byte the extracted file (so every section body is QEMU's).
"""

import importlib.util
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import interop  # noqa: E402
from qtestclient import QtestConn  # noqa: E402


def scenarios():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "test-scenarios.py")
    spec = importlib.util.spec_from_file_location("interop_scenarios", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SC = scenarios()
READ_CUT = (SC.ata(0x20, 100, 8) + (["WAIT"] + SC.words(256)) * 3
            + ["WAIT"] + SC.words(128))
ACTIVITY = (dict(SC.I8042)["LEDs with the ACK left unread"]
            + dict(SC.I8042)["IntelliMouse detection"]
            + SC.EXTENDED + SC.DAC + SC.BLIT
            + [r.replace("IDW", "inw 0x1f0") for r in SC.IDENT_FULL]
            + READ_CUT)


def wait_migration(c, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.execute("query-migrate")
        status = r.get("return", {}).get("status")
        if status in ("completed", "failed", "cancelled"):
            return status
        time.sleep(0.01)
    return "timeout"


def save(c, path):
    r = c.execute("xen-save-devices-state", {"filename": path, "live": False})
    if "return" not in r:
        raise harness.HarnessError("save: %s" % r.raw)


def daemon(machine, img, **kw):
    return harness.Daemon(args=["--machine", machine, "-S", "--drive",
                                "file=%s,index=0,format=raw" % img], **kw)


def ours_to_qemu(t, om, qm, d):
    img = interop.pattern_image(os.path.join(d, "ours.img"))
    img_q = os.path.join(d, "qemu.img")
    shutil.copyfile(img, img_q)
    ours = os.path.join(d, "ours.state")
    with daemon(om, img, qtest=True) as s:
        q = QtestConn(s.qtest_path)
        interop.run_seq(q, ACTIVITY)
        c = s.negotiated()
        save(c, ours)
        c.close()
        q.close()
        s.stop()
    theirs = os.path.join(d, "qemu-after.state")
    with harness.QemuPeer(machine=qm, drive=img_q, incoming=True) as qp:
        c = qp.negotiated()
        r = c.execute("migrate-incoming", {"uri": "exec:cat %s" % ours})
        t.check("return" in r, "%s: QEMU accepts migrate-incoming" % om, r.raw)
        t.eq(wait_migration(c), "completed",
             "%s: QEMU 7.2 loads our file (query-migrate)" % om)
        save(c, theirs)
        n, diffs = interop.compare(interop.dump(ours, om),
                                   interop.dump(theirs, om), after_load=True)
        t.eq(diffs, [], "%s: QEMU's save after the load equals ours field by "
             "field (%d fields)" % (om, n))
        # QEMU goes on with our PIO read: 4.5 sectors from sector 103.5.
        q = QtestConn(qp.qtest_path)
        got = b"".join(interop.reply_value(q.request("inw 0x1f0"))
                       .to_bytes(2, "little") for _ in range(128))
        for _ in range(4):
            interop.wait_not_busy(q)
            got += b"".join(interop.reply_value(q.request("inw 0x1f0"))
                            .to_bytes(2, "little") for _ in range(256))
        with open(img, "rb") as f:
            f.seek(103 * 512 + 256)
            t.eq(got, f.read(4 * 512 + 256),
                 "%s: QEMU finishes our PIO read with the image's bytes" % om)
        q.close()
        c.close()
    return n


def qemu_to_ours(t, om, qm, d, full):
    kind = "migrate stream" if full else "xen-save-devices-state file"
    img = interop.pattern_image(os.path.join(d, "img-%s" % full))
    img_q = img + ".qemu"
    shutil.copyfile(img, img_q)
    stream = os.path.join(d, "qemu-%s.bin" % full)
    with harness.QemuPeer(machine=qm, drive=img_q,
                          xen_globals=not full) as qp:
        q = QtestConn(qp.qtest_path)
        interop.run_seq(q, ACTIVITY)
        q.close()
        c = qp.negotiated()
        if full:
            r = c.execute("migrate", {"uri": "exec:cat > %s" % stream})
            t.check("return" in r, "%s: QEMU migrates to a file" % om, r.raw)
            t.eq(wait_migration(c), "completed", "%s: migration completed" % om)
        else:
            save(c, stream)
        c.close()
    info = interop.dmstate("--machine", om, "--drives", "0", "info",
                           stream).stdout
    t.check("5 sections of ours" in info,
            "%s: dmstate info reads QEMU's %s" % (om, kind), info[:300])
    extracted = os.path.join(d, "extracted-%s.state" % full)
    p = interop.dmstate("--machine", om, "--drives", "0", "extract", stream,
                        "-o", extracted, check=False)
    t.eq(p.returncode, 0, "%s: dmstate extract of QEMU's %s" % (om, kind))
    p = interop.dmstate("--machine", om, "--drives", "0", "diff", stream,
                        extracted, check=False)
    t.eq((p.returncode, p.stdout), (0, ""),
         "%s: dmstate diff: the %s and the extracted file are equal field by "
         "field" % (om, kind))
    again = os.path.join(d, "again-%s.state" % full)
    with daemon(om, img) as s:
        c = s.negotiated()
        r = c.execute("xen-load-devices-state", {"filename": extracted})
        t.check("return" in r, "%s: devmodeld loads QEMU's %s, extracted"
                % (om, kind), r.raw)
        save(c, again)
        c.close()
    with open(extracted, "rb") as f1, open(again, "rb") as f2:
        a, b = f1.read(), f2.read()
    t.check(a == b, "%s: our re-save is byte for byte QEMU's sections (%d "
            "bytes)" % (om, len(a)),
            "first difference at byte %s" % next(
                (i for i in range(min(len(a), len(b))) if a[i] != b[i]),
                min(len(a), len(b))))


def main():
    interop.require_qemu()
    t = harness.Suite("interop files")
    tests = []
    for om, qm in interop.MACHINES:
        def to_qemu(t, om=om, qm=qm):
            d = interop.tempdir()
            ours_to_qemu(t, om, qm, d)

        def from_qemu(t, om=om, qm=qm):
            d = interop.tempdir()
            qemu_to_ours(t, om, qm, d, full=False)
            qemu_to_ours(t, om, qm, d, full=True)
        to_qemu.__name__ = "%s_ours_to_qemu" % om
        from_qemu.__name__ = "%s_qemu_to_ours" % om
        tests += [to_qemu, from_qemu]
    t.main(tests)


if __name__ == "__main__":
    main()
