"""The annual-report list and the dashboards with a reporting season (Art. 19) cost a constant
number of queries, whatever the number of centers (STYLE.md); the SQL is printed when they do not."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.regions import Region
from reports.demo import figures
from reports.models import AnnualReport, ReportingSeason
from sctic.choices import TechnologyField
from tests.factories import CenterFactory, OrganizationFactory
from tests.test_art19_reports import NARRATIVE

pytestmark = pytest.mark.django_db

S = AnnualReport.State
STATES = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.SUPERVISOR_APPROVED, S.FILED]
REGIONS = [Region.CHENGDU, Region.MIANYANG, Region.DEYANG]
FIELDS = [TechnologyField.EQUIPMENT_MANUFACTURING, TechnologyField.ADVANCED_MATERIALS]
YEAR = 2025


@pytest.fixture(autouse=True)
def _one_page(settings):
    """A page large enough that all 50 rows are drawn."""
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.fixture
def centers(unit_a, chengdu, mianyang, kjt):
    """``centers(n)`` adds ``n`` centers (unit_a's or another unit's, supervised by chengdu or
    mianyang, in three regions and two fields), each with its report of the open season in one of
    the states, and a filed report of the year before."""
    season = ReportingSeason.objects.create(year=YEAR, due_date=date(YEAR + 1, 3, 31), opened_by=kjt)
    ReportingSeason.objects.create(year=YEAR - 1, due_date=date(YEAR, 3, 31), opened_by=kjt)
    counter = {"n": 0}

    def add(n):
        for _ in range(n):
            i = counter["n"] = counter["n"] + 1
            lead = (
                unit_a.organization
                if i % 2
                else OrganizationFactory(name=f"报告查询单位{i:03d}", region=REGIONS[i % len(REGIONS)])
            )
            center = CenterFactory(
                name=f"四川省报告查询{i:03d}技术创新中心",
                lead_unit=lead,
                supervisor=(chengdu if i % 3 else mianyang).organization,
                technology_field=FIELDS[i % len(FIELDS)],
            )
            AnnualReport.objects.create(
                center=center,
                year=YEAR - 1,
                due_date=date(YEAR, 3, 31),
                state=S.FILED,
                **NARRATIVE,
                **figures(i % 5, YEAR - 1),
            )
            AnnualReport.objects.create(
                center=center,
                year=YEAR,
                season=season,
                # some were given more time (not overdue), the others are due as the season says
                due_date=season.due_date if i % 4 else timezone.localdate() + timedelta(days=30),
                state=STATES[i % len(STATES)],
                **NARRATIVE,
                **figures(i % 5, YEAR),
            )

    return add


def count_queries(client, url) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


def shown(html: str) -> int:
    """How many reports and centers the page links to."""
    return len(set(re.findall(r'href="/((?:reports|centers)/\d+)/"', html)))


def assert_constant(client, url, centers):
    centers(5)
    client.get(url)  # warm caches (content types, sessions) so that both counts see the same
    few, few_sql, few_html = count_queries(client, url)
    centers(45)
    many, many_sql, many_html = count_queries(client, url)
    if few != many:
        print(f"\n--- {url}: {few} queries with 5 centers ---")
        print("\n".join(few_sql))
        print(f"\n--- {url}: {many} queries with 50 centers ---")
        print("\n".join(many_sql))
    assert few == many, f"{url}: {few} queries with 5 centers, {many} with 50 (SQL printed above)"
    assert shown(many_html) > shown(few_html) > 0, "the rows were not drawn"
    return many_html


@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        f"/reports/?year={YEAR}&region={Region.CHENGDU}",
        "/reports/?overdue=true",
        f"/reports/?state=filed&technology_field={FIELDS[1].value}",
    ],
)
@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a"])
def test_report_list_queries_do_not_grow_with_centers(request, client, centers, who, url):
    client.force_login(request.getfixturevalue(who))
    assert_constant(client, url, centers)


def test_department_dashboard_queries_do_not_grow_with_centers(client, centers, kjt):
    client.force_login(kjt)
    html = assert_constant(client, "/", centers)
    assert 'id="season-title"' in html  # the season's progress and the charts are drawn


@pytest.mark.parametrize("who", ["chengdu", "unit_a"])
def test_dashboard_queries_do_not_grow_with_centers(request, client, centers, who):
    client.force_login(request.getfixturevalue(who))
    assert_constant(client, "/", centers)


def test_seasons_page_queries_do_not_grow_with_centers(client, centers, kjt):
    client.force_login(kjt)
    centers(5)
    client.get("/reports/seasons/")
    few, few_sql, _html = count_queries(client, "/reports/seasons/")
    centers(45)
    many, many_sql, _html = count_queries(client, "/reports/seasons/")
    if few != many:
        print("\n".join(few_sql), "\n---\n", "\n".join(many_sql))
    assert few == many


def test_report_page_queries_do_not_grow_with_earlier_years(client, unit_a, chengdu):
    center = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
    client.force_login(unit_a)

    def add_years(years):
        for year in years:
            AnnualReport.objects.create(
                center=center, year=year, due_date=date(year + 1, 3, 31), **NARRATIVE, **figures(0, year)
            )

    add_years([2025, 2024])
    url = AnnualReport.objects.get(center=center, year=2025).get_absolute_url()
    client.get(url)
    few, few_sql, _html = count_queries(client, url)
    add_years([2023, 2022, 2021, 2020])
    many, many_sql, html = count_queries(client, url)
    if few != many:
        print("\n".join(few_sql), "\n---\n", "\n".join(many_sql))
    assert few == many
    assert ">2021</th>" in html
