// SPDX-License-Identifier: BSD-3-Clause
/*
 * The control protocol (mnd/ctl.c): ctl_parse on its own, then the
 * request handler driven over a SOCK_SEQPACKET socketpair with real
 * sockets attached: valid requests of every op, malformed ones (short,
 * oversized, wrong magic, version, op, mode, reserved, no fd, two fds,
 * more fds than fit, a pipe, a UNIX socket, an IPv4 socket, random bytes),
 * the bounded table under a flood of requests, a client that never reads
 * its replies, and credentials (a process may mark only its own sockets;
 * the message's credentials count). Every test also checks that no fd
 * received is left open.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "log.h"

static int cli = -1;
static struct ctl_conn *conn;
static bool have_lo6;

static struct {
	unsigned int changed, effective, info;
	uint64_t cookie;
	enum keep_mode mode;
} F;

static enum keep_mode fake_effective(void *user, struct keep_sock *ks, pid_t pid,
				     struct keep_why *why)
{
	F.effective++;
	return keep_socket_mode(NULL, ks, why);
}

static void fake_info(void *user, const struct in6_addr *local, struct in6_addr *anchor,
		      enum ctl_role *role)
{
	F.info++;
	if (IN6_IS_ADDR_LOOPBACK(local)) {
		inet_pton(AF_INET6, "2001:db8::1", anchor);
		*role = CTL_ROLE_KEPT;
	}
}

static void fake_changed(void *user, const struct ctl_sock_info *s, enum keep_mode mode)
{
	F.changed++;
	F.cookie = s->cookie;
	F.mode = mode;
}

static const struct ctl_ops fake_ops = {
	.effective = fake_effective,
	.info = fake_info,
	.changed = fake_changed,
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own */
}

static int setup(void **state)
{
	int sv[2];

	memset(&F, 0, sizeof(F));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cli = sv[0];
	conn = ctl_conn_new(sv[1]);
	assert_non_null(conn);
	ctl_table_reset(CTL_MAX_PER_UID, CTL_MAX_TOTAL, 0);
	ctl_init(&fake_ops, NULL);
	return 0;
}

static int teardown(void **state)
{
	ctl_conn_free(conn);
	conn = NULL;
	if (cli >= 0)
		close(cli);
	cli = -1;
	ctl_table_reset(CTL_MAX_PER_UID, CTL_MAX_TOTAL, 0);
	return 0;
}

static struct mnsock_req req(uint16_t op, uint32_t mode)
{
	struct mnsock_req r = {
		.magic = MNSOCK_MAGIC, .version = MNSOCK_VERSION, .op = op, .mode = mode};

	return r;
}

/* Send one message with these fds (and, if cred, explicit credentials). */
static ssize_t send_raw(int fd, const void *buf, size_t len, const int *fds, unsigned int nfds,
			const struct ucred *cred)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 16) + CMSG_SPACE(sizeof(struct ucred))];
	} cb;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	size_t clen = 0;

	memset(&cb, 0, sizeof(cb));
	if (nfds || cred) {
		m.msg_control = cb.b;
		m.msg_controllen = sizeof(cb.b);
		c = CMSG_FIRSTHDR(&m);
		if (nfds) {
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
			clen += CMSG_SPACE(sizeof(int) * nfds);
			c = CMSG_NXTHDR(&m, c);
		}
		if (cred) {
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_CREDENTIALS;
			c->cmsg_len = CMSG_LEN(sizeof(*cred));
			memcpy(CMSG_DATA(c), cred, sizeof(*cred));
			clen += CMSG_SPACE(sizeof(*cred));
		}
		m.msg_controllen = clen;
	}
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static int32_t roundtrip(const void *buf, size_t len, const int *fds, unsigned int nfds,
			 struct mnsock_reply *out)
{
	struct mnsock_reply rep;

