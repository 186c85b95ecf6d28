// SPDX-License-Identifier: BSD-3-Clause
/*
 * mnd: the mobile-node daemon. Options, configuration, signals and the
 * one GLib main loop; the work is in mn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "dbus.h"
#include "log.h"
#include "mn.h"
#include "nm.h"
#include "sys/tunnel.h"

#define EXIT_USAGE 64 /* EX_USAGE: bad option or configuration */

static GMainLoop *loop;
static struct mnd_config cfg;
static char *conf_path;
static bool conf_given;

static gboolean on_term(gpointer data)
{
	log_info("signal name=%s: stopping", (const char *)data);
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

/* SIGHUP and D-Bus Reload: what can change at run time. */
static int do_reload(char **error)
{
	struct mnd_config fresh;
	int rc;

	config_defaults(&fresh);
	rc = config_load(&fresh, conf_path, conf_given, error);
	if (rc < 0) {
		log_err("reload-failed: %s (keeping the running configuration)", *error);
	} else {
		mdbus_set_group(fresh.dbus_group);
		mn_reload(&fresh);
	}
	config_free(&fresh);
	return rc;
}

static gboolean on_hup(gpointer data)
{
	char *error = NULL;

	do_reload(&error);
	g_free(error);
	return G_SOURCE_CONTINUE;
}

/* The bus is for management only: without it the node still moves. */
static GDBusConnection *bus_connect(const char *address)
{
	GError *e = NULL;
	GDBusConnection *c;

	if (address)
		c = g_dbus_connection_new_for_address_sync(
			address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, &e);
	else
		c = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &e);
	if (!c) {
		log_warn("dbus-unavailable bus=%s error=%s: running without the D-Bus API",
			 address ? address : "system", e->message);
		g_error_free(e);
		return NULL;
	}
	/* A bus that goes away must not take the daemon with it. */
	g_dbus_connection_set_exit_on_close(c, FALSE);
	return c;
}

static gboolean on_usr1(gpointer data)
{
	mn_dump();
	return G_SOURCE_CONTINUE;
}

/* sock_diag destroy notifications: can we join the multicast group? */
static bool check_sock_destroy(char *why, size_t len)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int grp = SKNLGRP_INET6_TCP_DESTROY;
	bool ok;

	if (fd < 0) {
		snprintf(why, len, "NETLINK_SOCK_DIAG: %s", g_strerror(errno));
		return false;
	}
	ok = setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) == 0;
	snprintf(why, len, "%s", ok ? "TCP/UDP destroy groups joinable" : g_strerror(errno));
	close(fd);
	return ok;
}

/* CONFIG_IPV6_MIP6: the kernel's config if exposed, else unknown. */
static const char *check_mip6(char *why, size_t len)
{
	GFile *f = g_file_new_for_path("/proc/config.gz");
	GInputStream *in = NULL, *z = NULL;
	GConverter *conv = NULL;
	GDataInputStream *d = NULL;
	const char *res = "unknown";
	char *line;

	snprintf(why, len, "/proc/config.gz not readable");
	in = G_INPUT_STREAM(g_file_read(f, NULL, NULL));
	if (!in)
		goto out;
	conv = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP));
	z = g_converter_input_stream_new(in, conv);
	d = g_data_input_stream_new(z);
	res = "no";
	snprintf(why, len, "CONFIG_IPV6_MIP6 is not set");
	while ((line = g_data_input_stream_read_line(d, NULL, NULL, NULL))) {
		if (g_str_has_prefix(line, "CONFIG_IPV6_MIP6=")) {
			res = "yes";
			snprintf(why, len, "%s", line);
		}
		g_free(line);
	}
out:
	if (d)
		g_object_unref(d);
	if (z)
		g_object_unref(z);
	if (conv)
		g_object_unref(conv);
	if (in)
		g_object_unref(in);
	g_object_unref(f);
	return res;
}

static int do_check(void)
{
	static const char *const names[] = {"tun", "seg6", "ip6tnl"};
	char why[200];
	const struct tnl_backend *b;
	const char *r;

	printf("mnd %s kernel support:\n", PACKAGE_VERSION);
	for (unsigned int i = 0; i < G_N_ELEMENTS(names); i++) {
		why[0] = 0;
		b = tnl_select(names[i], why, sizeof(why));
		printf("  backend %-7s %s%s%s\n", names[i], b ? "available" : "unavailable",
		       why[0] ? ": " : "", why);
	}
	why[0] = 0;
	b = tnl_select("auto", why, sizeof(why));
	printf("  backend auto    -> %s%s%s\n", b ? b->name : "none", why[0] ? ": " : "", why);
	r = check_mip6(why, sizeof(why));
	printf("  MIP6 (RFC 6275 framing) %s: %s\n", r, why);
	printf("  sock_diag destroy events %s",
	       check_sock_destroy(why, sizeof(why)) ? "yes" : "no");
	printf(": %s\n", why);
	return 0;
}

