/*-------------------------------------------------------------------------
 *
 * alembic.c
 *	  import --from alembic: an Alembic project's versions/ folder as
 *	  revision files.
 *
 * The graph comes from each module's own assignments, read here without
 * running any Python: "revision", "down_revision" (a tuple or list for a
 * merge), "branch_labels" and "depends_on", as Python literals (strings in
 * either quote, tuples, lists, None), with or without the annotations of
 * newer templates ("revision: str = ...", "Union[str, Sequence[str], None]").
 * Anything else is an error naming the file and line, and the graph is
 * checked (missing parents, cycles, duplicates) before anything is written.
 *
 * The SQL of each step comes from Alembic itself, in offline mode: for each
 * revision R with first parent P, "alembic upgrade P:R --sql" and
 * "alembic downgrade R:P --sql".  Alembic marks each step it renders with a
 * comment "-- Running upgrade A, B -> R"; R's own section is taken from
 * there (a run may render other steps too: the other parents of a merge,
 * dependencies), minus BEGIN/COMMIT and the statements on Alembic's version
 * table.  Offline mode cannot see what Python does with data, so modules
 * that reach the database from Python (op.get_bind(), sessions, fetched
 * results, bulk_insert of computed rows) are flagged in the file's header
 * and in the output; a step that offline mode cannot render at all gets a
 * script that stops the upgrade with that message instead of an empty one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_migrate.h"

typedef struct AlembicRev
{
	RevFile		r;				/* what becomes the file */
	char	   *module;			/* path of the .py file */
	PQExpBuffer flags;			/* what the Python does that offline mode
								 * cannot see, "get_bind at line 3, ..." */
	char	   *failed_up;		/* Alembic's error, when it could not render */
	char	   *failed_down;
} AlembicRev;

static void py_error(const char *path, int line, const char *fmt,...) pg_attribute_printf(3, 4) pg_attribute_noreturn();

static void
py_error(const char *path, int line, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: error: %s:%d: ", progname, path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_BAD_FILES);
}

/* ---- a Python module's literals ---- */

typedef struct PyScan
{
	const char *path;
	const char *s;				/* the whole text */
	const char *p;				/* where we are */
	const char *bol;			/* where the current line begins */
	int			line;
	int			depth;			/* of brackets */
} PyScan;

typedef enum
{
	T_END,						/* end of the text */
	T_NEWLINE,					/* end of a logical line */
	T_NAME,
	T_STRING,
	T_OP
} TokKind;

typedef struct Tok
{
	TokKind		kind;
	int			line;
	int			col;			/* of its first character */
	char	   *text;			/* NAME, the value of a STRING, the OP */
	bool		plain;			/* a STRING without an f/b prefix */
} Tok;

/* A string literal at sc->p (prefix already skipped), its value */
static char *
scan_string(PyScan *sc, bool raw)
{
	char		q = *sc->p;
	bool		triple = sc->p[1] == q && sc->p[2] == q;
	int			start_line = sc->line;
	PQExpBuffer b = createPQExpBuffer();

	sc->p += triple ? 3 : 1;
	for (;;)
	{
		char		c = *sc->p;

		if (c == '\0' || (c == '\n' && !triple))
			py_error(sc->path, start_line, "unterminated string literal");
		if (c == q && (!triple || (sc->p[1] == q && sc->p[2] == q)))
		{
			sc->p += triple ? 3 : 1;
			return b->data;
		}
		if (c == '\n')
			sc->line++, sc->bol = sc->p + 1;
		if (c == '\\' && sc->p[1] != '\0')
		{
			char		e = sc->p[1];

			if (e == '\n')
				sc->line++, sc->bol = sc->p + 2;
			if (raw)
				appendPQExpBufferChar(b, c), appendPQExpBufferChar(b, e);
			else if (e == 'n')
				appendPQExpBufferChar(b, '\n');
			else if (e == 't')
				appendPQExpBufferChar(b, '\t');
			else if (e == '\\' || e == '\'' || e == '"')
				appendPQExpBufferChar(b, e);
			else if (e != '\n')
				appendPQExpBufferChar(b, c), appendPQExpBufferChar(b, e);
			sc->p += 2;
			continue;
		}
		appendPQExpBufferChar(b, c);
		sc->p++;
	}
}

