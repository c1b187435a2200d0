/*-------------------------------------------------------------------------
 *
 * dropguard.h
 *	  DROP EXTENSION migrate refused while the catalog holds history.
 *
 * Layer: api (src/api/).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_DROPGUARD_H
#define MIGRATE_DROPGUARD_H

extern bool migrate_allow_drop;
extern void migrate_dropguard_init(void);

#endif							/* MIGRATE_DROPGUARD_H */
