// SPDX-License-Identifier: BSD-3-Clause
/*
 * Binding Update List state machine: RFC 6275 §11.7-§11.8 as applied per
 * DAR in notes/protocol.md §2, with the authentication rules of the
 * project profile (b)-(e), the lifetimes of (h) and the fallback of (j)2.
 *
 * Every BU goes through bul_send(); whether it goes out now or later is
 * decided by bul_kick() (rate limit, de-registration give-up). The method
 * is chosen at send time from the key state, so a deferred or resent BU
 * always uses what the entry knows at that moment.
 *
 * Callbacks other than send_bu are always the last thing a function does
 * with an entry, so the caller may free the entry from bound, unbound,
 * failed or expired. It must not do so from send_bu.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "core/bul.h"
#include "proto/err.h"
#include "proto/msg.h"

#define BUL_RATE_WINDOW_MS 1000

static uint64_t bul_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Earliest time at which one more BU keeps the entry within
 * MAX_UPDATE_RATE: the oldest of the last BUL_MAX_UPDATE_RATE BUs must be
 * a full window old. */
static uint64_t bul_rate_ok_at(const struct bul_entry *e, uint64_t now)
{
	uint64_t oldest = e->recent_sends[BUL_MAX_UPDATE_RATE - 1];

	if (oldest == BUL_NEVER || now >= oldest + BUL_RATE_WINDOW_MS)
		return now;
	return oldest + BUL_RATE_WINDOW_MS;
}

static void bul_rate_record(struct bul_entry *e, uint64_t now)
{
	memmove(&e->recent_sends[1], &e->recent_sends[0],
		(BUL_MAX_UPDATE_RATE - 1) * sizeof(e->recent_sends[0]));
	e->recent_sends[0] = now;
}

static void bul_forget_phkt(struct bul_entry *e)
{
	e->have_phkt = false;
	OPENSSL_cleanse(e->phkt, sizeof(e->phkt));
	e->token_unanswered = 0;
}

/*
 * Method of the next BU. Holding a PHKT means the token method (profile
 * (d)), except when the token looks lost or forged ((j)2: BUL_TOKEN_FALLBACK
 * token BUs in a row got no valid BA), or when the next sequence number
 * would leave the window that mh_seq_newer() can order under this PHKT
 * (§3.3: a number is never reused under one PHKT). In both cases the PHKT
 * is dropped and a CGA BU fetches a new one.
 */
static enum bul_auth bul_pick_auth(struct bul_entry *e)
{
	uint16_t next = (uint16_t)(e->seq + 1);

	if (!e->have_phkt)
		return BUL_AUTH_CGA;
	if (e->token_unanswered >= BUL_TOKEN_FALLBACK ||
	    (uint16_t)(next - e->phkt_seq) > BUL_PHKT_MAX_SEQ) {
		bul_forget_phkt(e);
		return BUL_AUTH_CGA;
	}
	return BUL_AUTH_TOKEN;
}

/* Send the BU the current state asks for, with a fresh sequence number
 * (RFC 6275 §11.8: retransmissions too). */
static void bul_send(const struct bul_ctx *c, struct bul_entry *e, uint64_t now)
{
	uint8_t kbm[MN_KBM_LEN] = {0};
	enum bul_auth auth = bul_pick_auth(e);
	uint32_t lifetime = e->state == BUL_DEREGISTERING ? 0 : e->lifetime_req;
	int err;

	e->seq++;
	e->last_auth = auth;
	e->last_lifetime = lifetime;
	e->tries++;
	if (e->tries == 1)
		e->first_sent_at = now;
	e->sent_at = now;
	e->retx_at = now + e->timeout_ms;
	e->send_deferred = false;

	err = c->ops->send_bu(c->user, e, auth, e->seq, lifetime, kbm);
	if (err != MN_OK) {
		/* Nothing went out: no BA can answer this number, and the
		 * (unset) Kbm must never authenticate one. The number stays
		 * used, so it is never sent twice. */
		e->ba_wanted = false;
		memset(e->kbm, 0, sizeof(e->kbm));
		return;
	}
	e->ba_wanted = true;
	e->sent_any = true;
	e->n_sent++;
	if (auth == BUL_AUTH_TOKEN) {
		memcpy(e->kbm, kbm, sizeof(e->kbm));
		e->token_unanswered++;
	}
	bul_rate_record(e, now);
}

/* The entry ends: DONE reports unbound, FAILED reports failed(status).
 * Key material goes too: the DAR drops its entry, or refused us. */
