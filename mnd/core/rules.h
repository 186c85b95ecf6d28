/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mnd.conf rules: a per-socket mode for sockets the application did not
 * mark. Rules are named (the key in the [rules] group, for logs),
 * evaluated in file order, and the first match wins. One rule is
 *
 *   ACTION [MATCH ...]
 *   ACTION = continuity | bypass | default
 *   MATCH  = tcp | udp | sport PORTS | dport PORTS | uid N
 *          | program NAME | cgroup PATH | unit NAME
 *   PORTS  = N | N-M
 *
 * Every MATCH given must hold (no MATCH: every socket); each kind at most
 * once. sport is the local port, dport the remote one. `default` stops
 * the search and leaves the socket to the built-in defaults (an exception
 * to a broader rule further down). A cgroup or unit matches the socket's
 * cgroup (the cgroup v2 of the process that created it) and everything
 * below; the caller resolves those to cgroup ids (I/O) before matching.
 *
 * Pure: parsing and matching, no I/O.
 */
#ifndef MN_CORE_RULES_H
#define MN_CORE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/keep.h"

#define RULES_MAX 64        /* rules in one configuration */
#define RULE_NAME_MAX 32    /* name length, NUL included */
#define RULE_TEXT_MAX 512   /* one rule's text */
#define RULE_CGROUP_MAX 256 /* cgroup path or unit name, NUL included */

enum rule_match {
	RULE_M_PROTO = 1u << 0,
	RULE_M_SPORT = 1u << 1,
	RULE_M_DPORT = 1u << 2,
	RULE_M_UID = 1u << 3,
	RULE_M_PROGRAM = 1u << 4,
	RULE_M_CGROUP = 1u << 5,
	RULE_M_UNIT = 1u << 6,
};

struct keep_rule {
	char name[RULE_NAME_MAX];
	enum keep_mode action;
	unsigned int match; /* RULE_M_* given */
	uint8_t proto;
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
	uint32_t uid;
	char program[KEEP_COMM_LEN];
	char cgroup[RULE_CGROUP_MAX]; /* RULE_M_CGROUP: path; RULE_M_UNIT: unit name */
	/* Set by the caller before matching (rules_set_cgroup_ids): the ids
	 * of the cgroup(s) and all their descendants, sorted. None: no
	 * socket matches. */
	uint64_t *cg_ids;
	unsigned int n_cg_ids;
};

struct keep_rules {
	unsigned int n;
	struct keep_rule r[RULES_MAX];
};

struct keep_rules *rules_new(void);
void rules_free(struct keep_rules *rs);

/* Parse `text` as rule `name` and append it. Returns 0, or -1 with a
 * message (naming the rule) in err. */
int rules_add(struct keep_rules *rs, const char *name, const char *text, char *err, size_t errlen);

/* Index of the first rule matching s, or -1. */
int rules_match(const struct keep_rules *rs, const struct keep_sock *s);

/* Does any rule look at the program name / the cgroup? Only then does the
 * caller pay for /proc. */
bool rules_need_program(const struct keep_rules *rs);
bool rules_need_cgroup(const struct keep_rules *rs);

/* Give rule r its cgroup ids (copied and sorted). Returns 0 or -1 (no
 * memory: the rule then matches nothing). */
int rules_set_cgroup_ids(struct keep_rule *r, const uint64_t *ids, unsigned int n);

/* The rule in canonical form ("bypass tcp dport 22"), for logs. */
const char *rules_format(const struct keep_rule *r, char *buf, size_t len);

#endif
