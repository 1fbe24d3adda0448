"""Art. 11.5: a construction and operation cycle is three years, from its first day to the day
before the same date three years later. Year ends and 29 February are the boundaries: a cycle that
starts on 29 February ends on 28 February three years later (its anniversary is 1 March in a
common year), not on 27 February; the next cycle starts the day after; no cycle is a day short.
"""

import calendar
from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from centers.models import CenterCycle, add_years, cycle_end
from centers.services import center_next_cycle, cycle_dates
from tests.factories import CenterFactory

YEARS = 3


def leap_days_in(first: date, last: date) -> int:
    """How many 29 Februaries lie in [first, last]."""
    return sum(
        1
        for year in range(first.year, last.year + 1)
        if calendar.isleap(year) and first <= date(year, 2, 29) <= last
    )


def anniversary(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February's is 1 March in a common year."""
    if day.month == 2 and day.day == 29 and not calendar.isleap(day.year + years):
        return date(day.year + years, 3, 1)
    return day.replace(year=day.year + years)


# --- the boundaries, one by one ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 2, 29), date(2027, 2, 28)),  # leap day into a common year: not 27 February
        (date(2028, 2, 29), date(2031, 2, 28)),
        (date(2024, 2, 28), date(2027, 2, 27)),
        (date(2024, 3, 1), date(2027, 2, 28)),
        (date(2025, 3, 1), date(2028, 2, 29)),  # ends on the leap day of 2028
        (date(2026, 3, 1), date(2029, 2, 28)),
        (date(2025, 1, 1), date(2027, 12, 31)),  # a cycle from New Year ends on New Year's Eve
        (date(2025, 12, 31), date(2028, 12, 30)),
        (date(2027, 2, 28), date(2030, 2, 27)),
        (date(2027, 3, 1), date(2030, 2, 28)),  # the cycle after one from 29 February 2024
    ],
)
def test_art11_5_cycle_ends_the_day_before_the_same_date_three_years_later(start, end):
    assert cycle_dates(start) == (start, end)
    assert cycle_end(start, YEARS) == end


def test_art11_5_cycle_from_29_february_2024_ends_on_28_february_2027():
    assert cycle_dates(date(2024, 2, 29)) == (date(2024, 2, 29), date(2027, 2, 28))


def test_art11_5_leap_day_cycle_spans_three_full_years():
    """1096 days from 29 February 2024 up to 1 March 2027: three years, counting the leap day."""
    start, end = cycle_dates(date(2024, 2, 29))
    assert (end - start).days + 1 == 3 * 365 + 1


def test_art23_one_year_rectification_from_29_february_ends_on_28_february():
    """A deadline one year on is the last day of February when that year has no 29 February."""
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 28), 1) == date(2025, 2, 28)


@pytest.mark.django_db
def test_art11_5_next_cycle_after_a_leap_day_cycle_starts_on_1_march(monkeypatch):
    """The center's first cycle from 29 February 2024 ends on 28 February 2027; the next cycle
    (Art. 23) starts the next day, 1 March 2027, and ends on 28 February 2030."""
    center = CenterFactory()
    start, end = cycle_dates(date(2024, 2, 29))
    CenterCycle.objects.filter(center=center).update(start_date=start, end_date=end)
    assert end == date(2027, 2, 28)

    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: date(2027, 1, 15))
    following = center_next_cycle(center)
    assert (following.number, following.start_date, following.end_date) == (
        2,
        date(2027, 3, 1),
        date(2030, 2, 28),
    )


# --- properties ---------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(1904, 1, 1), max_value=date(2396, 12, 31))
# Year ends and leap days are where a calendar rule goes wrong: draw them often.
BOUNDARIES = st.one_of(
    st.builds(date, st.integers(1904, 2396).filter(calendar.isleap), st.just(2), st.just(29)),
    st.builds(date, st.integers(1904, 2396), st.sampled_from([1, 12]), st.sampled_from([1, 31])),
    st.builds(date, st.integers(1904, 2396), st.sampled_from([2, 3]), st.sampled_from([1, 28])),
)
STARTS = st.one_of(DAYS, BOUNDARIES)


@given(start=STARTS, cycles=st.integers(min_value=1, max_value=6))
def test_art11_5_each_cycle_starts_the_day_after_the_previous_ends_and_spans_three_years(start, cycles):
    first = start
    for _ in range(cycles):
        begins, ends = cycle_dates(start)
        assert begins == start
        # exactly three years: the day after the end is the same date three years on …
        assert ends + timedelta(days=1) == anniversary(start, YEARS)
        # … that is 3 × 365 days plus every 29 February in between, no day more and none less
        assert (ends - begins).days + 1 == YEARS * 365 + leap_days_in(begins, ends)
        start = ends + timedelta(days=1)  # the next cycle starts the day after (Art. 23)
    # n cycles in a row cover exactly 3n years of the calendar, however the leap days fall
    assert start == anniversary(first, YEARS * cycles) or (first.month, first.day) == (2, 29)


@given(start=STARTS)
def test_art11_5_cycle_from_a_leap_day_ends_at_the_end_of_february(start):
    begins, ends = cycle_dates(start)
    if (start.month, start.day) == (2, 29):
        last_of_february = date(start.year + YEARS, 2, calendar.monthrange(start.year + YEARS, 2)[1])
        assert ends == last_of_february
    if (start.month, start.day) == (1, 1):
        assert ends == date(start.year + YEARS - 1, 12, 31)
