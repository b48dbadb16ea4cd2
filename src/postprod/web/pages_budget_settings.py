"""The budget page's settings forms: fringe groups (charges sociales), the exchange rates and percentage lines
of the draft shown, and the chart of accounts (an account added, renamed or renumbered).

Every write needs `budget.edit` and goes through the budget service, which refuses a locked version's
rates and percentage lines (409, the page says so in the form). A mistake shows the page again with the
message beside its field and what was typed kept; nothing is written.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from postprod.http_deps import Id, SessionDep
from postprod.model import BudgetVersion, Production
from postprod.services import budget as svc
from postprod.web.auth import FormDep, FormPrincipal
from postprod.web.budget_settings import codes, errors_for
from postprod.web.forms import text, texts
from postprod.web.pages_budget import attempt, editing, form_version

router = APIRouter()


def _attempt(
    request: Request, principal: Any, session: Any, prod: Production, form: Any, write: Any, which: str, values: Any
) -> Response:
    """The budget page's `attempt` for the settings form `which`, with that form's words for its mistakes."""
    return attempt(
        request, principal, session, prod, form, write, values=values, which=which, errors_of=errors_for(which)
    )


def _back(prod: Production, v: BudgetVersion | str, anchor: str, account: str = "") -> str:
    number = v.number if isinstance(v, BudgetVersion) else v
    url = f"/p/{prod.id}/budget?version={number}"
    return url + (f"&account={account}" if account else "") + f"#{anchor}"


@router.post("/p/{production_id}/budget/fringes", response_model=None)
def set_fringe(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A fringe group added or its percentage changed: the drafts follow, a locked version keeps its own."""
    prod = editing(session, principal, production_id)
    values = {"name": text(form, "name"), "percent": text(form, "percent")}

    def write() -> str:
        svc.set_fringe(session, prod, values["name"], values["percent"])
        return _back(prod, text(form, "version") or "current", "fringes", text(form, "open"))

    return _attempt(request, principal, session, prod, form, write, "fringe", values)


@router.post("/p/{production_id}/budget/rates", response_model=None)
def set_rate(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """An exchange rate of the draft shown, one unit of the currency in the version's own."""
    prod = editing(session, principal, production_id)
    values = {"currency": text(form, "currency"), "rate": text(form, "rate")}

    def write() -> str:
        v = svc.set_rate(session, form_version(session, prod, form), values["currency"], values["rate"])
        return _back(prod, v, "rates", text(form, "open"))

    return _attempt(request, principal, session, prod, form, write, "rate", values)


@router.post("/p/{production_id}/budget/percent-lines", response_model=None)
def add_percent_line(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Contingency, overhead, insurance or bond on the draft shown: a percentage of the accounts named, or of
    every account but those excluded, with other percentage lines in its base if asked."""
    prod = editing(session, principal, production_id)
    values: dict[str, Any] = {k: text(form, k) for k in ("name", "account", "percent", "on", "excluding")}
    values["includes"] = texts(form, "includes")

    def write() -> str:
        v = form_version(session, prod, form)
        svc.add_percent_line(
            session, prod, v, values["name"], values["account"], values["percent"], on=codes(values["on"]) or None,
            excluding=codes(values["excluding"]), includes=values["includes"],
        )  # fmt: skip
        return _back(prod, v, "percent-lines", text(form, "open"))

    return _attempt(request, principal, session, prod, form, write, "percent", values)


@router.post("/p/{production_id}/budget/percent-lines/{line_id}/delete", response_model=None)
def remove_percent_line(
    production_id: Id, line_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A percentage line taken out of the draft shown (kept while another line includes it)."""
    prod = editing(session, principal, production_id)

    def write() -> str:
        v = form_version(session, prod, form)
        svc.remove_percent_line(session, v, line_id)
        return _back(prod, v, "percent-lines", text(form, "open"))

    return _attempt(request, principal, session, prod, form, write, "percent_list", {})


@router.post("/p/{production_id}/budget/accounts", response_model=None)
def add_account(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """An account added to the chart under one of its chapters."""
    prod = editing(session, principal, production_id)
    values = {k: text(form, k) for k in ("code", "name", "chapter", "department", "resource")}

    def write() -> str:
        a = svc.add_account(
            session, prod, values["code"], values["name"], values["chapter"],
            department=values["department"] or None, resource=values["resource"] or None,
        )  # fmt: skip
        return _back(prod, text(form, "version") or "current", f"acc-{a.code}", a.code)

    return _attempt(request, principal, session, prod, form, write, "account", values)


@router.post("/p/{production_id}/budget/accounts/change", response_model=None)
def change_account(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """The open account renamed, renumbered (every version's lines follow), or given a department or resource."""
    prod = editing(session, principal, production_id)
    values = {k: text(form, k) for k in ("new_code", "name", "department", "resource")}

    def write() -> str:
        a = svc.update_account(
            session, prod, text(form, "account"), new_code=values["new_code"], name=values["name"],
            department=values["department"], resource=values["resource"],
        )  # fmt: skip
        return _back(prod, text(form, "version") or "current", f"acc-{a.code}", a.code)

    return _attempt(request, principal, session, prod, form, write, "account_edit", values)
