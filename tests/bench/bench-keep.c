// SPDX-License-Identifier: BSD-3-Clause
/*
 * The keep decision at a handover with 10,000 sockets over 10 addresses.
 *
 *  1. In memory: 10,000 socket records (a mix of TCP connections,
 *     listeners, TIME_WAIT, connected and unconnected UDP, DNS), 1,000 of
 *     them with an application request in the control socket's table, six
 *     mnd.conf rules: each record looked up, decided and tallied per
 *     address, as mnd/flow.c does after a dump. Median over RUNS runs.
 *  2. For real (root: in a new network namespace): 10,000 sockets on 10
 *     addresses on lo, then sd_dump of those addresses alone, and
 *     flow_eval (dump + requests + rules + tally + the continuity cookie
 *     sets of a handover) as mn_attach runs it.
 *
 * Usage: bench-keep [RUNS]   (default 201 in memory, a tenth of that for real)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/keep.h"
#include "core/rules.h"
#include "ctl.h"
#include "flow.h"
#include "log.h"
#include "sys/sockdiag.h"

#define N_ADDRS 10
#define N_SOCKS 10000
#define N_APP 1000

struct rec {
	struct in6_addr src;
	struct keep_sock ks;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, unsigned int n, unsigned int per)
{
	qsort(t, n, sizeof(*t), cmp_double);
	printf("  %-44s median %8.3f ms  p10 %8.3f  p90 %8.3f  (%u runs, %.0f ns/socket)\n", what,
	       t[n / 2], t[n / 10], t[n * 9 / 10], n, t[n / 2] * 1e6 / per);
}

static struct keep_rules *bench_rules(void)
{
	static const char *const r[][2] = {
		{"ssh", "continuity tcp dport 22"}, {"dns", "bypass udp dport 53"},
		{"web", "default tcp dport 443"},   {"bulk", "bypass tcp dport 8000-8999"},
		{"nobody", "bypass uid 65534"},     {"media", "continuity udp sport 5004"},
	};
	struct keep_rules *rs = rules_new();
	char err[256];

	for (unsigned int i = 0; i < G_N_ELEMENTS(r); i++)
		if (rules_add(rs, r[i][0], r[i][1], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
	return rs;
}

/* ------------------------------------------------------------------ */
/* 1. In memory */

static void fill(struct rec *recs, const struct in6_addr *addrs)
{
	static const uint16_t dports[] = {443, 443, 443, 80, 22, 8080, 993, 5222};
	unsigned int seed = 1;

	for (unsigned int i = 0; i < N_SOCKS; i++) {
		struct keep_sock *k = &recs[i].ks;
		unsigned int r = (unsigned int)rand_r(&seed) % 100;

		memset(&recs[i], 0, sizeof(recs[i]));
		recs[i].src = addrs[i % N_ADDRS];
		k->cookie = 1000 + i;
		k->uid = 1000 + i % 4;
		k->inode = 50000 + i;
		k->sport = (uint16_t)(32768 + i % 28000);
		k->dport = dports[(unsigned int)rand_r(&seed) % G_N_ELEMENTS(dports)];
		if (r < 40) {
			k->proto = IPPROTO_TCP;
			k->state = TCP_ESTABLISHED;
		} else if (r < 45) {
			k->proto = IPPROTO_TCP;
			k->state = TCP_LISTEN;
			k->sport = (uint16_t)(1024 + i % 1000);
			k->dport = 0;
		} else if (r < 55) {
			k->proto = IPPROTO_TCP;
			k->state = TCP_TIME_WAIT;
			k->inode = 0;
		} else if (r < 80) {
			k->proto = IPPROTO_UDP;
			k->state = TCP_ESTABLISHED;
		} else if (r < 95) {
			k->proto = IPPROTO_UDP;
			k->state = TCP_CLOSE;
			k->dport = 0;
		} else {
			k->proto = IPPROTO_UDP;
			k->state = TCP_ESTABLISHED;
			k->dport = 53;
		}
	}
	/* One socket in ten asked for something through the control socket. */
	for (unsigned int i = 0; i < N_APP; i++)
		ctl_table_set(1000 + i * 10, 1000 + i % 4,
			      i % 3 ? KEEP_MODE_CONTINUITY : KEEP_MODE_BYPASS, true);
}

/* What flow_eval does per dumped socket, minus the dump. */
static unsigned int decide_all(const struct rec *recs, const struct in6_addr *addrs,
			       const struct keep_rules *rs, struct keep_tally *t)
{
	unsigned int kept = 0;

	memset(t, 0, sizeof(*t) * N_ADDRS);
	for (unsigned int i = 0; i < N_SOCKS; i++) {
		struct keep_sock ks = recs[i].ks;
		unsigned int a;

		for (a = 0; a < N_ADDRS; a++)
			if (!memcmp(&addrs[a], &recs[i].src, sizeof(addrs[a])))
				break;
		ks.app = ctl_mode(ks.cookie);
		keep_tally_add(&t[a], rs, &ks, NULL);
	}
	for (unsigned int a = 0; a < N_ADDRS; a++)
		kept += keep_decide(&t[a]);
	return kept;
}

static void bench_memory(unsigned int runs, const struct keep_rules *rs)
{
	struct in6_addr addrs[N_ADDRS];
	struct keep_tally t[N_ADDRS];
	struct rec *recs = g_new(struct rec, N_SOCKS);
	double *tm = g_new(double, runs);
	unsigned int kept = 0;

	for (unsigned int a = 0; a < N_ADDRS; a++) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:%x::10", a + 1);
		inet_pton(AF_INET6, s, &addrs[a]);
	}
	fill(recs, addrs);
	for (unsigned int i = 0; i < runs; i++) {
		double t0 = now_ms();

		kept = decide_all(recs, addrs, rs, t);
		tm[i] = now_ms() - t0;
	}
	printf("in memory: %u sockets over %u addresses, %u rules, %u application requests\n",
	       N_SOCKS, N_ADDRS, rs->n, ctl_table_size());
	printf("  address 1: continuity %u, bypass %u, ended %u; addresses kept: %u\n",
	       t[0].continuity, t[0].bypass, t[0].ended, kept);
	report("lookup + decide + tally", tm, runs, N_SOCKS);
	g_free(tm);
	g_free(recs);
}

