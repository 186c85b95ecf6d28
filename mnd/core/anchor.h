/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anchors: one entry per DAR the node has seen, with the CGA it formed
 * there, its role and, while the address is kept away from that DAR, the
 * binding (a BUL entry) and the tunnel. A fixed table: its index is the
 * slot that names the binding's routing table and rule priority.
 */
#ifndef MN_CORE_ANCHOR_H
#define MN_CORE_ANCHOR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bul.h"

#define ANCHOR_MAX 16
#define ANCHOR_CGA_PARAMS_MAX 1024

enum anchor_role {
	ANCHOR_CURRENT,    /* attached to this DAR: its address is used natively */
	ANCHOR_KEPT,       /* away: the address is kept, bound (or binding) at the DAR */
	ANCHOR_RELEASED,   /* away: the address was let go */
	ANCHOR_HOME_AGAIN, /* back at this DAR: de-registering, address native again */
};

/* What the user asked for an address (D-Bus KeepAddress/ReleaseAddress);
 * NONE: its flows decide. */
enum anchor_pin {
	ANCHOR_PIN_NONE,
	ANCHOR_PIN_KEEP,    /* keep on every move, flows or not */
	ANCHOR_PIN_RELEASE, /* let go: now if kept, else at the next move */
};

struct anchor {
	bool used;
	unsigned int slot;
	struct in6_addr dar; /* the DAR's global address (PIO with R) */
	struct in6_addr prefix;
	uint8_t plen;
	bool is_dar;               /* the RA had the Home Agent flag */
	struct in6_addr router_ll; /* the router's link-local address */
	int ifindex;
	enum anchor_role role;
	enum anchor_pin pin;
	uint64_t first_seen, last_seen; /* monotonic ms */
	uint32_t ra_valid, ra_preferred;

	bool have_addr; /* our CGA under the prefix is assigned */
	struct in6_addr addr;
	uint8_t collisions;
	uint32_t kflags; /* IFA_F_* last reported by the kernel */
	bool send_retry; /* the last BU could not leave: the CoA is still tentative */
	unsigned int send_retries;
	uint8_t cga_params[ANCHOR_CGA_PARAMS_MAX];
	size_t cga_params_len;

	bool bul_active;
	struct bul_entry bul;
	bool tunnel_up;
	struct in6_addr tunnel_coa;
	char tunnel_dev[16];
};

struct anchor_table {
	struct anchor a[ANCHOR_MAX];
};

struct anchor *anchor_find_dar(struct anchor_table *t, const struct in6_addr *dar);
struct anchor *anchor_find_addr(struct anchor_table *t, const struct in6_addr *addr);
/* A free entry (slot set), or NULL when the table is full: the caller
 * then recycles the oldest released anchor with anchor_reclaim(). */
struct anchor *anchor_new(struct anchor_table *t);
struct anchor *anchor_reclaim(struct anchor_table *t);
void anchor_free(struct anchor *a);
const char *anchor_role_name(enum anchor_role r);

#define anchor_foreach(t, p)                                                                       \
	for (p = (t)->a; p < (t)->a + ANCHOR_MAX; p++)                                             \
		if (p->used)

#endif
