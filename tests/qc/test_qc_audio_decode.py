"""Decoding audio of delivered files (WAV 16/24-bit, FLAC, AAC in MOV/MP4), bad files, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import FileFormatError
from postprod.qc.audio import analyze_audio, audio_stream_indices, read_audio
from postprod.qc.loudness import measure_loudness

RATE = 48000


def _signal(seconds: float, channels: int) -> np.ndarray:
    rng = np.random.default_rng(11)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    tone = 0.25 * np.sin(2 * np.pi * 997 * t)
    return np.stack([tone * (1 + 0.2 * c) + 0.01 * rng.standard_normal(n) for c in range(channels)], axis=1)


def write_audio(path: Path, x: np.ndarray, codec: str, layout: str, video: bool = False) -> None:
    """Encode (frames, channels) floats with PyAV; optional small video stream first."""
    with av.open(str(path), "w") as out:
        vstream = None
        if video:
            vstream = out.add_stream("mpeg4", rate=25)
            vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        stream = out.add_stream(codec, rate=RATE, layout=layout)
        fmt = stream.codec_context.format.name
        step = 1024
        for i in range(0, x.shape[0], step):
            block = x[i : i + step]
            if fmt.endswith("p"):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(block.T, dtype=np.float32), format="fltp", layout=layout
                )
            else:
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(block.reshape(1, -1), dtype=np.float32), format="flt", layout=layout
                )
            frame.sample_rate = RATE
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if vstream is not None:
            img = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            for packet in vstream.encode(img):
                out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)


@pytest.mark.parametrize(
    ("name", "codec", "exact"),
    [("a.wav", "pcm_s16le", 2.0**-15), ("b.wav", "pcm_s24le", 2.0**-23), ("c.flac", "flac", 2.0**-15),
     ("d.wav", "pcm_f32le", 1e-7)],
)  # fmt: skip
def test_lossless_decoding_is_exact(tmp_path: Path, name: str, codec: str, exact: float) -> None:
    x = _signal(2.0, 2)
    path = tmp_path / name
    write_audio(path, x, codec, "stereo")
    audio = read_audio(path)
    assert audio.sample_rate == RATE and audio.layout == ["L", "R"] and audio.stream_index == 0
    assert audio.samples.shape == x.shape
    assert np.abs(audio.samples - x).max() <= exact
    assert not audio.truncated


@pytest.mark.parametrize("name", ["e.mov", "f.mp4"])
def test_aac_in_quicktime_and_mp4(tmp_path: Path, name: str) -> None:
    x = _signal(3.0, 6)
    path = tmp_path / name
    write_audio(path, x, "aac", "5.1", video=True)
    assert audio_stream_indices(path) == [1]
    report = analyze_audio(path)
    assert report.stream_index == 1 and report.layout == ["L", "R", "C", "LFE", "Ls", "Rs"]
    assert report.codec == "aac"
    want = measure_loudness(x, RATE, report.layout).integrated_lufs
    assert report.loudness.integrated_lufs == pytest.approx(want, abs=0.3)
    with pytest.raises(FileFormatError, match="stream 0 is not an audio stream"):
        read_audio(path, stream_index=0)


def test_bad_files_give_one_line_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mov"
    text.write_text("this is not a movie\n")
    with pytest.raises(FileFormatError, match="empty.wav: empty file"):
        read_audio(empty)
    with pytest.raises(FileFormatError, match="notes.mov: not a readable media file"):
        analyze_audio(text)
    with pytest.raises(FileFormatError, match="no such file"):
        read_audio(tmp_path / "missing.wav")
    silent_video = tmp_path / "v.mp4"
    with av.open(str(silent_video), "w") as out:
        s = out.add_stream("mpeg4", rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for packet in s.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")):
            out.mux(packet)
        for packet in s.encode(None):
            out.mux(packet)
    with pytest.raises(FileFormatError, match="v.mp4: no audio stream"):
        analyze_audio(silent_video)


def test_truncated_wav_reports_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    write_audio(path, _signal(4.0, 2), "pcm_s24le", "stereo")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = analyze_audio(path)
    assert report.truncated
    assert report.stopped_at_seconds == pytest.approx(2.0, abs=0.05)
    assert report.warnings and "truncated" in report.warnings[0]
    assert report.loudness.integrated_lufs is not None


def test_cli_loudness_json_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "mix.wav"
    write_audio(path, _signal(3.0, 2), "pcm_s24le", "stereo")
    runner = CliRunner()
    result = runner.invoke(app, ["qc", "loudness", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:7] == [
        "integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs",
        "momentary_max_lufs", "short_term_max_lufs", "channels",
    ]  # fmt: skip
    want = measure_loudness(_signal(3.0, 2), RATE).integrated_lufs
    assert data["integrated_lufs"] == pytest.approx(want, abs=0.01)
    assert [c["name"] for c in data["channels"]] == ["L", "R"]
    table = runner.invoke(app, ["qc", "loudness", str(path)])
    assert table.exit_code == 0 and "Integrated" in table.stdout
    bad = tmp_path / "bad.mov"
    bad.write_text("nope")
    failed = runner.invoke(app, ["qc", "loudness", str(bad)])
    assert failed.exit_code == 2 and "bad.mov" in failed.output and "Traceback" not in failed.output
    failed = runner.invoke(app, ["qc", "loudness", str(path), "--stream", "3"])
    assert failed.exit_code == 2 and "not an audio stream" in failed.output


@pytest.mark.parametrize(("codec", "layout"), [("pcm_s16le", "stereo"), ("pcm_s24le", "5.1"), ("flac", "stereo")])
def test_numpy_conversion_matches_ffmpeg_converter(tmp_path: Path, monkeypatch, codec: str, layout: str) -> None:  # noqa: ANN001
    from postprod.qc import audio_decode as audio_mod

    channels = 6 if layout == "5.1" else 2
    path = tmp_path / ("x.flac" if codec == "flac" else "x.wav")
    write_audio(path, _signal(1.5, channels), codec, layout)
    with audio_mod.AudioDecoder(path, chunk_frames=10_000) as dec:
        fast = np.concatenate(list(dec.chunks()), axis=1)
    original_init = audio_mod._Planar.__init__

    def numpy_only(self, nch: int) -> None:  # noqa: ANN001
        original_init(self, nch)
        self.numpy_only = True

    monkeypatch.setattr(audio_mod._Planar, "__init__", numpy_only)
    with audio_mod.AudioDecoder(path, chunk_frames=10_000) as dec:
        slow = np.concatenate(list(dec.chunks()), axis=1)
    assert fast.dtype == slow.dtype == np.float32 and fast.shape == (channels, int(1.5 * RATE))
    assert np.array_equal(fast, slow)
