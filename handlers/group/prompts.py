"""Reply prompts: an inspector is asked to write something (a reason, a number, a question,
what was done, a note), and their next reply to the bot's prompt in that chat is the answer.

The prompt lives in the database (storage.workflow.open_prompt), so it survives a restart; a
ForceReply with `selective` opens the reply field for the inspector it mentions only.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from telegram import Message, MessageEntity

from handlers.group import blocked
from handlers.group.base import Desk, group_reply
from handlers.group.refusals import invalid_text, refusal_text
from handlers.i18n import t
from storage import workflow
from storage.models import Prompt
from storage.triage import CardView
from storage.workflow import Outcome, Press, Refusal

# Prompt.action values of the group chat.
REJECT = "reject"
MERGE = "merge"
ASK = "ask"
RESOLVE = "resolve"
NOTE = "note"
# 坚持交办's note to the department; 不同意延期's reason (details: the hand-off's id).
INSIST = "insist"
REFUSE = "refuse_extension"
ACTIONS = (REJECT, MERGE, ASK, RESOLVE, NOTE, INSIST, REFUSE, blocked.PROMPT)
# Long enough for a reason, a question or what was done; the workflow has the last word.
MAX_TEXT = 2000


def mention(desk: Desk) -> str:
    """The inspector, as a mention (which a selective ForceReply is for)."""
    return f'<a href="tg://user?id={desk.user.id}">{escape(desk.user.full_name)}</a>'


def force_reply(desk: Desk, action: str) -> dict[str, Any]:
    """Open the reply field for the mentioned inspector only."""
    return {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": desk.text(f"action.placeholder.{action}")[:64],
    }


def prompt_text(desk: Desk, number: str, action: str, first: str | None = None) -> str:
    """The prompt: "@inspector, reply to this message with ... for <number>"."""
    text = desk.text(f"action.prompt.{action}", who=mention(desk), number=escape(number))
    return f"{first}\n{text}" if first else text


async def ask_for(
    desk: Desk,
    view: CardView,
    action: str,
    details: dict[str, Any],
    reply_to: int | None,
    first: str | None = None,
) -> None:
    """Wait for the inspector's reply in this chat, and ask for it."""
    await workflow.open_prompt(
        session=desk.session,
        chat_id=desk.chat_id,
        user_id=desk.user.id,
        complaint_id=view.complaint_id,
        action=action,
        details={**details, "number": view.number},
        now=desk.now,
    )
    desk.send(
        prompt_text(desk, view.number, action, first), force_reply(desk, action), reply_to=reply_to
    )


def _mentions(message: Message, user_id: int) -> bool:
    """Whether a (bot's) message mentions this user: then it is their prompt."""
    link = f"tg://user?id={user_id}"
    for entity in message.entities or ():
        mentioned = entity.user.id if entity.user is not None else None
        if entity.type == MessageEntity.TEXT_MENTION and mentioned == user_id:
            return True
        if entity.type == MessageEntity.TEXT_LINK and entity.url == link:
            return True
    return False


def is_answer(desk: Desk) -> bool:
    """Whether the message replies to a prompt of the bot that is meant for its sender."""
    message = desk.message
    replied = message.reply_to_message if message is not None else None
    if replied is None or replied.from_user is None:
        return False
    return replied.from_user.id == desk.context.bot.id and _mentions(replied, desk.user.id)


def _pattern(language: str, key: str) -> re.Pattern[str]:
    """A prompt's plain text (as a reply shows it), with the mention and the number open."""
    html = t(language, key, who="\x00", number="\x01")
    plain = re.escape(unescape(re.sub(r"<[^>]+>", "", html)))
    return re.compile(plain.replace("\x00", ".+?").replace("\x01", "(?P<number>.+?)"))


def prompted(desk: Desk, keys: dict[str, str]) -> tuple[str, str] | None:
    """Which prompt (action, complaint number) the replied-to message is, if one of `keys`
    (action → catalog key)."""
    message = desk.message
    replied = message.reply_to_message if message is not None else None
    text = (replied.text or replied.caption or "") if replied is not None else ""
    for action, key in keys.items():
        found = _pattern(desk.language, key).search(text)
        if found is not None:
            return action, found["number"]
    return None


