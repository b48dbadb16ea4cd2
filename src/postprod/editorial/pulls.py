"""VFX shot list and pull list: each shot's source with handles, record range and comp frame range.

Comp frame convention: frame 1001 is the first frame of the head handle, so the plate runs
1001 .. 1001 + handles + source duration + handles - 1 and the cut starts at 1001 + handles.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from postprod.editorial.edl_writer import write_edl
from postprod.editorial.model import Cut, Event, Locator
from postprod.errors import N_, InvalidInput
from postprod.timecode import frames_to_tc, supports_drop_frame, tc_to_frames

if TYPE_CHECKING:
    import opentimelineio as otio

COMP_START = 1001


@dataclass
class Pull:
    """One VFX shot's pull: what to scan or export from which source, with handles."""

    shot_id: str
    events: list[int]
    reel: str
    clip_name: str | None
    source_file: str | None
    source_in: int
    source_out: int
    record_in: int
    record_out: int
    handles: int
    speed: Fraction | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> int:
        return self.record_out - self.record_in

    @property
    def source_frames(self) -> int:
        return self.source_out - self.source_in

    @property
    def pull_in(self) -> int:
        return self.source_in - self.handles

    @property
    def pull_out(self) -> int:
        return self.source_out + self.handles

    @property
    def comp_in(self) -> int:
        return COMP_START

    @property
    def comp_out(self) -> int:
        return COMP_START + self.pull_out - self.pull_in - 1

    def to_dict(self, rate: Fraction, drop_frame: bool = False) -> dict[str, Any]:
        def tc(n: int) -> str:
            return frames_to_tc(n, rate, drop_frame)

        return {
            "shot_id": self.shot_id,
            "events": self.events,
            "reel": self.reel,
            "clip_name": self.clip_name,
            "source_file": self.source_file,
            "source_in": self.source_in,
            "source_out": self.source_out,
            "source_in_tc": tc(self.source_in),
            "source_out_tc": tc(self.source_out),
            "handles": self.handles,
            "pull_in": self.pull_in,
            "pull_out": self.pull_out,
            "pull_in_tc": tc(self.pull_in),
            "pull_out_tc": tc(self.pull_out),
            "record_in": self.record_in,
            "record_out": self.record_out,
            "record_in_tc": tc(self.record_in),
            "record_out_tc": tc(self.record_out),
            "duration": self.duration,
            "source_frames": self.source_frames,
            "speed_fps": None if self.speed is None else float(self.speed),
            "comp_in": self.comp_in,
            "comp_out": self.comp_out,
            "comp_cut_in": self.comp_in + self.handles,
            "comp_cut_out": self.comp_out - self.handles,
            "notes": self.notes,
        }


@dataclass
class PullList:
    """All the pulls of a cut, in record order, and what could not be pulled cleanly."""

    cut: Cut
    pulls: list[Pull]
    handles: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "handles": self.handles,
            "comp_start": COMP_START,
            "shots": len(self.pulls),
            "pulls": [p.to_dict(self.cut.rate, self.cut.drop_frame) for p in self.pulls],
            "warnings": self.warnings,
        }


def vfx_shots(cut: Cut) -> dict[str, list[Event]]:
    """VFX shot ID -> its events, from *VFX remarks, locators, markers and clip names."""
    shots: dict[str, list[Event]] = {}
    for e in cut.events:
        for v in e.vfx_ids:
            shots.setdefault(v, []).append(e)
    return shots


def pull_list(cut: Cut, *, handles: int = 8) -> PullList:
    """One pull per shot and source reel; events of one shot on one reel are merged into one range."""
    if handles < 0 or handles > 10_000:
        raise InvalidInput(
            N_("handles must be between 0 and 10000, not %(handles)s"), field="handles", params={"handles": handles}
        )
    pulls: list[Pull] = []
    warnings: list[str] = []
    for shot, evs in vfx_shots(cut).items():
        groups: dict[str, list[Event]] = {}
        for e in evs:
            groups.setdefault(e.reel, []).append(e)
        for reel, group in groups.items():
            first = group[0]
            p = Pull(
                shot_id=shot,
                events=[e.number for e in group],
                reel=reel,
                clip_name=first.clip_name,
                source_file=first.source_file,
                source_in=min(e.source_in for e in group),
                source_out=max(e.source_out for e in group),
                record_in=min(e.record_in for e in group),
                record_out=max(e.record_out for e in group),
                handles=handles,
                speed=next((e.speed for e in group if e.speed is not None), None),
            )
            if len(groups) > 1:
                p.notes.append(f"shot on {len(groups)} reels: one pull per reel")
            if p.speed is not None:
                p.notes.append("speed change: " + ("freeze frame" if p.speed == 0 else f"{float(p.speed):g} fps"))
            if p.source_frames <= 0:
                p.notes.append("no source timecode in the cut: pull by record range")
                warnings.append(f"{shot}: no source range in event {first.number}")
            if p.pull_in < 0:
                warnings.append(f"{shot}: head handle reaches before source 00:00:00:00; clipped to 0")
                p.notes.append("head handle clipped")
                p.handles = min(p.handles, p.source_in)
            pulls.append(p)
    pulls.sort(key=lambda p: (p.record_in, p.shot_id))
    return PullList(cut=cut, pulls=pulls, handles=handles, warnings=warnings)


