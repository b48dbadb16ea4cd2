"""A cut as an OpenTimelineIO timeline (what `readers/otio_reader.cut_from_otio` reads back)."""

from __future__ import annotations

import opentimelineio as otio

from postprod.editorial.model import Cut
from postprod.timecode import format_rate

_COLOURS = {
    "RED": otio.schema.MarkerColor.RED,
    "PINK": otio.schema.MarkerColor.PINK,
    "ORANGE": otio.schema.MarkerColor.ORANGE,
    "YELLOW": otio.schema.MarkerColor.YELLOW,
    "GREEN": otio.schema.MarkerColor.GREEN,
    "CYAN": otio.schema.MarkerColor.CYAN,
    "BLUE": otio.schema.MarkerColor.BLUE,
    "PURPLE": otio.schema.MarkerColor.PURPLE,
    "MAGENTA": otio.schema.MarkerColor.MAGENTA,
    "BLACK": otio.schema.MarkerColor.BLACK,
    "WHITE": otio.schema.MarkerColor.WHITE,
}


def _rt(frames: int, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate)


def cut_to_otio(cut: Cut) -> otio.schema.Timeline:
    """Build an OTIO timeline from a cut; postprod fields travel in metadata["postprod"]."""
    rate = float(cut.rate)
    tl = otio.schema.Timeline(name=cut.title or "cut")
    start = cut.record_start
    tl.global_start_time = _rt(start, rate)
    tl.metadata["postprod"] = {"rate": format_rate(cut.rate), "drop_frame": cut.drop_frame}
    track_names: list[str] = []
    for e in cut.events:
        for t in e.tracks:
            if t not in track_names:
                track_names.append(t)
    track_names.sort(key=lambda n: (n != "V", len(n), n))
    for tname in track_names:
        kind = otio.schema.TrackKind.Video if tname.startswith("V") else otio.schema.TrackKind.Audio
        track = otio.schema.Track(name=tname, kind=kind)
        cursor = start
        for e in cut.events:
            if tname not in e.tracks or e.record_duration <= 0:
                continue
            if e.record_in > cursor:
                track.append(
                    otio.schema.Gap(source_range=otio.opentime.TimeRange(_rt(0, rate), _rt(e.record_in - cursor, rate)))
                )
            dur = e.record_duration
            clip = otio.schema.Clip(
                name=e.clip_name or e.reel,
                source_range=otio.opentime.TimeRange(_rt(e.source_in, rate), _rt(dur, rate)),
            )
            if e.source_file:
                clip.media_reference = otio.schema.ExternalReference(target_url=e.source_file)
            clip.metadata["cmx_3600"] = {"reel": e.reel}
            clip.metadata["postprod"] = {
                "number": e.number,
                "channels": e.channels,
                "source_out": e.source_out,
                "transition": e.transition,
                "transition_frames": e.transition_frames,
                "vfx_ids": list(e.vfx_ids),
                "speed_fps": None if e.speed is None else str(e.speed),
                "comments": list(e.comments),
            }
            if e.speed is not None:
                if e.speed == 0:
                    clip.effects.append(otio.schema.FreezeFrame())
                else:
                    clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=float(e.speed / cut.rate)))
            for loc in e.locators:
                clip.markers.append(
                    otio.schema.Marker(
                        name=loc.text,
                        marked_range=otio.opentime.TimeRange(
                            _rt(e.source_in + loc.record_frame - e.record_in, rate), _rt(0, rate)
                        ),
                        color=_COLOURS.get(loc.colour.upper(), otio.schema.MarkerColor.RED),
                        metadata={"postprod": {"record_frame": loc.record_frame, "colour": loc.colour}},
                    )
                )
            track.append(clip)
            cursor = max(cursor, e.record_out)
        tl.tracks.append(track)
    for m in cut.markers:
        tl.tracks.markers.append(
            otio.schema.Marker(
                name=m.text,
                marked_range=otio.opentime.TimeRange(_rt(m.record_frame - start, rate), _rt(0, rate)),
                color=_COLOURS.get(m.colour.upper(), otio.schema.MarkerColor.RED),
            )
        )
    return tl
