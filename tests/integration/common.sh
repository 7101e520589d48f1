# Shared by the shell integration tests: finds the daemon, counts checks.
# Source it after "set -u"; it defines top, DEVMODELD, ok, bad, check and
# finish (prints "N passed, M failed" and exits 0 or 1).

top=$(cd "$(dirname "$0")/../.." && pwd)
DEVMODELD=${DEVMODELD:-$top/devmodeld}
if [ ! -x "$DEVMODELD" ]; then
    echo "FAIL: devmodeld not found at $DEVMODELD"
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
