"""Delivery specs: the built-ins load with their documented values; mistakes give one-line errors naming file and field."""

from __future__ import annotations

from fractions import Fraction

import pytest

from postprod.errors import FileFormatError, NotFound
from postprod.qc.spec import builtin_specs, load_spec, parse_spec_text


def test_builtin_specs_load_with_their_targets():
    media = {n for n in builtin_specs() if not load_spec(n).is_timed_text}
    assert media == {"ebu-r128", "atsc-a85", "streaming", "dcp-audio", "dvd"}
    ebu = load_spec("ebu-r128")
    assert (ebu.get("loudness", "target"), ebu.get("loudness", "tolerance"), ebu.get("loudness", "max_true_peak")) == (
        -23.0,
        0.5,
        -1.0,
    )
    atsc = load_spec("atsc-a85")
    assert (
        atsc.get("loudness", "target"),
        atsc.get("loudness", "tolerance"),
        atsc.get("loudness", "max_true_peak"),
    ) == (-24.0, 2.0, -2.0)
    st = load_spec("streaming")
    assert st.get("loudness", "target") == -27.0 and st.get("loudness", "measurement") == "full-programme"
    dcp = load_spec("dcp-audio")
    assert dcp.get("loudness", "target") is None and dcp.get("audio", "sample_rates") == [48000, 96000]
    assert dcp.get("audio", "bit_depths") == [24] and set(dcp.get("audio", "channels")) == {6, 8}
    dvd = load_spec("dvd")
    modes = {(m["resolution"], m["frame_rate"]) for m in dvd.get("video", "modes")}
    assert modes == {("720x576", Fraction(25)), ("720x480", Fraction(30000, 1001))}
    assert dvd.needs_video_analysis is False and ebu.needs_audio_analysis is True


def test_unknown_spec_lists_the_builtin_names():
    with pytest.raises(NotFound) as exc:
        load_spec("ebu-r129")
    msg = str(exc.value)
    assert "ebu-r128" in msg and "atsc-a85" in msg and "dvd" in msg and "did you mean 'ebu-r128'" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[loudness]\ntarget = "-23"\n', "x.toml: loudness.target: expected a number"),
        ("[loudness]\ntargt = -23\n", "x.toml: loudness.targt: unknown field (did you mean 'target'?)"),
        ("[loudnes]\ntarget = -23\n", "x.toml: loudnes: unknown section (did you mean 'loudness'?)"),
        ("[loudness]\ntarget = -23\n", "x.toml: loudness.measurement: required with a target"),
        (
            '[loudness]\ntarget = -23\nmeasurement = "dialogue-gated"\n',
            "x.toml: loudness.measurement: 'dialogue-gated' is not one of full-programme",
        ),
        ("[loudness]\ntolerance = -1\n", "x.toml: loudness.tolerance: expected a number >= 0"),
        ('[video]\nframe_rates = ["25", "29.9x"]\n', "x.toml: video.frame_rates: item 2: invalid frame rate"),
        (
            '[video]\nresolutions = ["1920*1080"]\n',
            "x.toml: video.resolutions: item 1: '1920*1080' is not a resolution",
        ),
        ('[video]\nscan = ["psf"]\n', "x.toml: video.scan: item 1: 'psf' is not one of"),
        ("[audio]\nsample_rates = 48000\n", "x.toml: audio.sample_rates: expected a non-empty list"),
        (
            "[duration]\nmin_seconds = 10\nmax_seconds = 5\n",
            "x.toml: duration.min_seconds: 10.0 is above duration.max_seconds",
        ),
        ('[timecode]\nstart = "10:00:00"\n', "x.toml: timecode.start: '10:00:00' is not a timecode"),
        ('[clipping]\nallowed = "no"\n', "x.toml: clipping.allowed: expected true or false"),
        ("[legal_range]\nluma = [235, 16]\n", "x.toml: legal_range.luma: expected 0 <= low < high <= 255"),
        ("loudness = 3\n", "x.toml: loudness: expected a table"),
        ("[loudness\n", "x.toml: invalid TOML"),
    ],
)
def test_spec_errors_name_file_and_field(text, expected):
    with pytest.raises(FileFormatError) as exc:
        parse_spec_text(text, "x.toml")
    msg = str(exc.value)
    assert msg.startswith(expected), msg
    assert "\n" not in msg


def test_spec_file_by_path_and_custom_values(tmp_path):
    p = tmp_path / "house.toml"
    p.write_text(
        '[spec]\ntitle = "House master"\n[video]\nframe_rates = ["23.976", 25]\n'
        '[timecode]\nstart = "10:00:00:00"\n[black]\nhead_min_seconds = 1.0\nhead_max_seconds = 3\n'
    )
    spec = load_spec(p)
    assert spec.name == "house" and spec.title == "House master"
    assert spec.get("video", "frame_rates") == [Fraction(24000, 1001), Fraction(25)]
    assert spec.needs_video_analysis and not spec.needs_audio_analysis
    assert spec.to_dict()["sections"]["video"]["frame_rates"] == ["24000/1001", "25"]
    with pytest.raises(NotFound, match="no such spec file"):
        load_spec(tmp_path / "missing.toml")
