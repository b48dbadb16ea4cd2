"""The weekly report as HTML and PDF: one template (`_weekly_report.html`) for the page and the print.

The EFC trend is an SVG drawn by matplotlib (Agg, no display); the PDF is WeasyPrint's, which needs
Pango from the system: where it is missing, `PdfUnavailable` says what to install.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from postprod.pdf import PdfUnavailable, html_to_pdf
from postprod.web.render import environment

__all__ = ["PdfUnavailable", "html", "pdf", "trend_svg"]


def trend_svg(data: dict[str, Any], lang: str) -> Markup | None:
    """The EFC trend (frozen snapshots) against the current budget, as an SVG image; None with no point."""
    cost = data.get("cost") or {}
    points = tuple((p["as_of"], p["efc"], p["budget"]) for p in cost.get("trend") or [])
    return _trend(points, lang) if points else None


@lru_cache(maxsize=64)
def _trend(points: tuple[tuple[str, str, str], ...], lang: str) -> Markup:
    """Drawn once per set of points (frozen snapshots do not change): matplotlib takes tens of milliseconds."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from postprod.web.render import _num, gettext_for, short_day

    _ = gettext_for(lang)
    days = range(len(points))  # one place per snapshot, named by its day: "04/12" in French, "12/4" in English
    fig = Figure(figsize=(6.4, 2.2), dpi=72)
    ax = fig.add_subplot()
    ax.plot(days, [float(Decimal(p[1])) for p in points], marker="o", color="#b03a2e", label=_("EFC"))
    ax.plot(days, [float(Decimal(p[2])) for p in points], linestyle="--", color="#555", label=_("Budget"))
    ax.set_xticks(days, [short_day(date.fromisoformat(p[0]), lang) for p in points])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _num(v, lang, 0)))  # 120 000 in French
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg")
    encoded = base64.b64encode(out.getvalue().encode()).decode()
    # An image (not inline SVG): WeasyPrint draws SVG images with their own styles; the page's CSP allows data:.
    return Markup('<img src="data:image/svg+xml;base64,{}" alt="{}" class="trend">').format(encoded, _("EFC trend"))


def html(data: dict[str, Any], lang: str, *, standalone: bool = True) -> str:
    """The report as a whole HTML document (for the PDF and `--out x.html`)."""
    env = environment(lang)
    return env.get_template("weekly_report_print.html").render(r=data, chart=trend_svg(data, lang), lang=lang)


def pdf(data: dict[str, Any], lang: str) -> bytes:
    """The report as PDF; PdfUnavailable when the system lacks what WeasyPrint needs."""
    return html_to_pdf(html(data, lang))
