"""The demo's scenes of a department's side of a hand-off (issue 10 §1): the agriculture bureau
sends the well back (退回) and the group re-dispatches it to the water bureau, which signs for
it; later the water bureau asks for 3 more days (申请延期) and the group approves."""

from __future__ import annotations

from bot.demo.transcript import Transcript, name_of
from emulator.models import Chat, User

# The agriculture bureau's 退回 and the water bureau's 申请延期.
RETURNED = "农田机井的建设和管护归县水利局，请改派县水利局。"
EXTENSION = "需更换的配套水泵已订购，到货安装还需 3 天。"


async def hand_off(t: Transcript, leader: User, group: Chat, department: str) -> None:
    """现场交办 to `department`, due in 3 days."""
    await t.press(leader, t.latest(group.id, "现场交办"), "现场交办")
    await t.press(leader, t.latest(group.id, department), department)
    await t.press(leader, t.latest(group.id, "3天"), "3天")


async def reply(t: Transcript, user: User, chat: Chat, text: str) -> None:
    """`user` answers the bot's latest question in `chat` (a reply to it)."""
    prompt = t.emu.bot_messages(chat.id)[-1]
    await t.act(
        name_of(user),
        chat.id,
        text,
        lambda: t.emu.send_text(user, text, chat=chat, reply_to=prompt),
    )


async def returned_and_re_dispatched(
    t: Transcript, leader: User, group: Chat, agri: User, farming: Chat, clerk: User, bureau: Chat
) -> None:
    """退回 with a reason and its explanation; the group hands it to the water bureau, which
    signs for it (签收)."""
    await t.press(agri, t.latest(farming.id, "dep:ret:"), "dep:ret:")
    await t.press(agri, t.latest(farming.id, "dep:rsn:"), "不属于本单位职责")
    await reply(t, agri, farming, RETURNED)
    await hand_off(t, leader, group, "县水利局")
    await t.press(clerk, t.latest(bureau.id, "dep:sign:"), "dep:sign:")


async def extension_approved(
    t: Transcript, leader: User, group: Chat, clerk: User, bureau: Chat
) -> None:
    """申请延期 of 3 days with a reason; the group presses 同意: the due date moves."""
    await t.press(clerk, t.latest(bureau.id, "dep:ext:"), "dep:ext:")
    await t.press(clerk, t.latest(bureau.id, "dep:day:"), "3 天")
    await reply(t, clerk, bureau, EXTENSION)
    await t.press(leader, t.latest(group.id, "cmp:ext:"), "同意")
