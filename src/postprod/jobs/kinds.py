"""The kinds of job: named functions of (session, progress, params), so any worker can run a job by its id.

The API stores the kind and the JSON parameters in the job's row; a thread of the server
(the default) or a Celery worker on another machine (when a broker is configured) loads the row
and calls the function registered under that kind. Parameters are plain JSON: ids, names, text.
"""

from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, PostprodError
from postprod.services import deliverables as dlv
from postprod.services import editorial as ed
from postprod.services import planning as ops
from postprod.services import transfer
from postprod.services import users as users_svc
from postprod.services.common import get_production
from postprod.timecode import parse_rate

Progress = Callable[[float, str], None]
JobFunction = Callable[[Session, Progress, dict[str, Any]], Any]

KINDS: dict[str, JobFunction] = {}


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under a kind."""

    def register(fn: JobFunction) -> JobFunction:
        KINDS[name] = fn
        return fn

    return register


@job_kind("production-export")
def export_production(s: Session, progress: Progress, p: dict[str, Any]) -> Any:
    progress(0.1, "reading the production")
    return transfer.export_production(s, get_production(s, p["production_id"]), actor=p.get("actor"))


@job_kind("production-import")
def import_production(s: Session, progress: Progress, p: dict[str, Any]) -> Any:
    doc = transfer.read_document(json.dumps(p["document"]), "document")
    progress(0.05, f"importing {len(doc.tasks)} tasks")
    prod = transfer.import_production(s, doc, title=p.get("title"))
    user = users_svc.get_user(s, p["user_id"])
    users_svc.grant(s, user, prod, "supervisor")
    return {"production_id": prod.id, "title": prod.title, "tasks": len(doc.tasks)}


CUT_FORMATS = (".edl", ".xml", ".fcpxml", ".otio", ".aaf")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def cut_import_params(
    prod_id: int,
    reel: str,
    filename: str,
    content: str | bytes,
    *,
    rate: str | None = None,
    label: str = "",
    lenient: bool = False,
) -> dict[str, Any]:
    """The cut-import job's parameters: the file's content itself (never a path), its reader chosen by its name.

    Text (an EDL, an FCP XML) is kept as text; bytes that are not UTF-8 text (an AAF) as base64.
    """
    suffix = os.path.splitext(filename)[1].lower() or ".edl"
    if suffix not in CUT_FORMATS:
        raise InvalidInput(
            N_("invalid file name %(filename)r: one of %(cut_formats)s"),
            field="filename",
            params={"filename": filename, "cut_formats": ", ".join(CUT_FORMATS)},
        )
    reel = ed.reel_name(reel)  # refused now rather than when the job runs
    if rate:
        parse_rate(rate, field="rate")
    if not content:
        raise InvalidInput(N_("%(filename)s: the file is empty"), field="filename", params={"filename": filename})
    params: dict[str, Any] = {
        "production_id": prod_id,
        "reel": reel,
        "filename": os.path.basename(filename)[:200],
        "suffix": suffix,
        "rate": rate,
        "label": label,
        "lenient": lenient,
    }
    if isinstance(content, bytes):
        try:
            params["text"] = content.decode("utf-8")
        except UnicodeDecodeError:
            params["data"] = base64.b64encode(content).decode("ascii")
    else:
        params["text"] = content
    return params


@job_kind("cut-import")
def import_cut(s: Session, progress: Progress, p: dict[str, Any]) -> Any:
    # The readers take a file: the content goes to a temporary folder for the job's duration, under the
    # name it was uploaded with (made safe), which the version keeps.
    name = _SAFE_NAME.sub("_", os.path.basename(p.get("filename") or ""))[:120].strip("._")
    if os.path.splitext(name)[1].lower() != p["suffix"]:
        name = "cut" + p["suffix"]
    with tempfile.TemporaryDirectory(prefix="postprod-cut-") as folder:
        path = os.path.join(folder, name)
        if p.get("data") is not None:
            with open(path, "wb") as fb:
                fb.write(base64.b64decode(p["data"]))
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(p["text"])
        try:
            done = ed.import_cut(
                s,
                get_production(s, p["production_id"]),
                path,
                reel=p["reel"],
                rate=p.get("rate"),
                label=p.get("label") or "",
                lenient=bool(p.get("lenient")),
                actor=p.get("actor") or "",
                progress=lambda f: progress(f, "importing"),
            )
        except PostprodError as exc:
            exc.rename_file(path, os.path.basename(p.get("filename") or "") or name)  # the file its sender sent
            raise
        return done.to_dict()


@job_kind("plan")
def plan(s: Session, progress: Progress, p: dict[str, Any]) -> Any:
    return ops.plan_production(
        s,
        get_production(s, p["production_id"]),
        time_limit=float(p["time_limit"]),
        strict_due=bool(p.get("strict_due")),
        progress=lambda f: progress(f, "solving"),
    )


@job_kind("replan")
def replan(s: Session, progress: Progress, p: dict[str, Any]) -> Any:
    # incidents travel as data (services/planning.incidents_dict); a scenario name keeps the current plan
    return ops.replan_production(
        s,
        get_production(s, p["production_id"]),
        ops.incidents_from(p["incidents"]),
        scenario=p.get("scenario"),
        time_limit=float(p.get("time_limit") or ops.REPLAN_TIME_LIMIT),
        progress=lambda f: progress(f, "replanning"),
    )


@job_kind("deliverable-qc")
def deliverable_qc(s: Session, progress: Progress, p: dict[str, Any]) -> Any:
    # the file is confined again to this worker's media roots; the spec is the stored one, never a path
    from postprod.services.common import get_production

    cut = dlv.spec_cut(s, get_production(s, p["production_id"]), dlv.stored_spec(p["spec"], p.get("spec_toml")))
    measured = dlv.measure(
        p["path"], p["spec"], lambda f: progress(f, "measuring"), spec_toml=p.get("spec_toml"), cut=cut
    )
    return dlv.record_run(s, p["production_id"], p["deliverable_id"], measured, p.get("actor") or "")
