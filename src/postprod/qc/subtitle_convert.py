"""Subtitle conversion for delivery, through ttconv: any format postprod reads to SRT, WebVTT, TTML/IMSC,
SCC or EBU STL.

The input is first read by postprod's own reader (postprod.qc.timed_text), so that a broken file is one
clear error rather than a half conversion; then ttconv reads it into its document model and writes the
target. ttconv has no EBU STL writer: STL is written by postprod.qc.ebu_stl from the model's paragraphs
(text, line breaks and italics). ttconv's SRT, WebVTT and SCC writers compute the document's state at
every change of display (about 5 ms a subtitle here): the command line shows their progress.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.qc.subtitle_read import read_subtitles
from postprod.qc.timed_text import FORMATS, SubtitleFile, _interval, decode_text, ttconv_log
from postprod.timecode import start_tc_to_frames, supports_drop_frame

if TYPE_CHECKING:  # ttconv ships no type information (no py.typed): to mypy these are Any, named for the reader
    from ttconv.model import ContentDocument, ContentElement

Progress = Callable[[float], None]
OUTPUTS = {".srt": "srt", ".vtt": "vtt", ".ttml": "ttml", ".xml": "ttml", ".imsc": "ttml", ".scc": "scc", ".stl": "stl"}


@dataclass
class Converted:
    """What a conversion wrote."""

    source: str
    target: str
    source_format: str
    target_format: str
    subtitles: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "source_format": self.source_format,
            "target_format": self.target_format,
            "subtitles": self.subtitles,
            "warnings": list(self.warnings),
        }


def target_format(path: str | os.PathLike[str], fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise InvalidInput(
                N_("unknown subtitle format %(fmt)r (one of %(formats)s)"),
                field="to",
                params={"fmt": fmt, "formats": ", ".join(FORMATS)},
            )
        return fmt
    found = OUTPUTS.get(Path(path).suffix.lower())
    if found is None:
        raise InvalidInput(
            N_("%(path)s: cannot tell the format to write from its name: use .srt, .vtt, .ttml, .scc or .stl, or --to"),
            field="to",
            params={"path": path},
        )
    return found


def _model(
    name: str, data: bytes, checked: SubtitleFile, encoding: str | None, start_tc: str | None
) -> ContentDocument:
    """ttconv's document model of the input."""
    fmt = checked.format
    if fmt == "stl":
        from ttconv.stl.config import STLReaderConfiguration
        from ttconv.stl.reader import to_model as stl_model

        tc = start_tc or ("TCP" if checked.start_timecode else None)
        return stl_model(io.BytesIO(data), STLReaderConfiguration(program_start_tc=tc))
    if fmt == "ttml":
        import xml.etree.ElementTree as et

        from ttconv.imsc.reader import to_model as imsc_model

        return imsc_model(et.ElementTree(et.fromstring(data)))
    text = decode_text(name, data, encoding)
    if fmt == "srt":
        from ttconv.srt.reader import to_model as srt_model

        return srt_model(io.StringIO(text))
    if fmt == "vtt":
        from ttconv.vtt.reader import to_model as vtt_model

        return vtt_model(io.StringIO(text))
    from ttconv.scc.reader import to_model as scc_model

    return scc_model(text)


