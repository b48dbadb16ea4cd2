"""Files the server may open: only under the media roots (POSTPROD_MEDIA_ROOTS), whatever path a user typed.

A path is resolved (symlinks followed, `..` folded) before it is compared with the roots, so a
link that leaves a root, or a `../../etc` walk, is refused like any outside path. The refusal
says only that the path is outside the media roots: not whether it exists, is readable or what
it holds. A relative path is taken from the first root.

Unset, the roots are the current folder for the command line (the user's own machine and
files) and nothing at all for the server and the workers: a server reads no file until an
administrator names the folders deliveries live in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from postprod.config import media_roots_setting
from postprod.errors import N_, InvalidInput


class OutsideMediaRoots(InvalidInput):
    """A path outside the media roots (or one that cannot be a path at all): refused, with nothing more said."""

    def __init__(self, field: str = "file") -> None:
        super().__init__(
            N_("%(field)s: outside the media roots (POSTPROD_MEDIA_ROOTS)"), field=field, params={"field": field}
        )


def local_roots() -> list[Path]:
    """The command line's roots: POSTPROD_MEDIA_ROOTS, else the current folder."""
    return media_roots_setting() or [Path.cwd()]


def server_roots() -> list[Path]:
    """The server's and workers' roots: POSTPROD_MEDIA_ROOTS, else none (no file is read)."""
    return media_roots_setting() or []


def confine(path: str | os.PathLike[str], roots: Sequence[Path], field: str = "file") -> Path:
    """The resolved path when it lies under one of the roots; else OutsideMediaRoots."""
    text = os.fspath(path)
    if not roots or not text.strip() or "\0" in text:
        raise OutsideMediaRoots(field)
    try:
        resolved_roots = [Path(r).resolve() for r in roots]
        p = Path(text)
        if not p.is_absolute():
            p = resolved_roots[0] / p
        real = p.resolve()
    except (OSError, ValueError, RuntimeError):
        raise OutsideMediaRoots(field) from None
    if not any(real == r or real.is_relative_to(r) for r in resolved_roots):
        raise OutsideMediaRoots(field)
    return real
