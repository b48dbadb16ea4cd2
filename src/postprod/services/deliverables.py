"""Deliverables and their QC runs: a failed run sends the deliverable back to "fix" with its findings."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from postprod.db import session_scope
from postprod.errors import Conflict, InvalidInput, NotFound, PostprodError
from postprod.model import Deliverable, DeliverableStatus, Production, QcFinding, QcRun
from postprod.model.audit import jsonable
from postprod.services.common import get_production, parse_date

# Manual status changes: approval needs a passed QC (or no spec to check against); delivery needs approval.
_NEEDS = {
    DeliverableStatus.APPROVED: {DeliverableStatus.QC_PASSED},
    DeliverableStatus.DELIVERED: {DeliverableStatus.APPROVED},
}


def parse_status(value: str) -> DeliverableStatus:
    try:
        return DeliverableStatus(value.strip().lower().replace(" ", "-").replace("_", "-"))
    except ValueError:
        allowed = ", ".join(s.value for s in DeliverableStatus)
        raise InvalidInput(f"invalid deliverable status {value!r}: one of {allowed}", field="status") from None


def _check_spec(spec: str | None) -> str | None:
    if spec is None or spec == "":
        return None
    from postprod.qc.spec import builtin_specs, load_spec

    load_spec(spec)  # refuses an unknown name or a broken file, naming it
    return spec if spec in builtin_specs() else str(Path(spec).resolve())


def get_deliverable(session: Session, prod: Production, ref: str | int) -> Deliverable:
    """A deliverable by name (case-insensitive) or ID."""
    text = str(ref).strip()
    d = session.scalars(
        select(Deliverable).where(Deliverable.production_id == prod.id, func.lower(Deliverable.name) == text.lower())
    ).first()
    if d is None and text.isdigit():
        d = session.get(Deliverable, int(text))
        if d is not None and d.production_id != prod.id:
            d = None
    if d is None:
        raise NotFound(f"no deliverable {text!r} in {prod.title!r}")
    return d


def add_deliverable(
    session: Session,
    prod: Production,
    *,
    name: str,
    spec: str | None = None,
    due: str | None = None,
    file: str | None = None,
    description: str = "",
) -> Deliverable:
    """Add a deliverable; its spec (built-in name or TOML path) is validated now, not at QC time."""
    name = name.strip()
    if not name:
        raise InvalidInput("name is empty", field="name")
    clash = session.scalars(
        select(Deliverable).where(Deliverable.production_id == prod.id, func.lower(Deliverable.name) == name.lower())
    ).first()
    if clash:
        raise Conflict(f"a deliverable named {name!r} already exists in {prod.title!r}")
    d = Deliverable(
        production_id=prod.id,
        name=name,
        spec=_check_spec(spec),
        due_date=parse_date(due, "due") if due else None,
        file_path=file,
        description=description,
        status=DeliverableStatus.PENDING,
    )
    session.add(d)
    session.flush()
    return d


def update_deliverable(
    session: Session,
    d: Deliverable,
    *,
    status: str | None = None,
    spec: str | None = None,
    due: str | None = None,
    file: str | None = None,
    expected_version: int | None = None,
) -> Deliverable:
    """Change a deliverable's status, spec, due date or file."""
    if expected_version is not None and expected_version != d.version:
        raise Conflict(f"deliverable {d.name!r} was changed by someone else (version {d.version})")
    if spec is not None:
        d.spec = _check_spec(spec)
    if due is not None:
        d.due_date = parse_date(due, "due") if due else None
    if file is not None:
        if file != d.file_path and d.status in (DeliverableStatus.QC_PASSED, DeliverableStatus.APPROVED):
            d.status = DeliverableStatus.PENDING  # a new file has not been checked
        d.file_path = file or None
    if status is not None:
        new = parse_status(status)
        needs = _NEEDS.get(new)
        if needs and d.status not in needs and not (new == DeliverableStatus.APPROVED and d.spec is None):
            raise InvalidInput(
                f"deliverable {d.name!r} is {d.status.value}: it must be {' or '.join(s.value for s in needs)} "
                f"before {new.value}",
                field="status",
            )
        d.status = new
    session.flush()
    return d


def list_deliverables(session: Session, prod: Production, status: str | None = None) -> list[Deliverable]:
    """The production's deliverables by due date, with their runs loaded."""
    q = (
        select(Deliverable)
        .where(Deliverable.production_id == prod.id)
        .options(selectinload(Deliverable.runs))
        .order_by(Deliverable.due_date, Deliverable.name)
    )
    if status:
        q = q.where(Deliverable.status == parse_status(status))
    return list(session.scalars(q))


