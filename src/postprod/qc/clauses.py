"""A spec's clause judged: what it asks, what was measured, pass or fail, and the findings behind it.

Shared by the media check (postprod.qc.check) and the subtitle check (postprod.qc.subtitle_check); kept
apart so that checking subtitles does not load the media decoders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from postprod.qc.events import Event

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not_checked"


@dataclass
class ClauseResult:
    """One clause of the spec: what it asks, what was measured, pass or fail, and the findings behind it."""

    id: str
    title: str
    status: str
    expected: str
    measured: str
    findings: list[Event] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "expected": self.expected,
            "measured": self.measured,
            "message": self.message,
            "findings": [f.to_dict() for f in self.findings],
        }
