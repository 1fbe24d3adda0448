"""Finding things: the search box of every list (``?q=``) and the header search (``/search/``).

A row is found by its reference (SQ2026-0011 or 0011), its document number (川科高〔2026〕12号, also
typed with [] () （） 【】), its center's name or former name, its unit's name and their credit codes;
every word must match; nobody finds what they may not see; the Excel export follows the search; the
query count does not grow with the rows; hostile input neither fails nor reaches the page unescaped.
"""

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centers.models import CenterHistory, ChangeRequest
from notices.models import Kind, Notice
from portal.views import HITS_PER_KIND
from reports.models import AnnualReport
from sctic.search import MAX_LENGTH, clean, terms
from tests.factories import ApplicationFactory, CenterFactory, OrganizationFactory
from tests.test_exports import CENTER_NAME, export_as, zh  # noqa: F401  (export_as is a fixture)
from tests.test_queries import assert_constant, rows  # noqa: F401  (rows is a fixture)

pytestmark = pytest.mark.django_db

LISTS = ["/applications/", "/centers/", "/reports/", "/changes/", "/evaluations/", "/notices/"]
RAIL = "四川省轨道交通装备技术创新中心"
RAIL_FORMER = "四川省城轨装备技术创新中心"
SENSOR = "四川省智能传感技术创新中心"


def ids(html: str, kind: str) -> set[int]:
    """The rows of ``kind`` (applications, centers, reports, changes, notices) a page links to."""
    return {int(pk) for pk in re.findall(rf'href="/{kind}/(\d+)/"', html)}


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


@pytest.fixture
def world(unit_a, unit_b, chengdu, mianyang, kjt):
    """unit_a's rail center (supervised by chengdu, once under another name) with a report, an
    application and a change request; unit_b's sensor center with a report and an application;
    notices 12 and 13 of 2026, to unit_a and to unit_b."""
    rail = CenterFactory(name=RAIL, lead_unit=unit_a.organization, supervisor=chengdu.organization)
    sensor = CenterFactory(name=SENSOR, lead_unit=unit_b.organization, supervisor=mianyang.organization)
    CenterHistory.objects.create(
        center=rail,
        kind=ChangeRequest.Kind.NAME,
        old_value=RAIL_FORMER,
        new_value=RAIL,
        effective_on=date(2025, 6, 1),
    )
    reports = {
        c.pk: AnnualReport.objects.create(center=c, year=2025, due_date=date(2026, 3, 31))
        for c in (rail, sensor)
    }
    change = ChangeRequest.objects.create(
        center=rail,
        kind=ChangeRequest.Kind.DIRECTOR,
        proposed_value="王立新",
        reason="原主任退休。",
        created_by=unit_a,
        state=ChangeRequest.State.SUBMITTED,
    )
    app_a = ApplicationFactory(
        lead_unit=unit_a.organization, supervisor=chengdu.organization, created_by=unit_a, state="submitted"
    )
    app_b = ApplicationFactory(
        lead_unit=unit_b.organization, supervisor=mianyang.organization, created_by=unit_b, state="submitted"
    )
    notices = {}
    for sequence, center, orgs in (
        (12, rail, [unit_a.organization, chengdu.organization]),
        (13, sensor, [unit_b.organization, mianyang.organization]),
    ):
        notice = Notice.objects.create(
            kind=Kind.APPROVAL,
            title=f"四川省科学技术厅关于同意建设{center.name}的批复",
            addressees="，".join(o.name for o in orgs),
            body="同意建设。",
            issuer=kjt.organization,
            created_by=kjt,
            state=Notice.State.ISSUED,
            prefix="川科高",
            year=2026,
            sequence=sequence,
            number=f"川科高〔2026〕{sequence}号",
            issue_date=timezone.localdate(),
        )
        notice.addressee_orgs.set(orgs)
        notices[sequence] = notice
    return {
        "rail": rail,
        "sensor": sensor,
        "reports": reports,
        "change": change,
        "app_a": app_a,
        "app_b": app_b,
        "notices": notices,
    }


# --- references and document numbers --------------------------------------------------------------


def test_an_application_is_found_by_its_full_reference_in_any_case(client, world, kjt):
    client.force_login(kjt)
    app_a = world["app_a"]
    assert re.fullmatch(r"SQ\d{4}-\d{4,}", app_a.reference)

    for typed in (app_a.reference, app_a.reference.lower(), app_a.reference.removeprefix("SQ")):
        assert ids(page(client, "/applications/", q=typed), "applications") == {app_a.pk}, typed


def test_an_application_is_found_by_the_number_part_of_its_reference(client, world, kjt):
    client.force_login(kjt)
    app_a = world["app_a"]
    number = app_a.reference.split("-")[1]  # "0011"

    assert app_a.pk in ids(page(client, "/applications/", q=number), "applications")


