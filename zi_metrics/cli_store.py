"""The ``init-db`` and ``seed-demo`` commands (wired by zi_metrics.__main__).

Each prints one line on success (stdout) or one clear line on error (stderr, exit code 2), never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
import time

from zi_metrics.store import Store, StoreError, default_location, open_store


def _db_path(args: argparse.Namespace) -> str:
    return str(getattr(args, "db", None) or default_location())


def cmd_init_db(args: argparse.Namespace) -> int:
    """Create the database file, or upgrade an existing one to the current schema."""
    store = Store(_db_path(args))
    try:
        existed = store.exists()
        if existed:
            store.check_integrity()  # a damaged file is named, never reported up to date or written
        old, new = store.migrate(create=True)
    except StoreError as exc:
        print(f"init-db: {exc}", file=sys.stderr)
        return 2
    if not existed:
        print(f"created database {store.location} (schema version {new}), empty")
    elif old != new:
        from zi_metrics.demo_legacy import recognise_demo_rows  # noqa: PLC0415

        try:
            marked = recognise_demo_rows(store)
        except StoreError as exc:
            print(f"init-db: {exc}", file=sys.stderr)
            return 2
        print(f"upgraded database {store.location} from schema version {old} to {new}"
              + (f"; {marked} synthetic demo rows recognised and marked" if marked else ""))
    else:
        print(f"database {store.location} is already at schema version {new}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Write the synthetic demo data (refuses a database holding real data unless --force)."""
    from zi_metrics.demo import seed_demo  # noqa: PLC0415

    path = _db_path(args)
    started = time.perf_counter()
    try:
        store = open_store(path, create=True)
        summary = seed_demo(store, force=bool(getattr(args, "force", False)))
    except StoreError as exc:
        print(f"seed-demo: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(
        f"wrote synthetic demo data to {store.location}: {summary.units} units, "
        f"{summary.evaluations} evaluations, "
        f"{summary.answers} answers, {summary.awards} awards in {seconds:.2f} s"
    )
    return 0


def cmd_remove_demo(args: argparse.Namespace) -> int:
    """Delete every synthetic demo row in one transaction; real rows stay."""
    store = Store(_db_path(args))
    try:
        if not store.exists():
            print(f"remove-demo: {store.missing_message()}", file=sys.stderr)
            return 2
        store.migrate()
        if not store.demo_rows().any():
            print(f"{store.location} holds no demo data; nothing removed")
            return 0
        removal = store.remove_demo(actor=getattr(args, "actor", None) or "cli")
    except StoreError as exc:
        print(f"remove-demo: {exc}", file=sys.stderr)
        return 2
    kept = f"; kept as real units (real data uses them): {', '.join(removal.kept_units)}" if removal.kept_units else ""
    print(f"removed the demo data from {store.location}: {removal.units} units, {removal.rounds} evaluations, "
          f"{removal.facts} prerequisite facts, {removal.awards} awards{kept}")
    return 0


def cmd_copy_db(args: argparse.Namespace) -> int:
    """Copy a whole database to another (DuckDB file <-> PostgreSQL), then compare every table."""
    from zi_metrics.store import copy_database  # noqa: PLC0415

    started = time.perf_counter()
    try:
        report = copy_database(Store(args.source), Store(args.target), actor=args.actor, force=args.force)
    except StoreError as exc:
        print(f"copy-db: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{table} {n}" for table, n in report.rows.items())
    print(f"copied {report.source} to {report.target} and found every table equal ({counts}) "
          f"in {time.perf_counter() - started:.1f} s")
    return 0
