"""Deliverables keep their QC runs; a failed run sends the deliverable back to "fix" with its findings."""

import json
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import Conflict, InvalidInput, NotFound
from postprod.model import QcRun
from postprod.services import deliverables
from tests.core.factories import make_production
from tests.qc.qc_media_synth import make_clip

runner = CliRunner()

SPEC = """
[spec]
title = "House master"
[video]
frame_rates = ["29.97"]
[timecode]
start = "01:00:00;00"
[freeze]
max_seconds = {freeze}
"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("deliv")
    return make_clip(
        d / "master.mov", fmt="mov", codec="prores_ks", pix_fmt="yuv422p10le", rate=Fraction(30000, 1001), timecode="01:00:00;00",
        frames=120, freeze=(30, 75), audio=False,
    )  # fmt: skip


def test_deliverable_validation(session: Session, tmp_path: Path) -> None:
    prod = make_production(session)
    d = deliverables.add_deliverable(session, prod, name="Broadcast master", spec="ebu-r128", due="2027-05-01")
    assert d.status.value == "pending" and d.spec == "ebu-r128"
    with pytest.raises(Conflict):
        deliverables.add_deliverable(session, prod, name="broadcast master")
    with pytest.raises(NotFound, match="unknown spec 'ebu-r129'"):
        deliverables.add_deliverable(session, prod, name="X", spec="ebu-r129")
    with pytest.raises(InvalidInput, match="must be qc-passed before approved"):
        deliverables.update_deliverable(session, d, status="approved")
    with pytest.raises(InvalidInput, match="invalid deliverable status"):
        deliverables.update_deliverable(session, d, status="shipped")


def _ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.stderr
    return r.stdout


def test_failed_qc_sends_the_deliverable_to_fix_with_findings(
    cli_db: str, clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(clip.parent))
    strict, lenient = tmp_path / "strict.toml", tmp_path / "lenient.toml"
    strict.write_text(SPEC.format(freeze=1.0))
    lenient.write_text(SPEC.format(freeze=5.0))
    _ok("demo")
    _ok("deliverable", "add", "House master", "--spec", str(strict), "--file", str(clip), "--due", "2027-05-01")
    strict.unlink()  # the spec's text was stored with the deliverable: the file is not read again
    r = runner.invoke(app, ["deliverable", "qc", "House master", "--json"])
    assert r.exit_code == 1, r.stderr
    run = json.loads(r.stdout)
    assert run["result"] == "fail" and run["status"] == "fix"
    freeze = [f for f in run["findings"] if f["kind"] == "freeze"]
    assert len(freeze) == 1
    assert abs(freeze[0]["start_frame"] - 30) <= 1 and abs(freeze[0]["end_frame"] - 75) <= 1
    assert freeze[0]["start_tc"].startswith("01:00:01;")
    shown = json.loads(_ok("deliverable", "show", "House master", "--json"))
    assert shown["status"] == "fix" and len(shown["qc_runs"]) == 1
    assert shown["qc_runs"][0]["findings"][0]["kind"] == "freeze"
    # the fixed file passes against a spec that tolerates the freeze
    _ok("deliverable", "update", "House master", "--spec", str(lenient))
    r = runner.invoke(app, ["deliverable", "qc", "House master", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "qc-passed"
    _ok("deliverable", "update", "House master", "--status", "approved")
    listed = {d["name"]: d for d in json.loads(_ok("deliverable", "list", "--json"))}
    assert listed["House master"]["status"] == "approved" and listed["House master"]["runs"] == 2
    assert listed["Master streaming"]["status"] == "pending"  # the demo's, with no file yet


def test_unusable_file_is_recorded_and_exits_2(cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the command line's media root is the current folder by default
    monkeypatch.delenv("POSTPROD_MEDIA_ROOTS", raising=False)
    bad = tmp_path / "broken.mov"
    bad.write_bytes(b"not a movie at all")
    _ok("demo")
    _ok("deliverable", "add", "Broken", "--spec", "ebu-r128", "--file", str(bad))
    r = runner.invoke(app, ["deliverable", "qc", "Broken", "--json"])
    assert r.exit_code == 2
    run = json.loads(r.stdout)
    assert run["result"] == "error" and "broken.mov" in run["error"] and run["status"] == "fix"


def test_a_finding_on_a_named_channel_is_kept(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audio findings name their channel ("L"): the run keeps it on both databases (it was an integer column)."""
    import wave

    import numpy as np

    rate = 48_000
    t = np.arange(rate * 2) / rate
    tone = 0.25 * np.sin(2 * np.pi * 1000 * t)
    left = tone.copy()
    left[rate // 2 : rate // 2 + 480] = 1.0  # 10 ms held at full scale: clipping on the left only
    pcm = (np.stack([left, tone], axis=1).clip(-1, 32767 / 32768) * 32768).astype("<i2")
    path = tmp_path / "clipped.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(tmp_path))
    prod = make_production(session)
    d = deliverables.add_deliverable(session, prod, name="Stereo mix", spec="atsc-a85", file=str(path))
    measured = deliverables.measure(str(path), "atsc-a85")
    run = deliverables.record_run(session, prod.id, d.id, measured, "test")
    session.expire_all()
    clipped = [f for f in deliverables.run_dict(session.get(QcRun, run["id"]))["findings"] if f["clause"] == "clipping"]
    assert clipped and {f["channel"] for f in clipped} == {"L"}, run
