"""How a complaint looks in the group chat: the card's text and buttons, and the events told.

Pure functions of `CardView`s and a language. Everything people typed is escaped; long text
is cut so that a message stays within Telegram's 4096 characters. The resident's identity is
shown only on the group's card, and never for an anonymous complaint (a department's card,
with no identity at all, is handlers/department/cards.py's). The events told in the group chat
(`group_notice`) never show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.calls import ELLIPSIS as ELLIPSIS  # re-exported: what a cut text ends with
from handlers.calls import MAX_TEXT, fit, units
from handlers.channels import channel_name
from handlers.group import keyboards
from handlers.i18n import catalog, t
from storage.triage import CardView, EventView

# Room kept free below the limit (an ellipsis, rounding).
MARGIN = 16
# At most this much of a message goes to the resolution note; the description gets the rest.
RESOLUTION_SHARE = 1200
# A burst card: each complaint's description is cut to about this much.
BURST_DESCRIPTION = 160
# How much of a typed answer or report a notice in the group chat shows.
NOTICE_TEXT = 3000
# How much of a department's 退回 explanation the card shows.
RETURN_NOTE = 300


def status_name(language: str, status: str) -> str:
    """A status in words."""
    key = f"status.{status}"
    return t(language, key) if key in catalog(language) else escape(status)


def category_name(language: str, view: CardView) -> str:
    """The category in the chat's language, escaped."""
    name = view.category_en if language == "en" else view.category_zh
    return escape(name or view.category_code)


def local_time(view: CardView, when: datetime) -> str:
    """A moment on the round's clock, e.g. 2023-03-14 10:05."""
    return when.astimezone(ZoneInfo(view.timezone)).strftime("%Y-%m-%d %H:%M")


def day(value: date) -> str:
    """A date, e.g. 2023-03-21."""
    return value.isoformat()


def identity(language: str, view: CardView) -> str:
    """Who filed it, for the group's eyes only: name, @username, phone; or anonymous."""
    if view.anonymous:
        return t(language, "card.anonymous")
    parts = []
    if view.reporter_name:
        parts.append(escape(view.reporter_name))
    if view.reporter_username:
        parts.append(escape(f"@{view.reporter_username}"))
    if view.reporter_phone:
        parts.append(t(language, "card.phone", phone=escape(view.reporter_phone)))
    return " · ".join(parts) if parts else t(language, "card.named_unknown")


def place(view: CardView) -> str:
    """小店村（东高皇街道）, escaped."""
    return f"{escape(view.village)} ({escape(view.township)})"


def attachments(language: str, view: CardView) -> str | None:
    """What follows the card as replies: location, photos, voice."""
    items = []
    if view.latitude is not None and view.longitude is not None:
        items.append(t(language, "card.attach.location"))
    if view.photo_count:
        items.append(t(language, "card.attach.photos", count=view.photo_count))
    if view.has_voice:
        items.append(t(language, "card.attach.voice"))
    if not items:
        return None
    return t(language, "card.attachments", items=t(language, "card.list_separator").join(items))


# 回访's first answer on the card, and the group's alert by why it was reopened (issue 10).
RESOLUTION_STATE_KEYS = {
    "solved": "card.resolution_state.solved",
    "partly": "card.resolution_state.partly",
    "unsolved": "card.resolution_state.unsolved",
}
REOPENED_KEYS = {
    "unsolved": "card.event.reopened_unsolved",
    "partly": "card.event.reopened_partly",
}


def dispatch_mark(language: str, view: CardView) -> str:
    """After the department: whether it was the 派单目录's default or chosen instead."""
    if view.department_default is None:
        return ""
    key = "ladder.card.by_default" if view.department_default else "ladder.card.chosen"
    return t(language, key)


def satisfaction_name(language: str, value: str) -> str:
    """satisfied / basic / unsatisfied in words."""
    key = f"card.satisfaction.{value}"
    return t(language, key) if key in catalog(language) else escape(value)


def _with_budget(head: list[str], tail: list[str], key: str, language: str, raw: str) -> str:
    """The `key` line filled with `raw`, cut to what the rest of the message leaves."""
    empty = t(language, key, text="")
    rest = units("\n".join([*head, empty, *tail]))
    return t(language, key, text=fit(raw, MAX_TEXT - MARGIN - rest))


# --- the group's card -----------------------------------------------------------------------


