/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error codes shared by the protocol core. Every failure has a name so
 * that logs, tests and fuzzers can say exactly which check refused an
 * input.
 */
#ifndef MN_PROTO_ERR_H
#define MN_PROTO_ERR_H

enum mn_err {
	MN_OK = 0,
	/* Mobility Header framing */
	MN_ERR_TRUNCATED,     /* shorter than the fixed part or than Header Len says */
	MN_ERR_TRAILING,      /* buffer longer than Header Len says */
	MN_ERR_PAYLOAD_PROTO, /* Payload Proto is not 59 (IPPROTO_NONE) */
	MN_ERR_MH_TYPE,       /* unknown or unsupported MH type */
	MN_ERR_HDR_LEN,       /* Header Len too small for the message type */
	MN_ERR_CHECKSUM,      /* checksum does not verify */
	/* Mobility options */
	MN_ERR_OPT_TRUNCATED, /* option header or data runs past the end */
	MN_ERR_OPT_LENGTH,    /* option length wrong for its type */
	MN_ERR_OPT_ALIGN,     /* option not at its required alignment */
	MN_ERR_OPT_DUPLICATE, /* option that may appear once appears twice */
	MN_ERR_OPT_ORDER,     /* BAD not last, or another ordering rule broken */
	MN_ERR_CGA_SPLIT,     /* CGA Parameters options not consecutive or not 255 bytes */
	MN_ERR_TOO_MANY_OPTS, /* more options than the decoder keeps */
	/* Encoding */
	MN_ERR_NOSPACE, /* output buffer too small, or MH over 2048 bytes */
	MN_ERR_INVAL,   /* argument out of range */
	/* CGA (RFC 3972) */
	MN_ERR_CGA_PARAMS,    /* CGA Parameters structure malformed */
	MN_ERR_CGA_COLLISION, /* collision count above 2 */
	MN_ERR_CGA_PREFIX,    /* subnet prefix differs from the address */
	MN_ERR_CGA_HASH1,     /* Hash1 does not match the interface identifier */
	MN_ERR_CGA_HASH2,     /* Hash2 lacks the 16*Sec leading zero bits */
	MN_ERR_CGA_SEC,       /* Sec value not supported for generation */
	MN_ERR_CANCELLED,     /* modifier search cancelled */
	/* Crypto (RFC 4866) */
	MN_ERR_KEY,       /* key unusable: wrong type, size or encoding */
	MN_ERR_SIGNATURE, /* signature does not verify */
	MN_ERR_DECRYPT,   /* token decryption failed (one uniform path) */
	MN_ERR_AUTH,      /* Binding Authorization Data does not verify */
	MN_ERR_CRYPTO,    /* the crypto library failed */
	/* Key store */
	MN_ERR_PERM,     /* key file readable by group or others, or not ours */
	MN_ERR_IO,       /* read or write failed (errno kept by the caller) */
	MN_ERR_FORMAT,   /* stored file malformed */
	MN_ERR_NOTFOUND, /* no such file */
	MN_ERR_NOMEM,
	MN_ERR__COUNT
};

/* "MN_ERR_TRUNCATED" etc.; never NULL. */
const char *mn_err_name(int err);
/* One-line human description; never NULL. */
const char *mn_strerror(int err);

#endif
