"""Reply templates: load, validate and render them in the customer's language.

Layout of the template folder (a supervisor may edit it; see `templates check`):

    <lang>/_layout.txt.j2        greeting, signature and footer of that language
    <lang>/<name>.txt.j2         one reply: `{% block subject %}` and `{% block body %}`
    <lang>/<name>.html.j2        optional: a hand-written HTML part for that reply
    _base.html.j2                the HTML part built from the plain text when there is no
                                 hand-written one (paragraphs, lists, known links)

`<name>` is what routing decisions call `reply_template` (`ack/hardware`,
`cancellation/accepted`, ...). Templates render in Jinja2's sandbox with `StrictUndefined`,
bounded (`BoundedSandbox`): `*` may not build more than `MAX_REPEAT` characters or items, `**`
no number past `MAX_POWER_BITS` bits, `range` no more than `MAX_RANGE` items per call or
`MAX_RANGE_TOTAL` per render, and the padding filters no width past `MAX_REPEAT`;
customer text (names, subjects, numbers) only ever enters as a variable, so `{{7*7}}` in a name
stays `{{7*7}}`. The HTML part is autoescaped. Every template is rendered with sample data for
every language when the set is loaded, so a broken template refuses the load instead of failing
on a customer's mail. Next stop: `outbound.compose` builds the message from a `RenderedReply`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    pass_context,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

LANGUAGES: tuple[str, ...] = ("nl", "fr", "en")
FALLBACK_LANGUAGE = "nl"
LOCALES: dict[str, str] = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_BE"}

CANCELLATION_OUTCOMES: tuple[str, ...] = (
    "pa_no_cancellation_needed",
    "needs_destruction_confirmation",
    "needs_contract_number",
    "accepted",
    "not_yet_eligible",
    "manual_review",
    "unknown_contract",
    "sender_unverified",
    "awaiting_sender_confirmation",
)

#: The replies the default routing configuration can ask for; `templates check` reports any
#: of them missing in any language.
REQUIRED_NAMES: tuple[str, ...] = (
    "ack/hardware",
    "ack/software",
    "ack/general",
    "ack/cancellation",
    "copy-request/received",
    "general/view-online",
    *(f"cancellation/{outcome}" for outcome in CANCELLATION_OUTCOMES),
    "lifecycle/reminder",
    "lifecycle/closed",
    "lifecycle/termination_effective",
    "lifecycle/provider_notice",
    "lifecycle/breach_termination",
)

_TEXT_SUFFIX = ".txt.j2"
_HTML_SUFFIX = ".html.j2"
_BASE_HTML = "_base.html.j2"
_WS = re.compile(r"\s+")


class TemplateSetError(Exception):
    """A template folder that cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class PolicyParams:
    """The periods of the cancellation policy (DOMAIN.md section 4), as the texts state them.

    Same names as the `policy:` section of the routing configuration, so that a changed period
    changes the text too: `PolicyParams.from_mapping(config.policy.model_dump())`.
    """

    pa_lapse_days: int = 59
    monthly_license_notice_days: int = 30
    maintenance_notice_months: int = 1
    maintenance_minimum_months: int = 6
    provider_notice_months: int = 3
    provider_minimum_months: int = 12

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PolicyParams:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: int(v) for k, v in values.items() if k in known})


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """Every variable a template may use. All are always present (StrictUndefined)."""

    ticket_ref: str
    # the customer's display name as `outbound.echo.greeting_name` lets it through; "" (the
    # neutral greeting) when unknown or when it is a message rather than a name
    requester_name: str = ""
    desk_name: str = "Contract Support"
    portal_url: str = "https://contracts.example.com/"
    contract_number: str | None = None  # never set for sender_unverified replies
    effective_date: date | None = None
    earliest_notice_date: date | None = None
    waiting_for: str | None = None  # destruction_confirmation | contract_number | contract_check
    close_after_days: int | None = None  # reminder: days until the ticket closes unanswered
    closed_reason: str | None = None  # resolved | no_response
    # confirmation request (cancellation/awaiting_sender_confirmation): the one-time code the
    # registered contact writes in the reply, and its last valid day
    confirmation_code: str | None = None
    confirm_by: date | None = None
    automatic: bool = True  # adds "this is an automatic message" to the footer
    policy: PolicyParams = field(default_factory=PolicyParams)

    def variables(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RenderedReply:
    """The three parts of a reply, ready for `outbound.compose`."""

    name: str
    language: str  # the language actually rendered (after fallback)
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `check_folder`: a missing or failing template."""

    kind: str  # missing | failing
    language: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.language}/{self.name}: {self.detail}"


def sample_contexts() -> tuple[ReplyContext, ...]:
    """Data every template must render with: a full one and one without optional facts."""
    full = ReplyContext(
        ticket_ref="PK-7F3K9Q",
        requester_name="An Peeters {{7*7}}",
        contract_number="MA1234567",
        effective_date=date(2026, 12, 31),
        earliest_notice_date=date(2026, 7, 15),
        waiting_for="destruction_confirmation",
        close_after_days=14,
        closed_reason="no_response",
        confirmation_code="7FK3-9QXA",
        confirm_by=date(2026, 7, 29),
    )
    bare = replace(
        full,
        requester_name="",
        contract_number=None,
        waiting_for=None,
        close_after_days=None,
        closed_reason=None,
        confirmation_code=None,
        confirm_by=None,
        automatic=False,
    )
    return (full, bare)


def _locale(ctx: Context) -> str:
    language = ctx.get("language", FALLBACK_LANGUAGE)
    return LOCALES.get(str(language), LOCALES[FALLBACK_LANGUAGE])


@pass_context
def _format_date_filter(
    ctx: Context, value: date | datetime, format: str = "long", locale: str | None = None
) -> str:
    """`{{ d|format_date }}` -> "31 december 2026" in the reply's locale."""
    if not isinstance(value, date):
        raise TypeError(f"format_date needs a date, got {type(value).__name__}")
    return str(babel_format_date(value, format=format, locale=locale or _locale(ctx)))


def format_date(d: date, format: str = "long", locale: str = "nl_BE") -> str:
    """Babel date formatting, as the templates' filter does it."""
    return str(babel_format_date(d, format=format, locale=locale))


def _plural(n: int, one: str, many: str) -> str:
    """`{{ plural(3, 'maand', 'maanden') }}` -> "3 maanden"."""
    return f"{n} {one if n == 1 else many}"


_UNITS: dict[str, dict[str, tuple[str, str]]] = {
    "nl": {"day": ("dag", "dagen"), "month": ("maand", "maanden"), "year": ("jaar", "jaar")},
    "fr": {"day": ("jour", "jours"), "month": ("mois", "mois"), "year": ("an", "ans")},
    "en": {"day": ("day", "days"), "month": ("month", "months"), "year": ("year", "years")},
}


def _units(ctx: Context) -> dict[str, tuple[str, str]]:
    return _UNITS.get(str(ctx.get("language")), _UNITS[FALLBACK_LANGUAGE])


@pass_context
def _months(ctx: Context, n: int) -> str:
    """`{{ months(12) }}` -> "1 jaar" / "1 an" / "1 year"; `{{ months(6) }}` -> "6 maanden"."""
    units = _units(ctx)
    if n >= 12 and n % 12 == 0:
        return _plural(n // 12, *units["year"])
    return _plural(n, *units["month"])


@pass_context
def _days(ctx: Context, n: int) -> str:
    """`{{ days(30) }}` -> "30 dagen" / "30 jours" / "30 days"."""
    return _plural(n, *_units(ctx)["day"])


@pass_context
def _link_known(ctx: Context, line: str) -> Markup:
    """Escape a line of text and make the desk's own URLs (never customer text) clickable."""
    escaped = str(escape(line))
    for key in ("portal_url",):
        url = ctx.get(key)
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            safe = str(escape(url))
            escaped = escaped.replace(safe, f'<a href="{safe}">{safe}</a>')
    return Markup(escaped)


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of the plain text as the HTML part shows it."""

    kind: str  # p | ul | footer
    lines: tuple[str, ...]


def text_blocks(text: str) -> list[Block]:
    """Split plain text into paragraphs, bullet lists (lines "- ...") and the footer ("-- ")."""
    blocks: list[Block] = []
    in_footer = False
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].strip() == "--":
            in_footer = True
            lines = lines[1:]
            if not lines:
                continue
        if in_footer:
            blocks.append(Block("footer", tuple(lines)))
            continue
        bullets = [line for line in lines if line.lstrip().startswith("- ")]
        if bullets and len(bullets) == len(lines):
            blocks.append(Block("ul", tuple(b.lstrip()[2:] for b in bullets)))
        elif bullets and not lines[0].lstrip().startswith("- "):
            # a lead-in line followed by a list
            first = len(lines) - len(bullets)
            if all(line.lstrip().startswith("- ") for line in lines[first:]):
                blocks.append(Block("p", tuple(lines[:first])))
                blocks.append(Block("ul", tuple(b.lstrip()[2:] for b in lines[first:])))
            else:
                blocks.append(Block("p", tuple(lines)))
        else:
            blocks.append(Block("p", tuple(lines)))
    return blocks


MAX_REPEAT = 100_000  # characters or items one `*`, `center`, `indent`, ... may produce
MAX_POWER_BITS = 4_096  # the largest number `**` may make
MAX_RANGE = 10_000  # items one range() may have
MAX_RANGE_TOTAL = 100_000  # range() items one render may use in all
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d+)(?:\.(\d+))?|\{[^{}]*?[:.](\d+)")


def _refuse(what: str) -> SecurityError:
    return SecurityError(f"the template sandbox refuses {what}")


def _check_width(*widths: object) -> None:
    for width in widths:
        if isinstance(width, int) and width > MAX_REPEAT:
            raise _refuse(f"a width of {width} (at most {MAX_REPEAT})")


def _check_format(text: object) -> None:
    if isinstance(text, str):
        for match in _FORMAT_WIDTH.finditer(text):
            _check_width(*(int(g) for g in match.groups() if g))


class BoundedSandbox(SandboxedEnvironment):
    """Jinja2's sandbox with bounds on the operations that build large values from small
    templates: `'x' * 10**9` (6 GB) and `range(10**8)` are refused with a SecurityError."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = self._range
        self._range_used = 0
        for name in ("center", "indent", "wordwrap", "format", "replace"):
            self.filters[name] = self._bounded_filter(name, self.filters[name])

    def start_render(self) -> None:
        """A new render: the range budget starts again."""
        self._range_used = 0

    def _range(self, *args: int) -> range:
        items = range(*args)
        self._range_used += len(items)
        if len(items) > MAX_RANGE or self._range_used > MAX_RANGE_TOTAL:
            raise _refuse(
                f"range() of {len(items)} items (at most {MAX_RANGE}, in all "
                f"{MAX_RANGE_TOTAL} per reply)"
            )
        return items

    def _bounded_filter(self, name: str, real: Any) -> Any:
        def bounded(*args: Any, **kwargs: Any) -> Any:
            values = [*args, *kwargs.values()]
            _check_width(*values)
            if name == "format":
                _check_format(next((v for v in values if isinstance(v, str)), None))
            if name == "replace":
                texts = [v for v in values if isinstance(v, str)]
                if len(texts) >= 3:
                    grows = texts[-3].count(texts[-2]) * max(0, len(texts[-1]) - len(texts[-2]))
                    if len(texts[-3]) + grows > MAX_REPEAT:
                        raise _refuse("a replace() past the size limit")
            return real(*args, **kwargs)

        for attribute in ("jinja_pass_arg",):
            if hasattr(real, attribute):
                setattr(bounded, attribute, getattr(real, attribute))
        return bounded

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_REPEAT:
                    raise _refuse(f"a repetition to {len(seq) * times} items")
        elif operator == "**":
            ints = isinstance(left, int) and isinstance(right, int) and abs(left) > 1
            if ints and right > 0 and right * abs(left).bit_length() > MAX_POWER_BITS:
                raise _refuse(f"a power past {MAX_POWER_BITS} bits")
        elif operator == "%":
            _check_format(left)
        return super().call_binop(context, operator, left, right)


def _environment(folder: Path) -> BoundedSandbox:
    env = BoundedSandbox(
        loader=FileSystemLoader(str(folder)),
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name and name.endswith(_HTML_SUFFIX)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.filters["format_date"] = _format_date_filter
    env.filters["link_known"] = _link_known
    env.globals["plural"] = _plural
    env.globals["months"] = _months
    env.globals["days"] = _days
    return env


def _names_in(folder: Path, language: str) -> set[str]:
    root = folder / language
    if not root.is_dir():
        return set()
    names: set[str] = set()
    for path in root.rglob(f"*{_TEXT_SUFFIX}"):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith("_") for part in rel.split("/")):
            continue
        names.add(rel[: -len(_TEXT_SUFFIX)])
    return names


class TemplateSet:
    """The reply templates of one folder, validated. Use `TemplateSet.load(folder)`."""

    def __init__(self, folder: Path, env: BoundedSandbox, names: Mapping[str, set[str]]):
        self.folder = folder
        self._env = env
        self._names = {lang: frozenset(found) for lang, found in names.items()}

    @classmethod
    def load(cls, folder: str | Path) -> TemplateSet:
        """Load and validate; raise TemplateSetError naming the file of any failing template."""
        tset = cls.open_unchecked(Path(folder))
        failures = [p for p in tset.problems() if p.kind == "failing"]
        if failures:
            raise TemplateSetError("\n".join(str(p) for p in failures))
        if not tset.known_names():
            raise TemplateSetError(f"{folder}: no templates for {FALLBACK_LANGUAGE}")
        return tset

    @classmethod
    def open_unchecked(cls, folder: Path) -> TemplateSet:
        """The folder's templates without the load-time validation (for `templates check`)."""
        if not folder.is_dir():
            raise TemplateSetError(f"{folder}: no such template folder")
        env = _environment(folder)
        names = {lang: _names_in(folder, lang) for lang in LANGUAGES}
        return cls(folder, env, names)

    def known_names(self) -> frozenset[str]:
        """Names that render in every language (present in the fallback language)."""
        return self._names.get(FALLBACK_LANGUAGE, frozenset())

    def names_in(self, language: str) -> frozenset[str]:
        return self._names.get(language, frozenset())

    def problems(self, required: Iterable[str] = REQUIRED_NAMES) -> list[Problem]:
        """Missing templates per language and templates that fail with the sample data."""
        everything = set(required).union(*self._names.values())
        found: list[Problem] = []
        for language in LANGUAGES:
            for name in sorted(everything):
                if name not in self._names.get(language, frozenset()):
                    found.append(Problem("missing", language, name, "no template file"))
                    continue
                for sample in sample_contexts():
                    try:
                        self._render_exact(name, language, sample.variables())
                    except Exception as exc:  # any failure is a finding, never a traceback
                        where = f"{language}/{name}{_TEXT_SUFFIX}"
                        found.append(Problem("failing", language, name, _describe(exc, where)))
                        break
        return found

    def render(
        self, name: str, language: str, context: ReplyContext | Mapping[str, Any]
    ) -> RenderedReply:
        """Render reply `name` in `language`, falling back to Dutch when it has no template."""
        variables = context.variables() if isinstance(context, ReplyContext) else dict(context)
        if language not in self._names or name not in self._names[language]:
            language = FALLBACK_LANGUAGE
        if name not in self._names.get(language, frozenset()):
            raise TemplateSetError(f"unknown reply template {name!r}")
        return self._render_exact(name, language, variables)

    def _render_exact(self, name: str, language: str, variables: dict[str, Any]) -> RenderedReply:
        self._env.start_render()
        values = dict(variables)
        values["language"] = language
        values["locale"] = LOCALES[language]
        text_tmpl = self._env.get_template(f"{language}/{name}{_TEXT_SUFFIX}")
        if "subject" not in text_tmpl.blocks:
            raise TemplateSetError(f"{language}/{name}{_TEXT_SUFFIX}: no subject block")
        subject_ctx = text_tmpl.new_context(dict(values))
        subject = _WS.sub(" ", "".join(text_tmpl.blocks["subject"](subject_ctx))).strip()
        if not subject:
            raise TemplateSetError(f"{language}/{name}{_TEXT_SUFFIX}: empty subject")
        text = _tidy(text_tmpl.render(values))
        html_values = dict(values, subject=subject, blocks=text_blocks(text))
        try:
            html_tmpl = self._env.get_template(f"{language}/{name}{_HTML_SUFFIX}")
        except TemplateNotFound:
            html_tmpl = self._env.get_template(_BASE_HTML)
        html = html_tmpl.render(html_values).strip() + "\n"
        return RenderedReply(name=name, language=language, subject=subject, text=text, html=html)


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _describe(exc: Exception, where: str) -> str:
    if isinstance(exc, TemplateSyntaxError):
        return f"{exc.name or exc.filename or where}:{exc.lineno}: {exc.message}"
    if isinstance(exc, TemplateNotFound):
        return f"{where}: template not found: {exc.name}"
    if isinstance(exc, TemplateSetError):
        return str(exc)
    return f"{where}: {type(exc).__name__}: {exc}"


def check_folder(folder: str | Path, required: Iterable[str] = REQUIRED_NAMES) -> list[Problem]:
    """Every missing or failing template in `folder` (empty list: all good)."""
    try:
        tset = TemplateSet.open_unchecked(Path(folder))
    except TemplateSetError as exc:
        return [Problem("missing", "*", "*", str(exc))]
    return tset.problems(required)
