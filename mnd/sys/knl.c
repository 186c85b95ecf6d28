// SPDX-License-Identifier: BSD-3-Clause
/*
 * rtnetlink adapter on libnl-3 (notes: ecosystem.md §7).
 *
 * Two sockets:
 *  - the event socket, owned by a libnl cache manager that keeps the
 *    "route/link" and "route/addr" caches; it is read from the GLib main
 *    loop, and a receive overrun (ENOBUFS, which libnl reports as
 *    -NLE_NOMEM) is repaired by resynchronising both caches, which
 *    reports what changed meanwhile through the same callbacks;
 *  - the request socket: one request at a time, answered before the call
 *    returns (ACK or the kernel's errno, kept exactly rather than through
 *    libnl's NLE_* codes).
 *
 * Routes and rules are dumped and deleted as raw rtnetlink messages: the
 * libnl route cache merges IPv6 routes that differ only in their gateway
 * into one multipath object and is silently desynchronised when the
 * kernel drops routes on link down (thom311/libnl#418), so it is not used.
 * A matching dumped message is sent back as the delete request, as
 * iproute2's flush does: the kernel then matches exactly that route or
 * rule (table, metric, protocol, gateway, device...).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h> /* both before the linux/ headers (libc-compat) */
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/lwtunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_iptunnel.h>
#include <linux/seg6_local.h>
#include <linux/if.h> /* IFF_LOWER_UP, after <net/if.h> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "sys/knl.h"

/* Large enough for a burst of several thousand notifications (each costs
 * about 1 KiB of socket memory); set with SO_RCVBUFFORCE when allowed,
 * since net.core.rmem_max is usually far smaller. */
#define RTNL_EVENT_RCVBUF (4 * 1024 * 1024)
/* Dumps interrupted by a concurrent change (NLM_F_DUMP_INTR) are redone. */
#define RTNL_DUMP_TRIES 3
/* Reads to drain the event socket after an overrun before resyncing. */
#define RTNL_DRAIN_TRIES 8
#define RTNL_SYSCTL_DIR "/proc/sys/net/ipv6/conf/"

struct rtnl_link_state {
	bool carrier;
	bool have_changes;
	uint32_t changes; /* IFLA_CARRIER_CHANGES */
};

static struct {
	struct nl_sock *ev_sk;  /* notifications, read by the cache manager */
	struct nl_sock *req_sk; /* synchronous requests and dumps */
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs;
	guint watch;
	bool have_ev;
	struct knl_events ev;
	void *user;
	GHashTable *links_state; /* ifindex -> struct rtnl_link_state */
} rtnl;

/* ---------------------------------------------------------------- errors */

/* libnl folds errno values into NLE_* codes; map them back to the
 * nearest errno so that callers see one convention. */
static int rtnl_nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return -EINVAL;
	case NLE_RANGE:
	case NLE_ATTRSIZE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_SRCRT_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
	case NLE_AF_MISMATCH:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
	case NLE_NOATTR:
		return -ENOENT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_SEQ_MISMATCH:
	case NLE_PROTO_MISMATCH:
	case NLE_PARSE_ERR:
		return -EPROTO;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
	case NLE_IMMUTABLE:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_DUMP_INTR:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* ---------------------------------------------------------------- requests */

typedef void (*rtnl_msg_fn)(struct nlmsghdr *h, void *arg);

struct rtnl_req {
	int err; /* the kernel's negative errno from NLMSG_ERROR */
	rtnl_msg_fn fn;
	void *arg;
	char *why; /* if set: the kernel's extended-ack text of an error */
	size_t why_len;
};

static int rtnl_req_valid(struct nl_msg *msg, void *arg)
{
	struct rtnl_req *r = arg;

	if (r->fn)
		r->fn(nlmsg_hdr(msg), r->arg);
	return NL_OK;
}

/* The NLMSGERR_ATTR_MSG of an error (NETLINK_EXT_ACK): after the nlmsgerr
 * and, unless NLM_F_CAPPED, the echoed request. e is the payload of a
 * message libnl has checked to be whole and at least this long. */
static void rtnl_ext_ack(const struct nlmsgerr *e, char *why, size_t len)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e), total;
	const struct nlattr *a;
	int rem;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return;
	total = h->nlmsg_len - NLMSG_HDRLEN;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (off >= total || total - off > INT_MAX)
		return;
	a = (const struct nlattr *)((const char *)e + off);
	for (rem = (int)(total - off); nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			snprintf(why, len, "%.*s", (int)strnlen(nla_data(a), (size_t)nla_len(a)),
				 (const char *)nla_data(a));
			return;
		}
	}
}

static int rtnl_req_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct rtnl_req *r = arg;

	r->err = e->error;
	if (r->why && r->why_len && e->error)
		rtnl_ext_ack(e, r->why, r->why_len);
	return NL_STOP;
}

static int rtnl_req_ack(struct nl_msg *msg, void *arg)
{
	return NL_STOP;
}

/* Send msg (freed here) on sk and read until its ACK, error or end of
 * dump; fn sees every data message of a dump. Returns 0 or -errno; why
 * (if given) receives the kernel's extended-ack text of an error. */
static int rtnl_talk_sk(struct nl_sock *sk, struct nl_msg *msg, rtnl_msg_fn fn, void *arg,
			char *why, size_t why_len)
{
	struct rtnl_req r = {.fn = fn, .arg = arg, .why = why, .why_len = why_len};
	struct nl_cb *cb;
	int err;

	if (!msg)
		return -ENOMEM;
	if (!sk) {
		nlmsg_free(msg);
		return -ENOTCONN;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, rtnl_req_error, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, rtnl_req_ack, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, rtnl_req_valid, &r);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	if (r.err)
		return r.err;
	return err < 0 ? rtnl_nle_errno(err) : 0;
}

/* The same on the request socket. */
static int rtnl_talk(struct nl_msg *msg, rtnl_msg_fn fn, void *arg)
{
	return rtnl_talk_sk(rtnl.req_sk, msg, fn, arg, NULL, 0);
}

/* Dump one message type into an array of copies of the messages that
 * keep() accepts. The copies are taken because the request socket cannot
 * carry a delete while the dump is still being read. */
