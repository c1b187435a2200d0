/*-------------------------------------------------------------------------
 *
 * register.h
 *	  Registering revisions and merges (register.c).
 *
 * Layer: ops (src/ops/), above lint/, run/ and catalog/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_REGISTER_H
#define MIGRATE_REGISTER_H

#include "nodes/pg_list.h"

extern char *migrate_register(const char *message, const char *upgrade,
							  const char *downgrade, const char *revision,
							  List *down_revisions, bool down_given,
							  List *branch_labels, List *depends_on,
							  const char *head, bool splice,
							  bool transactional);
extern char *migrate_register_merge(List *revisions, const char *message,
									List *branch_labels,
									const char *revision);

#endif							/* MIGRATE_REGISTER_H */
