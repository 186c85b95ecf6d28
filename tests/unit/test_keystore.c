// SPDX-License-Identifier: BSD-3-Clause
/*
 * Key store tests, each in a fresh mkdtemp directory: round trips,
 * permission and ownership refusals, malformed files and atomic writes
 * that leave no temporary file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "proto/err.h"
#include "sys/keystore.h"

#define assert_err(rc, want) assert_string_equal(mn_err_name(rc), mn_err_name(want))

struct ks_test {
	EVP_PKEY *key, *key2;
	uint8_t *spki, *spki2;
	size_t spki_len, spki2_len;
	char dir[64];
};

static int group_setup(void **state)
{
	struct ks_test *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	/* Small keys: the store does not care about the size. */
	if (mn_key_generate(1024, &t->key) || mn_key_generate(1024, &t->key2) ||
	    mn_key_spki(t->key, &t->spki, &t->spki_len) ||
	    mn_key_spki(t->key2, &t->spki2, &t->spki2_len))
		return -1;
	*state = t;
	return 0;
}

static int group_teardown(void **state)
{
	struct ks_test *t = *state;

	mn_key_free(t->key);
	mn_key_free(t->key2);
	free(t->spki);
	free(t->spki2);
	free(t);
	return 0;
}

static int setup(void **state)
{
	struct ks_test *t = *state;

	strcpy(t->dir, "/tmp/test_keystore.XXXXXX");
	return mkdtemp(t->dir) ? 0 : -1;
}

/* Removes the directory and its (flat) contents. */
static int teardown(void **state)
{
	struct ks_test *t = *state;
	struct dirent *de;
	DIR *d;
	int dfd;

	chmod(t->dir, 0700);
	d = opendir(t->dir);
	if (d) {
		dfd = dirfd(d);
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			unlinkat(dfd, de->d_name, 0);
		}
		closedir(d);
	}
	rmdir(t->dir);
	return 0;
}

static void path_of(const struct ks_test *t, const char *name, char *buf, size_t cap)
{
	assert_true((size_t)snprintf(buf, cap, "%s/%s", t->dir, name) < cap);
}

