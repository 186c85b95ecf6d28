/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding cache and Binding Update processing of the reference DAR
 * (tests/dar/mn-dar), following notes/protocol.md "Project profile
 * (decided)" (a)-(j). Pure logic: no sockets, no routes, no clock. The
 * caller passes `now` (monotonic milliseconds), gets back the reply to send
 * and the data-plane action to apply, and asks for timer events (BRR due,
 * binding expired) with dar_bc_poll().
 */
#ifndef MN_DAR_BC_H
#define MN_DAR_BC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"
#include "proto/mh.h"
#include "proto/msg.h"

#define DAR_MAX_PREFIXES 16
#define DAR_MAX_BINDINGS 4096
#define DAR_TOKEN_FAIL_RATE 5 /* 148 answers to failed token BUs per second and HoA */

struct dar_config {
	struct in6_addr dar;                        /* our address (tunnel end point) */
	struct in6_addr prefixes[DAR_MAX_PREFIXES]; /* anchored /64s (lower 64 bits zero) */
	unsigned int n_prefixes;
	uint32_t lifetime_cap;        /* seconds */
	uint32_t brr_before;          /* seconds; 0: never send a BRR */
	unsigned int token_fail_rate; /* per second; 0: DAR_TOKEN_FAIL_RATE */
};

struct dar_binding {
	struct in6_addr hoa;
	struct in6_addr coa;
	uint16_t seq;            /* last accepted sequence number */
	uint16_t lifetime_units; /* granted, 4-second units */
	int64_t bound_ms;        /* when the last accepted BU was processed */
	int64_t expires_ms;
	bool brr_sent;
	uint8_t phkt[MN_PHKT_LEN];
	int64_t rl_window_ms; /* rate limit of 148 answers to token BUs */
	unsigned int rl_count;
};

struct dar_bc {
	struct dar_config cfg;
	struct dar_binding *b;
	size_t n, cap;
};

/* Data-plane action that goes with a processed BU. */
enum dar_action {
	DAR_ACT_NONE,   /* nothing changes in the data plane (errors, refresh, de-reg of nothing) */
	DAR_ACT_BIND,   /* new binding: install HoA -> CoA */
	DAR_ACT_REBIND, /* existing binding moved to a new CoA (old_coa): replace the route */
	DAR_ACT_REFRESH, /* existing binding renewed, same CoA */
	DAR_ACT_UNBIND,  /* binding removed (de-registration): remove HoA's route */
	DAR_ACT_DROP,    /* input dropped silently: see drop */
};

/* Reasons for dropping an input; one counter each in the state file. */
enum dar_drop {
	DAR_DROP_NONE,
	DAR_DROP_DECODE,   /* mh_decode failed, or not a BU, or a malformed packet */
	DAR_DROP_CHECKSUM, /* MH checksum wrong */
	DAR_DROP_SPOOFED,  /* inner source not bound to this outer source / CoA != outer source */
	DAR_DROP_UNKNOWN_COA, /* outer source is no bound CoA */
	DAR_DROP_RATE,        /* rate-limited answer */
	DAR_DROP_NOT_OURS,    /* not addressed to the DAR address */
	DAR_DROP__COUNT
};

struct dar_bu_in {
	const uint8_t *mh; /* the MH bytes (inner IPv6 payload) */
	size_t len;
	const struct mh_msg *msg;     /* decoded MH (dar_bc_process_bu only) */
	struct in6_addr src;          /* inner source = HoA */
	struct in6_addr dst;          /* inner destination = DAR address */
	const struct in6_addr *outer; /* outer source (tunnelled) or NULL (un-tunnelled) */
	int64_t now_ms;
};

struct dar_bu_out {
	enum dar_action action;
	enum dar_drop drop;
	const char *reason; /* short name of the drop or refusal reason, or NULL */
	int err;            /* enum mn_err of the failing check, MN_OK otherwise */
	enum msg_bu_method method;
	bool is_bu;   /* the MH was decoded as a BU (the fields below are valid) */
	uint16_t seq; /* BU fields, for logs */
	uint16_t req_lifetime;
	bool have_coa;
	struct in6_addr hoa;
	struct in6_addr coa;     /* Alternate CoA of the BU (binding CoA) */
	struct in6_addr old_coa; /* DAR_ACT_REBIND / DAR_ACT_UNBIND: previous CoA */
	/* The reply: a BA, to be sent inner DAR -> HoA, tunnelled to reply_outer when
	 * tunnelled is set, directly otherwise. */
	bool send_ba;
	uint8_t status;
	uint16_t ba_seq;
	uint16_t ba_lifetime; /* 4-second units */
	bool ba_has_phkt;
	bool ba_has_bad;
	bool tunnelled;
	struct in6_addr reply_outer;
	uint8_t ba[MH_MAX_LEN];
	size_t ba_len;
};

enum dar_event_kind {
	DAR_EV_BRR,     /* send the BRR in ev->msg, tunnelled to ev->b.coa */
	DAR_EV_EXPIRED, /* the binding ev->b was removed: remove its route */
};

struct dar_event {
	enum dar_event_kind kind;
	struct dar_binding b;
	uint8_t msg[64];
	size_t msg_len;
};

void dar_bc_init(struct dar_bc *bc, const struct dar_config *cfg);
void dar_bc_free(struct dar_bc *bc);

/* True iff the /64 of addr is one of the configured prefixes. */
bool dar_bc_prefix_ok(const struct dar_bc *bc, const struct in6_addr *addr);

/* Checksum, decode, then dar_bc_process_bu (in->msg is ignored). Anything
 * that is not a well-formed BU ends as DAR_ACT_DROP. Returns out->action. */
enum dar_action dar_bc_process_mh(struct dar_bc *bc, const struct dar_bu_in *in,
				  struct dar_bu_out *out);

/* One decoded BU (checksum already checked). Returns out->action. */
enum dar_action dar_bc_process_bu(struct dar_bc *bc, const struct dar_bu_in *in,
				  struct dar_bu_out *out);

const struct dar_binding *dar_bc_find(const struct dar_bc *bc, const struct in6_addr *hoa);
/* First binding whose CoA is coa, or NULL. */
const struct dar_binding *dar_bc_find_coa(const struct dar_bc *bc, const struct in6_addr *coa);

/* Earliest pending deadline (BRR or expiry) in ms, or -1 when none. */
int64_t dar_bc_next_deadline(const struct dar_bc *bc);
/* Take one due event at `now`; false when nothing is due. Expired
 * bindings are removed from the cache before they are returned. */
bool dar_bc_poll(struct dar_bc *bc, int64_t now_ms, struct dar_event *ev);

/* Remove every binding (shutdown); returns how many were removed. */
size_t dar_bc_clear(struct dar_bc *bc);

const char *dar_drop_name(enum dar_drop d);
const char *dar_method_name(enum msg_bu_method m);

#endif
