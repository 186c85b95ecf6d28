// SPDX-License-Identifier: BSD-3-Clause
/*
 * sock_diag destroy notifications (mnd/sys/sockdiag.c): the parser on
 * crafted datagrams (valid TCP and UDP, the protocol from the attribute or
 * the group, IPv4 and unknown messages skipped, truncated and lying
 * headers), then the real thing: the monitor on a GLib main loop reports
 * the cookie and addresses of a socket closed here, and a dump sees a
 * socket's cgroup id.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/sockdiag.h"

#define GRP_TCP (1u << (SKNLGRP_INET6_TCP_DESTROY - 1))
#define GRP_UDP (1u << (SKNLGRP_INET6_UDP_DESTROY - 1))

static struct sd_event got[8];
static unsigned int n_got, n_lost;

static void on_event(void *user, const struct sd_event *e)
{
	if (!e) {
		n_lost++;
		return;
	}
	if (n_got < 8)
		got[n_got] = *e;
	n_got++;
}

/* One message: nlmsghdr + inet_diag_msg (+ INET_DIAG_PROTOCOL if proto). */
static size_t put_msg(uint8_t *buf, uint8_t family, uint8_t proto, uint64_t cookie, const char *src,
		      uint16_t sport)
{
	struct nlmsghdr h = {.nlmsg_type = SOCK_DIAG_BY_FAMILY};
	struct inet_diag_msg m;
	size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));

	memset(&m, 0, sizeof(m));
	m.idiag_family = family;
	m.idiag_state = 7;
	m.id.idiag_sport = htons(sport);
	m.id.idiag_dport = htons(443);
	inet_pton(AF_INET6, src, m.id.idiag_src);
	m.id.idiag_cookie[0] = (uint32_t)cookie;
	m.id.idiag_cookie[1] = (uint32_t)(cookie >> 32);
	memcpy(buf + NLMSG_HDRLEN, &m, sizeof(m));
	if (proto) {
		struct nlattr a = {.nla_len = NLA_HDRLEN + 1, .nla_type = INET_DIAG_PROTOCOL};

		memcpy(buf + len, &a, sizeof(a));
		buf[len + NLA_HDRLEN] = proto;
		len += NLA_ALIGN(a.nla_len);
	}
	h.nlmsg_len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

static void test_parse(void **state)
{
	uint8_t buf[1024];
	size_t o = 0;

	n_got = 0;
	o += put_msg(buf + o, AF_INET6, IPPROTO_TCP, 0x1122334455667788ull, "2001:db8::1", 1000);
	o += put_msg(buf + o, AF_INET, IPPROTO_TCP, 1, "::", 1); /* IPv4: skipped */
	o += put_msg(buf + o, AF_INET6, IPPROTO_UDP, 9, "2001:db8::2", 2000);
	o += put_msg(buf + o, AF_INET6, 0, 10, "2001:db8::3", 3000);   /* from the group */
	o += put_msg(buf + o, AF_INET6, IPPROTO_SCTP, 11, "::", 4000); /* not TCP/UDP */
	assert_int_equal(sd_parse_destroy(buf, o, GRP_TCP, on_event, NULL), 3);
	assert_int_equal(n_got, 3);
	assert_int_equal(got[0].proto, IPPROTO_TCP);
	assert_true(got[0].cookie == 0x1122334455667788ull);
	assert_int_equal(got[0].sport, 1000);
	assert_int_equal(got[0].dport, 443);
	assert_int_equal(got[0].state, 7);
	assert_int_equal(got[0].src.s6_addr[15], 1);
	assert_int_equal(got[1].proto, IPPROTO_UDP);
	assert_int_equal(got[2].proto, IPPROTO_TCP);
	assert_int_equal(got[2].cookie, 10);

	/* No attribute, no known group: nothing to say about it. */
	n_got = 0;
	o = put_msg(buf, AF_INET6, 0, 12, "::", 1);
	assert_int_equal(sd_parse_destroy(buf, o, 0, on_event, NULL), 0);
	assert_int_equal(sd_parse_destroy(buf, o, GRP_UDP, on_event, NULL), 1);
	assert_int_equal(got[0].proto, IPPROTO_UDP);
}

