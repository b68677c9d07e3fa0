"""Charts drawn on the server as SVG (no script, no inline style: the CSP allows neither).
Each series is a <g data-series="…"> whose bars carry data-value, so a test (or a screen
reader's table beside it) reads exactly what is drawn; colours come from stats.css classes."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    css: str  # series-a, series-b …


def _nice_max(value: float) -> float:
    """A round top for the axis, divisible by 4 when above 4 (whole grid values)."""
    if value <= 0:
        return 1.0
    if value <= 4:
        return 4.0
    step = 10 ** (len(str(int(value))) - 1)
    top = (int(value / step) + 1) * step
    return float(top + (-top) % 4)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def bar_chart(
    chart_id: str, title: str, labels: list[str], series: list[Series], *, percent: bool = False
) -> SafeString:
    """Grouped vertical bars, one group per label."""
    width, height, left, bottom, top = 720, 300, 48, 56, 28
    plot_w, plot_h = width - left - 12, height - bottom - top
    top_value = (
        1.0 if percent else _nice_max(max((max(s.values, default=0) for s in series), default=0))
    )
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(min(group_w * 0.8 / max(len(series), 1), 28), 2)
    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
    ]
    for i in range(5):  # grid lines and their values
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        label = (
            f"{value * 100:.0f}%"
            if percent
            else (f"{value:.0f}" if top_value >= 8 else f"{value:.2f}")
        )
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    for k, s in enumerate(series):
        parts.append(f'<g class="series {escape(s.css)}" data-series="{escape(s.name)}">')
        for i, value in enumerate(s.values):
            v = float(value or 0)
            h = plot_h * min(v / top_value, 1.0) if top_value else 0
            x = left + i * group_w + (group_w - bar_w * len(series)) / 2 + k * bar_w
            y = top + plot_h - h
            shown = f"{v * 100:.1f}%" if percent else _fmt(v)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'data-value="{v}" data-label="{escape(labels[i])}">'
                f"<title>{escape(labels[i])} {escape(s.name)}：{shown}</title></rect>"
            )
        parts.append("</g>")
    step = max(1, n // 12)
    for i, label in enumerate(labels):
        if i % step:
            continue
        x = left + i * group_w + group_w / 2
        short = label if len(label) <= 8 else label[:7] + "…"
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{escape(short)}</text>"
        )
    for k, s in enumerate(series):  # legend
        x = left + k * 150
        parts.append(
            f'<rect class="legend {escape(s.css)}" x="{x}" y="{height - 22}" width="12" height="12"/>'
        )
        parts.append(f'<text class="axis" x="{x + 18}" y="{height - 12}">{escape(s.name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
