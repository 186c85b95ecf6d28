// SPDX-License-Identifier: BSD-3-Clause
/*
 * Key store: the node's RSA private key (PKCS#8 PEM) and its cached CGA
 * modifier, in one state directory (notes: protocol.md profile (g)).
 *
 * Everything is checked through file descriptors (fstat of what was
 * actually opened) so that a file swapped between check and use cannot
 * slip through, and the key files are never followed through symlinks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "proto/err.h"
#include "sys/keystore.h"

#define KS_KEY_MAX 16384 /* a 2040-bit PKCS#8 PEM is about 1.7 KiB */
#define KS_CGA_MAX 256   /* three short lines */
#define KS_SHA1_LEN 20
#define KS_SEC_MAX 7

/* The directory or file must be ours and closed to group and others. */
static int ks_check_stat(const struct stat *st)
{
	if (st->st_uid != geteuid() || (st->st_mode & (S_IRWXG | S_IRWXO)))
		return MN_ERR_PERM;
	return MN_OK;
}

/* errno from open() of a file that should be there and be ours. */
static int ks_open_errno(int e)
{
	switch (e) {
	case ENOENT:
		return MN_ERR_NOTFOUND;
	case ELOOP: /* O_NOFOLLOW met a symlink: not a file we wrote */
		return MN_ERR_PERM;
	default:
		return MN_ERR_IO;
	}
}

static int ks_open_dir(const char *dir, bool create, int *out)
{
	struct stat st;
	int fd, rc;

	if (!dir || !*dir)
		return MN_ERR_INVAL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(dir, 0700) && errno != EEXIST)
			return MN_ERR_IO;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? MN_ERR_NOTFOUND : MN_ERR_IO;
	if (fstat(fd, &st)) {
		rc = MN_ERR_IO;
		goto fail;
	}
	rc = ks_check_stat(&st);
	if (rc)
		goto fail;
	*out = fd;
	return MN_OK;
fail:
	close(fd);
	return rc;
}

/*
 * Reads dir/name whole into buf (at most cap - 1 bytes, NUL-terminated).
 * A larger file is not one we wrote: MN_ERR_FORMAT.
 */
static int ks_read(const char *dir, const char *name, char *buf, size_t cap, size_t *len)
{
	struct stat st;
	size_t got = 0;
	int dfd, fd, rc;
	ssize_t n;

	rc = ks_open_dir(dir, false, &dfd);
	if (rc)
		return rc;
	/* O_NONBLOCK: a FIFO planted under the name must not hang us. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = ks_open_errno(errno);
		close(dfd);
		return rc;
	}
	close(dfd);

	if (fstat(fd, &st)) {
		rc = MN_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = MN_ERR_FORMAT;
		goto out;
	}
	rc = ks_check_stat(&st);
	if (rc)
		goto out;

	for (;;) {
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = MN_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == cap - 1) {
			char c;

			/* Exactly full is fine only at end of file. */
			n = read(fd, &c, 1);
			if (n != 0) {
				rc = n < 0 ? MN_ERR_IO : MN_ERR_FORMAT;
				goto out;
			}
			break;
		}
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return rc;
}

static int ks_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MN_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return MN_OK;
}

/*
 * Atomic replace of dir/name: a crash leaves either the old or the new
 * file, never a partial one, and a reader never sees a file with wider
 * permissions. The temporary file is a dot file in the same directory
 * (rename only is atomic within one file system).
 */
static int ks_write(const char *dir, const char *name, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	const char *base;
	int dfd, fd = -1, rc, n, saved;

	rc = ks_open_dir(dir, true, &dfd);
	if (rc)
		return rc;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		close(dfd);
		return MN_ERR_INVAL;
	}
	base = tmp + strlen(dir) + 1;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		close(dfd);
		errno = saved;
		return MN_ERR_IO;
	}
	/* mkstemp's 0600 is subject to the umask only in theory; be sure. */
	rc = MN_ERR_IO;
	if (fchmod(fd, 0600))
		goto fail;
	if (ks_write_all(fd, data, len))
		goto fail;
	if (fsync(fd))
		goto fail;
	n = close(fd);
	fd = -1;
	if (n)
		goto fail;
	if (renameat(dfd, base, dfd, name))
		goto fail;
	/* Make the rename itself durable. */
	if (fsync(dfd)) {
		saved = errno;
		close(dfd);
		errno = saved;
		return MN_ERR_IO;
	}
	close(dfd);
	return MN_OK;
fail:
	/* Keep the failing call's errno for the caller's message. */
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, base, 0);
	close(dfd);
	errno = saved;
	return rc;
}

/* Encrypted PEM is not ours: fail instead of prompting on a terminal. */
static int ks_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static int ks_key_usable(EVP_PKEY *key)
{
	int bits;

	if (!EVP_PKEY_is_a(key, "RSA"))
		return MN_ERR_FORMAT;
	bits = EVP_PKEY_get_bits(key);
	if (bits < MN_RSA_MIN_BITS || bits > MN_RSA_MAX_BITS)
		return MN_ERR_KEY;
	return MN_OK;
}

