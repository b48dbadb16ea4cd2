"""Subtitle and caption files read into one list of subtitles: SRT, WebVTT, EBU STL, SCC and TTML/IMSC.

SRT and WebVTT are read here, strictly and fast; EBU STL through ttconv's header and text-field
decoders (postprod.qc.ebu_stl); SCC and TTML/IMSC through ttconv's readers, whose document model is
then walked for each paragraph's times, lines and italics.

Why SRT and WebVTT are not read with ttconv or pysubs2: for QC a reader must keep what the file says,
defects included, and name the line of anything it cannot read. ttconv builds a full styled document
(0.3 to 0.8 s for 2,000 subtitles here, against the 0.5 s the whole check may take) and pysubs2 (about
0.2 s) turns the text into SSA markup, drops the subtitle numbers and skips a block it cannot parse
without saying where. Both formats are a few lines of grammar; this reader takes about 20 ms.

Times are kept in seconds on the file's own clock (exact fractions); placing them on the programme's
frame grid (rate, start timecode) is the checker's work (postprod.qc.subtitle_check).
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from postprod.errors import N_, FileFormatError

if TYPE_CHECKING:  # ttconv ships no type information (no py.typed): to mypy these are Any, named for the reader
    from ttconv.model import ContentDocument, ContentElement

FORMATS = ("srt", "vtt", "stl", "scc", "ttml")
_SUFFIXES = {
    ".srt": "srt",
    ".vtt": "vtt",
    ".webvtt": "vtt",
    ".stl": "stl",
    ".scc": "scc",
    ".ttml": "ttml",
    ".xml": "ttml",
    ".dfxp": "ttml",
    ".imsc": "ttml",
}
FORMAT_NAMES = {"srt": "SubRip (SRT)", "vtt": "WebVTT", "stl": "EBU STL", "scc": "Scenarist SCC", "ttml": "TTML/IMSC"}
MAX_BYTES = 50 * 1024 * 1024  # a feature's subtitles are well under 1 MB


@dataclass
class Subtitle:
    """One subtitle (cue, caption): its number, times in seconds on the file's clock, and its lines of text.

    `lines` are the text as displayed (markup removed, each line stripped). `italics_error` says what is
    wrong with the italics markup when the format has markup that can be left unbalanced (SRT, WebVTT,
    EBU STL control codes), else None.
    """

    number: int
    start: Fraction
    end: Fraction
    lines: list[str]
    line: int | None = None  # the line of the file where it begins (text formats)
    italics_error: str | None = None
    ident: str | None = None  # the cue identifier or xml:id, when the format has one

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class SubtitleFile:
    """A subtitle file as read: its format, its subtitles in file order, and what its header says."""

    path: str
    format: str
    subtitles: list[Subtitle] = field(default_factory=list)
    frame_rate: Fraction | None = None  # the rate the file declares or implies (EBU STL, SCC)
    start_timecode: str | None = None  # the programme start the file declares (EBU STL TCP)
    drop_frame: bool | None = None
    timecode_clock: bool = False  # times are timecodes (EBU STL, SCC), not media time from 0
    language: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "subtitles": len(self.subtitles),
            "frame_rate": None if self.frame_rate is None else str(self.frame_rate),
            "start_timecode": self.start_timecode,
            "language": self.language,
            "warnings": list(self.warnings),
        }


def decode_text(name: str, data: bytes, encoding: str | None = None) -> str:
    """The file's text: UTF-8 (a BOM allowed) or UTF-16 with its BOM, or the encoding given; else one line
    naming the first byte that is not text in that encoding."""
    if encoding is None:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FileFormatError(name, N_("unknown encoding %(encoding)r"), params={"encoding": encoding}) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise FileFormatError(
            name,
            N_("not %(encoding)s text (byte 0x%(bad)s): save it as UTF-8, or give its --encoding"),
            line=line,
            params={"encoding": encoding.removesuffix("-sig").upper(), "bad": bad},
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileFormatError(name, "a NUL character in a text file: wrong encoding or not a text file", line=line)
    return text


# --- SRT and WebVTT -------------------------------------------------------------------------------

_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s+.*)?$")
_VTT_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"^\s*{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+.*)?$")
_ARROW = re.compile(r"-->")
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]*)[^>]*>")
_SSA_TAG = re.compile(r"\{\\[^}]*\}")  # {\an8} and the like, which some SRT files carry
_ITALIC = re.compile(r"<(/?)i(?:\.[^>]*)?>|\{\\i([01])\}", re.IGNORECASE)
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f"}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))


def _secs(h: str | None, m: str, s: str, ms: str) -> Fraction:
    return Fraction(((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms), 1000)  # exact milliseconds


def _italics_error(raw_lines: list[str]) -> str | None:
    """What is wrong with a subtitle's italics tags (<i>...</i>, {\\i1}...{\\i0}), or None when balanced."""
    depth = 0
    for m in _ITALIC.finditer("\n".join(raw_lines)):
        closing = m.group(1) == "/" or m.group(2) == "0"
        if closing:
            if depth == 0:
                return "italics closed but never opened"
            depth -= 1
        else:
            depth += 1
    return "italics opened but never closed" if depth else None


