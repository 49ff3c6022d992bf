"""Every corpus mail goes through mail_text + extract; hostile input stays linear."""

from __future__ import annotations

import time

import pytest

from intake.extract import DEFAULT, ExtractionConfig, extract, mail_text
from intake.model import MailText
from routing.registry import Registry
from tests.extract.helpers import CORPUS, parse, registry


def _corpus_files() -> list[str]:
    return sorted(
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name not in ("SOURCE.txt", "README.md")
    )


def test_corpus_is_there() -> None:
    assert len(_corpus_files()) >= 160


@pytest.mark.parametrize("name", _corpus_files())
def test_corpus_mail_extracts_without_error(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    try:
        parsed = parse(data)
    except Exception:  # a mail the parser rejects is quarantined before extraction
        pytest.skip("parser rejects this file")
    result = extract(mail_text(parsed), registry())
    assert result.language in ("nl", "fr", "en")
    assert list(result.contract_numbers) == sorted(set(result.contract_numbers))


def _timed(text: MailText, reg: Registry, config: ExtractionConfig = DEFAULT) -> float:
    """CPU seconds of this process: a bound on the work, not on how busy the machine is."""
    start = time.process_time()
    extract(text, reg, config)
    return time.process_time() - start


_UNIT = "contract nr HW 2207 44 18 / +32 4 0788/44 31/12/20 vernietigd niet? sitenummer "


def _near_matches(size: int) -> MailText:
    """Keywords followed by number-like tokens, phone- and date-like runs."""
    body = (_UNIT * (size // len(_UNIT) + 1))[:size]
    return MailText(subject="contract " * 1000, new_text=body, full_text=body, signature=body)


def test_one_megabyte_of_near_matches_is_fast() -> None:
    assert _timed(_near_matches(1_000_000), registry()) < 0.6


def test_work_grows_linearly_with_the_text() -> None:
    uncut = ExtractionConfig(max_text_chars=2_000_000)
    _timed(_near_matches(1000), registry(), uncut)  # warm the caches
    small = min(_timed(_near_matches(50_000), registry(), uncut) for _ in range(2))
    large = min(_timed(_near_matches(400_000), registry(), uncut) for _ in range(2))
    assert large < 8 * small * 1.6, (small, large)


def test_pathological_tokens_are_linear() -> None:
    body = "a" * 500_000 + "@" + "1-" * 250_000
    text = MailText(subject="", new_text=body, full_text=body, signature=body[:2000])
    assert _timed(text, registry()) < 1.0
