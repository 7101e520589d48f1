"""Test harness for devmodeld's integration tests (Python stdlib only).

* Suite: prints one line per check, "N passed, M failed" at the end, and
  exits 0 (all passed), 1 (a failure) or 77 (skipped, automake's code).
* Daemon: starts the real devmodeld (path in $DEVMODELD) on temporary
  sockets in a fresh mkdtemp directory, waits until every socket accepts,
  stops it with SIGTERM and checks the exit status, removes the directory.
* Qemu: the same interface around QEMU 7.2 (qemu-system-x86_64), used as a
  reference for differential checks.  QMP_TARGET=qemu in the environment
  runs a whole test script against QEMU instead of devmodeld; checks of
  devmodeld-only behaviour are then skipped via Suite.only_devmodeld().

Nothing here waits without a bound, and every process started is killed in
a finally/__exit__ path.

VALGRIND=1 in the environment runs every Daemon under valgrind memcheck
(tests/valgrind.sh: --leak-check=full, definite and indirect leaks and
every memory error make the daemon exit 99, which server() reports as a
failure), and multiplies the start-up, stop and client timeouts by
TIME_SCALE (20 under valgrind; DM_TIME_SCALE overrides it).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import qmpclient

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
VALGRIND = os.environ.get("VALGRIND", "") not in ("", "0")
TIME_SCALE = float(os.environ.get("DM_TIME_SCALE", "20" if VALGRIND else "1"))
VALGRIND_WRAPPER = os.path.join(TOP, "tests", "valgrind.sh")
START_TIMEOUT = 10.0 * TIME_SCALE
STOP_TIMEOUT = 5.0 * TIME_SCALE
SKIP = 77


def scaled(seconds):
    """A timeout for something the daemon does: longer under valgrind."""
    return seconds * TIME_SCALE


class HarnessError(Exception):
    pass


# ---------------------------------------------------------------- tools
def which(tool):
    return shutil.which(tool)


def require_tool(tool, why=""):
    """Exits 77 (skip) when tool is not installed."""
    path = which(tool)
    if path is None:
        print("SKIP: %s not found%s" % (tool, (" (" + why + ")") if why else ""))
        print("0 passed, 0 failed")
        sys.exit(SKIP)
    return path


def have_qemu():
    return which(QEMU) is not None


def target():
    """'devmodeld' (default) or 'qemu' (QMP_TARGET=qemu)."""
    t = os.environ.get("QMP_TARGET", "devmodeld")
    if t not in ("devmodeld", "qemu"):
        raise HarnessError("QMP_TARGET must be devmodeld or qemu")
    return t


def devmodeld_path():
    """The binary under test: $DEVMODELD, else ./devmodeld of the tree."""
    path = os.environ.get("DEVMODELD")
    if path:
        if not os.access(path, os.X_OK):
            print("FAIL: DEVMODELD=%s is not an executable file" % path)
            print("0 passed, 1 failed")
            sys.exit(1)
        return path
    path = os.path.join(TOP, "devmodeld")
    if not os.access(path, os.X_OK):
        print("SKIP: devmodeld is not built (set DEVMODELD)")
        print("0 passed, 0 failed")
        sys.exit(SKIP)
    return path


def free_tcp_port():
    """A port on 127.0.0.1 that nobody listens on right now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def die_with_parent():
    """In the child before exec: SIGKILL it if the test process dies, so a
    killed test never leaves a server behind (Linux PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    except Exception:  # noqa: BLE001 - best effort
        pass


def _exit_on_signal(signum, frame):
    # SystemExit unwinds through every finally/__exit__: servers get stopped.
    print("# interrupted by signal %d" % signum)
    sys.exit(1)


# ---------------------------------------------------------------- reporting
class Suite:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.target = target()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)
        self.is_qemu = self.target == "qemu"
        if not self.is_qemu:
            self.devmodeld = devmodeld_path()
        elif not have_qemu():
            print("SKIP: QMP_TARGET=qemu but %s is not installed" % QEMU)
            print("0 passed, 0 failed")
            sys.exit(SKIP)
        print("# %s against %s" % (name, "QEMU" if self.is_qemu else self.devmodeld))
        sys.stdout.flush()

    def check(self, cond, what, detail=None):
        if cond:
            self.passed += 1
            print("ok - %s" % what)
        else:
            self.failed += 1
            print("FAIL - %s%s" % (what, (": " + str(detail)) if detail is not None else ""))
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, expected, what):
        return self.check(got == expected, what,
                          "expected %r, got %r" % (expected, got))

    def fail(self, what, detail=None):
        return self.check(False, what, detail)

    def note(self, text):
        print("# " + text)
        sys.stdout.flush()

    def skip(self, what, why):
        self.skipped += 1
        print("skip - %s: %s" % (what, why))
        sys.stdout.flush()

    def only_devmodeld(self, what):
        """True when running against devmodeld; notes a skip otherwise."""
        if self.is_qemu:
            self.skip(what, "devmodeld-specific")
            return False
        return True

    def run(self, func):
        """Runs one test function; an exception counts as one failure."""
        title = func.__name__
        print("# --- %s" % title)
        sys.stdout.flush()
        t0 = time.monotonic()
        try:
            func(self)
        except Exception as exc:  # noqa: BLE001 - report and continue
            tb = traceback.format_exc().rstrip().splitlines()
            self.fail("%s raised %s: %s" % (title, type(exc).__name__, exc))
            for line in tb[-8:]:
                print("#   " + line)
            sys.stdout.flush()
        print("# %s took %.2f s" % (title, time.monotonic() - t0))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.stdout.flush()
        sys.exit(1 if self.failed else 0)

    def main(self, tests):
        for t in tests:
            self.run(t)
        self.finish()


# ---------------------------------------------------------------- servers
class _Server:
    """Common part of Daemon and Qemu: temp dir, process, sockets."""

    kind = "server"

    def __init__(self, qmp=1, tcp=0, name=None):
        self.tmpdir = tempfile.mkdtemp(prefix="dmtest-")
        self.proc = None
        self.stderr_path = os.path.join(self.tmpdir, "stderr.log")
        self.qmp_addresses = []   # unix paths or ("tcp", host, port)
        for i in range(qmp):
            self.qmp_addresses.append(os.path.join(self.tmpdir, "qmp%d.sock" % i))
        for _ in range(tcp):
            self.qmp_addresses.append(("tcp", "127.0.0.1", free_tcp_port()))
        self.returncode = None
        self._stderr_file = None

    @property
    def qmp_path(self):
        return self.qmp_addresses[0]

    @property
    def unix_paths(self):
        return [a for a in self.qmp_addresses if not isinstance(a, tuple)]

    def _spawn(self, argv, pass_fds=()):
        self._stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self._stderr_file,
                                     pass_fds=pass_fds, close_fds=True,
                                     preexec_fn=die_with_parent)

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def valgrind_text(self):
        """The valgrind report of a Daemon run under VALGRIND=1, or ""."""
        path = getattr(self, "valgrind_log", None)
        try:
            with open(path, "rb") as f:
                return "\nvalgrind:\n" + f.read().decode("utf-8", "replace")[-6000:]
        except (OSError, TypeError):
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @staticmethod
    def _probe(addr):
        try:
            if isinstance(addr, tuple):
                s = socket.create_connection((addr[1], addr[2]), timeout=0.5)
            else:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(0.5)
                s.connect(addr)
        except OSError:
            return False
        s.close()
        return True

    def wait_ready(self, addresses=None, timeout=START_TIMEOUT):
        """Waits until every address accepts; fails at once if the process dies."""
        pending = list(self.qmp_addresses if addresses is None else addresses)
        deadline = time.monotonic() + timeout
        while pending:
            if self.proc.poll() is not None:
                raise HarnessError("%s exited with status %s before it was ready; stderr:\n%s"
                                   % (self.kind, self.proc.returncode, self.stderr_text()))
            if self._probe(pending[0]):
                pending.pop(0)
                continue
            if time.monotonic() > deadline:
                raise HarnessError("%s: %r not accepting after %.0fs; stderr:\n%s"
                                   % (self.kind, pending[0], timeout, self.stderr_text()))
            time.sleep(0.01)

    def client(self, index=0, **kw):
        kw.setdefault("name", "%s-client" % self.kind)
        if TIME_SCALE != 1:
            kw.setdefault("timeout", scaled(qmpclient.DEFAULT_TIMEOUT))
        return qmpclient.QMPClient.connect(self.qmp_addresses[index], **kw)

    def negotiated(self, index=0, **kw):
        c = self.client(index, **kw)
        try:
            c.greeting()
            c.negotiate()
        except Exception:
            c.close()
            raise
        return c

    def send_signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout=STOP_TIMEOUT):
        """Exit status within timeout, or None (process still running)."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig and returns the exit status; kills and raises on a hang."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
            raise HarnessError("%s did not exit within %.0fs of signal %d"
                               % (self.kind, timeout, sig))
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass

    def cleanup(self):
        self.kill()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class Daemon(_Server):
    """The real devmodeld.

    Daemon(args=[...], qmp=N unix monitors, tcp=M tcp monitors,
           qtest=True for a --qtest socket, pidfile=True for --pidfile).
    start() spawns it and waits until every socket accepts.
    stop() sends SIGTERM and returns the exit status (which must be 0).
    """

    kind = "devmodeld"

    def __init__(self, args=(), qmp=1, tcp=0, qtest=False, pidfile=False,
                 binary=None, pass_fds=(), start=True):
        super().__init__(qmp=qmp, tcp=tcp)
        self.binary = binary or devmodeld_path()
        self.qtest_path = os.path.join(self.tmpdir, "qtest.sock") if qtest else None
        self.pidfile = os.path.join(self.tmpdir, "devmodeld.pid") if pidfile else None
        self.pass_fds = tuple(pass_fds)
        self.argv = [self.binary]
        if VALGRIND:
            self.valgrind_log = os.path.join(self.tmpdir, "valgrind.log")
            self.argv = [VALGRIND_WRAPPER, self.valgrind_log] + self.argv
        for a in self.qmp_addresses:
            if isinstance(a, tuple):
                self.argv += ["--qmp", "tcp:%s:%d" % (a[1], a[2])]
            else:
                self.argv += ["--qmp", "unix:" + a]
        if self.qtest_path:
            self.argv += ["--qtest", "unix:" + self.qtest_path]
        if self.pidfile:
            self.argv += ["--pidfile", self.pidfile]
        self.argv += list(args)
        if start:
            try:
                self.start()
            except Exception:
                self.cleanup()
                raise

    def start(self):
        self._spawn(self.argv, pass_fds=self.pass_fds)
        extra = [self.qtest_path] if self.qtest_path else []
        self.wait_ready(self.qmp_addresses + extra)


