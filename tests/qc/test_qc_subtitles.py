"""Subtitles against a timed-text spec: every kind of defect planted in every format read is found at its
subtitle number and timecode; a clean file passes; a broken file is one line and exit code 2."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from subtitle_synth import Sub, write_scc, write_srt, write_stl_file, write_ttml, write_vtt
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import FileFormatError, InvalidInput
from postprod.qc.spec import parse_spec_text
from postprod.qc.subtitle_check import Programme, check_subtitles
from postprod.qc.subtitle_read import read_subtitles
from postprod.timecode import frames_to_tc, supports_drop_frame, tc_to_frames

runner = CliRunner()
ORIGIN = "10:00:00:00"
SPEC = parse_spec_text(
    """
[spec]
title = "Test subtitles"
[subtitles]
max_chars_per_line = 30
max_lines = 2
max_cps = 20.0
min_duration_seconds = 1.0
max_duration_seconds = 6.0
min_gap_frames = 2
overlaps_allowed = false
within_programme = true
allowed_characters = ["ascii", "é"]
balanced_italics = true
shot_change_frames = 6
""",
    "test.toml",
)
RATES = {
    "srt": Fraction(25),
    "vtt": Fraction(25),
    "stl": Fraction(25),
    "ttml": Fraction(25),
    "scc": Fraction(30000, 1001),
}
PLANTED = 5  # the subtitle each defect is planted in (by number), unless the kind says otherwise


def base(rate: Fraction) -> list[Sub]:
    """Ten clean subtitles: 2 s on screen, 1 s apart, from the programme's second second."""
    fps = round(rate)
    return [
        Sub(fps + i * 3 * fps, fps + i * 3 * fps + 2 * fps, [f"Subtitle number {i + 1}", "and its second line"])
        for i in range(10)
    ]


def plant(kind: str, rate: Fraction) -> tuple[list[Sub], int, dict[str, object]]:
    """Subtitles with one defect of `kind`; the subtitle number it is at; Programme fields the case needs."""
    subs = base(rate)
    fps = round(rate)
    k = PLANTED - 1
    s = subs[k]
    extra: dict[str, object] = {}
    n = PLANTED
    if kind == "line_length":
        subs[k] = replace(s, lines=["This line is far too long for it", "ok"])
    elif kind == "line_count":
        subs[k] = replace(s, lines=["One", "Two", "Three"])
    elif kind == "reading_speed":
        subs[k] = replace(s, end=s.start + round(fps * 1.2), lines=["Thirty characters of text here"])
    elif kind == "min_duration":
        subs[k] = replace(s, end=s.start + round(fps * 0.6), lines=["Hi"])
    elif kind == "max_duration":
        n = 10
        subs[9] = replace(subs[9], end=subs[9].start + 8 * fps)
    elif kind == "gap":
        subs[k] = replace(s, start=subs[k - 1].end + 1)
    elif kind == "overlap":
        subs[k] = replace(s, start=subs[k - 1].end - 10)
    elif kind == "before_programme":
        n = 1
        subs[0] = replace(subs[0], start=-10, end=2 * fps - 10)
    elif kind == "after_programme":
        n = 10
        extra["frames"] = subs[9].end - 5
    elif kind == "characters":
        subs[k] = replace(s, lines=["Un garçon", "and his dog"])
    elif kind == "italics":
        subs[k] = replace(s, italic=True)  # closed below, per format, by cutting the closing tag
    elif kind == "shot_change":
        extra["shot_changes"] = [s.start + 3, subs[2].start]  # 3 frames after a start; one right on a start
    return subs, n, extra


KINDS = [
    "line_length", "line_count", "reading_speed", "min_duration", "max_duration", "gap", "overlap",
    "before_programme", "after_programme", "characters", "italics", "shot_change",
]  # fmt: skip
# Defects a format cannot hold: SCC's pop-on captions replace each other (no overlap); italics are a style
# attribute in SCC and TTML (always balanced).
CANNOT = {("scc", "overlap"), ("scc", "italics"), ("ttml", "italics")}