	assert_int_equal(send_raw(cli, buf, len, fds, nfds, NULL), (ssize_t)len);
	assert_int_equal(ctl_conn_handle_one(conn), 1);
	memset(&rep, 0xee, sizeof(rep));
	assert_int_equal(recv(cli, &rep, sizeof(rep) + 8, 0), sizeof(rep));
	assert_int_equal(rep.magic, MNSOCK_MAGIC);
	assert_int_equal(rep.version, MNSOCK_VERSION);
	if (out)
		*out = rep;
	return rep.status;
}

static int32_t request(uint16_t op, uint32_t mode, int fd, struct mnsock_reply *out)
{
	struct mnsock_req r = req(op, mode);

	return roundtrip(&r, sizeof(r), &fd, 1, out);
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l), 0);
	return c;
}

static int udp6(bool bind_any)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6};

	assert_true(fd >= 0);
	if (bind_any)
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* ------------------------------------------------------------------ */

static void test_parse(void **state)
{
	struct mnsock_req r = req(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_BYPASS), out;
	uint8_t big[64];

	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), 0);
	assert_int_equal(out.op, MNSOCK_OP_SET_MODE);
	assert_int_equal(out.mode, MNSOCK_WIRE_BYPASS);
	for (uint32_t m = 0; m <= 2; m++) {
		r.mode = m;
		assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), 0);
	}
	r.mode = 3;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EINVAL);
	r.mode = 0xffffffff;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EINVAL);
	/* GET ops ignore the mode. */
	r.op = MNSOCK_OP_GET_MODE;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), 0);
	r.op = MNSOCK_OP_GET_INFO;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), 0);
	r = req(MNSOCK_OP_SET_MODE, 1);
	/* Sizes. */
	assert_int_equal(ctl_parse(&r, 0, 0, 1, &out), EMSGSIZE);
	assert_int_equal(ctl_parse(&r, 4, 0, 1, &out), EMSGSIZE);
	assert_int_equal(ctl_parse(&r, sizeof(r) - 1, 0, 1, &out), EMSGSIZE);
	assert_int_equal(out.op, MNSOCK_OP_SET_MODE); /* the header was readable */
	memset(big, 0, sizeof(big));
	memcpy(big, &r, sizeof(r));
	assert_int_equal(ctl_parse(big, sizeof(r) + 1, 0, 1, &out), EMSGSIZE);
	assert_int_equal(ctl_parse(&r, sizeof(r), MSG_TRUNC, 1, &out), EMSGSIZE);
	/* Header fields. */
	r.magic = 0x31534e4d; /* byte-swapped */
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EBADMSG);
	r = req(MNSOCK_OP_SET_MODE, 1);
	r.version = 2;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EPROTO);
	r.version = 0;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EPROTO);
	r = req(0, 1);
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EOPNOTSUPP);
	r.op = 4;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EOPNOTSUPP);
	r.op = 0xffff;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EOPNOTSUPP);
	r = req(MNSOCK_OP_SET_MODE, 1);
	r.reserved = 1;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 1, &out), EINVAL);
	/* fds. */
	r.reserved = 0;
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 0, &out), EBADF);
	assert_int_equal(ctl_parse(&r, sizeof(r), 0, 2, &out), ETOOMANYREFS);
	assert_int_equal(ctl_parse(&r, sizeof(r), MSG_CTRUNC, 1, &out), ETOOMANYREFS);
}

