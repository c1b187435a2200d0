/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every PG_VERSION_NUM branch of migrate, newest first.
 *
 * The extension is developed against PostgreSQL 15 and builds on 13 to 17;
 * code elsewhere calls the names defined here and never tests the version.
 *
 * Layer: util (src/util/): PostgreSQL's headers only, so every layer may
 * include it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_COMPAT_H
#define MIGRATE_COMPAT_H

#include "funcapi.h"
#include "parser/parser.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* Materialized set-returning functions: one call fills a tuplestore */
/* expected: describe rows by the caller's expected tuple descriptor, for
 * functions returning a single-column TABLE (a scalar set) */
#if PG_VERSION_NUM >= 160000
#define migrate_init_srf(fcinfo, expected) \
	InitMaterializedSRF((fcinfo), (expected) ? MAT_SRF_USE_EXPECTED_DESC : 0)
#elif PG_VERSION_NUM >= 150000
#define migrate_init_srf(fcinfo, expected) \
	SetSingleFuncCall((fcinfo), (expected) ? SRF_SINGLE_USE_EXPECTED : 0)
#else
static inline void
migrate_init_srf(FunctionCallInfo fcinfo, bool expected)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (expected)
		tupdesc = rsinfo->expectedDesc;
	else if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
}
#endif

/* This transaction's local id: PGPROC grew a vxid struct in 17 */
#if PG_VERSION_NUM >= 170000
#define migrate_current_lxid() (MyProc->vxid.lxid)
#else
#define migrate_current_lxid() (MyProc->lxid)
#endif

/* The raw parser grew a mode argument in 14 */
#if PG_VERSION_NUM >= 140000
#define migrate_raw_parser(str) raw_parser((str), RAW_PARSE_DEFAULT)
#else
#define migrate_raw_parser(str) raw_parser(str)
#endif

/* LockHeldByMe grew an "or stronger" argument in 17 */
#if PG_VERSION_NUM >= 170000
#define migrate_lock_held_by_me(tag, mode) LockHeldByMe((tag), (mode), false)
#else
#define migrate_lock_held_by_me(tag, mode) LockHeldByMe((tag), (mode))
#endif

/* Reserving our GUC prefix: MarkGUCPrefixReserved arrived in 15 */
#if PG_VERSION_NUM >= 150000
#define migrate_reserve_guc_prefix(p) MarkGUCPrefixReserved(p)
#else
#define migrate_reserve_guc_prefix(p) EmitWarningsOnPlaceholders(p)
#endif

#endif							/* MIGRATE_COMPAT_H */
