"""A framework as index arrays for the vectorised round scorer (built once per framework)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

from zi_metrics.framework import Framework, SubArea, load_framework


def leaves_of(sub: SubArea) -> Iterable[SubArea]:
    """The leaf sub-areas of ``sub`` (itself when it has no parts), in the framework's order."""
    if sub.parts:
        for p in sub.parts:
            yield from leaves_of(p)
    else:
        yield sub


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
                for leaf in leaves_of(top):
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

