// SPDX-License-Identifier: BSD-3-Clause
/*
 * Parallel CGA modifier search (RFC 3972 §4 steps 1-3).
 *
 * Candidates are numbered by their offset from the start modifier. The
 * threads claim blocks of consecutive offsets from one atomic counter,
 * scan each claimed block in order and publish the lowest passing offset
 * they see. A thread stops claiming once the next block starts at or
 * beyond the best offset published so far: every block below the best
 * has then been claimed and scanned, so the answer is the first passing
 * modifier counting up from the start, whatever the thread count.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "proto/cga.h"
#include "proto/err.h"

/*
 * Small enough that the threads waste little work past the answer
 * (Sec 1 expects 2^16 hashes) and that cancellation is seen within
 * about a millisecond; large enough that the shared counter is cold.
 */
#define SEARCH_BLOCK 512
#define SEARCH_HASH2_ZEROS 9
#define SEARCH_MAX_THREADS 256
#define SEARCH_PROGRESS_DEFAULT 65536
#define SEARCH_NONE UINT64_MAX

struct search_shared {
	const struct cga_search *s;
	EVP_MD *md;
	/* 16 bytes for the modifier, then 9 zero bytes || pubkey || ext */
	const uint8_t *input;
	size_t input_len;
	unsigned int bytes_zero; /* leading Hash2 bytes that must be zero */
	atomic_uint_fast64_t next_block;
	atomic_uint_fast64_t best;
	atomic_uint_fast64_t hashes;
	atomic_int stop;
	atomic_int err; /* first error seen, MN_OK if none */
};

/* modifier += n, a 128-bit big-endian add; wraps modulo 2^128. */
static void search_add(uint8_t m[CGA_MODIFIER_LEN], uint64_t n)
{
	unsigned int carry = 0;
	int i;

	for (i = CGA_MODIFIER_LEN - 1; i >= 0 && (n || carry); i--) {
		unsigned int sum = m[i] + (unsigned int)(n & 0xff) + carry;

		m[i] = (uint8_t)sum;
		carry = sum >> 8;
		n >>= 8;
	}
}

static void search_inc(uint8_t m[CGA_MODIFIER_LEN])
{
	int i;

	for (i = CGA_MODIFIER_LEN - 1; i >= 0; i--)
		if (++m[i])
			break;
}

static void search_fail(struct search_shared *sh, int err)
{
	int none = MN_OK;

	atomic_compare_exchange_strong(&sh->err, &none, err);
	atomic_store(&sh->stop, 1);
}

static void search_found(struct search_shared *sh, uint64_t idx)
{
	uint_fast64_t cur = atomic_load_explicit(&sh->best, memory_order_relaxed);

	while (idx < cur &&
	       !atomic_compare_exchange_weak_explicit(&sh->best, &cur, idx, memory_order_relaxed,
						      memory_order_relaxed))
		;
}

/*
 * One block: hashes offsets first..first+SEARCH_BLOCK-1 and stops at the
 * first pass (later ones in the block cannot be lower). buf holds the
 * hash input with the modifier for `first` already in place.
 */
static int search_block(struct search_shared *sh, EVP_MD_CTX *ctx, uint8_t *buf, uint64_t first,
			uint64_t *done)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int i, j;

	for (i = 0; i < SEARCH_BLOCK; i++) {
		if (EVP_DigestInit_ex2(ctx, sh->md, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, buf, sh->input_len) != 1 ||
		    EVP_DigestFinal_ex(ctx, h, NULL) != 1)
			return MN_ERR_CRYPTO;
		for (j = 0; j < sh->bytes_zero && !h[j]; j++)
			;
		if (j == sh->bytes_zero) {
			*done = i + 1;
			search_found(sh, first + i);
			return MN_OK;
		}
		search_inc(buf);
	}
	*done = SEARCH_BLOCK;
	return MN_OK;
}

/* The loop every thread runs; `caller` is the calling thread, which alone
 * reports progress (the callback need not be thread-safe). */
