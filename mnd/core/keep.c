// SPDX-License-Identifier: BSD-3-Clause
#include <netinet/in.h>
#include <stddef.h>
#include <netinet/tcp.h>

#include "core/keep.h"

enum keep_mode keep_socket_mode(const struct keep_sock *s, enum keep_reason *why)
{
	enum keep_reason r;
	enum keep_mode m;

	if (s->proto == IPPROTO_TCP) {
		/* Listeners count: a service bound to this address is still
		 * reachable through it. TIME_WAIT and the closing states count
		 * too: their peers may still retransmit. */
		m = s->state == TCP_CLOSE ? KEEP_MODE_BYPASS : KEEP_MODE_CONTINUITY;
		r = m ? KEEP_WHY_TCP_OPEN : KEEP_WHY_TCP_CLOSED;
	} else if (s->proto == IPPROTO_UDP) {
		m = s->state == TCP_ESTABLISHED ? KEEP_MODE_CONTINUITY : KEEP_MODE_BYPASS;
		r = m ? KEEP_WHY_UDP_CONNECTED : KEEP_WHY_UDP_UNCONNECTED;
	} else {
		m = KEEP_MODE_BYPASS;
		r = KEEP_WHY_OTHER_PROTO;
	}
	if (why)
		*why = r;
	return m;
}

const char *keep_reason_name(enum keep_reason r)
{
	switch (r) {
	case KEEP_WHY_TCP_OPEN:
		return "tcp-open";
	case KEEP_WHY_UDP_CONNECTED:
		return "udp-connected";
	case KEEP_WHY_TCP_CLOSED:
		return "tcp-closed";
	case KEEP_WHY_UDP_UNCONNECTED:
		return "udp-unconnected";
	case KEEP_WHY_OTHER_PROTO:
		return "other-protocol";
	}
	return "?";
}

void keep_tally_add(struct keep_tally *t, const struct keep_sock *s)
{
	if (keep_socket_mode(s, NULL) == KEEP_MODE_CONTINUITY)
		t->continuity++;
	else
		t->bypass++;
}
