/*-------------------------------------------------------------------------
 *
 * pg_migrate.c
 *	  The command-line client of the migrate extension: revisions as files
 *	  in a directory, Alembic's commands from a shell.
 *
 * The client stays thin: it reads and writes revision files, hands them
 * to the database in one call (migrate_push), and calls the extension's
 * SQL functions; every rule about the revision graph lives in the server.
 * Options follow PostgreSQL's own client programs (-d/-h/-p/-U/-w/-W, a
 * conninfo string or URI, PG* variables through libpq), plus DATABASE_URL
 * when no database is named.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <getopt.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/string.h"
#include "pg_migrate.h"

const char *progname = "pg_migrate";
Options		opts;
RevDir	   *pm_pushed;
void		(*pm_on_error) (void);

static char *ext_schema;		/* quoted schema of the extension */
static int	ext_major,
			ext_minor;

typedef struct Command
{
	const char *name;
	int			(*run) (void);
	const char *usage;
	const char *summary;
	const char *options;
} Command;

static const Command commands[] = {
	{"init", cmd_init, "init [DIR]",
	"create the migrations directory", ""},
	{"revision", cmd_revision, "revision -m MESSAGE [OPTION]...",
		"write a new revision file on top of the files' head (no database needed)",
		"  -m, --message=MESSAGE     what the revision does\n"
		"      --head=REV            build on REV (\"base\", an id, a label, X@head)\n"
		"      --splice              allow --head to name a revision that is not a head\n"
		"      --branch-label=LABEL  give the revision a branch label\n"
		"      --depends-on=REV      a revision that must be applied first (repeatable)\n"
		"      --non-transactional   statements run one by one outside a transaction\n"
		"      --rev-id=ID           use ID instead of a random identifier\n"
		"      --autogenerate        fill the scripts from the difference between the\n"
		"                            database and --desired (needs a database)\n"
		"      --desired=FILE        the desired schema, as DDL (with --autogenerate)\n"
	"      --schema=NAME         the schema to compare (default public)\n"},
	{"merge", cmd_merge, "merge -m MESSAGE [heads | REV REV...]",
		"write a merge revision of the files' heads",
		"  -m, --message=MESSAGE     what the merge is for\n"
	"      --rev-id=ID           use ID instead of a random identifier\n"},
	{"push", cmd_push, "push",
		"register every revision file in the database, in one transaction",
	""},
	{"upgrade", cmd_upgrade, "upgrade [TARGET] [--sql | --each | --dry-run]",
		"push, then upgrade to TARGET (default head)",
		"      --sql                 print the SQL an upgrade would run, run nothing\n"
		"      --each                commit after every revision (needed for\n"
		"                            non-transactional revisions)\n"
	"      --dry-run             run the upgrade, report it, roll it back\n"},
	{"downgrade", cmd_downgrade, "downgrade TARGET [--sql | --each | --dry-run]",
		"push, then downgrade to TARGET (-1, base, an id, label@base...)",
		"      --sql                 print the SQL a downgrade would run, run nothing\n"
		"      --each                commit after every revision\n"
	"      --dry-run             run the downgrade, report it, roll it back\n"},
	{"stamp", cmd_stamp, "stamp TARGET... [--purge]",
		"set the version rows to TARGETs without running scripts",
	"      --purge               empty the version rows first\n"},
	{"current", cmd_current, "current [--json]",
	"the revisions the database is at", ""},
	{"history", cmd_history, "history [-r RANGE] [-v] [--json]",
		"revisions, newest first",
		"  -r, --rev-range=RANGE     a:b, a:, :b (current allowed on either side)\n"
	"  -v, --verbose             every field of each revision\n"},
	{"show", cmd_show, "show REV [--json]",
	"one revision in full, as its file", ""},
	{"heads", cmd_heads, "heads [--json]",
	"the head revisions", ""},
	{"branches", cmd_branches, "branches [--json]",
	"the branch points", ""},
	{"check", cmd_check, "check [--desired=FILE] [--schema=NAME]",
		"exit 0 if the database is at head (and matches --desired), 4 if not",
		"      --desired=FILE        also compare the schema with this DDL\n"
	"      --schema=NAME         the schema to compare (default public)\n"},
	{"export", cmd_export, "export DIR",
	"write the database's revisions as files into DIR", ""},
	{"forget", cmd_forget, "forget REV",
	"remove the registration of a revision that is not applied", ""},
	{"graph", cmd_graph, "graph [--format=dot|mermaid]",
		"the revision graph, heads and applied revisions marked",
	"      --format=FORMAT       dot (default) or mermaid\n"},
	{"lint", cmd_lint, "lint [FILE...] [-r TARGET] [--fail-on=LEVEL] [--json]",
		"lint the pending upgrade, or FILEs, like a compiler (file:line)",
		"  -r, --target=TARGET       lint the upgrade to TARGET (default heads; not\n"
		"                            with FILE)\n"
		"      --fail-on=LEVEL       exit 7 on a finding of LEVEL or above: error\n"
	"                            (default), warning, info, or none\n"},
	{"import", cmd_import, "import --from=TOOL DIR",
		"convert another tool's migrations into revision files (no database needed)",
		"      --from=TOOL           golang-migrate, dbmate, flyway, diesel or alembic\n"
		"      --alembic=COMMAND     how to run Alembic (default: alembic on PATH,\n"
		"                            else python3 -m alembic)\n"
		"      --alembic-config=FILE alembic.ini, when DIR is the versions directory\n"},
	{"adopt", cmd_adopt, "adopt --from=TOOL",
		"push, then stamp the database from TOOL's version table",
	"      --from=TOOL           golang-migrate, dbmate, flyway, diesel or alembic\n"},
	{NULL}
};

