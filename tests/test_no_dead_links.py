"""No dead links: every link on the pages a user is shown opens (200 or a redirect), never 403, 404
or 500, for each role of the demo (expert1, unit_a, chengdu, jxt, kjt); and the menu shows only the
lists that can hold something for the user (portal/menu.py).

The world: unit_a's center (supervised by chengdu) with three filed annual reports and its
evaluation under expert review by expert1–3; unit_a's applications under review and approved
(expert1 and expert2 reviewed them); unit_b's application approved by jxt's recommendation, whose
approval notice is copied to expert1's university — expert1 sees the notice, not the application.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import Organization
from applications.models import IntentApplication
from centers.models import Center, ChangeRequest
from evaluations.models import Evaluation
from notices.models import Kind, Notice
from portal.menu import menu_items
from reports.models import AnnualReport
from sctic import access
from sctic.demo import advance as advance_application
from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory
from tests.test_art22_evaluation import CENTER_NAME, INDEX, advance, file_reports, make_center, open_round

pytestmark = pytest.mark.django_db

ROLES = ["expert1", "unit_a", "chengdu", "jxt", "kjt"]
# The lists of the menu and what they list.
LISTS = {
    "applications": IntentApplication,
    "centers": Center,
    "reports": AnnualReport,
    "changes": ChangeRequest,
    "evaluations": Evaluation,
    "notices": Notice,
}
MENUS = {
    "expert1": ["dashboard", "applications", "evaluations", "notices"],
    "unit_a": ["dashboard", *LISTS],
    "chengdu": ["dashboard", *LISTS],
    "jxt": ["dashboard", *LISTS],
    "kjt": ["dashboard", *LISTS, "experts"],
}
SKIP = ("/admin/", "/static/")  # Django's admin and static files are not the portal's pages


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links(url: str, html: str) -> list[str]:
    """The portal pages ``html`` (at ``url``) links to, as path and query."""
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        parts = urlsplit(urljoin(url, href))
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        if not parts.path.startswith("/") or parts.path.startswith(SKIP):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client, start: list[str], depth: int = 2) -> dict[str, tuple[str, int]]:
    """Open ``start`` and every link on them, ``depth`` links deep: {url: (linked from, status)}.
    Pages that differ only in their query string (sorting, filters, pages) are opened but their
    links not followed again."""
    seen = dict.fromkeys(start, ("start", None))
    expanded = set()
    frontier = list(start)
    for level in range(depth + 1):
        following = []
        for url in frontier:
            response = client.get(url)
            seen[url] = (seen[url][0], response.status_code)
            path = url.split("?")[0]
            html = response.status_code == 200 and "text/html" in response.get("Content-Type", "")
            if level == depth or not html or path in expanded:
                continue
            expanded.add(path)
            for link in links(url, response.content.decode()):
                if link not in seen:
                    seen[link] = (url, None)
                    following.append(link)
        frontier = following
    return seen


def build_world(*, unit_a, unit_b, chengdu, jxt, kjt, experts, make_application) -> dict:
    """The objects of the module docstring, by their role in it."""
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    reports = file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    evaluation = open_round(kjt).evaluations.get(center=center)
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    reviewed = make_application("under_review")
    make_application("approved")
    other = advance_application(
        ApplicationFactory(lead_unit=unit_b.organization, supervisor=jxt.organization, created_by=unit_b),
        "approved",
        applicant=unit_b,
        supervisor=jxt,
        department=kjt,
        experts=experts[1:],
    )
    approval = Notice.objects.get(
        content_type=ContentType.objects.get_for_model(other), object_id=other.pk, kind=Kind.APPROVAL
    )
    approval.copy_orgs.add(experts[0].organization)
    return {
        "center": center,
        "report": reports[-1],
        "evaluation": evaluation,
        "application": reviewed,
        "other_application": other,
        "notice": approval,
    }


@pytest.fixture
def world(unit_a, unit_b, chengdu, jxt, kjt, experts, make_application):
    return build_world(
        unit_a=unit_a,
        unit_b=unit_b,
        chengdu=chengdu,
        jxt=jxt,
        kjt=kjt,
        experts=experts,
        make_application=make_application,
    )


def person(request, who):
    return request.getfixturevalue("experts")[0] if who == "expert1" else request.getfixturevalue(who)


@pytest.mark.parametrize("who", ROLES)
def test_every_link_a_user_is_shown_opens(request, client, world, who):
    user = person(request, who)
    client.force_login(user)
    start = ["/", *(item.url for item in menu_items(user)), "/messages/"]
    seen = crawl(client, list(dict.fromkeys(start)))
    dead = {url: where for url, where in seen.items() if where[1] not in (200, 302)}
    assert not dead, f"{who} is shown links that do not open: " + "; ".join(
        f"{url} ({status}, on {page})" for url, (page, status) in dead.items()
    )
    assert len(seen) > 10, "the crawl found hardly any link"


@pytest.mark.parametrize("who", ROLES)
def test_menu_shows_the_lists_the_user_has(request, client, world, who):
    user = person(request, who)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert [item.key for item in menu_items(user)] == MENUS[who]
    for key in MENUS[who]:
        assert f'data-menu="{key}"' in html
    for key, model in LISTS.items():
        if key not in MENUS[who]:
            assert f'data-menu="{key}"' not in html
            assert not access.visible(model, user).exists(), f"{who} has {key} but no menu item for them"


def test_an_expert_without_an_organization_has_no_notices(experts):
    expert = experts[0]
    expert.organization = None
    assert [item.key for item in menu_items(expert)] == ["dashboard", "applications", "evaluations"]


def test_a_user_without_a_role_has_the_dashboard_and_the_notices_of_the_organization(db):
    user = UserFactory(organization=OrganizationFactory(kind=Organization.Kind.UNIT))
    assert [item.key for item in menu_items(user)] == ["dashboard", "notices"]
    user.organization = None
    assert [item.key for item in menu_items(user)] == ["dashboard"]


def test_staff_have_the_administration(kjt):
    kjt.is_staff = True
    assert [item.key for item in menu_items(kjt)][-1] == "admin"


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/", "dashboard"),
        ("/centers/", "centers"),
        ("/centers/7/", "centers"),
        ("/centers/7/changes/new/", "centers"),
        ("/changes/3/", "changes"),
        ("/messages/", None),
    ],
)
def test_the_menu_marks_the_page_the_user_is_on(kjt, path, active):
    assert [item.key for item in menu_items(kjt, path) if item.active] == ([active] if active else [])


def test_the_active_item_is_announced_as_the_current_page(client, kjt):
    client.force_login(kjt)
    html = client.get("/centers/").content.decode()
    assert 'href="/centers/" data-menu="centers" aria-current="page"' in html
    assert 'data-menu="reports" aria-current' not in html
