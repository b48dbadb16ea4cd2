"""The budget's settings over the API: fringe groups, exchange rates, percentage lines, the chart of accounts
and the estimates to complete set by hand. Each route: a write that works, a bad field refused naming it,
a locked version answering 409 where the setting belongs to a version, and 403 for a role without the right."""

from __future__ import annotations

from typing import Any

from api_world import World

from postprod.services import budget
from postprod.services.common import get_production

BUDGET = "/productions/{pid}/budget"


def _lock_current(w: World) -> None:
    with w.scope() as s:
        prod = get_production(s, w.production_id)
        budget.lock(s, budget.get_version(s, prod))


def _refused(r: Any, status: int, field: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.json()["field"] == field, r.json()


def test_fringe_groups_and_exchange_rates(world: World) -> None:
    s, d, t = world.client("S"), world.client("D"), world.client("T")
    fringes = world.url(BUDGET + "/fringes")
    assert {"name": "intermittents", "percent": "65"} in s.get(fringes).json()
    assert d.get(fringes).status_code == 200 and t.get(fringes).status_code == 403

    r = s.put(fringes + "/intermittents", json={"percent": "66,5"})
    assert r.status_code == 200 and r.json() == {"name": "intermittents", "percent": "66.5"}
    assert s.put(fringes + "/cadres", json={"percent": "42"}).status_code == 200
    assert {"name": "cadres", "percent": "42"} in s.get(fringes).json()
    _refused(s.put(fringes + "/cadres", json={"percent": "250"}), 422, "percent")
    _refused(s.put(fringes + "/cadres", json={"percent": "lots"}), 422, "percent")
    _refused(s.put(fringes + "/cadres", json={"percent": ""}), 422, "percent")
    _refused(s.put(fringes + "/" + "x" * 65, json={"percent": "1"}), 422, "name")
    assert d.put(fringes + "/cadres", json={"percent": "1"}).status_code == 403
    assert {"name": "cadres", "percent": "42"} in s.get(fringes).json()

    rates = world.url(BUDGET + "/rates")
    r = s.put(rates + "/GBP", json={"rate": "1,1725"})
    assert r.status_code == 200 and r.json()["rates"]["GBP"] == "1.1725"
    etag = r.headers["ETag"]
    assert etag == f'"{r.json()["version"]}"'
    stale = s.put(rates + "/USD", json={"rate": "0.92"}, headers={"If-Match": '"1"'})
    _refused(stale, 409, "version")
    assert s.put(rates + "/USD", json={"rate": "0.92"}, headers={"If-Match": etag}).status_code == 200
    _refused(s.put(rates + "/USD", json={"rate": "-1"}), 422, "rate")
    _refused(s.put(rates + "/EU", json={"rate": "1"}), 422, "currency")
    _refused(s.put(rates + "/EUR", json={"rate": "1"}), 422, "currency")  # the version's own
    _refused(s.put(rates + "/1AB", json={"rate": "1"}), 422, "currency")
    assert d.put(rates + "/USD", json={"rate": "2"}).status_code == 403
    assert s.get(world.url(BUDGET)).json()["version"]["rates"] == {"GBP": "1.1725", "USD": "0.92"}

    # Locked: the version's rates refuse every change; the fringe groups are the production's, and a
    # locked version keeps the percentages it was locked with.
    total = s.get(world.url(BUDGET)).json()["total"]["total"]
    _lock_current(world)
    _refused(s.put(rates + "/USD", json={"rate": "1"}), 409, "version")
    assert s.put(fringes + "/intermittents", json={"percent": "80"}).status_code == 200
    assert s.get(world.url(BUDGET)).json()["total"]["total"] == total


def test_percentage_lines(world: World) -> None:
    s, d, t = world.client("S"), world.client("D"), world.client("T")
    lines = world.url(BUDGET + "/percent-lines")
    assert [p["name"] for p in s.get(lines).json()] == ["Imprévus"]  # the demo's, on all but chapter 10
    assert s.get(lines).json()[0]["excluding"] == ["10"]
    assert t.get(lines).status_code == 403 and d.get(lines).status_code == 200

    body = {"name": "Assurance", "account": "9.10", "percent": "1,5", "excluding": ["10"]}
    r = s.post(lines, json=body)
    assert r.status_code == 201, r.text
    added = next(p for p in r.json()["percent_lines"] if p["name"] == "Assurance")
    assert added["percent"] == "1.5" and added["account"] == "9.10" and added["amount"] != "0.00"
    for field, bad, status in [
        ("account", "99.99", 422),
        ("percent", "150", 422),
        ("percent", "x" * 17, 422),
        ("on", ["77"], 422),
        ("excluding", ["77"], 422),
        ("includes", ["Nope"], 422),
        ("name", "", 422),
        ("name", "Assurance", 409),  # taken
    ]:
        _refused(s.post(lines, json={**body, "name": "Bond", field: bad}), status, field)
    _refused(s.post(lines, json={**body, "name": "Bond", "colour": "red"}), 422, "colour")
    assert d.post(lines, json={**body, "name": "Bond"}).status_code == 403

    # A line in another's base stays until that one goes.
    r = s.post(lines, json={**body, "name": "Bond", "percent": "2", "includes": ["Assurance"]})
    assert r.status_code == 201
    ids = {p["name"]: p["id"] for p in s.get(lines).json()}
    _refused(s.delete(f"{lines}/{ids['Assurance']}"), 409, "includes")
    assert d.delete(f"{lines}/{ids['Bond']}").status_code == 403
    assert s.delete(f"{lines}/{ids['Bond']}").status_code == 204
    assert s.delete(f"{lines}/{ids['Bond']}").status_code == 404
    assert s.delete(f"{lines}/{ids['Assurance']}").status_code == 204
    assert [p["name"] for p in s.get(lines).json()] == ["Imprévus"]

    _lock_current(world)
    _refused(s.post(lines, json=body), 409, "version")
    _refused(s.delete(f"{lines}/{ids['Imprévus']}"), 409, "version")
    assert [p["name"] for p in s.get(lines).json()] == ["Imprévus"]


def test_chart_of_accounts(world: World) -> None:
    s, d, t = world.client("S"), world.client("D"), world.client("T")
    accounts = world.url(BUDGET + "/accounts")
    assert any(a["code"] == "8.20" and a["chapter"] == "8" for a in s.get(accounts).json())
    assert t.get(accounts).status_code == 403

    body = {"code": "8.45", "name": "Sous-titrage", "chapter": "8", "department": None}
    r = s.post(accounts, json=body)
    assert r.status_code == 201 and r.json() == {**body, "resource": None}
    for field, bad, status in [
        ("code", "8 45", 422),
        ("code", "8.45", 409),  # taken
        ("chapter", "77", 422),
        ("department", "catering", 422),
        ("resource", "desk", 422),
        ("name", "", 422),
    ]:
        _refused(s.post(accounts, json={**body, "code": "8.47", field: bad}), status, field)
    assert d.post(accounts, json={**body, "code": "8.48"}).status_code == 403

    # Renumbered and renamed: the current draft's line and the locked version's follow it.
    r = s.post(world.url(BUDGET + "/lines"), json={"account": "8.45", "description": "Sous-titres", "rate": "800"})
    assert r.status_code == 201
    _lock_current(world)
    r = s.patch(accounts + "/8.45", json={"new_code": "8.46", "name": "Sous-titrage et SME"})
    assert r.status_code == 200 and r.json()["code"] == "8.46" and r.json()["name"] == "Sous-titrage et SME"
    view = s.get(world.url(BUDGET)).json()
    assert [x["account"] for x in view["lines"] if x["description"] == "Sous-titres"] == ["8.46"]
    for field, bad, status in [("new_code", "8.20", 409), ("new_code", "bad code", 422), ("name", "", 422),
                               ("department", "catering", 422), ("resource", "desk", 422)]:  # fmt: skip
        _refused(s.patch(accounts + "/8.46", json={field: bad}), status, field)
    _refused(s.patch(accounts + "/9.99", json={"name": "x"}), 404, "code")
    assert d.patch(accounts + "/8.46", json={"name": "x"}).status_code == 403
    assert next(a for a in s.get(accounts).json() if a["code"] == "8.46")["name"] == "Sous-titrage et SME"
    r = s.patch(accounts + "/8.46", json={"department": "picture-editing", "resource": "room"})
    assert r.json()["department"] == "picture-editing" and r.json()["resource"] == "room"
    r = s.patch(accounts + "/8.46", json={"department": "", "resource": ""})
    assert r.json()["department"] is None and r.json()["resource"] is None


def test_estimates_to_complete_set_by_hand(world: World) -> None:
    s, d, t = world.client("S"), world.client("D"), world.client("T")
    etc = world.url("/productions/{pid}/cost-report/etc")
    report = world.url("/productions/{pid}/cost-report")

    def etc_of(code: str) -> str:
        return str(next(a["etc"] for a in s.get(report).json()["accounts"] if a["code"] == code))

    computed = etc_of("8.20")
    assert s.get(etc).json() == [] and t.get(etc).status_code == 403
    r = s.put(f"{etc}/8.20", json={"amount": "15 000", "note": "Two more shots bid by Mikros"})
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == "15000.00" and r.json()["note"] == "Two more shots bid by Mikros"
    assert etc_of("8.20") == "15000.00"
    assert [x["account"] for x in d.get(etc).json()] == ["8.20"]
    _refused(s.put(f"{etc}/8.20", json={"amount": "-5", "note": "x"}), 422, "amount")
    _refused(s.put(f"{etc}/8.20", json={"amount": "lots", "note": "x"}), 422, "amount")
    _refused(s.put(f"{etc}/8.20", json={"amount": "5", "note": ""}), 422, "note")
    _refused(s.put(f"{etc}/8.20", json={"amount": "5", "note": "   "}), 422, "note")
    _refused(s.put(f"{etc}/8.20", json={"amount": "5"}), 422, "note")
    _refused(s.put(f"{etc}/99.99", json={"amount": "5", "note": "x"}), 404, "account")
    assert d.put(f"{etc}/8.20", json={"amount": "1", "note": "x"}).status_code == 403
    assert d.delete(f"{etc}/8.20").status_code == 403
    assert etc_of("8.20") == "15000.00"

    # Not bound to a version: a locked budget does not stop it.
    _lock_current(world)
    assert s.put(f"{etc}/8.20", json={"amount": "16000", "note": "A third shot"}).status_code == 200
    assert s.delete(f"{etc}/8.20").status_code == 204
    assert s.get(etc).json() == [] and etc_of("8.20") == computed
    assert s.delete(f"{etc}/8.20").status_code == 204  # nothing set: nothing to clear
    _refused(s.delete(f"{etc}/99.99"), 404, "account")
