"""The command line's texts, in the operator's language (Chinese unless asked for English).

The command line has its own small catalog (bot/cli/locales/{zh,en}/LC_MESSAGES/cli.po), apart
from handlers/locales: its texts are plain text for a terminal, not Telegram HTML; they are for
the operator, chosen by `--lang` or the system locale rather than a Telegram user's language;
and they change with the command line, not with the chats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from babel.messages.pofile import read_po

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
# The language of this process's output: set once from --lang or the locale (use()).
_current = [DEFAULT_LANGUAGE]


@cache
def catalog(language: str) -> dict[str, str]:
    """One language's catalog, read from its .po file (no compile step)."""
    path = LOCALES / language / "LC_MESSAGES" / "cli.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def use(language: str) -> None:
    """Speak `language` from now on."""
    _current[0] = language if language in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    """The language the command line speaks."""
    return _current[0]


def say(key: str, **values: Any) -> str:
    """The text for `key` in the current language, with {placeholders} filled in."""
    text = catalog(language()).get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"command line text {key!r} is missing from bot/cli/locales")
    return text.format(**values) if values else text


def from_locale(environ: Mapping[str, str]) -> str:
    """English for an English system locale (LC_ALL, LC_MESSAGES or LANG such as en_US.UTF-8),
    else Chinese."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def from_arguments(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language asked for with --lang on the command line, else the locale's."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in LANGUAGES else DEFAULT_LANGUAGE
        if arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
            return value if value in LANGUAGES else DEFAULT_LANGUAGE
    return from_locale(environ)


class CommandHelp(TypedDict):
    """app.command()'s help keywords."""

    help: str
    short_help: str


def helps(key: str, *more: str) -> CommandHelp:
    """A command's help text and its first sentence (click would cut Chinese text, which has no
    spaces, in the middle), as keywords for app.command(); `more` are paragraphs added to the
    help text."""
    text = say(key)
    cut = min(
        (at for at in (text.find(mark) for mark in ("。", "：", ": ", ". ")) if at > 0),
        default=len(text),
    )
    return CommandHelp(help="\n\n".join((text, *more)), short_help=text[:cut])
