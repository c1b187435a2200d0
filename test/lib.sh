# test/lib.sh: shared set-up for test/run, test/demo and test/bench.
#
# Sourced, never executed.  Everything here assumes a Debian 12 machine and
# root: packages come from apt-get, the tree is copied into a fresh directory
# owned by the unprivileged user "postgres" (initdb refuses root, and CI
# clones into a root-owned directory), built there as postgres, installed as
# root, and exercised against throwaway clusters that we start ourselves on a
# private Unix socket directory with TCP switched off.  mg_cleanup, run from
# an EXIT trap, stops only the servers whose data directories lie under our
# own work directory: a server we did not start is never touched.
#
# Knobs (environment):
#   MG_KEEP=1        keep the work directory (build tree, logs) after exit
#   MG_SKIP_APT=1    do not check or install Debian packages
#   PG_MAJOR         PostgreSQL major version (default 15)
#   MG_PGROOT        a relocated copy of the PostgreSQL installation (the
#                    /usr tree of bin, lib, share and include under this
#                    prefix): build, install and test against it instead
#                    of the system's, so several trees can be tested on one
#                    machine at once without installing over each other

# shellcheck shell=bash

PG_MAJOR=${PG_MAJOR:-15}
PGBIN=${MG_PGROOT:-}/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PGBIN/pg_config
MG_USER=postgres

# Every Debian package a suite, the demo or the benchmark uses.
MG_PACKAGES=(
	"postgresql-$PG_MAJOR"
	"postgresql-server-dev-$PG_MAJOR"
	"postgresql-$PG_MAJOR-cron"
	"postgresql-$PG_MAJOR-pgtap"
	libipc-run-perl
	clang-14
	libclang-rt-14-dev
	python3-psycopg2
	python3-alembic
	python3-sqlalchemy
	make
	gcc
)

MG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MG_WORK=					# set by mg_setup_work
MG_TREE=					# the postgres-owned copy of the tree
MG_CLUSTERS=()				# data directories of clusters we started
MG_SERVER_LOG=/dev/null		# log of the last cluster started

mg_say() { printf '=== %s\n' "$*" >&2; }
mg_die() { printf 'test/lib.sh: %s\n' "$*" >&2; exit 1; }

mg_require_root()
{
	[ "$(id -u)" -eq 0 ] ||
		mg_die "must run as root (it installs packages and the extension, and runs the suites as \"$MG_USER\")"
}

# Install missing packages; a warm machine does not pay for apt-get update.
mg_apt()
{
	local missing=() p
	[ "${MG_SKIP_APT:-}" = 1 ] && return 0
	for p in "${MG_PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && { mg_say "packages: all present"; return 0; }
	mg_say "packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || return 1
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null || return 1
	id "$MG_USER" >/dev/null 2>&1 || mg_die "user \"$MG_USER\" does not exist after installing postgresql-$PG_MAJOR"
}

# Run a command as the unprivileged user, from the copied tree, with a known
# environment (runuser may reset PATH; cwd must be readable by postgres).
mg_as_pg()
{
	(cd "${MG_TREE:-/tmp}" &&
		runuser -u "$MG_USER" -- env \
			PATH="$PGBIN:/usr/local/bin:/usr/bin:/bin" \
			HOME="${MG_WORK:-/tmp}" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
			${PGHOST:+PGHOST="$PGHOST"} ${PGPORT:+PGPORT="$PGPORT"} \
			${PGUSER:+PGUSER="$PGUSER"} ${PGDATABASE:+PGDATABASE="$PGDATABASE"} \
			${PGOPTIONS:+PGOPTIONS="$PGOPTIONS"} \
			"$@")
}

