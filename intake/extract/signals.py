"""Smaller findings: the machine is out of use, the customer claims a breach, and which
contract kinds the text names (used when the registry does not know the contract). Each reads
the subject and the author's new words (a `View`) and returns the finding, its evidence line
and `Evidence` items (for out of use also the statements dropped as negated, promised, ...).
"""

from __future__ import annotations

from intake.extract.statements import judged
from intake.extract.text import Compiled
from intake.extract.views import View
from intake.model import Evidence


def machine_out_of_use(view: View, c: Compiled) -> tuple[bool, str | None, tuple[Evidence, ...]]:
    dropped: list[Evidence] = []
    for hit in judged(view.text, c.out_of_use, c):
        item = view.evidence("machine_out_of_use", True, hit.start, hit.end, dropped=hit.dropped)
        if hit.dropped is None:
            line = f"machine out of use: '{hit.words}' in '{hit.sentence[:160]}'"
            return True, line, (item, *dropped)
        if len(dropped) < 5:
            dropped.append(item)
    return False, None, tuple(dropped)


def breach_claimed(view: View, c: Compiled) -> tuple[bool, str | None, tuple[Evidence, ...]]:
    m = c.breach.search(view.text)
    if m is None:
        return False, None, ()
    item = view.evidence("breach_claimed", True, m.start(), m.end())
    return True, f"breach claimed: '{' '.join(m.group(0).split())}'", (item,)


def kind_hints(
    view: View, c: Compiled
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Evidence, ...]]:
    kinds: list[str] = []
    lines: list[str] = []
    items: list[Evidence] = []
    for kind, pattern in c.kind_hints:
        m = pattern.search(view.text)
        if m is not None:
            kinds.append(kind)
            lines.append(f"contract kind {kind} named: '{' '.join(m.group(0).split())}'")
            items.append(view.evidence("kind_hints", kind, m.start(), m.end()))
    return tuple(kinds), tuple(lines), tuple(items)