static Tok
next_tok(PyScan *sc)
{
	Tok			t;

	memset(&t, 0, sizeof(t));
	for (;;)
	{
		char		c = *sc->p;

		if (c == '#')
		{
			while (*sc->p && *sc->p != '\n')
				sc->p++;
			continue;
		}
		if (c == '\\' && sc->p[1] == '\n')
		{
			sc->p += 2;
			sc->line++;
			sc->bol = sc->p;
			continue;
		}
		if (c == '\n')
		{
			t.line = sc->line++;
			sc->p++;
			sc->bol = sc->p;
			if (sc->depth > 0)
				continue;
			t.kind = T_NEWLINE;
			return t;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f')
		{
			sc->p++;
			continue;
		}
		break;
	}
	t.line = sc->line;
	t.col = sc->p - sc->bol;
	if (*sc->p == '\0')
	{
		t.kind = T_END;
		return t;
	}
	if (isalpha((unsigned char) *sc->p) || *sc->p == '_' || (unsigned char) *sc->p >= 0x80)
	{
		const char *b = sc->p;
		bool		raw = false,
					plain = true;

		while (isalnum((unsigned char) *sc->p) || *sc->p == '_' || (unsigned char) *sc->p >= 0x80)
			sc->p++;
		/* a string prefix: r, u, b, f and their pairs */
		if ((*sc->p == '\'' || *sc->p == '"') && sc->p - b <= 2)
		{
			for (const char *x = b; x < sc->p; x++)
			{
				char		l = tolower((unsigned char) *x);

				if (l == 'r')
					raw = true;
				else if (l == 'b' || l == 'f')
					plain = false;
				else if (l != 'u')
					goto name;
			}
			t.kind = T_STRING;
			t.plain = plain;
			t.text = scan_string(sc, raw);
			return t;
		}
name:
		t.kind = T_NAME;
		t.text = pnstrdup(b, sc->p - b);
		return t;
	}
	if (*sc->p == '\'' || *sc->p == '"')
	{
		t.kind = T_STRING;
		t.plain = true;
		t.text = scan_string(sc, false);
		return t;
	}
	t.kind = T_OP;
	if (strchr("([{", *sc->p))
		sc->depth++;
	else if (strchr(")]}", *sc->p) && sc->depth > 0)
		sc->depth--;
	/* two-character operators that contain "=" are not assignments */
	if (strchr("=!<>:+-*/%&|^@", sc->p[0]) && sc->p[1] == '=')
	{
		t.text = pnstrdup(sc->p, 2);
		sc->p += 2;
		return t;
	}
	t.text = pnstrdup(sc->p, 1);
	sc->p++;
	return t;
}

static bool
is_op(const Tok *t, const char *op)
{
	return t->kind == T_OP && strcmp(t->text, op) == 0;
}

/* Adjacent string literals are one string, as in Python */
static char *
string_value(PyScan *sc, Tok *t)
{
	PQExpBuffer b = createPQExpBuffer();

	while (t->kind == T_STRING)
	{
		if (!t->plain)
			return NULL;
		appendPQExpBufferStr(b, t->text);
		*t = next_tok(sc);
	}
	return b->data;
}

static void
bad_value(PyScan *sc, int line, const char *name)
{
	py_error(sc->path, line, "cannot read the value of \"%s\": expected a string, a tuple or list of strings, or None", name);
}

/*
 * The value of NAME = ...: None (no items), a string (one), a tuple or list
 * of strings, with or without parentheses.  *t is the token after "=" and
 * is left at the end of the logical line.
 */
static char **
read_value(PyScan *sc, Tok *t, const char *name, int line, int *n)
{
	char	  **items = pg_malloc(sizeof(char *) * 4);
	int			cap = 4;
	const char *close = NULL;
	bool		comma = false;

	*n = 0;
	if (t->kind == T_NAME && strcmp(t->text, "None") == 0)
	{
		*t = next_tok(sc);
		goto end;
	}
	if (is_op(t, "(") || is_op(t, "["))
	{
		close = is_op(t, "(") ? ")" : "]";
		*t = next_tok(sc);
	}
	for (;;)
	{
		char	   *v;

		if (close && is_op(t, close))
			break;
		if (t->kind != T_STRING || (v = string_value(sc, t)) == NULL)
			bad_value(sc, line, name);
		if (*n == cap)
			items = pg_realloc(items, sizeof(char *) * (cap *= 2));
		items[(*n)++] = v;
		if (!is_op(t, ","))
			break;
		comma = true;
		*t = next_tok(sc);
		if (!close && (t->kind == T_NEWLINE || t->kind == T_END))
			break;
	}
	if (close)
	{
		if (!is_op(t, close))
			bad_value(sc, line, name);
		*t = next_tok(sc);
	}
	(void) comma;
end:
	if (is_op(t, ";"))
		*t = next_tok(sc);
	if (t->kind != T_NEWLINE && t->kind != T_END)
		bad_value(sc, line, name);
	return items;
}

/*
 * Names in the code whose use means data moves through Python; from
 * first_method on only as methods (".fetchall"), being common words.
 */
static const char *const data_names[] = {
	"get_bind", "Session", "sessionmaker", "bulk_insert", "is_offline_mode",
	"fetchall", "fetchone", "fetchmany", "scalar", "scalars", "first", "one",
	"all", NULL
};
static const int first_method = 5;

static void
read_module(AlembicRev *a)
{
	PyScan		sc;
	Tok			t;
	bool		line_start = true;
	bool		first_stmt = true;
	bool		have_down = false;
	bool		after_dot = false;
	char	   *doc = NULL;
	RevFile    *r = &a->r;

	memset(&sc, 0, sizeof(sc));
	sc.path = a->module;
	sc.s = sc.p = sc.bol = import_read_file(a->module, true);
	sc.line = 1;
	a->flags = createPQExpBuffer();
	t = next_tok(&sc);
	while (t.kind != T_END)
	{
		bool		top;

		if (t.kind == T_NEWLINE)
		{
			line_start = true;
			t = next_tok(&sc);
			continue;
		}
		/* a statement of the module itself, not of a block */
		top = line_start && t.col == 0;
		if (line_start && top && first_stmt && t.kind == T_STRING)
		{
			doc = t.text;
			first_stmt = false;
			line_start = false;
			t = next_tok(&sc);
			continue;
		}
		if (line_start)
			first_stmt = false;
		if (line_start && top && t.kind == T_NAME &&
			(strcmp(t.text, "revision") == 0 || strcmp(t.text, "down_revision") == 0 ||
			 strcmp(t.text, "branch_labels") == 0 || strcmp(t.text, "depends_on") == 0))
		{
			char	   *name = t.text;
			int			line = t.line;
			char	  **items;
			int			n;

			t = next_tok(&sc);
			if (is_op(&t, ":"))
			{
				/* an annotation: up to "=" outside brackets */
				int			d = sc.depth;

				t = next_tok(&sc);
				while (!(is_op(&t, "=") && sc.depth == d) && t.kind != T_NEWLINE && t.kind != T_END)
					t = next_tok(&sc);
				if (!is_op(&t, "="))
					py_error(a->module, line, "\"%s\" is annotated but has no value", name);
			}
			if (is_op(&t, "="))
			{
				t = next_tok(&sc);
				items = read_value(&sc, &t, name, line, &n);
				for (int i = 0; i < n; i++)
					if (items[i][0] == '\0' || strpbrk(items[i], " \t\n,") != NULL)
						py_error(a->module, line, "\"%s\" holds \"%s\", which is not a revision identifier or label", name, items[i]);
				if (strcmp(name, "revision") == 0)
				{
					if (n != 1)
						py_error(a->module, line, "\"revision\" must be one string");
					r->id = items[0];
					r->line_id = line;
				}
				else if (strcmp(name, "down_revision") == 0)
				{
					r->down = items;
					r->ndown = n;
					r->line_revises = line;
					have_down = true;
				}
				else if (strcmp(name, "branch_labels") == 0)
				{
					r->labels = items;
					r->nlabels = n;
				}
				else
				{
					r->deps = items;
					r->ndeps = n;
					r->line_deps = line;
				}
				line_start = true;
				t = next_tok(&sc);
				continue;
			}
			/* "revision.x" or "revision(...)": not our assignment */
		}
		line_start = false;
		if (t.kind == T_NAME)
		{
			for (int i = 0; data_names[i]; i++)
				if (strcmp(t.text, data_names[i]) == 0 &&
					(i < first_method || after_dot) &&
					strstr(a->flags->data, psprintf("%s at", t.text)) == NULL)
					appendPQExpBuffer(a->flags, "%s%s at line %d",
									  a->flags->len ? ", " : "", t.text, t.line);
		}
		after_dot = is_op(&t, ".");
		t = next_tok(&sc);
	}
	if (r->id == NULL)
		py_error(a->module, 1, "no \"revision = ...\" assignment at the top level of the module");
	if (!have_down)
		py_error(a->module, r->line_id, "no \"down_revision = ...\" assignment (write \"down_revision = None\" for a first revision)");
	if (r->line_revises == 0)
		r->line_revises = r->line_id;
	if (r->line_deps == 0)
		r->line_deps = r->line_id;

	/* the message and date from Alembic's docstring */
	if (doc)
	{
		char	   *d = pg_strdup(doc);
		char	   *l = strtok(d, "\n");

		while (l && strspn(l, " \t\r") == strlen(l))
			l = strtok(NULL, "\n");
		if (l)
		{
			while (*l == ' ' || *l == '\t')
				l++;
			r->message = pg_strdup(l);
			while (r->message[0] && isspace((unsigned char) r->message[strlen(r->message) - 1]))
				r->message[strlen(r->message) - 1] = '\0';
		}
		for (char *c = strstr(doc, "Create Date:"); c; c = NULL)
		{
			char	   *e;

			c += strlen("Create Date:");
			while (*c == ' ')
				c++;
			e = strchr(c, '\n');
			if ((e ? e - c : (long) strlen(c)) > 0)
				r->create_date = e ? pnstrdup(c, e - c) : pg_strdup(c);
		}
	}
	if (r->message == NULL || r->message[0] == '\0')
	{
		const char *base = strrchr(a->module, '/');

		r->message = pnstrdup(base ? base + 1 : a->module,
							  strlen(base ? base + 1 : a->module) - 3);
	}
}

/* ---- running Alembic ---- */

static char *version_table = "alembic_version";

static char *
shell_quote(const char *s)
{
	PQExpBuffer b = createPQExpBuffer();

	appendPQExpBufferChar(b, '\'');
	for (; *s; s++)
	{
		if (*s == '\'')
			appendPQExpBufferStr(b, "'\\''");
		else
			appendPQExpBufferChar(b, *s);
	}
	appendPQExpBufferChar(b, '\'');
	return b->data;
}

/* Run a shell command; its standard output, *rc its exit status */
static char *
run_capture(const char *cmd, int *rc)
{
	FILE	   *f;
	PQExpBuffer b = createPQExpBuffer();
	char		buf[8192];
	size_t		k;
	int			st;

	fflush(NULL);
	f = popen(cmd, "r");
	if (f == NULL)
		pg_fatal_exit(EXIT_ERROR, "could not run \"%s\": %s", cmd, strerror(errno));
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		appendBinaryPQExpBuffer(b, buf, k);
	st = pclose(f);
	*rc = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : 255;
	return b->data;
}

static bool
in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char	   *copy;

	if (path == NULL)
		return false;
	copy = pg_strdup(path);
	for (char *d = strtok(copy, ":"); d; d = strtok(NULL, ":"))
		if (access(psprintf("%s/%s", *d ? d : ".", prog), X_OK) == 0)
			return true;
	return false;
}

