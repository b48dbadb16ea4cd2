"""End to end in headless Chromium: the plan de travail and the Gantt, in English and French, at 1440 and 390 px
(the Gantt at 1280 and 1366 px too).

Replan after an absence, or after an added task the music edit must wait for, and compare with the baseline
(each moved task says why); the Gantt fits the window at its default
zoom (scaled to it, the lane names beside their rows), keeps the lane names in view while it
scrolls, names short bars on hover and focus. Every
page passes axe-core. Screenshots go to POSTPROD_SCREENSHOTS (default: a temporary folder).
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

from postprod.web.render import _day

__all__ = ["server"]  # the fixture, used by name

VIEWS = [("en", 1440), ("fr", 1440), ("en", 390), ("fr", 390)]
GANTT_VIEWS = [*VIEWS, ("en", 1280), ("fr", 1366)]
DESKTOP = 1280  # from this width the whole plan fits the window at the default zoom
WORDS = {
    "en": {
        "planning": "Planning",
        "done": "New plan in force",
        "moved": "Moved tasks",
        "added": "Added: MUS-REWRITE",
        "waits": "MUS-EDIT waits for MUS-REWRITE (new dependency)",
        "first": "first cause:",
    },
    "fr": {
        "planning": "Plan de travail",
        "done": "Nouveau plan en vigueur",
        "moved": "Tâches déplacées",
        "added": "Tâches ajoutées : MUS-REWRITE",
        "waits": "MUS-EDIT attend la fin de MUS-REWRITE (nouvelle dépendance)",
        "first": "cause première :",
    },
}


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _start(page: object, base: str, lang: str, width: int) -> None:
    sign_in(page, base, "supervisor")
    if lang == "fr":
        page.click("header form.lang button[value=fr]")  # type: ignore[attr-defined]
        page.wait_for_selector("html[lang=fr]")  # type: ignore[attr-defined]


def _fits(page: object, width: int) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert wide <= width, f"{page.url}: {wide} px wide at {width}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("lang", "width"), VIEWS)
def test_replan_after_an_absence_and_compare_with_the_baseline(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    words = WORDS[lang]
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, 900) as page:
        _start(page, base, lang, width)
        # Who is on the critical path, and when: read off the Gantt's first critical bar not started.
        page.goto(f"{base}/p/{pid}/gantt")
        bar = page.locator("svg.gantt .bar.crit[data-start]").first
        tip = bar.locator("> title").text_content() or ""
        m = re.search(r"(.+) → .*\(([^,)]+)", tip)
        start = date.fromisoformat(bar.get_attribute("data-start") or "")  # the tooltip says it the page's way
        assert m is not None and _day(start, lang) in m.group(1), tip
        who = m.group(2)

        page.click(f"nav.tabs >> text={words['planning']}")
        page.wait_for_selector("#current-plan")
        page.click("#freeze-baseline")
        page.wait_for_selector("#compare-current")
        page.select_option("select[name=away_person]", label=who)
        page.fill("input[name=away_from]", start.isoformat())
        page.fill("input[name=away_to]", (start + timedelta(days=9)).isoformat())
        page.click("#replan-now")
        # The job's panel polls, then the page reloads with the new plan in force.
        page.wait_for_selector(f"#plan-job >> text={words['done']}", timeout=30_000)
        assert who in page.locator("#history").inner_text() or page.locator("#history tr").count() >= 3
        _fits(page, width)
        page.screenshot(path=str(shots / f"planning-{lang}-{width}.png"), full_page=True)
        assert accessibility_violations(page) == []

        page.click("#plan-job a")
        page.wait_for_selector("#moved")
        assert int(page.locator("#moved-count").inner_text()) > 0
        assert page.locator("#moved tbody tr").count() > 0
        assert words["moved"] in page.content()
        _fits(page, width)
        page.screenshot(path=str(shots / f"compare-{lang}-{width}.png"), full_page=True)
        assert accessibility_violations(page) == []


@pytest.mark.parametrize(("lang", "width"), VIEWS)
def test_replan_after_an_added_task_and_see_the_moves_it_explains(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    words = WORDS[lang]
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, 900) as page:
        _start(page, base, lang, width)
        page.goto(f"{base}/p/{pid}/planning")
        page.click("#freeze-baseline")
        page.wait_for_selector("#compare-current")
        # The director wants the theme rewritten after the recording: five days of music before the music edit.
        form = page.locator("#replan-form")
        form.locator("input[name=add_key]").fill("mus-rewrite")  # keys are upper case
        form.locator("input[name=add_name]").fill("Theme rewrite")
        form.locator("input[name=add_days]").fill("5")
        form.locator("select[name=add_department]").select_option("music")
        form.locator("input[name=add_after]").fill("MUS-RECORD")
        form.locator("input[name=dep_before]").fill("MUS-REWRITE")
        form.locator("input[name=dep_after]").fill("MUS-EDIT")
        page.click("#replan-now")
        page.wait_for_selector(f"#plan-job >> text={words['done']}", timeout=30_000)
        assert "MUS-REWRITE" in page.locator("#history").inner_text()
        _fits(page, width)

        page.click("#plan-job a")
        page.wait_for_selector("#moved")
        moved = page.locator("#moved")
        assert words["added"] in moved.inner_text()
        # The music edit waits for the new task; everything after it moved because of it, and says so.
        edit = moved.locator("tr[data-task=MUS-EDIT]")
        assert int(edit.locator("td.num").inner_text()) > 0
        assert edit.locator("td.why").inner_text().strip() == words["waits"]
        premix = moved.locator("tr[data-task=MIX-PREMIX] td.why").inner_text()
        assert "MIX-PREMIX" in premix and "MUS-EDIT" in premix and words["first"] in premix, premix
        downstream = moved.locator("tbody tr td.why").all_inner_texts()
        assert len(downstream) == int(page.locator("#moved-count").inner_text()) > 2
        assert sum(words["waits"] in why for why in downstream) >= max(3, len(downstream) - 2), downstream
        _fits(page, width)
        page.screenshot(path=str(shots / f"compare-added-{lang}-{width}.png"), full_page=True)
        assert accessibility_violations(page) == []


def _lanes_beside_rows(page: object) -> None:
    """Each lane's band in the names' column lies on the chart's band of the same lane."""
    names = page.locator(".gantt-lanes rect.band")  # type: ignore[attr-defined]
    rows = page.locator(".gantt-chart rect.band")  # type: ignore[attr-defined]
    assert names.count() == rows.count() > 2
    for i in (0, 1, names.count() - 1):
        a, b = names.nth(i).bounding_box(), rows.nth(i).bounding_box()
        assert a is not None and b is not None
        assert abs(a["y"] - b["y"]) < 1.5 and abs(a["height"] - b["height"]) < 1.5, (i, a, b)


