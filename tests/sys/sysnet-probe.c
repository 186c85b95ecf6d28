// SPDX-License-Identifier: BSD-3-Clause
/*
 * sysnet-probe: drives the kernel adapters (rtnl, ndisc, sockdiag) from
 * the command line for tests/sys/test-sys-net.sh. One subcommand per
 * adapter call; "watch" runs the GLib main loop and prints events as
 * lines stamped with the wall clock in microseconds (the clock of bash's
 * EPOCHREALTIME), so that the test can measure latencies without sleeping.
 *
 * Output is line-buffered; one-shot commands print their result and exit
 * 0, or print "error: ..." on stderr and exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>
#include <glib-unix.h>

#include "sys/ndisc.h"
#include "sys/knl.h"
#include "sys/sockdiag.h"

static GMainLoop *probe_loop;
static int probe_watch_ifindex;

static void usage(void)
{
	fputs("usage: sysnet-probe COMMAND [ARGS]\n"
	      "  watch IF [RCVBUF]              print link/address/RA events; RS on IF "
	      "carrier-up;\n"
	      "                                 RCVBUF shrinks rtnl's event socket (overrun "
	      "tests)\n"
	      "  rs IF [TIMEOUT_MS]             send one RS, print the first RA on IF\n"
	      "  carrier IF\n"
	      "  addr-add IF ADDR/PLEN VALID PREF [nodad|optimistic|noprefixroute]...\n"
	      "  addr-del IF ADDR/PLEN\n"
	      "  addr-flags IF ADDR\n"
	      "  route-del-prefix IF PREFIX/PLEN\n"
	      "  route-del-defaults IF [KEEP]\n"
	      "  route-default TABLE IF MTU\n"
	      "  route-del-table TABLE\n"
	      "  rule-add SRC TABLE PRIO\n"
	      "  rule-del SRC TABLE PRIO\n"
	      "  flush-own\n"
	      "  sysctl-get IF KEY\n"
	      "  sysctl-set IF KEY VALUE\n"
	      "  sockets ADDR...\n"
	      "VALID/PREF: seconds or 'forever'.\n",
	      stderr);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "error: %s: %s\n", what, err < 0 ? strerror(-err) : "invalid");
	return 1;
}

static const char *ntop(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!strcmp(s, "forever")) {
		*out = KNL_LIFETIME_FOREVER;
		return true;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_addr(const char *s, struct in6_addr *a)
{
	return inet_pton(AF_INET6, s, a) == 1;
}

static bool parse_prefix(const char *s, struct in6_addr *a, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	uint32_t v;

	if (!slash || (size_t)(slash - s) >= INET6_ADDRSTRLEN)
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!parse_addr(buf, a) || !parse_u32(slash + 1, &v) || v > 128)
		return false;
	*plen = (uint8_t)v;
	return true;
}

static int ifindex_of(const char *name)
{
	int i = knl_ifindex(name);

	if (i < 0)
		fprintf(stderr, "error: no interface %s\n", name);
	return i;
}

/* ---------------------------------------------------------------- watch */

static void stamp(void)
{
	printf("t=%" G_GINT64_FORMAT " ", g_get_real_time());
}

static void on_link(void *user, int ifindex, const char *name, bool carrier)
{
	stamp();
	printf("link %d %s carrier %s\n", ifindex, name ? name : "?", carrier ? "up" : "down");
	/* The daemon's reaction to a carrier-up (the kernel sends no RS). */
	if (carrier && ifindex == probe_watch_ifindex) {
		int rc = ndisc_send_rs(ifindex);

		stamp();
		printf("rs %d rc=%d\n", ifindex, rc);
	}
}

static void on_addr(void *user, int ifindex, const struct in6_addr *a, uint8_t plen, uint32_t flags)
{
	char s[INET6_ADDRSTRLEN];

	stamp();
	printf("addr %d %s/%u flags 0x%x\n", ifindex, ntop(a, s), plen, flags);
}

static void on_addr_del(void *user, int ifindex, const struct in6_addr *a, uint8_t plen)
{
	char s[INET6_ADDRSTRLEN];

	stamp();
	printf("addr-del %d %s/%u\n", ifindex, ntop(a, s), plen);
}

