// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target: the CGA Parameters decoder (RFC 3972 structure with a
 * DER SubjectPublicKeyInfo and RFC 4581 extensions), its re-encoding and
 * CGA verification. A structure that decodes must re-encode to the same
 * bytes, and the address formed from it must verify against it.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096];
	struct cga_params p;
	struct in6_addr addr;
	EVP_PKEY *key;
	size_t len;
	int err;

	err = cga_params_decode(data, size, &p);
	if (err < 0 || err >= MN_ERR__COUNT)
		abort();
	if (err)
		return 0;
	/* The decoder reads any collision count (verification refuses it
	 * later); the encoder only writes valid ones. */
	if (p.collisions <= CGA_MAX_COLLISIONS) {
		if (cga_params_encode(&p, out, sizeof(out), &len) != MN_OK || len != size ||
		    memcmp(out, data, size))
			abort();
		/* Sec 0 needs no Hash2 zeros, so the formed address must verify. */
		if (cga_address(&p, 0, &addr) != MN_OK || cga_verify(&addr, data, size) != MN_OK)
			abort();
	}
	if (mn_key_from_spki(p.pubkey, p.pubkey_len, &key) == MN_OK)
		mn_key_free(key);
	return 0;
}
