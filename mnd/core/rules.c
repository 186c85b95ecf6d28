// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"

#define RULES_MAX_TOKENS 32

struct keep_rules *rules_new(void)
{
	return calloc(1, sizeof(struct keep_rules));
}

void rules_free(struct keep_rules *rs)
{
	if (!rs)
		return;
	for (unsigned int i = 0; i < rs->n; i++)
		free(rs->r[i].cg_ids);
	free(rs);
}

static int rules_err(char *err, size_t len, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int rules_err(char *err, size_t len, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !len)
		return -1;
	n = snprintf(err, len, "rule '%s': ", name);
	if (n >= 0 && (size_t)n < len) {
		va_start(ap, fmt);
		vsnprintf(err + n, len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool rules_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= RULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Decimal without sign, at most max. */
static bool rules_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool rules_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf))
		return false;
	if (!dash) {
		if (!rules_uint(s, 65535, &a))
			return false;
		*lo = *hi = (uint16_t)a;
		return true;
	}
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = 0;
	if (!rules_uint(buf, 65535, &a) || !rules_uint(dash + 1, 65535, &b) || a > b)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

/* An absolute cgroup v2 path, as in /proc/PID/cgroup: no empty, `.` or
 * `..` components (it is joined to the cgroup mount by the caller). */
static bool rules_cgroup_ok(const char *p)
{
	const char *c;

	if (p[0] != '/' || strlen(p) >= RULE_CGROUP_MAX)
		return false;
	if (!p[1])
		return true;
	for (c = p + 1;;) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!e)
			return true;
		c = e + 1;
	}
}

static bool rules_unit_ok(const char *u)
{
	size_t n = strlen(u);

	return n > 0 && n < RULE_CGROUP_MAX && !strchr(u, '/') && strcmp(u, ".") && strcmp(u, "..");
}

int rules_add(struct keep_rules *rs, const char *name, const char *text, char *err, size_t errlen)
{
	char buf[RULE_TEXT_MAX], *tok[RULES_MAX_TOKENS], *save = NULL, *t;
	struct keep_rule r;
	unsigned int nt = 0, i;
	unsigned long v;

	if (!name || !rules_name_ok(name))
		return rules_err(err, errlen, name ? name : "",
				 "a name is 1 to %d of A-Z a-z 0-9 . _ -", RULE_NAME_MAX - 1);
	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].name, name))
			return rules_err(err, errlen, name, "name used twice");
	if (rs->n >= RULES_MAX)
		return rules_err(err, errlen, name, "more than %d rules", RULES_MAX);
	if (!text || strlen(text) >= sizeof(buf))
		return rules_err(err, errlen, name, "longer than %d characters", RULE_TEXT_MAX - 1);
	strcpy(buf, text);
	for (t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nt == RULES_MAX_TOKENS)
			return rules_err(err, errlen, name, "too many words");
		tok[nt++] = t;
	}
	if (nt == 0)
		return rules_err(err, errlen, name, "empty: continuity, bypass or default first");

	memset(&r, 0, sizeof(r));
	strcpy(r.name, name);
	if (!strcmp(tok[0], "continuity"))
		r.action = KEEP_MODE_CONTINUITY;
	else if (!strcmp(tok[0], "bypass"))
		r.action = KEEP_MODE_BYPASS;
	else if (!strcmp(tok[0], "default"))
		r.action = KEEP_MODE_DEFAULT;
	else
		return rules_err(err, errlen, name, "'%s' is not continuity, bypass or default",
				 tok[0]);

	for (i = 1; i < nt; i++) {
		const char *k = tok[i], *arg = i + 1 < nt ? tok[i + 1] : NULL;
		unsigned int m;

		if (!strcmp(k, "tcp") || !strcmp(k, "udp"))
			m = RULE_M_PROTO;
		else if (!strcmp(k, "sport"))
			m = RULE_M_SPORT;
		else if (!strcmp(k, "dport"))
			m = RULE_M_DPORT;
		else if (!strcmp(k, "uid"))
			m = RULE_M_UID;
		else if (!strcmp(k, "program"))
			m = RULE_M_PROGRAM;
		else if (!strcmp(k, "cgroup"))
			m = RULE_M_CGROUP;
		else if (!strcmp(k, "unit"))
			m = RULE_M_UNIT;
		else
			return rules_err(err, errlen, name, "unknown match '%s'", k);
		if (r.match & m)
			return rules_err(err, errlen, name,
					 "'%s': this kind of match is already given", k);
		if ((m == RULE_M_CGROUP && (r.match & RULE_M_UNIT)) ||
		    (m == RULE_M_UNIT && (r.match & RULE_M_CGROUP)))
			return rules_err(err, errlen, name, "cgroup and unit together");
		r.match |= m;
		if (m == RULE_M_PROTO) {
			r.proto = k[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
			continue;
		}
		if (!arg)
			return rules_err(err, errlen, name, "'%s' needs a value", k);
		i++;
		switch (m) {
		case RULE_M_SPORT:
			if (!rules_ports(arg, &r.sport_lo, &r.sport_hi))
				return rules_err(err, errlen, name,
						 "sport '%s': a port or LOW-HIGH, 0 to 65535", arg);
			break;
		case RULE_M_DPORT:
			if (!rules_ports(arg, &r.dport_lo, &r.dport_hi))
				return rules_err(err, errlen, name,
						 "dport '%s': a port or LOW-HIGH, 0 to 65535", arg);
			break;
		case RULE_M_UID:
			if (!rules_uint(arg, 4294967294ul, &v))
				return rules_err(err, errlen, name, "uid '%s': a number", arg);
			r.uid = (uint32_t)v;
			break;
		case RULE_M_PROGRAM:
			if (strlen(arg) >= KEEP_COMM_LEN)
				return rules_err(err, errlen, name,
						 "program '%s': at most %d characters (as in "
						 "/proc/PID/comm)",
						 arg, KEEP_COMM_LEN - 1);
			strcpy(r.program, arg);
			break;
		case RULE_M_CGROUP:
			if (!rules_cgroup_ok(arg))
				return rules_err(err, errlen, name,
						 "cgroup '%s': an absolute cgroup v2 path", arg);
			strcpy(r.cgroup, arg);
			break;
		case RULE_M_UNIT:
			if (!rules_unit_ok(arg))
				return rules_err(err, errlen, name, "unit '%s': a unit name", arg);
			strcpy(r.cgroup, arg);
			break;
		}
	}
	rs->r[rs->n++] = r;
	return 0;
}

