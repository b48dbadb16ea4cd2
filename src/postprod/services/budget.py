"""The production's budget: its chart of accounts, fringe groups, versions and lines, computed by the engine.

A production's chart starts as a copy of a built-in one (`budget/charts/*.yaml`: the CNC devis for
a production in euros, else the Movie Magic style); accounts can then be added, renamed and
renumbered. A budget version is a draft until locked; a locked version refuses every edit (409 in
the API, exit 2 in the CLI): a change is a revision, a new draft copied from it with its reason.
The *original* budget is the first locked version, the *current* one the latest.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget import sheet
from postprod.budget.charts import load_chart
from postprod.budget.money import ZERO, as_json, parse_decimal
from postprod.errors import N_, Conflict, InvalidInput, NotFound
from postprod.model import (
    BudgetAccount,
    BudgetChapter,
    BudgetLine,
    BudgetPercentLine,
    BudgetStatus,
    BudgetVersion,
    FringeGroup,
    Production,
)
from postprod.model.audit import jsonable
from postprod.services import items
from postprod.services.common import described

CURRENCY = re.compile(r"^[A-Z]{3}$")
UNITS = ("day", "week", "hour", "flat", "shot", "minute", "reel", "language", "cue", "episode", "unit")
MAX_QUANTITY = Decimal("99999999999.999")


# --- the chart of accounts -----------------------------------------------------------------------


def default_chart(prod: Production) -> str:
    return "fr-cnc" if prod.currency == "EUR" else "us-mmb"


def setup_chart(session: Session, prod: Production, chart: str | None = None) -> list[BudgetAccount]:
    """Copy a built-in chart (chapters, accounts, fringe groups) into the production; once only."""
    if session.scalar(select(func.count()).select_from(BudgetAccount).where(BudgetAccount.production_id == prod.id)):
        raise Conflict(N_("%(title)r already has its chart of accounts"), field="chart", params={"title": prod.title})
    c = load_chart(chart or default_chart(prod))
    for i, ch in enumerate(c.chapters):
        session.add(BudgetChapter(production_id=prod.id, code=ch.code, name=ch.name, position=i))
    for i, a in enumerate(c.accounts):
        session.add(
            BudgetAccount(
                production_id=prod.id, code=a.code, name=a.name, chapter=a.chapter, department=a.department,
                resource=a.resource, position=i,
            )
        )  # fmt: skip
    for name, percent in c.fringes.items():
        session.add(FringeGroup(production_id=prod.id, name=name, percent=percent))
    session.flush()
    return accounts(session, prod)


def chapters(session: Session, prod: Production) -> list[BudgetChapter]:
    return list(
        session.scalars(
            select(BudgetChapter).where(BudgetChapter.production_id == prod.id).order_by(BudgetChapter.position)
        )
    )


def accounts(session: Session, prod: Production) -> list[BudgetAccount]:
    return list(
        session.scalars(
            select(BudgetAccount)
            .where(BudgetAccount.production_id == prod.id)
            .order_by(BudgetAccount.position, BudgetAccount.code)
        )
    )


def _ensure_chart(session: Session, prod: Production) -> None:
    if not accounts(session, prod):
        setup_chart(session, prod)


def get_account(session: Session, prod: Production, code: str) -> BudgetAccount:
    found = session.scalar(
        select(BudgetAccount).where(BudgetAccount.production_id == prod.id, BudgetAccount.code == code.strip())
    )
    if found is None:
        raise InvalidInput(
            N_("unknown account %(code)r in %(title)r"), field="account", params={"code": code, "title": prod.title}
        )
    return found


def add_account(
    session: Session,
    prod: Production,
    code: str,
    name: str,
    chapter: str,
    *,
    department: str | None = None,
    resource: str | None = None,
) -> BudgetAccount:
    _ensure_chart(session, prod)
    code, name = _code(code), name.strip()
    if not name:
        raise InvalidInput("an account needs a name", field="name")
    if chapter.strip() not in {c.code for c in chapters(session, prod)}:
        raise InvalidInput(N_("unknown chapter %(chapter)r"), field="chapter", params={"chapter": chapter})
    if session.scalar(
        select(BudgetAccount.id).where(BudgetAccount.production_id == prod.id, BudgetAccount.code == code)
    ):
        raise Conflict(N_("account %(code)s already exists"), field="code", params={"code": code})
    _check_department(prod, department)
    last = session.scalar(select(func.max(BudgetAccount.position)).where(BudgetAccount.production_id == prod.id)) or 0
    account = BudgetAccount(
        production_id=prod.id, code=code, name=name, chapter=chapter.strip(), department=department or None,
        resource=_resource(resource), position=last + 1,
    )  # fmt: skip
    session.add(account)
    session.flush()
    return account


def update_account(
    session: Session,
    prod: Production,
    code: str,
    *,
    new_code: str | None = None,
    name: str | None = None,
    department: str | None = None,
    resource: str | None = None,
) -> BudgetAccount:
    """Rename or renumber an account: a new number follows the account into every version's lines."""
    account = get_account(session, prod, code)
    if name is not None:
        if not name.strip():
            raise InvalidInput("an account needs a name", field="name")
        account.name = name.strip()
    if department is not None:
        _check_department(prod, department)
        account.department = department or None
    if resource is not None:
        account.resource = _resource(resource)
    if new_code is not None and _code(new_code, "new_code") != account.code:
        target = _code(new_code, "new_code")
        if session.scalar(
            select(BudgetAccount.id).where(BudgetAccount.production_id == prod.id, BudgetAccount.code == target)
        ):
            raise Conflict(N_("account %(target)s already exists"), field="new_code", params={"target": target})
        # The code is the account's name in the lines, not an amount: locked versions follow it too.
        for model in (BudgetLine, BudgetPercentLine):
            session.execute(
                update(model)
                .where(model.production_id == prod.id, model.account == account.code)
                .values(account=target)
            )
        for v in versions(session, prod):
            if v.frozen and account.code in v.frozen.get("accounts", {}):
                totals = dict(v.frozen["accounts"])
                totals[target] = totals.pop(account.code)
                v.frozen = {**v.frozen, "accounts": totals}
        account.code = target
    session.flush()
    return account


