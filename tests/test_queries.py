"""Lists and dashboards cost a constant number of queries, whatever the number of rows (STYLE.md)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import Organization
from accounts.regions import Region
from applications.access import REVIEW_PERMISSION
from applications.models import ExpertReview, IntentApplication, Recommendation
from centers.models import Center
from sctic import access
from tests.factories import ApplicationFactory, CenterFactory, OrganizationFactory

# The database is set up before any settings override (some tests reach it lazily).
pytestmark = pytest.mark.django_db

S = IntentApplication.State
STATES = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.CULTIVATING, S.RECOMMENDED, S.UNDER_REVIEW, S.APPROVED]
REGIONS = [Region.CHENGDU, Region.MIANYANG]


@pytest.fixture(autouse=True)
def _one_page(settings):
    """A page large enough that all 50 rows are drawn."""
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.fixture
def rows(unit_a, chengdu, kjt, experts):
    """``rows(n)`` adds ``n`` applications of unit_a to chengdu across the states (with their
    recommendation and expert reviews where the state has them) and ``n`` centers, cheaply: factories
    and direct rows, not the workflow."""
    counter = {"n": 0}

    def add(n):
        for _ in range(n):
            i = counter["n"] = counter["n"] + 1
            state = STATES[i % len(STATES)]
            app = ApplicationFactory(
                lead_unit=unit_a.organization,
                supervisor=chengdu.organization,
                created_by=unit_a,
                state=state,
                is_engineering_center=i % 3 == 0,
                engineering_center_name="四川省测试工程技术研究中心" if i % 3 == 0 else "",
                submitted_at=None if state == S.DRAFT else timezone.now(),
            )
            if state in (S.RECOMMENDED, S.UNDER_REVIEW, S.APPROVED):
                Recommendation.objects.create(
                    application=app,
                    supervisor=chengdu.organization,
                    opinion="同意推荐。",
                    rank=i,
                    year=2026,
                    recommended_by=chengdu,
                    recommended_at=timezone.now(),
                )
            if state in (S.UNDER_REVIEW, S.APPROVED):
                # experts[0] still owes an opinion on every other one; experts[1] has given it.
                pending = state == S.UNDER_REVIEW and i % 2 == 0
                for expert, done in ((experts[0], not pending), (experts[1], True)):
                    ExpertReview.objects.create(
                        application=app,
                        expert=expert,
                        assigned_by=kjt,
                        score=80 if done else None,
                        verdict="support" if done else "",
                        submitted_at=timezone.now() if done else None,
                    )
                    assign_perm(REVIEW_PERMISSION, expert, app)
            lead = unit_a.organization if i % 2 else _unit(i)
            CenterFactory(
                name=f"四川省查询{i:03d}技术创新中心",
                lead_unit=lead,
                supervisor=chengdu.organization,
                is_engineering_center=i % 3 == 0,
            )

    return add


def _unit(i) -> Organization:
    return OrganizationFactory(name=f"查询测试单位{i:03d}", region=REGIONS[(i // 2) % len(REGIONS)])


def count_queries(client, url) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


def shown(html: str) -> int:
    """How many applications and centers the page links to."""
    return len(set(re.findall(r'href="/((?:applications|centers)/\d+)/"', html)))


def assert_constant(client, url, rows):
    rows(5)
    client.get(url)  # warm caches (content types, sessions) so that both counts see the same
    few, few_sql, few_html = count_queries(client, url)
    rows(45)
    many, many_sql, many_html = count_queries(client, url)
    if few != many:
        print(f"\n--- {url}: {few} queries with 5 rows ---")
        print("\n".join(few_sql))
        print(f"\n--- {url}: {many} queries with 50 rows ---")
        print("\n".join(many_sql))
    assert few == many, f"{url}: {few} queries with 5 rows, {many} with 50 (SQL printed above)"
    assert shown(many_html) > shown(few_html) > 0, "the rows were not drawn"
    return many_html


WHO = ["kjt", "chengdu", "unit_a", "expert"]


def user(request, who):
    return request.getfixturevalue("experts")[0] if who == "expert" else request.getfixturevalue(who)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    "url", ["/applications/", "/applications/?state=under_review", "/applications/?q=测试"]
)
def test_application_list_queries_do_not_grow_with_rows(request, client, rows, who, url):
    client.force_login(user(request, who))
    html = assert_constant(client, url, rows)
    if url == "/applications/":  # every row of the user's scope is on the one page
        assert shown(html) == access.visible(IntentApplication, user(request, who)).count()


@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a"])
@pytest.mark.parametrize("url", ["/centers/", "/centers/?state=operating"])
def test_center_list_queries_do_not_grow_with_rows(request, client, rows, who, url):
    client.force_login(user(request, who))
    html = assert_constant(client, url, rows)
    if url == "/centers/":
        assert shown(html) == access.visible(Center, user(request, who)).count()


@pytest.mark.parametrize("who", WHO)
def test_dashboard_queries_do_not_grow_with_rows(request, client, rows, who):
    client.force_login(user(request, who))
    assert_constant(client, "/", rows)
