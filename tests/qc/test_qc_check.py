"""qc check: clauses pass or fail with findings at the right timecodes; exit codes 0 / 1 / 2 through the CLI."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
from qc_media_synth import make_clip
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.qc.check import check
from postprod.qc.spec import load_spec, parse_spec_text

RATE = Fraction(30000, 1001)
runner = CliRunner()

LENIENT = """
[spec]
title = "House master"
[container]
formats = ["mov"]
[video]
codecs = ["h264"]
frame_rates = ["29.97"]
resolutions = ["160x90"]
scan = ["progressive"]
[audio]
sample_rates = [48000]
channels = [2]
bit_depths = [16, 24]
[timecode]
start = "01:00:00;00"
drop_frame = true
[black]
head_min_seconds = 0.2
head_max_seconds = 1.0
max_seconds = 2.0
[freeze]
max_seconds = 2.0
[silence]
max_seconds = 3.0
[clipping]
allowed = true
"""

STRICT = """
[video]
frame_rates = ["25"]
[timecode]
start = "10:00:00:00"
[freeze]
max_seconds = 1.0
[silence]
max_seconds = 1.0
[clipping]
allowed = false
"""


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    d = tmp_path_factory.mktemp("prog")
    return make_clip(
        d / "prog.mov", fmt="mov", codec="libx264", rate=RATE, timecode="01:00:00;00", frames=180,
        black=(0, 12), freeze=(40, 80), silence=(90, 160), clipping=(170, 175),
    )  # fmt: skip


@pytest.fixture()
def specs(tmp_path):
    lenient, strict = tmp_path / "lenient.toml", tmp_path / "strict.toml"
    lenient.write_text(LENIENT)
    strict.write_text(STRICT)
    return lenient, strict


def test_check_passes_a_spec_the_file_meets(programme, specs):
    result = check(programme, load_spec(specs[0]))
    statuses = {c.id: c.status for c in result.clauses}
    assert result.passed, [c.to_dict() for c in result.failed]
    for cid in (
        "container",
        "video.codec",
        "video.frame_rate",
        "timecode.start",
        "timecode.drop_frame",
        "black.head",
        "freeze.longest",
        "silence.longest",
        "audio.bit_depth",
    ):
        assert statuses[cid] == "pass"
    head = next(c for c in result.clauses if c.id == "black.head")
    assert head.measured == "0.40 s"


def test_check_fails_with_timecoded_findings(programme, specs):
    result = check(programme, load_spec(specs[1]))
    d = result.to_dict()
    assert d["status"] == "fail" and not d["passed"]
    by_id = {c["id"]: c for c in d["clauses"]}
    assert by_id["video.frame_rate"]["status"] == "fail" and by_id["video.frame_rate"]["measured"] == "30000/1001"
    assert by_id["timecode.start"]["status"] == "fail"
    freeze = by_id["freeze.longest"]
    assert freeze["status"] == "fail" and len(freeze["findings"]) == 1
    f = freeze["findings"][0]
    assert abs(f["start_frame"] - 40) <= 1 and abs(f["end_frame"] - 80) <= 1
    assert f["start_tc"] == "01:00:01;10" and f["end_tc"] == "01:00:02;20"
    silence = by_id["silence.longest"]["findings"]
    assert silence and abs(silence[0]["start_frame"] - 90) <= 1 and abs(silence[0]["end_frame"] - 160) <= 1
    clip = by_id["clipping"]["findings"]
    assert clip and all(168 <= c["start_frame"] and c["end_frame"] <= 177 for c in clip)
    assert by_id["file.integrity"]["status"] == "pass"
    json.dumps(d)  # complete and serialisable, as a deliverable's QC run stores it


def test_cli_check_exit_codes_json_and_report(programme, specs, tmp_path):
    ok = runner.invoke(app, ["qc", "check", str(programme), "--spec", str(specs[0]), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["status"] == "pass"
    report = tmp_path / "qc.html"
    bad = runner.invoke(app, ["qc", "check", str(programme), "--spec", str(specs[1]), "--report", str(report)])
    assert bad.exit_code == 1
    assert "FAIL" in bad.stdout
    html = report.read_text()
    assert "<svg" in html and "01:00:01;10" in html and "freeze" in html
    assert not re.search(r"(src|href)=\"https?://", html)  # standalone: nothing fetched
    r128 = runner.invoke(app, ["qc", "check", str(programme), "--spec", "ebu-r128", "--report", str(report)])
    assert r128.exit_code == 1  # the clipped burst pushes loudness and true peak over
    assert "<polyline" in report.read_text()  # loudness over time plotted
    pdf = tmp_path / "qc.pdf"  # the same report printed
    assert (
        runner.invoke(app, ["qc", "check", str(programme), "--spec", str(specs[1]), "--report", str(pdf)]).exit_code
        == 1
    )
    import pypdf

    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)
    assert "01:00:01;10" in text and "freeze" in text


def test_report_of_a_programme_that_starts_in_digital_silence(tmp_path):
    # the first short-term readings of digital silence have no loudness (None): plotted at the bottom
    path = make_clip(
        tmp_path / "quiet_head.mov", fmt="mov", codec="libx264", rate=Fraction(25), timecode=None, frames=100,
        silence=(0, 25),
    )  # fmt: skip
    report = tmp_path / "qc.html"
    res = runner.invoke(app, ["qc", "check", str(path), "--spec", "ebu-r128", "--report", str(report)])
    assert res.exit_code in (0, 1), res.output
    points = re.search(r'<polyline[^>]*points="([^"]+)"', report.read_text())
    assert points is not None
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert ys[0] == max(ys)  # the silent head at the bottom of the plot


def test_cli_unusable_input_exits_2_with_one_line(programme, tmp_path):
    empty = tmp_path / "empty.mov"
    empty.write_bytes(b"")
    text = tmp_path / "readme.mov"
    text.write_text("not a movie\n" * 50)
    typo = tmp_path / "typo.toml"
    typo.write_text("[loudness]\ntraget = -23\n")
    cases = [
        ([str(empty), "--spec", "ebu-r128"], "empty file"),
        ([str(text), "--spec", "ebu-r128"], "not a readable media file"),
        ([str(programme), "--spec", "no-such-spec"], "built-in specs: "),
        ([str(programme), "--spec", str(typo)], "loudness.traget: unknown field"),
    ]
    for args, words in cases:
        res = runner.invoke(app, ["qc", "check", *args])
        assert res.exit_code == 2, (args, res.output)
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], res.stderr
        assert res.exception is None or isinstance(res.exception, SystemExit)


def test_truncated_file_fails_integrity_and_says_where(tmp_path):
    path = make_clip(
        tmp_path / "t.mxf",
        fmt="mxf",
        codec="mpeg2video",
        rate=Fraction(25),
        timecode="10:00:00:00",
        frames=100,
        audio=False,
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = check(path, parse_spec_text("[black]\nmax_seconds = 5\n", "t.toml"))
    integrity = next(c for c in result.clauses if c.id == "file.integrity")
    assert integrity.status == "fail" and "stopped at frame" in integrity.measured
    assert integrity.findings and integrity.findings[0].start_tc.startswith("10:00:0")


def test_missing_audio_fails_audio_clauses(tmp_path):
    path = make_clip(
        tmp_path / "mute.mov", fmt="mov", codec="libx264", rate=Fraction(25), timecode=None, frames=10, audio=False
    )
    res = runner.invoke(app, ["qc", "check", str(path), "--spec", "ebu-r128", "--json"])
    assert res.exit_code == 1
    clauses = {c["id"]: c["status"] for c in json.loads(res.stdout)["clauses"]}
    assert clauses["audio.present"] == "fail" and clauses["loudness.target"] == "fail"


def test_dvd_builtin_passes_a_pal_mpeg2_ac3_file(tmp_path):
    path = make_clip(
        tmp_path / "disc.mpg", fmt="dvd", codec="mpeg2video", rate=Fraction(25), timecode=None, frames=8,
        size=(720, 576), audio_codec="ac3",
    )  # fmt: skip
    res = runner.invoke(app, ["qc", "check", str(path), "--spec", "dvd", "--json"])
    assert res.exit_code == 0, res.stdout
    clauses = {c["id"]: c for c in json.loads(res.stdout)["clauses"]}
    assert clauses["video.mode"]["measured"] == "720x576 at 25"


def test_cli_probe_analyze_and_specs(programme):
    res = runner.invoke(app, ["qc", "probe", str(programme), "--json"])
    assert res.exit_code == 0
    info = json.loads(res.stdout)
    assert info["video"][0]["frame_rate"] == "30000/1001" and info["start_timecode"] == "01:00:00;00"
    res = runner.invoke(app, ["qc", "analyze", str(programme), "--json"])
    assert res.exit_code == 0, res.output
    events = json.loads(res.stdout)["events"]
    kinds = {e["kind"] for e in events}
    assert {"black", "freeze", "silence", "clipping"} <= kinds
    black = next(e for e in events if e["kind"] == "black")
    assert (black["start_frame"], black["end_frame"], black["start_tc"], black["end_tc"]) == (
        0,
        12,
        "01:00:00;00",
        "01:00:00;12",
    )
    res = runner.invoke(app, ["qc", "specs", "--json"])
    listed = json.loads(res.stdout)
    assert {s["name"] for s in listed if s["kind"] == "media"} == {
        "ebu-r128",
        "atsc-a85",
        "streaming",
        "dcp-audio",
        "dvd",
    }
    assert {s["name"] for s in listed if s["kind"] == "subtitles"} == {
        "subtitles-netflix-en", "subtitles-netflix-fr", "subtitles-bbc", "subtitles-fr"
    }  # fmt: skip


@pytest.mark.parametrize(("amp", "code"), [(10 ** (-23 / 20), 0), (10 ** (-16 / 20), 1)])
def test_ebu_r128_on_a_1khz_tone(tmp_path, amp, code):
    # Tech 3341 case 1: a stereo 1 kHz sine at -23 dBFS reads -23.0 LUFS; at -16 dBFS it is 7 LU too loud.
    path = make_clip(
        tmp_path / "tone.mov",
        fmt="mov",
        codec="libx264",
        rate=Fraction(25),
        timecode=None,
        frames=125,
        tone_hz=1000.0,
        tone_amp=amp,
    )
    res = runner.invoke(app, ["qc", "check", str(path), "--spec", "ebu-r128", "--json"])
    assert res.exit_code == code, res.stdout
    by_id = {c["id"]: c for c in json.loads(res.stdout)["clauses"]}
    assert by_id["loudness.target"]["status"] == ("pass" if code == 0 else "fail")
    assert by_id["loudness.target"]["measured"].startswith("-23.0" if code == 0 else "-16.0")
    assert by_id["loudness.max_true_peak"]["status"] == "pass"  # -23 and -16 dBTP are both under -1
    assert by_id["clipping"]["status"] == "pass"
