// SPDX-License-Identifier: BSD-3-Clause
/*
 * dar-probe: a minimal mobile node for checking mn-dar by hand. It makes a
 * fresh RSA key and a Sec-0 CGA HoA in --prefix, then runs the given steps
 * in order, printing one line per message sent or received:
 *
 *   dar-probe --dar ADDR --coa COA --prefix P::/64 [--bits N] [--lifetime UNITS]
 *             [--timeout MS] [--seq N] STEP...
 *   STEP: cga          CGA BU (profile (b)), expects a BA with a PHKT (decrypted)
 *         token        token BU (profile (d), early Kbm), checks the BA's BAD
 *         dereg        token BU with Lifetime 0
 *         home-dereg   un-tunnelled token BU HoA -> DAR, Lifetime 0, CoA = HoA
 *                      (the HoA must be configured on this node)
 *         replay       the previous BU again, bytes unchanged
 *         bad-bad      token BU with a corrupted authenticator
 *         noack        expect no BA for the previous BU within the timeout
 *         brr          wait (up to --timeout) for a Binding Refresh Request
 *         sleep:MS     wait MS milliseconds
 *         coa:ADDR     use another CoA from now on
 *
 * Tunnelled BUs are inner HoA -> DAR (NH 135) written to a raw protocol-41
 * socket (outer CoA -> DAR); BAs are read from the same socket and checked
 * (outer DAR -> CoA, inner DAR -> HoA, checksum, sequence number, BAD).
 * Exit 0 when every step got an answer (any status), 1 otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"

static struct {
	struct in6_addr dar, coa, hoa, prefix;
	EVP_PKEY *key;
	uint8_t params[1024];
	size_t params_len;
	uint16_t seq, lifetime;
	int timeout_ms;
	bool have_phkt;
	uint8_t phkt[MN_PHKT_LEN];
	uint8_t kbm[MN_KBM_LEN];
	bool kbm_valid;
	uint8_t last_bu[MH_MAX_LEN];
	size_t last_len;
	bool last_tunnelled;
	uint16_t last_seq;
	struct in6_addr last_coa; /* the Alternate CoA of the last BU (covered by the BA's BAD) */
	int raw41, raw135;
} P;

static const char *a6(const struct in6_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static unsigned int i;
	char *b = buf[i++ % 4];

	return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN) ? b : "?";
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sendmsg_from(int fd, const struct in6_addr *src, const struct in6_addr *dst,
			const void *data, size_t len)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = *dst};
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.b,
		.msg_controllen = sizeof(cbuf.b),
	};
	struct in6_pktinfo pi;
	struct cmsghdr *cm;

	memset(&cbuf, 0, sizeof(cbuf));
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = *src;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

static int send_bu(const uint8_t *mh, size_t len, bool tunnelled)
{
	uint8_t pkt[40 + MH_MAX_LEN];
	struct ip6_hdr *ip = (struct ip6_hdr *)pkt;

	if (!tunnelled)
		return sendmsg_from(P.raw135, &P.hoa, &P.dar, mh, len);
	memset(ip, 0, sizeof(*ip));
	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons((uint16_t)len);
	ip->ip6_nxt = IPPROTO_MH;
	ip->ip6_hlim = 64;
	ip->ip6_src = P.hoa;
	ip->ip6_dst = P.dar;
	memcpy(pkt + 40, mh, len);
	return sendmsg_from(P.raw41, &P.coa, &P.dar, pkt, 40 + len);
}

