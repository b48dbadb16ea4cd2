"""EBU STL (Tech 3264) read for QC, and written for delivery.

Reading uses ttconv's header parser (frame rate, code table, language) and its text-field decoder, but
walks the text blocks here: ttconv's own reader moves a subtitle that starts before the previous one
ends, drops one whose timecode does not parse or that ends before it starts, and keeps no subtitle
number, where QC must report each of these at its subtitle number.

ttconv 1.2 has no EBU STL writer, so the file is written here: a GSI block and one 128-byte TTI block
per subtitle (more for long text), the text in the Latin code table (ISO 6937, the inverse of ttconv's
decoding table), italics as the 0x80/0x81 control codes.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from postprod.errors import N_, FileFormatError
from postprod.qc.timed_text import Subtitle, SubtitleFile, element_lines, ttconv_log
from postprod.timecode import frames_to_tc, nominal_fps, supports_drop_frame, tc_to_frames

GSI_SIZE, TTI_SIZE, TF_SIZE = 1024, 128, 112
_TTI = struct.Struct("<BHBBBBBBBBBBBBB112s")
_DFC = {
    Fraction(24000, 1001): b"STL23.01",
    Fraction(24): b"STL24.01",
    Fraction(25): b"STL25.01",
    Fraction(30000, 1001): b"STL30.01",
    Fraction(50): b"STL50.01",
}
_CODE_TABLES = (b"00", b"01", b"02", b"03", b"04")
ITALIC_ON, ITALIC_OFF, NEWLINE, UNUSED = 0x80, 0x81, 0x8A, 0x8F


def _italics_error(tf: bytes) -> str | None:
    on = False
    for c in tf:
        if c == ITALIC_ON:
            on = True
        elif c == ITALIC_OFF:
            if not on:
                return "italics closed but never opened"
            on = False
    return "italics opened but never closed" if on else None


def read_stl(name: str, data: bytes) -> SubtitleFile:
    """The subtitles of an EBU STL file, with their subtitle numbers (SN) and timecodes as written."""
    from ttconv import model
    from ttconv.stl import tf
    from ttconv.stl.datafile import DataFile

    if len(data) < GSI_SIZE:
        raise FileFormatError(
            name, N_("truncated: %(n)s bytes, shorter than the 1024-byte GSI header"), params={"n": len(data)}
        )
    rest = (len(data) - GSI_SIZE) % TTI_SIZE
    if rest:
        block = (len(data) - GSI_SIZE) // TTI_SIZE + 1
        raise FileFormatError(
            name,
            N_("truncated: text block %(block)s has %(rest)s of its %(tti_size)s bytes"),
            params={"block": block, "rest": rest, "tti_size": TTI_SIZE},
        )
    gsi = data[:GSI_SIZE]
    if gsi[3:11] not in _DFC.values():
        raise FileFormatError(name, N_("not an EBU STL file (disk format code %(gsi)r)"), params={"gsi": gsi[3:11]})
    if gsi[12:14] not in _CODE_TABLES:
        raise FileFormatError(
            name,
            N_("unknown character code table %(gsi)r (CCT): wrong encoding"),
            params={"gsi": gsi[12:14].decode("latin-1")},
        )
    out = SubtitleFile(path=name, format="stl", timecode_clock=True)
    with ttconv_log(out):
        header = DataFile(gsi)
    rate = out.frame_rate = header.get_fps()
    fps = nominal_fps(rate)
    drop = out.drop_frame = supports_drop_frame(rate)
    out.language = header.get_language() or None
    blocks = (len(data) - GSI_SIZE) // TTI_SIZE
    try:
        announced = int(gsi[238:243])
    except ValueError:
        announced = blocks
    if blocks < announced:
        raise FileFormatError(
            name,
            N_("truncated: the header announces %(announced)s text blocks, the file holds %(blocks)s"),
            params={"announced": announced, "blocks": blocks},
        )
    tcp = gsi[256:264].decode("latin-1")
    if tcp.isdigit():
        hh, mm, ss, ff = (int(tcp[i : i + 2]) for i in (0, 2, 4, 6))
        if mm < 60 and ss < 60 and ff < fps:
            out.start_timecode = f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"
    teletext = header.is_teletext()
    cct = header.get_cct()
    doc = model.ContentDocument()
    text = b""
    for i in range(blocks):
        off = GSI_SIZE + i * TTI_SIZE
        sgn, sn, ebn, cs, *tc, vp, jc, cf, field_ = _TTI.unpack_from(data, off)
        if 0xEF < ebn < 0xFF:  # user data and reserved blocks
            continue
        text += field_
        if ebn != 0xFF:  # an extension block: the subtitle's text goes on in the next block
            continue
        tf_bytes, text = text, b""
        if cf == 1:  # a comment, not shown
            continue
        times = []
        for which, (h, m, s, f) in (("in", tc[:4]), ("out", tc[4:])):
            if h > 23 or m > 59 or s > 59 or f >= fps or (drop and s == 0 and f < 2 and m % 10):
                raise FileFormatError(
                    name,
                    N_("subtitle %(sn)s (text block %(i)s): bad time %(which)s %(h)s:%(m)s:%(s)s:%(f)s"),
                    params={
                        "sn": sn,
                        "i": i + 1,
                        "which": which,
                        "h": format(h, "02d"),
                        "m": format(m, "02d"),
                        "s": format(s, "02d"),
                        "f": format(f, "02d"),
                    },
                )
            # postprod's timecode, not ttconv's SmpteTimeCode, which counts 23.976 as drop-frame too
            tc_text = f"{h:02d}:{m:02d}:{s:02d}{';' if drop else ':'}{f:02d}"
            times.append(Fraction(tc_to_frames(tc_text, rate, drop)) / rate)
        p = model.P(doc)
        clean = tf_bytes.rstrip(bytes([UNUSED]))
        with ttconv_log(out):
            tf.to_model(p, teletext, cct, clean)
        lines = element_lines(p)
        out.subtitles.append(
            Subtitle(number=sn, start=times[0], end=times[1], lines=lines, italics_error=_italics_error(clean))
        )
    if not out.subtitles:
        raise FileFormatError(name, "no subtitle in the file")
    return out


# --- writing --------------------------------------------------------------------------------------

Run = tuple[str, bool]  # text and whether it is italic


@dataclass
class StlSubtitle:
    """A subtitle to write: frames on the file's timecode clock (start timecode included) and its lines."""

    number: int
    start_frame: int
    end_frame: int
    lines: list[list[Run]]


