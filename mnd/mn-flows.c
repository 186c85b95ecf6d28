// SPDX-License-Identifier: BSD-3-Clause
/*
 * The flow tracker of the mobile node: a kept address goes with its last
 * continuity flow. The sockets on it are known from the dump of the move
 * (mn.c) and followed by sock_diag destroy events; a burst of events, a
 * mode changed by an application (the control socket) or half-open
 * connections make us dump that address again, from the main loop.
 */
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "ctl.h"
#include "flow.h"
#include "log.h"
#include "mn-internal.h"
#include "sys/sockdiag.h"

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

void mn_flows_clear(struct anchor *a)
{
	if (mn.flows[a->slot])
		g_hash_table_destroy(mn.flows[a->slot]);
	mn.flows[a->slot] = NULL;
	mn.recheck[a->slot] = NULL;
}

static gboolean mn_recheck_cb(gpointer data);

void mn_recheck_schedule(unsigned int delay_ms)
{
	uint64_t at = mn_now() + delay_ms;

	if (mn.recheck_src && mn.recheck_at <= at)
		return;
	if (mn.recheck_src)
		g_source_remove(mn.recheck_src);
	mn.recheck_at = at;
	mn.recheck_src = g_timeout_add(delay_ms, mn_recheck_cb, NULL);
}

/* Look at a kept address again, from the main loop: a burst of events
 * (a process exiting) costs one dump. */
static void mn_recheck_soon(struct anchor *a, const char *why)
{
	if (!mn.recheck[a->slot])
		mn.recheck[a->slot] = why;
	mn_recheck_schedule(0);
}

static gboolean mn_recheck_cb(gpointer data)
{
	struct flow_addr fa[ANCHOR_MAX];
	struct anchor *by[ANCHOR_MAX], *a;
	const char *why[ANCHOR_MAX];
	unsigned int n = 0, silent = 0;
	uint64_t now = mn_now();
	int rc;

	mn.recheck_src = 0;
	if (mn.stopping || !mn.current)
		return G_SOURCE_REMOVE;
	memset(fa, 0, sizeof(fa));
	anchor_foreach(&mn.anchors, a)
	{
		if (!mn.recheck[a->slot])
			continue;
		why[n] = mn.recheck[a->slot];
		mn.recheck[a->slot] = NULL;
		if (a->role != ANCHOR_KEPT || !a->have_addr)
			continue;
		fa[n].addr = a->addr;
		fa[n].continuity = flow_cookie_set_new();
		by[n++] = a;
	}
	if (!n)
		return G_SOURCE_REMOVE;
	rc = flow_eval(fa, n);
	for (unsigned int i = 0; i < n; i++) {
		a = by[i];
		if (rc < 0) {
			g_hash_table_destroy(fa[i].continuity);
			mn.recheck[a->slot] = why[i];
			continue;
		}
		if (mn.flows[a->slot])
			g_hash_table_destroy(mn.flows[a->slot]);
		mn.flows[a->slot] = fa[i].continuity;
		silent += fa[i].silent;
		if (keep_decide(&fa[i].t) || a->pin == ANCHOR_PIN_KEEP) {
			log_debug("still-kept addr=%s dar=%s flows=%u bypass=%u ended=%u why=%s",
				  log_addr(&a->addr), log_addr(&a->dar), fa[i].t.continuity,
				  fa[i].t.bypass, fa[i].t.ended, why[i]);
			if (fa[i].silent)
				mn.recheck[a->slot] = "half-open";
			continue;
		}
		log_info("release addr=%s dar=%s flows=0 bypass=%u ended=%u reason=%s",
			 log_addr(&a->addr), log_addr(&a->dar), fa[i].t.bypass, fa[i].t.ended,
			 why[i]);
		mn_release(a, mn.current, now);
	}
	if (rc < 0) {
		log_warn("sock-diag-failed error=%s: looking again in %u ms", g_strerror(-rc),
			 MN_RECHECK_RETRY_MS);
		mn_recheck_schedule(MN_RECHECK_RETRY_MS);
	} else if (silent) {
		mn_recheck_schedule(MN_RECHECK_SILENT_MS);
	}
	mn_reschedule();
	mn_write_status();
	return G_SOURCE_REMOVE;
}

