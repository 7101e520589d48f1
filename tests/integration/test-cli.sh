#!/usr/bin/env bash
# devmodeld's command line: --version, --help, bad options (one stderr line,
# exit 2), socket files (mode 0600, stale replaced, live refused), --pidfile,
# signals (exit 0, sockets unlinked), --daemonize (returns when ready),
# --qtest socket, --drive (bad values, locked or missing images: exit 1),
# QEMU's spellings as libxl writes them (accepted, refused), -incoming with
# a state that does not load (exit 1, nothing left behind).
# Exit 0 pass, 1 fail.  Last line: "N passed, M failed".
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u

. "$(dirname "$0")/common.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmtest-cli.XXXXXX")
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null; fi
    done
    wait 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' TERM INT HUP

# greets PATH: 0 when a QMP greeting arrives on the unix socket within 2 s.
greets() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(sys.argv[1])
    buf = b""
    while b"\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit(1)
        buf += d
    sys.exit(0 if buf.startswith(b'{"QMP"') else 1)
except OSError:
    sys.exit(1)
EOF
}

# qtest_line PATH LINE: prints the first reply line of the qtest socket.
qtest_line() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(sys.argv[1])
    s.sendall(sys.argv[2].encode() + b"\n")
    buf = b""
    while b"\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    sys.stdout.write(buf.split(b"\n")[0].decode("ascii", "replace"))
except OSError as e:
    sys.stdout.write("error: %s" % e)
EOF
}

# wait_ready PID PATH...: bounded wait until every socket greets (or PID dies).
wait_ready() {
    local p=$1; shift
    local path
    for path in "$@"; do
        local i
        for i in $(seq 1 200); do
            kill -0 "$p" 2>/dev/null || return 1
            [ -S "$path" ] && greets "$path" && break
            sleep 0.05
        done
        [ "$i" -lt 200 ] || return 1
    done
}

# wait_exit PID: bounded wait for our child; sets rc to its exit status or "timeout".
# (Not in a $(...) subshell: only this shell can wait for its children.)
wait_exit() {
    local p=$1 i
    rc=timeout
    for i in $(seq 1 100); do
        if ! kill -0 "$p" 2>/dev/null; then wait "$p" 2>/dev/null; rc=$?; return; fi
        sleep 0.05
    done
}

# wait_gone PID: bounded wait for a process that is not our child.
wait_gone() {
    local p=$1 i
    for i in $(seq 1 100); do
        kill -0 "$p" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------- --version, --help
out=$(timeout 5 "$DEVMODELD" --version 2>"$dir/err"); rc=$?
check "--version exits 0" test $rc -eq 0
check "--version prints 'devmodeld VERSION'" bash -c '[[ $1 =~ devmodeld[[:space:]]+[0-9]+\.[0-9]+\.[0-9]+ ]]' _ "$out"
check "--version writes nothing to stderr" test ! -s "$dir/err"
out=$(timeout 5 "$DEVMODELD" --help 2>"$dir/err"); rc=$?
check "--help exits 0" test $rc -eq 0
for opt in --qmp --qmp-fd --qtest --drive --domid --machine --paused --incoming --vcpus --pidfile \
           --daemonize --log-level --version --help --vram-mb --vram-path; do
    case $out in *"$opt"*) ok "--help mentions $opt" ;; *) bad "--help mentions $opt" ;; esac
done

# ---------------------------------------------------------------- bad options
badopt() { # badopt "description" args...
    local what=$1; shift
    local sock=$dir/bad.sock
    timeout 5 "$DEVMODELD" --qmp "unix:$sock" "$@" >"$dir/out" 2>"$dir/err"
    local rc=$?
    local lines
    lines=$(wc -l <"$dir/err")
    check "$what: exit status 2" test $rc -eq 2
    check "$what: exactly one line on stderr" test "$lines" -eq 1 -a -s "$dir/err"
    check "$what: nothing on stdout" test ! -s "$dir/out"
    check "$what: no socket left behind" test ! -e "$sock"
    echo "#   stderr: $(head -c 200 "$dir/err")"
}
badopt "unknown option --bogus" --bogus
badopt "--vcpus abc" --vcpus abc
badopt "--qmp bogus:x" --qmp bogus:x
badopt "--machine foo" --machine foo
badopt "--log-level loud" --log-level loud
badopt "--vcpus without a value" --vcpus
badopt "--vcpus 0" --vcpus 0
badopt "--domid abc" --domid abc
badopt "stray positional argument" stray
badopt "--drive format=qcow2" --drive "file=$dir/x.img,index=0,format=qcow2"
badopt "--drive without index" --drive "file=$dir/x.img,format=raw"
badopt "--drive index used twice" --drive "file=$dir/x.img,index=1,format=raw" \
    --drive "file=$dir/y.img,index=1,format=raw"
