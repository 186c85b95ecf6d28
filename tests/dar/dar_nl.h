/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal rtnetlink / generic netlink client for the reference DAR: the
 * per-binding routes of every backend (tagged with DAR_RTPROT so that a
 * stop or a restart finds them), link settings (TUN, ip6tnl), and the seg6
 * tunnel source. The ip6tnl links themselves: mnd/sys/ip6tnl_link.c.
 * All functions return 0 or a negative errno; when `why` is given it
 * receives the kernel's extended-ack message (or strerror).
 */
#ifndef MN_DAR_NL_H
#define MN_DAR_NL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* rtm_protocol of every route mn-dar installs ("mn-dar" is not in
 * /etc/iproute2/rt_protos; `ip -6 route show proto 212` lists them). */
#define DAR_RTPROT 212

struct dar_nl {
	int fd;
	unsigned int seq;
	char why[256]; /* last error text */
};

int dar_nl_open(struct dar_nl *nl, int protocol); /* NETLINK_ROUTE or NETLINK_GENERIC */
void dar_nl_close(struct dar_nl *nl);

/* HoA/128 dev ifindex (replace). */
int dar_nl_route_dev(struct dar_nl *nl, const struct in6_addr *hoa, int ifindex);
/* HoA/128 encap seg6 mode encap.red segs CoA dev ifindex (replace). */
int dar_nl_route_seg6(struct dar_nl *nl, const struct in6_addr *hoa, const struct in6_addr *coa,
		      int ifindex);
/* Delete HoA/128 (main table, our protocol). -ESRCH when absent. */
int dar_nl_route_del(struct dar_nl *nl, const struct in6_addr *hoa);
/* Delete every IPv6 route with protocol DAR_RTPROT; returns how many, or -errno. */
int dar_nl_flush_ours(struct dar_nl *nl);

/* MTU, IPv6 address generation mode "none", then up. */
int dar_nl_link_setup(struct dar_nl *nl, int ifindex, unsigned int mtu);

/* Generic netlink (nl opened with NETLINK_GENERIC): SEG6 tunnel source. */
int dar_genl_seg6_get_tunsrc(struct dar_nl *nl, struct in6_addr *addr);
int dar_genl_seg6_set_tunsrc(struct dar_nl *nl, const struct in6_addr *addr);

#endif
