// SPDX-License-Identifier: BSD-3-Clause
/*
 * The `tun` backend (DESIGN §4; notes: protocol.md §2 "Reverse
 * tunnelling", testbed.md §3 and §5): a userspace IPv6-in-IPv6 relay
 * that works on any kernel.
 *
 * One TUN device, mnt0, carries every binding. Uplink: "from HoA" ->
 * table TNL_TABLE_BASE + slot -> "default dev mnt0"; what we read from
 * the TUN goes out of sig.c's protocol-41 socket, outer CoA -> DAR.
 * Downlink: sig.c hands us the inner packets of protocol-41 packets
 * that are not signalling; one that came DAR -> CoA for that binding's
 * HoA is written to the TUN, and the kernel delivers it locally (the HoA
 * stays on the managed interface; IPv6 is a weak host).
 *
 * Path MTU (RFC 2473): the TUN MTU leaves room for the outer header, so
 * the kernel itself refuses larger inner packets: locally (EMSGSIZE, TCP
 * follows the route MTU) and with a Packet Too Big to the sender when it
 * forwards. The relay therefore never sees a packet it cannot send whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include <glib-unix.h>
#include <glib.h>

#include "sys/knl.h"
#include "sys/sig.h"
#include "sys/tunnel.h"

#define TUN_DEV TNL_NAME_PREFIX "0"
#define TUN_PATH "/dev/net/tun"
#define TUN_MAX_BINDINGS 32
#define TUN_MAX_SLOT 100
#define TUN_IP6_HLEN 40
#define TUN_PKT_MAX 65536
#define TUN_RX_BUDGET 64
#define TUN_ADDR_GEN_MODE_NONE 1 /* IN6_ADDR_GEN_MODE_NONE */

struct tun_binding {
	struct tnl_entry e; /* first: tunnel.c walks the table by it */
	uint32_t link_mtu;
};

struct tun_stats {
	uint64_t up_pkts, up_drop_unbound, up_drop_bad, up_drop_send;
	uint64_t down_pkts, down_drop_write;
};

static struct {
	int fd;
	guint src;
	int ifindex;
	uint32_t mtu;
	struct tun_binding b[TUN_MAX_BINDINGS];
	struct tun_stats st;
	uint8_t pkt[TUN_PKT_MAX] __attribute__((aligned(8))); /* read as struct ip6_hdr */
} T = {.fd = -1};

static bool tun_addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct tun_binding *tun_find(const struct in6_addr *hoa)
{
	return (struct tun_binding *)tnl_entry_find(T.b, TUN_MAX_BINDINGS, sizeof(T.b[0]), hoa);
}

/* SIOCSIFMTU / SIOCSIFFLAGS: the two link settings rtnl.h does not
 * offer; any socket will do for these ioctls. */
static int tun_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

static int tun_set_mtu(uint32_t mtu)
{
	struct ifreq ifr;
	int rc;

	if (mtu == T.mtu)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, TUN_DEV, sizeof(ifr.ifr_name));
	ifr.ifr_mtu = (int)mtu;
	rc = tun_ioctl(SIOCSIFMTU, &ifr);
	if (rc == 0)
		T.mtu = mtu;
	return rc;
}

/* One device for all bindings: its MTU is the smallest any binding needs
 * (each binding's route carries its own, possibly larger, MTU). With no
 * binding left it stays as it was. */
static int tun_update_mtu(void)
{
	uint32_t mtu = 0;

	for (size_t i = 0; i < TUN_MAX_BINDINGS; i++) {
		uint32_t m;

		if (!T.b[i].e.used)
			continue;
		m = tnl_inner_mtu(T.b[i].link_mtu);
		if (!mtu || m < mtu)
			mtu = m;
	}
	return mtu ? tun_set_mtu(mtu) : 0;
}

static int tun_link_up(void)
{
	struct ifreq ifr;
	int rc;

	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, TUN_DEV, sizeof(ifr.ifr_name));
	rc = tun_ioctl(SIOCGIFFLAGS, &ifr);
	if (rc < 0)
		return rc;
	ifr.ifr_flags |= IFF_UP;
	return tun_ioctl(SIOCSIFFLAGS, &ifr);
}

/* Uplink: what the kernel routed into mnt0. Only packets from a bound
 * HoA may leave through a tunnel (the DAR would drop the rest anyway);
 * anything else (e.g. MLD the kernel sends on any link) is dropped. */
