"""Gantt charts of a plan: standalone HTML (inline SVG), SVG and PNG, critical path in red."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from pathlib import Path

from postprod.errors import InvalidInput
from postprod.planning.problem import Plan, ScheduledTask

LANES = ("person", "room", "task")
ROW = 22
LEFT = 170
TOP = 40
DAY_MIN = 3.0
CRITICAL = "#d62728"
NORMAL = "#4e79a7"
LATE = "#ff7f0e"


def lanes_of(plan: Plan, by: str) -> list[tuple[str, list[ScheduledTask]]]:
    """Rows of the chart: one per person, room or task; tasks without one go to '(unassigned)'."""
    if by not in LANES:
        raise InvalidInput(f"lanes must be one of {', '.join(LANES)}, got {by!r}", field="lanes")
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


def _span(plan: Plan) -> tuple[date, int]:
    first = min((t.start for t in plan.tasks), default=plan.start)
    last = max((t.finish for t in plan.tasks), default=plan.start)
    return first, (last - first).days + 1


def to_svg(plan: Plan, lanes: str = "person", title: str = "") -> str:
    """The chart as one SVG document (no external references)."""
    rows = lanes_of(plan, lanes)
    first, days = _span(plan)
    day_w = max(DAY_MIN, min(24.0, 1100.0 / max(days, 1)))
    width = LEFT + days * day_w + 20
    height = TOP + len(rows) * ROW + 30
    crit = set(plan.critical_path)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title or 'Plan')}</title>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height}" fill="white"/>',
        f'<text x="8" y="16" font-size="13" font-weight="bold">{escape(title or "Plan")} '
        f"(end {plan.end_date.isoformat()}, {len(plan.tasks)} tasks)</text>",
    ]
    step = 7 if days > 28 else 1
    if days > 400:
        step = 28
    d = 0
    while d < days:
        x = LEFT + d * day_w
        day = first + timedelta(days=d)
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>')
        parts.append(f'<text x="{x + 2:.1f}" y="{TOP - 12}" fill="#555">{day.strftime("%d %b")}</text>')
        d += step
    for r, (name, tasks) in enumerate(rows):
        y = TOP + r * ROW
        if r % 2:
            parts.append(f'<rect x="0" y="{y}" width="{width:.0f}" height="{ROW}" fill="#f6f6f6"/>')
        parts.append(f'<text x="6" y="{y + 15}">{escape(name[:26])}</text>')
        for t in tasks:
            x = LEFT + (t.start - first).days * day_w
            w = max(day_w * ((t.finish - t.start).days + 1), 2.0)
            fill = CRITICAL if t.id in crit else NORMAL
            stroke = f' stroke="{LATE}" stroke-width="2"' if t.late_days else ""
            tip = f"{t.id}: {t.start.isoformat()} to {t.finish.isoformat()}"
            if t.people:
                tip += f" ({', '.join(t.people)})"
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" rx="2" fill="{fill}"{stroke}>'
                f"<title>{escape(tip)}</title></rect>"
            )
            if w > 30:
                parts.append(
                    f'<text x="{x + 3:.1f}" y="{y + 15}" fill="white" font-size="10">{escape(t.id[: int(w / 6)])}</text>'
                )
    parts.append(
        f'<text x="8" y="{height - 6}" fill="#555">red: critical path; orange outline: late; lanes per {lanes}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


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

    rows = lanes_of(plan, lanes)
    first, days = _span(plan)
    crit = set(plan.critical_path)
    fig, ax = plt.subplots(figsize=(min(30, 6 + days / 10), min(40, 1.5 + 0.3 * len(rows))))
    try:
        for r, (_name, tasks) in enumerate(rows):
            bars = [((t.start - first).days, (t.finish - t.start).days + 1) for t in tasks]
            colors = [CRITICAL if t.id in crit else NORMAL for t in tasks]
            ax.broken_barh(bars, (r - 0.4, 0.8), facecolors=colors)
        ax.set_yticks(range(len(rows)), [name[:26] for name, _ in rows])
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
        raise InvalidInput(f"{p}: Gantt output must end in .html, .svg or .png", field="out")
    return p
