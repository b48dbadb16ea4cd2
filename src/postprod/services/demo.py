"""The sample production `postprod demo` sets up: a French feature film a few weeks into post.

Every area has something in it: two cut versions of reel 3 and their change list, the VFX shots
the cut names, ADR, foley and music cues placed in the cut (carried by the recut), a dubbed
version per language, deliverables (QC runs on small generated WAV files when a media folder is
given, one of them failing with findings at timecodes), a late task and notes; approvals waiting
on each role come with the demo accounts (add_demo_approvals).
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.db import acting_as
from postprod.model import CutVersion, Production, User, VfxShot
from postprod.model.editorial import VfxStatus
from postprod.services import deliverables, editorial, notes, people, productions, registers, review, tasks
from postprod.services import demo_content as fr
from postprod.services.common import get_task
from postprod.services.demo_content import DIRECTOR, EDITOR, SUPERVISOR
from postprod.timecode import frames_to_tc, tc_to_frames

DEMO_TITLE = "Les Heures Claires"
DEMO_REEL = "R3"
MEDIA_FOLDER = "postprod-demo-media"
# The demo accounts (users.DEMO_USERS) the demo's writes are told as: the activity reads who did what.


def create_demo(
    session: Session,
    *,
    today: date | None = None,
    reset: bool = False,
    plan: bool = True,
    media: Path | None = None,
) -> tuple[Production, bool]:
    """Create the demo production (or return the existing one); True when it was created now.

    media: a folder under the media roots for the demo's WAV files and their QC runs; without it
    the deliverables have no file and no QC run (the tests' fast path).
    """
    today = today or date.today()
    existing = session.scalars(select(Production).where(Production.title == DEMO_TITLE)).first()
    if existing is not None and not reset:
        return existing, False
    if existing is not None:
        productions.delete_production(session, existing)
    with acting_as(session, SUPERVISOR):
        prod = _populate(session, today=today, plan=plan, media=media)
    session.refresh(prod)
    return prod, True


def _populate(session: Session, *, today: date, plan: bool, media: Path | None) -> Production:
    """The demo's content, written as the supervisor (the picture editor's work as the editor's, the money as
    the production director's)."""
    start = today - timedelta(days=42)
    prod = productions.create_production(
        session,
        title=DEMO_TITLE,
        template="feature-film",
        runtime_minutes=104,
        fps="24",
        languages="fr,en,de",
        deliveries=f"festival={(start + timedelta(days=150)).isoformat()},final={(start + timedelta(days=200)).isoformat()}",
        start=start,
        description="Long métrage en français, doublé en anglais et en allemand (production d'exemple).",
        with_crew=True,
        named=fr.name_fr,  # a French production: its tasks, crew and rooms named in French from the start
    )
    crew = {skill: p for p in reversed(prod.people) for skill in p.skills}  # the first person with each skill
    editor = crew["editor"].name
    assistant = crew["assistant-editor"].name
    people.add_absence(
        session,
        prod,
        person=crew["colourist"],
        start=today + timedelta(days=60),
        end=today + timedelta(days=64),
        reason="Jury de festival",
    )
    people.add_absence(
        session,
        prod,
        person=crew["re-recording-mixer"],
        start=today + timedelta(days=20),
        end=today + timedelta(days=21),
        reason="Formation",
    )
    ingest = tasks.update_task(session, get_task(session, prod, "PIC-INGEST"), assign=[assistant], today=start)
    assembly = tasks.update_task(session, get_task(session, prod, "PIC-ASSEMBLY"), assign=[editor], today=start)
    cut = tasks.update_task(
        session, get_task(session, prod, "PIC-EDITORS-CUT"), assign=[editor, assistant], today=today
    )
    with acting_as(session, EDITOR):
        tasks.update_task(session, ingest, status="in-progress", today=start)
        tasks.update_task(session, ingest, status="done", today=start + timedelta(days=3))
        tasks.update_task(session, assembly, status="in-progress", today=start + timedelta(days=4))
        tasks.update_task(session, assembly, status="in-review", today=start + timedelta(days=22))
    tasks.update_task(session, assembly, status="approved", today=start + timedelta(days=24))  # the supervisor's
    with acting_as(session, EDITOR):
        tasks.update_task(session, assembly, status="done", today=start + timedelta(days=25))
        tasks.update_task(session, cut, status="in-progress", progress=40, today=start + timedelta(days=26))
    vfx = get_task(session, prod, "VFX-SPOTTING")
    tasks.update_task(session, vfx, assign=[crew["vfx-supervisor"].name], priority=4, today=today)
    mus = get_task(session, prod, "MUS-CLEARANCE")
    tasks.update_task(session, mus, assign=[crew["music-supervisor"].name], today=today)
    # the late task: reel 3 runs long, the editor's cut is past its date
    tasks.update_task(session, cut, due=(today - timedelta(days=2)).isoformat(), today=today)
    for key, body in fr.NOTES_FR.items():
        notes.add_note(session, get_task(session, prod, key), body, "Claire Moreau")
    _cuts_and_registers(session, prod)
    final = prod.delivery_date
    for name, spec, language, file_name, kind in fr.DELIVERABLES_FR:
        path = fr.write_media(media, kind, file_name) if media is not None and file_name and kind else None
        d = deliverables.add_deliverable(
            session,
            prod,
            name=name,
            spec=spec,
            due=final.isoformat() if final else None,
            file=str(path) if path else None,
            roots=[media] if media is not None else None,
            language=language,
        )
        if path is not None and spec is not None:
            m = deliverables.measure(str(path), spec, roots=[media])  # type: ignore[list-item]
            deliverables.record_run(session, prod.id, d.id, m, SUPERVISOR)
    session.flush()
    # A first plan (the fast heuristic) and its baseline, so the schedule, the Gantt and the
    # critical path have something to show from the start.
    if plan:
        # the planning service (and NumPy) only when the demo is planned: the production commands start without it
        from postprod.services import planning as planning_ops

        planning_ops.plan_production(session, prod, time_limit=0, today=today, strict_due=False)
        planning_ops.set_baseline(session, prod)
        # A budget drafted from that plan, locked and revised, with its costs to date (the draft needs the plan).
        from postprod.services.demo_budget import add_demo_budget

        with acting_as(session, DIRECTOR):
            add_demo_budget(session, prod, start=start, today=today)
    return prod


def _tc(frame: int) -> str:
    return frames_to_tc(frame, Fraction(24), False)


def _cuts_and_registers(session: Session, prod: Production) -> None:
    """Reel 3 in two versions (the alternate ending), with cues placed between them so the recut carries them."""
    # the editorial engine only here: the production commands start without it
    from postprod.editorial.edl_writer import cut_to_edl
    from postprod.editorial.synth import make_pair

    pair = make_pair(60, Fraction(24), seed=12, trims=2, inserts=1, deletes=1, moves=1, replaces=1, version_bumps=0)
    start = tc_to_frames("01:00:00:00", Fraction(24), False)
    with tempfile.TemporaryDirectory(prefix="postprod-demo-") as tmp:
        v1, v2 = Path(tmp) / "heures_claires_r3_v1.edl", Path(tmp) / "heures_claires_r3_v2.edl"
        v1.write_text(cut_to_edl(pair.old), encoding="ascii")
        v2.write_text(cut_to_edl(pair.new), encoding="ascii")
        with acting_as(session, EDITOR):
            editorial.import_cut(
                session, prod, v1, reel=DEMO_REEL, rate="24", label="version réalisateur 1", actor=EDITOR
            )
        for kind, cues in (("adr", fr.ADR_CUES), ("foley", fr.FOLEY_CUES), ("music", fr.MUSIC_CUES)):
            for number, offset, length, values in cues:
                place = {"reel": DEMO_REEL, "in": _tc(start + offset), "out": _tc(start + offset + length)}
                registers.add_entry(session, prod, registers.get_kind(kind), {"number": number, **place, **values})
        with acting_as(session, EDITOR):
            editorial.import_cut(session, prod, v2, reel=DEMO_REEL, label="fin alternative", actor=EDITOR)
    shots = session.scalars(select(VfxShot).where(VfxShot.production_id == prod.id).order_by(VfxShot.shot_id)).all()
    vendors = ("Mikros", "BUF", "Mac Guff")
    statuses = (VfxStatus.IN_PROGRESS, VfxStatus.CLIENT_REVIEW, VfxStatus.NOT_STARTED, VfxStatus.INTERNAL_REVIEW)
    for i, shot in enumerate(shots):
        shot.vendor = vendors[i % len(vendors)]
        shot.bid_amount = 2500 + 750 * (i % 5)  # type: ignore[assignment]
        shot.status = statuses[i % len(statuses)]
        shot.shot_version = 0 if shot.status == VfxStatus.NOT_STARTED else 1 + i % 4
        shot.description = "Effacement de câbles" if i % 2 else "Ciel remplacé, fenêtre de l'appartement"
    dubbing = registers.get_kind("dubbing")
    steps = {
        "en": {"studio": "Dubbing Brothers", "translation": "done", "detection": "done", "casting": "in-progress"},
        "de": {"studio": "Studio Hamburg Synchron", "translation": "in-progress"},
    }
    for lang in prod.dubbed_languages:
        registers.add_entry(session, prod, dubbing, {"language": lang, **steps.get(lang, {})})


def add_demo_approvals(session: Session, prod: Production) -> int:
    """Approvals waiting on each demo account's role (after create_demo_users); how many were asked."""
    users = {u.username: u for u in session.scalars(select(User))}
    need = ("supervisor", "director", "picturelead", "editor", "client")
    if any(name not in users for name in need):
        return 0
    latest = session.scalars(
        select(CutVersion)
        .where(CutVersion.production_id == prod.id, CutVersion.reel == DEMO_REEL)
        .order_by(CutVersion.number.desc())
    ).first()
    shot = session.scalars(
        select(VfxShot).where(VfxShot.production_id == prod.id, VfxShot.status == VfxStatus.CLIENT_REVIEW)
    ).first()
    asks: list[tuple[str, str | int | None, str, str, str]] = [
        ("deliverable", "DCP son 5.1", "supervisor", "editor", "DCP son prêt pour contrôle : à valider avant envoi."),
        ("vfx_shot", shot.shot_id if shot else None, "director", "supervisor", "Devis du prestataire à valider."),
        ("task", "PIC-EDITORS-CUT", "picturelead", "supervisor", "Version monteur de la bobine 3 : à valider."),
        ("cut_version", latest.id if latest else None, "editor", "picturelead", "Fin alternative : vérifier les raccords."),
        ("deliverable", "Copie de travail", "client", "supervisor", "Copie de travail pour la chaîne."),
    ]  # fmt: skip
    asked = 0
    for target_type, ref, reviewer, requester, message in asks:
        if ref is None:
            continue
        target = review.resolve_target(session, prod, target_type, ref)
        pending = review.list_requests(session, prod, status="pending")
        if any(r.target_type == target.type and r.target_id == target.id for r in pending):
            continue
        with acting_as(session, requester):
            review.request_approval(
                session, prod, target, [users[reviewer]], requested_by=users[requester], message=message
            )
        asked += 1
    return asked
