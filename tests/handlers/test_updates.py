"""What residents and departments are shown: updates of every kind, the survey, the cards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from handlers.calls import Call
from handlers.department import render_department_card
from handlers.i18n import LANGUAGES, t
from handlers.resident.updates import (
    ANSWER,
    CAPTION_MAX,
    SURVEY,
    render_resident_event,
    timeline_entry,
)
from storage.models import FollowUp, TimelineEvent
from storage.triage import CardView, EventView

AT = datetime(2023, 3, 14, 2, 0, tzinfo=UTC)
RESIDENT = 1001
DUPLICATE_RESIDENT = 1002
NASTY = "<b>&amp; *bold* _it_ </b> & <script>"
NAME, USERNAME, PHONE = "王秘密", "secret_user", "+8613912345678"


def card(**overrides: Any) -> CardView:
    values: dict[str, Any] = {
        "complaint_id": 7,
        "number": "WD2023-1-0007",
        "status": "accepted",
        "village": "小店村",
        "township": "东高皇街道",
        "category_code": "water",
        "category_zh": "饮水灌溉",
        "category_en": "Water supply and irrigation",
        "sensitive": False,
        "description": "机井没水了",
        "has_voice": False,
        "photo_count": 0,
        "latitude": None,
        "longitude": None,
        "address": None,
        "anonymous": True,
        "reporter_name": None,
        "reporter_username": None,
        "reporter_phone": None,
        "filed_at": AT,
        "due_on": None,
        "taken_by_name": None,
        "department_name": None,
        "merged_into_number": None,
        "duplicates": 0,
        "resolution": None,
        "satisfaction": None,
        "timezone": "Asia/Shanghai",
        "group_chat_id": -100,
        "group_card_message_id": 5,
        "department_chat_id": None,
        "department_card_message_id": None,
    }
    values.update(overrides)
    return CardView(**values)


def event_view(
    action: str,
    *,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    follow_up: FollowUp | None = None,
    photo_file_id: str | None = None,
    contact: str = "卫东区委巡察办 电话 0375-0000000",
    language: str = "zh",
    **card_values: Any,
) -> EventView:
    event = TimelineEvent(
        id=40,
        complaint_id=7,
        at=AT,
        actor="inspector",
        actor_name="李组长",
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=True,
        follow_up_id=follow_up.id if follow_up is not None else None,
        photo_file_id=photo_file_id,
    )
    view = EventView(
        event=event,
        card=card(**card_values),
        resident_telegram_id=RESIDENT,
        resident_language=language,
        follow_up=follow_up,
        contact=contact,
    )
    view.numbers = {RESIDENT: "WD2023-1-0007", DUPLICATE_RESIDENT: "WD2023-1-0009"}
    view.languages = {RESIDENT: language, DUPLICATE_RESIDENT: "en"}
    return view


def only_text(calls: list[Call]) -> str:
    assert len(calls) == 1, calls
    method, params = calls[0]
    assert method == "sendMessage"
    assert params["parse_mode"] == "HTML"
    assert "chat_id" not in params
    return str(params["text"])


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


# Every event a resident hears of, with what its update must say.
KINDS: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
    ("accepted", {"to_status": "accepted"}, {"zh": ["已受理"], "en": ["taken up"]}),
    (
        "accepted",
        {"from_status": "rejected", "to_status": "accepted"},
        {"zh": ["重新研究"], "en": ["reconsidered"]},
    ),
    (
        "immediate",
        {"status": "immediate", "due_on": date(2023, 3, 17)},
        {"zh": ["立行立改", "2023-03-17"], "en": ["fixed at once", "2023-03-17"]},
    ),
    (
        "handed_off",
        {"note": "区水利局", "status": "handed_off", "due_on": date(2023, 3, 17)},
        {"zh": ["区水利局", "2023-03-17"], "en": ["区水利局", "2023-03-17"]},
    ),
    ("transferred", {"status": "transferred"}, {"zh": ["按规定移交"], "en": ["as the rules"]}),
    (
        "rejected",
        {"note": "不属于巡察范围", "status": "rejected"},
        {"zh": ["不属于巡察范围", "0375-0000000"], "en": ["不属于巡察范围", "0375-0000000"]},
    ),
    (
        "merged",
        {"note": "WD2023-1-0003", "status": "merged", "merged_into_number": "WD2023-1-0003"},
        {"zh": ["WD2023-1-0003", "合并"], "en": ["WD2023-1-0003", "joined"]},
    ),
    (
        "resolved",
        {"note": "已更换水泵", "status": "resolved"},
        {"zh": ["已更换水泵", "解决了吗"], "en": ["已更换水泵", "solved"]},
    ),
    ("reopened", {"note": "unsatisfied"}, {"zh": ["重新办理"], "en": ["look at it again"]}),
    (
        "closed",
        {"note": "satisfied", "status": "closed"},
        {"zh": ["感谢", "满意"], "en": ["Thank you", "satisfied"]},
    ),
    ("closed", {"status": "closed"}, {"zh": ["已关闭"], "en": ["closed"]}),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("action", "values", "expected"), KINDS)
def test_every_kind_in_both_languages(
    language: str, action: str, values: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    view = event_view(action, language=language, **values)
    calls = render_resident_event(view, language)
    text = only_text(calls)
    assert "WD2023-1-0007" in text, "every update names the complaint"
    for piece in expected[language]:
        assert piece in text, (piece, text)
    other = "en" if language == "zh" else "zh"
    assert t(other, "update.header", number="X").split("X")[0] not in text


def test_transfer_says_nothing_but_that() -> None:
    for language in LANGUAGES:
        view = event_view(
            "transferred",
            note="转区纪委监委：涉及村干部",
            language=language,
            status="transferred",
            department_name="区纪委监委",
        )
        text = only_text(render_resident_event(view, language))
        assert "纪委" not in text and "村干部" not in text
        assert text == "\n".join(
            [
                t(language, "update.header", number="WD2023-1-0007"),
                t(language, "update.transferred"),
            ]
        )
        assert "纪委" not in timeline_entry(language, view.event)


def test_rejected_without_a_contact_points_to_the_office() -> None:
    view = event_view("rejected", note="重复反映", contact="", status="rejected")
    assert t("zh", "update.no_contact") in only_text(render_resident_event(view, "zh"))


def test_typed_text_is_escaped() -> None:
    for action in ("rejected", "resolved", "handed_off", "follow_up_asked"):
        follow_up = FollowUp(id=3, complaint_id=7, question=NASTY, asked_at=AT)
        view = event_view(action, note=NASTY, follow_up=follow_up, status="resolved")
        for method, params in render_resident_event(view, "en"):
            text = params.get("text") or params.get("caption") or ""
            assert "<script>" not in text and "<b>&amp;" not in text, (method, text)
            assert "&lt;script&gt;" in text
        assert "<script>" not in timeline_entry("en", view.event)


def test_resolved_asks_the_survey_of_its_resident_and_as_a_follower_of_a_duplicate_s() -> None:
    view = event_view("resolved", note="修好了", status="resolved")
    (call,) = render_resident_event(view, "zh")
    found = buttons(call[1])
    # 回访's first question (问题解决了吗); the second comes once it is answered.
    assert [data for _, data in found] == ["sv:7:y", "sv:7:p", "sv:7:n"]
    assert [label for label, _ in found] == [
        t("zh", "survey.button.solved"),
        t("zh", "survey.button.partly"),
        t("zh", "survey.button.unsolved"),
    ]
    assert all(SURVEY.match(data) for _, data in found)
    # The resident of a duplicate hears it too, about their own number, and is asked as a
    # follower (their answer goes to the group and moves nothing; docs/DESIGN.md).
    (call,) = render_resident_event(view, "en", chat_id=DUPLICATE_RESIDENT)
    assert [data for _, data in buttons(call[1])] == ["sv:7:y", "sv:7:p", "sv:7:n"]
    assert "WD2023-1-0009" in call[1]["text"] and "WD2023-1-0007" in call[1]["text"]
    assert "修好了" in call[1]["text"]
    assert t("en", "survey.ask_follower") in call[1]["text"]


def test_no_survey_once_the_complaint_moved_on() -> None:
    view = event_view("resolved", note="修好了", status="closed")
    (call,) = render_resident_event(view, "zh")
    assert buttons(call[1]) == []


def test_resolved_with_a_photo() -> None:
    view = event_view("resolved", note="修好了", status="resolved", photo_file_id="PHOTO1")
    (call,) = render_resident_event(view, "zh")
    method, params = call
    assert method == "sendPhoto" and params["photo"] == "PHOTO1"
    assert "修好了" in params["caption"] and "WD2023-1-0007" in params["caption"]
    assert [d for _, d in buttons(params)] == ["sv:7:y", "sv:7:p", "sv:7:n"]
    # A duplicate's resident sees the photo too, with the follower's survey.
    ((method, params),) = render_resident_event(view, "en", chat_id=DUPLICATE_RESIDENT)
    assert method == "sendPhoto" and params["photo"] == "PHOTO1"
    assert "WD2023-1-0009" in params["caption"]
    assert [d for _, d in buttons(params)] == ["sv:7:y", "sv:7:p", "sv:7:n"]
    # Too long for a caption: the photo, then the text with the survey.
    long_view = event_view(
        "resolved", note="修" * (CAPTION_MAX + 10), status="resolved", photo_file_id="PHOTO1"
    )
    photo, text = render_resident_event(long_view, "zh")
    assert photo[0] == "sendPhoto" and len(photo[1]["caption"]) <= CAPTION_MAX
    assert "WD2023-1-0007" in photo[1]["caption"]
    assert text[0] == "sendMessage" and buttons(text[1])


def test_follow_up_question_with_an_answer_button() -> None:
    follow_up = FollowUp(id=12, complaint_id=7, question="机井在哪个位置？", asked_at=AT)
    view = event_view("follow_up_asked", note="机井在哪个位置？", follow_up=follow_up)
    for language in LANGUAGES:
        (call,) = render_resident_event(view, language)
        text = call[1]["text"]
        assert "机井在哪个位置？" in text and "WD2023-1-0007" in text
        ((label, data),) = buttons(call[1])
        assert data == "fq:12" and ANSWER.match(data)
        assert label == t(language, "followup.button.answer")
    # A question is for the complaint's own resident only.
    assert render_resident_event(view, "en", chat_id=DUPLICATE_RESIDENT) == []


def test_merged_duplicates_hear_about_the_complaint_they_follow() -> None:
    view = event_view("accepted", to_status="accepted")
    text = only_text(render_resident_event(view, "en", chat_id=DUPLICATE_RESIDENT))
    assert "WD2023-1-0007" in text and "WD2023-1-0009" in text
    assert text.startswith(
        t("en", "update.header_merged", number="WD2023-1-0007", own="WD2023-1-0009")
    )


@pytest.mark.parametrize("action", ["taken", "note", "merged_in", "follow_up_answered", "filed"])
def test_internal_events_are_not_sent(action: str) -> None:
    assert render_resident_event(event_view(action, note="内部备注"), "zh") == []


def test_timeline_entries() -> None:
    closed = event_view("closed", note="basic").event
    assert timeline_entry("zh", closed) == "已关闭 (基本满意)"
    assert timeline_entry("en", closed) == "closed (basically satisfied)"
    handed = event_view("handed_off", note="区水利局", to_status="handed_off").event
    assert timeline_entry("zh", handed) == "现场交办: 区水利局"
    assert timeline_entry("en", event_view("accepted").event) == "taken up"
    assert timeline_entry("en", event_view("filed").event) == t("en", "event.filed")


# --- the department's card -----------------------------------------------------------------


def department_view(**overrides: Any) -> CardView:
    values: dict[str, Any] = {
        "status": "handed_off",
        "anonymous": False,
        "reporter_name": NAME,
        "reporter_username": USERNAME,
        "reporter_phone": PHONE,
        "department_name": "区水利局",
        "due_on": date(2023, 3, 17),
        "latitude": 33.742,
        "longitude": 113.351,
        "address": "村东头 <机井> & 水塔",
        "description": "机井没水 <b>急</b> & *快*",
        "department_chat_id": -200,
    }
    values.update(overrides)
    return card(**values)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("anonymous", [True, False])
def test_department_card_never_shows_who_reported(language: str, anonymous: bool) -> None:
    view = department_view(anonymous=anonymous)
    text, markup = render_department_card(view, language)
    everything = text + repr(markup.to_dict() if markup else None)
    for secret in (NAME, USERNAME, PHONE, "13912345678", t(language, "card.anonymous")):
        assert secret not in everything
    for shown in ("WD2023-1-0007", "小店村", "东高皇街道", "区水利局", "2023-03-17"):
        assert shown in text
    category = "饮水灌溉" if language == "zh" else "Water supply and irrigation"
    assert category in text
    assert "&lt;b&gt;急&lt;/b&gt; &amp; *快*" in text and "&lt;机井&gt;" in text
    assert markup is not None
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == [
        "dep:sign:7",
        "dep:ret:7",
    ]


def test_department_card_after_the_report() -> None:
    view = department_view(status="resolved", resolution="换了 <新> 水泵")
    text, markup = render_department_card(view, "zh")
    assert markup is None
    assert "换了 &lt;新&gt; 水泵" in text
    assert t("zh", "dept.status.resolved") in text


def test_department_card_fits_a_message() -> None:
    view = department_view(description="井" * 2000 + "<", address="路" * 200)
    text, _ = render_department_card(view, "en")
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    text, _ = render_department_card(replace(view, description=None), "en")
    assert t("en", "dept.card.no_description") in text
