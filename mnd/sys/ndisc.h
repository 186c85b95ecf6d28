/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Router discovery on a raw ICMPv6 socket: Router Solicitations sent at
 * once on carrier-up (the kernel sends none after a carrier flap), and
 * Router Advertisements parsed for what DMM needs (notes: "Project
 * profile" (i)): the Home Agent flag, each prefix, its lifetimes and the
 * DAR's global address (Prefix Information option with the R flag).
 */
#ifndef MN_SYS_NDISC_H
#define MN_SYS_NDISC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NDISC_MAX_PREFIXES 8

struct ndisc_prefix {
	struct in6_addr prefix; /* masked to plen */
	uint8_t plen;
	bool onlink;          /* L */
	bool autonomous;      /* A */
	bool router_addr;     /* R: `addr` holds the router's address */
	struct in6_addr addr; /* the Prefix field as sent (full address when R) */
	uint32_t valid;       /* seconds */
	uint32_t preferred;
};

struct ndisc_ra {
	int ifindex;
	struct in6_addr src; /* the router's link-local address */
	uint8_t hop_limit;
	uint8_t flags;            /* M 0x80, O 0x40, H 0x20 */
	bool home_agent;          /* H */
	uint16_t router_lifetime; /* seconds */
	struct ndisc_prefix prefixes[NDISC_MAX_PREFIXES];
	unsigned int n_prefixes;
};

/* Parse an RA (ICMPv6 message starting at the type byte). Pure and
 * bounds-checked: returns MN_OK or an enum mn_err. Options other than
 * Prefix Information are skipped; a zero-length option is an error. */
int ndisc_parse_ra(const uint8_t *buf, size_t len, struct ndisc_ra *ra);

typedef void (*ndisc_ra_fn)(void *user, const struct ndisc_ra *ra);

/* Open the ICMPv6 socket (RA filter, hop limit 255 checked) on the GLib
 * main loop. Returns 0 or -errno. */
int ndisc_init(ndisc_ra_fn cb, void *user);
void ndisc_fini(void);
/* Send one Router Solicitation on ifindex to ff02::2. */
int ndisc_send_rs(int ifindex);

#endif
