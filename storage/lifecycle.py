"""The lifecycle (docs/DESIGN.md), written once: what each status allows, and to whom.

Who asks is a role: the inspection group's chat (the buttons of its card), a department's
chat (the buttons of its hand-off or clue card), the resident (the survey after a
resolution) or the system (a scheduled sweep). `allowed` answers "what does a card in this
chat offer now"; some of those acts move the status (`MOVES_TO`), the others (take, ask,
note, assign) do not. The status
moves of the workflow (`moves`) derive from the same table, and so do the group's buttons.
"""

from __future__ import annotations

from enum import StrEnum

from storage.models import ComplaintStatus

S = ComplaintStatus


class Role(StrEnum):
    """Who acts on a complaint, by the chat they act from."""

    group = "group"
    department = "department"
    resident = "resident"
    system = "system"


class Act(StrEnum):
    """What can be done to a complaint."""

    accept = "accept"
    take = "take"
    immediate = "immediate"
    hand_off = "hand_off"
    transfer = "transfer"
    reject = "reject"
    merge = "merge"
    ask = "ask"
    resolve = "resolve"
    note = "note"
    reconsider = "reconsider"
    close = "close"
    # 指派: to a member of the group's chat (no status change).
    assign = "assign"
    # A department reports a hand-off done.
    report = "report"
    # The department's side of a dispatch (storage/workflow/handoffs.py): 签收, 退回 (back to
    # the group, accepted), 申请延期, 阶段性进展; a clue's 已受理 and 销号 (→ closed).
    sign = "sign"
    send_back = "send_back"
    extend = "extend"
    progress = "progress"
    clue_receive = "clue_receive"
    clue_close = "clue_close"
    # 坚持交办: the group sends a returned hand-off back to the same department.
    insist = "insist"
    # The resident is not satisfied with a resolution.
    reopen = "reopen"
    # The resident after filing (issue 11): 补充材料 (no status change) and 撤回.
    supplement = "supplement"
    withdraw = "withdraw"


# The status each act moves a complaint to; the acts not here move no status.
MOVES_TO: dict[Act, str] = {
    Act.accept: S.accepted,
    Act.immediate: S.immediate,
    Act.hand_off: S.handed_off,
    Act.transfer: S.transferred,
    Act.reject: S.rejected,
    Act.merge: S.merged,
    Act.resolve: S.resolved,
    Act.reconsider: S.accepted,
    Act.close: S.closed,
    Act.report: S.resolved,
    Act.send_back: S.accepted,
    Act.clue_close: S.closed,
    Act.insist: S.handed_off,
    Act.reopen: S.accepted,
    Act.withdraw: S.withdrawn,
}

# What each role may do in each status, in the order a card offers it (what the status
# waits for first). A status a role does not list allows that role nothing.
OFFERS: dict[Role, dict[str, tuple[Act, ...]]] = {
    Role.group: {
        S.new: (
            Act.accept,
            Act.take,
            Act.immediate,
            Act.hand_off,
            Act.transfer,
            Act.reject,
            Act.merge,
            Act.ask,
            Act.note,
            Act.assign,
        ),
        S.accepted: (
            # Only while a department's 退回 waits for the group (ONLY_AFTER_RETURN).
            Act.insist,
            Act.immediate,
            Act.hand_off,
            Act.transfer,
            Act.resolve,
            Act.reject,
            Act.merge,
            Act.ask,
            Act.take,
            Act.note,
            Act.assign,
        ),
        S.immediate: (Act.resolve, Act.hand_off, Act.ask, Act.note, Act.assign),
        # A hand-off may move on to another department.
        S.handed_off: (Act.resolve, Act.hand_off, Act.ask, Act.note, Act.assign),
        S.rejected: (Act.reconsider, Act.note),
        # The survey (the resident) or a sweep closes it, or the resident reopens it.
        S.resolved: (Act.note,),
        # The discipline body has it: the group closes it when it is done with it.
        S.transferred: (Act.close, Act.note),
        S.closed: (Act.note,),
        # 群众撤回: nothing more happens to it.
        S.withdrawn: (Act.note,),
        # It follows the complaint it joined.
        S.merged: (),
    },
    Role.department: {
        S.handed_off: (Act.sign, Act.progress, Act.extend, Act.report, Act.send_back),
        S.transferred: (Act.sign, Act.clue_receive, Act.clue_close),
    },
    # 补充材料 while it is open; 撤回 until it is resolved (not a clue the commission has);
    # the survey after a resolution.
    Role.resident: {
        S.new: (Act.supplement, Act.withdraw),
        S.accepted: (Act.supplement, Act.withdraw),
        S.immediate: (Act.supplement, Act.withdraw),
        S.handed_off: (Act.supplement, Act.withdraw),
        S.transferred: (Act.supplement,),
        S.resolved: (Act.close, Act.reopen),
    },
    # No answer to the survey in time.
    Role.system: {S.resolved: (Act.close,)},
}

# Never for a complaint in a sensitive category: it is only transferred (docs/DESIGN.md).
NOT_WHEN_SENSITIVE = frozenset({Act.hand_off, Act.immediate, Act.insist})
# Only while a department's 退回 waits for the group's decision (Handoff.return_pending).
ONLY_AFTER_RETURN = frozenset({Act.insist})

# A resolved complaint the resident called 部分解决 waits on the group: reopen it or close it
# (the group's prompt, not the card's buttons).
PARTLY_SOLVED: dict[Role, tuple[Act, ...]] = {Role.group: (Act.reopen, Act.close)}


def allowed(
    status: str,
    role: Role,
    *,
    sensitive: bool = False,
    partly: bool = False,
    returned: bool = False,
) -> tuple[Act, ...]:
    """What a complaint in `status` allows from `role`, in the order a card offers it.

    `partly`: the resident's 回访 said 部分解决 and the group has not decided yet.
    `returned`: a department sent it back and the group has not decided yet.
    """
    acts = OFFERS[role].get(status, ())
    if partly and status == S.resolved:
        acts = acts + PARTLY_SOLVED.get(role, ())
    if sensitive:
        acts = tuple(act for act in acts if act not in NOT_WHEN_SENSITIVE)
    if not returned:
        acts = tuple(act for act in acts if act not in ONLY_AFTER_RETURN)
    return acts


def allows(
    status: str,
    role: Role,
    act: Act,
    *,
    sensitive: bool = False,
    partly: bool = False,
    returned: bool = False,
) -> bool:
    """Whether a complaint in `status` allows `act` from `role`."""
    return act in allowed(status, role, sensitive=sensitive, partly=partly, returned=returned)


def moves() -> dict[str, frozenset[str]]:
    """The statuses each status can move to, by anyone (docs/DESIGN.md's lifecycle table)."""
    return {
        status: frozenset(
            MOVES_TO[act]
            for role in Role
            for act in allowed(status, role, returned=True)
            if act in MOVES_TO
        )
        for status in S
    }
