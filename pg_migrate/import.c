/*-------------------------------------------------------------------------
 *
 * import.c
 *	  import: other tools' migrations as revision files; adopt: stamp a
 *	  database from that tool's version table, so that an existing
 *	  production database switches tools without re-running anything.
 *
 * Every tool here keeps a linear list of versioned SQL migrations, so the
 * import is a chain in version order.  A revision's id is the tool's
 * version made into an id ("1.2" becomes "v1_2", golang-migrate's
 * "20240101120000" stays as it is), so adopt finds the revision of the
 * version the tool's table says is applied.
 *
 *	golang-migrate	DIR/<version>_<title>.up.sql, .down.sql
 *	dbmate			DIR/<version>_<name>.sql with "-- migrate:up",
 *					"-- migrate:down" sections
 *	flyway			DIR/V<version>__<description>.sql, and U<version>__...
 *					undo scripts (Flyway Teams); R__ repeatable ones are
 *					skipped with a warning
 *	diesel			DIR/<version>_<name>/up.sql, down.sql
 *	alembic			an Alembic project: its revision graph is kept, see alembic.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <sys/stat.h>

#include "pg_migrate.h"

typedef struct Imported
{
	char	   *version;		/* as the tool writes it */
	char	   *name;
	char	   *up;
	char	   *down;			/* NULL: no down script */
} Imported;

/*
 * The whole of a file as a string (alembic.c reads modules with it too);
 * NULL if !must and it does not exist, exit 6 on any other failure.
 */
char *
import_read_file(const char *path, bool must)
{
	FILE	   *f = fopen(path, "r");
	PQExpBuffer b;
	char		buf[8192];
	size_t		k;

	if (f == NULL)
	{
		if (!must && errno == ENOENT)
			return NULL;
		pg_fatal_exit(EXIT_BAD_FILES, "could not open file \"%s\": %s", path, strerror(errno));
	}
	b = createPQExpBuffer();
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		appendBinaryPQExpBuffer(b, buf, k);
	fclose(f);
	return b->data;
}

/* Text without white space around it, NULL when nothing is left */
static char *
trimmed(const char *s)
{
	const char *e;

	if (s == NULL)
		return NULL;
	while (*s && isspace((unsigned char) *s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char) e[-1]))
		e--;
	return e > s ? pnstrdup(s, e - s) : NULL;
}

/*
 * The tool's version as a revision id.  Numbers lose their leading zeros
 * (golang-migrate's file 000003_x.up.sql is version 3 in its table), dots
 * and underscores become underscores (Flyway's V1_1 is version 1.1),
 * diesel's dashes go; short numeric versions get a "v" so that an id never
 * looks like a small number.
 */
char *
import_version_id(const char *tool, const char *version)
{
	PQExpBuffer b = createPQExpBuffer();

	if (strcmp(tool, "flyway") == 0 || strcmp(tool, "golang-migrate") == 0)
		appendPQExpBufferChar(b, 'v');
	if (strcmp(tool, "diesel") == 0)
	{
		/* 2024-01-05-093000, as diesel's table stores it: 20240105093000 */
		PQExpBuffer digits = createPQExpBuffer();

		for (const char *p = version; *p; p++)
			if (*p != '-')
				appendPQExpBufferChar(digits, *p);
		version = digits->data;
	}
	for (const char *p = version; *p; p++)
	{
		if (isdigit((unsigned char) *p))
		{
			/* a run of digits, without its leading zeros */
			while (*p == '0' && isdigit((unsigned char) p[1]))
				p++;
			appendPQExpBufferChar(b, *p);
		}
		else if (isalnum((unsigned char) *p))
			appendPQExpBufferChar(b, *p);
		else if (*p == '.' || *p == '_')
			appendPQExpBufferChar(b, '_');
		while (isdigit((unsigned char) *p) && isdigit((unsigned char) p[1]))
			appendPQExpBufferChar(b, *++p);
	}
	return b->data;
}

