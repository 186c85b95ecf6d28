// SPDX-License-Identifier: BSD-3-Clause
/*
 * mn-dar: the reference Distributed Anchor Router used by the tests
 * (notes/protocol.md "Project profile (decided)", notes/testbed.md §2-§4).
 *
 *   mn-dar --address ADDR --prefix PREFIX/64 [--prefix ...]
 *          [--backend tun|seg6|ip6tnl] [--lifetime-cap SECONDS] [--brr-before SECONDS]
 *          [--state FILE] [--log FILE] [--tun-name NAME] [--delay MS]
 *
 * Signalling: BUs arrive tunnelled (outer CoA -> ADDR, NH 41; inner HoA -> ADDR,
 * NH 135) on a raw protocol-41 socket, or un-tunnelled (HoA -> ADDR) on a raw
 * MH socket; BAs go back the same way. The decisions are in dar_bc.c.
 *
 * Data plane: backends "tun" and "seg6" relay the uplink in userspace (raw 41
 * socket -> inner source check -> TUN device, the kernel forwards). Downlink:
 * "tun" routes HoA/128 into the TUN and the relay encapsulates to the CoA;
 * "seg6" installs HoA/128 encap seg6 mode encap.red segs CoA and sets the
 * seg6 tunnel source to ADDR. Backend "ip6tnl" leaves both directions to the
 * kernel: one ip6ip6 link per binding (mndt<slot>, local ADDR, remote CoA;
 * mnd/sys/ip6tnl_link.c, shared with mnd's own ip6tnl backend) and HoA/128
 * dev that link; a move changes the link's remote in place. Every route
 * carries protocol DAR_RTPROT.
 *
 * --delay MS (backend tun only) stands in for netem, which the test kernels
 * lack: every packet received on the raw sockets is handled MS/2 ms late and
 * every packet sent leaves MS/2 ms late, so the round trip through this DAR
 * grows by MS (section "delay" below).
 *
 * Exit: 0 clean stop (SIGTERM/SIGINT), 1 runtime/setup error, 2 bad usage,
 * 3 backend unavailable on this kernel.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/netlink.h>

#include <glib-unix.h>
#include <glib.h>

#include "dar_bc.h"
#include "dar_nl.h"
#include "proto/err.h"
#include "sys/ip6tnl_link.h"
#include "sys/sig.h"

#define EXIT_USAGE 2
#define EXIT_NOBACKEND 3
#define TUN_MTU 1460
#define PKT_MAX 65536
#define DELAY_MAX_MS 10000
#define DELAY_MAX_PKTS 4096
#define DELAY_MAX_BYTES (4u << 20)
/* ip6tnl backend links: mndt<slot>; not mnd's "mnt" prefix, so that neither
 * sweeps the other's links should both run in one namespace. */
#define TNL_PREFIX "mndt"
#define TNL_PROBE_FMT TNL_PREFIX "p%u" /* mndtp<pid> */

enum backend { BE_TUN, BE_SEG6, BE_IP6TNL };
static const char *const backend_names[] = {"tun", "seg6", "ip6tnl"};

enum counter {
	C_RX,
	C_BU,
	C_BA,
	C_BRR,
	C_DROP_DECODE,
	C_DROP_CHECKSUM,
	C_DROP_SPOOFED,
	C_DROP_UNKNOWN_COA,
	C_TUNNEL_UP,
	C_TUNNEL_DOWN,
	C__COUNT
};
static const char *const counter_names[] = {
	"rx",           "bu",
	"ba",           "brr",
	"drop_decode",  "drop_checksum",
	"drop_spoofed", "drop_unknown_coa",
	"tunnel_up",    "tunnel_down",
};

struct dar {
	struct dar_bc bc;
	enum backend backend;
	struct in6_addr addr;
	char addr_s[INET6_ADDRSTRLEN];
	const char *state_path;
	const char *tun_name;
	FILE *log;

	int raw41, raw135, tun_fd, tun_ifindex;
	struct dar_nl nl, genl;
	bool tunsrc_set;
	struct in6_addr old_tunsrc;

	/* backend ip6tnl: HoA -> struct dar_link, and which slots (names) are taken */
	struct ip6tnl_sock tnl;
	GHashTable *links;
	bool slot_used[DAR_MAX_BINDINGS];

	uint64_t cnt[C__COUNT];
	guint timer;

	/* --delay: one FIFO of struct delayed for both directions, one timer on its head */
	uint32_t delay_ms;
	int64_t delay_half_us;
	GQueue delay_q;
	size_t delay_bytes;
	guint delay_timer;
	bool delay_flushing;
	uint64_t drop_delay;

	GMainLoop *loop;
	int exit_code;
	uint8_t pkt[PKT_MAX];
};

static struct dar D = {.raw41 = -1, .raw135 = -1, .tun_fd = -1, .delay_q = G_QUEUE_INIT};

/* ------------------------------------------------------------------ utils */

static int64_t now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

