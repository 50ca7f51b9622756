"""Charts the console draws as SVG on the server: bars of totals, and lines of daily series.

No script draws them. Each line chart is an image with a title and a short
description for screen readers, every point carries its day and value
(data-day, data-value) and a tooltip, and the same numbers follow in a
table, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from complaints.web.console_text import t

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
PALETTE = ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490")


@dataclass(frozen=True)
class Series:
    key: str  # the series' key: received, kept_share:first_reply ...
    name: str  # its name in the desk's language (escaped)
    values: Sequence[float | None]  # one per day; None where there is nothing to show


def bars(title: str, values: list[tuple[str, int]], lang: str, limit: int = 12) -> str:
    """Totals by key as horizontal bars; labels come escaped."""
    if not values:
        return f"<section><h2>{title}</h2><p>{t('none', lang)}</p></section>"
    top = max(v for _, v in values) or 1
    rows = "".join(
        f'<div class="bar" role="listitem"><span class="label">{label}</span>'
        f'<svg class="track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect class="fill" width="{100 * v / top:.1f}" height="10"/></svg>'
        f'<span class="value">{v}</span></div>'
        for label, v in values[:limit])
    return f'<section class="chart"><h2>{title}</h2><div class="bars" role="list">{rows}</div></section>'


def _shown(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{value:.0%}" if percent else (f"{value:g}" if isinstance(value, float) else str(value))


def lines(chart_id: str, title: str, days: list[date], series: list[Series], lang: str, *,
          percent: bool = False, top: float | None = None) -> str:
    """Daily series as lines over the period, with their table; percent series run from 0 to 100%."""
    present = [v for s in series for v in s.values if v is not None]
    ceiling = top if top is not None else (1.0 if percent else max([*present, 1]))
    if not percent and top is None:
        ceiling = _nice(ceiling)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(days) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - (v / ceiling) * plot_h if ceiling else TOP + plot_h

    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-chart="{chart_id}">'
             f'<title id="{chart_id}-title">{title}</title>'
             f'<desc id="{chart_id}-desc">{_describe(days, series, percent, lang)}</desc>']
    for n in range(5):  # gridlines and the value axis
        mark = ceiling * n / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(mark):.1f}" y2="{y(mark):.1f}"/>'
                     f'<text class="axis" x="{LEFT - 6}" y="{y(mark) + 4:.1f}" text-anchor="end">'
                     f"{_shown(mark, percent) if percent else f'{mark:g}'}</text>")
    every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        if i % every == 0 or i == len(days) - 1:
            parts.append(f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                         f"{day.month}-{day.day:02d}</text>")
    for s_index, s in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, point in enumerate(s.values):
            if point is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(point):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="line" stroke="{colour}" points="{" ".join(run)}"/>')
        for i, value in enumerate(s.values):
            if value is not None:
                parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}" '
                             f'data-series="{escape(s.key)}" data-day="{days[i].isoformat()}" data-value="{value:g}">'
                             f"<title>{days[i].isoformat()} {s.name}: {_shown(value, percent)}</title></circle>")
    parts.append("</svg>")
    legend = "".join(f'<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" '
                     f'rx="2" fill="{PALETTE[i % len(PALETTE)]}"/></svg>{s.name}</li>' for i, s in enumerate(series))
    return (f'<figure class="trend-chart" id="{chart_id}"><figcaption><h3>{title}</h3>'
            f'<ul class="legend">{legend}</ul></figcaption>{"".join(parts)}'
            f"{_table(chart_id, days, series, percent, lang)}</figure>")


def _nice(value: float) -> float:
    """A round ceiling for a count axis: 4, 8, 20, 40, 100 ..."""
    for ceiling in (4, 8, 12, 20, 40, 60, 100, 200, 400, 1000):
        if value <= ceiling:
            return ceiling
    return float(value)


def _describe(days: list[date], series: list[Series], percent: bool, lang: str) -> str:
    parts = []
    for s in series:
        shown = [v for v in s.values if v is not None]
        if shown:
            parts.append(f"{s.name}: {_shown(shown[0], percent)} → {_shown(shown[-1], percent)}")
    period = f"{days[0].isoformat()} – {days[-1].isoformat()}" if days else ""
    return escape(period) + "; " + "; ".join(parts) if parts else escape(period) + "; " + t("none", lang)


def _table(chart_id: str, days: list[date], series: list[Series], percent: bool, lang: str) -> str:
    head = "".join(f'<th scope="col">{s.name}</th>' for s in series)
    body = "".join(
        f'<tr data-day="{day.isoformat()}"><th scope="row">{day.isoformat()}</th>'
        + "".join(f'<td data-series="{escape(s.key)}">{_shown(s.values[i], percent)}</td>' for s in series)
        + "</tr>"
        for i, day in enumerate(days))
    return (f'<details class="numbers"><summary>{t("chart_table", lang)}</summary>'
            f'<table class="trend-table" data-chart="{chart_id}"><thead><tr><th scope="col">{t("day", lang)}</th>'
            f"{head}</tr></thead><tbody>{body}</tbody></table></details>")
