"""The money gate as a pure function: which keys go, which stay, production by production."""

from __future__ import annotations

from postprod.services import money
from postprod.services.users import Grant


def test_strip_removes_amounts_with_their_currency_and_keeps_the_production_currency() -> None:
    doc = {
        "production": {"title": "Film", "currency": "EUR"},
        "people": [{"name": "Ana", "day_rate": "650", "currency": "EUR"}, {"name": "Bo", "day_rate": None}],
        "items": [{"key": "010_SKY_0010", "bid": "12000", "currency": "USD", "vendor": "Mikros"}],
    }
    out = money.strip(doc)
    assert out["production"] == {"title": "Film", "currency": "EUR"}
    assert out["people"] == [{"name": "Ana"}, {"name": "Bo"}]
    assert out["items"] == [{"key": "010_SKY_0010", "vendor": "Mikros"}]
    assert doc["people"][0]["day_rate"] == "650"  # the caller's data is left alone


def test_an_audit_entry_of_a_priced_item_loses_its_currency_even_alone() -> None:
    entry = {"entity_type": "Person", "before": {"currency": "EUR"}, "after": {"currency": "USD", "role": "Mixer"}}
    assert money.strip(entry)["after"] == {"role": "Mixer"} and money.strip(entry)["before"] == {}
    task = {"entity_type": "Production", "before": None, "after": {"currency": "EUR"}}
    assert money.strip(task)["after"] == {"currency": "EUR"}
    assert money.audit_values("VfxShot", {"bid_amount": "5", "bid_currency": "EUR", "vendor": "X"}) == {"vendor": "X"}


def test_money_is_seen_production_by_production() -> None:
    grants = [Grant("production-director", 1), Grant("technician", 2, person_id=7)]
    shows = money.shows_money(grants)
    assert shows(1) and not shows(2) and not shows(3) and not shows(None)
    assert money.gate(grants, 2, {"day_rate": "1"}) == {} and money.gate(grants, 1, {"day_rate": "1"}) == {
        "day_rate": "1"
    }
    assert money.shows_money([Grant("admin", None)])(None)
