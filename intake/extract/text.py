"""Text helpers shared by the extractors: one normalisation, sentences, nearby words, and a
config compiled once into RE2 patterns (linear time whatever a supervisor writes).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import re2

from intake.extract.config import ExtractionConfig

# same length in and out, so match positions stay valid on the original text: typographic
# apostrophes become "'", every Unicode space (no-break, thin, figure, em, ...) and the invisible
# characters a composer puts inside words and numbers (zero-width space and joiner, soft hyphen,
# byte order mark) a plain space
_STRAIGHTEN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        **dict.fromkeys("\u00a0\u1680\u202f\u205f\u3000", " "),
        **dict.fromkeys(map(chr, range(0x2000, 0x200C)), " "),  # en quad .. zero-width space
        **dict.fromkeys("\u200c\u200d\u2060\ufeff\u00ad", " "),
    }
)
# a space written as an HTML entity in a text part ("MA&nbsp;123&nbsp;4567" from a form or a
# converter that left the markup): replaced by as many spaces, so positions stay valid
_SPACE_ENTITY = re.compile(
    r"&(?:nbsp|ensp|emsp|thinsp|numsp|#160|#xa0|#8194|#8195|#8201|#8239|#x2009|#x202f);?",
    re.IGNORECASE,
)
_SENTENCE_END = frozenset(".!?;")
_WEEKDAYS = (
    "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|"
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_WORD = re2.compile(r"[\p{L}\p{N}'-]+")


def prepare(text: str, limit: int) -> str:
    """Straighten apostrophes and spaces (also spaces written as entities); cut to `limit`
    characters. The result has the length of the cut text."""
    out = text[:limit].translate(_STRAIGHTEN)
    if "&" in out:
        out = _SPACE_ENTITY.sub(lambda m: " " * len(m.group(0)), out)
    return out


def sentence_at(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence holding text[start:end]: up to . ! ? ; or a blank line.
    Scans at most 400 characters each way, so a call costs O(1)."""
    lo = start
    floor = max(0, start - 400)
    while lo > floor:
        ch = text[lo - 1]
        if ch in _SENTENCE_END or (ch == "\n" and lo >= 2 and text[lo - 2] == "\n"):
            break
        lo -= 1
    hi = end
    ceiling = min(len(text), end + 400)
    while hi < ceiling:
        ch = text[hi]
        if ch in _SENTENCE_END:
            hi += 1
            break
        if ch == "\n" and hi + 1 < len(text) and text[hi + 1] == "\n":
            break
        hi += 1
    return lo, hi


def clause_start(text: str, start: int, lo: int, boundary: re2._Regexp) -> int:
    """Where the clause holding text[start] begins, no earlier than `lo`: just after the last
    `boundary` (a comma or a conjunction and a new subject) between lo and start."""
    floor = lo
    for m in boundary.finditer(text, lo, start):
        floor = m.start()
    return floor


def words_before(text: str, start: int, lo: int, count: int) -> str:
    """The last `count` words between lo and start (same sentence), joined by spaces."""
    window = text[max(lo, start - 20 * count) : start]
    words = [m.group(0) for m in _WORD.finditer(window)]
    return " ".join(words[-count:])


#: RE2's memory budget for the configured word lists. With the default (8 MB) a long
#: case-insensitive alternation of phrases with accented letters outgrows the DFA; RE2 then
#: falls back to a slower engine and writes "DFA out of memory" to stderr on every search.
#: The budget is a ceiling: the DFA is built lazily and stays far below it on ordinary text.
#: The shipped lists need 24 MB (`tests/extract/test_regex_budget.py`); 32 leaves room.
PATTERN_MAX_MEM = 32 << 20


def compile_large(pattern: str) -> re2._Regexp:
    """Compile a configured pattern with the larger memory budget."""
    options = re2.Options()
    options.max_mem = PATTERN_MAX_MEM
    return re2.compile(pattern, options)


def _joined(patterns: list[str]) -> str:
    """`patterns` as one alternation; one that matches nothing when there are none."""
    return "|".join(f"(?:{p})" for p in patterns) or r"[^\s\S]"


