// SPDX-License-Identifier: BSD-3-Clause
/*
 * Raw rtnetlink / generic netlink for mn-dar. libnl 3.7 has no seg6
 * encapsulation API and no generic-netlink development files are
 * installed, so the few messages needed are built here by hand.
 */
#include <net/if.h>
#include <netinet/in.h> /* before the linux/ headers (libc-compat) */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/lwtunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_genl.h>
#include <linux/seg6_iptunnel.h>

#include "dar_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef IPV6_SRCRT_TYPE_4
#define IPV6_SRCRT_TYPE_4 4
#endif

#define NL_BUF 8192

struct nlbuf {
	union {
		struct nlmsghdr h;
		char b[NL_BUF];
	} u;
};

int dar_nl_open(struct dar_nl *nl, int protocol)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(nl->fd);
		nl->fd = -1;
		return e;
	}
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->seq = (unsigned int)getpid() << 8;
	return 0;
}

void dar_nl_close(struct dar_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static void msg_init(struct nlbuf *m, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(m, 0, sizeof(*m));
	m->u.h.nlmsg_type = type;
	m->u.h.nlmsg_flags = flags;
	m->u.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
}

static void *msg_payload(struct nlbuf *m)
{
	return NLMSG_DATA(&m->u.h);
}

static struct rtattr *put_attr(struct nlbuf *m, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(m->u.h.nlmsg_len);
	struct rtattr *rta = (struct rtattr *)(m->u.b + off);

	if (off + RTA_SPACE(len) > sizeof(m->u.b))
		return NULL;
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->u.h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return rta;
}

static struct rtattr *nest_start(struct nlbuf *m, uint16_t type)
{
	return put_attr(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct nlbuf *m, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (unsigned short)(m->u.b + m->u.h.nlmsg_len - (char *)nest);
}

/* Extended ack text of an NLMSG_ERROR message, if any. */
static void ext_ack_msg(const struct nlmsghdr *h, char *out, size_t cap)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	const struct rtattr *rta;
	int len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)h->nlmsg_len - (int)NLMSG_HDRLEN - (int)off;
	rta = (const struct rtattr *)((const char *)e + off);
	for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NLMSGERR_ATTR_MSG && RTA_PAYLOAD(rta) > 0) {
			snprintf(out, cap, "%.*s", (int)RTA_PAYLOAD(rta),
				 (const char *)RTA_DATA(rta));
			return;
		}
}

typedef int (*nl_cb)(const struct nlmsghdr *h, void *user);

/* Send m (NLM_F_REQUEST added) and read until the ACK/error (or DONE for a
 * dump), passing data messages to cb. */
static int nl_talk(struct dar_nl *nl, struct nlbuf *m, nl_cb cb, void *user)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	bool dump = (m->u.h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	unsigned int seq = ++nl->seq;
	static char rbuf[32768];

	nl->why[0] = 0;
	m->u.h.nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	m->u.h.nlmsg_seq = seq;
	if (sendto(nl->fd, m->u.b, m->u.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		snprintf(nl->why, sizeof(nl->why), "netlink send: %s", strerror(e));
		return -e;
	}
	for (;;) {
		ssize_t n = recv(nl->fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h;
		int len;

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			snprintf(nl->why, sizeof(nl->why), "netlink recv: %s", strerror(e));
			return -e;
		}
		len = (int)n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (unsigned int)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error) {
					snprintf(nl->why, sizeof(nl->why), "%s",
						 strerror(-e->error));
					ext_ack_msg(h, nl->why, sizeof(nl->why));
				}
				return e->error;
			}
			if (cb) {
				int r = cb(h, user);

				if (r < 0)
					return r;
			}
		}
	}
}

/* ---------------------------------------------------------------- routes */

static void route_msg(struct nlbuf *m, uint16_t type, uint16_t flags, const struct in6_addr *hoa)
{
	struct rtmsg *rt;

	msg_init(m, type, flags, sizeof(*rt));
	rt = msg_payload(m);
	rt->rtm_family = AF_INET6;
	rt->rtm_dst_len = 128;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = DAR_RTPROT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	put_attr(m, RTA_DST, hoa, sizeof(*hoa));
}

