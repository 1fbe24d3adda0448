"""The evaluation pages (Art. 21–24): who may open and post what (anonymous → wrong role → other
organization → assigned or unassigned expert → right user), the round page's sortable score
table, grade distribution and Excel export, and query counts that do not grow with the round.

unit_a's center (supervised by chengdu) is in the round; unit_b, mianyang and jxt have nothing in
it; experts[0] is assigned, ``outsider_expert`` is not.
"""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from accounts.regions import Region
from evaluations.models import Evaluation, Grade
from exports.models import Export
from sctic.choices import TechnologyField
from tests.factories import ExpertFactory, OrganizationFactory, UserFactory
from tests.test_art22_evaluation import (
    INDEX,
    NARRATIVES,
    SCORE_FOR,
    advance,
    default_rules,
    file_reports,
    grade,
    make_center,
    open_round,
    submit_scores,
)

pytestmark = pytest.mark.django_db

S = Evaluation.State
LOGIN = "login"  # redirected to the login page


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def center(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name="四川省轨道交通装备技术创新中心")
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return center


@pytest.fixture
def evaluation(center, kjt, unit_a, experts):
    """unit_a's evaluation under expert review by the three experts, nobody has scored yet."""
    evaluation = open_round(kjt).evaluations.get(center=center)
    return advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)


@pytest.fixture
def outsider_expert(db):
    return ExpertFactory(username="expert9")


def person(request, who):
    if who == "assigned_expert":
        return request.getfixturevalue("experts")[0]
    if who == "unassigned_expert":
        return request.getfixturevalue("outsider_expert")
    return request.getfixturevalue(who)


def outcome(response) -> object:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def visit(request, client, who, method, url, data=None):
    if who != "anonymous":
        client.force_login(person(request, who))
    return outcome(getattr(client, method)(url, data or {}))


WHO = [
    "anonymous",
    "unit_b",
    "mianyang",
    "jxt",
    "unassigned_expert",
    "assigned_expert",
    "unit_a",
    "chengdu",
    "kjt",
]


# --- the access matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(WHO, [LOGIN, 404, 404, 404, 404, 200, 200, 200, 200], strict=True),
)
def test_evaluation_page_access(request, client, evaluation, who, expected):
    assert visit(request, client, who, "get", evaluation.get_absolute_url()) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(WHO, [LOGIN, 404, 404, 404, 404, 200, 200, 200, 200], strict=True),
)
def test_round_page_access(request, client, evaluation, who, expected):
    assert visit(request, client, who, "get", evaluation.round.get_absolute_url()) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(WHO, [LOGIN, 200, 200, 200, 200, 200, 200, 200, 200], strict=True),
)
def test_evaluation_list_access_and_scope(request, client, evaluation, who, expected):
    assert visit(request, client, who, "get", "/evaluations/") == expected
    if expected == 200:
        html = client.get("/evaluations/").content.decode()
        sees = who in ("assigned_expert", "unit_a", "chengdu", "kjt")
        assert (evaluation.get_absolute_url() in html) is sees


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", LOGIN), ("unit_a", 403), ("chengdu", 403), ("assigned_expert", 403), ("kjt", 200)],
)
def test_art22_only_the_department_opens_a_round(request, client, db, who, expected):
    assert visit(request, client, who, "get", "/evaluations/rounds/new/") == expected


def test_art22_department_opens_a_round_on_its_page(client, center, kjt):
    client.force_login(kjt)
    response = client.post(
        "/evaluations/rounds/new/",
        {
            "year": 2026,
            "rule_set": default_rules().pk,
            "materials_deadline": "2026-06-15",
            "scoring_deadline": "2026-06-30",
        },
    )
    evaluation = Evaluation.objects.get(center=center)
    assert response.status_code == 302 and response["Location"] == evaluation.round.get_absolute_url()
    response = client.post(
        "/evaluations/rounds/new/",
        {
            "year": 2026,
            "rule_set": evaluation.round.rule_set_id,
            "materials_deadline": "2026-06-15",
            "scoring_deadline": "2026-06-30",
        },
    )
    assert response.status_code == 400
    assert Evaluation.objects.count() == 1


