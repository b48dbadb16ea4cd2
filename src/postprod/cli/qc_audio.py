"""CLI command 'qc loudness': BS.1770-4 / EBU R128 readings of one audio stream."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from postprod.cli._common import JsonOpt, console, err_console, print_json, progress_bar, table
from postprod.errors import N_, FileFormatError

if TYPE_CHECKING:  # the engine (and SciPy) load only when the command runs
    from postprod.qc.loudness import LoudnessResult


def _fmt(value: float | None, unit: str) -> str:
    return "-inf" if value is None else f"{value:.1f} {unit}"


def measure_file(
    path: Path,
    stream: int | None,
    show_progress: bool,
    chunk_frames: int | None = None,
    tracks: list[int] | None = None,
) -> tuple[LoudnessResult, Any]:
    """Stream the programme's sound (one stream, or tracks measured together) through the meter, chunk by chunk."""
    # the engine (PyAV, NumPy, SciPy) loads when the command runs, not with the qc group
    from postprod.qc.audio_programme import open_programme
    from postprod.qc.loudness import LoudnessMeter

    with open_programme(path, tracks, stream, chunk_frames) as dec:
        meter = LoudnessMeter(dec.sample_rate, dec.layout)
        try:
            with progress_bar(f"Measuring {path.name}") if show_progress else nullcontext(None) as update:
                for chunk in dec.chunks(update):
                    meter.add_planar(chunk)
            result = meter.result()
        finally:
            meter.close()
    if dec.frames_read == 0:
        raise FileFormatError(
            str(path),
            N_("no audio could be decoded from stream %(stream_index)s"),
            params={"stream_index": dec.stream_index},
        )
    return result, dec


def register(app: typer.Typer) -> None:
    """Add the 'loudness' command to the qc group."""

    @app.command("loudness")
    def loudness(
        file: Path = typer.Argument(..., help="Media file (WAV, BWF, MOV, MP4, MXF, FLAC ...)."),
        stream: int | None = typer.Option(None, "--stream", help="Audio stream index (default: the first)."),
        tracks: str | None = typer.Option(
            None, "--tracks", help="Audio tracks measured as one programme, from 1: '1,2' or '1-6'."
        ),
        as_json: bool = JsonOpt,
    ) -> None:
        """Integrated loudness, loudness range, max momentary/short-term, true and sample peaks."""
        from postprod.qc.audio_programme import parse_tracks  # as above: the engine when the command runs

        chosen = parse_tracks(tracks) if tracks is not None else None
        result, dec = measure_file(file, stream, not as_json and err_console.is_terminal, tracks=chosen)
        if as_json:
            data = result.to_dict()
            data["streams"] = list(getattr(dec, "stream_indices", [dec.stream_index]))
            if dec.warnings:
                data["warnings"] = list(dec.warnings)
            if dec.truncated:
                data["truncated"] = True
                data["stopped_at_seconds"] = dec.stopped_at_seconds
            print_json(data)
            return
        table(
            f"{file.name} (stream {', '.join(map(str, getattr(dec, 'stream_indices', [dec.stream_index])))}, "
            f"{dec.sample_rate} Hz, {' '.join(dec.layout)})",
            ["Reading", "Value"],
            [
                ["Integrated", _fmt(result.integrated_lufs, "LUFS")],
                ["Loudness range", _fmt(result.loudness_range_lu, "LU")],
                ["Momentary max", _fmt(result.momentary_max_lufs, "LUFS")],
                ["Short-term max", _fmt(result.short_term_max_lufs, "LUFS")],
                ["True peak", _fmt(result.true_peak_dbtp, "dBTP")],
                ["Sample peak", _fmt(result.sample_peak_dbfs, "dBFS")],
            ],
        )
        table(
            None,
            ["Channel", "True peak", "Sample peak"],
            [[c.name, _fmt(c.true_peak_dbtp, "dBTP"), _fmt(c.sample_peak_dbfs, "dBFS")] for c in result.channels],
        )
        for warning in dec.warnings:
            console.print(f"warning: {warning}", style="yellow", highlight=False)
