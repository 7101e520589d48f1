/*
 * The test xenstored: one server, its clients, their watches and
 * transactions.  main.c owns the sockets and the framing; ops.c answers
 * the requests; tree.c holds the nodes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "tests/xenstored/tree.h"

typedef struct Server {
    XsTree *tree;
    guint64 generation; /* shared by the store and transaction copies */
    GList *conns;       /* Conn * */
    bool verbose;       /* one line per request on stderr */
} Server;

typedef struct {
    char *path; /* canonical, or an @ name */
    char *token;
    bool relative; /* events name paths relative to /local/domain/0 */
} Watch;

typedef struct {
    uint32_t id;
    XsTree *tree;         /* the snapshot, with this transaction's changes */
    GHashTable *accessed; /* path -> generation seen */
    GPtrArray *log;       /* the changes, replayed at commit */
} Transaction;

typedef struct Conn {
    Server *server;
    int fd;
    GByteArray *in;
    GByteArray *out;
    guint in_source;
    guint out_source;
    bool closing;             /* close once out is flushed */
    GPtrArray *watches;       /* Watch * */
    GHashTable *transactions; /* id -> Transaction * */
    uint32_t next_tx_id;
} Conn;

/* main.c: queues one message for conn (header in host byte order). */
void conn_send(Conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const void *data, size_t len);

/* ops.c: answers one complete request; payload has len bytes. */
void xs_handle(Conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const char *payload, uint32_t len);

/* ops.c: the error reply, "ENOENT\0" for ENOENT. */
void xs_send_error(Conn *conn, uint32_t req_id, uint32_t tx_id, int err);

/* ops.c: per-client state. */
void xs_conn_init(Conn *conn);
void xs_conn_release(Conn *conn);
