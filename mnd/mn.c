// SPDX-License-Identifier: BSD-3-Clause
/*
 * The mobile node (DESIGN §2): attach, form a CGA per DAR, on a move
 * deprecate the old addresses and clean the old link, keep only what
 * live flows need, register those with their DARs in parallel, bring up
 * their tunnels, and come home again. A kept address is let go as soon as
 * its last continuity flow ends (the flow tracker: sock_diag destroy
 * events, checked against a dump of that address; mn-flows.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/if_addr.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/anchor.h"
#include "core/bul.h"
#include "core/keep.h"
#include "core/rules.h"
#include "ctl.h"
#include "flow.h"
#include "log.h"
#include "mn.h"
#include "mn-internal.h"
#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"
#include "sys/keystore.h"
#include "sys/ndisc.h"
#include "sys/knl.h"
#include "sys/sig.h"
#include "sys/sockdiag.h"
#include "sys/tunnel.h"

#define MN_VALID_SLACK 60 /* seconds a kept address outlives its binding */

struct mn mn;

uint64_t mn_now(void)
{
	return (uint64_t)(g_get_monotonic_time() / 1000);
}

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static struct anchor *mn_anchor_of(struct bul_entry *e)
{
	return (struct anchor *)((char *)e - offsetof(struct anchor, bul));
}

/* ------------------------------------------------------------------ */
/* Binding Update List operations */

#define MN_SEND_RETRY_MS 20
#define MN_SEND_RETRY_MAX 50

static struct bul_ctx mn_bulc(void);

/* A new CoA may still be tentative for a few milliseconds after it was
 * added (and for all of DAD where optimistic addresses are off): the
 * kernel then refuses it as a source. Waiting for the 1 s retransmission
 * would add a second to the handover, so such a BU is sent again soon. */
static gboolean mn_send_retry_cb(gpointer data)
{
	struct bul_ctx c = mn_bulc();
	uint64_t now = mn_now();
	struct anchor *a;

	mn.send_retry_timer = 0;
	anchor_foreach(&mn.anchors, a)
	{
		if (!a->send_retry || !a->bul_active)
			continue;
		a->send_retry = false;
		if (a->bul.state == BUL_REGISTERING)
			bul_register(&c, &a->bul, &a->bul.coa, now);
		else if (a->bul.state == BUL_DEREGISTERING)
			bul_deregister(&c, &a->bul, &a->bul.coa, now);
	}
	mn_reschedule();
	return G_SOURCE_REMOVE;
}

static void mn_send_retry_later(struct anchor *a)
{
	if (a->send_retries++ >= MN_SEND_RETRY_MAX)
		return; /* the BUL's own retransmission takes over */
	a->send_retry = true;
	if (!mn.send_retry_timer)
		mn.send_retry_timer = g_timeout_add(MN_SEND_RETRY_MS, mn_send_retry_cb, NULL);
}

static int mn_transmit_bu(struct anchor *a, const uint8_t *buf, size_t len, enum bul_auth auth,
			  uint16_t seq, uint32_t lifetime)
{
	const struct bul_entry *e = &a->bul;
	int rc;

	/* At home the BU goes natively from the HoA (CoA == HoA). */
	if (addr_eq(&e->coa, &e->hoa))
		rc = sig_send_native(mn.ifindex, &e->hoa, &e->dar, buf, len);
	else
		rc = sig_send_tunnelled(&e->coa, &e->dar, &e->hoa, &e->dar, buf, len);
	log_info("bu-sent dar=%s hoa=%s coa=%s seq=%u auth=%s lifetime=%u%s%s", log_addr(&e->dar),
		 log_addr(&e->hoa), log_addr(&e->coa), seq, auth == BUL_AUTH_CGA ? "cga" : "token",
		 lifetime, rc < 0 ? " error=" : "", rc < 0 ? g_strerror(-rc) : "");
	if (rc == -EINVAL || rc == -EADDRNOTAVAIL)
		mn_send_retry_later(a);
	else if (rc >= 0)
		a->send_retries = 0;
	return rc < 0 ? MN_ERR_IO : MN_OK;
}

/* During a handover every BU is built (and signed) first and then all
 * leave back to back, so that the DARs are told in parallel rather than
 * one signature apart. */
static void mn_batch_begin(void)
{
	mn.batch.on = true;
	mn.batch.n = 0;
}

static void mn_batch_flush(void)
{
	mn.batch.on = false;
	for (unsigned int i = 0; i < mn.batch.n; i++) {
		struct mn_pending_bu *p = &mn.batch.bu[i];

		mn_transmit_bu(p->a, p->buf, p->len, p->auth, p->seq, p->lifetime);
	}
	mn.batch.n = 0;
}

static int mn_send_bu(void *user, struct bul_entry *e, enum bul_auth auth, uint16_t seq,
		      uint32_t lifetime, uint8_t kbm[MN_KBM_LEN])
{
	struct anchor *a = mn_anchor_of(e);
	struct msg_bu bu = {.seq = seq, .hoa = e->hoa, .coa = e->coa, .dar = e->dar};
	uint8_t buf[MH_MAX_LEN];
	size_t len;
	int err;

	bu.lifetime = lifetime ? msg_lifetime_units(lifetime) : 0;
	if (lifetime && !bu.lifetime)
		bu.lifetime = 1;
	if (auth == BUL_AUTH_CGA)
		err = msg_build_bu_cga(buf, sizeof(buf), &len, &bu, a->cga_params,
				       a->cga_params_len, mn.key);
	else
		err = msg_build_bu_token(buf, sizeof(buf), &len, &bu, e->phkt, NULL, 0, kbm);
	if (err) {
		log_err("bu-build-failed dar=%s hoa=%s error=%s", log_addr(&e->dar),
			log_addr(&e->hoa), mn_err_name(err));
		return err;
	}
	if (mn.batch.on && mn.batch.n < ANCHOR_MAX) {
		struct mn_pending_bu *p = &mn.batch.bu[mn.batch.n++];

		memcpy(p->buf, buf, len);
		p->len = len;
		p->a = a;
		p->auth = auth;
		p->seq = seq;
		p->lifetime = lifetime;
		return MN_OK;
	}
	return mn_transmit_bu(a, buf, len, auth, seq, lifetime);
}