/* Compare versions as sequences of numbers ("1.10" after "1.9") */
static int
version_cmp(const void *a, const void *b)
{
	const char *x = ((const Imported *) a)->version;
	const char *y = ((const Imported *) b)->version;

	while (*x && *y)
	{
		if (isdigit((unsigned char) *x) && isdigit((unsigned char) *y))
		{
			char	   *ex,
					   *ey;
			unsigned long long nx = strtoull(x, &ex, 10);
			unsigned long long ny = strtoull(y, &ey, 10);

			if (nx != ny)
				return nx < ny ? -1 : 1;
			x = ex;
			y = ey;
		}
		else
		{
			if (*x != *y)
				return (unsigned char) *x - (unsigned char) *y;
			x++;
			y++;
		}
	}
	return (unsigned char) *x - (unsigned char) *y;
}

static Imported *
find_version(Imported *list, int n, const char *version)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i].version, version) == 0)
			return &list[i];
	return NULL;
}

/* The dbmate file's two sections */
static void
split_dbmate(const char *path, char *text, char **up, char **down)
{
	char	   *u = strstr(text, "-- migrate:up");
	char	   *d = strstr(text, "-- migrate:down");

	if (u == NULL)
		pg_fatal_exit(EXIT_BAD_FILES, "%s: no \"-- migrate:up\" line", path);
	u = strchr(u, '\n');
	u = u ? u + 1 : text + strlen(text);
	if (d && d > u)
	{
		char	   *de = strchr(d, '\n');

		*up = trimmed(pnstrdup(u, d - u));
		*down = de ? trimmed(de + 1) : NULL;
		if (*down == NULL)
			*down = pg_strdup("");
	}
	else
	{
		*up = trimmed(u);
		*down = NULL;
	}
}

static Imported *
read_tool_dir(const char *tool, const char *dir, int *n)
{
	DIR		   *dh = opendir(dir);
	struct dirent *de;
	Imported   *list = pg_malloc(sizeof(Imported) * 16);
	int			cap = 16;

	*n = 0;
	if (dh == NULL)
		pg_fatal_exit(EXIT_BAD_FILES, "could not open directory \"%s\": %s", dir, strerror(errno));
	while ((de = readdir(dh)) != NULL)
	{
		const char *f = de->d_name;
		size_t		len = strlen(f);
		char	   *path = psprintf("%s/%s", dir, f);
		const char *us;
		Imported   *it;
		char	   *version;

		if (f[0] == '.')
			continue;
		if (*n == cap)
		{
			cap *= 2;
			list = pg_realloc(list, sizeof(Imported) * cap);
		}
		if (strcmp(tool, "golang-migrate") == 0)
		{
			bool		is_up = len > 7 && strcmp(f + len - 7, ".up.sql") == 0;
			bool		is_down = len > 9 && strcmp(f + len - 9, ".down.sql") == 0;

			if ((!is_up && !is_down) || (us = strchr(f, '_')) == NULL)
				continue;
			version = pnstrdup(f, us - f);
			if ((it = find_version(list, *n, version)) == NULL)
			{
				it = &list[(*n)++];
				memset(it, 0, sizeof(*it));
				it->version = version;
				it->name = pnstrdup(us + 1, len - (us + 1 - f) - (is_up ? 7 : 9));
			}
			if (is_up)
				it->up = trimmed(import_read_file(path, true));
			else
			{
				it->down = trimmed(import_read_file(path, true));
				if (it->down == NULL)
					it->down = pg_strdup("");
			}
		}
		else if (strcmp(tool, "dbmate") == 0)
		{
			if (len < 5 || strcmp(f + len - 4, ".sql") != 0 || (us = strchr(f, '_')) == NULL)
				continue;
			it = &list[(*n)++];
			memset(it, 0, sizeof(*it));
			it->version = pnstrdup(f, us - f);
			it->name = pnstrdup(us + 1, len - (us + 1 - f) - 4);
			split_dbmate(path, import_read_file(path, true), &it->up, &it->down);
		}
		else if (strcmp(tool, "flyway") == 0)
		{
			const char *sep = strstr(f, "__");

			if (len < 5 || strcmp(f + len - 4, ".sql") != 0 || sep == NULL)
				continue;
			if (f[0] == 'R')
			{
				pm_warning("%s: repeatable migrations are not imported", path);
				continue;
			}
			if (f[0] != 'V' && f[0] != 'U')
				continue;
			version = pnstrdup(f + 1, sep - f - 1);
			if ((it = find_version(list, *n, version)) == NULL)
			{
				it = &list[(*n)++];
				memset(it, 0, sizeof(*it));
				it->version = version;
			}
			if (f[0] == 'V')
			{
				it->name = pnstrdup(sep + 2, len - (sep + 2 - f) - 4);
				it->up = trimmed(import_read_file(path, true));
			}
			else
			{
				it->down = trimmed(import_read_file(path, true));
				if (it->down == NULL)
					it->down = pg_strdup("");
			}
		}
		else if (strcmp(tool, "diesel") == 0)
		{
			struct stat st;

			if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
				(us = strchr(f, '_')) == NULL || strncmp(f, "00000000000000", 14) == 0)
				continue;		/* diesel's own initial setup migration */
			it = &list[(*n)++];
			memset(it, 0, sizeof(*it));
			it->version = pnstrdup(f, us - f);
			it->name = pg_strdup(us + 1);
			it->up = trimmed(import_read_file(psprintf("%s/up.sql", path), true));
			it->down = trimmed(import_read_file(psprintf("%s/down.sql", path), false));
		}
	}
	closedir(dh);
	for (int i = 0; i < *n; i++)
		if (list[i].name == NULL)
			pg_fatal_exit(EXIT_BAD_FILES, "%s: version %s has an undo script but no migration",
						  dir, list[i].version);
	qsort(list, *n, sizeof(Imported), version_cmp);
	return list;
}

