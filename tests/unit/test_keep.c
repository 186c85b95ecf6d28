// SPDX-License-Identifier: BSD-3-Clause
/*
 * The keep decision (mnd/core/keep.c) and mnd.conf rules (mnd/core/rules.c):
 * the order application request > rule > default, every default, every
 * rule kind, first match wins, `default` rules, what is not live, and the
 * grammar's errors.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/keep.h"
#include "core/rules.h"

static struct keep_sock sock(uint8_t proto, uint8_t state, uint16_t sport, uint16_t dport)
{
	struct keep_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.state = state;
	s.sport = sport;
	s.dport = dport;
	s.cookie = 42;
	s.uid = 1000;
	s.inode = 12345;
	return s;
}

static enum keep_mode mode(const struct keep_rules *rs, const struct keep_sock *s,
			   enum keep_reason *r, int *rule)
{
	struct keep_why w;
	enum keep_mode m = keep_socket_mode(rs, s, &w);

	if (r)
		*r = w.reason;
	if (rule)
		*rule = w.rule;
	return m;
}

static struct keep_rules *parse(const char *const *rules)
{
	struct keep_rules *rs = rules_new();
	char err[256], name[16];

	assert_non_null(rs);
	for (unsigned int i = 0; rules[i]; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		if (rules_add(rs, name, rules[i], err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	return rs;
}

/* ------------------------------------------------------------------ */
/* Defaults */

static void test_default_tcp(void **state)
{
	static const uint8_t open[] = {TCP_ESTABLISHED, TCP_SYN_SENT,  TCP_SYN_RECV,
				       TCP_FIN_WAIT1,   TCP_FIN_WAIT2, TCP_CLOSE_WAIT,
				       TCP_LAST_ACK,    TCP_LISTEN,    TCP_CLOSING};
	struct keep_sock s;
	enum keep_reason r;

	for (unsigned int i = 0; i < sizeof(open); i++) {
		s = sock(IPPROTO_TCP, open[i], 40000, 443);
		assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_CONTINUITY);
		assert_int_equal(r, KEEP_WHY_TCP_OPEN);
	}
	/* Listeners included. */
	s = sock(IPPROTO_TCP, TCP_LISTEN, 22, 0);
	assert_int_equal(mode(NULL, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	s = sock(IPPROTO_TCP, TCP_CLOSE, 40000, 0);
	assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(r, KEEP_WHY_TCP_CLOSED);
}

static void test_default_udp(void **state)
{
	struct keep_sock s = sock(IPPROTO_UDP, TCP_ESTABLISHED, 40000, 5002);
	enum keep_reason r;

	assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_CONTINUITY);
	assert_int_equal(r, KEEP_WHY_UDP_CONNECTED);
	s = sock(IPPROTO_UDP, TCP_CLOSE, 7000, 0);
	assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(r, KEEP_WHY_UDP_UNCONNECTED);
}

