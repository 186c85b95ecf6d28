// SPDX-License-Identifier: BSD-3-Clause
/*
 * mnctl: command-line client of mnd. Options, the command table, help.
 *
 *   mnctl [-j|-t] [--bus-address ADDR] [--timeout MS] [COMMAND [ARGS]]
 *
 * Without a command it shows the status. Every command accepts the
 * common options before or after its name (`mnctl anchors -j`).
 */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnctl.h"

static bool mnctl_quiet;

void mnctl_set_quiet(bool quiet)
{
	mnctl_quiet = quiet;
}

void mnctl_err(const char *fmt, ...)
{
	va_list ap;

	if (mnctl_quiet)
		return;
	fflush(stdout);
	fputs("mnctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void mnctl_usage(FILE *f)
{
	fputs("Usage: mnctl [OPTIONS] [COMMAND [ARGS...]]\n"
	      "\n"
	      "Commands (default: status):\n"
	      "  status                 state, interface, backend, current DAR and the anchors\n"
	      "  anchors                every DAR seen, its address, role and binding\n"
	      "  bindings               the bindings of kept addresses\n"
	      "  flows                  live TCP/UDP sockets on our addresses and their mode\n"
	      "  keep ADDRESS           keep this address on every move\n"
	      "  release ADDRESS        let this address go (undo keep)\n"
	      "  reload                 re-read mnd.conf\n"
	      "  notify IFACE EVENT     hint that IFACE's attachment changed (NM dispatcher)\n"
	      "  monitor                print events as they happen, until interrupted\n"
	      "  keygen [--sec N] [--bits N] [--state-dir DIR] [--config FILE] [--force]\n"
	      "                         create the node key and CGA modifier (no mnd needed)\n"
	      "  run [--continuity|--bypass] [--] CMD [ARGS...]\n"
	      "                         run CMD with the libmnsock preload shim\n"
	      "  help                   this help\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json             JSON output (status, anchors, bindings, flows, monitor)\n"
	      "  -t, --terse            ':'-separated fields, no header, for scripts\n"
	      "      --bus-address ADDR connect to this D-Bus address instead of the system bus\n"
	      "      --timeout MS       wait at most MS ms for mnd (default 10000; notify 1000)\n"
	      "      --version          print the version and exit\n"
	      "  -h, --help             this help\n"
	      "\n"
	      "Exit status: 0 ok, 1 error, 2 usage, 3 timeout, 4 permission denied,\n"
	      "8 mnd not running, 10 no such object. See mnctl(1).\n",
	      f);
}

int mnctl_common_opt(struct mnctl *m, int c, const char *arg, bool *exit_now)
{
	guint64 v;

	*exit_now = false;
	switch (c) {
	case 'j':
		m->json = true;
		m->format = MNCTL_FMT_JSON;
		return 0;
	case 't':
		m->terse = true;
		m->format = MNCTL_FMT_TERSE;
		return 0;
	case MNCTL_OPT_BUS:
		if (!*arg || !g_dbus_is_address(arg)) {
			mnctl_err("--bus-address: '%.128s' is not a D-Bus address", arg);
			return MNCTL_EXIT_USAGE;
		}
		m->bus_address = arg;
		return 0;
	case MNCTL_OPT_TIMEOUT:
		if (!g_ascii_string_to_unsigned(arg, 10, 1, MNCTL_TIMEOUT_MAX_MS, &v, NULL)) {
			mnctl_err("--timeout: '%.32s' is not a number of milliseconds (1..%d)", arg,
				  MNCTL_TIMEOUT_MAX_MS);
			return MNCTL_EXIT_USAGE;
		}
		m->timeout_ms = (int)v;
		return 0;
	case 'h':
		mnctl_usage(stdout);
		*exit_now = true;
		return MNCTL_EXIT_OK;
	default:
		return 1;
	}
}

/* getopt's own messages would name argv[0] of the command, not mnctl. */
static int mnctl_bad_option(int argc, char **argv, int c)
{
	if (c == ':')
		mnctl_err("%s: option '%s' needs an argument", argv[0], argv[optind - 1]);
	else if (optopt && optopt < 0x100)
		mnctl_err("%s: unknown option '-%c'", argv[0], optopt);
	else
		mnctl_err("%s: unknown option '%s'", argv[0], argv[optind - 1]);
	fprintf(stderr, "Try 'mnctl help'.\n");
	return MNCTL_EXIT_USAGE;
}

int mnctl_options_done(struct mnctl *m)
{
	if (m->json && m->terse) {
		mnctl_err("-j and -t exclude each other");
		return MNCTL_EXIT_USAGE;
	}
	return -1;
}

int mnctl_parse_common(struct mnctl *m, int argc, char **argv)
{
	static const struct option opts[] = {MNCTL_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
	bool exit_now;
	int c, rc;

	optind = 0; /* GNU: start over on this argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":" MNCTL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return mnctl_bad_option(argc, argv, c);
		rc = mnctl_common_opt(m, c, optarg, &exit_now);
		if (exit_now || rc > 1 || rc < 0)
			return rc;
		if (rc == 1)
			return mnctl_bad_option(argc, argv, '?');
	}
	return mnctl_options_done(m);
}

int mnctl_finish(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (!rc) {
			fprintf(stderr, "mnctl: writing the output failed\n");
			rc = MNCTL_EXIT_ERROR;
		}
	}
	return rc;
}

static int cmd_help(struct mnctl *m, int argc, char **argv)
{
	mnctl_usage(stdout);
	return MNCTL_EXIT_OK;
}

struct mnctl_cmd {
	const char *name;
	int (*fn)(struct mnctl *m, int argc, char **argv);
};

static const struct mnctl_cmd mnctl_cmds[] = {
	{"status", cmd_status},       {"anchors", cmd_anchors}, {"bindings", cmd_bindings},
	{"flows", cmd_flows},         {"keep", cmd_keep},       {"release", cmd_release},
	{"reload", cmd_reload},       {"notify", cmd_notify},   {"monitor", cmd_monitor},
	{"keygen", cmd_keygen},       {"run", cmd_run},         {"help", cmd_help},
	{"__complete", cmd_complete},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		MNCTL_COMMON_LONGOPTS,
		{"version", no_argument, NULL, MNCTL_OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	static char *dflt[] = {"status", NULL};
	struct mnctl m = {0};
	char **sub;
	int c, rc, nsub;
	bool exit_now;

	setlocale(LC_ALL, "");
	opterr = 0;
	/* '+': stop at the command; its own options are its business. */
	while ((c = getopt_long(argc, argv, "+:" MNCTL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (c == MNCTL_OPT_VERSION) {
			printf("mnctl %s\n", PACKAGE_VERSION);
			return mnctl_finish(MNCTL_EXIT_OK);
		}
		if (c == '?' || c == ':') {
			argv[0] = "mnctl";
			return mnctl_bad_option(argc, argv, c);
		}
		rc = mnctl_common_opt(&m, c, optarg, &exit_now);
		if (exit_now)
			return mnctl_finish(rc);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		sub = argv + optind;
		nsub = argc - optind;
	} else {
		sub = dflt;
		nsub = 1;
	}
	rc = -1;
	for (size_t i = 0; i < G_N_ELEMENTS(mnctl_cmds); i++)
		if (!strcmp(sub[0], mnctl_cmds[i].name)) {
			rc = mnctl_cmds[i].fn(&m, nsub, sub);
			break;
		}
	if (rc < 0) {
		mnctl_err("unknown command '%.64s'; try 'mnctl help'", sub[0]);
		rc = MNCTL_EXIT_USAGE;
	}
	/* Every call was awaited: nothing is left to flush (and a hung bus
	 * must not hold the exit). */
	g_clear_object(&m.conn);
	return mnctl_finish(rc);
}
