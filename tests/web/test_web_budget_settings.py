"""The budget's settings on the pages: fringe groups, exchange rates, percentage lines and the chart of accounts on
the budget page, the ETC set by hand on the cost report. Each form writes; each mistake comes back beside its
field, in English and in French, with what was typed kept and nothing written; a locked version refuses its
rates and percentage lines; the production director reads the settings and finds no form."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from tests.web.test_web_budget import _drafted
from tests.web.webkit import login

from postprod import db
from postprod.model import BudgetAccount, BudgetPercentLine, BudgetVersion, EtcOverride, FringeGroup
from postprod.services import budget
from postprod.services.common import get_production

FORMS = ("fringe-form", "rate-form", "percent-form", "account-form", "account-edit-form")


def _fringes(c: TestClient) -> dict[str, Decimal]:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return {g.name: Decimal(g.percent) for g in s.query(FringeGroup)}


def _count(c: TestClient, model: type) -> int:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return len(list(s.query(model)))


def _rates(c: TestClient, pid: int) -> dict[str, str]:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return dict(budget.get_version(s, get_production(s, pid)).rates)


def _codes(c: TestClient) -> set[str]:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return {a.code for a in s.query(BudgetAccount)}


def _beside(r: object, field: str, words: str) -> None:
    """The refused post's page: 422, the message with its id beside the field."""
    html = r.text  # type: ignore[attr-defined]
    assert r.status_code == 422, (field, r.status_code)  # type: ignore[attr-defined]
    found = re.search(rf'id="err-{re.escape(field)}">([^<]*)<', html)
    assert found is not None, field
    assert words in found.group(1), (field, found.group(1))


def _french(c: TestClient, pid: int, csrf: str) -> None:
    r = c.post("/language", data={"language": "fr", "next": f"/p/{pid}/budget", "csrf_token": csrf})
    assert r.status_code == 200 and '<html lang="fr">' in r.text


