"""How the resident's conversation looks: questions, summary, dates, statuses."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.channels import channel_name
from handlers.i18n import catalog, t
from handlers.resident import keyboards, record_render
from handlers.resident.base import Visit
from storage import drafts, villages
from storage.drafts import DraftView, StepOutcome, StepResult
from storage.models import Category, DraftStep, Resident, Round, TimelineEvent, Village
from storage.villages import TownshipChoice


def lead(text: str | None, rest: str) -> str:
    """A first line (a hint or an acknowledgement) before a question."""
    return f"{text}\n\n{rest}" if text else rest


def village_label(village: Village) -> str:
    """小店村 (东高皇街道), escaped."""
    return f"{escape(village.name)} ({escape(village.township)})"


def display_name(resident: Resident) -> str:
    """The resident's Telegram name and username, as the inspection group would see them."""
    name = " ".join(part for part in (resident.first_name, resident.last_name) if part)
    return f"{name} (@{resident.username})" if resident.username else name


def category_name(language: str, category: Category | None, code: str | None = None) -> str:
    """A category's name in the resident's language, escaped."""
    if category is None:
        return escape(code or "")
    return escape(category.name_en if language == "en" else category.name_zh)


def status_name(language: str, status: str) -> str:
    """A complaint status in words."""
    key = f"status.{status}"
    return t(language, key) if key in catalog(language) else escape(status)


def channel_words(language: str, code: str) -> str:
    """渠道 in words."""
    return channel_name(language, code)


def event_name(language: str, event: TimelineEvent) -> str:
    """What a timeline event did, in words."""
    key = f"event.{event.action}"
    if key in catalog(language):
        return t(language, key)
    if event.to_status:
        return status_name(language, event.to_status)
    return escape(event.action)


def local(round_: Round, when: datetime) -> str:
    """A moment on the round's clock, e.g. 2023-03-14 10:05."""
    return villages.local_time(round_, when).strftime("%Y-%m-%d %H:%M")


def local_day(round_: Round, when: datetime) -> str:
    """The day of a moment on the round's clock, e.g. 2023-03-14."""
    return villages.local_time(round_, when).strftime("%Y-%m-%d")


def contact_text(visit: Visit, contact: str | None) -> str:
    """The round office's contact, or a generic pointer."""
    return escape(contact) if contact else visit.text("closed.no_contact")


def closed(visit: Visit, village: Village | None, contact: str | None) -> None:
    """No open round covers the village (or none is open at all): say whom to contact."""
    if village is not None:
        visit.say(
            "closed.village", village=village_label(village), contact=contact_text(visit, contact)
        )
    else:
        visit.say("closed.all", contact=contact_text(visit, contact))


# --- the questions ------------------------------------------------------------------------


def ask(visit: Visit, view: DraftView, first: str | None = None) -> None:
    """Ask the draft's current question; `first` goes before it (a hint, a greeting)."""
    draft = view.draft
    assert draft.id is not None
    language = visit.language
    step = draft.step
    if step == DraftStep.village:
        ask_village(visit, view, first)
    elif step == DraftStep.village_confirm and view.suggested is not None:
        text = visit.text("village.confirm", village=village_label(view.suggested))
        visit.send(lead(first, text), keyboards.suggestion(language, draft.id))
    elif step == DraftStep.village_confirm:
        # The suggestion is gone (roster changed): ask afresh.
        ask_village(visit, view, first)
    elif step == DraftStep.category:
        ask_category(visit, view, first)
    elif step == DraftStep.description:
        ask_description(visit, view, first)
    elif step in (DraftStep.location, DraftStep.location_confirm):
        ask_location(visit, view, first)
    elif drafts.is_recorded(draft) and step in record_render.STEPS:
        # 代录: the inspector's own questions (channel, name, phone).
        record_render.ask(visit, view, first)
    elif step == DraftStep.identity:
        text = visit.text("identity.ask")
        visit.send(lead(first, text), keyboards.identity(language, draft.id))
    elif step == DraftStep.phone:
        text = visit.text("phone.ask", name=escape(display_name(visit.resident)))
        visit.send(lead(first, text), keyboards.phone_or_skip(language))
    else:
        join = view.similar.target.complaint_id if view.similar is not None else None
        visit.send(lead(first, summary(visit, view)), keyboards.summary(language, draft.id, join))


def ask_village(visit: Visit, view: DraftView, first: str | None = None) -> None:
    """The location button, then the townships (or the villages, when there is one township)."""
    visit.send(lead(first, visit.text("village.ask")), keyboards.share_location(visit.language))
    text, markup = village_list(visit, view, page=0)
    visit.send(text, markup)


