// SPDX-License-Identifier: BSD-3-Clause
/*
 * The control socket server. Nothing a client sends is trusted: each
 * message is read into a fixed buffer larger than any valid request (so
 * an oversized one shows as such), every fd that came with it is closed
 * before the reply, whatever happened, and the reply is never queued: a
 * client that does not read its replies is disconnected. State per client
 * is a fixed struct; the table of recorded modes is bounded per uid and
 * in total.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "sys/sockdiag.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define CTL_RX_MAX 256 /* > any valid request: bigger messages show as truncated */
#define CTL_MAX_FDS 8  /* fds read from one message (the kernel drops the rest) */
#define CTL_PRUNE_INTERVAL_US (2 * G_USEC_PER_SEC)
#define CTL_PRUNE_UNHASHED_US (60 * G_USEC_PER_SEC)
#define CTL_LOG_BURST 20 /* log lines of one kind per second */
#define CTL_ACCEPT_BATCH 16

struct ctl_entry {
	gint64 cookie; /* key */
	uint32_t uid;  /* charged to */
	enum keep_mode mode;
	bool hashed;   /* sock_diag dumps list it (see ctl_prune_dead) */
	gint64 set_at; /* monotonic us */
};

struct ctl_ratelimit {
	gint64 window;
	unsigned int n;
	unsigned long suppressed;
};

struct ctl_conn {
	int fd;
	guint watch;
	struct ucred peer; /* SO_PEERCRED at connect time */
	unsigned int slot;
	unsigned long n_req, n_err;
	struct ctl_ratelimit rl_set; /* per client: one flooding client hides no other */
};

static struct {
	const struct ctl_ops *ops;
	void *user;
	int lfd;
	guint lwatch;
	char *path;
	struct ctl_conn *conns[CTL_MAX_CLIENTS];
	unsigned int n_conns;

	GHashTable *table;   /* cookie -> struct ctl_entry */
	GHashTable *per_uid; /* uid -> count */
	unsigned int max_per_uid, max_total;
	gint64 pruned_at, prune_interval;

	struct ctl_ratelimit rl_err, rl_req, rl_conn, rl_refused;
} ctl = {
	.lfd = -1,
	.max_per_uid = CTL_MAX_PER_UID,
	.max_total = CTL_MAX_TOTAL,
	.prune_interval = CTL_PRUNE_INTERVAL_US,
};

/* ------------------------------------------------------------------ */
/* Rate-limited logging: at most CTL_LOG_BURST lines per kind per second;
 * the next line let through says how many were held back. */

