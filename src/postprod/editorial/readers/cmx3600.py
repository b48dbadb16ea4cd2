"""postprod's own CMX 3600 EDL reader: fast, exact, and forgiving where OTIO's cmx_3600 reader is not.

Shortfalls of otio-cmx3600-adapter 1.0 (OpenTimelineIO 0.18) fixed here, each covered by a test in
tests/editorial/test_editorial_cmx.py:

1. FCM drop-frame ignored: "FCM: DROP FRAME" with ':' timecodes is read as non-drop, so
   01:00:00:00 at 29.97 becomes frame 108000 instead of 107892. Here FCM sets drop-frame for the
   events that follow it, and ';' marks a drop-frame timecode on its own.
2. "AUD 3" / "AUD 4" extended audio channels are left in the comments and the channels are lost.
   Here they add tracks A3/A4 to the event.
3. A transition at the start of a track is refused ("Transitions can't be at the very beginning of
   a track"). Here a dissolve with no outgoing event is a dissolve from black.
4. "* LOC:" remarks become markers but the VFX shot ID in them is not read, and "*VFX <id>" remarks
   are left as plain comments. Here both give the event its VFX shot IDs, and the Avid
   "Marker Metadata" table at the foot of a list becomes locators too.
5. File32/File128 long names: a source name with spaces makes the event line fail
   ("incorrect number of fields"). Here the event line is read from both ends, so the reel is
   whatever lies between the event number and the channels.
6. M2 speeds: a reverse speed (-024.0) is dropped, and an M2 line with a drop-frame timecode
   crashes the reader. Here the speed (frames per second, exact) is kept, 0 meaning freeze frame.

Duration mismatches, unknown lines and odd remarks are warnings with a line number; a line that
cannot be an event (bad fields, impossible timecode) is a FileFormatError naming the file and line,
or, when lenient, a skipped event listed in Cut.skipped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple

from postprod.editorial.model import VFX_ID_RE, Cut, CutWarning, Event, Locator, vfx_id_at_start
from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.timecode import format_rate, nominal_fps, supports_drop_frame

_TC_RE = re.compile(r"^(\d{1,2})[:;.](\d\d)[:;.](\d\d)([:;.,])(\d\d)$")
_TRANSITION_RE = re.compile(r"^(C|D|W\d{3}|K|KB|KO|B|O)$")
_CHANNEL_RE = re.compile(r"^(V|A|AA|B|NONE|A\d+|V\d+|AA/V|A\d*/V|V/A\d*|V/AA)$", re.IGNORECASE)
_SPEED_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_MARKER_ROW_RE = re.compile(
    r"^\*\s*(\d+)\s+([A-Za-z]+)\s+(\S+)\s+(\d\d:\d\d:\d\d[:;]\d\d)\s+(?:\d\d:\d\d:\d\d[:;]\d\d\s+){0,2}(?:(\S+)\s+)?(.*)$"
)
_AUDIO_CHANNEL_MAP = {"A": ("A1",), "AA": ("A1", "A2"), "B": ("V", "A1"), "NONE": ()}


def channels_to_tracks(code: str) -> tuple[str, ...]:
    """Track names for a CMX channel code: V, A -> A1, AA -> A1+A2, B -> V+A1, AA/V, A2/V ..."""
    tracks: list[str] = []
    for part in code.upper().split("/"):
        for t in _AUDIO_CHANNEL_MAP.get(part, (part,)):
            if t not in tracks:
                tracks.append(t)
    tracks.sort(key=lambda n: (not n.startswith("V"), len(n), n))
    return tuple(tracks)


class _Raw:
    """An event line as read, timecodes still text, before the rate is known."""

    __slots__ = (
        "number",
        "reel",
        "channels",
        "transition",
        "tr_frames",
        "tcs",
        "line",
        "fcm_df",
        "comments",
        "extra",
        "ev",
    )

    def __init__(
        self,
        number: int,
        reel: str,
        channels: str,
        transition: str,
        tr_frames: int,
        tcs: list[str],
        line: int,
        fcm_df: bool,
    ) -> None:
        self.number = number
        self.reel = reel
        self.channels = channels
        self.transition = transition
        self.tr_frames = tr_frames
        self.tcs = tcs
        self.line = line
        self.fcm_df = fcm_df
        self.comments: list[tuple[int, str]] = []
        self.extra: list[str] = []
        self.ev: Event | None = None


class _NotAnEvent(NamedTuple):
    """Why a line that starts with a number is not an event: a message (its template and values)."""

    template: str
    params: dict[str, Any]


def _split_event_line(tokens: list[str]) -> tuple[int, str, str, str, int, list[str]] | _NotAnEvent:
    """Fields of an event line read from both ends, or the reason it is not one (the line is added as `text`)."""
    if len(tokens) < 7:
        return _NotAnEvent(N_("malformed event line (%(n)s fields, expected at least 7): %(text)r"), {"n": len(tokens)})
    if not tokens[0].isdigit():
        return _NotAnEvent(
            N_("malformed event line (event number %(number)r is not a number): %(text)r"), {"number": tokens[0]}
        )
    tcs = tokens[-4:]
    for tc in tcs:
        if not _TC_RE.match(tc):
            return _NotAnEvent(N_("malformed event line (%(tc)r is not a timecode): %(text)r"), {"tc": tc})
    rest = tokens[1:-4]
    tr_frames = 0
    if rest and rest[-1].isdigit():
        tr_frames = int(rest.pop())
    if not rest or not _TRANSITION_RE.match(rest[-1].upper()):
        return _NotAnEvent(N_("malformed event line (no transition code (C, D, Wnnn, K)): %(text)r"), {})
    transition = rest.pop().upper()
    if transition in ("B", "O") and rest and rest[-1].upper() == "K":
        rest.pop()
        transition = "K" + transition
    if len(rest) < 2:
        return _NotAnEvent(N_("malformed event line (no reel and channels before the transition): %(text)r"), {})
    channels = rest.pop()
    if not _CHANNEL_RE.match(channels):
        return _NotAnEvent(N_("malformed event line (unknown channels %(channels)r): %(text)r"), {"channels": channels})
    return int(tokens[0]), " ".join(rest), channels.upper(), transition, tr_frames, tcs


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data[:65536]:
        raise FileFormatError(path, N_("binary data, not a text EDL"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:65536]
    if sample:
        bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f") + sample.count("\ufffd")
        if bad > max(4, len(sample) // 100):
            raise FileFormatError(path, N_("binary data, not a text EDL"))
    return text


def read_edl(
    path: str, rate: Fraction | None = None, *, lenient: bool = False, progress: Callable[[float], None] | None = None
) -> Cut:
    """Read a CMX 3600 EDL file into a Cut."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FileFormatError(path, N_("cannot read: %(reason)s"), params={"reason": exc.strerror or str(exc)}) from exc
    return parse_edl(_decode(data, path), path=path, rate=rate, lenient=lenient, progress=progress)


