#!/usr/bin/env python3
"""Writes raw seed corpora for the fuzz targets into OUTDIR/<target>/:

* statefile: devmodeld's and QEMU 7.2's saves after every interop
  scenario (tests/interop/test-scenarios.py), on both machine types;
* qtest: those scenarios as qtest scripts;
* i8042, ide, cirrus: the same scenarios encoded as fuzz-ops.c programs,
  with a round trip after each and a mutated load at the end;
* qmp: QMP transcripts (first byte: chunk size and negotiated flag).

Needs DEVMODELD (the daemon) and qemu-system-x86_64.  The raw corpora are
then minimized into tests/fuzz/corpus with libFuzzer's -merge=1
(docs/fuzzing.md).

    DEVMODELD=./devmodeld python3 tests/fuzz/make-seeds.py OUTDIR
"""

import importlib.util
import json
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
sys.path.insert(0, os.path.join(TOP, "tests", "interop"))

import interop  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "scenarios", os.path.join(TOP, "tests", "interop", "test-scenarios.py"))
scenarios = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scenarios)

# fuzz-ops.c's opcodes and the targets' ranges (keep in step with them).
OP_PW, OP_PR, OP_MW, OP_MR, OP_PWR, OP_PRR = 0, 1, 2, 3, 4, 5
OP_PCI, OP_RT, OP_ML, OP_RESET, OP_EXTRA = 8, 9, 10, 11, 12
PORTS = {
    "i8042": [(0x60, 1), (0x64, 1)],
    "ide": [(0x1f0, 8), (0x3f6, 1), (0x170, 8), (0x376, 1), (0xc000, 16)],
    "cirrus": [(0x3b0, 0x30)],
}
MMIO = {"cirrus": [(0xa0000, 0x20000)]}
DEVFNS = [0x00, 0x08, 0x09, 0x10]
SIZE_CODE = {1: 0, 2: 1, 4: 2, 8: 3}


def qtest_lines(seq):
    return [{"IDW": "inw 0x1f0", "WAIT": "inb 0x1f7"}.get(r, r) for r in seq]


def encode(target, lines):
    """A qtest script as a fuzz-ops.c program; unknown lines are dropped."""
    out = bytearray()
    cf8 = 0
    prev = None
    reps = 0

    def flush():
        nonlocal prev, reps
        if prev is not None:
            ri, off, size = prev
            if reps == 1:
                out.extend(bytes([OP_PR, ri]) + struct.pack("<HB", off, SIZE_CODE[size]))
            else:
                out.extend(bytes([OP_PRR, ri]) + struct.pack("<HBH", off, SIZE_CODE[size], reps - 1))
        prev, reps = None, 0

    for line in lines:
        w = line.split()
        cmd = w[0]
        size = {"b": 1, "w": 2, "l": 4, "q": 8}.get(cmd[-1])
        addr = int(w[1], 0) if len(w) > 1 else 0
        if cmd.startswith("out") or cmd.startswith("in"):
            if addr == 0xcf8:
                flush()
                cf8 = int(w[2], 0)
                continue
            if 0xcfc <= addr < 0xd00 and cmd.startswith("out"):
                flush()
                devfn = (cf8 >> 8) & 0xff
                if devfn in DEVFNS:
                    reg = (cf8 & 0xfc) | (addr & 3)
                    out.extend(bytes([OP_PCI, DEVFNS.index(devfn), reg,
                                      SIZE_CODE[size]])
                               + struct.pack("<I", int(w[2], 0) & 0xffffffff))
                continue
            hit = [(i, addr - b) for i, (b, n) in enumerate(PORTS[target])
                   if b <= addr < b + n]
            if not hit:
                continue
            ri, off = hit[0]
            if cmd.startswith("in"):
                if prev == (ri, off, size) and reps < 1024:
                    reps += 1
                else:
                    flush()
                    prev, reps = (ri, off, size), 1
                continue
            flush()
            out.extend(bytes([OP_PW, ri]) + struct.pack("<HB", off, SIZE_CODE[size])
                       + struct.pack("<I", int(w[2], 0) & 0xffffffff))
        elif cmd.startswith("write") or cmd.startswith("read"):
            flush()
            hit = [(i, addr - b) for i, (b, n) in enumerate(MMIO.get(target, []))
                   if b <= addr < b + n]
            if not hit or size is None:
                continue
            ri, off = hit[0]
            if cmd.startswith("write"):
                out.extend(bytes([OP_MW, ri]) + struct.pack("<IB", off, SIZE_CODE[size])
                           + struct.pack("<Q", int(w[2], 0)))
            else:
                out.extend(bytes([OP_MR, ri]) + struct.pack("<IB", off, SIZE_CODE[size]))
    flush()
    return bytes(out)