static bool ctl_rl_ok(struct ctl_ratelimit *rl, enum log_level lvl, unsigned long *suppressed)
{
	gint64 now = g_get_monotonic_time();

	if (lvl > log_get_level())
		return false; /* not logged anyway: no token spent */
	if (now - rl->window >= G_USEC_PER_SEC) {
		rl->window = now;
		rl->n = 0;
	}
	if (rl->n >= CTL_LOG_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->n++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

/* ------------------------------------------------------------------ */
/* The table */

static void ctl_table_ensure(void)
{
	if (!ctl.table) {
		ctl.table = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
		ctl.per_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
}

unsigned int ctl_table_uid(uint32_t uid)
{
	if (!ctl.per_uid)
		return 0;
	return GPOINTER_TO_UINT(g_hash_table_lookup(ctl.per_uid, GUINT_TO_POINTER(uid)));
}

static void ctl_uid_add(uint32_t uid, int d)
{
	unsigned int n = ctl_table_uid(uid);

	n = d < 0 ? (n ? n - 1 : 0) : n + 1;
	if (n)
		g_hash_table_insert(ctl.per_uid, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n));
	else
		g_hash_table_remove(ctl.per_uid, GUINT_TO_POINTER(uid));
}

unsigned int ctl_table_size(void)
{
	return ctl.table ? g_hash_table_size(ctl.table) : 0;
}

enum keep_mode ctl_mode(uint64_t cookie)
{
	gint64 k = (gint64)cookie;
	struct ctl_entry *e;

	if (!ctl.table)
		return KEEP_MODE_DEFAULT;
	e = g_hash_table_lookup(ctl.table, &k);
	return e ? e->mode : KEEP_MODE_DEFAULT;
}

void ctl_forget(uint64_t cookie)
{
	gint64 k = (gint64)cookie;
	struct ctl_entry *e;

	if (!ctl.table)
		return;
	e = g_hash_table_lookup(ctl.table, &k);
	if (!e)
		return;
	ctl_uid_add(e->uid, -1);
	g_hash_table_remove(ctl.table, &k);
}

void ctl_table_reset(unsigned int per_uid, unsigned int total, unsigned int prune_interval_ms)
{
	if (ctl.table) {
		g_hash_table_destroy(ctl.table);
		g_hash_table_destroy(ctl.per_uid);
		ctl.table = NULL;
		ctl.per_uid = NULL;
	}
	ctl.max_per_uid = per_uid;
	ctl.max_total = total;
	ctl.prune_interval = (gint64)prune_interval_ms * 1000;
	ctl.pruned_at = 0;
}

static void ctl_prune_live(void *user, const struct sd_sock *s)
{
	GHashTable *live = user;
	gint64 *k = g_new(gint64, 1);

	*k = (gint64)s->cookie;
	g_hash_table_add(live, k);
}

/* Dumps list only sockets the kernel has hashed: bound UDP, listening or
 * connected TCP. A socket marked right after socket() (what a preload shim
 * does) is not listed until it connects: its absence proves nothing for a
 * while, so it is dropped only once it was seen listed, or after
 * CTL_PRUNE_UNHASHED_US. */
static gboolean ctl_prune_dead(gpointer key, gpointer value, gpointer user)
{
	struct ctl_entry *e = value;

	if (g_hash_table_contains(user, &e->cookie)) {
		e->hashed = true;
		return FALSE;
	}
	if (!e->hashed && g_get_monotonic_time() - e->set_at < CTL_PRUNE_UNHASHED_US)
		return FALSE;
	ctl_uid_add(e->uid, -1);
	return TRUE;
}

/* Entries whose destroy event was lost (or never came: the monitor may be
 * off) are found against a dump of every live socket. Rate-limited: a
 * client filling its share on purpose must not make mnd dump in a loop. */
static void ctl_prune(void)
{
	gint64 now = g_get_monotonic_time();
	GHashTable *live;
	unsigned int before = ctl_table_size(), n;
	int rc;

	if (ctl.pruned_at && now - ctl.pruned_at < ctl.prune_interval)
		return;
	ctl.pruned_at = now;
	live = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	rc = sd_dump_all(ctl_prune_live, live);
	if (rc == 0) {
		n = g_hash_table_foreach_remove(ctl.table, ctl_prune_dead, live);
		log_info("ctl-table-pruned entries=%u removed=%u", before, n);
	} else {
		log_warn("ctl-table-prune-failed error=%s", g_strerror(-rc));
	}
	g_hash_table_destroy(live);
}

int ctl_table_set(uint64_t cookie, uint32_t uid, enum keep_mode mode, bool hashed)
{
	gint64 k = (gint64)cookie;
	struct ctl_entry *e;

	ctl_table_ensure();
	e = g_hash_table_lookup(ctl.table, &k);
	if (mode == KEEP_MODE_DEFAULT) {
		/* `default` is "no request": nothing to keep. */
		if (e)
			ctl_forget(cookie);
		return 0;
	}
	if (mode != KEEP_MODE_CONTINUITY && mode != KEEP_MODE_BYPASS)
		return EINVAL;
	if (e && e->uid == uid) {
		e->mode = mode;
		e->hashed |= hashed;
		return 0;
	}
	/* A new entry, or one another uid set: charge it to this one. */
	if (ctl_table_uid(uid) >= ctl.max_per_uid || (!e && ctl_table_size() >= ctl.max_total)) {
		ctl_prune();
		e = g_hash_table_lookup(ctl.table, &k);
		if (ctl_table_uid(uid) >= ctl.max_per_uid ||
		    (!e && ctl_table_size() >= ctl.max_total))
			return ENOSPC;
	}
	if (e) {
		ctl_uid_add(e->uid, -1);
	} else {
		e = g_new0(struct ctl_entry, 1);
		e->cookie = k;
		e->set_at = g_get_monotonic_time();
		g_hash_table_insert(ctl.table, &e->cookie, e);
	}
	e->uid = uid;
	e->mode = mode;
	e->hashed |= hashed;
	ctl_uid_add(uid, +1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Messages */

int ctl_parse(const void *buf, size_t len, int msg_flags, unsigned int n_fds,
	      struct mnsock_req *req)
{
	memset(req, 0, sizeof(*req));
	/* The header first, so that the reply can echo the op when the
	 * message is at least that long. */
	if (len >= offsetof(struct mnsock_req, mode))
		memcpy(req, buf, offsetof(struct mnsock_req, mode));
	if ((msg_flags & MSG_TRUNC) || len != sizeof(*req))
		return EMSGSIZE;
	memcpy(req, buf, sizeof(*req));
	if (req->magic != MNSOCK_MAGIC)
		return EBADMSG;
	if (req->version != MNSOCK_VERSION)
		return EPROTO;
	if (req->op != MNSOCK_OP_SET_MODE && req->op != MNSOCK_OP_GET_MODE &&
	    req->op != MNSOCK_OP_GET_INFO)
		return EOPNOTSUPP;
	if (req->reserved != 0)
		return EINVAL;
	if (req->op == MNSOCK_OP_SET_MODE && req->mode != MNSOCK_WIRE_DEFAULT &&
	    req->mode != MNSOCK_WIRE_CONTINUITY && req->mode != MNSOCK_WIRE_BYPASS)
		return EINVAL;
	if ((msg_flags & MSG_CTRUNC) || n_fds > 1)
		return ETOOMANYREFS;
	if (n_fds == 0)
		return EBADF;
	return 0;
}

static int ctl_sockopt_int(int fd, int level, int name, int *v)
{
	socklen_t l = sizeof(*v);

	if (getsockopt(fd, level, name, v, &l) < 0)
		return errno;
	return l == sizeof(*v) ? 0 : EINVAL;
}

int ctl_sock_read(int fd, struct ctl_sock_info *si)
{
	struct sockaddr_in6 a;
	struct stat st;
	socklen_t l;
	int v, type, rc;

	memset(si, 0, sizeof(*si));
	/* getsockopt first: it refuses anything but a socket without
	 * touching it, where fstat on a file of a FUSE mount would wait for
	 * that file system's server. */
	if ((rc = ctl_sockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &v)))
		return rc;
	if (v != AF_INET6)
		return EAFNOSUPPORT;
	if (fstat(fd, &st) < 0)
		return errno;
	if (!S_ISSOCK(st.st_mode))
		return ENOTSOCK;
	si->owner = (uint32_t)st.st_uid;
	si->inode = (uint32_t)st.st_ino;
	if ((rc = ctl_sockopt_int(fd, SOL_SOCKET, SO_TYPE, &type)) ||
	    (rc = ctl_sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &v)))
		return rc;
	if (!(type == SOCK_STREAM && v == IPPROTO_TCP) && !(type == SOCK_DGRAM && v == IPPROTO_UDP))
		return EPROTONOSUPPORT;
	si->proto = (uint8_t)v;
	l = sizeof(si->cookie);
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &si->cookie, &l) < 0)
		return errno;
	if (l != sizeof(si->cookie))
		return EINVAL;
	l = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return errno;
	if (l >= sizeof(a) && a.sin6_family == AF_INET6) {
		si->local = a.sin6_addr;
		si->sport = ntohs(a.sin6_port);
	}
	l = sizeof(a);
	if (getpeername(fd, (struct sockaddr *)&a, &l) == 0 && l >= sizeof(a) &&
	    a.sin6_family == AF_INET6) {
		si->remote = a.sin6_addr;
		si->dport = ntohs(a.sin6_port);
		si->state = TCP_ESTABLISHED;
	} else {
		si->state = TCP_CLOSE;
	}
	if (si->proto == IPPROTO_TCP) {
		struct tcp_info ti;

		l = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 && l >= 1)
			si->state = ti.tcpi_state;
	}
	return 0;
}

