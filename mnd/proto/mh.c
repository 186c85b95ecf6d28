/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mobility Header codec (RFC 6275 §6.1, RFC 4866 §5); see mh.h.
 *
 * Decoder check order, so that an input with several faults always gets
 * the same error: fixed part length, Payload Proto, Header Len against the
 * buffer, MH Type, minimum length for the type; then per option: bounds,
 * option count, known length, alignment, duplicate, BAD last, CGA
 * Parameters splitting.
 */
#include "proto/mh.h"

#include <string.h>

#include "proto/err.h"

#define MH_CSUM_NH 135 /* IPPROTO_MH, in the pseudo-header */
#define MH_PRESENT_BITS 32

/* Offset where the options start, which is also the minimum length. */
static const uint8_t mh_data_end[] = {
	[MH_BRR] = 8,   /* Reserved */
	[MH_HOTI] = 16, /* Reserved, cookie */
	[MH_COTI] = 16, /* Reserved, cookie */
	[MH_HOT] = 24,  /* nonce index, cookie, token */
	[MH_COT] = 24,  /* nonce index, cookie, token */
	[MH_BU] = 12,   /* sequence, flags, lifetime */
	[MH_BA] = 12,   /* status, flags, sequence, lifetime */
	[MH_BE] = 24,   /* status, Reserved, home address */
};

/* Length and alignment rules of the options this codec knows. */
struct mh_opt_rule {
	bool known;
	uint8_t min_len;
	uint8_t max_len;
	uint8_t align_x; /* xn+y relative to the MH start; 0: no rule */
	uint8_t align_y;
};

static const struct mh_opt_rule mh_opt_rules[] = {
	[MH_OPT_BRA] = {true, 2, 2, 2, 0},
	[MH_OPT_ALTCOA] = {true, 16, 16, 8, 6},
	[MH_OPT_NONCE] = {true, 4, 4, 2, 0},
	[MH_OPT_BAD] = {true, MH_BAD_AUTH_LEN, MH_BAD_AUTH_LEN, 8, 2},
	[MH_OPT_CGA_REQ] = {true, 0, 0, 0, 0},
	[MH_OPT_CGA_PARAMS] = {true, 1, MH_OPT_MAX_DATA, 0, 0},
	[MH_OPT_SIGNATURE] = {true, 1, MH_OPT_MAX_DATA, 0, 0},
	[MH_OPT_PHKT] = {true, 1, MH_OPT_MAX_DATA, 0, 0},
	[MH_OPT_COTI] = {true, 0, 0, 0, 0},
	[MH_OPT_COT] = {true, MH_TOKEN_LEN, MH_TOKEN_LEN, 0, 0},
};

static uint16_t mh_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void mh_set16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* ---------------------------------------------------------------- */
/* Decoding */

/* Cross-option state that does not belong in struct mh_msg. */
struct mh_dec_state {
	bool bad_seen;
	int last_cga; /* index in opts[] of the last CGA Parameters option, -1 if none */
	uint8_t last_cga_len;
};

static const struct mh_opt_rule *mh_opt_rule_of(uint8_t type)
{
	if (type >= sizeof(mh_opt_rules) / sizeof(mh_opt_rules[0]) || !mh_opt_rules[type].known)
		return NULL;
	return &mh_opt_rules[type];
}

static int mh_dec_cga(struct mh_msg *m, struct mh_dec_state *st, const uint8_t *data, uint8_t olen,
		      size_t end)
{
	int idx = (int)m->n_opts - 1;

	/* RFC 4866 §5.1: fragments are adjacent and all but the last are full. */
	if (st->last_cga >= 0 && (st->last_cga != idx - 1 || st->last_cga_len != MH_OPT_MAX_DATA))
		return MN_ERR_CGA_SPLIT;
	/* Cannot trigger (the data is part of an MH of at most MH_MAX_LEN bytes). */
	if (olen > sizeof(m->cga_params) - m->cga_params_len)
		return MN_ERR_OPT_LENGTH;
	memcpy(m->cga_params + m->cga_params_len, data, olen);
	m->cga_params_len += olen;
	m->cga_params_end = (uint16_t)end;
	st->last_cga = idx;
	st->last_cga_len = olen;
	return MN_OK;
}

