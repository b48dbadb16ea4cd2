"""Words the pages show from data (statuses, departments, actions, register names), marked for translation."""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a string for the catalogue without translating it here."""
    return text


# The registers' names, as titles and as tabs.
REGISTER_TITLES = {
    "vfx": N_("VFX shots"),
    "adr": N_("ADR cues"),
    "foley": N_("Foley cues"),
    "music": N_("Music cues"),
    "dubbing": N_("Dubbed versions"),
}
REGISTER_TABS = {
    "vfx": N_("VFX"),
    "adr": N_("ADR"),
    "foley": N_("Foley"),
    "music": N_("Music"),
    "dubbing": N_("Dubbing"),
}

# Statuses of tasks, registers, deliverables, approvals and QC, as the label filter writes them.
STATUSES = (
    N_("not started"),
    N_("in progress"),
    N_("in review"),
    N_("approved"),
    N_("done"),
    N_("retake"),
    N_("on hold"),
    N_("internal review"),
    N_("client review"),
    N_("final"),
    N_("omitted"),
    N_("spotted"),
    N_("scheduled"),
    N_("recorded"),
    N_("edited"),
    N_("delivered"),
    N_("cleared"),
    N_("cancelled"),
    N_("pending"),
    N_("in qc"),
    N_("fix"),
    N_("qc passed"),
    N_("changes requested"),
    N_("qc pass"),
    N_("qc fail"),
    N_("qc error"),
)

DEPARTMENTS = (
    N_("Picture editing"),
    N_("VFX"),
    N_("Sound editing"),
    N_("Foley"),
    N_("ADR"),
    N_("Dubbing"),
    N_("Music"),
    N_("Mixing"),
    N_("Grading"),
    N_("Mastering"),
    N_("Deliverables"),
)

# Kinds of QC findings (qc.video, qc.audio, qc.conform), as the label filter writes them.
FINDING_KINDS = (
    N_("black"),
    N_("freeze"),
    N_("luma range"),
    N_("chroma range"),
    N_("letterbox"),
    N_("pillarbox"),
    N_("unreadable"),
    N_("silence"),
    N_("clipping"),
    N_("phase"),
    N_("dc offset"),
    N_("silent channel"),
    N_("identical channels"),
    N_("clause"),
    N_("moved cut"),
    N_("missing cut"),
    N_("extra cut"),
    N_("flash frame"),
    N_("transition"),
    N_("duration"),
)

# Audit trail actions (model/audit.py).
ACTIONS = (N_("create"), N_("update"), N_("delete"))

# A cut version's change list (editorial/diff.py CHANGE_TYPES) and what its import carried over in the registers.
CHANGE_TYPES = (N_("insert"), N_("delete"), N_("trim"), N_("move"), N_("replace"))
CARRIED = (N_("unchanged"), N_("shifted"), N_("review"), N_("placed"), N_("unplaced"), N_("pending"))

# What an audit entry is about: the model class name (AuditEntry.entity_type) -> words.
ENTITY_TYPES = {
    "Absence": N_("Absence"),
    "AdrCue": N_("ADR cue"),
    "ApprovalRequest": N_("Approval request"),
    "ApprovalReview": N_("Reviewer"),
    "Calendar": N_("Calendar"),
    "CutVersion": N_("Cut version"),
    "Deliverable": N_("Deliverable"),
    "Department": N_("Department"),
    "DeliveryDate": N_("Delivery date"),
    "Dependency": N_("Dependency"),
    "DubbingVersion": N_("Dubbed version"),
    "FoleyCue": N_("Foley cue"),
    "Membership": N_("Member"),
    "MusicCue": N_("Music cue"),
    "Note": N_("Note"),
    "Person": N_("Person"),
    "Plan": N_("Plan"),
    "PlanTask": N_("Planned task"),
    "Production": N_("Production"),
    "QcRun": N_("QC run"),
    "Room": N_("Room"),
    "SharedItem": N_("Shared with clients"),
    "Task": N_("Task"),
    "TaskAssignment": N_("Assignment"),
    "VfxShot": N_("VFX shot"),
}

ITEM_TYPES = (
    N_("task"),
    N_("deliverable"),
    N_("vfx shot"),
    N_("adr cue"),
    N_("foley cue"),
    N_("music cue"),
    N_("dubbing version"),
    N_("cut version"),
)

# Register fields shown as column headers (the label filter, capitalised).
FIELDS = (
    N_("Description"),
    N_("Bid"),
    N_("Currency"),
    N_("Shot version"),
    N_("Character"),
    N_("Actor"),
    N_("Line"),
    N_("Reason"),
    N_("Priority"),
    N_("Session"),
    N_("Category"),
    N_("Title"),
    N_("Composer"),
    N_("Publisher"),
    N_("Performer"),
    N_("Usage"),
    N_("Language"),
    N_("Studio"),
    N_("Translation"),
    N_("Detection"),
    N_("Casting"),
    N_("Recording"),
    N_("Mix"),
    N_("Qc"),
)

ROOM_KINDS = (
    N_("edit suite"),
    N_("grading suite"),
    N_("mix stage"),
    N_("adr stage"),
    N_("foley stage"),
    N_("screening room"),
    N_("machine room"),
)

# The fields an activity entry tells of (services/activity.py; the rest are HIDDEN_FIELDS there): column -> words.
FIELD_NAMES = {
    "actor": N_("actor"),
    "actual_finish": N_("actual finish"),
    "actual_start": N_("actual start"),
    "assignee_id": N_("assignee"),
    "bid_amount": N_("bid"),
    "bid_currency": N_("bid currency"),
    "body": N_("text"),
    "calendar_id": N_("calendar"),
    "casting": N_("casting"),
    "category": N_("category"),
    "character": N_("character"),
    "code": N_("code"),
    "composer": N_("composer"),
    "critical": N_("critical"),
    "currency": N_("currency"),
    "cut_version_id": N_("cut version"),
    "day_end": N_("end of day"),
    "day_rate": N_("day rate"),
    "day_start": N_("start of day"),
    "decided_at": N_("decided on"),
    "decision": N_("decision"),
    "deliverable_id": N_("deliverable"),
    "delivery_date": N_("delivery date"),
    "department_code": N_("department"),
    "department_id": N_("department"),
    "description": N_("description"),
    "detection": N_("detection"),
    "done_date": N_("done on"),
    "drop_frame": N_("drop frame"),
    "due": N_("due date"),
    "due_date": N_("due date"),
    "email": N_("e-mail"),
    "end": N_("end"),
    "end_date": N_("end date"),
    "error": N_("error"),
    "estimate_days": N_("estimate (days)"),
    "file_format": N_("file format"),
    "file_name": N_("file name"),
    "finish": N_("finish"),
    "finished_at": N_("finished at"),
    "fixed": N_("fixed"),
    "imported_at": N_("imported at"),
    "incident": N_("incident"),
    "key": N_("key"),
    "kind": N_("kind"),
    "lag_days": N_("lag (days)"),
    "language": N_("language"),
    "late_days": N_("days late"),
    "line": N_("line"),
    "location": N_("location"),
    "message": N_("message"),
    "mix": N_("mix"),
    "name": N_("name"),
    "note": N_("note"),
    "number": N_("number"),
    "original_language": N_("original language"),
    "performer": N_("performer"),
    "person_id": N_("person"),
    "phone": N_("phone"),
    "planned_finish": N_("planned finish"),
    "planned_start": N_("planned start"),
    "predecessor_id": N_("after"),
    "priority": N_("priority"),
    "progress": N_("progress"),
    "publisher": N_("publisher"),
    "qc": N_("QC"),
    "reason": N_("reason"),
    "record_start_tc": N_("record start timecode"),
    "recording": N_("recording"),
    "reel": N_("reel"),
    "requested_by_id": N_("requested by"),
    "result": N_("result"),
    "review": N_("to review"),
    "review_reason": N_("why to review"),
    "reviewer_id": N_("reviewer"),
    "role": N_("role"),
    "room_id": N_("room"),
    "room_kind": N_("room kind"),
    "runtime_minutes": N_("running time (minutes)"),
    "session_date": N_("session date"),
    "shot_id": N_("shot"),
    "shot_version": N_("shot version"),
    "solver": N_("solver"),
    "spec": N_("specification"),
    "start": N_("start"),
    "start_date": N_("start date"),
    "started_at": N_("started at"),
    "status": N_("status"),
    "studio": N_("studio"),
    "successor_id": N_("before"),
    "task_id": N_("task"),
    "template": N_("template"),
    "title": N_("title"),
    "today": N_("date of the plan"),
    "translation": N_("translation"),
    "usage": N_("usage"),
    "user_id": N_("user"),
    "vendor": N_("vendor"),
}

# Where an activity entry's item lives among the pages (services/activity.ActivityView.item_type).
ITEM_PAGES = {
    "task": "tasks/{ref}",
    "deliverable": "deliverables/{ref}",
    "cut_version": "cuts/{ref}",
    "vfx_shot": "registers/vfx/{ref}",
    "adr_cue": "registers/adr/{ref}",
    "foley_cue": "registers/foley/{ref}",
    "music_cue": "registers/music/{ref}",
    "dubbing_version": "registers/dubbing/{ref}",
    "approval": "approvals/{ref}",
    "qc_run": "qc/{ref}",
    "people": "people",
}

# Search results' groups (services/search.KIND_ORDER): kind -> heading.
SEARCH_KINDS = {
    "task": N_("Tasks"),
    "person": N_("People"),
    "vfx_shot": N_("VFX shots"),
    "adr_cue": N_("ADR cues"),
    "foley_cue": N_("Foley cues"),
    "music_cue": N_("Music cues"),
    "dubbing_version": N_("Dubbed versions"),
    "deliverable": N_("Deliverables"),
    "note": N_("Notes"),
}

# Roles in a production (model/users.Role), as the label filter writes them.
ROLES = (N_("supervisor"), N_("production director"), N_("department lead"), N_("technician"), N_("client"))
