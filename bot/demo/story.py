"""The demo's story: the round of the seed article's irrigation well, scene by scene."""

from __future__ import annotations

from collections.abc import Callable

from bot.demo.handoff_scene import extension_approved, hand_off, returned_and_re_dispatched
from bot.demo.inperson import record_in_person
from bot.demo.ladder_scene import overdue_hand_off
from bot.demo.round import (
    CANAL,
    CLUE,
    COMPLAINT,
    OTHER_WELLS,
    REPORT,
    ROUND_DAYS,
    SAME_WELL,
    WELL,
    demo_round_code,
    on_day,
)
from bot.demo.transcript import Transcript, name_of
from bot.service import BotService
from emulator import BotApiEmulator
from emulator.models import Chat, StoredMessage, User
from storage.clock import ShiftedClock
from storage.db import Database
from storage.links import issue_code


async def _link(
    t: Transcript,
    database: Database,
    chat: Chat,
    admin: User,
    target: str,
    code: str | None,
    round_code: str | None = None,
) -> None:
    """The operator issues a link code; the chat's administrator sends /link."""
    async with database.transaction() as session:
        link = await issue_code(
            session=session,
            target=target,
            round_code=round_code,
            code=code,
            now=t.clock.now(),
        )
        issued = link.code
    option = f"--{target} {code or round_code}"
    t.out(f"\n运维 ▸ xuncha link-code {option}   →   {issued}")
    await t.act(
        name_of(admin),
        chat.id,
        f"/link {issued}",
        lambda: t.emu.send_text(admin, f"/link {issued}", chat=chat),
    )


async def file_well_complaint(t: Transcript, villager: User) -> str:
    """The villager reports the irrigation well, start to finish; returns its number."""
    emu = t.emu
    private = villager.id
    say = lambda text: lambda: emu.send_text(villager, text)  # noqa: E731
    await t.act(name_of(villager), private, "/start v_qianxiewan", say("/start v_qianxiewan"))
    await t.press(villager, t.latest(private, "cat:"), "饮水灌溉")
    await t.act(name_of(villager), private, COMPLAINT, say(COMPLAINT))
    await t.act(
        name_of(villager), private, "[语音 12 秒]", lambda: emu.send_voice(villager, duration=12)
    )
    await t.act(name_of(villager), private, "[照片：机井出水口]", lambda: emu.send_photo(villager))
    await t.press(villager, t.latest(private, "dd:"), "dd:")
    await t.act(
        name_of(villager),
        private,
        "[位置：前谢湾村东头机井]",
        lambda: emu.send_location(villager, *WELL),
    )
    await t.press(villager, t.latest(private, "id:"), "实名反映")
    await t.act(
        name_of(villager),
        private,
        "[分享手机号]",
        lambda: emu.send_contact(villager, phone="+8613812345678"),
    )
    await t.press(villager, t.latest(private, "sm:"), "提交")
    return f"{demo_round_code()}-0001"


