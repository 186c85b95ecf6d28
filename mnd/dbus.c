// SPDX-License-Identifier: BSD-3-Clause
/*
 * The D-Bus service org.dmm.Mnd1. The skeletons are generated from
 * dbus/org.dmm.Mnd1.xml; this file keeps them in step with the mobile node
 * (mn.h's view, on every change it reports) and answers the methods.
 *
 * Who may change things is checked twice: the bus policy
 * (org.dmm.Mnd1.conf) and here, from the caller's credentials as the bus
 * daemon reports them, so that a permissive or missing policy does not
 * open the mutating methods to everyone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "core/anchor.h"
#include "core/bul.h"
#include "dbus.h"
#include "log.h"
#include "mn.h"
#include "mnd-dbus-generated.h"

enum mdbus_error {
	MDBUS_ERROR_FAILED,
	MDBUS_ERROR_INVALID_ARGS,
	MDBUS_ERROR_NOT_FOUND,
	MDBUS_ERROR_NOT_SUPPORTED,
	MDBUS_ERROR_PERMISSION_DENIED,
};

static const GDBusErrorEntry mdbus_errors[] = {
	{MDBUS_ERROR_FAILED, MDBUS_NAME ".Error.Failed"},
	{MDBUS_ERROR_INVALID_ARGS, MDBUS_NAME ".Error.InvalidArgs"},
	{MDBUS_ERROR_NOT_FOUND, MDBUS_NAME ".Error.NotFound"},
	{MDBUS_ERROR_NOT_SUPPORTED, MDBUS_NAME ".Error.NotSupported"},
	{MDBUS_ERROR_PERMISSION_DENIED, MDBUS_NAME ".Error.PermissionDenied"},
};

static GQuark mdbus_error_quark(void)
{
	static gsize quark;

	g_dbus_error_register_error_domain("mnd-dbus-error-quark", &quark, mdbus_errors,
					   G_N_ELEMENTS(mdbus_errors));
	return (GQuark)quark;
}

#define MDBUS_ERROR mdbus_error_quark()

static struct {
	GDBusConnection *bus;
	GDBusObjectManagerServer *om;
	MndManager *manager;
	guint owner_id;
	mdbus_reload_fn reload;
	char *group;
	/* One object per anchor slot; `id` names its path and is never reused
	 * while we run, so a client cannot mistake a recycled slot for the
	 * DAR it knew. */
	MndObjectSkeleton *obj[ANCHOR_MAX];
	struct in6_addr prefix[ANCHOR_MAX];
	unsigned int next_id;
	char current_path[64];
} mdbus;

static const char *mdbus_addr(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : "";
}

/* ------------------------------------------------------------------ */
/* Anchors */

/* The Anchor skeleton, with LifetimeRemaining computed when it is read
 * (from Expires and the clock) rather than stored: a stored value would be
 * stale between refreshes, and refreshing it would mean a timer. It is
 * therefore never in PropertiesChanged (the XML says so). */
typedef struct {
	MndAnchorSkeleton parent;
} MdbusAnchor;
typedef struct {
	MndAnchorSkeletonClass parent_class;
} MdbusAnchorClass;

static GType mdbus_anchor_get_type(void);
G_DEFINE_TYPE(MdbusAnchor, mdbus_anchor, MND_TYPE_ANCHOR_SKELETON)

enum { MDBUS_ANCHOR_PROP_REMAINING = 1 };

static void mdbus_anchor_get_property(GObject *o, guint id, GValue *v, GParamSpec *ps)
{
	guint64 expires, now;

	if (id != MDBUS_ANCHOR_PROP_REMAINING) {
		G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
		return;
	}
	expires = mnd_anchor_get_expires(MND_ANCHOR(o));
	now = (guint64)g_get_monotonic_time();
	g_value_set_uint(v, expires > now ? (guint)((expires - now) / G_USEC_PER_SEC) : 0);
}

static void mdbus_anchor_set_property(GObject *o, guint id, const GValue *v, GParamSpec *ps)
{
	/* Computed: nothing to store. */
}

