// SPDX-License-Identifier: BSD-3-Clause
/*
 * Signalling I/O (notes: protocol.md "Project profile" (a), §1.1;
 * testbed.md §2). Two raw sockets on the default GLib main context:
 *
 *  - protocol 41: the kernel strips the outer header and hands us the
 *    inner packet, with the outer source in msg_name and the outer
 *    destination in IPV6_PKTINFO. It sees every IPv6-in-IPv6 packet
 *    delivered to this host (and, while open, stops the kernel's
 *    Parameter Problem for them), so both the signalling and the `tun`
 *    backend's downlink come through here. Sending: the kernel adds the
 *    outer header, source from IPV6_PKTINFO (the CoA), destination from
 *    sendto (the DAR).
 *  - protocol 135: MHs that arrive natively (at home) or that a kernel
 *    backend already decapsulated. IPV6_CHECKSUM at offset 4 makes the
 *    kernel drop received MHs with a bad checksum and fill in the
 *    checksum of sent ones over the real (src, dst), which is what msg.c
 *    computed as well.
 *
 * Everything received is bounds-checked here before anyone looks at it;
 * bad input is dropped and counted, never logged per packet.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "proto/mh.h"
#include "sys/sig.h"

#define SIG_IP6_HLEN 40
#define SIG_HOP_LIMIT 64
/* The largest IPv6 payload without a jumbogram; one more byte so that a
 * longer datagram shows up as MSG_TRUNC rather than as a short read. */
#define SIG_RX_MAX 65536
/* Packets handled per wake-up before yielding to other sources, so a
 * flood on one socket cannot starve timers and the other socket. */
#define SIG_RX_BUDGET 64
/* The relay carries bulk TCP: the default 208 KiB buffers drop bursts. */
#define SIG_SOCK_BUF (4 << 20)
/* Smallest Mobility Header: Header Len 0 means 8 bytes. */
#define SIG_MH_MIN 8

struct sig_state {
	int fd41, fd135;
	guint src41, src135;
	/* Bumped by sig_fini(): a receive loop whose callback stopped us
	 * notices and returns instead of reading a closed fd. */
	unsigned int gen;
	sig_mh_fn mh_fn;
	void *mh_user;
	sig_data_fn data_fn;
	void *data_user;
	struct sig_stats st;
	/* One receive buffer: single thread, and callbacks get pointers into
	 * it that are valid until they return. Aligned so that the inner
	 * header can be read as a struct ip6_hdr. */
	uint8_t buf[SIG_RX_MAX] __attribute__((aligned(8)));
};

static struct sig_state S = {.fd41 = -1, .fd135 = -1};

static void sig_close(int *fd, guint *src)
{
	if (*src)
		g_source_remove(*src);
	*src = 0;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Bigger socket buffers; root may go past net.core.[rw]mem_max (FORCE),
 * anyone else gets what the limit allows. Failure is not fatal. */
static void sig_grow_buffers(int fd)
{
	int sz = SIG_SOCK_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

int sig_mh_only(int fd, bool on)
{
	/* A raw protocol-41 socket's datagram starts at the inner header:
	 * keep it only if the inner Next Header is the Mobility Header. */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_MH, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = G_N_ELEMENTS(code), .filter = code};
	int dummy = 0;

	if (on)
		return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0
			       ? -errno
			       : 0;
	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) < 0 &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

static int sig_open(int proto)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int one = 1, off = MH_CSUM_OFF;
	int err;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
		goto fail;
	/* Already the kernel's default for protocol 135 (rawv6_init_sk), set
	 * anyway so that we do not depend on it. */
	if (proto == IPPROTO_MH &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0)
		goto fail;
	sig_grow_buffers(fd);
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* sig_recv() results */
enum { SIG_RX_STOP = -1, SIG_RX_DROPPED = 0, SIG_RX_OK = 1 };

/* One datagram into S.buf[0..*len). SIG_RX_STOP when the socket is empty
 * (or the read failed: the caller stops for this wake-up), SIG_RX_DROPPED
 * when the datagram was unusable and has been counted. A zero-length
 * datagram is a datagram, not an empty socket. */
static int sig_recv(int fd, size_t *len, struct in6_addr *from, struct in6_pktinfo *pi)
{
	struct sockaddr_in6 sa;
	struct iovec iov = {.iov_base = S.buf, .iov_len = sizeof(S.buf)};
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.b,
		.msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *cm;
	bool have_pi = false;
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return SIG_RX_STOP;
	if ((mh.msg_flags & MSG_TRUNC) || mh.msg_namelen < sizeof(sa) ||
	    sa.sin6_family != AF_INET6) {
		S.st.drop_short++;
		return SIG_RX_DROPPED;
	}
	*from = sa.sin6_addr;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*pi))) {
			memcpy(pi, CMSG_DATA(cm), sizeof(*pi));
			have_pi = true;
		}
	}
	/* Asked for with IPV6_RECVPKTINFO: without it we cannot tell which
	 * of our addresses the packet was for, so it cannot be checked. */
	if (!have_pi) {
		S.st.drop_not_ours++;
		return SIG_RX_DROPPED;
	}
	*len = (size_t)n;
	return SIG_RX_OK;
}