/* Checks and stores one non-padding option of `olen` data bytes at `off`. */
static int mh_dec_opt(const uint8_t *buf, size_t off, uint8_t type, uint8_t olen, struct mh_msg *m,
		      struct mh_dec_state *st)
{
	const struct mh_opt_rule *r = mh_opt_rule_of(type);
	const uint8_t *data = buf + off + 2;

	if (r) {
		if (olen < r->min_len || olen > r->max_len)
			return MN_ERR_OPT_LENGTH;
		if (r->align_x && off % r->align_x != r->align_y)
			return MN_ERR_OPT_ALIGN;
		/* CGA Parameters may repeat: it is how the structure is split. */
		if (type != MH_OPT_CGA_PARAMS && mh_has(m, type))
			return MN_ERR_OPT_DUPLICATE;
	}
	/* RFC 6275 §6.2.7: BAD is the last option; only padding may follow. */
	if (st->bad_seen)
		return MN_ERR_OPT_ORDER;
	if (type < MH_PRESENT_BITS)
		m->present |= 1u << type;
	if (!r)
		return MN_OK; /* unknown: skipped by its length */

	switch (type) {
	case MH_OPT_BRA:
		m->bra_interval = mh_get16(data);
		break;
	case MH_OPT_ALTCOA:
		memcpy(&m->alt_coa, data, sizeof(m->alt_coa));
		break;
	case MH_OPT_NONCE:
		m->home_nonce_index = mh_get16(data);
		m->careof_nonce_index = mh_get16(data + 2);
		break;
	case MH_OPT_BAD:
		m->bad_auth = data;
		m->bad_auth_off = (uint16_t)(off + 2);
		st->bad_seen = true;
		break;
	case MH_OPT_CGA_PARAMS:
		return mh_dec_cga(m, st, data, olen, off + 2 + olen);
	case MH_OPT_SIGNATURE:
		m->sig = data;
		m->sig_len = olen;
		break;
	case MH_OPT_PHKT:
		m->phkt = data;
		m->phkt_len = olen;
		break;
	case MH_OPT_COT:
		memcpy(m->cot_token, data, MH_TOKEN_LEN);
		break;
	default: /* CGA_REQ, COTI: no data */
		break;
	}
	return MN_OK;
}

static int mh_dec_opts(const uint8_t *buf, size_t start, size_t end, struct mh_msg *m)
{
	struct mh_dec_state st = {.last_cga = -1};
	size_t off = start;
	int err;

	while (off < end) {
		uint8_t type = buf[off];
		uint8_t olen = 0;
		size_t next = off + 1;

		if (type != MH_OPT_PAD1) {
			if (end - off < 2)
				return MN_ERR_OPT_TRUNCATED;
			olen = buf[off + 1];
			if (end - off - 2 < olen)
				return MN_ERR_OPT_TRUNCATED;
			next = off + 2 + olen;
		}
		if (m->n_opts >= MH_MAX_OPTS)
			return MN_ERR_TOO_MANY_OPTS;
		m->opts[m->n_opts].type = type;
		m->opts[m->n_opts].len = olen;
		m->opts[m->n_opts].off = (uint16_t)off;
		m->n_opts++;

		if (type != MH_OPT_PAD1 && type != MH_OPT_PADN) {
			err = mh_dec_opt(buf, off, type, olen, m, &st);
			if (err)
				return err;
		}
		off = next;
	}

	if (st.last_cga >= 0) {
		unsigned int after = (unsigned int)st.last_cga + 1;

		m->cga_sig_adjacent = after < m->n_opts && m->opts[after].type == MH_OPT_SIGNATURE;
	}
	return MN_OK;
}

