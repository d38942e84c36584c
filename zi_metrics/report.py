"""A unit's report on one A4 page (PDF): radar, rule table, gaps and history.

The page is one Plotly figure laid out at A4 proportions (794 x 1123 CSS pixels, which is
210 x 297 mm at 96 dpi) and printed to PDF through kaleido, so the report uses the same chart
builders, palette and number formatting as the dashboard.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zi_metrics import palette
from zi_metrics.analytics import ScoredRound, area_percents, rule_display_rows
from zi_metrics.charts import figure_to_image, radar_figure
from zi_metrics.formatting import format_number
from zi_metrics.gaps import area_gaps, item_gaps
from zi_metrics.i18n import t

A4_WIDTH, A4_HEIGHT = 794, 1123


def _table(header: list[str], columns: list[list[Any]], widths: list[float] | None = None,
           fill: list[list[str]] | None = None) -> go.Table:
    return go.Table(
        columnwidth=widths,
        header={"values": [f"<b>{h}</b>" for h in header], "fill_color": palette.PRIMARY,
                "font": {"color": "white", "size": 10}, "align": "left", "height": 20},
        cells={"values": columns, "align": "left", "font": {"size": 8}, "height": 16,
               **({"fill_color": fill} if fill else {})},
    )


def unit_report_figure(scored: ScoredRound, history: Sequence[ScoredRound], unit_name: str, *,
                       awards: Sequence[Mapping[str, Any]] = (), lang: str = "id",
                       synthetic: bool = False) -> go.Figure:
    """The report page as a figure: header, radar (this round and the unit's other stages of the
    year), WBK and WBBM rules, the largest gaps, and the unit's history."""
    fw, card, ev = scored.framework, scored.scorecard, scored.evaluation
    stage_name = t(f"stage.{scored.stage}", lang)
    fig = make_subplots(
        rows=4, cols=2,
        specs=[[{"type": "polar"}, {"type": "table"}],
               [{"type": "table", "colspan": 2}, None],
               [{"type": "table", "colspan": 2}, None],
               [{"type": "table", "colspan": 2}, None]],
        row_heights=[0.31, 0.33, 0.18, 0.18], column_widths=[0.45, 0.55],
        vertical_spacing=0.045, horizontal_spacing=0.06,
    )
    # Radar: this round first, then the unit's other stages of the same year.
    same_year = [r for r in history if r.year == scored.year and r.stage != scored.stage]
    series = [(stage_name, area_percents(scored))] + [(t(f"stage.{r.stage}", lang), area_percents(r))
                                                      for r in same_year]
    radar = radar_figure(series, {a.code: a.code for a in fw.areas}, list(fw.area_codes), lang=lang)
    for trace in radar.data:
        fig.add_trace(trace, row=1, col=1)
    fig.update_polars(radar.layout.polar)

    # Headline figures beside the radar.
    predicate = t(f"predicate.{ev.predicate.lower()}", lang) if ev.predicate else t("predicate.none", lang)
    labels = [t("col.total", lang), t("col.pengungkit", lang), t("col.hasil", lang), t("col.predicate", lang),
              t("col.completeness", lang)]
    values = [format_number(card.total, lang), format_number(card.pengungkit, lang), format_number(card.hasil, lang),
              predicate + (f" ({t('predicate.provisional', lang)})" if card.provisional else ""),
              f"{card.completeness.answered}/{card.completeness.total}"]
    for area in fw.areas:
        a = card.areas[area.code]
        labels.append(f"{area.code} · {area.name}")
        values.append(f"{format_number(a.score, lang)} / {format_number(a.max, lang)}")
    fig.add_trace(_table([t("report.figure", lang), t("report.value", lang)], [labels, values], [0.62, 0.38]),
                  row=1, col=2)

    # Rules: one row per rule with both predicates side by side; a failing rule is marked by
    # symbol and word (never colour alone) and says how far it is short.
    wbk = rule_display_rows(fw, ev, "WBK", lang).set_index("rule")
    wbbm = rule_display_rows(fw, ev, "WBBM", lang).set_index("rule")
    order = list(wbbm.index) + [r for r in wbk.index if r not in wbbm.index]

    def cell(frame: Any, rule: str, column: str) -> str:
        return str(frame.at[rule, column]) if rule in frame.index else "–"

    def verdict(frame: Any, rule: str) -> str:
        if rule not in frame.index:
            return "–"
        status = str(frame.at[rule, "status"])
        return status if frame.at[rule, "passed"] else f"{status}: {frame.at[rule, 'gap']}"

    labels_rules = [cell(wbbm if r in wbbm.index else wbk, r, "label").replace(" (% dari maksimum)", " %")
                    for r in order]
    values_rules = [cell(wbbm if r in wbbm.index else wbk, r, "value") for r in order]
    failing = [(r in wbk.index and not wbk.at[r, "passed"]) or (r in wbbm.index and not wbbm.at[r, "passed"])
               for r in order]
    fill = [["#FBE3D6" if f else "white" for f in failing]] * 6
    fig.add_trace(_table(
        [t("report.rule", lang), t("report.value", lang), "WBK", "", "WBBM", ""],
        [labels_rules, values_rules, [cell(wbk, r, "threshold") for r in order], [verdict(wbk, r) for r in order],
         [cell(wbbm, r, "threshold") for r in order], [verdict(wbbm, r) for r in order]],
        [0.27, 0.10, 0.09, 0.22, 0.09, 0.23], fill), row=2, col=1)

    # Gaps: the area shortfalls and, with answers, the items worth the most points.
    gap_rows = [(f"{g.code} · {g.name}", ", ".join(f"{p}: {format_number(v, lang)}" for p, v in g.need.items()))
                for g in area_gaps(fw, card) if any(v > 0 for v in g.need.values())]
    for g in [g for g in item_gaps(card) if g.gain > 0][:6]:
        questions = ", ".join(str(q) for q in g.questions)
        gap_rows.append((f"{g.sub_area} · {g.name[:80]} (Q{questions})", "+" + format_number(g.gain, lang)))
    if not gap_rows:
        gap_rows = [(t("report.no_gaps", lang), "–")]
    fig.add_trace(_table([t("report.gap_item", lang), t("report.points", lang)],
                         [[g[0] for g in gap_rows], [g[1] for g in gap_rows]], [0.8, 0.2]), row=3, col=1)

    # History: every stored round of the unit and its awards.
    hist = sorted(history, key=lambda r: (r.year, r.stage))[-8:]  # the latest rounds fit the page
    award_text = {(int(a["year"]), a["predicate"]): ("revoked" if a.get("revoked") else "earned") for a in awards}
    fig.add_trace(_table(
        [t("col.year", lang), t("col.stage", lang), t("col.total", lang), t("col.predicate", lang),
         t("report.award", lang)],
        [[r.year for r in hist], [t(f"stage.{r.stage}", lang) for r in hist],
         [format_number(r.scorecard.total, lang) for r in hist],
         [r.evaluation.predicate or "–" for r in hist],
         [", ".join(f"{p}: {t('status.' + s, lang)}" for (y, p), s in award_text.items() if y == r.year) or "–"
          for r in hist]],
        [0.12, 0.22, 0.14, 0.16, 0.36]), row=4, col=1)

    subtitle = t("report.subtitle", lang, year=scored.year, stage=stage_name, framework=fw.name)
    # Plotly reads a subset of HTML in text: a unit's name is data, so it is escaped.
    title = f"<b>{html.escape(unit_name)}</b><br><span style='font-size:12px'>{subtitle}</span>"
    if synthetic:
        title += f"<br><span style='font-size:11px;color:{palette.VERMILLION}'>{t('app.demo_banner', lang)}</span>"
    fig.update_layout(width=A4_WIDTH, height=A4_HEIGHT, title={"text": title, "x": 0.03, "font": {"size": 16}},
                      margin={"l": 30, "r": 30, "t": 110, "b": 30}, showlegend=True,
                      legend={"orientation": "h", "x": 0, "y": 0.727, "yanchor": "top", "font": {"size": 9}},
                      paper_bgcolor="white", template="plotly_white", font={"size": 10})
    return fig


def unit_report_pdf(scored: ScoredRound, history: Sequence[ScoredRound], unit_name: str, *,
                    awards: Sequence[Mapping[str, Any]] = (), lang: str = "id", synthetic: bool = False) -> bytes:
    """The unit report as A4 PDF bytes (needs Chromium for kaleido)."""
    fig = unit_report_figure(scored, history, unit_name, awards=awards, lang=lang, synthetic=synthetic)
    return figure_to_image(fig, "pdf", width=A4_WIDTH, height=A4_HEIGHT)