static void mdbus_anchor_class_init(MdbusAnchorClass *c)
{
	GObjectClass *oc = G_OBJECT_CLASS(c);

	oc->get_property = mdbus_anchor_get_property;
	oc->set_property = mdbus_anchor_set_property;
	g_object_class_override_property(oc, MDBUS_ANCHOR_PROP_REMAINING, "lifetime-remaining");
}

static void mdbus_anchor_init(MdbusAnchor *a)
{
}

static guint mdbus_role(enum anchor_role r)
{
	switch (r) {
	case ANCHOR_CURRENT:
		return 1;
	case ANCHOR_KEPT:
		return 2;
	case ANCHOR_RELEASED:
		return 3;
	case ANCHOR_HOME_AGAIN:
		return 4;
	}
	return 0;
}

static guint mdbus_binding_state(const struct anchor *a)
{
	if (!a->bul_active)
		return 1;
	switch (a->bul.state) {
	case BUL_IDLE:
	case BUL_REGISTERING:
		return 2;
	case BUL_BOUND:
		return 3;
	case BUL_DEREGISTERING:
		return 4;
	case BUL_DONE:
		return 1;
	case BUL_FAILED:
		return 5;
	}
	return 0;
}

static void mdbus_anchor_fill(MndAnchor *o, const struct anchor *a)
{
	const struct bul_entry *b = &a->bul;
	bool bound = a->bul_active && b->expires_at != BUL_NEVER;
	char buf[INET6_ADDRSTRLEN], pfx[INET6_ADDRSTRLEN + 8];

	mnd_anchor_set_dar(o, mdbus_addr(&a->dar, buf));
	snprintf(pfx, sizeof(pfx), "%s/%u", mdbus_addr(&a->prefix, buf), a->plen);
	mnd_anchor_set_prefix(o, pfx);
	mnd_anchor_set_is_dar(o, a->is_dar);
	mnd_anchor_set_address(o, a->have_addr ? mdbus_addr(&a->addr, buf) : "");
	mnd_anchor_set_role(o, mdbus_role(a->role));
	mnd_anchor_set_pin(o, (guint)a->pin);
	mnd_anchor_set_binding_state(o, mdbus_binding_state(a));
	mnd_anchor_set_care_of_address(o, a->bul_active ? mdbus_addr(&b->coa, buf) : "");
	mnd_anchor_set_sequence(o, a->bul_active ? b->seq : 0);
	mnd_anchor_set_lifetime_granted(o, a->bul_active ? b->lifetime_granted : 0);
	mnd_anchor_set_expires(o, bound ? b->expires_at * 1000 : 0);
	mnd_anchor_set_last_acknowledgement(o, a->bul_active ? b->acked_at * 1000 : 0);
	mnd_anchor_set_last_status(o, a->bul_active ? b->last_status : 0);
	mnd_anchor_set_tunnel_backend(o, a->tunnel_up ? mn_backend_name() : "");
	mnd_anchor_set_tunnel_device(o, a->tunnel_up ? a->tunnel_dev : "");
	mnd_anchor_set_flows(o, a->role == ANCHOR_KEPT ? mn_anchor_flows(a) : 0);
}

static void mdbus_anchor_remove(unsigned int slot)
{
	MndObjectSkeleton *o = mdbus.obj[slot];
	char *path;

	if (!o)
		return;
	path = g_strdup(g_dbus_object_get_object_path(G_DBUS_OBJECT(o)));
	g_dbus_object_manager_server_unexport(mdbus.om, path);
	mnd_manager_emit_anchor_removed(mdbus.manager, path);
	g_object_unref(o);
	mdbus.obj[slot] = NULL;
	g_free(path);
}

