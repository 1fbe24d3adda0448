"""Forming a center: the intent application's lifecycle, Art. 3, 5.2, 9, 10, 12 and 25.

Each test names the article it holds the portal to and would fail if that rule were removed.
Service-level tests run in English (``translation.override``) so that messages can be matched by
their article numbers; HTTP tests set the language cookie to English for the same reason.
"""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from applications.access import REVIEW_PERMISSION, is_assigned_expert
from applications.models import CoBuilder, ExpertReview, IntentApplication, Recommendation
from applications.selectors import list_queryset
from applications.services import (
    MESSAGE_DECLARE,
    MESSAGE_REVIEW_CLOSED,
    MESSAGE_REVIEW_DONE,
    MESSAGE_SCORE,
    MESSAGE_TOO_FEW_EXPERTS,
    expert_review_submit,
)
from centers.models import Center
from centers.services import cycle_dates
from centers.validators import MESSAGE_ART25
from sctic.demo import cultivate, give_opinions
from sctic.workflow import MESSAGE_COMMENT_REQUIRED, MESSAGE_NOT_IN_STATE, MESSAGE_STALE, perform
from tests.factories import ApplicationFactory, ExpertFactory, OrganizationFactory, UserFactory

S = IntentApplication.State
REASON = "请补充共建单位的分工与利益分配机制，并细化中期目标的量化指标。"
OPINION = "该中心方向符合全省重点产业布局，培育期间完成了建设运行方案和理事会筹建，同意推荐。"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def client_as(login):
    """A client logged in as ``user`` that reads the portal in English."""

    def _as(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


@pytest.fixture
def cultivated(make_application, unit_a):
    """unit_a's application in cultivation with every Art. 10.2 deliverable in place."""

    def make(**kwargs):
        app = make_application("cultivating", **kwargs)
        cultivate(app, unit_a)
        app.refresh_from_db()
        assert app.missing_for_recommendation() == []
        return app

    return make


def reload(app):
    return IntentApplication.objects.get(pk=app.pk)


def logs(app, transition=None):
    qs = StateLog.objects.for_(app)
    return qs.filter(transition=transition) if transition else qs


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def transition_url(app, name):
    return reverse("applications:transition", args=[app.pk, name])


def messages_of(excinfo) -> str:
    return " | ".join(excinfo.value.messages)


def review_of(app, expert) -> ExpertReview:
    return app.expert_reviews.get(expert=expert)


def submit_opinion(review, expert, **overrides):
    data = {"no_conflict_declared": True, "score": 82, "verdict": "support", "opinion": "同意建设。"}
    data.update(overrides)
    return expert_review_submit(review, actor=expert, **data)


# --- Art. 10.1: the lead unit submits its intent -------------------------------------------------


def test_art10_1_lead_unit_submits_to_its_supervisor(make_application, unit_a_org, chengdu):
    colleague = UserFactory(organization=unit_a_org, role="applicant")
    app = make_application("draft")

    perform(app, "submit", actor=colleague, comment="请审核。")

    app = reload(app)
    assert app.state == S.SUBMITTED
    assert app.submitted_at is not None
    log = logs(app, "submit").get()
    assert (log.by, log.source_state, log.state) == (colleague, S.DRAFT, S.SUBMITTED)


@pytest.mark.parametrize("outsider", ["unit_b", "chengdu", "kjt"])
def test_art10_1_only_the_lead_unit_may_submit(make_application, outsider, request):
    app = make_application("draft")
    user = request.getfixturevalue(outsider)

    with pytest.raises(PermissionDenied):
        perform(app, "submit", actor=user)

    assert reload(app).state == S.DRAFT
    assert not logs(app).exists()


def test_art10_1_returned_application_is_submitted_again(make_application, unit_a):
    app = make_application("returned")

    perform(app, "submit", actor=unit_a, comment="已按意见补充。")

    assert reload(app).state == S.SUBMITTED
    assert [log.transition for log in logs(app).order_by("pk")] == ["submit", "return_for_revision", "submit"]


# --- Art. 9 completeness, Art. 12 director, Art. 25 name, at submit ------------------------------


@pytest.mark.parametrize(
    ("field", "section"),
    [
        ("strategic_fit", "Art. 9.1 strategic fit"),
        ("lead_unit_strength", "Art. 9.2 the lead unit's strength"),
        ("collaboration", "Art. 9.2 co-building arrangement"),
        ("technology_goals", "Art. 9.3 technology innovation goals"),
        ("short_term_goals", "Art. 9.3 short-term goals"),
        ("mid_term_goals", "Art. 9.3 mid-term goals"),
        ("long_term_goals", "Art. 9.3 long-term goals"),
        ("talent_team", "Art. 9.4 talent team"),
        ("director_name", "Art. 9.4 proposed director"),
    ],
)
def test_art9_submit_names_each_missing_section(make_application, unit_a, field, section):
    app = make_application("draft")
    IntentApplication.objects.filter(pk=app.pk).update(**{field: "  "})
    app = reload(app)

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "submit", actor=unit_a)

    assert excinfo.value.messages == [f"Please fill in: {section}."]
    assert reload(app).state == S.DRAFT