/* The command that runs Alembic: --alembic, "alembic" on PATH, python3 -m alembic */
static const char *
find_alembic(void)
{
	int			rc;

	if (opts.alembic)
	{
		run_capture(psprintf("%s --version >/dev/null 2>&1", opts.alembic), &rc);
		if (rc != 0)
		{
			fprintf(stderr, "%s: error: could not run Alembic as \"%s\": \"%s --version\" exited with status %d\n"
					"HINT:  Give --alembic a command that runs Alembic, such as \"python3 -m alembic\" or the path of the alembic script of the project's virtual environment.\n",
					progname, opts.alembic, opts.alembic, rc);
			exit(EXIT_ERROR);
		}
		return opts.alembic;
	}
	if (in_path("alembic"))
		return "alembic";
	run_capture("python3 -c 'import alembic' >/dev/null 2>&1", &rc);
	if (rc == 0)
		return "python3 -m alembic";
	fprintf(stderr, "%s: error: Alembic is not installed: no \"alembic\" on PATH, and python3 cannot import it\n"
			"DETAIL:  The SQL of each revision comes from Alembic's offline mode (alembic upgrade --sql).\n"
			"HINT:  Install it (Debian: python3-alembic), activate the project's virtual environment, or give its command with --alembic=COMMAND.\n",
			progname);
	exit(EXIT_ERROR);
}

