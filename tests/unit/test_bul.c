// SPDX-License-Identifier: BSD-3-Clause
/*
 * Binding Update List state machine (mnd/core/bul.c) against a fake ops
 * table that records every BU and callback. BAs are real messages: built
 * with msg_build_ba (a PHKT encrypted to a 1024-bit key made once, BADs
 * keyed with the Kbm the fake send_bu reports), decoded with mh_decode and
 * offered to the entry. Time is simulated: `now` is whatever the test says.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/bul.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"

#define LIFETIME 3600 /* seconds asked for; 900 units */
#define SEQ0 100

static EVP_PKEY *g_key;
static uint8_t g_enc[MN_SIG_MAX];
static size_t g_enc_len;
static const uint8_t g_phkt[MN_PHKT_LEN] = {0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};
static struct in6_addr g_dar, g_hoa, g_coa1, g_coa2;

#define REC_CAP 128

struct rec {
	enum bul_auth auth;
	uint16_t seq;
	uint32_t lifetime;
	uint64_t at;
	struct in6_addr coa;
	uint8_t kbm[MN_KBM_LEN];
};

struct fake {
	struct bul_entry e;
	struct bul_ctx ctx;
	uint64_t now; /* time of the call in progress, stamped on sends */
	int send_err;
	unsigned int n_attempts;
	unsigned int n_sends; /* successful sends, recorded in recs */
	unsigned int n_token, n_cga;
	struct rec recs[REC_CAP];
	unsigned int n_bound, n_unbound, n_failed, n_expired;
	unsigned int failed_status;
};

static struct fake F;

static int fake_send_bu(void *user, struct bul_entry *e, enum bul_auth auth, uint16_t seq,
			uint32_t lifetime, uint8_t kbm[MN_KBM_LEN])
{
	struct fake *f = user;
	struct rec *r;

	assert_ptr_equal(e, &f->e);
	assert_int_equal(seq, e->seq);
	f->n_attempts++;
	if (auth == BUL_AUTH_TOKEN) {
		struct msg_bu bu = {
			.seq = seq,
			.lifetime = msg_lifetime_units(lifetime),
			.hoa = e->hoa,
			.coa = e->coa,
			.dar = e->dar,
		};

		/* The entry holds the token it decrypted from our BA. */
		assert_true(e->have_phkt);
		assert_memory_equal(e->phkt, g_phkt, MN_PHKT_LEN);
		msg_bu_kbm(&bu, g_phkt, NULL, kbm);
	}
	if (f->send_err)
		return f->send_err;

	r = &f->recs[f->n_sends % REC_CAP];
	memset(r, 0, sizeof(*r));
	r->auth = auth;
	r->seq = seq;
	r->lifetime = lifetime;
	r->at = f->now;
	r->coa = e->coa;
	if (auth == BUL_AUTH_TOKEN) {
		memcpy(r->kbm, kbm, MN_KBM_LEN);
		f->n_token++;
	} else {
		f->n_cga++;
	}
	f->n_sends++;
	return MN_OK;
}

static void fake_bound(void *user, struct bul_entry *e)
{
	struct fake *f = user;

	assert_int_equal(e->state, BUL_BOUND);
	f->n_bound++;
}

static void fake_unbound(void *user, struct bul_entry *e)
{
	struct fake *f = user;

	assert_int_equal(e->state, BUL_DONE);
	f->n_unbound++;
}

static void fake_failed(void *user, struct bul_entry *e, unsigned int status)
{
	struct fake *f = user;

	assert_int_equal(e->state, BUL_FAILED);
	f->n_failed++;
	f->failed_status = status;
}

static void fake_expired(void *user, struct bul_entry *e)
{
	struct fake *f = user;

	f->n_expired++;
}

static const struct bul_ops fake_ops = {
	.send_bu = fake_send_bu,
	.bound = fake_bound,
	.unbound = fake_unbound,
	.failed = fake_failed,
	.expired = fake_expired,
};

/* ---------------------------------------------------------------- */
/* Helpers */

static struct rec *last(void)
{
	assert_true(F.n_sends > 0);
	return &F.recs[(F.n_sends - 1) % REC_CAP];
}

static struct rec *sent(unsigned int i)
{
	assert_true(i < F.n_sends && F.n_sends <= REC_CAP);
	return &F.recs[i];
}

static void do_register(const struct in6_addr *coa, uint64_t t)
{
	F.now = t;
	bul_register(&F.ctx, &F.e, coa, t);
}

static void do_deregister(const struct in6_addr *coa, uint64_t t)
{
	F.now = t;
	bul_deregister(&F.ctx, &F.e, coa, t);
}

static void do_brr(uint64_t t)
{
	F.now = t;
	bul_on_brr(&F.ctx, &F.e, t);
}

static void tick(uint64_t t)
{
	F.now = t;
	bul_timeout(&F.ctx, &F.e, t);
}

/* Run every timer due up to and including t, in order. */
static void run_to(uint64_t t)
{
	unsigned int guard = 0;
	uint64_t n;

	while ((n = bul_next(&F.e)) <= t) {
		assert_true(++guard < 10000);
		tick(n);
	}
}

struct ba_spec {
	uint8_t status;
	uint16_t seq;
	uint16_t lifetime; /* units */
	uint16_t bra;      /* units */
	const uint8_t *enc;
	size_t enc_len;
	const uint8_t *kbm;
	const struct in6_addr *coa;
};