static void test_set_get(void **state)
{
	int u = udp6(true), t = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int nfd = count_fds();
	struct mnsock_reply rep;
	uint64_t c = cookie_of(u);

	log_set_level(LOG_LVL_DEBUG); /* every log line's format runs once */
	assert_int_equal(request(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_CONTINUITY, u, &rep), 0);
	assert_int_equal(rep.op, MNSOCK_OP_SET_MODE);
	assert_int_equal(ctl_mode(c), KEEP_MODE_CONTINUITY);
	assert_int_equal(F.changed, 1);
	assert_int_equal(F.cookie, c);
	assert_int_equal(ctl_table_size(), 1);
	assert_int_equal(ctl_table_uid(getuid()), 1);
	/* Unconnected UDP: the default would be bypass; the request wins. */
	assert_int_equal(request(MNSOCK_OP_GET_MODE, 0, u, &rep), 0);
	assert_int_equal(rep.mode, MNSOCK_WIRE_CONTINUITY);
	assert_int_equal(rep.why, 1);
	/* Changed mind: same entry. */
	assert_int_equal(request(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_BYPASS, u, NULL), 0);
	assert_int_equal(ctl_mode(c), KEEP_MODE_BYPASS);
	assert_int_equal(ctl_table_size(), 1);
	/* `default` removes the request. */
	assert_int_equal(request(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_DEFAULT, u, NULL), 0);
	assert_int_equal(ctl_mode(c), KEEP_MODE_DEFAULT);
	assert_int_equal(ctl_table_size(), 0);
	assert_int_equal(ctl_table_uid(getuid()), 0);
	assert_int_equal(F.mode, KEEP_MODE_DEFAULT);
	assert_int_equal(request(MNSOCK_OP_GET_MODE, 0, u, &rep), 0);
	assert_int_equal(rep.mode, MNSOCK_WIRE_BYPASS);
	assert_int_equal(rep.why, 0);
	/* A TCP socket not connected: default bypass (closed). */
	assert_int_equal(request(MNSOCK_OP_GET_MODE, 0, t, &rep), 0);
	assert_int_equal(rep.mode, MNSOCK_WIRE_BYPASS);
	/* GET_INFO on an unbound socket: nothing to say. */
	assert_int_equal(request(MNSOCK_OP_GET_INFO, 0, t, &rep), 0);
	assert_int_equal(rep.role, CTL_ROLE_NONE);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(rep.local[i] | rep.anchor[i], 0);
	/* The destroy event drops the entry. */
	assert_int_equal(request(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_CONTINUITY, u, NULL), 0);
	ctl_forget(c);
	assert_int_equal(ctl_table_size(), 0);
	assert_int_equal(ctl_mode(c), KEEP_MODE_DEFAULT);
	ctl_forget(c); /* twice is fine */
	assert_int_equal(count_fds(), nfd);
	log_set_level(LOG_LVL_WARN);
	close(u);
	close(t);
}

static void test_loopback(void **state)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int u = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct mnsock_reply rep;
	struct in6_addr anchor;

	if (!have_lo6) {
		close(u);
		skip();
	}
	a.sin6_port = htons(9);
	assert_int_equal(connect(u, (struct sockaddr *)&a, sizeof(a)), 0);
	/* Connected UDP: continuity by default. */
	assert_int_equal(request(MNSOCK_OP_GET_MODE, 0, u, &rep), 0);
	assert_int_equal(rep.mode, MNSOCK_WIRE_CONTINUITY);
	assert_int_equal(rep.why, 0);
	assert_int_equal(request(MNSOCK_OP_GET_INFO, 0, u, &rep), 0);
	assert_memory_equal(rep.local, &in6addr_loopback, 16);
	inet_pton(AF_INET6, "2001:db8::1", &anchor);
	assert_memory_equal(rep.anchor, &anchor, 16);
	assert_int_equal(rep.role, CTL_ROLE_KEPT);
	close(u);
}