CSV_COLUMNS = [
    "shot_id",
    "events",
    "reel",
    "clip_name",
    "source_file",
    "pull_in_tc",
    "pull_out_tc",
    "source_in_tc",
    "source_out_tc",
    "record_in_tc",
    "record_out_tc",
    "duration",
    "source_frames",
    "handles",
    "speed_fps",
    "comp_in",
    "comp_out",
    "comp_cut_in",
    "comp_cut_out",
    "notes",
]


def pulls_csv(pl: PullList, record_reel: str | None = None) -> str:
    """The pull list as CSV for the VFX vendor and the lab; with `record_reel`, a last column naming the
    reel of the cut the record timecodes belong to (so that the register can place the shots)."""
    buf = io.StringIO()
    columns = [*CSV_COLUMNS, "record_reel"] if record_reel else CSV_COLUMNS
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for p in pl.pulls:
        row = p.to_dict(pl.cut.rate, pl.cut.drop_frame)
        row["events"] = " ".join(str(n) for n in row["events"])
        row["notes"] = "; ".join(row["notes"])
        row["record_reel"] = record_reel
        w.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return buf.getvalue()


def _pull_events(pl: PullList) -> list[Event]:
    """One event per pull, source with handles, laid end to end from 01:00:00:00."""
    rate = pl.cut.rate
    df = pl.cut.drop_frame and supports_drop_frame(rate)
    pos = tc_to_frames("01:00:00:00", rate, df)
    out: list[Event] = []
    for n, p in enumerate(pl.pulls, 1):
        length = p.pull_out - p.pull_in
        out.append(
            Event(
                number=n,
                reel=p.reel,
                channels="V",
                source_in=p.pull_in,
                source_out=p.pull_out,
                record_in=pos,
                record_out=pos + length,
                drop_frame=df,
                clip_name=p.clip_name,
                source_file=p.source_file,
                speed=p.speed,
                locators=[
                    Locator(
                        record_frame=pos + p.handles, colour="WHITE", text=f"VFX {p.shot_id} {p.comp_in}-{p.comp_out}"
                    )
                ],
                vfx_ids=[p.shot_id],
            )
        )
        pos += length
    return out


def pulls_edl(pl: PullList) -> str:
    """A pull EDL: each shot's source range with handles, one after the other."""
    return write_edl(
        _pull_events(pl),
        rate=pl.cut.rate,
        drop_frame=pl.cut.drop_frame,
        title=f"{pl.cut.title or 'CUT'} VFX PULLS",
        header_comments=[f"HANDLES {pl.handles} FRAMES, COMP FRAMES FROM {COMP_START} (FIRST HANDLE FRAME)"],
    )


def pulls_otio(pl: PullList) -> otio.schema.Timeline:
    """The pulls as an OTIO timeline: one clip per shot, source with handles, pull data in metadata."""
    import opentimelineio as otio  # only for this export: the pages and the API reading pulls do without it

    rate = float(pl.cut.rate)
    tl = otio.schema.Timeline(name=f"{pl.cut.title or 'cut'} VFX pulls")
    track = otio.schema.Track(name="V", kind=otio.schema.TrackKind.Video)
    for p in pl.pulls:
        clip = otio.schema.Clip(
            name=p.shot_id,
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(p.pull_in, rate), otio.opentime.RationalTime(p.pull_out - p.pull_in, rate)
            ),
        )
        if p.source_file:
            clip.media_reference = otio.schema.ExternalReference(target_url=p.source_file)
        clip.metadata["cmx_3600"] = {"reel": p.reel}
        clip.metadata["postprod"] = {"vfx_pull": p.to_dict(pl.cut.rate, pl.cut.drop_frame)}
        clip.markers.append(
            otio.schema.Marker(
                name=p.shot_id,
                marked_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(p.source_in, rate), otio.opentime.RationalTime(p.source_frames, rate)
                ),
            )
        )
        track.append(clip)
    tl.tracks.append(track)
    return tl