static void mn_handover_check_done(void)
{
	struct mn_handover *h = &mn.ho;

	if (!h->active || h->pending)
		return;
	h->active = false;
	mn.handovers++;
	mn.last_handover_ms = (uint32_t)((h->t_bound ? h->t_bound : h->t_addr) - h->t0);
	log_info("handover-complete seq=%u from=%s to=%s kept=%u released=%u addr_ms=%llu "
		 "bound_ms=%llu",
		 h->seq, log_addr(&h->from), log_addr(&h->to), h->kept, h->released,
		 (unsigned long long)(h->t_addr - h->t0),
		 (unsigned long long)((h->t_bound ? h->t_bound : h->t_addr) - h->t0));
	if (mn.obs && mn.obs->handover_completed) {
		struct mn_handover_info hi = {
			.seq = h->seq,
			.from = anchor_find_dar(&mn.anchors, &h->from),
			.to = anchor_find_dar(&mn.anchors, &h->to),
			.kept = h->kept,
			.released = h->released,
			.duration_ms = mn.last_handover_ms,
			.addr_ms = (uint32_t)(h->t_addr - h->t0),
		};

		mn.obs->handover_completed(mn.obs_user, &hi);
	}
}

static void mn_handover_settle(struct anchor *a)
{
	if (mn.ho_pending[a->slot]) {
		mn.ho_pending[a->slot] = false;
		if (mn.ho.pending)
			mn.ho.pending--;
		mn.ho.t_bound = mn_now();
		mn_handover_check_done();
	}
}

static void mn_tunnel_down(struct anchor *a)
{
	struct tnl_binding b = {0};
	int rc;

	if (!a->tunnel_up)
		return;
	b.hoa = a->addr;
	b.coa = a->tunnel_coa;
	b.dar = a->dar;
	b.ifindex = mn.ifindex;
	b.mtu = mn.mtu;
	b.slot = a->slot;
	rc = mn.backend->unbind(&b);
	a->tunnel_up = false;
	log_info("tunnel-down hoa=%s dar=%s dev=%s%s%s", log_addr(&a->addr), log_addr(&a->dar),
		 a->tunnel_dev, rc < 0 ? " error=" : "", rc < 0 ? g_strerror(-rc) : "");
}

static void mn_bul_bound(void *user, struct bul_entry *e)
{
	struct anchor *a = mn_anchor_of(e);
	struct tnl_binding b = {0};
	int rc = 0;

	log_info("binding-up dar=%s hoa=%s coa=%s lifetime=%u refresh=%u", log_addr(&e->dar),
		 log_addr(&e->hoa), log_addr(&e->coa), e->lifetime_granted, e->refresh_advice);
	b.hoa = a->addr;
	b.coa = e->coa;
	b.dar = a->dar;
	b.ifindex = mn.ifindex;
	b.mtu = mn.mtu;
	b.slot = a->slot;
	if (!a->tunnel_up) {
		rc = mn.backend->bind(&b);
		if (rc == 0) {
			a->tunnel_up = true;
			a->tunnel_coa = e->coa;
			g_strlcpy(a->tunnel_dev, b.dev, sizeof(a->tunnel_dev));
		}
		log_info("tunnel-up hoa=%s dar=%s coa=%s dev=%s backend=%s%s%s", log_addr(&a->addr),
			 log_addr(&a->dar), log_addr(&e->coa), b.dev, mn.backend->name,
			 rc < 0 ? " error=" : "", rc < 0 ? g_strerror(-rc) : "");
	} else if (!addr_eq(&a->tunnel_coa, &e->coa)) {
		b.coa = a->tunnel_coa;
		rc = mn.backend->rebind(&b, &e->coa);
		a->tunnel_coa = e->coa;
		log_info("tunnel-moved hoa=%s dar=%s coa=%s%s%s", log_addr(&a->addr),
			 log_addr(&a->dar), log_addr(&e->coa), rc < 0 ? " error=" : "",
			 rc < 0 ? g_strerror(-rc) : "");
	}
	/* Profile (h): valid for as long as bound, never preferred. */
	knl_addr_add(mn.ifindex, &a->addr, a->plen, IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
		     MAX(e->lifetime_granted + MN_VALID_SLACK, mn.cfg->address_valid), 0);
	mn_handover_settle(a);
}

static void mn_release_address(struct anchor *a)
{
	mn_flows_clear(a);
	if (a->have_addr) {
		knl_addr_del(mn.ifindex, &a->addr, a->plen);
		log_info("addr-released addr=%s dar=%s", log_addr(&a->addr), log_addr(&a->dar));
	}
	a->have_addr = false;
	a->role = ANCHOR_RELEASED;
	a->pin = ANCHOR_PIN_NONE; /* a pin is for this address, which is gone */
}

static void mn_bul_unbound(void *user, struct bul_entry *e)
{
	struct anchor *a = mn_anchor_of(e);

	log_info("binding-deleted dar=%s hoa=%s", log_addr(&e->dar), log_addr(&e->hoa));
	mn_tunnel_down(a);
	a->bul_active = false;
	if (a->role == ANCHOR_HOME_AGAIN)
		a->role = ANCHOR_CURRENT;
	mn_handover_settle(a);
}

