/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mnd.conf (GKeyFile) and command-line overrides. Every key is
 * documented in mnd.conf(5), with whether SIGHUP reloads it.
 */
#ifndef MND_CONFIG_H
#define MND_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define MND_CONF_DEFAULT SYSCONFDIR "/mnd/mnd.conf"
#define MND_MAX_IFACES 4

struct keep_rules;

struct mnd_config {
	char *interfaces[MND_MAX_IFACES + 1]; /* NULL-terminated */
	char *state_dir;
	char *run_dir;
	char *backend;             /* auto, tun, seg6, ip6tnl */
	uint32_t binding_lifetime; /* seconds requested in BUs */
	uint32_t address_valid;    /* valid lifetime floor for kept addresses, seconds */
	unsigned int key_bits;
	unsigned int cga_sec;
	int log_level;
	bool control_socket;      /* serve <run_dir>/mnsock for libmnsock */
	bool dbus;                /* serve org.dmm.Mnd1 on the bus */
	char *dbus_group;         /* may call mutating D-Bus methods, besides root */
	struct keep_rules *rules; /* the [rules] group, in file order; NULL: none */
};

/* Defaults, then the file (missing file is fine unless `required`).
 * Returns 0, or -1 with *error set (a GLib-style message to print). */
int config_load(struct mnd_config *c, const char *path, bool required, char **error);
void config_free(struct mnd_config *c);
void config_defaults(struct mnd_config *c);

#endif
