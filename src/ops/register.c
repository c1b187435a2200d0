/*-------------------------------------------------------------------------
 *
 * register.c
 *	  Registering revisions: migrate_revision() and migrate_merge().
 *
 * A deploy pushes every revision every time, so registration is built to
 * be idempotent and cheap: an identical revision is a no-op, an unapplied
 * one with new content is replaced, an applied one with new content is an
 * error.  The common path (explicit parents, or "on top of the one head")
 * checks parents, dependencies and labels with index lookups and keeps
 * migrate.revision.is_head up to date, so it never loads the graph and its
 * cost does not grow with it.  Only the rare paths (a head given as a
 * symbol, replacing a revision, merges) load the graph.
 *
 * Layer: ops (src/ops/: registration is an operation), above lint/ (the
 * registration gate, migrate_lint_enforce), run/ (script.c, only to
 * validate scripts), catalog/ and core/; below api/ (funcs.c, push.c).  It
 * calls no other file of ops/.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "compat.h"
#include "dirty.h"
#include "lint.h"
#include "register.h"
#include "script.h"

/* What we know of a revision already registered under the same id */
typedef struct ExistingRevision
{
	bool		found;
	List	   *down_revisions;
	char	   *checksum;
	char	   *message;
	char	   *downgrade;
	char	   *owner;			/* NULL before 1.2 */
} ExistingRevision;

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static bool
strings_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- argument validation, before any catalog access ---- */

/* A graph-module message (primary-message style) as a detail sentence */
static char *
as_sentence(const char *msg)
{
	char	   *s = psprintf("%s.", msg);

	s[0] = pg_toupper((unsigned char) s[0]);
	return s;
}

/*
 * The one rule for a new revision identifier, checked by every entry point
 * that registers one (migrate_revision, migrate_merge, migrate_push, and
 * through them the client's commands).  On top of the graph's rule (no
 * '@', '-', '+', ':', white space, control characters or reserved words,
 * mg_valid_revision_id) an id must be a safe plain file name, since
 * pg_migrate export writes it as <id>_<slug>.sql and reads it back: no
 * directory separator of any system ('/', '\\'), no character Windows
 * refuses in file names, none of ',', '{' and '}' (a file's header lists
 * are comma-separated, and text[] output quotes them), no leading '.'
 * (".", "..", hidden files, which the client's directory reader skips),
 * and short enough that the file name with its slug (at most 84 bytes)
 * stays under NAME_MAX (255).
 *
 * The graph itself keeps the older rule, so that revisions registered
 * before 1.3 under ids this refuses still load, run, and can be forgotten.
 * The details never echo the id (the primary message echoes it clipped).
 */
void
migrate_check_revision_id(const char *id)
{
	size_t		len = strlen(id);
	const char *why = NULL;
	MgError		err = {0};

	if (len == 0)
		why = "It is empty.";
	else if (len > MIGRATE_MAX_NEW_ID_LEN)
		why = psprintf("It is %zu bytes long; the limit is %d.",
					   len, MIGRATE_MAX_NEW_ID_LEN);
	else if (id[0] == '.')
		why = "It begins with \".\", which would make a hidden file name.";
	else
	{
		for (const unsigned char *p = (const unsigned char *) id; *p; p++)
		{
			if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
				why = "It contains white space.";
			else if (*p < 0x20 || *p == 0x7f)
				why = "It contains a control character.";
			else if (*p == '/' || *p == '\\')
				why = psprintf("It contains the directory separator \"%c\".", *p);
			else if (strchr("@-+:<>\"|?*,{}", *p) != NULL)
				why = psprintf("It contains the character \"%c\".", *p);
			if (why)
				break;
		}
	}
	if (why == NULL && !mg_valid_revision_id(id, &err))
		why = "It is a reserved word.";
	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid revision identifier \"%s\"", migrate_clip(id)),
				 errdetail("%s", why),
				 errhint("A revision identifier is a plain file name of at most %d bytes: it may not begin with \".\", contain \"/\", \"\\\", \"@\", \"-\", \"+\", \":\", \"<\", \">\", \"\"\", \"|\", \"?\", \"*\", \",\", \"{\", \"}\", white space or control characters, nor be one of the words head, heads, base and current.",
						 MIGRATE_MAX_NEW_ID_LEN)));
}

