/*
 * The qtest front end: QEMU's line protocol for guest I/O on a unix
 * socket.  This issue brings the socket, the framing and the commands
 * that need no device ("endianness"); port and memory I/O arrive with the
 * I/O dispatcher.
 */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "daemon/listener.h"
#include "daemon/machine.h"

typedef struct QtestServer QtestServer;

QtestServer *qtest_server_new(Machine *machine, const ListenAddress *addr,
                              GError **error);
void qtest_server_free(QtestServer *server);

/*
 * Answers one request line (without its "\n"): the reply without "\n".
 * Malformed lines get "FAIL <reason>", never an abort.
 */
char *qtest_handle_line(Machine *machine, const char *line);
