/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structured logging: one line per event, "event key=value ...", so that
 * people read it and scripts grep it. Lines go to stderr (the journal
 * when run by systemd); the level is set from mnd.conf or -d.
 */
#ifndef MND_LOG_H
#define MND_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level l);
enum log_level log_get_level(void);
/* "err", "warning", "info", "debug"; -1 if unknown. */
int log_parse_level(const char *s);

void log_msg(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Format an address into one of a few rotating static buffers, for log
 * arguments. */
struct in6_addr;
const char *log_addr(const struct in6_addr *a);

#endif
