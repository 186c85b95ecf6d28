// SPDX-License-Identifier: BSD-3-Clause
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>

#include "core/keep.h"
#include "core/rules.h"

#define KEEP_DNS_PORT 53

/* A socket no process owns any more cannot be used again: keeping its
 * address would only delay the release. TIME_WAIT sockets (and the
 * FIN_WAIT2 ones the kernel turns into time-wait entries) never own an
 * inode and never send a destroy event, so counting them would hold an
 * address for up to a minute with nobody to notice. A connection still
 * waiting in a listener's accept queue has no inode either but will be
 * accepted: only the closing states count as ended. */
static bool keep_ended(const struct keep_sock *s, enum keep_reason *r)
{
	if (s->proto != IPPROTO_TCP)
		return false;
	if (s->state == TCP_TIME_WAIT) {
		*r = KEEP_WHY_TIME_WAIT;
		return true;
	}
	if (s->inode)
		return false;
	switch (s->state) {
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		*r = KEEP_WHY_ORPHANED;
		return true;
	default:
		return false;
	}
}

static enum keep_mode keep_default(const struct keep_sock *s, enum keep_reason *r)
{
	if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP) {
		*r = KEEP_WHY_OTHER_PROTO;
		return KEEP_MODE_BYPASS;
	}
	/* Name lookups are short and retried on the new address anyway. */
	if (s->dport == KEEP_DNS_PORT) {
		*r = KEEP_WHY_DNS;
		return KEEP_MODE_BYPASS;
	}
	if (s->proto == IPPROTO_TCP) {
		/* Listeners count: a service bound to this address is still
		 * reachable through it. The closing states count while their
		 * application owns the socket: it may still read. */
		if (s->state == TCP_CLOSE) {
			*r = KEEP_WHY_TCP_CLOSED;
			return KEEP_MODE_BYPASS;
		}
		*r = KEEP_WHY_TCP_OPEN;
		return KEEP_MODE_CONTINUITY;
	}
	/* An unconnected UDP socket picks its peer per datagram: a server
	 * on this address or a client that can start again elsewhere. */
	if (s->state == TCP_ESTABLISHED) {
		*r = KEEP_WHY_UDP_CONNECTED;
		return KEEP_MODE_CONTINUITY;
	}
	*r = KEEP_WHY_UDP_UNCONNECTED;
	return KEEP_MODE_BYPASS;
}

enum keep_mode keep_socket_mode(const struct keep_rules *rules, const struct keep_sock *s,
				struct keep_why *why)
{
	struct keep_why w = {.rule = -1};
	enum keep_mode m = KEEP_MODE_DEFAULT;

	if (keep_ended(s, &w.reason)) {
		m = KEEP_MODE_BYPASS;
		goto out;
	}
	if (s->app == KEEP_MODE_CONTINUITY || s->app == KEEP_MODE_BYPASS) {
		w.reason = KEEP_WHY_APP;
		m = s->app;
		goto out;
	}
	if (rules) {
		int i = rules_match(rules, s);

		/* A rule whose action is `default` stops the search and
		 * leaves the socket to the defaults. */
		if (i >= 0 && rules->r[i].action != KEEP_MODE_DEFAULT) {
			w.reason = KEEP_WHY_RULE;
			w.rule = i;
			m = rules->r[i].action;
			goto out;
		}
	}
	m = keep_default(s, &w.reason);
out:
	if (why)
		*why = w;
	return m;
}

const char *keep_reason_name(enum keep_reason r)
{
	switch (r) {
	case KEEP_WHY_APP:
		return "app";
	case KEEP_WHY_RULE:
		return "rule";
	case KEEP_WHY_TCP_OPEN:
		return "tcp-open";
	case KEEP_WHY_UDP_CONNECTED:
		return "udp-connected";
	case KEEP_WHY_TCP_CLOSED:
		return "tcp-closed";
	case KEEP_WHY_UDP_UNCONNECTED:
		return "udp-unconnected";
	case KEEP_WHY_DNS:
		return "dns";
	case KEEP_WHY_OTHER_PROTO:
		return "other-protocol";
	case KEEP_WHY_TIME_WAIT:
		return "time-wait";
	case KEEP_WHY_ORPHANED:
		return "orphaned";
	}
	return "?";
}

const char *keep_mode_name(enum keep_mode m)
{
	switch (m) {
	case KEEP_MODE_DEFAULT:
		return "default";
	case KEEP_MODE_CONTINUITY:
		return "continuity";
	case KEEP_MODE_BYPASS:
		return "bypass";
	}
	return "?";
}

const char *keep_why_format(const struct keep_rules *rules, const struct keep_why *w, char *buf,
			    size_t len)
{
	switch (w->reason) {
	case KEEP_WHY_APP:
		snprintf(buf, len, "app");
		break;
	case KEEP_WHY_RULE:
		snprintf(buf, len, "rule:%s",
			 rules && w->rule >= 0 && (unsigned int)w->rule < rules->n
				 ? rules->r[w->rule].name
				 : "?");
		break;
	case KEEP_WHY_TIME_WAIT:
	case KEEP_WHY_ORPHANED:
		snprintf(buf, len, "ended:%s", keep_reason_name(w->reason));
		break;
	default:
		snprintf(buf, len, "default:%s", keep_reason_name(w->reason));
		break;
	}
	return buf;
}

unsigned int keep_why_wire(const struct keep_why *w)
{
	if (w->reason == KEEP_WHY_APP)
		return 1;
	if (w->reason == KEEP_WHY_RULE)
		return 2;
	return 0;
}

enum keep_mode keep_tally_add(struct keep_tally *t, const struct keep_rules *rules,
			      const struct keep_sock *s, struct keep_why *why)
{
	struct keep_why w;
	enum keep_mode m = keep_socket_mode(rules, s, &w);

	if (m == KEEP_MODE_CONTINUITY)
		t->continuity++;
	else if (w.reason == KEEP_WHY_TIME_WAIT || w.reason == KEEP_WHY_ORPHANED)
		t->ended++;
	else
		t->bypass++;
	if (why)
		*why = w;
	return m;
}
