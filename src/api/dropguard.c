/*-------------------------------------------------------------------------
 *
 * dropguard.c
 *	  DROP EXTENSION migrate refused while the catalog holds history.
 *
 * Layer: api (src/api/: SQL-callable, an event trigger function); reaches
 * only down, to catalog/.  src/migrate.c defines its setting through
 * migrate_dropguard_init().
 *
 * The catalog tables are members of the extension: DROP EXTENSION migrate
 * deletes every revision, version row and run log entry with it, silently,
 * and the next CREATE EXTENSION starts from nothing, so the next upgrade
 * runs every revision again and fails on objects that already exist.  An
 * event trigger on ddl_command_start (a member of the extension, so it goes
 * with it) refuses DROP EXTENSION migrate, and DROP SCHEMA ... CASCADE of
 * the schema the extension lives in, while migrate.revision or
 * migrate.version has rows, unless the superuser-only setting
 * migrate.allow_drop is on.  The hint names the way out: dump the catalog
 * tables first (pg_dump --data-only --table='migrate.*': the schema is a
 * member of the extension, so --schema=migrate would dump nothing), then
 * allow the drop; loading that dump into a new CREATE EXTENSION migrate
 * restores the history.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "dropguard.h"

PG_FUNCTION_INFO_V1(migrate_protect_drop);

bool		migrate_allow_drop = false;

/* From _PG_init: session-level settings of this file */
void
migrate_dropguard_init(void)
{
	DefineCustomBoolVariable("migrate.allow_drop",
							 "Allows DROP EXTENSION migrate while its catalog holds history",
							 "The revisions, version rows and run log of the database go with the extension.",
							 &migrate_allow_drop, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);
}

/* Does the catalog hold history?  Sets the counts for the message. */
static bool
has_history(int64 *nrevisions, int64 *nversions)
{
	bool		isnull;

	*nrevisions = *nversions = 0;
	if (!OidIsValid(get_namespace_oid("migrate", true)))
		return false;
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT (SELECT pg_catalog.count(*) FROM migrate.revision),"
					 " (SELECT pg_catalog.count(*) FROM migrate.version)",
					 0, NULL, NULL, NULL);
	*nrevisions = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull));
	*nversions = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 2, &isnull));
	SPI_finish();
	return *nrevisions > 0 || *nversions > 0;
}

/* The schema the extension lives in (get_extension_schema is static in 15) */
static Oid
extension_schema(void)
{
	Oid			nsp = InvalidOid;
	bool		isnull;

	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT extnamespace FROM pg_catalog.pg_extension"
					 " WHERE extname OPERATOR(pg_catalog.=) 'migrate'::pg_catalog.name",
					 0, NULL, NULL, NULL);
	if (SPI_processed == 1)
		nsp = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return nsp;
}

/* Would this DROP statement take the extension with it? */
static bool
drops_extension(DropStmt *stmt)
{
	ListCell   *lc;
	Oid			extnsp = InvalidOid;
	Oid			extoid = get_extension_oid("migrate", true);

	if (!OidIsValid(extoid))
		return false;
	if (stmt->removeType == OBJECT_SCHEMA)
	{
		if (stmt->behavior != DROP_CASCADE)
			return false;
		extnsp = extension_schema();
	}
	else if (stmt->removeType != OBJECT_EXTENSION)
		return false;

	foreach(lc, stmt->objects)
	{
		Node	   *obj = lfirst(lc);
		const char *name;

		if (!IsA(obj, String))
			continue;
		name = strVal(obj);
		if (stmt->removeType == OBJECT_EXTENSION && strcmp(name, "migrate") == 0)
			return true;
		if (stmt->removeType == OBJECT_SCHEMA &&
			(strcmp(name, "migrate") == 0 ||
			 get_namespace_oid(name, true) == extnsp))
			return true;
	}
	return false;
}

Datum
migrate_protect_drop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	int64		nrevisions;
	int64		nversions;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by the event trigger manager",
						"migrate_protect_drop")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (migrate_allow_drop || trigdata->parsetree == NULL ||
		!IsA(trigdata->parsetree, DropStmt) ||
		!drops_extension((DropStmt *) trigdata->parsetree))
		PG_RETURN_NULL();
	if (!has_history(&nrevisions, &nversions))
		PG_RETURN_NULL();

	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("cannot drop extension \"migrate\" while its catalog holds the history of this database"),
			 errdetail("Schema \"migrate\" holds " INT64_FORMAT " revisions and " INT64_FORMAT " version rows; they would be dropped with the extension, and the next upgrade would run every revision again.",
					   nrevisions, nversions),
			 errhint("Save the history first with pg_dump --data-only --table='migrate.*', then SET migrate.allow_drop = on and drop again; to restore the history, create the extension and load that dump.")));
	PG_RETURN_NULL();
}
