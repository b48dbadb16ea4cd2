"""A standalone HTML QC report (no external assets): verdict, clause table, loudness plot and findings timeline."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

from postprod.qc.check import CheckResult
from postprod.qc.clauses import ClauseResult
from postprod.qc.events import Event, Timebase

if TYPE_CHECKING:
    from postprod.qc.subtitle_check import SubtitleCheckResult

_TEMPLATES = Path(__file__).resolve().parent / "templates"
PLOT_W, PLOT_H, PAD_L, PAD_B, PAD_T = 900, 240, 48, 28, 10
LANE_H = 22
_COLOURS = {
    "black": "#333333",
    "freeze": "#2f6fb3",
    "silence": "#8a8a8a",
    "clipping": "#d62728",
    "luma_range": "#e6a100",
    "chroma_range": "#b88400",
    "letterbox": "#7b4fa0",
    "pillarbox": "#7b4fa0",
    "dc_offset": "#8c564b",
    "phase": "#e377c2",
    "silent_channel": "#17becf",
    "identical_channels": "#bcbd22",
    "unreadable": "#000000",
    "line_length": "#1f77b4",
    "line_count": "#2f6fb3",
    "reading_speed": "#d62728",
    "min_duration": "#ff7f0e",
    "max_duration": "#e6a100",
    "gap": "#8c564b",
    "overlap": "#c62828",
    "before_programme": "#000000",
    "after_programme": "#000000",
    "characters": "#7b4fa0",
    "italics": "#e377c2",
    "shot_change": "#17becf",
}
_MAX_POINTS = 2000


def _series(raw: list[tuple[float, float | None]]) -> list[tuple[float, float]]:
    # a reading of digital silence is None (no loudness): plotted at the bottom, as -inf
    pts = [(float(t), -math.inf if v is None else float(v)) for t, v in raw]
    if len(pts) > _MAX_POINTS:  # keep the loudest point of each bucket so peaks stay visible
        step = math.ceil(len(pts) / _MAX_POINTS)
        pts = [
            max(pts[i : i + step], key=lambda p: p[1] if math.isfinite(p[1]) else -1e9)
            for i in range(0, len(pts), step)
        ]
    return pts


def loudness_plot(result: CheckResult, duration: float) -> dict[str, Any] | None:
    """Geometry of the short-term loudness plot with the spec's target band, in SVG user units."""
    loud = result.analysis.loudness
    if loud is None:
        return None
    pts = _series(loud.short_term_series)
    if not pts:
        return None
    target: float | None = result.spec.get("loudness", "target")
    tol: float = result.spec.get("loudness", "tolerance", 0.0)
    finite = [v for _, v in pts if math.isfinite(v)]
    top = max([*finite, (target or -20.0) + tol, -10.0])
    y_max = math.ceil(top / 5) * 5 + 5
    y_min = min(-50.0, math.floor(min(finite, default=-50.0) / 5) * 5) if finite else -50.0
    y_min = max(y_min, -70.0)
    span = max(duration, pts[-1][0], 1e-6)
    w, h = PLOT_W - PAD_L - 8, PLOT_H - PAD_B - PAD_T

    def x(t: float) -> float:
        return round(PAD_L + w * t / span, 1)

    def y(v: float) -> float:
        v = min(max(v if math.isfinite(v) else y_min, y_min), y_max)
        return round(PAD_T + h * (y_max - v) / (y_max - y_min), 1)

    band = None
    if target is not None:
        band = {
            "y": y(target + tol),
            "h": max(1.0, y(target - tol) - y(target + tol)),
            "line": y(target),
            "target": target,
            "tol": tol,
        }
    il = loud.integrated_lufs
    ticks_y = [{"y": y(v), "label": f"{v:g}"} for v in range(int(y_min), int(y_max) + 1, 10)]
    ticks_x = [
        {"x": x(t), "label": result.analysis.timebase.tc(round(t * float(result.analysis.timebase.rate)))}
        for t in _nice_ticks(span)
    ]
    return {
        "width": PLOT_W,
        "height": PLOT_H,
        "left": PAD_L,
        "right": PLOT_W - 8,
        "top": PAD_T,
        "bottom": PLOT_H - PAD_B,
        "points": " ".join(f"{x(t)},{y(v)}" for t, v in pts),
        "band": band,
        "integrated": None if il is None or not math.isfinite(float(il)) else {"y": y(float(il)), "value": float(il)},
        "ticks_y": ticks_y,
        "ticks_x": ticks_x,
    }


