"""Loading roster files: what gets created, updated, kept, and refused (with file and line)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app
from storage.categories import DEFAULT_CATEGORIES
from storage.db import Database
from storage.models import (
    Category,
    Complaint,
    Department,
    GroupVillage,
    InspectionGroup,
    Resident,
    Round,
    Village,
)
from storage.roster import (
    RosterError,
    RosterSummary,
    load_roster,
    load_roster_path,
    parse_roster,
)
from storage.roster.wording import ENGLISH as ENGLISH_WORDING
from tests.helpers.cli import ENGLISH

FIXTURE = Path(__file__).parents[1] / "fixtures" / "roster_wd2023.yaml"
ROSTER = FIXTURE.read_text(encoding="utf-8")
# Two village lines of the fixture, whole.
YUEJIA = next(line for line in ROSTER.splitlines(keepends=True) if "{code: yuejia," in line)
YOUYUE = next(line for line in ROSTER.splitlines(keepends=True) if "{code: youyue," in line)


def edited(*replacements: tuple[str, str], text: str = ROSTER) -> str:
    """The roster text with each (old, new) replaced; each old must occur exactly once."""
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


async def load(database: Database, text: str = ROSTER, source: str = "roster.yaml") -> Any:
    """Load roster text in its own transaction."""
    async with database.transaction() as session:
        return await load_roster(session=session, text=text, source=source)


async def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every roster row, as plain tuples in a stable order."""

    def rows(result: Any) -> list[tuple[Any, ...]]:
        return sorted((tuple(row.model_dump().items()) for row in result), key=repr)

    async with database.transaction() as session:
        links = await session.exec(
            select(InspectionGroup.code, Village.code)
            .join(GroupVillage, col(GroupVillage.group_id) == col(InspectionGroup.id))
            .join(Village, col(Village.id) == col(GroupVillage.village_id))
        )
        return {
            "round": rows((await session.exec(select(Round))).all()),
            "group": rows((await session.exec(select(InspectionGroup))).all()),
            "village": rows((await session.exec(select(Village))).all()),
            "link": sorted(tuple(link) for link in links.all()),
            "department": rows((await session.exec(select(Department))).all()),
            "category": rows((await session.exec(select(Category))).all()),
        }


