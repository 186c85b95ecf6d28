/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane backends (DESIGN §4): one interface, chosen at start.
 * A binding gives a kept address (HoA) a path through its DAR from the
 * current CoA: uplink "from HoA" -> a table whose default route enters
 * the tunnel; downlink: packets DAR -> CoA carrying an inner packet for
 * the HoA are decapsulated and delivered locally.
 */
#ifndef MN_SYS_TUNNEL_H
#define MN_SYS_TUNNEL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TNL_NAME_PREFIX "mnt"   /* links mnd creates: mnt0, mnt1... */
#define TNL_TABLE_BASE 4200     /* routing table of binding i: base + i */
#define TNL_RULE_PRIO_BASE 1100 /* "from HoA" rules: after the local rule */
#define TNL_OUTER_OVERHEAD 40
#define TNL_MIN_MTU 1280 /* IPv6 minimum link MTU */
#define TNL_DEFAULT_LINK_MTU 1500

struct tnl_binding {
	struct in6_addr hoa, coa, dar;
	int ifindex;       /* the managed interface the CoA is on */
	uint32_t mtu;      /* its MTU */
	unsigned int slot; /* small integer chosen by the caller: table and priority */
	char dev[16];      /* set by the backend: the device carrying the tunnel */
};

/* What every backend keeps of a binding, as the first member of its own
 * entry, so that one lookup and one allocation serve all three. */
struct tnl_entry {
	bool used;
	struct in6_addr hoa, coa, dar;
	unsigned int slot;
};

/* The entry for hoa in a backend's table (n entries of `size` bytes, each
 * starting with a struct tnl_entry), or NULL. */
struct tnl_entry *tnl_entry_find(void *table, size_t n, size_t size, const struct in6_addr *hoa);
/* A free entry for b, zeroed, its tnl_entry filled in and marked used; NULL
 * with *err = -EEXIST (the HoA or the slot is bound already) or -ENOSPC. */
struct tnl_entry *tnl_entry_claim(void *table, size_t n, size_t size, const struct tnl_binding *b,
				  int *err);

struct tnl_backend {
	const char *name;
	/* 0 if usable on this kernel; else -errno and a reason in why. */
	int (*probe)(char *why, size_t len);
	int (*init)(void);
	void (*fini)(void);
	int (*bind)(struct tnl_binding *b);
	/* The CoA changed (a move while bound). */
	int (*rebind)(struct tnl_binding *b, const struct in6_addr *coa);
	int (*unbind)(struct tnl_binding *b);
};

extern const struct tnl_backend tnl_seg6;
extern const struct tnl_backend tnl_tun;

/* Inner MTU for a link MTU: room for the outer header, never below the
 * IPv6 minimum (RFC 2473: at 1280 the outer packet gets fragmented);
 * 0 means unknown (1500 assumed). */
uint32_t tnl_inner_mtu(uint32_t link_mtu);
extern const struct tnl_backend tnl_ip6tnl;

/* "auto", "tun", "seg6", "ip6tnl": the backend, or NULL with a reason. */
const struct tnl_backend *tnl_select(const char *name, char *why, size_t len);

#endif
