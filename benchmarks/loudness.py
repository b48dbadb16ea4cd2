"""Benchmark: `postprod qc loudness` against FFmpeg's ebur128 (binary and PyAV filter graph) and pyloudnorm.

Same 10-minute programme-like 48 kHz 24-bit WAVs (stereo and 5.1) through each; prints the median of
several runs, the speed ratios, and the readings side by side. Usage: python benchmarks/loudness.py [--minutes 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

RATE = 48000


def programme(seconds: float, channels: int, seed: int = 7) -> np.ndarray:
    """Programme-like audio (frames, channels): noise bed, tones, speech-like bursts, slow dynamics."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.empty((n, channels), dtype=np.float32)
    syllables = (np.sin(2 * np.pi * 4.0 * t) > 0.2) * (rng.random(n // RATE + 1).repeat(RATE)[:n] > 0.3)
    envelope = 0.3 + 0.7 * np.sin(2 * np.pi * t / 23.0) ** 2
    tones = 0.1 * np.sin(2 * np.pi * 440 * t) * ((t % 10) > 7)
    speech = rng.standard_normal(n) * 0.15 * syllables * np.sin(2 * np.pi * 180 * t)
    for c in range(channels):
        bed = rng.standard_normal(n) * 0.02
        out[:, c] = np.clip((bed + (speech if c != 3 else 0.0) + tones * (c % 2)) * envelope, -1, 1)
    return out


def write_wav(path: Path, x: np.ndarray, layout: str) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s24le", rate=RATE, layout=layout)
        for i in range(0, x.shape[0], RATE):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(x[i : i + RATE]).reshape(1, -1), format="flt", layout=layout
            )
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def ffmpeg_exe() -> str | None:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:
        return shutil.which("ffmpeg")


def run_postprod(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "postprod.cli.main", "qc", "loudness", str(path), "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    data = json.loads(out.stdout)
    return {"I": data["integrated_lufs"], "LRA": data["loudness_range_lu"], "TP": data["true_peak_dbtp"]}


def run_engine(path: Path) -> dict:
    """The same measurement in-process (no interpreter start-up or imports)."""
    from postprod.cli.qc_audio import measure_file

    result, _ = measure_file(path, None, show_progress=False)
    return {"I": result.integrated_lufs, "LRA": result.loudness_range_lu, "TP": result.true_peak_dbtp}


def run_ffmpeg(exe: str, path: Path) -> dict:
    out = subprocess.run(
        [exe, "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    summary = out.stderr[out.stderr.rfind("Summary:") :]

    def grab(label: str) -> float:
        m = re.search(label + r":\s+(-?[\d.]+)", summary)
        return float(m.group(1)) if m else float("nan")

    return {"I": grab("I"), "LRA": grab("LRA"), "TP": grab("Peak")}


def run_ffmpeg_pyav(path: Path) -> dict:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        graph = av.filter.Graph()
        src = graph.add_abuffer(template=stream)
        meter = graph.add("ebur128", "metadata=1:peak=true")
        sink = graph.add("abuffersink")
        src.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        last: dict = {}
        for frame in container.decode(stream):
            graph.push(frame)
            while True:
                try:
                    last = dict(graph.pull().metadata)
                except (av.BlockingIOError, av.EOFError):
                    break
    tp = float(last.get("lavfi.r128.true_peak", "nan"))
    return {"I": float(last["lavfi.r128.I"]), "LRA": float(last["lavfi.r128.LRA"]), "TP": 20 * np.log10(tp)}


def run_pyloudnorm(path: Path) -> dict:
    import pyloudnorm
    from scipy.io import wavfile

    rate, data = wavfile.read(path)
    x = data.astype(np.float64) / 2**31 if data.dtype == np.int32 else data.astype(np.float64)
    meter = pyloudnorm.Meter(rate)
    return {"I": meter.integrated_loudness(x), "LRA": meter.loudness_range(x), "TP": float("nan")}


def timed(fn, runs: int) -> tuple[float, dict]:
    times, result = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    exe = ffmpeg_exe()
    with tempfile.TemporaryDirectory() as tmp:
        for name, channels, layout in (("stereo", 2, "stereo"), ("5.1", 6, "5.1")):
            path = Path(tmp) / f"{name}.wav"
            write_wav(path, programme(args.minutes * 60, channels), layout)
            rows = [("postprod qc loudness", *timed(lambda p=path: run_postprod(p), args.runs))]
            rows.append(("postprod engine, in-process", *timed(lambda p=path: run_engine(p), args.runs)))
            if exe:
                rows.append(("ffmpeg -af ebur128=peak=true", *timed(lambda p=path: run_ffmpeg(exe, p), args.runs)))
            rows.append(("ffmpeg ebur128 via PyAV graph", *timed(lambda p=path: run_ffmpeg_pyav(p), args.runs)))
            if channels == 2:
                rows.append(("pyloudnorm (read + I + LRA)", *timed(lambda p=path: run_pyloudnorm(p), args.runs)))
            ours = rows[0][1]
            print(f"\n{args.minutes:g} min {name} 48 kHz 24-bit WAV, median of {args.runs} runs")
            print(f"{'tool':32s} {'seconds':>8s} {'x slower':>9s} {'I LUFS':>8s} {'LRA LU':>7s} {'TP dBTP':>8s}")
            for label, secs, r in rows:
                print(f"{label:32s} {secs:8.2f} {secs / ours:9.2f} {r['I']:8.2f} {r['LRA']:7.2f} {r['TP']:8.2f}")


if __name__ == "__main__":
    main()
