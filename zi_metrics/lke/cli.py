"""LKE commands of ``python -m zi_metrics`` (registered by zi_metrics.__main__ when present).

* ``score-lke FILE``: read any supported upload and print the ``evaluate`` JSON of what it holds,
  plus ``layout`` and ``problems``; writes nothing.
* ``import FILE --unit ID --year YYYY --stage S [--db PATH]``: store it in one transaction.
* ``export-recap``, ``export-lke``, ``export-payload``: write a round's recap workbook, a unit's
  LKE in the Lampiran III layout, or a unit's PortalRB payload.
* ``recap-template --out FILE.xlsx|FILE.csv``: an empty recap to fill in.

Bad input exits 2 with one line on stderr; success prints JSON or one line on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zi_metrics.lke.common import STAGES


def _line(text: str) -> str:
    """One line of bounded length: a file name or a cell echoed in a message may hold line breaks,
    control characters or megabytes (zi_metrics.quoting)."""
    from zi_metrics.quoting import one_line

    return one_line(text)


def _fail(command: str, message: str) -> int:
    print(_line(f"{command}: {message}"), file=sys.stderr)
    return 2


def _fail_all(command: str, problems: list[Any]) -> int:
    """Every blocking problem, one line each (a file with three wrong cells shows all three)."""
    for p in [p for p in problems if p.fatal] or problems[:1]:
        print(_line(f"{command}: {p}"), file=sys.stderr)
    return 2


def _store(args: argparse.Namespace) -> Any:
    from zi_metrics.store import Store, default_location

    return Store(args.db or default_location())


def _unusable(store: Any, hint: str = "") -> str | None:
    """Why the database cannot be used (missing, or its server unreachable), or None."""
    from zi_metrics.store import StoreError

    try:
        return None if store.exists() else store.missing_message() + hint
    except StoreError as exc:
        return str(exc)


def _write(path: str, data: bytes) -> None:
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def _inputs(command: str, paths: list[str]) -> tuple[list[str], bool]:
    """The files to read: each file named, and the workbooks, payloads and recaps of each folder
    named; Excel's lock files (``~$name.xlsx``) in a folder or among several files are skipped,
    with a note. (A lock file named alone is read, and refused clearly.)"""
    from zi_metrics.lke.common import collect_files

    files, skipped = collect_files(paths)
    for path in skipped:
        print(_line(f"{command}: skipped {Path(path).name}: Excel's lock file, not a workbook"), file=sys.stderr)
    return files, len(paths) > 1 or any(Path(p).is_dir() for p in paths)


def cmd_score_lke(args: argparse.Namespace) -> int:
    from zi_metrics.lke.reader import dumps, read_file, score_document

    files, many = _inputs("score-lke", args.file)
    if not many:
        parsed = read_file(files[0] if files else args.file[0], framework_id=args.framework)
        if parsed.fatal:
            return _fail_all("score-lke", parsed.problems)
        sys.stdout.write(dumps(score_document(parsed, holds_wbk=args.holds_wbk)))
        return 0
    docs, failed = [], False
    for path in files:
        parsed = read_file(path, framework_id=args.framework)
        if parsed.fatal:
            failed = True
            _fail_all(f"score-lke: {Path(path).name}", parsed.problems)
            docs.append({"file": path, "fatal": True, "problems": [p.to_dict() for p in parsed.problems]})
        else:
            docs.append({"file": path, **score_document(parsed, holds_wbk=args.holds_wbk)})
    sys.stdout.write(dumps({"files": docs}))
    return 2 if failed or not files else 0


def cmd_import(args: argparse.Namespace) -> int:
    from zi_metrics.lke.importer import import_file
    from zi_metrics.store import StoreError

    store = _store(args)
    if (why := _unusable(store, "; create it with init-db")) is not None:
        return _fail("import", why)
    files, many = _inputs("import", args.file)
    if not many:
        files = files or args.file[:1]
    failed = not files
    for path in files:
        command = f"import: {Path(path).name}" if many else "import"
        try:
            result = import_file(store, path, actor=args.actor, unit_id=args.unit, year=args.year,
                                 stage=args.stage, framework_id=args.framework)
        except StoreError as exc:
            _fail(command, str(exc))
            failed = True
            continue
        if result.fatal:
            _fail_all(command, result.problems)
            failed = True
            continue
        for p in result.problems:
            print(_line(f"warning: {p}"), file=sys.stderr)
        print(result.summary())
    return 2 if failed else 0


def _export(command: str, args: argparse.Namespace, make: Any) -> int:
    from zi_metrics.lke.export import ExportError
    from zi_metrics.store import StoreError

    store = _store(args)
    if (why := _unusable(store)) is not None:
        return _fail(command, why)
    try:
        data = make(store)
        _write(args.out, data)
    except (ExportError, StoreError) as exc:
        return _fail(command, str(exc))
    except OSError as exc:
        return _fail(command, f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"wrote {args.out}")
    return 0


def _refuse_extension(command: str, out: str, allowed: tuple[str, ...]) -> int | None:
    """Exit 2 with one line when ``out`` does not end with an extension this command writes (a
    workbook named ``.csv`` would open as garbage)."""
    name = Path(out).name
    suffix = Path(out).suffix.casefold().lstrip(".")
    if suffix in allowed:
        return None
    from zi_metrics.quoting import shown

    asked = f"a .{shown(suffix, 20)} file" if suffix else "a file without an extension"
    return _fail(command, f"cannot write {asked} ({shown(name)}): {command} writes "
                          + " or ".join(f".{a}" for a in allowed))


def cmd_export_recap(args: argparse.Namespace) -> int:
    from zi_metrics.lke.export import RECAP_FORMATS, export_recap, recap_format

    refused = _refuse_extension("export-recap", args.out, RECAP_FORMATS)
    if refused is not None:
        return refused
    fmt = recap_format(args.out) or "xlsx"
    return _export("export-recap", args, lambda store: export_recap(store, args.year, args.stage, args.lang, fmt))


def cmd_export_lke(args: argparse.Namespace) -> int:
    from zi_metrics.lke.export import export_lke

    refused = _refuse_extension("export-lke", args.out, ("xlsx",))
    if refused is not None:
        return refused
    return _export("export-lke", args, lambda store: export_lke(store, args.unit, args.year, args.stage))


def cmd_export_payload(args: argparse.Namespace) -> int:
    from zi_metrics.lke.export import export_payload
    from zi_metrics.lke.payload import dump_payload

    refused = _refuse_extension("export-payload", args.out, ("json",))
    if refused is not None:
        return refused
    return _export("export-payload", args,
                   lambda store: dump_payload(export_payload(store, args.unit, args.year)).encode("utf-8"))


def cmd_recap_template(args: argparse.Namespace) -> int:
    from zi_metrics.lke.recap import recap_template

    fmt = "csv" if args.out.casefold().endswith(".csv") else "xlsx"
    try:
        _write(args.out, recap_template(fmt))
    except OSError as exc:
        return _fail("recap-template", f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"wrote {args.out}")
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


def register(subparsers: Any) -> None:
    """Add the LKE commands to the CLI's subparsers."""
    from zi_metrics.__main__ import DB_HELP as db_help

    p = subparsers.add_parser("score-lke", help="score an LKE file (Lampiran III, PortalRB Jawaban or "
                                                "payload, recap) without storing it")
    p.add_argument("file", nargs="+", help="the .xlsx, .xls, .ods, .json or .csv file(s), or folders of them")
    p.add_argument("--framework", help="framework id (default: recognised from the file)")
    p.add_argument("--holds-wbk", action="store_true", help="the unit already holds Menuju WBK")
    p.set_defaults(func=cmd_score_lke)

    p = subparsers.add_parser("import", help="store an LKE file or a recap (one transaction)")
    p.add_argument("file", nargs="+", help="the .xlsx, .xls, .ods, .json or .csv file(s), or folders of them "
                                           "(each file in its own transaction)")
    p.add_argument("--unit", help="unit id (required except for a recap, whose rows name their units)")
    p.add_argument("--year", type=_year, help="evaluation year (required except for a recap)")
    p.add_argument("--stage", choices=STAGES, help=f"{', '.join(STAGES)} (required for a Lampiran III "
                                                   "workbook; a PortalRB or agency export gives a round per assessor)")
    p.add_argument("--framework", help="framework id (default: recognised from the file)")
    p.add_argument("--actor", default="cli", help="who imports (written to the audit log)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser("export-recap", help="write the recap of a round: a workbook (.xlsx) or data (.csv)")
    p.add_argument("--year", type=_year, required=True)
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--lang", choices=("id", "en"), default="id",
                   help="language of headers and rule names (CSV: id uses ';' and decimal commas, en ',' and points)")
    p.add_argument("--out", required=True, help="the file to write: .xlsx (the report workbook) or .csv (the "
                                                "recap's data, importable again)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_export_recap)

    p = subparsers.add_parser("export-lke", help="write a unit's LKE in the Lampiran III layout")
    p.add_argument("--unit", required=True)
    p.add_argument("--year", type=_year, required=True)
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_export_lke)

    p = subparsers.add_parser("export-payload", help="write a unit's PortalRB answer payload (mandiri + tpi)")
    p.add_argument("--unit", required=True)
    p.add_argument("--year", type=_year, required=True)
    p.add_argument("--out", required=True, help="the .json file to write")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_export_payload)

    p = subparsers.add_parser("recap-template", help="write an empty recap to fill in (.xlsx or .csv)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_recap_template)
