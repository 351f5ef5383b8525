"""`xuncha qr`: an A4 poster per village, PNG and PDF; each QR code reads back as the deep link."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.posters import PosterError, check_links, deep_link, write_posters
from emulator import BotApiEmulator
from handlers import fonts
from storage.db import Database
from storage.posters import PosterInfo, UnknownRound, poster_data
from storage.roster import RosterError, parse_roster
from tests.helpers.cli import ENGLISH
from tests.helpers.factories import World, example_world
from tests.helpers.rosters import example_roster

BOT = "weidong_xuncha_bot"
TOKEN = "123456:POSTER-TOKEN"
VILLAGES = {"xiaodian": "小店村", "yuejia": "岳家村", "youyue": "优越社区"}
A4_POINTS = (595.276, 841.890)  # 210 × 297 mm


async def xuncha(database_url: str, *args: str, **env: str) -> Result:
    """Run the command line against a database (in a thread: it runs its own event loop)."""
    runner = CliRunner()
    values = {
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "",
        **ENGLISH,
    }
    return await asyncio.to_thread(runner.invoke, app, list(args), env=values | env)


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


def decoded(png: Path) -> list[zxingcpp.Barcode]:
    with Image.open(png) as image:
        return list(
            zxingcpp.read_barcodes(
                image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
        )


def missing_glyphs(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def assert_a4_page(pdf: Path) -> None:
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.left), float(box.bottom)) == (0, 0)
    assert float(box.width) == pytest.approx(A4_POINTS[0], abs=0.5)
    assert float(box.height) == pytest.approx(A4_POINTS[1], abs=0.5)


async def test_every_village_gets_a_png_and_a_pdf_whose_code_is_its_deep_link(
    world: World, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "posters"
    result = await xuncha(
        database_url, "qr", "--round", "wd2023-1", "--out", str(out), "--bot-username", "@" + BOT
    )
    assert result.exit_code == 0, result.output
    assert "wrote 3 posters of WD2023-1" in result.output
    assert sorted(path.name for path in out.iterdir()) == sorted(
        f"{code}.{ext}" for code in VILLAGES for ext in ("png", "pdf")
    )  # and no partial files
    for code in VILLAGES:
        link = f"https://t.me/{BOT}?start=v_{code}"
        assert f"{code}: {link}" in result.output
        assert_a4_page(out / f"{code}.pdf")
        with Image.open(out / f"{code}.png") as image:
            assert image.format == "PNG"
            assert image.width >= 2400  # 300 dpi: fit for print
            assert image.height / image.width == pytest.approx(297 / 210, abs=0.002)
        (barcode,) = decoded(out / f"{code}.png")
        assert barcode.text == link
        assert barcode.ec_level in ("M", "Q", "H")
    # The PDF carries the poster's words as text.
    reader = PdfReader(out / "yuejia.pdf")
    text = "".join(reader.pages[0].extract_text().split())
    for expected in (
        "卫东区委2023年第一轮巡察",
        "第三巡察组于2023年2月27日至2023年4月12日对东高皇街道岳家村开展巡察",
        "卫东区委巡察办电话0375-0000000",
        f"t.me/{BOT}?start=v_yuejia",
        "中共卫东区委第三巡察组",
    ):
        assert expected in text
    assert reader.metadata is not None
    assert reader.metadata.title == "巡察公告 · 东高皇街道 · 岳家村"


async def test_chinese_renders_without_missing_glyphs(world: World, tmp_path: Path) -> None:
    async with world.database.transaction() as session:
        infos = await poster_data(session=session, round_code="WD2023-1")
    for language in ("zh", "en"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            written = write_posters(
                infos[:1], bot_username=BOT, out=tmp_path / language, language=language
            )
        assert missing_glyphs(caught) == [], language
        (barcode,) = decoded(written[0].png)
        assert barcode.text == deep_link(BOT, "xiaodian")


async def test_the_glyph_check_can_fail(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the CJK font matplotlib warns about every Chinese glyph: the test above would see
    a regression."""
    async with world.database.transaction() as session:
        infos = await poster_data(session=session, round_code="WD2023-1")
    monkeypatch.setattr(fonts, "font_families", lambda: (fonts.FALLBACK_FAMILY,))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_posters(infos[:1], bot_username=BOT, out=tmp_path)
    assert missing_glyphs(caught)


