"""The cost report page: per account, rolled up by chapter or department, as of a date, with the overruns
marked, a drill-down from a figure to the actuals behind it, snapshots and the EFC trend (an SVG drawn here).

Every page needs the budget right (`budget.read`); taking a snapshot needs `budget.edit`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from postprod.budget.report import Figures, Report
from postprod.errors import N_, InvalidInput, NotFound, PostprodError
from postprod.http_deps import Id, SessionDep
from postprod.model import CostSnapshot, Production
from postprod.services import budget, cost_detail, costs
from postprod.services.common import parse_date
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import done, errors_of, refused, text
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()

CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 640, 220, 90, 28, 12


def _as_of(value: str) -> date:
    return parse_date(value, "as_of") if value.strip() else date.today()


def grouped(rep: Report, by: str, prod: Production, chapter_names: dict[str, str]) -> list[dict[str, Any]]:
    """The report's accounts under their chapters (or departments), each group with its roll-up."""
    if by == "department":
        names = {d.code: d.name for d in prod.departments}
        keys: list[str] = [d.code for d in sorted(prod.departments, key=lambda d: d.position)]
        keys += [k for k in rep.departments if k not in keys]
        totals = rep.departments

        def key_of(row: Any) -> str:
            return str(row.department or "")
    else:
        names = chapter_names
        keys = list(rep.chapters)
        totals = rep.chapters

        def key_of(row: Any) -> str:
            return str(row.chapter)

    out = []
    for k in keys:
        rows = [r for r in rep.rows if key_of(r) == k]
        if not rows:
            continue
        out.append({"code": k, "name": names.get(k, ""), "figures": totals.get(k, Figures()), "rows": rows})
    return out


def trend_chart(snapshots: list[CostSnapshot]) -> dict[str, Any] | None:
    """The EFC and the current budget of each snapshot as two polylines in an SVG box (None before two points)."""
    points = [
        (s.as_of, Decimal(s.report["totals"]["efc"]), Decimal(s.report["totals"]["current_budget"])) for s in snapshots
    ]
    if len(points) < 2:
        return {"points": points, "efc": "", "budget": "", "ticks": []} if points else None
    low = min(min(e, b) for _d, e, b in points)
    high = max(max(e, b) for _d, e, b in points)
    span = (high - low) or Decimal(1)
    first, last = points[0][0], points[-1][0]
    days = (last - first).days or 1
    width, height = CHART_W - PAD_L - 10, CHART_H - PAD_B - PAD_T

    def xy(day: date, amount: Decimal) -> str:
        x = PAD_L + width * (day - first).days / days
        y = PAD_T + float((high - amount) / span) * height
        return f"{x:.1f},{y:.1f}"

    return {
        "points": points,
        "efc": " ".join(xy(d, e) for d, e, _b in points),
        "budget": " ".join(xy(d, b) for d, _e, b in points),
        "dots": [(xy(d, e).split(","), d, e) for d, e, _b in points],
        "high": high,
        "low": low,
        "first": first,
        "last": last,
        "w": CHART_W,
        "h": CHART_H,
        "left": PAD_L,
        "top": PAD_T,
        "bottom": CHART_H - PAD_B,
    }


def _report_page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    *,
    as_of: str = "",
    by: str = "chapter",
    errors: dict[str, str] | None = None,
    etc_errors: dict[str, str] | None = None,
    etc_values: dict[str, str] | None = None,
    etc_account: str = "",
    status: int = 200,
) -> HTMLResponse:
    errors = dict(errors or {})
    _ = gettext_for(language_of(request, principal.user.language))
    rep, day = None, date.today()
    try:
        day = _as_of(as_of)
        rep = costs.report(session, prod, day)
    except InvalidInput as exc:
        errors.setdefault(exc.field or "as_of", _("A date (YYYY-MM-DD) within the production."))
        status = 422
    except NotFound:
        rep = None
    snaps = costs.snapshots(session, prod)
    overrides = costs.etc_overrides(session, prod)
    if etc_account and etc_values is None:  # "change": the form filled with the account's ETC as set
        etc_values = next(
            ({"account": o.account, "amount": format(o.amount, "f"), "note": o.note} for o in overrides
             if o.account == etc_account),
            None,
        )  # fmt: skip
    ctx = page_context(
        request,
        principal,
        prod,
        active="costs",
        rep=rep,
        groups=grouped(rep, by, prod, {c.code: c.name for c in budget.chapters(session, prod)}) if rep else [],
        by=by,
        as_of=day.isoformat(),
        typed_as_of=as_of,
        snapshots=snaps,
        chart=trend_chart(snaps),
        can_edit=principal.can("budget.edit", Resource(prod.id)),
        errors=errors,
        overrides=overrides,
        account_names={r.code: r.name for r in rep.rows} if rep else {},
        account_options=[(r.code, f"{r.code} {r.name}") for r in rep.rows] if rep else [],
        etc_errors=etc_errors or {},
        etc_values=etc_values or {},
    )
    return render(request, "cost_report.html", ctx, status_code=status)


