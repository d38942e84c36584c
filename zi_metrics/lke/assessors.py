"""Exports with several assessors: which column belongs to whom, and the follow-up facts per item.

PortalRB's 2026 export and the agencies' working copies of it carry, per question row, one answer
column per assessor (``Jawaban Unit``, ``Jawaban TPI``, ``Jawaban TPI Itjen`` ...), each with its
note, evidence link and score, and the assessors' working copies add follow-up columns: the
assessor's note addressed, evidence for the period present, evidence named correctly (TRUE/FALSE)
and the person in charge (PIC). This module reads the header texts; :mod:`zi_metrics.lke.jawaban`
reads the rows.

Which assessor a column belongs to (documented choice, see README "Exports with several
assessors"):

* ``Unit``, ``Mandiri``, ``Satker``: the unit's self-assessment, stage ``mandiri``;
* ``TPI Itjen``, ``TPI Inspektorat``, ``TPI Kementerian``/``Lembaga``/``Instansi`` (or ``Itjen``
  alone): the agency's own TPI, the one whose result is proposed to KemenPANRB: stage ``tpi``;
* ``TPI Eselon I``, ``TPI Unit Utama``, ``TPI Ditjen``: the eselon-I preliminary review that some
  ministries run before their Itjen's TPI: stage ``tpi_eselon1``;
* ``TPI`` alone: stage ``tpi``, unless the same sheet also has a ministry TPI column (then the
  plain ``TPI`` is the lower review, ``tpi_eselon1``);
* ``TPN``, ``KemenPANRB``: stage ``tpn``.

A note, evidence, score or follow-up column whose header names no assessor (for a follow-up
column: no assessor but a bare "TPI", as in "Catatan TPI sudah ditindaklanjuti") belongs to the
answer column to its left (``Jawaban TPI | Catatan | Bukti Dukung``); one left of every answer
column, or the first bare ``Jawaban``, belongs to the unit. Follow-up facts (flags, PIC, status,
due date) that end up with the unit's columns are about the unit's evidence and belong to the
follow-up of the latest assessor in the sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.stages import ASSESSOR_STAGES

# Fields of a column.
ANSWER, NOTE, EVIDENCE, SCORE = "answer", "note", "evidence", "score"
ADDRESSED, PERIOD_OK, NAMED_OK, PIC, STATUS, DUE, FOLLOWUP_LINK = (
    "addressed", "period_ok", "named_ok", "pic", "status", "due", "followup_link")
FLAG_FIELDS = (ADDRESSED, PERIOD_OK, NAMED_OK)
FOLLOWUP_FIELDS = (*FLAG_FIELDS, PIC, STATUS, DUE, FOLLOWUP_LINK)

# Assessor keys found in header texts, before they are resolved to stages.
UNIT, ESELON1, TPI_PLAIN, TPI_MINISTRY, TPN = "unit", "eselon1", "tpi", "tpi_ministry", "tpn"
FOLLOWUP_STATUSES = ("belum", "proses", "selesai")


def header_key(value: Any) -> str:
    """A header's words: NFKC, case folded, punctuation as spaces, one space between words."""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = re.sub(r"[\s/\\_\-.,:;()\[\]{}|*#?!'\"`]+", " ", text)
    return f" {' '.join(text.split())} "  # padded so that " word " matches whole words


def _has(key: str, *words: str) -> bool:
    return any(f" {w} " in key for w in words)


def header_field(key: str) -> str | None:
    """What a column holds, from its header words (None: not an assessor's column)."""
    if _has(key, "pilihan jawaban", "jenis jawaban", "tipe jawaban", "pilihan", "kriteria"):
        return None  # the answer type or the criteria, not an answer
    if _has(key, "pic", "penanggung jawab", "person in charge", "pj", "petugas"):
        return PIC
    if _has(key, "batas waktu", "tenggat", "tenggat waktu", "due", "due date", "deadline", "target waktu",
            "target penyelesaian", "tanggal target", "jatuh tempo"):
        return DUE
    if _has(key, "status"):
        return STATUS
    if _has(key, "periode", "period", "tahun berjalan", "tahun penilaian", "sesuai tahun"):
        return PERIOD_OK
    if _has(key, "penamaan", "nama file", "named", "naming", "diberi nama", "nama bukti", "nama dokumen",
            "sesuai nama", "nama sesuai"):
        return NAMED_OK
    if _has(key, "ditindaklanjuti", "tindak lanjut", "tindaklanjut", "tl", "addressed", "follow up",
            "followed up", "telah diperbaiki", "sudah diperbaiki"):
        if _has(key, "bukti", "link", "tautan", "url", "evidence"):
            return FOLLOWUP_LINK
        return ADDRESSED
    if _has(key, "jawaban", "answer", "jawab"):
        return ANSWER
    if _has(key, "catatan", "keterangan", "penjelasan", "note", "notes", "komentar", "comment", "comments",
            "rekomendasi"):
        return NOTE
    if _has(key, "bukti", "bukti dukung", "evidence", "link", "tautan", "url", "dokumen", "data dukung"):
        return EVIDENCE
    if _has(key, "nilai", "skor", "score", "poin", "points"):
        return SCORE
    return None


def header_assessor(key: str) -> str | None:
    """Which assessor a header names (None: none)."""
    if _has(key, "tpn", "kemenpan", "kemenpanrb", "kemen panrb", "panrb", "nasional", "national"):
        return TPN
    eselon1 = _has(key, "eselon i", "eselon 1", "es i", "es 1", "es1", "esi", "eselon1", "unit utama", "ditjen",
                   "direktorat jenderal", "unit eselon i", "pra tpi", "pratpi")
    ministry = _has(key, "itjen", "inspektorat", "inspektorat jenderal", "kementerian", "kementrian", "lembaga",
                    "instansi", "k l", "kl", "pusat")
    if eselon1:
        return ESELON1
    if ministry:
        return TPI_MINISTRY
    if _has(key, "tpi", "internal"):
        return TPI_PLAIN
    if _has(key, "unit", "unit kerja", "mandiri", "satker", "satuan kerja", "self", "uk", "pengusul"):
        return UNIT
    return None


