#!/usr/bin/env python3
"""devmodeld's QMP commands: reply shapes, argument errors, run states, events.

Expected values follow QEMU 7.2 (observed with Debian's 7.2.22) and the
devmodeld contract (docs/qmp.md).  QMP_TARGET=qemu runs the script against
QEMU itself; checks of devmodeld-only behaviour are then skipped.
"""

import os
import signal
import time

import harness
from harness import server

GE = "GenericError"
CNF = "CommandNotFound"

CONTRACT_COMMANDS = [
    "qmp_capabilities", "query-version", "query-commands", "query-status", "stop", "cont",
    "system_reset", "quit", "add-fd", "remove-fd", "query-fdsets", "getfd", "closefd",
    "query-chardev", "query-cpus-fast", "query-cpus", "query-vnc", "human-monitor-command",
]


def transact(c, cmd, args=None, id=None):
    """Sends a command; returns (events that came before the reply, reply)."""
    c.take_events()
    c.send_command(cmd, args, id=cmd if id is None else id)
    r = c.reply()
    return c.take_events(), r


def status(c):
    return c.execute("query-status", id="st").get("return")


def hmp(c, line, **extra):
    args = {"command-line": line}
    args.update(extra)
    return c.execute("human-monitor-command", args, id="hmp")


def check_event(t, ev, name, data, what):
    ok = ev.get("event") == name
    if data is None:
        ok = ok and "data" not in ev
    else:
        ok = ok and ev.get("data") == data
    ts = ev.get("timestamp")
    ts_ok = (isinstance(ts, dict) and sorted(ts) == ["microseconds", "seconds"]
             and isinstance(ts["seconds"], int) and isinstance(ts["microseconds"], int)
             and 0 <= ts["microseconds"] <= 999999
             and abs(ts["seconds"] + ts["microseconds"] / 1e6 - time.time()) < 60)
    t.check(ok, "%s: event %s%s" % (what, name, "" if data is None else " " + str(data)), ev.raw)
    t.check(ts_ok, "%s: %s has a wall-clock timestamp {seconds, microseconds}" % (what, name),
            ev.get("timestamp"))
    t.eq(sorted(ev.keys()), sorted(["event", "timestamp"] + ([] if data is None else ["data"])),
         "%s: %s has no other members" % (what, name))


def expect_transition(t, c, cmd, event, new_status, what):
    evs, r = transact(c, cmd)
    t.eq(r.get("return"), {}, "%s: %s returns {}" % (what, cmd))
    t.eq(r.get("id"), cmd, "%s: %s reply carries its id" % (what, cmd))
    if event is None:
        t.eq([e_.get("event") for e_ in evs], [], "%s: %s emits no event" % (what, cmd))
    else:
        t.eq([e_.get("event") for e_ in evs], [event],
             "%s: %s emits one %s before its reply" % (what, cmd, event))
        if evs:
            check_event(t, evs[0], event, None, what)
    t.eq(c.expect_silence(0.1), [], "%s: nothing after the %s reply" % (what, cmd))
    st = status(c)
    running = new_status == "running"
    t.eq(st, {"status": new_status, "singlestep": False, "running": running},
         "%s: status after %s is %s" % (what, cmd, new_status))


# ---------------------------------------------------------------- tests
def test_query_version(t):
    with server(t) as s:
        c = s.negotiated()
        r = c.execute("query-version", id=1)
        v = r.get("return")
        t.check(isinstance(v, dict) and sorted(v) == ["package", "qemu"],
                "query-version returns {qemu, package}", r.raw)
        t.check(isinstance(v.get("qemu"), dict) and sorted(v["qemu"]) == ["major", "micro", "minor"]
                and all(isinstance(x, int) for x in v["qemu"].values()),
                "query-version qemu has integer major, minor, micro", r.raw)
        if t.only_devmodeld("query-version values"):
            t.eq(v.get("qemu"), {"major": 7, "minor": 2, "micro": 0}, "query-version reports 7.2.0")
            t.check(str(v.get("package", "")).startswith("devmodeld "),
                    "query-version package is 'devmodeld VERSION'", v.get("package"))
        r = c.execute("query-version", {"x": 1}, id=2)
        t.eq((r.error_class, r.error_desc, r.get("id")), (GE, "Parameter 'x' is unexpected", 2),
             "query-version with an argument -> Parameter 'x' is unexpected")
        c.close()