int dar_nl_route_dev(struct dar_nl *nl, const struct in6_addr *hoa, int ifindex)
{
	struct nlbuf m;
	uint32_t oif = (uint32_t)ifindex;

	route_msg(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, hoa);
	put_attr(&m, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(nl, &m, NULL, NULL);
}

int dar_nl_route_seg6(struct dar_nl *nl, const struct in6_addr *hoa, const struct in6_addr *coa,
		      int ifindex)
{
	struct nlbuf m;
	uint32_t oif = (uint32_t)ifindex;
	uint16_t etype = LWTUNNEL_ENCAP_SEG6;
	/* struct seg6_iptunnel_encap { int mode; struct ipv6_sr_hdr srh[]; } with
	 * an SRH of one segment (iproute2 parse_srh: hdrlen = (8 + 16n) / 8 - 1,
	 * segments_left = first_segment = n - 1, type 4). */
	uint8_t enc[sizeof(struct seg6_iptunnel_encap) + sizeof(struct ipv6_sr_hdr) + 16];
	struct ipv6_sr_hdr srh;
	int mode = SEG6_IPTUN_MODE_ENCAP_RED;
	struct rtattr *nest;

	memset(&srh, 0, sizeof(srh));
	srh.hdrlen = (sizeof(struct ipv6_sr_hdr) + 16) / 8 - 1;
	srh.type = IPV6_SRCRT_TYPE_4;
	srh.segments_left = 0;
	srh.first_segment = 0;
	memcpy(enc, &mode, sizeof(mode));
	memcpy(enc + sizeof(struct seg6_iptunnel_encap), &srh, sizeof(srh));
	memcpy(enc + sizeof(struct seg6_iptunnel_encap) + sizeof(srh), coa, 16);

	route_msg(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, hoa);
	put_attr(&m, RTA_OIF, &oif, sizeof(oif));
	put_attr(&m, RTA_ENCAP_TYPE, &etype, sizeof(etype));
	nest = nest_start(&m, RTA_ENCAP);
	put_attr(&m, SEG6_IPTUNNEL_SRH, enc, sizeof(enc));
	nest_end(&m, nest);
	return nl_talk(nl, &m, NULL, NULL);
}

int dar_nl_route_del(struct dar_nl *nl, const struct in6_addr *hoa)
{
	struct nlbuf m;

	route_msg(&m, RTM_DELROUTE, 0, hoa);
	return nl_talk(nl, &m, NULL, NULL);
}

struct collect {
	struct in6_addr dst[1024];
	uint8_t len[1024];
	uint32_t table[1024];
	unsigned int n;
};

static int collect_ours(const struct nlmsghdr *h, void *user)
{
	struct collect *c = user;
	const struct rtmsg *rt = NLMSG_DATA(h);
	const struct rtattr *rta = RTM_RTA(rt);
	int len = (int)RTM_PAYLOAD(h);
	struct in6_addr dst = IN6ADDR_ANY_INIT;
	uint32_t table = rt->rtm_table;

	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET6 ||
	    rt->rtm_protocol != DAR_RTPROT || c->n >= 1024)
		return 0;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_DST && RTA_PAYLOAD(rta) == 16)
			memcpy(&dst, RTA_DATA(rta), 16);
		else if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) == 4)
			memcpy(&table, RTA_DATA(rta), 4);
	}
	c->dst[c->n] = dst;
	c->len[c->n] = rt->rtm_dst_len;
	c->table[c->n] = table;
	c->n++;
	return 0;
}

int dar_nl_flush_ours(struct dar_nl *nl)
{
	static struct collect c;
	struct nlbuf m;
	struct rtmsg *rt;
	int err, done = 0;

	memset(&c, 0, sizeof(c));
	msg_init(&m, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rt));
	rt = msg_payload(&m);
	rt->rtm_family = AF_INET6;
	err = nl_talk(nl, &m, collect_ours, &c);
	if (err)
		return err;
	for (unsigned int i = 0; i < c.n; i++) {
		uint32_t table = c.table[i];

		msg_init(&m, RTM_DELROUTE, 0, sizeof(*rt));
		rt = msg_payload(&m);
		rt->rtm_family = AF_INET6;
		rt->rtm_dst_len = c.len[i];
		rt->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
		rt->rtm_protocol = DAR_RTPROT;
		put_attr(&m, RTA_DST, &c.dst[i], 16);
		put_attr(&m, RTA_TABLE, &table, sizeof(table));
		if (nl_talk(nl, &m, NULL, NULL) == 0)
			done++;
	}
	return done;
}

