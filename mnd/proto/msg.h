/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole signalling messages of the project profile (notes: "Project
 * profile (decided)" (b)-(e)), composed from the MH codec and the
 * RFC 4866 crypto. Used by mnd (sending BUs, checking BAs) and by the
 * reference DAR (checking BUs, sending BAs), so both ends share exactly
 * one definition of which bytes are signed and authenticated.
 *
 * Checksums: a BU uses the pseudo-header HoA -> DAR, a BA DAR -> HoA
 * (the inner header in the tunnelled framing; the HAO/RH2 rule gives the
 * same addresses in the standard framing).
 */
#ifndef MN_PROTO_MSG_H
#define MN_PROTO_MSG_H

#include "proto/crypto.h"
#include "proto/mh.h"

struct msg_bu {
	uint16_t seq;
	uint16_t lifetime;   /* 4-second units; 0 de-registers */
	struct in6_addr hoa; /* anchored at the DAR */
	struct in6_addr coa; /* carried in the Alternate CoA option */
	struct in6_addr dar;
};

/* First BU (profile (b)): A|H, Alternate CoA, CGA Parameters (split as
 * needed), Signature by `key`. */
int msg_build_bu_cga(uint8_t *buf, size_t cap, size_t *len, const struct msg_bu *bu,
		     const uint8_t *cga_params, size_t cga_len, EVP_PKEY *key);

/* Token BU (profile (d)): A|H, Alternate CoA, Nonce Indices (home 0,
 * care-of `careof_index`), BAD keyed from the PHKT. Kbm: lifetime 0 ->
 * SHA1(PHKT); cokt set -> SHA1(PHKT||cokt); else SHA1(PHKT||0^64).
 * kbm_out (may be NULL) receives the Kbm, to check the BA with. */
int msg_build_bu_token(uint8_t *buf, size_t cap, size_t *len, const struct msg_bu *bu,
		       const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt, uint16_t careof_index,
		       uint8_t kbm_out[MN_KBM_LEN]);

/* Kbm for a token BU as msg_build_bu_token chooses it. */
void msg_bu_kbm(const struct msg_bu *bu, const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt,
		uint8_t kbm[MN_KBM_LEN]);

struct msg_ba {
	uint8_t status;
	uint16_t seq;
	uint16_t lifetime;   /* 4-second units */
	uint16_t refresh;    /* Binding Refresh Advice, 4-second units; 0 = none */
	struct in6_addr hoa; /* inner destination, checksum */
	struct in6_addr coa; /* authenticated with the BAD */
	struct in6_addr dar;
	const uint8_t *phkt_enc; /* encrypted PHKT option data, or NULL */
	size_t phkt_enc_len;
	const uint8_t *kbm; /* MN_KBM_LEN bytes: add a BAD; NULL: none */
};

int msg_build_ba(uint8_t *buf, size_t cap, size_t *len, const struct msg_ba *ba);

/* Build a Binding Refresh Request DAR -> HoA. */
int msg_build_brr(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *dar,
		  const struct in6_addr *hoa);

/* DAR method selection, profile (e). */
enum msg_bu_method {
	MSG_BU_CGA,    /* CGA Parameters immediately followed by a Signature */
	MSG_BU_TOKEN,  /* Nonce Indices with home index 0 and a BAD */
	MSG_BU_BADSIG, /* CGA Parameters not directly followed by a Signature: 148 */
	MSG_BU_OTHER,  /* anything else: 129 */
};
enum msg_bu_method msg_bu_classify(const struct mh_msg *m);

/* CGA method checks at the DAR: the BU carries an Alternate CoA; the HoA
 * is a CGA of the reassembled parameters; the Signature verifies over
 * tag || CoA || DAR || MH[0..cga_end). On success *pub (may be NULL)
 * receives the MN's public key (free with mn_key_free). */
int msg_bu_verify_cga(const struct mh_msg *m, const uint8_t *mh, const struct in6_addr *hoa,
		      const struct in6_addr *dar, EVP_PKEY **pub);

/* Token method: BAD with Kbm from the PHKT (and cokt when the care-of
 * index is non-zero). kbm_out (may be NULL) gets the Kbm to answer with. */
int msg_bu_verify_token(const struct mh_msg *m, const uint8_t *mh, const struct in6_addr *dar,
			const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt,
			uint8_t kbm_out[MN_KBM_LEN]);

/* MN side: BAD of a BA, keyed with the Kbm of the BU it answers. */
int msg_ba_verify(const struct mh_msg *m, const uint8_t *mh, const uint8_t kbm[MN_KBM_LEN],
		  const struct in6_addr *coa, const struct in6_addr *dar);

/* Lifetime helpers: seconds <-> 4-second units (rounded down, capped). */
static inline uint16_t msg_lifetime_units(uint32_t seconds)
{
	uint32_t u = seconds / 4;
	return u > 0xffff ? 0xffff : (uint16_t)u;
}

#endif
