// SPDX-License-Identifier: BSD-3-Clause
/*
 * Binding cache and BU processing of the reference DAR: notes/protocol.md
 * "Project profile (decided)". Order of checks for a BU:
 *   (caller)  outer framing; MH checksum with the inner addresses; mh_decode
 *   1. the Alternate CoA equals the outer source (the IPv6 source when the BU
 *      came un-tunnelled), else the BU is dropped (counted as spoofed);
 *   2. H set and an Alternate CoA present, else 129;
 *   3. with a cache entry: sequence number newer, else 135 + last accepted;
 *   4. method (msg_bu_classify):
 *      CGA    -> HoA's /64 anchored here (else 132), CGA + Signature (else 148),
 *                fresh PHKT encrypted to the verified key in the BA (no BAD);
 *      TOKEN  -> entry with a PHKT (else 147), BAD (else 148, rate-limited),
 *                BA with a BAD made with the same Kbm;
 *      BADSIG -> 148;  OTHER -> 129.
 * Lifetime granted = min(requested, cap); Lifetime 0 or CoA == HoA removes
 * the binding (BA status 0, Lifetime 0).
 */
#include <stdlib.h>
#include <string.h>

#include "dar_bc.h"
#include "proto/err.h"

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

void dar_bc_init(struct dar_bc *bc, const struct dar_config *cfg)
{
	memset(bc, 0, sizeof(*bc));
	bc->cfg = *cfg;
	if (!bc->cfg.token_fail_rate)
		bc->cfg.token_fail_rate = DAR_TOKEN_FAIL_RATE;
	for (unsigned int i = 0; i < bc->cfg.n_prefixes; i++)
		memset(bc->cfg.prefixes[i].s6_addr + 8, 0, 8);
}

void dar_bc_free(struct dar_bc *bc)
{
	free(bc->b);
	bc->b = NULL;
	bc->n = bc->cap = 0;
}

bool dar_bc_prefix_ok(const struct dar_bc *bc, const struct in6_addr *addr)
{
	for (unsigned int i = 0; i < bc->cfg.n_prefixes; i++)
		if (memcmp(bc->cfg.prefixes[i].s6_addr, addr->s6_addr, 8) == 0)
			return true;
	return false;
}

static struct dar_binding *bc_find(const struct dar_bc *bc, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < bc->n; i++)
		if (addr_eq(&bc->b[i].hoa, hoa))
			return &bc->b[i];
	return NULL;
}

const struct dar_binding *dar_bc_find(const struct dar_bc *bc, const struct in6_addr *hoa)
{
	return bc_find(bc, hoa);
}

const struct dar_binding *dar_bc_find_coa(const struct dar_bc *bc, const struct in6_addr *coa)
{
	for (size_t i = 0; i < bc->n; i++)
		if (addr_eq(&bc->b[i].coa, coa))
			return &bc->b[i];
	return NULL;
}

static struct dar_binding *bc_add(struct dar_bc *bc, const struct in6_addr *hoa)
{
	struct dar_binding *e;

	if (bc->n >= DAR_MAX_BINDINGS)
		return NULL;
	if (bc->n == bc->cap) {
		size_t cap = bc->cap ? 2 * bc->cap : 16;
		struct dar_binding *nb = realloc(bc->b, cap * sizeof(*nb));

		if (!nb)
			return NULL;
		bc->b = nb;
		bc->cap = cap;
	}
	e = &bc->b[bc->n++];
	memset(e, 0, sizeof(*e));
	e->hoa = *hoa;
	return e;
}

static void bc_remove(struct dar_bc *bc, struct dar_binding *e)
{
	size_t i = (size_t)(e - bc->b);

	if (i + 1 < bc->n)
		bc->b[i] = bc->b[bc->n - 1];
	bc->n--;
}

size_t dar_bc_clear(struct dar_bc *bc)
{
	size_t n = bc->n;

	bc->n = 0;
	return n;
}

const char *dar_drop_name(enum dar_drop d)
{
	switch (d) {
	case DAR_DROP_NONE:
		return "none";
	case DAR_DROP_DECODE:
		return "decode";
	case DAR_DROP_CHECKSUM:
		return "checksum";
	case DAR_DROP_SPOOFED:
		return "spoofed";
	case DAR_DROP_UNKNOWN_COA:
		return "unknown_coa";
	case DAR_DROP_RATE:
		return "rate_limited";
	case DAR_DROP_NOT_OURS:
		return "not_ours";
	case DAR_DROP__COUNT:
		break;
	}
	return "?";
}

