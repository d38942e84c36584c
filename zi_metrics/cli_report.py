"""``python -m zi_metrics export-report``: a unit's A4 PDF report (radar, rules, gaps, history)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_export_report(args: argparse.Namespace) -> int:
    from zi_metrics import analytics
    from zi_metrics.report import unit_report_pdf
    from zi_metrics.store import StoreError, open_store

    try:
        store = open_store(args.db)
        unit = store.get_unit(args.unit)
        rounds = analytics.unit_rounds(store, args.unit)
        scored = analytics.round_for(rounds, args.year, args.stage)
        if scored is None:
            print(f"export-report: {args.unit} has no {args.stage} round in {args.year}", file=sys.stderr)
            return 2
        pdf = unit_report_pdf(scored, rounds, unit.name, awards=store.awards(args.unit), lang=args.lang,
                              synthetic=store.dataset_kind() == "demo")
    except StoreError as exc:
        print(f"export-report: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # kaleido without Chromium
        print(f"export-report: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(pdf)
    print(f"wrote {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-report", help="a unit's one-page A4 PDF report")
    p.add_argument("--unit", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--stage", choices=("mandiri", "tpi", "tpn"), required=True)
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--out", required=True, help="the .pdf file to write")
    p.add_argument("--db", help="database path (default: $ZI_DB_PATH or data/zi.duckdb)")
    p.set_defaults(func=_cmd_export_report)
