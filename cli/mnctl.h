/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mnctl: the command-line client of mnd. It reaches mnd only through its
 * D-Bus API (dbus/org.dmm.Mnd1.xml); keygen and run do not talk to mnd.
 */
#ifndef MNCTL_H
#define MNCTL_H

#include <gio/gio.h>
#include <getopt.h>
#include <stdbool.h>

#include "mnd-dbus-generated.h"

/* Exit statuses, documented in mnctl(1); nmcli's numbers where it has one. */
enum mnctl_exit {
	MNCTL_EXIT_OK = 0,
	MNCTL_EXIT_ERROR = 1,
	MNCTL_EXIT_USAGE = 2,
	MNCTL_EXIT_TIMEOUT = 3,
	MNCTL_EXIT_DENIED = 4,
	MNCTL_EXIT_NOT_RUNNING = 8,
	MNCTL_EXIT_NOT_FOUND = 10,
};

enum mnctl_format {
	MNCTL_FMT_TABLE,
	MNCTL_FMT_TERSE,
	MNCTL_FMT_JSON,
};

#define MNCTL_BUS_NAME "org.dmm.Mnd1"
#define MNCTL_MANAGER_PATH "/org/dmm/Mnd1"
#define MNCTL_ANCHOR_IFACE "org.dmm.Mnd1.Anchor"
#define MNCTL_MANAGER_IFACE "org.dmm.Mnd1.Manager"

/* Default wait for mnd's answers; notify's is short (the NetworkManager
 * dispatcher kills slow scripts). */
#define MNCTL_TIMEOUT_DEFAULT_MS 10000
#define MNCTL_TIMEOUT_NOTIFY_MS 1000
#define MNCTL_TIMEOUT_MAX_MS 3600000

struct mnctl {
	enum mnctl_format format;
	bool json, terse;        /* as given, checked together */
	const char *bus_address; /* NULL: the system bus */
	int timeout_ms;          /* 0: the command's default */
	GDBusConnection *conn;
};

/* Options every command accepts (before or after the command name). */
enum {
	MNCTL_OPT_BUS = 0x100,
	MNCTL_OPT_TIMEOUT,
	MNCTL_OPT_VERSION,
	MNCTL_OPT_FIRST_LOCAL, /* commands number their own long options from here */
};
#define MNCTL_COMMON_SHORTOPTS "jth"
#define MNCTL_COMMON_LONGOPTS                                                                      \
	{"json", no_argument, NULL, 'j'}, {"terse", no_argument, NULL, 't'},                       \
		{"bus-address", required_argument, NULL, MNCTL_OPT_BUS},                           \
		{"timeout", required_argument, NULL, MNCTL_OPT_TIMEOUT},                           \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* mnctl.c */
void mnctl_err(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Silence mnctl_err (bash completion must never print errors). */
void mnctl_set_quiet(bool quiet);
/* A common option: 0 done, 1 not a common option, or an exit status
 * (usage error printed, or help printed: MNCTL_EXIT_OK via *exit_now). */
int mnctl_common_opt(struct mnctl *m, int c, const char *arg, bool *exit_now);
/* Parse a command's options that are all common ones; leaves optind at
 * the first operand. Returns -1 to go on, else an exit status. */
int mnctl_parse_common(struct mnctl *m, int argc, char **argv);
/* After the options: -j/-t consistency. -1 to go on, else an exit status. */
int mnctl_options_done(struct mnctl *m);
/* Flush stdout and report a write error (a full disk, a closed pipe). */
int mnctl_finish(int rc);

/* bus.c */
/* Connect to --bus-address or the system bus within timeout_ms. */
int bus_connect(struct mnctl *m, int timeout_ms);
/* Run the main context until *res is set or timeout_ms pass; false on timeout. */
bool bus_wait(GAsyncResult **res, int timeout_ms);
void bus_store_result(GObject *src, GAsyncResult *res, gpointer user);
/* A Manager proxy; `props`: load the properties. Checks that
 * org.dmm.Mnd1 has an owner (else MNCTL_EXIT_NOT_RUNNING, with the
 * message). Returns an exit status, MNCTL_EXIT_OK with *out set. */
int bus_manager(struct mnctl *m, bool props, int timeout_ms, MndManager **out);
/* Say that mnd is not running; returns MNCTL_EXIT_NOT_RUNNING. */
int bus_not_running(const struct mnctl *m);
/* The object manager client with every Anchor (none while mnd is not
 * running: that is not an error here). */
int bus_objects(struct mnctl *m, int timeout_ms, GDBusObjectManager **out);
/* The Anchors, sorted by their number. Each ref'd; free with g_list_free_full(l, g_object_unref).
 */
GList *bus_anchors(GDBusObjectManager *om);
MndAnchor *bus_anchor(GDBusObjectManager *om, const char *path);
/* Map a failed call to an exit status and say why, prefixed by `what`. */
int bus_error(const GError *e, const char *what);
/* "/org/dmm/Mnd1/Anchor/7" -> 7; 0 if the path has no number. */
unsigned long bus_anchor_id(const char *path);

/* names.c: enumerations as mnd.dbus(5) names them */
const char *names_state(guint v, char *buf, size_t len);
const char *names_role(guint v, char *buf, size_t len);
const char *names_pin(guint v, char *buf, size_t len);
const char *names_binding(guint v, char *buf, size_t len);
/* A CLOCK_MONOTONIC microsecond time relative to now, in seconds
 * (negative if past). */
gint64 names_mono_from_now(guint64 us);
/* Seconds as "42s", "9m52s", "2h05m", "3d04h". */
const char *names_duration(gint64 s, char *buf, size_t len);

/* Commands (argv[0] is the command name). */
int cmd_status(struct mnctl *m, int argc, char **argv);
int cmd_anchors(struct mnctl *m, int argc, char **argv);
int cmd_bindings(struct mnctl *m, int argc, char **argv);
int cmd_flows(struct mnctl *m, int argc, char **argv);
int cmd_complete(struct mnctl *m, int argc, char **argv);
int cmd_keep(struct mnctl *m, int argc, char **argv);
int cmd_release(struct mnctl *m, int argc, char **argv);
int cmd_notify(struct mnctl *m, int argc, char **argv);
int cmd_reload(struct mnctl *m, int argc, char **argv);
int cmd_monitor(struct mnctl *m, int argc, char **argv);
int cmd_keygen(struct mnctl *m, int argc, char **argv);
int cmd_run(struct mnctl *m, int argc, char **argv);

#endif