static enum bul_ba_result feed(const struct ba_spec *s, uint64_t t)
{
	static struct mh_msg m;
	uint8_t buf[MH_MAX_LEN];
	size_t len = 0;
	struct msg_ba ba = {
		.status = s->status,
		.seq = s->seq,
		.lifetime = s->lifetime,
		.refresh = s->bra,
		.hoa = g_hoa,
		.coa = s->coa ? *s->coa : F.e.coa,
		.dar = g_dar,
		.phkt_enc = s->enc,
		.phkt_enc_len = s->enc_len,
		.kbm = s->kbm,
	};

	assert_int_equal(msg_build_ba(buf, sizeof(buf), &len, &ba), MN_OK);
	assert_int_equal(mh_decode(buf, len, &m), MN_OK);
	F.now = t;
	return bul_on_ba(&F.ctx, &F.e, &m, buf, len, t);
}

/* Accepting BA to the last (CGA) BU, with the encrypted PHKT. */
static enum bul_ba_result ba_cga(uint8_t status, uint16_t units, uint16_t bra, uint64_t t)
{
	struct ba_spec s = {.status = status,
			    .seq = last()->seq,
			    .lifetime = units,
			    .bra = bra,
			    .enc = g_enc,
			    .enc_len = g_enc_len};

	return feed(&s, t);
}

/* BA without key material (status codes the DAR sends keyless). */
static enum bul_ba_result ba_plain(uint8_t status, uint16_t seq, uint64_t t)
{
	struct ba_spec s = {.status = status, .seq = seq};

	return feed(&s, t);
}

/* BA to the last (token) BU, with a BAD keyed like that BU. */
static enum bul_ba_result ba_token(uint8_t status, uint16_t seq, uint16_t units, uint64_t t)
{
	struct ba_spec s = {.status = status,
			    .seq = seq,
			    .lifetime = units,
			    .kbm = last()->kbm,
			    .coa = &last()->coa};

	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	return feed(&s, t);
}

/* First registration at t, acknowledged at t + 10 ms: BOUND with a PHKT. */
static void bind_cga(uint64_t t)
{
	do_register(&g_coa1, t);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(ba_cga(0, LIFETIME / 4, 0, t + 10), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
	assert_true(F.e.have_phkt);
}

/* No three BUs within any second (MAX_UPDATE_RATE). */
static void assert_rate_ok(void)
{
	for (unsigned int i = 0; i + BUL_MAX_UPDATE_RATE < F.n_sends && i + 3 < REC_CAP; i++)
		assert_true(sent(i + BUL_MAX_UPDATE_RATE)->at - sent(i)->at >= 1000);
}

/* ---------------------------------------------------------------- */
/* Fixtures */

static int group_setup(void **state)
{
	g_enc_len = sizeof(g_enc);
	if (mn_key_generate(1024, &g_key) || mn_phkt_encrypt(g_key, g_phkt, g_enc, &g_enc_len))
		return -1;
	inet_pton(AF_INET6, "2001:db8:1::1", &g_dar);
	inet_pton(AF_INET6, "2001:db8:1:0:3464:528c:c33e:cf2f", &g_hoa);
	inet_pton(AF_INET6, "2001:db8:2:0:30c3:6a68:3e51:3552", &g_coa1);
	inet_pton(AF_INET6, "2001:db8:3:0:1111:2222:3333:4444", &g_coa2);
	return 0;
}

static int group_teardown(void **state)
{
	mn_key_free(g_key);
	return 0;
}

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.ctx.ops = &fake_ops;
	F.ctx.user = &F;
	F.ctx.key = g_key;
	bul_entry_init(&F.e, &g_dar, &g_hoa, &g_coa1, LIFETIME, SEQ0);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Tests */

static void test_init(void **state)
{
	assert_int_equal(F.e.state, BUL_IDLE);
	assert_int_equal(F.e.seq, SEQ0);
	assert_int_equal(F.e.lifetime_req, LIFETIME);
	assert_memory_equal(&F.e.dar, &g_dar, sizeof(g_dar));
	assert_memory_equal(&F.e.hoa, &g_hoa, sizeof(g_hoa));
	assert_memory_equal(&F.e.coa, &g_coa1, sizeof(g_coa1));
	assert_true(F.e.retx_at == BUL_NEVER && F.e.refresh_at == BUL_NEVER &&
		    F.e.expires_at == BUL_NEVER);
	assert_true(bul_next(&F.e) == BUL_NEVER);
	assert_false(F.e.sent_any);
	/* Nothing to do while idle. */
	tick(100000);
	assert_int_equal(F.n_attempts, 0);
}

/* Sends at 0, 1.5, 4.5, 10.5, 22.5, 46.5 s, then every 32 s; every one
 * with a new sequence number; never giving up. */
static void test_first_registration_timeline(void **state)
{
	static const uint64_t want[] = {0,     1500,  4500,   10500,  22500,
					46500, 78500, 110500, 142500, 174500};
	unsigned int n = sizeof(want) / sizeof(want[0]);

	do_register(&g_coa1, 0);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.e.timeout_ms, BUL_INITIAL_TIMEOUT_FIRST_MS);
	assert_int_equal(F.e.tries, 1);
	assert_true(bul_next(&F.e) == 1500);
	tick(1499);
	assert_int_equal(F.n_sends, 1);

	run_to(want[n - 1]);
	assert_int_equal(F.n_sends, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_true(sent(i)->at == want[i]);
		assert_int_equal(sent(i)->seq, (uint16_t)(SEQ0 + 1 + i));
		assert_int_equal(sent(i)->auth, BUL_AUTH_CGA);
		assert_int_equal(sent(i)->lifetime, LIFETIME);
		assert_memory_equal(&sent(i)->coa, &g_coa1, sizeof(g_coa1));
	}
	assert_int_equal(F.e.timeout_ms, BUL_MAX_TIMEOUT_MS);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.e.tries, n);
	assert_true(F.e.first_sent_at == 0);
	assert_true(F.e.sent_at == want[n - 1]);
	assert_int_equal(F.e.n_sent, n);
	assert_int_equal(F.n_bound + F.n_failed + F.n_unbound + F.n_expired, 0);
}

