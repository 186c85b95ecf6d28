// SPDX-License-Identifier: BSD-3-Clause
/*
 * Whole messages of the project profile: the token BU and BA vectors of
 * notes §3.9 (c) byte for byte, the DAR-side verification of the signed
 * first BU vector (§3.9 (a)), and round trips MN -> DAR -> MN with fresh
 * keys, including every way a check must refuse.
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

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"

static const char *hoa_s = "2001:db8:1:0:3464:528c:c33e:cf2f";
static const char *coa_s = "2001:db8:2:0:30c3:6a68:3e51:3552";
static const char *dar_s = "2001:db8:1::1";
static const uint8_t phkt[MN_PHKT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t cokt[MH_TOKEN_LEN] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};

/* §3.9 (a): the first BU, signed with the NDprotector test key. */
static const char *first_bu_hex =
	"3b2b050047f00001c000003c0100031020010db80002000030c36a683e5135520cbb30d2e2da6457c031286"
	"7ab6f9bf933c120010db8000100000030819f300d06092a864886f70d010101050003818d00308189028181"
	"00d5291aaa8089075b36e9c1646eea994e0235c040fb80310124da6dd55ab9eb6db6d5b21608f5d4bfa503f"
	"e3c0ee518d6ef949d1fd93520ccefb7de386848c2d7675428d92ebc04c36be63bdae8fcea6cdce093aaa544"
	"39b198b48ea6147c113104a169aaf386986961aad43fd351b2fd9bb000eda6cb0b5a2c7fa33251738927020"
	"30100010d8081cc550f65ebe2e5d866a6a2751e63226be285c4fa5df52bee6036aa99db7d90baaf58a1b1e7"
	"10d478a1ea1bc8b50a38b611c03aa0a2bc54d26e5aa8fe48414f28d04df95349f1086516caf4a45f522a4d6"
	"6aa5e7778c3a54ff8612da729ac1dcba917a7ef5b9fdf8245026f9a642c5c3b5489e2454d9a254914ddc7cc"
	"45894500";

struct fixture {
	struct in6_addr hoa, coa, dar;
};

static void addrs(struct fixture *f)
{
	assert_int_equal(inet_pton(AF_INET6, hoa_s, &f->hoa), 1);
	assert_int_equal(inet_pton(AF_INET6, coa_s, &f->coa), 1);
	assert_int_equal(inet_pton(AF_INET6, dar_s, &f->dar), 1);
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void expect_bytes(const uint8_t *got, size_t got_len, const char *hex)
{
	uint8_t want[MH_MAX_LEN];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(got_len, n);
	assert_memory_equal(got, want, n);
}

/* §3.9 (c): token BUs, byte for byte. */
static void test_token_bu_vectors(void **state)
{
	struct fixture f;
	struct msg_bu bu;
	uint8_t mh[MH_MAX_LEN], kbm[MN_KBM_LEN];
	size_t len;

	addrs(&f);
	bu = (struct msg_bu){.seq = 2, .lifetime = 60, .hoa = f.hoa, .coa = f.coa, .dar = f.dar};
	assert_int_equal(msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, NULL, 0, kbm), MN_OK);
	expect_bytes(mh, len,
		     "3b060500a0be0002c000003c0100031020010db80002000030c36a683e513552040400000000"
		     "01020000050cc30b05e91fd8c6ba51c79d6d");

	bu.seq = 3;
	assert_int_equal(msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, cokt, 7, NULL), MN_OK);
	expect_bytes(mh, len,
		     "3b06050012ae0003c000003c0100031020010db80002000030c36a683e513552040400000007"
		     "01020000050c2ecf37152b1a4ec82d651f99");

	bu.seq = 4;
	bu.lifetime = 0;
	/* A care-of token given for a de-registration is ignored (RFC 4866). */
	assert_int_equal(msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, cokt, 7, NULL), MN_OK);
	expect_bytes(mh, len,
		     "3b060500f9c40004c00000000100031020010db80002000030c36a683e513552040400000000"
		     "01020000050cb41e48668a06694cdd4278d5");
}

