"""Reading any subtitle file postprod knows: the format told by its name or its first bytes, then its reader.

The readers live beside their formats (qc/timed_text.py for SRT, WebVTT, SCC and TTML; qc/ebu_stl.py for
EBU STL); this module only chooses between them, so neither imports the other.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from postprod.errors import N_, FileFormatError
from postprod.qc.ebu_stl import read_stl
from postprod.qc.timed_text import (
    _SUFFIXES,
    FORMAT_NAMES,
    FORMATS,
    MAX_BYTES,
    SubtitleFile,
    decode_text,
    read_scc,
    read_srt,
    read_ttml,
    read_vtt,
)


def detect_format(path: str | os.PathLike[str], head: bytes) -> str:
    """The format from the file's first bytes, else from its suffix; FileFormatError when neither says."""
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"WEBVTT"):
        return "vtt"
    if text.startswith(b"Scenarist_SCC"):
        return "scc"
    if len(head) >= 11 and head[3:11] in (b"STL23.01", b"STL24.01", b"STL25.01", b"STL30.01", b"STL50.01"):
        return "stl"
    if text.startswith(b"<") and b"<tt" in head:
        return "ttml"
    suffix = _SUFFIXES.get(Path(path).suffix.lower())
    if suffix:
        return suffix
    if re.match(rb"^\s*\d+\s*\r?\n\s*\d", text):
        return "srt"
    raise FileFormatError(
        str(path),
        N_("not a subtitle file postprod reads (%(values)s)"),
        params={"values": ", ".join(FORMAT_NAMES.values())},
    )


def read_subtitles(
    path: str | os.PathLike[str], fmt: str | None = None, *, encoding: str | None = None
) -> SubtitleFile:
    """Read a subtitle file; a file that cannot be read (bad timecode, wrong encoding, truncated) is one
    FileFormatError naming the file and, where known, the line."""
    name = str(path)
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(name, "no such file")
    size = p.stat().st_size
    if size == 0:
        raise FileFormatError(name, "empty file")
    if size > MAX_BYTES:
        raise FileFormatError(
            name,
            N_("larger than %(max_bytes)s MB: not a subtitle file"),
            params={"max_bytes": MAX_BYTES // (1024 * 1024)},
        )
    data = p.read_bytes()
    fmt = fmt or detect_format(path, data[:2048])
    if fmt not in FORMATS:
        raise FileFormatError(
            name,
            N_("unknown subtitle format %(fmt)r (one of %(formats)s)"),
            params={"fmt": fmt, "formats": ", ".join(FORMATS)},
        )
    if fmt == "stl":
        return read_stl(name, data)
    if fmt == "ttml":
        declared = re.search(rb"""^<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)""", data.lstrip(codecs.BOM_UTF8)[:200])
        if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
            decode_text(name, data, encoding)  # a byte that is not UTF-8 is named as such, not as bad XML
        return read_ttml(name, data)
    text = decode_text(name, data, encoding)
    if fmt == "srt":
        return read_srt(name, text)
    if fmt == "vtt":
        return read_vtt(name, text)
    return read_scc(name, text)
