/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mobility Header codec (RFC 6275 §6.1, RFC 4866 §5). Pure functions over
 * caller-owned buffers: no allocation, no I/O.
 *
 * Decoding fills a struct mh_msg whose pointers refer into the input
 * buffer, except the reassembled CGA Parameters, which are copied because
 * on the wire they are interleaved with option headers.
 *
 * Encoding appends to a struct mh_builder; alignment padding (Pad1/PadN)
 * is inserted in front of options with an alignment rule, and
 * mh_build_finish() pads the message to a multiple of 8 bytes and sets
 * Header Len.
 */
#ifndef MN_PROTO_MH_H
#define MN_PROTO_MH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MH_PAYLOAD_PROTO 59 /* IPPROTO_NONE */
#define MH_MAX_LEN 2048     /* 8 * (255 + 1) */
#define MH_FIXED_LEN 6      /* Payload Proto, Header Len, Type, Reserved, Checksum */
#define MH_CSUM_OFF 4

enum mh_type {
	MH_BRR = 0,
	MH_HOTI = 1,
	MH_COTI = 2,
	MH_HOT = 3,
	MH_COT = 4,
	MH_BU = 5,
	MH_BA = 6,
	MH_BE = 7,
};

enum mh_opt {
	MH_OPT_PAD1 = 0,
	MH_OPT_PADN = 1,
	MH_OPT_BRA = 2,      /* Binding Refresh Advice, 2n */
	MH_OPT_ALTCOA = 3,   /* Alternate Care-of Address, 8n+6 */
	MH_OPT_NONCE = 4,    /* Nonce Indices, 2n */
	MH_OPT_BAD = 5,      /* Binding Authorization Data, 8n+2, last */
	MH_OPT_CGA_REQ = 11, /* CGA Parameters Request, length 0 */
	MH_OPT_CGA_PARAMS = 12,
	MH_OPT_SIGNATURE = 13,
	MH_OPT_PHKT = 14, /* Permanent Home Keygen Token (encrypted) */
	MH_OPT_COTI = 15, /* Care-of Test Init, length 0 */
	MH_OPT_COT = 16,  /* Care-of Test, length 8 */
};

/* BU flags (16-bit word at offset 8) */
#define MH_BU_F_A 0x8000
#define MH_BU_F_H 0x4000
#define MH_BU_F_L 0x2000
#define MH_BU_F_K 0x1000
/* BA flags (byte at offset 7) */
#define MH_BA_F_K 0x80

/* BA status values this project uses (RFC 6275, RFC 4866) */
enum mh_ba_status {
	MH_BA_ACCEPTED = 0,
	MH_BA_UNSPECIFIED = 128,
	MH_BA_PROHIBITED = 129,
	MH_BA_INSUFFICIENT = 130,
	MH_BA_HR_NOT_SUPPORTED = 131,
	MH_BA_NOT_HOME_SUBNET = 132,
	MH_BA_NOT_HA = 133,
	MH_BA_DAD_FAILED = 134,
	MH_BA_SEQ_OUT_OF_WINDOW = 135,
	MH_BA_EXPIRED_HOME_NONCE = 136,
	MH_BA_EXPIRED_COA_NONCE = 137,
	MH_BA_EXPIRED_NONCES = 138,
	MH_BA_PHKT_UNAVAILABLE = 147,
	MH_BA_CGA_SIG_FAILED = 148,
	MH_BA_PHKT_EXISTS = 149,
	MH_BA_NONNULL_HNI_EXPECTED = 150,
};

#define MH_BAD_AUTH_LEN 12
#define MH_TOKEN_LEN 8
#define MH_COOKIE_LEN 8
#define MH_OPT_MAX_DATA 255
#define MH_MAX_OPTS 64

/* One option as it appeared on the wire (padding included). */
struct mh_opt_ref {
	uint8_t type;
	uint8_t len;  /* data length; 0 for Pad1 */
	uint16_t off; /* offset of the option's type byte from the MH start */
};

struct mh_msg {
	uint8_t type;      /* enum mh_type */
	uint16_t len;      /* total MH length: 8 * (Header Len + 1) */
	uint16_t checksum; /* as received, host order */

	/* Message data; which member is valid depends on type. */
	union {
		struct {
			uint16_t seq;
			uint16_t flags;
			uint16_t lifetime; /* 4-second units */
		} bu;
		struct {
			uint8_t status;
			uint8_t flags;
			uint16_t seq;
			uint16_t lifetime; /* 4-second units */
		} ba;
		struct {
			uint8_t status;
			struct in6_addr hoa;
		} be;
		struct { /* HoTI, CoTI */
			uint8_t cookie[MH_COOKIE_LEN];
		} ti;
		struct { /* HoT, CoT */
			uint16_t nonce_index;
			uint8_t cookie[MH_COOKIE_LEN];
			uint8_t token[MH_TOKEN_LEN];
		} t;
	} u;

	/* Options, in order of appearance (Pad1/PadN included). */
	struct mh_opt_ref opts[MH_MAX_OPTS];
	unsigned int n_opts;

	/* Bit (1u << type) set for each non-padding option type seen. */
	uint32_t present;

	uint16_t bra_interval;     /* MH_OPT_BRA, 4-second units */
	struct in6_addr alt_coa;   /* MH_OPT_ALTCOA */
	uint16_t home_nonce_index; /* MH_OPT_NONCE */
	uint16_t careof_nonce_index;
	const uint8_t *bad_auth; /* MH_OPT_BAD: 12 bytes into the input */
	uint16_t bad_auth_off;   /* offset of the authenticator in the MH */