/* ----------------------------------------------------------------- links */

int dar_nl_link_setup(struct dar_nl *nl, int ifindex, unsigned int mtu)
{
	struct nlbuf m;
	struct ifinfomsg *ifi;
	struct rtattr *af, *in6;
	uint8_t mode = IN6_ADDR_GEN_MODE_NONE;
	uint32_t mtu32 = mtu;
	int err;

	msg_init(&m, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = msg_payload(&m);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	put_attr(&m, IFLA_MTU, &mtu32, sizeof(mtu32));
	af = nest_start(&m, IFLA_AF_SPEC);
	in6 = nest_start(&m, AF_INET6);
	put_attr(&m, IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof(mode));
	nest_end(&m, in6);
	nest_end(&m, af);
	err = nl_talk(nl, &m, NULL, NULL);
	if (err)
		return err;

	msg_init(&m, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = msg_payload(&m);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, &m, NULL, NULL);
}

/* --------------------------------------------------------- generic netlink */

static int family_id_cb(const struct nlmsghdr *h, void *user)
{
	const struct genlmsghdr *g = NLMSG_DATA(h);
	const struct rtattr *rta = (const struct rtattr *)((const char *)g + GENL_HDRLEN);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(GENL_HDRLEN);

	for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == CTRL_ATTR_FAMILY_ID && RTA_PAYLOAD(rta) == 2)
			memcpy(user, RTA_DATA(rta), 2);
	return 0;
}

static int genl_family(struct dar_nl *nl, const char *name, uint16_t *id)
{
	struct nlbuf m;
	struct genlmsghdr *g;
	int err;

	*id = 0;
	msg_init(&m, GENL_ID_CTRL, 0, GENL_HDRLEN);
	g = msg_payload(&m);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	err = nl_talk(nl, &m, family_id_cb, id);
	if (err)
		return err;
	if (!*id) {
		snprintf(nl->why, sizeof(nl->why), "generic netlink family %s not found", name);
		return -ENOENT;
	}
	return 0;
}

static int tunsrc_cb(const struct nlmsghdr *h, void *user)
{
	const struct genlmsghdr *g = NLMSG_DATA(h);
	const struct rtattr *rta = (const struct rtattr *)((const char *)g + GENL_HDRLEN);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(GENL_HDRLEN);

	for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == SEG6_ATTR_DST && RTA_PAYLOAD(rta) == 16)
			memcpy(user, RTA_DATA(rta), 16);
	return 0;
}

static int seg6_cmd(struct dar_nl *nl, uint8_t cmd, const struct in6_addr *set,
		    struct in6_addr *get)
{
	struct nlbuf m;
	struct genlmsghdr *g;
	uint16_t id;
	int err;

	err = genl_family(nl, SEG6_GENL_NAME, &id);
	if (err)
		return err;
	msg_init(&m, id, 0, GENL_HDRLEN);
	g = msg_payload(&m);
	g->cmd = cmd;
	g->version = SEG6_GENL_VERSION;
	if (set)
		put_attr(&m, SEG6_ATTR_DST, set, sizeof(*set));
	return nl_talk(nl, &m, get ? tunsrc_cb : NULL, get);
}

int dar_genl_seg6_get_tunsrc(struct dar_nl *nl, struct in6_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	return seg6_cmd(nl, SEG6_CMD_GET_TUNSRC, NULL, addr);
}

int dar_genl_seg6_set_tunsrc(struct dar_nl *nl, const struct in6_addr *addr)
{
	return seg6_cmd(nl, SEG6_CMD_SET_TUNSRC, addr, NULL);
}
