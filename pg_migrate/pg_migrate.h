/*-------------------------------------------------------------------------
 *
 * pg_migrate.h
 *	  Declarations shared by the files of pg_migrate, the command-line
 *	  client of the migrate extension.
 *
 *	pg_migrate.c	main: options, connection, queries, messages
 *	revfile.c		revision files: reading, checking, writing
 *	commands.c		the subcommands
 *	import.c		import and adopt: other tools' migrations and version tables
 *	alembic.c		import --from alembic: Alembic's modules and offline SQL
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_H
#define PG_MIGRATE_H

#include "libpq-fe.h"
#include "pqexpbuffer.h"

/* Exit codes, documented in README ("pg_migrate: exit codes") */
#define EXIT_OK				0
#define EXIT_ERROR			1	/* the database refused, or another failure */
#define EXIT_USAGE			2	/* bad command line */
#define EXIT_CONNECT		3	/* could not connect */
#define EXIT_NOT_CURRENT	4	/* check: not at head, or drift;
								 * revision --autogenerate: not at head */
#define EXIT_REFUSED		5	/* push: an applied revision's file changed */
#define EXIT_BAD_FILES		6	/* revision files unreadable or invalid,
								 * SQL that does not parse included */
#define EXIT_LINT			7	/* lint: a finding at or above --fail-on */

/* One revision file */
typedef struct RevFile
{
	char	   *path;			/* directory/name */
	char	   *name;
	char	   *id;
	char	  **down;			/* Revises */
	int			ndown;
	char	  **labels;			/* Branch labels */
	int			nlabels;
	char	  **deps;			/* Depends on */
	int			ndeps;
	char	   *message;
	char	   *create_date;
	bool		transactional;
	char	   *upgrade;		/* NULL when the section is empty */
	char	   *downgrade;		/* NULL without a downgrade section */
	/* lines, for messages */
	int			line_id;
	int			line_revises;
	int			line_deps;
	int			line_upgrade;	/* first line of each section's SQL */
	int			line_downgrade;
} RevFile;

typedef struct RevDir
{
	const char *dir;
	bool		exists;
	RevFile    *files;
	int			n;
	int		   *hash;			/* id -> index, see revdir_find */
	int			hashsize;
} RevDir;

/* Options, as parsed from the command line */
typedef struct Options
{
	const char *dbname;
	const char *host;
	const char *port;
	const char *username;
	int			prompt_password;	/* 0 = if needed, 1 = always (-W), -1 = never (-w) */
	const char *dir;
	bool		dir_given;
	bool		no_push;
	bool		json;
	bool		verbose;
	bool		quiet;
	bool		read_only;		/* the command only reads: no JIT */
	/* subcommand options */
	const char *message;
	const char *head;
	char	  **branch_labels;
	int			nbranch_labels;
	char	  **depends_on;
	int			ndepends_on;
	bool		splice;
	bool		non_transactional;
	const char *rev_id;
	bool		autogenerate;
	const char *desired;
	const char *schema;
	bool		sql;
	bool		each;
	bool		dry_run;
	bool		purge;
	const char *range;
	const char *format;
	const char *from;			/* import, adopt: the other tool */
	const char *alembic;		/* import --from alembic: its command */
	const char *alembic_config; /* import --from alembic: alembic.ini */
	const char *target;			/* lint: the upgrade target (-r, --target) */
	const char *fail_on;		/* lint: the least severity that fails */
	/* positional arguments after the subcommand */
	char	  **args;
	int			nargs;
} Options;

/* pg_migrate.c */
extern const char *progname;
extern RevDir *pm_pushed;		/* the files being pushed, for messages */
extern void (*pm_on_error) (void);	/* says what an error undid */
extern Options opts;
extern void pg_fatal_exit(int code, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();
extern void pm_warning(const char *fmt,...) pg_attribute_printf(1, 2);
extern void pm_info(const char *fmt,...) pg_attribute_printf(1, 2);
extern PGconn *pm_connect(void);
extern const char *pm_fn(const char *name);
extern PGresult *pm_exec(PGconn *conn, const char *sql, int nparams,
						 const char *const *params);
extern void pm_command(PGconn *conn, const char *sql);
extern bool pm_ext_at_least(int major, int minor);
extern int	steps_seen_count(void);
extern void pm_progress_begin(int total);
extern void pm_progress_end(void);
extern void pm_report_error(const PGresult *res, int code) pg_attribute_noreturn();
extern char *pm_strdup(const char *s);
extern void *pm_malloc(size_t n);

/* revfile.c */
extern RevDir *revdir_read(const char *dir, bool must_exist);
extern RevFile *revfile_read(const char *path);
extern void revdir_check(RevDir *d);
extern int	revdir_find(const RevDir *d, const char *id);
extern int	revdir_resolve(const RevDir *d, const char *symbol, const char **why);
extern int	revdir_heads(const RevDir *d, int **out);
extern void revfile_write(FILE *f, const RevFile *r);
extern char *revfile_name(const char *id, const char *message);
extern char *revfile_create(const char *dir, const RevFile *r);
extern char *new_revision_id(void);
extern char *now_string(void);
extern void json_string(PQExpBuffer buf, const char *s);
extern void json_string_array(PQExpBuffer buf, char **items, int n);
extern char **split_list(const char *s, int *n);

/* commands.c */
extern int	cmd_init(void);
extern int	cmd_revision(void);
extern int	cmd_merge(void);
extern int	cmd_push(void);
extern int	cmd_upgrade(void);
extern int	cmd_downgrade(void);
extern int	cmd_stamp(void);
extern int	cmd_current(void);
extern int	cmd_history(void);
extern int	cmd_show(void);
extern int	cmd_heads(void);
extern int	cmd_branches(void);
extern int	cmd_check(void);
extern int	cmd_export(void);
extern int	cmd_forget(void);
extern int	cmd_graph(void);
extern int	cmd_lint(void);
extern void pm_push(PGconn *conn, RevDir *d);

/* import.c */
extern int	cmd_import(void);
extern int	cmd_adopt(void);
extern char *import_version_id(const char *tool, const char *version);
extern char *import_read_file(const char *path, bool must);

/* alembic.c */
extern int	import_alembic(void);

#endif							/* PG_MIGRATE_H */
