"""End to end in headless Chromium: every page prints as a document (static/print.css). With print media
emulated at the width of an A4 sheet's printable area, the production's name and the page's title head the
page; navigation, forms and buttons are gone; links read as text; tables fit the sheet, no scroll box clips
them, and their header row repeats on each sheet; the Gantt shrinks to the sheet with its lane names row
for row."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
from tests.web.browser import open_page, server, sign_in, sync_api

__all__ = ["server"]  # the fixture, used by name

WIDTH = 718  # an A4 sheet less 10 mm margins each side, in CSS pixels
PAGES = {
    "Dashboard": "",
    "Gantt": "/gantt",
    "Task board": "/board",
    "Budget": "/budget",
    "VFX shots": "/registers/vfx",
    "People and rooms": "/people",
}

# What the printed page shows, measured in the page.
STATE = """() => {
  const shown = (el) => getComputedStyle(el).display !== "none" && el.getClientRects().length > 0;
  const all = (sel) => [...document.querySelectorAll(sel)];
  const tables = all("main table");
  return {
    width: document.documentElement.scrollWidth,
    head: shown(document.querySelector("header .prod-title"))
      ? document.querySelector("header.top").innerText + " " + getComputedStyle(document.querySelector("header.top"), "::after").content
      : "",
    nav: all("nav.tabs, header.top form, header.top .who").filter(shown).length,
    controls: all("main form, main button, main .button, main [hx-get], main [hx-post]")
      .filter((el) => !el.closest("td") && shown(el)).map((el) => el.outerHTML.slice(0, 80)),
    underlined: all("main a").filter((a) => shown(a) && getComputedStyle(a).textDecorationLine !== "none").length,
    tables: tables.length,
    wide: tables.filter((t) => t.getBoundingClientRect().right > innerWidth + 1).map((t) => t.id || t.className),
    clipped: all("main .table-wrap").filter((w) => w.scrollWidth > w.clientWidth + 1).length,
    heads: tables.filter((t) => t.tHead).map((t) => getComputedStyle(t.tHead).display),
  };
}"""


def _printed(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    state: dict[str, Any] = page.evaluate(STATE)
    return state


def test_pages_print_as_documents(server: tuple[str, int], tmp_path: Path) -> None:
    base, pid = server
    p = f"{base}/p/{pid}"
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", WIDTH, 1000) as page:
        sign_in(page, base, "supervisor")
        page.goto(f"{p}/budget")
        page.click("#draft-form button")  # a budget to print: drafted from the plan
        page.wait_for_selector("#budget-tree")
        page.emulate_media(media="print")
        for title, path in PAGES.items():
            state = _printed(page, p + path)
            assert "Les Heures Claires" in state["head"] and title in state["head"], (title, state["head"])
            assert state["nav"] == 0 and state["controls"] == [], (title, state["controls"])
            assert state["underlined"] == 0, title
            assert state["width"] <= WIDTH and state["wide"] == [] and state["clipped"] == 0, (title, state)
            assert set(state["heads"]) <= {"table-header-group"}, title
            if title != "Gantt":
                assert state["tables"] or title == "Task board", title

        # The Gantt: the chart and its lane names shrink alike to the sheet's width, row for row.
        page.goto(f"{p}/gantt")
        lanes, chart = (page.locator(f"#gantt {sel} svg").bounding_box() for sel in (".gantt-lanes", ".gantt-chart"))
        assert lanes is not None and chart is not None
        assert chart["x"] + chart["width"] <= WIDTH + 1 and abs(lanes["height"] - chart["height"]) <= 1
        assert lanes["x"] + lanes["width"] <= chart["x"] + 1

        # On paper: the budget's sheets after the first start with the table's header row.
        page.goto(f"{p}/budget")
        pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
        assert len(pdf.pages) >= 2
        first = pdf.pages[0].extract_text()
        assert first.startswith("postprod Les Heures Claires") and "Budget" in first.splitlines()[0]
        for sheet in pdf.pages[1:]:
            assert sheet.extract_text().splitlines()[0].startswith("Account Lines Subtotal")

    # On screen nothing of this shows: the page's title in the header is for paper only.
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "screen", 1280, 900) as page:
        sign_in(page, base, "supervisor")
        page.goto(p)
        after = page.evaluate("getComputedStyle(document.querySelector('header.top'), '::after').content")
        assert page.locator("nav.tabs").is_visible() and after in ("none", "normal", "")
