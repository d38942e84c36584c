"""Bulk scoring: every unit of a round scored inside DuckDB in one query, for national scale.

``scoring.score_answers`` is the reference implementation (one LKE at a time, in Python). At
10,000 units a round holds about 1.3 million answers; moving them into Python costs more than
scoring them, so the same roll-up runs where the answers are. This module turns a framework into
small metadata tables (pure data, no SQL); the store runs the query over them and returns one row
per evaluation, area and half; this module builds Scorecards from those rows. The test suite
checks that both implementations agree on every stored round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from zi_metrics.framework import Framework, SubArea, load_framework
from zi_metrics.scoring import (
    AreaScore,
    Completeness,
    Scorecard,
    ScoringInputError,
    _score_hasil,
    normalize_hasil,
)


@dataclass(frozen=True)
class ScoringTables:
    """One framework as relations the store's bulk query joins against (integer keys)."""

    framework_id: str
    leaves: pd.DataFrame  # leaf_id, area_code, half_code, weight, n_items
    options: pd.DataFrame  # question_id, option_key, multiplier, leaf_id (answer items)
    count_roles: pd.DataFrame  # question_id, item_id, role (num/den/before/after)
    count_items: pd.DataFrame  # item_id, leaf_id, kind, n_questions, zero_denominator, both_zero, before_zero
    scored_questions: pd.DataFrame  # question_id (pengungkit questions, for completeness)
    hasil_questions: pd.DataFrame  # question_id, item_code (hasil items asked as questions)


def _leaves(sub: SubArea) -> Iterable[SubArea]:
    if sub.parts:
        for p in sub.parts:
            yield from _leaves(p)
    else:
        yield sub


def scoring_tables(fw: Framework) -> ScoringTables:
    leaves, options, roles, items = [], [], [], []
    for area in fw.areas:
        for half in area.halves:
            for top in half.sub_areas:
                for leaf in _leaves(top):
                    leaf_id = len(leaves) + 1
                    leaves.append((leaf_id, area.code, half.code, leaf.weight, len(leaf.items)))
                    for item in leaf.items:
                        if item.kind == "answer":
                            q = fw.questions[item.question]
                            options.extend((q.id, k, m, leaf_id) for k, m in (q.options or {}).items())
                            continue
                        item_id = len(items) + 1
                        items.append((item_id, leaf_id, item.kind, len(item.questions), item.zero_denominator,
                                      item.both_zero, item.before_zero))
                        if item.kind == "ratio":
                            roles.extend((q, item_id, "num") for q in item.numerator)
                            roles.extend((q, item_id, "den") for q in item.denominator)
                        else:
                            roles.extend([(item.before, item_id, "before"), (item.after, item_id, "after")])
    return ScoringTables(
        fw.id,
        pd.DataFrame(leaves, columns=["leaf_id", "area_code", "half_code", "weight", "n_items"]),
        pd.DataFrame(options, columns=["question_id", "option_key", "multiplier", "leaf_id"]),
        pd.DataFrame(roles, columns=["question_id", "item_id", "role"]),
        pd.DataFrame(items, columns=["item_id", "leaf_id", "kind", "n_questions", "zero_denominator",
                                     "both_zero", "before_zero"]),
        pd.DataFrame({"question_id": [q.id for q in fw.questions.values() if q.hasil_item is None]}),
        pd.DataFrame([(q.id, q.hasil_item) for q in fw.questions.values() if q.hasil_item is not None],
                     columns=["question_id", "item_code"]),
    )


def scorecards_from_bulk(result: Any) -> dict[int, Scorecard]:
    """A Scorecard per evaluation from the store's :class:`BulkScores` of one framework."""
    fw = load_framework(result.framework_id)
    rows = result.area_rows
    by_eval: dict[int, dict[tuple[str, str], tuple[float, float]]] = {}
    for eid, code, half, score, cons in zip(rows["evaluation_id"].tolist(), rows["area_code"].tolist(),
                                            rows["half_code"].tolist(), rows["score"].tolist(),
                                            rows["conservative"].tolist(), strict=True):
        by_eval.setdefault(eid, {})[(code, half)] = (score, cons)
    total_questions = len(fw.questions) + sum(1 for i in fw.hasil_items.values() if i.question is None)
    keep = fw.has_halves
    out: dict[int, Scorecard] = {}
    for eid, answered in zip(result.meta["evaluation_id"].tolist(), result.meta["answered"].tolist(), strict=True):
        parts = by_eval.get(eid, {})
        areas, cons_areas = {}, {}
        for area in fw.areas:
            score_h = {h.code: parts.get((area.code, h.code), (0.0, 0.0))[0] for h in area.halves}
            cons_h = {h.code: parts.get((area.code, h.code), (0.0, 0.0))[1] for h in area.halves}
            areas[area.code] = AreaScore(area.code, area.name, sum(score_h.values()), area.max,
                                         score_h if keep else {})
            cons_areas[area.code] = AreaScore(area.code, area.name, sum(cons_h.values()), area.max,
                                              cons_h if keep else {})
        values = normalize_hasil(fw, result.hasil.get(eid, {}))
        hasil_scores = _score_hasil(fw, values)
        completeness = Completeness(int(answered) + len(values), total_questions)
        conservative = Scorecard(fw.id, "answers", cons_areas, hasil_scores, completeness)
        out[eid] = Scorecard(fw.id, "answers", areas, hasil_scores, completeness, conservative=conservative)
    return out