POSTS = {
    # page: the users who may post (302), the others in the round's organizations get 403,
    # everyone outside it 404
    "self-assessment/": {"unit_a"},
    "score/": {"assigned_expert"},
    "findings/": {"kjt"},
    "subsidy/": {"kjt"},
    "attachments/": {"unit_a"},
}


@pytest.mark.parametrize("page", list(POSTS))
@pytest.mark.parametrize("who", WHO)
def test_evaluation_posts_access(request, client, evaluation, page, who):
    data = {
        "self-assessment/": NARRATIVES,
        "score/": {
            "no_conflict_declared": "on",
            **{
                f"score_{i['code']}": 70
                for i in evaluation.round.rules["indicators"]
                if i["method"] == "expert"
            },
        },
        "findings/": {"description": "虚报数据。"},
        "subsidy/": {"amount": "100", "status": "approved"},
        "attachments/": {},
    }[page]
    result = visit(request, client, who, "post", f"{evaluation.get_absolute_url()}{page}", data)
    if who == "anonymous":
        expected = LOGIN
    elif who in ("unit_b", "mianyang", "jxt", "unassigned_expert"):
        expected = 404
    elif who in POSTS[page]:
        expected = 302
    else:
        expected = 403
    assert result == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(WHO, [LOGIN, 404, 404, 404, 404, 403, 403, 403, 200], strict=True),
)
def test_grade_form_page_access(request, client, evaluation, who, expected):
    assert (
        visit(request, client, who, "get", f"{evaluation.get_absolute_url()}transitions/grade/") == expected
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    zip(WHO, [LOGIN, 404, 404, 404, 404, 403, 403, 403, 302], strict=True),
)
def test_round_results_access(request, client, evaluation, who, expected):
    assert visit(request, client, who, "post", f"{evaluation.round.get_absolute_url()}results/") == expected


def test_the_running_total_is_not_shown_to_experts_and_the_center_before_grading(
    client, evaluation, experts, unit_a, kjt
):
    """Art. 24: nobody may influence the evaluation; the experts who have not scored yet and
    the center do not see the total built from the scores already in."""
    submit_scores(evaluation, experts[0], 97)
    evaluation.refresh_from_db()
    total = str(evaluation.total_score)
    assert evaluation.total_score is not None
    for user in (experts[1], unit_a):
        client.force_login(user)
        for url in (evaluation.get_absolute_url(), evaluation.round.get_absolute_url(), "/evaluations/"):
            assert total not in client.get(url).content.decode(), (user, url)
    client.force_login(kjt)
    assert total in client.get(evaluation.round.get_absolute_url()).content.decode()


def test_experts_scores_and_indicator_results_are_for_the_department(
    client, evaluation, experts, unit_a, kjt
):
    for expert in experts:
        submit_scores(evaluation, expert, 80)
    client.force_login(kjt)
    assert 'data-indicator="governance"' in client.get(evaluation.get_absolute_url()).content.decode()
    for user in (unit_a, experts[0]):
        client.force_login(user)
        assert 'data-indicator="governance"' not in client.get(evaluation.get_absolute_url()).content.decode()


# --- the round page -----------------------------------------------------------------------------------


