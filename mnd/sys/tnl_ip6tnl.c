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
 * Links are created and changed with libnl's link API on a socket of
 * our own (knl's request socket is private to it); rules and routes go
 * through knl, tagged KNL_PROTO_MND.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip6_tunnel.h> /* after <net/if.h> and <netinet/in.h> (libc-compat) */

#include <glib.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>

#include "sys/knl.h"
#include "sys/tunnel.h"

#define IP6TNL_MAX_BINDINGS 32
#define IP6TNL_MAX_SLOT 100 /* tables 4200-4299, priorities 1100-1199 */
#define IP6TNL_HOP_LIMIT 64
#define IP6TNL_ADDR_GEN_MODE_NONE 1            /* IN6_ADDR_GEN_MODE_NONE */
#define IP6TNL_PROBE_FMT TNL_NAME_PREFIX "p%u" /* probe link: mntp<pid> */

struct ip6tnl_binding {
	bool used;
	struct in6_addr hoa, coa, dar;
	unsigned int slot;
	int link;     /* the managed interface */
	int ifindex;  /* the tunnel link */
	uint32_t mtu; /* the tunnel link's MTU */
	char name[IFNAMSIZ];
};

static struct {
	struct nl_sock *sk;
	int err; /* the kernel's errno of the last failed request */
	struct ip6tnl_binding b[IP6TNL_MAX_BINDINGS];
} I;

/* ---------------------------------------------------------------- netlink */

/* Keep the kernel's errno: libnl folds it into coarser NLE_* codes. */
static int ip6tnl_nl_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	I.err = e->error;
	return NL_STOP;
}

static void ip6tnl_sock_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk); /* closes it too */
}

static int ip6tnl_sock_open(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	err = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, ip6tnl_nl_error, NULL);
	if (err >= 0)
		err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return err == -NLE_PERM ? -EPERM : -EPROTO;
	}
	*out = sk;
	return 0;
}

/* A libnl result as 0 or -errno: the kernel's own errno when it answered
 * with one, else the nearest errno of the NLE_* code. */
