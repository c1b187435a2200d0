/*-------------------------------------------------------------------------
 *
 * target.h
 *	  Alembic's target grammar as pure string parsing, plus the small
 *	  error and string helpers the pure graph modules share.
 *
 * Nothing here looks at a graph: these functions only split strings the
 * way Alembic's regular expressions and str.split() calls do, so that
 * graph.c and plan.c can apply Alembic's resolution rules to the pieces.
 *
 * Layer: core (src/core/): pure, no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_TARGET_H
#define MIGRATE_TARGET_H

#include <stdarg.h>
#include <stdbool.h>

#include "mgerror.h"

/*
 * A match of Alembic's _relative_destination,
 * r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)", applied with re.match(): anchored at
 * the start, not at the end (trailing text is ignored, as in Alembic).
 */
typedef struct MgRelative
{
	char	   *branch;			/* text before '@', or NULL */
	char	   *symbol;			/* \w+ before the sign, or NULL */
	char	   *relstr;			/* the signed number as written, "+2" */
	long		rel;			/* its value, saturated to +-MG_REL_MAX */
} MgRelative;

#define MG_REL_MAX 1000000000L

extern bool mg_target_match_relative(const char *target, MgRelative *out);

/*
 * Python's int() on a string: true when s is an integer literal (optional
 * white space and sign, digits with single underscores between them).
 * Alembic's get_revisions() treats a negative one as "walk down from the
 * heads".
 */
extern bool mg_target_parse_int(const char *s, long *value);

/* str.split("@", 1): *branch is NULL when s has no '@' */
extern void mg_target_split_first_at(const char *s, char **branch,
									 char **rest);

/* str.rpartition("@"): *branch is NULL when s has no '@' or it is empty */
extern void mg_target_split_last_at(const char *s, char **branch,
									char **rest);

/*
 * command.history's rev_range.strip().split(":"): exactly one ':' is
 * required; empty sides come back as NULL.
 */
extern bool mg_target_split_range(const char *range, char **lower,
								  char **upper, MgError *err);

/* Shared helpers: mg_alloc'd strings and error reporting. */
extern char *mg_strdup(const char *s);
extern char *mg_strndup(const char *s, size_t n);
extern char *mg_psprintf(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));
extern char *mg_vpsprintf(const char *fmt, va_list args);
extern bool mg_set_error(MgError *err, MgErrorCode code, const char *detail,
						 const char *hint, const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

/* A growable string, for detail lines that list revisions. */
typedef struct MgBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} MgBuf;

extern void mg_buf_append(MgBuf *buf, const char *s);

#endif							/* MIGRATE_TARGET_H */
