// SPDX-License-Identifier: BSD-3-Clause
/*
 * The read commands: status, anchors, bindings, flows, and the hidden
 * `__complete addresses` behind bash completion. Each builds one model
 * from the Manager proxy and the ObjectManager (two round trips) and
 * prints it as a table, terse lines or JSON.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "mnctl.h"
#include "table.h"

#define SHOW_NUM 24 /* a formatted number or duration */

/* "" means none in the API; JSON says null. */
static void show_kv_opt(struct json *j, const char *k, const char *v)
{
	json_kv_string(j, k, v && *v ? v : NULL);
}

static const char *show_opt(const char *s)
{
	return s && *s ? s : NULL;
}

/* Seconds the binding has left, from Expires; false if not bound. */
static bool show_left(MndAnchor *a, gint64 *left)
{
	guint64 exp = mnd_anchor_get_expires(a);

	if (!exp)
		return false;
	*left = names_mono_from_now(exp);
	if (*left < 0)
		*left = 0;
	return true;
}

static const char *show_left_cell(MndAnchor *a, bool terse, char *buf, size_t len)
{
	gint64 left;

	if (!show_left(a, &left))
		return terse ? "" : NULL;
	if (terse)
		snprintf(buf, len, "%lld", (long long)left);
	else
		names_duration(left, buf, len);
	return buf;
}

static const char *show_uint(guint64 v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static void show_anchor_json(struct json *j, MndAnchor *a)
{
	const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(a));
	char b[SHOW_NUM];
	gint64 left;

	json_object_begin(j);
	json_kv_uint(j, "id", bus_anchor_id(path));
	json_kv_string(j, "path", path);
	show_kv_opt(j, "dar", mnd_anchor_get_dar(a));
	show_kv_opt(j, "prefix", mnd_anchor_get_prefix(a));
	json_kv_bool(j, "is-dar", mnd_anchor_get_is_dar(a));
	show_kv_opt(j, "address", mnd_anchor_get_address(a));
	json_kv_string(j, "role", names_role(mnd_anchor_get_role(a), b, sizeof(b)));
	json_kv_string(j, "pin", names_pin(mnd_anchor_get_pin(a), b, sizeof(b)));
	json_kv_string(j, "binding-state",
		       names_binding(mnd_anchor_get_binding_state(a), b, sizeof(b)));
	show_kv_opt(j, "care-of-address", mnd_anchor_get_care_of_address(a));
	json_kv_uint(j, "sequence", mnd_anchor_get_sequence(a));
	json_kv_uint(j, "lifetime-granted", mnd_anchor_get_lifetime_granted(a));
	json_kv_uint(j, "lifetime-remaining", mnd_anchor_get_lifetime_remaining(a));
	if (show_left(a, &left))
		json_kv_int(j, "lifetime-left", left);
	else
		json_kv_null(j, "lifetime-left");
	json_kv_uint(j, "expires", mnd_anchor_get_expires(a));
	json_kv_uint(j, "last-acknowledgement", mnd_anchor_get_last_acknowledgement(a));
	json_kv_uint(j, "last-status", mnd_anchor_get_last_status(a));
	show_kv_opt(j, "tunnel-backend", mnd_anchor_get_tunnel_backend(a));
	show_kv_opt(j, "tunnel-device", mnd_anchor_get_tunnel_device(a));
	json_kv_uint(j, "flows", mnd_anchor_get_flows(a));
	json_object_end(j);
}

static int show_json_end(struct json *j)
{
	if (json_free(j)) {
		mnctl_err("internal error: malformed JSON output");
		return MNCTL_EXIT_ERROR;
	}
	return MNCTL_EXIT_OK;
}

