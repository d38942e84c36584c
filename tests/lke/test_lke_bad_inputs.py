"""The bad-input corpus (tests/fixtures/bad/, made by tests/fixtures/make_bad_fixtures.py): every
file gives its fatal problem with the expected message, sheet and cell, and importing it leaves
the database file byte-for-byte unchanged."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from lke_testlib import REPO, file_hash, needs_master

from zi_metrics.lke import MAX_FILE_BYTES, read_bytes, read_file
from zi_metrics.lke.importer import import_file, prepare_import

BAD = REPO / "tests" / "fixtures" / "bad"
INDEX = json.loads((BAD / "index.json").read_text(encoding="utf-8"))


def test_the_corpus_is_complete():
    files = {p.name for p in BAD.iterdir()} - {"index.json"}
    assert files == {e["file"] for e in INDEX}
    assert len(files) >= 20
    assert len({e["expect"] for e in INDEX}) >= 20


def _fatal_matching(problems, entry):
    hits = [p for p in problems if p.fatal and entry["expect"] in p.message]
    shown = [str(p) for p in problems]
    assert hits, f"{entry['file']}: no fatal problem containing {entry['expect']!r}: {shown}"
    hit = hits[0]
    if "sheet" in entry:
        assert hit.sheet == entry["sheet"]
    if "cell" in entry:
        assert hit.cell == entry["cell"]
    return hit


@pytest.mark.parametrize("entry", [e for e in INDEX if "import" not in e], ids=lambda e: e["file"])
def test_each_bad_file_gives_its_problem(entry):
    parsed = read_file(BAD / entry["file"])
    assert parsed.fatal
    _fatal_matching(parsed.problems, entry)


@pytest.mark.parametrize("entry", [e for e in INDEX if "import" in e], ids=lambda e: e["file"])
def test_problems_found_at_import(entry, db):
    assert not read_file(BAD / entry["file"]).fatal  # the file itself is fine
    args = entry["import"]
    preview = prepare_import(BAD / entry["file"], unit_id=args["unit"], year=args["year"],
                             stage=args["stage"], store=db)
    assert preview.fatal and not preview.rounds
    _fatal_matching(preview.problems, entry)


def test_no_bad_file_changes_the_database(db):
    before = file_hash(db.path)
    for entry in INDEX:
        args = entry.get("import", {"unit": "kemendesa-itjen", "year": 2026, "stage": "mandiri"})
        result = import_file(db, BAD / entry["file"], actor="test", unit_id=args["unit"], year=args["year"],
                             stage=args["stage"])
        assert result.fatal and not result.written, entry["file"]
        _fatal_matching(result.problems, entry)
    assert file_hash(db.path) == before
    assert db.evaluations().empty


def test_a_file_over_20_mb_is_refused_before_it_is_read(tmp_path, db):
    big = tmp_path / "besar.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
    assert os.path.getsize(big) == 20 * 1024 * 1024 + 1
    parsed = read_file(big)
    assert parsed.fatal and "larger than the 20 MB limit" in parsed.problems[0].message
    before = file_hash(db.path)
    result = import_file(db, big, actor="test", unit_id="kemendesa-itjen", year=2026, stage="mandiri")
    assert result.fatal and "larger than the 20 MB limit" in result.problems[0].message
    assert file_hash(db.path) == before


def test_an_upload_stream_over_the_limit_is_refused(tmp_path):
    class Upload:
        name = "upload.xlsx"

        def __init__(self):
            self.read_sizes = []

        def read(self, n=-1):
            self.read_sizes.append(n)
            return b"PK\x03\x04" + b"\0" * (n - 4)

    upload = Upload()
    parsed = read_file(upload, max_bytes=1000)
    assert parsed.fatal and parsed.problems[0].code == "limit.file_size"
    assert "larger than the 0.000954 MB limit" in parsed.problems[0].message
    assert upload.read_sizes == [1001]  # never more than the limit + 1 byte


def test_bytes_that_are_neither_a_workbook_nor_json_nor_csv():
    parsed = read_bytes(b"\x00\x01\x02garbage", "data.bin")
    assert parsed.fatal and "is not an Excel workbook" in parsed.problems[0].message


@needs_master
def test_fixture_script_is_reproducible(tmp_path, monkeypatch):
    """Running the generator again yields the same files, messages and cells (workbooks differ only
    in their timestamps, so only the other files are compared byte for byte)."""
    spec = importlib.util.spec_from_file_location("make_bad_fixtures",
                                                  REPO / "tests" / "fixtures" / "make_bad_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path / "bad")
    module.main()
    assert json.loads((tmp_path / "bad" / "index.json").read_text(encoding="utf-8")) == INDEX
    compared = 0
    for entry in INDEX:
        new = (tmp_path / "bad" / entry["file"]).read_bytes()
        if new[:4] != b"PK\x03\x04":
            assert new == (BAD / entry["file"]).read_bytes(), entry["file"]
            compared += 1
        else:
            assert read_bytes(new, entry["file"]).problems == read_file(BAD / entry["file"]).problems
    assert compared >= 10
