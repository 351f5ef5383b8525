"""How an inspector's record of a complaint heard in person (代录, issue 11 §1) asks its own
questions in the private chat: the channel, whether the resident gave a name, the name and
the phone as typed; and what the summary shows of them."""

from __future__ import annotations

from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.channels import channel_name
from handlers.i18n import t
from handlers.resident.base import Visit
from storage.drafts import DraftView
from storage.models import RECORDED_CHANNELS, DraftStep

STEPS = frozenset(
    {DraftStep.channel, DraftStep.identity, DraftStep.reporter_name, DraftStep.phone}
)


def _lead(first: str | None, rest: str) -> str:
    """A first line (a hint) before a question."""
    return f"{first}\n\n{rest}" if first else rest


def channels(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """走访, 座谈会, 来电, 来信, 来访, 其他: three to a row."""
    buttons = [
        InlineKeyboardButton(channel_name(language, code), callback_data=f"ch:{draft_id}:{code}")
        for code in RECORDED_CHANNELS
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def named_or_not(language: str, draft_id: int) -> InlineKeyboardMarkup:
    """The resident gave a name, or stays anonymous (the identity step's own buttons)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "record.button.anonymous"), callback_data=f"id:{draft_id}:a"
                )
            ],
            [
                InlineKeyboardButton(
                    t(language, "record.button.named"), callback_data=f"id:{draft_id}:n"
                )
            ],
        ]
    )


def skip_only(language: str) -> ReplyKeyboardMarkup:
    """Just "skip" (the inspector types the resident's phone)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(language, "button.skip"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def ask(visit: Visit, view: DraftView, first: str | None) -> None:
    """The recorded draft's own question at its current step."""
    draft = view.draft
    assert draft.id is not None
    language = visit.language
    if draft.step == DraftStep.channel:
        visit.send(_lead(first, visit.text("record.channel.ask")), channels(language, draft.id))
    elif draft.step == DraftStep.identity:
        visit.send(
            _lead(first, visit.text("record.identity.ask")), named_or_not(language, draft.id)
        )
    elif draft.step == DraftStep.reporter_name:
        visit.send(_lead(first, visit.text("record.name.ask")))
    else:
        visit.send(_lead(first, visit.text("record.phone.ask")), skip_only(language))


def summary_lines(visit: Visit, view: DraftView) -> list[str]:
    """The channel and the resident as the inspector gave them."""
    draft = view.draft
    lines = [
        visit.text(
            "record.summary.channel",
            channel=channel_name(visit.language, draft.channel or "other"),
        )
    ]
    if draft.anonymous:
        lines.append(visit.text("summary.anonymous"))
    else:
        phone = escape(draft.phone) if draft.phone else visit.text("summary.no_phone")
        name = escape(draft.reporter_name or "")
        lines.append(visit.text("summary.named", name=name, phone=phone))
    return lines
