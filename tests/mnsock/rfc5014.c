// SPDX-License-Identifier: BSD-3-Clause
/*
 * A program written against RFC 5014 only, knowing nothing of mnd: it sets
 * IPV6_ADDR_PREFERENCES on a TCP socket, reads the value back and connects.
 * Under libmnsock-preload.so, HOME must reach mnd as continuity and COA as
 * bypass; with or without the shim the printed results must be the same.
 *
 *   rfc5014 home|coa|none|both ADDR PORT [CTL LOG]
 *
 * Prints "cookie N" (the socket's SO_COOKIE, to find it in the fake mnd's
 * log) and one line per call: its return value and errno name. With CTL and
 * LOG (the end-to-end test against mnd), the connection then stays up and
 * obeys commands read from the FIFO CTL, like tests/mnd/flow.py: `xfer N`
 * (send N bytes to an echo server, read them back, log "ok xfer bytes=N"
 * or "error xfer ..."), `close`. LOG starts with "connected local=ADDR".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Linux values (<linux/in6.h>); glibc has only the option number. */
#ifndef IPV6_PREFER_SRC_COA
#define IPV6_PREFER_SRC_COA 0x0004
#endif
#ifndef IPV6_PREFER_SRC_HOME
#define IPV6_PREFER_SRC_HOME 0x0400
#endif
#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static const char *errname(int ret, int err)
{
	if (ret >= 0)
		return "-";
	switch (err) {
	case EINVAL:
		return "EINVAL";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	default:
		return strerrorname_np(err) ? strerrorname_np(err) : "?";
	}
}

/* N bytes of a pattern echoed back, in lock-step chunks so that no buffer fills. */
static int xfer(int fd, long n, unsigned int seed)
{
	unsigned char out[16384], in[sizeof(out)];
	long done = 0;

	while (done < n) {
		size_t len = n - done < (long)sizeof(out) ? (size_t)(n - done) : sizeof(out);
		size_t i, got = 0;
		ssize_t r;

		for (i = 0; i < len; i++)
			out[i] = (unsigned char)((done + (long)i) * 31 + seed);
		for (i = 0; i < len; i += (size_t)r) {
			r = send(fd, out + i, len - i, MSG_NOSIGNAL);
			if (r <= 0)
				return r < 0 ? errno : EPIPE;
		}
		while (got < len) {
			r = recv(fd, in + got, len - got, 0);
			if (r <= 0)
				return r < 0 ? errno : ECONNRESET;
			got += (size_t)r;
		}
		if (memcmp(in, out, len) != 0)
			return EBADMSG;
		done += (long)len;
	}
	return 0;
}

static int hold(int fd, const char *ctl, const char *path)
{
	struct timeval tv = {.tv_sec = 10};
	struct sockaddr_in6 me;
	socklen_t len = sizeof(me);
	char addr[INET6_ADDRSTRLEN] = "?", line[64];
	unsigned int seed = 0;
	FILE *log = fopen(path, "a");

	if (!log)
		return 1;
	setvbuf(log, NULL, _IOLBF, 0);
	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0)
		inet_ntop(AF_INET6, &me.sin6_addr, addr, sizeof(addr));
	fprintf(log, "connected local=%s\n", addr);
	/* A flow that lost its address fails in bounded time instead of hanging. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		FILE *c = fopen(ctl, "r"); /* blocks until a writer opens the FIFO */

		if (!c)
			return 1;
		while (fgets(line, sizeof(line), c)) {
			long n;
			int err;

			if (strncmp(line, "close", 5) == 0) {
				close(fd);
				fprintf(log, "closed\n");
				return 0;
			}
			if (sscanf(line, "xfer %ld", &n) != 1 || n <= 0 || n > (1L << 26))
				continue;
			err = xfer(fd, n, ++seed);
			if (err) {
				fprintf(log, "error xfer %ld: %s\n", n, strerror(err));
				return 1;
			}
			fprintf(log, "ok xfer bytes=%ld\n", n);
		}
		fclose(c);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	socklen_t len;
	uint64_t cookie = 0;
	int fd, prefs, ret, back;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: %s home|coa|none|both ADDR PORT [CTL LOG]\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "home") == 0)
		prefs = IPV6_PREFER_SRC_HOME;
	else if (strcmp(argv[1], "coa") == 0)
		prefs = IPV6_PREFER_SRC_COA;
	else if (strcmp(argv[1], "both") == 0)
		prefs = IPV6_PREFER_SRC_HOME | IPV6_PREFER_SRC_COA;
	else
		prefs = 0;
	if (inet_pton(AF_INET6, argv[2], &sa.sin6_addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[2]);
		return 2;
	}
	sa.sin6_port = htons((uint16_t)atoi(argv[3]));

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	len = sizeof(cookie);
	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len);
	printf("cookie %llu\n", (unsigned long long)cookie);

	errno = 0;
	ret = setsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &prefs, sizeof(prefs));
	printf("setsockopt 0x%04x: %d %s errno-after=%d\n", (unsigned int)prefs, ret,
	       errname(ret, errno), errno);
	len = sizeof(back);
	ret = getsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &back, &len);
	printf("getsockopt: %d 0x%04x\n", ret, (unsigned int)back);
	errno = 0;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	printf("connect: %d %s\n", ret, errname(ret, errno));
	fflush(stdout);
	if (argc == 6)
		return ret == 0 ? hold(fd, argv[4], argv[5]) : 1;
	close(fd);
	return 0;
}