def deliverable_dict(d: Deliverable) -> dict[str, Any]:
    last = d.runs[-1] if d.runs else None
    return {
        "id": d.id,
        "name": d.name,
        "spec": d.spec,
        "due_date": jsonable(d.due_date),
        "status": d.status.value,
        "file": d.file_path,
        "description": d.description,
        "version": d.version,
        "runs": len(d.runs),
        "last_run": run_dict(last, findings=False) if last else None,
    }


def run_dict(run: QcRun, findings: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.id,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "actor": run.actor,
        "file": run.file_path,
        "spec": run.spec,
        "result": run.result,
        "error": run.error,
        "summary": run.summary,
    }
    if findings:
        data["clauses"] = run.clauses
        data["findings"] = [
            {
                "clause": f.clause,
                "kind": f.kind,
                "start_frame": f.start_frame,
                "end_frame": f.end_frame,
                "start_tc": f.start_tc,
                "end_tc": f.end_tc,
                "stream": f.stream,
                "channel": f.channel,
                "message": f.message,
            }
            for f in run.findings
        ]
    return data


def qc_target(session: Session, prod: Production, ref: str | int) -> tuple[int, str, str]:
    """The deliverable to check, its file and its spec; refused when either is missing."""
    d = get_deliverable(session, prod, ref)
    if not d.file_path:
        raise InvalidInput(f"deliverable {d.name!r} has no file: set one with --file", field="file")
    if not d.spec:
        raise InvalidInput(f"deliverable {d.name!r} has no spec: set one with --spec", field="spec")
    return d.id, d.file_path, d.spec


@dataclass
class Measurement:
    """What a QC run measured, before it is recorded: the check's result, or why the file was unusable."""

    path: str
    spec: str
    started: datetime
    result: Any = None
    error: str = ""


def measure(
    path: str, spec_ref: str, progress: Callable[[float], None] | None = None, report_path: str | None = None
) -> Measurement:
    """Check the file against the spec (no database: this is the long part)."""
    from postprod.qc.check import check
    from postprod.qc.spec import load_spec

    m = Measurement(path=path, spec=spec_ref, started=datetime.now(UTC))
    spec = load_spec(spec_ref)
    try:
        if not os.path.isfile(path):
            raise NotFound(f"{path}: no such file")
        m.result = check(path, spec, progress)
        if report_path:
            from postprod.qc.report import write_report

            write_report(m.result, report_path)
    except PostprodError as exc:
        m.error = str(exc)
    return m


def record_run(session: Session, prod_id: int, deliverable_id: int, m: Measurement, actor: str) -> dict[str, Any]:
    """Keep the run and the findings of its failed clauses; the deliverable passes QC or goes back to "fix"."""
    found = session.get(Deliverable, deliverable_id)
    if found is None or found.production_id != prod_id:
        raise NotFound("the deliverable was deleted while its QC ran")
    d = found
    run = QcRun(
        production_id=prod_id,
        deliverable=d,
        started_at=m.started,
        finished_at=datetime.now(UTC),
        actor=actor,
        file_path=m.path,
        spec=m.spec,
        result="error" if m.result is None else m.result.status,
        error=m.error,
    )
    if m.result is not None:
        data = m.result.to_dict()
        run.summary = data["summary"] | {"loudness": data["loudness"]}
        run.clauses = [{k: v for k, v in c.items() if k != "findings"} for c in data["clauses"]]
        for c in m.result.clauses:
            if c.status == "pass":
                continue
            if not c.findings:
                run.findings.append(QcFinding(clause=c.id, kind="clause", message=c.message or c.measured))
            for e in c.findings:
                run.findings.append(
                    QcFinding(
                        clause=c.id,
                        kind=e.kind,
                        start_frame=e.start_frame,
                        end_frame=e.end_frame,
                        start_tc=e.start_tc,
                        end_tc=e.end_tc,
                        stream=e.stream,
                        channel=e.channel,
                        message=c.message,
                    )
                )
    session.add(run)
    d.status = DeliverableStatus.QC_PASSED if run.result == "pass" else DeliverableStatus.FIX
    session.flush()
    return run_dict(run) | {"deliverable": d.name, "status": d.status.value}


def run_qc(
    production: str | int | None,
    deliverable: str | int,
    *,
    actor: str,
    progress: Callable[[float], None] | None = None,
    report_path: str | None = None,
) -> dict[str, Any]:
    """Check a deliverable's file against its spec and record the run.

    The measurement runs outside any transaction (it can take minutes on a feature); the run and
    its findings are then written in one short transaction. An unusable file is recorded as an
    "error" run and the deliverable goes back to "fix", like a failed one.
    """
    with session_scope(actor=actor) as s:
        prod = get_production(s, production)
        prod_id = prod.id
        d_id, path, spec_ref = qc_target(s, prod, deliverable)
    m = measure(path, spec_ref, progress, report_path)
    with session_scope(actor=actor) as s:
        return record_run(s, prod_id, d_id, m, actor)
