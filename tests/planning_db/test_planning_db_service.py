"""Planning a production stored in the database: plans, replans, scenarios, slippage, impossible input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from planning_db_check import check_stored_plan
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postprod.errors import Conflict, CycleError, InfeasibleError, NotFound
from postprod.model import Absence, Dependency, Notification, Person, Plan, PlanKind, PlanTask, Production, Task, User
from postprod.services import planning as ops
from postprod.services import tasks as tasks_svc
from postprod.services import users
from postprod.services.calendars import working_days_between
from postprod.services.common import get_task
from postprod.services.demo import create_demo

TODAY = date(2026, 11, 27)


@pytest.fixture
def demo(session: Session) -> Production:
    prod, _ = create_demo(session, today=TODAY, plan=False)
    return prod


def _rows(session: Session, plan_id: int) -> dict[str, PlanTask]:
    return {r.task_key: r for r in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan_id))}


def test_demo_plan_respects_people_rooms_calendars_and_absences(session: Session, demo: Production) -> None:
    out = ops.plan_production(session, demo, time_limit=0.5, today=TODAY)
    rows = check_stored_plan(session, demo, out["plan_id"], TODAY)
    assert out["tasks"] == len(demo.tasks) == len(rows)
    assert out["end_date"] == max(r.finish for r in rows.values()).isoformat()
    # The critical path ends with the last task, and the end is compared with the delivery date.
    assert out["critical_path"][-1]["key"] == "DLV-DELIVERY"
    assert out["delivery_date"] == demo.delivery_date.isoformat()  # type: ignore[union-attr]
    late = {x["key"] for x in out["late"]}
    assert ("DLV-DELIVERY" in late) == (rows["DLV-DELIVERY"].finish > demo.delivery_date)  # type: ignore[operator]
    # Done and started work sits at its actual dates.
    assert rows["PIC-INGEST"].fixed and rows["PIC-EDITORS-CUT"].fixed
    assert rows["PIC-ASSEMBLY"].finish == get_task(session, demo, "PIC-ASSEMBLY").actual_finish
    # A second run keeps the first as history; the newest is the current plan.
    again = ops.plan_production(session, demo, time_limit=0, today=TODAY)
    assert again["plan_id"] > out["plan_id"]
    assert ops.current_plan(session, demo).id == again["plan_id"]  # type: ignore[union-attr]


def test_replan_after_absence_moves_only_what_must(session: Session, demo: Production) -> None:
    first = ops.plan_production(session, demo, time_limit=0.5, today=TODAY)
    before = _rows(session, first["plan_id"])
    # The colourist grades in the plan: send them away on the grade's first days.
    grade = before["GRD-GRADE"]
    colourist = session.get(Person, grade.person_ids[0])
    assert colourist is not None and "colourist" in colourist.skills
    d1, d2 = grade.start, grade.start + timedelta(days=6)
    out = ops.replan_production(
        session, demo, ops.Incidents(away=[(colourist.name, d1, d2)]), time_limit=1.0, today=TODAY
    )
    after = check_stored_plan(session, demo, out["plan_id"], TODAY)
    assert session.scalars(select(Absence).where(Absence.person_id == colourist.id, Absence.start == d1)).one()
    moved = {m["task"]: m["days"] for m in out["moves"]}
    # The grade could not stay (its only colourist is away): it moved later.
    assert moved.get("GRD-GRADE", 0) > 0
    # Every reported move is a real change, and every change is reported.
    changed = {k for k in before if before[k].start != after[k].start}
    assert changed == set(moved)
    hands = {k for k in before if k not in changed and before[k].person_ids != after[k].person_ids}
    assert {x["task"] for x in out["reassigned"]} >= hands
    # Started and finished work, and everything over before the absence, stayed put.
    for key, row in before.items():
        if row.fixed or row.finish < d1:
            assert (after[key].start, after[key].finish, after[key].person_ids) == (
                row.start,
                row.finish,
                row.person_ids,
            ), key
    assert len(moved) < len(before) // 2
    plan = session.get(Plan, out["plan_id"])
    assert plan is not None and plan.parent_id == first["plan_id"] and colourist.name in plan.incident


def test_scenario_leaves_baseline_and_current_plan_alone(session: Session, demo: Production) -> None:
    ops.plan_production(session, demo, time_limit=0, today=TODAY)
    base = ops.set_baseline(session, demo)
    base_rows = {k: (r.start, r.finish) for k, r in _rows(session, base["id"]).items()}
    planned = {t.key: t.planned_start for t in demo.tasks}
    n_tasks = session.scalar(select(func.count()).select_from(Task).where(Task.production_id == demo.id))
    inc = ops.Incidents(
        slips=[("PIC-DIRECTORS-CUT", 5)],
        added=[ops.parse_new_task("VFX-RESHOOT:4:vfx:skills=vfx-supervisor:after=VFX-PULLS:before=VFX-FINALS")],
    )
    out = ops.replan_production(session, demo, inc, scenario="late cut", time_limit=0.5, today=TODAY)
    assert out["scenario"] == "late cut" and out["added"] == ["VFX-RESHOOT"]
    # Nothing in the production changed: no task added, no planned date moved, baseline rows the same.
    assert session.scalar(select(func.count()).select_from(Task).where(Task.production_id == demo.id)) == n_tasks
    session.expire_all()
    assert {t.key: t.planned_start for t in demo.tasks} == planned
    assert {k: (r.start, r.finish) for k, r in _rows(session, base["id"]).items()} == base_rows
    cmp = ops.compare_plans(session, demo, "late cut")
    assert cmp["added"] == ["VFX-RESHOOT"]
    assert cmp["end_shift_days"] >= 5 - 1  # a five-day slip on the critical path pushes the end
    assert cmp["scenario_end"] == out["end_date"] and cmp["baseline_end"] == base["end_date"]
    assert any(m["task"] == "PIC-LOCK" and m["days"] >= 5 for m in cmp["moves"])
    assert all(isinstance(k, str) and not k.startswith("p") or " " in k for k in cmp["load_change"])
    # A scenario of the same name replaces the old one; the reserved names are refused.
    ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-LOCK", 1)]), scenario="late cut", time_limit=0)
    assert len(session.scalars(select(Plan).where(Plan.kind == PlanKind.SCENARIO)).all()) == 1
    with pytest.raises(Exception, match="reserved"):
        ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-LOCK", 1)]), scenario="baseline")


def test_incidents_are_recorded_in_the_production(session: Session, demo: Production) -> None:
    ops.plan_production(session, demo, time_limit=0, today=TODAY)
    cut = get_task(session, demo, "PIC-EDITORS-CUT")
    estimate = cut.estimate_days
    inc = ops.Incidents(
        slips=[("pic-editors-cut", 3)],
        added=[ops.parse_new_task("MST-TRAILER:2:mastering:room=machine-room:after=GRD-VFX-INSERT:name=Trailer")],
        depend=[("MST-SUBTITLES", "DLV-PAPERWORK", 1)],
    )
    out = ops.replan_production(session, demo, inc, time_limit=0.5, today=TODAY)
    check_stored_plan(session, demo, out["plan_id"], TODAY)
    assert cut.estimate_days == estimate + 3  # a started task that slips lasts longer
    trailer = get_task(session, demo, "MST-TRAILER")
    assert [d.predecessor.key for d in trailer.predecessors] == ["GRD-VFX-INSERT"]
    paper = get_task(session, demo, "DLV-PAPERWORK")
    assert {(d.predecessor.key, d.lag_days) for d in paper.predecessors} >= {("MST-SUBTITLES", 1)}
    assert out["added"] == ["MST-TRAILER"]
    # A dependency that would close a loop names the loop and changes nothing.
    with pytest.raises(CycleError, match="DLV-DELIVERY"):
        ops.replan_production(session, demo, ops.Incidents(depend=[("DLV-DELIVERY", "PIC-LOCK", 0)]), time_limit=0)
    with pytest.raises(Conflict, match="already exists"):
        ops.replan_production(session, demo, ops.Incidents(added=[ops.parse_new_task("PIC-LOCK:1:vfx")]))
    with pytest.raises(NotFound, match="no person"):
        ops.replan_production(session, demo, ops.Incidents(away=[("Nobody", TODAY, TODAY)]))


def test_slippage_from_progress_against_the_baseline(session: Session, demo: Production) -> None:
    ops.plan_production(session, demo, time_limit=0, today=TODAY)
    ops.set_baseline(session, demo)
    base = {r["key"]: r for r in ops.show_plan(session, demo, "baseline")["tasks"]}
    cut = get_task(session, demo, "PIC-EDITORS-CUT")
    # The cut finishes three weeks after its planned finish.
    finish = date.fromisoformat(base["PIC-EDITORS-CUT"]["finish"]) + timedelta(days=21)
    tasks_svc.update_task(session, cut, status="done", today=finish)
    report = ops.slippage_report(session, demo, finish)
    rows = {r["task"]: r for r in report["tasks"]}
    assert rows["PIC-EDITORS-CUT"]["finish"] == finish.isoformat()
    cal = next(c for c in demo.calendars if c.is_default)
    planned = date.fromisoformat(base["PIC-EDITORS-CUT"]["finish"])
    expected = working_days_between(planned + timedelta(days=1), finish, cal.work_days, {h.day for h in cal.holidays})
    assert 10 <= expected <= 15  # three weeks less the holidays in them
    assert rows["PIC-EDITORS-CUT"]["finish_slip"] == expected
    assert not rows["PIC-EDITORS-CUT"]["forecast"]
    # Tasks that should have started by then and have not are reported as forecasts.
    assert rows["PIC-DIRECTORS-CUT"]["forecast"] and rows["PIC-DIRECTORS-CUT"]["start_slip"] > 0
    assert report["worst_finish_slip"] >= expected and report["late"] >= 1
    with pytest.raises(NotFound, match="baseline"):
        other, _ = create_demo(session, today=TODAY, reset=True, plan=False)
        ops.slippage_report(session, other, TODAY)


def test_impossible_input_is_explained_by_task(session: Session, demo: Production) -> None:
    tasks_svc.create_task(session, demo, key="VFX-STEREO", name="Stereo", department="vfx", skills=["stereographer"])
    with pytest.raises(InfeasibleError, match="VFX-STEREO needs stereographer: nobody has it"):
        ops.plan_production(session, demo, time_limit=0, today=TODAY)
    tasks_svc.delete_task(session, get_task(session, demo, "VFX-STEREO"))
    mix = get_task(session, demo, "MIX-FINAL")
    tasks_svc.update_task(session, mix, due=(TODAY + timedelta(days=10)).isoformat())
    with pytest.raises(
        InfeasibleError, match=r"MIX-FINAL is due .* cannot finish before .*chain .*PIC-DIRECTORS-CUT -> .*MIX-FINAL"
    ):
        ops.plan_production(session, demo, time_limit=0, today=TODAY)
    late = ops.plan_production(session, demo, time_limit=0, today=TODAY, strict_due=False)
    assert "MIX-FINAL" in {x["key"] for x in late["late"]}
    tasks_svc.update_task(session, mix, due="")
    # A loop slipped in behind the services' back (an import, a direct edit) is named, not a solver error.
    lock, turnover = get_task(session, demo, "PIC-LOCK"), get_task(session, demo, "PIC-TURNOVER")
    session.add(Dependency(predecessor=turnover, successor=lock, lag_days=0))
    session.flush()
    with pytest.raises(CycleError, match="PIC-LOCK") as err:
        ops.plan_production(session, demo, time_limit=0, today=TODAY)
    assert "PIC-TURNOVER" in str(err.value)


def test_nothing_to_replan_without_a_plan(session: Session, demo: Production) -> None:
    with pytest.raises(NotFound, match="plan run"):
        ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-LOCK", 2)]))
    with pytest.raises(NotFound, match="plan run"):
        ops.set_baseline(session, demo)


def test_old_plan_runs_are_pruned_baseline_and_scenarios_kept(
    session: Session, demo: Production, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postprod.services.planning import store as planning_svc

    monkeypatch.setattr(planning_svc, "KEEP_CURRENT", 3)
    first = ops.plan_production(session, demo, time_limit=0, today=TODAY)
    base = ops.set_baseline(session, demo)
    ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-LOCK", 1)]), scenario="what if", time_limit=0)
    runs = [ops.plan_production(session, demo, time_limit=0, today=TODAY)["plan_id"] for _ in range(4)]
    current = session.scalars(select(Plan.id).where(Plan.kind == PlanKind.CURRENT).order_by(Plan.id)).all()
    assert current == runs[-3:] and first["plan_id"] not in current  # the newest three runs
    kinds = {p.kind for p in session.scalars(select(Plan).where(Plan.production_id == demo.id))}
    assert {PlanKind.BASELINE, PlanKind.SCENARIO} <= kinds
    assert session.get(Plan, base["id"]) is not None and _rows(session, base["id"])
    orphan_rows = session.scalar(select(func.count()).select_from(PlanTask).where(PlanTask.plan_id.not_in(
        select(Plan.id))))  # fmt: skip
    assert orphan_rows == 0  # the pruned runs' rows went with them
    assert ops.compare_plans(session, demo, "what if")["scenario_end"]  # still comparable
    assert ops.show_plan(session, demo)["id"] == runs[-1]


def test_planned_dates_move_a_task_to_a_new_version(session: Session, demo: Production) -> None:
    """A plan that moves a task's dates changes what the task is: its version (the API's ETag) moves on."""
    before = {t.key: (t.version, t.planned_start) for t in demo.tasks}
    ops.plan_production(session, demo, time_limit=0, today=TODAY)
    session.expire_all()
    after = {t.key: (t.version, t.planned_start) for t in demo.tasks}
    moved = [k for k in after if after[k][1] != before[k][1]]
    assert moved
    assert all(after[k][0] == before[k][0] + 1 for k in moved)
    assert all(after[k][0] == before[k][0] for k in after if k not in moved)
    task = get_task(session, demo, moved[0])
    tasks_svc.update_task(session, task, priority=2, expected_version=after[moved[0]][0])  # the new version works
    with pytest.raises(Conflict):
        tasks_svc.update_task(session, task, priority=1, expected_version=before[moved[0]][0])


def test_replan_explains_each_move_and_slippage_shows_the_plan(session: Session, demo: Production) -> None:
    """`--slip PIC-EDITORS-CUT:5`: each move says which chain of tasks or people pushed it, stored with the plan;
    slippage, read from progress, also shows what the current plan already moved."""
    ops.plan_production(session, demo, time_limit=0, today=TODAY)
    ops.set_baseline(session, demo)
    out = ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-EDITORS-CUT", 5)]), time_limit=0, today=TODAY)
    assert out["moves"]
    for m in out["moves"]:
        assert m["why"] and m["chain"][-1]["task"] == m["task"]
        if m["days"] > 0:
            assert m["why"].startswith("PIC-EDITORS-CUT slips +5 working days (the incident)")
    far = max(out["moves"], key=lambda m: m["days"])
    assert far["days"] >= 5 and far["task"] in far["why"].split(" > ")[-1]
    stored = session.get(Plan, out["plan_id"])
    assert stored is not None and [m["why"] for m in stored.moves] == [m["why"] for m in out["moves"]]
    report = ops.slippage_report(session, demo, TODAY)
    plan = report["plan"]
    assert plan is not None and plan["id"] == out["plan_id"] and plan["end_shift_days"] > 0
    late = {t["task"]: t["days"] for t in plan["late"]}
    assert late["PIC-DIRECTORS-CUT"] == 5 and late[far["task"]] >= far["days"] - 1


def test_a_due_date_already_past_does_not_refuse_the_plan(session: Session, demo: Production) -> None:
    """The demo's editor's cut is past its date: no plan can meet it, so the plan goes on and the task stays late."""
    cut = get_task(session, demo, "PIC-EDITORS-CUT")
    assert cut.due_date is not None and cut.due_date < TODAY and cut.status.value == "in-progress"
    out = ops.plan_production(session, demo, time_limit=0, today=TODAY)
    assert out["tasks"] == len(demo.tasks)
    from postprod.services import productions

    assert productions.overview(session, demo, TODAY)["late_tasks"] == ["PIC-EDITORS-CUT"]
    # a date still ahead that cannot be met is refused as before
    tasks_svc.update_task(session, get_task(session, demo, "MIX-FINAL"), due=(TODAY + timedelta(days=10)).isoformat())
    with pytest.raises(InfeasibleError, match="MIX-FINAL is due"):
        ops.plan_production(session, demo, time_limit=0, today=TODAY)


def _moved_by_person(session: Session, demo: Production, before: dict[str, tuple[Any, Any]]) -> dict[str, set[str]]:
    """Person name -> keys of their tasks (named on them, or given them by the plan in force) whose dates moved."""
    session.expire_all()
    plan = ops.current_plan(session, demo)
    assert plan is not None
    people = {p.id: p.name for p in demo.people}
    out: dict[str, set[str]] = {}
    rows = _rows(session, plan.id)
    for t in demo.tasks:
        if (t.planned_start, t.planned_finish) == before[t.key] or before[t.key] == (None, None):
            continue
        ids = set(rows[t.key].person_ids) | {a.person_id for a in t.assignments}
        for i in ids:
            out.setdefault(people[i], set()).add(t.key)
    return out


def _told(session: Session, username: str) -> list[Notification]:
    uid = session.scalars(select(User.id).where(User.username == username)).one()
    return list(session.scalars(select(Notification).where(Notification.user_id == uid).order_by(Notification.id)))


def test_a_replan_tells_each_person_once_of_their_moved_tasks(session: Session, demo: Production) -> None:
    """A new plan in force that moves tasks tells the users of their people once each (one notification listing
    and counting theirs, leading to their work); not the one who replanned, not someone whose tasks stayed."""
    users.create_demo_users(session, demo)  # the editor's person is Julien Bertrand
    for username, person in (("colourist", "Élodie Petit"), ("mixer", "Paul Chevalier"), ("vfx", "Karim Haddad")):
        user = users.create_user(session, username=username, password="a long enough password")
        users.grant(session, user, demo, "technician", person=person)
    dated = {t.key: (t.planned_start, t.planned_finish) for t in demo.tasks}
    ops.plan_production(session, demo, time_limit=0, today=TODAY)
    assert session.scalars(select(Notification)).all() == []  # a first plan dates tasks, it moves none
    session.expire_all()
    before = {t.key: (t.planned_start, t.planned_finish) for t in demo.tasks}
    assert dated != before
    # The mixer replans after the director's cut slips: his own moved tasks are not news to him.
    session.info["actor"] = "mixer"
    ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-DIRECTORS-CUT", 5)]), time_limit=0, today=TODAY)
    moved = _moved_by_person(session, demo, before)
    assert {"PIC-DIRECTORS-CUT", "PIC-LOCK"} <= moved["Julien Bertrand"] and moved["Paul Chevalier"]
    # PIC-LOCK is nobody's by name: the plan gives it to the editor, so he is told of it.
    assert not get_task(session, demo, "PIC-LOCK").assignments
    told_of = [("editor", "Julien Bertrand"), ("colourist", "Élodie Petit")]
    if "Claire Moreau" in moved:  # the supervisor's person: her screening and delivery may move too
        told_of.append(("supervisor", "Claire Moreau"))
    for username, person in told_of:
        told = _told(session, username)
        assert len(told) == 1, (username, told)
        n = told[0]
        assert (n.kind, n.actor, n.item_type, n.production_id) == ("plan_moved", "mixer", "my_work", demo.id)
        assert set(n.label.split(", ")) == moved[person] and n.detail == str(len(moved[person]))
    assert _told(session, "mixer") == []  # the one who replanned
    assert "Karim Haddad" not in moved and _told(session, "vfx") == []  # nothing of his moved
    assert _told(session, "director") == []  # no person of his own
    assert ("Claire Moreau" in moved) == bool(_told(session, "supervisor"))

    # A what-if scenario moves nothing yet; adopting it does, and tells (the mixer too, now someone else adopts).
    session.info["actor"] = "supervisor"
    before = {t.key: (t.planned_start, t.planned_finish) for t in demo.tasks}
    ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-LOCK", 3)]), scenario="late lock", time_limit=0)
    assert len(_told(session, "editor")) == 1
    ops.adopt_scenario(session, demo, "late lock")
    moved = _moved_by_person(session, demo, before)
    assert "PIC-LOCK" in moved["Julien Bertrand"]
    for username, person, times in (("editor", "Julien Bertrand", 2), ("mixer", "Paul Chevalier", 1)):
        told = _told(session, username)
        assert len(told) == times, (username, [(n.actor, n.label) for n in told])
        assert told[-1].actor == "supervisor" and set(told[-1].label.split(", ")) == moved[person]
