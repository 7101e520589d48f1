#!/usr/bin/env bash
# devmodeld with socat, the way the README shows it:
#   printf '{"execute":"qmp_capabilities"}\n{"execute":"query-status"}\n' |
#       socat -t 2 - UNIX-CONNECT:$SOCK
# Exit 0 pass, 1 fail, 77 skip (socat missing).  Last line: "N passed, M failed".
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u

SOCAT=${SOCAT:-}
if [ -z "$SOCAT" ] || [ "$SOCAT" = no ]; then SOCAT=$(command -v socat || true); fi
if [ -z "$SOCAT" ] || [ ! -x "$SOCAT" ]; then
    echo "SKIP: socat not found"
    echo "0 passed, 0 failed"
    exit 77
fi
. "$(dirname "$0")/common.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmtest-socat.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' TERM INT HUP

SOCK=$dir/qmp.sock
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$DEVMODELD" --qmp "unix:$SOCK" --qmp "tcp:127.0.0.1:$port" 2>"$dir/stderr" &
pid=$!

# Wait (bounded) until the socket accepts.
ready=no
for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if timeout 2 "$SOCAT" -u OPEN:/dev/null "UNIX-CONNECT:$SOCK" 2>/dev/null; then ready=yes; break; fi
    sleep 0.05
done
if [ $ready != yes ]; then
    bad "devmodeld did not become ready" "$(cat "$dir/stderr")"
    echo "$passed passed, $failed failed"
    exit 1
fi
ok "devmodeld listening on $SOCK and 127.0.0.1:$port"

# ---- the README one-liner
out=$dir/out1
printf '{"execute":"qmp_capabilities"}\n{"execute":"query-status"}\n' |
    timeout 10 "$SOCAT" -t 2 - "UNIX-CONNECT:$SOCK" >"$out" 2>"$dir/socat.err"
check "socat one-liner exits 0" test $? -eq 0
greeting=$(head -n 1 "$out")
check "output starts with the greeting" \
    test "${greeting#'{"QMP":'}" != "$greeting" -a "${greeting%$'}}\r'}" != "$greeting"
check "greeting: QEMU 7.2.0 dialect, package devmodeld, no capabilities" bash -c '
    g=$1; for w in "\"major\":7" "\"minor\":2" "\"micro\":0" "\"package\":\"devmodeld " "\"capabilities\":[]"; do
        case $g in *"$w"*) ;; *) exit 1;; esac; done' _ "$greeting"
check "qmp_capabilities answered {\"return\":{}}" grep -qx '{"return":{}}'$'\r' "$out"
check "query-status reply with \"status\"" grep -q '^{"return":{.*"status":"running".*}}'$'\r''$' "$out"
check "three messages" test "$(wc -l <"$out")" -eq 3
check "every line ends with CR LF" test "$(grep -c $'\r$' "$out")" -eq "$(wc -l <"$out")"
check "output is pure ASCII" bash -c "! LC_ALL=C grep -q '[^[:print:][:space:]]' '$out'"
check "output ends with CR LF" test "$(tail -c 2 "$out" | od -An -c | tr -d ' ')" = '\r\n'
echo "# output:"; sed 's/\r$/<CR>/; s/^/#   /' "$out"

# ---- objects split over lines and several on one line, as typed into socat
out=$dir/out2
printf '{"execute":\n"qmp_capabilities",\n "id":1}\n{"execute":"query-status","id":2}{"execute":"query-version","id":3}\n{"execute":"nosuch","id":4}\n' |
    timeout 10 "$SOCAT" -t 1 - "UNIX-CONNECT:$SOCK" >"$out" 2>/dev/null
check "split object answered with id 1" grep -qx '{"return":{},"id":1}'$'\r' "$out"
check "batched objects answered in order (ids 2, 3, 4)" \
    test "$(grep -o '"id":[0-9]*' "$out" | tr '\n' ' ')" = '"id":1 "id":2 "id":3 "id":4 '
check "unknown command -> CommandNotFound" \
    grep -q '"class":"CommandNotFound","desc":"The command nosuch has not been found"' "$out"

# ---- stop/cont through socat: events come before the reply
out=$dir/out3
printf '{"execute":"qmp_capabilities"}\n{"execute":"stop"}\n{"execute":"cont"}\n' |
    timeout 10 "$SOCAT" -t 1 - "UNIX-CONNECT:$SOCK" >"$out" 2>/dev/null
check "STOP event then reply, RESUME event then reply" \
    test "$(sed -n '3p;4p;5p;6p' "$out" | sed 's/,"timestamp":{[^}]*}//; s/"timestamp":{[^}]*},//' | tr -d '\r' | tr '\n' ' ')" \
         = '{"event":"STOP"} {"return":{}} {"event":"RESUME"} {"return":{}} '

# ---- the same over TCP
out=$dir/out4
printf '{"execute":"qmp_capabilities"}\n{"execute":"query-status"}\n' |
    timeout 10 "$SOCAT" -t 1 - "TCP:127.0.0.1:$port" >"$out" 2>/dev/null
check "TCP: greeting, {} and status" \
    test "$(grep -c '^{"QMP"\|^{"return":{}}\|"status":"running"' "$out")" -eq 3
check "TCP: every line ends with CR LF" test "$(grep -c $'\r$' "$out")" -eq 3

# ---- the daemon is still fine and stops cleanly
check "devmodeld still running after the socat sessions" kill -0 "$pid"
kill -TERM "$pid"
rc=
for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; rc=$?; break; fi
    sleep 0.05
done
check "SIGTERM -> exit status 0" test "${rc:-timeout}" = 0
check "socket file removed" test ! -e "$SOCK"
pid=

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