/* §3.9 (c): the BA to the early BU, byte for byte, and its verification. */
static void test_ba_vector(void **state)
{
	struct fixture f;
	struct msg_bu bu;
	struct msg_ba ba;
	static struct mh_msg m;
	uint8_t mh[MH_MAX_LEN], kbm[MN_KBM_LEN];
	size_t len;

	addrs(&f);
	bu = (struct msg_bu){.seq = 2, .lifetime = 60, .hoa = f.hoa, .coa = f.coa, .dar = f.dar};
	msg_bu_kbm(&bu, phkt, NULL, kbm);
	ba = (struct msg_ba){.status = 0,
			     .seq = 2,
			     .lifetime = 60,
			     .hoa = f.hoa,
			     .coa = f.coa,
			     .dar = f.dar,
			     .kbm = kbm};
	assert_int_equal(msg_build_ba(mh, sizeof(mh), &len, &ba), MN_OK);
	expect_bytes(mh, len, "3b030600dfa100000002003c010400000000050c8b9d7f8c1a1660b280205d7e");

	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_true(mh_checksum_ok(&f.dar, &f.hoa, mh, len));
	assert_int_equal(msg_ba_verify(&m, mh, kbm, &f.coa, &f.dar), MN_OK);
	/* Wrong Kbm (the de-registration one), wrong CoA, wrong DAR. */
	bu.lifetime = 0;
	msg_bu_kbm(&bu, phkt, NULL, kbm);
	assert_int_equal(msg_ba_verify(&m, mh, kbm, &f.coa, &f.dar), MN_ERR_AUTH);
	bu.lifetime = 60;
	msg_bu_kbm(&bu, phkt, NULL, kbm);
	assert_int_equal(msg_ba_verify(&m, mh, kbm, &f.hoa, &f.dar), MN_ERR_AUTH);
	assert_int_equal(msg_ba_verify(&m, mh, kbm, &f.coa, &f.coa), MN_ERR_AUTH);
}

/* The DAR accepts the signed first BU of §3.9 (a) and refuses tampering. */
static void test_first_bu_vector_verifies(void **state)
{
	struct fixture f;
	static struct mh_msg m;
	uint8_t mh[MH_MAX_LEN];
	size_t len;
	EVP_PKEY *pub = NULL;
	struct in6_addr other;

	addrs(&f);
	len = unhex(first_bu_hex, mh, sizeof(mh));
	assert_int_equal(len, 352);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_true(mh_checksum_ok(&f.hoa, &f.dar, mh, len));
	assert_int_equal(msg_bu_classify(&m), MSG_BU_CGA);
	assert_int_equal(msg_bu_verify_cga(&m, mh, &f.hoa, &f.dar, &pub), MN_OK);
	assert_non_null(pub);
	assert_int_equal(mn_key_bytes(pub), 128);
	mn_key_free(pub);

	/* Registered at another DAR: the signature covers the DAR address. */
	assert_int_equal(msg_bu_verify_cga(&m, mh, &f.hoa, &f.coa, NULL), MN_ERR_SIGNATURE);
	/* Claimed for another HoA: the CGA check fails. */
	other = f.hoa;
	other.s6_addr[15] ^= 1;
	assert_int_equal(msg_bu_verify_cga(&m, mh, &other, &f.dar, NULL), MN_ERR_CGA_HASH1);
	/* A redirected CoA (Alternate CoA changed) breaks the signature. */
	mh[14 + 2 + 15] ^= 1;
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_verify_cga(&m, mh, &f.hoa, &f.dar, NULL), MN_ERR_SIGNATURE);
	mh[14 + 2 + 15] ^= 1;
	/* A different lifetime breaks it too. */
	mh[11] ^= 1;
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_verify_cga(&m, mh, &f.hoa, &f.dar, NULL), MN_ERR_SIGNATURE);
}

struct keyed {
	EVP_PKEY *key;
	uint8_t *spki;
	size_t spki_len;
	uint8_t params[1024];
	size_t params_len;
	struct in6_addr hoa, coa, dar;
};

static int keyed_setup(void **state)
{
	struct keyed *k = calloc(1, sizeof(*k));
	struct cga_search s = {0};
	struct cga_params p = {0};
	uint8_t mod[CGA_MODIFIER_LEN];

	if (!k || mn_key_generate(2040, &k->key) || mn_key_spki(k->key, &k->spki, &k->spki_len))
		return -1;
	s.pubkey = k->spki;
	s.pubkey_len = k->spki_len;
	s.sec = 1;
	s.threads = 1;
	if (cga_search_modifier(&s, mod, NULL))
		return -1;
	memcpy(p.modifier, mod, sizeof(mod));
	inet_pton(AF_INET6, "2001:db8:1::", &k->hoa);
	memcpy(p.prefix, k->hoa.s6_addr, 8);
	p.pubkey = k->spki;
	p.pubkey_len = k->spki_len;
	if (cga_params_encode(&p, k->params, sizeof(k->params), &k->params_len) ||
	    cga_address(&p, 1, &k->hoa))
		return -1;
	inet_pton(AF_INET6, "2001:db8:2::77", &k->coa);
	inet_pton(AF_INET6, "2001:db8:1::1", &k->dar);
	*state = k;
	return 0;
}

