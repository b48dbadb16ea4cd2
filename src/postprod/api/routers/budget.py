"""The budget and what the post costs: versions and lines, vendors, orders, invoices, time, the cost report.

Money leaves only to the budget right (`budget.read`; editing: `budget.edit`). Time entries are not
money: a technician logs and reads their own, a department lead their department's (`time.log`,
`time.read`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import Field

from postprod.api.deps import load_production
from postprod.api.schemas import In
from postprod.errors import N_, NotFound
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.model import Production
from postprod.services import budget as svc
from postprod.services import budget_settings as settings
from postprod.services import costs, items
from postprod.services.budget_compare import CompareView, compare
from postprod.services.budget_draft import draft_from_plan
from postprod.services.common import get_person, get_task, parse_date
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["budget"])

Amount = Field(max_length=32, description="A decimal as typed: 1234.56 or 1 234,56")


def _read(principal: Principal, prod: Production) -> None:
    principal.require_production("budget.read", prod)


def _edit(principal: Principal, prod: Production) -> None:
    principal.require_production("budget.edit", prod)


def _known_account(session: SessionDep, prod: Production, code: str, field: str = "account") -> None:
    """An account named in the path: 404 when the chart has none of that number."""
    if code.strip() not in {a.code for a in svc.accounts(session, prod)}:
        raise NotFound(
            N_("no account %(code)r in the chart of %(title)r"), field=field, params={"code": code, "title": prod.title}
        )


class VersionIn(In):
    from_plan: bool = Field(False, description="Draft version 1 from the current plan and the registers")
    name: str = Field("", max_length=200)
    rates: dict[str, str] = Field(default_factory=dict, max_length=20, description='{"GBP": "1.1725"}')


class ReviseIn(In):
    reason: str = Field(min_length=1, max_length=2000)
    name: str = Field("", max_length=200)


class LineIn(In):
    account: str = Field(min_length=1, max_length=16)
    description: str = Field("", max_length=500)
    quantity: str = Field("1", max_length=32)
    unit: str = Field("flat", max_length=16)
    rate: str = Amount
    currency: str | None = Field(None, max_length=3)
    fringe: str | None = Field(None, max_length=64)
    vat_rate: str | None = Field(None, max_length=8)
    tax_credit: str | None = Field(None, max_length=32)
    in_france: bool = True


class LinePatch(In):
    account: str | None = Field(None, max_length=16)
    description: str | None = Field(None, max_length=500)
    quantity: str | None = Field(None, max_length=32)
    unit: str | None = Field(None, max_length=16)
    rate: str | None = Field(None, max_length=32)
    currency: str | None = Field(None, max_length=3)
    fringe: str | None = Field(None, max_length=64)
    vat_rate: str | None = Field(None, max_length=8)


@router.get("/productions/{production_id}/budget")
def show_budget(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    version: str = Query("current", max_length=16, description="A number, current or original"),
) -> svc.BudgetView:
    """A budget version with every amount computed (HT; VAT apart)."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return svc.budget_view(session, prod, svc.get_version(session, prod, version))


@router.get("/productions/{production_id}/budget/versions")
def list_versions(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[svc.VersionView]:
    """Every version: the original once locked, then the revisions with their reasons."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return [svc.version_dict(v) for v in svc.versions(session, prod)]


@router.post("/productions/{production_id}/budget/versions", status_code=201)
def create_version(production_id: Id, body: VersionIn, principal: PrincipalDep, session: SessionDep) -> svc.VersionView:
    """The first version: empty, or drafted from the plan."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    if body.from_plan:
        return svc.version_dict(draft_from_plan(session, prod, rates=body.rates).version)
    return svc.version_dict(svc.create_version(session, prod, name=body.name, rates=body.rates))


@router.post("/productions/{production_id}/budget/versions/{number}/lock")
def lock_version(
    production_id: Id,
    number: Id,
    principal: PrincipalDep,
    session: SessionDep,
    if_match: str | None = Header(None, max_length=40),
) -> svc.VersionView:
    """Lock a version: it never changes again (409 on any edit); a change is a revision."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    v = svc.get_version(session, prod, number)
    return svc.version_dict(svc.lock(session, v, expected_version=items.expected_version(if_match, None)))


@router.post("/productions/{production_id}/budget/versions/{number}/revise", status_code=201)
def revise_version(
    production_id: Id, number: Id, body: ReviseIn, principal: PrincipalDep, session: SessionDep
) -> svc.VersionView:
    """A new draft copied from a version, with the reason for the revision."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return svc.version_dict(
        svc.revise(session, prod, svc.get_version(session, prod, number), body.reason, name=body.name)
    )