/* A config file's value in [alembic], "" when it has none */
static char *
ini_value(const char *ini, const char *key)
{
	char	   *text = import_read_file(ini, true);
	bool		in = false;

	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
	{
		char	   *t = l;
		char	   *e;

		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '[')
		{
			in = strncmp(t, "[alembic]", 9) == 0;
			continue;
		}
		if (!in || strncmp(t, key, strlen(key)) != 0)
			continue;
		t += strlen(key);
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t != '=' && *t != ':')
			continue;
		t++;
		while (*t == ' ' || *t == '\t')
			t++;
		e = t + strlen(t);
		while (e > t && isspace((unsigned char) e[-1]))
			e--;
		return pnstrdup(t, e - t);
	}
	return "";
}

static char *
dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return ".";
	if (s == path)
		return "/";
	return pnstrdup(path, s - path);
}

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where alembic.ini's versions live: version_locations, else script_location/versions */
static char **
ini_versions(const char *ini, int *n)
{
	const char *here = dir_of(ini);
	char	   *loc = ini_value(ini, "version_locations");
	char	   *sep = ini_value(ini, "version_path_separator");
	const char *seps = " ,";
	char	  **out;
	PQExpBuffer b;

	if (strcmp(sep, "os") == 0 || strcmp(sep, ":") == 0)
		seps = ":";
	else if (strcmp(sep, ";") == 0)
		seps = ";";
	else if (strcmp(sep, "space") == 0)
		seps = " ";
	if (loc[0] == '\0')
	{
		loc = ini_value(ini, "script_location");
		if (loc[0] == '\0')
			pg_fatal_exit(EXIT_BAD_FILES, "%s: no \"script_location\" in section [alembic]", ini);
		loc = psprintf("%s/versions", loc);
		seps = "\n";
	}
	out = pg_malloc(sizeof(char *) * (strlen(loc) + 1));
	*n = 0;
	for (char *l = strtok(loc, seps); l; l = strtok(NULL, seps))
	{
		/* %(here)s is the config's directory; other paths are relative to it too */
		b = createPQExpBuffer();
		for (const char *p = l; *p; p++)
		{
			if (strncmp(p, "%(here)s", 8) == 0)
			{
				appendPQExpBufferStr(b, here);
				p += 7;
			}
			else
				appendPQExpBufferChar(b, *p);
		}
		if (b->data[0] != '/')
			out[(*n)++] = psprintf("%s/%s", here, b->data);
		else
			out[(*n)++] = b->data;
	}
	return out;
}

