"""Probe a media file with PyAV: container, duration, start timecode, video and audio stream properties."""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av

from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.qc.events import Timebase
from postprod.timecode import format_rate, parse_rate, supports_drop_frame, tc_to_frames

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.stream import Stream

# FFmpeg enum values (libavutil/pixfmt.h), named as ffprobe names them.
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}  # fmt: skip
_TRANSFER = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100",
             10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10",
             15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}  # fmt: skip
_MATRIX = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
           9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c",
           14: "ictcp"}  # fmt: skip
_RANGE = {1: "tv", 2: "pc"}
_FIELD_ORDER = {1: "progressive", 2: "interlaced-tff", 3: "interlaced-bff", 4: "interlaced-tff", 5: "interlaced-bff"}
_PCM_BITS = re.compile(r"^pcm_[suf](\d+)")
_TC_TEXT = re.compile(r"^\d{1,2}[:;.]\d{2}[:;.]\d{2}[:;.,]\d{2,3}$")


@dataclass
class VideoStreamInfo:
    """One video stream's properties; frame_rate is exact."""

    index: int
    codec: str
    profile: str | None
    width: int
    height: int
    sample_aspect_ratio: Fraction | None
    display_aspect_ratio: Fraction | None
    frame_rate: Fraction | None
    scan: str
    pixel_format: str | None
    bit_depth: int | None
    colour_primaries: str | None
    colour_transfer: str | None
    colour_matrix: str | None
    colour_range: str | None
    frames: int | None
    timecode: str | None = None
    start_seconds: float = 0.0

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("sample_aspect_ratio", "display_aspect_ratio"):
            d[key] = None if d[key] is None else f"{d[key].numerator}:{d[key].denominator}"
        d["frame_rate"] = None if self.frame_rate is None else format_rate(self.frame_rate)
        d["resolution"] = self.resolution
        return d


@dataclass
class AudioStreamInfo:
    """One audio stream's properties."""

    index: int
    codec: str
    sample_rate: int
    bit_depth: int | None
    channels: int
    layout: str
    sample_format: str | None
    start_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProbeResult:
    """What a file is: container, duration, start timecode and its streams."""

    path: str
    container: str
    format_name: str
    duration_seconds: Fraction | None
    start_seconds: Fraction
    start_timecode: str | None
    timecode_source: str | None
    video: list[VideoStreamInfo] = field(default_factory=list)
    audio: list[AudioStreamInfo] = field(default_factory=list)
    other_streams: list[str] = field(default_factory=list)

    @property
    def main_video(self) -> VideoStreamInfo | None:
        return self.video[0] if self.video else None

    @property
    def frame_rate(self) -> Fraction | None:
        v = self.main_video
        return v.frame_rate if v else None

    @property
    def drop_frame(self) -> bool:
        return bool(self.start_timecode and ";" in self.start_timecode)

    def start_frame_number(self) -> int:
        """Frame number of the start timecode (0 when the file has none)."""
        rate = self.frame_rate
        if not self.start_timecode or rate is None:
            return 0
        return tc_to_frames(self.start_timecode, rate, self.drop_frame and supports_drop_frame(rate))

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "container": self.container,
            "format_name": self.format_name,
            "duration_seconds": None if self.duration_seconds is None else round(float(self.duration_seconds), 6),
            "start_seconds": round(float(self.start_seconds), 6),
            "start_timecode": self.start_timecode,
            "drop_frame": self.drop_frame,
            "timecode_source": self.timecode_source,
            "video": [v.to_dict() for v in self.video],
            "audio": [a.to_dict() for a in self.audio],
            "other_streams": list(self.other_streams),
        }


def open_media(path: str | os.PathLike[str], options: dict[str, str] | None = None) -> InputContainer:
    """Open a media file with PyAV, turning every failure into a one-line FileFormatError."""
    p = Path(path)
    if not p.exists():
        raise FileFormatError(str(path), "no such file")
    if p.is_dir():
        raise FileFormatError(str(path), "is a directory, not a media file")
    if p.stat().st_size == 0:
        raise FileFormatError(str(path), "empty file (0 bytes)")
    try:
        return av.open(str(p), metadata_errors="ignore", options=options or {})
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0] or type(exc).__name__
        hint = _quicktime_without_index(p)
        if hint:
            raise FileFormatError(str(path), hint[0], params=hint[1]) from None
        raise FileFormatError(
            str(path), N_("not a readable media file (%(reason)s)"), params={"reason": reason}
        ) from None


_QT_ATOMS = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"meta"}


