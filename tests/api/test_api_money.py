"""Money never reaches a role without the budget right: every GET route and every page, walked as each role.

Money is planted on every item that can carry it (each person's and room's day rate, a VFX bid changed
once so that the history holds two amounts); then each route of the OpenAPI document and each page
route of the app is called with real IDs of the demo production, as every role. Roles without
`budget.read` must find no money key and no planted amount in any response, the change feed, its
stream, the history or a webhook delivery; roles with it must find them (so hiding everything fails).
A route whose path parameter the walk cannot fill fails the test: add its filler here.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from api_world import USERS, World, import_two_cuts, tone_file
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from postprod.app import create_app
from postprod.model import CutVersion
from postprod.services import deliverables, events, money, people, registers, review, users, webhooks
from postprod.services import planning as planning_ops
from postprod.services.common import get_production

PERSON_RATE, ROOM_RATE, OLD_BID, BID = "91357.24", "82468.13", "64680.91", "73579.02"
LINE_RATE, ORDER, INVOICE = "46813.57", "37924.68", "28135.79"  # a budget line, a purchase order, an invoice
PLANTED = (PERSON_RATE, ROOM_RATE, OLD_BID, BID, LINE_RATE, ORDER, INVOICE)
# Money keys as the API names them; the gate's own list is added so a key it knows is checked too.
MONEY_KEYS = {"day_rate", "bid", "bid_amount", "bid_currency"} | set(money.MONEY_KEYS)
ENTRIES = {  # one entry per register, so that every {kind}/{key} route is walked
    "vfx": {"shot_id": "053_CSC_0750", "description": "Sky replacement", "vendor": "Mikros", "bid": OLD_BID},
    "adr": {"number": "101", "character": "Anna", "line": "Non."},
    "foley": {"number": "F12", "description": "Footsteps on gravel"},
    "music": {"number": "1M3", "title": "Aube"},
    "dubbing": {"language": "it", "studio": "Studio B"},  # the demo has its own en and de
}


def _amount_pattern(value: str) -> re.Pattern[str]:
    """The amount as JSON, a page or Babel may write it (91357.24, 91,357.24, 91 357,24), not inside a longer token."""
    whole, cents = value.split(".")
    head, tail = whole[:-3], whole[-3:]
    return re.compile(rf"(?<![0-9A-Za-z]){head}[\s,.'\u00a0\u202f]?{tail}(?:[.,]{cents})?(?![0-9])")


PATTERNS = {v: _amount_pattern(v) for v in PLANTED}


def _roles() -> tuple[list[str], list[str]]:
    """Test role letters with and without the budget right, from the permission table of the demo accounts."""
    role_of = {name: role for name, _pw, role, *_ in users.DEMO_USERS}
    without = [
        r for r, name in USERS.items() if name in role_of and money.RIGHT not in users.PERMISSIONS[role_of[name]]
    ]
    with_ = [r for r, name in USERS.items() if r not in without]
    return with_, without


def _get_routes(routes: list[Any], prefix: str = "") -> set[str]:
    """Paths of every GET route, through included routers (FastAPI may keep them unflattened)."""
    out: set[str] = set()
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out |= _get_routes(inner.routes, prefix + getattr(getattr(r, "include_context", None), "prefix", ""))
        elif isinstance(r, APIRoute) and "GET" in r.methods:
            out.add(prefix + r.path)
    return out


def _plant(w: World) -> dict[str, Any]:
    """Money on every item, the items the routes need, and the IDs that fill their paths."""
    import_two_cuts(w)
    with w.scope() as s:
        prod = get_production(s, w.production_id)
        planning_ops.plan_production(s, prod, time_limit=0.3)
        planning_ops.set_baseline(s, prod)
        hook = webhooks.create_webhook(s, prod, "https://hooks.example/postprod").id
        mark = events.last_id(s)
    with w.scope() as s:  # first, so that the pages' recent activity still shows the bids changed after it
        prod = get_production(s, w.production_id)
        # The budget and what the post costs: a line, an order, an invoice, time.
        from postprod.services import budget, costs

        current = budget.versions(s, prod)  # the demo comes with its budget: a revision of it then
        version = budget.revise(s, prod, current[-1], "planted") if current else budget.create_version(s, prod)
        # an account of its own, so that the cost report shows the planted rate as the account's budget
        budget.add_line(s, prod, version, account="9.10", description="Insurance", quantity=1, unit="flat",
                        rate=LINE_RATE)  # fmt: skip
        budget.lock(s, version)
        costs.add_vendor(s, prod, "Studio Lumière")
        costs.add_order(s, prod, number="PO-1", vendor="Studio Lumière", account="8.20", amount=ORDER,
                        issued=prod.start_date)  # fmt: skip
        costs.add_invoice(s, prod, vendor="Studio Lumière", number="F-1", net=INVOICE, order="PO-1",
                          day=prod.start_date)  # fmt: skip
        costs.log_time(
            s,
            prod,
            person=sorted(p.name for p in prod.people)[0],
            day=prod.start_date,
            days="1",
            task="PIC-EDITORS-CUT",
        )
        if prod.start_date not in {x.as_of for x in costs.snapshots(s, prod)}:  # the demo's Mondays are frozen
            costs.snapshot(s, prod, prod.start_date)
    with w.scope() as s:
        prod = get_production(s, w.production_id)
        for p in prod.people:
            people.update_person(s, p, day_rate=PERSON_RATE)
        for r in prod.rooms:
            r.day_rate = Decimal(ROOM_RATE)
        keys = {}
        for name, values in ENTRIES.items():
            kind = registers.get_kind(name)
            entry = registers.add_entry(s, prod, kind, values)
            keys[name] = str(getattr(entry, kind.key))
        shot = registers.get_entry(s, prod, registers.get_kind("vfx"), keys["vfx"])
        registers.update_entry(s, prod, registers.get_kind("vfx"), shot, {"bid": BID}, expected_version=shot.version)
        review.share(s, prod, "vfx_shot", keys["vfx"])  # the client's shared shot
        target = review.resolve_target(s, prod, "vfx_shot", keys["vfx"])
        reviewers = [users.get_user(s, "director"), users.get_user(s, "client")]
        approval = review.request_approval(s, prod, target, reviewers, requested_by=None).id
        d = deliverables.add_deliverable(s, prod, name="Printmaster", spec="dcp-audio", file=tone_file(w))
        review.share(s, prod, "deliverable", d.name)
        d_id, d_name = d.id, d.name
        cut_version = min(cv.id for cv in s.query(CutVersion).filter_by(production_id=prod.id))
        person = sorted(p.name for p in prod.people)[0]
        room = sorted(r.name for r in prod.rooms)[0]
        calendar = prod.calendars[0].id
        from postprod.services import calendar_feeds

        feed_token = calendar_feeds.create_feed(s, users.get_user(s, "supervisor"), prod, "production")[1]
    measured = deliverables.measure(tone_file(w), "dcp-audio")
    with w.scope() as s:
        run = deliverables.record_run(s, w.production_id, d_id, measured, "fixture")["id"]
    with w.scope() as s:  # an issued weekly report with its PDF
        from postprod.services import weekly_report
        from postprod.web import weekly_report as pack

        prod = get_production(s, w.production_id)
        data = weekly_report.assemble(s, prod, weekly_report.parse_week(None))
        data["revision"] = 1
        report = weekly_report.issue(s, prod, data, pdf=pack.pdf(data, "en"), lang="en", paragraph="").id
    r = w.client("S").post(w.url("/productions/{pid}/export-jobs"))
    assert r.status_code == 202, r.text
    job = int(r.json()["id"])
    w.app.state.jobs.wait(job, 60)
    fill: dict[str, Any] = {
        "production_id": w.production_id,
        "task_ref": "PIC-EDITORS-CUT",
        "person_ref": person,
        "room_ref": room,
        "calendar_id": calendar,
        "request_id": approval,
        "job_id": job,
        "name": "current",
        "reel": "R1",
        "ref": d_name,
        "deliverable_id": d_id,
        "run_id": run,
        "version_id": cut_version,
        "token": feed_token,
        "report_id": report,
    }
    return {"fill": fill, "keys": keys, "mark": mark, "hook": hook}


def _urls(path: str, fill: dict[str, Any], keys: dict[str, str], unfilled: set[str]) -> list[str]:
    """The path with its parameters filled; one URL per register when it names one."""
    params = re.findall(r"{(\w+)}", path)
    kind_param = next((p for p in params if p in ("kind", "kind_name")), None)
    out = []
    for kind in list(keys) if kind_param else [None]:
        url = path
        for p in params:
            if p in ("kind", "kind_name"):
                value: Any = kind
            elif p in ("key", "entry_id") and kind is not None:
                value = keys[kind]
            elif p in fill:
                value = fill[p]
            else:
                unfilled.add(f"{path}: {{{p}}}")
                return []
            url = url.replace("{" + p + "}", str(value))
        out.append(url)
    return out


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def _json_parts(text: str, content_type: str) -> list[Any]:
    """The JSON a response carries: its body, or each `data:` line of an event stream."""
    if content_type.startswith("application/json"):
        return [json.loads(text)]
    if content_type.startswith("text/event-stream"):
        return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
    return []


def _money_in(text: str, content_type: str) -> list[str]:
    found = [f"amount {v}" for v, pat in PATTERNS.items() if pat.search(text)]
    for part in _json_parts(text, content_type):
        found += [f"key {k!r}" for k in sorted(_keys(part) & MONEY_KEYS)]
    return found


def _query(path: str, mark: int, count: int) -> dict[str, Any]:
    """Query parameters some routes need to show the planted changes (or to end)."""
    return {
        "/api/v1/events/recent": {"after": mark, "limit": 1000},
        "/api/v1/events": {"after": mark, "limit": count, "timeout": 3},
        "/api/v1/productions/{production_id}/history": {"limit": 1000},
        DEPARTMENT_BUDGET: {"department": "picture-editing"},  # the lead's department
    }.get(path, {})


DEPARTMENT_BUDGET = "/api/v1/productions/{production_id}/budget/department"


def _department_budget(seen: dict[str, dict[str, Any]], without: list[str]) -> None:
    """The one money a role without the budget right may read: its own department's budget lines, as a
    lead sees them (`budget.department`), which never carry a person's or a room's rate. Checked here, then
    taken out of the walk's strict rule."""
    role_of = {name: role for name, _pw, role, *_ in users.DEMO_USERS}
    for role in without:
        url = next(u for u in seen[role] if u.endswith("/budget/department"))
        status, found = seen[role][url]
        if "budget.department" in users.PERMISSIONS[role_of[USERS[role]]]:
            assert status == 200, f"{role} GET {url}: {status}"
            personal = [f for f in found if PERSON_RATE in f or ROOM_RATE in f]
            assert not personal, f"{role} reads a personal rate in its department's budget: {personal}"
            seen[role][url] = (status, [])
        else:
            assert status == 403 and not found, f"{role} GET {url}: {status} {found}"


