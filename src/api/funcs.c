/*-------------------------------------------------------------------------
 *
 * funcs.c
 *	  The SQL-callable functions of migrate.
 *
 * Each function here only checks its arguments, calls the module that does
 * the work (register.c, exec.c, catalog.c, graph.c) and shapes the result.
 * Arguments are validated here in one way for every entry point: NULL where
 * a value is required and empty strings are user errors with their own
 * SQLSTATE, never a crash.
 *
 * Layer: api (src/api/: SQL-callable wrappers), below only src/migrate.c:
 * it calls every layer below and nothing calls it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "compat.h"
#include "diff.h"
#include "exec.h"
#include "failrec.h"
#include "lint.h"
#include "register.h"
#include "runner.h"
#include "script.h"

PG_FUNCTION_INFO_V1(migrate_revision);
PG_FUNCTION_INFO_V1(migrate_revision_1_1);
PG_FUNCTION_INFO_V1(migrate_merge);
PG_FUNCTION_INFO_V1(migrate_upgrade);
PG_FUNCTION_INFO_V1(migrate_downgrade);
PG_FUNCTION_INFO_V1(migrate_stamp);
PG_FUNCTION_INFO_V1(migrate_current);
PG_FUNCTION_INFO_V1(migrate_heads);
PG_FUNCTION_INFO_V1(migrate_branches);
PG_FUNCTION_INFO_V1(migrate_history);
PG_FUNCTION_INFO_V1(migrate_show);
PG_FUNCTION_INFO_V1(migrate_check);
PG_FUNCTION_INFO_V1(migrate_upgrade_sql);
PG_FUNCTION_INFO_V1(migrate_downgrade_sql);

/* ---- argument helpers ---- */

static char *
text_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

static char *
required_text_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	char	   *s = text_arg(fcinfo, n);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name)));
	if (s[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must not be empty", name)));
	return s;
}

static bool
bool_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name)));
	return PG_GETARG_BOOL(n);
}

static List *
list_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	List	   *list;
	ListCell   *lc;

	if (PG_ARGISNULL(n))
		return NIL;
	list = migrate_text_array_to_list(PG_GETARG_ARRAYTYPE_P(n), name);
	foreach(lc, list)
	{
		CHECK_FOR_INTERRUPTS();
		if (((char *) lfirst(lc))[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"%s\" must not contain empty strings",
							name)));
	}
	return list;
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static Datum
revision_labels(const MgRevision *r)
{
	return migrate_cstrings_to_text_array(r->alllabels, r->nalllabels);
}

static Datum
revision_ids(const MgGraph *g, const int *idx, int n)
{
	const char **ids = palloc(sizeof(char *) * Max(n, 1));

	for (int i = 0; i < n; i++)
		ids[i] = mg_graph_rev(g, idx[i])->id;
	return migrate_cstrings_to_text_array(ids, n);
}

/*
 * Every revision id as a text datum, made once per cached graph: history
 * returns a row per revision, and converting 100,000 ids (and their
 * parents' ids) anew on every call was most of its time.
 */
static Datum *
graph_id_texts(MigrateGraphCache *gc)
{
	if (gc->id_texts == NULL)
	{
		int			n = mg_graph_count(gc->graph);
		MemoryContext oldcxt = MemoryContextSwitchTo(gc->cxt);
		Datum	   *texts = palloc(sizeof(Datum) * Max(n, 1));

		for (int i = 0; i < n; i++)
			texts[i] = CStringGetTextDatum(mg_graph_rev(gc->graph, i)->id);
		MemoryContextSwitchTo(oldcxt);
		gc->id_texts = texts;
	}
	return gc->id_texts;
}