def _quicktime_without_index(path: Path) -> tuple[str, dict[str, int]] | None:
    """For a QuickTime/MP4 file that FFmpeg cannot open: say so when its index (moov atom) is missing."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            pos = 0
            seen_mdat = False
            while pos + 8 <= size:
                fh.seek(pos)
                head = fh.read(16)
                length, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if kind not in _QT_ATOMS:
                    return None if pos == 0 else _cut(pos, size, seen_mdat)
                if kind == b"moov":
                    return None
                seen_mdat |= kind == b"mdat"
                if length == 1 and len(head) >= 16:
                    length = int.from_bytes(head[8:16], "big")
                elif length == 0:
                    length = size - pos
                if length < 8:
                    return None
                if pos + length > size:
                    return _cut(pos, size, seen_mdat or kind == b"mdat")
                pos += length
            return _cut(pos, size, seen_mdat) if pos else None
    except OSError:
        return None


def _cut(pos: int, size: int, seen_mdat: bool) -> tuple[str, dict[str, int]]:
    """What to say of a QuickTime/MP4 file without its index: a template and its values."""
    if seen_mdat:
        template = N_(
            "QuickTime/MP4 file without its index (moov atom): truncated or still being written? "
            "%(size)s bytes hold its media data but no index, so no frame can be located"
        )
    else:
        template = N_(
            "QuickTime/MP4 file without its index (moov atom): truncated or still being written? "
            "%(size)s bytes hold its first atoms but no index, so no frame can be located"
        )
    return template, {"size": size}


def _fraction(value: Fraction | None) -> Fraction | None:
    if value is None:
        return None
    try:
        f = Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return f if f > 0 else None


def _frame_rate(stream: av.VideoStream) -> Fraction | None:
    """Exact frame rate: average_rate, else guessed_rate, else base_rate; snapped to a standard NTSC fraction."""
    for attr in ("average_rate", "guessed_rate", "base_rate"):
        rate = _fraction(getattr(stream, attr, None))
        if rate is not None and rate <= 1000:
            # Some muxers store 23.976 as 2997/125 or 24000/1001 with rounding; keep exact forms.
            snapped = rate.limit_denominator(1001)
            if abs(snapped - rate) < Fraction(1, 10**6):
                rate = snapped
            return parse_rate(rate)
    return None


def _start(stream: Stream) -> float:
    """A stream's start time in seconds (0 when unknown)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _container_name(container: InputContainer, path: Path) -> str:
    """Short container name: mov and mp4 share a demuxer, so tell them apart by brand."""
    name = container.format.name
    if name.startswith("mov,mp4"):
        brand = str(container.metadata.get("major_brand", "")).strip().lower()
        if brand == "qt":
            return "mov"
        if brand:
            return "mp4"
        return "mov" if path.suffix.lower() == ".mov" else "mp4"
    return name.split(",")[0]


def _bit_depth(pix_fmt: str | None) -> int | None:
    if not pix_fmt:
        return None
    try:
        comps = av.VideoFormat(pix_fmt).components
    except (ValueError, av.FFmpegError):
        return None
    return max(c.bits for c in comps) if comps else None


def _scan(stream: av.VideoStream, container: InputContainer) -> str:
    cc = stream.codec_context
    order = _FIELD_ORDER.get(int(getattr(cc, "field_order", 0) or 0))
    if order:
        return order
    return "unknown"


def _find_timecode(container: InputContainer) -> tuple[str | None, str | None]:
    """Start timecode and where it came from: tmcd/data stream, video stream, then format tags."""
    for s in container.streams:
        tc = s.metadata.get("timecode")
        if tc and s.type not in ("video", "audio") and _TC_TEXT.match(tc.strip()):
            return tc.strip(), f"tmcd stream {s.index}"
    for s in container.streams.video:
        tc = s.metadata.get("timecode")
        if tc and _TC_TEXT.match(tc.strip()):
            return tc.strip(), f"video stream {s.index} tag"
    tc = container.metadata.get("timecode")
    if tc and _TC_TEXT.match(tc.strip()):
        return tc.strip(), "format tag"
    return None, None


_GOP_START = b"\x00\x00\x01\xb8"
_GOP_PACKETS = 16  # video packets read for a GOP header before giving up


def gop_timecode(header: bytes) -> str | None:
    """The time_code of an MPEG-1/2 group-of-pictures header (the 4 bytes after its start code).

    25 bits (ISO/IEC 13818-2 6.2.2.6): drop_frame_flag, hours (5), minutes (6), marker bit,
    seconds (6), pictures (6). None when the fields are out of range.
    """
    if len(header) < 4:
        return None
    bits = int.from_bytes(header[:4], "big") >> 7
    drop, hh, mm, ss, ff = (bits >> 24) & 1, (bits >> 19) & 31, (bits >> 13) & 63, (bits >> 6) & 63, bits & 63
    if hh > 23 or mm > 59 or ss > 59 or ff > 59:
        return None
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop else ':'}{ff:02d}"