static void search_run(struct search_shared *sh, bool caller)
{
	const struct cga_search *s = sh->s;
	uint64_t every = s->progress_every ? s->progress_every : SEARCH_PROGRESS_DEFAULT;
	uint64_t next_report = every;
	EVP_MD_CTX *ctx;
	uint8_t *buf;

	ctx = EVP_MD_CTX_new();
	buf = malloc(sh->input_len);
	if (!ctx || !buf) {
		/* Another thread covers a helper's share; the caller must run. */
		if (caller)
			search_fail(sh, MN_ERR_NOMEM);
		goto out;
	}
	memcpy(buf, sh->input, sh->input_len);

	while (!atomic_load(&sh->stop)) {
		uint64_t b, first, done = 0, total;
		int rc;

		if (s->cancel && *s->cancel) {
			search_fail(sh, MN_ERR_CANCELLED);
			break;
		}
		b = atomic_fetch_add(&sh->next_block, 1);
		/* 2^64 candidates are out of reach; refuse to wrap the index. */
		if (b > (SEARCH_NONE - 1) / SEARCH_BLOCK) {
			search_fail(sh, MN_ERR_CGA_SEC);
			break;
		}
		first = b * SEARCH_BLOCK;
		if (first >= atomic_load_explicit(&sh->best, memory_order_relaxed))
			break;

		memcpy(buf, s->start, CGA_MODIFIER_LEN);
		search_add(buf, first);
		rc = search_block(sh, ctx, buf, first, &done);
		total = atomic_fetch_add_explicit(&sh->hashes, done, memory_order_relaxed) + done;
		if (rc) {
			search_fail(sh, rc);
			break;
		}
		if (caller && s->progress && total >= next_report) {
			next_report = total - total % every + every;
			if (s->progress(total, s->user)) {
				search_fail(sh, MN_ERR_CANCELLED);
				break;
			}
		}
	}
out:
	ERR_clear_error();
	free(buf);
	EVP_MD_CTX_free(ctx);
}

static void *search_thread(void *arg)
{
	search_run(arg, false);
	return NULL;
}

static unsigned int search_threads(unsigned int want)
{
	long n;

	if (want == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		want = n > 0 ? (unsigned int)(n < SEARCH_MAX_THREADS ? n : SEARCH_MAX_THREADS) : 1;
	}
	return want < SEARCH_MAX_THREADS ? want : SEARCH_MAX_THREADS;
}

int cga_search_modifier(const struct cga_search *s, uint8_t modifier[CGA_MODIFIER_LEN],
			uint64_t *hashes)
{
	struct search_shared sh = {.s = s};
	pthread_t tid[SEARCH_MAX_THREADS];
	unsigned int n, started = 0, i;
	uint8_t *input = NULL;
	uint64_t best;
	int rc;

	if (hashes)
		*hashes = 0;
	if (!s || !modifier || !s->pubkey || s->pubkey_len == 0 || (s->ext_len && !s->ext))
		return MN_ERR_INVAL;
	if (s->sec > CGA_SEC_MAX_GEN)
		return MN_ERR_CGA_SEC;
	if (s->sec == 0) {
		/* Step 3 accepts any modifier at Sec 0. */
		memcpy(modifier, s->start, CGA_MODIFIER_LEN);
		return MN_OK;
	}
	if (s->pubkey_len > SIZE_MAX / 2 || s->ext_len > SIZE_MAX / 4)
		return MN_ERR_INVAL;

	/* The constant part of the Hash2 input, built once. */
	sh.input_len = CGA_MODIFIER_LEN + SEARCH_HASH2_ZEROS + s->pubkey_len + s->ext_len;
	input = calloc(1, sh.input_len);
	if (!input)
		return MN_ERR_NOMEM;
	memcpy(input + CGA_MODIFIER_LEN + SEARCH_HASH2_ZEROS, s->pubkey, s->pubkey_len);
	if (s->ext_len)
		memcpy(input + CGA_MODIFIER_LEN + SEARCH_HASH2_ZEROS + s->pubkey_len, s->ext,
		       s->ext_len);
	sh.input = input;
	sh.bytes_zero = 2 * s->sec;

	/* One fetch for the whole search instead of an implicit one per hash. */
	sh.md = EVP_MD_fetch(NULL, "SHA1", NULL);
	if (!sh.md) {
		ERR_clear_error();
		free(input);
		return MN_ERR_CRYPTO;
	}
	atomic_init(&sh.next_block, 0);
	atomic_init(&sh.best, SEARCH_NONE);
	atomic_init(&sh.hashes, 0);
	atomic_init(&sh.stop, 0);
	atomic_init(&sh.err, MN_OK);

	/* A helper that cannot be started only slows the search down. */
	n = search_threads(s->threads);
	for (i = 1; i < n; i++) {
		if (pthread_create(&tid[started], NULL, search_thread, &sh))
			break;
		started++;
	}
	search_run(&sh, true);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);

	if (hashes)
		*hashes = atomic_load(&sh.hashes);
	rc = atomic_load(&sh.err);
	best = atomic_load(&sh.best);
	/* A cancelled or failed search may have skipped lower candidates. */
	if (rc == MN_OK) {
		if (best == SEARCH_NONE) {
			rc = MN_ERR_CGA_SEC;
		} else {
			memcpy(modifier, s->start, CGA_MODIFIER_LEN);
			search_add(modifier, best);
		}
	}
	EVP_MD_free(sh.md);
	free(input);
	return rc;
}
