"""The programme's sound when it is spread over several audio streams (tracks).

Broadcast MXF (and many MOV masters) carry one mono stream per channel: tracks 1 and 2 the
stereo mix, then M&E, 5.1 stems or languages. Loudness must be measured over the programme's
channels together (BS.1770 sums the channels' weighted energies), so the tracks that make the
programme are decoded side by side from one demux and stacked into one multichannel stream.

Tracks are numbered from 1 in the order of the file's audio streams, as the trade and delivery
specs count them ("tracks 1-2: stereo mix"). Without a choice, a file whose audio streams are all
mono takes tracks 1 and 2 as L and R and says so; any other file takes its first audio stream.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.qc.audio_decode import CHUNK_SAMPLES, AudioDecoder, AudioSource, Chunk, Progress, open_audio
from postprod.qc.loudness import default_layout

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.packet import Packet
    from av.stream import Stream

MAX_LAG_SECONDS = 120.0  # how far one track may run ahead of another before it is an error


def audio_streams(container: InputContainer) -> list[av.AudioStream]:
    """The file's audio streams, in track order."""
    return list(container.streams.audio)


def parse_tracks(text: str) -> list[int]:
    """'1,2' or '1-6' or '1-2,5' as track numbers (from 1), in that order."""
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise InvalidInput(
                N_("tracks: %(part)r is not a track number or a range like 1-6"), field="tracks", params={"part": part}
            ) from None
        if first < 1 or last < first:
            raise InvalidInput(
                N_("tracks: %(part)r is not a range of tracks from 1"), field="tracks", params={"part": part}
            )
        out.extend(range(first, last + 1))
    if not out:
        raise InvalidInput("tracks: no track given", field="tracks")
    if len(set(out)) != len(out):
        raise InvalidInput(N_("tracks: a track is named twice in %(text)r"), field="tracks", params={"text": text})
    return out


def check_tracks(path: str, tracks: list[int], count: int) -> None:
    """Refuse tracks the file does not have (count: its audio streams)."""
    missing = [t for t in tracks if t > count]
    if missing:
        raise FileFormatError(
            path,
            N_("no audio track %(missing)s: the file has %(count)s audio track(s)"),
            params={"missing": missing[0], "count": count},
        )


def choose_tracks(
    container: InputContainer, path: str, tracks: list[int] | None
) -> tuple[list[av.AudioStream], str | None]:
    """The audio streams that make the programme, and a note when they were chosen by default."""
    streams = audio_streams(container)
    if not streams:
        raise FileFormatError(path, "no audio stream")
    if tracks:
        check_tracks(path, tracks, len(streams))
        return [streams[t - 1] for t in tracks], None
    mono = [s for s in streams if int(s.codec_context.channels or 0) == 1]
    if len(streams) >= 2 and len(mono) == len(streams):
        note = (
            f"{len(streams)} mono audio tracks: tracks 1 and 2 measured as L and R "
            "(choose others with --tracks or the spec's [audio] tracks)"
        )
        return streams[:2], note
    return streams[:1], None


