// SPDX-License-Identifier: BSD-3-Clause
/*
 * One decision pass over sock_diag. The dump is collected first and
 * decided afterwards, because a program rule needs the owners of the
 * sockets, which takes one /proc scan for all of them rather than one per
 * socket; names found are cached by cookie until the socket's destroy
 * event. cgroup rules are resolved to cgroup ids at most once a second.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "ctl.h"
#include "flow.h"
#include "log.h"
#include "sys/procinfo.h"
#include "sys/sockdiag.h"

#define FLOW_COMM_CACHE_MAX 65536
#define FLOW_CG_REFRESH_US G_USEC_PER_SEC

struct flow_comm {
	gint64 cookie; /* key */
	char comm[KEEP_COMM_LEN];
};

static struct {
	struct keep_rules *rules;
	GHashTable *comms; /* cookie -> struct flow_comm ("" = owner not found) */
	gint64 cg_resolved_at;
	bool cg_resolved;
} flow;

void flow_init(void)
{
	if (!flow.comms)
		flow.comms = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
}

void flow_fini(void)
{
	rules_free(flow.rules);
	flow.rules = NULL;
	if (flow.comms)
		g_hash_table_destroy(flow.comms);
	flow.comms = NULL;
}

void flow_set_rules(struct keep_rules *rules)
{
	rules_free(flow.rules);
	flow.rules = rules;
	flow.cg_resolved = false;
}

const struct keep_rules *flow_rules(void)
{
	return flow.rules;
}

GHashTable *flow_cookie_set_new(void)
{
	return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
}

void flow_forget(uint64_t cookie)
{
	gint64 k = (gint64)cookie;

	if (flow.comms)
		g_hash_table_remove(flow.comms, &k);
}

/* cgroup and unit rules -> cgroup ids, from the live tree. */
static void flow_resolve_cgroups(void)
{
	gint64 now = g_get_monotonic_time();

	if (!flow.rules || !rules_need_cgroup(flow.rules))
		return;
	if (flow.cg_resolved && now - flow.cg_resolved_at < FLOW_CG_REFRESH_US)
		return;
	flow.cg_resolved = true;
	flow.cg_resolved_at = now;
	for (unsigned int i = 0; i < flow.rules->n; i++) {
		struct keep_rule *r = &flow.rules->r[i];
		uint64_t *ids = NULL;
		unsigned int n = 0;
		int rc;

		if (r->match & RULE_M_CGROUP)
			rc = pi_cgroup_ids(r->cgroup, &ids, &n);
		else if (r->match & RULE_M_UNIT)
			rc = pi_unit_ids(r->cgroup, &ids, &n);
		else
			continue;
		if (rc < 0)
			log_warn("rule-cgroup-failed rule=%s %s=%s error=%s", r->name,
				 r->match & RULE_M_UNIT ? "unit" : "cgroup", r->cgroup,
				 g_strerror(-rc));
		if (rules_set_cgroup_ids(r, ids, n) < 0)
			log_warn("rule-cgroup-failed rule=%s error=no-memory", r->name);
		log_debug("rule-cgroup rule=%s %s=%s cgroups=%u", r->name,
			  r->match & RULE_M_UNIT ? "unit" : "cgroup", r->cgroup, n);
		g_free(ids);
	}
}

static void flow_comm_put(uint64_t cookie, const char *comm)
{
	struct flow_comm *c;

	/* A cache, not a record: when full, start over. */
	if (g_hash_table_size(flow.comms) >= FLOW_COMM_CACHE_MAX)
		g_hash_table_remove_all(flow.comms);
	c = g_new0(struct flow_comm, 1);
	c->cookie = (gint64)cookie;
	g_strlcpy(c->comm, comm, sizeof(c->comm));
	g_hash_table_replace(flow.comms, &c->cookie, c);
}

static const char *flow_comm_get(uint64_t cookie, bool *known)
{
	gint64 k = (gint64)cookie;
	struct flow_comm *c = g_hash_table_lookup(flow.comms, &k);

	*known = c != NULL;
	return c && c->comm[0] ? c->comm : NULL;
}

struct flow_rec {
	struct sd_sock s;
	unsigned int idx;
};

struct flow_collect {
	struct flow_addr *fa;
	unsigned int n;
	GArray *recs;
};

static void flow_collect_sock(void *user, const struct sd_sock *s)
{
	struct flow_collect *fc = user;
	struct flow_rec r = {.s = *s};

	for (r.idx = 0; r.idx < fc->n; r.idx++)
		if (!memcmp(&fc->fa[r.idx].addr, &s->src, sizeof(s->src)))
			break;
	if (r.idx < fc->n)
		g_array_append_val(fc->recs, r);
}

/* One /proc scan for the owners of every socket a program rule may look
 * at and whose owner is not cached yet. */
