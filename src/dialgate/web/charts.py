"""Charts drawn on the server as SVG.

Why SVG from the server rather than a charting library: the page works without JavaScript, there is
nothing more to vendor and keep patched, the chart is in the HTML the tests read, and each chart has a
text alternative (its <title> and <desc>) next to a table of the same numbers for screen readers and
for anyone who wants the figures. Colours keep at least 3:1 against the background (WCAG 1.4.11) and
the legend names them in words, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from dialgate.domain.audit import DayCount

ALLOW_COLOUR = "#176b32"
BLOCK_COLOUR = "#b3261e"
BAR_COLOUR = "#1f4e99"
INK = "#1d1d1d"
GRID = "#8a8a8a"


def _nice_max(value: int) -> int:
    """A round upper bound for an axis: 1, 2, 5, 10, 20, 50, ..."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def days_chart(days: Sequence[DayCount], *, chart_id: str = "days-chart") -> Markup:
    """Stacked bars per day: allowed (bottom) and blocked (top)."""
    width, height = 720, 240
    left, right, top, bottom = 48, 12, 16, 36
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = _nice_max(max((d.total for d in days), default=0))
    n = max(1, len(days))
    slot = inner_w / n
    bar = max(2.0, slot * 0.7)
    total = sum(d.total for d in days)
    blocked = sum(d.blocked for d in days)
    first, last = (days[0].day, days[-1].day) if days else (None, None)
    desc = (
        f"{total} decisions from {first} to {last}: {total - blocked} allowed, {blocked} blocked. "
        "The table below the chart lists every day."
        if days
        else "No decisions yet."
    )
    parts = [
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">Decisions per day, allowed and blocked</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = top + inner_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">'
            f"{round(peak * frac)}</text>"
        )
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        h_allow = inner_h * d.allowed / peak
        h_block = inner_h * d.blocked / peak
        base = top + inner_h
        label = f"{d.day}: {d.allowed} allowed, {d.blocked} blocked"
        parts.append(f"<g><title>{escape(label)}</title>")
        if d.allowed:
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h_allow:.1f}" width="{bar:.1f}" height="{h_allow:.1f}" '
                f'fill="{ALLOW_COLOUR}"/>'
            )
        if d.blocked:
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h_allow - h_block:.1f}" width="{bar:.1f}" '
                f'height="{h_block:.1f}" fill="{BLOCK_COLOUR}"/>'
            )
        parts.append("</g>")
        if (n - 1 - i) % 7 == 0:  # every week, counted back from today so today is labelled
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="{INK}">{d.day.strftime("%d %b")}</text>'
            )
    legend_y = height - 6
    parts.append(
        f'<rect x="{left}" y="{legend_y - 9}" width="10" height="10" fill="{ALLOW_COLOUR}"/>'
        f'<text x="{left + 14}" y="{legend_y}" font-size="11" fill="{INK}">allowed</text>'
        f'<rect x="{left + 80}" y="{legend_y - 9}" width="10" height="10" fill="{BLOCK_COLOUR}"/>'
        f'<text x="{left + 94}" y="{legend_y}" font-size="11" fill="{INK}">blocked</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())


def bars_chart(rows: Sequence[tuple[str, int]], *, chart_id: str, title: str) -> Markup:
    """Horizontal bars, one per label (reasons and how often they were given)."""
    if not rows:
        return Markup("")
    row_h, label_w, width = 24, 240, 720
    height = row_h * len(rows) + 8
    peak = max(count for _, count in rows) or 1
    inner = width - label_w - 70
    summary = "; ".join(f"{label}: {count}" for label, count in rows)
    parts = [
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]
    for i, (label, count) in enumerate(rows):
        y = 4 + i * row_h
        w = max(1.0, inner * count / peak)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12" fill="{INK}">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())