/* Connect and fetch what the read commands need. */
static int show_fetch(struct mnctl *m, MndManager **mgr, GDBusObjectManager **om)
{
	int to = m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_DEFAULT_MS;
	int rc = bus_connect(m, to);

	if (rc)
		return rc;
	if (mgr && (rc = bus_manager(m, true, to, mgr)))
		return rc;
	if (om && (rc = bus_objects(m, to, om))) {
		if (mgr)
			g_clear_object(mgr);
		return rc;
	}
	if (om && !mgr) {
		/* Without the Manager check: an empty list would hide that
		 * mnd is not running. */
		char *owner = g_dbus_object_manager_client_get_name_owner(
			G_DBUS_OBJECT_MANAGER_CLIENT(*om));

		if (!owner) {
			g_clear_object(om);
			return bus_not_running(m);
		}
		g_free(owner);
	}
	return MNCTL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* status */

static void show_status_table(MndManager *mgr, GDBusObjectManager *om, GList *anchors)
{
	static const char *const hdr[] = {"ROLE", "DAR", "ADDRESS", "BINDING", "LEFT", "FLOWS"};
	const char *cur = mnd_manager_get_current_anchor(mgr);
	const char *reason = mnd_manager_get_backend_reason(mgr);
	MndAnchor *ca = bus_anchor(om, cur);
	struct table *t;
	char b[SHOW_NUM], l[SHOW_NUM], n[SHOW_NUM];

	printf("State:      %s\n", names_state(mnd_manager_get_state(mgr), b, sizeof(b)));
	printf("Interface:  %s\n", show_opt(mnd_manager_get_interface(mgr)) ?: "-");
	printf("Backend:    %s", show_opt(mnd_manager_get_backend(mgr)) ?: "-");
	if (reason && *reason)
		printf(" (%s)", reason);
	printf("\n");
	if (ca && show_opt(mnd_anchor_get_dar(ca)))
		printf("DAR:        %s\n", mnd_anchor_get_dar(ca));
	else if (cur && strcmp(cur, "/"))
		printf("DAR:        %s\n", cur); /* not listed (yet): show where it is */
	else
		printf("DAR:        none\n");
	printf("Handovers:  %u", mnd_manager_get_handovers(mgr));
	if (mnd_manager_get_last_handover_duration(mgr))
		printf(" (last %u ms)", mnd_manager_get_last_handover_duration(mgr));
	printf("\n\n");
	if (ca)
		g_object_unref(ca);

	if (!anchors) {
		printf("No anchors yet.\n");
		return;
	}
	t = table_new(G_N_ELEMENTS(hdr), hdr);
	for (GList *i = anchors; i; i = i->next) {
		MndAnchor *a = i->data;
		char r[SHOW_NUM], s[SHOW_NUM];
		const char *cells[] = {
			names_role(mnd_anchor_get_role(a), r, sizeof(r)),
			show_opt(mnd_anchor_get_dar(a)),
			show_opt(mnd_anchor_get_address(a)),
			names_binding(mnd_anchor_get_binding_state(a), s, sizeof(s)),
			show_left_cell(a, false, l, sizeof(l)),
			show_uint(mnd_anchor_get_flows(a), n, sizeof(n)),
		};

		table_add(t, cells);
	}
	table_print(t, stdout, false);
	table_free(t);
}

static void show_status_terse(MndManager *mgr, GDBusObjectManager *om)
{
	MndAnchor *ca = bus_anchor(om, mnd_manager_get_current_anchor(mgr));
	char b[SHOW_NUM];

	table_write_terse(stdout, names_state(mnd_manager_get_state(mgr), b, sizeof(b)));
	fputc(':', stdout);
	table_write_terse(stdout, mnd_manager_get_interface(mgr));
	fputc(':', stdout);
	table_write_terse(stdout, mnd_manager_get_backend(mgr));
	fputc(':', stdout);
	table_write_terse(stdout, ca ? mnd_anchor_get_dar(ca) : "");
	printf(":%u:%u:", mnd_manager_get_handovers(mgr),
	       mnd_manager_get_last_handover_duration(mgr));
	table_write_terse(stdout, mnd_manager_get_version(mgr));
	fputc('\n', stdout);
	if (ca)
		g_object_unref(ca);
}

static int show_status_json(MndManager *mgr, GDBusObjectManager *om, GList *anchors)
{
	const char *cur = mnd_manager_get_current_anchor(mgr);
	MndAnchor *ca = bus_anchor(om, cur);
	struct json *j = json_new(stdout);
	char b[SHOW_NUM];

	json_object_begin(j);
	json_kv_string(j, "version", mnd_manager_get_version(mgr));
	json_kv_string(j, "state", names_state(mnd_manager_get_state(mgr), b, sizeof(b)));
	show_kv_opt(j, "interface", mnd_manager_get_interface(mgr));
	show_kv_opt(j, "backend", mnd_manager_get_backend(mgr));
	show_kv_opt(j, "backend-reason", mnd_manager_get_backend_reason(mgr));
	json_kv_string(j, "current-anchor", cur && strcmp(cur, "/") ? cur : NULL);
	show_kv_opt(j, "current-dar", ca ? mnd_anchor_get_dar(ca) : NULL);
	json_kv_uint(j, "handovers", mnd_manager_get_handovers(mgr));
	json_kv_uint(j, "last-handover-duration", mnd_manager_get_last_handover_duration(mgr));
	json_key(j, "anchors");
	json_array_begin(j);
	for (GList *i = anchors; i; i = i->next)
		show_anchor_json(j, i->data);
	json_array_end(j);
	json_object_end(j);
	if (ca)
		g_object_unref(ca);
	return show_json_end(j);
}

int cmd_status(struct mnctl *m, int argc, char **argv)
{
	MndManager *mgr = NULL;
	GDBusObjectManager *om = NULL;
	GList *anchors;
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (optind < argc) {
		mnctl_err("status: unexpected argument '%s'", argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	rc = show_fetch(m, &mgr, &om);
	if (rc)
		return rc;
	anchors = bus_anchors(om);
	if (m->format == MNCTL_FMT_JSON)
		rc = show_status_json(mgr, om, anchors);
	else if (m->format == MNCTL_FMT_TERSE)
		show_status_terse(mgr, om);
	else
		show_status_table(mgr, om, anchors);
	g_list_free_full(anchors, g_object_unref);
	g_object_unref(om);
	g_object_unref(mgr);
	return rc;
}

/* ------------------------------------------------------------------ */
/* anchors, bindings */

static int show_anchor_list(struct mnctl *m, int argc, char **argv, bool bindings)
{
	static const char *const ahdr[] = {"ID",      "ROLE",    "PIN",  "DAR",  "PREFIX",
					   "ADDRESS", "BINDING", "LEFT", "FLOWS"};
	static const char *const bhdr[] = {"ID",      "DAR",    "ADDRESS", "CARE-OF",
					   "STATE",   "SEQ",    "GRANTED", "LEFT",
					   "LAST-BA", "STATUS", "BACKEND", "DEVICE"};
	bool terse = m->format == MNCTL_FMT_TERSE;
	GDBusObjectManager *om = NULL;
	struct table *t = NULL;
	struct json *j = NULL;
	GList *anchors;
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (optind < argc) {
		mnctl_err("%s: unexpected argument '%s'", argv[0], argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	terse = m->format == MNCTL_FMT_TERSE;
	rc = show_fetch(m, NULL, &om);
	if (rc)
		return rc;
	anchors = bus_anchors(om);
	if (m->format == MNCTL_FMT_JSON) {
		j = json_new(stdout);
		json_array_begin(j);
	} else if (bindings) {
		t = table_new(G_N_ELEMENTS(bhdr), bhdr);
	} else {
		t = table_new(G_N_ELEMENTS(ahdr), ahdr);
	}
	for (GList *i = anchors; i; i = i->next) {
		MndAnchor *a = i->data;
		guint bs = mnd_anchor_get_binding_state(a);
		guint64 ack = mnd_anchor_get_last_acknowledgement(a);
		char id[SHOW_NUM], r[SHOW_NUM], p[SHOW_NUM], s[SHOW_NUM], l[SHOW_NUM], f[SHOW_NUM],
			q[SHOW_NUM], g[SHOW_NUM], ab[SHOW_NUM + 8], st[SHOW_NUM];

		/* A binding exists, is being made or undone, or failed. */
		if (bindings && bs <= 1 && !show_opt(mnd_anchor_get_care_of_address(a)))
			continue;
		if (j) {
			show_anchor_json(j, a);
			continue;
		}
		show_uint(bus_anchor_id(g_dbus_proxy_get_object_path(G_DBUS_PROXY(a))), id,
			  sizeof(id));
		if (!bindings) {
			const char *cells[] = {
				id,
				names_role(mnd_anchor_get_role(a), r, sizeof(r)),
				names_pin(mnd_anchor_get_pin(a), p, sizeof(p)),
				show_opt(mnd_anchor_get_dar(a)),
				show_opt(mnd_anchor_get_prefix(a)),
				show_opt(mnd_anchor_get_address(a)),
				names_binding(bs, s, sizeof(s)),
				show_left_cell(a, terse, l, sizeof(l)),
				show_uint(mnd_anchor_get_flows(a), f, sizeof(f)),
			};

			table_add(t, cells);
			continue;
		}
		if (ack) {
			gint64 age = -names_mono_from_now(ack);

			if (age < 0)
				age = 0;
			if (terse) {
				snprintf(ab, sizeof(ab), "%lld", (long long)age);
			} else {
				names_duration(age, ab, SHOW_NUM);
				g_strlcat(ab, " ago", sizeof(ab));
			}
		}
		{
			const char *cells[] = {
				id,
				show_opt(mnd_anchor_get_dar(a)),
				show_opt(mnd_anchor_get_address(a)),
				show_opt(mnd_anchor_get_care_of_address(a)),
				names_binding(bs, s, sizeof(s)),
				show_uint(mnd_anchor_get_sequence(a), q, sizeof(q)),
				show_uint(mnd_anchor_get_lifetime_granted(a), g, sizeof(g)),
				show_left_cell(a, terse, l, sizeof(l)),
				ack ? ab : NULL,
				ack ? show_uint(mnd_anchor_get_last_status(a), st, sizeof(st))
				    : NULL,
				show_opt(mnd_anchor_get_tunnel_backend(a)),
				show_opt(mnd_anchor_get_tunnel_device(a)),
			};

			table_add(t, cells);
		}
	}
	if (j) {
		json_array_end(j);
		rc = show_json_end(j);
	} else if (!terse && !table_rows(t)) {
		printf(bindings ? "No bindings.\n" : "No anchors yet.\n");
	} else {
		table_print(t, stdout, terse);
	}
	table_free(t);
	g_list_free_full(anchors, g_object_unref);
	g_object_unref(om);
	return rc;
}

int cmd_anchors(struct mnctl *m, int argc, char **argv)
{
	return show_anchor_list(m, argc, argv, false);
}

int cmd_bindings(struct mnctl *m, int argc, char **argv)
{
	return show_anchor_list(m, argc, argv, true);
}

/* ------------------------------------------------------------------ */
/* flows */

struct show_flow {
	guint64 cookie;
	const char *proto, *local, *remote, *state, *anchor, *mode, *why;
	guint16 lport, rport;
	guint32 uid;
	bool has_cookie, has_lport, has_rport, has_uid;
};

/* Read one a{sv}; keys a newer mnd adds are skipped, a missing or
 * mistyped key reads as absent. Strings point into `d`. */
static void show_flow_parse(GVariant *d, struct show_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->has_cookie = g_variant_lookup(d, "cookie", "t", &f->cookie);
	g_variant_lookup(d, "protocol", "&s", &f->proto);
	g_variant_lookup(d, "local", "&s", &f->local);
	f->has_lport = g_variant_lookup(d, "local-port", "q", &f->lport);
	g_variant_lookup(d, "remote", "&s", &f->remote);
	f->has_rport = g_variant_lookup(d, "remote-port", "q", &f->rport);
	g_variant_lookup(d, "state", "&s", &f->state);
	f->has_uid = g_variant_lookup(d, "uid", "u", &f->uid);
	g_variant_lookup(d, "anchor", "&o", &f->anchor);
	g_variant_lookup(d, "mode", "&s", &f->mode);
	g_variant_lookup(d, "why", "&s", &f->why);
}

/* "[2001:db8::1]:443", "*" for an unconnected peer. */
static char *show_endpoint(const char *addr, bool has_port, guint16 port)
{
	if (!addr || !*addr || (!strcmp(addr, "::") && !port))
		return g_strdup("*");
	if (!has_port || !port)
		return g_strdup_printf("[%s]:*", addr);
	return g_strdup_printf("[%s]:%u", addr, port);
}

static const char *show_flow_dar(GDBusObjectManager *om, const char *path, char **keep)
{
	MndAnchor *a = bus_anchor(om, path);

	*keep = a ? g_strdup(show_opt(mnd_anchor_get_dar(a))) : NULL;
	if (a)
		g_object_unref(a);
	return *keep;
}

int cmd_flows(struct mnctl *m, int argc, char **argv)
{
	static const char *const hdr[] = {"PROTO", "LOCAL", "REMOTE", "STATE",
					  "MODE",  "WHY",   "UID",    "DAR"};
	static const char *const thdr[] = {"PROTO", "LOCAL", "LPORT", "REMOTE", "RPORT", "STATE",
					   "MODE",  "WHY",   "UID",   "DAR",    "COOKIE"};
	int to = m->timeout_ms ? m->timeout_ms : MNCTL_TIMEOUT_DEFAULT_MS;
	bool terse;
	MndManager *mgr = NULL;
	GDBusObjectManager *om = NULL;
	GAsyncResult *res = NULL;
	GVariant *flows = NULL, *d;
	GVariantIter it;
	GError *e = NULL;
	struct table *t = NULL;
	struct json *j = NULL;
	int rc = mnctl_parse_common(m, argc, argv);

	if (rc >= 0)
		return rc;
	if (optind < argc) {
		mnctl_err("flows: unexpected argument '%s'", argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	terse = m->format == MNCTL_FMT_TERSE;
	rc = bus_connect(m, to);
	if (rc)
		return rc;
	rc = bus_manager(m, false, to, &mgr);
	if (rc)
		return rc;
	mnd_manager_call_list_flows(mgr, G_DBUS_CALL_FLAGS_NO_AUTO_START, to, NULL,
				    bus_store_result, &res);
	if (!bus_wait(&res, to)) {
		mnctl_err("flows: mnd did not answer within %d ms", to);
		g_object_unref(mgr);
		return MNCTL_EXIT_TIMEOUT;
	}
	if (!mnd_manager_call_list_flows_finish(mgr, &flows, res, &e)) {
		rc = bus_error(e, "flows");
		g_error_free(e);
		g_object_unref(res);
		g_object_unref(mgr);
		return rc;
	}
	g_object_unref(res);
	/* For the DAR of each flow's anchor; without it flows still print. */
	if (bus_objects(m, to, &om))
		om = NULL;

	if (m->format == MNCTL_FMT_JSON) {
		j = json_new(stdout);
		json_array_begin(j);
	} else {
		t = terse ? table_new(G_N_ELEMENTS(thdr), thdr) : table_new(G_N_ELEMENTS(hdr), hdr);
	}
	g_variant_iter_init(&it, flows);
	while ((d = g_variant_iter_next_value(&it))) {
		struct show_flow f;
		char uid[SHOW_NUM], lp[SHOW_NUM], rp[SHOW_NUM], ck[SHOW_NUM], *dar = NULL;

		show_flow_parse(d, &f);
		show_flow_dar(om, f.anchor, &dar);
		if (j) {
			json_object_begin(j);
			if (f.has_cookie)
				json_kv_uint(j, "cookie", f.cookie);
			else
				json_kv_null(j, "cookie");
			json_kv_string(j, "protocol", f.proto);
			json_kv_string(j, "local", f.local);
			json_key(j, "local-port");
			f.has_lport ? json_uint(j, f.lport) : json_null(j);
			json_kv_string(j, "remote", f.remote);
			json_key(j, "remote-port");
			f.has_rport ? json_uint(j, f.rport) : json_null(j);
			json_kv_string(j, "state", f.state);
			json_key(j, "uid");
			f.has_uid ? json_uint(j, f.uid) : json_null(j);
			json_kv_string(j, "anchor", f.anchor);
			json_kv_string(j, "dar", dar);
			json_kv_string(j, "mode", f.mode);
			json_kv_string(j, "why", f.why);
			json_object_end(j);
		} else if (terse) {
			const char *cells[] = {
				f.proto,
				f.local,
				f.has_lport ? show_uint(f.lport, lp, sizeof(lp)) : NULL,
				f.remote,
				f.has_rport ? show_uint(f.rport, rp, sizeof(rp)) : NULL,
				f.state,
				f.mode,
				f.why,
				f.has_uid ? show_uint(f.uid, uid, sizeof(uid)) : NULL,
				dar,
				f.has_cookie ? show_uint(f.cookie, ck, sizeof(ck)) : NULL,
			};

			table_add(t, cells);
		} else {
			char *l = show_endpoint(f.local, f.has_lport, f.lport);
			char *r = show_endpoint(f.remote, f.has_rport, f.rport);
			const char *cells[] = {
				f.proto,
				l,
				r,
				f.state,
				f.mode,
				f.why,
				f.has_uid ? show_uint(f.uid, uid, sizeof(uid)) : NULL,
				dar,
			};

			table_add(t, cells);
			g_free(l);
			g_free(r);
		}
		g_free(dar);
		g_variant_unref(d);
	}
	if (j) {
		json_array_end(j);
		rc = show_json_end(j);
	} else if (!terse && !table_rows(t)) {
		printf("No flows on our addresses.\n");
	} else {
		table_print(t, stdout, terse);
	}
	table_free(t);
	g_variant_unref(flows);
	if (om)
		g_object_unref(om);
	g_object_unref(mgr);
	return rc;
}

/* ------------------------------------------------------------------ */
/* __complete addresses: for bash completion, silent on any failure */

int cmd_complete(struct mnctl *m, int argc, char **argv)
{
	GDBusObjectManager *om = NULL;
	GList *anchors;

	if (argc != 2 || strcmp(argv[1], "addresses"))
		return MNCTL_EXIT_USAGE;
	/* Completion runs as the user presses TAB: never make them wait. */
	m->timeout_ms = 500;
	mnctl_set_quiet(true);
	if (bus_connect(m, m->timeout_ms) || bus_objects(m, m->timeout_ms, &om))
		return MNCTL_EXIT_OK;
	anchors = bus_anchors(om);
	for (GList *i = anchors; i; i = i->next) {
		const char *a = mnd_anchor_get_address(i->data);

		if (a && *a)
			printf("%s\n", a);
	}
	g_list_free_full(anchors, g_object_unref);
	g_object_unref(om);
	return MNCTL_EXIT_OK;
}
