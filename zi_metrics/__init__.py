"""zi_metrics: the Zona Integritas core (regulation frameworks, scoring, predicates, gaps, what-if).

The public API is the small set of names below; everything else is an implementation detail of
its module. This package never imports Streamlit.
"""

from zi_metrics.framework import Framework, FrameworkError, framework_for_year, list_frameworks, load_framework
from zi_metrics.gaps import area_gaps, areas_holding_back, item_gaps, rules_holding_back, sub_area_gaps
from zi_metrics.rules import Evaluation, RuleResult, check_nomination, check_prerequisites, evaluate, held_predicate
from zi_metrics.scoring import Scorecard, ScoringInputError, score_answers, score_areas, with_changes
from zi_metrics.whatif import Plan, minimum_plan, simulate

__all__ = [
    "Evaluation", "Framework", "FrameworkError", "Plan", "RuleResult", "Scorecard", "ScoringInputError",
    "area_gaps", "areas_holding_back", "check_nomination", "check_prerequisites", "evaluate",
    "framework_for_year", "held_predicate", "item_gaps", "list_frameworks", "load_framework", "minimum_plan",
    "rules_holding_back", "score_answers", "score_areas", "simulate", "sub_area_gaps", "with_changes",
]