static const char *ctl_op_name(uint16_t op)
{
	switch (op) {
	case MNSOCK_OP_SET_MODE:
		return "set-mode";
	case MNSOCK_OP_GET_MODE:
		return "get-mode";
	case MNSOCK_OP_GET_INFO:
		return "get-info";
	}
	return "?";
}

/* What one request asked and what came of it, for the reply and the log. */
struct ctl_txn {
	struct mnsock_req req;
	struct mnsock_reply rep;
	struct ctl_sock_info si;
	struct ucred cred;
	bool have_sock;
};

/* Will sock_diag dumps list this socket (ctl_prune_dead)? */
static bool ctl_hashed(const struct ctl_sock_info *si)
{
	if (si->proto == IPPROTO_UDP)
		return si->sport != 0;
	return si->state != TCP_CLOSE;
}

static void ctl_do(struct ctl_txn *t)
{
	struct keep_sock ks;
	struct keep_why why;
	enum keep_mode m;
	int err;

	switch (t->req.op) {
	case MNSOCK_OP_SET_MODE:
		/* Holding the fd is not enough: a process may mark the sockets
		 * of its own uid (root: any), so that it is charged for them. */
		if (t->cred.uid != 0 && t->cred.uid != t->si.owner) {
			t->rep.status = EPERM;
			return;
		}
		err = ctl_table_set(t->si.cookie, t->cred.uid, (enum keep_mode)t->req.mode,
				    ctl_hashed(&t->si));
		if (err) {
			t->rep.status = err;
			return;
		}
		t->rep.mode = t->req.mode;
		if (ctl.ops && ctl.ops->changed)
			ctl.ops->changed(ctl.user, &t->si, (enum keep_mode)t->req.mode);
		return;
	case MNSOCK_OP_GET_MODE:
		memset(&ks, 0, sizeof(ks));
		ks.proto = t->si.proto;
		ks.state = t->si.state;
		ks.sport = t->si.sport;
		ks.dport = t->si.dport;
		ks.cookie = t->si.cookie;
		ks.uid = t->si.owner;
		ks.inode = t->si.inode;
		ks.app = ctl_mode(t->si.cookie);
		if (ctl.ops && ctl.ops->effective)
			m = ctl.ops->effective(ctl.user, &ks, t->cred.pid, &why);
		else
			m = keep_socket_mode(NULL, &ks, &why);
		t->rep.mode = m;
		t->rep.why = keep_why_wire(&why);
		return;
	case MNSOCK_OP_GET_INFO: {
		struct in6_addr anchor = IN6ADDR_ANY_INIT;
		enum ctl_role role = CTL_ROLE_NONE;

		memcpy(t->rep.local, &t->si.local, sizeof(t->rep.local));
		if (ctl.ops && ctl.ops->info && !IN6_IS_ADDR_UNSPECIFIED(&t->si.local))
			ctl.ops->info(ctl.user, &t->si.local, &anchor, &role);
		memcpy(t->rep.anchor, &anchor, sizeof(t->rep.anchor));
		t->rep.role = role;
		return;
	}
	}
}

