// SPDX-License-Identifier: BSD-3-Clause
#include <string.h>

#include "core/anchor.h"

struct anchor *anchor_find_dar(struct anchor_table *t, const struct in6_addr *dar)
{
	struct anchor *a;

	anchor_foreach(t, a) if (!memcmp(&a->dar, dar, sizeof(*dar))) return a;
	return NULL;
}

struct anchor *anchor_find_addr(struct anchor_table *t, const struct in6_addr *addr)
{
	struct anchor *a;

	anchor_foreach(t, a) if (a->have_addr && !memcmp(&a->addr, addr, sizeof(*addr))) return a;
	return NULL;
}

struct anchor *anchor_new(struct anchor_table *t)
{
	for (unsigned int i = 0; i < ANCHOR_MAX; i++) {
		if (!t->a[i].used) {
			memset(&t->a[i], 0, sizeof(t->a[i]));
			t->a[i].used = true;
			t->a[i].slot = i;
			return &t->a[i];
		}
	}
	return NULL;
}

struct anchor *anchor_reclaim(struct anchor_table *t)
{
	struct anchor *a, *old = NULL;

	anchor_foreach(t, a)
	{
		if (a->role == ANCHOR_RELEASED && (!old || a->last_seen < old->last_seen))
			old = a;
	}
	if (!old)
		return NULL;
	anchor_free(old);
	return anchor_new(t);
}

void anchor_free(struct anchor *a)
{
	unsigned int slot = a->slot;

	memset(a, 0, sizeof(*a));
	a->slot = slot;
}

const char *anchor_role_name(enum anchor_role r)
{
	switch (r) {
	case ANCHOR_CURRENT:
		return "current";
	case ANCHOR_KEPT:
		return "previous-kept";
	case ANCHOR_RELEASED:
		return "released";
	case ANCHOR_HOME_AGAIN:
		return "home-again";
	}
	return "?";
}