static void mn_bul_failed(void *user, struct bul_entry *e, unsigned int status)
{
	struct anchor *a = mn_anchor_of(e);

	log_warn("binding-failed dar=%s hoa=%s status=%u", log_addr(&e->dar), log_addr(&e->hoa),
		 status);
	mn_tunnel_down(a);
	a->bul_active = false;
	if (a != mn.current)
		mn_release_address(a);
	else if (a->role == ANCHOR_HOME_AGAIN)
		a->role = ANCHOR_CURRENT;
	mn_handover_settle(a);
}

static void mn_bul_expired(void *user, struct bul_entry *e)
{
	log_warn("binding-expired dar=%s hoa=%s (still retrying)", log_addr(&e->dar),
		 log_addr(&e->hoa));
}

static const struct bul_ops mn_bul_ops = {
	.send_bu = mn_send_bu,
	.bound = mn_bul_bound,
	.unbound = mn_bul_unbound,
	.failed = mn_bul_failed,
	.expired = mn_bul_expired,
};

static struct bul_ctx mn_bulc(void)
{
	return (struct bul_ctx){.ops = &mn_bul_ops, .user = &mn, .key = mn.key};
}

/* ------------------------------------------------------------------ */
/* Timers: one GLib source for the earliest BUL deadline. */

static gboolean mn_timer_cb(gpointer data)
{
	struct bul_ctx c = mn_bulc();
	uint64_t now = mn_now();
	struct anchor *a;

	mn.timer = 0;
	anchor_foreach(&mn.anchors, a)
	{
		if (a->bul_active && bul_next(&a->bul) <= now)
			bul_timeout(&c, &a->bul, now);
	}
	mn_reschedule();
	mn_write_status();
	return G_SOURCE_REMOVE;
}

void mn_reschedule(void)
{
	uint64_t next = BUL_NEVER, now = mn_now();
	struct anchor *a;

	anchor_foreach(&mn.anchors, a)
	{
		if (a->bul_active)
			next = MIN(next, bul_next(&a->bul));
	}
	if (mn.timer && next == mn.timer_at)
		return;
	if (mn.timer)
		g_source_remove(mn.timer);
	mn.timer = 0;
	if (next == BUL_NEVER)
		return;
	mn.timer_at = next;
	mn.timer =
		g_timeout_add(next > now ? (guint)MIN(next - now, 3600000u) : 0, mn_timer_cb, NULL);
}

/* ------------------------------------------------------------------ */
/* Addresses */

static int mn_form_cga(struct anchor *a)
{
	struct cga_params p = {0};
	int err;

	memcpy(p.modifier, mn.cga.modifier, CGA_MODIFIER_LEN);
	memcpy(p.prefix, a->prefix.s6_addr, CGA_PREFIX_LEN);
	p.collisions = a->collisions;
	p.pubkey = mn.spki;
	p.pubkey_len = mn.spki_len;
	err = cga_params_encode(&p, a->cga_params, sizeof(a->cga_params), &a->cga_params_len);
	if (!err)
		err = cga_address(&p, mn.cga.sec, &a->addr);
	return err;
}

static void mn_add_current_address(struct anchor *a)
{
	int err, rc;

	if (!a->have_addr) {
		err = mn_form_cga(a);
		if (err) {
			log_err("cga-failed prefix=%s error=%s", log_addr(&a->prefix),
				mn_err_name(err));
			return;
		}
	}
	/* Optimistic DAD (RFC 4429): usable at once while DAD runs. The
	 * on-link route comes from the RA, not from the address. */
	rc = knl_addr_add(mn.ifindex, &a->addr, a->plen,
			  (a->have_addr ? 0 : IFA_F_OPTIMISTIC) | IFA_F_NOPREFIXROUTE, a->ra_valid,
			  MIN(a->ra_preferred, a->ra_valid));
	if (rc < 0) {
		log_err("addr-add-failed addr=%s error=%s", log_addr(&a->addr), g_strerror(-rc));
		return;
	}
	if (!a->have_addr)
		log_info("addr-added addr=%s dar=%s prefix=%s/%u collisions=%u", log_addr(&a->addr),
			 log_addr(&a->dar), log_addr(&a->prefix), a->plen, a->collisions);
	a->have_addr = true;
}

static void mn_deprecate(struct anchor *a)
{
	uint32_t valid = mn.cfg->address_valid;

	if (a->bul_active && a->bul.lifetime_granted)
		valid = MAX(valid, a->bul.lifetime_granted + MN_VALID_SLACK);
	knl_addr_add(mn.ifindex, &a->addr, a->plen, IFA_F_NODAD | IFA_F_NOPREFIXROUTE, valid, 0);
	log_info("addr-deprecated addr=%s dar=%s", log_addr(&a->addr), log_addr(&a->dar));
}

/* ------------------------------------------------------------------ */
/* Movement */

static void mn_keep(struct anchor *a, struct anchor *cur, uint64_t now)
{
	struct bul_ctx c = mn_bulc();

	a->role = ANCHOR_KEPT;
	if (!a->bul_active) {
		bul_entry_init(&a->bul, &a->dar, &a->addr, &cur->addr, mn.cfg->binding_lifetime,
			       (uint16_t)g_random_int());
		a->bul_active = true;
	}
	mn.ho_pending[a->slot] = true;
	mn.ho.pending++;
	mn.ho.kept++;
	bul_register(&c, &a->bul, &cur->addr, now);
}

/* De-register from the current CoA, tunnel and rules down, address gone. */
void mn_release(struct anchor *a, struct anchor *cur, uint64_t now)
{
	struct bul_ctx c = mn_bulc();

	mn_flows_clear(a);
	mn_tunnel_down(a);
	if (a->bul_active)
		bul_deregister(&c, &a->bul, &cur->addr, now);
	mn_release_address(a);
}

