// SPDX-License-Identifier: BSD-3-Clause
/*
 * CGA Parameters codec, address generation (RFC 3972 §4 steps 5-7) and
 * verification (§5). The modifier search lives in cga_search.c.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "proto/cga.h"
#include "proto/err.h"

#define CGA_OFF_PREFIX CGA_MODIFIER_LEN
#define CGA_OFF_COLL (CGA_MODIFIER_LEN + CGA_PREFIX_LEN)
#define CGA_IID_OFF 8
#define CGA_SEC_MAX 7
#define CGA_HASH2_ZEROS 9 /* prefix + collision count, zeroed in Hash2 */
#define CGA_EXT_HDR 4     /* RFC 4581: Type (16) + Data Length (16) */
#define CGA_SHA1_LEN 20

/*
 * Length of the DER element at buf, which must be a SEQUENCE (the
 * SubjectPublicKeyInfo). Only definite, minimally encoded lengths are
 * accepted: the key bytes are hashed as they are, so two encodings of
 * one key would make two different CGAs.
 */
static int cga_der_seq_len(const uint8_t *buf, size_t len, size_t *out)
{
	size_t hdr, body, i, n;

	if (len < 2 || buf[0] != 0x30)
		return MN_ERR_CGA_PARAMS;
	if (buf[1] < 0x80) {
		hdr = 2;
		body = buf[1];
	} else {
		n = buf[1] & 0x7f;
		/* 0x80 is the indefinite form; more than 4 octets cannot fit. */
		if (n == 0 || n > 4 || len < 2 + n || buf[2] == 0)
			return MN_ERR_CGA_PARAMS;
		body = 0;
		for (i = 0; i < n; i++)
			body = body << 8 | buf[2 + i];
		if (body < 0x80)
			return MN_ERR_CGA_PARAMS;
		hdr = 2 + n;
	}
	if (body > len - hdr)
		return MN_ERR_CGA_PARAMS;
	*out = hdr + body;
	return MN_OK;
}

/* The extension area must be a whole number of RFC 4581 fields. */
static int cga_ext_check(const uint8_t *ext, size_t len)
{
	size_t dlen;

	while (len > 0) {
		if (len < CGA_EXT_HDR)
			return MN_ERR_CGA_PARAMS;
		dlen = (size_t)ext[2] << 8 | ext[3];
		if (dlen > len - CGA_EXT_HDR)
			return MN_ERR_CGA_PARAMS;
		ext += CGA_EXT_HDR + dlen;
		len -= CGA_EXT_HDR + dlen;
	}
	return MN_OK;
}

/* SHA-1 over up to five pieces; a NULL/0 piece is skipped. */
struct cga_piece {
	const void *p;
	size_t len;
};