static void mdbus_anchor_add(const struct anchor *a)
{
	char path[64];
	MndObjectSkeleton *o;
	MndAnchor *i;

	snprintf(path, sizeof(path), MDBUS_PATH "/Anchor/%u", mdbus.next_id++);
	o = mnd_object_skeleton_new(path);
	i = MND_ANCHOR(g_object_new(mdbus_anchor_get_type(), NULL));
	mdbus_anchor_fill(i, a);
	mnd_object_skeleton_set_anchor(o, i);
	g_object_unref(i);
	g_dbus_object_manager_server_export(mdbus.om, G_DBUS_OBJECT_SKELETON(o));
	mdbus.obj[a->slot] = o;
	mdbus.prefix[a->slot] = a->prefix;
	mnd_manager_emit_anchor_added(mdbus.manager, path);
}

static const char *mdbus_anchor_path(const struct anchor *a)
{
	if (!a || a->slot >= ANCHOR_MAX || !mdbus.obj[a->slot])
		return "/";
	return g_dbus_object_get_object_path(G_DBUS_OBJECT(mdbus.obj[a->slot]));
}

/* Bring every object in line with the node; the generated setters emit
 * PropertiesChanged only for what really changed. */
static void mdbus_sync(void)
{
	const struct anchor_table *t = mn_anchors();

	if (!mdbus.manager)
		return;
	for (unsigned int s = 0; s < ANCHOR_MAX; s++) {
		const struct anchor *a = &t->a[s];

		if (mdbus.obj[s] &&
		    (!a->used || memcmp(&mdbus.prefix[s], &a->prefix, sizeof(a->prefix)) != 0))
			mdbus_anchor_remove(s);
		if (!a->used)
			continue;
		if (!mdbus.obj[s]) {
			mdbus_anchor_add(a);
		} else {
			MndAnchor *i = mnd_object_get_anchor(MND_OBJECT(mdbus.obj[s]));

			mdbus_anchor_fill(i, a);
			g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(i));
			g_object_unref(i);
		}
	}
	mnd_manager_set_state(mdbus.manager, (guint)mn_state());
	mnd_manager_set_interface(mdbus.manager, mn_ifname());
	mnd_manager_set_current_anchor(mdbus.manager, mdbus_anchor_path(mn_current()));
	mnd_manager_set_backend(mdbus.manager, mn_backend_name());
	mnd_manager_set_backend_reason(mdbus.manager, mn_backend_reason());
	mnd_manager_set_handovers(mdbus.manager, mn_handovers());
	mnd_manager_set_last_handover_duration(mdbus.manager, mn_last_handover_ms());
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(mdbus.manager));
}

static void mdbus_on_changed(void *user)
{
	mdbus_sync();
}

static void mdbus_on_started(void *user, const struct mn_handover_info *h)
{
	mdbus_sync(); /* the new anchor has its object before it is named */
	mnd_manager_emit_handover_started(mdbus.manager, h->seq, mdbus_anchor_path(h->from),
					  mdbus_anchor_path(h->to), h->kept, h->released);
}

static void mdbus_on_completed(void *user, const struct mn_handover_info *h)
{
	mdbus_sync();
	mnd_manager_emit_handover_completed(mdbus.manager, h->seq, h->duration_ms, h->kept,
					    h->released, h->addr_ms);
}

static const struct mn_observer mdbus_observer = {
	.changed = mdbus_on_changed,
	.handover_started = mdbus_on_started,
	.handover_completed = mdbus_on_completed,
};

/* ------------------------------------------------------------------ */
/* Who may change things: root, or a member of the configured group. */

typedef void (*mdbus_authorized_fn)(GDBusMethodInvocation *inv);

struct mdbus_auth {
	GDBusMethodInvocation *inv;
	mdbus_authorized_fn fn;
};