static int keyed_teardown(void **state)
{
	struct keyed *k = *state;

	mn_key_free(k->key);
	free(k->spki);
	free(k);
	return 0;
}

/* MN builds a first BU with a 2040-bit key, the DAR verifies it, answers
 * with an encrypted PHKT, the MN decrypts it and sends a token BU, the
 * DAR verifies that and the MN verifies the authenticated BA. */
static void test_round_trip_2040(void **state)
{
	struct keyed *k = *state;
	static struct mh_msg m;
	struct msg_bu bu = {
		.seq = 100, .lifetime = 0x5460, .hoa = k->hoa, .coa = k->coa, .dar = k->dar};
	struct msg_ba ba;
	uint8_t mh[MH_MAX_LEN], enc[MN_SIG_MAX], token[MN_PHKT_LEN], got[MN_PHKT_LEN];
	uint8_t kbm_mn[MN_KBM_LEN], kbm_dar[MN_KBM_LEN];
	size_t len, enc_len = sizeof(enc);
	EVP_PKEY *pub = NULL;

	assert_int_equal(k->params_len, 318);
	assert_int_equal(
		msg_build_bu_cga(mh, sizeof(mh), &len, &bu, k->params, k->params_len, k->key),
		MN_OK);
	assert_int_equal(len % 8, 0);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_true(mh_checksum_ok(&k->hoa, &k->dar, mh, len));
	assert_int_equal(m.cga_params_len, 318);
	assert_int_equal(m.sig_len, 255);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_CGA);
	assert_int_equal(msg_bu_verify_cga(&m, mh, &k->hoa, &k->dar, &pub), MN_OK);

	/* DAR: token, encrypted to the key from the verified parameters. */
	assert_int_equal(mn_phkt_generate(token), MN_OK);
	assert_int_equal(mn_phkt_encrypt(pub, token, enc, &enc_len), MN_OK);
	assert_int_equal(enc_len, 255);
	mn_key_free(pub);
	ba = (struct msg_ba){.status = 0,
			     .seq = 100,
			     .lifetime = 0x5460,
			     .hoa = k->hoa,
			     .coa = k->coa,
			     .dar = k->dar,
			     .phkt_enc = enc,
			     .phkt_enc_len = enc_len};
	assert_int_equal(msg_build_ba(mh, sizeof(mh), &len, &ba), MN_OK);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_true(mh_checksum_ok(&k->dar, &k->hoa, mh, len));
	assert_int_equal(m.phkt_len, 255);
	assert_int_equal(mn_phkt_decrypt(k->key, m.phkt, m.phkt_len, got), MN_OK);
	assert_memory_equal(got, token, MN_PHKT_LEN);

	/* MN: token BU; DAR: verify with its stored token. */
	bu.seq = 101;
	assert_int_equal(msg_build_bu_token(mh, sizeof(mh), &len, &bu, got, NULL, 0, kbm_mn),
			 MN_OK);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_TOKEN);
	assert_int_equal(msg_bu_verify_token(&m, mh, &k->dar, token, NULL, kbm_dar), MN_OK);
	assert_memory_equal(kbm_mn, kbm_dar, MN_KBM_LEN);
	/* A DAR holding another token refuses. */
	token[0] ^= 1;
	assert_int_equal(msg_bu_verify_token(&m, mh, &k->dar, token, NULL, NULL), MN_ERR_AUTH);
	token[0] ^= 1;

	/* DAR answers with a BAD and a refresh advice; MN checks it. */
	ba = (struct msg_ba){.status = 0,
			     .seq = 101,
			     .lifetime = 100,
			     .refresh = 90,
			     .hoa = k->hoa,
			     .coa = k->coa,
			     .dar = k->dar,
			     .kbm = kbm_dar};
	assert_int_equal(msg_build_ba(mh, sizeof(mh), &len, &ba), MN_OK);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(m.bra_interval, 90);
	assert_int_equal(msg_ba_verify(&m, mh, kbm_mn, &k->coa, &k->dar), MN_OK);
	mh[9] ^= 1; /* sequence number changed on the path */
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_ba_verify(&m, mh, kbm_mn, &k->coa, &k->dar), MN_ERR_AUTH);

	/* A BA without BAD cannot pass msg_ba_verify. */
	ba.kbm = NULL;
	assert_int_equal(msg_build_ba(mh, sizeof(mh), &len, &ba), MN_OK);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_ba_verify(&m, mh, kbm_mn, &k->coa, &k->dar), MN_ERR_AUTH);
}

