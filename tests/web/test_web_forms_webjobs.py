"""The editorial and delivery forms of the pages: deliverables, QC and cut imports as jobs, register entries.

Each form: it writes on success; each mistake comes back beside its field with nothing written; a role
without the right gets 403; a post without the CSRF token is refused.
"""

from __future__ import annotations

import re
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.web.webkit import PASSWORDS, client, login

from postprod import db
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair
from postprod.model import AdrCue, CutVersion, Deliverable, Job, VfxShot
from postprod.services import registers, users
from postprod.services.common import get_production
from postprod.timecode import frames_to_tc

Site = tuple[TestClient, int]


def errors_of(html: str) -> dict[str, str]:
    """The mistakes a page shows beside its fields: field name -> message."""
    return dict(re.findall(r'class="field-error" id="err-(\w+)" role="alert">([^<]*)<', html))


def count(engine: Engine, model: type) -> int:
    with db.session_scope(engine, actor="test") as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def tone(path: Path, seconds: float = 2.0, level: float = 0.5) -> Path:
    """A stereo 1 kHz tone at 48 kHz, far louder than broadcast loudness (-23 LUFS): it fails EBU R128."""
    n = np.arange(int(48000 * seconds))
    x = np.round(level * 32767 * np.sin(2 * np.pi * 1000 * n / 48000)).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(2)
        fh.setsampwidth(2)
        fh.setframerate(48000)
        fh.writeframes(np.repeat(x[:, None], 2, axis=1).tobytes())
    return path


@pytest.fixture
def media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(root))
    return root


NO_FILE = {"spec_file": ("", b"")}


# --- deliverables -----------------------------------------------------------------------------------