static bool mdbus_uid_in_group(guint32 uid, GVariant *gids)
{
	struct group *gr;
	struct passwd *pw;
	gid_t list[256];
	int n = G_N_ELEMENTS(list);

	if (!mdbus.group || !*mdbus.group || !(gr = getgrnam(mdbus.group)))
		return false;
	if (gids) {
		GVariantIter it;
		guint32 g;

		g_variant_iter_init(&it, gids);
		while (g_variant_iter_next(&it, "u", &g))
			if (g == gr->gr_gid)
				return true;
		return false;
	}
	/* An older bus daemon gives no group list: ask the user database. */
	pw = getpwuid(uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, list, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (list[i] == gr->gr_gid)
			return true;
	return false;
}

static void mdbus_auth_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct mdbus_auth *au = data;
	GError *e = NULL;
	GVariant *reply, *creds, *v, *gids;
	guint32 uid = G_MAXUINT32;
	bool ok = false;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
	if (reply) {
		creds = g_variant_get_child_value(reply, 0);
		v = g_variant_lookup_value(creds, "UnixUserID", G_VARIANT_TYPE_UINT32);
		gids = g_variant_lookup_value(creds, "UnixGroupIDs", G_VARIANT_TYPE("au"));
		if (v) {
			uid = g_variant_get_uint32(v);
			ok = uid == 0 || mdbus_uid_in_group(uid, gids);
			g_variant_unref(v);
		}
		if (gids)
			g_variant_unref(gids);
		g_variant_unref(creds);
		g_variant_unref(reply);
	}
	if (ok) {
		au->fn(au->inv);
	} else {
		log_warn("dbus-denied method=%s sender=%s uid=%d%s%s",
			 g_dbus_method_invocation_get_method_name(au->inv),
			 g_dbus_method_invocation_get_sender(au->inv),
			 uid == G_MAXUINT32 ? -1 : (int)uid, e ? " error=" : "",
			 e ? e->message : "");
		g_dbus_method_invocation_return_error(
			au->inv, MDBUS_ERROR, MDBUS_ERROR_PERMISSION_DENIED,
			"only root and members of group '%s' may call %s",
			mdbus.group ? mdbus.group : "",
			g_dbus_method_invocation_get_method_name(au->inv));
	}
	if (e)
		g_error_free(e);
	g_object_unref(au->inv);
	g_free(au);
}

static void mdbus_authorize(GDBusMethodInvocation *inv, mdbus_authorized_fn fn)
{
	struct mdbus_auth *au = g_new0(struct mdbus_auth, 1);

	au->inv = g_object_ref(inv);
	au->fn = fn;
	g_dbus_connection_call(
		g_dbus_method_invocation_get_connection(inv), "org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionCredentials",
		g_variant_new("(s)", g_dbus_method_invocation_get_sender(inv)),
		G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, mdbus_auth_done, au);
}

/* ------------------------------------------------------------------ */
/* Methods */

static void mdbus_do_reload(GDBusMethodInvocation *inv)
{
	char *error = NULL;

	if (!mdbus.reload || mdbus.reload(&error) < 0) {
		g_dbus_method_invocation_return_error(inv, MDBUS_ERROR, MDBUS_ERROR_FAILED, "%s",
						      error ? error : "reload is not possible");
		g_free(error);
		return;
	}
	mnd_manager_complete_reload(mdbus.manager, inv);
}

static gboolean mdbus_on_reload(MndManager *m, GDBusMethodInvocation *inv, gpointer data)
{
	mdbus_authorize(inv, mdbus_do_reload);
	return TRUE;
}

static void mdbus_do_pin(GDBusMethodInvocation *inv)
{
	GVariant *params = g_dbus_method_invocation_get_parameters(inv);
	bool keep = !strcmp(g_dbus_method_invocation_get_method_name(inv), "KeepAddress");
	const char *txt = NULL;
	struct in6_addr addr;
	int rc;

	g_variant_get(params, "(&s)", &txt);
	if (inet_pton(AF_INET6, txt, &addr) != 1) {
		g_dbus_method_invocation_return_error(inv, MDBUS_ERROR, MDBUS_ERROR_INVALID_ARGS,
						      "'%s' is not an IPv6 address", txt);
		return;
	}
	rc = mn_pin(&addr, keep ? ANCHOR_PIN_KEEP : ANCHOR_PIN_RELEASE);
	if (rc == -ENOENT)
		g_dbus_method_invocation_return_error(inv, MDBUS_ERROR, MDBUS_ERROR_NOT_FOUND,
						      "%s is not one of our addresses", txt);
	else if (rc == -EOPNOTSUPP)
		g_dbus_method_invocation_return_error(
			inv, MDBUS_ERROR, MDBUS_ERROR_NOT_SUPPORTED,
			"%s was formed under a router that is not a DAR: it cannot be kept", txt);
	else if (keep)
		mnd_manager_complete_keep_address(mdbus.manager, inv);
	else
		mnd_manager_complete_release_address(mdbus.manager, inv);
}

