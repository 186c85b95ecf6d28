/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 4866 cryptography as the project profile uses it
 * (notes: "Project profile", (b)-(d)): RSA keys, the CGA signature over
 * tag || CoA || peer || MH, the Permanent Home Keygen Token (PHKT) and
 * its RSAES-PKCS1-v1_5 encryption, Kbm and the Binding Authorization
 * Data authenticator. OpenSSL 3 EVP APIs only.
 */
#ifndef MN_PROTO_CRYPTO_H
#define MN_PROTO_CRYPTO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evp_pkey_st EVP_PKEY;

#define MN_RSA_MIN_BITS 384
#define MN_RSA_MAX_BITS 2040 /* Signature and PHKT must each fit one option */
#define MN_RSA_DEFAULT_BITS 2040
#define MN_PHKT_LEN 8
#define MN_KBM_LEN 20
#define MN_SIG_MAX 255

/* RFC 4866 CGA message type tag */
extern const uint8_t mn_rfc4866_tag[16];

/* RSA key generation, bits in [MN_RSA_MIN_BITS, MN_RSA_MAX_BITS]. */
int mn_key_generate(unsigned int bits, EVP_PKEY **out);
/* DER SubjectPublicKeyInfo (i2d_PUBKEY). *der is malloc'ed; free() it. */
int mn_key_spki(EVP_PKEY *key, uint8_t **der, size_t *len);
/* Public key from a DER SubjectPublicKeyInfo; RSA only, modulus
 * MN_RSA_MIN_BITS..2048 (what a verifier must accept). */
int mn_key_from_spki(const uint8_t *der, size_t len, EVP_PKEY **out);
/* Modulus size in bytes (= signature and ciphertext length). */
size_t mn_key_bytes(EVP_PKEY *key);
void mn_key_free(EVP_PKEY *key);

/*
 * CGA signature (RFC 4866 §4.5, RFC 3972 §6): RSASSA-PKCS1-v1_5 with
 * SHA-1 over tag || coa || peer || mh[0..len) where the checksum field
 * mh[4..5] is taken as zero. `len` is the offset just past the last CGA
 * Parameters option. *sig_len is in: capacity, out: length.
 */
int mn_sig_sign(EVP_PKEY *key, const struct in6_addr *coa, const struct in6_addr *peer,
		const uint8_t *mh, size_t len, uint8_t *sig, size_t *sig_len);
int mn_sig_verify(EVP_PKEY *pub, const struct in6_addr *coa, const struct in6_addr *peer,
		  const uint8_t *mh, size_t len, const uint8_t *sig, size_t sig_len);

/* 64 random bits from the crypto library's CSPRNG. */
int mn_phkt_generate(uint8_t phkt[MN_PHKT_LEN]);
/* RSAES-PKCS1-v1_5. *out_len: in capacity, out length (= modulus bytes). */
int mn_phkt_encrypt(EVP_PKEY *pub, const uint8_t phkt[MN_PHKT_LEN], uint8_t *out, size_t *out_len);
/* Every failure (bad padding, wrong length, wrong key) returns
 * MN_ERR_DECRYPT on one path: OpenSSL 3.0 has no implicit rejection. */
int mn_phkt_decrypt(EVP_PKEY *key, const uint8_t *in, size_t in_len, uint8_t phkt[MN_PHKT_LEN]);

enum mn_kbm_kind {
	MN_KBM_EARLY,    /* SHA1(PHKT || 8 zero bytes): no care-of test */
	MN_KBM_COMPLETE, /* SHA1(PHKT || care-of keygen token) */
	MN_KBM_DEREG,    /* SHA1(PHKT): Lifetime 0 */
};
/* cokt is used only for MN_KBM_COMPLETE. */
void mn_kbm(const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt, enum mn_kbm_kind kind,
	    uint8_t kbm[MN_KBM_LEN]);

/* First(96, HMAC-SHA1(Kbm, coa || peer || mh[0..auth_off))) with the
 * checksum field taken as zero. */
int mn_bad_compute(const uint8_t kbm[MN_KBM_LEN], const struct in6_addr *coa,
		   const struct in6_addr *peer, const uint8_t *mh, size_t auth_off,
		   uint8_t auth[12]);
/* Constant-time compare against the authenticator at mh[auth_off]. */
int mn_bad_verify(const uint8_t kbm[MN_KBM_LEN], const struct in6_addr *coa,
		  const struct in6_addr *peer, const uint8_t *mh, size_t auth_off);

/* SHA-1 helper used by CGA and Kbm. */
void mn_sha1(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[20]);

#endif
