#!/usr/bin/env python3
"""QMP wire protocol of devmodeld, checked against QEMU 7.2's behaviour.

Greeting, capabilities negotiation, QEMU's qmp-test malformed set (before
and after negotiation, each followed by a recovery probe), envelope errors
in QEMU's order, id echo for every JSON type, split and batched writes,
CRLF framing, nesting and size limits, JSON lexer traps.

The expected texts below were recorded from QEMU 7.2.22 (Debian 12).  When
qemu-system-x86_64 is installed a DIFFERENTIAL part sends the same inputs to
QEMU and to devmodeld and requires identical error classes and texts.
Known intentional differences (greeting, oob offer, size limit) are not
compared.
"""

import re
import time

import harness
import qmpclient
from harness import server

NOID = "<no id>"
GE = "GenericError"
CNF = "CommandNotFound"
PROBE = b'{"execute":"no-such-cmd","id":"probe"}'
NEGOTIATION_TEXT = "Expecting capabilities negotiation with 'qmp_capabilities'"
PROBE_NEG = (CNF, NEGOTIATION_TEXT, "probe")
PROBE_CMD = (CNF, "The command no-such-cmd has not been found", "probe")


def summary(msg):
    """A comparable tuple for one reply: (class|'return', desc|value, id)."""
    if "error" in msg:
        return (msg.error_class, msg.error_desc, msg.get("id", NOID))
    if "return" in msg:
        return ("return", msg["return"], msg.get("id", NOID))
    if "event" in msg:
        return ("event", msg["event"], NOID)
    return ("?", msg.raw, NOID)


def exchange(c, data, probe=PROBE, timeout=5.0):
    """Sends data then the probe; returns (summaries before probe, probe reply)."""
    c.send_raw(data)
    if probe is None:
        return [summary(m) for m in c.recv_all(quiet=0.3)], None
    c.send_raw(probe)
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            m = c.recv(timeout=max(0.0, left))
        except qmpclient.Timeout:
            return out, None
        if m.get("id") == "probe":
            return out, summary(m)
        out.append(summary(m))


def e(desc, id=NOID, cls=GE):
    return (cls, desc, id)


# QEMU's tests/qtest/qmp-test.c malformed set, with QEMU 7.2's answers.
MALFORMED = [
    (b"{]\n", [e("JSON parse error, expecting value")]),
    (b"{\xff", [e("JSON parse error, stray '\ufffd'")]),
    (b"{\x01", [e("JSON parse error, stray '\x01'")]),
    (b"{'bad \xff", [e("JSON parse error, stray ''bad \ufffd'")]),
    (b"{'execute': 'nonexistent', 'id':'\n", [e("JSON parse error, stray ''\n'")]),
    (b"%p", [e("JSON parse error, stray '%'")]),
    (b"null", [e("QMP input must be a JSON object")]),
    (b"{}", [e("QMP input lacks member 'execute'")]),
    (b"{ 'execute': true }", [e("QMP input member 'execute' must be a string")]),
    (b"{ 'execute': 'no-such-cmd', 'arguments': [] }",
     [e("QMP input member 'arguments' must be an object")]),
    (b"{ 'execute': 'no-such-cmd', 'extra': true }",
     [e("QMP input member 'extra' is unexpected")]),
]

# Envelope errors in command mode, in the order QEMU checks them (§1.4).
ENVELOPE = [
    (b"[1,2]", [e("QMP input must be a JSON object")]),
    (b'"str"', [e("QMP input must be a JSON object")]),
    (b"42 ", [e("QMP input must be a JSON object")]),
    (b'{"execute":1,"id":1}', [e("QMP input member 'execute' must be a string", 1)]),
    (b'{"execute":"stop","exec-oob":"stop","id":2}',
     [e("QMP input member 'exec-oob' is unexpected", 2)]),
    (b'{"exec-oob":"stop","execute":"stop","id":2}',
     [e("QMP input member 'exec-oob' is unexpected", 2)]),
    (b'{"exec-oob":"query-status","id":10}',
     [e("QMP input member 'exec-oob' is unexpected", 10)]),
    (b'{"execute":"stop","arguments":1,"id":3}',
     [e("QMP input member 'arguments' must be an object", 3)]),
    (b'{"execute":"stop","arguments":null,"id":3}',
     [e("QMP input member 'arguments' must be an object", 3)]),
    (b'{"execute":"stop","arguments":[],"id":3}',
     [e("QMP input member 'arguments' must be an object", 3)]),
    (b'{"execute":"stop","Execute":"x","id":4}',
     [e("QMP input member 'Execute' is unexpected", 4)]),
    (b'{"id":5}', [e("QMP input lacks member 'execute'", 5)]),
    (b'{"arguments":{},"id":6}', [e("QMP input lacks member 'execute'", 6)]),
    (b'{"id":7,"foo":1}', [e("QMP input member 'foo' is unexpected", 7)]),
    (b'{"foo":1,"execute":1}', [e("QMP input member 'execute' must be a string")]),
    (b'{"arguments":[], "execute":1}', [e("QMP input member 'execute' must be a string")]),
    (b'{"execute":"Stop","id":8}', [e("The command Stop has not been found", 8, CNF)]),
    (b'{"execute":"query_status","id":9}',
     [e("The command query_status has not been found", 9, CNF)]),
    (b'{"execute":"no-such-cmd","arguments":{"x":1},"id":11}',
     [e("The command no-such-cmd has not been found", 11, CNF)]),
    (b'{"execute":"qmp_capabilities","id":"x"}',
     [e("Capabilities negotiation is already complete, command ignored", "x", CNF)]),
    (b'{"execute":"qmp_capabilities"}',
     [e("Capabilities negotiation is already complete, command ignored", NOID, CNF)]),
]