class ProgrammeDecoder:
    """Several audio streams of one file decoded from one demux into one multichannel chunk stream.

    Has the attributes of AudioDecoder that the meter and the report read (sample_rate, layout,
    stream_index, frames_read, truncated, warnings ...); channel_streams maps each programme channel
    back to (stream index, channel in that stream).
    """

    def __init__(
        self,
        path: str | Path,
        streams: list[av.AudioStream],
        chunk_frames: int | None = None,
        container: InputContainer | None = None,
        note: str | None = None,
        owns_container: bool | None = None,
    ) -> None:
        self.path = str(path)
        self._owns = container is None if owns_container is None else owns_container
        self.container = open_audio(path) if container is None else container
        nch = sum(max(1, int(s.codec_context.channels or 0)) for s in streams)
        size = chunk_frames or max(1 << 14, min(1 << 19, CHUNK_SAMPLES // max(1, nch)))
        self.parts = [AudioDecoder(path, s.index, chunk_frames=size, container=self.container) for s in streams]
        rates = sorted({p.sample_rate for p in self.parts})
        if len(rates) > 1:
            self.close()
            raise FileFormatError(
                self.path,
                N_("the programme's tracks have different sample rates (%(rates)s Hz)"),
                params={"rates": ", ".join(map(str, rates))},
            )
        first = self.parts[0]
        self.sample_rate = first.sample_rate
        self.chunk_frames = size
        self.stream_index = first.stream_index
        self.stream_indices = [p.stream_index for p in self.parts]
        self.codec = first.codec
        self.channel_streams = [(p.stream_index, c) for p in self.parts for c in range(len(p.layout))]
        self.layout = first.layout if len(self.parts) == 1 else default_layout(len(self.channel_streams))
        self._by_index = {p.stream_index: i for i, p in enumerate(self.parts)}
        self._queues: list[deque[Chunk]] = [deque() for _ in self.parts]
        self._notes = [note] if note else []
        self.frames_read = 0

    @property
    def streams(self) -> list[av.AudioStream]:
        return [p.stream for p in self.parts]

    @property
    def start_seconds(self) -> float:
        return self.parts[0].start_seconds

    @property
    def truncated(self) -> bool:
        return any(p.truncated for p in self.parts)

    @property
    def stopped_at_seconds(self) -> float | None:
        stops = [p.stopped_at_seconds for p in self.parts if p.stopped_at_seconds is not None]
        return min(stops) if stops else None

    @property
    def expected_seconds(self) -> float | None:
        return self.parts[0].expected_seconds

    @property
    def warnings(self) -> list[str]:
        out = list(self._notes)
        for p in self.parts:
            prefix = f"track stream {p.stream_index}: " if len(self.parts) > 1 else ""
            out.extend(prefix + w for w in p.warnings)
        return out

    def close(self) -> None:
        if self._owns:
            self.container.close()

    def __enter__(self) -> ProgrammeDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wants(self, stream_index: int) -> bool:
        i = self._by_index.get(stream_index)
        return i is not None and self.parts[i].stopped_at_seconds is None

    def decode(self, packet: Packet[Stream]) -> list[Chunk]:
        """Decode one demuxed packet of a track; the programme chunks it completes (a damaged one stops that track)."""
        sidx = packet.stream.index  # not stream_index: 0 on the flush packets a demux ends with
        if not self.wants(sidx):
            return []
        try:
            # packet.decode() would do the same, but PyAV types its result as any stream's frames
            frames = self.parts[self._by_index[sidx]].stream.decode(packet)
        except av.FFmpegError as exc:
            self.stop(exc, sidx)
            return []
        return [chunk for frame in frames for chunk in self.feed(sidx, frame)]

    def feed(self, stream_index: int, frame: av.AudioFrame) -> list[Chunk]:
        """A decoded frame of one of the tracks in; the programme chunks now complete out."""
        i = self._by_index[stream_index]
        self._queues[i].extend(self.parts[i].feed(frame))
        return self._ready()

    def stop(self, exc: BaseException, stream_index: int | None = None) -> None:
        """Decoding failed: in one track (its stream index), or in the container (all tracks)."""
        for p in self.parts:
            if stream_index is None or p.stream_index == stream_index:
                p.stop(exc)

    def _ready(self) -> list[Chunk]:
        out = []
        queues = self._queues
        longest = max(len(q) for q in queues)
        if longest > max(
            2, math.ceil(MAX_LAG_SECONDS * self.sample_rate / self.chunk_frames)
        ):  # one track is far behind the others: memory must not grow with it
            for i, q in enumerate(queues):
                if q:
                    continue
                part = self.parts[i]
                if part.stopped_at_seconds is None:
                    lag = longest * self.chunk_frames / self.sample_rate
                    raise FileFormatError(
                        self.path,
                        N_(
                            "audio stream %(stream_index)s is %(lag)s s behind the programme's other tracks (not interleaved, or empty): measure it alone with --stream"
                        ),
                        params={"stream_index": part.stream_index, "lag": format(lag, ".0f")},
                    )
                # a track whose decoding stopped: silence from there, as its warning says
                q.extend(np.zeros((len(part.layout), self.chunk_frames), np.float32) for _ in range(longest))
        while all(queues):
            parts = [q.popleft() for q in queues]
            chunk = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
            self.frames_read += chunk.shape[1]
            out.append(chunk)
        return out

    def finish(self) -> list[Chunk]:
        """The last chunks; tracks of unequal length are cut to the shortest (with a warning)."""
        for i, p in enumerate(self.parts):
            self._queues[i].extend(p.finish())
        out = self._ready()
        rests = [np.concatenate(list(q), axis=1) if q else None for q in self._queues]
        lengths = [0 if r is None else r.shape[1] for r in rests]
        n = min(lengths)
        if max(lengths) - n > 1:
            self._notes.append(
                f"the programme's tracks end {(max(lengths) - n) / self.sample_rate:.3f} s apart; "
                "measured to the shortest"
            )
        if n:
            out.append(np.concatenate([r[:, :n] for r in rests if r is not None], axis=0))
            self.frames_read += n
        for q in self._queues:
            q.clear()
        return out

    def chunks(self, progress: Progress | None = None) -> Iterator[Chunk]:
        """Programme chunks (channels, frames) from one demux of the tracks; stops cleanly where decoding fails."""
        expected = self.expected_seconds
        try:
            for packet in self.container.demux(*self.streams):
                for chunk in self.decode(packet):
                    yield chunk
                    if progress is not None and expected:
                        progress(min(1.0, self.frames_read / self.sample_rate / expected))
        except av.FFmpegError as exc:
            self.stop(exc)
        yield from self.finish()
        if progress is not None:
            progress(1.0)


def open_programme(
    path: str | Path,
    tracks: list[int] | None = None,
    stream_index: int | None = None,
    chunk_frames: int | None = None,
    container: InputContainer | None = None,
) -> AudioSource:
    """An AudioDecoder for one stream, a ProgrammeDecoder for several (the tracks, or the default choice)."""
    if stream_index is not None:
        if tracks:
            raise InvalidInput("give a stream or tracks, not both", field="tracks")
        return AudioDecoder(path, stream_index, chunk_frames=chunk_frames, container=container)
    own = container is None
    box = open_audio(path) if container is None else container
    try:
        streams, note = choose_tracks(box, str(path), tracks)
    except BaseException:
        if own:
            box.close()
        raise
    try:  # the decoder closes the container when this function opened it
        if len(streams) == 1 and note is None:
            return AudioDecoder(path, int(streams[0].index), chunk_frames, container=box, owns_container=own)
        return ProgrammeDecoder(path, streams, chunk_frames, container=box, note=note, owns_container=own)
    except BaseException:
        if own:
            box.close()
        raise