void mn_on_sock_destroy(void *user, const struct sd_event *e)
{
	struct anchor *a;
	gint64 k;

	if (!e) {
		/* Some ends were lost: every kept address is looked at again. */
		log_warn("sock-destroy-events-lost: checking every kept address");
		anchor_foreach(&mn.anchors, a)
		{
			if (a->role == ANCHOR_KEPT && a->have_addr)
				mn_recheck_soon(a, "events-lost");
		}
		return;
	}
	ctl_forget(e->cookie);
	flow_forget(e->cookie);
	if (mn.stopping)
		return;
	a = anchor_find_addr(&mn.anchors, &e->src);
	if (!a || a->role != ANCHOR_KEPT || !mn.flows[a->slot])
		return;
	k = (gint64)e->cookie;
	if (!g_hash_table_remove(mn.flows[a->slot], &k)) {
		/* A bypass socket, or one the last dump did not see. */
		log_debug("socket-ended addr=%s proto=%s sport=%u dport=%u cookie=%llu",
			  log_addr(&e->src), e->proto == IPPROTO_TCP ? "tcp" : "udp", e->sport,
			  e->dport, (unsigned long long)e->cookie);
		return;
	}
	log_info("flow-ended addr=%s dar=%s proto=%s sport=%u peer=[%s]:%u cookie=%llu "
		 "remaining=%u",
		 log_addr(&e->src), log_addr(&a->dar), e->proto == IPPROTO_TCP ? "tcp" : "udp",
		 e->sport, log_addr(&e->dst), e->dport, (unsigned long long)e->cookie,
		 g_hash_table_size(mn.flows[a->slot]));
	/* The dump that confirms it also finds continuity sockets opened on
	 * this address since the move. */
	if (g_hash_table_size(mn.flows[a->slot]) == 0)
		mn_recheck_soon(a, "last-flow-ended");
}

/* Control socket callbacks */

static enum keep_mode mn_ctl_effective(void *user, struct keep_sock *ks, pid_t pid,
				       struct keep_why *why)
{
	return flow_effective(ks, pid, why);
}

static void mn_ctl_info(void *user, const struct in6_addr *local, struct in6_addr *dar,
			enum ctl_role *role)
{
	struct anchor *a;

	anchor_foreach(&mn.anchors, a)
	{
		if (!addr_eq(&a->addr, local) || (!a->have_addr && a->role != ANCHOR_RELEASED))
			continue;
		*dar = a->dar;
		switch (a->role) {
		case ANCHOR_CURRENT:
		case ANCHOR_HOME_AGAIN:
			*role = CTL_ROLE_CURRENT;
			break;
		case ANCHOR_KEPT:
			*role = CTL_ROLE_KEPT;
			break;
		case ANCHOR_RELEASED:
			*role = CTL_ROLE_RELEASED;
			break;
		}
		return;
	}
}

static void mn_ctl_changed(void *user, const struct ctl_sock_info *s, enum keep_mode mode)
{
	struct anchor *a = anchor_find_addr(&mn.anchors, &s->local);
	GHashTable *set;
	gint64 k = (gint64)s->cookie, *kp;

	if (!a || a->role != ANCHOR_KEPT || mn.stopping)
		return;
	set = mn.flows[a->slot];
	/* An explicit mode decides alone (the socket is live: its owner just
	 * passed it), so the set is updated without a dump; back to
	 * `default`, the rules and defaults decide, which takes one. */
	if (!set || mode == KEEP_MODE_DEFAULT) {
		mn_recheck_soon(a, "mode-changed");
	} else if (mode == KEEP_MODE_CONTINUITY) {
		if (!g_hash_table_contains(set, &k)) {
			kp = g_new(gint64, 1);
			*kp = k;
			g_hash_table_add(set, kp);
		}
	} else if (g_hash_table_remove(set, &k) && g_hash_table_size(set) == 0) {
		/* Was it the last one? The dump also sees sockets opened since. */
		mn_recheck_soon(a, "mode-changed");
	}
	mn_write_status();
}

const struct ctl_ops mn_ctl_ops = {
	.effective = mn_ctl_effective,
	.info = mn_ctl_info,
	.changed = mn_ctl_changed,
};
