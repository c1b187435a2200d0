/*-------------------------------------------------------------------------
 *
 * toplevel.h
 *	  Running one statement at top level (toplevel.c).
 *
 * Layer: run.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_TOPLEVEL_H
#define MIGRATE_TOPLEVEL_H

extern void migrate_execute_top_level(const char *sql);

#endif							/* MIGRATE_TOPLEVEL_H */