/* Profile (e): how the DAR classifies what it receives. */
static void test_classify(void **state)
{
	struct fixture f;
	static struct mh_msg m;
	struct mh_builder b;
	uint8_t mh[MH_MAX_LEN], params[300] = {0}, sig[128] = {0};
	size_t len;

	addrs(&f);
	/* CGA Parameters with the Signature not adjacent -> 148. */
	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 10);
	mh_put_cga_params(&b, params, 200);
	mh_put_coti(&b);
	mh_put_signature(&b, sig, sizeof(sig));
	len = mh_build_finish(&b);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_BADSIG);

	/* CGA Parameters without any Signature -> 148 too. */
	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 10);
	mh_put_cga_params(&b, params, 200);
	len = mh_build_finish(&b);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_BADSIG);

	/* Nonce Indices with a non-zero home index: RR method, not here -> 129. */
	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 10);
	mh_put_nonce(&b, 5, 0);
	mh_put_bad(&b);
	len = mh_build_finish(&b);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_OTHER);

	/* A bare BU -> 129. */
	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 10);
	len = mh_build_finish(&b);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_OTHER);

	/* A token BU without Alternate CoA is refused by the verifier. */
	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 10);
	mh_put_nonce(&b, 0, 0);
	mh_put_bad(&b);
	len = mh_build_finish(&b);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_TOKEN);
	assert_int_equal(msg_bu_verify_token(&m, mh, &f.dar, phkt, NULL, NULL), MN_ERR_OPT_ORDER);

	/* A BA is not a BU. */
	mh_build_init(&b, mh, sizeof(mh), MH_BA);
	mh_build_ba(&b, 0, 0, 1, 1);
	len = mh_build_finish(&b);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_classify(&m), MSG_BU_OTHER);
}

/* The Alternate CoA after the CGA Parameters is outside the signature. */
static void test_altcoa_must_be_signed(void **state)
{
	struct keyed *k = *state;
	static struct mh_msg m;
	struct mh_builder b;
	uint8_t mh[MH_MAX_LEN];
	size_t len, sig_len = 255;

	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 7, MH_BU_F_A | MH_BU_F_H, 10);
	mh_put_cga_params(&b, k->params, k->params_len);
	mh_put_signature(&b, NULL, 255);
	mh_put_altcoa(&b, &k->coa);
	len = mh_build_finish(&b);
	assert_int_not_equal(len, 0);
	assert_int_equal(
		mn_sig_sign(k->key, &k->coa, &k->dar, mh, b.cga_end, mh + b.sig_off, &sig_len),
		MN_OK);
	assert_int_equal(mh_decode(mh, len, &m), MN_OK);
	assert_int_equal(msg_bu_verify_cga(&m, mh, &k->hoa, &k->dar, NULL), MN_ERR_OPT_ORDER);
}

static void test_bad_arguments(void **state)
{
	struct fixture f;
	struct msg_bu bu;
	uint8_t mh[MH_MAX_LEN];
	size_t len;

	addrs(&f);
	bu = (struct msg_bu){.seq = 2, .lifetime = 60, .hoa = f.hoa, .coa = f.coa, .dar = f.dar};
	/* A care-of token needs a non-zero index and the other way round. */
	assert_int_equal(msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, cokt, 0, NULL),
			 MN_ERR_INVAL);
	assert_int_equal(msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, NULL, 3, NULL),
			 MN_ERR_INVAL);
	/* Too small a buffer. */
	assert_int_equal(msg_build_bu_token(mh, 40, &len, &bu, phkt, NULL, 0, NULL),
			 MN_ERR_NOSPACE);
	assert_int_equal(msg_lifetime_units(86400), 21600);
	assert_int_equal(msg_lifetime_units(1000000), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_bu_vectors),
		cmocka_unit_test(test_ba_vector),
		cmocka_unit_test(test_first_bu_vector_verifies),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test_setup_teardown(test_round_trip_2040, keyed_setup, keyed_teardown),
		cmocka_unit_test_setup_teardown(test_altcoa_must_be_signed, keyed_setup,
						keyed_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