static void mn_attach(struct anchor *cur, uint64_t now)
{
	struct anchor *old = mn.current, *a;
	struct bul_ctx c = mn_bulc();
	struct flow_addr *fa;
	int idx[ANCHOR_MAX];
	unsigned int n = 0;
	bool dump_ok;

	unsigned int seq = mn.ho.seq;

	mn.current = cur;
	memset(&mn.ho, 0, sizeof(mn.ho));
	memset(mn.ho_pending, 0, sizeof(mn.ho_pending));
	mn.ho.seq = seq + 1;
	mn.ho.active = old != NULL;
	mn.ho.t0 = mn.carrier_up_at && mn.carrier_up_at <= now ? mn.carrier_up_at : now;
	mn.carrier_up_at = 0;
	if (old)
		mn.ho.from = old->dar;
	mn.ho.to = cur->dar;
	log_info("attach if=%s dar=%s prefix=%s/%u router=%s%s", mn.ifname, log_addr(&cur->dar),
		 log_addr(&cur->prefix), cur->plen, log_addr(&cur->router_ll),
		 cur->is_dar ? "" : " (not a DAR: its addresses cannot be kept)");

	/* Returning home: the address is native again, the binding goes. */
	if (cur->have_addr && (cur->role == ANCHOR_KEPT || cur->bul_active)) {
		mn_tunnel_down(cur);
		mn_add_current_address(cur);
		if (cur->bul_active) {
			cur->role = ANCHOR_HOME_AGAIN;
			mn.ho_pending[cur->slot] = true;
			mn.ho.pending++;
			bul_deregister(&c, &cur->bul, &cur->addr, now);
		} else {
			cur->role = ANCHOR_CURRENT;
		}
		log_info("home-again addr=%s dar=%s", log_addr(&cur->addr), log_addr(&cur->dar));
	} else {
		cur->role = ANCHOR_CURRENT;
		mn_add_current_address(cur);
	}
	mn.ho.t_addr = mn_now();

	/* Clean the old link: deprecated addresses, no stale routes. The
	 * flows the tracker knew are seeded again from this move's dump. */
	fa = g_new0(struct flow_addr, ANCHOR_MAX);
	anchor_foreach(&mn.anchors, a)
	{
		idx[a->slot] = -1;
		mn_flows_clear(a);
		if (a == cur || !a->have_addr)
			continue;
		mn_deprecate(a);
		knl_route_del_prefix(mn.ifindex, &a->prefix, a->plen);
		mn.flows[a->slot] = flow_cookie_set_new();
		fa[n].addr = a->addr;
		fa[n].continuity = mn.flows[a->slot];
		idx[a->slot] = (int)n++;
	}
	knl_route_del_defaults_except(mn.ifindex, &cur->router_ll);

	/* Decide, then register every kept address at once. */
	dump_ok = flow_eval(fa, n) == 0;
	mn_batch_begin();
	if (!dump_ok)
		log_warn("sock-diag-failed: keeping every old address this time");
	anchor_foreach(&mn.anchors, a)
	{
		struct flow_addr *f;

		if (a == cur || !a->have_addr || idx[a->slot] < 0)
			continue;
		f = &fa[idx[a->slot]];
		if (a->is_dar && a->pin != ANCHOR_PIN_RELEASE &&
		    (a->pin == ANCHOR_PIN_KEEP || !dump_ok || keep_decide(&f->t))) {
			log_info("keep addr=%s dar=%s flows=%u bypass=%u ended=%u%s",
				 log_addr(&a->addr), log_addr(&a->dar), f->t.continuity,
				 f->t.bypass, f->t.ended,
				 a->pin == ANCHOR_PIN_KEEP ? " reason=pinned"
				 : dump_ok                 ? ""
							   : " reason=sock-diag-failed");
			mn_keep(a, cur, now);
			/* Look again when the flows cannot be followed by
			 * their destroy events alone. */
			if (!dump_ok || f->silent)
				mn.recheck[a->slot] = dump_ok ? "half-open" : "sock-diag-failed";
		} else {
			log_info("release addr=%s dar=%s flows=%u bypass=%u ended=%u%s",
				 log_addr(&a->addr), log_addr(&a->dar), f->t.continuity,
				 f->t.bypass, f->t.ended,
				 !a->is_dar                     ? " not-a-dar"
				 : a->pin == ANCHOR_PIN_RELEASE ? " reason=unpinned"
								: "");
			mn_release(a, cur, now);
			mn.ho.released++;
		}
	}
	mn_batch_flush();
	g_free(fa);
	for (unsigned int i = 0; i < ANCHOR_MAX; i++)
		if (mn.recheck[i])
			mn_recheck_schedule(dump_ok ? MN_RECHECK_SILENT_MS : MN_RECHECK_RETRY_MS);
	if (mn.ho.active) {
		log_info("handover-started seq=%u from=%s to=%s kept=%u released=%u", mn.ho.seq,
			 log_addr(&mn.ho.from), log_addr(&mn.ho.to), mn.ho.kept, mn.ho.released);
		if (mn.obs && mn.obs->handover_started) {
			struct mn_handover_info hi = {.seq = mn.ho.seq,
						      .from = old,
						      .to = cur,
						      .kept = mn.ho.kept,
						      .released = mn.ho.released};

			mn.obs->handover_started(mn.obs_user, &hi);
		}
	}
	mn_handover_check_done();
	mn_reschedule();
}

