"""A QC run's clauses in the reader's language: the engine (postprod.qc) writes its titles, what a clause
expects and what was measured in English once, when the run is recorded; the page translates them here.

Titles are a closed list (marked below). What was expected and measured are short phrases of a few
shapes ("at most -1.0 dBTP", "6 or 8", "2 clipped runs", "none"): each shape is a catalogue template
whose values (numbers, codes, timecodes) are kept, with their decimals written the language's way.
Anything the table does not know is shown as the engine wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from babel.numbers import format_decimal

from postprod.web.vocabulary import N_

TITLES = (
    N_("Allowed characters"),
    N_("Audio faults"),
    N_("Audio stream"),
    N_("Audio streams"),
    N_("Audio bit depth"),
    N_("Audio codec"),
    N_("Sample rate"),
    N_("Balanced italics"),
    N_("Channel count"),
    N_("Channel layout"),
    N_("Characters per line"),
    N_("Clear of shot changes"),
    N_("Clipping"),
    N_("Container"),
    N_("Drop-frame timecode"),
    N_("Duration"),
    N_("File decodes to the end"),
    N_("Frame rate"),
    N_("Gap between subtitles"),
    N_("Letterbox / pillarbox bars"),
    N_("Lines per subtitle"),
    N_("Longest black in the programme"),
    N_("Maximum duration"),
    N_("Minimum duration"),
    N_("No overlapping subtitles"),
    N_("Pixel format"),
    N_("Programme tracks"),
    N_("Reading speed"),
    N_("Reading speed (words)"),
    N_("Resolution"),
    N_("Resolution and frame rate"),
    N_("Scan"),
    N_("Start timecode"),
    N_("Video bit depth"),
    N_("Video codec"),
    N_("Video profile"),
    N_("Video stream"),
    N_("Within the programme"),
    N_("Integrated loudness"),
    N_("Maximum true peak"),
    N_("Maximum sample peak"),
    N_("Loudness range"),
    N_("Maximum momentary loudness"),
    N_("Maximum short-term loudness"),
    N_("Master matches the cut"),
)

# Whole phrases the engine writes as they are.
PHRASES = (
    N_("none"),
    N_("no clipped samples"),
    N_("every frame decodes"),
    N_("a video stream"),
    N_("at least one audio stream"),
    N_("no audio stream"),
    N_("no video stream"),
    N_("no bars"),
    N_("no signal above the gate"),
    N_("not comparable"),
    N_("not measurable"),
    N_("not measured"),
    N_("cut not available"),
    N_("qc not checked"),  # a clause's status "not_checked", as the status chip writes it
)

# Shapes with values: (pattern, template); the pattern's named groups fill the template.
SHAPES = (
    (re.compile(r"at most (?P<value>.+)"), N_("at most %(value)s")),
    (re.compile(r"at least (?P<value>.+)"), N_("at least %(value)s")),
    (re.compile(r"none of (?P<value>.+)"), N_("none of %(value)s")),
    (re.compile(r"(?P<n>\d+) clipped runs?"), N_("%(n)s clipped runs")),
    (re.compile(r"(?P<n>\d+) frames"), N_("%(n)s frames")),
    (re.compile(r"(?P<n>\d+) channels"), N_("%(n)s channels")),
    (re.compile(r"(?P<value>.+) \(full-programme\)"), N_("%(value)s (whole programme)")),
    (re.compile(r"(?P<a>.+) or (?P<b>.+)"), N_("%(a)s or %(b)s")),
)
# A measured or expected value: a decimal before its unit, or before the tolerance ("-23.0 ±0.5 LUFS").
_UNIT_NUMBER = re.compile(r"(?<![\w.])(-?\d+\.\d+)(?= ?(?:(?:dBTP|dBFS|dB|LUFS|LU|s|%)(?!\w)|±))")


def qc_phrase(text: str | None, gettext: Callable[[str], str], lang: str) -> str:
    """One expected or measured value of a clause, in the language of `gettext`."""
    if not text:
        return ""
    text = str(text)
    if gettext(text) != text:
        return gettext(text)
    for pattern, template in SHAPES:
        m = pattern.fullmatch(text)
        if m:
            values = {k: qc_phrase(v, gettext, lang) for k, v in m.groupdict().items()}
            return gettext(template) % values
    if lang == "en":
        return text
    return _UNIT_NUMBER.sub(lambda m: str(format_decimal(float(m.group(1)), format="0.0##", locale=lang)), text)