def _nice_ticks(span: float) -> list[float]:
    for step in (1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if span / step <= 8:
            return [i * step for i in range(int(span // step) + 1)]
    return [0.0, span]


def timeline(result: CheckResult, duration: float) -> dict[str, Any]:
    """One lane per kind of finding, each finding a bar placed at its time; failing findings outlined red."""
    return timeline_of(result.clauses, list(result.analysis.events), result.analysis.timebase, duration)


def timeline_of(clauses: list[ClauseResult], events: list[Event], tb: Timebase, duration: float) -> dict[str, Any]:
    """The timeline of the findings of clauses (and other events), on a timebase."""
    failing = {id(f) for c in clauses if c.status == "fail" for f in c.findings}
    events = list(events)
    for c in clauses:
        for f in c.findings:
            if f not in events:
                events.append(f)
    kinds = sorted({e.kind for e in events})
    span = max(duration, max((e.end_seconds for e in events), default=0.0), 1e-6)
    w = PLOT_W - 130 - 8
    lanes = []
    for i, kind in enumerate(kinds):
        bars = []
        for e in events:
            if e.kind != kind:
                continue
            x0 = 130 + w * e.start_seconds / span
            bars.append(
                {
                    "x": round(x0, 1),
                    "w": round(max(2.0, w * (e.end_seconds - e.start_seconds) / span), 1),
                    "title": f"{kind} {e.start_tc} – {e.end_tc} ({e.end_seconds - e.start_seconds:.2f} s)",
                    "fail": id(e) in failing,
                }
            )
        lanes.append({"kind": kind, "y": 6 + i * LANE_H, "colour": _COLOURS.get(kind, "#555"), "bars": bars})
    ticks = [
        {
            "x": round(130 + w * t / span, 1),
            "label": tb.tc(round(t * float(tb.rate))),
        }
        for t in _nice_ticks(span)
    ]
    return {
        "width": PLOT_W,
        "height": 30 + max(1, len(kinds)) * LANE_H,
        "lanes": lanes,
        "left": 130,
        "right": PLOT_W - 8,
        "ticks": ticks,
    }


def _template() -> Template:
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("qc_report.html.j2")


def render_subtitle_report(result: SubtitleCheckResult) -> str:
    """The report of a subtitle check: the same document as media QC's, with the subtitles' findings."""
    from postprod.qc.timed_text import FORMAT_NAMES

    p = result.programme
    tb = result.timebase
    end = max((pl.end for pl in result.placed), default=0)
    frames = max(p.frames or 0, end)
    duration = float(frames / p.rate)
    f = result.file
    facts = [
        ("Format", FORMAT_NAMES.get(f.format, f.format)),
        ("Subtitles", str(len(f.subtitles))),
        (
            "Frame rate",
            f"{p.rate.numerator}/{p.rate.denominator}" if p.rate.denominator != 1 else str(p.rate.numerator),
        ),
        ("Programme start", p.start_tc),
    ]
    if f.language:
        facts.append(("Language", f.language))
    if p.master:
        facts.append(
            ("Master", f"{os.path.basename(p.master)}: {p.frames} frames, {len(p.shot_changes or [])} shot changes")
        )
    findings = result.findings
    return _template().render(
        r=result,
        d=result.to_dict(),
        file_name=os.path.basename(result.path),
        duration=duration,
        duration_tc=tb.tc(frames),
        facts=facts,
        plot=None,
        timeline=timeline_of(result.clauses, [], tb, duration),
        findings=findings,
        events=[],
        subtitle_findings=findings,
        frames_note="Frames are counted from the programme's first frame; end timecodes are exclusive.",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        colours=_COLOURS,
    )


def render_report(result: CheckResult | SubtitleCheckResult) -> str:
    """The report as one HTML document."""
    if not isinstance(result, CheckResult):
        return render_subtitle_report(result)
    tpl = _template()
    a = result.analysis
    if a.video is not None:
        duration = float(a.video.frames / a.timebase.rate)
    else:
        duration = float(a.probe.duration_seconds or 0)
    findings = sorted({id(f): f for c in result.clauses for f in c.findings}.values(), key=lambda e: e.start_frame)
    return tpl.render(
        r=result,
        d=result.to_dict(),
        file_name=os.path.basename(result.path),
        duration=duration,
        duration_tc=a.timebase.tc(a.video.frames) if a.video else None,
        plot=loudness_plot(result, duration),
        timeline=timeline(result, duration),
        findings=findings,
        events=a.events,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        colours=_COLOURS,
    )


def write_report(result: CheckResult | SubtitleCheckResult, path: str | os.PathLike[str]) -> Path:
    """Write the report to a file: HTML, or PDF when its name ends in .pdf (the same document printed)."""
    out = Path(path)
    if out.suffix.lower() == ".pdf":
        from postprod.pdf import html_to_pdf  # WeasyPrint only when a PDF is asked for

        out.write_bytes(html_to_pdf(render_report(result)))
    else:
        out.write_text(render_report(result), encoding="utf-8")
    return out
