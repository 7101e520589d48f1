#!/usr/bin/env python3
"""The COLO checkpoint loop (issue 10), short: bench/colo-loop --check runs
300 checkpoints of a primary with guest I/O into a secondary, compares the
secondary with the primary every 10, and fails the primary over to the
secondary at the end, with an IDE read and an IDE write in flight; then once more one command at a time, with live
saves and libxl's replication commands.  Correctness only: the timings
are printed, never judged.
"""

import os
import re
import subprocess
import sys

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
LOOP = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench", "colo-loop")


def run_loop(t, extra):
    env = dict(os.environ, DEVMODELD=t.devmodeld)
    p = subprocess.run([sys.executable, LOOP, "--check", "--quiet"] + extra,
                       capture_output=True, text=True, timeout=300, env=env)
    for line in p.stdout.splitlines():
        t.note(line)
    if p.stderr.strip():
        t.note("stderr: " + p.stderr.strip()[-2000:])
    return p


def test_colo_loop(t):
    if not t.only_devmodeld("a devmodeld primary and secondary"):
        return
    p = run_loop(t, [])
    t.eq(p.returncode, 0, "300 checkpoints with guest I/O, secondary equal, "
                          "failover finishes the guest's work")
    out = p.stdout
    m = re.search(r"secondary equal to the primary (\d+) times", out)
    # Every 10 of 300, and once more after the last checkpoint.
    t.eq(int(m.group(1)) if m else None, 31, "the secondary was compared 31 times")
    t.check("failover: the secondary finished the IDE read and the "
            "3-sector write in flight" in out,
            "failover checks ran (a read and a write in flight)", out[-500:])


def test_colo_loop_sequential_live(t):
    if not t.only_devmodeld("libxl's one-command-at-a-time sequence"):
        return
    # live=true saves release and retake each daemon's images every time;
    # libxl's replication commands and the secondary's own save come too.
    p = run_loop(t, ["--sequential", "--live", "--libxl-full"])
    t.eq(p.returncode, 0, "the same with libxl's sequence, its other "
                          "commands and live saves")


if __name__ == "__main__":
    harness.Suite("colo").main([test_colo_loop, test_colo_loop_sequential_live])
