// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum log_level log_level = LOG_LVL_INFO;

static const char *const log_names[] = {"err", "warning", "info", "debug"};

void log_set_level(enum log_level l)
{
	log_level = l;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_parse_level(const char *s)
{
	for (unsigned int i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (!strcmp(s, log_names[i]))
			return (int)i;
	return -1;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	if (l > log_level)
		return;
	/* Monotonic seconds: they line up with the handover timings. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "mnd %ld.%03ld %s ", (long)ts.tv_sec, ts.tv_nsec / 1000000, log_names[l]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

const char *log_addr(const struct in6_addr *a)
{
	static char bufs[8][INET6_ADDRSTRLEN];
	static unsigned int n;
	char *b = bufs[n++ % 8];

	return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN) ? b : "?";
}