# Create the work directory and copy the tree into it: the files git knows
# about plus untracked ones it does not ignore (so a developer's uncommitted
# work is tested too), never build outputs.  Without git, copy everything but
# the usual build products.
mg_setup_work()
{
	MG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrate-${1:-test}.XXXXXX") || mg_die "mktemp failed"
	chmod 755 "$MG_WORK"
	MG_TREE=$MG_WORK/src
	mkdir "$MG_TREE"
	trap mg_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if command -v git >/dev/null 2>&1 &&
		git -c safe.directory='*' -C "$MG_SRC" rev-parse --git-dir >/dev/null 2>&1; then
		git -c safe.directory='*' -C "$MG_SRC" ls-files -z --cached --others --exclude-standard |
			(cd "$MG_SRC" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
			tar -xf - -C "$MG_TREE" || mg_die "could not copy the tree"
	else
		(cd "$MG_SRC" && tar --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude=results --exclude=tmp_check --exclude='tmp_check_*' --exclude=output_iso \
			--exclude='regression.*' -cf - .) |
			tar -xf - -C "$MG_TREE" || mg_die "could not copy the tree"
	fi
	chown -R "$MG_USER:" "$MG_WORK"
	mg_say "work directory $MG_WORK (tree copied from $MG_SRC)"
}

# Build as postgres with warnings as errors; output goes to the terminal.
mg_build()
{
	mg_say "build"
	mg_as_pg make -j"$(nproc)" PG_CONFIG="$PG_CONFIG" COPT=-Werror
}

mg_install()
{
	mg_say "install"
	(cd "$MG_TREE" && make install PG_CONFIG="$PG_CONFIG" >/dev/null)
}

# mg_cluster_start NAME [conf-file ...] [-- 'setting = value' ...]
# Starts a throwaway cluster under $MG_WORK/NAME and exports PGHOST/PGPORT
# for it.  The socket lives in the cluster's own directory and TCP is off, so
# the port number cannot collide with any other server on the machine.
mg_cluster_start()
{
	local name=$1 dir data f
	shift
	dir=$MG_WORK/$name
	data=$dir/data
	mg_as_pg mkdir -p "$dir"
	mg_as_pg "$PGBIN/initdb" -D "$data" -U "$MG_USER" -A trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	{
		echo "# throwaway cluster for migrate ($name)"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "port = 55432"
		echo "log_line_prefix = '%m [%p] %q%a '"
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			echo "# from $1"; cat "$1"; shift
		done
		[ "${1:-}" = -- ] && shift
		for f in "$@"; do echo "$f"; done
	} | mg_as_pg tee -a "$data/postgresql.conf" >/dev/null
	MG_CLUSTERS+=("$data")
	if ! mg_as_pg "$PGBIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
		mg_say "cluster $name did not start; server log:"
		tail -n 40 "$dir/server.log" >&2
		return 1
	fi
	export PGHOST=$dir PGPORT=55432 PGUSER=$MG_USER
	# shellcheck disable=SC2034  # read by test/run
	MG_SERVER_LOG=$dir/server.log
	mg_say "cluster $name running (PGHOST=$PGHOST PGPORT=$PGPORT)"
}

mg_cluster_stop()
{
	local data=$1
	[ -f "$data/postmaster.pid" ] || return 0
	mg_as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
		mg_as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}

# EXIT trap.  Stops the clusters we started, then any server still running
# from a data directory under our work directory (TAP nodes or pg_regress
# temp instances left behind by a killed test): all started by this run.
mg_cleanup()
{
	local rc=$? data pidfile
	trap - EXIT
	for data in "${MG_CLUSTERS[@]}"; do
		mg_cluster_stop "$data"
	done
	if [ -n "$MG_WORK" ] && [ -d "$MG_WORK" ]; then
		while IFS= read -r pidfile; do
			mg_cluster_stop "$(dirname "$pidfile")"
		done < <(find "$MG_WORK" -name postmaster.pid 2>/dev/null)
		if [ "${MG_KEEP:-}" = 1 ]; then
			[ -n "${MG_KEEP_SAID:-}" ] || mg_say "kept $MG_WORK"
		else
			rm -rf "$MG_WORK"
		fi
	fi
	exit "$rc"
}

# mg_setup NAME: everything up to an installed extension.  Returns non-zero
# if the build or the install failed (the caller decides what that means).
mg_setup()
{
	mg_require_root
	mg_apt || mg_die "could not install packages"
	mg_setup_work "$1"
	mg_build || { mg_say "BUILD FAILED"; return 1; }
	mg_install || { mg_say "INSTALL FAILED"; return 1; }
}

# psql as postgres against the current cluster: no psqlrc, stop on error.
mg_psql()
{
	mg_as_pg "$PGBIN/psql" -X -v ON_ERROR_STOP=1 "$@"
}
