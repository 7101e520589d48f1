#!/usr/bin/env bash
# dmstate on files the real daemon wrote: info, dump, verify, diff, and
# its exit statuses (0 ok, 1 invalid or different, 2 usage or I/O error).
# Exit 0 pass, 1 fail, 77 skip.  Last line: "N passed, M failed".
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u

. "$(dirname "$0")/common.sh"
DMSTATE=${DMSTATE:-$(dirname "$DEVMODELD")/dmstate}
SOCAT=${SOCAT:-}
if [ -z "$SOCAT" ] || [ "$SOCAT" = no ]; then SOCAT=$(command -v socat || true); fi
if [ -z "$SOCAT" ] || [ ! -x "$DMSTATE" ]; then
    echo "SKIP: socat or dmstate missing"
    echo "0 passed, 0 failed"
    exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmtest-dmstate.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

"$DEVMODELD" --qmp "unix:$dir/q.sock" -S 2>"$dir/err" &
pid=$!
for _ in $(seq 1 100); do [ -S "$dir/q.sock" ] && break; sleep 0.05; done
printf '{"execute":"qmp_capabilities"}\n{"execute":"xen-save-devices-state","arguments":{"filename":"%s"}}\n' \
    "$dir/a.bin" | "$SOCAT" -t 2 - "UNIX-CONNECT:$dir/q.sock" >"$dir/qmp.out"
check "the daemon saved a file" test -s "$dir/a.bin"
cp "$dir/a.bin" "$dir/b.bin"

out=$("$DMSTATE" verify "$dir/a.bin"); rc=$?
check "verify a saved file: exit 0" test "$rc" -eq 0
check "verify says valid" grep -q "valid" <<<"$out"

out=$("$DMSTATE" info "$dir/a.bin"); rc=$?
check "info: exit 0" test "$rc" -eq 0
check "info names the format" grep -q "QEVM version 3" <<<"$out"

"$DMSTATE" dump "$dir/a.bin" >"$dir/dump.json"; rc=$?
check "dump: exit 0" test "$rc" -eq 0
check "dump is JSON with a sections array" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["sections"], list)' "$dir/dump.json"

"$DMSTATE" diff "$dir/a.bin" "$dir/b.bin" >/dev/null; rc=$?
check "diff of equal files: exit 0" test "$rc" -eq 0

printf 'QEVM\0\0\0\2\0' >"$dir/v2.bin"
out=$("$DMSTATE" verify "$dir/v2.bin"); rc=$?
check "verify of a v2 file: exit 1" test "$rc" -eq 1
check "with QEMU's message and the offset" grep -q "at byte 4: SaveVM v2 format is obsolete" <<<"$out"

head -c 8 "$dir/a.bin" >"$dir/cut.bin"
out=$("$DMSTATE" verify "$dir/cut.bin"); rc=$?
check "verify of a truncated file: exit 1" test "$rc" -eq 1
check "it says truncated" grep -q "truncated" <<<"$out"

"$DMSTATE" verify "$dir/absent.bin" 2>/dev/null; rc=$?
check "verify of a missing file: exit 2" test "$rc" -eq 2
"$DMSTATE" frobnicate "$dir/a.bin" 2>/dev/null; rc=$?
check "unknown verb: exit 2" test "$rc" -eq 2
"$DMSTATE" --machine q35 info "$dir/a.bin" 2>/dev/null; rc=$?
check "bad --machine: exit 2" test "$rc" -eq 2
"$DMSTATE" --machine pc verify "$dir/a.bin" >/dev/null; rc=$?
check "--machine pc: exit 0" test "$rc" -eq 0

"$DMSTATE" extract "$dir/a.bin" >/dev/null 2>&1; rc=$?
check "extract without -o: exit 2" test "$rc" -eq 2
"$DMSTATE" extract "$dir/a.bin" -o "$dir/x.bin"; rc=$?
check "extract of our own file: exit 0" test "$rc" -eq 0
check "extract of our own file gives the same bytes" cmp -s "$dir/a.bin" "$dir/x.bin"
out=$("$DMSTATE" extract "$dir/v2.bin" -o "$dir/y.bin"); rc=$?
check "extract of a bad file: exit 1 with the offset" \
    test "$rc" -eq 1 -a ! -e "$dir/y.bin"
check "and the reason" grep -q "at byte 4" <<<"$out"
"$DMSTATE" --drives 4 info "$dir/a.bin" 2>/dev/null; rc=$?
check "bad --drives: exit 2" test "$rc" -eq 2
"$DMSTATE" --drives 0,1 verify "$dir/a.bin" >/dev/null; rc=$?
check "--drives 0,1: exit 0" test "$rc" -eq 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
