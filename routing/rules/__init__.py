"""Routing rules: condition types (one module each), their combinations and the chain walker.

`routing.config` validates the `rules:` section of `config/routing.yaml` into `Rule` objects;
`routing.decide` walks them with `walk()` after classification.
"""

from routing.rules.base import ConditionBase, RuleContext, RuleState
from routing.rules.chain import PRIORITIES, STATUSES, Action, ChainResult, Rule, walk
from routing.rules.logic import CONDITION_TYPES, TAGS, Condition

__all__ = [
    "CONDITION_TYPES",
    "PRIORITIES",
    "STATUSES",
    "TAGS",
    "Action",
    "ChainResult",
    "Condition",
    "ConditionBase",
    "Rule",
    "RuleContext",
    "RuleState",
    "walk",
]