/* Wait for an MH from the DAR; returns its type or -1 on timeout. */
static int recv_mh(uint8_t *mh, size_t *len, struct mh_msg *m, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	uint8_t buf[65536];

	for (;;) {
		struct pollfd pf[2] = {{.fd = P.raw41, .events = POLLIN},
				       {.fd = P.raw135, .events = POLLIN}};
		int64_t left = end - mono_ms();

		if (left <= 0 || poll(pf, 2, (int)left) <= 0)
			return -1;
		for (int i = 0; i < 2; i++) {
			struct sockaddr_in6 sa;
			union {
				char b[256];
				struct cmsghdr align;
			} cbuf;
			struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
			struct msghdr h = {
				.msg_name = &sa,
				.msg_namelen = sizeof(sa),
				.msg_iov = &iov,
				.msg_iovlen = 1,
				.msg_control = cbuf.b,
				.msg_controllen = sizeof(cbuf.b),
			};
			struct in6_addr to = IN6ADDR_ANY_INIT, src, dst;
			const uint8_t *p;
			ssize_t n;
			size_t plen;
			int err;

			if (!(pf[i].revents & POLLIN))
				continue;
			n = recvmsg(pf[i].fd, &h, MSG_DONTWAIT);
			if (n < 0)
				continue;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&h); cm; cm = CMSG_NXTHDR(&h, cm))
				if (cm->cmsg_level == IPPROTO_IPV6 &&
				    cm->cmsg_type == IPV6_PKTINFO) {
					struct in6_pktinfo pi;

					memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
					to = pi.ipi6_addr;
				}
			if (i == 0) { /* tunnelled: outer DAR -> CoA, inner DAR -> HoA */
				const struct ip6_hdr *ip = (const struct ip6_hdr *)buf;

				if (n < 40 || ip->ip6_nxt != IPPROTO_MH)
					continue;
				if (memcmp(&sa.sin6_addr, &P.dar, 16) || memcmp(&to, &P.coa, 16)) {
					printf("probe: ignored tunnelled packet %s -> %s\n",
					       a6(&sa.sin6_addr), a6(&to));
					continue;
				}
				src = ip->ip6_src;
				dst = ip->ip6_dst;
				plen = ntohs(ip->ip6_plen);
				if (plen + 40 > (size_t)n)
					continue;
				p = buf + 40;
			} else {
				src = sa.sin6_addr;
				dst = to;
				plen = (size_t)n;
				p = buf;
			}
			if (memcmp(&src, &P.dar, 16) || memcmp(&dst, &P.hoa, 16)) {
				printf("probe: ignored MH %s -> %s\n", a6(&src), a6(&dst));
				continue;
			}
			if (!mh_checksum_ok(&src, &dst, p, plen)) {
				printf("probe: bad MH checksum\n");
				continue;
			}
			err = mh_decode(p, plen, m);
			if (err) {
				printf("probe: undecodable MH: %s\n", mn_err_name(err));
				continue;
			}
			memcpy(mh, p, plen);
			*len = plen;
			printf("probe: rx %s via=%s\n", m->type == MH_BA ? "BA" : "MH",
			       i == 0 ? "tunnel" : "direct");
			return m->type;
		}
	}
}

static int await_ba(void)
{
	static struct mh_msg m;
	uint8_t mh[MH_MAX_LEN];
	size_t len;

	for (;;) {
		int t = recv_mh(mh, &len, &m, P.timeout_ms);

		if (t < 0) {
			printf("probe: timeout waiting for BA seq=%u\n", P.last_seq);
			return -1;
		}
		if (t != MH_BA) {
			printf("probe: rx MH type=%d (ignored)\n", t);
			continue;
		}
		printf("probe: BA status=%u seq=%u lifetime=%u (%u s)%s%s\n", m.u.ba.status,
		       m.u.ba.seq, m.u.ba.lifetime, m.u.ba.lifetime * 4u,
		       mh_has(&m, MH_OPT_PHKT) ? " phkt" : "",
		       mh_has(&m, MH_OPT_BAD) ? " bad" : "");
		if (m.u.ba.seq != P.last_seq && m.u.ba.status != MH_BA_SEQ_OUT_OF_WINDOW)
			printf("probe: BA sequence %u does not match %u\n", m.u.ba.seq, P.last_seq);
		if (m.u.ba.status == MH_BA_SEQ_OUT_OF_WINDOW)
			P.seq = m.u.ba.seq + 1;
		if (mh_has(&m, MH_OPT_PHKT)) {
			int err = mn_phkt_decrypt(P.key, m.phkt, m.phkt_len, P.phkt);

			printf("probe: phkt decrypt %s", err ? mn_err_name(err) : "ok");
			if (!err) {
				P.have_phkt = true;
				printf(" phkt=");
				for (int i = 0; i < MN_PHKT_LEN; i++)
					printf("%02x", P.phkt[i]);
			}
			printf("\n");
		}
		if (mh_has(&m, MH_OPT_BAD)) {
			int err = P.kbm_valid ? msg_ba_verify(&m, mh, P.kbm, &P.last_coa, &P.dar)
					      : MN_ERR_AUTH;

			printf("probe: BA authenticator %s\n", err ? mn_err_name(err) : "ok");
		}
		return 0;
	}
}