def _code(code: str, field: str = "code") -> str:
    code = code.strip()
    if not code or len(code) > 16 or not re.fullmatch(r"[0-9A-Za-z.\-]+", code):
        raise InvalidInput(
            N_("invalid account code %(code)r: digits, letters, dots, at most 16"), field=field, params={"code": code}
        )
    return code


def _resource(value: str | None) -> str | None:
    """ "person" or "room" (an account of days the plan schedules), "" or None for any other account."""
    if not value:
        return None
    if value not in ("person", "room"):
        raise InvalidInput(N_("invalid resource %(value)r: person or room"), field="resource", params={"value": value})
    return value


def _check_department(prod: Production, department: str | None) -> None:
    if department and department not in {d.code for d in prod.departments}:
        raise InvalidInput(
            N_("unknown department %(department)r"), field="department", params={"department": department}
        )


def fringes(session: Session, prod: Production) -> dict[str, Decimal]:
    rows = session.scalars(select(FringeGroup).where(FringeGroup.production_id == prod.id).order_by(FringeGroup.name))
    return {f.name: f.percent for f in rows}


def set_fringe(session: Session, prod: Production, name: str, percent: str | Decimal) -> FringeGroup:
    """Add a fringe group or change its percentage (every version's fringes follow it)."""
    _ensure_chart(session, prod)
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput("a fringe group needs a name of at most 64 characters", field="name")
    value = parse_decimal(percent, field="percent")
    if not ZERO <= value <= 200:
        raise InvalidInput(N_("percent %(value)s is outside 0-200"), field="percent", params={"value": value})
    group = session.scalar(select(FringeGroup).where(FringeGroup.production_id == prod.id, FringeGroup.name == name))
    if group is None:
        group = FringeGroup(production_id=prod.id, name=name, percent=value)
        session.add(group)
    else:
        group.percent = value
    session.flush()
    return group


# --- versions ------------------------------------------------------------------------------------


def versions(session: Session, prod: Production) -> list[BudgetVersion]:
    return list(
        session.scalars(
            select(BudgetVersion).where(BudgetVersion.production_id == prod.id).order_by(BudgetVersion.number)
        )
    )


