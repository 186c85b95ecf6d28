// SPDX-License-Identifier: BSD-3-Clause
/*
 * NetworkManager hints over plain GDBus: four signals and one property are
 * all mnd needs, so no libnm and no generated proxies.
 *
 * The signals are subscribed once, for NM's well-known name, so that none
 * is lost between NM appearing and the name watcher telling us; the watcher
 * only (re)fills the caches: the manager's State and Connectivity (to drop
 * repeats: the mock and NM announce one change by several signals) and the
 * interface name of each device object path. Every call is asynchronous;
 * each carries an id, not a pointer, so that a reply arriving after NM
 * vanished or after nm_fini finds nothing to touch.
 */
#include <net/if.h>
#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "nm.h"

#define NM_NAME "org.freedesktop.NetworkManager"
#define NM_PATH "/org/freedesktop/NetworkManager"
#define NM_IFACE "org.freedesktop.NetworkManager"
#define NM_DEVICE_IFACE "org.freedesktop.NetworkManager.Device"
#define NM_PROPS_IFACE "org.freedesktop.DBus.Properties"

#define NM_CALL_TIMEOUT_MS 5000
#define NM_MAX_DEVICES 256 /* bounds both tables whatever the bus sends */
#define NM_MAX_WAITING 4   /* events kept per device while its name is read */
#define NM_UNKNOWN G_MAXUINT32

/* NMDeviceState values that matter for attachment (nm-dbus-interface.h). */
enum {
	NM_DEVICE_STATE_DISCONNECTED = 30,
	NM_DEVICE_STATE_IP_CONFIG = 70,
	NM_DEVICE_STATE_IP_CHECK = 80,
	NM_DEVICE_STATE_ACTIVATED = 100,
};

/* A device whose interface name is being read, and the hints waiting for it. */
struct nm_lookup {
	char *path;
	const char *events[NM_MAX_WAITING]; /* string literals */
	unsigned int n;
	const char *prop; /* being read: "IpInterface", then "Interface" */
};

static struct {
	GDBusConnection *bus;
	nm_hint_fn hint;
	guint watch;
	guint subs[3];
	GCancellable *cancel; /* in-flight calls; replaced when NM vanishes */
	GHashTable *ifnames;  /* device path -> interface name */
	GHashTable *lookups;  /* call id -> struct nm_lookup */
	guint next_id;
	guint32 state, connectivity; /* NM_UNKNOWN until read or signalled */
} nm;

static void nm_lookup_free(gpointer p)
{
	struct nm_lookup *l = p;

	g_free(l->path);
	g_free(l);
}

static void nm_emit(const char *ifname, const char *event, const char *from)
{
	log_debug("nm-hint if=%s event=%s from=%s", ifname ? ifname : "any", event, from);
	nm.hint(ifname, event);
}

/* The name goes into log lines and is compared with ours: a kernel name only. */
static bool nm_ifname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] == '/' || s[i] == 0x7f)
			return false;
	return true;
}

/* Which device transitions may change where we are attached. */
static const char *nm_device_event(guint32 new_state, guint32 old_state)
{
	if (new_state == old_state)
		return NULL;
	switch (new_state) {
	case NM_DEVICE_STATE_ACTIVATED:
		return "device-activated";
	case NM_DEVICE_STATE_IP_CONFIG:
		return "device-ip-config";
	case NM_DEVICE_STATE_IP_CHECK:
		return "device-ip-check";
	}
	/* DISCONNECTED, UNAVAILABLE (carrier lost), UNMANAGED */
	if (new_state <= NM_DEVICE_STATE_DISCONNECTED)
		return "device-disconnected";
	if (old_state == NM_DEVICE_STATE_ACTIVATED)
		return "device-deactivated"; /* DEACTIVATING, FAILED, ... */
	return NULL;
}

static void nm_on_interface(GObject *src, GAsyncResult *res, gpointer data);

/* Read one name property of the device `l` is waiting for. */
static void nm_read_name(struct nm_lookup *l, gpointer id, const char *prop)
{
	l->prop = prop;
	g_dbus_connection_call(nm.bus, NM_NAME, l->path, NM_PROPS_IFACE, "Get",
			       g_variant_new("(ss)", NM_DEVICE_IFACE, prop), G_VARIANT_TYPE("(v)"),
			       G_DBUS_CALL_FLAGS_NO_AUTO_START, NM_CALL_TIMEOUT_MS, nm.cancel,
			       nm_on_interface, id);
}