/* Sorting, not comparing every pair: the arrays can be of any length */
static void
check_no_duplicates(List *list, const char *argname)
{
	const char *dup = migrate_first_duplicate(list);

	if (dup != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" lists \"%s\" more than once",
						argname, migrate_clip(dup))));
}

static void
check_labels(List *labels)
{
	ListCell   *lc;

	foreach(lc, labels)
	{
		MgError		err = {0};

		CHECK_FOR_INTERRUPTS();
		if (!mg_valid_branch_label(lfirst(lc), &err))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid branch label \"%s\"", migrate_clip(lfirst(lc))),
					 err.message ? errdetail("%s", as_sentence(err.message)) : 0));
	}
	check_no_duplicates(labels, "branch_labels");
}

/* Alembic's revision ids: the last 12 hex digits of a random UUID */
static char *
generate_revision_id(void)
{
	uint8		bytes[6];
	char	   *id = palloc(13);

	if (!pg_strong_random(bytes, sizeof(bytes)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random revision identifier")));
	for (int i = 0; i < 6; i++)
		snprintf(id + i * 2, 3, "%02x", bytes[i]);
	return id;
}

/* ---- catalog lookups (connected to SPI, as the extension owner) ---- */

static ExistingRevision
lookup_existing(const char *id, bool owners)
{
	ExistingRevision ex = {0};
	Datum		v[1] = {CStringGetTextDatum(id)};

	migrate_spi_exec(SPI_OK_SELECT, owners ?
					 "SELECT down_revisions, checksum, message, downgrade,"
					 " owner::pg_catalog.text"
					 " FROM migrate.revision WHERE id OPERATOR(pg_catalog.=) $1" :
					 "SELECT down_revisions, checksum, message, downgrade"
					 " FROM migrate.revision WHERE id OPERATOR(pg_catalog.=) $1",
					 1, (Oid[]) {TEXTOID}, v, NULL);
	if (SPI_processed == 1)
	{
		ex.found = true;
		ex.down_revisions = migrate_spi_text_list(0, 1);
		ex.checksum = migrate_spi_text(0, 2);
		ex.message = migrate_spi_text(0, 3);
		ex.downgrade = migrate_spi_text(0, 4);
		if (owners)
			ex.owner = migrate_spi_text(0, 5);
	}
	return ex;
}

/* The parents of a new revision placed "on top of the current head" */
static List *
parents_on_single_head(void)
{
	List	   *heads = NIL;

	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT id FROM migrate.revision WHERE is_head"
					 " ORDER BY registered", 0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
		heads = lappend(heads, migrate_spi_text(i, 1));
	if (list_length(heads) > 1)
	{
		StringInfoData buf;
		ListCell   *lc;

		initStringInfo(&buf);
		foreach(lc, heads)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
							 (char *) lfirst(lc));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("multiple heads are present"),
				 errdetail("The heads are %s.", buf.data),
				 errhint("Pass head or down_revisions to say where the new revision goes, or merge the heads with migrate_merge().")));
	}
	return heads;
}

static List *
parents_from_graph(const char *head, bool splice)
{
	MigrateGraphCache *gc = migrate_graph_get();
	const char **parents;
	int			nparents;
	MgError		err = {0};
	List	   *list = NIL;

	if (!mg_new_revision_parents(gc->graph, head, splice, &parents,
								 &nparents, &err))
		migrate_raise_graph_error(&err);
	for (int i = 0; i < nparents; i++)
		list = lappend(list, pstrdup(parents[i]));
	return list;
}