static const char *common_options =
"Connection options:\n"
"  -d, --dbname=DBNAME       database name, conninfo string or URI\n"
"                            (default: $DATABASE_URL, then libpq's PG* variables)\n"
"  -h, --host=HOSTNAME       database server host or socket directory\n"
"  -p, --port=PORT           database server port\n"
"  -U, --username=USERNAME   user name to connect as\n"
"  -w, --no-password         never prompt for password\n"
"  -W, --password            force password prompt\n"
"\n"
"Other options:\n"
"  -D, --dir=DIR             revision files directory (default: migrations,\n"
"                            or $PG_MIGRATE_DIR)\n"
"      --no-push             do not push the files before the command\n"
"      --json                print results as JSON (read commands)\n"
"  -q, --quiet               print only errors and results\n"
"  -V, --version             output version information, then exit\n"
"  -?, --help                show help (of a command: pg_migrate COMMAND --help)\n";

static void
usage(const Command *c)
{
	if (c)
	{
		printf("%s %s: %s.\n\nUsage:\n  %s %s\n\n", progname, c->name, c->summary,
			   progname, c->usage);
		if (c->options[0])
			printf("Options:\n%s\n", c->options);
		printf("%s", common_options);
		return;
	}
	printf("%s manages schema migrations kept as SQL files, run inside PostgreSQL\n"
		   "by the migrate extension.\n\nUsage:\n  %s COMMAND [OPTION]...\n\nCommands:\n",
		   progname, progname);
	for (c = commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\n%s\nExit status: 0 success, 1 error, 2 bad usage, 3 could not connect,\n"
		   "4 not up to date (check, revision --autogenerate), 5 push refused: an\n"
		   "applied revision's file changed, 6 revision files unreadable or invalid\n"
		   "(SQL that does not parse included), 7 lint: findings at or above --fail-on.\n",
		   common_options);
}

/* ---- messages ---- */

