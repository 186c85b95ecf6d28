/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's key store: one RSA private key (PKCS#8 PEM) and the cached
 * CGA modifier for it, in a root-only state directory. Files are written
 * atomically (temporary file, fsync, rename, fsync of the directory) and
 * refused on load when group or others may read them.
 *
 * This lives in sys/ because it does file I/O; the proto/ layer stays
 * pure.
 */
#ifndef MN_SYS_KEYSTORE_H
#define MN_SYS_KEYSTORE_H

#include <stdint.h>

#include "proto/cga.h"
#include "proto/crypto.h"

#define KS_KEY_FILE "key.pem"
#define KS_CGA_FILE "cga-modifier"

struct ks_cga {
	unsigned int sec;
	uint8_t modifier[CGA_MODIFIER_LEN];
};

/* Load `dir`/key.pem. MN_ERR_NOTFOUND if missing, MN_ERR_PERM if the file
 * or the directory is accessible to group or others, MN_ERR_FORMAT if it
 * is not an RSA private key. */
int ks_load_key(const char *dir, EVP_PKEY **key);
/* Write key.pem atomically with mode 0600 (creating `dir` 0700 if needed). */
int ks_save_key(const char *dir, EVP_PKEY *key);

/* The cached modifier is bound to the key: the file records the SHA-1 of
 * the SubjectPublicKeyInfo and is ignored (MN_ERR_NOTFOUND) when it
 * belongs to another key or another Sec. */
int ks_load_cga(const char *dir, const uint8_t *spki, size_t spki_len, unsigned int sec,
		struct ks_cga *out);
int ks_save_cga(const char *dir, const uint8_t *spki, size_t spki_len, const struct ks_cga *cga);

#endif
