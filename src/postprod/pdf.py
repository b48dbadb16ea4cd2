"""HTML documents to PDF through WeasyPrint: the one place postprod prints (weekly report, cue sheet, change
list, QC report).

WeasyPrint draws text with Pango from the system; where it is missing, `PdfUnavailable` says what to
install in one line, and the HTML versions of the same documents still work.
"""

from __future__ import annotations

from postprod.errors import N_, PostprodError

PDF_LIBRARIES = "Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"


class PdfUnavailable(PostprodError):
    """WeasyPrint cannot load the system libraries it draws text with."""


def html_to_pdf(html: str) -> bytes:
    """A whole HTML document (its styles inline or embedded) as PDF."""
    try:
        from weasyprint import HTML  # ~0.3 s and Pango: only when a PDF is asked for
    except OSError as exc:  # cffi could not open Pango
        first = (str(exc).splitlines() or [""])[0]
        raise PdfUnavailable(
            N_("the PDF needs %(pdf_libraries)s: %(first)s; the HTML version works without"),
            params={"pdf_libraries": PDF_LIBRARIES, "first": first},
        ) from None
    result: bytes = HTML(string=html).write_pdf()
    return result
