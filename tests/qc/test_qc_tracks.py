"""The programme's sound spread over mono tracks (broadcast MXF): measured together, as one programme."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import InvalidInput, PostprodError
from postprod.qc.analyze import AudioOptions, analyze
from postprod.qc.audio import AudioData, analyze_audio
from postprod.qc.audio_programme import parse_tracks
from postprod.qc.check import check
from postprod.qc.spec import parse_spec_text

SR = 48000
FRAMES = 75  # 3 s at 25 fps
runner = CliRunner()


def _signals(n_tracks: int) -> np.ndarray:
    """(samples, tracks): a different tone and level on each track, a clipped burst on track 2."""
    t = np.arange(FRAMES * SR // 25) / SR
    x = np.stack([(0.05 + 0.04 * k) * np.sin(2 * np.pi * (300 + 170 * k) * t) for k in range(n_tracks)], axis=1)
    x[SR : SR + 480, 1] = np.clip(3 * np.sin(2 * np.pi * 1000 * t[:480]), -1, 1)
    return x


def _mxf(path, n_tracks: int):
    """An MXF with MPEG-2 picture and one mono 24-bit PCM stream per track."""
    x = _signals(n_tracks)
    pcm = np.round(np.clip(x, -1, 1 - 2**-23) * 2**23).astype(np.int32) << 8
    out = av.open(str(path), "w", format="mxf")
    v = out.add_stream("mpeg2video", rate=25)
    v.width, v.height, v.pix_fmt = 160, 90, "yuv420p"
    tracks = []
    for _ in range(n_tracks):
        a = out.add_stream("pcm_s24le", rate=SR)
        a.layout = "mono"
        tracks.append(a)
    step = SR // 25
    for i in range(FRAMES):
        img = np.full((90, 160, 3), 60 + i, np.uint8)
        vf = av.VideoFrame.from_ndarray(img, format="rgb24")
        vf.pts = i
        for p in v.encode(vf):
            out.mux(p)
        for k, a in enumerate(tracks):
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm[i * step : (i + 1) * step, k][None, :]),
                                            format="s32", layout="mono")  # fmt: skip
            af.sample_rate = SR
            af.pts = i * step
            for p in a.encode(af):
                out.mux(p)
    for s in (v, *tracks):
        for p in s.encode():
            out.mux(p)
    out.close()
    return path, x


@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    return _mxf(tmp_path_factory.mktemp("tracks") / "eight.mxf", 8)


def _reference(x: np.ndarray, layout: list[str]):
    q = np.round(np.clip(x, -1, 1 - 2**-23) * 2**23) / 2**23  # the same 24-bit samples
    return analyze_audio(AudioData(q.astype(np.float32), SR, layout, 1, 0.0)).loudness


def test_default_measures_tracks_one_and_two_as_stereo_and_says_so(eight):
    path, x = eight
    result = analyze(path)
    ref = _reference(x[:, :2], ["L", "R"])
    assert result.audio.streams == [1, 2]
    assert result.loudness.integrated_lufs == pytest.approx(ref.integrated_lufs, abs=0.01)
    assert result.loudness.true_peak_dbtp == pytest.approx(ref.true_peak_dbtp, abs=0.05)
    assert any("8 mono audio tracks: tracks 1 and 2 measured as L and R" in w for w in result.warnings)
    mono = _reference(x[:, :1], ["C"])
    assert abs(result.loudness.integrated_lufs - mono.integrated_lufs) > 1.0  # not track 1 alone


def test_tracks_one_to_six_are_a_five_one_programme(eight):
    path, x = eight
    result = analyze(path, audio_options=AudioOptions(tracks=[1, 2, 3, 4, 5, 6]))
    ref = _reference(x[:, :6], ["L", "R", "C", "LFE", "Ls", "Rs"])
    assert result.audio.layout == ["L", "R", "C", "LFE", "Ls", "Rs"]
    assert result.loudness.integrated_lufs == pytest.approx(ref.integrated_lufs, abs=0.01)
    assert not [w for w in result.warnings if "mono audio tracks" in w]  # chosen, not defaulted
    # the clipped burst is on track 2: its event names the stream that carries track 2
    clips = [e for e in result.events if e.kind == "clipping"]
    assert clips and {e.stream for e in clips} == {2} and {e.channel for e in clips} == {"R"}
    assert abs(clips[0].start_frame - 25) <= 1


def test_cli_tracks_option_and_bad_track(eight):
    path, x = eight
    res = runner.invoke(app, ["qc", "loudness", str(path), "--tracks", "3-4", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["streams"] == [3, 4]
    assert data["integrated_lufs"] == pytest.approx(_reference(x[:, 2:4], ["L", "R"]).integrated_lufs, abs=0.01)
    bad = runner.invoke(app, ["qc", "analyze", str(path), "--tracks", "9"])
    assert bad.exit_code == 2
    assert "no audio track 9: the file has 8 audio track(s)" in bad.output
    assert "Traceback" not in bad.output
    typo = runner.invoke(app, ["qc", "loudness", str(path), "--tracks", "1-x"])
    assert typo.exit_code == 2 and "'1-x' is not a track number" in typo.output


def test_spec_names_the_tracks(eight, tmp_path):
    path, x = eight
    text = '[audio]\ntracks = [3, 4]\n[loudness]\ntarget = -23\ntolerance = 1\nmeasurement = "full-programme"\n'
    result = check(path, parse_spec_text(text, "tracks.toml"))
    ref = _reference(x[:, 2:4], ["L", "R"])
    assert result.analysis.loudness.integrated_lufs == pytest.approx(ref.integrated_lufs, abs=0.01)
    with pytest.raises(PostprodError, match="tracks"):
        parse_spec_text("[audio]\ntracks = [0]\n", "bad.toml")


def test_parse_tracks():
    assert parse_tracks("1-2,5") == [1, 2, 5]
    assert parse_tracks(" 3 ") == [3]
    for bad in ("", "0", "2-1", "a", "1,1"):
        with pytest.raises(InvalidInput):
            parse_tracks(bad)


def test_spec_tracks_missing_from_the_file_fail_a_clause(tmp_path):
    path, _ = _mxf(tmp_path / "two.mxf", 2)
    text = '[audio]\ntracks = [1, 2, 3, 4]\n[loudness]\ntarget = -23\ntolerance = 1\nmeasurement = "full-programme"\n'
    result = check(path, parse_spec_text(text, "tracks.toml"))
    by_id = {c.id: c for c in result.clauses}
    assert by_id["audio.tracks"].status == "fail" and by_id["audio.tracks"].measured == "2 audio track(s)"
    assert not result.passed and result.analysis.audio is None  # not the wrong programme measured instead


def test_a_track_with_no_sound_is_refused_not_buffered(tmp_path, monkeypatch):
    """A programme track that never comes (empty, or not interleaved): one clear error, memory bounded."""
    from postprod.qc import audio_programme

    monkeypatch.setattr(audio_programme, "MAX_LAG_SECONDS", 1.0)
    path = tmp_path / "gap.mov"
    out = av.open(str(path), "w", format="mov")
    tracks = []
    for _ in range(2):
        a = out.add_stream("pcm_s16le", rate=SR)
        a.layout = "mono"
        tracks.append(a)
    tone = (3000 * np.sin(2 * np.pi * 440 * np.arange(SR // 10) / SR)).astype(np.int16)[None, :]
    for i in range(60):  # 6 s on track 1; track 2 gets its one packet only at the very end
        af = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
        af.sample_rate, af.pts = SR, i * (SR // 10)
        for p in tracks[0].encode(af):
            out.mux(p)
    af = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
    af.sample_rate, af.pts = SR, 59 * (SR // 10)
    for p in tracks[1].encode(af):
        out.mux(p)
    for a in tracks:
        for p in a.encode():
            out.mux(p)
    out.close()
    with pytest.raises(PostprodError, match=r"audio stream 1 is \d+ s behind the programme's other tracks"):
        analyze_audio(str(path), tracks=[1, 2], chunk_frames=SR // 2)


def test_spec_layout_clauses_judge_the_programme_of_tracks(eight):
    path, _ = eight
    text = '[audio]\ntracks = [1, 2, 3, 4, 5, 6]\nchannels = [6]\nlayouts = ["5.1*"]\n'
    by_id = {c.id: c for c in check(path, parse_spec_text(text, "51.toml")).clauses}
    assert by_id["audio.channels"].status == "pass" and by_id["audio.channels"].measured.startswith("6 (tracks 1")
    assert by_id["audio.layout"].status == "pass" and by_id["audio.layout"].measured.startswith("5.1")
    stereo = '[audio]\ntracks = [1, 2]\nlayouts = ["5.1"]\n'
    by_id = {c.id: c for c in check(path, parse_spec_text(stereo, "st.toml")).clauses}
    assert by_id["audio.layout"].status == "fail" and by_id["audio.layout"].measured == "stereo (tracks 1, 2)"
    per_stream = "[audio]\nchannels = [1]\n"  # without tracks, each stream is judged
    assert {c.id: c for c in check(path, parse_spec_text(per_stream, "m.toml")).clauses}[
        "audio.channels"
    ].status == "pass"
