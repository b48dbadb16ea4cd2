"""Gantt charts: one SVG renderer for the pages and for files (standalone SVG, HTML; PNG through matplotlib).

The chart is drawn from lanes of bars (`Chart`), whoever builds them: a solved `Plan` here
(`chart_of`), the stored plan in the database for the pages (services/dashboard.py). Bars that
overlap in a lane go on as many tracks as they need; the critical path is red, late work is
marked in orange, today and the delivery date are drawn when they fall in the span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape as _escape
from pathlib import Path
from typing import Any

from postprod.errors import N_, InvalidInput
from postprod.planning.problem import Plan, ScheduledTask

_MARKUP = re.compile(r"[&<>\"']")


def escape(text: str) -> str:
    """Text for SVG markup; most keys and names have nothing to escape, and a chart of 5,000 bars escapes
    20,000 texts, so those are returned as they are."""
    return _escape(text) if _MARKUP.search(text) else text


LANES = ("person", "room", "task")
ROW = 26
BAR = 16
LEFT = 190
TOP = 44
RIGHT = 36  # room after the last day for its tick label
CRITICAL = "#d62728"
NORMAL = "#3b6ea8"
DONE = "#7f9cba"
LATE = "#e67e22"

# The chart's look when it leaves the pages (a file): the same rules as the pages' stylesheet.
STANDALONE_STYLE = (
    "svg.gantt{font:11px system-ui,sans-serif}"
    ".band{fill:#f7f8fa}.wk{stroke:#e3e6ec}.tick{fill:#6b7385;font-size:10px}"
    ".month{fill:#1d2330;font-weight:600}.lane{fill:#1d2330}"
    ".barlabel{fill:#fff;font-size:10px}.today{stroke:#2e7d4f;stroke-width:1.5}"
    ".delivery{stroke:#c0392b;stroke-width:2;stroke-dasharray:4 3}"
    ".delivery-label{fill:#c0392b;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}"
    ".heading{font-size:13px;font-weight:700}.legend{fill:#6b7385}.hint{display:none}"
)


@dataclass(frozen=True)
class Bar:
    """One task's bar in a lane."""

    key: str
    name: str
    start: date
    finish: date
    critical: bool
    late_days: int = 0
    status: str = ""
    department: str = ""
    people: tuple[str, ...] = ()


@dataclass
class Lane:
    """A row of the chart: a person, a room, a task, or nobody (an empty label)."""

    label: str
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    """Lanes of bars and the span of days they are drawn over."""

    lanes: list[Lane]
    start: date
    end: date
    delivery: date | None = None


def lanes_of(plan: Plan, by: str) -> list[tuple[str, list[ScheduledTask]]]:
    """Rows of the chart: one per person, room or task; tasks without one go to '(unassigned)'."""
    if by not in LANES:
        raise InvalidInput(
            N_("lanes must be one of %(lanes)s, got %(by)r"),
            field="lanes",
            params={"lanes": ", ".join(LANES), "by": by},
        )
    if by == "task":
        return [(t.id, [t]) for t in sorted(plan.tasks, key=lambda t: (t.start_slot, t.id))]
    rows: dict[str, list[ScheduledTask]] = {}
    loose: list[ScheduledTask] = []
    for t in plan.tasks:
        keys = t.people if by == "person" else t.rooms
        for k in keys:
            rows.setdefault(k, []).append(t)
        if not keys and t.end_slot > t.start_slot:
            loose.append(t)
    out = sorted(rows.items())
    if loose:
        out.append(("(unassigned)", loose))
    return out


def chart_of(plan: Plan, lanes: str = "person") -> Chart:
    """A solved plan as a chart, in lanes per person, room or task."""
    crit = set(plan.critical_path)
    rows = [
        Lane(
            "" if name == "(unassigned)" else name,
            [Bar(t.id, t.id, t.start, t.finish, t.id in crit, t.late_days, people=tuple(t.people)) for t in tasks],
        )
        for name, tasks in lanes_of(plan, lanes)
    ]
    first = min((t.start for t in plan.tasks), default=plan.start)
    last = max((t.finish for t in plan.tasks), default=plan.start)
    return Chart(rows, first, max(last, first + timedelta(days=1)))


MIN_ZOOM, MAX_ZOOM = 1.0, 60.0  # pixels per day


def fit_zoom(chart: Chart, width: float, left: float = LEFT) -> float:
    """Pixels per day so that the whole span fits `width` pixels beside a lane column of `left` pixels."""
    days = (chart.end - chart.start).days + 1
    return max(MIN_ZOOM, min(MAX_ZOOM, (width - left - 8 - RIGHT) / max(days, 1)))