static void tun_uplink(size_t n)
{
	const struct ip6_hdr *ip = (const struct ip6_hdr *)T.pkt;
	struct in6_addr src;
	struct tun_binding *b;
	size_t plen;

	if (n < TUN_IP6_HLEN || (T.pkt[0] >> 4) != 6) {
		T.st.up_drop_bad++;
		return;
	}
	plen = ntohs(ip->ip6_plen);
	if (TUN_IP6_HLEN + plen > n) {
		T.st.up_drop_bad++;
		return;
	}
	memcpy(&src, &ip->ip6_src, sizeof(src));
	b = tun_find(&src);
	if (!b) {
		T.st.up_drop_unbound++;
		return;
	}
	if (sig_send_encap(&b->e.coa, &b->e.dar, T.pkt, TUN_IP6_HLEN + plen) < 0) {
		/* EAGAIN under load, or no route while moving: a lost packet
		 * the transport recovers from. */
		T.st.up_drop_send++;
		return;
	}
	T.st.up_pkts++;
}

static gboolean tun_on_readable(gint fd, GIOCondition cond, gpointer user)
{
	for (int i = 0; i < TUN_RX_BUDGET; i++) {
		ssize_t n = read(fd, T.pkt, sizeof(T.pkt));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		tun_uplink((size_t)n);
	}
	return G_SOURCE_CONTINUE;
}

/* Downlink, from sig.c: pkt is a bounds-checked inner IPv6 packet of
 * exactly len bytes. Profile (j)4: it must have come from the binding's
 * DAR, to the CoA in use, for its HoA. */