@pytest.fixture
def round_of_four(unit_a, unit_b, chengdu, mianyang, kjt, experts):
    """Four centers in two regions and two fields: excellent, good and fail graded, one pending."""
    names = ["四川省甲技术创新中心", "四川省乙技术创新中心", "四川省丙技术创新中心", "四川省丁技术创新中心"]
    plan = [
        (unit_a, chengdu, TechnologyField.EQUIPMENT_MANUFACTURING, Grade.EXCELLENT),
        (unit_a, chengdu, TechnologyField.ADVANCED_MATERIALS, Grade.GOOD),
        (unit_b, mianyang, TechnologyField.ADVANCED_MATERIALS, Grade.FAIL),
        (unit_b, mianyang, TechnologyField.EQUIPMENT_MANUFACTURING, None),
    ]
    centers = []
    for name, (applicant, supervisor, field, _grade) in zip(names, plan, strict=True):
        center = make_center(
            applicant.organization, supervisor.organization, name=name, technology_field=field
        )
        file_reports(center, applicant=applicant, supervisor=supervisor, department=kjt, index=INDEX)
        centers.append(center)
    evaluation_round = open_round(kjt)
    for center, (applicant, _supervisor, _field, value) in zip(centers, plan, strict=True):
        if value is None:
            continue
        evaluation = evaluation_round.evaluations.get(center=center)
        advance(
            evaluation, "scored", applicant=applicant, department=kjt, experts=experts, score=SCORE_FOR[value]
        )
        grade(evaluation, value, actor=kjt)
    return evaluation_round


def table_order(html) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-evaluation="(\d+)"', html)]


@pytest.mark.parametrize(
    "sort", ["-total", "total", "center", "-center", "grade", "state", "region", "-field"]
)
def test_round_score_table_sorts_by_any_column(client, round_of_four, kjt, sort):
    client.force_login(kjt)
    html = client.get(f"{round_of_four.get_absolute_url()}?sort={sort}").content.decode()
    evaluations = list(round_of_four.evaluations.select_related("center"))
    key = {
        "total": lambda e: e.total_score,
        "center": lambda e: e.center.name,
        "grade": lambda e: e.grade,
        "state": lambda e: e.state,
        "region": lambda e: e.center.region,
        "field": lambda e: e.center.technology_field,
    }[sort.lstrip("-")]
    shown = table_order(html)
    assert sorted(shown) == sorted(e.pk for e in evaluations)
    values = [key(next(e for e in evaluations if e.pk == pk)) for pk in shown]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=sort.startswith("-")), (sort, values)


def test_round_score_table_puts_centers_without_a_total_last(client, round_of_four, kjt):
    client.force_login(kjt)
    for sort in ("-total", "total"):
        shown = table_order(client.get(f"{round_of_four.get_absolute_url()}?sort={sort}").content.decode())
        pending = round_of_four.evaluations.get(state=S.PENDING).pk
        assert shown[-1] == pending, sort


def test_round_score_table_default_is_highest_total_first(client, round_of_four, kjt):
    client.force_login(kjt)
    shown = table_order(client.get(round_of_four.get_absolute_url()).content.decode())
    totals = dict(round_of_four.evaluations.values_list("pk", "total_score"))
    assert [totals[pk] for pk in shown[:3]] == sorted(
        [t for t in totals.values() if t is not None], reverse=True
    )
    html = client.get(f"{round_of_four.get_absolute_url()}?sort=nonsense").content.decode()
    assert table_order(html)[0] == shown[0]


def test_round_page_shows_only_the_users_own_centers(client, round_of_four, unit_b):
    client.force_login(unit_b)
    html = client.get(round_of_four.get_absolute_url()).content.decode()
    assert sorted(table_order(html)) == sorted(
        round_of_four.evaluations.filter(center__lead_unit=unit_b.organization).values_list("pk", flat=True)
    )