def test_a_reference_of_another_year_finds_nothing(client, world, kjt):
    client.force_login(kjt)
    app_a = world["app_a"]
    other_year = f"SQ{app_a.created_at.year - 1}-{app_a.pk:04d}"

    assert ids(page(client, "/applications/", q=other_year), "applications") == set()


def test_a_center_is_found_by_the_reference_of_its_application(client, world, kjt, make_application):
    approved = make_application("approved")
    client.force_login(kjt)

    found = ids(page(client, "/centers/", q=approved.reference), "centers")

    assert found == {approved.center.pk}


@pytest.mark.parametrize(
    "typed",
    [
        "川科高〔2026〕12号",
        "川科高[2026]12号",
        "川科高(2026)12号",
        "川科高（2026）12号",
        "川科高【2026】12号",
        "〔2026〕12号",
    ],
)
def test_a_notice_is_found_by_its_document_number_with_any_brackets(client, world, kjt, typed):
    client.force_login(kjt)

    assert ids(page(client, "/notices/", q=typed), "notices") == {world["notices"][12].pk}


def test_a_notice_is_found_by_its_verification_code(client, world, kjt):
    client.force_login(kjt)
    notice = world["notices"][13]

    assert ids(page(client, "/notices/", q=notice.code), "notices") == {notice.pk}


# --- names, former names, units and credit codes ----------------------------------------------------


def test_a_center_and_its_rows_are_found_by_a_former_name(client, world, kjt):
    client.force_login(kjt)
    rail = world["rail"]

    assert ids(page(client, "/centers/", q="城轨装备"), "centers") == {rail.pk}
    assert ids(page(client, "/reports/", q="城轨装备"), "reports") == {world["reports"][rail.pk].pk}
    assert ids(page(client, "/changes/", q="城轨装备"), "changes") == {world["change"].pk}


def test_rows_are_found_by_their_units_name(client, world, kjt, unit_a_org):
    client.force_login(kjt)
    rail = world["rail"]
    unit = unit_a_org.name[:8]  # 成都天府轨道交通

    assert ids(page(client, "/centers/", q=unit), "centers") == {rail.pk}
    assert ids(page(client, "/applications/", q=unit), "applications") == {world["app_a"].pk}
    assert ids(page(client, "/reports/", q=unit), "reports") == {world["reports"][rail.pk].pk}
    assert ids(page(client, "/changes/", q=unit), "changes") == {world["change"].pk}


def test_rows_are_found_by_credit_codes_in_either_case(client, world, kjt, unit_b_org):
    client.force_login(kjt)
    rail, sensor = world["rail"], world["sensor"]

    assert ids(page(client, "/centers/", q=rail.credit_code.lower()), "centers") == {rail.pk}
    assert ids(page(client, "/centers/", q=unit_b_org.credit_code), "centers") == {sensor.pk}
    assert ids(page(client, "/applications/", q=unit_b_org.credit_code), "applications") == {
        world["app_b"].pk
    }
    assert ids(page(client, "/reports/", q=sensor.credit_code), "reports") == {world["reports"][sensor.pk].pk}


def test_every_word_must_match(client, world, kjt):
    client.force_login(kjt)

    assert ids(page(client, "/centers/", q="四川省 轨道"), "centers") == {world["rail"].pk}
    assert ids(page(client, "/centers/", q="轨道 传感"), "centers") == set()
    assert ids(page(client, "/centers/", q="  四川省   "), "centers") == {
        world["rail"].pk,
        world["sensor"].pk,
    }


def test_search_never_widens_the_scope(client, world, unit_b):
    """unit_b typing unit_a's center name, credit code or reference finds nothing of it."""
    client.force_login(unit_b)
    rail = world["rail"]

    for typed in (RAIL, RAIL_FORMER, rail.credit_code, world["app_a"].reference):
        assert ids(page(client, "/centers/", q=typed), "centers") == set(), typed
        assert ids(page(client, "/applications/", q=typed), "applications") == set(), typed
        assert ids(page(client, "/reports/", q=typed), "reports") == set(), typed
        html = page(client, "/search/", q=typed)
        assert not any(ids(html, kind) for kind in ("applications", "centers", "reports", "notices")), typed
    assert ids(page(client, "/notices/", q="川科高〔2026〕12号"), "notices") == set()


def test_the_search_and_the_filters_combine(client, world, kjt, chengdu_org, mianyang_org):
    client.force_login(kjt)

    assert ids(page(client, "/centers/", q="四川省", supervisor=chengdu_org.pk), "centers") == {
        world["rail"].pk
    }
    assert ids(page(client, "/centers/", q="轨道", supervisor=mianyang_org.pk), "centers") == set()


