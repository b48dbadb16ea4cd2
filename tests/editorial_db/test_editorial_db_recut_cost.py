"""The cost of a recut: VFX shots added and lengthened, ADR cues to record again and the conform, priced
from the registers and the current budget, worked by hand in the comments."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from tests.core.factories import make_production

from postprod.budget.recut import RecutWork, Shot, price
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.model import Cut, Event
from postprod.errors import InvalidInput
from postprod.model import Production
from postprod.services import budget
from postprod.services import editorial as ed
from postprod.services import registers as rg
from postprod.services.recut_cost import recut_cost

R = Fraction(24)


def _ev(n: int, reel: str, src: int, rec: int, length: int, vfx: str | None = None) -> Event:
    return Event(n, reel, "V", src, src + length, rec, rec + length, vfx_ids=[vfx] if vfx else [])


# v1: A 0-48, B 48-96 (shot SH010, 48 frames), C 96-144, D 144-192.
V1 = [_ev(1, "A", 0, 0, 48), _ev(2, "B", 100, 48, 48, "SH010"), _ev(3, "C", 200, 96, 48), _ev(4, "D", 300, 144, 48)]
# v2: B's tail is extended by 24 frames (SH010 48 -> 72 frames), a new shot SH020 inserted after it, C shifted, D cut.
V2 = [
    _ev(1, "A", 0, 0, 48),
    _ev(2, "B", 100, 48, 72, "SH010"),
    _ev(3, "E", 500, 120, 24, "SH020"),
    _ev(4, "C", 200, 144, 48),
]


def _account(session: Session, prod: Production, department: str) -> str:
    return next(a.code for a in budget.accounts(session, prod) if a.department == department)


def _world(session: Session, tmp_path: Path) -> tuple[Production, ed.ImportedCut]:
    prod = make_production(session)  # in euros: the CNC devis chart
    vfx, adr = rg.KINDS["vfx"], rg.KINDS["adr"]
    rg.add_entry(session, prod, vfx, {"shot_id": "SH010", "bid": "10000"})
    rg.add_entry(session, prod, vfx, {"shot_id": "SH900", "bid": "2000", "currency": "GBP"})
    v1, v2 = tmp_path / "r1_v1.edl", tmp_path / "r1_v2.edl"
    v1.write_text(cut_to_edl(Cut(V1, R, title="R1")))
    v2.write_text(cut_to_edl(Cut(V2, R, title="R1")))
    ed.import_cut(session, prod, v1, reel="R1", rate="24")
    start = 0  # the cuts above start at 00:00:00:00
    for number, (a, b) in {"1": (60, 70), "2": (100, 110), "3": (150, 170)}.items():  # on B, C and D
        rg.add_entry(session, prod, adr, {"number": number, "reel": "R1", "in": _tc(start + a), "out": _tc(start + b)})
    bv = budget.create_version(session, prod, rates={"GBP": "1.2"})
    budget.set_fringe(session, prod, "intermittents", "50")
    budget.add_line(session, prod, bv, account=_account(session, prod, "adr"), description="Postsynchro",
                    quantity="10", unit="cue", rate="150")  # fmt: skip
    pic = _account(session, prod, "picture-editing")
    budget.add_line(session, prod, bv, account=pic, description="Conformation", quantity="2", unit="day",
                    rate="600", fringe="intermittents")  # fmt: skip
    budget.add_line(session, prod, bv, account=pic, description="Chef monteur", quantity="40", unit="day",
                    rate="412.50", fringe="intermittents")  # fmt: skip
    return prod, ed.import_cut(session, prod, v2, reel="R1")


def _tc(frame: int) -> str:
    f, s = frame % 24, frame // 24
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{f:02d}"


def test_a_recut_is_priced_line_by_line(session: Session, tmp_path: Path) -> None:
    prod, imported = _world(session, tmp_path)
    view = recut_cost(session, prod, imported.version)
    assert view is not None
    lines = {(x["kind"], x["ref"]): x for x in view["lines"]}
    # SH010 grows from 48 to 72 frames: its bid pro rata of the 24 frames gained, 10,000 x 24 / 48 = 5,000.00.
    assert lines[("vfx_longer", "SH010")]["amount"] == "5000.00" and lines[("vfx_longer", "SH010")]["basis"] == "bid"
    assert lines[("vfx_longer", "SH010")]["quantity"] == "24"
    # SH020 is new and has no bid (the import registered it): the mean bid of the priced shots,
    # SH010 10,000 and SH900 2,000 GBP x 1.2 = 2,400 EUR: (10,000 + 2,400) / 2 = 6,200.00.
    assert lines[("vfx_new", "SH020")]["amount"] == "6200.00" and lines[("vfx_new", "SH020")]["basis"] == "mean_bid"
    # ADR: cue 1 lies on B, which the recut trimmed, and cue 3 on D, which it cut: both recorded again at
    # the budget's 150.00 per cue; cue 2 on C only moves with its picture.
    assert {ref for kind, ref in lines if kind == "adr"} == {"1", "3"}
    assert all(lines[("adr", ref)]["amount"] == "150.00" for ref in ("1", "3"))
    # Conform: the change list's changes in one day (40 a day), at the "Conformation" line's day rate with
    # its 50 % fringe, 600 x 1.5 = 900.00 (the editor's own day line is not the conform's).
    changes = imported.changes.summary()["changes"] if imported.changes else 0
    assert view["changes"] == changes and 0 < changes <= 40
    assert lines[("conform", "")]["quantity"] == "1" and lines[("conform", "")]["amount"] == "900.00"
    # 5,000 + 6,200 + 300 + 900
    assert view["total"] == "12400.00"
    assert view["by_kind"] == {"vfx_longer": "5000.00", "vfx_new": "6200.00", "adr": "300.00", "conform": "900.00"}
    assert view["unpriced"] == [] and view["currency"] == "EUR" and (view["number"], view["previous"]) == (2, 1)


def test_what_cannot_be_priced_is_said_not_counted_as_zero(session: Session, tmp_path: Path) -> None:
    prod, imported = _world(session, tmp_path)
    v = budget.get_version(session, prod)
    for line in list(v.lines):
        budget.delete_line(session, v, line.id)
    view = recut_cost(session, prod, imported.version, changes_per_day=2)
    assert view is not None
    assert {(u["kind"], u["reason"]) for u in view["unpriced"]} == {
        ("adr", "no_adr_rate"),
        ("conform", "no_conform_rate"),
    }
    assert view["total"] == "11200.00"  # the two VFX lines only
    with pytest.raises(InvalidInput) as e:
        recut_cost(session, prod, imported.version, changes_per_day=0)
    assert e.value.field == "changes_per_day"


def test_a_first_version_or_a_production_without_budget_has_no_recut_cost(session: Session, tmp_path: Path) -> None:
    prod = make_production(session)
    p = tmp_path / "v1.edl"
    p.write_text(cut_to_edl(Cut(V1, R, title="R1")))
    first = ed.import_cut(session, prod, p, reel="R1", rate="24")
    assert recut_cost(session, prod, first.version) is None
    p.write_text(cut_to_edl(Cut(V2, R, title="R1")))
    second = ed.import_cut(session, prod, p, reel="R1")
    assert recut_cost(session, prod, second.version) is None  # no budget yet


def test_the_engine_rounds_each_line_and_adds_the_rounded_lines() -> None:
    # 1,000 / 3 frames x 1 frame gained = 333.333... -> 333.33, three times: 999.99, not 1,000.00.
    work = RecutWork(shots=[Shot(f"S{i}", 3, 4, Decimal(1000)) for i in range(3)])
    cost = price(work)
    assert [x.amount for x in cost.lines] == [Decimal("333.33")] * 3 and cost.total == Decimal("999.99")
    shorter = price(RecutWork(shots=[Shot("S", 48, 24, Decimal(1000))]))
    assert shorter.lines == [] and shorter.unpriced == []  # a shorter shot is not credited


def test_the_cli_prints_the_estimate_and_refuses_a_bad_reel_in_one_line(cli_db: str) -> None:
    import json

    from typer.testing import CliRunner

    from postprod.cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0  # it comes with a recut of R3 and a budget
    r = runner.invoke(app, ["cut", "cost", "--reel", "R3", "--json"])
    assert r.exit_code == 0, r.stderr
    view = json.loads(r.stdout)
    assert view["number"] == 2 and Decimal(view["total"]) == sum(Decimal(x["amount"]) for x in view["lines"])
    r = runner.invoke(app, ["cut", "cost", "--reel", "R3"])
    assert r.exit_code == 0 and f"recut cost: {view['total']} {view['currency']}" in r.stdout
    r = runner.invoke(app, ["cut", "cost", "--reel", "R9"])
    assert r.exit_code == 2 and "R9" in r.stderr and len(r.stderr.strip().splitlines()) == 1