# ---------------------------------------------------------------------------------------------
# Validation of bulk frames (national-scale loads): vectorised, first problem named


class BulkInputError(ValueError):
    """A bulk frame holds a value the store must not take; the message names the row."""


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _first(mask: pd.Series, frame: pd.DataFrame, what: str, columns: list[str]) -> None:
    if bool(mask.any()):
        row = frame.loc[mask].iloc[0]
        where = ", ".join(f"{c}={_plain(row[c])!r}" for c in columns)
        raise BulkInputError(f"{what} ({int(mask.sum())} rows; first: {where})")


def validate_answer_frame(answers: pd.DataFrame, evaluations: pd.DataFrame) -> None:
    """Check every answer row against its evaluation's framework (ids, options, ranges)."""
    need = {"evaluation_id", "question_id", "answer_text", "answer_number"}
    missing = need - set(answers.columns)
    if missing:
        raise BulkInputError(f"answers frame lacks columns {sorted(missing)}")
    fw_of = evaluations.set_index("id")["framework_id"]
    frame = answers.assign(framework_id=answers["evaluation_id"].map(fw_of))
    _first(frame["framework_id"].isna(), frame, "answer of an unknown evaluation", ["evaluation_id"])
    _first(frame.duplicated(["evaluation_id", "question_id"]), frame, "duplicate answer",
           ["evaluation_id", "question_id"])
    both = frame["answer_text"].notna() & frame["answer_number"].notna()
    _first(both, frame, "answer with both a text and a number", ["evaluation_id", "question_id"])
    for fid, part in frame.groupby("framework_id", sort=False):
        fw = load_framework(fid)
        kinds = pd.Series({q.id: q.kind for q in fw.questions.values()})
        kind = part["question_id"].map(kinds)
        _first(kind.isna(), part, f"question id unknown to {fid}", ["evaluation_id", "question_id"])
        valid = pd.DataFrame([(q.id, k) for q in fw.questions.values() if q.options for k in q.options],
                             columns=["question_id", "answer_text"]).assign(_ok=True)
        is_opt = kind == "option"
        ok = part[["question_id", "answer_text"]].merge(valid, how="left", on=["question_id", "answer_text"])
        bad_opt = is_opt & part["answer_text"].notna() & ~pd.Series(ok["_ok"].notna().to_numpy(), index=part.index)
        _first(bad_opt, part, "answer that is not an option of its question",
               ["evaluation_id", "question_id", "answer_text"])
        _first(is_opt & part["answer_number"].notna(), part, "number given to an option question",
               ["evaluation_id", "question_id"])
        num = part["answer_number"]
        _first(~is_opt & part["answer_text"].notna(), part, "text given to a count or survey question",
               ["evaluation_id", "question_id", "answer_text"])
        is_count = kind == "count"
        bad_count = is_count & num.notna() & ((num < 0) | (num != num.round()))
        _first(bad_count, part, "count that is negative or not a whole number",
               ["evaluation_id", "question_id", "answer_number"])
        is_survey = kind == "survey"
        bad_survey = is_survey & num.notna() & ((num < 0) | (num > 4))
        _first(bad_survey, part, "survey value outside 0-4", ["evaluation_id", "question_id", "answer_number"])


# ---------------------------------------------------------------------------------------------
# Vectorised scoring of whole rounds (the path the overview and the benchmarks use)
#
# The store hands a round over as numbers (store.round_data): per stored answer one 32-bit cell
# holding its place and its option's code, and the counts and survey values of the cells without
# an option, in the same order.
# Here a framework becomes index arrays once (RoundLayout); the cells become a question-major
# matrix of codes (one row per question, one column per evaluation) and one of numbers, and the
# roll-up of scoring.score_answers runs over whole rows: each option row decoded with one take()
# from its question's (code -> multiplier) row, each leaf sub-area's items added row by row, leaves
# weighted and added into areas and halves. rules.evaluate becomes comparisons of whole columns
# against the framework's thresholds (evaluate_frame). tests/test_bulk.py checks both against the
# reference scorer and rules.evaluate on every demo round and on random cases.

_TOL = 1e-9  # rules.TOLERANCE
_BLOCK = 512  # evaluations per block when transposing (keeps each block in cache)


