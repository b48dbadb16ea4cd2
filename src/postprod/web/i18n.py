"""English and French for the pages: gettext catalogues compiled from locale/<lang>/LC_MESSAGES/messages.po."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "fr")
DEFAULT = "en"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of a language (English is the source text: no catalogue needed)."""
    if lang not in LANGUAGES or lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation("messages", localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def pick_language(header: str | None) -> str:
    """The first supported language of an Accept-Language header (for pages before sign-in)."""
    for part in (header or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
