"""FCP 7 XML, FCPXML, AAF and .otio cuts read through OpenTimelineIO's adapters into the Cut model."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from postprod.editorial.model import VFX_ID_RE, Cut, CutWarning, Event, Locator, snap_rate, vfx_id_at_start
from postprod.editorial.readers.fcpxml import InFrames, in_frames
from postprod.errors import N_, FileFormatError
from postprod.timecode import format_rate, supports_drop_frame


def read_with_otio(
    path: str,
    *,
    adapter: str | None,
    fmt: str,
    rate: Fraction | None = None,
    progress: Callable[[float], None] | None = None,
) -> Cut:
    """Read a file with an OTIO adapter and convert the first timeline to a Cut."""
    frames: InFrames | None = None  # FCPXML: the document counted in frames
    try:
        if fmt == "fcpxml":
            frames = in_frames(path, rate)
            result = otio.adapters.read_from_string(frames.text, adapter_name=adapter)
        else:
            result = (
                otio.adapters.read_from_file(path, adapter_name=adapter)
                if adapter
                else otio.adapters.read_from_file(path)
            )
    except FileFormatError:
        raise
    except Exception as exc:  # adapters raise many types; the user needs one line naming the file
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(
            path, N_("cannot read as %(format)s: %(reason)s"), params={"format": fmt, "reason": msg}
        ) from exc
    timeline: Any = result
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = (
            list(result.find_children(descended_from_type=otio.schema.Timeline))
            if hasattr(result, "find_children")
            else []
        )
        if not timelines:
            timelines = [c for c in result if isinstance(c, otio.schema.Timeline)]
        if not timelines:
            raise FileFormatError(path, N_("no timeline found in the %(format)s file"), params={"format": fmt})
        timeline = timelines[0]
    if not isinstance(timeline, otio.schema.Timeline):
        raise FileFormatError(path, N_("no timeline found in the %(format)s file"), params={"format": fmt})
    if frames is not None:
        _at_rate(timeline, float(frames.rate), frames.reels)
        timeline.metadata["postprod"] = {"rate": format_rate(frames.rate), "drop_frame": frames.drop_frame}
    cut = cut_from_otio(timeline, rate=rate, path=path)
    cut.format = fmt
    if progress is not None:
        progress(1.0)
    return cut


def _at_rate(timeline: otio.schema.Timeline, rate: float, reels: dict[str, str]) -> None:
    """Each time of a timeline read at one frame a second put at the rate its frames are at; each media
    reference named after its reel (reels: by address)."""

    def at(t: otio.opentime.RationalTime) -> otio.opentime.RationalTime:
        return otio.opentime.RationalTime(t.value, rate)

    def span(r: otio.opentime.TimeRange) -> otio.opentime.TimeRange:
        return otio.opentime.TimeRange(at(r.start_time), at(r.duration))

    for item in timeline.find_children():
        if isinstance(item, otio.schema.Transition):
            item.in_offset, item.out_offset = at(item.in_offset), at(item.out_offset)
            continue
        if item.source_range is not None:
            item.source_range = span(item.source_range)
        for m in item.markers:
            m.marked_range = span(m.marked_range)
        ref = getattr(item, "media_reference", None)
        if ref is not None and ref.available_range is not None:
            ref.available_range = span(ref.available_range)
        if isinstance(ref, otio.schema.ExternalReference) and ref.target_url in reels:
            ref.name = reels[ref.target_url]
    for m in timeline.tracks.markers:
        m.marked_range = span(m.marked_range)


def _named(ref: otio.core.MediaReference | None) -> str | None:
    """A media reference's name, unless it is a placeholder: an AAF source mob without a name reads as
    "Mob" (pyaaf2's default) or as its mob id, the same for every source."""
    name = ref.name if ref is not None else None
    if not name or name == "Mob" or name.startswith("urn:smpte:umid:"):
        return None
    return str(name)


def _first_rate(timeline: otio.schema.Timeline) -> float | None:
    for clip in timeline.find_clips():
        sr = clip.source_range or clip.available_range()
        if sr is not None:
            return float(sr.duration.rate)
    if timeline.global_start_time is not None:
        return float(timeline.global_start_time.rate)
    return None


def _frames(t: otio.opentime.RationalTime, rate: float) -> int:
    return int(round(t.rescaled_to(rate).value))


def cut_from_otio(timeline: otio.schema.Timeline, *, rate: Fraction | None = None, path: str = "") -> Cut:
    """Convert an OTIO timeline to a Cut: each clip on each track is an event at its record position."""
    warnings: list[CutWarning] = []
    meta = dict(timeline.metadata.get("postprod", {}) or {})
    if rate is None:
        if meta.get("rate"):
            rate = Fraction(str(meta["rate"]))
            rate_source = "file"
        else:
            fr = _first_rate(timeline)
            if fr is None:
                rate = Fraction(24)
                rate_source = "default"
                warnings.append(CutWarning("no rate in the file: assumed 24 fps; pass --rate to be sure"))
            else:
                rate = snap_rate(fr)
                rate_source = "file"
    else:
        rate_source = "given"
    fr_rate = float(rate)
    start = _frames(timeline.global_start_time, fr_rate) if timeline.global_start_time is not None else 0
    drop_frame = bool(meta.get("drop_frame")) and supports_drop_frame(rate)
    merged: dict[tuple[int, int, int], Event] = {}
    events: list[Event] = []
    counts = {"V": 0, "A": 0}
    for track in timeline.tracks:
        kind = "A" if track.kind == otio.schema.TrackKind.Audio else "V"
        counts[kind] += 1
        n = counts[kind]
        tname = ("V" if n == 1 else f"V{n}") if kind == "V" else f"A{n}"
        pos = start
        pending_transition: otio.schema.Transition | None = None
        for child in track:
            if isinstance(child, otio.schema.Transition):
                pending_transition = child
                continue
            dur = _frames(child.duration(), fr_rate)
            if isinstance(child, otio.schema.Clip):
                ev = _event_from_clip(child, tname, pos, dur, fr_rate, rate, drop_frame)
                if pending_transition is not None:
                    tdur = _frames(pending_transition.in_offset + pending_transition.out_offset, fr_rate)
                    ev.transition = "D" if "Dissolve" in str(pending_transition.transition_type) else "W001"
                    ev.transition_frames = tdur
                raw_pm = child.metadata.get("postprod")
                pm = dict(raw_pm) if raw_pm is not None and hasattr(raw_pm, "keys") else None
                key = (int(pm["number"]), ev.record_in, ev.record_out) if pm and "number" in pm else None
                if key is not None and key in merged:
                    other = merged[key]
                    if tname not in other.tracks:
                        other.tracks = (*other.tracks, tname)
                else:
                    if key is not None:
                        merged[key] = ev
                    events.append(ev)
            pending_transition = None
            pos += dur
    events.sort(key=lambda e: (e.record_in, not e.is_video))
    if not any(e.number for e in events):
        for i, e in enumerate(events, 1):
            e.number = i
    markers: list[Locator] = []
    for m in timeline.tracks.markers:
        markers.append(
            Locator(
                record_frame=start + _frames(m.marked_range.start_time, fr_rate),
                colour=str(m.color),
                text=m.name,
                origin="otio",
            )
        )
    return Cut(
        events=events,
        rate=rate,
        drop_frame=drop_frame,
        title=timeline.name or "",
        path=path,
        format="otio",
        markers=markers,
        warnings=warnings,
        rate_source=rate_source,
    )


def _event_from_clip(
    clip: otio.schema.Clip, tname: str, pos: int, dur: int, fr_rate: float, rate: Fraction, drop_frame: bool
) -> Event:
    sr = clip.trimmed_range()
    src_in = _frames(sr.start_time, fr_rate)
    pm: dict[str, Any] = dict(clip.metadata.get("postprod", {}) or {})
    cmx = clip.metadata.get("cmx_3600", {}) or {}
    ref = clip.media_reference
    source_file = getattr(ref, "target_url", None) if isinstance(ref, otio.schema.ExternalReference) else None
    reel = cmx.get("reel") or _named(ref) or clip.name or "AX"
    speed: Fraction | None = None
    for eff in clip.effects:
        if isinstance(eff, otio.schema.FreezeFrame):
            speed = Fraction(0)
        elif isinstance(eff, otio.schema.LinearTimeWarp):
            speed = Fraction(eff.time_scalar).limit_denominator(1000) * rate
    if pm.get("speed_fps") is not None:
        speed = Fraction(str(pm["speed_fps"]))
    src_out = int(pm["source_out"]) if "source_out" in pm else src_in + dur
    if speed is not None and "source_out" not in pm:
        src_out = src_in + max(1, round(dur * speed / rate)) if speed else src_in + 1
    ev = Event(
        number=int(pm.get("number", 0)),
        reel=str(reel),
        channels=str(pm.get("channels", tname if tname != "A1" else "A")),
        source_in=src_in,
        source_out=src_out,
        record_in=pos,
        record_out=pos + dur,
        tracks=(tname,),
        transition=str(pm.get("transition", "C")),
        transition_frames=int(pm.get("transition_frames", 0)),
        drop_frame=drop_frame,
        clip_name=clip.name or None,
        source_file=source_file,
        speed=speed,
        comments=[str(c) for c in pm.get("comments", [])],
        vfx_ids=[str(v) for v in pm.get("vfx_ids", [])],
    )
    for m in clip.markers:
        frame = pos + _frames(m.marked_range.start_time, fr_rate) - src_in
        mpm = m.metadata.get("postprod", {}) or {}
        colour = str(mpm.get("colour") or m.color)
        ev.locators.append(Locator(record_frame=frame, colour=colour, text=m.name, origin="otio"))
        vid = vfx_id_at_start(m.name)
        if vid and vid not in ev.vfx_ids:
            ev.vfx_ids.append(vid)
    if ev.clip_name:
        mm = VFX_ID_RE.match(ev.clip_name)
        if mm and mm.group(1) not in ev.vfx_ids:
            ev.vfx_ids.append(mm.group(1))
    return ev
