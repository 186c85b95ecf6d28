/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding Update List (RFC 6275 §11, notes: "Project profile" (b)-(e),
 * (h), (j)): one entry per kept address (its DAR, HoA and the current
 * CoA). Pure state machine: it takes `now` (monotonic milliseconds),
 * calls its ops to send and to report, and says when it next wants to
 * run. No I/O, no clock, no allocation beyond what the caller does.
 */
#ifndef MN_CORE_BUL_H
#define MN_CORE_BUL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto/crypto.h"
#include "proto/mh.h"

#define BUL_NEVER UINT64_MAX

/* Timers in milliseconds (RFC 6275 §12, UMIP defaults). */
#define BUL_INITIAL_TIMEOUT_FIRST_MS 1500 /* InitialBindackTimeoutFirstReg */
#define BUL_INITIAL_TIMEOUT_MS 1000       /* INITIAL_BINDACK_TIMEOUT */
#define BUL_MAX_TIMEOUT_MS 32000          /* MAX_BINDACK_TIMEOUT */
#define BUL_TOKEN_FALLBACK 3              /* unanswered token BUs before a CGA BU, (j)2 */
#define BUL_DEREG_TRIES 4                 /* de-registration BUs before giving up */
#define BUL_REFRESH_PERCENT 95
#define BUL_MAX_UPDATE_RATE 3   /* BUs per second per entry (RFC 6275 MAX_UPDATE_RATE) */
#define BUL_PHKT_MAX_SEQ 0x7fff /* token BUs' sequence span under one PHKT, §3.3 */

enum bul_state {
	BUL_IDLE,          /* nothing sent yet */
	BUL_REGISTERING,   /* BU sent, waiting for the BA */
	BUL_BOUND,         /* binding acknowledged, refresh scheduled */
	BUL_DEREGISTERING, /* lifetime-0 BU sent */
	BUL_DONE,          /* de-registered, or gave up: the caller removes the entry */
	BUL_FAILED,        /* fatal status: the caller removes the entry and the address */
};

enum bul_auth {
	BUL_AUTH_CGA,   /* CGA Parameters + Signature (profile (b)) */
	BUL_AUTH_TOKEN, /* Nonce Indices + BAD keyed from the PHKT (profile (d)) */
};

struct bul_entry;

struct bul_ops {
	/* Build and send a BU for e now with this method, sequence number
	 * and lifetime (seconds; 0 de-registers). For BUL_AUTH_TOKEN, write
	 * the Kbm used into kbm (msg_build_bu_token does). Return MN_OK or an
	 * error (the entry then retries at its next timeout). */
	int (*send_bu)(void *user, struct bul_entry *e, enum bul_auth auth, uint16_t seq,
		       uint32_t lifetime, uint8_t kbm[MN_KBM_LEN]);
	/* The binding is acknowledged: first time, after a CoA change, and at
	 * each acknowledged refresh (the granted lifetime may have changed). */
	void (*bound)(void *user, struct bul_entry *e);
	/* The binding ended: de-registration acknowledged or given up. */
	void (*unbound)(void *user, struct bul_entry *e);
	/* Fatal for this (DAR, HoA): status 148 to a CGA BU, or another
	 * unrecoverable status. */
	void (*failed)(void *user, struct bul_entry *e, unsigned int status);
	/* The granted lifetime ran out without a refresh being acknowledged. */
	void (*expired)(void *user, struct bul_entry *e);
};

struct bul_entry {
	struct in6_addr dar;
	struct in6_addr hoa;
	struct in6_addr coa; /* equals hoa when returning home */
	enum bul_state state;

	uint16_t seq; /* last sequence number sent */
	bool sent_any;
	enum bul_auth last_auth; /* method of the last BU sent */
	uint32_t last_lifetime;  /* lifetime of the last BU sent, seconds */
	uint8_t kbm[MN_KBM_LEN]; /* Kbm of the last token BU sent */

	bool have_phkt;
	uint8_t phkt[MN_PHKT_LEN];

	uint32_t lifetime_req;     /* seconds asked for in registrations */
	uint32_t lifetime_granted; /* seconds, from the last accepted BA */
	uint32_t refresh_advice;   /* seconds, Binding Refresh Advice, 0 = none */

	uint64_t sent_at;              /* time of the last BU sent */
	uint64_t first_sent_at;        /* time of the first BU of this exchange */
	uint64_t acked_at;             /* time of the last accepted BA */
	uint64_t retx_at;              /* next retransmission, BUL_NEVER if none */
	uint64_t refresh_at;           /* next refresh, BUL_NEVER if none */
	uint64_t expires_at;           /* binding expiry, BUL_NEVER if not bound */
	uint32_t timeout_ms;           /* current retransmission timeout */
	unsigned int tries;            /* BUs sent in this exchange */
	unsigned int token_unanswered; /* token BUs in a row without a valid BA */
	bool ever_bound;               /* selects 1.5 s vs 1 s initial timeout */
	unsigned int last_status;      /* status of the last BA accepted for processing */

	/* Bookkeeping of bul.c (not part of the caller's view). */
	uint16_t phkt_seq;  /* seq of the CGA BU whose BA carried the PHKT */
	bool ba_wanted;     /* BU `seq` went out and its BA is still wanted */
	bool send_deferred; /* retx_at is a send held back by the rate limit */
	uint64_t recent_sends[BUL_MAX_UPDATE_RATE]; /* newest first; BUL_NEVER = none */

	/* Statistics for logs and D-Bus. */
	unsigned int n_sent, n_acked, n_dropped;
};

/* Context shared by all entries. */
struct bul_ctx {
	const struct bul_ops *ops;
	void *user;
	EVP_PKEY *key; /* the node key: decrypts PHKTs */
};

/* Initialise an entry; seq0 is the first sequence number minus one
 * (random, chosen by the caller). */
void bul_entry_init(struct bul_entry *e, const struct in6_addr *dar, const struct in6_addr *hoa,
		    const struct in6_addr *coa, uint32_t lifetime_req, uint16_t seq0);

/* Register (first time or with a new CoA): sends a BU now. */
void bul_register(const struct bul_ctx *c, struct bul_entry *e, const struct in6_addr *coa,
		  uint64_t now);
/* De-register (lifetime 0) from the current CoA; coa == hoa when at home. */
void bul_deregister(const struct bul_ctx *c, struct bul_entry *e, const struct in6_addr *coa,
		    uint64_t now);

/* Result of offering a BA to an entry. */
enum bul_ba_result {
	BUL_BA_ACCEPTED, /* processed: status acted on */
	BUL_BA_IGNORED,  /* wrong sequence number / not expected (not an attack signal) */
	BUL_BA_DROPPED,  /* failed authentication or token decryption: counted */
};

/* A BA addressed to e->hoa arrived (the caller has checked framing:
 * tunnelled from the DAR to the current CoA, or native at home, and the
 * checksum). mh/len are the raw MH bytes (for the BAD). */
enum bul_ba_result bul_on_ba(const struct bul_ctx *c, struct bul_entry *e, const struct mh_msg *m,
			     const uint8_t *mh, size_t len, uint64_t now);

/* A Binding Refresh Request from e->dar: refresh now unless a BU is
 * outstanding. */
void bul_on_brr(const struct bul_ctx *c, struct bul_entry *e, uint64_t now);

/* Run due timers (retransmission, refresh, expiry). */
void bul_timeout(const struct bul_ctx *c, struct bul_entry *e, uint64_t now);

/* Earliest time bul_timeout wants to run, BUL_NEVER if none. */
uint64_t bul_next(const struct bul_entry *e);

const char *bul_state_name(enum bul_state s);

#endif
