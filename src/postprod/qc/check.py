"""Check a file against a delivery spec: each clause passes or fails with its measured value and findings."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

from postprod.errors import N_, InvalidInput, PostprodError
from postprod.qc.analyze import Analysis, AudioOptions, analyze
from postprod.qc.clauses import FAIL, NOT_CHECKED, PASS, ClauseResult
from postprod.qc.events import Event, frame_event
from postprod.qc.probe import AudioStreamInfo, ProbeResult, probe
from postprod.qc.spec import Spec
from postprod.qc.video import VideoOptions
from postprod.timecode import format_rate

if TYPE_CHECKING:
    from postprod.editorial.model import Cut
    from postprod.qc.conform import ConformResult

Progress = Callable[[float], None]
T = TypeVar("T")


@dataclass
class CheckResult:
    """The outcome of a QC run against one spec; passes only when every clause passes."""

    path: str
    spec: Spec
    analysis: Analysis
    clauses: list[ClauseResult] = field(default_factory=list)
    conform: ConformResult | None = None

    @property
    def passed(self) -> bool:
        return all(c.status == PASS for c in self.clauses)

    @property
    def status(self) -> str:
        return PASS if self.passed else FAIL

    @property
    def failed(self) -> list[ClauseResult]:
        return [c for c in self.clauses if c.status != PASS]

    def to_dict(self) -> dict[str, Any]:
        a = self.analysis
        loud = a.loudness
        loudness = None
        if loud is not None:
            keys = ("integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs")
            loudness = {k: _num(getattr(loud, k, None)) for k in keys}
            loudness |= {k: _num(getattr(loud, k, None)) for k in ("momentary_max_lufs", "short_term_max_lufs")}
        return {
            "path": self.path,
            "spec": {"name": self.spec.name, "title": self.spec.title, "path": self.spec.path},
            "status": self.status,
            "passed": self.passed,
            "summary": {
                "clauses": len(self.clauses),
                "passed": sum(c.status == PASS for c in self.clauses),
                "failed": sum(c.status == FAIL for c in self.clauses),
                "not_checked": sum(c.status == NOT_CHECKED for c in self.clauses),
            },
            "probe": a.probe.to_dict(),
            "frames": a.video.frames if a.video else None,
            "loudness": loudness,
            "warnings": list(a.warnings),
            "clauses": [c.to_dict() for c in self.clauses],
            "events": [e.to_dict() for e in a.events],
            "conform": None if self.conform is None else self.conform.to_dict(),
        }


def _raw(v: float | None) -> float | None:
    """A finite float, or None for missing, NaN and infinite values."""
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x == x and abs(x) != float("inf") else None


def _num(v: float | None) -> float | None:
    x = _raw(v)
    return None if x is None else round(x, 2)


# FFmpeg's names for the layouts a programme of tracks makes (channels in SMPTE order).
_PROGRAMME_LAYOUTS = {1: "mono", 2: "stereo", 4: "quad", 6: "5.1", 8: "7.1"}


def _match(value: str | None, patterns: list[str]) -> bool:
    if value is None:
        return False
    v = value.lower()
    return any(fnmatch.fnmatchcase(v, p.lower()) for p in patterns)


def _fmt_list(items: Sequence[object]) -> str:
    return " or ".join(format_rate(x) if isinstance(x, Fraction) else str(x) for x in items)


def _seconds(x: float) -> str:
    return f"{x:.2f} s"


def check(
    path: str | os.PathLike[str],
    spec: Spec,
    progress: Progress | None = None,
    *,
    info: ProbeResult | None = None,
    cut: Cut | None = None,
) -> CheckResult:
    """Probe and analyse the file (only what the spec needs), then judge every clause of the spec.

    cut: the cut version the spec's [conform] section names (read by the caller); the shot changes are
    then found in the same decoding pass as the other picture measures.
    """
    if spec.is_timed_text:
        raise InvalidInput(
            N_("spec %(name)r is a timed-text spec: check subtitle files with `postprod qc subtitles`"),
            field="spec",
            params={"name": spec.name},
        )
    info = info or probe(path)
    vopts = VideoOptions()
    lr = spec.section("legal_range")
    vopts.check_range = lr is not None
    if lr:
        vopts.luma_range = lr.get("luma", vopts.luma_range)
        vopts.chroma_range = lr.get("chroma", vopts.chroma_range)
        vopts.range_max_percent = lr.get("max_percent", vopts.range_max_percent)
    vopts.check_bars = spec.section("bars") is not None
    vopts.shots = cut is not None and spec.section("conform") is not None
    fmax = spec.get("freeze", "max_seconds")
    if fmax is not None:
        vopts.freeze_min_seconds = min(vopts.freeze_min_seconds, fmax)
    vopts.freeze_tolerance = spec.get("freeze", "noise", vopts.freeze_tolerance)
    aopts = AudioOptions()
    smax = spec.get("silence", "max_seconds")
    if smax is not None:
        aopts.silence_min_seconds = max(0.1, min(aopts.silence_min_seconds, smax))
    aopts.silence_threshold_db = spec.get("silence", "threshold_db", aopts.silence_threshold_db)
    tracks = spec.get("audio", "tracks")
    missing = bool(tracks) and max(tracks) > len(info.audio)  # judged by the audio.tracks clause
    aopts.tracks = None if missing else tracks
    analysis = analyze(
        path,
        video=spec.needs_video_analysis,
        audio=spec.needs_audio_analysis and not missing,
        video_options=vopts,
        audio_options=aopts,
        info=info,
        progress=progress,
    )
    result = CheckResult(path=str(path), spec=spec, analysis=analysis)
    judge = _Judge(spec, analysis, result.clauses, cut)
    judge.run()
    result.conform = judge.conformed
    return result


class _Judge:
    """Evaluates the spec's sections in order, appending one ClauseResult per clause."""

    def __init__(self, spec: Spec, analysis: Analysis, out: list[ClauseResult], cut: Cut | None = None) -> None:
        self.cut = cut
        self.conformed: ConformResult | None = None
        self.spec = spec
        self.a = analysis
        self.info = analysis.probe
        self.out = out
        self.rate = analysis.timebase.rate

    def add(
        self,
        cid: str,
        title: str,
        ok: bool | None,
        expected: str,
        measured: str,
        *,
        findings: list[Event] | None = None,
        message: str = "",
    ) -> None:
        status = NOT_CHECKED if ok is None else (PASS if ok else FAIL)
        found = [] if findings is None else findings
        self.out.append(ClauseResult(cid, title, status, expected, measured, findings=found, message=message))

    def run(self) -> None:
        self.integrity()
        s = self.spec
        if s.section("container"):
            self.container()
        if s.section("video") is not None or s.section("colour"):
            self.video()
        if s.section("audio") is not None:
            self.audio()
        if s.section("loudness"):
            self.loudness()
        if s.section("timecode"):
            self.timecode()
        if s.section("duration"):
            self.duration()
        if s.section("black"):
            self.black()
        if s.section("freeze"):
            self.longest("freeze", "freeze", "Freeze frames")
        if s.section("silence"):
            self.longest("silence", "silence", "Silence")
        if s.section("clipping") is not None:
            self.clipping()
        if s.section("legal_range") is not None:
            self.legal_range()
        if s.section("bars") is not None:
            self.bars()
        if s.section("conform") is not None:
            self.conform()

    def integrity(self) -> None:
        v = self.a.video
        if v is None:
            return
        expected = self.info.video[0].frames or 0
        if not expected and self.info.duration_seconds:
            expected = round(self.info.duration_seconds * self.rate)
        damaged = [e for e in v.events if e.kind == "unreadable"]  # packets that failed to decode
        findings = list(damaged)
        parts = []
        if damaged:
            frames = sum(e.end_frame - e.start_frame for e in damaged)
            parts.append(f"{frames} unreadable frame(s) in {len(damaged)} place(s), from {damaged[0].start_tc}")
        if v.error:  # the video pass says where decoding stopped, or that the file is shorter than it announces
            parts.append(v.error)
            end = max(v.frames + 1, expected or 0)
            findings.append(
                frame_event(self.a.timebase, "unreadable", v.frames, end, stream=v.stream, detail={"message": v.error})
            )
        if parts:
            msg = "; ".join(parts)
            self.add("file.integrity", "File decodes to the end", False, "every frame decodes", msg, findings=findings)
        else:
            self.add("file.integrity", "File decodes to the end", True, "every frame decodes", f"{v.frames} frames")

    def container(self) -> None:
        allowed = self.spec.get("container", "formats")
        if not allowed:
            return
        names = [self.info.container, *self.info.format_name.split(",")]
        ok = any(_match(n, allowed) for n in names)
        self.add("container", "Container", ok, _fmt_list(allowed), self.info.container)

    def video(self) -> None:
        sec = self.spec.section("video") or {}
        v = self.info.main_video
        if v is None:
            if sec.get("required", True) and self.spec.section("video") is not None:
                self.add("video.present", "Video stream", False, "a video stream", "none")
            return
        if "codecs" in sec:
            self.add("video.codec", "Video codec", _match(v.codec, sec["codecs"]), _fmt_list(sec["codecs"]), v.codec)
        if "profiles" in sec:
            ok = _match(v.profile, sec["profiles"])
            self.add("video.profile", "Video profile", ok, _fmt_list(sec["profiles"]), str(v.profile))
        if "resolutions" in sec:
            ok = v.resolution in sec["resolutions"]
            self.add("video.resolution", "Resolution", ok, _fmt_list(sec["resolutions"]), v.resolution)
        rate_text = format_rate(v.frame_rate) if v.frame_rate else "unknown"
        if "frame_rates" in sec:
            ok = v.frame_rate is not None and v.frame_rate in sec["frame_rates"]
            self.add("video.frame_rate", "Frame rate", ok, _fmt_list(sec["frame_rates"]), rate_text)
        if "modes" in sec:
            modes = sec["modes"]
            ok = any(m["resolution"] == v.resolution and m["frame_rate"] == v.frame_rate for m in modes)
            expected = " or ".join(f"{m['resolution']} at {format_rate(m['frame_rate'])}" for m in modes)
            self.add("video.mode", "Resolution and frame rate", ok, expected, f"{v.resolution} at {rate_text}")
        if "scan" in sec:
            allowed = sec["scan"]
            ok = v.scan in allowed or ("interlaced" in allowed and v.scan.startswith("interlaced"))
            self.add("video.scan", "Scan", ok, _fmt_list(allowed), v.scan)
        if "pixel_formats" in sec:
            ok = _match(v.pixel_format, sec["pixel_formats"])
            self.add("video.pixel_format", "Pixel format", ok, _fmt_list(sec["pixel_formats"]), str(v.pixel_format))
        if "bit_depths" in sec:
            ok = v.bit_depth in sec["bit_depths"]
            self.add("video.bit_depth", "Video bit depth", ok, _fmt_list(sec["bit_depths"]), str(v.bit_depth))
        col = self.spec.section("colour") or {}
        for key, attr, title in (
            ("primaries", v.colour_primaries, "Colour primaries"),
            ("transfer", v.colour_transfer, "Transfer characteristics"),
            ("matrix", v.colour_matrix, "Colour matrix"),
            ("range", v.colour_range, "Colour range"),
        ):
            if key in col:
                measured = attr or "unspecified"
                self.add(f"colour.{key}", title, _match(measured, col[key]), _fmt_list(col[key]), measured)

    def audio(self) -> None:
        sec = self.spec.section("audio") or {}
        streams = self.info.audio
        if not streams:
            if sec.get("required", True):
                self.add("audio.present", "Audio stream", False, "at least one audio stream", "none")
            return
        if "tracks" in sec:
            want = sec["tracks"]
            ok = max(want) <= len(streams)
            self.add("audio.tracks", "Programme tracks", ok, "tracks " + ", ".join(map(str, want)),
                     f"{len(streams)} audio track(s)",
                     message="" if ok else "the programme's tracks are not all in the file: sound not measured")  # fmt: skip
        if "min_streams" in sec:
            ok = len(streams) >= sec["min_streams"]
            self.add("audio.streams", "Audio streams", ok, f"at least {sec['min_streams']}", str(len(streams)))

        def each(  # the spec's list under `key` (its items as the schema types them) against each stream's value
            cid: str, title: str, key: str, value: Callable[[AudioStreamInfo], T], match: Callable[[T, list[Any]], bool]
        ) -> None:
            if key not in sec:
                return
            vals = [value(s) for s in streams]
            bad = [f"stream {s.index}: {v}" for s, v in zip(streams, vals, strict=True) if not match(v, sec[key])]
            measured = ", ".join(str(v) for v in vals)
            self.add(cid, title, not bad, _fmt_list(sec[key]), measured, message="; ".join(bad))

        each("audio.codec", "Audio codec", "codecs", lambda s: s.codec, lambda v, a: _match(v, a))
        each("audio.sample_rate", "Sample rate", "sample_rates", lambda s: s.sample_rate, lambda v, a: v in a)
        each("audio.bit_depth", "Audio bit depth", "bit_depths", lambda s: s.bit_depth, lambda v, a: v in a)
        tracks = sec.get("tracks")
        if tracks and max(tracks) <= len(streams):
            # The programme is spread over tracks: its channels and layout are those of the tracks together
            # (six mono tracks make a 5.1), not of each stream.
            n = sum(streams[t - 1].channels for t in tracks)
            one = streams[tracks[0] - 1]
            layout = one.layout if len(tracks) == 1 and one.layout else _PROGRAMME_LAYOUTS.get(n, f"{n} channels")
            where = f"tracks {', '.join(map(str, tracks))}"
            if "channels" in sec:
                ok = n in sec["channels"]
                self.add("audio.channels", "Channel count", ok, _fmt_list(sec["channels"]), f"{n} ({where})")
            if "layouts" in sec:
                ok = _match(layout, sec["layouts"])
                self.add("audio.layout", "Channel layout", ok, _fmt_list(sec["layouts"]), f"{layout} ({where})")
        else:
            each("audio.channels", "Channel count", "channels", lambda s: s.channels, lambda v, a: v in a)
            each("audio.layout", "Channel layout", "layouts", lambda s: s.layout, lambda v, a: _match(v, a))
        forbidden = sec.get("forbidden")
        if forbidden:
            if self.a.audio is None:
                self.add("audio.faults", "Audio faults", None, "none of " + ", ".join(forbidden), "not measured")
            else:
                found = [e for e in self.a.events if e.kind in forbidden]
                kinds = sorted({e.kind for e in found})
                self.add(
                    "audio.faults",
                    "Audio faults",
                    not found,
                    "none of " + ", ".join(forbidden),
                    ", ".join(kinds) or "none",
                    findings=found,
                )

    def loudness(self) -> None:
        sec = self.spec.section("loudness") or {}
        loud = self.a.loudness
        if loud is None:
            why = "no audio stream" if not self.info.audio else "audio not measured"
            for key in ("target", "max_true_peak", "max_sample_peak", "max_lra", "max_momentary", "max_short_term"):
                if key in sec:
                    missing = False if not self.info.audio else None
                    self.add(f"loudness.{key}", _LOUD_TITLES[key], missing, _loud_expected(sec, key), why)
            return
        if "target" in sec:
            target, tol = sec["target"], sec.get("tolerance", 0.0)
            il = _raw(loud.integrated_lufs)
            ok: bool | None = il is not None and abs(il - target) <= tol + 1e-9
            measured = "no signal above the gate" if il is None else f"{il:.1f} LUFS ({sec['measurement']})"
            self.add("loudness.target", _LOUD_TITLES["target"], ok, _loud_expected(sec, "target"), measured)
        for key, attr, unit in (
            ("max_true_peak", "true_peak_dbtp", "dBTP"),
            ("max_sample_peak", "sample_peak_dbfs", "dBFS"),
            ("max_lra", "loudness_range_lu", "LU"),
            ("max_momentary", "momentary_max_lufs", "LUFS"),
            ("max_short_term", "short_term_max_lufs", "LUFS"),
        ):
            if key in sec:
                val = _raw(getattr(loud, attr, None))
                if val is None:  # a peak of digital silence is -inf; a loudness not measurable is not checked
                    ok = True if key in ("max_true_peak", "max_sample_peak") else None
                    measured = "-inf" if ok else "not measurable"
                else:
                    ok = val <= sec[key] + 1e-9
                    measured = f"{val:.1f} {unit}"
                self.add(f"loudness.{key}", _LOUD_TITLES[key], ok, _loud_expected(sec, key), measured)

    def timecode(self) -> None:
        sec = self.spec.section("timecode") or {}
        tc = self.info.start_timecode
        if "start" in sec:
            want = sec["start"]
            ok = tc is not None and tc.replace(";", ":") == want.replace(";", ":")
            self.add("timecode.start", "Start timecode", ok, want, tc or "none")
        if "drop_frame" in sec:
            df = self.info.drop_frame
            want_df = sec["drop_frame"]
            self.add(
                "timecode.drop_frame",
                "Drop-frame timecode",
                df == want_df,
                "drop-frame" if want_df else "non-drop-frame",
                "drop-frame" if df else "non-drop-frame",
            )

    def duration(self) -> None:
        sec = self.spec.section("duration") or {}
        if self.a.video is not None:
            seconds = float(Fraction(self.a.video.frames) / self.rate)
        else:
            seconds = float(self.info.duration_seconds or 0)
        lo, hi = sec.get("min_seconds"), sec.get("max_seconds")
        ok = (lo is None or seconds >= lo) and (hi is None or seconds <= hi)
        expected = f"{_seconds(lo) if lo is not None else '0 s'} to {_seconds(hi) if hi is not None else 'any'}"
        self.add("duration", "Duration", ok, expected, _seconds(seconds))

    def _needs_video(self, cid: str, title: str, expected: str) -> bool:
        if self.a.video is None:
            self.add(
                cid,
                title,
                None if self.info.video else False,
                expected,
                "no video stream" if not self.info.video else "not measured",
            )
            return False
        return True

    def black(self) -> None:
        sec = self.spec.section("black") or {}
        if not self._needs_video("black", "Black", "per spec"):
            return
        assert self.a.video is not None
        total = self.a.video.frames
        blacks = [e for e in self.a.events if e.kind == "black"]
        head = next((e for e in blacks if e.start_frame == 0), None)
        tail = next((e for e in blacks if e.end_frame >= total), None)
        for which, ev in (("head", head), ("tail", tail)):
            lo, hi = sec.get(f"{which}_min_seconds"), sec.get(f"{which}_max_seconds")
            if lo is None and hi is None:
                continue
            secs = ev.duration_seconds if ev else 0.0
            ok = (lo is None or secs >= lo - 1e-9) and (hi is None or secs <= hi + 1e-9)
            expected = f"{_seconds(lo or 0)} to {_seconds(hi) if hi is not None else 'any'}"
            self.add(
                f"black.{which}",
                f"{which.title()} black",
                ok,
                expected,
                _seconds(secs),
                findings=[ev] if ev and not ok else [],
            )
        if "max_seconds" in sec:
            inner = [e for e in blacks if e is not head and e is not tail]
            bad = [e for e in inner if e.duration_seconds > sec["max_seconds"] + 1e-9]
            longest = max((e.duration_seconds for e in inner), default=0.0)
            self.add(
                "black.longest",
                "Longest black in the programme",
                not bad,
                f"at most {_seconds(sec['max_seconds'])}",
                _seconds(longest),
                findings=bad,
            )

    def longest(self, section: str, kind: str, title: str) -> None:
        limit = self.spec.get(section, "max_seconds")
        if limit is None:
            return
        cid = f"{section}.longest"
        if kind == "silence":
            if self.a.audio is None:
                self.add(
                    cid,
                    f"Longest {title.lower()}",
                    False if not self.info.audio else None,
                    f"at most {_seconds(limit)}",
                    "no audio stream" if not self.info.audio else "not measured",
                )
                return
        elif not self._needs_video(cid, f"Longest {title.lower()}", f"at most {_seconds(limit)}"):
            return
        evs = [e for e in self.a.events if e.kind == kind]
        bad = [e for e in evs if e.duration_seconds > limit + 1e-9]
        longest = max((e.duration_seconds for e in evs), default=0.0)
        self.add(
            cid, f"Longest {title.lower()}", not bad, f"at most {_seconds(limit)}", _seconds(longest), findings=bad
        )

    def clipping(self) -> None:
        if self.spec.get("clipping", "allowed", False):
            return
        if self.a.audio is None:
            self.add(
                "clipping",
                "Clipping",
                False if not self.info.audio else None,
                "no clipped samples",
                "no audio stream" if not self.info.audio else "not measured",
            )
            return
        evs = [e for e in self.a.events if e.kind == "clipping"]
        self.add(
            "clipping",
            "Clipping",
            not evs,
            "no clipped samples",
            f"{len(evs)} clipped runs" if evs else "none",
            findings=evs,
        )

    def legal_range(self) -> None:
        sec = self.spec.section("legal_range") or {}
        pct = sec.get("max_percent", 1.0)
        for kind, key, default, title in (
            ("luma_range", "luma", (16, 235), "Luma"),
            ("chroma_range", "chroma", (16, 240), "Chroma"),
        ):
            lo, hi = sec.get(key, default)
            expected = f"{lo}-{hi} (8-bit codes), at most {pct:g} % of pixels outside"
            cid = f"legal_range.{key}"
            if not self._needs_video(cid, f"{title} legal range", expected):
                continue
            assert self.a.video is not None
            evs = [e for e in self.a.events if e.kind == kind]
            peak = self.a.video.max_luma_out_percent if key == "luma" else self.a.video.max_chroma_out_percent
            self.add(cid, f"{title} legal range", not evs, expected, f"at most {peak:.2f} % outside", findings=evs)

    def bars(self) -> None:
        if self.spec.get("bars", "allowed", True):
            return
        if not self._needs_video("bars", "Letterbox / pillarbox bars", "no bars"):
            return
        evs = [e for e in self.a.events if e.kind in ("letterbox", "pillarbox")]
        self.add(
            "bars",
            "Letterbox / pillarbox bars",
            not evs,
            "no bars",
            f"{len(evs)} runs with bars" if evs else "none",
            findings=evs,
        )

    def conform(self) -> None:
        sec = self.spec.section("conform") or {}
        ref = sec.get("cut", "the cut")
        title, expected = "Master matches the cut", f"every edit of {ref}"
        if self.cut is None:
            self.add("conform", title, None, expected, "cut not available",
                     message="the cut version is read when the deliverable is checked; or run `postprod qc conform`")  # fmt: skip
            return
        if not self._needs_video("conform", title, expected):
            return
        from postprod.qc.conform import ConformOptions, conform_analysis

        opts = ConformOptions()
        opts.max_shift = sec.get("max_shift", opts.max_shift)
        opts.flash_frames = sec.get("flash_frames", opts.flash_frames)
        try:
            res = conform_analysis(self.a, self.cut, opts)
        except PostprodError as exc:
            self.add("conform", title, False, expected, "not comparable", message=str(exc))
            return
        self.conformed = res
        counts = ", ".join(f"{n} {k}" for k, n in res.counts().items() if n)
        self.add(
            "conform",
            title,
            res.passed,
            f"{expected} ({res.edits} edits)",
            f"{res.matched_exact} of {res.edits} edits exact" + (f"; {counts}" if counts else ""),
            findings=res.findings,
        )


_LOUD_TITLES = {
    "target": "Integrated loudness",
    "max_true_peak": "Maximum true peak",
    "max_sample_peak": "Maximum sample peak",
    "max_lra": "Loudness range",
    "max_momentary": "Maximum momentary loudness",
    "max_short_term": "Maximum short-term loudness",
}


def _loud_expected(sec: dict[str, Any], key: str) -> str:
    if key == "target":
        return f"{sec['target']:.1f} ±{sec.get('tolerance', 0.0):g} LUFS ({sec.get('measurement', 'full-programme')})"
    unit = {"max_true_peak": "dBTP", "max_sample_peak": "dBFS", "max_lra": "LU"}.get(key, "LUFS")
    return f"at most {sec[key]:.1f} {unit}"
