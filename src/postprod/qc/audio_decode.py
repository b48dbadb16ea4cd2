"""Decoding the sound of delivered media with PyAV: one audio stream into planar float32 chunks.

Any codec and sample format FFmpeg reads (s16/s24/s32/flt/dbl, planar or packed), native sample rate,
channel names from the stream's layout. Files are decoded in chunks, so memory stays flat with duration.
`AudioSource` is what the meter and the detectors read of a decoder: this module's AudioDecoder (one
stream) and audio_programme's ProgrammeDecoder (several tracks as one programme) both are one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import av
import numpy as np
from numpy.typing import NDArray

from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.qc.loudness import default_layout
from postprod.qc.probe import open_media

if TYPE_CHECKING:
    from av.container import InputContainer

Progress = Callable[[float], None]
CHUNK_SAMPLES = 1 << 22  # decoded chunks hold about this many samples (all channels), 16 MiB as float32
_WAV_PACKET_BYTES = 1 << 18
Chunk = NDArray[np.float32]  # planar samples (channels, frames) in [-1, 1]
PackedSample = np.int16 | np.int32 | np.float32
# Packed sample formats converted in NumPy as they are fed: dtype and scale to [-1, 1].
_PACKED: dict[str, tuple[np.dtype[PackedSample], np.float32]] = {
    "s16": (np.dtype("<i2"), np.float32(1.0 / 32768.0)),
    "s32": (np.dtype("<i4"), np.float32(1.0 / 2147483648.0)),
    "flt": (np.dtype("<f4"), np.float32(1.0)),
}
_SCALE = {"u8": 1.0 / 128.0, "s16": 1.0 / 32768.0, "s32": 1.0 / 2147483648.0, "s64": 1.0 / 9223372036854775808.0}

# FFmpeg's names for channel positions, to the trade's (L, R, C, LFE, Ls, Rs ...).
_TRADE_NAMES = {
    "FL": "L", "FR": "R", "FC": "C", "LFE": "LFE", "BL": "Ls", "BR": "Rs", "SL": "Ls", "SR": "Rs",
    "BC": "Cs", "FLC": "Lc", "FRC": "Rc", "LFE2": "LFE2",
}  # fmt: skip
_SEVEN_ONE = {"BL": "Lrs", "BR": "Rrs", "SL": "Lss", "SR": "Rss"}


class AudioSource(Protocol):
    """A decoder of a programme's sound, as the meter, the detectors and the report read it."""

    path: str
    codec: str
    sample_rate: int
    stream_index: int
    frames_read: int

    @property
    def layout(self) -> list[str]: ...

    @property
    def start_seconds(self) -> float: ...

    @property
    def truncated(self) -> bool: ...

    @property
    def stopped_at_seconds(self) -> float | None: ...

    @property
    def warnings(self) -> list[str]: ...

    def chunks(self, progress: Progress | None = None) -> Iterator[Chunk]: ...

    def close(self) -> None: ...

    def __enter__(self) -> AudioSource: ...

    def __exit__(self, *exc: object) -> None: ...


def layout_names(stream: av.AudioStream) -> list[str]:
    """Channel names of an audio stream in the trade's terms (L, R, C, LFE, Ls, Rs, Lrs, Rrs ...)."""
    channels = int(stream.codec_context.channels or 0)
    try:
        names = [ch.name for ch in stream.layout.channels]
    except (AttributeError, ValueError):
        names = []
    if len(names) != channels or not names or any(n in ("", "NONE", "UNK", "USR0") for n in names):
        return default_layout(channels)
    if names == ["FC"]:
        return ["C"]
    table = dict(_TRADE_NAMES)
    if {"BL", "SL"} <= set(names):
        table.update(_SEVEN_ONE)
    trade = [table.get(n, n) for n in names]
    return trade if len(set(trade)) == len(trade) else names


def open_audio(path: str | Path) -> InputContainer:
    options = {"max_size": str(_WAV_PACKET_BYTES)} if _is_wav(Path(path)) else None  # WAV packets: 4 KiB by default
    return open_media(path, options)


