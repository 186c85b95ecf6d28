/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which old addresses are kept after a move: the one decision function.
 * An address is kept exactly while at least one socket on it needs
 * continuity. Today a socket needs it when it is a TCP socket in any
 * state but closed, or a connected UDP socket (sock_diag tells); the
 * per-flow work extends keep_socket_mode() with the application's request
 * and mnd.conf rules, and nothing else changes.
 */
#ifndef MN_CORE_KEEP_H
#define MN_CORE_KEEP_H

#include <stdbool.h>
#include <stdint.h>

enum keep_mode {
	KEEP_MODE_BYPASS,     /* this socket does not need its address kept */
	KEEP_MODE_CONTINUITY, /* this socket needs its address kept */
};

/* What the decision looks at; filled from sock_diag. */
struct keep_sock {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t state; /* TCP_* (UDP: TCP_ESTABLISHED when connected) */
	uint16_t sport, dport;
};

/* Why a mode was chosen, for logs and (later) D-Bus. */
enum keep_reason {
	KEEP_WHY_TCP_OPEN,      /* TCP socket not closed */
	KEEP_WHY_UDP_CONNECTED, /* connected UDP socket */
	KEEP_WHY_TCP_CLOSED,
	KEEP_WHY_UDP_UNCONNECTED,
	KEEP_WHY_OTHER_PROTO,
};

enum keep_mode keep_socket_mode(const struct keep_sock *s, enum keep_reason *why);
const char *keep_reason_name(enum keep_reason r);

/* Tally of the sockets on one address. */
struct keep_tally {
	unsigned int continuity;
	unsigned int bypass;
};

void keep_tally_add(struct keep_tally *t, const struct keep_sock *s);
static inline bool keep_decide(const struct keep_tally *t)
{
	return t->continuity > 0;
}

#endif
