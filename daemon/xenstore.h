/*
 * The daemon's xenstore: one small interface, two backends.
 *
 *   xs        libxenstore (xs_open(0)), so a real xenstored, or whatever
 *             listens on $XENSTORED_PATH (tests/xenstored in the tests).
 *             Only when built with libxenstore (HAVE_XENSTORE).
 *   embedded  an in-process tree with xenstored's semantics, for machines
 *             without Xen; QMP can show what the daemon wrote there.
 *   auto      xs when a xenstored answers, else embedded.
 *
 * Paths are xenstored's: absolute ("/local/domain/0/...") or relative to
 * /local/domain/0, the home of a dom0 socket client ("device-model/7/state"
 * is /local/domain/0/device-model/7/state).  Both backends give the same
 * answers: writes and mkdir create missing parents with empty values,
 * mkdir of an existing node succeeds, rm removes a whole subtree and
 * succeeds on a missing node whose parent exists, directory lists children
 * in creation order.  Errors are XENSTORE_ERROR with the errno value as
 * the code (ENOENT missing, EINVAL bad path, EAGAIN transaction conflict,
 * ENOSPC quota, ...) and a message naming the operation and the path.
 *
 * Not thread-safe: one thread (the main loop's) uses a Xenstore.  Calls
 * to the xs backend block until xenstored answers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

typedef enum {
    XENSTORE_BACKEND_AUTO,
    XENSTORE_BACKEND_XS,
    XENSTORE_BACKEND_EMBEDDED,
    XENSTORE_BACKEND_MAX
} XenstoreBackend;

typedef struct Xenstore Xenstore;

#define XENSTORE_ERROR (xenstore_error_quark())
GQuark xenstore_error_quark(void);

/* "auto", "xs", "embedded"; false (and ret_backend untouched) otherwise. */
bool xenstore_backend_parse(const char *name, XenstoreBackend *ret_backend);
const char *xenstore_backend_name(XenstoreBackend backend);

/*
 * Connects.  XS fails when no xenstored answers or when built without
 * libxenstore; AUTO then falls back to EMBEDDED and never fails.
 */
Xenstore *xenstore_open(XenstoreBackend backend, GError **error);
void xenstore_close(Xenstore *xs);

/* The backend in use: XS or EMBEDDED, never AUTO. */
XenstoreBackend xenstore_backend(const Xenstore *xs);

/*
 * The value of path, NUL-terminated (values may hold NULs: ret_len, if
 * not NULL, gets the length without the terminator).  g_free() it.
 */
char *xenstore_read(Xenstore *xs, const char *path, size_t *ret_len,
                    GError **error);

/* Sets path to len bytes of value. */
bool xenstore_write(Xenstore *xs, const char *path, const void *value,
                    size_t len, GError **error);

/* Sets path to a string (without its NUL, as QEMU writes its keys). */
bool xenstore_write_str(Xenstore *xs, const char *path, const char *value,
                        GError **error);

bool xenstore_mkdir(Xenstore *xs, const char *path, GError **error);
bool xenstore_rm(Xenstore *xs, const char *path, GError **error);

/* The children's names, NULL-terminated; g_strfreev() it. */
char **xenstore_directory(Xenstore *xs, const char *path, GError **error);

/*
 * Runs func as one transaction: every call func makes on xs belongs to it,
 * and either all of its changes land or none.  func returns false with
 * *error set to give up (the transaction is aborted and that error
 * returned).  On a conflict (EAGAIN) func runs again, up to 16 times.
 * No nesting.
 */
typedef bool (*XenstoreTxnFunc)(Xenstore *xs, void *opaque, GError **error);
bool xenstore_transaction(Xenstore *xs, XenstoreTxnFunc func, void *opaque,
                          GError **error);
