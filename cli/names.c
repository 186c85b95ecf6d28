// SPDX-License-Identifier: BSD-3-Clause
/*
 * Names for the uint32 enumerations of the D-Bus API (the mapping is in
 * the comments of dbus/org.dmm.Mnd1.xml) and human durations. A value
 * this mnctl does not know (a newer mnd) prints as "unknown(N)" rather
 * than being hidden: the API only ever adds values.
 */
#include <stdio.h>
#include <time.h>

#include "mnctl.h"

static const char *names_lookup(const char *const *tab, size_t n, guint v, char *buf, size_t len)
{
	if (v < n && tab[v])
		return tab[v];
	snprintf(buf, len, "unknown(%u)", v);
	return buf;
}

const char *names_state(guint v, char *buf, size_t len)
{
	static const char *const tab[] = {"unknown",  "starting", "waiting",
					  "attached", "handover", "stopping"};

	return names_lookup(tab, G_N_ELEMENTS(tab), v, buf, len);
}

const char *names_role(guint v, char *buf, size_t len)
{
	static const char *const tab[] = {"unknown", "current", "kept", "released", "home-again"};

	return names_lookup(tab, G_N_ELEMENTS(tab), v, buf, len);
}

const char *names_pin(guint v, char *buf, size_t len)
{
	static const char *const tab[] = {"none", "keep", "release"};

	return names_lookup(tab, G_N_ELEMENTS(tab), v, buf, len);
}

const char *names_binding(guint v, char *buf, size_t len)
{
	static const char *const tab[] = {"unknown", "none",          "registering",
					  "bound",   "deregistering", "failed"};

	return names_lookup(tab, G_N_ELEMENTS(tab), v, buf, len);
}

gint64 names_mono_from_now(guint64 us)
{
	struct timespec ts;
	gint64 now;

	/* The API's times are this host's CLOCK_MONOTONIC, as mnd reads it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
	if (us > (guint64)G_MAXINT64)
		us = (guint64)G_MAXINT64;
	/* Whole seconds, rounded towards the past: a binding 0.4 s from
	 * expiring shows 0s left, not 1s. */
	return ((gint64)us - now) >= 0
		       ? ((gint64)us - now) / G_USEC_PER_SEC
		       : -((now - (gint64)us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

const char *names_duration(gint64 s, char *buf, size_t len)
{
	const char *sign = s < 0 ? "-" : "";
	guint64 a = s < 0 ? (guint64)(-(s + 1)) + 1 : (guint64)s;

	if (a < 60)
		snprintf(buf, len, "%s%llus", sign, (unsigned long long)a);
	else if (a < 3600)
		snprintf(buf, len, "%s%llum%02llus", sign, (unsigned long long)(a / 60),
			 (unsigned long long)(a % 60));
	else if (a < 86400)
		snprintf(buf, len, "%s%lluh%02llum", sign, (unsigned long long)(a / 3600),
			 (unsigned long long)(a % 3600 / 60));
	else
		snprintf(buf, len, "%s%llud%02lluh", sign, (unsigned long long)(a / 86400),
			 (unsigned long long)(a % 86400 / 3600));
	return buf;
}