static void nm_on_interface(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
	struct nm_lookup *l;
	const char *ifname = NULL;
	GVariant *v = NULL;

	/* Cancelled (NM vanished, nm_fini): the tables may be gone. */
	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_error_free(err);
		return;
	}
	l = g_hash_table_lookup(nm.lookups, data);
	if (!l)
		goto out;
	if (reply) {
		g_variant_get(reply, "(v)", &v); /* the reply type was checked by GDBus */
		if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) &&
		    nm_ifname_ok(g_variant_get_string(v, NULL)))
			ifname = g_variant_get_string(v, NULL);
	} else {
		log_debug("nm-device path=%s %s-unknown error=%s", l->path, l->prop, err->message);
	}
	/* IpInterface is where the addresses live (a modem's wwan0 under its
	 * ttyUSB2 Interface), the name mnd manages; NM leaves it empty on a
	 * device without IP configuration: then Interface. */
	if (!ifname && !strcmp(l->prop, "IpInterface")) {
		nm_read_name(l, data, "Interface");
		goto out;
	}
	if (ifname && g_hash_table_size(nm.ifnames) < NM_MAX_DEVICES)
		g_hash_table_replace(nm.ifnames, g_strdup(l->path), g_strdup(ifname));
	/* Unknown name: still a hint, for any interface. */
	for (unsigned int i = 0; i < l->n; i++)
		nm_emit(ifname, l->events[i], l->path);
	g_hash_table_remove(nm.lookups, data);
out:
	if (v)
		g_variant_unref(v);
	if (reply)
		g_variant_unref(reply);
	g_clear_error(&err);
}

/* Hint `event` (NULL: only fill the cache) for the device at `path` once its
 * interface name is known: at once from the cache, else after reading it. */
static void nm_device_hint(const char *path, const char *event)
{
	const char *ifname = g_hash_table_lookup(nm.ifnames, path);
	struct nm_lookup *l;
	GHashTableIter it;
	gpointer id;

	if (ifname) {
		if (event)
			nm_emit(ifname, event, path);
		return;
	}
	g_hash_table_iter_init(&it, nm.lookups);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&l)) {
		if (strcmp(l->path, path))
			continue;
		if (event && l->n < NM_MAX_WAITING)
			l->events[l->n++] = event;
		return;
	}
	if (g_hash_table_size(nm.lookups) >= NM_MAX_DEVICES) {
		if (event)
			nm_emit(NULL, event, path);
		return;
	}
	l = g_new0(struct nm_lookup, 1);
	l->path = g_strdup(path);
	if (event)
		l->events[l->n++] = event;
	if (++nm.next_id == 0) /* 0 is never an id */
		nm.next_id = 1;
	id = GUINT_TO_POINTER(nm.next_id);
	g_hash_table_insert(nm.lookups, id, l);
	nm_read_name(l, id, "IpInterface");
}

static void nm_on_device_state(GDBusConnection *bus, const char *sender, const char *path,
			       const char *iface, const char *member, GVariant *params,
			       gpointer data)
{
	guint32 new_state, old_state, reason;
	const char *event;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uuu)")))
		return;
	g_variant_get(params, "(uuu)", &new_state, &old_state, &reason);
	event = nm_device_event(new_state, old_state);
	log_debug("nm-device path=%s state=%u old=%u reason=%u%s%s", path, new_state, old_state,
		  reason, event ? " hint=" : "", event ? event : "");
	if (event)
		nm_device_hint(path, event);
}

/* A manager value from any of the signals that carry it: hint on a change. */
static void nm_manager_value(guint32 *cache, GVariant *v, const char *name, const char *event,
			     bool quiet)
{
	guint32 val;

	if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
		return;
	val = g_variant_get_uint32(v);
	if (val == *cache)
		return;
	log_debug("nm-manager %s=%u old=%d", name, val, *cache == NM_UNKNOWN ? -1 : (int)*cache);
	*cache = val;
	if (!quiet)
		nm_emit(NULL, event, "manager");
}

/* State and Connectivity from a property dictionary (a{sv}). */
static void nm_manager_props(GVariant *dict, bool quiet)
{
	GVariant *v;

	v = g_variant_lookup_value(dict, "State", G_VARIANT_TYPE_UINT32);
	nm_manager_value(&nm.state, v, "state", "state-change", quiet);
	if (v)
		g_variant_unref(v);
	v = g_variant_lookup_value(dict, "Connectivity", G_VARIANT_TYPE_UINT32);
	nm_manager_value(&nm.connectivity, v, "connectivity", "connectivity-change", quiet);
	if (v)
		g_variant_unref(v);
}

static void nm_on_manager_signal(GDBusConnection *bus, const char *sender, const char *path,
				 const char *iface, const char *member, GVariant *params,
				 gpointer data)
{
	const char *dev;
	GVariant *v;

	if (!strcmp(member, "StateChanged") &&
	    g_variant_is_of_type(params, G_VARIANT_TYPE("(u)"))) {
		v = g_variant_get_child_value(params, 0);
		nm_manager_value(&nm.state, v, "state", "state-change", false);
		g_variant_unref(v);
	} else if (!strcmp(member, "PropertiesChanged") &&
		   g_variant_is_of_type(params, G_VARIANT_TYPE("(a{sv})"))) {
		/* NM's own (older) form of PropertiesChanged; the mock sends it too. */
		v = g_variant_get_child_value(params, 0);
		nm_manager_props(v, false);
		g_variant_unref(v);
	} else if ((!strcmp(member, "DeviceAdded") || !strcmp(member, "DeviceRemoved")) &&
		   g_variant_is_of_type(params, G_VARIANT_TYPE("(o)"))) {
		/* A path may be reused for another device: read its name again. */
		g_variant_get(params, "(&o)", &dev);
		log_debug("nm-device path=%s %s", dev, member[6] == 'A' ? "added" : "removed");
		g_hash_table_remove(nm.ifnames, dev);
		if (member[6] == 'A')
			nm_device_hint(dev, NULL);
	}
}

