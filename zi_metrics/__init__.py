"""zi_metrics: the Zona Integritas core (regulation frameworks, scoring, predicates, gaps, what-if).

The public API is the small set of names below; everything else is an implementation detail of
its module. This package never imports Streamlit.

The names are imported on first use (PEP 562): a command such as ``python -m zi_metrics evaluate``
then loads only the modules it needs (frameworks, scoring, rules), not gaps and what-if too.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Framework": "framework", "FrameworkError": "framework", "framework_for_year": "framework",
    "list_frameworks": "framework", "load_framework": "framework",
    "area_gaps": "gaps", "areas_holding_back": "gaps", "item_gaps": "gaps", "rules_holding_back": "gaps",
    "sub_area_gaps": "gaps",
    "Evaluation": "rules", "RuleResult": "rules", "check_nomination": "rules", "check_prerequisites": "rules",
    "evaluate": "rules", "held_predicate": "rules",
    "Scorecard": "scoring", "ScoringInputError": "scoring", "score_answers": "scoring", "score_areas": "scoring",
    "with_changes": "scoring",
    "Plan": "whatif", "minimum_plan": "whatif", "simulate": "whatif",
}

__all__ = [
    "Evaluation", "Framework", "FrameworkError", "Plan", "RuleResult", "Scorecard", "ScoringInputError",
    "area_gaps", "areas_holding_back", "check_nomination", "check_prerequisites", "evaluate",
    "framework_for_year", "held_predicate", "item_gaps", "list_frameworks", "load_framework", "minimum_plan",
    "rules_holding_back", "score_answers", "score_areas", "simulate", "sub_area_gaps", "with_changes",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'zi_metrics' has no attribute {name!r}")
    value = getattr(import_module(f"zi_metrics.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from zi_metrics.framework import Framework, FrameworkError, framework_for_year, list_frameworks, load_framework
    from zi_metrics.gaps import area_gaps, areas_holding_back, item_gaps, rules_holding_back, sub_area_gaps
    from zi_metrics.rules import Evaluation, RuleResult, check_nomination, check_prerequisites, evaluate, held_predicate
    from zi_metrics.scoring import Scorecard, ScoringInputError, score_answers, score_areas, with_changes
    from zi_metrics.whatif import Plan, minimum_plan, simulate
