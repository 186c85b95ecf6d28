// SPDX-License-Identifier: BSD-3-Clause
/*
 * The `ip6tnl` backend (DESIGN §4; notes: ecosystem.md §7): the kernel's
 * own IPv6-in-IPv6 tunnel (RFC 2473, ip6_tunnel.ko), one link per
 * binding, so no packet of the data path crosses into userspace.
 *
 * Binding in slot i: link mnt<i>, ip6ip6, local = CoA, remote = DAR,
 * bound to the managed interface (the outer packets leave there, and the
 * kernel uses the tunnel only while the CoA is an address there).
 * Uplink: "from HoA" -> table TNL_TABLE_BASE + i -> "default dev mnt<i>";
 * the kernel adds the outer header CoA -> DAR. Downlink: the kernel
 * matches DAR -> CoA packets to the link, decapsulates them and delivers
 * the inner packet for the HoA locally (the HoA stays on the managed
 * interface; IPv6 is a weak host). A move changes the link's local
 * address in place: its ifindex, and so the table's route, stay.
 *
 * sig.c's protocol-41 socket still sees copies of the tunnelled packets:
 * BAs then arrive twice (the copy is ignored by sequence number) and
 * data copies are counted as not ours. Those copies are also what
 * carries the BA that creates or moves a binding: it reaches the CoA
 * before the link exists or has that CoA (and the kernel, with no
 * tunnel for it, answers with an ICMPv6 error the DAR ignores).
 *
 * Links are created and changed with libnl's link API (ip6tnl_link.c,
 * shared with the reference DAR, which makes the other end) on a socket of
 * our own (knl's request socket is private to it); rules and routes go
 * through knl, tagged KNL_PROTO_MND.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "sys/ip6tnl_link.h"
#include "sys/knl.h"
#include "sys/tunnel.h"

#define IP6TNL_MAX_BINDINGS 32
#define IP6TNL_MAX_SLOT 100                    /* tables 4200-4299, priorities 1100-1199 */
#define IP6TNL_ADDR_GEN_MODE_NONE 1            /* IN6_ADDR_GEN_MODE_NONE */
#define IP6TNL_PROBE_FMT TNL_NAME_PREFIX "p%u" /* probe link: mntp<pid> */

struct ip6tnl_binding {
	struct tnl_entry e; /* first: tunnel.c walks the table by it */
	int link;           /* the managed interface */
	int ifindex;        /* the tunnel link */
	uint32_t mtu;       /* the tunnel link's MTU */
	char name[IFNAMSIZ];
};

static struct {
	struct ip6tnl_sock nl;
	struct ip6tnl_binding b[IP6TNL_MAX_BINDINGS];
} I;

/* Change an existing link: tunnel parameters (if local is given), MTU
 * (if not 0) and up. */
static int ip6tnl_link_change_b(const struct ip6tnl_binding *b, const struct in6_addr *local,
				uint32_t mtu)
{
	return ip6tnl_link_change(&I.nl, b->ifindex, b->name, b->link, local,
				  local ? &b->e.dar : NULL, mtu);
}

/* Delete every ip6tnl link named mnt*: what a crashed or killed mnd left
 * behind. The tun backend's mnt0 is a TUN device and is left alone. */
static int ip6tnl_sweep(void)
{
	return ip6tnl_link_sweep(&I.nl, TNL_NAME_PREFIX);
}

/* ---------------------------------------------------------------- backend */

static int ip6tnl_probe(char *why, size_t len)
{
	char name[IFNAMSIZ];

	snprintf(name, sizeof(name), IP6TNL_PROBE_FMT, (unsigned int)getpid());
	return ip6tnl_link_probe(name, why, len);
}

static int ip6tnl_init(void)
{
	int err;

	if (I.nl.sk)
		return -EALREADY;
	memset(&I.b, 0, sizeof(I.b));
	err = ip6tnl_sock_open(&I.nl);
	if (err < 0)
		return err;
	/* Crash recovery: knl_flush_own removed the rules and routes of a
	 * previous run; its links are ours to remove. */
	err = ip6tnl_sweep();
	if (err > 0)
		g_info("ip6tnl: removed %d leftover tunnel link(s)", err);
	return 0;
}

static struct ip6tnl_binding *ip6tnl_find(const struct in6_addr *hoa)
{
	return (struct ip6tnl_binding *)tnl_entry_find(I.b, IP6TNL_MAX_BINDINGS, sizeof(I.b[0]),
						       hoa);
}

/* Remove one binding's rule, table and link; "already gone" is fine.
 * Returns the first other error. */
static int ip6tnl_teardown(const struct ip6tnl_binding *b)
{
	uint32_t table = TNL_TABLE_BASE + b->e.slot;
	int rc, first = 0;

	rc = knl_rule_del_from(&b->e.hoa, table, TNL_RULE_PRIO_BASE + b->e.slot);
	if (rc < 0 && rc != -ENOENT && rc != -ESRCH)
		first = rc;
	rc = knl_route_del_table(table);
	if (rc < 0 && rc != -ENOENT && rc != -ESRCH && !first)
		first = rc;
	rc = ip6tnl_link_del(&I.nl, b->name);
	if (rc < 0 && rc != -ENODEV && rc != -ENOENT && !first)
		first = rc;
	return first;
}

