"""Benchmark: `postprod qc loudness FILE --json` (the whole command) against ffmpeg's ebur128 and pyloudnorm.

(a) 10-minute 48 kHz 24-bit 5.1 WAV: postprod vs `ffmpeg -af ebur128=peak=true` (imageio-ffmpeg's binary).
(b) 10-minute 48 kHz 24-bit stereo WAV: postprod vs pyloudnorm reading the file with scipy.io.wavfile and
    computing integrated loudness and loudness range, as a command too (`python -c ...`, imports included),
    and its work alone in this process (file read + I + LRA, no start-up), for reference.
Contenders alternate run by run; medians, ratios, the readings and the machine load are printed.

    python benchmarks/loudness.py [--minutes 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qc_media import POSTPROD, alternate, ffmpeg_exe, load, median, run, write_wav  # noqa: E402

PYLOUDNORM = """
import sys, numpy as np, pyloudnorm
from scipy.io import wavfile
rate, data = wavfile.read(sys.argv[1])
x = data.astype(np.float64) / (2**31 if data.dtype == np.int32 else 2**15)
meter = pyloudnorm.Meter(rate)
print(meter.integrated_loudness(x), meter.loudness_range(x))
"""


def postprod(path: Path) -> dict[str, float]:
    data = json.loads(run([*POSTPROD, "qc", "loudness", str(path), "--json"])[2])
    return {"I": data["integrated_lufs"], "LRA": data["loudness_range_lu"], "TP": data["true_peak_dbtp"]}


def ffmpeg(exe: str, path: Path) -> dict[str, float]:
    err = run([exe, "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"])[3]
    summary = err[err.rfind("Summary:") :]

    def grab(label: str) -> float:
        m = re.search(label + r":\s+(-?[\d.]+)", summary)
        return float(m.group(1)) if m else float("nan")

    return {"I": grab("I"), "LRA": grab("LRA"), "TP": grab("Peak")}


def pyloudnorm_command(path: Path) -> dict[str, float]:
    out = run([sys.executable, "-c", PYLOUDNORM, str(path)])[2].split()
    return {"I": float(out[0]), "LRA": float(out[1]), "TP": float("nan")}


def pyloudnorm_in_process(path: Path) -> dict[str, float]:
    import pyloudnorm
    from scipy.io import wavfile

    rate, data = wavfile.read(path)
    x = data.astype(np.float64) / 2**31
    meter = pyloudnorm.Meter(rate)
    return {"I": meter.integrated_loudness(x), "LRA": meter.loudness_range(x), "TP": float("nan")}


def table(title: str, contenders: dict, runs: int, ours: str) -> None:
    readings: dict[str, dict[str, float]] = {}

    def keep(name: str, fn):  # noqa: ANN001, ANN202
        return lambda: readings.__setitem__(name, fn())

    print(f"\n{title}\n  {load()} before")
    times = alternate({name: keep(name, fn) for name, fn in contenders.items()}, runs)
    print(f"  {load()} after; median of {runs} runs, contenders alternated")
    print(f"  {'contender':46s} {'median s':>8s} {'runs s':>26s} {'ratio':>7s} {'I':>7s} {'LRA':>6s} {'TP':>6s}")
    base = median(times[ours])
    for name, ts in times.items():
        r = readings[name]
        spread = " ".join(f"{t:.2f}" for t in ts)
        ratio = median(ts) / base
        print(
            f"  {name:46s} {median(ts):8.2f} {spread:>26s} {ratio:6.2f}x {r['I']:7.2f} {r['LRA']:6.2f} {r['TP']:6.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    exe = ffmpeg_exe()
    secs = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        surround = write_wav(Path(tmp) / "mix51.wav", secs, 6, 24)
        stereo = write_wav(Path(tmp) / "mix20.wav", secs, 2, 24)
        print(f"made {args.minutes:g}-minute 48 kHz 24-bit 5.1 and stereo WAVs in {time.perf_counter() - t0:.1f} s")
        print(f"ffmpeg: {exe}")
        ours = "postprod qc loudness --json (command)"
        table(
            f"(a) {args.minutes:g} min 5.1 WAV: ratio = contender time / postprod time (target: ffmpeg >= 2x)",
            {ours: lambda: postprod(surround), "ffmpeg -af ebur128=peak=true": lambda: ffmpeg(exe, surround)},
            args.runs,
            ours,
        )
        table(
            f"(b) {args.minutes:g} min stereo WAV: ratio = contender time / postprod time (target: pyloudnorm >= 5x)",
            {
                ours: lambda: postprod(stereo),
                "pyloudnorm command (wavfile read + I + LRA)": lambda: pyloudnorm_command(stereo),
                "pyloudnorm in-process (read + I + LRA only)": lambda: pyloudnorm_in_process(stereo),
                "ffmpeg -af ebur128=peak=true": lambda: ffmpeg(exe, stereo),
            },
            args.runs,
            ours,
        )


if __name__ == "__main__":
    main()