G_GNUC_PRINTF(1, 2)
static void logf_(const char *fmt, ...)
{
	FILE *f = D.log ? D.log : stderr;
	va_list ap;

	fputs("mn-dar: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

/* inet_ntop into one of a few rotating static buffers. */
static const char *a6(const struct in6_addr *a)
{
	static char buf[8][INET6_ADDRSTRLEN];
	static unsigned int i;
	char *b = buf[i++ % 8];

	if (!a)
		return "-";
	return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN) ? b : "?";
}

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

/* ------------------------------------------------------------ state dump */

static GString *dump(void)
{
	GString *s = g_string_new(NULL);
	int64_t now = now_ms();

	for (size_t i = 0; i < D.bc.n; i++) {
		const struct dar_binding *b = &D.bc.b[i];
		int64_t rem = b->expires_ms > now ? (b->expires_ms - now) / 1000 : 0;
		char ph[2 * MN_PHKT_LEN + 1];

		hex(b->phkt, MN_PHKT_LEN, ph);
		g_string_append_printf(s,
				       "binding hoa=%s coa=%s seq=%u lifetime=%u remaining=%lld "
				       "phkt=%s\n",
				       a6(&b->hoa), a6(&b->coa), b->seq, b->lifetime_units * 4u,
				       (long long)rem, ph);
	}
	g_string_append(s, "counters");
	for (int c = 0; c < C__COUNT; c++)
		g_string_append_printf(s, " %s=%llu", counter_names[c],
				       (unsigned long long)D.cnt[c]);
	if (D.delay_ms)
		g_string_append_printf(s, " drop_delay=%llu", (unsigned long long)D.drop_delay);
	g_string_append_c(s, '\n');
	return s;
}

static void state_write(void)
{
	GString *s;
	char *tmp;
	FILE *f;

	if (!D.state_path)
		return;
	s = dump();
	tmp = g_strdup_printf("%s.tmp.%d", D.state_path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fwrite(s->str, 1, s->len, f) != s->len || fclose(f) != 0) {
		logf_("error: writing %s: %s", tmp, strerror(errno));
		if (f)
			(void)unlink(tmp);
	} else if (rename(tmp, D.state_path) != 0) {
		logf_("error: rename %s -> %s: %s", tmp, D.state_path, strerror(errno));
		(void)unlink(tmp);
	}
	g_free(tmp);
	g_string_free(s, TRUE);
}

static void dump_to_log(void)
{
	GString *s = dump();
	char **lines = g_strsplit(s->str, "\n", -1);

	for (char **l = lines; *l; l++)
		if (**l)
			logf_("%s", *l);
	g_strfreev(lines);
	g_string_free(s, TRUE);
}

/* ---------------------------------------------------------------- sending */

static void ip6_header(uint8_t *h, size_t plen, uint8_t nh, const struct in6_addr *src,
		       const struct in6_addr *dst)
{
	struct ip6_hdr *ip = (struct ip6_hdr *)h;

	memset(ip, 0, sizeof(*ip));
	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons((uint16_t)plen);
	ip->ip6_nxt = nh;
	ip->ip6_hlim = 64;
	ip->ip6_src = *src;
	ip->ip6_dst = *dst;
}

/* sendmsg with source = our address. */
static int send_now(int fd, const struct in6_addr *dst, const void *data, size_t len)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = *dst};
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
	struct cmsghdr *cm;
	struct in6_pktinfo pi;

	memset(&cbuf, 0, sizeof(cbuf));
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = D.addr;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

enum delay_kind { DQ_RX41, DQ_RX135, DQ_TX };

static void delay_push(enum delay_kind kind, int fd, const struct in6_addr *a,
		       const struct in6_addr *b, const void *data, size_t len);

/* Send now, or with --delay MS/2 ms later (from a full delay queue the packet is dropped, as
 * from a full qdisc: counted, not an error for the caller). */
static int send_from_us(int fd, const struct in6_addr *dst, const void *data, size_t len)
{
	if (D.delay_half_us) {
		delay_push(DQ_TX, fd, dst, NULL, data, len);
		return 0;
	}
	return send_now(fd, dst, data, len);
}

/* Inner DAR -> hoa carrying the MH, outer DAR -> coa. */
static int send_mh_tunnelled(const struct in6_addr *hoa, const struct in6_addr *coa,
			     const uint8_t *mh, size_t len)
{
	uint8_t pkt[sizeof(struct ip6_hdr) + MH_MAX_LEN];

	ip6_header(pkt, len, IPPROTO_MH, &D.addr, hoa);
	memcpy(pkt + sizeof(struct ip6_hdr), mh, len);
	return send_from_us(D.raw41, coa, pkt, sizeof(struct ip6_hdr) + len);
}

/* ---------------------------------------------------- ip6tnl backend links */

static int write_sysctl(const char *path, const char *val);

/* One kernel ip6ip6 link per binding: the kernel matches a received
 * tunnelled packet to a link by its outer addresses, so each CoA needs its
 * own link (and two bindings with one CoA cannot exist: the kernel refuses
 * a second link with the same endpoints; the profile has one HoA per MN and
 * DAR, so that does not happen). */
struct dar_link {
	struct in6_addr hoa, coa;
	unsigned int slot;
	int ifindex;
	char name[IFNAMSIZ];
};

static guint in6_hash(gconstpointer p)
{
	const uint8_t *a = p;
	guint h = 5381;

	for (int i = 0; i < 16; i++)
		h = h * 33 + a[i];
	return h;
}

static gboolean in6_equal(gconstpointer a, gconstpointer b)
{
	return addr_eq(a, b);
}

/* The link a packet came in on, if it is one of ours. A linear walk: the
 * reference DAR holds a handful of bindings in the tests. */
static const struct dar_link *tnl_by_ifindex(int ifindex)
{
	GHashTableIter it;
	gpointer v;

	if (!D.links || ifindex <= 0)
		return NULL;
	g_hash_table_iter_init(&it, D.links);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((const struct dar_link *)v)->ifindex == ifindex)
			return v;
	return NULL;
}

/* Delete the link and forget it (l is freed). "Already gone" is fine. */
static int tnl_del(struct dar_link *l)
{
	struct in6_addr hoa = l->hoa; /* the key lives in l, which the removal frees */
	int err = ip6tnl_link_del(&D.tnl, l->name);

	if (err == -ENODEV || err == -ENOENT)
		err = 0;
	if (err)
		logf_("error: delete link %s: %s", l->name, strerror(-err));
	D.slot_used[l->slot] = false;
	g_hash_table_remove(D.links, &hoa);
	return err;
}

