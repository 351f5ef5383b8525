"""Roster files: validate a round's YAML with line numbers, then create or update it."""

from storage.roster.errors import RosterError, RosterProblem
from storage.roster.loading import (
    RosterSummary,
    apply_roster,
    load_roster,
    load_roster_path,
    parse_roster_path,
)
from storage.roster.parsing import parse_roster
from storage.roster.shape import ROUND_KINDS, ParsedRoster, RosterSpec

__all__ = [
    "ROUND_KINDS",
    "ParsedRoster",
    "RosterError",
    "RosterProblem",
    "RosterSpec",
    "RosterSummary",
    "apply_roster",
    "load_roster",
    "load_roster_path",
    "parse_roster",
    "parse_roster_path",
]