static void print_ra(const struct ndisc_ra *ra)
{
	char s[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

	stamp();
	printf("ra %d src=%s hop=%u flags=0x%02x home_agent=%d lifetime=%u prefixes=%u",
	       ra->ifindex, ntop(&ra->src, s), ra->hop_limit, ra->flags, ra->home_agent,
	       ra->router_lifetime, ra->n_prefixes);
	for (unsigned int i = 0; i < ra->n_prefixes; i++) {
		const struct ndisc_prefix *x = &ra->prefixes[i];

		printf(" prefix=%s/%u,%s%s%s,addr=%s,valid=%u,pref=%u", ntop(&x->prefix, p),
		       x->plen, x->onlink ? "L" : "", x->autonomous ? "A" : "",
		       x->router_addr ? "R" : "", ntop(&x->addr, s), x->valid, x->preferred);
	}
	putchar('\n');
}

static void on_ra(void *user, const struct ndisc_ra *ra)
{
	print_ra(ra);
}

static gboolean on_signal(gpointer data)
{
	g_main_loop_quit(probe_loop);
	return G_SOURCE_CONTINUE;
}

/* Test hook: rtnl gives its event socket a large buffer, which makes an
 * overrun (and so the resync path) impractical to provoke. Find that
 * socket, the only NETLINK_ROUTE socket of this process subscribed to
 * multicast groups, and shrink it. Returns how many sockets changed. */
static int shrink_event_rcvbuf(int bytes)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		struct sockaddr_nl sa;
		socklen_t len = sizeof(sa);
		int proto;
		socklen_t plen = sizeof(proto);

		if (getsockname(fd, (struct sockaddr *)&sa, &len) || sa.nl_family != AF_NETLINK ||
		    !sa.nl_groups)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) ||
		    proto != NETLINK_ROUTE)
			continue;
		if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
			n++;
	}
	return n;
}

static int cmd_watch(const char *ifname, const char *rcvbuf)
{
	static const struct knl_events ev = {
		.link = on_link,
		.addr = on_addr,
		.addr_del = on_addr_del,
	};
	int rc;

	rc = knl_init(&ev, NULL);
	if (rc)
		return fail("knl_init", rc);
	probe_watch_ifindex = ifindex_of(ifname);
	if (probe_watch_ifindex < 0)
		return 1;
	if (rcvbuf) {
		uint32_t bytes;

		if (!parse_u32(rcvbuf, &bytes) || bytes > INT32_MAX)
			return fail(rcvbuf, 0);
		if (shrink_event_rcvbuf((int)bytes) != 1)
			return fail("no single rtnl event socket found", 0);
	}
	rc = ndisc_init(on_ra, NULL);
	if (rc)
		return fail("ndisc_init", rc);
	probe_loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_signal, NULL);
	g_unix_signal_add(SIGINT, on_signal, NULL);
	stamp();
	printf("ready %d carrier=%d\n", probe_watch_ifindex, knl_carrier(probe_watch_ifindex));
	g_main_loop_run(probe_loop);
	ndisc_fini();
	knl_fini();
	g_main_loop_unref(probe_loop);
	stamp();
	printf("bye\n");
	return 0;
}

/* ---------------------------------------------------------------- rs */

struct rs_wait {
	int ifindex;
	bool got;
};

static void on_ra_once(void *user, const struct ndisc_ra *ra)
{
	struct rs_wait *w = user;

	if (ra->ifindex != w->ifindex || w->got)
		return;
	w->got = true;
	print_ra(ra);
	g_main_loop_quit(probe_loop);
}

static gboolean on_timeout(gpointer data)
{
	g_main_loop_quit(probe_loop);
	return G_SOURCE_REMOVE;
}

