/*
 * The words of a qtest request: presence, and numbers as QEMU's
 * qemu_strtoul/qemu_strtoi64 base 0 read them, but strictly, each
 * failure a "FAIL" text that names the argument.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>

#include <glib.h>

#include "daemon/qtest-args.h"

QtestNumber qtest_parse_unsigned(const char *word, uint64_t *ret)
{
    const char *p = word;
    unsigned base = 10;
    uint64_t value = 0;
    bool overflow = false;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && p[1] != '\0') {
        base = 8;
        p++;
    }
    if (*p == '\0') {
        return QTEST_NUMBER_MALFORMED;
    }
    for (; *p != '\0'; p++) {
        int digit = g_ascii_xdigit_value(*p);
        if (digit < 0 || (unsigned)digit >= base) {
            return QTEST_NUMBER_MALFORMED;
        }
        if (value > (UINT64_MAX - (unsigned)digit) / base) {
            overflow = true; /* keep scanning: malformed wins */
        }
        value = value * base + (unsigned)digit;
    }
    *ret = value;
    return overflow ? QTEST_NUMBER_RANGE : QTEST_NUMBER_OK;
}

QtestNumber qtest_parse_signed(const char *word, int64_t min, int64_t max,
                               int64_t *ret)
{
    bool negative = word[0] == '-';
    uint64_t magnitude;
    QtestNumber r = qtest_parse_unsigned(word + (negative ? 1 : 0), &magnitude);

    if (r != QTEST_NUMBER_OK) {
        return r;
    }
    if (magnitude >
        (negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
        return QTEST_NUMBER_RANGE;
    }
    if (negative) {
        /* -(2^63) has no positive counterpart: negate one less. */
        *ret = magnitude == 0 ? 0 : -(int64_t)(magnitude - 1) - 1;
    } else {
        *ret = (int64_t)magnitude;
    }
    if (*ret < min || *ret > max) {
        return QTEST_NUMBER_RANGE;
    }
    return QTEST_NUMBER_OK;
}

static char *qtest_number_error(QtestNumber r, const char *name,
                                const char *word, const char *range)
{
    if (r == QTEST_NUMBER_MALFORMED) {
        return g_strdup_printf("FAIL %s '%s' is not a number", name, word);
    }
    return g_strdup_printf("FAIL %s '%s' does not fit in %s", name, word,
                           range);
}

char *qtest_get_u64(const QtestCommand *cmd, char **words, unsigned i,
                    uint64_t max, uint64_t *ret)
{
    const char *name = cmd->args[i - 1];
    QtestNumber r = qtest_parse_unsigned(words[i], ret);

    if (r != QTEST_NUMBER_OK) {
        return qtest_number_error(r, name, words[i], "64 bits");
    }
    if (*ret > max) {
        return g_strdup_printf("FAIL %s %s is above 0x%" PRIx64, name, words[i],
                               max);
    }
    return NULL;
}

char *qtest_get_i64(const QtestCommand *cmd, char **words, unsigned i,
                    int64_t min, int64_t max, int64_t *ret)
{
    QtestNumber r = qtest_parse_signed(words[i], min, max, ret);

    if (r != QTEST_NUMBER_OK) {
        return qtest_number_error(r, cmd->args[i - 1], words[i],
                                  max == INT_MAX ? "an int" : "an int64");
    }
    return NULL;
}

/* Capped, and non-zero where QEMU asserts it. */
char *qtest_get_size(const QtestCommand *cmd, char **words, bool allow_zero,
                     uint64_t *ret)
{
    char *error = qtest_get_u64(cmd, words, 2, UINT64_MAX, ret);

    if (error != NULL) {
        return error;
    }
    if (*ret > QTEST_MAX_SIZE) {
        return g_strdup_printf("FAIL size too large: SIZE %s is above %d",
                               words[2], QTEST_MAX_SIZE);
    }
    if (*ret == 0 && !allow_zero) {
        return g_strdup_printf("FAIL SIZE 0: %s needs at least one byte",
                               cmd->name);
    }
    return NULL;
}

char *qtest_check_args(const QtestCommand *cmd, char **words)
{
    for (unsigned i = 1; i <= cmd->required; i++) {
        if (words[i] == NULL) {
            g_autofree char *usage = g_strjoinv(" ", (char **)cmd->args);
            return g_strdup_printf("FAIL missing %s (%s %s)", cmd->args[i - 1],
                                   cmd->name, usage);
        }
        if (words[i][0] == '\0') {
            return g_strdup_printf("FAIL empty %s (two spaces in a row?)",
                                   cmd->args[i - 1]);
        }
    }
    return NULL;
}