/* A text[] of the ids of revisions idx[0..n-1], from prepared texts */
static Datum
id_text_array(const Datum *texts, const int *idx, int n, Datum empty)
{
	Datum	   *elems;

	if (n == 0)
		return empty;
	elems = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = texts[idx[i]];
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* Which revisions the version rows stand for; error on unknown rows */
static bool *
applied_set(MigrateGraphCache *gc, MigrateVersions cur)
{
	bool	   *applied = palloc0(sizeof(bool) * Max(mg_graph_count(gc->graph), 1));
	MgError		err = {0};

	if (!mg_applied_set(gc->graph, cur.ids, cur.n, applied, &err))
		migrate_raise_graph_error(&err);
	return applied;
}

static void
put_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* ---- registration ---- */

Datum
migrate_revision(PG_FUNCTION_ARGS)
{
	char	   *id;

	id = migrate_register(text_arg(fcinfo, 0),
						  text_arg(fcinfo, 1),
						  text_arg(fcinfo, 2),
						  PG_ARGISNULL(3) ? NULL :
						  required_text_arg(fcinfo, 3, "revision"),
						  list_arg(fcinfo, 4, "down_revisions"),
						  !PG_ARGISNULL(4),
						  list_arg(fcinfo, 5, "branch_labels"),
						  list_arg(fcinfo, 6, "depends_on"),
						  PG_ARGISNULL(7) ? NULL :
						  required_text_arg(fcinfo, 7, "head"),
						  bool_arg(fcinfo, 8, "splice"),
						  fcinfo->nargs > 9 ?
						  bool_arg(fcinfo, 9, "transactional") : true);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/* 1.1 adds transactional; the 1.0 symbol above serves 1.0 catalogs */
Datum
migrate_revision_1_1(PG_FUNCTION_ARGS)
{
	return migrate_revision(fcinfo);
}

Datum
migrate_merge(PG_FUNCTION_ARGS)
{
	char	   *id;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"revisions\" must not be null")));
	id = migrate_register_merge(list_arg(fcinfo, 0, "revisions"),
								text_arg(fcinfo, 1),
								list_arg(fcinfo, 2, "branch_labels"),
								PG_ARGISNULL(3) ? NULL :
								required_text_arg(fcinfo, 3, "revision"));
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/* ---- running ---- */

static void
return_step_results(FunctionCallInfo fcinfo, List *results)
{
	ListCell   *lc;

	foreach(lc, results)
	{
		MigrateStepResult *r = lfirst(lc);
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = Int32GetDatum(r->step);
		values[1] = CStringGetTextDatum(r->upgrade ? "upgrade" : "downgrade");
		values[2] = CStringGetTextDatum(r->revision);
		values[3] = migrate_list_to_text_array(r->down_revisions);
		values[4] = text_or_null(r->message, &nulls[4]);
		values[5] = IntervalPGetDatum(&r->duration);
		put_row(fcinfo, values, nulls);
	}
}

/*
 * Run an operation in the caller's transaction.  A run that fails after it
 * started takes its run-log rows down with the transaction, so the failure
 * is handed to a worker that records it (failrec.c).
 */
static List *
execute_recording_failure(MigrateOperation op, const char *target,
						  bool purge, bool dry_run, MigrateVersions *final)
{
	List	   *volatile results = NIL;

	PG_TRY();
	{
		results = migrate_execute(op, target, purge, dry_run, final);
	}
	PG_CATCH();
	{
		if (!dry_run)
			migrate_record_failure_in_background();
		PG_RE_THROW();
	}
	PG_END_TRY();
	return results;
}

/*
 * A dry run, measured: each statement's NOTICE says which relation locks it
 * took and which relations it rewrote (lint_measure.c).
 */
static List *
execute_measured(MigrateOperation op, const char *target)
{
	List	   *volatile results = NIL;

	/*
	 * A dry run called from a script of a measured dry run is refused by
	 * the runner; its begin and end would first take the statement hook
	 * from the outer run, which then went on without a NOTICE.
	 */
	if (migrate_statement_hook != NULL)
		return execute_recording_failure(op, target, false, true, NULL);
	migrate_measure_dry_run_begin();
	PG_TRY();
	{
		results = execute_recording_failure(op, target, false, true, NULL);
	}
	PG_FINALLY();
	{
		migrate_measure_dry_run_end();
	}
	PG_END_TRY();
	return results;
}

static Datum
run_operation(FunctionCallInfo fcinfo, MigrateOperation op)
{
	char	   *target = text_arg(fcinfo, 0);
	bool		dry_run = bool_arg(fcinfo, 1, "dry_run");
	List	   *results;

	migrate_init_srf(fcinfo, false);
	if (dry_run)
		results = execute_measured(op, target);
	else
		results = execute_recording_failure(op, target, false, false, NULL);
	return_step_results(fcinfo, results);
	return (Datum) 0;
}

Datum
migrate_upgrade(PG_FUNCTION_ARGS)
{
	return run_operation(fcinfo, MIGRATE_OP_UPGRADE);
}

Datum
migrate_downgrade(PG_FUNCTION_ARGS)
{
	return run_operation(fcinfo, MIGRATE_OP_DOWNGRADE);
}