/* Create the link of a binding, up, without IPv6 autoconfiguration. */
static int tnl_create(struct dar_link *l)
{
	char path[128];
	int err;

	err = ip6tnl_link_add(&D.tnl, l->name, 0, &D.addr, &l->coa, TUN_MTU);
	if (err == -EEXIST && if_nametoindex(l->name)) {
		/* Ours by its name (the sweep at start missed it, or a link
		 * delete failed): replace it. */
		(void)ip6tnl_link_del(&D.tnl, l->name);
		err = ip6tnl_link_add(&D.tnl, l->name, 0, &D.addr, &l->coa, TUN_MTU);
	}
	if (err == -EEXIST) {
		logf_("error: link %s: another ip6tnl link already has local %s remote %s", l->name,
		      D.addr_s, a6(&l->coa));
		return err;
	}
	if (err) {
		logf_("error: create link %s (remote %s): %s", l->name, a6(&l->coa),
		      strerror(-err));
		return err;
	}
	l->ifindex = (int)if_nametoindex(l->name);
	if (l->ifindex <= 0) {
		logf_("error: link %s vanished after its creation", l->name);
		return -ENODEV;
	}
	/* Before it comes up: no Router Solicitation or RA on the tunnel. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", l->name);
	if ((err = write_sysctl(path, "0")) < 0)
		logf_("warning: %s: %s", path, strerror(-err));
	err = dar_nl_link_setup(&D.nl, l->ifindex, TUN_MTU);
	if (err)
		logf_("error: setting up %s: %s", l->name, D.nl.why);
	return err;
}

/* The link for HoA with remote CoA: made, or moved (in place, so that its
 * ifindex and the HoA route stay), or unchanged (a refresh). */
static const struct dar_link *tnl_install(const struct in6_addr *hoa, const struct in6_addr *coa)
{
	struct dar_link *l = g_hash_table_lookup(D.links, hoa);
	unsigned int slot;
	int err;

	if (l && addr_eq(&l->coa, coa))
		return l;
	if (l) {
		err = ip6tnl_link_change(&D.tnl, l->ifindex, l->name, 0, &D.addr, coa, TUN_MTU);
		if (!err) {
			l->coa = *coa;
			return l;
		}
		/* Made anew: a moment without the tunnel, while the binding
		 * moves anyway. */
		logf_("warning: moving %s to remote %s: %s; recreating it", l->name, a6(coa),
		      strerror(-err));
		(void)tnl_del(l);
	}
	for (slot = 0; slot < DAR_MAX_BINDINGS && D.slot_used[slot]; slot++)
		;
	if (slot == DAR_MAX_BINDINGS) {
		logf_("error: no free tunnel link slot (%d in use)", DAR_MAX_BINDINGS);
		return NULL;
	}
	l = g_new0(struct dar_link, 1);
	l->hoa = *hoa;
	l->coa = *coa;
	l->slot = slot;
	snprintf(l->name, sizeof(l->name), TNL_PREFIX "%u", slot);
	D.slot_used[slot] = true;
	g_hash_table_insert(D.links, &l->hoa, l);
	if (tnl_create(l)) {
		(void)tnl_del(l);
		return NULL;
	}
	return l;
}

/* ------------------------------------------------------------- data plane */

static int dp_install(const struct in6_addr *hoa, const struct in6_addr *coa)
{
	const struct dar_link *l = NULL;
	int err;

	if (D.backend == BE_IP6TNL) {
		l = tnl_install(hoa, coa);
		if (!l)
			return -EIO; /* tnl_install said why */
		err = dar_nl_route_dev(&D.nl, hoa, l->ifindex);
	} else if (D.backend == BE_SEG6) {
		err = dar_nl_route_seg6(&D.nl, hoa, coa, D.tun_ifindex);
	} else {
		err = dar_nl_route_dev(&D.nl, hoa, D.tun_ifindex);
	}
	if (err) {
		logf_("error: route %s/128 (%s): %s", a6(hoa), backend_names[D.backend], D.nl.why);
		return err;
	}
	D.cnt[C_TUNNEL_UP]++;
	logf_("tunnel up hoa=%s coa=%s backend=%s%s%s", a6(hoa), a6(coa), backend_names[D.backend],
	      l ? " dev=" : "", l ? l->name : "");
	return 0;
}

static void dp_remove(const struct in6_addr *hoa, const struct in6_addr *coa)
{
	int err = dar_nl_route_del(&D.nl, hoa);
	struct dar_link *l;

	if (err && err != -ESRCH && err != -ENOENT)
		logf_("error: delete route %s/128: %s", a6(hoa), D.nl.why);
	if (D.links && (l = g_hash_table_lookup(D.links, hoa)))
		(void)tnl_del(l);
	D.cnt[C_TUNNEL_DOWN]++;
	logf_("tunnel down hoa=%s coa=%s", a6(hoa), a6(coa));
}

/* ----------------------------------------------------------------- timers */

static gboolean on_timer(gpointer user);

static void timer_arm(void)
{
	int64_t next = dar_bc_next_deadline(&D.bc), delay;

	if (D.timer) {
		g_source_remove(D.timer);
		D.timer = 0;
	}
	if (next < 0)
		return;
	delay = next - now_ms();
	if (delay < 0)
		delay = 0;
	D.timer = g_timeout_add((guint)MIN(delay + 1, (int64_t)G_MAXUINT32 / 2), on_timer, NULL);
}

static gboolean on_timer(gpointer user)
{
	struct dar_event ev;
	bool changed = false;

	D.timer = 0;
	while (dar_bc_poll(&D.bc, now_ms(), &ev)) {
		changed = true;
		if (ev.kind == DAR_EV_EXPIRED) {
			logf_("binding expired hoa=%s coa=%s seq=%u", a6(&ev.b.hoa), a6(&ev.b.coa),
			      ev.b.seq);
			dp_remove(&ev.b.hoa, &ev.b.coa);
		} else if (ev.msg_len) {
			int err = send_mh_tunnelled(&ev.b.hoa, &ev.b.coa, ev.msg, ev.msg_len);

			if (err)
				logf_("error: tx BRR hoa=%s coa=%s: %s", a6(&ev.b.hoa),
				      a6(&ev.b.coa), strerror(-err));
			else {
				D.cnt[C_BRR]++;
				logf_("tx BRR hoa=%s coa=%s remaining=%lld", a6(&ev.b.hoa),
				      a6(&ev.b.coa),
				      (long long)((ev.b.expires_ms - now_ms()) / 1000));
			}
		}
	}
	if (changed)
		state_write();
	timer_arm();
	return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------- signalling */

static void count_drop(enum dar_drop d)
{
	switch (d) {
	case DAR_DROP_DECODE:
		D.cnt[C_DROP_DECODE]++;
		break;
	case DAR_DROP_CHECKSUM:
		D.cnt[C_DROP_CHECKSUM]++;
		break;
	case DAR_DROP_SPOOFED:
		D.cnt[C_DROP_SPOOFED]++;
		break;
	case DAR_DROP_UNKNOWN_COA:
		D.cnt[C_DROP_UNKNOWN_COA]++;
		break;
	default:
		break;
	}
}

/* One MH addressed to us: src/dst are the inner (or only) IPv6 addresses,
 * outer the outer source when it came tunnelled. */
static void handle_mh(const uint8_t *mh, size_t len, const struct in6_addr *src,
		      const struct in6_addr *dst, const struct in6_addr *outer)
{
	static struct dar_bu_out out;
	struct dar_bu_in in = {
		.mh = mh,
		.len = len,
		.src = *src,
		.dst = *dst,
		.outer = outer,
		.now_ms = now_ms(),
	};
	enum dar_action act;
	int err = 0;

	D.cnt[C_RX]++;
	act = dar_bc_process_mh(&D.bc, &in, &out);
	if (out.is_bu) {
		char status[8] = "-";
		bool dropped = act == DAR_ACT_DROP;

		if (!dropped)
			snprintf(status, sizeof(status), "%u", out.status);
		D.cnt[C_BU]++;
		logf_("rx BU peer=%s hoa=%s coa=%s seq=%u lifetime=%u method=%s status=%s%s%s%s%s",
		      a6(outer), a6(src), out.have_coa ? a6(&out.coa) : "-", out.seq,
		      out.req_lifetime, dar_method_name(out.method), status,
		      out.reason && !dropped ? " reason=" : "",
		      out.reason && !dropped ? out.reason : "", out.err && !dropped ? " err=" : "",
		      out.err && !dropped ? mn_err_name(out.err) : "");
	}
	if (act == DAR_ACT_DROP) {
		count_drop(out.drop);
		if (out.err)
			logf_("drop reason=%s err=%s peer=%s src=%s dst=%s len=%zu", out.reason,
			      mn_err_name(out.err), a6(outer), a6(src), a6(dst), len);
		else
			logf_("drop reason=%s peer=%s src=%s dst=%s len=%zu", out.reason, a6(outer),
			      a6(src), a6(dst), len);
		state_write();
		return;
	}

	switch (act) {
	case DAR_ACT_BIND:
	case DAR_ACT_REBIND:
		dp_install(&out.hoa, &out.coa);
		break;
	case DAR_ACT_UNBIND:
		dp_remove(&out.hoa, &out.old_coa);
		break;
	default:
		break;
	}
	if (out.send_ba)
		D.cnt[C_BA]++;
	state_write();
	timer_arm();

	if (!out.send_ba)
		return;
	if (out.tunnelled)
		err = send_mh_tunnelled(&out.hoa, &out.reply_outer, out.ba, out.ba_len);
	else
		err = send_from_us(D.raw135, &out.hoa, out.ba, out.ba_len);
	if (err) {
		D.cnt[C_BA]--;
		state_write();
		logf_("error: tx BA hoa=%s: %s", a6(&out.hoa), strerror(-err));
		return;
	}
	logf_("tx BA hoa=%s coa=%s seq=%u status=%u lifetime=%u via=%s%s%s", a6(&out.hoa),
	      a6(&out.coa), out.ba_seq, out.status, out.ba_lifetime,
	      out.tunnelled ? a6(&out.reply_outer) : "direct", out.ba_has_phkt ? " phkt" : "",
	      out.ba_has_bad ? " bad" : "");
}

/* --------------------------------------------------------------- receivers */

/* One packet into D.pkt; to and ifindex from its IPV6_PKTINFO (have_to). */
static ssize_t recv_pkt(int fd, struct in6_addr *from, struct in6_addr *to, int *ifindex,
			bool *have_to)
{
	struct sockaddr_in6 sa;
	struct iovec iov = {.iov_base = D.pkt, .iov_len = sizeof(D.pkt)};
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 256];
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
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	*have_to = false;
	if (n < 0)
		return -errno;
	*from = sa.sin6_addr;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*to = pi.ipi6_addr;
			*ifindex = (int)pi.ipi6_ifindex;
			*have_to = true;
		}
	return n;
}