def alternation(patterns: list[str]) -> re2._Regexp:
    """One case-insensitive RE2 pattern matching any of `patterns`."""
    return compile_large(f"(?i)(?:{_joined(patterns)})")


@dataclass(frozen=True, slots=True)
class Compiled:
    config: ExtractionConfig
    keywords: re2._Regexp
    fillers: frozenset[str]
    number_words: frozenset[str]
    stopwords: dict[str, frozenset[str]]
    all_stopwords: frozenset[str]
    destruction_file_names: re2._Regexp
    destruction_documents: re2._Regexp
    attachment_cues: re2._Regexp
    certificate_words: re2._Regexp
    signature_words: re2._Regexp
    unsigned: re2._Regexp
    blank_field: re2._Regexp  # a form field's name; `blank_form` checks what follows it
    blank_placeholder: re2._Regexp
    destruction_verbs: re2._Regexp
    destruction_objects: re2._Regexp
    negation: re2._Regexp
    clause_start: re2._Regexp
    promise: re2._Regexp
    disclaimer: re2._Regexp
    out_of_use: re2._Regexp
    breach: re2._Regexp
    end_date_cue: re2._Regexp
    absence: re2._Regexp
    forward_subject: re2._Regexp
    kind_hints: tuple[tuple[str, re2._Regexp], ...]


@functools.lru_cache(maxsize=16)
def _compile_json(raw: str) -> Compiled:
    config = ExtractionConfig.model_validate_json(raw)
    stop = {lang: frozenset(w.lower() for w in words) for lang, words in config.stopwords.items()}
    cues = "|".join(f"(?:{p})" for p in config.end_date_cues) or r"[^\s\S]"
    return Compiled(
        config=config,
        keywords=alternation(config.contract_keywords),
        fillers=frozenset(w.lower() for w in config.number_fillers),
        number_words=frozenset(w.lower() for w in config.number_words),
        stopwords=stop,
        all_stopwords=frozenset().union(*stop.values()) if stop else frozenset(),
        destruction_file_names=alternation(config.destruction_file_names),
        destruction_documents=alternation(config.destruction_documents),
        attachment_cues=alternation(config.attachment_cues),
        certificate_words=alternation(config.certificate_words),
        signature_words=alternation(config.signature_words),
        unsigned=alternation(config.unsigned_cues),
        # an empty field of a form ("Naam: ........") or a template placeholder
        blank_field=compile_large(
            rf"(?i)(?:^|[^\p{{L}}])(?:{_joined(config.blank_form_fields)})"
        ),
        # no (?i): the patterns name no letters, and case folding doubles the program
        blank_placeholder=compile_large(_joined(config.blank_form_placeholders)),
        destruction_verbs=alternation(config.destruction_verbs),
        destruction_objects=alternation(config.destruction_objects),
        negation=alternation(config.negation_cues),
        clause_start=alternation(config.clause_starts),
        promise=alternation(config.promise_cues),
        disclaimer=alternation(config.disclaimer_cues),
        out_of_use=alternation(config.out_of_use),
        breach=alternation(config.breach),
        # a cue, then at most "le"/"the"/"het"/a weekday, then the date (checked on the text
        # before it): "tegen het einde van het kwartaal", "à la fin du trimestre"
        end_date_cue=compile_large(
            rf"(?i)(?:^|[^\p{{L}}'])(?:{cues})[\s,:]{{0,3}}"
            r"(?:(?:le|de|du|the|on|op|het|la)\s{1,3}|l')?"
            rf"(?:(?:{_WEEKDAYS})\.?,?\s{{1,3}})?$"
        ),
        absence=alternation(config.absence_cues),
        forward_subject=alternation(config.forward_subjects),
        kind_hints=tuple(
            (kind, alternation(patterns)) for kind, patterns in config.kind_hints.items()
        ),
    )


def compiled(config: ExtractionConfig) -> Compiled:
    """The config's patterns, compiled once per distinct config."""
    return _compile_json(config.model_dump_json())


