"""Deliverables and their QC runs: a failed run sends the deliverable back to "fix" with its findings.

A deliverable's spec is a built-in name or the TOML text of the production's own spec, stored
with it (the server never reads a spec from a path). Its file must lie under the media roots
(postprod.media_roots): the caller passes the roots of where it runs, the command line's or the
server's; by default the server's, which read nothing until POSTPROD_MEDIA_ROOTS is set.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from typing_extensions import TypedDict

from postprod.db import session_scope
from postprod.errors import N_, Conflict, InvalidInput, NotFound, PostprodError
from postprod.media_roots import confine, server_roots
from postprod.model import Deliverable, DeliverableStatus, Production, QcFinding, QcRun
from postprod.model.audit import jsonable
from postprod.qc.spec import Spec, builtin_spec, parse_spec_text
from postprod.services import items, notifications
from postprod.services.common import described, get_production, parse_date

if TYPE_CHECKING:
    from postprod.editorial.model import Cut
    from postprod.qc.spec import Spec

MAX_SPEC_TEXT = 100_000  # characters of a production's own spec

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
        raise InvalidInput(
            N_("invalid deliverable status %(value)r: one of %(allowed)s"),
            field="status",
            params={"value": value, "allowed": allowed},
        ) from None


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def parse_language(value: str | None) -> str | None:
    """A language code (BCP 47: "fr", "en-GB", "pt-BR"); "" clears it."""
    if value is None or not value.strip():
        return None
    code = value.strip()
    code = code[:3].lower() + code[3:] if "-" in code else code.lower()
    if len(code) > 16 or not _LANGUAGE.match(code):
        raise InvalidInput(
            N_("invalid language %(value)r: a code such as fr, en or pt-BR"), field="language", params={"value": value}
        )
    return code


@functools.lru_cache(maxsize=256)
def _is_subtitles(spec: str | None, spec_text: str | None) -> bool:
    """Whether a deliverable's spec is a timed-text spec (the deliverable is a subtitle file)."""
    if not spec:
        return False
    try:
        return stored_spec(spec, spec_text).is_timed_text
    except PostprodError:
        return False


def _need_language(d: Deliverable) -> None:
    if d.language is None and _is_subtitles(d.spec, d.spec_text):
        raise InvalidInput(
            N_("deliverable %(name)r has a timed-text spec: give the subtitles' --language"),
            field="language",
            params={"name": d.name},
        )


def _check_spec(spec: str | None, spec_toml: str | None) -> tuple[str | None, str | None]:
    """The (name, TOML text) to store: a built-in by name, or the production's own spec given as text."""
    if spec_toml is not None and spec_toml.strip():
        if len(spec_toml) > MAX_SPEC_TEXT:
            raise InvalidInput(
                N_("spec_toml: longer than %(max_spec_text)s characters"),
                field="spec_toml",
                params={"max_spec_text": MAX_SPEC_TEXT},
            )
        try:
            parsed = parse_spec_text(spec_toml, "spec_toml")
        except PostprodError as exc:  # a broken spec is refused now, naming the field
            raise InvalidInput(N_("%(error)s"), field="spec_toml", params={"error": exc}) from None
        name = (spec or "").strip() or parsed.name
        return name[:200], spec_toml
    if spec is None or spec == "":
        return None, None
    try:
        builtin_spec(spec)  # refuses any other name: a path is not read here
    except NotFound as exc:
        raise NotFound(exc.template, field="spec", params=exc.params) from None
    return spec, None


def stored_spec(name: str, spec_toml: str | None) -> Spec:
    """The spec a deliverable holds: its own text, or the built-in of that name."""
    if spec_toml:
        return parse_spec_text(spec_toml, f"spec {name!r}", name)
    try:
        return builtin_spec(name)
    except NotFound:
        raise NotFound(
            N_("spec %(name)r is neither built-in nor stored with the deliverable: set it again (its TOML text)"),
            params={"name": name},
        ) from None


def spec_cut(session: Session, prod: Production, spec: Spec) -> Cut | None:
    """The cut version a spec's [conform] section names, as the engine's Cut; None when it names none."""
    ref = spec.get("conform", "cut")
    if not ref:
        return None
    # The editorial service and engine (readers, diff, pulls) only for a spec that names a cut.
    from postprod.services import editorial as ed

    return ed.stored_cut(session, ed.version_by_ref(session, prod, ref, field="spec"))


