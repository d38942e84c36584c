"""Tindak lanjut: the follow-up of every assessor's note, per LKE item of a round (issue #11.4).

A follow-up belongs to one item (question) of one evaluation round of an assessor stage (TPI
eselon I, TPI, TPN): the assessor's note on that item is what has to be followed up. It records
the person in charge (PIC), a due date, a status (``belum`` / ``proses`` / ``selesai``), the three
checks assessors' working copies carry (the note addressed, the evidence for the period present,
the evidence named correctly: True / False / None = not checked yet) and an evidence link.

This module is pure: the store (``zi_metrics.store``) keeps the rows, this module validates an
edit, derives what a page shows (area, question, lateness, the kinds of shortfall), filters, and
computes the progress per unit and per area. Figures are counts of items, never scores.

Kinds of shortfall (a follow-up may have several):

* ``note_not_addressed``: the note is not (yet) marked as addressed;
* ``evidence_period_missing``: the evidence for the period was checked and is missing;
* ``evidence_misnamed``: the evidence was checked and is not named as required;
* ``late``: past its due date and not ``selesai``;
* ``no_pic``: nobody is in charge and it is not ``selesai``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from zi_metrics.framework import Framework, FrameworkError, load_framework
from zi_metrics.i18n import t

STATUSES: tuple[str, ...] = ("belum", "proses", "selesai")
CHECKS: tuple[str, ...] = ("note_addressed", "evidence_period_ok", "evidence_named_ok")
SHORTFALLS: tuple[str, ...] = ("note_not_addressed", "evidence_period_missing", "evidence_misnamed", "late",
                               "no_pic")
HASIL_AREA = "hasil"  # the area key of the hasil questions (surveys, capaian kinerja)
MAX_PIC = 200
MAX_LINK = 2000
MIN_DUE, MAX_DUE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
#: the columns of a follow-up frame as the store returns it
FRAME_COLUMNS: tuple[str, ...] = (
    "evaluation_id", "unit_id", "unit_name", "year", "stage", "framework_id", "question_id", "assessor_note",
    "pic", "due_date", "status", "note_addressed", "evidence_period_ok", "evidence_named_ok", "evidence_url",
    "edited", "version", "updated_at", "updated_by")

_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$|^\d{1,3}(?:\.\d{1,3}){3}$",
                   re.IGNORECASE)


def valid_url(text: Any) -> str | None:
    """``text`` when it is one web address (http or https, a host name, no spaces), else None:
    only such a link is drawn as a link; anything else is shown as plain text."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if not value or len(value) > MAX_LINK or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(host):
        return None
    return value


# ---------------------------------------------------------------------------------------------
# Editing


class FollowUpInputError(ValueError):
    """An edit refused before anything is written: ``key`` and ``params`` make the message in the
    user's language (:meth:`message`); ``str()`` is the English one."""

    def __init__(self, key: str, **params: Any):
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, lang: str = "id") -> str:
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class FollowUpEdit:
    """The editable fields of one follow-up, validated."""

    pic: str | None = None
    due_date: dt.date | None = None
    status: str = "belum"
    note_addressed: bool | None = None
    evidence_period_ok: bool | None = None
    evidence_named_ok: bool | None = None
    evidence_url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"pic": self.pic, "due_date": self.due_date, "status": self.status,
                "note_addressed": self.note_addressed, "evidence_period_ok": self.evidence_period_ok,
                "evidence_named_ok": self.evidence_named_ok, "evidence_url": self.evidence_url}


def _check(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1) and not pd.isna(value):
        return bool(value)
    raise FollowUpInputError("followup.error.check", field=field, value=str(value)[:40])


def _date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, pd.Timestamp):
        value = value.date()
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise FollowUpInputError("followup.error.due_date", value=text[:40]) from None
    if not isinstance(value, dt.date):
        raise FollowUpInputError("followup.error.due_date", value=str(value)[:40])
    if not MIN_DUE <= value <= MAX_DUE:
        raise FollowUpInputError("followup.error.due_range", value=value.isoformat())
    return value


