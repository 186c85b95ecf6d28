// SPDX-License-Identifier: BSD-3-Clause
/*
 * libmnsock's client side of the control protocol (libmnsock/mnsock-proto.h)
 * against a fake mnd: a SOCK_SEQPACKET listener in a temporary directory
 * (MNSOCK_PATH), served for each call by a forked child that records what
 * it received (the request, how many fds came with it and the SO_COOKIE of
 * the one that did) on a pipe, then answers as the test scripts it: a good
 * reply, an error status, a malformed reply, an fd, silence or a hang-up.
 * Every test also checks that the library left no fd behind. No root.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mnsock.h"
#include "mnsock-proto.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
/* <linux/in6.h> values mnsock.h does not need to define */
#ifndef IPV6_PREFER_SRC_TMP
#define IPV6_PREFER_SRC_TMP 0x0001
#endif
#ifndef IPV6_PREFER_SRC_PUBLIC
#define IPV6_PREFER_SRC_PUBLIC 0x0002
#endif

/* How the fake mnd answers one request. */
enum fake_act {
	ACT_REPLY,   /* the reply below, sizeof(struct mnsock_reply) + extra bytes */
	ACT_SHORT,   /* the reply cut to `len` bytes */
	ACT_SILENT,  /* no reply: wait until the client gives up */
	ACT_HANG_UP, /* close without a reply */
	ACT_WITH_FD, /* the reply with an fd attached */
};

struct fake_script {
	enum fake_act act;
	size_t len;   /* ACT_SHORT */
	size_t extra; /* ACT_REPLY: trailing bytes a later version might add */
	struct mnsock_reply reply;
};

/* What the fake mnd received, sent back to the test over a pipe. */
struct fake_seen {
	ssize_t n;
	struct mnsock_req req;
	int nfds;
	uint64_t cookie;
};

struct fake {
	pid_t pid;
	int rd;
};

static char g_dir[] = "/tmp/test_mnsock.XXXXXX";
static char g_path[sizeof(g_dir) + 16];
static int g_listener = -1;
static int g_fds_before;

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
	return n - 1;
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
	return c;
}

static int listen_at(const char *path, int do_listen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	strcpy(sa.sun_path, path);
	unlink(path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (do_listen)
		assert_int_equal(listen(s, 8), 0);
	return s;
}

static struct mnsock_reply good_reply(uint16_t op)
{
	struct mnsock_reply r;

	memset(&r, 0, sizeof(r));
	r.magic = MNSOCK_MAGIC;
	r.version = MNSOCK_VERSION;
	r.op = op;
	return r;
}

static void fake_child(int wr, const struct fake_script *sc)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char out[sizeof(struct mnsock_reply) + 64];
	struct fake_seen seen;
	struct iovec iov = {.iov_base = &seen.req, .iov_len = sizeof(seen.req)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	size_t len;
	char c;
	int conn;

	alarm(10); /* never outlive a broken test */
	memset(&seen, 0, sizeof(seen));
	conn = accept4(g_listener, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		_exit(1);
	seen.n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int f;
			uint64_t ck = 0;
			socklen_t cl = sizeof(ck);

			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (getsockopt(f, SOL_SOCKET, SO_COOKIE, &ck, &cl) == 0)
				seen.cookie = ck;
			close(f);
			seen.nfds++;
		}
	}
	if (write(wr, &seen, sizeof(seen)) != (ssize_t)sizeof(seen))
		_exit(1);

	memset(out, 0, sizeof(out));
	memcpy(out, &sc->reply, sizeof(sc->reply));
	switch (sc->act) {
	case ACT_REPLY:
		len = sizeof(sc->reply) + sc->extra;
		if (send(conn, out, len, MSG_NOSIGNAL) < 0)
			_exit(1);
		break;
	case ACT_SHORT:
		if (send(conn, out, sc->len, MSG_NOSIGNAL) < 0)
			_exit(1);
		break;
	case ACT_SILENT:
		/* Until the library times out and closes its end. */
		while (recv(conn, &c, 1, 0) > 0)
			;
		break;
	case ACT_HANG_UP:
		break;
	case ACT_WITH_FD: {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} oc;
		struct iovec oiov = {.iov_base = out, .iov_len = sizeof(sc->reply)};
		struct msghdr om = {
			.msg_iov = &oiov,
			.msg_iovlen = 1,
			.msg_control = oc.buf,
			.msg_controllen = sizeof(oc.buf),
		};
		int give = open("/dev/null", O_RDONLY);

		memset(&oc, 0, sizeof(oc));
		cm = CMSG_FIRSTHDR(&om);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &give, sizeof(int));
		if (sendmsg(conn, &om, MSG_NOSIGNAL) < 0)
			_exit(1);
		break;
	}
	}
	close(conn);
	_exit(0);
}