@dataclass(frozen=True)
class Marks:
    """What a page adds to the chart: links on bars, movable bars, dependency arrows, milestones, words.

    `month`, `tick` and `day` write a month's label, a week's tick and a day in a tooltip the page's way;
    without them a file's chart has "12/2026", "04/12" and ISO dates.
    """

    href: Callable[[Bar], str | None] | None = None
    movable: Callable[[Bar], bool] | None = None
    links: Sequence[tuple[str, str]] = ()
    milestones: Sequence[tuple[date, str]] = ()
    today_label: str = ""
    month: Callable[[date], str] | None = None
    tick: Callable[[date], str] | None = None
    day: Callable[[date], str] | None = None


def _rows(chart: Chart) -> list[tuple[Lane, list[list[Bar]]]]:
    return [(lane, _tracks(lane.bars)) for lane in chart.lanes]


def lane_column(chart: Chart, *, unassigned: str = "(unassigned)", width: int = LEFT) -> str:
    """The lane names alone, row for row with `svg(..., labels=False)`: the page keeps them in view.

    Rows are placed in percentages of the column's height, names at their own size: a page that scales
    the chart to its width (and so its rows' height) stretches this column to the chart's height, and
    the names stay beside their rows, unscaled.
    """
    rows = _rows(chart)
    height = TOP + sum(max(1, len(t)) for _, t in rows) * ROW + 10

    def pc(y: float) -> str:
        return f"{y * 100 / height:.3f}%"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt lanes" width="{width}" height="{height}" aria-hidden="true">'
    ]
    y = TOP
    for i, (lane, tracks) in enumerate(rows):
        h = max(1, len(tracks)) * ROW
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{pc(y)}" width="100%" height="{pc(h)}" class="band"/>')
        label = lane.label or unassigned
        short = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text x="8" y="{pc(y + ROW / 2 + 4)}" class="lane"><title>{escape(label)}</title>{escape(short)}</text>'
        )
        y += h
    out.append("</svg>")
    return "".join(out)


