"""A demo database holding hostile data wherever users and files can put text, shared by the AppTest
walk (tests/reliability/test_hostile_pages.py) and the Chromium walk (tests/browser/test_hostile_render.py).

The unit ``unit-uji-xss`` has a hostile name and short name (HTML, script, Markdown links and images,
bare addresses, an e-mail address, a right-to-left override, control characters, emoji/icon/colour/
math shortcodes; as long as the store allows), hostile notes and evidence on every answer of its
2026 rounds (up to the store's 4,000 characters), follow-ups with a hostile PIC and evidence links
(``javascript:``, Markdown, and one valid web address that tries to close the link and open an
image), a hostile decree and revocation reason, and an audit row with a hostile actor and file name.
Every hostile address points at ``evil.example``: the walks assert that no link or image of the
page leads there and that the browser asks no host but the app's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

UNIT = "unit-uji-xss"
YEAR = 2026
F90 = "permenpanrb-90-2021"
EVIL = "evil.example"
# The one evidence link the code may draw (a validated http(s) address): its host is not evil, but
# its path tries to close the Markdown link and start an image from evil.example.
VALID_LINK = "https://bukti.example/a)![p](http://evil.example/p.png)"
VALID_HOST = "bukti.example"

PIECES = (
    "<script>alert('zi-xss')</script>",
    "<img src=//evil.example/t.png>",
    "[klik](http://evil.example/l)",
    "![gambar](http://evil.example/i.png)",
    "<http://evil.example/a>",
    "http://evil.example/b",
    "www.evil.example/w",
    "mata@evil.example",
    "\u202egnp.exe\u202c",
    "\x07\x1b[31m",
    ":smile: :material/home: :red[merah] $x^2$",
    "AT&amp;T #h |t|",
)
HOSTILE = " ".join(PIECES)
NAME = "Unit Uji " + HOSTILE  # within the store's limit for a name (300)
assert len(NAME) <= 300
SHORT = "Uji [k](http://evil.example/s) ![i](http://evil.example/s.png) \u202eRTL"[:100]
NOTE = ("Catatan\n\n" + HOSTILE + "\n") * 40
NOTE = NOTE[:4000]  # the store's limit for a note
EVIDENCE = (HOSTILE + " javascript:alert(1)")[:1000]
PIC = "<b>PIC</b> [x](http://evil.example/pic) pic@evil.example"[:200]
ACTOR = "<img src=http://evil.example/actor.png> [a](http://evil.example/actor)"[:200]
FILE_NAME = "<img src=http://evil.example/f.png> [f](http://evil.example/f) \u202exslx.exe"
EVIDENCE_URLS = ("javascript:alert(1)", "[x](http://evil.example/u)", VALID_LINK)


def build(path: Path) -> Path:
    """The demo database at ``path`` (created) with the hostile unit and its rounds."""
    from zi_metrics.database import ensure_database
    from zi_metrics.store import Store, Unit, save_rounds

    ensure_database(path)
    store = Store(path)
    store.upsert_unit(Unit(UNIT, NAME, "eselon1", parent_id="kemendesa", short_name=SHORT), actor=ACTOR)
    base = store.answer_values(store.evaluation_id("kemendesa-itjen", YEAR, "tpi"))
    rounds: list[dict[str, Any]] = []
    for stage in ("mandiri", "tpi"):
        answers = {q: {"answer": v, "note": NOTE, "evidence_ref": EVIDENCE} for q, v in base.items()}
        spec: dict[str, Any] = {"unit_id": UNIT, "year": YEAR, "stage": stage, "framework_id": F90,
                                "answers": answers}
        if stage == "tpi":
            spec["follow_ups"] = {
                q: {"pic": PIC, "status": ("belum", "proses", "selesai")[n % 3], "due_date": "2026-09-30",
                    "note_addressed": n % 2 == 0, "evidence_period_ok": None, "evidence_named_ok": False,
                    "evidence_url": EVIDENCE_URLS[n % len(EVIDENCE_URLS)]}
                for n, q in enumerate(follow_up_questions())}
        rounds.append(spec)
    save_rounds(store, rounds, actor=ACTOR, file_name=FILE_NAME, file_sha256="ab" * 32)
    store.award_predicate(UNIT, 2024, "WBK", f"SK {HOSTILE}"[:300], actor=ACTOR)
    store.revoke_predicate(UNIT, 2024, "WBK", revoked_on="2025-03-01", reason=HOSTILE[:300], actor=ACTOR)
    return path


def follow_up_questions() -> list[int]:
    """The questions of the hostile unit's tpi round that have a follow-up."""
    from zi_metrics.framework import load_framework

    return sorted(load_framework(F90).questions)[:12]


def valid_link_question() -> int:
    """A question whose follow-up has the valid (but hostile-looking) evidence link."""
    return follow_up_questions()[EVIDENCE_URLS.index(VALID_LINK)]