/* Serve the next request as SC says, in a child, while the test makes its call. */
static struct fake fake_start(const struct fake_script *sc)
{
	struct fake f;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	f.pid = fork();
	assert_true(f.pid >= 0);
	if (f.pid == 0) {
		close(p[0]);
		fake_child(p[1], sc);
	}
	close(p[1]);
	f.rd = p[0];
	return f;
}

static struct fake_seen fake_finish(struct fake f)
{
	struct fake_seen seen;
	int status;

	assert_int_equal(read(f.rd, &seen, sizeof(seen)), sizeof(seen));
	close(f.rd);
	assert_int_equal(waitpid(f.pid, &status, 0), f.pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return seen;
}

/* The request the library must have sent about socket FD. */
static void assert_request(const struct fake_seen *s, int fd, uint16_t op, uint32_t mode)
{
	assert_int_equal(s->n, sizeof(struct mnsock_req));
	assert_int_equal(s->req.magic, MNSOCK_MAGIC);
	assert_int_equal(s->req.version, MNSOCK_VERSION);
	assert_int_equal(s->req.op, op);
	assert_int_equal(s->req.mode, mode);
	assert_int_equal(s->req.reserved, 0);
	assert_int_equal(s->nfds, 1);
	assert_true(s->cookie != 0);
	assert_true(s->cookie == cookie_of(fd));
}

/* Nobody connected to the fake mnd: the call failed before asking. */
static void assert_no_request(void)
{
	struct pollfd p = {.fd = g_listener, .events = POLLIN};

	assert_int_equal(poll(&p, 1, 0), 0);
}

static int tcp6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	return fd;
}

static int get_prefs(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &v, &len), 0);
	return v;
}

static int setup(void **state)
{
	g_listener = listen_at(g_path, 1);
	g_fds_before = count_fds();
	return 0;
}

static int teardown(void **state)
{
	/* The library must not leak its control socket or anything mnd sent. */
	assert_int_equal(count_fds(), g_fds_before);
	if (g_listener >= 0)
		close(g_listener);
	g_listener = -1;
	unlink(g_path);
	return 0;
}

/* One call of set_mode against a reply R; returns what the call returned and its errno. */
static int set_mode_against(const struct fake_script *sc, int fd, enum mnsock_mode mode, int *err)
{
	struct fake f = fake_start(sc);
	struct fake_seen seen;
	int ret;

	errno = 0;
	ret = mnsock_set_mode(fd, mode);
	*err = errno;
	seen = fake_finish(f);
	assert_request(&seen, fd, MNSOCK_OP_SET_MODE, (uint32_t)mode);
	return ret;
}

static void test_set_mode_ok(void **state)
{
	struct fake_script sc = {.act = ACT_REPLY, .reply = good_reply(MNSOCK_OP_SET_MODE)};
	int fd = tcp6(), u = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0), err;

	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_CONTINUITY, &err), 0);
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), 0);
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_DEFAULT, &err), 0);
	assert_int_equal(set_mode_against(&sc, u, MNSOCK_BYPASS, &err), 0);
	close(fd);
	close(u);
}