static bool tun_downlink(void *user, const struct in6_addr *osrc, const struct in6_addr *odst,
			 const uint8_t *pkt, size_t len)
{
	const struct ip6_hdr *ip = (const struct ip6_hdr *)pkt;
	struct in6_addr dst;
	struct tun_binding *b;
	ssize_t n;

	if (T.fd < 0 || len < TUN_IP6_HLEN)
		return false;
	memcpy(&dst, &ip->ip6_dst, sizeof(dst));
	b = tun_find(&dst);
	if (!b || !tun_addr_eq(&b->e.dar, osrc) || !tun_addr_eq(&b->e.coa, odst))
		return false;
	do {
		n = write(T.fd, pkt, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		T.st.down_drop_write++;
	else
		T.st.down_pkts++;
	return true;
}

static int tun_probe(char *why, size_t len)
{
	int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
	int rc;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	rc = -errno;
	if (why && len)
		snprintf(why, len, "cannot open %s: %s", TUN_PATH, strerror(-rc));
	return rc;
}

static void tun_close(void)
{
	if (T.src)
		g_source_remove(T.src);
	T.src = 0;
	if (T.fd >= 0)
		close(T.fd); /* not persistent: the device goes with the fd */
	T.fd = -1;
	T.ifindex = 0;
	T.mtu = 0;
}

static int tun_init(void)
{
	struct ifreq ifr;
	int rc;

	if (T.fd >= 0)
		return -EALREADY;
	memset(&T.b, 0, sizeof(T.b));
	memset(&T.st, 0, sizeof(T.st));
	T.fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (T.fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, TUN_DEV, sizeof(ifr.ifr_name));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	/* EBUSY: another process holds an mnt0 (a second mnd?). */
	if (ioctl(T.fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		goto fail;
	}
	T.ifindex = (int)if_nametoindex(TUN_DEV);
	if (T.ifindex <= 0) {
		rc = -ENODEV;
		goto fail;
	}
	/* Before the link comes up: without a link-local address and with
	 * accept_ra off the kernel sends no Router Solicitation (and takes
	 * no RA) on the tunnel. */
	rc = knl_sysctl_set(TUN_DEV, "accept_ra", 0);
	if (rc == 0)
		rc = knl_sysctl_set(TUN_DEV, "addr_gen_mode", TUN_ADDR_GEN_MODE_NONE);
	if (rc < 0)
		goto fail;
	rc = tun_set_mtu(tnl_inner_mtu(TNL_DEFAULT_LINK_MTU));
	if (rc == 0)
		rc = tun_link_up();
	if (rc < 0)
		goto fail;
	T.src = g_unix_fd_add(T.fd, G_IO_IN, tun_on_readable, NULL);
	sig_set_data_handler(tun_downlink, NULL);
	return 0;
fail:
	tun_close();
	return rc;
}

/* Remove one binding's rule and table; errors other than "already gone"
 * are reported, but the binding is forgotten either way. */
static int tun_unroute(const struct tun_binding *b)
{
	uint32_t table = TNL_TABLE_BASE + b->e.slot;
	int rc, rc2;

	rc = knl_rule_del_from(&b->e.hoa, table, TNL_RULE_PRIO_BASE + b->e.slot);
	if (rc == -ENOENT || rc == -ESRCH)
		rc = 0;
	rc2 = knl_route_del_table(table);
	if (rc2 == -ENOENT || rc2 == -ESRCH)
		rc2 = 0;
	return rc < 0 ? rc : rc2 < 0 ? rc2 : 0;
}

static int tun_unbind(struct tnl_binding *tb)
{
	struct tun_binding *b;
	int rc;

	if (!tb)
		return -EINVAL;
	b = tun_find(&tb->hoa);
	if (!b)
		return -ENOENT;
	rc = tun_unroute(b);
	memset(b, 0, sizeof(*b));
	(void)tun_update_mtu();
	return rc;
}

static int tun_bind(struct tnl_binding *tb)
{
	struct tun_binding *b = NULL;
	uint32_t table;
	int rc;

	if (!tb)
		return -EINVAL;
	if (T.fd < 0)
		return -ENODEV;
	/* Priorities 1100-1199 and tables 4200-4299 are mnd's (what
	 * knl_flush_own and a person reading `ip rule` expect). */
	if (tb->slot >= TUN_MAX_SLOT)
		return -ERANGE;
	b = (struct tun_binding *)tnl_entry_claim(T.b, TUN_MAX_BINDINGS, sizeof(T.b[0]), tb, &rc);
	if (!b)
		return rc;

	b->link_mtu = tb->mtu;
	table = TNL_TABLE_BASE + tb->slot;

	/* The device first, so that the route's MTU is never above it; then
	 * the table, then the rule that sends the HoA's traffic there. */
	rc = tun_update_mtu();
	if (rc == 0)
		rc = knl_route_add_default_dev(table, T.ifindex, tnl_inner_mtu(tb->mtu));
	if (rc == 0)
		rc = knl_rule_add_from(&tb->hoa, table, TNL_RULE_PRIO_BASE + tb->slot);
	if (rc < 0) {
		(void)tun_unroute(b);
		memset(b, 0, sizeof(*b));
		(void)tun_update_mtu();
		return rc;
	}
	g_strlcpy(tb->dev, TUN_DEV, sizeof(tb->dev));
	return 0;
}

static int tun_rebind(struct tnl_binding *tb, const struct in6_addr *coa)
{
	struct tun_binding *b;
	uint32_t table;
	int rc = 0;

	if (!tb || !coa)
		return -EINVAL;
	b = tun_find(&tb->hoa);
	if (!b)
		return -ENOENT;
	/* The relay reads the CoA per packet: changing it is the whole move. */
	b->e.coa = *coa;
	tb->coa = *coa;
	g_strlcpy(tb->dev, TUN_DEV, sizeof(tb->dev));
	/* The new link may have another MTU: follow it. */
	if (tb->mtu != b->link_mtu) {
		table = TNL_TABLE_BASE + b->e.slot;
		b->link_mtu = tb->mtu;
		rc = tun_update_mtu();
		if (rc == 0)
			rc = knl_route_add_default_dev(table, T.ifindex, tnl_inner_mtu(tb->mtu));
		/* An adapter that does not replace: delete, then add (a moment
		 * without the route, while the binding moves anyway). */
		if (rc == -EEXIST) {
			(void)knl_route_del_table(table);
			rc = knl_route_add_default_dev(table, T.ifindex, tnl_inner_mtu(tb->mtu));
		}
	}
	return rc;
}

static void tun_fini(void)
{
	for (size_t i = 0; i < TUN_MAX_BINDINGS; i++) {
		if (!T.b[i].e.used)
			continue;
		(void)tun_unroute(&T.b[i]);
		memset(&T.b[i], 0, sizeof(T.b[i]));
	}
	if (T.fd >= 0) {
		sig_set_data_handler(NULL, NULL);
		/* The API has no place for the relay's counters: leave them
		 * where G_MESSAGES_DEBUG=all shows them. */
		g_debug("tun relay: up %" G_GUINT64_FORMAT " (dropped: unbound %" G_GUINT64_FORMAT
			", malformed %" G_GUINT64_FORMAT ", send %" G_GUINT64_FORMAT
			"), down %" G_GUINT64_FORMAT " (write errors %" G_GUINT64_FORMAT ")",
			T.st.up_pkts, T.st.up_drop_unbound, T.st.up_drop_bad, T.st.up_drop_send,
			T.st.down_pkts, T.st.down_drop_write);
	}
	tun_close();
}

const struct tnl_backend tnl_tun = {
	.name = "tun",
	.probe = tun_probe,
	.init = tun_init,
	.fini = tun_fini,
	.bind = tun_bind,
	.rebind = tun_rebind,
	.unbind = tun_unbind,
};