static void ctl_log(struct ctl_conn *c, const struct ctl_txn *t)
{
	/* Mode changes have their own budget: a burst of queries must not
	 * hide which application asked for which mode. */
	struct ctl_ratelimit *rl = t->rep.status                     ? &ctl.rl_err
				   : t->req.op == MNSOCK_OP_SET_MODE ? &c->rl_set
								     : &ctl.rl_req;
	enum log_level lvl = LOG_LVL_DEBUG;
	const char *mode = "-", *proto = "-", *local = "-";
	char peer[48] = "", held[40] = "";
	unsigned long suppressed;

	if (t->rep.status)
		lvl = LOG_LVL_WARN;
	else if (t->req.op == MNSOCK_OP_SET_MODE)
		lvl = LOG_LVL_INFO;
	if (!ctl_rl_ok(rl, lvl, &suppressed))
		return;
	if (t->req.op == MNSOCK_OP_SET_MODE && t->req.mode <= MNSOCK_WIRE_BYPASS)
		mode = keep_mode_name((enum keep_mode)t->req.mode);
	else if (t->req.op == MNSOCK_OP_GET_MODE && !t->rep.status)
		mode = keep_mode_name((enum keep_mode)t->rep.mode);
	if (t->have_sock) {
		proto = t->si.proto == IPPROTO_TCP ? "tcp" : "udp";
		local = log_addr(&t->si.local);
	}
	if (suppressed)
		snprintf(held, sizeof(held), " suppressed=%lu", suppressed);
	/* The message's credentials are the sender's; they differ from the
	 * connection's when the connection was handed to another process. */
	if (t->cred.uid != c->peer.uid || t->cred.pid != c->peer.pid)
		snprintf(peer, sizeof(peer), " peer_pid=%d peer_uid=%u", (int)c->peer.pid,
			 (unsigned int)c->peer.uid);
	log_msg(lvl,
		"ctl-request pid=%d uid=%u%s op=%s mode=%s cookie=%llu local=[%s]:%u proto=%s "
		"status=%d%s%s%s",
		(int)t->cred.pid, (unsigned int)t->cred.uid, peer, ctl_op_name(t->req.op), mode,
		(unsigned long long)t->si.cookie, local, t->si.sport, proto, t->rep.status,
		t->rep.status ? " error=" : "", t->rep.status ? g_strerror(t->rep.status) : "",
		held);
}