static int ip6tnl_result(int nle)
{
	int kerr = I.err;

	I.err = 0;
	if (nle >= 0)
		return 0;
	if (kerr < 0)
		return kerr;
	switch (-nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* An ip6ip6 link object: the whole parameter set, since the kernel's
 * changelink resets whatever a request leaves out. */
static struct rtnl_link *ip6tnl_params(int link, const struct in6_addr *local,
				       const struct in6_addr *remote)
{
	struct rtnl_link *l = rtnl_link_ip6_tnl_alloc();
	struct in6_addr lo = *local, re = *remote;

	if (!l)
		return NULL;
	if (rtnl_link_ip6_tnl_set_link(l, (uint32_t)link) < 0 ||
	    rtnl_link_ip6_tnl_set_local(l, &lo) < 0 || rtnl_link_ip6_tnl_set_remote(l, &re) < 0 ||
	    rtnl_link_ip6_tnl_set_proto(l, IPPROTO_IPV6) < 0 ||
	    /* No Tunnel Encapsulation Limit option: the outer header is
	     * exactly TNL_OUTER_OVERHEAD bytes ("encaplimit none"). */
	    rtnl_link_ip6_tnl_set_flags(l, IP6_TNL_F_IGN_ENCAP_LIMIT) < 0 ||
	    rtnl_link_ip6_tnl_set_encaplimit(l, 0) < 0 ||
	    rtnl_link_ip6_tnl_set_ttl(l, IP6TNL_HOP_LIMIT) < 0) {
		rtnl_link_put(l);
		return NULL;
	}
	return l;
}

static int ip6tnl_link_add(struct nl_sock *sk, const char *name, int link,
			   const struct in6_addr *local, const struct in6_addr *remote,
			   uint32_t mtu)
{
	struct rtnl_link *l = ip6tnl_params(link, local, remote);
	int err;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	/* EXCL: an existing link of that name is not silently reused. */
	err = ip6tnl_result(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(l);
	return err;
}

/* Delete the link of that name if it is an ip6tnl: a TUN mnt0 belongs to
 * the tun backend (of another mnd), whatever its name says. */
static int ip6tnl_link_del(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = NULL;
	int err;

	err = ip6tnl_result(rtnl_link_get_kernel(sk, 0, name, &l));
	if (err < 0)
		return err;
	if (rtnl_link_is_ip6_tnl(l))
		err = ip6tnl_result(rtnl_link_delete(sk, l));
	else
		err = -EBUSY;
	rtnl_link_put(l);
	return err;
}

/* Change an existing link: tunnel parameters (if local is given), MTU
 * (if not 0) and up. The kernel applies the parameters before the MTU,
 * so the MTU asked for is the one that stays. */
static int ip6tnl_link_change(const struct ip6tnl_binding *b, const struct in6_addr *local,
			      uint32_t mtu)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg;
	int err;

	chg = local ? ip6tnl_params(b->link, local, &b->dar) : rtnl_link_alloc();
	if (!orig || !chg) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, b->ifindex);
	rtnl_link_set_name(orig, b->name);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	rtnl_link_set_flags(chg, IFF_UP);
	err = ip6tnl_result(rtnl_link_change(I.sk, orig, chg, 0));
out:
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
	return err;
}

/* Delete every ip6tnl link named mnt*: what a crashed or killed mnd left
 * behind. The tun backend's mnt0 is a TUN device and is left alone. */
struct ip6tnl_sweep {
	GPtrArray *names;
};

static void ip6tnl_sweep_one(struct nl_object *obj, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct ip6tnl_sweep *s = arg;
	const char *name = rtnl_link_get_name(l);

	if (name && g_str_has_prefix(name, TNL_NAME_PREFIX) && rtnl_link_is_ip6_tnl(l))
		g_ptr_array_add(s->names, g_strdup(name));
}

static int ip6tnl_sweep(void)
{
	struct ip6tnl_sweep s;
	struct nl_cache *cache;
	int err, n = 0;

	err = ip6tnl_result(rtnl_link_alloc_cache(I.sk, AF_UNSPEC, &cache));
	if (err < 0)
		return err;
	s.names = g_ptr_array_new_with_free_func(g_free);
	nl_cache_foreach(cache, ip6tnl_sweep_one, &s);
	nl_cache_free(cache);
	for (unsigned int i = 0; i < s.names->len; i++)
		if (ip6tnl_link_del(I.sk, g_ptr_array_index(s.names, i)) == 0)
			n++;
	g_ptr_array_unref(s.names);
	return n;
}

/* ---------------------------------------------------------------- backend */

/*
 * Create and delete a throw-away ip6ip6 link: the only sure test, since
 * the module may be loadable but not loaded, and creating the link is
 * what loads it. Its remote is in the discard-only prefix 100::/64
 * (RFC 6666), which no real tunnel uses, and it never comes up.
 */
static int ip6tnl_probe(char *why, size_t len)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct in6_addr discard = {.s6_addr = {0x01, [15] = 1}};
	char name[IFNAMSIZ];
	struct nl_sock *sk;
	int err;

	err = ip6tnl_sock_open(&sk);
	if (err < 0) {
		snprintf(why, len, "rtnetlink: %s", g_strerror(-err));
		return err;
	}
	snprintf(name, sizeof(name), IP6TNL_PROBE_FMT, (unsigned int)getpid());
	err = ip6tnl_link_add(sk, name, 0, &any, &discard, 0);
	if (err == -EEXIST) {
		/* A probe link of a dead process with our pid. */
		(void)ip6tnl_link_del(sk, name);
		err = ip6tnl_link_add(sk, name, 0, &any, &discard, 0);
	}
	if (err == 0)
		(void)ip6tnl_link_del(sk, name);
	ip6tnl_sock_close(sk);
	/* The kernel's words for an unknown link kind (no module to load). */
	if (err == -EOPNOTSUPP)
		snprintf(why, len, "kernel has no ip6_tunnel (Unknown device type)");
	else if (err == -EPERM)
		snprintf(why, len, "creating an ip6tnl link: %s (needs CAP_NET_ADMIN)",
			 g_strerror(-err));
	else if (err < 0)
		snprintf(why, len, "creating an ip6tnl link: %s", g_strerror(-err));
	return err;
}

