// SPDX-License-Identifier: BSD-3-Clause
/*
 * Router Advertisement parser tests: a radvd RA as the testbed's DARs send
 * it, the flags and prefix fields DMM uses, the prefix limit, and every
 * malformed input the parser must refuse (truncation, zero-length and
 * overlong options, a wrong Prefix Information length, a prefix length
 * above 128, not an RA).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "proto/err.h"
#include "sys/ndisc.h"

#define assert_err(rc, want) assert_string_equal(mn_err_name(rc), mn_err_name(want))

/*
 * Captured from radvd 2.19 on tests/testbed/tb's DAR 1 (AdvHomeAgentFlag,
 * AdvIntervalOpt, AdvDefaultLifetime 30, prefix 2001:db8:1::1/64 with
 * AdvRouterAddr, valid 300, preferred 120), with an MTU option (AdvLinkMTU
 * 1600) added where radvd puts it, after the prefixes and before the
 * source link-layer address. The checksum is the captured one.
 */
/* clang-format off */
static const uint8_t radvd_ra[] = {
	/* RA: type, code, checksum, hop limit 64, flags H, lifetime 30, timers 0 */
	0x86, 0x00, 0x4a, 0x41, 0x40, 0x20, 0x00, 0x1e,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* Prefix Information: len 4, /64, L A R, valid 300, preferred 120 */
	0x03, 0x04, 0x40, 0xe0, 0x00, 0x00, 0x01, 0x2c,
	0x00, 0x00, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	/* MTU 1600 */
	0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x06, 0x40,
	/* Source link-layer address */
	0x01, 0x01, 0x3a, 0x26, 0x76, 0x48, 0x06, 0x53,
	/* Advertisement Interval (RFC 6275 §7.3): 3000 ms */
	0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xb8,
};
/* clang-format on */

#define RA_PIO_OFF 16
#define RA_MTU_OFF 48

static void in6(const char *s, struct in6_addr *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void assert_in6(const struct in6_addr *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET6, a, buf, sizeof(buf)));
	assert_string_equal(buf, want);
}

/* A Prefix Information option for prefix/plen with the given flags. */
static size_t put_pio(uint8_t *o, const char *prefix, uint8_t plen, uint8_t flags, uint32_t valid,
		      uint32_t preferred)
{
	struct in6_addr a;
	uint32_t v = htonl(valid), p = htonl(preferred);

	in6(prefix, &a);
	memset(o, 0, 32);
	o[0] = 3;
	o[1] = 4;
	o[2] = plen;
	o[3] = flags;
	memcpy(o + 4, &v, 4);
	memcpy(o + 8, &p, 4);
	memcpy(o + 16, &a, 16);
	return 32;
}

static size_t ra_header(uint8_t *b, uint8_t flags)
{
	memset(b, 0, 16);
	b[0] = 134;
	b[4] = 64;
	b[5] = flags;
	b[6] = 0x07; /* 1800 s */
	b[7] = 0x08;
	return 16;
}

static void test_radvd_ra(void **state)
{
	struct ndisc_ra ra;
	const struct ndisc_prefix *p = &ra.prefixes[0];

	memset(&ra, 0xa5, sizeof(ra));
	assert_err(ndisc_parse_ra(radvd_ra, sizeof(radvd_ra), &ra), MN_OK);
	assert_true(ra.home_agent);
	assert_int_equal(ra.flags, 0x20);
	assert_int_equal(ra.hop_limit, 64);
	assert_int_equal(ra.router_lifetime, 30);
	/* Left for the receive path, which knows the packet's origin. */
	assert_int_equal(ra.ifindex, 0);
	assert_in6(&ra.src, "::");
	assert_int_equal(ra.n_prefixes, 1);
	assert_int_equal(p->plen, 64);
	assert_true(p->onlink);
	assert_true(p->autonomous);
	assert_true(p->router_addr);
	assert_int_equal(p->valid, 300);
	assert_int_equal(p->preferred, 120);
	assert_in6(&p->prefix, "2001:db8:1::");
	assert_in6(&p->addr, "2001:db8:1::1");
}