static int cga_sha1(const struct cga_piece *pc, size_t n, uint8_t out[CGA_SHA1_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = MN_ERR_CRYPTO;
	size_t i;

	if (!ctx)
		return MN_ERR_NOMEM;
	if (EVP_DigestInit_ex2(ctx, EVP_sha1(), NULL) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (pc[i].len && EVP_DigestUpdate(ctx, pc[i].p, pc[i].len) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		goto out;
	rc = MN_OK;
out:
	if (rc)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* A struct cga_params that encodes to something cga_params_decode()
 * accepts back unchanged. */
static int cga_params_check(const struct cga_params *p)
{
	size_t der_len;

	if (!p || !p->pubkey || p->pubkey_len == 0 || (p->ext_len && !p->ext))
		return MN_ERR_INVAL;
	if (cga_der_seq_len(p->pubkey, p->pubkey_len, &der_len) || der_len != p->pubkey_len)
		return MN_ERR_INVAL;
	if (cga_ext_check(p->ext, p->ext_len))
		return MN_ERR_INVAL;
	return MN_OK;
}

int cga_params_encode(const struct cga_params *p, uint8_t *out, size_t cap, size_t *len)
{
	size_t total;
	int rc;

	if (!out || !len)
		return MN_ERR_INVAL;
	rc = cga_params_check(p);
	if (rc)
		return rc;
	if (p->collisions > CGA_MAX_COLLISIONS)
		return MN_ERR_INVAL;
	/* The DER header bounds pubkey_len to 2^32; ext_len is the caller's. */
	if (p->ext_len > SIZE_MAX - CGA_FIXED_LEN - p->pubkey_len)
		return MN_ERR_INVAL;
	total = CGA_FIXED_LEN + p->pubkey_len + p->ext_len;
	if (total > cap)
		return MN_ERR_NOSPACE;

	memcpy(out, p->modifier, CGA_MODIFIER_LEN);
	memcpy(out + CGA_OFF_PREFIX, p->prefix, CGA_PREFIX_LEN);
	out[CGA_OFF_COLL] = p->collisions;
	memcpy(out + CGA_FIXED_LEN, p->pubkey, p->pubkey_len);
	if (p->ext_len)
		memcpy(out + CGA_FIXED_LEN + p->pubkey_len, p->ext, p->ext_len);
	*len = total;
	return MN_OK;
}

int cga_params_decode(const uint8_t *buf, size_t len, struct cga_params *p)
{
	size_t key_len, rest;
	int rc;

	if (!p)
		return MN_ERR_INVAL;
	if (!buf || len <= CGA_FIXED_LEN)
		return MN_ERR_CGA_PARAMS;
	rc = cga_der_seq_len(buf + CGA_FIXED_LEN, len - CGA_FIXED_LEN, &key_len);
	if (rc)
		return rc;
	rest = len - CGA_FIXED_LEN - key_len;
	rc = cga_ext_check(buf + CGA_FIXED_LEN + key_len, rest);
	if (rc)
		return rc;

	memcpy(p->modifier, buf, CGA_MODIFIER_LEN);
	memcpy(p->prefix, buf + CGA_OFF_PREFIX, CGA_PREFIX_LEN);
	p->collisions = buf[CGA_OFF_COLL];
	p->pubkey = buf + CGA_FIXED_LEN;
	p->pubkey_len = key_len;
	p->ext = rest ? buf + CGA_FIXED_LEN + key_len : NULL;
	p->ext_len = rest;
	return MN_OK;
}

/* Hash1's 64 bits with the Sec bits and "u"/"g" (bits 6, 7) dropped,
 * i.e. the part of the interface identifier Hash1 determines. */
static const uint8_t cga_hash1_mask[8] = {0x1c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int cga_address(const struct cga_params *p, unsigned int sec, struct in6_addr *addr)
{
	uint8_t h[CGA_SHA1_LEN];
	struct cga_piece pc[5];
	int rc, i;

	if (!addr || sec > CGA_SEC_MAX)
		return MN_ERR_INVAL;
	rc = cga_params_check(p);
	if (rc)
		return rc;

	/* Step 5: SHA-1 of the whole parameters structure, in pieces. */
	pc[0] = (struct cga_piece){p->modifier, CGA_MODIFIER_LEN};
	pc[1] = (struct cga_piece){p->prefix, CGA_PREFIX_LEN};
	pc[2] = (struct cga_piece){&p->collisions, 1};
	pc[3] = (struct cga_piece){p->pubkey, p->pubkey_len};
	pc[4] = (struct cga_piece){p->ext, p->ext_len};
	rc = cga_sha1(pc, 5, h);
	if (rc)
		return rc;

	/* Steps 6-7 */
	memcpy(addr->s6_addr, p->prefix, CGA_PREFIX_LEN);
	for (i = 0; i < 8; i++)
		addr->s6_addr[CGA_IID_OFF + i] = h[i] & cga_hash1_mask[i];
	addr->s6_addr[CGA_IID_OFF] |= (uint8_t)(sec << 5);
	return MN_OK;
}

static int cga_hash2(const uint8_t modifier[CGA_MODIFIER_LEN], const uint8_t *pubkey,
		     size_t pubkey_len, const uint8_t *ext, size_t ext_len, unsigned int sec,
		     bool *ok)
{
	static const uint8_t zeros[CGA_HASH2_ZEROS];
	uint8_t h[CGA_SHA1_LEN];
	struct cga_piece pc[4];
	unsigned int i;
	int rc;

	*ok = false;
	if (sec > CGA_SEC_MAX)
		return MN_OK;
	if (sec == 0) {
		*ok = true;
		return MN_OK;
	}
	pc[0] = (struct cga_piece){modifier, CGA_MODIFIER_LEN};
	pc[1] = (struct cga_piece){zeros, sizeof(zeros)};
	pc[2] = (struct cga_piece){pubkey, pubkey_len};
	pc[3] = (struct cga_piece){ext, ext_len};
	rc = cga_sha1(pc, 4, h);
	if (rc)
		return rc;
	/* 16*Sec leading bits = 2*Sec bytes; Sec 7 uses all 112 bits. */
	for (i = 0; i < 2 * sec; i++)
		if (h[i])
			return MN_OK;
	*ok = true;
	return MN_OK;
}

bool cga_hash2_ok(const uint8_t modifier[CGA_MODIFIER_LEN], const uint8_t *pubkey,
		  size_t pubkey_len, const uint8_t *ext, size_t ext_len, unsigned int sec)
{
	bool ok;

	if (!modifier || !pubkey || (ext_len && !ext))
		return false;
	return cga_hash2(modifier, pubkey, pubkey_len, ext, ext_len, sec, &ok) == MN_OK && ok;
}

int cga_verify(const struct in6_addr *addr, const uint8_t *params, size_t len)
{
	struct cga_params p;
	struct cga_piece pc;
	uint8_t h[CGA_SHA1_LEN];
	unsigned int sec;
	bool ok;
	int rc, i;

	if (!addr)
		return MN_ERR_INVAL;
	rc = cga_params_decode(params, len, &p);
	if (rc)
		return rc;

	/* RFC 3972 §5, stopping at the first failing step. */
	if (p.collisions > CGA_MAX_COLLISIONS)
		return MN_ERR_CGA_COLLISION;
	if (memcmp(p.prefix, addr->s6_addr, CGA_PREFIX_LEN))
		return MN_ERR_CGA_PREFIX;

	pc = (struct cga_piece){params, len};
	rc = cga_sha1(&pc, 1, h);
	if (rc)
		return rc;
	for (i = 0; i < 8; i++)
		if ((h[i] ^ addr->s6_addr[CGA_IID_OFF + i]) & cga_hash1_mask[i])
			return MN_ERR_CGA_HASH1;

	sec = cga_sec_of(addr);
	rc = cga_hash2(p.modifier, p.pubkey, p.pubkey_len, p.ext, p.ext_len, sec, &ok);
	if (rc)
		return rc;
	return ok ? MN_OK : MN_ERR_CGA_HASH2;
}
