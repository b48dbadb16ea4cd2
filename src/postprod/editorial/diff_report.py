"""A change list as CSV, standalone HTML for the departments, and a change EDL for the conform."""

from __future__ import annotations

import csv
import html
import io

from postprod.editorial.diff import CHANGE_TYPES, Change, ChangeList
from postprod.editorial.edl_writer import write_edl
from postprod.editorial.model import Event
from postprod.timecode import format_rate

CSV_COLUMNS = [
    "type",
    "old_event",
    "new_event",
    "reel",
    "clip_name",
    "old_reel",
    "old_clip_name",
    "vfx_ids",
    "head_frames",
    "tail_frames",
    "old_record_in_tc",
    "old_record_out_tc",
    "new_record_in_tc",
    "new_record_out_tc",
    "old_record_in",
    "old_record_out",
    "new_record_in",
    "new_record_out",
    "old_source_in_tc",
    "old_source_out_tc",
    "new_source_in_tc",
    "new_source_out_tc",
    "old_duration",
    "new_duration",
    "duration_change",
    "offset_frames",
    "detail",
]


def change_list_csv(cl: ChangeList) -> str:
    """One row per change, frames and timecodes, for spreadsheets."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for c in cl.changes:
        row = c.to_dict(cl)
        row["vfx_ids"] = " ".join(row["vfx_ids"])
        w.writerow({k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS})
    return buf.getvalue()


_COLOURS = {"insert": "#dff5e1", "delete": "#fbe0e0", "trim": "#fff4d6", "move": "#e3ecfb", "replace": "#f1e4f7"}


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


def change_list_html(cl: ChangeList) -> str:
    """A standalone page (no external files) listing the changes for picture, sound, VFX and music."""
    s = cl.summary()
    esc = html.escape
    rows = []
    for c in cl.changes:
        d = c.to_dict(cl)
        rows.append(
            f'<tr style="background:{_COLOURS.get(c.type, "#fff")}">'
            f"<td>{esc(c.type)}</td><td>{d['old_event'] or ''}</td><td>{d['new_event'] or ''}</td>"
            f"<td>{esc(d['reel'] or '')}</td><td>{esc(d['clip_name'] or '')}</td><td>{esc(' '.join(d['vfx_ids']))}</td>"
            f"<td>{esc(d['old_record_in_tc'] or '')}</td><td>{esc(d['old_record_out_tc'] or '')}</td>"
            f"<td>{esc(d['new_record_in_tc'] or '')}</td><td>{esc(d['new_record_out_tc'] or '')}</td>"
            f"<td>{_signed(c.head_frames)}</td><td>{_signed(c.tail_frames)}</td>"
            f"<td>{_signed(d['duration_change'])}</td><td>{_signed(c.offset_frames)}</td><td>{esc(c.detail)}</td></tr>"
        )
    counts = " · ".join(f"{s[t]} {t}" for t in CHANGE_TYPES)
    title = f"Change list: {esc(cl.old.title or cl.old.path)} → {esc(cl.new.title or cl.new.path)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;font-size:13px}}
th,td{{border:1px solid #ccc;padding:3px 6px;text-align:left;white-space:nowrap}}
th{{background:#333;color:#fff;position:sticky;top:0}}
td:nth-child(n+11):nth-child(-n+14){{text-align:right;font-variant-numeric:tabular-nums}}
</style></head><body>
<h1>{title}</h1>
<p>Rate {esc(format_rate(cl.old.rate))} fps · {s["old_events"]} → {s["new_events"]} events ·
duration {cl.old.tc(cl.old.duration) if cl.old.events else ""} → {cl.new.tc(cl.new.duration) if cl.new.events else ""}
({_signed(s["duration_change"])} frames)</p>
<p><strong>{s["changes"]} changes:</strong> {counts}. {s["unchanged"]} shots unchanged ({s["unchanged_slid"]} only slid along the timeline).</p>
<p>Head: frames added at the head of the shot (old source in − new source in). Tail: frames added at the tail
(new source out − old source out). Offset: new record in − old record in at that point.</p>
<table><thead><tr><th>Change</th><th>Old #</th><th>New #</th><th>Reel</th><th>Clip</th><th>VFX</th>
<th>Old rec in</th><th>Old rec out</th><th>New rec in</th><th>New rec out</th><th>Head</th><th>Tail</th>
<th>Δ dur</th><th>Offset</th><th>Detail</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""


def _describe(c: Change) -> list[str]:
    if c.type == "trim":
        return [
            f"CHANGE: TRIM HEAD {_signed(c.head_frames)} TAIL {_signed(c.tail_frames)} (OLD EVENT {c.old.number if c.old else ''})"
        ]
    if c.type == "move":
        extra = (
            f" HEAD {_signed(c.head_frames)} TAIL {_signed(c.tail_frames)}" if c.head_frames or c.tail_frames else ""
        )
        return [f"CHANGE: MOVE FROM OLD EVENT {c.old.number if c.old else ''}{extra}"]
    if c.type == "replace":
        return [f"CHANGE: REPLACE OLD EVENT {c.old.number if c.old else ''} ({c.old.reel if c.old else ''})"]
    return [f"CHANGE: {c.type.upper()}"]


def change_list_edl(cl: ChangeList) -> str:
    """An EDL of the new version's changed events (for the online), deletes listed as remarks."""
    by_event: dict[int, Change] = {}
    events: list[Event] = []
    header: list[str] = [f"CHANGE LIST FROM {cl.old.title or cl.old.path} TO {cl.new.title or cl.new.path}"]
    for c in cl.changes:
        if c.new is not None:
            by_event[id(c.new)] = c
            events.append(c.new)
        elif c.old is not None:
            header.append(
                f"DELETED OLD EVENT {c.old.number} {c.old.reel} {cl.old.tc(c.old.record_in)} {cl.old.tc(c.old.record_out)} ({c.old.record_duration} FRAMES)"
            )
    events.sort(key=lambda e: e.record_in)
    return write_edl(
        events,
        rate=cl.new.rate,
        drop_frame=cl.new.drop_frame,
        title=f"{cl.new.title or 'CUT'} CHANGES",
        header_comments=header,
        extra_comments=lambda e: _describe(by_event[id(e)]),
    )
