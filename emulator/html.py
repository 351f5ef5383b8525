"""Telegram's HTML parse mode: validate markup, produce the visible text and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError, bad_request

_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\f"
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "blockquote"})


@dataclass
class ParsedText:
    """The visible text of a message and its entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    name: str
    offset: int
    entity: dict[str, Any] | None


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _fail(reason: str) -> ApiError:
    """The 400 answer for markup Telegram cannot parse."""
    return bad_request(f"can't parse entities: {reason}")


def _byte_offset(text: str, index: int) -> int:
    """UTF-8 byte offset of a character index, as Telegram reports positions."""
    return len(text[:index].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str:
    """The character an HTML entity stands for."""
    body = match.group(1)
    if body in _NAMED:
        return _NAMED[body]
    number = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return "\ufffd"
    return chr(number)


def _decode_value(text: str, value: str, at: int) -> str:
    """Decode entities inside an attribute value, rejecting a bare '&'."""
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            match = _ENTITY.match(value, i)
            if match is None:
                raise _fail(
                    f"Character '&' at byte offset {_byte_offset(text, at)} must be escaped "
                    "as &amp;"
                )
            out.append(_decode_entity(match))
            i = match.end()
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_attributes(text: str, i: int, tag_at: int) -> tuple[dict[str, str], int]:
    """Read attributes from index `i` up to and including '>'; return them and the next index."""
    attrs: dict[str, str] = {}
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            raise _fail(f"Unclosed start tag at byte offset {_byte_offset(text, tag_at)}")
        if text[i] == ">":
            return attrs, i + 1
        match = _ATTR_NAME.match(text, i)
        if match is None:
            raise _fail(
                f"Empty attribute name in the tag at byte offset {_byte_offset(text, tag_at)}"
            )
        name = match.group(0).lower()
        i = match.end()
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i < len(text) and text[i] == "=":
            i += 1
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
            if i >= len(text):
                raise _fail(f"Unclosed start tag at byte offset {_byte_offset(text, tag_at)}")
            if text[i] in "\"'":
                end = text.find(text[i], i + 1)
                if end < 0:
                    raise _fail(f"Unclosed start tag at byte offset {_byte_offset(text, tag_at)}")
                raw, i = text[i + 1 : end], end + 1
            else:
                start = i
                while i < len(text) and text[i] not in " \t\r\n>":
                    i += 1
                raw = text[start:i]
            attrs[name] = _decode_value(text, raw, tag_at)
        else:
            attrs[name] = ""


def _entity_for(name: str, attrs: dict[str, str], at: int, text: str) -> dict[str, Any] | None:
    """The entity a start tag opens (None for a tag that makes no entity)."""
    if name == "a":
        href = attrs.get("href", "")
        return {"type": "text_link", "url": href} if href else None
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, at)}'
            )
        return {"type": "spoiler"}
    if name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        return {"type": kind}
    entity: dict[str, Any] = {"type": _SIMPLE_TAGS[name]}
    if name == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"].removeprefix("language-")
    return entity


def parse_html(text: str) -> ParsedText:
    """Parse Telegram HTML like the Bot API; raise ApiError(400) where Telegram would."""
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            match = _ENTITY.match(text, i)
            if match is None:
                raise _fail(
                    f"Character '&' at byte offset {_byte_offset(text, i)} must be escaped "
                    "as &amp;"
                )
            decoded = _decode_entity(match)
            out.append(decoded)
            pos16 += utf16_len(decoded)
            i = match.end()
            continue
        if ch != "<":
            out.append(ch)
            pos16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        tag_at = i
        if text.startswith("</", i):
            match = _TAG_NAME.match(text, i + 2)
            name = match.group(0).lower() if match else ""
            j = match.end() if match else i + 2
            while j < len(text) and text[j] in " \t\r\n":
                j += 1
            if j >= len(text) or text[j] != ">":
                raise _fail(f"Unclosed end tag at byte offset {_byte_offset(text, tag_at)}")
            if not stack:
                raise _fail(
                    f'Unexpected end tag "{name}" at byte offset {_byte_offset(text, tag_at)}'
                )
            top = stack[-1]
            if top.name != name:
                raise _fail(
                    f"Unmatched end tag at byte offset {_byte_offset(text, tag_at)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close(top, pos16, stack, entities)
            i = j + 1
            continue
        match = _TAG_NAME.match(text, i + 1)
        if match is None:
            raise _fail(f'Unsupported start tag "" at byte offset {_byte_offset(text, tag_at)}')
        name = match.group(0).lower()
        if name not in SUPPORTED_TAGS:
            raise _fail(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, tag_at)}'
            )
        attrs, i = _parse_attributes(text, match.end(), tag_at)
        stack.append(_Open(name, pos16, _entity_for(name, attrs, tag_at, text)))
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _close(tag: _Open, end16: int, stack: list[_Open], entities: list[dict[str, Any]]) -> None:
    """Turn a closed tag into an entity (merging <pre><code class> into one pre)."""
    entity = tag.entity
    length = end16 - tag.offset
    if entity is None or length <= 0:
        return
    if (
        entity["type"] == "code"
        and "language" in entity
        and stack
        and stack[-1].name == "pre"
        and stack[-1].entity is not None
    ):
        stack[-1].entity["language"] = entity["language"]
        return
    if entity["type"] == "code":
        entity.pop("language", None)
    entities.append({**entity, "offset": tag.offset, "length": length})


def trim(parsed: ParsedText) -> ParsedText:
    """Strip leading and trailing whitespace as Telegram does, keeping entities aligned."""
    text = parsed.text
    left = text.lstrip(_SPACES)
    lead = utf16_len(text[: len(text) - len(left)])
    result = left.rstrip(_SPACES)
    end = utf16_len(result)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        stop = min(entity["offset"] + entity["length"] - lead, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return ParsedText(result, entities)


def plain_text(text: str, entities: list[dict[str, Any]] | None = None) -> ParsedText:
    """Text sent without parse_mode: visible as given, with the explicit entities if any."""
    return ParsedText(text, list(entities or []))