static void relay_drop(enum dar_drop d, const char *reason, const struct in6_addr *outer,
		       const struct ip6_hdr *ip)
{
	count_drop(d);
	logf_("drop reason=%s peer=%s src=%s dst=%s nh=%u", reason, a6(outer), a6(&ip->ip6_src),
	      a6(&ip->ip6_dst), ip->ip6_nxt);
	state_write();
}

/* An IPv6-in-IPv6 packet from the raw 41 socket: signalling or uplink data. */
static void on_raw41_pkt(size_t n, const struct in6_addr *outer, const struct in6_addr *odst)
{
	const struct ip6_hdr *ip = (const struct ip6_hdr *)D.pkt;
	const struct dar_binding *b, *bc;
	size_t plen;

	if (!addr_eq(odst, &D.addr)) {
		/* protocol 41 to another address of this netns: not a tunnel of ours */
		logf_("drop reason=not_our_address peer=%s dst=%s len=%zu", a6(outer), a6(odst), n);
		return;
	}
	if (n < sizeof(*ip) || (D.pkt[0] >> 4) != 6) {
		D.cnt[C_DROP_DECODE]++;
		logf_("drop reason=decode err=inner_not_ipv6 peer=%s len=%zu", a6(outer), n);
		state_write();
		return;
	}
	plen = ntohs(ip->ip6_plen);
	if (plen == 0 || sizeof(*ip) + plen > n) {
		D.cnt[C_DROP_DECODE]++;
		logf_("drop reason=decode err=inner_length peer=%s len=%zu plen=%zu", a6(outer), n,
		      plen);
		state_write();
		return;
	}
	n = sizeof(*ip) + plen;

	if (ip->ip6_nxt == IPPROTO_MH && addr_eq(&ip->ip6_dst, &D.addr)) {
		struct in6_addr src = ip->ip6_src, dst = ip->ip6_dst;

		handle_mh(D.pkt + sizeof(*ip), plen, &src, &dst, outer);
		return;
	}

	/* Backend ip6tnl: this is a copy (raw sockets see every packet of
	 * their protocol); the kernel decapsulates the original on the
	 * binding's link and forwards it itself. */
	if (D.backend == BE_IP6TNL)
		return;

	/* Uplink data: the inner source must be a HoA bound to this outer source. */
	bc = dar_bc_find_coa(&D.bc, outer);
	if (!bc) {
		relay_drop(DAR_DROP_UNKNOWN_COA, "unknown_coa", outer, ip);
		return;
	}
	b = dar_bc_find(&D.bc, &ip->ip6_src);
	if (!b || !addr_eq(&b->coa, outer)) {
		relay_drop(DAR_DROP_SPOOFED, "spoofed", outer, ip);
		return;
	}
	if (write(D.tun_fd, D.pkt, n) < 0)
		logf_("error: write %s: %s", D.tun_name, strerror(errno));
}

