/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mobile node: attachment, addresses per DAR, movement, the keep
 * decision, bindings and tunnels (DESIGN §2). Wires the pure core to the
 * kernel adapters on the one GLib main loop.
 */
#ifndef MND_MN_H
#define MND_MN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/anchor.h"
#include "core/keep.h"
#include "sys/sockdiag.h"

#include "config.h"

/* Start on the configured interface. Returns 0, or -1 after logging why. */
int mn_start(struct mnd_config *cfg);
/* Apply a reloaded configuration (what can change at run time). */
void mn_reload(struct mnd_config *cfg);
/* Write the whole state to the log (SIGUSR1). */
void mn_dump(void);
/* De-register, remove every kernel object mnd made, restore sysctls. */
void mn_stop(void);

/* ------------------------------------------------------------------ */
/* What the management side (dbus.c, nm.c) sees and may ask. */

enum mn_state {
	MN_STATE_UNKNOWN,
	MN_STATE_STARTING,
	MN_STATE_WAITING,  /* no DAR heard yet on the managed interface, or no carrier */
	MN_STATE_ATTACHED, /* a current DAR, no move in progress */
	MN_STATE_HANDOVER, /* bindings of a move still unacknowledged */
	MN_STATE_STOPPING,
};

struct mn_handover_info {
	unsigned int seq;
	const struct anchor *from, *to;
	unsigned int kept, released;
	uint32_t duration_ms; /* carrier up (or RA) to the last BA; completed only */
	uint32_t addr_ms;     /* carrier up to the new address usable */
};

/* Events for an observer; `changed` says "look again" after anything
 * visible changed (coalesce it: it can come in bursts). */
struct mn_observer {
	void (*changed)(void *user);
	void (*handover_started)(void *user, const struct mn_handover_info *h);
	void (*handover_completed)(void *user, const struct mn_handover_info *h);
};

void mn_set_observer(const struct mn_observer *ops, void *user);
enum mn_state mn_state(void);
const char *mn_ifname(void);
const struct anchor_table *mn_anchors(void);
const struct anchor *mn_current(void);
/* Continuity sockets last counted on a kept anchor's address. */
unsigned int mn_anchor_flows(const struct anchor *a);
const char *mn_backend_name(void);
const char *mn_backend_reason(void);
unsigned int mn_handovers(void);
uint32_t mn_last_handover_ms(void);

/* Pin one of our addresses: ANCHOR_PIN_KEEP keeps it on every move;
 * ANCHOR_PIN_RELEASE lets it go now if it is kept away from its DAR,
 * else on the next move. 0, -ENOENT (not ours), -EOPNOTSUPP (not a DAR's). */
int mn_pin(const struct in6_addr *addr, enum anchor_pin pin);

/* The live sockets on our addresses and their decided modes. */
typedef void (*mn_flow_fn)(void *user, const struct anchor *a, const struct sd_sock *s,
			   enum keep_mode mode, const char *why);
int mn_list_flows(mn_flow_fn fn, void *user);

/* A hint that the attachment of `ifname` (NULL or "": any) may have
 * changed: solicit a Router Advertisement now. */
void mn_hint(const char *ifname, const char *event);

#endif