typedef bool (*rtnl_keep_fn)(struct nlmsghdr *h, const void *arg);

struct rtnl_collect {
	rtnl_keep_fn keep;
	const void *arg;
	GPtrArray *out;
};

static void rtnl_collect_one(struct nlmsghdr *h, void *arg)
{
	struct rtnl_collect *c = arg;

	if (c->keep(h, c->arg))
		g_ptr_array_add(c->out, g_memdup2(h, h->nlmsg_len));
}

static int rtnl_dump(int type, const void *hdr, size_t hdr_len, rtnl_keep_fn keep, const void *arg,
		     GPtrArray **out)
{
	struct rtnl_collect c = {.keep = keep, .arg = arg};
	int err = -EAGAIN;

	for (int i = 0; i < RTNL_DUMP_TRIES && err == -EAGAIN; i++) {
		struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_DUMP);

		if (c.out)
			g_ptr_array_unref(c.out);
		c.out = g_ptr_array_new_with_free_func(g_free);
		if (msg && nlmsg_append(msg, (void *)hdr, hdr_len, NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			msg = NULL;
		}
		err = rtnl_talk(msg, rtnl_collect_one, &c);
	}
	if (err) {
		g_ptr_array_unref(c.out);
		return err;
	}
	*out = c.out;
	return 0;
}

/* Send each collected message back as a delete request. A route or rule
 * that vanished since the dump is not an error. Returns the number
 * deleted or the first other -errno. */
static int rtnl_delete_all(GPtrArray *msgs, int del_type)
{
	int n = 0, first_err = 0;

	for (unsigned int i = 0; i < msgs->len; i++) {
		struct nlmsghdr *h = g_ptr_array_index(msgs, i);
		struct nl_msg *msg;
		int err;

		h->nlmsg_type = (uint16_t)del_type;
		h->nlmsg_flags = NLM_F_REQUEST;
		h->nlmsg_seq = NL_AUTO_SEQ;
		h->nlmsg_pid = NL_AUTO_PORT;
		msg = nlmsg_convert(h);
		err = rtnl_talk(msg, NULL, NULL);
		if (!err)
			n++;
		else if (err != -ESRCH && err != -ENOENT && !first_err)
			first_err = err;
	}
	return first_err ? first_err : n;
}

/* ---------------------------------------------------------------- events */

static void rtnl_link_report(int ifindex, const char *name, bool carrier)
{
	if (rtnl.have_ev && rtnl.ev.link)
		rtnl.ev.link(rtnl.user, ifindex, name, carrier);
}

/* Keep the carrier of every link and report each change. The kernel
 * coalesces the carrier events of a link that come before linkwatch runs,
 * so a quick down-up (a bridge-port move, a fast reassociation) can reach
 * us as one message whose carrier did not change: IFLA_CARRIER_CHANGES
 * then shows that a flap happened, and it is reported as one, since the
 * daemon must solicit a router after it. The state is updated before the
 * callbacks run, so that knl_carrier() agrees with them. */
static void rtnl_carrier_update(int ifindex, const char *name, bool carrier, bool have_changes,
				uint32_t changes, bool report)
{
	struct rtnl_link_state *st, old;
	bool known;

	if (ifindex <= 0)
		return;
	st = g_hash_table_lookup(rtnl.links_state, GINT_TO_POINTER(ifindex));
	known = st != NULL;
	if (!st) {
		st = g_new0(struct rtnl_link_state, 1);
		g_hash_table_insert(rtnl.links_state, GINT_TO_POINTER(ifindex), st);
	}
	old = *st;
	st->carrier = carrier;
	st->have_changes = have_changes;
	st->changes = changes;
	if (!report)
		return;
	if (!known || old.carrier != carrier) {
		rtnl_link_report(ifindex, name, carrier);
	} else if (have_changes && old.have_changes && changes - old.changes >= 2) {
		rtnl_link_report(ifindex, name, !carrier);
		rtnl_link_report(ifindex, name, carrier);
	}
}

static void rtnl_link_update(struct rtnl_link *link, bool report)
{
	uint32_t changes = 0;
	bool have_changes = rtnl_link_get_carrier_changes(link, &changes) == 0;

	rtnl_carrier_update(rtnl_link_get_ifindex(link), rtnl_link_get_name(link),
			    rtnl_link_get_flags(link) & IFF_LOWER_UP, have_changes, changes,
			    report);
}

/* Cache callback for links. It sees only what libnl finds different from
 * the cached object, and libnl compares neither IFLA_CARRIER nor
 * IFLA_CARRIER_CHANGES: live carrier events are taken from the raw
 * messages (rtnl_event_in); this serves new and removed links, and the
 * resync. */
static void rtnl_link_changed(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;

	/* Bridge port (AF_BRIDGE) objects repeat the link: skip them. */
	if (rtnl_link_get_family(link) != AF_UNSPEC)
		return;
	if (action == NL_ACT_DEL) {
		g_hash_table_remove(rtnl.links_state, GINT_TO_POINTER(rtnl_link_get_ifindex(link)));
		return;
	}
	rtnl_link_update(link, true);
}

static const struct nla_policy rtnl_link_policy[IFLA_MAX + 1] = {
	[IFLA_CARRIER_CHANGES] = {.type = NLA_U32},
};

/* Every message read from the event socket, before libnl's cache takes
 * it (NL_CB_MSG_IN): the carrier of each RTM_NEWLINK, whether or not
 * libnl sees a change in it. */
static int rtnl_event_in(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg ifi;
	char name[IFNAMSIZ] = "";
	uint32_t changes = 0;

	if (h->nlmsg_type != RTM_NEWLINK || !nlmsg_valid_hdr(h, sizeof(ifi)))
		return NL_OK;
	memcpy(&ifi, nlmsg_data(h), sizeof(ifi));
	if (ifi.ifi_family != AF_UNSPEC || ifi.ifi_index <= 0)
		return NL_OK;
	if (nlmsg_parse(h, sizeof(ifi), tb, IFLA_MAX, rtnl_link_policy) < 0)
		return NL_OK;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(name, tb[IFLA_IFNAME], sizeof(name));
	if (tb[IFLA_CARRIER_CHANGES])
		changes = nla_get_u32(tb[IFLA_CARRIER_CHANGES]);
	rtnl_carrier_update(ifi.ifi_index, name, ifi.ifi_flags & IFF_LOWER_UP,
			    tb[IFLA_CARRIER_CHANGES] != NULL, changes, true);
	return NL_OK;
}

