/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names and descriptions of enum mn_err. The tables are indexed by the
 * enum value; the static assertion catches a value added to err.h without
 * a name here.
 */
#include "proto/err.h"

#include <stddef.h>

#define MN_ERR_ENTRY(e, text) [e] = {#e, text}

struct mn_err_desc {
	const char *name;
	const char *text;
};

static const struct mn_err_desc mn_err_table[] = {
	MN_ERR_ENTRY(MN_OK, "success"),
	MN_ERR_ENTRY(MN_ERR_TRUNCATED, "message shorter than its header says"),
	MN_ERR_ENTRY(MN_ERR_TRAILING, "bytes after the end of the message"),
	MN_ERR_ENTRY(MN_ERR_PAYLOAD_PROTO, "Payload Proto is not 59"),
	MN_ERR_ENTRY(MN_ERR_MH_TYPE, "unknown Mobility Header type"),
	MN_ERR_ENTRY(MN_ERR_HDR_LEN, "Header Len too small for the message type"),
	MN_ERR_ENTRY(MN_ERR_CHECKSUM, "bad checksum"),
	MN_ERR_ENTRY(MN_ERR_OPT_TRUNCATED, "mobility option runs past the end"),
	MN_ERR_ENTRY(MN_ERR_OPT_LENGTH, "mobility option has a wrong length"),
	MN_ERR_ENTRY(MN_ERR_OPT_ALIGN, "mobility option misaligned"),
	MN_ERR_ENTRY(MN_ERR_OPT_DUPLICATE, "mobility option appears twice"),
	MN_ERR_ENTRY(MN_ERR_OPT_ORDER, "mobility options out of order"),
	MN_ERR_ENTRY(MN_ERR_CGA_SPLIT, "CGA Parameters options badly split"),
	MN_ERR_ENTRY(MN_ERR_TOO_MANY_OPTS, "too many mobility options"),
	MN_ERR_ENTRY(MN_ERR_NOSPACE, "no space left for the message"),
	MN_ERR_ENTRY(MN_ERR_INVAL, "invalid argument"),
	MN_ERR_ENTRY(MN_ERR_CGA_PARAMS, "malformed CGA Parameters"),
	MN_ERR_ENTRY(MN_ERR_CGA_COLLISION, "CGA collision count above 2"),
	MN_ERR_ENTRY(MN_ERR_CGA_PREFIX, "CGA subnet prefix mismatch"),
	MN_ERR_ENTRY(MN_ERR_CGA_HASH1, "CGA Hash1 mismatch"),
	MN_ERR_ENTRY(MN_ERR_CGA_HASH2, "CGA Hash2 lacks the required zero bits"),
	MN_ERR_ENTRY(MN_ERR_CGA_SEC, "unsupported CGA Sec value"),
	MN_ERR_ENTRY(MN_ERR_CANCELLED, "operation cancelled"),
	MN_ERR_ENTRY(MN_ERR_KEY, "unusable key"),
	MN_ERR_ENTRY(MN_ERR_SIGNATURE, "signature does not verify"),
	MN_ERR_ENTRY(MN_ERR_DECRYPT, "decryption failed"),
	MN_ERR_ENTRY(MN_ERR_AUTH, "Binding Authorization Data does not verify"),
	MN_ERR_ENTRY(MN_ERR_CRYPTO, "crypto library failure"),
	MN_ERR_ENTRY(MN_ERR_PERM, "unsafe file ownership or permissions"),
	MN_ERR_ENTRY(MN_ERR_IO, "I/O error"),
	MN_ERR_ENTRY(MN_ERR_FORMAT, "malformed stored file"),
	MN_ERR_ENTRY(MN_ERR_NOTFOUND, "not found"),
	MN_ERR_ENTRY(MN_ERR_NOMEM, "out of memory"),
};

_Static_assert(sizeof(mn_err_table) / sizeof(mn_err_table[0]) == MN_ERR__COUNT,
	       "every enum mn_err value needs an entry in mn_err_table");

static const struct mn_err_desc *mn_err_lookup(int err)
{
	if (err < 0 || err >= MN_ERR__COUNT || !mn_err_table[err].name)
		return NULL;
	return &mn_err_table[err];
}

const char *mn_err_name(int err)
{
	const struct mn_err_desc *d = mn_err_lookup(err);

	return d ? d->name : "MN_ERR_UNKNOWN";
}

const char *mn_strerror(int err)
{
	const struct mn_err_desc *d = mn_err_lookup(err);

	return d ? d->text : "unknown error";
}