static void
check_parents_exist(List *parents, const char *id)
{
	ListCell   *lc;

	foreach(lc, parents)
	{
		Datum		v[1] = {CStringGetTextDatum(lfirst(lc))};

		CHECK_FOR_INTERRUPTS();
		if (strcmp(lfirst(lc), id) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("revision \"%s\" cannot be its own down revision",
							id)));
		migrate_spi_exec(SPI_OK_SELECT,
						 "SELECT 1 FROM migrate.revision"
						 " WHERE id OPERATOR(pg_catalog.=) $1",
						 1, (Oid[]) {TEXTOID}, v, NULL);
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("down revision \"%s\" of revision \"%s\" does not exist",
							migrate_clip(lfirst(lc)), id),
					 errhint("Register the down revision first.")));
	}
}

/*
 * Resolve depends_on entries as alembic revision does: an exact id or a
 * declared branch label stays as written; a unique partial id becomes the
 * full id.  Each is an index lookup.
 */
static List *
resolve_depends_on(List *deps, const char *id)
{
	List	   *resolved = NIL;
	ListCell   *lc;

	foreach(lc, deps)
	{
		const char *dep = lfirst(lc);
		Datum		v[1] = {CStringGetTextDatum(dep)};

		CHECK_FOR_INTERRUPTS();
		if (strcmp(dep, id) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("revision \"%s\" cannot depend on itself", id)));
		migrate_spi_exec_indexed(SPI_OK_SELECT,
								 "SELECT 1 FROM migrate.revision"
								 " WHERE id OPERATOR(pg_catalog.=) $1"
								 " OR branch_labels OPERATOR(pg_catalog.@>) ARRAY[$1]",
								 1, (Oid[]) {TEXTOID}, v, NULL);
		if (SPI_processed > 0)
		{
			resolved = lappend(resolved, (char *) dep);
			continue;
		}
		migrate_spi_exec(SPI_OK_SELECT,
						 "SELECT id FROM migrate.revision"
						 " WHERE id OPERATOR(pg_catalog.~>=~) $1"
						 " AND pg_catalog.starts_with(id, $1) ORDER BY id LIMIT 3",
						 1, (Oid[]) {TEXTOID}, v, NULL);
		if (SPI_processed == 1)
			resolved = lappend(resolved, migrate_spi_text(0, 1));
		else if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("dependency \"%s\" of revision \"%s\" does not exist",
							migrate_clip(dep), id),
					 errhint("A dependency names a registered revision, a unique prefix of one, or a branch label.")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
					 errmsg("dependency \"%s\" of revision \"%s\" is ambiguous",
							migrate_clip(dep), id),
					 errdetail("It is a prefix of several revision identifiers, such as %s and %s.",
							   migrate_spi_text(0, 1), migrate_spi_text(1, 1))));
	}
	return resolved;
}

/* A new branch label and its place in the caller's list */
typedef struct NewLabel
{
	const char *label;
	int			ord;
} NewLabel;

static int
new_label_cmp(const void *a, const void *b)
{
	return strcmp(((const NewLabel *) a)->label, ((const NewLabel *) b)->label);
}

/*
 * The first of the labels, in the caller's order, that the rows of the last
 * query (label, revision id) name; its row is stored in *row
 */
static int
first_label_hit(List *labels, uint64 *row)
{
	int			n = list_length(labels);
	NewLabel   *sorted = palloc(mul_size(n, sizeof(NewLabel)));
	ListCell   *lc;
	int			first = -1;

	foreach(lc, labels)
	{
		sorted[foreach_current_index(lc)].label = lfirst(lc);
		sorted[foreach_current_index(lc)].ord = foreach_current_index(lc);
	}
	qsort(sorted, n, sizeof(NewLabel), new_label_cmp);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		NewLabel	key = {migrate_spi_text(r, 1), 0};
		NewLabel   *hit = bsearch(&key, sorted, n, sizeof(NewLabel),
								  new_label_cmp);

		if (hit != NULL && (first < 0 || hit->ord < first))
		{
			first = hit->ord;
			*row = r;
		}
	}
	pfree(sorted);
	return first;
}

/*
 * A branch label must be unique among labels and revision ids.  One query
 * looks all the new labels up among the labels and ids of the other
 * revisions, planned with them as a constant array so that the lookup is a
 * hash probe: O(E + N) for E existing and N new labels.  A query per label
 * made registering 100,000 labels take 6 s on a release build (over a
 * minute on an assert-enabled one) and registering 100,000 more beside
 * them quadratic; fetching every existing label to compare in C made each
 * registration of a long chain pay for all the labels before it.
 */
