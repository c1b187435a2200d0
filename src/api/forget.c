/*-------------------------------------------------------------------------
 *
 * forget.c
 *	  migrate_forget(): remove a registration, and migrate_stamp() of
 *	  several revisions at once.
 *
 * Registration is idempotent and a deploy pushes every revision every
 * time, so a revision registered by mistake (typed at a psql prompt, or a
 * file deleted before it was ever applied) would otherwise stay forever
 * and be applied by the next upgrade.  Forgetting is allowed only where it
 * cannot leave the catalog inconsistent: the revision is not applied, and
 * no other revision names it as a parent or a dependency.
 *
 * Alembic's `stamp a b` stamps several revisions in one call; the planner
 * takes them as one space-separated target (no symbol contains white
 * space), which this entry point builds from an array.
 *
 * Layer: api (src/api/): it calls run/exec.c, catalog/ and core/.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "compat.h"
#include "exec.h"
#include "runner.h"

PG_FUNCTION_INFO_V1(migrate_forget);
PG_FUNCTION_INFO_V1(migrate_stamp_1_2);

static bool
is_applied(MigrateGraphCache *gc, int idx)
{
	MigrateVersions cur = migrate_versions_read();
	bool	   *applied;
	MgError		err = {0};

	if (cur.n == 0)
		return false;
	applied = palloc0(sizeof(bool) * mg_graph_count(gc->graph));
	if (!mg_applied_set(gc->graph, cur.ids, cur.n, applied, &err))
		migrate_raise_graph_error(&err);
	return applied[idx];
}

Datum
migrate_forget(PG_FUNCTION_ARGS)
{
	char	   *id;
	MigrateGraphCache *gc;
	const MgRevision *rev;
	int			idx;
	Oid			save_userid;
	int			save_sec;
	Datum		idv;
	Datum		labels;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"revision\" must not be null")));
	id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	migrate_check_symbol(id, "revision");

	migrate_lock_graph(true);
	gc = migrate_graph_get();
	idx = mg_graph_lookup(gc->graph, id);
	if (idx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", migrate_clip(id)),
				 errhint("Give the full revision identifier.")));
	rev = mg_graph_rev(gc->graph, idx);
	if (is_applied(gc, idx))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is applied", migrate_clip(id)),
				 errdetail("Only a revision that is not applied can be forgotten."),
				 errhint("Downgrade below it first, for example with migrate_downgrade('%s-1'), then forget it.",
						 migrate_clip(id))));

	idv = CStringGetTextDatum(id);
	{
		const char **l = palloc(sizeof(char *) * Max(rev->nlabels, 1));

		for (int i = 0; i < rev->nlabels; i++)
			l[i] = rev->labels[i];
		labels = migrate_cstrings_to_text_array(l, rev->nlabels);
	}

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();

	/* removing a revision is changing it: its owner's members only (1.2) */
	if (migrate_catalog_has_owners())
	{
		migrate_spi_exec(SPI_OK_SELECT,
						 "SELECT owner::pg_catalog.text FROM migrate.revision"
						 " WHERE id OPERATOR(pg_catalog.=) $1",
						 1, (Oid[]) {TEXTOID}, &idv, NULL);
		if (SPI_processed == 1)
			migrate_check_may_change(id, migrate_spi_text(0, 1), save_userid);
	}
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT id FROM migrate.revision"
					 " WHERE down_revisions OPERATOR(pg_catalog.@>) ARRAY[$1]"
					 " OR depends_on OPERATOR(pg_catalog.&&)"
					 " (ARRAY[$1] OPERATOR(pg_catalog.||) $2)"
					 " ORDER BY registered LIMIT 6",
					 2, (Oid[]) {TEXTOID, TEXTARRAYOID},
					 (Datum[]) {idv, labels}, NULL);
	if (SPI_processed > 0)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (uint64 i = 0; i < SPI_processed && i < 5; i++)
			appendStringInfo(&buf, "%s\"%s\"", i ? ", " : "",
							 migrate_clip(migrate_spi_text(i, 1)));
		if (SPI_processed > 5)
			appendStringInfoString(&buf, " and more");
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" has revisions that build on it",
						migrate_clip(id)),
				 errdetail("Revisions %s name it as a down revision or dependency.",
						   buf.data),
				 errhint("Forget those revisions first.")));
	}
	migrate_spi_exec(SPI_OK_DELETE,
					 "DELETE FROM migrate.applied WHERE revision OPERATOR(pg_catalog.=) $1",
					 1, (Oid[]) {TEXTOID}, &idv, NULL);
	migrate_spi_exec(SPI_OK_DELETE_RETURNING,
					 "DELETE FROM migrate.revision WHERE id OPERATOR(pg_catalog.=) $1"
					 " RETURNING down_revisions",
					 1, (Oid[]) {TEXTOID}, &idv, NULL);
	{
		bool		isnull;
		Datum		parents = SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1, &isnull);

		/* a parent with no other child becomes a head again */
		migrate_spi_exec(SPI_OK_UPDATE,
						 "UPDATE migrate.revision p SET is_head = NOT EXISTS"
						 " (SELECT 1 FROM migrate.revision c"
						 "  WHERE c.down_revisions OPERATOR(pg_catalog.@>) ARRAY[p.id])"
						 " WHERE p.id OPERATOR(pg_catalog.=) ANY ($1)",
						 1, (Oid[]) {TEXTARRAYOID}, &parents, NULL);
	}
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.graph_state SET generation ="
					 " pg_catalog.nextval('migrate.graph_generation_seq')",
					 0, NULL, NULL, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	migrate_graph_invalidate();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * migrate_stamp(revisions text[], purge boolean): Alembic's `stamp a b`.
 */
Datum
migrate_stamp_1_2(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	List	   *targets;
	ListCell   *lc;
	StringInfoData joined;
	bool		purge;
	MigrateVersions final;
	ReturnSetInfo *rsinfo;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"revisions\" must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"purge\" must not be null")));
	arr = PG_GETARG_ARRAYTYPE_P(0);
	purge = PG_GETARG_BOOL(1);
	targets = migrate_text_array_to_list(arr, "revisions");
	if (targets == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"revisions\" must not be empty"),
				 errhint("Use ARRAY['base'] to stamp an empty version table.")));
	initStringInfo(&joined);
	foreach(lc, targets)
	{
		const char *t = lfirst(lc);

		migrate_check_symbol(t, "stamp target");
		if (t[0] == '\0' || strpbrk(t, " \t\n\r\f\v") != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid stamp target \"%s\"", migrate_clip(t)),
					 errdetail("A target is one revision identifier, branch label or symbol, without white space.")));
		appendStringInfo(&joined, "%s%s", joined.len ? " " : "", t);
	}

	migrate_init_srf(fcinfo, true);
	PG_TRY();
	{
		(void) migrate_execute(MIGRATE_OP_STAMP, joined.data, purge, false,
							   &final);
	}
	PG_CATCH();
	{
		migrate_record_failure_in_background();
		PG_RE_THROW();
	}
	PG_END_TRY();
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	for (int i = 0; i < final.n; i++)
	{
		Datum		values[1] = {CStringGetTextDatum(final.ids[i])};
		bool		nulls[1] = {false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}
