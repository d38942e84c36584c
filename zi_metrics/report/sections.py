"""The flowing content of the reports: one unit's section and the leadership summary.

Every table is a ReportLab ``LongTable`` of wrapped Paragraphs: a row is never cut (it moves
whole to the next page, its header row repeated there) and a text is never shortened. Every rule
of both predicates is listed, and every failing rule is also stated in words under "why".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, LongTable, Paragraph, Spacer, Table, TableStyle

from zi_metrics import palette
from zi_metrics.analytics import ScoredRound, area_percents, hasil_rows, rule_display_rows, stage_order
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.gaps import area_gaps, item_gaps, rules_holding_back
from zi_metrics.i18n import t
from zi_metrics.names import measure_name, predicate_name, rule_name, rules_list, stage_name
from zi_metrics.report.document import CONTENT_WIDTH, esc, fonts, para, styles
from zi_metrics.report.drawings import bar_drawing, radar_drawing
from zi_metrics.report.follow_up_section import follow_up_section

FAIL_FILL = colors.HexColor("#FBE3D6")
HEAD_FILL = colors.HexColor(palette.PRIMARY)
ITEM_GAPS = 12  # the questions worth the most points, listed in full


@dataclass(frozen=True)
class UnitReport:
    """What one unit's section needs: its name, the reported round, its other rounds and awards."""

    unit_name: str
    scored: ScoredRound
    history: Sequence[ScoredRound] = ()
    awards: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    synthetic: bool = False  # its rows are demo data: its pages carry the demo banner
    follow_ups: Any = None  # the unit's follow-ups of the year (followups.enrich), None: no section


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], *,
          failing: Sequence[bool] = (), right: Sequence[int] = (), bold_first: bool = False,
          total_width: float = CONTENT_WIDTH) -> LongTable:
    """A table that flows across pages: header repeated, rows kept whole, cells wrapped."""
    def cell(value: Any, col: int) -> Any:
        if isinstance(value, Flowable):
            return value
        if col in right and not isinstance(value, _Markup):
            return str(value)  # a number: never wraps, drawn as a string (cheap: no markup parsing)
        style = "cell_bold" if bold_first and col == 0 else "cell"
        return para(str(value) if isinstance(value, _Markup) else esc(value), style)

    head = [para(esc(h), "head_right" if col in right else "head") for col, h in enumerate(header)]
    data = [head] + [[cell(v, c) for c, v in enumerate(r)] for r in rows]
    scale = total_width / sum(widths)
    tbl = LongTable(data, colWidths=[w * scale for w in widths], repeatRows=1, splitByRow=1)
    f = fonts()
    style = [("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("FONT", (0, 1), (-1, -1), f.regular, 8, 10),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BFBFBF")),
             ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
             ("LEFTPADDING", (0, 0), (-1, -1), 3.5), ("RIGHTPADDING", (0, 0), (-1, -1), 3.5)]
    style += [("ALIGN", (col, 1), (col, -1), "RIGHT") for col in right]
    for i, bad in enumerate(failing, start=1):
        if bad:
            style.append(("BACKGROUND", (0, i), (-1, i), FAIL_FILL))
    tbl.setStyle(TableStyle(style))
    return tbl


class _Markup(str):
    """Text that is already Paragraph markup (escaped data plus tags such as the pass/fail marks)."""


def heading(text: str, level: str = "h2") -> list[Flowable]:
    """A heading that is never the last line of a page: a new page when under ~6 lines are left
    (keep-with-next would carry a long table whole to the next page instead of letting it flow)."""
    return [CondPageBreak(80 if level == "h2" else 60), para(esc(text), level)]


def _mark(passed: bool, lang: str) -> _Markup:
    f = fonts()
    symbol = f.pass_mark if passed else f.fail_mark
    colour = palette.PASS_COLOR if passed else palette.FAIL_COLOR
    word = t("result.pass" if passed else "result.fail", lang)
    return _Markup(f'<font color="{colour}">{symbol}</font> {esc(word)}')


