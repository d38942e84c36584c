"""AppTest of the router and the Ringkasan page on the demo database."""

from __future__ import annotations

import pytest

from zi_metrics import analytics
from zi_metrics.formatting import format_number
from zi_metrics.store import Store


def test_overview_lists_the_demo_units_of_the_latest_round(app, app_db):
    at = app.run()
    assert not at.exception, at.exception
    store = Store(app_db)
    year = max(store.years())
    stage = store.stages_for(year)[-1]
    expected = analytics.round_overview(store, year, stage)
    frames = at.dataframe
    assert frames, "the overview shows a table"
    shown = frames[0].value
    assert list(shown["unit"]) == list(expected["unit"])
    assert list(shown["total"]) == [format_number(x, "id") for x in expected["total"]]  # "80,40": text
    # The demo banner says the scores are synthetic.
    assert any("sintetis" in c.value.lower() for c in at.caption)


def test_overview_opens_the_year_and_stage_given_in_the_url(app, app_db):
    app.query_params["tahun"] = "2018"
    at = app.run()
    assert not at.exception, at.exception
    store = Store(app_db)
    stage = store.stages_for(2018)[-1]
    expected = analytics.round_overview(store, 2018, stage)
    assert list(at.dataframe[0].value["unit"]) == list(expected["unit"])


def test_an_unknown_unit_in_the_url_is_ignored_with_a_notice(app):
    app.query_params["unit"] = "no-such-unit"
    at = app.run()
    assert not at.exception, at.exception
    assert any("no-such-unit" in w.value for w in at.warning)


# --------------------------------------------------------------------------- heatmap, filters, profile


def _heatmap(at) -> dict:
    import json

    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-ov_heatmap")]
    assert charts, "the overview draws the heatmap"
    return json.loads(charts[0].proto.spec)


def _latest_round(app_db):
    store = Store(app_db)
    year = max(store.years())
    return store, year, store.stages_for(year)[-1]


def test_heatmap_units_by_areas_in_percent_with_the_60_75_bands(app, app_db):
    app.query_params["peta"] = "1"  # its section open
    at = app.run()
    assert not at.exception, at.exception
    store, year, stage = _latest_round(app_db)
    expected = analytics.round_overview(store, year, stage)
    trace = _heatmap(at)["data"][0]
    assert trace["type"] == "heatmap"
    assert trace["y"] == list(expected["short_name"])
    assert len(trace["z"]) == len(expected)
    for row, (_, unit) in zip(trace["z"], expected.iterrows(), strict=True):
        assert len(row) == 6
        assert all(0 <= v <= 100 for v in row)
        assert row == [unit[f"pct_{c}"] for c in ("MP", "TT", "SDM", "AK", "PW", "PP")]
    assert (trace["zmin"], trace["zmax"]) == (0, 100)
    # Hard colour breaks at 60 % and 75 % (a repeated stop), and the colour bar names both.
    stops = [s for s, _ in trace["colorscale"]]
    assert stops.count(0.6) == 2 and stops.count(0.75) == 2
    assert trace["colorbar"]["tickvals"] == [0, 60, 75, 100]
    # Each cell shows its value with two decimals, Indonesian style.
    assert all("," in cell for cell in trace["text"][0])


def _heatmap_sections(at) -> list:
    return [e for e in at.get("expander") if e.proto.id.endswith("-ov_heatmap_open")]


def test_the_heatmap_is_drawn_when_its_section_is_opened_and_the_url_keeps_it_open(app, app_db):
    at = app.run()
    assert not at.exception, at.exception
    # closed: its section is named, and no figure (nor plotly.js) is sent
    store, year, stage = _latest_round(app_db)
    expected = analytics.round_overview(store, year, stage)
    (section,) = _heatmap_sections(at)
    assert section.label.startswith("Peta capaian area: unit di halaman tabel ini")
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-ov_heatmap")]
    assert "peta" not in at.query_params
    at.session_state["ov_heatmap_open"] = True  # the reader opens it
    at.run()
    assert not at.exception, at.exception
    assert _heatmap(at)["data"][0]["y"] == list(expected["short_name"])
    assert at.query_params["peta"] == "1"  # a copied link opens it too
    at.session_state["ov_heatmap_open"] = False
    at.run()
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-ov_heatmap")]
    assert "peta" not in at.query_params