def runs(doc: ContentDocument) -> list[tuple[Fraction, Fraction, list[list[tuple[str, bool]]]]]:
    """Each paragraph of a ttconv document: begin, end, and its lines as runs of (text, italic)."""
    from ttconv import model
    from ttconv.style_properties import FontStyleType, StyleProperties

    out: list[tuple[Fraction, Fraction, list[list[tuple[str, bool]]]]] = []

    def italic_of(el: ContentElement, inherited: bool) -> bool:
        style = el.get_style(StyleProperties.FontStyle)
        return inherited if style is None else style in (FontStyleType.italic, FontStyleType.oblique)

    def text(el: ContentElement, lines: list[list[tuple[str, bool]]], italic: bool) -> None:
        for child in el:
            if isinstance(child, model.Br):
                lines.append([])
            elif isinstance(child, model.Text):
                lines[-1].append((child.get_text(), italic))
            else:
                text(child, lines, italic_of(child, italic))

    def walk(el: ContentElement, pb: Fraction, pe: Fraction | None, italic: bool) -> None:
        for child in el:
            begin, end = _interval(child, pb, pe)
            it = italic_of(child, italic)
            if isinstance(child, model.P):
                lines: list[list[tuple[str, bool]]] = [[]]
                text(child, lines, it)
                lines = [[(t.strip() if len(ln) == 1 else t, i) for t, i in ln] for ln in lines]
                lines = [ln for ln in lines if "".join(t for t, _ in ln).strip()]
                if lines and end is not None:
                    out.append((begin, end, lines))
            elif isinstance(child, model.Div | model.Body):
                walk(child, begin, end, it)

    body = doc.get_body()
    if body is not None:
        b, e = _interval(body, Fraction(0), None)
        walk(body, b, e, italic_of(body, False))
    return out


def convert(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    to: str | None = None,
    fmt: str | None = None,
    rate: Fraction | None = None,
    start_tc: str | None = None,
    encoding: str | None = None,
    language: str = "",
    progress: Progress | None = None,
) -> Converted:
    """Convert a subtitle file; the target's format from its suffix or `to`."""
    out_fmt = target_format(target, to)
    checked = read_subtitles(source, fmt, encoding=encoding)  # a broken input stops here, with its line
    name = str(source)
    data = Path(source).read_bytes()
    done = Converted(name, str(target), checked.format, out_fmt, 0)
    tracker = SubtitleFile(path=name, format=checked.format)
    progress = progress or (lambda _: None)
    with ttconv_log(tracker):
        try:
            doc = _model(name, data, checked, encoding, start_tc)
            if out_fmt == "stl":
                payload: bytes = _stl(doc, checked, rate, start_tc, language or checked.language or "")
            elif out_fmt == "ttml":
                import xml.etree.ElementTree as et

                from ttconv.imsc.writer import from_model as imsc_write

                tree = imsc_write(doc, None, progress)
                root = tree.getroot() if isinstance(tree, et.ElementTree) else tree
                payload = et.tostring(root, encoding="utf-8", xml_declaration=True)
            elif out_fmt == "srt":
                from ttconv.srt.writer import from_model as srt_write

                payload = srt_write(doc, None, progress).encode("utf-8")
            elif out_fmt == "vtt":
                from ttconv.vtt.writer import from_model as vtt_write

                payload = vtt_write(doc, None, progress).encode("utf-8")
            else:
                from ttconv.scc.writer import from_model as scc_write

                payload = scc_write(doc, None, progress).encode("ascii")
        except (ValueError, TypeError, KeyError, RuntimeError) as exc:  # ttconv's refusals are plain exceptions
            raise FileFormatError(
                name, N_("ttconv cannot convert it to %(out_fmt)s (%(exc)s)"), params={"out_fmt": out_fmt, "exc": exc}
            ) from None
    try:
        Path(target).write_bytes(payload)
    except OSError as exc:
        raise FileFormatError(
            str(target), N_("cannot write (%(strerror)s)"), params={"strerror": exc.strerror}
        ) from None
    progress(1.0)
    done.subtitles = len(checked.subtitles)
    done.warnings = tracker.warnings
    return done


def _stl(
    doc: ContentDocument, checked: SubtitleFile, rate: Fraction | None, start_tc: str | None, language: str
) -> bytes:
    from postprod.qc.ebu_stl import StlSubtitle, write_stl

    r = rate or checked.frame_rate or Fraction(25)
    tc = start_tc or checked.start_timecode or "00:00:00:00"
    df = supports_drop_frame(r) and (";" in tc or bool(checked.drop_frame))
    start = start_tc_to_frames(tc[:8] + (";" if df else ":") + tc[9:], r, field="start")
    offset = 0 if checked.format == "scc" else start  # SCC times are timecodes already
    items = [
        StlSubtitle(n, offset + round(b * r), offset + round(e * r), lines)
        for n, (b, e, lines) in enumerate(runs(doc), start=1)
    ]
    return write_stl(items, r, start_frame=start, language=language)
