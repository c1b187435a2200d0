/*-------------------------------------------------------------------------
 *
 * commands.c
 *	  The subcommands of pg_migrate.
 *
 * Each command that talks to the database first pushes the revision files
 * (migrate_push, one call for the whole directory) in the same transaction
 * as its own call, unless --no-push: upgrade, downgrade and stamp commit
 * both together; read commands, --sql and --dry-run roll the push back, so
 * they show the files' view without changing the database.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_type_d.h"
#include "pg_migrate.h"

/* ---- argument checks ---- */

static void
want_args(const char *cmd, int min, int max)
{
	if (opts.nargs < min)
	{
		fprintf(stderr, "%s: error: %s: missing argument\nTry \"%s %s --help\" for more information.\n",
				progname, cmd, progname, cmd);
		exit(EXIT_USAGE);
	}
	if (max >= 0 && opts.nargs > max)
	{
		fprintf(stderr, "%s: error: %s: too many arguments, starting with \"%s\"\nTry \"%s %s --help\" for more information.\n",
				progname, cmd, opts.args[max], progname, cmd);
		exit(EXIT_USAGE);
	}
}

static void
need_1_2(const char *what)
{
	if (!pm_ext_at_least(1, 2))
		pg_fatal_exit(EXIT_ERROR, "%s needs version 1.2 of extension \"migrate\"\nHINT:  Run ALTER EXTENSION migrate UPDATE; in the database.", what);
}

/* A revision id given on the command line: it becomes part of a file name */
static const char *
checked_rev_id(void)
{
	const char *id = opts.rev_id;

	if (id == NULL)
		return new_revision_id();
	if (id[0] == '\0' || id[0] == '.' || strpbrk(id, "/\\@-+: \t\n\r,") != NULL)
		pg_fatal_exit(EXIT_USAGE, "invalid revision identifier \"%s\": it may not be empty, start with \".\", or contain \"/\", \"@\", \"-\", \"+\", \":\", \",\" or white space", id);
	return id;
}

/* ---- pushing ---- */

/*
 * What a push that will be committed with the command registered: said
 * after the commit, or, when the command fails, said to be rolled back.
 */
static char *pushed_note;
static int	pushed_count;
static bool defer_pushed_note;

static PGconn *connect_and_push_for(RevDir **dp, bool keep);

static RevDir *
read_files(bool must_exist)
{
	RevDir	   *d = revdir_read(opts.dir, must_exist || opts.dir_given);

	if (d->exists)
		revdir_check(d);
	return d;
}

static const char *
file_of(const RevDir *d, const char *id)
{
	int			i = d ? revdir_find(d, id) : -1;

	return i >= 0 ? d->files[i].path : NULL;
}

/*
 * Register the directory in the open transaction; report what changed
 * (always for the push command, on stderr otherwise) and revisions the
 * database has that the files do not.
 */
static void
push_files(PGconn *conn, RevDir *d, bool is_push, bool keep)
{
	PQExpBuffer json = createPQExpBuffer();
	PGresult   *res;
	const char *params[1];
	int			registered = 0,
				updated = 0,
				missing = 0;

	need_1_2("push");
	pm_pushed = d;
	appendPQExpBufferChar(json, '[');
	for (int i = 0; i < d->n; i++)
	{
		RevFile    *r = &d->files[i];

		if (i)
			appendPQExpBufferChar(json, ',');
		appendPQExpBufferStr(json, "{\"revision\":");
		json_string(json, r->id);
		appendPQExpBufferStr(json, ",\"down_revisions\":");
		json_string_array(json, r->down, r->ndown);
		appendPQExpBufferStr(json, ",\"branch_labels\":");
		json_string_array(json, r->labels, r->nlabels);
		appendPQExpBufferStr(json, ",\"depends_on\":");
		json_string_array(json, r->deps, r->ndeps);
		appendPQExpBufferStr(json, ",\"message\":");
		json_string(json, r->message);
		appendPQExpBufferStr(json, ",\"upgrade\":");
		json_string(json, r->upgrade);
		appendPQExpBufferStr(json, ",\"downgrade\":");
		json_string(json, r->downgrade);
		appendPQExpBuffer(json, ",\"transactional\":%s,\"file\":",
						  r->transactional ? "true" : "false");
		json_string(json, r->path);
		appendPQExpBufferChar(json, '}');
	}
	appendPQExpBufferChar(json, ']');
	params[0] = json->data;
	res = pm_exec(conn,
				  psprintf("SELECT revision, action, detail FROM %s($1::pg_catalog.jsonb)",
						   pm_fn("migrate_push")),
				  1, params);
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *action = PQgetvalue(res, i, 1);
		const char *detail = PQgetvalue(res, i, 2);

		if (strcmp(action, "registered") == 0)
		{
			registered++;
			if (is_push && !opts.quiet)
				printf("Registered %s (%s)\n", id, file_of(d, id));
		}
		else if (strcmp(action, "updated") == 0)
		{
			updated++;
			if (is_push && !opts.quiet)
				printf("Updated %s (%s): %s\n", id, file_of(d, id), detail);
		}
		else if (strcmp(action, "missing") == 0)
		{
			missing++;
			if (missing <= 10)
				pm_warning("revision \"%s\" (%s) is registered in the database but no file in \"%s\" defines it",
						   id, detail, d->dir);
		}
	}
	if (missing > 10)
		pm_warning("and %d more revisions without files", missing - 10);
	if (missing > 0)
		fprintf(stderr, "HINT:  Write them out with \"%s export DIR\", or remove unapplied ones with \"%s forget REV\".\n",
				progname, progname);
	if (is_push)
	{
		if (!opts.quiet)
			printf("Pushed %d file%s: %d registered, %d updated, %d unchanged.\n",
				   d->n, d->n == 1 ? "" : "s", registered, updated,
				   d->n - registered - updated);
	}
	else if (registered + updated > 0 && keep)
	{
		/* said once the commit took it (finish), or said to be undone */
		pushed_note = psprintf("%s: pushed %d new and %d updated revision%s from %s",
							   progname, registered, updated,
							   registered + updated == 1 ? "" : "s", d->dir);
		pushed_count = registered + updated;
		if (!defer_pushed_note)
		{
			pm_info("%s", pushed_note);
			pushed_note = NULL;
		}
	}
	else if (registered + updated > 0)
		pm_info("%s: using %d new and %d updated revision%s from %s for this command only (\"%s push\" stores them)",
				progname, registered, updated,
				registered + updated == 1 ? "" : "s", d->dir, progname);
	PQclear(res);
	destroyPQExpBuffer(json);
}

