/*
 * xenstore backends (see xenstore.h).  The embedded tree follows
 * cxenstored 4.17 (tools/xenstore/xenstored_core.c) for a dom0 client:
 * the same path rules (is_valid_nodename: '/' first, no "//", no trailing
 * '/', [A-Za-z0-9-/_@] only, at most 2048 characters below
 * /local/domain/N/), the same initial nodes (/tool/xenstored), and the
 * payload limit libxenstore enforces (E2BIG).  It keeps no permissions
 * and fires no watches: nothing else can connect to it.
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-xenstore"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#ifdef HAVE_XENSTORE
#include <xenstore.h>
#endif

#include "daemon/xenstore.h"

#define IMPLICIT_PATH     "/local/domain/0"
#define LOCAL_DOMAIN      "/local/domain/"
#define REL_PATH_MAX      2048 /* XENSTORE_REL_PATH_MAX */
#define PAYLOAD_MAX       4096 /* XENSTORE_PAYLOAD_MAX */
#define TRANSACTION_TRIES 16

/* An embedded node; the tree maps canonical paths to these. */
typedef struct {
    char *value; /* len bytes and a NUL */
    size_t len;
    GPtrArray *children; /* names (char *), in creation order */
} Node;

struct Xenstore {
    XenstoreBackend backend;
    GHashTable *tree;     /* embedded: path -> Node */
    GHashTable *snapshot; /* embedded: the tree when the transaction began */
    bool in_transaction;
#ifdef HAVE_XENSTORE
    struct xs_handle *handle;
    xs_transaction_t txn;
#endif
};

G_DEFINE_QUARK(devmodeld - xenstore - error - quark, xenstore_error)

static const char *const backend_names[XENSTORE_BACKEND_MAX] = {
    [XENSTORE_BACKEND_AUTO] = "auto",
    [XENSTORE_BACKEND_XS] = "xs",
    [XENSTORE_BACKEND_EMBEDDED] = "embedded",
};

bool xenstore_backend_parse(const char *name, XenstoreBackend *ret_backend)
{
    for (int i = 0; i < XENSTORE_BACKEND_MAX; i++) {
        if (strcmp(name, backend_names[i]) == 0) {
            *ret_backend = (XenstoreBackend)i;
            return true;
        }
    }
    return false;
}

const char *xenstore_backend_name(XenstoreBackend backend)
{
    return backend < XENSTORE_BACKEND_MAX ? backend_names[backend] : "?";
}

XenstoreBackend xenstore_backend(const Xenstore *xs)
{
    return xs->backend;
}

static bool fail(GError **error, int err, const char *op, const char *path)
{
    if (err == 0) {
        err = EIO;
    }
    g_set_error(error, XENSTORE_ERROR, err, "xenstore %s %s: %s", op, path,
                g_strerror(err));
    return false;
}

/* ---------------------------------------------------------------- embedded */

static Node *node_new(void)
{
    Node *node = g_new0(Node, 1);

    node->value = g_strdup("");
    node->children = g_ptr_array_new_with_free_func(g_free);
    return node;
}

static void node_free(void *data)
{
    Node *node = data;

    g_free(node->value);
    g_ptr_array_unref(node->children);
    g_free(node);
}

static GHashTable *tree_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, node_free);
}

static GHashTable *tree_copy(GHashTable *tree)
{
    GHashTable *copy = tree_new();
    GHashTableIter iter;
    void *key, *value;

    g_hash_table_iter_init(&iter, tree);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const Node *node = value;
        Node *dup = node_new();
        g_free(dup->value);
        dup->value = g_memdup(node->value, node->len + 1);
        dup->len = node->len;
        for (guint i = 0; i < node->children->len; i++) {
            g_ptr_array_add(dup->children,
                            g_strdup(g_ptr_array_index(node->children, i)));
        }
        g_hash_table_insert(copy, g_strdup(key), dup);
    }
    return copy;
}

/* Length of a "/local/domain/N/" prefix (N: up to 5 digits), else 0. */
static size_t local_prefix(const char *path)
{
    size_t off = strlen(LOCAL_DOMAIN), digits = 0;

    if (strncmp(path, LOCAL_DOMAIN, off) != 0) {
        return 0;
    }
    while (g_ascii_isdigit(path[off + digits]) && digits < 5) {
        digits++;
    }
    return digits > 0 && path[off + digits] == '/' ? off + digits + 1 : 0;
}