static int ip6tnl_init(void)
{
	int err;

	if (I.sk)
		return -EALREADY;
	memset(&I.b, 0, sizeof(I.b));
	err = ip6tnl_sock_open(&I.sk);
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
	for (size_t i = 0; i < IP6TNL_MAX_BINDINGS; i++)
		if (I.b[i].used && memcmp(&I.b[i].hoa, hoa, sizeof(*hoa)) == 0)
			return &I.b[i];
	return NULL;
}

/* Remove one binding's rule, table and link; "already gone" is fine.
 * Returns the first other error. */
static int ip6tnl_teardown(const struct ip6tnl_binding *b)
{
	uint32_t table = TNL_TABLE_BASE + b->slot;
	int rc, first = 0;

	rc = knl_rule_del_from(&b->hoa, table, TNL_RULE_PRIO_BASE + b->slot);
	if (rc < 0 && rc != -ENOENT && rc != -ESRCH)
		first = rc;
	rc = knl_route_del_table(table);
	if (rc < 0 && rc != -ENOENT && rc != -ESRCH && !first)
		first = rc;
	rc = ip6tnl_link_del(I.sk, b->name);
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
	if (!I.sk)
		return -ENODEV;
	if (tb->slot >= IP6TNL_MAX_SLOT || tb->ifindex <= 0)
		return -ERANGE;
	if (ip6tnl_find(&tb->hoa))
		return -EEXIST;
	for (size_t i = 0; i < IP6TNL_MAX_BINDINGS; i++) {
		if (I.b[i].used && I.b[i].slot == tb->slot)
			return -EEXIST;
		if (!I.b[i].used && !b)
			b = &I.b[i];
	}
	if (!b)
		return -ENOSPC;

	memset(b, 0, sizeof(*b));
	b->hoa = tb->hoa;
	b->coa = tb->coa;
	b->dar = tb->dar;
	b->slot = tb->slot;
	b->link = tb->ifindex;
	b->mtu = tnl_inner_mtu(tb->mtu);
	snprintf(b->name, sizeof(b->name), TNL_NAME_PREFIX "%u", tb->slot);
	table = TNL_TABLE_BASE + tb->slot;

	rc = ip6tnl_link_add(I.sk, b->name, b->link, &b->coa, &b->dar, b->mtu);
	if (rc == -EEXIST) {
		/* A link of that name from before (a crash since init): ours
		 * by its name, so replace it. */
		(void)ip6tnl_link_del(I.sk, b->name);
		rc = ip6tnl_link_add(I.sk, b->name, b->link, &b->coa, &b->dar, b->mtu);
	}
	if (rc < 0)
		return rc;
	b->used = true;
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
		rc = ip6tnl_link_change(b, NULL, b->mtu);
	/* The route needs the link up; its MTU follows the link's. */
	if (rc == 0)
		rc = knl_route_add_default_dev(table, b->ifindex, 0);
	if (rc == 0)
		rc = knl_rule_add_from(&b->hoa, table, TNL_RULE_PRIO_BASE + b->slot);
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
	rc = ip6tnl_link_change(b, coa, mtu);
	if (rc == 0) {
		b->coa = *coa;
		b->mtu = mtu;
		tb->coa = *coa;
		g_strlcpy(tb->dev, b->name, sizeof(tb->dev));
		return 0;
	}
	/* The kernel would not change it in place: build the binding anew
	 * (a moment without the tunnel, while the binding moves anyway). */
	again = *tb;
	again.coa = *coa;
	again.slot = b->slot;
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
	if (!I.sk)
		return;
	for (size_t i = 0; i < IP6TNL_MAX_BINDINGS; i++) {
		if (!I.b[i].used)
			continue;
		(void)ip6tnl_teardown(&I.b[i]);
		memset(&I.b[i], 0, sizeof(I.b[i]));
	}
	(void)ip6tnl_sweep();
	ip6tnl_sock_close(I.sk);
	I.sk = NULL;
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