	/* CGA Parameters, reassembled from consecutive type-12 options. */
	uint8_t cga_params[MH_MAX_LEN];
	uint16_t cga_params_len;
	uint16_t cga_params_end; /* offset just past the last CGA Parameters option */
	bool cga_sig_adjacent; /* the last CGA Parameters option is directly followed by a Signature
				*/

	const uint8_t *sig; /* MH_OPT_SIGNATURE */
	uint8_t sig_len;
	const uint8_t *phkt; /* MH_OPT_PHKT, encrypted */
	uint8_t phkt_len;
	uint8_t cot_token[MH_TOKEN_LEN]; /* MH_OPT_COT */
};

static inline bool mh_has(const struct mh_msg *m, enum mh_opt t)
{
	return (m->present >> t) & 1u;
}

/*
 * Decode one Mobility Header of exactly `len` bytes (the IPv6 payload).
 * Checks: fixed part, Payload Proto, Header Len against `len`, minimum
 * length per type, every option's bounds, known option lengths,
 * alignment of options that have a rule, duplicates, BAD last,
 * CGA Parameters splitting (all but the last exactly 255 bytes, no other
 * option between them). Unknown option types are skipped. The checksum is
 * not checked here (it needs the addresses): use mh_checksum_ok().
 * Returns MN_OK or an enum mn_err.
 */
int mh_decode(const uint8_t *buf, size_t len, struct mh_msg *out);

/* Internet checksum of the IPv6 pseudo-header (src, dst, length, NH 135)
 * and the MH, with the checksum field taken as zero. */
uint16_t mh_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		     size_t len);
/* Write the checksum into mh[4..5]. */
void mh_set_checksum(const struct in6_addr *src, const struct in6_addr *dst, uint8_t *mh,
		     size_t len);
/* True when the checksum carried in mh[4..5] is right. */
bool mh_checksum_ok(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		    size_t len);

/* RFC 1982-style comparison of 16-bit sequence numbers:
 * true iff a is newer than b, i.e. (int16_t)(a - b) > 0. */
static inline bool mh_seq_newer(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) > 0;
}

/* ---------------------------------------------------------------- */
/* Encoding */

struct mh_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;           /* first error; later calls do nothing */
	uint16_t cga_end;  /* offset just past the last CGA Parameters option, 0 if none */
	uint16_t sig_off;  /* offset of the Signature data, 0 if none */
	uint16_t bad_off;  /* offset of the BAD authenticator, 0 if none */
	uint16_t phkt_off; /* offset of the PHKT data, 0 if none */
};

/* Start a message: writes the 6-byte fixed part (Payload Proto 59,
 * Header Len 0 until finish, Type, Reserved 0, Checksum 0). */
void mh_build_init(struct mh_builder *b, uint8_t *buf, size_t cap, enum mh_type type);

/* Message data, exactly one matching the type given to mh_build_init. */
void mh_build_brr(struct mh_builder *b);
void mh_build_hoti(struct mh_builder *b, const uint8_t cookie[MH_COOKIE_LEN]);
void mh_build_coti(struct mh_builder *b, const uint8_t cookie[MH_COOKIE_LEN]);
void mh_build_hot(struct mh_builder *b, uint16_t nonce_index, const uint8_t cookie[MH_COOKIE_LEN],
		  const uint8_t token[MH_TOKEN_LEN]);
void mh_build_cot(struct mh_builder *b, uint16_t nonce_index, const uint8_t cookie[MH_COOKIE_LEN],
		  const uint8_t token[MH_TOKEN_LEN]);
void mh_build_bu(struct mh_builder *b, uint16_t seq, uint16_t flags, uint16_t lifetime);
void mh_build_ba(struct mh_builder *b, uint8_t status, uint8_t flags, uint16_t seq,
		 uint16_t lifetime);
void mh_build_be(struct mh_builder *b, uint8_t status, const struct in6_addr *hoa);

/* Options. Those with an alignment rule get Pad1/PadN in front. */
void mh_put_pad(struct mh_builder *b, size_t n); /* n == 1: Pad1, n >= 2: PadN */
void mh_put_bra(struct mh_builder *b, uint16_t interval);
void mh_put_altcoa(struct mh_builder *b, const struct in6_addr *coa);
void mh_put_nonce(struct mh_builder *b, uint16_t home_index, uint16_t careof_index);
void mh_put_cga_req(struct mh_builder *b);
/* Splits into consecutive type-12 options of 255 bytes, the last shorter. */
void mh_put_cga_params(struct mh_builder *b, const uint8_t *params, size_t len);
/* Writes a Signature option of `len` bytes; sig may be NULL to reserve
 * zeroes (sign later at b->sig_off). */
void mh_put_signature(struct mh_builder *b, const uint8_t *sig, size_t len);
void mh_put_phkt(struct mh_builder *b, const uint8_t *enc, size_t len);
void mh_put_coti(struct mh_builder *b);
void mh_put_cot(struct mh_builder *b, const uint8_t token[MH_TOKEN_LEN]);
/* Writes a BAD option (8n+2) with a zero authenticator at b->bad_off;
 * it must be the last option. */
void mh_put_bad(struct mh_builder *b);
/* Raw option, for tests of unknown types. */
void mh_put_raw_opt(struct mh_builder *b, uint8_t type, const uint8_t *data, size_t len);

/* Pad to a multiple of 8, set Header Len. Returns the MH length, or 0 with
 * b->err set. The checksum stays 0: set it last with mh_set_checksum(). */
size_t mh_build_finish(struct mh_builder *b);

#endif
