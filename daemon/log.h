/* log.h - daemon logging: stderr in the foreground, syslog otherwise. */
#ifndef MEMIFD_LOG_H
#define MEMIFD_LOG_H

#include <syslog.h>

/* Levels are syslog priorities: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void log_open(int foreground, int level);
void log_set_level(int level);
int log_get_level(void);
void log_close(void);

/* Returns the syslog priority for "error", "warning", ...; -1 if unknown. */
int log_level_parse(const char *name);
const char *log_level_name(int level);

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