def is_for(prompt: Prompt, shown: tuple[str, str]) -> bool:
    """Whether the replied-to prompt (action, number) is the one that is open."""
    return shown == (prompt.action, str(prompt.details.get("number", "")))


@group_reply
async def on_reply(desk: Desk) -> None:
    """A reply to the bot's prompt: the answer the prompt waited for (else: not for us).

    Only a reply to the open prompt itself answers it: a reply to an older prompt (the
    inspector has pressed another button since) or to an expired one is told to press the
    button again, and the open prompt stays as it is.
    """
    message = desk.message
    if message is None or not desk.is_group or not is_answer(desk):
        return
    shown = prompted(desk, {action: f"action.prompt.{action}" for action in ACTIONS})
    if shown is None:
        return
    prompt = await workflow.peek_prompt(
        session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id
    )
    if prompt is None:
        # Answered already (or never this user's): the reply is just chat.
        return
    if prompt.expires_at <= desk.now:
        if is_for(prompt, shown):
            await workflow.take_prompt(
                session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id, now=desk.now
            )
            desk.reply(desk.text("group.prompt_expired"))
        else:
            desk.reply(desk.text("group.prompt_replaced"))
        return
    if prompt.action not in ACTIONS or not is_for(prompt, shown):
        desk.reply(desk.text("group.prompt_replaced"))
        return
    await workflow.take_prompt(
        session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id, now=desk.now
    )
    text = (message.text or message.caption or "").strip()
    photo = message.photo[-1].file_id if message.photo else None
    problem: str | None = None
    if photo is not None and prompt.action != RESOLVE:
        problem = "photo"
    elif not text:
        problem = "empty"
    elif len(text) > MAX_TEXT:
        problem = "too_long"
    if problem is not None:
        await _again(desk, prompt, problem)
        return
    if prompt.action == blocked.PROMPT:
        # 屏蔽 with a typed reason (handlers/group/blocked.py): not a workflow call.
        await blocked.typed_reason(desk, prompt, text)
        return
    outcome = await _carry_out(desk, prompt, text, photo)
    if outcome.ok:
        number = outcome.complaint.number if outcome.complaint is not None else ""
        desk.reply(desk.text(f"action.done.{prompt.action}", number=escape(number)))
    elif outcome.refusal == Refusal.invalid:
        await _again(desk, prompt, outcome.detail)
    else:
        desk.reply(refusal_text(desk, outcome))


async def _carry_out(desk: Desk, prompt: Prompt, text: str, photo: str | None) -> Outcome:
    """The workflow call the prompt was for."""
    expected = str(prompt.details.get("expected", ""))
    press = Press(desk.session, prompt.complaint_id, desk.chat_id, desk.actor, desk.now, expected)
    if prompt.action == REJECT:
        return await workflow.reject(press, reason=text)
    if prompt.action == MERGE:
        return await workflow.merge(press, into_number=text)
    if prompt.action == ASK:
        return await workflow.ask_resident(press, question=text)
    if prompt.action == RESOLVE:
        return await workflow.resolve(press, note=text, photo_file_id=photo)
    if prompt.action == INSIST:
        return await workflow.insist(press, note=text)
    if prompt.action == REFUSE:
        handoff_id = int(prompt.details.get("handoff_id", 0))
        return await workflow.refuse_extension(press, handoff_id=handoff_id, reason=text)
    return await workflow.add_note(press, note=text)


async def _reopen(desk: Desk, prompt: Prompt) -> None:
    """Open the same prompt again (after a reply it could not use)."""
    await workflow.open_prompt(
        session=desk.session,
        chat_id=desk.chat_id,
        user_id=desk.user.id,
        complaint_id=prompt.complaint_id,
        action=prompt.action,
        details=dict(prompt.details),
        now=desk.now,
    )


async def _again(desk: Desk, prompt: Prompt, detail: str | None) -> None:
    """Say what is wrong with the reply, and ask again (the prompt stays open)."""
    await _reopen(desk, prompt)
    number = str(prompt.details.get("number", ""))
    text = prompt_text(desk, number, prompt.action, invalid_text(desk, detail))
    desk.reply(text, force_reply(desk, prompt.action))
