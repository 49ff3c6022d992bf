"""format=flowed (RFC 3676): join the soft line breaks of a text/plain body.

Mail clients such as Thunderbird and Apple Mail send text/plain with `format=flowed`: each
paragraph is cut into lines of at most 78 characters, and a line that ends in a space
continues on the next. `intake.parse` calls `unflow` on such a body, so the ticket shows the
paragraphs as written and extraction reads sentences whole; quoted lines keep their `>`
markers (one paragraph per quote depth), for `intake.quoting`.
"""

from __future__ import annotations

_SIGNATURE = "-- "


def _split_quote(line: str) -> tuple[int, str]:
    """(quote depth, content without the markers and without space-stuffing)."""
    depth = len(line) - len(line.lstrip(">"))
    content = line[depth:]
    if content.startswith(" "):  # space-stuffing (or the space after the quote markers)
        content = content[1:]
    return depth, content


def unflow(text: str, delsp: bool = False) -> str:
    """The body with its flowed lines joined into paragraphs. `delsp` (`DelSp=yes`): the
    space before a soft break was added by the sender and is removed when joining."""
    out: list[str] = []
    paragraph: list[str] = []
    depth_open = 0

    def close() -> None:
        if paragraph:
            joined = "".join(paragraph)
            marks = ">" * depth_open
            out.append(f"{marks} {joined}" if marks and joined else marks + joined)
            paragraph.clear()

    for line in text.split("\n"):
        depth, content = _split_quote(line.rstrip("\r"))
        if paragraph and depth != depth_open:
            close()  # a change of quote depth ends a paragraph (RFC 3676 4.5)
        depth_open = depth
        soft = content.endswith(" ") and content != _SIGNATURE
        if soft and delsp:
            content = content[:-1]
        paragraph.append(content)
        if not soft:
            close()
    close()
    return "\n".join(out)
