// SPDX-License-Identifier: BSD-3-Clause
/*
 * NETLINK_SOCK_DIAG dumps (SOCK_DIAG_BY_FAMILY, inet_diag_req_v2), the
 * request that libnl-idiag cannot send (notes: ecosystem.md §7), and the
 * destroy notifications.
 *
 * A plain netlink socket per dump: sd_dump is rare (a move, a flow that
 * ended on a kept address) and synchronous, so there is no state to keep
 * between calls. The monitor is one more netlink socket, member of both
 * IPv6 destroy groups, read on the main loop. Every message is checked
 * against the bytes actually received before any field is read.
 */
#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/sockdiag.h"

/* The kernel sizes a dump skb after the largest buffer we have read with,
 * capped at 32 KiB; twice that never truncates. */
#define SD_RX_MAX 65536
#define SD_ALL_STATES 0xffffffffu
/* Destroy notifications come in bursts (a process exiting closes all its
 * sockets at once); a lost one costs a dump, so make room for many. */
#define SD_MON_RCVBUF (4 << 20)
#define SD_MON_BATCH 256 /* datagrams read per wakeup: others get a turn */

struct sd_ctx {
	const struct in6_addr *addrs;
	unsigned int n;
	bool all;
	sd_sock_fn fn;
	void *user;
};

static bool sd_wanted(const struct sd_ctx *ctx, const struct in6_addr *src)
{
	if (ctx->all)
		return true;
	for (unsigned int i = 0; i < ctx->n; i++)
		if (!memcmp(&ctx->addrs[i], src, sizeof(*src)))
			return true;
	return false;
}

/* The attributes after the inet_diag_msg: only the cgroup id is used. */
static uint64_t sd_cgroup(const uint8_t *attrs, size_t len)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		size_t alen;

		memcpy(&a, attrs, sizeof(a));
		alen = a.nla_len;
		if (alen < NLA_HDRLEN || alen > len)
			return 0;
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_CGROUP_ID &&
		    alen >= NLA_HDRLEN + sizeof(uint64_t)) {
			uint64_t id;

			memcpy(&id, attrs + NLA_HDRLEN, sizeof(id));
			return id;
		}
		alen = NLA_ALIGN(alen);
		if (alen >= len)
			break;
		attrs += alen;
		len -= alen;
	}
	return 0;
}

static void sd_report(const struct sd_ctx *ctx, uint8_t proto, const struct inet_diag_msg *m,
		      const uint8_t *attrs, size_t attrs_len)
{
	struct sd_sock s;

	if (m->idiag_family != AF_INET6)
		return;
	memset(&s, 0, sizeof(s));
	memcpy(&s.src, m->id.idiag_src, sizeof(s.src));
	if (!sd_wanted(ctx, &s.src))
		return;
	memcpy(&s.dst, m->id.idiag_dst, sizeof(s.dst));
	s.proto = proto;
	s.state = m->idiag_state;
	s.sport = ntohs(m->id.idiag_sport);
	s.dport = ntohs(m->id.idiag_dport);
	s.cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	s.uid = m->idiag_uid;
	s.inode = m->idiag_inode;
	s.cgroup = sd_cgroup(attrs, attrs_len);
	ctx->fn(ctx->user, &s);
}

/* One message of the answer, mlen bytes at buf (checked by the caller).
 * Returns 1 when the dump is complete, 0 to read on, or -errno. */
static int sd_parse_msg(const struct sd_ctx *ctx, uint8_t proto, uint16_t type, const uint8_t *buf,
			size_t mlen)
{
	switch (type) {
	case NLMSG_DONE: {
		int err = 0;

		/* The kernel appends the dump's outcome. */
		if (mlen >= NLMSG_LENGTH(sizeof(err)))
			memcpy(&err, buf + NLMSG_HDRLEN, sizeof(err));
		return err < 0 ? err : 1;
	}
	case NLMSG_ERROR: {
		struct nlmsgerr e;

		if (mlen < NLMSG_LENGTH(sizeof(e)))
			return -EBADMSG;
		memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
		return e.error < 0 ? e.error : -EPROTO;
	}
	case SOCK_DIAG_BY_FAMILY: {
		struct inet_diag_msg m;

		size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));

		if (mlen < NLMSG_LENGTH(sizeof(m)))
			return -EBADMSG;
		memcpy(&m, buf + NLMSG_HDRLEN, sizeof(m));
		sd_report(ctx, proto, &m, buf + off, mlen > off ? mlen - off : 0);
		return 0;
	}
	default:
		return 0;
	}
}

