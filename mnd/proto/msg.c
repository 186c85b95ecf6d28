// SPDX-License-Identifier: BSD-3-Clause
/*
 * Whole BU/BA/BRR messages of the project profile. The order of
 * operations matters: Header Len must hold its final value before the
 * signature or authenticator is computed (both cover the MH with the
 * checksum zeroed), and the checksum comes last, over everything.
 */
#include <string.h>

#include "proto/cga.h"
#include "proto/err.h"
#include "proto/msg.h"

/* The Alternate CoA must sit before the CGA Parameters so that the
 * signature covers it; otherwise an on-path node could redirect the
 * binding without breaking the signature. */
static bool msg_altcoa_signed(const struct mh_msg *m)
{
	for (unsigned int i = 0; i < m->n_opts; i++)
		if (m->opts[i].type == MH_OPT_ALTCOA)
			return m->opts[i].off < m->cga_params_end;
	return false;
}

int msg_build_bu_cga(uint8_t *buf, size_t cap, size_t *len, const struct msg_bu *bu,
		     const uint8_t *cga_params, size_t cga_len, EVP_PKEY *key)
{
	struct mh_builder b;
	size_t n, sig_len;
	int err;

	sig_len = mn_key_bytes(key);
	if (!sig_len || sig_len > MN_SIG_MAX)
		return MN_ERR_KEY;

	mh_build_init(&b, buf, cap, MH_BU);
	mh_build_bu(&b, bu->seq, MH_BU_F_A | MH_BU_F_H, bu->lifetime);
	mh_put_altcoa(&b, &bu->coa);
	mh_put_cga_params(&b, cga_params, cga_len);
	/* Reserve the Signature so that Header Len is final when signing. */
	mh_put_signature(&b, NULL, sig_len);
	n = mh_build_finish(&b);
	if (!n)
		return b.err;

	err = mn_sig_sign(key, &bu->coa, &bu->dar, buf, b.cga_end, buf + b.sig_off, &sig_len);
	if (err)
		return err;
	if (sig_len != mn_key_bytes(key))
		return MN_ERR_CRYPTO;

	mh_set_checksum(&bu->hoa, &bu->dar, buf, n);
	*len = n;
	return MN_OK;
}

void msg_bu_kbm(const struct msg_bu *bu, const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt,
		uint8_t kbm[MN_KBM_LEN])
{
	if (bu->lifetime == 0)
		mn_kbm(phkt, NULL, MN_KBM_DEREG, kbm);
	else if (cokt)
		mn_kbm(phkt, cokt, MN_KBM_COMPLETE, kbm);
	else
		mn_kbm(phkt, NULL, MN_KBM_EARLY, kbm);
}

int msg_build_bu_token(uint8_t *buf, size_t cap, size_t *len, const struct msg_bu *bu,
		       const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt, uint16_t careof_index,
		       uint8_t kbm_out[MN_KBM_LEN])
{
	struct mh_builder b;
	uint8_t kbm[MN_KBM_LEN];
	size_t n;
	int err;

	/* A de-registration carries no care-of token (RFC 4866 §4.1). */
	if (bu->lifetime == 0) {
		cokt = NULL;
		careof_index = 0;
	}
	if ((cokt == NULL) != (careof_index == 0))
		return MN_ERR_INVAL;

	mh_build_init(&b, buf, cap, MH_BU);
	mh_build_bu(&b, bu->seq, MH_BU_F_A | MH_BU_F_H, bu->lifetime);
	mh_put_altcoa(&b, &bu->coa);
	mh_put_nonce(&b, 0, careof_index);
	mh_put_bad(&b);
	n = mh_build_finish(&b);
	if (!n)
		return b.err;

	msg_bu_kbm(bu, phkt, cokt, kbm);
	err = mn_bad_compute(kbm, &bu->coa, &bu->dar, buf, b.bad_off, buf + b.bad_off);
	if (err)
		return err;
	mh_set_checksum(&bu->hoa, &bu->dar, buf, n);
	if (kbm_out)
		memcpy(kbm_out, kbm, MN_KBM_LEN);
	*len = n;
	return MN_OK;
}

