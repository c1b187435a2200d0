/*-------------------------------------------------------------------------
 *
 * mgerror.h
 *	  Memory and error reporting of the pure core: mg_alloc(), MgError.
 *
 * Every file of core/ uses these, target.c (the bottom of the core) as much
 * as graph.c and plan.c; they were in graph.h, which made target.h include
 * the header of the module above it.  See graph.h for how memory and
 * errors work.
 *
 * Layer: core (src/core/): pure, no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_MGERROR_H
#define MIGRATE_MGERROR_H

#include <stddef.h>

/*
 * MG_CHECK_INTERRUPTS() in every loop whose length a graph decides: in the
 * backend a cancel, statement_timeout or SIGTERM ends the work there (an
 * error longjmps out; the core keeps no state of its own and its memory is
 * the caller's context, so nothing is left half-built).  Standalone it is
 * nothing.
 */
#ifdef MIGRATE_STANDALONE
extern void *mg_alloc(size_t size);		/* zeroed; aborts on OOM */
extern void mg_alloc_reset(void);
#define MG_CHECK_INTERRUPTS() ((void) 0)
#else
#include "miscadmin.h"
#define mg_alloc(size) palloc0(size)
#define MG_CHECK_INTERRUPTS() CHECK_FOR_INTERRUPTS()
#endif

/* Error classes; the caller maps each to one SQLSTATE. */
typedef enum MgErrorCode
{
	MG_OK = 0,
	MG_ERR_UNDEFINED,			/* unknown revision, label or symbol: 42704 */
	MG_ERR_AMBIGUOUS,			/* partial id matches several: 42725 */
	MG_ERR_MULTIPLE_HEADS,		/* "head" asked, several heads: 55000 */
	MG_ERR_INVALID_GRAPH,		/* cycle, missing parent, dup label: 42P17 */
	MG_ERR_SYNTAX,				/* malformed target or range: 22023 */
	MG_ERR_STATE,				/* target not reachable from current, relative
								 * step out of range, not an ancestor: 55000 */
	MG_ERR_NOT_SUPPORTED,		/* 0A000 */
	MG_ERR_LIMIT				/* graph too big to compute: 54000 */
} MgErrorCode;

typedef struct MgError
{
	MgErrorCode code;
	char	   *message;		/* PostgreSQL style: lower case, no period */
	char	   *detail;			/* full sentence or NULL */
	char	   *hint;			/* full sentence or NULL */
} MgError;

#endif							/* MIGRATE_MGERROR_H */