def _encoding_table() -> dict[str, bytes]:
    from ttconv.stl import iso6937

    table: dict[str, bytes] = {chr(c): bytes([c]) for c in range(0x20, 0x7F)}
    for raw, char in iso6937._CCT0_DECODE_MAP.items():  # the library's decoding table, inverted
        table.setdefault(char, raw)
    table["\u00a0"] = b"\x20"
    return table


_TABLE: dict[str, bytes] | None = None


def encode_line(runs: Sequence[Run]) -> bytes:
    """One row of text in ISO 6937, italics switched on and off around italic runs; '?' for a character
    the Latin code table does not have."""
    global _TABLE
    table = _TABLE = _TABLE or _encoding_table()
    out = bytearray()
    for text, italic in runs:
        if italic:
            out.append(ITALIC_ON)
        for ch in text:
            out += table.get(ch, b"?")
        if italic:
            out.append(ITALIC_OFF)
    return bytes(out)


def _tc_digits(frames: int, rate: Fraction) -> str:
    return frames_to_tc(frames, rate, supports_drop_frame(rate)).replace(":", "").replace(";", "")


def _gsi(
    rate: Fraction, count: int, start_frame: int, first_frame: int, language: str, title: str, max_chars: int
) -> bytes:
    lang_codes = {"en": b"09", "fr": b"0F", "de": b"08", "es": b"0A", "it": b"15", "nl": b"1D", "pt": b"21"}
    today = date.today().strftime("%y%m%d").encode()

    def pad(value: bytes, size: int) -> bytes:
        return value[:size].ljust(size, b" ")

    gsi = b"".join(
        [
            b"850",  # CPN: code page of the header
            _DFC[rate],
            b"0",  # DSC: open subtitling
            b"00",  # CCT: Latin, ISO 6937
            lang_codes.get(language.split("-")[0].lower(), b"00"),
            pad(title.encode("latin-1", "replace"), 32),  # OPT
            pad(b"", 32),  # OET
            pad(title.encode("latin-1", "replace"), 32),  # TPT
            pad(b"", 32),  # TET
            pad(b"", 32),  # TN
            pad(b"", 32),  # TCD
            pad(b"", 16),  # SLR
            today,  # CD
            today,  # RD
            b"00",  # RN
            f"{count:05d}".encode(),  # TNB
            f"{count:05d}".encode(),  # TNS
            b"001",  # TNG
            f"{max_chars:02d}".encode(),  # MNC
            b"23",  # MNR
            b"1",  # TCS: timecodes are for use
            _tc_digits(start_frame, rate).encode(),  # TCP
            _tc_digits(first_frame, rate).encode(),  # TCF
            b"1",  # TND
            b"1",  # DSN
            b"   ",  # CO
            pad(b"", 32),  # PUB
            pad(b"", 32),  # EN
            pad(b"", 32),  # ECD
            pad(b"", 75),  # spare
            pad(b"", 576),  # UDA
        ]
    )
    assert len(gsi) == GSI_SIZE
    return gsi