static bool
starts_with_word(const char *s, const char *w)
{
	size_t		n = strlen(w);

	return pg_strncasecmp(s, w, n) == 0 && (s[n] == ' ' || s[n] == '\n');
}

/* Is this statement one on Alembic's version table? */
static bool
version_statement(const char *s, const char *vt)
{
	static const char *const verbs[] = {"CREATE TABLE", "DROP TABLE", "INSERT INTO", "UPDATE", "DELETE FROM", NULL};

	for (int i = 0; verbs[i]; i++)
	{
		const char *p;
		const char *e;
		const char *dot;

		if (!starts_with_word(s, verbs[i]))
			continue;
		p = s + strlen(verbs[i]) + 1;
		e = p;
		while (*e && !isspace((unsigned char) *e) && *e != '(' && *e != ';')
			e++;
		dot = memchr(p, '.', e - p);
		if (dot)
			p = dot + 1;
		if ((size_t) (e - p) == strlen(vt) && strncmp(p, vt, e - p) == 0)
			return true;
	}
	return false;
}

/*
 * The section of one step in Alembic's offline output: the statements after
 * the marker "-- Running <what>" up to the next marker, without transaction
 * control and version-table statements.  Statements end with ";" and a
 * blank line, as Alembic writes them.  *found says whether the marker was
 * there; *nontx whether the section leaves the transaction (an
 * autocommit_block: COMMIT, statements, BEGIN).
 */
static char *
offline_section(const char *out, const char *marker, const char *vt, bool *found, bool *nontx)
{
	const char *p = out;
	size_t		ml = strlen(marker);
	PQExpBuffer sql = createPQExpBuffer();
	PQExpBuffer stmt = createPQExpBuffer();
	bool		committed = false;

	*found = false;
	*nontx = false;
	while (*p)
	{
		const char *e = strchr(p, '\n');
		size_t		len = e ? (size_t) (e - p) : strlen(p);

		if (len == ml && strncmp(p, marker, ml) == 0)
		{
			*found = true;
			p = e ? e + 1 : p + len;
			break;
		}
		p = e ? e + 1 : p + len;
	}
	if (!*found)
		return NULL;
	for (;;)
	{
		const char *e = strchr(p, '\n');
		size_t		len = e ? (size_t) (e - p) : strlen(p);
		bool		blank = strspn(p, " \t\r") >= len;
		bool		end = *p == '\0' || strncmp(p, "-- Running ", 11) == 0;

		if ((blank || end) && stmt->len > 0)
		{
			char	   *s = stmt->data;
			size_t		sl = stmt->len;

			while (sl > 0 && isspace((unsigned char) s[sl - 1]))
				s[--sl] = '\0';
			if (sl > 0 && s[sl - 1] == ';')
			{
				if (strcmp(s, "COMMIT;") == 0)
					committed = true;
				else if (strcmp(s, "BEGIN;") == 0)
					;
				else if (!version_statement(s, vt))
				{
					if (committed)
						*nontx = true;
					appendPQExpBuffer(sql, "%s%s", sql->len ? "\n\n" : "", s);
				}
				resetPQExpBuffer(stmt);
			}
			else
				appendPQExpBufferChar(stmt, '\n');
		}
		else if (!blank && !end)
		{
			size_t		l = len;

			/* SQLAlchemy leaves a space after each comma at line ends */
			while (l > 0 && isspace((unsigned char) p[l - 1]))
				l--;
			if (stmt->len > 0)
				appendPQExpBufferChar(stmt, '\n');
			appendBinaryPQExpBuffer(stmt, p, l);
		}
		if (end)
			break;
		p = e ? e + 1 : p + len;
	}
	return sql->data;
}

