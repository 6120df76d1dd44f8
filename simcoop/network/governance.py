"""Governance of the union: the voting rule of the UES Coopérer pour entreprendre.

DOMAIN.md §6, statutes art. 18: "one member, one vote; group A (cooperatives that signed
the charter) holds at least 65% of the votes, group B (other persons, public or private)
at most 35%. When group B members exceed 35% of all members, group B votes as one college
holding 35%, inside which votes are proportional to shares held (each member at least one
vote), until group A members are numerous enough again."

Pure functions on plain values: no simulation, no I/O. ``ues_votes`` gives each member's
share of the votes of the general assembly; ``college_applies`` says which regime holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

__all__ = [
    "GROUP_A_MIN_SHARE",
    "GROUP_B_MAX_SHARE",
    "Member",
    "college_applies",
    "ues_votes",
    "ues_votes_exact",
]

#: Group A's floor and group B's ceiling of the votes (statutes art. 18, DOMAIN.md §6).
GROUP_A_MIN_SHARE = Fraction(65, 100)
GROUP_B_MAX_SHARE = Fraction(35, 100)


@dataclass(frozen=True)
class Member:
    """A member of the union: its id, its group and the shares (parts sociales) it holds.

    ``group`` is ``"A"`` (a cooperative that signed the charter) or ``"B"`` (any other
    person, public or private). ``shares`` is the number of shares held (>= 0); only
    group B's college reads it.
    """

    member_id: str
    group: Literal["A", "B"]
    shares: float = 1.0

    def __post_init__(self) -> None:
        if self.group not in ("A", "B"):
            raise ValueError(f"member {self.member_id!r}: group must be 'A' or 'B', got {self.group!r}")
        if not self.shares >= 0:  # also rejects NaN
            raise ValueError(f"member {self.member_id!r}: shares must be >= 0, got {self.shares!r}")


def college_applies(n_a: int, n_b: int) -> bool:
    """Whether group B votes as one college: its members are more than 35% of all members.

    Strictly more ("exceed"): 13 A + 7 B (exactly 35%) is still one member, one vote;
    13 A + 8 B is the college. Exact integer arithmetic (20 n_B > 7 n), no rounding.
    """
    if n_a < 0 or n_b < 0:
        raise ValueError("member counts must be >= 0")
    return 20 * n_b > 7 * (n_a + n_b)


def ues_votes_exact(members: Iterable[Member]) -> dict[str, Fraction]:
    """Each member's share of the votes, as exact fractions summing to 1 (see ``ues_votes``)."""
    members = list(members)
    ids = [m.member_id for m in members]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"members appear twice: {', '.join(map(str, duplicates))}")
    if not members:
        return {}
    group_a = [m for m in members if m.group == "A"]
    group_b = [m for m in members if m.group == "B"]
    if not group_a:
        raise ValueError(
            "no group A member: the rule gives group A at least 65% of the votes, so it needs at least one "
            "cooperative of group A"
        )
    if not college_applies(len(group_a), len(group_b)):
        one = Fraction(1, len(members))
        return {m.member_id: one for m in members}
    votes: dict[str, Fraction] = {}
    for m in group_a:
        votes[m.member_id] = GROUP_A_MIN_SHARE / len(group_a)
    college = {m.member_id: max(Fraction(1), Fraction(m.shares)) for m in group_b}
    total = sum(college.values())
    for m in group_b:
        votes[m.member_id] = GROUP_B_MAX_SHARE * college[m.member_id] / total
    return {m.member_id: votes[m.member_id] for m in members}  # in the order given


def ues_votes(members: Iterable[Member]) -> dict[str, float]:
    """Each member's share of the votes of the UES general assembly (statutes art. 18).

    Returns ``{member_id: share}`` in the order given; shares sum to 1 (an empty
    membership gives ``{}``). How the rule is read where the text leaves room:

    - **Which regime.** Group B votes as a college when its members are *strictly* more
      than 35% of all members (``college_applies``); otherwise every member, A or B, has
      one vote and shares are ``1 / n``. Then group A holds ``n_A / n >= 65%`` by
      construction, so "A at least 65%" needs no correction outside the college.
    - **The college.** Group B then holds exactly 35% of the votes and group A exactly
      65%, split equally among A members (one member, one vote inside group A: A members'
      shares are not read).
    - **Proportional to shares, at least one vote.** Inside the college a member's votes
      are its number of shares, with a floor of one vote (``max(1, shares)``): a member
      holding no share, or a fraction of one, still counts one vote. The college's 35%
      is split in proportion to these votes. (Read literally in units of a group A vote,
      "at least one vote each" is impossible: the college holds ``0.35 / 0.65 n_A < n_B``
      group-A votes exactly when it applies; so the floor is read in college votes.)
    - **"Until group A members are numerous enough again"**: the regime is decided
      afresh from the current membership; no hysteresis.
    - **No group A member**: the rule cannot give A 65%; a ValueError is raised.
    - Duplicate ids are a ValueError.

    Consequences worth knowing: group A's total share never falls below 65% and group
    B's never exceeds 35%; a new A member never lowers group A's total and a new B member
    never raises it; a new A member lowers every other A member's share. But a new A
    member can *raise* a small group B member's share: when the college stops applying,
    a member holding one share among large holders goes from ``0.35 x 1 / (college
    votes)`` back to ``1 / n``.
    """
    return {member_id: float(share) for member_id, share in ues_votes_exact(members).items()}
