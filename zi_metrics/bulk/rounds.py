"""Vectorised scoring of whole rounds (the path the overview and the benchmarks use).

The store hands a round over as numbers (store.round_data): per stored answer one 32-bit cell
holding its place and its option's code, and the counts and survey values of the cells without
an option, in the same order.
Here a framework becomes index arrays once (RoundLayout); the cells become a question-major
matrix of codes (one row per question, one column per evaluation) and one of numbers, and the
roll-up of scoring.score_answers runs over whole rows: each option row decoded with one take()
from its question's (code -> multiplier) row, each leaf sub-area's items added row by row, leaves
weighted and added into areas and halves. rules.evaluate becomes comparisons of whole columns
against the framework's thresholds (evaluate_frame). tests/test_bulk.py checks both against the
reference scorer and rules.evaluate on every demo round and on random cases.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import numpy as np

from zi_metrics.bulk.layout import RoundLayout, _CountItem, round_layout
from zi_metrics.framework import Framework, load_framework
from zi_metrics.scoring import Scorecard, ScoringInputError

_BLOCK = 512  # evaluations per block when transposing (keeps each block in cache)


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
    and only need transposing; otherwise they are scattered into it. The numbers likewise (see
    :func:`_number_matrix`)."""
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
    numbers: list[np.ndarray] = []

    def fill_codes() -> None:
        nonlocal cell
        if len(cell) == n * span and bool((cell[1:] > cell[:-1]).all()):
            cell = cell.reshape(n, span)
            for start in range(0, n, _BLOCK):  # the code bits, transposed block by block
                codes[:, start:start + _BLOCK] = (cell[start:start + _BLOCK] & (slots - 1)).T
        else:
            full = np.zeros(rows * span, dtype=np.uint8)
            full[cell >> shift] = cell & (slots - 1)
            by_evaluation = full.reshape(rows, span)
            _transpose_into(codes, by_evaluation if n == rows else by_evaluation[offsets])

    jobs = [fill_codes, lambda: numbers.append(_number_matrix(lay, cells, offsets))]
    if n >= _PARALLEL_FROM:  # the two matrices at once (two cores)
        _in_parallel(jobs)
    else:
        for job in jobs:
            job()
    return codes, numbers[0]


