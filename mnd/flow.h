/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow tracker's decision pass: the sockets on some local addresses
 * (sock_diag), each decided by core/keep.c with the application's recorded
 * request (ctl.c, by cookie), the mnd.conf rules, and what the rules need
 * from /proc and cgroups (looked up only when a rule asks, and cached).
 */
#ifndef MND_FLOW_H
#define MND_FLOW_H

#include <glib.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "core/keep.h"
#include "core/rules.h"

struct flow_addr {
	struct in6_addr addr; /* in: a local address */
	struct keep_tally t;  /* out: its sockets, by mode */
	/* out: continuity sockets whose end sends no destroy event (half-open
	 * connections in a listener's queue); not in `continuity`. */
	unsigned int silent;
	/* out, optional (NULL: not wanted): the cookies of its continuity
	 * sockets are added to this set (g_int64 keys, caller-owned). */
	GHashTable *continuity;
};

void flow_init(void);
void flow_fini(void);

/* Take ownership of a rule set (NULL: no rules); the old one is freed. */
void flow_set_rules(struct keep_rules *rules);
const struct keep_rules *flow_rules(void);

/* Dump and decide every socket on fa[0..n).addr. Returns 0 or -errno (the
 * dump failed: the tallies are then meaningless). */
int flow_eval(struct flow_addr *fa, unsigned int n);

/* The same, also reporting each socket with its mode and why (fn may be
 * NULL); idx is the socket's index in fa. */
struct sd_sock;
typedef void (*flow_sock_fn)(void *user, unsigned int idx, const struct sd_sock *s,
			     enum keep_mode mode, const struct keep_why *why);
int flow_eval_each(struct flow_addr *fa, unsigned int n, flow_sock_fn fn, void *user);
/* The effective mode of one socket described by the caller (ks->app set
 * by it), for the control protocol; pid is the asking process, used for
 * the program and cgroup when a rule needs them. */
enum keep_mode flow_effective(struct keep_sock *ks, pid_t pid, struct keep_why *why);

/* A socket ended: drop what is cached about it. */
void flow_forget(uint64_t cookie);

/* A set of cookies, for struct flow_addr.continuity. */
GHashTable *flow_cookie_set_new(void);

#endif