/* One datagram of the answer. Returns 1 when the dump is complete, 0 to
 * read on, or -errno. */
static int sd_parse(const struct sd_ctx *ctx, uint8_t proto, uint32_t seq, const uint8_t *buf,
		    size_t len)
{
	while (len > 0) {
		struct nlmsghdr h;
		size_t mlen;
		int rc;

		if (len < sizeof(h))
			return -EBADMSG;
		memcpy(&h, buf, sizeof(h));
		mlen = h.nlmsg_len;
		if (mlen < sizeof(h) || mlen > len)
			return -EBADMSG;
		/* Answers to an earlier, abandoned request are not ours. */
		if (h.nlmsg_seq == seq) {
			rc = sd_parse_msg(ctx, proto, h.nlmsg_type, buf, mlen);
			if (rc)
				return rc;
		}
		mlen = NLMSG_ALIGN(mlen);
		if (mlen >= len)
			break;
		buf += mlen;
		len -= mlen;
	}
	return 0;
}

static int sd_dump_proto(int fd, uint8_t *rx, uint32_t seq, uint8_t proto, const struct sd_ctx *ctx)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int rc;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq;
	req.r.sdiag_family = AF_INET6;
	req.r.sdiag_protocol = proto;
	/* All states: listeners, half-open and closing connections too, and
	 * for UDP both TCP_CLOSE (unconnected) and TCP_ESTABLISHED. */
	req.r.idiag_states = SD_ALL_STATES;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = {.iov_base = rx, .iov_len = SD_RX_MAX};
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &msg, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		/* Only the kernel (port 0) may answer. */
		if (msg.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue;
		if (n == 0)
			return -EBADMSG;
		rc = sd_parse(ctx, proto, seq, rx, (size_t)n);
		if (rc)
			return rc < 0 ? rc : 0;
	}
}

static int sd_run(const struct sd_ctx *c)
{
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	uint8_t *rx;
	int fd, rc;

	rx = malloc(SD_RX_MAX);
	if (!rx)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		rc = -errno;
		goto out;
	}
	rc = sd_dump_proto(fd, rx, 1, IPPROTO_TCP, c);
	if (!rc)
		rc = sd_dump_proto(fd, rx, 2, IPPROTO_UDP, c);
out:
	if (fd >= 0)
		close(fd);
	free(rx);
	return rc;
}

int sd_dump(const struct in6_addr *addrs, unsigned int n, sd_sock_fn fn, void *user)
{
	struct sd_ctx ctx = {.addrs = addrs, .n = n, .fn = fn, .user = user};

	if (!fn || (n && !addrs))
		return -EINVAL;
	if (!n)
		return 0;
	return sd_run(&ctx);
}

int sd_dump_all(sd_sock_fn fn, void *user)
{
	struct sd_ctx ctx = {.all = true, .fn = fn, .user = user};

	if (!fn)
		return -EINVAL;
	return sd_run(&ctx);
}

/* ------------------------------------------------------------------ */
/* Destroy notifications */

static struct {
	int fd;
	guint watch;
	sd_destroy_fn fn;
	void *user;
	uint8_t *rx;
} sd_mon = {.fd = -1};

/* The protocol: INET_DIAG_PROTOCOL if the kernel put it, else the group. */
static uint8_t sd_event_proto(const uint8_t *attrs, size_t len, uint32_t groups)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		size_t alen;

		memcpy(&a, attrs, sizeof(a));
		alen = a.nla_len;
		if (alen < NLA_HDRLEN || alen > len)
			break;
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_PROTOCOL && alen >= NLA_HDRLEN + 1)
			return attrs[NLA_HDRLEN];
		alen = NLA_ALIGN(alen);
		if (alen >= len)
			break;
		attrs += alen;
		len -= alen;
	}
	if (groups == 1u << (SKNLGRP_INET6_TCP_DESTROY - 1))
		return IPPROTO_TCP;
	if (groups == 1u << (SKNLGRP_INET6_UDP_DESTROY - 1))
		return IPPROTO_UDP;
	return 0;
}

