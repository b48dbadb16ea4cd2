"""`postprod report weekly`: the weekly report pack as PDF or HTML (optionally issued: frozen, a revision)."""

from __future__ import annotations

from pathlib import Path

import typer

from postprod.cli._common import ProductionOpt, console
from postprod.errors import N_

app = typer.Typer(no_args_is_help=True)


@app.command("weekly")
def weekly(
    out: Path = typer.Option(..., "--out", help="FILE.pdf or FILE.html"),
    week: str | None = typer.Option(None, "--week", help="ISO week, e.g. 2027-W05 (default this week)."),
    lang: str = typer.Option("en", "--lang", help="fr or en"),
    issue: bool = typer.Option(False, "--issue", help="Freeze it as this week's report (a new revision)."),
    paragraph: str = typer.Option("", "--paragraph", help="The supervisor's word for the week."),
    production: str | None = ProductionOpt,
) -> None:
    """Status, milestones, schedule, cost and EFC trend, variances, risks, approvals, deliverables, next weeks."""
    from postprod.errors import InvalidInput

    if lang not in ("en", "fr"):
        raise InvalidInput(N_("invalid language %(lang)r: fr or en"), field="lang", params={"lang": lang})
    kind = out.suffix.lower()
    if kind not in (".pdf", ".html"):
        raise InvalidInput(N_("invalid output %(name)r: a .pdf or .html file"), field="out", params={"name": out.name})

    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import weekly_report as wr
    from postprod.services.common import get_production
    from postprod.web import weekly_report as render

    the_week = wr.parse_week(week)
    with session_scope() as s:
        prod = get_production(s, production)
        data = wr.assemble(s, prod, the_week)
        data["paragraph"] = paragraph
        if issue:
            data["revision"] = wr.next_revision(s, prod, the_week)
        body = render.pdf(data, lang) if kind == ".pdf" or issue else None
        if issue:
            wr.issue(s, prod, data, pdf=body, lang=lang, paragraph=paragraph)
    if kind == ".pdf":
        assert body is not None
        out.write_bytes(body)
    else:
        out.write_text(render.html(data, lang), encoding="utf-8")
    rev = f", revision {data['revision']}" if issue else ""
    console.print(f"{out}: {data['production']} week {the_week}{rev}, status {data['status']['colour']}")