/* ------------------------------------------------------------------ delay */

/*
 * --delay MS. Each packet received on the raw 41 or MH socket (BUs, uplink data) and each
 * packet sent (BAs, BRRs, downlink data encapsulated from the TUN) is copied into one FIFO
 * with the deadline now + MS/2 and handled, or sent, at that deadline. The deadlines grow
 * with the queue, so a single timer armed for the head is enough, and the order of packets
 * is kept. Beyond DELAY_MAX_PKTS or DELAY_MAX_BYTES queued, packets are dropped and counted
 * (drop_delay in the state file; the first drop and every 1000th are logged). GLib timers
 * have millisecond resolution: a packet may leave up to 1 ms after its deadline.
 */
struct delayed {
	int64_t due_us;
	enum delay_kind kind;
	int fd;               /* DQ_TX: the socket to send on */
	struct in6_addr a, b; /* DQ_RX*: outer source, destination; DQ_TX: a = destination */
	size_t len;
	uint8_t data[];
};

static gboolean on_delay_timer(gpointer user);

static void delay_arm(void)
{
	const struct delayed *head = g_queue_peek_head(&D.delay_q);
	int64_t wait_us;

	if (!head || D.delay_timer || D.delay_flushing)
		return;
	wait_us = head->due_us - g_get_monotonic_time();
	if (wait_us < 0)
		wait_us = 0;
	/* rounded up: never before the deadline */
	D.delay_timer = g_timeout_add((guint)((wait_us + 999) / 1000), on_delay_timer, NULL);
}

static void delay_push(enum delay_kind kind, int fd, const struct in6_addr *a,
		       const struct in6_addr *b, const void *data, size_t len)
{
	struct delayed *d;

	if (D.delay_q.length >= DELAY_MAX_PKTS || D.delay_bytes + len > DELAY_MAX_BYTES) {
		if (D.drop_delay++ % 1000 == 0) {
			logf_("drop reason=delay_queue_full queued=%u bytes=%zu dropped=%llu",
			      D.delay_q.length, D.delay_bytes, (unsigned long long)D.drop_delay);
			state_write();
		}
		return;
	}
	d = g_malloc(sizeof(*d) + len);
	d->due_us = g_get_monotonic_time() + D.delay_half_us;
	d->kind = kind;
	d->fd = fd;
	d->a = *a;
	d->b = b ? *b : in6addr_any;
	d->len = len;
	memcpy(d->data, data, len);
	g_queue_push_tail(&D.delay_q, d);
	D.delay_bytes += len;
	delay_arm();
}

/* Handle or send every packet whose deadline has passed, then re-arm for the next one. */
static gboolean on_delay_timer(gpointer user)
{
	int64_t now = g_get_monotonic_time();
	struct delayed *d;
	int err;

	D.delay_timer = 0;
	D.delay_flushing = true; /* packets queued meanwhile (BAs) must not arm a second timer */
	while ((d = g_queue_peek_head(&D.delay_q)) && d->due_us <= now) {
		g_queue_pop_head(&D.delay_q);
		D.delay_bytes -= d->len;
		switch (d->kind) {
		case DQ_RX41:
			memcpy(D.pkt, d->data, d->len);
			on_raw41_pkt(d->len, &d->a, &d->b);
			break;
		case DQ_RX135:
			memcpy(D.pkt, d->data, d->len);
			handle_mh(D.pkt, d->len, &d->a, &d->b, NULL);
			break;
		case DQ_TX:
			err = send_now(d->fd, &d->a, d->data, d->len);
			if (err)
				logf_("error: tx (delayed) to %s: %s", a6(&d->a), strerror(-err));
			break;
		}
		g_free(d);
	}
	D.delay_flushing = false;
	delay_arm();
	return G_SOURCE_REMOVE;
}

