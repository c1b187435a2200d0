/*-------------------------------------------------------------------------
 *
 * postgres_fe.h (client-only build)
 *	  What pg_migrate takes from PostgreSQL's postgres_fe.h and c.h, for
 *	  a build with libpq's headers only (Debian's libpq-dev, an app image):
 *	  "make -C pg_migrate CLIENT_ONLY=1".  The normal build (PGXS) never
 *	  sees this directory.  fe_shim.c implements the few functions of
 *	  libpgcommon and libpgport that pg_migrate calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_CLIENT_ONLY_POSTGRES_FE_H
#define PG_MIGRATE_CLIENT_ONLY_POSTGRES_FE_H

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "postgres_ext.h"

#if defined(__GNUC__) || defined(__clang__)
#define pg_attribute_printf(f,a) __attribute__((format(printf, f, a)))
#define pg_attribute_noreturn() __attribute__((noreturn))
#define pg_attribute_unused() __attribute__((unused))
#else
#define pg_attribute_printf(f,a)
#define pg_attribute_noreturn()
#define pg_attribute_unused()
#endif

#define lengthof(array) (sizeof (array) / sizeof ((array)[0]))
#define Min(x, y)		((x) < (y) ? (x) : (y))
#define Max(x, y)		((x) > (y) ? (x) : (y))

/* libpgcommon's fe_memutils.h and psprintf.c */
extern void *pg_malloc(size_t size);
extern void *pg_realloc(void *pointer, size_t size);
extern char *pg_strdup(const char *in);
extern char *pnstrdup(const char *in, size_t size);
extern char *psprintf(const char *fmt,...) pg_attribute_printf(1, 2);

/* libpgport */
extern const char *get_progname(const char *argv0);
extern int	pg_strcasecmp(const char *s1, const char *s2);
extern int	pg_strncasecmp(const char *s1, const char *s2, size_t n);
extern unsigned char pg_toupper(unsigned char ch);
extern bool pg_strong_random(void *buf, size_t len);

#endif							/* PG_MIGRATE_CLIENT_ONLY_POSTGRES_FE_H */