static void mn_on_ra(void *user, const struct ndisc_ra *ra)
{
	const struct ndisc_prefix *pio = NULL;
	uint64_t now = mn_now();
	struct anchor *a, *it;

	if (ra->ifindex != mn.ifindex || mn.stopping)
		return;
	/* A DAR names itself in a PIO with the R flag (profile (i)); a
	 * plain router's autonomous /64 still gives us an address. */
	for (unsigned int i = 0; i < ra->n_prefixes; i++) {
		const struct ndisc_prefix *p = &ra->prefixes[i];

		if (p->plen != 64 || !p->autonomous || !p->valid)
			continue;
		if (!pio || (p->router_addr && !pio->router_addr))
			pio = p;
	}
	if (!pio) {
		log_debug("ra-ignored router=%s: no autonomous /64 prefix", log_addr(&ra->src));
		return;
	}
	a = NULL;
	anchor_foreach(&mn.anchors, it)
	{
		if (addr_eq(&it->prefix, &pio->prefix) && it->plen == pio->plen) {
			a = it;
			break;
		}
	}
	if (!a) {
		a = anchor_new(&mn.anchors);
		if (!a)
			a = anchor_reclaim(&mn.anchors);
		if (!a) {
			log_err("anchor-table-full prefix=%s", log_addr(&pio->prefix));
			return;
		}
		a->prefix = pio->prefix;
		a->plen = pio->plen;
		a->first_seen = now;
		a->ifindex = ra->ifindex;
		a->role = ANCHOR_RELEASED;
		a->is_dar = ra->home_agent && pio->router_addr;
		a->dar = pio->router_addr ? pio->addr : pio->prefix;
		log_info("dar-seen dar=%s prefix=%s/%u home_agent=%d router_addr=%d",
			 log_addr(&a->dar), log_addr(&a->prefix), a->plen, ra->home_agent,
			 pio->router_addr);
	}
	a->last_seen = now;
	a->router_ll = ra->src;
	a->ra_valid = pio->valid;
	a->ra_preferred = pio->preferred;
	if (a != mn.current)
		mn_attach(a, now);
	else if (a->role == ANCHOR_CURRENT || a->role == ANCHOR_HOME_AGAIN)
		mn_add_current_address(a); /* refresh lifetimes */
	mn_write_status();
}

/* ------------------------------------------------------------------ */
/* Kernel events */

static void mn_on_link(void *user, int ifindex, const char *name, bool carrier)
{
	if (ifindex != mn.ifindex || mn.stopping)
		return;
	if (carrier == (mn.carrier == 1))
		return;
	mn.carrier = carrier;
	log_info("link if=%s carrier=%s", name ? name : mn.ifname, carrier ? "up" : "down");
	if (carrier) {
		/* The kernel sends no RS after a carrier flap: ask at once. */
		mn.carrier_up_at = mn_now();
		int rc = ndisc_send_rs(mn.ifindex);

		log_info("rs-sent if=%s%s%s", mn.ifname, rc < 0 ? " error=" : "",
			 rc < 0 ? g_strerror(-rc) : "");
	}
}

/* RFC 3972 step 8: collision count + 1 (at most 2), and form it again. */
static void mn_dad_failed(struct anchor *a, const struct in6_addr *addr, uint8_t plen)
{
	int err;

	log_warn("dad-failed addr=%s collisions=%u", log_addr(addr), a->collisions);
	knl_addr_del(mn.ifindex, addr, plen);
	a->have_addr = false;
	a->kflags = 0;
	if (a->collisions >= CGA_MAX_COLLISIONS) {
		log_err("cga-gave-up prefix=%s: three collisions", log_addr(&a->prefix));
		a->role = ANCHOR_RELEASED;
		return;
	}
	a->collisions++;
	err = mn_form_cga(a);
	if (!err && a == mn.current)
		mn_add_current_address(a);
	mn_write_status();
}

static void mn_on_addr(void *user, int ifindex, const struct in6_addr *addr, uint8_t plen,
		       uint32_t flags)
{
	struct anchor *a;

	if (ifindex != mn.ifindex || mn.stopping)
		return;
	a = anchor_find_addr(&mn.anchors, addr);
	if (!a)
		return;
	a->kflags = flags;
	if (flags & IFA_F_DADFAILED)
		mn_dad_failed(a, addr, plen);
}

static void mn_on_addr_del(void *user, int ifindex, const struct in6_addr *addr, uint8_t plen)
{
	struct anchor *a;

	if (ifindex != mn.ifindex || mn.stopping)
		return;
	a = anchor_find_addr(&mn.anchors, addr);
	if (!a || !a->have_addr)
		return;
	/* The kernel deletes an address with lifetimes whose DAD failed
	 * without reporting DADFAILED first: an address of ours that goes
	 * away while still tentative or optimistic collided. */
	if (a->kflags & (IFA_F_TENTATIVE | IFA_F_OPTIMISTIC)) {
		mn_dad_failed(a, addr, plen);
		return;
	}
	log_warn("addr-removed-externally addr=%s dar=%s", log_addr(addr), log_addr(&a->dar));
}

static const struct knl_events mn_rtnl_events = {
	.link = mn_on_link,
	.addr = mn_on_addr,
	.addr_del = mn_on_addr_del,
};

/* ------------------------------------------------------------------ */
/* Signalling received */

/* Profile (c) and (j)4: from the DAR, through the tunnel to the CoA in
 * use; natively only at home (CoA == HoA) or when a kernel backend has
 * already decapsulated it (the HoA is then reachable only through the
 * tunnel's rule). */
static bool mn_framing_ok(const struct anchor *a, const struct sig_rx *rx)
{
	if (!addr_eq(&rx->src, &a->dar))
		return false;
	if (rx->tunnelled)
		return addr_eq(&rx->osrc, &a->dar) && addr_eq(&rx->odst, &a->bul.coa);
	return addr_eq(&a->bul.coa, &a->bul.hoa) || strcmp(mn.backend->name, "tun") != 0;
}

/* The anchor with a binding for this HoA. A released address is gone from
 * the interface but its de-registration still wants its BA. */