def _headline(r: UnitReport, lang: str) -> list[Flowable]:
    s = r.scored
    card, ev, fw = s.scorecard, s.evaluation, s.framework
    predicate = predicate_name(ev.predicate, lang)
    if card.provisional:
        predicate += f" ({t('predicate.provisional', lang)})"
    comp = card.completeness
    rows = [[t("unit.total_official", lang), format_number(card.total, lang)],
            [measure_name(fw, "pengungkit", lang), f"{format_number(card.pengungkit, lang)} / "
                                                   f"{format_number(fw.pengungkit_max, lang)}"],
            [measure_name(fw, "hasil", lang),
             f"{format_number(card.hasil, lang)} / {format_number(fw.hasil_max, lang)}"],
            [t("unit.predicate", lang), predicate],
            [t("unit.completeness", lang), t("unit.completeness_value", lang, answered=comp.answered, total=comp.total,
                                             percent=format_percent(comp.ratio * 100, lang))]]
    if card.provisional and card.conservative is not None:
        rows.append([t("unit.total_conservative", lang), format_number(card.conservative.total, lang)])
    if s.held_before:
        rows.append([t("unit.held_before", lang, year=s.year), predicate_name(s.held_before, lang)])
    return [table([t("report.figure", lang), t("report.value", lang)], rows, [0.55, 0.45], bold_first=True)]


def _radar_and_areas(r: UnitReport, lang: str) -> Flowable:
    s = r.scored
    fw, card = s.framework, s.scorecard
    same_year = sorted((h for h in r.history if h.year == s.year and h.stage != s.stage),
                       key=lambda h: stage_order(h.stage))
    series = [(stage_name(x.stage, lang, short=True), area_percents(x), palette.STAGE_COLORS.get(x.stage, palette.BLUE),
               palette.STAGE_SYMBOLS.get(x.stage, "circle")) for x in [s, *same_year]]
    rings = {p.code: rd.min_percent for p in fw.predicates for rd in p.rules
             if rd.rule == "area" and rd.min_percent is not None} or {"WBK": 60.0, "WBBM": 75.0}
    radar = radar_drawing(series, list(fw.area_codes), rings, lang=lang, width=230, height=230)
    rows = []
    failing_areas = []
    wbk_min = rings.get("WBK")
    for area in fw.areas:
        a = card.areas[area.code]
        rows.append([f"{area.code} · {measure_name(fw, area.code, lang)}",
                     f"{format_number(a.score, lang)} / {format_number(a.max, lang)}", format_percent(a.percent, lang)])
        failing_areas.append(wbk_min is not None and a.percent < wbk_min - 1e-9)
    areas = table([t("col.area", lang), t("col.points", lang), t("col.percent_of_max", lang)], rows, [0.5, 0.24, 0.26],
                  failing=failing_areas, right=(1, 2), total_width=CONTENT_WIDTH - 240)
    outer = Table([[radar, areas]], colWidths=[240, CONTENT_WIDTH - 240])
    outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


def _why(r: UnitReport, lang: str) -> list[Flowable]:
    """Every failing rule of both predicates in words: the value, the bar, how far short."""
    ev, fw = r.scored.evaluation, r.scored.framework
    out: list[Flowable] = [*heading(t("report.why", lang))]
    for pred in ("WBK", "WBBM"):
        name = predicate_name(pred, lang)
        rows = rule_display_rows(fw, ev, pred, lang)
        failing = rows[~rows["passed"]]
        if failing.empty:
            mark = f'<font color="{palette.PASS_COLOR}">{fonts().pass_mark}</font>'
            out.append(para(f"{mark} {esc(t('report.all_rules_met', lang, predicate=name))}", "body"))
            continue
        out.extend(heading(t("report.rules_failing", lang, predicate=name, count=len(failing)), "h3"))
        for row in failing.itertuples(index=False):
            line = t("report.failing_line", lang, rule=row.label, value=row.value, threshold=row.threshold)
            if row.gap and row.gap != "–":
                line += f" — {row.gap}"
            out.append(Paragraph(esc(line), styles()["bullet"], bulletText="•"))
    return out