static void write_file(const struct ks_test *t, const char *name, const char *data, mode_t mode)
{
	char path[128];
	int fd;

	path_of(t, name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The directory holds exactly the named files: no temporaries left. */
static void assert_dir_holds(const struct ks_test *t, const char *a, const char *b)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(t->dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!(a && !strcmp(de->d_name, a)) && !(b && !strcmp(de->d_name, b)))
			fail_msg("unexpected file %s", de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, (a != NULL) + (b != NULL));
}

static mode_t mode_of(const struct ks_test *t, const char *name)
{
	struct stat st;
	char path[128];

	path_of(t, name, path, sizeof(path));
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void chmod_file(const struct ks_test *t, const char *name, mode_t mode)
{
	char path[128];

	path_of(t, name, path, sizeof(path));
	assert_int_equal(chmod(path, mode), 0);
}

static void assert_same_key(EVP_PKEY *a, const uint8_t *spki, size_t spki_len)
{
	uint8_t *der = NULL;
	size_t len = 0;

	assert_err(mn_key_spki(a, &der, &len), MN_OK);
	assert_int_equal(len, spki_len);
	assert_memory_equal(der, spki, len);
	free(der);
}

static void test_key_roundtrip(void **state)
{
	struct ks_test *t = *state;
	EVP_PKEY *key = NULL;
	char path[128], buf[64];
	FILE *f;

	assert_err(ks_save_key(t->dir, t->key), MN_OK);
	assert_int_equal(mode_of(t, KS_KEY_FILE), 0600);
	assert_dir_holds(t, KS_KEY_FILE, NULL);

	/* PKCS#8 PEM */
	path_of(t, KS_KEY_FILE, path, sizeof(path));
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "-----BEGIN PRIVATE KEY-----\n");

	assert_err(ks_load_key(t->dir, &key), MN_OK);
	assert_same_key(key, t->spki, t->spki_len);
	mn_key_free(key);

	/* Overwriting replaces atomically, again leaving one file. */
	assert_err(ks_save_key(t->dir, t->key2), MN_OK);
	assert_dir_holds(t, KS_KEY_FILE, NULL);
	assert_err(ks_load_key(t->dir, &key), MN_OK);
	assert_same_key(key, t->spki2, t->spki2_len);
	mn_key_free(key);
}

static void test_key_creates_dir(void **state)
{
	struct ks_test *t = *state;
	char sub[128];
	struct stat st;
	EVP_PKEY *key = NULL;

	path_of(t, "state", sub, sizeof(sub));
	assert_err(ks_load_key(sub, &key), MN_ERR_NOTFOUND);
	assert_err(ks_save_key(sub, t->key), MN_OK);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_err(ks_load_key(sub, &key), MN_OK);
	mn_key_free(key);
	assert_int_equal(unlink(strcat(sub, "/" KS_KEY_FILE)), 0);
	path_of(t, "state", sub, sizeof(sub));
	assert_int_equal(rmdir(sub), 0);
}

static void test_key_perms(void **state)
{
	struct ks_test *t = *state;
	EVP_PKEY *key = (EVP_PKEY *)1;

	assert_err(ks_save_key(t->dir, t->key), MN_OK);
	chmod_file(t, KS_KEY_FILE, 0640);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	assert_null(key);
	chmod_file(t, KS_KEY_FILE, 0604);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	chmod_file(t, KS_KEY_FILE, 0400);
	assert_err(ks_load_key(t->dir, &key), MN_OK);
	mn_key_free(key);
	chmod_file(t, KS_KEY_FILE, 0600);

	/* The directory too, for loads and saves */
	assert_int_equal(chmod(t->dir, 0755), 0);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	assert_err(ks_save_key(t->dir, t->key), MN_ERR_PERM);
	assert_int_equal(chmod(t->dir, 0710), 0);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	assert_int_equal(chmod(t->dir, 0700), 0);
	assert_err(ks_load_key(t->dir, &key), MN_OK);
	mn_key_free(key);
}

static void test_key_not_ours(void **state)
{
	struct ks_test *t = *state;
	char path[128];
	EVP_PKEY *key = NULL;

	/* Only root can hand a file to someone else. */
	if (geteuid() != 0)
		skip();
	assert_err(ks_save_key(t->dir, t->key), MN_OK);
	path_of(t, KS_KEY_FILE, path, sizeof(path));
	assert_int_equal(chown(path, 1, 1), 0);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chown(t->dir, 1, 1), 0);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	assert_int_equal(chown(t->dir, 0, 0), 0);
}

static void test_key_symlink(void **state)
{
	struct ks_test *t = *state;
	char path[128], target[128];
	EVP_PKEY *key = NULL;

	assert_err(ks_save_key(t->dir, t->key), MN_OK);
	path_of(t, KS_KEY_FILE, target, sizeof(target));
	path_of(t, "link.pem", path, sizeof(path));
	assert_int_equal(rename(target, path), 0);
	assert_int_equal(symlink("link.pem", target), 0);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_PERM);
	assert_null(key);
}

static void test_key_missing_garbage(void **state)
{
	struct ks_test *t = *state;
	EVP_PKEY *key = NULL;
	char big[20000];

	assert_err(ks_load_key(t->dir, &key), MN_ERR_NOTFOUND);

	write_file(t, KS_KEY_FILE, "this is not a key\n", 0600);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_FORMAT);
	write_file(t, KS_KEY_FILE, "", 0600);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_FORMAT);
	write_file(t, KS_KEY_FILE, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		   0600);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_FORMAT);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(t, KS_KEY_FILE, big, 0600);
	assert_err(ks_load_key(t->dir, &key), MN_ERR_FORMAT);
	assert_null(key);
}

static void test_key_not_rsa(void **state)
{
	struct ks_test *t = *state;
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(ec);
	assert_err(ks_save_key(t->dir, ec), MN_ERR_KEY);
	assert_dir_holds(t, NULL, NULL);
	EVP_PKEY_free(ec);
}

