// SPDX-License-Identifier: BSD-3-Clause
/*
 * The reference DAR's decision logic (tests/dar/dar_bc.c), without root and
 * without sockets: BUs built with the project's own builders go through
 * dar_bc_process_mh exactly as mn-dar feeds them, and the BAs that come back
 * are decoded and checked as the MN would check them.
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

#include "dar_bc.h"
#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"

#define T0 1000000 /* an arbitrary monotonic start, ms */

static struct {
	EVP_PKEY *key;
	uint8_t params[512];
	size_t params_len;
	struct in6_addr hoa, coa, coa2, dar, prefix;
} G;

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static int group_setup(void **state)
{
	struct cga_params p;
	uint8_t *spki = NULL;
	size_t spki_len;

	G.dar = addr("2001:db8:1::1");
	G.coa = addr("2001:db8:2::5");
	G.coa2 = addr("2001:db8:3::7");
	G.prefix = addr("2001:db8:1::");
	if (mn_key_generate(1024, &G.key) != MN_OK || mn_key_spki(G.key, &spki, &spki_len) != MN_OK)
		return -1;
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < CGA_MODIFIER_LEN; i++)
		p.modifier[i] = (uint8_t)(0x40 + i);
	memcpy(p.prefix, G.prefix.s6_addr, 8);
	p.pubkey = spki;
	p.pubkey_len = spki_len;
	if (cga_params_encode(&p, G.params, sizeof(G.params), &G.params_len) != MN_OK ||
	    cga_address(&p, 0, &G.hoa) != MN_OK)
		return -1;
	free(spki);
	return 0;
}

static int group_teardown(void **state)
{
	mn_key_free(G.key);
	return 0;
}

static void bc_setup(struct dar_bc *bc, const char *prefix, uint32_t cap, uint32_t brr_before)
{
	struct dar_config cfg = {
		.dar = G.dar,
		.n_prefixes = 1,
		.lifetime_cap = cap,
		.brr_before = brr_before,
	};

	char buf[64];

	snprintf(buf, sizeof(buf), "%s", prefix);
	*strchr(buf, '/') = 0;
	cfg.prefixes[0] = addr(buf);
	dar_bc_init(bc, &cfg);
}

struct bu {
	uint8_t mh[MH_MAX_LEN];
	size_t len;
	uint8_t kbm[MN_KBM_LEN];
	struct in6_addr coa;
};

static void bu_cga(struct bu *b, uint16_t seq, uint16_t lifetime, const struct in6_addr *coa)
{
	struct msg_bu m = {
		.seq = seq, .lifetime = lifetime, .hoa = G.hoa, .coa = *coa, .dar = G.dar};

	b->coa = *coa;
	assert_int_equal(
		msg_build_bu_cga(b->mh, sizeof(b->mh), &b->len, &m, G.params, G.params_len, G.key),
		MN_OK);
}

static void bu_token(struct bu *b, uint16_t seq, uint16_t lifetime, const struct in6_addr *coa,
		     const uint8_t phkt[MN_PHKT_LEN])
{
	struct msg_bu m = {
		.seq = seq, .lifetime = lifetime, .hoa = G.hoa, .coa = *coa, .dar = G.dar};

	b->coa = *coa;
	assert_int_equal(
		msg_build_bu_token(b->mh, sizeof(b->mh), &b->len, &m, phkt, NULL, 0, b->kbm),
		MN_OK);
}

/* Process b as if it arrived tunnelled from `outer` (NULL: un-tunnelled). */
static enum dar_action run(struct dar_bc *bc, const struct bu *b, const struct in6_addr *outer,
			   int64_t now, struct dar_bu_out *out)
{
	struct dar_bu_in in = {
		.mh = b->mh,
		.len = b->len,
		.src = G.hoa,
		.dst = G.dar,
		.outer = outer,
		.now_ms = now,
	};

	return dar_bc_process_mh(bc, &in, out);
}

/* Decode out's BA as the MN does (checksum DAR -> HoA). */
static void ba_decode(const struct dar_bu_out *out, struct mh_msg *m)
{
	assert_true(out->send_ba);
	assert_true(mh_checksum_ok(&G.dar, &G.hoa, out->ba, out->ba_len));
	assert_int_equal(mh_decode(out->ba, out->ba_len, m), MN_OK);
	assert_int_equal(m->type, MH_BA);
	assert_int_equal(m->u.ba.status, out->status);
	assert_int_equal(m->u.ba.seq, out->ba_seq);
	assert_int_equal(m->u.ba.lifetime, out->ba_lifetime);
}