static struct anchor *mn_anchor_bound(const struct in6_addr *hoa)
{
	struct anchor *a;

	anchor_foreach(&mn.anchors, a)
	{
		if (a->bul_active && addr_eq(&a->addr, hoa))
			return a;
	}
	return NULL;
}

static void mn_on_mh(void *user, const struct sig_rx *rx)
{
	static struct mh_msg m;
	struct bul_ctx c = mn_bulc();
	enum bul_ba_result r;
	struct anchor *a;
	int err;

	a = mn_anchor_bound(&rx->dst);
	if (!a) {
		log_debug("mh-ignored src=%s dst=%s: no binding", log_addr(&rx->src),
			  log_addr(&rx->dst));
		return;
	}
	if (!mn_framing_ok(a, rx)) {
		log_warn("ba-dropped reason=framing src=%s dst=%s outer=%s->%s hoa=%s",
			 log_addr(&rx->src), log_addr(&rx->dst),
			 rx->tunnelled ? log_addr(&rx->osrc) : "-",
			 rx->tunnelled ? log_addr(&rx->odst) : "-", log_addr(&a->addr));
		a->bul.n_dropped++;
		return;
	}
	err = mh_decode(rx->mh, rx->len, &m);
	if (err) {
		log_warn("mh-dropped src=%s reason=%s", log_addr(&rx->src), mn_err_name(err));
		return;
	}
	if (m.type == MH_BRR) {
		log_info("brr-received dar=%s hoa=%s", log_addr(&a->dar), log_addr(&a->addr));
		bul_on_brr(&c, &a->bul, mn_now());
	} else if (m.type == MH_BA) {
		r = bul_on_ba(&c, &a->bul, &m, rx->mh, rx->len, mn_now());
		log_info("ba-received dar=%s hoa=%s seq=%u status=%u lifetime=%u result=%s",
			 log_addr(&a->dar), log_addr(&a->addr), m.u.ba.seq, m.u.ba.status,
			 m.u.ba.lifetime * 4,
			 r == BUL_BA_ACCEPTED  ? "accepted"
			 : r == BUL_BA_IGNORED ? "ignored"
					       : "dropped");
		if (a->bul_active && (a->bul.state == BUL_DONE || a->bul.state == BUL_FAILED))
			a->bul_active = false;
	} else {
		log_debug("mh-ignored type=%u src=%s", m.type, log_addr(&rx->src));
	}
	mn_reschedule();
	mn_write_status();
}

/* ------------------------------------------------------------------ */
/* State for people and tests: a small text file rewritten atomically. */

void mn_write_status(void)
{
	GString *s;
	struct anchor *a;
	GError *e = NULL;

	if (mn.obs && mn.obs->changed)
		mn.obs->changed(mn.obs_user);
	if (!mn.status_path)
		return;
	s = g_string_new(NULL);
	g_string_append_printf(s, "interface %s carrier=%d backend=%s\n", mn.ifname, mn.carrier,
			       mn.backend->name);
	anchor_foreach(&mn.anchors, a)
	{
		g_string_append_printf(s, "anchor dar=%s prefix=%s/%u addr=%s role=%s",
				       log_addr(&a->dar), log_addr(&a->prefix), a->plen,
				       a->have_addr ? log_addr(&a->addr) : "-",
				       anchor_role_name(a->role));
		if (a->bul_active) {
			const struct bul_entry *b = &a->bul;

			g_string_append_printf(
				s, " binding=%s coa=%s seq=%u lifetime=%u expires=%llu",
				bul_state_name(b->state), log_addr(&b->coa), b->seq,
				b->lifetime_granted,
				b->expires_at == BUL_NEVER
					? 0ULL
					: (unsigned long long)(b->expires_at / 1000));
		} else {
			g_string_append(s, " binding=none");
		}
		g_string_append_printf(s, " tunnel=%s", a->tunnel_up ? a->tunnel_dev : "-");
		if (mn.flows[a->slot])
			g_string_append_printf(s, " flows=%u\n",
					       g_hash_table_size(mn.flows[a->slot]));
		else
			g_string_append(s, " flows=-\n");
	}
	g_string_append_printf(s, "handover seq=%u active=%d kept=%u released=%u\n", mn.ho.seq,
			       mn.ho.active, mn.ho.kept, mn.ho.released);
	/* Every RA ends here: write (and fsync) only what changed, so an idle
	 * node does not touch the disk every few seconds. */
	if (mn.status_last && !strcmp(mn.status_last, s->str)) {
		g_string_free(s, TRUE);
		return;
	}
	if (!g_file_set_contents(mn.status_path, s->str, (gssize)s->len, &e)) {
		log_warn("status-write-failed path=%s error=%s", mn.status_path, e->message);
		g_error_free(e);
	}
	g_free(mn.status_last);
	mn.status_last = g_string_free(s, FALSE);
}

void mn_dump(void)
{
	struct anchor *a;

	log_info("dump if=%s ifindex=%d carrier=%d backend=%s current=%s", mn.ifname, mn.ifindex,
		 mn.carrier, mn.backend->name, mn.current ? log_addr(&mn.current->dar) : "-");
	anchor_foreach(&mn.anchors, a)
	{
		log_info("dump anchor dar=%s prefix=%s/%u addr=%s role=%s binding=%s seq=%u "
			 "sent=%u acked=%u dropped=%u tunnel=%s",
			 log_addr(&a->dar), log_addr(&a->prefix), a->plen,
			 a->have_addr ? log_addr(&a->addr) : "-", anchor_role_name(a->role),
			 a->bul_active ? bul_state_name(a->bul.state) : "none", a->bul.seq,
			 a->bul.n_sent, a->bul.n_acked, a->bul.n_dropped,
			 a->tunnel_up ? a->tunnel_dev : "-");
	}
	log_info("dump flows rules=%u ctl_entries=%u destroy_events=%d control_socket=%d",
		 flow_rules() ? flow_rules()->n : 0, ctl_table_size(), mn.monitor, mn.ctl);
}

