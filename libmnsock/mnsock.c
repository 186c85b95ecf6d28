// SPDX-License-Identifier: BSD-3-Clause
/*
 * libmnsock: the client side of the mnd control protocol (mnsock-proto.h)
 * and the public API of include/mnsock.h.
 *
 * Each call is one short exchange on its own connection: connect a
 * SOCK_SEQPACKET socket to the control path, send the request with the
 * application's socket attached (SCM_RIGHTS), wait a bounded time for one
 * reply, close. No connection is cached: the library has no state to guard
 * besides the path, which is fixed once, so it is thread-safe and fork-safe
 * and survives mnd restarts.
 *
 * The application's socket is only ever read (getsockopt) and passed to mnd,
 * never changed, except by mnsock_set_addr_preferences(), which restores the
 * old preferences if mnd cannot record the mode. ECONNREFUSED is reserved for
 * "mnd is not running" so that callers can fall back on it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mnsock.h"
#include "mnsock-internal.h"

#define MNSOCK_EXPORT __attribute__((visibility("default")))

/* Largest errno value a reply status may carry (Linux MAX_ERRNO). */
#define MNSOCK_MAX_ERRNO 4095

/* The path is fixed at the first call: the environment may change later and is not thread-safe. */
static pthread_once_t mnsock_path_once = PTHREAD_ONCE_INIT;
static char mnsock_path_buf[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
static int mnsock_path_err; /* -ENAMETOOLONG if the configured path does not fit */

static void mnsock_path_init(void)
{
	const char *p = secure_getenv("MNSOCK_PATH");
	size_t len;

	if (!p || !*p)
		p = MNSOCK_PATH;
	len = strlen(p);
	if (len >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		mnsock_path_err = -ENAMETOOLONG;
		return;
	}
	memcpy(mnsock_path_buf, p, len + 1);
}

const char *mnsock__path(void)
{
	pthread_once(&mnsock_path_once, mnsock_path_init);
	return mnsock_path_err ? NULL : mnsock_path_buf;
}

int mnsock__check_socket(int fd)
{
	int domain, type, proto;
	socklen_t len;

	if (fd < 0)
		return -EBADF;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return -errno; /* EBADF or ENOTSOCK */
	if (domain != AF_INET6)
		return -EAFNOSUPPORT;
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	len = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0)
		return -errno;
	/* SOCK_RAW with protocol 6 or 17 also reports TCP/UDP: check both. */
	if (!((type == SOCK_STREAM && proto == IPPROTO_TCP) ||
	      (type == SOCK_DGRAM && proto == IPPROTO_UDP)))
		return -EPROTONOSUPPORT;
	return 0;
}

static int64_t mnsock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Any errno but ECONNREFUSED, which only a missing mnd may produce. */
static int mnsock_not_refused(int err)
{
	return err == ECONNREFUSED ? EPROTO : err;
}

/* A connected control socket, or a negative errno. */
static int mnsock_connect(int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	const char *path = mnsock__path();
	socklen_t salen;
	int s, err;

	if (!path)
		return mnsock_path_err;
	strcpy(sa.sun_path, path); /* length checked in mnsock_path_init */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);

	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -mnsock_not_refused(errno);
	/* Bounds connect() (full backlog) and sendmsg() (full queue). */
	if (setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		err = errno;
		close(s);
		return -mnsock_not_refused(err);
	}
	do {
		err = connect(s, (struct sockaddr *)&sa, salen) < 0 ? errno : 0;
	} while (err == EINTR);
	if (err) {
		close(s);
		if (err == ENOENT || err == ECONNREFUSED)
			return -ECONNREFUSED; /* no socket file, or nobody listening */
		if (err == EAGAIN || err == EINPROGRESS)
			return -ETIMEDOUT; /* backlog still full after the timeout */
		return -err;
	}
	return s;
}

static int mnsock_send(int s, int fd, uint16_t op, uint32_t mode)
{
	struct mnsock_req req = {
		.magic = MNSOCK_MAGIC,
		.version = MNSOCK_VERSION,
		.op = op,
		.mode = mode,
		.reserved = 0,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));

	do {
		n = sendmsg(s, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return -ETIMEDOUT;
		if (errno == EPIPE)
			return -ECONNRESET;
		return -mnsock_not_refused(errno);
	}
	return n == (ssize_t)sizeof(req) ? 0 : -EPROTO;
}

/* Close every fd a (misbehaving) server passed back; returns how many there were. */
static int mnsock_drop_fds(struct msghdr *msg)
{
	struct cmsghdr *cm;
	int n = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t i, nfd;

		n++; /* any control message at all is unexpected */
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int f;

			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(f);
		}
	}
	return n;
}

static int mnsock_recv(int s, uint16_t op, struct mnsock_reply *reply, int64_t deadline)
{
	union {
		struct mnsock_reply r;
		char buf[sizeof(struct mnsock_reply) + 64]; /* room to see a longer reply */
	} in;
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = in.buf, .iov_len = sizeof(in.buf)};
	struct msghdr msg;
	ssize_t n;

	for (;;) {
		struct pollfd pfd = {.fd = s, .events = POLLIN};
		int64_t left = deadline - mnsock_now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -mnsock_not_refused(errno);
		if (r == 0)
			return -ETIMEDOUT;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(s, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			return errno == ECONNRESET ? -ECONNRESET : -mnsock_not_refused(errno);
	}
	if (mnsock_drop_fds(&msg) || (msg.msg_flags & MSG_CTRUNC))
		return -EPROTO;
	if (n == 0)
		return -ECONNRESET; /* closed without a reply */
	/* Longer replies are accepted: a later version may append fields. */
	if ((size_t)n < sizeof(struct mnsock_reply))
		return -EPROTO;
	if (in.r.magic != MNSOCK_MAGIC || in.r.version != MNSOCK_VERSION || in.r.op != op)
		return -EPROTO;
	if (in.r.status < 0 || in.r.status > MNSOCK_MAX_ERRNO)
		return -EPROTO;
	if (in.r.status)
		return -mnsock_not_refused(in.r.status);
	if (op == MNSOCK_OP_GET_MODE && in.r.mode > MNSOCK_WIRE_BYPASS)
		return -EPROTO;
	*reply = in.r;
	return 0;
}

