/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signalling I/O in the tunnelled framing (notes: "Project profile" (a)).
 * Two raw sockets on the GLib main loop:
 *  - protocol 41: sends BUs as inner IPv6 (HoA -> DAR, next header 135)
 *    inside an outer header CoA -> DAR that the kernel adds; receives
 *    every IPv6-in-IPv6 packet delivered to this host: inner Mobility
 *    Headers go to the signalling callback with both headers' addresses,
 *    anything else to the data handler of the `tun` backend (or is
 *    dropped and counted);
 *  - protocol 135 (Mobility Header): BAs the kernel already decapsulated
 *    (kernel backends) or that arrive natively (returning home), and the
 *    native de-registration BU at home.
 */
#ifndef MN_SYS_SIG_H
#define MN_SYS_SIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sig_rx {
	struct in6_addr src, dst; /* the header carrying the MH (inner if tunnelled) */
	bool tunnelled;
	struct in6_addr osrc, odst; /* outer header, when tunnelled */
	int ifindex;
	const uint8_t *mh;
	size_t len;
};

typedef void (*sig_mh_fn)(void *user, const struct sig_rx *rx);
/* A non-MH inner packet from a protocol-41 packet osrc -> odst; return
 * true when consumed. */
typedef bool (*sig_data_fn)(void *user, const struct in6_addr *osrc, const struct in6_addr *odst,
			    const uint8_t *pkt, size_t len);

struct sig_stats {
	uint64_t rx_mh, rx_data, tx_mh, tx_data;
	uint64_t drop_short, drop_checksum, drop_not_ours;
};

int sig_init(sig_mh_fn fn, void *user);
void sig_fini(void);
void sig_set_data_handler(sig_data_fn fn, void *user);
/* On a raw protocol-41 socket, keep only packets whose inner header
 * carries a Mobility Header (a socket filter), or (on = false) everything
 * again. 0 or -errno. sig.c does this for its own socket whenever no data
 * handler is set; exported for mn-dar's ip6tnl backend. */
int sig_mh_only(int fd, bool on);
const struct sig_stats *sig_stats(void);

/* MH (checksum already set for src -> dst) inside IPv6 src -> dst inside
 * IPv6 osrc -> odst. */
int sig_send_tunnelled(const struct in6_addr *osrc, const struct in6_addr *odst,
		       const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		       size_t len);
/* MH natively from src to dst (returning home). */
int sig_send_native(int ifindex, const struct in6_addr *src, const struct in6_addr *dst,
		    const uint8_t *mh, size_t len);
/* A whole inner IPv6 packet inside IPv6 osrc -> odst (tun backend uplink). */
int sig_send_encap(const struct in6_addr *osrc, const struct in6_addr *odst, const uint8_t *pkt,
		   size_t len);

#endif