def _walk(w: World, app: Any, paths: list[str], planted: dict[str, Any], roles: str) -> dict[str, dict[str, Any]]:
    """Every path as every role: {role: {url: (status, found money)}}, and the unfillable paths."""
    with w.scope() as s:
        count = len(events.changes_after(s, [w.production_id], planted["mark"], 10_000))
    unfilled: set[str] = set()
    seen: dict[str, dict[str, Any]] = {}
    for role in roles:
        client = TestClient(app, headers={"Authorization": f"Bearer {w.tokens[role]}"})
        seen[role] = {}
        for path in paths:
            for url in _urls(path, planted["fill"], planted["keys"], unfilled):
                r = client.get(url, params=_query(path, planted["mark"], count))
                assert r.status_code < 500, f"{role} GET {url}: {r.status_code} {r.text[:300]}"
                seen[role][url] = (r.status_code, _money_in(r.text, r.headers.get("content-type", "")))
        client.close()
    assert not unfilled, f"the money walk cannot fill these path parameters (add them to _plant): {sorted(unfilled)}"
    return seen


def _check(
    seen: dict[str, dict[str, Any]],
    without: list[str],
    with_: list[str],
    must_show: list[str],
    shown: tuple[str, ...] = PLANTED,
) -> None:
    leaks = [
        f"{role} GET {url} ({status}): {', '.join(found)}"
        for role in without
        for url, (status, found) in seen[role].items()
        if found
    ]
    assert not leaks, "money reached roles without the budget right:\n" + "\n".join(leaks)
    urls = {url for role in seen for url in seen[role]}
    dead = sorted(u for u in urls if not any(200 <= seen[r][u][0] < 300 for r in seen if u in seen[r]))
    assert not dead, f"routes no role could read (the walk's IDs are wrong): {dead}"
    for role in with_:
        showing = {url for url, (status, found) in seen[role].items() if status == 200 and found}
        missing = [u for u in must_show if u not in showing]
        assert not missing, f"{role} holds the budget right but sees no money in {missing}"
        amounts = {f.split()[1] for _s, found in seen[role].values() for f in found if f.startswith("amount")}
        assert amounts == set(shown), f"{role} sees only {sorted(amounts)} of the planted amounts"