/* The last "-- Running ..." marker of a run's output, NULL without one */
static char *
last_marker(const char *out)
{
	const char *m = NULL;

	for (const char *p = out; (p = strstr(p, "-- Running ")) != NULL; p++)
		if (p == out || p[-1] == '\n')
			m = p;
	if (m == NULL)
		return NULL;
	return pnstrdup(m, strcspn(m, "\n"));
}

/* The last lines of Alembic's error output, as one line */
static char *
error_tail(const char *errfile)
{
	char	   *t = import_read_file(errfile, true);
	char	   *last = NULL;

	for (char *l = strtok(t, "\n"); l; l = strtok(NULL, "\n"))
		if (strncmp(l, "INFO ", 5) != 0 && strncmp(l, "  ", 2) != 0 && l[0])
			last = l;
	return last ? pg_strdup(last) : pg_strdup("(no message)");
}

static const char *
comma_list(char **items, int n)
{
	PQExpBuffer b = createPQExpBuffer();

	for (int i = 0; i < n; i++)
		appendPQExpBuffer(b, "%s%s", i ? ", " : "", items[i]);
	return b->data;
}

/*
 * One step's SQL from Alembic.  Returns the SQL ("" for a step with none),
 * or NULL with *failed set to Alembic's message when offline mode could not
 * render it.
 */
static char *
render_step(const char *alembic, const char *ini, const AlembicRev *a,
			bool up, const char *errfile, char **failed, char **partial, bool *nontx)
{
	const RevFile *r = &a->r;
	const char *parent = r->ndown > 0 ? r->down[0] : "base";
	char	   *cmd;
	char	   *out;
	char	   *marker;
	char	   *sql;
	bool		found;
	int			rc;

	cmd = psprintf("cd %s && PYTHONDONTWRITEBYTECODE=1 %s -c %s %s %s --sql 2>%s",
				   shell_quote(dir_of(ini)), alembic, shell_quote(ini),
				   up ? "upgrade" : "downgrade",
				   shell_quote(up ? psprintf("%s:%s", parent, r->id) : psprintf("%s:%s", r->id, parent)),
				   shell_quote(errfile));
	if (opts.verbose)
		pm_info("%s", cmd);
	out = run_capture(cmd, &rc);
	if (up)
		marker = psprintf("-- Running upgrade %s -> %s", comma_list(r->down, r->ndown), r->id);
	else
		marker = psprintf("-- Running downgrade %s -> %s", r->id, comma_list(r->down, r->ndown));
	{
		/*
		 * The version table is the one a run from base creates before its
		 * first step (env.py may name another than alembic_version); the
		 * roots run first, so later runs know it.
		 */
		const char *c = strstr(out, "CREATE TABLE ");
		const char *mk = strstr(out, "-- Running ");

		if (c && mk && c < mk && (c == out || c[-1] == '\n'))
		{
			const char *nm = c + strlen("CREATE TABLE ");
			char	   *vt = pnstrdup(nm, strcspn(nm, " (\n"));
			const char *dot = strrchr(vt, '.');

			version_table = dot ? pg_strdup(dot + 1) : vt;
		}
	}
	sql = offline_section(out, marker, version_table, &found, nontx);
	if (rc != 0)
	{
		char	   *lm = last_marker(out);

		*failed = error_tail(errfile);
		*partial = found ? sql : NULL;
		if (lm && strcmp(lm, marker) != 0)
			*failed = psprintf("%s (in the step \"%s\", which Alembic runs first)", *failed, lm + 11);
		return NULL;
	}
	if (!found)
	{
		*failed = psprintf("Alembic's output has no \"%s\" line", marker);
		return NULL;
	}
	return sql;
}