static void bul_end(const struct bul_ctx *c, struct bul_entry *e, enum bul_state st,
		    unsigned int status)
{
	e->state = st;
	e->retx_at = BUL_NEVER;
	e->refresh_at = BUL_NEVER;
	e->expires_at = BUL_NEVER;
	e->ba_wanted = false;
	e->send_deferred = false;
	bul_forget_phkt(e);
	memset(e->kbm, 0, sizeof(e->kbm));
	if (st == BUL_DONE)
		c->ops->unbound(c->user, e);
	else
		c->ops->failed(c->user, e, status);
}

/*
 * Send the pending BU now, or as soon as MAX_UPDATE_RATE allows. A
 * de-registration that has used up its BUs ends instead. Returns true when
 * the entry ended (a callback was made: do not touch e any more).
 */
static bool bul_kick(const struct bul_ctx *c, struct bul_entry *e, uint64_t now)
{
	uint64_t at;

	if (e->state == BUL_DEREGISTERING && e->tries >= BUL_DEREG_TRIES) {
		bul_end(c, e, BUL_DONE, 0);
		return true;
	}
	at = bul_rate_ok_at(e, now);
	if (at > now) {
		/* What is on the wire is superseded by the BU to come (new
		 * CoA, resync, other method): its answer is no use. */
		e->send_deferred = true;
		e->ba_wanted = false;
		e->retx_at = at;
		return false;
	}
	bul_send(c, e, now);
	return false;
}

/* Begin an exchange (registration, refresh, de-registration). */
static void bul_start(const struct bul_ctx *c, struct bul_entry *e, enum bul_state st,
		      const struct in6_addr *coa, uint32_t timeout_ms, uint64_t now)
{
	e->coa = *coa;
	e->state = st;
	e->timeout_ms = timeout_ms;
	e->tries = 0;
	e->refresh_at = BUL_NEVER;
	bul_kick(c, e, now);
}

/* RFC 6275 §11.8: InitialBindackTimeoutFirstReg leaves the HA time for DAD
 * on the first registration; every later one uses INITIAL_BINDACK_TIMEOUT. */
static uint32_t bul_initial_timeout(const struct bul_entry *e)
{
	return e->ever_bound ? BUL_INITIAL_TIMEOUT_MS : BUL_INITIAL_TIMEOUT_FIRST_MS;
}

void bul_entry_init(struct bul_entry *e, const struct in6_addr *dar, const struct in6_addr *hoa,
		    const struct in6_addr *coa, uint32_t lifetime_req, uint16_t seq0)
{
	memset(e, 0, sizeof(*e));
	e->dar = *dar;
	e->hoa = *hoa;
	e->coa = *coa;
	e->state = BUL_IDLE;
	e->seq = seq0;
	e->last_auth = BUL_AUTH_CGA;
	e->lifetime_req = lifetime_req;
	e->sent_at = BUL_NEVER;
	e->first_sent_at = BUL_NEVER;
	e->acked_at = BUL_NEVER;
	e->retx_at = BUL_NEVER;
	e->refresh_at = BUL_NEVER;
	e->expires_at = BUL_NEVER;
	for (unsigned int i = 0; i < BUL_MAX_UPDATE_RATE; i++)
		e->recent_sends[i] = BUL_NEVER;
}

void bul_register(const struct bul_ctx *c, struct bul_entry *e, const struct in6_addr *coa,
		  uint64_t now)
{
	bul_start(c, e, BUL_REGISTERING, coa, bul_initial_timeout(e), now);
}

void bul_deregister(const struct bul_ctx *c, struct bul_entry *e, const struct in6_addr *coa,
		    uint64_t now)
{
	if (e->state == BUL_DONE)
		return; /* already unbound: reported once */
	e->coa = *coa;
	if (e->state == BUL_IDLE || !e->sent_any) {
		/* Nothing ever reached the DAR: nothing to remove there. */
		bul_end(c, e, BUL_DONE, 0);
		return;
	}
	/* The binding is being removed on purpose: its expiry is no news. No
	 * DAD at the DAR either, hence the shorter initial timeout. */
	e->expires_at = BUL_NEVER;
	bul_start(c, e, BUL_DEREGISTERING, coa, BUL_INITIAL_TIMEOUT_MS, now);
}

/* A fresh BU for the binding in place (refresh timer or BRR). The binding
 * stays usable meanwhile: nothing is reported. */