static void test_malformed(void **state)
{
	struct mnsock_req r = req(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_CONTINUITY);
	int u = udp6(false), u2 = udp6(false), p[2], sp[2], v4, f, many[12];
	int nfd = count_fds();
	struct mnsock_reply rep;
	uint8_t big[300];
	int fds2[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	v4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	f = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	assert_true(v4 >= 0 && f >= 0);
	nfd = count_fds();

	/* Short, oversized, empty. */
	assert_int_equal(roundtrip(&r, 8, &u, 1, &rep), EMSGSIZE);
	assert_int_equal(rep.op, MNSOCK_OP_SET_MODE);
	assert_int_equal(roundtrip(&r, 3, &u, 1, &rep), EMSGSIZE);
	assert_int_equal(rep.op, 0);
	memset(big, 0, sizeof(big));
	memcpy(big, &r, sizeof(r));
	assert_int_equal(roundtrip(big, sizeof(big), &u, 1, NULL), EMSGSIZE);
	assert_int_equal(roundtrip(big, sizeof(r) + 1, &u, 1, NULL), EMSGSIZE);
	assert_int_equal(roundtrip(big, 0, &u, 1, NULL), EMSGSIZE);
	/* Header. */
	r.magic = 0;
	assert_int_equal(roundtrip(&r, sizeof(r), &u, 1, NULL), EBADMSG);
	r = req(MNSOCK_OP_SET_MODE, 1);
	r.version = 9;
	assert_int_equal(roundtrip(&r, sizeof(r), &u, 1, NULL), EPROTO);
	r = req(77, 1);
	assert_int_equal(roundtrip(&r, sizeof(r), &u, 1, &rep), EOPNOTSUPP);
	assert_int_equal(rep.op, 77);
	r = req(MNSOCK_OP_SET_MODE, 3);
	assert_int_equal(roundtrip(&r, sizeof(r), &u, 1, NULL), EINVAL);
	r = req(MNSOCK_OP_SET_MODE, 1);
	r.reserved = 0xdead;
	assert_int_equal(roundtrip(&r, sizeof(r), &u, 1, NULL), EINVAL);
	/* fds: none, two, more than fit. */
	r = req(MNSOCK_OP_SET_MODE, 1);
	assert_int_equal(roundtrip(&r, sizeof(r), NULL, 0, NULL), EBADF);
	fds2[0] = u;
	fds2[1] = u2;
	assert_int_equal(roundtrip(&r, sizeof(r), fds2, 2, NULL), ETOOMANYREFS);
	for (unsigned int i = 0; i < 12; i++)
		many[i] = u;
	assert_int_equal(roundtrip(&r, sizeof(r), many, 12, NULL), ETOOMANYREFS);
	/* Not an AF_INET6 TCP/UDP socket. */
	assert_int_equal(roundtrip(&r, sizeof(r), &p[0], 1, NULL), ENOTSOCK);
	assert_int_equal(roundtrip(&r, sizeof(r), &f, 1, NULL), ENOTSOCK);
	assert_int_equal(roundtrip(&r, sizeof(r), &sp[0], 1, NULL), EAFNOSUPPORT);
	assert_int_equal(roundtrip(&r, sizeof(r), &v4, 1, NULL), EAFNOSUPPORT);
	{
		/* UDP-Lite and raw sockets are AF_INET6 but not TCP or UDP. */
		int l = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDPLITE);
		int raw = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);

		if (l >= 0) {
			assert_int_equal(roundtrip(&r, sizeof(r), &l, 1, NULL), EPROTONOSUPPORT);
			close(l);
		}
		if (raw >= 0) {
			assert_int_equal(roundtrip(&r, sizeof(r), &raw, 1, NULL), EPROTONOSUPPORT);
			close(raw);
		}
	}
	/* Nothing recorded by any of these, nothing left open, and the
	 * connection still works. */
	assert_int_equal(ctl_table_size(), 0);
	assert_int_equal(F.changed, 0);
	assert_int_equal(count_fds(), nfd);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, u, NULL), 0);
	assert_int_equal(ctl_table_size(), 1);
	close(p[0]);
	close(p[1]);
	close(sp[0]);
	close(sp[1]);
	close(v4);
	close(f);
	close(u);
	close(u2);
}

/* Random bytes, random lengths, with 0 to 3 fds: always one reply, never
 * a crash (run it under ASan), never an fd left behind. */