static void test_no_home_agent(void **state)
{
	uint8_t b[sizeof(radvd_ra)];
	struct ndisc_ra ra;

	memcpy(b, radvd_ra, sizeof(b));
	b[5] = 0xc0;              /* M and O, no H */
	b[RA_PIO_OFF + 3] = 0xc0; /* L and A, no R */
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_OK);
	assert_false(ra.home_agent);
	assert_int_equal(ra.flags, 0xc0);
	assert_int_equal(ra.n_prefixes, 1);
	assert_false(ra.prefixes[0].router_addr);
	assert_true(ra.prefixes[0].onlink);
}

/* A header without options is a valid RA. */
static void test_header_only(void **state)
{
	struct ndisc_ra ra;

	assert_err(ndisc_parse_ra(radvd_ra, 16, &ra), MN_OK);
	assert_int_equal(ra.n_prefixes, 0);
	assert_true(ra.home_agent);
}

static void test_several_prefixes(void **state)
{
	uint8_t b[16 + 3 * 32 + 8];
	struct ndisc_ra ra;
	size_t n = ra_header(b, 0x20);

	n += put_pio(b + n, "2001:db8:5::1", 64, 0xe0, 600, 300);
	/* An MTU option between prefixes is skipped. */
	memcpy(b + n, radvd_ra + RA_MTU_OFF, 8);
	n += 8;
	/* Host bits beyond the prefix length are masked in `prefix` only. */
	n += put_pio(b + n, "2001:db8:ab:cdef::", 52, 0x80, 0xffffffff, 0);
	n += put_pio(b + n, "::", 0, 0x40, 1, 1);
	assert_int_equal(n, sizeof(b));
	assert_err(ndisc_parse_ra(b, n, &ra), MN_OK);
	assert_int_equal(ra.router_lifetime, 1800);
	assert_int_equal(ra.n_prefixes, 3);
	assert_in6(&ra.prefixes[0].prefix, "2001:db8:5::");
	assert_in6(&ra.prefixes[0].addr, "2001:db8:5::1");
	assert_true(ra.prefixes[0].router_addr);
	assert_int_equal(ra.prefixes[0].valid, 600);
	assert_in6(&ra.prefixes[1].prefix, "2001:db8:ab:c000::");
	assert_in6(&ra.prefixes[1].addr, "2001:db8:ab:cdef::");
	assert_int_equal(ra.prefixes[1].plen, 52);
	assert_true(ra.prefixes[1].onlink);
	assert_false(ra.prefixes[1].autonomous);
	assert_false(ra.prefixes[1].router_addr);
	assert_int_equal(ra.prefixes[1].valid, 0xffffffffu);
	assert_int_equal(ra.prefixes[1].preferred, 0);
	assert_int_equal(ra.prefixes[2].plen, 0);
	assert_true(ra.prefixes[2].autonomous);
}

/* More prefixes than the parser keeps: the first NDISC_MAX_PREFIXES are
 * kept, the rest are still checked and then ignored. */
static void test_prefix_limit(void **state)
{
	uint8_t b[16 + (NDISC_MAX_PREFIXES + 2) * 32];
	struct ndisc_ra ra;
	size_t n = ra_header(b, 0);
	char s[INET6_ADDRSTRLEN];

	for (unsigned int i = 0; i < NDISC_MAX_PREFIXES + 2; i++) {
		snprintf(s, sizeof(s), "2001:db8:%x::", i + 1);
		n += put_pio(b + n, s, 64, 0xc0, 100, 50);
	}
	assert_err(ndisc_parse_ra(b, n, &ra), MN_OK);
	assert_int_equal(ra.n_prefixes, NDISC_MAX_PREFIXES);
	assert_in6(&ra.prefixes[NDISC_MAX_PREFIXES - 1].prefix, "2001:db8:8::");

	/* A malformed option after the last kept prefix still refuses all. */
	b[n - 32 + 2] = 129;
	assert_err(ndisc_parse_ra(b, n, &ra), MN_ERR_INVAL);
}

static void test_truncated(void **state)
{
	struct ndisc_ra ra;

	assert_err(ndisc_parse_ra(radvd_ra, 0, &ra), MN_ERR_TRUNCATED);
	assert_err(ndisc_parse_ra(radvd_ra, 1, &ra), MN_ERR_TRUNCATED);
	assert_err(ndisc_parse_ra(radvd_ra, 15, &ra), MN_ERR_TRUNCATED);
	assert_err(ndisc_parse_ra(NULL, 16, &ra), MN_ERR_TRUNCATED);
	/* One byte after the header: not even an option header. */
	assert_err(ndisc_parse_ra(radvd_ra, 17, &ra), MN_ERR_TRUNCATED);
	/* A failed parse leaves nothing behind. */
	assert_int_equal(ra.n_prefixes, 0);
	assert_false(ra.home_agent);
}