def test_budget_settings_forms(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    _drafted(c, pid, csrf)
    page = c.get(f"/p/{pid}/budget").text
    for form in FORMS[:4]:
        assert f'id="{form}"' in page, form
    assert 'id="account-edit-form"' not in page  # no account open
    base = {"csrf_token": csrf, "version": "1", "open": ""}

    # Fringe groups: a mistake beside the percentage, the typed values kept; then changed and added.
    before = _fringes(c)
    r = c.post(f"/p/{pid}/budget/fringes", data={**base, "name": "intermittents", "percent": "300"})
    _beside(r, "fg-percent", "between 0 and 200")
    assert 'value="300"' in r.text and 'value="intermittents"' in r.text
    _beside(c.post(f"/p/{pid}/budget/fringes", data={**base, "name": "", "percent": "3"}), "fg-name", "at most 64")
    assert _fringes(c) == before
    assert (
        c.post(f"/p/{pid}/budget/fringes", data={**base, "csrf_token": "", "name": "x", "percent": "1"}).status_code
        == 403
    )
    r = c.post(
        f"/p/{pid}/budget/fringes", data={**base, "name": "intermittents", "percent": "66,5"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#fringes")
    r = c.post(
        f"/p/{pid}/budget/fringes", data={**base, "name": "cadres", "percent": "42"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith(f"/p/{pid}/budget?version=1")
    assert _fringes(c) == {**before, "intermittents": Decimal("66.5"), "cadres": Decimal(42)}
    assert re.search(r"cadres</td><td class=\"num\">42 %", c.get(f"/p/{pid}/budget").text)

    # Exchange rates of the draft.
    _beside(
        c.post(f"/p/{pid}/budget/rates", data={**base, "currency": "EURO", "rate": "1"}), "xr-currency", "Three letters"
    )
    _beside(
        c.post(f"/p/{pid}/budget/rates", data={**base, "currency": "EUR", "rate": "1"}), "xr-currency", "own currency"
    )
    r = c.post(f"/p/{pid}/budget/rates", data={**base, "currency": "GBP", "rate": "-1"})
    _beside(r, "xr-rate", "above zero")
    assert 'value="GBP"' in r.text and 'value="-1"' in r.text
    r = c.post(
        f"/p/{pid}/budget/rates", data={**base, "currency": "GBP", "rate": "bien"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and 'id="err-xr-rate"' in r.text and "HX-Redirect" not in r.headers
    assert _rates(c, pid) == {}
    r = c.post(f"/p/{pid}/budget/rates", data={**base, "currency": "gbp", "rate": "1,1725"}, follow_redirects=False)
    assert r.status_code == 303 and _rates(c, pid) == {"GBP": "1.1725"}
    assert re.search(r"<td>GBP</td><td class=\"num\">1.1725</td>", c.get(f"/p/{pid}/budget").text)

    # Percentage lines: added (on all but chapter 10), one in another's base, removed in order.
    lines = _count(c, BudgetPercentLine)
    pct = {**base, "name": "Assurance", "account": "9.10", "percent": "1,5", "on": "", "excluding": "10"}
    for field, bad, words in [("percent", "150", "between 0 and 100"), ("account", "", "Pick an account"),
                              ("on", "8, 77", "Account or chapter numbers"), ("excluding", "77", "Account or chapter"),
                              ("name", "", "at most 120")]:  # fmt: skip
        r = c.post(f"/p/{pid}/budget/percent-lines", data={**pct, field: bad})
        _beside(r, f"pl-{field}", words)
        assert 'value="9.10" selected' in r.text or field == "account"
    assert _count(c, BudgetPercentLine) == lines
    r = c.post(f"/p/{pid}/budget/percent-lines", data=pct, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#percent-lines")
    _beside(c.post(f"/p/{pid}/budget/percent-lines", data=pct), "pl-name", "already")
    r = c.post(f"/p/{pid}/budget/percent-lines", data={**pct, "name": "Bond", "percent": "2", "includes": "Assurance"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and _count(c, BudgetPercentLine) == lines + 2
    page = c.get(f"/p/{pid}/budget").text
    assert 'id="percent-table"' in page and "except 10" in page and "+ Assurance" in page
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        ids = {p.name: p.id for p in s.query(BudgetPercentLine)}
    r = c.post(f"/p/{pid}/budget/percent-lines/{ids['Assurance']}/delete", data=base)
    assert r.status_code == 422 and "remove that one first" in r.text
    assert _count(c, BudgetPercentLine) == lines + 2
    for name in ("Bond", "Assurance"):
        r = c.post(f"/p/{pid}/budget/percent-lines/{ids[name]}/delete", data=base, follow_redirects=False)
        assert r.status_code == 303
    assert _count(c, BudgetPercentLine) == lines

    # The chart of accounts: an account added, then renamed and renumbered from its open row.
    codes = _codes(c)
    acc = {**base, "code": "8.45", "name": "Sous-titrage", "chapter": "8", "department": "", "resource": ""}
    for field, bad, words in [("code", "8 45", "Digits, letters and dots"), ("code", "8.20", "already"),
                              ("chapter", "", "Pick a chapter"), ("name", "", "Give the account a name")]:  # fmt: skip
        r = c.post(f"/p/{pid}/budget/accounts", data={**acc, field: bad})
        _beside(r, f"ac-{field}", words)
    assert 'value="Sous-titrage"' in c.post(f"/p/{pid}/budget/accounts", data={**acc, "code": "8 45"}).text
    assert _codes(c) == codes
    r = c.post(f"/p/{pid}/budget/accounts", data=acc, follow_redirects=False)
    assert r.status_code == 303 and "account=8.45" in r.headers["location"]
    page = c.get(r.headers["location"]).text
    assert 'id="account-edit-form"' in page and 'id="f-ae-new_code" name="new_code" type="text" value="8.45"' in page
    edit = {**base, "open": "8.45", "account": "8.45", "new_code": "8.46", "name": "Sous-titrage et SME",
            "department": "", "resource": ""}  # fmt: skip
    r = c.post(f"/p/{pid}/budget/accounts/change", data={**edit, "new_code": "8.20"})
    _beside(r, "ae-new_code", "already")
    assert 'value="Sous-titrage et SME"' in r.text and 'id="account-edit-form"' in r.text
    _beside(c.post(f"/p/{pid}/budget/accounts/change", data={**edit, "name": ""}), "ae-name", "Give the account")
    assert "8.46" not in _codes(c)
    r = c.post(f"/p/{pid}/budget/accounts/change", data=edit, follow_redirects=False)
    assert r.status_code == 303 and "account=8.46" in r.headers["location"]
    assert _codes(c) == codes | {"8.46"}

    # French: the same mistakes in French beside their fields.
    _french(c, pid, csrf)
    r = c.post(f"/p/{pid}/budget/fringes", data={**base, "name": "cadres", "percent": "300"})
    _beside(r, "fg-percent", "entre 0 et 200")
    _beside(
        c.post(f"/p/{pid}/budget/rates", data={**base, "currency": "GBP", "rate": "-1"}), "xr-rate", "supérieur à zéro"
    )
    _beside(c.post(f"/p/{pid}/budget/percent-lines", data={**pct, "percent": "150"}), "pl-percent", "entre 0 et 100")
    _beside(c.post(f"/p/{pid}/budget/accounts", data={**acc, "code": "8.20"}), "ac-code", "déjà")
    assert _fringes(c)["cadres"] == 42 and _codes(c) == codes | {"8.46"}

    # Locked: the version's rates and percentage lines refuse every change (in the form, 409); the fringe
    # groups and the chart are the production's and still change.
    r = c.post(f"/p/{pid}/budget/lock", data={"version": "1", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(f"/p/{pid}/budget").text
    assert 'id="rate-form"' not in page and 'id="percent-form"' not in page and "/delete" not in page
    assert 'id="fringe-form"' in page and 'id="account-form"' in page
    r = c.post(f"/p/{pid}/budget/rates", data={**base, "currency": "USD", "rate": "0.9"})
    assert r.status_code == 409 and "verrouillée" in r.text
    r = c.post(f"/p/{pid}/budget/percent-lines", data={**pct, "name": "Imprévus"})
    assert r.status_code == 409 and "verrouillée" in r.text
    assert _rates(c, pid) == {"GBP": "1.1725"} and _count(c, BudgetPercentLine) == lines
    r = c.post(f"/p/{pid}/budget/fringes", data={**base, "name": "cadres", "percent": "40"}, follow_redirects=False)
    assert r.status_code == 303 and _fringes(c)["cadres"] == 40

    # The production director: the settings read, no form, every post refused.
    csrf = login(c, "director")
    page = c.get(f"/p/{pid}/budget?account=8.46").text
    assert 'id="fringe-table"' in page and 'id="rate-table"' in page and 'id="budget-settings"' in page
    for form in FORMS:
        assert f'id="{form}"' not in page, form
    for url, data in [("fringes", {"name": "cadres", "percent": "1"}), ("rates", {"currency": "USD", "rate": "1"}),
                      ("percent-lines", pct), ("accounts", acc), ("accounts/change", edit)]:  # fmt: skip
        assert c.post(f"/p/{pid}/budget/{url}", data={**data, "csrf_token": csrf}).status_code == 403, url
    assert _fringes(c)["cadres"] == 40 and _count(c, BudgetVersion) == 1


def test_etc_set_by_hand_on_the_cost_report(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    _drafted(c, pid, csrf)
    page = c.get(f"/p/{pid}/costs").text
    assert 'id="etc-form"' in page and "every ETC is computed" in page
    etc = {"csrf_token": csrf, "account": "8.20", "amount": "15 000", "note": "Two more shots bid", "as_of": "",
           "by": "chapter"}  # fmt: skip
    for field, bad, words in [("amount", "-5", "zero or more"), ("amount", "lots", "zero or more"),
                              ("note", "", "Say why"), ("account", "", "Pick an account"),
                              ("account", "99.99", "Pick an account")]:  # fmt: skip
        r = c.post(f"/p/{pid}/costs/etc", data={**etc, field: bad})
        _beside(r, f"etc-{field}", words)
        if field != "note":
            assert "Two more shots bid</textarea>" in r.text
    assert _count(c, EtcOverride) == 0
    assert c.post(f"/p/{pid}/costs/etc", data={**etc, "csrf_token": ""}).status_code == 403
    r = c.post(f"/p/{pid}/costs/etc", data=etc, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/p/{pid}/costs#etc"
    page = c.get(f"/p/{pid}/costs").text
    row = re.search(r'<tr id="cost-8\.20"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None and "15,000.00" in row.group(1) and 'class="etc-flag"' in row.group(1)
    assert 'id="etc-table"' in page and "Two more shots bid" in page
    page = c.get(f"/p/{pid}/costs?etc=8.20").text  # "Edit": the form filled with the ETC as set
    assert 'value="15000.00"' in page and "Two more shots bid</textarea>" in page and 'value="8.20" selected' in page

    _french(c, pid, csrf)
    r = c.post(f"/p/{pid}/costs/etc", data={**etc, "amount": "-5"})
    _beside(r, "etc-amount", "zéro ou plus")
    _beside(c.post(f"/p/{pid}/costs/etc", data={**etc, "note": " "}), "etc-note", "Dites pourquoi")
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        assert [(o.account, o.amount) for o in s.query(EtcOverride)] == [("8.20", Decimal("15000.00"))]

    # The production director reads it, clears nothing.
    csrf_d = login(c, "director")
    page = c.get(f"/p/{pid}/costs").text
    assert 'id="etc-table"' in page and 'id="etc-form"' not in page and "/costs/etc/clear" not in page
    assert c.post(f"/p/{pid}/costs/etc/clear", data={"account": "8.20", "csrf_token": csrf_d}).status_code == 403
    assert c.post(f"/p/{pid}/costs/etc", data={**etc, "csrf_token": csrf_d}).status_code == 403
    assert _count(c, EtcOverride) == 1

    csrf = login(c, "supervisor")
    r = c.post(f"/p/{pid}/costs/etc/clear", data={"account": "8.20", "csrf_token": csrf, "as_of": "", "by": "department"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/p/{pid}/costs?by=department#etc"
    assert _count(c, EtcOverride) == 0
    assert 'class="etc-flag"' not in c.get(f"/p/{pid}/costs").text
