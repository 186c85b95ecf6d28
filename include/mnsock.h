/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmnsock: choose, per socket, whether mnd keeps a flow's address when the
 * mobile node moves (continuity: the address stays reachable through the DAR
 * that anchors it) or lets it go (bypass: the flow lives and dies with the
 * current access network).
 *
 * Only IPv6 TCP and UDP sockets can be managed. Every function returns 0 on
 * success or -1 with errno set; ECONNREFUSED always means "mnd is not
 * running" and in that case the socket is left exactly as it was. See
 * libmnsock(3).
 *
 * Link with `pkg-config --libs libmnsock`. Unmodified programs get the same
 * through the LD_PRELOAD shim, `pkg-config --variable=preload libmnsock`.
 */
#ifndef MNSOCK_H
#define MNSOCK_H

#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * RFC 5014 source address preferences. glibc defines only the option number;
 * these are the Linux values of <linux/in6.h> (the same tokens, so including
 * both headers is fine).
 */
#ifndef IPV6_ADDR_PREFERENCES
#define IPV6_ADDR_PREFERENCES 72
#endif
#ifndef IPV6_PREFER_SRC_COA
#define IPV6_PREFER_SRC_COA 0x0004
#endif
#ifndef IPV6_PREFER_SRC_HOME
#define IPV6_PREFER_SRC_HOME 0x0400
#endif

/* What the application asks mnd to do with a socket's address on a move. */
enum mnsock_mode {
	MNSOCK_DEFAULT = 0,    /* mnd's own rule (mnd.conf, then its default) */
	MNSOCK_CONTINUITY = 1, /* keep the address through its anchor after a move */
	MNSOCK_BYPASS = 2,     /* never tunnel: the address may be released on a move */
};

/* The role of a socket's local address at mnd, as of the call. */
enum mnsock_role {
	MNSOCK_ROLE_NONE = 0,     /* not an address mnd manages (or unbound) */
	MNSOCK_ROLE_CURRENT = 1,  /* the address of the DAR the node is attached to */
	MNSOCK_ROLE_KEPT = 2,     /* an old DAR's address, kept and tunnelled through it */
	MNSOCK_ROLE_RELEASED = 3, /* an old DAR's address mnd let go */
};

struct mnsock_info {
	struct in6_addr local;  /* the socket's local address (:: if unbound) */
	struct in6_addr anchor; /* the DAR that anchors it (:: if none) */
	int kept;               /* 1 if role is MNSOCK_ROLE_KEPT */
	enum mnsock_role role;  /* may grow: treat unknown values as NONE */
	unsigned int reserved[4];
};

/* Record MODE for socket FD at mnd. */
int mnsock_set_mode(int fd, enum mnsock_mode mode);

/* The mode mnd applies to FD: the application's choice, else mnd's rule. */
int mnsock_get_mode(int fd, enum mnsock_mode *mode);

/* FD's local address, the anchor of that address and its role. */
int mnsock_get_info(int fd, struct mnsock_info *info);

/*
 * RFC 5014: set IPV6_ADDR_PREFERENCES on FD and map IPV6_PREFER_SRC_HOME to
 * continuity and IPV6_PREFER_SRC_COA to bypass at mnd.
 */
int mnsock_set_addr_preferences(int fd, int prefs);

/* A message for an errno value from this library ("mnd is not running"...). */
const char *mnsock_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
