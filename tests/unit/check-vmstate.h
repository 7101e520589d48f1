/*
 * Helpers shared by the vmstate unit tests: check-vmstate.c builds the
 * suite, and each check-vmstate-*.c file adds its TCases to it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <glib.h>

#include "vmstate/vmstate.h"

/* The bytes vms_save() writes for opaque. */
GByteArray *vmstest_save(const VmsDescription *d, void *opaque);

/* Fails the test, with a hex dump of both, unless got equals want. */
void vmstest_assert_bytes(const GByteArray *got, const uint8_t *want,
                          size_t len);

/*
 * Loads data[0..len) at the given stream version; returns the error
 * message (g_free it), or NULL on success.  *pos gets the reader offset
 * at the end when pos is not NULL.
 */
char *vmstest_load(const VmsDescription *d, void *opaque, int version,
                   const uint8_t *data, size_t len, size_t *pos);

/* Fails the test unless loading data fails with exactly message. */
void vmstest_assert_load_error(const VmsDescription *d, void *opaque,
                               int version, const uint8_t *data, size_t len,
                               const char *message);

/* TCases of check-vmstate-fields.c, -subsections.c and -pckbd.c. */
void vmstest_add_field_cases(Suite *suite);
void vmstest_add_subsection_cases(Suite *suite);
void vmstest_add_pckbd_cases(Suite *suite);