def get_version(session: Session, prod: Production, ref: str | int | None = None) -> BudgetVersion:
    """A version by number; "current" (or none) the latest, "original" the first locked one."""
    all_ = versions(session, prod)
    if not all_:
        raise NotFound(N_("%(title)r has no budget yet: postprod budget create"), params={"title": prod.title})
    text = str(ref).strip().lower() if ref is not None else "current"
    if text in ("", "current"):
        return all_[-1]
    if text in ("original", "locked"):
        for v in all_:
            if v.status == BudgetStatus.LOCKED:
                return v
        raise NotFound("no locked budget yet: postprod budget lock")
    number = text.removeprefix("v")
    if not number.isdigit():
        raise InvalidInput(
            N_("invalid budget version %(ref)r: a number, current or original"), field="version", params={"ref": ref}
        )
    for v in all_:
        if v.number == int(number):
            return v
    raise NotFound(N_("no budget version %(number)s in %(title)r"), params={"number": number, "title": prod.title})


def create_version(
    session: Session, prod: Production, *, name: str = "", rates: dict[str, str] | None = None
) -> BudgetVersion:
    """The first draft of the budget, in the production's currency."""
    _ensure_chart(session, prod)
    if versions(session, prod):
        raise Conflict("the budget exists: make a revision of it", field="version")
    v = BudgetVersion(
        production_id=prod.id, number=1, name=name.strip() or "Budget", currency=prod.currency,
        created_by=_actor(session), rates={},
    )  # fmt: skip
    session.add(v)
    for currency, rate in (rates or {}).items():
        set_rate(session, v, currency, rate)
    session.flush()
    return v


def _actor(session: Session) -> str:
    return str(session.info.get("actor") or "")


def editable(v: BudgetVersion) -> BudgetVersion:
    """The version, if it may change: a locked one is refused (409, exit 2)."""
    if v.status == BudgetStatus.LOCKED:
        raise Conflict(
            N_("budget version %(number)s is locked: make a revision to change it"),
            field="version",
            params={"number": v.number},
        )
    return v


def set_rate(session: Session, v: BudgetVersion, currency: str, rate: str | Decimal) -> BudgetVersion:
    """Fix the exchange rate of a currency for the version: one unit of it in the version's currency."""
    editable(v)
    code = _currency(currency)
    if code == v.currency:
        raise InvalidInput(N_("%(code)s is the version's own currency"), field="currency", params={"code": code})
    value = parse_decimal(rate, field="rate")
    if value <= 0:
        raise InvalidInput(N_("exchange rate %(rate)r must be above zero"), field="rate", params={"rate": rate})
    v.rates = {**v.rates, code: format(value, "f")}
    session.flush()
    return v


def lock(session: Session, v: BudgetVersion, *, expected_version: int | None = None) -> BudgetVersion:
    """Lock the version: it is computed first, so a version that cannot add up is not locked."""
    items.check_version(v, expected_version, what=f"budget version {v.number}")
    editable(v)
    computed = compute(session, v)
    v.frozen = {
        "fringes": {k: format(x, "f") for k, x in fringes(session, prod_of(session, v)).items()},
        "accounts": {k: format(t.total, "f") for k, t in computed.accounts.items()},
        "total": format(computed.total.total, "f"),
    }
    v.status = BudgetStatus.LOCKED
    v.locked_at = datetime.now(UTC)
    v.locked_by = _actor(session)
    session.flush()
    return v


def revise(session: Session, prod: Production, source: BudgetVersion, reason: str, *, name: str = "") -> BudgetVersion:
    """A new draft copied from a version, with the reason for the revision."""
    if not reason.strip():
        raise InvalidInput("a revision needs its reason", field="reason")
    number = max(v.number for v in versions(session, prod)) + 1
    new = BudgetVersion(
        production_id=prod.id, number=number, name=name.strip() or f"Revision {number - 1}", reason=reason.strip(),
        parent_id=source.id, currency=source.currency, rates=dict(source.rates), created_by=_actor(session),
    )  # fmt: skip
    session.add(new)
    for line in source.lines:
        new.lines.append(
            BudgetLine(
                production_id=prod.id, position=line.position, account=line.account, description=line.description,
                quantity=line.quantity, unit=line.unit, rate=line.rate, currency=line.currency, fringe=line.fringe,
                vat_rate=line.vat_rate, tax_credit=line.tax_credit, in_france=line.in_france,
                link_type=line.link_type, link_id=line.link_id, note=line.note,
            )
        )  # fmt: skip
    for p in source.percent_lines:
        new.percent_lines.append(
            BudgetPercentLine(
                production_id=prod.id, position=p.position, name=p.name, account=p.account, percent=p.percent,
                on=list(p.on) if p.on is not None else None, excluding=list(p.excluding), includes=list(p.includes),
            )
        )  # fmt: skip
    session.flush()
    return new