static void delay_clear(void)
{
	if (D.delay_timer)
		g_source_remove(D.delay_timer);
	D.delay_timer = 0;
	g_queue_clear_full(&D.delay_q, g_free);
	D.delay_bytes = 0;
}

/* ---------------------------------------------------------- socket events */

static gboolean on_raw41(gint fd, GIOCondition cond, gpointer user)
{
	for (int i = 0; i < 64; i++) {
		struct in6_addr from, to;
		int ifindex = 0;
		bool have_to;
		ssize_t n = recv_pkt(fd, &from, &to, &ifindex, &have_to);

		if (n < 0) {
			if (n != -EAGAIN && n != -EWOULDBLOCK && n != -EINTR)
				logf_("error: recv (raw 41): %s", strerror((int)-n));
			break;
		}
		if (!have_to) {
			logf_("drop reason=no_pktinfo peer=%s", a6(&from));
			continue;
		}
		if (D.delay_half_us)
			delay_push(DQ_RX41, -1, &from, &to, D.pkt, (size_t)n);
		else
			on_raw41_pkt((size_t)n, &from, &to);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_raw135(gint fd, GIOCondition cond, gpointer user)
{
	for (int i = 0; i < 64; i++) {
		struct in6_addr from, to;
		int ifindex = 0;
		bool have_to;
		ssize_t n = recv_pkt(fd, &from, &to, &ifindex, &have_to);

		if (n < 0) {
			if (n != -EAGAIN && n != -EWOULDBLOCK && n != -EINTR)
				logf_("error: recv (raw 135): %s", strerror((int)-n));
			break;
		}
		/* Backend ip6tnl: a BU that came tunnelled over a binding's link
		 * reaches us twice, on the raw 41 socket (handled there, with its
		 * outer source) and decapsulated by the kernel here. */
		if (have_to && tnl_by_ifindex(ifindex))
			continue;
		if (!have_to || !addr_eq(&to, &D.addr)) {
			logf_("drop reason=not_our_address src=%s dst=%s len=%zd", a6(&from),
			      have_to ? a6(&to) : "?", n);
			continue;
		}
		if (D.delay_half_us)
			delay_push(DQ_RX135, -1, &from, &to, D.pkt, (size_t)n);
		else
			handle_mh(D.pkt, (size_t)n, &from, &to, NULL);
	}
	return G_SOURCE_CONTINUE;
}

/* Downlink packets routed into the TUN (backend tun): encapsulate to the CoA. */
static gboolean on_tun(gint fd, GIOCondition cond, gpointer user)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = read(fd, D.pkt, sizeof(D.pkt));
		const struct ip6_hdr *ip = (const struct ip6_hdr *)D.pkt;
		const struct dar_binding *b;
		int err;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				logf_("error: read %s: %s", D.tun_name, strerror(errno));
			break;
		}
		if ((size_t)n < sizeof(*ip) || (D.pkt[0] >> 4) != 6)
			continue;
		b = dar_bc_find(&D.bc, &ip->ip6_dst);
		if (!b) {
			if (!IN6_IS_ADDR_MULTICAST(&ip->ip6_dst))
				logf_("drop reason=no_binding src=%s dst=%s nh=%u",
				      a6(&ip->ip6_src), a6(&ip->ip6_dst), ip->ip6_nxt);
			continue;
		}
		err = send_from_us(D.raw41, &b->coa, D.pkt, (size_t)n);
		if (err)
			logf_("error: tx tunnel to %s: %s", a6(&b->coa), strerror(-err));
	}
	return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ setup */

static int open_raw(int proto)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int one = 1;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (proto == IPPROTO_MH) {
		int off = 4; /* the kernel fills and verifies the MH checksum */

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
	}
	return fd;
}

