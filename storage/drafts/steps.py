"""What every step of a draft shares: its outcomes, its view, its result, going on to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import villages
from storage.models import Category, Draft, DraftStep, Round, Village
from storage.similar.lookup import Similar
from storage.similar.lookup import for_draft as similar_for_draft

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000
MAX_PHOTOS = 5
ADDRESS_MAX = 200
# A shared location farther than this from the chosen village is asked about before it is kept.
FAR_KM = 20.0

# The question that follows each answered one (identity depends on the answer).
NEXT_STEP: dict[str, DraftStep] = {
    DraftStep.village: DraftStep.category,
    DraftStep.category: DraftStep.description,
    DraftStep.description: DraftStep.location,
    DraftStep.location: DraftStep.identity,
    DraftStep.phone: DraftStep.confirm,
}


# 代录 (storage/drafts/recording.py): the channel after the location, the resident's typed
# name after a named identity.
RECORDED_NEXT: dict[str, DraftStep] = {
    DraftStep.location: DraftStep.channel,
    DraftStep.channel: DraftStep.identity,
    DraftStep.reporter_name: DraftStep.phone,
}


class StepOutcome(StrEnum):
    """What became of a step's answer."""

    ok = "ok"
    # A button of another draft, or of a step the draft is no longer at.
    stale = "stale"
    # /start while a draft is running: the resident chooses to continue or start over.
    running = "running"
    # No open round covers the village: nothing is filed.
    closed = "closed"
    unknown_village = "unknown_village"
    none_nearby = "none_nearby"
    unknown_category = "unknown_category"
    too_short = "too_short"
    too_long = "too_long"
    too_many_photos = "too_many_photos"
    # A photo kept, its caption not (too short, too long to be description text).
    photo_caption_short = "photo_caption_short"
    photo_caption_long = "photo_caption_long"
    voice_taken = "voice_taken"
    # "Done" before there is text or voice.
    empty = "empty"
    # A shared location far from the village: it waits for the resident's yes.
    far_location = "far_location"


@dataclass
class DraftView:
    """A draft with what it takes to ask its current question or show its summary."""

    draft: Draft
    village: Village | None = None
    # The open round covering the village (None when there is no village or no open round).
    round: Round | None = None
    categories: list[Category] = field(default_factory=list)
    suggested: Village | None = None
    # At the village step: the townships to choose from, or the villages of the only one.
    townships: list[villages.Township] = field(default_factory=list)
    only_township: villages.TownshipChoice | None = None
    # At the summary: open complaints like this one (加入关注 offered; storage/similar/).
    similar: Similar | None = None

    @property
    def category(self) -> Category | None:
        """The chosen category as the round defines it."""
        return next((c for c in self.categories if c.code == self.draft.category_code), None)

    @property
    def pending_km(self) -> float | None:
        """How far the shared location waiting for the resident's yes is from the village."""
        latitude, longitude = self.draft.pending_latitude, self.draft.pending_longitude
        if self.village is None or latitude is None or longitude is None:
            return None
        return village_distance(self.village, latitude, longitude)


@dataclass
class StepResult:
    """The outcome of one step, and the draft as it now stands (None once gone)."""

    outcome: StepOutcome
    view: DraftView | None = None
    # The village concerned: the chosen, suggested, deep-linked or closed one.
    village: Village | None = None
    # The round office contact, for `closed`.
    contact: str | None = None
    distance_km: float | None = None
    # /start carried a village link that matches no village.
    unknown_link: bool = False


def village_distance(village: Village, latitude: float, longitude: float) -> float | None:
    """Kilometres from the village to a point (None when the roster gives no coordinates)."""
    if village.latitude is None or village.longitude is None:
        return None
    return villages.distance_km(village.latitude, village.longitude, latitude, longitude)


def is_current(draft: Draft | None, draft_id: int, *steps: str) -> bool:
    """Whether a button carrying `draft_id` belongs to this draft at one of `steps`."""
    if draft is None or draft.id != draft_id:
        return False
    return not steps or draft.step in steps


async def view(*, session: AsyncSession, draft: Draft, now: datetime) -> DraftView:
    """Everything needed to render the draft's current question."""
    result = DraftView(draft=draft)
    if draft.village_id is not None:
        result.village = await villages.village(session=session, village_id=draft.village_id)
        coverage = await villages.open_coverage(
            session=session, village_id=draft.village_id, now=now
        )
        if coverage is not None and coverage.round.id is not None:
            result.round = coverage.round
            result.categories = await villages.categories(
                session=session, round_id=coverage.round.id
            )
    if draft.step == DraftStep.confirm and result.round is not None:
        assert result.round.id is not None and draft.village_id is not None
        result.similar = await similar_for_draft(
            session,
            round_id=result.round.id,
            village_id=draft.village_id,
            category_code=draft.category_code,
            text=draft.description,
            latitude=draft.latitude,
            longitude=draft.longitude,
            resident_id=draft.resident_id,
            now=now,
        )
    if draft.suggested_village_id is not None:
        result.suggested = await villages.village(
            session=session, village_id=draft.suggested_village_id
        )
    if draft.step == DraftStep.village:
        result.townships = await villages.townships(session=session, now=now)
        if len(result.townships) == 1:
            result.only_township = await villages.township_choice(
                session=session, anchor_id=result.townships[0].anchor_id, now=now
            )
    return result


async def step_result(
    session: AsyncSession,
    draft: Draft,
    now: datetime,
    outcome: StepOutcome = StepOutcome.ok,
    *,
    village: Village | None = None,
    contact: str | None = None,
    distance_km: float | None = None,
) -> StepResult:
    """A step's result with a fresh view of the draft."""
    current_view = await view(session=session, draft=draft, now=now)
    return StepResult(
        outcome, current_view, village=village, contact=contact, distance_km=distance_km
    )


def advance(draft: Draft, answered: DraftStep, now: datetime) -> None:
    """Go to the question after `answered`: back to the summary once an edit is done."""
    recorded = draft.recorded_for_group_id is not None
    if answered == DraftStep.identity:
        named = DraftStep.reporter_name if recorded else DraftStep.phone
        following = DraftStep.confirm if draft.anonymous else named
    elif recorded and answered in RECORDED_NEXT:
        following = RECORDED_NEXT[answered]
    else:
        following = NEXT_STEP[answered]
    if draft.editing and following not in (DraftStep.phone, DraftStep.reporter_name):
        following = DraftStep.confirm
    draft.step = following
    if following == DraftStep.confirm:
        draft.editing = False
    draft.updated_at = now


async def answered(
    session: AsyncSession, draft: Draft, step: DraftStep, now: datetime
) -> StepResult:
    """Go on from the answered `step`, with a fresh view of where the draft now stands."""
    advance(draft, step, now)
    return await step_result(session, draft, now)
