// SPDX-License-Identifier: BSD-3-Clause
/*
 * Every call libmnsock-preload.so hooks, in its success and failure cases,
 * printed as "what: return value, errno". errno is set to a sentinel before
 * each call, so a hook that changes errno after a success shows too. The
 * output, fd numbers included, must be the same with and without the shim,
 * whether mnd is running, absent or hung: the shim must fail open and leave
 * no fd behind. Ends with the number of open fds.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef IPV6_PREFER_SRC_COA
#define IPV6_PREFER_SRC_COA 0x0004
#endif
#ifndef IPV6_PREFER_SRC_HOME
#define IPV6_PREFER_SRC_HOME 0x0400
#endif

#define SENTINEL EDOM

static void show(const char *what, long ret)
{
	int err = errno;
	const char *name = err == SENTINEL ? "sentinel" : strerrorname_np(err);

	printf("%-44s %4ld %s\n", what, ret, name ? name : "?");
}

#define CALL(what, expr)                                                                           \
	({                                                                                         \
		long r_;                                                                           \
		errno = SENTINEL;                                                                  \
		r_ = (long)(expr);                                                                 \
		show(what, r_);                                                                    \
		(int)r_;                                                                           \
	})

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

int main(void)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t salen = sizeof(sa);
	int home = IPV6_PREFER_SRC_HOME, coa = IPV6_PREFER_SRC_COA, both = home | coa;
	int t6, u6, t4, ux, lst, cli, acc, p[2], port;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t6 = CALL("socket inet6 stream|cloexec", socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
	u6 = CALL("socket inet6 dgram|nonblock", socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0));
	t4 = CALL("socket inet stream", socket(AF_INET, SOCK_STREAM, 0));
	ux = CALL("socket unix seqpacket", socket(AF_UNIX, SOCK_SEQPACKET, 0));
	CALL("socket bad family", socket(12345, SOCK_STREAM, 0));
	CALL("socket bad type", socket(AF_INET6, 999, 0));
	CALL("socket inet6 stream udp", socket(AF_INET6, SOCK_STREAM, IPPROTO_UDP));
	if (pipe(p) < 0)
		return 1;

	CALL("setsockopt prefs home", setsockopt(t6, IPPROTO_IPV6, 72, &home, sizeof(home)));
	CALL("setsockopt prefs coa (udp)", setsockopt(u6, IPPROTO_IPV6, 72, &coa, sizeof(coa)));
	CALL("setsockopt prefs home|coa", setsockopt(t6, IPPROTO_IPV6, 72, &both, sizeof(both)));
	CALL("setsockopt prefs short", setsockopt(t6, IPPROTO_IPV6, 72, &home, 2));
	CALL("setsockopt prefs NULL", setsockopt(t6, IPPROTO_IPV6, 72, NULL, sizeof(int)));
	CALL("setsockopt prefs inet", setsockopt(t4, IPPROTO_IPV6, 72, &home, sizeof(home)));
	CALL("setsockopt prefs unix", setsockopt(ux, IPPROTO_IPV6, 72, &home, sizeof(home)));
	CALL("setsockopt prefs bad fd", setsockopt(-1, IPPROTO_IPV6, 72, &home, sizeof(home)));
	CALL("setsockopt prefs pipe", setsockopt(p[0], IPPROTO_IPV6, 72, &home, sizeof(home)));
	CALL("setsockopt reuseaddr", setsockopt(t6, SOL_SOCKET, SO_REUSEADDR, &home, sizeof(int)));

	/* A listener, a client that connects to it, accept and accept4. */
	lst = CALL("socket listener", socket(AF_INET6, SOCK_STREAM, 0));
	CALL("bind listener", bind(lst, (struct sockaddr *)&sa, sizeof(sa)));
	CALL("listen", listen(lst, 4));
	getsockname(lst, (struct sockaddr *)&sa, &salen);
	port = ntohs(sa.sin6_port);
	CALL("accept on a non-listener", accept(t6, NULL, NULL));
	CALL("accept4 bad fd", accept4(-1, NULL, NULL, 0));
	cli = CALL("socket client", socket(AF_INET6, SOCK_STREAM, 0));
	CALL("connect client", connect(cli, (struct sockaddr *)&sa, sizeof(sa)));
	acc = CALL("accept", accept(lst, NULL, NULL));
	CALL("close accepted", close(acc));
	CALL("close client", close(cli));
	cli = CALL("socket client 2", socket(AF_INET6, SOCK_STREAM, 0));
	CALL("connect client 2", connect(cli, (struct sockaddr *)&sa, sizeof(sa)));
	acc = CALL("accept4 cloexec", accept4(lst, NULL, NULL, SOCK_CLOEXEC));
	CALL("close accepted 2", close(acc));
	CALL("close client 2", close(cli));
	CALL("close listener", close(lst));
	/* The port is closed now: a refused connection. */
	sa.sin6_port = htons((uint16_t)port);
	cli = CALL("socket client 3", socket(AF_INET6, SOCK_STREAM, 0));
	CALL("connect refused", connect(cli, (struct sockaddr *)&sa, sizeof(sa)));
	CALL("close client 3", close(cli));

	CALL("dup2 same", dup2(t6, t6));
	CALL("dup2 bad", dup2(-1, 50));
	CALL("dup2 to 50", dup2(t6, 50));
	CALL("dup3 same", dup3(t6, t6, 0));
	CALL("dup3 bad flags", dup3(t6, 51, 12345));
	CALL("dup3 to 51", dup3(u6, 51, O_CLOEXEC));
	CALL("close 50", close(50));
	CALL("close 50 again", close(50));
	CALL("close -1", close(-1));
	CALL("close_range 51..51", close_range(51, 51, 0));
	CALL("close_range reversed", close_range(5, 3, 0));
	CALL("close_range cloexec", close_range(t6, t6, CLOSE_RANGE_CLOEXEC));
	CALL("dup2 to 60", dup2(t4, 60));
	CALL("dup2 to 61", dup2(ux, 61));
	errno = SENTINEL;
	closefrom(60);
	show("closefrom 60", 0);
	CALL("close 60 after closefrom", close(60));

	CALL("close t6", close(t6));
	CALL("close u6", close(u6));
	CALL("close t4", close(t4));
	CALL("close ux", close(ux));
	close(p[0]);
	close(p[1]);
	printf("open fds at exit: %d\n", count_fds());
	return 0;
}