/* After a binding, a move re-registers with a token BU and 1 s timeout. */
static void test_reregistration_after_move(void **state)
{
	bind_cga(0);
	assert_int_equal(F.n_bound, 1);
	do_register(&g_coa2, 60000);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_memory_equal(&last()->coa, &g_coa2, sizeof(g_coa2));
	assert_int_equal(last()->lifetime, LIFETIME);
	assert_true(bul_next(&F.e) == 61000);
	run_to(63000);
	assert_int_equal(F.n_sends, 4);
	assert_true(sent(2)->at == 61000 && sent(3)->at == 63000);

	assert_int_equal(ba_token(0, last()->seq, 900, 63100), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
	/* A new CoA is news for the caller. */
	assert_int_equal(F.n_bound, 2);
	assert_memory_equal(&F.e.coa, &g_coa2, sizeof(g_coa2));
}

/* A BU still outstanding is superseded by a new registration. */
static void test_register_supersedes(void **state)
{
	uint16_t old;

	do_register(&g_coa1, 0);
	old = last()->seq;
	do_register(&g_coa2, 500);
	assert_int_equal(last()->seq, (uint16_t)(old + 1));
	assert_memory_equal(&last()->coa, &g_coa2, sizeof(g_coa2));
	assert_true(bul_next(&F.e) == 2000);
	/* The answer to the superseded BU is not for us. */
	{
		struct ba_spec s = {.status = 0,
				    .seq = old,
				    .lifetime = 900,
				    .enc = g_enc,
				    .enc_len = g_enc_len};

		assert_int_equal(feed(&s, 600), BUL_BA_IGNORED);
	}
	assert_int_equal(ba_cga(0, 900, 0, 700), BUL_BA_ACCEPTED);
	assert_memory_equal(&F.e.coa, &g_coa2, sizeof(g_coa2));
	assert_int_equal(F.n_bound, 1);
}

static void test_ba_wrong_seq_ignored(void **state)
{
	struct ba_spec s = {.status = 0, .lifetime = 900, .enc = g_enc, .enc_len = g_enc_len};

	/* Idle: nothing is expected. */
	s.seq = SEQ0 + 1;
	assert_int_equal(feed(&s, 0), BUL_BA_IGNORED);

	do_register(&g_coa1, 0);
	s.seq = (uint16_t)(last()->seq - 1);
	assert_int_equal(feed(&s, 10), BUL_BA_IGNORED);
	s.seq = (uint16_t)(last()->seq + 1);
	assert_int_equal(feed(&s, 20), BUL_BA_IGNORED);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.e.n_dropped, 0);

	/* After a retransmission, the answer to the first BU is stale. */
	s.seq = last()->seq;
	run_to(1500);
	assert_int_equal(feed(&s, 1510), BUL_BA_IGNORED);
	s.seq = last()->seq;
	assert_int_equal(feed(&s, 1520), BUL_BA_ACCEPTED);
	/* A duplicate once bound is ignored too (no BU outstanding). */
	assert_int_equal(feed(&s, 1530), BUL_BA_IGNORED);
	assert_int_equal(F.n_bound, 1);
	assert_int_equal(F.e.n_acked, 1);
}

static void test_cga_ba_without_phkt_dropped(void **state)
{
	struct ba_spec s = {.status = 0, .lifetime = 900};

	do_register(&g_coa1, 0);
	s.seq = last()->seq;
	assert_int_equal(feed(&s, 10), BUL_BA_DROPPED);
	assert_int_equal(F.e.n_dropped, 1);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_false(F.e.have_phkt);
	/* Retransmission continues. */
	run_to(1500);
	assert_int_equal(F.n_sends, 2);
	assert_int_equal(F.n_bound, 0);
}

