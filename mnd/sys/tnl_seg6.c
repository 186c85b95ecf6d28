// SPDX-License-Identifier: BSD-3-Clause
/*
 * The `seg6` backend (DESIGN §4; notes: testbed.md §4 and "Data plane on
 * a kernel without ip6_tunnel" item 1): the kernel's SRv6 lightweight
 * tunnels carry the data, with no per-packet work in mnd and no device.
 *
 * Uplink, per binding in slot i: "from HoA/128 lookup 4200+i" at priority
 * 1100+i, and in that table "default encap seg6 mode encap.red segs DAR
 * dev IF mtu LINK-40". One segment in encap.red mode is plain
 * IPv6-in-IPv6 on the wire (no SRH). The outer source is the kernel's
 * source selection for the DAR: the HoA is deprecated while bound, so
 * the CoA wins. The route MTU leaves room for the outer header, so
 * locally sent traffic fits (TCP follows the route MTU); forwarded
 * traffic would not get a correct Packet Too Big (testbed.md §4.5), but
 * a mobile node does not forward.
 *
 * Downlink: "from DAR/128 to CoA/128 ipproto 41 lookup 4300+i" at
 * priority 50+i, and there "CoA/128 encap seg6local action End.DT6 table
 * local dev IF": the outer header goes and the inner packet is looked up
 * in the local table only, so it is delivered if it is for this host
 * (the HoA) and dropped otherwise. End.DX6 would not do: it never
 * delivers locally (§4.3). Tunnelled BAs reach the MH socket natively
 * this way; protocol-41 packets from anyone else to the CoA still reach
 * sig.c's raw socket, whose framing check refuses them.
 *
 * The local rule: the kernel's "0: from all lookup local" would deliver
 * the tunnelled packet to the CoA before any rule of ours is seen, so
 * init moves it once behind our downlink rules (add "1000: lookup local",
 * then delete the one at 0; never a moment without it) and fini moves it
 * back. The copy at 1000 is tagged TNL_SEG6_LOCAL_PROTO, not
 * KNL_PROTO_MND: the flush of mnd's leftovers at every start must not take
 * the only local rule away. After a crash it therefore stays, the host
 * keeps working, and the next seg6 start recognises it by its tag, so the
 * stop after that puts "0: lookup local" back (with protocol kernel, as
 * the kernel made it) and removes the copy: crash, restart, stop ends in
 * the original state. A local rule the administrator placed elsewhere
 * (none at 0, none of ours) is left alone.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h> /* before the linux/ headers (libc-compat) */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include <glib.h>

#include "sys/knl.h"
#include "sys/tunnel.h"

#define TNL_SEG6_MAX_BINDINGS 32
#define TNL_SEG6_MAX_SLOT 100      /* priorities 1100-1199, tables 4200-4299, as tun */
#define TNL_SEG6_DOWN_PRIO_BASE 50 /* downlink rules 50-149: before the local rule */
#define TNL_SEG6_DOWN_TABLE_BASE (TNL_TABLE_BASE + 100) /* 4300-4399 */
#define TNL_SEG6_PROBE_TABLE (TNL_TABLE_BASE + 200)     /* scratch, never a binding's */
#define TNL_SEG6_LOCAL_PRIO 1000
/* FRA_PROTOCOL of our copy of the local rule: see above for why it is not
 * KNL_PROTO_MND ("ip -6 rule show" prints "proto 216"). */
#define TNL_SEG6_LOCAL_PROTO (KNL_PROTO_MND + 1)
#define TNL_SEG6_LOCAL_MAX 16 /* local-table rules looked at */
#define TNL_SEG6_IPPROTO_IPV6 41

_Static_assert(TNL_SEG6_DOWN_PRIO_BASE + TNL_SEG6_MAX_SLOT <= TNL_SEG6_LOCAL_PRIO &&
		       TNL_SEG6_LOCAL_PRIO < TNL_RULE_PRIO_BASE,
	       "downlink rules, then the local rule, then the uplink rules");

struct tnl_seg6_binding {
	struct tnl_entry e; /* first: tunnel.c walks the table by it */
	int ifindex;
	uint32_t link_mtu;
};

static struct {
	bool up;
	bool restore_local; /* the local rule at 0 is ours to put back */
	struct tnl_seg6_binding b[TNL_SEG6_MAX_BINDINGS];
} S;

static bool tnl_seg6_addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct tnl_seg6_binding *tnl_seg6_find(const struct in6_addr *hoa)
{
	return (struct tnl_seg6_binding *)tnl_entry_find(S.b, TNL_SEG6_MAX_BINDINGS, sizeof(S.b[0]),
							 hoa);
}