def _plain(raw: str) -> str:
    text = _SSA_TAG.sub("", _TAG.sub("", raw))
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text)
    return unicodedata.normalize("NFC", text.strip())


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each block of non-blank lines."""
    block: list[str] = []
    start = 0
    for i, ln in enumerate(text.splitlines(), start=1):
        if ln.strip():
            if not block:
                start = i
            block.append(ln)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def read_srt(name: str, text: str) -> SubtitleFile:
    """SubRip: blocks of a number, a timing line and the text, separated by blank lines."""
    out = SubtitleFile(path=name, format="srt")
    subs = out.subtitles
    for start, block in _blocks(text):
        i = 0
        number: int | None = None
        head = block[0].strip()
        if head.isdigit():
            number = int(head)
            i = 1
        elif not _ARROW.search(head):
            raise FileFormatError(
                name,
                N_("expected a subtitle number or a timing line, found %(head)r"),
                line=start,
                params={"head": head[:40]},
            )
        if i >= len(block):
            raise FileFormatError(
                name,
                N_("subtitle %(number)s has no timing line (file truncated?)"),
                line=start,
                params={"number": number},
            )
        m = _SRT_TIMING.match(block[i])
        if not m:
            raise FileFormatError(
                name,
                N_("bad timing %(block)r: expected HH:MM:SS,mmm --> HH:MM:SS,mmm"),
                line=start + i,
                params={"block": block[i].strip()[:60]},
            )
        g = m.groups()
        raw = [ln.rstrip() for ln in block[i + 1 :]]
        subs.append(
            Subtitle(
                number=number if number is not None else len(subs) + 1,
                start=_secs(*g[:4]),
                end=_secs(*g[4:]),
                lines=[_plain(ln) for ln in raw],
                line=start,
                italics_error=_italics_error(raw),
            )
        )
    if not subs:
        raise FileFormatError(name, "no subtitle in the file")
    return out


def read_vtt(name: str, text: str) -> SubtitleFile:
    """WebVTT: a WEBVTT header, then cues (an optional identifier, a timing line, the text); NOTE, STYLE and
    REGION blocks are skipped."""
    out = SubtitleFile(path=name, format="vtt")
    subs = out.subtitles
    blocks = _blocks(text)
    first = next(blocks, None)
    if first is None or not re.match(r"^WEBVTT(?:[ \t].*)?$", first[1][0].strip()):
        raise FileFormatError(name, "not a WebVTT file: the first line must be WEBVTT", line=1)
    pending = [] if len(first[1]) == 1 else [(first[0] + 1, first[1][1:])]  # a cue glued to the header
    if pending and not any(_ARROW.search(ln) for ln in pending[0][1]):
        pending = []  # header metadata lines
    for start, block in [*pending, *blocks]:
        head = block[0].strip()
        if head.startswith(("NOTE", "STYLE", "REGION")) and not _ARROW.search(head):
            continue
        i = 0
        ident = None
        if not _ARROW.search(head):
            ident, i = head, 1
        if i >= len(block):
            raise FileFormatError(
                name, N_("cue %(ident)r has no timing line (file truncated?)"), line=start, params={"ident": ident}
            )
        m = _VTT_TIMING.match(block[i])
        if not m:
            raise FileFormatError(
                name,
                N_("bad timing %(block)r: expected [HH:]MM:SS.mmm --> [HH:]MM:SS.mmm"),
                line=start + i,
                params={"block": block[i].strip()[:60]},
            )
        g = m.groups()
        raw = [ln.rstrip() for ln in block[i + 1 :]]
        subs.append(
            Subtitle(
                number=len(subs) + 1,
                start=_secs(*g[:4]),
                end=_secs(*g[4:]),
                lines=[_plain(ln) for ln in raw],
                line=start,
                italics_error=_italics_error(raw),
                ident=ident,
            )
        )
    if not subs:
        raise FileFormatError(name, "no cue in the file")
    return out


# --- SCC and TTML/IMSC, through ttconv --------------------------------------------------------------


@contextmanager
def ttconv_log(out: SubtitleFile) -> Iterator[None]:
    """ttconv's log messages (repairs it made, things it skipped) become the file's warnings, not stderr noise."""
    log = logging.getLogger("ttconv")

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            msg = record.getMessage()
            if msg not in out.warnings and len(out.warnings) < 20:
                out.warnings.append(msg)

    handler = _Keep(level=logging.WARNING)
    old_level, old_prop = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.WARNING)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        log.propagate = old_prop


def _interval(el: ContentElement, pb: Fraction, pe: Fraction | None) -> tuple[Fraction, Fraction | None]:
    """An element's absolute begin and end from its parent's: times in ttconv's model are relative to the
    parent's begin (TTML's parallel time containers); an element without an end lasts as its parent."""
    b, e = el.get_begin(), el.get_end()
    begin = pb + (b if b is not None else 0)
    end = pe if e is None else (pb + e if pe is None else min(pb + e, pe))
    return begin, end


def element_lines(
    el: ContentElement, times: list[Fraction] | None = None, pb: Fraction = Fraction(0), pe: Fraction | None = None
) -> list[str]:
    """The lines of text of a ttconv element (a Br starts a line), stripped and NFC-normalised; the times
    of timed descendants are added to `times` when given."""
    from ttconv import model

    lines = [""]

    def visit(node: ContentElement, b: Fraction, e: Fraction | None) -> None:
        for child in node:
            if isinstance(child, model.Br):
                lines.append("")
            elif isinstance(child, model.Text):
                lines[-1] += child.get_text()
            else:
                cb, ce = _interval(child, b, e)
                if times is not None:
                    if child.get_begin() is not None:
                        times.append(cb)
                    if child.get_end() is not None and ce is not None:
                        times.append(ce)
                visit(child, cb, ce)

    visit(el, pb, pe)
    clean = [unicodedata.normalize("NFC", ln.strip()) for ln in lines]
    while clean and not clean[-1]:
        clean.pop()
    return clean


def paragraphs(doc: ContentDocument) -> list[tuple[Fraction, Fraction, list[str], str | None]]:
    """Each paragraph of a ttconv document: absolute begin and end (seconds), its lines of text and its id.

    A paragraph without times of its own takes the span of its timed children.
    """
    from ttconv import model

    found: list[tuple[Fraction, Fraction, list[str], str | None]] = []

    def walk(el: ContentElement, pb: Fraction, pe: Fraction | None) -> None:
        for child in el:
            begin, end = _interval(child, pb, pe)
            if isinstance(child, model.P):
                times: list[Fraction] = []
                clean = element_lines(child, times, begin, end)
                if child.get_begin() is None and child.get_end() is None and times:
                    begin, end = min(times), max(times)
                if any(clean):
                    found.append((begin, end if end is not None else begin, clean, child.get_id()))
            elif isinstance(child, model.Div | model.Body):
                walk(child, begin, end)

    body = doc.get_body()
    if body is not None:
        begin, end = _interval(body, Fraction(0), None)
        walk(body, begin, end)
    return found


_SCC_LINE = re.compile(r"^(\d{2}:\d{2}:\d{2}[:;.,]\d{2})(?:\t|\s+)((?:[0-9a-fA-F]{4}(?:\s+|$))*)\s*$")


def read_scc(name: str, text: str) -> SubtitleFile:
    """Scenarist SCC: each line is checked here (timecode, then 4-hex-digit words) so that a damaged or cut
    line is named; ttconv's reader then decodes the CEA-608 captions."""
    from ttconv.scc.reader import to_model

    lines = text.splitlines()
    if not lines or not lines[0].startswith("Scenarist_SCC"):
        raise FileFormatError(name, "not an SCC file: the first line must be 'Scenarist_SCC V1.0'", line=1)
    drop = False
    any_words = False
    for i, ln in enumerate(lines[1:], start=2):
        if not ln.strip():
            continue
        m = _SCC_LINE.match(ln.strip())
        if not m:
            raise FileFormatError(
                name,
                N_("bad caption line %(ln)r: expected HH:MM:SS;FF then hex words"),
                line=i,
                params={"ln": ln.strip()[:50]},
            )
        drop = drop or ";" in m.group(1)
        any_words = any_words or bool(m.group(2).strip())
    if not any_words:
        raise FileFormatError(name, "no caption data in the file")
    out = SubtitleFile(path=name, format="scc", frame_rate=Fraction(30000, 1001), drop_frame=drop, timecode_clock=True)
    with ttconv_log(out):
        try:
            doc = to_model(text)
        except Exception as exc:  # ttconv raises plain exceptions on data it cannot decode
            raise FileFormatError(
                name,
                N_("cannot decode the captions (%(kind)s: %(exc)s)"),
                params={"kind": exc.__class__.__name__, "exc": exc},
            ) from None
    for n, (b, e, lines_, ident) in enumerate(paragraphs(doc), start=1):
        out.subtitles.append(Subtitle(number=n, start=b, end=e, lines=lines_, ident=ident))
    if not out.subtitles:
        raise FileFormatError(name, "no caption in the file")
    return out


