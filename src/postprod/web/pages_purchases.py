"""Vendors, purchase orders and invoices: added, orders closed, invoices marked paid.

An invoice past its order's amount is refused beside the overrun note until the overrun is accepted
with one (the service's rule). Every page here needs the budget right, every write `budget.edit`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from postprod.errors import N_, Conflict, InvalidInput, PostprodError
from postprod.http_deps import Id, SessionDep
from postprod.model import Production
from postprod.services import budget, costs
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import done, is_htmx, refused, text
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()

FIELDS = {
    "vendor": ("name", "email", "country"),
    "order": ("number", "vendor", "account", "amount", "currency", "issued", "description"),
    "invoice": ("vendor", "number", "order", "account", "net", "vat", "day", "currency", "paid", "overrun_note"),
}


def _hints(_: Any) -> dict[str, str]:
    return {
        "amount": _("An amount above zero, e.g. 12000 or 12 000,50."),
        "net": _("An amount above zero, e.g. 12000 or 12 000,50."),
        "vat": _("An amount of zero or more."),
        "currency": _("A currency with a rate in the current budget (or the production's own)."),
        "country": _("Two letters, e.g. FR or GB."),
        "issued": _("A date (YYYY-MM-DD) within the production."),
        "day": _("A date (YYYY-MM-DD) within the production."),
        "account": _("Pick an account of the chart."),
        "vendor": _("Pick a vendor."),
        "order": _("Pick an open purchase order of this vendor."),
    }


def _errors(exc: PostprodError, _: Any) -> dict[str, str]:
    field = exc.field or "form"
    if isinstance(exc, Conflict) and field == "overrun_note":
        return {field: _("This invoice takes its purchase order over its amount: accept the overrun with a note.")}
    if isinstance(exc, Conflict):
        return {field: _("Already taken or in use: %(detail)s") % {"detail": exc.said(_)}}
    return {field: _hints(_).get(field, exc.said(_))}


def _page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    *,
    which: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    vendors = costs.vendors(session, prod)
    orders = costs.orders(session, prod)
    accounts = budget.accounts(session, prod)
    blank: dict[str, dict[str, str]] = {k: {} for k in (*FIELDS, "")}
    errs: dict[str, dict[str, str]] = {k: {} for k in (*FIELDS, "")}
    blank[which] = values or {}
    errs[which] = errors or {}
    ctx = page_context(
        request,
        principal,
        prod,
        active="purchases",
        vendors=vendors,
        orders=[costs.order_dict(po) for po in orders],
        invoices=[costs.invoice_dict(i) for i in costs.invoices(session, prod)],
        vendor_options=[(v.name, v.name) for v in vendors],
        order_options=[(po.number, f"{po.number} · {po.vendor.name}") for po in orders if po.status.value == "open"],
        account_options=[(a.code, f"{a.code} {a.name}") for a in accounts],
        can_edit=principal.can("budget.edit", Resource(prod.id)),
        values=blank,
        errors=errs,
        which=which,
    )
    code = status if not is_htmx(request) or status < 400 else 200
    return render(request, "purchases.html", ctx, status_code=code)


@router.get("/p/{production_id}/purchases", response_class=HTMLResponse)
def purchases(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """Vendors, purchase orders with what is invoiced against them, invoices."""
    prod = production_for(session, principal, production_id, "budget.read")
    return _page(request, principal, session, prod)


def _editing(session: Session, principal: Principal, production_id: int) -> Production:
    prod = production_for(session, principal, production_id, "budget.read")
    principal.require("budget.edit", Resource(prod.id))
    return prod


def _attempt(
    request: Request, principal: Principal, session: Session, prod: Production, which: str, form: FormData, write: Any
) -> Response:
    _ = gettext_for(language_of(request, principal.user.language))
    values = {k: text(form, k) for k in FIELDS.get(which, ())}
    try:
        write(values)
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        errors = _errors(exc, _)
        refused(session, exc)
        return _page(request, principal, session, prod, which=which, errors=errors, values=values, status=422)
    return done(request, f"/p/{prod.id}/purchases#{which or 'invoice'}s")


@router.post("/p/{production_id}/purchases/vendors", response_model=None)
def add_vendor(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    prod = _editing(session, principal, production_id)

    def write(v: dict[str, str]) -> None:
        costs.add_vendor(session, prod, v["name"], email=v["email"], country=v["country"])

    return _attempt(request, principal, session, prod, "vendor", form, write)


@router.post("/p/{production_id}/purchases/orders", response_model=None)
def add_order(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A purchase order: money committed to an account until invoiced or closed."""
    prod = _editing(session, principal, production_id)

    def write(v: dict[str, str]) -> None:
        if not v["vendor"]:
            raise_missing("vendor")
        costs.add_order(
            session, prod, number=v["number"], vendor=v["vendor"], account=v["account"], amount=v["amount"],
            currency=v["currency"] or None, issued=v["issued"] or None, description=v["description"],
        )  # fmt: skip

    return _attempt(request, principal, session, prod, "order", form, write)


def raise_missing(field: str) -> None:
    raise InvalidInput(N_("%(field)s is missing"), field=field, params={"field": field})


@router.post("/p/{production_id}/purchases/orders/close", response_model=None)
def close_order(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Close an order: what it still committed is released."""
    prod = _editing(session, principal, production_id)

    def write(_v: dict[str, str]) -> None:
        costs.close_order(session, prod, text(form, "order"))

    return _attempt(request, principal, session, prod, "", form, write)


@router.post("/p/{production_id}/purchases/invoices", response_model=None)
def add_invoice(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A vendor's invoice against an order or an account; past its order, only with an overrun note."""
    prod = _editing(session, principal, production_id)

    def write(v: dict[str, str]) -> None:
        if not v["vendor"]:
            raise_missing("vendor")
        costs.add_invoice(
            session, prod, vendor=v["vendor"], number=v["number"], net=v["net"], vat=v["vat"] or "0",
            day=v["day"] or None, order=v["order"] or None, account=v["account"] or None,
            currency=v["currency"] or None, paid=bool(v["paid"]), overrun_note=v["overrun_note"],
        )  # fmt: skip

    return _attempt(request, principal, session, prod, "invoice", form, write)


@router.post("/p/{production_id}/purchases/invoices/{invoice_id}/paid", response_model=None)
def mark_paid(
    production_id: Id, invoice_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Mark an invoice paid (or not paid again)."""
    prod = _editing(session, principal, production_id)

    def write(_v: dict[str, str]) -> None:
        costs.mark_paid(session, prod, invoice_id, paid=text(form, "paid") != "0")

    return _attempt(request, principal, session, prod, "", form, write)
