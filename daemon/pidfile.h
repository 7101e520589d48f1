/* A locked pidfile, written atomically and removed on exit. */
#pragma once

#include <stdbool.h>

#include <glib.h>

typedef struct Pidfile Pidfile;

/* Creates and locks path; fails when another live process holds it. */
Pidfile *pidfile_create(const char *path, GError **error);

/* Writes the current pid (after a fork, the child's). */
bool pidfile_write(Pidfile *pidfile, GError **error);

/* Removes and unlocks. */
void pidfile_remove(Pidfile *pidfile);