@router.get("/p/{production_id}/costs", response_class=HTMLResponse)
def cost_report_page(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    as_of: str = Query("", max_length=10),
    by: str = Query("chapter", pattern="^(chapter|department)$"),
    etc: str = Query("", max_length=16, description="An account whose ETC set by hand the form is to change"),
) -> HTMLResponse:
    """The cost report as of a date, by chapter or by department, with the EFC trend of the snapshots."""
    prod = production_for(session, principal, production_id, "budget.read")
    return _report_page(request, principal, session, prod, as_of=as_of, by=by, etc_account=etc)


@router.get("/p/{production_id}/costs/detail", response_class=HTMLResponse)
def cost_detail_page(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    account: str = Query("", max_length=16),
    as_of: str = Query("", max_length=10),
) -> HTMLResponse:
    """The time, invoices and open orders behind one account's figures."""
    prod = production_for(session, principal, production_id, "budget.read")
    if not account:  # the first account of the chart when none is named
        first = budget.accounts(session, prod)
        if not first:
            raise NotFound(N_("%(title)r has no budget yet"), params={"title": prod.title})
        account = first[0].code
    detail = cost_detail.actuals_behind(session, prod, account, _as_of(as_of))
    ctx = page_context(request, principal, prod, active="costs", d=detail)
    return render(request, "cost_detail.html", ctx)


@router.post("/p/{production_id}/costs/snapshot", response_model=None)
def take_snapshot(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Freeze the cost report as of a date (today by default); a date already frozen is refused beside it."""
    prod = production_for(session, principal, production_id, "budget.read")
    principal.require("budget.edit", Resource(prod.id))
    _ = gettext_for(language_of(request, principal.user.language))
    typed = text(form, "as_of")
    try:
        costs.snapshot(session, prod, _as_of(typed))
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        errors = errors_of(exc, _, {"as_of": _("A date (YYYY-MM-DD) within the production.")})
        if exc.field == "as_of" and "already" in exc.message:
            errors = {"as_of": _("The cost report of this date is already frozen.")}
        refused(session, exc)
        return _report_page(request, principal, session, prod, as_of=typed, errors=errors, status=422)
    return done(request, f"/p/{prod.id}/costs" + (f"?as_of={typed}" if typed else "") + "#trend")


def _etc_hints(_: Any) -> dict[str, str]:
    return {
        "account": _("Pick an account of the chart."),
        "amount": _("An amount of zero or more, e.g. 12000 or 12 000,50."),
        "note": _("Say why the estimate is set by hand (at most 2,000 characters)."),
    }


def _etc_write(
    request: Request, principal: Principal, session: Session, prod: Production, form: FormData, write: Any
) -> Response:
    """Run an ETC write and go back to the report; refused, the report again with the mistake beside its field."""
    _ = gettext_for(language_of(request, principal.user.language))
    typed, by = text(form, "as_of"), text(form, "by")
    by = by if by in ("chapter", "department") else "chapter"
    values = {k: text(form, k) for k in ("account", "amount", "note")}
    try:
        write(values)
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        errors = errors_of(exc, _, _etc_hints(_))
        refused(session, exc)
        return _report_page(request, principal, session, prod, as_of=typed, by=by, etc_errors=errors,
                            etc_values=values, status=422)  # fmt: skip
    query = "&".join(x for x in (f"as_of={typed}" if typed else "", f"by={by}" if by != "chapter" else "") if x)
    return done(request, f"/p/{prod.id}/costs" + (f"?{query}" if query else "") + "#etc")


@router.post("/p/{production_id}/costs/etc", response_model=None)
def set_etc(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """An account's estimate to complete set by hand, with the note saying why; it replaces the computed one."""
    prod = production_for(session, principal, production_id, "budget.read")
    principal.require("budget.edit", Resource(prod.id))

    def write(values: dict[str, str]) -> None:
        if not values["account"]:
            raise InvalidInput("pick an account", field="account")
        costs.set_etc(session, prod, values["account"], values["amount"], values["note"])

    return _etc_write(request, principal, session, prod, form, write)


@router.post("/p/{production_id}/costs/etc/clear", response_model=None)
def clear_etc(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """An account's estimate to complete computed again (from the plan, or what is left of its budget)."""
    prod = production_for(session, principal, production_id, "budget.read")
    principal.require("budget.edit", Resource(prod.id))

    def write(values: dict[str, str]) -> None:
        costs.clear_etc(session, prod, values["account"])

    return _etc_write(request, principal, session, prod, form, write)
