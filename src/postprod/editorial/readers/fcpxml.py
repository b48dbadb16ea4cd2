"""FCPXML's times made whole frames before OpenTimelineIO's FCPXML adapter reads them.

The adapter counts frames with a whole-number rate and truncated floats: at 23.976 it reads 23 fps, and
at 25 or 30 fps one clip in a few comes out a frame short (2900/2500 s x 25 = 28.999...). Given a
document whose every time is a whole number of seconds and whose formats last one second a frame, it
counts exactly; `in_frames` writes that document, each time counted in frames of the project's sequence,
and says which rate and timecode (DF or not) those frames are at. The sequence's start timecode
(tcStart, 01:00:00:00 in most exports) stays where FCPXML puts it: in the offset of each clip of the
main storyline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from typing import NamedTuple

from postprod.errors import N_, FileFormatError

TIME_ATTRIBUTES = ("offset", "start", "duration", "tcStart")
ONE_FRAME = "1/1s"


def parse_time(text: str) -> Fraction:
    """An FCPXML time in seconds: "0s", "3600s", "1001/24000s", "3.5s"."""
    value = text.strip().removesuffix("s")
    num, _, den = value.partition("/")
    return Fraction(num) / Fraction(den or 1)


class InFrames(NamedTuple):
    text: str  # the document, its times in frames
    rate: Fraction  # the rate those frames are at
    drop_frame: bool  # the sequence's timecode is drop-frame
    reels: dict[str, str]  # each media file's asset name (the source's reel), by its address


def in_frames(path: str, rate: Fraction | None = None) -> InFrames:
    """The document with its times in frames of the first project's sequence, and what to read it with.

    Each asset gets the address of its media (FCPXML 1.9 moved it to a media-rep element, which the
    adapter does not look at), so that its clips keep their source.

    rate: the frame rate to count in, when the caller knows it better than the file; None for the file's.
    """
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - a cut file the user chose, not a remote document
    except ET.ParseError as exc:
        raise FileFormatError(
            path, N_("cannot read as %(format)s: %(reason)s"), params={"format": "fcpxml", "reason": str(exc)}
        ) from exc
    sequence = root.find(".//project/sequence")
    formats = {f.get("id"): f for f in root.iter("format")}
    fmt = formats.get(sequence.get("format")) if sequence is not None else None
    duration = fmt.get("frameDuration") if fmt is not None else None
    if rate is None:
        if not duration:
            raise FileFormatError(path, N_("no timeline found in the %(format)s file"), params={"format": "fcpxml"})
        try:
            rate = 1 / parse_time(duration)
        except (ValueError, ZeroDivisionError) as exc:
            raise FileFormatError(
                path,
                N_("cannot read as %(format)s: %(reason)s"),
                params={"format": "fcpxml", "reason": f"frameDuration={duration!r}"},
            ) from exc
    for element in root.iter():
        for name in TIME_ATTRIBUTES:
            text = element.get(name)
            if text is None:
                continue
            try:
                element.set(name, f"{round(parse_time(text) * rate)}s")
            except (ValueError, ZeroDivisionError) as exc:
                raise FileFormatError(
                    path,
                    N_("cannot read as %(format)s: %(reason)s"),
                    params={"format": "fcpxml", "reason": f"{element.tag} {name}={text!r}"},
                ) from exc
    for f in formats.values():
        f.set("frameDuration", ONE_FRAME)
    reels: dict[str, str] = {}
    for asset in root.iter("asset"):
        rep = asset.find("media-rep")
        if not asset.get("src") and rep is not None and rep.get("src"):
            asset.set("src", rep.get("src", ""))
        if asset.get("src") and asset.get("name"):
            reels[asset.get("src", "")] = asset.get("name", "")
    drop_frame = sequence is not None and sequence.get("tcFormat") == "DF"
    return InFrames(ET.tostring(root, encoding="unicode"), rate, drop_frame, reels)
