"""Task workflow, dependencies, assignment, filters and the audit trail."""

import itertools

import pytest
from sqlalchemy.orm import Session

from postprod.errors import Conflict, CycleError, IllegalTransition, InvalidInput, NotFound
from postprod.model import TRANSITIONS, TaskStatus
from postprod.services import notes, tasks
from postprod.services.common import get_task
from tests.core.factories import make_production


def _force(task, status: TaskStatus) -> None:  # type: ignore[no-untyped-def]
    task.status = status


def test_every_transition_is_allowed_or_refused_as_declared(session: Session) -> None:
    prod = make_production(session)
    task = get_task(session, prod, "PIC-ASSEMBLY")
    for old, new in itertools.product(TaskStatus, TaskStatus):
        if old == new:
            continue
        _force(task, old)
        session.flush()
        if new in TRANSITIONS[old]:
            tasks.update_task(session, task, status=new.value)
            assert task.status == new
        else:
            with pytest.raises(IllegalTransition, match=f"from {old.value} to {new.value}"):
                tasks.update_task(session, task, status=new.value)
            assert task.status == old


def test_done_sets_dates_and_progress(session: Session) -> None:
    prod = make_production(session)
    task = get_task(session, prod, "PIC-INGEST")
    tasks.update_task(session, task, status="in progress")
    assert task.actual_start is not None
    tasks.update_task(session, task, status="done")
    assert task.progress == 100 and task.actual_finish is not None
    with pytest.raises(InvalidInput, match="done"):
        tasks.update_task(session, task, progress=50)


def test_cycle_is_refused_and_named(session: Session) -> None:
    prod = make_production(session)
    ingest, assembly = get_task(session, prod, "PIC-INGEST"), get_task(session, prod, "PIC-ASSEMBLY")
    with pytest.raises(CycleError) as exc:
        tasks.add_dependency(session, ingest, assembly)
    assert exc.value.cycle == ["PIC-INGEST", "PIC-ASSEMBLY", "PIC-INGEST"]
    with pytest.raises(CycleError, match="PIC-INGEST -> .* -> DLV-DELIVERY -> PIC-INGEST"):
        tasks.add_dependency(session, ingest, get_task(session, prod, "DLV-DELIVERY"))
    with pytest.raises(CycleError):
        tasks.add_dependency(session, ingest, ingest)
    assert ingest.predecessors == []


def test_dependency_with_lag_and_duplicates(session: Session) -> None:
    prod = make_production(session)
    grade, subs = get_task(session, prod, "GRD-GRADE"), get_task(session, prod, "MST-SUBTITLES")
    tasks.add_dependency(session, subs, grade, lag_days=2)
    assert [(d.predecessor.key, d.lag_days) for d in subs.predecessors if d.predecessor.key == "GRD-GRADE"] == [
        ("GRD-GRADE", 2)
    ]
    with pytest.raises(Conflict, match="already depends"):
        tasks.add_dependency(session, subs, grade)
    tasks.remove_dependency(session, subs, grade)
    assert "GRD-GRADE" not in {d.predecessor.key for d in subs.predecessors}


def test_assign_and_filter(session: Session) -> None:
    prod = make_production(session)
    editor = next(p for p in prod.people if p.role == "Editor")
    tasks.update_task(session, get_task(session, prod, "PIC-LOCK"), assign=[editor.name])
    mine = tasks.list_tasks(session, prod, assignee=editor.name, limit=None).items
    assert [t.key for t in mine] == ["PIC-LOCK"]
    with pytest.raises(Conflict):
        tasks.update_task(session, get_task(session, prod, "PIC-LOCK"), assign=[editor.name])
    dubbing = tasks.list_tasks(session, prod, department="dubbing", limit=None).items
    assert dubbing and all(t.department.code == "dubbing" for t in dubbing)
    assert tasks.list_tasks(session, prod, status="not-started", limit=None).total == len(prod.tasks)
    assert tasks.list_tasks(session, prod, status="done", limit=None).items == []
    with pytest.raises(NotFound):
        tasks.list_tasks(session, prod, assignee="Nobody")
    with pytest.raises(InvalidInput, match="invalid status"):
        tasks.list_tasks(session, prod, status="finished")


def test_stale_version_is_refused(session: Session) -> None:
    prod = make_production(session)
    task = get_task(session, prod, "PIC-LOCK")
    v = task.version
    tasks.update_task(session, task, progress=10, expected_version=v)
    with pytest.raises(Conflict, match="changed by someone else"):
        tasks.update_task(session, task, progress=20, expected_version=v)
    assert task.progress == 10


def test_audit_trail_records_before_and_after(session: Session) -> None:
    prod = make_production(session)
    task = get_task(session, prod, "PIC-LOCK")
    tasks.update_task(session, task, status="in-progress", progress=30)
    notes.add_note(session, task, "first pass", "ana")
    entries = notes.history(session, prod, task=task)
    latest = entries[0]
    assert latest.action == "update" and latest.actor == "tester"
    assert latest.before == {"status": "not-started", "progress": 0, "actual_start": None}
    assert latest.after["status"] == "in-progress" and latest.after["progress"] == 30
    assert any(e.action == "create" for e in entries)
    assert [n.body for n in notes.list_notes(session, prod, task)] == ["first pass"]


def test_create_task_validation(session: Session) -> None:
    prod = make_production(session)
    t = tasks.create_task(
        session, prod, key="vfx-reshoot", name="Reshoot plates", department="vfx", estimate_days="2.5"
    )
    assert t.key == "VFX-RESHOOT"
    with pytest.raises(Conflict):
        tasks.create_task(session, prod, key="VFX-RESHOOT", name="x", department="vfx")
    with pytest.raises(NotFound, match="department"):
        tasks.create_task(session, prod, key="X1", name="x", department="catering")
    with pytest.raises(InvalidInput, match="estimate"):
        tasks.create_task(session, prod, key="X2", name="x", department="vfx", estimate_days="-1")
    with pytest.raises(InvalidInput, match="key"):
        tasks.create_task(session, prod, key="has space", name="x", department="vfx")