def _text(value: Any, limit: int, key: str) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if not isinstance(value, str):
        raise FollowUpInputError(key, limit=limit)
    text = " ".join(value.replace("\x00", "").split()) if key == "followup.error.pic" else value.strip()
    if len(text) > limit:
        raise FollowUpInputError(key, limit=limit)
    return text or None


def validate_edit(values: Mapping[str, Any]) -> FollowUpEdit:
    """A :class:`FollowUpEdit` from a mapping of its fields (missing fields: None / ``belum``);
    FollowUpInputError names the first wrong field."""
    unknown = set(values) - set(FollowUpEdit.__dataclass_fields__)
    if unknown:
        raise FollowUpInputError("followup.error.unknown_field", field=", ".join(sorted(unknown)))
    status = values.get("status") or "belum"
    if status not in STATUSES:
        raise FollowUpInputError("followup.error.status", value=str(status)[:40])
    return FollowUpEdit(
        pic=_text(values.get("pic"), MAX_PIC, "followup.error.pic"),
        due_date=_date(values.get("due_date")),
        status=status,
        note_addressed=_check(values.get("note_addressed"), "note_addressed"),
        evidence_period_ok=_check(values.get("evidence_period_ok"), "evidence_period_ok"),
        evidence_named_ok=_check(values.get("evidence_named_ok"), "evidence_named_ok"),
        evidence_url=_text(values.get("evidence_url"), MAX_LINK, "followup.error.link"),
    )


# ---------------------------------------------------------------------------------------------
# What a page shows


def format_date(value: Any, lang: str = "id") -> str:
    """A due date as its readers write it: 17/08/2026 in Indonesian, 2026-08-17 in English; '–' for none."""
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return "–"
    day = pd.Timestamp(value).date()
    return day.strftime("%d/%m/%Y") if lang == "id" else day.isoformat()


def is_late(status: str, due_date: Any, today: dt.date) -> bool:
    if status == "selesai" or due_date is None or (not isinstance(due_date, dt.date) and pd.isna(due_date)):
        return False
    if isinstance(due_date, (pd.Timestamp, dt.datetime)):
        due_date = due_date.date()
    return due_date < today


def shortfalls_of(row: Mapping[str, Any], today: dt.date) -> list[str]:
    """The kinds of shortfall of one follow-up (see the module's docstring), in SHORTFALLS order."""
    done = row.get("status") == "selesai"
    out = []
    if row.get("note_addressed") is not True:
        out.append("note_not_addressed")
    if row.get("evidence_period_ok") is False:
        out.append("evidence_period_missing")
    if row.get("evidence_named_ok") is False:
        out.append("evidence_misnamed")
    if is_late(str(row.get("status")), row.get("due_date"), today):
        out.append("late")
    if not done and not (isinstance(row.get("pic"), str) and row.get("pic", "").strip()):
        out.append("no_pic")
    return out


def _none(value: Any) -> Any:
    """None for SQL NULL / NaN / NA, Python bool for numpy's (``np.True_ is True`` is false)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _frameworks(ids: Iterable[str]) -> dict[str, Framework | None]:
    out: dict[str, Framework | None] = {}
    for fid in set(ids):
        try:
            out[fid] = load_framework(fid)
        except FrameworkError:
            out[fid] = None
    return out


def enrich(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The store's follow-up frame with what a page needs: ``area`` (an area code, or ``hasil``),
    ``sub_area`` (its name), ``question_text``, ``late``, ``shortfalls`` (a list), ``link`` (the
    evidence link when it is a valid web address, else None)."""
    out = frame.copy()
    for col in CHECKS:  # True / False / None as Python objects, whatever the engine returned
        out[col] = pd.Series([_none(v) for v in out[col]], index=out.index, dtype=object)
    if out.empty:
        for col, dtype in (("area", "object"), ("sub_area", "object"), ("question_text", "object"),
                           ("late", "bool"), ("shortfalls", "object"), ("link", "object")):
            out[col] = pd.Series(dtype=dtype)
        return out
    fws = _frameworks(out["framework_id"])
    areas, subs, texts, lates, falls, links = [], [], [], [], [], []
    for rec in out.to_dict("records"):
        rec = {k: _none(v) for k, v in rec.items()}
        fw = fws.get(rec["framework_id"])
        q = fw.questions.get(int(rec["question_id"])) if fw is not None else None
        area = (q.area or HASIL_AREA) if q is not None else HASIL_AREA
        sub = ""
        if q is not None and q.sub_area and fw is not None:
            try:
                sub = fw.sub_area(q.sub_area).name
            except FrameworkError:
                sub = ""
        areas.append(area)
        subs.append(sub)
        texts.append(q.text if q is not None else "")
        lates.append(is_late(str(rec.get("status")), rec.get("due_date"), today))
        falls.append(shortfalls_of(rec, today))
        links.append(valid_url(rec.get("evidence_url")))
    for col, values in (("area", areas), ("sub_area", subs), ("question_text", texts), ("shortfalls", falls),
                        ("link", links)):
        out[col] = pd.Series(values, index=out.index, dtype=object)
    out["late"] = pd.Series(lates, index=out.index, dtype=bool)
    return out


