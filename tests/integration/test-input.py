#!/usr/bin/env python3
"""Keyboard and mouse end to end: QMP send-key and input-send-event on one
side, the guest's port 0x60/0x64 reads through qtest on the other, with
IRQ 1 and 12 as a PC raises them; the controller's 0xFE reset; and a save
with bytes pending in both queues loaded into a fresh daemon, which then
delivers exactly the same bytes.
"""

import os
import time

import harness
from harness import server
from qtestclient import QtestConn

OBF = 0x01      # status: output buffer full
AUX_OBF = 0x20  # status: the byte is from the mouse


def status(q):
    return int(q.request("inb 0x64").split()[1], 16)


def drain(q, limit=64):
    """Reads every pending byte: [(byte, from_mouse)]."""
    out = []
    for _ in range(limit):
        st = status(q)
        if not st & OBF:
            return out
        out.append((int(q.request("inb 0x60").split()[1], 16), bool(st & AUX_OBF)))
    return out


def wait_bytes(q, count, timeout=2.0):
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        got += drain(q)
        if len(got) < count:
            time.sleep(0.01)
    return got


def test_send_key(t):
    if not t.only_devmodeld("devmodeld's keyboard over qtest"):
        return
    with server(t, qtest=True) as s:
        c = s.negotiated()
        q = QtestConn(s.qtest_path)
        r = c.execute("send-key", {"keys": [{"type": "qcode", "data": "a"}],
                                   "hold-time": 10})
        t.check("return" in r, "send-key a", r.raw)
        got = wait_bytes(q, 3)
        t.eq([b for b, _ in got], [0x1c, 0xf0, 0x1c],
             "set 2 make and break of 'a' (no translation after reset)")
        t.check(all(not aux for _, aux in got), "keyboard bytes are not AUX")
        # The BIOS turns translation on: command byte 0x43 (XLATE|INTs).
        q.request("outb 0x64 0x60")
        q.request("outb 0x60 0x43")
        c.execute("send-key", {"keys": [{"type": "number", "data": 0x1e}],
                               "hold-time": 10})
        t.eq([b for b, _ in wait_bytes(q, 2)], [0x1e, 0x9e],
             "translated to set 1 (number form)")
        r = c.execute("send-key", {"keys": [{"type": "qcode", "data": "nokey"}]})
        t.eq(r.error_desc, "Parameter 'data' does not accept value 'nokey'",
             "unknown qcode, QEMU's text")
        t.eq(drain(q), [], "a refused send-key queues nothing")
        q.close()
        c.close()


def test_irq_lines(t):
    if not t.only_devmodeld("devmodeld's IRQ lines"):
        return
    with server(t, qtest=True) as s:
        c = s.negotiated()
        q = QtestConn(s.qtest_path)
        t.eq(q.request("irq_intercept_in ioapic"), "OK", "intercept the ISA IRQs")
        c.execute("send-key", {"keys": [{"type": "qcode", "data": "b"}],
                               "hold-time": 1000})
        lines = q.transcript("inb 0x64")
        t.check("IRQ raise 1" in lines, "a key raises IRQ 1", lines)
        lines = q.transcript("inb 0x60")
        t.check("IRQ lower 1" in lines, "reading the byte lowers IRQ 1", lines)
        q.close()
        c.close()


def test_mouse(t):
    if not t.only_devmodeld("devmodeld's mouse over qtest"):
        return
    with server(t, qtest=True) as s:
        c = s.negotiated()
        q = QtestConn(s.qtest_path)
        q.request("irq_intercept_in ioapic")
        q.request("outb 0x64 0xd4")
        q.request("outb 0x60 0xf4")          # enable data reporting
        t.eq(drain(q), [(0xfa, True)], "D4 F4 -> FA from the mouse")
        r = c.execute("input-send-event", {"events": [
            {"type": "rel", "data": {"axis": "x", "value": 5}},
            {"type": "rel", "data": {"axis": "y", "value": -3}},
            {"type": "btn", "data": {"down": True, "button": "left"}}]})
        t.check("return" in r, "input-send-event rel+btn", r.raw)
        lines = q.transcript("inb 0x64")
        t.check("IRQ raise 12" in lines, "a packet raises IRQ 12", lines)
        packet = [b for b, aux in drain(q)]
        t.eq(packet, [0x09, 0x05, 0x03],
             "packet: left button, dx=5, dy=+3 (PS/2 y grows upwards)")
        r = c.execute("input-send-event", {"events": [
            {"type": "key", "data": {"down": True,
                                     "key": {"type": "qcode", "data": "e"}}}]})
        t.check("return" in r, "a key through input-send-event", r.raw)
        t.eq(drain(q), [(0x24, False)],
             "only the key's byte: a key-only batch sends no mouse packet")
        r = c.execute("input-send-event", {"events": [
            {"type": "abs", "data": {"axis": "x", "value": 100}}]})
        t.eq(r.error_desc, "Input handler not found for event type abs",
             "no absolute pointer on a PS/2 mouse")
        c.execute("stop")
        r = c.execute("input-send-event", {"events": []})
        t.eq(r.error_desc, "VM not running", "input-send-event while paused")
        q.close()
        c.close()


def test_guest_reset(t):
    if not t.only_devmodeld("devmodeld's 0xFE reset"):
        return
    with server(t, qtest=True) as s:
        c = s.negotiated()
        q = QtestConn(s.qtest_path)
        t.eq(q.request("outb 0x64 0xfe"), "OK", "pulse the reset line")
        ev = c.wait_event("RESET", timeout=2.0)
        t.eq(ev.get("data"), {"guest": True, "reason": "guest-reset"},
             "RESET event from the guest")
        t.eq(status(q) & OBF, 0, "the controller is reset (nothing pending)")
        q.close()
        c.close()


def test_save_load_pending_bytes(t):
    if not t.only_devmodeld("pending bytes across save/load"):
        return
    state = None
    with server(t, qtest=True) as a:
        c = a.negotiated()
        q = QtestConn(a.qtest_path)
        q.request("outb 0x64 0xd4")
        q.request("outb 0x60 0xf4")
        drain(q)
        c.execute("send-key", {"keys": [{"type": "qcode", "data": "c"},
                                        {"type": "qcode", "data": "d"}],
                               "hold-time": 10})
        c.execute("input-send-event", {"events": [
            {"type": "rel", "data": {"axis": "x", "value": 7}}]})
        time.sleep(0.1)                     # let the releases happen too
        c.execute("stop")
        state = os.path.join(a.tmpdir, "pending.state")
        r = c.execute("xen-save-devices-state", {"filename": state})
        t.check("return" in r, "save with bytes pending", r.raw)
        expected = drain(q)
        t.check(len(expected) >= 7, "bytes were pending (%d)" % len(expected))
        data = open(state, "rb").read()
        q.close()
        c.close()
    with server(t, qtest=True, paused=True) as b:
        path = os.path.join(b.tmpdir, "pending.state")
        open(path, "wb").write(data)
        c = b.negotiated()
        q = QtestConn(b.qtest_path)
        r = c.execute("xen-load-devices-state", {"filename": path})
        t.check("return" in r, "load into a fresh daemon", r.raw)
        t.eq(drain(q), expected, "the same bytes, same order, same sources")
        q.close()
        c.close()


if __name__ == "__main__":
    harness.Suite("test-input").main([
        test_send_key,
        test_irq_lines,
        test_mouse,
        test_guest_reset,
        test_save_load_pending_bytes,
    ])
