"""Condition `queue_score`: the keyword score of a queue is at least `min` (and below `max`).

`{queue_score: {queue: cancellation, min: 3}}`. Scores come from `routing.classify`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from routing.rules.base import ConditionBase, RuleContext


class ScoreRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    queue: str
    min: float = 0
    max: float | None = None


class QueueScore(ConditionBase):
    tag: ClassVar[str] = "queue_score"
    queue_score: ScoreRange

    def check(self, ctx: RuleContext) -> bool:
        score = ctx.scores.get(self.queue_score.queue, 0.0)
        if score < self.queue_score.min:
            return False
        return self.queue_score.max is None or score < self.queue_score.max

    def describe(self) -> str:
        r = self.queue_score
        upper = f" and < {r.max:g}" if r.max is not None else ""
        return f"score of {r.queue} >= {r.min:g}{upper}"
