"""The weekly report pack: what the production director reads each week, assembled from what exists.

`assemble` gathers the sections from the services that own them (the cost report and its
snapshots, the plans, the approvals, the deliverables and their QC, the cut versions); nothing
is recomputed here. `issue` freezes a report: its data and its PDF are stored, so an old report
reads the same after the data changes, and issuing the same week again makes a revision.
Money leaves only through the money gate (`services.money`): `for_reader` drops the money
sections for a reader without the budget right.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, NotFound
from postprod.model import (
    ApprovalRequest,
    ApprovalStatus,
    CutVersion,
    Department,
    EtcOverride,
    Plan,
    PlanKind,
    PlanTask,
    Production,
    Task,
    WeeklyReport,
    WeeklyReportContent,
)
from postprod.services import costs, dashboard, money, review
from postprod.services.recut_cost import recut_costs
from postprod.services.users import Grant

# The sections, in the report's order; every one is present even when it has nothing to say.
SECTIONS = (
    "status",
    "milestones",
    "schedule",
    "cost",
    "variances",
    "risks",
    "approvals",
    "deliverables",
    "next_weeks",
    "paragraph",
)
# The sections that carry money: they leave only to readers with the budget right.
MONEY_SECTIONS = ("cost", "variances")
# Words that make a task one of the milestones (picture lock, turnovers, VFX finals, grade, mix, QC).
MILESTONE_WORDS = ("lock", "turnover", "final", "grade", "grading", "étalonnage", "mix", "mixage", "qc", "deliver")
MILESTONE = re.compile("|".join(MILESTONE_WORDS), re.IGNORECASE)


def parse_week(text: str | None, today: date | None = None) -> str:
    """An ISO week ("2027-W05"); none given: the week of today. A bad one is refused naming the field."""
    if not text:
        y, w, _ = (today or date.today()).isocalendar()
        return f"{y}-W{w:02d}"
    try:
        year, _, num = text.strip().upper().partition("-W")
        monday = date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        raise InvalidInput(
            N_("invalid week %(text)r: an ISO week such as 2027-W05"), field="week", params={"text": text}
        ) from None
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """The Monday and the Sunday of an ISO week."""
    year, _, num = week.partition("-W")
    monday = date.fromisocalendar(int(year), int(num), 1)
    return monday, monday + timedelta(days=6)


def _latest(session: Session, prod: Production, kind: PlanKind) -> Plan | None:
    return session.scalar(
        select(Plan).where(Plan.production_id == prod.id, Plan.kind == kind).order_by(Plan.id.desc()).limit(1)
    )


def _plan_dates(session: Session, plan: Plan | None) -> dict[str, tuple[date, date, bool]]:
    if plan is None:
        return {}
    rows = session.execute(
        select(PlanTask.task_key, PlanTask.start, PlanTask.finish, PlanTask.critical).where(PlanTask.plan_id == plan.id)
    )
    return {k: (s, f, c) for k, s, f, c in rows}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _cost(session: Session, prod: Production, as_of: date) -> dict[str, Any]:
    """The cost summary, the EFC trend (frozen snapshots) and the contingency left; none without a budget."""
    from postprod.services import budget  # the budget's versions, for the contingency lines

    try:
        view = costs.report_view(session, prod, as_of)
    except NotFound:
        return {"available": False}
    versions = budget.versions(session, prod)
    contingency_accounts = {
        pl.account
        for pl in (versions[-1].percent_lines if versions else [])
        if any(w in pl.name.lower() for w in ("contingen", "imprévu", "imprevu"))
    }
    left = sum((Decimal(a["variance"]) for a in view["accounts"] if a["code"] in contingency_accounts), Decimal("0.00"))
    notes = dict(
        session.execute(select(EtcOverride.account, EtcOverride.note).where(EtcOverride.production_id == prod.id)).all()
    )
    largest = sorted(view["accounts"], key=lambda a: (-abs(Decimal(a["variance"])), a["code"]))[:10]
    trend = [
        {"as_of": s.as_of.isoformat(), "efc": s.report["totals"]["efc"], "budget": s.report["totals"]["current_budget"]}
        for s in costs.snapshots(session, prod)
        if s.as_of <= as_of
    ]
    return {
        "available": True,
        "currency": view["currency"],
        "as_of": view["as_of"],
        "totals": dict(view["totals"]),
        "contingency_left": f"{left:.2f}",
        "trend": trend,
        "variances": [
            {"code": a["code"], "name": a["name"], "variance": a["variance"], "note": notes.get(a["code"], "")}
            for a in largest
            if Decimal(a["variance"]) != 0
        ],
    }


def _unapproved_cuts(session: Session, prod: Production) -> list[dict[str, Any]]:
    approved = set(
        session.scalars(
            select(ApprovalRequest.target_id).where(
                ApprovalRequest.production_id == prod.id,
                ApprovalRequest.target_type == "cut_version",
                ApprovalRequest.status == ApprovalStatus.APPROVED,
            )
        )
    )
    waiting = [
        cv
        for cv in session.scalars(
            select(CutVersion)
            .where(CutVersion.production_id == prod.id, CutVersion.previous_id.is_not(None))
            .order_by(CutVersion.reel, CutVersion.number)
        )
        if cv.id not in approved
    ]
    priced = recut_costs(session, prod, waiting)  # money: for_reader takes it out for those who may not see it
    out = []
    for cv in waiting:
        item: dict[str, Any] = {
            "reel": cv.reel,
            "number": cv.number,
            "label": cv.label,
            "changes": cv.change_summary or {},
        }
        if cv.id in priced:
            item["cost"] = priced[cv.id]["total"]
        out.append(item)
    return out


def assemble(session: Session, prod: Production, week: str, *, today: date | None = None) -> dict[str, Any]:
    """The report's data for a week (as of its Sunday, or today when sooner), every section present."""
    from postprod.services import budget

    with budget.computed_once(session):  # the cost summary and the recuts' prices read one budget
        return _assemble(session, prod, week, today=today)