static bool tnl_seg6_ignorable(int rc)
{
	return rc >= 0 || rc == -ENOENT || rc == -ESRCH;
}

/* ---------------------------------------------------------------- rules */

static struct knl_rule tnl_seg6_up_rule(const struct tnl_seg6_binding *b)
{
	return (struct knl_rule){
		.src = b->e.hoa,
		.src_len = 128,
		.protocol = KNL_PROTO_MND,
		.prio = TNL_RULE_PRIO_BASE + b->e.slot,
		.table = TNL_TABLE_BASE + b->e.slot,
	};
}

/* Only protocol 41 from the DAR to this CoA: some anti-spoofing, and
 * everything else to the CoA (signalling at home, forged packets for the
 * framing check) goes on to the local table. */
static struct knl_rule tnl_seg6_down_rule(const struct tnl_seg6_binding *b,
					  const struct in6_addr *coa)
{
	return (struct knl_rule){
		.src = b->e.dar,
		.src_len = 128,
		.dst = *coa,
		.dst_len = 128,
		.ipproto = TNL_SEG6_IPPROTO_IPV6,
		.protocol = KNL_PROTO_MND,
		.prio = TNL_SEG6_DOWN_PRIO_BASE + b->e.slot,
		.table = TNL_SEG6_DOWN_TABLE_BASE + b->e.slot,
	};
}

static struct knl_rule tnl_seg6_local_rule(uint32_t prio, uint8_t protocol)
{
	return (struct knl_rule){.protocol = protocol, .prio = prio, .table = RT_TABLE_LOCAL};
}

/* ---------------------------------------------------------------- downlink */

static int tnl_seg6_down_add(const struct tnl_seg6_binding *b, const struct in6_addr *coa)
{
	struct knl_rule r = tnl_seg6_down_rule(b, coa);
	int rc;

	/* The route first: the rule must never lead to an empty table,
	 * where the lookup would fall through to main and forward. */
	rc = knl_route_add_seg6_dt6(r.table, coa, 128, RT_TABLE_LOCAL, b->ifindex);
	if (rc == 0)
		rc = knl_rule_add(&r);
	return rc;
}

static int tnl_seg6_down_del(const struct tnl_seg6_binding *b, const struct in6_addr *coa)
{
	struct knl_rule r = tnl_seg6_down_rule(b, coa);
	int rc, rc2;

	rc = knl_rule_del(&r);
	rc2 = knl_route_del(r.table, coa, 128);
	if (!tnl_seg6_ignorable(rc))
		return rc;
	return tnl_seg6_ignorable(rc2) ? 0 : rc2;
}

/* ---------------------------------------------------------------- bindings */

/* Remove one binding's rules and tables; errors other than "already
 * gone" are reported, but everything is tried. */
static int tnl_seg6_unroute(const struct tnl_seg6_binding *b)
{
	struct knl_rule up = tnl_seg6_up_rule(b), down = tnl_seg6_down_rule(b, &b->e.coa);
	int rc[4];

	/* Rules first, so that no packet is steered into a table that is
	 * being emptied. */
	rc[0] = knl_rule_del(&up);
	rc[1] = knl_rule_del(&down);
	rc[2] = knl_route_del_table(up.table);
	rc[3] = knl_route_del_table(down.table);
	for (size_t i = 0; i < G_N_ELEMENTS(rc); i++)
		if (!tnl_seg6_ignorable(rc[i]))
			return rc[i];
	return 0;
}

static int tnl_seg6_bind(struct tnl_binding *tb)
{
	struct tnl_seg6_binding *b = NULL;
	struct knl_rule up;
	char dev[IF_NAMESIZE];
	int rc;

	if (!tb)
		return -EINVAL;
	if (!S.up)
		return -ENODEV;
	if (tb->slot >= TNL_SEG6_MAX_SLOT)
		return -ERANGE;
	if (tb->ifindex <= 0 || !if_indextoname((unsigned int)tb->ifindex, dev))
		return -ENODEV;
	b = (struct tnl_seg6_binding *)tnl_entry_claim(S.b, TNL_SEG6_MAX_BINDINGS, sizeof(S.b[0]),
						       tb, &rc);
	if (!b)
		return rc;

	b->ifindex = tb->ifindex;
	b->link_mtu = tb->mtu;
	up = tnl_seg6_up_rule(b);

	/* Downlink first, then the uplink route, and last the rule that
	 * moves the HoA's traffic into the tunnel: the answers then have
	 * their way back before the first packet leaves. */
	rc = tnl_seg6_down_add(b, &b->e.coa);
	if (rc == 0)
		rc = knl_route_add_seg6_encap(up.table, NULL, 0, &b->e.dar, b->ifindex,
					      tnl_inner_mtu(b->link_mtu));
	if (rc == 0)
		rc = knl_rule_add(&up);
	if (rc < 0) {
		(void)tnl_seg6_unroute(b);
		memset(b, 0, sizeof(*b));
		return rc;
	}
	g_strlcpy(tb->dev, dev, sizeof(tb->dev));
	return 0;
}