badopt "--vram-mb 5" --vram-mb 5
badopt "--vram-mb 0x8 (decimal only)" --vram-mb 0x8
badopt "--vram-mb without a value" --vram-mb
badopt "--vram-path empty" --vram-path ""

# A VRAM file of another size is refused and left as it was.
printf 'keep me' >"$dir/vram.bin"
timeout 5 "$DEVMODELD" --qmp "unix:$dir/vram.sock" --vram-path "$dir/vram.bin" \
    >/dev/null 2>"$dir/err"; rc=$?
check "--vram-path of another size: exit status 1" test $rc -eq 1
check "--vram-path of another size: the message names it" \
    grep -q -- "--vram-path $dir/vram.bin" "$dir/err"
check "--vram-path of another size: the file is untouched" \
    test "$(cat "$dir/vram.bin")" = "keep me"
check "--vram-path of another size: no socket left behind" \
    test ! -e "$dir/vram.sock"

# ---------------------------------------------------------------- sockets
S1=$dir/a.sock
S2=$dir/b.sock
QT=$dir/qtest.sock
(umask 000; exec "$DEVMODELD" --qmp "unix:$S1" --qmp "unix:$S2" --qtest "unix:$QT" \
    --domid 7 --machine pc --vcpus 2 --log-level debug 2>"$dir/err1") &
p=$!; pids+=("$p")
if wait_ready "$p" "$S1" "$S2"; then ok "two --qmp sockets and --qtest listen"; else
    bad "daemon ready with two --qmp sockets" "$(head -c 500 "$dir/err1")"; fi
check "QMP socket mode 0600 (even with umask 000)" test "$(stat -c %a "$S1")" = 600
check "second QMP socket mode 0600" test "$(stat -c %a "$S2")" = 600
check "qtest socket exists" test -S "$QT"
check "qtest socket mode 0600" test "$(stat -c %a "$QT" 2>/dev/null)" = 600
reply=$(qtest_line "$QT" endianness)
check "qtest: endianness -> OK little" test "$reply" = "OK little"
# live socket refused: a second daemon on the same path fails, the first keeps it
timeout 5 "$DEVMODELD" --qmp "unix:$S1" >/dev/null 2>"$dir/err2"; rc=$?
check "second daemon on a live socket fails (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "its error is reported on stderr" test -s "$dir/err2"
check "the first daemon still owns and serves the socket" greets "$S1"
# SIGHUP: libxl's destroy
kill -HUP "$p"
wait_exit "$p"
check "SIGHUP -> exit status 0" test "$rc" = 0
check "SIGHUP: QMP sockets unlinked" test ! -e "$S1" -a ! -e "$S2"
check "SIGHUP: qtest socket unlinked" test ! -e "$QT"

# stale socket file replaced
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$S1"
check "a stale socket file exists before start" test -S "$S1"
"$DEVMODELD" --qmp "unix:$S1" 2>"$dir/err3" &
p=$!; pids+=("$p")
if wait_ready "$p" "$S1"; then ok "stale socket replaced, daemon serves it"; else
    bad "stale socket replaced" "$(head -c 500 "$dir/err3")"; fi
kill -INT "$p"
wait_exit "$p"
check "SIGINT -> exit status 0" test "$rc" = 0
check "SIGINT: socket unlinked" test ! -e "$S1"