static bool rtnl_addr_in6(struct rtnl_addr *a, struct in6_addr *out)
{
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (rtnl_addr_get_family(a) != AF_INET6 || !local ||
	    nl_addr_get_family(local) != AF_INET6 || nl_addr_get_len(local) != sizeof(*out))
		return false;
	memcpy(out, nl_addr_get_binary_addr(local), sizeof(*out));
	return true;
}

static void rtnl_addr_changed(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct in6_addr in6;
	int ifindex, plen;

	if (!rtnl.have_ev || !rtnl_addr_in6(a, &in6))
		return;
	ifindex = rtnl_addr_get_ifindex(a);
	plen = rtnl_addr_get_prefixlen(a);
	if (plen < 0 || plen > 128)
		return;
	switch (action) {
	case NL_ACT_NEW:
	case NL_ACT_CHANGE:
		if (rtnl.ev.addr)
			rtnl.ev.addr(rtnl.user, ifindex, &in6, (uint8_t)plen,
				     rtnl_addr_get_flags(a));
		break;
	case NL_ACT_DEL:
		if (rtnl.ev.addr_del)
			rtnl.ev.addr_del(rtnl.user, ifindex, &in6, (uint8_t)plen);
		break;
	default:
		break;
	}
}

static void rtnl_recheck_link(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;

	if (rtnl_link_get_family(link) == AF_UNSPEC)
		rtnl_link_update(link, true);
}

/* Events were lost: compare a fresh dump with the caches, which reports
 * every difference through the change callbacks. */
static void rtnl_resync(void)
{
	int err;

	err = nl_cache_resync(rtnl.req_sk, rtnl.links, rtnl_link_changed, NULL);
	if (err < 0)
		g_warning("rtnl: link resync: %s", nl_geterror(err));
	/* The resync reports only what libnl compares; a lost carrier
	 * event shows in the refreshed objects. */
	nl_cache_foreach(rtnl.links, rtnl_recheck_link, NULL);
	err = nl_cache_resync(rtnl.req_sk, rtnl.addrs, rtnl_addr_changed, NULL);
	if (err < 0)
		g_warning("rtnl: address resync: %s", nl_geterror(err));
}

static gboolean rtnl_events_ready(gint fd, GIOCondition cond, gpointer data)
{
	int err = nl_cache_mngr_data_ready(rtnl.mngr);

	if (err == -NLE_NOMEM) {
		g_message("rtnl: netlink event overrun, events lost; resynchronising");
		/* Apply what is still queued first, so that the dump below
		 * is newer than every event read after it. */
		for (int i = 0; i < RTNL_DRAIN_TRIES; i++)
			if (nl_cache_mngr_data_ready(rtnl.mngr) != -NLE_NOMEM)
				break;
		rtnl_resync();
	} else if (err < 0) {
		g_warning("rtnl: reading events: %s", nl_geterror(err));
	}
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- init */

static void rtnl_seed_link(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;

	if (rtnl_link_get_family(link) == AF_UNSPEC)
		rtnl_link_update(link, false);
}

static void rtnl_set_rcvbuf(int fd)
{
	int size = RTNL_EVENT_RCVBUF;

	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the daemon has; the
	 * plain option is capped at net.core.rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int knl_init(const struct knl_events *ev, void *user)
{
	int err;

	if (rtnl.req_sk)
		return -EALREADY;
	rtnl.links_state = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	rtnl.ev_sk = nl_socket_alloc();
	rtnl.req_sk = nl_socket_alloc();
	if (!rtnl.ev_sk || !rtnl.req_sk) {
		err = -NLE_NOMEM;
		goto fail;
	}
	err = nl_connect(rtnl.req_sk, NETLINK_ROUTE);
	if (err < 0)
		goto fail;
	/* The manager connects ev_sk itself and makes it non-blocking. */
	err = nl_cache_mngr_alloc(rtnl.ev_sk, NETLINK_ROUTE, NL_AUTO_PROVIDE, &rtnl.mngr);
	if (err < 0)
		goto fail;
	/* Before the caches subscribe, so that no burst finds it small. */
	rtnl_set_rcvbuf(nl_socket_get_fd(rtnl.ev_sk));
	/* The manager reads with a copy of this socket's callbacks. */
	err = nl_socket_modify_cb(rtnl.ev_sk, NL_CB_MSG_IN, NL_CB_CUSTOM, rtnl_event_in, NULL);
	if (err < 0)
		goto fail;
	err = nl_cache_mngr_add(rtnl.mngr, "route/link", rtnl_link_changed, NULL, &rtnl.links);
	if (err < 0)
		goto fail;
	err = nl_cache_mngr_add(rtnl.mngr, "route/addr", rtnl_addr_changed, NULL, &rtnl.addrs);
	if (err < 0)
		goto fail;
	nl_cache_foreach(rtnl.links, rtnl_seed_link, NULL);
	rtnl.have_ev = ev != NULL;
	if (ev)
		rtnl.ev = *ev;
	rtnl.user = user;
	rtnl.watch = g_unix_fd_add(nl_cache_mngr_get_fd(rtnl.mngr), G_IO_IN | G_IO_ERR | G_IO_HUP,
				   rtnl_events_ready, NULL);
	return 0;
fail:
	knl_fini();
	return rtnl_nle_errno(err);
}

void knl_fini(void)
{
	if (rtnl.watch)
		g_source_remove(rtnl.watch);
	/* Frees the caches and closes, but does not free, ev_sk. */
	if (rtnl.mngr)
		nl_cache_mngr_free(rtnl.mngr);
	if (rtnl.ev_sk)
		nl_socket_free(rtnl.ev_sk);
	if (rtnl.req_sk)
		nl_socket_free(rtnl.req_sk);
	if (rtnl.links_state)
		g_hash_table_destroy(rtnl.links_state);
	memset(&rtnl, 0, sizeof(rtnl));
}

/* ---------------------------------------------------------------- links */

int knl_ifindex(const char *name)
{
	unsigned int idx;

	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if (rtnl.links) {
		int i = rtnl_link_name2i(rtnl.links, name);

		if (i > 0)
			return i;
	}
	idx = if_nametoindex(name);
	if (!idx || idx > INT_MAX)
		return -ENODEV;
	return (int)idx;
}

int knl_carrier(int ifindex)
{
	struct rtnl_link_state *st;

	if (!rtnl.links_state)
		return -1;
	st = g_hash_table_lookup(rtnl.links_state, GINT_TO_POINTER(ifindex));
	return st ? st->carrier : -1;
}

/* ---------------------------------------------------------------- addresses */

static struct rtnl_addr *rtnl_addr_make(int ifindex, const struct in6_addr *a, uint8_t plen)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET6, a, sizeof(*a));
	int err = -NLE_NOMEM;

	if (ra && local) {
		nl_addr_set_prefixlen(local, plen);
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_family(ra, AF_INET6);
		/* Takes its own reference; sets the prefix length too. */
		err = rtnl_addr_set_local(ra, local);
	}
	nl_addr_put(local);
	if (err < 0) {
		rtnl_addr_put(ra);
		return NULL;
	}
	return ra;
}