def _file(file: str, roots: Sequence[Path] | None) -> str:
    return str(confine(file, server_roots() if roots is None else roots))


def due_or_milestone(prod: Production, due: str, milestone: str) -> str:
    """A deliverable's due date as given, or the date of one of the production's delivery milestones (by ID)."""
    if not milestone.strip():
        return due
    if due.strip():
        raise InvalidInput(N_("give a due date or a delivery milestone, not both"), field="milestone")
    found = next((m for m in prod.deliveries if str(m.id) == milestone.strip()), None)
    if found is None:
        raise InvalidInput(
            N_("no delivery milestone %(milestone)r in %(production)r"),
            field="milestone",
            params={"milestone": milestone, "production": prod.title},
        )
    return found.due.isoformat()


def get_deliverable(session: Session, prod: Production, ref: str | int) -> Deliverable:
    """A deliverable by name (case-insensitive) or ID."""
    d: Deliverable = items.find_by_key(session, prod, Deliverable, "name", str(ref), "deliverable")
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
    spec_toml: str | None = None,
    roots: Sequence[Path] | None = None,
    language: str | None = None,
) -> Deliverable:
    """Add a deliverable; its spec (built-in name or TOML text) is validated now, its file kept to the media roots."""
    name = name.strip()
    if not name:
        raise InvalidInput(N_("name is empty"), field="name")
    clash = session.scalars(
        select(Deliverable).where(Deliverable.production_id == prod.id, func.lower(Deliverable.name) == name.lower())
    ).first()
    if clash:
        raise Conflict(
            N_("a deliverable named %(name)r already exists in %(production)r"),
            params={"name": name, "production": prod.title},
        )
    spec_name, spec_text = _check_spec(spec, spec_toml)
    d = Deliverable(
        production_id=prod.id,
        name=name,
        spec=spec_name,
        spec_text=spec_text,
        due_date=parse_date(due, "due") if due else None,
        file_path=_file(file, roots) if file else None,
        description=description,
        status=DeliverableStatus.PENDING,
        language=parse_language(language),
    )
    _need_language(d)
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
    spec_toml: str | None = None,
    roots: Sequence[Path] | None = None,
    language: str | None = None,
) -> Deliverable:
    """Change a deliverable's status, spec (a built-in name, or its own TOML text), due date or file."""
    items.check_version(d, expected_version, deliverable_dict, what=f"deliverable {d.name!r}")
    if spec is not None or spec_toml is not None:
        d.spec, d.spec_text = _check_spec(spec, spec_toml)
    if language is not None:
        d.language = parse_language(language)
    _need_language(d)
    if due is not None:
        d.due_date = parse_date(due, "due") if due else None
    if file is not None:
        file = _file(file, roots) if file else ""
        if file != d.file_path and d.status in (DeliverableStatus.QC_PASSED, DeliverableStatus.APPROVED):
            d.status = DeliverableStatus.PENDING  # a new file has not been checked
        d.file_path = file or None
    if status is not None:
        new = parse_status(status)
        needs = _NEEDS.get(new)
        if needs and d.status not in needs and not (new == DeliverableStatus.APPROVED and d.spec is None):
            raise InvalidInput(
                N_("deliverable %(name)r is %(value)s: it must be %(choices)s before %(value2)s"),
                field="status",
                params={
                    "name": d.name,
                    "value": d.status.value,
                    "choices": " or ".join(s.value for s in needs),
                    "value2": new.value,
                },
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


class FindingView(TypedDict):
    clause: str
    kind: str
    start_frame: int | None
    end_frame: int | None
    start_tc: str | None
    end_tc: str | None
    stream: int | None
    channel: str | None
    message: str


@described(
    result="pass, fail or error.", clauses="Each clause of the spec with its verdict (with the run's findings only)."
)
class QcRunView(TypedDict):
    id: int
    started_at: str
    finished_at: str | None
    actor: str
    file: str
    spec: str
    result: str
    error: str
    summary: dict[str, Any]
    clauses: NotRequired[list[dict[str, Any]]]
    findings: NotRequired[list[FindingView]]


@described(
    spec_custom="Whether the deliverable keeps its own spec text rather than a built-in spec.",
    kind="subtitles or media.",
)
class DeliverableView(TypedDict):
    id: int
    name: str
    spec: str | None
    spec_custom: bool
    due_date: str | None
    status: str
    file: str | None
    description: str
    language: str | None
    kind: str
    version: int
    runs: int
    last_run: QcRunView | None


def deliverable_dict(d: Deliverable) -> DeliverableView:
    last = d.runs[-1] if d.runs else None
    return {
        "id": d.id,
        "name": d.name,
        "spec": d.spec,
        "spec_custom": d.spec_text is not None,
        "due_date": jsonable(d.due_date),
        "status": d.status.value,
        "file": d.file_path,
        "description": d.description,
        "language": d.language,
        "kind": "subtitles" if _is_subtitles(d.spec, d.spec_text) else "media",
        "version": d.version,
        "runs": len(d.runs),
        "last_run": run_dict(last, findings=False) if last else None,
    }


class DubbingRef(TypedDict):
    id: int
    language: str
    status: str
    studio: str


class LanguageTask(TypedDict):
    key: str
    name: str
    status: str
    progress: int


@described(dubbing="The dubbed version of the language, if the production has one.")
class LanguageWork(TypedDict):
    language: str
    dubbing: DubbingRef | None
    tasks: list[LanguageTask]


class DeliverableDetailView(DeliverableView):
    qc_runs: list[QcRunView]
    language_work: LanguageWork | None


def deliverable_detail(session: Session, d: Deliverable, *, findings: bool = True) -> DeliverableDetailView:
    """A deliverable with its QC runs (and their findings, unless not `findings`) and the work of its language."""
    runs = [run_dict(r, findings=findings) for r in d.runs]
    return {**deliverable_dict(d), "qc_runs": runs, "language_work": language_work(session, d)}


def language_work(session: Session, d: Deliverable) -> LanguageWork | None:
    """The dubbing and subtitling work of the deliverable's language: its dubbed version and its tasks."""
    if d.language is None:
        return None
    # The registers' area of the model loads on first use (see postprod.model): only this view needs it.
    from postprod.model import DubbingVersion, Task

    lang = d.language.lower()
    base = lang.split("-")[0]
    dub = session.scalars(
        select(DubbingVersion).where(
            DubbingVersion.production_id == d.production_id, func.lower(DubbingVersion.language).in_([lang, base])
        )
    ).first()
    tasks = session.scalars(
        select(Task)
        .where(Task.production_id == d.production_id, func.lower(Task.language).in_([lang, base]))
        .order_by(Task.key)
    ).all()
    return {
        "language": d.language,
        "dubbing": None
        if dub is None
        else {"id": dub.id, "language": dub.language, "status": dub.status.value, "studio": dub.studio},
        "tasks": [{"key": t.key, "name": t.name, "status": t.status.value, "progress": t.progress} for t in tasks],
    }


def run_dict(run: QcRun, findings: bool = True) -> QcRunView:
    data: QcRunView = {
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


@dataclass
class QcTarget:
    """What a QC run needs: the deliverable, its file (under the media roots) and its spec (name and own text)."""

    deliverable_id: int
    path: str
    spec: str
    spec_toml: str | None

    def params(self) -> dict[str, Any]:
        return {
            "deliverable_id": self.deliverable_id,
            "path": self.path,
            "spec": self.spec,
            "spec_toml": self.spec_toml,
        }


def qc_target(session: Session, prod: Production, ref: str | int, roots: Sequence[Path] | None = None) -> QcTarget:
    """The deliverable to check, its file and its spec; refused when either is missing or the file is outside the roots."""
    d = get_deliverable(session, prod, ref)
    if not d.file_path:
        raise InvalidInput(
            N_("deliverable %(name)r has no file: set one with --file"), field="file", params={"name": d.name}
        )
    if not d.spec:
        raise InvalidInput(
            N_("deliverable %(name)r has no spec: set one with --spec"), field="spec", params={"name": d.name}
        )
    spec_cut(session, prod, stored_spec(d.spec, d.spec_text))  # a cut version it names must exist: refused now
    return QcTarget(d.id, _file(d.file_path, roots), d.spec, d.spec_text)


@dataclass
class Measurement:
    """What a QC run measured, before it is recorded: the check's result, or why the file was unusable."""

    path: str
    spec: str
    started: datetime
    result: Any = None
    error: str = ""


def measure(
    path: str,
    spec_ref: str,
    progress: Callable[[float], None] | None = None,
    report_path: str | None = None,
    *,
    spec_toml: str | None = None,
    roots: Sequence[Path] | None = None,
    cut: Cut | None = None,
) -> Measurement:
    """Check the file (again confined to the roots) against the stored spec (no database: this is the long part).

    cut: the cut version the spec's [conform] section names (spec_cut), read beforehand.
    """
    # The QC engine (PyAV, NumPy, SciPy) loads only when a file is measured, not with every deliverable command.
    from postprod.qc.check import check

    m = Measurement(path=path, spec=spec_ref, started=datetime.now(UTC))
    spec = stored_spec(spec_ref, spec_toml)
    try:
        real = _file(path, roots)
        if not os.path.isfile(real):
            raise NotFound(N_("%(path)s: no such file"), params={"path": path})
        if spec.is_timed_text:  # a subtitle file, on the frame grid the spec's [timecode] or the file gives
            from postprod.qc.subtitle_check import check_subtitle_file

            m.result = check_subtitle_file(real, spec)
        else:
            m.result = check(real, spec, progress, cut=cut)
        if report_path:
            from postprod.qc.report import write_report  # Jinja and the report's engine: only when one is asked

            write_report(m.result, report_path)
    except PostprodError as exc:
        m.error = str(exc)
    return m


def record_run(session: Session, prod_id: int, deliverable_id: int, m: Measurement, actor: str) -> dict[str, Any]:
    """Keep the run and the findings of its failed clauses; the deliverable passes QC or goes back to "fix"."""
    found = session.get(Deliverable, deliverable_id)
    if found is None or found.production_id != prod_id:
        raise NotFound(N_("the deliverable was deleted while its QC ran"))
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
        run.summary = data["summary"] | {"loudness": data.get("loudness"), "frames": data.get("frames")}
        if data.get("conform"):
            c = data["conform"]
            run.summary["conform"] = {k: c[k] for k in ("edits", "matched_exact", "detected", "counts")}
        run.clauses = [{k: v for k, v in c.items() if k != "findings"} for c in data["clauses"]]
        for c in m.result.clauses:
            if c.status == "pass":
                continue
            if not c.findings:
                run.findings.append(QcFinding(clause=c.id, kind="clause", message=c.message or c.measured))
            for e in c.findings:
                sub = e.detail.get("subtitle")
                message = c.message
                if sub is not None:  # a subtitle's finding: its number, text and value against the limit
                    text = " / ".join(str(e.detail.get("text", "")).splitlines())
                    message = f"subtitle {sub}: {e.detail.get('measured')} (limit {e.detail.get('limit')}); {text}"
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
                        message=str(e.detail.get("message") or message),
                    )
                )
    session.add(run)
    d.status = DeliverableStatus.QC_PASSED if run.result == "pass" else DeliverableStatus.FIX
    session.flush()
    if run.result != "pass":
        notifications.qc_failed(session, prod_id, d.name, actor)
    return run_dict(run) | {"deliverable": d.name, "status": d.status.value}


def run_qc(
    production: str | int | None,
    deliverable: str | int,
    *,
    actor: str,
    progress: Callable[[float], None] | None = None,
    report_path: str | None = None,
    roots: Sequence[Path] | None = None,
) -> dict[str, Any]:
    """Check a deliverable's file against its spec and record the run.

    The measurement runs outside any transaction (it can take minutes on a feature); the run and
    its findings are then written in one short transaction. An unusable file is recorded as an
    "error" run and the deliverable goes back to "fix", like a failed one.
    """
    with session_scope(actor=actor) as s:
        prod = get_production(s, production)
        prod_id = prod.id
        t = qc_target(s, prod, deliverable, roots)
        cut = spec_cut(s, prod, stored_spec(t.spec, t.spec_toml))
    m = measure(t.path, t.spec, progress, report_path, spec_toml=t.spec_toml, roots=roots, cut=cut)
    with session_scope(actor=actor) as s:
        return record_run(s, prod_id, t.deliverable_id, m, actor)