# The same kind of inputs while still negotiating.
ENVELOPE_NEG = [
    (b'{"execute":"query-status","id":1}', [e(NEGOTIATION_TEXT, 1, CNF)]),
    (b'{"execute":"query-version"}', [e(NEGOTIATION_TEXT, NOID, CNF)]),
    (b'{"execute":"no-such-cmd","id":2}', [e(NEGOTIATION_TEXT, 2, CNF)]),
    (b'{"execute":"stop","arguments":{"x":1},"id":3}', [e(NEGOTIATION_TEXT, 3, CNF)]),
    (b'{"execute":"qmp_capabilities","id":5,"foo":1}',
     [e("QMP input member 'foo' is unexpected", 5)]),
    (b'{"exec-oob":"qmp_capabilities","id":6}',
     [e("QMP input member 'exec-oob' is unexpected", 6)]),
    (b'{"id":7}', [e("QMP input lacks member 'execute'", 7)]),
    (b'{"execute":"qmp_capabilities","arguments":{"enable":["bogus"]},"id":8}',
     [e("Parameter 'null' does not accept value 'bogus'", 8)]),
    (b'{"execute":"qmp_capabilities","arguments":{"enable":"oob"},"id":9}',
     [e("Invalid parameter type for 'enable', expected: array", 9)]),
    (b'{"execute":"qmp_capabilities","arguments":{"x":1},"id":10}',
     [e("Parameter 'x' is unexpected", 10)]),
    (b'{"execute":"qmp_capabilities","arguments":[],"id":11}',
     [e("QMP input member 'arguments' must be an object", 11)]),
]