/* The script of a step offline mode could not render: it stops the upgrade */
static char *
refusal(const AlembicRev *a, bool up, const char *why, const char *partial)
{
	PQExpBuffer b = createPQExpBuffer();
	PQExpBuffer msg = createPQExpBuffer();

	appendPQExpBuffer(b, "-- Alembic's offline mode could not render the %s of %s\n-- (%s).\n"
					  "-- Write its SQL here, then delete the statement below.\n",
					  up ? "upgrade" : "downgrade", a->module, why);
	if (partial && partial[0])
	{
		appendPQExpBufferStr(b, "-- What offline mode rendered before it failed:\n");
		for (const char *p = partial; *p;)
		{
			size_t		len = strcspn(p, "\n");

			appendPQExpBuffer(b, "--%s%.*s\n", len ? "   " : "", (int) len, p);
			p += len;
			if (*p)
				p++;
		}
	}
	for (const char *p = a->r.id; *p; p++)
		appendPQExpBufferChar(msg, *p == '\'' ? ' ' : *p);
	appendPQExpBuffer(b, "DO $pg_migrate$ BEGIN RAISE EXCEPTION 'the %s of revision %s was not imported: Alembic''s offline mode could not render it'; END $pg_migrate$;",
					  up ? "upgrade" : "downgrade", msg->data);
	return b->data;
}

static int
module_cmp(const void *x, const void *y)
{
	return strcmp(((const AlembicRev *) x)->module, ((const AlembicRev *) y)->module);
}

/* Header comments must not look like "Key: value" lines */
static char *
no_colons(const char *s)
{
	char	   *c = pg_strdup(s);

	for (char *p = c; *p; p++)
		if (*p == ':' || *p == '\n')
			*p = ' ';
	return c;
}

