// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target: the Mobility Header decoder and what the DAR and the
 * MN do next with a decoded message (classification, CGA Parameters,
 * checksum). Any crash, sanitizer report or broken invariant is a finding.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/cga.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mh_msg m;
	static const struct in6_addr a = {{{0x20, 0x01, 0x0d, 0xb8, 0, 1}}};
	struct cga_params p;
	int err;

	err = mh_decode(data, size, &m);
	if (err < 0 || err >= MN_ERR__COUNT)
		abort();
	(void)mn_err_name(err);
	if (err)
		return 0;
	/* Invariants of a successful decode. */
	if (m.len != size || size % 8 || m.n_opts > MH_MAX_OPTS)
		abort();
	for (unsigned int i = 0; i < m.n_opts; i++)
		if ((size_t)m.opts[i].off + (m.opts[i].type ? 2u + m.opts[i].len : 1u) > size)
			abort();
	if (m.cga_params_len > size || m.cga_params_end > size)
		abort();
	if (mh_has(&m, MH_OPT_BAD) && (size_t)m.bad_auth_off + MH_BAD_AUTH_LEN > size)
		abort();
	(void)mh_checksum_ok(&a, &a, data, size);
	(void)msg_bu_classify(&m);
	if (m.cga_params_len && cga_params_decode(m.cga_params, m.cga_params_len, &p) == MN_OK) {
		if (p.pubkey + p.pubkey_len > m.cga_params + m.cga_params_len)
			abort();
		(void)cga_verify(&a, m.cga_params, m.cga_params_len);
	}
	return 0;
}
