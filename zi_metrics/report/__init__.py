"""PDF reports: one unit's report, and the leadership's report of many units.

Built with ReportLab's document layer (platypus). Why ReportLab:

* tables flow across pages by themselves (``LongTable``: a row moves whole to the next page and
  the header row is repeated there), so a failing unit's report holds every rule of both
  predicates and every question however long, instead of a fixed-size page that clips;
* it draws charts natively as PDF vector paths (``reportlab.graphics``): the radar needs no
  browser. The former report printed a Plotly figure through kaleido, which starts a Chromium
  process and takes seconds per image; WeasyPrint would flow HTML well but still needs the
  charts as images from somewhere (and brings Pango/cairo system libraries);
* it writes the PDF's metadata (title, author, subject, language) and embeds a TrueType font,
  so Indonesian text and the marks "≥", "–", "✓", "✗" print the same everywhere.

The pieces: :mod:`zi_metrics.report.document` (fonts, styles, A4 pages, the demo banner on every
page, page x of y, metadata), :mod:`zi_metrics.report.drawings` (radar and bars as vector
drawings), :mod:`zi_metrics.report.sections` (the unit section and the leadership summary).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reportlab.platypus import PageBreak

from zi_metrics.analytics import ScoredRound
from zi_metrics.i18n import t
from zi_metrics.names import stage_name
from zi_metrics.report.document import Banner, build_pdf
from zi_metrics.report.sections import UnitReport, leadership_summary, unit_section

#: unit sections in one leadership report at most (the summary table always lists every unit)
MAX_SECTIONS = 100


def unit_report_pdf(scored: ScoredRound, history: Sequence[ScoredRound], unit_name: str, *,
                    awards: Sequence[Mapping[str, Any]] = (), lang: str = "id", synthetic: bool = False,
                    follow_ups: Any = None) -> bytes:
    """One unit's report for the round ``scored`` as A4 PDF bytes; ``follow_ups`` (the unit's
    follow-ups of the year, :func:`zi_metrics.followups.enrich` ed) adds the Tindak lanjut section."""
    report = UnitReport(unit_name, scored, tuple(history), tuple(awards), follow_ups=follow_ups)
    stage = stage_name(scored.stage, lang)
    return build_pdf(
        unit_section(report, lang),
        title=t("report.pdf_title", lang, unit=unit_name, year=scored.year, stage=stage),
        subject=t("report.pdf_subject", lang), lang=lang,
        banner=t("app.demo_banner", lang) if synthetic else None,
        running_title=f"{unit_name} · {scored.year} · {stage}",
        keywords=["Zona Integritas", "WBK", "WBBM", scored.framework.name])


def leadership_report_pdf(reports: Sequence[UnitReport], *, year: int, stage: str, lang: str = "id",
                          synthetic: bool = False, max_sections: int = MAX_SECTIONS) -> bytes:
    """The leadership's report of a round: a summary (headline counts, the rules holding units
    back, every unit ranked with what it still fails), then one section per unit in rank order
    (the first ``max_sections``; the summary says when there are more). The demo banner is on
    the summary's pages when any unit is demo data and on the sections of the demo units
    (``synthetic``: on every page)."""
    ranked = sorted(reports, key=lambda r: (-r.scored.scorecard.total, r.unit_name))
    shown = ranked[:max_sections]
    warning = t("app.demo_banner", lang)
    any_demo = synthetic or any(r.synthetic for r in ranked)
    story: list[Any] = [Banner(warning if any_demo else None),
                        *leadership_summary(ranked, year=year, stage=stage, lang=lang, sections=len(shown))]
    for r in shown:
        story += [PageBreak(), Banner(warning if synthetic or r.synthetic else None), *unit_section(r, lang)]
    stage_text = stage_name(stage, lang)
    return build_pdf(
        story, title=t("report.leadership.title", lang, year=year, stage=stage_text),
        subject=t("report.leadership.pdf_subject", lang, count=len(ranked)), lang=lang,
        banner=warning if any_demo else None, per_section=True,
        running_title=t("report.leadership.title", lang, year=year, stage=stage_text),
        keywords=["Zona Integritas", "WBK", "WBBM"])


def round_reports(store: Any, year: int, stage: str, unit_ids: Sequence[str] | None = None, *,
                  with_history: int = MAX_SECTIONS,
                  rounds_of: Callable[[str], Sequence[ScoredRound]] | None = None) -> list[UnitReport]:
    """The :class:`UnitReport` of every unit evaluated in ``year`` at ``stage`` (or of ``unit_ids``),
    ranked by total; the first ``with_history`` carry their other rounds and awards (the sections
    a leadership report prints), the rest only the round itself (its summary row). ``rounds_of``
    gives a unit's scored rounds (default ``analytics.unit_rounds``; the app passes its cache)."""
    from zi_metrics import analytics

    rounds_of = rounds_of or (lambda unit_id: analytics.unit_rounds(store, unit_id))

    units = analytics.units_by_id(store)
    wanted = None if unit_ids is None else set(unit_ids)
    scored = [s for s in analytics.score_round(store, year, stage) if wanted is None or s.unit_id in wanted]

    def name(s: ScoredRound) -> str:
        return str(units.get(s.unit_id, {}).get("name", s.unit_id))

    scored.sort(key=lambda s: (-s.scorecard.total, name(s)))
    rows = store.demo_rows()

    def demo(unit_id: str) -> bool:
        """Whether the unit's section shows a demo row (its unit, or any of its rounds)."""
        return rows.shown(unit_id=unit_id)

    out = []
    for k, s in enumerate(scored):
        if k < with_history:
            history = list(rounds_of(s.unit_id))
            current = analytics.round_for(history, year, stage) or s
            out.append(UnitReport(name(s), current, tuple(history), tuple(store.awards(s.unit_id)),
                                  demo(s.unit_id)))
        else:
            out.append(UnitReport(name(s), s, synthetic=demo(s.unit_id)))
    return out


__all__ = ["MAX_SECTIONS", "UnitReport", "leadership_report_pdf", "round_reports", "unit_report_pdf"]
