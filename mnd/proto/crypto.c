// SPDX-License-Identifier: BSD-3-Clause
/*
 * RFC 4866 cryptography on OpenSSL 3 EVP interfaces (notes: protocol.md
 * §3.2, §3.3; ecosystem.md §8). No I/O and no mutable state: every call
 * fetches what it needs, so the functions are safe to call from any
 * thread.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"

#define CRYPTO_VERIFY_MAX_BITS 2048 /* RFC 3972 §5: verifiers SHOULD handle 384-2048 */
#define CRYPTO_MAX_MOD_BYTES 256
#define CRYPTO_BAD_LEN 12
#define CRYPTO_ADDR_LEN 16

const uint8_t mn_rfc4866_tag[16] = {
	0x5f, 0x27, 0x05, 0x86, 0x8d, 0x6c, 0x4c, 0x56,
	0xa2, 0x46, 0x9e, 0xbb, 0x9b, 0x2a, 0x2e, 0x13,
};

static bool crypto_is_rsa(EVP_PKEY *key)
{
	/* Only rsaEncryption keys: an RSA-PSS key could not do v1.5. */
	return key && EVP_PKEY_is_a(key, "RSA");
}

int mn_key_generate(unsigned int bits, EVP_PKEY **out)
{
	EVP_PKEY *key;

	if (!out)
		return MN_ERR_INVAL;
	*out = NULL;
	if (bits < MN_RSA_MIN_BITS || bits > MN_RSA_MAX_BITS)
		return MN_ERR_INVAL;

	/*
	 * The variadic argument must be a size_t. Note that OpenSSL's
	 * default provider refuses to generate moduli below 512 bits, so
	 * 384..511 ends up as MN_ERR_CRYPTO (such keys can still be
	 * verified).
	 */
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (!key) {
		ERR_clear_error();
		return MN_ERR_CRYPTO;
	}
	*out = key;
	return MN_OK;
}

int mn_key_spki(EVP_PKEY *key, uint8_t **der, size_t *len)
{
	uint8_t *buf, *p;
	int n;

	if (!key || !der || !len)
		return MN_ERR_INVAL;
	*der = NULL;
	*len = 0;

	n = i2d_PUBKEY(key, NULL);
	if (n <= 0) {
		ERR_clear_error();
		return MN_ERR_KEY;
	}
	/* Our own allocation so that callers free() it, not OPENSSL_free(). */
	buf = malloc((size_t)n);
	if (!buf)
		return MN_ERR_NOMEM;
	p = buf;
	if (i2d_PUBKEY(key, &p) != n) {
		ERR_clear_error();
		free(buf);
		return MN_ERR_CRYPTO;
	}
	*der = buf;
	*len = (size_t)n;
	return MN_OK;
}

int mn_key_from_spki(const uint8_t *der, size_t len, EVP_PKEY **out)
{
	const unsigned char *p = der;
	EVP_PKEY *key;
	int bits;

	if (!out)
		return MN_ERR_INVAL;
	*out = NULL;
	if (!der || len == 0 || len > LONG_MAX)
		return MN_ERR_KEY;

	key = d2i_PUBKEY(NULL, &p, (long)len);
	if (!key) {
		ERR_clear_error();
		return MN_ERR_KEY;
	}
	/* The CGA hash covers these exact bytes: nothing may trail the key. */
	if (p != der + len || !crypto_is_rsa(key))
		goto bad;
	bits = EVP_PKEY_get_bits(key);
	if (bits < MN_RSA_MIN_BITS || bits > CRYPTO_VERIFY_MAX_BITS)
		goto bad;
	*out = key;
	return MN_OK;
bad:
	EVP_PKEY_free(key);
	return MN_ERR_KEY;
}

size_t mn_key_bytes(EVP_PKEY *key)
{
	int n;

	if (!key)
		return 0;
	n = EVP_PKEY_get_size(key);
	return n > 0 ? (size_t)n : 0;
}

void mn_key_free(EVP_PKEY *key)
{
	EVP_PKEY_free(key);
}

/*
 * tag || coa || peer || mh[0..len) with the checksum zeroed, in one
 * buffer: the MH is at most MH_MAX_LEN bytes, so a stack copy is cheap
 * and leaves the caller's message untouched.
 */
struct crypto_sig_input {
	uint8_t buf[sizeof(mn_rfc4866_tag) + 2 * CRYPTO_ADDR_LEN + MH_MAX_LEN];
	size_t len;
};