def test_query_commands(t):
    with server(t) as s:
        c = s.negotiated()
        r = c.execute("query-commands", id=1)
        lst = r.get("return")
        t.check(isinstance(lst, list) and lst and all(
            isinstance(x, dict) and list(x) == ["name"] and isinstance(x["name"], str)
            for x in lst), "query-commands returns [{name}, ...]", r.raw[:200])
        names = [x.get("name") for x in lst or []]
        t.eq(len(names), len(set(names)), "query-commands names are unique")
        want = CONTRACT_COMMANDS if not t.is_qemu else [
            n for n in CONTRACT_COMMANDS if n != "query-cpus"]
        missing = [n for n in want if n not in names]
        t.eq(missing, [], "query-commands lists every command of the contract")
        # every listed command exists (none answers CommandNotFound)
        if not t.is_qemu:
            absent = []
            for n in names:
                if n in ("quit", "qmp_capabilities"):
                    continue
                c.send_command(n, {"no-such-argument": 1}, id=n)
                rr = c.reply()
                if rr.error_class == CNF:
                    absent.append(n)
            c.take_events()
            t.eq(absent, [], "every command listed by query-commands is dispatched")
        c.close()


def test_query_status_default(t):
    with server(t) as s:
        c = s.negotiated()
        r = c.execute("query-status", id=1)
        t.eq(r.get("return"), {"status": "running", "singlestep": False, "running": True},
             "default start state: running")
        t.eq(sorted(r.keys()), ["id", "return"], "reply has only return and id")
        c.close()


def test_runstate_prelaunch(t):
    with server(t, paused=True) as s:
        c = s.negotiated()
        t.eq(status(c), {"status": "prelaunch", "singlestep": False, "running": False},
             "-S starts in prelaunch")
        t.eq(hmp(c, "info status").get("return"), "VM status: paused (prelaunch)\r\n",
             "info status in prelaunch")
        expect_transition(t, c, "stop", None, "prelaunch", "prelaunch (as QEMU 7.2)")
        expect_transition(t, c, "cont", "RESUME", "running", "prelaunch->running")
        expect_transition(t, c, "cont", None, "running", "cont twice")
        t.eq(hmp(c, "info status").get("return"), "VM status: running\r\n", "info status running")
        expect_transition(t, c, "stop", "STOP", "paused", "running->paused")
        expect_transition(t, c, "stop", None, "paused", "stop twice")
        t.eq(hmp(c, "info status").get("return"), "VM status: paused\r\n", "info status paused")
        expect_transition(t, c, "cont", "RESUME", "running", "paused->running")
        c.close()


def test_runstate_paused_alias(t):
    if not t.only_devmodeld("--paused"):
        return
    with server(t, args=["--paused"]) as s:
        c = s.negotiated()
        t.eq(status(c).get("status"), "prelaunch", "--paused starts in prelaunch")
        c.close()


def test_runstate_incoming(t):
    with server(t, incoming=True) as s:
        c = s.negotiated()
        t.eq(status(c), {"status": "inmigrate", "singlestep": False, "running": False},
             "--incoming starts in inmigrate")
        t.eq(hmp(c, "info status").get("return"), "VM status: paused (inmigrate)\r\n",
             "info status in inmigrate")
        expect_transition(t, c, "stop", None, "inmigrate", "stop in inmigrate (as QEMU 7.2)")
        expect_transition(t, c, "cont", None, "inmigrate", "cont in inmigrate (as QEMU 7.2)")
        c.close()


def test_system_reset(t):
    with server(t) as s:
        c = s.negotiated()
        evs, r = transact(c, "system_reset", id=7)
        t.eq(r.get("return"), {}, "system_reset returns {}")
        t.eq(r.get("id"), 7, "system_reset id echoed")
        t.eq([x.get("event") for x in evs], ["RESET"], "system_reset emits one RESET before its reply")
        if evs:
            check_event(t, evs[0], "RESET", {"guest": False, "reason": "host-qmp-system-reset"},
                        "system_reset")
        t.eq(status(c).get("status"), "running", "system_reset keeps a running VM running")
        c.execute("stop")
        c.take_events()
        evs, r = transact(c, "system_reset")
        t.eq([x.get("event") for x in evs], ["RESET"], "system_reset while paused: only RESET")
        t.eq(status(c).get("status"), "prelaunch", "system_reset while paused -> prelaunch (as QEMU 7.2)")
        c.close()