static int tnl_seg6_rebind(struct tnl_binding *tb, const struct in6_addr *coa)
{
	struct tnl_seg6_binding *b;
	int rc = 0;

	if (!tb || !coa)
		return -EINVAL;
	b = tnl_seg6_find(&tb->hoa);
	if (!b)
		return -ENOENT;
	/* The uplink needs nothing: the kernel picks the outer source per
	 * packet, and the new CoA is the preferred address now. The
	 * downlink: the new CoA's rule and route first, then the old ones
	 * go, so that packets the DAR sent before it learnt of the move
	 * still arrive if the old address is still there. */
	if (!tnl_seg6_addr_eq(coa, &b->e.coa)) {
		rc = tnl_seg6_down_add(b, coa);
		if (rc < 0) {
			(void)tnl_seg6_down_del(b, coa);
			return rc;
		}
		rc = tnl_seg6_down_del(b, &b->e.coa);
		b->e.coa = *coa;
	}
	tb->coa = *coa;
	/* The new link may have another MTU: follow it. */
	if (tb->mtu != b->link_mtu) {
		int rc2;

		b->link_mtu = tb->mtu;
		rc2 = knl_route_add_seg6_encap(TNL_TABLE_BASE + b->e.slot, NULL, 0, &b->e.dar,
					       b->ifindex, tnl_inner_mtu(b->link_mtu));
		if (rc == 0)
			rc = rc2;
	}
	if (if_indextoname((unsigned int)b->ifindex, tb->dev) == NULL)
		tb->dev[0] = '\0';
	return rc;
}

static int tnl_seg6_unbind(struct tnl_binding *tb)
{
	struct tnl_seg6_binding *b;
	int rc;

	if (!tb)
		return -EINVAL;
	b = tnl_seg6_find(&tb->hoa);
	if (!b)
		return -ENOENT;
	rc = tnl_seg6_unroute(b);
	return rc;
}

/* ---------------------------------------------------------------- the local rule */

/* Move "lookup local" behind our downlink rules (see the top). */
static int tnl_seg6_local_move(void)
{
	struct knl_rule r[TNL_SEG6_LOCAL_MAX], own, zero;
	bool have_zero = false, have_own = false, have_other = false;
	uint32_t other_prio = UINT32_MAX;
	int n, rc;

	n = knl_rule_list(RT_TABLE_LOCAL, r, G_N_ELEMENTS(r));
	if (n < 0)
		return n;
	for (int i = 0; i < MIN(n, (int)G_N_ELEMENTS(r)); i++) {
		if (r[i].src_len || r[i].dst_len || r[i].ipproto)
			continue;
		if (r[i].prio == 0) {
			have_zero = true;
		} else if (r[i].prio == TNL_SEG6_LOCAL_PRIO &&
			   r[i].protocol == TNL_SEG6_LOCAL_PROTO) {
			have_own = true;
		} else {
			have_other = true;
			other_prio = MIN(other_prio, r[i].prio);
		}
	}
	if (!have_zero && !have_own && have_other) {
		/* Someone else's arrangement: not ours to change. */
		S.restore_local = false;
		if (other_prio < TNL_SEG6_DOWN_PRIO_BASE + TNL_SEG6_MAX_SLOT)
			g_warning("seg6: the local rule at priority %u comes before the "
				  "downlink rules (%u-%u): tunnelled packets will not be "
				  "decapsulated",
				  other_prio, TNL_SEG6_DOWN_PRIO_BASE,
				  TNL_SEG6_DOWN_PRIO_BASE + TNL_SEG6_MAX_SLOT - 1);
		return 0;
	}
	/* Ours after a crash, or none at all (a host cannot run without it;
	 * the kernel's default is at 0): either way the stop puts 0 back. */
	S.restore_local = true;
	own = tnl_seg6_local_rule(TNL_SEG6_LOCAL_PRIO, TNL_SEG6_LOCAL_PROTO);
	if (!have_own) {
		rc = knl_rule_add(&own);
		if (rc < 0)
			return rc;
	}
	if (have_zero) {
		zero = tnl_seg6_local_rule(0, 0); /* whatever its protocol */
		rc = knl_rule_del(&zero);
		if (!tnl_seg6_ignorable(rc))
			return rc;
		g_message("seg6: moved the local rule from priority 0 to %u", TNL_SEG6_LOCAL_PRIO);
	} else {
		g_message("seg6: local rule at priority %u (%s)", TNL_SEG6_LOCAL_PRIO,
			  have_own ? "left by an earlier run" : "there was none");
	}
	return 0;
}

