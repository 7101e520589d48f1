#!/bin/sh
# Runs a program under valgrind memcheck for the integration tests
# (tests/integration/harness.py with VALGRIND=1):
#
#   tests/valgrind.sh LOGFILE PROGRAM [ARGS...]
#
# Any memory error, and any definite or indirect leak at exit, makes the
# program exit with status 99 instead of its own.  "Possibly lost" and
# "still reachable" blocks are not errors: glib keeps its one-time
# allocations (type system, main context, quarks) until exit.  The
# suppressions in tests/valgrind.supp cover what glib itself reports.
log=$1
shift
here=$(dirname "$0")
# GLib's slice allocator would hide leaked JsonObjects and hash tables
# from memcheck in its magazines: plain malloc makes every block visible.
G_SLICE=always-malloc G_DEBUG=gc-friendly
export G_SLICE G_DEBUG
exec valgrind --quiet --tool=memcheck --error-exitcode=99 \
    --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect \
    --suppressions="$here/valgrind.supp" \
    --log-file="$log" "$@"
