"""PDF reports from the command line.

* ``export-report``: one unit's A4 report (radar, every rule of both predicates, why it falls
  short, hasil, gaps, history).
* ``export-leadership-report``: the leadership's report of a round: a summary (headline counts,
  the rules holding units back, every unit ranked) and one section per unit.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from zi_metrics.__main__ import DB_HELP
from zi_metrics.stages import STAGES


def _write(command: str, out: str, pdf: bytes, started: float, lang: str, pages_hint: str = "") -> int:
    from zi_metrics.formatting import format_number

    try:
        Path(out).write_bytes(pdf)
    except OSError as exc:
        print(f"{command}: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    seconds = format_number(time.perf_counter() - started, lang, 1)  # the report's language, its format
    print(f"wrote {out} ({format_number(len(pdf) / 1024, lang, 0)} KiB{pages_hint}, {seconds} s)")
    return 0


def _cmd_export_report(args: argparse.Namespace) -> int:
    from zi_metrics import analytics
    from zi_metrics.report import unit_report_pdf
    from zi_metrics.store import StoreError, open_store

    started = time.perf_counter()
    try:
        store = open_store(args.db)
        unit = store.get_unit(args.unit)
        rounds = analytics.unit_rounds(store, args.unit)
        scored = analytics.round_for(rounds, args.year, args.stage)
        if scored is None:
            print(f"export-report: {args.unit} has no {args.stage} round in {args.year}", file=sys.stderr)
            return 2
        pdf = unit_report_pdf(scored, rounds, unit.name, awards=store.awards(args.unit), lang=args.lang,
                              synthetic=store.shows_demo(unit_id=args.unit))
    except StoreError as exc:
        print(f"export-report: {exc}", file=sys.stderr)
        return 2
    return _write("export-report", args.out, pdf, started, args.lang)


def _cmd_export_leadership_report(args: argparse.Namespace) -> int:
    from zi_metrics.report import leadership_report_pdf, round_reports
    from zi_metrics.store import StoreError, open_store

    started = time.perf_counter()
    units = [u.strip() for u in (args.units or "").split(",") if u.strip()] or None
    try:
        store = open_store(args.db)
        for unit_id in units or ():
            store.get_unit(unit_id)  # an unknown unit is an error, not an empty report
        reports = round_reports(store, args.year, args.stage, units, with_history=args.max_sections)
        if not reports:
            print(f"export-leadership-report: no evaluation stored for {args.year} {args.stage}"
                  + (f" among {', '.join(units)}" if units else ""), file=sys.stderr)
            return 2
        pdf = leadership_report_pdf(reports, year=args.year, stage=args.stage, lang=args.lang,
                                    # the demo banner on the pages of demo units (round_reports marks them)
                                    max_sections=max(args.max_sections, 0))
    except StoreError as exc:
        print(f"export-leadership-report: {exc}", file=sys.stderr)
        return 2
    return _write("export-leadership-report", args.out, pdf, started, args.lang, f", {len(reports)} units")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-report", help="a unit's A4 PDF report")
    p.add_argument("--unit", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--out", required=True, help="the .pdf file to write")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=_cmd_export_report)

    p = sub.add_parser("export-leadership-report",
                       help="the leadership's PDF report of a round: summary, ranking, one section per unit")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--units", help="comma-separated unit ids (default: every unit evaluated in the round)")
    p.add_argument("--max-sections", type=int, default=100,
                   help="unit sections at most, in rank order (the summary lists every unit; default 100)")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--out", required=True, help="the .pdf file to write")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=_cmd_export_leadership_report)