int ks_load_key(const char *dir, EVP_PKEY **key)
{
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	char *buf;
	int rc;

	if (!key)
		return MN_ERR_INVAL;
	*key = NULL;
	buf = malloc(KS_KEY_MAX);
	if (!buf)
		return MN_ERR_NOMEM;
	rc = ks_read(dir, KS_KEY_FILE, buf, KS_KEY_MAX, &len);
	if (rc)
		goto out;

	rc = MN_ERR_NOMEM;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		goto out;
	rc = MN_ERR_FORMAT;
	pk = PEM_read_bio_PrivateKey(bio, NULL, ks_no_passphrase, NULL);
	if (!pk)
		goto out;
	rc = ks_key_usable(pk);
	if (rc)
		goto out;
	*key = pk;
	pk = NULL;
out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	BIO_free(bio);
	OPENSSL_cleanse(buf, KS_KEY_MAX);
	free(buf);
	return rc;
}

int ks_save_key(const char *dir, EVP_PKEY *key)
{
	char *data = NULL;
	long len;
	BIO *bio;
	int rc;

	if (!key)
		return MN_ERR_INVAL;
	rc = ks_key_usable(key);
	if (rc)
		return rc == MN_ERR_FORMAT ? MN_ERR_KEY : rc;

	/* A secure-memory BIO clears the PEM text when it is freed. */
	bio = BIO_new(BIO_s_secmem());
	if (!bio)
		return MN_ERR_NOMEM;
	/* PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY"). */
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
		rc = MN_ERR_KEY; /* e.g. a public key only */
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || !data) {
		rc = MN_ERR_CRYPTO;
		goto out;
	}
	rc = ks_write(dir, KS_KEY_FILE, data, (size_t)len);
out:
	ERR_clear_error();
	BIO_free(bio);
	return rc;
}

/*
 * The modifier cache, three lines in this order:
 *	sec <0-7>
 *	modifier <32 hex digits>
 *	spki-sha1 <40 hex digits>
 */
static int ks_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Matches "<key> <2*n hex>\n" at *p and advances past it. */
static bool ks_parse_hex_line(const char **p, const char *key, uint8_t *out, size_t n)
{
	size_t klen = strlen(key), i;
	const char *s = *p;
	int hi, lo;

	if (strncmp(s, key, klen) || s[klen] != ' ')
		return false;
	s += klen + 1;
	for (i = 0; i < n; i++) {
		hi = ks_hexval(s[2 * i]);
		lo = hi < 0 ? -1 : ks_hexval(s[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	s += 2 * n;
	if (*s != '\n')
		return false;
	*p = s + 1;
	return true;
}

static int ks_parse_cga(const char *buf, size_t len, unsigned int *sec,
			uint8_t modifier[CGA_MODIFIER_LEN], uint8_t sha1[KS_SHA1_LEN])
{
	const char *p = buf;

	/* A NUL inside would end the parse early and hide trailing bytes. */
	if (strlen(buf) != len)
		return MN_ERR_FORMAT;
	if (strncmp(p, "sec ", 4) || p[4] < '0' || p[4] > '0' + KS_SEC_MAX || p[5] != '\n')
		return MN_ERR_FORMAT;
	*sec = (unsigned int)(p[4] - '0');
	p += 6;
	if (!ks_parse_hex_line(&p, "modifier", modifier, CGA_MODIFIER_LEN))
		return MN_ERR_FORMAT;
	if (!ks_parse_hex_line(&p, "spki-sha1", sha1, KS_SHA1_LEN))
		return MN_ERR_FORMAT;
	if (*p)
		return MN_ERR_FORMAT;
	return MN_OK;
}

int ks_load_cga(const char *dir, const uint8_t *spki, size_t spki_len, unsigned int sec,
		struct ks_cga *out)
{
	uint8_t modifier[CGA_MODIFIER_LEN], want[KS_SHA1_LEN], have[KS_SHA1_LEN];
	char buf[KS_CGA_MAX];
	unsigned int fsec;
	size_t len = 0;
	int rc;

	if (!spki || !spki_len || !out)
		return MN_ERR_INVAL;
	rc = ks_read(dir, KS_CGA_FILE, buf, sizeof(buf), &len);
	if (rc)
		return rc;
	rc = ks_parse_cga(buf, len, &fsec, modifier, have);
	if (rc)
		return rc;
	/* A cache for another key or Sec is simply not the one we want. */
	mn_sha1(spki, spki_len, NULL, 0, want);
	if (memcmp(want, have, KS_SHA1_LEN) || fsec != sec)
		return MN_ERR_NOTFOUND;
	out->sec = fsec;
	memcpy(out->modifier, modifier, CGA_MODIFIER_LEN);
	return MN_OK;
}

int ks_save_cga(const char *dir, const uint8_t *spki, size_t spki_len, const struct ks_cga *cga)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t sha1[KS_SHA1_LEN];
	char buf[KS_CGA_MAX], *p;
	size_t i;

	if (!spki || !spki_len || !cga || cga->sec > CGA_SEC_MAX_GEN)
		return MN_ERR_INVAL;
	mn_sha1(spki, spki_len, NULL, 0, sha1);

	p = buf;
	p += sprintf(p, "sec %u\nmodifier ", cga->sec);
	for (i = 0; i < CGA_MODIFIER_LEN; i++) {
		*p++ = hex[cga->modifier[i] >> 4];
		*p++ = hex[cga->modifier[i] & 0xf];
	}
	p += sprintf(p, "\nspki-sha1 ");
	for (i = 0; i < KS_SHA1_LEN; i++) {
		*p++ = hex[sha1[i] >> 4];
		*p++ = hex[sha1[i] & 0xf];
	}
	*p++ = '\n';
	return ks_write(dir, KS_CGA_FILE, buf, (size_t)(p - buf));
}