int knl_addr_add(int ifindex, const struct in6_addr *a, uint8_t plen, uint32_t flags,
		  uint32_t valid, uint32_t preferred)
{
	struct rtnl_addr *ra;
	struct nl_msg *msg = NULL;
	int err;

	if (ifindex <= 0 || !a || plen > 128 || preferred > valid)
		return -EINVAL;
	ra = rtnl_addr_make(ifindex, a, plen);
	if (!ra)
		return -ENOMEM;
	rtnl_addr_set_flags(ra, flags);
	/* Both lifetimes always: one left unset goes out as 0, and a
	 * preferred lifetime of 0 deprecates the address at once. */
	rtnl_addr_set_valid_lifetime(ra, valid);
	rtnl_addr_set_preferred_lifetime(ra, preferred);
	/* NLM_F_REPLACE: adding an existing address updates its flags and
	 * lifetimes instead of failing with EEXIST. */
	err = rtnl_addr_build_add_request(ra, NLM_F_REPLACE, &msg);
	rtnl_addr_put(ra);
	if (err < 0)
		return rtnl_nle_errno(err);
	return rtnl_talk(msg, NULL, NULL);
}

int knl_addr_del(int ifindex, const struct in6_addr *a, uint8_t plen)
{
	struct rtnl_addr *ra;
	struct nl_msg *msg = NULL;
	int err;

	if (ifindex <= 0 || !a || plen > 128)
		return -EINVAL;
	ra = rtnl_addr_make(ifindex, a, plen);
	if (!ra)
		return -ENOMEM;
	err = rtnl_addr_build_delete_request(ra, 0, &msg);
	rtnl_addr_put(ra);
	if (err < 0)
		return rtnl_nle_errno(err);
	return rtnl_talk(msg, NULL, NULL);
}

int knl_addr_foreach(int ifindex, knl_addr_fn fn, void *user)
{
	struct nl_object *obj;
	int n = 0;

	if (!rtnl.addrs)
		return -ENOTCONN;
	for (obj = nl_cache_get_first(rtnl.addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)obj;
		struct in6_addr in6;

		if (rtnl_addr_get_ifindex(ra) != ifindex || !rtnl_addr_in6(ra, &in6))
			continue;
		fn(user, &in6, (uint8_t)rtnl_addr_get_prefixlen(ra), rtnl_addr_get_flags(ra),
		   rtnl_addr_get_valid_lifetime(ra));
		n++;
	}
	return n;
}

int64_t knl_addr_flags(int ifindex, const struct in6_addr *a)
{
	struct nl_object *obj;

	if (!rtnl.addrs || !a)
		return -1;
	for (obj = nl_cache_get_first(rtnl.addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)obj;
		struct in6_addr in6;

		if (rtnl_addr_get_ifindex(ra) == ifindex && rtnl_addr_in6(ra, &in6) &&
		    !memcmp(&in6, a, sizeof(in6)))
			return rtnl_addr_get_flags(ra);
	}
	return -1;
}

/* ---------------------------------------------------------------- routes */

static const struct nla_policy rtnl_route_policy[RTA_MAX + 1] = {
	[RTA_DST] = {.minlen = 16, .maxlen = 16},
	[RTA_GATEWAY] = {.minlen = 16, .maxlen = 16},
	[RTA_OIF] = {.type = NLA_U32},
	[RTA_TABLE] = {.type = NLA_U32},
};

/* The fields of an IPv6 route that the filters look at. */
struct rtnl_route_info {
	uint8_t dst_len, src_len, protocol, type;
	uint32_t table;
	int oif; /* 0: none (multipath, or no device) */
	bool has_gw, multipath;
	struct in6_addr dst, gw;
};

static bool rtnl_route_info_get(struct nlmsghdr *h, struct rtnl_route_info *ri)
{
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg rtm;

	if (h->nlmsg_type != RTM_NEWROUTE || !nlmsg_valid_hdr(h, sizeof(rtm)))
		return false;
	memcpy(&rtm, nlmsg_data(h), sizeof(rtm));
	if (rtm.rtm_family != AF_INET6 || rtm.rtm_dst_len > 128)
		return false;
	if (nlmsg_parse(h, sizeof(rtm), tb, RTA_MAX, rtnl_route_policy) < 0)
		return false;
	memset(ri, 0, sizeof(*ri));
	ri->dst_len = rtm.rtm_dst_len;
	ri->src_len = rtm.rtm_src_len;
	ri->protocol = rtm.rtm_protocol;
	ri->type = rtm.rtm_type;
	ri->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm.rtm_table;
	if (tb[RTA_OIF])
		ri->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_DST])
		memcpy(&ri->dst, nla_data(tb[RTA_DST]), sizeof(ri->dst));
	if (tb[RTA_GATEWAY]) {
		ri->has_gw = true;
		memcpy(&ri->gw, nla_data(tb[RTA_GATEWAY]), sizeof(ri->gw));
	}
	ri->multipath = tb[RTA_MULTIPATH] != NULL;
	return true;
}