def test_round_grade_distribution_by_region_and_field(client, round_of_four, kjt):
    client.force_login(kjt)
    response = client.get(round_of_four.get_absolute_url())
    by_region = {row["center__region"]: row for row in response.context["by_region"]}
    assert (by_region[Region.CHENGDU]["total"], by_region[Region.CHENGDU]["excellent"]) == (2, 1)
    assert by_region[Region.CHENGDU]["good"] == 1
    assert (by_region[Region.MIANYANG]["total"], by_region[Region.MIANYANG]["fail"]) == (2, 1)
    assert by_region[Region.MIANYANG]["undecided"] == 1
    by_field = {row["center__technology_field"]: row for row in response.context["by_field"]}
    assert [
        by_field[TechnologyField.ADVANCED_MATERIALS][g] for g in ("excellent", "good", "pass", "fail")
    ] == [0, 1, 0, 1]
    assert [
        by_field[TechnologyField.EQUIPMENT_MANUFACTURING][g] for g in ("excellent", "good", "pass", "fail")
    ] == [1, 0, 0, 0]
    html = response.content.decode()
    assert html.count('data-chart="grades"') == 2
    assert 'class="progress-bar grade-excellent" style="width: 50%"' in html
    progress = dict(re.findall(r'data-progress="(\w+)">[^<]*?(\d+)</span>', html))
    assert progress == {"graded": "2", "rectifying": "1", "pending": "1"}


def test_round_export_matches_the_score_table(client, round_of_four, kjt, django_capture_on_commit_callbacks):
    client.force_login(kjt)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{round_of_four.get_absolute_url()}export/")
    export = Export.objects.filter(user=kjt).latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    download = client.get(f"/exports/{export.pk}/download/")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    # Columns: round, center, lead unit, region, field, supervisor, cycle, state, total, proposed, grade
    exported = {
        (row[1], row[0], row[7], None if row[8] is None else Decimal(str(row[8])), row[10])
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    with translation.override("zh-hans"):
        expected = {
            (e.center.name, e.round.year, e.get_state_display(), e.total_score, e.get_grade_display() or None)
            for e in round_of_four.evaluations.select_related("center", "round")
        }
    assert exported == expected
    assert export.row_count == 4


def test_round_export_holds_only_the_users_centers(
    client, round_of_four, unit_b, django_capture_on_commit_callbacks
):
    client.force_login(unit_b)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{round_of_four.get_absolute_url()}export/")
    export = Export.objects.filter(user=unit_b).latest("pk")
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(f"/exports/{export.pk}/download/").streaming_content))
    ).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == set(
        round_of_four.evaluations.filter(center__lead_unit=unit_b.organization).values_list(
            "center__name", flat=True
        )
    )


# --- query counts -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _one_page(settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.fixture
def many(unit_a, chengdu, mianyang, kjt, experts):
    """``many(n)`` adds ``n`` centers to the 2026 round (opened with the first batch), in every
    state of the evaluation up to graded, in two regions and two fields."""
    made = {"n": 0, "round": None}
    regions = [Region.CHENGDU, Region.MIANYANG]
    fields = [TechnologyField.EQUIPMENT_MANUFACTURING, TechnologyField.ADVANCED_MATERIALS]

    def add(n):
        centers = []
        for _ in range(n):
            i = made["n"] = made["n"] + 1
            lead = unit_a.organization if i % 2 else OrganizationFactory(region=regions[i % 2])
            center = make_center(
                lead,
                (chengdu if i % 3 else mianyang).organization,
                name=f"四川省查询{i:03d}技术创新中心",
                technology_field=fields[i % 2],
            )
            centers.append(center)
        if made["round"] is None:
            made["round"] = open_round(kjt)
        else:
            for center in centers:
                Evaluation.objects.create(round=made["round"], center=center, cycle=center.current_cycle())
        for position, center in enumerate(centers):
            evaluation = Evaluation.objects.get(center=center)
            target = ["pending", "submitted", "under_review", "scored"][position % 4]
            applicant = unit_a if center.lead_unit_id == unit_a.organization_id else None
            if applicant is None and target != "pending":
                applicant = UserFactory(organization=center.lead_unit, role="applicant")
            if target != "pending":
                advance(evaluation, target, applicant=applicant, department=kjt, experts=experts, score=60)
            if target == "scored":
                grade(evaluation, Grade.GOOD, actor=kjt)
        return made["round"]

    return add


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