int ctl_conn_handle_one(struct ctl_conn *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
	} cbuf;
	uint8_t buf[CTL_RX_MAX];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.b,
		.msg_controllen = sizeof(cbuf.b),
	};
	int fds[CTL_MAX_FDS];
	unsigned int n_fds = 0;
	bool have_cred = false;
	struct ctl_txn t;
	struct cmsghdr *cm;
	ssize_t n;
	int err;

	do
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;

	memset(&t, 0, sizeof(t));
	t.cred = c->peer;
	/* Every fd is collected (and closed below) whatever the message. */
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len >= CMSG_LEN(0)) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
				if (n_fds < CTL_MAX_FDS)
					fds[n_fds] = fd;
				else
					close(fd);
				n_fds++;
			}
		} else if (cm->cmsg_type == SCM_CREDENTIALS &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&t.cred, CMSG_DATA(cm), sizeof(t.cred));
			have_cred = true;
		}
	}
	/* SOCK_SEQPACKET reads 0 at the end; an empty message still carries
	 * the sender's credentials (SO_PASSCRED). */
	if (n == 0 && !have_cred && n_fds == 0)
		return -1;
	c->n_req++;

	err = ctl_parse(buf, (size_t)n, msg.msg_flags, n_fds, &t.req);
	if (!err) {
		err = ctl_sock_read(fds[0], &t.si);
		t.have_sock = err == 0;
	}
	/* mnd keeps nothing of the application's socket but its cookie. */
	for (unsigned int i = 0; i < n_fds && i < CTL_MAX_FDS; i++)
		close(fds[i]);

	t.rep.magic = MNSOCK_MAGIC;
	t.rep.version = MNSOCK_VERSION;
	t.rep.op = t.req.op;
	t.rep.status = err;
	if (!err)
		ctl_do(&t);
	if (t.rep.status)
		c->n_err++;
	ctl_log(c, &t);
	/* Never queued: a client that lets its replies pile up goes. */
	if (send(c->fd, &t.rep, sizeof(t.rep), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(t.rep))
		return -1;
	return 1;
}

struct ctl_conn *ctl_conn_new(int fd)
{
	struct ctl_conn *c;
	socklen_t l = sizeof(struct ucred);
	int one = 1;

	c = g_new0(struct ctl_conn, 1);
	c->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &l) < 0 ||
	    l != sizeof(struct ucred)) {
		close(fd);
		g_free(c);
		return NULL;
	}
	/* Each message then carries its sender's credentials. */
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	return c;
}

void ctl_conn_free(struct ctl_conn *c)
{
	if (!c)
		return;
	if (c->watch)
		g_source_remove(c->watch);
	close(c->fd);
	g_free(c);
}

/* ------------------------------------------------------------------ */
/* The server */

static void ctl_drop(struct ctl_conn *c)
{
	unsigned long suppressed;

	if (ctl_rl_ok(&ctl.rl_conn, LOG_LVL_DEBUG, &suppressed))
		log_debug("ctl-client-gone pid=%d uid=%u requests=%lu errors=%lu", (int)c->peer.pid,
			  (unsigned int)c->peer.uid, c->n_req, c->n_err);
	ctl.conns[c->slot] = NULL;
	ctl.n_conns--;
	ctl_conn_free(c);
}