static void rtnl_mask6(struct in6_addr *a, uint8_t plen)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = plen > 8 * i ? plen - 8 * i : 0;

		if (bits < 8)
			a->s6_addr[i] &= (uint8_t)(0xff00 >> bits);
	}
}

struct rtnl_prefix_match {
	int ifindex;
	struct in6_addr prefix; /* masked */
	uint8_t plen;
};

static bool rtnl_keep_prefix(struct nlmsghdr *h, const void *arg)
{
	const struct rtnl_prefix_match *m = arg;
	struct rtnl_route_info ri;

	if (!rtnl_route_info_get(h, &ri))
		return false;
	/* On-link: a plain unicast route through the device itself. */
	return ri.table == RT_TABLE_MAIN && ri.type == RTN_UNICAST && !ri.multipath && !ri.has_gw &&
	       ri.src_len == 0 && ri.oif == m->ifindex && ri.dst_len == m->plen &&
	       !memcmp(&ri.dst, &m->prefix, sizeof(ri.dst));
}

static int rtnl_dump_delete(int get_type, int del_type, rtnl_keep_fn keep, const void *arg)
{
	struct rtmsg rtm = {.rtm_family = AF_INET6};
	struct fib_rule_hdr frh = {.family = AF_INET6};
	GPtrArray *msgs = NULL;
	int err;

	if (get_type == RTM_GETRULE)
		err = rtnl_dump(get_type, &frh, sizeof(frh), keep, arg, &msgs);
	else
		err = rtnl_dump(get_type, &rtm, sizeof(rtm), keep, arg, &msgs);
	if (err)
		return err;
	err = rtnl_delete_all(msgs, del_type);
	g_ptr_array_unref(msgs);
	return err;
}

int knl_route_del_prefix(int ifindex, const struct in6_addr *prefix, uint8_t plen)
{
	struct rtnl_prefix_match m = {.ifindex = ifindex, .plen = plen};

	if (ifindex <= 0 || !prefix || plen > 128)
		return -EINVAL;
	m.prefix = *prefix;
	rtnl_mask6(&m.prefix, plen);
	return rtnl_dump_delete(RTM_GETROUTE, RTM_DELROUTE, rtnl_keep_prefix, &m);
}

struct rtnl_default_match {
	int ifindex;
	const struct in6_addr *keep;
};

static bool rtnl_keep_default(struct nlmsghdr *h, const void *arg)
{
	const struct rtnl_default_match *m = arg;
	struct rtnl_route_info ri;

	if (!rtnl_route_info_get(h, &ri))
		return false;
	/* Only the main table: mnd's own defaults live in its tables. */
	if (ri.table != RT_TABLE_MAIN || ri.type != RTN_UNICAST || ri.multipath ||
	    ri.dst_len != 0 || ri.src_len != 0 || ri.oif != m->ifindex)
		return false;
	return !(m->keep && ri.has_gw && !memcmp(&ri.gw, m->keep, sizeof(ri.gw)));
}

int knl_route_del_defaults_except(int ifindex, const struct in6_addr *keep)
{
	struct rtnl_default_match m = {.ifindex = ifindex, .keep = keep};

	if (ifindex <= 0)
		return -EINVAL;
	return rtnl_dump_delete(RTM_GETROUTE, RTM_DELROUTE, rtnl_keep_default, &m);
}

/* The reserved tables are never ours to empty. */
static bool rtnl_table_ok(uint32_t table)
{
	return table != RT_TABLE_UNSPEC && table != RT_TABLE_COMPAT && table != RT_TABLE_DEFAULT &&
	       table != RT_TABLE_MAIN && table != RT_TABLE_LOCAL;
}

int knl_route_add_default_dev(uint32_t table, int oif, uint32_t mtu)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET6,
		/* Tables above 255 exist only as RTA_TABLE. */
		.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.rtm_protocol = KNL_PROTO_MND,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg;
	struct nlattr *mx;

	if (!rtnl_table_ok(table) || oif <= 0)
		return -EINVAL;
	/* REPLACE: a second call moves the route to the new device or MTU. */
	msg = nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, table) < 0 || nla_put_u32(msg, RTA_OIF, (uint32_t)oif) < 0)
		goto overflow;
	if (mtu) {
		mx = nla_nest_start(msg, RTA_METRICS);
		if (!mx || nla_put_u32(msg, RTAX_MTU, mtu) < 0)
			goto overflow;
		nla_nest_end(msg, mx);
	}
	return rtnl_talk(msg, NULL, NULL);
overflow:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static bool rtnl_keep_table(struct nlmsghdr *h, const void *arg)
{
	struct rtnl_route_info ri;

	return rtnl_route_info_get(h, &ri) && ri.table == *(const uint32_t *)arg;
}

int knl_route_del_table(uint32_t table)
{
	if (!rtnl_table_ok(table))
		return -EINVAL;
	return rtnl_dump_delete(RTM_GETROUTE, RTM_DELROUTE, rtnl_keep_table, &table);
}

/* ---------------------------------------------------------------- rules */

static int rtnl_rule(int type, int flags, const struct in6_addr *src, uint32_t table, uint32_t prio)
{
	struct fib_rule_hdr frh = {
		.family = AF_INET6,
		.src_len = 128,
		.table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
	};
	struct nl_msg *msg;

	if (!src || !rtnl_table_ok(table))
		return -EINVAL;
	msg = nlmsg_alloc_simple(type, flags);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, FRA_SRC, sizeof(*src), src) < 0 ||
	    nla_put_u32(msg, FRA_TABLE, table) < 0 || nla_put_u32(msg, FRA_PRIORITY, prio) < 0 ||
	    nla_put_u8(msg, FRA_PROTOCOL, KNL_PROTO_MND) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return rtnl_talk(msg, NULL, NULL);
}

int knl_rule_add_from(const struct in6_addr *src, uint32_t table, uint32_t prio)
{
	/* Without NLM_F_EXCL the kernel adds a duplicate rule; with it, an
	 * identical rule already there is what the caller wants. */
	int err = rtnl_rule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, src, table, prio);

	return err == -EEXIST ? 0 : err;
}

