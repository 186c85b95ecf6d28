/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cryptographically Generated Addresses (RFC 3972), SHA-1 only
 * (Sec 0-2 for generation as registered by IANA; verification accepts
 * any Sec 0-7 as RFC 3972 §5 asks).
 *
 * The expensive modifier search (steps 2-3) does not involve the subnet
 * prefix, so it is run once per key and cached; forming the address for
 * a new prefix is then one SHA-1 (steps 5-7).
 */
#ifndef MN_PROTO_CGA_H
#define MN_PROTO_CGA_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CGA_MODIFIER_LEN 16
#define CGA_PREFIX_LEN 8
#define CGA_FIXED_LEN 25 /* modifier + prefix + collision count */
#define CGA_MAX_COLLISIONS 2
#define CGA_SEC_MAX_GEN 2

/* A view of a CGA Parameters structure; pointers refer to caller memory. */
struct cga_params {
	uint8_t modifier[CGA_MODIFIER_LEN];
	uint8_t prefix[CGA_PREFIX_LEN];
	uint8_t collisions;
	const uint8_t *pubkey; /* DER SubjectPublicKeyInfo */
	size_t pubkey_len;
	const uint8_t *ext; /* RFC 4581 extension fields, may be NULL */
	size_t ext_len;
};

/* Serialise. Returns MN_OK, MN_ERR_NOSPACE or MN_ERR_INVAL. */
int cga_params_encode(const struct cga_params *p, uint8_t *out, size_t cap, size_t *len);

/* Parse: the key length comes from its DER header (SEQUENCE, short or
 * long form), the rest is extension fields (checked to be well-formed
 * RFC 4581 TLVs). Pointers in *p refer into buf. */
int cga_params_decode(const uint8_t *buf, size_t len, struct cga_params *p);

/* Steps 5-7: the address for p->prefix and p->collisions with this Sec. */
int cga_address(const struct cga_params *p, unsigned int sec, struct in6_addr *addr);

/* Hash2 test (steps 2-3) for one modifier: true iff the leftmost 16*sec
 * bits of Hash2 are zero. */
bool cga_hash2_ok(const uint8_t modifier[CGA_MODIFIER_LEN], const uint8_t *pubkey,
		  size_t pubkey_len, const uint8_t *ext, size_t ext_len, unsigned int sec);

/* RFC 3972 §5 verification of `addr` against an encoded CGA Parameters
 * structure. Returns MN_OK or the first failing check's error. */
int cga_verify(const struct in6_addr *addr, const uint8_t *params, size_t len);

/* Sec value carried in an address (the 3 leftmost IID bits). */
static inline unsigned int cga_sec_of(const struct in6_addr *addr)
{
	return addr->s6_addr[8] >> 5;
}

/*
 * Modifier search (steps 1-3), on `threads` threads (0 = one per online
 * CPU). Starting from `start`, finds the first modifier (in increasing
 * 128-bit order from start) whose Hash2 passes, so the result does not
 * depend on the thread count.
 *
 * progress, if set, is called from the calling thread about every
 * `progress_every` hashes (0 = 65536) with the number of hashes done so
 * far; a non-zero return cancels. `cancel`, if set, is polled by every
 * thread and cancels when it becomes non-zero (e.g. set from a signal
 * handler). On cancellation returns MN_ERR_CANCELLED.
 * `hashes`, if set, receives the number of Hash2 computations.
 */
typedef int (*cga_progress_fn)(uint64_t hashes, void *user);

struct cga_search {
	const uint8_t *pubkey;
	size_t pubkey_len;
	const uint8_t *ext;
	size_t ext_len;
	unsigned int sec;
	uint8_t start[CGA_MODIFIER_LEN];
	unsigned int threads;
	cga_progress_fn progress;
	void *user;
	uint64_t progress_every;
	volatile int *cancel;
};

int cga_search_modifier(const struct cga_search *s, uint8_t modifier[CGA_MODIFIER_LEN],
			uint64_t *hashes);

#endif
