// SPDX-License-Identifier: BSD-3-Clause
/*
 * mnctl's side of the bus: the connection, proxies created
 * asynchronously and awaited with our own deadline (so --timeout bounds
 * every round trip, property loading included, not only method calls),
 * and D-Bus errors mapped to exit statuses.
 */
#include <stdlib.h>
#include <string.h>

#include "mnctl.h"

int bus_connect(struct mnctl *m, int timeout_ms)
{
	GAsyncResult *res = NULL;
	GError *e = NULL;

	/* Asynchronous, so that a hung bus costs --timeout, not GDBus's 25 s. */
	if (m->bus_address)
		g_dbus_connection_new_for_address(
			m->bus_address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, bus_store_result, &res);
	else /* GDBus honours DBUS_SYSTEM_BUS_ADDRESS here. */
		g_bus_get(G_BUS_TYPE_SYSTEM, NULL, bus_store_result, &res);
	if (!bus_wait(&res, timeout_ms)) {
		mnctl_err("cannot connect to the %s within %d ms",
			  m->bus_address ? "bus at that address" : "system bus", timeout_ms);
		return MNCTL_EXIT_TIMEOUT;
	}
	m->conn = m->bus_address ? g_dbus_connection_new_for_address_finish(res, &e)
				 : g_bus_get_finish(res, &e);
	g_object_unref(res);
	if (!m->conn) {
		mnctl_err("cannot connect to the %s: %s",
			  m->bus_address ? "bus at that address" : "system bus", e->message);
		g_error_free(e);
		return MNCTL_EXIT_ERROR;
	}
	/* A client has nothing to do once the bus is gone. */
	g_dbus_connection_set_exit_on_close(m->conn, FALSE);
	return MNCTL_EXIT_OK;
}

void bus_store_result(GObject *src, GAsyncResult *res, gpointer user)
{
	*(GAsyncResult **)user = g_object_ref(res);
}

static gboolean bus_expired(gpointer p)
{
	*(bool *)p = true;
	return G_SOURCE_REMOVE;
}

bool bus_wait(GAsyncResult **res, int timeout_ms)
{
	bool expired = false;
	GSource *src = g_timeout_source_new((guint)timeout_ms);

	g_source_set_callback(src, bus_expired, &expired, NULL);
	g_source_attach(src, NULL);
	while (!*res && !expired)
		g_main_context_iteration(NULL, TRUE);
	g_source_destroy(src);
	g_source_unref(src);
	return *res != NULL;
}

int bus_not_running(const struct mnctl *m)
{
	mnctl_err("mnd is not running (%s has no owner on the %s)", MNCTL_BUS_NAME,
		  m->bus_address ? "bus" : "system bus");
	return MNCTL_EXIT_NOT_RUNNING;
}

static int bus_timed_out(const char *what, int timeout_ms)
{
	mnctl_err("%s: mnd did not answer within %d ms", what, timeout_ms);
	return MNCTL_EXIT_TIMEOUT;
}

/*
 * GDBus drops a failed GetAll silently and leaves the proxy without
 * properties. Ask for one property to learn why (the bus policy, a mnd
 * without a Manager object...) and report that error.
 */
static int bus_manager_why_empty(struct mnctl *m, int timeout_ms)
{
	GAsyncResult *res = NULL;
	GVariant *v;
	GError *e = NULL;
	int rc;

	g_dbus_connection_call(
		m->conn, MNCTL_BUS_NAME, MNCTL_MANAGER_PATH, "org.freedesktop.DBus.Properties",
		"Get", g_variant_new("(ss)", MNCTL_MANAGER_IFACE, "Version"), NULL,
		G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms, NULL, bus_store_result, &res);
	if (!bus_wait(&res, timeout_ms))
		return bus_timed_out("reading mnd's properties", timeout_ms);
	v = g_dbus_connection_call_finish(m->conn, res, &e);
	g_object_unref(res);
	if (v) {
		/* It answers now: it was starting up. Still nothing to show. */
		g_variant_unref(v);
		mnctl_err("mnd's properties were not ready; try again");
		return MNCTL_EXIT_ERROR;
	}
	rc = bus_error(e, "reading mnd's properties");
	g_error_free(e);
	return rc;
}

int bus_manager(struct mnctl *m, bool props, int timeout_ms, MndManager **out)
{
	GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;
	GAsyncResult *res = NULL;
	MndManager *mgr;
	GError *e = NULL;
	char **names, *owner;
	int rc;

	*out = NULL;
	if (!props)
		flags |= G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
			 G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS;
	mnd_manager_proxy_new(m->conn, flags, MNCTL_BUS_NAME, MNCTL_MANAGER_PATH, NULL,
			      bus_store_result, &res);
	if (!bus_wait(&res, timeout_ms))
		return bus_timed_out("connecting to mnd", timeout_ms);
	mgr = mnd_manager_proxy_new_finish(res, &e);
	g_object_unref(res);
	if (!mgr) {
		rc = bus_error(e, "connecting to mnd");
		g_error_free(e);
		return rc;
	}
	owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(mgr));
	if (!owner) {
		g_object_unref(mgr);
		return bus_not_running(m);
	}
	g_free(owner);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(mgr), timeout_ms);
	if (props) {
		names = g_dbus_proxy_get_cached_property_names(G_DBUS_PROXY(mgr));
		if (!names || !names[0]) {
			g_strfreev(names);
			g_object_unref(mgr);
			return bus_manager_why_empty(m, timeout_ms);
		}
		g_strfreev(names);
	}
	*out = mgr;
	return MNCTL_EXIT_OK;
}