static const char *const tools[] = {"golang-migrate", "dbmate", "flyway", "diesel", NULL};

static void
check_tool(const char *what)
{
	for (int i = 0; tools[i]; i++)
		if (opts.from && strcmp(opts.from, tools[i]) == 0)
			return;
	pg_fatal_exit(EXIT_USAGE, "%s: --from must be golang-migrate, dbmate, flyway, diesel or alembic", what);
}

int
cmd_import(void)
{
	RevDir	   *d;
	Imported   *list;
	int			n;
	const char *prev = NULL;

	if (opts.nargs != 1)
		pg_fatal_exit(EXIT_USAGE, "import: give the directory of the other tool's migrations");
	if (opts.from && strcmp(opts.from, "alembic") == 0)
		return import_alembic();
	check_tool("import");
	d = revdir_read(opts.dir, true);
	revdir_check(d);
	if (d->n > 0)
		pg_fatal_exit(EXIT_ERROR, "directory \"%s\" already holds revision files: import into an empty one", d->dir);
	list = read_tool_dir(opts.from, opts.args[0], &n);
	for (int i = 0; i < n; i++)
	{
		RevFile		r;
		char	   *path;

		memset(&r, 0, sizeof(r));
		r.id = import_version_id(opts.from, list[i].version);
		r.message = list[i].name;
		for (char *p = r.message; *p; p++)
			if (*p == '_')
				*p = ' ';
		r.down = pg_malloc(sizeof(char *));
		if (prev)
		{
			r.down[0] = (char *) prev;
			r.ndown = 1;
		}
		r.upgrade = list[i].up;
		r.downgrade = list[i].down;
		r.transactional = true;
		r.create_date = psprintf("imported from %s %s", opts.from, list[i].version);
		path = revfile_create(d->dir, &r);
		if (!opts.quiet)
			printf("Imported %s %s as %s\n", opts.from, list[i].version, path);
		prev = r.id;
	}
	if (!opts.quiet)
		printf("Imported %d migration%s from %s.\n", n, n == 1 ? "" : "s", opts.args[0]);
	return EXIT_OK;
}

/*
 * The version the tool's table says is current, or NULL when nothing is
 * applied.  Refuses states the tool itself would refuse to continue from.
 */