static int write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int read_sysctl_int(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int tun_open(void)
{
	struct ifreq ifr;
	char path[128];
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		logf_("error: open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", D.tun_name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		logf_("error: TUNSETIFF %s: %s", D.tun_name, strerror(errno));
		close(fd);
		return -1;
	}
	D.tun_fd = fd;
	D.tun_ifindex = (int)if_nametoindex(D.tun_name);
	if (!D.tun_ifindex) {
		logf_("error: %s has no ifindex", D.tun_name);
		return -1;
	}
	/* no RS, no link-local address, no SLAAC on the tunnel device */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", D.tun_name);
	if ((err = write_sysctl(path, "0")) < 0)
		logf_("warning: %s: %s", path, strerror(-err));
	err = dar_nl_link_setup(&D.nl, D.tun_ifindex, TUN_MTU);
	if (err) {
		logf_("error: setting up %s: %s", D.tun_name, D.nl.why);
		return -1;
	}
	return 0;
}

/* 0 ok, 1 error, 3 unavailable. */
static int backend_setup(void)
{
	int err;

	if (D.backend == BE_IP6TNL) {
		char name[IFNAMSIZ], why[160] = "";

		snprintf(name, sizeof(name), TNL_PROBE_FMT, (unsigned int)getpid());
		err = ip6tnl_link_probe(name, why, sizeof(why));
		if (err) {
			logf_("error: backend ip6tnl unavailable: the kernel cannot create ip6tnl "
			      "links (%s; CONFIG_IPV6_TUNNEL missing?)",
			      why);
			return EXIT_NOBACKEND;
		}
		err = ip6tnl_sock_open(&D.tnl);
		if (err) {
			logf_("error: rtnetlink (ip6tnl links): %s", strerror(-err));
			return 1;
		}
		/* What a killed run left: its routes went with the flush above. */
		err = ip6tnl_link_sweep(&D.tnl, TNL_PREFIX);
		if (err > 0)
			logf_("removed %d leftover tunnel link(s) %s*", err, TNL_PREFIX);
		D.links = g_hash_table_new_full(in6_hash, in6_equal, NULL, g_free);
		return 0;
	}
	if (D.backend == BE_SEG6) {
		struct in6_addr probe;

		/* Probe the lwtunnel encap with a route to the RFC 6666 discard prefix. */
		inet_pton(AF_INET6, "100::d4", &probe);
		err = dar_nl_route_seg6(&D.nl, &probe, &D.addr, D.tun_ifindex);
		if (err) {
			logf_("error: backend seg6 unavailable: seg6 encap route refused (%s; "
			      "CONFIG_IPV6_SEG6_LWTUNNEL missing?)",
			      D.nl.why);
			return EXIT_NOBACKEND;
		}
		(void)dar_nl_route_del(&D.nl, &probe);

		err = dar_nl_open(&D.genl, NETLINK_GENERIC);
		if (err) {
			logf_("error: generic netlink: %s", strerror(-err));
			return 1;
		}
		err = dar_genl_seg6_get_tunsrc(&D.genl, &D.old_tunsrc);
		if (err) {
			logf_("error: backend seg6 unavailable: SEG6 GET_TUNSRC: %s", D.genl.why);
			return EXIT_NOBACKEND;
		}
		err = dar_genl_seg6_set_tunsrc(&D.genl, &D.addr);
		if (err) {
			logf_("error: SEG6 SET_TUNSRC %s: %s", D.addr_s, D.genl.why);
			return 1;
		}
		D.tunsrc_set = true;
		logf_("seg6 tunsrc %s (was %s)", D.addr_s, a6(&D.old_tunsrc));
	}
	return 0;
}

static void teardown(void)
{
	int n;

	delay_clear(); /* packets still in flight are lost, as on a link going down */
	for (size_t i = 0; i < D.bc.n; i++)
		dp_remove(&D.bc.b[i].hoa, &D.bc.b[i].coa);
	dar_bc_clear(&D.bc);
	if (D.nl.fd >= 0) {
		n = dar_nl_flush_ours(&D.nl);
		if (n > 0)
			logf_("removed %d leftover route(s) with protocol %d", n, DAR_RTPROT);
	}
	if (D.tunsrc_set) {
		if (dar_genl_seg6_set_tunsrc(&D.genl, &D.old_tunsrc))
			logf_("error: restoring seg6 tunsrc: %s", D.genl.why);
		D.tunsrc_set = false;
	}
	if (D.links) {
		/* dp_remove above removed the links of live bindings */
		n = ip6tnl_link_sweep(&D.tnl, TNL_PREFIX);
		if (n > 0)
			logf_("removed %d leftover tunnel link(s) %s*", n, TNL_PREFIX);
		g_hash_table_destroy(D.links);
		D.links = NULL;
	}
	ip6tnl_sock_close(&D.tnl);
	if (D.tun_fd >= 0)
		close(D.tun_fd); /* the (non-persistent) TUN link goes with it */
	D.tun_fd = -1;
	if (D.raw41 >= 0)
		close(D.raw41);
	if (D.raw135 >= 0)
		close(D.raw135);
	D.raw41 = D.raw135 = -1;
	dar_nl_close(&D.nl);
	if (D.genl.fd > 0)
		dar_nl_close(&D.genl);
}

static gboolean on_stop(gpointer user)
{
	logf_("stopping (signal %s)", (const char *)user);
	D.exit_code = 0;
	g_main_loop_quit(D.loop);
	return G_SOURCE_CONTINUE;
}

static gboolean on_usr1(gpointer user)
{
	dump_to_log();
	return G_SOURCE_CONTINUE;
}

/* Wait (up to 3 s) until ADDR can be bound, i.e. it is a usable local address. */
static int check_local_address(void)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = D.addr};
	int err = 0;

	for (int i = 0; i < 30; i++) {
		int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
		close(fd);
		if (err != -EADDRNOTAVAIL)
			return err;
		g_usleep(100000);
	}
	return err;
}

