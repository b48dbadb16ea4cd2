"""The budget, cost report, purchases and "my week" pages: each mistake beside its field with nothing written,
a locked version refusing every edit, CSRF on every write, and the pages only for the roles that may see them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from tests.web.webkit import login

from postprod import db
from postprod.model import BudgetLine, BudgetVersion, CostSnapshot, Invoice, PurchaseOrder, TimeEntry, Vendor
from postprod.services import budget, costs
from postprod.services import planning as planning_ops
from postprod.services.common import get_production


def _count(c: TestClient, model: type) -> int:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return len(list(s.query(model)))


def _plan(c: TestClient, pid: int) -> None:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        planning_ops.plan_production(s, get_production(s, pid), time_limit=0.3)


def _drafted(c: TestClient, pid: int, csrf: str) -> None:
    _plan(c, pid)
    r = c.post(f"/p/{pid}/budget/draft", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]


def _start(c: TestClient, pid: int) -> date:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return get_production(s, pid).start_date


LINE = {"account": "8.20", "description": "Sky replacements", "quantity": "12", "unit": "shot", "rate": "1500",
        "currency": "", "fringe": "", "vat_rate": "20", "version": "1"}  # fmt: skip


def test_budget_drafted_edited_locked_and_revised(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/budget").text
    assert "no budget yet" in page and f'action="/p/{pid}/budget/draft"' in page
    assert c.post(f"/p/{pid}/budget/draft", data={}).status_code == 403  # no CSRF token
    _drafted(c, pid, csrf)
    page = c.get(f"/p/{pid}/budget").text
    assert 'id="budget-tree"' in page and 'id="lock-form"' in page and 'id="line-form"' in page
    lines = _count(c, BudgetLine)
    assert lines > 0

    # Each mistake beside its field, what was typed kept, nothing written.
    for field, bad in [("account", "99.99"), ("quantity", "-1"), ("rate", "lots"), ("currency", "XYZ"),
                       ("vat_rate", "150"), ("fringe", "nobody")]:  # fmt: skip
        r = c.post(f"/p/{pid}/budget/lines", data={**LINE, field: bad, "csrf_token": csrf})
        assert r.status_code == 422, (field, r.status_code)
        assert f'id="err-{field}"' in r.text, field
        assert 'value="Sky replacements"' in r.text
    assert _count(c, BudgetLine) == lines
    assert c.post(f"/p/{pid}/budget/lines", data=LINE).status_code == 403
    r = c.post(f"/p/{pid}/budget/lines", data={**LINE, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "account=8.20" in r.headers["location"]
    assert _count(c, BudgetLine) == lines + 1
    page = c.get(r.headers["location"]).text
    assert "Sky replacements" in page and "18,000.00" in page  # 12 x 1,500 (HT)
    assert "3,600.00" in page  # its VAT, kept apart

    # Inline edit: the row's form with the message beside the field; saved, the amount follows.
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        line_id = s.query(BudgetLine).filter_by(description="Sky replacements").one().id
    page = c.get(f"/p/{pid}/budget?account=8.20&edit={line_id}").text
    assert f'id="line-form-{line_id}"' in page
    edit = {**LINE, "open": "8.20", "csrf_token": csrf}
    r = c.post(f"/p/{pid}/budget/lines/{line_id}", data={**edit, "rate": "-3"})
    assert r.status_code == 422 and 'id="err-e-rate"' in r.text
    r = c.post(f"/p/{pid}/budget/lines/{line_id}", data={**edit, "quantity": "10"}, follow_redirects=False)
    assert r.status_code == 303
    assert "15,000.00" in c.get(f"/p/{pid}/budget?account=8.20").text
    r = c.post(f"/p/{pid}/budget/lines/{line_id}", data=edit, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith(f"/p/{pid}/budget?version=1")

    # Lock: no edit control left; a post to the locked version is refused with the message, nothing written.
    assert (
        c.post(f"/p/{pid}/budget/lock", data={"version": "1", "csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    page = c.get(f"/p/{pid}/budget?account=8.20").text
    assert 'id="line-form"' not in page and "/delete" not in page and 'id="lock-form"' not in page
    assert "locked" in page and 'id="revise-form"' in page
    count = _count(c, BudgetLine)
    r = c.post(f"/p/{pid}/budget/lines", data={**LINE, "csrf_token": csrf})
    assert r.status_code == 409 and 'id="err-version"' in r.text and "make a revision" in r.text
    r = c.post(f"/p/{pid}/budget/lines/{line_id}", data={**edit, "rate": "1"})
    assert r.status_code == 409 and "make a revision" in r.text
    r = c.post(f"/p/{pid}/budget/lines/{line_id}/delete", data={"version": "1", "csrf_token": csrf})
    assert r.status_code == 409
    assert _count(c, BudgetLine) == count
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        assert s.get(BudgetLine, line_id).rate == Decimal("1500")  # type: ignore[union-attr]

    # Revise: the reason is asked for; the revision is a new draft; compare shows the line changed.
    r = c.post(f"/p/{pid}/budget/revise", data={"version": "1", "reason": "", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-reason"' in r.text
    assert _count(c, BudgetVersion) == 1
    r = c.post(f"/p/{pid}/budget/revise", data={"version": "1", "reason": "Two more shots", "csrf_token": csrf},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "version=2" in r.headers["location"]
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        revision = s.query(BudgetVersion).filter_by(number=2).one().id
        new_id = s.query(BudgetLine).filter_by(description="Sky replacements", budget_id=revision).one().id
    r = c.post(
        f"/p/{pid}/budget/lines/{new_id}", data={**edit, "version": "2", "quantity": "14"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = c.get(f"/p/{pid}/budget").text
    assert "Two more shots" in page and 'id="version-picker"' in page
    diff = c.get(f"/p/{pid}/budget/compare?before=1&after=2").text
    assert "Sky replacements" in diff and "3,000.00" in diff  # 2 shots x 1,500


def test_purchases_invoices_and_the_cost_report(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    _drafted(c, pid, csrf)
    day = _start(c, pid).isoformat()
    assert c.post(f"/p/{pid}/budget/lock", data={"version": "1", "csrf_token": csrf}).status_code == 200

    r = c.post(f"/p/{pid}/purchases/vendors", data={"name": "Mikros", "country": "France", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-v-country"' in r.text and _count(c, Vendor) == 0
    r = c.post(f"/p/{pid}/purchases/vendors", data={"name": "Mikros", "country": "FR", "csrf_token": csrf},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and _count(c, Vendor) == 1

    def efc() -> str:
        found = re.search(r'id="efc-total">([^<]+)<', c.get(f"/p/{pid}/costs?as_of={day}").text)
        assert found is not None
        return found.group(1)

    efc_start = efc()
    order = {"number": "PO-7", "vendor": "Mikros", "account": "8.40", "amount": "10 000,00", "issued": day,
             "csrf_token": csrf}  # fmt: skip
    for field, bad in [("amount", "-5"), ("account", "99.99"), ("vendor", ""), ("issued", "someday"),
                       ("currency", "ZZZ")]:  # fmt: skip
        r = c.post(f"/p/{pid}/purchases/orders", data={**order, field: bad})
        assert r.status_code == 422 and f'id="err-o-{field}"' in r.text, field
    assert _count(c, PurchaseOrder) == 0
    assert c.post(f"/p/{pid}/purchases/orders", data={**order, "csrf_token": ""}).status_code == 403
    assert c.post(f"/p/{pid}/purchases/orders", data=order, follow_redirects=False).status_code == 303

    efc_ordered = efc()
    assert efc_ordered != efc_start  # the order commits 10,000 to an account with no budget

    invoice = {"vendor": "Mikros", "number": "F-1", "order": "PO-7", "net": "12000", "vat": "2400", "day": day,
               "csrf_token": csrf}  # fmt: skip
    r = c.post(f"/p/{pid}/purchases/invoices", data=invoice)
    assert r.status_code == 422 and 'id="err-i-overrun_note"' in r.text and "overrun" in r.text
    assert _count(c, Invoice) == 0
    r = c.post(f"/p/{pid}/purchases/invoices", data={**invoice, "overrun_note": "Two extra shots agreed"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and _count(c, Invoice) == 1
    page = c.get(f"/p/{pid}/purchases").text
    assert "12,000.00" in page and "Two extra shots agreed" in page and "Mark paid" in page

    # The cost report moves: 12,000 actual on 8.40, the order no longer committed; the overrun marked.
    assert efc() not in (efc_start, efc_ordered)
    after = c.get(f"/p/{pid}/costs?as_of={day}").text
    row = re.search(r'<tr id="cost-8\.40"[^>]*>(.*?)</tr>', after, re.S)
    assert row is not None and "12,000.00" in row.group(1) and 'class="overrun"' in row.group(0)
    assert "-€12,000.00" in row.group(1) or "−€12,000.00" in row.group(1)
    by_dept = c.get(f"/p/{pid}/costs?as_of={day}&by=department").text
    assert "By department" in by_dept and 'id="cost-8.40"' in by_dept
    assert c.get(f"/p/{pid}/costs?as_of=someday").status_code == 422

    detail = c.get(f"/p/{pid}/costs/detail?account=8.40&as_of={day}").text
    assert "F-1" in detail and "PO-7" in detail and "12,000.00" in detail

    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        inv_id = s.query(Invoice).one().id
    assert c.post(f"/p/{pid}/purchases/invoices/{inv_id}/paid", data={"paid": "1"}).status_code == 403
    r = c.post(f"/p/{pid}/purchases/invoices/{inv_id}/paid", data={"paid": "1", "csrf_token": csrf},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        assert s.get(Invoice, inv_id).paid  # type: ignore[union-attr]
    r = c.post(f"/p/{pid}/purchases/orders/close", data={"order": "PO-7", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"/p/{pid}/purchases/orders/close", data={"order": "PO-404", "csrf_token": csrf})
    assert r.status_code == 422 and "Pick an open purchase order" in r.text

    # Snapshots: one per date (the second is refused beside the date); two make the trend.
    later = (_start(c, pid) + timedelta(days=7)).isoformat()
    for as_of in (day, later):
        r = c.post(f"/p/{pid}/costs/snapshot", data={"as_of": as_of, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
    r = c.post(f"/p/{pid}/costs/snapshot", data={"as_of": day, "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-as_of"' in r.text
    assert _count(c, CostSnapshot) == 2
    page = c.get(f"/p/{pid}/costs").text
    assert '<svg class="trend"' in page and "<polyline" in page


def test_my_week_and_who_sees_what(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    _drafted(c, pid, csrf)
    day = _start(c, pid)
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        prod = get_production(s, pid)
        editor = next(p for p in prod.people if "editor" in p.skills)
        other = next(p for p in prod.people if "editor" not in p.skills)
        editor_id, other_id, other_name = editor.id, other.id, other.name
        costs.log_time(s, prod, person=other.name, day=day, days="1")
        task = next(t.key for t in prod.tasks if any(a.id == editor_id for a in t.assignees))

    # A technician: their own week only, no money page, no one else's time.
    csrf = login(c, "editor")
    home = c.get(f"/p/{pid}/week?week={day.isoformat()}")
    assert home.status_code == 200 and 'id="time-form"' in home.text and other_name not in home.text
    assert f'href="/p/{pid}/week"' in home.text and f'href="/p/{pid}/budget"' not in home.text
    assert c.get(f"/p/{pid}/week?person={other_id}").status_code == 403
    entries = _count(c, TimeEntry)
    form = {"day": day.isoformat(), "task": task, "days": "1", "hours": "", "note": "", "person": "",
            "csrf_token": csrf}  # fmt: skip
    for field, bad in [("days", "3"), ("days", "many"), ("day", "someday"), ("task", "NOPE-1")]:
        r = c.post(f"/p/{pid}/week", data={**form, field: bad})
        assert r.status_code == 422 and f'id="err-{field}"' in r.text, (field, bad)
    r = c.post(f"/p/{pid}/week", data={**form, "days": "", "hours": "-2"})
    assert r.status_code == 422 and 'id="err-hours"' in r.text
    assert c.post(f"/p/{pid}/week", data={**form, "person": str(other_id)}).status_code == 403
    assert c.post(f"/p/{pid}/week", data={**form, "csrf_token": ""}).status_code == 403
    assert _count(c, TimeEntry) == entries
    r = c.post(f"/p/{pid}/week", data={**form, "days": "0,5"}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"/p/{pid}/week", data={**form, "days": "", "hours": "4"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "HX-Redirect" in r.headers
    assert _count(c, TimeEntry) == entries + 2
    page = c.get(f"/p/{pid}/week?week={day.isoformat()}").text
    assert task in page and other_name not in page and "€" not in page
    for url in ("budget", "costs", "purchases", "costs/detail", "budget/compare"):
        assert c.get(f"/p/{pid}/{url}").status_code == 403, url

    # The client: no money page and no time; the lead: no money page.
    login(c, "client")
    for url in ("budget", "costs", "purchases", "week"):
        assert c.get(f"/p/{pid}/{url}").status_code == 403, url
    assert f'href="/p/{pid}/week"' not in c.get(f"/p/{pid}").text
    login(c, "picturelead")
    for url in ("budget", "costs", "purchases"):
        assert c.get(f"/p/{pid}/{url}").status_code == 403, url

    # The production director: reads every page, sees everyone's week, edits nothing.
    csrf = login(c, "director")
    page = c.get(f"/p/{pid}/budget").text
    assert 'id="budget-tree"' in page and 'id="lock-form"' not in page and 'id="line-form"' not in page
    assert f'href="/p/{pid}/costs"' in page
    costs_page = c.get(f"/p/{pid}/costs").text
    assert 'id="cost-report"' in costs_page and 'id="snapshot-form"' not in costs_page
    week = c.get(f"/p/{pid}/week?week={day.isoformat()}").text
    assert other_name in week and 'id="time-form"' not in week
    assert c.get(f"/p/{pid}/week?week={day.isoformat()}&person={editor_id}").status_code == 200
    assert c.post(f"/p/{pid}/budget/lock", data={"version": "1", "csrf_token": csrf}).status_code == 403
    assert c.post(f"/p/{pid}/purchases/vendors", data={"name": "X", "csrf_token": csrf}).status_code == 403
    assert c.post(f"/p/{pid}/costs/snapshot", data={"csrf_token": csrf}).status_code == 403
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        v = budget.get_version(s, get_production(s, pid))
        assert v.status.value == "draft"