static int step_bu(const char *what)
{
	struct msg_bu bu = {
		.seq = P.seq++, .lifetime = P.lifetime, .hoa = P.hoa, .coa = P.coa, .dar = P.dar};
	bool tunnelled = true;
	int err;

	P.kbm_valid = false;
	if (!strcmp(what, "cga")) {
		err = msg_build_bu_cga(P.last_bu, sizeof(P.last_bu), &P.last_len, &bu, P.params,
				       P.params_len, P.key);
	} else {
		if (!P.have_phkt) {
			printf("probe: no PHKT yet (run 'cga' first); using zeroes\n");
			memset(P.phkt, 0, sizeof(P.phkt));
		}
		if (!strcmp(what, "dereg") || !strcmp(what, "home-dereg"))
			bu.lifetime = 0;
		if (!strcmp(what, "home-dereg")) {
			bu.coa = P.hoa;
			tunnelled = false;
		}
		err = msg_build_bu_token(P.last_bu, sizeof(P.last_bu), &P.last_len, &bu, P.phkt,
					 NULL, 0, P.kbm);
		P.kbm_valid = err == MN_OK;
		if (!err && !strcmp(what, "bad-bad")) {
			struct mh_msg *m = malloc(sizeof(*m));

			if (m && mh_decode(P.last_bu, P.last_len, m) == MN_OK) {
				P.last_bu[m->bad_auth_off] ^= 0x01;
				mh_set_checksum(&P.hoa, &P.dar, P.last_bu, P.last_len);
			}
			free(m);
		}
	}
	if (err) {
		printf("probe: building %s BU: %s\n", what, mn_err_name(err));
		return -1;
	}
	P.last_tunnelled = tunnelled;
	P.last_seq = bu.seq;
	P.last_coa = bu.coa;
	err = send_bu(P.last_bu, P.last_len, tunnelled);
	printf("probe: tx BU %s seq=%u lifetime=%u hoa=%s coa=%s %s%s\n", what, bu.seq, bu.lifetime,
	       a6(&P.hoa), a6(&bu.coa), tunnelled ? "tunnelled" : "direct", err ? " FAILED" : "");
	if (err) {
		printf("probe: send: %s\n", strerror(-err));
		return -1;
	}
	return await_ba();
}

static int open_raw(int proto)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, proto), one = 1;

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	return fd;
}

