"""Getting into the console from Telegram over real HTTP: the Mini App's signed init data (a
member of a linked chat; forged, stale or a stranger's refused), `/console` in a linked chat
(the link arrives in private), `xuncha console-link`; and what a session then fetches through
the bot: photos and voice (never the bot's token), the XLSX of the list's view."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot.cli.console import operator_link
from storage.ledger import round_by_code
from tests.helpers.console import browser, console_bot, init_data, login_token
from tests.helpers.group_flow import Member, complaint, file, linked_chat
from tests.helpers.harness import TOKEN, free_port, running_bot, webhook_settings

LINK = re.compile(r"http://\S+/console/login/[\w-]+")


def _user(member: Member, language: str = "zh") -> dict[str, object]:
    user = member.user
    return {"id": user.id, "first_name": user.first_name, "language_code": language}


async def test_a_member_of_a_linked_chat_logs_in_with_the_mini_app(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as harness:
        admin = await linked_chat(harness, "group", "g3")
        stranger = admin.stranger("路人")
        now = harness.clock.now()
        async with browser(harness) as app:
            status, page = await app.get("/app")
            assert status == 200 and "mini_app.js" in page
            status, _answer = await app.post(
                "/app/login", {"init_data": init_data(_user(admin, "en"), now)}
            )
            assert status == 200 and app.cookie() is not None
            status, page = await app.get("/")
            # The user's Telegram language; the chat's view (the group's).
            assert status == 200 and "Inspection group" in page and "第三巡察组" in page
        refused = {
            "forged": init_data(_user(admin), now, token="999:OTHER"),
            "stale": init_data(_user(admin), now - timedelta(hours=2)),
            "stranger": init_data(_user(stranger), now),
            "empty": "",
        }
        for why, data in refused.items():
            async with browser(harness) as app:
                status, _ = await app.post("/app/login", {"init_data": data})
                assert status == 403, why
                assert app.cookie() is None, why


async def test_console_in_a_linked_chat_sends_the_member_a_link_in_private(
    tmp_path: Path,
) -> None:
    async with console_bot(tmp_path) as harness:
        office = await linked_chat(harness, "office", None, title="巡察办工作群")
        harness.emu.send_text(office.user, "/start")
        await harness.settle()
        replies = await office.say("/console")
        assert any("已私信发给你" in (m.text or "") for m in replies), replies
        assert not any(LINK.search(m.text or "") for m in replies)
        private = harness.emu.bot_messages(office.user.id)
        found = LINK.search(private[-1].text or "")
        assert found is not None, private[-1].text
        async with browser(harness) as desk:
            status, page = await desk.log_in(found[0])
            assert status == 200 and "巡察办" in page


def _buttons(message: object) -> list[dict[str, object]]:
    markup = getattr(message, "reply_markup", None) or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def test_console_s_answers_carry_the_workbench_button_when_the_mini_app_is_named(
    tmp_path: Path,
) -> None:
    async with console_bot(tmp_path, console_miniapp_name="desk") as harness:
        office = await linked_chat(harness, "office", None, title="巡察办工作群")
        harness.emu.send_text(office.user, "/start")
        await harness.settle()
        replies = await office.say("/console")
        sent = [m for m in replies if "已私信发给你" in (m.text or "")]
        assert len(sent) == 1, replies
        # In the group: a URL button to the Mini App's direct link, the chat as start_param
        # (Telegram refuses web_app buttons outside private chats).
        username = harness.emu.state.bot_username
        assert _buttons(sent[0]) == [
            {
                "text": "工作台",
                "url": f"https://t.me/{username}/desk?startapp={office.chat.id}",
            }
        ]
        # In private, beside the login link: a web_app button to the console's /app.
        private = harness.emu.bot_messages(office.user.id)[-1]
        assert LINK.search(private.text or "") is not None
        url = f"{harness.settings.console_url.rstrip('/')}/app?chat={office.chat.id}"
        assert _buttons(private) == [{"text": "工作台", "web_app": {"url": url}}]


async def test_without_a_mini_app_name_the_answers_carry_no_button(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as harness:
        group = await linked_chat(harness, "group", "g3")
        harness.emu.send_text(group.user, "/start")
        await harness.settle()
        replies = await group.say("/console")
        assert any("已私信发给你" in (m.text or "") for m in replies), replies
        assert all(_buttons(m) == [] for m in replies)
        assert _buttons(harness.emu.bot_messages(group.user.id)[-1]) == []


async def test_an_operator_s_link_from_the_command_line(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as harness:
        issued = await operator_link(
            harness.settings.database_url,
            harness.settings.console_url,
            target="department",
            round_code=None,
            code="water",
            now=harness.clock.now(),
        )
        assert "department water" in issued.what
        async with browser(harness) as desk:
            status, page = await desk.log_in(issued.url)
            assert status == 200 and "责任单位" in page


async def test_photos_and_voice_come_through_the_bot_without_its_token(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as harness:
        admin = await linked_chat(harness, "group", "g3")
        _resident, number = await file(harness, photos=2, voice=True, anonymous=False)
        filed = await complaint(harness, number)
        async with browser(harness) as desk:
            await desk.post(
                "/app/login", {"init_data": init_data(_user(admin), harness.clock.now())}
            )
            status, page = await desk.get(f"/c/{number}")
            assert status == 200
            assert f"/c/{number}/photo/1" in page and f"/c/{number}/voice" in page
            assert TOKEN not in page and "/file/bot" not in page
            for index, file_id in enumerate(filed.photo_file_ids):
                status, body, kind = await desk.get_bytes(f"/c/{number}/photo/{index}")
                assert status == 200 and kind == "image/jpeg"
                assert body == harness.emu.state.files[file_id].data
            assert filed.voice_file_id is not None
            status, body, kind = await desk.get_bytes(f"/c/{number}/voice")
            assert (status, kind) == (200, "audio/ogg")
            assert body == harness.emu.state.files[filed.voice_file_id].data
            status, _, _ = await desk.get_bytes(f"/c/{number}/photo/7")
            assert status == 404


async def test_the_list_s_view_as_xlsx(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as harness:
        await linked_chat(harness, "office", None, title="巡察办工作群")
        _r, well = await file(harness, description="村里的机井没电了，浇不了地", anonymous=False)
        _r, lamp = await file(
            harness, description="村口的路灯坏了很久了，晚上看不见", anonymous=False
        )
        async with harness.database.transaction() as session:
            round_ = await round_by_code(session=session, code="WD2023-1")
        assert round_ is not None and round_.id is not None
        token = await login_token(harness, "office", round_.id)
        async with browser(harness) as desk:
            await desk.log_in(token)
            status, body, _kind = await desk.get_bytes("/export.xlsx?q=机井")
        assert status == 200
        sheet = load_workbook(io.BytesIO(body))["台账"]
        rows = list(sheet.iter_rows(values_only=True))
        assert [row[0] for row in rows[1:]] == [well]
        assert lamp not in str(rows)
        # The office's export: no identity (反映人 empty).
        assert rows[1][rows[0].index("反映人")] in (None, "")


async def test_in_webhook_mode_the_webhook_s_server_serves_the_console(tmp_path: Path) -> None:
    port = free_port()
    async with running_bot(
        tmp_path,
        webhook=True,
        **webhook_settings(port),
        console_url=f"http://127.0.0.1:{port}/console",
    ) as harness:
        assert harness.runtime.console_server is None
        admin = await linked_chat(harness, "group", "g3")
        async with browser(harness) as app:
            data = init_data(_user(admin), harness.clock.now())
            status, _ = await app.post("/app/login", {"init_data": data})
            assert status == 200
            status, page = await app.get("/")
            assert status == 200 and "第三巡察组" in page


async def test_a_mini_app_link_s_start_param_picks_the_chat_s_view(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as harness:
        group = await linked_chat(harness, "group", "g3")
        office = await linked_chat(harness, "office", None, title="巡察办工作群")
        # The office's administrator is in both chats; the link names the office's.
        harness.emu.add_member(group.chat, office.user)
        now = harness.clock.now()
        async with browser(harness) as app:
            data = init_data(_user(office), now, start_param=str(office.chat.id))
            status, _ = await app.post("/app/login", {"init_data": data})
            assert status == 200
            _status, page = await app.get("/")
            assert "巡察办 ·" in page
        async with browser(harness) as app:
            # A chat the user is not in: refused, even though they are in others.
            data = init_data(_user(group), now, start_param=str(office.chat.id))
            status, _ = await app.post("/app/login", {"init_data": data})
            assert status == 403