/* ------------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f, "usage: mn-dar --address ADDR --prefix PREFIX/64 [--prefix ...]\n"
		   "              [--backend tun|seg6|ip6tnl] [--lifetime-cap SECONDS (86400)]\n"
		   "              [--brr-before SECONDS (5)] [--state FILE] [--log FILE]\n"
		   "              [--tun-name NAME (dar0)] [--delay MS (0; backend tun only)]\n");
}

G_GNUC_PRINTF(1, 2)
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("mn-dar: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return false;
	*out = (uint32_t)v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"address", required_argument, NULL, 'a'},
		{"prefix", required_argument, NULL, 'p'},
		{"backend", required_argument, NULL, 'b'},
		{"lifetime-cap", required_argument, NULL, 'c'},
		{"brr-before", required_argument, NULL, 'r'},
		{"state", required_argument, NULL, 's'},
		{"log", required_argument, NULL, 'l'},
		{"tun-name", required_argument, NULL, 't'},
		{"delay", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dar_config cfg = {.lifetime_cap = 86400, .brr_before = 5};
	const char *log_path = NULL;
	bool have_addr = false;
	int c, err, rc;

	D.backend = BE_TUN;
	D.tun_name = "dar0";
	D.nl.fd = D.genl.fd = -1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (inet_pton(AF_INET6, optarg, &D.addr) != 1)
				return bad_usage("--address: not an IPv6 address: %s", optarg);
			have_addr = true;
			break;
		case 'p': {
			char buf[INET6_ADDRSTRLEN + 8];
			char *slash;

			snprintf(buf, sizeof(buf), "%s", optarg);
			slash = strchr(buf, '/');
			if (slash) {
				*slash = 0;
				if (strcmp(slash + 1, "64") != 0)
					return bad_usage("--prefix: only /64 prefixes: %s", optarg);
			}
			if (cfg.n_prefixes >= DAR_MAX_PREFIXES)
				return bad_usage("--prefix: at most %d", DAR_MAX_PREFIXES);
			if (inet_pton(AF_INET6, buf, &cfg.prefixes[cfg.n_prefixes]) != 1)
				return bad_usage("--prefix: not an IPv6 prefix: %s", optarg);
			cfg.n_prefixes++;
			break;
		}
		case 'b':
			if (!strcmp(optarg, "tun"))
				D.backend = BE_TUN;
			else if (!strcmp(optarg, "seg6"))
				D.backend = BE_SEG6;
			else if (!strcmp(optarg, "ip6tnl"))
				D.backend = BE_IP6TNL;
			else
				return bad_usage("--backend: tun, seg6 or ip6tnl, not %s", optarg);
			break;
		case 'c':
			if (!parse_u32(optarg, &cfg.lifetime_cap) || cfg.lifetime_cap < 4)
				return bad_usage("--lifetime-cap: seconds >= 4, not %s", optarg);
			break;
		case 'r':
			if (!parse_u32(optarg, &cfg.brr_before))
				return bad_usage("--brr-before: seconds, not %s", optarg);
			break;
		case 's':
			D.state_path = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 't':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/'))
				return bad_usage("--tun-name: invalid interface name %s", optarg);
			D.tun_name = optarg;
			break;
		case 'd':
			if (!parse_u32(optarg, &D.delay_ms) || D.delay_ms > DELAY_MAX_MS)
				return bad_usage("--delay: milliseconds 0..%d, not %s",
						 DELAY_MAX_MS, optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument: %s", argv[optind]);
	if (!have_addr)
		return bad_usage("--address is required");
	if (!cfg.n_prefixes)
		return bad_usage("at least one --prefix is required");
	if (IN6_IS_ADDR_MULTICAST(&D.addr) || IN6_IS_ADDR_UNSPECIFIED(&D.addr) ||
	    IN6_IS_ADDR_LINKLOCAL(&D.addr))
		return bad_usage("--address must be a global unicast address");
	if (D.delay_ms && D.backend != BE_TUN)
		return bad_usage("--delay needs --backend tun: with %s the kernel encapsulates the "
				 "downlink, which mn-dar cannot delay",
				 backend_names[D.backend]);
	D.delay_half_us = (int64_t)D.delay_ms * 1000 / 2;

	if (log_path) {
		D.log = fopen(log_path, "a");
		if (!D.log) {
			fprintf(stderr, "mn-dar: error: --log %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	inet_ntop(AF_INET6, &D.addr, D.addr_s, sizeof(D.addr_s));
	cfg.dar = D.addr;
	dar_bc_init(&D.bc, &cfg);

	rc = 1;
	err = check_local_address();
	if (err) {
		logf_("error: --address %s is not usable here: %s", D.addr_s, strerror(-err));
		goto out;
	}
	if (read_sysctl_int("/proc/sys/net/ipv6/conf/all/forwarding") == 0)
		logf_("warning: net.ipv6.conf.all.forwarding=0: uplink packets will not be "
		      "forwarded");

	err = dar_nl_open(&D.nl, NETLINK_ROUTE);
	if (err) {
		logf_("error: rtnetlink: %s", strerror(-err));
		goto out;
	}
	err = dar_nl_flush_ours(&D.nl);
	if (err > 0)
		logf_("removed %d stale route(s) with protocol %d", err, DAR_RTPROT);

	D.raw41 = open_raw(IPPROTO_IPV6);
	D.raw135 = open_raw(IPPROTO_MH);
	if (D.raw41 < 0 || D.raw135 < 0) {
		logf_("error: raw sockets (41: %s, 135: %s)",
		      D.raw41 < 0 ? strerror(-D.raw41) : "ok",
		      D.raw135 < 0 ? strerror(-D.raw135) : "ok");
		goto out;
	}
	/* ip6tnl: the kernel carries both directions; no TUN, and the raw 41
	 * socket needs only the signalling (it would get a copy of every data
	 * packet the kernel decapsulates). */
	if (D.backend == BE_IP6TNL && (err = sig_mh_only(D.raw41, true)) < 0)
		logf_("warning: MH-only socket filter: %s (data copies are dropped in user space)",
		      strerror(-err));
	if (D.backend != BE_IP6TNL && tun_open() < 0)
		goto out;
	rc = backend_setup();
	if (rc)
		goto out;

	D.loop = g_main_loop_new(NULL, FALSE);
	g_unix_fd_add(D.raw41, G_IO_IN, on_raw41, NULL);
	g_unix_fd_add(D.raw135, G_IO_IN, on_raw135, NULL);
	if (D.tun_fd >= 0)
		g_unix_fd_add(D.tun_fd, G_IO_IN, on_tun, NULL);
	g_unix_signal_add(SIGTERM, on_stop, (gpointer) "TERM");
	g_unix_signal_add(SIGINT, on_stop, (gpointer) "INT");
	g_unix_signal_add(SIGUSR1, on_usr1, NULL);

	state_write();
	if (D.delay_ms)
		logf_("ready address=%s backend=%s delay_ms=%u", D.addr_s, backend_names[D.backend],
		      D.delay_ms);
	else
		logf_("ready address=%s backend=%s", D.addr_s, backend_names[D.backend]);
	D.exit_code = 1;
	g_main_loop_run(D.loop);
	rc = D.exit_code;
	g_main_loop_unref(D.loop);

out:
	teardown();
	state_write();
	dar_bc_free(&D.bc);
	if (rc == 0)
		logf_("stopped");
	if (D.log)
		fclose(D.log);
	return rc;
}
