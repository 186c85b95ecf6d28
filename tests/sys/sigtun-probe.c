// SPDX-License-Identifier: BSD-3-Clause
/*
 * sigtun-probe: the test driver of tests/sys/test-sig-tun.sh.
 *
 *   sigtun-probe mn
 *       A hand-driven mobile node built on mnd/sys/sig.c and the `tun`
 *       backend. Reads one command per line on stdin and answers each
 *       with one line "ok CMD ..." or "err CMD ..." on stdout (other
 *       lines start with "note"):
 *         key BITS SEC              RSA key and CGA modifier (Sec 0-2)
 *         hoa PREFIX/64 IF          the CGA under PREFIX, added to IF (/64, nodad,
 *                                   noprefixroute)
 *         away IF OLDPREFIX/64 GW   after a move: drop the other addresses in
 *                                   OLDPREFIX, deprecate the HoA, delete the
 *                                   on-link route of OLDPREFIX and default via GW
 *         register DAR COA [SECS]   first BU (CGA method) tunnelled CoA -> DAR;
 *                                   waits for the BA (1 s, 4 tries)
 *         token DAR COA [SECS]      token BU (profile (d)) with the PHKT
 *         home-dereg DAR IF         lifetime-0 token BU sent natively from the HoA
 *                                   (sig_send_native); the BA comes natively
 *         select NAME               tnl_select(NAME)
 *         bind IF SLOT              knl_init, the tun backend's init and bind
 *         rebind COA                the backend's rebind to a new CoA
 *         stats                     sig.c's counters
 *         unbind | fini | quit
 *       The driver may run `ip` (test code only; mnd never shells out).
 *
 *   sigtun-probe tcp-server --bind ADDR --port P --bytes N [--pre N] [--ready F]
 *                           [--phase1 F] [--go F] [--timeout S]
 *   sigtun-probe tcp-client --connect ADDR --port P --bytes N [--pre N] [--phase1 F]
 *                           [--go F] [--timeout S]
 *       One TCP connection; --pre bytes each way at once (then F is
 *       created), then, once the --go file exists, --bytes each way at
 *       the same time, every byte checked against a pattern. Exit 0 if all
 *       arrived intact.
 *
 *   sigtun-probe send41 --from SRC --to DST [--inner-src A] [--inner-dst A] KIND...
 *       Raw protocol-41 packets SRC -> DST, one per KIND: empty, short, badver,
 *       badplen, jumbo, mhshort, mhbadcsum, mhgood (a BRR inner-src ->
 *       inner-dst), data (ICMPv6 echo request inner-src -> inner-dst),
 *       random:N (N random datagrams). Prints "sent N".
 *   sigtun-probe send135 --from SRC --to DST KIND...
 *       The same MHs sent natively (mhbadcsum, mhgood: a BRR SRC -> DST), with
 *       the kernel's checksum off so that a bad one goes out as built.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"
#include "sys/knl.h"
#include "sys/sig.h"
#include "sys/tunnel.h"

/* ------------------------------------------------------------------ utils */