int sd_parse_destroy(const uint8_t *buf, size_t len, uint32_t groups, sd_destroy_fn fn, void *user)
{
	int n = 0;

	while (len > 0) {
		struct nlmsghdr h;
		struct inet_diag_msg m;
		struct sd_event e;
		size_t mlen, off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));

		if (len < sizeof(h))
			return -EBADMSG;
		memcpy(&h, buf, sizeof(h));
		mlen = h.nlmsg_len;
		if (mlen < sizeof(h) || mlen > len)
			return -EBADMSG;
		if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY && mlen >= NLMSG_LENGTH(sizeof(m))) {
			memcpy(&m, buf + NLMSG_HDRLEN, sizeof(m));
			memset(&e, 0, sizeof(e));
			e.proto = sd_event_proto(buf + off, mlen > off ? mlen - off : 0, groups);
			if (m.idiag_family == AF_INET6 &&
			    (e.proto == IPPROTO_TCP || e.proto == IPPROTO_UDP)) {
				e.state = m.idiag_state;
				memcpy(&e.src, m.id.idiag_src, sizeof(e.src));
				memcpy(&e.dst, m.id.idiag_dst, sizeof(e.dst));
				e.sport = ntohs(m.id.idiag_sport);
				e.dport = ntohs(m.id.idiag_dport);
				e.cookie =
					(uint64_t)m.id.idiag_cookie[1] << 32 | m.id.idiag_cookie[0];
				fn(user, &e);
				n++;
			}
		}
		mlen = NLMSG_ALIGN(mlen);
		if (mlen >= len)
			break;
		buf += mlen;
		len -= mlen;
	}
	return n;
}

static gboolean sd_mon_ready(gint fd, GIOCondition cond, gpointer data)
{
	for (unsigned int i = 0; i < SD_MON_BATCH; i++) {
		struct sockaddr_nl from;
		struct iovec iov = {.iov_base = sd_mon.rx, .iov_len = SD_RX_MAX};
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Overrun: some ends were lost, the
				 * socket is usable again. */
				sd_mon.fn(sd_mon.user, NULL);
				continue;
			}
			break; /* EAGAIN, or nothing we can do now */
		}
		/* Only the kernel sends to these groups. */
		if (msg.msg_namelen < sizeof(from) || from.nl_pid != 0 || n == 0)
			continue;
		if (msg.msg_flags & MSG_TRUNC) {
			sd_mon.fn(sd_mon.user, NULL);
			continue;
		}
		sd_parse_destroy(sd_mon.rx, (size_t)n, from.nl_groups, sd_mon.fn, sd_mon.user);
		/* The callback may have stopped the monitor. */
		if (sd_mon.fd != fd)
			return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

int sd_monitor_start(sd_destroy_fn fn, void *user)
{
	static const int groups[] = {SKNLGRP_INET6_TCP_DESTROY, SKNLGRP_INET6_UDP_DESTROY};
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	int fd, sz = SD_MON_RCVBUF, rc;

	if (!fn)
		return -EINVAL;
	if (sd_mon.fd >= 0)
		return -EALREADY;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		goto fail;
	for (unsigned int i = 0; i < G_N_ELEMENTS(groups); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0)
			goto fail;
	/* Root may go beyond rmem_max; otherwise take what is allowed. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sd_mon.rx = malloc(SD_RX_MAX);
	if (!sd_mon.rx) {
		errno = ENOMEM;
		goto fail;
	}
	sd_mon.fd = fd;
	sd_mon.fn = fn;
	sd_mon.user = user;
	sd_mon.watch = g_unix_fd_add(fd, G_IO_IN, sd_mon_ready, NULL);
	return 0;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

void sd_monitor_stop(void)
{
	if (sd_mon.fd < 0)
		return;
	if (sd_mon.watch)
		g_source_remove(sd_mon.watch);
	close(sd_mon.fd);
	free(sd_mon.rx);
	sd_mon.watch = 0;
	sd_mon.fd = -1;
	sd_mon.rx = NULL;
	sd_mon.fn = NULL;
}