/* Push inside the caller's transaction, committed with it (adopt) */
void
pm_push(PGconn *conn, RevDir *d)
{
	push_files(conn, d, false, true);
}

/*
 * Connect, open a transaction and push the files (unless --no-push or
 * there is no directory).  Returns the connection inside the transaction.
 */
static PGconn *
connect_and_push(RevDir **dp)
{
	return connect_and_push_for(dp, true);
}

/* keep: the push will be committed (upgrade, downgrade, stamp) */
static PGconn *
connect_and_push_for(RevDir **dp, bool keep)
{
	RevDir	   *d = NULL;
	PGconn	   *conn;

	if (!opts.no_push)
		d = read_files(false);
	conn = pm_connect();
	pm_command(conn, "BEGIN");
	defer_pushed_note = keep;
	if (d && d->exists)
		push_files(conn, d, false, keep);
	defer_pushed_note = false;
	if (dp)
		*dp = d;
	return conn;
}

static void
finish(PGconn *conn, bool commit)
{
	pm_command(conn, commit ? "COMMIT" : "ROLLBACK");
	PQfinish(conn);
	pm_on_error = NULL;
	if (commit && pushed_note)
		pm_info("%s", pushed_note);
	pushed_note = NULL;
}

/*
 * After a failed run: the "Running ..." lines printed so far, and the
 * push, were undone with the transaction (or, with --each, only the
 * failing revision was).
 */
static const char *failed_op;

static void
say_rolled_back(void)
{
	int			steps = steps_seen_count();

	if (opts.each)
		fprintf(stderr, "%s: the failing revision was rolled back; the %d revision%s before it %s committed (\"%s current\" shows where the database is)\n",
				progname, steps > 0 ? steps - 1 : 0, steps == 2 ? "" : "s",
				steps == 2 ? "is" : "are", progname);
	else if (pushed_count > 0)
		fprintf(stderr, "%s: the %s was rolled back: none of the %d step%s reported above is applied, and the %d revision%s pushed from %s %s not registered\n",
				progname, failed_op, steps, steps == 1 ? "" : "s",
				pushed_count, pushed_count == 1 ? "" : "s", opts.dir,
				pushed_count == 1 ? "is" : "are");
	else
		fprintf(stderr, "%s: the %s was rolled back: none of the %d step%s reported above is applied\n",
				progname, failed_op, steps, steps == 1 ? "" : "s");
}

