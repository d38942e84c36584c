"""AppTest of the Kelola data page: viewers see nothing writable; local sign-in with its rate limit;
OIDC sign-in offered and honoured (st.user simulated with AppTest.user); an editor previews,
imports (audited under the editor's name) and deletes; a bad file changes nothing on disk.
Plus the pure helpers of zi_metrics.editing and ui.auth that the page relies on."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest
from page_helpers import as_read

from zi_metrics import editing
from zi_metrics.accounts import hash_password
from zi_metrics.store import Store

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lke"))
from lke_builders import MASTER_PATH, build_jawaban, build_lampiran3, full_answers, reference_score, to_bytes  # noqa: E402, I001

needs_master = pytest.mark.skipif(not MASTER_PATH.is_file(), reason=f"reference master list missing: {MASTER_PATH}")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITJEN = "kemendesa-itjen"
ITJEN_NAME = "Inspektorat Jenderal"
SETJEN = "kemendesa-setjen"
EDITOR, PASSWORD = "siti", "rahasia-ZI-2026"
BAD = REPO / "tests" / "fixtures" / "bad" / "invalid_option.xlsx"  # LKE ZI!K23: 'Mungkin'
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "keycloak": {"client_id": "zi", "client_secret": "x",
                     "server_metadata_url": "https://sso.example.go.id/.well-known/openid-configuration"}}


@pytest.fixture(scope="module")
def editor_hash() -> str:
    return hash_password(PASSWORD, rounds=4)


@pytest.fixture(scope="module")
def workbook() -> bytes:
    if not MASTER_PATH.is_file():
        pytest.skip(f"reference master list missing: {MASTER_PATH}")
    return to_bytes(build_lampiran3(full_answers()))


def _open(app, secrets: dict, *, user: dict | None = None, **params: str):
    """The data page with these secrets (and st.user), the sidebar set by URL parameters."""
    for key, value in secrets.items():
        app.secrets[key] = value
    if user is not None:
        app.user = user
    for key, value in {"tahun": "2025", "tahap": "tpn", "unit": ITJEN, **params}.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    at.switch_page("views/kelola-data.py").run()
    assert not at.exception, at.exception
    return at


def _sign_in(at, username: str, password: str):
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    at.button(key="auth_submit").click().run()
    assert not at.exception, at.exception
    return at


def _keys(widgets) -> set[str]:
    return {w.key for w in widgets if w.key}


def _texts(elements) -> list[str]:
    return [as_read(e.value) for e in elements]


def _writable(at) -> set[str]:
    """Every control on the page that could change data or export it."""
    keys = _keys(at.button) | _keys(at.download_button)
    return {k for k in keys if k.startswith(("data_", "dl_"))} | ({"uploader"} if at.file_uploader else set())


def _db_fingerprint(path: Path) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for p in (path, path.with_name(path.name + ".wal")):
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
    return out


# ---------------------------------------------------------------------------------------------
# Viewers


def test_a_viewer_sees_the_sign_in_form_and_the_log_only(app, editor_hash):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    assert _writable(at) == set()
    assert not at.file_uploader and not at.download_button
    assert _keys(at.text_input) == {"auth_username", "auth_password"}
    log = at.dataframe[-1].value
    assert list(log.columns) == ["entry", "file_sha256"]
    assert any(e.startswith("demo-generator memuat data demo: ") for e in log["entry"]), list(log["entry"])


def test_without_any_editor_configured_the_page_says_how_to_add_one(app):
    at = _open(app, {"zi": {"editors": []}})
    assert _writable(at) == set() and not at.text_input
    assert any("add-editor" in c for c in _texts(at.caption))


# ---------------------------------------------------------------------------------------------
# Local accounts: refusals and the rate limit


def _attempts(name: str) -> int:
    return Store().sign_in_attempts(name, window=900)  # $ZI_DB_PATH: the page's database


def _log_entries(at) -> list[str]:
    return list(at.dataframe[-1].value["entry"])


def test_wrong_passwords_are_refused_counted_and_the_sixth_attempt_is_rate_limited(app, editor_hash):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    for n in range(1, 6):
        _sign_in(at, EDITOR, f"wrong-{n}")
        errors = _texts(at.error)
        assert any(f"Sisa percobaan: {5 - n}" in e for e in errors), errors
        assert _attempts(EDITOR) == n
        assert _writable(at) == set()
    assert any("Coba lagi dalam 15 menit" in e for e in _texts(at.error))
    # The 6th attempt is refused even with the right password, and is not counted.
    _sign_in(at, EDITOR, PASSWORD)
    errors = _texts(at.error)
    assert any("Coba lagi dalam 15 menit" in e for e in errors) and not any("Sisa" in e for e in errors)
    assert _attempts(EDITOR) == 5
    assert _writable(at) == set() and not at.success
    # The count is in the database: a new session (a page reload, another replica) is refused too.
    fresh = _open(_fresh_app(), {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(fresh, EDITOR, PASSWORD)
    assert any("Coba lagi" in e for e in _texts(fresh.error)) and not fresh.file_uploader
    # Every refusal is in the log an editor sees, as a sentence, never with a password; a viewer's
    # log leaves refused sign-ins out (the names tried and the addresses are not for everyone).
    assert not any(e.startswith("Percobaan masuk") for e in _log_entries(fresh))
    fresh.secrets["zi"] = {"accounts": {EDITOR: editor_hash, "budi": editor_hash}}
    fresh.run()  # the form is drawn with the new accounts
    _sign_in(fresh, "budi", PASSWORD)
    assert any("budi" in t for t in _texts(fresh.success))
    refused = [e for e in _log_entries(fresh) if e.startswith(f"Percobaan masuk sebagai {EDITOR} dari ")]
    assert len(refused) == 7
    assert sum("nama pengguna atau kata sandi salah" in e for e in refused) == 5
    assert sum("terlalu banyak percobaan yang gagal" in e for e in refused) == 2
    assert not any("wrong-" in e or PASSWORD in e for e in _log_entries(fresh))


def _cookie_scripts(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "zi_editor" in h.proto.body]


def test_a_right_password_clears_the_count_and_writes_the_sign_in_cookie(app, editor_hash):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, "nobody", "nope")
    _sign_in(at, EDITOR, "nope")
    assert _attempts(EDITOR) == 1 and _attempts("nobody") == 1  # per user name
    _sign_in(at, " SITI ", PASSWORD)
    assert any(EDITOR in s for s in _texts(at.success)) and _attempts(EDITOR) == 0
    # How long the sign-in lasts (12 hours by default), in the reader's format (AppTest: UTC).
    until = next(c for c in _texts(at.caption) if c.startswith("Tetap masuk di peramban ini sampai "))
    assert re.search(r"sampai \d{1,2} \w{3} 20\d\d \d\d\.\d\d, juga setelah", until), until
    # The signed cookie is written once by a script (Streamlit has no cookie API outside st.login).
    [script] = _cookie_scripts(at)
    assert "zi_editor=v1:siti:" in script and "SameSite=Strict" in script and "Max-Age=43200" in script
    at.run()
    assert not _cookie_scripts(at) and any(EDITOR in s for s in _texts(at.success))
    # Signing out deletes it.
    at.button(key="auth_sign_out").click().run()
    [script] = _cookie_scripts(at)
    assert "zi_editor=;" in script and "Max-Age=0" in script and not at.success


# ---------------------------------------------------------------------------------------------
# OIDC (st.login / st.user)


def test_oidc_sign_in_is_offered_when_auth_is_configured(app):
    # AppTest's at.secrets does not reach the section st.user checks, so say "logged out" ourselves.
    at = _open(app, {"auth": AUTH, "zi": {"editors": ["operator@example.go.id"]}},
               user={"is_logged_in": False})
    assert "auth_login_keycloak" in _keys(at.button)
    assert _writable(at) == set() and not at.text_input  # no local accounts: no password form
    # Clicking it without Authlib (or without a reachable provider) is a message, not a traceback.
    at.button(key="auth_login_keycloak").click().run()
    assert not at.exception, at.exception


def test_an_oidc_editor_gets_the_editing_controls(app):
    at = _open(app, {"auth": AUTH, "zi": {"editors": ["Operator@Example.go.id"]}},
               user={"is_logged_in": True, "email": "operator@example.go.id", "name": "Operator"})
    assert at.file_uploader and {"data_delete", "dl_template"} <= _writable(at)
    assert any("operator@example.go.id" in s for s in _texts(at.success))


def test_an_oidc_user_who_is_not_an_editor_stays_a_viewer(app):
    at = _open(app, {"auth": AUTH, "zi": {"editors": ["operator@example.go.id"]}},
               user={"is_logged_in": True, "email": "someone@example.go.id"})
    assert _writable(at) == set()
    assert any("someone@example.go.id" in w for w in _texts(at.warning))


def test_decide_editor():
    from ui.auth import Editor, auth_config, decide_editor

    oidc = auth_config({"auth": AUTH, "zi": {"editors": ["Operator@Example.go.id"]}})
    assert oidc.oidc_providers == ("keycloak",) and not oidc.local
    user = {"is_logged_in": True, "email": "operator@example.go.id"}
    assert decide_editor(oidc, user, None) == Editor("operator@example.go.id", "oidc")
    assert decide_editor(oidc, {**user, "email_verified": False}, None) is None
    assert decide_editor(oidc, {"email": "operator@example.go.id"}, None) is None  # not logged in
    # Without [auth], st.user's e-mail (AppTest and some hosts set one) never makes an editor.
    assert decide_editor(auth_config({"zi": {"editors": ["operator@example.go.id"]}}), user, None) is None
    default = auth_config({"auth": {"redirect_uri": "x", "cookie_secret": "y", "client_id": "z",
                                    "server_metadata_url": "https://sso/"}})
    assert default.oidc_providers == (None,)
    local = auth_config({"zi": {"accounts": {EDITOR: hash_password(PASSWORD, rounds=4)}}})
    assert decide_editor(local, {}, "SITI") == Editor(EDITOR, "local")
    assert decide_editor(local, {}, "removed-account") is None
    assert decide_editor(auth_config({}), {}, EDITOR) is None


# ---------------------------------------------------------------------------------------------
# Editors: preview, import, delete


def _file_key(data: bytes) -> str:
    return f"data_file_{hashlib.sha256(data).hexdigest()[:16]}"


def _choose(at, data: bytes, unit: str | None = None, year: int | None = None, stage: str | None = None):
    """Set one uploaded file's unit, year and stage (those given) and run."""
    key = _file_key(data)
    if unit is not None:
        at.selectbox(key=f"{key}_unit").set_value(unit)
    if year is not None:
        at.number_input(key=f"{key}_year").set_value(year)
    if stage is not None:
        at.selectbox(key=f"{key}_stage").set_value(stage)
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at, column: str):
    """The display values (a Styler's) of the first table on the page with this column."""
    import io

    import pyarrow as pa

    for df in at.dataframe:
        if column in df.value.columns:
            data = df.proto.arrow_data.styler.display_values
            return pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas()
    raise AssertionError(f"no table with a column {column!r}")