def _infer_rate(raws: list[_Raw], any_df: bool, warnings: list[CutWarning]) -> tuple[Fraction, str]:
    """The rate an EDL without --rate was cut at: from FCM, else from the largest frame field."""
    max_ff = 0
    for r in raws:
        for tc in r.tcs:
            ff = int(tc[-2:])
            if ff > max_ff:
                max_ff = ff
    if any_df:
        rate = Fraction(60000, 1001) if max_ff >= 30 else Fraction(30000, 1001)
        return rate, "FCM: DROP FRAME"
    if max_ff <= 23:
        warnings.append(
            CutWarning(f"no rate given: assumed 24 fps (frames up to {max_ff} seen); pass --rate to be sure")
        )
        return Fraction(24), "default"
    if max_ff == 24:
        return Fraction(25), f"frames up to {max_ff}"
    if max_ff <= 29:
        warnings.append(
            CutWarning(
                f"no rate given: frames up to {max_ff} read as 29.97 non-drop (30 counts the same); pass --rate to be sure"
            )
        )
        return Fraction(30000, 1001), f"frames up to {max_ff}"
    if max_ff <= 49:
        return Fraction(50), f"frames up to {max_ff}"
    warnings.append(CutWarning(f"no rate given: frames up to {max_ff} read as 59.94 non-drop; pass --rate to be sure"))
    return Fraction(60000, 1001), f"frames up to {max_ff}"


