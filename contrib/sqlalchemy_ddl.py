#!/usr/bin/env python3
"""Print the PostgreSQL DDL of SQLAlchemy models, for pg_migrate --desired.

    python3 contrib/sqlalchemy_ddl.py app.models:Base > desired.sql
    pg_migrate revision --autogenerate -m "add orders" \
        --desired <(python3 contrib/sqlalchemy_ddl.py app.models:Base)
    pg_migrate check --desired <(python3 contrib/sqlalchemy_ddl.py app.models:Base)

TARGET is MODULE:NAME, where NAME is a declarative base (anything with a
.metadata), a MetaData, or a callable returning one of those; MODULE alone
takes the module's only MetaData or declarative base.  The statements are
SQLAlchemy's own for the postgresql dialect (what metadata.create_all()
would run), in its dependency order: enum types and sequences, then each
table with its constraints, then its indexes; foreign keys that form a
cycle come last as ALTER TABLE ... ADD CONSTRAINT.  Nothing connects to a
database.  Needs SQLAlchemy 1.4 or 2.x (Debian: python3-sqlalchemy).

Exit status: 0 success, 1 the target could not be imported or holds no
MetaData, 2 bad usage.
"""
import argparse
import importlib
import os
import sys


def fail(msg, code=1):
    print("sqlalchemy_ddl.py: error: " + msg, file=sys.stderr)
    sys.exit(code)


def find_metadata(target):
    from sqlalchemy import MetaData

    mod_name, _, attr = target.partition(":")
    try:
        mod = importlib.import_module(mod_name)
    except Exception as e:  # the user's module: report whatever it raised
        fail('could not import module "%s": %s: %s' % (mod_name, type(e).__name__, e))

    def as_metadata(obj):
        if isinstance(obj, MetaData):
            return obj
        md = getattr(obj, "metadata", None)
        if isinstance(md, MetaData):
            return md
        return None

    if attr:
        obj = mod
        for part in attr.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                fail('module "%s" has no attribute "%s"' % (mod_name, attr))
        md = as_metadata(obj)
        if md is None and callable(obj):
            md = as_metadata(obj())
        if md is None:
            fail('"%s" is neither a MetaData nor a declarative base' % target)
        return md
    found = []
    for name in sorted(vars(mod)):
        md = as_metadata(getattr(mod, name))
        if md is not None and all(md is not f for f in found):
            found.append(md)
    if len(found) != 1:
        fail('module "%s" holds %s MetaData: name one as %s:NAME'
             % (mod_name, "no" if not found else "more than one", mod_name))
    return found[0]


def main():
    ap = argparse.ArgumentParser(
        prog="sqlalchemy_ddl.py",
        description="Print the PostgreSQL DDL of SQLAlchemy models (MODULE:NAME).")
    ap.add_argument("target", help="MODULE:NAME, e.g. app.models:Base or app.db:metadata")
    ap.add_argument("--path", action="append", default=[],
                    help="a directory to import from (repeatable; default: the current directory)")
    args = ap.parse_args()
    for p in reversed(args.path or [os.getcwd()]):
        sys.path.insert(0, os.path.abspath(p))

    from sqlalchemy import create_mock_engine

    md = find_metadata(args.target)
    out = []

    def executor(sql, *multiparams, **params):
        out.append(str(sql.compile(dialect=engine.dialect)).strip())

    engine = create_mock_engine("postgresql://", executor)
    md.create_all(engine, checkfirst=False)
    for stmt in out:
        # SQLAlchemy ends lines with ", " and indents with tabs
        lines = [l.rstrip().replace("\t", "    ") for l in stmt.splitlines()]
        print("\n".join(lines) + ";\n")


if __name__ == "__main__":
    main()