static void flow_find_programs(GArray *recs)
{
	GArray *want = g_array_new(FALSE, FALSE, sizeof(unsigned int));
	uint32_t *inodes;
	char(*comms)[PI_COMM_LEN];
	int rc;

	for (unsigned int i = 0; i < recs->len; i++) {
		const struct flow_rec *r = &g_array_index(recs, struct flow_rec, i);
		bool known;

		if (!r->s.inode || ctl_mode(r->s.cookie) != KEEP_MODE_DEFAULT)
			continue;
		flow_comm_get(r->s.cookie, &known);
		if (!known)
			g_array_append_val(want, i);
	}
	if (!want->len) {
		g_array_free(want, TRUE);
		return;
	}
	inodes = g_new(uint32_t, want->len);
	comms = g_malloc0_n(want->len, PI_COMM_LEN);
	for (unsigned int j = 0; j < want->len; j++)
		inodes[j] =
			g_array_index(recs, struct flow_rec, g_array_index(want, unsigned int, j))
				.s.inode;
	rc = pi_comm_by_inode(inodes, want->len, comms);
	if (rc < 0) {
		log_warn("program-lookup-failed error=%s", g_strerror(-rc));
	} else {
		for (unsigned int j = 0; j < want->len; j++)
			flow_comm_put(g_array_index(recs, struct flow_rec,
						    g_array_index(want, unsigned int, j))
					      .s.cookie,
				      comms[j]);
		log_debug("program-lookup sockets=%u found=%d", want->len, rc);
	}
	g_free(comms);
	g_free(inodes);
	g_array_free(want, TRUE);
}

static void flow_sock_to_keep(const struct sd_sock *s, struct keep_sock *ks)
{
	memset(ks, 0, sizeof(*ks));
	ks->proto = s->proto;
	ks->state = s->state;
	ks->sport = s->sport;
	ks->dport = s->dport;
	ks->cookie = s->cookie;
	ks->uid = s->uid;
	ks->inode = s->inode;
	ks->cgroup = s->cgroup;
	ks->app = ctl_mode(s->cookie);
}

int flow_eval(struct flow_addr *fa, unsigned int n)
{
	return flow_eval_each(fa, n, NULL, NULL);
}

int flow_eval_each(struct flow_addr *fa, unsigned int n, flow_sock_fn fn, void *user)
{
	struct flow_collect fc = {.fa = fa, .n = n};
	bool debug = log_get_level() >= LOG_LVL_DEBUG;
	struct in6_addr *addrs;
	bool need_program;
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		memset(&fa[i].t, 0, sizeof(fa[i].t));
		fa[i].silent = 0;
	}
	if (!n)
		return 0;
	fc.recs = g_array_sized_new(FALSE, FALSE, sizeof(struct flow_rec), 256);
	addrs = g_new(struct in6_addr, n);
	for (unsigned int i = 0; i < n; i++)
		addrs[i] = fa[i].addr;
	rc = sd_dump(addrs, n, flow_collect_sock, &fc);
	g_free(addrs);
	if (rc < 0) {
		g_array_free(fc.recs, TRUE);
		return rc;
	}
	need_program = flow.rules && rules_need_program(flow.rules);
	if (need_program)
		flow_find_programs(fc.recs);
	flow_resolve_cgroups();

	for (unsigned int i = 0; i < fc.recs->len; i++) {
		const struct flow_rec *r = &g_array_index(fc.recs, struct flow_rec, i);
		struct flow_addr *a = &fa[r->idx];
		struct keep_sock ks;
		struct keep_why why;
		enum keep_mode m;
		bool known;

		flow_sock_to_keep(&r->s, &ks);
		if (need_program)
			ks.comm = flow_comm_get(r->s.cookie, &known);
		m = keep_tally_add(&a->t, flow.rules, &ks, &why);
		if (fn)
			fn(user, r->idx, &r->s, m, &why);
		/* Request sockets are freed without a destroy event. */
		if (m == KEEP_MODE_CONTINUITY && ks.proto == IPPROTO_TCP && !ks.inode &&
		    ks.state == TCP_SYN_RECV)
			a->silent++;
		else if (m == KEEP_MODE_CONTINUITY && a->continuity) {
			gint64 *k = g_new(gint64, 1);

			*k = (gint64)r->s.cookie;
			g_hash_table_add(a->continuity, k);
		}
		if (debug) {
			char w[64];

			log_debug("flow addr=%s proto=%s sport=%u dport=%u state=%u cookie=%llu "
				  "uid=%u mode=%s why=%s",
				  log_addr(&r->s.src), r->s.proto == IPPROTO_TCP ? "tcp" : "udp",
				  r->s.sport, r->s.dport, r->s.state,
				  (unsigned long long)r->s.cookie, r->s.uid, keep_mode_name(m),
				  keep_why_format(flow.rules, &why, w, sizeof(w)));
		}
	}
	g_array_free(fc.recs, TRUE);
	return 0;
}

enum keep_mode flow_effective(struct keep_sock *ks, pid_t pid, struct keep_why *why)
{
	char comm[PI_COMM_LEN] = "";
	enum keep_mode m;
	uint64_t cg = 0;

	if (flow.rules && rules_need_program(flow.rules) && pid > 0 &&
	    pi_comm_by_pid(pid, comm) == 0)
		ks->comm = comm;
	if (flow.rules && rules_need_cgroup(flow.rules)) {
		flow_resolve_cgroups();
		if (pid > 0 && pi_cgroup_of_pid(pid, &cg) == 0)
			ks->cgroup = cg;
	}
	m = keep_socket_mode(flow.rules, ks, why);
	ks->comm = NULL; /* points into this frame */
	return m;
}