@dataclass(frozen=True)
class _CountItem:
    leaf: int
    kind: str  # ratio | reduction
    questions: tuple[int, ...]
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]
    before: int | None
    after: int | None
    zero_denominator: float
    both_zero: float
    before_zero: float


@dataclass(frozen=True)
class RoundLayout:
    """One framework as index arrays for :func:`score_round_data` (built once per framework).

    Rows of the code matrix are questions ``first`` .. ``first + span - 1``; rows of the number
    matrix questions ``number_first`` .. ``first + span - 1``."""

    framework: Framework
    first: int
    span: int
    number_first: int
    option_keys: tuple[str, ...]  # in code order (store.option_keys_in_code_order): code c is key c - 1
    slots: int  # codes per cell (store.code_slots): 0 (a number or no answer), then the keys
    decode: np.ndarray  # (span, slots) multiplier of code c for question first + r; NaN: no answer;
    #                     inf: not an option of that question
    option_rows: np.ndarray  # code-matrix rows of the pengungkit answer items, leaf by leaf
    option_segments: tuple[tuple[int, int, int], ...]  # (leaf, first, end) positions in option_rows
    count_items: tuple[_CountItem, ...]  # question ids
    numeric_questions: np.ndarray  # pengungkit questions that are not option questions (ids)
    leaf_weight: np.ndarray
    leaf_items: np.ndarray
    leaf_options: np.ndarray  # answer items per leaf
    area_half_leaves: tuple[tuple[int, ...], ...]  # leaves of area a, half h at a * halves + h
    halves: tuple[str, ...]
    hasil_codes: tuple[str, ...]
    total_questions: int

    def numbers_of(self, numbers: np.ndarray, question: int) -> np.ndarray:
        """The number matrix's row of ``question`` (NaN where no number is stored)."""
        return numbers[question - self.number_first]


@cache
def round_layout(framework_id: str) -> RoundLayout:
    from zi_metrics.store import code_slots, option_keys_in_code_order

    fw = load_framework(framework_id)
    first, last = min(fw.questions), max(fw.questions)
    keys: list[str] = []
    for q in fw.questions.values():
        for k in q.options or {}:
            if k not in keys:
                keys.append(k)
    keys_in_order = option_keys_in_code_order(keys)
    slots = code_slots(keys_in_order)
    decode = np.full((last - first + 1, slots), np.inf)
    decode[:, 0] = np.nan  # no option: unanswered
    for q in fw.questions.values():
        for k, m in (q.options or {}).items():
            decode[q.id - first, keys_in_order.index(k) + 1] = m
    option_q: list[int] = []
    segments: list[tuple[int, int, int]] = []
    counts: list[_CountItem] = []
    weights: list[float] = []
    n_items: list[int] = []
    n_options: list[int] = []
    halves = tuple(h.code for h in fw.areas[0].halves)
    area_half: list[list[int]] = [[] for _ in range(len(fw.areas) * len(halves))]
    for a_index, area in enumerate(fw.areas):
        for half in area.halves:
            for top in half.sub_areas:
                for leaf in _leaves(top):
                    leaf_id = len(weights)
                    weights.append(leaf.weight)
                    n_items.append(len(leaf.items))
                    area_half[a_index * len(halves) + halves.index(half.code)].append(leaf_id)
                    start = len(option_q)
                    for item in leaf.items:
                        if item.kind == "answer":
                            option_q.append(fw.questions[item.question].id - first)
                        else:
                            counts.append(_CountItem(leaf_id, item.kind, item.questions, item.numerator,
                                                     item.denominator, item.before, item.after,
                                                     item.zero_denominator, item.both_zero, item.before_zero))
                    n_options.append(len(option_q) - start)
                    if len(option_q) > start:
                        segments.append((leaf_id, start, len(option_q)))
    numeric = sorted(q.id for q in fw.questions.values() if q.hasil_item is None and q.kind != "option")
    number_first = min((q.id for q in fw.questions.values() if q.kind != "option"), default=last + 1)
    total = len(fw.questions) + sum(1 for i in fw.hasil_items.values() if i.question is None)
    return RoundLayout(
        fw, first, last - first + 1, number_first, keys_in_order, slots, decode,
        np.asarray(option_q, dtype=np.intp), tuple(segments), tuple(counts), np.asarray(numeric, dtype=np.intp),
        np.asarray(weights, dtype=np.float64), np.asarray(n_items, dtype=np.float64),
        np.asarray(n_options, dtype=np.float64), tuple(tuple(x) for x in area_half), halves,
        tuple(i.code for c in fw.hasil_components for i in c.items), total,
    )


def round_layouts() -> dict[str, tuple[tuple[str, ...], int, int, int]]:
    """Per framework its option keys, first and last question id and first question that takes a
    number: what store.round_data needs."""
    from zi_metrics.framework import list_frameworks

    out = {}
    for fid in list_frameworks():
        lay = round_layout(fid)
        out[fid] = (lay.option_keys, lay.first, lay.first + lay.span - 1, lay.number_first)
    return out


