"""Cuts written as files of each format the editorial import reads, for tests.

FCPXML the way Final Cut Pro exports it (OpenTimelineIO's writer leaves out the sequence's start timecode):
times as rational seconds, the start timecode in tcStart and the main storyline's offsets counted from it,
a gap element for each hole.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from xml.sax.saxutils import quoteattr

import opentimelineio as otio

from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.model import Cut
from postprod.editorial.otio_writer import cut_to_otio


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


def cut_to_aaf(cut: Cut, path: Path) -> None:
    """The cut as an AAF through OpenTimelineIO's AAF adapter, each clip on a master clip of its reel's media."""
    timeline = cut_to_otio(cut)
    rate = float(cut.rate)
    whole = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(10**7, rate))
    for clip in timeline.find_clips():
        reel = clip.metadata["cmx_3600"]["reel"]
        clip.media_reference = otio.schema.ExternalReference(
            target_url=f"file:///media/{reel}.mov", available_range=whole
        )
    otio.adapters.write_to_file(timeline, str(path), adapter_name="AAF", use_empty_mob_ids=True)


def write_cut(cut: Cut, path: Path) -> Path:
    """The cut in the format its file name says: .edl, .xml (FCP 7), .fcpxml, .aaf or .otio."""
    suffix = path.suffix.lower()
    if suffix == ".edl":
        path.write_text(cut_to_edl(cut), encoding="utf-8")
    elif suffix == ".fcpxml":
        path.write_text(cut_to_fcpxml(cut), encoding="utf-8")
    elif suffix == ".aaf":
        cut_to_aaf(cut, path)
    else:
        adapter = {".xml": "fcp_xml", ".otio": "otio_json"}[suffix]
        otio.adapters.write_to_file(cut_to_otio(cut), str(path), adapter_name=adapter)
    return path
