"""What the benchmarks share to fill a database: realistic complaints and timelines, and
PostgreSQL databases made and dropped beside a given one.

`complaint(...)` makes one complaint row with its timeline (statuses of a round near its end,
departments, due dates, resolutions, surveys); the benches insert them as they need (SQLAlchemy
executemany in export_memory.py and console.py, COPY in scale.py).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from bench import _machine as machine

CHUNK = 5000

PLACES = ("村东头", "二组", "村委会门口", "小学旁边", "老街", "三组机井", "村西桥头", "集市")
PROBLEMS = {
    "water": ("机井水压太低，浇不了地", "自来水发黄有异味", "说好的饮水井一直没打"),
    "power": ("电压不稳，电器经常烧坏", "变压器老化，一到晚上就停电"),
    "road": ("村道坑洼很多，下雨天没法走", "桥面裂缝越来越大"),
    "gas": ("燃气管道一直没接通", "燃气表读数不对"),
    "lights": ("路灯坏了三个月没人修", "新装的路灯只亮了一个月"),
    "environment": ("建筑垃圾堆了半年没人清理", "污水直排进沟渠，气味很大"),
    "subsidy": ("耕地地力保护补贴没有发到手", "低保审核不公开"),
    "funds": ("村集体土地租金去向不明", "集体资产出租没有公示"),
    "conduct": ("村干部办事拖拉，跑了五趟没办成", "办事要请吃饭"),
    "clue": ("村干部优亲厚友，低保名额给了亲戚", "工程款被截留"),
    "other": ("邻里纠纷调解不了", "宅基地审批一直没有结果"),
}
DETAILS = (
    "已经反映过好几次了，一直没有结果。",
    "村里老人多，出行很不方便，希望尽快解决。",
    "附近住户都有意见，请巡察组帮忙督促。",
    "去年也出现过同样的问题，修好没多久又坏了。",
    "希望能给个答复，什么时候能解决。",
    "家里孩子上学要经过这里，很危险。",
)
RESOLUTIONS = (
    "已责成责任单位现场整改，群众确认问题解决。",
    "已更换设备并试运行正常，建立了定期巡查制度。",
    "已完成清理，并安排专人每周检查。",
    "补贴已补发到位，并在村务公开栏公示。",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
# (status, share) of the complaints, roughly a round near its end.
STATUSES = (
    ("new", 10),
    ("accepted", 10),
    ("immediate", 8),
    ("handed_off", 12),
    ("transferred", 4),
    ("resolved", 10),
    ("rejected", 6),
    ("merged", 3),
    ("closed", 37),
)
SENSITIVE = ("conduct", "clue")
# Every optional column of a complaint row, so that all rows name the same columns.
OPTIONAL = ("due_on", "department_id", "resolution", "resolved_at", "satisfaction", "closed_at")


def description(rng: random.Random, category: str) -> str:
    """A resident's description: a problem, where, and a few sentences more."""
    text = f"{rng.choice(PLACES)}{rng.choice(PROBLEMS.get(category, PROBLEMS['other']))}。"
    return text + "".join(rng.choice(DETAILS) for _ in range(rng.randint(1, 8)))


def person(rng: random.Random) -> tuple[str, str]:
    """A first and last name as Telegram gives them."""
    return rng.choice(SURNAMES), "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))


def event(
    complaint_id: int, at: datetime, actor: str, action: str, from_: str | None, to: str
) -> dict[str, Any]:
    """A public timeline event as a row."""
    return {
        "complaint_id": complaint_id,
        "at": at,
        "actor": actor,
        "action": action,
        "from_status": from_,
        "to_status": to,
        "public": True,
    }


def path(rng: random.Random, status: str) -> list[tuple[str, str]]:
    """Timeline actions (action, status after) that lead to `status`."""
    handled = (
        [("immediate", "immediate")]
        if rng.random() < 0.4
        else [("accepted", "accepted"), ("handed_off", "handed_off")]
    )
    paths: dict[str, list[tuple[str, str]]] = {
        "new": [],
        "accepted": [("accepted", "accepted")],
        "immediate": [("immediate", "immediate")],
        "handed_off": [("accepted", "accepted"), ("handed_off", "handed_off")],
        "transferred": [("transferred", "transferred")],
        "resolved": [*handled, ("resolved", "resolved")],
        "rejected": [("rejected", "rejected")],
        "merged": [("merged", "merged")],
        "closed": [*handled, ("resolved", "resolved"), ("closed", "closed")],
    }
    return paths[status]


def status_of(rng: random.Random, category: str) -> str:
    """A status drawn from STATUSES (a sensitive category is transferred, not handed off)."""
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    if category in SENSITIVE and status in ("immediate", "handed_off"):
        return "transferred"
    return status


def complaint(
    rng: random.Random,
    *,
    complaint_id: int,
    number: str,
    round_id: int,
    group_id: int,
    village_id: int,
    category: str,
    resident_id: int | None,
    filed: datetime,
    zone: ZoneInfo,
    plain: list[int],
    clue: list[int],
    name: str | None,
    anonymous: bool,
    satisfactions: tuple[str, ...] = ("satisfied", "satisfied", "basic"),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One complaint row (status, department, due date, resolution, survey) and its timeline.

    The timeline's inspector acts come 2 to 72 hours apart after the filing.
    """
    status = status_of(rng, category)
    row: dict[str, Any] = {
        "id": complaint_id,
        "number": number,
        "round_id": round_id,
        "seq": complaint_id,
        "group_id": group_id,
        "village_id": village_id,
        "category_code": category,
        "resident_id": resident_id,
        "status": status,
        "description": description(rng, category),
        "photo_file_ids": [],
        "anonymous": anonymous,
        "reporter_name": None if anonymous else name,
        "reporter_phone": None
        if anonymous or rng.random() < 0.5
        else f"+86138{rng.randrange(10**8):08d}",
        "filed_at": filed,
        "updated_at": filed,
        **dict.fromkeys(OPTIONAL),
    }
    at = filed
    events = [event(complaint_id, at, "resident", "filed", None, "new")]
    previous = "new"
    for action, to in path(rng, status):
        at += timedelta(hours=rng.randint(2, 72))
        events.append(event(complaint_id, at, "inspector", action, previous, to))
        previous = to
        if action in ("immediate", "handed_off"):
            row["due_on"] = (at + timedelta(days=7)).astimezone(zone).date()
        if action == "handed_off":
            row["department_id"] = rng.choice(plain)
        if action == "transferred":
            row["department_id"] = rng.choice(clue)
        if action == "resolved":
            row["resolution"] = rng.choice(RESOLUTIONS)
            row["resolved_at"] = at
        if action == "closed" and row["resolved_at"] is not None:
            row["satisfaction"] = rng.choice(satisfactions)
            row["closed_at"] = at
    row["updated_at"] = at
    return row, events


async def on_server(url: str, statement: str) -> None:
    """One statement on the PostgreSQL server behind `url`, outside a transaction."""
    await machine.on_server(url, statement)


def beside(url: str, name: str) -> str:
    """The URL of database `name` on the server behind `url`."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(url: str, name: str, *, keep: bool = False) -> AsyncIterator[str]:
    """CREATE DATABASE `name` beside `url`; its URL; dropped afterwards unless `keep`."""
    await on_server(url, f'CREATE DATABASE "{name}"')
    try:
        yield beside(url, name)
    finally:
        if keep:
            print(f"kept {beside(url, name)}")
        else:
            await on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