int knl_rule_del_from(const struct in6_addr *src, uint32_t table, uint32_t prio)
{
	return rtnl_rule(RTM_DELRULE, 0, src, table, prio);
}

static const struct nla_policy rtnl_rule_policy[FRA_MAX + 1] = {
	[FRA_PROTOCOL] = {.type = NLA_U8},
};

static bool rtnl_keep_own_rule(struct nlmsghdr *h, const void *arg)
{
	struct nlattr *tb[FRA_MAX + 1];
	struct fib_rule_hdr frh;

	if (h->nlmsg_type != RTM_NEWRULE || !nlmsg_valid_hdr(h, sizeof(frh)))
		return false;
	memcpy(&frh, nlmsg_data(h), sizeof(frh));
	if (frh.family != AF_INET6)
		return false;
	if (nlmsg_parse(h, sizeof(frh), tb, FRA_MAX, rtnl_rule_policy) < 0)
		return false;
	return tb[FRA_PROTOCOL] && nla_get_u8(tb[FRA_PROTOCOL]) == KNL_PROTO_MND;
}

static bool rtnl_keep_own_route(struct nlmsghdr *h, const void *arg)
{
	struct rtnl_route_info ri;

	return rtnl_route_info_get(h, &ri) && ri.protocol == KNL_PROTO_MND;
}

int knl_flush_own(void)
{
	int rules, routes;

	/* Rules first, so that no packet is steered into a table that is
	 * being emptied. */
	rules = rtnl_dump_delete(RTM_GETRULE, RTM_DELRULE, rtnl_keep_own_rule, NULL);
	if (rules < 0)
		return rules;
	routes = rtnl_dump_delete(RTM_GETROUTE, RTM_DELROUTE, rtnl_keep_own_route, NULL);
	if (routes < 0)
		return routes;
	return rules + routes;
}

/* ------------------------------------------- rules and routes of the kernel data path */

/* The fields of an IPv6 rule that struct knl_rule can describe; false for
 * anything else (another action, tos, invert, interfaces, marks, ports,
 * uid ranges, attributes newer than these headers...), which is then
 * never taken for one of ours nor for a plain "lookup local". */
static bool rtnl_rule_get(struct nlmsghdr *h, struct knl_rule *r)
{
	struct fib_rule_hdr frh;
	struct nlattr *a;
	bool have_src = false, have_dst = false;
	int rem;

	if (h->nlmsg_type != RTM_NEWRULE || !nlmsg_valid_hdr(h, sizeof(frh)))
		return false;
	memcpy(&frh, nlmsg_data(h), sizeof(frh));
	if (frh.family != AF_INET6 || frh.action != FR_ACT_TO_TBL || frh.tos || frh.flags ||
	    frh.src_len > 128 || frh.dst_len > 128)
		return false;
	memset(r, 0, sizeof(*r));
	r->src_len = frh.src_len;
	r->dst_len = frh.dst_len;
	r->table = frh.table;
	a = nlmsg_attrdata(h, sizeof(frh));
	for (rem = nlmsg_attrlen(h, sizeof(frh)); nla_ok(a, rem); a = nla_next(a, &rem)) {
		int type = nla_type(a), alen = nla_len(a);

		switch (type) {
		case FRA_SRC:
			if (alen != sizeof(r->src))
				return false;
			memcpy(&r->src, nla_data(a), sizeof(r->src));
			have_src = true;
			break;
		case FRA_DST:
			if (alen != sizeof(r->dst))
				return false;
			memcpy(&r->dst, nla_data(a), sizeof(r->dst));
			have_dst = true;
			break;
		case FRA_TABLE:
			if (alen != sizeof(uint32_t))
				return false;
			r->table = nla_get_u32(a);
			break;
		case FRA_PRIORITY:
			if (alen != sizeof(uint32_t))
				return false;
			r->prio = nla_get_u32(a);
			break;
		case FRA_PROTOCOL:
			if (alen != sizeof(uint8_t))
				return false;
			r->protocol = nla_get_u8(a);
			break;
		case FRA_IP_PROTO:
			if (alen != sizeof(uint8_t))
				return false;
			r->ipproto = nla_get_u8(a);
			break;
		case FRA_SUPPRESS_PREFIXLEN:
		case FRA_SUPPRESS_IFGROUP:
			/* Dumped only when set; -1 is "not set". */
			if (alen != sizeof(uint32_t) || nla_get_u32(a) != UINT32_MAX)
				return false;
			break;
		default:
			return false;
		}
	}
	return (r->src_len == 0 || have_src) && (r->dst_len == 0 || have_dst);
}

/* Same selectors and priority; the protocol only if the key names one. */
static bool rtnl_rule_eq(const struct knl_rule *r, const struct knl_rule *key)
{
	return r->prio == key->prio && r->table == key->table && r->src_len == key->src_len &&
	       r->dst_len == key->dst_len && r->ipproto == key->ipproto &&
	       (!key->protocol || r->protocol == key->protocol) &&
	       (!r->src_len || !memcmp(&r->src, &key->src, sizeof(r->src))) &&
	       (!r->dst_len || !memcmp(&r->dst, &key->dst, sizeof(r->dst)));
}

static bool rtnl_keep_rule_eq(struct nlmsghdr *h, const void *arg)
{
	struct knl_rule r;

	return rtnl_rule_get(h, &r) && rtnl_rule_eq(&r, arg);
}

static bool rtnl_keep_rule_table(struct nlmsghdr *h, const void *arg)
{
	struct knl_rule r;

	return rtnl_rule_get(h, &r) && r.table == *(const uint32_t *)arg;
}

static bool rtnl_rule_ok(const struct knl_rule *r)
{
	return r && r->table != RT_TABLE_UNSPEC && r->src_len <= 128 && r->dst_len <= 128;
}

