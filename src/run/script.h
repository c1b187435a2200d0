/*-------------------------------------------------------------------------
 *
 * script.h
 *	  Parsing revision scripts and running them statement by statement
 *	  (script.c).
 *
 * Layer: run (src/run/), above catalog/.
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
/*
 * Called after each statement migrate_script_run ran successfully, when set
 * (the measured dry run sets it; lint_measure.c).
 */
typedef void (*migrate_statement_hook_type) (const char *revision,
											 int number, int line);
extern migrate_statement_hook_type migrate_statement_hook;

extern void migrate_script_run(const char *sql, const char *revision,
							   const char *which);
extern char *migrate_script_offline(const char *sql, const char *revision,
									 const char *which);

#endif							/* MIGRATE_SCRIPT_H */
