"""Buttons of the resident's conversation, and the callback data they carry."""

# Callback data is short and prefixed, and carries the draft id so that a button from an old
# message can be told apart on the server side: `<prefix>:<draft id>[:<value>...]`.

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.i18n import LANGUAGES, t
from storage.drafts import EditField
from storage.models import Category, Village
from storage.villages import Township

PAGE_SIZE = 8

_ID = r"(\d{1,18})"
LANGUAGE = re.compile(r"^lang:(zh|en)$")
RESUME = re.compile(rf"^sc:{_ID}$")
RESTART = re.compile(rf"^sn:{_ID}:{_ID}$")
TOWNSHIPS = re.compile(rf"^tp:{_ID}:(\d{{1,4}})$")
VILLAGES = re.compile(rf"^vp:{_ID}:{_ID}:(\d{{1,4}})$")
VILLAGE = re.compile(rf"^vs:{_ID}:{_ID}$")
SUGGESTION = re.compile(rf"^vc:{_ID}:([yn])$")
CATEGORY = re.compile(rf"^cat:{_ID}:([A-Za-z0-9_-]{{1,32}})$")
DONE = re.compile(rf"^dd:{_ID}$")
FAR_LOCATION = re.compile(rf"^lc:{_ID}:([yr])$")
IDENTITY = re.compile(rf"^id:{_ID}:([an])$")
SUMMARY = re.compile(rf"^sm:{_ID}:(ok|ed|cx|bk)$")
EDIT = re.compile(rf"^ef:{_ID}:([vcdli])$")
# 加入关注: join the open complaint <id> like this draft instead of filing it.
JOIN = re.compile(rf"^sj:{_ID}:{_ID}$")

T = TypeVar("T")


def _button(text: str, *parts: object) -> InlineKeyboardButton:
    """An inline button whose data is the parts joined with ':'."""
    return InlineKeyboardButton(text, callback_data=":".join(str(p) for p in parts))


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """Buttons laid out `width` to a row."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def page_of(items: Sequence[T], page: int) -> tuple[list[T], int, bool]:
    """The items of one page (clamped to the last), that page, and whether more follow."""
    last = max(0, (len(items) - 1) // PAGE_SIZE)
    page = min(max(page, 0), last)
    start = page * PAGE_SIZE
    return list(items[start : start + PAGE_SIZE]), page, page < last


def _pager(
    language: str, page: int, more: bool, *prefix: object
) -> list[list[InlineKeyboardButton]]:
    """A row of ‹ › buttons when there is more than one page."""
    row = []
    if page > 0:
        row.append(_button(t(language, "button.previous"), *prefix, page - 1))
    if more:
        row.append(_button(t(language, "button.next"), *prefix, page + 1))
    return [row] if row else []


def languages() -> InlineKeyboardMarkup:
    """中文 / English."""
    return InlineKeyboardMarkup(
        [[_button(t(code, "lang.name"), "lang", code) for code in LANGUAGES]]
    )


def resume(language: str, draft_id: int, village_id: int | None) -> InlineKeyboardMarkup:
    """Continue the running draft, or start over (with a deep-linked village)."""
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "button.continue"), "sc", draft_id)],
            [_button(t(language, "button.start_over"), "sn", draft_id, village_id or 0)],
        ]
    )


def townships(
    language: str, draft_id: int, items: Sequence[Township], page: int
) -> InlineKeyboardMarkup:
    """One page of townships; a township opens its villages."""
    shown, page, more = page_of(items, page)
    buttons = [_button(tw.name, "vp", draft_id, tw.anchor_id, 0) for tw in shown]
    return InlineKeyboardMarkup(_rows(buttons, 2) + _pager(language, page, more, "tp", draft_id))


def villages(
    language: str,
    draft_id: int,
    anchor_id: int,
    items: Sequence[Village],
    page: int,
    *,
    back: bool,
) -> InlineKeyboardMarkup:
    """One page of a township's villages, with a way back to the townships."""
    shown, page, more = page_of(items, page)
    buttons = [_button(v.name, "vs", draft_id, v.id) for v in shown]
    rows = _rows(buttons, 2) + _pager(language, page, more, "vp", draft_id, anchor_id)
    if back:
        rows.append([_button(t(language, "button.townships"), "tp", draft_id, 0)])
    return InlineKeyboardMarkup(rows)


