// SPDX-License-Identifier: BSD-3-Clause
/*
 * Router discovery on a raw ICMPv6 socket (RFC 4861 §4.1, §4.2, §6.1.2;
 * RFC 6275 §7.1, §7.2 for the H and R flags).
 *
 * The parser works on bytes at fixed offsets rather than on the
 * <netinet/icmp6.h> structures: the buffer comes from the wire with no
 * alignment guarantee, and every offset is checked against the length
 * before it is read.
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "proto/err.h"
#include "sys/ndisc.h"

#define NDISC_RA_HDR_LEN 16 /* type, code, checksum, hop limit, flags, lifetime, 2 timers */
#define NDISC_RS_HDR_LEN 8
#define NDISC_OPT_UNIT 8 /* option lengths count units of 8 bytes */
#define NDISC_OPT_SLLA 1
#define NDISC_OPT_PI 3
#define NDISC_PI_UNITS 4 /* a Prefix Information option is always 32 bytes */
#define NDISC_PI_L 0x80
#define NDISC_PI_A 0x40
#define NDISC_PI_R 0x20
#define NDISC_RA_H 0x20
#define NDISC_HOP_LIMIT 255
#define NDISC_ETH_ALEN 6
/* Enough for any IPv6 packet without a jumbogram; a longer RA arrives
 * with MSG_TRUNC and is dropped. */
#define NDISC_RX_MAX 65536
/* Datagrams handled per wake-up, so that a flood cannot starve the loop. */
#define NDISC_RX_BUDGET 64

static struct {
	int fd;
	guint watch;
	ndisc_ra_fn cb;
	void *user;
} ndisc = {.fd = -1};

static uint8_t ndisc_rx_buf[NDISC_RX_MAX];

static uint16_t ndisc_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t ndisc_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void ndisc_mask(struct in6_addr *a, uint8_t plen)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = plen > 8 * i ? plen - 8 * i : 0;

		if (bits < 8)
			a->s6_addr[i] &= (uint8_t)(0xff00 >> bits);
	}
}

/* o points at a whole option of NDISC_PI_UNITS * 8 bytes (checked by the
 * caller). Layout: type, length, prefix length, flags, valid lifetime,
 * preferred lifetime, reserved, prefix (RFC 4861 §4.6.2). */
static int ndisc_parse_pio(const uint8_t *o, struct ndisc_prefix *p)
{
	uint8_t plen = o[2];

	if (plen > 128)
		return MN_ERR_INVAL;
	memset(p, 0, sizeof(*p));
	p->plen = plen;
	p->onlink = o[3] & NDISC_PI_L;
	p->autonomous = o[3] & NDISC_PI_A;
	p->router_addr = o[3] & NDISC_PI_R;
	p->valid = ndisc_be32(o + 4);
	p->preferred = ndisc_be32(o + 8);
	memcpy(&p->addr, o + 16, sizeof(p->addr));
	p->prefix = p->addr;
	ndisc_mask(&p->prefix, plen);
	return MN_OK;
}

static int ndisc_parse_ra_into(const uint8_t *buf, size_t len, struct ndisc_ra *ra)
{
	size_t off;

	if (!buf || len < 2)
		return MN_ERR_TRUNCATED;
	if (buf[0] != ND_ROUTER_ADVERT || buf[1] != 0)
		return MN_ERR_INVAL;
	if (len < NDISC_RA_HDR_LEN)
		return MN_ERR_TRUNCATED;

	ra->hop_limit = buf[4];
	ra->flags = buf[5];
	ra->home_agent = buf[5] & NDISC_RA_H;
	ra->router_lifetime = ndisc_be16(buf + 6);

	for (off = NDISC_RA_HDR_LEN; off < len;) {
		const uint8_t *o = buf + off;
		size_t olen;

		if (len - off < 2)
			return MN_ERR_TRUNCATED;
		olen = (size_t)o[1] * NDISC_OPT_UNIT;
		/* RFC 4861 §4.6: a zero length would loop forever; the
		 * whole packet is to be discarded. */
		if (olen == 0 || olen > len - off)
			return MN_ERR_OPT_LENGTH;
		if (o[0] == NDISC_OPT_PI) {
			struct ndisc_prefix p;
			int rc;

			if (o[1] != NDISC_PI_UNITS)
				return MN_ERR_OPT_LENGTH;
			/* Later options are still checked: a malformed RA
			 * is refused whole, whatever position the fault. */
			rc = ndisc_parse_pio(o, &p);
			if (rc)
				return rc;
			if (ra->n_prefixes < NDISC_MAX_PREFIXES)
				ra->prefixes[ra->n_prefixes++] = p;
		}
		off += olen;
	}
	return MN_OK;
}

int ndisc_parse_ra(const uint8_t *buf, size_t len, struct ndisc_ra *ra)
{
	int rc;

	if (!ra)
		return MN_ERR_INVAL;
	memset(ra, 0, sizeof(*ra));
	rc = ndisc_parse_ra_into(buf, len, ra);
	/* A refused RA leaves nothing half-filled behind. */
	if (rc != MN_OK)
		memset(ra, 0, sizeof(*ra));
	return rc;
}

/* One received datagram: RFC 4861 §6.1.2 validity checks that the parser
 * cannot do (they depend on the IPv6 header), then parse and report. */