static struct dar_bu_out out; /* large: keep off the stack */
static struct mh_msg ba;

/* CGA BU accepted: binding, BA with an encrypted PHKT the MN can read. */
static void register_cga(struct dar_bc *bc, uint16_t seq, uint8_t phkt[MN_PHKT_LEN])
{
	struct bu b;
	const struct dar_binding *e;

	bu_cga(&b, seq, 75, &G.coa);
	assert_int_equal(run(bc, &b, &G.coa, T0, &out), DAR_ACT_BIND);
	assert_int_equal(out.status, 0);
	assert_true(out.tunnelled);
	assert_memory_equal(&out.reply_outer, &G.coa, 16);
	ba_decode(&out, &ba);
	assert_true(mh_has(&ba, MH_OPT_PHKT));
	assert_false(mh_has(&ba, MH_OPT_BAD));
	assert_int_equal(ba.phkt_len, 128);
	assert_int_equal(mn_phkt_decrypt(G.key, ba.phkt, ba.phkt_len, phkt), MN_OK);
	e = dar_bc_find(bc, &G.hoa);
	assert_non_null(e);
	assert_memory_equal(e->phkt, phkt, MN_PHKT_LEN);
	assert_memory_equal(&e->coa, &G.coa, 16);
	assert_int_equal(e->seq, seq);
}

static void test_cga_accept(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN], phkt2[MN_PHKT_LEN];
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	register_cga(&bc, 1, phkt);
	assert_int_equal(ba.u.ba.lifetime, 75);
	assert_int_equal(out.method, MSG_BU_CGA);

	/* A newer CGA BU renews the PHKT (same CoA: refresh). */
	bu_cga(&b, 2, 75, &G.coa);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 10, &out), DAR_ACT_REFRESH);
	ba_decode(&out, &ba);
	assert_int_equal(mn_phkt_decrypt(G.key, ba.phkt, ba.phkt_len, phkt2), MN_OK);
	assert_memory_equal(dar_bc_find(&bc, &G.hoa)->phkt, phkt2, MN_PHKT_LEN);
	assert_int_equal(bc.n, 1);
	dar_bc_free(&bc);
}

static void test_token_accept(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN];
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	register_cga(&bc, 1, phkt);

	bu_token(&b, 2, 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 100, &out), DAR_ACT_REFRESH);
	assert_int_equal(out.method, MSG_BU_TOKEN);
	ba_decode(&out, &ba);
	assert_int_equal(ba.u.ba.status, 0);
	assert_false(mh_has(&ba, MH_OPT_PHKT));
	assert_int_equal(msg_ba_verify(&ba, out.ba, b.kbm, &G.coa, &G.dar), MN_OK);

	/* The MN moved: token BU from the new CoA rebinds. */
	bu_token(&b, 3, 75, &G.coa2, phkt);
	assert_int_equal(run(&bc, &b, &G.coa2, T0 + 200, &out), DAR_ACT_REBIND);
	assert_memory_equal(&out.old_coa, &G.coa, 16);
	assert_memory_equal(&out.reply_outer, &G.coa2, 16);
	ba_decode(&out, &ba);
	assert_int_equal(msg_ba_verify(&ba, out.ba, b.kbm, &G.coa2, &G.dar), MN_OK);
	assert_memory_equal(&dar_bc_find(&bc, &G.hoa)->coa, &G.coa2, 16);
	assert_non_null(dar_bc_find_coa(&bc, &G.coa2));
	assert_null(dar_bc_find_coa(&bc, &G.coa));
	dar_bc_free(&bc);
}

static void test_replay(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN];
	struct bu b1, b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	bu_cga(&b1, 10, 75, &G.coa);
	register_cga(&bc, 10, phkt); /* same seq 10 as b1 */
	bu_token(&b, 11, 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 1, &out), DAR_ACT_REFRESH);

	/* The same token BU again: 135 carrying the last accepted number. */
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 2, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_SEQ_OUT_OF_WINDOW);
	ba_decode(&out, &ba);
	assert_int_equal(ba.u.ba.seq, 11);
	assert_int_equal(ba.u.ba.lifetime, 0);
	assert_false(mh_has(&ba, MH_OPT_BAD));

	/* An older CGA BU (a replay of a valid signed message) too. */
	assert_int_equal(run(&bc, &b1, &G.coa, T0 + 3, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_SEQ_OUT_OF_WINDOW);
	assert_int_equal(out.ba_seq, 11);

	/* Wrap-around: 0x8000 ahead is not newer, 0x7fff ahead is. */
	bu_token(&b, (uint16_t)(11 + 0x8000), 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 4, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_SEQ_OUT_OF_WINDOW);
	bu_token(&b, (uint16_t)(11 + 0x7fff), 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 5, &out), DAR_ACT_REFRESH);
	assert_int_equal(dar_bc_find(&bc, &G.hoa)->seq, (uint16_t)(11 + 0x7fff));
	dar_bc_free(&bc);
}