static void test_cga_ba_bad_phkt_dropped(void **state)
{
	uint8_t junk[MN_SIG_MAX];
	struct ba_spec s = {.status = 0, .lifetime = 900, .enc = junk};

	do_register(&g_coa1, 0);
	s.seq = last()->seq;
	/* Larger than the modulus: no decryption can succeed. */
	memset(junk, 0xff, sizeof(junk));
	s.enc_len = g_enc_len;
	assert_int_equal(feed(&s, 10), BUL_BA_DROPPED);
	/* Wrong length for the key. */
	memcpy(junk, g_enc, g_enc_len);
	s.enc_len = g_enc_len - 8;
	assert_int_equal(feed(&s, 20), BUL_BA_DROPPED);
	/* A token made for another key. */
	{
		EVP_PKEY *other = NULL;
		size_t n = sizeof(junk);

		assert_int_equal(mn_key_generate(1024, &other), MN_OK);
		assert_int_equal(mn_phkt_encrypt(other, g_phkt, junk, &n), MN_OK);
		mn_key_free(other);
		s.enc_len = n;
		assert_int_equal(feed(&s, 30), BUL_BA_DROPPED);
	}
	assert_int_equal(F.e.n_dropped, 3);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_false(F.e.have_phkt);
	/* The good one still works. */
	assert_int_equal(ba_cga(0, 900, 0, 40), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
}

/* Good PHKT: bound, refresh at 95 % with a token BU that does not
 * disturb the binding. */
static void test_cga_ba_bound_and_refresh(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_cga(0, 900, 0, 100), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
	assert_int_equal(F.n_bound, 1);
	assert_true(F.e.have_phkt);
	assert_memory_equal(F.e.phkt, g_phkt, MN_PHKT_LEN);
	assert_true(F.e.ever_bound);
	assert_int_equal(F.e.lifetime_granted, 3600);
	assert_int_equal(F.e.refresh_advice, 0);
	assert_true(F.e.acked_at == 100);
	assert_true(F.e.expires_at == 100 + 3600000);
	assert_true(F.e.refresh_at == 100 + 3420000);
	assert_true(F.e.retx_at == BUL_NEVER);
	assert_true(bul_next(&F.e) == 100 + 3420000);
	assert_int_equal(F.e.n_acked, 1);
	assert_int_equal(F.e.last_status, 0);

	run_to(100 + 3420000 - 1);
	assert_int_equal(F.n_sends, 1);
	run_to(100 + 3420000);
	assert_int_equal(F.n_sends, 2);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_int_equal(last()->lifetime, LIFETIME);
	assert_memory_equal(&last()->coa, &g_coa1, sizeof(g_coa1));
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.e.timeout_ms, BUL_INITIAL_TIMEOUT_MS);
	assert_int_equal(F.n_unbound + F.n_expired, 0);

	assert_int_equal(ba_token(0, last()->seq, 900, 3420200), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
	/* Reported again: the caller renews the HoA's valid lifetime. */
	assert_int_equal(F.n_bound, 2);
	assert_true(F.e.expires_at == 3420200 + 3600000);
	assert_int_equal(F.e.n_acked, 2);
}

/* The granted lifetime rules, and a BRA earlier than 95 % wins. */
static void test_refresh_advice(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_cga(0, 900, 100, 0), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.refresh_advice, 400);
	assert_true(F.e.refresh_at == 400000);
	assert_true(F.e.expires_at == 3600000);

	/* A later BRA loses to 95 %. */
	do_brr(1000);
	assert_int_equal(ba_token(0, last()->seq, 450, 1000), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.lifetime_granted, 1800);
	assert_true(F.e.refresh_at == 1000 + 1710000);

	/* More than asked for is held to what was asked. */
	do_brr(2000);
	{
		struct ba_spec s = {.status = 0,
				    .seq = last()->seq,
				    .lifetime = 5000,
				    .bra = 4000,
				    .kbm = last()->kbm,
				    .coa = &last()->coa};

		assert_int_equal(feed(&s, 2000), BUL_BA_ACCEPTED);
	}
	assert_int_equal(F.e.lifetime_granted, LIFETIME);
	assert_true(F.e.refresh_at == 2000 + 3420000);
}

/* An accepting BA with Lifetime 0 to a registration grants nothing. */
static void test_zero_lifetime_granted_fails(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_cga(0, 0, 0, 10), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_FAILED);
	assert_int_equal(F.n_failed, 1);
	assert_int_equal(F.failed_status, 0);
	assert_int_equal(F.n_bound, 0);
	assert_true(bul_next(&F.e) == BUL_NEVER);
}

static void test_token_refresh_and_coa_change(void **state)
{
	bind_cga(0);
	do_brr(5000);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_int_equal(ba_token(0, last()->seq, 900, 5010), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_bound, 2);

	do_register(&g_coa2, 9000);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_memory_equal(&last()->coa, &g_coa2, sizeof(g_coa2));
	assert_int_equal(ba_token(0, last()->seq, 900, 9010), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_bound, 3);
	assert_memory_equal(&F.e.coa, &g_coa2, sizeof(g_coa2));
	assert_int_equal(F.n_cga, 1);
	assert_int_equal(F.n_token, 2);
}

static void test_token_ba_bad_bad_dropped(void **state)
{
	uint8_t wrong[MN_KBM_LEN];
	struct ba_spec s = {.status = 0, .lifetime = 900};

	bind_cga(0);
	do_brr(5000);
	s.seq = last()->seq;
	s.coa = &last()->coa;
	memcpy(wrong, last()->kbm, sizeof(wrong));
	wrong[0] ^= 1;
	s.kbm = wrong;
	assert_int_equal(feed(&s, 5010), BUL_BA_DROPPED);
	/* No BAD at all. */
	s.kbm = NULL;
	assert_int_equal(feed(&s, 5020), BUL_BA_DROPPED);
	/* No BAD, with a PHKT: still not an answer to a token BU. */
	s.enc = g_enc;
	s.enc_len = g_enc_len;
	assert_int_equal(feed(&s, 5030), BUL_BA_DROPPED);
	/* The BAD made for another CoA. */
	s.enc = NULL;
	s.kbm = last()->kbm;
	s.coa = &g_coa2;
	assert_int_equal(feed(&s, 5040), BUL_BA_DROPPED);
	assert_int_equal(F.e.n_dropped, 4);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.e.n_acked, 1);

	assert_int_equal(ba_token(0, last()->seq, 900, 5050), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
}

