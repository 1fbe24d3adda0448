"""Sortable columns on every list (``?o=key`` / ``?o=-key``, django-filter's OrderingFilter): header
links that turn the order round and say it with ``aria-sort``, kept by the search, the filters, the
pages and the Excel export; an unknown key is ignored; the query count stays constant."""

import re
from html import unescape
from urllib.parse import parse_qs, urlencode

import pytest

from evaluations.models import Evaluation
from tests.factories import CenterFactory, OrganizationFactory
from tests.test_evaluation_pages import round_of_four  # noqa: F401  (fixture)
from tests.test_exports import CENTER_NAME, export_as, zh  # noqa: F401  (export_as is a fixture)
from tests.test_queries import assert_constant, rows  # noqa: F401  (rows is a fixture)

pytestmark = pytest.mark.django_db

# Each list with the sort keys of its columns.
KEYS = {
    "/applications/": ["name", "lead_unit", "region", "field", "supervisor", "state", "updated"],
    "/centers/": ["name", "lead_unit", "region", "field", "supervisor", "state", "cycle"],
    "/reports/": ["center", "year", "region", "supervisor", "state", "due"],
    "/changes/": ["center", "kind", "supervisor", "state", "updated"],
    "/evaluations/": ["center", "round", "region", "state", "total", "grade"],
    "/notices/": ["number", "title", "kind", "issued", "state"],
}
NAMES = [
    "四川省乙技术创新中心",
    "四川省甲技术创新中心",
    "四川省丙技术创新中心",
    "四川省丁技术创新中心",
    "四川省戊技术创新中心",
]


def center_order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<td data-label="[^"]*"><a href="/centers/(\d+)/">', html)]


def header(html: str, key: str) -> str:
    match = re.search(rf'<th scope="col" data-sort="{key}"[^>]*>.*?</th>', html)
    assert match, f"no sortable header {key!r}"
    return match[0]


def link_params(th: str) -> dict[str, list[str]]:
    href = re.search(r'href="\?([^"]*)"', th)[1]
    return parse_qs(unescape(href))


@pytest.fixture
def centers(unit_a, unit_b, chengdu, mianyang):
    """Five centers with lead units named in the reverse order of the center names."""
    made = []
    for i, name in enumerate(NAMES):
        unit, bureau = (unit_a, chengdu) if i % 2 == 0 else (unit_b, mianyang)
        lead = OrganizationFactory(name=f"排序测试单位{9 - i}", region=unit.organization.region)
        made.append(CenterFactory(name=name, lead_unit=lead, supervisor=bureau.organization))
    return made


def by(centers, attr, reverse=False) -> list[int]:
    """The order asked for; ties in the list's own order (centers: by name)."""
    by_name = sorted(centers, key=lambda c: c.name)
    return [c.pk for c in sorted(by_name, key=attr, reverse=reverse)]  # stable either way


# --- every column of every list ------------------------------------------------------------------


@pytest.mark.parametrize(("url", "key"), [(url, key) for url, keys in KEYS.items() for key in keys])
def test_every_column_sorts_both_ways(client, kjt, centers, url, key):
    client.force_login(kjt)

    for value in (key, f"-{key}"):
        response = client.get(url, {"o": value})
        assert response.status_code == 200, value
        html = response.content.decode()
        th = header(html, key)
        assert f'aria-sort="{"descending" if value.startswith("-") else "ascending"}"' in th
        assert link_params(th)["o"] == [key if value.startswith("-") else f"-{key}"]  # a click turns it round
        assert html.count("aria-sort=") == 1  # only the sorted column says it is sorted


@pytest.mark.parametrize(
    ("key", "attr"),
    [
        ("name", lambda c: c.name),
        ("lead_unit", lambda c: c.lead_unit.name),
        ("supervisor", lambda c: c.supervisor.name),
    ],
)
def test_centers_are_listed_in_the_order_asked(client, kjt, centers, key, attr):
    """Two supervisors for five centers: their ties keep the list's order by name."""
    client.force_login(kjt)

    assert center_order(client.get("/centers/", {"o": key}).content.decode()) == by(centers, attr)
    descending = center_order(client.get("/centers/", {"o": f"-{key}"}).content.decode())
    assert descending == by(centers, attr, reverse=True)