class Qemu(_Server):
    """QEMU 7.2 as a reference: -machine none unless vcpus are asked for."""

    kind = "qemu"

    def __init__(self, args=(), qmp=1, tcp=0, paused=False, incoming=False,
                 vcpus=None, start=True):
        super().__init__(qmp=qmp, tcp=tcp)
        if vcpus:
            machine = ["-machine", "pc", "-accel", "tcg", "-smp", str(vcpus)]
        else:
            machine = ["-machine", "none"]
        self.argv = [QEMU] + machine + ["-nodefaults", "-display", "none"]
        for a in self.qmp_addresses:
            if isinstance(a, tuple):
                self.argv += ["-qmp", "tcp:%s:%d,server=on,wait=off" % (a[1], a[2])]
            else:
                self.argv += ["-qmp", "unix:%s,server=on,wait=off" % a]
        if paused:
            self.argv.append("-S")
        if incoming:
            self.argv += ["-incoming", "defer"]
        self.argv += list(args)
        if start:
            try:
                self._spawn(self.argv)
                self.wait_ready()
            except Exception:
                self.cleanup()
                raise

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        super().stop(sig, timeout)
        return 0   # QEMU's own exit status is not under test


XEN_GLOBALS = ["-global", "migration.send-configuration=off",
               "-global", "migration.send-section-footer=off",
               "-global", "migration.store-global-state=off"]