def _currency(text: str) -> str:
    code = text.strip().upper()
    if not CURRENCY.match(code):
        raise InvalidInput(
            N_("invalid currency %(text)r: three letters (EUR, USD, GBP...)"), field="currency", params={"text": text}
        )
    return code


# --- lines ---------------------------------------------------------------------------------------


def _line_values(
    session: Session, prod: Production, v: BudgetVersion, values: dict[str, Any], line: BudgetLine | None
) -> dict[str, Any]:
    """Checked values of a line, each mistake naming its field; nothing is written here."""
    out: dict[str, Any] = {}
    if "account" in values or line is None:
        out["account"] = get_account(session, prod, str(values.get("account") or "")).code
    if "description" in values:
        desc = str(values["description"] or "").strip()
        if len(desc) > 500:
            raise InvalidInput("description: at most 500 characters", field="description")
        out["description"] = desc
    if "quantity" in values or line is None:
        qty = parse_decimal(values.get("quantity", 1), field="quantity")
        if qty < 0 or qty > MAX_QUANTITY:
            raise InvalidInput(
                N_("quantity %(quantity)r must be between 0 and %(max_quantity)s"),
                field="quantity",
                params={"quantity": values.get("quantity"), "max_quantity": MAX_QUANTITY},
            )
        out["quantity"] = qty
    if "unit" in values:
        unit = str(values["unit"] or "flat").strip().lower()
        if unit not in UNITS:
            raise InvalidInput(
                N_("invalid unit %(unit)r: one of %(units)s"),
                field="unit",
                params={"unit": unit, "units": ", ".join(UNITS)},
            )
        out["unit"] = unit
    if "rate" in values or line is None:
        out["rate"] = parse_decimal(values.get("rate", 0), field="rate")
        if out["rate"] < 0:
            raise InvalidInput(N_("rate %(rate)r is negative"), field="rate", params={"rate": values.get("rate")})
    if "currency" in values and values["currency"]:
        out["currency"] = _currency(str(values["currency"]))
    elif line is None:
        out["currency"] = v.currency
    currency = out.get("currency", line.currency if line else v.currency)
    if currency != v.currency and currency not in v.rates:
        raise InvalidInput(
            N_("no exchange rate for %(currency)s in budget version %(number)s: set one first"),
            field="currency",
            params={"currency": currency, "number": v.number},
        )
    if "fringe" in values:
        group = str(values["fringe"] or "").strip() or None
        if group is not None and group not in fringes(session, prod):
            raise InvalidInput(
                N_("unknown fringe group %(group)r: one of %(fringes)s"),
                field="fringe",
                params={"group": group, "fringes": ", ".join(fringes(session, prod))},
            )
        out["fringe"] = group
    if "vat_rate" in values:
        vat = parse_decimal(values["vat_rate"] if values["vat_rate"] not in (None, "") else 0, field="vat_rate")
        if not ZERO <= vat <= 100:
            raise InvalidInput(N_("VAT rate %(vat)s is outside 0-100"), field="vat_rate", params={"vat": vat})
        out["vat_rate"] = vat
    if "tax_credit" in values:
        out["tax_credit"] = str(values["tax_credit"] or "").strip()[:32] or None
    if "in_france" in values:
        out["in_france"] = bool(values["in_france"])
    if "note" in values:
        out["note"] = str(values["note"] or "")[:5000]
    return out