static void nm_on_props_changed(GDBusConnection *bus, const char *sender, const char *path,
				const char *iface, const char *member, GVariant *params,
				gpointer data)
{
	const char *name;
	GVariant *dict;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	g_variant_get(params, "(&s@a{sv}@as)", &name, &dict, NULL);
	if (!strcmp(name, NM_IFACE))
		nm_manager_props(dict, false);
	g_variant_unref(dict);
}

static void nm_on_manager_all(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
	GVariant *dict, *devs;
	GVariantIter it;
	const char *dev;
	unsigned int n = 0;

	if (!reply) {
		if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			log_debug("nm-manager error=%s", err->message);
		g_error_free(err);
		return;
	}
	dict = g_variant_get_child_value(reply, 0); /* (a{sv}), checked by GDBus */
	/* The values NM starts with are no news: cache them without a hint. */
	nm_manager_props(dict, true);
	devs = g_variant_lookup_value(dict, "Devices", G_VARIANT_TYPE_OBJECT_PATH_ARRAY);
	if (devs) {
		g_variant_iter_init(&it, devs);
		while (n++ < NM_MAX_DEVICES && g_variant_iter_next(&it, "&o", &dev))
			nm_device_hint(dev, NULL);
		g_variant_unref(devs);
	}
	g_variant_unref(dict);
	g_variant_unref(reply);
}

/* Forget everything NM told us and drop the calls in flight. */
static void nm_forget(void)
{
	g_cancellable_cancel(nm.cancel);
	g_object_unref(nm.cancel);
	nm.cancel = g_cancellable_new();
	g_hash_table_remove_all(nm.ifnames);
	g_hash_table_remove_all(nm.lookups);
	nm.state = nm.connectivity = NM_UNKNOWN;
}

static void nm_on_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
	log_info("nm-present owner=%s: its device and connectivity signals are hints", owner);
	/* Prefetch the device names so that the first hint needs no round trip. */
	g_dbus_connection_call(bus, NM_NAME, NM_PATH, NM_PROPS_IFACE, "GetAll",
			       g_variant_new("(s)", NM_IFACE), G_VARIANT_TYPE("(a{sv})"),
			       G_DBUS_CALL_FLAGS_NO_AUTO_START, NM_CALL_TIMEOUT_MS, nm.cancel,
			       nm_on_manager_all, NULL);
}

/* Called once at start when NM is not there, and whenever it leaves. */
static void nm_on_vanished(GDBusConnection *bus, const char *name, gpointer data)
{
	log_info("nm-absent: no NetworkManager on the bus, netlink only");
	nm_forget();
}

void nm_init(GDBusConnection *bus, nm_hint_fn hint)
{
	if (!bus || !hint || nm.bus)
		return;
	nm.bus = g_object_ref(bus);
	nm.hint = hint;
	nm.cancel = g_cancellable_new();
	nm.ifnames = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	nm.lookups = g_hash_table_new_full(NULL, NULL, NULL, nm_lookup_free);
	nm.state = nm.connectivity = NM_UNKNOWN;
	nm.subs[0] = g_dbus_connection_signal_subscribe(
		bus, NM_NAME, NM_DEVICE_IFACE, "StateChanged", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
		nm_on_device_state, NULL, NULL);
	nm.subs[1] = g_dbus_connection_signal_subscribe(bus, NM_NAME, NM_IFACE, NULL, NM_PATH, NULL,
							G_DBUS_SIGNAL_FLAGS_NONE,
							nm_on_manager_signal, NULL, NULL);
	nm.subs[2] = g_dbus_connection_signal_subscribe(
		bus, NM_NAME, NM_PROPS_IFACE, "PropertiesChanged", NM_PATH, NM_IFACE,
		G_DBUS_SIGNAL_FLAGS_NONE, nm_on_props_changed, NULL, NULL);
	nm.watch = g_bus_watch_name_on_connection(bus, NM_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
						  nm_on_appeared, nm_on_vanished, NULL, NULL);
}

void nm_fini(void)
{
	if (!nm.bus)
		return;
	g_bus_unwatch_name(nm.watch);
	for (unsigned int i = 0; i < G_N_ELEMENTS(nm.subs); i++)
		if (nm.subs[i])
			g_dbus_connection_signal_unsubscribe(nm.bus, nm.subs[i]);
	/* Replies still on their way see CANCELLED and touch nothing. */
	g_cancellable_cancel(nm.cancel);
	g_object_unref(nm.cancel);
	g_hash_table_destroy(nm.ifnames);
	g_hash_table_destroy(nm.lookups);
	g_object_unref(nm.bus);
	memset(&nm, 0, sizeof(nm));
}