static void mh_dec_data(const uint8_t *buf, struct mh_msg *m)
{
	switch (m->type) {
	case MH_HOTI:
	case MH_COTI:
		memcpy(m->u.ti.cookie, buf + 8, MH_COOKIE_LEN);
		break;
	case MH_HOT:
	case MH_COT:
		m->u.t.nonce_index = mh_get16(buf + 6);
		memcpy(m->u.t.cookie, buf + 8, MH_COOKIE_LEN);
		memcpy(m->u.t.token, buf + 16, MH_TOKEN_LEN);
		break;
	case MH_BU:
		m->u.bu.seq = mh_get16(buf + 6);
		m->u.bu.flags = mh_get16(buf + 8);
		m->u.bu.lifetime = mh_get16(buf + 10);
		break;
	case MH_BA:
		m->u.ba.status = buf[6];
		m->u.ba.flags = buf[7];
		m->u.ba.seq = mh_get16(buf + 8);
		m->u.ba.lifetime = mh_get16(buf + 10);
		break;
	case MH_BE:
		m->u.be.status = buf[6];
		memcpy(&m->u.be.hoa, buf + 8, sizeof(m->u.be.hoa));
		break;
	default: /* BRR: reserved only */
		break;
	}
}

int mh_decode(const uint8_t *buf, size_t len, struct mh_msg *out)
{
	size_t total, start;

	if (!out || (!buf && len))
		return MN_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (len < MH_FIXED_LEN)
		return MN_ERR_TRUNCATED;
	if (buf[0] != MH_PAYLOAD_PROTO)
		return MN_ERR_PAYLOAD_PROTO;
	total = 8 * ((size_t)buf[1] + 1);
	if (len < total)
		return MN_ERR_TRUNCATED;
	if (len > total)
		return MN_ERR_TRAILING;
	if (buf[2] >= sizeof(mh_data_end))
		return MN_ERR_MH_TYPE;
	start = mh_data_end[buf[2]];
	if (total < start)
		return MN_ERR_HDR_LEN;

	out->type = buf[2];
	out->len = (uint16_t)total;
	out->checksum = mh_get16(buf + MH_CSUM_OFF);
	mh_dec_data(buf, out);
	return mh_dec_opts(buf, start, total, out);
}

/* ---------------------------------------------------------------- */
/* Checksum */

/* One's-complement sum of big-endian 16-bit words; `p` starts a word. */
static uint64_t mh_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += mh_get16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return sum;
}