def read_ttml(name: str, data: bytes) -> SubtitleFile:
    """TTML and IMSC through ttconv's reader; XML that does not parse is named by its line."""
    import xml.etree.ElementTree as et

    from ttconv.imsc.reader import to_model

    try:
        root = et.fromstring(data)
    except et.ParseError as exc:
        line = exc.position[0] if exc.position else None
        msg = str(exc).split(":")[0]
        raise FileFormatError(
            name, N_("not well-formed XML (%(msg)s; file truncated?)"), line=line, params={"msg": msg}
        ) from None
    tree = et.ElementTree(root)
    if not root.tag.endswith("}tt") and root.tag != "tt":
        raise FileFormatError(
            name, N_("not a TTML document (root element %(tag)r, expected tt)"), params={"tag": root.tag}
        )
    out = SubtitleFile(path=name, format="ttml")
    with ttconv_log(out):
        try:
            doc = to_model(tree)
        except Exception as exc:  # ttconv raises plain exceptions on documents it refuses
            raise FileFormatError(
                name,
                N_("not a TTML document ttconv reads (%(kind)s: %(exc)s)"),
                params={"kind": exc.__class__.__name__, "exc": exc},
            ) from None
    if doc is None:
        raise FileFormatError(name, "not a TTML document")
    out.language = doc.get_lang() or None
    for n, (b, e, lines_, ident) in enumerate(paragraphs(doc), start=1):
        out.subtitles.append(Subtitle(number=n, start=b, end=e, lines=lines_, ident=ident))
    if not out.subtitles:
        raise FileFormatError(name, "no subtitle in the file")
    return out