def _frame(at, column: str):
    """The first table on the page with this column."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {column!r}")


@needs_master
def test_an_editor_previews_imports_and_the_log_names_the_editor(app, app_db, editor_hash, workbook):
    store = Store(app_db)
    stored_before = editing.stored_round(store, ITJEN, 2025, "tpn")
    expected = reference_score(full_answers())["total"]
    assert stored_before is not None and abs(stored_before.scorecard.total - expected) > 1

    # The sidebar shows another unit (Setjen): the import must not take it.
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}}, unit=SETJEN)
    at.switch_page("views/ringkasan.py").run()
    overview_before = _overview_total(at, ITJEN_NAME)  # fills the caches of the overview
    assert overview_before == pytest.approx(stored_before.scorecard.total, abs=0.005)  # shown with 2 decimals
    at.switch_page("views/kelola-data.py").run()
    _sign_in(at, EDITOR, PASSWORD)
    assert any(EDITOR in s for s in _texts(at.success))

    at.file_uploader(key="data_upload").set_value(("lke-itjen.xlsx", workbook, XLSX)).run()
    assert not at.exception, at.exception
    key = _file_key(workbook)
    # The unit is suggested by the workbook's own title row ("Unit Kerja : Inspektorat Jenderal"),
    # not taken from the sidebar; year and stage are asked, and nothing can be imported before.
    assert at.selectbox(key=f"{key}_unit").value == ITJEN
    assert any("Unit disarankan dari isi berkas" in c and "Inspektorat Jenderal" in c for c in _texts(at.caption))
    assert at.number_input(key=f"{key}_year").value is None and at.selectbox(key=f"{key}_stage").value is None
    assert any("Pilih unit kerja, tahun, dan tahap" in i for i in _texts(at.info))
    assert at.button(key="data_confirm").disabled
    _choose(at, workbook, year=2025, stage="tpn")
    row = _frame(at, "total_after").iloc[0]
    assert row["total_after"] == pytest.approx(expected)
    assert row["total_before"] == pytest.approx(stored_before.scorecard.total)
    shown = _shown(at, "total_after").iloc[0]  # what the grid displays: the language's number format
    assert shown["total_after"] == f"{expected:.2f}".replace(".", ",")
    assert shown["total_before"] == f"{stored_before.scorecard.total:.2f}".replace(".", ",")
    assert row["status"] == "diganti" and row["completeness"] == pytest.approx(100)
    assert row["predicate_before"] != "–"
    assert store.audit_log(1)["action"].iloc[0] == "seed_demo"  # nothing written by the preview

    at.button(key="data_confirm").click().run()
    assert not at.exception, at.exception
    assert any("lke-itjen.xlsx" in s for s in _texts(at.success))
    assert at.progress and at.progress[0].value == 100
    # A link to the profile of the imported round, with its unit, year and stage.
    link = next(e for e in at.get("page_link") if "Lihat profil" in e.proto.label)
    assert "Itjen 2025 tahap TPN" in link.proto.label and "kemendesa-itjen" in link.proto.query_string
    after = editing.stored_round(store, ITJEN, 2025, "tpn")
    assert after.scorecard.total == pytest.approx(expected)
    assert after.scorecard.completeness.complete
    log = store.audit_log(1).iloc[0]
    assert (log["actor"], log["action"], log["file_name"]) == (EDITOR, "import_lke", "lke-itjen.xlsx")
    assert log["file_sha256"] == hashlib.sha256(workbook).hexdigest()
    # The preview of the same file now says there is nothing left to write, and does not count
    # it as a file waiting for a choice.
    assert _frame(at, "total_after").iloc[0]["status"] == "tidak berubah"
    assert at.button(key="data_confirm").disabled
    assert not any("menunggu" in i for i in _texts(at.info))
    # The overview's cached round refreshed by itself (it keys on the data version).
    assert _overview_total(at, ITJEN_NAME) == pytest.approx(expected, abs=0.005)


@needs_master
def test_a_file_named_after_its_unit_round_gets_all_three_suggested(app, editor_hash):
    data = to_bytes(build_lampiran3(full_answers()))
    at = _sign_in(_open(app, {"zi": {"accounts": {EDITOR: editor_hash}}}), EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value(("LKE ZI Setjen 2026 - TPI.xlsx", data, XLSX)).run()
    key = _file_key(data)
    # The title row names the Itjen, the file name the Setjen: the workbook's content wins for
    # the unit, the file name gives year and stage.
    assert at.selectbox(key=f"{key}_unit").value == ITJEN
    assert (at.number_input(key=f"{key}_year").value, at.selectbox(key=f"{key}_stage").value) == (2026, "tpi")
    captions = _texts(at.caption)
    assert any("Tahun dan tahap disarankan dari nama berkas" in c for c in captions), captions
    assert not at.button(key="data_confirm").disabled


@needs_master
def test_a_file_that_names_no_unit_asks_for_it(app, editor_hash):
    answers = full_answers()
    wb = build_lampiran3(answers)
    wb.active["B2"] = "Unit Kerja : ........"
    data = to_bytes(wb)
    at = _sign_in(_open(app, {"zi": {"accounts": {EDITOR: editor_hash}}}), EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value(("lke.xlsx", data, XLSX)).run()
    key = _file_key(data)
    assert at.selectbox(key=f"{key}_unit").value is None  # never the sidebar's unit
    assert any("tidak menyebut unit yang terdaftar" in c for c in _texts(at.caption))
    assert any("1 berkas menunggu" in i for i in _texts(at.info))
    assert at.button(key="data_confirm").disabled
    _choose(at, data, unit=SETJEN, year=2026, stage="mandiri")
    assert not at.button(key="data_confirm").disabled
    assert _frame(at, "total_after").iloc[0]["unit"] == "Setjen"


@needs_master
def test_several_files_with_per_file_unit_and_stage(app, app_db, editor_hash, workbook):
    store = Store(app_db)
    jawaban = to_bytes(build_jawaban(full_answers(), tpi=full_answers()))
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value([("itjen.xlsx", workbook, XLSX),
                                                   ("setjen-portalrb.xlsx", jawaban, XLSX),
                                                   ("bad.xlsx", BAD.read_bytes(), XLSX)]).run()
    assert not at.exception, at.exception
    # The PortalRB file's unit comes from its name; its stages from the file (mandiri + tpi).
    assert at.selectbox(key=f"{_file_key(jawaban)}_unit").value == SETJEN
    assert at.selectbox(key=f"{_file_key(jawaban)}_stage").value == "file"
    _choose(at, workbook, year=2027, stage="tpn")
    _choose(at, jawaban, year=2027)
    assert any("1 berkas memiliki masalah" in w for w in _texts(at.warning))  # the bad file is skipped
    assert "Impor 2 berkas" in at.button(key="data_confirm").label
    at.button(key="data_confirm").click().run()
    assert not at.exception, at.exception
    assert at.progress[0].value == 100
    assert editing.stored_round(store, ITJEN, 2027, "tpn") is not None
    for stage in ("mandiri", "tpi"):
        assert editing.stored_round(store, SETJEN, 2027, stage).scorecard.total == pytest.approx(
            reference_score(full_answers())["total"])
    log = store.audit_log(2)
    assert list(log["actor"]) == [EDITOR, EDITOR] and set(log["file_name"]) == {"itjen.xlsx", "setjen-portalrb.xlsx"}
    # A new year shows in the sidebar without a further click (the import ran before the page).
    assert 2027 in at.sidebar.selectbox(key="tahun").options or "2027" in at.sidebar.selectbox(key="tahun").options


def test_a_bad_file_shows_its_problem_first_and_leaves_the_database_untouched(app, app_db, editor_hash):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, EDITOR, PASSWORD)
    before = _db_fingerprint(app_db)
    at.file_uploader(key="data_upload").set_value(("invalid_option.xlsx", BAD.read_bytes(), XLSX)).run()
    assert not at.exception, at.exception
    assert any("menghalangi impor berkas ini" in e for e in _texts(at.error))
    problems = _frame(at, "cell")
    hit = problems[problems["cell"] == "K23"]
    assert len(hit) == 1 and hit.iloc[0]["sheet"] == "LKE ZI"
    assert "'Mungkin' bukan pilihan jawaban" in hit.iloc[0]["message"]  # in the page's language
    assert at.button(key="data_confirm").disabled
    at.run()  # AppTest (like a browser) cannot click the disabled confirm button
    assert _db_fingerprint(app_db) == before


@needs_master
def test_blocking_problems_come_first_and_warnings_follow_collapsed(app, editor_hash):
    answers = full_answers()
    answers[5] = "Mungkin"
    wb = build_lampiran3(answers)
    wb.copy_worksheet(wb.active).title = "LKE ZI (salinan)"  # a second LKE sheet: a warning
    data = to_bytes(wb)
    at = _sign_in(_open(app, {"zi": {"accounts": {EDITOR: editor_hash}}}), EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value(("lke-itjen.xlsx", data, XLSX)).run()
    assert not at.exception, at.exception
    # A file that cannot be imported does not ask for its round.
    assert f"{_file_key(data)}_year" not in _keys(at.number_input)
    blocking = [e for e in at.error if "menghalangi" in e.value]
    assert len(blocking) == 1
    [expander] = [e for e in at.expander if "peringatan" in e.label]
    assert expander.label.startswith("1 peringatan") and not expander.proto.expanded
    warned = expander.dataframe[0].value
    assert list(warned["sheet"]) == ["LKE ZI (salinan)"]
    # the blocking table is drawn before the expander and holds the fatal problem only
    frames = [df.value for df in at.dataframe if "cell" in df.value.columns]
    assert "Mungkin" in frames[0].iloc[0]["message"] and len(frames[0]) == 1
    assert at.button(key="data_confirm").disabled


@needs_master
def test_a_busy_database_is_a_message_not_a_traceback(app, app_db, editor_hash, workbook, monkeypatch):
    import zi_metrics.lke.importer as importer
    from zi_metrics.store import StoreBusyError

    def busy(*_args, **_kwargs):
        raise StoreBusyError(f"database file {app_db} is busy: held by another process; try again later")

    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value(("lke.xlsx", workbook, XLSX)).run()
    _choose(at, workbook, year=2025, stage="tpi")
    before = _db_fingerprint(app_db)
    monkeypatch.setattr(importer, "save_rounds", busy)
    at.button(key="data_confirm").click().run()
    assert not at.exception, at.exception
    assert any("is busy" in e and "lke.xlsx" in e for e in _texts(at.error)), _texts(at.error)
    assert _db_fingerprint(app_db) == before


@needs_master
def test_an_account_removed_after_the_preview_cannot_confirm(app, app_db, editor_hash, workbook):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value(("lke.xlsx", workbook, XLSX)).run()
    _choose(at, workbook, year=2025, stage="tpi")
    before = _db_fingerprint(app_db)
    at.secrets["zi"] = {"accounts": {"budi": editor_hash}}  # the administrator removed siti
    at.button(key="data_confirm").click().run()
    assert not at.exception, at.exception
    assert any("masuk kembali" in e for e in _texts(at.error))
    assert _db_fingerprint(app_db) == before and _writable(at) == set()


@needs_master
def test_the_page_in_english(app, editor_hash, workbook):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}}, lang="en")
    assert any("viewing as a visitor" in i for i in _texts(at.info))
    _sign_in(at, EDITOR, "wrong-password")
    assert any("Attempts left: 4" in e for e in _texts(at.error))
    _sign_in(at, EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value(("lke.xlsx", workbook, XLSX)).run()
    assert any("Unit suggested by the file's content" in c for c in _texts(at.caption))
    assert any("Choose this file's work unit, year and evaluation stage" in i for i in _texts(at.info))
    _choose(at, workbook, year=2025, stage="tpi")
    assert any("completeness 100%" in c for c in _texts(at.caption))
    assert at.button(key="data_confirm").label == "Import 1 file(s)"
    assert _frame(at, "total_after").iloc[0]["status"] == "replaced"


def test_deleting_a_round_takes_a_confirmation(app, app_db, editor_hash):
    store = Store(app_db)
    assert store.evaluation_id(ITJEN, 2025, "tpn") is not None
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, EDITOR, PASSWORD)
    assert at.selectbox(key="data_delete_round").value == (2025, "tpn")
    at.button(key="data_delete").click().run()
    assert any("tidak dapat dibatalkan" in w for w in _texts(at.warning))
    at.button(key="data_delete_cancel").click().run()
    assert "data_delete" in _keys(at.button) and store.evaluation_id(ITJEN, 2025, "tpn") is not None
    at.button(key="data_delete").click().run()
    at.button(key="data_delete_confirm").click().run()
    assert not at.exception, at.exception
    assert store.evaluation_id(ITJEN, 2025, "tpn") is None
    log = store.audit_log(1).iloc[0]
    assert (log["actor"], log["action"]) == (EDITOR, "delete_evaluation")
    assert any("dihapus" in s for s in _texts(at.success))
    # The page's log says which round was deleted, by whom and when, as a sentence.
    newest = _log_entries(at)[0]
    when = r"\d{1,2} \w{3} 20\d\d \d\d\.\d\d"
    assert re.fullmatch(rf"{EDITOR} menghapus penilaian Itjen 2025 TPN, {when}", newest), newest


def test_the_log_reads_as_sentences_in_english_in_the_readers_time_zone(app, app_db, editor_hash):
    store = Store(app_db)
    store.save_evaluation(ITJEN, 2030, "mandiri", "permenpanrb-90-2021", answers={1: "Ya"}, actor="budi")
    store.record_refused_sign_in("admin", "locked", client="203.0.113.9")
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}}, lang="en")
    assert _log_entries(at)[0].startswith("budi saved the round ")  # a viewer: no refused sign-in
    _sign_in(at, EDITOR, PASSWORD)
    entries = _log_entries(at)
    assert entries[0].startswith("A sign-in as admin from 203.0.113.9 was refused: too many failed attempts, ")
    assert entries[1].startswith("budi saved the round Itjen 2030 Self-assessment, ")
    assert any(e.startswith("demo-generator loaded the demo data: ") for e in entries)
    assert not any("{" in e or "_" in e.split(",")[0] for e in entries)  # no JSON, no action code
    assert list(at.dataframe[-1].value.columns) == ["entry", "file_sha256"]
    assert any("UTC" in c for c in _texts(at.caption))  # AppTest has no browser time zone


def test_editor_downloads_are_offered_for_the_sidebar_selection(app, editor_hash):
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    _sign_in(at, EDITOR, PASSWORD)
    assert {"dl_recap", "dl_lke", "dl_payload", "dl_template", "dl_backup"} <= _keys(at.download_button)
    assert any(s.value == "Cadangan basis data" for s in at.subheader)
    # 2018 was stored as a recap of area points: no LKE workbook to export.
    at = _sign_in(_open(_fresh_app(), {"zi": {"accounts": {EDITOR: editor_hash}}}, tahun="2018", tahap="tpi"),
                  EDITOR, PASSWORD)
    assert "dl_lke" not in _keys(at.download_button) and "dl_recap" in _keys(at.download_button)


def _fresh_app():
    """Another browser session on the same database (the ``app`` fixture is one session)."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)