# ---------------------------------------------------------------- --pidfile
PF=$dir/dm.pid
"$DEVMODELD" --qmp "unix:$S1" --pidfile "$PF" 2>"$dir/err4" &
p=$!; pids+=("$p")
wait_ready "$p" "$S1"
check "--pidfile written" test -f "$PF"
check "--pidfile holds the daemon's pid" test "$(tr -d ' \n' <"$PF" 2>/dev/null)" = "$p"
kill -TERM "$p"
wait_exit "$p"
check "SIGTERM -> exit status 0" test "$rc" = 0
check "SIGTERM: pidfile removed" test ! -e "$PF"
check "SIGTERM: socket unlinked" test ! -e "$S1"

# ---------------------------------------------------------------- --daemonize
start=$(date +%s%N)
timeout 10 "$DEVMODELD" --daemonize --qmp "unix:$S1" --qmp "unix:$S2" --pidfile "$PF" \
    >"$dir/out5" 2>"$dir/err5"
rc=$?
echo "#   --daemonize returned after $(( ($(date +%s%N) - start) / 1000000 )) ms"
check "--daemonize: parent exits 0" test $rc -eq 0
check "--daemonize: socket connectable at once" greets "$S1"
check "--daemonize: second socket connectable at once" greets "$S2"
check "--daemonize: pidfile exists when the parent returns" test -f "$PF"
dpid=$(tr -d ' \n' <"$PF" 2>/dev/null)
if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
    pids+=("$dpid")
    ok "--daemonize: pidfile names a live process ($dpid)"
    kill -TERM "$dpid"
    check "--daemonize: daemon exits on SIGTERM" wait_gone "$dpid"
    check "--daemonize: pidfile removed" test ! -e "$PF"
    check "--daemonize: sockets unlinked" test ! -e "$S1" -a ! -e "$S2"
else
    bad "--daemonize: pidfile names a live process" "pidfile '${dpid}'; stderr: $(head -c 300 "$dir/err5")"
fi
timeout 10 "$DEVMODELD" --daemonize --qmp "unix:$dir/nonexistent/dir/s.sock" >/dev/null 2>"$dir/err6"
rc=$?
check "--daemonize with an unusable socket path: parent fails (status $rc)" \
    test "$rc" -ne 0 -a "$rc" -ne 124
check "--daemonize failure reported on stderr" test -s "$dir/err6"

# ---------------------------------------------------------------- --drive
# A writable image is locked while the daemon runs: a second daemon that
# wants it (to write or to read) fails at start with exit 1 and one clear
# line; a missing image too.  The lock goes when the first one exits.
IMG=$dir/disk.img
truncate -s 1M "$IMG"
"$DEVMODELD" --qmp "unix:$S1" --drive "file=$IMG,index=0,format=raw" 2>"$dir/err7" &
p=$!; pids+=("$p")
if wait_ready "$p" "$S1"; then ok "--drive: daemon starts with a raw image"; else
    bad "--drive: daemon starts with a raw image" "$(head -c 500 "$dir/err7")"; fi
for ro in off on; do
    timeout 5 "$DEVMODELD" --qmp "unix:$S2" \
        --drive "file=$IMG,index=1,format=raw,readonly=$ro" >/dev/null 2>"$dir/err8"
    rc=$?
    check "--drive: locked image (readonly=$ro) -> exit status 1" test "$rc" -eq 1
    check "--drive: locked image error names the image and the reason" \
        grep -q "'$IMG' is locked by another process" "$dir/err8"
    check "--drive: no socket left behind" test ! -e "$S2"
done
kill -TERM "$p"
wait_exit "$p"
check "--drive: SIGTERM -> exit status 0" test "$rc" = 0
"$DEVMODELD" --qmp "unix:$S1" --drive "file=$IMG,index=3,format=raw,readonly=on" \
    --drive "file=$IMG,index=2,format=raw,readonly=on" 2>"$dir/err9" &
p=$!; pids+=("$p")
if wait_ready "$p" "$S1"; then ok "--drive: lock released at exit; read-only drives share"; else
    bad "--drive: lock released at exit; read-only drives share" "$(head -c 500 "$dir/err9")"; fi
kill -TERM "$p"
wait_exit "$p"
timeout 5 "$DEVMODELD" --qmp "unix:$S2" --drive "file=$dir/none.img,index=0,format=raw" \
    >/dev/null 2>"$dir/err10"
