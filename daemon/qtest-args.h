/*
 * Internal to the qtest front end: the command table's entry type and the
 * argument checks the commands share (daemon/qtest-args.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/qtest.h"

enum {
    QTEST_MAX_SIZE = 1024 * 1024, /* read, write, memset, b64 buffers */
    QTEST_MAX_ARGS = 4,
};

typedef struct QtestCommand QtestCommand;

/* Returns the reply without "\n"; words[0] is the command. */
typedef char *(*QtestRunFunc)(QtestSession *s, const QtestCommand *cmd,
                              char **words);

struct QtestCommand {
    const char *name;
    QtestRunFunc run;
    unsigned size;     /* access width of the sized commands */
    unsigned required; /* how many of args must be present */
    const char *args[QTEST_MAX_ARGS + 1]; /* names, for messages */
};

typedef enum QtestNumber {
    QTEST_NUMBER_OK,
    QTEST_NUMBER_MALFORMED,
    QTEST_NUMBER_RANGE,
} QtestNumber;

/*
 * strtoul base 0, strictly: "0x" and hex digits, "0" and octal digits,
 * or decimal digits, and nothing else (no sign, no space, no suffix).
 */
QtestNumber qtest_parse_unsigned(const char *word, uint64_t *ret);

/* The same with an optional "-", within [min, max]. */
QtestNumber qtest_parse_signed(const char *word, int64_t min, int64_t max,
                               int64_t *ret);

/*
 * The checks below return NULL when the argument is good, else the
 * "FAIL ..." reply, which the caller owns.
 */

/* The required words are there and not empty. */
char *qtest_check_args(const QtestCommand *cmd, char **words);

/* words[i] (1-based, as cmd->args[i - 1]) as a number no larger than max. */
char *qtest_get_u64(const QtestCommand *cmd, char **words, unsigned i,
                    uint64_t max, uint64_t *ret);
char *qtest_get_i64(const QtestCommand *cmd, char **words, unsigned i,
                    int64_t min, int64_t max, int64_t *ret);

/* words[2], a bulk SIZE: at most QTEST_MAX_SIZE, and 0 only if allowed. */
char *qtest_get_size(const QtestCommand *cmd, char **words, bool allow_zero,
                     uint64_t *ret);