@router.post("/productions/{production_id}/budget/lines", status_code=201)
def add_line(production_id: Id, body: LineIn, principal: PrincipalDep, session: SessionDep) -> svc.BudgetView:
    """A line added to the current draft; the answer is the version as it now stands."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    v = svc.get_version(session, prod)
    svc.add_line(session, prod, v, **body.model_dump(exclude_none=True))
    return svc.budget_view(session, prod, v)


@router.patch("/productions/{production_id}/budget/lines/{line_id}")
def update_line(
    production_id: Id, line_id: Id, body: LinePatch, principal: PrincipalDep, session: SessionDep
) -> svc.BudgetView:
    """Change a line of the current draft (a locked version answers 409)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    v = svc.get_version(session, prod)
    svc.update_line(session, prod, v, line_id, **body.model_dump(exclude_unset=True))
    return svc.budget_view(session, prod, v)


@router.delete("/productions/{production_id}/budget/lines/{line_id}", status_code=204)
def delete_line(production_id: Id, line_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    prod = load_production(session, production_id)
    _edit(principal, prod)
    svc.delete_line(session, svc.get_version(session, prod), line_id)
    return Response(status_code=204)


# --- the budget's settings: fringe groups, exchange rates, percentage lines, the chart of accounts --------


class FringeIn(In):
    percent: str = Field(min_length=1, max_length=16, description="Percent of the gross pay: 65 or 65,5")


class RateIn(In):
    rate: str = Field(min_length=1, max_length=32, description="One unit of the currency in the version's: 1.1725")


class PercentLineIn(In):
    name: str = Field(min_length=1, max_length=120, description="Imprévus, Frais généraux, Assurance...")
    account: str = Field(min_length=1, max_length=16, description="The account it is booked to")
    percent: str = Field(min_length=1, max_length=16)
    on: list[Annotated[str, Field(max_length=16)]] | None = Field(
        None, max_length=200, description="Accounts or chapters of its base (default: every account)"
    )
    excluding: list[Annotated[str, Field(max_length=16)]] = Field(
        default_factory=list, max_length=200, description="Accounts or chapters left out of its base"
    )
    includes: list[Annotated[str, Field(max_length=120)]] = Field(
        default_factory=list, max_length=50, description="Other percentage lines whose amounts are in its base"
    )


class AccountIn(In):
    code: str = Field(min_length=1, max_length=16, description="Digits, letters and dots: 8.45")
    name: str = Field(min_length=1, max_length=200)
    chapter: str = Field(min_length=1, max_length=16)
    department: str | None = Field(None, max_length=64, description="A department's code")
    resource: Literal["person", "room"] | None = None


class AccountPatch(In):
    new_code: str | None = Field(None, max_length=16, description="Renumber: every version's lines follow")
    name: str | None = Field(None, max_length=200)
    department: str | None = Field(None, max_length=64, description='A department\'s code; "" for none')
    resource: Literal["person", "room", ""] | None = Field(None, description='"" for none')


class EtcIn(In):
    amount: str = Field(min_length=1, max_length=32, description="The estimate to complete: 12000 or 12 000,50")
    note: str = Field(min_length=1, max_length=costs.MAX_NOTE, description="Why it is set by hand")


@router.get("/productions/{production_id}/budget/fringes")
def list_fringes(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[settings.FringeView]:
    """The fringe groups (charges sociales) and their percentages."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return settings.fringe_list(session, prod)


@router.put("/productions/{production_id}/budget/fringes/{name}")
def set_fringe(
    production_id: Id,
    body: FringeIn,
    principal: PrincipalDep,
    session: SessionDep,
    name: str = Path(min_length=1, max_length=64),
) -> settings.FringeView:
    """Add a fringe group or change its percentage (0-200): the drafts follow; a locked version keeps its own."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return settings.fringe_dict(svc.set_fringe(session, prod, name, body.percent))


@router.put("/productions/{production_id}/budget/rates/{currency}")
def set_rate(
    production_id: Id,
    body: RateIn,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    currency: str = Path(min_length=3, max_length=3, description="GBP, USD..."),
    if_match: str | None = Header(None, max_length=40, description="The version's ETag, to refuse a stale write"),
) -> svc.VersionView:
    """Fix the current draft's exchange rate of a currency (a locked version answers 409)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    v = svc.get_version(session, prod)
    if if_match is not None:
        items.check_version(v, items.expected_version(if_match, None), what=f"budget version {v.number}")
    svc.set_rate(session, v, currency, body.rate)
    response.headers["ETag"] = f'"{v.version}"'
    return svc.version_dict(v)


@router.get("/productions/{production_id}/budget/percent-lines")
def list_percent_lines(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    version: str = Query("current", max_length=16, description="A number, current or original"),
) -> list[settings.PercentLineView]:
    """A version's percentage lines with what their base is (their amounts are in the budget's view)."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return settings.percent_lines(svc.get_version(session, prod, version))


@router.post("/productions/{production_id}/budget/percent-lines", status_code=201)
def add_percent_line(
    production_id: Id, body: PercentLineIn, principal: PrincipalDep, session: SessionDep
) -> svc.BudgetView:
    """Contingency, overhead, insurance or bond on the current draft; the answer is the version as it now stands."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    v = svc.get_version(session, prod)
    svc.add_percent_line(
        session, prod, v, body.name, body.account, body.percent, on=body.on, excluding=body.excluding,
        includes=body.includes,
    )  # fmt: skip
    return svc.budget_view(session, prod, v)


@router.delete("/productions/{production_id}/budget/percent-lines/{line_id}", status_code=204)
def remove_percent_line(production_id: Id, line_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Take a percentage line out of the current draft (409 while another line includes it, or once locked)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    svc.remove_percent_line(session, svc.get_version(session, prod), line_id)
    return Response(status_code=204)


@router.get("/productions/{production_id}/budget/accounts")
def list_accounts(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[settings.AccountView]:
    """The chart of accounts, in its order."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return settings.account_list(session, prod)


@router.post("/productions/{production_id}/budget/accounts", status_code=201)
def add_account(
    production_id: Id, body: AccountIn, principal: PrincipalDep, session: SessionDep
) -> settings.AccountView:
    """An account added to the chart, under one of its chapters (409 if the number is taken)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return settings.account_dict(svc.add_account(session, prod, **body.model_dump()))


@router.patch("/productions/{production_id}/budget/accounts/{code}")
def update_account(
    production_id: Id,
    body: AccountPatch,
    principal: PrincipalDep,
    session: SessionDep,
    code: str = Path(min_length=1, max_length=16),
) -> settings.AccountView:
    """Rename or renumber an account: a new number follows it into every version's lines, locked ones too."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    _known_account(session, prod, code, "code")
    return settings.account_dict(svc.update_account(session, prod, code, **body.model_dump(exclude_unset=True)))


@router.get("/productions/{production_id}/budget/compare")
def compare_versions(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    before: str = Query("original", max_length=16),
    after: str = Query("current", max_length=16),
) -> CompareView:
    """Two versions account by account and line by line."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return compare(session, prod, svc.get_version(session, prod, before), svc.get_version(session, prod, after))


@router.get("/productions/{production_id}/cost-report")
def cost_report(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    as_of: date | None = Query(None, description="YYYY-MM-DD (default today)"),
) -> costs.CostReportView:
    """Per account: budget, current budget, actual, committed, ETC, EFC and variance, as of a date."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return costs.report_view(session, prod, parse_date(as_of, "as_of") if as_of else None)


@router.get("/productions/{production_id}/cost-report/etc")
def list_etc(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[settings.EtcView]:
    """The estimates to complete set by hand, each with its note."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return settings.etc_list(session, prod)


@router.put("/productions/{production_id}/cost-report/etc/{account}")
def set_etc(
    production_id: Id,
    body: EtcIn,
    principal: PrincipalDep,
    session: SessionDep,
    account: str = Path(min_length=1, max_length=16),
) -> settings.EtcView:
    """Set an account's estimate to complete by hand, with the note saying why; it replaces the computed one."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    _known_account(session, prod, account)
    return settings.etc_dict(costs.set_etc(session, prod, account, body.amount, body.note))


@router.delete("/productions/{production_id}/cost-report/etc/{account}", status_code=204)
def clear_etc(
    production_id: Id, principal: PrincipalDep, session: SessionDep, account: str = Path(min_length=1, max_length=16)
) -> Response:
    """The account's estimate to complete computed again (from the plan or what is left of its budget)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    _known_account(session, prod, account)
    costs.clear_etc(session, prod, account)
    return Response(status_code=204)


@router.get("/productions/{production_id}/cost-snapshots")
def list_snapshots(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[costs.SnapshotView]:
    """The frozen reports' totals, date by date: the EFC trend."""
    prod = load_production(session, production_id)
    _read(principal, prod)
    return [costs.snapshot_dict(x) for x in costs.snapshots(session, prod)]


@router.post("/productions/{production_id}/cost-snapshots", status_code=201)
def take_snapshot(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    as_of: date | None = Query(None, description="YYYY-MM-DD (default today)"),
) -> costs.SnapshotView:
    """Freeze the cost report as of a date (409 if that date is frozen already)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return costs.snapshot_dict(costs.snapshot(session, prod, parse_date(as_of, "as_of") if as_of else None))


class VendorIn(In):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field("", max_length=200)
    country: str = Field("", max_length=2)


class OrderIn(In):
    number: str = Field(min_length=1, max_length=32)
    vendor: str = Field(min_length=1, max_length=200)
    account: str = Field(min_length=1, max_length=16)
    amount: str = Amount
    currency: str | None = Field(None, max_length=3)
    issued: date | None = None
    description: str = Field("", max_length=2000)


class InvoiceIn(In):
    vendor: str = Field(min_length=1, max_length=200)
    number: str = Field(min_length=1, max_length=64)
    net: str = Amount
    vat: str = Field("0", max_length=32)
    day: date | None = None
    order: str | None = Field(None, max_length=32)
    account: str | None = Field(None, max_length=16)
    currency: str | None = Field(None, max_length=3)
    paid: bool = False
    overrun_note: str = Field("", max_length=2000, description="Accepts an invoice that exceeds its order")


@router.get("/productions/{production_id}/vendors")
def list_vendors(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[costs.VendorView]:
    prod = load_production(session, production_id)
    _read(principal, prod)
    return [costs.vendor_dict(v) for v in costs.vendors(session, prod)]


@router.post("/productions/{production_id}/vendors", status_code=201)
def add_vendor(production_id: Id, body: VendorIn, principal: PrincipalDep, session: SessionDep) -> costs.VendorView:
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return costs.vendor_dict(costs.add_vendor(session, prod, body.name, email=body.email, country=body.country))


@router.get("/productions/{production_id}/purchase-orders")
def list_orders(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[costs.OrderView]:
    prod = load_production(session, production_id)
    _read(principal, prod)
    return [costs.order_dict(po) for po in costs.orders(session, prod)]


@router.post("/productions/{production_id}/purchase-orders", status_code=201)
def add_order(production_id: Id, body: OrderIn, principal: PrincipalDep, session: SessionDep) -> costs.OrderView:
    """A purchase order: money committed to an account until invoiced or closed."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return costs.order_dict(costs.add_order(session, prod, **body.model_dump()))


@router.get("/productions/{production_id}/invoices")
def list_invoices(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[costs.InvoiceView]:
    prod = load_production(session, production_id)
    _read(principal, prod)
    return [costs.invoice_dict(i) for i in costs.invoices(session, prod)]


@router.post("/productions/{production_id}/invoices", status_code=201)
def add_invoice(production_id: Id, body: InvoiceIn, principal: PrincipalDep, session: SessionDep) -> costs.InvoiceView:
    """A vendor's invoice; past its order's amount it needs `overrun_note` (else 409 naming it)."""
    prod = load_production(session, production_id)
    _edit(principal, prod)
    return costs.invoice_dict(costs.add_invoice(session, prod, **body.model_dump()))


class TimeIn(In):
    person: str = Field(min_length=1, max_length=120)
    day: date
    days: Decimal | None = Field(None, gt=0, le=2)
    hours: Decimal | None = Field(None, gt=0, le=24)
    task: str | None = Field(None, max_length=64)
    note: str = Field("", max_length=2000)


def _time_resource(session: SessionDep, prod: Production, person_id: int, task_ref: str | None) -> Resource:
    dept = get_task(session, prod, task_ref).department.code if task_ref else None
    return Resource(prod.id, department=dept, assignee_ids=frozenset({person_id}))


@router.get("/productions/{production_id}/time-entries")
def list_time(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    scope: Literal["mine", "all"] = Query("all", description="mine: the user's own entries"),
) -> list[costs.TimeEntryView]:
    """Time entries the user may see: their own (technicians), their department's (leads), all (budget right)."""
    prod = load_production(session, production_id)
    mine = {g.person_id for g in principal.grants if g.production_id == prod.id and g.person_id}
    if not principal.can("time.read", Resource(prod.id)) and not any(
        principal.can("time.read", Resource(prod.id, department=d.code, assignee_ids=frozenset(mine)))
        for d in prod.departments
    ):
        raise Forbidden(N_("%(username)s may not read time entries here"), params={"username": principal.user.username})
    names = {p.id: p.name for p in prod.people}
    tasks = {t.id: t for t in prod.tasks}
    keys = {t.id: t.key for t in prod.tasks}
    out = []
    for e in costs.time_entries(session, prod):
        task = tasks.get(e.task_id) if e.task_id else None
        res = Resource(
            prod.id, department=task.department.code if task else None, assignee_ids=frozenset({e.person_id})
        )
        if scope == "mine" and e.person_id not in mine:
            continue
        if principal.can("time.read", res):
            out.append(costs.time_entry_dict(e, names, keys))
    return out


@router.post("/productions/{production_id}/time-entries", status_code=201)
def log_time(production_id: Id, body: TimeIn, principal: PrincipalDep, session: SessionDep) -> costs.TimeEntryView:
    """Log time: a technician for themself, a lead for their department, the supervisor for anyone."""
    prod = load_production(session, production_id)
    person = get_person(session, prod, body.person)
    principal.require("time.log", _time_resource(session, prod, person.id, body.task))
    e = costs.log_time(
        session,
        prod,
        person=person.name,
        day=body.day,
        days=body.days,
        hours=body.hours,
        task=body.task,
        note=body.note,
    )
    return costs.time_entry_dict(e, {p.id: p.name for p in prod.people}, {t.id: t.key for t in prod.tasks})


@router.get("/productions/{production_id}/budget/department")
def department_budget(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    department: str = Query(min_length=1, max_length=64, description="A department's code: picture-editing, vfx..."),
    version: str = Query("current", max_length=16, description="A number, current or original"),
) -> dict[str, Any]:
    """A department's accounts and lines, as its lead sees them: people's and rooms' rates and amounts withheld."""
    from postprod.services.budget_department import department_view

    prod = load_production(session, production_id)
    principal.require("budget.department", Resource(prod.id, department=department))
    return department_view(session, prod, [department], version)
