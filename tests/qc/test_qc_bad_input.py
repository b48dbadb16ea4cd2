"""Bad input to `qc loudness`, `qc analyze` and `qc check`: one-line errors, exit 2, and truncated files read as far as they go."""

from __future__ import annotations

import json
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from qc_media_synth import make_clip
from typer.testing import CliRunner

from postprod.cli.main import app

runner = CliRunner()


def _wav(path: Path, seconds: float, channels: int = 2) -> Path:
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((int(seconds * 48000), channels)) * 3000).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(x.tobytes())
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    files = {"empty": d / "empty.mov", "text": d / "notes.mov"}
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not a movie\n" * 20)
    mov = make_clip(d / "whole.mov", fmt="mov", codec="mpeg4", rate=Fraction(25), timecode=None, frames=50)
    files["no_index"] = d / "cut.mov"  # PyAV writes the index (moov) last: half a file has none
    files["no_index"].write_bytes(mov.read_bytes()[: mov.stat().st_size // 2])
    files["video_only"] = make_clip(
        d / "silent.mp4", fmt="mp4", codec="mpeg4", rate=Fraction(25), timecode=None, frames=25, audio=False
    )
    wav = _wav(d / "whole.wav", 4.0)
    files["cut_wav"] = d / "cut.wav"
    files["cut_wav"].write_bytes(wav.read_bytes()[: 44 + 48000 * 4 * 3 // 2])  # header + 1.5 s of 4 s
    return files


def _one_line_error(res, words: str) -> None:  # noqa: ANN001
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], res.stderr
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


COMMANDS = {
    "loudness": ["qc", "loudness"],
    "analyze": ["qc", "analyze"],
    "check": ["qc", "check", "--spec", "ebu-r128"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty", "empty.mov: empty file (0 bytes)"),
        ("text", "notes.mov: not a readable media file"),
        ("no_index", "cut.mov: QuickTime/MP4 file without its index (moov atom): truncated"),
    ],
)
def test_unusable_file_gives_one_line_and_exit_2(media, command, name, words) -> None:  # noqa: ANN001
    res = runner.invoke(app, [*COMMANDS[command], str(media[name]), "--json"])
    _one_line_error(res, words)


def test_missing_file_and_no_audio_stream(media, tmp_path) -> None:  # noqa: ANN001
    for command in COMMANDS.values():
        _one_line_error(runner.invoke(app, [*command, str(tmp_path / "gone.wav")]), "gone.wav: no such file")
    _one_line_error(runner.invoke(app, ["qc", "loudness", str(media["video_only"])]), "silent.mp4: no audio stream")
    analysed = runner.invoke(app, ["qc", "analyze", str(media["video_only"]), "--json"])
    assert analysed.exit_code == 0 and "no audio stream" in json.loads(analysed.stdout)["warnings"]
    checked = runner.invoke(app, ["qc", "check", str(media["video_only"]), "--spec", "ebu-r128", "--json"])
    data = json.loads(checked.stdout)
    assert checked.exit_code == 1 and data["status"] == "fail" and "no audio stream" in data["warnings"]


def test_unknown_spec_and_spec_with_a_typo(media, tmp_path) -> None:  # noqa: ANN001
    wav = str(media["cut_wav"])
    _one_line_error(runner.invoke(app, ["qc", "check", wav, "--spec", "ebu-r129"]), "did you mean 'ebu-r128'")
    typo = tmp_path / "house.toml"
    typo.write_text('[spec]\nname = "house"\ntitle = "House"\n[loudnes]\ntarget = -23\n')
    _one_line_error(runner.invoke(app, ["qc", "check", wav, "--spec", str(typo)]), "house.toml: loudnes")
    broken = tmp_path / "broken.toml"
    broken.write_text("[loudness\ntarget = -23\n")
    _one_line_error(runner.invoke(app, ["qc", "check", wav, "--spec", str(broken)]), "broken.toml: invalid TOML")


def test_truncated_wav_reports_what_it_read_and_where_it_stopped(media) -> None:  # noqa: ANN001
    path = str(media["cut_wav"])
    loud = runner.invoke(app, ["qc", "loudness", path, "--json"])
    assert loud.exit_code == 0, loud.output
    data = json.loads(loud.stdout)
    assert data["truncated"] is True and data["stopped_at_seconds"] == pytest.approx(1.5, abs=0.01)
    assert data["integrated_lufs"] is not None
    analysed = runner.invoke(app, ["qc", "analyze", path, "--json"])
    assert analysed.exit_code == 0, analysed.output
    audio = json.loads(analysed.stdout)["audio"]
    assert audio["truncated"] is True and audio["stopped_at_seconds"] == pytest.approx(1.5, abs=0.01)
    assert audio["duration_seconds"] == pytest.approx(1.5, abs=0.01) and audio["loudness"]["integrated_lufs"]
    assert any("truncated" in w for w in json.loads(analysed.stdout)["warnings"])
    checked = runner.invoke(app, ["qc", "check", path, "--spec", "ebu-r128", "--json"])
    assert checked.exit_code == 1, checked.output
    result = json.loads(checked.stdout)
    assert result["loudness"]["integrated_lufs"] is not None
    assert any("header announces 4.000 s" in w for w in result["warnings"])
