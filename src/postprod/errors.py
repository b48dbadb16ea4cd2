"""One exception hierarchy: every user mistake is a PostprodError with a one-line message.

A message may be a template marked with `N_` and its parameters: `NotFound(N_("no task %(key)s"),
params={"key": key})`. The command line and the API say it in English (`message`, the template filled
in); the pages translate the template and then fill it in (`said(gettext)`), so a French page says
"aucune tâche X" whatever the value. A message kept for later (a job's error) is kept as data (`record`)
and said then in the reader's language (`said_from`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a message template for the pages' catalogue without translating it here."""
    return text


def _fill(template: str, params: Mapping[str, Any]) -> str:
    return template % params if params else template


def _in_language(params: Mapping[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
    """The values of a message, an error given as a value (a message wrapping another, or its record) said in
    that language."""
    out = {}
    for k, v in params.items():
        if isinstance(v, PostprodError):
            v = v.said(gettext)
        elif isinstance(v, Mapping) and "template" in v:
            v = said_from(v, gettext)
        out[k] = v
    return out


def _say(template: str, params: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """A template translated, then filled in; the English when a translation lost a parameter."""
    if not params:
        return gettext(template)
    try:
        return gettext(template) % _in_language(params, gettext)
    except (KeyError, ValueError, TypeError):
        return template % _in_language(params, str)


def _plain(value: Any) -> Any:
    """A message's value as JSON keeps it: text, numbers and booleans as they are, an error as its record (said
    in the reader's language too), anything else as its text."""
    if isinstance(value, PostprodError):
        return value.record()
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def said_from(record: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """A message kept by `PostprodError.record`, in the language of `gettext`."""
    template, params = str(record.get("template", "")), dict(record.get("params") or {})
    try:
        text = _say(template, params, gettext)
    except (KeyError, ValueError, TypeError):
        return str(record.get("message") or template)
    where = record.get("where")
    return f"{where}: {text}" if where else text


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
            return gettext(self.template) % _in_language(self.params, gettext)
        except (KeyError, ValueError, TypeError):  # a translation that lost a parameter: the English is still right
            return self.message

    def record(self) -> dict[str, Any]:
        """The message as data to keep (a job's error), said later in a reader's language by `said_from`."""
        return {
            "template": self.template,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "message": str(self),
        }

    def rename_file(self, path: str, name: str) -> None:
        """Name a file `name` where the message names it `path`: an upload read from a temporary copy on the
        server is named as its sender knows it, never by the server's folders."""
        self.template = self.template.replace(path, name)
        self.params = {k: v.replace(path, name) if isinstance(v, str) else v for k, v in self.params.items()}
        self.message = _fill(self.template, self.params)
        self.args = (self.message,)


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
        super().__init__(N_("dependency cycle: %(cycle)s"), params={"cycle": " -> ".join(cycle)})


class IllegalTransition(InvalidInput):
    """A status change the workflow does not allow."""


class FileFormatError(PostprodError):
    """A file that cannot be read: names the file and, where known, the line.

    What is wrong may be a template with its values (`params`), as any message: the pages translate it and
    keep the file, line and column as they are ("a.edl:12: …", "list.csv:3: priority: …").
    """

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        params: Mapping[str, Any] | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = message
        self.detail_params = dict(params) if params else {}
        super().__init__(f"{self.where}: {_fill(message, self.detail_params)}")

    @property
    def where(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.column}" if self.column else where

    def said(self, gettext: Callable[[str], str]) -> str:
        return f"{self.where}: {_say(self.detail, self.detail_params, gettext)}"

    def record(self) -> dict[str, Any]:
        params = {k: _plain(v) for k, v in self.detail_params.items()}
        return {"where": self.where, "template": self.detail, "params": params, "message": str(self)}

    def rename_file(self, path: str, name: str) -> None:
        self.path = str(self.path).replace(path, name)
        self.detail = self.detail.replace(path, name)
        self.detail_params = {
            k: v.replace(path, name) if isinstance(v, str) else v for k, v in self.detail_params.items()
        }
        self.template = self.message = f"{self.where}: {_fill(self.detail, self.detail_params)}"
        self.args = (self.message,)


class DatabaseUnavailable(PostprodError):
    """The database cannot be reached (server down, database missing, sign-in refused): try again later."""

    http_status = 503


class InfeasibleError(PostprodError):
    """A problem with no solution; the message names the tasks that make it so."""

    http_status = 422