def test_an_invalid_heatmap_value_in_the_url_is_ignored_with_a_notice(app):
    at = _ringkasan(app, peta="ya")
    assert any("'peta'" in w.value and "ya" in w.value for w in at.warning)
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-ov_heatmap")]


def test_filters_by_level_and_parent_reduce_the_rows(app, app_db):
    at = app.run()
    store, year, stage = _latest_round(app_db)
    full = analytics.round_overview(store, year, stage)
    at.multiselect(key="ov_level").set_value(["satker"]).run()
    at.session_state["ov_heatmap_open"] = True  # the heatmap's section opened (AppTest keeps no expander state)
    at.run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    expected = full[full["level"] == "satker"]
    assert 0 < len(shown) < len(full)
    assert list(shown["unit"]) == list(expected["unit"])
    assert len(_heatmap(at)["data"][0]["y"]) == len(expected)
    assert at.metric[0].value == str(len(expected))  # headline figures follow the filter

    at.multiselect(key="ov_level").set_value([]).run()
    at.multiselect(key="ov_parent").set_value(["kemendesa-balilatfo"]).run()
    shown = at.dataframe[0].value
    under = {"kemendesa-balilatfo", "kemendesa-balilatfo-bbplm-jakarta", "kemendesa-balilatfo-bplm-yogyakarta"}
    assert list(shown["unit"]) == list(full[full["unit_id"].isin(under)]["unit"])
    assert 0 < len(shown) < len(full)


def test_filter_helpers(app_db):
    store, year, stage = _latest_round(app_db)
    full = analytics.round_overview(store, year, stage)
    units = analytics.units_by_id(store)
    parents = analytics.parent_options(units, full["unit_id"])
    assert parents[:2] == ["kemendesa", "kkp"]  # the top of the tree first
    kemendesa = analytics.filter_overview(full, units, ["kemendesa"])
    assert len(kemendesa) == (full["unit_id"] != "kkp-djpb-bbpbap-jepara").sum()
    assert analytics.filter_overview(full, units).equals(full)
    both = analytics.filter_overview(full, units, ["kemendesa"], ["eselon2"])
    assert set(both["level"]) == {"eselon2"}
    assert list(both["rank"]) == sorted(both["rank"])  # ranks of the whole round are kept


def test_a_busy_database_is_a_message_on_every_page_not_a_traceback(app, monkeypatch):
    from zi_metrics import store as store_module

    app.run()

    def busy(self, *args, **kwargs):
        raise store_module.StoreBusyError("database file zi.duckdb is busy: another process (pid 4242) holds it")

    from ui import state

    # The page's first read of the round finds the file held beyond the busy timeout.
    monkeypatch.setattr(state, "round_overview", busy)
    at = app.run()
    assert not at.exception, at.exception
    assert any("pid 4242" in e.value for e in at.error)


# --------------------------------------------------------------------------- context travels with the link


def _open_row(at, unit_id: str):
    """What selecting a row does: its callback hands the unit to the next run, which opens the
    profile (the grid's own click is driven in tests/browser/test_pages.py)."""
    at.session_state["_ov_open"] = unit_id
    return at.run()


def test_a_row_opens_the_profile_on_the_same_year_and_stage(app):
    # The reported case: BBPLM Jakarta in Ringkasan 2025 TPI opened its 2026 TPI profile (84,45,
    # Menuju WBK) because switching pages cleared the sidebar's year; 2025 TPI is 80,40, no predicate.
    app.query_params["tahun"] = "2025"
    app.query_params["tahap"] = "tpi"
    at = app.run()
    at = _open_row(at, "kemendesa-balilatfo-bbplm-jakarta")
    assert not at.exception, at.exception
    assert at.title[0].value == "Profil unit"
    assert at.markdown[0].value == "### **Balai Besar Pelatihan Masyarakat Jakarta** · Tahun 2025 · Tahap TPI"
    assert at.metric[0].value == "80,40"
    assert "Belum ada predikat" in next(m.value for m in at.markdown if "Predikat tahap ini" in m.value)
    assert (at.session_state["tahun"], at.session_state["tahap"]) == (2025, "tpi")
    assert (at.query_params["tahun"], at.query_params["unit"]) == ("2025", "kemendesa-balilatfo-bbplm-jakarta")


