/*-------------------------------------------------------------------------
 *
 * locks.h
 *	  Lock settings of migration statements: lock_timeout, retries with
 *	  backoff, and whether this backend holds the runner lock.
 *
 * Layer: catalog (src/catalog/): used by run/exec.c and by ops/ (runner.c,
 * worker.c) alike; reaches only down.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_LOCKS_H
#define MIGRATE_LOCKS_H

/* GUCs migrate.lock_timeout, migrate.lock_retries, migrate.lock_retry_delay */
extern int	migrate_lock_timeout;
extern int	migrate_lock_retries;
extern int	migrate_lock_retry_delay;

extern void migrate_set_lock_timeout(void);
extern void migrate_lock_backoff(int attempt);
extern bool migrate_runner_lock_held(void);

#endif							/* MIGRATE_LOCKS_H */
