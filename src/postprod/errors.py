"""One exception hierarchy: every user mistake is a PostprodError with a one-line message.

A message may be a template marked with `N_` and its parameters: `NotFound(N_("no task %(key)s"),
params={"key": key})`. The command line and the API say it in English (`message`, the template filled
in); the pages translate the template and then fill it in (`said(gettext)`), so a French page says
"aucune tâche X" whatever the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a message template for the pages' catalogue without translating it here."""
    return text


class PostprodError(Exception):
    """A user-facing error: one line saying what and where. CLI exit code 2, API 4xx."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, params: Mapping[str, Any] | None = None) -> None:
        self.template = message
        self.params = dict(params) if params else {}
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        self.field = field

    def __str__(self) -> str:
        return self.message

    def said(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of `gettext`: the template translated, then filled in."""
        if not self.params:
            return gettext(self.message)
        try:
            return gettext(self.template) % self.params
        except (KeyError, ValueError, TypeError):  # a translation that lost a parameter: the English is still right
            return self.message


class InvalidInput(PostprodError):
    """A value that cannot be accepted (bad date, bad rate, bad timecode, bad field)."""

    http_status = 422


class NotFound(PostprodError):
    """An ID or name that matches nothing."""

    http_status = 404


class Conflict(PostprodError):
    """A duplicate, or an edit made against a stale version."""

    http_status = 409


class StaleWrite(Conflict):
    """A write made against a version the item no longer has; carries the item as it is now."""

    def __init__(
        self,
        message: str,
        current: Mapping[str, Any] | None = None,
        *,
        production_id: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field="version", params=params)
        self.current = current
        self.production_id = production_id  # whose money gate the current state passes on its way out


class PreconditionRequired(PostprodError):
    """A write that must say which version it changes (If-Match or a version field)."""

    http_status = 428


class CycleError(InvalidInput):
    """A dependency that would close a loop; the message names the tasks in the loop."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join(cycle))


class IllegalTransition(InvalidInput):
    """A status change the workflow does not allow."""


class FileFormatError(PostprodError):
    """A file that cannot be read: names the file and, where known, the line."""

    def __init__(self, path: str, message: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class DatabaseUnavailable(PostprodError):
    """The database cannot be reached (server down, database missing, sign-in refused): try again later."""

    http_status = 503


class InfeasibleError(PostprodError):
    """A problem with no solution; the message names the tasks that make it so."""

    http_status = 422