# Argument checking of commands both servers have.
ARGUMENTS = [
    (b'{"execute":"stop","arguments":{"x":1},"id":11}', [e("Parameter 'x' is unexpected", 11)]),
    (b'{"execute":"query-status","arguments":{"a":null},"id":11}',
     [e("Parameter 'a' is unexpected", 11)]),
    (b'{"execute":"getfd","id":12}', [e("Parameter 'fdname' is missing", 12)]),
    (b'{"execute":"getfd","arguments":{"fdname":1},"id":13}',
     [e("Invalid parameter type for 'fdname', expected: string", 13)]),
    (b'{"execute":"getfd","arguments":{"fdname":null},"id":13}',
     [e("Invalid parameter type for 'fdname', expected: string", 13)]),
    (b'{"execute":"getfd","arguments":{"fdname":"a","b":2},"id":14}',
     [e("Parameter 'b' is unexpected", 14)]),
    (b'{"execute":"getfd","arguments":{"b":2},"id":15}', [e("Parameter 'fdname' is missing", 15)]),
    (b'{"execute":"add-fd","arguments":{"fdset-id":"x"},"id":16}',
     [e("Invalid parameter type for 'fdset-id', expected: integer", 16)]),
    (b'{"execute":"add-fd","arguments":{"fdset-id":1.5},"id":17}',
     [e("Invalid parameter type for 'fdset-id', expected: integer", 17)]),
    (b'{"execute":"add-fd","arguments":{"fdset-id":18446744073709551615},"id":19}',
     [e("Invalid parameter type for 'fdset-id', expected: integer", 19)]),
    (b'{"execute":"add-fd","arguments":{"opaque":5},"id":20}',
     [e("Invalid parameter type for 'opaque', expected: string", 20)]),
    (b'{"execute":"add-fd","id":20}', [e("No file descriptor supplied via SCM_RIGHTS", 20)]),
    (b'{"execute":"remove-fd","id":21}', [e("Parameter 'fdset-id' is missing", 21)]),
    (b'{"execute":"remove-fd","arguments":{"fdset-id":true},"id":21}',
     [e("Invalid parameter type for 'fdset-id', expected: integer", 21)]),
    (b'{"execute":"remove-fd","arguments":{"fdset-id":7},"id":22}',
     [e("File descriptor named 'fdset-id:7' not found", 22)]),
    (b'{"execute":"remove-fd","arguments":{"fdset-id":7,"fd":3},"id":22}',
     [e("File descriptor named 'fdset-id:7, fd:3' not found", 22)]),
    (b'{"execute":"closefd","arguments":{"fdname":"foo"},"id":23}',
     [e("File descriptor named 'foo' not found", 23)]),
    (b'{"execute":"closefd","arguments":{},"id":23}', [e("Parameter 'fdname' is missing", 23)]),
    (b'{"execute":"human-monitor-command","id":25}',
     [e("Parameter 'command-line' is missing", 25)]),
    (b'{"execute":"human-monitor-command","arguments":{"command-line":true},"id":26}',
     [e("Invalid parameter type for 'command-line', expected: string", 26)]),
    (b'{"execute":"human-monitor-command","arguments":{"command-line":"info status",'
     b'"cpu-index":"0"},"id":27}',
     [e("Invalid parameter type for 'cpu-index', expected: integer", 27)]),
    (b'{"execute":"human-monitor-command","arguments":{"command-line":"info status",'
     b'"cpu-index":5},"id":27}',
     [e("Parameter 'cpu-index' expects a CPU number", 27)]),
    (b'{"execute":"human-monitor-command","arguments":{"command-line":"x","y":1},"id":28}',
     [e("Parameter 'y' is unexpected", 28)]),
    (b'{"execute":"qmp_capabilities","arguments":{"x":1},"id":29}',
     [e("Parameter 'x' is unexpected", 29)]),
]