def test_quit(t):
    with server(t, check_exit=False) as s:
        c = s.negotiated()
        other = s.client() if not t.is_qemu else None   # greeted, not negotiated
        if other is not None:
            other.greeting()
        c.send_command("quit", id="bye")
        msgs = c.wait_eof(timeout=5)
        kinds = [m.kind for m in msgs]
        t.eq(kinds, ["event", "return"], "quit: SHUTDOWN event, reply, then EOF")
        if len(msgs) == 2:
            check_event(t, msgs[0], "SHUTDOWN", {"guest": False, "reason": "host-qmp-quit"}, "quit")
            t.eq((msgs[1].get("return"), msgs[1].get("id")), ({}, "bye"), "quit returns {} with id")
        rc = s.wait(5)
        if not t.is_qemu:
            t.eq(rc, 0, "process exits with status 0 after quit")
            t.eq([p for p in s.unix_paths if os.path.exists(p)], [], "sockets unlinked after quit")
            got = other.wait_eof(timeout=5)
            t.eq(got, [], "a non-negotiated client gets EOF and no SHUTDOWN event")
            other.close()
        c.close()


def test_quit_bad_argument(t):
    with server(t) as s:
        c = s.negotiated()
        r = c.execute("quit", {"force": True}, id=1)
        t.eq((r.error_class, r.error_desc), (GE, "Parameter 'force' is unexpected"),
             "quit with an argument is rejected")
        t.eq(c.take_events(), [], "no SHUTDOWN event after a rejected quit")
        r = c.execute("query-status", id=2)
        t.check("return" in r, "daemon still serves after a rejected quit", r.raw)
        c.close()


def test_signal_shutdown_event(t):
    if not t.only_devmodeld("SHUTDOWN host-signal on SIGTERM"):
        return
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with server(t, check_exit=False) as s:
            c = s.negotiated()
            s.send_signal(sig)
            msgs = c.wait_eof(timeout=5)
            t.eq([m.get("event") for m in msgs], ["SHUTDOWN"],
                 "signal %d: one SHUTDOWN event then EOF" % sig)
            if msgs:
                check_event(t, msgs[0], "SHUTDOWN", {"guest": False, "reason": "host-signal"},
                            "signal %d" % sig)
            t.eq(s.wait(5), 0, "signal %d: exit status 0" % sig)
            t.eq([p for p in s.unix_paths if os.path.exists(p)], [],
                 "signal %d: sockets unlinked" % sig)
            c.close()


def test_no_side_effect_on_argument_error(t):
    with server(t) as s:
        c = s.negotiated()
        for cmd in ("stop", "system_reset", "cont"):
            evs, r = transact(c, cmd, {"x": 1})
            t.eq((r.error_class, r.error_desc, r.get("id")), (GE, "Parameter 'x' is unexpected", cmd),
                 "%s with an unexpected argument -> error with id" % cmd)
            t.eq(evs, [], "%s rejected: no event" % cmd)
            t.eq(status(c).get("status"), "running", "%s rejected: state unchanged" % cmd)
        for cmd in ("query-status", "query-version", "query-commands", "query-vnc",
                    "query-chardev", "query-cpus-fast", "query-fdsets"):
            r = c.execute(cmd, {"bogus": "1"}, id=cmd)
            t.eq((r.error_class, r.error_desc, r.get("id")),
                 (GE, "Parameter 'bogus' is unexpected", cmd),
                 "%s with an unexpected argument" % cmd)
        c.close()


