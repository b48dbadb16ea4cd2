"""The stored plan drawn as SVG on the server: lanes per person or room, the critical path in red."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from postprod.services.dashboard import GanttBar, GanttView

ROW = 26
BAR = 16
LEFT = 190
TOP = 44
CRITICAL = "#c0392b"
NORMAL = "#3b6ea8"
DONE = "#7f9cba"
LATE = "#e67e22"


def gantt_svg(view: GanttView, zoom: float, unassigned: str, delivery_label: str, today: date | None = None) -> str:
    """The chart as an inline SVG document; `zoom` is pixels per day."""
    days = (view.end - view.start).days + 1
    width = LEFT + int(days * zoom) + 20
    rows = sum(max(1, _depth(lane.bars)) for lane in view.lanes)
    height = TOP + rows * ROW + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Gantt">'
    ]
    # Week lines and month labels.
    d = view.start
    while d <= view.end:
        x = LEFT + (d - view.start).days * zoom
        if d.weekday() == 0:
            out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height}" class="wk"/>')
            if zoom >= 4 or d.day <= 7:
                out.append(f'<text x="{x + 2:.1f}" y="{TOP - 10}" class="tick">{d.strftime("%d/%m")}</text>')
        if d.day == 1:
            out.append(f'<text x="{x + 2:.1f}" y="14" class="month">{d.strftime("%m/%Y")}</text>')
        d += timedelta(days=1)
    y = TOP
    for i, lane in enumerate(view.lanes):
        tracks = _tracks(lane.bars)
        h = max(1, len(tracks)) * ROW
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{h}" class="band"/>')
        out.append(f'<text x="8" y="{y + ROW / 2 + 4:.0f}" class="lane">{escape(lane.label or unassigned)}</text>')
        for t, track in enumerate(tracks):
            for bar in track:
                x = LEFT + (bar.start - view.start).days * zoom
                w = max(zoom, ((bar.finish - bar.start).days + 1) * zoom)
                by = y + t * ROW + (ROW - BAR) / 2
                colour = CRITICAL if bar.critical else DONE if bar.status in ("done", "approved") else NORMAL
                cls = "bar crit" if bar.critical else "bar"
                title = f"{bar.key} · {bar.name} · {bar.start.isoformat()} → {bar.finish.isoformat()}"
                if bar.late_days:
                    title += f" · +{bar.late_days}"
                out.append(
                    f'<g class="{cls}" data-key="{escape(bar.key)}"><title>{escape(title)}</title>'
                    f'<rect x="{x:.1f}" y="{by:.1f}" width="{w:.1f}" height="{BAR}" rx="3" fill="{colour}"/>'
                )
                if bar.late_days:
                    out.append(f'<rect x="{x + w - 4:.1f}" y="{by:.1f}" width="4" height="{BAR}" fill="{LATE}"/>')
                fits = int((w - 8) / 6.2)
                if fits >= 4:
                    label = bar.key if len(bar.key) <= fits else bar.key[: fits - 1] + "…"
                    out.append(f'<text x="{x + 4:.1f}" y="{by + 12:.1f}" class="barlabel">{escape(label)}</text>')
                out.append("</g>")
        y += h
    if today is not None and view.start <= today <= view.end:
        x = LEFT + (today - view.start).days * zoom
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height}" class="today"/>')
    if view.delivery and view.start <= view.delivery <= view.end:
        x = LEFT + (view.delivery - view.start).days * zoom
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 20}" x2="{x:.1f}" y2="{height}" class="delivery"/>')
        out.append(f'<text x="{x + 3:.1f}" y="{TOP - 22}" class="delivery-label">{escape(delivery_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _tracks(bars: list[GanttBar]) -> list[list[GanttBar]]:
    """Bars of a lane in as few rows as they fit without overlapping (first fit by start)."""
    tracks: list[list[GanttBar]] = []
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


def _depth(bars: list[GanttBar]) -> int:
    return len(_tracks(bars))
