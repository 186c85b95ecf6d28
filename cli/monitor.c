// SPDX-License-Identifier: BSD-3-Clause
/*
 * mnctl monitor: one line per event, until SIGINT or SIGTERM (exit 0).
 *
 * Events come from the Manager proxy (its signals and PropertiesChanged)
 * and from the ObjectManager client (PropertiesChanged of every Anchor);
 * both follow the name, so mnd stopping and starting again is seen and
 * the monitor keeps running across it. It may be started before mnd.
 *
 * Each event is a list of fields rendered three ways: text
 * ("TIME EVENT key=value ..."), terse ("EPOCH:EVENT:key=value:...") and
 * one JSON object per line.
 */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "mnctl.h"
#include "table.h"

enum mon_kind {
	MON_STR,
	MON_UINT,
	MON_INT,
	MON_BOOL,
	MON_NULL,
};

struct mon_field {
	char *key;
	enum mon_kind kind;
	char *s;
	guint64 u;
	gint64 i;
	bool b;
	char *text; /* how the text line shows it, if not derived from the value */
};

struct mon_event {
	const char *name;
	GArray *fields; /* struct mon_field */
};

struct mon {
	struct mnctl *m;
	MndManager *mgr;
	GDBusObjectManager *om;
	GMainLoop *loop;
	GHashTable *dars; /* anchor path -> DAR, kept after the anchor goes */
	char *owner;      /* the unique name announced last, NULL: not running */
	int rc;
};

/* ------------------------------------------------------------------ */
/* Events and their three renderings */

static void mon_event_init(struct mon_event *ev, const char *name)
{
	ev->name = name;
	ev->fields = g_array_new(FALSE, TRUE, sizeof(struct mon_field));
}

static struct mon_field *mon_add(struct mon_event *ev, const char *key, enum mon_kind kind)
{
	struct mon_field f = {.key = g_strdup(key), .kind = kind};

	g_array_append_val(ev->fields, f);
	return &g_array_index(ev->fields, struct mon_field, ev->fields->len - 1);
}

static void mon_str(struct mon_event *ev, const char *key, const char *s)
{
	if (s)
		mon_add(ev, key, MON_STR)->s = g_strdup(s);
	else
		mon_add(ev, key, MON_NULL);
}

static void mon_uint(struct mon_event *ev, const char *key, guint64 v)
{
	mon_add(ev, key, MON_UINT)->u = v;
}

/* A number that reads better with its unit in text: "142ms". */
static void mon_ms(struct mon_event *ev, const char *key, guint64 v)
{
	struct mon_field *f = mon_add(ev, key, MON_UINT);

	f->u = v;
	f->text = g_strdup_printf("%llums", (unsigned long long)v);
}

static char *mon_text_value(const struct mon_field *f)
{
	if (f->text)
		return g_strdup(f->text);
	switch (f->kind) {
	case MON_STR:
		/* Quote what would not read as one word. */
		if (!*f->s || strpbrk(f->s, " \t\"\\=") || !g_utf8_validate(f->s, -1, NULL)) {
			char *e = g_strescape(f->s, NULL), *q = g_strdup_printf("\"%s\"", e);

			g_free(e);
			return q;
		}
		return g_strdup(f->s);
	case MON_UINT:
		return g_strdup_printf("%llu", (unsigned long long)f->u);
	case MON_INT:
		return g_strdup_printf("%lld", (long long)f->i);
	case MON_BOOL:
		return g_strdup(f->b ? "yes" : "no");
	case MON_NULL:
		break;
	}
	return g_strdup("-");
}

