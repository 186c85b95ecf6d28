// SPDX-License-Identifier: BSD-3-Clause
/*
 * ip6ip6 tunnel links over rtnetlink (libnl route), for both ends of a
 * binding: mnd's ip6tnl backend and the reference DAR's. A socket of the
 * caller's own (knl's request socket is private to it).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/ip6_tunnel.h> /* after <net/if.h> and <netinet/in.h> (libc-compat) */

#include <glib.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>

#include "sys/ip6tnl_link.h"

#define IP6TNL_HOP_LIMIT 64

/* Keep the kernel's errno: libnl folds it into coarser NLE_* codes. */
static int ip6tnl_nl_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	*(int *)arg = e->error;
	return NL_STOP;
}

int ip6tnl_sock_open(struct ip6tnl_sock *s)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	s->sk = NULL;
	s->err = 0;
	if (!sk)
		return -ENOMEM;
	err = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, ip6tnl_nl_error, &s->err);
	if (err >= 0)
		err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return err == -NLE_PERM ? -EPERM : -EPROTO;
	}
	s->sk = sk;
	return 0;
}

void ip6tnl_sock_close(struct ip6tnl_sock *s)
{
	if (s->sk)
		nl_socket_free(s->sk); /* closes it too */
	s->sk = NULL;
}

/* A libnl result as 0 or -errno: the kernel's own errno when it answered
 * with one, else the nearest errno of the NLE_* code. */
static int ip6tnl_result(struct ip6tnl_sock *s, int nle)
{
	int kerr = s->err;

	s->err = 0;
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
	     * exactly 40 bytes ("encaplimit none"), as with the other
	     * backends. */
	    rtnl_link_ip6_tnl_set_flags(l, IP6_TNL_F_IGN_ENCAP_LIMIT) < 0 ||
	    rtnl_link_ip6_tnl_set_encaplimit(l, 0) < 0 ||
	    rtnl_link_ip6_tnl_set_ttl(l, IP6TNL_HOP_LIMIT) < 0) {
		rtnl_link_put(l);
		return NULL;
	}
	return l;
}

int ip6tnl_link_add(struct ip6tnl_sock *s, const char *name, int link, const struct in6_addr *local,
		    const struct in6_addr *remote, uint32_t mtu)
{
	struct rtnl_link *l;
	int err;

	if (!s->sk || !name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	l = ip6tnl_params(link, local, remote);
	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	/* EXCL: an existing link of that name is not silently reused. */
	err = ip6tnl_result(s, rtnl_link_add(s->sk, l, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(l);
	return err;
}

/* Only an ip6tnl: a TUN of the same name belongs to a tun backend, whatever
 * its name says. */
int ip6tnl_link_del(struct ip6tnl_sock *s, const char *name)
{
	struct rtnl_link *l = NULL;
	int err;

	if (!s->sk || !name)
		return -EINVAL;
	err = ip6tnl_result(s, rtnl_link_get_kernel(s->sk, 0, name, &l));
	if (err < 0)
		return err;
	if (rtnl_link_is_ip6_tnl(l))
		err = ip6tnl_result(s, rtnl_link_delete(s->sk, l));
	else
		err = -EBUSY;
	rtnl_link_put(l);
	return err;
}

/* The kernel applies the parameters before the MTU, so the MTU asked for
 * is the one that stays. */
int ip6tnl_link_change(struct ip6tnl_sock *s, int ifindex, const char *name, int link,
		       const struct in6_addr *local, const struct in6_addr *remote, uint32_t mtu)
{
	struct rtnl_link *orig, *chg;
	int err;

	if (!s->sk || ifindex <= 0 || !name || !local != !remote)
		return -EINVAL;
	orig = rtnl_link_alloc();
	chg = local ? ip6tnl_params(link, local, remote) : rtnl_link_alloc();
	if (!orig || !chg) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_set_name(orig, name);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	rtnl_link_set_flags(chg, IFF_UP);
	err = ip6tnl_result(s, rtnl_link_change(s->sk, orig, chg, 0));
out:
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
	return err;
}

struct ip6tnl_sweep {
	const char *prefix;
	GPtrArray *names;
};

static void ip6tnl_sweep_one(struct nl_object *obj, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct ip6tnl_sweep *sw = arg;
	const char *name = rtnl_link_get_name(l);

	if (name && g_str_has_prefix(name, sw->prefix) && rtnl_link_is_ip6_tnl(l))
		g_ptr_array_add(sw->names, g_strdup(name));
}

int ip6tnl_link_sweep(struct ip6tnl_sock *s, const char *prefix)
{
	struct ip6tnl_sweep sw = {.prefix = prefix};
	struct nl_cache *cache;
	int err, n = 0;

	if (!s->sk || !prefix || !*prefix)
		return -EINVAL;
	err = ip6tnl_result(s, rtnl_link_alloc_cache(s->sk, AF_UNSPEC, &cache));
	if (err < 0)
		return err;
	/* Names first, deletions after: the cache is not walked while the
	 * kernel changes what it describes. */
	sw.names = g_ptr_array_new_with_free_func(g_free);
	nl_cache_foreach(cache, ip6tnl_sweep_one, &sw);
	nl_cache_free(cache);
	for (unsigned int i = 0; i < sw.names->len; i++)
		if (ip6tnl_link_del(s, g_ptr_array_index(sw.names, i)) == 0)
			n++;
	g_ptr_array_unref(sw.names);
	return n;
}

/*
 * Creating a throw-away link is the only sure test, since the module may be
 * loadable but not loaded, and creating the link is what loads it. Its
 * remote is in the discard-only prefix 100::/64 (RFC 6666), which no real
 * tunnel uses, and it never comes up.
 */
int ip6tnl_link_probe(const char *name, char *why, size_t len)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	const struct in6_addr discard = {.s6_addr = {0x01, [15] = 1}};
	struct ip6tnl_sock s;
	int err;

	err = ip6tnl_sock_open(&s);
	if (err < 0) {
		snprintf(why, len, "rtnetlink: %s", g_strerror(-err));
		return err;
	}
	err = ip6tnl_link_add(&s, name, 0, &any, &discard, 0);
	if (err == -EEXIST) {
		/* A probe link of a dead process with the same name (pid). */
		(void)ip6tnl_link_del(&s, name);
		err = ip6tnl_link_add(&s, name, 0, &any, &discard, 0);
	}
	if (err == 0)
		(void)ip6tnl_link_del(&s, name);
	ip6tnl_sock_close(&s);
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
