"""What the budget page shows of the budget's settings, and the words of their forms' mistakes.

The settings: the fringe groups (charges sociales) and the chart of accounts, which are the production's,
and the exchange rates and percentage lines of the version shown. The forms post to
`pages_budget_settings`; a refused post shows the page again with the mistake beside its field in the
form it came from (`which`), what was typed kept. Everything here is read from what the page has
already loaded, plus the chart in one query: no query per line or per account.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from postprod.errors import Conflict, PostprodError
from postprod.model import BudgetVersion, Production
from postprod.services import budget as svc
from postprod.services import budget_settings as settings

# The settings forms of the budget page, by the name a refused post gives back (`which`).
SETTINGS_FORMS = ("fringe", "rate", "percent", "percent_list", "account", "account_edit")
RESOURCES = ("person", "room")


def codes(value: str) -> list[str]:
    """Account or chapter numbers typed in one field: "8, 9.10 10" -> ["8", "9.10", "10"]."""
    return [c for c in re.split(r"[\s,;]+", value) if c]


def settings_context(
    session: Session,
    prod: Production,
    v: BudgetVersion,
    view: svc.BudgetView,
    account: str,
    which: str,
    errors: dict[str, str],
    values: dict[str, Any],
) -> dict[str, Any]:
    chart = settings.account_list(session, prod)
    amounts = {p["id"]: p for p in view["percent_lines"]}
    opened = next((a for a in chart if a["code"] == account), None)
    set_values: dict[str, dict[str, Any]] = {k: {} for k in SETTINGS_FORMS}
    set_errors: dict[str, dict[str, str]] = {k: {} for k in SETTINGS_FORMS}
    if opened is not None:
        set_values["account_edit"] = {
            "new_code": opened["code"], "name": opened["name"], "department": opened["department"] or "",
            "resource": opened["resource"] or "",
        }  # fmt: skip
    set_values["account"] = {"chapter": opened["chapter"] if opened else ""}
    if which in SETTINGS_FORMS:
        set_values[which] = values
        set_errors[which] = errors
    return {
        "set_values": set_values,
        "set_errors": set_errors,
        "rates": sorted(v.rates.items()),
        "percent_defs": [{**p, "amount": amounts[p["id"]]["amount"]} for p in settings.percent_lines(v)],
        "opened": opened,
        "chapter_options": [(c["code"], f"{c['code']} {c['name']}") for c in view["chapters"]],
    }


def _hints(which: str, _: Any) -> dict[str, str]:
    code = _("Digits, letters and dots, at most 16, e.g. 8.45.")
    by_form = {
        "fringe": {
            "name": _("A name of at most 64 characters, e.g. intermittents."),
            "percent": _("A percentage between 0 and 200, e.g. 65."),
        },
        "rate": {
            "currency": _("Three letters, not the version's own currency, e.g. GBP."),
            "rate": _("An exchange rate above zero, e.g. 1.1725."),
        },
        "percent": {
            "name": _("A name of at most 120 characters, e.g. Contingency."),
            "account": _("Pick an account of the chart."),
            "percent": _("A percentage between 0 and 100, e.g. 5."),
            "on": _("Account or chapter numbers of the chart, separated by commas, e.g. 8, 9.10."),
            "excluding": _("Account or chapter numbers of the chart, separated by commas, e.g. 10."),
            "includes": _("Pick other percentage lines of this version; two lines may not include each other."),
        },
        "account": {
            "code": code,
            "name": _("Give the account a name."),
            "chapter": _("Pick a chapter."),
            "department": _("Pick a department."),
            "resource": _("Pick people's days, rooms' days or not from the plan."),
        },
        "account_edit": {
            "new_code": code,
            "name": _("Give the account a name."),
            "department": _("Pick a department."),
            "resource": _("Pick people's days, rooms' days or not from the plan."),
        },
    }
    return by_form.get(which, {})


def errors_for(which: str) -> Callable[[PostprodError, Any], dict[str, str]]:
    """{field: message} for a refused post of the form `which`, in the page's language."""

    def errors(exc: PostprodError, _: Any) -> dict[str, str]:
        field = exc.field or "form"
        if isinstance(exc, Conflict) and field == "version":
            return {"version": _("This version is locked: make a revision to change it.")}
        if isinstance(exc, Conflict) and field == "name" and which == "percent":
            return {"name": _("This version has a percentage line of this name already.")}
        if isinstance(exc, Conflict) and field in ("code", "new_code"):
            return {field: _("The chart has an account of this number already.")}
        if which == "percent_list":
            if isinstance(exc, Conflict) and field == "includes":
                return {"form": _("Another percentage line includes this one in its base: remove that one first.")}
            return {"form": exc.said(_)}
        hints = _hints(which, _)
        if field not in hints:
            return {"form": exc.said(_)}
        return {field: hints[field]}

    return errors
