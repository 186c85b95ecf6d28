/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NETLINK_SOCK_DIAG: which TCP and UDP sockets use a local IPv6 address.
 * One SOCK_DIAG_BY_FAMILY dump per protocol (inet_diag_req_v2), answered
 * synchronously; the per-flow issue adds the destroy-event subscription.
 */
#ifndef MN_SYS_SOCKDIAG_H
#define MN_SYS_SOCKDIAG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct sd_sock {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state; /* TCP_* from <netinet/tcp.h>; UDP: TCP_ESTABLISHED if connected, TCP_CLOSE
			  otherwise */
	struct in6_addr src, dst;
	uint16_t sport, dport; /* host order */
	uint64_t cookie;
	uint32_t uid;
	uint32_t inode;
};

typedef void (*sd_sock_fn)(void *user, const struct sd_sock *s);

/* Call fn for every IPv6 TCP (any state) and UDP socket whose local
 * address is one of addrs[0..n). Returns 0 or -errno. */
int sd_dump(const struct in6_addr *addrs, unsigned int n, sd_sock_fn fn, void *user);

#endif
