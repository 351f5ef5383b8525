"""Drafts: a complaint put together one answer at a time, written at every step."""

from storage.drafts.answers import (
    add_photo,
    add_text,
    add_voice,
    choose_category,
    finish_description,
    set_identity,
    set_phone,
)
from storage.drafts.expiry import DRAFT_TTL, current, expire_idle, expired_mark
from storage.drafts.location import confirm_location, set_address, set_location, skip_location
from storage.drafts.recording import (
    Recording,
    group_chats,
    is_recorded,
    set_channel,
    set_reporter_name,
    set_typed_phone,
    start_recording,
)
from storage.drafts.starting import cancel, restart, start
from storage.drafts.steps import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    FAR_KM,
    MAX_PHOTOS,
    NEXT_STEP,
    DraftView,
    StepOutcome,
    StepResult,
    is_current,
    view,
)
from storage.drafts.summary import EDIT_STEPS, EditField, edit_field
from storage.drafts.village import (
    choose_village,
    choose_village_by_name,
    confirm_suggestion,
    suggest_village,
)

__all__ = [
    "ADDRESS_MAX",
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "DRAFT_TTL",
    "EDIT_STEPS",
    "FAR_KM",
    "MAX_PHOTOS",
    "NEXT_STEP",
    "DraftView",
    "EditField",
    "Recording",
    "StepOutcome",
    "StepResult",
    "add_photo",
    "add_text",
    "add_voice",
    "cancel",
    "choose_category",
    "choose_village",
    "choose_village_by_name",
    "confirm_location",
    "confirm_suggestion",
    "current",
    "edit_field",
    "expire_idle",
    "expired_mark",
    "finish_description",
    "group_chats",
    "is_current",
    "is_recorded",
    "restart",
    "set_address",
    "set_channel",
    "set_identity",
    "set_location",
    "set_phone",
    "set_reporter_name",
    "set_typed_phone",
    "skip_location",
    "start",
    "start_recording",
    "suggest_village",
    "view",
]