uint16_t mh_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		     size_t len)
{
	uint64_t sum = 0;
	uint32_t ulen = (uint32_t)len;

	sum = mh_csum_add(sum, src->s6_addr, sizeof(src->s6_addr));
	sum = mh_csum_add(sum, dst->s6_addr, sizeof(dst->s6_addr));
	sum += (ulen >> 16) + (ulen & 0xffff) + MH_CSUM_NH;

	/* The checksum field counts as zero: sum around it (6 is even). */
	sum = mh_csum_add(sum, mh, len < MH_CSUM_OFF ? len : MH_CSUM_OFF);
	if (len > MH_CSUM_OFF + 2)
		sum = mh_csum_add(sum, mh + MH_CSUM_OFF + 2, len - MH_CSUM_OFF - 2);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void mh_set_checksum(const struct in6_addr *src, const struct in6_addr *dst, uint8_t *mh,
		     size_t len)
{
	if (len < MH_CSUM_OFF + 2)
		return;
	mh_set16(mh + MH_CSUM_OFF, mh_checksum(src, dst, mh, len));
}

bool mh_checksum_ok(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		    size_t len)
{
	if (len < MH_CSUM_OFF + 2)
		return false;
	return mh_get16(mh + MH_CSUM_OFF) == mh_checksum(src, dst, mh, len);
}

/* ---------------------------------------------------------------- */
/* Encoding */

static void mh_b_fail(struct mh_builder *b, int err)
{
	if (!b->err)
		b->err = err;
}

/* Appends n bytes; NULL (and b->err set) when they do not fit. */
static uint8_t *mh_b_reserve(struct mh_builder *b, size_t n)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (b->len > b->cap || n > b->cap - b->len || n > MH_MAX_LEN - b->len) {
		mh_b_fail(b, MN_ERR_NOSPACE);
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

/* Pad1 for one byte, PadN for more (RFC 6275 §6.2.1, §6.2.2). */
static void mh_write_pad(uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (n == 1) {
		p[0] = MH_OPT_PAD1;
		return;
	}
	p[0] = MH_OPT_PADN;
	p[1] = (uint8_t)(n - 2);
	memset(p + 2, 0, n - 2);
}

/* Options need the message data first; nothing but padding follows BAD. */
static bool mh_b_may_add_opt(struct mh_builder *b, bool padding)
{
	if (b->err)
		return false;
	if (b->len <= MH_FIXED_LEN || (!padding && b->bad_off)) {
		mh_b_fail(b, MN_ERR_INVAL);
		return false;
	}
	return true;
}

/* Appends alignment padding for xn+y (x == 0: none) and an option header;
 * returns the option's data area. */
static uint8_t *mh_b_opt(struct mh_builder *b, uint8_t type, size_t len, unsigned int x,
			 unsigned int y)
{
	size_t pad = 0;
	uint8_t *p;

	if (!mh_b_may_add_opt(b, false))
		return NULL;
	if (len > MH_OPT_MAX_DATA) {
		mh_b_fail(b, MN_ERR_INVAL);
		return NULL;
	}
	if (x)
		pad = (y + x - b->len % x) % x;
	p = mh_b_reserve(b, pad + 2 + len);
	if (!p)
		return NULL;
	mh_write_pad(p, pad);
	p += pad;
	p[0] = type;
	p[1] = (uint8_t)len;
	return p + 2;
}

/* Message data of `n` bytes, allowed once and only for the type given to init. */
static uint8_t *mh_b_data(struct mh_builder *b, enum mh_type type, size_t n)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (b->len != MH_FIXED_LEN || b->buf[2] != type) {
		mh_b_fail(b, MN_ERR_INVAL);
		return NULL;
	}
	p = mh_b_reserve(b, n);
	if (p)
		memset(p, 0, n);
	return p;
}

static bool mh_b_check(struct mh_builder *b, bool ok)
{
	if (!ok)
		mh_b_fail(b, MN_ERR_INVAL);
	return ok && !b->err;
}

void mh_build_init(struct mh_builder *b, uint8_t *buf, size_t cap, enum mh_type type)
{
	uint8_t *p;

	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	if (!mh_b_check(b, buf && (unsigned int)type < sizeof(mh_data_end)))
		return;
	p = mh_b_reserve(b, MH_FIXED_LEN);
	if (!p)
		return;
	p[0] = MH_PAYLOAD_PROTO;
	p[1] = 0;
	p[2] = (uint8_t)type;
	p[3] = 0;
	p[4] = 0;
	p[5] = 0;
}

void mh_build_brr(struct mh_builder *b)
{
	mh_b_data(b, MH_BRR, 2);
}

static void mh_build_ti(struct mh_builder *b, enum mh_type type,
			const uint8_t cookie[MH_COOKIE_LEN])
{
	uint8_t *p;

	if (!mh_b_check(b, cookie))
		return;
	p = mh_b_data(b, type, 10);
	if (p)
		memcpy(p + 2, cookie, MH_COOKIE_LEN);
}

void mh_build_hoti(struct mh_builder *b, const uint8_t cookie[MH_COOKIE_LEN])
{
	mh_build_ti(b, MH_HOTI, cookie);
}

void mh_build_coti(struct mh_builder *b, const uint8_t cookie[MH_COOKIE_LEN])
{
	mh_build_ti(b, MH_COTI, cookie);
}

static void mh_build_t(struct mh_builder *b, enum mh_type type, uint16_t nonce_index,
		       const uint8_t cookie[MH_COOKIE_LEN], const uint8_t token[MH_TOKEN_LEN])
{
	uint8_t *p;

	if (!mh_b_check(b, cookie && token))
		return;
	p = mh_b_data(b, type, 18);
	if (!p)
		return;
	mh_set16(p, nonce_index);
	memcpy(p + 2, cookie, MH_COOKIE_LEN);
	memcpy(p + 10, token, MH_TOKEN_LEN);
}

void mh_build_hot(struct mh_builder *b, uint16_t nonce_index, const uint8_t cookie[MH_COOKIE_LEN],
		  const uint8_t token[MH_TOKEN_LEN])
{
	mh_build_t(b, MH_HOT, nonce_index, cookie, token);
}

void mh_build_cot(struct mh_builder *b, uint16_t nonce_index, const uint8_t cookie[MH_COOKIE_LEN],
		  const uint8_t token[MH_TOKEN_LEN])
{
	mh_build_t(b, MH_COT, nonce_index, cookie, token);
}

void mh_build_bu(struct mh_builder *b, uint16_t seq, uint16_t flags, uint16_t lifetime)
{
	uint8_t *p = mh_b_data(b, MH_BU, 6);

	if (!p)
		return;
	mh_set16(p, seq);
	mh_set16(p + 2, flags);
	mh_set16(p + 4, lifetime);
}

void mh_build_ba(struct mh_builder *b, uint8_t status, uint8_t flags, uint16_t seq,
		 uint16_t lifetime)
{
	uint8_t *p = mh_b_data(b, MH_BA, 6);

	if (!p)
		return;
	p[0] = status;
	p[1] = flags;
	mh_set16(p + 2, seq);
	mh_set16(p + 4, lifetime);
}

void mh_build_be(struct mh_builder *b, uint8_t status, const struct in6_addr *hoa)
{
	uint8_t *p;

	if (!mh_b_check(b, hoa))
		return;
	p = mh_b_data(b, MH_BE, 18);
	if (!p)
		return;
	p[0] = status;
	memcpy(p + 2, hoa->s6_addr, sizeof(hoa->s6_addr));
}

void mh_put_pad(struct mh_builder *b, size_t n)
{
	uint8_t *p;

	if (n == 0 || !mh_b_may_add_opt(b, true))
		return;
	/* One PadN holds at most 255 data bytes. */
	if (!mh_b_check(b, n <= 2 + MH_OPT_MAX_DATA))
		return;
	p = mh_b_reserve(b, n);
	if (p)
		mh_write_pad(p, n);
}

void mh_put_bra(struct mh_builder *b, uint16_t interval)
{
	uint8_t *p = mh_b_opt(b, MH_OPT_BRA, 2, 2, 0);

	if (p)
		mh_set16(p, interval);
}

void mh_put_altcoa(struct mh_builder *b, const struct in6_addr *coa)
{
	uint8_t *p;

	if (!mh_b_check(b, coa))
		return;
	p = mh_b_opt(b, MH_OPT_ALTCOA, sizeof(coa->s6_addr), 8, 6);
	if (p)
		memcpy(p, coa->s6_addr, sizeof(coa->s6_addr));
}

void mh_put_nonce(struct mh_builder *b, uint16_t home_index, uint16_t careof_index)
{
	uint8_t *p = mh_b_opt(b, MH_OPT_NONCE, 4, 2, 0);

	if (!p)
		return;
	mh_set16(p, home_index);
	mh_set16(p + 2, careof_index);
}

void mh_put_cga_req(struct mh_builder *b)
{
	mh_b_opt(b, MH_OPT_CGA_REQ, 0, 0, 0);
}

void mh_put_cga_params(struct mh_builder *b, const uint8_t *params, size_t len)
{
	size_t n, chunk;
	uint8_t *p;

	/* One structure per message: cga_end must name its end. */
	if (!mh_b_check(b, params && len && !b->cga_end) || !mh_b_may_add_opt(b, false))
		return;
	if (len > MH_MAX_LEN) {
		mh_b_fail(b, MN_ERR_NOSPACE);
		return;
	}
	n = (len + MH_OPT_MAX_DATA - 1) / MH_OPT_MAX_DATA;
	p = mh_b_reserve(b, len + 2 * n);
	if (!p)
		return;
	while (len) {
		chunk = len < MH_OPT_MAX_DATA ? len : MH_OPT_MAX_DATA;
		p[0] = MH_OPT_CGA_PARAMS;
		p[1] = (uint8_t)chunk;
		memcpy(p + 2, params, chunk);
		p += 2 + chunk;
		params += chunk;
		len -= chunk;
	}
	b->cga_end = (uint16_t)b->len;
}

/* Signature and PHKT: one option of 1..255 bytes, zeroes when data is NULL. */
static uint16_t mh_put_blob(struct mh_builder *b, uint8_t type, const uint8_t *data, size_t len,
			    uint16_t prev_off)
{
	uint8_t *p;

	if (!mh_b_check(b, len >= 1 && len <= MH_OPT_MAX_DATA && !prev_off))
		return prev_off;
	p = mh_b_opt(b, type, len, 0, 0);
	if (!p)
		return prev_off;
	if (data)
		memcpy(p, data, len);
	else
		memset(p, 0, len);
	return (uint16_t)(p - b->buf);
}

void mh_put_signature(struct mh_builder *b, const uint8_t *sig, size_t len)
{
	b->sig_off = mh_put_blob(b, MH_OPT_SIGNATURE, sig, len, b->sig_off);
}

void mh_put_phkt(struct mh_builder *b, const uint8_t *enc, size_t len)
{
	b->phkt_off = mh_put_blob(b, MH_OPT_PHKT, enc, len, b->phkt_off);
}

void mh_put_coti(struct mh_builder *b)
{
	mh_b_opt(b, MH_OPT_COTI, 0, 0, 0);
}

void mh_put_cot(struct mh_builder *b, const uint8_t token[MH_TOKEN_LEN])
{
	uint8_t *p;

	if (!mh_b_check(b, token))
		return;
	p = mh_b_opt(b, MH_OPT_COT, MH_TOKEN_LEN, 0, 0);
	if (p)
		memcpy(p, token, MH_TOKEN_LEN);
}

void mh_put_bad(struct mh_builder *b)
{
	uint8_t *p = mh_b_opt(b, MH_OPT_BAD, MH_BAD_AUTH_LEN, 8, 2);

	if (!p)
		return;
	memset(p, 0, MH_BAD_AUTH_LEN);
	b->bad_off = (uint16_t)(p - b->buf);
}

void mh_put_raw_opt(struct mh_builder *b, uint8_t type, const uint8_t *data, size_t len)
{
	uint8_t *p;

	/* Type 0 is Pad1, which has no length byte. */
	if (!mh_b_check(b, type != MH_OPT_PAD1 && (data || !len)))
		return;
	p = mh_b_opt(b, type, len, 0, 0);
	if (p && len)
		memcpy(p, data, len);
}

size_t mh_build_finish(struct mh_builder *b)
{
	size_t pad;
	uint8_t *p;

	if (b->err)
		return 0;
	if (b->len <= MH_FIXED_LEN) {
		mh_b_fail(b, MN_ERR_INVAL);
		return 0;
	}
	pad = (8 - b->len % 8) % 8;
	if (pad) {
		p = mh_b_reserve(b, pad);
		if (!p)
			return 0;
		mh_write_pad(p, pad);
	}
	b->buf[1] = (uint8_t)(b->len / 8 - 1);
	return b->len;
}
