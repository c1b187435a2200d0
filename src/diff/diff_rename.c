/*-------------------------------------------------------------------------
 *
 * diff_rename.c
 *	  Declared renames: tables, columns, indexes and constraints that the
 *	  desired schema says were renamed, so the diff renames them instead of
 *	  dropping and re-creating them (which loses their data).
 *
 * Text alone cannot tell a rename from a drop and an add, so the user says
 * it, in the desired schema itself, as a comment on the new object:
 *
 *	 COMMENT ON TABLE users IS 'migrate:renamed_from=accounts';
 *	 COMMENT ON COLUMN users.full_name IS 'migrate:renamed_from=name';
 *	 COMMENT ON INDEX users_name_idx IS 'migrate:renamed_from=accounts_name_idx';
 *	 COMMENT ON CONSTRAINT users_pkey ON users IS 'migrate:renamed_from=accounts_pkey';
 *
 * The marker may share the comment with other text; it is taken out of the
 * desired model, so it is never part of the comment compared or emitted.
 * A declaration applies when the current schema has the old name and not
 * the new one; when it already has the new one (the rename was applied) it
 * is silently satisfied; otherwise it is reported with a WARNING.
 *
 * Applicable renames run in a subtransaction on the real schema, the
 * schema is read again and the subtransaction is rolled back: the model
 * then holds exactly what the server shows after the renames (index and
 * constraint definitions, view texts that follow a renamed column), so
 * nothing but the renames differs.  The renames take their locks only for
 * that moment.  The upgrade starts with the renames, the downgrade ends
 * with them reversed.
 *
 * Undeclared, a column dropped while another of the same type is added to
 * the same table is most likely a rename: a WARNING names both and shows
 * the declaration.
 *
 * Layer: diff (src/diff/): it calls diff_catalog.c and util/; diff.c calls
 * it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "catalog.h"
#include "diff.h"

#define RENAME_MARKER "migrate:renamed_from="

typedef struct DiffRename
{
	DiffKind	kind;			/* DK_RELATION, DK_INDEX, DK_CONSTRAINT, or
								 * DK_NKINDS for a column */
	char	   *table;			/* new name of the owning table */
	char	   *oldname;
	char	   *newname;
} DiffRename;

/*
 * Take the marker out of *comment; return the old name it declares, or
 * NULL.  The old name is an identifier, double-quoted if need be.
 */
static char *
take_marker(char **comment)
{
	char	   *c = *comment;
	char	   *m;
	char	   *p;
	StringInfoData name;
	StringInfoData rest;

	if (c == NULL || (m = strstr(c, RENAME_MARKER)) == NULL)
		return NULL;
	initStringInfo(&name);
	p = m + strlen(RENAME_MARKER);
	if (*p == '"')
	{
		for (p++; *p; p++)
		{
			if (*p == '"')
			{
				if (p[1] != '"')
				{
					p++;
					break;
				}
				p++;
			}
			appendStringInfoChar(&name, *p);
		}
	}
	else
		for (; *p && !isspace((unsigned char) *p) && *p != ';' && *p != ','; p++)
			appendStringInfoChar(&name, *p);

	initStringInfo(&rest);
	appendBinaryStringInfo(&rest, c, m - c);
	appendStringInfoString(&rest, p);
	/* trim what the marker leaves around it */
	while (rest.len > 0 && isspace((unsigned char) rest.data[rest.len - 1]))
		rest.data[--rest.len] = '\0';
	p = rest.data;
	while (isspace((unsigned char) *p))
		p++;
	*comment = *p ? pstrdup(p) : NULL;
	return name.len > 0 ? name.data : NULL;
}

static DiffRename *
new_rename(DiffKind kind, const char *table, const char *oldname,
		   const char *newname)
{
	DiffRename *r = palloc0(sizeof(DiffRename));

	r->kind = kind;
	r->table = table ? pstrdup(table) : NULL;
	r->oldname = pstrdup(oldname);
	r->newname = pstrdup(newname);
	return r;
}

/*
 * The renames the desired model declares, in the order they must run:
 * tables first, so the others can name the table by its new name.  The
 * markers are taken out of the model's comments.
 */