def test_art9_3_submit_needs_bottleneck_or_long_board_technologies(make_application, unit_a):
    app = make_application("draft")
    IntentApplication.objects.filter(pk=app.pk).update(bottleneck_technologies="", strength_technologies="")

    with pytest.raises(ValidationError) as excinfo:
        perform(reload(app), "submit", actor=unit_a)

    assert "Art. 9.3" in messages_of(excinfo)
    assert "bottleneck" in messages_of(excinfo)

    # Either kind of technology is enough.
    IntentApplication.objects.filter(pk=app.pk).update(strength_technologies="系统集成技术。")
    perform(reload(app), "submit", actor=unit_a)
    assert reload(app).state == S.SUBMITTED


def test_art9_empty_application_lists_every_missing_item(unit_a, chengdu):
    app = ApplicationFactory(
        lead_unit=unit_a.organization, supervisor=chengdu.organization, created_by=unit_a, complete=False
    )

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "submit", actor=unit_a)

    text = messages_of(excinfo)
    for article in ("Art. 9.1", "Art. 9.2", "Art. 9.3", "Art. 9.4", "Art. 12"):
        assert article in text
    assert reload(app).state == S.DRAFT


def test_art9_2_submit_needs_at_least_one_cobuilder(make_application, unit_a):
    app = make_application("draft")
    app.cobuilders.all().delete()

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "submit", actor=unit_a)

    assert excinfo.value.messages == [
        "Art. 9.2: list at least one co-building university, institute or enterprise."
    ]
    CoBuilder.objects.create(application=app, name="四川测试研究所", kind=CoBuilder.Kind.INSTITUTE)
    perform(app, "submit", actor=unit_a)
    assert reload(app).state == S.SUBMITTED


def test_art12_director_must_work_full_time(make_application, unit_a):
    app = make_application("draft", director_full_time=False)

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "submit", actor=unit_a)

    assert excinfo.value.messages == ["Art. 12: the director must work for the center full-time."]
    assert reload(app).state == S.DRAFT


