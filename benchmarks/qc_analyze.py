"""Benchmark: `postprod qc analyze FILE --json` against one ffmpeg command running the same detectors.

A 1080p25 movie (H.264 or ProRes 422, test pattern with black at 10-12 s) with 5.1 24-bit PCM of
programme-like audio; the anchor is ONE ffmpeg run (imageio-ffmpeg's binary) with video and audio
filters together:

    ffmpeg -i FILE -vf blackdetect,freezedetect -af silencedetect,ebur128=peak=true -f null -

Both contenders run as commands, alternated run by run; prints medians, the ratio and the load.
Target: postprod no slower (ratio >= 1).

    python benchmarks/qc_analyze.py [--seconds 120] [--runs 5] [--codec libx264|prores_ks]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qc_media import POSTPROD, alternate, ffmpeg_exe, load, median, run, write_movie, write_wav  # noqa: E402

VF = "blackdetect=d=0:pix_th=0.10:pic_th=0.98,freezedetect=n=0.001:d=1"
AF = "silencedetect=n=-60dB:d=2,ebur128=peak=true"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--codec", default="libx264", choices=["libx264", "prores_ks"])
    args = ap.parse_args()
    exe = ffmpeg_exe()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        wav = write_wav(Path(tmp) / "mix51.wav", args.seconds, 6, 24)
        movie = write_movie(Path(tmp) / "clip.mov", args.seconds, codec=args.codec, audio=wav)
        wav.unlink()
        size = movie.stat().st_size / 1e6
        print(
            f"made {args.seconds:g} s 1920x1080 25 fps {args.codec} + 5.1 PCM 24-bit MOV ({size:.0f} MB) in {time.perf_counter() - t0:.1f} s"
        )
        ffmpeg_cmd = [exe, "-hide_banner", "-nostats", "-i", str(movie), "-vf", VF, "-af", AF, "-f", "null", "-"]
        ours_cmd = [*POSTPROD, "qc", "analyze", str(movie), "--json"]
        print("ffmpeg: " + " ".join(ffmpeg_cmd[1:]).replace(str(movie), "FILE"))
        out: dict[str, str] = {}

        def ours() -> None:
            out["ours"] = run(ours_cmd)[2]

        def ffmpeg() -> None:
            out["ffmpeg"] = run(ffmpeg_cmd)[3]

        print(load() + " before")
        times = alternate(
            {"postprod qc analyze --json (command)": ours, "ffmpeg, one command, 4 filters": ffmpeg}, args.runs
        )
        print(load() + f" after; median of {args.runs} runs, contenders alternated")
        base = median(times["postprod qc analyze --json (command)"])
        for name, ts in times.items():
            spread = " ".join(f"{t:.2f}" for t in ts)
            print(f"  {name:40s} {median(ts):7.2f} s   runs {spread}   ratio {median(ts) / base:.2f}x")
        data = json.loads(out["ours"])
        loud = data["audio"]["loudness"] if data.get("audio") else {}
        kinds = sorted({e["kind"] for e in data["events"]})
        print(
            f"postprod: {data['video']['frames']} frames, I {loud.get('integrated_lufs')} LUFS, TP {loud.get('true_peak_dbtp')} dBTP, events {kinds}"
        )
        summary = out["ffmpeg"][out["ffmpeg"].rfind("Summary:") :].split()
        print("ffmpeg ebur128 summary: " + " ".join(summary[:20]))


if __name__ == "__main__":
    main()
