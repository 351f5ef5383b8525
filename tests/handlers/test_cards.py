"""Cards from hand-made CardViews: text, buttons per status, identity, length, callback data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup

from handlers.department import render_department_card
from handlers.group import cards, keyboards
from handlers.group.keyboards import STATUS_CODES, Act
from storage.models import ComplaintStatus
from storage.triage import CardView

NASTY = "<b>不是粗体</b> & *星号* _下划线_ `code` </pre> &amp; <a href='x'>"


def view(**overrides: Any) -> CardView:
    values: dict[str, Any] = {
        "complaint_id": 42,
        "number": "WD2023-1-0042",
        "status": "new",
        "village": "小店村",
        "township": "东高皇街道",
        "category_code": "water",
        "category_zh": "饮水灌溉",
        "category_en": "Drinking water and irrigation",
        "sensitive": False,
        "description": "村里机井水压太低，浇不了地，已经两个月了。",
        "has_voice": True,
        "photo_count": 2,
        "latitude": 33.742,
        "longitude": 113.351,
        "address": None,
        "anonymous": False,
        "reporter_name": "张 三",
        "reporter_username": "zhangsan",
        "reporter_phone": "+8613812345678",
        # 02:05 UTC is 10:05 in Shanghai.
        "filed_at": datetime(2023, 3, 14, 2, 5, tzinfo=UTC),
        "due_on": None,
        "taken_by_name": None,
        "department_name": None,
        "merged_into_number": None,
        "duplicates": 0,
        "resolution": None,
        "satisfaction": None,
        "timezone": "Asia/Shanghai",
        "group_chat_id": -1001,
        "group_card_message_id": 7,
        "department_chat_id": None,
        "department_card_message_id": None,
        "round_id": 1,
        "group_id": 1,
    }
    values.update(overrides)
    return CardView(**values)


def datas(markup: InlineKeyboardMarkup | None) -> list[str]:
    if markup is None:
        return []
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row]


def labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    if markup is None:
        return []
    return [b.text for row in markup.inline_keyboard for b in row]


def acts(markup: InlineKeyboardMarkup | None) -> list[str]:
    found = []
    for data in datas(markup):
        if data.startswith("cmp:blk:"):
            continue  # 屏蔽, not a lifecycle act (checked in test_buttons_fit_the_status)
        match = keyboards.ACTION.match(data)
        assert match is not None, data
        found.append(match[1])
    return found


def test_the_card_shows_everything_the_group_needs() -> None:
    text, _markup = cards.card(
        view(
            status="handed_off",
            due_on=date(2023, 3, 17),
            taken_by_name="李四",
            department_name="区水利局",
            duplicates=2,
        ),
        "zh",
    )
    for expected in (
        "WD2023-1-0042",
        "现场交办",
        "小店村 (东高皇街道)",
        "饮水灌溉",
        "2023-03-14 10:05",
        "张 三 · @zhangsan · 电话 +8613812345678",
        "村里机井水压太低",
        "语音",
        "照片 2 张",
        "办理期限：2023-03-17",
        "认领人：李四",
        "交办单位：区水利局",
        "3位群众反映同一问题",
    ):
        assert expected in text, expected


def test_english_card() -> None:
    text, markup = cards.card(view(), "en")
    assert "Drinking water and irrigation" in text and "Filed: 2023-03-14 10:05" in text
    assert "Accept" in labels(markup)


def test_an_anonymous_card_names_nobody_even_if_the_view_carried_names() -> None:
    leaky = view(anonymous=True)  # names still set: the card must not look at them
    for language in ("zh", "en"):
        text, _ = cards.card(leaky, language)
        assert "张 三" not in text and "zhangsan" not in text and "13812345678" not in text
        assert ("匿名" if language == "zh" else "anonymous") in text
        burst, _ = cards.card_message(
            [leaky, view(complaint_id=43, number="WD2023-1-0043")], language
        )
        assert burst.count("zhangsan") == 1  # only the named one
        department, _ = render_department_card(leaky, language)
        assert "张 三" not in department and "zhangsan" not in department


def test_a_department_card_never_carries_an_identity() -> None:
    text, markup = render_department_card(
        view(status="handed_off", department_name="区水利局", due_on=date(2023, 3, 17)), "zh"
    )
    assert "张 三" not in text and "zhangsan" not in text and "13812345678" not in text
    assert "区水利局" in text and "2023-03-17" in text and "33.74200" in text
    assert datas(markup) == ["dep:sign:42", "dep:ret:42"]
    _, markup = render_department_card(view(status="resolved"), "zh")
    assert markup is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("new", ["acc", "tak", "imm", "hof", "trf", "rej", "mrg", "ask", "not", "asg"]),
        ("accepted", ["imm", "hof", "trf", "res", "rej", "mrg", "ask", "tak", "not", "asg"]),
        ("immediate", ["res", "hof", "ask", "not", "asg"]),
        ("handed_off", ["res", "hof", "ask", "not", "asg"]),
        ("rejected", ["rec", "not"]),
        ("resolved", ["not"]),
        ("transferred", ["cls", "not"]),
        ("closed", ["not"]),
        ("merged", []),
    ],
)
def test_buttons_fit_the_status(status: str, expected: list[str]) -> None:
    _, markup = cards.card(view(status=status), "zh")
    assert acts(markup) == expected
    # 屏蔽 last, on its own row, on every card that has buttons at all.
    if expected:
        assert markup is not None and datas(markup)[-1] == "cmp:blk:42"
        assert labels(InlineKeyboardMarkup([markup.inline_keyboard[-1]])) == ["🚫 屏蔽"]
    else:
        assert datas(markup) == []
    code = STATUS_CODES[status]
    assert all(
        data == f"cmp:{act}:42:{code}"
        for act, data in zip(expected, datas(markup)[: len(expected)], strict=True)
    )


def test_a_sensitive_complaint_has_no_hand_off_button() -> None:
    for status in ("new", "accepted", "immediate"):
        text, markup = cards.card(view(status=status, sensitive=True, category_code="clue"), "zh")
        assert Act.hand_off.value not in acts(markup)
        assert "敏感" in text
    _, markup = cards.card(view(status="new", sensitive=True), "zh")
    assert Act.transfer.value in acts(markup)


def test_every_status_has_a_name_and_a_code() -> None:
    for status in ComplaintStatus:
        assert status in STATUS_CODES
        assert status in keyboards.BUTTONS
        assert cards.status_name("zh", status) != status


def test_text_people_typed_is_escaped() -> None:
    text, _ = cards.card(
        view(
            description=NASTY,
            resolution=NASTY,
            address=NASTY,
            reporter_name=NASTY,
            taken_by_name=NASTY,
        ),
        "zh",
    )
    assert "<b>不是粗体</b>" not in text and "<a href" not in text
    assert "&lt;b&gt;不是粗体&lt;/b&gt; &amp; *星号* _下划线_" in text
    assert "&amp;amp;" in text


def test_a_long_description_is_cut_to_fit_one_message() -> None:
    for raw in ("水" * 5000, "&<" * 3000, "😀" * 3000):
        long = view(description=raw, resolution="办" * 3000, address="路" * 250)
        for language in ("zh", "en"):
            text, _ = cards.card(long, language)
            assert cards.units(text) <= cards.MAX_TEXT
            assert cards.ELLIPSIS in text
            # The cut never leaves half an entity behind.
            assert "&a…" not in text and "&l…" not in text and "&am…" not in text


def test_fit_cuts_between_entities() -> None:
    assert cards.fit("a&b", 100) == "a&amp;b"
    assert cards.fit("&&&&", 10) == "&amp;…"
    assert cards.fit("abc", 0) == ""


def test_callback_data_is_short() -> None:
    big = 10**17
    for status in ComplaintStatus:
        _, markup = cards.card(view(complaint_id=big, status=status), "zh")
        assert all(len(d.encode()) <= 64 for d in datas(markup))
    departments = keyboards.due_dates("zh", big, "accepted", "h", big, 15)
    assert all(len(d.encode()) <= 64 for d in datas(departments))
    assert keyboards.DUE.match(datas(departments)[0])


def test_due_date_buttons_start_with_the_category_default() -> None:
    markup = keyboards.due_dates("zh", 42, "accepted", "i", 0, 7)
    assert labels(markup)[0] == "按类别默认：7天"
    assert [keyboards.DUE.match(d)[5] for d in datas(markup)[:-1]] == ["7", "1", "3", "15"]  # type: ignore[index]
    markup = keyboards.due_dates("en", 42, "accepted", "i", 0, 10)
    assert labels(markup)[:5] == [
        "Category default: 10 days",
        "1 day(s)",
        "3 day(s)",
        "7 day(s)",
        "15 day(s)",
    ]


def test_a_burst_lists_each_complaint_with_its_own_buttons() -> None:
    views = [
        view(complaint_id=100 + i, number=f"WD2023-1-{i:04d}", description="描述" * 500)
        for i in range(1, 9)
    ]
    views[3] = replace(views[3], status="accepted")
    text, markup = cards.card_message(views, "zh")
    assert cards.units(text) <= cards.MAX_TEXT
    assert "8 件反映" in text
    assert markup is not None and len(markup.inline_keyboard) == 8
    for index, row in enumerate(markup.inline_keyboard, start=1):
        assert all(b.text.startswith(f"{index:04d} ") for b in row)
        assert str(row[-1].callback_data) == f"cmp:shw:{100 + index}"
    assert [b.text for b in markup.inline_keyboard[0]] == ["0001 受理", "0001 认领", "0001 详情"]
    assert [b.text for b in markup.inline_keyboard[3]] == [
        "0004 立行立改",
        "0004 现场交办",
        "0004 详情",
    ]
    assert sum(len(row) for row in markup.inline_keyboard) <= 100


def test_a_card_with_one_complaint_is_the_full_card() -> None:
    one, _ = cards.card_message([view()], "zh")
    assert one == cards.card(view(), "zh")[0]