def _mpeg_gop_timecode(container: InputContainer) -> tuple[str | None, str | None]:
    """Start timecode from the first GOP header of MPEG-1/2 video (programme streams, TS, VOB, MXF D-10).

    FFmpeg's decoder reads it but PyAV does not expose it; the header is a fixed bit layout, so the
    first packets are searched for it directly (no decoding).
    """
    video = [s for s in container.streams.video if s.codec_context.name in ("mpeg2video", "mpeg1video")]
    if not video:
        return None, None
    stream = video[0]
    try:
        for n, packet in enumerate(container.demux(stream)):
            if n >= _GOP_PACKETS:
                break
            data = bytes(packet)
            at = data.find(_GOP_START)
            if at >= 0:
                tc = gop_timecode(data[at + 4 : at + 8])
                return (tc, f"MPEG GOP header, video stream {stream.index}") if tc else (None, None)
    except (av.FFmpegError, ValueError):
        pass
    finally:
        try:
            container.seek(0)
        except av.FFmpegError:
            pass
    return None, None


def probe(path: str | os.PathLike[str]) -> ProbeResult:
    """Read a file's container, duration, start timecode and stream properties (no decoding)."""
    p = Path(path)
    container = open_media(p)
    try:
        return _probe_open(container, p)
    finally:
        container.close()


def _probe_open(container: InputContainer, p: Path) -> ProbeResult:
    video: list[VideoStreamInfo] = []
    audio: list[AudioStreamInfo] = []
    others: list[str] = []
    for s in container.streams:
        # isinstance, not s.type: the same test (PyAV picks the class by the stream's media type), which
        # also gives each branch its codec context's type
        if isinstance(s, av.VideoStream) and s.codec_context is not None:
            cc = s.codec_context
            if s.disposition and "attached_pic" in str(s.disposition).lower():
                others.append(f"{s.index}:attached_pic")
                continue
            pix = cc.pix_fmt
            sar = _fraction(cc.sample_aspect_ratio)
            dar = _fraction(cc.display_aspect_ratio)
            if dar is None and cc.width and cc.height:
                dar = Fraction(cc.width, cc.height) * (sar or 1)
            video.append(
                VideoStreamInfo(
                    index=s.index,
                    codec=cc.name,
                    profile=cc.profile or None,
                    width=cc.width,
                    height=cc.height,
                    sample_aspect_ratio=sar or Fraction(1),
                    display_aspect_ratio=dar,
                    frame_rate=_frame_rate(s),
                    scan=_scan(s, container),
                    pixel_format=pix,
                    bit_depth=_bit_depth(pix),
                    colour_primaries=_PRIMARIES.get(int(cc.color_primaries or 2)),
                    colour_transfer=_TRANSFER.get(int(cc.color_trc or 2)),
                    colour_matrix=_MATRIX.get(int(cc.colorspace if cc.colorspace is not None else 2)),
                    colour_range=_RANGE.get(int(cc.color_range or 0)),
                    frames=int(s.frames) if s.frames else None,
                    timecode=s.metadata.get("timecode"),
                    start_seconds=_start(s),
                )
            )
        elif isinstance(s, av.AudioStream) and s.codec_context is not None:
            acc = s.codec_context
            m = _PCM_BITS.match(acc.name)
            bits = int(m.group(1)) if m else None
            layout = acc.layout.name if acc.layout is not None else ""
            audio.append(
                AudioStreamInfo(
                    index=s.index,
                    codec=acc.name,
                    sample_rate=int(acc.sample_rate or 0),
                    bit_depth=bits,
                    channels=int(acc.channels or 0),
                    layout=layout,
                    sample_format=acc.format.name if acc.format is not None else None,
                    start_seconds=_start(s),
                )
            )
        else:
            others.append(f"{s.index}:{s.type}")
    if not video and not audio:
        raise FileFormatError(str(p), "no video or audio stream")
    duration = Fraction(container.duration, av.time_base) if container.duration else None
    start = Fraction(container.start_time, av.time_base) if container.start_time else Fraction(0)
    tc, source = _find_timecode(container)
    if tc is None:
        tc, source = _mpeg_gop_timecode(container)
    if tc and video and video[0].frame_rate is not None:
        try:
            rate = video[0].frame_rate
            tc_to_frames(tc, rate, ";" in tc and supports_drop_frame(rate))
        except InvalidInput as exc:
            raise FileFormatError(str(p), N_("start timecode: %(exc)s"), params={"exc": exc}) from None
    return ProbeResult(
        path=str(p),
        container=_container_name(container, p),
        format_name=container.format.name,
        duration_seconds=duration,
        start_seconds=start,
        start_timecode=tc,
        timecode_source=source,
        video=video,
        audio=audio,
        other_streams=others,
    )


def timebase_for(info: ProbeResult) -> Timebase:
    """The Timebase that turns frame indexes of this file into its programme timecode."""
    rate = info.frame_rate or Fraction(25)
    return Timebase(
        rate=rate,
        start_frame=info.start_frame_number(),
        drop_frame=info.drop_frame and supports_drop_frame(rate),
        start_seconds=float(info.start_seconds),
    )
