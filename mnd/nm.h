/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetworkManager as a source of hints. When NM is on the bus, its device
 * state changes and its global state/connectivity changes tell mnd to
 * look at the attachment at once instead of waiting for the next Router
 * Advertisement. Netlink stays the source of truth: a hint only makes mnd
 * ask (solicit), never decides anything. NM may be absent, or come and go.
 */
#ifndef MND_NM_H
#define MND_NM_H

#include <gio/gio.h>

/* Watch NetworkManager on `bus` (NULL: do nothing). `hint(ifname, event)` is
 * called on the main loop when NM reports something that may change the
 * attachment of ifname (NULL: any interface). */
typedef void (*nm_hint_fn)(const char *ifname, const char *event);
void nm_init(GDBusConnection *bus, nm_hint_fn hint);
void nm_fini(void);

#endif