const char *dar_method_name(enum msg_bu_method m)
{
	switch (m) {
	case MSG_BU_CGA:
	case MSG_BU_BADSIG: /* a CGA BU whose Signature is missing or misplaced */
		return "cga";
	case MSG_BU_TOKEN:
		return "token";
	case MSG_BU_OTHER:
		break;
	}
	return "other";
}

static enum dar_action drop(struct dar_bu_out *out, enum dar_drop d, const char *reason, int err)
{
	out->action = DAR_ACT_DROP;
	out->drop = d;
	out->reason = reason;
	out->err = err;
	out->send_ba = false;
	return out->action;
}

/* Build the BA of out (status, ba_seq, ba_lifetime already set). */
static int build_ba(const struct dar_bc *bc, struct dar_bu_out *out, const uint8_t *phkt_enc,
		    size_t phkt_enc_len, const uint8_t *kbm)
{
	struct msg_ba ba = {
		.status = out->status,
		.seq = out->ba_seq,
		.lifetime = out->ba_lifetime,
		.hoa = out->hoa,
		.coa = out->coa,
		.dar = bc->cfg.dar,
		.phkt_enc = phkt_enc,
		.phkt_enc_len = phkt_enc_len,
		.kbm = kbm,
	};

	out->ba_has_phkt = phkt_enc != NULL;
	out->ba_has_bad = kbm != NULL;
	return msg_build_ba(out->ba, sizeof(out->ba), &out->ba_len, &ba);
}

/* An error BA (no key material). */
static enum dar_action refuse(const struct dar_bc *bc, struct dar_bu_out *out, uint8_t status,
			      uint16_t seq, const char *reason, int err)
{
	out->action = DAR_ACT_NONE;
	out->status = status;
	out->ba_seq = seq;
	out->ba_lifetime = 0;
	out->reason = reason;
	out->err = err;
	if (build_ba(bc, out, NULL, 0, NULL) == MN_OK)
		out->send_ba = true;
	return out->action;
}

static uint16_t granted_units(const struct dar_bc *bc, uint16_t requested)
{
	uint16_t cap = msg_lifetime_units(bc->cfg.lifetime_cap);

	return requested < cap ? requested : cap;
}

/* Accepted registration: create or update the entry; sets out->action. */
static struct dar_binding *accept_binding(struct dar_bc *bc, const struct dar_bu_in *in,
					  struct dar_bu_out *out, struct dar_binding *e,
					  uint16_t units)
{
	if (!e) {
		e = bc_add(bc, &out->hoa);
		if (!e)
			return NULL;
		out->action = DAR_ACT_BIND;
	} else if (!addr_eq(&e->coa, &out->coa)) {
		out->old_coa = e->coa;
		out->action = DAR_ACT_REBIND;
	} else {
		out->action = DAR_ACT_REFRESH;
	}
	e->coa = out->coa;
	e->seq = out->seq;
	e->lifetime_units = units;
	e->bound_ms = in->now_ms;
	e->expires_ms = in->now_ms + (int64_t)units * 4000;
	e->brr_sent = false;
	return e;
}

/* De-registration: remove the entry if there is one. */
static void remove_binding(struct dar_bc *bc, struct dar_bu_out *out, struct dar_binding *e)
{
	if (e) {
		out->old_coa = e->coa;
		bc_remove(bc, e);
		out->action = DAR_ACT_UNBIND;
	} else {
		out->action = DAR_ACT_NONE;
	}
}

static bool rate_ok(const struct dar_bc *bc, struct dar_binding *e, int64_t now)
{
	if (now - e->rl_window_ms >= 1000 || now < e->rl_window_ms) {
		e->rl_window_ms = now;
		e->rl_count = 0;
	}
	if (e->rl_count >= bc->cfg.token_fail_rate)
		return false;
	e->rl_count++;
	return true;
}

static bool want_ba(const struct mh_msg *m, const struct dar_bu_out *out)
{
	return (m->u.bu.flags & MH_BU_F_A) || out->status >= 128 || out->ba_has_phkt;
}

static enum dar_action process_cga(struct dar_bc *bc, const struct dar_bu_in *in,
				   struct dar_bu_out *out, struct dar_binding *e, bool dereg)
{
	const struct mh_msg *m = in->msg;
	uint8_t phkt[MN_PHKT_LEN];
	uint8_t enc[MN_SIG_MAX + 1];
	size_t enc_len = sizeof(enc);
	EVP_PKEY *pub = NULL;
	uint16_t units;
	int err;

