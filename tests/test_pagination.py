"""Pages of a list (defect 10): a page past the end shows the last page, as an old link does after
rows went away; a page that is not a number shows the first; never a 404 or a 500."""

import re

import pytest

from tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

LISTS = ["/applications/", "/centers/", "/reports/", "/changes/", "/evaluations/", "/notices/"]


@pytest.fixture
def five(settings, unit_a, chengdu):
    """Five centers, two a page: pages 1, 2 and 3 (with one)."""
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 2}
    return [
        CenterFactory(
            name=f"四川省分页{i}号技术创新中心",
            lead_unit=unit_a.organization,
            supervisor=chengdu.organization,
        )
        for i in range(1, 6)
    ]


def shown(client, **params) -> tuple[list[str], str]:
    response = client.get("/centers/", params)
    assert response.status_code == 200, params
    html = response.content.decode()
    names = re.findall(r">(四川省分页\d号技术创新中心)</a>", html)
    where = re.search(r'<span class="page-link">([^<]*)</span>', html)
    return names, where[1] if where else ""


@pytest.mark.parametrize("page", ["4", "99", "2147483648", "9" * 5000])
def test_a_page_past_the_end_shows_the_last_page(client, kjt, five, page):
    client.force_login(kjt)

    names, where = shown(client, page=page)

    assert names == ["四川省分页5号技术创新中心"]
    assert where == shown(client, page="3")[1]


@pytest.mark.parametrize("page", ["abc", "", "0", "-1", "1.5", "\x00", "<script>"])
def test_a_page_that_is_not_a_page_number_shows_the_first(client, kjt, five, page):
    client.force_login(kjt)

    names, _where = shown(client, page=page)

    assert names == ["四川省分页1号技术创新中心", "四川省分页2号技术创新中心"]


def test_last_shows_the_last_page(client, kjt, five):
    client.force_login(kjt)

    assert shown(client, page="last")[0] == ["四川省分页5号技术创新中心"]


def test_a_page_past_the_end_of_a_search_shows_its_last_page(client, kjt, five):
    client.force_login(kjt)

    names, _where = shown(client, q="分页", o="-name", page="50")

    assert names == ["四川省分页1号技术创新中心"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", ["999", "x", "-5"])
def test_no_list_answers_a_bad_page_with_an_error(client, kjt, five, url, page):
    client.force_login(kjt)

    assert client.get(url, {"page": page}).status_code == 200


def test_the_pagination_links_keep_the_search_filters_and_sort(client, kjt, five):
    client.force_login(kjt)

    html = client.get(
        "/centers/", {"q": "分页", "state": "operating", "o": "-name", "page": "2"}
    ).content.decode()

    links = re.findall(r'<a class="page-link" href="\?([^"]*)">', html)
    assert links == [
        "q=%E5%88%86%E9%A1%B5&amp;state=operating&amp;o=-name&amp;page=1",
        "q=%E5%88%86%E9%A1%B5&amp;state=operating&amp;o=-name&amp;page=3",
    ]
