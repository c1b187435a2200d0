/*-------------------------------------------------------------------------
 *
 * script.h
 *	  Parsing revision scripts and running them statement by statement
 *	  (script.c).
 *
 * Layer: one-step execution, above catalog access.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_SCRIPT_H
#define MIGRATE_SCRIPT_H

#include "nodes/pg_list.h"

typedef struct MigrateStatement
{
	char	   *sql;
	int			number;			/* 1-based */
	int			line;			/* 1-based line where it starts */
} MigrateStatement;

extern void migrate_script_validate(const char *sql, const char *revision,
									const char *which, bool transactional);
extern List *migrate_script_split(const char *sql, const char *revision,
								  const char *which);
extern void migrate_script_run(const char *sql, const char *revision,
							   const char *which);
extern char *migrate_script_offline(const char *sql, const char *revision,
									 const char *which);

#endif							/* MIGRATE_SCRIPT_H */
