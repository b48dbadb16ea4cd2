"""Option and argument values read without Pydantic, where Typer would give the same result.

Typer (0.29) turns every value of every parameter through a Pydantic TypeAdapter, and builds that
adapter even for an option left at None; the first one imports Pydantic and each costs a schema
build: 50-60 ms on a command such as `postprod task list` or `postprod cut diff`, most of it for
options whose value is already what the command receives (a str for a `str` option).

PlainValues takes the place of Typer's coercion on each parameter and does the plain cases itself,
with the result Typer's own would give: a str for a str, an int or float written in plain digits,
a path, a list of str. Any other value or type (choices, dates, clamped or out-of-range numbers,
files, parsers) goes to Typer's own coercion, built then, so its results and error messages are
unchanged. tests/core/test_core_startup.py holds both to the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import _click as click
from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_path, lenient_issubclass, routes_to_path
from typer.core import _TyperParameter

_INT = re.compile(r"-?[0-9]{1,18}")
_FLOAT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")


class _NotPlain(Exception):
    """The value is not one of the plain cases: Typer's own coercion decides."""


def _number(annotation: Any, info: Any, value: Any) -> Any:
    if info.clamp:
        raise _NotPlain
    if type(value) is annotation:
        number = value
    elif type(value) is str and (_INT if annotation is int else _FLOAT).fullmatch(value):
        number = annotation(value)
    else:
        raise _NotPlain
    if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
        raise _NotPlain  # out of range: Typer's own message
    return number


def plain_value(annotation: Any, info: Any, value: Any, param: Any = None, ctx: Any = None) -> Any:
    """The value as Typer would coerce it, for the plain cases; _NotPlain for any other."""
    if info.parser is not None:
        raise _NotPlain
    if annotation is str:
        if type(value) is not str:
            raise _NotPlain
        return value
    if annotation is int or annotation is float:
        return _number(annotation, info, value)
    if routes_to_path(annotation, info):
        path_type = info.path_type
        if path_type is None and lenient_issubclass(annotation, Path):
            path_type = annotation
        if lenient_issubclass(path_type, Path) and type(value) is str and value:
            value = path_type(value)  # what Pydantic makes of a non-empty str for a Path
        elif not (path_type in (None, str, bytes) or isinstance(value, path_type)):
            raise _NotPlain
        # Typer's own checks (exists, file_okay, resolve_path ...) and messages, without Pydantic
        return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        if not isinstance(value, list | tuple) or any(type(v) is not str for v in value):
            raise _NotPlain
        return list(value)
    raise _NotPlain


@dataclass(frozen=True)
class PlainValues(RuntimeParam):
    """A parameter's coercion: the plain cases here, the rest by Typer's own (built when first needed)."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: click.Context) -> Any:
        try:
            return plain_value(self.annotation, self.parameter_info, value, param, ctx)
        except _NotPlain:
            pass
        param._runtime_param = typer_own = build_runtime_param(param.type_descriptor)
        return typer_own._coerce_value(value, param=param, ctx=ctx)


def use_plain_values(param: Any) -> None:
    """Give a parameter PlainValues as its coercion (Typer's own stays for files, and for what is not Typer's)."""
    if isinstance(param, _TyperParameter) and param._runtime_param is None:
        descriptor = param.type_descriptor
        if descriptor.file_annotation is None:
            param._runtime_param = PlainValues(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )


def use_plain_values_in(cmd: click.Command) -> None:
    """PlainValues for every parameter of the command and of its subcommands, their --help flags too."""
    for param in [*cmd.params, cmd.get_help_option(click.Context(cmd))]:
        use_plain_values(param)
    for sub in getattr(cmd, "commands", {}).values():
        use_plain_values_in(sub)
