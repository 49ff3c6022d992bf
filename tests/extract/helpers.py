"""Shared test helpers: where the samples and corpus live, and parsing a mail for extraction."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from intake.model import ParsedMail
from routing.registry import Registry

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SAMPLES = SHARED / "samples"
CORPUS = SHARED / "corpus"


def parse(data: bytes) -> ParsedMail:
    """The real parser when it is there, else the stdlib stand-in."""
    try:
        from intake.parse import parse_mail
    except ImportError:
        from tests.extract.stdlib_mail import parse_with_stdlib

        return parse_with_stdlib(data)
    return parse_mail(data)


@cache
def labels() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "labels.json").read_text(encoding="utf-8"))
    return data


@cache
def registry() -> Registry:
    return Registry.from_csv(SAMPLES / "contracts.csv")


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.eml"))