def test_the_search_box_shows_what_was_searched_and_opens_no_filter_panel(client, world, kjt):
    client.force_login(kjt)

    html = page(client, "/centers/", q="轨道")

    assert 'name="q" id="id_q" value="轨道"' in html
    assert '<details class="card card-body filters">' in html  # closed: q is not a filter
    assert '<details class="card card-body filters" open>' in page(client, "/centers/", state="operating")


# --- the Excel export follows the search ----------------------------------------------------------


def test_the_export_holds_the_searched_rows_only(world, export_as, kjt):  # noqa: F811
    _export, exported = export_as(kjt, "centers", urlencode({"q": "城轨装备"}))

    assert [row[zh(CENTER_NAME)] for row in exported] == [RAIL]


# --- the header search ----------------------------------------------------------------------------


def test_the_header_search_is_in_the_menu_of_every_page_with_a_label(client, world, kjt):
    client.force_login(kjt)

    for url in ["/", *LISTS, world["rail"].get_absolute_url()]:
        html = page(client, url)
        menu = html.index('id="nav"')
        form = html.index('<form class="header-search')
        assert menu < form < html.index("</nav>"), url  # inside the collapsing menu: phones have it
        assert 'action="/search/"' in html[form : form + 200]
        assert '<label class="visually-hidden" for="header-q">' in html


def test_the_header_search_groups_hits_per_kind_and_links_to_each_list(client, world, kjt):
    client.force_login(kjt)
    rail = world["rail"]

    html = page(client, "/search/", q="轨道交通")

    assert ids(html, "centers") == {rail.pk}
    assert ids(html, "reports") == {world["reports"][rail.pk].pk}
    assert ids(html, "applications") == {world["app_a"].pk}  # its lead unit is 成都天府轨道交通…
    assert ids(html, "notices") == {world["notices"][12].pk}
    for kind in ("applications", "centers", "reports", "notices"):
        assert f'data-kind="{kind}"' in html
        assert f'href="/{kind}/?{urlencode({"q": "轨道交通"})}"' in html
    assert 'id="header-q" name="q" value="轨道交通"' in html


def test_the_header_search_shows_a_few_hits_of_a_kind_and_counts_them_all(client, kjt, unit_a, chengdu):
    for i in range(HITS_PER_KIND + 2):
        CenterFactory(
            name=f"四川省限量{i}号技术创新中心",
            lead_unit=unit_a.organization,
            supervisor=chengdu.organization,
        )
    client.force_login(kjt)

    html = page(client, "/search/", q="限量")

    assert len(ids(html, "centers")) == HITS_PER_KIND
    assert f'data-total="{HITS_PER_KIND + 2}"' in html
    assert len(ids(page(client, "/centers/", q="限量"), "centers")) == HITS_PER_KIND + 2


def test_the_header_search_without_a_query_only_explains(client, world, kjt):
    client.force_login(kjt)

    html = page(client, "/search/")

    assert "data-kind=" not in html
    assert "SQ2026-0011" in html


def test_the_header_search_needs_a_login(client, world):
    response = client.get("/search/", {"q": "轨道"})

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- hostile input ----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    "\x00",
    "轨道\x00交通",
    "x" * 10_000,
    "轨" * 10_000,
    "%",
    "_",
    "%_%",
    ".*",
    "[a-z]+$",
    "\\",
    "' OR 1=1 --",
    SCRIPT,
    "川科高〔" + "9" * 50 + "〕1号",
    "SQ2026-" + "9" * 40,
]


@pytest.mark.parametrize("url", [*LISTS, "/search/"])
@pytest.mark.parametrize("typed", HOSTILE, ids=lambda t: repr(t[:12]))
def test_hostile_search_input_neither_fails_nor_reaches_the_page_raw(client, world, kjt, url, typed):
    client.force_login(kjt)

    html = page(client, url, q=typed)

    assert SCRIPT not in html
    assert "\x00" not in html
    if typed == SCRIPT:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("typed", ["%", "_", "%_%", ".*", "\\"])
def test_like_and_regex_characters_match_only_themselves(client, world, kjt, typed):
    client.force_login(kjt)

    for url, kind in (("/centers/", "centers"), ("/applications/", "applications")):
        assert ids(page(client, url, q=typed), kind) == set(), (url, typed)
    # A verification code is URL-safe base64: it may hold a "_" itself.
    holding = {n.pk for n in world["notices"].values() if typed in n.code}
    assert ids(page(client, "/notices/", q=typed), "notices") == holding


def test_the_query_is_cleaned_before_it_is_searched():
    assert clean("  轨道\x00交通\t\n ") == "轨道 交通"
    assert len(clean("x" * 10_000)) == MAX_LENGTH
    assert terms("a b c d e f g") == ["a", "b", "c", "d", "e"]


