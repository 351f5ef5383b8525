"""A realistic round for ledger tests, and the ledger the database says it should give.

`play_round` files complaints the way residents do (tests/helpers/factories.py) and moves them
through the workflow the way inspectors, departments and residents do: every status and every
way of handling is there. `expected_rows` derives the ledger independently of storage/ledger.py:
one ORM read per table and the timeline scanned in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage import workflow
from storage.db import Database
from storage.ledger.words import CHANNEL_ZH, RETURN_REASON_ZH
from storage.models import (
    Category,
    Complaint,
    Department,
    Handoff,
    Round,
    TimelineEvent,
    Village,
)
from storage.workflow import Actor
from tests.helpers.factories import G3_CHAT, G5_CHAT, NOW, World, file

INSPECTOR = Actor("inspector", 501, "李组长")
NAMED = 2001
ANONYMOUS = 2002
NEIGHBOUR = 2003
NO_PHONE = 2004
STATUS_ZH = {
    "new": "待受理",
    "accepted": "已受理",
    "immediate": "立行立改",
    "handed_off": "现场交办",
    "transferred": "已移交",
    "resolved": "已办结",
    "rejected": "不予受理",
    "merged": "已合并",
    "closed": "已关闭",
}
SATISFACTION_ZH = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
RESOLUTION_ZH = {"solved": "已解决", "partly": "部分解决", "unsolved": "未解决"}
HANDLING_ZH = {
    "immediate": "立行立改",
    "handed_off": "现场交办",
    "transferred": "移交",
    "rejected": "不予受理",
}


@dataclass
class Played:
    """The numbers of the complaints `play_round` filed, by what happened to them."""

    numbers: dict[str, str]
    # What each should show as its handling (办理方式), by the same keys.
    handling: dict[str, str]


async def play_round(world: World) -> Played:
    """File complaints in g3 and g5 and move them through every status."""
    database = world.database
    minute = timedelta(minutes=1)
    clock = [NOW]

    def tick() -> Any:
        clock[0] += 17 * minute
        return clock[0]

    async def act(action: Any, complaint_id: int | None, **values: Any) -> None:
        values.setdefault("now", tick())
        async with database.transaction() as session:
            outcome = await action(session=session, complaint_id=complaint_id, **values)
        assert outcome.ok, (action.__name__, outcome)

    async def inspector(action: Any, complaint: Complaint, chat: int = G3_CHAT, **values: Any):
        await act(action, complaint.id, chat_id=chat, actor=INSPECTOR, **values)

    async def rate(complaint: Complaint, resident: int, satisfaction: str) -> None:
        # 回访: 问题解决了吗 (已解决), then 您满意吗.
        await act(
            workflow.answer_resolution,
            complaint.id,
            resident_telegram_id=resident,
            state="solved",
        )
        await act(
            workflow.rate,
            complaint.id,
            resident_telegram_id=resident,
            satisfaction=satisfaction,
        )

    due = date(2023, 3, 20)
    water = world.department_id("water")
    discipline = world.department_id("discipline")
    filed: dict[str, Complaint] = {}

    async def new(key: str, resident: int, **values: Any) -> Complaint:
        filed[key] = await file(database, resident, now=tick(), **values)
        return filed[key]

    # Handed off to the water bureau, resolved, rated satisfied: closed.
    c = await new("handed_off_closed", NAMED, description="机井水压太低，浇不了地，已经两个月了。")
    duplicate = await new(
        "merged", NEIGHBOUR, description="我们组的机井也没水，浇地浇不上，请帮忙看看。"
    )
    await inspector(workflow.accept, c, expected="new")
    await inspector(workflow.merge, duplicate, expected="new", into_number=c.number)
    await inspector(workflow.hand_off, c, expected="accepted", department_id=water, due_on=due)
    await inspector(
        workflow.resolve, c, expected="handed_off", note="水利局已更换水泵。", photo_file_id=None
    )
    await rate(c, NAMED, "satisfied")

    # Fixed at once, resolved, rated basically satisfied: closed. Anonymous.
    c = await new(
        "immediate_closed",
        ANONYMOUS,
        village="yuejia",
        category="environment",
        anonymous=True,
        description="村口建筑垃圾堆了半年没人清理，下雨天泥水流到路上。",
    )
    await inspector(workflow.order_immediate, c, expected="new", due_on=due)
    await inspector(
        workflow.resolve, c, expected="immediate", note="已清运完毕。", photo_file_id=None
    )
    await rate(c, ANONYMOUS, "basic")

    # A clue in g5, anonymous, transferred to the discipline commission.
    c = await new(
        "transferred",
        ANONYMOUS,
        village="youyue",
        category="clue",
        anonymous=True,
        description="社区干部优亲厚友，低保名额给了亲戚，请组织调查。",
    )
    await inspector(workflow.transfer, c, G5_CHAT, expected="new", department_id=discipline)

    # Out of scope: rejected.
    c = await new("rejected", NAMED, category="other", description="邻居家的狗晚上一直叫。")
    await inspector(workflow.reject, c, expected="new", reason="不属于巡察受理范围。")

    # Rejected, then reconsidered: accepted again, no handling yet.
    c = await new("reconsidered", NAMED, category="road", description="村道坑洼很多，晚上危险。")
    await inspector(workflow.reject, c, expected="new", reason="需要先向乡镇反映。")
    await inspector(workflow.reconsider, c, expected="rejected")

    # Fixed at once, then handed off after all; resolved; rated unsatisfied: reopened.
    c = await new(
        "reopened", NO_PHONE, phone=None, category="lights", description="路灯坏了三个月。"
    )
    await inspector(workflow.order_immediate, c, expected="new", due_on=due)
    await inspector(workflow.hand_off, c, expected="immediate", department_id=water, due_on=due)
    await inspector(
        workflow.resolve, c, expected="handed_off", note="已报修。", photo_file_id=None
    )
    await rate(c, NO_PHONE, "unsatisfied")

    # Resolved straight from accepted, not rated yet.
    c = await new(
        "resolved", NAMED, village="youyue", category="subsidy", description="耕地补贴没发。"
    )
    await inspector(workflow.accept, c, G5_CHAT, expected="new")
    await inspector(
        workflow.resolve, c, G5_CHAT, expected="accepted", note="已补发。", photo_file_id=None
    )

    # Nothing done yet (one of them anonymous).
    await new("new", NAMED, category="gas", description="燃气管道一直没接通。")
    await new("new_anonymous", ANONYMOUS, anonymous=True, description="自来水有异味，发黄。")

    handling = {
        "handed_off_closed": "现场交办",
        "merged": "—",
        "immediate_closed": "立行立改",
        "transferred": "移交",
        "rejected": "不予受理",
        "reconsidered": "—",
        "reopened": "现场交办",
        "resolved": "—",
        "new": "—",
        "new_anonymous": "—",
    }
    return Played({key: c.number for key, c in filed.items()}, handling)


def _identity(complaint: Complaint, shareable: bool) -> str:
    if complaint.anonymous or shareable:
        return ""
    parts = [complaint.reporter_name or "", complaint.reporter_phone or ""]
    return " / ".join(part for part in parts if part)


def _handling(complaint: Complaint, events: list[TimelineEvent]) -> str:
    """The latest of immediate/handed_off/transferred/rejected, undone by a reconsideration."""
    found = "—"
    for event in events:
        if event.action in HANDLING_ZH:
            found = HANDLING_ZH[event.action]
        elif event.action == "accepted" and event.from_status == "rejected":
            found = "—"
    return found


async def expected_rows(
    world: World | Database,
    *,
    shareable: bool,
    group_id: int | None = None,
    round_code: str = "WD2023-1",
) -> list[tuple[Any, ...]]:
    """The ledger's rows as the database has them (LedgerRow.values() order)."""
    database = world.database if isinstance(world, World) else world
    async with database.transaction() as session:
        round_ = (await session.exec(select(Round).where(Round.code == round_code))).one()
        round_id = round_.id
        zone = ZoneInfo(round_.timezone)
        statement = select(Complaint).where(Complaint.round_id == round_id)
        if group_id is not None:
            statement = statement.where(Complaint.group_id == group_id)
        complaints = sorted((await session.exec(statement)).all(), key=lambda c: c.seq)
        villages = {v.id: v for v in (await session.exec(select(Village))).all()}
        categories = {
            c.code: c
            for c in (
                await session.exec(select(Category).where(Category.round_id == round_id))
            ).all()
        }
        departments = {d.id: d for d in (await session.exec(select(Department))).all()}
        events = list(
            (await session.exec(select(TimelineEvent).order_by(col(TimelineEvent.id)))).all()
        )
        handoffs = list((await session.exec(select(Handoff).order_by(col(Handoff.id)))).all())
    numbers = {c.id: c.number for c in complaints}
    rows = []
    for c in complaints:
        # A reopened complaint shows none of its earlier resolution (the current state).
        settled = c.status not in ("new", "accepted", "immediate", "handed_off")
        location = (
            f"{c.latitude:.5f}, {c.longitude:.5f}"
            if c.latitude is not None and c.longitude is not None
            else ""
        )
        if c.address:
            location = f"{location} / {c.address}" if location else c.address
        # A shareable ledger withholds the words of a complaint in a sensitive category.
        withheld = shareable and categories[c.category_code].sensitive
        village = villages[c.village_id]
        department = departments.get(c.department_id) if c.department_id else None
        rows.append(
            (
                c.number,
                c.filed_at.astimezone(zone),
                village.name,
                village.township,
                categories[c.category_code].name_zh,
                "" if withheld else c.description or "",
                "是" if c.anonymous else "否",
                _identity(c, shareable),
                STATUS_ZH[c.status],
                _handling(c, [e for e in events if e.complaint_id == c.id]),
                department.name if department else "",
                c.due_on,
                c.resolved_at.astimezone(zone) if c.resolved_at and settled else None,
                "" if withheld or not settled else c.resolution or "",
                RESOLUTION_ZH.get(c.resolution_state or "", "") if settled else "",
                SATISFACTION_ZH.get(c.satisfaction or "", "") if settled else "",
                "" if withheld else location,
                numbers.get(c.merged_into_id, "") if c.merged_into_id else "",
                # 超期（天）: only with the export's moment (tests/e2e/test_ladder.py).
                None,
                *_dispatch_values([h for h in handoffs if h.complaint_id == c.id], zone, withheld),
                CHANNEL_ZH[c.channel],
            )
        )
    return rows


def _dispatch_values(handoffs: list[Handoff], zone: ZoneInfo, withheld: bool) -> tuple[Any, ...]:
    """签收时间, 退回次数, 最近退回理由, 延期（天）, 延期批准人 from a complaint's dispatches."""
    if withheld or not handoffs:
        return (None, None, "", None, "")
    returned = [h for h in handoffs if h.returned_at is not None]
    approved = [h for h in handoffs if h.extended_days]
    signed = handoffs[-1].signed_at
    return (
        signed.astimezone(zone) if signed is not None else None,
        len(returned) or None,
        RETURN_REASON_ZH[returned[-1].return_reason or ""] if returned else "",
        sum(h.extended_days for h in handoffs) or None,
        (approved[-1].extension_decided_by or "") if approved else "",
    )