def _number_matrix(lay: RoundLayout, cells: Any, offsets: np.ndarray) -> np.ndarray:
    """The question-major number matrix (questions from number_first x n, NaN where none) of the
    cells' numbers at the evaluation offsets ``offsets`` (sorted).

    The store's number cells are evaluation-major, ``(e - lo) * number_span + q - number_first``.
    When every wanted evaluation holds numbers for the same questions, stored together in question
    order (a round saved or loaded whole), they form an (n x k) block whose every row is the first
    row's pattern shifted to its evaluation: checked in one comparison, then transposed into the
    pattern's rows; otherwise they are scattered into the matrix."""
    n = len(offsets)
    number_rows = lay.first + lay.span - lay.number_first
    where, values = cells.number_cells, cells.numbers
    k = len(where) // n if n else 0
    if k and len(where) == n * k:
        grid = where.reshape(n, k)
        base = (offsets * number_rows).astype(where.dtype, copy=False)  # the cells' own width
        pattern = grid[0] - base[0]
        if pattern[0] >= 0 and pattern[-1] < number_rows and bool((pattern[1:] > pattern[:-1]).all()) \
                and bool(((grid - base[:, None]) == pattern).all()):
            numbers = np.empty((number_rows, n))
            unused = np.ones(number_rows, dtype=bool)
            unused[pattern] = False
            numbers[unused] = np.nan
            block = values.reshape(n, k)
            for start in range(0, n, _BLOCK):
                numbers[pattern, start:start + _BLOCK] = block[start:start + _BLOCK].T
            return numbers
    rows = cells.rows
    full = np.full(number_rows * rows, np.nan)
    full[(where % number_rows) * rows + where // number_rows] = values
    full = full.reshape(number_rows, rows)
    return full if n == rows else full[:, offsets]


@cache
def _leaf_plan(framework_id: str) -> tuple[tuple[int, int, tuple[int, ...], tuple[_CountItem, ...], float, float], ...]:
    """Per leaf (in leaf order): its area-half slot, leaf id, option rows and count items (in the
    order _score_answers_matrix adds them), weight and item count."""
    lay = round_layout(framework_id)
    slot = {leaf: k for k, leaves in enumerate(lay.area_half_leaves) for leaf in leaves}
    options = {leaf: tuple(lay.option_rows[first:end].tolist()) for leaf, first, end in lay.option_segments}
    plan = []
    for leaf in range(len(lay.leaf_weight)):
        counts = tuple(item for item in lay.count_items if item.leaf == leaf)
        plan.append((slot[leaf], leaf, options.get(leaf, ()), counts, float(lay.leaf_weight[leaf]),
                     float(lay.leaf_items[leaf])))
    return tuple(plan)


def _count_value(lay: RoundLayout, numbers: np.ndarray, item: _CountItem, n: int) -> np.ndarray:
    """A count item's value (NaN or a default where one of its counts is missing: mask it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if item.kind == "ratio":
            den = sum((lay.numbers_of(numbers, q) for q in item.denominator), np.zeros(n))
            num = sum((lay.numbers_of(numbers, q) for q in item.numerator), np.zeros(n))
            return np.where(den == 0, item.zero_denominator, np.clip(num / den, 0.0, 1.0))
        before, after = lay.numbers_of(numbers, item.before), lay.numbers_of(numbers, item.after)
        return np.where((before == 0) & (after == 0), item.both_zero,
                        np.where(before == 0, item.before_zero, np.clip((before - after) / before, 0.0, 1.0)))


_WORKERS: ThreadPoolExecutor | None = None
# Evaluations from which a round is scored on two threads. Below it one thread: the hand-over costs
# more than it saves, and a dashboard round (the overview's 10,000 units) kept the server's peak
# memory about 1 MiB lower in one thread, for a millisecond or two.
_PARALLEL_FROM = 16384


def _in_parallel(jobs: Sequence[Callable[[], None]]) -> None:
    """Run ``jobs`` at once, the first in this thread (numpy releases the GIL inside its loops)."""
    global _WORKERS
    if _WORKERS is None:
        _WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="round-scoring")
    pending = [_WORKERS.submit(job) for job in jobs[1:]]
    try:
        jobs[0]()
    finally:
        for p in pending:
            p.result()


def _score_complete(lay: RoundLayout, codes: np.ndarray, numbers: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`_score_answers_matrix` for rounds where every evaluation answered every pengungkit
    question with an option of it (the usual case), or None when one did not.

    One leaf at a time, each kept in cache from its first item to its area and half: the same
    additions in the same order as the general path (items left to right, then weight x sum /
    items, leaves added into their area and half in leaf order), so the same figures to the bit.
    A blank decodes to NaN and a code that is no option of its question to inf; both carry into
    the area and half sums, which are checked once at the end. Each evaluation's figures depend
    on its own column only, so a large round is scored in two halves at once (two cores)."""
    n = codes.shape[1]
    needed = sorted({*lay.numeric_questions.tolist(), *(q for item in lay.count_items for q in item.questions)})
    if needed and bool(np.isnan(numbers[np.asarray(needed) - lay.number_first]).any()):
        return None
    out = np.zeros((len(lay.area_half_leaves), n))
    cuts = [0, n // 2, n] if n >= _PARALLEL_FROM else [0, n]
    _in_parallel([partial(_add_leaves, lay, codes[:, a:b], numbers[:, a:b], out[:, a:b])
                  for a, b in itertools.pairwise(cuts)])
    if not bool(np.isfinite(out).all()):
        return None
    halves = out.reshape(len(lay.framework.areas), len(lay.halves), n)
    areas = halves.sum(axis=1).T
    answered = np.full(n, len(lay.option_rows) + len(lay.numeric_questions), dtype=np.int64)
    return areas, areas, halves.transpose(2, 0, 1), answered


def _add_leaves(lay: RoundLayout, codes: np.ndarray, numbers: np.ndarray, out: np.ndarray) -> None:
    """Add every leaf's official points into ``out`` (area-half slot x evaluation), see
    :func:`_score_complete`."""
    n = codes.shape[1]
    decode = lay.decode
    acc = np.empty(n)
    for slot, _leaf, option_rows, counts, weight, items in _leaf_plan(lay.framework.id):
        if option_rows:
            decode[option_rows[0]].take(codes[option_rows[0]], out=acc)
            for r in option_rows[1:]:
                acc += decode[r].take(codes[r])
        else:
            acc.fill(0.0)
        for item in counts:
            acc += _count_value(lay, numbers, item, n)
        acc *= weight
        acc /= items
        out[slot] += acc


def _score_answers_matrix(lay: RoundLayout, codes: np.ndarray, numbers: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(areas (n, A), conservative areas, halves (n, A, H), answered pengungkit questions) of the
    question-major code and number matrices (:func:`_answer_matrices`). Each leaf's items are added
    in the same order as the reference scorer."""
    complete = _score_complete(lay, codes, numbers)
    if complete is not None:
        return complete
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
        value = _count_value(lay, numbers, item, n)
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