List *
diff_collect_renames(DiffModel *want)
{
	List	   *tables = NIL;
	List	   *others = NIL;
	int			i;
	char	   *old;

	for (i = 0; i < want->n[DK_RELATION]; i++)
	{
		DiffObject *o = want->v[DK_RELATION][i];
		ListCell   *lc;

		if ((old = take_marker(&o->comment)) != NULL)
			tables = lappend(tables, new_rename(DK_RELATION, NULL, old, o->name));
		foreach(lc, o->columns)
		{
			DiffColumn *c = lfirst(lc);

			if ((old = take_marker(&c->comment)) != NULL)
				others = lappend(others, new_rename(DK_NKINDS, o->name, old,
													c->name));
		}
		CHECK_FOR_INTERRUPTS();
	}
	for (i = 0; i < want->n[DK_CONSTRAINT]; i++)
	{
		DiffObject *o = want->v[DK_CONSTRAINT][i];

		if ((old = take_marker(&o->comment)) != NULL)
			others = lappend(others, new_rename(DK_CONSTRAINT, o->table, old,
												o->name));
	}
	for (i = 0; i < want->n[DK_INDEX]; i++)
	{
		DiffObject *o = want->v[DK_INDEX][i];

		if ((old = take_marker(&o->comment)) != NULL)
			others = lappend(others, new_rename(DK_INDEX, o->table, old,
												o->name));
	}
	return list_concat(tables, others);
}

static DiffColumn *
column_of(DiffObject *rel, const char *name)
{
	ListCell   *lc;

	if (rel == NULL)
		return NULL;
	foreach(lc, rel->columns)
		if (strcmp(((DiffColumn *) lfirst(lc))->name, name) == 0)
		return lfirst(lc);
	return NULL;
}

/*
 * The current name of a table the desired model calls newname: its old
 * name when its rename applies (tables come first in the list).
 */
static const char *
table_before(List *applied, const char *newname)
{
	ListCell   *lc;

	foreach(lc, applied)
	{
		DiffRename *r = lfirst(lc);

		if (r->kind == DK_RELATION && strcmp(r->newname, newname) == 0)
			return r->oldname;
	}
	return newname;
}

static DiffObject *
index_named(DiffModel *m, const char *name)
{
	int			i;

	for (i = 0; i < m->n[DK_INDEX]; i++)
		if (strcmp(m->v[DK_INDEX][i]->name, name) == 0)
			return m->v[DK_INDEX][i];
	return NULL;
}

static const char *
rename_what(DiffRename *r)
{
	switch (r->kind)
	{
		case DK_RELATION:
			return "table";
		case DK_INDEX:
			return "index";
		case DK_CONSTRAINT:
			return "constraint";
		default:
			return "column";
	}
}

static char *
rename_name(DiffRename *r, const char *name)
{
	if (r->kind == DK_RELATION || r->kind == DK_INDEX)
		return pstrdup(name);
	return psprintf("%s.%s", r->table, name);
}

/*
 * Decide which declarations apply to cur; return the statements that
 * rename (in order) in *up and those that rename back (in reverse order)
 * in *down, qualified with schema.
 */
