"""The demo production's money: a budget drafted from its plan, locked, revised; time, vendors, orders, invoices.

So that the cost report and its EFC trend mean something on first start: version 1 is drafted from
the plan (the registers' lines priced as a French post team would), locked as the original budget,
then "Révision 1" adds the alternate ending's VFX shots and conform day; the crew's days to date
are logged from the tasks' history; VFX and grading vendors have purchase orders, one partly
invoiced, one invoiced in full and paid; the cost report is frozen on every past Monday.
Everything goes through the budget and cost services, as a supervisor's commands would.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from postprod.db import acting_as
from postprod.model import Production
from postprod.services import budget, costs
from postprod.services.budget_draft import draft_from_plan
from postprod.services.demo_content import SUPERVISOR

# Prices of the lines the draft leaves at zero, by unit (the supervisor's first estimate).
PRICE_BY_UNIT = {"language": Decimal("38000"), "cue": Decimal("1800"), "flat": Decimal("2500")}
REVISION_NAME = "Révision 1"
REVISION_REASON = (
    "Fin alternative de la bobine 3 retenue : deux plans VFX de plus et une journée de conformation supplémentaire."
)
# (vendor, country) and the orders: (number, vendor, account, amount, days after the start, description).
VENDORS = (("Mikros", "FR"), ("BUF", "FR"), ("Color Lab", "FR"), ("Dubbing Brothers", "FR"))
ORDERS = (
    ("BC-0001", "Mikros", "8.20", "12000", 10, "Plans VFX bobines 1 à 3 (lot 1)"),
    ("BC-0002", "Color Lab", "8.50", "6800", 20, "Conformation et étalonnage des rushes de projection"),
    ("BC-0003", "BUF", "8.20", "6500", 28, "Plans VFX bobine 3, fin alternative"),
)
# Invoices: (vendor, number, order, net, VAT, days after the start, paid).
INVOICES = (
    ("Mikros", "MK-2026-114", "BC-0001", "4800", "960", 30, False),  # BC-0001 partly invoiced
    ("Color Lab", "CL-4471", "BC-0002", "6800", "1360", 27, True),  # BC-0002 invoiced in full and paid
)
# Time logged from the tasks' history: (task key, the person's skill, first and last day after the start).
TIME = (
    ("PIC-INGEST", "assistant-editor", 0, 3),
    ("PIC-ASSEMBLY", "editor", 4, 25),
    ("PIC-ASSEMBLY", "assistant-editor", 4, 25),
    ("PIC-EDITORS-CUT", "editor", 26, None),
    ("PIC-EDITORS-CUT", "assistant-editor", 26, None),
    ("VFX-SPOTTING", "vfx-supervisor", 30, None),
)


def _working_days(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5]


def add_demo_budget(session: Session, prod: Production, *, start: date, today: date) -> None:
    """The demo's budget and costs (its plan must exist); dates before `today` only."""
    draft = draft_from_plan(session, prod)
    v1 = draft.version
    v1.name = "Budget initial"
    for line in v1.lines:
        if line.rate == 0 and line.unit in PRICE_BY_UNIT:
            line.rate = PRICE_BY_UNIT[line.unit]
    budget.add_line(session, prod, v1, account="8.50", description="Conformation et étalonnage des projections",
                    quantity="1", unit="flat", rate="6800", tax_credit="cinema")  # fmt: skip
    budget.add_percent_line(session, prod, v1, "Imprévus", "10.2", "5", excluding=["10"])
    budget.lock(session, v1)
    v2 = budget.revise(session, prod, v1, REVISION_REASON, name=REVISION_NAME)
    budget.add_line(session, prod, v2, account="8.20", description="Plans VFX ajoutés par la fin alternative",
                    quantity="2", unit="shot", rate="3250", tax_credit="cinema")  # fmt: skip
    budget.add_line(session, prod, v2, account="8.50", description="Journée de conformation supplémentaire",
                    quantity="1", unit="day", rate="900", tax_credit="cinema")  # fmt: skip

    crew = {skill: p.name for p in reversed(prod.people) for skill in p.skills}  # the first person with each skill
    yesterday = today - timedelta(days=1)
    with acting_as(session, SUPERVISOR):  # the crew's time, logged for them by the supervisor
        for key, skill, first, last in TIME:
            end = min(start + timedelta(days=last), yesterday) if last is not None else yesterday
            for day in _working_days(start + timedelta(days=first), end):
                costs.log_time(session, prod, person=crew[skill], day=day, days="1", task=key)

    for name, country in VENDORS:
        costs.add_vendor(session, prod, name, country=country)
    for number, vendor, account, amount, after, description in ORDERS:
        costs.add_order(session, prod, number=number, vendor=vendor, account=account, amount=amount,
                        issued=min(start + timedelta(days=after), today), description=description)  # fmt: skip
    for vendor, number, order, net, vat, after, paid in INVOICES:
        costs.add_invoice(session, prod, vendor=vendor, number=number, order=order, net=net, vat=vat,
                          day=min(start + timedelta(days=after), today), paid=paid)  # fmt: skip

    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    while monday < today:
        costs.snapshot(session, prod, monday)
        monday += timedelta(days=7)