static void mon_emit(struct mon *mon, struct mon_event *ev)
{
	gint64 now = g_get_real_time();
	GDateTime *dt = g_date_time_new_from_unix_local(now / G_USEC_PER_SEC);
	char *ts;

	if (mon->m->format == MNCTL_FMT_JSON) {
		struct json *j = json_new(stdout);
		GDateTime *full = g_date_time_add(dt, now % G_USEC_PER_SEC);

		ts = g_date_time_format_iso8601(full);
		g_date_time_unref(full);
		json_object_begin(j);
		json_kv_string(j, "time", ts);
		json_kv_string(j, "event", ev->name);
		for (guint i = 0; i < ev->fields->len; i++) {
			struct mon_field *f = &g_array_index(ev->fields, struct mon_field, i);

			json_key(j, f->key);
			switch (f->kind) {
			case MON_STR:
				json_string(j, f->s);
				break;
			case MON_UINT:
				json_uint(j, f->u);
				break;
			case MON_INT:
				json_int(j, f->i);
				break;
			case MON_BOOL:
				json_bool(j, f->b);
				break;
			case MON_NULL:
				json_null(j);
				break;
			}
		}
		json_object_end(j);
		json_free(j);
	} else if (mon->m->format == MNCTL_FMT_TERSE) {
		ts = g_strdup_printf("%lld.%03lld", (long long)(now / G_USEC_PER_SEC),
				     (long long)(now % G_USEC_PER_SEC / 1000));
		printf("%s:", ts);
		table_write_terse(stdout, ev->name);
		for (guint i = 0; i < ev->fields->len; i++) {
			struct mon_field *f = &g_array_index(ev->fields, struct mon_field, i);
			char *v = f->kind == MON_NULL  ? g_strdup("")
				  : f->kind == MON_STR ? g_strdup(f->s)
						       : mon_text_value(f);

			fputc(':', stdout);
			table_write_terse(stdout, f->key);
			fputc('=', stdout);
			table_write_terse(stdout, v);
			g_free(v);
		}
		fputc('\n', stdout);
	} else {
		char *hms = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");

		ts = g_strdup_printf("%s.%03lld", hms, (long long)(now % G_USEC_PER_SEC / 1000));
		g_free(hms);
		printf("%s %s", ts, ev->name);
		for (guint i = 0; i < ev->fields->len; i++) {
			struct mon_field *f = &g_array_index(ev->fields, struct mon_field, i);
			char *v = mon_text_value(f);

			printf(" %s=%s", f->key, v);
			g_free(v);
		}
		fputc('\n', stdout);
	}
	/* A pipe to a script or a file: each event as it happens. */
	fflush(stdout);
	g_free(ts);
	g_date_time_unref(dt);

	for (guint i = 0; i < ev->fields->len; i++) {
		struct mon_field *f = &g_array_index(ev->fields, struct mon_field, i);

		g_free(f->key);
		g_free(f->s);
		g_free(f->text);
	}
	g_array_free(ev->fields, TRUE);
}

/* ------------------------------------------------------------------ */
/* Anchors by path */

static const char *mon_dar(struct mon *mon, const char *path)
{
	MndAnchor *a = bus_anchor(mon->om, path);

	if (a) {
		const char *d = mnd_anchor_get_dar(a);

		if (d && *d)
			g_hash_table_replace(mon->dars, g_strdup(path), g_strdup(d));
		g_object_unref(a);
	}
	return path ? g_hash_table_lookup(mon->dars, path) : NULL;
}

/* An anchor as "anchor=N dar=D" (text) or path and DAR (JSON, terse). */
static void mon_anchor(struct mon *mon, struct mon_event *ev, const char *key, const char *path)
{
	char *dkey = g_strdup_printf("%s-dar", key);
	struct mon_field *f;

	if (!path || !strcmp(path, "/")) {
		mon_add(ev, key, MON_NULL)->text = g_strdup("none");
	} else {
		f = mon_add(ev, key, MON_STR);
		f->s = g_strdup(path);
		if (bus_anchor_id(path))
			f->text = g_strdup_printf("%lu", bus_anchor_id(path));
	}
	mon_str(ev, dkey, path ? mon_dar(mon, path) : NULL);
	g_free(dkey);
}

/* ------------------------------------------------------------------ */
/* Handlers */

static void mon_handover_started(MndManager *mgr, guint seq, const char *from, const char *to,
				 guint kept, guint released, gpointer p)
{
	struct mon *mon = p;
	struct mon_event ev;

	mon_event_init(&ev, "HandoverStarted");
	mon_uint(&ev, "sequence", seq);
	mon_anchor(mon, &ev, "from", from);
	mon_anchor(mon, &ev, "to", to);
	mon_uint(&ev, "kept", kept);
	mon_uint(&ev, "released", released);
	mon_emit(mon, &ev);
}

static void mon_handover_completed(MndManager *mgr, guint seq, guint duration, guint kept,
				   guint released, guint address, gpointer p)
{
	struct mon *mon = p;
	struct mon_event ev;

	mon_event_init(&ev, "HandoverCompleted");
	mon_uint(&ev, "sequence", seq);
	mon_ms(&ev, "duration", duration);
	mon_ms(&ev, "address", address);
	mon_uint(&ev, "kept", kept);
	mon_uint(&ev, "released", released);
	mon_emit(mon, &ev);
}

static void mon_anchor_event(struct mon *mon, const char *name, const char *path)
{
	struct mon_event ev;

	mon_event_init(&ev, name);
	mon_anchor(mon, &ev, "anchor", path);
	mon_emit(mon, &ev);
}

