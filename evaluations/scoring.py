"""Scoring of the three-year evaluation (Art. 21, 22), as pure functions over a round's frozen
rule set (a plain dict, see ``RuleSet.snapshot``) so that edited rules never change a round
that has started."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from math import floor

TWO = Decimal("0.01")
HUNDRED = Decimal(100)

EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"


def q(value) -> Decimal:
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


def trimmed_mean(scores) -> Decimal | None:
    """The experts' mean; with five or more experts the highest and the lowest are dropped."""
    values = sorted(Decimal(s) for s in scores if s is not None)
    if not values:
        return None
    if len(values) >= 5:
        values = values[1:-1]
    return q(sum(values) / len(values))


def aggregate(values, how: str) -> Decimal:
    values = [Decimal(v) for v in values if v is not None]
    if not values:
        return Decimal(0)
    if how == "average":
        return sum(values) / len(values)
    if how == "last":
        return values[-1]
    return sum(values)


def formula_score(indicator: dict, figures_by_year: list[dict]) -> tuple[Decimal, Decimal]:
    """(the aggregated figure, its score 0–100): linear up to the indicator's target."""
    value = aggregate(
        [f.get(indicator["metric"]) for f in figures_by_year], indicator.get("aggregate", "sum")
    )
    target = Decimal(str(indicator["target"]))
    score = min(HUNDRED, value * HUNDRED / target) if target > 0 else Decimal(0)
    return q(value), q(score)


def total(rules: dict, scores: dict[str, Decimal | None]) -> Decimal | None:
    """Σ weight × score / 100 over the rule set's indicators; None while a score is missing."""
    result = Decimal(0)
    for indicator in rules["indicators"]:
        score = scores.get(indicator["code"])
        if score is None:
            return None
        result += Decimal(str(indicator["weight"])) * Decimal(score) / HUNDRED
    return q(result)


def grade_for(total_score, thresholds: dict) -> str:
    """Art. 22: excellent ≥ excellent threshold, good ≥ good, pass ≥ pass, otherwise fail."""
    value = Decimal(total_score)
    if value >= Decimal(str(thresholds["excellent"])):
        return EXCELLENT
    if value >= Decimal(str(thresholds["good"])):
        return GOOD
    if value >= Decimal(str(thresholds["pass"])):
        return PASS
    return FAIL


def capped_grades(totals: dict, rules: dict, centers: int | None = None) -> dict:
    """Proposed grades for a round: thresholds, then at most ``excellent_cap`` × centers excellent
    (the highest totals keep it, the others are proposed good). The share is rounded down ("at
    most"). Equal totals get equal proposals: centers tied at the edge of the share that do not all
    fit in it are all proposed good, whatever order they were scored or listed in (Art. 22, 23).
    ``totals`` maps a key to a total; ``centers`` is the number of the round's centers (by
    default, those with a total)."""
    grades = {key: grade_for(value, rules["thresholds"]) for key, value in totals.items()}
    cap = rules.get("excellent_cap")
    if cap is not None:
        allowed = floor(Decimal(str(cap)) * max(centers or 0, len(totals)))
        excellent = sorted(
            (k for k, g in grades.items() if g == EXCELLENT), key=lambda k: -Decimal(totals[k])
        )
        if len(excellent) > allowed:
            edge = Decimal(totals[excellent[allowed]])  # the best total left outside the share
            for key in excellent:
                if Decimal(totals[key]) <= edge:
                    grades[key] = GOOD
    return grades
