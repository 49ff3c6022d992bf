"""Smaller findings: the machine is out of use, the customer claims a breach, and which
contract kinds the text names (used when the registry does not know the contract).
"""

from __future__ import annotations

from intake.extract.statements import asserted
from intake.extract.text import Compiled


def machine_out_of_use(text: str, c: Compiled) -> tuple[bool, str | None]:
    for words, sentence in asserted(text, c.out_of_use, c):
        return True, f"machine out of use: '{words}' in '{sentence[:160]}'"
    return False, None


def breach_claimed(text: str, c: Compiled) -> tuple[bool, str | None]:
    m = c.breach.search(text)
    if m is None:
        return False, None
    return True, f"breach claimed: '{' '.join(m.group(0).split())}'"


def kind_hints(text: str, c: Compiled) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kinds: list[str] = []
    evidence: list[str] = []
    for kind, pattern in c.kind_hints:
        m = pattern.search(text)
        if m is not None:
            kinds.append(kind)
            evidence.append(f"contract kind {kind} named: '{' '.join(m.group(0).split())}'")
    return tuple(kinds), tuple(evidence)
