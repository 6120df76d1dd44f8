"""The UES voting rule (DOMAIN.md §6, statutes art. 18): known answers and properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simcoop.network.governance import Member, college_applies, ues_votes, ues_votes_exact


def _members(n_a: int, n_b: int, b_shares: list[float] | None = None) -> list[Member]:
    shares = b_shares if b_shares is not None else [1.0] * n_b
    return [Member(f"A{i}", "A") for i in range(n_a)] + [Member(f"B{i}", "B", shares[i]) for i in range(n_b)]


# ------------------------------------------------------------------ known answers


def test_ten_a_two_b_is_one_member_one_vote() -> None:
    votes = ues_votes_exact(_members(10, 2, [50, 1]))
    assert set(votes.values()) == {Fraction(1, 12)}  # shares are not read outside the college


def test_five_a_five_b_is_the_college() -> None:
    votes = ues_votes_exact(_members(5, 5))
    assert all(votes[f"A{i}"] == Fraction(13, 100) for i in range(5))  # 65% / 5
    assert all(votes[f"B{i}"] == Fraction(7, 100) for i in range(5))  # 35% / 5, equal shares


def test_a_b_member_with_many_shares_takes_most_of_the_college_only() -> None:
    votes = ues_votes_exact(_members(2, 2, [98, 2]))  # 50% B members: the college
    assert votes["B0"] == Fraction(35, 100) * Fraction(98, 100)
    assert votes["B1"] == Fraction(35, 100) * Fraction(2, 100)
    assert votes["A0"] == votes["A1"] == Fraction(65, 200)
    assert votes["B0"] > votes["A0"]  # a large holder can outweigh one cooperative ...
    assert votes["B0"] < votes["A0"] + votes["A1"]  # ... never group A (at most 35% against 65%)


def test_each_b_member_has_at_least_one_vote_in_the_college() -> None:
    votes = ues_votes_exact(_members(1, 3, [0, 0.25, 3]))  # counted as 1, 1 and 3 college votes
    assert votes["B0"] == votes["B1"] == Fraction(35, 100) / 5
    assert votes["B2"] == Fraction(35, 100) * 3 / 5


@pytest.mark.parametrize(
    ("n_a", "n_b", "college"),
    [(13, 7, False), (13, 8, True), (1, 0, False), (2, 1, False), (1, 1, True), (20, 10, False), (20, 11, True)],
)
def test_threshold_is_strictly_more_than_35_percent(n_a: int, n_b: int, college: bool) -> None:
    assert college_applies(n_a, n_b) is college  # 7 of 20 is exactly 35%: not "exceeding"


def test_at_the_threshold_one_member_one_vote_gives_a_exactly_65_percent() -> None:
    votes = ues_votes_exact(_members(13, 7, [100] * 7))
    assert sum(votes[f"B{i}"] for i in range(7)) == Fraction(35, 100)
    assert votes["B0"] == votes["A0"] == Fraction(1, 20)


def test_back_to_one_member_one_vote_when_group_a_is_numerous_again() -> None:
    members = _members(2, 2, [1, 1])
    assert college_applies(2, 2)
    while college_applies(sum(m.group == "A" for m in members), 2):
        members.append(Member(f"A{len(members)}", "A"))
    assert len(members) == 6  # 4 A + 2 B: 33% B members
    assert set(ues_votes_exact(members).values()) == {Fraction(1, 6)}


def test_edge_cases() -> None:
    assert ues_votes([]) == {}
    assert ues_votes([Member("solo", "A")]) == {"solo": 1.0}
    with pytest.raises(ValueError, match="no group A member"):
        ues_votes([Member("p", "B")])
    with pytest.raises(ValueError, match="appear twice: x"):
        ues_votes([Member("x", "A"), Member("x", "B")])
    with pytest.raises(ValueError, match="group must be 'A' or 'B'"):
        Member("c", "C")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shares must be >= 0"):
        Member("d", "B", -1)


def test_small_b_member_can_gain_when_an_a_member_joins() -> None:
    """Documented non-monotonicity: leaving the college restores one member, one vote."""
    members = _members(4, 3, [100, 100, 1])  # 3/7 = 43%: the college; B2 has 0.35 / 201
    before = ues_votes(members)["B2"]
    members.append(Member("A4", "A"))  # 3/8 = 37.5%: still the college
    members.append(Member("A5", "A"))  # 3/9 = 33%: one member, one vote
    assert ues_votes(members)["B2"] == pytest.approx(1 / 9) and before == pytest.approx(0.35 / 201)


# ------------------------------------------------------------------ properties

memberships = st.tuples(
    st.integers(min_value=1, max_value=40),
    st.lists(st.integers(min_value=0, max_value=1000), max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(memberships)
def test_shares_sum_to_one_and_groups_keep_their_bounds(spec: tuple[int, list[int]]) -> None:
    n_a, b_shares = spec
    members = _members(n_a, len(b_shares), b_shares)
    votes = ues_votes_exact(members)
    assert sum(votes.values()) == 1
    share_a = sum(v for k, v in votes.items() if k.startswith("A"))
    share_b = 1 - share_a
    assert share_a >= Fraction(65, 100)
    assert share_b <= Fraction(35, 100)
    if college_applies(n_a, len(b_shares)):
        assert share_b == Fraction(35, 100)
    else:
        assert set(votes.values()) == {Fraction(1, len(members))}
    assert all(v > 0 for v in votes.values())
    assert abs(sum(ues_votes(members).values()) - 1.0) < 1e-12


@settings(max_examples=300, deadline=None)
@given(memberships, st.integers(min_value=0, max_value=1000))
def test_monotone_in_membership(spec: tuple[int, list[int]], new_shares: int) -> None:
    n_a, b_shares = spec
    members = _members(n_a, len(b_shares), b_shares)
    votes = ues_votes_exact(members)
    share_a = sum(v for k, v in votes.items() if k.startswith("A"))
    # A new A member: group A's total never falls, every other A member's share falls.
    with_a = ues_votes_exact([*members, Member("A_new", "A")])
    assert sum(v for k, v in with_a.items() if k.startswith("A")) >= share_a
    assert all(with_a[f"A{i}"] < votes[f"A{i}"] for i in range(n_a))
    # A new B member: group A's total never rises, no A member's share rises.
    with_b = ues_votes_exact([*members, Member("B_new", "B", new_shares)])
    assert sum(v for k, v in with_b.items() if k.startswith("A")) <= share_a
    assert all(with_b[f"A{i}"] <= votes[f"A{i}"] for i in range(n_a))


@settings(max_examples=200, deadline=None)
@given(memberships)
def test_order_of_members_does_not_matter(spec: tuple[int, list[int]]) -> None:
    n_a, b_shares = spec
    members = _members(n_a, len(b_shares), b_shares)
    assert ues_votes_exact(members) == ues_votes_exact(list(reversed(members)))
