/*
 * The requests of the test xenstored, answered as cxenstored 4.17 answers
 * a dom0 socket client (tools/xenstore/xenstored_core.c, _watch.c,
 * _transaction.c, _domain.c): payload checks (EINVAL), paths relative to
 * /local/domain/0, watches with their initial event, transactions on a
 * snapshot whose commit fails with EAGAIN when a node they looked at has
 * changed since.  Differences: there are no domains, so INTRODUCE,
 * RELEASE, RESUME, SET_TARGET and CONTROL answer ENOSYS; every client is
 * dom0, so permissions are stored and returned but never enforced.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <xen/io/xs_wire.h>

#include "tests/xenstored/xenstored.h"

#define DOMID_SELF 0x7ff0u
#define IMPLICIT   "/local/domain/0"

/* One request being answered. */
typedef struct {
    Conn *conn;
    uint32_t type, req_id, tx_id;
    const char *data;
    uint32_t len;
    Transaction *txn; /* NULL outside a transaction */
} Req;

/* A change made in a transaction, replayed on the store at commit. */
typedef struct {
    uint32_t type; /* XS_WRITE, XS_MKDIR, XS_RM or XS_SET_PERMS */
    char *path;
    GBytes *data; /* the value or the permission strings */
} LoggedOp;

static void logged_op_free(void *data)
{
    LoggedOp *op = data;

    g_free(op->path);
    if (op->data != NULL) {
        g_bytes_unref(op->data);
    }
    g_free(op);
}

static void transaction_free(void *data)
{
    Transaction *txn = data;

    xs_tree_free(txn->tree);
    g_hash_table_unref(txn->accessed);
    g_ptr_array_unref(txn->log);
    g_free(txn);
}

static void watch_free(void *data)
{
    Watch *watch = data;

    g_free(watch->path);
    g_free(watch->token);
    g_free(watch);
}

void xs_conn_init(Conn *conn)
{
    conn->watches = g_ptr_array_new_with_free_func(watch_free);
    conn->transactions = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                               NULL, transaction_free);
    conn->next_tx_id = 1;
}

void xs_conn_release(Conn *conn)
{
    g_ptr_array_unref(conn->watches);
    g_hash_table_unref(conn->transactions);
}

/* ---------------------------------------------------------------- replies */

void xs_send_error(Conn *conn, uint32_t req_id, uint32_t tx_id, int err)
{
    /* xs_wire.h's own table (errno.h comes first); EINVAL if unknown. */
    const char *name = xsd_errors[0].errstring;

    for (size_t i = 0; i < G_N_ELEMENTS(xsd_errors); i++) {
        if (xsd_errors[i].errnum == err) {
            name = xsd_errors[i].errstring;
        }
    }
    conn_send(conn, XS_ERROR, req_id, tx_id, name, strlen(name) + 1);
}

static int reply(Req *r, const void *data, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        return E2BIG;
    }
    conn_send(r->conn, r->type, r->req_id, r->tx_id, data, len);
    return 0;
}

static int reply_ok(Req *r)
{
    return reply(r, "OK", sizeof("OK"));
}

/* ---------------------------------------------------------------- payloads */

/* Number of NUL-terminated strings (xenstored's get_strings). */
static unsigned count_strings(const Req *r)
{
    unsigned n = 0;

    for (uint32_t i = 0; i < r->len; i++) {
        n += r->data[i] == '\0';
    }
    return n;
}

/* The one argument, when the payload is exactly one string and its NUL. */
static const char *onearg(const Req *r)
{
    if (r->len == 0 || memchr(r->data, '\0', r->len) != r->data + r->len - 1) {
        return NULL;
    }
    return r->data;
}

/* The second string; the caller has counted two. */
static const char *second(const Req *r)
{
    return r->data + strlen(r->data) + 1;
}

/* The canonical path of arg, or NULL (EINVAL). */
static char *canonical(const char *arg)
{
    return arg != NULL ? xs_path_canonical(arg) : NULL;
}

/* ---------------------------------------------------------------- watches */

static bool is_child(const char *path, const char *parent)
{
    size_t len = strlen(parent);

    if (strcmp(parent, "/") == 0) {
        return true;
    }
    return strncmp(path, parent, len) == 0 &&
           (path[len] == '/' || path[len] == '\0');
}

static const char *watch_path(const Watch *watch, const char *path)
{
    if (watch->relative && g_str_has_prefix(path, IMPLICIT)) {
        path += strlen(IMPLICIT);
        if (*path == '/') {
            path++;
        }
    }
    return path;
}

static void send_event(Conn *conn, const char *path, const char *token)
{
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    g_autofree char *data = g_malloc(plen + tlen);

    if (plen + tlen > XENSTORE_PAYLOAD_MAX) {
        return; /* xenstored drops over-long events too */
    }
    memcpy(data, path, plen);
    memcpy(data + plen, token, tlen);
    conn_send(conn, XS_WATCH_EVENT, 0, 0, data, plen + tlen);
}