static const char *a6(const struct in6_addr *a)
{
	static char buf[8][INET6_ADDRSTRLEN];
	static unsigned int i;
	char *b = buf[i++ % 8];

	return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN) ? b : "?";
}

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* "2001:db8::1" or "2001:db8::/64" (the length is returned in *plen). */
static bool parse_addr(const char *s, struct in6_addr *a, unsigned int *plen)
{
	char b[INET6_ADDRSTRLEN + 8];
	char *slash;

	if (!s || strlen(s) >= sizeof(b))
		return false;
	strcpy(b, s);
	slash = strchr(b, '/');
	if (plen)
		*plen = 128;
	if (slash) {
		*slash = 0;
		if (plen)
			*plen = (unsigned int)atoi(slash + 1);
	}
	return inet_pton(AF_INET6, b, a) == 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool file_exists(const char *p)
{
	struct stat st;

	return p && stat(p, &st) == 0;
}

static void touch(const char *p)
{
	int fd;

	if (!p)
		return;
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

/* Run `ip ARGS...` (no shell); true on exit status 0. Its errors go to
 * stderr. The list ends with NULL. */
static bool run_ip(const char *arg, ...) G_GNUC_NULL_TERMINATED;
static bool run_ip(const char *arg, ...)
{
	const char *argv[24] = {"ip"};
	GError *e = NULL;
	gint status = 0;
	gchar *err = NULL;
	size_t n = 1;
	va_list ap;
	bool ok;

	va_start(ap, arg);
	for (const char *a = arg; a && n < G_N_ELEMENTS(argv) - 1; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	ok = g_spawn_sync(NULL, (gchar **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
			  &status, &e);
	if (!ok) {
		fprintf(stderr, "spawn ip: %s\n", e->message);
		g_error_free(e);
		return false;
	}
	ok = g_spawn_check_wait_status(status, NULL);
	if (!ok) {
		fprintf(stderr, "command failed:");
		for (size_t k = 0; k < n; k++)
			fprintf(stderr, " %s", argv[k]);
		fprintf(stderr, ": %s", err ? err : "\n");
	}
	g_free(err);
	return ok;
}

static int link_mtu(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
		rc = ifr.ifr_mtu;
	close(s);
	return rc;
}

/* ------------------------------------------------------------- MN driver */

static struct {
	GMainLoop *loop;
	EVP_PKEY *key;
	uint8_t *spki;
	size_t spki_len;
	unsigned int sec;
	uint8_t modifier[CGA_MODIFIER_LEN];
	bool have_key, have_hoa, have_phkt, sig_up, rtnl_up, tnl_up, bound;
	uint8_t params[1024];
	size_t params_len;
	struct in6_addr hoa, dar, coa;
	uint8_t phkt[MN_PHKT_LEN];
	uint8_t kbm[MN_KBM_LEN];
	/* The BU in flight: a CGA BU (register), a token BU (token), or a
	 * native lifetime-0 token BU from home (home-dereg). */
	enum { BU_CGA, BU_TOKEN, BU_HOME } kind;
	const char *cmd;
	int ifindex;

	/* BU in flight */
	bool waiting;
	uint16_t seq, lifetime;
	int tries;
	int64_t t_sent;
	guint timer;

	const struct tnl_backend *be;
	struct tnl_binding b;
	char line[4096];
	size_t line_len;
} M;

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void cmd_key(char **av, int ac)
{
	struct cga_search s;
	uint64_t hashes = 0;
	unsigned int bits;
	int err;

	if (ac != 3) {
		reply("err key usage: key BITS SEC");
		return;
	}
	bits = (unsigned int)atoi(av[1]);
	M.sec = (unsigned int)atoi(av[2]);
	if (M.have_key) {
		mn_key_free(M.key);
		free(M.spki);
		M.have_key = false;
	}
	err = mn_key_generate(bits, &M.key);
	if (!err)
		err = mn_key_spki(M.key, &M.spki, &M.spki_len);
	if (err) {
		reply("err key %s", mn_err_name(err));
		return;
	}
	memset(&s, 0, sizeof(s));
	s.pubkey = M.spki;
	s.pubkey_len = M.spki_len;
	s.sec = M.sec;
	s.threads = 1;
	for (int i = 0; i < CGA_MODIFIER_LEN; i++)
		s.start[i] = (uint8_t)g_random_int();
	err = cga_search_modifier(&s, M.modifier, &hashes);
	if (err) {
		reply("err key modifier search: %s", mn_err_name(err));
		return;
	}
	M.have_key = true;
	reply("ok key bits=%u sec=%u hashes=%llu", bits, M.sec, (unsigned long long)hashes);
}

static void cmd_hoa(char **av, int ac)
{
	struct cga_params cp;
	struct in6_addr prefix;
	unsigned int plen;
	char a[INET6_ADDRSTRLEN + 4];
	int err;

	if (ac != 3 || !parse_addr(av[1], &prefix, &plen) || plen != 64) {
		reply("err hoa usage: hoa PREFIX/64 IF");
		return;
	}
	if (!M.have_key) {
		reply("err hoa no key");
		return;
	}
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.modifier, M.modifier, CGA_MODIFIER_LEN);
	memcpy(cp.prefix, prefix.s6_addr, CGA_PREFIX_LEN);
	cp.pubkey = M.spki;
	cp.pubkey_len = M.spki_len;
	err = cga_params_encode(&cp, M.params, sizeof(M.params), &M.params_len);
	if (!err)
		err = cga_address(&cp, M.sec, &M.hoa);
	if (err) {
		reply("err hoa %s", mn_err_name(err));
		return;
	}
	snprintf(a, sizeof(a), "%s/64", a6(&M.hoa));
	/* No prefix route of its own: at home the RA's covers it, and away
	 * none may make the DAR look on-link (as mnd does). */
	if (!run_ip("-6", "addr", "add", a, "dev", av[2], "nodad", "noprefixroute", NULL)) {
		reply("err hoa ip addr add failed");
		return;
	}
	M.have_hoa = true;
	reply("ok hoa %s", a6(&M.hoa));
}

static void cmd_away(char **av, int ac)
{
	struct in6_addr prefix;
	struct ifaddrs *ifa, *i;
	unsigned int plen;
	char a[INET6_ADDRSTRLEN + 4];
	int n = 0;

	if (ac != 4 || !parse_addr(av[2], &prefix, &plen) || plen != 64 || !M.have_hoa) {
		reply("err away usage: away IF OLDPREFIX/64 OLDGW (after hoa)");
		return;
	}
	/* Other addresses from the old prefix (SLAAC): they would still be
	 * preferred and win source selection. */
	if (getifaddrs(&ifa) == 0) {
		for (i = ifa; i; i = i->ifa_next) {
			const struct sockaddr_in6 *sa = (const void *)i->ifa_addr;

			if (!sa || sa->sin6_family != AF_INET6 || strcmp(i->ifa_name, av[1]) ||
			    memcmp(&sa->sin6_addr, &prefix, 8) || addr_eq(&sa->sin6_addr, &M.hoa))
				continue;
			snprintf(a, sizeof(a), "%s/64", a6(&sa->sin6_addr));
			n += run_ip("-6", "addr", "del", a, "dev", av[1], NULL);
		}
		freeifaddrs(ifa);
	}
	/* noprefixroute again: a change without it would re-create the HoA's
	 * prefix route. */
	snprintf(a, sizeof(a), "%s/64", a6(&M.hoa));
	if (!run_ip("-6", "addr", "change", a, "dev", av[1], "nodad", "noprefixroute",
		    "preferred_lft", "0", "valid_lft", "forever", NULL)) {
		reply("err away deprecating the HoA failed");
		return;
	}
	(void)run_ip("-6", "route", "del", av[2], "dev", av[1], NULL);
	(void)run_ip("-6", "route", "del", "default", "via", av[3], "dev", av[1], NULL);
	reply("ok away removed=%d", n);
}

static void bu_send(void);

static gboolean bu_timeout(gpointer user)
{
	M.timer = 0;
	if (!M.waiting)
		return G_SOURCE_REMOVE;
	if (M.tries >= 4) {
		M.waiting = false;
		reply("err %s no BA after %d BUs", M.cmd, M.tries);
		return G_SOURCE_REMOVE;
	}
	bu_send();
	return G_SOURCE_REMOVE;
}

static void bu_send(void)
{
	struct msg_bu bu = {
		.seq = ++M.seq, .lifetime = M.lifetime, .hoa = M.hoa, .coa = M.coa, .dar = M.dar};
	uint8_t buf[MH_MAX_LEN];
	size_t len = 0;
	int err, rc;

	if (M.kind == BU_HOME) {
		/* Back at the DAR (RFC 6275 returning home): CoA = HoA, lifetime 0. */
		bu.coa = M.hoa;
		bu.lifetime = 0;
	}
	if (M.kind == BU_CGA)
		err = msg_build_bu_cga(buf, sizeof(buf), &len, &bu, M.params, M.params_len, M.key);
	else
		err = msg_build_bu_token(buf, sizeof(buf), &len, &bu, M.phkt, NULL, 0, M.kbm);
	if (err) {
		M.waiting = false;
		reply("err %s building the BU: %s", M.cmd, mn_err_name(err));
		return;
	}
	if (M.kind == BU_HOME)
		rc = sig_send_native(M.ifindex, &M.hoa, &M.dar, buf, len);
	else
		rc = sig_send_tunnelled(&M.coa, &M.dar, &M.hoa, &M.dar, buf, len);
	M.tries++;
	M.t_sent = mono_ms();
	printf("note tx BU seq=%u len=%zu try=%d %s%s%s\n", bu.seq, len, M.tries,
	       M.kind == BU_HOME ? "native" : "tunnelled", rc < 0 ? " error=" : "",
	       rc < 0 ? strerror(-rc) : "");
	fflush(stdout);
	M.timer = g_timeout_add(1000, bu_timeout, NULL);
}

static void on_mh(void *user, const struct sig_rx *rx)
{
	static struct mh_msg m;
	char ph[2 * MN_PHKT_LEN + 1] = "";
	int err;

	printf("note mh src=%s dst=%s tunnelled=%d osrc=%s odst=%s ifindex=%d len=%zu\n",
	       a6(&rx->src), a6(&rx->dst), rx->tunnelled, a6(&rx->osrc), a6(&rx->odst), rx->ifindex,
	       rx->len);
	fflush(stdout);
	if (!M.waiting)
		return;
	/* Profile (c) acceptance rule, (j)4 for the tun framing; at home the
	 * BA comes natively. */
	if (!addr_eq(&rx->src, &M.dar) || !addr_eq(&rx->dst, &M.hoa) ||
	    rx->tunnelled != (M.kind != BU_HOME) ||
	    (rx->tunnelled && (!addr_eq(&rx->osrc, &M.dar) || !addr_eq(&rx->odst, &M.coa)))) {
		printf("note mh-ignored: framing\n");
		return;
	}
	err = mh_decode(rx->mh, rx->len, &m);
	if (err || m.type != MH_BA || m.u.ba.seq != M.seq) {
		printf("note mh-ignored: %s type=%u seq=%u\n", err ? mn_err_name(err) : "-", m.type,
		       m.type == MH_BA ? m.u.ba.seq : 0);
		return;
	}
	M.waiting = false;
	if (M.timer)
		g_source_remove(M.timer);
	M.timer = 0;
	if (M.kind != BU_CGA) {
		err = msg_ba_verify(&m, rx->mh, M.kbm, M.kind == BU_HOME ? &M.hoa : &M.coa, &M.dar);
		if (err) {
			reply("err %s status=%u BAD %s", M.cmd, m.u.ba.status, mn_err_name(err));
			return;
		}
	} else if (m.u.ba.status < 128) {
		if (!mh_has(&m, MH_OPT_PHKT)) {
			reply("err %s status=%u without a PHKT", M.cmd, m.u.ba.status);
			return;
		}
		err = mn_phkt_decrypt(M.key, m.phkt, m.phkt_len, M.phkt);
		if (err) {
			reply("err %s status=%u PHKT %s", M.cmd, m.u.ba.status, mn_err_name(err));
			return;
		}
		M.have_phkt = true;
		for (int i = 0; i < MN_PHKT_LEN; i++)
			snprintf(ph + 2 * i, 3, "%02x", M.phkt[i]);
	}
	reply("ok %s status=%u seq=%u lifetime=%u tries=%d rtt_ms=%lld%s%s", M.cmd, m.u.ba.status,
	      m.u.ba.seq, m.u.ba.lifetime * 4u, M.tries, (long long)(mono_ms() - M.t_sent),
	      ph[0] ? " phkt=" : "", ph);
}

static bool sig_up(const char *name)
{
	int rc;

	if (M.sig_up)
		return true;
	rc = sig_init(on_mh, NULL);
	if (rc < 0) {
		reply("err %s sig_init: %s", name, strerror(-rc));
		return false;
	}
	M.sig_up = true;
	return true;
}

static void bu_start(const char *name, int kind, unsigned int lifetime)
{
	M.cmd = name;
	M.kind = kind;
	M.lifetime = msg_lifetime_units(lifetime);
	M.tries = 0;
	M.waiting = true;
	if (!M.seq)
		M.seq = (uint16_t)g_random_int_range(1, 30000);
	bu_send();
}

/* register|token DAR COA [SECONDS] */
static void cmd_register(char **av, int ac, bool token)
{
	const char *name = token ? "token" : "register";

	if ((ac != 3 && ac != 4) || !parse_addr(av[1], &M.dar, NULL) ||
	    !parse_addr(av[2], &M.coa, NULL)) {
		reply("err %s usage: %s DAR COA [SECONDS]", name, name);
		return;
	}
	if (!M.have_hoa || (token && !M.have_phkt)) {
		reply("err %s no HoA%s yet", name, token ? " or PHKT" : "");
		return;
	}
	if (sig_up(name))
		bu_start(name, token ? BU_TOKEN : BU_CGA,
			 ac == 4 ? (unsigned int)atoi(av[3]) : 300);
}

/* home-dereg DAR IF */
static void cmd_home_dereg(char **av, int ac)
{
	if (ac != 3 || !parse_addr(av[1], &M.dar, NULL)) {
		reply("err home-dereg usage: home-dereg DAR IF");
		return;
	}
	M.ifindex = (int)if_nametoindex(av[2]);
	if (!M.have_phkt || M.ifindex <= 0) {
		reply("err home-dereg no PHKT or no interface %s", av[2]);
		return;
	}
	if (sig_up("home-dereg"))
		bu_start("home-dereg", BU_HOME, 0);
}

static void ev_link(void *user, int ifindex, const char *name, bool carrier)
{
}

static void ev_addr(void *user, int ifindex, const struct in6_addr *addr, uint8_t plen,
		    uint32_t flags)
{
}

static void ev_addr_del(void *user, int ifindex, const struct in6_addr *addr, uint8_t plen)
{
}

static const struct knl_events rtnl_ev = {
	.link = ev_link,
	.addr = ev_addr,
	.addr_del = ev_addr_del,
};

static void cmd_select(char **av, int ac)
{
	const struct tnl_backend *be;
	char why[256] = "";

	if (ac != 2) {
		reply("err select usage: select NAME");
		return;
	}
	be = tnl_select(av[1], why, sizeof(why));
	if (be)
		reply("ok select %s -> %s why=%s", av[1], be->name, why);
	else
		reply("err select %s -> none why=%s", av[1], why);
}

static void cmd_bind(char **av, int ac)
{
	char why[256] = "", path[64], mtu[16] = "?";
	int rc, ifindex, lmtu;
	FILE *f;

	if (ac != 3) {
		reply("err bind usage: bind IF SLOT");
		return;
	}
	if (!M.have_hoa || !M.sig_up) {
		reply("err bind register first");
		return;
	}
	ifindex = (int)if_nametoindex(av[1]);
	lmtu = link_mtu(av[1]);
	if (ifindex <= 0 || lmtu <= 0) {
		reply("err bind no interface %s", av[1]);
		return;
	}
	if (!M.rtnl_up) {
		rc = knl_init(&rtnl_ev, NULL);
		if (rc < 0) {
			reply("err bind knl_init: %s", strerror(-rc));
			return;
		}
		M.rtnl_up = true;
	}
	if (!M.tnl_up) {
		M.be = tnl_select("tun", why, sizeof(why));
		if (!M.be) {
			reply("err bind tnl_select(tun): %s", why);
			return;
		}
		rc = M.be->init();
		if (rc < 0) {
			reply("err bind init: %s", strerror(-rc));
			return;
		}
		M.tnl_up = true;
	}
	memset(&M.b, 0, sizeof(M.b));
	M.b.hoa = M.hoa;
	M.b.coa = M.coa;
	M.b.dar = M.dar;
	M.b.ifindex = ifindex;
	M.b.mtu = (uint32_t)lmtu;
	M.b.slot = (unsigned int)atoi(av[2]);
	rc = M.be->bind(&M.b);
	if (rc < 0) {
		reply("err bind %s", strerror(-rc));
		return;
	}
	M.bound = true;
	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", M.b.dev);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(mtu, sizeof(mtu), f))
			strcpy(mtu, "?");
		mtu[strcspn(mtu, "\n")] = 0;
		fclose(f);
	}
	reply("ok bind dev=%s link_mtu=%d tun_mtu=%s slot=%u", M.b.dev, lmtu, mtu, M.b.slot);
}

static void cmd_rebind(char **av, int ac)
{
	struct in6_addr coa;
	int rc;

	if (ac != 2 || !parse_addr(av[1], &coa, NULL)) {
		reply("err rebind usage: rebind COA");
		return;
	}
	if (!M.bound) {
		reply("err rebind not bound");
		return;
	}
	rc = M.be->rebind(&M.b, &coa);
	if (rc < 0) {
		reply("err rebind %s", strerror(-rc));
		return;
	}
	M.coa = coa;
	reply("ok rebind coa=%s dev=%s", a6(&M.b.coa), M.b.dev);
}

static void cmd_stats(void)
{
	const struct sig_stats *s = sig_stats();

	reply("ok stats rx_mh=%llu rx_data=%llu tx_mh=%llu tx_data=%llu drop_short=%llu "
	      "drop_checksum=%llu drop_not_ours=%llu",
	      (unsigned long long)s->rx_mh, (unsigned long long)s->rx_data,
	      (unsigned long long)s->tx_mh, (unsigned long long)s->tx_data,
	      (unsigned long long)s->drop_short, (unsigned long long)s->drop_checksum,
	      (unsigned long long)s->drop_not_ours);
}

static void cmd_unbind(void)
{
	int rc;

	if (!M.bound) {
		reply("err unbind not bound");
		return;
	}
	rc = M.be->unbind(&M.b);
	M.bound = false;
	if (rc < 0)
		reply("err unbind %s", strerror(-rc));
	else
		reply("ok unbind");
}

static void cmd_fini(void)
{
	if (M.tnl_up)
		M.be->fini();
	M.tnl_up = M.bound = false;
	if (M.sig_up)
		sig_fini();
	M.sig_up = false;
	if (M.rtnl_up)
		knl_fini();
	M.rtnl_up = false;
	reply("ok fini");
}

static void dispatch(char *line)
{
	char **av;
	int ac;

	line[strcspn(line, "\r\n")] = 0;
	av = g_strsplit_set(g_strstrip(line), " \t", -1);
	for (ac = 0; av[ac]; ac++)
		;
	if (ac == 0 || !av[0][0]) {
		g_strfreev(av);
		return;
	}
	if (M.waiting) {
		reply("err %s busy (a BU is in flight)", av[0]);
	} else if (!strcmp(av[0], "key")) {
		cmd_key(av, ac);
	} else if (!strcmp(av[0], "hoa")) {
		cmd_hoa(av, ac);
	} else if (!strcmp(av[0], "away")) {
		cmd_away(av, ac);
	} else if (!strcmp(av[0], "register")) {
		cmd_register(av, ac, false);
	} else if (!strcmp(av[0], "token")) {
		cmd_register(av, ac, true);
	} else if (!strcmp(av[0], "home-dereg")) {
		cmd_home_dereg(av, ac);
	} else if (!strcmp(av[0], "select")) {
		cmd_select(av, ac);
	} else if (!strcmp(av[0], "bind")) {
		cmd_bind(av, ac);
	} else if (!strcmp(av[0], "rebind")) {
		cmd_rebind(av, ac);
	} else if (!strcmp(av[0], "stats")) {
		cmd_stats();
	} else if (!strcmp(av[0], "unbind")) {
		cmd_unbind();
	} else if (!strcmp(av[0], "fini")) {
		cmd_fini();
	} else if (!strcmp(av[0], "quit")) {
		reply("ok quit");
		g_main_loop_quit(M.loop);
	} else {
		reply("err %s unknown command", av[0]);
	}
	g_strfreev(av);
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer user)
{
	ssize_t n = read(fd, M.line + M.line_len, sizeof(M.line) - 1 - M.line_len);
	char *nl;

	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return G_SOURCE_CONTINUE;
		g_main_loop_quit(M.loop); /* EOF: the script is gone */
		return G_SOURCE_REMOVE;
	}
	M.line_len += (size_t)n;
	M.line[M.line_len] = 0;
	while ((nl = strchr(M.line, '\n'))) {
		size_t used = (size_t)(nl - M.line) + 1;
		char cmd[sizeof(M.line)];

		memcpy(cmd, M.line, used);
		cmd[used] = 0;
		memmove(M.line, M.line + used, M.line_len - used + 1);
		M.line_len -= used;
		dispatch(cmd);
	}
	if (M.line_len == sizeof(M.line) - 1)
		M.line_len = 0; /* an absurdly long line: forget it */
	return G_SOURCE_CONTINUE;
}

static int mode_mn(void)
{
	M.loop = g_main_loop_new(NULL, FALSE);
	g_unix_fd_add(0, G_IO_IN | G_IO_HUP, on_stdin, NULL);
	reply("note ready pid=%d", (int)getpid());
	g_main_loop_run(M.loop);
	if (M.tnl_up || M.sig_up || M.rtnl_up)
		cmd_fini();
	g_main_loop_unref(M.loop);
	if (M.have_key) {
		mn_key_free(M.key);
		free(M.spki);
	}
	return 0;
}

/* ------------------------------------------------------------------ TCP */

struct tcp_opts {
	const char *addr, *ready, *phase1, *go;
	int port, timeout_s;
	size_t bytes, pre;
	bool server;
};

/* Byte i of a direction's stream; the seeds make the directions differ. */
static uint8_t pattern(uint64_t i, uint8_t seed)
{
	return (uint8_t)((i * 2654435761u) >> 13) ^ (uint8_t)(i >> 9) ^ seed;
}

struct stream {
	uint64_t tx_off, rx_off;
	uint8_t tx_seed, rx_seed;
};

/* Send and receive n bytes each way at once (no deadlock however small
 * the buffers); checks every byte. 0 or -1 with a message. */
static int exchange(int fd, struct stream *s, size_t n, int64_t deadline)
{
	uint8_t buf[65536];
	uint64_t tx_end = s->tx_off + n, rx_end = s->rx_off + n;

	while (s->tx_off < tx_end || s->rx_off < rx_end) {
		struct pollfd pf = {.fd = fd};
		int64_t left = deadline - mono_ms();

		if (s->tx_off < tx_end)
			pf.events |= POLLOUT;
		if (s->rx_off < rx_end)
			pf.events |= POLLIN;
		if (left <= 0) {
			fprintf(stderr, "timeout: sent %llu/%llu received %llu/%llu\n",
				(unsigned long long)s->tx_off, (unsigned long long)tx_end,
				(unsigned long long)s->rx_off, (unsigned long long)rx_end);
			return -1;
		}
		if (poll(&pf, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			return -1;
		if (pf.revents & (POLLERR | POLLNVAL)) {
			fprintf(stderr, "socket error\n");
			return -1;
		}
		if (pf.revents & POLLOUT) {
			size_t k = (size_t)MIN((uint64_t)sizeof(buf), tx_end - s->tx_off);
			ssize_t w;

			for (size_t j = 0; j < k; j++)
				buf[j] = pattern(s->tx_off + j, s->tx_seed);
			w = send(fd, buf, k, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				perror("send");
				return -1;
			}
			if (w > 0)
				s->tx_off += (uint64_t)w;
		}
		if (pf.revents & (POLLIN | POLLHUP)) {
			size_t k = (size_t)MIN((uint64_t)sizeof(buf), rx_end - s->rx_off);
			ssize_t r = recv(fd, buf, k, MSG_DONTWAIT);

			if (r == 0) {
				fprintf(stderr, "peer closed early at %llu\n",
					(unsigned long long)s->rx_off);
				return -1;
			}
			if (r < 0 && errno != EAGAIN && errno != EINTR) {
				perror("recv");
				return -1;
			}
			for (ssize_t j = 0; j < r; j++)
				if (buf[j] != pattern(s->rx_off + (uint64_t)j, s->rx_seed)) {
					fprintf(stderr, "corrupt byte at %llu\n",
						(unsigned long long)(s->rx_off + (uint64_t)j));
					return -1;
				}
			if (r > 0)
				s->rx_off += (uint64_t)r;
		}
	}
	return 0;
}

static int tcp_session(int fd, const struct tcp_opts *o)
{
	const char *who = o->server ? "tcp-server" : "tcp-client";
	struct stream s = {.tx_seed = o->server ? 0x5a : 0xa5, .rx_seed = o->server ? 0xa5 : 0x5a};
	int64_t t0, dt;
	char c;

	if (o->pre) {
		if (exchange(fd, &s, o->pre, mono_ms() + o->timeout_s * 1000) < 0)
			return 1;
		printf("%s: phase1 ok bytes=%zu\n", who, o->pre);
		fflush(stdout);
		touch(o->phase1);
	}
	if (o->go) {
		int64_t end = mono_ms() + 120 * 1000;

		while (!file_exists(o->go)) {
			if (mono_ms() > end) {
				fprintf(stderr, "%s: no go file\n", who);
				return 1;
			}
			usleep(10000);
		}
	}
	t0 = mono_ms();
	if (exchange(fd, &s, o->bytes, t0 + o->timeout_s * 1000) < 0)
		return 1;
	dt = mono_ms() - t0;
	/* Orderly end: our FIN, then theirs (nothing more may arrive). */
	shutdown(fd, SHUT_WR);
	{
		struct pollfd pf = {.fd = fd, .events = POLLIN};

		if (poll(&pf, 1, 5000) <= 0 || recv(fd, &c, 1, 0) != 0) {
			fprintf(stderr, "%s: no clean end of stream\n", who);
			return 1;
		}
	}
	printf("%s: ok bytes=%zu each way in %lld ms (%.1f Mbit/s each way)\n", who, o->bytes,
	       (long long)dt, dt > 0 ? (double)o->bytes * 8 / 1000.0 / (double)dt : 0.0);
	return 0;
}

static int mode_tcp(int argc, char **argv, bool server)
{
	struct tcp_opts o = {.server = server, .timeout_s = 30};
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	int fd, cfd, one = 1, rc;

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--bind") || !strcmp(k, "--connect"))
			o.addr = v;
		else if (!strcmp(k, "--port"))
			o.port = atoi(v);
		else if (!strcmp(k, "--bytes"))
			o.bytes = (size_t)strtoull(v, NULL, 0);
		else if (!strcmp(k, "--pre"))
			o.pre = (size_t)strtoull(v, NULL, 0);
		else if (!strcmp(k, "--ready"))
			o.ready = v;
		else if (!strcmp(k, "--phase1"))
			o.phase1 = v;
		else if (!strcmp(k, "--go"))
			o.go = v;
		else if (!strcmp(k, "--timeout"))
			o.timeout_s = atoi(v);
		else {
			fprintf(stderr, "unknown option %s\n", k);
			return 2;
		}
	}
	if (!o.addr || !parse_addr(o.addr, &sa.sin6_addr, NULL) || o.port <= 0) {
		fprintf(stderr, "need --bind/--connect ADDR and --port\n");
		return 2;
	}
	sa.sin6_port = htons((uint16_t)o.port);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (server) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
			perror("bind/listen");
			return 1;
		}
		touch(o.ready);
		if (poll(&pf, 1, o.timeout_s * 1000) <= 0) {
			fprintf(stderr, "tcp-server: nobody connected\n");
			return 1;
		}
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		close(fd);
		if (cfd < 0) {
			perror("accept");
			return 1;
		}
		fd = cfd;
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	rc = tcp_session(fd, &o);
	close(fd);
	return rc;
}

/* -------------------------------------------------------------- send41 */

static void ip6h(uint8_t *p, uint16_t plen, uint8_t nh, const struct in6_addr *s,
		 const struct in6_addr *d)
{
	struct ip6_hdr ip;

	memset(&ip, 0, sizeof(ip));
	ip.ip6_flow = htonl(6u << 28);
	ip.ip6_plen = htons(plen);
	ip.ip6_nxt = nh;
	ip.ip6_hlim = 64;
	ip.ip6_src = *s;
	ip.ip6_dst = *d;
	memcpy(p, &ip, sizeof(ip));
}

static int send_from(int fd, const struct in6_addr *src, const struct in6_addr *dst,
		     const void *data, size_t len)
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
	struct in6_pktinfo pi;
	struct cmsghdr *cm;

	memset(&cbuf, 0, sizeof(cbuf));
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = *src;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

static int mode_send(int argc, char **argv, int proto)
{
	struct in6_addr from, to, isrc = IN6ADDR_ANY_INIT, idst = IN6ADDR_ANY_INIT;
	bool have_from = false, have_to = false;
	uint8_t p[2048];
	int fd, i, sent = 0, failed = 0;

	for (i = 2; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--from"))
			have_from = parse_addr(argv[i + 1], &from, NULL);
		else if (!strcmp(argv[i], "--to"))
			have_to = parse_addr(argv[i + 1], &to, NULL);
		else if (!strcmp(argv[i], "--inner-src"))
			parse_addr(argv[i + 1], &isrc, NULL);
		else if (!strcmp(argv[i], "--inner-dst"))
			parse_addr(argv[i + 1], &idst, NULL);
	}
	if (!have_from || !have_to) {
		fprintf(stderr, "send41: need --from and --to\n");
		return 2;
	}
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (proto == IPPROTO_MH) {
		/* Send the MH exactly as built, bad checksum included. */
		int off = -1;

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0) {
			perror("IPV6_CHECKSUM");
			return 1;
		}
		isrc = from;
		idst = to;
	}
	for (; i < argc; i++) {
		const char *k = argv[i];
		size_t len = 0;
		int count = 1;

		memset(p, 0, sizeof(p));
		if (!strcmp(k, "empty")) {
			len = 0;
		} else if (!strcmp(k, "short")) {
			memset(p, 0x60, 20);
			len = 20;
		} else if (!strcmp(k, "badver")) {
			ip6h(p, 8, 59, &isrc, &idst);
			p[0] = 0x40;
			len = 48;
		} else if (!strcmp(k, "badplen")) {
			ip6h(p, 1000, 59, &isrc, &idst);
			len = 48;
		} else if (!strcmp(k, "jumbo")) {
			ip6h(p, 0, 0, &isrc, &idst);
			len = 48;
		} else if (!strcmp(k, "mhshort")) {
			ip6h(p, 4, IPPROTO_MH, &isrc, &idst);
			p[40] = 59;
			len = 44;
		} else if (!strcmp(k, "mhbadcsum") || !strcmp(k, "mhgood")) {
			size_t ml = 0;

			if (msg_build_brr(p + 40, sizeof(p) - 40, &ml, &isrc, &idst) != MN_OK) {
				fprintf(stderr, "send41: msg_build_brr failed\n");
				return 1;
			}
			if (k[2] == 'b')
				p[40 + MH_CSUM_OFF] ^= 0x55;
			ip6h(p, (uint16_t)ml, IPPROTO_MH, &isrc, &idst);
			len = 40 + ml;
			if (proto == IPPROTO_MH) {
				memmove(p, p + 40, ml);
				len = ml;
			}
		} else if (!strcmp(k, "data")) {
			struct icmp6_hdr ic;

			memset(&ic, 0, sizeof(ic));
			ic.icmp6_type = ICMP6_ECHO_REQUEST;
			ic.icmp6_id = htons(0x4242);
			memcpy(p + 40, &ic, sizeof(ic));
			ip6h(p, sizeof(ic), IPPROTO_ICMPV6, &isrc, &idst);
			len = 40 + sizeof(ic);
		} else if (!strncmp(k, "random:", 7)) {
			count = atoi(k + 7);
		} else {
			fprintf(stderr, "send41: unknown kind %s\n", k);
			return 2;
		}
		for (int c = 0; c < count; c++) {
			if (!strncmp(k, "random:", 7)) {
				len = (size_t)g_random_int_range(0, 200);
				for (size_t j = 0; j < len; j++)
					p[j] = (uint8_t)g_random_int();
				/* Half of them look like IPv6 so that they get past
				 * the first check. */
				if (c & 1 && len > 0)
					p[0] = (uint8_t)(0x60 | (p[0] & 0x0f));
				if (c % 4 == 1 && len > 40) {
					p[4] = 0;
					p[5] = (uint8_t)(len - 40 + (c % 8 == 1 ? 0 : 3));
					p[6] = (uint8_t)(c % 3 ? IPPROTO_MH : 17);
				}
			}
			if (send_from(fd, &from, &to, p, len) == 0)
				sent++;
			else
				failed++;
		}
	}
	close(fd);
	printf("sent %d failed %d\n", sent, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "mn"))
		return mode_mn();
	if (argc >= 2 && !strcmp(argv[1], "tcp-server"))
		return mode_tcp(argc, argv, true);
	if (argc >= 2 && !strcmp(argv[1], "tcp-client"))
		return mode_tcp(argc, argv, false);
	if (argc >= 2 && !strcmp(argv[1], "send41"))
		return mode_send(argc, argv, 41);
	if (argc >= 2 && !strcmp(argv[1], "send135"))
		return mode_send(argc, argv, IPPROTO_MH);
	fprintf(stderr, "usage: %s mn | tcp-server ... | tcp-client ... | send41|send135 ...\n",
		argv[0]);
	return 2;
}