def test_no_money_leaves_for_roles_without_the_budget_right(world: World) -> None:
    w = world
    planted = _plant(w)
    with_, without = _roles()
    assert without and with_, (with_, without)
    pid, shot = w.production_id, planted["keys"]["vfx"]

    # The API: every GET operation of the OpenAPI document.
    api_paths = sorted(p for p, ops in w.app.openapi()["paths"].items() if "get" in ops)
    seen = _walk(w, w.app, api_paths, planted, "".join(with_ + without))
    _department_budget(seen, without)
    base = f"/api/v1/productions/{pid}"
    must_show = [
        f"{base}/people",
        f"{base}/rooms",
        f"{base}/registers/vfx",
        f"{base}/registers/vfx/{shot}",
        f"{base}/history",
        "/api/v1/events/recent",
        "/api/v1/events",
        f"{base}/budget",
        f"{base}/cost-report",
        f"{base}/purchase-orders",
        f"{base}/invoices",
    ]
    _check(seen, without, with_, must_show)

    # The pages: every GET route of the app outside the API, on the same database.
    site = create_app(engine=w.engine, webhooks=False)
    try:
        page_paths = sorted(p for p in _get_routes(site.routes) if not p.startswith("/api/"))
        assert "/p/{production_id}/registers/{kind_name}/{entry_id}" in page_paths
        seen = _walk(w, site, page_paths, planted, "".join(with_ + without))
    finally:
        site.state.jobs.shutdown()
    room, person = planted["fill"]["room_ref"], planted["fill"]["person_ref"]
    shown = [
        f"/p/{pid}/people",
        f"/p/{pid}/registers/vfx/{shot}",
        f"/p/{pid}/rooms/{room}",
        f"/p/{pid}/people/{person}",
    ]
    # The budget's pages: the line in the budget and the cost report, the order and the invoice in the purchases.
    shown += [f"/p/{pid}/budget", f"/p/{pid}/costs", f"/p/{pid}/purchases"]
    _check(seen, without, with_, shown)

    # A webhook delivery: no role stands behind it, so never any money.
    sent: list[bytes] = []
    dispatcher = webhooks.WebhookDispatcher(
        w.engine, gap_wait=0.0, send=lambda url, body, headers: sent.append(body) or 200
    )
    while dispatcher.run_once():
        pass
    delivered = [e for body in sent for e in json.loads(body)["events"]]
    assert {"Person", "Room", "VfxShot"} <= {e["entity_type"] for e in delivered}
    leaks = [found for body in sent if (found := _money_in(body.decode(), "application/json"))]
    assert not leaks, f"a webhook delivery carried money: {leaks}"


