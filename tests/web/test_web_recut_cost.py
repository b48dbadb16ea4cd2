"""The cut version page prices its recut for those who see the budget, and sends it for approval to them only."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.web.webkit import login

from postprod import db
from postprod.model import ApprovalRequest, BudgetStatus, CutVersion
from postprod.services import budget
from postprod.services.common import get_production
from postprod.services.recut_cost import recut_cost


def test_the_recut_is_priced_for_the_budget_right_only(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        cv = s.scalars(select(CutVersion).where(CutVersion.production_id == pid, CutVersion.number == 2)).one()
        cv_id, reel = cv.id, cv.reel
        v = budget.versions(s, prod)[-1] if budget.versions(s, prod) else budget.create_version(s, prod)
        if v.status != BudgetStatus.DRAFT:
            v = budget.revise(s, prod, v, "the conform")
        account = next(a.code for a in budget.accounts(s, prod) if a.department == "picture-editing")
        budget.add_line(s, prod, v, account=account, description="Conformation", quantity="3", unit="day", rate="650")
        view = recut_cost(s, prod, cv)
    assert view is not None and view["lines"], "the demo's recut has something to price"
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/cuts/{cv_id}")
    assert page.status_code == 200 and 'id="recut-cost"' in page.text
    total = re.search(r'id="recut-cost">\s*<h2>[^<]*<span class="muted">([^<]+)<', page.text)
    assert total is not None and total.group(1).replace("\u00a0", " ").startswith("€")
    # the approval is offered to those who see the budget: the director, not the client nor the editor
    form = page.text[page.text.index('id="request-approval"') :]
    offered = set(re.findall(r'name="reviewers" value="([^"]+)"', form))
    assert "director" in offered and not offered & {"client", "editor", "picturelead"}
    # naming nobody: the cut version's page again, the message beside the reviewers, the message kept
    refused = {"csrf_token": csrf, "target_type": "cut_version", "target": str(cv_id), "message": "The recut"}
    r = c.post(f"/p/{pid}/approvals", data=refused)
    assert r.status_code == 422 and 'id="recut-cost"' in r.text and ">The recut</textarea>" in r.text
    assert 'id="err-reviewers" role="alert">name at least one reviewer<' in r.text
    r = c.post(
        f"/p/{pid}/approvals",
        data={
            "csrf_token": csrf,
            "target_type": "cut_version",
            "target": str(cv_id),
            "reviewers": "director",
            "message": f"Budget change: the cost of the recut {reel} v2",
        },  # fmt: skip
        follow_redirects=False,
    )
    assert r.status_code == 303
    with db.session_scope(engine) as s:
        req = s.scalars(select(ApprovalRequest).where(ApprovalRequest.target_id == cv_id)).one()
        assert req.target_type == "cut_version" and "Budget change" in req.message
    api = c.get(f"/api/v1/productions/{pid}/cuts/{reel}/cost", params={"number": 2})
    assert api.status_code == 200 and api.json()["total"] == view["total"]
    csrf = login(c, "director")
    c.post("/language", data={"csrf_token": csrf, "language": "fr", "next": "/"})
    page = c.get(f"/p/{pid}/cuts/{cv_id}").text
    assert "Coût de ce remontage" in page and "€" in page
    for role in ("picturelead", "editor"):  # a department lead, a technician: the change list, no money
        login(c, role)
        page = c.get(f"/p/{pid}/cuts/{cv_id}")
        assert page.status_code == 200 and 'id="changes"' in page.text
        assert 'id="recut-cost"' not in page.text and "€" not in page.text, role
        assert c.get(f"/api/v1/productions/{pid}/cuts/{reel}/cost").status_code == 403, role


def test_the_cut_version_lists_the_cues_that_moved_with_the_picture(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, pid = site
    with db.session_scope(engine) as s:
        cv = s.scalars(select(CutVersion).where(CutVersion.production_id == pid, CutVersion.number == 2)).one()
        cv_id, shifted = cv.id, (cv.carry_summary or {})["shifted"]
    assert shifted > 0
    csrf = login(c, "editor")  # no money needed: the cues are everyone's who reads the cut
    page = c.get(f"/p/{pid}/cuts/{cv_id}").text
    section = page[page.index('id="moved"') : page.index("</section>", page.index('id="moved"'))]
    rows = re.findall(
        r"<tr><td>[^<]*</td><td><a href=\"/p/\d+/registers/(\w+)/(\d+)\">([^<]+)</a></td>\s*<td>([^<]*)</td><td>([^<]*)</td><td class=\"num\">([^<]*)</td>",
        section,
    )
    assert len(rows) == shifted, section
    for _kind, _id, _key, was, now, offset in rows:
        assert was != now and offset.strip() not in ("", "+0")
    c.post("/language", data={"csrf_token": csrf, "language": "fr", "next": "/"})
    assert "Repères déplacés avec l'image" in c.get(f"/p/{pid}/cuts/{cv_id}").text


def test_the_weekly_report_prices_the_recuts_waiting_for_approval(
    site: tuple[TestClient, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postprod.budget import sheet
    from postprod.services import weekly_report as wr
    from postprod.services.users import Grant

    _c, pid = site
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        v = budget.versions(s, prod)[-1] if budget.versions(s, prod) else budget.create_version(s, prod)
        if v.status != BudgetStatus.DRAFT:
            v = budget.revise(s, prod, v, "the conform")
        account = next(a.code for a in budget.accounts(s, prod) if a.department == "picture-editing")
        budget.add_line(s, prod, v, account=account, description="Conformation", quantity="3", unit="day", rate="650")
        cv = s.scalars(select(CutVersion).where(CutVersion.production_id == pid, CutVersion.number == 2)).one()
        view = recut_cost(s, prod, cv)
        computed: list[object] = []
        compute = sheet.compute
        monkeypatch.setattr(sheet, "compute", lambda version: computed.append(version) or compute(version))
        data = wr.assemble(s, prod, wr.parse_week(None))
        assert len(computed) == 1  # the report computes the budget once: its summary and the recut read it
        assert budget.compute(s, v) is not None and len(computed) == 2  # outside the report's read: again
    assert view is not None
    cut = next(x for x in data["risks"]["cuts"] if (x["reel"], x["number"]) == (cv.reel, 2))
    assert cut["cost"] == view["total"]
    seen = wr.for_reader([Grant("technician", pid)], data)
    assert all("cost" not in x for x in seen["risks"]["cuts"])


def test_an_item_s_label_is_said_in_the_page_s_language(site: tuple[TestClient, int], engine: Engine) -> None:
    """Labels are kept as said in English ("VFX shot 053_CSC_0750"); the pages put the kind's word in theirs."""
    from postprod.services import review, users

    c, pid = site
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        target = review.resolve_target(s, prod, "vfx_shot", "053_CSC_0750")
        req = review.request_approval(s, prod, target, [users.get_user(s, "director")], requested_by=None)
        req_id = req.id
        assert req.label == "VFX shot 053_CSC_0750"
    csrf = login(c, "supervisor")
    assert "VFX shot 053_CSC_0750" in c.get(f"/p/{pid}/approvals").text
    c.post("/language", data={"csrf_token": csrf, "language": "fr", "next": "/"})
    for page in (f"/p/{pid}/approvals", f"/p/{pid}/approvals/{req_id}"):
        text = c.get(page).text
        assert "Plan VFX 053_CSC_0750" in text and "VFX shot 053_CSC_0750" not in text, page