static void fire(Server *server, GArray *changes)
{
    for (guint i = 0; i < changes->len; i++) {
        const XsChange *c = &g_array_index(changes, XsChange, i);
        for (GList *l = server->conns; l != NULL; l = l->next) {
            Conn *conn = l->data;
            for (guint w = 0; w < conn->watches->len; w++) {
                Watch *watch = g_ptr_array_index(conn->watches, w);
                bool hit = c->exact ? strcmp(c->path, watch->path) == 0
                                    : is_child(c->path, watch->path);
                if (hit) {
                    send_event(conn, watch_path(watch, c->path), watch->token);
                }
            }
        }
    }
}

static int do_watch(Req *r)
{
    g_autofree char *path = NULL;
    const char *arg = r->data, *token;

    if (count_strings(r) != 2) {
        return EINVAL;
    }
    token = second(r);
    if (arg[0] == '@') {
        if (strlen(arg) > XENSTORE_REL_PATH_MAX) {
            return EINVAL;
        }
        path = g_strdup(arg);
    } else if ((path = canonical(arg)) == NULL) {
        return EINVAL;
    }
    for (guint i = 0; i < r->conn->watches->len; i++) {
        Watch *w = g_ptr_array_index(r->conn->watches, i);
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
            return EEXIST;
        }
    }
    Watch *watch = g_new0(Watch, 1);
    watch->path = g_steal_pointer(&path);
    watch->token = g_strdup(token);
    watch->relative = arg[0] != '/' && arg[0] != '@';
    g_ptr_array_add(r->conn->watches, watch);
    reply_ok(r);
    /* xenstored fires once at registration, after the OK. */
    send_event(r->conn, watch_path(watch, watch->path), watch->token);
    return 0;
}

static int do_unwatch(Req *r)
{
    g_autofree char *path = NULL;
    const char *arg = r->data;

    if (count_strings(r) != 2) {
        return EINVAL;
    }
    /* Canonicalized but not validated, as in xenstored. */
    path = arg[0] == '/' || arg[0] == '@'
               ? g_strdup(arg)
               : g_strconcat(IMPLICIT "/", arg, NULL);
    for (guint i = 0; i < r->conn->watches->len; i++) {
        Watch *w = g_ptr_array_index(r->conn->watches, i);
        if (strcmp(w->path, path) == 0 && strcmp(w->token, second(r)) == 0) {
            g_ptr_array_remove_index(r->conn->watches, i);
            return reply_ok(r);
        }
    }
    return ENOENT;
}

/* ---------------------------------------------------------------- nodes */

static XsTree *tree_of(Req *r)
{
    return r->txn != NULL ? r->txn->tree : r->conn->server->tree;
}

static GHashTable *accessed_of(Req *r)
{
    return r->txn != NULL ? r->txn->accessed : NULL;
}

static XsNode *get_node(Req *r, const char *arg, int *ret_err)
{
    g_autofree char *path = canonical(arg);
    XsNode *node;

    if (path == NULL) {
        *ret_err = EINVAL;
        return NULL;
    }
    node = xs_tree_get(tree_of(r), path, accessed_of(r));
    *ret_err = node != NULL ? 0 : ENOENT;
    return node;
}

static int do_read(Req *r)
{
    int err;
    XsNode *node = get_node(r, onearg(r), &err);

    return node != NULL ? reply(r, node->value, node->len) : err;
}

static int do_directory(Req *r)
{
    int err;
    XsNode *node = get_node(r, onearg(r), &err);

    if (node == NULL) {
        return err;
    }
    g_autoptr(GByteArray) names = xs_node_children(node);
    return reply(r, names->data, names->len);
}

/* "path\0offset\0" -> "generation\0" + children from offset (+ "\0" at end). */
static int do_directory_part(Req *r)
{
    int err;
    XsNode *node;

    if (count_strings(r) != 2) {
        return EINVAL;
    }
    if ((node = get_node(r, r->data, &err)) == NULL) {
        return err;
    }
    g_autoptr(GByteArray) names = xs_node_children(node);
    guint off = (guint)atoi(second(r));
    g_autoptr(GByteArray) out = g_byte_array_new();
    char gen[24];
    int genlen =
        snprintf(gen, sizeof(gen), "%" G_GUINT64_FORMAT, node->generation) + 1;

    g_byte_array_append(out, (const guint8 *)gen, genlen);
    if (off >= names->len) {
        g_byte_array_append(out, (const guint8 *)"", 1);
        return reply(r, out->data, out->len);
    }
    guint len = 0, max = XENSTORE_PAYLOAD_MAX - genlen - 1;
    const char *child = (const char *)names->data + off;
    while (len + strlen(child) < max) {
        len += strlen(child) + 1;
        child += strlen(child) + 1;
        if (off + len == names->len) {
            break;
        }
    }
    g_byte_array_append(out, names->data + off, len);
    if (off + len == names->len) {
        g_byte_array_append(out, (const guint8 *)"", 1);
    }
    return reply(r, out->data, out->len);
}

