/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which old addresses are kept after a move: the one decision function.
 * An address is kept exactly while at least one live socket on it is in
 * `continuity`. A socket's mode comes, in this order, from the
 * application's explicit request (libmnsock, recorded by socket cookie),
 * the first matching mnd.conf rule (core/rules.h), then the defaults:
 * TCP in any state but closed -> continuity (listeners included),
 * connected UDP -> continuity, unconnected UDP -> bypass, TCP or UDP to
 * remote port 53 (DNS) -> bypass. Sockets no process owns any more
 * (TIME_WAIT, orphaned closing sockets) are not live: they never hold an
 * address, whatever was asked for them.
 *
 * Pure: everything the decision looks at is in struct keep_sock; reading
 * /proc or sock_diag is the caller's business.
 */
#ifndef MN_CORE_KEEP_H
#define MN_CORE_KEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Same numbers as the control protocol's MNSOCK_WIRE_* modes. */
enum keep_mode {
	KEEP_MODE_DEFAULT = 0,    /* no preference: the next source decides */
	KEEP_MODE_CONTINUITY = 1, /* this socket needs its address kept */
	KEEP_MODE_BYPASS = 2,     /* this socket does not */
};

#define KEEP_COMM_LEN 16 /* TASK_COMM_LEN: /proc/PID/comm, NUL included */

/* What the decision looks at; filled from sock_diag (or from the fd the
 * control socket received), the recorded request and /proc. */
struct keep_sock {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t state; /* TCP_* (UDP: TCP_ESTABLISHED when connected) */
	uint16_t sport, dport;
	uint64_t cookie;
	uint32_t uid;
	uint32_t inode;     /* 0: no process owns the socket any more */
	uint64_t cgroup;    /* cgroup v2 id of the socket, 0 if unknown */
	const char *comm;   /* owning program (/proc/PID/comm), NULL if unknown */
	enum keep_mode app; /* the application's request, DEFAULT if none */
};

/* Why a mode was chosen, for logs and the control protocol. */
enum keep_reason {
	KEEP_WHY_APP,             /* the application asked (libmnsock) */
	KEEP_WHY_RULE,            /* an mnd.conf rule matched (keep_why.rule) */
	KEEP_WHY_TCP_OPEN,        /* default: TCP socket not closed */
	KEEP_WHY_UDP_CONNECTED,   /* default: connected UDP socket */
	KEEP_WHY_TCP_CLOSED,      /* default: TCP socket in state CLOSE */
	KEEP_WHY_UDP_UNCONNECTED, /* default: unconnected UDP socket */
	KEEP_WHY_DNS,             /* default: remote port 53 */
	KEEP_WHY_OTHER_PROTO,     /* default: neither TCP nor UDP */
	KEEP_WHY_TIME_WAIT,       /* not live: TCP TIME_WAIT */
	KEEP_WHY_ORPHANED,        /* not live: closed by its application, still closing */
};

struct keep_why {
	enum keep_reason reason;
	int rule; /* index of the matching rule, -1 if none */
};

struct keep_rules;

/* The mode of one socket: KEEP_MODE_CONTINUITY or KEEP_MODE_BYPASS, never
 * DEFAULT. rules may be NULL (no rules); why may be NULL. */
enum keep_mode keep_socket_mode(const struct keep_rules *rules, const struct keep_sock *s,
				struct keep_why *why);
const char *keep_reason_name(enum keep_reason r);
const char *keep_mode_name(enum keep_mode m);
/* "app", "rule:NAME", "default:tcp-open", "ended:time-wait": for logs. */
const char *keep_why_format(const struct keep_rules *rules, const struct keep_why *w, char *buf,
			    size_t len);
/* The control protocol's `why`: 0 default, 1 application, 2 mnd.conf rule. */
unsigned int keep_why_wire(const struct keep_why *w);

/* Tally of the sockets on one address. */
struct keep_tally {
	unsigned int continuity;
	unsigned int bypass; /* live sockets in bypass */
	unsigned int ended;  /* not live (TIME_WAIT, orphaned): they count for nothing */
};

/* Decide one socket and count it; returns its mode. */
enum keep_mode keep_tally_add(struct keep_tally *t, const struct keep_rules *rules,
			      const struct keep_sock *s, struct keep_why *why);
static inline bool keep_decide(const struct keep_tally *t)
{
	return t->continuity > 0;
}

#endif
