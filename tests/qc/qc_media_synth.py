"""Small synthetic media for the QC tests: moving picture and tone with black, freeze, silence and clipping at known frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

W, H = 160, 90
SR = 48000


def picture(i: int) -> np.ndarray:
    """A scrolling gradient with a moving square: every frame differs clearly from the previous one."""
    x = (np.arange(W) * 3 + i * 7) % 256
    img = np.empty((H, W, 3), np.uint8)
    img[:] = x[None, :, None].astype(np.uint8) // 2 + 40
    sx = (i * 5) % (W - 20)
    img[30:50, sx : sx + 20] = (220, 200, 60)
    return img


def make_clip(
    path: Path,
    *,
    fmt: str,
    codec: str,
    rate: Fraction,
    timecode: str | None,
    frames: int,
    black: tuple[int, int] | None = None,
    freeze: tuple[int, int] | None = None,
    silence: tuple[int, int] | None = None,
    clipping: tuple[int, int] | None = None,
    audio: bool = True,
    pix_fmt: str = "yuv420p",
    audio_codec: str = "pcm_s16le",
    picture_fn=picture,
    options: dict[str, str] | None = None,
    size: tuple[int, int] = (W, H),
    audio_layout: str = "stereo",
    tone_hz: float = 440.0,
    tone_amp: float = 0.1,
    container_options: dict[str, str] | None = None,
    gop_size: int | None = None,
) -> Path:
    """Write a clip; the spans are [start, end) video frames."""
    out = av.open(str(path), "w", format=fmt, options=container_options or {})
    if timecode:
        out.metadata["timecode"] = timecode
    v = out.add_stream(codec, rate=rate)
    v.width, v.height, v.pix_fmt = size[0], size[1], pix_fmt
    if timecode:
        v.metadata["timecode"] = timecode
    if codec == "libx264":
        v.options = {"preset": "ultrafast", "crf": "18"}
    if options:
        v.options = {**v.options, **options}
    if codec == "mpeg2video":
        v.bit_rate = 20_000_000  # intra at a master's bitrate (like IMX): a repeated picture decodes the same
        v.gop_size = gop_size or 1
        if gop_size:  # long GOP, as XDCAM HD: B-frames, decode order differs from presentation order
            v.codec_context.max_b_frames = 2
    a = None
    if audio:
        a = out.add_stream(audio_codec, rate=SR)
        a.layout = audio_layout
    for i in range(frames):
        src = i
        if freeze and freeze[0] <= i < freeze[1]:
            src = freeze[0]
        img = picture_fn(src)
        if img.shape[:2] != (size[1], size[0]):
            img = np.ascontiguousarray(np.resize(img, (size[1], size[0], 3)))
        if black and black[0] <= i < black[1]:
            img = np.zeros_like(img)
        vf = av.VideoFrame.from_ndarray(img, format="rgb24")
        vf.pts = i
        vf.time_base = 1 / rate
        for p in v.encode(vf):
            out.mux(p)
    for p in v.encode():
        out.mux(p)
    if a is not None:
        n = int(frames * SR / rate)
        t = np.arange(n) / SR
        sig = tone_amp * np.sin(2 * np.pi * tone_hz * t)

        def span(fr: tuple[int, int]) -> slice:
            return slice(int(round(fr[0] * SR / rate)), int(round(fr[1] * SR / rate)))

        if silence:
            sig[span(silence)] = 0.0
        if clipping:
            s = span(clipping)
            sig[s] = np.clip(3.0 * np.sin(2 * np.pi * 440 * t[s]), -1.0, 1.0)
        pcm = np.round(np.clip(sig, -1, 1) * 32767).astype(np.int16)
        pcm[sig >= 1.0] = 32767
        pcm[sig <= -1.0] = -32768
        nch = av.AudioLayout(audio_layout).nb_channels
        inter = np.repeat(pcm[:, None], nch, axis=1).reshape(1, -1)
        step = 4800
        for k in range(0, n, step):
            chunk = np.ascontiguousarray(inter[:, nch * k : nch * min(n, k + step)])
            af = av.AudioFrame.from_ndarray(chunk, format="s16", layout=audio_layout)
            af.sample_rate = SR
            af.pts = k
            for p in a.encode(af):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    out.close()
    return path
