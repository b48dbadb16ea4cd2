"""An absence changed in the browser: its days and reason edited in place, each mistake beside its field with
nothing written, then a replan when asked (a job followed on the planning page); an unknown absence is a 404."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from tests.web.webkit import login

from postprod import db
from postprod.model import Absence
from postprod.web import pages_planning


def _absence(c: TestClient, absence_id: int) -> tuple[date, date, str]:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        a = s.get(Absence, absence_id)
        assert a is not None
        return a.start, a.end, a.reason


def test_edit_an_absence_then_replan(site: tuple[TestClient, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages_planning, "WEB_TIME_LIMIT", 0.3)
    c, pid = site
    csrf = login(c, "supervisor")
    person = f"/p/{pid}/people/Claire Moreau"
    add = {"start": "2031-06-02", "end": "2031-06-04", "reason": "Festival", "csrf_token": csrf}
    assert c.post(f"/p/{pid}/people/Claire Moreau/absences", data=add, follow_redirects=False).status_code == 303
    c.post(f"/p/{pid}/people/Claire Moreau/absences", data={**add, "start": "2031-07-01", "end": "2031-07-02"})
    page = c.get(person).text
    ids = [int(i) for i in re.findall(r"/absences/(\d+)/edit", page)]
    first = min(ids)
    assert f'id="absence-edit-{first}"' in page and 'name="replan"' in page
    url = f"/p/{pid}/absences/{first}/edit"
    before = _absence(c, first)
    # mistakes: beside the field, in the form that was open, nothing written
    for data, field in [({"start": "2031-06-05", "end": "2031-06-01"}, "end"), ({"start": "someday"}, "start"),
                        ({"start": "2031-06-30", "end": "2031-07-01"}, "start")]:  # fmt: skip
        r = c.post(url, data={"reason": "Festival", "csrf_token": csrf, **data})
        assert r.status_code == 422, (data, r.text[-500:])
        assert f'id="err-a{first}-{field}"' in r.text, data
        assert '<details class="absence-edit" open>' in r.text
        assert _absence(c, first) == before
    # without the token: refused
    assert c.post(url, data={"start": "2031-06-03"}).status_code == 403
    # saved without a replan: back on the person's page
    r = c.post(url, data={"start": "2031-06-03", "end": "2031-06-09", "reason": "Jury", "csrf_token": csrf},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].startswith(f"/p/{pid}/people/")
    assert _absence(c, first) == (date(2031, 6, 3), date(2031, 6, 9), "Jury")
    # saved with a replan: a planning job, followed on the planning page
    r = c.post(url, data={"start": "2031-06-03", "end": "2031-06-10", "reason": "Jury", "replan": "1",
                          "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    m = re.fullmatch(rf"/p/{pid}/planning\?job=(\d+)", r.headers["location"])
    assert m is not None, r.headers["location"]
    c.app.state.jobs.wait(int(m.group(1)), 60)  # type: ignore[attr-defined]
    assert "not planned yet" not in c.get(f"/p/{pid}").text
    # an unknown absence: 404 to edit or remove, never a 500
    assert c.post(f"/p/{pid}/absences/987654/edit", data={"start": "2031-06-03", "csrf_token": csrf}).status_code == 404
    assert c.post(f"/p/{pid}/absences/987654/delete", data={"csrf_token": csrf}).status_code == 404


def test_only_people_editors_change_absences(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    c.post(f"/p/{pid}/people/Claire Moreau/absences",
           data={"start": "2031-06-02", "end": "2031-06-04", "reason": "", "csrf_token": csrf})  # fmt: skip
    first = int(re.findall(r"/absences/(\d+)/edit", c.get(f"/p/{pid}/people/Claire Moreau").text)[0])
    csrf = login(c, "editor")
    assert "/edit" not in c.get(f"/p/{pid}/people/Claire Moreau").text.split('id="absences"')[1].split("</section>")[0]
    r = c.post(f"/p/{pid}/absences/{first}/edit", data={"start": "2031-06-03", "csrf_token": csrf})
    assert r.status_code == 403
    assert _absence(c, first)[0] == date(2031, 6, 2)