int mnsock__call(int fd, uint16_t op, uint32_t mode, struct mnsock_reply *reply, int timeout_ms)
{
	int64_t deadline = mnsock_now_ms() + timeout_ms;
	int s, err;

	s = mnsock_connect(timeout_ms);
	if (s < 0)
		return s;
	err = mnsock_send(s, fd, op, mode);
	if (!err)
		err = mnsock_recv(s, op, reply, deadline);
	close(s);
	return err;
}

/* The public functions: -1 and errno. */
static int mnsock_fail(int neg_err)
{
	errno = -neg_err;
	return -1;
}

static int mnsock_do(int fd, uint16_t op, uint32_t mode, struct mnsock_reply *reply)
{
	int err = mnsock__check_socket(fd);

	if (!err)
		err = mnsock__call(fd, op, mode, reply, MNSOCK_TIMEOUT_MS);
	return err;
}

MNSOCK_EXPORT int mnsock_set_mode(int fd, enum mnsock_mode mode)
{
	struct mnsock_reply reply;
	int err;

	/* Through unsigned: an enum may be signed or unsigned. */
	if ((unsigned int)mode > MNSOCK_BYPASS)
		return mnsock_fail(-EINVAL);
	err = mnsock_do(fd, MNSOCK_OP_SET_MODE, (uint32_t)mode, &reply);
	return err ? mnsock_fail(err) : 0;
}

MNSOCK_EXPORT int mnsock_get_mode(int fd, enum mnsock_mode *mode)
{
	struct mnsock_reply reply;
	int err;

	if (!mode)
		return mnsock_fail(-EINVAL);
	err = mnsock_do(fd, MNSOCK_OP_GET_MODE, 0, &reply);
	if (err)
		return mnsock_fail(err);
	*mode = (enum mnsock_mode)reply.mode; /* range checked in mnsock_recv */
	return 0;
}

MNSOCK_EXPORT int mnsock_get_info(int fd, struct mnsock_info *info)
{
	struct mnsock_reply reply;
	int err;

	if (!info)
		return mnsock_fail(-EINVAL);
	err = mnsock_do(fd, MNSOCK_OP_GET_INFO, 0, &reply);
	if (err)
		return mnsock_fail(err);
	memset(info, 0, sizeof(*info));
	memcpy(&info->local, reply.local, sizeof(info->local));
	memcpy(&info->anchor, reply.anchor, sizeof(info->anchor));
	/* Roles mnd may add later read as NONE, as the header promises. */
	info->role = reply.role <= MNSOCK_ROLE_RELEASED ? (enum mnsock_role)reply.role
							: MNSOCK_ROLE_NONE;
	info->kept = info->role == MNSOCK_ROLE_KEPT;
	return 0;
}

MNSOCK_EXPORT int mnsock_set_addr_preferences(int fd, int prefs)
{
	struct mnsock_reply reply;
	enum mnsock_mode mode;
	socklen_t len = sizeof(int);
	int old, err;

	err = mnsock__check_socket(fd);
	if (err)
		return mnsock_fail(err);
	if ((prefs & IPV6_PREFER_SRC_HOME) && (prefs & IPV6_PREFER_SRC_COA))
		return mnsock_fail(-EINVAL); /* contradictory; the kernel says so too */
	mode = prefs & IPV6_PREFER_SRC_HOME  ? MNSOCK_CONTINUITY
	       : prefs & IPV6_PREFER_SRC_COA ? MNSOCK_BYPASS
					     : MNSOCK_DEFAULT;
	if (getsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &old, &len) < 0)
		return mnsock_fail(-mnsock_not_refused(errno));
	/* The kernel validates the other flags (PUBLIC|TMP, CGA|NONCGA). */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &prefs, sizeof(prefs)) < 0)
		return mnsock_fail(-mnsock_not_refused(errno));
	/* Neither HOME nor COA says nothing about mobility: mnd is not asked. */
	if (mode == MNSOCK_DEFAULT)
		return 0;
	err = mnsock__call(fd, MNSOCK_OP_SET_MODE, (uint32_t)mode, &reply, MNSOCK_TIMEOUT_MS);
	if (err) {
		/* Leave the socket as it was: the caller sees one outcome, not half of one. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &old, sizeof(old));
		return mnsock_fail(err);
	}
	return 0;
}

MNSOCK_EXPORT const char *mnsock_strerror(int err)
{
	const char *s;

	switch (err) {
	case ECONNREFUSED:
		return "mnd is not running";
	case ETIMEDOUT:
		return "mnd did not answer in time";
	case ECONNRESET:
		return "mnd closed the connection without answering";
	case EPROTO:
		return "malformed reply from mnd";
	case EAFNOSUPPORT:
		return "not an IPv6 socket";
	case EPROTONOSUPPORT:
		return "not a TCP or UDP socket";
	case EINVAL:
		return "invalid argument";
	default:
		break;
	}
	/* strerrordesc_np: thread-safe, no locale, NULL for unknown values (glibc >= 2.32). */
	s = strerrordesc_np(err);
	return s ? s : "unknown error";
}
