"""Scheduled work (督办): idempotent sweeps over the database.

Every sweep looks at the database at `now` (aware; "today" and local times are on each
round's own clock), decides what is due, writes outbox rows, and remembers what it did in
`SentNotice` under a unique key. Because each sweep asks "is it past the scheduled local time,
and not done yet?", running it again changes nothing, a restart loses nothing, and a run
missed while the bot was down happens once when it is back. The runtime runs them all every
minute (bot/jobs.py, `run_reports`); the demo and the tests call `run_all` (or one sweep) at
chosen fake times.

The package: `clock` (the round's local times), `memory` (each sweep's report, the notices it
writes and remembers in `SentNotice`, the rounds read once per run), one module per sweep
(`due`, `digest`, `reports` weekly and final, `round_life`, `surveys`, `housekeeping`), and
`run` (all of them, in order).

What is sent, to whom, when (local time of the round), by key:

- `due:<complaint>:<date>` (kind due): to the group chat, and to the department's chat for a
  hand-off, on the days of the round's ladder (storage/ladder.py; by default 09:00 the day
  before the due date, each of the first 3 days overdue, then every 2 days while it is open).
- `escalation:<round>:<date>` (escalation, 督办通报): to the office's chat, once a day at the
  ladder's time, listing by department the hand-offs overdue by the ladder's office_from
  days (3) or more; not sent on a day none is.
- `hotspots:<round>:<date>` (hotspot): the day's look for hot spots, 08:45 while the round
  runs; each new one is `hotspot:<round>:<kind>:<subject>:<date>`, told to the office's chat and
  the chats of the groups with a complaint in it, not again while the same kind and subject was
  told in the last 7 days (storage/schedule/hotspots.py).
- `digest:<group>:<date>` (digest): to the group chat, 08:30 each day of the round after the
  first, when something changed since 08:30 the day before (a new complaint, any status
  change); a quiet day is remembered with 0 rows.
- `weekly:<round>:<ISO week>:group:<group>` and `...:office` (weekly): Monday 09:00 within the
  round (not on its first day), to each group chat and to the office chat.
- `round_open:<round>:<group>` (round_open): from starts_on 00:00, or as soon as the chat is
  linked if later, while the round is open.
- `round_warn:<round>:<group>` (round_warn): 09:00 the day before ends_on, while it is open.
- `round_final:<round>:group:<group>` and `...:office` (final): after ends_on 24:00 (for up to
  a week, if the bot was down), to each group chat and to the office chat.
- `sign:<hand-off>` (sign_reminder, 催签): once, when a hand-off or a clue is not signed for
  (签收) within the round's `sign_within_hours` (the roster's `handoff:`, 24 by default): to
  the department's chat under its card and to the group chat under the card.
- `survey_reminder:<complaint>:<survey asked at>` (survey_reminder): to the resident, 3 days
  after the survey was asked, between 09:00 and 21:00.
- `survey_closed:<complaint>:<survey asked at>`: 7 days after, between 09:00 and 21:00, the
  complaint is closed as "no_answer" (a workflow event, which tells the resident).

Idle drafts are deleted after 24 hours (storage/drafts.py `expire_idle`); the resident is told
when they come back. Handled updates are forgotten after 48 hours (storage/updates.py), and
outbox rows sent over 30 days ago are deleted (storage/outbox.py; failed rows are kept).

Outbox rows are of kind "notice" (`storage.outbox.enqueue_notice`): the payload holds the
numbers as of the sweep and handlers/notices.py words them in the chat's language. A reminder
about a complaint that has moved on by the time it is sent is not sent.
"""

from storage.notices import NoticeKind
from storage.schedule.clock import (
    DAYTIME,
    DIGEST_AT,
    REMINDER_AT,
    WARNING_AT,
    WEEKLY_AT,
    at_local,
    local_today,
    round_end,
    round_start,
    zone,
)
from storage.schedule.digest import LIST_MAX, sweep_digests
from storage.schedule.due import sweep_due
from storage.schedule.housekeeping import sweep_drafts, sweep_housekeeping
from storage.schedule.memory import FINAL_CATCH_UP, ROUND_KINDS, Rounds, SweepReport, rounds_near
from storage.schedule.report_counts import NO_ANSWER, SATISFACTIONS
from storage.schedule.reports import round_report, sweep_weekly, week_of_round
from storage.schedule.round_life import sweep_round_life
from storage.schedule.run import SWEEPS, Sweep, run_all, run_reports
from storage.schedule.signing import sweep_signing
from storage.schedule.surveys import SURVEY_CLOSE_AFTER, SURVEY_REMINDER_AFTER, sweep_surveys
from storage.timeline_facts import FIRST_ANSWERS

__all__ = [
    "DAYTIME",
    "DIGEST_AT",
    "FINAL_CATCH_UP",
    "FIRST_ANSWERS",
    "LIST_MAX",
    "NO_ANSWER",
    "REMINDER_AT",
    "ROUND_KINDS",
    "SATISFACTIONS",
    "SURVEY_CLOSE_AFTER",
    "SURVEY_REMINDER_AFTER",
    "SWEEPS",
    "WARNING_AT",
    "WEEKLY_AT",
    "NoticeKind",
    "Rounds",
    "Sweep",
    "SweepReport",
    "at_local",
    "local_today",
    "round_end",
    "round_report",
    "round_start",
    "rounds_near",
    "run_all",
    "run_reports",
    "sweep_digests",
    "sweep_drafts",
    "sweep_due",
    "sweep_housekeeping",
    "sweep_round_life",
    "sweep_signing",
    "sweep_surveys",
    "sweep_weekly",
    "week_of_round",
    "zone",
]
