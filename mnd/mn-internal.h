/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mobile node's state, shared by mn.c (the work) and mn-manage.c (what
 * the management side sees and may ask). Nothing else includes this.
 */
#ifndef MND_MN_INTERNAL_H
#define MND_MN_INTERNAL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "core/anchor.h"
#include "proto/mh.h"
#include "mn.h"
#include "proto/cga.h"
#include "proto/crypto.h"
#include "sys/keystore.h"
#include "sys/tunnel.h"

struct mn_handover {
	unsigned int seq;
	bool active;
	uint64_t t0;      /* carrier up (or the RA, if no carrier event) */
	uint64_t t_addr;  /* new address assigned (optimistic: usable) */
	uint64_t t_bound; /* last BA of the handover */
	unsigned int pending, kept, released;
	struct in6_addr from, to;
};

struct mn_pending_bu {
	struct anchor *a;
	enum bul_auth auth;
	uint16_t seq;
	uint32_t lifetime;
	size_t len;
	uint8_t buf[MH_MAX_LEN];
};

struct mn {
	struct mnd_config *cfg;
	EVP_PKEY *key;
	uint8_t *spki;
	size_t spki_len;
	struct ks_cga cga;
	const struct tnl_backend *backend;

	char ifname[16];
	int ifindex;
	uint32_t mtu;
	int carrier;
	int saved_autoconf;
	bool autoconf_changed;
	int saved_optimistic[2];
	bool optimistic_changed[2];
	guint send_retry_timer;
	struct {
		bool on;
		unsigned int n;
		struct mn_pending_bu bu[ANCHOR_MAX];
	} batch;
	uint64_t carrier_up_at;

	struct anchor_table anchors;
	struct anchor *current;
	struct mn_handover ho;
	bool ho_pending[ANCHOR_MAX];

	guint timer;
	uint64_t timer_at;
	char *status_path;
	char *status_last; /* what the status file holds */
	bool stopping;

	/* The flow tracker, per kept anchor: the cookies of its continuity
	 * sockets (from the last dump), and whether to look again. */
	GHashTable *flows[ANCHOR_MAX];
	const char *recheck[ANCHOR_MAX]; /* reason to look again, NULL: none */
	guint recheck_src;
	uint64_t recheck_at;
	bool monitor; /* destroy events arrive */
	bool ctl;     /* the control socket is served */

	/* The management side (mn-manage.c) */
	const struct mn_observer *obs;
	void *obs_user;
	char backend_why[160];
	unsigned int handovers; /* completed */
	uint32_t last_handover_ms;
};

extern struct mn mn;

uint64_t mn_now(void);
/* Write the status file and tell the observer something changed. */
void mn_write_status(void);
/* Let a kept address go now: de-register, tunnel and address down. */
void mn_release(struct anchor *a, struct anchor *cur, uint64_t now);
void mn_reschedule(void);

/* mn-flows.c: the flow tracker */
#define MN_RECHECK_RETRY_MS 1000  /* a failed dump is tried again after this */
#define MN_RECHECK_SILENT_MS 3000 /* half-open connections end without an event */
struct ctl_ops;
struct sd_event;
extern const struct ctl_ops mn_ctl_ops;
/* Forget what the tracker knew of this anchor's sockets. */
void mn_flows_clear(struct anchor *a);
/* Dump the anchors marked in mn.recheck[] in delay_ms (or sooner if due). */
void mn_recheck_schedule(unsigned int delay_ms);
void mn_on_sock_destroy(void *user, const struct sd_event *e);

#endif