def _whole_plan_in_view(page: object) -> None:
    """Every bar, the delivery line and the last day's tick are inside the chart's box, with nothing to scroll."""
    wrap = page.locator("#gantt")  # type: ignore[attr-defined]
    scroll = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll[0] <= scroll[1], f"the whole plan does not fit: {scroll}"  # no horizontal scroll
    box = wrap.bounding_box()
    right = page.evaluate(  # type: ignore[attr-defined]
        "() => Math.max(...[...document.querySelectorAll('#gantt .gantt-chart svg .bar rect, #gantt .delivery')]"
        ".map(el => el.getBoundingClientRect().right))"
    )
    assert box is not None and right <= box["x"] + box["width"], (right, box)


@pytest.mark.parametrize(("lang", "width"), GANTT_VIEWS)
def test_gantt_fits_and_keeps_lane_names_in_view(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, 900) as page:
        blocked: list[str] = []
        page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
        _start(page, base, lang, width)
        page.goto(f"{base}/p/{pid}/gantt?milestones=1")
        if width >= DESKTOP:
            _whole_plan_in_view(page)
        else:  # a phone: the chart at its drawn size, scrolled beside the names
            assert page.locator("#gantt").evaluate("el => el.scrollWidth > el.clientWidth")
        _lanes_beside_rows(page)
        _fits(page, width)
        assert page.locator("svg.gantt .today").count() == 1
        page.screenshot(path=str(shots / f"gantt-{lang}-{width}.png"), full_page=True)
        assert accessibility_violations(page) == []

        # Zoomed in, scrolled to the end: the lane names stay where they were.
        page.click("#zoom-in")
        page.wait_for_url(re.compile(r"zoom="))
        lanes = page.locator(".gantt-lanes")
        x0 = lanes.bounding_box()["x"]  # type: ignore[index]
        page.locator("#gantt").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        page.wait_for_timeout(100)
        assert page.locator("#gantt").evaluate("el => el.scrollLeft") > 0
        assert abs(lanes.bounding_box()["x"] - x0) < 1  # type: ignore[index]
        assert lanes.locator("text.lane").first.is_visible()
        _lanes_beside_rows(page)
        _fits(page, width)
        page.screenshot(path=str(shots / f"gantt-scrolled-{lang}-{width}.png"))

        if width in (1440, 1280):
            # Drag a task not started two weeks later: its start is pinned there and the plan is made again
            # (the chart scaled to the window: a day is its zoom times the scale on the screen).
            page.goto(f"{base}/p/{pid}/gantt")
            bar = page.locator("svg.gantt a.bar[data-start]").last
            key, was = bar.get_attribute("data-key"), bar.get_attribute("data-start")
            chart = page.locator("svg.gantt[data-zoom]")
            scale = chart.evaluate("el => el.getBoundingClientRect().width / el.viewBox.baseVal.width")
            zoom = float(chart.get_attribute("data-zoom") or 1) * scale
            box = bar.locator("rect").first.bounding_box()
            assert box is not None and key and was
            page.mouse.move(box["x"] + 3, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + 3 + 7 * zoom, box["y"] + box["height"] / 2, steps=5)
            page.mouse.move(box["x"] + 3 + 14 * zoom, box["y"] + box["height"] / 2, steps=5)
            page.mouse.up()
            page.wait_for_url(re.compile(r"job="))
            page.wait_for_selector("#plan-job:not([hx-get])", timeout=30_000)
            page.goto(f"{base}/p/{pid}/planning/tasks/{key}")
            pinned = page.locator("dl.fields dd").nth(1).inner_text()
            moved = date.fromisoformat(was) + timedelta(days=14)
            assert _day(moved, lang) in pinned, (was, pinned)
            page.goto(f"{base}/p/{pid}/gantt")

        # A bar named on keyboard focus (its hint shows), and it opens the "start on" form.
        page.locator("#gantt").evaluate("el => { el.scrollLeft = 0; }")
        bar = page.locator("svg.gantt a.bar[data-start]").first
        bar.focus()
        assert bar.locator("text.hint").is_visible()
        page.keyboard.press("Enter")
        page.wait_for_selector("#start-on")
        assert accessibility_violations(page) == []
        _fits(page, width)
        assert blocked == [], blocked