/* ------------------------------------------------------------------ */
/* 2. For real, in a network namespace of our own */

#define TCP_CONNS 300 /* per address: 600 sockets */
#define UDP_SOCKS 399 /* per address, half connected; + 1 listener = 1000 */

static int make_sockets(const struct in6_addr *addrs, unsigned int *made)
{
	*made = 0;
	for (unsigned int a = 0; a < N_ADDRS; a++) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = addrs[a]};
		struct sockaddr_in6 srv = sa;
		int l = socket(AF_INET6, SOCK_STREAM, 0), one = 1;

		srv.sin6_port = htons(5000);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (l < 0 || bind(l, (struct sockaddr *)&srv, sizeof(srv)) < 0 ||
		    listen(l, 1024) < 0)
			return -errno;
		(*made)++;
		for (unsigned int i = 0; i < TCP_CONNS; i++) {
			int c = socket(AF_INET6, SOCK_STREAM, 0), s;

			if (c < 0 || bind(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			    connect(c, (struct sockaddr *)&srv, sizeof(srv)) < 0)
				return -errno;
			s = accept(l, NULL, NULL);
			if (s < 0)
				return -errno;
			*made += 2;
		}
		for (unsigned int i = 0; i < UDP_SOCKS; i++) {
			int u = socket(AF_INET6, SOCK_DGRAM, 0);
			struct sockaddr_in6 peer = srv;

			peer.sin6_port = htons(9);
			if (u < 0 || bind(u, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				return -errno;
			if (i % 2 && connect(u, (struct sockaddr *)&peer, sizeof(peer)) < 0)
				return -errno;
			(*made)++;
		}
	}
	return 0;
}

static void count_sock(void *user, const struct sd_sock *s)
{
	(*(unsigned int *)user)++;
}

static void bench_real(unsigned int runs, struct keep_rules *rs)
{
	struct in6_addr addrs[N_ADDRS];
	struct flow_addr fa[N_ADDRS];
	struct rlimit rl = {.rlim_cur = N_SOCKS + 512, .rlim_max = N_SOCKS + 512};
	double *t_dump = g_new(double, runs), *t_eval = g_new(double, runs);
	unsigned int made = 0, seen = 0, cont = 0;
	char cmd[256];
	int rc;

	printf("real sockets (sock_diag):\n");
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("  skipped: needs root (a network namespace of its own)\n");
		goto out;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < N_SOCKS + 512) {
		rl.rlim_cur = N_SOCKS + 512;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			printf("  skipped: cannot raise the fd limit to %u: %s\n", N_SOCKS + 512,
			       strerror(errno));
			goto out;
		}
	}
	if (system("ip link set lo up") != 0)
		goto fail;
	for (unsigned int a = 0; a < N_ADDRS; a++) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:%x::10", a + 1);
		inet_pton(AF_INET6, s, &addrs[a]);
		snprintf(cmd, sizeof(cmd), "ip -6 addr add %s/128 dev lo nodad", s);
		if (system(cmd) != 0)
			goto fail;
	}
	rc = make_sockets(addrs, &made);
	if (rc < 0) {
		printf("  skipped: making socket %u: %s\n", made, strerror(-rc));
		goto out;
	}
	flow_set_rules(rs);
	for (unsigned int i = 0; i < runs; i++) {
		double t0 = now_ms();

		seen = 0;
		rc = sd_dump(addrs, N_ADDRS, count_sock, &seen);
		t_dump[i] = now_ms() - t0;
		if (rc < 0)
			goto fail;
		memset(fa, 0, sizeof(fa));
		for (unsigned int a = 0; a < N_ADDRS; a++) {
			fa[a].addr = addrs[a];
			fa[a].continuity = flow_cookie_set_new();
		}
		t0 = now_ms();
		rc = flow_eval(fa, N_ADDRS);
		t_eval[i] = now_ms() - t0;
		cont = 0;
		for (unsigned int a = 0; a < N_ADDRS; a++) {
			cont += fa[a].t.continuity;
			g_hash_table_destroy(fa[a].continuity);
		}
		if (rc < 0)
			goto fail;
	}
	flow_set_rules(NULL);
	printf("  %u sockets made on %u addresses of lo, %u in the dump, %u continuity\n", made,
	       N_ADDRS, seen, cont);
	report("sd_dump (TCP + UDP, 10 addresses)", t_dump, runs, seen);
	report("flow_eval (dump + decide + tally + sets)", t_eval, runs, seen);
	goto out;
fail:
	printf("  failed: %s\n", strerror(errno));
out:
	g_free(t_dump);
	g_free(t_eval);
}

int main(int argc, char **argv)
{
	unsigned int runs = argc > 1 ? (unsigned int)atoi(argv[1]) : 201;
	struct keep_rules *rs = bench_rules();

	if (runs < 3)
		runs = 3;
	log_set_level(LOG_LVL_WARN);
	flow_init();
	ctl_table_reset(CTL_MAX_PER_UID, CTL_MAX_TOTAL, 2000);
	bench_memory(runs, rs);
	bench_real(runs / 10 < 3 ? 3 : runs / 10, rs);
	flow_fini();
	return 0;
}
