"""The budget page: the version as a tree of chapters, accounts and lines, its versions, lines edited in place,
lock, revise, a first draft from the plan, and two versions compared line by line.

Money: every page here needs the budget right (`budget.read`), every write `budget.edit`. The tree opens one
account's lines at a time (`?account=`), so a budget of thousands of lines stays a short page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from postprod.errors import Conflict, InvalidInput, PostprodError
from postprod.http_deps import Id, SessionDep
from postprod.model import BudgetStatus, BudgetVersion, Production
from postprod.services import budget as svc
from postprod.services.budget_compare import compare
from postprod.services.budget_draft import draft_from_plan
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.budget_settings import SETTINGS_FORMS, settings_context
from postprod.web.forms import done, is_htmx, refused, text
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()

LINE_FIELDS = ("account", "description", "quantity", "unit", "rate", "currency", "fringe", "vat_rate")
VERSION_REF = Query("current", max_length=16)


def _hints(_: Any) -> dict[str, str]:
    return {
        "account": _("Pick an account of the chart."),
        "quantity": _("A quantity of zero or more, e.g. 12 or 2.5."),
        "rate": _("An amount of zero or more, e.g. 450 or 450.50."),
        "currency": _("A currency with a rate in this version (or the version's own)."),
        "fringe": _("Pick a fringe group of the production."),
        "vat_rate": _("A VAT rate between 0 and 100, e.g. 20."),
        "unit": _("Pick a unit."),
        "description": _("At most 500 characters."),
        "reason": _("Say why the budget is revised."),
    }


def _errors(exc: PostprodError, _: Any) -> dict[str, str]:
    """The message beside its field; a locked version says so in the page's own words."""
    field = exc.field or "form"
    if isinstance(exc, Conflict) and field == "version":
        return {"version": _("This version is locked: make a revision to change it.")}
    if isinstance(exc, Conflict):
        return {field: _("Already taken or in use: %(detail)s") % {"detail": exc.said(_)}}
    return {field: _hints(_).get(field, exc.said(_))}


def _reading(session: Session, principal: Principal, production_id: int) -> Production:
    return production_for(session, principal, production_id, "budget.read")


def _version_or_none(session: Session, prod: Production, ref: str) -> BudgetVersion | None:
    if not svc.versions(session, prod):
        return None
    return svc.get_version(session, prod, ref)


def budget_tree(view: svc.BudgetView, open_account: str) -> list[dict[str, Any]]:
    """Chapters with their accounts (only those with an amount or lines) and the open account's lines."""
    lines_of: dict[str, list[svc.LineView]] = defaultdict(list)
    for line in view["lines"]:
        lines_of[line["account"]].append(line)
    percent_of: dict[str, list[svc.PercentRow]] = defaultdict(list)
    for p in view["percent_lines"]:
        percent_of[p["account"]].append(p)
    tree: list[dict[str, Any]] = []
    by_chapter: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in view["accounts"]:
        count = a["line_count"]
        by_chapter[a["chapter"]].append(
            {**a, "count": count, "percent_lines": percent_of[a["code"]],
             "lines": lines_of[a["code"]] if a["code"] == open_account else [], "open": a["code"] == open_account}
        )  # fmt: skip
    for ch in view["chapters"]:
        accs = by_chapter.get(ch["code"], [])
        tree.append({**ch, "accounts": accs, "used": any(a["count"] or a["percent_lines"] for a in accs)})
    return tree


