"""Hot spots (热点, 未诉先办): patterns across a round's recent complaints.

Three kinds of cluster over a window (7 days): one category in HOT_VILLAGES villages or more;
VILLAGE_COUNT complaints or more from one village; alike texts (storage/similar/text.py) from
HOT_VILLAGES villages or more, e.g. the same well problem in ten villages. Sensitive categories
are left out of all three: their texts and numbers never go to a group's or the office's chat
this way (they reach the discipline side by transfer), see docs/DESIGN.md "Hot spots".
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col
from sqlmodel import select as sql_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, Complaint, ComplaintStatus, Hotspot
from storage.similar.text import THRESHOLD, shared_phrases, signature

HOT_VILLAGES = 3
VILLAGE_COUNT = 5
# A pattern's summary reads at most this many members' texts.
SUMMARY_SAMPLE = 50
# Text candidates: a leader must share this many bigrams to be scored.
_MIN_SHARED = 2


@dataclass
class Member:
    """One complaint of the window, as the sweep reads it."""

    complaint_id: int
    number: str
    village_id: int
    group_id: int
    category_code: str
    text: str | None


@dataclass
class Cluster:
    """One hot spot: its kind, what it is about, and the complaints in it (earliest first)."""

    kind: str  # "category" | "village" | "text"
    # What stays the same while the cluster lasts: a category code, a village id, or a
    # category code and the pattern's first phrase.
    subject: str
    members: list[Member] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)

    @property
    def village_ids(self) -> list[int]:
        """Its villages, in the order they first appear."""
        return list(dict.fromkeys(m.village_id for m in self.members))

    @property
    def group_ids(self) -> list[int]:
        """The groups whose complaints are in it."""
        return list(dict.fromkeys(m.group_id for m in self.members))


async def window(
    session: AsyncSession, round_id: int, since: datetime, until: datetime
) -> list[Member]:
    """The round's complaints filed in [since, until), sensitive categories left out."""
    sensitive = select(col(Category.code)).where(
        col(Category.round_id) == round_id, col(Category.sensitive).is_(True)
    )
    statement = (
        select(
            col(Complaint.id),
            col(Complaint.number),
            col(Complaint.village_id),
            col(Complaint.group_id),
            col(Complaint.category_code),
            col(Complaint.description),
        )
        .where(
            col(Complaint.round_id) == round_id,
            col(Complaint.filed_at) >= since,
            col(Complaint.filed_at) < until,
            col(Complaint.status) != ComplaintStatus.merged,
            col(Complaint.category_code).not_in(sensitive),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    connection = await session.connection()
    rows = (await connection.execute(statement)).all()
    return [
        Member(cid or 0, number, village_id, group_id, code, text)
        for cid, number, village_id, group_id, code, text in rows
    ]


def find_clusters(members: list[Member]) -> list[Cluster]:
    """Every hot spot among these complaints: by category, by village, by alike texts."""
    found: list[Cluster] = []
    by_category: dict[str, list[Member]] = defaultdict(list)
    by_village: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        by_category[member.category_code].append(member)
        by_village[member.village_id].append(member)
    for code, items in by_category.items():
        if len({m.village_id for m in items}) >= HOT_VILLAGES:
            found.append(_summarised(Cluster("category", code, items)))
    for village_id, items in by_village.items():
        if len(items) >= VILLAGE_COUNT:
            found.append(_summarised(Cluster("village", str(village_id), items)))
    for code, items in by_category.items():
        # Groups summed up by the same first phrase are one pattern (one notice).
        patterns: dict[str, Cluster] = {}
        for group in _alike_groups(items):
            if len({m.village_id for m in group}) < HOT_VILLAGES:
                continue
            cluster = _summarised(Cluster("text", code, group))
            cluster.subject = f"{code}:{cluster.phrases[0] if cluster.phrases else ''}"
            if cluster.subject in patterns:
                patterns[cluster.subject].members.extend(group)
            else:
                patterns[cluster.subject] = cluster
        found.extend(patterns.values())
    # A category's cluster that is exactly one pattern says nothing more: the pattern is told.
    patterns_of = {(c.subject.split(":", 1)[0], _ids(c)) for c in found if c.kind == "text"}
    return [c for c in found if c.kind != "category" or (c.subject, _ids(c)) not in patterns_of]


def _ids(cluster: Cluster) -> frozenset[int]:
    """The complaints of a cluster."""
    return frozenset(m.complaint_id for m in cluster.members)


def _summarised(cluster: Cluster) -> Cluster:
    """The cluster with its pattern's phrases (from a sample of its members' texts)."""
    sample = cluster.members[:: max(1, math.ceil(len(cluster.members) / SUMMARY_SAMPLE))]
    cluster.phrases = shared_phrases([m.text for m in sample])
    return cluster


def _alike_groups(items: list[Member]) -> list[list[Member]]:
    """Complaints grouped by alike texts: each joins the first leader it is alike to.

    Leaders are found through an index of their bigrams, so a complaint is scored only
    against leaders it shares words with, not against every one.
    """
    leaders: list[frozenset[str]] = []
    groups: list[list[Member]] = []
    index: dict[str, list[int]] = defaultdict(list)
    for member in items:
        sig = signature(member.text)
        if not sig:
            continue
        shared: Counter[int] = Counter()
        for feature in sig:
            if len(feature) == 2:
                shared.update(index.get(feature, ()))
        best, best_score = -1, 0.0
        for leader, count in shared.most_common(5):
            if count < _MIN_SHARED:
                break
            score = len(sig & leaders[leader]) / math.sqrt(len(sig) * len(leaders[leader]))
            if score > best_score:
                best, best_score = leader, score
        if best >= 0 and best_score >= THRESHOLD:
            groups[best].append(member)
            continue
        leaders.append(sig)
        groups.append([member])
        for feature in sig:
            if len(feature) == 2:
                index[feature].append(len(leaders) - 1)
    return [g for g in groups if len(g) > 1]


async def round_hotspots(
    session: AsyncSession,
    round_id: int,
    *,
    group_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Hotspot]:
    """The hot spots told in a round (of one group's complaints; found in [since, until))."""
    statement = (
        sql_select(Hotspot)
        .where(Hotspot.round_id == round_id)
        .order_by(col(Hotspot.found_at), col(Hotspot.id))
    )
    if since is not None:
        statement = statement.where(col(Hotspot.found_at) >= since)
    if until is not None:
        statement = statement.where(col(Hotspot.found_at) < until)
    found = list((await session.exec(statement)).all())
    return [h for h in found if group_id is None or group_id in h.group_ids]
