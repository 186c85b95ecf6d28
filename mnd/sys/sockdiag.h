/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NETLINK_SOCK_DIAG: which TCP and UDP sockets use a local IPv6 address
 * (one SOCK_DIAG_BY_FAMILY dump per protocol, inet_diag_req_v2, answered
 * synchronously), and the end of sockets as it happens (the destroy
 * multicast groups SKNLGRP_INET6_TCP_DESTROY and _UDP_DESTROY, read on the
 * GLib main loop).
 */
#ifndef MN_SYS_SOCKDIAG_H
#define MN_SYS_SOCKDIAG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sd_sock {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state; /* TCP_* from <netinet/tcp.h>; UDP: TCP_ESTABLISHED if connected, TCP_CLOSE
			  otherwise */
	struct in6_addr src, dst;
	uint16_t sport, dport; /* host order */
	uint64_t cookie;
	uint32_t uid;
	uint32_t inode;  /* 0: no process owns it (time-wait, orphaned, not yet accepted) */
	uint64_t cgroup; /* cgroup v2 id (INET_DIAG_CGROUP_ID), 0 if the kernel gave none */
};

typedef void (*sd_sock_fn)(void *user, const struct sd_sock *s);

/* Call fn for every IPv6 TCP (any state) and UDP socket whose local
 * address is one of addrs[0..n). Returns 0 or -errno. */
int sd_dump(const struct in6_addr *addrs, unsigned int n, sd_sock_fn fn, void *user);
/* The same for every IPv6 TCP and UDP socket, whatever its address. */
int sd_dump_all(sd_sock_fn fn, void *user);

/* A socket went away (from the destroy groups). */
struct sd_event {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state; /* its state when destroyed */
	struct in6_addr src, dst;
	uint16_t sport, dport;
	uint64_t cookie;
};

/* e == NULL: the kernel dropped notifications (receive buffer overrun);
 * whoever counts on them must look again (dump). */
typedef void (*sd_destroy_fn)(void *user, const struct sd_event *e);

/* Join both IPv6 destroy groups and report on the default GLib main
 * context. Returns 0 or -errno (-EALREADY if running). */
int sd_monitor_start(sd_destroy_fn fn, void *user);
void sd_monitor_stop(void);

/* One datagram from the destroy groups (buf, len as received; groups is
 * the sender's nl_groups mask): calls fn per valid IPv6 TCP/UDP message.
 * Returns how many, or -EBADMSG at the first malformed header (messages
 * before it were reported). Exposed for tests. */
int sd_parse_destroy(const uint8_t *buf, size_t len, uint32_t groups, sd_destroy_fn fn, void *user);

#endif
