"""代录 (issue 11 §1) through the emulator: an inspector records a complaint heard in person
(named or anonymous) with its channel; the card in the group names the channel and the
recorder; a one-time follow link makes the resident its owner (/my, the next update), and a
used, expired or forged link is refused; /stats counts by channel."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from storage.models import Complaint, TimelineEvent
from tests.e2e.test_resident_updates import group_chat
from tests.helpers.groups import card_of
from tests.helpers.harness import BotHarness
from tests.helpers.recording import follow_link, record
from tests.helpers.resident import Person, draft_of, person, texts


async def stored(bot: BotHarness, number: str) -> tuple[Complaint, list[TimelineEvent]]:
    """The complaint and its timeline as the database has them."""
    async with bot.database.transaction() as session:
        complaint = (await session.exec(select(Complaint).where(Complaint.number == number))).one()
        events = (
            await session.exec(
                select(TimelineEvent)
                .where(TimelineEvent.complaint_id == complaint.id)
                .order_by(col(TimelineEvent.id))
            )
        ).all()
        return complaint, list(events)


async def test_a_complaint_heard_in_person_is_filed_with_its_channel_and_recorder(
    bot: BotHarness,
) -> None:
    inspector = await group_chat(bot)
    _private, number, _receipt = await record(inspector)
    complaint, events = await stored(bot, number)
    assert (complaint.channel, complaint.resident_id) == ("visit", None)
    assert complaint.recorded_by_telegram_id == inspector.user.id
    assert (complaint.reporter_name, complaint.reporter_phone) == ("赵大妈", "138 0000 1111")
    assert not complaint.anonymous and len(complaint.photo_file_ids) == 1
    filed = events[0]
    assert (filed.action, filed.actor, filed.actor_name) == ("filed", "inspector", "李组长")

    card = card_of(inspector.messages(), number).text or ""
    assert "渠道：走访 · 代录：李组长" in card and "赵大妈" in card and "138 0000 1111" in card


async def test_an_anonymous_record_carries_no_name_and_stats_count_the_channel(
    bot: BotHarness,
) -> None:
    inspector = await group_chat(bot)
    _private, number, _receipt = await record(inspector, channel="座谈会", name=None)
    complaint, _events = await stored(bot, number)
    assert complaint.anonymous and complaint.reporter_name is None
    assert complaint.channel == "meeting"
    card = card_of(inspector.messages(), number).text or ""
    assert "匿名" in card and "渠道：座谈会 · 代录：李组长" in card

    stats = texts(await inspector.say("/stats"))
    assert "按渠道：座谈会 1" in stats, stats


async def test_the_follow_link_makes_the_resident_the_owner_once(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    private, number, receipt = await record(inspector)
    token, messages = await follow_link(private, receipt)
    assert any(m.kind == "photo" for m in messages), "the QR code is sent too"

    resident = person(bot, "赵", last_name="大妈")
    answer = texts(await resident.say(f"/start f_{token}"))
    assert f"您已关注反映 {number}" in answer, answer
    complaint, events = await stored(bot, number)
    assert complaint.resident_id is not None
    assert "follow_link_used" in [e.action for e in events]
    assert number in texts(await resident.say("/my"))

    # The next update reaches the resident.
    card = card_of(inspector.messages(), number)
    accept = next(d for _t, d in card.buttons if d and d.startswith("cmp:acc:"))
    await inspector.press(card, accept)
    assert "已受理" in texts(resident.new_messages())

    # Used: refused for anyone, nothing changes.
    other = person(bot, "孙")
    assert "已经用过了" in texts(await other.say(f"/start f_{token}"))
    assert (await stored(bot, number))[0].resident_id == complaint.resident_id
    assert number not in texts(await other.say("/my"))
    # No new link once someone follows it.
    answer_text, _messages = await private.press(receipt[-1], "🔗 生成关注链接")
    assert "不能再生成关注链接" in (answer_text or "")


async def test_a_forged_or_expired_link_is_refused(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    # /record in private, with nothing being recorded: where to start one.
    assert "/record" in texts(await person(bot, "吴").say("/record"))
    private, number, receipt = await record(inspector, name=None)
    token, _messages = await follow_link(private, receipt)
    someone = person(bot, "周")
    assert "无效" in texts(await someone.say("/start f_madeup123456"))
    bot.clock.advance(timedelta(days=8))
    assert "已过期" in texts(await someone.say(f"/start f_{token}"))
    complaint, _events = await stored(bot, number)
    assert complaint.resident_id is None


async def test_a_member_of_a_groups_chat_starts_recording_in_private(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    private = Person(bot, inspector.user)
    messages = await private.say("/record")
    assert "登记群众反映（代录）" in texts(messages), texts(messages)
    draft = await draft_of(bot, inspector.user.id)
    assert draft is not None and draft.recorded_for_group_id is not None
    # Someone in no group's chat is told who may, and gets no draft.
    stranger = person(bot, "郑")
    assert "只有巡察组工作群的成员" in texts(await stranger.say("/record"))
    assert await draft_of(bot, stranger.user.id) is None
