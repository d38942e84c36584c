"""The store's vocabulary: allowed values of the schema's coded columns, and the value types the
public functions take and return."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from zi_metrics.stages import STAGES as _STAGES

# ---------------------------------------------------------------------------------------------
# Constants

STAGES: tuple[str, ...] = _STAGES  # zi_metrics.stages: mandiri, tpi_eselon1, tpi, tpn
LEVELS: tuple[str, ...] = ("instansi", "eselon1", "eselon2", "satker")
INSTANSI_KINDS: tuple[str, ...] = ("kementerian_lembaga", "pemerintah_daerah")
PREDICATES: tuple[str, ...] = ("WBK", "WBBM")
SOURCES: tuple[str, ...] = ("answers", "recap")
DATASET_KINDS: tuple[str, ...] = ("demo", "real", "mixed", "empty")
BPK_OPINIONS: tuple[str, ...] = ("WTP", "WDP", "TW", "TMP")
GRADES: tuple[str, ...] = ("D", "C", "CC", "B", "BB", "A", "AA")
# Option keys as the small integers stored beside the text (answers.answer_option, migration 6):
# the key's 1-based position here; 0 for a number, no answer or another text. A whole round is then
# read without casting millions of texts. The database checks that the two agree; a key of a
# future framework is read through its text until a migration gives it a number.
OPTION_KEYS: tuple[str, ...] = ("A", "B", "C", "D", "E", "Ya", "Tidak")
OPTION_CODES: dict[str, int] = {key: code for code, key in enumerate(OPTION_KEYS, start=1)}
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES)}
# ORDER BY term putting the rounds of evaluations ``e`` in assessment order (from the constants above)
STAGE_ORDER_SQL = "CASE e.stage " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in _STAGE_RANK.items()) + " ELSE 99 END"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TEXT = 4000

# Prerequisite fields (all nullable = unknown) and their kinds.
PREREQUISITE_FIELDS: dict[str, str] = {
    "bpk_opinion": "opinion",
    "bpk_opinion_previous": "opinion",
    "sakip_grade": "grade",
    "indeks_rb_grade": "grade",
    "spip_level": "spip",
    "tl_percent": "percent",
    "lhkpn_percent": "percent",
    "lhkasn_percent": "percent",
    "zi_started_year": "year",
    "unit_sakip_grade": "grade",
    "core_service": "bool",
    "eselon_level": "eselon",
    "strategic_service": "bool",
    "large_resources": "bool",
    "reform_track_record": "bool",
}
# Facts about the whole instansi: prerequisites_for() inherits them from the nearest ancestor.
INSTANSI_FIELDS: tuple[str, ...] = (
    "bpk_opinion",
    "bpk_opinion_previous",
    "sakip_grade",
    "indeks_rb_grade",
    "spip_level",
)


# ---------------------------------------------------------------------------------------------
# Value types


@dataclass(frozen=True, slots=True)  # slots: the dashboard keeps one per unit (10,000 at national scale)
class Unit:
    id: str
    name: str
    level: str
    instansi_kind: str = "kementerian_lembaga"
    parent_id: str | None = None
    short_name: str | None = None
    afirmasi: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RoundInputs:
    """Everything needed to score a set of evaluations: one (year, stage) round of every unit
    (round_inputs), or every round of one unit (unit_inputs); ``year`` / ``stage`` / ``unit_id``
    say which filter made it (None = any).

    ``evaluations`` has one row per evaluation (with unit columns); ``answers`` maps evaluation
    id -> question id -> answer (the option key, or the number for counts and survey values;
    unanswered questions are absent); ``area_points`` and ``hasil`` map evaluation id -> code ->
    value. Every evaluation id of ``evaluations`` is a key of the three dicts.
    """

    year: int | None
    stage: str | None
    evaluations: pd.DataFrame
    answers: dict[int, dict[int, str | float]]
    area_points: dict[int, dict[str, float]]
    hasil: dict[int, dict[str, float | str]]
    unit_id: str | None = None


@dataclass
class PreparedEvaluation:
    """One round validated and normalised, ready to be written (rows sorted by their key)."""

    unit_id: str
    year: int
    stage: str
    framework_id: str
    evaluated_on: dt.date | None
    source: str
    answers: list[tuple[int, str | None, float | None, str | None, str | None]] = field(default_factory=list)
    area_points: list[tuple[str, float]] = field(default_factory=list)
    hasil: list[tuple[str, float | None, str | None]] = field(default_factory=list)
    # imported follow-ups of the assessor's notes (store.follow_ups); None: the round says nothing
    follow_ups: list[tuple[Any, ...]] | None = None



@dataclass(frozen=True)
class RoundStatus:
    """What saving one round does: ``new`` (no such evaluation yet), ``changed`` (its stored
    contents differ and are replaced) or ``unchanged`` (identical: not rewritten)."""

    unit_id: str
    year: int
    stage: str
    framework_id: str
    status: str
    evaluation_id: int | None


@dataclass(frozen=True)
class DatasetContent:
    """A whole data set, written by :meth:`Store.replace_dataset` in one transaction.

    ``prerequisites``: (unit id, year, facts) triples; ``rounds``: mappings of
    :meth:`Store.save_evaluation` arguments (unit_id, year, stage, framework_id, evaluated_on,
    answers / area_points, hasil); ``awards``: mappings of unit_id, year, predicate, decree_ref;
    ``revocations``: mappings of unit_id, year, predicate, revoked_on, reason; ``kind`` the data
    set kind recorded in meta ('demo' or 'real') and ``meta`` further meta keys."""

    units: Sequence[Unit | Mapping[str, Any]]
    prerequisites: Sequence[tuple[str, int, Mapping[str, Any]]] = ()
    rounds: Sequence[Mapping[str, Any]] = ()
    awards: Sequence[Mapping[str, Any]] = ()
    revocations: Sequence[Mapping[str, Any]] = ()
    kind: str = "real"
    meta: Mapping[str, str] = field(default_factory=dict)