BAD_NAMES = ["成都轨道交通创新中心", "四川省技术创新中心", "四川省XX研究院", "四川省技术创新中心技术创新中心"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_art25_model_refuses_a_name_not_reading_sichuan_tech_innovation_center(make_application, name):
    app = make_application("draft")
    app.proposed_name = name

    with pytest.raises(ValidationError) as excinfo:
        app.full_clean(exclude=["state"])

    assert excinfo.value.message_dict["proposed_name"] == [str(MESSAGE_ART25)]


def test_art25_model_accepts_a_proper_name(make_application):
    app = make_application("draft")
    app.proposed_name = "四川省先进轨道交通技术创新中心"
    app.full_clean(exclude=["state"])


@pytest.mark.parametrize("name", BAD_NAMES)
def test_art25_submit_refuses_a_wrong_name(make_application, unit_a, name):
    app = make_application("draft")
    IntentApplication.objects.filter(pk=app.pk).update(proposed_name=name)  # e.g. saved before the rule

    with pytest.raises(ValidationError) as excinfo:
        perform(reload(app), "submit", actor=unit_a)

    assert excinfo.value.messages == [str(MESSAGE_ART25)]
    assert reload(app).state == S.DRAFT


def test_art25_application_form_refuses_a_wrong_name(make_application, unit_a, client_as):
    app = make_application("draft")
    client = client_as(unit_a)
    data = {
        "proposed_name": "成都轨道交通创新中心",
        "technology_field": app.technology_field,
        "supervisor": app.supervisor_id,
        "cobuilders-TOTAL_FORMS": "0",
        "cobuilders-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("applications:edit", args=[app.pk]), data)

    assert response.status_code == 400
    assert str(MESSAGE_ART25) in response.content.decode()
    assert reload(app).proposed_name == app.proposed_name


# --- Art. 5.2: provincial engineering research centers first ------------------------------------


def test_art5_2_engineering_center_flag_requires_its_name(make_application, unit_a):
    app = make_application("draft", is_engineering_center=True, engineering_center_name="")

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "submit", actor=unit_a)

    assert excinfo.value.messages == [
        "Art. 5.2: give the name of the provincial engineering research center."
    ]
    IntentApplication.objects.filter(pk=app.pk).update(
        engineering_center_name="四川省轨道交通装备工程技术研究中心"
    )
    perform(reload(app), "submit", actor=unit_a)
    assert reload(app).state == S.SUBMITTED


def test_art5_2_engineering_centers_are_listed_first(make_application):
    flagged = make_application(
        "submitted", is_engineering_center=True, engineering_center_name="四川省轨道交通装备工程技术研究中心"
    )
    later = make_application("submitted")
    IntentApplication.objects.filter(pk=later.pk).update(updated_at=timezone.now() + timedelta(days=1))

    listed = list(list_queryset(IntentApplication.objects.all()))

    assert listed[0] == flagged
    assert listed[1] == later


# --- Art. 10.2: cultivation, return, decline, recommendation ------------------------------------


def test_art10_2_supervisor_accepts_for_cultivation(make_application, chengdu, mianyang):
    app = make_application("submitted")

    with pytest.raises(PermissionDenied):
        perform(app, "accept_for_cultivation", actor=mianyang)  # not the supervisor it was sent to
    perform(app, "accept_for_cultivation", actor=chengdu)

    assert reload(app).state == S.CULTIVATING
    assert logs(app, "accept_for_cultivation").get().by == chengdu


def test_art10_2_return_for_revision_requires_a_reason(make_application, chengdu):
    app = make_application("submitted")

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "return_for_revision", actor=chengdu, comment="   ")

    assert excinfo.value.message_dict["comment"] == [str(MESSAGE_COMMENT_REQUIRED)]
    assert reload(app).state == S.SUBMITTED
    assert not logs(app, "return_for_revision").exists()


def test_art10_2_return_reason_is_logged_and_shown_to_the_applicant(
    make_application, chengdu, unit_a, client_as
):
    app = make_application("submitted")

    perform(app, "return_for_revision", actor=chengdu, comment=REASON)

    assert reload(app).state == S.RETURNED
    log = logs(app, "return_for_revision").get()
    assert (log.by, log.description, log.source_state, log.state) == (
        chengdu,
        REASON,
        S.SUBMITTED,
        S.RETURNED,
    )
    page = client_as(unit_a).get(app.get_absolute_url())
    assert page.status_code == 200
    assert 'id="return-reason"' in page.content.decode()
    assert REASON in page.content.decode()


def test_art10_2_decline_requires_a_reason(make_application, chengdu):
    app = make_application("submitted")

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "decline", actor=chengdu)
    assert "comment" in excinfo.value.message_dict
    assert reload(app).state == S.SUBMITTED

    perform(app, "decline", actor=chengdu, comment="该方向与本地区产业布局重合度较低。")
    app = reload(app)
    assert app.state == S.DECLINED
    assert app.decided_at is not None


