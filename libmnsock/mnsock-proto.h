/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol between libmnsock and mnd (private to the project:
 * applications use include/mnsock.h).
 *
 * A client connects a SOCK_SEQPACKET UNIX socket to MNSOCK_PATH (or the
 * path in the MNSOCK_PATH environment variable), sends one request per
 * message with the application's socket attached (SCM_RIGHTS, exactly
 * one fd), and reads one reply per request. mnd reads the socket's
 * cookie (SO_COOKIE) and addresses, the client's credentials
 * (SO_PEERCRED), records the mode by cookie, and closes its copy of the
 * fd at once. All integers are in host byte order (same host).
 */
#ifndef MNSOCK_PROTO_H
#define MNSOCK_PROTO_H

#include <stdint.h>

#define MNSOCK_PATH "/run/mnd/mnsock"
#define MNSOCK_MAGIC 0x4d4e5331u /* "MNS1" */
#define MNSOCK_VERSION 1

enum mnsock_op {
	MNSOCK_OP_SET_MODE = 1, /* record req.mode for the attached socket */
	MNSOCK_OP_GET_MODE = 2, /* reply.mode: the effective mode and reply.why */
	MNSOCK_OP_GET_INFO = 3, /* reply.local, reply.anchor, reply.role */
};

/* Wire values of the per-socket mode (same numbers as enum mnsock_mode). */
enum mnsock_wire_mode {
	MNSOCK_WIRE_DEFAULT = 0,
	MNSOCK_WIRE_CONTINUITY = 1,
	MNSOCK_WIRE_BYPASS = 2,
};

struct mnsock_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t mode;
	uint32_t reserved; /* 0 */
};

struct mnsock_reply {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	int32_t status;     /* 0, or a positive errno value */
	uint32_t mode;      /* GET_MODE: the effective mode */
	uint32_t why;       /* GET_MODE: 0 default rule, 1 application, 2 mnd.conf rule */
	uint8_t local[16];  /* GET_INFO: the socket's local IPv6 address (zero if unbound) */
	uint8_t anchor[16]; /* GET_INFO: the DAR anchoring it (zero if none) */
	uint32_t role;      /* GET_INFO: 0 none, 1 current, 2 kept, 3 released */
};

#endif