def _assemble(session: Session, prod: Production, week: str, *, today: date | None) -> dict[str, Any]:
    monday, sunday = week_bounds(week)
    as_of = min(sunday, today or date.today())
    board = dashboard.dashboard(session, prod, as_of, late_limit=30)
    current = _latest(session, prod, PlanKind.CURRENT)
    baseline = _latest(session, prod, PlanKind.BASELINE)
    now_dates = _plan_dates(session, current)
    base_dates = _plan_dates(session, baseline)
    tasks = list(
        session.execute(
            select(Task.key, Task.name, Task.actual_finish, Task.due_date, Department.name)
            .join(Department, Department.id == Task.department_id)
            .where(Task.production_id == prod.id)
            .order_by(Task.position, Task.id)
        )
    )
    dept_of = {key: dept for key, _n, _a, _d, dept in tasks}
    names = {key: name for key, name, _a, _d, _dept in tasks}
    milestones: list[dict[str, Any]] = []
    for key, name, actual, _due, _dept in tasks:
        if MILESTONE.search(name):
            milestones.append(
                {
                    "name": name,
                    "key": key,
                    "baseline": _iso(base_dates[key][1]) if key in base_dates else None,
                    "forecast": _iso(now_dates[key][1]) if key in now_dates else None,
                    "actual": _iso(actual),
                }
            )
    milestones = milestones[:40]
    forecast_end = current.end_date if current else None
    for d in prod.deliveries:
        milestones.append(
            {"name": d.label, "key": "", "baseline": d.due.isoformat(), "forecast": _iso(forecast_end), "actual": None}
        )
    # critical-path tasks of the current plan that finish later than in the baseline
    slips: list[dict[str, Any]] = [
        {"key": k, "name": names.get(k, k), "baseline": _iso(base_dates[k][1]), "forecast": _iso(f),
         "days": (f - base_dates[k][1]).days}
        for k, (_s, f, crit) in now_dates.items()
        if crit and k in base_dates and f > base_dates[k][1]
    ]  # fmt: skip
    slips.sort(key=lambda s: (-s["days"], s["key"]))
    horizon = sunday + timedelta(days=14)
    next_weeks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    coming = sorted((s, k, f) for k, (s, f, _c) in now_dates.items() if s <= horizon and f > sunday)
    for s, k, f in coming:
        next_weeks[dept_of.get(k, "")].append({"key": k, "name": names.get(k, k), "start": _iso(s), "finish": _iso(f)})
    approvals_waiting = []
    users = review.display_names(session)
    for req in review.list_requests(session, prod, status="pending"):
        waiting_on = [
            users.get(r.reviewer_id, str(r.reviewer_id)) for r in req.reviews if r.decision.value == "pending"
        ]
        approvals_waiting.append(
            {"label": req.label, "type": req.target_type, "since": req.created_at.date().isoformat(), "on": waiting_on}
        )
    deliverables = []
    qc_failures = []
    for row in board["deliverables"]:
        d, run = row["deliverable"], row["last_run"]
        item = {
            "name": d.name,
            "due": _iso(d.due_date),
            "status": d.status.value,
            "qc": run.result if run else None,
            "findings": row["findings"],
        }
        deliverables.append(item)
        if run is not None and run.result != "pass":
            qc_failures.append(item)
    cost = _cost(session, prod, as_of)
    risks = {
        "late": [
            {"key": r["task"].key, "name": r["task"].name, "due": _iso(r["due"]), "days_late": r["days_late"]}
            for r in board["late"]
        ],
        "late_total": board["late_total"],
        "slips": slips[:30],
        "cuts": _unapproved_cuts(session, prod),
        "qc_failures": qc_failures,
    }
    schedule = {
        "plan_end": _iso(forecast_end),
        "baseline_end": _iso(baseline.end_date) if baseline else None,
        "delivery": _iso(prod.delivery_date),
        "departments": [
            {"name": dd["name"], "tasks": dd["tasks"], "finished": dd["finished"], "progress": dd["progress_percent"]}
            for dd in board["departments"]
        ],
    }
    data: dict[str, Any] = {
        "production": prod.title,
        "production_id": prod.id,
        "week": week,
        "as_of": as_of.isoformat(),
        "milestones": milestones,
        "schedule": schedule,
        "cost": cost,
        "variances": cost.get("variances", []),
        "risks": risks,
        "approvals": approvals_waiting,
        "deliverables": deliverables,
        "next_weeks": [{"department": k, "tasks": v[:15], "more": max(0, len(v) - 15)} for k, v in next_weeks.items()],
        "paragraph": "",
        "revision": 0,
    }
    data["status"] = overall_status(data, as_of)
    return data


