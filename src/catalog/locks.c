/*-------------------------------------------------------------------------
 *
 * locks.c
 *	  Lock settings of migration statements: lock_timeout, retries with
 *	  backoff, and whether this backend holds the runner lock.
 *
 * Layer: catalog (src/catalog/), below run/exec.c and ops/ (runner.c,
 * worker.c), which both use it; it calls nothing of ours.
 *
 * Migration DDL that waits for a lock queues every later query on the
 * table behind it, so each statement runs with a short lock_timeout and,
 * when it cannot get its lock, is rolled back and retried after a
 * randomized exponential backoff (several runners do not retry in step).
 *
 * Lock order (see README, "Concurrency"): the graph lock
 * (MIGRATE_LOCK_GRAPH) before the runner lock (MIGRATE_LOCK_RUNNER); code
 * holding the runner lock never asks for the graph lock unless it already
 * holds it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "catalog.h"
#include "locks.h"

int			migrate_lock_timeout = 5000;
int			migrate_lock_retries = 5;
int			migrate_lock_retry_delay = 200;

/* Set lock_timeout for a migration statement (in the caller's GUC nest) */
void
migrate_set_lock_timeout(void)
{
	char		buf[32];

	if (migrate_lock_timeout <= 0)
		return;
	snprintf(buf, sizeof(buf), "%d", migrate_lock_timeout);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Sleep before attempt number "attempt" (1 = the first retry): the base
 * delay doubled per attempt up to 30 s, plus up to half again at random, so
 * that several runners do not retry in step.  Interruptible.
 */
void
migrate_lock_backoff(int attempt)
{
	int64		delay = migrate_lock_retry_delay;
	TimestampTz until;

	for (int i = 1; i < attempt && delay < 30000; i++)
		delay *= 2;
	delay = Min(delay, 30000);
	delay += (int64) (pg_prng_double(&pg_global_prng_state) * delay / 2);
	until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
	for (;;)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);

		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Does this backend hold the runner lock (at transaction or session
 * level)?  Whoever holds it knows that no other run is in progress.
 */
bool
migrate_runner_lock_held(void)
{
	LOCKTAG		tag;

	/* the two-int4 form of pg_advisory_lock, as lockfuncs.c builds it */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, MIGRATE_LOCK_KEY1,
						 MIGRATE_LOCK_RUNNER, 2);
	return LockHeldByMe(&tag, ExclusiveLock);
}