/* An IPv6-in-IPv6 packet: S.buf[0..n) is the inner packet. */
static void sig_rx41(size_t n, const struct in6_addr *osrc, const struct in6_pktinfo *pi)
{
	const struct ip6_hdr *ip = (const struct ip6_hdr *)S.buf;
	struct sig_rx rx;
	size_t plen;

	if (n < SIG_IP6_HLEN || (S.buf[0] >> 4) != 6) {
		S.st.drop_short++;
		return;
	}
	/* Payload length 0 would be a jumbogram (or nothing at all): neither
	 * is signalling or data we can relay. Bytes past the payload are
	 * link padding and are ignored. */
	plen = ntohs(ip->ip6_plen);
	if (plen == 0 || SIG_IP6_HLEN + plen > n) {
		S.st.drop_short++;
		return;
	}
	n = SIG_IP6_HLEN + plen;

	if (ip->ip6_nxt != IPPROTO_MH) {
		if (S.data_fn && S.data_fn(S.data_user, osrc, &pi->ipi6_addr, S.buf, n))
			S.st.rx_data++;
		else
			S.st.drop_not_ours++;
		return;
	}

	/* Profile (a): no extension headers, the MH follows the inner
	 * header, and its checksum is over the inner addresses. */
	memset(&rx, 0, sizeof(rx));
	memcpy(&rx.src, &ip->ip6_src, sizeof(rx.src));
	memcpy(&rx.dst, &ip->ip6_dst, sizeof(rx.dst));
	rx.tunnelled = true;
	rx.osrc = *osrc;
	rx.odst = pi->ipi6_addr;
	rx.ifindex = (int)pi->ipi6_ifindex;
	rx.mh = S.buf + SIG_IP6_HLEN;
	rx.len = plen;
	if (rx.len < SIG_MH_MIN) {
		S.st.drop_short++;
		return;
	}
	if (!mh_checksum_ok(&rx.src, &rx.dst, rx.mh, rx.len)) {
		S.st.drop_checksum++;
		return;
	}
	if (!S.mh_fn) {
		S.st.drop_not_ours++;
		return;
	}
	S.st.rx_mh++;
	S.mh_fn(S.mh_user, &rx);
}

/* A native MH: S.buf[0..n) is the MH, the kernel checked its checksum. */
static void sig_rx135(size_t n, const struct in6_addr *src, const struct in6_pktinfo *pi)
{
	struct sig_rx rx;

	if (n < SIG_MH_MIN) {
		S.st.drop_short++;
		return;
	}
	if (!S.mh_fn) {
		S.st.drop_not_ours++;
		return;
	}
	memset(&rx, 0, sizeof(rx));
	rx.src = *src;
	rx.dst = pi->ipi6_addr;
	rx.tunnelled = false;
	rx.ifindex = (int)pi->ipi6_ifindex;
	rx.mh = S.buf;
	rx.len = n;
	S.st.rx_mh++;
	S.mh_fn(S.mh_user, &rx);
}