def write(tmp_path: Path, text: str, name: str = "roster.yaml") -> Path:
    """A roster file in tmp_path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plain_url(database: Database) -> str:
    """The ordinary URL a Database was made from (Database picks the async driver itself)."""
    return database.url.render_as_string(hide_password=False)


# --- creating and updating --------------------------------------------------------------------


async def test_load_creates_everything(database: Database) -> None:
    summary = await load(database)

    assert isinstance(summary, RosterSummary)
    assert summary.created and summary.changed
    assert (summary.groups, summary.villages, summary.departments, summary.categories) == (
        2,
        3,
        4,
        11,
    )
    assert str(summary) == (
        "round WD2023-1 created: 2 groups, 3 villages, 4 departments, 11 categories"
    )
    async with database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        assert round_.code == "WD2023-1"
        assert round_.name == "卫东区委2023年第一轮巡察"
        assert round_.kind == "regular"
        assert round_.organizer == "中共卫东区委"
        assert (round_.starts_on, round_.ends_on) == (date(2023, 2, 27), date(2023, 4, 12))
        assert round_.timezone == "Asia/Shanghai"
        assert round_.contact == "卫东区委巡察办 电话 0375-0000000"
        assert round_.last_number == 0
        assert round_.updated_at.tzinfo is not None

        groups = (await session.exec(select(InspectionGroup))).all()
        assert {(g.code, g.name, g.round_id, g.chat_id) for g in groups} == {
            ("g3", "第三巡察组", round_.id, None),
            ("g5", "第五巡察组", round_.id, None),
        }
        villages = {v.code: v for v in (await session.exec(select(Village))).all()}
        assert set(villages) == {"xiaodian", "yuejia", "youyue"}
        yuejia = villages["yuejia"]
        assert (yuejia.name, yuejia.township) == ("岳家村", "东高皇街道")
        assert (yuejia.latitude, yuejia.longitude) == (33.736, 113.362)

        departments = (await session.exec(select(Department))).all()
        assert {(d.code, d.name, d.receives_clues) for d in departments} == {
            ("water", "区水利局", False),
            ("housing", "区住房和城乡建设局", False),
            ("dgh", "东高皇街道党工委", False),
            ("discipline", "区纪委监委", True),
        }
        assert {d.round_id for d in departments} == {round_.id}

        categories = (await session.exec(select(Category).order_by(col(Category.position)))).all()
        assert [(c.code, c.name_zh, c.name_en, c.due_days, c.sensitive) for c in categories] == [
            (d.code, d.zh, d.en, d.due_days, d.sensitive) for d in DEFAULT_CATEGORIES
        ]
        assert [c.position for c in categories] == list(range(11))
        assert {c.code for c in categories if c.sensitive} == {"conduct", "clue"}
    assert (await snapshot(database))["link"] == [
        ("g3", "xiaodian"),
        ("g3", "yuejia"),
        ("g5", "youyue"),
    ]


async def test_loading_twice_changes_nothing(database: Database) -> None:
    await load(database)
    before = await snapshot(database)

    summary = await load(database)

    assert not summary.created
    assert not summary.changed
    assert str(summary) == "round WD2023-1: no changes"
    assert await snapshot(database) == before


async def test_an_edit_updates_the_round(database: Database) -> None:
    await load(database)
    before = await snapshot(database)
    async with database.transaction() as session:
        loaded_at = (await session.exec(select(Round.updated_at))).one()
    text = edited(
        # Rename a village.
        ("{code: xiaodian, name: 小店村,", "{code: xiaodian, name: 小店社区,"),
        # Move yuejia from g3 to g5.
        (
            YUEJIA,
            "",
        ),
        (
            "      - {code: youyue,",
            YUEJIA + "      - {code: youyue,",
        ),
        # Drop a department.
        ("  - {code: housing, name: 区住房和城乡建设局}\n", ""),
        ("ends_on: 2023-04-12", "ends_on: 2023-04-20"),
    )

    summary = await load(database, text)

    assert not summary.created and summary.changed
    assert str(summary) == (
        "round WD2023-1 updated: 2 groups, 3 villages, 3 departments, 11 categories"
    )
    after = await snapshot(database)
    assert after["link"] == [("g3", "xiaodian"), ("g5", "youyue"), ("g5", "yuejia")]
    async with database.transaction() as session:
        village = (await session.exec(select(Village).where(Village.code == "xiaodian"))).one()
        assert village.name == "小店社区"
        codes = set((await session.exec(select(Department.code))).all())
        assert codes == {"water", "dgh", "discipline"}
        round_ = (await session.exec(select(Round))).one()
        assert round_.ends_on == date(2023, 4, 20)
        assert round_.updated_at > loaded_at
    # Rows that did not change keep their ids.
    assert after["group"] == before["group"]
    assert after["category"] == before["category"]
    # And loading the edited file again is a no-op.
    assert not (await load(database, text)).changed


async def test_removed_rows_are_kept_only_while_complaints_refer_to_them(
    database: Database,
) -> None:
    text = edited(
        (
            "departments:\n",
            "  - code: g7\n    name: 第七巡察组\n    villages:\n"
            "      - {code: hexi, name: 河西村, township: 东高皇街道}\n\n"
            "departments:\n",
        ),
        (
            "# categories:\n",
            "categories:\n"
            "  - {code: water, zh: 饮水灌溉, en: Water, due_days: 7}\n"
            "  - {code: road, zh: 道路交通, en: Roads, due_days: 15}\n"
            "  - {code: conduct, zh: 干部作风, en: Conduct, due_days: 15}\n",
        ),
    )
    await load(database, text)
    # A complaint in g5, handed to dgh, in category road.
    async with database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        g5 = (
            await session.exec(select(InspectionGroup).where(InspectionGroup.code == "g5"))
        ).one()
        dgh = (await session.exec(select(Department).where(Department.code == "dgh"))).one()
        youyue = (await session.exec(select(Village).where(Village.code == "youyue"))).one()
        resident = Resident(telegram_id=1001)
        session.add(resident)
        await session.flush()
        now = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
        assert round_.id and g5.id and youyue.id and resident.id
        session.add(
            Complaint(
                number="WD2023-1-0001",
                round_id=round_.id,
                seq=1,
                group_id=g5.id,
                village_id=youyue.id,
                category_code="road",
                resident_id=resident.id,
                department_id=dgh.id,
                filed_at=now,
                updated_at=now,
            )
        )
    # Now g5, g7, dgh, housing, road and conduct all leave the file; youyue moves to g3.
    smaller = edited(
        ("  - code: g5\n    name: 第五巡察组\n    villages:\n", ""),
        ("  - code: g7\n    name: 第七巡察组\n    villages:\n", ""),
        ("      - {code: hexi, name: 河西村, township: 东高皇街道}\n", ""),
        ("  - {code: housing, name: 区住房和城乡建设局}\n", ""),
        ("  - {code: dgh, name: 东高皇街道党工委}\n", ""),
        ("  - {code: road, zh: 道路交通, en: Roads, due_days: 15}\n", ""),
        ("  - {code: conduct, zh: 干部作风, en: Conduct, due_days: 15}\n", ""),
        text=text,
    )

    summary = await load(database, smaller)

    assert summary.changed
    assert summary.notes == [
        "group g5 is no longer in the file but is kept: complaints refer to it",
        "department dgh is no longer in the file but is kept: complaints refer to it",
        "category road is no longer in the file but is kept: complaints use it",
    ]
    assert str(summary).splitlines()[1:] == [f"note: {note}" for note in summary.notes]
    assert summary.kept == [("group", "g5"), ("department", "dgh"), ("category", "road")]
    after = await snapshot(database)
    # g5 is kept but covers nothing any more; g7 is gone; hexi stays as a village.
    assert after["link"] == [("g3", "xiaodian"), ("g3", "youyue"), ("g3", "yuejia")]
    async with database.transaction() as session:
        groups = set((await session.exec(select(InspectionGroup.code))).all())
        departments = set((await session.exec(select(Department.code))).all())
        categories = set((await session.exec(select(Category.code))).all())
        villages = set((await session.exec(select(Village.code))).all())
    assert groups == {"g3", "g5"}
    assert departments == {"water", "dgh", "discipline"}
    assert categories == {"water", "road"}
    assert "hexi" in villages


async def test_default_categories_when_the_file_has_none_custom_ones_when_it_has(
    database: Database,
) -> None:
    custom = edited(
        (
            "# categories:\n",
            "categories:\n"
            "  - {code: clue, zh: 问题线索, en: Clue, due_days: 10}\n"
            "  - {code: water, zh: 饮水, en: Water, due_days: 5}\n"
            "  - {code: other, zh: 其他, en: Other, due_days: 3, sensitive: true}\n"
            "  - {code: conduct, zh: 作风, en: Conduct, due_days: 9, sensitive: false}\n",
        )
    )

    async def categories() -> list[tuple[Any, ...]]:
        async with database.transaction() as session:
            rows = (await session.exec(select(Category).order_by(col(Category.position)))).all()
        return [(c.code, c.name_zh, c.name_en, c.due_days, c.sensitive, c.position) for c in rows]

    summary = await load(database, custom)
    assert summary.categories == 4
    assert await categories() == [
        ("clue", "问题线索", "Clue", 10, True, 0),
        ("water", "饮水", "Water", 5, False, 1),
        ("other", "其他", "Other", 3, True, 2),
        ("conduct", "作风", "Conduct", 9, False, 3),
    ]

    # Back to no list: the defaults again, in their order.
    summary = await load(database)
    assert summary.changed and summary.categories == 11
    assert await categories() == [
        (d.code, d.zh, d.en, d.due_days, d.sensitive, n) for n, d in enumerate(DEFAULT_CATEGORIES)
    ]


# --- refusing bad files -----------------------------------------------------------------------

BROKEN = [
    pytest.param(
        [("code: WD2023-1 ", 'code: "WD 2023/1" ')],
        8,
        "round.code",
        "must match [A-Za-z0-9-]{1,16}",
        id="bad-round-code",
    ),
    pytest.param(
        [("ends_on: 2023-04-12", "ends_on: 2023-02-01")],
        14,
        "round.ends_on",
        "must not be before starts_on (2023-02-27)",
        id="end-before-start",
    ),
    pytest.param(
        [("ends_on: 2023-04-12", "ends_on: 2023-02-30")],
        14,
        "round.ends_on",
        "is not a real date",
        id="impossible-date",
    ),
    pytest.param(
        [("timezone: Asia/Shanghai", "timezone: Asia/Shanghia")],
        15,
        "round.timezone",
        "'Asia/Shanghia' is not a known IANA time zone",
        id="bad-timezone",
    ),
    pytest.param(
        [("kind: regular", "kind: routine")],
        10,
        "round.kind",
        "must be one of",
        id="bad-kind",
    ),
    pytest.param(
        [("{code: youyue,", "{code: xiaodian,")],
        27,
        "groups[1].villages[0].code",
        "village code 'xiaodian' is used twice (first at line 22)",
        id="duplicate-village-code",
    ),
    pytest.param(
        [("  - code: g5", "  - code: g3")],
        24,
        "groups[1].code",
        "group code 'g3' is used twice (first at line 19)",
        id="duplicate-group-code",
    ),
    pytest.param(
        [("{code: dgh,", "{code: water,")],
        32,
        "departments[2].code",
        "department code 'water' is used twice (first at line 30)",
        id="duplicate-department-code",
    ),
    pytest.param(
        [("lat: 33.736", "lat: 133.736")],
        23,
        "groups[0].villages[1].lat",
        "must be between -90 and 90",
        id="lat-out-of-range",
    ),
    pytest.param(
        [("lon: 113.329", "lon: -181")],
        27,
        "groups[1].villages[0].lon",
        "must be between -180 and 180",
        id="lon-out-of-range",
    ),
    pytest.param(
        [("    name: 第五巡察组\n", "    name: 第五巡察组\n    leader: 张三\n")],
        26,
        "groups[1].leader",
        "is not a known field",
        id="unknown-key",
    ),
    pytest.param(
        [("# categories:\n", "categorys:\n  - {code: water}\n")],
        36,
        "categorys",
        "is not a known field",
        id="unknown-top-level-key",
    ),
    pytest.param(
        [("    name: 第三巡察组\n", "")],
        19,
        "groups[0].name",
        "is required but missing",
        id="missing-group-name",
    ),
    pytest.param(
        [("  starts_on: 2023-02-27          # intake opens at 00:00 local time\n", "")],
        7,
        "round.starts_on",
        "is required but missing",
        id="missing-round-field",
    ),
    pytest.param(
        [("{code: water, name: 区水利局}", "{code: water}")],
        30,
        "departments[0].name",
        "is required but missing",
        id="missing-department-name",
    ),
    pytest.param(
        [("receives_clues: true", "receives_clues: maybe")],
        33,
        "departments[3].receives_clues",
        "must be true or false",
        id="not-a-bool",
    ),
    pytest.param(
        [
            (
                YOUYUE.rstrip("\n"),
                "      []",
            )
        ],
        26,
        "groups[1].villages",
        "must list at least one village",
        id="group-without-villages",
    ),
    pytest.param(
        [("# categories:\n", "categories:\n  - {code: water, zh: 水, en: Water, due_days: 0}\n")],
        37,
        "categories[0].due_days",
        "must be at least 1",
        id="due-days-zero",
    ),
]


@pytest.mark.parametrize(("replacements", "line", "field", "message"), BROKEN)
async def test_a_broken_file_is_refused_with_file_line_and_field(
    database: Database,
    tmp_path: Path,
    replacements: list[tuple[str, str]],
    line: int,
    field: str,
    message: str,
) -> None:
    await load(database)
    before = await snapshot(database)
    path = write(tmp_path, edited(*replacements))

    with pytest.raises(RosterError) as caught:
        await load_roster_path(plain_url(database), path)

    assert f"{path}:{line}: {field}: " in str(caught.value)
    assert message in str(caught.value)
    assert len(caught.value.problems) == 1, str(caught.value)
    problem = caught.value.problems[0]
    assert (problem.source, problem.line, problem.field) == (str(path), line, field)
    # The command line says it from its catalog by code; English is the code's own wording.
    assert problem.code in ENGLISH_WORDING
    assert problem.message == ENGLISH_WORDING[problem.code].format(**dict(problem.values))
    assert await snapshot(database) == before


async def test_every_problem_is_listed_one_per_line(database: Database) -> None:
    text = edited(
        ("timezone: Asia/Shanghai", "timezone: Mars/Olympus"),
        ("lat: 33.736", "lat: 95"),
        ("{code: water, name: 区水利局}", "{code: water, name: 区水利局, chat: 1}"),
    )

    with pytest.raises(RosterError) as caught:
        await load(database, text)

    assert str(caught.value).splitlines() == [
        "roster.yaml:15: round.timezone: 'Mars/Olympus' is not a known IANA time zone "
        "(e.g. Asia/Shanghai)",
        "roster.yaml:23: groups[0].villages[1].lat: must be between -90 and 90",
        "roster.yaml:30: departments[0].chat: is not a known field",
    ]
    assert not any((await snapshot(database)).values())


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("    name: 第五巡察组", "    name: 第五巡察组: 二", 25),
        ("    name: 第五巡察组", "   name: 第五巡察组", 25),
        ("  - {code: dgh,", "  - {code: dgh,,\n", 32),
    ],
    ids=["colon-in-value", "bad-indent", "broken-flow-mapping"],
)
async def test_a_yaml_syntax_error_names_its_line(
    database: Database, tmp_path: Path, old: str, new: str, line: int
) -> None:
    path = write(tmp_path, edited((old, new)))

    with pytest.raises(RosterError) as caught:
        await load_roster_path(plain_url(database), path)

    assert str(caught.value).startswith(f"{path}:{line}: YAML syntax: ")
    assert not any((await snapshot(database)).values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "roster.yaml:1: the file is empty"),
        ("# only a comment\n", "roster.yaml:1: the file is empty"),
        ("- a\n- b\n", "roster.yaml:1: the file must be a mapping with round, groups"),
        (
            "round: {code: X}\ngroups: []\n",
            "roster.yaml:2: groups: must list at least one group",
        ),
    ],
)
async def test_a_file_of_the_wrong_shape_is_refused(
    database: Database, text: str, expected: str
) -> None:
    with pytest.raises(RosterError) as caught:
        await load(database, text)
    assert expected in str(caught.value)


async def test_a_duplicate_key_is_an_error(database: Database) -> None:
    text = edited(("  timezone: Asia/Shanghai\n", "  timezone: Asia/Shanghai\n  name: 重复\n"))
    with pytest.raises(RosterError) as caught:
        await load(database, text)
    assert str(caught.value) == "roster.yaml:16: round.name: is given twice in this mapping"


async def test_a_missing_file_is_an_error_naming_it(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(RosterError) as caught:
        await load_roster_path(plain_url(database), path)
    assert str(caught.value) == f"{path}: cannot be read: No such file or directory"

    with pytest.raises(RosterError) as caught:
        await load_roster_path(plain_url(database), tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}: cannot be read: ")

    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RosterError) as caught:
        await load_roster_path(plain_url(database), binary)
    assert str(caught.value) == f"{binary}: cannot be read: it is not UTF-8 text"


async def test_load_roster_path_loads_a_file(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path, ROSTER)
    summary = await load_roster_path(plain_url(database), path)
    assert summary.created
    assert (await snapshot(database))["link"] == [
        ("g3", "xiaodian"),
        ("g3", "yuejia"),
        ("g5", "youyue"),
    ]


# --- rounds that overlap ----------------------------------------------------------------------

SECOND_ROUND = """\
round:
  code: WD2023-2
  name: 卫东区委2023年第二轮巡察
  kind: special
  organizer: 中共卫东区委
  starts_on: {starts_on}
  ends_on: {ends_on}
  timezone: Asia/Shanghai
  contact: 卫东区委巡察办