class QemuPeer(_Server):
    """QEMU 7.2 as devmodeld's peer: -S, TCG, Cirrus (no ROM BAR), qtest and
    QMP sockets, an IDE drive when given, and by default the three
    migration globals of a Xen device-state file (xen_globals=False for a
    full migration stream).  incoming=True adds -incoming defer."""

    kind = "qemu"

    def __init__(self, machine="pc", drive=None, incoming=False,
                 xen_globals=True, args=()):
        super().__init__(qmp=1)
        self.qtest_path = os.path.join(self.tmpdir, "qtest.sock")
        self.argv = [QEMU, "-machine", machine, "-accel", "tcg", "-S",
                     "-nodefaults", "-display", "none", "-vga", "cirrus",
                     "-global", "cirrus-vga.romfile=",
                     "-qtest", "unix:%s,server=on,wait=off" % self.qtest_path,
                     "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if drive:
            self.argv += ["-drive", "file=%s,if=ide,format=raw" % drive]
        if xen_globals:
            self.argv += XEN_GLOBALS
        if incoming:
            self.argv += ["-incoming", "defer"]
        self.argv += list(args)
        try:
            self._spawn(self.argv)
            self.wait_ready([self.qmp_path, self.qtest_path])
        except Exception:
            self.cleanup()
            raise

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        super().stop(sig, timeout)
        return 0   # QEMU's own exit status is not under test


def start_server(suite, paused=False, incoming=False, vcpus=None, qmp=1, tcp=0,
                 args=(), **kw):
    """devmodeld, or QEMU when the suite runs with QMP_TARGET=qemu."""
    if suite.is_qemu:
        return Qemu(qmp=qmp, tcp=tcp, paused=paused, incoming=incoming, vcpus=vcpus)
    a = []
    if paused:
        a.append("-S")
    if incoming:
        a.append("--incoming")
    if vcpus:
        a += ["--vcpus", str(vcpus)]
    return Daemon(args=a + list(args), qmp=qmp, tcp=tcp, **kw)


@contextlib.contextmanager
def server(suite, check_exit=True, **kw):
    """with server(suite, ...) as s: ... ; stops with SIGTERM, checks status 0."""
    s = start_server(suite, **kw)
    try:
        try:
            yield s
        finally:
            if check_exit and not s.alive():
                suite.fail("%s still running at the end of the test" % s.kind,
                           "it exited with status %s; stderr tail:\n%s"
                           % (s.proc.returncode, s.stderr_text()[-1500:]))
        if check_exit and s.alive():
            rc = s.stop()
            if not suite.is_qemu:
                if not suite.eq(rc, 0, "devmodeld exits with status 0 on SIGTERM"):
                    suite.note("stderr tail:\n" + s.stderr_text()[-1500:]
                               + s.valgrind_text())
                left = [p for p in s.unix_paths if os.path.exists(p)]
                suite.eq(left, [], "socket files unlinked on exit")
        elif not check_exit and s.alive() is False and s.proc.returncode is not None \
                and s.proc.returncode < 0:
            suite.fail("%s was killed by signal %d" % (s.kind, -s.proc.returncode),
                       s.stderr_text()[-1500:])
    finally:
        s.cleanup()


@contextlib.contextmanager
def qemu_reference(**kw):
    """A QEMU 7.2 reference instance, or None when QEMU is not installed."""
    if not have_qemu():
        yield None
        return
    q = Qemu(**kw)
    try:
        yield q
    finally:
        q.stop()
        q.cleanup()


@contextlib.contextmanager
def closing_all(*clients):
    try:
        yield clients
    finally:
        for c in clients:
            c.close()