static void corrupt_bad(struct bu *b)
{
	struct mh_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(mh_decode(b->mh, b->len, m), MN_OK);
	b->mh[m->bad_auth_off + 3] ^= 0x80;
	mh_set_checksum(&G.hoa, &G.dar, b->mh, b->len);
	free(m);
}

static void test_bad_authenticator(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN];
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	register_cga(&bc, 1, phkt);
	for (int i = 0; i < DAR_TOKEN_FAIL_RATE; i++) {
		bu_token(&b, (uint16_t)(2 + i), 75, &G.coa2, phkt);
		corrupt_bad(&b);
		assert_int_equal(run(&bc, &b, &G.coa2, T0 + 10 + i, &out), DAR_ACT_NONE);
		assert_int_equal(out.status, MH_BA_CGA_SIG_FAILED);
		assert_int_equal(out.err, MN_ERR_AUTH);
		ba_decode(&out, &ba);
		assert_false(mh_has(&ba, MH_OPT_BAD));
	}
	/* The binding is untouched: same CoA, same sequence number. */
	assert_memory_equal(&dar_bc_find(&bc, &G.hoa)->coa, &G.coa, 16);
	assert_int_equal(dar_bc_find(&bc, &G.hoa)->seq, 1);

	/* The sixth within the same second is dropped silently ... */
	bu_token(&b, 20, 75, &G.coa2, phkt);
	corrupt_bad(&b);
	assert_int_equal(run(&bc, &b, &G.coa2, T0 + 500, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_RATE);
	assert_false(out.send_ba);
	/* ... and answered again a second later. */
	assert_int_equal(run(&bc, &b, &G.coa2, T0 + 1600, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_CGA_SIG_FAILED);

	/* A valid token BU still works afterwards. */
	bu_token(&b, 21, 75, &G.coa2, phkt);
	assert_int_equal(run(&bc, &b, &G.coa2, T0 + 1700, &out), DAR_ACT_REBIND);
	dar_bc_free(&bc);
}

static void test_token_without_binding(void **state)
{
	static const uint8_t phkt[MN_PHKT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct dar_bc bc;
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	bu_token(&b, 7, 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_PHKT_UNAVAILABLE);
	ba_decode(&out, &ba);
	assert_int_equal(ba.u.ba.seq, 7);
	assert_false(mh_has(&ba, MH_OPT_BAD));
	assert_int_equal(bc.n, 0);
	dar_bc_free(&bc);
}

static void test_wrong_prefix(void **state)
{
	struct dar_bc bc;
	struct bu b;

	bc_setup(&bc, "2001:db8:9::/64", 86400, 5);
	bu_cga(&b, 1, 75, &G.coa);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_NOT_HOME_SUBNET);
	ba_decode(&out, &ba);
	assert_false(mh_has(&ba, MH_OPT_PHKT));
	assert_int_equal(bc.n, 0);
	dar_bc_free(&bc);
}

static void test_cga_bad_signature(void **state)
{
	struct dar_bc bc;
	struct bu b;
	struct in6_addr other = addr("2001:db8:1::1234");
	struct dar_bu_in in;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	bu_cga(&b, 1, 75, &G.coa);
	b.mh[b.len - 20] ^= 0x01; /* inside the signature */
	mh_set_checksum(&G.hoa, &G.dar, b.mh, b.len);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_CGA_SIG_FAILED);
	assert_int_equal(out.err, MN_ERR_SIGNATURE);
	assert_int_equal(bc.n, 0);

	/* A valid BU for another address in the prefix: the CGA check fails. */
	bu_cga(&b, 1, 75, &G.coa);
	mh_set_checksum(&other, &G.dar, b.mh, b.len);
	in = (struct dar_bu_in){.mh = b.mh,
				.len = b.len,
				.src = other,
				.dst = G.dar,
				.outer = &G.coa,
				.now_ms = T0};
	assert_int_equal(dar_bc_process_mh(&bc, &in, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_CGA_SIG_FAILED);
	assert_int_equal(bc.n, 0);
	dar_bc_free(&bc);
}

static void test_lifetime_cap(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN];
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 100, 5); /* 25 units */
	bu_cga(&b, 1, 75, &G.coa);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_BIND);
	ba_decode(&out, &ba);
	assert_int_equal(ba.u.ba.lifetime, 25);
	assert_int_equal(dar_bc_find(&bc, &G.hoa)->lifetime_units, 25);
	assert_int_equal(dar_bc_find(&bc, &G.hoa)->expires_ms, T0 + 100000);
	assert_int_equal(mn_phkt_decrypt(G.key, ba.phkt, ba.phkt_len, phkt), MN_OK);

	/* Below the cap the request is granted as is. */
	bu_token(&b, 2, 10, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 1000, &out), DAR_ACT_REFRESH);
	assert_int_equal(out.ba_lifetime, 10);
	assert_int_equal(dar_bc_find(&bc, &G.hoa)->expires_ms, T0 + 1000 + 40000);
	dar_bc_free(&bc);
}