def _rules(r: UnitReport, lang: str) -> list[Flowable]:
    ev, fw = r.scored.evaluation, r.scored.framework
    wbk = rule_display_rows(fw, ev, "WBK", lang).set_index("rule")
    wbbm = rule_display_rows(fw, ev, "WBBM", lang).set_index("rule")
    order = list(dict.fromkeys([*wbk.index, *wbbm.index]))
    rows, failing = [], []

    def verdict(frame: Any, rule: str) -> Any:
        if rule not in frame.index:
            return "–"
        mark = _mark(bool(frame.at[rule, "passed"]), lang)
        gap = frame.at[rule, "gap"]
        return _Markup(mark + (f"<br/>{esc(gap)}" if gap and gap != "–" else ""))

    for rule in order:
        src = wbk if rule in wbk.index else wbbm
        rows.append([src.at[rule, "label"], src.at[rule, "value"],
                     wbk.at[rule, "threshold"] if rule in wbk.index else "–", verdict(wbk, rule),
                     wbbm.at[rule, "threshold"] if rule in wbbm.index else "–", verdict(wbbm, rule)])
        failing.append((rule in wbk.index and not wbk.at[rule, "passed"])
                       or (rule in wbbm.index and not wbbm.at[rule, "passed"]))
    header = [t("report.rule", lang), t("report.value", lang), t("report.threshold_of", lang, predicate="WBK"),
              predicate_name("WBK", lang), t("report.threshold_of", lang, predicate="WBBM"),
              predicate_name("WBBM", lang)]
    return [*heading(t("unit.section.rules", lang)),
            table(header, rows, [0.3, 0.11, 0.1, 0.19, 0.1, 0.2], failing=failing, right=(1, 2, 4)),
            para(esc(t("report.rules_note", lang)), "note")]


def _hasil(r: UnitReport, lang: str) -> list[Flowable]:
    fw = r.scored.framework
    rows = []
    for h in hasil_rows(r.scored):
        value = h["input"]
        if value is None:
            shown = t("unit.hasil_missing", lang)
        elif isinstance(value, str):
            shown = value
        elif h["kind"] == "percent":
            shown = format_percent(value, lang)
        else:
            shown = format_number(value, lang)
        rows.append([measure_name(fw, h["component"], lang), measure_name(fw, h["code"], lang), shown,
                     f"{format_number(h['points'], lang)} / {format_number(h['max'], lang)}"])
    return [*heading(t("unit.section.hasil", lang)),
            table([t("col.component", lang), t("report.measure", lang), t("col.input", lang), t("col.points", lang)],
                  rows, [0.3, 0.36, 0.14, 0.2], right=(2, 3))]