static void ndisc_rx_one(const struct msghdr *msg, size_t n)
{
	const struct sockaddr_in6 *from = msg->msg_name;
	const struct in6_pktinfo *pi = NULL;
	struct cmsghdr *c;
	struct ndisc_ra ra;
	int hlim = -1;

	if (msg->msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return;
	if (msg->msg_namelen < sizeof(*from) || from->sin6_family != AF_INET6)
		return;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(*pi)))
			pi = (const struct in6_pktinfo *)CMSG_DATA(c);
		else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&hlim, CMSG_DATA(c), sizeof(hlim));
	}
	/* Hop limit 255 proves the RA was not forwarded; a router speaks
	 * from its link-local address. */
	if (!pi || hlim != NDISC_HOP_LIMIT || !IN6_IS_ADDR_LINKLOCAL(&from->sin6_addr))
		return;
	if (ndisc_parse_ra(ndisc_rx_buf, n, &ra) != MN_OK)
		return;
	ra.ifindex = (int)pi->ipi6_ifindex;
	ra.src = from->sin6_addr;
	if (ndisc.cb)
		ndisc.cb(ndisc.user, &ra);
}

static gboolean ndisc_readable(gint fd, GIOCondition cond, gpointer data)
{
	for (int i = 0; i < NDISC_RX_BUDGET; i++) {
		union {
			struct cmsghdr align;
			uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(int))];
		} ctl;
		struct sockaddr_in6 from;
		struct iovec iov = {.iov_base = ndisc_rx_buf, .iov_len = sizeof(ndisc_rx_buf)};
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				g_warning("ndisc: recvmsg: %s", g_strerror(errno));
			break;
		}
		ndisc_rx_one(&msg, (size_t)n);
	}
	return G_SOURCE_CONTINUE;
}

static int ndisc_setsockopt_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) ? -errno : 0;
}

int ndisc_init(ndisc_ra_fn cb, void *user)
{
	struct icmp6_filter filt;
	int fd, rc;

	if (ndisc.fd >= 0)
		return -EALREADY;
	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	/* Filtering in the kernel keeps every other ICMPv6 message (echo,
	 * neighbour discovery, MLD) from waking the daemon. */
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filt);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt))) {
		rc = -errno;
		goto fail;
	}
	rc = ndisc_setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	if (!rc)
		rc = ndisc_setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	if (!rc)
		rc = ndisc_setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, NDISC_HOP_LIMIT);
	if (!rc)
		rc = ndisc_setsockopt_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, NDISC_HOP_LIMIT);
	/* Our own solicitations need not come back to us. */
	if (!rc)
		rc = ndisc_setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
	if (rc)
		goto fail;
	ndisc.fd = fd;
	ndisc.cb = cb;
	ndisc.user = user;
	ndisc.watch = g_unix_fd_add(fd, G_IO_IN, ndisc_readable, NULL);
	return 0;
fail:
	close(fd);
	return rc;
}

void ndisc_fini(void)
{
	if (ndisc.fd < 0)
		return;
	if (ndisc.watch)
		g_source_remove(ndisc.watch);
	close(ndisc.fd);
	ndisc.fd = -1;
	ndisc.watch = 0;
	ndisc.cb = NULL;
	ndisc.user = NULL;
}

/* The link's Ethernet address, for the Source Link-Layer Address option;
 * false when the link has none (tunnels, TUN) or it cannot be read. */
static bool ndisc_lladdr(int ifindex, uint8_t mac[NDISC_ETH_ALEN])
{
	static const uint8_t zero[NDISC_ETH_ALEN];
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname((unsigned int)ifindex, ifr.ifr_name))
		return false;
	if (ioctl(ndisc.fd, SIOCGIFHWADDR, &ifr) < 0)
		return false;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return false;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, NDISC_ETH_ALEN);
	return memcmp(mac, zero, NDISC_ETH_ALEN) != 0;
}

int ndisc_send_rs(int ifindex)
{
	uint8_t pkt[NDISC_RS_HDR_LEN + NDISC_OPT_UNIT] = {ND_ROUTER_SOLICIT};
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct sockaddr_in6 dst = {
		.sin6_family = AF_INET6,
		.sin6_scope_id = (uint32_t)ifindex,
	};
	struct iovec iov = {.iov_base = pkt, .iov_len = NDISC_RS_HDR_LEN};
	struct msghdr msg = {
		.msg_name = &dst,
		.msg_namelen = sizeof(dst),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned int)ifindex};
	struct cmsghdr *c;

	if (ndisc.fd < 0)
		return -EBADF;
	if (ifindex <= 0)
		return -EINVAL;
	/* ff02::2, all routers */
	dst.sin6_addr.s6_addr[0] = 0xff;
	dst.sin6_addr.s6_addr[1] = 0x02;
	dst.sin6_addr.s6_addr[15] = 0x02;
	/* The checksum (bytes 2-3) is left 0: the kernel computes it on
	 * ICMPv6 raw sockets. The SLLA option lets the router answer
	 * without neighbour discovery of its own (RFC 4861 §4.1). */
	if (ndisc_lladdr(ifindex, pkt + NDISC_RS_HDR_LEN + 2)) {
		pkt[NDISC_RS_HDR_LEN] = NDISC_OPT_SLLA;
		pkt[NDISC_RS_HDR_LEN + 1] = 1;
		iov.iov_len = sizeof(pkt);
	}
	/* The outgoing link travels with the packet, so one socket serves
	 * every interface. */
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(ndisc.fd, &msg, 0) < 0)
		return -errno;
	return 0;
}