def filter_followups(frame: pd.DataFrame, *, units: Sequence[str] | None = None,
                     areas: Sequence[str] | None = None, statuses: Sequence[str] | None = None,
                     pics: Sequence[str] | None = None, shortfalls: Sequence[str] | None = None,
                     stages: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of an :func:`enrich` ed frame matching every filter given (None or empty: no filter).
    ``pics``: the PIC names, ``""`` for follow-ups without one; ``shortfalls``: any of the kinds."""
    mask = pd.Series(True, index=frame.index)
    if units:
        mask &= frame["unit_id"].isin(list(units))
    if stages:
        mask &= frame["stage"].isin(list(stages))
    if areas:
        mask &= frame["area"].isin(list(areas))
    if statuses:
        mask &= frame["status"].isin(list(statuses))
    if pics:
        names = frame["pic"].map(lambda p: p.strip() if isinstance(p, str) else "")
        mask &= names.isin(list(pics))
    if shortfalls:
        wanted = set(shortfalls)
        mask &= frame["shortfalls"].map(lambda kinds: bool(wanted & set(kinds)))
    return frame[mask]


PROGRESS_COLUMNS = ("total", "selesai", "proses", "belum", "late", "percent_done")


def progress(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per value of ``by`` (``unit_id``, ``area`` ...): the number of follow-ups, how many are
    ``selesai`` / ``proses`` / ``belum``, how many are late, and ``percent_done`` (selesai / total
    x 100). Sorted by ``percent_done`` ascending (the furthest behind first), then by ``by``."""
    if frame.empty:
        return pd.DataFrame({by: pd.Series(dtype="object"),
                             **{c: pd.Series(dtype="float64" if c == "percent_done" else "int64")
                                for c in PROGRESS_COLUMNS}})
    grouped = frame.groupby(by, sort=False)
    out = pd.DataFrame({
        "total": grouped.size(),
        "selesai": grouped["status"].apply(lambda s: int((s == "selesai").sum())),
        "proses": grouped["status"].apply(lambda s: int((s == "proses").sum())),
        "belum": grouped["status"].apply(lambda s: int((s == "belum").sum())),
        "late": grouped["late"].apply(lambda s: int(s.sum())),
    }).reset_index()
    out["percent_done"] = out["selesai"] / out["total"] * 100.0
    return out.sort_values(["percent_done", by], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Progress:
    """One unit's (or any set's) follow-up progress, for a profile or a report."""

    total: int
    done: int
    in_progress: int
    not_started: int
    late: int

    @property
    def percent_done(self) -> float | None:
        return self.done / self.total * 100.0 if self.total else None


def summary(frame: pd.DataFrame) -> Progress:
    """The progress of every follow-up of an :func:`enrich` ed frame."""
    if frame.empty:
        return Progress(0, 0, 0, 0, 0)
    status = frame["status"]
    return Progress(len(frame), int((status == "selesai").sum()), int((status == "proses").sum()),
                    int((status == "belum").sum()), int(frame["late"].sum()))