def _gaps(r: UnitReport, lang: str) -> list[Flowable]:
    fw, card = r.scored.framework, r.scored.scorecard
    out: list[Flowable] = [*heading(t("report.gaps", lang))]
    gaps = area_gaps(fw, card)
    preds = [p for p in ("WBK", "WBBM") if gaps and p in gaps[0].need]
    if preds:
        rows = [[f"{g.code} · {measure_name(fw, g.code, lang)}", format_number(g.score, lang),
                 format_number(g.max, lang), format_percent(g.percent, lang),
                 *[format_number(g.need[p], lang) if g.need[p] > 0 else "–" for p in preds]] for g in gaps]
        out.append(table([t("col.area", lang), t("col.points", lang), t("col.max", lang), t("col.percent_of_max", lang),
                          *[t("gaps.need_col", lang, predicate=predicate_name(p, lang)) for p in preds]],
                         rows, [0.31, 0.09, 0.13, 0.13, 0.17, 0.17][:4 + len(preds)],
                         failing=[g.need.get("WBK", 0) > 0 for g in gaps], right=(1, 2, 3, 4, 5)))
    else:
        out.append(para(esc(t("gaps.no_area_minimum", lang, framework=fw.name)), "body"))
    if card.source != "answers":
        out.append(para(esc(t("gaps.no_answers", lang)), "note"))
        return out
    items = [g for g in item_gaps(card) if g.gain > 0][:ITEM_GAPS]
    out.extend(heading(t("report.item_gaps", lang, count=len(items)), "h3"))
    if not items:
        out.append(para(esc(t("gaps.no_item_gain", lang)), "body"))
        return out
    rows = []
    for g in items:
        answers = [_answer(card.answers[q], lang) for q in g.questions if card.answers.get(q) is not None]
        rows.append([f"{g.sub_area} · {g.sub_area_name}",
                     f"{g.name} (Q{', Q'.join(str(q) for q in g.questions)})",
                     ", ".join(answers) if answers else t("report.unanswered", lang),
                     "+" + format_number(g.gain, lang)])
    out.append(table([t("col.sub_area", lang), t("col.question", lang), t("col.answer", lang), t("col.gain", lang)],
                     rows, [0.24, 0.5, 0.12, 0.14], right=(3,)))
    out.append(para(esc(t("gaps.item_caption", lang)), "note"))
    return out


