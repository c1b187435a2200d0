/*-------------------------------------------------------------------------
 *
 * desired_names.h
 *	  The names a desired-schema statement references (desired_names.c).
 *
 * Layer: diff, beside shadow.c, its only caller.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_DESIRED_NAMES_H
#define MIGRATE_DESIRED_NAMES_H

#include "nodes/nodes.h"

extern void migrate_desired_check_names(Node *stmt, const char *schema,
										int stmtno);

#endif							/* MIGRATE_DESIRED_NAMES_H */
