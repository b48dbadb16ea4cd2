"""The cut: imported versions of each reel, change lists between them, and importing a new version as a job."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import Field

from postprod.api.deps import JobsDep, load_production
from postprod.api.schemas import In
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.jobs import job_dict
from postprod.jobs.kinds import cut_import_params
from postprod.jobs.runner import JobView
from postprod.services import editorial as ed
from postprod.services import money
from postprod.services.recut_cost import RecutCostView, recut_cost
from postprod.services.users import Resource

router = APIRouter(tags=["cut"])


class CutImportIn(In):
    text: str = Field(min_length=1, max_length=20_000_000, description="The EDL (or FCP XML, OTIO...) file's text")
    filename: str = Field("cut.edl", max_length=200, description="Its name; the extension picks the reader")
    rate: str | None = Field(None, max_length=32, description="Frame rate (default: the reel's previous version)")
    label: str = Field("", max_length=200)
    lenient: bool = False


@router.get("/productions/{production_id}/cuts")
def list_versions(
    production_id: Id, principal: PrincipalDep, session: SessionDep, reel: str | None = Query(None, max_length=64)
) -> list[ed.CutVersionView]:
    """Imported cut versions, by reel and number, with their change and carry summaries."""
    prod = load_production(session, production_id)
    principal.require("register.read", Resource(prod.id, department="picture-editing"))
    return [ed.version_dict(cv) for cv in ed.list_versions(session, prod, reel)]


@router.get("/productions/{production_id}/cuts/{reel}/changes")
def changes(
    production_id: Id,
    reel: str,
    principal: PrincipalDep,
    session: SessionDep,
    from_number: int | None = Query(None, alias="from", ge=1, le=100000),
    to_number: int | None = Query(None, alias="to", ge=1, le=100000),
) -> dict[str, Any]:
    """The change list between two versions of a reel (default: the latest and the one before)."""
    prod = load_production(session, production_id)
    principal.require("register.read", Resource(prod.id, department="picture-editing"))
    old, new, cl = ed.change_list(session, prod, reel, from_number, to_number)
    return cl.to_dict() | {"reel": new.reel, "from": old.number, "to": new.number}


@router.get("/productions/{production_id}/cuts/{reel}/cost")
def cost(
    production_id: Id,
    reel: str,
    principal: PrincipalDep,
    session: SessionDep,
    number: int | None = Query(None, ge=1, le=100000, description="The version (default: the latest)"),
    changes_per_day: int = Query(40, ge=1, le=10000, description="Changes conformed again in a day"),
) -> RecutCostView | None:
    """What the recut to a version costs against the one before: VFX shots added or made longer, ADR cues to
    record again, the conform; null for a reel's first version or a production without a budget."""
    prod = load_production(session, production_id)
    principal.require(money.RIGHT, Resource(prod.id))
    return recut_cost(session, prod, ed.get_version(session, prod, reel, number), changes_per_day=changes_per_day)


@router.post("/productions/{production_id}/cuts/{reel}/import-jobs", response_model=JobView, status_code=202)
def import_version(
    production_id: Id, reel: str, body: CutImportIn, principal: PrincipalDep, session: SessionDep, jobs: JobsDep
) -> JobView:
    """Import a new version of a reel in the background: diff with the previous one, carry the registers."""
    prod = load_production(session, production_id)
    principal.require("register.edit", Resource(prod.id, department="picture-editing"))
    params = cut_import_params(
        prod.id, reel, body.filename, body.text, rate=body.rate, label=body.label, lenient=body.lenient
    )
    return job_dict(jobs.submit(session, "cut-import", params, production_id=prod.id, user_id=principal.user.id))