static char *
tool_current_version(PGconn *conn)
{
	PGresult   *res;
	const char *q = NULL;

	if (strcmp(opts.from, "golang-migrate") == 0)
	{
		res = pm_exec(conn, "SELECT version::pg_catalog.text, dirty FROM public.schema_migrations", 0, NULL);
		if (PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 1), "t") == 0)
			pg_fatal_exit(EXIT_ERROR, "golang-migrate marks version %s as dirty\nHINT:  Fix the database and clear the flag with \"migrate force\" first.",
						  PQgetvalue(res, 0, 0));
		return PQntuples(res) > 0 ? pg_strdup(PQgetvalue(res, 0, 0)) : NULL;
	}
	if (strcmp(opts.from, "dbmate") == 0)
		q = "SELECT version::pg_catalog.text FROM public.schema_migrations";
	else if (strcmp(opts.from, "diesel") == 0)
		q = "SELECT version::pg_catalog.text FROM public.__diesel_schema_migrations"
			" WHERE version OPERATOR(pg_catalog.<>) '00000000000000'";
	else if (strcmp(opts.from, "flyway") == 0)
	{
		res = pm_exec(conn, "SELECT version FROM public.flyway_schema_history"
					  " WHERE NOT success AND version IS NOT NULL", 0, NULL);
		if (PQntuples(res) > 0)
			pg_fatal_exit(EXIT_ERROR, "flyway records a failed migration, version %s\nHINT:  Repair it with \"flyway repair\" first.",
						  PQgetvalue(res, 0, 0));
		q = "SELECT version FROM public.flyway_schema_history"
			" WHERE success AND version IS NOT NULL AND type OPERATOR(pg_catalog.<>) 'UNDO_SQL'";
	}
	res = pm_exec(conn, q, 0, NULL);
	{
		/* the highest applied version, compared as the import orders them */
		int			n = PQntuples(res);
		Imported   *v = pg_malloc(sizeof(Imported) * (n + 1));

		if (n == 0)
			return NULL;
		for (int i = 0; i < n; i++)
			v[i].version = PQgetvalue(res, i, 0);
		qsort(v, n, sizeof(Imported), version_cmp);
		return pg_strdup(v[n - 1].version);
	}
}

int
cmd_adopt(void)
{
	PGconn	   *conn;
	PGresult   *res;
	char	   *version;
	const char *params[2];

	if (opts.nargs != 0)
		pg_fatal_exit(EXIT_USAGE, "adopt: too many arguments");
	if (opts.from == NULL || strcmp(opts.from, "alembic") != 0)
		check_tool("adopt");
	opts.dry_run = false;
	conn = pm_connect();
	pm_command(conn, "BEGIN");
	{
		RevDir	   *d = revdir_read(opts.dir, true);

		revdir_check(d);
		if (!opts.no_push)
			pm_push(conn, d);
	}
	if (strcmp(opts.from, "alembic") == 0)
	{
		PQExpBuffer arr = createPQExpBuffer();

		res = pm_exec(conn, "SELECT version_num FROM public.alembic_version ORDER BY 1", 0, NULL);
		appendPQExpBufferChar(arr, '{');
		for (int i = 0; i < PQntuples(res); i++)
			appendPQExpBuffer(arr, "%s\"%s\"", i ? "," : "", PQgetvalue(res, i, 0));
		appendPQExpBufferChar(arr, '}');
		if (PQntuples(res) == 0)
			resetPQExpBuffer(arr), appendPQExpBufferStr(arr, "{base}");
		params[0] = arr->data;
	}
	else
	{
		version = tool_current_version(conn);
		params[0] = version ? psprintf("{\"%s\"}", import_version_id(opts.from, version)) : "{base}";
	}
	params[1] = "false";
	res = pm_exec(conn, psprintf("SELECT revision FROM %s($1::pg_catalog.text[], true)",
								 pm_fn("migrate_stamp")), 1, params);
	pm_command(conn, "COMMIT");
	if (!opts.quiet)
	{
		printf("Adopted the %s version table: the database is at", opts.from);
		for (int i = 0; i < PQntuples(res); i++)
			printf(" %s", PQgetvalue(res, i, 0));
		printf("%s.\n", PQntuples(res) == 0 ? " base" : "");
	}
	PQfinish(conn);
	return EXIT_OK;
}