def test_the_link_keeps_the_language_and_a_stage_that_is_not_the_latest(app):
    app.query_params["tahun"] = "2024"
    app.query_params["tahap"] = "mandiri"
    app.query_params["lang"] = "en"
    at = _open_row(app.run(), "kemendesa-itjen")
    assert not at.exception, at.exception
    assert at.title[0].value == "Unit profile"
    assert at.markdown[0].value.endswith("· Year 2024 · Stage: Self-assessment (penilaian mandiri)")
    assert (at.session_state["tahun"], at.session_state["tahap"], at.session_state["lang"]) == (2024, "mandiri", "en")


def test_the_overview_heading_names_year_and_stage(app):
    app.query_params["tahun"] = "2025"
    app.query_params["tahap"] = "tpn"
    at = app.run()
    assert at.title[0].value == "Ringkasan"
    assert at.markdown[0].value == "### Tahun 2025 · Tahap TPN"


@pytest.mark.parametrize(("page", "title"), [("views/profil.py", "Profil unit"), ("views/simulasi.py", "Simulasi")])
def test_every_unit_page_heading_names_unit_year_and_stage(app, page, title):
    from tests.pages.page_helpers import open_page

    at = open_page(app, page, unit="kemendesa-itjen", tahun="2024", tahap="mandiri")
    assert at.title[0].value == title
    assert at.markdown[0].value == "### **Inspektorat Jenderal** · Tahun 2024 · Tahap Penilaian mandiri"


def test_the_gap_analysis_heading_names_unit_year_and_stage(app):
    from tests.pages.page_helpers import open_page

    at = open_page(app, "views/kesenjangan.py", unit="kemendesa-itjen", tahun="2024", tahap="mandiri")
    assert at.title[0].value == "Analisis kesenjangan"
    assert at.header[0].value == "Itjen · 2024 · Penilaian mandiri"


def test_the_simulation_heading_names_the_round_it_starts_from(app):
    # Setjen's Biro Humas has no 2018 round: the simulation starts from its latest round, and says so.
    from tests.pages.page_helpers import open_page

    at = open_page(app, "views/simulasi.py", unit="kemendesa-setjen-biro-humas", tahun="2018", tahap="tpn")
    assert not at.exception, at.exception
    assert at.markdown[0].value == "### **Biro Hubungan Masyarakat dan Kerja Sama** · Tahun 2026 · Tahap TPI"


# --------------------------------------------------------------------------- who fails, and why (issue #11.1)

YEAR, STAGE = "2025", "tpi"


def _ringkasan(app, **params: str):
    for key, value in {"tahun": YEAR, "tahap": STAGE, **params}.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    return at


def _table(at):
    return next(d.value for d in at.dataframe if "why" in d.value.columns)


def _profile_wbk_rules(at, unit_id: str):
    """The profile's own WBK rule table of ``unit_id`` (another code path: the unit's rounds scored
    one by one), as shown: rule, value, threshold, status, gap, passed."""
    at.selectbox(key="unit").set_value(unit_id).run()
    assert not at.exception, at.exception
    frames = [d.value for d in at.dataframe if "rule_code" in d.value.columns]
    return next(f for f in frames if set(f["predicate_code"]) == {"WBK"})