def add_line(session: Session, prod: Production, v: BudgetVersion, **values: Any) -> BudgetLine:
    """A new line at the end of the version (account, quantity and rate needed)."""
    editable(v)
    checked = _line_values(session, prod, v, values, None)
    last = max((x.position for x in v.lines), default=0)
    line = BudgetLine(production_id=prod.id, position=last + 1, **({"unit": "flat", "description": ""} | checked))
    v.lines.append(line)
    session.flush()
    return line


def get_line(v: BudgetVersion, line_id: int) -> BudgetLine:
    for line in v.lines:
        if line.id == line_id:
            return line
    raise NotFound(
        N_("no line %(line_id)s in budget version %(number)s"), params={"line_id": line_id, "number": v.number}
    )


def update_line(session: Session, prod: Production, v: BudgetVersion, line_id: int, **values: Any) -> BudgetLine:
    editable(v)
    line = get_line(v, line_id)
    for key, value in _line_values(session, prod, v, values, line).items():
        setattr(line, key, value)
    session.flush()
    return line


def delete_line(session: Session, v: BudgetVersion, line_id: int) -> None:
    editable(v)
    v.lines.remove(get_line(v, line_id))
    session.flush()


def add_percent_line(
    session: Session,
    prod: Production,
    v: BudgetVersion,
    name: str,
    account: str,
    percent: str | Decimal,
    *,
    on: Sequence[str] | None = None,
    excluding: Sequence[str] = (),
    includes: Sequence[str] = (),
) -> BudgetPercentLine:
    """Contingency, overhead, insurance or bond: a percentage of the accounts named (or of all but some)."""
    editable(v)
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("a percentage line needs a name of at most 120 characters", field="name")
    if any(p.name == name for p in v.percent_lines):
        raise Conflict(N_("percentage line %(name)r already exists"), field="name", params={"name": name})
    value = parse_decimal(percent, field="percent")
    if not ZERO <= value <= 100:
        raise InvalidInput(N_("percent %(value)s is outside 0-100"), field="percent", params={"value": value})
    known = {a.code for a in accounts(session, prod)} | {c.code for c in chapters(session, prod)}
    for field, codes in (("on", on or ()), ("excluding", excluding)):
        for code in codes:
            if code not in known:
                raise InvalidInput(
                    N_("%(field)s: unknown account or chapter %(code)r"),
                    field=field,
                    params={"field": field, "code": code},
                )
    p = BudgetPercentLine(
        production_id=prod.id, position=max((x.position for x in v.percent_lines), default=0) + 1, name=name,
        account=get_account(session, prod, account).code, percent=value, on=list(on) if on else None,
        excluding=list(excluding), includes=list(includes),
    )  # fmt: skip
    # An unknown line in includes, or a circle, is refused before anything is kept.
    ev = engine_version(session, v)
    candidate = sheet.PercentLine(name, p.account, value, frozenset(on) if on else None, frozenset(excluding),
                                  frozenset(includes))  # fmt: skip
    sheet.compute(dataclasses.replace(ev, percent_lines=[*ev.percent_lines, candidate]))
    v.percent_lines.append(p)
    session.flush()
    return p


def get_percent_line(v: BudgetVersion, line_id: int) -> BudgetPercentLine:
    for p in v.percent_lines:
        if p.id == line_id:
            return p
    raise NotFound(
        N_("no percentage line %(id)s in budget version %(number)s"), params={"id": line_id, "number": v.number}
    )


def remove_percent_line(session: Session, v: BudgetVersion, line_id: int) -> None:
    """Take a percentage line out of a draft; one that another line includes in its base stays until that one goes."""
    editable(v)
    p = get_percent_line(v, line_id)
    using = sorted(x.name for x in v.percent_lines if p.name in x.includes)
    if using:
        raise Conflict(
            N_("percentage line %(name)s is in the base of %(others)s: remove it from there first"),
            field="includes",
            params={"name": p.name, "others": ", ".join(using)},
        )
    v.percent_lines.remove(p)
    session.flush()


# --- computed ------------------------------------------------------------------------------------


def prod_of(session: Session, v: BudgetVersion) -> Production:
    prod = session.get(Production, v.production_id)
    assert prod is not None  # a version belongs to its production (cascade)
    return prod


def frozen_totals(v: BudgetVersion) -> dict[str, Decimal] | None:
    """A locked version's totals per account as frozen at lock (None for a draft)."""
    if v.frozen is None or "accounts" not in v.frozen:
        return None
    return {k: Decimal(x) for k, x in v.frozen["accounts"].items()}