def card_text(view: CardView, language: str) -> str:
    """The full card of one complaint."""
    head = [
        t(
            language,
            "card.title",
            number=escape(view.number),
            status=status_name(language, view.status),
        ),
        t(language, "card.village", village=place(view)),
        t(language, "card.category", category=category_name(language, view)),
    ]
    if view.sensitive:
        head.append(t(language, "card.sensitive"))
    head.append(t(language, "card.filed", time=local_time(view, view.filed_at)))
    head.append(t(language, "card.reporter", who=identity(language, view)))
    if view.channel != "bot":
        # 代录 (issue 11): how it was heard and who recorded it.
        head.append(
            t(
                language,
                "card.channel",
                channel=channel_name(language, view.channel),
                name=fit(view.recorded_by_name or "", 100),
            )
        )

    tail: list[str] = []
    if view.address:
        # Typed by the resident; short (the draft limits it), but cut all the same.
        tail.append(t(language, "card.address", address=fit(view.address, 300)))
    extra = attachments(language, view)
    if extra:
        tail.append(extra)
    if view.due_on is not None:
        tail.append(t(language, "card.due", date=day(view.due_on)))
    if view.taken_by_name:
        tail.append(t(language, "card.taken", name=fit(view.taken_by_name, 100)))
    if view.department_name:
        line = t(language, "card.department", name=escape(view.department_name))
        tail.append(line + dispatch_mark(language, view))
    if view.assignee_name:
        tail.append(t(language, "ladder.card.assignee", name=fit(view.assignee_name, 100)))
    tail.extend(handoff_lines(view, language))
    if view.merged_into_number:
        tail.append(t(language, "card.merged_into", number=escape(view.merged_into_number)))
    if view.duplicates > 0:
        tail.append(t(language, "card.duplicates", count=view.duplicates + 1))
    if view.followers > 0:
        tail.append(t(language, "card.followers", count=view.followers))
    if view.likely:
        numbers = "、".join(escape(number) for _id, number in view.likely)
        tail.append(t(language, "card.likely", numbers=numbers))
    if view.resolution:
        tail.append(t(language, "card.resolution", text=fit(view.resolution, RESOLUTION_SHARE)))
    if view.resolution_state in RESOLUTION_STATE_KEYS:
        value = t(language, RESOLUTION_STATE_KEYS[view.resolution_state])
        tail.append(t(language, "card.resolution_state", value=value))
    if view.satisfaction:
        tail.append(
            t(language, "card.satisfaction", value=satisfaction_name(language, view.satisfaction))
        )

    if view.description:
        body = _with_budget(head, tail, "card.description", language, view.description)
    else:
        body = t(language, "card.no_description")
    return "\n".join([*head, body, *tail])


def card_buttons(view: CardView, language: str) -> InlineKeyboardMarkup | None:
    """The buttons that fit the complaint's status, three to a row."""
    acts = keyboards.actions_for(view.status, view.sensitive, view.return_pending)
    buttons = [
        keyboards.action_button(language, act, view.complaint_id, view.status) for act in acts
    ]
    layout = keyboards.rows(buttons, 3)
    if keyboards.Act.merge in acts:
        # One press merges it into a likely duplicate (storage/similar/): 合并到 0007.
        merges = [
            keyboards.merge_into_button(language, view.complaint_id, view.status, cid, number)
            for cid, number in view.likely
        ]
        layout.extend(keyboards.rows(merges, 3))
    if not layout:
        return None
    # 屏蔽 the resident (issue 11 §5), on every card that still has buttons.
    layout.append([keyboards.block_button(language, view.complaint_id)])
    return InlineKeyboardMarkup(layout)