Datum
migrate_stamp(PG_FUNCTION_ARGS)
{
	char	   *target = text_arg(fcinfo, 0);
	bool		purge = bool_arg(fcinfo, 1, "purge");
	MigrateVersions final;

	migrate_init_srf(fcinfo, true);
	(void) execute_recording_failure(MIGRATE_OP_STAMP, target, purge, false,
									 &final);
	for (int i = 0; i < final.n; i++)
	{
		Datum		values[1] = {CStringGetTextDatum(final.ids[i])};
		bool		nulls[1] = {false};

		put_row(fcinfo, values, nulls);
	}
	return (Datum) 0;
}

/* ---- looking around ---- */

static int
lookup_version(MigrateGraphCache *gc, const char *id)
{
	int			idx = mg_graph_lookup(gc->graph, id);

	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("version row \"%s\" names a revision that does not exist", id),
				 errhint("Register the revision, or correct the version rows with migrate_stamp().")));
	return idx;
}

Datum
migrate_current(PG_FUNCTION_ARGS)
{
	MigrateGraphCache *gc;
	MigrateVersions cur;
	TimestampTz *times;

	migrate_init_srf(fcinfo, false);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	times = migrate_applied_times(gc);
	for (int i = 0; i < cur.n; i++)
	{
		int			idx = lookup_version(gc, cur.ids[i]);
		const MgRevision *r = mg_graph_rev(gc->graph, idx);
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = text_or_null(gc->info[idx].message, &nulls[1]);
		values[2] = revision_ids(gc->graph, r->down, r->ndown);
		values[3] = revision_labels(r);
		values[4] = BoolGetDatum(r->is_head);
		values[5] = TimestampTzGetDatum(times[idx]);
		nulls[5] = times[idx] == 0;
		put_row(fcinfo, values, nulls);
	}
	return (Datum) 0;
}

Datum
migrate_heads(PG_FUNCTION_ARGS)
{
	MigrateGraphCache *gc;
	MigrateVersions cur;
	bool	   *applied;
	int		   *heads;
	int			n;

	migrate_init_srf(fcinfo, false);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	applied = applied_set(gc, cur);
	n = mg_graph_heads(gc->graph, false, &heads);
	for (int i = 0; i < n; i++)
	{
		const MgRevision *r = mg_graph_rev(gc->graph, heads[i]);
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = text_or_null(gc->info[heads[i]].message, &nulls[1]);
		values[2] = revision_ids(gc->graph, r->down, r->ndown);
		values[3] = revision_labels(r);
		values[4] = BoolGetDatum(r->is_real_head);
		values[5] = BoolGetDatum(applied[heads[i]]);
		put_row(fcinfo, values, nulls);
	}
	return (Datum) 0;
}

Datum
migrate_branches(PG_FUNCTION_ARGS)
{
	MigrateGraphCache *gc;
	int			n;

	migrate_init_srf(fcinfo, false);
	gc = migrate_graph_get();
	n = mg_graph_count(gc->graph);
	for (int i = 0; i < n; i++)
	{
		const MgRevision *r = mg_graph_rev(gc->graph, i);
		Datum		values[4];
		bool		nulls[4] = {0};

		if (!r->is_branch_point)
			continue;
		values[0] = CStringGetTextDatum(r->id);
		values[1] = text_or_null(gc->info[i].message, &nulls[1]);
		values[2] = revision_labels(r);
		values[3] = revision_ids(gc->graph, r->next, r->nnext);
		put_row(fcinfo, values, nulls);
	}
	return (Datum) 0;
}