def shown(html) -> int:
    return len(set(re.findall(r'href="/evaluations/(\d+)/"', html)))


def assert_constant(client, url_of, many):
    evaluation_round = many(5)
    url = url_of(evaluation_round)
    client.get(url)  # warm caches (content types, sessions)
    few, few_sql, few_html = count_queries(client, url)
    many(45)
    more, more_sql, more_html = count_queries(client, url)
    if few != more:
        print(f"\n--- {url}: {few} queries with 5 evaluations ---\n" + "\n".join(few_sql))
        print(f"\n--- {url}: {more} queries with 50 evaluations ---\n" + "\n".join(more_sql))
    assert few == more, f"{url}: {few} queries with 5 evaluations, {more} with 50 (SQL printed above)"
    assert shown(more_html) > shown(few_html) > 0, "the rows were not drawn"


@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a"])
def test_evaluation_list_queries_do_not_grow_with_the_round(request, client, many, who):
    client.force_login(request.getfixturevalue(who))
    assert_constant(client, lambda r: "/evaluations/", many)


@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a"])
@pytest.mark.parametrize("sort", ["-total", "center"])
def test_round_page_queries_do_not_grow_with_the_round(request, client, many, who, sort):
    client.force_login(request.getfixturevalue(who))
    assert_constant(client, lambda r: f"{r.get_absolute_url()}?sort={sort}", many)


def test_evaluation_list_queries_for_an_expert_do_not_grow(client, many, experts):
    client.force_login(experts[0])
    assert_constant(client, lambda r: "/evaluations/", many)


def export_rows(client, user, evaluation_round, capture):
    client.force_login(user)
    with translation.override("zh-hans"), capture(execute=True):
        client.post(f"{evaluation_round.get_absolute_url()}export/")
    export = Export.objects.filter(user=user).latest("pk")
    content = b"".join(client.get(f"/exports/{export.pk}/download/").streaming_content)
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))


def test_the_export_shows_the_running_total_and_proposal_only_to_the_department(
    client, evaluation, experts, unit_a, kjt, django_capture_on_commit_callbacks
):
    for expert in experts:
        submit_scores(evaluation, expert, 97)
    evaluation.refresh_from_db()
    assert evaluation.proposed_grade
    [row] = export_rows(client, unit_a, evaluation.round, django_capture_on_commit_callbacks)
    assert (row[8], row[9]) == (None, None)
    [row] = export_rows(client, kjt, evaluation.round, django_capture_on_commit_callbacks)
    assert Decimal(str(row[8])) == evaluation.total_score
    with translation.override("zh-hans"):
        assert row[9] == evaluation.get_proposed_grade_display()


def test_round_progress_and_distribution_count_only_the_users_centers(client, round_of_four, unit_b, kjt):
    """Grades are not public before the results notice: unit_b's round page counts its own two
    centers (one failed, one pending), not unit_a's excellent and good."""
    client.force_login(unit_b)
    response = client.get(round_of_four.get_absolute_url())
    assert response.context["progress"]["total"] == 2
    assert {row["center__region"]: row["total"] for row in response.context["by_region"]} == {
        Region.MIANYANG: 2
    }
    assert sum(row["excellent"] + row["good"] for row in response.context["by_field"]) == 0
    client.force_login(kjt)
    assert client.get(round_of_four.get_absolute_url()).context["progress"]["total"] == 4


def test_the_evaluation_page_links_the_center_only_for_those_who_may_open_it(
    client, evaluation, experts, unit_a
):
    center_url = evaluation.center.get_absolute_url()
    client.force_login(unit_a)
    assert f'href="{center_url}"' in client.get(evaluation.get_absolute_url()).content.decode()
    client.force_login(experts[0])
    assert client.get(center_url).status_code == 404
    assert f'href="{center_url}"' not in client.get(evaluation.get_absolute_url()).content.decode()
