"""Reading a send or edit request's text, caption, markup and reply target; storing the result."""

from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.html import ParsedText, parse_html, plain_text, trim
from emulator.limits import check_caption, check_inline_keyboard, check_text
from emulator.models import Chat, StoredMessage
from emulator.params import Params
from emulator.state import EmulatorState


def parse_text(
    state: EmulatorState,
    raw: str,
    parse_mode: str | None,
    entities: list[Any] | None,
    *,
    caption: bool,
) -> ParsedText:
    """Apply parse_mode (or explicit entities) and the length limits to a text or caption."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = parse_html(raw)
    elif mode in ("markdown", "markdownv2"):
        parsed = plain_text(raw)
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        parsed = plain_text(raw, entities)
    parsed = trim(parsed)
    if state.enforce_limits:
        (check_caption if caption else check_text)(parsed.text)
    return parsed


def read_text(state: EmulatorState, p: Params, field: str = "text") -> tuple[ParsedText, str]:
    """The message text of a request: parsed, non-empty and within limits."""
    raw = p.get_str(field) or ""
    parsed = parse_text(state, raw, p.get_str("parse_mode"), p.get_list("entities"), caption=False)
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    return parsed, raw


def read_caption(state: EmulatorState, p: Params) -> tuple[dict[str, Any], str | None]:
    """Message fields for the caption of a request (may be empty) and the raw caption."""
    raw = p.get_str("caption")
    if not raw:
        return {}, raw
    parsed = parse_text(
        state, raw, p.get_str("parse_mode"), p.get_list("caption_entities"), caption=True
    )
    return caption_fields(parsed), raw


def caption_fields(parsed: ParsedText) -> dict[str, Any]:
    """caption and caption_entities fields."""
    fields: dict[str, Any] = {}
    if parsed.text:
        fields["caption"] = parsed.text
    if parsed.entities:
        fields["caption_entities"] = parsed.entities
    return fields


def text_fields(parsed: ParsedText) -> dict[str, Any]:
    """text and entities fields."""
    fields: dict[str, Any] = {"text": parsed.text}
    if parsed.entities:
        fields["entities"] = parsed.entities
    return fields


def read_markup(
    state: EmulatorState, p: Params
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(inline keyboard to show in the Message, reply_markup as sent) of a request."""
    markup = p.get_obj("reply_markup")
    if markup is None:
        return None, None
    if "inline_keyboard" not in markup:
        return None, markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard: field "inline_keyboard" must be an Array')
    if state.enforce_limits:
        check_inline_keyboard(markup)
    return ({"inline_keyboard": rows} if any(rows) else None), markup


def read_reply(state: EmulatorState, chat: Chat, p: Params) -> StoredMessage | None:
    """The message a request replies to (reply_parameters or reply_to_message_id)."""
    params = p.get_obj("reply_parameters") or {}
    message_id = params.get("message_id", p.get_int("reply_to_message_id"))
    allow = p.get_bool("allow_sending_without_reply")
    allow = bool(params.get("allow_sending_without_reply", allow))
    if message_id is None:
        return None
    target = chat
    if params.get("chat_id") not in (None, chat.id):
        target = state.chat_for_bot(params["chat_id"])
    try:
        replied = state.message_in(target, int(message_id))
    except (TypeError, ValueError):
        raise bad_request("message to be replied not found") from None
    if replied is None and not allow:
        raise bad_request("message to be replied not found")
    return replied


def post(
    state: EmulatorState,
    chat: Chat,
    p: Params,
    body: dict[str, Any],
    raw_text: str | None,
    *,
    markup: bool = True,
) -> StoredMessage:
    """Store a bot message built from `body` plus the request's markup and reply target."""
    reply = read_reply(state, chat, p)
    inline, sent = read_markup(state, p) if markup else (None, None)
    if inline is not None:
        body["reply_markup"] = inline
    if p.get_bool("protect_content"):
        body["has_protected_content"] = True
    return state.add_message(
        chat,
        state.bot_user(),
        body,
        from_bot=True,
        raw_text=raw_text,
        sent_markup=sent,
        reply_to=reply,
    )
