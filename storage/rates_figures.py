"""The figures behind the three rates and their shares (the counting is storage/rates.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RESOLUTION_STATES = ("solved", "partly", "unsolved")
SATISFACTIONS = ("satisfied", "basic", "unsatisfied")


@dataclass
class Rates:
    """The counts behind the three rates for one unit (the round, a group, a village, ...)."""

    responded: int = 0
    not_responded: int = 0
    # Still inside the 24 hours (or a return waiting for the group): in no share yet.
    awaiting: int = 0
    resolution: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOLUTION_STATES, 0))
    satisfaction: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SATISFACTIONS, 0))
    # 回访 closed after 7 days without an answer, and 回访 asked and not answered yet.
    no_answer: int = 0
    survey_waiting: int = 0

    @property
    def response_base(self) -> int:
        """What the 响应率 is a share of."""
        return self.responded + self.not_responded

    @property
    def response_rate(self) -> float | None:
        """响应率 (None when there is nothing to count yet)."""
        return _share(self.responded, self.response_base)

    @property
    def resolution_answered(self) -> int:
        """Answers to 问题解决了吗."""
        return sum(self.resolution.values())

    @property
    def resolution_rate(self) -> float | None:
        """解决率: solved among the answers."""
        return _share(self.resolution["solved"], self.resolution_answered)

    @property
    def satisfaction_answered(self) -> int:
        """Answers to 您满意吗."""
        return sum(self.satisfaction.values())

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied among the answers."""
        return satisfaction_rate(self.satisfaction)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for a report's payload), the rates included."""
        return {
            "responded": self.responded,
            "not_responded": self.not_responded,
            "awaiting": self.awaiting,
            "resolution": dict(self.resolution),
            "satisfaction": dict(self.satisfaction),
            "no_answer": self.no_answer,
            "survey_waiting": self.survey_waiting,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


@dataclass
class UnitRates:
    """The rates of one named unit: a department, a group or a village."""

    id: int
    name: str
    rates: Rates


@dataclass
class RoundRates:
    """The rates of a round (or of one group's complaints), overall and per unit."""

    # The complaints' figures: the groups' 响应率 and every 回访.
    overall: Rates
    # All hand-offs' 响应率 together (the departments' figures summed).
    handoffs: Rates
    departments: list[UnitRates]
    groups: list[UnitRates]
    villages: list[UnitRates]


def _share(hits: int, base: int) -> float | None:
    """hits / base, None for an empty base."""
    return hits / base if base else None


def satisfaction_rate(counts: dict[str, int]) -> float | None:
    """满意率 from counts by answer: (满意 + 基本满意) / (满意 + 基本满意 + 不满意); other keys
    (no_answer) are not answers."""
    happy = counts.get("satisfied", 0) + counts.get("basic", 0)
    return _share(happy, sum(counts.get(key, 0) for key in SATISFACTIONS))
