"""An installation that starts empty: the first steps on the Kelola data page (sign in as an editor,
register the units, import an LKE, see the profile), the offer to load the demo instead, and the
pointer every other page shows while the database holds no evaluation.
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.display import tr_md
from zi_metrics.store import Store

tr = state.tr
DATA_PAGE = "views/kelola-data.py"
PROFILE_PAGE = "views/profil.py"


def empty_pointer() -> None:
    """On a page other than Kelola data, while no evaluation is stored: where to start."""
    with st.container(border=True):
        st.markdown(f"**{tr('onboarding.pointer.title')}**")
        st.caption(tr("onboarding.pointer.text"))
        st.page_link(DATA_PAGE, label=tr("onboarding.pointer.link"), icon=":material/arrow_forward:")


def _step(done: bool, title: str, text: str) -> None:
    mark = ":material/check_circle:" if done else ":material/radio_button_unchecked:"
    st.markdown(f"{mark} **{title}**  \n{text}")


def first_steps(store: Store, *, editor: bool, editors_configured: bool, on_demo: object) -> None:
    """The walk-through of an installation without evaluations (drawn on Kelola data)."""
    units = state.units_of(store)
    with st.container(border=True, key="onboarding"):
        st.markdown(f"### {tr('onboarding.title')}")
        st.caption(tr("onboarding.intro"))
        if editor:
            sign_in = tr("onboarding.step.editor_done")
        elif editors_configured:
            sign_in = tr("onboarding.step.editor_sign_in")
        else:
            sign_in = tr("onboarding.step.editor_none")
        _step(editor, tr("onboarding.step.editor"), sign_in)
        _step(bool(units), tr("onboarding.step.units"),
              tr("onboarding.step.units_done", count=len(units)) if units else tr("onboarding.step.units_todo"))
        _step(False, tr("onboarding.step.lke"), tr("onboarding.step.lke_todo"))
        _step(False, tr("onboarding.step.profile"), tr("onboarding.step.profile_todo"))
        st.divider()
        st.markdown(f"**{tr('onboarding.demo.title')}**")
        st.caption(tr("onboarding.demo.text"))
        if editor:
            st.button(tr("onboarding.demo.load"), key="data_load_demo", on_click=on_demo,
                      icon=":material/science:")
        else:
            st.caption(tr("onboarding.demo.editor_only"))


REMOVE_PENDING = "_demo_remove_pending"


def demo_section(store: Store, *, on_remove: object) -> None:
    """For editors, while demo rows exist: how many, and removing exactly them (two steps)."""
    rows = state.demo_rows(store)
    if not rows.any():
        return
    st.subheader(tr("demo.title"))
    st.caption(tr("demo.count", units=len(rows.units), rounds=len(rows.rounds)))
    if not st.session_state.get(REMOVE_PENDING):
        st.button(tr("demo.remove"), key="data_remove_demo", icon=":material/delete_sweep:",
                  on_click=lambda: st.session_state.__setitem__(REMOVE_PENDING, True))
        return
    st.warning(tr("demo.confirm_text", units=len(rows.units), rounds=len(rows.rounds)))
    cols = st.columns(2)
    cols[0].button(tr("demo.confirm"), type="primary", key="data_remove_demo_confirm", on_click=on_remove)
    cols[1].button(tr("data.delete.cancel"), key="data_remove_demo_cancel",
                   on_click=lambda: st.session_state.pop(REMOVE_PENDING, None))


def profile_link(unit_id: str, unit_name: str, year: int, stage: str) -> None:
    """A link to the profile of a round just imported (the sidebar follows the link's parameters)."""
    st.page_link(PROFILE_PAGE, label=tr_md("onboarding.see_profile", unit=unit_name, year=year,
                                           stage=tr(f"stage.{stage}")),
                 query_params={"unit": unit_id, "tahun": str(year), "tahap": stage, "lang": state.lang()},
                 icon=":material/radar:")
