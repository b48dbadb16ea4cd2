"""Shared helpers of the QC benchmarks: programme-like media written in chunks, the ffmpeg binary, timing.

Media is generated, never downloaded: WAVs are written chunk by chunk with the wave module (memory stays
small whatever the length), movies are encoded by the ffmpeg binary of the imageio-ffmpeg wheel so the
benchmarks run on a fresh machine. Timings alternate the contenders run by run so both see the same load.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

RATE = 48000
POSTPROD = [sys.executable, "-m", "postprod.cli.main"]


def ffmpeg_exe() -> str:
    """The imageio-ffmpeg wheel's ffmpeg (the anchor), else one on PATH."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise SystemExit("no ffmpeg: pip install imageio-ffmpeg") from None
        return exe


def programme(start: int, n: int, channels: int, seed: int = 7) -> np.ndarray:
    """Programme-like audio (frames, channels) from sample `start`: noise bed, speech-like bursts, tones, slow dynamics."""
    rng = np.random.default_rng([seed, start])
    t = (start + np.arange(n)) / RATE
    syllables = (np.sin(2 * np.pi * 4.0 * t) > 0.2) * (rng.random(n // RATE + 2).repeat(RATE)[:n] > 0.3)
    envelope = 0.3 + 0.7 * np.sin(2 * np.pi * t / 23.0) ** 2
    tones = 0.1 * np.sin(2 * np.pi * 440 * t) * ((t % 10) > 7)
    speech = rng.standard_normal(n) * 0.15 * syllables * np.sin(2 * np.pi * 180 * t)
    out = np.empty((n, channels), dtype=np.float32)
    for c in range(channels):
        bed = rng.standard_normal(n) * 0.02
        out[:, c] = np.clip((bed + (speech if c != 3 else 0.0) + tones * (c % 2)) * envelope, -1, 1)
    return out


def _pcm(x: np.ndarray, bits: int) -> bytes:
    if bits == 16:
        return np.round(x * 32767).astype("<i2").tobytes()
    q = np.round(x.astype(np.float64) * 8388607).astype("<i4")
    return q.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


def write_wav(path: Path, seconds: float, channels: int, bits: int = 24, repeat_seconds: float | None = None) -> Path:
    """A PCM WAV of programme-like audio, written in 10 s chunks; with repeat_seconds, one block written over and over (fast)."""
    total = int(seconds * RATE)
    step = 10 * RATE
    block = None
    if repeat_seconds:
        step = int(repeat_seconds * RATE)
        block = _pcm(programme(0, step, channels), bits)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(bits // 8)
        out.setframerate(RATE)
        for start in range(0, total, step):
            n = min(step, total - start)
            if block is not None:
                out.writeframesraw(block[: n * channels * bits // 8])
            else:
                out.writeframesraw(_pcm(programme(start, n, channels), bits))
    return path


def write_movie(
    path: Path,
    seconds: float,
    *,
    size: str = "1920x1080",
    codec: str = "libx264",
    audio: Path | None = None,
    channels: int = 6,
    rate: int = 25,
) -> Path:
    """A test-pattern movie with black at 10-12 s and PCM audio (the given WAV, else noise), encoded by ffmpeg."""
    exe = ffmpeg_exe()
    video = f"testsrc2=size={size}:rate={rate}:duration={seconds}"
    cmd = [exe, "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", video]
    if audio is not None:
        cmd += ["-i", str(audio)]
    else:
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
        cmd += ["-f", "lavfi", "-i", f"anoisesrc=r={RATE}:a=0.05:d={seconds},aformat=channel_layouts={layout}"]
    cmd += ["-vf", "drawbox=c=black:t=fill:enable='between(t,10,12)'", "-map", "0:v", "-map", "1:a", "-t", str(seconds)]
    if codec == "prores_ks":
        cmd += ["-c:v", "prores_ks", "-profile:v", "2", "-pix_fmt", "yuv422p10le"]
    elif codec == "libx264":
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"]
    else:
        cmd += ["-c:v", codec, "-q:v", "5", "-pix_fmt", "yuv420p"]
    cmd += ["-c:a", "pcm_s24le" if audio is not None else "pcm_s16le", str(path)]
    subprocess.run(cmd, check=True)
    return path


def run(cmd: Sequence[str], ok: Sequence[int] = (0,)) -> tuple[float, int, str, str]:
    """Run a command; wall seconds, exit code, stdout and stderr."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return secs, proc.returncode, proc.stdout, proc.stderr


_PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_rss_kib(cmd: Sequence[str], ok: Sequence[int] = (0, 1)) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one command.

    Measured by a small launcher process: a child forked straight from this (large) process would
    count our own pages, before its exec, in its high-water mark.
    """
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, check=True).stdout
    secs = time.perf_counter() - start
    code, peak = (int(v) for v in out.split())
    if code not in ok:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({code})")
    return secs, peak


def alternate(contenders: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Time each contender `runs` times, interleaved (A B C, A B C ...), so they share the machine's load."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def load() -> str:
    """The 1, 5 and 15 minute load averages and the core count, for the report."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def median(xs: list[float]) -> float:
    return statistics.median(xs)
