// SPDX-License-Identifier: BSD-3-Clause
/*
 * Protocol core benchmark (run on purpose with `make bench`, never as a
 * test). Prints per-operation costs measured in one run so that the
 * figures can be compared side by side:
 *   BU encode/decode (ns), signature and verification at 1024 and 2040
 *   bits (us), CGA address from a cached modifier (ns), and the modifier
 *   search rate on one core and on all cores (hashes/s, and the ratio).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(const char *what, int err)
{
	if (err) {
		fprintf(stderr, "bench: %s: %s\n", what, mn_err_name(err));
		exit(1);
	}
}

/* Repeat fn until at least min_s seconds have passed; return s/iteration. */
#define BENCH(min_s, body)                                                                         \
	({                                                                                         \
		unsigned long _n = 0;                                                              \
		double _t0 = now(), _t;                                                            \
		do {                                                                               \
			for (int _i = 0; _i < 16; _i++, _n++) {                                    \
				body;                                                              \
			}                                                                          \
			_t = now() - _t0;                                                          \
		} while (_t < (min_s));                                                            \
		_t / _n;                                                                           \
	})

struct rate {
	double deadline;
};

static int stop_at_deadline(uint64_t hashes, void *user)
{
	return now() >= ((struct rate *)user)->deadline;
}

static double search_rate(const uint8_t *spki, size_t spki_len, unsigned int threads,
			  double seconds)
{
	struct rate r = {now() + seconds};
	struct cga_search s = {.pubkey = spki,
			       .pubkey_len = spki_len,
			       .sec = 2, /* ~2^32 hashes: never finishes in time */
			       .threads = threads,
			       .progress = stop_at_deadline,
			       .user = &r,
			       .progress_every = 4096};
	uint8_t mod[CGA_MODIFIER_LEN];
	uint64_t hashes = 0;
	double t0 = now();
	int err;

	memset(s.start, 0x5a, sizeof(s.start));
	err = cga_search_modifier(&s, mod, &hashes);
	if (err != MN_ERR_CANCELLED && err != MN_OK)
		check("search", err);
	return hashes / (now() - t0);
}

static void bench_key(unsigned int bits, double min_s)
{
	EVP_PKEY *key;
	uint8_t *spki, params[1024], mh[MH_MAX_LEN], sig[MN_SIG_MAX];
	size_t spki_len, plen, len, sig_len;
	struct cga_params p = {0};
	struct msg_bu bu = {.seq = 1, .lifetime = 60};
	double t;

	check("keygen", mn_key_generate(bits, &key));
	check("spki", mn_key_spki(key, &spki, &spki_len));
	p.pubkey = spki;
	p.pubkey_len = spki_len;
	inet_pton(AF_INET6, "2001:db8:1::", &bu.hoa);
	memcpy(p.prefix, bu.hoa.s6_addr, 8);
	check("params", cga_params_encode(&p, params, sizeof(params), &plen));
	check("addr", cga_address(&p, 0, &bu.hoa));
	inet_pton(AF_INET6, "2001:db8:2::5", &bu.coa);
	inet_pton(AF_INET6, "2001:db8:1::1", &bu.dar);

	t = BENCH(min_s,
		  check("bu", msg_build_bu_cga(mh, sizeof(mh), &len, &bu, params, plen, key)));
	printf("%-44s %10.1f us\n",
	       bits == 1024 ? "first BU (CGA-signed) build, 1024-bit"
			    : "first BU (CGA-signed) build, 2040-bit",
	       t * 1e6);
	sig_len = sizeof(sig);
	t = BENCH(min_s, sig_len = sizeof(sig);
		  check("sign", mn_sig_sign(key, &bu.coa, &bu.dar, mh, 200, sig, &sig_len)));
	printf("signature, %4u-bit                           %10.1f us\n", bits, t * 1e6);
	t = BENCH(min_s,
		  check("verify", mn_sig_verify(key, &bu.coa, &bu.dar, mh, 200, sig, sig_len)));
	printf("verification, %4u-bit                        %10.1f us\n", bits, t * 1e6);
	free(spki);
	mn_key_free(key);
}

int main(int argc, char **argv)
{
	double min_s = argc > 1 ? atof(argv[1]) : 0.5;
	static struct mh_msg m;
	uint8_t mh[MH_MAX_LEN], params[1024], *spki;
	uint8_t phkt[MN_PHKT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t len, plen, spki_len;
	struct msg_bu bu = {.seq = 2, .lifetime = 60};
	struct mh_builder b;
	struct cga_params p = {0};
	struct in6_addr addr;
	EVP_PKEY *key;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double t, r1, rn;

	inet_pton(AF_INET6, "2001:db8:1::5", &bu.hoa);
	inet_pton(AF_INET6, "2001:db8:2::5", &bu.coa);
	inet_pton(AF_INET6, "2001:db8:1::1", &bu.dar);
	printf("mnd protocol core benchmark (%ld CPUs, >= %.2f s per figure)\n", ncpu, min_s);

	t = BENCH(min_s, mh_build_init(&b, mh, sizeof(mh), MH_BU);
		  mh_build_bu(&b, 2, MH_BU_F_A | MH_BU_F_H, 60); mh_put_altcoa(&b, &bu.coa);
		  mh_put_nonce(&b, 0, 0); mh_put_bad(&b); len = mh_build_finish(&b);
		  mh_set_checksum(&bu.hoa, &bu.dar, mh, len));
	printf("%-44s %10.1f ns\n", "BU encode (codec + checksum, no crypto)", t * 1e9);
	t = BENCH(min_s, check("token bu",
			       msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, NULL, 0, NULL)));
	printf("%-44s %10.1f ns\n", "token BU build (codec + HMAC-SHA1 BAD)", t * 1e9);
	t = BENCH(min_s, check("decode", mh_decode(mh, len, &m)));
	printf("%-44s %10.1f ns\n", "token BU decode", t * 1e9);

	bench_key(1024, min_s);
	bench_key(2040, min_s);

	check("keygen", mn_key_generate(2040, &key));
	check("spki", mn_key_spki(key, &spki, &spki_len));
	p.pubkey = spki;
	p.pubkey_len = spki_len;
	check("params", cga_params_encode(&p, params, sizeof(params), &plen));
	check("decode", mh_decode(mh, len, &m));
	t = BENCH(min_s, memcpy(p.prefix, &bu.hoa, 8); p.prefix[7]++;
		  check("cga", cga_address(&p, 1, &addr)));
	printf("%-44s %10.1f ns\n", "CGA address from cached modifier (2040-bit)", t * 1e9);

	r1 = search_rate(spki, spki_len, 1, 2 * min_s + 0.5);
	rn = search_rate(spki, spki_len, (unsigned int)ncpu, 2 * min_s + 0.5);
	printf("%-44s %10.0f hashes/s\n", "modifier search, 1 thread", r1);
	printf("modifier search, %2ld threads                  %10.0f hashes/s (x%.2f)\n", ncpu, rn,
	       rn / r1);
	printf("%-44s %10.3f s (2^16 hashes, all threads)\n", "expected Sec 1 search",
	       65536.0 / rn);
	printf("%-44s %10.0f s (2^32 hashes, all threads)\n", "expected Sec 2 search",
	       4294967296.0 / rn);
	free(spki);
	mn_key_free(key);
	return 0;
}
