"""Buttons of the group chat, and the callback data they carry.

Every button of a card names the complaint and the status the card showed:
`cmp:<action>:<complaint id>:<status code>`. A press is checked on the server side: the chat
must own the complaint and the complaint must still be in that status, so a stale card or a
forged button changes nothing. The steps after a press (department, due date) carry the same:
`cmp:dep:<id>:<status>:<h|t>:<department id>`, `cmp:due:<id>:<status>:<i|h>:<department id
or 0>:<days>`, `cmp:who:<id>:<status>:<telegram id>` (指派: a member seen in the chat);
`cmp:shw:<id>` shows a complaint's full card, `cmp:cxl:<id>` drops a choice;
`cmp:ext:<id>:<hand-off id>:<y|n>` answers a department's 申请延期;
`cmp:mgi:<id>:<status>:<target id>` merges into a likely duplicate the card lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.i18n import t
from storage import lifecycle
from storage.lifecycle import Role
from storage.models import ComplaintStatus, Department, GroupMember

PREFIX = "cmp"
# Every button of the group chat (one handler parses them all; anything else is forged).
ANY = re.compile(rf"^{PREFIX}:")

# The status a card showed, in one letter.
STATUS_CODES: dict[str, str] = {
    ComplaintStatus.new: "n",
    ComplaintStatus.accepted: "a",
    ComplaintStatus.immediate: "i",
    ComplaintStatus.handed_off: "h",
    ComplaintStatus.transferred: "t",
    ComplaintStatus.resolved: "r",
    ComplaintStatus.rejected: "j",
    ComplaintStatus.merged: "m",
    ComplaintStatus.closed: "c",
    ComplaintStatus.withdrawn: "w",
}
CODE_STATUS: dict[str, str] = {code: status for status, code in STATUS_CODES.items()}

# The due dates offered besides the category's default, in days from today.
DUE_CHOICES = (1, 3, 7, 15)
MAX_DUE_DAYS = 366


class Act(StrEnum):
    """What a card button does (its code in the callback data), one per storage.lifecycle.Act
    of the group chat, by the same name."""

    accept = "acc"
    take = "tak"
    immediate = "imm"
    hand_off = "hof"
    transfer = "trf"
    reject = "rej"
    merge = "mrg"
    ask = "ask"
    resolve = "res"
    note = "not"
    reconsider = "rec"
    close = "cls"
    insist = "ins"
    assign = "asg"


_ID = r"(\d{1,18})"
_STATUS = "([" + "".join(STATUS_CODES.values()) + "])"
_ACTS = "|".join(act.value for act in Act)
ACTION = re.compile(rf"^{PREFIX}:({_ACTS}):{_ID}:{_STATUS}$")
DEPARTMENT = re.compile(rf"^{PREFIX}:dep:{_ID}:{_STATUS}:([ht]):{_ID}$")
DUE = re.compile(rf"^{PREFIX}:due:{_ID}:{_STATUS}:([ih]):{_ID}:(\d{{1,3}})$")
SHOW = re.compile(rf"^{PREFIX}:shw:{_ID}$")
# The group's answer to a department's 申请延期: `cmp:ext:<id>:<hand-off id>:<y|n>`.
EXTENSION = re.compile(rf"^{PREFIX}:ext:{_ID}:{_ID}:([yn])$")
MEMBER = re.compile(rf"^{PREFIX}:who:{_ID}:{_STATUS}:{_ID}$")
MERGE_INTO = re.compile(rf"^{PREFIX}:mgi:{_ID}:{_STATUS}:{_ID}$")
CANCEL = re.compile(rf"^{PREFIX}:cxl:{_ID}$")


def actions_for(status: str, sensitive: bool, returned: bool = False) -> tuple[Act, ...]:
    """The buttons of a complaint in this status: what the lifecycle allows the group chat
    (a sensitive one is never handed off nor fixed at once; 坚持交办 only while a department's
    退回 waits), in the lifecycle's order."""
    allowed = lifecycle.allowed(status, Role.group, sensitive=sensitive, returned=returned)
    return tuple(Act[act.name] for act in allowed)


# The buttons a card shows in each status (of a complaint in a category that is not sensitive).
BUTTONS: dict[str, tuple[Act, ...]] = {
    status: actions_for(status, sensitive=False) for status in ComplaintStatus
}


def short_number(number: str) -> str:
    """The part of a complaint number that tells it apart in its round: WD2023-1-0042 → 0042."""
    return number.rsplit("-", 1)[-1]


def data(*parts: object) -> str:
    """Callback data: the prefix and the parts joined with ':'."""
    return ":".join((PREFIX, *(str(p) for p in parts)))


