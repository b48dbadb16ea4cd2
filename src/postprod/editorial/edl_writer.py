"""CMX 3600 EDL text from events: used for change EDLs, pull EDLs and generated test cuts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction

from postprod.editorial.model import Cut, Event
from postprod.timecode import frames_to_tc, supports_drop_frame


def _speed_text(speed: Fraction) -> str:
    v = float(speed)
    return f"{'-' if v < 0 else ''}{abs(v):05.1f}"


def write_edl(
    events: Iterable[Event],
    *,
    rate: Fraction,
    drop_frame: bool = False,
    title: str = "",
    extra_comments: Callable[[Event], list[str]] | None = None,
    header_comments: Iterable[str] = (),
) -> str:
    """EDL text for the events, in the order given, numbered as in each event."""
    df = drop_frame and supports_drop_frame(rate)
    evs = list(events)
    width = 3 if all(e.number < 1000 for e in evs) else 6
    reel_w = max([8] + [len(e.reel) for e in evs] + [len(e.from_reel or "") for e in evs])
    out = [f"TITLE: {title}", f"FCM: {'DROP FRAME' if df else 'NON-DROP FRAME'}"]
    out.extend(f"* {c}" for c in header_comments)

    def tc(n: int) -> str:
        return frames_to_tc(n, rate, df)

    for e in evs:
        num = str(e.number).zfill(width)
        ch = e.channels.split("+", 1)[0]
        if e.transition != "C":
            from_reel = e.from_reel or "BL"
            fin = e.from_source_in if e.from_source_in is not None else 0
            out.append(
                f"{num}  {from_reel:<{reel_w}} {ch:<5} C        {tc(fin)} {tc(fin)} {tc(e.record_in)} {tc(e.record_in)}"
            )
            out.append(
                f"{num}  {e.reel:<{reel_w}} {ch:<5} {e.transition:<4} {e.transition_frames:03d} "
                f"{tc(e.source_in)} {tc(e.source_out)} {tc(e.record_in)} {tc(e.record_out)}"
            )
        else:
            out.append(
                f"{num}  {e.reel:<{reel_w}} {ch:<5} C        {tc(e.source_in)} {tc(e.source_out)} {tc(e.record_in)} {tc(e.record_out)}"
            )
        extra_tracks = [t[1:] for t in e.tracks if t.startswith("A") and t[1:].isdigit() and int(t[1:]) > 2]
        if extra_tracks:
            out.append("AUD   " + " ".join(extra_tracks))
        if e.speed is not None:
            out.append(f"M2   {e.reel:<{reel_w}} {_speed_text(e.speed)}                {tc(e.source_in)}")
        if e.clip_name:
            out.append(f"* FROM CLIP NAME:  {e.clip_name}")
        if e.source_file:
            out.append(f"* SOURCE FILE: {e.source_file}")
        for loc in e.locators:
            if loc.origin in ("LOC", "otio"):
                out.append(f"* LOC: {tc(loc.record_frame)} {loc.colour or 'WHITE':<7} {loc.text}")
        for v in e.vfx_ids:
            if not any(v in loc.text for loc in e.locators) and not (e.clip_name or "").startswith(v):
                out.append(f"*VFX  {v}")
        if extra_comments is not None:
            out.extend(f"* {c}" for c in extra_comments(e))
    return "\n".join(out) + "\n"


def cut_to_edl(cut: Cut) -> str:
    """The whole cut as EDL text."""
    return write_edl(cut.events, rate=cut.rate, drop_frame=cut.drop_frame, title=cut.title)