static void test_default_dns(void **state)
{
	struct keep_sock s = sock(IPPROTO_UDP, TCP_ESTABLISHED, 40000, 53);
	enum keep_reason r;

	assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(r, KEEP_WHY_DNS);
	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 53);
	assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(r, KEEP_WHY_DNS);
	/* A DNS server on this address is a listener like any other. */
	s = sock(IPPROTO_TCP, TCP_LISTEN, 53, 0);
	assert_int_equal(mode(NULL, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
}

static void test_default_other(void **state)
{
	struct keep_sock s = sock(IPPROTO_SCTP, TCP_ESTABLISHED, 1, 2);
	enum keep_reason r;

	assert_int_equal(mode(NULL, &s, &r, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(r, KEEP_WHY_OTHER_PROTO);
}

/* Not live: TIME_WAIT always, the closing states once orphaned; nothing
 * asked for them counts. */
static void test_not_live(void **state)
{
	static const char *const all[] = {"continuity", NULL};
	struct keep_rules *rs = parse(all);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_TIME_WAIT, 40000, 443);
	enum keep_reason r;

	s.inode = 0;
	s.app = KEEP_MODE_CONTINUITY;
	assert_int_equal(mode(rs, &s, &r, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(r, KEEP_WHY_TIME_WAIT);
	for (uint8_t st = TCP_FIN_WAIT1; st <= TCP_CLOSING; st++) {
		if (st == TCP_TIME_WAIT || st == TCP_CLOSE || st == TCP_CLOSE_WAIT ||
		    st == TCP_LISTEN)
			continue;
		s = sock(IPPROTO_TCP, st, 40000, 443);
		s.inode = 0;
		s.app = KEEP_MODE_CONTINUITY;
		assert_int_equal(mode(rs, &s, &r, NULL), KEEP_MODE_BYPASS);
		assert_int_equal(r, KEEP_WHY_ORPHANED);
		/* Still owned: the application may read on. */
		s.inode = 9;
		s.app = KEEP_MODE_DEFAULT;
		assert_int_equal(mode(NULL, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	}
	/* Accepted by the kernel, not yet by the application: live. */
	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 22, 40000);
	s.inode = 0;
	assert_int_equal(mode(NULL, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	/* UDP has no such states. */
	s = sock(IPPROTO_UDP, TCP_ESTABLISHED, 1, 2);
	s.inode = 0;
	assert_int_equal(mode(NULL, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Order */

static void test_order(void **state)
{
	static const char *const r[] = {"bypass tcp dport 443", "continuity udp", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 443);
	enum keep_reason why;
	int rule;

	/* Rule over default. */
	assert_int_equal(mode(rs, &s, &why, &rule), KEEP_MODE_BYPASS);
	assert_int_equal(why, KEEP_WHY_RULE);
	assert_int_equal(rule, 0);
	/* Application over rule. */
	s.app = KEEP_MODE_CONTINUITY;
	assert_int_equal(mode(rs, &s, &why, &rule), KEEP_MODE_CONTINUITY);
	assert_int_equal(why, KEEP_WHY_APP);
	assert_int_equal(rule, -1);
	/* Application over default, both ways. */
	s = sock(IPPROTO_UDP, TCP_CLOSE, 7000, 0);
	assert_int_equal(mode(rs, &s, &why, &rule), KEEP_MODE_CONTINUITY);
	assert_int_equal(rule, 1);
	s.app = KEEP_MODE_BYPASS;
	assert_int_equal(mode(rs, &s, &why, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(why, KEEP_WHY_APP);
	s = sock(IPPROTO_TCP, TCP_LISTEN, 22, 0);
	s.app = KEEP_MODE_BYPASS;
	assert_int_equal(mode(NULL, &s, &why, NULL), KEEP_MODE_BYPASS);
	/* `default` from the application is no request at all. */
	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 443);
	s.app = KEEP_MODE_DEFAULT;
	assert_int_equal(mode(rs, &s, &why, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(why, KEEP_WHY_RULE);
	/* Values outside the enum are no request either. */
	s.app = (enum keep_mode)7;
	assert_int_equal(mode(NULL, &s, &why, NULL), KEEP_MODE_CONTINUITY);
	assert_int_equal(why, KEEP_WHY_TCP_OPEN);
	rules_free(rs);
}

static void test_first_match_and_default_rule(void **state)
{
	static const char *const r[] = {"default tcp dport 5005", "bypass tcp dport 5000-5010",
					"continuity tcp", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 5005);
	enum keep_reason why;
	int rule;

	/* The `default` rule matches first: built-in defaults decide. */
	assert_int_equal(mode(rs, &s, &why, &rule), KEEP_MODE_CONTINUITY);
	assert_int_equal(why, KEEP_WHY_TCP_OPEN);
	assert_int_equal(rule, -1);
	s.dport = 5006;
	assert_int_equal(mode(rs, &s, &why, &rule), KEEP_MODE_BYPASS);
	assert_int_equal(rule, 1);
	s.dport = 5011;
	assert_int_equal(mode(rs, &s, &why, &rule), KEEP_MODE_CONTINUITY);
	assert_int_equal(rule, 2);
	/* A `default` rule also exempts from the defaults' own... nothing:
	 * a closed TCP socket stays bypass. */
	s.dport = 5005;
	s.state = TCP_CLOSE;
	assert_int_equal(mode(rs, &s, &why, NULL), KEEP_MODE_BYPASS);
	assert_int_equal(why, KEEP_WHY_TCP_CLOSED);
	rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Each rule kind */

static void test_rule_proto(void **state)
{
	static const char *const r[] = {"continuity udp", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_UDP, TCP_CLOSE, 7000, 0);
	struct keep_sock t = sock(IPPROTO_TCP, TCP_CLOSE, 7000, 0);

	assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	assert_int_equal(rules_match(rs, &t), -1);
	rules_free(rs);
}

static void test_rule_ports(void **state)
{
	static const char *const r[] = {"bypass sport 7001", "bypass dport 6000-6010", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_LISTEN, 7001, 0);

	assert_int_equal(rules_match(rs, &s), 0);
	s.sport = 7002;
	assert_int_equal(rules_match(rs, &s), -1);
	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 6000);
	assert_int_equal(rules_match(rs, &s), 1);
	s.dport = 6010;
	assert_int_equal(rules_match(rs, &s), 1);
	s.dport = 6011;
	assert_int_equal(rules_match(rs, &s), -1);
	s.dport = 5999;
	assert_int_equal(rules_match(rs, &s), -1);
	/* sport is the local port only. */
	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 7001);
	assert_int_equal(rules_match(rs, &s), -1);
	rules_free(rs);
}

static void test_rule_uid(void **state)
{
	static const char *const r[] = {"bypass uid 65534", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 443);

	s.uid = 65534;
	assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_BYPASS);
	s.uid = 0;
	assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	rules_free(rs);
}

static void test_rule_program(void **state)
{
	static const char *const r[] = {"bypass program curl", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 40000, 443);

	assert_true(rules_need_program(rs));
	assert_false(rules_need_cgroup(rs));
	/* Unknown owner: no match. */
	assert_int_equal(rules_match(rs, &s), -1);
	s.comm = "curl";
	assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_BYPASS);
	s.comm = "curly";
	assert_int_equal(rules_match(rs, &s), -1);
	s.comm = "";
	assert_int_equal(rules_match(rs, &s), -1);
	rules_free(rs);
}

static void test_rule_cgroup_unit(void **state)
{
	static const char *const r[] = {"continuity cgroup /system.slice/foo.service",
					"bypass unit bar.service", NULL};
	static const uint64_t foo[] = {900, 77, 901};
	static const uint64_t bar[] = {1234};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_UDP, TCP_CLOSE, 7000, 0);

	assert_true(rules_need_cgroup(rs));
	assert_false(rules_need_program(rs));
	/* Not resolved yet: nothing matches. */
	s.cgroup = 77;
	assert_int_equal(rules_match(rs, &s), -1);
	assert_int_equal(rules_set_cgroup_ids(&rs->r[0], foo, 3), 0);
	assert_int_equal(rules_set_cgroup_ids(&rs->r[1], bar, 1), 0);
	/* The cgroup or below (ids given unsorted). */
	for (unsigned int i = 0; i < 3; i++) {
		s.cgroup = foo[i];
		assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_CONTINUITY);
	}
	s.cgroup = 1234;
	s.proto = IPPROTO_TCP;
	s.state = TCP_ESTABLISHED;
	assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_BYPASS);
	s.cgroup = 0; /* unknown */
	assert_int_equal(rules_match(rs, &s), -1);
	s.cgroup = 5;
	assert_int_equal(rules_match(rs, &s), -1);
	/* Re-resolved to nothing: the cgroup went away. */
	assert_int_equal(rules_set_cgroup_ids(&rs->r[1], NULL, 0), 0);
	s.cgroup = 1234;
	assert_int_equal(rules_match(rs, &s), -1);
	rules_free(rs);
}

static void test_rule_all_terms(void **state)
{
	static const char *const r[] = {"bypass tcp sport 1000-2000 dport 443 uid 7 program "
					"firefox-bin",
					NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 1500, 443);

	s.uid = 7;
	s.comm = "firefox-bin";
	assert_int_equal(rules_match(rs, &s), 0);
	s.uid = 8;
	assert_int_equal(rules_match(rs, &s), -1);
	s.uid = 7;
	s.proto = IPPROTO_UDP;
	assert_int_equal(rules_match(rs, &s), -1);
	rules_free(rs);
}

static void test_rule_catch_all(void **state)
{
	static const char *const r[] = {"bypass", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_sock s = sock(IPPROTO_TCP, TCP_LISTEN, 22, 0);

	assert_int_equal(mode(rs, &s, NULL, NULL), KEEP_MODE_BYPASS);
	rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Grammar */

static void test_parse_errors(void **state)
{
	static const struct {
		const char *name, *text, *want;
	} bad[] = {
		{"a", "", "empty"},
		{"a", "   ", "empty"},
		{"a", "keep tcp", "is not continuity"},
		{"a", "bypass tcp tcp", "already given"},
		{"a", "bypass tcp udp", "already given"},
		{"a", "bypass dport", "needs a value"},
		{"a", "bypass dport 70000", "dport '70000'"},
		{"a", "bypass dport 20-10", "dport '20-10'"},
		{"a", "bypass dport -5", "dport '-5'"},
		{"a", "bypass dport 5-", "dport '5-'"},
		{"a", "bypass dport 0x10", "dport '0x10'"},
		{"a", "bypass sport 1 sport 2", "already given"},
		{"a", "bypass uid -1", "uid '-1'"},
		{"a", "bypass uid 4294967295", "uid '4294967295'"},
		{"a", "bypass program abcdefghijklmnop", "at most 15"},
		{"a", "bypass cgroup system.slice", "absolute"},
		{"a", "bypass cgroup /a/../b", "absolute"},
		{"a", "bypass cgroup /a//b", "absolute"},
		{"a", "bypass cgroup /a/./b", "absolute"},
		{"a", "bypass unit a/b", "unit name"},
		{"a", "bypass unit ..", "unit name"},
		{"a", "bypass cgroup /a unit b", "together"},
		{"a", "bypass port 22", "unknown match 'port'"},
		{"bad name", "bypass", "a name is"},
		{"", "bypass", "a name is"},
		{"abcdefghijklmnopqrstuvwxyz0123456", "bypass", "a name is"},
	};
	char err[256];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct keep_rules *rs = rules_new();

		err[0] = 0;
		assert_int_equal(rules_add(rs, bad[i].name, bad[i].text, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].want))
			fail_msg("'%s': got '%s', want '%s'", bad[i].text, err, bad[i].want);
		assert_int_equal(rs->n, 0);
		rules_free(rs);
	}
}

static void test_parse_limits(void **state)
{
	struct keep_rules *rs = rules_new();
	char err[256], name[16], big[RULE_TEXT_MAX + 8];

	assert_int_equal(rules_add(rs, "x", "bypass", err, sizeof(err)), 0);
	assert_int_equal(rules_add(rs, "x", "continuity", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "used twice"));
	for (unsigned int i = 1; i < RULES_MAX; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(rules_add(rs, name, "bypass", err, sizeof(err)), 0);
	}
	assert_int_equal(rules_add(rs, "one-more", "bypass", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	rules_free(rs);

	rs = rules_new();
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(rules_add(rs, "big", big, err, sizeof(err)), -1);
	assert_int_equal(rules_add(rs, "nul", NULL, err, sizeof(err)), -1);
	/* Too many words. */
	big[0] = 0;
	strcat(big, "bypass");
	for (unsigned int i = 0; i < 40; i++)
		strcat(big, " tcp");
	assert_int_equal(rules_add(rs, "words", big, err, sizeof(err)), -1);
	/* No room for a message: still refused, nothing written. */
	assert_int_equal(rules_add(rs, "x", "nonsense", NULL, 0), -1);
	rules_free(rs);
}

static void test_format(void **state)
{
	static const char *const r[] = {"continuity\ttcp  dport 22", "bypass udp sport 1-2 uid 0",
					"default program curl cgroup /a/b", "bypass unit x.service",
					NULL};
	static const char *const want[] = {"continuity tcp dport 22", "bypass udp sport 1-2 uid 0",
					   "default program curl cgroup /a/b",
					   "bypass unit x.service"};
	struct keep_rules *rs = parse(r);
	char buf[RULE_TEXT_MAX];

	for (unsigned int i = 0; i < rs->n; i++)
		assert_string_equal(rules_format(&rs->r[i], buf, sizeof(buf)), want[i]);
	rules_format(&rs->r[0], buf, 8);
	assert_true(strlen(buf) < 8);
	rules_free(rs);
}

static void test_why(void **state)
{
	static const char *const r[] = {"bypass tcp", NULL};
	struct keep_rules *rs = rules_new();
	struct keep_sock s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 1, 2);
	struct keep_why w;
	char buf[64];

	assert_int_equal(rules_add(rs, "no-tcp", r[0], buf, sizeof(buf)), 0);
	keep_socket_mode(rs, &s, &w);
	assert_string_equal(keep_why_format(rs, &w, buf, sizeof(buf)), "rule:no-tcp");
	assert_int_equal(keep_why_wire(&w), 2);
	s.app = KEEP_MODE_CONTINUITY;
	keep_socket_mode(rs, &s, &w);
	assert_string_equal(keep_why_format(rs, &w, buf, sizeof(buf)), "app");
	assert_int_equal(keep_why_wire(&w), 1);
	keep_socket_mode(NULL, &(struct keep_sock){.proto = IPPROTO_TCP, .state = TCP_LISTEN}, &w);
	assert_string_equal(keep_why_format(NULL, &w, buf, sizeof(buf)), "default:tcp-open");
	assert_int_equal(keep_why_wire(&w), 0);
	keep_socket_mode(NULL, &(struct keep_sock){.proto = IPPROTO_TCP, .state = TCP_TIME_WAIT},
			 &w);
	assert_string_equal(keep_why_format(NULL, &w, buf, sizeof(buf)), "ended:time-wait");
	/* A stale rule index never reads out of bounds. */
	w.reason = KEEP_WHY_RULE;
	w.rule = 99;
	assert_string_equal(keep_why_format(rs, &w, buf, sizeof(buf)), "rule:?");
	assert_string_equal(keep_mode_name(KEEP_MODE_BYPASS), "bypass");
	assert_string_equal(keep_mode_name((enum keep_mode)9), "?");
	rules_free(rs);
}

static void test_tally(void **state)
{
	static const char *const r[] = {"bypass tcp dport 80", NULL};
	struct keep_rules *rs = parse(r);
	struct keep_tally t = {0};
	struct keep_sock s;

	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 1, 80);
	keep_tally_add(&t, rs, &s, NULL);
	assert_false(keep_decide(&t));
	s = sock(IPPROTO_UDP, TCP_CLOSE, 1, 0);
	keep_tally_add(&t, rs, &s, NULL);
	assert_false(keep_decide(&t));
	s = sock(IPPROTO_TCP, TCP_ESTABLISHED, 1, 80);
	s.app = KEEP_MODE_CONTINUITY;
	assert_int_equal(keep_tally_add(&t, rs, &s, NULL), KEEP_MODE_CONTINUITY);
	assert_true(keep_decide(&t));
	s = sock(IPPROTO_TCP, TCP_TIME_WAIT, 1, 80);
	s.inode = 0;
	keep_tally_add(&t, rs, &s, NULL);
	assert_int_equal(t.continuity, 1);
	assert_int_equal(t.bypass, 2);
	assert_int_equal(t.ended, 1);
	rules_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_tcp),
		cmocka_unit_test(test_default_udp),
		cmocka_unit_test(test_default_dns),
		cmocka_unit_test(test_default_other),
		cmocka_unit_test(test_not_live),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_first_match_and_default_rule),
		cmocka_unit_test(test_rule_proto),
		cmocka_unit_test(test_rule_ports),
		cmocka_unit_test(test_rule_uid),
		cmocka_unit_test(test_rule_program),
		cmocka_unit_test(test_rule_cgroup_unit),
		cmocka_unit_test(test_rule_all_terms),
		cmocka_unit_test(test_rule_catch_all),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_tally),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
