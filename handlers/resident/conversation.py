"""The steps of a complaint, from /start to the receipt; the draft row holds the state."""

from __future__ import annotations

import re
from html import escape

from telegram import ReplyKeyboardRemove

from handlers.resident import after, keyboards, location, recording, render, village
from handlers.resident.base import Visit, draft_button, resident_handler
from storage import complaints, drafts, workflow
from storage.complaints import FilingOutcome
from storage.drafts import EditField, StepOutcome, StepResult
from storage.models import Draft, DraftStep
from storage.workflow import JoinOutcome

# What to say when a piece of the description is refused (the draft stays as it was), or
# only partly taken (a photo kept without its caption).
DESCRIPTION_PROBLEMS = {
    StepOutcome.too_short: "description.too_short",
    StepOutcome.too_long: "description.too_long",
    StepOutcome.too_many_photos: "description.too_many_photos",
    # The photo is kept; its caption is not (issue 10).
    StepOutcome.photo_caption_short: "ladder.photo.caption_short",
    StepOutcome.photo_caption_long: "ladder.photo.caption_long",
    StepOutcome.voice_taken: "description.voice_taken",
    StepOutcome.empty: "description.empty",
}


async def hint(visit: Visit, key: str | None = None) -> None:
    """Input the current step cannot use: say what it takes, and ask again."""
    if visit.album_follows:
        return
    if visit.draft is None:
        visit.say("help.pointer")
        return
    view = await drafts.view(session=visit.session, draft=visit.draft, now=visit.now)
    render.ask(visit, view, visit.text(key or f"hint.{visit.draft.step}"))


# --- start, resume, cancel ----------------------------------------------------------------


def started(visit: Visit, result: StepResult) -> None:
    """Answer /start or "start over"."""
    first = visit.text("start.unknown_link") if result.unknown_link else None
    if result.outcome == StepOutcome.closed:
        if first:
            visit.send(first)
        render.closed(visit, result.village, result.contact)
        return
    assert result.view is not None
    draft = result.view.draft
    if result.outcome == StepOutcome.running:
        assert draft.id is not None
        text = visit.text("start.running", step=visit.text(f"step.{draft.step}"))
        village_id = result.village.id if result.village is not None else None
        visit.send(
            render.lead(first, text), keyboards.resume(visit.language, draft.id, village_id)
        )
        return
    render.ask(visit, result.view, render.lead(first, visit.text("start.welcome")))


@resident_handler(after_expiry=True)
async def on_start(visit: Visit) -> None:
    """/start, with an optional deep link v_<village code>."""
    args = visit.context.args or []
    payload = args[0] if args else ""
    if payload == "rec":
        # 代录: the inspector goes on recording in private (handlers/group/recording.py).
        await recording.resume(visit)
        return
    if payload.startswith("f_"):
        # A one-time follow link of a complaint recorded in person.
        await recording.follow(visit, payload.removeprefix("f_"))
        return
    code = payload.removeprefix("v_") if payload else None
    assert visit.resident.id is not None
    result = await drafts.start(
        session=visit.session,
        resident_id=visit.resident.id,
        draft=visit.draft,
        village_code=code,
        now=visit.now,
    )
    started(visit, result)


@draft_button(keyboards.RESUME)
async def on_resume(visit: Visit, draft: Draft, _found: re.Match[str]) -> str | None:
    """Continue the running draft where it was."""
    view = await drafts.view(session=visit.session, draft=draft, now=visit.now)
    render.ask(visit, view)
    return None