static gboolean ctl_conn_ready(gint fd, GIOCondition cond, gpointer data)
{
	struct ctl_conn *c = data;

	for (unsigned int i = 0; i < CTL_BATCH; i++) {
		int rc = ctl_conn_handle_one(c);

		if (rc < 0) {
			c->watch = 0; /* removed by returning G_SOURCE_REMOVE */
			ctl_drop(c);
			return G_SOURCE_REMOVE;
		}
		if (rc == 0)
			break;
	}
	if (cond & (G_IO_HUP | G_IO_ERR)) {
		/* Whatever was still queued has been read above. */
		if (ctl_conn_handle_one(c) <= 0) {
			c->watch = 0;
			ctl_drop(c);
			return G_SOURCE_REMOVE;
		}
	}
	return G_SOURCE_CONTINUE;
}

static gboolean ctl_accept(gint lfd, GIOCondition cond, gpointer data)
{
	unsigned long suppressed;

	for (unsigned int i = 0; i < CTL_ACCEPT_BATCH; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ctl_conn *c;
		unsigned int slot;

		if (fd < 0)
			break;
		if (ctl.n_conns >= CTL_MAX_CLIENTS) {
			struct ucred cr = {0};
			socklen_t l = sizeof(cr);

			getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l);
			close(fd);
			if (ctl_rl_ok(&ctl.rl_refused, LOG_LVL_WARN, &suppressed))
				log_warn("ctl-client-refused pid=%d uid=%u reason=too-many-clients "
					 "max=%d suppressed=%lu",
					 (int)cr.pid, (unsigned int)cr.uid, CTL_MAX_CLIENTS,
					 suppressed);
			continue;
		}
		c = ctl_conn_new(fd);
		if (!c)
			continue;
		for (slot = 0; slot < CTL_MAX_CLIENTS && ctl.conns[slot]; slot++)
			;
		c->slot = slot;
		ctl.conns[slot] = c;
		ctl.n_conns++;
		c->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, ctl_conn_ready, c);
		if (ctl_rl_ok(&ctl.rl_conn, LOG_LVL_DEBUG, &suppressed))
			log_debug("ctl-client pid=%d uid=%u gid=%u clients=%u", (int)c->peer.pid,
				  (unsigned int)c->peer.uid, (unsigned int)c->peer.gid,
				  ctl.n_conns);
	}
	return G_SOURCE_CONTINUE;
}

void ctl_init(const struct ctl_ops *ops, void *user)
{
	ctl.ops = ops;
	ctl.user = user;
	ctl_table_ensure();
}

int ctl_start(const char *path, const struct ctl_ops *ops, void *user)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, one = 1, rc;

	if (ctl.lfd >= 0)
		return -EALREADY;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	ctl_init(ops, user);
	strcpy(sa.sun_path, path);
	/* A socket left by a crash is replaced; anything else is not ours. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, CTL_MAX_CLIENTS) < 0) {
		rc = -errno;
		close(fd);
		unlink(path);
		return rc;
	}
	ctl.lfd = fd;
	ctl.path = g_strdup(path);
	ctl.lwatch = g_unix_fd_add(fd, G_IO_IN, ctl_accept, NULL);
	log_info("ctl-listening path=%s max_clients=%d max_per_uid=%u max_total=%u", path,
		 CTL_MAX_CLIENTS, ctl.max_per_uid, ctl.max_total);
	return 0;
}

void ctl_stop(void)
{
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (ctl.conns[i]) {
			ctl_conn_free(ctl.conns[i]);
			ctl.conns[i] = NULL;
		}
	}
	ctl.n_conns = 0;
	if (ctl.lfd >= 0) {
		if (ctl.lwatch)
			g_source_remove(ctl.lwatch);
		close(ctl.lfd);
		if (ctl.path)
			g_unlink(ctl.path);
	}
	ctl.lwatch = 0;
	ctl.lfd = -1;
	g_free(ctl.path);
	ctl.path = NULL;
	ctl_table_reset(ctl.max_per_uid, ctl.max_total, (unsigned int)(ctl.prune_interval / 1000));
	ctl.ops = NULL;
}