static void bul_refresh(const struct bul_ctx *c, struct bul_entry *e, uint64_t now)
{
	bul_start(c, e, BUL_REGISTERING, &e->coa, bul_initial_timeout(e), now);
}

void bul_on_brr(const struct bul_ctx *c, struct bul_entry *e, uint64_t now)
{
	/* Only a bound entry has no BU outstanding (notes §2). */
	if (e->state == BUL_BOUND)
		bul_refresh(c, e, now);
}

/* Retransmission timer fired. Returns true when the entry ended. */
static bool bul_retransmit(const struct bul_ctx *c, struct bul_entry *e, uint64_t now)
{
	/* A send held back by the rate limit is not a timeout: no backoff. */
	if (!e->send_deferred) {
		uint32_t t = e->timeout_ms * 2;

		/* Binary exponential backoff, capped; a registration keeps
		 * trying at the cap for as long as the caller wants it. */
		e->timeout_ms = t > BUL_MAX_TIMEOUT_MS ? BUL_MAX_TIMEOUT_MS : t;
	}
	return bul_kick(c, e, now);
}

void bul_timeout(const struct bul_ctx *c, struct bul_entry *e, uint64_t now)
{
	switch (e->state) {
	case BUL_BOUND:
		if (now >= e->refresh_at)
			bul_refresh(c, e, now);
		break;
	case BUL_REGISTERING:
	case BUL_DEREGISTERING:
		if (now >= e->retx_at && bul_retransmit(c, e, now))
			return;
		break;
	default:
		return;
	}

	/* Last, since expired() may free the entry. De-registering entries
	 * have no expiry (cleared when the de-registration started). */
	if (now >= e->expires_at) {
		e->expires_at = BUL_NEVER;
		c->ops->expired(c->user, e);
	}
}

uint64_t bul_next(const struct bul_entry *e)
{
	switch (e->state) {
	case BUL_BOUND:
	case BUL_REGISTERING:
	case BUL_DEREGISTERING:
		/* A rate-limit deferral is kept in retx_at. */
		return bul_min(e->retx_at, bul_min(e->refresh_at, e->expires_at));
	default:
		return BUL_NEVER;
	}
}

/* Positive acknowledgement; phkt is the decrypted token of a BA to a CGA
 * registration. */
static void bul_acked(const struct bul_ctx *c, struct bul_entry *e, const struct mh_msg *m,
		      const uint8_t phkt[MN_PHKT_LEN], uint64_t now)
{
	uint64_t granted_ms, refresh_ms;
	uint32_t granted;

	if (e->last_lifetime == 0) {
		e->n_acked++;
		bul_end(c, e, BUL_DONE, 0);
		return;
	}
	granted = (uint32_t)m->u.ba.lifetime * 4;
	if (granted == 0) {
		/* Accepted, yet nothing granted: no binding exists. */
		bul_end(c, e, BUL_FAILED, m->u.ba.status);
		return;
	}
	/* A DAR must not grant more than was asked (RFC 6275 §10.3.1); never
	 * rely on a binding outliving what the caller could request. */
	if (granted > e->last_lifetime)
		granted = e->last_lifetime;

	e->n_acked++;
	if (e->last_auth == BUL_AUTH_CGA) {
		memcpy(e->phkt, phkt, MN_PHKT_LEN);
		e->have_phkt = true;
		e->phkt_seq = e->seq;
	}
	e->token_unanswered = 0;
	e->lifetime_granted = granted;
	e->refresh_advice = mh_has(m, MH_OPT_BRA) ? (uint32_t)m->bra_interval * 4 : 0;

	/* Profile (h): refresh at 95 % of the granted lifetime, or at the
	 * Binding Refresh Advice when that is earlier. */
	granted_ms = (uint64_t)granted * 1000;
	refresh_ms = granted_ms * BUL_REFRESH_PERCENT / 100;
	if (e->refresh_advice)
		refresh_ms = bul_min(refresh_ms, (uint64_t)e->refresh_advice * 1000);

	e->state = BUL_BOUND;
	e->ever_bound = true;
	e->acked_at = now;
	e->expires_at = now + granted_ms;
	e->refresh_at = now + refresh_ms;
	e->retx_at = BUL_NEVER;
	e->ba_wanted = false;
	e->send_deferred = false;

	/* Reported at every acknowledgement, refreshes included: the caller
	 * keeps the HoA valid for as long as the binding (profile (h)), and
	 * the granted lifetime may differ from the last one. */
	c->ops->bound(c->user, e);
}