static void
plan_renames(DiffModel *cur, List *decls, const char *schema,
			 List **up, List **down)
{
	const char *qs = quote_identifier(schema);
	List	   *applied = NIL;
	ListCell   *lc;

	*up = *down = NIL;
	foreach(lc, decls)
	{
		DiffRename *r = lfirst(lc);
		bool		has_old = false;
		bool		has_new = false;
		const char *tbl = r->table ? table_before(applied, r->table) : NULL;
		char	   *fwd = NULL;
		char	   *back = NULL;

		switch (r->kind)
		{
			case DK_RELATION:
				{
					DiffObject *o = diff_lookup(cur, DK_RELATION, r->oldname);

					has_old = o != NULL && !(o->subkind == 'v' || o->subkind == 'm');
					has_new = diff_lookup(cur, DK_RELATION, r->newname) != NULL;
					fwd = psprintf("ALTER TABLE %s.%s RENAME TO %s", qs,
								   quote_identifier(r->oldname),
								   quote_identifier(r->newname));
					back = psprintf("ALTER TABLE %s.%s RENAME TO %s", qs,
									quote_identifier(r->newname),
									quote_identifier(r->oldname));
					break;
				}
			case DK_INDEX:
				has_old = index_named(cur, r->oldname) != NULL;
				has_new = index_named(cur, r->newname) != NULL;
				fwd = psprintf("ALTER INDEX %s.%s RENAME TO %s", qs,
							   quote_identifier(r->oldname),
							   quote_identifier(r->newname));
				back = psprintf("ALTER INDEX %s.%s RENAME TO %s", qs,
								quote_identifier(r->newname),
								quote_identifier(r->oldname));
				break;
			case DK_CONSTRAINT:
				has_old = diff_lookup(cur, DK_CONSTRAINT,
									  diff_subkey(tbl, r->oldname)) != NULL;
				has_new = diff_lookup(cur, DK_CONSTRAINT,
									  diff_subkey(tbl, r->newname)) != NULL;
				fwd = psprintf("ALTER TABLE %s.%s RENAME CONSTRAINT %s TO %s",
							   qs, quote_identifier(r->table),
							   quote_identifier(r->oldname),
							   quote_identifier(r->newname));
				back = psprintf("ALTER TABLE %s.%s RENAME CONSTRAINT %s TO %s",
								qs, quote_identifier(r->table),
								quote_identifier(r->newname),
								quote_identifier(r->oldname));
				break;
			default:
				{
					DiffObject *o = diff_lookup(cur, DK_RELATION, tbl);

					has_old = column_of(o, r->oldname) != NULL;
					has_new = column_of(o, r->newname) != NULL;
					fwd = psprintf("ALTER TABLE %s.%s RENAME COLUMN %s TO %s",
								   qs, quote_identifier(r->table),
								   quote_identifier(r->oldname),
								   quote_identifier(r->newname));
					back = psprintf("ALTER TABLE %s.%s RENAME COLUMN %s TO %s",
									qs, quote_identifier(r->table),
									quote_identifier(r->newname),
									quote_identifier(r->oldname));
					break;
				}
		}
		if (has_old && !has_new)
		{
			applied = lappend(applied, r);
			*up = lappend(*up, fwd);
			*down = lcons(back, *down);
		}
		else if (!has_new)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("declared rename of %s \"%s\" to \"%s\" does not apply",
							rename_what(r), rename_name(r, r->oldname),
							r->newname),
					 errdetail("Schema \"%s\" has no %s \"%s\".", schema,
							   rename_what(r), rename_name(r, r->oldname)),
					 errhint("Check the old name in the comment \"%s%s\" of the desired schema.",
							 RENAME_MARKER, r->oldname)));
		else if (has_old)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("declared rename of %s \"%s\" to \"%s\" does not apply",
							rename_what(r), rename_name(r, r->oldname),
							r->newname),
					 errdetail("Schema \"%s\" has both.", schema)));
	}
}

/*
 * Apply the declared renames to a copy of schema read after running them
 * in a subtransaction that is rolled back.  Returns cur itself when none
 * applies.  The model is allocated in mcxt.
 */
DiffModel *
diff_apply_renames(DiffModel *cur, List *decls, const char *schema,
				   MemoryContext mcxt, List **up, List **down)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	DiffModel  *model = NULL;

	plan_renames(cur, decls, schema, up, down);
	if (*up == NIL)
		return cur;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		ListCell   *lc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		foreach(lc, *up)
		{
			int			ret = SPI_execute(lfirst(lc), false, 0);

			if (ret != SPI_OK_UTILITY)
				elog(ERROR, "SPI_execute failed: %s",
					 SPI_result_code_string(ret));
		}
		SPI_finish();
		model = diff_read_schema(schema, mcxt);
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = migrate_subxact_abort(oldcxt, oldowner);

		ReThrowError(edata);
	}
	PG_END_TRY();
	return model;
}

/*
 * A WARNING for each column dropped from a table while another of the same
 * type is added to it: most likely a rename that was not declared.
 */
void
diff_warn_likely_renames(DiffModel *cur, DiffModel *want)
{
	int			i;

	for (i = 0; i < want->n[DK_RELATION]; i++)
	{
		DiffObject *t = want->v[DK_RELATION][i];
		DiffObject *f = diff_lookup(cur, DK_RELATION, t->name);
		ListCell   *lc;

		if (f == NULL || f->subkind != t->subkind ||
			!(t->subkind == 'r' || t->subkind == 'p'))
			continue;
		foreach(lc, f->columns)
		{
			DiffColumn *gone = lfirst(lc);
			ListCell   *lc2;

			if (gone->inherited || column_of(t, gone->name) != NULL)
				continue;
			foreach(lc2, t->columns)
			{
				DiffColumn *added = lfirst(lc2);

				if (added->inherited || added->generated ||
					column_of(f, added->name) != NULL ||
					strcmp(added->type, gone->type) != 0)
					continue;
				ereport(WARNING,
						(errcode(ERRCODE_WARNING),
						 errmsg("column \"%s.%s\" is dropped and column \"%s.%s\" of the same type is added",
								t->name, gone->name, t->name, added->name),
						 errdetail("If this is a rename, the script as generated loses the values of column \"%s\".",
								   gone->name),
						 errhint("Declare the rename in the desired schema: COMMENT ON COLUMN %s.%s IS '%s%s';",
								 quote_identifier(t->name),
								 quote_identifier(added->name), RENAME_MARKER,
								 quote_identifier(gone->name))));
				break;
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
}
