"""Registry and stored-round commands of ``python -m zi_metrics``:

* ``units [--format table|csv|json]``: every registered unit (id, name, parent, level), in
  hierarchy order; ``--format csv`` is a units file that ``import-units`` reads back unchanged;
* ``import-units FILE [--year YYYY]``: load a units CSV/XLSX (one transaction; a second import of
  the same file writes nothing);
* ``add-unit --id ID --name NAME [--parent ID] [--level L] ...``: register one unit;
* ``show --unit ID --year YYYY --stage S``: a stored round in the JSON of ``score-lke``.

Bad input exits 2 and prints every blocking problem, one per line on stderr, each naming its line
and column (or option); nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from zi_metrics.stages import STAGES

_LINE_BREAKS = str.maketrans(dict.fromkeys("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029", " "))
from zi_metrics.__main__ import DB_HELP  # noqa: E402


def _say(command: str, message: str) -> None:
    from zi_metrics.quoting import one_line

    print(one_line(f"{command}: {message}"), file=sys.stderr)


def _fail(command: str, message: str) -> int:
    _say(command, message)
    return 2


def _store(command: str, args: argparse.Namespace) -> Any:
    """The migrated store, or None after printing why not (missing file, not a ZI database)."""
    from zi_metrics.store import Store, StoreError, default_location

    store = Store(args.db or default_location())
    try:
        if not store.exists():
            _say(command, f"{store.missing_message()}; create it with init-db")
            return None
        store.migrate()
    except StoreError as exc:
        _say(command, str(exc))
        return None
    return store


def _report(command: str, plan: Any, result: Any) -> int:
    for p in plan.warnings:
        _say(command, f"warning: {p.message('en')}")
    blocking = [p for p in result.problems if p.fatal]
    if blocking:
        for p in blocking:
            _say(command, p.message("en"))
        _say(command, "nothing was written")
        return 2
    print(result.summary())
    return 0


def cmd_units(args: argparse.Namespace) -> int:
    from zi_metrics.store import StoreError
    from zi_metrics.units_file import unit_tree, units_csv

    store = _store("units", args)
    if store is None:
        return 2
    try:
        units = store.list_units()
        demo = store.demo_rows().units
    except StoreError as exc:
        return _fail("units", str(exc))
    if args.format == "csv":
        sys.stdout.write(units_csv(units))
        return 0
    tree = unit_tree(units)
    if args.format == "json":
        rows = [{"id": i.unit.id, "name": i.unit.name, "parent_id": i.unit.parent_id, "level": i.unit.level,
                 "short_name": i.unit.short_name, "instansi_kind": i.unit.instansi_kind,
                 "afirmasi": i.unit.afirmasi, "demo": i.unit.id in demo} for i in tree]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not tree:
        print(f"no units registered in {store.location}; add them with import-units or add-unit")
        return 0
    header = ("id", "name", "parent", "level")
    def name(item: Any) -> str:
        return "  " * item.depth + item.unit.name.translate(_LINE_BREAKS) + (" (demo)" if item.unit.id in demo else "")

    rows_t = [(i.unit.id, name(i), i.unit.parent_id or "-", i.unit.level) for i in tree]
    widths = [max(len(r[c]) for r in [header, *rows_t]) for c in range(3)]
    for r in [header, *rows_t]:
        print("  ".join(v.ljust(widths[c]) for c, v in enumerate(r[:3])) + "  " + r[3])
    print(f"{len(tree)} unit(s)" + (f", {len(demo)} of them synthetic demo units" if demo else ""))
    return 0


def cmd_import_units(args: argparse.Namespace) -> int:
    from zi_metrics.registry import plan_units_file, save_plan

    store = _store("import-units", args)
    if store is None:
        return 2
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return _fail("import-units", f"cannot read {args.file}: {exc.strerror or exc}")
    from pathlib import Path

    plan = plan_units_file(store, data, Path(args.file).name, year=args.year)
    return _report("import-units", plan, save_plan(store, plan, actor=args.actor))


def cmd_add_unit(args: argparse.Namespace) -> int:
    from zi_metrics.registry import plan_unit, save_plan

    store = _store("add-unit", args)
    if store is None:
        return 2
    values = {"id": args.id, "name": args.name, "parent_id": args.parent, "level": args.level,
              "short_name": args.short_name, "instansi_kind": args.instansi_kind, "afirmasi": args.afirmasi}
    plan = plan_unit(store, {k: v for k, v in values.items() if v is not None})
    return _report("add-unit", plan, save_plan(store, plan, actor=args.actor, action="add_unit"))


def cmd_show(args: argparse.Namespace) -> int:
    from zi_metrics.store import StoreError
    from zi_metrics.stored_round import UnknownRoundError, show_document

    store = _store("show", args)
    if store is None:
        return 2
    try:
        doc = show_document(store, args.unit, args.year, args.stage)
    except (UnknownRoundError, StoreError) as exc:
        return _fail("show", str(exc))
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    return 0


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        from zi_metrics.quoting import quoted

        raise argparse.ArgumentTypeError(f"not a year: {quoted(text)}") from None
    if not 2000 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"year {value} is outside 2000-2100")
    return value


def register(sub: Any) -> None:
    """Add the registry commands and ``show`` to the CLI's subparsers."""
    p = sub.add_parser("units", help="list the registered units (id, name, parent, level)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="table (default), csv (a units file import-units reads back) or json")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("import-units", help="register units from a CSV or XLSX file (one transaction)")
    p.add_argument("file", help="the .csv or .xlsx file: columns id, name, parent_id, level [, short_name, "
                                "instansi_kind, afirmasi, year and prerequisite facts]")
    p.add_argument("--year", type=_year, help="year of the prerequisite facts when the file has no year column")
    p.add_argument("--actor", default="cli", help="who imports (written to the audit log)")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=cmd_import_units)

    p = sub.add_parser("add-unit", help="register one unit")
    p.add_argument("--id", required=True, help="the unit's id, a slug such as kemendesa-itjen")
    p.add_argument("--name", required=True, help="the unit's full name")
    p.add_argument("--parent", help="the parent unit's id (none for an instansi)")
    p.add_argument("--level", help="instansi, eselon1, eselon2 or satker (default: the level under the parent's)")
    p.add_argument("--short-name", help="a short name for tables and charts")
    p.add_argument("--instansi-kind", help="kementerian_lembaga or pemerintah_daerah (default: the parent's)")
    p.add_argument("--afirmasi", help="ya/tidak: a local-government service unit proposed under afirmasi")
    p.add_argument("--actor", default="cli", help="who adds it (written to the audit log)")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=cmd_add_unit)

    p = sub.add_parser("show", help="print a stored round in the JSON format of score-lke")
    p.add_argument("--unit", required=True)
    p.add_argument("--year", type=_year, required=True)
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=cmd_show)
