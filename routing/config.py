"""The routing configuration (`config/routing.yaml`): queues, keyword classification, the rule
chain, policy periods, reply templates per outcome and the extraction settings.

Read with ruamel.yaml's round-trip loader, so a file the service rewrites keeps its comments and
order, and validated with pydantic plus cross-checks (a rule naming an unknown queue, a pattern
RE2 refuses, a template that does not exist). Every problem names the file, the line and the
key: `config/routing.yaml:42: rules[3].then.queue: unknown queue 'hardwear'`. A config that has
problems never replaces the running one. The result goes to `routing.decide`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from intake.extract.config import ExtractionConfig
from routing.policy import OUTCOMES, PolicyParams
from routing.rules import Condition, ConditionBase, Rule
from routing.rules.logic import AllOf, AnyOf, NotOf
from routing.rules.queue import QueueIs
from routing.rules.queue_score import QueueScore
from routing.rules.textparts import Part, compile_pattern, words

Language = Literal["nl", "fr", "en"]
Outcome = Literal[
    "pa_no_cancellation_needed",
    "needs_contract_number",
    "unknown_contract",
    "sender_unverified",
    "manual_review",
    "needs_destruction_confirmation",
    "accepted",
    "not_yet_eligible",
    "awaiting_sender_confirmation",
]
Status = Literal["new", "open", "waiting_on_customer", "resolved", "closed"]

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[1] / "config" / "routing.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- queues -----------------------------------------------------------------------------------


class QueueConfig(_Model):
    """One queue: who owns it, its service levels, and its acknowledgement template."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    owners: list[str] = []
    first_response_sla_hours: float = Field(default=8, gt=0)
    resolution_sla_hours: float = Field(default=40, gt=0)
    reply_language_fallback: Language = "nl"
    reply_template: str | None = None  # default ack/<name>; write `null` for no acknowledgement

    @model_validator(mode="before")
    @classmethod
    def _default_template(cls, data: Any) -> Any:
        if isinstance(data, dict) and "reply_template" not in data and "name" in data:
            data = {**data, "reply_template": f"ack/{data['name']}"}
        return data

    @field_validator("owners")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or address.strip() != address:
                raise ValueError(f"{address!r} is not an e-mail address")
        return [a.lower() for a in value]

    @model_validator(mode="after")
    def _sla_order(self) -> QueueConfig:
        if self.resolution_sla_hours < self.first_response_sla_hours:
            raise ValueError("resolution_sla_hours is shorter than first_response_sla_hours")
        return self


# --- classification ---------------------------------------------------------------------------