def test_add_a_deliverable_and_its_mistakes(site: Site, engine: Engine, media: Path) -> None:
    c, pid = site
    tone(media / "mix.wav")
    with db.session_scope(engine, actor="test") as s:
        milestone = get_production(s, pid).deliveries[0]
        milestone_id, milestone_due = milestone.id, milestone.due
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables").text
    assert 'id="add-deliverable"' in page and "ebu-r128" in page
    ok = {"csrf_token": csrf, "name": "Broadcast mix", "spec": "ebu-r128", "milestone": str(milestone_id)}
    r = c.post(f"/p/{pid}/deliverables", data=ok | {"file": "mix.wav"}, files=NO_FILE, follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session_scope(engine, actor="test") as s:
        d = s.scalars(select(Deliverable).where(Deliverable.name == "Broadcast mix")).one()
        assert (d.spec, d.due_date, d.file_path) == ("ebu-r128", milestone_due, str(media / "mix.wav"))
    before = count(engine, Deliverable)
    toml = b'[spec]\ntitle = "x"\n[loudness]\ntarget = -23.0\n'
    mistakes = [
        ({"name": "broadcast MIX"}, NO_FILE, "name"),  # the same name, whatever the case
        ({"name": "Other", "spec": "no-such-spec"}, NO_FILE, "spec"),
        ({"name": "Other"}, {"spec_file": ("own.toml", toml)}, "spec_file"),  # no loudness measurement
        ({"name": "Other", "due": "2027-01-10", "milestone": str(milestone_id)}, NO_FILE, "milestone"),
        ({"name": "Other", "due": "10/01/2027"}, NO_FILE, "due"),
        ({"name": "Other", "file": "../../etc/passwd"}, NO_FILE, "file"),
        ({"name": "Other", "language": "français"}, NO_FILE, "language"),
    ]
    for fields, files, field in mistakes:
        r = c.post(f"/p/{pid}/deliverables", data={"csrf_token": csrf, **fields}, files=files)
        assert r.status_code == 422, (fields, r.status_code)
        assert list(errors_of(r.text)) == [field], (fields, errors_of(r.text))
        assert 'id="add-deliverable" open' in r.text  # the form stays open with what was typed
        assert f'value="{fields["name"]}"' in r.text
    assert count(engine, Deliverable) == before

    for role in ("director", "editor", "picturelead"):
        token = login(c, role)
        r = c.post(f"/p/{pid}/deliverables", data=ok | {"csrf_token": token, "name": "X"}, files=NO_FILE)
        assert r.status_code == 403, role
        assert 'id="add-deliverable"' not in c.get(f"/p/{pid}/deliverables").text
    login(c, "supervisor")
    r = c.post(f"/p/{pid}/deliverables", data={"name": "No token"}, files=NO_FILE, follow_redirects=False)
    assert r.status_code in (303, 403) and count(engine, Deliverable) == before


def test_edit_a_deliverable_with_its_own_spec(site: Site, engine: Engine, media: Path) -> None:
    c, pid = site
    tone(media / "mix.wav")
    csrf = login(c, "supervisor")
    url = f"/p/{pid}/deliverables/Master streaming"
    page = c.get(url).text
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    toml = b'[spec]\ntitle = "Our mix"\n[loudness]\ntarget = -24.0\ntolerance = 1.0\nmeasurement = "full-programme"\n'
    base = {"csrf_token": csrf, "version": str(version), "spec": "", "due": "2027-02-01", "file": "mix.wav"}
    r = c.post(url + "/edit", data=base | {"language": "fr"}, files={"spec_file": ("ours.toml", toml)})
    assert r.status_code == 200 and "<dd>ours</dd>" in r.text  # the own spec, named after its file
    with db.session_scope(engine, actor="test") as s:
        d = s.scalars(select(Deliverable).where(Deliverable.name == "Master streaming")).one()
        assert (d.spec, d.spec_text, d.language, d.version) == ("ours", toml.decode(), "fr", version + 1)
        assert d.due_date is not None and d.due_date.isoformat() == "2027-02-01"
    # Kept: the own spec stays when the form says so (and no new file comes).
    page = c.get(url).text
    assert '<option value="__own__" selected>' in page
    same = base | {"version": str(version + 1), "spec": "__own__", "language": "fr", "due": "2027-02-02"}
    assert c.post(url + "/edit", data=same, files=NO_FILE).status_code == 200
    with db.session_scope(engine, actor="test") as s:
        d = s.scalars(select(Deliverable).where(Deliverable.name == "Master streaming")).one()
        assert d.spec_text == toml.decode() and d.version == version + 2
    # A stale version: shown as it is now, 409, nothing written; a bad date beside its field.
    r = c.post(url + "/edit", data=base | {"version": str(version), "due": "2030-01-01"}, files=NO_FILE)
    assert r.status_code == 409 and list(errors_of(r.text)) == ["version"]
    r = c.post(url + "/edit", data=base | {"version": str(version + 2), "due": "soon"}, files=NO_FILE)
    assert r.status_code == 422 and list(errors_of(r.text)) == ["due"] and 'value="soon"' in r.text
    with db.session_scope(engine, actor="test") as s:
        d = s.scalars(select(Deliverable).where(Deliverable.name == "Master streaming")).one()
        assert d.version == version + 2 and d.due_date is not None and d.due_date.isoformat() == "2027-02-02"
    token = login(c, "director")
    assert 'id="edit-deliverable"' not in c.get(url).text
    r = c.post(url + "/edit", data=base | {"csrf_token": token}, files=NO_FILE)
    assert r.status_code == 403


def test_qc_runs_as_a_job_the_page_follows_to_its_findings(site: Site, engine: Engine, media: Path) -> None:
    c, pid = site
    tone(media / "mix.wav")
    csrf = login(c, "supervisor")
    url = f"/p/{pid}/deliverables/Master streaming"
    # Without a file there is nothing to check: said beside the button, and no job is queued.
    jobs_before = count(engine, Job)
    with db.session_scope(engine, actor="test") as s:
        d = s.scalars(select(Deliverable).where(Deliverable.name == "Master streaming")).one()
        d.file_path, d.spec, d.spec_text = None, "ebu-r128", None
        d_id = d.id
    r = c.post(url + "/qc", data={"csrf_token": csrf})
    assert r.status_code == 422 and list(errors_of(r.text)) == ["qc"] and count(engine, Job) == jobs_before
    with db.session_scope(engine, actor="test") as s:
        s.get(Deliverable, d_id).file_path = str(media / "mix.wav")  # type: ignore[union-attr]

    r = c.post(url + "/qc", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    job = int(r.headers["location"].split("job=")[1])
    c.app.state.jobs.wait(job, 60)  # type: ignore[attr-defined]
    page = c.get(r.headers["location"]).text
    assert f'id="job-{job}"' in page and "See the result" in page
    poll = c.get(f"/p/{pid}/jobs/{job}", headers={"HX-Request": "true"}, follow_redirects=False)
    run_url = poll.headers["HX-Redirect"]
    assert re.fullmatch(rf"/p/{pid}/qc/\d+", run_url)
    run = c.get(run_url).text
    assert "qc-fail" in run and "loudness" in run and 'id="findings"' in run
    # Someone who neither started it nor supervises does not follow it; a director may not start one.
    login(c, "editor")
    assert c.get(f"/p/{pid}/jobs/{job}").status_code == 403
    token = login(c, "director")
    assert c.post(url + "/qc", data={"csrf_token": token}).status_code == 403


# --- cut import by upload --------------------------------------------------------------------------


def test_cut_import_by_upload_ends_on_its_change_list(site: Site, engine: Engine) -> None:
    c, pid = site
    pair = make_pair(30, Fraction(24), seed=3, trims=1, inserts=1, deletes=2, moves=1, replaces=1, version_bumps=0)
    csrf = login(c, "picturelead")
    assert 'id="import-cut"' in c.get(f"/p/{pid}/cuts").text

    def upload(name: str, text: str, **fields: str) -> int:
        data = {"csrf_token": csrf, "reel": "R1"} | fields
        r = c.post(f"/p/{pid}/cuts/import", data=data, files={"file": (name, text.encode())}, follow_redirects=False)
        assert r.status_code == 303, r.text
        job = int(r.headers["location"].split("job=")[1])
        c.app.state.jobs.wait(job, 60)  # type: ignore[attr-defined]
        return job

    upload("v1.edl", cut_to_edl(pair.old), label="director's cut")
    with db.session_scope(engine, actor="test") as s:
        prod = get_production(s, pid)
        for i, ev in enumerate(pair.old.events):
            tc_in = frames_to_tc(ev.record_in + 2, Fraction(24))
            tc_out = frames_to_tc(ev.record_in + 10, Fraction(24))
            registers.add_entry(
                s, prod, registers.get_kind("adr"), {"number": str(200 + i), "reel": "R1", "in": tc_in, "out": tc_out}
            )
    job = upload("v2.edl", cut_to_edl(pair.new), label="v2")
    r = c.get(f"/p/{pid}/jobs/{job}", headers={"HX-Request": "true"})
    target = r.headers["HX-Redirect"]
    assert c.get(f"/p/{pid}/jobs/{job}", follow_redirects=False).headers["location"] == target
    page = c.get(target).text
    assert 'id="changes"' in page and ">delete<" in page
    flagged = re.search(r'id="flagged">.*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "/registers/adr/" in flagged and "R1 v2:" in flagged

    versions, jobs = count(engine, CutVersion), count(engine, Job)
    mistakes = [
        ({"reel": "R 1"}, ("v3.edl", b"x"), "reel"),
        ({"reel": "R1"}, ("v3.doc", b"x"), "file"),
        ({"reel": "R1", "rate": "fast"}, ("v3.edl", b"x"), "rate"),
        ({"reel": "R1"}, ("", b""), "file"),
        ({"reel": "R1"}, ("v3.edl", b""), "file"),
    ]
    for fields, file, field in mistakes:
        r = c.post(f"/p/{pid}/cuts/import", data={"csrf_token": csrf, **fields}, files={"file": file})
        assert r.status_code == 422 and list(errors_of(r.text)) == [field], (fields, errors_of(r.text))
        assert 'id="import-cut" open' in r.text
    assert (count(engine, CutVersion), count(engine, Job)) == (versions, jobs)
    token = login(c, "director")
    r = c.post(f"/p/{pid}/cuts/import", data={"csrf_token": token, "reel": "R1"}, files={"file": ("v.edl", b"x")})
    assert r.status_code == 403 and count(engine, Job) == jobs
    login(c, "picturelead")
    r = c.post(f"/p/{pid}/cuts/import", data={"reel": "R1"}, files={"file": ("v.edl", b"x")}, follow_redirects=False)
    assert r.status_code in (303, 403) and count(engine, Job) == jobs


def test_a_failed_cut_import_names_the_uploaded_file_in_the_users_language(site: Site, engine: Engine) -> None:
    """The job's error names the file as it was sent, never the server's temporary copy, and is said in French
    on a French page; the API keeps it in English."""
    c, pid = site
    csrf = login(c, "picturelead")
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})

    def failed(name: str, text: str) -> str:
        r = c.post(
            f"/p/{pid}/cuts/import",
            data={"csrf_token": csrf, "reel": "R1"},
            files={"file": (name, text.encode())},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        job = int(r.headers["location"].split("job=")[1])
        c.app.state.jobs.wait(job, 60)  # type: ignore[attr-defined]
        page = c.get(f"/p/{pid}/jobs/{job}").text
        assert "s-job-failed" in page, page[-1500:]
        assert "/tmp" not in page and "postprod-cut-" not in page, page[-1500:]
        return page

    page = failed("bobine 3.edl", "TITLE: BOBINE 3\nFCM: NON-DROP FRAME\n")
    assert "bobine 3.edl : aucun événement à importer" in page and "no events" not in page
    page = failed("bobine 4.edl", "TITLE: BOBINE 4\n001  AX V C 01:00:00:00\n")
    assert "bobine 4.edl:2: ligne d&#39;événement mal formée (5 champs, au moins 7 attendus)" in page, page[-1500:]
    # the API says it in English, with the same name
    with db.session_scope(engine, actor="test") as s:
        job = s.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job is not None and job.error.startswith("bobine 4.edl:2: malformed event line (5 fields")


def test_uploads_are_capped(engine: Engine, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _c, pid = site
    monkeypatch.setenv("POSTPROD_MAX_UPLOAD_MB", "1")
    with client(engine) as c:
        csrf = login(c, "picturelead")
        big = b"*" * (1024 * 1024 + 10)
        r = c.post(f"/p/{pid}/cuts/import", data={"csrf_token": csrf, "reel": "R1"}, files={"file": ("v.edl", big)})
        assert r.status_code == 413
        r = c.post(f"/p/{pid}/cuts/import", data={"csrf_token": csrf, "reel": "R 1"}, files={"file": ("v.edl", b"x")})
        assert r.status_code == 422  # under the cap, the form answers


# --- register entries ------------------------------------------------------------------------------


def test_add_a_register_entry_and_its_mistakes(site: Site, engine: Engine) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/registers/vfx").text
    assert 'id="add-entry"' in page and 'name="bid"' in page
    data = {"csrf_token": csrf, "shot_id": "010_ABC_0010", "description": "Sky", "bid": "1200", "reel": "R1"}
    r = c.post(f"/p/{pid}/registers/vfx", data=data | {"in": "01:00:00:00", "out": "01:00:02:00"})
    assert r.status_code == 200 and "010_ABC_0010" in r.text
    before = count(engine, VfxShot)
    for fields, field in [
        ({"shot_id": "010_abc_0010"}, "shot_id"),  # already there
        ({"shot_id": "010 ABC"}, "shot_id"),
        ({"shot_id": "010_ABC_0020", "in": "1h"}, "in"),
        ({"shot_id": "010_ABC_0020", "in": "01:00:02:00", "out": "01:00:01:00"}, "out"),
        ({"shot_id": "010_ABC_0020", "bid": "lots"}, "bid"),
        ({"shot_id": "010_ABC_0020", "due": "tomorrow"}, "due"),
    ]:
        r = c.post(f"/p/{pid}/registers/vfx", data={"csrf_token": csrf, **fields})
        assert r.status_code == 422 and list(errors_of(r.text)) == [field], (fields, errors_of(r.text))
        assert 'id="add-entry" open' in r.text
    assert count(engine, VfxShot) == before
    token = login(c, "picturelead")  # leads the picture department, not VFX
    assert 'id="add-entry"' not in c.get(f"/p/{pid}/registers/vfx").text
    assert c.post(f"/p/{pid}/registers/vfx", data={"csrf_token": token, "shot_id": "X1"}).status_code == 403
    assert c.post(f"/p/{pid}/registers/vfx", data={"shot_id": "X1"}, follow_redirects=False).status_code in (303, 403)
    assert count(engine, VfxShot) == before


def test_a_row_becomes_a_form_and_is_saved_in_place(site: Site, engine: Engine) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    with db.session_scope(engine, actor="test") as s:
        cue = s.scalars(select(AdrCue).where(AdrCue.number == "101")).one()
        cue_id, version = cue.id, cue.version
    hx = {"HX-Request": "true"}
    row = c.get(f"/p/{pid}/registers/adr/{cue_id}/row?edit=true", headers=hx)
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="entry-{cue_id}" class="editing">')
    assert f'form="edit-{cue_id}"' in row.text and f'name="version" value="{version}"' in row.text
    # Without htmx the link leads to the entry's page, where the whole form is.
    r = c.get(f"/p/{pid}/registers/adr/{cue_id}/row?edit=true", follow_redirects=False)
    assert r.headers["location"] == f"/p/{pid}/registers/adr/{cue_id}#edit"

    form = {"csrf_token": csrf, "scope": "row", "number": "101", "character": "Anna", "actor": "Marie Dupont"}
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", headers=hx, data=form | {"version": str(version)})
    assert r.status_code == 200 and 'class="editing"' not in r.text and "Marie Dupont" in r.text
    # The form's version is now stale: shown as it is now, with the message; nothing written.
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", headers=hx, data=form | {"actor": "Paul"} | {"version": "1"})
    assert list(errors_of(r.text)) == ["_form"] and 'value="Marie Dupont"' in r.text
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", headers=hx, data=form | {"version": "2", "due": "31/12"})
    assert list(errors_of(r.text)) == ["due"] and 'value="31/12"' in r.text
    # The same without htmx: the entry's page with the message, 422; then a plain save.
    page_form = {"csrf_token": csrf, "version": "2", "number": "101", "priority": "9"}
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", data=page_form)
    assert r.status_code == 422 and list(errors_of(r.text)) == ["priority"] and 'id="edit" open' in r.text
    with db.session_scope(engine, actor="test") as s:
        cue = s.get(AdrCue, cue_id)
        assert cue is not None and (cue.actor, cue.version, cue.priority, cue.due_date) == ("Marie Dupont", 2, 3, None)
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", data=page_form | {"priority": "5"}, follow_redirects=False)
    assert r.status_code == 303
    with db.session_scope(engine, actor="test") as s:
        assert s.get(AdrCue, cue_id).priority == 5  # type: ignore[union-attr]
    token = login(c, "editor")
    assert c.get(f"/p/{pid}/registers/adr/{cue_id}/row?edit=true", headers=hx).status_code == 403
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", headers=hx, data=form | {"csrf_token": token})
    assert r.status_code == 403


def test_import_a_spotting_list(site: Site, engine: Engine) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    before = count(engine, AdrCue)
    good = b"Cue,Character,Line,TC In,TC Out\n301,Anna,Bonjour,01:00:10:00,01:00:12:00\n302,Marc,Salut,01:00:20:00,\n"
    r = c.post(f"/p/{pid}/registers/adr/import", data={"csrf_token": csrf}, files={"file": ("spotting.csv", good)})
    assert r.status_code == 200 and "Imported: 2 new, 0 updated." in r.text
    assert count(engine, AdrCue) == before + 2
    bad = b"Cue;Priority\n303;2\n304;9\n"
    r = c.post(f"/p/{pid}/registers/adr/import", data={"csrf_token": csrf}, files={"file": ("list.csv", bad)})
    message = errors_of(r.text)["file"]
    assert r.status_code == 422 and "list.csv:3" in message and "/tmp" not in message
    # what to do, said for this form (it has no --skip-bad): correct the file; tick the box for the entries there
    assert "--skip-bad" not in message and "Correct these lines in the file and import it again." in message
    assert "Update the entries already there" not in message
    again = b"Cue,Character\n301,Marc\n"  # 301 is there, with Anna: a change, which needs the box ticked
    r = c.post(f"/p/{pid}/registers/adr/import", data={"csrf_token": csrf}, files={"file": ("again.csv", again)})
    message = errors_of(r.text)["file"]
    assert r.status_code == 422 and "again.csv:2: number: 301 already exists" in message and "--update" not in message
    assert "tick “Update the entries already there”" in message
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    r = c.post(f"/p/{pid}/registers/adr/import", data={"csrf_token": csrf}, files={"file": ("list.csv", bad)})
    message = errors_of(r.text)["file"]
    assert "list.csv : 1 ligne erronée, rien n&#39;a été importé : list.csv:3: priority 9 invalide" in message
    assert "--skip-bad" not in message and ". Corrigez ces lignes dans le fichier" in message
    c.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf})
    r = c.post(f"/p/{pid}/registers/adr/import", data={"csrf_token": csrf}, files={"file": ("", b"")})
    assert r.status_code == 422 and list(errors_of(r.text)) == ["file"]
    assert count(engine, AdrCue) == before + 2
    token = login(c, "director")
    files = {"file": ("s.csv", good)}
    assert c.post(f"/p/{pid}/registers/adr/import", data={"csrf_token": token}, files=files).status_code == 403


def test_a_lead_without_the_budget_right_never_writes_a_bid(site: Site, engine: Engine) -> None:
    c, pid = site
    with db.session_scope(engine, actor="test") as s:
        lead = users.create_user(s, username="vfxlead", password="vfxlead-pw")
        users.grant(s, lead, get_production(s, pid), "department-lead", department="vfx")
    PASSWORDS["vfxlead"] = "vfxlead-pw"
    try:
        csrf = login(c, "vfxlead")
        page = c.get(f"/p/{pid}/registers/vfx").text
        assert 'id="add-entry"' in page and 'name="bid"' not in page
        r = c.post(f"/p/{pid}/registers/vfx", data={"csrf_token": csrf, "shot_id": "020_X_0010", "bid": "999"})
        assert r.status_code == 200
        priced = b"Shot,Bid\n020_X_0020,5000\n"
        r = c.post(f"/p/{pid}/registers/vfx/import", data={"csrf_token": csrf}, files={"file": ("bids.csv", priced)})
        assert r.status_code == 422 and "budget" in errors_of(r.text)["file"]
        with db.session_scope(engine, actor="test") as s:
            assert s.scalars(select(VfxShot.bid_amount).where(VfxShot.shot_id == "020_X_0010")).one() is None
            assert s.scalars(select(VfxShot).where(VfxShot.shot_id == "020_X_0020")).first() is None
    finally:
        del PASSWORDS["vfxlead"]


def test_a_running_job_is_polled_with_its_progress_in_the_users_language(site: Site, engine: Engine) -> None:
    from postprod.model import JobStatus

    c, pid = site
    with db.session_scope(engine, actor="test") as s:
        me = users.get_user(s, "supervisor")
        job = Job(
            kind="deliverable-qc",
            status=JobStatus.RUNNING,
            production_id=pid,
            user_id=me.id,
            progress=0.4,
            message="measuring",
        )
        s.add(job)
        s.flush()
        job_id = job.id
    csrf = login(c, "supervisor")
    block = c.get(f"/p/{pid}/jobs/{job_id}", headers={"HX-Request": "true"})
    assert block.status_code == 200 and "HX-Redirect" not in block.headers
    assert block.text.startswith(f'<div id="job-{job_id}"') and 'hx-trigger="every 1s"' in block.text
    assert '<progress max="100" value="40"' in block.text and "measuring" in block.text
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/jobs/{job_id}").text  # without htmx: a page holding the same block
    assert "<main>" in page and "mesure en cours" in page and "Contrôle qualité" in page
    with db.session_scope(engine, actor="test") as s:
        row = s.get(Job, job_id)
        assert row is not None
        row.status, row.error = JobStatus.FAILED, "file.wav: no such file"
    block = c.get(f"/p/{pid}/jobs/{job_id}", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in block and "file.wav: no such file" in block  # ended: no more polling


def test_cut_job_parameters_keep_text_as_text_and_binary_files_as_bytes() -> None:
    import base64

    from postprod.jobs.kinds import cut_import_params

    text = cut_import_params(1, "R1", "reel 1.edl", b"TITLE: R1\n")
    assert text["text"] == "TITLE: R1\n" and "data" not in text and text["filename"] == "reel 1.edl"
    aaf = cut_import_params(1, "R1", "/somewhere/R1.aaf", b"\xd0\xcf\x11\xe0\xff")
    assert base64.b64decode(aaf["data"]) == b"\xd0\xcf\x11\xe0\xff" and aaf["filename"] == "R1.aaf"
    assert aaf["suffix"] == ".aaf" and "text" not in aaf
