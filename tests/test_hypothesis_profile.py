"""The Hypothesis profile CI runs: property tests reproduce (the state machine of Art. 5.2, 21–24
and the other @given tests). Under the default environment the "repeatable" profile is loaded:
it replays the examples kept in tests/hypothesis-examples/ without ever writing there, and
generates from a fixed seed, so two runs try the same examples."""

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

EXAMPLES = Path(__file__).resolve().parent / "hypothesis-examples"

pytestmark = pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "repeatable") != "repeatable", reason="checks CI's profile"
)


def test_the_default_profile_replays_the_kept_examples_read_only():
    assert settings.get_current_profile_name() == "repeatable"
    database = settings.default.database
    assert isinstance(database, ReadOnlyDatabase)
    assert database == ReadOnlyDatabase(DirectoryBasedExampleDatabase(EXAMPLES))
    assert not settings.default.derandomize  # derandomize would switch the database off


def _draws():
    seen = []

    @given(st.lists(st.integers(), max_size=5), st.text(max_size=5))
    def collect(numbers, text):
        seen.append((tuple(numbers), text))

    return collect, seen


def test_two_runs_of_a_given_test_try_the_same_examples(request):
    from tests.conftest import hypothesis_seed

    fixed = hypothesis_seed(request.config)
    assert fixed is not None
    runs = []
    for _ in range(2):
        collect, seen = _draws()
        collect._hypothesis_internal_use_seed = fixed  # what pytest_collection_modifyitems sets
        collect()
        runs.append(seen)
    assert len(runs[0]) > 10
    assert runs[0] == runs[1]
    # … and a random run differs: the sameness comes from the seed, not from the strategy.
    collect, unseeded = _draws()
    collect()
    assert unseeded != runs[0]


def test_a_run_writes_nothing_into_the_kept_examples(tmp_path):
    before = sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*")) if EXAMPLES.exists() else []

    @given(st.integers())
    def always_fails(n):
        raise AssertionError(n)

    with pytest.raises(AssertionError):
        always_fails()
    after = sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*")) if EXAMPLES.exists() else []
    assert after == before