void
pg_fatal_exit(int code, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void
pm_warning(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: warning: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
pm_info(const char *fmt,...)
{
	va_list		ap;

	if (opts.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *
pm_strdup(const char *s)
{
	return pg_strdup(s);
}

void *
pm_malloc(size_t n)
{
	return pg_malloc(n);
}

/* ---- the database ---- */

/*
 * Where in the files a server error points: the file (from the context
 * line migrate_push adds, 'push of revision "x" from file "path"', or from
 * the revision a script context names, 'upgrade of revision "x", statement
 * 2, line 5', when this command pushed the files) and the line (the
 * script's line, from that context, from a detail "(line N) of the upgrade
 * script", or from the internal position of a syntax error).
 */
static char *
error_place(const PGresult *res, int *lineno)
{
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *ipos = PQresultErrorField(res, PG_DIAG_INTERNAL_POSITION);
	const char *iquery = PQresultErrorField(res, PG_DIAG_INTERNAL_QUERY);
	char	   *file = NULL;
	char	   *rev = NULL;
	const char *section = NULL;
	int			line = 0;
	const RevFile *r = NULL;
	char	   *copy;
	char	   *save = NULL;

	*lineno = 0;
	if (context == NULL)
		return NULL;
	copy = pg_strdup(context);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
	{
		char	   *p;

		if (file == NULL && (p = strstr(l, "from file \"")) != NULL)
		{
			char	   *e;

			p += strlen("from file \"");
			if ((e = strrchr(p, '"')) != NULL)
				file = pnstrdup(p, e - p);
		}
		if (section == NULL &&
			(strncmp(l, "upgrade ", 8) == 0 || strncmp(l, "downgrade ", 10) == 0) &&
			(p = strstr(l, " of revision \"")) != NULL)
		{
			char	   *e;

			section = l[0] == 'u' ? "upgrade" : "downgrade";
			p += strlen(" of revision \"");
			if ((e = strchr(p, '"')) != NULL)
				rev = pnstrdup(p, e - p);
			if ((p = strstr(l, ", line ")) != NULL)
				line = atoi(p + 7);
		}
	}
	if (section == NULL && detail)
	{
		if (strstr(detail, "of the upgrade script"))
			section = "upgrade";
		else if (strstr(detail, "of the downgrade script"))
			section = "downgrade";
	}
	if (pm_pushed)
	{
		for (int i = 0; i < pm_pushed->n && r == NULL; i++)
			if ((file && strcmp(pm_pushed->files[i].path, file) == 0) ||
				(file == NULL && rev && strcmp(pm_pushed->files[i].id, rev) == 0))
				r = &pm_pushed->files[i];
		if (file == NULL && r)
			file = r->path;
	}
	if (r == NULL || section == NULL)
		return file;
	if (line == 0 && detail)
	{
		const char *p = strstr(detail, "(line ");

		if (p)
			line = atoi(p + 6);
	}
	if (line == 0 && ipos && iquery)
	{
		int			chars = atoi(ipos);

		/* a position counts characters; continuation bytes do not */
		line = 1;
		for (const char *q = iquery; *q && chars > 1; q++)
		{
			if ((*q & 0xC0) != 0x80)
				chars--;
			if (*q == '\n')
				line++;
		}
	}
	if (line > 0)
		*lineno = (section[0] == 'u' ? r->line_upgrade : r->line_downgrade) + line - 1;
	return file;
}

/*
 * A password never reaches a message: "scheme://user:secret@" and
 * "password=secret" become "****", and so does the password the
 * connection string gives wherever a server message echoes it (a string
 * libpq did not take for a URI is a database name to the server).
 */
static char *conn_password;

static char *
redact(const char *msg)
{
	PQExpBuffer b = createPQExpBuffer();
	const char *p = msg;

	while (*p)
	{
		const char *at;
		const char *slash;

		if (conn_password && strlen(conn_password) >= 3 &&
			strncmp(p, conn_password, strlen(conn_password)) == 0)
		{
			appendPQExpBufferStr(b, "****");
			p += strlen(conn_password);
			continue;
		}
		if (strncmp(p, "://", 3) == 0 &&
			(at = strchr(p + 3, '@')) != NULL &&
			((slash = strchr(p + 3, '/')) == NULL || slash > at) &&
			memchr(p + 3, ':', at - p - 3) != NULL)
		{
			const char *colon = memchr(p + 3, ':', at - p - 3);

			appendBinaryPQExpBuffer(b, p, colon + 1 - p);
			appendPQExpBufferStr(b, "****");
			p = at;
			continue;
		}
		if (pg_strncasecmp(p, "password", 8) == 0)
		{
			const char *q = p + 8;

			while (*q == ' ')
				q++;
			if (*q == '=')
			{
				q++;
				while (*q == ' ')
					q++;
				appendPQExpBufferStr(b, "password=****");
				if (*q == '\'')
				{
					for (q++; *q && *q != '\''; q++)
						if (*q == '\\' && q[1])
							q++;
					if (*q)
						q++;
				}
				else
					while (*q && !isspace((unsigned char) *q) && *q != '"' && *q != '&')
						q++;
				p = q;
				continue;
			}
		}
		appendPQExpBufferChar(b, *p++);
	}
	return b->data;
}

/*
 * SQLAlchemy's URLs name a driver after the scheme (postgresql+psycopg2://,
 * postgres+asyncpg://, postgresql+psycopg://): libpq knows postgresql://
 * and postgres:// only, and would send anything else to the server as a
 * database name, password included.  Drop the driver; refuse other
 * schemes.  Also remember the password, for redact().
 */
static const char *
normalize_dbname(const char *s)
{
	const char *p = s;
	char	   *scheme;
	char	   *plus;
	PQconninfoOption *opts_parsed;

	if (s == NULL)
		return NULL;
	while (isalnum((unsigned char) *p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (p > s && isalpha((unsigned char) s[0]) && strncmp(p, "://", 3) == 0)
	{
		scheme = pnstrdup(s, p - s);
		plus = strchr(scheme, '+');
		if (plus)
			*plus = '\0';
		if (pg_strcasecmp(scheme, "postgresql") != 0 && pg_strcasecmp(scheme, "postgres") != 0)
		{
			fprintf(stderr, "%s: error: unsupported database URL scheme \"%s\"\n"
					"HINT:  Use a postgresql:// or postgres:// URL (a driver suffix such as +psycopg2 is ignored).\n",
					progname, pnstrdup(s, p - s));
			exit(EXIT_CONNECT);
		}
		if (plus || strncmp(s, "postgres", 8) != 0)
			s = psprintf("postgresql%s", p);
	}
	if ((opts_parsed = PQconninfoParse(s, NULL)) != NULL)
	{
		for (PQconninfoOption *o = opts_parsed; o->keyword; o++)
			if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0])
				conn_password = pg_strdup(o->val);
		PQconninfoFree(opts_parsed);
	}
	return s;
}

/*
 * The server's hints name its SQL functions; from the client, name the
 * pg_migrate command that does the same.
 */
static const char *
client_hint(const char *hint)
{
	const char *p;

	if (strcmp(hint, "Run SELECT migrate_upgrade('heads').") == 0)
		return psprintf("Run \"%s upgrade heads\".", progname);
	if (strncmp(hint, "Use CALL migrate_upgrade_each(", 30) == 0)
		return psprintf("Run \"%s upgrade --each\", which runs such revisions in a background worker.", progname);
	if (strncmp(hint, "Use CALL migrate_downgrade_each(", 32) == 0)
		return psprintf("Run \"%s downgrade --each TARGET\", which runs such revisions in a background worker.", progname);
	if (strcmp(hint, "Generate a revision with migrate_autogenerate().") == 0)
		return psprintf("Generate a revision with \"%s revision --autogenerate --desired FILE -m MESSAGE\".", progname);
	if (strcmp(hint, "Register the revision, or correct the version rows with migrate_stamp().") == 0)
		return psprintf("Add the revision's file and push it, or correct the version rows with \"%s stamp\".", progname);
	if (strncmp(hint, "Pass head or down_revisions", 27) == 0)
		return psprintf("Give --head to say where the revision goes, or merge the heads with \"%s merge heads -m MESSAGE\".", progname);
	if (strncmp(hint, "SELECT * FROM migrate_lint_sql(script) shows", 44) == 0)
		return psprintf("\"%s lint FILE\" shows%s", progname, hint + 44);
	if (strncmp(hint, "Downgrade below it first, for example with migrate_downgrade('", 62) == 0 &&
		(p = strstr(hint + 62, "')")) != NULL)
		return psprintf("Downgrade below it first, for example with \"%s downgrade %.*s\"%s",
						progname, (int) (p - hint - 62), hint + 62, p + 2);
	return hint;
}

/*
 * The exit status of an error the server raised while the files were
 * pushed: a file whose SQL does not parse, or that the server refuses as
 * a revision (transaction control, a statement that cannot run in a
 * transactional revision, a bad header value), is an invalid file (6), as
 * the checks made before the push report; a changed applied revision is
 * 5; anything else (privileges, locks) stays 1.
 */
static int
push_error_code(const char *state, const char *msg, const char *context)
{
	static const char *const invalid_file[] = {
		"42601",				/* syntax error */
		"42P17",				/* invalid object definition */
		"22023",				/* invalid parameter value */
		"2D000",				/* transaction control */
		"25001",				/* must run outside a transaction */
		"0A000",				/* not supported in a revision */
		NULL
	};

	if (state && strcmp(state, "42710") == 0 &&
		(strstr(msg, "its file differs") || strstr(msg, "differ from their files")))
		return EXIT_REFUSED;
	if (state == NULL || context == NULL || strstr(context, "push of revision") == NULL)
		return EXIT_ERROR;
	for (int i = 0; invalid_file[i]; i++)
		if (strcmp(state, invalid_file[i]) == 0)
			return EXIT_BAD_FILES;
	return EXIT_ERROR;
}

void
pm_report_error(const PGresult *res, int code)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int			line;
	char	   *file = error_place(res, &line);

	if (msg == NULL)
		msg = PQresultErrorMessage(res);
	pm_progress_end();
	if (code == EXIT_ERROR)
		code = push_error_code(state, msg, context);
	msg = redact(msg);
	if (detail)
		detail = redact(detail);
	if (hint)
		hint = client_hint(hint);
	if (file && line > 0)
		fprintf(stderr, "%s: error: %s:%d: %s\n", progname, file, line, msg);
	else if (file)
		fprintf(stderr, "%s: error: %s: %s\n", progname, file, msg);
	else
		fprintf(stderr, "%s: error: %s\n", progname, msg);
	if (detail)
		fprintf(stderr, "DETAIL:  %s\n", detail);
	if (hint)
		fprintf(stderr, "HINT:  %s\n", hint);
	/* the push's own context line says what the file name says */
	if (context && (strncmp(context, "push of revision", 16) != 0 || opts.verbose))
		fprintf(stderr, "CONTEXT:  %s\n", context);
	if (pm_on_error)
		pm_on_error();
	exit(code);
}

/*
 * Server messages during a run: "running upgrade a -> b, msg" becomes
 * Alembic's "Running upgrade a -> b, msg" on stdout; others go to stderr.
 */
static int	steps_seen;

/*
 * A progress line on a terminal: under the "Running ..." lines, stderr
 * shows the step, the estimated total and the time since the run began,
 * erased before the next line and at the end.  Off unless stderr is a
 * terminal (and not --quiet or --json).
 */
static int	progress_total = -1;	/* -1: no progress line */
static struct timeval progress_start;
static bool progress_shown;

void
pm_progress_begin(int total)
{
	if (opts.quiet || opts.json || !isatty(fileno(stderr)))
		return;
	progress_total = total;
	gettimeofday(&progress_start, NULL);
}

static void
progress_erase(void)
{
	if (progress_shown)
	{
		fputs("\r\033[K", stderr);
		progress_shown = false;
	}
}

void
pm_progress_end(void)
{
	progress_erase();
	progress_total = -1;
}

static void
progress_show(void)
{
	struct timeval now;
	double		elapsed;

	if (progress_total < 0)
		return;
	gettimeofday(&now, NULL);
	elapsed = (now.tv_sec - progress_start.tv_sec) +
		(now.tv_usec - progress_start.tv_usec) / 1e6;
	if (progress_total >= steps_seen)
		fprintf(stderr, "  [step %d of about %d, %.1f s]", steps_seen,
				progress_total, elapsed);
	else
		fprintf(stderr, "  [step %d, %.1f s]", steps_seen, elapsed);
	progress_shown = true;
}

static void
notice_processor(void *arg, const PGresult *res)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	if (msg == NULL)
		return;
	progress_erase();
	if (strncmp(msg, "running ", 8) == 0)
	{
		steps_seen++;
		if (!opts.quiet && !opts.json)
		{
			printf("%s%c%s\n", opts.dry_run ? "(dry run) " : "",
				   pg_toupper((unsigned char) msg[0]), msg + 1);
			fflush(stdout);
		}
		progress_show();
		return;
	}
	if (opts.quiet && severity && strcmp(severity, "NOTICE") == 0)
		return;
	fprintf(stderr, "%s: %s: %s\n", progname,
			severity && strcmp(severity, "WARNING") == 0 ? "warning" : "notice",
			msg);
	if (detail)
		fprintf(stderr, "DETAIL:  %s\n", detail);
	if (hint)
		fprintf(stderr, "HINT:  %s\n", client_hint(hint));
	progress_show();
}

int
steps_seen_count(void)
{
	return steps_seen;
}

PGconn *
pm_connect(void)
{
	const char *keywords[9];
	const char *values[9];
	char	   *password = NULL;
	char	   *options = NULL;
	PGconn	   *conn;
	PGresult   *res;
	int			i;

	if (opts.prompt_password == 1)
		password = simple_prompt("Password: ", false);

	/*
	 * A read command runs only the extension's small catalog queries, which
	 * JIT compilation would slow down by tens of milliseconds in a new
	 * session; migrations keep the server's setting.  PGOPTIONS is kept.
	 */
	if (opts.read_only)
		options = psprintf("%s -c jit=off",
						   getenv("PGOPTIONS") ? getenv("PGOPTIONS") : "");
	for (;;)
	{
		i = 0;
		keywords[i] = "host", values[i++] = opts.host;
		keywords[i] = "port", values[i++] = opts.port;
		keywords[i] = "user", values[i++] = opts.username;
		keywords[i] = "password", values[i++] = password;
		keywords[i] = "fallback_application_name", values[i++] = progname;
		keywords[i] = "options", values[i++] = options;
		keywords[i] = "dbname", values[i++] = opts.dbname;
		keywords[i] = NULL, values[i] = NULL;
		conn = PQconnectdbParams(keywords, values, true);
		if (conn == NULL)
			pg_fatal_exit(EXIT_CONNECT, "could not connect: out of memory");
		if (PQstatus(conn) == CONNECTION_BAD && PQconnectionNeedsPassword(conn) &&
			password == NULL && opts.prompt_password != -1)
		{
			PQfinish(conn);
			password = simple_prompt("Password: ", false);
			continue;
		}
		break;
	}
	if (PQstatus(conn) == CONNECTION_BAD)
	{
		fprintf(stderr, "%s: error: %s", progname, redact(PQerrorMessage(conn)));
		exit(EXIT_CONNECT);
	}
	PQsetNoticeProcessor(conn, NULL, NULL);
	PQsetNoticeReceiver(conn, notice_processor, NULL);

	res = PQexec(conn,
				 "SELECT pg_catalog.quote_ident(n.nspname), e.extversion"
				 " FROM pg_catalog.pg_extension e"
				 " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace"
				 " WHERE e.extname OPERATOR(pg_catalog.=) 'migrate'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		pm_report_error(res, EXIT_ERROR);
	if (PQntuples(res) == 0)
	{
		fprintf(stderr, "%s: error: extension \"migrate\" is not installed in database \"%s\"\n"
				"HINT:  Run CREATE EXTENSION migrate; in it as a superuser.\n",
				progname, PQdb(conn));
		exit(EXIT_ERROR);
	}
	ext_schema = pg_strdup(PQgetvalue(res, 0, 0));
	if (sscanf(PQgetvalue(res, 0, 1), "%d.%d", &ext_major, &ext_minor) != 2)
		ext_major = ext_minor = 0;
	PQclear(res);
	return conn;
}

bool
pm_ext_at_least(int major, int minor)
{
	return ext_major > major || (ext_major == major && ext_minor >= minor);
}

/* A function of the extension, schema-qualified */
const char *
pm_fn(const char *name)
{
	return psprintf("%s.%s", ext_schema, name);
}

PGresult *
pm_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		pm_report_error(res, EXIT_ERROR);
	return res;
}

void
pm_command(PGconn *conn, const char *sql)
{
	PQclear(pm_exec(conn, sql, 0, NULL));
}

/* ---- main ---- */

/* an option's value, without the marker main() puts before "-1" */
#define OPTARG (optarg[0] == '\001' ? optarg + 1 : optarg)

static void
add_item(char ***list, int *n, const char *item)
{
	*list = pg_realloc(*list, sizeof(char *) * (*n + 1));
	(*list)[(*n)++] = pg_strdup(item);
}

int
main(int argc, char **argv)
{
	static struct option long_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"no-password", no_argument, NULL, 'w'},
		{"password", no_argument, NULL, 'W'},
		{"dir", required_argument, NULL, 'D'},
		{"message", required_argument, NULL, 'm'},
		{"rev-range", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{"no-push", no_argument, NULL, 1},
		{"json", no_argument, NULL, 2},
		{"head", required_argument, NULL, 3},
		{"branch-label", required_argument, NULL, 4},
		{"depends-on", required_argument, NULL, 5},
		{"splice", no_argument, NULL, 6},
		{"non-transactional", no_argument, NULL, 7},
		{"rev-id", required_argument, NULL, 8},
		{"autogenerate", no_argument, NULL, 9},
		{"desired", required_argument, NULL, 10},
		{"schema", required_argument, NULL, 11},
		{"sql", no_argument, NULL, 12},
		{"each", no_argument, NULL, 13},
		{"dry-run", no_argument, NULL, 14},
		{"purge", no_argument, NULL, 15},
		{"format", required_argument, NULL, 16},
		{"from", required_argument, NULL, 17},
		{"target", required_argument, NULL, 18},
		{"fail-on", required_argument, NULL, 19},
		{"alembic", required_argument, NULL, 20},
		{"alembic-config", required_argument, NULL, 21},
		{NULL, 0, NULL, 0}
	};
	const Command *cmd = NULL;
	bool		help = false;
	int			c;
	int			optindex;

	progname = get_progname(argv[0]);

	/*
	 * Relative targets such as "-1" are arguments, not options (Alembic's
	 * "downgrade -1"): hide them from getopt behind a marker byte.
	 */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && isdigit((unsigned char) argv[i][1]))
			argv[i] = psprintf("\001%s", argv[i]);
	setvbuf(stderr, NULL, _IONBF, 0);
	opts.dir = getenv("PG_MIGRATE_DIR");
	opts.dir_given = opts.dir != NULL;
	if (opts.dir == NULL)
		opts.dir = "migrations";
	opts.schema = "public";

	while ((c = getopt_long(argc, argv, "d:h:p:U:wWD:m:r:vqV?", long_options, &optindex)) != -1)
	{
		switch (c)
		{
			case 'd':
				opts.dbname = OPTARG;
				break;
			case 'h':
				opts.host = OPTARG;
				break;
			case 'p':
				opts.port = OPTARG;
				break;
			case 'U':
				opts.username = OPTARG;
				break;
			case 'w':
				opts.prompt_password = -1;
				break;
			case 'W':
				opts.prompt_password = 1;
				break;
			case 'D':
				opts.dir = OPTARG;
				opts.dir_given = true;
				break;
			case 'm':
				opts.message = OPTARG;
				break;
			case 'r':
				opts.range = OPTARG;
				break;
			case 'v':
				opts.verbose = true;
				break;
			case 'q':
				opts.quiet = true;
				break;
			case 'V':
				puts("pg_migrate (migrate) 1.3");
				exit(0);
			case '?':
				if (optopt != 0 && optopt != '?')
				{
					fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
					exit(EXIT_USAGE);
				}
				help = true;
				break;
			case 1:
				opts.no_push = true;
				break;
			case 2:
				opts.json = true;
				break;
			case 3:
				opts.head = OPTARG;
				break;
			case 4:
				add_item(&opts.branch_labels, &opts.nbranch_labels, OPTARG);
				break;
			case 5:
				add_item(&opts.depends_on, &opts.ndepends_on, OPTARG);
				break;
			case 6:
				opts.splice = true;
				break;
			case 7:
				opts.non_transactional = true;
				break;
			case 8:
				opts.rev_id = OPTARG;
				break;
			case 9:
				opts.autogenerate = true;
				break;
			case 10:
				opts.desired = OPTARG;
				break;
			case 11:
				opts.schema = OPTARG;
				break;
			case 12:
				opts.sql = true;
				break;
			case 13:
				opts.each = true;
				break;
			case 14:
				opts.dry_run = true;
				break;
			case 15:
				opts.purge = true;
				break;
			case 16:
				opts.format = OPTARG;
				break;
			case 17:
				opts.from = OPTARG;
				break;
			case 18:
				opts.target = OPTARG;
				break;
			case 19:
				opts.fail_on = OPTARG;
				break;
			case 20:
				opts.alembic = OPTARG;
				break;
			case 21:
				opts.alembic_config = OPTARG;
				break;
			default:
				fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
				exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
	{
		for (cmd = commands; cmd->name; cmd++)
			if (strcmp(cmd->name, argv[optind]) == 0)
				break;
		if (cmd->name == NULL)
		{
			fprintf(stderr, "%s: error: unrecognized command \"%s\"\n"
					"Try \"%s --help\" for the list of commands.\n",
					progname, argv[optind], progname);
			exit(EXIT_USAGE);
		}
		optind++;
	}
	if (help || cmd == NULL)
	{
		usage(cmd);
		exit(help ? 0 : EXIT_USAGE);
	}
	opts.args = argv + optind;
	opts.nargs = argc - optind;
	for (int i = 0; i < opts.nargs; i++)
		if (opts.args[i][0] == '\001')
			opts.args[i]++;
	if (opts.dbname == NULL)
		opts.dbname = getenv("DATABASE_URL");
	opts.dbname = normalize_dbname(opts.dbname);
	if (opts.sql + opts.each + opts.dry_run > 1)
	{
		fprintf(stderr, "%s: error: --sql, --each and --dry-run cannot be combined\n", progname);
		exit(EXIT_USAGE);
	}
	return cmd->run();
}