def write(fmt: str, path: Path, subs: list[Sub], rate: Fraction) -> Path:
    """The subtitles in a format, with times from the programme's start timecode 10:00:00:00."""
    origin = tc_to_frames(ORIGIN.replace(":", ";") if fmt == "scc" else ORIGIN, rate)
    shifted = [replace(s, start=s.start + origin, end=s.end + origin) for s in subs]
    if fmt == "srt":
        return write_srt(path, shifted, rate)
    if fmt == "vtt":
        return write_vtt(path, shifted, rate)
    if fmt == "ttml":
        return write_ttml(path, shifted, rate)
    if fmt == "stl":
        return write_stl_file(path, subs, rate, ORIGIN)
    return write_scc(path, subs, "10:00:00;00")


def _unbalance(fmt: str, path: Path) -> None:
    """Drop the closing italics of the planted subtitle (the only italic one)."""
    if fmt == "stl":
        data = path.read_bytes()
        assert data.count(b"\x81") == 2  # one per line
        at = data.rindex(b"\x81")
        path.write_bytes(data[:at] + b"\x20" + data[at + 1 :])
    else:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("</i>", "", 1), encoding="utf-8")


def _programme(fmt: str, **kw: object) -> Programme:
    rate = RATES[fmt]
    df = supports_drop_frame(rate)
    start = tc_to_frames(ORIGIN.replace(":", ";") if df else ORIGIN, rate)
    return Programme(rate=rate, start_frame=start, drop_frame=df, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", list(RATES))
def test_clean_file_passes(fmt: str, tmp_path: Path) -> None:
    rate = RATES[fmt]
    path = write(fmt, tmp_path / f"clean.{fmt}", base(rate), rate)
    file = read_subtitles(path)
    assert file.format == fmt and len(file.subtitles) == 10
    prog = _programme(fmt, frames=40 * round(rate), shot_changes=[0, base(rate)[3].start])
    result = check_subtitles(file, SPEC, prog)
    assert result.passed, [(c.id, c.measured) for c in result.failed]
    assert len(result.clauses) == 11
    first = result.placed[0]
    assert (first.start, first.end) == (round(rate), 3 * round(rate))
    assert first.sub.lines == ["Subtitle number 1", "and its second line"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", list(RATES))
def test_planted_defect_is_found_at_its_subtitle_and_timecode(fmt: str, kind: str, tmp_path: Path) -> None:
    if (fmt, kind) in CANNOT:
        pytest.skip(f"{fmt} cannot hold a defect of kind {kind}")
    rate = RATES[fmt]
    subs, number, extra = plant(kind, rate)
    path = write(fmt, tmp_path / f"planted.{fmt}", subs, rate)
    if kind == "italics":
        _unbalance(fmt, path)
    extra.setdefault("frames", 60 * round(rate))
    result = check_subtitles(read_subtitles(path), SPEC, _programme(fmt, **extra))
    found = result.findings
    assert [(f.kind, f.detail["subtitle"]) for f in found] == [(kind, number)], [(f.kind, f.detail) for f in found]
    f = found[0]
    sub = subs[number - 1]
    df = supports_drop_frame(rate)
    start = tc_to_frames(ORIGIN.replace(":", ";") if df else ORIGIN, rate)
    assert f.start_frame == sub.start
    assert f.start_tc == frames_to_tc(start + sub.start, rate, df)
    assert not result.passed
    failed = [c.id for c in result.failed]
    assert len(failed) == 1 and f in result.failed[0].findings


def test_measured_values_against_the_limits(tmp_path: Path) -> None:
    rate = Fraction(25)
    subs, _, _ = plant("reading_speed", rate)
    path = write_srt(tmp_path / "fast.srt", subs, rate)
    result = check_subtitles(read_subtitles(path), SPEC, Programme(rate=rate))
    (f,) = result.findings
    assert f.detail["measured"] == "25.0 cps" and f.detail["limit"] == "20 cps"  # 30 characters in 1.2 s
    assert f.detail["text"] == "Thirty characters of text here" and f.detail["line"] == 21
    assert not any("timecodes" in w for w in result.warnings)  # media time from 0: nothing read as timecodes
    assert any("give the master (--video)" in w for w in result.warnings)  # the end and shot changes unchecked


def test_relative_times_and_timecodes_give_the_same_findings(tmp_path: Path) -> None:
    """An SRT in media time from 0 and one written in timecode from 10:00:00:00 land on the same frames."""
    rate = Fraction(25)
    subs, _, _ = plant("gap", rate)
    relative = write_srt(tmp_path / "rel.srt", subs, rate)
    absolute = write(("srt"), tmp_path / "abs.srt", subs, rate)
    prog = _programme("srt")
    a = check_subtitles(read_subtitles(relative), SPEC, prog)
    b = check_subtitles(read_subtitles(absolute), SPEC, prog)
    assert [(f.kind, f.start_tc) for f in a.findings] == [(f.kind, f.start_tc) for f in b.findings]
    assert a.findings[0].start_tc == "10:00:12:01"  # subtitle 4 ends at frame 300, subtitle 5 starts at 301
    assert any("read as timecodes" in w for w in b.warnings)


def test_stl_is_read_with_its_subtitle_numbers_and_as_ttconv_reads_it(tmp_path: Path) -> None:
    """postprod's STL files read back the same through ttconv's own reader; SN numbers the findings."""
    import ttconv.stl.reader as stl_reader
    from ttconv.stl.config import STLReaderConfiguration

    from postprod.qc.timed_text import paragraphs

    rate = Fraction(25)
    subs = base(rate)
    subs[1] = replace(subs[1], lines=["Élan, cœur !", "« Oui » ♪"], italic=True)
    path = write_stl_file(tmp_path / "a.stl", subs, rate, ORIGIN)
    ours = read_subtitles(path)
    assert ours.start_timecode == ORIGIN and ours.frame_rate == 25
    with path.open("rb") as fh:
        theirs = paragraphs(stl_reader.to_model(fh, STLReaderConfiguration(program_start_tc="TCP")))
    offset = Fraction(tc_to_frames(ORIGIN, rate)) / rate
    assert [(s.start - offset, s.end - offset, s.lines) for s in ours.subtitles] == [
        (b, e, ln) for b, e, ln, _ in theirs
    ]
    assert ours.subtitles[1].lines == ["Élan, cœur !", "« Oui » ♪"]


BROKEN = {
    "srt-timecode": ("x.srt", b"1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\n00:00:0x,000 --> 00:00:05,000\nBye\n", "x.srt:6: bad timing"),
    "srt-encoding": ("x.srt", "1\n00:00:01,000 --> 00:00:03,000\nCafé\n".encode("latin-1"), "x.srt:3: not UTF-8 text (byte 0xE9)"),
    "srt-truncated": ("x.srt", b"1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\n", "x.srt:5: subtitle 2 has no timing line"),
    "vtt-header": ("x.vtt", b"00:01.000 --> 00:02.000\nHello\n", "x.vtt:1: not a WebVTT file"),
    "vtt-timecode": ("x.vtt", b"WEBVTT\n\n00:01.000 --> 00:02,000\nHello\n", "x.vtt:3: bad timing"),
    "scc-timecode": ("x.scc", b"Scenarist_SCC V1.0\n\n01:00:0;00\t942f 942f\n", "x.scc:3: bad caption line"),
    "scc-truncated": ("x.scc", b"Scenarist_SCC V1.0\n\n01:00:00;00\t94ae 94ae 942", "x.scc:3: bad caption line"),
    "ttml-truncated": ("x.ttml", b'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml">\n<body><div>\n<p begin="1s" end="2s">Hi', "x.ttml:4: not well-formed XML"),
    "ttml-encoding": ("x.ttml", '<?xml version="1.0" encoding="UTF-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body><div>\n<p begin="1s" end="2s">Café</p></div></body></tt>'.encode("latin-1"), "x.ttml:3: not UTF-8 text (byte 0xE9)"),
    "not-subtitles": ("x.txt", b"hello world\n", "x.txt: not a subtitle file"),
}  # fmt: skip


def _stl_bytes(tmp_path: Path) -> bytes:
    return write_stl_file(tmp_path / "ok.stl", base(Fraction(25)), Fraction(25), ORIGIN).read_bytes()


def _one_line_exit_2(args: list[str], words: str) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_text_files_are_one_line_and_exit_2(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name, data, words = BROKEN[case]
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(data)
    _one_line_exit_2(["qc", "subtitles", name, "--spec", "subtitles-fr"], words)


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("truncated", "x.stl: truncated: text block 10 has 64 of its 128 bytes"),
        ("timecode", "x.stl: subtitle 3 (text block 3): bad time in 10:00:07:99"),
        ("encoding", "x.stl: unknown character code table '09' (CCT): wrong encoding"),
        ("missing", "x.stl: truncated: the header announces 10 text blocks, the file holds 9"),
    ],
)
def test_broken_stl_is_one_line_and_exit_2(
    case: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytearray(_stl_bytes(tmp_path))
    if case == "truncated":
        data = data[: len(data) - 64]
    elif case == "timecode":
        data[1024 + 2 * 128 + 8] = 99  # TCI frames of the third block
    elif case == "encoding":
        data[12:14] = b"09"
    else:
        data = data[:-128]
    monkeypatch.chdir(tmp_path)
    Path("x.stl").write_bytes(bytes(data))
    _one_line_exit_2(["qc", "subtitles", "x.stl", "--spec", "subtitles-fr"], words)


def test_cli_json_report_and_exit_codes(tmp_path: Path) -> None:
    rate = Fraction(25)
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(SPEC_TEXT)
    clean = write_srt(tmp_path / "clean.srt", base(rate), rate)
    r = runner.invoke(app, ["qc", "subtitles", str(clean), "--spec", str(spec_file), "--rate", "25"])
    assert r.exit_code == 0, r.output
    assert "PASS" in r.stdout
    subs, _, _ = plant("min_duration", rate)
    bad = write_srt(tmp_path / "bad.srt", subs, rate)
    report = tmp_path / "report.html"
    r = runner.invoke(
        app,
        ["qc", "subtitles", str(bad), "--spec", str(spec_file), "--start", ORIGIN, "--json", "--report", str(report)],
    )
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["status"] == "fail" and data["summary"]["subtitles"] == 10
    (f,) = data["findings"]
    assert (f["kind"], f["subtitle"], f["start_tc"], f["text"]) == ("min_duration", 5, "10:00:13:00", "Hi")
    assert (f["measured"], f["limit"]) == ("0.60 s", "1 s")
    html = report.read_text()
    assert "#5" in html and "10:00:13:00" in html and "min duration" in html and "FAIL" in html
    # a media spec for subtitles, a timed-text spec for media: refused, exit 2
    _one_line_exit_2(["qc", "subtitles", str(bad), "--spec", "ebu-r128"], "is a media spec")
    _one_line_exit_2(["qc", "check", str(bad), "--spec", "subtitles-fr"], "is a timed-text spec")


SPEC_TEXT = """
[spec]
title = "CLI subtitles"
[subtitles]
max_chars_per_line = 32
min_duration_seconds = 1.0
"""


def test_timed_text_specs_are_validated_like_media_specs() -> None:
    with pytest.raises(FileFormatError, match="subtitles.max_cps: expected a number > 0"):
        parse_spec_text("[subtitles]\nmax_cps = 0\n", "s.toml")
    with pytest.raises(
        FileFormatError, match="subtitles.max_chars_per_lines: unknown field .did you mean 'max_chars_per_line'"
    ):
        parse_spec_text("[subtitles]\nmax_chars_per_lines = 40\n", "s.toml")
    with pytest.raises(FileFormatError, match="video: a timed-text spec"):
        parse_spec_text("[subtitles]\nmax_lines = 2\n[video]\ncodecs = ['h264']\n", "s.toml")
    with pytest.raises(FileFormatError, match="min_duration_seconds: 8.0 is above"):
        parse_spec_text("[subtitles]\nmin_duration_seconds = 8.0\nmax_duration_seconds = 7.0\n", "s.toml")
    from postprod.qc.spec import builtin_spec, builtin_specs

    profiles = [builtin_spec(n) for n in builtin_specs() if n.startswith("subtitles-")]
    assert len(profiles) >= 4 and all(p.is_timed_text and p.get("spec", "reference") for p in profiles)
    fr = builtin_spec("subtitles-fr")
    assert fr.get("subtitles", "max_chars_per_line") == 40 and fr.get("subtitles", "max_lines") == 2


def test_media_check_refuses_a_timed_text_spec(tmp_path: Path) -> None:
    from postprod.qc.check import check
    from postprod.qc.spec import builtin_spec

    with pytest.raises(InvalidInput, match="timed-text spec"):
        check(tmp_path / "any.mov", builtin_spec("subtitles-netflix-en"))
