/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket for libmnsock (protocol: libmnsock/mnsock-proto.h):
 * a SOCK_SEQPACKET UNIX socket at <run_dir>/mnsock, mode 0666. One
 * request per message with exactly one SCM_RIGHTS fd (the application's
 * AF_INET6 TCP or UDP socket); mnd reads its cookie, addresses and state,
 * closes its copy at once, and answers every message, status = errno on
 * error. Modes are recorded by socket cookie in a bounded table; an entry
 * goes when the socket's destroy event arrives (ctl_forget), or when a
 * full table is pruned against a dump of the live sockets.
 *
 * Limits: CTL_MAX_CLIENTS connections, CTL_MAX_PER_UID entries per uid,
 * CTL_MAX_TOTAL entries in all; a client that does not read its replies
 * is disconnected; error log lines are rate-limited.
 */
#ifndef MND_CTL_H
#define MND_CTL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../libmnsock/mnsock-proto.h"
#include "core/keep.h"

#define CTL_SOCKET_NAME "mnsock"
#define CTL_MAX_CLIENTS 64
#define CTL_MAX_PER_UID 1024
#define CTL_MAX_TOTAL 65536
#define CTL_BATCH 32 /* requests handled per client wakeup */

/* What the received socket told about itself. */
struct ctl_sock_info {
	uint64_t cookie;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state; /* TCP_*; UDP: TCP_ESTABLISHED if connected, else TCP_CLOSE */
	struct in6_addr local, remote;
	uint16_t sport, dport;
	uint32_t owner; /* uid owning the socket (its inode) */
	uint32_t inode;
};

/* Roles in reply.role (GET_INFO). */
enum ctl_role {
	CTL_ROLE_NONE = 0,
	CTL_ROLE_CURRENT = 1,
	CTL_ROLE_KEPT = 2,
	CTL_ROLE_RELEASED = 3,
};

struct ctl_ops {
	/* Effective mode of a socket (ks->app already set); pid asks. */
	enum keep_mode (*effective)(void *user, struct keep_sock *ks, pid_t pid,
				    struct keep_why *why);
	/* Which DAR anchors this local address, and its role. */
	void (*info)(void *user, const struct in6_addr *local, struct in6_addr *anchor,
		     enum ctl_role *role);
	/* A mode was recorded (or cleared: KEEP_MODE_DEFAULT) for a socket. */
	void (*changed)(void *user, const struct ctl_sock_info *s, enum keep_mode mode);
};

/* Set the callbacks (any may be NULL) without starting the server. */
void ctl_init(const struct ctl_ops *ops, void *user);
/* Listen at path (an old socket there is replaced). Returns 0 or -errno. */
int ctl_start(const char *path, const struct ctl_ops *ops, void *user);
/* Close every connection, the listener, remove the path, empty the table. */
void ctl_stop(void);

/* The recorded request for a socket, KEEP_MODE_DEFAULT if none. */
enum keep_mode ctl_mode(uint64_t cookie);
/* The socket ended. */
void ctl_forget(uint64_t cookie);
/* Record (KEEP_MODE_DEFAULT: remove) a request charged to uid; hashed:
 * sock_diag dumps list the socket already (bound UDP, listening or
 * connected TCP). Returns 0 or a positive errno (ENOSPC: the uid's share
 * or the table is full, even after dropping entries of sockets gone). */
int ctl_table_set(uint64_t cookie, uint32_t uid, enum keep_mode mode, bool hashed);
unsigned int ctl_table_size(void);
unsigned int ctl_table_uid(uint32_t uid);
/* Empty the table and set its limits (tests): entries per uid, in all,
 * and how often a full table may be checked against the live sockets. */
void ctl_table_reset(unsigned int per_uid, unsigned int total, unsigned int prune_interval_ms);

/* Validate one received message: len bytes, the recvmsg flags, how many
 * fds came with it. Returns 0 (req filled) or a positive errno. Pure. */
int ctl_parse(const void *buf, size_t len, int msg_flags, unsigned int n_fds,
	      struct mnsock_req *req);

/* Read what mnd needs from a received fd, checking it is an AF_INET6 TCP
 * or UDP socket. Returns 0 or a positive errno. */
int ctl_sock_read(int fd, struct ctl_sock_info *si);

/* One client connection. Exposed so tests can drive it over a socketpair. */
struct ctl_conn;
/* Takes fd (a connected SOCK_SEQPACKET UNIX socket); NULL if its peer's
 * credentials cannot be read (fd is then closed). */
struct ctl_conn *ctl_conn_new(int fd);
/* Handle one waiting message. Returns 1 (handled), 0 (nothing waiting) or
 * -1 (the client is gone or must be dropped). */
int ctl_conn_handle_one(struct ctl_conn *c);
void ctl_conn_free(struct ctl_conn *c);

#endif