/* (j)2: three token BUs without a valid BA, then a CGA BU. */
static void test_token_fallback(void **state)
{
	bind_cga(0);
	do_brr(1000);
	run_to(4000);
	assert_int_equal(F.n_sends, 4);
	for (unsigned int i = 1; i < 4; i++)
		assert_int_equal(sent(i)->auth, BUL_AUTH_TOKEN);
	assert_int_equal(F.e.token_unanswered, 3);
	/* An invalid BA does not count as an answer. */
	{
		struct ba_spec s = {.status = 0, .seq = last()->seq, .lifetime = 900};

		assert_int_equal(feed(&s, 4500), BUL_BA_DROPPED);
	}
	run_to(8000);
	assert_int_equal(F.n_sends, 5);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(last()->seq, (uint16_t)(sent(3)->seq + 1));
	assert_int_equal(last()->lifetime, LIFETIME);
	assert_false(F.e.have_phkt);
	assert_int_equal(F.e.token_unanswered, 0);
	/* Retransmissions stay CGA until a PHKT arrives. */
	run_to(12000);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(ba_cga(0, 900, 0, 12100), BUL_BA_ACCEPTED);
	assert_true(F.e.have_phkt);
	assert_int_equal(F.n_bound, 2);
	do_brr(20000);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
}

/* A valid BA between token BUs restarts the count. */
static void test_token_fallback_reset(void **state)
{
	bind_cga(0);
	do_brr(1000);
	run_to(2000); /* two token BUs */
	assert_int_equal(ba_token(0, last()->seq, 900, 2100), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.token_unanswered, 0);
	do_brr(3000);
	run_to(6000); /* three more */
	assert_int_equal(F.n_token, 5);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	run_to(10000);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
}

/* 135: the next BU uses BA.seq + 1, at once, same method and lifetime. */
static void test_135_resync(void **state)
{
	uint16_t dar_seq;

	/* To a CGA BU: no BAD. */
	do_register(&g_coa1, 0);
	dar_seq = (uint16_t)(last()->seq + 500);
	assert_int_equal(ba_plain(135, dar_seq, 10), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 2);
	assert_int_equal(last()->seq, (uint16_t)(dar_seq + 1));
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(last()->lifetime, LIFETIME);
	assert_true(last()->at == 10);
	assert_int_equal(F.e.last_status, 135);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	/* A 135 older than the BU it would answer is stale. */
	assert_int_equal(ba_plain(135, (uint16_t)(last()->seq - 1), 20), BUL_BA_IGNORED);
	/* The BA to the resynchronised BU binds. */
	assert_int_equal(ba_cga(0, 900, 0, 30), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);

	/* To a token BU: a BAD is required. */
	do_brr(5000);
	dar_seq = (uint16_t)(last()->seq + 7);
	assert_int_equal(ba_plain(135, dar_seq, 5010), BUL_BA_DROPPED);
	assert_int_equal(F.n_sends, 3);
	assert_int_equal(ba_token(135, dar_seq, 0, 5020), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 4);
	assert_int_equal(last()->seq, (uint16_t)(dar_seq + 1));
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_true(last()->at == 5020);
	/* A 135 equal to our number is current. */
	assert_int_equal(ba_token(135, last()->seq, 0, 5030), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 5);
}

static void test_147_cga_bu(void **state)
{
	bind_cga(0);
	do_register(&g_coa2, 5000);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	/* Keyless from the DAR (profile (e)). */
	assert_int_equal(ba_plain(147, last()->seq, 5010), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 3);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(last()->lifetime, LIFETIME);
	assert_memory_equal(&last()->coa, &g_coa2, sizeof(g_coa2));
	assert_true(last()->at == 5010);
	assert_false(F.e.have_phkt);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.e.last_status, 147);
	/* With a BAD, it must verify. */
	assert_int_equal(ba_cga(0, 900, 0, 5020), BUL_BA_ACCEPTED);
	do_brr(9000);
	{
		uint8_t wrong[MN_KBM_LEN] = {0};
		struct ba_spec s = {.status = 147, .seq = last()->seq, .kbm = wrong};

		assert_int_equal(feed(&s, 9010), BUL_BA_DROPPED);
	}
	assert_int_equal(ba_token(147, last()->seq, 0, 9020), BUL_BA_ACCEPTED);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
}

static void test_147_to_cga_fails(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_plain(147, last()->seq, 10), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_FAILED);
	assert_int_equal(F.failed_status, 147);
	assert_int_equal(F.n_sends, 1);
}

static void test_148_to_cga_fails(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_plain(148, last()->seq, 10), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_FAILED);
	assert_int_equal(F.n_failed, 1);
	assert_int_equal(F.failed_status, 148);
	assert_int_equal(F.n_sends, 1);
	assert_true(bul_next(&F.e) == BUL_NEVER);
	run_to(1000000);
	assert_int_equal(F.n_sends, 1);
	/* Nothing more is wanted. */
	assert_int_equal(ba_plain(148, last()->seq, 20), BUL_BA_IGNORED);
}

static void test_148_to_token_cga_bu(void **state)
{
	bind_cga(0);
	do_brr(5000);
	assert_int_equal(ba_plain(148, last()->seq, 5010), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 3);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_true(last()->at == 5010);
	assert_false(F.e.have_phkt);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(F.n_failed, 0);
}

