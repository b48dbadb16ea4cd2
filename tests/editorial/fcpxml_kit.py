"""A cut written the way Final Cut Pro exports FCPXML: times as rational seconds, the sequence's start
timecode in tcStart and the main storyline's offsets counted from it, a gap element for each hole."""

from __future__ import annotations

from fractions import Fraction
from xml.sax.saxutils import quoteattr

from postprod.editorial.model import Cut


def seconds(frames: int, rate: Fraction) -> str:
    t = Fraction(frames) / rate
    return f"{t.numerator}s" if t.denominator == 1 else f"{t.numerator}/{t.denominator}s"


def cut_to_fcpxml(cut: Cut, *, tc_format: str = "NDF") -> str:
    """The cut's video events on the main storyline of one project's sequence."""
    rate = cut.rate
    events = sorted((e for e in cut.events if e.is_video), key=lambda e: e.record_in)
    reels = list(dict.fromkeys(e.reel for e in events))
    assets = {reel: f"r{i}" for i, reel in enumerate(reels, 2)}
    frame = Fraction(1) / rate
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!DOCTYPE fcpxml>",
        '<fcpxml version="1.8">',
        "  <resources>",
        f'    <format id="r1" frameDuration="{frame.numerator}/{frame.denominator}s" width="1920" height="1080"/>',
    ]
    for reel, rid in assets.items():
        lines.append(
            f'    <asset id="{rid}" name={quoteattr(reel)} start="0s" duration="{seconds(10**7, rate)}"'
            f' hasVideo="1" format="r1" src={quoteattr("file:///media/" + reel + ".mov")}/>'
        )
    start, end = cut.record_start, cut.record_end
    lines += [
        "  </resources>",
        '  <library><event name="Reels"><project name=' + quoteattr(cut.title or "cut") + ">",
        f'    <sequence format="r1" duration="{seconds(end - start, rate)}" tcStart="{seconds(start, rate)}"'
        f' tcFormat="{tc_format}">',
        "      <spine>",
    ]
    cursor = start
    for e in events:
        if e.record_in > cursor:
            lines.append(
                f'        <gap name="Gap" offset="{seconds(cursor, rate)}" start="3600s"'
                f' duration="{seconds(e.record_in - cursor, rate)}"/>'
            )
        clip = (
            f"        <asset-clip ref={quoteattr(assets[e.reel])} name={quoteattr(e.clip_name or e.reel)}"
            f' offset="{seconds(e.record_in, rate)}" start="{seconds(e.source_in, rate)}"'
            f' duration="{seconds(e.record_duration, rate)}" format="r1"'
        )
        # a marker's start is in the clip's source time
        markers = [
            f'          <marker start="{seconds(e.source_in + loc.record_frame - e.record_in, rate)}"'
            f' duration="{seconds(1, rate)}" value={quoteattr(loc.text)}/>'
            for loc in e.locators
        ]
        lines += [clip + ">", *markers, "        </asset-clip>"] if markers else [clip + "/>"]
        cursor = e.record_out
    lines += ["      </spine>", "    </sequence>", "  </project></event></library>", "</fcpxml>", ""]
    return "\n".join(lines)
