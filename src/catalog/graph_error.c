/*-------------------------------------------------------------------------
 *
 * graph_error.c
 *	  The graph errors of the pure core as SQLSTATEs.
 *
 * The pure modules (core/: graph.c, plan.c, target.c) report failure as an
 * error code plus message, as jsonapi.h does, so that the standalone tests
 * and the fuzzer link them without PostgreSQL; this is the one place where
 * those codes become ereport(ERROR) with the SQLSTATE each class stands for.
 *
 * Layer: catalog, just above the pure core: catalog.c raises graph errors
 * while loading the graph, and every layer above calls it (it was in
 * migrate.c, the top, which made each of those calls an upward one).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog.h"

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
		case MG_ERR_LIMIT:
			sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
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