_MEMO = "postprod.budget.computed"


@contextmanager
def computed_once(session: Session) -> Iterator[None]:
    """Within a read that computes a version more than once (the weekly report: its cost summary, then the
    recuts it prices), read and compute each version once. For reads only: a write made inside is not seen."""
    session.info[_MEMO] = {}
    try:
        yield
    finally:
        session.info.pop(_MEMO, None)


def engine_version(session: Session, v: BudgetVersion) -> sheet.Version:
    """The version as the engine reads it (once per version inside `computed_once`)."""
    memo = session.info.get(_MEMO)
    if memo is None:
        return _engine_version(session, v)
    if ("version", v.id) not in memo:
        memo["version", v.id] = _engine_version(session, v)
    return memo["version", v.id]  # type: ignore[no-any-return]


def _engine_version(session: Session, v: BudgetVersion) -> sheet.Version:
    """The version as the engine reads it: lines read as rows (no ORM objects: a budget has thousands)."""
    prod_id = v.production_id
    chs = session.scalars(
        select(BudgetChapter).where(BudgetChapter.production_id == prod_id).order_by(BudgetChapter.position)
    )
    accs = session.scalars(
        select(BudgetAccount).where(BudgetAccount.production_id == prod_id).order_by(BudgetAccount.position)
    )
    groups = session.scalars(select(FringeGroup).where(FringeGroup.production_id == prod_id))
    return sheet.Version(
        currency=v.currency,
        chapters=[sheet.Chapter(c.code, c.name) for c in chs],
        accounts=[sheet.Account(a.code, a.name, a.chapter, a.department, a.resource) for a in accs],
        lines=[
            sheet.Line(
                x.account,
                x.description,
                Decimal(x.quantity),
                x.unit,
                Decimal(x.rate),
                x.currency,
                x.fringe,
                Decimal(x.vat_rate),
                x.tax_credit,
                x.in_france,
            )
            for x in session.execute(
                select(
                    BudgetLine.account,
                    BudgetLine.description,
                    BudgetLine.quantity,
                    BudgetLine.unit,
                    BudgetLine.rate,
                    BudgetLine.currency,
                    BudgetLine.fringe,
                    BudgetLine.vat_rate,
                    BudgetLine.tax_credit,
                    BudgetLine.in_france,
                )
                .where(BudgetLine.budget_id == v.id)
                .order_by(BudgetLine.position, BudgetLine.id)
            )
        ],  # fmt: skip
        percent_lines=[
            sheet.PercentLine(
                p.name,
                p.account,
                Decimal(p.percent),
                frozenset(p.on) if p.on is not None else None,
                frozenset(p.excluding),
                frozenset(p.includes),
            )
            for p in v.percent_lines
        ],  # fmt: skip
        # A locked version keeps the fringe percentages it was locked with.
        fringes={k: Decimal(x) for k, x in v.frozen["fringes"].items()}
        if v.frozen and "fringes" in v.frozen
        else {g.name: Decimal(g.percent) for g in groups},
        rates={k: Decimal(r) for k, r in v.rates.items()},
    )


def compute(session: Session, v: BudgetVersion) -> sheet.Computed:
    memo = session.info.get(_MEMO)
    if memo is None:
        return sheet.compute(engine_version(session, v))
    if ("computed", v.id) not in memo:
        memo["computed", v.id] = sheet.compute(engine_version(session, v))
    return memo["computed", v.id]  # type: ignore[no-any-return]


@described(status="draft or locked (a locked version never changes: revise it)")
class VersionView(TypedDict):
    id: int
    number: int
    name: str
    status: str
    reason: str
    parent: int | None
    currency: str
    rates: dict[str, str]
    created_by: str
    created_at: str
    locked_at: str | None
    version: int


class LineView(TypedDict):
    id: int
    account: str
    description: str
    quantity: str
    unit: str
    rate: str
    currency: str
    fringe_group: str | None
    vat_rate: str
    tax_credit: str | None
    in_france: bool
    native: str
    subtotal: str
    fringe: str
    vat: str
    total: str