def action_button(
    language: str, act: Act, complaint_id: int, status: str, label_prefix: str = ""
) -> InlineKeyboardButton:
    """One action button of a card."""
    text = t(language, f"card.button.{act.name}")
    if label_prefix:
        text = f"{label_prefix} {text}"
    return InlineKeyboardButton(
        text, callback_data=data(act.value, complaint_id, STATUS_CODES.get(status, "n"))
    )


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """Buttons laid out `width` to a row."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def merge_into_button(
    language: str, complaint_id: int, status: str, target_id: int, target_number: str
) -> InlineKeyboardButton:
    """合并 at one press into a likely duplicate the card lists."""
    text = t(language, "card.button.merge_into", number=short_number(target_number))
    code = STATUS_CODES.get(status, "n")
    return InlineKeyboardButton(text, callback_data=data("mgi", complaint_id, code, target_id))


def show_button(language: str, complaint_id: int, label_prefix: str) -> InlineKeyboardButton:
    """Show the complaint's full card (from a burst card)."""
    text = f"{label_prefix} {t(language, 'card.button.more')}"
    return InlineKeyboardButton(text, callback_data=data("shw", complaint_id))


def block_button(language: str, complaint_id: int) -> InlineKeyboardButton:
    """The card's 🚫 屏蔽 (handlers/group/blocking.py): block the complaint's resident."""
    return InlineKeyboardButton(
        t(language, "card.button.block"), callback_data=data("blk", complaint_id)
    )


def cancel_button(language: str, complaint_id: int) -> InlineKeyboardButton:
    """Drop a choice (department, due date)."""
    return InlineKeyboardButton(
        t(language, "action.button.cancel"), callback_data=data("cxl", complaint_id)
    )


def departments(
    language: str,
    complaint_id: int,
    status: str,
    kind: str,
    items: Sequence[Department],
    default_code: str | None = None,
) -> InlineKeyboardMarkup:
    """The departments to hand off (kind "h") or transfer (kind "t") to.

    The category's 派单目录 department (`default_code`), when there is one, comes first, on a
    row of its own and marked as the default.
    """
    code = STATUS_CODES.get(status, "n")
    default = next((d for d in items if default_code and d.code == default_code), None)
    others = [d for d in items if d is not default and d.id is not None]
    buttons = [
        InlineKeyboardButton(d.name, callback_data=data("dep", complaint_id, code, kind, d.id))
        for d in others
    ]
    layout = rows(buttons, 2)
    if default is not None and default.id is not None:
        label = t(language, "ladder.button.default_department", name=default.name)
        first = InlineKeyboardButton(
            label, callback_data=data("dep", complaint_id, code, kind, default.id)
        )
        layout.insert(0, [first])
    layout.append([cancel_button(language, complaint_id)])
    return InlineKeyboardMarkup(layout)


def due_dates(
    language: str,
    complaint_id: int,
    status: str,
    kind: str,
    department_id: int,
    default_days: int | None,
) -> InlineKeyboardMarkup:
    """The category's default due time first, then 1 / 3 / 7 / 15 days."""
    code = STATUS_CODES.get(status, "n")
    days: list[int] = []
    if default_days is not None and 0 < default_days <= MAX_DUE_DAYS:
        days.append(default_days)
    days.extend(d for d in DUE_CHOICES if d not in days)
    buttons = []
    for n in days:
        key = "action.button.due_default" if n == default_days else "action.button.due"
        buttons.append(
            InlineKeyboardButton(
                t(language, key, days=n),
                callback_data=data("due", complaint_id, code, kind, department_id, n),
            )
        )
    layout = [[buttons[0]], *rows(buttons[1:], 4)]
    layout.append([cancel_button(language, complaint_id)])
    return InlineKeyboardMarkup(layout)


def extension_keyboard(language: str, complaint_id: int, handoff_id: int) -> InlineKeyboardMarkup:
    """同意 / 不同意 under a department's 申请延期."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, f"action.button.extension_{answer}"),
                    callback_data=data("ext", complaint_id, handoff_id, answer),
                )
                for answer in ("y", "n")
            ]
        ]
    )


def members(
    language: str, complaint_id: int, status: str, items: Sequence[GroupMember]
) -> InlineKeyboardMarkup:
    """The members of the group's chat to assign a complaint to (指派), two to a row."""
    code = STATUS_CODES.get(status, "n")
    buttons = [
        InlineKeyboardButton(m.name, callback_data=data("who", complaint_id, code, m.telegram_id))
        for m in items
    ]
    layout = rows(buttons, 2)
    layout.append([cancel_button(language, complaint_id)])
    return InlineKeyboardMarkup(layout)