def test_sorting_by_money_is_refused_without_the_budget_right(world: World) -> None:
    w = world
    with w.scope() as s:
        prod = get_production(s, w.production_id)
        vfx = registers.get_kind("vfx")
        for n, bid in enumerate(("300", "100", "200")):
            registers.add_entry(s, prod, vfx, {"shot_id": f"010_SRT_00{n}0", "bid": bid})
    with_, without = _roles()
    url = w.url("/productions/{pid}/registers/vfx")
    for role in without:
        if role == "C":  # a client reads no register list at all
            assert w.client(role).get(url, params={"sort": "bid"}).status_code == 403
            continue
        for sort in ("bid", "-bid"):
            r = w.client(role).get(url, params={"sort": sort})
            assert r.status_code == 403 and r.json()["field"] == "sort", (role, sort, r.text)
        assert w.client(role).get(url, params={"sort": "-vendor"}).status_code == 200
        registers_info = {k["name"]: k for k in w.client(role).get(w.url("/productions/{pid}/registers")).json()}
        assert "bid" not in registers_info["vfx"]["sort"]
        assert not {f["name"] for f in registers_info["vfx"]["fields"]} & {"bid", "currency"}
    for role in with_:
        r = w.client(role).get(url, params={"sort": "-bid"})
        assert r.status_code == 200, r.text
        items = r.json()["items"]  # the demo's own shots have bids too: every bid in order, ours among them
        bids = [Decimal(e["bid"]) for e in items if e["bid"] is not None]
        assert bids == sorted(bids, reverse=True) and len(bids) > 3
        assert [e["bid"] for e in items if e["shot_id"].startswith("010_SRT")] == ["300", "200", "100"]
    site = create_app(engine=w.engine, webhooks=False)
    try:
        lead = TestClient(site, headers={"Authorization": f"Bearer {w.tokens['L']}"})
        page = f"/p/{w.production_id}/registers/vfx"
        assert lead.get(page, params={"sort": "-bid"}).status_code == 403
        assert "sort=bid" not in lead.get(page).text and "sort=vendor" in lead.get(page).text
    finally:
        site.state.jobs.shutdown()