/* The canonical path, or NULL when xenstored would answer EINVAL. */
static char *canonical(const char *path)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz"
                                "0123456789-/_@";
    char *canon = path[0] == '/' || path[0] == '@'
                      ? g_strdup(path)
                      : g_strconcat(IMPLICIT_PATH "/", path, NULL);
    size_t len = strlen(canon);
    bool ok = canon[0] == '/' && strstr(canon, "//") == NULL &&
              (len == 1 || canon[len - 1] != '/') &&
              len <= local_prefix(canon) + REL_PATH_MAX &&
              strspn(canon, chars) == len;

    if (!ok) {
        g_free(canon);
        return NULL;
    }
    return canon;
}

static char *parent_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash == path ? g_strdup("/") : g_strndup(path, slash - path);
}

/* Creates path and any missing ancestors, with empty values. */
static Node *emb_create(GHashTable *tree, const char *path)
{
    Node *node = g_hash_table_lookup(tree, path);

    if (node == NULL) {
        g_autofree char *up = parent_of(path);
        Node *parent = emb_create(tree, up);
        node = node_new();
        g_ptr_array_add(parent->children, g_strdup(strrchr(path, '/') + 1));
        g_hash_table_insert(tree, g_strdup(path), node);
    }
    return node;
}

static void emb_remove(GHashTable *tree, const char *path)
{
    Node *node = g_hash_table_lookup(tree, path);

    for (guint i = 0; i < node->children->len; i++) {
        const char *name = g_ptr_array_index(node->children, i);
        g_autofree char *sub = strcmp(path, "/") == 0
                                   ? g_strconcat("/", name, NULL)
                                   : g_strconcat(path, "/", name, NULL);
        emb_remove(tree, sub);
    }
    g_hash_table_remove(tree, path);
}

static void emb_init(Xenstore *xs)
{
    xs->tree = tree_new();
    g_hash_table_insert(xs->tree, g_strdup("/"), node_new());
    emb_create(xs->tree, "/tool/xenstored");
}

/* Looks up path; NULL with *ret_err set (EINVAL or ENOENT) otherwise. */
static Node *emb_get(Xenstore *xs, const char *path, int *ret_err)
{
    g_autofree char *canon = canonical(path);
    Node *node;

    if (canon == NULL) {
        *ret_err = EINVAL;
        return NULL;
    }
    node = g_hash_table_lookup(xs->tree, canon);
    *ret_err = node != NULL ? 0 : ENOENT;
    return node;
}

static char *emb_read(Xenstore *xs, const char *path, size_t *ret_len,
                      GError **error)
{
    int err;
    Node *node = emb_get(xs, path, &err);

    if (node == NULL) {
        fail(error, err, "read", path);
        return NULL;
    }
    if (ret_len != NULL) {
        *ret_len = node->len;
    }
    return g_memdup(node->value, node->len + 1);
}

static bool emb_write(Xenstore *xs, const char *path, const void *value,
                      size_t len, GError **error)
{
    g_autofree char *canon = canonical(path);

    if (canon == NULL) {
        return fail(error, EINVAL, "write", path);
    }
    /* libxenstore refuses requests over the payload limit. */
    if (strlen(path) + 1 + len > PAYLOAD_MAX) {
        return fail(error, E2BIG, "write", path);
    }
    Node *node = emb_create(xs->tree, canon);
    g_free(node->value);
    node->value = g_malloc(len + 1);
    memcpy(node->value, value, len);
    node->value[len] = '\0';
    node->len = len;
    return true;
}

static bool emb_mkdir(Xenstore *xs, const char *path, GError **error)
{
    g_autofree char *canon = canonical(path);

    if (canon == NULL) {
        return fail(error, EINVAL, "mkdir", path);
    }
    emb_create(xs->tree, canon);
    return true;
}