async def play(
    emu: BotApiEmulator,
    runtime: BotService,
    database: Database,
    clock: ShiftedClock,
    out: Callable[[str], None],
) -> list[StoredMessage]:
    """The round of the seed article's irrigation well, from its opening to its final report;
    returns the bot's answers to /stats and /export (the chart and the ledger are kept)."""
    t = Transcript(emu, runtime, clock, out)
    leader = emu.add_user(first_name="许", last_name="组长", language_code="zh")
    clerk = emu.add_user(first_name="孙", last_name="科长", language_code="zh")
    director = emu.add_user(first_name="王", last_name="主任", language_code="zh")
    villager = emu.add_user(first_name="谢", last_name="大爷", language_code="zh")
    neighbour = emu.add_user(first_name="李", last_name="婶", language_code="zh")
    neighbour_zhao = emu.add_user(first_name="赵", last_name="大娘", language_code="zh")
    others = [
        emu.add_user(first_name="后谢湾村", last_name="村民", language_code="zh"),
        emu.add_user(first_name="雨霖头村", last_name="村民", language_code="zh"),
    ]
    farmer = emu.add_user(first_name="王", last_name="大哥", language_code="zh")
    group = emu.add_group(title="第一巡察组工作群", admins=[leader])
    bureau = emu.add_group(title="县水利局对接群", admins=[clerk])
    agri = emu.add_user(first_name="赵", last_name="股长", language_code="zh")
    farming = emu.add_group(title="县农业农村局对接群", admins=[agri])
    office = emu.add_group(title="县委巡察办工作群", admins=[director])
    t.name_chat(group.id, "第一巡察组工作群")
    t.name_chat(bureau.id, "县水利局对接群")
    t.name_chat(farming.id, "县农业农村局对接群")
    t.name_chat(office.id, "县委巡察办工作群")
    t.name_chat(villager.id, "谢大爷 私聊")
    t.name_chat(neighbour.id, "李婶 私聊")
    t.name_chat(neighbour_zhao.id, "赵大娘 私聊")
    for someone in others:
        t.name_chat(someone.id, f"{name_of(someone)} 私聊")
    t.name_chat(farmer.id, "王大哥 私聊")
    private = villager.id

    out(f"—— 一、{on_day(0, 9):%m月%d日}（周一）巡察进驻，巡察办把工作群接入机器人 ——")
    await _link(t, database, group, leader, "group", "g1")
    await _link(t, database, bureau, clerk, "department", "water")
    await _link(t, database, farming, agri, "department", "agri")
    await _link(t, database, office, director, "office", None, demo_round_code())
    await t.at(on_day(0, 9, 35), "定时任务：巡察开始")

    out("\n—— 二、村民谢大爷扫描巡察公告上的二维码，反映机井水压低 ——")
    number = await file_well_complaint(t, villager)

    out("\n—— 三、巡察组受理，现场交办县农业农村局，限期 3 天 ——")
    await t.press(leader, t.latest(group.id, "受理"), "受理")
    await hand_off(t, leader, group, "县农业农村局")

    out("\n—— 三之二、县农业农村局退回（不属于本单位职责），巡察组改派县水利局，水利局签收 ——")
    await returned_and_re_dispatched(t, leader, group, agri, farming, clerk, bureau)

    out("\n—— 三之二、邻居赵大娘也来反映这眼机井：机器人提示已有人反映，她加入关注 ——")
    await tell_well(t, neighbour_zhao, "qianxiewan", SAME_WELL, "加入关注，不另提交")

    out("\n—— 三之三、后谢湾村、雨霖头村的村民也反映各自村里的机井水压低 ——")
    for (code, text), someone in zip(OTHER_WELLS, others, strict=True):
        await tell_well(t, someone, code, text, "提交")

    out("\n—— 四、第二天一早的每日简报、热点提示（未诉先办），到期前一天的督办提醒 ——")
    await t.at(on_day(1, 8, 30), "定时任务：每日简报")
    await t.at(on_day(1, 8, 50), "定时任务：热点提示")
    await t.at(on_day(2, 9), "定时任务：督办提醒")

    out("\n—— 四之二、县水利局申请延期 3 天（水泵到货），巡察组同意 ——")
    await extension_approved(t, leader, group, clerk, bureau)

    out("\n—— 五、县水利局整改后报告办结 ——")
    await t.press(clerk, t.latest(bureau.id, "dep:done:"), "dep:done:")
    prompt = emu.bot_messages(bureau.id)[-1]
    await t.act(
        name_of(clerk),
        bureau.id,
        REPORT,
        lambda: emu.send_text(clerk, REPORT, chat=bureau, reply_to=prompt),
    )

    out("\n—— 六、回访：谢大爷答问题已解决、满意，问题关闭 ——")
    await t.press(villager, t.latest(private, "sv:"), "✅ 已解决")
    await t.press(villager, t.latest(private, "sv:"), "😊 满意")

    out("\n—— 七、李婶匿名反映问题线索，巡察组按规定移交县纪委监委 ——")
    await report_clue(t, neighbour)
    await t.press(leader, t.latest(group.id, "移交线索"), "移交线索")
    await t.press(leader, t.latest(group.id, "县纪委监委"), "县纪委监委")

    out("\n—— 七之二、雨霖头村周大叔反映灌溉渠堵塞，第二巡察组的工作群接入 ——")
    second = await canal_complaint(t, database)

    out("\n—— 七之三、走访中孙大娘当面反映另一眼机井，许组长代为登记（代录），她扫码关注 ——")
    granny = emu.add_user(first_name="孙", last_name="大娘", language_code="zh")
    await record_in_person(t, leader, group, granny)

    out("\n—— 七之四、王大哥反映生产路被压坏：按派单目录交办黄道镇党委，逾期未办结，逐级督办 ——")
    await overdue_hand_off(t, group, leader, farmer)

    out("\n—— 七之五、第二巡察组三天后才受理灌溉渠的反映，交办县农业农村局，当即签收 ——")
    await late_answer(t, *second, agri, farming)

    out("\n—— 八、一轮巡察的后半程：周报（巡察办的有三率排名）、结束预告、总结报告（超期单列） ——")
    await t.at(on_day(7, 9), "定时任务：每周一工作周报")
    await t.at(on_day(ROUND_DAYS - 2, 9), "定时任务：结束前一天")
    await t.at(on_day(ROUND_DAYS, 0, 10), "定时任务：巡察结束")

    out("\n—— 九、巡察结束后：停止受理新反映，已反映的问题仍可查询；统计与台账 ——")
    say = lambda text: lambda: emu.send_text(villager, text)  # noqa: E731
    await t.act(name_of(villager), private, "/start v_qianxiewan", say("/start v_qianxiewan"))
    await t.act(name_of(villager), private, f"/status {number}", say(f"/status {number}"))
    stats = await t.act(
        name_of(director),
        office.id,
        "/stats",
        lambda: emu.send_text(director, "/stats", chat=office),
    )
    ledger = await t.act(
        name_of(leader), group.id, "/export", lambda: emu.send_text(leader, "/export", chat=group)
    )
    return [*stats, *ledger]


