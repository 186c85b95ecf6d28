// SPDX-License-Identifier: BSD-3-Clause
/*
 * NETLINK_SOCK_DIAG dumps (SOCK_DIAG_BY_FAMILY, inet_diag_req_v2), the
 * request that libnl-idiag cannot send (notes: ecosystem.md §7).
 *
 * A plain netlink socket per call: sd_dump is rare (a move, a binding
 * that may be released) and synchronous, so there is no state to keep
 * between calls. Every message of the answer is checked against the
 * bytes actually received before any field is read.
 */
#include <errno.h>
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

struct sd_ctx {
	const struct in6_addr *addrs;
	unsigned int n;
	sd_sock_fn fn;
	void *user;
};

static bool sd_wanted(const struct sd_ctx *ctx, const struct in6_addr *src)
{
	for (unsigned int i = 0; i < ctx->n; i++)
		if (!memcmp(&ctx->addrs[i], src, sizeof(*src)))
			return true;
	return false;
}

static void sd_report(const struct sd_ctx *ctx, uint8_t proto, const struct inet_diag_msg *m)
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

		if (mlen < NLMSG_LENGTH(sizeof(m)))
			return -EBADMSG;
		memcpy(&m, buf + NLMSG_HDRLEN, sizeof(m));
		sd_report(ctx, proto, &m);
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

int sd_dump(const struct in6_addr *addrs, unsigned int n, sd_sock_fn fn, void *user)
{
	struct sd_ctx ctx = {.addrs = addrs, .n = n, .fn = fn, .user = user};
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	uint8_t *rx;
	int fd, rc;

	if (!fn || (n && !addrs))
		return -EINVAL;
	if (!n)
		return 0;
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
	rc = sd_dump_proto(fd, rx, 1, IPPROTO_TCP, &ctx);
	if (!rc)
		rc = sd_dump_proto(fd, rx, 2, IPPROTO_UDP, &ctx);
out:
	if (fd >= 0)
		close(fd);
	free(rx);
	return rc;
}
