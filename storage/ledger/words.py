"""The ledger's words: statuses, handling and satisfaction in Chinese.

The ledger is a Chinese document whatever the chat's language: these are given in Chinese here
(storage cannot read the handlers' catalogs).
"""

from __future__ import annotations

from storage.models import ComplaintStatus

S = ComplaintStatus

STATUS_ZH: dict[str, str] = {
    S.new: "待受理",
    S.accepted: "已受理",
    S.immediate: "立行立改",
    S.handed_off: "现场交办",
    S.transferred: "已移交",
    S.resolved: "已办结",
    S.rejected: "不予受理",
    S.merged: "已合并",
    S.closed: "已关闭",
    S.withdrawn: "群众撤回",
}
# How a complaint was dealt with (办理方式), by the status/timeline action that decided it.
HANDLING_ZH: dict[str, str] = {
    S.immediate: "立行立改",
    S.handed_off: "现场交办",
    S.transferred: "移交",
    S.rejected: "不予受理",
}
NO_HANDLING = "—"
SATISFACTION_ZH: dict[str, str] = {
    "satisfied": "满意",
    "basic": "基本满意",
    "unsatisfied": "不满意",
    # Closed by the survey sweep when the resident never answered.
    "no_answer": "未答复",
}
# 回访's 问题解决了吗 (解决情况).
RESOLUTION_ZH: dict[str, str] = {"solved": "已解决", "partly": "部分解决", "unsolved": "未解决"}
YES, NO = "是", "否"
# 退回's reasons (storage.models.RETURN_REASONS), as the ledger names them.
RETURN_REASON_ZH: dict[str, str] = {
    "not_ours": "不属于本单位职责",
    "wrong_place": "属地不符",
    "unclear": "情况不清需补充",
    "other": "其他",
}
# 渠道 (issue 11): how a complaint reached the group (storage.models.Channel).
CHANNEL_ZH: dict[str, str] = {
    "bot": "本机器人",
    "visit": "走访",
    "meeting": "座谈会",
    "phone": "来电",
    "letter": "来信",
    "walk_in": "来访",
    "other": "其他",
}
