"""The sample production `postprod demo` sets up: a feature film a few weeks into post."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.model import Production
from postprod.services import deliverables, notes, people, productions, tasks
from postprod.services.common import get_task

DEMO_TITLE = "Les Heures Claires"


def create_demo(
    session: Session, *, today: date | None = None, reset: bool = False, plan: bool = True
) -> tuple[Production, bool]:
    """Create the demo production (or return the existing one); True when it was created now."""
    today = today or date.today()
    existing = session.scalars(select(Production).where(Production.title == DEMO_TITLE)).first()
    if existing is not None and not reset:
        return existing, False
    if existing is not None:
        productions.delete_production(session, existing)
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
        description="A feature film in French, dubbed into English and German (sample production).",
        with_crew=True,
    )
    crew = {p.role: p for p in prod.people}
    editor = crew["Editor"].name
    assistant = crew["Assistant editor"].name
    people.add_absence(
        session,
        prod,
        person=crew["Colourist"],
        start=today + timedelta(days=60),
        end=today + timedelta(days=64),
        reason="Festival jury",
    )
    people.add_absence(
        session,
        prod,
        person=crew["Re-recording mixer"],
        start=today + timedelta(days=20),
        end=today + timedelta(days=21),
        reason="Training",
    )
    ingest = tasks.update_task(session, get_task(session, prod, "PIC-INGEST"), assign=[assistant], today=start)
    tasks.update_task(session, ingest, status="in-progress", today=start)
    tasks.update_task(session, ingest, status="done", today=start + timedelta(days=3))
    assembly = tasks.update_task(session, get_task(session, prod, "PIC-ASSEMBLY"), assign=[editor], today=start)
    tasks.update_task(session, assembly, status="in-progress", today=start + timedelta(days=4))
    tasks.update_task(session, assembly, status="in-review", today=start + timedelta(days=22))
    tasks.update_task(session, assembly, status="approved", today=start + timedelta(days=24))
    tasks.update_task(session, assembly, status="done", today=start + timedelta(days=25))
    cut = tasks.update_task(
        session, get_task(session, prod, "PIC-EDITORS-CUT"), assign=[editor, assistant], today=today
    )
    tasks.update_task(session, cut, status="in-progress", progress=40, today=start + timedelta(days=26))
    notes.add_note(session, cut, "Reel 3 runs long: the director wants to try the alternate ending.", "Claire Moreau")
    vfx = get_task(session, prod, "VFX-SPOTTING")
    tasks.update_task(session, vfx, assign=[crew["VFX supervisor"].name], priority=4, today=today)
    notes.add_note(session, vfx, "About 120 VFX shots expected; two vendors bidding.", "Claire Moreau")
    mus = get_task(session, prod, "MUS-CLEARANCE")
    tasks.update_task(session, mus, assign=[crew["Music supervisor"].name], today=today)
    final = prod.delivery_date
    for name, spec in (
        ("Broadcast master (EBU R128)", "ebu-r128"),
        ("Streaming master", "streaming"),
        ("DCP audio", "dcp-audio"),
        ("Music cue sheet", None),
    ):
        deliverables.add_deliverable(session, prod, name=name, spec=spec, due=final.isoformat() if final else None)
    session.flush()
    # A first plan (the fast heuristic) and its baseline, so the schedule, the Gantt and the
    # critical path have something to show from the start.
    if plan:
        # the planning service (and NumPy) only when the demo is planned: the production commands start without it
        from postprod.services import planning as planning_ops

        planning_ops.plan_production(session, prod, time_limit=0, today=today, strict_due=False)
        planning_ops.set_baseline(session, prod)
    session.refresh(prod)
    return prod, True