static void test_cga_roundtrip(void **state)
{
	struct ks_test *t = *state;
	struct ks_cga in = {.sec = 1}, out;
	size_t i;

	for (i = 0; i < CGA_MODIFIER_LEN; i++)
		in.modifier[i] = (uint8_t)(0xf0 + i);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 1, &out), MN_ERR_NOTFOUND);
	assert_err(ks_save_cga(t->dir, t->spki, t->spki_len, &in), MN_OK);
	assert_int_equal(mode_of(t, KS_CGA_FILE), 0600);
	assert_dir_holds(t, KS_CGA_FILE, NULL);

	memset(&out, 0, sizeof(out));
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 1, &out), MN_OK);
	assert_int_equal(out.sec, 1);
	assert_memory_equal(out.modifier, in.modifier, CGA_MODIFIER_LEN);

	/* Bound to the key and the Sec */
	assert_err(ks_load_cga(t->dir, t->spki2, t->spki2_len, 1, &out), MN_ERR_NOTFOUND);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 2, &out), MN_ERR_NOTFOUND);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 0, &out), MN_ERR_NOTFOUND);

	/* Replacing it for Sec 2 */
	in.sec = 2;
	assert_err(ks_save_cga(t->dir, t->spki, t->spki_len, &in), MN_OK);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 2, &out), MN_OK);
	assert_int_equal(out.sec, 2);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 1, &out), MN_ERR_NOTFOUND);

	in.sec = 3;
	assert_err(ks_save_cga(t->dir, t->spki, t->spki_len, &in), MN_ERR_INVAL);

	/* Key and modifier side by side; permissions as for the key */
	assert_err(ks_save_key(t->dir, t->key), MN_OK);
	assert_dir_holds(t, KS_CGA_FILE, KS_KEY_FILE);
	chmod_file(t, KS_CGA_FILE, 0644);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 2, &out), MN_ERR_PERM);
}

static void test_cga_garbage(void **state)
{
	struct ks_test *t = *state;
	static const char *const bad[] = {
		"",
		"garbage\n",
		"sec 1\n",
		"sec 8\nmodifier 000102030405060708090a0b0c0d0e0f\n"
		"spki-sha1 0000000000000000000000000000000000000000\n",
		"sec 1\nmodifier 000102030405060708090a0b0c0d0e0\n"
		"spki-sha1 0000000000000000000000000000000000000000\n",
		"sec 1\nmodifier 000102030405060708090a0b0c0d0e0fff\n"
		"spki-sha1 0000000000000000000000000000000000000000\n",
		"sec 1\nmodifier 000102030405060708090a0b0c0d0e0g\n"
		"spki-sha1 0000000000000000000000000000000000000000\n",
		"sec 1\nmodifier 000102030405060708090a0b0c0d0e0f\n"
		"spki-sha1 0000000000000000000000000000000000000000",
		"sec 1\nmodifier 000102030405060708090a0b0c0d0e0f\n"
		"spki-sha1 0000000000000000000000000000000000000000\nextra\n",
		"modifier 000102030405060708090a0b0c0d0e0f\nsec 1\n"
		"spki-sha1 0000000000000000000000000000000000000000\n",
		"sec  1\nmodifier 000102030405060708090a0b0c0d0e0f\n"
		"spki-sha1 0000000000000000000000000000000000000000\n",
	};
	struct ks_cga out;
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(t, KS_CGA_FILE, bad[i], 0600);
		assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 1, &out), MN_ERR_FORMAT);
	}
	/* An over-long file */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	write_file(t, KS_CGA_FILE, line, 0600);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 1, &out), MN_ERR_FORMAT);

	/* Well-formed but for another key: not found, not garbage */
	write_file(t, KS_CGA_FILE,
		   "sec 1\nmodifier 000102030405060708090A0B0C0D0E0F\n"
		   "spki-sha1 0000000000000000000000000000000000000000\n",
		   0600);
	assert_err(ks_load_cga(t->dir, t->spki, t->spki_len, 1, &out), MN_ERR_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_creates_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_perms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_missing_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_not_rsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cga_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cga_garbage, setup, teardown),
	};

	return cmocka_run_group_tests_name("keystore", tests, group_setup, group_teardown);
}
