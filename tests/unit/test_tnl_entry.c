// SPDX-License-Identifier: BSD-3-Clause
/* The binding table every tunnel backend keeps (tunnel.c): lookup by HoA,
 * and allocation refusing a second binding of a HoA or of a slot. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sys/tunnel.h"

/* A backend's entry: the common part first, its own fields after. */
struct test_entry {
	struct tnl_entry e;
	int extra;
};

static struct tnl_binding bnd(unsigned char last, unsigned int slot)
{
	struct tnl_binding b;

	memset(&b, 0, sizeof(b));
	b.hoa.s6_addr[0] = 0x20;
	b.hoa.s6_addr[15] = last;
	b.coa.s6_addr[15] = 100 + last;
	b.dar.s6_addr[15] = 200 + last;
	b.slot = slot;
	return b;
}

static void test_claim_find(void **state)
{
	struct test_entry t[2];
	struct tnl_binding a = bnd(1, 0), b = bnd(2, 1), c = bnd(3, 2);
	struct tnl_entry *e;
	int err = 0;

	memset(t, 0xa5, sizeof(t));        /* claim must not rely on a zeroed table... */
	t[0].e.used = t[1].e.used = false; /* ...only on `used` */
	e = tnl_entry_claim(t, 2, sizeof(t[0]), &a, &err);
	assert_ptr_equal(e, &t[0].e);
	assert_true(e->used);
	assert_memory_equal(&e->hoa, &a.hoa, sizeof(a.hoa));
	assert_memory_equal(&e->coa, &a.coa, sizeof(a.coa));
	assert_memory_equal(&e->dar, &a.dar, sizeof(a.dar));
	assert_int_equal(e->slot, 0);
	assert_int_equal(t[0].extra, 0); /* the backend's part is zeroed */

	assert_null(tnl_entry_claim(t, 2, sizeof(t[0]), &a, &err));
	assert_int_equal(err, -EEXIST); /* the same HoA */
	c.slot = 0;
	assert_null(tnl_entry_claim(t, 2, sizeof(t[0]), &c, &err));
	assert_int_equal(err, -EEXIST); /* the same slot */

	assert_ptr_equal(tnl_entry_claim(t, 2, sizeof(t[0]), &b, &err), &t[1].e);
	c.slot = 2;
	assert_null(tnl_entry_claim(t, 2, sizeof(t[0]), &c, &err));
	assert_int_equal(err, -ENOSPC);

	assert_ptr_equal(tnl_entry_find(t, 2, sizeof(t[0]), &b.hoa), &t[1].e);
	assert_ptr_equal(tnl_entry_find(t, 2, sizeof(t[0]), &a.hoa), &t[0].e);
	assert_null(tnl_entry_find(t, 2, sizeof(t[0]), &c.hoa));

	/* A freed entry is found no more and is taken again. */
	memset(&t[0], 0, sizeof(t[0]));
	assert_null(tnl_entry_find(t, 2, sizeof(t[0]), &a.hoa));
	assert_ptr_equal(tnl_entry_claim(t, 2, sizeof(t[0]), &c, &err), &t[0].e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