def test_a_lead_editing_a_shot_does_not_get_its_bid_back(world: World) -> None:
    """A VFX department lead may edit the register: the answer (and a stale write's current state) has no bid."""
    w = world
    with w.scope() as s:
        prod = get_production(s, w.production_id)
        lead = users.create_user(s, username="vfxlead", password="password1")
        users.grant(s, lead, prod, "department-lead", department="vfx")
        token = users.create_token(s, lead, "tests")[1]
        registers.add_entry(s, prod, registers.get_kind("vfx"), {"shot_id": "020_LED_0010", "bid": BID})
    c = TestClient(w.app, headers={"Authorization": f"Bearer {token}"})
    url = w.url("/productions/{pid}/registers/vfx/020_LED_0010")
    r = c.patch(url, json={"values": {"vendor": "Rodeo"}, "version": 1})
    assert r.status_code == 200 and r.json()["vendor"] == "Rodeo" and not _money_in(r.text, "application/json")
    r = c.patch(url, json={"values": {"vendor": "Mikros"}, "version": 1})
    assert r.status_code == 409 and r.json()["current"]["vendor"] == "Rodeo"
    assert not _money_in(r.text, "application/json")
    # nor set or overwrite a bid it cannot read
    r = c.post(w.url("/productions/{pid}/registers/vfx"), json={"values": {"shot_id": "020_LED_0020", "bid": "5"}})
    assert r.status_code == 403 and r.json()["field"] == "bid", r.text
    r = c.patch(url, json={"values": {"bid": "1", "currency": "USD"}, "version": 2})
    assert r.status_code == 403 and r.json()["field"] in ("bid", "currency"), r.text
    r = c.post(w.url("/productions/{pid}/registers/vfx"), json={"values": {"shot_id": "020_LED_0020"}})
    assert r.status_code == 201 and "bid" not in r.json()
    c.close()
    with w.scope() as s:
        shot = registers.get_entry(s, get_production(s, w.production_id), registers.get_kind("vfx"), "020_LED_0010")
        assert shot.bid_amount is not None and Decimal(str(shot.bid_amount)) == Decimal(BID)  # untouched
