"""Shared fixtures: the named role users of the demo (kjt, chengdu, mianyang, jxt, unit_a, unit_b,
experts) built with factories, clients logged in as them, and the service markers.

Tests marked ``postgres`` or ``redis`` need those servers. Locally without them they skip with a
reason; in CI (``SCTIC_REQUIRE_SERVICES=1``, set by .ci/run) they fail instead of skipping.
"""

import os
import socket
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import kombu.pools
import pytest
from django.db import connection
from django.utils import timezone, translation
from hypothesis import is_hypothesis_test
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase, ReadOnlyDatabase

from accounts.models import Organization
from accounts.regions import Region
from sctic import celery_app
from sctic.choices import TechnologyField
from sctic.demo import advance, minimal_pdf
from tests.factories import ApplicationFactory, ExpertFactory, OrganizationFactory, UserFactory

# Property tests reproduce. The "repeatable" profile (the default, and CI's) first replays the
# examples kept in tests/hypothesis-examples/ (read-only: a run never writes there), then
# generates from a fixed seed, so every run tries the same examples. HYPOTHESIS_PROFILE=explore
# runs a larger random search and saves the failures it finds there, to be committed.
# The seed is pinned by pytest_collection_modifyitems below and EvaluationLifecycle's test, not
# by derandomize, @seed or --hypothesis-seed: Hypothesis turns the database off with each of those.
HYPOTHESIS_EXAMPLES = Path(__file__).resolve().parent / "hypothesis-examples"
HYPOTHESIS_SEED = 20260515
REPEATABLE = "repeatable"


class KeepCommittedExamples(ExampleDatabase):
    """The explore profile's database: it reads the committed examples and saves new failures
    next to them, but never deletes an example it did not save itself. (Hypothesis deletes an
    example that no longer fails; a fixed bug's example must stay to guard it.)"""

    def __init__(self, path):
        super().__init__()
        self.directory = DirectoryBasedExampleDatabase(path)
        self.saved = set()

    def __repr__(self):
        return f"KeepCommittedExamples({self.directory!r})"

    def fetch(self, key):
        yield from self.directory.fetch(key)

    def save(self, key, value):
        self.saved.add((key, value))
        self.directory.save(key, value)

    def delete(self, key, value):
        if (key, value) in self.saved:
            self.saved.discard((key, value))
            self.directory.delete(key, value)

    def _start_listening(self):
        pass

    def _stop_listening(self):
        pass