def _answer(value: Any, lang: str) -> str:
    """A stored answer as shown: an option as itself, a count or value in the language's format."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, lang, 0 if float(value).is_integer() else 2)
    return str(value)


def _short_framework(name: str) -> str:
    """``PermenPANRB 90/2021`` of ``PermenPANRB 90/2021 (Tabel 5 sebagaimana diubah ...)``."""
    return name.split(" (", 1)[0]


def _history(r: UnitReport, lang: str) -> list[Flowable]:
    rounds = sorted(r.history or [r.scored], key=lambda x: (x.year, stage_order(x.stage)))
    awards: dict[int, list[str]] = {}
    for a in r.awards:
        status = "revoked" if a.get("revoked") else "earned"
        awards.setdefault(int(a["year"]), []).append(
            f"{predicate_name(a['predicate'], lang)}: {t('status.' + status, lang)}")
    rows = [[str(x.year), stage_name(x.stage, lang, short=True), _short_framework(x.framework.name),
             format_number(x.scorecard.total, lang), predicate_name(x.evaluation.predicate, lang),
             "; ".join(awards.get(x.year, [])) or "–"] for x in rounds]
    current = [(x.year, x.stage) == (r.scored.year, r.scored.stage) for x in rounds]
    tbl = table([t("col.year", lang), t("col.stage", lang), t("report.framework", lang), t("col.total", lang),
                 t("col.predicate", lang), t("report.award", lang)], rows, [0.08, 0.12, 0.2, 0.1, 0.2, 0.3],
                right=(3,))
    tbl.setStyle(TableStyle([("BACKGROUND", (0, i), (-1, i), colors.HexColor("#E8F1FA"))
                             for i, c in enumerate(current, start=1) if c]))
    return [*heading(t("report.history", lang)), tbl,
            para(esc(t("report.history_note", lang)), "note")]


def unit_section(r: UnitReport, lang: str) -> list[Flowable]:
    """One unit: title, headline, radar with the areas, why it fails, every rule of both
    predicates, hasil, gaps (areas and the questions worth the most), and its history."""
    s = r.scored
    title = [para(esc(r.unit_name), "title"),
             para(esc(t("report.subtitle", lang, year=s.year, stage=stage_name(s.stage, lang),
                        framework=s.framework.name)), "subtitle")]
    story: list[Flowable] = [KeepTogether(title + _headline(r, lang)), Spacer(1, 8),
                             _radar_and_areas(r, lang)]
    story += _why(r, lang)
    story += _rules(r, lang)
    story += _hasil(r, lang)
    story += _gaps(r, lang)
    story += follow_up_section(r.follow_ups, s.year, lang)
    story += _history(r, lang)
    return story


def _target(s: ScoredRound) -> str | None:
    """The predicate a unit works toward next (None: it meets Menuju WBBM)."""
    return {None: "WBK", "WBK": "WBBM"}.get(s.evaluation.predicate)


def leadership_summary(reports: Sequence[UnitReport], *, year: int, stage: str, lang: str,
                       sections: int) -> list[Flowable]:
    """The first pages for the leadership: headline counts, the rules holding units back, and every
    unit ranked with what it still fails for its next predicate."""
    ranked = sorted(reports, key=lambda r: (-r.scored.scorecard.total, r.unit_name))
    n = len(ranked)
    wbk = sum(r.scored.evaluation.predicate in ("WBK", "WBBM") for r in ranked)
    wbbm = sum(r.scored.evaluation.predicate == "WBBM" for r in ranked)
    incomplete = sum(r.scored.scorecard.provisional for r in ranked)
    average = sum(r.scored.scorecard.total for r in ranked) / n if n else None
    story: list[Flowable] = [
        para(esc(t("report.leadership.title", lang, year=year, stage=stage_name(stage, lang))), "title"),
        para(esc(t("report.leadership.subtitle", lang, count=n)), "subtitle"),
        table([t("report.figure", lang), t("report.value", lang)],
              [[t("overview.units", lang), format_number(n, lang, 0)],
               [t("overview.meet_wbk", lang), format_number(wbk, lang, 0)],
               [t("overview.meet_wbbm", lang), format_number(wbbm, lang, 0)],
               [t("overview.average_total", lang), format_number(average, lang)],
               [t("overview.incomplete", lang), format_number(incomplete, lang, 0)]], [0.6, 0.4], right=(1,),
              bold_first=True)]
    fw = ranked[0].scored.framework if ranked else None
    if fw is not None:
        counts = rules_holding_back([r.scored.evaluation for r in ranked if r.scored.framework.id == fw.id], "WBK")
        bars = sorted(((rule_name(fw, rule, lang), c) for rule, c in counts.items() if c > 0), key=lambda x: -x[1])
        story.extend(heading(t("report.leadership.holding_back", lang, predicate=predicate_name("WBK", lang))))
        if bars:
            story.append(bar_drawing(bars, lang=lang, width=CONTENT_WIDTH, label_width=CONTENT_WIDTH * 0.5))
        else:
            story.append(para(esc(t("report.all_rules_met", lang, predicate=predicate_name("WBK", lang))), "body"))
    rows, failing = [], []
    for rank, r in enumerate(ranked, start=1):
        s = r.scored
        target = _target(s)
        missing = [x.rule for x in s.evaluation.failing(target)] if target else []
        rows.append([str(rank), r.unit_name, format_number(s.scorecard.total, lang),
                     predicate_name(s.evaluation.predicate, lang)
                     + (f" ({t('present.provisional', lang)})" if s.scorecard.provisional else ""),
                     f"{predicate_name(target, lang)}: {rules_list(s.framework, missing, lang)}" if target else "–"])
        failing.append(s.evaluation.predicate is None)
    story += [*heading(t("report.leadership.ranking", lang)),
              table(["#", t("col.unit", lang), t("col.total", lang), t("col.predicate", lang),
                     t("report.leadership.still_failing", lang)], rows, [0.05, 0.33, 0.09, 0.16, 0.37],
                    failing=failing, right=(0, 2))]
    if sections < n:
        story.append(para(esc(t("report.leadership.capped", lang, shown=sections, total=n)), "note"))
    return story


__all__ = ["UnitReport", "leadership_summary", "table", "unit_section"]