static void mon_anchor_added(MndManager *mgr, const char *path, gpointer p)
{
	mon_anchor_event(p, "AnchorAdded", path);
}

static void mon_anchor_removed(MndManager *mgr, const char *path, gpointer p)
{
	mon_anchor_event(p, "AnchorRemoved", path);
}

/* One changed property, its enumerations and clocks made readable. */
static void mon_property(struct mon *mon, struct mon_event *ev, const char *name, GVariant *v)
{
	char b[32];
	struct mon_field *f;

	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
		guint u = g_variant_get_uint32(v);
		const char *n = NULL;

		if (!strcmp(name, "State"))
			n = names_state(u, b, sizeof(b));
		else if (!strcmp(name, "Role"))
			n = names_role(u, b, sizeof(b));
		else if (!strcmp(name, "Pin"))
			n = names_pin(u, b, sizeof(b));
		else if (!strcmp(name, "BindingState"))
			n = names_binding(u, b, sizeof(b));
		if (n)
			mon_str(ev, name, n);
		else
			mon_uint(ev, name, u);
		return;
	}
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64)) {
		guint64 t = g_variant_get_uint64(v);

		f = mon_add(ev, name, MON_UINT);
		f->u = t;
		/* CLOCK_MONOTONIC times: say how far away they are. */
		if (t && (!strcmp(name, "Expires") || !strcmp(name, "LastAcknowledgement"))) {
			gint64 d = names_mono_from_now(t);

			names_duration(d < 0 ? -d : d, b, sizeof(b));
			f->text = g_strdup_printf("%c%s", d < 0 ? '-' : '+', b);
		}
		return;
	}
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
	    g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH)) {
		mon_str(ev, name, g_variant_get_string(v, NULL));
		if (!strcmp(name, "CurrentAnchor"))
			mon_str(ev, "current-dar", mon_dar(mon, g_variant_get_string(v, NULL)));
		return;
	}
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
		mon_add(ev, name, MON_BOOL)->b = g_variant_get_boolean(v);
		return;
	}
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT16)) {
		mon_uint(ev, name, g_variant_get_uint16(v));
		return;
	}
	/* A type a newer mnd may add: show it as GVariant text. */
	f = mon_add(ev, name, MON_STR);
	f->s = g_variant_print(v, FALSE);
}

/*
 * Only changed values are printed. Invalidated names carry no value; the
 * generated skeletons mnd uses never send them, and GDBus invalidates
 * every property itself when mnd goes away (reported as DaemonStopped).
 */
static void mon_changed(struct mon *mon, const char *name, const char *path, GVariant *changed)
{
	struct mon_event ev;
	GVariantIter it;
	const char *k;
	GVariant *v;

	if (g_variant_n_children(changed) == 0)
		return;
	mon_event_init(&ev, name);
	if (path)
		mon_anchor(mon, &ev, "anchor", path);
	g_variant_iter_init(&it, changed);
	while (g_variant_iter_next(&it, "{&sv}", &k, &v)) {
		mon_property(mon, &ev, k, v);
		g_variant_unref(v);
	}
	mon_emit(mon, &ev);
}

static void mon_manager_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer p)
{
	struct mon *mon = p;
	char *owner = g_dbus_proxy_get_name_owner(proxy);
	bool fresh = g_strcmp0(owner, mon->owner) != 0;

	g_free(owner);
	/* A new mnd: GDBus loads all its properties and reports them as
	 * changed just before the owner change, which says "DaemonStarted"
	 * with the state; a dump of every property here would be noise. */
	if (fresh)
		return;
	mon_changed(mon, "ManagerChanged", NULL, changed);
}

static void mon_anchor_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *obj,
			       GDBusProxy *iface, GVariant *changed, GStrv invalidated, gpointer p)
{
	if (strcmp(g_dbus_proxy_get_interface_name(iface), MNCTL_ANCHOR_IFACE))
		return;
	mon_changed(p, "AnchorChanged", g_dbus_proxy_get_object_path(iface), changed);
}

static void mon_state_fields(struct mon *mon, struct mon_event *ev)
{
	char b[32];

	mon_str(ev, "version", mnd_manager_get_version(mon->mgr));
	mon_str(ev, "state", names_state(mnd_manager_get_state(mon->mgr), b, sizeof(b)));
	mon_str(ev, "interface", mnd_manager_get_interface(mon->mgr));
	mon_anchor(mon, ev, "current", mnd_manager_get_current_anchor(mon->mgr));
}

