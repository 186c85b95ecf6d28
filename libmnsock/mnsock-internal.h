/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What libmnsock.so and the LD_PRELOAD shim share (both link the same
 * convenience library; nothing here is exported). These functions return 0
 * or a negative errno value and leave errno itself to the caller, so that
 * the shim can restore the program's errno exactly.
 */
#ifndef MNSOCK_INTERNAL_H
#define MNSOCK_INTERNAL_H

#include <stdint.h>

#include "mnsock-proto.h"

/* How long one exchange with mnd may take, in milliseconds. */
#define MNSOCK_TIMEOUT_MS 1000

/*
 * 0 if FD is an IPv6 TCP or UDP socket; else -EBADF, -ENOTSOCK,
 * -EAFNOSUPPORT (not IPv6) or -EPROTONOSUPPORT (not TCP or UDP).
 */
int mnsock__check_socket(int fd);

/*
 * One request to mnd about socket FD (not checked here): connect to the
 * control socket, send OP and MODE with FD attached, wait at most
 * TIMEOUT_MS for the reply, check it and copy it to *REPLY. Returns 0, the
 * status mnd answered (negated), or:
 *   -ECONNREFUSED  mnd is not running (no socket at the path, or nobody
 *                  listening); no other failure returns it
 *   -ETIMEDOUT     no reply in time
 *   -ECONNRESET    mnd closed the connection without replying
 *   -EPROTO        a malformed reply (size, magic, version, op, values, fds)
 *   -ENAMETOOLONG  the control socket path does not fit a sockaddr_un
 *   or what socket(), connect() or sendmsg() failed with.
 */
int mnsock__call(int fd, uint16_t op, uint32_t mode, struct mnsock_reply *reply, int timeout_ms);

/* The control socket path in use: $MNSOCK_PATH (secure_getenv) or MNSOCK_PATH. */
const char *mnsock__path(void);

#endif