static void test_random(void **state)
{
	int u = udp6(false), nfd, fds[3];
	uint8_t buf[320]; /* beyond what mnd reads (256) */
	struct mnsock_reply rep;
	unsigned int seed = 12345;

	nfd = count_fds();
	fds[0] = fds[1] = fds[2] = u;
	for (unsigned int i = 0; i < 3000; i++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);
		unsigned int nf = (unsigned int)rand_r(&seed) % 4;

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		/* Half of them with a valid header, to get past the first checks. */
		if (i % 2 && len >= sizeof(struct mnsock_req)) {
			struct mnsock_req r = req((uint16_t)(1 + i % 4), (uint32_t)(i % 5));

			memcpy(buf, &r, 8);
			len = sizeof(r);
		}
		if (len == 0 && nf == 0)
			nf = 1; /* an empty message without fds reads as the end */
		assert_int_equal(send_raw(cli, buf, len, fds, nf, NULL), (ssize_t)len);
		assert_int_equal(ctl_conn_handle_one(conn), 1);
		assert_int_equal(recv(cli, &rep, sizeof(rep), 0), sizeof(rep));
		assert_true(rep.status >= 0);
	}
	assert_int_equal(count_fds(), nfd);
	assert_true(ctl_table_size() <= 1);
	close(u);
}

/* The table stays within its limits whatever the clients send; a full
 * share is freed from sockets that went away, by their destroy event or
 * by a check against the live sockets. */
static void test_flood_table(void **state)
{
	int s[20];
	uint32_t me = getuid();
	int32_t st;

	ctl_table_reset(8, 1000, 0);
	for (unsigned int i = 0; i < 20; i++) {
		s[i] = udp6(true); /* bound: sock_diag lists it */
		st = request(MNSOCK_OP_SET_MODE, 1, s[i], NULL);
		assert_int_equal(st, i < 8 ? 0 : ENOSPC);
	}
	assert_int_equal(ctl_table_size(), 8);
	assert_int_equal(ctl_table_uid(me), 8);
	/* Setting an entry already there never needs room. */
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 2, s[0], NULL), 0);
	/* Four sockets go without their destroy event reaching us: the next
	 * request finds them gone. */
	for (unsigned int i = 0; i < 4; i++)
		close(s[i]);
	for (unsigned int i = 8; i < 12; i++)
		assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, s[i], NULL), 0);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, s[12], NULL), ENOSPC);
	assert_int_equal(ctl_table_uid(me), 8);
	for (unsigned int i = 4; i < 20; i++)
		close(s[i]);

	/* A flood of requests for sockets opened and closed at once: every
	 * one answered, the table never above its limit. */
	for (unsigned int i = 0; i < 2000; i++) {
		int fd = udp6(true);

		assert_int_equal(request(MNSOCK_OP_SET_MODE, 1 + i % 2, fd, NULL), 0);
		close(fd);
		assert_true(ctl_table_uid(me) <= 8);
	}
	/* The same socket 5000 times: one entry. */
	ctl_table_reset(8, 1000, 0);
	s[0] = udp6(true);
	for (unsigned int i = 0; i < 5000; i++)
		assert_int_equal(request(MNSOCK_OP_SET_MODE, 1 + i % 2, s[0], NULL), 0);
	assert_int_equal(ctl_table_size(), 1);
	close(s[0]);

	/* The total bound, across uids (entries of sockets not in dumps yet,
	 * so that the check against live sockets keeps them). */
	ctl_table_reset(100, 4, 0);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(ctl_table_set(1000 + i, 500 + i, KEEP_MODE_BYPASS, false), 0);
	s[0] = udp6(true);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, s[0], NULL), ENOSPC);
	ctl_forget(1000);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, s[0], NULL), 0);
	assert_int_equal(ctl_table_size(), 4);
	close(s[0]);
	assert_int_equal(ctl_table_set(1, 1, (enum keep_mode)5, true), EINVAL);
}

/* A socket marked before it is bound or connected is not in dumps yet:
 * its entry survives a check until its destroy event. */