static int do_get_perms(Req *r)
{
    int err;
    XsNode *node = get_node(r, onearg(r), &err);

    return node != NULL ? reply(r, node->perms, node->perms_len) : err;
}

/* Applies one change to a tree, as a request or a commit replay. */
static int apply(XsTree *tree, uint32_t type, const char *path,
                 const void *data, size_t len, GHashTable *accessed,
                 GArray *changes)
{
    switch (type) {
    case XS_WRITE:
        return xs_tree_write(tree, path, data, len, accessed, changes);
    case XS_MKDIR:
        return xs_tree_mkdir(tree, path, accessed, changes);
    case XS_RM:
        return xs_tree_rm(tree, path, accessed, changes);
    case XS_SET_PERMS:
        return xs_tree_set_perms(tree, path, data, len, accessed, changes);
    default:
        return EINVAL;
    }
}

/* A change: logged inside a transaction, else applied and watches fired. */
static int change(Req *r, const char *arg, const void *data, size_t len)
{
    g_autofree char *path = canonical(arg);
    g_autoptr(GArray) changes = xs_changes_new();
    int err;

    if (path == NULL) {
        return EINVAL;
    }
    err = apply(tree_of(r), r->type, path, data, len, accessed_of(r),
                r->txn != NULL ? NULL : changes);
    if (err != 0) {
        return err;
    }
    if (r->txn != NULL) {
        LoggedOp *op = g_new0(LoggedOp, 1);
        op->type = r->type;
        op->path = g_steal_pointer(&path);
        op->data = g_bytes_new(data, len);
        g_ptr_array_add(r->txn->log, op);
    }
    /* xenstored queues the events before the OK. */
    fire(r->conn->server, changes);
    return reply_ok(r);
}

static int do_write(Req *r)
{
    if (count_strings(r) < 1) {
        return EINVAL;
    }
    size_t off = strlen(r->data) + 1;
    return change(r, r->data, r->data + off, r->len - off);
}

static int do_mkdir(Req *r)
{
    return change(r, onearg(r), NULL, 0);
}

static int do_rm(Req *r)
{
    return change(r, onearg(r), NULL, 0);
}

/* "path\0perm\0perm\0...": each perm is r, w, b or n and a domain id. */
static int do_set_perms(Req *r)
{
    unsigned n = count_strings(r);
    g_autoptr(GByteArray) perms = g_byte_array_new();
    const char *p;

    if (n < 2) {
        return EINVAL;
    }
    p = second(r);
    for (unsigned i = 1; i < n; i++) {
        char *end;
        if (strchr("rwbn", *p) == NULL || *p == '\0' || p[1] == '\0') {
            return EINVAL;
        }
        /* xs_strings_to_perms: strtol base 0, printed back with %i. */
        unsigned id = (unsigned)strtol(p + 1, &end, 0);
        if (*end != '\0') {
            return EINVAL;
        }
        g_autofree char *text = g_strdup_printf("%c%i", *p, (int)id);
        g_byte_array_append(perms, (const guint8 *)text, strlen(text) + 1);
        p = end + 1;
    }
    if (r->data[0] == '@') {
        if (strcmp(r->data, "@introduceDomain") != 0 &&
            strcmp(r->data, "@releaseDomain") != 0) {
            return EINVAL;
        }
        return reply_ok(r);
    }
    return change(r, r->data, perms->data, perms->len);
}

/* ---------------------------------------------------------------- transactions
 */

static int do_transaction_start(Req *r)
{
    Conn *conn = r->conn;
    char id[16];

    if (r->txn != NULL) {
        return EBUSY; /* no nesting */
    }
    Transaction *txn = g_new0(Transaction, 1);
    while (conn->next_tx_id == 0 ||
           g_hash_table_contains(conn->transactions,
                                 GUINT_TO_POINTER(conn->next_tx_id))) {
        conn->next_tx_id++;
    }
    txn->id = conn->next_tx_id++;
    txn->tree = xs_tree_copy(conn->server->tree);
    txn->accessed = xs_accessed_new();
    txn->log = g_ptr_array_new_with_free_func(logged_op_free);
    g_hash_table_insert(conn->transactions, GUINT_TO_POINTER(txn->id), txn);
    snprintf(id, sizeof(id), "%u", txn->id);
    return reply(r, id, strlen(id) + 1);
}