int knl_rule_add(const struct knl_rule *r)
{
	struct fib_rule_hdr frh = {.family = AF_INET6, .action = FR_ACT_TO_TBL};
	struct nl_msg *msg;
	int err;

	if (!rtnl_rule_ok(r))
		return -EINVAL;
	frh.src_len = r->src_len;
	frh.dst_len = r->dst_len;
	frh.table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	/* EXCL: an identical rule already there is what the caller wants,
	 * not a duplicate. */
	msg = nlmsg_alloc_simple(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    (r->src_len && nla_put(msg, FRA_SRC, sizeof(r->src), &r->src) < 0) ||
	    (r->dst_len && nla_put(msg, FRA_DST, sizeof(r->dst), &r->dst) < 0) ||
	    (r->ipproto && nla_put_u8(msg, FRA_IP_PROTO, r->ipproto) < 0) ||
	    nla_put_u32(msg, FRA_TABLE, r->table) < 0 ||
	    nla_put_u32(msg, FRA_PRIORITY, r->prio) < 0 ||
	    nla_put_u8(msg, FRA_PROTOCOL, r->protocol) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = rtnl_talk(msg, NULL, NULL);
	return err == -EEXIST ? 0 : err;
}

int knl_rule_del(const struct knl_rule *r)
{
	if (!rtnl_rule_ok(r))
		return -EINVAL;
	/* The dumped rule goes back as the request: a delete request
	 * without a selector would match any rule of that priority. */
	return rtnl_dump_delete(RTM_GETRULE, RTM_DELRULE, rtnl_keep_rule_eq, r);
}

int knl_rule_list(uint32_t table, struct knl_rule *out, size_t max)
{
	struct fib_rule_hdr frh = {.family = AF_INET6};
	GPtrArray *msgs = NULL;
	int err, n;

	if (max && !out)
		return -EINVAL;
	err = rtnl_dump(RTM_GETRULE, &frh, sizeof(frh), rtnl_keep_rule_table, &table, &msgs);
	if (err)
		return err;
	for (unsigned int i = 0; i < msgs->len && i < max; i++)
		(void)rtnl_rule_get(g_ptr_array_index(msgs, i), &out[i]);
	n = msgs->len > INT_MAX ? INT_MAX : (int)msgs->len;
	g_ptr_array_unref(msgs);
	return n;
}

/* An IPv6 route request for dst/plen in table, tagged KNL_PROTO_MND. */
static struct nl_msg *rtnl_route_msg(int type, int flags, uint32_t table,
				     const struct in6_addr *dst, uint8_t plen)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET6,
		.rtm_dst_len = plen,
		/* Tables above 255 exist only as RTA_TABLE. */
		.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.rtm_protocol = KNL_PROTO_MND,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, table) < 0 ||
	    (plen && nla_put(msg, RTA_DST, sizeof(*dst), dst) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The device and the lightweight tunnel: RTA_ENCAP_TYPE, then RTA_ENCAP
 * nesting the type's own attributes (attr, len bytes of data for the seg6
 * SRH; u32 action and table for seg6local). */
static int rtnl_put_encap(struct nl_msg *msg, int oif, uint16_t type, const void *data, size_t len,
			  uint32_t action, uint32_t lookup)
{
	struct nlattr *nest;

	if (nla_put_u32(msg, RTA_OIF, (uint32_t)oif) < 0 ||
	    nla_put_u16(msg, RTA_ENCAP_TYPE, type) < 0)
		return -EMSGSIZE;
	nest = nla_nest_start(msg, RTA_ENCAP);
	if (!nest)
		return -EMSGSIZE;
	if (type == LWTUNNEL_ENCAP_SEG6) {
		if (len > INT_MAX || nla_put(msg, SEG6_IPTUNNEL_SRH, (int)len, data) < 0)
			return -EMSGSIZE;
	} else if (nla_put_u32(msg, SEG6_LOCAL_ACTION, action) < 0 ||
		   nla_put_u32(msg, SEG6_LOCAL_TABLE, lookup) < 0) {
		return -EMSGSIZE;
	}
	return nla_nest_end(msg, nest) < 0 ? -EMSGSIZE : 0;
}

/* SEG6_IPTUNNEL_SRH for "mode encap.red segs seg": the mode (struct
 * seg6_iptunnel_encap) and an SRH of one segment, as iproute2 builds it
 * (hdrlen in 8-octet units beyond the first, type 4, segments_left =
 * first_segment = 0). With encap.red and one segment the kernel puts no
 * SRH on the wire: plain IPv6-in-IPv6 (RFC 2473) to seg. */
#define RTNL_SEG6_ENCAP_LEN                                                                        \
	(sizeof(struct seg6_iptunnel_encap) + sizeof(struct ipv6_sr_hdr) + sizeof(struct in6_addr))
#define RTNL_SRCRT_TYPE_4 4 /* IPV6_SRCRT_TYPE_4, in the kernel's ipv6.h only */

static void rtnl_seg6_encap_red(uint8_t buf[RTNL_SEG6_ENCAP_LEN], const struct in6_addr *seg)
{
	struct ipv6_sr_hdr srh = {
		.hdrlen = (sizeof(struct ipv6_sr_hdr) + sizeof(struct in6_addr)) / 8 - 1,
		.type = RTNL_SRCRT_TYPE_4,
	};
	int mode = SEG6_IPTUN_MODE_ENCAP_RED;

	memcpy(buf, &mode, sizeof(mode));
	buf += sizeof(struct seg6_iptunnel_encap);
	memcpy(buf, &srh, sizeof(srh));
	memcpy(buf + sizeof(srh), seg, sizeof(*seg));
}

static int rtnl_seg6_encap_msg(uint32_t table, const struct in6_addr *dst, uint8_t plen,
			       const struct in6_addr *seg, int oif, uint32_t mtu,
			       struct nl_msg **out)
{
	uint8_t enc[RTNL_SEG6_ENCAP_LEN];
	struct nl_msg *msg;
	struct nlattr *mx;
	int err;

	*out = NULL;
	if (!seg || oif <= 0 || plen > 128 || (plen && !dst))
		return -EINVAL;
	rtnl_seg6_encap_red(enc, seg);
	/* REPLACE: a second call moves the route to the new segment or MTU. */
	msg = rtnl_route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table, dst, plen);
	if (!msg)
		return -ENOMEM;
	err = rtnl_put_encap(msg, oif, LWTUNNEL_ENCAP_SEG6, enc, sizeof(enc), 0, 0);
	if (!err && mtu) {
		mx = nla_nest_start(msg, RTA_METRICS);
		if (!mx || nla_put_u32(msg, RTAX_MTU, mtu) < 0 || nla_nest_end(msg, mx) < 0)
			err = -EMSGSIZE;
	}
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	*out = msg;
	return 0;
}