def _is_wav(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return len(head) == 12 and head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE"


def _reason(exc: BaseException) -> str:
    strerror = getattr(exc, "strerror", None)
    if strerror:
        return str(strerror)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _wav_declared_seconds(path: Path) -> float | None:
    """Duration a WAV/RF64 header announces (data chunk size), to tell a truncated file; None if unknown."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64", b"BW64") or head[8:12] != b"WAVE":
                return None
            big_data = None
            block_align = rate = 0
            while True:
                hdr = fh.read(8)
                if len(hdr) < 8:
                    return None
                cid, size = hdr[:4], int.from_bytes(hdr[4:], "little")
                if cid == b"ds64":
                    body = fh.read(size)
                    big_data = int.from_bytes(body[8:16], "little")
                elif cid == b"fmt ":
                    body = fh.read(size)
                    rate = int.from_bytes(body[4:8], "little")
                    block_align = int.from_bytes(body[12:14], "little")
                elif cid == b"data":
                    if size == 0xFFFFFFFF and big_data is not None:
                        size = big_data
                    if not block_align or not rate or size in (0, 0xFFFFFFFF):
                        return None
                    return size / block_align / rate
                else:
                    fh.seek(size + (size & 1), 1)
                if cid in (b"ds64", b"fmt ") and size & 1:
                    fh.seek(1, 1)
    except OSError:
        return None


def audio_stream_indices(path: str | Path) -> list[int]:
    """Indices (in the container) of the audio streams of a file."""
    container = open_audio(path)
    try:
        return [s.index for s in container.streams.audio]
    finally:
        container.close()


class AudioDecoder:
    """Decodes one audio stream of a file into planar float32 chunks, noting where decoding stopped.

    Pulled with chunks(), or pushed: feed() each decoded frame (from a demux loop shared with the
    picture), stop() on a decoding error, finish() at the end.
    """

    def __init__(
        self,
        path: str | Path,
        stream_index: int | None = None,
        chunk_frames: int | None = None,
        container: InputContainer | None = None,
        owns_container: bool | None = None,
    ) -> None:
        """With `container` (already open), the decoder closes it only if `owns_container` says so."""
        self.path = str(path)
        self._owns = container is None if owns_container is None else owns_container
        self.container = open_audio(path) if container is None else container
        audio = self.container.streams.audio
        if not audio:
            self.close()
            raise FileFormatError(self.path, "no audio stream")
        if stream_index is None:
            stream = audio[0]
        else:
            found = [s for s in audio if s.index == stream_index]
            if not found:
                self.close()
                have = ", ".join(str(s.index) for s in audio)
                raise FileFormatError(
                    self.path,
                    N_("stream %(stream_index)s is not an audio stream (audio streams: %(have)s)"),
                    params={"stream_index": stream_index, "have": have},
                )
            stream = found[0]
        self.stream = stream
        self.stream_index = int(stream.index)
        self.sample_rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        if self.sample_rate <= 0:
            self.close()
            raise FileFormatError(
                self.path,
                N_("audio stream %(stream_index)s has no sample rate"),
                params={"stream_index": self.stream_index},
            )
        self.layout = layout_names(stream)
        self.codec = stream.codec_context.name
        nch = max(1, len(self.layout))
        self.chunk_frames = int(chunk_frames) if chunk_frames else max(1 << 14, min(1 << 19, CHUNK_SAMPLES // nch))
        if self.chunk_frames < 1:
            self.close()
            raise InvalidInput("chunk size must be at least one frame", field="chunk_frames")
        tb = stream.time_base
        self.start_seconds = float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0
        if stream.duration is not None and tb:
            self.expected_seconds: float | None = float(stream.duration * tb)
        elif self.container.duration:
            self.expected_seconds = self.container.duration / 1_000_000
        else:
            self.expected_seconds = None
        if self.container.format.name in ("wav", "w64", "rf64"):
            self.expected_seconds = _wav_declared_seconds(Path(path)) or self.expected_seconds
        self.frames_read = 0
        self.truncated = False
        self.stopped_at_seconds: float | None = None
        self.warnings: list[str] = []
        self._convert = _Planar(len(self.layout))
        self._buf = np.empty((len(self.layout), self.chunk_frames), dtype=np.float32)
        self._held = 0
        self._pending: list[NDArray[PackedSample]] = []  # packed samples not yet scaled into the buffer
        self._pending_frames = 0
        self._pending_fmt = ""
        self._first = True
        self._finished = False

    def close(self) -> None:
        if self._owns:
            self.container.close()

    def __enter__(self) -> AudioDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chunks(self, progress: Progress | None = None) -> Iterator[Chunk]:
        """Planar float32 chunks (channels, frames), each a new array; stops cleanly at a damaged or truncated point."""
        try:
            for frame in self.container.decode(self.stream):
                for chunk in self.feed(frame):
                    yield chunk
                    if progress is not None and self.expected_seconds:
                        progress(min(1.0, self.frames_read / self.sample_rate / self.expected_seconds))
        except av.FFmpegError as exc:
            self.stop(exc)
        yield from self.finish()
        if progress is not None:
            progress(1.0)

    def feed(self, frame: av.AudioFrame) -> list[Chunk]:
        """One decoded frame in; the chunks it completes out (usually none)."""
        if self._first and frame.pts is not None and frame.time_base:
            self.start_seconds = float(frame.pts * frame.time_base)
        self._first = False
        if not frame.samples or self.stopped_at_seconds is not None:
            return []
        fmt = frame.format.name
        nch = self._buf.shape[0]
        if fmt in _PACKED and len(frame.layout.channels) == nch:
            # Packed PCM (WAV, MOV, MXF): the raw samples are gathered as they come and scaled into the
            # chunk in one NumPy call, instead of FFmpeg's converter and two copies per frame. MOV and
            # MXF carry PCM in packets of ~1,000 samples: per-frame work was most of the sound's time
            # (10 min of stereo in MOV: 28,125 frames, 0.5 s of it).
            if self._pending and self._pending_fmt != fmt:
                out = self._flush_pending()
            else:
                out = []
            self._pending_fmt = fmt
            # memoryview: the plane's own memory, no copy (NumPy's stubs for Python 3.11 name the buffer
            # types they take, and a PyAV plane is none of them)
            raw = np.frombuffer(memoryview(frame.planes[0]), dtype=_PACKED[fmt][0], count=frame.samples * nch)
            self._pending.append(raw)
            self._pending_frames += frame.samples
            if self._held + self._pending_frames >= self.chunk_frames:
                out.extend(self._flush_pending())
            return out
        out = self._flush_pending()
        out.extend(self._take(self._convert(frame)))
        return out

    def _flush_pending(self) -> list[Chunk]:
        """Scale the gathered packed samples into the chunk buffer; the chunks they complete."""
        if not self._pending:
            return []
        nch = self._buf.shape[0]
        raw = self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending)
        self._pending, self._pending_frames = [], 0
        return self._take(raw.reshape(-1, nch).T, _PACKED[self._pending_fmt][1])

    def _take(self, planes: NDArray[np.number], scale: np.float32 | None = None) -> list[Chunk]:
        out = []
        size = self.chunk_frames
        n = planes.shape[1]
        at = 0
        while at < n:
            held = self._held
            take = min(n - at, size - held)
            if scale is None:
                self._buf[:, held : held + take] = planes[:, at : at + take]
            else:
                np.multiply(
                    planes[:, at : at + take],
                    scale,
                    out=self._buf[:, held : held + take],
                    dtype=np.float32,
                    casting="unsafe",
                )
            self._held = held = held + take
            at += take
            if held == size:
                self.frames_read += held
                out.append(self._buf)
                self._buf = np.empty_like(self._buf)
                self._held = 0
        return out

    def stop(self, exc: BaseException) -> None:
        """Decoding failed here: the stream is truncated at what was read so far."""
        if self.stopped_at_seconds is None:
            self.truncated = True
            self.stopped_at_seconds = (self.frames_read + self._held + self._pending_frames) / self.sample_rate
            self.warnings.append(f"decoding stopped at {self.stopped_at_seconds:.3f} s: {_reason(exc)}")

    def finish(self) -> list[Chunk]:
        """The last chunks (what the converter and the buffer still hold); notes a file shorter than announced."""
        if self._finished:
            return []
        self._finished = True
        out = self._flush_pending()
        if self.stopped_at_seconds is None:
            for planes in self._convert.flush():
                out.extend(self._take(planes))
        if self._held:
            self.frames_read += self._held
            out.append(self._buf[:, : self._held])
            self._held = 0
        got = self.frames_read / self.sample_rate
        if not self.truncated and self.expected_seconds and self.expected_seconds - got > max(0.1, 0.001 * got):
            self.truncated = True
            self.stopped_at_seconds = got
            self.warnings.append(
                f"file ends at {got:.3f} s of audio, its header announces {self.expected_seconds:.3f} s (truncated?)"
            )
        return out


class _Planar:
    """Decoded frames as planar float32 arrays (channels, frames): FFmpeg's converter (SIMD), else NumPy."""

    def __init__(self, nch: int) -> None:
        self.nch = nch
        self.resampler: av.AudioResampler | None = None
        self.key: tuple[str, str, int] | None = None
        self.numpy_only = False

    def __call__(self, frame: av.AudioFrame) -> Chunk:
        if frame.format.name == "fltp" and len(frame.planes) == self.nch:
            return self._planes(frame)
        if not self.numpy_only:
            try:
                out = self._resample(frame)
            except (av.FFmpegError, ValueError, TypeError):
                self.numpy_only = True  # an odd layout or format: convert in NumPy from here on
                self.resampler = None
            else:
                return out
        return _to_float(_raw(frame, self.nch), frame.format.name, self.nch)

    def _resample(self, frame: av.AudioFrame) -> Chunk:
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if key != self.key or self.resampler is None:
            self.key = key
            self.resampler = av.AudioResampler(format="fltp", layout=frame.layout, rate=frame.sample_rate)
        frames = self.resampler.resample(frame)
        parts = [self._planes(f) for f in frames]
        if not parts:
            return np.zeros((self.nch, 0), dtype=np.float32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def _planes(self, frame: av.AudioFrame) -> Chunk:
        if frame.format.name != "fltp" or len(frame.planes) != self.nch:
            raise ValueError("converter gave another layout")
        n = frame.samples
        out = np.empty((self.nch, n), dtype=np.float32)
        for c, plane in enumerate(frame.planes):
            out[c] = np.frombuffer(memoryview(plane), dtype=np.float32, count=n)
        return out

    def flush(self) -> list[Chunk]:
        """Samples the converter still holds at the end (none for a plain format change)."""
        if self.resampler is None:
            return []
        try:
            frames = self.resampler.resample(None)
        except (av.FFmpegError, ValueError):
            return []
        return [self._planes(f) for f in frames if f.samples]


def _to_float(raw: NDArray[np.number], fmt: str, nch: int) -> Chunk:
    """Raw decoded samples of one frame as planar float32 (channels, frames) in [-1, 1]."""
    src = raw if fmt.endswith("p") else raw.reshape(-1, nch).T
    base = fmt.rstrip("p")
    if base in ("flt", "dbl"):
        return np.ascontiguousarray(src, dtype=np.float32)
    if base == "u8":
        return ((src.astype(np.float32) - 128.0) * np.float32(_SCALE["u8"])).astype(np.float32)
    if base in _SCALE:
        scaled: Chunk = np.multiply(
            src, np.float32(_SCALE[base]), dtype=np.float32
        )  # NumPy types ufuncs as returning Any
        return scaled
    raise InvalidInput(N_("unsupported audio sample format %(fmt)s"), field="sample_format", params={"fmt": fmt})


def _raw(frame: av.AudioFrame, nch: int) -> NDArray[np.number]:
    raw = frame.to_ndarray()
    return raw[:nch, : frame.samples] if frame.format.is_planar else raw.reshape(-1)[: frame.samples * nch]
