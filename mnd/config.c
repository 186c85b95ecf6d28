// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "config.h"
#include "core/rules.h"
#include "log.h"
#include "proto/cga.h"
#include "proto/crypto.h"

#define GROUP "mnd"
#define RULES_GROUP "rules"

void config_defaults(struct mnd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->state_dir = g_strdup(LOCALSTATEDIR "/lib/mnd");
	c->run_dir = g_strdup(RUNSTATEDIR "/mnd");
	c->backend = g_strdup("auto");
	c->binding_lifetime = 600;
	c->address_valid = 600;
	c->key_bits = MN_RSA_DEFAULT_BITS;
	c->cga_sec = 1;
	c->log_level = LOG_LVL_INFO;
	c->control_socket = true;
	c->dbus = true;
	c->dbus_group = g_strdup(DBUS_GROUP); /* ./configure --with-dbus-group, as the bus policy */
}

void config_free(struct mnd_config *c)
{
	for (int i = 0; c->interfaces[i]; i++)
		g_free(c->interfaces[i]);
	g_free(c->state_dir);
	g_free(c->run_dir);
	g_free(c->backend);
	g_free(c->dbus_group);
	rules_free(c->rules);
	memset(c, 0, sizeof(*c));
}

static int config_uint(GKeyFile *kf, const char *key, uint32_t min, uint32_t max, uint32_t *out,
		       char **error)
{
	GError *e = NULL;
	guint64 v;
	char *s = g_key_file_get_string(kf, GROUP, key, NULL);

	if (!s)
		return 0;
	if (!g_ascii_string_to_unsigned(g_strstrip(s), 10, min, max, &v, &e)) {
		*error = g_strdup_printf("%s: %s (allowed %u..%u)", key, e->message, min, max);
		g_error_free(e);
		g_free(s);
		return -1;
	}
	g_free(s);
	*out = (uint32_t)v;
	return 0;
}

static int config_str(GKeyFile *kf, const char *key, char **out)
{
	char *s = g_key_file_get_string(kf, GROUP, key, NULL);

	if (s) {
		g_free(*out);
		*out = g_strdup(g_strstrip(s));
		g_free(s);
	}
	return 0;
}

static int config_bool(GKeyFile *kf, const char *key, bool *out, char **error)
{
	char *s = g_key_file_get_string(kf, GROUP, key, NULL);
	int rc = 0;

	if (!s)
		return 0;
	g_strstrip(s);
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1")) {
		*out = true;
	} else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0")) {
		*out = false;
	} else {
		*error = g_strdup_printf("%s: '%s' is not yes or no", key, s);
		rc = -1;
	}
	g_free(s);
	return rc;
}

/* [rules]: one key per rule, its name; evaluated in file order. */
static int config_rules(GKeyFile *kf, const char *path, struct mnd_config *c, char **error)
{
	struct keep_rules *rs;
	char **keys, err[256];
	int rc = 0;

	if (!g_key_file_has_group(kf, RULES_GROUP))
		return 0;
	rs = rules_new();
	if (!rs) {
		*error = g_strdup("out of memory");
		return -1;
	}
	keys = g_key_file_get_keys(kf, RULES_GROUP, NULL, NULL);
	for (int i = 0; keys && keys[i]; i++) {
		char *v = g_key_file_get_string(kf, RULES_GROUP, keys[i], NULL);

		/* GKeyFile lists a repeated key twice (with the last value):
		 * rules_add refuses the second. */
		if (rules_add(rs, keys[i], v ? g_strstrip(v) : "", err, sizeof(err)) < 0) {
			*error = g_strdup_printf("%s: [%s] %s", path, RULES_GROUP, err);
			rc = -1;
		}
		g_free(v);
		if (rc)
			break;
	}
	g_strfreev(keys);
	if (rc) {
		rules_free(rs);
		return rc;
	}
	rules_free(c->rules);
	c->rules = rs;
	return 0;
}

int config_load(struct mnd_config *c, const char *path, bool required, char **error)
{
	static const char *const known[] = {
		"interfaces",    "state_dir",  "run_dir", "backend",   "binding_lifetime",
		"address_valid", "key_bits",   "cga_sec", "log_level", "control_socket",
		"dbus",          "dbus_group", NULL};
	GKeyFile *kf = g_key_file_new();
	GError *e = NULL;
	char **keys = NULL, **ifs = NULL, *lvl = NULL;
	uint32_t v;
	int rc = -1;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
		if (!required && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			rc = 0;
			goto out;
		}
		*error = g_strdup_printf("%s: %s", path, e->message);
		goto out;
	}
	keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
	for (int i = 0; keys && keys[i]; i++)
		if (!g_strv_contains(known, keys[i])) {
			*error = g_strdup_printf("%s: unknown key '%s' in [%s]", path, keys[i],
						 GROUP);
			goto out;
		}

	ifs = g_key_file_get_string_list(kf, GROUP, "interfaces", NULL, NULL);
	if (ifs) {
		int n = 0;

		for (int i = 0; c->interfaces[i]; i++)
			g_free(c->interfaces[i]);
		memset(c->interfaces, 0, sizeof(c->interfaces));
		for (int i = 0; ifs[i]; i++) {
			char *name = g_strstrip(ifs[i]);

			if (!*name)
				continue;
			if (n == MND_MAX_IFACES || strlen(name) >= 16 || strchr(name, '/')) {
				*error = g_strdup_printf("interfaces: bad or too many names "
							 "(at most %d)",
							 MND_MAX_IFACES);
				goto out;
			}
			c->interfaces[n++] = g_strdup(name);
		}
	}
	config_str(kf, "state_dir", &c->state_dir);
	config_str(kf, "run_dir", &c->run_dir);
	config_str(kf, "backend", &c->backend);
	config_str(kf, "dbus_group", &c->dbus_group);
	if (config_uint(kf, "binding_lifetime", 4, 262140, &c->binding_lifetime, error) ||
	    config_uint(kf, "address_valid", 60, 86400 * 7, &c->address_valid, error))
		goto out;
	v = c->key_bits;
	if (config_uint(kf, "key_bits", 1024, MN_RSA_MAX_BITS, &v, error))
		goto out;
	c->key_bits = v;
	v = c->cga_sec;
	if (config_uint(kf, "cga_sec", 0, CGA_SEC_MAX_GEN, &v, error))
		goto out;
	c->cga_sec = v;
	lvl = g_key_file_get_string(kf, GROUP, "log_level", NULL);
	if (lvl) {
		int l = log_parse_level(g_strstrip(lvl));

		if (l < 0) {
			*error = g_strdup_printf(
				"log_level: '%s' is not err, warning, info or debug", lvl);
			goto out;
		}
		c->log_level = l;
	}
	if (config_bool(kf, "control_socket", &c->control_socket, error) ||
	    config_bool(kf, "dbus", &c->dbus, error) || config_rules(kf, path, c, error))
		goto out;
	rc = 0;
out:
	if (rc == 0 && c->backend &&
	    !g_strv_contains((const char *const[]){"auto", "tun", "seg6", "ip6tnl", NULL},
			     c->backend)) {
		*error = g_strdup_printf("backend: '%s' is not auto, tun, seg6 or ip6tnl",
					 c->backend);
		rc = -1;
	}
	g_free(lvl);
	g_strfreev(ifs);
	g_strfreev(keys);
	if (e)
		g_error_free(e);
	g_key_file_free(kf);
	return rc;
}