def _overview_total(at, unit_name: str) -> float:
    at.switch_page("views/ringkasan.py").run()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    shown = frame.loc[frame["unit"] == unit_name, "total"].iloc[0]  # text in the interface's format: "87,73"
    return float(shown.replace(".", "").replace(",", "."))


# ---------------------------------------------------------------------------------------------
# zi_metrics.editing


@needs_master
def test_editing_import_previews_reports_progress_and_skips_fatal_files(app_db, workbook):
    store = Store(app_db)
    good = editing.prepare_upload(store, workbook, "good.xlsx", unit_id=ITJEN, year=2026, stage="tpn")
    bad = editing.prepare_upload(store, BAD.read_bytes(), "bad.xlsx", unit_id=ITJEN, year=2026, stage="tpn")
    assert editing.importable(good) and not editing.importable(bad)
    [change] = editing.compare_with_stored(store, good)
    assert (change.status, change.total_before) == ("new", None)
    seen = []
    results = editing.import_previews(store, [good, bad], actor="tester",
                                      progress=lambda done, total, r: seen.append((done, total)))
    assert seen == [(1, 1)] and results[0].written
    assert editing.lke_exportable(store, ITJEN, 2026, "tpn")
    assert editing.delete_round(store, ITJEN, 2026, "tpn", actor="tester") > 0
    assert not editing.lke_exportable(store, ITJEN, 2026, "tpn")