hypothesis_settings.register_profile(
    REPEATABLE,
    # Explicit: under CI=true Hypothesis makes its own "ci" profile (derandomize=True, no
    # database) the default that a new profile inherits from, and derandomize skips the database.
    derandomize=False,
    database=ReadOnlyDatabase(DirectoryBasedExampleDatabase(HYPOTHESIS_EXAMPLES)),
    deadline=None,
    print_blob=True,
)
hypothesis_settings.register_profile(
    "explore",
    derandomize=False,
    max_examples=500,
    database=KeepCommittedExamples(HYPOTHESIS_EXAMPLES),
    deadline=None,
    print_blob=True,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", REPEATABLE))


def hypothesis_seed(config) -> int | None:
    """The fixed seed of the repeatable profile; None (random) in explore or when
    --hypothesis-seed is given (Hypothesis then seeds, without the database)."""
    if hypothesis_settings.get_current_profile_name() != REPEATABLE:
        return None
    if config.getoption("hypothesis_seed", None) is not None:
        return None
    return HYPOTHESIS_SEED


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every @given test draws from the fixed seed in the repeatable profile. This is the
    attribute @seed sets; @seed itself would also set database=None."""
    fixed = hypothesis_seed(config)
    if fixed is None:
        return
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        if is_hypothesis_test(test) and getattr(test, "_hypothesis_internal_use_seed", None) is None:
            test._hypothesis_internal_use_seed = fixed


@pytest.fixture
def hypothesis_fixed_seed(request) -> int | None:
    """For state machines (run_state_machine_as_test): hypothesis.seed(...) on the machine class
    when the repeatable profile is loaded."""
    return hypothesis_seed(request.config)


REQUIRE_SERVICES = os.environ.get("SCTIC_REQUIRE_SERVICES") == "1"
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: "connection refused"


def _redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def pytest_runtest_setup(item):
    missing = None
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing = "PostgreSQL (set DATABASE_URL=postgres://…)"
    if item.get_closest_marker("redis") and not _redis_reachable():
        missing = "Redis (set REDIS_URL=redis://…)"
    if missing:
        if REQUIRE_SERVICES:
            pytest.fail(f"This test needs {missing}, and CI must run it.")
        pytest.skip(f"needs {missing}; runs in CI")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 costs a third of a second per user; tests need no strong hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded files go to a temporary private folder per test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


# --- what many workflow tests share (``pytest.mark.usefixtures(...)``) ------------------------------


@pytest.fixture
def english():
    """Messages compared in English: the test reads them in the language it asserts."""
    with translation.override("en"):
        yield


@pytest.fixture
def day_2026_05_15(monkeypatch):
    """Today is 15 May 2026 (local time) for the code under test; dates given explicitly stay."""
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: date(2026, 5, 15) if value is None else real(value, tz),
    )


@pytest.fixture
def no_pdf(monkeypatch):
    """Notices get a minimal PDF instead of a WeasyPrint rendering (tests/test_notice_pdf.py renders)."""
    monkeypatch.setattr("notices.rendering.render_pdf", lambda notice, letterhead: minimal_pdf())


# --- the Celery broker ----------------------------------------------------------------------------


def _drop_broker_connections():
    """Celery keeps its broker connection and producer pools on the app (and kombu in a global
    registry); close and drop them so that the next publish connects to ``conf.broker_url`` as it is now."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """``broker.use(url)`` publishes tasks to a real broker (not eager); ``broker.down()`` to one
    that refuses connections; ``broker.restore()`` (also run at teardown) goes back to the test
    settings: eager, in-process."""
    conf = celery_app.conf
    saved = {"broker_url": conf.broker_url, "task_always_eager": conf.task_always_eager}

    def use(url):
        _drop_broker_connections()
        conf.update(broker_url=url, task_always_eager=False)

    def restore():
        _drop_broker_connections()
        conf.update(saved)

    yield SimpleNamespace(use=use, down=lambda: use(DEAD_BROKER), restore=restore)
    restore()


# --- organizations and the named users of DESIGN.md --------------------------------------------


@pytest.fixture
def kjt_org(db):
    return OrganizationFactory(name="四川省科学技术厅", kind=Organization.Kind.DEPARTMENT)


@pytest.fixture
def chengdu_org(db):
    return OrganizationFactory(name="成都市科学技术局", kind=Organization.Kind.MUNICIPAL_BUREAU)


@pytest.fixture
def mianyang_org(db):
    return OrganizationFactory(
        name="绵阳市科学技术局", kind=Organization.Kind.MUNICIPAL_BUREAU, region=Region.MIANYANG
    )


@pytest.fixture
def jxt_org(db):
    return OrganizationFactory(name="四川省经济和信息化厅", kind=Organization.Kind.PROVINCIAL_DEPT)


@pytest.fixture
def unit_a_org(db):
    return OrganizationFactory(name="成都天府轨道交通装备研究院有限公司")


@pytest.fixture
def unit_b_org(db):
    return OrganizationFactory(name="绵阳科创智能传感股份有限公司", region=Region.MIANYANG)


@pytest.fixture
def kjt(kjt_org):
    return UserFactory(username="kjt", organization=kjt_org, role="department")


@pytest.fixture
def chengdu(chengdu_org):
    return UserFactory(username="chengdu", organization=chengdu_org, role="supervisor")


@pytest.fixture
def mianyang(mianyang_org):
    return UserFactory(username="mianyang", organization=mianyang_org, role="supervisor")


@pytest.fixture
def jxt(jxt_org):
    return UserFactory(username="jxt", organization=jxt_org, role="supervisor")


@pytest.fixture
def unit_a(unit_a_org):
    return UserFactory(username="unit_a", organization=unit_a_org, role="applicant")


@pytest.fixture
def unit_b(unit_b_org):
    return UserFactory(username="unit_b", organization=unit_b_org, role="applicant")


@pytest.fixture
def experts(db):
    """Three independent experts in the application's field."""
    return [
        ExpertFactory(username=f"expert{i}", field=TechnologyField.EQUIPMENT_MANUFACTURING) for i in (1, 2, 3)
    ]


@pytest.fixture
def conflicted_expert(unit_a_org):
    """An expert who works for unit_a (DESIGN.md: expert7)."""
    return ExpertFactory(username="expert7", organization=unit_a_org)


# --- applications ------------------------------------------------------------------------------


@pytest.fixture
def make_application(unit_a, chengdu, kjt, experts):
    """``make_application("cultivating")``: unit_a's complete application to chengdu, walked
    through the real workflow to the given state."""

    def make(state="draft", *, lead=None, supervisor=None, applicant=None, supervisor_user=None, **kwargs):
        lead = lead or unit_a.organization
        supervisor = supervisor or chengdu.organization
        applicant = applicant or unit_a
        app = ApplicationFactory(lead_unit=lead, supervisor=supervisor, created_by=applicant, **kwargs)
        return advance(
            app,
            state,
            applicant=applicant,
            supervisor=supervisor_user or chengdu,
            department=kjt,
            experts=experts[:2],
        )

    return make


@pytest.fixture
def login(client):
    """``login(user)`` returns the test client logged in as ``user``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