def card(view: CardView, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card of one complaint: text and buttons."""
    return card_text(view, language), card_buttons(view, language)


def handoff_lines(view: CardView, language: str) -> list[str]:
    """The department's side of the dispatch, for the group: 已签收 · time (or waiting), 已退回
    · reason, a 延期 waiting or granted, a clue's 已受理."""
    handoff = view.handoff
    if handoff is None:
        return []
    if handoff.return_pending:
        reason = t(language, f"dept.reason.{handoff.return_reason}")
        return [
            t(
                language,
                "card.returned",
                reason=reason,
                note=fit(handoff.return_note or "", RETURN_NOTE),
            )
        ]
    if handoff.ended_at is not None:
        return []
    lines = []
    if handoff.signed_at is not None:
        lines.append(t(language, "card.signed", time=local_time(view, handoff.signed_at)))
    else:
        lines.append(t(language, "card.not_signed"))
    if handoff.received_at is not None:
        lines.append(t(language, "card.clue_received"))
    if handoff.extension_state == "pending":
        lines.append(t(language, "card.extension_pending", days=handoff.extension_days or 0))
    if handoff.extended_days:
        lines.append(t(language, "card.extended", days=handoff.extended_days))
    return lines


# --- a burst: several complaints in one message ---------------------------------------------

# In a burst each complaint gets one row: its first actions, then "more" (the full card).
BURST_ACTIONS = 2


def burst_text(views: Sequence[CardView], language: str) -> str:
    """Several complaints listed briefly."""
    head = t(language, "card.burst_title", count=len(views))
    items = []
    for view in views:
        line = t(
            language,
            "card.burst_item",
            number=escape(view.number),
            status=status_name(language, view.status),
            village=place(view),
            category=category_name(language, view),
            who=identity(language, view),
        )
        if view.duplicates > 0:
            line += "\n" + t(language, "card.duplicates", count=view.duplicates + 1)
        items.append(line)
    fixed = units(head) + sum(units(item) + 4 for item in items)
    per_item = max(0, (MAX_TEXT - MARGIN - fixed) // max(len(views), 1))
    budget = min(BURST_DESCRIPTION, per_item)
    blocks = [head]
    for view, item in zip(views, items, strict=True):
        if view.description and budget > 0:
            item += "\n" + fit(view.description, budget)
        blocks.append(item)
    return "\n\n".join(blocks)


def burst_buttons(views: Sequence[CardView], language: str) -> InlineKeyboardMarkup | None:
    """One row per complaint, labelled with its short number."""
    layout: list[list[InlineKeyboardButton]] = []
    for view in views:
        label = keyboards.short_number(view.number)
        acts = keyboards.actions_for(view.status, view.sensitive)[:BURST_ACTIONS]
        row = [
            keyboards.action_button(language, act, view.complaint_id, view.status, label)
            for act in acts
        ]
        row.append(keyboards.show_button(language, view.complaint_id, label))
        layout.append(row)
    return InlineKeyboardMarkup(layout) if layout else None


def card_message(
    views: Sequence[CardView], language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The group card message showing these complaints (one: the full card; more: a burst)."""
    if len(views) == 1:
        return card(views[0], language)
    return burst_text(views, language), burst_buttons(views, language)


# --- events told in the group chat, as replies to the card ----------------------------------


def event_name(language: str, action: str, to_status: str | None) -> str:
    """What an event did, in words."""
    key = f"card.event_name.{action}"
    if key in catalog(language):
        return t(language, key)
    if to_status:
        return status_name(language, to_status)
    return escape(action)


# A follower's 回访 answers in words (the `follower_rated` notice).
ANSWER_KEYS = {
    "solved": "survey.value.solved",
    "partly": "survey.value.partly",
    "unsolved": "survey.value.unsolved",
    "satisfied": "survey.value.satisfied",
    "basic": "survey.value.basic",
    "unsatisfied": "survey.value.unsatisfied",
}


def group_notice(view: EventView, language: str) -> str:
    """An event told in the group chat, as a reply to the card (never the identity)."""
    event, card = view.event, view.card
    number = escape(card.number)
    note = event.note or ""
    if event.action == "follow_up_answered":
        question = view.follow_up.question if view.follow_up is not None else ""
        answer = view.follow_up.answer if view.follow_up and view.follow_up.answer else note
        return t(
            language,
            "card.event.follow_up_answered",
            number=number,
            question=fit(question, NOTICE_TEXT // 3),
            answer=fit(answer or "", NOTICE_TEXT),
        )
    if event.action == "reopened":
        if note in REOPENED_KEYS:
            return t(language, REOPENED_KEYS[note], number=number)
        return t(language, "card.event.reopened", number=number)
    if event.action == "follower_rated":
        # A follower's 回访 ("<state>:<satisfaction>"): informs; the owner's answer decides.
        state, _sep, rated = note.partition(":")
        answers = [t(language, ANSWER_KEYS[v]) for v in (state, rated) if v in ANSWER_KEYS]
        return t(language, "card.event.follower_rated", number=number, value=" · ".join(answers))
    if event.action == "partly_solved":
        value = satisfaction_name(language, card.satisfaction or note)
        return t(language, "card.event.partly_solved", number=number, value=value)
    if event.action == "resolved" and event.actor == "department":
        return t(
            language,
            "card.event.department_done",
            number=number,
            department=escape(card.department_name or event.actor_name or ""),
            note=fit(note, NOTICE_TEXT),
        )
    if event.action == "closed":
        value = satisfaction_name(language, card.satisfaction or note or "")
        return t(language, "card.event.closed", number=number, value=value)
    if event.action == "withdrawn":
        # 群众撤回 (issue 11): the resident's reason, when they gave one.
        reason = fit(note, NOTICE_TEXT) if note else t(language, "card.event.no_reason")
        return t(language, "card.event.withdrawn", number=number, reason=reason)
    if event.action == "supplemented":
        # 补充材料: the text, if any; its photos and voice follow (handlers/event_rows.py).
        return t(language, "card.event.supplemented", number=number) + (
            "\n" + fit(note, NOTICE_TEXT) if note else ""
        )
    text = t(
        language,
        "card.event.other",
        number=number,
        what=event_name(language, event.action, event.to_status),
    )
    if note:
        text += "\n" + fit(note, NOTICE_TEXT)
    return text