class TotalsView(TypedDict):
    subtotal: str
    fringe: str
    percent: str
    vat: str
    total: str


class AccountRow(TypedDict):
    code: str
    name: str
    chapter: str
    department: str | None
    line_count: int
    totals: TotalsView


class ChapterRow(TypedDict):
    code: str
    name: str
    totals: TotalsView


class PercentRow(TypedDict):
    id: int
    name: str
    account: str
    percent: str
    base: str
    amount: str


@described(total="HT: the amounts are net of VAT, kept apart in vat")
class BudgetView(TypedDict):
    version: VersionView
    chapters: list[ChapterRow]
    accounts: list[AccountRow]
    lines: list[LineView]
    percent_lines: list[PercentRow]
    total: TotalsView


def version_dict(v: BudgetVersion) -> VersionView:
    return {
        "id": v.id, "number": v.number, "name": v.name, "status": v.status.value, "reason": v.reason,
        "parent": v.parent_id, "currency": v.currency, "rates": dict(v.rates), "created_by": v.created_by,
        "created_at": jsonable(v.created_at), "locked_at": jsonable(v.locked_at),
        "version": v.version,
    }  # fmt: skip


def _totals(t: sheet.Totals) -> TotalsView:
    return {
        "subtotal": as_json(t.subtotal), "fringe": as_json(t.fringe), "percent": as_json(t.percent),
        "vat": as_json(t.vat), "total": as_json(t.total),
    }  # fmt: skip


def budget_view(session: Session, prod: Production, v: BudgetVersion, *, account: str | None = None) -> BudgetView:
    """The version with every amount computed: lines (only one account's when named), accounts, chapters,
    percentage lines, total. Lines are read as rows, in the engine's order, never as ORM objects."""
    ev = engine_version(session, v)
    c = sheet.compute(ev)
    ids = session.scalars(
        select(BudgetLine.id).where(BudgetLine.budget_id == v.id).order_by(BudgetLine.position, BudgetLine.id)
    ).all()
    counts = Counter(x.account for x in ev.lines)
    names = {ch.code: ch.name for ch in ev.chapters}
    return {
        "version": version_dict(v),
        "chapters": [{"code": k, "name": names[k], "totals": _totals(t)} for k, t in c.chapters.items()],
        "accounts": [
            {
                "code": a.code,
                "name": a.name,
                "chapter": a.chapter,
                "department": a.department,
                "line_count": counts[a.code],
                "totals": _totals(c.accounts[a.code]),
            }
            for a in ev.accounts
        ],  # fmt: skip
        "lines": [
            {
                "id": ident,
                "account": x.account,
                "description": x.description,
                "quantity": _num(x.quantity),
                "unit": x.unit,
                "rate": _num(x.rate),
                "currency": x.currency,
                "fringe_group": x.fringe,
                "vat_rate": _num(x.vat_rate),
                "tax_credit": x.tax_credit,
                "in_france": x.in_france,
                "native": as_json(a.native),
                "subtotal": as_json(a.subtotal),
                "fringe": as_json(a.fringe),
                "vat": as_json(a.vat),
                "total": as_json(a.total),
            }
            for ident, x, a in zip(ids, ev.lines, c.lines, strict=True)
            if account is None or x.account == account
        ],  # fmt: skip
        "percent_lines": [
            {
                "id": p.id,
                "name": p.name,
                "account": p.account,
                "percent": _num(p.percent),
                "base": as_json(c.percent_bases[p.name]),
                "amount": as_json(c.percent_lines[p.name]),
            }
            for p in v.percent_lines
        ],  # fmt: skip
        "total": _totals(c.total),
    }


def _num(value: Decimal) -> str:
    """A quantity or rate as typed (no trailing zeros beyond what it needs): "12.5", "433.33"."""
    return format(Decimal(value).normalize(), "f")


def parse_rate_option(text: str) -> tuple[str, Decimal]:
    """ "GBP=1.1725" from the command line."""
    code, sep, value = text.partition("=")
    if not sep:
        raise InvalidInput(
            N_("invalid rate %(text)r: CURRENCY=RATE, e.g. GBP=1.1725"), field="rate", params={"text": text}
        )
    return _currency(code), parse_decimal(value, field="rate")