static gboolean mdbus_on_pin(MndManager *m, GDBusMethodInvocation *inv, const gchar *addr,
			     gpointer data)
{
	mdbus_authorize(inv, mdbus_do_pin);
	return TRUE;
}

static void mdbus_do_notify(GDBusMethodInvocation *inv)
{
	const char *ifname = NULL, *event = NULL;

	g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&s&s)", &ifname, &event);
	if (strlen(ifname) > 15 || strlen(event) > 64) {
		g_dbus_method_invocation_return_error(inv, MDBUS_ERROR, MDBUS_ERROR_INVALID_ARGS,
						      "interface or event name too long");
		return;
	}
	mnd_manager_complete_notify(mdbus.manager, inv);
	mn_hint(ifname, event);
}

static gboolean mdbus_on_notify(MndManager *m, GDBusMethodInvocation *inv, const gchar *ifname,
				const gchar *event, gpointer data)
{
	mdbus_authorize(inv, mdbus_do_notify);
	return TRUE;
}

static const char *mdbus_tcp_state(uint8_t st)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "established",
		[TCP_SYN_SENT] = "syn-sent",
		[TCP_SYN_RECV] = "syn-recv",
		[TCP_FIN_WAIT1] = "fin-wait-1",
		[TCP_FIN_WAIT2] = "fin-wait-2",
		[TCP_TIME_WAIT] = "time-wait",
		[TCP_CLOSE] = "close",
		[TCP_CLOSE_WAIT] = "close-wait",
		[TCP_LAST_ACK] = "last-ack",
		[TCP_LISTEN] = "listen",
		[TCP_CLOSING] = "closing",
	};

	return st < G_N_ELEMENTS(names) && names[st] ? names[st] : "unknown";
}

static void mdbus_flow_one(void *user, const struct anchor *a, const struct sd_sock *s,
			   enum keep_mode mode, const char *why)
{
	GVariantBuilder *b = user, d;
	char buf[INET6_ADDRSTRLEN];
	bool tcp = s->proto == IPPROTO_TCP;

	g_variant_builder_init(&d, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&d, "{sv}", "cookie", g_variant_new_uint64(s->cookie));
	g_variant_builder_add(&d, "{sv}", "protocol", g_variant_new_string(tcp ? "tcp" : "udp"));
	g_variant_builder_add(&d, "{sv}", "local", g_variant_new_string(mdbus_addr(&s->src, buf)));
	g_variant_builder_add(&d, "{sv}", "local-port", g_variant_new_uint16(s->sport));
	g_variant_builder_add(&d, "{sv}", "remote", g_variant_new_string(mdbus_addr(&s->dst, buf)));
	g_variant_builder_add(&d, "{sv}", "remote-port", g_variant_new_uint16(s->dport));
	g_variant_builder_add(&d, "{sv}", "state",
			      g_variant_new_string(tcp ? mdbus_tcp_state(s->state)
						   : s->state == TCP_ESTABLISHED ? "connected"
										 : "unconnected"));
	g_variant_builder_add(&d, "{sv}", "uid", g_variant_new_uint32(s->uid));
	g_variant_builder_add(&d, "{sv}", "anchor",
			      g_variant_new_object_path(mdbus_anchor_path(a)));
	g_variant_builder_add(&d, "{sv}", "mode", g_variant_new_string(keep_mode_name(mode)));
	g_variant_builder_add(&d, "{sv}", "why", g_variant_new_string(why ? why : ""));
	g_variant_builder_add_value(b, g_variant_builder_end(&d));
}