@draft_button(keyboards.RESTART)
async def on_restart(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """Throw the running draft away and start again."""
    village_id = int(found[2]) or None
    result = await drafts.restart(
        session=visit.session, draft=draft, village_id=village_id, now=visit.now
    )
    started(visit, result)
    return None


@resident_handler(after_expiry=True)
async def on_cancel(visit: Visit) -> None:
    """/cancel at any step."""
    if visit.draft is None:
        visit.say("cancel.nothing", ReplyKeyboardRemove())
        return
    await drafts.cancel(session=visit.session, draft=visit.draft)
    visit.say("cancel.done", ReplyKeyboardRemove())


# --- answers by button --------------------------------------------------------------------


@draft_button(keyboards.CATEGORY, DraftStep.category)
async def on_category(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """A category button."""
    result = await drafts.choose_category(
        session=visit.session,
        draft=draft,
        code=found[2],
        now=visit.now,
    )
    assert result.view is not None
    if result.outcome != StepOutcome.ok:
        return visit.text("button.stale")
    render.ask(visit, result.view)
    return None


@draft_button(keyboards.DONE, DraftStep.description)
async def on_done(visit: Visit, draft: Draft, _found: re.Match[str]) -> str | None:
    """The description is complete."""
    result = await drafts.finish_description(session=visit.session, draft=draft, now=visit.now)
    described(visit, result)
    return None


@draft_button(keyboards.IDENTITY, DraftStep.identity)
async def on_identity(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """Anonymous or named."""
    anonymous = found[2] == "a"
    result = await drafts.set_identity(
        session=visit.session, draft=draft, anonymous=anonymous, now=visit.now
    )
    assert result.view is not None
    render.ask(visit, result.view)
    return None


@draft_button(keyboards.SUMMARY, DraftStep.confirm)
async def on_summary(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """Confirm, edit, back to these buttons, or cancel."""
    assert draft.id is not None  # the button carried it
    action = found[2]
    if action == "ed":
        visit.set_buttons(keyboards.edit_fields(visit.language, draft.id))
    elif action == "bk":
        view = await drafts.view(session=visit.session, draft=draft, now=visit.now)
        join = view.similar.target.complaint_id if view.similar is not None else None
        visit.set_buttons(keyboards.summary(visit.language, draft.id, join))
    elif action == "cx":
        await drafts.cancel(session=visit.session, draft=draft)
        visit.set_buttons(None)
        visit.say("cancel.done", ReplyKeyboardRemove())
    else:
        return await confirm(visit, draft.id)
    return None


async def confirm(visit: Visit, draft_id: int) -> str | None:
    """File the draft, in this update's transaction, and give the receipt."""
    assert visit.resident.id is not None
    limit = int(
        visit.context.bot_data.get("daily_complaint_limit", complaints.DEFAULT_DAILY_LIMIT)
    )
    filing = await complaints.file_complaint(
        session=visit.session,
        resident_id=visit.resident.id,
        draft_id=draft_id,
        now=visit.now,
        daily_limit=limit,
    )
    if filing.outcome == FilingOutcome.filed and filing.recorded:
        visit.set_buttons(None)
        recording.receipt(visit, filing)
    elif filing.outcome == FilingOutcome.filed:
        assert filing.complaint is not None and filing.group is not None
        visit.set_buttons(None)
        complaint = filing.complaint
        visit.say(
            "filed.receipt",
            after.buttons(visit.language, complaint.id or 0, complaint.status),
            number=escape(filing.complaint.number),
            group=escape(filing.group.name),
        )
    elif filing.outcome == FilingOutcome.limit:
        visit.say("filed.limit", limit=filing.limit)
    elif filing.outcome == FilingOutcome.closed:
        render.closed(visit, filing.village, filing.contact)
    elif filing.outcome == FilingOutcome.incomplete and filing.draft is not None:
        view = await drafts.view(session=visit.session, draft=filing.draft, now=visit.now)
        render.ask(visit, view, visit.text("filed.incomplete"))
    else:
        return visit.text("button.stale")
    return None


@draft_button(keyboards.JOIN, DraftStep.confirm)
async def on_join(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """加入关注: follow the similar open complaint instead of filing; refused, the draft stays."""
    assert draft.id is not None and visit.resident.id is not None
    joined = await workflow.join(
        session=visit.session,
        resident_id=visit.resident.id,
        draft_id=draft.id,
        complaint_id=int(found[2]),
        now=visit.now,
    )
    if joined.outcome in (JoinOutcome.joined, JoinOutcome.already):
        visit.replace(visit.text("similar.joined"))
        return visit.text("similar.joined_short")
    if joined.outcome == JoinOutcome.stale:
        return visit.text("button.stale")
    key = "similar.refused.closed" if joined.outcome == JoinOutcome.closed else "similar.refused"
    # The draft is still at its summary: file it as it is, or change it.
    visit.set_buttons(keyboards.summary(visit.language, draft.id))
    visit.say(key)
    return visit.text(key)


@draft_button(keyboards.EDIT, DraftStep.confirm)
async def on_edit(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """Change one field from the summary."""
    which = EditField(found[2])
    result = await drafts.edit_field(
        session=visit.session, draft=draft, which=which, now=visit.now
    )
    assert result.view is not None
    render.ask(visit, result.view)
    return None


# --- answers by message -------------------------------------------------------------------


def described(visit: Visit, result: StepResult) -> None:
    """Answer a piece of the description (or "done")."""
    assert result.view is not None
    problem = DESCRIPTION_PROBLEMS.get(result.outcome)
    first = None
    if problem is not None:
        first = visit.text(
            problem,
            min=drafts.DESCRIPTION_MIN,
            max=drafts.DESCRIPTION_MAX,
            photos=drafts.MAX_PHOTOS,
        )
    render.ask(visit, result.view, first)


@resident_handler(after_expiry=False)
async def on_text(visit: Visit) -> None:
    """Text: a village name, description, address, or "skip", depending on the step."""
    draft, message = visit.draft, visit.message
    assert message is not None and message.text is not None
    text = message.text
    if draft is None:
        visit.say("help.pointer")
        return
    session, now = visit.session, visit.now
    if draft.step == DraftStep.village:
        await village.typed(visit, text)
    elif draft.step == DraftStep.description:
        described(visit, await drafts.add_text(session=session, draft=draft, text=text, now=now))
    elif draft.step in location.STEPS:
        await location.typed(visit, draft, text)
    elif drafts.is_recorded(draft) and draft.step in (DraftStep.reporter_name, DraftStep.phone):
        await recording.typed(visit, draft, text)
    elif draft.step == DraftStep.phone and keyboards.is_skip(text):
        result = await drafts.set_phone(session=session, draft=draft, phone=None, now=now)
        render.moved_on(visit, result, "phone.skipped", "hint.phone", used=True)
    else:
        await hint(visit)


@resident_handler(after_expiry=False)
async def on_location(visit: Visit) -> None:
    """A shared location: finds the village, or says where the problem is."""
    draft, message = visit.draft, visit.message
    assert message is not None and message.location is not None
    latitude, longitude = message.location.latitude, message.location.longitude
    if draft is not None and draft.step == DraftStep.village:
        await village.located(visit, latitude, longitude)
    elif draft is not None and draft.step in location.STEPS:
        await location.shared(visit, draft, latitude, longitude)
    else:
        await hint(visit)


@resident_handler(after_expiry=False)
async def on_contact(visit: Visit) -> None:
    """A shared contact: the resident's own phone, at the phone step."""
    draft, message, user = visit.draft, visit.message, visit.update.effective_user
    assert message is not None and message.contact is not None and user is not None
    if draft is None or draft.step != DraftStep.phone:
        await hint(visit)
    elif message.contact.user_id != user.id:
        await hint(visit, "phone.not_own")
    else:
        result = await drafts.set_phone(
            session=visit.session, draft=draft, phone=message.contact.phone_number, now=visit.now
        )
        render.moved_on(visit, result, "phone.saved", "hint.phone", used=True)


@resident_handler(after_expiry=False)
async def on_photo(visit: Visit) -> None:
    """A photo for the description (the largest size Telegram offers)."""
    draft, message = visit.draft, visit.message
    assert message is not None and message.photo
    if draft is None or draft.step != DraftStep.description:
        await hint(visit)
        return
    result = await drafts.add_photo(
        session=visit.session,
        draft=draft,
        file_id=message.photo[-1].file_id,
        caption=message.caption,
        now=visit.now,
    )
    if not visit.album_follows:
        described(visit, result)


@resident_handler(after_expiry=False)
async def on_voice(visit: Visit) -> None:
    """A voice message for the description."""
    draft, message = visit.draft, visit.message
    assert message is not None and message.voice is not None
    if draft is None or draft.step != DraftStep.description:
        await hint(visit)
        return
    result = await drafts.add_voice(
        session=visit.session, draft=draft, file_id=message.voice.file_id, now=visit.now
    )
    described(visit, result)


@resident_handler(after_expiry=False)
async def on_other(visit: Visit) -> None:
    """Anything else (sticker, video, file, ...): say what the step takes."""
    await hint(visit)