# JSON lexer/parser traps (json-glib gets these wrong; QEMU's answers).
JSON_TRAPS = [
    (b'{"execute":"query-status","id":1,"id":2}', [e("JSON parse error, duplicate key")]),
    (b'{"execute":"query-status","id":"\\ud800"}',
     [e("JSON parse error, \\ud800 is not a valid Unicode character")]),
    (b'{"execute":"query-status","id":"\\udc00"}',
     [e("JSON parse error, \\udc00 is not a valid Unicode character")]),
    (b'{"execute":"query-status","id":"\\x41"}',
     [e("JSON parse error, invalid escape sequence in string")]),
    (b'{"execute":"query-status","id":"tab\there"}',
     [e("JSON parse error, stray '\"tab\t'"), e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status","id":01}',
     [e("JSON parse error, stray '01'"), e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status","id":0x10}', [e("JSON parse error, expected separator in dict")]),
    (b'{"execute":"query-status","id":NaN}',
     [e("JSON parse error, stray 'N'"), e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status","id":garbage}', [e("JSON parse error, invalid keyword 'garbage'")]),
    (b'{"execute":"query-status",}', [e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status" "id":1}', [e("JSON parse error, expected separator in dict")]),
    (b'{"execute":"query-status","id":[1,]}', [e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status","id":[1 2]}', [e("JSON parse error, expected separator in list")]),
    (b"{1:2}", [e("JSON parse error, key is not a string in object")]),
    (b'{"a"}', [e("JSON parse error, missing : in object pair")]),
    (b"}", [e("JSON parse error, expecting value")]),
    (b"]", [e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status","id":"\xff"}',
     [e("JSON parse error, stray '\"\ufffd'"), e("JSON parse error, expecting value")]),
    (b'{"execute":"query-status","id":"\xe9"}',
     [e("JSON parse error, invalid UTF-8 sequence in string")]),
    (b"/* c */", [e("JSON parse error, stray '/'")]),
    (b"\x01", [e("JSON parse error, stray '\x01'")]),
    (b'{"a"', []),   # unterminated: the probe is swallowed (see test_json_traps)
]


SWALLOWS_PROBE = (b'{"a"',)


def check_cases(t, c, cases, probe_reply, label):
    for data, expected in cases:
        got, probe = exchange(c, data, timeout=0.5 if data in SWALLOWS_PROBE else 5.0)
        if data in SWALLOWS_PROBE:
            # The open object swallows the probe; QEMU answers nothing until a
            # control character resynchronises the lexer.
            t.eq(got, [], "%s: %r leaves the parser waiting" % (label, data))
            got2, probe = exchange(c, b"\x01")
            t.eq(got2, [e("JSON parse error, stray '\x01'")],
                 "%s: \\x01 resynchronises after %r" % (label, data))
            t.eq(probe, probe_reply, "%s: recovery probe after %r" % (label, data))
            continue
        t.eq(got, expected, "%s: %r" % (label, data[:70]))
        t.eq(probe, probe_reply, "%s: recovery probe after %r" % (label, data[:50]))


# ---------------------------------------------------------------- tests
def test_greeting(t):
    with server(t) as s:
        c = s.client()
        g = c.greeting()
        q = g.get("QMP")
        t.check(isinstance(q, dict), "greeting has a QMP object", g.raw)
        v = q.get("version", {})
        t.check(isinstance(v.get("qemu", {}).get("major"), int)
                and isinstance(v["qemu"].get("minor"), int)
                and isinstance(v["qemu"].get("micro"), int),
                "greeting QMP.version.qemu has integer major/minor/micro", g.raw)
        t.check(isinstance(v.get("package"), str), "greeting QMP.version.package is a string")
        t.check(isinstance(q.get("capabilities"), list), "greeting QMP.capabilities is an array")
        t.eq(sorted(g.keys()), ["QMP"], "greeting has the single member QMP")
        t.eq(sorted(q.keys()), ["capabilities", "version"], "QMP has version and capabilities")
        if t.only_devmodeld("greeting contents"):
            t.eq(v.get("qemu"), {"major": 7, "minor": 2, "micro": 0},
                 "greeting reports QEMU 7.2.0's dialect")
            t.check(re.match(r"^devmodeld \d+\.\d+\.\d+", v.get("package", "")),
                    "package names devmodeld and its version", v.get("package"))
            t.eq(q.get("capabilities"), [], "no capability offered (no oob)")
            t.check(qmpclient.is_compact(g.raw), "greeting is compact JSON", g.raw)
            t.check(g.raw.startswith(b'{"QMP":'), "greeting starts with {\"QMP\":", g.raw[:20])
        # query-version returns the same VersionInfo.
        c.negotiate()
        r = c.execute("query-version", id="v")
        t.eq(r.get("return"), v, "query-version equals the greeting's version")
        c.close()


def test_negotiation(t):
    with server(t) as s:
        c = s.client()
        c.greeting()
        r = c.execute("query-version")
        t.eq(summary(r), e(NEGOTIATION_TEXT, NOID, CNF),
             "command before negotiation -> CommandNotFound, negotiation text")
        r = c.execute("query-status", id=1)
        t.eq(summary(r), e(NEGOTIATION_TEXT, 1, CNF), "same, id echoed")
        if not t.is_qemu:
            r = c.execute("qmp_capabilities", {"enable": ["oob"]}, id="oob")
            t.eq(summary(r), e("Capability oob not available", "oob"),
                 "enable oob when not offered -> GenericError")
        r = c.execute("qmp_capabilities", {"enable": ["bogus"]}, id=2)
        t.eq(summary(r), e("Parameter 'null' does not accept value 'bogus'", 2),
             "unknown capability -> enum error")
        r = c.execute("qmp_capabilities", id=0x786c7101)
        t.eq(summary(r), ("return", {}, 0x786c7101), "qmp_capabilities returns {} with id")
        r = c.execute("qmp_capabilities")
        t.eq(summary(r), e("Capabilities negotiation is already complete, command ignored",
                           NOID, CNF), "second qmp_capabilities -> CommandNotFound")
        r = c.execute("query-status", id="after")
        t.check("return" in r and r.get("id") == "after", "commands work after negotiation", r.raw)
        c.close()
        # qmp-shell / qemu.qmp style: explicit empty arguments, no id.
        c = s.client(framing="lf")
        c.greeting()
        r = c.execute("qmp_capabilities", {})
        t.eq(summary(r), ("return", {}, NOID), "qmp_capabilities with arguments {} (qemu.qmp)")
        c.close()
        c = s.client()
        c.greeting()
        r = c.execute("qmp_capabilities", {"enable": []}, id=1)
        t.eq(summary(r), ("return", {}, 1), "qmp_capabilities with enable [] returns {}")
        r = c.execute("query-status", id=2)
        t.check("return" in r, "negotiated with enable []", r.raw)
        c.close()
        # A failed negotiation leaves the client in negotiation mode.
        c = s.client()
        c.greeting()
        c.execute("qmp_capabilities", {"enable": ["bogus"]})
        r = c.execute("query-status", id=3)
        t.eq(summary(r), e(NEGOTIATION_TEXT, 3, CNF), "failed negotiation keeps negotiation mode")
        c.close()


def test_malformed_before_negotiation(t):
    with server(t) as s:
        c = s.client()
        c.greeting()
        r = c.execute("query-version")
        t.eq(r.error_class, CNF, "qmp-test: query-version before negotiation -> CommandNotFound")
        check_cases(t, c, MALFORMED, PROBE_NEG, "negotiation mode")
        check_cases(t, c, ENVELOPE_NEG, PROBE_NEG, "negotiation mode envelope")
        c.close()


def test_malformed_after_negotiation(t):
    with server(t) as s:
        c = s.client()
        c.greeting()
        r = c.execute("qmp_capabilities")
        t.eq(r.get("return"), {}, "qmp-test: qmp_capabilities returns an empty object")
        r = c.execute("qmp_capabilities")
        t.eq(r.error_class, CNF, "qmp-test: repeated qmp_capabilities -> CommandNotFound")
        check_cases(t, c, MALFORMED, PROBE_CMD, "command mode")
        check_cases(t, c, ENVELOPE, PROBE_CMD, "command mode envelope")
        c.close()


def test_arguments(t):
    with server(t) as s:
        c = s.negotiated()
        check_cases(t, c, ARGUMENTS, PROBE_CMD, "arguments")
        c.close()


def test_json_traps(t):
    with server(t) as s:
        c = s.negotiated()
        check_cases(t, c, JSON_TRAPS, PROBE_CMD, "json")
        # Trailing junk on the same write is lexed as the next value.
        c.send_raw(b'{"execute":"query-status","id":"x"} garbage')
        r = c.reply()
        t.eq(r.get("id"), "x", "reply to an object followed by junk")
        got, probe = exchange(c, b"\n")
        t.eq(got, [e("JSON parse error, invalid keyword 'garbage'")],
             "junk after an object reported once terminated")
        t.eq(probe, PROBE_CMD, "recovery after trailing junk")
        # Overlong NUL (modified UTF-8) is accepted as U+0000.
        got, probe = exchange(c, b'{"execute":"query-status","id":"\xc0\x80"}')
        t.check(len(got) == 1 and got[0][0] == "return" and got[0][2] == "\x00",
                "C0 80 in a string is accepted as U+0000", got)
        c.close()


ID_CASES = [
    # (text sent as id, expected parsed value, expected text in the reply or None)
    (b"null", None, b'null'),
    (b"true", True, b'true'),
    (b"false", False, b'false'),
    (b"0", 0, None),
    (b"-1", -1, None),
    (b"2020372736", 0x786c7100, None),
    (b"9223372036854775807", 9223372036854775807, b"9223372036854775807"),
    (b"-9223372036854775808", -9223372036854775808, b"-9223372036854775808"),
    (b"18446744073709551615", 18446744073709551615, b"18446744073709551615"),
    (b"-0", 0, None),
    (b"1.5e3", 1500, None),
    (b"0.5", 0.5, None),
    (b"0.1", 0.1, None),
    (b"18446744073709551616", 1.8446744073709552e19, None),
    (b"-9223372036854775809", -9.2233720368547758e18, None),
    (b'"cookie#1"', "cookie#1", None),
    (b'"__qmp#00000"', "__qmp#00000", None),
    (b'""', "", None),
    (b"'single'", "single", None),
    (b'"single\'quoted"', "single'quoted", None),
    (b"'dq\"x\\''", "dq\"x'", None),
    (b'"\xc3\xa9\xf0\x9f\x98\x80"', "\u00e9\U0001F600", None),
    (b'"\\u00e9\\uD83D\\uDE00"', "\u00e9\U0001F600", None),
    (b'"a\\u0000b\\u001f\\"\\\\\\/\\b\\f\\n\\r\\t"', 'a\x00b\x1f"\\/\b\f\n\r\t', None),
    (b"[]", [], None),
    (b"{}", {}, None),
    (b'[1,"a",{"b":null}]', [1, "a", {"b": None}], None),
    (b'{"a":[1,2],"b":{"c":"d"}}', {"a": [1, 2], "b": {"c": "d"}}, None),
]


def test_id_echo(t):
    with server(t) as s:
        c = s.negotiated()
        for text, value, literal in ID_CASES:
            c.send_raw(b'{"execute":"query-status","id":' + text + b"}")
            r = c.reply()
            ok = "return" in r and "id" in r and r["id"] == value and type(r["id"]) is type(value)
            t.check(ok, "id %s echoed on success" % text.decode("utf-8", "replace"),
                    r.raw[:200])
            if literal is not None:
                t.check(b'"id":' + literal in r.raw.replace(b" ", b"")
                        or b'"id": ' + literal in r.raw,
                        "id %s written back literally" % text.decode(), r.raw[:200])
            t.check(b"inf" not in r.raw and b"nan" not in r.raw.lower().replace(b"\\n", b""),
                    "no inf/nan in reply to id %s" % text.decode("utf-8", "replace"))
        # ids on errors of every stage
        for cmd, cls in ((b'{"execute":"nosuch","id":18446744073709551615}', CNF),
                         (b'{"execute":"getfd","id":18446744073709551615}', GE),
                         (b'{"id":18446744073709551615,"foo":1}', GE)):
            c.send_raw(cmd)
            r = c.reply()
            t.check(r.error_class == cls and r.get("id") == 18446744073709551615,
                    "uint64 id echoed on %s error (%s)" % (cls, cmd.decode()), r.raw)
        c.send_raw(b'{"execute":"nosuch","id":"\xc3\xa9"}')
        r = c.reply()
        t.check(r.get("id") == "\u00e9" and b"\\u00" in r.raw.lower(),
                "non-ASCII id echoed as \\u escape on an error", r.raw)
        # qmp-test: query-name-like cookie ids (query-status stands in)
        r = c.execute("query-status", id="cookie#1")
        t.check(isinstance(r.get("return"), dict) and r.get("id") == "cookie#1",
                "qmp-test: string id echoed with an object return", r.raw)
        r = c.execute("getfd", id=3)
        t.check(r.error_class == GE and r.get("id") == 3,
                "qmp-test: integer id echoed on an argument error", r.raw)
        c.close()


def test_split_writes(t):
    with server(t) as s:
        c = s.client()
        c.send_bytewise(b"")  # nothing
        g = c.greeting()
        t.check("QMP" in g, "greeting before any input")
        c.send_bytewise(b'{"execute":"qmp_capabilities","id":"neg"}\r\n')
        r = c.reply()
        t.eq(summary(r), ("return", {}, "neg"), "qmp_capabilities written byte by byte")
        c.send_bytewise(b"{ 'execute' : 'query-status' ,\n 'id' : [ 1 , \"x\" ] }")
        r = c.reply()
        t.check(r.get("id") == [1, "x"] and "return" in r,
                "query-status written byte by byte (single quotes, newlines)", r.raw)
        data = b'{"execute":"query-status","id":"split"}\r\n'
        for cut in (1, 10, 12, 13, 27, 39, 40):
            c.send_raw(data[:cut])
            time.sleep(0.02)
            c.send_raw(data[cut:])
            r = c.reply()
            t.eq(summary(r)[2], "split", "object split at byte %d gives one reply" % cut)
        # a byte-by-byte UTF-8 string id (multi-byte characters split)
        c.send_bytewise('{"execute":"query-status","id":"\u00e9\U0001F600"}'.encode("utf-8"))
        r = c.reply()
        t.eq(r.get("id"), "\u00e9\U0001F600", "multi-byte UTF-8 split across writes")
        t.eq(c.expect_silence(0.2), [], "no stray replies after split writes")
        c.close()


def test_batched_writes(t):
    with server(t) as s:
        c = s.client()
        c.send_raw(b'{"execute":"qmp_capabilities","id":0}'
                   b'{"execute":"query-status","id":1}{"execute":"query-version","id":2}\r\n'
                   b'{"execute":"query-status","id":3}')
        c.greeting()
        ids = [c.reply().get("id") for _ in range(4)]
        t.eq(ids, [0, 1, 2, 3], "four objects in one write -> four replies in order")
        c.send_raw(b'\r\n\n\r\t {"execute":"query-status","id":4}\r\n\r\n   \t'
                   b'{"execute":"query-status","id":5}\n\n')
        ids = [c.reply().get("id") for _ in range(2)]
        t.eq(ids, [4, 5], "CR, LF, blank lines and tabs between objects are ignored")
        # 200 pipelined commands in one write, replies in order
        batch = b"".join(b'{"execute":"query-status","id":%d}\n' % i for i in range(200))
        c.send_raw(batch)
        ids = [c.reply().get("id") for _ in range(200)]
        t.eq(ids, list(range(200)), "200 pipelined commands answered in order")
        # A burst whose replies pass the 1 MiB mark above which the daemon
        # stops reading until they drain: all of them, in order.
        n = 30000
        batch = b"".join(b'{"execute":"query-status","id":%d}\n' % i for i in range(n))
        c.send_raw(batch)
        ids = [c.reply().get("id") for _ in range(n)]
        t.eq(ids, list(range(n)), "%d pipelined commands (%d KiB of replies) "
             "answered in order" % (n, n * 60 // 1024))
        # errors and successes interleaved in one write
        c.send_raw(b'{"execute":"query-status","id":"a"}{"execute":"nosuch","id":"b"}'
                   b'[]{"id":"c"}{"execute":"query-status","id":"d"}')
        got = [summary(c.reply()) for _ in range(5)]
        t.eq([(g[0], g[2]) for g in got],
             [("return", "a"), (CNF, "b"), (GE, NOID), (GE, "c"), ("return", "d")],
             "mixed good and bad objects in one write answered in order")
        t.eq(c.expect_silence(0.2), [], "nothing extra after the batch")
        c.close()


def test_crlf_framing(t):
    """Every message ends with CR LF: checked by both framings."""
    with server(t) as s:
        for framing in ("crlf", "lf"):
            c = s.client(framing=framing)
            c.greeting()
            c.negotiate(id=1)
            c.execute("query-status", id=2)
            c.execute("nosuch", id=3)
            c.execute("stop", id=4)
            c.execute("cont", id=5)
            c.execute("human-monitor-command", {"command-line": "info status"}, id=6)
            c.send_raw(b"{]")
            c.reply()
            c.close()
            msgs = c.messages
            t.check(len(msgs) >= 9, "%s client saw greeting, replies and events" % framing,
                    len(msgs))
            t.check(all(m.raw.endswith(b"\r\n") for m in msgs),
                    "%s framing: every message ends with CR LF" % framing)
            t.check(all(m.raw.count(b"\n") == 1 for m in msgs),
                    "%s framing: one line per message" % framing)
            t.check(all(b"\r\n" not in m.raw[:-2] for m in msgs),
                    "%s framing: no CR LF inside a message" % framing)
            if not t.is_qemu:
                bad = [m.raw for m in msgs if not qmpclient.is_compact(m.raw)]
                t.eq(bad, [], "%s framing: every message is compact JSON" % framing)


def test_nesting(t):
    with server(t) as s:
        c = s.negotiated()
        got, probe = exchange(c, b"[" * 1024 + b"]" * 1024)
        t.eq(got, [e("QMP input must be a JSON object")], "1024 nested arrays parse (not an object)")
        t.eq(probe, PROBE_CMD, "probe after 1024 levels")
        deep = b"[" * 1023 + b"]" * 1023
        c.send_raw(b'{"execute":"query-status","id":' + deep + b"}")
        r = c.reply()
        v = r.get("id")
        depth = 0
        while isinstance(v, list) and v:
            v = v[0]
            depth += 1
        if isinstance(v, list):
            depth += 1
        t.check("return" in r and depth == 1023, "object nesting 1024 accepted, id echoed", depth)
        for what, data in (("arrays", b"[" * 1025 + b"]" * 1025),
                           ("id in an object", b'{"execute":"query-status","id":'
                            + b"[" * 1024 + b"]" * 1024 + b"}")):
            got, probe = exchange(c, data, timeout=10)
            t.check(len(got) >= 1 and got[0] == e("JSON nesting depth limit exceeded"),
                    "nesting 1025 (%s) -> JSON nesting depth limit exceeded" % what, got[:2])
            t.check(all(g[0] == GE and g[2] == NOID for g in got),
                    "nesting 1025 (%s): only id-less GenericErrors follow" % what,
                    [g for g in got if g[0] != GE][:3])
            t.eq(probe, PROBE_CMD, "recovery after nesting 1025 (%s)" % what)
        r = c.execute("query-status", id="alive")
        t.check("return" in r, "connection usable after nesting errors", r.raw)
        c.close()


def test_size_limit(t):
    """devmodeld documents a 1 MiB per-message limit (QEMU: 64 MiB)."""
    if not t.only_devmodeld("1 MiB message size limit"):
        return
    with server(t) as s:
        c = s.negotiated()
        big = "b" * (512 * 1024)
        r = c.execute("query-status", id=big, timeout=10)
        t.check("return" in r and r.get("id") == big, "512 KiB id accepted and echoed")
        near = "n" * (1000 * 1024)
        r = c.execute("query-status", id=near, timeout=10)
        t.check("return" in r and r.get("id") == near, "1000 KiB message accepted")
        # A 1 MiB + string: the token exceeds the limit.
        data = b'{"execute":"query-status","id":"' + b" " * (1024 * 1024 + 16) + b'"}\n'
        got, probe = exchange(c, data, timeout=10)
        t.check(len(got) >= 1 and got[0] == e("JSON token size limit exceeded"),
                "message over 1 MiB -> JSON token size limit exceeded", got[:3])
        t.check(all(g[0] == GE and g[2] == NOID for g in got),
                "only id-less GenericErrors before the probe", got[:5])
        t.eq(probe, PROBE_CMD, "connection usable after the size-limit error")
        # Many tokens adding up to more than 1 MiB in one value.
        item = b'"' + b"t" * 1000 + b'",'
        data = b'{"execute":"query-status","id":[' + item * 1100 + b'"x"]}\n'
        got, probe = exchange(c, data, timeout=20)
        t.check(len(got) >= 1 and got[0] == e("JSON token size limit exceeded"),
                "1.1 MiB of 1 KB strings in one value -> JSON token size limit exceeded",
                got[:2])
        t.check(all(g[0] == GE and g[2] == NOID for g in got),
                "only id-less GenericErrors before the probe (many tokens)",
                [g for g in got if g[0] != GE or g[2] != NOID][:3])
        t.eq(probe, PROBE_CMD, "connection usable after the many-token error")
        r = c.execute("query-status", id="after")
        t.check("return" in r, "query-status after the limit errors", r.raw)
        c.close()


# ---------------------------------------------------------------- differential
def run_all_cases(c, cases):
    results = []
    for data, _ in cases:
        got, probe = exchange(c, data, timeout=0.5 if data in SWALLOWS_PROBE else 3.0)
        if probe is None:
            got2, probe = exchange(c, b"\x01", timeout=3)
            got = got + [("<resync>",)] + got2
        results.append((got, probe))
    return results


def test_differential(t):
    if t.is_qemu:
        t.skip("differential QEMU vs devmodeld", "running against QEMU already")
        return
    if not harness.have_qemu():
        t.skip("differential QEMU vs devmodeld", "qemu-system-x86_64 not installed")
        return
    with harness.qemu_reference() as q, server(t) as s:
        cq = q.client(name="qemu")
        cd = s.client(name="devmodeld")
        cq.greeting()
        cd.greeting()
        for label, cases in (("negotiation: malformed", MALFORMED),
                             ("negotiation: envelope", ENVELOPE_NEG)):
            rq = run_all_cases(cq, cases)
            rd = run_all_cases(cd, cases)
            for (data, _), a, b in zip(cases, rq, rd):
                t.eq(b, a, "differential %s %r" % (label, data[:60]))
        cq.negotiate()
        cd.negotiate()
        for label, cases in (("malformed", MALFORMED), ("envelope", ENVELOPE),
                             ("arguments", ARGUMENTS), ("json", JSON_TRAPS)):
            rq = run_all_cases(cq, cases)
            rd = run_all_cases(cd, cases)
            for (data, _), a, b in zip(cases, rq, rd):
                t.eq(b, a, "differential %s %r" % (label, data[:60]))
        # id echo: compare parsed ids
        for text, _, _ in ID_CASES:
            msg = b'{"execute":"query-status","id":' + text + b"}"
            cq.send_raw(msg)
            cd.send_raw(msg)
            a = cq.reply()
            b = cd.reply()
            t.check(a.get("id") == b.get("id") and type(a.get("id")) is type(b.get("id")),
                    "differential id %s" % text.decode("utf-8", "replace"),
                    "qemu %r, devmodeld %r" % (a.get("id"), b.get("id")))
        # nesting 1025: first error identical
        data = b"[" * 1025 + b"]" * 1025
        a, pa = exchange(cq, data, timeout=10)
        b, pb = exchange(cd, data, timeout=10)
        t.eq(b[:1], a[:1], "differential nesting 1025: first error")
        t.eq(pb, pa, "differential nesting 1025: probe")
        cq.close()
        cd.close()


if __name__ == "__main__":
    harness.Suite("test-qmp-protocol").main([
        test_greeting,
        test_negotiation,
        test_malformed_before_negotiation,
        test_malformed_after_negotiation,
        test_arguments,
        test_json_traps,
        test_id_echo,
        test_split_writes,
        test_batched_writes,
        test_crlf_framing,
        test_nesting,
        test_size_limit,
        test_differential,
    ])