static gboolean mdbus_on_list_flows(MndManager *m, GDBusMethodInvocation *inv, gpointer data)
{
	GVariantBuilder b;
	int rc;

	g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
	rc = mn_list_flows(mdbus_flow_one, &b);
	if (rc < 0) {
		g_variant_builder_clear(&b);
		g_dbus_method_invocation_return_error(inv, MDBUS_ERROR, MDBUS_ERROR_FAILED,
						      "sock_diag: %s", g_strerror(-rc));
		return TRUE;
	}
	mnd_manager_complete_list_flows(m, inv, g_variant_builder_end(&b));
	return TRUE;
}

/* ------------------------------------------------------------------ */
/* Name, start and stop */

static void mdbus_name_acquired(GDBusConnection *c, const gchar *name, gpointer data)
{
	log_info("dbus-name-acquired name=%s", name);
}

static void mdbus_name_lost(GDBusConnection *c, const gchar *name, gpointer data)
{
	/* The data plane does not depend on the bus: keep running. */
	log_err("dbus-name-lost name=%s: the D-Bus API is unavailable (another mnd, or the bus "
		"policy does not let us own it)",
		name);
}

void mdbus_set_group(const char *group)
{
	g_free(mdbus.group);
	mdbus.group = g_strdup(group);
}

void mdbus_init(GDBusConnection *bus, const char *group, mdbus_reload_fn reload)
{
	GError *e = NULL;

	(void)mdbus_error_quark();
	mdbus.bus = g_object_ref(bus);
	mdbus.reload = reload;
	mdbus_set_group(group);
	mdbus.om = g_dbus_object_manager_server_new(MDBUS_PATH);
	mdbus.manager = mnd_manager_skeleton_new();
	mnd_manager_set_version(mdbus.manager, PACKAGE_VERSION);
	g_signal_connect(mdbus.manager, "handle-reload", G_CALLBACK(mdbus_on_reload), NULL);
	g_signal_connect(mdbus.manager, "handle-keep-address", G_CALLBACK(mdbus_on_pin), NULL);
	g_signal_connect(mdbus.manager, "handle-release-address", G_CALLBACK(mdbus_on_pin), NULL);
	g_signal_connect(mdbus.manager, "handle-list-flows", G_CALLBACK(mdbus_on_list_flows), NULL);
	g_signal_connect(mdbus.manager, "handle-notify", G_CALLBACK(mdbus_on_notify), NULL);
	mdbus_sync();
	mn_set_observer(&mdbus_observer, NULL);
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(mdbus.manager), bus,
					      MDBUS_PATH, &e)) {
		log_err("dbus-export-failed path=%s error=%s", MDBUS_PATH, e->message);
		g_error_free(e);
	}
	g_dbus_object_manager_server_set_connection(mdbus.om, bus);
	/* Every object is exported: now the name (readiness for systemd). */
	mdbus.owner_id =
		g_bus_own_name_on_connection(bus, MDBUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
					     mdbus_name_acquired, mdbus_name_lost, NULL, NULL);
}

void mdbus_fini(void)
{
	if (!mdbus.bus)
		return;
	mn_set_observer(NULL, NULL);
	/* Say goodbye while we still own the name, so that a client that
	 * follows it sees every object go. */
	mnd_manager_set_state(mdbus.manager, MN_STATE_STOPPING);
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(mdbus.manager));
	for (unsigned int s = 0; s < ANCHOR_MAX; s++)
		mdbus_anchor_remove(s);
	if (mdbus.owner_id)
		g_bus_unown_name(mdbus.owner_id);
	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(mdbus.manager));
	g_object_unref(mdbus.manager);
	g_dbus_object_manager_server_set_connection(mdbus.om, NULL);
	g_object_unref(mdbus.om);
	g_free(mdbus.group);
	g_object_unref(mdbus.bus);
	memset(&mdbus, 0, sizeof(mdbus));
}
