"""End to end in headless Chromium: a recut uploaded as FCP 7 XML, FCPXML, AAF or OTIO runs as a job with its
progress shown and ends on the change list against the reel's previous version, in the same format. Each in
English at desk width and in French at phone width, axe-clean, no page wider than the screen.

Screenshots go to POSTPROD_SCREENSHOTS when it is set (else a temporary folder).
"""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from tests.editorial.cut_files import write_cut
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

from postprod import db
from postprod.editorial.diff import diff_cuts
from postprod.editorial.synth import make_pair
from postprod.services import editorial
from postprod.services.common import get_production

__all__ = ["server"]  # the fixture, used by name

FORMATS = {".xml": "fcp7", ".fcpxml": "fcpxml", ".aaf": "aaf", ".otio": "otio"}
VIEWS = [("en", 1440, 900), ("fr", 390, 844)]


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _check(page: Any, width: int, shots: Path, name: str) -> None:
    """The page as it stands: screenshot, axe-clean, and no wider than the screen."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    violations = accessibility_violations(page)
    assert violations == [], (name, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name


@pytest.mark.parametrize(("lang", "width", "height"), VIEWS)
@pytest.mark.parametrize("suffix", list(FORMATS))
def test_import_a_recut_in_each_format_and_see_the_change_list(
    server: tuple[str, int], tmp_path: Path, suffix: str, lang: str, width: int, height: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    tag = f"{suffix[1:]}-{lang}-{width}"
    # The reel's first version came in this format; the editor's recut comes in it too.
    pair = make_pair(30, Fraction(24), seed=3, trims=1, inserts=1, deletes=2, moves=1, replaces=1, version_bumps=0)
    first = write_cut(pair.old, tmp_path / f"R1_v1{suffix}")
    recut = write_cut(pair.new, tmp_path / f"R1_v2{suffix}")
    expected = sorted((c.type, c.head_frames, c.tail_frames) for c in diff_cuts(pair.old, pair.new).changes)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")
    with db.session_scope(engine, actor="seed") as s:
        editorial.import_cut(s, get_production(s, pid), first, reel="R1", actor="seed")
    engine.dispose()
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, height) as page:
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        sign_in(page, base, "supervisor")
        if lang == "fr":
            page.click("header form.lang button[value=fr]")
            page.wait_for_selector("html[lang=fr]")
        page.goto(f"{base}/p/{pid}/cuts")
        page.click("#import-cut summary")
        page.set_input_files("#import-cut input[name=file]", str(recut))
        page.fill("#import-cut input[name=reel]", "R1")
        page.fill("#import-cut input[name=label]", "Recut after screening")
        page.click("#import-cut button.primary")
        # The cuts page shows the job with its progress bar, then htmx takes it on to the change list.
        page.wait_for_url(re.compile(rf"/p/{pid}/cuts(\?job=\d+|/\d+)$"))
        if "?job=" in page.url:
            block = page.locator(".job-block")
            assert block.locator("progress").count() == 1, block.inner_text()
            if block.get_attribute("hx-get") is None:  # done before the page was drawn: its link leads on
                block.locator("a").click()
        page.wait_for_url(re.compile(rf"/p/{pid}/cuts/\d+$"), timeout=30_000)
        assert page.locator("h1").inner_text().startswith("R1 v2")
        fields = page.locator("dl.fields").first.inner_text()
        assert f"({FORMATS[suffix]})" in fields and "01:00:00:00 →" in fields, fields
        rows = page.locator("#changes tbody tr")
        found = []
        for i in range(rows.count()):
            row = rows.nth(i)
            kind = (row.locator(".chip").get_attribute("class") or "").split("c-")[-1]
            head, tail = (row.locator("td.num").nth(k).inner_text().strip() for k in (0, 1))
            found.append((kind, int(head or 0), int(tail or 0)))
        assert sorted(found) == expected
        _check(page, width, shots, f"cut-version-{tag}")
        assert blocked == [], blocked
