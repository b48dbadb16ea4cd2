"""Reader contract: read_cut(path, rate=None) -> Cut, dispatched by file extension.

Add a format by adding a module with a `read(path, rate, lenient, progress) -> Cut` function and
an entry in READERS; callers never change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction

from postprod.editorial.model import Cut
from postprod.editorial.readers.cmx3600 import read_edl
from postprod.errors import N_, FileFormatError
from postprod.timecode import parse_rate

Reader = Callable[[str, Fraction | None, bool, Callable[[float], None] | None], Cut]


def _edl(path: str, rate: Fraction | None, lenient: bool, progress: Callable[[float], None] | None) -> Cut:
    return read_edl(path, rate, lenient=lenient, progress=progress)


def _otio(adapter: str | None, fmt: str) -> Reader:
    def read(path: str, rate: Fraction | None, lenient: bool, progress: Callable[[float], None] | None) -> Cut:
        # OpenTimelineIO and its adapters load for these formats only: an EDL is read without them
        from postprod.editorial.readers.otio_reader import read_with_otio

        return read_with_otio(path, adapter=adapter, fmt=fmt, rate=rate, progress=progress)

    return read


READERS: dict[str, Reader] = {
    ".edl": _edl,
    ".xml": _otio("fcp_xml", "fcp7"),
    ".fcpxml": _otio("fcpx_xml", "fcpxml"),
    ".aaf": _otio("AAF", "aaf"),
    ".otio": _otio("otio_json", "otio"),
}


def read_cut(
    path: str | os.PathLike[str],
    rate: Fraction | str | int | None = None,
    *,
    lenient: bool = False,
    progress: Callable[[float], None] | None = None,
) -> Cut:
    """Read a cut from an EDL, FCP 7 XML, FCPXML, AAF or .otio file into the Cut model.

    rate: the frame rate (Fraction, or text such as "23.976" or "24000/1001"); None to infer it.
    lenient: import the good events of a partly broken file and list the rest in Cut.skipped.
    """
    p = os.fspath(path)
    ext = os.path.splitext(p)[1].lower()
    reader = READERS.get(ext)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise FileFormatError(
            p,
            N_("unknown cut format %(ext)r: expected one of %(known)s"),
            params={"ext": ext or "(no extension)", "known": known},
        )
    if not os.path.isfile(p):
        raise FileFormatError(p, N_("no such file"))
    exact = None if rate is None else parse_rate(rate, field="rate")
    return reader(p, exact, lenient, progress)


__all__ = ["READERS", "read_cut"]