Datum
migrate_history(PG_FUNCTION_ARGS)
{
	char	   *range = text_arg(fcinfo, 0);
	MigrateGraphCache *gc;
	MigrateVersions cur;
	bool	   *applied;
	bool	   *current;
	TimestampTz *times;
	int		   *order;
	int			n;
	MgError		err = {0};
	MemoryContext rowcxt;
	Datum	   *texts;
	Datum		empty;

	migrate_init_srf(fcinfo, false);
	if (range != NULL && range[0] == '\0')
		range = NULL;
	if (range != NULL)
		migrate_check_symbol(range, "range");
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	applied = applied_set(gc, cur);
	current = palloc0(sizeof(bool) * Max(mg_graph_count(gc->graph), 1));
	for (int i = 0; i < cur.n; i++)
		current[lookup_version(gc, cur.ids[i])] = true;
	times = migrate_applied_times(gc);
	n = mg_history(gc->graph, cur.ids, cur.n, range, &order, &err);
	if (n < 0)
		migrate_raise_graph_error(&err);
	texts = graph_id_texts(gc);
	empty = PointerGetDatum(construct_empty_array(TEXTOID));
	/* a whole graph's worth of rows: free each row's arrays as we go */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "migrate history row",
								   ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < n; i++)
	{
		int			idx = order[i];
		const MgRevision *r = mg_graph_rev(gc->graph, idx);
		Datum		values[12];
		bool		nulls[12] = {0};
		MemoryContext oldcxt = MemoryContextSwitchTo(rowcxt);

		values[0] = texts[idx];
		values[1] = id_text_array(texts, r->down, r->ndown, empty);
		values[2] = text_or_null(gc->info[idx].message, &nulls[2]);
		values[3] = r->nalllabels ? revision_labels(r) : empty;
		values[4] = id_text_array(texts, r->deps, r->ndeps, empty);
		values[5] = BoolGetDatum(r->is_head);
		values[6] = BoolGetDatum(r->is_branch_point);
		values[7] = BoolGetDatum(r->is_merge_point);
		values[8] = BoolGetDatum(current[idx]);
		values[9] = BoolGetDatum(applied[idx]);
		values[10] = TimestampTzGetDatum(times[idx]);
		nulls[10] = times[idx] == 0;
		values[11] = TimestampTzGetDatum(gc->info[idx].created_at);
		put_row(fcinfo, values, nulls);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

Datum
migrate_show(PG_FUNCTION_ARGS)
{
	char	   *target = required_text_arg(fcinfo, 0, "revision");
	MigrateGraphCache *gc;
	MigrateVersions cur;
	bool	   *applied;
	TimestampTz *times;
	int		   *idx;
	int			n;
	MgError		err = {0};

	migrate_check_symbol(target, "revision");
	migrate_init_srf(fcinfo, false);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	n = mg_resolve_revisions(gc->graph, cur.ids, cur.n, target, &idx, &err);
	if (n < 0)
		migrate_raise_graph_error(&err);
	applied = applied_set(gc, cur);
	times = migrate_applied_times(gc);
	for (int i = 0; i < n; i++)
	{
		const MgRevision *r = mg_graph_rev(gc->graph, idx[i]);
		MigrateRevisionRow *row = migrate_revision_fetch(r->id);
		Datum		values[16];
		bool		nulls[16] = {0};

		if (row == NULL)
			continue;			/* concurrently removed: not in our snapshot */
		values[0] = CStringGetTextDatum(r->id);
		values[1] = revision_ids(gc->graph, r->down, r->ndown);
		values[2] = revision_ids(gc->graph, r->next, r->nnext);
		values[3] = revision_labels(r);
		values[4] = migrate_list_to_text_array(row->depends_on);
		values[5] = text_or_null(row->message, &nulls[5]);
		values[6] = BoolGetDatum(r->is_head);
		values[7] = BoolGetDatum(r->is_branch_point);
		values[8] = BoolGetDatum(r->is_merge_point);
		values[9] = BoolGetDatum(applied[idx[i]]);
		values[10] = TimestampTzGetDatum(times[idx[i]]);
		nulls[10] = times[idx[i]] == 0;
		values[11] = text_or_null(row->upgrade, &nulls[11]);
		values[12] = text_or_null(row->downgrade, &nulls[12]);
		values[13] = CStringGetTextDatum(row->checksum);
		values[14] = TimestampTzGetDatum(row->created_at);
		values[15] = DirectFunctionCall1(namein, CStringGetDatum(row->created_by));
		put_row(fcinfo, values, nulls);
	}
	return (Datum) 0;
}

/* ---- checking and offline SQL ---- */

Datum
migrate_check(PG_FUNCTION_ARGS)
{
	char	   *desired = text_arg(fcinfo, 0);
	char	   *schema = text_arg(fcinfo, 1);

	migrate_check_state();
	if (desired != NULL)
	{
		char	   *differences;
		int			ndiff = 0;

		if (schema == NULL || schema[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"schema\" must name a schema")));
		differences = migrate_diff_against_desired(desired, schema, &ndiff);
		if (ndiff > 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("schema \"%s\" differs from the desired schema",
							migrate_clip(schema)),
					 errdetail_plural("%d difference:\n%s",
									  "%d differences:\n%s",
									  ndiff, ndiff, differences),
					 errhint("Generate a revision with migrate_autogenerate().")));
	}
	PG_RETURN_VOID();
}

Datum
migrate_upgrade_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(migrate_offline_sql(MIGRATE_OP_UPGRADE,
														 text_arg(fcinfo, 0))));
}

Datum
migrate_downgrade_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(migrate_offline_sql(MIGRATE_OP_DOWNGRADE,
														 text_arg(fcinfo, 0))));
}
