/*-------------------------------------------------------------------------
 *
 * revfile.c
 *	  Revision files: one plain-SQL file per revision, named
 *	  <id>_<slug>.sql, in a directory (migrations/ by default).
 *
 *	  -- Message: create customers
 *	  -- Revision ID: 1a2b3c4d5e6f
 *	  -- Revises: base
 *	  -- Create Date: 2026-11-29 21:30:00
 *
 *	  -- migrate:upgrade
 *	  CREATE TABLE customers (id bigint PRIMARY KEY);
 *
 *	  -- migrate:downgrade
 *	  DROP TABLE customers;
 *
 * The header is SQL comments of the form "-- Key: value" (Message, Revision
 * ID, Revises, Branch labels, Depends on, Create Date, Transactional), so
 * the whole file is SQL that psql could run and reads well in a diff.
 * Everything is checked here before the database is asked anything: a
 * mistake is reported with the file and line, and nothing is registered.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pg_migrate.h"

static void file_error(const char *path, int line, const char *fmt,...) pg_attribute_printf(3, 4) pg_attribute_noreturn();

static void
file_error(const char *path, int line, const char *fmt,...)
{
	va_list		ap;

	if (line > 0)
		fprintf(stderr, "%s: error: %s:%d: ", progname, path, line);
	else
		fprintf(stderr, "%s: error: %s: ", progname, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_BAD_FILES);
}

/* ---- small helpers ---- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char *
trim(char *s)
{
	char	   *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = '\0';
	return s;
}

/* A list written "a, b" or "a b"; "base" and empty are no list */
char **
split_list(const char *s, int *n)
{
	char	   *copy = pm_strdup(s);
	char	  **items = pm_malloc(sizeof(char *) * (strlen(s) / 2 + 2));
	char	   *tok;
	char	   *save = NULL;

	*n = 0;
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
	{
		if (strcmp(tok, "base") == 0 || strcmp(tok, "<base>") == 0)
			continue;
		items[(*n)++] = tok;
	}
	return items;
}

/*
 * The line of the first byte that is not UTF-8 (or is NUL), or 0.  Overlong
 * forms and surrogates count as invalid, as the server's check does.
 */
