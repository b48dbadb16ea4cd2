"""A new production from a template, on the home page: title, template, runtime, frame rate, languages,
delivery dates and start; its creator becomes its supervisor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from postprod.errors import InvalidInput, NotFound, PostprodError
from postprod.http_deps import SessionDep
from postprod.services import productions as svc
from postprod.services import users as users_svc
from postprod.services.principal import Principal
from postprod.services.templates import load_template
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, page_context
from postprod.web.forms import again, done, errors_of, refused, text, whole
from postprod.web.render import render

router = APIRouter()


def N_(text: str) -> str:
    """Marks a string for the catalogue; translated where it is shown."""
    return text


# The packaged templates' titles, for the catalogue (templates/*.yaml name them in English).
TEMPLATE_TITLES = (
    N_("Disc authoring"),
    N_("Documentary"),
    N_("Feature film"),
    N_("Music programme"),
    N_("Series episode"),
    N_("Short film"),
)
FRAME_RATES = ["23.976", "24", "25", "29.97", "30", "48", "50", "59.94", "60"]
DELIVERY_ROWS = 3


def _hints(_: Any) -> dict[str, str]:
    return {
        "title": _("Give the production a title."),
        "template": _("Pick one of the templates."),
        "runtime": _("Minutes between 1 and 1000."),
        "fps": _("A frame rate such as 24, 25 or 23.976."),
        "languages": _("Language codes separated by commas, the original first: fr, en, de."),
        "delivery": _("Each delivery needs a date after the start, and its own label."),
        "start": _("A date (YYYY-MM-DD)."),
    }


def home_page(
    request: Request,
    principal: Principal,
    session: Session,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The productions the user has a role in, and for those who may, the form of a new one."""
    prods = [p for p in svc.list_productions(session) if principal.can("production.read", Resource(p.id))]
    _ = page_context(request, principal)["_t"]
    ctx = page_context(
        request,
        principal,
        productions=prods,
        can_create=principal.can("production.create", Resource(None)),
        template_options=[
            (t["name"], _("%(title)s (%(tasks)s tasks)") % {"title": _(t["title"]), "tasks": t["tasks"]})
            for t in svc.templates()
        ],
        frame_rates=FRAME_RATES,
        values=values or {"template": "feature-film", "runtime": "100", "fps": "24", "languages": "fr"},
        errors=errors or {},
        delivery_rows=DELIVERY_ROWS,
    )
    return again(request, "home.html", ctx) if errors else render(request, "home.html", ctx)


def _deliveries(labels: list[str], days: list[str]) -> list[str]:
    """The rows of the form as the service's "label=date" items (a row with no date is left out)."""
    out = []
    for i, day in enumerate(days):
        label = labels[i].strip() if i < len(labels) else ""
        if day.strip():
            out.append(f"{label}={day.strip()}" if label else day.strip())
    return out


@router.post("/productions/new", response_model=None)
def create_production(request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Create the production from its template and make its creator its supervisor."""
    principal.require("production.create", Resource(None))
    _ = page_context(request, principal)["_t"]
    labels = [str(v) for v in form.getlist("delivery_label")]
    days = [str(v) for v in form.getlist("delivery_date")]
    values: dict[str, Any] = {
        **{k: text(form, k) for k in ("title", "template", "runtime", "fps", "languages", "start")},
        "deliveries": list(zip(labels, days, strict=False)),
        "with_crew": bool(form.get("with_crew")),
    }
    try:
        try:
            load_template(values["template"])
        except NotFound:
            raise InvalidInput(
                N_("unknown template %(template)r"), field="template", params={"template": values["template"]}
            ) from None
        prod = svc.create_production(
            session,
            title=values["title"],
            template=values["template"],
            runtime_minutes=whole(values["runtime"], "runtime"),
            fps=values["fps"] or "24",
            languages=values["languages"],
            deliveries=_deliveries(labels, days) or None,
            start=values["start"] or None,
            with_crew=values["with_crew"],
        )
        users_svc.grant(session, principal.user, prod, "supervisor")
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        refused(session, exc)
        return home_page(request, principal, session, values, errors_of(exc, _, _hints(_)))
    return done(request, f"/p/{prod.id}")