static void test_deregistration(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN], kbm[MN_KBM_LEN];
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	register_cga(&bc, 1, phkt);
	bu_token(&b, 2, 0, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 5, &out), DAR_ACT_UNBIND);
	assert_memory_equal(&out.old_coa, &G.coa, 16);
	ba_decode(&out, &ba);
	assert_int_equal(ba.u.ba.status, 0);
	assert_int_equal(ba.u.ba.lifetime, 0);
	mn_kbm(phkt, NULL, MN_KBM_DEREG, kbm);
	assert_memory_equal(kbm, b.kbm, MN_KBM_LEN);
	assert_int_equal(msg_ba_verify(&ba, out.ba, kbm, &G.coa, &G.dar), MN_OK);
	assert_null(dar_bc_find(&bc, &G.hoa));
	assert_int_equal(dar_bc_next_deadline(&bc), -1);

	/* Now there is no PHKT: a token BU gets 147. */
	bu_token(&b, 3, 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, &G.coa, T0 + 6, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_PHKT_UNAVAILABLE);
	dar_bc_free(&bc);
}

/* Back on the DAR's own link: un-tunnelled, CoA = HoA, Lifetime 0. */
static void test_home_deregistration(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN];
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	register_cga(&bc, 1, phkt);
	bu_token(&b, 2, 0, &G.hoa, phkt);
	assert_int_equal(run(&bc, &b, NULL, T0 + 5, &out), DAR_ACT_UNBIND);
	assert_false(out.tunnelled);
	ba_decode(&out, &ba);
	assert_int_equal(msg_ba_verify(&ba, out.ba, b.kbm, &G.hoa, &G.dar), MN_OK);
	assert_int_equal(bc.n, 0);

	/* Un-tunnelled with a foreign CoA is refused (CoA != source). */
	register_cga(&bc, 3, phkt);
	bu_token(&b, 4, 75, &G.coa, phkt);
	assert_int_equal(run(&bc, &b, NULL, T0 + 6, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_SPOOFED);
	assert_int_equal(bc.n, 1);
	dar_bc_free(&bc);
}

static void test_expiry_and_brr(void **state)
{
	struct dar_bc bc;
	struct dar_event ev;
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	bu_cga(&b, 1, 5, &G.coa); /* 20 s */
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_BIND);
	assert_int_equal(dar_bc_next_deadline(&bc), T0 + 15000);
	assert_false(dar_bc_poll(&bc, T0 + 14999, &ev));
	assert_true(dar_bc_poll(&bc, T0 + 15000, &ev));
	assert_int_equal(ev.kind, DAR_EV_BRR);
	assert_memory_equal(&ev.b.coa, &G.coa, 16);
	assert_true(mh_checksum_ok(&G.dar, &G.hoa, ev.msg, ev.msg_len));
	assert_int_equal(mh_decode(ev.msg, ev.msg_len, &ba), MN_OK);
	assert_int_equal(ba.type, MH_BRR);
	/* once only */
	assert_false(dar_bc_poll(&bc, T0 + 16000, &ev));
	assert_int_equal(dar_bc_next_deadline(&bc), T0 + 20000);
	assert_non_null(dar_bc_find(&bc, &G.hoa));
	assert_true(dar_bc_poll(&bc, T0 + 20000, &ev));
	assert_int_equal(ev.kind, DAR_EV_EXPIRED);
	assert_memory_equal(&ev.b.hoa, &G.hoa, 16);
	assert_null(dar_bc_find(&bc, &G.hoa));
	assert_false(dar_bc_poll(&bc, T0 + 30000, &ev));
	assert_int_equal(dar_bc_next_deadline(&bc), -1);

	/* A lifetime not longer than brr-before gets no BRR, just expiry. */
	bu_cga(&b, 2, 1, &G.coa); /* 4 s */
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_BIND);
	assert_int_equal(dar_bc_next_deadline(&bc), T0 + 4000);
	assert_true(dar_bc_poll(&bc, T0 + 4000, &ev));
	assert_int_equal(ev.kind, DAR_EV_EXPIRED);
	dar_bc_free(&bc);
}

