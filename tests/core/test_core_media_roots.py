"""The server opens no path a user typed outside the media roots, and a refusal tells nothing about the path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import InvalidInput, NotFound
from postprod.media_roots import OutsideMediaRoots, confine, local_roots, server_roots
from postprod.services import deliverables
from tests.core.factories import make_production

REPO = Path(__file__).resolve().parents[2]
REFUSED = "file: outside the media roots (POSTPROD_MEDIA_ROOTS)"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    media = tmp_path / "media"
    (media / "reel1").mkdir(parents=True)
    (media / "reel1" / "master.wav").write_bytes(b"RIFF")
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(media))
    return media


@pytest.mark.parametrize(
    "path",
    [
        "/etc/shadow",
        "/etc/hostname",
        "../../etc/hostname",
        "reel1/../../../../../../etc/hostname",
        str(REPO / "pyproject.toml"),
        "/no/such/dir/at/all.wav",
        "bad\0path.wav",
        "",
    ],
)
def test_paths_outside_the_roots_are_refused_alike(root: Path, path: str) -> None:
    with pytest.raises(OutsideMediaRoots) as err:
        confine(path, [root])
    assert str(err.value) == REFUSED and err.value.field == "file"


def test_links_that_leave_a_root_are_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.wav").write_bytes(b"x")
    (root / "escape").symlink_to(outside)
    (root / "hosts.wav").symlink_to("/etc/hostname")
    (root / "inside.wav").symlink_to(root / "reel1" / "master.wav")
    for path in ("escape/secret.wav", str(root / "escape" / "secret.wav"), "hosts.wav"):
        with pytest.raises(OutsideMediaRoots):
            confine(path, [root])
    assert confine("inside.wav", [root]) == root / "reel1" / "master.wav"  # a link that stays is fine
    assert confine("reel1/master.wav", [root]) == root / "reel1" / "master.wav"
    assert confine(str(root / "reel1" / "later.wav"), [root]) == root / "reel1" / "later.wav"  # not there yet


def test_the_roots_when_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSTPROD_MEDIA_ROOTS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert server_roots() == [] and local_roots() == [tmp_path]
    with pytest.raises(OutsideMediaRoots):  # the server reads nothing until the roots are named
        confine(str(tmp_path / "a.wav"), server_roots())
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    assert server_roots() == [tmp_path / "a", tmp_path / "b"] == local_roots()


def test_the_service_keeps_files_to_the_roots_and_reads_no_spec_path(session: Session, root: Path) -> None:
    prod = make_production(session)
    d = deliverables.add_deliverable(session, prod, name="Master", spec="dcp-audio", file="reel1/master.wav")
    assert d.file_path == str(root / "reel1" / "master.wav")  # relative: from the first root, stored resolved
    for outside in ("/etc/shadow", "/etc/no-such-file", "../../etc/hostname"):
        with pytest.raises(OutsideMediaRoots, match=r"^file: outside the media roots"):
            deliverables.add_deliverable(session, prod, name=f"X {outside}", file=outside)
        with pytest.raises(OutsideMediaRoots):
            deliverables.update_deliverable(session, d, file=outside)
    # a spec is a built-in name or text: no path is opened, whatever it holds
    messages = []
    for spec in ("/etc/shadow", "/etc/no-such-spec", str(REPO / "pyproject.toml"), "pyproject.toml"):
        with pytest.raises(NotFound) as err:
            deliverables.add_deliverable(session, prod, name=f"S {spec}", spec=spec)
        messages.append(str(err.value).replace(repr(spec), "<spec>"))
    assert len(set(messages)) == 1 and "unknown spec <spec>" in messages[0]


def test_a_stored_path_is_checked_again_when_measured(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.wav"
    secret.write_bytes(b"RIFF")
    m = deliverables.measure(str(secret), "dcp-audio")  # e.g. brought in by an import, or the roots changed
    assert m.result is None and m.error == REFUSED
    missing = deliverables.measure(str(tmp_path / "missing.wav"), "dcp-audio")
    assert missing.error == m.error  # existing or not: the same words
    with pytest.raises(NotFound, match="neither built-in nor stored"):  # an old row's spec path is not read
        deliverables.measure(str(root / "reel1" / "master.wav"), str(REPO / "pyproject.toml"))


CUSTOM = '[spec]\nname = "house-printmaster"\n[audio]\nsample_rates = [48000]\nchannels = [6]\n'


def test_the_command_line_keeps_to_its_folder(cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTPROD_MEDIA_ROOTS", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cli = CliRunner()
    assert cli.invoke(app, ["demo"]).exit_code == 0
    for outside in ("/etc/hostname", "../elsewhere.wav"):
        r = cli.invoke(app, ["deliverable", "add", "Leak", "--file", outside])
        assert r.exit_code == 2 and r.output.strip() == f"error: {REFUSED}", r.output
    spec = work / "house.toml"
    spec.write_text(CUSTOM)
    r = cli.invoke(app, ["deliverable", "add", "Mine", "--spec", "house.toml", "--file", "mix.wav", "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert made["spec"] == "house-printmaster" and made["spec_custom"] and made["file"] == str(work / "mix.wav")


def test_a_broken_spec_text_names_its_field(session: Session) -> None:
    prod = make_production(session)
    with pytest.raises(InvalidInput) as err:
        deliverables.add_deliverable(session, prod, name="X", spec_toml="[loudness]\ntarget = 'loud'\n")
    assert err.value.field == "spec_toml" and "loudness.target" in str(err.value)