def _row_sums(matrix: np.ndarray) -> np.ndarray:
    """Left-to-right sums of each row (the order of Python's sum() in the reference scorer)."""
    out = np.zeros(matrix.shape[0])
    for j in range(matrix.shape[1]):
        out += matrix[:, j]
    return out


@dataclass(frozen=True)
class ScoreFrame:
    """Scores of many evaluations of ONE framework as columns (row i is ``evaluation_id[i]``):
    the figures of a :class:`Scorecard` per evaluation (official and conservative area points,
    halves, hasil inputs and points, completeness) without one Python object per evaluation."""

    framework_id: str
    evaluation_id: np.ndarray
    unit_id: np.ndarray
    year: np.ndarray
    stage: np.ndarray
    source: np.ndarray  # "answers" | "recap"
    areas: np.ndarray  # (n, areas) official points
    conservative: np.ndarray  # (n, areas) with a missing item counted as 0 (recaps: = areas)
    halves: np.ndarray  # (n, areas, halves) official points per half (recaps: zeros)
    hasil_points: np.ndarray  # (n, hasil items), items in framework order
    hasil_inputs: dict[str, np.ndarray]  # item code -> survey value / percent (NaN) or option key (None)
    answered: np.ndarray
    questions: np.ndarray

    def __len__(self) -> int:
        return len(self.evaluation_id)

    @property
    def framework(self) -> Framework:
        return load_framework(self.framework_id)

    @property
    def pengungkit(self) -> np.ndarray:
        return _row_sums(self.areas)

    @property
    def hasil(self) -> np.ndarray:
        return _row_sums(self.hasil_points)

    @property
    def total(self) -> np.ndarray:
        return self.pengungkit + self.hasil

    @property
    def area_percent(self) -> np.ndarray:
        maxima = np.asarray([a.max for a in self.framework.areas])
        return np.divide(100.0 * self.areas, maxima, out=np.zeros_like(self.areas), where=maxima > 0)

    def components(self) -> dict[str, np.ndarray]:
        """Hasil component code -> points (the sum of its items)."""
        out: dict[str, np.ndarray] = {}
        col = 0
        for comp in self.framework.hasil_components:
            out[comp.code] = _row_sums(self.hasil_points[:, col:col + len(comp.items)])
            col += len(comp.items)
        return out

    @property
    def provisional(self) -> np.ndarray:
        return self.answered != self.questions

    def take(self, rows: np.ndarray) -> ScoreFrame:
        """The rows ``rows`` (indices or a boolean mask) as a new frame."""
        return ScoreFrame(self.framework_id, self.evaluation_id[rows], self.unit_id[rows], self.year[rows],
                          self.stage[rows], self.source[rows], self.areas[rows], self.conservative[rows],
                          self.halves[rows], self.hasil_points[rows],
                          {c: v[rows] for c, v in self.hasil_inputs.items()}, self.answered[rows],
                          self.questions[rows])


def _transpose_into(out: np.ndarray, src: np.ndarray) -> None:
    """out[:] = src.T, block by block (a plain strided copy is about twice as slow)."""
    for start in range(0, src.shape[0], _BLOCK):
        out[:, start:start + _BLOCK] = src[start:start + _BLOCK].T


