"""Bulk scoring: every evaluation of a round scored at once, for national scale.

``scoring.score_answers`` is the reference implementation (one LKE at a time, in Python). At
10,000 units a round holds about 1.3 million answers, so two paths score whole rounds instead,
and the test suite checks both against the reference on every stored round:

* the vectorised round scorer (the overview's and the benchmarks' path): the store hands a round
  over as numbers (store.round_data), :mod:`~zi_metrics.bulk.layout` turns a framework into index
  arrays, :mod:`~zi_metrics.bulk.rounds` scores the round into a ScoreFrame and
  :mod:`~zi_metrics.bulk.rule_frame` evaluates every rule over whole columns;
* the SQL roll-up inside DuckDB (store.score_rounds_bulk) over the small relations of
  :mod:`~zi_metrics.bulk.tables`, which also builds Scorecards from its rows.

:mod:`~zi_metrics.bulk.validation` checks bulk-loaded frames before the store writes them.
"""

from zi_metrics.bulk.layout import RoundLayout, round_layout, round_layouts
from zi_metrics.bulk.rounds import ScoreFrame, frame_from_scorecards, score_round_data
from zi_metrics.bulk.rule_frame import RuleFrame, evaluate_frame
from zi_metrics.bulk.tables import ScoringTables, scorecards_from_bulk, scoring_tables
from zi_metrics.bulk.validation import BulkInputError, validate_answer_frame

__all__ = [
    "BulkInputError",
    "RoundLayout",
    "RuleFrame",
    "ScoreFrame",
    "ScoringTables",
    "evaluate_frame",
    "frame_from_scorecards",
    "round_layout",
    "round_layouts",
    "score_round_data",
    "scorecards_from_bulk",
    "scoring_tables",
    "validate_answer_frame",
]