/* Put "0: lookup local" back as the kernel made it, then drop our copy;
 * if 0 cannot be added, the copy stays rather than leave the host
 * without local delivery. */
static void tnl_seg6_local_restore(void)
{
	struct knl_rule r[TNL_SEG6_LOCAL_MAX];
	struct knl_rule zero = tnl_seg6_local_rule(0, RTPROT_KERNEL);
	struct knl_rule own = tnl_seg6_local_rule(TNL_SEG6_LOCAL_PRIO, TNL_SEG6_LOCAL_PROTO);
	bool have_zero = false;
	int n, rc;

	n = knl_rule_list(RT_TABLE_LOCAL, r, G_N_ELEMENTS(r));
	for (int i = 0; i < MIN(n, (int)G_N_ELEMENTS(r)); i++)
		if (!r[i].src_len && !r[i].dst_len && !r[i].ipproto && r[i].prio == 0)
			have_zero = true;
	if (n < 0 || !have_zero) {
		rc = knl_rule_add(&zero);
		if (rc < 0) {
			g_warning("seg6: cannot put the local rule back at priority 0: %s; "
				  "leaving it at %u",
				  g_strerror(-rc), TNL_SEG6_LOCAL_PRIO);
			return;
		}
	}
	rc = knl_rule_del(&own);
	if (!tnl_seg6_ignorable(rc))
		g_warning("seg6: cannot remove the local rule at priority %u: %s",
			  TNL_SEG6_LOCAL_PRIO, g_strerror(-rc));
}

/* ---------------------------------------------------------------- backend */

static bool tnl_seg6_link_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	if (s < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		up = ifr.ifr_flags & IFF_UP;
	close(s);
	return up;
}

/* A route needs a device that is up: lo if it is, else any. */
static int tnl_seg6_probe_link(void)
{
	struct if_nameindex *ifs, *i;
	int idx = 0;

	if (tnl_seg6_link_up("lo"))
		return (int)if_nametoindex("lo");
	ifs = if_nameindex();
	if (!ifs)
		return 0;
	for (i = ifs; i->if_index && !idx; i++)
		if (tnl_seg6_link_up(i->if_name))
			idx = (int)i->if_index;
	if_freenameindex(ifs);
	return idx;
}

static int tnl_seg6_probe(char *why, size_t len)
{
	int oif = tnl_seg6_probe_link();

	if (oif <= 0) {
		if (why && len)
			snprintf(why, len, "no link is up to probe seg6 routes with");
		return -ENETDOWN;
	}
	return knl_probe_seg6(TNL_SEG6_PROBE_TABLE, oif, why, len);
}

static int tnl_seg6_init(void)
{
	int rc;

	if (S.up)
		return -EALREADY;
	memset(&S, 0, sizeof(S));
	rc = tnl_seg6_local_move();
	if (rc < 0) {
		/* Whatever was done, undone: the copy goes only once 0 is back. */
		if (S.restore_local)
			tnl_seg6_local_restore();
		S.restore_local = false;
		return rc;
	}
	S.up = true;
	return 0;
}

static void tnl_seg6_fini(void)
{
	if (!S.up)
		return;
	for (size_t i = 0; i < TNL_SEG6_MAX_BINDINGS; i++) {
		if (!S.b[i].e.used)
			continue;
		(void)tnl_seg6_unroute(&S.b[i]);
		memset(&S.b[i], 0, sizeof(S.b[i]));
	}
	if (S.restore_local)
		tnl_seg6_local_restore();
	memset(&S, 0, sizeof(S));
}

const struct tnl_backend tnl_seg6 = {
	.name = "seg6",
	.probe = tnl_seg6_probe,
	.init = tnl_seg6_init,
	.fini = tnl_seg6_fini,
	.bind = tnl_seg6_bind,
	.rebind = tnl_seg6_rebind,
	.unbind = tnl_seg6_unbind,
};