	if (!dar_bc_prefix_ok(bc, &out->hoa))
		return refuse(bc, out, MH_BA_NOT_HOME_SUBNET, out->seq, "not_home_subnet", MN_OK);
	err = msg_bu_verify_cga(m, in->mh, &out->hoa, &bc->cfg.dar, &pub);
	if (err)
		return refuse(bc, out, MH_BA_CGA_SIG_FAILED, out->seq, "cga_or_signature", err);

	if (dereg) {
		mn_key_free(pub);
		remove_binding(bc, out, e);
		out->status = MH_BA_ACCEPTED;
		out->ba_seq = out->seq;
		out->ba_lifetime = 0;
		err = build_ba(bc, out, NULL, 0, NULL);
		out->send_ba = err == MN_OK && want_ba(m, out);
		out->err = err;
		return out->action;
	}

	err = mn_phkt_generate(phkt);
	if (!err)
		err = mn_phkt_encrypt(pub, phkt, enc, &enc_len);
	mn_key_free(pub);
	if (err)
		return refuse(bc, out, MH_BA_UNSPECIFIED, out->seq, "phkt_encrypt", err);

	units = granted_units(bc, m->u.bu.lifetime);
	e = accept_binding(bc, in, out, e, units);
	if (!e)
		return refuse(bc, out, MH_BA_INSUFFICIENT, out->seq, "cache_full", MN_ERR_NOMEM);
	memcpy(e->phkt, phkt, MN_PHKT_LEN);
	e->rl_count = 0;

	out->status = MH_BA_ACCEPTED;
	out->ba_seq = out->seq;
	out->ba_lifetime = units;
	err = build_ba(bc, out, enc, enc_len, NULL);
	out->err = err;
	out->send_ba = err == MN_OK; /* the PHKT goes out even when A is clear */
	return out->action;
}

static enum dar_action process_token(struct dar_bc *bc, const struct dar_bu_in *in,
				     struct dar_bu_out *out, struct dar_binding *e, bool dereg)
{
	const struct mh_msg *m = in->msg;
	uint8_t kbm[MN_KBM_LEN];
	uint16_t units;
	int err;

	/* Every entry of this cache holds a PHKT (only a CGA BU creates one);
	 * no entry (e.g. after a restart) means no PHKT. */
	if (!e)
		return refuse(bc, out, MH_BA_PHKT_UNAVAILABLE, out->seq, "no_phkt", MN_OK);
	err = msg_bu_verify_token(m, in->mh, &bc->cfg.dar, e->phkt, NULL, kbm);
	if (err) {
		if (!rate_ok(bc, e, in->now_ms))
			return drop(out, DAR_DROP_RATE, "rate_limited", err);
		return refuse(bc, out, MH_BA_CGA_SIG_FAILED, out->seq, "bad_authenticator", err);
	}

	if (dereg) {
		remove_binding(bc, out, e);
		units = 0;
	} else {
		units = granted_units(bc, m->u.bu.lifetime);
		accept_binding(bc, in, out, e, units);
	}
	out->status = MH_BA_ACCEPTED;
	out->ba_seq = out->seq;
	out->ba_lifetime = units;
	err = build_ba(bc, out, NULL, 0, kbm);
	out->err = err;
	out->send_ba = err == MN_OK && want_ba(m, out);
	return out->action;
}

enum dar_action dar_bc_process_bu(struct dar_bc *bc, const struct dar_bu_in *in,
				  struct dar_bu_out *out)
{
	const struct mh_msg *m = in->msg;
	const struct in6_addr *from;
	struct dar_binding *e;
	bool dereg;

	memset(out, 0, offsetof(struct dar_bu_out, ba));
	out->ba_len = 0;
	out->hoa = in->src;
	out->tunnelled = in->outer != NULL;
	if (in->outer)
		out->reply_outer = *in->outer;
	if (m->type != MH_BU)
		return drop(out, DAR_DROP_DECODE, "not_bu", MN_ERR_MH_TYPE);
	out->is_bu = true;
	out->seq = m->u.bu.seq;
	out->req_lifetime = m->u.bu.lifetime;
	out->method = msg_bu_classify(m);
	out->have_coa = mh_has(m, MH_OPT_ALTCOA);
	out->coa = out->have_coa ? m->alt_coa : in->src;

	if (!addr_eq(&in->dst, &bc->cfg.dar))
		return drop(out, DAR_DROP_NOT_OURS, "not_our_address", MN_OK);