async def canal_complaint(t: Transcript, database: Database) -> tuple[User, Chat]:
    """第二巡察组 gets its chat; a 雨霖头村 villager files a complaint there. Returns the
    group's inspector and chat (for late_answer)."""
    emu = t.emu
    inspector = emu.add_user(first_name="冯", last_name="组长", language_code="zh")
    farmer = emu.add_user(first_name="周", last_name="大叔", language_code="zh")
    second = emu.add_group(title="第二巡察组工作群", admins=[inspector])
    t.name_chat(second.id, "第二巡察组工作群")
    t.name_chat(farmer.id, "周大叔 私聊")
    await _link(t, database, second, inspector, "group", "g2")
    private = farmer.id
    say = lambda text: lambda: emu.send_text(farmer, text)  # noqa: E731
    await t.act(name_of(farmer), private, "/start v_yulintou", say("/start v_yulintou"))
    await t.press(farmer, t.latest(private, "cat:"), "饮水灌溉")
    await t.act(name_of(farmer), private, CANAL, say(CANAL))
    await t.press(farmer, t.latest(private, "dd:"), "dd:")
    skip = emu.bot_messages(private)[-1].keyboard[-1][-1]
    await t.act(name_of(farmer), private, skip, say(skip))
    await t.press(farmer, t.latest(private, "id:"), "匿名反映")
    await t.press(farmer, t.latest(private, "sm:"), "提交")
    return inspector, second


async def late_answer(
    t: Transcript, inspector: User, second: Chat, officer: User, agri: Chat
) -> None:
    """第二巡察组 acts on the canal complaint days later (after its 24 hours: not responded)
    and hands it off to 县农业农村局, which signs for it at once: the office's weekly report
    ranks the groups and the departments."""
    await t.press(inspector, t.latest(second.id, "受理"), "受理")
    await t.press(inspector, t.latest(second.id, "现场交办"), "现场交办")
    await t.press(inspector, t.latest(second.id, "县农业农村局"), "县农业农村局")
    await t.press(inspector, t.latest(second.id, "3天"), "3天")
    await t.press(officer, t.latest(agri.id, "dep:sign:"), "dep:sign:")


async def report_clue(t: Transcript, neighbour: User) -> None:
    """The neighbour reports a misconduct clue anonymously."""
    emu = t.emu
    private = neighbour.id
    await t.act(
        name_of(neighbour),
        private,
        "/start v_qianxiewan",
        lambda: emu.send_text(neighbour, "/start v_qianxiewan"),
    )
    await t.press(neighbour, t.latest(private, "cat:"), "违纪违法问题线索")
    await t.act(name_of(neighbour), private, CLUE, lambda: emu.send_text(neighbour, CLUE))
    await t.press(neighbour, t.latest(private, "dd:"), "dd:")
    skip = emu.bot_messages(private)[-1].keyboard[-1][-1]
    await t.act(name_of(neighbour), private, skip, lambda: emu.send_text(neighbour, skip))
    await t.press(neighbour, t.latest(private, "id:"), "匿名反映")
    await t.press(neighbour, t.latest(private, "sm:"), "提交")


async def tell_well(t: Transcript, someone: User, village: str, text: str, last: str) -> None:
    """A villager tells a well problem anonymously, without a location, and presses `last` on
    the summary (提交, or 加入关注，不另提交 when a like complaint is offered)."""
    emu = t.emu
    private = someone.id
    start = f"/start v_{village}"
    await t.act(name_of(someone), private, start, lambda: emu.send_text(someone, start))
    await t.press(someone, t.latest(private, "cat:"), "饮水灌溉")
    await t.act(name_of(someone), private, text, lambda: emu.send_text(someone, text))
    await t.press(someone, t.latest(private, "dd:"), "dd:")
    skip = emu.bot_messages(private)[-1].keyboard[-1][-1]
    await t.act(name_of(someone), private, skip, lambda: emu.send_text(someone, skip))
    await t.press(someone, t.latest(private, "id:"), "匿名反映")
    await t.press(someone, t.latest(private, "sm:"), last)
