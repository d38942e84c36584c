"""Tindak lanjut beside other pages: a question's follow-up in Analisis kesenjangan's focus box
(opened from Tindak lanjut with ``?soal=ID``), and a unit's follow-up progress on its profile."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ui.display import md_escape
from ui.state import lang, tr
from zi_metrics import followups
from zi_metrics.followup_export import check_word
from zi_metrics.formatting import format_percent
from zi_metrics.quoting import markdown_link
from zi_metrics.store import Store


def show_follow_up(store: Store, evaluation_id: int | None, qid: int, year: int, stage: str) -> None:
    """Analisis kesenjangan, the question in focus: its follow-up (status, PIC, due date, the three
    checks, the evidence link) and the way back to the Tindak lanjut page; nothing without one."""
    fu = store.follow_up(evaluation_id, qid) if evaluation_id is not None else None
    if fu is None:
        return
    code = lang()
    late = followups.is_late(fu["status"], fu["due_date"], dt.date.today())
    facts = [
        f"{tr('followup.col.status')}: {tr('followup.status.' + fu['status'])}",
        f"{tr('followup.col.pic')}: {fu['pic'] or '–'}",
        f"{tr('followup.col.due_date')}: {followups.format_date(fu['due_date'], code)}"
        + (f" ({tr('followup.shortfall.late')})" if late else ""),
        f"{tr('followup.col.note_addressed')}: {check_word(fu['note_addressed'], code)}",
        f"{tr('followup.col.evidence_period_ok')}: {check_word(fu['evidence_period_ok'], code)}",
        f"{tr('followup.col.evidence_named_ok')}: {check_word(fu['evidence_named_ok'], code)}",
    ]
    st.markdown(f"**{tr('page.followup')}:** " + " · ".join(md_escape(f) for f in facts))
    link = followups.valid_url(fu["evidence_url"])
    if link:
        st.markdown(f"**{tr('followup.col.evidence_link')}:** {markdown_link(link)}")
    elif fu["evidence_url"]:
        st.markdown(f"**{tr('followup.col.evidence_link')}:** {md_escape(fu['evidence_url'])}")
    st.page_link("views/tindak-lanjut.py", label=tr("gaps.item.back"), icon=":material/arrow_back:",
                 query_params={"tahun": str(year), "tahap": stage, "lang": code})


def unit_follow_ups(store: Store, unit_id: str, year: int) -> pd.DataFrame:
    """The unit's follow-ups of ``year`` (every assessor stage), enriched for display."""
    return followups.enrich(store.follow_ups(year=year, unit_id=unit_id), dt.date.today())


def show_unit_progress(store: Store, unit_id: str, year: int) -> None:
    """Profil unit: the unit's follow-up progress in ``year`` (every assessor stage), with a link to
    the Tindak lanjut page filtered to the unit."""
    st.subheader(tr("unit.section.followup"))
    frame = unit_follow_ups(store, unit_id, year)
    if frame.empty:
        st.caption(tr("unit.followup.none", year=year))
        return
    s = followups.summary(frame)
    st.progress(min(1.0, (s.percent_done or 0.0) / 100.0),
                text=tr("unit.followup.progress", done=s.done, total=s.total,
                        percent=format_percent(s.percent_done, lang()), in_progress=s.in_progress,
                        not_started=s.not_started, late=s.late))
    st.page_link("views/tindak-lanjut.py", label=tr("unit.followup.link"), icon=":material/checklist:",
                 query_params={"tahun": str(year), "unit": unit_id, "fu_unit": unit_id, "lang": lang()})