def test_argument_errors(t):
    """Missing, unexpected, wrongly typed, bad enum (texts of qmp-protocol.md §1.4)."""
    cases = [
        ("human-monitor-command", None, "Parameter 'command-line' is missing"),
        ("human-monitor-command", {"command-line": 1},
         "Invalid parameter type for 'command-line', expected: string"),
        ("human-monitor-command", {"command-line": None},
         "Invalid parameter type for 'command-line', expected: string"),
        ("human-monitor-command", {"command-line": "info", "cpu-index": 1.5},
         "Invalid parameter type for 'cpu-index', expected: integer"),
        ("human-monitor-command", {"command-line": "info", "cpu-index": True},
         "Invalid parameter type for 'cpu-index', expected: integer"),
        ("human-monitor-command", {"command-line": "info", "cpu-index": 99},
         "Parameter 'cpu-index' expects a CPU number"),
        ("human-monitor-command", {"command-line": "info", "cpu-index": -1},
         "Parameter 'cpu-index' expects a CPU number"),
        ("human-monitor-command", {"command-line": "info", "extra": {}},
         "Parameter 'extra' is unexpected"),
        ("getfd", {}, "Parameter 'fdname' is missing"),
        ("getfd", {"fdname": ["a"]}, "Invalid parameter type for 'fdname', expected: string"),
        ("closefd", {"fdname": {}}, "Invalid parameter type for 'fdname', expected: string"),
        ("add-fd", {"fdset-id": "0"}, "Invalid parameter type for 'fdset-id', expected: integer"),
        ("add-fd", {"opaque": False}, "Invalid parameter type for 'opaque', expected: string"),
        ("add-fd", {"what": 1}, "Parameter 'what' is unexpected"),
        ("remove-fd", {"fd": 3}, "Parameter 'fdset-id' is missing"),
        ("remove-fd", {"fdset-id": 0, "fd": "3"}, "Invalid parameter type for 'fd', expected: integer"),
        ("qmp_capabilities", {"enable": "oob"}, "Invalid parameter type for 'enable', expected: array"),
    ]
    with server(t) as s:
        c = s.negotiated()
        for i, (cmd, args, desc) in enumerate(cases):
            r = c.execute(cmd, args, id=i)
            t.eq((r.error_class, r.error_desc, r.get("id")), (GE, desc, i),
                 "%s %s" % (cmd, args))
        c.close()
        # bad enum: the only enum argument of this command set
        c = s.client()
        c.greeting()
        r = c.execute("qmp_capabilities", {"enable": ["oob", "nope"]}, id="e")
        t.eq((r.error_class, r.get("id")), (GE, "e"), "qmp_capabilities enable [oob, nope] rejected")
        r = c.execute("qmp_capabilities", {"enable": ["nope"]}, id="e")
        t.eq((r.error_class, r.error_desc), (GE, "Parameter 'null' does not accept value 'nope'"),
             "bad enum value -> does not accept value")
        c.close()


def test_hmp(t):
    with server(t, vcpus=1) as s:
        c = s.negotiated()
        r = hmp(c, "info status")
        t.eq(r.get("return"), "VM status: running\r\n", "info status")
        r = hmp(c, "  info   status  ")
        t.eq(r.get("return"), "VM status: running\r\n", "info status with extra spaces")
        r = hmp(c, "info status", **{"cpu-index": 0})
        t.eq(r.get("return"), "VM status: running\r\n", "info status with cpu-index 0 (qmp-shell -H)")
        v = c.execute("query-version").get("return")
        want = "%d.%d.%d%s\r\n" % (v["qemu"]["major"], v["qemu"]["minor"], v["qemu"]["micro"],
                                   v["package"])
        t.eq(hmp(c, "info version").get("return"), want, "info version is MAJOR.MINOR.MICRO+package")
        t.eq(hmp(c, "nosuchcmd").get("return"), "unknown command: 'nosuchcmd'\r\n",
             "unknown HMP command is a success string")
        t.eq(hmp(c, "info nosuch").get("return"), "unknown command: 'info nosuch'\r\n",
             "unknown info subcommand (as QEMU 7.2)")
        t.eq(hmp(c, "").get("return"), "", "empty command line returns \"\"")
        for line in ("help", "info"):
            r = hmp(c, line, **{"cpu-index": 0})
            out = r.get("return")
            t.check(isinstance(out, str) and out.endswith("\r\n"),
                    "%s returns text ending in CR LF" % line, r.raw[:200])
            if not isinstance(out, str):
                continue
            t.check("\n" not in out.replace("\r\n", ""), "%s: every line ends in CR LF" % line)
            lines = [x for x in out.split("\r\n") if x]
            if line == "help":
                firsts = [x.split()[0] for x in lines if not x.startswith(("[", "\t"))]
                t.check("help" in [f.split("|")[0] for f in firsts] or
                        any("help" in f.split("|") for f in firsts),
                        "help lists the help command", firsts[:10])
                t.check("info" in firsts, "help lists info", firsts[:10])
            else:
                t.check(all(len(x.split()) >= 2 for x in lines),
                        "info: every line has at least two words (qmp-shell -H)", lines[:5])
                seconds = [x.split()[1] for x in lines]
                t.check("status" in seconds and "version" in seconds,
                        "info lists status and version", seconds)
        c.close()