static int rules_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool rules_cg_has(const struct keep_rule *r, uint64_t id)
{
	return id && r->n_cg_ids &&
	       bsearch(&id, r->cg_ids, r->n_cg_ids, sizeof(id), rules_cmp_u64) != NULL;
}

static bool rules_one(const struct keep_rule *r, const struct keep_sock *s)
{
	if ((r->match & RULE_M_PROTO) && s->proto != r->proto)
		return false;
	if ((r->match & RULE_M_SPORT) && (s->sport < r->sport_lo || s->sport > r->sport_hi))
		return false;
	if ((r->match & RULE_M_DPORT) && (s->dport < r->dport_lo || s->dport > r->dport_hi))
		return false;
	if ((r->match & RULE_M_UID) && s->uid != r->uid)
		return false;
	if ((r->match & RULE_M_PROGRAM) && (!s->comm || strcmp(s->comm, r->program)))
		return false;
	if ((r->match & (RULE_M_CGROUP | RULE_M_UNIT)) && !rules_cg_has(r, s->cgroup))
		return false;
	return true;
}

int rules_match(const struct keep_rules *rs, const struct keep_sock *s)
{
	for (unsigned int i = 0; i < rs->n; i++)
		if (rules_one(&rs->r[i], s))
			return (int)i;
	return -1;
}

bool rules_need_program(const struct keep_rules *rs)
{
	for (unsigned int i = 0; rs && i < rs->n; i++)
		if (rs->r[i].match & RULE_M_PROGRAM)
			return true;
	return false;
}

bool rules_need_cgroup(const struct keep_rules *rs)
{
	for (unsigned int i = 0; rs && i < rs->n; i++)
		if (rs->r[i].match & (RULE_M_CGROUP | RULE_M_UNIT))
			return true;
	return false;
}

int rules_set_cgroup_ids(struct keep_rule *r, const uint64_t *ids, unsigned int n)
{
	uint64_t *c = NULL;

	if (n) {
		c = malloc(n * sizeof(*c));
		if (!c) {
			free(r->cg_ids);
			r->cg_ids = NULL;
			r->n_cg_ids = 0;
			return -1;
		}
		memcpy(c, ids, n * sizeof(*c));
		qsort(c, n, sizeof(*c), rules_cmp_u64);
	}
	free(r->cg_ids);
	r->cg_ids = c;
	r->n_cg_ids = n;
	return 0;
}

const char *rules_format(const struct keep_rule *r, char *buf, size_t len)
{
	size_t o = 0;

#define RULES_PUT(...)                                                                             \
	do {                                                                                       \
		int n_ = snprintf(buf + o, len - o, __VA_ARGS__);                                  \
		if (n_ < 0 || (size_t)n_ >= len - o)                                               \
			return buf;                                                                \
		o += (size_t)n_;                                                                   \
	} while (0)

	if (!len)
		return buf;
	buf[0] = 0;
	RULES_PUT("%s", keep_mode_name(r->action));
	if (r->match & RULE_M_PROTO)
		RULES_PUT(" %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
	if ((r->match & RULE_M_SPORT) && r->sport_lo == r->sport_hi)
		RULES_PUT(" sport %u", r->sport_lo);
	else if (r->match & RULE_M_SPORT)
		RULES_PUT(" sport %u-%u", r->sport_lo, r->sport_hi);
	if ((r->match & RULE_M_DPORT) && r->dport_lo == r->dport_hi)
		RULES_PUT(" dport %u", r->dport_lo);
	else if (r->match & RULE_M_DPORT)
		RULES_PUT(" dport %u-%u", r->dport_lo, r->dport_hi);
	if (r->match & RULE_M_UID)
		RULES_PUT(" uid %u", r->uid);
	if (r->match & RULE_M_PROGRAM)
		RULES_PUT(" program %s", r->program);
	if (r->match & RULE_M_CGROUP)
		RULES_PUT(" cgroup %s", r->cgroup);
	if (r->match & RULE_M_UNIT)
		RULES_PUT(" unit %s", r->cgroup);
#undef RULES_PUT
	return buf;
}
