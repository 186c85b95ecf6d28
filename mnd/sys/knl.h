/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel netlink adapter (knl_; rtnetlink through libnl-3 route): watches links and IPv6 addresses
 * through a libnl cache manager on the GLib main loop, and changes
 * addresses, routes and policy rules. Everything mnd creates carries
 * KNL_PROTO_MND (routes, rules) or a name prefix (links), so that a clean
 * stop and a restart after a crash can find it.
 */
#ifndef MN_SYS_KNL_H
#define MN_SYS_KNL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KNL_PROTO_MND 0xd7 /* rtm_protocol / FRA_PROTOCOL of mnd's routes and rules */
#define KNL_LIFETIME_FOREVER 0xffffffffu

struct knl_events {
	/* Carrier (IFF_LOWER_UP) changed on a link. */
	void (*link)(void *user, int ifindex, const char *name, bool carrier);
	/* An IPv6 address appeared or changed (flags are IFA_F_*: TENTATIVE,
	 * DADFAILED, OPTIMISTIC, DEPRECATED...). */
	void (*addr)(void *user, int ifindex, const struct in6_addr *addr, uint8_t plen,
		     uint32_t flags);
	/* An IPv6 address was removed. */
	void (*addr_del)(void *user, int ifindex, const struct in6_addr *addr, uint8_t plen);
};

/* Open the sockets, fill the caches and attach to the default GLib main
 * context. Returns 0 or a negative errno. */
int knl_init(const struct knl_events *ev, void *user);
void knl_fini(void);

int knl_ifindex(const char *name);
/* Current carrier of a link, or -1 if unknown. */
int knl_carrier(int ifindex);

/* Add or replace an address. flags: IFA_F_NODAD, IFA_F_OPTIMISTIC,
 * IFA_F_NOPREFIXROUTE... Lifetimes in seconds (KNL_LIFETIME_FOREVER). */
int knl_addr_add(int ifindex, const struct in6_addr *a, uint8_t plen, uint32_t flags,
		 uint32_t valid, uint32_t preferred);
int knl_addr_del(int ifindex, const struct in6_addr *a, uint8_t plen);
/* Call fn for every IPv6 address of a link in the cache (valid lifetime
 * in seconds, KNL_LIFETIME_FOREVER if permanent). Returns the count or
 * -errno. Do not change addresses from fn: collect, then act. */
typedef void (*knl_addr_fn)(void *user, const struct in6_addr *a, uint8_t plen, uint32_t flags,
			    uint32_t valid);
int knl_addr_foreach(int ifindex, knl_addr_fn fn, void *user);
/* Flags of an address from the cache, or -1 if it is not there. */
int64_t knl_addr_flags(int ifindex, const struct in6_addr *a);

/* Delete the on-link prefix route(s) for prefix/plen on a link, whoever
 * added them (kernel, RA). Returns the number deleted or -errno. */
int knl_route_del_prefix(int ifindex, const struct in6_addr *prefix, uint8_t plen);
/* Delete every default route on a link whose gateway is not `keep`
 * (keep may be NULL: delete all). Returns the number deleted or -errno. */
int knl_route_del_defaults_except(int ifindex, const struct in6_addr *keep);

/* Policy routing for one kept address: "from src/128 lookup table" at
 * priority prio, and a default route "dev oif" (mtu if non-zero) in that
 * table. Both tagged KNL_PROTO_MND. */
int knl_rule_add_from(const struct in6_addr *src, uint32_t table, uint32_t prio);
int knl_rule_del_from(const struct in6_addr *src, uint32_t table, uint32_t prio);
int knl_route_add_default_dev(uint32_t table, int oif, uint32_t mtu);
int knl_route_del_table(uint32_t table);

/* Policy rules with more selectors, for the kernel data-plane backends:
 * "[from src/src_len] [to dst/dst_len] [ipproto ipproto] lookup table" at
 * priority prio, tagged protocol (FRA_PROTOCOL). A zero length or
 * ipproto is "any". */
struct knl_rule {
	struct in6_addr src, dst;
	uint8_t src_len, dst_len;
	uint8_t ipproto;
	uint8_t protocol;
	uint32_t prio;
	uint32_t table; /* RT_TABLE_LOCAL allowed */
};
/* Add; the same rule already there is success. */
int knl_rule_add(const struct knl_rule *r);
/* Delete every rule with exactly these selectors, priority and table,
 * and, unless r->protocol is 0, this protocol. Returns how many or -errno. */
int knl_rule_del(const struct knl_rule *r);
/* The rules that look up table and have no selector other than those of
 * struct knl_rule: up to max of them into out, in priority order. Returns
 * how many there are (possibly more than max) or -errno. */
int knl_rule_list(uint32_t table, struct knl_rule *out, size_t max);

/* seg6 lightweight tunnels (notes: testbed.md §4), tagged KNL_PROTO_MND,
 * replacing a route to the same destination in that table. plen 0 is the
 * default route (dst may then be NULL). */
/* "dst/plen encap seg6 mode encap.red segs seg dev oif [mtu mtu]": plain
 * IPv6-in-IPv6 to seg (no SRH), the outer source chosen by the kernel. */
int knl_route_add_seg6_encap(uint32_t table, const struct in6_addr *dst, uint8_t plen,
			     const struct in6_addr *seg, int oif, uint32_t mtu);
/* "dst/plen encap seg6local action End.DT6 table lookup dev oif": strip the
 * outer header, route the inner packet in table lookup. */
int knl_route_add_seg6_dt6(uint32_t table, const struct in6_addr *dst, uint8_t plen,
			   uint32_t lookup, int oif);
/* Delete our (KNL_PROTO_MND) route to dst/plen in table. */
int knl_route_del(uint32_t table, const struct in6_addr *dst, uint8_t plen);
/* Does the kernel accept both kinds? Adds one of each to the scratch
 * table through oif and deletes them again. Needs no knl_init(). 0, or
 * -errno with the kernel's reason in why. */
int knl_probe_seg6(uint32_t table, int oif, char *why, size_t len);

/* Remove every rule and route tagged KNL_PROTO_MND (start-up after a
 * crash, clean stop). Returns the number removed or -errno. */
int knl_flush_own(void);

/* /proc/sys/net/ipv6/conf/IF/KEY as an integer. */
int knl_sysctl_get(const char *ifname, const char *key, int *val);
int knl_sysctl_set(const char *ifname, const char *key, int val);

#endif