groups:
  - code: g1
    name: 第一巡察组
    villages:
      - {{code: hexi, name: 河西村, township: 东高皇街道}}
      - {{code: youyue, name: 优越社区, township: 优越路街道, lat: 33.758, lon: 113.329}}
"""


async def test_a_village_cannot_be_in_two_rounds_with_overlapping_dates(
    database: Database,
) -> None:
    await load(database)
    before = await snapshot(database)
    overlapping = SECOND_ROUND.format(starts_on="2023-04-12", ends_on="2023-05-30")

    with pytest.raises(RosterError) as caught:
        await load(database, overlapping, source="second.yaml")

    assert str(caught.value) == (
        "second.yaml:16: groups[0].villages[1]: village 'youyue' is already covered by round "
        "WD2023-1 (2023-02-27 to 2023-04-12), whose dates overlap"
    )
    assert await snapshot(database) == before


async def test_a_village_can_be_in_two_rounds_whose_dates_do_not_overlap(
    database: Database,
) -> None:
    await load(database)
    later = SECOND_ROUND.format(starts_on="2023-04-13", ends_on="2023-05-30")

    summary = await load(database, later, source="second.yaml")

    assert summary.created
    assert (await snapshot(database))["link"] == [
        ("g1", "hexi"),
        ("g1", "youyue"),
        ("g3", "xiaodian"),
        ("g3", "yuejia"),
        ("g5", "youyue"),
    ]
    # Moving the first round's end onto the second round's dates is now refused.
    with pytest.raises(RosterError) as caught:
        await load(database, edited(("ends_on: 2023-04-12", "ends_on: 2023-04-13")))
    assert str(caught.value).startswith("roster.yaml:27: groups[1].villages[0]: ")
    assert "round WD2023-2" in str(caught.value)


def test_parse_roster_needs_no_database() -> None:
    parsed = parse_roster(ROSTER, "roster.yaml")
    assert parsed.spec.round.code == "WD2023-1"
    assert parsed.lines[("groups", 1, "villages", 0)] == 27


# --- the command line -------------------------------------------------------------------------


def test_cli_loads_a_roster_and_reports_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", **ENGLISH}
    runner = CliRunner()
    good = write(tmp_path, ROSTER)

    result = runner.invoke(app, ["roster", "load", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "round WD2023-1 created: 2 groups, 3 villages, 4 departments, 11 categories" in (
        result.output
    )

    result = runner.invoke(app, ["roster", "load", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "round WD2023-1: no changes" in result.output

    bad = write(tmp_path, edited(("lat: 33.736", "lat: 133.736")), name="bad.yaml")
    result = runner.invoke(app, ["roster", "load", str(bad)], env=env)
    assert result.exit_code == 6  # a bad roster (bot/cli/failures.py)
    assert f"{bad}:23: groups[0].villages[1].lat: must be between -90 and 90" in result.output

    result = runner.invoke(app, ["roster", "load", str(tmp_path / "missing.yaml")], env=env)
    assert result.exit_code == 6
    assert f"{tmp_path / 'missing.yaml'}: cannot be read" in result.output
