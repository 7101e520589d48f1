#!/bin/sh
# Runs every fuzz target once over each file of its corpus and regression
# directories (make check, make fuzz-smoke).  The replay build ignores
# -runs=0; a libFuzzer build reads it as "run the inputs, do not fuzz".
srcdir=${srcdir:-.}
status=0
for target in statefile qmp qtest i8042 ide cirrus; do
    dirs=
    for d in "$srcdir/tests/fuzz/corpus/$target" \
             "$srcdir/tests/fuzz/regressions/$target"; do
        if [ -d "$d" ]; then
            dirs="$dirs $d"
        fi
    done
    if [ -z "$dirs" ]; then
        continue
    fi
    # shellcheck disable=SC2086
    if ! "tests/fuzz/fuzz-$target" -runs=0 $dirs; then
        echo "FAIL: fuzz-$target" >&2
        status=1
    fi
done
exit $status