def test_editing_a_recap_plans_its_own_rows_whatever_unit_is_chosen(app_db):
    from zi_metrics.lke import recap_template

    store = Store(app_db)
    text = recap_template("csv").decode() + (
        "kemendesa-setjen,2026,tpi,,6.5,5.6,8,8.2,12,8.4,3.62,B,,3.41\n"
        "kemendesa-itjen,2026,tpi,,4,3.5,6,5,9,6,3.1,C,,3.0\n")
    preview = editing.prepare_upload(store, text.encode(), "rekap.csv", unit_id=ITJEN, year=2025, stage="tpn")
    assert preview.layout == "recap" and not preview.fatal
    assert [(r.unit_id, r.year, r.stage) for r in preview.rounds] == [
        ("kemendesa-setjen", 2026, "tpi"), ("kemendesa-itjen", 2026, "tpi")]


@needs_master
def test_the_preview_shows_the_workbook_total_beside_the_project_and_skips_lock_files(app, editor_hash):
    """Issue #10.2/10.3: the official form saved by LibreOffice (cached results) and Excel's lock file."""
    saved = (REPO / "tests" / "fixtures" / "lke-official" / "unit-complete-saved.xlsx").read_bytes()
    at = _open(app, {"zi": {"accounts": {EDITOR: editor_hash}}})
    at.switch_page("views/kelola-data.py").run()
    _sign_in(at, EDITOR, PASSWORD)
    at.file_uploader(key="data_upload").set_value([("lke-unit.xlsx", saved, XLSX),
                                                    ("~$lke-unit.xlsx", b"\x0bAdministrator" + b"\0" * 150,
                                                     XLSX)]).run()
    assert not at.exception, at.exception
    assert any("~$lke-unit.xlsx" in c and "Berkas kunci Excel" in c for c in _texts(at.caption))
    _choose(at, saved, unit=ITJEN, year=2025, stage="tpi")
    captions = _texts(at.caption)
    assert any("81,17 (L208)" in c and "81,31" in c and "2 baris" in c for c in captions), captions
    why = next(df.value for df in at.dataframe if "why" in df.value.columns)
    assert list(why["cell"]) == ["J8", "L175"]
    assert "AVERAGE(L176:L179)*H175" in why["why"].iloc[1]
    assert at.button(key="data_confirm").label == "Impor 1 berkas"