def resolve_stages(keys: list[str]) -> dict[str, str]:
    """Stage of each assessor key present in one sheet (see the module's docstring)."""
    present = set(keys)
    out = {UNIT: "mandiri", ESELON1: "tpi_eselon1", TPI_MINISTRY: "tpi", TPN: "tpn"}
    out[TPI_PLAIN] = "tpi_eselon1" if TPI_MINISTRY in present else "tpi"
    return {k: out[k] for k in keys}


# ---------------------------------------------------------------------------------------------
# Cell values of the follow-up columns

_TRUE = {"true", "benar", "ya", "y", "yes", "1", "sudah", "ada", "sesuai", "ok", "oke", "v", "\u2713", "\u2714",
         "\u221a", "lengkap", "done", "selesai", "terpenuhi", "memenuhi", "sudah sesuai", "sudah ada"}
_FALSE = {"false", "salah", "tidak", "tdk", "n", "no", "0", "belum", "tidak ada", "belum ada", "tidak sesuai",
          "belum sesuai", "\u2717", "\u2718", "kurang", "tidak lengkap", "belum lengkap", "f",
          "tidak memenuhi", "belum memenuhi"}
_BLANK = {"-", "\u2013", "n/a", "na", "#n/a"}
# Not understood on purpose: "T" (TRUE in English sheets, "Tidak" in Indonesian Y/T ones) and "x"
# (a tick in some checkbox columns, a cross in others).


def parse_flag(value: Any) -> tuple[bool | None, bool]:
    """(flag, understood) of a TRUE/FALSE cell in any usual spelling; blank is (None, True)."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return value, True
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value), True
        return None, False
    text = " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split()).strip(" .")
    if not text or text in _BLANK:
        return None, True
    if text in _TRUE:
        return True, True
    if text in _FALSE:
        return False, True
    return None, False


_STATUS_WORDS = {
    "belum": "belum", "belum dimulai": "belum", "belum ditindaklanjuti": "belum", "open": "belum",
    "not started": "belum", "baru": "belum", "todo": "belum", "to do": "belum",
    "proses": "proses", "dalam proses": "proses", "sedang diproses": "proses", "diproses": "proses",
    "on progress": "proses", "in progress": "proses", "progress": "proses", "berjalan": "proses",
    "sebagian": "proses",
    "selesai": "selesai", "sudah": "selesai", "sudah ditindaklanjuti": "selesai", "tuntas": "selesai",
    "done": "selesai", "closed": "selesai", "complete": "selesai", "completed": "selesai",
}


def parse_status(value: Any) -> tuple[str | None, bool]:
    """(belum | proses | selesai, understood); blank is (None, True)."""
    if value is None:
        return None, True
    text = " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())
    if not text:
        return None, True
    return _STATUS_WORDS.get(text), text in _STATUS_WORDS


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d")


def parse_due_date(value: Any) -> tuple[dt.date | None, bool]:
    """(date, understood) of a due-date cell: an Excel date, or text as 2026-07-31 or 31/07/2026."""
    if value is None:
        return None, True
    if isinstance(value, dt.datetime):
        return value.date(), True
    if isinstance(value, dt.date):
        return value, True
    text = str(value).strip()
    if not text:
        return None, True
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), True
        except ValueError:
            continue
    return None, False


def derived_status(addressed: bool | None, period_ok: bool | None, named_ok: bool | None) -> str:
    """The status of an imported follow-up without a status column: ``selesai`` when every check
    given is TRUE (at least one given), ``proses`` when some are, ``belum`` otherwise."""
    known = [f for f in (addressed, period_ok, named_ok) if f is not None]
    if known and all(known):
        return "selesai"
    if any(known):
        return "proses"
    return "belum"


# ---------------------------------------------------------------------------------------------
# What a reader returns per assessor


@dataclass
class FollowUpFacts:
    """The follow-up columns of one item in one assessor's working copy (None / '' = not given)."""

    addressed: bool | None = None
    period_ok: bool | None = None
    named_ok: bool | None = None
    pic: str = ""
    status: str | None = None
    due_date: dt.date | None = None
    evidence_url: str = ""  # the follow-up's own evidence link (else the unit's evidence is used)

    def is_empty(self) -> bool:
        return (self.addressed is None and self.period_ok is None and self.named_ok is None and not self.pic
                and self.status is None and self.due_date is None and not self.evidence_url)

    def merged(self, other: FollowUpFacts) -> FollowUpFacts:
        """These facts, with the blanks filled from ``other``."""
        return FollowUpFacts(
            self.addressed if self.addressed is not None else other.addressed,
            self.period_ok if self.period_ok is not None else other.period_ok,
            self.named_ok if self.named_ok is not None else other.named_ok,
            self.pic or other.pic,
            self.status or other.status,
            self.due_date or other.due_date,
            self.evidence_url or other.evidence_url)


@dataclass
class AssessorSet:
    """One assessor's answers in a multi-assessor export: the stage they become, the header that
    named them, where they were read, and per question the answer, note, evidence and follow-up."""

    stage: str
    header: str
    column: str
    answers: dict[int, Any] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    followups: dict[int, FollowUpFacts] = field(default_factory=dict)

    @property
    def is_assessor(self) -> bool:
        """Whether this is an assessor's review (its notes become follow-ups), not the unit's own."""
        return self.stage in ASSESSOR_STAGES