def test_ringkasan_2025_tpi_names_every_failing_wbk_rule_with_its_gap_as_the_profile_does(app, app_db):
    at = _ringkasan(app, status="belum-wbk")
    listed = _table(at)
    ids = {u.name: u.id for u in Store(app_db).list_units()}
    reasons = dict(zip(listed["unit"].map(ids), listed["why"], strict=True))

    from tests.pages.page_helpers import open_page

    profile = open_page(app, "views/profil.py", tahun=YEAR, tahap=STAGE)
    failing_units = 0
    for uid in sorted(analytics.round_overview(Store(app_db), int(YEAR), STAGE)["unit_id"]):
        rules = _profile_wbk_rules(profile, uid)
        failing = rules[~rules["passed"]]
        if failing.empty:
            assert uid not in reasons, f"{uid} meets Menuju WBK but is listed as not meeting it"
            continue
        failing_units += 1
        assert uid in reasons, f"{uid} fails Menuju WBK (profile) but is not listed"
        cell = reasons[uid]
        assert cell.startswith("Menuju WBK: ")
        # every failing rule of the profile, with its value, threshold and gap, and nothing else
        assert cell.count(": kurang ") == len(failing), (uid, cell)
        for row in failing.itertuples():
            expected = f"{row.value} < {row.threshold.removeprefix('≥ ')}: {row.gap}"
            assert expected in cell, (uid, expected, cell)
    assert failing_units == len(reasons) == 8


def test_the_issue_example_held_predicate_and_met_predicate_are_told_apart(app):
    table = _table(_ringkasan(app)).set_index("unit")
    # Ditjen Pembangunan KT holds Menuju WBK (2024) but its 2025 TPI round fails it by IPAK alone:
    # the issue's own example, "IPAK 15,62 < 15,75: kurang 0,13".
    row = table.loc["Direktorat Jenderal Pembangunan Kawasan Transmigrasi"]
    assert (row["held"], row["met"]) == ("Menuju WBK (sejak 2024)", "Belum memenuhi")
    assert row["why"] == "Menuju WBK: IPAK 15,62 < 15,75: kurang 0,13 poin (masukan 3,57; perlu ≥ 3,60)"
    # holding WBK and meeting it again: the next predicate is WBBM, with the WBBM rules that fail
    row = table.loc["Balai Pelatihan Masyarakat Yogyakarta"]
    assert (row["held"], row["met"]) == ("Menuju WBK (sejak 2024)", "Menuju WBK")
    assert row["why"].startswith("Menuju WBBM: AK 74,75% < 75,00%: kurang 0,02 poin; PP 67,41% < 75,00%")
    # meeting WBBM: nothing above it
    row = table.loc["Inspektorat Jenderal"]
    assert (row["met"], row["why"]) == ("Menuju WBBM", "–")
    # meeting the WBBM scores without holding WBK earns WBK; what WBBM still needs says so
    row = table.loc["Biro Hubungan Masyarakat dan Kerja Sama"]
    assert (row["held"], row["met"]) == ("Belum ada predikat", "Menuju WBK")
    assert row["why"].endswith("; belum memperoleh predikat Menuju WBK")


def test_counts_cannot_be_misread(app, app_db):
    at = _ringkasan(app)
    frame = analytics.round_overview(Store(app_db), int(YEAR), STAGE)
    wbbm = int((frame["predicate"] == "WBBM").sum())
    wbk = int((frame["predicate"] == "WBK").sum()) + wbbm
    metrics = {m.label: m for m in at.metric}
    assert metrics["Unit dinilai"].value == "13"
    assert metrics["Memenuhi Menuju WBK"].value == str(wbk) == "5"
    assert metrics["Memenuhi Menuju WBK"].proto.delta == f"termasuk {wbbm} yang memenuhi WBBM"
    assert metrics["Memenuhi Menuju WBBM"].value == str(wbbm) == "2"
    assert metrics["Belum memenuhi Menuju WBK"].value == str(len(frame) - wbk) == "8"


def test_numbers_in_the_interface_format_and_never_none(app):
    from tests.test_number_format_walk import _dataframe_texts, offences

    at = _ringkasan(app)
    grid = next(d for d in at.dataframe if "why" in d.value.columns)
    shown = list(_dataframe_texts(grid))  # what the grid displays, labels included
    assert "80,40" in shown and "+1,40" in shown  # BBPLM Jakarta's total, Ditjen Pembangunan KT's change
    assert [text for text in shown if offences(text)] == []
    table = _table(at)
    for column in ("held", "met", "why"):
        assert not [cell for cell in table[column] if offences(cell) or not cell], column
    english = _table(_ringkasan(app, lang="en"))
    assert "points short" in " ".join(english["why"]) and "15.62 < 15.75" in " ".join(english["why"])


