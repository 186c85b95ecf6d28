// SPDX-License-Identifier: BSD-3-Clause
/*
 * The commands that ask mnd to do something: keep, release, notify,
 * reload. They print nothing on success (the exit status says it) and
 * one line on stderr on failure.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include "mnctl.h"

/* Longest free-text event notify passes on (it only goes to mnd's log). */
#define ACTION_EVENT_MAX 64
/* Never start mnd by bus activation to tell it something. */
#define ACTION_FLAGS G_DBUS_CALL_FLAGS_NO_AUTO_START

enum action_kind {
	ACTION_KEEP,
	ACTION_RELEASE,
	ACTION_NOTIFY,
	ACTION_RELOAD,
};

static int action_call(struct mnctl *m, enum action_kind kind, const char *a1, const char *a2,
		       const char *what, int to)
{
	MndManager *mgr = NULL;
	GAsyncResult *res = NULL;
	GError *e = NULL;
	gboolean ok = FALSE;
	int rc = bus_connect(m, to);

	if (rc)
		return rc;
	rc = bus_manager(m, false, to, &mgr);
	if (rc)
		return rc;
	switch (kind) {
	case ACTION_KEEP:
		mnd_manager_call_keep_address(mgr, a1, ACTION_FLAGS, to, NULL, bus_store_result,
					      &res);
		break;
	case ACTION_RELEASE:
		mnd_manager_call_release_address(mgr, a1, ACTION_FLAGS, to, NULL, bus_store_result,
						 &res);
		break;
	case ACTION_NOTIFY:
		mnd_manager_call_notify(mgr, a1, a2, ACTION_FLAGS, to, NULL, bus_store_result,
					&res);
		break;
	case ACTION_RELOAD:
		mnd_manager_call_reload(mgr, ACTION_FLAGS, to, NULL, bus_store_result, &res);
		break;
	}
	if (!bus_wait(&res, to)) {
		mnctl_err("%s: mnd did not answer within %d ms", what, to);
		g_object_unref(mgr);
		return MNCTL_EXIT_TIMEOUT;
	}
	switch (kind) {
	case ACTION_KEEP:
		ok = mnd_manager_call_keep_address_finish(mgr, res, &e);
		break;
	case ACTION_RELEASE:
		ok = mnd_manager_call_release_address_finish(mgr, res, &e);
		break;
	case ACTION_NOTIFY:
		ok = mnd_manager_call_notify_finish(mgr, res, &e);
		break;
	case ACTION_RELOAD:
		ok = mnd_manager_call_reload_finish(mgr, res, &e);
		break;
	}
	g_object_unref(res);
	g_object_unref(mgr);
	if (ok)
		return MNCTL_EXIT_OK;
	rc = bus_error(e, what);
	g_error_free(e);
	return rc;
}

static int action_address(struct mnctl *m, int argc, char **argv, enum action_kind kind)
{
	char canon[INET6_ADDRSTRLEN], *what;
	struct in6_addr a;
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		mnctl_err("usage: mnctl %s ADDRESS", argv[0]);
		return MNCTL_EXIT_USAGE;
	}
	/* Checked here so a typo is a usage error without a round trip;
	 * sent in RFC 5952 form, the form mnd publishes. */
	if (strlen(argv[optind]) >= INET6_ADDRSTRLEN ||
	    inet_pton(AF_INET6, argv[optind], &a) != 1) {
		mnctl_err("%s: '%.64s' is not an IPv6 address", argv[0], argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	inet_ntop(AF_INET6, &a, canon, sizeof(canon));
	what = g_strdup_printf("%s %s", argv[0], canon);
	rc = action_call(m, kind, canon, NULL, what,
			 m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_DEFAULT_MS);
	g_free(what);
	return rc;
}

int cmd_keep(struct mnctl *m, int argc, char **argv)
{
	return action_address(m, argc, argv, ACTION_KEEP);
}

int cmd_release(struct mnctl *m, int argc, char **argv)
{
	return action_address(m, argc, argv, ACTION_RELEASE);
}

static bool action_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int cmd_notify(struct mnctl *m, int argc, char **argv)
{
	const char *ifname, *event;
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 2) {
		mnctl_err("usage: mnctl notify INTERFACE EVENT (INTERFACE may be \"\")");
		return MNCTL_EXIT_USAGE;
	}
	ifname = argv[optind];
	event = argv[optind + 1];
	/* The dispatcher passes "" (connectivity-change) or "none"
	 * (hostname) as the interface: both are fine, mnd takes them as
	 * "all". */
	if (strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') || !action_printable(ifname) ||
	    !g_utf8_validate(ifname, -1, NULL)) {
		mnctl_err("notify: '%.32s' is not an interface name", ifname);
		return MNCTL_EXIT_USAGE;
	}
	if (!*event || strlen(event) > ACTION_EVENT_MAX || !action_printable(event) ||
	    !g_utf8_validate(event, -1, NULL)) {
		mnctl_err("notify: the event must be 1 to %d printable characters",
			  ACTION_EVENT_MAX);
		return MNCTL_EXIT_USAGE;
	}
	return action_call(m, ACTION_NOTIFY, ifname, event, "notify",
			   m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_NOTIFY_MS);
}

int cmd_reload(struct mnctl *m, int argc, char **argv)
{
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (optind < argc) {
		mnctl_err("reload: unexpected argument '%s'", argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	return action_call(m, ACTION_RELOAD, NULL, NULL, "reload",
			   m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_DEFAULT_MS);
}