static void test_get_mode(void **state)
{
	struct fake_script sc = {.act = ACT_REPLY, .reply = good_reply(MNSOCK_OP_GET_MODE)};
	enum mnsock_mode m = MNSOCK_DEFAULT;
	struct fake_seen seen;
	struct fake f;
	int fd = tcp6();

	sc.reply.mode = MNSOCK_WIRE_BYPASS;
	sc.reply.why = 2;
	f = fake_start(&sc);
	assert_int_equal(mnsock_get_mode(fd, &m), 0);
	seen = fake_finish(f);
	assert_request(&seen, fd, MNSOCK_OP_GET_MODE, 0);
	assert_int_equal(m, MNSOCK_BYPASS);

	sc.reply.mode = MNSOCK_WIRE_CONTINUITY;
	f = fake_start(&sc);
	assert_int_equal(mnsock_get_mode(fd, &m), 0);
	fake_finish(f);
	assert_int_equal(m, MNSOCK_CONTINUITY);

	/* A mode this version does not know is a malformed reply. */
	sc.reply.mode = 9;
	m = MNSOCK_CONTINUITY;
	f = fake_start(&sc);
	errno = 0;
	assert_int_equal(mnsock_get_mode(fd, &m), -1);
	assert_int_equal(errno, EPROTO);
	fake_finish(f);
	assert_int_equal(m, MNSOCK_CONTINUITY); /* untouched on failure */
	close(fd);
}

static void test_get_info(void **state)
{
	struct fake_script sc = {.act = ACT_REPLY, .reply = good_reply(MNSOCK_OP_GET_INFO)};
	struct mnsock_info info;
	struct fake_seen seen;
	struct fake f;
	int fd = tcp6(), i;

	for (i = 0; i < 16; i++) {
		sc.reply.local[i] = (uint8_t)(0x20 + i);
		sc.reply.anchor[i] = (uint8_t)(0x40 + i);
	}
	sc.reply.role = MNSOCK_ROLE_KEPT;
	memset(&info, 0xff, sizeof(info));
	f = fake_start(&sc);
	assert_int_equal(mnsock_get_info(fd, &info), 0);
	seen = fake_finish(f);
	assert_request(&seen, fd, MNSOCK_OP_GET_INFO, 0);
	assert_memory_equal(&info.local, sc.reply.local, 16);
	assert_memory_equal(&info.anchor, sc.reply.anchor, 16);
	assert_int_equal(info.role, MNSOCK_ROLE_KEPT);
	assert_int_equal(info.kept, 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(info.reserved[i], 0);

	sc.reply.role = MNSOCK_ROLE_CURRENT;
	f = fake_start(&sc);
	assert_int_equal(mnsock_get_info(fd, &info), 0);
	fake_finish(f);
	assert_int_equal(info.role, MNSOCK_ROLE_CURRENT);
	assert_int_equal(info.kept, 0);

	/* A role added by a later mnd reads as NONE. */
	sc.reply.role = 7;
	f = fake_start(&sc);
	assert_int_equal(mnsock_get_info(fd, &info), 0);
	fake_finish(f);
	assert_int_equal(info.role, MNSOCK_ROLE_NONE);
	assert_int_equal(info.kept, 0);
	close(fd);
}

static void test_status_errors(void **state)
{
	struct fake_script sc = {.act = ACT_REPLY, .reply = good_reply(MNSOCK_OP_SET_MODE)};
	int fd = tcp6(), err;

	sc.reply.status = EPERM;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPERM);
	sc.reply.status = ENOENT;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, ENOENT);
	/* ECONNREFUSED means "mnd is not running" and nothing else. */
	sc.reply.status = ECONNREFUSED;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	sc.reply.status = -1;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	sc.reply.status = 5000;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	close(fd);
}

