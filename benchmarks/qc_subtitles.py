"""Benchmark: `postprod qc subtitles` on a 2,000-subtitle file (target: at most 0.5 s), against anchors.

The file: a feature's worth of SRT subtitles (2,000, one or two lines, 1 to 6 s, about 1 % with a defect).
(a) In this process, the read and the check alone: postprod's `check_subtitle_file` against
    - pysubs2 reading the file and the same rules checked on its events (line length, lines, reading
      speed, durations, gaps, overlaps), written here as plainly as a user would;
    - ttconv reading the file into its document model (reading only, no check).
(b) The whole command, interpreter start-up included (from compiled bytecode, after a warm-up run): `postprod qc subtitles FILE --spec subtitles-netflix-en
    --json` against `python -c` running the pysubs2 check.
Contenders alternate run by run; medians of --runs runs, ratios and the machine's load are printed.

    python benchmarks/qc_subtitles.py [--subtitles 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qc_media import POSTPROD, alternate, load, median, run  # noqa: E402

WORDS = (
    "the a we you they it is was not never here there now then what why how where when come go see look "
    "know think want need tell said yes no maybe always something nothing everyone someone tonight tomorrow "
    "house car road night morning door window friend brother sister mother father money time world"
).split()

PYSUBS2_CHECK = """
import sys
import pysubs2


def check(path):
    subs = pysubs2.load(path, encoding="utf-8")
    events = sorted(subs.events, key=lambda e: e.start)
    found = 0
    prev = None
    for e in events:
        lines = e.plaintext.split("\\n")
        dur = (e.end - e.start) / 1000
        chars = sum(len(l) for l in lines)
        found += any(len(l) > 42 for l in lines) + (len(lines) > 2)
        found += (dur > 0 and chars / dur > 20) + (dur < 0.833) + (dur > 7)
        if prev is not None:
            gap = e.start - prev.end
            found += gap < 80  # an overlap, or less than 2 frames at 25 fps
        prev = e
    return found


if __name__ == "__main__":
    print(check(sys.argv[1]))
"""


def write_file(path: Path, n: int, seed: int = 5) -> Path:
    rng = random.Random(seed)
    t = 1000
    blocks = []
    for i in range(1, n + 1):
        lines = []
        for _ in range(rng.choice((1, 2, 2))):
            words: list[str] = []
            while len(" ".join(words)) < rng.randint(14, 36):
                words.append(rng.choice(WORDS))
            lines.append(" ".join(words).capitalize())
        if rng.random() < 0.2:
            lines[0] = f"<i>{lines[0]}</i>"
        chars = sum(len(ln) for ln in lines)
        dur = min(7000, max(1000, chars * 1000 // 15 + rng.randint(0, 1000))) // 40 * 40  # about 15 cps
        if rng.random() < 0.01:  # a defect now and then: too long a line, too short, too close
            lines[0] += " and then a great deal more than fits"
        start = t
        t = start + dur + rng.choice((80, 120, 200, 480, 1000)) if rng.random() > 0.01 else start + dur + 40
        blocks.append(f"{i}\n{_ts(start)} --> {_ts(start + dur)}\n" + "\n".join(lines) + "\n")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _ts(ms: int) -> str:
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subtitles", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    import ttconv.srt.reader as ttconv_srt

    from postprod.qc.spec import load_spec
    from postprod.qc.subtitle_check import check_subtitle_file

    with tempfile.TemporaryDirectory() as tmp:
        path = write_file(Path(tmp) / "feature.srt", args.subtitles)
        spec = load_spec("subtitles-netflix-en")
        result = check_subtitle_file(path, spec)
        print(f"{args.subtitles} subtitles, {path.stat().st_size // 1024} KiB; postprod: {result.status}, "
              f"{len(result.findings)} findings; {load()}")  # fmt: skip

        anchor: dict[str, object] = {"__name__": "anchor"}
        exec(PYSUBS2_CHECK, anchor)  # the same code the command (b) runs

        def anchor_pysubs2() -> None:
            anchor["check"](str(path))  # type: ignore[operator]

        def anchor_ttconv() -> None:
            with path.open(encoding="utf-8") as fh:
                ttconv_srt.to_model(fh)

        inproc = alternate(
            {
                "postprod read+check": lambda: check_subtitle_file(path, spec),
                "pysubs2 read+check": anchor_pysubs2,
                "ttconv read only": anchor_ttconv,
            },
            args.runs,
        )
        print("(a) in process, median of", args.runs)
        base = median(inproc["postprod read+check"])
        for name, xs in inproc.items():
            print(f"  {name:22s} {median(xs) * 1000:8.1f} ms   x{median(xs) / base:5.1f} postprod's time")

        script = Path(tmp) / "pysubs2_check.py"
        script.write_text(PYSUBS2_CHECK)
        # Commands run as an installed tool does, from compiled bytecode: a shell that sets
        # PYTHONDONTWRITEBYTECODE would make every run compile postprod's sources again.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        cmd = {
            "postprod qc subtitles": lambda: run([*POSTPROD, "qc", "subtitles", str(path), "--spec", "subtitles-netflix-en", "--json"], ok=(0, 1)),
            "python + pysubs2 check": lambda: run([sys.executable, str(script), str(path)]),
        }  # fmt: skip
        for warm_up in cmd.values():
            warm_up()
        whole = alternate(cmd, args.runs)
        print("(b) the whole command, interpreter start-up included, median of", args.runs)
        p = median(whole["postprod qc subtitles"])
        for name, xs in whole.items():
            print(f"  {name:22s} {median(xs):8.3f} s    (min {min(xs):.3f} s)")
        a = median(whole["python + pysubs2 check"])
        print(f"  ratio postprod / pysubs2 command: {p / a:.2f}; target 0.5 s: {'met' if p <= 0.5 else 'NOT met'}")
        t0 = time.perf_counter()
        run([sys.executable, "-c", "pass"])
        print(f"  (a bare `python -c pass` takes {time.perf_counter() - t0:.3f} s here; {load()})")


if __name__ == "__main__":
    main()
