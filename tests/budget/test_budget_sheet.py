"""The budget engine: a worked example checked by hand, roll-ups that always add up, and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postprod.budget.charts import chart_names, load_chart, read_chart
from postprod.budget.money import as_json, cents, parse_amount, parse_decimal
from postprod.budget.report import AccountFigures, cost_report, labour_cost, open_commitment
from postprod.budget.sheet import Account, Chapter, Line, PercentLine, Version, compute
from postprod.errors import InvalidInput, NotFound

D = Decimal

CHAPTERS = (Chapter("2", "Personnel"), Chapter("8", "Postproduction image et son"), Chapter("10", "Imprévus"))
ACCOUNTS = (
    Account("2.10", "Chef monteur image", "2", "picture-editing", resource="person"),
    Account("2.23", "Mixeurs", "2", "mixing", resource="person"),
    Account("8.20", "Effets visuels", "8", "vfx"),
    Account("8.40", "Mixage", "8", "mixing"),
    Account("10.1", "Frais généraux", "10"),
    Account("10.2", "Imprévus", "10"),
)


def worked_example() -> Version:
    """A small post budget in EUR, every amount of which is computed by hand below."""
    return Version(
        currency="EUR",
        chapters=CHAPTERS,
        accounts=ACCOUNTS,
        fringes={"intermittents": D("65"), "aucune": D("0")},
        rates={"GBP": D("1.1725")},
        lines=(
            # 2.10: 40 days x 412.50 = 16,500.00; fringes 65 % = 10,725.00
            Line("2.10", "Chef monteur image", D("40"), "day", D("412.50"), "EUR", fringe="intermittents"),
            # 2.23: 12.5 days x 433.33 = 5,416.625 -> 5,416.63; fringes 65 % = 3,520.8095 -> 3,520.81
            Line("2.23", "Mixeur", D("12.5"), "day", D("433.33"), "EUR", fringe="intermittents"),
            # 8.20: 14 shots x 1,850 GBP = 25,900.00 GBP x 1.1725 = 30,367.75 EUR; VAT 20 % = 6,073.55
            Line("8.20", "VFX vendor (London)", D("14"), "shot", D("1850"), "GBP", vat_rate=D("20"), in_france=False),
            # 8.40: 8 days x 1,333.335 = 10,666.68 (10,666.680 exactly); VAT 20 % = 2,133.336 -> 2,133.34
            Line("8.40", "Auditorium de mixage", D("8"), "day", D("1333.335"), "EUR", vat_rate=D("20")),
        ),
        percent_lines=(
            # Overhead 7 % of everything but chapter 10 (so not of the contingency either):
            # base = 16,500.00 + 10,725.00 + 5,416.63 + 3,520.81 + 30,367.75 + 10,666.68 = 77,196.87
            # 7 % = 5,403.7809 -> 5,403.78
            PercentLine("overhead", "10.1", D("7"), excluding=frozenset({"10"})),
            # Contingency 10 % of chapter 8 and of the overhead (declared): 30,367.75 + 10,666.68 + 5,403.78
            # = 46,438.21; 10 % = 4,643.821 -> 4,643.82
            PercentLine("contingency", "10.2", D("10"), on=frozenset({"8"}), includes=frozenset({"overhead"})),
        ),
    )


def test_worked_example_by_hand() -> None:
    c = compute(worked_example())
    assert [(x.subtotal, x.fringe, x.vat) for x in c.lines] == [
        (D("16500.00"), D("10725.00"), D("0.00")),
        (D("5416.63"), D("3520.81"), D("0.00")),
        (D("30367.75"), D("0.00"), D("6073.55")),
        (D("10666.68"), D("0.00"), D("2133.34")),
    ]
    assert c.lines[2].native == D("25900.00")  # in pounds, as the vendor quoted
    assert c.percent_bases == {"overhead": D("77196.87"), "contingency": D("46438.21")}
    assert c.percent_lines == {"overhead": D("5403.78"), "contingency": D("4643.82")}
    # Accounts: 2.10 = 27,225.00; 2.23 = 8,937.44; 8.20 = 30,367.75; 8.40 = 10,666.68;
    # 10.1 = 5,403.78; 10.2 = 4,643.82
    assert {k: v.total for k, v in c.accounts.items()} == {
        "2.10": D("27225.00"), "2.23": D("8937.44"), "8.20": D("30367.75"), "8.40": D("10666.68"),
        "10.1": D("5403.78"), "10.2": D("4643.82"),
    }  # fmt: skip
    # Chapters: 2 = 36,162.44; 8 = 41,034.43; 10 = 10,047.60; the budget = 87,244.47 HT, VAT apart 8,206.89
    assert {k: v.total for k, v in c.chapters.items()} == {"2": D("36162.44"), "8": D("41034.43"), "10": D("10047.60")}
    assert c.total.total == D("87244.47") and c.total.vat == D("8206.89")
    assert c.total.fringe == D("14245.81")  # the charges sociales, 10,725.00 + 3,520.81
    # Departments: mixing = 8,937.44 + 10,666.68 = 19,604.12
    assert c.departments["mixing"].total == D("19604.12") and c.departments[""].total == D("10047.60")


def test_cost_report_by_hand() -> None:
    """EFC = actual + committed + ETC per account; ETC from the plan for labour, else what is left."""
    figures = {
        # Labour: 20 of the 40 days are left in the plan at 412.50 with 65 % fringes:
        # 8,250.00 + 5,362.50 = 13,612.50. Actual 13,612.50 (the first 20 days). EFC 27,225.00, variance 0.
        "2.10": AccountFigures(
            D("27225.00"), D("27225.00"), actual=D("13612.50"), planned=labour_cost(D("20"), D("412.50"), D("65"))
        ),
        # VFX: a purchase order of 30,367.75 of which 12,000.00 invoiced: committed 18,367.75; ETC = current -
        # actual - committed = 0; EFC = 30,367.75; variance 0.
        "8.20": AccountFigures(
            D("30367.75"), D("30367.75"), actual=D("12000.00"), committed=open_commitment(D("30367.75"), D("12000.00"))
        ),
        # Mix stage: overrun. Actual 11,000.00, nothing committed, budget exhausted: ETC 0; EFC 11,000.00;
        # variance 10,666.68 - 11,000.00 = -333.32. Then overridden: 1,500.00 more to come, EFC 12,500.00.
        "8.40": AccountFigures(D("10666.68"), D("10666.68"), actual=D("11000.00")),
    }
    r = cost_report("EUR", CHAPTERS, ACCOUNTS, figures)
    rows = {row.code: row for row in r.rows}
    assert rows["2.10"].figures.etc == D("13612.50") and rows["2.10"].etc_source == "plan"
    assert rows["2.10"].figures.efc == D("27225.00") and rows["2.10"].figures.variance == D("0.00")
    assert rows["8.20"].figures.committed == D("18367.75") and rows["8.20"].figures.etc == D("0.00")
    assert rows["8.40"].figures.variance == D("-333.32") and rows["8.40"].etc_source == "budget"
    # Totals: budget 68,259.43; actual 36,612.50; committed 18,367.75; ETC 13,612.50; EFC 68,592.75;
    # variance -333.32
    t = r.totals
    assert (t.current_budget, t.actual, t.committed, t.etc, t.efc, t.variance) == (
        D("68259.43"), D("36612.50"), D("18367.75"), D("13612.50"), D("68592.75"), D("-333.32"),
    )  # fmt: skip
    out = r.as_json("2027-03-01")
    assert out["totals"] == {
        "budget": "68259.43", "current_budget": "68259.43", "actual": "36612.50", "committed": "18367.75",
        "etc": "13612.50", "efc": "68592.75", "variance": "-333.32",
    }  # fmt: skip
    over = dict(figures)
    over["8.40"] = AccountFigures(D("10666.68"), D("10666.68"), actual=D("11000.00"), override=D("1500"))
    row = {x.code: x for x in cost_report("EUR", CHAPTERS, ACCOUNTS, over).rows}["8.40"]
    assert row.figures.efc == D("12500.00") and row.etc_source == "override"


def test_a_replan_moves_etc_by_the_days_times_the_rate() -> None:
    """Five more planned days of a 412.50 editor with 65 % fringes: ETC +2,062.50 + 1,340.63 = 3,403.13."""
    before = labour_cost(D("20"), D("412.50"), D("65"))
    after = labour_cost(D("25"), D("412.50"), D("65"))
    assert after - before == D("3403.13")


amounts = st.decimals(min_value=0, max_value=D("99999.999"), places=3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([a.code for a in ACCOUNTS]), amounts, amounts, st.sampled_from(["EUR", "GBP"]),
            st.sampled_from([None, "intermittents"]), st.sampled_from([D(0), D("5.5"), D(20)]),
        ),
        max_size=25,
    ),
    st.decimals(min_value=0, max_value=30, places=2),
    st.decimals(min_value=0, max_value=30, places=2),
)  # fmt: skip
def test_every_roll_up_is_the_sum_of_its_parts(rows: list[tuple], overhead: Decimal, contingency: Decimal) -> None:  # type: ignore[type-arg]
    v = Version(
        currency="EUR", chapters=CHAPTERS, accounts=ACCOUNTS,
        fringes={"intermittents": D("65")}, rates={"GBP": D("1.1725")},
        lines=tuple(Line(a, "x", q, "day", r, cur, fringe=f, vat_rate=vat) for a, q, r, cur, f, vat in rows),
        percent_lines=(
            PercentLine("overhead", "10.1", overhead, excluding=frozenset({"10"})),
            PercentLine("contingency", "10.2", contingency, on=frozenset({"2", "8"}), includes=frozenset({"overhead"})),
        ),
    )  # fmt: skip
    c = compute(v)
    for x in c.lines:  # every shown amount is in cents
        assert x.subtotal == cents(x.subtotal) and x.fringe == cents(x.fringe) and x.vat == cents(x.vat)
    for code, totals in c.accounts.items():
        mine = [x for line, x in zip(v.lines, c.lines, strict=True) if line.account == code]
        booked = sum((c.percent_lines[p.name] for p in v.percent_lines if p.account == code), D(0))
        assert totals.subtotal == sum((x.subtotal for x in mine), D(0))
        assert totals.fringe == sum((x.fringe for x in mine), D(0))
        assert totals.total == totals.subtotal + totals.fringe + booked
    for ch in CHAPTERS:
        assert c.chapters[ch.code].total == sum(
            (t.total for k, t in c.accounts.items() if k.split(".")[0] == ch.code), D(0)
        )
    assert c.total.total == sum((t.total for t in c.chapters.values()), D(0))
    assert c.total.total == sum((t.total for t in c.departments.values()), D(0))
    assert c.total.vat == sum((x.vat for x in c.lines), D(0))
    # The cost report on it: EFC = actual + committed + ETC for every row and total, totals are sums.
    figures = {
        code: AccountFigures(t.total, t.total, actual=cents(t.total / 3), committed=cents(t.total / 4))
        for code, t in c.accounts.items()
    }
    r = cost_report("EUR", CHAPTERS, ACCOUNTS, figures)
    for row in [*(x.figures for x in r.rows), *r.chapters.values(), *r.departments.values(), r.totals]:
        assert row.efc == row.actual + row.committed + row.etc and row.variance == row.current_budget - row.efc
    assert r.totals.efc == sum((x.figures.efc for x in r.rows), D(0))


def test_refusals_name_the_field() -> None:
    base = worked_example()

    def with_(**kw: object) -> Version:
        return Version(**{**base.__dict__, **kw})  # type: ignore[arg-type]

    cases = [
        (with_(rates={}), "no exchange rate for GBP", "currency"),
        (with_(lines=(Line("9.99", "?", D(1), "flat", D(1), "EUR"),)), "unknown account '9.99'", "account"),
        (with_(lines=(Line("8.40", "?", D(-1), "day", D(1), "EUR"),)), "negative quantity", "quantity"),
        (with_(lines=(Line("2.10", "?", D(1), "day", D(1), "EUR", fringe="cadres"),)), "unknown fringe group", "fringe"),
        (
            with_(percent_lines=(
                PercentLine("a", "10.1", D(1), includes=frozenset({"b"})),
                PercentLine("b", "10.2", D(1), includes=frozenset({"a"})),
            )),
            "round a circle",
            "includes",
        ),
        (with_(percent_lines=(PercentLine("a", "10.1", D(1), includes=frozenset({"zz"})),)), "unknown line 'zz'", "includes"),
    ]  # fmt: skip
    for version, message, field in cases:
        with pytest.raises(InvalidInput, match=message) as err:
            compute(version)
        assert err.value.field == field


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,56", "1234.56"), ("1\u202f234,56", "1234.56"), ("1\u00a0234,5", "1234.5"), ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"), ("1234.56", "1234.56"), ("12,5", "12.5"), ("-3,25", "-3.25"), ("(12,00)", "-12.00"),
        ("1 234 567", "1234567"), ("1,234,567", "1234567"), ("420,00 €", "420.00"), ("1'234.50", "1234.50"),
    ],
)  # fmt: skip
def test_numbers_as_people_write_them(text: str, value: str) -> None:
    assert parse_decimal(text, field="amount") == D(value)


def test_a_decimal_mark_given_reads_a_lone_separator_as_grouping() -> None:
    assert parse_decimal("1,234", field="amount", decimal_mark=".") == D("1234")
    assert parse_decimal("1.234", field="amount", decimal_mark=",") == D("1234")
    assert parse_decimal("1,234", field="amount") == D("1.234")  # French by default


@pytest.mark.parametrize("text", ["", "abc", "1,2,3.4.5", "1e5", "NaN", "12..5", "--1", "1 000 000 000 000 000"])
def test_not_numbers_are_refused_with_the_place(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"costs.csv line 4: amount: ") as err:
        parse_decimal(text, field="amount", where="costs.csv line 4")
    assert err.value.field == "amount"


def test_amounts_round_half_up_to_the_cent_and_travel_as_strings() -> None:
    assert cents(D("0.005")) == D("0.01") and cents(D("-0.005")) == D("-0.01") and cents(D("2.675")) == D("2.68")
    assert as_json(D("1234.5")) == "1234.50" and as_json(D("-0.004")) == "0.00"
    assert parse_amount("12,345", field="rate") == D("12.35")
    with pytest.raises(InvalidInput, match="negative"):
        parse_amount("-1", field="rate")


def test_the_charts_are_data_and_map_to_departments() -> None:
    assert chart_names() == ["fr-cnc", "us-mmb"]
    fr = load_chart("fr-cnc")
    assert fr.currency == "EUR" and "Postproduction image et son" in [c.name for c in fr.chapters]
    departments = {a.department for a in fr.accounts if a.department}
    assert departments >= {"picture-editing", "vfx", "sound-editing", "foley", "adr", "dubbing", "music", "mixing",
                           "grading", "mastering", "deliverables"}  # fmt: skip
    us = load_chart("us-mmb")
    assert {a.chapter for a in us.accounts} >= {"5100", "5300", "5400", "5600", "5900"}
    with pytest.raises(NotFound, match="one of fr-cnc, us-mmb"):
        load_chart("uk-bfi")
    bad = "chapters: [{code: '1', name: A}]\naccounts: [{code: '1.1', name: B, chapter: '2'}]\n"
    with pytest.raises(InvalidInput, match=r"mine.yaml: account 1.1: unknown chapter '2'"):
        read_chart(bad, where="mine.yaml")


def test_tax_credits_by_hand() -> None:
    from postprod.budget.tax_credit import credits, default_rules, read_rules

    v = Version(
        currency="EUR", chapters=CHAPTERS, accounts=ACCOUNTS, fringes={"intermittents": D("65")}, rates={"GBP": D("1.1725")},
        lines=(
            # 40 days x 412.50 = 16,500.00 + 65 % = 10,725.00: 27,225.00 in France, tagged trip
            Line("2.10", "Editor", D("40"), "day", D("412.50"), "EUR", fringe="intermittents", tax_credit="trip"),
            # VFX in Paris, 2,100,000.00 tagged trip; in London 30,367.75, tagged but abroad: not eligible
            Line("8.20", "VFX Paris", D("1"), "flat", D("2100000"), "EUR", tax_credit="trip"),
            Line("8.20", "VFX London", D("14"), "shot", D("1850"), "GBP", tax_credit="trip", in_france=False),
            Line("8.40", "Mix", D("8"), "day", D("1333.335"), "EUR"),  # untagged
        ),
    )  # fmt: skip
    c = compute(v)
    rules = {r.id: r for r in default_rules()}
    assert rules["trip"].source.startswith("Code général des impôts") and rules["trip"].read_on.year == 2026
    # Actual: 13,612.50 of the editor (half); VFX 1,000,000.00 of its 2,130,367.75 budget.
    actual = {"2.10": D("13612.50"), "8.20": D("1000000.00")}
    trip = credits([rules["trip"]], ACCOUNTS, v.lines, c, actual)[0]
    # At completion: 27,225.00 + 2,100,000.00 = 2,127,225.00; VFX 2,100,000.00 >= 2,000,000: the 40 % rate
    # -> 850,890.00. To date: 13,612.50 (all of 2.10 is tagged) + 1,000,000.00 x 2,100,000.00 / 2,130,367.75
    # = 985,745.3015 -> 985,745.30; total 999,357.80
    assert (trip.base_at_completion, trip.vfx_spend, trip.rate, trip.at_completion) == (
        D("2127225.00"), D("2100000.00"), D("40"), D("850890.00"),
    )  # fmt: skip
    assert trip.base_to_date == D("999357.80")
    lower = read_rules(
        "credits: [{id: t, name: T, source: S, read_on: 2026-01-01, tag: trip, rate: 30,"
        " vfx_bonus: {threshold: 3000000, rate: 40}, cap: 500000}]",
        "mine.yaml",
    )  # fmt: skip
    capped = credits(lower, ACCOUNTS, v.lines, c, actual)[0]
    assert capped.rate == D("30") and capped.at_completion == D("500000")  # 638,167.50 capped
    with pytest.raises(InvalidInput, match="mine.yaml: credits.0: each rule needs"):
        read_rules("credits: [{id: t}]", "mine.yaml")