def test_art10_2_decline_also_ends_cultivation(make_application, chengdu):
    app = make_application("cultivating")

    perform(app, "decline", actor=chengdu, comment="培育期间未完成法人实体化。")

    assert reload(app).state == S.DECLINED


def _recommend(app, user, rank=1, opinion=OPINION):
    return perform(app, "recommend", actor=user, opinion=opinion, rank=rank)


def _assert_recommend_refused(app, user, fragment):
    with pytest.raises(ValidationError) as excinfo:
        _recommend(app, user)
    assert fragment in messages_of(excinfo)
    assert reload(app).state == S.CULTIVATING
    assert not Recommendation.objects.filter(application=app).exists()
    assert not logs(app, "recommend").exists()


def test_art10_2_recommend_requires_construction_plan(cultivated, chengdu):
    app = cultivated()
    app.attachments.filter(kind=IntentApplication.AttachmentKind.CONSTRUCTION_PLAN).delete()

    _assert_recommend_refused(app, chengdu, "Art. 10.2: upload the construction and operation plan")


def test_art10_2_recommend_requires_a_prepared_board(cultivated, chengdu):
    app = cultivated()
    IntentApplication.objects.filter(pk=app.pk).update(board_prepared=False)

    _assert_recommend_refused(reload(app), chengdu, "Art. 10.2: the board")


def test_art3_recommend_requires_a_legal_entity(cultivated, chengdu):
    app = cultivated()
    IntentApplication.objects.filter(pk=app.pk).update(legal_entity_name="")

    _assert_recommend_refused(reload(app), chengdu, "Art. 3: name the legal entity")


def test_art3_recommend_requires_a_credit_code(cultivated, chengdu):
    app = cultivated()
    IntentApplication.objects.filter(pk=app.pk).update(legal_entity_credit_code="")

    _assert_recommend_refused(
        reload(app), chengdu, "Art. 3: give the legal entity's unified social credit code"
    )


@pytest.mark.parametrize("code", ["91510100MA61R0XK5C", "91510100MA61R0XK5"])
def test_art3_recommend_requires_a_valid_credit_code(cultivated, chengdu, code):
    app = cultivated()
    IntentApplication.objects.filter(pk=app.pk).update(legal_entity_credit_code=code)

    _assert_recommend_refused(
        reload(app), chengdu, "Art. 3: the legal entity needs a valid unified social credit code"
    )


def test_art10_2_recommend_lists_everything_missing_at_once(make_application, chengdu):
    app = make_application("cultivating")

    with pytest.raises(ValidationError) as excinfo:
        _recommend(app, chengdu)

    assert len(excinfo.value.messages) == 4


def test_art10_2_recommendation_stores_opinion_and_rank(cultivated, chengdu):
    app = cultivated()

    _recommend(app, chengdu, rank=3)

    assert reload(app).state == S.RECOMMENDED
    rec = Recommendation.objects.get(application=app)
    assert (rec.opinion, rec.rank, rec.year) == (OPINION, 3, timezone.localdate().year)
    assert (rec.supervisor, rec.recommended_by) == (chengdu.organization, chengdu)


def test_art10_2_rank_is_unique_per_supervisor_and_year(cultivated, chengdu, unit_b, mianyang):
    first, second = cultivated(), cultivated()
    _recommend(first, chengdu, rank=1)

    with pytest.raises(ValidationError) as excinfo:
        _recommend(second, chengdu, rank=1)

    assert "rank" in excinfo.value.message_dict
    assert reload(second).state == S.CULTIVATING
    assert not Recommendation.objects.filter(application=second).exists()
    assert not logs(second, "recommend").exists()

    _recommend(second, chengdu, rank=2)
    assert reload(second).recommendation.rank == 2

    # Another supervisor ranks its own recommendations independently.
    other = cultivated(
        lead=unit_b.organization, supervisor=mianyang.organization, applicant=unit_b, supervisor_user=mianyang
    )
    _recommend(other, mianyang, rank=1)
    assert reload(other).recommendation.rank == 1