/* ------------------------------------------------------------------ */
/* Start and stop */

static int mn_load_key(void)
{
	struct cga_search s = {0};
	const char *dir = mn.cfg->state_dir;
	uint64_t hashes = 0;
	int err;

	err = ks_load_key(dir, &mn.key);
	if (err == MN_ERR_NOTFOUND) {
		log_info("key-generate bits=%u dir=%s", mn.cfg->key_bits, dir);
		err = mn_key_generate(mn.cfg->key_bits, &mn.key);
		if (!err)
			err = ks_save_key(dir, mn.key);
	}
	if (err) {
		log_err("key-failed dir=%s error=%s (%s)", dir, mn_err_name(err), mn_strerror(err));
		return -1;
	}
	err = mn_key_spki(mn.key, &mn.spki, &mn.spki_len);
	if (err)
		return -1;
	err = ks_load_cga(dir, mn.spki, mn.spki_len, mn.cfg->cga_sec, &mn.cga);
	if (err == MN_ERR_NOTFOUND) {
		s.pubkey = mn.spki;
		s.pubkey_len = mn.spki_len;
		s.sec = mn.cfg->cga_sec;
		if (mn_phkt_generate(s.start) || mn_phkt_generate(s.start + 8))
			return -1;
		log_info("cga-modifier-search sec=%u", s.sec);
		err = cga_search_modifier(&s, mn.cga.modifier, &hashes);
		mn.cga.sec = s.sec;
		if (!err)
			err = ks_save_cga(dir, mn.spki, mn.spki_len, &mn.cga);
		if (!err)
			log_info("cga-modifier-found sec=%u hashes=%llu", s.sec,
				 (unsigned long long)hashes);
	}
	if (err) {
		log_err("cga-modifier-failed error=%s", mn_err_name(err));
		return -1;
	}
	return 0;
}

static uint32_t mn_link_mtu(const char *ifname)
{
	char path[64], *txt = NULL;
	uint32_t mtu = 1500;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
	if (g_file_get_contents(path, &txt, NULL, NULL)) {
		mtu = (uint32_t)strtoul(txt, NULL, 10);
		g_free(txt);
	}
	return mtu >= 1280 ? mtu : 1500;
}

struct mn_foreign {
	struct in6_addr a[32];
	uint8_t plen[32];
	unsigned int n;
};

static void mn_collect_slaac(void *user, const struct in6_addr *a, uint8_t plen, uint32_t flags,
			     uint32_t valid)
{
	struct mn_foreign *f = user;

	/* Global addresses the kernel made by SLAAC (finite lifetime, not
	 * permanent) would keep competing with our CGAs in source selection
	 * once we move; the admin's static ones are left alone. */
	if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a) || (flags & IFA_F_PERMANENT) ||
	    valid == KNL_LIFETIME_FOREVER || anchor_find_addr(&mn.anchors, a) || f->n == 32)
		return;
	f->a[f->n] = *a;
	f->plen[f->n++] = plen;
}

static void mn_flush_slaac(void)
{
	struct mn_foreign f = {.n = 0};

	knl_addr_foreach(mn.ifindex, mn_collect_slaac, &f);
	for (unsigned int i = 0; i < f.n; i++) {
		knl_addr_del(mn.ifindex, &f.a[i], f.plen[i]);
		log_info("slaac-address-removed addr=%s", log_addr(&f.a[i]));
	}
}

static void mn_log_rules(const struct keep_rules *rs)
{
	char buf[RULE_TEXT_MAX];

	for (unsigned int i = 0; rs && i < rs->n; i++)
		log_info("rule name=%s %s", rs->r[i].name,
			 rules_format(&rs->r[i], buf, sizeof(buf)));
}

