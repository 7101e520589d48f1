/* One Check suite per module; check-runner.c runs them all. */
#pragma once

#include <check.h>

Suite *dispatch_suite(void);
Suite *fdset_suite(void);
Suite *json_suite(void);
Suite *options_suite(void);
Suite *runstate_suite(void);