/* Run a query whose single value is JSON, and print it */
static void
print_json(PGconn *conn, const char *query, int nparams, const char *const *params)
{
	PGresult   *res = pm_exec(conn,
							  psprintf("SELECT COALESCE(pg_catalog.json_agg(t), '[]'::pg_catalog.json)"
									   " FROM (%s) t", query),
							  nparams, params);

	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* text[] output of libpq, {a,b}, as "a, b"; empty as dflt */
static char *
pg_list(const char *arr, const char *dflt)
{
	PQExpBuffer b = createPQExpBuffer();

	for (const char *p = arr; *p; p++)
	{
		if (*p == '{' || *p == '}' || *p == '"')
			continue;
		if (*p == ',')
			appendPQExpBufferStr(b, ", ");
		else
			appendPQExpBufferChar(b, *p);
	}
	return b->len ? b->data : (char *) dflt;
}

static bool
is_true(const PGresult *res, int row, int col)
{
	return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* ---- init, revision, merge: files only ---- */

int
cmd_init(void)
{
	const char *dir = opts.nargs > 0 ? opts.args[0] : opts.dir;
	struct stat st;

	want_args("init", 0, 1);
	if (stat(dir, &st) == 0)
	{
		RevDir	   *d = revdir_read(dir, true);

		if (d->n > 0)
			pg_fatal_exit(EXIT_ERROR, "directory \"%s\" exists and holds revision files", dir);
		pm_info("Directory %s already exists and is empty.", dir);
		return EXIT_OK;
	}
	if (mkdir(dir, 0777) != 0)
		pg_fatal_exit(EXIT_ERROR, "could not create directory \"%s\": %s", dir, strerror(errno));
	pm_info("Creating directory %s ...  done", dir);
	pm_info("Next: \"%s revision -m 'first revision'\", edit the file, then \"%s upgrade\".",
			progname, progname);
	return EXIT_OK;
}

static void
resolve_deps(RevDir *d, RevFile *r)
{
	r->ndeps = opts.ndepends_on;
	r->deps = pm_malloc(sizeof(char *) * (r->ndeps + 1));
	for (int i = 0; i < r->ndeps; i++)
	{
		const char *why = NULL;
		int			j = revdir_resolve(d, opts.depends_on[i], &why);
		bool		is_label = false;

		if (j < 0)
			pg_fatal_exit(EXIT_ERROR, "dependency \"%s\" %s", opts.depends_on[i], why);
		for (int k = 0; k < d->files[j].nlabels; k++)
			is_label |= strcmp(d->files[j].labels[k], opts.depends_on[i]) == 0;
		r->deps[i] = is_label ? opts.depends_on[i] : d->files[j].id;
	}
}

int
cmd_revision(void)
{
	RevDir	   *d;
	RevFile		r;
	int		   *heads;
	int			nheads;
	char	   *path;

	want_args("revision", 0, 0);
	d = read_files(true);
	memset(&r, 0, sizeof(r));
	r.id = (char *) checked_rev_id();
	if (revdir_find(d, r.id) >= 0)
		pg_fatal_exit(EXIT_ERROR, "revision \"%s\" already exists in \"%s\"",
					  r.id, d->files[revdir_find(d, r.id)].path);
	r.message = (char *) opts.message;
	r.create_date = now_string();
	r.transactional = !opts.non_transactional;
	r.labels = opts.branch_labels;
	r.nlabels = opts.nbranch_labels;
	resolve_deps(d, &r);

	nheads = revdir_heads(d, &heads);
	r.down = pm_malloc(sizeof(char *) * 1);
	if (opts.head && strcmp(opts.head, "base") == 0)
		r.ndown = 0;
	else if (opts.head)
	{
		const char *why = NULL;
		int			j = revdir_resolve(d, opts.head, &why);
		bool		head = false;

		if (j < 0)
			pg_fatal_exit(EXIT_ERROR, "--head \"%s\" %s", opts.head, why);
		for (int k = 0; k < nheads; k++)
			head |= heads[k] == j;
		if (!head && !opts.splice)
		{
			fprintf(stderr, "%s: error: revision \"%s\" is not a head revision\n"
					"HINT:  Give --splice to start a branch from it.\n",
					progname, d->files[j].id);
			exit(EXIT_ERROR);
		}
		r.down[0] = d->files[j].id;
		r.ndown = 1;
	}
	else if (nheads == 0)
		r.ndown = 0;
	else if (nheads == 1)
	{
		r.down[0] = d->files[heads[0]].id;
		r.ndown = 1;
	}
	else
	{
		PQExpBuffer b = createPQExpBuffer();

		for (int k = 0; k < nheads; k++)
			appendPQExpBuffer(b, "%s%s", k ? ", " : "", d->files[heads[k]].id);
		fprintf(stderr, "%s: error: the files have several heads: %s\n"
				"HINT:  Give --head to say where the revision goes, or merge the heads with \"%s merge heads -m MESSAGE\".\n",
				progname, b->data, progname);
		exit(EXIT_ERROR);
	}

	if (opts.autogenerate)
	{
		PGconn	   *conn;
		PGresult   *res;
		const char *params[3];
		FILE	   *f;
		PQExpBuffer desired = createPQExpBuffer();
		char		buf[8192];
		size_t		k;

		if (opts.desired == NULL)
			pg_fatal_exit(EXIT_USAGE, "--autogenerate needs --desired=FILE, the desired schema as DDL");
		if ((f = fopen(opts.desired, "r")) == NULL)
			pg_fatal_exit(EXIT_ERROR, "could not open file \"%s\": %s", opts.desired, strerror(errno));
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
			appendBinaryPQExpBuffer(desired, buf, k);
		fclose(f);
		conn = connect_and_push_for(NULL, false);

		/*
		 * As Alembic: a database behind the files' head would make the new
		 * revision repeat what the pending ones do.
		 */
		params[0] = opts.schema;
		res = PQexecParams(conn, psprintf("SELECT %s(NULL, $1)", pm_fn("migrate_check")),
						   1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

			if (state == NULL || strcmp(state, "55000") != 0)
				pm_report_error(res, EXIT_ERROR);
			fprintf(stderr, "%s: error: target database is not up to date\n", progname);
			if (detail)
				fprintf(stderr, "DETAIL:  %s\n", detail);
			fprintf(stderr, "HINT:  Run \"%s upgrade heads\" first: a revision generated now would repeat the pending ones.\n",
					progname);
			exit(EXIT_NOT_CURRENT);
		}
		PQclear(res);
		params[0] = opts.message ? opts.message : "autogenerated";
		params[1] = desired->data;
		params[2] = opts.schema;
		res = pm_exec(conn,
					  psprintf("SELECT upgrade, downgrade FROM %s($1, $2, $3, register => false)",
							   pm_fn("migrate_autogenerate")),
					  3, params);
		if (PQntuples(res) == 0)
		{
			printf("No changes in schema detected.\n");
			finish(conn, false);
			return EXIT_OK;
		}
		r.upgrade = pm_strdup(PQgetvalue(res, 0, 0));
		r.downgrade = pm_strdup(PQgetvalue(res, 0, 1));
		PQclear(res);
		finish(conn, false);
	}
	else
		r.downgrade = "";

	path = revfile_create(d->dir, &r);
	printf("Generating %s ...  done\n", path);
	return EXIT_OK;
}

int
cmd_merge(void)
{
	RevDir	   *d = read_files(true);
	int		   *heads;
	int			nheads = revdir_heads(d, &heads);
	RevFile		r;

	memset(&r, 0, sizeof(r));
	r.down = pm_malloc(sizeof(char *) * (d->n + opts.nargs + 1));
	if (opts.nargs == 0 || (opts.nargs == 1 && strcmp(opts.args[0], "heads") == 0))
	{
		for (int k = 0; k < nheads; k++)
			r.down[r.ndown++] = d->files[heads[k]].id;
	}
	else
	{
		for (int i = 0; i < opts.nargs; i++)
		{
			const char *why = NULL;
			int			j = revdir_resolve(d, opts.args[i], &why);
			bool		head = false;

			if (j < 0)
				pg_fatal_exit(EXIT_ERROR, "revision \"%s\" %s", opts.args[i], why);
			for (int k = 0; k < nheads; k++)
				head |= heads[k] == j;
			if (!head)
				pg_fatal_exit(EXIT_ERROR, "revision \"%s\" is not a head revision", d->files[j].id);
			for (int k = 0; k < r.ndown; k++)
				if (strcmp(r.down[k], d->files[j].id) == 0)
					pg_fatal_exit(EXIT_ERROR, "revision \"%s\" is named more than once", d->files[j].id);
			r.down[r.ndown++] = d->files[j].id;
		}
	}
	if (r.ndown < 2)
	{
		fprintf(stderr, "%s: error: a merge needs at least two heads; the files have %d\n",
				progname, nheads);
		exit(EXIT_ERROR);
	}
	r.id = (char *) checked_rev_id();
	if (revdir_find(d, r.id) >= 0)
		pg_fatal_exit(EXIT_ERROR, "revision \"%s\" already exists", r.id);
	r.message = (char *) opts.message;
	r.create_date = now_string();
	r.transactional = true;
	r.downgrade = "";
	printf("Generating %s ...  done\n", revfile_create(d->dir, &r));
	return EXIT_OK;
}

/* ---- push and the runs ---- */

int
cmd_push(void)
{
	RevDir	   *d;
	PGconn	   *conn;

	want_args("push", 0, 0);
	d = read_files(true);
	conn = pm_connect();
	pm_command(conn, "BEGIN");
	push_files(conn, d, true, true);
	finish(conn, true);
	return EXIT_OK;
}

static int
run(const char *op, const char *target)
{
	PGconn	   *conn;
	PGresult   *res;
	const char *params[2];
	char	   *fn;

	params[0] = target;
	if (opts.each)
	{
		/* the procedure commits: the push must be committed before it */
		conn = connect_and_push(NULL);
		pm_command(conn, "COMMIT");
		if (pushed_note)
			pm_info("%s", pushed_note);
		pushed_note = NULL;
		failed_op = op;
		pm_on_error = say_rolled_back;
		fn = psprintf("migrate_%s_each", op);
		PQclear(pm_exec(conn, psprintf("CALL %s($1)", pm_fn(fn)), 1, params));
		pm_on_error = NULL;
		PQfinish(conn);
		return EXIT_OK;
	}
	conn = connect_and_push_for(NULL, !opts.sql && !opts.dry_run);
	if (opts.sql)
	{
		fn = psprintf("migrate_%s_sql", op);
		res = pm_exec(conn, psprintf("SELECT %s($1)", pm_fn(fn)), 1, params);
		fputs(PQgetvalue(res, 0, 0), stdout);
		PQclear(res);
		finish(conn, false);
		return EXIT_OK;
	}
	fn = psprintf("migrate_%s", op);
	params[1] = opts.dry_run ? "true" : "false";
	failed_op = opts.dry_run ? psprintf("%s (dry run)", op) : op;
	pm_on_error = say_rolled_back;
	if (!opts.quiet && !opts.json && isatty(fileno(stderr)))
	{
		/*
		 * The total for the progress line, estimated from the revisions
		 * between the version rows and the target; a failure to estimate
		 * (relative targets, ...) just leaves it out.
		 */
		const char *range[1];
		PGresult   *est;

		range[0] = strcmp(op, "upgrade") == 0 ?
			psprintf("current:%s", target) : psprintf("%s:current", target);
		pm_command(conn, "SAVEPOINT pg_migrate_estimate");
		est = PQexecParams(conn, psprintf("SELECT count(*) FROM %s($1)", pm_fn("migrate_history")),
						   1, NULL, range, NULL, NULL, 0);
		if (PQresultStatus(est) == PGRES_TUPLES_OK)
		{
			pm_command(conn, "RELEASE SAVEPOINT pg_migrate_estimate");
			pm_progress_begin(atoi(PQgetvalue(est, 0, 0)));
		}
		else
		{
			pm_command(conn, "ROLLBACK TO SAVEPOINT pg_migrate_estimate");
			pm_progress_begin(0);
		}
		PQclear(est);
	}
	if (opts.json)
		print_json(conn, psprintf("SELECT * FROM %s($1, $2::pg_catalog.bool)", pm_fn(fn)), 2, params);
	else
	{
		PQclear(pm_exec(conn, psprintf("SELECT 1 FROM %s($1, $2::pg_catalog.bool)", pm_fn(fn)), 2, params));
		pm_progress_end();
		if (steps_seen_count() == 0)
			pm_info("Nothing to %s: the database is already at %s.", op, target);
	}
	finish(conn, !opts.dry_run);
	return EXIT_OK;
}

int
cmd_upgrade(void)
{
	want_args("upgrade", 0, 1);
	return run("upgrade", opts.nargs > 0 ? opts.args[0] : "head");
}

int
cmd_downgrade(void)
{
	want_args("downgrade", 1, 1);
	return run("downgrade", opts.args[0]);
}

int
cmd_stamp(void)
{
	PGconn	   *conn;
	PQExpBuffer arr = createPQExpBuffer();
	const char *params[2];

	want_args("stamp", 1, -1);
	conn = connect_and_push(NULL);
	need_1_2("stamp");
	appendPQExpBufferChar(arr, '{');
	for (int i = 0; i < opts.nargs; i++)
	{
		appendPQExpBuffer(arr, "%s\"", i ? "," : "");
		for (const char *p = opts.args[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendPQExpBufferChar(arr, '\\');
			appendPQExpBufferChar(arr, *p);
		}
		appendPQExpBufferChar(arr, '"');
	}
	appendPQExpBufferChar(arr, '}');
	params[0] = arr->data;
	params[1] = opts.purge ? "true" : "false";
	if (opts.json)
		print_json(conn, psprintf("SELECT * FROM %s($1::pg_catalog.text[], $2::pg_catalog.bool)",
								  pm_fn("migrate_stamp")), 2, params);
	else
		PQclear(pm_exec(conn, psprintf("SELECT * FROM %s($1::pg_catalog.text[], $2::pg_catalog.bool)",
									   pm_fn("migrate_stamp")), 2, params));
	finish(conn, true);
	return EXIT_OK;
}

/* ---- reading ---- */

int
cmd_current(void)
{
	PGconn	   *conn;
	PGresult   *res;
	const char *q;

	opts.read_only = true;
	want_args("current", 0, 0);

	/*
	 * The version rows do not depend on the files, so current does not
	 * push (as alembic current reads only the version table): it stays as
	 * cheap as one query in a new session.
	 */
	conn = pm_connect();
	q = psprintf("SELECT revision, message, down_revisions, branch_labels, is_head, applied_at FROM %s()",
				 pm_fn("migrate_current"));
	if (opts.json)
		print_json(conn, q, 0, NULL);
	else
	{
		RevDir	   *d = NULL;
		int		   *heads = NULL;
		int			nheads = 0;
		bool	   *reached = NULL;
		PQExpBuffer newer = createPQExpBuffer();
		int			nnewer = 0;

		/*
		 * "(head)" is the database's view: files not pushed yet may have
		 * newer heads.  The files are read (not pushed), unless --no-push,
		 * so a revision the files build on is not called a head.
		 */
		if (!opts.no_push)
		{
			d = revdir_read(opts.dir, opts.dir_given);
			if (d->exists)
			{
				revdir_check(d);
				nheads = revdir_heads(d, &heads);
				reached = pm_malloc(sizeof(bool) * (nheads + 1));
				memset(reached, 0, sizeof(bool) * (nheads + 1));
			}
		}
		res = pm_exec(conn, q, 0, NULL);
		for (int i = 0; i < PQntuples(res); i++)
		{
			const char *id = PQgetvalue(res, i, 0);
			const char *labels = pg_list(PQgetvalue(res, i, 3), NULL);
			bool		head = is_true(res, i, 4);

			if (d && d->exists && revdir_find(d, id) >= 0)
			{
				bool		file_head = false;

				for (int k = 0; k < nheads; k++)
					if (strcmp(d->files[heads[k]].id, id) == 0)
						file_head = reached[k] = true;
				head = head && file_head;
			}
			printf("%s%s%s%s%s\n", id,
				   labels ? " (" : "", labels ? labels : "", labels ? ")" : "",
				   head ? " (head)" : "");
			if (opts.verbose)
				printf("    %s\n", PQgetvalue(res, i, 1));
		}
		for (int k = 0; k < nheads; k++)
			if (!reached[k])
			{
				appendPQExpBuffer(newer, "%s%s", newer->len ? ", " : "",
								  d->files[heads[k]].id);
				nnewer++;
			}
		if (nnewer > 0)
			pm_info("%s: the files in %s have %d head%s not applied: %s (\"%s upgrade heads\" applies %s)",
					progname, d->dir, nnewer, nnewer == 1 ? "" : "s", newer->data,
					progname, nnewer == 1 ? "it" : "them");
		PQclear(res);
	}
	PQfinish(conn);
	return EXIT_OK;
}

int
cmd_history(void)
{
	PGconn	   *conn;
	PGresult   *res;
	RevDir	   *d;
	const char *params[1] = {opts.range};
	const char *q;

	opts.read_only = true;
	want_args("history", 0, 0);
	conn = connect_and_push_for(&d, false);
	q = psprintf("SELECT revision, down_revisions, message, branch_labels, depends_on, is_head,"
				 " is_branch_point, is_merge_point, is_current, applied, applied_at FROM %s($1)",
				 pm_fn("migrate_history"));
	if (opts.json)
	{
		print_json(conn, q, 1, params);
		finish(conn, false);
		return EXIT_OK;
	}
	res = pm_exec(conn, q, 1, params);
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *down = pg_list(PQgetvalue(res, i, 1), "<base>");
		const char *labels = pg_list(PQgetvalue(res, i, 3), NULL);
		const char *deps = pg_list(PQgetvalue(res, i, 4), NULL);
		const char *msg = PQgetvalue(res, i, 2);
		PQExpBuffer tags = createPQExpBuffer();

		if (labels)
			appendPQExpBuffer(tags, " (%s)", labels);
		if (is_true(res, i, 5))
			appendPQExpBufferStr(tags, " (head)");
		if (is_true(res, i, 8))
			appendPQExpBufferStr(tags, " (current)");
		if (is_true(res, i, 6))
			appendPQExpBufferStr(tags, " (branchpoint)");
		if (is_true(res, i, 7))
			appendPQExpBufferStr(tags, " (mergepoint)");
		if (!opts.verbose)
		{
			if (deps)
				printf("%s (%s) -> %s%s, %s\n", down, deps, id, tags->data, msg);
			else
				printf("%s -> %s%s, %s\n", down, id, tags->data, msg);
			continue;
		}
		printf("%sRev: %s%s\n", i ? "\n" : "", id, tags->data);
		printf("Parent: %s\n", down);
		if (deps)
			printf("Also depends on: %s\n", deps);
		if (file_of(d, id))
			printf("Path: %s\n", file_of(d, id));
		printf("Applied: %s\n", is_true(res, i, 9) ?
			   (PQgetisnull(res, i, 10) ? "yes" : PQgetvalue(res, i, 10)) : "no");
		printf("\n    %s\n", msg);
	}
	PQclear(res);
	finish(conn, false);
	return EXIT_OK;
}

int
cmd_show(void)
{
	PGconn	   *conn;
	PGresult   *res;
	RevDir	   *d;
	const char *params[1];
	const char *q;

	opts.read_only = true;
	want_args("show", 1, 1);
	params[0] = opts.args[0];
	conn = connect_and_push_for(&d, false);
	q = psprintf("SELECT revision, down_revisions, next_revisions, branch_labels, depends_on, message,"
				 " is_head, is_branch_point, is_merge_point, applied, applied_at, upgrade, downgrade,"
				 " checksum, created_at, created_by FROM %s($1)", pm_fn("migrate_show"));
	if (opts.json)
	{
		print_json(conn, q, 1, params);
		finish(conn, false);
		return EXIT_OK;
	}
	res = pm_exec(conn, q, 1, params);
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *labels = pg_list(PQgetvalue(res, i, 3), NULL);
		const char *deps = pg_list(PQgetvalue(res, i, 4), NULL);

		printf("%sRev: %s%s%s%s\n", i ? "\n" : "", id,
			   is_true(res, i, 6) ? " (head)" : "",
			   is_true(res, i, 7) ? " (branchpoint)" : "",
			   is_true(res, i, 8) ? " (mergepoint)" : "");
		printf("Parent: %s\n", pg_list(PQgetvalue(res, i, 1), "<base>"));
		if (is_true(res, i, 7))
			printf("Branches into: %s\n", pg_list(PQgetvalue(res, i, 2), ""));
		if (labels)
			printf("Branch names: %s\n", labels);
		if (deps)
			printf("Also depends on: %s\n", deps);
		if (file_of(d, id))
			printf("Path: %s\n", file_of(d, id));
		printf("Applied: %s\n", is_true(res, i, 9) ?
			   (PQgetisnull(res, i, 10) ? "yes" : PQgetvalue(res, i, 10)) : "no");
		printf("Checksum: %s\n", PQgetvalue(res, i, 13));
		printf("Created: %s by %s\n", PQgetvalue(res, i, 14), PQgetvalue(res, i, 15));
		printf("\n    %s\n", PQgetvalue(res, i, 5));
		printf("\n-- migrate:upgrade\n%s%s", PQgetvalue(res, i, 11),
			   PQgetisnull(res, i, 11) ? "" : "\n");
		if (!PQgetisnull(res, i, 12))
			printf("\n-- migrate:downgrade\n%s\n", PQgetvalue(res, i, 12));
	}
	PQclear(res);
	finish(conn, false);
	return EXIT_OK;
}

int
cmd_heads(void)
{
	PGconn	   *conn;
	PGresult   *res;
	const char *q;

	opts.read_only = true;
	want_args("heads", 0, 0);
	conn = connect_and_push_for(NULL, false);
	q = psprintf("SELECT revision, message, down_revisions, branch_labels, is_real_head, applied FROM %s()",
				 pm_fn("migrate_heads"));
	if (opts.json)
		print_json(conn, q, 0, NULL);
	else
	{
		res = pm_exec(conn, q, 0, NULL);
		for (int i = 0; i < PQntuples(res); i++)
		{
			const char *labels = pg_list(PQgetvalue(res, i, 3), NULL);

			printf("%s%s%s%s%s%s\n", PQgetvalue(res, i, 0),
				   labels ? " (" : "", labels ? labels : "", labels ? ")" : "",
				   is_true(res, i, 4) ? " (head)" : " (effective head)",
				   opts.verbose ? psprintf(", %s", PQgetvalue(res, i, 1)) : "");
		}
		PQclear(res);
	}
	finish(conn, false);
	return EXIT_OK;
}

int
cmd_branches(void)
{
	PGconn	   *conn;
	PGresult   *res;
	const char *q;

	opts.read_only = true;
	want_args("branches", 0, 0);
	conn = connect_and_push_for(NULL, false);
	q = psprintf("SELECT revision, message, branch_labels, next_revisions FROM %s()",
				 pm_fn("migrate_branches"));
	if (opts.json)
		print_json(conn, q, 0, NULL);
	else
	{
		res = pm_exec(conn, q, 0, NULL);
		for (int i = 0; i < PQntuples(res); i++)
		{
			const char *id = PQgetvalue(res, i, 0);
			const char *labels = pg_list(PQgetvalue(res, i, 2), NULL);
			char	   *next = pg_strdup(pg_list(PQgetvalue(res, i, 3), ""));
			char	   *save = NULL;

			printf("%s%s%s%s (branchpoint), %s\n", id,
				   labels ? " (" : "", labels ? labels : "", labels ? ")" : "",
				   PQgetvalue(res, i, 1));
			for (char *t = strtok_r(next, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
				printf("%*s -> %s\n", (int) strlen(id), "", t);
		}
		PQclear(res);
	}
	finish(conn, false);
	return EXIT_OK;
}

int
cmd_check(void)
{
	PGconn	   *conn;
	PGresult   *res;
	const char *params[2] = {NULL, opts.schema};
	PQExpBuffer desired = createPQExpBuffer();

	opts.read_only = true;
	want_args("check", 0, 0);
	if (opts.desired)
	{
		FILE	   *f = fopen(opts.desired, "r");
		char		buf[8192];
		size_t		k;

		if (f == NULL)
			pg_fatal_exit(EXIT_ERROR, "could not open file \"%s\": %s", opts.desired, strerror(errno));
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
			appendBinaryPQExpBuffer(desired, buf, k);
		fclose(f);
		params[0] = desired->data;
	}
	conn = connect_and_push_for(NULL, false);
	res = PQexecParams(conn, psprintf("SELECT %s($1, $2)", pm_fn("migrate_check")),
					   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		pm_report_error(res, state && strcmp(state, "55000") == 0 ? EXIT_NOT_CURRENT : EXIT_ERROR);
	}
	PQclear(res);
	finish(conn, false);
	if (!opts.quiet)
		printf("No new upgrade operations detected.\n");
	return EXIT_OK;
}

/* ---- export, forget, graph ---- */

/*
 * What export may echo of a revision id or label: its first 64 bytes, cut
 * before a UTF-8 continuation byte (as the server's migrate_clip).
 */
static const char *
export_clip(const char *s)
{
	size_t		n = strlen(s);
	size_t		cut = 64;

	if (n <= 64)
		return s;
	while (cut > 0 && ((unsigned char) s[cut] & 0xC0) == 0x80)
		cut--;
	return psprintf("%.*s...", (int) cut, s);
}

/*
 * Why a revision id cannot be the start of a file name in DIR that the
 * directory reader reads back as that revision, or NULL.  The server
 * refuses such ids since 1.3 (migrate_check_revision_id); a catalog may
 * hold older ones, and a client must not trust its server with paths.
 */
static const char *
export_id_refusal(const char *id)
{
	if (id[0] == '\0')
		return "it is empty";
	if (id[0] == '.')
		return "it begins with \".\", which makes a hidden file the directory reader skips";
	if (strcmp(id, "base") == 0 || strcmp(id, "<base>") == 0)
		return "it reads back as \"base\"";
	for (const unsigned char *p = (const unsigned char *) id; *p; p++)
	{
		if (*p == '/' || *p == '\\')
			return "it contains a directory separator";
		if (*p < 0x20 || *p == 0x7f)
			return "it contains a control character";
		if (*p == ' ' || *p == ',' || *p == '{' || *p == '}' || *p == '"')
			return "it contains white space, \",\", a brace or a quote, which a header list cannot hold";
	}
	return NULL;
}

/*
 * The same for the items of Revises, Branch labels or Depends on, given as
 * libpq prints a text[]: an item it quotes (one holding a comma, white
 * space, a brace, a quote or a backslash) would not read back as written.
 */
static void
export_check_list(const char *id, const char *what, const char *arr)
{
	int			n;
	char	  **items;

	if (strchr(arr, '"') != NULL)
		pg_fatal_exit(EXIT_ERROR, "cannot export revision \"%s\": an item of its %s list cannot be written to a revision file: %s\n"
					  "HINT:  Nothing was written. Forget the revision if it is not applied, or downgrade below it and forget it, then register it again.",
					  export_clip(id), what, export_clip(arr));
	items = split_list(pg_list(arr, ""), &n);
	for (int i = 0; i < n; i++)
	{
		const char *why = export_id_refusal(items[i]);

		if (why != NULL)
			pg_fatal_exit(EXIT_ERROR, "cannot export revision \"%s\": its %s \"%s\" cannot be written to a revision file: %s\n"
						  "HINT:  Nothing was written. Forget the revision if it is not applied, or downgrade below it and forget it, then register it again.",
						  export_clip(id), what, export_clip(items[i]), why);
	}
}

int
cmd_export(void)
{
	PGconn	   *conn;
	PGresult   *res;
	const char *dir;
	struct stat st;
	int			n;

	want_args("export", 1, 1);
	dir = opts.args[0];
	conn = pm_connect();
	need_1_2("export");
	res = pm_exec(conn,
				  psprintf("SELECT revision, down_revisions, branch_labels, depends_on, message,"
						   " upgrade, downgrade, transactional,"
						   " pg_catalog.to_char(created_at, 'YYYY-MM-DD HH24:MI:SS')"
						   " FROM %s()", pm_fn("migrate_export")),
				  0, NULL);
	n = PQntuples(res);

	/*
	 * Every file name must be a plain name inside DIR that reads back as its
	 * revision: check them all before writing any.
	 */
	for (int i = 0; i < n; i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *why = export_id_refusal(id);
		const char *name;

		if (why == NULL)
		{
			name = revfile_name(id, PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4));
			if (strlen(name) > 255)
				why = "its file name would be longer than 255 bytes";
			else if (strchr(name, '/') != NULL || name[0] == '.')
				why = "its file name would not be a plain name";	/* cannot happen */
		}
		if (why != NULL)
			pg_fatal_exit(EXIT_ERROR, "cannot export revision \"%s\": its identifier cannot be a file name in \"%s\": %s\n"
						  "HINT:  Nothing was written. Forget the revision if it is not applied, or downgrade below it and forget it, then register it again under an identifier that is a plain file name.",
						  export_clip(id), dir, why);
		export_check_list(id, "down revision", PQgetvalue(res, i, 1));
		export_check_list(id, "branch label", PQgetvalue(res, i, 2));
		export_check_list(id, "dependency", PQgetvalue(res, i, 3));
	}
	if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0)
		pg_fatal_exit(EXIT_ERROR, "could not create directory \"%s\": %s", dir, strerror(errno));
	for (int i = 0; i < n; i++)
	{
		RevFile		r;
		RevFile    *back;
		char	   *path;

		memset(&r, 0, sizeof(r));
		r.id = PQgetvalue(res, i, 0);
		r.down = split_list(pg_list(PQgetvalue(res, i, 1), ""), &r.ndown);
		r.labels = split_list(pg_list(PQgetvalue(res, i, 2), ""), &r.nlabels);
		r.deps = split_list(pg_list(PQgetvalue(res, i, 3), ""), &r.ndeps);
		r.message = PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4);
		r.upgrade = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5);
		r.downgrade = PQgetisnull(res, i, 6) ? NULL : PQgetvalue(res, i, 6);
		r.transactional = is_true(res, i, 7);
		r.create_date = PQgetvalue(res, i, 8);
		path = revfile_create(dir, &r);
		if (opts.verbose)
			printf("Writing %s\n", path);
		/* what push will read: the same revision, no silently skipped file */
		back = revfile_read(path);
		if (strcmp(back->id, r.id) != 0)
			pg_fatal_exit(EXIT_ERROR, "file \"%s\" does not read back as revision \"%s\"",
						  path, export_clip(r.id));
	}
	if (!opts.quiet)
		printf("Exported %d revision%s to %s.\n", n, n == 1 ? "" : "s", dir);
	PQclear(res);
	PQfinish(conn);
	return EXIT_OK;
}