# --- PostgreSQL: trigram similarity for Latin names, exact for Chinese and identifiers ----------------


@pytest.fixture
def latin(unit_a, chengdu):
    return CenterFactory(
        name="四川省拉丁名称技术创新中心",
        lead_unit=OrganizationFactory(name="Chengdu Tianfu Rail Transit Institute"),
        supervisor=chengdu.organization,
    )


@pytest.mark.postgres
def test_on_postgresql_a_misspelt_latin_name_is_still_found(client, latin, kjt):
    client.force_login(kjt)

    assert ids(page(client, "/centers/", q="Tianfu Rail Transt"), "centers") == {latin.pk}
    assert ids(page(client, "/centers/", q="Institue"), "centers") == {latin.pk}


def test_without_postgresql_the_search_is_a_plain_substring_match(client, latin, kjt, monkeypatch):
    """The fallback of SQLite (``make run``), tried on any database by taking PostgreSQL's path away."""
    monkeypatch.setattr("sctic.search.is_postgresql", lambda queryset: False)
    client.force_login(kjt)

    assert ids(page(client, "/centers/", q="Tianfu Rail Transit"), "centers") == {latin.pk}
    assert ids(page(client, "/centers/", q="Tianfu Rail Transt"), "centers") == set()


def test_a_chinese_name_never_matches_a_near_miss(client, kjt, unit_a, chengdu):
    """查询001 and 查询002 share most trigrams, but they are two centers."""
    first = CenterFactory(
        name="四川省查询001技术创新中心", lead_unit=unit_a.organization, supervisor=chengdu.organization
    )
    CenterFactory(
        name="四川省查询002技术创新中心", lead_unit=unit_a.organization, supervisor=chengdu.organization
    )
    client.force_login(kjt)

    assert ids(page(client, "/centers/", q="四川省查询001技术创新中心"), "centers") == {first.pk}


def test_a_credit_code_never_matches_a_near_miss(client, world, kjt):
    client.force_login(kjt)
    rail = world["rail"]
    near = rail.credit_code[:-3] + ("000" if not rail.credit_code.endswith("000") else "111")

    assert ids(page(client, "/centers/", q=near), "centers") == set()


def test_a_number_never_matches_a_near_miss(client, kjt, chengdu):
    """20260011 and 20260012 are trigram-similar; a number is looked for as written."""
    center = CenterFactory(
        name="四川省编号技术创新中心",
        lead_unit=OrganizationFactory(name="Chengdu Lab 20260012"),
        supervisor=chengdu.organization,
    )
    client.force_login(kjt)

    assert ids(page(client, "/centers/", q="20260011"), "centers") == set()
    assert ids(page(client, "/centers/", q="20260012"), "centers") == {center.pk}


@pytest.mark.postgres
def test_on_postgresql_the_header_search_puts_the_closest_name_first(client, kjt, unit_a, chengdu):
    names = ["四川省先进轨道交通装备与智能运维技术创新中心", "四川省轨道交通技术创新中心"]
    made = [
        CenterFactory(name=n, lead_unit=unit_a.organization, supervisor=chengdu.organization) for n in names
    ]
    client.force_login(kjt)

    html = page(client, "/search/", q="四川省轨道交通技术创新中心")

    order = [int(pk) for pk in re.findall(r'href="/centers/(\d+)/"', html)]
    assert order == [made[1].pk]  # the longer name does not contain the query: not a hit at all
    html = page(client, "/search/", q="轨道交通")
    order = [int(pk) for pk in re.findall(r'href="/centers/(\d+)/"', html)]
    assert order == [made[1].pk, made[0].pk]  # the shorter name is closer


# --- query counts -------------------------------------------------------------------------------------


@pytest.fixture
def one_page(settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.mark.parametrize(
    "url", ["/centers/?q=查询", "/applications/?q=四川省 测试", "/centers/?q=查询&o=-lead_unit"]
)
def test_a_searched_list_costs_the_same_queries_at_5_and_50_rows(client, one_page, rows, kjt, url):  # noqa: F811
    client.force_login(kjt)
    assert_constant(client, url, rows)


def test_the_header_search_costs_the_same_queries_at_5_and_50_rows(client, rows, kjt):  # noqa: F811
    client.force_login(kjt)
    url = "/search/?q=查询"
    rows(5)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        html_few = page(client, url)
    rows(45)
    with CaptureQueriesContext(connection) as many:
        html_many = page(client, url)

    assert len(few) == len(many), "\n".join(q["sql"] for q in many.captured_queries)
    assert 'data-total="5"' in html_few and 'data-total="50"' in html_many
