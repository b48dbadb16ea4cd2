"""A department's share of the budget, as its lead may see it: lines and days, no personal rate.

The stripping itself is the money gate's (services/money.department_budget); this module reads
the version and names the lines that price a person's or a room's days.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput
from postprod.model import Production
from postprod.services import budget, money


def department_view(
    session: Session, prod: Production, departments: list[str], version: str | int | None = None
) -> dict[str, Any]:
    """The departments' accounts and lines of a version (default the current one), without personal rates."""
    known = {d.code for d in prod.departments}
    if not departments:
        raise InvalidInput("name a department", field="department")
    for code in departments:
        if code not in known:
            raise InvalidInput(
                N_("unknown department %(code)r: one of %(known)s"),
                field="department",
                params={"code": code, "known": ", ".join(sorted(known))},
            )
    v = budget.get_version(session, prod, version)
    personal = {x.id for x in v.lines if x.link_type in money.PERSONAL_LINKS}
    return money.department_budget(budget.budget_view(session, prod, v), departments, personal)