static void test_zero_length_option(void **state)
{
	uint8_t b[sizeof(radvd_ra)];
	struct ndisc_ra ra;

	memcpy(b, radvd_ra, sizeof(b));
	b[RA_MTU_OFF + 1] = 0;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
	/* Also as the first option. */
	memcpy(b, radvd_ra, sizeof(b));
	b[RA_PIO_OFF + 1] = 0;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
}

static void test_pio_wrong_length(void **state)
{
	uint8_t b[sizeof(radvd_ra)];
	struct ndisc_ra ra;

	memcpy(b, radvd_ra, sizeof(b));
	/* 3 units: the option still fits, but a PIO is always 4. */
	b[RA_PIO_OFF + 1] = 3;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
	b[RA_PIO_OFF + 1] = 5;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
	b[RA_PIO_OFF + 1] = 1;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
}

static void test_option_past_end(void **state)
{
	uint8_t b[sizeof(radvd_ra)];
	struct ndisc_ra ra;

	/* The last option says 16 bytes, 8 are there. */
	memcpy(b, radvd_ra, sizeof(b));
	b[sizeof(b) - 8 + 1] = 2;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
	/* 255 units from the first option. */
	memcpy(b, radvd_ra, sizeof(b));
	b[RA_PIO_OFF + 1] = 255;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_OPT_LENGTH);
	/* The capture cut inside the PIO: its length runs past the end. */
	assert_err(ndisc_parse_ra(radvd_ra, RA_PIO_OFF + 31, &ra), MN_ERR_OPT_LENGTH);
	assert_err(ndisc_parse_ra(radvd_ra, RA_PIO_OFF + 2, &ra), MN_ERR_OPT_LENGTH);
}

static void test_plen_over_128(void **state)
{
	uint8_t b[sizeof(radvd_ra)];
	struct ndisc_ra ra;

	memcpy(b, radvd_ra, sizeof(b));
	b[RA_PIO_OFF + 2] = 129;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_INVAL);
	b[RA_PIO_OFF + 2] = 255;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_INVAL);
	b[RA_PIO_OFF + 2] = 128;
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_OK);
	assert_in6(&ra.prefixes[0].prefix, "2001:db8:1::1");
}

static void test_not_an_ra(void **state)
{
	uint8_t b[sizeof(radvd_ra)];
	struct ndisc_ra ra;

	memcpy(b, radvd_ra, sizeof(b));
	b[0] = 133; /* Router Solicitation */
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_INVAL);
	b[0] = 134;
	b[1] = 1; /* RFC 4861 §6.1.2: the code must be 0 */
	assert_err(ndisc_parse_ra(b, sizeof(b), &ra), MN_ERR_INVAL);
	/* An 8-byte RS is "not an RA" rather than "too short". */
	b[0] = 133;
	b[1] = 0;
	assert_err(ndisc_parse_ra(b, 8, &ra), MN_ERR_INVAL);
	assert_err(ndisc_parse_ra(radvd_ra, sizeof(radvd_ra), NULL), MN_ERR_INVAL);
}

/* Every prefix of every length of the radvd RA: accepted whole or refused
 * with a framing error, never read past (checked under ASan). */
static void test_every_length(void **state)
{
	for (size_t n = 0; n <= sizeof(radvd_ra); n++) {
		struct ndisc_ra ra;
		int rc = ndisc_parse_ra(radvd_ra, n, &ra);

		if (n == 16 || n == 48 || n == 56 || n == 64 || n == sizeof(radvd_ra))
			assert_err(rc, MN_OK);
		else
			assert_true(rc == MN_ERR_TRUNCATED || rc == MN_ERR_OPT_LENGTH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_radvd_ra),           cmocka_unit_test(test_no_home_agent),
		cmocka_unit_test(test_header_only),        cmocka_unit_test(test_several_prefixes),
		cmocka_unit_test(test_prefix_limit),       cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_zero_length_option), cmocka_unit_test(test_pio_wrong_length),
		cmocka_unit_test(test_option_past_end),    cmocka_unit_test(test_plen_over_128),
		cmocka_unit_test(test_not_an_ra),          cmocka_unit_test(test_every_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
