/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip6ip6 tunnel links (RFC 2473, the kernel's ip6_tunnel.ko) over
 * rtnetlink with libnl: what both ends of a binding need, shared by mnd's
 * ip6tnl backend (tnl_ip6tnl.c: local = CoA, remote = DAR) and the
 * reference DAR's (tests/dar/mn-dar.c: local = DAR, remote = CoA).
 * Every function returns 0 (or a count) or a negative errno: the
 * kernel's own when it answered with one.
 */
#ifndef MN_SYS_IP6TNL_LINK_H
#define MN_SYS_IP6TNL_LINK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

struct ip6tnl_sock {
	struct nl_sock *sk;
	int err; /* the kernel's errno of the last failed request (set by libnl's callback) */
};

/* The callback keeps a pointer to s: s must stay where it is until closed. */
int ip6tnl_sock_open(struct ip6tnl_sock *s);
void ip6tnl_sock_close(struct ip6tnl_sock *s);

/* Create link `name` (ip6ip6, no encapsulation limit option, hop limit 64)
 * bound to device `link` (0: none), with `mtu` (0: the kernel's choice).
 * -EEXIST if a link of that name exists. */
int ip6tnl_link_add(struct ip6tnl_sock *s, const char *name, int link, const struct in6_addr *local,
		    const struct in6_addr *remote, uint32_t mtu);

/* Delete link `name` if it is an ip6tnl (-EBUSY if it is another kind). */
int ip6tnl_link_del(struct ip6tnl_sock *s, const char *name);

/* Change link (ifindex, name): the tunnel parameters when local and remote
 * are given (both, since the kernel resets what a request leaves out), the
 * MTU when not 0, and set it up. */
int ip6tnl_link_change(struct ip6tnl_sock *s, int ifindex, const char *name, int link,
		       const struct in6_addr *local, const struct in6_addr *remote, uint32_t mtu);

/* Delete every ip6tnl link whose name starts with prefix (what a crashed
 * run left); returns how many. Links of other kinds are left alone. */
int ip6tnl_link_sweep(struct ip6tnl_sock *s, const char *prefix);

/* Whether this kernel can make ip6tnl links: creates and deletes link
 * `name` (remote in the discard prefix 100::/64). 0, or -errno and a
 * reason for a person in why. */
int ip6tnl_link_probe(const char *name, char *why, size_t len);

#endif