static void test_other_status_fails(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_plain(129, last()->seq, 10), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_FAILED);
	assert_int_equal(F.failed_status, 129);

	/* To a token BU the error must be authenticated. */
	setup(state);
	bind_cga(0);
	do_brr(5000);
	assert_int_equal(ba_plain(130, last()->seq, 5010), BUL_BA_DROPPED);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_int_equal(ba_token(130, last()->seq, 0, 5020), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_FAILED);
	assert_int_equal(F.failed_status, 130);
	assert_false(F.e.have_phkt);
	assert_int_equal(F.n_unbound, 0);
}

static void test_brr(void **state)
{
	/* Idle: ignored. */
	do_brr(0);
	assert_int_equal(F.n_attempts, 0);
	/* Registering: a BU is outstanding, ignored. */
	do_register(&g_coa1, 0);
	do_brr(100);
	assert_int_equal(F.n_sends, 1);
	assert_true(bul_next(&F.e) == 1500);
	assert_int_equal(ba_cga(0, 900, 0, 200), BUL_BA_ACCEPTED);
	/* Bound: refresh now. */
	do_brr(60000);
	assert_int_equal(F.n_sends, 2);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_true(last()->at == 60000);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_true(F.e.refresh_at == BUL_NEVER);
	assert_true(bul_next(&F.e) == 61000);
	do_brr(60100);
	assert_int_equal(F.n_sends, 2);
	assert_int_equal(F.n_unbound, 0);
}

static void test_dereg_token_acked(void **state)
{
	uint8_t kbm[MN_KBM_LEN];

	bind_cga(0);
	do_deregister(&g_hoa, 10000);
	assert_int_equal(F.e.state, BUL_DEREGISTERING);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_int_equal(last()->lifetime, 0);
	assert_memory_equal(&last()->coa, &g_hoa, sizeof(g_hoa));
	/* Kbm = SHA1(PHKT) for Lifetime 0. */
	mn_kbm(g_phkt, NULL, MN_KBM_DEREG, kbm);
	assert_memory_equal(last()->kbm, kbm, MN_KBM_LEN);
	assert_true(F.e.expires_at == BUL_NEVER && F.e.refresh_at == BUL_NEVER);
	assert_true(bul_next(&F.e) == 11000);

	assert_int_equal(ba_token(0, last()->seq, 0, 10050), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_DONE);
	assert_int_equal(F.n_unbound, 1);
	assert_int_equal(F.n_failed, 0);
	assert_false(F.e.have_phkt);
	assert_true(bul_next(&F.e) == BUL_NEVER);
	/* Again: nothing more happens. */
	do_deregister(&g_hoa, 20000);
	assert_int_equal(F.n_unbound, 1);
	assert_int_equal(F.n_sends, 2);
}

/* A CGA de-registration is acknowledged without a PHKT. */
static void test_dereg_cga_acked(void **state)
{
	do_register(&g_coa1, 0);
	do_deregister(&g_coa1, 100);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(last()->lifetime, 0);
	assert_int_equal(ba_plain(0, last()->seq, 200), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_DONE);
	assert_int_equal(F.n_unbound, 1);
}

static void test_dereg_gives_up(void **state)
{
	bind_cga(0);
	do_deregister(&g_coa1, 10000);
	run_to(10000 + 14999);
	assert_int_equal(F.n_sends, 1 + BUL_DEREG_TRIES);
	assert_true(sent(1)->at == 10000 && sent(2)->at == 11000 && sent(3)->at == 13000 &&
		    sent(4)->at == 17000);
	for (unsigned int i = 1; i <= BUL_DEREG_TRIES; i++)
		assert_int_equal(sent(i)->lifetime, 0);
	assert_int_equal(F.e.state, BUL_DEREGISTERING);
	assert_int_equal(F.n_unbound, 0);
	run_to(10000 + 15000);
	assert_int_equal(F.e.state, BUL_DONE);
	assert_int_equal(F.n_unbound, 1);
	assert_int_equal(F.n_sends, 1 + BUL_DEREG_TRIES);
	assert_int_equal(F.n_expired, 0);
	assert_true(bul_next(&F.e) == BUL_NEVER);
}

/* An error to a de-registration ends it (never "failed"). */
static void test_dereg_error_ends(void **state)
{
	bind_cga(0);
	do_deregister(&g_hoa, 10000);
	assert_int_equal(ba_token(129, last()->seq, 0, 10010), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_DONE);
	assert_int_equal(F.n_unbound, 1);
	assert_int_equal(F.n_failed, 0);
}

static void test_dereg_idle(void **state)
{
	do_deregister(&g_hoa, 0);
	assert_int_equal(F.e.state, BUL_DONE);
	assert_int_equal(F.n_unbound, 1);
	assert_int_equal(F.n_attempts, 0);
	assert_true(bul_next(&F.e) == BUL_NEVER);
}

/* No refresh acknowledged before the binding ran out: expired, once;
 * retries continue until one is. */
static void test_expiry(void **state)
{
	F.e.lifetime_req = 400;
	do_register(&g_coa1, 0);
	assert_int_equal(ba_cga(0, 100, 0, 10), BUL_BA_ACCEPTED);
	assert_true(F.e.expires_at == 400010);
	assert_true(F.e.refresh_at == 380010);
	run_to(400009);
	assert_int_equal(F.n_expired, 0);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_true(bul_next(&F.e) == 400010);
	run_to(400010);
	assert_int_equal(F.n_expired, 1);
	assert_true(F.e.expires_at == BUL_NEVER);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	run_to(600000);
	assert_int_equal(F.n_expired, 1);
	assert_int_equal(F.n_unbound + F.n_failed, 0);
	assert_int_equal(F.n_bound, 1);
	/* By then the token BUs have given way to CGA BUs. */
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(ba_cga(0, 100, 0, 600010), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_bound, 2);
}