def test_status_filter_lists_exactly_the_units_not_meeting_the_predicate(app, app_db):
    frame = analytics.round_overview(Store(app_db), int(YEAR), STAGE)
    at = _ringkasan(app)
    at.selectbox(key="ov_status").set_value("belum-wbbm").run()
    assert list(_table(at)["unit"]) == list(frame[frame["predicate"] != "WBBM"]["unit"])
    assert at.query_params["status"] == "belum-wbbm"
    at.selectbox(key="ov_status").set_value("belum-wbk").run()
    assert list(_table(at)["unit"]) == list(frame[frame["predicate"].isna()]["unit"])
    assert {m.label: m.value for m in at.metric}["Unit dinilai"] == "8"


def test_filters_live_in_the_url(app, app_db):
    at = _ringkasan(app, induk="kemendesa", tingkat=["eselon1", "eselon2"], status="belum-wbk", cari="kawasan")
    assert at.multiselect(key="ov_parent").value == ["kemendesa"]
    assert at.multiselect(key="ov_level").value == ["eselon1", "eselon2"]
    assert at.selectbox(key="ov_status").value == "belum-wbk"
    assert at.text_input(key="ov_search").value == "kawasan"
    assert list(_table(at)["unit"]) == ["Direktorat Jenderal Pembangunan Kawasan Transmigrasi",
                                        "Direktorat Perencanaan Pembangunan Kawasan Transmigrasi"]
    at.text_input(key="ov_search").set_value("").run()
    at.multiselect(key="ov_level").set_value(["eselon2", "satker"]).run()
    assert at.query_params["tingkat"] == ["eselon2", "satker"]
    assert "cari" not in at.query_params


def test_invalid_filter_values_in_the_url_are_ignored_with_a_notice(app):
    at = _ringkasan(app, induk="nobody", tingkat="menteri", status="semua-salah", hal="0")
    notices = " ".join(w.value for w in at.warning)
    for param, value in (("induk", "nobody"), ("tingkat", "menteri"), ("status", "semua-salah"), ("hal", "0")):
        assert f"'{param}'" in notices and value in notices, (param, notices)
    assert len(_table(at)) == 13  # nothing filtered


def test_the_table_sends_one_page_and_the_heatmap_follows_it(app, app_db, monkeypatch):
    from zi_metrics import overview

    monkeypatch.setattr(overview, "PAGE_SIZE", 5)
    frame = analytics.round_overview(Store(app_db), int(YEAR), STAGE)
    at = _ringkasan(app, hal="2", peta="1")
    assert list(_table(at)["rank"]) == [6, 7, 8, 9, 10]
    assert _heatmap(at)["data"][0]["y"] == list(frame["short_name"][5:10])
    at.number_input(key="ov_page").set_value(3).run()
    assert list(_table(at)["rank"]) == [11, 12, 13]
    assert at.query_params["hal"] == "3"
    assert any("Unit 11–13 dari 13" in c.value for c in at.caption)
    at.selectbox(key="ov_status").set_value("belum-wbk").run()  # new filters: back to the first page
    assert list(_table(at)["rank"]) == [6, 7, 8, 9, 10] and "hal" not in at.query_params