async def test_poster_data_lists_the_villages_with_their_group_and_round(world: World) -> None:
    async with world.database.transaction() as session:
        infos = await poster_data(session=session, round_code=" wd2023-1 ")
    assert [(i.village_code, i.village_name, i.township, i.group_name) for i in infos] == [
        ("xiaodian", "小店村", "东高皇街道", "第三巡察组"),
        ("yuejia", "岳家村", "东高皇街道", "第三巡察组"),
        ("youyue", "优越社区", "优越路街道", "第五巡察组"),
    ]
    first = infos[0]
    assert (first.round_code, first.round_name, first.organizer) == (
        "WD2023-1",
        "卫东区委2023年第一轮巡察",
        "中共卫东区委",
    )
    assert (first.starts_on.isoformat(), first.ends_on.isoformat()) == ("2023-02-27", "2023-04-12")
    assert first.contact == "卫东区委巡察办 电话 0375-0000000"
    async with world.database.transaction() as session:
        with pytest.raises(UnknownRound) as raised:
            await poster_data(session=session, round_code="WD2024-9")
    assert raised.value.known == ["WD2023-1"]


async def test_an_unknown_round_is_a_clear_error(
    world: World, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "posters"
    result = await xuncha(
        database_url, "qr", "--round", "WD2024-9", "--out", str(out), "--bot-username", BOT
    )
    assert result.exit_code == 1
    assert "no round 'WD2024-9' in the database (rounds: WD2023-1)" in result.output
    chinese = await xuncha(
        database_url,
        "--lang",
        "zh",
        "qr",
        "--round",
        "WD2024-9",
        "--out",
        str(out),
        "--bot-username",
        BOT,
    )
    assert chinese.exit_code == 1
    assert "数据库里没有轮次 'WD2024-9'（现有轮次：WD2023-1）" in chinese.output
    assert "no round" not in chinese.output
    assert not out.exists()


async def test_the_username_comes_from_get_me(
    world: World, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "posters"
    async with BotApiEmulator(token=TOKEN, bot_username=BOT) as emu:
        result = await xuncha(
            database_url,
            "qr",
            "--round",
            "WD2023-1",
            "--out",
            str(out),
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=emu.base_url,
        )
        assert [r.method for r in emu.requests] == ["getMe"]
    assert result.exit_code == 0, result.output
    (barcode,) = decoded(out / "youyue.png")
    assert barcode.text == f"https://t.me/{BOT}?start=v_youyue"


async def test_without_a_username_or_a_working_token_it_says_what_to_do(
    world: World, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "posters"
    args = ("qr", "--round", "WD2023-1", "--out", str(out))
    result = await xuncha(database_url, *args)
    assert result.exit_code == 1
    assert "pass --bot-username NAME, or set TELEGRAM_BOT_TOKEN" in result.output

    async with BotApiEmulator(token=TOKEN, bot_username=BOT) as emu:
        wrong = "654321:WRONG-TOKEN"
        result = await xuncha(
            database_url, *args, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=emu.base_url
        )
        base_url = emu.base_url
    assert result.exit_code == 5  # the token rejected (bot/cli/failures.py)
    assert f"the Bot API at {base_url} rejected TELEGRAM_BOT_TOKEN" in result.output
    assert wrong not in result.output

    # The emulator is gone: nothing listens there any more.
    result = await xuncha(
        database_url, *args, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=base_url
    )
    assert result.exit_code == 4  # the Bot API server unreachable
    assert f"could not ask the Bot API at {base_url}" in result.output
    assert TOKEN not in result.output
    assert not out.exists()

    result = await xuncha(database_url, *args, "--bot-username", "no spaces")
    assert result.exit_code == 1
    assert "'no spaces' is not a Telegram bot username" in result.output


def test_a_village_code_telegram_cannot_carry_is_refused_by_the_roster() -> None:
    """No poster can carry such a code, so the roster never lets one in."""
    with pytest.raises(RosterError) as refused:
        parse_roster(example_roster().replace("xiaodian", "xiao.dian"), "roster.yaml")
    assert "groups[0].villages[0].code" in str(refused.value)


def test_deep_link_codes_at_telegram_limits() -> None:
    def info(code: str) -> PosterInfo:
        from datetime import date

        dates = (date(2023, 1, 1), date(2023, 2, 1))
        return PosterInfo(code, "村", "镇", "g1", "组", "R1", "轮", "", *dates, "UTC", "")

    check_links([info("a" * 62), info("a-b_C9")])
    with pytest.raises(PosterError):
        check_links([info("a" * 63)])


def test_the_cjk_font_ships_with_the_dependencies() -> None:
    from matplotlib import font_manager

    path = fonts.cjk_font_path()
    assert path.suffix in (".otf", ".ttf")
    assert "site-packages" in str(path) or "dist-packages" in str(path)
    assert fonts.font_families() == ("Noto Sans SC", fonts.FALLBACK_FAMILY)
    found = font_manager.findfont(
        font_manager.FontProperties(family=fonts.cjk_font_family()), fallback_to_default=False
    )
    assert Path(found) == path