def test_art10_2_recommend_over_http(cultivated, chengdu, client_as):
    app = cultivated()

    response = client_as(chengdu).post(
        transition_url(app, "recommend"), {"opinion": OPINION, "rank": "1", "expected_state": S.CULTIVATING}
    )

    assert response.status_code == 302
    assert reload(app).state == S.RECOMMENDED
    assert reload(app).recommendation.opinion == OPINION


# --- Art. 10.3: expert consultation and approval -----------------------------------------------


def test_art10_3_start_review_needs_the_minimum_number_of_experts(make_application, kjt, experts):
    minimum = django_settings.SCTIC["CONSULTATION_MIN_EXPERTS"]
    assert 1 <= minimum <= len(experts)
    app = make_application("recommended")

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=experts[: minimum - 1])

    assert excinfo.value.message_dict["experts"] == [str(MESSAGE_TOO_FEW_EXPERTS % {"count": minimum})]
    assert reload(app).state == S.RECOMMENDED
    assert not app.expert_reviews.exists()

    perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:minimum])
    assert reload(app).state == S.UNDER_REVIEW
    assert set(app.expert_reviews.values_list("expert", flat=True)) == {e.pk for e in experts[:minimum]}


def test_art10_3_start_review_counts_each_expert_once(make_application, kjt, experts, settings):
    settings.SCTIC = {**settings.SCTIC, "CONSULTATION_MIN_EXPERTS": 2}
    app = make_application("recommended")

    with pytest.raises(ValidationError):
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[experts[0], experts[0]])

    assert reload(app).state == S.RECOMMENDED


@pytest.mark.parametrize("party", ["lead_unit", "supervisor", "cobuilder"])
def test_art10_3_start_review_refuses_an_expert_with_a_conflict_of_interest(
    make_application, kjt, experts, conflicted_expert, chengdu_org, party
):
    app = make_application("recommended")
    conflicted = {
        "lead_unit": lambda: conflicted_expert,
        "supervisor": lambda: ExpertFactory(organization=chengdu_org),
        "cobuilder": lambda: ExpertFactory(organization=OrganizationFactory(name=app.cobuilders.get().name)),
    }[party]()

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[*experts[:2], conflicted])

    errors = excinfo.value.message_dict["experts"]
    assert len(errors) == 1
    assert str(conflicted) in errors[0]
    assert conflicted.organization.name in errors[0]
    assert reload(app).state == S.RECOMMENDED
    assert not app.expert_reviews.exists()


def test_art10_3_assigned_expert_gets_a_guardian_permission_and_sees_the_application(
    make_application, kjt, experts, client_as
):
    app = make_application("recommended")
    assigned, outsider = experts[0], experts[2]
    url = app.get_absolute_url()
    assert client_as(assigned).get(url).status_code == 404

    perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:2])

    assert assigned.has_perm(REVIEW_PERMISSION, app)
    assert is_assigned_expert(app, assigned)
    assert not outsider.has_perm(REVIEW_PERMISSION, app)
    assert client_as(assigned).get(url).status_code == 200
    assert client_as(outsider).get(url).status_code == 404


def test_art10_3_start_review_over_http(make_application, kjt, experts, client_as):
    app = make_application("recommended")

    response = client_as(kjt).post(
        transition_url(app, "start_review"),
        {
            "experts": [experts[0].pk, experts[1].pk],
            "reason": "chosen by hand",
            "expected_state": S.RECOMMENDED,
        },
    )

    assert response.status_code == 302
    assert reload(app).state == S.UNDER_REVIEW
    assert app.expert_reviews.count() == 2


@pytest.mark.parametrize("transition", ["approve", "reject"])
def test_art10_3_decision_needs_every_assigned_opinion(make_application, kjt, experts, transition):
    app = make_application("under_review")
    submit_opinion(review_of(app, experts[0]), experts[0])

    with pytest.raises(ValidationError) as excinfo:
        perform(app, transition, actor=kjt, comment="经专家咨询论证。")

    assert excinfo.value.messages == ["Not every assigned expert has given an opinion yet."]
    assert reload(app).state == S.UNDER_REVIEW
    assert not Center.objects.exists()


