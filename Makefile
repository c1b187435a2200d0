# migrate: Alembic-style schema migrations inside PostgreSQL
MODULE_big = migrate
OBJS = \
	src/migrate.o \
	src/core/graph.o \
	src/core/plan.o \
	src/core/target.o \
	src/catalog/catalog.o \
	src/catalog/graphcache.o \
	src/catalog/graph_error.o \
	src/run/script.o \
	src/run/exec.o \
	src/run/toplevel.o \
	src/ops/register.o \
	src/api/funcs.o \
	src/diff/diff_catalog.o \
	src/diff/diff.o \
	src/diff/diff_rename.o \
	src/diff/shadow.o \
	src/diff/desired_names.o \
	src/catalog/locks.o \
	src/catalog/dirty.o \
	src/ops/runner.o \
	src/api/each.o \
	src/ops/jobs.o \
	src/catalog/job_rows.o \
	src/api/dropguard.o \
	src/catalog/progress.o \
	src/ops/worker.o \
	src/catalog/failrec.o \
	src/util/util.o \
	src/lint/lint.o \
	src/lint/lint_rules.o \
	src/lint/lint_alter.o \
	src/lint/lint_txn.o \
	src/lint/lint_enum.o \
	src/lint/lint_live.o \
	src/lint/lint_report.o \
	src/lint/lint_measure.o \
	src/api/push.o \
	src/api/forget.o

EXTENSION = migrate
DATA = $(wildcard migrate--*.sql)
PGFILEDESC = "migrate - schema migrations run inside the database"

# src/ is in folders by layer (README, "Architecture"); each folder is on
# the include path so that headers keep their plain names.
PG_CPPFLAGS = -I$(srcdir)/src $(addprefix -I$(srcdir)/src/,core util catalog run lint diff ops api)
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

REGRESS = revision upgrade downgrade targets history stamp check offline scripts errors security shadowing reentry hardening privileges diff diff_owner diff_pgdump diff_extension diff_rename diff_populated upgrade_path lint lint_measure label_flood revision_ids push_types desired_names

ISOLATION = concurrent_upgrade register_serializable lock_order lint_blockers runner_lock_order
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

# PGXS builds JIT bitcode with the clang the server was configured with;
# where that clang is not installed, build without bitcode instead of
# stopping with "Error 127" (the bitcode only lets JIT inline our code).
# pgxs.mk tests with_llvm as it is read, so decide before including it.
PG_CLANG ?= $(shell sed -n 's/^CLANG[[:space:]]*=[[:space:]]*//p' $(dir $(PGXS))../Makefile.global)
ifeq ($(shell command -v $(firstword $(PG_CLANG)) 2>/dev/null),)
override with_llvm = no
endif

# Track header dependencies (PGXS does so only for a server configured with
# --enable-depend, which Debian's is not): an object left stale by a changed
# header crashes the server in ways that look like bugs.  Dependency files
# go to .deps/ by base name, so no two files under src/ may share one.
override autodepend = yes

include $(PGXS)

# The client program, built and installed with the extension, as contrib
# builds its programs: one kind of thing per Makefile.
all: pg_migrate-all
install: pg_migrate-install
installdirs: pg_migrate-installdirs
uninstall: pg_migrate-uninstall
clean: pg_migrate-clean
.PHONY: pg_migrate-all pg_migrate-install pg_migrate-installdirs pg_migrate-uninstall pg_migrate-clean
pg_migrate-all pg_migrate-install pg_migrate-installdirs pg_migrate-uninstall pg_migrate-clean:
	$(MAKE) -C pg_migrate PG_CONFIG=$(PG_CONFIG) $(patsubst pg_migrate-%,%,$@)

# Standalone build of the pure graph module: unit tests and fuzz harness.
.PHONY: graphcheck
graphcheck:
	$(MAKE) -C test/graph check
