"""Every page renders for the roles that may see it and is refused to the others, on both backends."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.webkit import login

from postprod import db
from postprod.services import planning as planning_ops
from postprod.services.common import get_production


def pages(pid: int) -> dict[str, str]:
    p = f"/p/{pid}"
    return {
        "dashboard": p,
        "gantt": f"{p}/gantt?lanes=room&zoom=4",
        "board": f"{p}/board?department=vfx",
        "board-status": f"{p}/board?department=sound-editing&status=not-started",
        "task": f"{p}/tasks/PIC-EDITORS-CUT",
        "people": f"{p}/people",
        "cuts": f"{p}/cuts",
        "vfx": f"{p}/registers/vfx?sort=-status",
        "adr": f"{p}/registers/adr?q=anna",
        "foley": f"{p}/registers/foley",
        "music": f"{p}/registers/music",
        "dubbing": f"{p}/registers/dubbing",
        "vfx-entry": f"{p}/registers/vfx/053_CSC_0750",
        "vfx-row": f"{p}/registers/vfx/053_CSC_0750/row?edit=true",
        "deliverables": f"{p}/deliverables",
        "deliverable": f"{p}/deliverables/Master streaming",
        "approvals": f"{p}/approvals",
        "activity": f"{p}/activity",
        "webhooks": f"{p}/webhooks",
        "planning": f"{p}/planning",
        "plan-compare": f"{p}/planning/compare",
        "plan-task": f"{p}/planning/tasks/PIC-LOCK",
        "me": f"{p}/me",
        "search": f"{p}/search?q=spotting",
        "notifications": "/notifications",
        "new-task": f"{p}/new-task?department=picture-editing",
        "delete-task": f"{p}/tasks/PIC-EDITORS-CUT/delete",
        "person": f"{p}/people/Claire Moreau",
        "room": f"{p}/rooms/Salle d'étalonnage",
        "remove-person": f"{p}/people/Claire Moreau/delete",
        "weekly-report": f"{p}/reports/weekly?week=2027-W05",
    }


EVERYONE = {"supervisor", "director", "picturelead", "editor"}
SUPERVISOR_ONLY = {
    "webhooks",
    "plan-task",
    "vfx-row",
    "remove-person",
}  # a VFX row's edit form: only the supervisor edits VFX here
TASK_EDITORS = {"new-task", "delete-task"}  # the supervisor, and the lead of the task's department
# What each role may open; everything else must be refused (403), and an outsider gets nothing.
ALLOWED = (
    {role: set(pages(0)) - SUPERVISOR_ONLY - TASK_EDITORS for role in EVERYONE}  # the notifications are anyone's own
    | {"supervisor": set(pages(0)), "picturelead": set(pages(0)) - SUPERVISOR_ONLY}
    | {"client": {"dashboard", "approvals", "search", "notifications"}, "outsider": {"notifications"}}
)
for _role in ("picturelead", "editor"):  # the weekly report is the supervisor's and the production director's
    ALLOWED[_role].discard("weekly-report")


def test_pages_by_role(site: tuple[TestClient, int]) -> None:
    c, pid = site
    for role in sorted(ALLOWED):
        login(c, role)
        for name, url in pages(pid).items():
            r = c.get(url)
            expected = 200 if name in ALLOWED[role] else 403
            assert r.status_code == expected, f"{role} {name}: {r.status_code}"
            assert r.headers["content-type"].startswith("text/html")
            if expected == 200:
                assert "<main>" in r.text and "Traceback" not in r.text


def test_signed_out_goes_to_login_and_back(site: tuple[TestClient, int]) -> None:
    c, pid = site
    r = c.get(f"/p/{pid}/board", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/p/{pid}/board"
    r = c.post("/login", data={"username": "supervisor", "password": "wrong", "login_csrf": "x"})
    assert r.status_code == 403  # the form's own token is missing from the cookie
    page = c.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"username": "supervisor", "password": "wrong", "login_csrf": token})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    # The API keeps its JSON errors.
    assert c.get(f"/api/v1/productions/{pid}").json()["error"]


def _board_form(c: TestClient, pid: int, key: str) -> tuple[int, str]:
    page = c.get(f"/p/{pid}/tasks/{key}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    return int(version.group(1)), page


def test_status_change_with_csrf_and_version(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    before = c.get(f"/p/{pid}").text
    in_progress = int(re.search(r'id="count-in-progress">(\d+)<', before).group(1))  # type: ignore[union-attr]
    version, _ = _board_form(c, pid, "VFX-SPOTTING")
    url = f"/p/{pid}/tasks/VFX-SPOTTING/status"
    # No CSRF token: refused, nothing changes.
    r = c.post(url, data={"status": "in-progress", "version": version}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post(url, data={"status": "in-progress", "version": version, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    after = c.get(f"/p/{pid}").text
    assert int(re.search(r'id="count-in-progress">(\d+)<', after).group(1)) == in_progress + 1  # type: ignore[union-attr]
    # The same (now stale) version again: 409 and the page shows the task as it is now.
    r = c.post(url, data={"status": "on-hold", "version": version, "csrf_token": csrf})
    assert r.status_code == 409
    assert "Someone else changed this task" in r.text and "in progress" in r.text
    # From JavaScript: JSON both ways, the conflict carries the current state.
    r = c.post(
        url,
        data={"status": "on-hold", "version": version},
        headers={"Accept": "application/json", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 409 and r.json()["current"]["status"] == "in-progress"
    r = c.post(
        url,
        data={"status": "in-review", "version": version + 1},
        headers={"Accept": "application/json", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200 and r.json()["status"] == "in-review" and "approved" in r.json()["next_statuses"]


def test_technician_moves_only_own_tasks(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "editor")
    mine, _ = _board_form(c, pid, "PIC-EDITORS-CUT")
    r = c.post(
        f"/p/{pid}/tasks/PIC-EDITORS-CUT/status",
        data={"status": "in-review", "version": mine, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    assert f'action="/p/{pid}/tasks/VFX-SPOTTING/status"' not in page
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/status", data={"status": "in-progress", "version": 1, "csrf_token": csrf})
    assert r.status_code == 403


def test_register_inline_status_and_notes(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/registers/vfx").text
    assert "053_CSC_0750" in page and "data-inline-status" in page
    entry = re.search(r"registers/vfx/(\d+)/status", page).group(1)  # type: ignore[union-attr]
    url = f"/p/{pid}/registers/vfx/{entry}/status"
    hdrs = {"Accept": "application/json", "X-CSRF-Token": csrf}
    r = c.post(url, data={"status": "in-progress", "version": 1}, headers=hdrs)
    assert r.status_code == 200 and r.json()["status"] == "in-progress"
    r = c.post(url, data={"status": "omitted", "version": 1}, headers=hdrs)
    assert r.status_code == 409 and r.json()["current"]["status"] == "in-progress"
    assert c.get(f"/p/{pid}/registers/vfx?status=in-progress").text.count("053_CSC_0750") >= 1
    assert "053_CSC_0750" not in c.get(f"/p/{pid}/registers/vfx?status=not-started").text
    r = c.post(
        f"/p/{pid}/notes",
        data={
            "target_type": "vfx_shot",
            "target_id": entry,
            "body": "Vendor B to bid",
            "csrf_token": csrf,
            "next": f"/p/{pid}/registers/vfx/{entry}",
        },
    )
    assert r.status_code == 200 and "Vendor B to bid" in r.text
    # A register entry goes for approval from its page, like a deliverable.
    assert 'name="target_type" value="vfx-shot"' in r.text
    r = c.post(
        f"/p/{pid}/approvals",
        data={"target_type": "vfx-shot", "target": entry, "reviewers": ["director"], "csrf_token": csrf},
    )
    assert r.status_code == 200 and "053_CSC_0750" in r.text and "s-pending" in r.text
    # A department lead of picture editing cannot change the VFX register.
    csrf = login(c, "picturelead")
    assert (
        c.post(url, data={"status": "on-hold", "version": 2}, headers={**hdrs, "X-CSRF-Token": csrf}).status_code == 403
    )


def test_inline_status_answers_carry_labels_in_the_users_language(site: tuple[TestClient, int]) -> None:
    """The script rebuilds the status menu from the answer: in French its words must be French."""
    c, pid = site
    csrf = login(c, "supervisor")
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/registers/vfx").text
    url = "/p/{}/registers/vfx/{}/status".format(pid, re.search(r"registers/vfx/(\d+)/status", page).group(1))  # type: ignore[union-attr]
    hdrs = {"Accept": "application/json", "X-CSRF-Token": csrf}
    r = c.post(url, data={"status": "in-progress", "version": 1}, headers=hdrs)
    assert r.status_code == 200 and r.json()["labels"]["in-progress"] == "en cours"
    assert set(r.json()["labels"]) == {"in-progress", *r.json()["next_statuses"]}
    r = c.post(url, data={"status": "omitted", "version": 1}, headers=hdrs)
    assert r.status_code == 409 and r.json()["labels"] == {"in-progress": "en cours"}
    assert "Quelqu" in r.json()["error"]
    version = re.search(r'name="version" value="(\d+)"', c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text).group(1)  # type: ignore[union-attr]
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/status", data={"status": "in-progress", "version": version}, headers=hdrs)
    assert r.status_code == 200 and r.json()["labels"]["in-progress"] == "en cours"


def test_approve_a_deliverable(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables/Relevé des musiques (cue sheet)").text
    did = re.search(r'name="target" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(
        f"/p/{pid}/approvals",
        data={
            "target_type": "deliverable",
            "target": did,
            "reviewers": ["director"],
            "message": "Final?",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    req_url = r.headers["location"]
    assert "Approve" not in c.get(req_url).text  # the supervisor is not a reviewer
    csrf = login(c, "director")
    assert 'id="decide"' in c.get(req_url).text
    r = c.post(req_url + "/decide", data={"decision": "changes-requested", "note": "", "csrf_token": csrf})
    assert r.status_code == 422  # asking for changes needs a note
    r = c.post(req_url + "/decide", data={"decision": "approved", "note": "Good to go", "csrf_token": csrf})
    assert r.status_code == 200 and 'id="approval-status"><span class="status s-approved">' in r.text
    assert "Good to go" in r.text
    assert "s-approved" in c.get(f"/p/{pid}/deliverables").text


def test_a_client_named_as_reviewer_finds_and_decides_the_request(site: tuple[TestClient, int]) -> None:
    """The client sees a request naming them (the dashboard counts it) without the item being shared,
    but not the item's internal notes nor a link to a page they may not open; other requests stay hidden."""
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables/Master streaming").text
    did = re.search(r'name="target" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    note = {"target_type": "deliverable", "target_id": did, "body": "Internal: grade still moving", "csrf_token": csrf}
    assert c.post(f"/p/{pid}/notes", data=note, follow_redirects=False).status_code == 303
    sent = {}
    for name, reviewers in (("Master streaming", ["client", "director"]), ("DCP son 5.1", ["director"])):
        page = c.get(f"/p/{pid}/deliverables/{name}").text
        target = re.search(r'name="target" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
        r = c.post(
            f"/p/{pid}/approvals",
            data={"target_type": "deliverable", "target": target, "reviewers": reviewers, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303
        sent[name] = r.headers["location"]
    assert "Internal: grade still moving" in c.get(sent["Master streaming"]).text
    csrf = login(c, "client")
    listing = c.get(f"/p/{pid}/approvals").text
    assert f'href="{sent["Master streaming"]}"' in listing and f'href="{sent["DCP son 5.1"]}"' not in listing
    page = c.get(sent["Master streaming"])
    assert page.status_code == 200 and 'id="decide"' in page.text
    assert "Internal: grade still moving" not in page.text and f'href="/p/{pid}/deliverables/' not in page.text
    assert c.get(sent["DCP son 5.1"]).status_code == 403
    r = c.post(sent["Master streaming"] + "/decide", data={"decision": "approved", "csrf_token": csrf})
    assert r.status_code == 200 and "s-approved" in r.text


def test_french_and_gantt_from_the_stored_plan(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    assert "not planned yet" in c.get(f"/p/{pid}").text
    assert 'id="not-planned"' in c.get(f"/p/{pid}/gantt").text
    with db.session_scope(engine, actor="planner") as s:
        planning_ops.plan_production(s, get_production(s, pid), time_limit=0.5)
    page = c.get(f"/p/{pid}/gantt?zoom=6").text
    assert "<svg" in page and 'class="bar crit"' in page and "PIC-EDITORS-CUT" in page
    assert c.get(f"/p/{pid}/gantt?zoom=500").status_code == 422
    dash = c.get(f"/p/{pid}").text
    assert "not planned yet" not in dash and re.search(r'id="critical-path">\s*(on track|tight|late)', dash)
    r = c.post("/language", data={"language": "fr", "next": f"/p/{pid}", "csrf_token": csrf})
    assert r.status_code == 200
    assert '<html lang="fr">' in r.text and "Tableau de bord" in r.text and "Jours avant livraison" in r.text
    assert "Départements" in r.text and "Montage image" in r.text
    assert "Plans VFX" in c.get(f"/p/{pid}/registers/vfx").text
    # the weekly load in the language's numbers: 2,5 days, never 2.5 on a French page
    cells = re.findall(r'<td class="load l\d"[^>]*>([^<]*)</td>', c.get(f"/p/{pid}/people").text)
    assert any(v.strip() for v in cells) and not any("." in v for v in cells), cells[:20]
    from postprod.web.render import _num

    assert (_num(2.5, "fr"), _num(2.5, "en"), _num(5.0, "fr"), _num(2.25, "fr", 2)) == ("2,5", "2.5", "5", "2,25")
    # the bars' tooltips give their dates the language's way; the script's data-start stays ISO
    gantt = c.get(f"/p/{pid}/gantt?zoom=6").text
    tips = re.findall(r"<title>(PIC-EDITORS-CUT · [^<]*)</title>", gantt)
    assert tips and not re.search(r"\d{4}-\d{2}-\d{2}", tips[0]), tips
    assert re.search(r"\d{1,2} [a-zéû]+\.? 20\d\d → \d{1,2} [a-zéû]+\.? 20\d\d", tips[0]), tips
    c.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf})
    tips = re.findall(r"<title>(PIC-EDITORS-CUT · [^<]*)</title>", c.get(f"/p/{pid}/gantt?zoom=6").text)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, 20\d\d → [A-Z][a-z]{2} \d{1,2}, 20\d\d", tips[0]), tips
    r = c.post("/language", data={"language": "xx", "next": "/", "csrf_token": csrf})
    assert r.status_code == 422


def test_activity_in_french_names_actions_and_items_in_words(site: tuple[TestClient, int], engine: Engine) -> None:
    """The feed says "a ajouté" and "Tâche", not the audit trail's "create", class names such as
    "TaskAssignment" nor column names: every audited kind and field has words (or is never told)."""
    from sqlalchemy import inspect

    from postprod.model.base import Base
    from postprod.services import registers, tasks
    from postprod.services.activity import HIDDEN_FIELDS
    from postprod.services.common import get_task
    from postprod.web.vocabulary import ENTITY_TYPES, FIELD_NAMES

    models = [m.class_ for m in Base.registry.mappers if hasattr(m.class_, "audit_production_id")]
    audited = {m.__name__ for m in models}
    assert audited and sorted(audited - ENTITY_TYPES.keys()) == []
    columns = {a.key for m in models for a in inspect(m).column_attrs} - {"id", "version", "created_at", "updated_at"}
    assert sorted(columns - FIELD_NAMES.keys() - HIDDEN_FIELDS) == []
    c, pid = site
    with db.session_scope(engine, actor="tester") as s:  # a task assigned and a shot added: the latest entries
        prod = get_production(s, pid)
        tasks.update_task(s, get_task(s, prod, "PIC-LOCK"), assign=[prod.people[0].name], priority=2)
        registers.add_entry(s, prod, registers.get_kind("vfx"), {"shot_id": "090_ACT_0010"})
    csrf = login(c, "supervisor")
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/activity").text
    assert "(Tâche)" in page and "a affecté" in page and "(Plan VFX)" in page and "a ajouté" in page
    words = set(re.findall(r"\w+", re.sub(r"<[^>]+>", " ", page)))
    assert not {"Task", "TaskAssignment", "VfxShot", "Membership", "create", "production_id"} & words


def test_register_entry_dates_in_the_users_format(site: tuple[TestClient, int], engine: Engine) -> None:
    from postprod.services import registers

    c, pid = site
    with db.session_scope(engine, actor="seed") as s:
        prod = get_production(s, pid)
        kind = registers.get_kind("vfx")
        registers.update_entry(s, prod, kind, registers.get_entry(s, prod, kind, "053_CSC_0750"), {"due": "2027-02-20"})
    csrf = login(c, "supervisor")
    url = f"/p/{pid}/registers/vfx/053_CSC_0750"
    page = c.get(url).text
    # A date input's value is ISO whatever the language (the browser shows it the user's way): not text read.
    shown = re.sub(r'value="[^"]*"', "", page)
    assert "Feb 20, 2027" in shown and "2027-02-20" not in shown and 'name="due" value="2027-02-20"' in page
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(url).text
    shown = re.sub(r'value="[^"]*"', "", page)
    assert "20 févr. 2027" in shown and "2027-02-20" not in shown and 'name="due" value="2027-02-20"' in page


def test_cut_versions_in_french(site: tuple[TestClient, int], engine: Engine, tmp_path: Path) -> None:
    """Change kinds and what was carried are words of the catalogue, not the change summary's keys."""
    from fractions import Fraction

    from postprod.editorial.edl_writer import cut_to_edl
    from postprod.editorial.synth import make_pair
    from postprod.services import editorial

    c, pid = site
    pair = make_pair(30, Fraction(24), seed=3, trims=1, inserts=1, deletes=1, moves=1, replaces=1, version_bumps=0)
    for n, cut in enumerate((pair.old, pair.new), start=1):
        path = tmp_path / f"v{n}.edl"
        path.write_text(cut_to_edl(cut), encoding="utf-8")
        with db.session_scope(engine, actor="seed") as s:
            editorial.import_cut(s, get_production(s, pid), path, reel="R1", actor="seed")
    csrf = login(c, "supervisor")
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/cuts").text
    assert "insertion 1" in page and "déplacement 1" in page and "Écart de durée" in page
    assert "old events" not in page and "unchanged slid" not in page and "move 1" not in page
    v2 = re.search(rf'href="(/p/{pid}/cuts/\d+)">v2<', page).group(1)  # type: ignore[union-attr]
    page = c.get(v2).text
    assert ">remplacement<" in page and "inchangés" in page and ">replace<" not in page and "unchanged 0" not in page


def test_french_catalogue_is_complete_and_compiled() -> None:
    """Every string of the pages has a French translation, and the committed .mo matches the .po."""
    import gettext

    extract = pytest.importorskip("babel.messages.extract", reason="Babel is not installed (pip install babel)")
    from babel.messages.pofile import read_po

    from postprod.web import i18n

    web = Path(i18n.__file__).resolve().parent
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        msg[2]
        for msg in extract.extract_from_dir(str(web), method_map, options, keywords={"_": None, "N_": None})
        if isinstance(msg[2], str)
    }
    # the services' refusals, the cut readers' and the jobs' errors, marked N_ (errors.PostprodError.said):
    # the pages translate them
    for folder in ("services", "editorial", "jobs"):
        found |= {
            msg[2]
            for msg in extract.extract_from_dir(str(web.parent / folder), [("**.py", "python")], keywords={"N_": None})
            if isinstance(msg[2], str)
        }
    assert "binary data, not a text EDL" in found and "internal error (%(name)s)" in found
    assert "Days to delivery" in found and "in progress" in found and "no task %(text)r in %(production)r" in found
    po = web / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="fr")
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(found - translated.keys()) == []
    with (po.parent / "messages.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    assert {k: mo.gettext(k) for k in translated} == translated


def test_webhooks_page(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    assert f'href="/p/{pid}/webhooks"' in c.get(f"/p/{pid}").text  # in the supervisor's tabs
    r = c.post(f"/p/{pid}/webhooks", data={"url": "https://tools.example/in", "csrf_token": csrf})
    assert r.status_code == 200 and 'id="new-secret"' in r.text
    secret = re.search(r'id="new-secret">.*?<code>([0-9a-f]{64})</code>', r.text, re.S)
    assert secret is not None
    page = c.get(f"/p/{pid}/webhooks").text
    assert "https://tools.example/in" in page and secret.group(1) not in page  # shown once
    hook = re.search(r"/webhooks/(\d+)/remove", page)
    assert hook is not None
    bad = c.post(f"/p/{pid}/webhooks", data={"url": "gopher://x", "csrf_token": csrf})
    assert bad.status_code == 422 and "invalid webhook URL" in bad.text
    inside = c.post(f"/p/{pid}/webhooks", data={"url": "http://169.254.169.254/", "csrf_token": csrf})
    assert inside.status_code == 422 and "inside the server&#39;s network" in inside.text
    assert c.post(f"/p/{pid}/webhooks", data={"url": "https://x.example"}).status_code in (
        302,
        303,
        401,
        403,
    )  # no CSRF
    r = c.post(f"/p/{pid}/webhooks/{hook.group(1)}/remove", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303


def test_a_webhook_past_the_most_a_production_may_have_is_refused_beside_its_address(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    from postprod.model import Webhook
    from postprod.services.webhooks import MAX_HOOKS

    c, pid = site
    csrf = login(c, "supervisor")
    for i in range(MAX_HOOKS - _rows(engine, Webhook)):
        assert c.post(f"/p/{pid}/webhooks", data={"url": f"https://tools{i}.example/in", "csrf_token": csrf}).is_success
    r = c.post(f"/p/{pid}/webhooks", data={"url": "https://one-more.example/in", "csrf_token": csrf})
    assert r.status_code == 422 and f"{MAX_HOOKS} webhooks already" in _beside(r.text, "url"), r.text[-600:]
    assert 'value="https://one-more.example/in"' in r.text  # what was typed, kept
    assert _rows(engine, Webhook) == MAX_HOOKS
    for hook in set(re.findall(r"/webhooks/(\d+)/remove", c.get(f"/p/{pid}/webhooks").text)):  # the site is shared
        c.post(f"/p/{pid}/webhooks/{hook}/remove", data={"csrf_token": csrf})
    assert _rows(engine, Webhook) == 0
    assert "No webhook yet." in c.get(f"/p/{pid}/webhooks").text
    login(c, "director")
    assert f'href="/p/{pid}/webhooks"' not in c.get(f"/p/{pid}").text


def test_large_ids_and_nul_bytes_in_page_addresses_are_4xx(site: tuple[TestClient, int]) -> None:
    c, pid = site
    login(c, "supervisor")
    for path in (
        f"/p/{2**63}",
        f"/p/{2**31}/board",
        f"/p/{pid}/tasks/{2**63}",
        f"/p/{pid}/registers/vfx/{2**63}",
        f"/p/{pid}/tasks/PIC%00CUT",
        f"/p/{pid}/board?department=vfx%00",
    ):
        r = c.get(path)
        assert 400 <= r.status_code < 500, f"{path}: {r.status_code}"
    r = c.get(f"/p/{pid}/board?department=vfx%00", headers={"Accept": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "department"


def test_subtitle_deliverable_shows_its_language_work(site: tuple[TestClient, int], engine: Engine) -> None:
    """A subtitle deliverable's page links the dubbed version and the tasks of its language, in both languages."""
    from sqlalchemy.orm import Session

    from postprod.model import Deliverable, DubbingVersion

    c, pid = site
    with Session(engine) as s:
        # the demo's English dubbed version is the one the deliverable's language links to
        dubbed = s.query(DubbingVersion).filter_by(production_id=pid, language="en").one()
        dubbed.studio = "Studio Anglais"
        s.add(Deliverable(production_id=pid, name="Subtitles EN", spec="subtitles-netflix-en", language="en"))
        s.commit()
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables/Subtitles EN").text
    assert "Studio Anglais" in page and f'href="/p/{pid}/registers/dubbing/en"' in page
    tasks = re.findall(rf'href="/p/{pid}/tasks/([A-Z0-9-]+)"', page)
    assert tasks and all("-EN-" in t for t in tasks)
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/deliverables/Subtitles EN").text
    assert "Version doublée" in page and "Langue" in page and "Tâches" in page


# --- forms refused on their own page: the message beside the field, what was typed, nothing written ---


def _beside(page: str, field: str) -> str:
    """The message a form shows beside one of its fields ("" when none)."""
    m = re.search(rf'<span class="field-error" id="err-{field}" role="alert">([^<]*)</span>', page)
    return html.unescape(m.group(1)) if m else ""


def _rows(engine: Engine, model: type) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _item_pages(c: TestClient, pid: int) -> dict[str, tuple[str, str]]:
    """Pages carrying the notes form: address -> (item type, reference) as the form posts them."""
    vfx = re.search(r"registers/vfx/(\d+)/status", c.get(f"/p/{pid}/registers/vfx").text).group(1)  # type: ignore[union-attr]
    page = c.get(f"/p/{pid}/deliverables/Master streaming").text
    deliverable = re.search(r'name="target" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    return {
        f"/p/{pid}/tasks/VFX-SPOTTING": ("task", "VFX-SPOTTING"),
        f"/p/{pid}/deliverables/Master%20streaming": ("deliverable", deliverable),
        f"/p/{pid}/registers/vfx/{vfx}": ("vfx_shot", vfx),
    }


def test_an_empty_note_shows_the_items_page_again_with_the_message_beside_it(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    from postprod.model import Note

    c, pid = site
    csrf = login(c, "supervisor")
    pages = _item_pages(c, pid)
    before = _rows(engine, Note)
    too_long = "x" * 10_001
    said = {
        "en": ("the note is empty", "the note is too long (10001 characters, at most 10000)"),
        "fr": ("la note est vide", "la note est trop longue (10001 caractères, au plus 10000)"),
    }
    for lang, (empty, long) in said.items():
        c.post("/language", data={"language": lang, "next": "/", "csrf_token": csrf})
        for page, (kind, ref) in pages.items():
            form = {"target_type": kind, "target_id": ref, "next": page, "csrf_token": csrf}
            r = c.post(f"/p/{pid}/notes", data=form | {"body": "   "})
            assert r.status_code == 422 and _beside(r.text, "body") == empty, (lang, page)
            assert ">   </textarea>" in r.text  # what was typed
            # the item's own page, whose forms send back to it (not to the address posted to)
            assert f'name="next" value="{page}"' in r.text and "<main>" in r.text
            r = c.post(f"/p/{pid}/notes", data=form | {"body": too_long})
            assert r.status_code == 422 and _beside(r.text, "body") == long and f">{too_long}</textarea>" in r.text
    assert _rows(engine, Note) == before
    r = c.post(f"/p/{pid}/notes", data=form | {"body": "Vendor B to bid"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == page


def test_asking_for_approval_with_no_reviewer_shows_the_form_again_on_its_page(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    """The reviewers' roles are words of the page's language; a request naming nobody comes back to the
    page it was sent from with the message beside the reviewers and the message to them kept."""
    from postprod.model import ApprovalRequest

    c, pid = site
    csrf = login(c, "supervisor")
    pages = {p: item for p, item in _item_pages(c, pid).items() if item[0] != "task"}
    before = _rows(engine, ApprovalRequest)
    said = {
        "en": ("name at least one reviewer", "(production director)"),
        "fr": ("nommez au moins un valideur", "(directeur de production)"),
    }
    for lang, (message, role) in said.items():
        c.post("/language", data={"language": lang, "next": "/", "csrf_token": csrf})
        for page, (kind, ref) in pages.items():
            assert role in c.get(page).text and "(production-director)" not in c.get(page).text
            form = {"target_type": kind.replace("_", "-"), "target": ref, "message": "Final grade?", "csrf_token": csrf}
            r = c.post(f"/p/{pid}/approvals", data=form)
            assert r.status_code == 422 and _beside(r.text, "reviewers") == message, (lang, page)
            assert 'id="request-approval"' in r.text and ">Final grade?</textarea>" in r.text
            assert f'name="next" value="{page}"' in r.text and role in r.text
    assert _rows(engine, ApprovalRequest) == before
    r = c.post(f"/p/{pid}/approvals", data=form | {"reviewers": "director"}, follow_redirects=False)
    assert r.status_code == 303 and _rows(engine, ApprovalRequest) == before + 1
    # the same item again while it waits: its page says so beside the form, and nothing more is asked
    waiting = r.headers["location"].rsplit("/", 1)[-1]
    for lang, said_ in (("en", "already awaits approval (request"), ("fr", "attend déjà une validation (demande")):
        c.post("/language", data={"language": lang, "next": "/", "csrf_token": csrf})
        r = c.post(f"/p/{pid}/approvals", data=form | {"reviewers": "director"})
        assert r.status_code == 422 and f"{said_} {waiting})" in _beside(r.text, "form"), (lang, r.text[-500:])
        assert 'id="request-approval"' in r.text and ">Final grade?</textarea>" in r.text
    assert _rows(engine, ApprovalRequest) == before + 1


def test_asking_for_changes_without_a_note_keeps_the_request_open(site: tuple[TestClient, int], engine: Engine) -> None:
    from postprod.model import ApprovalRequest, Note

    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables/DCP son 5.1").text
    did = re.search(r'name="target" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    form = {"target_type": "deliverable", "target": did, "reviewers": "client", "csrf_token": csrf}
    url = c.post(f"/p/{pid}/approvals", data=form, follow_redirects=False).headers["location"]
    notes = _rows(engine, Note)
    csrf = login(c, "client")  # clients decide on this form too
    said = {
        "en": ("say which changes in a note", "invalid decision 'maybe': approved or changes-requested"),
        "fr": ("dites quelles modifications dans une note", "décision 'maybe' invalide"),
    }
    for lang, (no_note, bad) in said.items():
        c.post("/language", data={"language": lang, "next": "/", "csrf_token": csrf})
        r = c.post(url + "/decide", data={"decision": "changes-requested", "note": "  ", "csrf_token": csrf})
        assert r.status_code == 422 and _beside(r.text, "note") == no_note, lang
        assert 'id="decide"' in r.text and ">  </textarea>" in r.text
        r = c.post(url + "/decide", data={"decision": "maybe", "note": "Grain on reel 2", "csrf_token": csrf})
        assert r.status_code == 422 and _beside(r.text, "decision").startswith(bad), lang
        assert ">Grain on reel 2</textarea>" in r.text
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        req = s.get(ApprovalRequest, int(url.rsplit("/", 1)[1]))
        assert req is not None and req.status.value == "pending" and req.reviews[0].decision.value == "pending"
    assert _rows(engine, Note) == notes


def test_a_refused_webhook_address_is_shown_beside_its_field(site: tuple[TestClient, int], engine: Engine) -> None:
    from postprod.model import Webhook

    c, pid = site
    csrf = login(c, "supervisor")
    said = {
        "en": ("invalid webhook URL 'gopher://x': an http:// or https:// address", "inside the server's network"),
        "fr": ("URL de webhook non valide 'gopher://x' : une adresse http:// ou https://", "du réseau du serveur"),
    }
    for lang, (scheme, inside) in said.items():
        c.post("/language", data={"language": lang, "next": "/", "csrf_token": csrf})
        r = c.post(f"/p/{pid}/webhooks", data={"url": "gopher://x", "csrf_token": csrf})
        assert r.status_code == 422 and _beside(r.text, "url") == scheme, lang
        assert 'id="add-webhook"' in r.text and 'value="gopher://x"' in r.text and 'id="new-secret"' not in r.text
        r = c.post(f"/p/{pid}/webhooks", data={"url": "http://169.254.169.254/", "csrf_token": csrf})
        assert r.status_code == 422 and inside in _beside(r.text, "url") and 'value="http://169.254.169.254/"' in r.text
    assert _rows(engine, Webhook) == 0


def test_pages_link_their_print_stylesheet(site: tuple[TestClient, int]) -> None:
    """Every page carries the paper rules (static/print.css; tests/web/test_web_e2e_print.py prints them)."""
    c, pid = site
    login(c, "supervisor")
    page = c.get(f"/p/{pid}/budget").text
    assert '<link rel="stylesheet" href="/static/print.css" media="print">' in page
    assert '<header class="top" data-page="Budget">' in page
    css = c.get("/static/print.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for rule in ("nav.tabs", "thead { display: table-header-group; }", ".table-wrap", "overflow: visible"):
        assert rule in css.text, rule


def test_money_and_numbers_in_the_users_language(site: tuple[TestClient, int], engine: Engine) -> None:
    """Rates, estimates and bids are written the page's way: "420,00 €" and "2,5 jours" in French, "€420.00"
    and "2.5 days" in English; never the stored "420.00 EUR" or "21.00"."""
    from decimal import Decimal

    from sqlalchemy import select

    from postprod.model import Person, Room
    from postprod.services import registers
    from postprod.services.common import get_task

    c, pid = site
    with db.session_scope(engine, actor="seed") as s:
        prod = get_production(s, pid)
        person = s.scalars(select(Person).where(Person.production_id == pid, Person.name == "Claire Moreau")).one()
        person.day_rate, person.currency = Decimal("420.00"), "EUR"
        room = s.scalars(select(Room).where(Room.production_id == pid, Room.name == "Salle d'étalonnage")).one()
        room.day_rate, room.currency = Decimal("1250.00"), "EUR"
        get_task(s, prod, "PIC-EDITORS-CUT").estimate_days = Decimal("21.00")
        get_task(s, prod, "PIC-LOCK").estimate_days = Decimal("2.50")
        kind = registers.get_kind("vfx")
        registers.update_entry(s, prod, kind, registers.get_entry(s, prod, kind, "053_CSC_0750"), {"bid": "12500"})
    csrf = login(c, "supervisor")
    p = f"/p/{pid}"
    people = c.get(f"{p}/people").text
    assert "€420.00" in people and "€1,250.00" in people and "420.00 EUR" not in people
    assert "€420.00" in c.get(f"{p}/people/Claire Moreau").text
    assert "21 days" in c.get(f"{p}/tasks/PIC-EDITORS-CUT").text
    assert "2.5 days" in c.get(f"{p}/tasks/PIC-LOCK").text
    assert "€12,500.00" in c.get(f"{p}/registers/vfx/053_CSC_0750").text
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    people = c.get(f"{p}/people").text
    assert "420,00\xa0€" in people and "1\u202f250,00\xa0€" in people and "420.00" not in people
    assert "420,00\xa0€" in c.get(f"{p}/people/Claire Moreau").text
    task = c.get(f"{p}/tasks/PIC-EDITORS-CUT").text
    assert "21 jours" in task and "21.00" not in task
    assert "2,5 jours" in c.get(f"{p}/tasks/PIC-LOCK").text
    assert "12\u202f500,00\xa0€" in c.get(f"{p}/registers/vfx/053_CSC_0750").text
