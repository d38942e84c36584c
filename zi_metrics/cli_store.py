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


def _rows_text(rows: dict[str, int]) -> str:
    return ", ".join(f"{table} {n:,}" for table, n in rows.items())


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent, verified copy of the whole database to a DuckDB file."""
    from zi_metrics.store import backup_database  # noqa: PLC0415

    started = time.perf_counter()
    try:
        report = backup_database(Store(_db_path(args)), args.out, force=args.force)
    except StoreError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 2
    print(f"backed up {report.source} to {report.path} ({report.size / 1048576:.1f} MiB, every table read back "
          f"and found equal: {_rows_text(report.rows)}) in {time.perf_counter() - started:.1f} s")
    return 0


def _confirmed(question: str) -> bool:
    print(question, end=" ", flush=True)
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in {"yes", "ya", "y"}


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup: the backup is checked first, the restored database is
    compared with it after; asks for confirmation unless --yes (refused without a terminal)."""
    from zi_metrics.store import describe_backup, held_rows, restore_database  # noqa: PLC0415

    store = Store(_db_path(args))
    try:
        if not args.yes:
            if not sys.stdin.isatty():
                print(f"restore: replacing every row of {store.location} needs a confirmation: run it in a "
                      "terminal, or add --yes; nothing was changed", file=sys.stderr)
                return 2
            rows = describe_backup(args.file)
            held = held_rows(store) if store.exists() else 0
            now = "an unreadable (damaged) database" if held is None else f"{held:,} data rows"
            if not _confirmed(f"Replace {store.location} ({now}) with the backup {args.file} "
                              f"({sum(rows.values()) - rows.get('audit_log', 0) - rows.get('meta', 0):,} data rows: "
                              f"{_rows_text(rows)})? Type yes to restore:"):
                print("restore: not confirmed; nothing was changed", file=sys.stderr)
                return 1
        started = time.perf_counter()
        report = restore_database(store, args.file, actor=args.actor)
    except StoreError as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 2
    before = "an unreadable database" if report.replaced_rows is None else f"{report.replaced_rows:,} data rows"
    print(f"restored {report.target} from {report.backup} (replacing {before}); every table compared with the "
          f"backup and found equal: {_rows_text(report.rows)} in {time.perf_counter() - started:.1f} s")
    return 0
