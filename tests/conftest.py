"""Shared fixtures: the named role users of the demo (kjt, chengdu, mianyang, jxt, unit_a, unit_b,
experts) built with factories, clients logged in as them, and the service markers.

Tests marked ``postgres`` or ``redis`` need those servers. Locally without them they skip with a
reason; in CI (``SCTIC_REQUIRE_SERVICES=1``, set by .ci/run) they fail instead of skipping.
"""

import os
import socket
from types import SimpleNamespace
from urllib.parse import urlparse

import kombu.pools
import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from accounts.models import Organization
from accounts.regions import Region
from sctic import celery_app
from sctic.choices import TechnologyField
from sctic.demo import advance
from tests.factories import ApplicationFactory, ExpertFactory, OrganizationFactory, UserFactory

# Property tests reproduce: the same examples on every run (derandomized, seeded from each test);
# HYPOTHESIS_PROFILE=explore runs a larger random search on demand.
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=500, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

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