int bus_objects(struct mnctl *m, int timeout_ms, GDBusObjectManager **out)
{
	GAsyncResult *res = NULL;
	GError *e = NULL;
	int rc;

	*out = NULL;
	mnd_object_manager_client_new(m->conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
				      MNCTL_BUS_NAME, MNCTL_MANAGER_PATH, NULL, bus_store_result,
				      &res);
	if (!bus_wait(&res, timeout_ms))
		return bus_timed_out("listing mnd's anchors", timeout_ms);
	*out = mnd_object_manager_client_new_finish(res, &e);
	g_object_unref(res);
	if (!*out) {
		rc = bus_error(e, "listing mnd's anchors");
		g_error_free(e);
		return rc;
	}
	return MNCTL_EXIT_OK;
}

unsigned long bus_anchor_id(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	char *end;
	unsigned long n;

	if (!slash || !slash[1])
		return 0;
	n = strtoul(slash + 1, &end, 10);
	return *end ? 0 : n;
}

static gint bus_anchor_cmp(gconstpointer a, gconstpointer b)
{
	const char *pa = g_dbus_proxy_get_object_path(G_DBUS_PROXY(a));
	const char *pb = g_dbus_proxy_get_object_path(G_DBUS_PROXY(b));
	unsigned long na = bus_anchor_id(pa), nb = bus_anchor_id(pb);

	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp(pa, pb);
}

GList *bus_anchors(GDBusObjectManager *om)
{
	GList *objs = g_dbus_object_manager_get_objects(om), *out = NULL;

	for (GList *l = objs; l; l = l->next) {
		MndAnchor *a = mnd_object_get_anchor(MND_OBJECT(l->data));

		if (a)
			out = g_list_prepend(out, a);
	}
	g_list_free_full(objs, g_object_unref);
	return g_list_sort(out, bus_anchor_cmp);
}

MndAnchor *bus_anchor(GDBusObjectManager *om, const char *path)
{
	GDBusInterface *i;

	if (!om || !path || !g_variant_is_object_path(path))
		return NULL;
	i = g_dbus_object_manager_get_interface(om, path, MNCTL_ANCHOR_IFACE);
	return i ? MND_ANCHOR(i) : NULL;
}

struct bus_errmap {
	const char *name;
	int rc;
	const char *why;
};

static const struct bus_errmap bus_errors[] = {
	{"org.dmm.Mnd1.Error.NotFound", MNCTL_EXIT_NOT_FOUND, "not found"},
	{"org.dmm.Mnd1.Error.InvalidArgs", MNCTL_EXIT_USAGE, "invalid argument"},
	{"org.dmm.Mnd1.Error.NotSupported", MNCTL_EXIT_ERROR, "not supported"},
	{"org.dmm.Mnd1.Error.PermissionDenied", MNCTL_EXIT_DENIED, "permission denied"},
	{"org.dmm.Mnd1.Error.Failed", MNCTL_EXIT_ERROR, "failed"},
	{"org.freedesktop.DBus.Error.AccessDenied", MNCTL_EXIT_DENIED,
	 "permission denied by the bus policy"},
	{"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", MNCTL_EXIT_DENIED,
	 "permission denied (authorisation required)"},
	{"org.freedesktop.DBus.Error.ServiceUnknown", MNCTL_EXIT_NOT_RUNNING, "mnd is not running"},
	{"org.freedesktop.DBus.Error.NameHasNoOwner", MNCTL_EXIT_NOT_RUNNING, "mnd is not running"},
	{"org.freedesktop.DBus.Error.NoReply", MNCTL_EXIT_TIMEOUT, "no reply from mnd"},
	{"org.freedesktop.DBus.Error.Timeout", MNCTL_EXIT_TIMEOUT, "no reply from mnd"},
	{"org.freedesktop.DBus.Error.TimedOut", MNCTL_EXIT_TIMEOUT, "no reply from mnd"},
	{"org.freedesktop.DBus.Error.UnknownMethod", MNCTL_EXIT_ERROR,
	 "this mnd does not offer it (an older version?)"},
	{"org.freedesktop.DBus.Error.UnknownObject", MNCTL_EXIT_ERROR,
	 "this mnd does not offer it (an older version?)"},
	{"org.freedesktop.DBus.Error.UnknownInterface", MNCTL_EXIT_ERROR,
	 "this mnd does not offer it (an older version?)"},
	{"org.freedesktop.DBus.Error.UnknownProperty", MNCTL_EXIT_ERROR,
	 "this mnd does not offer it (an older version?)"},
};

int bus_error(const GError *e, const char *what)
{
	GError *copy;
	char *name;
	int rc = MNCTL_EXIT_ERROR;
	const char *why = NULL;

	if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
		mnctl_err("%s: no reply from mnd in time", what);
		return MNCTL_EXIT_TIMEOUT;
	}
	if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CLOSED)) {
		mnctl_err("%s: the bus connection closed", what);
		return MNCTL_EXIT_ERROR;
	}
	/* The D-Bus name, whether GDBus kept it as a remote error (ours are
	 * not registered here) or mapped it to a GError code (AccessDenied,
	 * ServiceUnknown...: encode gives the name back). */
	name = g_dbus_error_get_remote_error(e);
	if (!name)
		name = g_dbus_error_encode_gerror(e);
	for (size_t i = 0; i < G_N_ELEMENTS(bus_errors); i++)
		if (!strcmp(name, bus_errors[i].name)) {
			rc = bus_errors[i].rc;
			why = bus_errors[i].why;
			break;
		}
	copy = g_error_copy(e);
	g_dbus_error_strip_remote_error(copy);
	if (why && copy->message[0])
		mnctl_err("%s: %s: %s", what, why, copy->message);
	else if (why)
		mnctl_err("%s: %s", what, why);
	else
		mnctl_err("%s: %s", what, copy->message);
	g_error_free(copy);
	g_free(name);
	return rc;
}
