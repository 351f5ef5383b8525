"""The tables: the system of record for rounds, rosters, residents, drafts and complaints.

Importing this package registers every table on SQLModel.metadata (Alembic's env relies on it).
"""

from storage.models.blocks import ResidentBlock
from storage.models.chats import CardMessage, LinkCode, Prompt
from storage.models.complaints import (
    GROUP_ACTIONS,
    RECORDED_CHANNELS,
    Channel,
    Complaint,
    ComplaintFollower,
    ComplaintStatus,
    FollowLink,
    FollowUp,
    TimelineEvent,
)
from storage.models.console import ConsoleToken
from storage.models.delivery import OutboxMessage, OutboxStatus, ProcessedUpdate, SentNotice
from storage.models.handoffs import (
    RETURN_REASONS,
    ExtensionState,
    Handoff,
    HandoffKind,
    ReturnOutcome,
)
from storage.models.hotspots import Hotspot
from storage.models.members import GroupMember
from storage.models.residents import Draft, DraftStep, Resident
from storage.models.roster import (
    Category,
    Department,
    GroupVillage,
    InspectionGroup,
    RosterVersion,
    Round,
    Village,
)

__all__ = [
    "GROUP_ACTIONS",
    "RECORDED_CHANNELS",
    "RETURN_REASONS",
    "CardMessage",
    "Category",
    "Channel",
    "Complaint",
    "ComplaintFollower",
    "ComplaintStatus",
    "ConsoleToken",
    "Department",
    "Draft",
    "DraftStep",
    "ExtensionState",
    "FollowLink",
    "FollowUp",
    "GroupMember",
    "GroupVillage",
    "Handoff",
    "HandoffKind",
    "Hotspot",
    "InspectionGroup",
    "LinkCode",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedUpdate",
    "Prompt",
    "Resident",
    "ResidentBlock",
    "ReturnOutcome",
    "RosterVersion",
    "Round",
    "SentNotice",
    "TimelineEvent",
    "Village",
]