class Term:
    """A keyword or phrase as a sequence of folded words; a trailing `*` matches any ending."""

    __slots__ = ("prefix", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.prefix = text.rstrip().endswith("*")
        self.words = tuple(words(text.rstrip().rstrip("*")))


class WeightedPattern(_Model):
    """A classification pattern (RE2; case and accents ignored)."""

    pattern: str
    weight: float = 1.0
    parts: list[Part] | None = None  # default: the queue's parts
    label: str = ""  # shown in explanations instead of the pattern
    _compiled: Any = PrivateAttr(default=None)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compile_pattern(value)
        return value

    def compiled(self) -> Any:
        if self._compiled is None:
            self._compiled = compile_pattern(self.pattern)
        return self._compiled


class QueueKeywords(_Model):
    """How one queue is recognised: weighted keywords per language, optional patterns."""

    parts: list[Part] = ["subject", "new_text"]
    threshold: float | None = None  # default: classification.threshold
    keywords: dict[Language, dict[str, float]] = {}
    patterns: list[WeightedPattern] = []
    _terms: list[tuple[str, Term, float]] | None = PrivateAttr(default=None)

    @field_validator("keywords")
    @classmethod
    def _terms_have_words(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for lang, terms in value.items():
            for term in terms:
                if not Term(term).words:
                    raise ValueError(f"{lang}: keyword {term!r} has no letters or digits")
        return value

    def terms(self) -> list[tuple[str, Term, float]]:
        """(language, term, weight) for every keyword, parsed once."""
        if self._terms is None:
            self._terms = [
                (lang, Term(text), weight)
                for lang, terms in self.keywords.items()
                for text, weight in terms.items()
            ]
        return self._terms


class ClassificationConfig(_Model):
    threshold: float = 2.0  # a queue needs at least this score
    fallback_queue: str = "general"  # below the threshold, unclear mail goes here
    languages: Literal["all", "detected"] = "all"  # which languages' keywords are used
    # a known contract's registry scope picks the queue for these classified queues
    scope_queues: dict[Literal["hardware", "software"], str] = {
        "hardware": "hardware",
        "software": "software",
    }
    scope_overrides: list[str] = ["hardware", "software"]
    scope_on_fallback: bool = True  # also when nothing reached the threshold
    queues: dict[str, QueueKeywords] = {}  # in tie-break order: the first listed wins a tie
    # queues that name what the customer wants done; one that reaches its threshold wins over
    # the topic queues whatever their scores
    intent_queues: list[str] = []

    def threshold_of(self, queue: str) -> float:
        conf = self.queues.get(queue)
        if conf is not None and conf.threshold is not None:
            return conf.threshold
        return self.threshold


# --- outcomes and the whole config ------------------------------------------------------------


class OutcomeConfig(_Model):
    """Reply and ticket status for one cancellation policy outcome."""

    reply_template: str | None = None
    status: Status | None = None


DEFAULT_OUTCOME_STATUS: dict[str, Status] = {
    "pa_no_cancellation_needed": "resolved",
    "needs_contract_number": "waiting_on_customer",
    "unknown_contract": "waiting_on_customer",
    "sender_unverified": "new",
    "manual_review": "open",
    "needs_destruction_confirmation": "waiting_on_customer",
    "accepted": "resolved",
    "not_yet_eligible": "resolved",
    "awaiting_sender_confirmation": "waiting_on_customer",
}


class RoutingConfig(_Model):
    """The whole routing configuration. Build with `load_routing_config` or `parse_routing_config`
    so cross-references are checked too."""

    version: int = 1
    queues: list[QueueConfig] = Field(min_length=1)
    cancellation_queue: str = "cancellation"
    classification: ClassificationConfig = ClassificationConfig()
    rules: list[Rule] = []
    policy: PolicyParams = PolicyParams()
    outcomes: dict[Outcome, OutcomeConfig] = {}
    followup_reply: bool = False  # acknowledge follow-ups (cancellation outcomes always reply)
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)

    @property
    def queue_names(self) -> list[str]:
        return [q.name for q in self.queues]

    def queue(self, name: str) -> QueueConfig | None:
        for q in self.queues:
            if q.name == name:
                return q
        return None

    def _outcome(self, outcome: str) -> OutcomeConfig | None:
        return next((c for k, c in self.outcomes.items() if k == outcome), None)

    def outcome_template(self, outcome: str) -> str | None:
        conf = self._outcome(outcome)
        if conf is not None and "reply_template" in conf.model_fields_set:
            return conf.reply_template
        return f"cancellation/{outcome}"

    def outcome_status(self, outcome: str) -> str:
        conf = self._outcome(outcome)
        if conf is not None and conf.status is not None:
            return conf.status
        return DEFAULT_OUTCOME_STATUS.get(outcome, "new")

    def template_names(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Every template this config can choose, with where it is configured."""
        for i, q in enumerate(self.queues):
            if q.reply_template and q.name != self.cancellation_queue:
                yield ("queues", i, "reply_template"), q.reply_template
        for outcome in OUTCOMES:
            name = self.outcome_template(outcome)
            if name:
                yield ("outcomes", outcome, "reply_template"), name
        for i, rule in enumerate(self.rules):
            if rule.then.reply_template:
                yield ("rules", i, "then", "reply_template"), rule.then.reply_template


# --- problems and locations -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: str
    line: int  # 1-based; 0 when unknown
    key: str  # e.g. rules[3].then.queue
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key or '(top)'}: {self.message}"


class RoutingConfigError(ValueError):
    """A routing config with problems; `problems` names each one with its line."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


Path_ = tuple[str | int, ...]


def _key_text(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line(node: Any, key: str | int) -> int | None:
    """1-based line of a key (mapping) or item (sequence) in a round-trip YAML node."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        pos = lc.item(key) if isinstance(key, int) else lc.key(key)
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
    return int(pos[0]) + 1


def _locate(doc: Any, path: Iterable[str | int]) -> tuple[int, Path_]:
    """Follow `path` (a pydantic error location) through the loaded YAML; return the 1-based
    line of the deepest node reached and the part of the path that exists in the file.
    Location parts that are not in the file (union tags, model names) are skipped."""
    node = doc
    line = 0
    found: list[str | int] = []
    for part in path:
        key: str | int
        if isinstance(node, dict) and not isinstance(part, int):
            key = part if part in node else part.rstrip("_")  # `not_` is written `not`
            if key not in node:
                continue
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            key = part
        else:
            continue
        line = _line(node, key) or line
        node = node[key]
        found.append(key)
    return line, tuple(found)


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if err.get("type") == "extra_forbidden":
        msg = "unknown key"
    elif err.get("type") == "missing":
        msg = "required key is missing"
    return msg


# --- cross-checks -----------------------------------------------------------------------------


def _condition_queue_refs(cond: ConditionBase, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(cond, AllOf):
        for i, c in enumerate(cond.all):
            yield from _condition_queue_refs(c, (*path, "all", i))
    elif isinstance(cond, AnyOf):
        for i, c in enumerate(cond.any):
            yield from _condition_queue_refs(c, (*path, "any", i))
    elif isinstance(cond, NotOf):
        yield from _condition_queue_refs(cond.not_, (*path, "not"))
    elif isinstance(cond, QueueIs):
        for i, name in enumerate(cond.queue):
            yield (*path, "queue", i), name
    elif isinstance(cond, QueueScore):
        yield (*path, "queue_score", "queue"), cond.queue_score.queue


def _cross_checks(
    config: RoutingConfig, known_templates: set[str] | None
) -> list[tuple[Path_, str]]:
    problems: list[tuple[Path_, str]] = []
    names = config.queue_names
    known = set(names)
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            problems.append((("queues", i, "name"), f"queue {name!r} is defined twice"))
        seen.add(name)

    def need(path: Path_, name: str | None, what: str = "queue") -> None:
        if name is not None and name not in known:
            problems.append((path, f"unknown {what} {name!r} (queues: {', '.join(names)})"))

    cls = config.classification
    need(("classification", "fallback_queue"), cls.fallback_queue)
    # defaults that name queues are only checked when the file sets them
    if "cancellation_queue" in config.model_fields_set:
        need(("cancellation_queue",), config.cancellation_queue)
    for queue in cls.queues:
        need(("classification", "queues", queue), queue)
    if "scope_queues" in cls.model_fields_set:
        for scope, queue in cls.scope_queues.items():
            need(("classification", "scope_queues", scope), queue)
    if "scope_overrides" in cls.model_fields_set:
        for i, queue in enumerate(cls.scope_overrides):
            need(("classification", "scope_overrides", i), queue)
    for i, queue in enumerate(cls.intent_queues):
        need(("classification", "intent_queues", i), queue)
    rule_names: set[str] = set()
    for i, rule in enumerate(config.rules):
        if rule.name in rule_names:
            problems.append((("rules", i, "name"), f"rule name {rule.name!r} is used twice"))
        rule_names.add(rule.name)
        need(("rules", i, "then", "queue"), rule.then.queue)
        if rule.when is not None:
            for path, name in _condition_queue_refs(rule.when, ("rules", i, "when")):
                need(path, name)
    if known_templates is not None:
        for path, name in config.template_names():
            if name not in known_templates:
                problems.append((path, f"unknown reply template {name!r}"))
    return problems


# --- loading ----------------------------------------------------------------------------------


MAX_DEPTH = 50  # nesting of mappings and sequences; the shipped config needs 6
MAX_ITEMS = 100_000  # items after expanding aliases; the shipped config has about 3,000


def shape_problems(text: str, source: str = "<routing config>") -> list[ConfigProblem]:
    """Refuse what would make loading explode, before it is loaded: nesting deeper than
    `MAX_DEPTH` (the composer recurses) and aliases that expand past `MAX_ITEMS` (a "billion
    laughs" of 350 bytes made 10^7 items). One linear pass over the parser's events; the
    problem names the line of the offending node."""
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        ScalarEvent,
    )

    sizes: dict[str, int] = {}  # anchor -> items its node expands to
    stack: list[tuple[int, str | None]] = []  # open collections: (items so far, anchor)
    total = 0

    def problem(event: Any, message: str) -> list[ConfigProblem]:
        mark = getattr(event, "start_mark", None)
        line = mark.line + 1 if mark is not None else 0
        return [ConfigProblem(source, line, "", message)]

    def add(items: int) -> None:
        nonlocal total
        if stack:
            size, anchor = stack[-1]
            stack[-1] = (size + items, anchor)
        else:
            total += items

    try:
        for event in _yaml().parse(text):
            if isinstance(event, CollectionStartEvent):
                stack.append((1, event.anchor))
                if len(stack) > MAX_DEPTH:
                    return problem(event, f"YAML: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, CollectionEndEvent) and stack:
                size, anchor = stack.pop()
                if anchor:
                    sizes[anchor] = size
                add(size)
            elif isinstance(event, ScalarEvent | AliasEvent):
                size = sizes.get(event.anchor or "", 1) if isinstance(event, AliasEvent) else 1
                if isinstance(event, ScalarEvent) and event.anchor:
                    sizes[event.anchor] = 1
                add(size)
                if max([total, *(s for s, _ in stack)]) > MAX_ITEMS:
                    return problem(
                        event, f"YAML: aliases expand to more than {MAX_ITEMS:,} items"
                    )
    except YAMLError:
        return []  # a syntax error: the loader reports it with its line
    return []


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    return y


def load_document(text: str) -> Any:
    """The YAML document with comments and order kept (for a service that edits the file)."""
    return _yaml().load(text)


def dump_document(doc: Any) -> str:
    """Write a round-trip document back; comments and key order are kept."""
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for pydantic."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str | int) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def validate_routing_config(
    text: str, source: str = "<routing config>", known_templates: set[str] | None = None
) -> tuple[RoutingConfig | None, list[ConfigProblem]]:
    """Parse and check a routing config; return it (None on errors) and every problem found."""
    shape = shape_problems(text, source)
    if shape:
        return None, shape
    try:
        doc = load_document(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        return None, [ConfigProblem(source, line, "", f"YAML: {exc.problem or exc}")]
    except YAMLError as exc:
        return None, [ConfigProblem(source, 0, "", f"YAML: {exc}")]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return None, [ConfigProblem(source, 1, "", "the file must be a mapping of sections")]
    try:
        config = RoutingConfig.model_validate(_plain(doc))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            line, found = _locate(doc, err["loc"])
            if err.get("type") == "missing" and err["loc"]:
                found = (*found, err["loc"][-1])
            problems.append(ConfigProblem(source, line, _key_text(found), _message(err)))
        return None, _dedupe(problems)
    problems = []
    for path, message in _cross_checks(config, known_templates):
        line, _ = _locate(doc, path)
        problems.append(ConfigProblem(source, line, _key_text(path), message))
    if problems:
        return None, problems
    return config, []


def _dedupe(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    seen: set[tuple[int, str, str]] = set()
    out = []
    for p in problems:
        k = (p.line, p.key, p.message)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


def parse_routing_config(
    text: str, source: str = "<routing config>", known_templates: set[str] | None = None
) -> RoutingConfig:
    """A checked config from YAML text; raises `RoutingConfigError` naming every problem."""
    config, problems = validate_routing_config(text, source, known_templates)
    if config is None:
        raise RoutingConfigError(problems)
    return config


def load_routing_config(
    path: str | Path = DEFAULT_CONFIG_PATH, known_templates: set[str] | None = None
) -> RoutingConfig:
    """Read and check `config/routing.yaml` (or another file); raises `RoutingConfigError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutingConfigError([ConfigProblem(str(p), 0, "", f"cannot read: {exc}")]) from None
    return parse_routing_config(text, str(p), known_templates)


def check_config(path: str | Path, known_templates: set[str] | None = None) -> list[ConfigProblem]:
    """Every problem of a routing config file; empty when it can go live."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        return [ConfigProblem(str(p), 0, "", f"cannot read: {exc}")]
    return validate_routing_config(text, str(p), known_templates)[1]


__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ClassificationConfig",
    "Condition",
    "ConfigProblem",
    "OutcomeConfig",
    "QueueConfig",
    "QueueKeywords",
    "RoutingConfig",
    "RoutingConfigError",
    "WeightedPattern",
    "check_config",
    "dump_document",
    "load_document",
    "load_routing_config",
    "parse_routing_config",
    "shape_problems",
    "validate_routing_config",
]