	/* Profile (a): the CoA of the binding is the Alternate CoA, and it must be
	 * where the BU came from. Un-tunnelled, that is the HoA itself (home
	 * de-registration). */
	from = in->outer ? in->outer : &in->src;
	if (out->have_coa && !addr_eq(&out->coa, from))
		return drop(out, DAR_DROP_SPOOFED, "coa_mismatch", MN_OK);

	if (!(m->u.bu.flags & MH_BU_F_H))
		return refuse(bc, out, MH_BA_PROHIBITED, out->seq, "not_home_registration", MN_OK);
	if (!out->have_coa)
		return refuse(bc, out, MH_BA_PROHIBITED, out->seq, "no_alternate_coa", MN_OK);

	e = bc_find(bc, &out->hoa);
	if (e && !mh_seq_newer(out->seq, e->seq))
		return refuse(bc, out, MH_BA_SEQ_OUT_OF_WINDOW, e->seq, "sequence", MN_OK);

	dereg = m->u.bu.lifetime == 0 || addr_eq(&out->coa, &out->hoa);

	switch (out->method) {
	case MSG_BU_CGA:
		return process_cga(bc, in, out, e, dereg);
	case MSG_BU_TOKEN:
		return process_token(bc, in, out, e, dereg);
	case MSG_BU_BADSIG:
		return refuse(bc, out, MH_BA_CGA_SIG_FAILED, out->seq, "signature_not_adjacent",
			      MN_ERR_OPT_ORDER);
	case MSG_BU_OTHER:
		break;
	}
	return refuse(bc, out, MH_BA_PROHIBITED, out->seq, "no_method", MN_OK);
}

enum dar_action dar_bc_process_mh(struct dar_bc *bc, const struct dar_bu_in *in,
				  struct dar_bu_out *out)
{
	struct mh_msg *m;
	struct dar_bu_in in2 = *in;
	enum dar_action act;
	int err;

	memset(out, 0, offsetof(struct dar_bu_out, ba));
	out->hoa = in->src;
	out->tunnelled = in->outer != NULL;
	if (in->len < MH_FIXED_LEN || in->len > MH_MAX_LEN)
		return drop(out, DAR_DROP_DECODE, "decode", MN_ERR_TRUNCATED);
	if (!mh_checksum_ok(&in->src, &in->dst, in->mh, in->len))
		return drop(out, DAR_DROP_CHECKSUM, "checksum", MN_ERR_CHECKSUM);
	m = malloc(sizeof(*m));
	if (!m)
		return drop(out, DAR_DROP_DECODE, "decode", MN_ERR_NOMEM);
	err = mh_decode(in->mh, in->len, m);
	if (err) {
		free(m);
		return drop(out, DAR_DROP_DECODE, "decode", err);
	}
	in2.msg = m;
	act = dar_bc_process_bu(bc, &in2, out);
	free(m);
	return act;
}

static int64_t brr_at(const struct dar_bc *bc, const struct dar_binding *e)
{
	int64_t before = (int64_t)bc->cfg.brr_before * 1000;

	if (e->brr_sent || !before || (int64_t)e->lifetime_units * 4000 <= before)
		return -1;
	return e->expires_ms - before;
}

int64_t dar_bc_next_deadline(const struct dar_bc *bc)
{
	int64_t next = -1;

	for (size_t i = 0; i < bc->n; i++) {
		int64_t t = bc->b[i].expires_ms, r = brr_at(bc, &bc->b[i]);

		if (r >= 0 && r < t)
			t = r;
		if (next < 0 || t < next)
			next = t;
	}
	return next;
}

bool dar_bc_poll(struct dar_bc *bc, int64_t now_ms, struct dar_event *ev)
{
	for (size_t i = 0; i < bc->n; i++) {
		struct dar_binding *e = &bc->b[i];
		int64_t r;

		if (e->expires_ms <= now_ms) {
			ev->kind = DAR_EV_EXPIRED;
			ev->b = *e;
			ev->msg_len = 0;
			bc_remove(bc, e);
			return true;
		}
		r = brr_at(bc, e);
		if (r >= 0 && r <= now_ms) {
			e->brr_sent = true;
			ev->kind = DAR_EV_BRR;
			ev->b = *e;
			if (msg_build_brr(ev->msg, sizeof(ev->msg), &ev->msg_len, &bc->cfg.dar,
					  &e->hoa) != MN_OK)
				ev->msg_len = 0;
			return true;
		}
	}
	return false;
}
