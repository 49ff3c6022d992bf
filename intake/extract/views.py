"""The texts extraction reads, and where each part of them came from (for `Evidence`).

A `View` is one prepared text (the subject, the author's own words, the whole body, one
attachment's text) with the source of every position in it: `subject`, `body` (the author's new
words), `quoted`, `forwarded`, `signature` or `attachment:<file name>` (DOMAIN.md section 6).
The whole body's lines get their roles from `intake.quoting.line_roles`; a reply's quoted
history counts as `forwarded` when the subject says the mail passes another one on ("FW:").
`intake.extract` builds the views once per mail and the extractors turn their findings into
`Evidence` items with `evidence()`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from intake.extract.text import Compiled, prepare, sentence_at
from intake.model import Evidence, FactValue, MailText
from intake.quoting import FORWARDED, QUOTED, line_roles

#: longest sentence an evidence item quotes (longer ones are cut around the finding)
MAX_QUOTE = 240


@dataclass(frozen=True, slots=True)
class View:
    """One text as extraction reads it. `starts[i]` is where the part with source
    `sources[i]` begins; `name` is how evidence lines name it ("the body")."""

    text: str
    name: str
    starts: tuple[int, ...]
    sources: tuple[str, ...]

    def source_at(self, pos: int) -> str:
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.sources[max(i, 0)]

    def sentence(self, start: int, end: int) -> str:
        """The sentence holding text[start:end] on one line, cut to `MAX_QUOTE` characters
        around the finding when it is longer."""
        lo, hi = sentence_at(self.text, start, end)
        if self.source_at(start) == "signature":
            # a signature is lines without sentences: its line
            lo = max(lo, self.text.rfind("\n", 0, start) + 1)
            line_end = self.text.find("\n", end)
            hi = min(hi, len(self.text) if line_end < 0 else line_end)
        if hi - lo > MAX_QUOTE:
            lo = max(lo, start - MAX_QUOTE // 2)
            hi = min(hi, max(end, lo + MAX_QUOTE))
        return " ".join(self.text[lo:hi].split())

    def evidence(
        self,
        fact: str,
        value: FactValue,
        start: int,
        end: int,
        dropped: str | None = None,
        text: str | None = None,
    ) -> Evidence:
        """An evidence item for text[start:end]: its source and sentence (or `text`)."""
        return Evidence(
            fact=fact,
            value=value,
            source=self.source_at(start),
            text=self.sentence(start, end) if text is None else text,
            dropped=dropped,
            span=(start, end),
        )


def single(text: str, name: str, source: str) -> View:
    return View(text, name, (0,), (source,))


def own_words(subject: str, new_text: str) -> View:
    """The subject and the author's new words, as one text: "subject\\n\\nnew text"."""
    return View(
        subject + "\n\n" + new_text,
        "the subject or the body",
        (0, len(subject)),
        (
            "subject",
            "body",
        ),
    )


def body(full_text: str, limit: int, forward: bool) -> View:
    """The whole body (line ends normalized) with each line's role. `forward`: the subject says
    the mail passes another on, so what the body quotes is forwarded, not replied to."""
    normalized = full_text.replace("\r\n", "\n").replace("\r", "\n")
    text = prepare(normalized, limit)
    starts: list[int] = []
    sources: list[str] = []
    pos = 0
    # the roles of the body as `mail_text` cut it (the same text: a cached answer); `prepare`
    # keeps every line's length and may only cut the last ones off
    for line, role in zip(text.split("\n"), line_roles(full_text), strict=False):
        source = FORWARDED if forward and role == QUOTED else role
        if not sources or sources[-1] != source:
            starts.append(pos)
            sources.append(source)
        pos += len(line) + 1
    return View(text, "the body", tuple(starts) or (0,), tuple(sources) or ("body",))


def attachment(name: str, text: str, limit: int) -> View:
    return single(prepare(text, limit), f"attachment '{name}'", f"attachment:{name}")


@dataclass(frozen=True, slots=True)
class Views:
    """Every view of one mail."""

    subject: View
    own: View  # subject and new text: what this sender says
    new_text: View  # the new text alone
    body: View  # the whole body: new text, quotes, forwards, signature
    # (file name, its text or None when it has none) for every attachment, in order
    attachments: tuple[tuple[str, View | None], ...]

    def texts(self) -> tuple[View, ...]:
        """The attachments' texts, of those that have one."""
        return tuple(view for _, view in self.attachments if view is not None)


def views(mail: MailText, c: Compiled) -> Views:
    limit = c.config.max_text_chars
    subject = prepare(mail.subject, limit)
    new_text = prepare(mail.new_text, limit)
    forward = c.forward_subject.search(mail.subject) is not None
    # attachment_texts runs parallel to attachment_names ("" where there is no text)
    names = mail.attachment_names
    texts = mail.attachment_texts + ("",) * (len(names) - len(mail.attachment_texts))
    return Views(
        subject=single(subject, "the subject", "subject"),
        own=own_words(subject, new_text),
        new_text=single(new_text, "the body", "body"),
        body=body(mail.full_text, limit, forward),
        attachments=tuple(
            (name, attachment(name, text, limit) if text else None)
            for name, text in zip(mail.attachment_names, texts, strict=False)
        ),
    )
