/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The D-Bus service org.dmm.Mnd1 (dbus/org.dmm.Mnd1.xml, mnd.dbus(5)):
 * the Manager object, one Anchor object per DAR, the handover signals,
 * and the methods people and desktops steer mnd with.
 */
#ifndef MND_DBUS_H
#define MND_DBUS_H

#include <gio/gio.h>

#define MDBUS_NAME "org.dmm.Mnd1"
#define MDBUS_PATH "/org/dmm/Mnd1"

/* Re-read mnd.conf; 0, or -1 with *error set (g_free it). */
typedef int (*mdbus_reload_fn)(char **error);

/* Export every object on `bus`, then ask for the name (systemd's Type=dbus
 * takes the name as readiness). `group`: besides root, who may call the
 * mutating methods (NULL: root only). */
void mdbus_init(GDBusConnection *bus, const char *group, mdbus_reload_fn reload);
void mdbus_set_group(const char *group);
/* Release the name and unexport everything (mn_stop may still change
 * state afterwards: nothing is emitted any more). */
void mdbus_fini(void);

#endif