static void test_unhashed(void **state)
{
	int a = udp6(false), b = udp6(false), c = udp6(false);
	uint64_t ca = cookie_of(a);

	ctl_table_reset(2, 100, 0);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, a, NULL), 0);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, b, NULL), 0);
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, c, NULL), ENOSPC);
	assert_int_equal(ctl_mode(ca), KEEP_MODE_CONTINUITY);
	close(a);
	ctl_forget(ca); /* its destroy event */
	assert_int_equal(request(MNSOCK_OP_SET_MODE, 1, c, NULL), 0);
	close(b);
	close(c);
}

/* A client that sends without reading its replies is dropped, not
 * buffered for. */
static void test_no_reader(void **state)
{
	struct mnsock_req r = req(MNSOCK_OP_GET_MODE, 0);
	int u = udp6(false), rc = 1;
	unsigned int handled = 0;

	fcntl(cli, F_SETFL, O_NONBLOCK);
	for (unsigned int round = 0; round < 10000 && rc >= 0; round++) {
		while (send_raw(cli, &r, sizeof(r), &u, 1, NULL) > 0)
			;
		while ((rc = ctl_conn_handle_one(conn)) == 1)
			handled++;
	}
	assert_int_equal(rc, -1);
	assert_true(handled > 0);
	close(u);
}

static void test_eof(void **state)
{
	assert_int_equal(ctl_conn_handle_one(conn), 0); /* nothing yet */
	close(cli);
	cli = -1;
	assert_int_equal(ctl_conn_handle_one(conn), -1);
}

/* The message's credentials decide, and a process may mark only sockets
 * its uid owns (root: any). */
static void test_credentials(void **state)
{
	struct mnsock_req r = req(MNSOCK_OP_SET_MODE, MNSOCK_WIRE_CONTINUITY);
	struct ucred forged = {.pid = getpid(), .uid = 4321, .gid = 4321};
	int root_sock = udp6(false), status;
	struct mnsock_reply rep;
	pid_t child;

	if (geteuid() != 0) {
		close(root_sock);
		skip();
	}
	/* Root may claim another uid: then it is judged as that uid. */
	assert_int_equal(send_raw(cli, &r, sizeof(r), &root_sock, 1, &forged), sizeof(r));
	assert_int_equal(ctl_conn_handle_one(conn), 1);
	assert_int_equal(recv(cli, &rep, sizeof(rep), 0), sizeof(rep));
	assert_int_equal(rep.status, EPERM);
	assert_int_equal(ctl_table_size(), 0);

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int own, bad = 0;
		struct mnsock_reply cr;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		own = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		/* Someone else's socket (root's): refused. */
		send_raw(cli, &r, sizeof(r), &root_sock, 1, NULL);
		if (recv(cli, &cr, sizeof(cr), 0) != sizeof(cr) || cr.status != EPERM)
			bad |= 4;
		/* Its own: recorded, charged to it. */
		send_raw(cli, &r, sizeof(r), &own, 1, NULL);
		if (recv(cli, &cr, sizeof(cr), 0) != sizeof(cr) || cr.status != 0)
			bad |= 8;
		/* Reading someone else's socket's mode is fine. */
		r.op = MNSOCK_OP_GET_MODE;
		send_raw(cli, &r, sizeof(r), &root_sock, 1, NULL);
		if (recv(cli, &cr, sizeof(cr), 0) != sizeof(cr) || cr.status != 0)
			bad |= 16;
		_exit(bad);
	}
	for (unsigned int n = 0, spins = 0; n < 3 && spins < 10000; spins++) {
		int rc = ctl_conn_handle_one(conn);

		assert_true(rc >= 0);
		if (rc == 1)
			n++;
		else
			usleep(1000);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(ctl_table_uid(65534), 1);
	assert_int_equal(ctl_table_uid(0), 0);
	close(root_sock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_set_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unhashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
	};
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};

	if (fd < 0) {
		printf("SKIP: no IPv6 sockets here\n");
		return 77;
	}
	have_lo6 = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	log_set_level(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
