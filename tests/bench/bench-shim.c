// SPDX-License-Identifier: BSD-3-Clause
/*
 * The cost of socket()+connect() as a program sees it, to compare a run
 * under libmnsock-preload.so with a run without (tests/bench/shim.sh).
 *
 *   bench-shim [ITERATIONS]     time ITERATIONS TCP socket()+connect() to ::1
 *   bench-shim --serve PATH     a minimal mnd control socket that answers
 *                               every request with success (the C cost of
 *                               mnd's side, without mnd)
 *
 * The listening side uses raw syscall()s so that only the client's
 * socket() and connect() go through the shim; each connection is reset
 * (SO_LINGER 0) so that no TIME_WAIT piles up across iterations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mnsock-proto.h"

#define WARMUP 200

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int serve(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 1;
	strcpy(sa.sun_path, path);
	unlink(path);
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 128) < 0) {
		perror("serve");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		for (;;) {
			struct mnsock_req req;
			struct mnsock_reply rep;
			union {
				char buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} ctl;
			struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
			struct msghdr msg = {
				.msg_iov = &iov,
				.msg_iovlen = 1,
				.msg_control = ctl.buf,
				.msg_controllen = sizeof(ctl.buf),
			};
			struct cmsghdr *cm;
			ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);

			if (n <= 0)
				break;
			for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
				int fd;

				if (cm->cmsg_type != SCM_RIGHTS)
					continue;
				memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
				close(fd);
			}
			memset(&rep, 0, sizeof(rep));
			rep.magic = MNSOCK_MAGIC;
			rep.version = MNSOCK_VERSION;
			rep.op = req.op;
			if (send(c, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
				break;
		}
		close(c);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t salen = sizeof(sa);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	long n = 20000, i;
	double *t, sum = 0;
	int l;

	if (argc == 3 && strcmp(argv[1], "--serve") == 0)
		return serve(argv[2]);
	if (argc == 2)
		n = strtol(argv[1], NULL, 10);
	if (n < 1 || n > 10000000) {
		fprintf(stderr, "usage: %s [ITERATIONS] | --serve PATH\n", argv[0]);
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;

	/* Not through libc: the shim must see only the measured calls. */
	l = (int)syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0);
	if (l < 0 || syscall(SYS_bind, l, &sa, sizeof(sa)) < 0 || syscall(SYS_listen, l, 512) < 0 ||
	    syscall(SYS_getsockname, l, &sa, &salen) < 0) {
		perror("listener on ::1");
		return 1;
	}

	for (i = -WARMUP; i < n; i++) {
		double t0, t1;
		int s, a;

		t0 = now_us();
		s = socket(AF_INET6, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("socket/connect");
			return 1;
		}
		t1 = now_us();
		if (i >= 0)
			t[i] = t1 - t0;
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s);
		a = (int)syscall(SYS_accept4, l, NULL, NULL, 0);
		if (a >= 0)
			syscall(SYS_close, a);
	}
	for (i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("socket()+connect() x %ld: median %.2f us, mean %.2f us, p99 %.2f us\n", n, t[n / 2],
	       sum / (double)n, t[(size_t)((double)n * 0.99)]);
	free(t);
	return 0;
}