static void test_malformed_replies(void **state)
{
	struct fake_script sc;
	int fd = tcp6(), err;

	/* Short. */
	sc = (struct fake_script){.act = ACT_SHORT,
				  .len = sizeof(struct mnsock_reply) - 1,
				  .reply = good_reply(MNSOCK_OP_SET_MODE)};
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	sc.len = 4;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	/* Wrong magic, version, op. */
	sc = (struct fake_script){.act = ACT_REPLY, .reply = good_reply(MNSOCK_OP_SET_MODE)};
	sc.reply.magic = 0x4d4e5332;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	sc.reply = good_reply(MNSOCK_OP_SET_MODE);
	sc.reply.version = 2;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	sc.reply = good_reply(MNSOCK_OP_GET_MODE);
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	/* An fd with the reply: closed by the library (teardown counts fds), and refused. */
	sc = (struct fake_script){.act = ACT_WITH_FD, .reply = good_reply(MNSOCK_OP_SET_MODE)};
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), -1);
	assert_int_equal(err, EPROTO);
	/* Longer than this version's reply: fields a later version appends. */
	sc = (struct fake_script){
		.act = ACT_REPLY, .extra = 8, .reply = good_reply(MNSOCK_OP_SET_MODE)};
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_BYPASS, &err), 0);
	close(fd);
}

static void test_no_reply(void **state)
{
	struct fake_script sc = {.act = ACT_SILENT};
	struct timespec t0, t1;
	double dt;
	int fd = tcp6(), err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_CONTINUITY, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(err, ETIMEDOUT);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(dt >= 0.9 && dt < 3.0);

	sc.act = ACT_HANG_UP;
	assert_int_equal(set_mode_against(&sc, fd, MNSOCK_CONTINUITY, &err), -1);
	assert_int_equal(err, ECONNRESET);
	close(fd);
}

/* The observable state of a socket, to show the library left it alone. */
struct sock_state {
	uint64_t cookie;
	int fl, fdfl, prefs;
};

static struct sock_state sock_state(int fd)
{
	struct sock_state s;

	memset(&s, 0, sizeof(s)); /* padding too: compared with memcmp */
	s.cookie = cookie_of(fd);
	s.fl = fcntl(fd, F_GETFL);
	s.fdfl = fcntl(fd, F_GETFD);
	s.prefs = get_prefs(fd);
	return s;
}

static void assert_not_running(int fd)
{
	struct sock_state before = sock_state(fd), after;
	struct mnsock_info info;
	enum mnsock_mode m;

	errno = 0;
	assert_int_equal(mnsock_set_mode(fd, MNSOCK_BYPASS), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(mnsock_get_mode(fd, &m), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(mnsock_get_info(fd, &info), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_COA), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_HOME), -1);
	assert_int_equal(errno, ECONNREFUSED);
	after = sock_state(fd);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_string_equal(mnsock_strerror(ECONNREFUSED), "mnd is not running");
}

static void test_not_running(void **state)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0), f;

	assert_true(fd >= 0);
	/* No socket at the path. */
	close(g_listener);
	g_listener = -1;
	unlink(g_path);
	assert_not_running(fd);
	/* A stale socket file nobody listens on (mnd killed). */
	g_listener = listen_at(g_path, 0);
	assert_not_running(fd);
	close(g_listener);
	g_listener = -1;
	/* Something that is not a socket. */
	unlink(g_path);
	f = open(g_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(f >= 0);
	close(f);
	assert_not_running(fd);
	unlink(g_path);
	g_listener = listen_at(g_path, 1);
	close(fd);
}