int mn_start(struct mnd_config *cfg)
{
	char why[160] = "";
	int rc;

	mn.cfg = cfg;
	mn.carrier = -1;
	if (!cfg->interfaces[0]) {
		log_err("no managed interface: set interfaces= in mnd.conf or use -i");
		return -1;
	}
	if (cfg->interfaces[1])
		log_warn("several interfaces configured: this version manages only %s",
			 cfg->interfaces[0]);
	g_strlcpy(mn.ifname, cfg->interfaces[0], sizeof(mn.ifname));

	mn.backend = tnl_select(cfg->backend, why, sizeof(why));
	if (!mn.backend) {
		log_err("backend-unavailable backend=%s reason=%s", cfg->backend, why);
		return -1;
	}
	g_strlcpy(mn.backend_why, why[0] ? why : "configured", sizeof(mn.backend_why));
	log_info("backend name=%s reason=%s", mn.backend->name, mn.backend_why);

	if (g_mkdir_with_parents(cfg->run_dir, 0755) < 0) {
		log_err("run-dir-failed path=%s error=%s", cfg->run_dir, g_strerror(errno));
		return -1;
	}
	mn.status_path = g_build_filename(cfg->run_dir, "status", NULL);
	if (mn_load_key() < 0)
		return -1;

	rc = knl_init(&mn_rtnl_events, &mn);
	if (rc < 0) {
		log_err("rtnetlink-failed error=%s", g_strerror(-rc));
		return -1;
	}
	mn.ifindex = knl_ifindex(mn.ifname);
	if (mn.ifindex <= 0) {
		log_err("no-such-interface if=%s", mn.ifname);
		return -1;
	}
	mn.mtu = mn_link_mtu(mn.ifname);
	rc = knl_flush_own();
	if (rc > 0)
		log_info("flushed-leftovers count=%d", rc);
	if ((rc = ndisc_init(mn_on_ra, &mn)) < 0 || (rc = sig_init(mn_on_mh, &mn)) < 0) {
		log_err("socket-failed error=%s", g_strerror(-rc));
		return -1;
	}
	rc = mn.backend->init();
	if (rc < 0) {
		log_err("backend-init-failed backend=%s error=%s", mn.backend->name,
			g_strerror(-rc));
		return -1;
	}

	/* Profile (j)6: mnd forms the addresses on this interface; RAs still
	 * give routes. Restored on a clean stop. */
	/* RFC 4429: our addresses are added optimistic; let the kernel treat
	 * them so (DAD still runs) and use them as sources at once. */
	{
		static const char *const keys[2] = {"optimistic_dad", "use_optimistic"};

		for (int i = 0; i < 2; i++)
			if (knl_sysctl_get(mn.ifname, keys[i], &mn.saved_optimistic[i]) == 0 &&
			    mn.saved_optimistic[i] != 1 &&
			    knl_sysctl_set(mn.ifname, keys[i], 1) == 0)
				mn.optimistic_changed[i] = true;
	}
	if (knl_sysctl_get(mn.ifname, "autoconf", &mn.saved_autoconf) == 0 &&
	    mn.saved_autoconf != 0) {
		if (knl_sysctl_set(mn.ifname, "autoconf", 0) == 0)
			mn.autoconf_changed = true;
	}
	mn_flush_slaac();
	log_info("managing if=%s ifindex=%d mtu=%u autoconf=off(was %d) sec=%u", mn.ifname,
		 mn.ifindex, mn.mtu, mn.saved_autoconf, mn.cga.sec);

	/* The flow tracker and the control socket. Without destroy events a
	 * kept address is let go only at the next move. */
	flow_init();
	mn_log_rules(cfg->rules);
	flow_set_rules(cfg->rules);
	cfg->rules = NULL;
	rc = sd_monitor_start(mn_on_sock_destroy, &mn);
	mn.monitor = rc == 0;
	if (rc < 0)
		log_warn("sock-destroy-events-unavailable error=%s: kept addresses are released "
			 "at the next move only",
			 g_strerror(-rc));
	if (cfg->control_socket) {
		char *path = g_build_filename(cfg->run_dir, CTL_SOCKET_NAME, NULL);

		rc = ctl_start(path, &mn_ctl_ops, &mn);
		mn.ctl = rc == 0;
		if (rc < 0)
			log_err("control-socket-failed path=%s error=%s: applications cannot set "
				"modes",
				path, g_strerror(-rc));
		g_free(path);
	}

	mn.carrier = knl_carrier(mn.ifindex);
	if (mn.carrier == 1)
		ndisc_send_rs(mn.ifindex);
	mn_write_status();
	return 0;
}

void mn_reload(struct mnd_config *cfg)
{
	struct anchor *a;

	log_set_level((enum log_level)cfg->log_level);
	mn.cfg->binding_lifetime = cfg->binding_lifetime;
	mn.cfg->address_valid = cfg->address_valid;
	anchor_foreach(&mn.anchors, a) a->bul.lifetime_req = cfg->binding_lifetime;
	/* New rules decide from the next dump on (a move, a flow ending). */
	mn_log_rules(cfg->rules);
	log_info("reloaded binding_lifetime=%u address_valid=%u log_level=%d rules=%u",
		 cfg->binding_lifetime, cfg->address_valid, cfg->log_level,
		 cfg->rules ? cfg->rules->n : 0);
	flow_set_rules(cfg->rules);
	cfg->rules = NULL;
}

void mn_stop(void)
{
	struct bul_ctx c = mn_bulc();
	struct anchor *a;
	uint64_t now = mn_now();

	mn.stopping = true;
	if (mn.timer)
		g_source_remove(mn.timer);
	mn.timer = 0;
	if (mn.recheck_src)
		g_source_remove(mn.recheck_src);
	mn.recheck_src = 0;
	ctl_stop();
	sd_monitor_stop();
	anchor_foreach(&mn.anchors, a)
	{
		/* Best effort: tell each DAR now rather than let it time out. */
		if (a->bul_active && a->role == ANCHOR_KEPT && mn.current && mn.current->have_addr)
			bul_deregister(&c, &a->bul, &mn.current->addr, now);
		mn_tunnel_down(a);
		if (a->have_addr) {
			knl_addr_del(mn.ifindex, &a->addr, a->plen);
			log_info("addr-removed addr=%s", log_addr(&a->addr));
			a->have_addr = false;
		}
	}
	for (unsigned int i = 0; i < ANCHOR_MAX; i++) {
		if (mn.flows[i])
			g_hash_table_destroy(mn.flows[i]);
		mn.flows[i] = NULL;
	}
	flow_fini();
	if (mn.backend)
		mn.backend->fini();
	if (knl_flush_own() > 0)
		log_info("flushed-own-routes-and-rules");
	if (mn.autoconf_changed)
		knl_sysctl_set(mn.ifname, "autoconf", mn.saved_autoconf);
	if (mn.optimistic_changed[0])
		knl_sysctl_set(mn.ifname, "optimistic_dad", mn.saved_optimistic[0]);
	if (mn.optimistic_changed[1])
		knl_sysctl_set(mn.ifname, "use_optimistic", mn.saved_optimistic[1]);
	if (mn.send_retry_timer)
		g_source_remove(mn.send_retry_timer);
	mn.send_retry_timer = 0;
	sig_fini();
	ndisc_fini();
	knl_fini();
	if (mn.status_path)
		g_unlink(mn.status_path);
	g_free(mn.status_path);
	mn.status_path = NULL;
	g_free(mn.status_last);
	mn.status_last = NULL;
	free(mn.spki);
	mn_key_free(mn.key);
	log_info("stopped");
}
