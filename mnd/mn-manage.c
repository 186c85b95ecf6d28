// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the management side (the D-Bus service, NetworkManager hints) sees
 * of the mobile node and may ask of it. Read-only views of the state in
 * mn.c, plus the few requests a person or a desktop can make: pin an
 * address, list the flows, look for a router now.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "flow.h"
#include "log.h"
#include "mn-internal.h"
#include "sys/ndisc.h"

void mn_set_observer(const struct mn_observer *ops, void *user)
{
	mn.obs = ops;
	mn.obs_user = user;
}

enum mn_state mn_state(void)
{
	if (!mn.cfg || !mn.backend)
		return MN_STATE_STARTING;
	if (mn.stopping)
		return MN_STATE_STOPPING;
	if (!mn.current || mn.carrier == 0)
		return MN_STATE_WAITING;
	return mn.ho.active ? MN_STATE_HANDOVER : MN_STATE_ATTACHED;
}

const char *mn_ifname(void)
{
	return mn.ifname;
}

const struct anchor_table *mn_anchors(void)
{
	return &mn.anchors;
}

const struct anchor *mn_current(void)
{
	return mn.current;
}

unsigned int mn_anchor_flows(const struct anchor *a)
{
	GHashTable *set = mn.flows[a->slot];

	return set ? g_hash_table_size(set) : 0;
}

const char *mn_backend_name(void)
{
	return mn.backend ? mn.backend->name : "";
}

const char *mn_backend_reason(void)
{
	return mn.backend_why;
}

unsigned int mn_handovers(void)
{
	return mn.handovers;
}

uint32_t mn_last_handover_ms(void)
{
	return mn.last_handover_ms;
}

int mn_pin(const struct in6_addr *addr, enum anchor_pin pin)
{
	struct anchor *a = anchor_find_addr(&mn.anchors, addr);

	if (!a || !a->have_addr || mn.stopping)
		return -ENOENT;
	if (!a->is_dar)
		return -EOPNOTSUPP;
	a->pin = pin;
	log_info("pin addr=%s dar=%s pin=%s role=%s", log_addr(&a->addr), log_addr(&a->dar),
		 pin == ANCHOR_PIN_KEEP      ? "keep"
		 : pin == ANCHOR_PIN_RELEASE ? "release"
					     : "none",
		 anchor_role_name(a->role));
	/* Kept away from its DAR now: the binding goes at once. Otherwise
	 * the pin is read at the next move. */
	if (pin == ANCHOR_PIN_RELEASE && a->role == ANCHOR_KEPT && mn.current) {
		log_info("release addr=%s dar=%s reason=unpinned", log_addr(&a->addr),
			 log_addr(&a->dar));
		mn_release(a, mn.current, mn_now());
		mn_reschedule();
	}
	mn_write_status();
	return 0;
}

struct mn_flow_walk {
	const struct anchor *by[ANCHOR_MAX];
	mn_flow_fn fn;
	void *user;
};

static void mn_flow_one(void *user, unsigned int idx, const struct sd_sock *s, enum keep_mode mode,
			const struct keep_why *why)
{
	struct mn_flow_walk *w = user;
	char buf[80];

	if (idx >= ANCHOR_MAX)
		return;
	w->fn(w->user, w->by[idx], s, mode, keep_why_format(flow_rules(), why, buf, sizeof(buf)));
}

int mn_list_flows(mn_flow_fn fn, void *user)
{
	struct flow_addr fa[ANCHOR_MAX];
	struct mn_flow_walk w = {.fn = fn, .user = user};
	unsigned int n = 0;
	struct anchor *a;

	memset(fa, 0, sizeof(fa));
	anchor_foreach(&mn.anchors, a)
	{
		if (!a->have_addr)
			continue;
		fa[n].addr = a->addr;
		w.by[n++] = a;
	}
	return flow_eval_each(fa, n, mn_flow_one, &w);
}

void mn_hint(const char *ifname, const char *event)
{
	int rc;

	if (!mn.cfg || mn.stopping || mn.ifindex <= 0)
		return;
	if (ifname && ifname[0] && strcmp(ifname, mn.ifname) != 0) {
		log_debug("hint-ignored if=%s event=%s: not managed", ifname, event);
		return;
	}
	/* Netlink stays the source of truth: a hint only makes us ask for a
	 * Router Advertisement now rather than wait for the next one. */
	rc = ndisc_send_rs(mn.ifindex);
	log_info("hint if=%s event=%s rs-sent%s%s", mn.ifname, event ? event : "-",
		 rc < 0 ? " error=" : "", rc < 0 ? g_strerror(-rc) : "");
}