def test_art10_3_reject_requires_a_reason(make_application, kjt):
    app = make_application("under_review")
    give_opinions(app, score=55, verdict="oppose")

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "reject", actor=kjt)
    assert "comment" in excinfo.value.message_dict
    assert reload(app).state == S.UNDER_REVIEW

    perform(app, "reject", actor=kjt, comment="技术目标与现有平台重复，暂不批准建设。")
    assert reload(app).state == S.REJECTED
    assert not Center.objects.exists()


def test_art10_3_approve_creates_the_center_and_its_first_three_year_cycle(make_application, kjt):
    app = make_application("under_review")
    give_opinions(app)

    perform(app, "approve", actor=kjt, comment="同意建设。")

    app = reload(app)
    assert app.state == S.APPROVED
    center = Center.objects.get(application=app)
    assert center.state == Center.State.OPERATING
    assert center.name == app.proposed_name
    assert (center.lead_unit, center.supervisor) == (app.lead_unit, app.supervisor)
    assert center.legal_entity_name == app.legal_entity_name
    assert center.credit_code == app.legal_entity_credit_code != ""
    cycle = center.cycles.get()
    assert cycle.number == 1
    assert cycle.start_date == timezone.localdate()
    assert cycle.end_date == cycle.start_date + relativedelta(years=3) - timedelta(days=1)


def test_art11_5_cycle_is_three_years_ending_the_day_before():
    from datetime import date

    assert cycle_dates(date(2026, 3, 15)) == (date(2026, 3, 15), date(2029, 3, 14))
    assert cycle_dates(date(2026, 1, 1)) == (date(2026, 1, 1), date(2028, 12, 31))


def test_art10_3_department_returns_recommendation_to_cultivation(
    make_application, kjt, chengdu, unit_a, client_as
):
    app = make_application("recommended")

    with pytest.raises(PermissionDenied):
        perform(
            app, "return_for_revision", actor=chengdu, comment=REASON
        )  # the supervisor's own return ends at submitted
    with pytest.raises(ValidationError):
        perform(app, "return_for_revision", actor=kjt)
    perform(app, "return_for_revision", actor=kjt, comment=REASON)

    assert reload(app).state == S.CULTIVATING
    log = logs(app, "return_for_revision").get()
    assert (log.by, log.source_state, log.state, log.description) == (
        kjt,
        S.RECOMMENDED,
        S.CULTIVATING,
        REASON,
    )
    assert REASON in client_as(unit_a).get(app.get_absolute_url()).content.decode()


def test_art10_2_recommendation_returned_to_cultivation_can_be_recommended_again_with_its_rank(
    make_application, kjt, chengdu, unit_a
):
    app = make_application("recommended")
    rank = app.recommendation.rank
    perform(app, "return_for_revision", actor=kjt, comment=REASON)

    _recommend(app, chengdu, rank=rank)

    assert reload(app).state == S.RECOMMENDED
    assert Recommendation.objects.filter(application=app).count() == 1


# --- Art. 10.1: withdrawal before recommendation ------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "cultivating"])
def test_art10_1_lead_unit_may_withdraw_before_recommendation(make_application, unit_a, state):
    app = make_application(state)

    perform(app, "withdraw", actor=unit_a)

    assert reload(app).state == S.WITHDRAWN


@pytest.mark.parametrize("state", ["recommended", "under_review", "approved"])
def test_art10_1_no_withdrawal_once_recommended(make_application, unit_a, state):
    app = make_application(state)

    with pytest.raises(TransitionNotAllowed):
        perform(app, "withdraw", actor=unit_a)

    assert reload(app).state == state


def test_art10_1_only_the_lead_unit_may_withdraw(make_application, chengdu):
    app = make_application("submitted")

    with pytest.raises(PermissionDenied):
        perform(app, "withdraw", actor=chengdu)

    assert reload(app).state == S.SUBMITTED


# --- Art. 10.3: expert opinions -----------------------------------------------------------------


def test_art10_3_assigned_expert_gives_an_opinion(make_application, experts):
    app = make_application("under_review")

    review = submit_opinion(review_of(app, experts[0]), experts[0], score=91, opinion="技术路线清晰。")

    review.refresh_from_db()
    assert (review.score, review.verdict, review.opinion) == (91, "support", "技术路线清晰。")
    assert review.no_conflict_declared and review.is_submitted