def svg(
    chart: Chart,
    zoom: float,
    *,
    unassigned: str = "(unassigned)",
    delivery_label: str = "delivery",
    today: date | None = None,
    title: str | None = None,
    legend: str | None = None,
    standalone: bool = False,
    labels: bool = True,
    marks: Marks | None = None,
    memo: dict[tuple[Any, ...], str] | None = None,
) -> str:
    """The chart as one SVG element; `zoom` is pixels per day. `standalone` carries its own style (for a file).

    `memo` keeps each bar's drawing by what it is drawn from (the bar, its place, its link): a chart drawn
    again after one task changed draws that bar only. The caller keeps it for charts drawn alike (the
    same marks' words and rules) and empties it when it grows.

    Without `labels` the lane names are left to `lane_column` (a page draws them apart so they stay
    in view while the chart scrolls); `marks` adds what a page needs (links, arrows, milestones).
    """
    marks = marks or Marks()
    days = (chart.end - chart.start).days + 1
    head = 22 if title else 0
    top = TOP + head
    left = LEFT if labels else 8
    width = left + int(days * zoom) + RIGHT
    rows = _rows(chart)
    height = top + sum(max(1, len(t)) for _, t in rows) * ROW + 10 + (20 if legend else 0)
    role = "group" if marks.href else "img"  # an image may not hold links: with them it is a group
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="{role}" aria-label="{escape(title or "Gantt")}" '
        f'data-zoom="{zoom:.3f}" data-start="{chart.start.isoformat()}" data-left="{left}">'
    ]
    if standalone:
        out.append(f"<style>{STANDALONE_STYLE}</style>")
        out.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>')
    if title:
        out.append(f"<title>{escape(title)}</title>")
        out.append(f'<text x="8" y="16" class="heading">{escape(title)}</text>')
    if marks.links:
        out.append(
            '<defs><marker id="gantt-arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" '
            'orient="auto"><path d="M0,0 L6,3 L0,6 z" class="arrowhead"/></marker></defs>'
        )
    # Week lines and month labels.
    d = chart.start
    while d <= chart.end:
        x = left + (d - chart.start).days * zoom
        if d.weekday() == 0:
            out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height}" class="wk"/>')
            if zoom >= 4 or d.day <= 7:
                out.append(
                    f'<text x="{x + 2:.1f}" y="{top - 10}" class="tick">{escape(marks.tick(d) if marks.tick else d.strftime("%d/%m"))}</text>'
                )
        if d.day == 1:
            month = marks.month(d) if marks.month else d.strftime("%m/%Y")
            out.append(f'<text x="{x + 2:.1f}" y="{head + 14}" class="month">{escape(month)}</text>')
        d += timedelta(days=1)
    y = top
    places: dict[str, tuple[float, float, float]] = {}
    bars: list[str] = []
    for i, (lane, tracks) in enumerate(rows):
        h = max(1, len(tracks)) * ROW
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{h}" class="band"/>')
        if labels:
            label = (lane.label or unassigned)[:28]
            out.append(f'<text x="8" y="{y + ROW / 2 + 4:.0f}" class="lane">{escape(label)}</text>')
        for t, track in enumerate(tracks):
            for bar in track:
                by = y + t * ROW + (ROW - BAR) / 2
                x0 = left + (bar.start - chart.start).days * zoom
                x1 = x0 + max(zoom, ((bar.finish - bar.start).days + 1) * zoom)
                places.setdefault(bar.key, (x0, x1, by + BAR / 2))
                if memo is None:
                    bars.append(_bar(bar, x0, x1 - x0, by, width, marks))
                    continue
                key = (bar, x0, x1 - x0, by, width, marks.href(bar) if marks.href else None,
                       marks.movable is not None and marks.movable(bar))  # fmt: skip
                drawn = memo.get(key)
                if drawn is None:
                    drawn = memo[key] = _bar(bar, x0, x1 - x0, by, width, marks)
                bars.append(drawn)
        y += h
    if today is not None and chart.start <= today <= chart.end:
        x = left + (today - chart.start).days * zoom
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height}" class="today"/>')
        if marks.today_label:
            out.append(f'<text x="{x + 3:.1f}" y="{top + 10}" class="today-label">{escape(marks.today_label)}</text>')
    for day, name in marks.milestones:
        if chart.start <= day <= chart.end:
            x = left + (day - chart.start).days * zoom + zoom / 2
            my = top - 16
            out.append(
                f'<path d="M{x:.1f},{my - 5} L{x + 5:.1f},{my} L{x:.1f},{my + 5} L{x - 5:.1f},{my} z" class="milestone">'
                f"<title>{escape(name)} · {escape(marks.day(day) if marks.day else day.isoformat())}</title></path>"
                f'<line x1="{x:.1f}" y1="{my + 5}" x2="{x:.1f}" y2="{height}" class="milestone-line"/>'
            )
    for before, after in marks.links:
        a, b = places.get(before), places.get(after)
        if a is None or b is None:
            continue
        x1, y1, x2, y2 = a[1], a[2], b[0], b[2]
        bend = max(12.0, abs(x2 - x1) / 3)
        out.append(
            f'<path d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
            'class="dep" marker-end="url(#gantt-arrow)"/>'
        )
    out.extend(bars)  # bars last: above the arrows and lines, and their hover labels above the rest
    if chart.delivery and chart.start <= chart.delivery <= chart.end:
        x = left + (chart.delivery - chart.start).days * zoom
        out.append(f'<line x1="{x:.1f}" y1="{top - 20}" x2="{x:.1f}" y2="{height}" class="delivery"/>')
        anchor, lx = ("end", x - 3) if width - x < len(delivery_label) * 7 + 8 else ("start", x + 3)
        out.append(
            f'<text x="{lx:.1f}" y="{top + 10}" text-anchor="{anchor}" class="delivery-label">'
            f"{escape(delivery_label)}</text>"
        )
    if legend:
        out.append(f'<text x="8" y="{height - 6}" class="legend">{escape(legend)}</text>')
    out.append("</svg>")
    return "".join(out)


def _bar(bar: Bar, x: float, w: float, by: float, width: float, marks: Marks) -> str:
    colour = CRITICAL if bar.critical else DONE if bar.status in ("done", "approved") else NORMAL
    cls = "bar crit" if bar.critical else "bar"
    movable = marks.movable is not None and marks.movable(bar)  # data-start marks it for the page's script
    tip = f"{bar.key} · {bar.name} · " if bar.name != bar.key else f"{bar.key} · "
    written = marks.day or date.isoformat
    tip += f"{written(bar.start)} → {written(bar.finish)}"
    if bar.people:
        tip += f" ({', '.join(bar.people)})"
    if bar.late_days:
        tip += f" · +{bar.late_days}"
    href = marks.href(bar) if marks.href else None
    data = f' data-key="{escape(bar.key)}"'
    if movable:
        data += f' data-start="{bar.start.isoformat()}"'
    out = [f'<a href="{escape(href)}" class="{cls}"{data}>' if href else f'<g class="{cls}"{data}>']
    out.append(
        f"<title>{escape(tip)}</title>"
        f'<rect x="{x:.1f}" y="{by:.1f}" width="{w:.1f}" height="{BAR}" rx="3" fill="{colour}"/>'
    )
    if bar.late_days:
        out.append(f'<rect x="{x + w - 4:.1f}" y="{by:.1f}" width="4" height="{BAR}" fill="{LATE}"/>')
    fits = int((w - 8) / 6.2)
    if fits >= 4:
        label = bar.key if len(bar.key) <= fits else bar.key[: fits - 1] + "…"
        out.append(f'<text x="{x + 4:.1f}" y="{by + 12:.1f}" class="barlabel">{escape(label)}</text>')
    if fits < len(bar.key) or href:
        # The whole key (and name) just above the bar, shown on hover and keyboard focus (the page's style):
        # above, it covers only rows drawn earlier, so nothing drawn later hides it.
        hint = f"{bar.key} · {bar.name}" if bar.name and bar.name != bar.key else bar.key
        room = width - x > len(hint) * 6.4 + 8
        hx, anchor = (x, "start") if room else (x + w, "end")
        out.append(f'<text x="{hx:.1f}" y="{by - 3:.1f}" text-anchor="{anchor}" class="hint">{escape(hint)}</text>')
    out.append("</a>" if href else "</g>")
    return "".join(out)