#: what follows an empty form field's name: up to three more words, an optional colon, then a
#: dotted or underlined line ("Naam van de firma: ..........", "Handtekening ____").
_BLANK_TAIL = re2.compile(r"^(?:[ \t]{1,3}[\p{L}'-]+){0,3}[ \t]*:?[ \t]*(?:[._…][ \t]?){4,}")


#: the longest a template placeholder is ("[handtekening van de zaakvoerder]", "{{naam}}")
PLACEHOLDER_CHARS = 60


def blank_form(text: str, c: Compiled) -> tuple[int, int] | None:
    """Where `text` shows the desk's form sent back unfilled: an empty field ("Naam: ......"),
    a template placeholder ("[handtekening]") or labels left without values (`empty_labels`),
    as (start, end); None when it shows none of them.
    Two small patterns instead of one: the field names and the dotted tail in one RE2
    program outgrew the DFA's memory on every search."""
    for m in c.blank_field.finditer(text):
        tail = _BLANK_TAIL.search(text[m.end() : m.end() + 120])
        if tail is not None:
            return m.start(), m.end() + tail.end()
    for placeholder in c.blank_placeholder.finditer(text):
        if placeholder.end() - placeholder.start() <= PLACEHOLDER_CHARS:
            return placeholder.start(), placeholder.end()
    return empty_labels(text, c)


_LABEL_LINE_MAX = 80  # characters: a longer line is no form field's label
_LABEL_WORDS = 4  # at most this many words before the colon ("Naam van de firma:")


def _named_lines(text: str, c: Compiled) -> set[int]:
    """Starts of the lines (split at newlines) that hold a form field's name and are short
    enough to be its label. One RE2 pass over the text and at most `_LABEL_LINE_MAX`
    characters back per name."""
    out: set[int] = set()
    for m in c.blank_field.finditer(text):
        floor = max(0, m.end() - _LABEL_LINE_MAX)
        newline = text.rfind("\n", floor, m.end())
        if newline >= 0:
            out.add(newline + 1)
        elif floor == 0:
            out.add(0)
    return out


def _line_kind(line: str, named: bool) -> str:
    """'label' for a field's label (`named`: the line holds a field's name) with nothing
    after its colon but marks ("Naam:", "Datum: / /", "Datum: .. 1 .." as OCR reads a slash),
    'value' for another line with a letter or digit, 'blank' for the rest."""
    if not any(ch.isalnum() for ch in line):
        return "blank"
    if not named or len(line) > _LABEL_LINE_MAX:
        return "value"
    head, colon, tail = line.strip().partition(":")
    words = head.split()
    if (
        colon
        and 0 < len(words) <= _LABEL_WORDS
        and all(w.replace("'", "").replace("-", "").isalpha() for w in words)
        and sum(ch.isalnum() for ch in tail) < 2  # a stray mark read as "1" or "l" is no value
    ):
        return "label"
    return "value"


def empty_labels(text: str, c: Compiled) -> tuple[int, int] | None:
    """Where `text` has two or more form fields in a row left without values, as OCR reads a
    scan of the form sent back unfilled (the dotted lines to write on are no text): the labels
    stand alone on their lines ("Naam:", "Handtekening:", "Datum: / /") and fewer lines with a
    value follow them (before the next label or the end) than there are labels. A signature
    line alone (its scribble below it), a value on the line under its label, or a two-column
    form read column by column (the values after all the labels) are no empty form. Linear:
    each line is looked at once."""
    named = _named_lines(text, c)
    if not named:
        return None
    run: list[tuple[int, int]] = []  # the current labels in a row: (start, end)
    values = 0  # lines with a value since the run's last label
    offset = 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        kind = _line_kind(line, start in named)
        if kind == "label":
            if values:
                if len(run) >= 2 and values < len(run):
                    return run[0][0], run[-1][1]
                run, values = [], 0
            run.append((start, start + len(line.rstrip())))
        elif kind == "value" and run:
            values += 1
    if len(run) >= 2 and values < len(run):
        return run[0][0], run[-1][1]
    return None
