"""The membership cache (handlers/members.py): who counts as a member, and for how long."""

from __future__ import annotations

from typing import Any

from telegram import Bot, ChatMember

from handlers.members import MEMBER_TTL, Members, Membership, is_member

USER = {"id": 7, "is_bot": False, "first_name": "李"}
BOT = Bot("1:x")


def member(status: str, **more: Any) -> ChatMember:
    """A ChatMember as Telegram sends it."""
    found = ChatMember.de_json({"status": status, "user": USER, **more}, BOT)
    assert found is not None
    return found


RESTRICTED = {
    "until_date": 0,
    **{
        f"can_{right}": False
        for right in [
            "change_info",
            "invite_users",
            "pin_messages",
            "send_messages",
            "send_polls",
            "send_other_messages",
            "add_web_page_previews",
            "manage_topics",
            "send_audios",
            "send_documents",
            "send_photos",
            "send_videos",
            "send_video_notes",
            "send_voice_notes",
            "edit_tag",
            "react_to_messages",
        ]
    },
}


def test_who_is_a_member() -> None:
    assert is_member(member("creator", is_anonymous=False))
    assert is_member(member("member"))
    assert is_member(member("restricted", is_member=True, **RESTRICTED))
    assert not is_member(member("restricted", is_member=False, **RESTRICTED))
    assert not is_member(member("left"))
    assert not is_member(member("kicked", until_date=0))


def test_an_answer_is_trusted_for_a_few_minutes_and_follows_chat_member_updates() -> None:
    now = [1000.0]
    members = Members(clock=lambda: now[0])
    assert members.cached(-100, 7) is None
    members.saw(-100, member("member"))
    assert members.cached(-100, 7) == Membership.member
    assert members.cached(-200, 7) is None, "per chat"
    members.saw(-100, member("left"))
    assert members.cached(-100, 7) == Membership.outsider
    now[0] += MEMBER_TTL
    assert members.cached(-100, 7) is None, "asked again after the TTL"