static int
invalid_utf8_line(const unsigned char *s, size_t len)
{
	int			line = 1;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		int			n;
		unsigned int cp;

		if (c == '\n')
			line++;
		if (c == 0)
			return line;
		if (c < 0x80)
		{
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			n = 2, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			n = 3, cp = c & 0x07;
		else
			return line;
		for (int k = 1; k <= n; k++)
		{
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return line;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
			(n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return line;
		i += n + 1;
	}
	return 0;
}

/*
 * A section's text: its lines as written, without the blank lines around
 * them and trailing white space.  Returns NULL when nothing is left.
 */
static char *
section_text(PQExpBuffer b, int *dropped)
{
	char	   *s = b->data;
	char	   *e;

	*dropped = 0;
	/* drop whole blank lines at the start, keep the indentation of the first */
	for (;;)
	{
		char	   *p = s;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p != '\n')
			break;
		s = p + 1;
		(*dropped)++;
	}
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		e--;
	if (e == s)
		return NULL;
	return pnstrdup(s, e - s);
}

static bool
is_marker(const char *line, const char *marker)
{
	size_t		n = strlen(marker);

	if (strncmp(line, marker, n) != 0)
		return false;
	for (line += n; *line; line++)
		if (!is_space(*line))
			return false;
	return true;
}

/* ---- reading one file ---- */

static void
parse_file(RevFile *r, char *text, size_t len)
{
	enum
	{
		HEADER, UP, DOWN
	}			state = HEADER;
	PQExpBuffer up = createPQExpBuffer();
	PQExpBuffer down = createPQExpBuffer();
	bool		have_down = false;
	bool		have_revises = false;
	bool		have_transactional = false;
	int			line = 0;
	char	   *p = text;
	int			bad;

	r->transactional = true;
	if ((bad = invalid_utf8_line((unsigned char *) text, len)) > 0)
		file_error(r->path, bad, "invalid byte sequence: revision files must be UTF-8 text");

	while (*p)
	{
		char	   *nl = strchr(p, '\n');
		char	   *l;

		line++;
		if (nl)
			*nl = '\0';
		l = p;
		p = nl ? nl + 1 : p + strlen(p);

		if (is_marker(l, "-- migrate:upgrade"))
		{
			if (state != HEADER)
				file_error(r->path, line, "a second \"-- migrate:upgrade\" line");
			state = UP;
			r->line_upgrade = line + 1;
			continue;
		}
		if (is_marker(l, "-- migrate:downgrade"))
		{
			if (state == HEADER)
				file_error(r->path, line, "\"-- migrate:downgrade\" before \"-- migrate:upgrade\"");
			if (state == DOWN)
				file_error(r->path, line, "a second \"-- migrate:downgrade\" line");
			state = DOWN;
			have_down = true;
			r->line_downgrade = line + 1;
			continue;
		}
		if (state == UP || state == DOWN)
		{
			PQExpBuffer b = state == UP ? up : down;

			appendPQExpBufferStr(b, l);
			appendPQExpBufferChar(b, '\n');
			continue;
		}

		/* the header */
		{
			char	   *t = trim(l);
			char	   *colon;
			char	   *key;
			char	   *value;

			if (*t == '\0')
				continue;
			if (strncmp(t, "--", 2) != 0)
				file_error(r->path, line, "SQL before the \"-- migrate:upgrade\" line: the header holds only \"-- Key: value\" comments");
			t = trim(t + 2);
			colon = strchr(t, ':');
			if (colon == NULL)
				continue;		/* a plain comment */
			*colon = '\0';
			key = trim(t);
			value = trim(colon + 1);
			if (pg_strcasecmp(key, "Revision ID") == 0 || pg_strcasecmp(key, "Revision") == 0)
			{
				if (r->id)
					file_error(r->path, line, "a second \"Revision ID\" header");
				if (*value == '\0' || strpbrk(value, " \t,") != NULL)
					file_error(r->path, line, "\"Revision ID\" must be one revision identifier");
				r->id = pm_strdup(value);
				r->line_id = line;
			}
			else if (pg_strcasecmp(key, "Revises") == 0)
			{
				if (have_revises)
					file_error(r->path, line, "a second \"Revises\" header");
				have_revises = true;
				r->down = split_list(value, &r->ndown);
				r->line_revises = line;
			}
			else if (pg_strcasecmp(key, "Branch labels") == 0)
				r->labels = split_list(value, &r->nlabels);
			else if (pg_strcasecmp(key, "Depends on") == 0)
			{
				r->deps = split_list(value, &r->ndeps);
				r->line_deps = line;
			}
			else if (pg_strcasecmp(key, "Message") == 0)
				r->message = *value ? pm_strdup(value) : NULL;
			else if (pg_strcasecmp(key, "Create Date") == 0)
				r->create_date = pm_strdup(value);
			else if (pg_strcasecmp(key, "Transactional") == 0)
			{
				if (have_transactional)
					file_error(r->path, line, "a second \"Transactional\" header");
				have_transactional = true;
				if (pg_strcasecmp(value, "yes") == 0 || pg_strcasecmp(value, "true") == 0)
					r->transactional = true;
				else if (pg_strcasecmp(value, "no") == 0 || pg_strcasecmp(value, "false") == 0)
					r->transactional = false;
				else
					file_error(r->path, line, "\"Transactional\" must be \"yes\" or \"no\", not \"%s\"", value);
			}
			else
				file_error(r->path, line, "unrecognized header \"%s\" (known: Message, Revision ID, Revises, Branch labels, Depends on, Create Date, Transactional)", key);
		}
	}

	if (r->id == NULL)
		file_error(r->path, 1, "no \"-- Revision ID: ...\" header");
	if (!have_revises)
		file_error(r->path, r->line_id, "no \"-- Revises: ...\" header (write \"-- Revises: base\" for a first revision)");
	if (state == HEADER)
		file_error(r->path, line, "no \"-- migrate:upgrade\" line");
	{
		size_t		n = strlen(r->id);

		if (strncmp(r->name, r->id, n) != 0 ||
			(r->name[n] != '_' && strcmp(r->name + n, ".sql") != 0))
			file_error(r->path, r->line_id,
					   "the file name does not start with the revision identifier \"%s\"", r->id);
	}
	r->upgrade = section_text(up, &bad);
	r->line_upgrade += bad;
	if (have_down)
	{
		r->downgrade = section_text(down, &bad);
		r->line_downgrade += bad;
		if (r->downgrade == NULL)
			r->downgrade = pm_strdup("");
	}
	destroyPQExpBuffer(up);
	destroyPQExpBuffer(down);
}

static void
read_file(RevFile *r)
{
	int			fd = open(r->path, O_RDONLY, 0);
	struct stat st;
	char	   *buf;
	size_t		got = 0;

	if (fd < 0)
		file_error(r->path, 0, "could not open file: %s", strerror(errno));
	if (fstat(fd, &st) < 0)
		file_error(r->path, 0, "could not stat file: %s", strerror(errno));
	buf = pm_malloc(st.st_size + 1);
	while (got < (size_t) st.st_size)
	{
		ssize_t		k = read(fd, buf + got, st.st_size - got);

		if (k < 0)
			file_error(r->path, 0, "could not read file: %s", strerror(errno));
		if (k == 0)
			break;
		got += k;
	}
	close(fd);
	buf[got] = '\0';
	parse_file(r, buf, got);
}

/*
 * Read one revision file named on the command line (lint FILE): the same
 * checks as in a directory, minus those across files.
 */
RevFile *
revfile_read(const char *path)
{
	RevFile    *r = pm_malloc(sizeof(RevFile));
	const char *slash = strrchr(path, '/');

	memset(r, 0, sizeof(RevFile));
	r->path = pm_strdup(path);
	r->name = pm_strdup(slash ? slash + 1 : path);
	read_file(r);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Read every *.sql file of the directory, in name order.  A directory that
 * does not exist is an error only when must_exist.
 */
RevDir *
revdir_read(const char *dir, bool must_exist)
{
	RevDir	   *d = pm_malloc(sizeof(RevDir));
	DIR		   *dh;
	struct dirent *de;
	char	  **names;
	int			n = 0,
				cap = 64;

	memset(d, 0, sizeof(RevDir));
	d->dir = dir;
	dh = opendir(dir);
	if (dh == NULL)
	{
		if (errno == ENOENT && !must_exist)
			return d;
		fprintf(stderr, "%s: error: could not open directory \"%s\": %s\n",
				progname, dir, strerror(errno));
		if (errno == ENOENT)
			fprintf(stderr, "HINT:  Create it with \"%s init\", or name another with --dir.\n", progname);
		exit(EXIT_BAD_FILES);
	}
	d->exists = true;
	names = pm_malloc(sizeof(char *) * cap);
	errno = 0;
	while ((de = readdir(dh)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 ||
			strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (n == cap)
		{
			cap *= 2;
			names = pg_realloc(names, sizeof(char *) * cap);
		}
		names[n++] = pm_strdup(de->d_name);
	}
	if (errno != 0)
	{
		fprintf(stderr, "%s: error: could not read directory \"%s\": %s\n",
				progname, dir, strerror(errno));
		exit(EXIT_BAD_FILES);
	}
	closedir(dh);
	qsort(names, n, sizeof(char *), name_cmp);
	d->files = pm_malloc(sizeof(RevFile) * (n + 1));
	memset(d->files, 0, sizeof(RevFile) * (n + 1));
	d->n = n;
	for (int i = 0; i < n; i++)
	{
		RevFile    *r = &d->files[i];

		r->name = names[i];
		r->path = psprintf("%s/%s", dir, names[i]);
		read_file(r);
	}
	return d;
}

/* ---- the files as a graph ---- */

static unsigned int
hash_id(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

/* The file defining an id (the first, if several do), or -1 */
int
revdir_find(const RevDir *d, const char *id)
{
	RevDir	   *dd = (RevDir *) d;
	unsigned int mask;

	if (d->hash == NULL)
	{
		/* open addressing, at most half full */
		dd->hashsize = 16;
		while (dd->hashsize < 2 * d->n + 2)
			dd->hashsize *= 2;
		dd->hash = pm_malloc(sizeof(int) * dd->hashsize);
		memset(dd->hash, -1, sizeof(int) * dd->hashsize);
		mask = dd->hashsize - 1;
		for (int i = 0; i < d->n; i++)
		{
			unsigned int h = hash_id(d->files[i].id) & mask;

			while (dd->hash[h] >= 0 && strcmp(d->files[dd->hash[h]].id, d->files[i].id) != 0)
				h = (h + 1) & mask;
			if (dd->hash[h] < 0)
				dd->hash[h] = i;
		}
	}
	mask = d->hashsize - 1;
	for (unsigned int h = hash_id(id) & mask; d->hash[h] >= 0; h = (h + 1) & mask)
		if (strcmp(d->files[d->hash[h]].id, id) == 0)
			return d->hash[h];
	return -1;
}

static int
find_label(const RevDir *d, const char *label)
{
	for (int i = 0; i < d->n; i++)
		for (int k = 0; k < d->files[i].nlabels; k++)
			if (strcmp(d->files[i].labels[k], label) == 0)
				return i;
	return -1;
}

/* An id, unique prefix or branch label; -1 with *why set otherwise */
static int
resolve_plain(const RevDir *d, const char *s, const char **why)
{
	int			found = -1;
	size_t		n = strlen(s);

	if ((found = revdir_find(d, s)) >= 0)
		return found;
	if ((found = find_label(d, s)) >= 0)
		return found;
	for (int i = 0; i < d->n; i++)
		if (strncmp(d->files[i].id, s, n) == 0)
		{
			if (found >= 0)
			{
				*why = "is a prefix of several revision identifiers";
				return -1;
			}
			found = i;
		}
	if (found < 0)
		*why = "is not a revision identifier, prefix or branch label of any file";
	return found;
}

/* Is a an ancestor of (or equal to) b, following Revises? */
static bool
is_ancestor(const RevDir *d, int a, int b, char *seen)
{
	if (a == b)
		return true;
	if (seen[b])
		return false;
	seen[b] = 1;
	for (int k = 0; k < d->files[b].ndown; k++)
	{
		int			p = revdir_find(d, d->files[b].down[k]);

		if (p >= 0 && is_ancestor(d, a, p, seen))
			return true;
	}
	return false;
}

int
revdir_heads(const RevDir *d, int **out)
{
	char	   *has_child = pm_malloc(d->n + 1);
	int			n = 0;

	memset(has_child, 0, d->n + 1);
	*out = pm_malloc(sizeof(int) * (d->n + 1));
	for (int i = 0; i < d->n; i++)
		for (int k = 0; k < d->files[i].ndown; k++)
		{
			int			p = revdir_find(d, d->files[i].down[k]);

			if (p >= 0)
				has_child[p] = 1;
		}
	for (int i = 0; i < d->n; i++)
		if (!has_child[i])
			(*out)[n++] = i;
	free(has_child);
	return n;
}

/*
 * What --head names among the files: "head" (the single head), an id,
 * prefix or label, or "X@head" (the single head above X).  -1 with *why.
 */
int
revdir_resolve(const RevDir *d, const char *symbol, const char **why)
{
	const char *at = strchr(symbol, '@');
	int		   *heads;
	int			nheads = revdir_heads(d, &heads);
	int			base,
				found = -1;

	if (strcmp(symbol, "head") == 0)
	{
		if (nheads == 1)
			return heads[0];
		*why = nheads == 0 ? "names no revision: there are no files yet" :
			"is ambiguous: the files have several heads";
		return -1;
	}
	if (at == NULL || strcmp(at, "@head") != 0)
		return resolve_plain(d, symbol, why);
	{
		char	   *prefix = pnstrdup(symbol, at - symbol);

		base = resolve_plain(d, prefix, why);
	}
	if (base < 0)
		return -1;
	for (int h = 0; h < nheads; h++)
	{
		char	   *seen = pm_malloc(d->n + 1);

		memset(seen, 0, d->n + 1);
		if (is_ancestor(d, base, heads[h], seen))
		{
			if (found >= 0)
			{
				*why = "is ambiguous: several heads lie above it";
				return -1;
			}
			found = heads[h];
		}
		free(seen);
	}
	return found;
}

/*
 * Checks across files: duplicate ids, parents and dependencies that no
 * file defines, cycles.  Dependencies written as prefixes are completed.
 */
void
revdir_check(RevDir *d)
{
	int			n = d->n;
	int		   *state;

	for (int i = 0; i < n; i++)
	{
		RevFile    *r = &d->files[i];
		int			j = revdir_find(d, r->id);

		if (j != i)
			file_error(r->path, r->line_id,
					   "revision \"%s\" is already defined in %s",
					   r->id, d->files[j].path);
	}
	for (int i = 0; i < n; i++)
	{
		RevFile    *r = &d->files[i];

		for (int k = 0; k < r->ndown; k++)
		{
			if (strcmp(r->down[k], r->id) == 0)
				file_error(r->path, r->line_revises,
						   "revision \"%s\" revises itself", r->id);
			if (revdir_find(d, r->down[k]) < 0)
				file_error(r->path, r->line_revises,
						   "down revision \"%s\" of revision \"%s\" is not defined by any file in %s",
						   r->down[k], r->id, d->dir);
		}
		for (int k = 0; k < r->ndeps; k++)
		{
			const char *why = NULL;
			int			j = resolve_plain(d, r->deps[k], &why);

			if (j < 0)
				file_error(r->path, r->line_deps,
						   "dependency \"%s\" of revision \"%s\" %s in %s",
						   r->deps[k], r->id, why, d->dir);
			if (find_label(d, r->deps[k]) < 0)
				r->deps[k] = d->files[j].id;
		}
	}

	/* cycles, by an iterative depth-first walk over the parents */
	state = pm_malloc(sizeof(int) * (n + 1));
	memset(state, 0, sizeof(int) * (n + 1));
	for (int s = 0; s < n; s++)
	{
		int		   *stack;
		int		   *edge;
		int			top = 0;

		if (state[s])
			continue;
		stack = pm_malloc(sizeof(int) * (n + 1));
		edge = pm_malloc(sizeof(int) * (n + 1));
		stack[0] = s;
		edge[0] = 0;
		state[s] = 1;
		while (top >= 0)
		{
			int			v = stack[top];
			RevFile    *r = &d->files[v];

			if (edge[top] < r->ndown)
			{
				int			p = revdir_find(d, r->down[edge[top]++]);

				if (state[p] == 1)
				{
					PQExpBuffer path = createPQExpBuffer();
					int			k = top;

					while (stack[k] != p)
						k--;
					for (int m = k; m <= top; m++)
						appendPQExpBuffer(path, "%s -> ", d->files[stack[m]].id);
					appendPQExpBufferStr(path, d->files[p].id);
					file_error(r->path, r->line_revises,
							   "revisions form a cycle: %s (each revises the next)",
							   path->data);
				}
				if (state[p] == 0)
				{
					state[p] = 1;
					stack[++top] = p;
					edge[top] = 0;
				}
			}
			else
			{
				state[v] = 2;
				top--;
			}
		}
		free(stack);
		free(edge);
	}
	free(state);
}

/* ---- writing ---- */

static void
write_list(FILE *f, const char *key, char **items, int n)
{
	fprintf(f, "-- %s: ", key);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", items[i]);
	fputc('\n', f);
}

void
revfile_write(FILE *f, const RevFile *r)
{
	fputs("-- Message: ", f);
	for (const char *m = r->message ? r->message : ""; *m; m++)
		fputc(*m == '\n' || *m == '\r' ? ' ' : *m, f);
	fputc('\n', f);
	fprintf(f, "-- Revision ID: %s\n", r->id);
	if (r->ndown == 0)
		fputs("-- Revises: base\n", f);
	else
		write_list(f, "Revises", r->down, r->ndown);
	if (r->nlabels > 0)
		write_list(f, "Branch labels", r->labels, r->nlabels);
	if (r->ndeps > 0)
		write_list(f, "Depends on", r->deps, r->ndeps);
	if (r->create_date)
		fprintf(f, "-- Create Date: %s\n", r->create_date);
	if (!r->transactional)
		fputs("-- Transactional: no\n", f);
	fputs("\n-- migrate:upgrade\n", f);
	if (r->upgrade && r->upgrade[0])
		fprintf(f, "%s\n", r->upgrade);
	if (r->downgrade)
	{
		fputs("\n-- migrate:downgrade\n", f);
		if (r->downgrade[0])
			fprintf(f, "%s\n", r->downgrade);
	}
}

/* Alembic's file names: <id>_<slug of the message, at most 40 bytes>.sql */
char *
revfile_name(const char *id, const char *message)
{
	PQExpBuffer b = createPQExpBuffer();
	bool		sep = true;
	int			slug = 0;

	appendPQExpBufferStr(b, id);
	for (const char *m = message ? message : ""; *m && slug < 40; m++)
	{
		unsigned char c = *m;

		if (isalnum(c) && c < 0x80)
		{
			if (sep)
				appendPQExpBufferChar(b, '_');
			appendPQExpBufferChar(b, tolower(c));
			sep = false;
			slug++;
		}
		else
			sep = true;
	}
	appendPQExpBufferStr(b, ".sql");
	return b->data;
}

/* Write a new file; never overwrites.  Returns its path. */
char *
revfile_create(const char *dir, const RevFile *r)
{
	char	   *path = psprintf("%s/%s", dir, revfile_name(r->id, r->message));
	int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	FILE	   *f;

	if (fd < 0)
		pg_fatal_exit(EXIT_ERROR, "could not create file \"%s\": %s", path, strerror(errno));
	f = fdopen(fd, "w");
	revfile_write(f, r);
	if (fclose(f) != 0)
		pg_fatal_exit(EXIT_ERROR, "could not write file \"%s\": %s", path, strerror(errno));
	return path;
}

/* Alembic's ids: 12 hex digits of randomness */
char *
new_revision_id(void)
{
	unsigned char bytes[6];
	char	   *id = pm_malloc(13);

	if (!pg_strong_random(bytes, sizeof(bytes)))
		pg_fatal_exit(EXIT_ERROR, "could not generate a random revision identifier");
	for (int i = 0; i < 6; i++)
		snprintf(id + 2 * i, 3, "%02x", bytes[i]);
	return id;
}

char *
now_string(void)
{
	time_t		t = time(NULL);
	char	   *s = pm_malloc(64);

	strftime(s, 64, "%Y-%m-%d %H:%M:%S", localtime(&t));
	return s;
}

/* ---- JSON, for migrate_push() ---- */

void
json_string(PQExpBuffer buf, const char *s)
{
	if (s == NULL)
	{
		appendPQExpBufferStr(buf, "null");
		return;
	}
	appendPQExpBufferChar(buf, '"');
	for (; *s; s++)
	{
		unsigned char c = *s;

		if (c == '"' || c == '\\')
		{
			appendPQExpBufferChar(buf, '\\');
			appendPQExpBufferChar(buf, c);
		}
		else if (c == '\n')
			appendPQExpBufferStr(buf, "\\n");
		else if (c == '\t')
			appendPQExpBufferStr(buf, "\\t");
		else if (c < 0x20)
			appendPQExpBuffer(buf, "\\u%04x", c);
		else
			appendPQExpBufferChar(buf, c);
	}
	appendPQExpBufferChar(buf, '"');
}

void
json_string_array(PQExpBuffer buf, char **items, int n)
{
	appendPQExpBufferChar(buf, '[');
	for (int i = 0; i < n; i++)
	{
		if (i)
			appendPQExpBufferChar(buf, ',');
		json_string(buf, items[i]);
	}
	appendPQExpBufferChar(buf, ']');
}