/* Replays the log on a copy of the store; swaps it in when all succeed. */
static int commit(Server *server, Transaction *txn)
{
    g_autoptr(GArray) changes = xs_changes_new();
    XsTree *next;

    if (!xs_tree_unchanged(server->tree, txn->accessed)) {
        return EAGAIN;
    }
    next = xs_tree_copy(server->tree);
    for (guint i = 0; i < txn->log->len; i++) {
        LoggedOp *op = g_ptr_array_index(txn->log, i);
        size_t len = 0;
        const void *data = g_bytes_get_data(op->data, &len);
        int err = apply(next, op->type, op->path, data, len, NULL, changes);
        if (err != 0) {
            xs_tree_free(next);
            return err;
        }
    }
    xs_tree_free(server->tree);
    server->tree = next;
    fire(server, changes);
    return 0;
}

static int do_transaction_end(Req *r)
{
    const char *arg = onearg(r);
    int err = 0;

    if (arg == NULL || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0)) {
        return EINVAL;
    }
    if (r->txn == NULL) {
        return ENOENT;
    }
    /* Ended either way, as in xenstored. */
    g_hash_table_steal(r->conn->transactions, GUINT_TO_POINTER(r->txn->id));
    if (strcmp(arg, "T") == 0) {
        err = commit(r->conn->server, r->txn);
    }
    transaction_free(r->txn);
    r->txn = NULL;
    return err != 0 ? err : reply_ok(r);
}

/* ---------------------------------------------------------------- domains */

static int do_get_domain_path(Req *r)
{
    const char *arg = onearg(r);

    if (arg == NULL) {
        return EINVAL;
    }
    g_autofree char *path =
        g_strdup_printf("/local/domain/%u", (unsigned)atoi(arg));
    return reply(r, path, strlen(path) + 1);
}

static int do_is_domain_introduced(Req *r)
{
    const char *arg = onearg(r);

    if (arg == NULL) {
        return EINVAL;
    }
    unsigned domid = (unsigned)atoi(arg);
    /* Only dom0 exists here. */
    return reply(r, domid == 0 || domid == DOMID_SELF ? "T" : "F", 2);
}

static int do_reset_watches(Req *r)
{
    g_ptr_array_set_size(r->conn->watches, 0);
    g_hash_table_remove_all(r->conn->transactions);
    return reply_ok(r);
}

/* ---------------------------------------------------------------- dispatch */

typedef int (*Handler)(Req *r);

static const struct {
    const char *name;
    Handler func;
    bool notid; /* the header's tx_id is ignored */
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = { "CONTROL", NULL, false },
    [XS_DIRECTORY] = { "DIRECTORY", do_directory, false },
    [XS_READ] = { "READ", do_read, false },
    [XS_GET_PERMS] = { "GET_PERMS", do_get_perms, false },
    [XS_WATCH] = { "WATCH", do_watch, true },
    [XS_UNWATCH] = { "UNWATCH", do_unwatch, true },
    [XS_TRANSACTION_START] = { "TRANSACTION_START", do_transaction_start,
                               false },
    [XS_TRANSACTION_END] = { "TRANSACTION_END", do_transaction_end, false },
    [XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", do_get_domain_path, false },
    [XS_WRITE] = { "WRITE", do_write, false },
    [XS_MKDIR] = { "MKDIR", do_mkdir, false },
    [XS_RM] = { "RM", do_rm, false },
    [XS_SET_PERMS] = { "SET_PERMS", do_set_perms, false },
    [XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED",
                                  do_is_domain_introduced, false },
    [XS_RESET_WATCHES] = { "RESET_WATCHES", do_reset_watches, false },
    [XS_DIRECTORY_PART] = { "DIRECTORY_PART", do_directory_part, false },
};

void xs_handle(Conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const char *payload, uint32_t len)
{
    Req r = { conn, type, req_id, tx_id, payload, len, NULL };
    int err;

    if (conn->server->verbose) {
        g_printerr("xenstored-test: %s req %u tx %u len %u\n",
                   type < XS_TYPE_COUNT && handlers[type].name != NULL
                       ? handlers[type].name
                       : "unknown",
                   req_id, tx_id, len);
    }
    if (type >= XS_TYPE_COUNT || handlers[type].func == NULL) {
        xs_send_error(conn, req_id, tx_id, ENOSYS);
        return;
    }
    if (!handlers[type].notid && tx_id != 0) {
        r.txn =
            g_hash_table_lookup(conn->transactions, GUINT_TO_POINTER(tx_id));
        if (r.txn == NULL) {
            xs_send_error(conn, req_id, tx_id, ENOENT);
            return;
        }
    }
    err = handlers[type].func(&r);
    if (err != 0) {
        xs_send_error(conn, req_id, tx_id, err);
    }
}
