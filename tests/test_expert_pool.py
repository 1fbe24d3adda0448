"""The expert pool pages (科技厅): the pool with search, filters and workload; each expert's
profile, avoidances (回避) and history; adding, editing and taking experts out of the pool; and
``/experts/me/``, where an expert keeps their own profile and avoidances."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, User
from accounts.regions import Region
from accounts.roles import Role
from applications.models import ExpertReview
from evaluations.models import EvaluationExpert
from experts.models import AssignmentState, ExpertProfile
from experts.selectors import expert_pool
from sctic.choices import TechnologyField
from tests.factories import ApplicationFactory, ExpertFactory, OrganizationFactory, UserFactory
from tests.test_art22_evaluation import make_center, open_round

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def profile_of(user) -> ExpertProfile:
    return ExpertProfile.objects.get(user=user)


def pool_urls(profile) -> list[str]:
    return [
        reverse("experts:pool"),
        reverse("experts:pool_new"),
        reverse("experts:pool_detail", args=[profile.pk]),
        reverse("experts:pool_edit", args=[profile.pk]),
    ]


def review(application, expert, kjt, state=AssignmentState.INVITED, submitted_at=None):
    return ExpertReview.objects.create(
        application=application, expert=expert, assigned_by=kjt, state=state, submitted_at=submitted_at
    )


@pytest.fixture
def evaluation(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization)
    return open_round(kjt).evaluations.get(center=center)


def score(evaluation, expert, kjt, state=AssignmentState.INVITED, submitted_at=None):
    return EvaluationExpert.objects.create(
        evaluation=evaluation, expert=expert, assigned_by=kjt, state=state, submitted_at=submitted_at
    )


def rows(client, **params) -> list[str]:
    response = client.get(reverse("experts:pool"), params)
    assert response.status_code == 200
    return [profile.user.username for profile in response.context["object_list"]]


# --- access --------------------------------------------------------------------------------------


def test_the_department_opens_every_pool_page(client, kjt, experts):
    client.force_login(kjt)
    for url in pool_urls(profile_of(experts[0])):
        assert client.get(url).status_code == 200, url


def test_a_superuser_opens_the_pool(client, experts):
    admin = UserFactory(organization=None, is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(reverse("experts:pool")).status_code == 200


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "expert"])
def test_other_users_are_refused_the_pool_pages(request, client, experts, who):
    user = experts[1] if who == "expert" else request.getfixturevalue(who)
    profile = profile_of(experts[0])
    client.force_login(user)
    for url in pool_urls(profile):
        assert client.get(url).status_code == 403, url
    for url in (reverse("experts:pool_new"), reverse("experts:pool_edit", args=[profile.pk])):
        assert client.post(url, {"full_name": "x"}).status_code == 403, url
    assert client.post(reverse("experts:pool_active", args=[profile.pk])).status_code == 403
    profile.refresh_from_db()
    assert profile.active


def test_anonymous_users_are_sent_to_log_in(client, experts):
    profile = profile_of(experts[0])
    for url in [
        *pool_urls(profile),
        reverse("experts:me"),
        reverse("experts:pool_active", args=[profile.pk]),
    ]:
        response = client.post(url) if url.endswith("/active/") else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_the_toggle_takes_a_post_only(client, kjt, experts):
    client.force_login(kjt)
    assert client.get(reverse("experts:pool_active", args=[profile_of(experts[0]).pk])).status_code == 405


def test_me_is_for_experts_only(client, kjt, unit_a, experts):
    client.force_login(experts[0])
    assert client.get(reverse("experts:me")).status_code == 200
    for user in (kjt, unit_a):
        client.force_login(user)
        assert client.get(reverse("experts:me")).status_code == 403


def test_an_expert_without_a_profile_is_told_so(client):
    expert = UserFactory(role=Role.EXPERT)
    client.force_login(expert)
    response = client.get(reverse("experts:me"))
    assert response.status_code == 200
    assert 'data-note="no-profile"' in response.content.decode()
    assert client.post(reverse("experts:me"), {"field": "other"}).status_code == 200
    assert not ExpertProfile.objects.filter(user=expert).exists()


def test_the_menu_has_the_pool_for_the_department_only(client, kjt, unit_a, experts):
    client.force_login(kjt)
    assert 'data-menu="experts"' in client.get("/").content.decode()
    for user in (unit_a, experts[0]):
        client.force_login(user)
        assert 'data-menu="experts"' not in client.get("/").content.decode()


# --- search and filters --------------------------------------------------------------------------


@pytest.fixture
def pool(db):
    mianyang = OrganizationFactory(name="绵阳理工学院", region=Region.MIANYANG)
    chengdu = OrganizationFactory(name="成都材料研究所", region=Region.CHENGDU)
    wang = ExpertFactory(
        username="wang", full_name="王材料", organization=chengdu, field=TechnologyField.ADVANCED_MATERIALS
    )
    li = ExpertFactory(
        username="li", full_name="李电子", organization=mianyang, field=TechnologyField.ELECTRONIC_INFORMATION
    )
    zhao = ExpertFactory(username="zhao", full_name="赵装备", organization=chengdu)
    ExpertProfile.objects.filter(user=li).update(
        secondary_fields=[TechnologyField.ADVANCED_MATERIALS], specialty="传感器", professional_title="研究员"
    )
    ExpertProfile.objects.filter(user=zhao).update(
        secondary_fields=[TechnologyField.DIGITAL_ECONOMY], active=False
    )
    return {"wang": wang, "li": li, "zhao": zhao}


def test_the_pool_finds_experts_by_name_specialty_and_organization(client, kjt, pool):
    client.force_login(kjt)
    assert rows(client, q="王材料") == ["wang"]
    assert rows(client, q="传感器") == ["li"]
    assert sorted(rows(client, q="成都材料")) == ["wang", "zhao"]
    assert rows(client, specialty="传感") == ["li"]
    assert rows(client, professional_title="研究员") == ["li"]
    assert rows(client, organization="绵阳") == ["li"]


def test_a_field_matches_the_main_and_the_secondary_fields(client, kjt, pool):
    client.force_login(kjt)
    assert sorted(rows(client, field=TechnologyField.ADVANCED_MATERIALS)) == ["li", "wang"]
    assert rows(client, field=TechnologyField.DIGITAL_ECONOMY) == ["zhao"]
    assert rows(client, field=TechnologyField.AEROSPACE) == []


def test_the_pool_filters_by_region_and_by_being_in_the_pool(client, kjt, pool):
    client.force_login(kjt)
    assert rows(client, region=Region.MIANYANG) == ["li"]
    assert sorted(rows(client, region=Region.CHENGDU)) == ["wang", "zhao"]
    assert rows(client, active="false") == ["zhao"]
    assert sorted(rows(client, active="true")) == ["li", "wang"]


def test_the_pool_shows_the_workload_of_both_reviews(client, kjt, pool, evaluation):
    now = timezone.now()
    wang, li = pool["wang"], pool["li"]
    first, second, third = ApplicationFactory(), ApplicationFactory(), ApplicationFactory()
    review(first, wang, kjt)  # open
    review(second, wang, kjt, state=AssignmentState.ACCEPTED)  # open
    review(third, wang, kjt, state=AssignmentState.SUBMITTED, submitted_at=now)  # done
    last_year = now - timedelta(days=400)
    review(first, li, kjt, state=AssignmentState.SUBMITTED, submitted_at=last_year)
    review(second, li, kjt, state=AssignmentState.DECLINED)
    score(evaluation, wang, kjt, state=AssignmentState.SUBMITTED, submitted_at=now)  # done
    score(evaluation, li, kjt, state=AssignmentState.WITHDRAWN)
    client.force_login(kjt)
    response = client.get(reverse("experts:pool"))
    workload = {p.user.username: (p.open_count, p.done_count) for p in response.context["object_list"]}
    assert workload == {"wang": (2, 2), "li": (0, 0), "zhao": (0, 0)}
    assert rows(client, o="-open")[0] == "wang"


def test_the_pool_takes_the_same_number_of_queries_for_more_experts(client, kjt, evaluation):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("experts:pool")).status_code == 200
        return len(queries)

    client.force_login(kjt)
    application = ApplicationFactory()

    def add(n):
        for _ in range(n):
            expert = ExpertFactory()
            ExpertProfile.objects.filter(user=expert).update(secondary_fields=[TechnologyField.AEROSPACE])
            review(application, expert, kjt)
            score(evaluation, expert, kjt, state=AssignmentState.SUBMITTED, submitted_at=timezone.now())

    add(2)
    few = count()
    add(6)
    assert count() == few


# --- the expert's page ---------------------------------------------------------------------------


def test_the_detail_shows_profile_avoidances_and_history(client, kjt, unit_b, evaluation, experts):
    expert = experts[0]
    profile = profile_of(expert)
    profile.avoid_organizations.add(unit_b.organization)
    profile.avoid_names = "某某大学\n另一家公司"
    profile.save()
    application = ApplicationFactory()
    review(application, expert, kjt, state=AssignmentState.SUBMITTED, submitted_at=timezone.now())
    score(evaluation, expert, kjt)
    client.force_login(kjt)
    html = client.get(reverse("experts:pool_detail", args=[profile.pk])).content.decode()
    assert unit_b.organization.name in html
    assert "某某大学<br>另一家公司" in html
    assert f'href="{application.get_absolute_url()}"' in html
    assert f'href="{evaluation.get_absolute_url()}"' in html
    assert 'data-open="1"' in html and 'data-done="1"' in html


def test_the_history_takes_the_same_number_of_queries_for_more_assignments(client, kjt, chengdu, experts):
    expert = experts[0]
    profile = profile_of(expert)
    client.force_login(kjt)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("experts:pool_detail", args=[profile.pk])).status_code == 200
        return len(queries)

    def add(n, year):
        for _ in range(n):
            review(ApplicationFactory(), expert, kjt)
            make_center(
                OrganizationFactory(), chengdu.organization, cycle=(date(year - 2, 1, 1), date(year, 12, 31))
            )
        for evaluation in open_round(kjt, year=year).evaluations.all():
            score(evaluation, expert, kjt)

    add(1, 2027)
    few = count()
    add(3, 2028)
    assert count() == few


def test_an_unknown_expert_is_not_found(client, kjt):
    client.force_login(kjt)
    assert client.get(reverse("experts:pool_detail", args=[99999])).status_code == 404
    assert client.get(reverse("experts:pool_edit", args=[99999])).status_code == 404


# --- adding, editing, taking out of the pool -----------------------------------------------------


def new_expert_data(org, **changes):
    data = {
        "username": "newexpert",
        "full_name": "钱新",
        "organization": org.pk,
        "email": "qian@example.org",
        "phone": "13800000000",
        "field": TechnologyField.MEDICINE_HEALTH,
        "secondary_fields": [TechnologyField.FOOD_TEXTILES, TechnologyField.MEDICINE_HEALTH],
        "specialty": "中药",
        "professional_title": "教授",
        "avoid_names": "甲公司\n\n甲公司\n乙研究院",
        "active": "on",
    }
    data.update(changes)
    return data


def test_add_edit_and_take_an_expert_out_of_the_pool(client, kjt, unit_a):
    client.force_login(kjt)
    page = client.get(reverse("experts:pool_new")).content.decode()
    assert 'data-note="password"' in page
    assert f'href="{reverse("password_reset")}"' in page
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("experts:pool_new"), new_expert_data(unit_a.organization))
    assert response.status_code == 302
    user = User.objects.get(username="newexpert")
    profile = profile_of(user)
    assert response["Location"] == reverse("experts:pool_detail", args=[profile.pk])
    assert not client.login(username="newexpert", password="")  # no password anyone knows
    assert user.is_expert
    assert profile.secondary_fields == [TechnologyField.FOOD_TEXTILES]  # the main field is not repeated
    assert profile.avoid_names == "甲公司\n乙研究院"
    assert user in expert_pool()

    other = OrganizationFactory(name="乙研究院")
    data = new_expert_data(
        unit_a.organization, full_name="钱新民", avoid_organizations=[other.pk], professional_title="研究员"
    )
    del data["username"]
    assert client.post(reverse("experts:pool_edit", args=[profile.pk]), data).status_code == 302
    profile.refresh_from_db()
    user.refresh_from_db()
    assert user.full_name == "钱新民" and user.username == "newexpert"
    assert profile.professional_title == "研究员"
    assert list(profile.avoid_organizations.all()) == [other]

    detail = client.get(reverse("experts:pool_detail", args=[profile.pk])).content.decode()
    assert 'data-action="deactivate"' in detail and "data-confirm=" in detail
    assert client.post(reverse("experts:pool_active", args=[profile.pk])).status_code == 302
    profile.refresh_from_db()
    assert not profile.active
    assert user not in expert_pool()
    client.post(reverse("experts:pool_active", args=[profile.pk]))
    assert user in expert_pool()


def test_a_new_expert_sets_their_password_through_the_reset_e_mail(client, kjt, unit_a, mailoutbox):
    client.force_login(kjt)
    client.post(reverse("experts:pool_new"), new_expert_data(unit_a.organization))
    client.logout()
    mailoutbox.clear()
    response = client.post(reverse("password_reset"), {"email": "qian@example.org"})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["qian@example.org"]]


def test_a_form_with_errors_keeps_what_was_typed(client, kjt, unit_a, experts):
    client.force_login(kjt)
    data = new_expert_data(
        unit_a.organization, username=experts[0].username, field="nonsense", specialty="关节外科"
    )
    response = client.post(reverse("experts:pool_new"), data)
    assert response.status_code == 400
    assert response.context["user_form"].errors["username"]
    assert response.context["profile_form"].errors["field"]
    assert 'value="关节外科"' in response.content.decode()
    assert not User.objects.filter(full_name="钱新").exists()


def test_a_new_expert_needs_an_organization_and_an_unused_email(client, kjt, unit_a, experts):
    client.force_login(kjt)
    data = new_expert_data(unit_a.organization, organization="", email=experts[0].email)
    response = client.post(reverse("experts:pool_new"), data)
    assert response.status_code == 400
    assert set(response.context["user_form"].errors) >= {"organization", "email"}


# --- the expert's own profile --------------------------------------------------------------------


def test_an_expert_edits_their_avoidances_but_not_their_place_in_the_pool(client, experts, unit_b):
    expert, other = experts[0], experts[1]
    client.force_login(expert)
    data = {
        "field": TechnologyField.EQUIPMENT_MANUFACTURING,
        "secondary_fields": [TechnologyField.AEROSPACE],
        "specialty": "轨道车辆",
        "professional_title": "教授",
        "avoid_organizations": [unit_b.organization.pk],
        "avoid_names": "丙公司",
        "active": "",  # ignored: not the expert's to change
        "user": other.pk,  # ignored: the page edits the expert's own profile only
    }
    response = client.post(reverse("experts:me"), data)
    assert response.status_code == 302
    mine, theirs = profile_of(expert), profile_of(other)
    assert mine.active
    assert list(mine.avoid_organizations.all()) == [unit_b.organization]
    assert mine.avoid_names == "丙公司"
    assert mine.secondary_fields == [TechnologyField.AEROSPACE]
    assert theirs.avoid_names == "" and not theirs.avoid_organizations.exists()
    assert "active" not in client.get(reverse("experts:me")).context["form"].fields
    # An expert cannot reach another expert's profile through the pool pages either.
    assert client.post(reverse("experts:pool_edit", args=[theirs.pk]), data).status_code == 403


def test_an_expert_form_with_errors_keeps_what_was_typed(client, experts):
    client.force_login(experts[0])
    response = client.post(reverse("experts:me"), {"field": "", "specialty": "桥梁检测"})
    assert response.status_code == 400
    assert 'value="桥梁检测"' in response.content.decode()


# --- hostile and malformed input -----------------------------------------------------------------


def test_hostile_text_is_escaped(client, kjt, experts, evaluation):
    expert = experts[0]
    User.objects.filter(pk=expert.pk).update(full_name=HOSTILE)
    Organization.objects.filter(pk=expert.organization_id).update(name=HOSTILE + "大学")
    ExpertProfile.objects.filter(user=expert).update(
        specialty=HOSTILE, professional_title=HOSTILE, avoid_names=HOSTILE
    )
    client.force_login(kjt)
    profile = profile_of(expert)
    for url in [
        reverse("experts:pool"),
        reverse("experts:pool") + "?q=" + HOSTILE,
        reverse("experts:pool_detail", args=[profile.pk]),
        reverse("experts:pool_edit", args=[profile.pk]),
    ]:
        html = client.get(url).content.decode()
        assert HOSTILE not in html, url
        assert "&lt;script&gt;" in html, url
    client.force_login(expert)
    html = client.get(reverse("experts:me")).content.decode()
    assert HOSTILE not in html


@pytest.mark.parametrize(
    "query",
    [
        "field=<junk>",
        "region=xyz",
        "active=maybe",
        "page=abc",
        "page=99999999999999999999999",
        "q=%00",
        "specialty=a%00b",
        "organization=%00",
        "o=-nonsense,name",
        "field=other%00",
    ],
)
def test_malformed_parameters_do_not_break_the_pool(client, kjt, experts, query):
    client.force_login(kjt)
    assert client.get(reverse("experts:pool") + "?" + query).status_code in (200, 400)


def test_malformed_posts_give_errors_not_failures(client, kjt, experts):
    client.force_login(kjt)
    profile = profile_of(experts[0])
    for data in (
        {"field": "x\x00y", "secondary_fields": ["<junk>"], "avoid_organizations": ["abc"]},
        {"full_name": "a\x00b", "organization": "99999", "email": "not-an-email"},
    ):
        assert client.post(reverse("experts:pool_edit", args=[profile.pk]), data).status_code == 400
        assert client.post(reverse("experts:pool_new"), data).status_code == 400
    client.force_login(experts[0])
    assert client.post(reverse("experts:me"), {"avoid_organizations": ["\x00"]}).status_code == 400