/* Error status (>= 128) of an authenticated, wanted BA. */
static void bul_refused(const struct bul_ctx *c, struct bul_entry *e, const struct mh_msg *m,
			uint64_t now)
{
	unsigned int status = m->u.ba.status;
	bool token = e->last_auth == BUL_AUTH_TOKEN;

	switch (status) {
	case MH_BA_SEQ_OUT_OF_WINDOW:
		/* Resynchronise: the next BU uses BA.seq + 1 (notes §2). */
		e->seq = m->u.ba.seq;
		bul_kick(c, e, now);
		return;
	case MH_BA_PHKT_UNAVAILABLE:
	case MH_BA_CGA_SIG_FAILED:
		/* Profile (e): the DAR has no token for us (147), or ours is
		 * bad (148 to a token BU): fetch a new one with a CGA BU now.
		 * To a CGA BU neither can be cured by sending another. */
		if (token) {
			bul_forget_phkt(e);
			bul_kick(c, e, now);
			return;
		}
		break;
	default:
		break;
	}
	/* Unrecoverable for this (DAR, HoA) (notes §2). A de-registration
	 * ends either way, and must not make the caller drop an address it
	 * keeps (returning home). */
	if (e->state == BUL_DEREGISTERING)
		bul_end(c, e, BUL_DONE, 0);
	else
		bul_end(c, e, BUL_FAILED, status);
}

enum bul_ba_result bul_on_ba(const struct bul_ctx *c, struct bul_entry *e, const struct mh_msg *m,
			     const uint8_t *mh, size_t len, uint64_t now)
{
	uint8_t phkt[MN_PHKT_LEN] = {0};
	unsigned int status;
	bool token;

	if (m->type != MH_BA || !mh || len < m->len)
		return BUL_BA_IGNORED;
	if ((e->state != BUL_REGISTERING && e->state != BUL_DEREGISTERING) || !e->ba_wanted)
		return BUL_BA_IGNORED;

	status = m->u.ba.status;
	if (status == MH_BA_SEQ_OUT_OF_WINDOW) {
		/* The DAR's number is never older than the BU it refuses. An
		 * older one answers a BU we have since superseded; following
		 * it would move our numbers backwards and reuse them. */
		if (m->u.ba.seq != e->seq && !mh_seq_newer(m->u.ba.seq, e->seq))
			return BUL_BA_IGNORED;
	} else if (m->u.ba.seq != e->seq) {
		return BUL_BA_IGNORED; /* RFC 6275 §11.7.3 */
	}

	token = e->last_auth == BUL_AUTH_TOKEN;
	if (token) {
		/* Profile (d): the answer to a token BU carries a BAD with the
		 * same Kbm. Only 147 and 148 come without one (the DAR has no
		 * key, or could not verify ours: profile (e)); if they carry
		 * one anyway, it must verify. */
		bool keyless = status == MH_BA_PHKT_UNAVAILABLE || status == MH_BA_CGA_SIG_FAILED;

		if ((!keyless || mh_has(m, MH_OPT_BAD)) &&
		    msg_ba_verify(m, mh, e->kbm, &e->coa, &e->dar) != MN_OK) {
			e->n_dropped++;
			return BUL_BA_DROPPED;
		}
		/* The DAR holds our token: the fallback count restarts. */
		e->token_unanswered = 0;
	} else if (status < 128 && e->last_lifetime != 0) {
		/* Profile (c): a BA accepting a CGA registration always
		 * carries the PHKT. Missing or undecryptable: one uniform
		 * path; the BU stays outstanding and is retransmitted. */
		if (!mh_has(m, MH_OPT_PHKT) ||
		    mn_phkt_decrypt(c->key, m->phkt, m->phkt_len, phkt) != MN_OK) {
			OPENSSL_cleanse(phkt, sizeof(phkt));
			e->n_dropped++;
			return BUL_BA_DROPPED;
		}
	}

	e->last_status = status;
	if (status < 128)
		bul_acked(c, e, m, phkt, now);
	else
		bul_refused(c, e, m, now);
	OPENSSL_cleanse(phkt, sizeof(phkt));
	return BUL_BA_ACCEPTED;
}

const char *bul_state_name(enum bul_state s)
{
	switch (s) {
	case BUL_IDLE:
		return "idle";
	case BUL_REGISTERING:
		return "registering";
	case BUL_BOUND:
		return "bound";
	case BUL_DEREGISTERING:
		return "deregistering";
	case BUL_DONE:
		return "done";
	case BUL_FAILED:
		return "failed";
	}
	return "unknown";
}