def _answer_matrices(lay: RoundLayout, cells: Any, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes (span x n, uint8; 0 where nothing is stored), numbers (questions from number_first x
    n, NaN where none)) of the store's :class:`AnswerCells` for the sorted evaluation ``ids``.

    When the cells ascend (each wanted evaluation's rows stored together in question order, one per
    question: a bulk-loaded round, or any round saved whole), the codes already form the matrix
    and only need transposing; otherwise they are scattered into it."""
    if cells.keys != lay.option_keys or cells.slots != lay.slots or cells.first != lay.first \
            or cells.span != lay.span or cells.number_first != lay.number_first:
        raise ValueError(f"the store's cells of {lay.framework.id} do not follow its layout")
    n, span, rows, slots = len(ids), lay.span, cells.rows, lay.slots
    shift = slots.bit_length() - 1
    cell = cells.cells
    offsets = ids - cells.lo
    # Ascending cells are distinct places of the wanted evaluations (the primary key); n * span of
    # them fill every place, in order.
    codes = np.empty((span, n), dtype=np.uint8)
    if len(cell) == n * span and bool((cell[1:] > cell[:-1]).all()):
        cell = cell.reshape(n, span)
        for start in range(0, n, _BLOCK):  # the code bits, transposed block by block
            codes[:, start:start + _BLOCK] = (cell[start:start + _BLOCK] & (slots - 1)).T
    else:
        full = np.zeros(rows * span, dtype=np.uint8)
        full[cell >> shift] = cell & (slots - 1)
        by_evaluation = full.reshape(rows, span)
        _transpose_into(codes, by_evaluation if n == rows else by_evaluation[offsets])
    number_rows = lay.first + span - lay.number_first
    numbers = np.full(number_rows * rows, np.nan)
    numbers[cells.number_cells] = cells.numbers
    numbers = numbers.reshape(number_rows, rows)
    return codes, (numbers if n == rows else numbers[:, offsets])


def _score_answers_matrix(lay: RoundLayout, codes: np.ndarray, numbers: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(areas (n, A), conservative areas, halves (n, A, H), answered pengungkit questions) of the
    question-major code and number matrices (:func:`_answer_matrices`). Each leaf's items are added
    in the same order as the reference scorer."""
    n = codes.shape[1]
    n_leaves = len(lay.leaf_weight)
    leaf_sum = np.zeros((n_leaves, n))
    answered_q = np.zeros(n, dtype=np.int64)
    option_n: np.ndarray | None = None  # answered answer items per leaf; None: all of them
    # Decode and add row by row (no 3-million-cell intermediate). A blank decodes to NaN and a code
    # that is no option of the question to inf; both carry into the leaf's sum, so checking the
    # sums is enough.
    decode, rows, width = lay.decode, lay.option_rows, len(lay.option_rows)
    for leaf, first, end in lay.option_segments:
        acc = leaf_sum[leaf]
        for r in rows[first:end].tolist():
            acc += decode[r].take(codes[r])
    if width and not bool(np.isfinite(leaf_sum).all()):
        leaf_sum[:] = 0.0
        option_n = np.zeros((n_leaves, n))
        answered_opt = np.zeros(n, dtype=np.int64)
        for leaf, first, end in lay.option_segments:
            for r in rows[first:end].tolist():
                value = decode[r].take(codes[r])
                if np.isinf(value).any():
                    col = int(np.flatnonzero(np.isinf(value))[0])
                    raise ScoringInputError(f"answers.{lay.first + r}", f"the stored answer (evaluation #{col} of "
                                                                        "the round) is not an option")
                answered = ~np.isnan(value)
                leaf_sum[leaf] += np.where(answered, value, 0.0)
                option_n[leaf] += answered
                answered_opt += answered
        answered_q += answered_opt
    else:
        answered_q += width  # every option question answered (the usual case)
    for q in lay.numeric_questions.tolist():
        answered_q += ~np.isnan(lay.numbers_of(numbers, q))
    count_got: list[tuple[int, np.ndarray]] = []  # count items not answered everywhere
    for item in lay.count_items:
        got = np.ones(n, dtype=bool)
        for q in item.questions:
            got &= ~np.isnan(lay.numbers_of(numbers, q))
        with np.errstate(divide="ignore", invalid="ignore"):
            if item.kind == "ratio":
                den = sum((lay.numbers_of(numbers, q) for q in item.denominator), np.zeros(n))
                num = sum((lay.numbers_of(numbers, q) for q in item.numerator), np.zeros(n))
                value = np.where(den == 0, item.zero_denominator, np.clip(num / den, 0.0, 1.0))
            else:
                before, after = lay.numbers_of(numbers, item.before), lay.numbers_of(numbers, item.after)
                value = np.where((before == 0) & (after == 0), item.both_zero,
                                 np.where(before == 0, item.before_zero,
                                          np.clip((before - after) / before, 0.0, 1.0)))
        if got.all():
            leaf_sum[item.leaf] += value
        else:
            leaf_sum[item.leaf] += np.where(got, value, 0.0)
            count_got.append((item.leaf, got))
    weight = lay.leaf_weight[:, None]
    if option_n is None and not count_got:
        # every leaf complete: the mean over answered items is the plain mean (weight x sum / items)
        leaf_sum *= weight
        leaf_sum /= lay.leaf_items[:, None]
        official = conservative = leaf_sum
    else:
        conservative = weight * leaf_sum / lay.leaf_items[:, None]
        leaf_n = np.repeat(lay.leaf_options[:, None], n, axis=1) if option_n is None else option_n
        leaf_n += (lay.leaf_items - lay.leaf_options)[:, None]  # count items, as if answered ...
        for leaf, got in count_got:
            leaf_n[leaf] -= ~got  # ... less those that are not
        official = np.divide(weight * leaf_sum, leaf_n, out=np.zeros_like(leaf_sum), where=leaf_n > 0)
    halves = _area_halves(lay, official)
    cons = halves if conservative is official else _area_halves(lay, conservative)
    return halves.sum(axis=1).T, cons.sum(axis=1).T, halves.transpose(2, 0, 1), answered_q


def _area_halves(lay: RoundLayout, leaves: np.ndarray) -> np.ndarray:
    """(areas, halves, n): the leaf rows added into their area and half."""
    n = leaves.shape[1]
    out = np.zeros((len(lay.area_half_leaves), n))
    for k, rows in enumerate(lay.area_half_leaves):
        for leaf in rows:
            out[k] += leaves[leaf]
    return out.reshape(len(lay.framework.areas), len(lay.halves), n)