int
cmd_forget(void)
{
	PGconn	   *conn;
	PGresult   *res;
	RevDir	   *d;
	const char *params[1];

	want_args("forget", 1, 1);
	params[0] = opts.args[0];
	conn = pm_connect();
	need_1_2("forget");
	res = pm_exec(conn, psprintf("SELECT %s($1)", pm_fn("migrate_forget")), 1, params);
	printf("Forgot revision %s.\n", PQgetvalue(res, 0, 0));
	d = revdir_read(opts.dir, false);
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->files[i].id, PQgetvalue(res, 0, 0)) == 0)
			pm_warning("file \"%s\" still defines it: delete the file, or the next push registers it again",
					   d->files[i].path);
	PQclear(res);
	PQfinish(conn);
	return EXIT_OK;
}

static const char *
quote_dot(const char *s)
{
	PQExpBuffer b = createPQExpBuffer();

	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			appendPQExpBufferChar(b, '\\');
		appendPQExpBufferChar(b, *s);
	}
	return b->data;
}

static const char *
quote_mermaid(const char *s)
{
	PQExpBuffer b = createPQExpBuffer();

	for (; *s; s++)
	{
		if (*s == '"')
			appendPQExpBufferStr(b, "#quot;");
		else
			appendPQExpBufferChar(b, *s);
	}
	return b->data;
}