static int crypto_sig_input(struct crypto_sig_input *in, const struct in6_addr *coa,
			    const struct in6_addr *peer, const uint8_t *mh, size_t len)
{
	uint8_t *p = in->buf;

	if (!coa || !peer || !mh || len < MH_FIXED_LEN || len > MH_MAX_LEN)
		return MN_ERR_INVAL;
	memcpy(p, mn_rfc4866_tag, sizeof(mn_rfc4866_tag));
	p += sizeof(mn_rfc4866_tag);
	memcpy(p, coa->s6_addr, CRYPTO_ADDR_LEN);
	p += CRYPTO_ADDR_LEN;
	memcpy(p, peer->s6_addr, CRYPTO_ADDR_LEN);
	p += CRYPTO_ADDR_LEN;
	memcpy(p, mh, len);
	p[MH_CSUM_OFF] = 0;
	p[MH_CSUM_OFF + 1] = 0;
	in->len = (size_t)(p - in->buf) + len;
	return MN_OK;
}

int mn_sig_sign(EVP_PKEY *key, const struct in6_addr *coa, const struct in6_addr *peer,
		const uint8_t *mh, size_t len, uint8_t *sig, size_t *sig_len)
{
	struct crypto_sig_input in;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	size_t need;
	int rc;

	if (!sig || !sig_len)
		return MN_ERR_INVAL;
	rc = crypto_sig_input(&in, coa, peer, mh, len);
	if (rc)
		return rc;
	if (!crypto_is_rsa(key))
		return MN_ERR_KEY;
	need = mn_key_bytes(key);
	if (need == 0)
		return MN_ERR_KEY;
	if (*sig_len < need)
		return MN_ERR_NOSPACE;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return MN_ERR_NOMEM;
	rc = MN_ERR_CRYPTO;
	if (EVP_DigestSignInit_ex(ctx, &pctx, "SHA1", NULL, NULL, key, NULL) != 1)
		goto out;
	/* v1.5 is OpenSSL's default for RSA, but the protocol fixes it: say so. */
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (EVP_DigestSign(ctx, sig, sig_len, in.buf, in.len) != 1)
		goto out;
	rc = MN_OK;
out:
	if (rc)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

int mn_sig_verify(EVP_PKEY *pub, const struct in6_addr *coa, const struct in6_addr *peer,
		  const uint8_t *mh, size_t len, const uint8_t *sig, size_t sig_len)
{
	struct crypto_sig_input in;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	int rc;

	rc = crypto_sig_input(&in, coa, peer, mh, len);
	if (rc)
		return rc;
	if (!crypto_is_rsa(pub))
		return MN_ERR_KEY;
	/* A v1.5 signature is exactly as long as the modulus. */
	if (!sig || sig_len == 0 || sig_len != mn_key_bytes(pub))
		return MN_ERR_SIGNATURE;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return MN_ERR_NOMEM;
	rc = MN_ERR_CRYPTO;
	if (EVP_DigestVerifyInit_ex(ctx, &pctx, "SHA1", NULL, NULL, pub, NULL) != 1)
		goto out;
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	/* 0 is a bad signature, < 0 a malformed one: both are "does not verify". */
	rc = EVP_DigestVerify(ctx, sig, sig_len, in.buf, in.len) == 1 ? MN_OK : MN_ERR_SIGNATURE;
out:
	if (rc)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

int mn_phkt_generate(uint8_t phkt[MN_PHKT_LEN])
{
	if (!phkt)
		return MN_ERR_INVAL;
	if (RAND_bytes(phkt, MN_PHKT_LEN) != 1) {
		ERR_clear_error();
		return MN_ERR_CRYPTO;
	}
	return MN_OK;
}

static EVP_PKEY_CTX *crypto_pkcs1_ctx(EVP_PKEY *key, bool decrypt)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx)
		return NULL;
	ok = decrypt ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx);
	if (ok != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int mn_phkt_encrypt(EVP_PKEY *pub, const uint8_t phkt[MN_PHKT_LEN], uint8_t *out, size_t *out_len)
{
	EVP_PKEY_CTX *ctx;
	size_t need;
	int rc = MN_ERR_CRYPTO;

	if (!phkt || !out || !out_len)
		return MN_ERR_INVAL;
	if (!crypto_is_rsa(pub))
		return MN_ERR_KEY;
	need = mn_key_bytes(pub);
	if (need == 0)
		return MN_ERR_KEY;
	if (*out_len < need)
		return MN_ERR_NOSPACE;

	ctx = crypto_pkcs1_ctx(pub, false);
	if (!ctx)
		goto out;
	if (EVP_PKEY_encrypt(ctx, out, out_len, phkt, MN_PHKT_LEN) != 1)
		goto out;
	rc = MN_OK;
out:
	if (rc)
		ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int mn_phkt_decrypt(EVP_PKEY *key, const uint8_t *in, size_t in_len, uint8_t phkt[MN_PHKT_LEN])
{
	uint8_t buf[CRYPTO_MAX_MOD_BYTES];
	size_t n = sizeof(buf);
	EVP_PKEY_CTX *ctx = NULL;
	bool ok;

	if (!phkt)
		return MN_ERR_INVAL;

	/*
	 * OpenSSL 3.0 has no implicit rejection, so a padding error is
	 * distinguishable from success (a Bleichenbacher oracle). Every way
	 * of failing therefore joins one path, sets the same error and
	 * leaves the same trace: nothing here may tell a caller (or a log)
	 * *why* decryption failed.
	 */
	ok = crypto_is_rsa(key) && in && in_len == mn_key_bytes(key) && in_len <= sizeof(buf);
	if (ok) {
		ctx = crypto_pkcs1_ctx(key, true);
		ok = ctx != NULL;
	}
	if (ok)
		ok = EVP_PKEY_decrypt(ctx, buf, &n, in, in_len) == 1;
	ok = ok && n == MN_PHKT_LEN;
	if (ok)
		memcpy(phkt, buf, MN_PHKT_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? MN_OK : MN_ERR_DECRYPT;
}

void mn_kbm(const uint8_t phkt[MN_PHKT_LEN], const uint8_t *cokt, enum mn_kbm_kind kind,
	    uint8_t kbm[MN_KBM_LEN])
{
	static const uint8_t zero[MN_PHKT_LEN];

	switch (kind) {
	case MN_KBM_COMPLETE:
		/* A missing token cannot be guessed: fall back to the zero
		 * token rather than read NULL (the peer will then refuse). */
		mn_sha1(phkt, MN_PHKT_LEN, cokt ? cokt : zero, MN_PHKT_LEN, kbm);
		break;
	case MN_KBM_DEREG:
		mn_sha1(phkt, MN_PHKT_LEN, NULL, 0, kbm);
		break;
	case MN_KBM_EARLY:
	default:
		mn_sha1(phkt, MN_PHKT_LEN, zero, MN_PHKT_LEN, kbm);
		break;
	}
}

int mn_bad_compute(const uint8_t kbm[MN_KBM_LEN], const struct in6_addr *coa,
		   const struct in6_addr *peer, const uint8_t *mh, size_t auth_off,
		   uint8_t auth[12])
{
	uint8_t buf[2 * CRYPTO_ADDR_LEN + MH_MAX_LEN];
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	int rc = MN_OK;

	if (!kbm || !coa || !peer || !mh || !auth)
		return MN_ERR_INVAL;
	/* The checksum must lie before the authenticator, and the
	 * authenticator must fit in an MH. */
	if (auth_off < MH_FIXED_LEN || auth_off > MH_MAX_LEN - CRYPTO_BAD_LEN)
		return MN_ERR_INVAL;

	memcpy(buf, coa->s6_addr, CRYPTO_ADDR_LEN);
	memcpy(buf + CRYPTO_ADDR_LEN, peer->s6_addr, CRYPTO_ADDR_LEN);
	memcpy(buf + 2 * CRYPTO_ADDR_LEN, mh, auth_off);
	buf[2 * CRYPTO_ADDR_LEN + MH_CSUM_OFF] = 0;
	buf[2 * CRYPTO_ADDR_LEN + MH_CSUM_OFF + 1] = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, kbm, MN_KBM_LEN, buf,
		       2 * CRYPTO_ADDR_LEN + auth_off, mac, sizeof(mac), &mac_len) ||
	    mac_len < CRYPTO_BAD_LEN) {
		ERR_clear_error();
		rc = MN_ERR_CRYPTO;
	} else {
		memcpy(auth, mac, CRYPTO_BAD_LEN);
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

int mn_bad_verify(const uint8_t kbm[MN_KBM_LEN], const struct in6_addr *coa,
		  const struct in6_addr *peer, const uint8_t *mh, size_t auth_off)
{
	uint8_t auth[CRYPTO_BAD_LEN];
	int rc;

	rc = mn_bad_compute(kbm, coa, peer, mh, auth_off, auth);
	if (rc)
		return rc;
	rc = CRYPTO_memcmp(auth, mh + auth_off, CRYPTO_BAD_LEN) ? MN_ERR_AUTH : MN_OK;
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}

void mn_sha1(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = ctx && EVP_DigestInit_ex2(ctx, EVP_sha1(), NULL) == 1 &&
	     (alen == 0 || EVP_DigestUpdate(ctx, a, alen) == 1) &&
	     (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	/*
	 * Only an allocation failure gets here and the API has no error
	 * return. A fixed value would hand an attacker a known Kbm, so
	 * leave an unpredictable one: the peer's BAD check then fails.
	 */
	if (!ok) {
		if (RAND_bytes(out, 20) != 1)
			memset(out, 0, 20);
		ERR_clear_error();
	}
	EVP_MD_CTX_free(ctx);
}