rc=$?
check "--drive: missing image -> exit status 1" test "$rc" -eq 1
check "--drive: missing image error names it" grep -q "none.img" "$dir/err10"

# ---------------------------------------------------------------- QEMU spellings
# libxl's argument vector (research/xen-toolstack.md §1.1): both monitors greet.
Q1=$dir/qmp-libxl-7
Q2=$dir/qmp-libxenstat-7
"$DEVMODELD" -xen-domid 7 -no-shutdown \
    -chardev "socket,id=libxl-cmd,path=$Q1,server=on,wait=off" \
    -mon chardev=libxl-cmd,mode=control \
    -chardev "socket,id=libxenstat-cmd,path=$Q2,server=on,wait=off" \
    -mon chardev=libxenstat-cmd,mode=control -nodefaults -no-user-config \
    -name guest7 -vnc none -display none -device cirrus-vga,vgamem_mb=8 \
    -boot order=cd -smp 2,maxcpus=2 -net none -machine xenfv,suppress-vmdesc=on \
    -m 1016 -pidfile "$dir/q.pid" --xenstore embedded 2>"$dir/err11" &
p=$!; pids+=("$p")
if wait_ready "$p" "$Q1" "$Q2"; then ok "QEMU-style libxl vector: both -mon sockets greet"; else
    bad "QEMU-style libxl vector: both -mon sockets greet" "$(head -c 500 "$dir/err11")"; fi
check "QEMU-style -pidfile written" test "$(cat "$dir/q.pid" 2>/dev/null)" = "$p"
kill -TERM "$p"
wait_exit "$p"
check "QEMU-style vector: SIGTERM -> exit status 0" test "$rc" = 0
check "QEMU-style vector: sockets unlinked" test ! -e "$Q1" -a ! -e "$Q2"
badopt "-vnc 127.0.0.1:0" -vnc 127.0.0.1:0
check "-vnc refusal names the option" grep -qx "devmodeld: -vnc 127.0.0.1:0: VNC is not supported" "$dir/err"
badopt "-serial pty" -serial pty
check "-serial refusal names the option" grep -q "^devmodeld: -serial pty: " "$dir/err"
badopt "-device VGA" -device VGA,vgamem_mb=16
badopt "-machine q35" -machine q35
badopt "-incoming tcp:" -incoming tcp:0:4444
badopt "-chardev pty" -chardev pty,id=serial0
badopt "-incoming fd:N not open" -incoming fd:1000

# -incoming with a state that does not load: exit 1, the loader's one line,
# nothing left behind.
: >"$dir/empty.state"
printf 'QEVM\0\0\0\3\4junk' >"$dir/junk.state"
for st in empty junk; do
    for how in file fd; do
        if [ $how = file ]; then
            timeout 5 "$DEVMODELD" --qmp "unix:$S2" -incoming "file:$dir/$st.state" \
                -pidfile "$dir/inc.pid" >/dev/null 2>"$dir/err12"
        else
            timeout 5 "$DEVMODELD" --qmp "unix:$S2" -incoming fd:7 \
                -pidfile "$dir/inc.pid" 7<"$dir/$st.state" >/dev/null 2>"$dir/err12"
        fi
        rc=$?
        check "-incoming $how: $st state -> exit status 1" test "$rc" -eq 1
        check "-incoming $how: $st state -> one line naming the source" \
            bash -c '[ "$(grep -c " error " "$1")" -eq 1 ] && grep -q " error .*incoming migration from $2" "$1"' \
            _ "$dir/err12" "$how:"
        check "-incoming $how: $st state -> no socket, no pidfile" \
            test ! -e "$S2" -a ! -e "$dir/inc.pid"
        echo "#   stderr: $(grep " error " "$dir/err12" | head -c 300)"
    done
done
timeout 5 "$DEVMODELD" --qmp "unix:$S2" -incoming "file:$dir/none.state" >/dev/null 2>"$dir/err13"
rc=$?
check "-incoming file: missing file -> exit status 1" test "$rc" -eq 1
check "-incoming file: missing file named" grep -q "none.state" "$dir/err13"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