static int ip6tnl_bind(struct tnl_binding *tb)
{
	struct ip6tnl_binding *b = NULL;
	uint32_t table;
	int rc;

	if (!tb)
		return -EINVAL;
	if (!I.nl.sk)
		return -ENODEV;
	if (tb->slot >= IP6TNL_MAX_SLOT || tb->ifindex <= 0)
		return -ERANGE;
	b = (struct ip6tnl_binding *)tnl_entry_claim(I.b, IP6TNL_MAX_BINDINGS, sizeof(I.b[0]), tb,
						     &rc);
	if (!b)
		return rc;

	b->link = tb->ifindex;
	b->mtu = tnl_inner_mtu(tb->mtu);
	snprintf(b->name, sizeof(b->name), TNL_NAME_PREFIX "%u", tb->slot);
	table = TNL_TABLE_BASE + tb->slot;

	rc = ip6tnl_link_add(&I.nl, b->name, b->link, &b->e.coa, &b->e.dar, b->mtu);
	if (rc == -EEXIST) {
		/* A link of that name from before (a crash since init): ours
		 * by its name, so replace it. */
		(void)ip6tnl_link_del(&I.nl, b->name);
		rc = ip6tnl_link_add(&I.nl, b->name, b->link, &b->e.coa, &b->e.dar, b->mtu);
	}
	if (rc < 0) {
		memset(b, 0, sizeof(*b)); /* no link: nothing to tear down */
		return rc;
	}
	b->ifindex = (int)if_nametoindex(b->name);
	if (b->ifindex <= 0) {
		rc = -ENODEV;
		goto fail;
	}
	/* Before the link comes up: without a link-local address and with
	 * accept_ra off the kernel sends no Router Solicitation (and takes no
	 * RA) on the tunnel. */
	rc = knl_sysctl_set(b->name, "accept_ra", 0);
	if (rc == 0)
		rc = knl_sysctl_set(b->name, "addr_gen_mode", IP6TNL_ADDR_GEN_MODE_NONE);
	/* Up, with the MTU asked for (the kernel sets its own at creation). */
	if (rc == 0)
		rc = ip6tnl_link_change_b(b, NULL, b->mtu);
	/* The route needs the link up; its MTU follows the link's. */
	if (rc == 0)
		rc = knl_route_add_default_dev(table, b->ifindex, 0);
	if (rc == 0)
		rc = knl_rule_add_from(&b->e.hoa, table, TNL_RULE_PRIO_BASE + b->e.slot);
	if (rc < 0)
		goto fail;
	g_strlcpy(tb->dev, b->name, sizeof(tb->dev));
	return 0;
fail:
	(void)ip6tnl_teardown(b);
	memset(b, 0, sizeof(*b));
	return rc;
}

static int ip6tnl_unbind(struct tnl_binding *tb)
{
	struct ip6tnl_binding *b;
	int rc;

	if (!tb)
		return -EINVAL;
	b = ip6tnl_find(&tb->hoa);
	if (!b)
		return -ENOENT;
	rc = ip6tnl_teardown(b);
	memset(b, 0, sizeof(*b));
	return rc;
}

static int ip6tnl_rebind(struct tnl_binding *tb, const struct in6_addr *coa)
{
	struct ip6tnl_binding *b;
	struct tnl_binding again;
	uint32_t mtu;
	int rc;

	if (!tb || !coa)
		return -EINVAL;
	b = ip6tnl_find(&tb->hoa);
	if (!b)
		return -ENOENT;
	/* The new link may have another MTU: follow it in the same request. */
	mtu = tnl_inner_mtu(tb->mtu);
	rc = ip6tnl_link_change_b(b, coa, mtu);
	if (rc == 0) {
		b->e.coa = *coa;
		b->mtu = mtu;
		tb->coa = *coa;
		g_strlcpy(tb->dev, b->name, sizeof(tb->dev));
		return 0;
	}
	/* The kernel would not change it in place: build the binding anew
	 * (a moment without the tunnel, while the binding moves anyway). */
	again = *tb;
	again.coa = *coa;
	again.slot = b->e.slot;
	(void)ip6tnl_teardown(b);
	memset(b, 0, sizeof(*b));
	rc = ip6tnl_bind(&again);
	if (rc == 0) {
		tb->coa = *coa;
		g_strlcpy(tb->dev, again.dev, sizeof(tb->dev));
	}
	return rc;
}

static void ip6tnl_fini(void)
{
	if (!I.nl.sk)
		return;
	for (size_t i = 0; i < IP6TNL_MAX_BINDINGS; i++) {
		if (!I.b[i].e.used)
			continue;
		(void)ip6tnl_teardown(&I.b[i]);
		memset(&I.b[i], 0, sizeof(I.b[i]));
	}
	(void)ip6tnl_sweep();
	ip6tnl_sock_close(&I.nl);
}

const struct tnl_backend tnl_ip6tnl = {
	.name = "ip6tnl",
	.probe = ip6tnl_probe,
	.init = ip6tnl_init,
	.fini = ip6tnl_fini,
	.bind = ip6tnl_bind,
	.rebind = ip6tnl_rebind,
	.unbind = ip6tnl_unbind,
};
