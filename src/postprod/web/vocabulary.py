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
CARRIED = (
    N_("unchanged"),
    N_("shifted"),
    N_("review"),
    N_("placed"),
    N_("added"),  # VFX shots the cut names that the register did not have
    N_("unplaced"),
    N_("pending"),
)

# What an audit entry is about: the model class name (AuditEntry.entity_type) -> words.
ENTITY_TYPES = {
    "Absence": N_("Absence"),
    "AdrCue": N_("ADR cue"),
    "BudgetAccount": N_("Budget account"),
    "BudgetChapter": N_("Budget chapter"),
    "BudgetLine": N_("Budget line"),
    "BudgetPercentLine": N_("Budget percentage line"),
    "BudgetVersion": N_("Budget version"),
    "CostSnapshot": N_("Cost report snapshot"),
    "EtcOverride": N_("Estimate to complete"),
    "FringeGroup": N_("Fringe group"),
    "Invoice": N_("Invoice"),
    "PurchaseOrder": N_("Purchase order"),
    "TimeEntry": N_("Time entry"),
    "Vendor": N_("Vendor"),
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