static void test_drops(void **state)
{
	struct dar_bc bc;
	uint8_t phkt[MN_PHKT_LEN];
	struct bu b;
	struct dar_bu_in in;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	/* Alternate CoA differs from the outer source. */
	bu_cga(&b, 1, 75, &G.coa);
	assert_int_equal(run(&bc, &b, &G.coa2, T0, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_SPOOFED);
	assert_false(out.send_ba);
	/* Bad checksum. */
	b.mh[4] ^= 1;
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_CHECKSUM);
	/* Undecodable: Payload Proto not 59 (checksum fixed). */
	b.mh[4] ^= 1;
	b.mh[0] = 6;
	mh_set_checksum(&G.hoa, &G.dar, b.mh, b.len);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_DECODE);
	assert_int_equal(out.err, MN_ERR_PAYLOAD_PROTO);
	/* Truncated. */
	b.len = 3;
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_DECODE);
	/* Not a BU (a BRR). */
	assert_int_equal(msg_build_brr(b.mh, sizeof(b.mh), &b.len, &G.dar, &G.hoa), MN_OK);
	mh_set_checksum(&G.hoa, &G.dar, b.mh, b.len);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_DECODE);
	/* Not addressed to the DAR address. */
	register_cga(&bc, 1, phkt);
	bu_token(&b, 2, 75, &G.coa, phkt);
	in = (struct dar_bu_in){.mh = b.mh,
				.len = b.len,
				.src = G.hoa,
				.dst = G.coa2,
				.outer = &G.coa,
				.now_ms = T0};
	mh_set_checksum(&G.hoa, &G.coa2, b.mh, b.len);
	assert_int_equal(dar_bc_process_mh(&bc, &in, &out), DAR_ACT_DROP);
	assert_int_equal(out.drop, DAR_DROP_NOT_OURS);
	dar_bc_free(&bc);
}

/* BUs the profile does not accept: 129. */
static void test_prohibited(void **state)
{
	struct dar_bc bc;
	struct mh_builder mb;
	struct bu b;

	bc_setup(&bc, "2001:db8:1::/64", 86400, 5);
	/* H clear */
	mh_build_init(&mb, b.mh, sizeof(b.mh), MH_BU);
	mh_build_bu(&mb, 1, MH_BU_F_A, 75);
	mh_put_altcoa(&mb, &G.coa);
	b.len = mh_build_finish(&mb);
	mh_set_checksum(&G.hoa, &G.dar, b.mh, b.len);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_PROHIBITED);
	ba_decode(&out, &ba);
	/* A|H but neither CGA options nor Nonce Indices + BAD */
	mh_build_init(&mb, b.mh, sizeof(b.mh), MH_BU);
	mh_build_bu(&mb, 2, MH_BU_F_A | MH_BU_F_H, 75);
	mh_put_altcoa(&mb, &G.coa);
	b.len = mh_build_finish(&mb);
	mh_set_checksum(&G.hoa, &G.dar, b.mh, b.len);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_PROHIBITED);
	assert_int_equal(out.method, MSG_BU_OTHER);
	/* CGA Parameters not followed by a Signature: 148 */
	mh_build_init(&mb, b.mh, sizeof(b.mh), MH_BU);
	mh_build_bu(&mb, 3, MH_BU_F_A | MH_BU_F_H, 75);
	mh_put_altcoa(&mb, &G.coa);
	mh_put_cga_params(&mb, G.params, G.params_len);
	b.len = mh_build_finish(&mb);
	mh_set_checksum(&G.hoa, &G.dar, b.mh, b.len);
	assert_int_equal(run(&bc, &b, &G.coa, T0, &out), DAR_ACT_NONE);
	assert_int_equal(out.status, MH_BA_CGA_SIG_FAILED);
	assert_int_equal(bc.n, 0);
	dar_bc_free(&bc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cga_accept),
		cmocka_unit_test(test_token_accept),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_bad_authenticator),
		cmocka_unit_test(test_token_without_binding),
		cmocka_unit_test(test_wrong_prefix),
		cmocka_unit_test(test_cga_bad_signature),
		cmocka_unit_test(test_lifetime_cap),
		cmocka_unit_test(test_deregistration),
		cmocka_unit_test(test_home_deregistration),
		cmocka_unit_test(test_expiry_and_brr),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_prohibited),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