static int cmd_rs(const char *ifname, const char *timeout)
{
	struct rs_wait w = {0};
	uint32_t ms = 2000;
	int rc;

	if (timeout && !parse_u32(timeout, &ms))
		return fail("timeout", 0);
	w.ifindex = ifindex_of(ifname);
	if (w.ifindex < 0)
		return 1;
	rc = ndisc_init(on_ra_once, &w);
	if (rc)
		return fail("ndisc_init", rc);
	probe_loop = g_main_loop_new(NULL, FALSE);
	rc = ndisc_send_rs(w.ifindex);
	if (rc)
		return fail("ndisc_send_rs", rc);
	g_timeout_add(ms, on_timeout, NULL);
	g_main_loop_run(probe_loop);
	ndisc_fini();
	g_main_loop_unref(probe_loop);
	if (!w.got)
		return fail("no RA", -ETIMEDOUT);
	return 0;
}

/* ---------------------------------------------------------------- sockets */

static const char *tcp_state(uint8_t s)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTABLISHED",
		[TCP_SYN_SENT] = "SYN_SENT",
		[TCP_SYN_RECV] = "SYN_RECV",
		[TCP_FIN_WAIT1] = "FIN_WAIT1",
		[TCP_FIN_WAIT2] = "FIN_WAIT2",
		[TCP_TIME_WAIT] = "TIME_WAIT",
		[TCP_CLOSE] = "CLOSE",
		[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_LAST_ACK] = "LAST_ACK",
		[TCP_LISTEN] = "LISTEN",
		[TCP_CLOSING] = "CLOSING",
	};

	return s < G_N_ELEMENTS(names) && names[s] ? names[s] : "?";
}

static void on_sock(void *user, const struct sd_sock *s)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	printf("%s %s [%s]:%u [%s]:%u uid=%u inode=%u cookie=%" PRIu64 "\n",
	       s->proto == IPPROTO_TCP   ? "tcp"
	       : s->proto == IPPROTO_UDP ? "udp"
					 : "?",
	       tcp_state(s->state), ntop(&s->src, a), s->sport, ntop(&s->dst, b), s->dport, s->uid,
	       s->inode, s->cookie);
}

static int cmd_sockets(int argc, char **argv)
{
	struct in6_addr addrs[16];
	int n = argc, rc;

	if (n < 1 || n > (int)G_N_ELEMENTS(addrs))
		return fail("addresses", 0);
	for (int i = 0; i < n; i++)
		if (!parse_addr(argv[i], &addrs[i]))
			return fail(argv[i], 0);
	rc = sd_dump(addrs, (unsigned int)n, on_sock, NULL);
	if (rc)
		return fail("sd_dump", rc);
	printf("end\n");
	return 0;
}

/* ---------------------------------------------------------------- one-shots */

static int report_count(const char *what, int rc)
{
	if (rc < 0)
		return fail(what, rc);
	printf("deleted %d\n", rc);
	return 0;
}

static int report_rc(const char *what, int rc)
{
	if (rc < 0)
		return fail(what, rc);
	printf("ok\n");
	return 0;
}

static int cmd_addr_add(int argc, char **argv)
{
	struct in6_addr a;
	uint8_t plen;
	uint32_t valid, pref, flags = 0;
	int ifindex;

	if (argc < 4 || !parse_prefix(argv[1], &a, &plen) || !parse_u32(argv[2], &valid) ||
	    !parse_u32(argv[3], &pref))
		return fail("addr-add arguments", 0);
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "nodad"))
			flags |= IFA_F_NODAD;
		else if (!strcmp(argv[i], "optimistic"))
			flags |= IFA_F_OPTIMISTIC;
		else if (!strcmp(argv[i], "noprefixroute"))
			flags |= IFA_F_NOPREFIXROUTE;
		else
			return fail(argv[i], 0);
	}
	ifindex = ifindex_of(argv[0]);
	if (ifindex < 0)
		return 1;
	return report_rc("knl_addr_add", knl_addr_add(ifindex, &a, plen, flags, valid, pref));
}

static int cmd_rule(bool add, int argc, char **argv)
{
	struct in6_addr src;
	uint32_t table, prio;

	if (argc != 3 || !parse_addr(argv[0], &src) || !parse_u32(argv[1], &table) ||
	    !parse_u32(argv[2], &prio))
		return fail("rule arguments", 0);
	if (add)
		return report_rc("knl_rule_add_from", knl_rule_add_from(&src, table, prio));
	return report_rc("knl_rule_del_from", knl_rule_del_from(&src, table, prio));
}

