"""Benchmark: postprod's shot changes (from the QC video pass) against PySceneDetect's ContentDetector.

Masters are generated from cuts at 23.976, 24, 25 and 29.97 drop-frame (distinct moving pictures per
source, some panning fast; a fade from black and a dissolve per master; planted errors: a cut 2 frames
late, a missing edit, a flash frame, the end a second short), 640x360 H.264. The truth is every hard
cut of the master as made (the flash frame counts two); detections inside a dissolve or a fade count
neither way. Both contenders read the same files in this process, alternated:

- postprod: `analyze(master, video_options=VideoOptions(shots=True))` then `find_cuts`, i.e. the whole
  QC picture pass (black, freeze, range, bars) with the shot changes kept; also the same pass without
  them, for what finding the shot changes costs;
- PySceneDetect 0.7 `detect(master, ContentDetector())` (OpenCV backend, threshold 27), with its
  default minimum scene length (15 frames) and with 1 frame (so that it can see flash frames).

Prints recall and precision (a detection on the truth's frame; and within one frame) and the median
time of each. Needs the bench extra: pip install -e '.[bench]' -c constraints.txt

    python benchmarks/qc_conform_scenedetect.py [--seeds 3] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from postprod.qc.analyze import analyze
from postprod.qc.conform_synth import Master, Planted, make_cut, planted_cut, render_master
from postprod.qc.shots import find_cuts
from postprod.qc.video import VideoOptions

RATES = {
    "23.976": (Fraction(24000, 1001), False, "01:00:00:00"),
    "24": (Fraction(24), False, "01:00:00:00"),
    "25": (Fraction(25), False, "01:00:00:00"),
    "29.97 DF": (Fraction(30000, 1001), True, "01:00:00;00"),
}


def truth(master: Master, cut, planted: Planted) -> tuple[set[int], set[int]]:
    """(hard cut frames of the master, frames inside transitions that count neither way)."""
    made = planted_cut(cut, planted)
    end = master.frames
    cuts, neutral = set(), set()
    for i, e in enumerate(made.events):
        f = e.record_in - master.start_frame
        if e.transition != "C":
            neutral.update(range(f - 1, f + e.transition_frames + 2))
        elif i:
            cuts.add(f)
    for x in master.flash_frames:
        cuts.update((x - master.start_frame, x + 1 - master.start_frame))
    return {c for c in cuts if 0 < c < end}, neutral


def score(found: list[int], cuts: set[int], neutral: set[int], slack: int) -> tuple[int, int, int]:
    """(true positives, detections counted, truths) with one detection per truth within `slack` frames."""
    left = set(cuts)
    tp = counted = 0
    for d in sorted(found):
        hit = next((t for t in sorted(left, key=lambda t: abs(t - d)) if abs(t - d) <= slack), None)
        if hit is not None:
            left.discard(hit)
            tp += 1
            counted += 1
        elif d not in neutral:
            counted += 1
    return tp, counted, len(cuts)


def ours(path: Path, shots: bool = True) -> list[int]:
    a = analyze(path, audio=False, video_options=VideoOptions(shots=shots))
    return find_cuts(a.video.shots) if shots and a.video and a.video.shots else []


def theirs(path: Path, min_len: int) -> list[int]:
    from scenedetect import ContentDetector, detect

    scenes = detect(str(path), ContentDetector(min_scene_len=min_len))
    return [s[0].frame_num for s in scenes[1:]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    try:
        import scenedetect
    except ImportError:
        raise SystemExit("PySceneDetect is not installed: pip install -e '.[bench]' -c constraints.txt") from None
    contenders = {
        "postprod (QC pass + shot changes)": lambda p: ours(p),
        "PySceneDetect ContentDetector": lambda p: theirs(p, 15),
        "PySceneDetect ContentDetector, min 1 frame": lambda p: theirs(p, 1),
    }
    totals = {name: [0, 0, 0, 0, 0] for name in contenders}  # tp exact, counted exact, tp ±1, counted ±1, truth
    times: dict[str, list[float]] = {name: [] for name in [*contenders, "postprod QC pass without shot changes"]}
    frames = 0
    with tempfile.TemporaryDirectory() as tmp:
        masters = []
        t0 = time.perf_counter()
        for label, (rate, df, start) in RATES.items():
            for seed in range(1, args.seeds + 1):
                cut = make_cut(rate, drop_frame=df, events=24, seed=100 + seed, start_tc=start)
                second = round(rate)
                planted = Planted(slip={5: 2}, missing=[10], flash=[15], short_frames=second)
                m = render_master(Path(tmp) / f"m{len(masters)}.mp4", cut, planted=planted, head_frames=second,
                                  size=(640, 360), options={"preset": "veryfast", "crf": "20"})  # fmt: skip
                masters.append((label, m, *truth(m, cut, planted)))
                frames += m.frames
        print(f"made {len(masters)} masters, {frames} frames at 640x360, in {time.perf_counter() - t0:.0f} s")
        print(f"PySceneDetect {scenedetect.__version__}; median of {args.runs} runs per master, alternated")
        for _label, m, cuts, neutral in masters:
            for name, fn in contenders.items():
                found = fn(m.path)
                for k, slack in ((0, 0), (2, 1)):
                    tp, counted, n = score(found, cuts, neutral, slack)
                    totals[name][k] += tp
                    totals[name][k + 1] += counted
                totals[name][4] += len(cuts)
            for _ in range(args.runs):
                for name, fn in [
                    *contenders.items(),
                    ("postprod QC pass without shot changes", lambda p: ours(p, False)),
                ]:
                    t = time.perf_counter()
                    fn(m.path)
                    times[name].append(time.perf_counter() - t)
    print(f"{'':46s} {'recall':>7s} {'precision':>9s} {'recall±1':>9s} {'prec.±1':>8s} {'time/master':>12s}")
    per = len(masters)
    for name in times:
        t = statistics.median(times[name]) if times[name] else 0.0
        if name in totals:
            tp0, c0, tp1, c1, n = totals[name]
            print(
                f"{name:46s} {tp0 / n:7.3f} {tp0 / max(1, c0):9.3f} {tp1 / n:9.3f} {tp1 / max(1, c1):8.3f} {t:10.2f} s"
            )
        else:
            print(f"{name:46s} {'':7s} {'':9s} {'':9s} {'':8s} {t:10.2f} s")
    print(f"({per} masters, {totals[next(iter(totals))][4]} hard cuts in all)")


if __name__ == "__main__":
    sys.exit(main())
