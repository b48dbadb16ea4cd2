"""The weekly report of a big production: 5,000 tasks and a 2,000-line budget (SQLite).

Builds the production of `benchmarks/web_pages.py` (5,000 tasks, a stored plan, its supervisor),
adds a locked budget of 2,000 lines, purchase orders and invoices, and a few weekly snapshots
(the EFC trend), then times the report as PDF (assembled from the database and drawn by
WeasyPrint, what `postprod report weekly --out x.pdf` does) and the report's page through the
whole app, and prints the medians against the issue's 5 s and 300 ms. The anchor is the cost
report alone (`services.costs.report`), the largest part the report reads.

    python benchmarks/weekly_report.py [--repeat 5] [--lines 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from postprod import db  # noqa: E402
from postprod.app import create_app  # noqa: E402
from postprod.model import BudgetLine, Invoice, PurchaseOrder  # noqa: E402
from postprod.services import budget, costs  # noqa: E402
from postprod.services import weekly_report as wr  # noqa: E402
from postprod.services.common import get_production  # noqa: E402
from postprod.web import weekly_report as pack  # noqa: E402
from web_pages import build as build_production  # noqa: E402  (the 5,000-task production)

PDF_S, PAGE_MS = 5.0, 300.0


def add_budget(url: str, pid: int, lines: int) -> None:
    """A locked budget of `lines` lines (as benchmarks/cost_report.py makes it), orders, invoices, snapshots."""
    rng = random.Random(7)
    engine = db.make_engine(url)
    with db.session_scope(engine, actor="bench") as s:
        prod = get_production(s, pid)
        v = budget.create_version(s, prod)
        codes = [a.code for a in budget.accounts(s, prod)]
        s.execute(
            insert(BudgetLine),
            [
                {"production_id": prod.id, "budget_id": v.id, "position": i, "account": rng.choice(codes),
                 "description": f"Line {i}", "quantity": Decimal(rng.randint(1, 60)), "unit": "day",
                 "rate": Decimal(rng.randint(100, 2000)) + Decimal("0.25"), "currency": "EUR",
                 "fringe": rng.choice([None, "intermittents"]), "vat_rate": Decimal(20), "in_france": True,
                 "note": ""}
                for i in range(lines)
            ],
        )  # fmt: skip
        s.expire_all()
        budget.lock(s, v)
        vendor = costs.add_vendor(s, prod, "Lab").id
        now = prod.start_date
        s.execute(
            insert(PurchaseOrder),
            [
                {"production_id": prod.id, "number": f"PO-{i}", "vendor_id": vendor, "account": rng.choice(codes),
                 "description": "", "amount": Decimal(rng.randint(5000, 90000)), "currency": "EUR",
                 "issued": now, "status": "open", "version": 1}
                for i in range(200)
            ],
        )  # fmt: skip
        s.execute(
            insert(Invoice),
            [
                {"production_id": prod.id, "vendor_id": vendor, "number": f"F-{i}", "order_id": None,
                 "account": rng.choice(codes), "day": now + timedelta(days=rng.randint(0, 50)),
                 "net": Decimal(rng.randint(100, 5000)), "vat": Decimal(0), "currency": "EUR", "paid": False,
                 "overrun_note": "", "version": 1}
                for i in range(1000)
            ],
        )  # fmt: skip
        monday = date.today() - timedelta(days=date.today().weekday())
        for weeks in range(6, 0, -1):
            costs.snapshot(s, prod, monday - timedelta(weeks=weeks))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lines", type=int, default=2000)
    args = ap.parse_args()
    os.environ.setdefault("POSTPROD_PASSWORD_HASH", "fast")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'weekly.db'}"
        t0 = time.perf_counter()
        pid = build_production(url)
        add_budget(url, pid, args.lines)
        print(f"built 5000 tasks and a {args.lines}-line budget in {time.perf_counter() - t0:.1f} s")
        engine = db.make_engine(url)
        week = wr.parse_week(None)
        pdf_s, anchor_s, size = [], [], 0
        for _ in range(args.repeat):
            with db.session_scope(engine) as s:
                prod = get_production(s, pid)
                t0 = time.perf_counter()
                costs.report(s, prod)
                anchor_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                body = pack.pdf(wr.assemble(s, prod, week), "en")
                pdf_s.append(time.perf_counter() - t0)
                size = len(body)
        page_ms = []
        with TestClient(create_app(url)) as c:
            token = re.search(r'name="login_csrf" value="([^"]+)"', c.get("/login").text)
            assert token is not None
            r = c.post(
                "/login", data={"username": "supervisor", "password": "supervisor", "login_csrf": token.group(1)}
            )
            assert r.status_code == 200, r.status_code
            path = f"/p/{pid}/reports/weekly"
            assert c.get(path).status_code == 200
            for _ in range(max(args.repeat, 9)):
                t0 = time.perf_counter()
                r = c.get(path)
                page_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200
    pdf_med, page_med, anchor = statistics.median(pdf_s), statistics.median(page_ms), statistics.median(anchor_s)
    print(f"PDF (assemble + WeasyPrint, {size // 1024} KiB): median {pdf_med:.2f} s (target {PDF_S:.0f} s): "
          f"{'met' if pdf_med <= PDF_S else 'missed'}")  # fmt: skip
    print(
        f"HTML page: median {page_med:.0f} ms (target {PAGE_MS:.0f} ms): {'met' if page_med <= PAGE_MS else 'missed'}"
    )
    print(f"anchor, the cost report alone: median {anchor * 1000:.0f} ms")


if __name__ == "__main__":
    main()
