"""Small charts as inline SVG, drawn on the server: no JavaScript, no external resources, and
no `style` attributes (the Content-Security-Policy allows neither). Every text that goes in is
escaped. Each chart carries a <title> and <desc>; the page puts the same numbers in a table.
Used by the statistics page (`postkamer.web.stats_page`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1f4e79", "#e07b1a", "#2e8b57", "#a23b72", "#6c757d", "#c9a227", "#3a9bd9")
INK = "#1b2330"
MUTED = "#5a6577"
GRID = "#d9dee6"
FONT = 'font-family="system-ui, sans-serif"'


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 < value:
        step *= 10
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    width: int = 760,
    height: int = 260,
) -> Markup:
    """Vertical bars, one per label (e.g. a day), each stacked by series (e.g. a queue)."""
    left, right, top, bottom = 36, 10, 10, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    n = max(len(labels), 1)
    slot = plot_w / n
    bar = max(2.0, slot * 0.7)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}" {FONT} font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        value = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{_num(value)}</text>"
        )
    every = max(1, round(n / 15))  # at most ~15 labels under the axis
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for s, (name, values) in enumerate(series):
            v = values[i]
            if v <= 0:
                continue
            h = plot_h * v / top_value
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{color(s)}"><title>{escape(label)} · {escape(name)}: {_num(v)}'
                "</title></rect>"
            )
        if i % every == 0:
            cx = left + slot * i + slot / 2
            out.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    lx = left
    for s, (name, _values) in enumerate(series):
        ly = height - 14
        out.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{color(s)}"/>'
            f'<text x="{lx + 14}" y="{ly}" fill="{INK}">{escape(name)}</text>'
        )
        lx += 24 + 7 * len(name)
    out.append("</svg>")
    return Markup("".join(out))


def horizontal_bars(
    rows: Sequence[tuple[str, float, str]],
    title: str,
    width: int = 760,
    max_value: float | None = None,
) -> Markup:
    """One bar per row: (label, value, text shown after the bar)."""
    label_w, right, row_h, top = 220, 150, 26, 6
    height = top * 2 + row_h * max(len(rows), 1)
    top_value = max_value if max_value else _nice_max(max((v for _, v, _ in rows), default=0))
    plot_w = width - label_w - right
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}" {FONT} font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, text) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * min(value, top_value) / top_value if top_value else 0
        out.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{plot_w}" height="16" fill="#eef1f5"/>'
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="16" fill="{color(i)}"/>'
            f'<text x="{label_w + plot_w + 8}" y="{y + 17}" fill="{INK}">{escape(text)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