def write(outdir, target, name, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


BATCH_TARGET = {"i8042": "i8042", "IDE": "ide", "VGA/Cirrus": "cirrus"}


def device_seeds(outdir):
    for name, batch in scenarios.BATCHES:
        target = BATCH_TARGET[name]
        whole = bytearray()
        for i, (title, seq) in enumerate(batch):
            prog = encode(target, qtest_lines(seq))
            write(outdir, target, "scenario-%02d" % i, prog + bytes([OP_RT]))
            whole += prog + bytes([OP_RT])
            write(outdir, "qtest", "%s-%02d" % (target, i),
                  ("\n".join(qtest_lines(seq)) + "\n").encode())
        # The whole batch, then a mutated load of its final state.
        write(outdir, target, "batch", bytes(whole) + bytes([OP_ML, 0, 1, 0x80, 0, 0, 0, 0, 0xff]))


def state_seeds(outdir):
    for ours_machine, qemu_machine in interop.MACHINES:
        for name, batch in scenarios.BATCHES:
            with interop.Pair(ours_machine, qemu_machine) as p:
                for i, (title, seq) in enumerate(batch):
                    p.run(qtest_lines(seq))
                    ours, theirs = p.save()
                    tag = "%s-%s-%02d" % (ours_machine, BATCH_TARGET[name], i)
                    for who, path in (("ours", ours), ("qemu", theirs)):
                        with open(path, "rb") as f:
                            write(outdir, "statefile", "%s-%s" % (tag, who), f.read())


QMP = [
    ['{"execute":"qmp_capabilities"}', '{"execute":"query-status","id":1}'],
    ['{"execute":"query-commands"}'],
    ['{"execute":"stop"}', '{"execute":"cont"}', '{"execute":"system_reset"}',
     '{"execute":"query-status"}'],
    ['{"execute":"xen-save-devices-state","arguments":{"filename":"x","live":false}}',
     '{"execute":"xen-load-devices-state","arguments":{"filename":"x"}}',
     '{"execute":"cont"}', '{"execute":"xen-load-devices-state","arguments":{"filename":"x"}}'],
    ['{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"ctrl"},'
     '{"type":"qcode","data":"alt"},{"type":"number","data":83}],"hold-time":50}}'],
    ['{"execute":"input-send-event","arguments":{"events":[{"type":"rel","data":'
     '{"axis":"x","value":10}},{"type":"btn","data":{"button":"left","down":true}},'
     '{"type":"key","data":{"down":true,"key":{"type":"qcode","data":"a"}}}]}}'],
    ['{"execute":"human-monitor-command","arguments":{"command-line":"info status"}}',
     '{"execute":"human-monitor-command","arguments":{"command-line":"help info"}}',
     '{"execute":"human-monitor-command","arguments":{"command-line":"stop"},"id":"h"}'],
    ['{"execute":"screendump","arguments":{"filename":"s.ppm"}}',
     '{"execute":"screendump","arguments":{"filename":"s.png","format":"png"}}'],
    ['{"execute":"query-version"}', '{"execute":"query-name"}', '{"execute":"query-chardev"}',
     '{"execute":"query-cpus-fast"}', '{"execute":"query-cpus"}', '{"execute":"query-vnc"}',
     '{"execute":"query-pci"}', '{"execute":"query-fdsets"}',
     '{"execute":"query-xen-replication-status"}'],
    ['{"execute":"getfd","arguments":{"fdname":"f"}}', '{"execute":"closefd","arguments":{"fdname":"f"}}',
     '{"execute":"add-fd","arguments":{"fdset-id":1}}', '{"execute":"remove-fd","arguments":{"fdset-id":1}}'],
    ['{"execute":"xen-set-global-dirty-log","arguments":{"enable":true}}',
     '{"execute":"x-query-vram-dirty"}',
     '{"execute":"xen-set-global-dirty-log","arguments":{"enable":false}}'],
    ['{"execute":"xen-set-replication","arguments":{"enable":true,"primary":true}}',
     '{"execute":"xen-colo-do-checkpoint"}', '{"execute":"change-vnc-password","arguments":{"password":"x"}}'],
    ['{"execute":"x-xenstore-read","arguments":{"path":"/local"}}',
     '{"execute":"x-xenstore-list","arguments":{"path":"/"}}'],
    ['{"execute":"quit"}', '{"execute":"query-status"}'],
    ["{'execute':'query-status','id':{'a':[1,2.5e3,-0,true,null]}}",
     '{"execute":"query-status","id":18446744073709551615}',
     '{"execute":"query-status","id":"\\u00e9\\ud83d\\ude00\\u0000"}'],
    ['[' * 1100 + ']' * 1100, '{"execute"}', '\x00\xff{"execute":"stop"}', '"unterminated'],
    ['{"exec":"stop"}', '{"execute":1}', '{"execute":"stop","arguments":[]}',
     '{"execute":"stop","arguments":{"x":1}}', '{"execute":"nope"}', '{"execute":"stop","oob":1}'],
]


def qmp_seeds(outdir):
    for i, msgs in enumerate(QMP):
        text = "\r\n".join(msgs) + "\r\n"
        for flags in (0x00, 0xff, 0x0e):  # whole, negotiated + 128, 8-byte chunks
            write(outdir, "qmp", "transcript-%02d-%02x" % (i, flags),
                  bytes([flags]) + text.encode("utf-8", "surrogatepass"))


def main():
    outdir = sys.argv[1]
    device_seeds(outdir)
    qmp_seeds(outdir)
    if interop.harness.have_qemu():
        state_seeds(outdir)
    else:
        print("qemu-system-x86_64 not found: no statefile seeds")


if __name__ == "__main__":
    main()
