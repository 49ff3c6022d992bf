"""HTML body to readable plain text, for mails that only have an HTML body.

`intake.parse` calls `html_to_text` so that quoting, extraction and routing read text, never
markup. The original HTML is kept separately (and sanitized before anyone sees it).

The scanner is written by hand instead of using `html.parser`: CPython 3.11's HTMLParser
needs quadratic time on inputs such as thousands of unterminated `<!--` (seconds for 80 KB),
and mail is hostile input. Every step here moves forward through the string with `find` or
a regex that cannot cross a `<`, so the cost is linear in the input.
"""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]{0,40})([^<>]*)>")
_WS = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_SKIP = frozenset({"script", "style", "title", "xml", "template", "noscript", "head"})
_BLOCK = frozenset(
    {
        "p", "div", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
        "section", "article", "header", "footer", "address", "dl", "dd", "dt",
        "center", "form", "fieldset", "figure", "main", "nav", "aside", "caption",
        "tbody", "thead", "tfoot", "body", "html",
    }
)  # fmt: skip
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
_CELL = frozenset({"td", "th"})
_SKIP_END = {name: re.compile(rf"</{name}\s*>", re.I) for name in _SKIP}


def _prefix(depth: int) -> str:
    """'>' per quote level (capped: hostile nesting must not make lines quadratic)."""
    return ">" * min(depth, 8)


def _blank(line: str) -> bool:
    return not line.replace(">", "").strip()


class _Writer:
    """Collects text into lines; a blockquote prefixes its lines with '> '."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote = 0
        self.pre = 0

    def text(self, data: str) -> None:
        if not data:
            return
        data = html.unescape(data)
        if self.pre:
            first, *rest = data.replace("\r\n", "\n").split("\n")
            self.current.append(first.replace("\xa0", " "))
            for line in rest:
                self.newline()
                self.current.append(line.replace("\xa0", " "))
            return
        data = _WS.sub(" ", data)
        if not self.current or self.current[-1].endswith(" "):
            data = data.lstrip(" ")
        if data:
            self.current.append(data)

    def newline(self) -> None:
        """End the current line; an empty one becomes a blank line (`<br><br>`)."""
        line = "".join(self.current).rstrip()
        self.current = []
        if line:
            self.lines.append((_prefix(self.quote) + " " if self.quote else "") + line)
        elif self.lines and not _blank(self.lines[-1]):
            self.lines.append(_prefix(self.quote))

    def end_line(self) -> None:
        if self.current:
            self.newline()

    def paragraph(self) -> None:
        self.end_line()
        if self.lines and not _blank(self.lines[-1]):
            self.lines.append(_prefix(self.quote))

    def result(self) -> str:
        self.end_line()
        while self.lines and _blank(self.lines[-1]):
            self.lines.pop()
        return "\n".join(self.lines)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML document: scripts, styles and the head dropped, block
    elements on their own lines, `<br>` as a line break, entities decoded, blockquotes
    prefixed with '> ', link text kept."""
    out = _Writer()
    unclosed: set[str] = set()  # skip-elements whose end tag is known to be missing
    pos = 0
    end = len(markup)
    while pos < end:
        lt = markup.find("<", pos)
        if lt < 0:
            out.text(markup[pos:])
            break
        if lt > pos:
            out.text(markup[pos:lt])
        if markup.startswith("<!--", lt):
            close = markup.find("-->", lt + 4)
            pos = end if close < 0 else close + 3
            continue
        if markup.startswith("<!", lt) or markup.startswith("<?", lt):
            close = markup.find(">", lt)
            pos = end if close < 0 else close + 1
            continue
        match = _TAG.match(markup, lt)
        if match is None:
            out.text("<")
            pos = lt + 1
            continue
        pos = match.end()
        closing = match.group(1) == "/"
        name = match.group(2).lower()
        if ":" in name:  # Office namespaces: <o:p>, <v:shape>
            name = ""
        if not closing and name in _SKIP and not match.group(3).rstrip().endswith("/"):
            found = None if name in unclosed else _SKIP_END[name].search(markup, pos)
            if found is not None:
                pos = found.end()
            elif name == "head":  # an unclosed head is common; its children are skipped anyway
                unclosed.add(name)
            else:
                pos = end
            continue
        if name == "br":
            out.newline()
        elif name == "hr":
            out.paragraph()
        elif name == "li":
            out.end_line()
            if not closing:
                out.current.append("- ")
        elif name == "blockquote":
            out.paragraph()
            out.quote = max(0, out.quote + (-1 if closing else 1))
            if closing and out.lines and _blank(out.lines[-1]):
                out.lines[-1] = _prefix(out.quote)
        elif name == "pre":
            out.paragraph()
            out.pre = max(0, out.pre + (-1 if closing else 1))
        elif name in _PARAGRAPH:
            out.paragraph()
        elif name in _BLOCK:
            out.end_line()
        elif name in _CELL and not closing and out.current:
            out.current.append(" ")
    return out.result()