static bool emb_rm(Xenstore *xs, const char *path, GError **error)
{
    g_autofree char *canon = canonical(path);
    g_autofree char *up = NULL;

    if (canon == NULL || strcmp(canon, "/") == 0) {
        return fail(error, EINVAL, "rm", path);
    }
    up = parent_of(canon);
    Node *parent = g_hash_table_lookup(xs->tree, up);
    if (!g_hash_table_contains(xs->tree, canon)) {
        /* Fine if the parent exists, as xenstored says. */
        return parent != NULL ? true : fail(error, ENOENT, "rm", path);
    }
    emb_remove(xs->tree, canon);
    const char *name = strrchr(canon, '/') + 1;
    for (guint i = 0; i < parent->children->len; i++) {
        if (strcmp(g_ptr_array_index(parent->children, i), name) == 0) {
            g_ptr_array_remove_index(parent->children, i);
            break;
        }
    }
    return true;
}

static char **emb_directory(Xenstore *xs, const char *path, GError **error)
{
    int err;
    Node *node = emb_get(xs, path, &err);

    if (node == NULL) {
        fail(error, err, "directory", path);
        return NULL;
    }
    char **names = g_new0(char *, node->children->len + 1);
    for (guint i = 0; i < node->children->len; i++) {
        names[i] = g_strdup(g_ptr_array_index(node->children, i));
    }
    return names;
}

/* ---------------------------------------------------------------- xs */

#ifdef HAVE_XENSTORE
static bool xs_backend_open(Xenstore *xs, GError **error)
{
    unsigned len = 0;
    void *root;
    int err;

    xs->handle = xs_open(0);
    if (xs->handle == NULL) {
        err = errno;
        g_set_error(error, XENSTORE_ERROR, err != 0 ? err : EIO,
                    "cannot connect to xenstored (%s): %s",
                    g_getenv("XENSTORED_PATH") != NULL
                        ? g_getenv("XENSTORED_PATH")
                        : "the default socket or device",
                    g_strerror(err != 0 ? err : EIO));
        return false;
    }
    /* An answer proves a xenstored is behind the socket. */
    root = xs_read(xs->handle, XBT_NULL, "/", &len);
    if (root == NULL) {
        err = errno;
        xs_close(xs->handle);
        xs->handle = NULL;
        return fail(error, err, "read", "/");
    }
    free(root);
    return true;
}

static char *xs_backend_read(Xenstore *xs, const char *path, size_t *ret_len,
                             GError **error)
{
    unsigned len = 0;
    char *value = xs_read(xs->handle, xs->txn, path, &len);
    char *copy;

    if (value == NULL) {
        fail(error, errno, "read", path);
        return NULL;
    }
    /* libxenstore adds a NUL after the value. */
    copy = g_memdup(value, len + 1);
    free(value);
    if (ret_len != NULL) {
        *ret_len = len;
    }
    return copy;
}

static char **xs_backend_directory(Xenstore *xs, const char *path,
                                   GError **error)
{
    unsigned num = 0;
    char **names = xs_directory(xs->handle, xs->txn, path, &num);
    char **copy;

    if (names == NULL) {
        fail(error, errno, "directory", path);
        return NULL;
    }
    copy = g_new0(char *, num + 1);
    for (unsigned i = 0; i < num; i++) {
        copy[i] = g_strdup(names[i]);
    }
    free(names); /* one block: the array and the strings */
    return copy;
}
#else
static bool xs_backend_open(Xenstore *xs, GError **error)
{
    g_set_error(error, XENSTORE_ERROR, ENOSYS,
                "built without libxenstore: only the embedded xenstore "
                "is available");
    return false;
}
#endif

/* ---------------------------------------------------------------- API */

Xenstore *xenstore_open(XenstoreBackend backend, GError **error)
{
    g_autoptr(GError) local = NULL;
    Xenstore *xs;

    if (backend >= XENSTORE_BACKEND_MAX) {
        g_set_error(error, XENSTORE_ERROR, EINVAL,
                    "unknown xenstore backend %d", (int)backend);
        return NULL;
    }
    xs = g_new0(Xenstore, 1);
    if (backend != XENSTORE_BACKEND_EMBEDDED) {
        if (xs_backend_open(xs, &local)) {
            xs->backend = XENSTORE_BACKEND_XS;
            return xs;
        }
        if (backend == XENSTORE_BACKEND_XS) {
            g_propagate_error(error, g_steal_pointer(&local));
            g_free(xs);
            return NULL;
        }
        g_info("%s; using the embedded xenstore", local->message);
    }
    xs->backend = XENSTORE_BACKEND_EMBEDDED;
    emb_init(xs);
    return xs;
}