def overall_status(data: dict[str, Any], as_of: date) -> dict[str, Any]:
    """Red, amber or green, by the rules the report's legend prints (the reasons named)."""
    reasons: list[tuple[str, str]] = []  # (level, rule id)
    sched = data["schedule"]
    dues = [d for d in [sched["delivery"], *[m["baseline"] for m in data["milestones"] if not m["key"]]] if d]
    if sched["plan_end"] and any(sched["plan_end"] > d for d in dues):
        reasons.append(("red", "delivery_late"))
    cost = data["cost"]
    if cost.get("available"):
        t = cost["totals"]
        efc, cur, left = Decimal(t["efc"]), Decimal(t["current_budget"]), Decimal(cost["contingency_left"])
        if efc > cur + left:
            reasons.append(("red", "over_budget"))
        elif efc > cur:
            reasons.append(("amber", "contingency_used"))
    for d in data["deliverables"]:
        if d["qc"] in ("fail", "error") and d["due"] and d["due"] <= (as_of + timedelta(days=14)).isoformat():
            reasons.append(("red", "qc_failing_due"))
            break
    if data["risks"]["slips"]:
        reasons.append(("amber", "critical_slip"))
    if data["risks"]["late_total"]:
        reasons.append(("amber", "late_tasks"))
    if data["risks"]["cuts"]:
        reasons.append(("amber", "unapproved_cut"))
    levels = {lvl for lvl, _ in reasons}
    colour = "red" if "red" in levels else "amber" if "amber" in levels else "green"
    return {"colour": colour, "reasons": [r for _, r in reasons]}