int main(int argc, char **argv)
{
	struct cga_params cp;
	uint8_t *spki;
	size_t spki_len;
	unsigned int bits = 1024;
	int i, fails = 0, err;

	P.lifetime = 75; /* 300 s */
	P.seq = 1;
	P.timeout_ms = 2000;
	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			goto usage;
		if (!strcmp(o, "--dar"))
			err = inet_pton(AF_INET6, v, &P.dar) != 1;
		else if (!strcmp(o, "--coa"))
			err = inet_pton(AF_INET6, v, &P.coa) != 1;
		else if (!strcmp(o, "--prefix")) {
			char b[64];

			snprintf(b, sizeof(b), "%s", v);
			if (strchr(b, '/'))
				*strchr(b, '/') = 0;
			err = inet_pton(AF_INET6, b, &P.prefix) != 1;
		} else if (!strcmp(o, "--bits"))
			bits = (unsigned int)atoi(v), err = 0;
		else if (!strcmp(o, "--lifetime"))
			P.lifetime = (uint16_t)atoi(v), err = 0;
		else if (!strcmp(o, "--seq"))
			P.seq = (uint16_t)atoi(v), err = 0;
		else if (!strcmp(o, "--timeout"))
			P.timeout_ms = atoi(v), err = 0;
		else
			goto usage;
		if (err)
			goto usage;
	}
	if (i >= argc)
		goto usage;

	err = mn_key_generate(bits, &P.key);
	if (!err)
		err = mn_key_spki(P.key, &spki, &spki_len);
	if (err) {
		printf("probe: key: %s\n", mn_err_name(err));
		return 1;
	}
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.prefix, P.prefix.s6_addr, 8);
	cp.pubkey = spki;
	cp.pubkey_len = spki_len;
	srand((unsigned int)(mono_ms() ^ getpid()));
	for (int k = 0; k < CGA_MODIFIER_LEN; k++)
		cp.modifier[k] = (uint8_t)rand();
	err = cga_params_encode(&cp, P.params, sizeof(P.params), &P.params_len);
	if (!err)
		err = cga_address(&cp, 0, &P.hoa);
	if (err) {
		printf("probe: cga: %s\n", mn_err_name(err));
		return 1;
	}
	printf("probe: hoa=%s coa=%s dar=%s key=%u bits\n", a6(&P.hoa), a6(&P.coa), a6(&P.dar),
	       bits);
	fflush(stdout);
	P.raw41 = open_raw(41);
	P.raw135 = open_raw(IPPROTO_MH);

	for (; i < argc; i++) {
		const char *s = argv[i];

		if (!strncmp(s, "sleep:", 6)) {
			usleep((useconds_t)atoi(s + 6) * 1000);
		} else if (!strncmp(s, "coa:", 4)) {
			if (inet_pton(AF_INET6, s + 4, &P.coa) != 1)
				goto usage;
		} else if (!strcmp(s, "replay")) {
			err = send_bu(P.last_bu, P.last_len, P.last_tunnelled);
			printf("probe: tx BU replay%s\n", err ? " FAILED" : "");
			fails += err || await_ba() < 0;
		} else if (!strcmp(s, "noack")) {
			static struct mh_msg m;
			uint8_t mh[MH_MAX_LEN];
			size_t len;
			int t = recv_mh(mh, &len, &m, P.timeout_ms);

			printf("probe: noack: %s\n", t < 0 ? "nothing (ok)" : "got a message");
			fails += t >= 0;
		} else if (!strcmp(s, "brr")) {
			static struct mh_msg m;
			uint8_t mh[MH_MAX_LEN];
			size_t len;
			int t = recv_mh(mh, &len, &m, P.timeout_ms);

			printf("probe: %s\n", t == MH_BRR ? "BRR received" : "no BRR");
			fails += t != MH_BRR;
		} else if (!strcmp(s, "cga") || !strcmp(s, "token") || !strcmp(s, "dereg") ||
			   !strcmp(s, "home-dereg") || !strcmp(s, "bad-bad")) {
			fails += step_bu(s) < 0;
		} else {
			goto usage;
		}
		fflush(stdout);
	}
	mn_key_free(P.key);
	free(spki);
	return fails ? 1 : 0;

usage:
	fprintf(stderr,
		"usage: dar-probe --dar ADDR --coa COA --prefix P::/64 [--bits N] "
		"[--lifetime UNITS] [--timeout MS] [--seq N] "
		"STEP(cga|token|dereg|home-dereg|replay|bad-bad|noack|brr|sleep:MS|coa:ADDR)...\n");
	return 2;
}