def village_list(
    visit: Visit, view: DraftView, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of the township list (straight to villages for one township)."""
    assert view.draft.id is not None
    if view.only_township is not None:
        return township_page(visit, view.draft.id, view.only_township, page)
    if not view.townships:
        return visit.text("village.none_open"), None
    return visit.text("village.choose_township"), keyboards.townships(
        visit.language, view.draft.id, view.townships, page
    )


def township_page(
    visit: Visit, draft_id: int, choice: TownshipChoice, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of one page of a township's villages."""
    text = visit.text("village.choose_village", township=escape(choice.name))
    markup = keyboards.villages(
        visit.language, draft_id, choice.anchor_id, choice.villages, page, back=not choice.only_one
    )
    return text, markup


def ask_category(visit: Visit, view: DraftView, first: str | None = None) -> None:
    """The round's categories."""
    draft = view.draft
    assert draft.id is not None
    if view.village is None or not view.categories:
        visit.send(lead(first, visit.text("category.unavailable")))
        return
    text = visit.text("category.ask", village=village_label(view.village))
    visit.send(lead(first, text), keyboards.categories(visit.language, draft.id, view.categories))


def ask_location(visit: Visit, view: DraftView, first: str | None = None) -> None:
    """Where the problem is; or, for a shared location far from the village, whether it is."""
    draft, km = view.draft, view.pending_km
    assert draft.id is not None
    if draft.step == DraftStep.location_confirm and view.village is not None and km is not None:
        text = visit.text("location.far", village=escape(view.village.name), km=f"{km:.0f}")
        visit.send(lead(first, text), keyboards.far_location(visit.language, draft.id))
        return
    text = visit.text("location.ask")
    visit.send(lead(first, text), keyboards.location_or_skip(visit.language))


def ask_description(visit: Visit, view: DraftView, first: str | None = None) -> None:
    """What to send; once something arrived, what there is so far and the Done button."""
    draft = view.draft
    assert draft.id is not None
    has_words = bool(draft.description) or draft.voice_file_id is not None
    if not has_words and not draft.photo_file_ids:
        text = visit.text(
            "description.ask",
            category=category_name(visit.language, view.category, draft.category_code),
            min=drafts.DESCRIPTION_MIN,
            max=drafts.DESCRIPTION_MAX,
            photos=drafts.MAX_PHOTOS,
        )
        visit.send(lead(first, text))
        return
    progress = visit.text(
        "description.progress",
        chars=len(draft.description or ""),
        voice=visit.text("word.yes" if draft.voice_file_id else "word.no"),
        photos=len(draft.photo_file_ids),
        max=drafts.MAX_PHOTOS,
    )
    if has_words:
        text = f"{progress}\n{visit.text('description.more_or_done')}"
        visit.send(lead(first, text), keyboards.done(visit.language, draft.id))
    else:
        text = f"{progress}\n{visit.text('description.needs_words')}"
        visit.send(lead(first, text))


def summary(visit: Visit, view: DraftView) -> str:
    """Everything the draft carries, to check before filing."""
    draft = view.draft
    language = visit.language
    lines = [visit.text("summary.title")]
    village = village_label(view.village) if view.village else "—"
    lines.append(visit.text("summary.village", village=village))
    category = category_name(language, view.category, draft.category_code)
    lines.append(visit.text("summary.category", category=category or "—"))
    if draft.description:
        lines.append(visit.text("summary.description", text=escape(draft.description)))
    if draft.voice_file_id:
        lines.append(visit.text("summary.voice"))
    if draft.photo_file_ids:
        lines.append(visit.text("summary.photos", count=len(draft.photo_file_ids)))
    if draft.latitude is not None and draft.longitude is not None:
        where = visit.text(
            "summary.location_point", lat=f"{draft.latitude:.5f}", lon=f"{draft.longitude:.5f}"
        )
    elif draft.address:
        where = escape(draft.address)
    else:
        where = visit.text("summary.location_none")
    lines.append(visit.text("summary.location", where=where))
    if drafts.is_recorded(draft):
        lines.extend(record_render.summary_lines(visit, view))
    elif draft.anonymous:
        lines.append(visit.text("summary.anonymous"))
    else:
        name = display_name(visit.resident)
        phone = escape(draft.phone) if draft.phone else visit.text("summary.no_phone")
        lines.append(visit.text("summary.named", name=escape(name), phone=phone))
    lines.append("")
    if view.similar is not None:
        lines.append(similar_notice(visit, view))
    else:
        lines.append(visit.text("summary.check"))
    return "\n".join(lines)


def similar_notice(visit: Visit, view: DraftView) -> str:
    """How many raised the same and where it stands: no words or identity of theirs."""
    found = view.similar
    assert found is not None and view.round is not None
    key = "similar.notice.village" if found.same_village else "similar.notice.near"
    return visit.text(
        key,
        count=found.residents,
        category=category_name(visit.language, view.category, view.draft.category_code),
        status=status_name(visit.language, found.target.status),
        date=local_day(view.round, found.target.filed_at),
    )


def acknowledge(visit: Visit, key: str, *, used: bool = False, **values: Any) -> None:
    """A short note that also takes the reply keyboard away: it leads the next question when
    that carries no inline buttons, or when `used` (answered with a key of the keyboard), else
    it goes on its own just before it."""
    visit.acknowledge(visit.text(key, **values), used=used)


def moved_on(
    visit: Visit, result: StepResult, note: str, problem: str, *, used: bool = False
) -> None:
    """Answer a reply-keyboard step: take the keyboard away, then the next question; `used`:
    the resident answered with one of the keyboard's keys."""
    assert result.view is not None
    if result.outcome == StepOutcome.ok:
        acknowledge(visit, note, used=used)
        ask(visit, result.view)
    else:
        ask(visit, result.view, visit.text(problem, max=drafts.ADDRESS_MAX))