def _positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of the ``wanted`` ids present in the sorted ``ids``, their positions there)."""
    if not len(ids):
        return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.intp)
    where = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return ids[where] == wanted, where


def _hasil_columns(lay: RoundLayout, ids: np.ndarray, matrices: tuple[np.ndarray, np.ndarray] | None,
                   hasil: Mapping[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(hasil points (n, items), the input of each item, items with a value per evaluation) for the
    sorted evaluation ``ids``: answers to hasil questions (``matrices``: codes and numbers, see
    :func:`_answer_matrices`) and stored hasil inputs, which must agree where both are given (as in
    scoring.score_answers)."""
    from zi_metrics.scoring import normalize_hasil_value

    fw = lay.framework
    n = len(ids)
    points = np.zeros((n, len(lay.hasil_codes)))
    inputs: dict[str, np.ndarray] = {}
    have = np.zeros(n, dtype=np.int64)
    found, where = _positions(ids, np.asarray(hasil["evaluation_id"], dtype=np.int64))
    item_codes = np.asarray(hasil["item_code"], dtype=object)
    for j, code in enumerate(lay.hasil_codes):
        item = fw.hasil_items[code]
        stored = np.flatnonzero(found & (item_codes == code)).tolist()
        asked = item.question is not None and matrices is not None
        if item.kind == "option":
            keys = list(item.options or {})
            chosen = np.zeros(n, dtype=np.intp)  # 0: no value, else 1 + position in keys
            if asked:
                # code -> 1 + position in keys; 0 (no answer) -> 0; a key that is not an option -> -1
                to_key = np.full(lay.slots, -1, dtype=np.intp)
                to_key[0] = 0
                for c, k in enumerate(lay.option_keys, start=1):
                    if k in keys:
                        to_key[c] = keys.index(k) + 1
                chosen = to_key.take(matrices[0][item.question - lay.first])
                if (chosen < 0).any():
                    raise ScoringInputError(f"answers.{item.question}", "a stored answer is not an option")
            for r in stored:
                text = hasil["value_text"][r]
                if text is None:
                    continue
                value, k = normalize_hasil_value(item, text), int(where[r])
                if chosen[k] and keys[chosen[k] - 1] != value:
                    raise ScoringInputError(f"hasil.{code}", f"{value!r} conflicts with answers.{item.question} = "
                                                             f"{keys[chosen[k] - 1]!r}")
                chosen[k] = keys.index(value) + 1
            multiplier = np.asarray([0.0, *[(item.options or {})[k] for k in keys]])
            points[:, j] = item.points * multiplier[chosen]
            inputs[code] = np.asarray([None, *keys], dtype=object)[chosen]
            have += chosen > 0
            continue
        col = lay.numbers_of(matrices[1], item.question).copy() if asked else np.full(n, np.nan)
        for r in stored:
            number = hasil["value_number"][r]
            if number is None or number != number:
                continue
            value, k = normalize_hasil_value(item, float(number)), int(where[r])
            if col[k] == col[k] and col[k] != value:
                raise ScoringInputError(f"hasil.{code}", f"{value!r} conflicts with answers.{item.question} = "
                                                         f"{col[k]!r}")
            col[k] = value
        present = ~np.isnan(col)
        points[:, j] = np.where(present, item.points * np.where(present, col, 0.0) / (item.scale_max or 1.0), 0.0)
        inputs[code] = col
        have += present
    return points, inputs, have