static gboolean sig_on_readable(gint fd, GIOCondition cond, gpointer user)
{
	bool is41 = GPOINTER_TO_INT(user) == 41;
	unsigned int gen = S.gen;

	for (int i = 0; i < SIG_RX_BUDGET; i++) {
		struct in6_pktinfo pi;
		struct in6_addr from;
		size_t n = 0;
		int r = sig_recv(fd, &n, &from, &pi);

		if (r == SIG_RX_STOP)
			break;
		if (r == SIG_RX_DROPPED)
			continue;
		if (is41)
			sig_rx41(n, &from, &pi);
		else
			sig_rx135(n, &from, &pi);
		/* The callback may have stopped the module (sig_fini) or
		 * restarted it: this fd is then closed or someone else's. */
		if (gen != S.gen)
			return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

int sig_init(sig_mh_fn fn, void *user)
{
	int fd;

	if (S.fd41 >= 0 || S.fd135 >= 0)
		return -EALREADY;
	memset(&S.st, 0, sizeof(S.st));
	fd = sig_open(41);
	if (fd < 0)
		return fd;
	S.fd41 = fd;
	fd = sig_open(IPPROTO_MH);
	if (fd < 0) {
		sig_close(&S.fd41, &S.src41);
		return fd;
	}
	S.fd135 = fd;
	S.mh_fn = fn;
	S.mh_user = user;
	/* Nobody relays data yet: the kernel keeps the rest to itself. */
	if (!S.data_fn)
		(void)sig_mh_only(S.fd41, true);
	S.src41 = g_unix_fd_add(S.fd41, G_IO_IN, sig_on_readable, GINT_TO_POINTER(41));
	S.src135 = g_unix_fd_add(S.fd135, G_IO_IN, sig_on_readable, GINT_TO_POINTER(IPPROTO_MH));
	return 0;
}

void sig_fini(void)
{
	S.gen++;
	sig_close(&S.fd41, &S.src41);
	sig_close(&S.fd135, &S.src135);
	S.mh_fn = NULL;
	S.mh_user = NULL;
	/* The data handler stays: it belongs to the backend, which clears it
	 * in its own fini, and a restart of the sockets must not cut the
	 * downlink. */
}

void sig_set_data_handler(sig_data_fn fn, void *user)
{
	S.data_fn = fn;
	S.data_user = user;
	/* Without a relay (kernel backends) this socket would still get a
	 * copy of every tunnelled data packet the kernel decapsulates
	 * itself, and wake us for each: filter them out in the kernel. */
	if (S.fd41 >= 0)
		(void)sig_mh_only(S.fd41, fn == NULL);
}

const struct sig_stats *sig_stats(void)
{
	return &S.st;
}

/* sendmsg(data) to dst with source src (IPV6_PKTINFO); ifindex 0 lets
 * the routing table choose the interface. */
static int sig_sendmsg(int fd, int ifindex, const struct in6_addr *src, const struct in6_addr *dst,
		       const void *data, size_t len)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.b,
		.msg_controllen = sizeof(cbuf.b),
	};
	struct in6_pktinfo pi;
	struct cmsghdr *cm;
	ssize_t n;

	if (fd < 0)
		return -ENOTCONN;
	sa.sin6_addr = *dst;
	memset(&cbuf, 0, sizeof(cbuf));
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = *src;
	pi.ipi6_ifindex = (unsigned int)(ifindex > 0 ? ifindex : 0);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	do {
		n = sendmsg(fd, &mh, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int sig_send_tunnelled(const struct in6_addr *osrc, const struct in6_addr *odst,
		       const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		       size_t len)
{
	uint8_t pkt[SIG_IP6_HLEN + MH_MAX_LEN];
	struct ip6_hdr ip;
	int rc;

	if (!osrc || !odst || !src || !dst || !mh || len < SIG_MH_MIN)
		return -EINVAL;
	if (len > MH_MAX_LEN)
		return -EMSGSIZE;
	memset(&ip, 0, sizeof(ip));
	ip.ip6_flow = htonl(6u << 28);
	ip.ip6_plen = htons((uint16_t)len);
	ip.ip6_nxt = IPPROTO_MH;
	ip.ip6_hlim = SIG_HOP_LIMIT;
	memcpy(&ip.ip6_src, src, sizeof(ip.ip6_src));
	memcpy(&ip.ip6_dst, dst, sizeof(ip.ip6_dst));
	memcpy(pkt, &ip, sizeof(ip));
	memcpy(pkt + SIG_IP6_HLEN, mh, len);
	rc = sig_sendmsg(S.fd41, 0, osrc, odst, pkt, SIG_IP6_HLEN + len);
	if (rc == 0)
		S.st.tx_mh++;
	return rc;
}

int sig_send_native(int ifindex, const struct in6_addr *src, const struct in6_addr *dst,
		    const uint8_t *mh, size_t len)
{
	int rc;

	if (!src || !dst || !mh || len < SIG_MH_MIN)
		return -EINVAL;
	if (len > MH_MAX_LEN)
		return -EMSGSIZE;
	/* The kernel rewrites the checksum for (src, dst), the same pair
	 * msg.c used: the bytes on the wire are the ones the caller built. */
	rc = sig_sendmsg(S.fd135, ifindex, src, dst, mh, len);
	if (rc == 0)
		S.st.tx_mh++;
	return rc;
}

int sig_send_encap(const struct in6_addr *osrc, const struct in6_addr *odst, const uint8_t *pkt,
		   size_t len)
{
	int rc;

	if (!osrc || !odst || !pkt || len < SIG_IP6_HLEN || (pkt[0] >> 4) != 6)
		return -EINVAL;
	/* It becomes the outer payload: no jumbograms. */
	if (len > 65535)
		return -EMSGSIZE;
	rc = sig_sendmsg(S.fd41, 0, osrc, odst, pkt, len);
	if (rc == 0)
		S.st.tx_data++;
	return rc;
}