def test_query_cpus(t):
    with server(t, vcpus=3) as s:
        c = s.negotiated()
        r = c.execute("query-cpus-fast", id=1)
        lst = r.get("return")
        t.check(isinstance(lst, list) and len(lst) == 3, "query-cpus-fast: 3 entries for 3 vcpus",
                r.raw[:300])
        lst = lst if isinstance(lst, list) else []
        t.eq([x.get("cpu-index") for x in lst], [0, 1, 2], "query-cpus-fast cpu-index 0, 1, 2")
        t.check(all(isinstance(x.get("qom-path"), str) and isinstance(x.get("thread-id"), int)
                    and isinstance(x.get("target"), str) for x in lst),
                "query-cpus-fast entries have qom-path, thread-id, target (CpuInfoFast)",
                r.raw[:300])
        t.eq(len(set(x.get("qom-path") for x in lst)), len(lst), "qom-paths are distinct")
        t.check(all(x.get("target") in ("i386", "x86_64") for x in lst),
                "target is i386 or x86_64 (SysEmuTarget)", [x.get("target") for x in lst])
        if t.only_devmodeld("query-cpus (removed from QEMU 6.0, kept for old libxl)"):
            r = c.execute("query-cpus", id=2)
            lst = r.get("return")
            t.check(isinstance(lst, list) and len(lst) == 3, "query-cpus: 3 entries", r.raw[:300])
            t.eq([x.get("CPU") for x in lst or []], [0, 1, 2], "query-cpus CPU 0, 1, 2 (libxl reads CPU)")
        r = hmp(c, "info status", **{"cpu-index": 2})
        t.eq(r.get("return"), "VM status: running\r\n", "HMP cpu-index 2 accepted with 3 vcpus")
        r = hmp(c, "info status", **{"cpu-index": 3})
        t.eq((r.error_class, r.error_desc), (GE, "Parameter 'cpu-index' expects a CPU number"),
             "HMP cpu-index 3 rejected with 3 vcpus")
        c.close()
    if t.only_devmodeld("default --vcpus"):
        with server(t) as s:
            c = s.negotiated()
            lst = c.execute("query-cpus-fast").get("return")
            t.eq([x.get("cpu-index") for x in lst or []], [0], "default: one vcpu")
            c.close()


def test_query_vnc_chardev_fdsets(t):
    with server(t) as s:
        c = s.negotiated()
        r = c.execute("query-vnc", id=1)
        t.eq(r.get("return"), {"enabled": False}, "query-vnc returns {enabled: false}")
        r = c.execute("query-chardev", id=2)
        lst = r.get("return")
        t.check(isinstance(lst, list) and len(lst) >= 1 and all(
            isinstance(x, dict) and isinstance(x.get("label"), str)
            and isinstance(x.get("filename"), str) and isinstance(x.get("frontend-open"), bool)
            for x in lst), "query-chardev returns [{label, filename, frontend-open}]", r.raw)
        if t.only_devmodeld("query-chardev lists the monitor socket"):
            t.check(any(s.qmp_path in x.get("filename", "") for x in lst or []),
                    "query-chardev mentions the QMP socket path", r.raw)
        r = c.execute("query-fdsets", id=3)
        t.eq(r.get("return"), [], "query-fdsets is [] at start")
        c.close()


def test_events_only_to_negotiated(t):
    if not t.only_devmodeld("events vs a concurrent non-negotiated client"):
        return
    with server(t) as s:
        a = s.negotiated()
        b = s.client()
        b.greeting()
        for cmd in ("stop", "cont", "system_reset"):
            a.execute(cmd)
        t.eq([x.get("event") for x in a.take_events()], ["STOP", "RESUME", "RESET"],
             "negotiated client receives STOP, RESUME, RESET")
        t.eq(b.expect_silence(0.3), [], "non-negotiated client receives no events")
        r = b.execute("qmp_capabilities", id=1)
        t.eq(r.get("return"), {}, "late negotiation works")
        t.eq(b.take_events(), [], "no stale events delivered after late negotiation")
        a.execute("stop")
        t.eq([x.get("event") for x in b.recv_expected(1)], ["STOP"],
             "after negotiation the second client gets events")
        a.close()
        b.close()


if __name__ == "__main__":
    harness.Suite("test-qmp-commands").main([
        test_query_version,
        test_query_commands,
        test_query_status_default,
        test_runstate_prelaunch,
        test_runstate_paused_alias,
        test_runstate_incoming,
        test_system_reset,
        test_quit,
        test_quit_bad_argument,
        test_signal_shutdown_event,
        test_no_side_effect_on_argument_error,
        test_argument_errors,
        test_hmp,
        test_query_cpus,
        test_query_vnc_chardev_fdsets,
        test_events_only_to_negotiated,
    ])