def write_stl(
    subtitles: Sequence[StlSubtitle],
    rate: Fraction,
    *,
    start_frame: int = 0,
    language: str = "",
    title: str = "",
) -> bytes:
    """An EBU STL file (open subtitles, Latin code table) of the subtitles, bottom-aligned and centred."""
    if rate not in _DFC:
        raise FileFormatError(
            "EBU STL", N_("no EBU STL frame rate for %(rate)s (23.976, 24, 25, 29.97 or 50)"), params={"rate": rate}
        )
    fps = nominal_fps(rate)
    blocks: list[bytes] = []
    max_chars = 0
    for sub in subtitles:
        rows = [encode_line(line) for line in sub.lines] or [b""]
        max_chars = max(max_chars, *(len(r) for r in rows))
        tf_ = bytes([NEWLINE]).join(rows)
        chunks = [tf_[i : i + TF_SIZE] for i in range(0, max(1, len(tf_)), TF_SIZE)]
        vp = max(1, 20 - (len(rows) - 1))
        tci, tco = (divmod_tc(f, rate, fps) for f in (sub.start_frame, sub.end_frame))
        for k, chunk in enumerate(chunks):
            ebn = 0xFF if k == len(chunks) - 1 else k
            blocks.append(
                _TTI.pack(1, sub.number & 0xFFFF, ebn, 0, *tci, *tco, vp, 2, 0, chunk.ljust(TF_SIZE, b"\x8f"))
            )
    first = subtitles[0].start_frame if subtitles else start_frame
    return _gsi(rate, len(blocks), start_frame, first, language, title, min(99, max(max_chars, 1))) + b"".join(blocks)


def divmod_tc(frames: int, rate: Fraction, fps: int) -> tuple[int, int, int, int]:
    """(hours, minutes, seconds, frames) of a frame count, drop-frame at 29.97 as ttconv reads it."""
    text = frames_to_tc(frames, rate, supports_drop_frame(rate)).replace(";", ":")
    h, m, s, f = (int(x) for x in text.split(":"))
    return h, m, s, f
