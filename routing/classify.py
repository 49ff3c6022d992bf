"""Keyword classification: which queue a mail is about, and why.

Each queue of `classification.queues` has weighted keywords per language and optional RE2
patterns, each looking at some parts of the mail (by default the subject and the author's own
new text, so quoted history cannot re-trigger a queue). A keyword counts once per queue, in the
first part it occurs in. The queue with the highest score at or above the threshold wins (ties:
the queue listed first, so intent queues such as cancellation and copy-request go before topic
queues); below the threshold the mail goes to the fallback queue (`general`).

Intent beats topic: a cancellation usually also says "licentie" or "onderhoud", a copy request
says "contract"; the default weights make the intent words heavier. The contract registry has
the last word between topic queues: when a known contract is named and the mail is not a
cancellation or copy request, the contract's scope (hardware | software) picks the queue
(DOMAIN.md section 5). The result goes to `routing.decide`, which runs the rule chain next.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from intake.model import Intent, MailText
from routing.config import ClassificationConfig, Term
from routing.registry import Contract
from routing.rules.textparts import PART_WORDS, Part, fold, part_text, words

_INTENT_SOURCE = {
    "new_text": "its own words",
    "forwarded": "the request it passes on",
    "subject": "its subject",
}


@dataclass(frozen=True, slots=True)
class KeywordHit:
    queue: str
    term: str  # the keyword as configured, or a pattern's label
    part: Part
    weight: float
    language: str | None  # None for a pattern

    def describe(self) -> str:
        return (
            f"matched '{self.term}' in {PART_WORDS[self.part]} "
            f"({self.queue}, weight {self.weight:g})"
        )


@dataclass(frozen=True, slots=True)
class Classification:
    queue: str
    scores: dict[str, float]
    hits: tuple[KeywordHit, ...]
    reasons: tuple[str, ...] = field(default=())  # how the queue was chosen, in words
    above_threshold: bool = False


class _PartIndex:
    """Words of one part with a position index, built once per mail and part."""

    def __init__(self, text: str) -> None:
        self.words = words(text)
        self.positions: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self.positions.setdefault(w, []).append(i)
        self._sorted: list[str] | None = None  # distinct words, for prefix terms

    def _first_with_prefix(self, prefix: str) -> int | None:
        """First position of any word starting with `prefix` (a range of the sorted words)."""
        if self._sorted is None:
            self._sorted = sorted(self.positions)
        ordered = self._sorted
        i = bisect.bisect_left(ordered, prefix)
        best: int | None = None
        while i < len(ordered) and ordered[i].startswith(prefix):
            first = self.positions[ordered[i]][0]
            if best is None or first < best:
                best = first
            i += 1
        return best

    def find(self, term: Term) -> int | None:
        """Position of the first occurrence of `term`, or None."""
        n = len(term.words)
        if n == 0:
            return None
        first = term.words[0]
        if n == 1:
            if term.prefix:
                return self._first_with_prefix(first)
            hits = self.positions.get(first)
            return hits[0] if hits else None
        for start in self.positions.get(first, ()):
            end = start + n
            if end > len(self.words):
                continue
            middle_ok = all(self.words[start + k] == term.words[k] for k in range(1, n - 1))
            last = self.words[end - 1]
            last_ok = last.startswith(term.words[-1]) if term.prefix else last == term.words[-1]
            if middle_ok and last_ok:
                return start
        return None


def score(
    text: MailText, language: str, config: ClassificationConfig
) -> tuple[dict[str, float], list[KeywordHit]]:
    """Scores of every configured queue and the keyword/pattern hits behind them."""
    indexes: dict[Part, _PartIndex] = {}
    folded: dict[Part, str] = {}

    def index(part: Part) -> _PartIndex:
        if part not in indexes:
            indexes[part] = _PartIndex(part_text(text, part))
        return indexes[part]

    def folded_text(part: Part) -> str:
        if part not in folded:
            folded[part] = fold(part_text(text, part))
        return folded[part]

    scores: dict[str, float] = {}
    hits: list[KeywordHit] = []
    for queue, qconf in config.queues.items():
        total = 0.0
        # a word of the mail counts once per queue, for the heaviest keyword found there
        # (the same word listed in two languages, or "licen*" next to "licence*")
        taken: dict[tuple[Part, int], KeywordHit] = {}
        for lang, term, weight in qconf.terms():
            if config.languages == "detected" and lang != language:
                continue
            for part in qconf.parts:
                pos = index(part).find(term)
                if pos is not None:
                    hit = KeywordHit(queue, term.text, part, weight, lang)
                    previous = taken.get((part, pos))
                    if previous is None or previous.weight < weight:
                        taken[(part, pos)] = hit
                    break
        for hit in taken.values():
            hits.append(hit)
            total += hit.weight
        for pat in qconf.patterns:
            for part in pat.parts or qconf.parts:
                if pat.compiled().search(folded_text(part)):
                    hits.append(KeywordHit(queue, pat.label or pat.pattern, part, pat.weight, None))
                    total += pat.weight
                    break
        scores[queue] = total
    return scores, hits


def _eligible(queue: str, value: float, config: ClassificationConfig, excluded: set[str]) -> bool:
    return queue not in excluded and value >= config.threshold_of(queue)


def classify(
    text: MailText,
    language: str,
    contracts: Sequence[Contract],
    config: ClassificationConfig,
    known_queues: Collection[str] = (),
    intent: Intent | None = None,
    cancellation_queue: str | None = None,
) -> Classification:
    """Choose the queue from keyword scores, then let a known contract's scope decide between
    the topic queues (`known_queues`: the configured queues; a scope mapped to a queue that
    does not exist is ignored). With an `intent` (`intake.extract.intent`), the mail goes to
    `cancellation_queue` only when it asks to cancel and that queue's keywords reach its
    threshold (or the request is the one a forward passes on); any other intent (a retraction,
    a quote, a negated or conditional cancellation) keeps it out whatever the keywords say."""
    scores, hits = score(text, language, config)
    reasons: list[str] = []
    best: str | None = None
    forced: str | None = None
    excluded: set[str] = set()
    if intent is not None and cancellation_queue is not None:
        worded = scores.get(cancellation_queue, 0.0) >= config.threshold_of(cancellation_queue)
        if intent.act == "cancel" and (worded or intent.source == "forwarded"):
            # the queue's own words must reach its threshold too (supervisors tune them), except
            # for a request a forward passes on: the keywords read only the new text
            forced = cancellation_queue
            reasons.append(
                f"intent recognised: {cancellation_queue} (the mail asks to cancel, in "
                f"{_INTENT_SOURCE.get(intent.source, intent.source)})"
            )
        elif intent.act == "cancel":
            excluded.add(cancellation_queue)
            reasons.append(
                f"the mail asks to cancel, but the {cancellation_queue} queue's words score "
                f"{scores.get(cancellation_queue, 0.0):g}, under its threshold "
                f"{config.threshold_of(cancellation_queue):g}: not the {cancellation_queue} queue"
            )
        else:
            excluded.add(cancellation_queue)
            value = scores.get(cancellation_queue, 0.0)
            if value >= config.threshold_of(cancellation_queue):
                reasons.append(
                    f"cancellation words score {value:g}, but the mail asks {intent.act}, not "
                    f"a cancellation: not the {cancellation_queue} queue"
                )
    if forced is None:
        # an intent (cancel, copy) that reaches its threshold wins over topic words
        for queue in config.intent_queues:
            value = scores.get(queue, 0.0)
            if _eligible(queue, value, config, excluded) and (best is None or value > scores[best]):
                best = queue
        if best is not None:
            reasons.append(f"intent recognised: {best} (score {scores[best]:g})")
        else:
            for queue, value in scores.items():  # dict order = tie-break order
                if _eligible(queue, value, config, excluded) and (
                    best is None or value > scores[best]
                ):
                    best = queue
    ranking = ", ".join(f"{q} {s:g}" for q, s in sorted(scores.items(), key=lambda kv: -kv[1]) if s)
    if forced is not None:
        queue = forced
        above = True
        reasons.append(f"keyword scores: {ranking or 'none'}")
    elif best is None:
        queue = config.fallback_queue
        above = False
        top = max((v for q, v in scores.items() if q not in excluded), default=0.0)
        reasons.append(
            f"no queue reached the threshold {config.threshold:g} (highest score {top:g}): {queue}"
        )
    else:
        queue = best
        above = True
        reasons.append(f"highest keyword score: {queue} ({ranking})")

    scope_applies = (above and queue in config.scope_overrides) or (
        not above and config.scope_on_fallback
    )
    if scope_applies and contracts:
        scopes = {c.scope for c in contracts}
        if len(scopes) == 1:
            scope = next(iter(scopes))
            target = config.scope_queues.get(scope)  # type: ignore[call-overload]
            if target is not None and (not known_queues or target in known_queues):
                numbers = ", ".join(c.display_number for c in contracts)
                if target != queue:
                    reasons.append(
                        f"contract {numbers} has scope {scope} in the registry: {target} "
                        f"instead of {queue}"
                    )
                else:
                    reasons.append(f"contract {numbers} has scope {scope} in the registry")
                queue = target
        else:
            reasons.append("the contracts named have different scopes; keeping the keyword choice")
    return Classification(queue, scores, tuple(hits), tuple(reasons), above)