def test_art10_3_only_the_assigned_expert_gives_the_opinion(make_application, experts):
    app = make_application("under_review")
    review = review_of(app, experts[0])

    with pytest.raises(ValidationError):
        submit_opinion(review, experts[1])  # assigned too, but this is not his review
    with pytest.raises(ValidationError):
        submit_opinion(review, experts[2])  # not assigned at all

    assert not review_of(app, experts[0]).is_submitted


def test_art10_3_opinion_only_while_under_review(make_application, experts):
    app = make_application("under_review")
    review = review_of(app, experts[0])
    # The consultation closed (e.g. an administrator ended it) while this opinion was pending.
    IntentApplication.objects.filter(pk=app.pk).update(state=S.REJECTED)

    with pytest.raises(ValidationError) as excinfo:
        submit_opinion(review, experts[0])

    assert excinfo.value.messages == [str(MESSAGE_REVIEW_CLOSED)]
    assert not review_of(app, experts[0]).is_submitted


def test_art10_3_opinion_is_given_only_once(make_application, experts):
    app = make_application("under_review")
    review = review_of(app, experts[0])
    submit_opinion(review, experts[0], score=80)

    with pytest.raises(ValidationError) as excinfo:
        submit_opinion(review, experts[0], score=20, verdict="oppose")

    assert excinfo.value.messages == [str(MESSAGE_REVIEW_DONE)]
    assert (review_of(app, experts[0]).score, review_of(app, experts[0]).verdict) == (80, "support")


def test_art10_3_opinion_requires_a_declaration_of_no_conflict(make_application, experts):
    app = make_application("under_review")

    with pytest.raises(ValidationError) as excinfo:
        submit_opinion(review_of(app, experts[0]), experts[0], no_conflict_declared=False)

    assert excinfo.value.message_dict["no_conflict_declared"] == [str(MESSAGE_DECLARE)]
    assert not review_of(app, experts[0]).is_submitted


@pytest.mark.parametrize("score", [-1, 101, 250])
def test_art10_3_score_outside_0_to_100_is_refused(make_application, experts, score):
    app = make_application("under_review")

    with pytest.raises(ValidationError) as excinfo:
        submit_opinion(review_of(app, experts[0]), experts[0], score=score)

    assert excinfo.value.message_dict["score"] == [str(MESSAGE_SCORE)]
    assert not review_of(app, experts[0]).is_submitted


@pytest.mark.parametrize("score", [0, 100])
def test_art10_3_score_bounds_0_and_100_are_accepted(make_application, experts, score):
    app = make_application("under_review")

    submit_opinion(review_of(app, experts[0]), experts[0], score=score)

    assert review_of(app, experts[0]).score == score


def _review_post(score=85, declared=True):
    data = {"score": str(score), "verdict": "support", "opinion": "建议加强成果转化机制设计。"}
    if declared:
        data["no_conflict_declared"] = "on"
    return data


def test_art10_3_expert_posts_the_opinion(make_application, experts, client_as):
    app = make_application("under_review")

    response = client_as(experts[0]).post(reverse("applications:review", args=[app.pk]), _review_post(88))

    assert response.status_code == 302
    assert response.url == app.get_absolute_url()
    assert review_of(app, experts[0]).score == 88


@pytest.mark.parametrize("score", [-1, 101])
def test_art10_3_posted_score_outside_0_to_100_is_refused(make_application, experts, client_as, score):
    app = make_application("under_review")

    response = client_as(experts[0]).post(reverse("applications:review", args=[app.pk]), _review_post(score))

    assert response.status_code == 400
    assert not review_of(app, experts[0]).is_submitted


def test_art10_3_posted_opinion_without_declaration_is_refused(make_application, experts, client_as):
    app = make_application("under_review")

    response = client_as(experts[0]).post(
        reverse("applications:review", args=[app.pk]), _review_post(declared=False)
    )

    assert response.status_code == 400
    assert str(MESSAGE_DECLARE) in response.content.decode()
    assert not review_of(app, experts[0]).is_submitted