/* MAX_UPDATE_RATE: a burst of 135s yields at most 3 BUs a second. */
static void test_rate_limit_135(void **state)
{
	do_register(&g_coa1, 0);
	assert_int_equal(ba_plain(135, last()->seq, 10), BUL_BA_ACCEPTED);
	assert_int_equal(ba_plain(135, last()->seq, 20), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 3);
	assert_int_equal(ba_plain(135, last()->seq, 30), BUL_BA_ACCEPTED);
	assert_int_equal(F.n_sends, 3);
	assert_true(F.e.send_deferred);
	assert_true(bul_next(&F.e) == 1000);
	/* Nothing is outstanding until the deferred BU goes. */
	assert_int_equal(ba_plain(135, last()->seq, 40), BUL_BA_IGNORED);
	assert_int_equal(ba_plain(135, (uint16_t)(last()->seq + 9), 50), BUL_BA_IGNORED);
	run_to(999);
	assert_int_equal(F.n_sends, 3);
	run_to(1000);
	assert_int_equal(F.n_sends, 4);
	assert_int_equal(last()->seq, (uint16_t)(sent(2)->seq + 1));
	/* A deferral is no timeout: no backoff. */
	assert_int_equal(F.e.timeout_ms, BUL_INITIAL_TIMEOUT_FIRST_MS);
	assert_true(bul_next(&F.e) == 2500);
	assert_int_equal(ba_plain(135, last()->seq, 1001), BUL_BA_ACCEPTED);
	assert_true(bul_next(&F.e) == 1010);
	run_to(1010);
	assert_int_equal(F.n_sends, 5);
	assert_rate_ok();
	assert_int_equal(ba_cga(0, 900, 0, 1020), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
}

/* A burst of moves: the last CoA wins, sent when the rate allows. */
static void test_rate_limit_register(void **state)
{
	do_register(&g_coa1, 0);
	do_register(&g_coa2, 100);
	do_register(&g_coa1, 200);
	assert_int_equal(F.n_sends, 3);
	do_register(&g_coa2, 300);
	assert_int_equal(F.n_sends, 3);
	/* The BU from 200 went out with the old CoA: not an answer. */
	assert_int_equal(ba_cga(0, 900, 0, 350), BUL_BA_IGNORED);
	assert_true(bul_next(&F.e) == 1000);
	run_to(1000);
	assert_int_equal(F.n_sends, 4);
	assert_memory_equal(&last()->coa, &g_coa2, sizeof(g_coa2));
	assert_int_equal(F.e.tries, 1);
	assert_true(F.e.first_sent_at == 1000);
	assert_true(bul_next(&F.e) == 2500);
	assert_rate_ok();
}

/* Sequence numbers wrap at 0xffff -> 0 and still compare newer. */
static void test_seq_wrap(void **state)
{
	bul_entry_init(&F.e, &g_dar, &g_hoa, &g_coa1, LIFETIME, 0xfffe);
	do_register(&g_coa1, 0);
	assert_int_equal(last()->seq, 0xffff);
	run_to(1500);
	assert_int_equal(last()->seq, 0);
	assert_true(mh_seq_newer(0, 0xffff));
	assert_false(mh_seq_newer(0xffff, 0));
	/* 135 with a number older than ours (across the wrap): stale. */
	assert_int_equal(ba_plain(135, 0xffff, 1510), BUL_BA_IGNORED);
	/* Newer across the wrap: follow it. */
	bul_entry_init(&F.e, &g_dar, &g_hoa, &g_coa1, LIFETIME, 0xfff0);
	memset(&F.recs, 0, sizeof(F.recs));
	F.n_sends = 0;
	do_register(&g_coa1, 10000);
	assert_int_equal(ba_plain(135, 0xfffe, 10010), BUL_BA_ACCEPTED);
	assert_int_equal(last()->seq, 0xffff);
	assert_int_equal(ba_plain(135, 2, 10020), BUL_BA_ACCEPTED);
	assert_int_equal(last()->seq, 3);
	assert_int_equal(ba_cga(0, 900, 0, 10030), BUL_BA_ACCEPTED);
	assert_int_equal(F.e.state, BUL_BOUND);
}

/* §3.3: at most 0x7fff token BUs under one PHKT, then a CGA BU renews it. */
static void test_phkt_renewal(void **state)
{
	uint64_t t = 0;

	bind_cga(t);
	for (unsigned int i = 0; i < BUL_PHKT_MAX_SEQ; i++) {
		t += 1000;
		do_brr(t);
		assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
		assert_int_equal(ba_token(0, last()->seq, 900, t + 10), BUL_BA_ACCEPTED);
	}
	assert_int_equal(F.n_token, 0x7fff);
	assert_int_equal(F.n_cga, 1);
	t += 1000;
	do_brr(t);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_false(F.e.have_phkt);
	assert_int_equal(ba_cga(0, 900, 0, t + 10), BUL_BA_ACCEPTED);
	/* The new PHKT starts a new span. */
	t += 1000;
	do_brr(t);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_int_equal(F.n_bound, 0x7fff + 2);
	assert_int_equal(F.e.n_acked, 0x7fff + 2);
}

/* The span counts sequence numbers, so a 135 jump shortens it. */
static void test_phkt_renewal_after_jump(void **state)
{
	uint16_t base;

	bind_cga(0);
	base = last()->seq;
	do_brr(1000);
	assert_int_equal(ba_token(135, (uint16_t)(base + 0x7ffe), 0, 1010), BUL_BA_ACCEPTED);
	assert_int_equal(last()->auth, BUL_AUTH_TOKEN);
	assert_int_equal(last()->seq, (uint16_t)(base + 0x7fff));
	assert_int_equal(ba_token(0, last()->seq, 900, 1020), BUL_BA_ACCEPTED);
	do_brr(2000);
	assert_int_equal(last()->auth, BUL_AUTH_CGA);
	assert_int_equal(last()->seq, (uint16_t)(base + 0x8000));
}

/* A BU that could not be sent is never answered, and is retried. */
static void test_send_failure(void **state)
{
	F.send_err = MN_ERR_IO;
	do_register(&g_coa1, 0);
	assert_int_equal(F.n_attempts, 1);
	assert_int_equal(F.e.n_sent, 0);
	assert_false(F.e.sent_any);
	assert_int_equal(F.e.state, BUL_REGISTERING);
	assert_true(bul_next(&F.e) == 1500);
	{
		struct ba_spec s = {.status = 0,
				    .seq = F.e.seq,
				    .lifetime = 900,
				    .enc = g_enc,
				    .enc_len = g_enc_len};

		assert_int_equal(feed(&s, 10), BUL_BA_IGNORED);
	}
	F.send_err = MN_OK;
	run_to(1500);
	assert_int_equal(F.n_sends, 1);
	assert_int_equal(last()->seq, SEQ0 + 2); /* the failed number is not reused */
	assert_int_equal(ba_cga(0, 900, 0, 1510), BUL_BA_ACCEPTED);

	/* Nothing ever reached the DAR: de-registering sends nothing. */
	setup(state);
	F.send_err = MN_ERR_IO;
	do_register(&g_coa1, 0);
	do_deregister(&g_coa1, 100);
	assert_int_equal(F.e.state, BUL_DONE);
	assert_int_equal(F.n_unbound, 1);
	assert_int_equal(F.n_attempts, 1);
}

static void test_state_names(void **state)
{
	assert_string_equal(bul_state_name(BUL_IDLE), "idle");
	assert_string_equal(bul_state_name(BUL_REGISTERING), "registering");
	assert_string_equal(bul_state_name(BUL_BOUND), "bound");
	assert_string_equal(bul_state_name(BUL_DEREGISTERING), "deregistering");
	assert_string_equal(bul_state_name(BUL_DONE), "done");
	assert_string_equal(bul_state_name(BUL_FAILED), "failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init, setup),
		cmocka_unit_test_setup(test_first_registration_timeline, setup),
		cmocka_unit_test_setup(test_reregistration_after_move, setup),
		cmocka_unit_test_setup(test_register_supersedes, setup),
		cmocka_unit_test_setup(test_ba_wrong_seq_ignored, setup),
		cmocka_unit_test_setup(test_cga_ba_without_phkt_dropped, setup),
		cmocka_unit_test_setup(test_cga_ba_bad_phkt_dropped, setup),
		cmocka_unit_test_setup(test_cga_ba_bound_and_refresh, setup),
		cmocka_unit_test_setup(test_refresh_advice, setup),
		cmocka_unit_test_setup(test_zero_lifetime_granted_fails, setup),
		cmocka_unit_test_setup(test_token_refresh_and_coa_change, setup),
		cmocka_unit_test_setup(test_token_ba_bad_bad_dropped, setup),
		cmocka_unit_test_setup(test_token_fallback, setup),
		cmocka_unit_test_setup(test_token_fallback_reset, setup),
		cmocka_unit_test_setup(test_135_resync, setup),
		cmocka_unit_test_setup(test_147_cga_bu, setup),
		cmocka_unit_test_setup(test_147_to_cga_fails, setup),
		cmocka_unit_test_setup(test_148_to_cga_fails, setup),
		cmocka_unit_test_setup(test_148_to_token_cga_bu, setup),
		cmocka_unit_test_setup(test_other_status_fails, setup),
		cmocka_unit_test_setup(test_brr, setup),
		cmocka_unit_test_setup(test_dereg_token_acked, setup),
		cmocka_unit_test_setup(test_dereg_cga_acked, setup),
		cmocka_unit_test_setup(test_dereg_gives_up, setup),
		cmocka_unit_test_setup(test_dereg_error_ends, setup),
		cmocka_unit_test_setup(test_dereg_idle, setup),
		cmocka_unit_test_setup(test_expiry, setup),
		cmocka_unit_test_setup(test_rate_limit_135, setup),
		cmocka_unit_test_setup(test_rate_limit_register, setup),
		cmocka_unit_test_setup(test_seq_wrap, setup),
		cmocka_unit_test_setup(test_phkt_renewal, setup),
		cmocka_unit_test_setup(test_phkt_renewal_after_jump, setup),
		cmocka_unit_test_setup(test_send_failure, setup),
		cmocka_unit_test_setup(test_state_names, setup),
	};

	return cmocka_run_group_tests_name("bul", tests, group_setup, group_teardown);
}
