// SPDX-License-Identifier: BSD-3-Clause
/*
 * mnctl run [--continuity|--bypass] [--] CMD [ARGS...]: exec CMD with
 * libmnsock's preload shim, so that an unmodified program's sockets get
 * a mode (MNSOCK_MODE, read by libmnsock/preload.c) and its RFC 5014
 * IPV6_ADDR_PREFERENCES reach mnd. It does not talk to mnd: the shim
 * fails open when mnd is not running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mnctl.h"

#define RUN_SHIM_NAME "libmnsock-preload.so"
/* Overrides the installed shim's path (tests, an uninstalled build). */
#define RUN_SHIM_ENV "MNCTL_PRELOAD"

/* Is `path` already one of the entries of LD_PRELOAD (space or colon
 * separated, as ld.so reads it)? */
static bool run_preloaded(const char *list, const char *path)
{
	char **v = g_strsplit_set(list, " :", -1);
	bool found = false;

	for (int i = 0; v[i] && !found; i++)
		found = !strcmp(v[i], path);
	g_strfreev(v);
	return found;
}

int cmd_run(struct mnctl *m, int argc, char **argv)
{
	enum { OPT_CONT = MNCTL_OPT_FIRST_LOCAL, OPT_BYPASS };
	static const struct option opts[] = {
		{"continuity", no_argument, NULL, OPT_CONT},
		{"bypass", no_argument, NULL, OPT_BYPASS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *mode = NULL, *shim, *old;
	char *preload;
	bool exit_now;
	int c;

	optind = 0;
	opterr = 0;
	/* '+': options stop at CMD, whose own options are its own. */
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONT:
		case OPT_BYPASS:
			if (mode) {
				mnctl_err("run: --continuity and --bypass exclude each other");
				return MNCTL_EXIT_USAGE;
			}
			mode = c == OPT_CONT ? "continuity" : "bypass";
			break;
		case 'h':
			return mnctl_common_opt(m, c, NULL, &exit_now);
		default:
			mnctl_err("run: unknown option '%s'", argv[optind - 1]);
			return MNCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		mnctl_err("usage: mnctl run [--continuity|--bypass] [--] CMD [ARGS...]");
		return MNCTL_EXIT_USAGE;
	}

	shim = getenv(RUN_SHIM_ENV);
	if (!shim || !*shim)
		shim = PKGLIBDIR "/" RUN_SHIM_NAME;
	/* ld.so takes ' ' and ':' as separators and only warns about a
	 * missing file: check here and say which path. */
	if (strpbrk(shim, " :") || shim[0] != '/') {
		mnctl_err("run: %s must be an absolute path without ' ' or ':'", shim);
		return MNCTL_EXIT_ERROR;
	}
	if (access(shim, R_OK)) {
		mnctl_err("run: %s: %s (is libmnsock installed? %s overrides the path)", shim,
			  g_strerror(errno), RUN_SHIM_ENV);
		return MNCTL_EXIT_ERROR;
	}

	/* Ours goes last: a sanitizer runtime already there must stay first. */
	old = getenv("LD_PRELOAD");
	if (old && *old && !run_preloaded(old, shim))
		preload = g_strdup_printf("%s:%s", old, shim);
	else
		preload = g_strdup(old && *old ? old : shim);
	if (setenv("LD_PRELOAD", preload, 1) || (mode && setenv("MNSOCK_MODE", mode, 1))) {
		mnctl_err("run: setting the environment: %s", g_strerror(errno));
		g_free(preload);
		return MNCTL_EXIT_ERROR;
	}
	g_free(preload);
	fflush(stdout);
	execvp(argv[optind], argv + optind);
	/* As a shell reports it: 127 not found, 126 found but not runnable. */
	c = errno;
	mnctl_err("run: %s: %s", argv[optind], g_strerror(c));
	return c == ENOENT ? 127 : 126;
}
