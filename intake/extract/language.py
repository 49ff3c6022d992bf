"""The language of a mail (nl, fr or en): of the author's new text and the subject.

Methods, chosen by `ExtractionConfig.language_method`: a stopword-frequency scorer (word
lists a supervisor can extend, no model; the default), py3langid restricted to nl/fr/en, and
"hybrid": the stopword scorer, and py3langid only when the stopwords do not decide. The
stopword scorer is the default because py3langid's model adds about 110 MB to the process
and a second to start, for no gain on the labelled samples.
Both were measured on the 45 labelled samples (see tests/extract/test_language.py). When
nothing decides (no known word, a tie), the configured default (`nl`) is returned.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from intake.extract.text import Compiled
from intake.extract.views import View
from intake.model import Evidence

LANGUAGES = ("nl", "fr", "en")
# a single character class: linear with the stdlib engine
_WORD = re.compile(r"[^\W\d_]+")


def _counts(text: str, c: Compiled) -> dict[str, int]:
    counts = dict.fromkeys(LANGUAGES, 0)
    lists = [(lang, c.stopwords.get(lang, frozenset())) for lang in LANGUAGES]
    for word in _WORD.findall(text.lower()):
        for lang, words in lists:
            if word in words:
                counts[lang] += 1
    return counts


def _winner(counts: dict[str, int]) -> str | None:
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return max(LANGUAGES, key=lambda lang: counts[lang])


def by_stopwords(text: str, c: Compiled) -> tuple[str, str]:
    """Count known function words per language; the most frequent wins."""
    counts = _counts(text, c)
    best = _winner(counts)
    if best is None:
        default = c.config.default_language
        return default, f"language {default} (default; stopword counts {counts})"
    return best, f"language {best} (stopword counts {counts})"


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def by_langid(text: str, c: Compiled) -> tuple[str, str]:
    """py3langid's naive Bayes model, limited to nl/fr/en (offline, model in the wheel)."""
    if not _WORD.search(text):
        return c.config.default_language, f"language {c.config.default_language} (default)"
    lang, prob = _identifier().classify(text)
    if lang not in LANGUAGES:
        return c.config.default_language, f"language {c.config.default_language} (default)"
    return str(lang), f"language {lang} (py3langid, p={float(prob):.2f})"


def detect(text: str, c: Compiled) -> tuple[str, str]:
    """(language, evidence line). "hybrid": stopwords, and py3langid when they do not decide."""
    language, why, _ = detect_known(text, c)
    return language, why


def detect_known(text: str, c: Compiled) -> tuple[str, str, bool]:
    """(language, evidence line, whether the text decided it). False: nothing in the text
    said (a language the desk does not serve, a few words with no function word), and the
    language is the configured default; routing may know better (the sender's registry
    language, the mailbox's default)."""
    sample = text[:20_000]
    method = c.config.language_method
    if method == "langid":
        return _langid_known(sample, c)
    counts = _counts(sample, c)
    best = _winner(counts)
    if best is not None:
        return best, f"language {best} (stopword counts {counts})", True
    if method == "hybrid":
        return _langid_known(sample, c)
    default = c.config.default_language
    return default, f"language {default} (default; stopword counts {counts})", False


def _langid_known(text: str, c: Compiled) -> tuple[str, str, bool]:
    language, why = by_langid(text, c)
    return language, why, "(default)" not in why
def language_evidence(view: View, language: str, why: str, c: Compiled) -> Evidence:
    """Where the language was read: the words of that language found in the subject and new
    text (at most eight; the source is the body when any of them is there), or the detector's
    line alone when no word decided."""
    words = c.stopwords.get(language, frozenset())
    seen: list[str] = []
    sources: set[str] = set()
    for m in _WORD.finditer(view.text[:20_000]):
        word = m.group(0).lower()
        if word in words:
            sources.add(view.source_at(m.start()))
            if word not in seen:
                seen.append(word)
            if len(seen) >= 8:
                break
    if not seen or "default" in why:
        return Evidence("language", language, "body", why)
    source = "body" if "body" in sources else sources.pop()
    listed = ", ".join(f"'{w}'" for w in seen)
    return Evidence("language", language, source, f"{why}: {listed}")
