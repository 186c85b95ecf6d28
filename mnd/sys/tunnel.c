// SPDX-License-Identifier: BSD-3-Clause
/*
 * Choosing the data-plane backend (DESIGN §4). "auto" takes the first
 * backend, in order of preference, whose probe succeeds: the kernel
 * tunnels are faster than the userspace relay, so `tun` comes last.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sys/tunnel.h"

#define TNL_WHY_MAX 160

/* A NULL backend is a name this build knows but does not implement yet;
 * a new backend is one line here (and its extern in tunnel.h). */
static const struct {
	const char *name;
	const struct tnl_backend *be;
} tnl_table[] = {
	{"ip6tnl", &tnl_ip6tnl},
	{"seg6", &tnl_seg6},
	{"tun", &tnl_tun},
};

#define TNL_N (sizeof(tnl_table) / sizeof(tnl_table[0]))

static void tnl_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tnl_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Probe one backend; its reason goes to why. */
static const struct tnl_backend *tnl_try(size_t i, char *why, size_t len)
{
	const struct tnl_backend *be = tnl_table[i].be;
	char r[TNL_WHY_MAX] = "";
	int rc;

	if (!be) {
		tnl_why(why, len, "backend not implemented yet");
		return NULL;
	}
	rc = be->probe ? be->probe(r, sizeof(r)) : 0;
	if (rc < 0) {
		tnl_why(why, len, "%s", r[0] ? r : strerror(-rc));
		return NULL;
	}
	tnl_why(why, len, "%s", "");
	return be;
}

const struct tnl_backend *tnl_select(const char *name, char *why, size_t len)
{
	char r[TNL_WHY_MAX], all[3 * TNL_WHY_MAX] = "";
	const struct tnl_backend *be;
	size_t i, used = 0;

	if (!name || !*name)
		name = "auto";
	if (strcmp(name, "auto") != 0) {
		for (i = 0; i < TNL_N; i++)
			if (strcmp(name, tnl_table[i].name) == 0)
				return tnl_try(i, why, len);
		tnl_why(why, len, "unknown backend '%s' (auto, ip6tnl, seg6, tun)", name);
		return NULL;
	}

	/* Say why the better ones were passed over: a person reading the
	 * log learns why the slow relay was chosen. */
	for (i = 0; i < TNL_N; i++) {
		be = tnl_try(i, r, sizeof(r));
		if (be) {
			if (used)
				tnl_why(why, len, "auto: %s", all);
			else
				tnl_why(why, len, "auto: first choice");
			return be;
		}
		if (used < sizeof(all))
			used += (size_t)snprintf(all + used, sizeof(all) - used, "%s%s: %s",
						 used ? "; " : "", tnl_table[i].name, r);
	}
	tnl_why(why, len, "no usable backend: %s", all);
	return NULL;
}

uint32_t tnl_inner_mtu(uint32_t link_mtu)
{
	if (!link_mtu)
		link_mtu = TNL_DEFAULT_LINK_MTU;
	if (link_mtu < TNL_MIN_MTU + TNL_OUTER_OVERHEAD)
		return TNL_MIN_MTU;
	return link_mtu - TNL_OUTER_OVERHEAD;
}

struct tnl_entry *tnl_entry_find(void *table, size_t n, size_t size, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < n; i++) {
		struct tnl_entry *e = (struct tnl_entry *)((char *)table + i * size);

		if (e->used && memcmp(&e->hoa, hoa, sizeof(*hoa)) == 0)
			return e;
	}
	return NULL;
}

struct tnl_entry *tnl_entry_claim(void *table, size_t n, size_t size, const struct tnl_binding *b,
				  int *err)
{
	struct tnl_entry *free_e = NULL;

	for (size_t i = 0; i < n; i++) {
		struct tnl_entry *e = (struct tnl_entry *)((char *)table + i * size);

		if (e->used &&
		    (e->slot == b->slot || memcmp(&e->hoa, &b->hoa, sizeof(b->hoa)) == 0)) {
			*err = -EEXIST;
			return NULL;
		}
		if (!e->used && !free_e)
			free_e = e;
	}
	if (!free_e) {
		*err = -ENOSPC;
		return NULL;
	}
	memset(free_e, 0, size);
	free_e->used = true;
	free_e->hoa = b->hoa;
	free_e->coa = b->coa;
	free_e->dar = b->dar;
	free_e->slot = b->slot;
	return free_e;
}
