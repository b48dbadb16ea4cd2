"""The departments' registers (VFX, ADR, foley, music, dubbing) and the deliverables, over their services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import Field

from postprod.api.deps import JobsDep, load_production
from postprod.api.schemas import In, NoteIn
from postprod.errors import N_
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.jobs import job_dict
from postprod.jobs.runner import JobView
from postprod.limits import MAX_ID
from postprod.model import Production
from postprod.services import deliverables as dlv
from postprod.services import items, money, review
from postprod.services import notes as notes_svc
from postprod.services import registers as reg
from postprod.services.notes import NoteView
from postprod.services.principal import Principal
from postprod.services.registers import sort_columns
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["registers"])


class EntryIn(In):
    values: dict[str, str] = Field(max_length=40, description="Field name -> value, as `postprod` register files")


class EntryPatch(In):
    values: dict[str, str] = Field(default_factory=dict, max_length=40)
    reviewed: bool = Field(False, description="Clear the 'review after recut' flag")
    version: int | None = Field(None, ge=1, le=MAX_ID)


_SPEC = "A built-in spec's name (`postprod qc specs`); with spec_toml, the name of the production's own spec"
_LANGUAGE = "The language of a subtitle or dubbed deliverable (fr, en-GB...): it links it to that language's work"
_SPEC_TOML = "The production's own delivery spec as TOML text (docs/delivery-specs.md), stored with the deliverable"
_FILE = "The delivered file, under the server's media roots (POSTPROD_MEDIA_ROOTS); relative: from the first root"


class DeliverableIn(In):
    name: str = Field(min_length=1, max_length=200)
    spec: str | None = Field(None, max_length=64, description=_SPEC)
    spec_toml: str | None = Field(None, max_length=dlv.MAX_SPEC_TEXT, description=_SPEC_TOML)
    due: str | None = Field(None, max_length=10)
    file: str | None = Field(None, max_length=1000, description=_FILE)
    description: str = Field("", max_length=5000)
    language: str | None = Field(None, max_length=16, description=_LANGUAGE)


class DeliverablePatch(In):
    status: str | None = Field(None, max_length=32)
    spec: str | None = Field(None, max_length=64, description=_SPEC)
    spec_toml: str | None = Field(None, max_length=dlv.MAX_SPEC_TEXT, description=_SPEC_TOML)
    due: str | None = Field(None, max_length=10)
    file: str | None = Field(None, max_length=1000, description=_FILE)
    language: str | None = Field(None, max_length=16, description=_LANGUAGE)
    version: int | None = Field(None, ge=1, le=MAX_ID)


def _entry(principal: Principal, prod: Production, kind: reg.Kind, entry: Any, place: reg.Placement) -> dict[str, Any]:
    """An entry as it may leave for the user (a VFX shot's bid only with the budget right)."""
    data: dict[str, Any] = principal.gate(prod.id, reg.entry_dict(kind, entry, place))
    return data


def _refuse_blind_money(principal: Principal, prod: Production, k: reg.Kind, values: dict[str, Any]) -> None:
    """A role that does not see a bid may not set or overwrite it."""
    fields = [(f.name, f.type) for f in reg.all_fields(k)]
    money.refuse_blind_write(principal.sees_money(prod.id), fields, values)


def _check_read(
    principal: Principal, session: Any, prod: Production, department: str, target_type: str, item_id: int
) -> None:
    if principal.can("register.read", Resource(prod.id, department=department)):
        return
    shared = review.is_shared(session, prod.id, target_type, item_id)
    principal.require("register.read", Resource(prod.id, department=department, shared=shared))


@router.get("/productions/{production_id}/registers")
def list_registers(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The registers, their fields, statuses and sortable columns."""
    prod = load_production(session, production_id)
    principal.require_production("production.read", prod)
    sees = principal.sees_money(prod.id)
    return [
        {
            "name": k.name,
            "label": k.label,
            "target_type": k.target_type,
            "statuses": k.statuses,
            "fields": [
                {"name": f.name, "type": f.type, "help": f.help}
                for f in reg.all_fields(k)
                if sees or not money.is_money_field(f.type)
            ],
            "sort": sort_columns(k, money=sees),
        }
        for k in reg.KINDS.values()
    ]


@router.get("/productions/{production_id}/registers/{kind}")
def list_entries(
    production_id: Id,
    kind: str,
    principal: PrincipalDep,
    session: SessionDep,
    status: str | None = Query(None, max_length=32),
    reel: str | None = Query(None, max_length=64),
    review_flag: bool | None = Query(None, alias="review"),
    q: str | None = Query(None, max_length=200),
    sort: str = Query("in", max_length=32),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """A page of a register, filtered and sorted by the database; clients see only shared entries."""
    prod = load_production(session, production_id)
    k = reg.get_kind(kind)
    if not principal.can("register.read", Resource(prod.id, department=k.name)):
        raise Forbidden(
            N_("%(username)s may not read the %(label)s register"),
            params={"username": principal.user.username, "label": k.label},
        )
    sees = principal.sees_money(prod.id)
    page = reg.list_entries(
        session,
        prod,
        k,
        status=status,
        reel=reel,
        review=review_flag,
        search=q,
        sort=sort,
        limit=limit,
        offset=offset,
        money=sees,
    )
    return {
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "by_status": page.by_status,
        "items": principal.gate(prod.id, [reg.entry_dict(k, e, page.place) for e in page.rows]),
    }


@router.post("/productions/{production_id}/registers/{kind}", status_code=201)
def add_entry(
    production_id: Id, kind: str, body: EntryIn, principal: PrincipalDep, session: SessionDep
) -> dict[str, Any]:
    """Add an entry (shot, cue, dubbed version) from field values."""
    prod = load_production(session, production_id)
    k = reg.get_kind(kind)
    principal.require("register.edit", Resource(prod.id, department=k.name))
    _refuse_blind_money(principal, prod, k, body.values)
    entry = reg.add_entry(session, prod, k, body.values)
    return _entry(principal, prod, k, entry, reg.Placement(session, prod))


@router.get("/productions/{production_id}/registers/{kind}/{key}")
def get_entry(
    production_id: Id, kind: str, key: str, principal: PrincipalDep, session: SessionDep, response: Response
) -> dict[str, Any]:
    """One entry with its notes; its ETag is its version."""
    prod = load_production(session, production_id)
    k = reg.get_kind(kind)
    entry = reg.get_entry(session, prod, k, key)
    _check_read(principal, session, prod, k.name, k.target_type, entry.id)
    response.headers["ETag"] = f'"{entry.version}"'
    data = _entry(principal, prod, k, entry, reg.Placement(session, prod))
    return data | {"notes": [notes_svc.note_dict(n) for n in reg.entry_notes(session, k, entry)]}


@router.patch("/productions/{production_id}/registers/{kind}/{key}")
def update_entry(
    production_id: Id,
    kind: str,
    key: str,
    body: EntryPatch,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: str | None = Header(None, max_length=40),
) -> dict[str, Any]:
    """Change an entry if it is still at the version read; else 409 with its current state."""
    prod = load_production(session, production_id)
    k = reg.get_kind(kind)
    entry = reg.get_entry(session, prod, k, key)
    principal.require("register.edit", Resource(prod.id, department=k.name))
    _refuse_blind_money(principal, prod, k, body.values)
    expected = items.expected_version(if_match, body.version)
    place = reg.Placement(session, prod)
    entry = reg.update_entry(session, prod, k, entry, body.values, reviewed=body.reviewed, expected_version=expected)
    response.headers["ETag"] = f'"{entry.version}"'
    return _entry(principal, prod, k, entry, place)


@router.delete("/productions/{production_id}/registers/{kind}/{key}", status_code=204)
def delete_entry(production_id: Id, kind: str, key: str, principal: PrincipalDep, session: SessionDep) -> Response:
    """Remove an entry with its notes."""
    prod = load_production(session, production_id)
    k = reg.get_kind(kind)
    entry = reg.get_entry(session, prod, k, key)
    principal.require("register.edit", Resource(prod.id, department=k.name))
    reg.delete_entry(session, k, entry)
    return Response(status_code=204)


@router.post("/productions/{production_id}/registers/{kind}/{key}/notes", response_model=NoteView, status_code=201)
def add_entry_note(
    production_id: Id, kind: str, key: str, body: NoteIn, principal: PrincipalDep, session: SessionDep
) -> NoteView:
    """A note on a register entry."""
    prod = load_production(session, production_id)
    k = reg.get_kind(kind)
    entry = reg.get_entry(session, prod, k, key)
    principal.require("register.edit", Resource(prod.id, department=k.name))
    return notes_svc.note_dict(reg.add_entry_note(session, k, entry, body.body, principal.user.name))


@router.get("/productions/{production_id}/deliverables", tags=["deliverables"])
def list_deliverables(
    production_id: Id, principal: PrincipalDep, session: SessionDep, status: str | None = Query(None, max_length=32)
) -> list[dlv.DeliverableView]:
    """The deliverables with their last QC run; clients see the shared ones."""
    prod = load_production(session, production_id)
    rows = dlv.list_deliverables(session, prod, status)
    if not principal.can("register.read", Resource(prod.id, department="deliverables")):
        shared = review.shared_ids(session, prod.id, "deliverable")
        if not principal.can("register.read", Resource(prod.id, department="deliverables", shared=True)):
            raise Forbidden(
                N_("%(username)s may not read deliverables here"), params={"username": principal.user.username}
            )
        rows = [d for d in rows if d.id in shared]
    return [dlv.deliverable_dict(d) for d in rows]


@router.post("/productions/{production_id}/deliverables", status_code=201, tags=["deliverables"])
def add_deliverable(
    production_id: Id, body: DeliverableIn, principal: PrincipalDep, session: SessionDep
) -> dlv.DeliverableView:
    """Add a deliverable with its spec, due date and file."""
    prod = load_production(session, production_id)
    principal.require("register.edit", Resource(prod.id, department="deliverables"))
    return dlv.deliverable_dict(dlv.add_deliverable(session, prod, **body.model_dump()))


@router.get("/productions/{production_id}/deliverables/{ref}", tags=["deliverables"])
def get_deliverable(
    production_id: Id, ref: str, principal: PrincipalDep, session: SessionDep, response: Response
) -> dlv.DeliverableDetailView:
    """One deliverable with its QC runs; its ETag is its version."""
    prod = load_production(session, production_id)
    d = dlv.get_deliverable(session, prod, ref)
    _check_read(principal, session, prod, "deliverables", "deliverable", d.id)
    response.headers["ETag"] = f'"{d.version}"'
    return dlv.deliverable_detail(session, d, findings=False)


@router.patch("/productions/{production_id}/deliverables/{ref}", tags=["deliverables"])
def update_deliverable(
    production_id: Id,
    ref: str,
    body: DeliverablePatch,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: str | None = Header(None, max_length=40),
) -> dlv.DeliverableView:
    """Change status, spec, due date or file if still at the version read; else 409 with the current state."""
    prod = load_production(session, production_id)
    d = dlv.get_deliverable(session, prod, ref)
    principal.require("register.edit", Resource(prod.id, department="deliverables"))
    expected = items.expected_version(if_match, body.version)
    d = dlv.update_deliverable(session, d, **body.model_dump(exclude={"version"}), expected_version=expected)
    response.headers["ETag"] = f'"{d.version}"'
    return dlv.deliverable_dict(d)


@router.post(
    "/productions/{production_id}/deliverables/{ref}/qc-jobs",
    response_model=JobView,
    status_code=202,
    tags=["deliverables"],
)
def qc_deliverable(production_id: Id, ref: str, principal: PrincipalDep, session: SessionDep, jobs: JobsDep) -> JobView:
    """Check the deliverable's file against its spec in the background; the run is kept with its findings."""
    prod = load_production(session, production_id)
    principal.require("register.edit", Resource(prod.id, department="deliverables"))
    target = dlv.qc_target(session, prod, ref)  # no file, no spec or a file outside the roots: refused now
    params = {"production_id": prod.id, **target.params()}
    return job_dict(jobs.submit(session, "deliverable-qc", params, production_id=prod.id, user_id=principal.user.id))