static void
check_labels_unused(List *labels, const char *id)
{
	ListCell   *lc;
	Datum		idv[1] = {CStringGetTextDatum(id)};

	foreach(lc, labels)
	{
		if (strcmp(lfirst(lc), id) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("branch label \"%s\" is the identifier of its own revision",
							id)));
	}
	if (labels != NIL)
	{
		uint64		row = 0;
		int			first;

		migrate_spi_exec_once(SPI_OK_SELECT,
							  "SELECT x.l, x.id FROM (SELECT pg_catalog.unnest("
							  "r.branch_labels OPERATOR(pg_catalog.||) r.id) l, r.id"
							  " FROM migrate.revision r"
							  " WHERE r.id OPERATOR(pg_catalog.<>) $1) x"
							  " WHERE x.l OPERATOR(pg_catalog.=) ANY ($2)",
							  2, (Oid[]) {TEXTOID, TEXTARRAYOID},
							  (Datum[]) {idv[0], migrate_list_to_text_array(labels)},
							  NULL);
		first = SPI_processed > 0 ? first_label_hit(labels, &row) : -1;
		if (first >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("branch label \"%s\" in revision \"%s\" is already used by revision \"%s\"",
							migrate_clip(list_nth(labels, first)), id,
							migrate_spi_text(row, 2))));
	}
	migrate_spi_exec_indexed(SPI_OK_SELECT,
							 "SELECT id FROM migrate.revision"
							 " WHERE branch_labels OPERATOR(pg_catalog.@>) ARRAY[$1]",
							 1, (Oid[]) {TEXTOID}, idv, NULL);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision identifier \"%s\" is already used as a branch label by revision \"%s\"",
						id, migrate_spi_text(0, 1))));
}

/* Recompute is_head of the given revisions from their children */
static void
refresh_is_head(List *ids)
{
	if (ids == NIL)
		return;
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.revision p SET is_head = NOT EXISTS"
					 " (SELECT 1 FROM migrate.revision c"
					 "  WHERE c.down_revisions OPERATOR(pg_catalog.@>) ARRAY[p.id])"
					 " WHERE p.id OPERATOR(pg_catalog.=) ANY ($1)",
					 1, (Oid[]) {TEXTARRAYOID},
					 (Datum[]) {migrate_list_to_text_array(ids)}, NULL);
}

/* Is the revision applied, in Alembic's sense, by the current version rows? */
static bool
revision_is_applied(const char *id)
{
	MigrateGraphCache *gc = migrate_graph_get();
	MigrateVersions cur = migrate_versions_read();
	int			idx = mg_graph_lookup(gc->graph, id);
	bool	   *applied;
	MgError		err = {0};

	if (idx < 0 || cur.n == 0)
		return false;
	applied = palloc0(sizeof(bool) * mg_graph_count(gc->graph));
	if (!mg_applied_set(gc->graph, cur.ids, cur.n, applied, &err))
		migrate_raise_graph_error(&err);
	return applied[idx];
}

