"""Benchmark: peak memory of `qc loudness`, `qc analyze` and `qc check` as the programme gets longer.

For each duration (default 10, 30 and 180 minutes) it writes a 48 kHz 24-bit stereo WAV (a 60 s
programme-like block written over and over, in chunks) and a low-resolution movie (160x90 MPEG-4 at
25 fps with 16-bit stereo PCM, encoded by the imageio-ffmpeg binary), runs each command once and
prints the peak resident memory of that very process (wait4). Streaming means the column stays flat
while the decoded size grows. Files are deleted after each duration.

    python benchmarks/qc_memory.py [--minutes 10 30 180] [--dir /tmp] [--size 640x360]

With --size 640x360 or larger the picture is decoded in segments by one thread per core, each
holding its own copy of the container's index (see docs/delivery-specs.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qc_media import POSTPROD, load, peak_rss_kib, write_movie, write_wav  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[10.0, 30.0, 180.0])
    ap.add_argument("--dir", default=None, help="where to write the media (needs ~6 GB for 3 hours)")
    ap.add_argument("--size", default="160x90", help="picture size of the movie (default 160x90)")
    args = ap.parse_args()
    print(load())
    rows = []
    for minutes in args.minutes:
        secs = minutes * 60
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            t0 = time.perf_counter()
            wav = write_wav(Path(tmp) / "mix.wav", secs, 2, 24, repeat_seconds=60)
            movie = write_movie(Path(tmp) / "clip.mov", secs, size=args.size, codec="mpeg4", channels=2)
            made = time.perf_counter() - t0
            decoded_mb = secs * 48000 * 2 * 4 / 1e6  # the sound alone as float32
            print(
                f"{minutes:g} min: WAV {wav.stat().st_size / 1e9:.2f} GB, movie {movie.stat().st_size / 1e9:.2f} GB "
                f"(made in {made:.0f} s); decoded sound {decoded_mb:.0f} MB as float32",
                flush=True,
            )
            for label, cmd in (
                ("qc loudness WAV", [*POSTPROD, "qc", "loudness", str(wav), "--json"]),
                ("qc analyze movie", [*POSTPROD, "qc", "analyze", str(movie), "--json"]),
                (
                    "qc check movie --spec ebu-r128",
                    [*POSTPROD, "qc", "check", str(movie), "--spec", "ebu-r128", "--json"],
                ),
            ):
                secs_taken, peak = peak_rss_kib(cmd)
                rows.append((minutes, label, peak / 1024, secs_taken, decoded_mb))
                print(f"  {label:32s} peak RSS {peak / 1024:7.1f} MB   {secs_taken:7.1f} s", flush=True)
    print(f"\n{load()}")
    print(f"{'minutes':>8s} {'command':32s} {'peak RSS MB':>12s} {'seconds':>8s} {'decoded sound MB':>17s}")
    for minutes, label, mb, secs_taken, decoded in rows:
        print(f"{minutes:8g} {label:32s} {mb:12.1f} {secs_taken:8.1f} {decoded:17.0f}")


if __name__ == "__main__":
    main()
