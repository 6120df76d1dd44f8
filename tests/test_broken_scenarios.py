"""Deliberately broken scenarios: each problem is found, located and explained.

Every file in ``tests/broken_scenarios/`` holds ONE kind of mistake an analyst makes
(its first line is a comment saying which), except ``many_problems.yaml`` which holds
several independent ones that must all be reported at once. The table below says, for
each file, the line, the key path and an exact fragment of the message expected; a new
file in the folder must get an entry (``test_every_broken_file_has_an_expectation``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import simcoop
from simcoop import Problem, ScenarioError

BROKEN = Path(__file__).parent / "broken_scenarios"

# file name -> (line, key path, exact message fragment)
EXPECTED: dict[str, tuple[int | None, str, str]] = {
    "unknown_key_typo.yaml": (5, "meta.horizon_month", "unknown key 'horizon_month'; did you mean 'horizon_months'?"),
    "unknown_section.yaml": (10, "reporting", "unknown key 'reporting'. Allowed keys here: activities, cooperative"),
    "missing_meta_name.yaml": (2, "meta.name", "required key is missing (expected non-empty text)"),
    "missing_activities.yaml": (1, "activities", "required key is missing (expected a mapping with keys sectors)"),
    "text_instead_of_number.yaml": (
        6,
        "territory.accueils_per_year_at_maturity",
        "expected a number, got text 'about 180'",
    ),
    "rate_out_of_range.yaml": (12, "cooperative.contribution.rate", "Input should be less than or equal to 1"),
    "contribution_base_not_allowed.yaml": (
        13,
        "cooperative.contribution.base",
        "(allowed: one of 'turnover', 'gross_margin'); got 'revenue'",
    ),
    "start_month_not_yyyy_mm.yaml": (
        4,
        "meta.start_month",
        "expected a month written YYYY-MM (e.g. 2027-01); got '2027-01-15'",
    ),
    "seasonality_eleven_factors.yaml": (6, "territory.seasonality", "needs exactly 12 monthly factors (January to December), got 11"),
    "sector_shares_not_one.yaml": (5, "activities", "sector shares must add up to 1, got 0.9"),
    "exit_destinations_not_one.yaml": (
        7,
        "pathway.exits.cape_destinations",
        "own_company + salaried_job + stop must add up to 1, got 0.9",
    ),
    "duplicate_key.yaml": (6, "meta.horizon_months", "duplicate key (first given on line 5)"),
    "yaml_bad_indentation.yaml": (4, "", "YAML syntax error: mapping values are not allowed here (check the indentation"),
    "yaml_unclosed_bracket.yaml": (7, "", "(while parsing a flow sequence started on line 6)"),
    "empty_file.yaml": (1, "", "a scenario must be a mapping of sections (meta, territory, ...), this file is empty"),
    "top_level_list.yaml": (1, "", "a scenario must be a mapping of sections (meta, territory, ...), this file is a list"),
    "funding_last_before_first.yaml": (
        13,
        "cooperative.public_funding[1]",
        "last_month 2026-12 is before first_month 2027-01",
    ),
    # Issue 15: hostile files answered fast and clearly, strict numbers, bounds, slips.
    "octal_number.yaml": (5, "meta.horizon_months", "a number cannot start with 0 (YAML 1.1 would read 010 as octal 8); write 10"),
    "bool_for_number.yaml": (5, "meta.horizon_months", "expected a whole number, got true (a yes/no value)"),
    "infinite_treasury.yaml": (11, "cooperative.initial_treasury_eur", "Input should be a finite number"),
    "nan_rate.yaml": (12, "cooperative.contribution.rate", "Input should be a finite number"),
    "huge_amount.yaml": (12, "cooperative.public_funding[0].amount_eur", "(allowed: a number >= 0 and <= 1e+12); got 1000000000000000.0"),
    "huge_accueils.yaml": (11, "territory.accueils_per_year_at_maturity", "(allowed: a number >= 0 and <= 1e+06); got 1000000000000.0"),
    "month_thirteen.yaml": (4, "meta.start_month", "expected a month written YYYY-MM between 1800-01 and 2199-12 (months 01 to 12); got '2027-13'"),
    "far_future_month.yaml": (4, "meta.start_month", "between 1800-01 and 2199-12 (months 01 to 12); got '9999-01'"),
    "rate_as_percent.yaml": (12, "cooperative.contribution.rate", "(a rate or share is a fraction: did you mean 0.1?)"),
    "decimal_comma.yaml": (12, "cooperative.contribution.rate", "expected a number, got text '0,10': write the decimal with a point (0.10)"),
    "opening_month_as_number.yaml": (14, "cooperative.sites[1].opening_month", "expected a month written YYYY-MM (e.g. 2027-01); got 12"),
    "partner_without_convention.yaml": (15, "creation.partners[0].funder", "funder 'Département' has no public_funding convention; allowed: Région"),
    "recursive_alias.yaml": (2, "", "YAML error: a recursive alias (an anchor used inside itself) cannot be read"),
    "alias_bomb.yaml": (7, "", "YAML error: the file expands to more than 200,000 values"),
    "deep_nesting.yaml": (2, "", "YAML error: the file nests mappings or lists more than 50 levels deep"),
    "not_utf8.yaml": (3, "", "the file is not UTF-8 text: byte 0xE9 at column 12 (probably saved as Windows-1252/Latin-1: save it as UTF-8)"),
    "zones_outside_folder.yaml": (11, "territory.zones_file", "is outside the scenario's folder"),
    "zones_is_a_device.yaml": (11, "territory.zones_file", "is outside the scenario's folder"),
}

# Mistakes in a CSV the scenario attaches: reported at the CSV's own line.
# file name -> (CSV file in tables/, line, key path or column, exact message fragment)
EXPECTED_IN_TABLE: dict[str, tuple[str, int, str, str]] = {
    "zones_unknown_site.yaml": (
        "zones_unknown_site.csv", 2, "territory.zones[0].travel_minutes", "travel times to unknown site(s) 'antene' (travel_minutes_antene)"
    ),
    "zones_bad_value.yaml": ("zones_bad_value.csv", 3, "population", "expected a number (e.g. 12.5 or 12,5), got 'beaucoup'"),
    "zones_negative.yaml": ("zones_negative.csv", 3, "territory.zones[1].job_seekers_abc", "Input should be greater than or equal to 0"),
    "roster_duplicate_ids.yaml": ("roster_duplicate_ids.csv", 4, "entrepreneur_id", "id 'E1' already given on line 2; each entrepreneur appears once"),
    "roster_unknown_sector.yaml": (
        "roster_unknown_sector.csv", 3, "warm_start.entrepreneurs[1].sector", "sector 'bâtiment' is not a sector of activities; allowed: conseil"
    ),
}

MANY_PROBLEMS = "many_problems.yaml"
# Independent mistakes in different sections of many_problems.yaml: all must be reported.
MANY_EXPECTED: list[tuple[int, str, str]] = [
    (6, "meta.start_month", "expected a month written YYYY-MM (e.g. 2027-01); got '2027/01'"),
    (8, "territory.accueil_per_year_at_maturity", "did you mean 'accueils_per_year_at_maturity'?"),
    (16, "cooperative.contribution.rate", "Input should be less than or equal to 1"),
    (19, "payroll.employer_size", "duplicate key (first given on line 18)"),
    (21, "simulation.replications", "Input should be greater than or equal to 1"),
]


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(path)
    problems = info.value.problems
    assert problems, "a ScenarioError must list at least one problem"
    return problems


def _describe(problems: list[Problem]) -> str:
    return "\n".join(f"  {p.line!r} {p.key_path!r} {p.message!r}" for p in problems)


def _has(problems: list[Problem], line: int | None, key_path: str, fragment: str) -> bool:
    return any(p.line == line and p.key_path == key_path and fragment in p.message for p in problems)


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_broken_scenario_is_reported(name: str, expected: tuple[int, str, str]) -> None:
    path = BROKEN / name
    line, key_path, fragment = expected
    problems = _problems(path)
    assert _has(problems, line, key_path, fragment), (
        f"{name}: expected a problem at line {line}, key {key_path!r}, containing {fragment!r}; got:\n"
        + _describe(problems)
    )
    # One kind of mistake per file: exactly one problem, located in this file.
    assert len(problems) == 1, f"{name} should hold a single mistake; got:\n" + _describe(problems)
    problem = problems[0]
    assert problem.source == str(path)
    # The printed form is file:line: key.path: message (no key part for file-level problems).
    key_part = f" {key_path}:" if key_path else ""
    assert str(problem) == f"{path}:{line}:{key_part} {problem.message}"


def test_many_problems_are_all_reported_at_once() -> None:
    problems = _problems(BROKEN / MANY_PROBLEMS)
    missing = [exp for exp in MANY_EXPECTED if not _has(problems, *exp)]
    assert not missing, f"not reported: {missing}; got:\n" + _describe(problems)
    assert len(problems) == len(MANY_EXPECTED), "unexpected extra problems:\n" + _describe(problems)
    sections = {key.split(".")[0] for _, key, _ in MANY_EXPECTED}
    assert len(sections) >= 4, "the mistakes must be in different sections"


def test_scenario_error_message_lists_every_problem() -> None:
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(BROKEN / MANY_PROBLEMS)
    text = str(info.value)
    assert text.startswith(f"{len(MANY_EXPECTED)} problems in scenario:")
    for problem in info.value.problems:
        assert str(problem) in text


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED_IN_TABLE.items()), ids=sorted(EXPECTED_IN_TABLE))
def test_broken_table_is_reported_at_its_csv_line(name: str, expected: tuple[str, int, str, str]) -> None:
    table, line, key_path, fragment = expected
    problems = _problems(BROKEN / name)
    assert len(problems) == 1, f"{name} should hold a single mistake; got:\n" + _describe(problems)
    problem = problems[0]
    assert problem.source == str(BROKEN / "tables" / table), problem
    assert (problem.line, problem.key_path) == (line, key_path) and fragment in problem.message, _describe(problems)


def test_outside_file_is_not_echoed() -> None:
    """A scenario pointing at a foreign file never prints that file's content."""
    problems = _problems(BROKEN / "zones_outside_folder.yaml")
    assert "root:" not in str(problems[0]) and "/bin/" not in str(problems[0])


def test_every_broken_file_has_an_expectation() -> None:
    files = {p.name for p in BROKEN.iterdir() if p.is_file()}
    expected = set(EXPECTED) | set(EXPECTED_IN_TABLE) | {MANY_PROBLEMS}
    assert files - expected == set(), "broken scenarios without an expectation in EXPECTED"
    assert expected - files == set(), "expectations for files that do not exist"


@pytest.mark.parametrize("name", sorted(set(EXPECTED) | set(EXPECTED_IN_TABLE) | {MANY_PROBLEMS}))
def test_broken_file_starts_with_a_comment_saying_what_is_wrong(name: str) -> None:
    first = (BROKEN / name).read_bytes().decode("utf-8", errors="replace").splitlines()[0]  # not_utf8.yaml is not
    assert first.startswith("# Wrong:"), f"{name} must start with a '# Wrong: ...' comment line"


def test_missing_file_is_a_scenario_error() -> None:
    problems = _problems(BROKEN / "does_not_exist.yaml")
    assert [(p.line, p.key_path, p.message) for p in problems] == [(None, "", "file not found")]