def suggestion(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """Yes, that is my village / choose another."""
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "button.yes_village"), "vc", draft_id, "y")],
            [_button(t(language, "button.other_village"), "vc", draft_id, "n")],
        ]
    )


def categories(language: str, draft_id: int, items: Sequence[Category]) -> InlineKeyboardMarkup:
    """The round's categories, named in the resident's language."""
    buttons = [
        _button(c.name_en if language == "en" else c.name_zh, "cat", draft_id, c.code)
        for c in items
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def done(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """The description is complete."""
    return InlineKeyboardMarkup([[_button(t(language, "button.done"), "dd", draft_id)]])


def far_location(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """Yes, the far location is right / send the location again."""
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "button.far_location_yes"), "lc", draft_id, "y")],
            [_button(t(language, "button.far_location_resend"), "lc", draft_id, "r")],
        ]
    )


def identity(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """Anonymous or with my name."""
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "button.anonymous"), "id", draft_id, "a")],
            [_button(t(language, "button.named"), "id", draft_id, "n")],
        ]
    )


def summary(language: str, draft_id: int, join: int | None = None) -> InlineKeyboardMarkup:
    """Confirm, edit a field, or cancel; with `join` (a similar open complaint's id) first
    加入关注 and confirming reads 我的问题不一样，继续提交."""
    confirm = t(language, "button.confirm" if join is None else "similar.button.continue")
    rows = [
        [_button(confirm, "sm", draft_id, "ok")],
        [
            _button(t(language, "button.edit"), "sm", draft_id, "ed"),
            _button(t(language, "button.cancel"), "sm", draft_id, "cx"),
        ],
    ]
    if join is not None:
        rows.insert(0, [_button(t(language, "similar.button.join"), "sj", draft_id, join)])
    return InlineKeyboardMarkup(rows)


def edit_fields(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """Which field to change, or back to the summary's buttons."""
    buttons = [
        _button(t(language, f"field.{which.name}"), "ef", draft_id, which.value)
        for which in EditField
    ]
    rows = _rows(buttons, 2)
    rows.append([_button(t(language, "button.back"), "sm", draft_id, "bk")])
    return InlineKeyboardMarkup(rows)


def _one_time(*rows: list[KeyboardButton]) -> ReplyKeyboardMarkup:
    """A reply keyboard that goes once used."""
    return ReplyKeyboardMarkup(list(rows), resize_keyboard=True, one_time_keyboard=True)


def share_location(language: str) -> ReplyKeyboardMarkup:
    """Telegram's own location button (at the village step)."""
    return _one_time([KeyboardButton(t(language, "button.share_location"), request_location=True)])


def location_or_skip(language: str) -> ReplyKeyboardMarkup:
    """The location button, and skip (a typed address works too)."""
    return _one_time(
        [KeyboardButton(t(language, "button.share_location"), request_location=True)],
        [KeyboardButton(t(language, "button.skip"))],
    )


def phone_or_skip(language: str) -> ReplyKeyboardMarkup:
    """Telegram's contact button (the resident's own number), and skip."""
    return _one_time(
        [KeyboardButton(t(language, "button.share_phone"), request_contact=True)],
        [KeyboardButton(t(language, "button.skip"))],
    )


def is_skip(text: str) -> bool:
    """Whether a text is the skip button's label (in any language: /lang may have changed)."""
    return text.strip() in {t(language, "button.skip") for language in LANGUAGES}
