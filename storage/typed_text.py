"""Typed text as a person sees it: the characters that count, and the text that is kept."""

from __future__ import annotations

import unicodedata

# Format (Cf) and control (Cc) characters draw nothing: zero-width spaces and joiners,
# the word joiner, byte order marks, bidi controls, soft hyphens, bells.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc"})
# Letters that draw nothing either (Hangul fillers, the braille blank): kept, never counted.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Kept when the text is tidied: line breaks, tabs, and the zero-width joiner, which holds
# emoji sequences (👨‍👩‍👧) together.
_KEPT = frozenset("\n\t\u200d")


def visible(character: str) -> bool:
    """Whether one character shows: not whitespace, a format or control character, or blank."""
    return not (
        character.isspace()
        or unicodedata.category(character) in _INVISIBLE_CATEGORIES
        or character in _BLANK_LETTERS
    )


def visible_length(text: str) -> int:
    """How many characters of `text` a reader sees (what a minimum length is checked on)."""
    return sum(1 for character in text if visible(character))


def tidy(text: str) -> str:
    """`text` as it is stored: invisible format and control characters gone, trimmed."""
    kept = "".join(
        character
        for character in text
        if character in _KEPT or unicodedata.category(character) not in _INVISIBLE_CATEGORIES
    )
    return kept.strip()