def test_without_a_sort_no_column_claims_to_be_sorted(client, kjt, centers):
    client.force_login(kjt)

    html = client.get("/centers/").content.decode()

    assert "aria-sort=" not in html
    assert link_params(header(html, "name"))["o"] == ["name"]


@pytest.mark.parametrize(
    "value",
    [
        "bogus",
        "-",
        "--name",
        "name;DROP TABLE centers_center",
        "lead_unit__credit_code",
        "\x00",
        "x" * 10_000,
        ",,,",
        "pk",
    ],
    ids=lambda v: repr(v[:12]),
)
def test_an_unknown_sort_is_ignored(client, kjt, centers, value):
    client.force_login(kjt)
    default = center_order(client.get("/centers/").content.decode())

    response = client.get("/centers/", {"o": value})

    assert response.status_code == 200
    html = response.content.decode()
    assert center_order(html) == default
    assert "aria-sort=" not in html
    assert 'name="o"' not in html  # nothing unknown is carried on by the filter form


def test_a_known_key_next_to_an_unknown_one_still_sorts(client, kjt, centers):
    client.force_login(kjt)

    html = client.get("/centers/", {"o": "bogus,-name"}).content.decode()

    assert center_order(html) == by(centers, lambda c: c.name, reverse=True)


# --- the sort is kept by the search, the filters, the pages and the export -----------------------------


def test_header_links_keep_the_search_and_filters_but_not_the_page(client, kjt, centers, settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 2}
    client.force_login(kjt)

    html = client.get(
        "/centers/", {"q": "四川省", "state": "operating", "o": "-name", "page": "2"}
    ).content.decode()

    params = link_params(header(html, "lead_unit"))
    assert params == {"q": ["四川省"], "state": ["operating"], "o": ["lead_unit"]}


def test_the_filter_form_and_the_pages_keep_the_sort(client, kjt, centers, settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 2}
    client.force_login(kjt)

    html = client.get("/centers/", {"q": "四川省", "o": "-name"}).content.decode()

    assert '<input type="hidden" name="o" value="-name">' in html
    next_link = re.search(r'<a class="page-link" href="\?([^"]*)">', html)[1]
    assert parse_qs(unescape(next_link)) == {"q": ["四川省"], "o": ["-name"], "page": ["2"]}
    second = client.get(f"/centers/?{unescape(next_link)}").content.decode()
    expected = by(centers, lambda c: c.name, reverse=True)
    assert center_order(html) + center_order(second) == expected[:4]


def test_the_export_follows_the_sort(centers, export_as, kjt):  # noqa: F811
    _export, exported = export_as(kjt, "centers", urlencode({"o": "-name"}))

    assert [row[zh(CENTER_NAME)] for row in exported] == sorted(NAMES, reverse=True)


# --- Art. 24: nobody but 科技厅 learns the running totals from the order ----------------------------


def test_art24_sorting_by_total_does_not_reveal_scores_before_the_grade(client, round_of_four, kjt, unit_b):  # noqa: F811
    """unit_b sees 丙 (graded) and 丁 (pending). 丁's running total, higher than any, orders it first
    for 科技厅; for unit_b it counts as no total yet and comes last."""
    pending = round_of_four.evaluations.get(grade="")
    Evaluation.objects.filter(pk=pending.pk).update(total_score=99)

    def order(user):
        client.force_login(user)
        html = client.get("/evaluations/", {"o": "-total"}).content.decode()
        return [int(pk) for pk in re.findall(r'<a href="/evaluations/(\d+)/">', html)]

    assert order(kjt)[0] == pending.pk
    assert order(unit_b)[-1] == pending.pk
    assert len(order(unit_b)) == 2


# --- query counts ------------------------------------------------------------------------------------


@pytest.fixture
def one_page(settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a"])
@pytest.mark.parametrize(
    "url",
    [
        "/centers/?o=-lead_unit",
        "/centers/?o=cycle",
        "/applications/?o=supervisor",
        "/applications/?o=-updated",
    ],
)
def test_a_sorted_list_costs_the_same_queries_at_5_and_50_rows(request, client, one_page, rows, who, url):  # noqa: F811
    client.force_login(request.getfixturevalue(who))
    assert_constant(client, url, rows)