static void test_parse_malformed(void **state)
{
	uint8_t buf[1024];
	struct nlmsghdr h;
	size_t o;

	n_got = 0;
	o = put_msg(buf, AF_INET6, IPPROTO_TCP, 1, "::1", 1);
	/* Truncated anywhere: never read past the end. */
	for (size_t cut = 1; cut < o; cut++)
		assert_true(sd_parse_destroy(buf, cut, GRP_TCP, on_event, NULL) <= 0);
	assert_int_equal(n_got, 0);
	/* A length beyond the datagram, and one below a header. */
	memcpy(&h, buf, sizeof(h));
	h.nlmsg_len = (uint32_t)o + 4;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sd_parse_destroy(buf, o, GRP_TCP, on_event, NULL), -EBADMSG);
	h.nlmsg_len = 4;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sd_parse_destroy(buf, o, GRP_TCP, on_event, NULL), -EBADMSG);
	/* Too short for an inet_diag_msg: skipped, not read. */
	h.nlmsg_len = NLMSG_HDRLEN + 8;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sd_parse_destroy(buf, NLMSG_HDRLEN + 8, GRP_TCP, on_event, NULL), 0);
	/* An attribute whose length lies: the group decides. */
	o = put_msg(buf, AF_INET6, IPPROTO_UDP, 1, "::1", 1);
	buf[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg))] = 200;
	assert_int_equal(sd_parse_destroy(buf, o, GRP_TCP, on_event, NULL), 1);
	assert_int_equal(got[0].proto, IPPROTO_TCP);
	assert_int_equal(sd_parse_destroy(buf, 0, GRP_TCP, on_event, NULL), 0);
}

static void test_monitor_live(void **state)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	GMainContext *ctx = g_main_context_default();
	uint64_t cookie = 0;
	socklen_t l = sizeof(cookie);
	gint64 end;
	int rc, fd;

	rc = sd_monitor_start(on_event, NULL);
	if (rc < 0)
		skip(); /* no destroy groups on this kernel */
	assert_int_equal(sd_monitor_start(on_event, NULL), -EALREADY);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		sd_monitor_stop();
		skip(); /* no ::1 here */
	}
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &l), 0);
	n_got = 0;
	close(fd);
	end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end) {
		bool found = false;

		g_main_context_iteration(ctx, FALSE);
		for (unsigned int i = 0; i < n_got && i < 8; i++)
			found |= got[i].cookie == cookie;
		if (found)
			break;
		g_usleep(1000);
	}
	sd_monitor_stop();
	sd_monitor_stop(); /* twice is fine */
	for (unsigned int i = 0; i < n_got && i < 8; i++) {
		if (got[i].cookie == cookie) {
			assert_int_equal(got[i].proto, IPPROTO_UDP);
			assert_true(IN6_IS_ADDR_LOOPBACK(&got[i].src));
			return;
		}
	}
	fail_msg("no destroy event for cookie %llu in 2 s (%u events)", (unsigned long long)cookie,
		 n_got);
}

struct find {
	uint64_t cookie;
	bool seen;
	uint64_t cgroup;
	uint32_t inode;
};

static void find_sock(void *user, const struct sd_sock *s)
{
	struct find *f = user;

	if (s->cookie == f->cookie) {
		f->seen = true;
		f->cgroup = s->cgroup;
		f->inode = s->inode;
	}
}

static void test_dump_all(void **state)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6};
	struct find f = {0};
	socklen_t l = sizeof(f.cookie);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &f.cookie, &l), 0);
	assert_int_equal(sd_dump_all(find_sock, &f), 0);
	assert_true(f.seen);
	assert_true(f.inode != 0);
	/* INET_DIAG_CGROUP_ID since Linux 5.8; 0 before. */
	(void)f.cgroup;
	assert_int_equal(sd_dump_all(NULL, NULL), -EINVAL);
	assert_int_equal(sd_dump(NULL, 1, find_sock, &f), -EINVAL);
	assert_int_equal(sd_dump(NULL, 0, find_sock, &f), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_monitor_live),
		cmocka_unit_test(test_dump_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