static void
insert_revision(const char *id, List *parents, List *labels, List *deps,
				const char *message, const char *upgrade,
				const char *downgrade, const char *checksum, Oid owner)
{
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};

	v[0] = CStringGetTextDatum(id);
	v[1] = migrate_list_to_text_array(parents);
	v[2] = migrate_list_to_text_array(labels);
	v[3] = migrate_list_to_text_array(deps);
	v[4] = text_or_null(message, &n[4]);
	v[5] = text_or_null(upgrade, &n[5]);
	v[6] = text_or_null(downgrade, &n[6]);
	/* with owners (1.2), or without: see migrate_catalog_has_owners */
	migrate_spi_exec(SPI_OK_INSERT, OidIsValid(owner) ?
					 "INSERT INTO migrate.revision (id, down_revisions,"
					 " branch_labels, depends_on, message, upgrade, downgrade,"
					 " checksum, created_by, owner, owner_oid)"
					 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)" :
					 "INSERT INTO migrate.revision (id, down_revisions,"
					 " branch_labels, depends_on, message, upgrade, downgrade,"
					 " checksum, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7,"
					 " $8, $9)",
					 OidIsValid(owner) ? 11 : 9,
					 (Oid[]) {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
					 TEXTOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, NAMEOID, OIDOID},
					 (Datum[]) {v[0], v[1], v[2], v[3], v[4], v[5], v[6],
					 CStringGetTextDatum(checksum),
					 DirectFunctionCall1(namein,
										 CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false))),
					 OidIsValid(owner) ?
					 DirectFunctionCall1(namein,
										 CStringGetDatum(GetUserNameFromId(owner, false))) : (Datum) 0,
					 ObjectIdGetDatum(owner)},
					 (char[]) {n[0], n[1], n[2], n[3], n[4], n[5], n[6], ' ', ' ', ' ', ' '});
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.revision SET is_head = false"
					 " WHERE id OPERATOR(pg_catalog.=) ANY ($1) AND is_head",
					 1, (Oid[]) {TEXTARRAYOID}, &v[1], NULL);
}

static void
replace_revision(const char *id, List *old_parents, List *parents,
				 List *labels, List *deps, const char *message,
				 const char *upgrade, const char *downgrade,
				 const char *checksum, Oid owner)
{
	Datum		v[8];
	char		n[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

	v[0] = CStringGetTextDatum(id);
	v[1] = migrate_list_to_text_array(parents);
	v[2] = migrate_list_to_text_array(labels);
	v[3] = migrate_list_to_text_array(deps);
	v[4] = text_or_null(message, &n[4]);
	v[5] = text_or_null(upgrade, &n[5]);
	v[6] = text_or_null(downgrade, &n[6]);
	v[7] = CStringGetTextDatum(checksum);
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.revision SET down_revisions = $2,"
					 " branch_labels = $3, depends_on = $4, message = $5,"
					 " upgrade = $6, downgrade = $7, checksum = $8"
					 " WHERE id OPERATOR(pg_catalog.=) $1",
					 8, (Oid[]) {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
					 TEXTOID, TEXTOID, TEXTOID, TEXTOID}, v, n);
	/* C strings: list_concat_unique() would compare them as Nodes */
	if (OidIsValid(owner))
		migrate_spi_exec(SPI_OK_UPDATE,
						 "UPDATE migrate.revision SET owner = $2, owner_oid = $3"
						 " WHERE id OPERATOR(pg_catalog.=) $1",
						 3, (Oid[]) {TEXTOID, NAMEOID, OIDOID},
						 (Datum[]) {v[0],
						 DirectFunctionCall1(namein,
											 CStringGetDatum(GetUserNameFromId(owner, false))),
						 ObjectIdGetDatum(owner)}, NULL);
	refresh_is_head(migrate_strings_union(old_parents, parents));
}

/*
 * The transactional flag (1.1).  A 1.0 catalog has no column for it, and
 * only the 1.0 entry point, which always registers transactional
 * revisions, can reach a 1.0 catalog.
 */
static void
set_transactional(const char *id, bool transactional)
{
	if (!migrate_catalog_has_transactional())
		return;
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.revision SET transactional = $2"
					 " WHERE id OPERATOR(pg_catalog.=) $1"
					 " AND transactional OPERATOR(pg_catalog.<>) $2",
					 2, (Oid[]) {TEXTOID, BOOLOID},
					 (Datum[]) {CStringGetTextDatum(id), BoolGetDatum(transactional)},
					 NULL);
}

static void
update_descriptive(const char *id, const char *message, const char *downgrade)
{
	Datum		v[3];
	char		n[3] = {' ', ' ', ' '};

	v[0] = CStringGetTextDatum(id);
	v[1] = text_or_null(message, &n[1]);
	v[2] = text_or_null(downgrade, &n[2]);
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.revision SET message = $2, downgrade = $3"
					 " WHERE id OPERATOR(pg_catalog.=) $1",
					 3, (Oid[]) {TEXTOID, TEXTOID, TEXTOID}, v, n);
}

