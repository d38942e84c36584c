"""Command line: ``python -m zi_metrics <command> ...``. Bad input exits 2 with one line on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence


def _one_line(message: str) -> str:
    """A request's keys and values are echoed in messages: the error stays one line of bounded
    length whatever they hold (line breaks and control characters escaped)."""
    from zi_metrics.quoting import one_line

    return one_line(message)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from zi_metrics.evaluation_io import RequestError, evaluate_request, parse_request_text

    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        from zi_metrics.quoting import shown

        print(_one_line(f"file: cannot read {shown(args.file)}: {exc}"), file=sys.stderr)
        return 2
    try:
        result = evaluate_request(parse_request_text(text))
    except RequestError as exc:
        print(_one_line(str(exc)), file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _store_command(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from zi_metrics import cli_store

        return getattr(cli_store, name)(args)

    return run


DB_HELP = (
    "database: a DuckDB file path or a postgresql:// URL "
    "(default: $ZI_DATABASE_URL, else $ZI_DB_PATH, else data/zi.duckdb)"
)
CORE_COMMANDS = ("evaluate", "init-db", "seed-demo", "remove-demo", "copy-db", "backup", "restore")


def build_parser(with_extras: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zi_metrics", description="Zona Integritas scoring and data tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("evaluate", help="score and evaluate a JSON request (recap or answers form)")
    p.add_argument("file", help="the request JSON file, or - for standard input")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("init-db", help="create (or upgrade) the database")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=_store_command("cmd_init_db"))

    p = sub.add_parser("seed-demo", help="write the synthetic demo data into the database")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--force", action="store_true", help="replace real data too")
    p.set_defaults(func=_store_command("cmd_seed_demo"))

    p = sub.add_parser("remove-demo", help="delete exactly the synthetic demo rows (real data stays)")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--actor", default="cli", help="who removes it (written to the audit log)")
    p.set_defaults(func=_store_command("cmd_remove_demo"))

    p = sub.add_parser("copy-db", help="copy a whole database to another (DuckDB <-> PostgreSQL), verified")
    p.add_argument("--from", dest="source", required=True, help="the database to copy: a DuckDB file or a URL")
    p.add_argument("--to", dest="target", required=True,
                   help="where to copy it (created when missing; must hold no data unless --force)")
    p.add_argument("--force", action="store_true", help="replace the data the target holds")
    p.add_argument("--actor", default="copy-db", help="who copies (written to the target's audit log)")
    p.set_defaults(func=_store_command("cmd_copy_db"))

    p = sub.add_parser("backup", help="write a consistent copy of the whole database to a DuckDB file (the app "
                                      "and imports go on), read back and compared")
    p.add_argument("--out", required=True, help="the backup file to write (a DuckDB file; --db FILE opens it)")
    p.add_argument("--force", action="store_true", help="replace an existing backup file")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=_store_command("cmd_backup"))

    p = sub.add_parser("restore", help="replace the database with a backup (checked first, compared after; "
                                       "asks for confirmation)")
    p.add_argument("file", help="the backup file (written by the backup command)")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts); without it, restore asks in a "
                                                      "terminal and refuses without one")
    p.add_argument("--actor", default="cli", help="who restores (written to the audit log)")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=_store_command("cmd_restore"))

    for register in _extra_commands() if with_extras else ():
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Commands contributed by other modules (LKE import/export), registered when present."""
    out = []
    try:
        from zi_metrics.lke.cli import register  # noqa: PLC0415

        out.append(register)
    except ImportError:
        pass
    from zi_metrics.cli_report import register as register_report

    out.append(register_report)
    from zi_metrics.cli_units import register as register_units

    out.append(register_units)
    try:
        from zi_metrics.cli_accounts import register as register_accounts  # noqa: PLC0415

        out.append(register_accounts)
    except ImportError:
        pass
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The core commands skip importing the LKE readers (pandas, openpyxl): `evaluate` starts fast.
    parser = build_parser(with_extras=not (argv and argv[0] in CORE_COMMANDS))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:
        # A store error a command let through (a damaged file met mid-way): one line, exit 2. The
        # store is not imported for this check (``evaluate`` starts without the database engine).
        errors = sys.modules.get("zi_metrics.store.errors")
        if errors is None or not isinstance(exc, errors.StoreError):
            raise
        print(_one_line(f"{args.command}: {exc}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