def for_reader(grants: list[Grant], data: dict[str, Any]) -> dict[str, Any]:
    """The data as it may leave for these grants: without the money sections unless the money gate allows."""
    if money.visible(grants, data.get("production_id")):
        return data
    out = money.strip(data)  # the gate's own strip for any money field below
    for key in MONEY_SECTIONS:
        out[key] = {"hidden": True} if key == "cost" else []
    for cut in out["risks"]["cuts"]:
        cut.pop("cost", None)
    return dict(out)


# --- issued reports ---------------------------------------------------------------------------


MAX_PARAGRAPH = 5000


def check_paragraph(text: str) -> str:
    """The supervisor's paragraph, trimmed; a too long one is refused naming the field."""
    text = text.strip()
    if len(text) > MAX_PARAGRAPH:
        raise InvalidInput(
            N_("the paragraph is %(n)s characters: at most %(max_paragraph)s"),
            field="paragraph",
            params={"n": len(text), "max_paragraph": MAX_PARAGRAPH},
        )
    return text


def next_revision(session: Session, prod: Production, week: str) -> int:
    top = session.scalar(
        select(func.max(WeeklyReport.revision)).where(WeeklyReport.production_id == prod.id, WeeklyReport.week == week)
    )
    return int(top or 0) + 1


def issue(
    session: Session, prod: Production, data: dict[str, Any], *, pdf: bytes | None, lang: str, paragraph: str
) -> WeeklyReport:
    """Freeze a report (its data, the paragraph inside it, its PDF): a revision of its week."""
    paragraph = check_paragraph(paragraph)
    if data.get("revision") != next_revision(session, prod, data["week"]):
        data = {**data, "revision": next_revision(session, prod, data["week"])}
    row = WeeklyReport(
        production_id=prod.id,
        week=data["week"],
        revision=data["revision"],
        status=data["status"]["colour"],
        language=lang,
        issued_by=str(session.info.get("actor") or ""),
        paragraph=paragraph,
        label=f"{data['week']} rev {data['revision']}",
    )
    row.content = WeeklyReportContent(data={**data, "paragraph": paragraph}, pdf=pdf)
    session.add(row)
    session.flush()
    return row


def issued(session: Session, prod: Production) -> list[WeeklyReport]:
    """The issued reports, newest first."""
    return list(
        session.scalars(
            select(WeeklyReport)
            .where(WeeklyReport.production_id == prod.id)
            .order_by(WeeklyReport.week.desc(), WeeklyReport.revision.desc())
        )
    )


def get_issued(session: Session, prod: Production, report_id: int) -> WeeklyReport:
    row = session.get(WeeklyReport, report_id)
    if row is None or row.production_id != prod.id:
        raise NotFound(
            N_("no weekly report %(report_id)s in %(title)r"), params={"report_id": report_id, "title": prod.title}
        )
    return row


def issued_dict(r: WeeklyReport) -> dict[str, Any]:
    return {
        "id": r.id,
        "week": r.week,
        "revision": r.revision,
        "status": r.status,
        "language": r.language,
        "issued_at": r.issued_at.isoformat(),
        "issued_by": r.issued_by,
        "has_pdf": r.content.pdf is not None if r.content else False,
    }
