/*-------------------------------------------------------------------------
 *
 * migrate.c
 *	  Module entry point of migrate, and the mapping of graph errors.
 *
 * migrate does inside PostgreSQL what Alembic does from a Python process:
 * a catalog of revisions in tables, and SQL functions that plan a path
 * through the revision graph and run each revision's script through SPI.
 * This file holds what every other module shares: _PG_init and the one
 * place where the pure graph module's error codes become SQLSTATEs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "migrate.h"

PG_MODULE_MAGIC;

void
_PG_init(void)
{
	migrate_reserve_guc_prefix("migrate");
}

/*
 * Turn an error of the pure graph module into ereport(ERROR) with the
 * SQLSTATE its class stands for.
 */
void
migrate_raise_graph_error(const MgError *err)
{
	int			sqlstate;

	switch (err->code)
	{
		case MG_ERR_UNDEFINED:
			sqlstate = ERRCODE_UNDEFINED_OBJECT;
			break;
		case MG_ERR_AMBIGUOUS:
			sqlstate = ERRCODE_AMBIGUOUS_PARAMETER;
			break;
		case MG_ERR_MULTIPLE_HEADS:
		case MG_ERR_STATE:
			sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
			break;
		case MG_ERR_INVALID_GRAPH:
			sqlstate = ERRCODE_INVALID_OBJECT_DEFINITION;
			break;
		case MG_ERR_SYNTAX:
			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case MG_ERR_NOT_SUPPORTED:
			sqlstate = ERRCODE_FEATURE_NOT_SUPPORTED;
			break;
		default:
			elog(ERROR, "unexpected graph error code %d: %s", (int) err->code,
				 err->message ? err->message : "");
			return;
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg_internal("%s", err->message ? err->message : "revision graph error"),
			 err->detail ? errdetail_internal("%s", err->detail) : 0,
			 err->hint ? errhint("%s", err->hint) : 0));
}