def test_the_download_is_exactly_the_filtered_list(app, app_db):
    import io

    from openpyxl import load_workbook

    from zi_metrics import overview
    from zi_metrics.overview_xlsx import overview_workbook

    at = _ringkasan(app, status="belum-wbk")
    assert at.get("download_button")[0].proto.label == "Unduh daftar (XLSX)"
    store = Store(app_db)
    frame = overview.filter_overview(analytics.round_overview(store, int(YEAR), STAGE), {}, status="belum-wbk")
    data = overview_workbook(frame, "id", year=2025, stage="tpi", units=analytics.units_by_id(store),
                             filters="Belum memenuhi Menuju WBK", synthetic=True)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Peringkat")
    header = rows[header_at]
    assert header[:4] == ("Peringkat", "Unit kerja", "Kode unit", "Unit induk")
    assert "Belum terpenuhi untuk predikat berikutnya" in header and "Predikat dimiliki (sejak)" in header
    body = [r for r in rows[header_at + 1:header_at + 1 + len(frame)]]
    assert [r[0] for r in body] == list(frame["rank"]) and [r[1] for r in body] == list(frame["unit"])
    failing = header.index("Belum terpenuhi untuk predikat berikutnya")
    assert body[1][failing] == "IPAK 15,62 < 15,75: kurang 0,13 poin (masukan 3,57; perlu ≥ 3,60)"
    assert isinstance(body[0][header.index("Nilai total")], float)
    assert not any(v == "None" for r in body for v in r)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == f"${header_at + 1}:${header_at + 1}"  # the header on every printed page
    assert any("sintetis" in str(r[0]).lower() for r in rows[:header_at])


# --------------------------------------------------------------------------- the unit search (issue #14.2)


def test_many_units_a_search_narrows_the_sidebar_picker(app, monkeypatch):
    from ui import state

    monkeypatch.setattr(state, "UNIT_PICKER_MAX", 5)  # the demo's 16 units count as "many"
    monkeypatch.setattr(state, "UNIT_MATCHES", 3)
    app.query_params["unit"] = "kemendesa-itjen"
    at = app.run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="unit")
    assert picker.value == "kemendesa-itjen" and len(picker.options) == 4  # the unit shown and 3 others
    assert any("16 unit" in c.value for c in at.sidebar.caption)
    at.text_input(key="unit_search").set_value("jakarta").run()
    assert at.selectbox(key="unit").options == ["Itjen", "BBPLM Jakarta"]
    assert any("1 unit cocok" in c.value for c in at.sidebar.caption)
    at.selectbox(key="unit").set_value("kemendesa-balilatfo-bbplm-jakarta").run()
    assert at.query_params["unit"] == "kemendesa-balilatfo-bbplm-jakarta"
    assert at.selectbox(key="unit").options[0] == "BBPLM Jakarta"
    # every word counts, in any case, in the name, the short name or the id
    at.text_input(key="unit_search").set_value("DITJEN  transmigrasi").run()
    options = at.selectbox(key="unit").options
    assert options[0] == "BBPLM Jakarta"  # the unit shown stays first
    assert set(options[1:]) == {"Ditjen Pembangunan KT", "Ditjen Pengembangan KT", "Dit. Perencanaan PKT"}
    assert any("3 unit cocok" in c.value for c in at.sidebar.caption)
    # a permalink to a unit outside the first matches still opens it
    at.query_params["unit"] = "kkp-djpb-bbpbap-jepara"
    at.run()
    assert at.selectbox(key="unit").value == "kkp-djpb-bbpbap-jepara"


def test_few_units_the_picker_lists_them_all_without_a_search(app):
    at = app.run()
    assert len(at.selectbox(key="unit").options) == 16
    assert not [t for t in at.text_input if t.key == "unit_search"]


# --------------------------------------------------------------------------- roll-up per parent (issue #11.5)


def _followups_under(store, parent: str, year: int, stage: str) -> tuple[int, int, int]:
    """(all, done, late) follow-ups of the units under ``parent``, counted from the store's rows."""
    import datetime as dt

    units = analytics.units_by_id(store)
    under = analytics.unit_descendants(units, parent)
    rows = store.follow_ups(year=year)
    rows = rows[(rows["stage"] == stage) & rows["unit_id"].isin(under)]
    today = dt.date.today()
    late = sum(1 for s, d in zip(rows["status"], rows["due_date"], strict=True)
               if s != "selesai" and d is not None and d < today)
    return len(rows), int((rows["status"] == "selesai").sum()), late