int msg_build_ba(uint8_t *buf, size_t cap, size_t *len, const struct msg_ba *ba)
{
	struct mh_builder b;
	size_t n;
	int err;

	mh_build_init(&b, buf, cap, MH_BA);
	mh_build_ba(&b, ba->status, 0, ba->seq, ba->lifetime);
	if (ba->refresh)
		mh_put_bra(&b, ba->refresh);
	if (ba->phkt_enc)
		mh_put_phkt(&b, ba->phkt_enc, ba->phkt_enc_len);
	if (ba->kbm)
		mh_put_bad(&b);
	n = mh_build_finish(&b);
	if (!n)
		return b.err;
	if (ba->kbm) {
		err = mn_bad_compute(ba->kbm, &ba->coa, &ba->dar, buf, b.bad_off, buf + b.bad_off);
		if (err)
			return err;
	}
	mh_set_checksum(&ba->dar, &ba->hoa, buf, n);
	*len = n;
	return MN_OK;
}

int msg_build_brr(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *dar,
		  const struct in6_addr *hoa)
{
	struct mh_builder b;
	size_t n;

	mh_build_init(&b, buf, cap, MH_BRR);
	mh_build_brr(&b);
	n = mh_build_finish(&b);
	if (!n)
		return b.err;
	mh_set_checksum(dar, hoa, buf, n);
	*len = n;
	return MN_OK;
}

enum msg_bu_method msg_bu_classify(const struct mh_msg *m)
{
	if (m->type != MH_BU)
		return MSG_BU_OTHER;
	if (mh_has(m, MH_OPT_CGA_PARAMS))
		return m->cga_sig_adjacent ? MSG_BU_CGA : MSG_BU_BADSIG;
	if (mh_has(m, MH_OPT_NONCE) && m->home_nonce_index == 0 && mh_has(m, MH_OPT_BAD))
		return MSG_BU_TOKEN;
	return MSG_BU_OTHER;
}

int msg_bu_verify_cga(const struct mh_msg *m, const uint8_t *mh, const struct in6_addr *hoa,
		      const struct in6_addr *dar, EVP_PKEY **pub)
{
	struct cga_params p;
	EVP_PKEY *key = NULL;
	int err;

	if (msg_bu_classify(m) != MSG_BU_CGA || !mh_has(m, MH_OPT_ALTCOA))
		return MN_ERR_OPT_ORDER;
	if (!m->sig)
		return MN_ERR_SIGNATURE;
	err = cga_verify(hoa, m->cga_params, m->cga_params_len);
	if (err)
		return err;
	err = cga_params_decode(m->cga_params, m->cga_params_len, &p);
	if (err)
		return err;
	err = mn_key_from_spki(p.pubkey, p.pubkey_len, &key);
	if (err)
		return err;
	err = mn_sig_verify(key, &m->alt_coa, dar, mh, m->cga_params_end, m->sig, m->sig_len);
	if (err == MN_OK && !msg_altcoa_signed(m))
		err = MN_ERR_OPT_ORDER;
	if (err || !pub)
		mn_key_free(key);
	else
		*pub = key;
	return err;
}

int msg_bu_verify_token(const struct mh_msg *m, const uint8_t *mh, const struct in6_addr *dar,
			const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt,
			uint8_t kbm_out[MN_KBM_LEN])
{
	struct msg_bu bu = {.lifetime = m->u.bu.lifetime};
	uint8_t kbm[MN_KBM_LEN];
	int err;

	if (msg_bu_classify(m) != MSG_BU_TOKEN || !mh_has(m, MH_OPT_ALTCOA))
		return MN_ERR_OPT_ORDER;
	if (m->careof_nonce_index != 0 && !cokt)
		return MN_ERR_AUTH;
	msg_bu_kbm(&bu, phkt, m->careof_nonce_index ? cokt : NULL, kbm);
	err = mn_bad_verify(kbm, &m->alt_coa, dar, mh, m->bad_auth_off);
	if (err)
		return err;
	if (kbm_out)
		memcpy(kbm_out, kbm, MN_KBM_LEN);
	return MN_OK;
}

int msg_ba_verify(const struct mh_msg *m, const uint8_t *mh, const uint8_t kbm[MN_KBM_LEN],
		  const struct in6_addr *coa, const struct in6_addr *dar)
{
	if (m->type != MH_BA || !mh_has(m, MH_OPT_BAD))
		return MN_ERR_AUTH;
	return mn_bad_verify(kbm, coa, dar, mh, m->bad_auth_off);
}