/*
 * Under REPEATABLE READ or SERIALIZABLE, a registration waits for the graph
 * lock and then still reads with its older snapshot: a revision another
 * transaction registered meanwhile is invisible to it, and inserting it
 * again hits the primary key.  That is a serialization failure, which
 * clients retry, not a duplicate: say so.  Called in PG_CATCH; returns if
 * the error is anything else.
 */
static void
unique_violation_to_serialization_failure(MemoryContext cxt, const char *id)
{
	ErrorData  *edata;
	MemoryContext ecxt;

	if (!IsolationUsesXactSnapshot())
		return;
	ecxt = MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	MemoryContextSwitchTo(ecxt);
	if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
	{
		FreeErrorData(edata);
		return;
	}
	FlushErrorState();
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize registration of revision \"%s\"", id),
			 errdetail("Another transaction registered revisions after this transaction's snapshot was taken: %s.",
					   edata->message),
			 errhint("Retry the transaction.")));
}

/*
 * Register a revision; see the file comment for the rules.  Returns the id.
 */
char *
migrate_register(const char *message, const char *upgrade,
				 const char *downgrade, const char *revision,
				 List *down_revisions, bool down_given, List *branch_labels,
				 List *depends_on, const char *head, bool splice,
				 bool transactional)
{
	char	   *volatile id;
	Oid			save_userid;
	int			save_sec;
	ExistingRevision ex;
	List	   *parents;
	List	   *deps;
	char	   *checksum;
	bool		owners;
	Oid			owner;
	MemoryContext oldcxt = CurrentMemoryContext;

	if (down_given && head != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot pass both \"down_revisions\" and \"head\""),
				 errhint("Give down_revisions to name the parents exactly, or head to build on a head.")));
	id = revision ? pstrdup(revision) : generate_revision_id();
	migrate_check_revision_id(id);
	check_no_duplicates(down_revisions, "down_revisions");
	check_no_duplicates(depends_on, "depends_on");
	check_labels(branch_labels);
	migrate_script_validate(upgrade, id, "upgrade", transactional);
	migrate_script_validate(downgrade, id, "downgrade", transactional);
	migrate_lint_enforce(upgrade, id);	/* migrate.lint_fail_on, lint.c */

	migrate_lock_graph(true);
	owners = migrate_catalog_has_owners();
	owner = owners ? GetUserId() : InvalidOid;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();

	PG_TRY();
	{
		ex = lookup_existing(id, owners);
		if (down_given)
			parents = down_revisions;
		else if (head != NULL || splice)
			parents = parents_from_graph(head, splice);
		else if (ex.found)
			parents = ex.down_revisions;	/* pushed again: keep its place */
		else
			parents = parents_on_single_head();

		check_parents_exist(parents, id);
		deps = resolve_depends_on(depends_on, id);
		check_labels_unused(branch_labels, id);
		checksum = migrate_checksum(parents, branch_labels, deps, upgrade,
									transactional);

		if (!ex.found)
		{
			insert_revision(id, parents, branch_labels, deps, message, upgrade,
							downgrade, checksum, owner);
			set_transactional(id, transactional);
			migrate_graph_bump_generation();
		}
		else if (strcmp(ex.checksum, checksum) == 0)
		{
			if (!strings_equal(ex.message, message) ||
				!strings_equal(ex.downgrade, downgrade))
			{
				/* a downgrade script runs as the owner too */
				migrate_check_may_change(id, ex.owner, save_userid);
				update_descriptive(id, message, downgrade);
				migrate_graph_bump_generation();
			}
		}
		else
		{
			if (revision_is_applied(id))
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("revision \"%s\" is applied and its content differs from the registered one",
								id),
						 errdetail("Registered checksum %s, new checksum %s.",
								   ex.checksum, checksum),
						 errhint("An applied revision cannot change: register a new revision on top of it instead.")));
			migrate_check_may_change(id, ex.owner, save_userid);
			replace_revision(id, ex.down_revisions, parents, branch_labels, deps,
							 message, upgrade, downgrade, checksum, owner);
			set_transactional(id, transactional);
			migrate_graph_bump_generation();
			/* a changed parent can close a cycle: validate the whole graph */
			(void) migrate_graph_get();
		}
	}
	PG_CATCH();
	{
		unique_violation_to_serialization_failure(oldcxt, id);
		PG_RE_THROW();
	}
	PG_END_TRY();

	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return id;
}