int
import_alembic(void)
{
	const char *arg = opts.args[0];
	const char *ini = NULL;
	char	  **vdirs;
	int			nv = 0;
	AlembicRev *revs;
	int			n = 0,
				cap = 16;
	RevDir		g;
	RevDir	   *target;
	const char *alembic;
	char	   *errfile;
	char	  **written;
	int			nflagged = 0;

	target = revdir_read(opts.dir, true);
	revdir_check(target);
	if (target->n > 0)
		pg_fatal_exit(EXIT_ERROR, "directory \"%s\" already holds revision files: import into an empty one", target->dir);

	/* the project: a directory with alembic.ini, the file, or versions/ and --alembic-config */
	if (opts.alembic_config)
		ini = opts.alembic_config;
	else if (!is_dir(arg))
		ini = arg;
	else if (access(psprintf("%s/alembic.ini", arg), F_OK) == 0)
		ini = psprintf("%s/alembic.ini", arg);
	if (ini == NULL)
	{
		fprintf(stderr, "%s: error: \"%s\" holds no alembic.ini\n"
				"HINT:  Give the project's directory (where alembic.ini is), the config file itself, or the versions directory with --alembic-config=FILE.\n",
				progname, arg);
		exit(EXIT_USAGE);
	}
	if (access(ini, R_OK) != 0)
		pg_fatal_exit(EXIT_BAD_FILES, "could not read Alembic config \"%s\": %s", ini, strerror(errno));
	if (opts.alembic_config && is_dir(arg))
	{
		vdirs = pg_malloc(sizeof(char *));
		vdirs[0] = (char *) arg;
		nv = 1;
	}
	else
		vdirs = ini_versions(ini, &nv);

	/* every module, read and checked before anything runs */
	revs = pg_malloc(sizeof(AlembicRev) * cap);
	for (int v = 0; v < nv; v++)
	{
		DIR		   *dh = opendir(vdirs[v]);
		struct dirent *de;

		if (dh == NULL)
			pg_fatal_exit(EXIT_BAD_FILES, "could not open directory \"%s\": %s", vdirs[v], strerror(errno));
		while ((de = readdir(dh)) != NULL)
		{
			size_t		len = strlen(de->d_name);

			/* as Alembic: *.py but __init__.py and editors' lock files */
			if (len < 4 || strcmp(de->d_name + len - 3, ".py") != 0 ||
				strncmp(de->d_name, ".#", 2) == 0 || strncmp(de->d_name, "__init__", 8) == 0)
				continue;
			if (n == cap)
				revs = pg_realloc(revs, sizeof(AlembicRev) * (cap *= 2));
			memset(&revs[n], 0, sizeof(AlembicRev));
			revs[n].module = psprintf("%s/%s", vdirs[v], de->d_name);
			n++;
		}
		closedir(dh);
	}
	qsort(revs, n, sizeof(AlembicRev), module_cmp);
	if (n == 0)
		pg_fatal_exit(EXIT_BAD_FILES, "no revision modules (*.py) in %s", comma_list(vdirs, nv));
	memset(&g, 0, sizeof(g));
	g.dir = comma_list(vdirs, nv);
	g.files = pg_malloc(sizeof(RevFile) * (n + 1));
	g.n = n;
	for (int i = 0; i < n; i++)
	{
		read_module(&revs[i]);
		revs[i].r.path = revs[i].module;
		revs[i].r.transactional = true;
		g.files[i] = revs[i].r;
	}
	revdir_check(&g);
	for (int i = 0; i < n; i++)
		revs[i].r.deps = g.files[i].deps;	/* prefixes completed */

	/* the SQL, from Alembic's offline mode */
	alembic = find_alembic();
	errfile = psprintf("%s/.pg_migrate_alembic.%d.err", target->dir, (int) getpid());
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++)
		{
			AlembicRev *a = &revs[i];
			bool		nontx_up = false,
						nontx_down = false;
			char	   *failed = NULL;
			char	   *partial = NULL;

			if ((a->r.ndown == 0) != (pass == 0))
				continue;		/* roots first: they show the version table */
			a->r.upgrade = render_step(alembic, ini, a, true, errfile, &failed, &partial, &nontx_up);
			if (a->r.upgrade == NULL)
			{
				a->failed_up = failed;
				a->r.upgrade = refusal(a, true, failed, partial);
			}
			failed = partial = NULL;
			a->r.downgrade = render_step(alembic, ini, a, false, errfile, &failed, &partial, &nontx_down);
			if (a->r.downgrade == NULL)
			{
				a->failed_down = failed;
				a->r.downgrade = refusal(a, false, failed, partial);
			}
			if (a->r.upgrade[0] == '\0')
				a->r.upgrade = NULL;
			a->r.transactional = !(nontx_up || nontx_down);
		}
	unlink(errfile);

	/* the files, all or none */
	written = pg_malloc(sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		AlembicRev *a = &revs[i];
		char	   *path = psprintf("%s/%s", target->dir, revfile_name(a->r.id, a->r.message));
		int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
		FILE	   *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		const char *base = strrchr(a->module, '/') + 1;
		bool		flagged = a->flags->len > 0 || a->failed_up || a->failed_down;

		if (f == NULL)
		{
			int			e = errno;

			for (int k = 0; k < i; k++)
				unlink(written[k]);
			pg_fatal_exit(EXIT_ERROR, "could not create file \"%s\": %s", path, strerror(e));
		}
		fprintf(f, "-- Imported from Alembic revision module %s\n", no_colons(base));
		if (a->flags->len > 0)
			fprintf(f, "-- CHECK moves data through Python, which Alembic's offline mode does not run\n"
					"-- (%s).\n-- Compare the SQL below with what the Python does.\n",
					no_colons(a->flags->data));
		if (a->failed_up || a->failed_down)
			fprintf(f, "-- CHECK Alembic's offline mode could not render its %s.\n",
					a->failed_up && a->failed_down ? "upgrade and downgrade" : a->failed_up ? "upgrade" : "downgrade");
		revfile_write(f, &a->r);
		if (fclose(f) != 0)
		{
			int			e = errno;

			for (int k = 0; k <= i; k++)
				unlink(k < i ? written[k] : path);
			pg_fatal_exit(EXIT_ERROR, "could not write file \"%s\": %s", path, strerror(e));
		}
		written[i] = path;
		if (!opts.quiet)
			printf("Imported alembic %s as %s\n", a->r.id, path);
		if (flagged)
		{
			nflagged++;
			if (a->flags->len > 0)
				pm_warning("%s: revision %s moves data through Python (%s): check %s",
						   a->module, a->r.id, a->flags->data, path);
			if (a->failed_up)
				pm_warning("%s: Alembic's offline mode could not render the upgrade of revision %s: %s",
						   a->module, a->r.id, a->failed_up);
			if (a->failed_down)
				pm_warning("%s: Alembic's offline mode could not render the downgrade of revision %s: %s",
						   a->module, a->r.id, a->failed_down);
		}
	}
	if (!opts.quiet)
	{
		printf("Imported %d revision%s from %s", n, n == 1 ? "" : "s", g.dir);
		if (nflagged > 0)
			printf("; %d flagged for review", nflagged);
		printf(".\n");
	}
	return EXIT_OK;
}