static void test_bad_args(void **state)
{
	struct mnsock_info info;
	enum mnsock_mode m;
	int fd = tcp6(), p[2], v4, ux, raw, closed, bad_mode = -1;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	v4 = socket(AF_INET, SOCK_STREAM, 0);
	ux = socket(AF_UNIX, SOCK_STREAM, 0);
	closed = socket(AF_INET6, SOCK_DGRAM, 0);
	close(closed);
	assert_true(v4 >= 0 && ux >= 0);

	errno = 0;
	assert_int_equal(mnsock_set_mode(fd, (enum mnsock_mode)3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mnsock_set_mode(fd, (enum mnsock_mode)bad_mode), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mnsock_get_mode(fd, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mnsock_get_info(fd, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mnsock_set_mode(-1, MNSOCK_BYPASS), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(mnsock_set_mode(closed, MNSOCK_BYPASS), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(mnsock_set_mode(p[0], MNSOCK_BYPASS), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(mnsock_get_mode(p[0], &m), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(mnsock_get_info(p[0], &info), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(mnsock_set_addr_preferences(p[0], IPV6_PREFER_SRC_HOME), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(mnsock_set_mode(v4, MNSOCK_BYPASS), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_int_equal(mnsock_set_addr_preferences(v4, IPV6_PREFER_SRC_COA), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_int_equal(mnsock_set_mode(ux, MNSOCK_BYPASS), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	/* Raw sockets report the protocol they were made with: 17 here. */
	raw = socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
	if (raw < 0) /* no CAP_NET_RAW: a ping socket is not TCP or UDP either */
		raw = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
	if (raw >= 0) {
		assert_int_equal(mnsock_set_mode(raw, MNSOCK_BYPASS), -1);
		assert_int_equal(errno, EPROTONOSUPPORT);
		close(raw);
	} else {
		print_message("no raw or ping socket here: EPROTONOSUPPORT not checked\n");
	}
	/* HOME and COA contradict each other. */
	assert_int_equal(
		mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_HOME | IPV6_PREFER_SRC_COA), -1);
	assert_int_equal(errno, EINVAL);
	assert_no_request();
	close(p[0]);
	close(p[1]);
	close(v4);
	close(ux);
	close(fd);
}

static void test_addr_preferences(void **state)
{
	struct fake_script sc = {.act = ACT_REPLY, .reply = good_reply(MNSOCK_OP_SET_MODE)};
	struct fake_seen seen;
	struct fake f;
	int fd = tcp6(), before;

	/* COA: bypass at mnd, HOME: continuity, and the kernel stores them. */
	f = fake_start(&sc);
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_COA), 0);
	seen = fake_finish(f);
	assert_request(&seen, fd, MNSOCK_OP_SET_MODE, MNSOCK_WIRE_BYPASS);
	assert_true(get_prefs(fd) & IPV6_PREFER_SRC_COA);

	f = fake_start(&sc);
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_HOME), 0);
	seen = fake_finish(f);
	assert_request(&seen, fd, MNSOCK_OP_SET_MODE, MNSOCK_WIRE_CONTINUITY);
	assert_true(get_prefs(fd) & IPV6_PREFER_SRC_HOME);
	assert_false(get_prefs(fd) & IPV6_PREFER_SRC_COA);

	/* Neither flag: the kernel gets the value, mnd is not asked. */
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_PUBLIC), 0);
	assert_no_request();
	assert_true(get_prefs(fd) & IPV6_PREFER_SRC_PUBLIC);

	/* The kernel's own refusal (PUBLIC|TMP) comes back as is, before mnd. */
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_PUBLIC |
								 IPV6_PREFER_SRC_TMP |
								 IPV6_PREFER_SRC_COA),
			 -1);
	assert_int_equal(errno, EINVAL);
	assert_no_request();

	/* mnd refuses: the old preferences are back. */
	before = get_prefs(fd);
	sc.reply.status = EPERM;
	f = fake_start(&sc);
	assert_int_equal(mnsock_set_addr_preferences(fd, IPV6_PREFER_SRC_COA), -1);
	assert_int_equal(errno, EPERM);
	fake_finish(f);
	assert_int_equal(get_prefs(fd), before);
	close(fd);
}

static void test_strerror(void **state)
{
	assert_string_equal(mnsock_strerror(ECONNREFUSED), "mnd is not running");
	assert_string_equal(mnsock_strerror(EAFNOSUPPORT), "not an IPv6 socket");
	assert_string_equal(mnsock_strerror(EPERM), "Operation not permitted");
	assert_string_equal(mnsock_strerror(99999), "unknown error");
}

static int group_setup(void **state)
{
	int r;

	if (!mkdtemp(g_dir))
		return -1;
	r = snprintf(g_path, sizeof(g_path), "%s/mnsock", g_dir);
	if (r < 0 || (size_t)r >= sizeof(g_path))
		return -1;
	/* Read once by the library, at its first call. */
	setenv("MNSOCK_PATH", g_path, 1);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	unlink(g_path);
	rmdir(g_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_mode_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_preferences, setup, teardown),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