int
cmd_graph(void)
{
	PGconn	   *conn;
	PGresult   *res;
	bool		mermaid;
	int			n;

	opts.read_only = true;
	want_args("graph", 0, 0);
	if (opts.format == NULL || strcmp(opts.format, "dot") == 0)
		mermaid = false;
	else if (strcmp(opts.format, "mermaid") == 0)
		mermaid = true;
	else
		pg_fatal_exit(EXIT_USAGE, "unrecognized graph format \"%s\" (dot or mermaid)", opts.format);
	conn = connect_and_push_for(NULL, false);
	res = pm_exec(conn,
				  psprintf("SELECT revision, down_revisions, depends_on, message, branch_labels,"
						   " is_head, applied, is_current FROM %s() ORDER BY created_at, revision",
						   pm_fn("migrate_history")),
				  0, NULL);
	n = PQntuples(res);
	if (mermaid)
		printf("graph BT\n");
	else
		printf("digraph migrate {\n  rankdir=BT;\n  node [shape=box, style=rounded];\n");
	for (int i = 0; i < n; i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *labels = pg_list(PQgetvalue(res, i, 4), NULL);
		const char *label = psprintf("%s%s%s%s%s", id,
									 labels ? " (" : "", labels ? labels : "", labels ? ")" : "",
									 is_true(res, i, 5) ? " (head)" : "");
		const char *msg = PQgetvalue(res, i, 3);

		if (mermaid)
			printf("  r_%s[\"%s<br/>%s\"]\n", id, quote_mermaid(label), quote_mermaid(msg));
		else
			printf("  \"%s\" [label=\"%s\\n%s\"%s%s];\n", quote_dot(id), quote_dot(label),
				   quote_dot(msg),
				   is_true(res, i, 6) ? ", style=\"rounded,filled\", fillcolor=palegreen" : "",
				   is_true(res, i, 5) ? ", peripheries=2" : "");
	}
	for (int i = 0; i < n; i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		char	   *save = NULL;
		char	   *down = pg_strdup(pg_list(PQgetvalue(res, i, 1), ""));
		char	   *deps = pg_strdup(pg_list(PQgetvalue(res, i, 2), ""));

		for (char *t = strtok_r(down, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			printf(mermaid ? "  r_%s --> r_%s\n" : "  \"%s\" -> \"%s\";\n",
				   mermaid ? id : quote_dot(id), mermaid ? t : quote_dot(t));
		save = NULL;
		for (char *t = strtok_r(deps, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			printf(mermaid ? "  r_%s -.-> r_%s\n" : "  \"%s\" -> \"%s\" [style=dashed];\n",
				   mermaid ? id : quote_dot(id), mermaid ? t : quote_dot(t));
	}
	if (mermaid)
	{
		printf("  classDef applied fill:#cfc,stroke:#393;\n  classDef head stroke-width:3px;\n");
		for (int i = 0; i < n; i++)
		{
			if (is_true(res, i, 6))
				printf("  class r_%s applied;\n", PQgetvalue(res, i, 0));
			if (is_true(res, i, 5))
				printf("  class r_%s head;\n", PQgetvalue(res, i, 0));
		}
	}
	else
		printf("}\n");
	PQclear(res);
	finish(conn, false);
	return EXIT_OK;
}

/* ---- lint ---- */

/*
 * Findings are printed as a compiler prints diagnostics, so editors and CI
 * annotate the line: "FILE:LINE: SEVERITY: RULE: MESSAGE", the hint on the
 * next line.  The server does the linting (migrate_lint for the pending
 * plan, migrate_lint_sql for a file's upgrade section); the client maps a
 * line of a script to the line of its file.
 */
typedef struct LintCount
{
	int			error;
	int			warning;
	int			info;
	bool		failed;
} LintCount;

static int
severity_rank(const char *severity)
{
	if (strcmp(severity, "error") == 0)
		return 3;
	if (strcmp(severity, "warning") == 0)
		return 2;
	if (strcmp(severity, "info") == 0)
		return 1;
	return 0;
}

/* One row of migrate_lint() or migrate_lint_sql() as a JSON object */
static void
lint_row_json(PQExpBuffer buf, const PGresult *res, int row,
			  const char *file, int file_line)
{
	appendPQExpBufferChar(buf, '{');
	for (int c = 0; c < PQnfields(res); c++)
	{
		Oid			type = PQftype(res, c);

		json_string(buf, PQfname(res, c));
		appendPQExpBufferChar(buf, ':');
		if (PQgetisnull(res, row, c))
			appendPQExpBufferStr(buf, "null");
		else if (type == INT4OID || type == INT8OID)
			appendPQExpBufferStr(buf, PQgetvalue(res, row, c));
		else if (type == BOOLOID)
			appendPQExpBufferStr(buf, is_true(res, row, c) ? "true" : "false");
		else
			json_string(buf, PQgetvalue(res, row, c));
		appendPQExpBufferChar(buf, ',');
	}
	appendPQExpBufferStr(buf, "\"file\":");
	json_string(buf, file);
	if (file_line > 0)
		appendPQExpBuffer(buf, ",\"file_line\":%d}", file_line);
	else
		appendPQExpBufferStr(buf, ",\"file_line\":null}");
}

/*
 * Print (or add to the JSON array) the findings of one result.  Each row's
 * file is given (lint FILE) or that of its revision in d (the pending plan;
 * none for a revision no file defines, or with --no-push); its line there
 * is the upgrade section's first line plus the line in the script.
 */
static void
lint_report(const PGresult *res, const RevDir *d, const RevFile *given,
			PQExpBuffer json, LintCount *count, int fail_rank)
{
	int			f_revision = PQfnumber(res, "revision");
	int			f_line = PQfnumber(res, "line");
	int			f_rule = PQfnumber(res, "rule");
	int			f_severity = PQfnumber(res, "severity");
	int			f_message = PQfnumber(res, "message");
	int			f_hint = PQfnumber(res, "hint");

	for (int i = 0; i < PQntuples(res); i++)
	{
		const RevFile *r = given;
		const char *severity = PQgetvalue(res, i, f_severity);
		const char *revision = PQgetisnull(res, i, f_revision) ? NULL :
			PQgetvalue(res, i, f_revision);
		int			line = PQgetisnull(res, i, f_line) ? 0 : atoi(PQgetvalue(res, i, f_line));
		int			file_line = 0;
		int			rank = severity_rank(severity);
		char	   *place;

		if (r == NULL && d && revision)
		{
			int			j = revdir_find(d, revision);

			r = j >= 0 ? &d->files[j] : NULL;
		}
		if (r && line > 0)
			file_line = r->line_upgrade + line - 1;

		if (rank == 3)
			count->error++;
		else if (rank == 2)
			count->warning++;
		else if (rank == 1)
			count->info++;
		if (rank > 0 && rank >= fail_rank)
			count->failed = true;

		if (json)
		{
			if (json->len > 1)
				appendPQExpBufferStr(json, ",\n ");
			lint_row_json(json, res, i, r ? r->path : NULL, file_line);
			continue;
		}
		if (r && file_line > 0)
			place = psprintf("%s:%d", r->path, file_line);
		else if (r)
			place = psprintf("%s", r->path);
		else if (line > 0)
			place = psprintf("revision %s, line %d", revision, line);
		else
			place = psprintf("revision %s", revision);
		printf("%s: %s: %s: %s\n", place, severity,
			   PQgetvalue(res, i, f_rule), PQgetvalue(res, i, f_message));
		if (!PQgetisnull(res, i, f_hint) && PQgetvalue(res, i, f_hint)[0])
			printf("    hint: %s\n", PQgetvalue(res, i, f_hint));
	}
}

int
cmd_lint(void)
{
	PGconn	   *conn;
	PGresult   *res;
	RevDir	   *d = NULL;
	RevFile   **files = NULL;
	PQExpBuffer json = opts.json ? createPQExpBuffer() : NULL;
	LintCount	count = {0};
	const char *target = opts.target ? opts.target : opts.range;
	int			fail_rank;

	opts.read_only = true;
	if (opts.fail_on == NULL || strcmp(opts.fail_on, "error") == 0)
		fail_rank = 3;
	else if (strcmp(opts.fail_on, "warning") == 0)
		fail_rank = 2;
	else if (strcmp(opts.fail_on, "info") == 0)
		fail_rank = 1;
	else if (strcmp(opts.fail_on, "none") == 0)
		fail_rank = 4;
	else
		pg_fatal_exit(EXIT_USAGE, "unrecognized --fail-on level \"%s\" (error, warning, info or none)",
					  opts.fail_on);
	if (opts.nargs > 0 && target)
		pg_fatal_exit(EXIT_USAGE, "lint: --target lints the pending upgrade and cannot be combined with FILE arguments");

	if (json)
		appendPQExpBufferChar(json, '[');
	if (opts.nargs > 0)
	{
		/*
		 * Files, pushed or not: every file is read and checked before the
		 * database is asked anything, and each upgrade section is linted on
		 * its own against the database as it is.
		 */
		files = pm_malloc(sizeof(RevFile *) * opts.nargs);
		for (int i = 0; i < opts.nargs; i++)
			files[i] = revfile_read(opts.args[i]);
		conn = pm_connect();
		need_1_2("lint");
		pm_command(conn, "BEGIN");
		for (int i = 0; i < opts.nargs; i++)
		{
			const char *params[1] = {files[i]->upgrade};

			if (files[i]->upgrade == NULL)
				continue;
			res = pm_exec(conn, psprintf("SELECT * FROM %s($1)", pm_fn("migrate_lint_sql")),
						  1, params);
			lint_report(res, NULL, files[i], json, &count, fail_rank);
			PQclear(res);
		}
	}
	else
	{
		const char *params[1] = {target ? target : "heads"};

		conn = connect_and_push_for(&d, false);
		need_1_2("lint");
		res = pm_exec(conn, psprintf("SELECT * FROM %s($1)", pm_fn("migrate_lint")),
					  1, params);
		lint_report(res, d && d->exists ? d : NULL, NULL, json, &count, fail_rank);
		PQclear(res);
	}
	finish(conn, false);

	if (json)
	{
		appendPQExpBufferChar(json, ']');
		printf("%s\n", json->data);
	}
	pm_info("%d error%s, %d warning%s, %d info%s",
			count.error, count.error == 1 ? "" : "s",
			count.warning, count.warning == 1 ? "" : "s",
			count.info, count.info == 1 ? "" : "s");
	return count.failed ? EXIT_LINT : EXIT_OK;
}