/*
 * Whether revision is registered already with exactly the parents the
 * symbols resolve to: a deploy that pushes the same merge again.  Then the
 * parents are no longer heads (the merge is), and that is no error: the
 * registration below finds an identical revision and does nothing.
 */
static bool
merge_exists(MigrateGraphCache *gc, MigrateVersions cur,
			 const char *revision, List *symbols, List **parents)
{
	int			self = mg_graph_lookup(gc->graph, revision);
	const MgRevision *m;
	List	   *resolved = NIL;
	List	   *registered = NIL;
	ListCell   *lc;

	if (self < 0)
		return false;
	m = mg_graph_rev(gc->graph, self);
	foreach(lc, symbols)
	{
		int		   *idx;
		MgError		err = {0};
		int			n = mg_resolve_revisions(gc->graph, cur.ids, cur.n,
											 lfirst(lc), &idx, &err);

		CHECK_FOR_INTERRUPTS();
		if (n < 0)
			return false;		/* reported by the ordinary path */
		for (int i = 0; i < n; i++)
			resolved = lappend(resolved,
							   (char *) mg_graph_rev(gc->graph, idx[i])->id);
	}
	for (int i = 0; i < m->ndown; i++)
		registered = lappend(registered,
							 (char *) mg_graph_rev(gc->graph, m->down[i])->id);
	if (list_length(resolved) != list_length(registered) ||
		list_length(migrate_strings_union(registered, resolved)) !=
		list_length(registered) ||
		migrate_first_duplicate(resolved) != NULL)
		return false;
	/* in the registered order, so that the checksum is the same */
	foreach(lc, registered)
		*parents = lappend(*parents, pstrdup(lfirst(lc)));
	return true;
}

/*
 * migrate_merge(): resolve each symbol to revisions (as alembic merge does
 * with get_revisions), each of which must be a head, then register a
 * revision with all of them as parents and no scripts.
 */
char *
migrate_register_merge(List *revisions, const char *message,
					   List *branch_labels, const char *revision)
{
	MigrateGraphCache *gc;
	MigrateVersions cur;
	List	   *parents = NIL;
	ListCell   *lc;
	const char *dup;
	bool		merged_already;
	List	   *registered = NIL;

	if (revisions == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"revisions\" must not be empty")));
	foreach(lc, revisions)
		migrate_check_symbol(lfirst(lc), "revision");
	migrate_lock_graph(true);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	merged_already = revision != NULL &&
		merge_exists(gc, cur, revision, revisions, &registered);
	foreach(lc, revisions)
	{
		int		   *idx;
		MgError		err = {0};
		int			n = mg_resolve_revisions(gc->graph, cur.ids, cur.n,
											 lfirst(lc), &idx, &err);

		CHECK_FOR_INTERRUPTS();
		if (n < 0)
			migrate_raise_graph_error(&err);
		for (int i = 0; i < n; i++)
		{
			const MgRevision *r = mg_graph_rev(gc->graph, idx[i]);

			if (!r->is_head && !merged_already)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("revision \"%s\" is not a head revision", r->id),
						 errhint("Only heads can be merged.")));
			parents = lappend(parents, pstrdup(r->id));
		}
	}
	dup = migrate_first_duplicate(parents);
	if (dup != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision \"%s\" is named more than once", dup)));
	if (list_length(parents) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a merge needs at least two heads"),
				 errdetail("The revisions given resolve to %d head.",
						   list_length(parents)),
				 errhint("There is nothing to merge while the graph has a single head.")));
	return migrate_register(message, NULL, NULL, revision,
							merged_already ? registered : parents, true,
							branch_labels, NIL, NULL, false, true);
}