class _Frames:
    """Timecode text to frame numbers at one rate, with a cache (record out = next record in)."""

    def __init__(self, rate: Fraction) -> None:
        self.rate = rate
        self.fps = nominal_fps(rate)
        self.can_df = supports_drop_frame(rate)
        self.drop = 2 * (self.fps // 30)
        self.cache: dict[tuple[str, bool], int] = {}

    def __call__(self, tc: str, df: bool) -> int:
        key = (tc, df)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        m = _TC_RE.match(tc)
        if m is None:
            raise InvalidInput(N_("invalid timecode %(tc)r"), params={"tc": tc})
        h, mi, s, sep, f = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4), int(m.group(5))
        if mi > 59 or s > 59:
            raise InvalidInput(
                N_("impossible timecode %(tc)s: minutes and seconds must be below 60"), params={"tc": tc}
            )
        if f >= self.fps:
            raise InvalidInput(
                N_("impossible timecode %(tc)s at %(rate)s fps: frame %(frame)s is not below %(fps)s"),
                params={"tc": tc, "rate": format_rate(self.rate), "frame": f, "fps": self.fps},
            )
        use_df = (df or sep in ";,") and self.can_df
        minutes = 60 * h + mi
        n = (minutes * 60 + s) * self.fps + f
        if use_df:
            if mi % 10 and s == 0 and f < self.drop:
                raise InvalidInput(
                    N_(
                        "impossible drop-frame timecode %(tc)s: frames :00 to :%(last)02d are dropped in minute %(minute)s"
                    ),
                    params={"tc": tc, "last": self.drop - 1, "minute": mi},
                )
            n -= self.drop * (minutes - minutes // 10)
        self.cache[key] = n
        return n


def parse_edl(
    text: str,
    *,
    path: str = "<edl>",
    rate: Fraction | None = None,
    lenient: bool = False,
    progress: Callable[[float], None] | None = None,
) -> Cut:
    """Parse CMX 3600 EDL text into a Cut; see the module docstring for what it handles."""
    warnings: list[CutWarning] = []
    skipped: list[CutWarning] = []
    raws: list[_Raw] = []
    markers: list[tuple[int, str, str, str]] = []
    title = ""
    fcm_df = False
    header_df: bool | None = None
    any_df = False
    fcm_line = 0
    current: _Raw | None = None
    dropping = False
    lines = text.splitlines()
    total = len(lines) or 1

    def bad(lineno: int, template: str, params: dict[str, Any] | None = None) -> None:
        if not lenient:
            raise FileFormatError(path, template, line=lineno, params=params)
        msg = template % params if params else template
        skipped.append(CutWarning(msg, lineno))
        warnings.append(CutWarning("skipped: " + msg, lineno))

    for idx, raw_line in enumerate(lines):
        s = raw_line.strip()
        if not s:
            continue
        lineno = idx + 1
        if progress is not None and idx % 2000 == 0:
            progress(0.8 * idx / total)
        c0 = s[0]
        if c0.isdigit():
            tokens = s.split()
            fields = _split_event_line(tokens)
            if isinstance(fields, _NotAnEvent):
                bad(lineno, fields.template, {**fields.params, "text": s[:80]})
                current = None
                dropping = True
                continue
            number, reel, channels, transition, tr_frames, tcs = fields
            current = _Raw(number, reel, channels, transition, tr_frames, tcs, lineno, fcm_df)
            raws.append(current)
            dropping = False
            continue
        if c0 == "*":
            if current is None:
                if dropping:
                    continue
                m = _MARKER_ROW_RE.match(s)
                if m:
                    markers.append((lineno, m.group(4), m.group(2), m.group(6).strip()))
                continue
            m = _MARKER_ROW_RE.match(s) if s[1:2] in (" ", "\t") and s[1:].lstrip()[:1].isdigit() else None
            if m:
                markers.append((lineno, m.group(4), m.group(2), m.group(6).strip()))
            else:
                current.comments.append((lineno, s))
            continue
        upper = s[:6].upper()
        if upper.startswith("TITLE"):
            if not title:
                title = s.split(":", 1)[1].strip() if ":" in s else s[5:].strip()
            continue
        if upper.startswith("FCM"):
            mode = s.upper()
            fcm_df = "DROP" in mode and "NON" not in mode
            fcm_line = fcm_line or lineno
            any_df = any_df or fcm_df
            if header_df is None:
                header_df = fcm_df
            continue
        if current is None:
            if not dropping:
                warnings.append(CutWarning(f"unrecognised line before the first event ignored: {s[:60]!r}", lineno))
            continue
        if upper.startswith("M2"):
            current.extra.append(f"M2\t{lineno}\t{s}")
        elif upper.startswith("AUD"):
            current.extra.append(f"AUD\t{lineno}\t{s}")
        elif (
            s.startswith(">>>") or upper.startswith("SPLIT") or upper.startswith("EFFECT") or upper.startswith("SWITCH")
        ):
            current.comments.append((lineno, s))
        else:
            warnings.append(CutWarning(f"unrecognised line kept as a comment: {s[:60]!r}", lineno))
            current.comments.append((lineno, s))

    if rate is None:
        rate, rate_source = _infer_rate(raws, any_df, warnings)
    else:
        rate_source = "given"
    if any_df and not supports_drop_frame(rate):
        template = N_("FCM: DROP FRAME but the rate is %(rate)s: drop-frame exists only at 29.97 and 59.94")
        params = {"rate": format_rate(rate)}
        if not lenient:
            raise FileFormatError(path, template, line=fcm_line, params=params)
        warnings.append(CutWarning(template % params + "; read as non-drop", fcm_line))
    to_frames = _Frames(rate)
    events: list[Event] = []
    no_source: list[Event] = []
    prev: _Raw | None = None
    n_raw = len(raws) or 1
    for i, r in enumerate(raws):
        if progress is not None and i % 2000 == 0:
            progress(0.8 + 0.2 * i / n_raw)
        try:
            si, so, ri, ro = (to_frames(tc, r.fcm_df) for tc in r.tcs)
        except InvalidInput as exc:
            bad(r.line, exc.template, exc.params)
            continue
        if so < si or ro < ri:
            bad(r.line, N_("source out is before source in") if so < si else N_("record out is before record in"))
            continue
        df = (r.fcm_df or ";" in r.tcs[2]) and to_frames.can_df
        ev = Event(
            number=r.number,
            reel=r.reel,
            channels=r.channels,
            source_in=si,
            source_out=so,
            record_in=ri,
            record_out=ro,
            tracks=channels_to_tracks(r.channels),
            transition=r.transition,
            transition_frames=r.tr_frames,
            drop_frame=df,
            line=r.line,
        )
        comments = r.comments
        if r.transition != "C":
            if prev is not None and prev.number == r.number and prev.ev is not None and prev.transition == "C":
                out = prev.ev
                ev.from_reel = out.reel
                ev.from_source_in = out.source_in
                if out.record_duration == 0 and events and events[-1] is out:
                    events.pop()
                    comments = prev.comments + comments
            else:
                ev.from_reel = None  # a transition from black at the start of the track (OTIO refuses it)
        _apply_comments(ev, comments, warnings)
        _apply_extra(ev, r.extra, to_frames, warnings)
        if ev.source_duration == 0 and ev.record_duration > 0 and ev.speed is None:
            no_source.append(ev)
        elif ev.speed is None and ev.source_duration != ev.record_duration and ev.record_duration > 0:
            warnings.append(
                CutWarning(
                    f"event {ev.number}: source duration {ev.source_duration} frames but record duration {ev.record_duration} and no M2 speed",
                    r.line,
                )
            )
        r.ev = ev
        prev = r
        events.append(ev)

    if no_source:
        first = no_source[0]
        warnings.append(
            CutWarning(
                f"{len(no_source)} events have no source range (source in = source out, e.g. event {first.number}): "
                "source and record durations disagree",
                first.line,
            )
        )
    events.sort(key=lambda e: (e.record_in, e.record_out == e.record_in, e.line or 0))
    skipped.sort(key=lambda w: w.line or 0)
    warnings.sort(key=lambda w: w.line or 0)
    cut = Cut(
        events=events,
        rate=rate,
        drop_frame=bool(header_df if header_df is not None else any(e.drop_frame for e in events[:1]))
        and supports_drop_frame(rate),
        title=title,
        path=path,
        format="cmx3600",
        warnings=warnings,
        skipped=skipped,
        rate_source=rate_source,
    )
    _attach_markers(cut, markers, to_frames)
    _check_overlaps(cut)
    if progress is not None:
        progress(1.0)
    return cut


def _apply_comments(ev: Event, comments: list[tuple[int, str]], warnings: list[CutWarning]) -> None:
    """Read the remarks that mean something (clip names, source file, LOC, VFX); keep the rest."""
    for lineno, s in comments:
        body = s.lstrip("*").strip()
        up = body[:16].upper()
        if up.startswith("FROM CLIP NAME"):
            ev.clip_name = body.split(":", 1)[1].strip() if ":" in body else body[14:].strip()
        elif up.startswith("TO CLIP NAME"):
            ev.to_clip_name = body.split(":", 1)[1].strip() if ":" in body else body[12:].strip()
        elif up.startswith("SOURCE FILE") or up.startswith("FROM FILE") or up.startswith("FROM CLIP:"):
            ev.source_file = body.split(":", 1)[1].strip() if ":" in body else ""
        elif up.startswith("LOC:") or up.startswith("LOC "):
            _add_locator(ev, body, lineno, warnings)
        elif up.startswith("VFX") and len(body) > 3 and not body[3].isalnum():
            words = body[3:].split()
            if words and any(ch.isdigit() for ch in words[0]):
                if words[0] not in ev.vfx_ids:
                    ev.vfx_ids.append(words[0])
            else:
                warnings.append(CutWarning(f"event {ev.number}: VFX remark without a shot ID: {s[:60]!r}", lineno))
            ev.comments.append(body)
        else:
            ev.comments.append(body)
    if ev.clip_name:
        m = VFX_ID_RE.match(ev.clip_name)
        if m and m.group(1) not in ev.vfx_ids:
            ev.vfx_ids.append(m.group(1))


def _add_locator(ev: Event, body: str, lineno: int, warnings: list[CutWarning]) -> None:
    rest = body[3:].lstrip(" :\t")
    parts = rest.split(None, 2)
    if not parts or not _TC_RE.match(parts[0]):
        warnings.append(CutWarning(f"event {ev.number}: LOC without a timecode: {body[:60]!r}", lineno))
        ev.comments.append(body)
        return
    colour = parts[1] if len(parts) > 1 else ""
    text = parts[2].strip() if len(parts) > 2 else ""
    # keep the timecode text until the rate is known: stored in the comment slot for _apply_extra
    ev.locators.append(
        Locator(record_frame=-1, colour=colour.upper(), text=text, line=lineno, origin="LOC:" + parts[0])
    )


def _apply_extra(ev: Event, extra: list[str], to_frames: _Frames, warnings: list[CutWarning]) -> None:
    """Apply M2 speeds and AUD channels, and resolve locator timecodes now the rate is known."""
    for loc in ev.locators:
        if loc.origin.startswith("LOC:"):
            tc = loc.origin[4:]
            loc.origin = "LOC"
            try:
                loc.record_frame = to_frames(tc, ev.drop_frame)
            except InvalidInput as exc:
                warnings.append(CutWarning(f"event {ev.number}: locator ignored: {exc}", loc.line))
                loc.record_frame = ev.record_in
            vid = vfx_id_at_start(loc.text)
            if vid and vid not in ev.vfx_ids:
                ev.vfx_ids.append(vid)
            if not ev.record_in <= loc.record_frame <= ev.record_out:
                warnings.append(CutWarning(f"event {ev.number}: locator at {tc} lies outside the event", loc.line))
    for item in extra:
        kind, ln, s = item.split("\t", 2)
        lineno = int(ln)
        tokens = s.split()
        if kind == "AUD":
            for tok in tokens[1:]:
                if tok.isdigit():
                    t = f"A{int(tok)}"
                    if t not in ev.tracks:
                        ev.tracks = (*ev.tracks, t)
                else:
                    warnings.append(CutWarning(f"event {ev.number}: AUD channel {tok!r} is not a number", lineno))
            ev.channels = ev.channels + "+" + "+".join(t for t in tokens[1:] if t.isdigit())
            continue
        # M2 <reel> <speed fps> <source tc>: the reel may hold spaces (File128)
        if len(tokens) < 4 or not _SPEED_RE.match(tokens[-2]) or not _TC_RE.match(tokens[-1]):
            warnings.append(CutWarning(f"event {ev.number}: unreadable M2 line ignored: {s[:60]!r}", lineno))
            continue
        m2_reel = " ".join(tokens[1:-2])
        if ev.from_reel is not None and m2_reel == ev.from_reel and m2_reel != ev.reel:
            ev.comments.append(s)  # the speed of the outgoing side of a dissolve
            continue
        ev.speed = Fraction(tokens[-2])
        ev.comments.append(s)


def _attach_markers(cut: Cut, markers: list[tuple[int, str, str, str]], to_frames: _Frames) -> None:
    """Avid marker-table rows become locators on the video event they fall in, or cut markers."""
    if not markers:
        return
    video = [e for e in cut.events if e.is_video and e.record_duration > 0] or [
        e for e in cut.events if e.record_duration > 0
    ]
    starts = [e.record_in for e in video]
    for lineno, tc, colour, text in markers:
        try:
            frame = to_frames(tc, cut.drop_frame)
        except InvalidInput as exc:
            cut.warnings.append(CutWarning(f"marker ignored: {exc}", lineno))
            continue
        loc = Locator(record_frame=frame, colour=colour.upper(), text=text, line=lineno, origin="marker list")
        i = bisect.bisect_right(starts, frame) - 1
        if i >= 0 and video[i].record_in <= frame < video[i].record_out:
            ev = video[i]
            ev.locators.append(loc)
            vid = vfx_id_at_start(text)
            if vid and vid not in ev.vfx_ids:
                ev.vfx_ids.append(vid)
        else:
            cut.markers.append(loc)


def _check_overlaps(cut: Cut) -> None:
    """Warn where two cuts overlap on one track (a dissolve's overlap is expected)."""
    last_out: dict[str, tuple[int, int]] = {}
    for e in cut.events:
        for t in e.tracks:
            prev = last_out.get(t)
            if prev is not None and e.record_in < prev[0] and e.transition == "C":
                cut.warnings.append(
                    CutWarning(
                        f"event {e.number} overlaps event {prev[1]} on track {t} by {prev[0] - e.record_in} frames",
                        e.line,
                    )
                )
            if prev is None or e.record_out >= prev[0]:
                last_out[t] = (e.record_out, e.number)
