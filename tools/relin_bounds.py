"""One-off edit: give every numeric scenario field an upper bound no real CAE reaches (issue 15).

Kept so the same edit can be replayed on moved code; it only adds ``le=``/``ge=`` where a
field has none.
"""
import re
import sys


def bound_for(name: str) -> tuple[str, bool] | None:
    """(upper bound constant, whether a negative value is allowed and needs a lower bound)."""
    if "_eur" in name:
        return "MAX_EUR", name in ("initial_treasury_eur", "treasury_floor_eur", "treasury_eur")
    if name == "accueils_per_year_at_maturity":
        return "MAX_ACCUEILS_PER_YEAR", False
    if name in ("population", "job_seekers_abc", "business_creations_per_year", "creations_by_job_seekers_per_year"):
        return "MAX_INHABITANTS", False
    if name.endswith("_rate_per_year"):
        return "MAX_RATE_PER_YEAR", False
    if name.endswith("_months") or name.endswith("_month"):
        return "MAX_MONTHS", False
    if re.search(r"(^|_)fte(_|$)", name) or "caseload" in name:
        return "MAX_FTE", False
    if name == "seed":
        return "MAX_SEED", False
    if name in ("penetration_per_job_seeker_per_year", "penetration_per_creation_per_year", "road_speed_kmh",
                "detour_factor", "after_are_exit_multiplier", "attraction"):
        return "MAX_FACTOR", False
    return None


def main(path: str) -> None:
    text = open(path, encoding="utf-8").read()
    out, pos = [], 0
    pattern = re.compile(r"^    ([a-z_]+): (float|int)( \| None)? = Field\(", re.M)
    for m in pattern.finditer(text):
        start = m.end()
        depth, i = 1, start
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        args = text[start : i - 1]
        found = bound_for(m.group(1))
        if found is None:
            continue
        const, negative = found
        add = ""
        if not re.search(r"(^|[\s,(])le=", args):
            add += f"le={const}, "
        if negative and not re.search(r"(^|[\s,(])g[te]=", args):
            add += f"ge=-{const}, "
        if add:
            out.append(text[pos:start])
            out.append(add)
            pos = start
    out.append(text[pos:])
    result = re.sub(r"(Field\((?:le|ge)=[^\n]*?), \n", r"\1,\n", "".join(out))
    open(path, "w", encoding="utf-8").write(result)


if __name__ == "__main__":
    main(sys.argv[1])
