"""Message catalogs: every text a user sees, by key, in Chinese and English."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@cache
def catalog(language: str) -> dict[str, str]:
    """Load one language's catalog (the .po file is read directly; no compile step)."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def language_for(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map Telegram's language_code (e.g. "en-GB", "zh-hans") to a supported language."""
    if code:
        short = code.split("-")[0].split("_")[0].lower()
        if short in LANGUAGES:
            return short
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


def t(language: str, key: str, **values: Any) -> str:
    """The text for `key` in `language`, with {placeholders} filled in."""
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"message key {key!r} is missing from the catalogs")
    return text.format(**values) if values else text