def _recap_areas(lay: RoundLayout, ids: np.ndarray, area_points: Mapping[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(area points (n, A), areas given per evaluation) of recap evaluations."""
    areas = np.zeros((len(ids), len(lay.framework.areas)))
    given = np.zeros(len(ids), dtype=np.int64)
    found, where = _positions(ids, np.asarray(area_points["evaluation_id"], dtype=np.int64))
    codes = np.asarray(area_points["area_code"], dtype=object)
    points = np.asarray(area_points["points"], dtype=np.float64)
    for a, area in enumerate(lay.framework.areas):
        rows = found & (codes == area.code)
        areas[where[rows], a] = points[rows]
        given[where[rows]] += 1
    return areas, given


def score_round_data(data: Any) -> dict[str, ScoreFrame]:
    """Score every evaluation of a :class:`zi_metrics.store.RoundData`: one ScoreFrame per framework,
    rows sorted by evaluation id (answers-based and recap evaluations together)."""
    ev = data.evaluations
    ids_all = np.asarray(ev["id"], dtype=np.int64)
    fw_col = np.asarray(ev["framework_id"], dtype=object)
    is_answers_all = np.asarray(ev["source"], dtype=object) == "answers"
    out: dict[str, ScoreFrame] = {}
    for fid in sorted(set(fw_col.tolist())):
        lay = round_layout(fid)
        n_areas, n_halves = len(lay.framework.areas), len(lay.halves)
        of_fw = fw_col == fid
        rows = np.flatnonzero(of_fw)
        ids = ids_all[rows]
        is_answers = is_answers_all[rows]
        n = len(ids)
        areas, cons = np.zeros((n, n_areas)), np.zeros((n, n_areas))
        halves = np.zeros((n, n_areas, n_halves))
        points = np.zeros((n, len(lay.hasil_codes)))
        inputs = {c: np.full(n, None, dtype=object) if lay.framework.hasil_items[c].kind == "option"
                  else np.full(n, np.nan) for c in lay.hasil_codes}
        answered = np.zeros(n, dtype=np.int64)
        questions = np.where(is_answers, lay.total_questions, n_areas + len(lay.hasil_codes))
        for mask, recap in ((is_answers, False), (~is_answers, True)):
            if not mask.any():
                continue
            part = ids[mask]
            if recap:
                a, given = _recap_areas(lay, part, data.area_points)
                p, i, have = _hasil_columns(lay, part, None, data.hasil)
                areas[mask], cons[mask], answered[mask] = a, a, given + have
            else:
                matrices = _answer_matrices(lay, data.answers[fid], part)
                a, c, h, given = _score_answers_matrix(lay, *matrices)
                p, i, have = _hasil_columns(lay, part, matrices, data.hasil)
                if mask.all():
                    areas, cons, halves, answered = a, c, h, given + have
                else:
                    areas[mask], cons[mask], halves[mask], answered[mask] = a, c, h, given + have
            points[mask] = p
            for code, col in i.items():
                inputs[code][mask] = col
        out[fid] = ScoreFrame(fid, ids, np.asarray(ev["unit_id"], dtype=object)[rows], np.asarray(ev["year"])[rows],
                              np.asarray(ev["stage"], dtype=object)[rows], np.asarray(ev["source"], dtype=object)[rows],
                              areas, cons, halves, points, inputs, answered, questions)
    return out


def frame_from_scorecards(fw: Framework, cards: Sequence[Scorecard], evaluation_ids: Sequence[int] | None = None
                          ) -> ScoreFrame:
    """A ScoreFrame holding these Scorecards' figures (tests; anything scored one card at a time)."""
    n = len(cards)
    lay = round_layout(fw.id)
    codes = lay.hasil_codes
    areas = np.asarray([[c.areas[a.code].score for a in fw.areas] for c in cards], dtype=np.float64).reshape(n, -1)
    cons = np.asarray([[(c.conservative or c).areas[a.code].score for a in fw.areas] for c in cards],
                      dtype=np.float64).reshape(n, -1)
    halves = np.asarray([[[c.areas[a.code].halves.get(h, 0.0) for h in lay.halves] for a in fw.areas]
                         for c in cards], dtype=np.float64).reshape(n, len(fw.areas), len(lay.halves))
    points = np.asarray([[c.hasil_items[k].points for k in codes] for c in cards], dtype=np.float64).reshape(n, -1)
    inputs: dict[str, np.ndarray] = {}
    for k in codes:
        got = [c.hasil_items[k].input for c in cards]
        if fw.hasil_items[k].kind == "option":
            inputs[k] = np.asarray(got, dtype=object)
        else:
            inputs[k] = np.asarray([np.nan if v is None else float(v) for v in got], dtype=np.float64)
    ids = np.arange(1, n + 1) if evaluation_ids is None else np.asarray(evaluation_ids, dtype=np.int64)
    none = np.full(n, None, dtype=object)
    return ScoreFrame(fw.id, ids, none, np.zeros(n, dtype=np.int64), none,
                      np.asarray([c.source for c in cards], dtype=object), areas, cons, halves, points, inputs,
                      np.asarray([c.completeness.answered for c in cards], dtype=np.int64),
                      np.asarray([c.completeness.total for c in cards], dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# rules.evaluate over whole columns


@dataclass(frozen=True)
class RuleFrame:
    """Every rule of both predicates for every row of a ScoreFrame, as rules.evaluate gives them.

    Rule-major: row j of ``value``, ``passed``, ``gap`` and ``value_points`` is ``rules[j]`` =
    (predicate, rule, unit), in evaluate()'s order; column i is the ScoreFrame's row i."""

    framework_id: str
    rules: tuple[tuple[str, str, str], ...]
    value: np.ndarray  # (R, n) the rule's value (percent for area rules, 1/0 for flags)
    threshold: np.ndarray  # (R,) (the minimum percent for area rules, 1 for flags)
    passed: np.ndarray  # (R, n) bool
    gap: np.ndarray  # (R, n) points still needed; NaN where RuleResult.gap is None
    value_points: np.ndarray  # (R, n) area rules: the area's points (NaN for other rules)
    threshold_points: np.ndarray  # (R,) area rules: the points the minimum percent means
    predicate: np.ndarray  # (n,) object: None | "WBK" | "WBBM"
    meets_scores: dict[str, np.ndarray]  # predicate -> every score rule (not the flag) holds

    def rows(self, predicate: str) -> list[int]:
        return [j for j, r in enumerate(self.rules) if r[0] == predicate]

    def failing(self, predicate: str) -> np.ndarray:
        """Per evaluation, the list of the rules of ``predicate`` it fails (evaluate().failing()),
        as an object array; evaluations failing the same rules share one list: never mutate it."""
        rows = self.rows(predicate)
        n = self.passed.shape[1]
        masks = np.zeros(n, dtype=np.int64)
        for bit, j in enumerate(rows):
            masks |= (~self.passed[j]).astype(np.int64) << bit
        unique, inverse = np.unique(masks, return_inverse=True)
        lists = np.empty(len(unique), dtype=object)
        lists[:] = [[self.rules[j][1] for bit, j in enumerate(rows) if m >> bit & 1] for m in unique.tolist()]
        return lists[inverse] if n else np.empty(0, dtype=object)


def evaluate_frame(frame: ScoreFrame, holds_wbk: np.ndarray | bool = False) -> RuleFrame:
    """rules.evaluate for every row of ``frame`` at once; ``holds_wbk`` per row (or one for all)."""
    fw = frame.framework
    n = len(frame)
    holds = np.broadcast_to(np.asarray(holds_wbk, dtype=bool), (n,))
    total, pengungkit, components = frame.total, frame.pengungkit, frame.components()
    percent = frame.area_percent
    item_row = {fw.hasil_items[c].rule: j for j, c in enumerate(round_layout(fw.id).hasil_codes)}
    component_codes = {c.code for c in fw.hasil_components}
    rules: list[tuple[str, str, str]] = []
    values, thresholds, passed, gaps, v_points, t_points = [], [], [], [], [], []
    nan = np.full(n, np.nan)

    def add(pred: str, rule: str, unit: str, value: np.ndarray, threshold: float, ok: np.ndarray, gap: np.ndarray,
            points: np.ndarray = nan, need: float = np.nan) -> None:
        rules.append((pred, rule, unit))
        values.append(value)
        thresholds.append(threshold)
        passed.append(ok)
        gaps.append(gap)
        v_points.append(points)
        t_points.append(need)

    def score_rule(pred: str, rule: str, value: np.ndarray, minimum: float) -> None:
        ok = value >= minimum - _TOL
        add(pred, rule, "points", value, minimum, ok, np.where(ok, 0.0, minimum - value))

    for pred in fw.predicates:
        for rd in pred.rules:
            if rd.rule == "total":
                score_rule(pred.code, "total", total, rd.min)
            elif rd.rule == "pengungkit":
                score_rule(pred.code, "pengungkit", pengungkit, rd.min)
            elif rd.rule == "area":
                for a, area in enumerate(fw.areas):
                    need = rd.min_percent / 100.0 * area.max
                    got = frame.areas[:, a]
                    ok = got >= need - _TOL
                    add(pred.code, f"area:{area.code}", "percent", percent[:, a], rd.min_percent, ok,
                        np.where(ok, 0.0, need - got), got, need)
            elif rd.rule in components or rd.rule in component_codes:
                score_rule(pred.code, rd.rule, components.get(rd.rule, np.zeros(n)), rd.min)
            else:
                score_rule(pred.code, rd.rule, frame.hasil_points[:, item_row[rd.rule]], rd.min)
        if pred.requires:
            add(pred.code, f"holds_{pred.requires.lower()}", "flag", holds.astype(np.float64), 1.0, holds.copy(),
                np.where(holds, 0.0, np.nan))

    def stack(rows: list[np.ndarray], dtype: Any = np.float64) -> np.ndarray:
        return np.stack(rows) if rows else np.zeros((0, n), dtype=dtype)

    ok = stack(passed, bool)
    earned = np.full(n, -1, dtype=np.intp)
    meets: dict[str, np.ndarray] = {}
    codes = [p.code for p in fw.predicates]
    for k, pred in enumerate(fw.predicates):
        rows = [j for j, r in enumerate(rules) if r[0] == pred.code]
        meets[pred.code] = ok[[j for j in rows if rules[j][2] != "flag"]].all(axis=0)
        lower_ok = True if pred.requires is None else earned == codes.index(pred.requires)
        earned = np.where(ok[rows].all(axis=0) & lower_ok, k, earned)
    predicate = np.asarray([None, *codes], dtype=object)[earned + 1]
    return RuleFrame(fw.id, tuple(rules), stack(values), np.asarray(thresholds, dtype=np.float64), ok, stack(gaps),
                     stack(v_points), np.asarray(t_points, dtype=np.float64), predicate, meets)