def test_art10_3_unassigned_expert_cannot_post_an_opinion(make_application, experts, client_as):
    app = make_application("under_review")

    response = client_as(experts[2]).post(reverse("applications:review", args=[app.pk]), _review_post())

    assert response.status_code == 404
    assert not ExpertReview.objects.filter(application=app, submitted_at__isnull=False).exists()


def test_art10_3_second_posted_opinion_changes_nothing(make_application, experts, client_as):
    app = make_application("under_review")
    client = client_as(experts[0])
    url = reverse("applications:review", args=[app.pk])
    client.post(url, _review_post(70))

    response = client.post(url, _review_post(10))

    assert response.status_code == 302
    assert str(MESSAGE_REVIEW_DONE) in flash(response)
    assert review_of(app, experts[0]).score == 70


# --- Transitions over HTTP ----------------------------------------------------------------------


def test_http_transition_by_the_right_user_moves_the_state(make_application, chengdu, client_as):
    app = make_application("submitted")

    response = client_as(chengdu).post(
        transition_url(app, "accept_for_cultivation"),
        {"expected_state": S.SUBMITTED, "comment": "同意培育。"},
    )

    assert response.status_code == 302
    assert response.url == app.get_absolute_url()
    assert reload(app).state == S.CULTIVATING
    assert logs(app, "accept_for_cultivation").get().description == "同意培育。"


def test_http_return_without_reason_changes_nothing(make_application, chengdu, client_as):
    app = make_application("submitted")

    response = client_as(chengdu).post(
        transition_url(app, "return_for_revision"), {"expected_state": S.SUBMITTED, "comment": ""}
    )

    assert response.status_code == 400
    assert reload(app).state == S.SUBMITTED
    assert not logs(app, "return_for_revision").exists()


def test_http_approve_on_a_draft_by_kjt_changes_nothing(make_application, kjt, client_as):
    app = make_application("draft")

    response = client_as(kjt).post(transition_url(app, "approve"), {"expected_state": S.DRAFT})

    assert response.status_code == 404  # 科技厅 does not see drafts at all
    assert reload(app).state == S.DRAFT
    assert not logs(app).exists()


def test_http_out_of_order_transition_gives_a_clear_message_and_changes_nothing(
    make_application, kjt, client_as
):
    app = make_application("submitted")
    before = logs(app).count()

    response = client_as(kjt).post(transition_url(app, "approve"), {"expected_state": S.SUBMITTED})

    assert response.status_code == 302
    assert reload(app).state == S.SUBMITTED
    assert logs(app).count() == before
    expected = MESSAGE_NOT_IN_STATE % {
        "transition": "Approve construction",
        "object": "intent application",
        "state": "Submitted to supervisor",
    }
    assert flash(response) == [str(expected)]
    assert not Center.objects.exists()


def test_http_double_post_of_the_same_transition_acts_once(make_application, chengdu, client_as):
    app = make_application("submitted")
    client = client_as(chengdu)
    url = transition_url(app, "accept_for_cultivation")
    client.post(url, {"expected_state": S.SUBMITTED}, follow=True)  # the page shows and clears "Done"

    response = client.post(url, {"expected_state": S.SUBMITTED})

    assert response.status_code == 302
    assert reload(app).state == S.CULTIVATING
    assert logs(app, "accept_for_cultivation").count() == 1
    expected = MESSAGE_STALE % {"object": "intent application", "state": "In cultivation"}
    assert flash(response) == [str(expected)]


def test_http_double_post_of_a_decision_creates_one_center(make_application, kjt, client_as):
    app = make_application("under_review")
    give_opinions(app)
    client = client_as(kjt)
    url = transition_url(app, "approve")

    client.post(url, {"expected_state": S.UNDER_REVIEW})
    client.post(url, {"expected_state": S.UNDER_REVIEW})

    assert reload(app).state == S.APPROVED
    assert Center.objects.filter(application=app).count() == 1
    assert logs(app, "approve").count() == 1