void xenstore_close(Xenstore *xs)
{
    if (xs == NULL) {
        return;
    }
#ifdef HAVE_XENSTORE
    if (xs->handle != NULL) {
        xs_close(xs->handle);
    }
#endif
    if (xs->tree != NULL) {
        g_hash_table_unref(xs->tree);
    }
    if (xs->snapshot != NULL) {
        g_hash_table_unref(xs->snapshot);
    }
    g_free(xs);
}

char *xenstore_read(Xenstore *xs, const char *path, size_t *ret_len,
                    GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        return xs_backend_read(xs, path, ret_len, error);
    }
#endif
    return emb_read(xs, path, ret_len, error);
}

bool xenstore_write(Xenstore *xs, const char *path, const void *value,
                    size_t len, GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        return xs_write(xs->handle, xs->txn, path, value, (unsigned)len) ||
               fail(error, errno, "write", path);
    }
#endif
    return emb_write(xs, path, value, len, error);
}

bool xenstore_write_str(Xenstore *xs, const char *path, const char *value,
                        GError **error)
{
    return xenstore_write(xs, path, value, strlen(value), error);
}

bool xenstore_mkdir(Xenstore *xs, const char *path, GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        return xs_mkdir(xs->handle, xs->txn, path) ||
               fail(error, errno, "mkdir", path);
    }
#endif
    return emb_mkdir(xs, path, error);
}

bool xenstore_rm(Xenstore *xs, const char *path, GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        return xs_rm(xs->handle, xs->txn, path) ||
               fail(error, errno, "rm", path);
    }
#endif
    return emb_rm(xs, path, error);
}

char **xenstore_directory(Xenstore *xs, const char *path, GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        return xs_backend_directory(xs, path, error);
    }
#endif
    return emb_directory(xs, path, error);
}

static bool transaction_begin(Xenstore *xs, GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        xs->txn = xs_transaction_start(xs->handle);
        return xs->txn != XBT_NULL ||
               fail(error, errno, "transaction_start", "");
    }
#endif
    xs->snapshot = tree_copy(xs->tree);
    return true;
}

/* Commits, or aborts when abort; a failed commit changes nothing. */
static bool transaction_end(Xenstore *xs, bool abort, GError **error)
{
#ifdef HAVE_XENSTORE
    if (xs->backend == XENSTORE_BACKEND_XS) {
        xs_transaction_t txn = xs->txn;
        xs->txn = XBT_NULL;
        return xs_transaction_end(xs->handle, txn, abort) ||
               fail(error, errno, "transaction_end", abort ? "F" : "T");
    }
#endif
    /* Nothing else changes the embedded tree: commits always succeed. */
    if (abort) {
        g_hash_table_unref(xs->tree);
        xs->tree = xs->snapshot;
    } else {
        g_hash_table_unref(xs->snapshot);
    }
    xs->snapshot = NULL;
    return true;
}

bool xenstore_transaction(Xenstore *xs, XenstoreTxnFunc func, void *opaque,
                          GError **error)
{
    if (xs->in_transaction) {
        return fail(error, EBUSY, "transaction", "(nested)");
    }
    for (int attempt = 0; attempt < TRANSACTION_TRIES; attempt++) {
        g_autoptr(GError) local = NULL;

        if (!transaction_begin(xs, error)) {
            return false;
        }
        xs->in_transaction = true;
        bool ok = func(xs, opaque, &local);
        xs->in_transaction = false;
        if (!ok) {
            transaction_end(xs, true, NULL);
            if (local == NULL) {
                return fail(error, EIO, "transaction", "(gave up)");
            }
            g_propagate_error(error, g_steal_pointer(&local));
            return false;
        }
        if (transaction_end(xs, false, &local)) {
            return true;
        }
        if (!g_error_matches(local, XENSTORE_ERROR, EAGAIN)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return false;
        }
        g_debug("transaction conflict, retrying");
    }
    return fail(error, EAGAIN, "transaction", "(retried too often)");
}