static int rtnl_seg6_dt6_msg(uint32_t table, const struct in6_addr *dst, uint8_t plen,
			     uint32_t lookup, int oif, struct nl_msg **out)
{
	struct nl_msg *msg;
	int err;

	*out = NULL;
	if (oif <= 0 || plen > 128 || (plen && !dst) || lookup == RT_TABLE_UNSPEC)
		return -EINVAL;
	msg = rtnl_route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table, dst, plen);
	if (!msg)
		return -ENOMEM;
	err = rtnl_put_encap(msg, oif, LWTUNNEL_ENCAP_SEG6_LOCAL, NULL, 0,
			     SEG6_LOCAL_ACTION_END_DT6, lookup);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	*out = msg;
	return 0;
}

int knl_route_add_seg6_encap(uint32_t table, const struct in6_addr *dst, uint8_t plen,
			     const struct in6_addr *seg, int oif, uint32_t mtu)
{
	struct nl_msg *msg;
	int err;

	if (!rtnl_table_ok(table))
		return -EINVAL;
	err = rtnl_seg6_encap_msg(table, dst, plen, seg, oif, mtu, &msg);
	return err ? err : rtnl_talk(msg, NULL, NULL);
}

int knl_route_add_seg6_dt6(uint32_t table, const struct in6_addr *dst, uint8_t plen,
			   uint32_t lookup, int oif)
{
	struct nl_msg *msg;
	int err;

	if (!rtnl_table_ok(table))
		return -EINVAL;
	err = rtnl_seg6_dt6_msg(table, dst, plen, lookup, oif, &msg);
	return err ? err : rtnl_talk(msg, NULL, NULL);
}

int knl_route_del(uint32_t table, const struct in6_addr *dst, uint8_t plen)
{
	if (!rtnl_table_ok(table) || plen > 128 || (plen && !dst))
		return -EINVAL;
	/* The kernel matches the destination, the table and, since it is
	 * given, the protocol: only our route goes. */
	return rtnl_talk(rtnl_route_msg(RTM_DELROUTE, 0, table, dst, plen), NULL, NULL);
}

/* One probe step: the kernel's answer as the reason. */
static int rtnl_probe_step(struct nl_sock *sk, struct nl_msg *msg, int err, const char *what,
			   char *why, size_t len)
{
	char ack[128] = "";

	if (!err)
		err = rtnl_talk_sk(sk, msg, NULL, NULL, ack, sizeof(ack));
	if (err && why && len)
		snprintf(why, len, "%s: %s%s%s", what, strerror(-err), ack[0] ? ": " : "", ack);
	return err;
}

int knl_probe_seg6(uint32_t table, int oif, char *why, size_t len)
{
	/* Scratch destinations in the discard-only prefix (RFC 6666). */
	static const struct in6_addr dst_encap = {{{0x01, 0x00, [15] = 0x01}}};
	static const struct in6_addr dst_dt6 = {{{0x01, 0x00, [15] = 0x02}}};
	static const struct in6_addr seg = {{{0x01, 0x00, [15] = 0x03}}};
	struct nl_sock *sk;
	struct nl_msg *msg;
	int one = 1, err;

	if (!rtnl_table_ok(table) || oif <= 0)
		return -EINVAL;
	/* Its own socket: --check and the backend choice run before
	 * knl_init(). */
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		err = rtnl_nle_errno(err);
		if (why && len)
			snprintf(why, len, "rtnetlink: %s", strerror(-err));
		nl_socket_free(sk);
		return err;
	}
	/* For the kernel's own words on what it refused. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));

	err = rtnl_seg6_encap_msg(table, &dst_encap, 128, &seg, oif, 0, &msg);
	err = rtnl_probe_step(sk, msg, err, "seg6 encap route", why, len);
	if (!err) {
		(void)rtnl_talk_sk(sk, rtnl_route_msg(RTM_DELROUTE, 0, table, &dst_encap, 128),
				   NULL, NULL, NULL, 0);
		err = rtnl_seg6_dt6_msg(table, &dst_dt6, 128, RT_TABLE_LOCAL, oif, &msg);
		err = rtnl_probe_step(sk, msg, err, "seg6local End.DT6 route", why, len);
		if (!err)
			(void)rtnl_talk_sk(sk,
					   rtnl_route_msg(RTM_DELROUTE, 0, table, &dst_dt6, 128),
					   NULL, NULL, NULL, 0);
	}
	nl_socket_free(sk);
	return err;
}

/* ---------------------------------------------------------------- sysctl */

/* The names become a path under /proc/sys: no separator, no "." or "..",
 * nothing that is not a plain name. */
static bool rtnl_sysctl_name_ok(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, max);
	if (n == 0 || n >= max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || (unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static int rtnl_sysctl_path(const char *ifname, const char *key, char *path, size_t size)
{
	int n;

	if (!rtnl_sysctl_name_ok(ifname, IFNAMSIZ) || !rtnl_sysctl_name_ok(key, 64))
		return -EINVAL;
	n = snprintf(path, size, RTNL_SYSCTL_DIR "%s/%s", ifname, key);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int knl_sysctl_get(const char *ifname, const char *key, int *val)
{
	char path[128], buf[32], *end;
	ssize_t n;
	long v;
	int fd, err;

	if (!val)
		return -EINVAL;
	err = rtnl_sysctl_path(ifname, key, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*val = (int)v;
	return 0;
}

int knl_sysctl_set(const char *ifname, const char *key, int val)
{
	char path[128], buf[16];
	ssize_t n;
	int fd, len, err;

	err = rtnl_sysctl_path(ifname, key, path, sizeof(path));
	if (err)
		return err;
	len = snprintf(buf, sizeof(buf), "%d\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, (size_t)len);
	err = n < 0 ? -errno : n != len ? -EIO : 0;
	close(fd);
	return err;
}