def test_the_roll_up_counts_each_parent_s_units(app, app_db):
    from zi_metrics import overview

    at = _ringkasan(app)
    rolled = next(d.value for d in at.dataframe if "weakest" in d.value.columns)
    # tree order: each ministry followed by its units with units under them
    assert rolled["parent"].iloc[0] == "Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi"
    assert list(rolled["parent"])[-2:] == ["Kementerian Kelautan dan Perikanan",
                                           "Direktorat Jenderal Perikanan Budidaya"]
    store = Store(app_db)
    full = analytics.round_overview(store, int(YEAR), STAGE)
    units = analytics.units_by_id(store)
    for parent, name in (("kemendesa", rolled["parent"].iloc[0]), ("kemendesa-balilatfo",
                                                                    units["kemendesa-balilatfo"]["name"])):
        head = overview.headline(overview.filter_overview(full, units, [parent]))
        row = rolled[rolled["parent"] == name].iloc[0]
        assert (row["units"], row["wbk"], row["wbbm"], row["below_wbk"]) == (
            head["units"], head["wbk"], head["wbbm"], head["below_wbk"]), parent
        total, done, late = _followups_under(store, parent, int(YEAR), STAGE)
        assert total > 0 and row["done"] == pytest.approx(done / total * 100) and row["late"] == late
    assert rolled["weakest"].iloc[0].startswith("AK ")  # Kemendesa: AK holds most units under 60 %


def test_a_parent_filter_narrows_the_roll_up_to_that_parent_and_the_level_below(app):
    at = _ringkasan(app, induk="kemendesa-ditjen-pembangunan-kt")
    rolled = next(d.value for d in at.dataframe if "weakest" in d.value.columns)
    assert list(rolled["parent"]) == ["Direktorat Jenderal Pembangunan Kawasan Transmigrasi"]
    assert _table(at)["unit"].tolist() == ["Direktorat Jenderal Pembangunan Kawasan Transmigrasi",
                                           "Direktorat Perencanaan Pembangunan Kawasan Transmigrasi"]


def test_a_ministry_s_profile_shows_the_aggregate_of_its_units(app, app_db):
    from tests.pages.page_helpers import open_page

    at = open_page(app, "views/profil.py", unit="kemendesa", tahun=YEAR, tahap=STAGE)
    assert not at.exception, at.exception
    assert any(s.value == "Unit di bawah Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi"
               for s in at.subheader)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Memenuhi Menuju WBK"], metrics["Memenuhi Menuju WBBM"], metrics["Belum memenuhi Menuju WBK"]) \
        == ("4", "2", "8")
    total, done, late = _followups_under(Store(app_db), "kemendesa", int(YEAR), STAGE)
    summary = next(m.value for m in at.markdown if "Tindak lanjut" in m.value)
    assert f"{done} dari {total}" in summary and (f"{late} terlambat" in summary if late else True)
    assert any("induk=kemendesa" in p.proto.query_string for p in at.get("page_link"))
    # a unit without units under it has no such section
    at = open_page(app, "views/profil.py", unit="kemendesa-balilatfo-bbplm-jakarta", tahun=YEAR, tahap=STAGE)
    assert not any(s.value.startswith("Unit di bawah") for s in at.subheader)


def test_links_between_pages_carry_language_year_stage_and_unit(app):
    from urllib.parse import parse_qs

    from tests.pages.page_helpers import open_page

    at = open_page(app, "views/present.py", tahun="2024", tahap="tpi", lang="en", unit="kemendesa-itjen")
    back = next(p for p in at.get("page_link") if p.proto.label == "Leave the presentation")
    assert {k: v[0] for k, v in parse_qs(back.proto.query_string).items()} == {
        "lang": "en", "tahun": "2024", "tahap": "tpi", "unit": "kemendesa-itjen"}
    at = open_page(app, "views/profil.py", tahun="2025", tahap="tpi", lang="en", unit="kemendesa")
    to_overview = next(p for p in at.get("page_link") if p.proto.label == "Open the overview of these units")
    assert {k: v[0] for k, v in parse_qs(to_overview.proto.query_string).items()} == {
        "lang": "en", "tahun": "2025", "tahap": "tpi", "unit": "kemendesa", "induk": "kemendesa"}
