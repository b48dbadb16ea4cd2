"""Over the API a deliverable's file stays under the server's media roots and its own spec is sent as text."""

from __future__ import annotations

import json

import pytest
from api_world import World, qc_ready_deliverable, tone_file

CUSTOM = '[spec]\nname = "house-printmaster"\n[audio]\nsample_rates = [48000]\nchannels = [6]\n'


def test_own_spec_and_file_roots_over_the_api(world: World) -> None:
    c = world.client("S")
    url = world.url("/productions/{pid}/deliverables")
    refused = []
    for path in ("/etc/shadow", "/etc/no-such-file", "../../etc/hostname", "pyproject.toml/../../x"):
        r = c.post(url, json={"name": f"Leak {len(refused)}", "spec": "dcp-audio", "file": path})
        assert r.status_code == 422 and r.json()["field"] == "file", r.text
        refused.append(r.json())
    assert all(r == refused[0] for r in refused) and "/etc" not in json.dumps(refused[0])
    for spec in ("/etc/shadow", "../../etc/hostname", "pyproject.toml"):
        r = c.post(url, json={"name": "Spec leak", "spec": spec})
        assert r.status_code == 404 and "unknown spec" in r.text and "section" not in r.text, r.text

    bad = c.post(url, json={"name": "Broken", "spec_toml": "[audio]\nsample_rate = 48000\n"})
    assert bad.status_code == 422 and bad.json()["field"] == "spec_toml" and "did you mean" in bad.text
    made = c.post(url, json={"name": "House", "spec_toml": CUSTOM, "file": tone_file(world)})
    assert made.status_code == 201, made.text
    assert made.json()["spec"] == "house-printmaster" and made.json()["spec_custom"] is True
    job = c.post(world.url("/productions/{pid}/deliverables/House/qc-jobs"))
    assert job.status_code == 202, job.text
    world.app.state.jobs.wait(job.json()["id"], 60)
    run = c.get(world.url(f"/jobs/{job.json()['id']}/result")).json()
    assert run["result"] == "pass" and run["spec"] == "house-printmaster", run


def test_the_server_reads_no_file_until_roots_are_set(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    name = qc_ready_deliverable(world)  # under the roots when made
    monkeypatch.delenv("POSTPROD_MEDIA_ROOTS")
    c = world.client("S")
    r = c.post(world.url(f"/productions/{{pid}}/deliverables/{name}/qc-jobs"))
    assert r.status_code == 422 and r.json()["field"] == "file", r.text
    r = c.post(world.url("/productions/{pid}/deliverables"), json={"name": "Anything", "file": "master.wav"})
    assert r.status_code == 422 and r.json()["field"] == "file"