static void mon_owner(GObject *obj, GParamSpec *ps, gpointer p)
{
	struct mon *mon = p;
	char *owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(obj));
	struct mon_event ev;

	if (!g_strcmp0(owner, mon->owner)) {
		g_free(owner);
		return;
	}
	if (owner) {
		/* Anchor numbers restart with a new mnd. */
		g_hash_table_remove_all(mon->dars);
		mon_event_init(&ev, "DaemonStarted");
		mon_str(&ev, "owner", owner);
		mon_state_fields(mon, &ev);
	} else {
		mon_event_init(&ev, "DaemonStopped");
	}
	mon_emit(mon, &ev);
	g_free(mon->owner);
	mon->owner = owner;
}

static gboolean mon_signal(gpointer p)
{
	struct mon *mon = p;

	g_main_loop_quit(mon->loop);
	return G_SOURCE_CONTINUE;
}

static void mon_closed(GDBusConnection *c, gboolean remote, GError *e, gpointer p)
{
	struct mon *mon = p;

	mnctl_err("monitor: the bus connection closed%s%s", e ? ": " : "", e ? e->message : "");
	mon->rc = MNCTL_EXIT_ERROR;
	g_main_loop_quit(mon->loop);
}

static int mon_setup(struct mon *mon, int to)
{
	GAsyncResult *res = NULL;
	GError *e = NULL;
	int rc;

	/* Not bus_manager(): a monitor waits for mnd instead of failing. */
	mnd_manager_proxy_new(mon->m->conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, MNCTL_BUS_NAME,
			      MNCTL_MANAGER_PATH, NULL, bus_store_result, &res);
	if (!bus_wait(&res, to)) {
		mnctl_err("monitor: mnd did not answer within %d ms", to);
		return MNCTL_EXIT_TIMEOUT;
	}
	mon->mgr = mnd_manager_proxy_new_finish(res, &e);
	g_object_unref(res);
	if (!mon->mgr) {
		rc = bus_error(e, "monitor");
		g_error_free(e);
		return rc;
	}
	rc = bus_objects(mon->m, to, &mon->om);
	if (rc)
		return rc;
	g_signal_connect(mon->mgr, "handover-started", G_CALLBACK(mon_handover_started), mon);
	g_signal_connect(mon->mgr, "handover-completed", G_CALLBACK(mon_handover_completed), mon);
	g_signal_connect(mon->mgr, "anchor-added", G_CALLBACK(mon_anchor_added), mon);
	g_signal_connect(mon->mgr, "anchor-removed", G_CALLBACK(mon_anchor_removed), mon);
	g_signal_connect(mon->mgr, "g-properties-changed", G_CALLBACK(mon_manager_changed), mon);
	g_signal_connect(mon->mgr, "notify::g-name-owner", G_CALLBACK(mon_owner), mon);
	g_signal_connect(mon->om, "interface-proxy-properties-changed",
			 G_CALLBACK(mon_anchor_changed), mon);
	g_signal_connect(mon->m->conn, "closed", G_CALLBACK(mon_closed), mon);
	return MNCTL_EXIT_OK;
}

int cmd_monitor(struct mnctl *m, int argc, char **argv)
{
	struct mon mon = {.m = m};
	struct mon_event ev;
	guint s1, s2;
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (optind < argc) {
		mnctl_err("monitor: unexpected argument '%s'", argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	rc = bus_connect(m, m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_DEFAULT_MS);
	if (rc)
		return rc;
	mon.dars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	mon.loop = g_main_loop_new(NULL, FALSE);
	rc = mon_setup(&mon, m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_DEFAULT_MS);
	if (rc)
		goto out;

	/* The first line says what is being watched; once it is out every
	 * later event is seen (tests wait for it). */
	mon.owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(mon.mgr));
	mon_event_init(&ev, "Monitoring");
	mon_str(&ev, "mnd", mon.owner ? "running" : "not-running");
	if (mon.owner)
		mon_state_fields(&mon, &ev);
	mon_emit(&mon, &ev);

	s1 = g_unix_signal_add(SIGINT, mon_signal, &mon);
	s2 = g_unix_signal_add(SIGTERM, mon_signal, &mon);
	g_main_loop_run(mon.loop);
	g_source_remove(s1);
	g_source_remove(s2);
	rc = mon.rc;
out:
	if (mon.mgr)
		g_signal_handlers_disconnect_by_data(mon.mgr, &mon);
	if (mon.om)
		g_signal_handlers_disconnect_by_data(mon.om, &mon);
	g_signal_handlers_disconnect_by_data(m->conn, &mon);
	g_clear_object(&mon.om);
	g_clear_object(&mon.mgr);
	g_main_loop_unref(mon.loop);
	g_hash_table_unref(mon.dars);
	g_free(mon.owner);
	return rc;
}