int main(int argc, char **argv)
{
	gboolean check = FALSE, version = FALSE, debug = FALSE;
	char **ifaces = NULL, *backend = NULL, *state_dir = NULL, *run_dir = NULL;
	char *bus_address = NULL;
	GDBusConnection *bus = NULL;
	char *error = NULL;
	GError *e = NULL;
	const GOptionEntry opts[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path,
		 "Configuration file (default " MND_CONF_DEFAULT ")", "FILE"},
		{"interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &ifaces,
		 "Managed interface (overrides interfaces=)", "IFACE"},
		{"backend", 'b', 0, G_OPTION_ARG_STRING, &backend,
		 "Tunnel backend: auto, tun, seg6, ip6tnl", "NAME"},
		{"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Key and modifier directory",
		 "DIR"},
		{"run-dir", 0, 0, G_OPTION_ARG_FILENAME, &run_dir, "Runtime directory", "DIR"},
		{"bus-address", 0, 0, G_OPTION_ARG_STRING, &bus_address,
		 "D-Bus address to serve org.dmm.Mnd1 on (default: the system bus)", "ADDRESS"},
		{"debug", 'd', 0, G_OPTION_ARG_NONE, &debug, "Log at debug level", NULL},
		{"check", 0, 0, G_OPTION_ARG_NONE, &check,
		 "Report what this kernel supports and exit", NULL},
		{"version", 'v', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit",
		 NULL},
		{NULL}};
	GOptionContext *ctx = g_option_context_new("- mobile node daemon for client-based DMM");
	int rc = EXIT_FAILURE;

	g_option_context_add_main_entries(ctx, opts, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
		fprintf(stderr, "mnd: %s\n", e->message);
		g_error_free(e);
		g_option_context_free(ctx);
		return EXIT_USAGE;
	}
	g_option_context_free(ctx);
	if (version) {
		printf("mnd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (check)
		return do_check();

	conf_given = conf_path != NULL;
	if (!conf_path)
		conf_path = g_strdup(MND_CONF_DEFAULT);
	config_defaults(&cfg);
	if (config_load(&cfg, conf_path, conf_given, &error) < 0) {
		fprintf(stderr, "mnd: %s\n", error);
		g_free(error);
		return EXIT_USAGE;
	}
	if (ifaces) {
		for (int i = 0; cfg.interfaces[i]; i++)
			g_free(cfg.interfaces[i]);
		memset(cfg.interfaces, 0, sizeof(cfg.interfaces));
		for (int i = 0; ifaces[i] && i < MND_MAX_IFACES; i++)
			cfg.interfaces[i] = g_strdup(ifaces[i]);
	}
	if (backend) {
		g_free(cfg.backend);
		cfg.backend = backend;
	}
	if (state_dir) {
		g_free(cfg.state_dir);
		cfg.state_dir = state_dir;
	}
	if (run_dir) {
		g_free(cfg.run_dir);
		cfg.run_dir = run_dir;
	}
	log_set_level(debug ? LOG_LVL_DEBUG : (enum log_level)cfg.log_level);

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_term, "SIGTERM");
	g_unix_signal_add(SIGINT, on_term, "SIGINT");
	g_unix_signal_add(SIGHUP, on_hup, NULL);
	g_unix_signal_add(SIGUSR1, on_usr1, NULL);

	log_info("starting version=%s config=%s", PACKAGE_VERSION, conf_path);
	if (mn_start(&cfg) == 0) {
		if (cfg.dbus && (bus = bus_connect(bus_address))) {
			mdbus_init(bus, cfg.dbus_group, do_reload);
			nm_init(bus, mn_hint);
		}
		log_info("ready");
		g_main_loop_run(loop);
		rc = EXIT_SUCCESS;
	}
	nm_fini();
	mdbus_fini();
	mn_stop();
	if (bus) {
		g_dbus_connection_flush_sync(bus, NULL, NULL);
		g_object_unref(bus);
	}
	g_free(bus_address);
	g_main_loop_unref(loop);
	config_free(&cfg);
	g_strfreev(ifaces);
	g_free(conf_path);
	return rc;
}