def _tracks(bars: list[Bar]) -> list[list[Bar]]:
    """Bars of a lane in as few rows as they fit without overlapping (first fit by start)."""
    tracks: list[list[Bar]] = []
    ends: list[date] = []
    for bar in sorted(bars, key=lambda b: (b.start, b.finish)):
        for i, end in enumerate(ends):
            if bar.start > end:
                tracks[i].append(bar)
                ends[i] = bar.finish
                break
        else:
            tracks.append([bar])
            ends.append(bar.finish)
    return tracks


def to_svg(plan: Plan, lanes: str = "person", title: str = "") -> str:
    """The chart of a solved plan as one SVG document (no external references)."""
    chart = chart_of(plan, lanes)
    days = (chart.end - chart.start).days + 1
    zoom = max(3.0, min(24.0, 1100.0 / max(days, 1)))
    heading = f"{title or 'Plan'} (end {plan.end_date.isoformat()}, {len(plan.tasks)} tasks)"
    legend = f"red: critical path; orange mark: late; lanes per {lanes}"
    return svg(chart, zoom, title=heading, legend=legend, standalone=True)


def to_html(plan: Plan, lanes: str = "person", title: str = "") -> str:
    """A standalone HTML page with the SVG inline and the critical path listed (no CDN)."""
    svg = to_svg(plan, lanes, title)
    crit = "".join(f"<li>{escape(t)}</li>" for t in plan.critical_path)
    late = "".join(f"<li>{escape(t)}</li>" for t in plan.late) or "<li>none</li>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title or 'Plan')}</title>"
        "<style>body{font-family:sans-serif;margin:1em}.chart{overflow-x:auto}</style></head><body>"
        f"<h1>{escape(title or 'Plan')}</h1>"
        f"<p>End {plan.end_date.isoformat()} &middot; {plan.makespan} working days &middot; solver {escape(plan.solver)}"
        f"{' (optimal)' if plan.optimal else ''}</p>"
        f'<div class="chart">{svg}</div>'
        f"<h2>Critical path</h2><ol>{crit}</ol><h2>Late tasks</h2><ul>{late}</ul></body></html>\n"
    )


def to_png(plan: Plan, path: str | Path, lanes: str = "person", title: str = "") -> None:
    """The chart as a PNG drawn with matplotlib (no display needed)."""
    # matplotlib (~0.5 s to import) only for a PNG: HTML and SVG charts are drawn without it
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chart = chart_of(plan, lanes)
    first, days = chart.start, (chart.end - chart.start).days + 1
    rows = chart.lanes
    fig, ax = plt.subplots(figsize=(min(30, 6 + days / 10), min(40, 1.5 + 0.3 * len(rows))))
    try:
        for r, lane in enumerate(rows):
            bars = [((b.start - first).days, (b.finish - b.start).days + 1) for b in lane.bars]
            colors = [CRITICAL if b.critical else NORMAL for b in lane.bars]
            ax.broken_barh(bars, (r - 0.4, 0.8), facecolors=colors)
        ax.set_yticks(range(len(rows)), [(lane.label or "(unassigned)")[:26] for lane in rows])
        ax.invert_yaxis()
        ax.set_xlabel(f"days from {first.isoformat()}")
        ax.set_title(title or f"Plan (end {plan.end_date.isoformat()})")
        fig.tight_layout()
        fig.savefig(str(path), dpi=80)
    finally:
        plt.close(fig)


def write(plan: Plan, path: str | Path, lanes: str = "person", title: str = "") -> Path:
    """Write the chart in the format named by the file's suffix (.html, .svg, .png)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm"):
        p.write_text(to_html(plan, lanes, title), encoding="utf-8")
    elif suffix == ".svg":
        p.write_text(to_svg(plan, lanes, title), encoding="utf-8")
    elif suffix == ".png":
        to_png(plan, p, lanes, title)
    else:
        raise InvalidInput(N_("%(p)s: Gantt output must end in .html, .svg or .png"), field="out", params={"p": p})
    return p