static int dispatch(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct in6_addr a;
	uint8_t plen;
	uint32_t u, v;
	int ifindex, val, rc;

	argc--;
	argv++;
	if (!strcmp(cmd, "carrier") && argc == 1) {
		ifindex = ifindex_of(argv[0]);
		if (ifindex < 0)
			return 1;
		printf("carrier %d\n", knl_carrier(ifindex));
		return 0;
	}
	if (!strcmp(cmd, "addr-add"))
		return cmd_addr_add(argc, argv);
	if (!strcmp(cmd, "addr-del") && argc == 2) {
		if (!parse_prefix(argv[1], &a, &plen))
			return fail(argv[1], 0);
		ifindex = ifindex_of(argv[0]);
		if (ifindex < 0)
			return 1;
		return report_rc("knl_addr_del", knl_addr_del(ifindex, &a, plen));
	}
	if (!strcmp(cmd, "addr-flags") && argc == 2) {
		if (!parse_addr(argv[1], &a))
			return fail(argv[1], 0);
		ifindex = ifindex_of(argv[0]);
		if (ifindex < 0)
			return 1;
		printf("flags %" PRId64 "\n", knl_addr_flags(ifindex, &a));
		return 0;
	}
	if (!strcmp(cmd, "route-del-prefix") && argc == 2) {
		if (!parse_prefix(argv[1], &a, &plen))
			return fail(argv[1], 0);
		ifindex = ifindex_of(argv[0]);
		if (ifindex < 0)
			return 1;
		return report_count("knl_route_del_prefix",
				    knl_route_del_prefix(ifindex, &a, plen));
	}
	if (!strcmp(cmd, "route-del-defaults") && (argc == 1 || argc == 2)) {
		if (argc == 2 && !parse_addr(argv[1], &a))
			return fail(argv[1], 0);
		ifindex = ifindex_of(argv[0]);
		if (ifindex < 0)
			return 1;
		return report_count("knl_route_del_defaults_except",
				    knl_route_del_defaults_except(ifindex, argc == 2 ? &a : NULL));
	}
	if (!strcmp(cmd, "route-default") && argc == 3) {
		if (!parse_u32(argv[0], &u) || !parse_u32(argv[2], &v))
			return fail("route-default arguments", 0);
		ifindex = ifindex_of(argv[1]);
		if (ifindex < 0)
			return 1;
		return report_rc("knl_route_add_default_dev",
				 knl_route_add_default_dev(u, ifindex, v));
	}
	if (!strcmp(cmd, "route-del-table") && argc == 1) {
		if (!parse_u32(argv[0], &u))
			return fail(argv[0], 0);
		return report_count("knl_route_del_table", knl_route_del_table(u));
	}
	if (!strcmp(cmd, "rule-add"))
		return cmd_rule(true, argc, argv);
	if (!strcmp(cmd, "rule-del"))
		return cmd_rule(false, argc, argv);
	if (!strcmp(cmd, "flush-own") && argc == 0)
		return report_count("knl_flush_own", knl_flush_own());
	if (!strcmp(cmd, "sysctl-get") && argc == 2) {
		rc = knl_sysctl_get(argv[0], argv[1], &val);
		if (rc)
			return fail("knl_sysctl_get", rc);
		printf("%d\n", val);
		return 0;
	}
	if (!strcmp(cmd, "sysctl-set") && argc == 3) {
		char *end;
		long l = strtol(argv[2], &end, 10);

		if (*end || end == argv[2])
			return fail(argv[2], 0);
		return report_rc("knl_sysctl_set", knl_sysctl_set(argv[0], argv[1], (int)l));
	}
	usage();
	return 2;
}

int main(int argc, char **argv)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "watch") && (argc == 3 || argc == 4))
		return cmd_watch(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "rs") && (argc == 3 || argc == 4))
		return cmd_rs(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "sockets"))
		return cmd_sockets(argc - 2, argv + 2);
	rc = knl_init(NULL, NULL);
	if (rc)
		return fail("knl_init", rc);
	rc = dispatch(argc - 1, argv + 1);
	knl_fini();
	return rc;
}