def _page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    *,
    version: str = "current",
    account: str = "",
    edit: int | None = None,
    which: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page; `which` names the settings form a refused post came from (its errors and values go there)."""
    v = _version_or_none(session, prod, version)
    view = svc.budget_view(session, prod, v, account=account) if v is not None else None
    can_edit = principal.can("budget.edit", Resource(prod.id))
    draft = v is not None and v.status == BudgetStatus.DRAFT
    _ = gettext_for(language_of(request, principal.user.language))
    groups = svc.fringes(session, prod)
    extra: dict[str, Any] = {}
    if v is not None and view is not None:
        extra = settings_context(session, prod, v, view, account, which, errors or {}, values or {})
        if which in SETTINGS_FORMS:
            errors, values = {}, None
    ctx = page_context(
        request,
        principal,
        prod,
        active="budget",
        v=v,
        view=view,
        tree=budget_tree(view, account) if view is not None else [],
        versions=svc.versions(session, prod),
        account=account,
        edit=edit,
        can_edit=can_edit,
        editable=can_edit and draft,
        account_options=[(a["code"], f"{a['code']} {a['name']}") for a in view["accounts"]] if view else [],
        fringe_options=[(f, f) for f in sorted(groups)],
        fringe_groups=groups,
        units_options=[(u, _(u)) for u in svc.UNITS],
        resource_options=[("person", _("people's days")), ("room", _("rooms' days"))],
        department_options=[(d.code, _(d.name)) for d in sorted(prod.departments, key=lambda d: d.position)],
        errors=errors or {},
        values=values or {"account": account, "quantity": "1", "unit": "day"},
        **extra,
    )
    code = status if not is_htmx(request) or status < 400 else 200
    return render(request, "budget.html", ctx, status_code=code)


@router.get("/p/{production_id}/budget", response_class=HTMLResponse)
def budget_page(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    version: str = VERSION_REF,
    account: str = Query("", max_length=16),
    edit: int | None = Query(None, ge=1, le=2**31 - 1),
) -> HTMLResponse:
    """The budget tree with its totals (HT, VAT apart), the version picker and, for the supervisor, the edits."""
    prod = _reading(session, principal, production_id)
    return _page(request, principal, session, prod, version=version, account=account, edit=edit)


@router.get("/p/{production_id}/budget/compare", response_class=HTMLResponse)
def compare_page(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    before: str = Query("original", max_length=16),
    after: str = Query("current", max_length=16),
) -> HTMLResponse:
    """Two versions account by account and line by line."""
    prod = _reading(session, principal, production_id)
    all_ = svc.versions(session, prod)
    diff = None
    if all_:
        first = before if before != "original" or any(x.status == BudgetStatus.LOCKED for x in all_) else "1"
        diff = compare(session, prod, svc.get_version(session, prod, first), svc.get_version(session, prod, after))
    ctx = page_context(request, principal, prod, active="budget", diff=diff, versions=all_, before=before, after=after)
    return render(request, "budget_compare.html", ctx)


def editing(session: Session, principal: Principal, production_id: int) -> Production:
    prod = production_for(session, principal, production_id, "budget.read")
    principal.require("budget.edit", Resource(prod.id))
    return prod


def _line_values(form: FormData) -> dict[str, str]:
    return {k: text(form, k) for k in LINE_FIELDS}


def attempt(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    form: FormData,
    write: Any,
    *,
    values: dict[str, Any] | None = None,
    edit: int | None = None,
    which: str = "",
    errors_of: Callable[[PostprodError, Any], dict[str, str]] | None = None,
) -> Response:
    """Run the write and go back to the page; refused, roll back and show the page with the mistake beside its field."""
    _ = gettext_for(language_of(request, principal.user.language))
    version, account = text(form, "version") or "current", text(form, "open")
    try:
        url = write()
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        errors = (errors_of or _errors)(exc, _)
        refused(session, exc)
        status = 409 if "version" in errors and isinstance(exc, Conflict) else 422
        return _page(request, principal, session, prod, version=version, account=account, edit=edit,
                     which=which, errors=errors, values=values, status=status)  # fmt: skip
    return done(request, url)


def _here(prod: Production, v: BudgetVersion, account: str = "") -> str:
    url = f"/p/{prod.id}/budget?version={v.number}"
    return url + (f"&account={account}#acc-{account}" if account else "")


def form_version(session: Session, prod: Production, form: FormData) -> BudgetVersion:
    return svc.get_version(session, prod, text(form, "version") or "current")


@router.post("/p/{production_id}/budget/draft", response_model=None)
def draft(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Version 1 drafted from the current plan and the registers."""
    prod = editing(session, principal, production_id)

    def write() -> str:
        return _here(prod, draft_from_plan(session, prod).version)

    return attempt(request, principal, session, prod, form, write)


@router.post("/p/{production_id}/budget/lines", response_model=None)
def add_line(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A line added to the draft shown; a locked version refuses it."""
    prod = editing(session, principal, production_id)
    values = _line_values(form)

    def write() -> str:
        v = form_version(session, prod, form)
        line = svc.add_line(session, prod, v, **{k: x for k, x in values.items() if x or k == "description"})
        return _here(prod, v, line.account)

    return attempt(request, principal, session, prod, form, write, values=values)


@router.post("/p/{production_id}/budget/lines/{line_id}", response_model=None)
def edit_line(
    production_id: Id, line_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A line changed in place (htmx swaps the row's form on a mistake); a locked version refuses it."""
    prod = editing(session, principal, production_id)
    values = _line_values(form)

    def write() -> str:
        v = form_version(session, prod, form)
        changes = {k: x for k, x in values.items() if k in form}
        line = svc.update_line(session, prod, v, line_id, **changes)
        return _here(prod, v, line.account)

    return attempt(request, principal, session, prod, form, write, values=values, edit=line_id)


@router.post("/p/{production_id}/budget/lines/{line_id}/delete", response_model=None)
def delete_line(
    production_id: Id, line_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    prod = editing(session, principal, production_id)

    def write() -> str:
        v = form_version(session, prod, form)
        account = svc.get_line(v, line_id).account
        svc.delete_line(session, v, line_id)
        return _here(prod, v, account)

    return attempt(request, principal, session, prod, form, write)


@router.post("/p/{production_id}/budget/lock", response_model=None)
def lock(production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Lock the version shown: it never changes again; a change is a revision."""
    prod = editing(session, principal, production_id)

    def write() -> str:
        v = svc.lock(session, form_version(session, prod, form))
        return _here(prod, v)

    return attempt(request, principal, session, prod, form, write)


@router.post("/p/{production_id}/budget/revise", response_model=None)
def revise(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A new draft copied from the version shown, with its reason."""
    prod = editing(session, principal, production_id)
    values = {"reason": text(form, "reason")}
    _ = gettext_for(language_of(request, principal.user.language))

    def write() -> str:
        source = form_version(session, prod, form)
        if source.status != BudgetStatus.LOCKED:
            raise InvalidInput(_("Only a locked version is revised: lock it first."), field="form")
        return _here(prod, svc.revise(session, prod, source, values["reason"]))

    return attempt(request, principal, session, prod, form, write, values=values)
