"""Issue 11: one expert-review mechanism for consultation (Art. 10.3) and evaluation (Art. 21) —
random draws with 回避 and reserves, invitations accepted or declined, withdrawal, adding experts,
the 组长's group opinion. DESIGN.md "Expert assignments" and "experts.Draw"."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_fsm import TransitionNotAllowed
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Organization
from applications.models import ExpertReview, IntentApplication
from applications.services import expert_review_submit
from experts import services
from experts.models import Draw, GroupOpinion
from notifications.models import Message
from sctic.choices import TechnologyField
from sctic.workflow import perform
from tests.concurrency import race
from tests.factories import ExpertFactory, OrganizationFactory
from tests.test_art22_evaluation import CENTER_NAME, INDEX, advance, file_reports, make_center, open_round

S = IntentApplication.State
A = ExpertReview.State
MINIMUM = django_settings.SCTIC["CONSULTATION_MIN_EXPERTS"]


@pytest.fixture
def pool(db):
    """Six independent experts in the application's field."""
    return [
        ExpertFactory(username=f"pool{i}", field=TechnologyField.EQUIPMENT_MANUFACTURING) for i in range(6)
    ]


@pytest.fixture
def evaluation_under_review(unit_a, chengdu, kjt, experts):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    evaluation = open_round(kjt).evaluations.get(center=center)
    return advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)


@pytest.fixture
def recommended(make_application):
    return make_application("recommended")


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def draw_for(app, kjt, *, count=2, reserves=1, seed=7, **criteria):
    perform(
        app,
        "start_review",
        actor=kjt,
        method="random",
        count=count,
        reserves=reserves,
        seed=seed,
        criteria=criteria,
    )
    return Draw.objects.get(object_id=app.pk, method="random")


def opine(review, score=80):
    return expert_review_submit(
        review,
        actor=review.expert,
        no_conflict_declared=True,
        score=score,
        verdict="support",
        opinion="同意。",
    )


# --- the draw ------------------------------------------------------------------------------------


def test_art10_3_a_draw_is_recorded_and_replays_from_its_seed(recommended, kjt, pool):
    draw = draw_for(recommended, kjt, count=3, reserves=2, seed=20261207)
    assert len(draw.drawn) == 3 and len(draw.reserves) == 2
    assert not set(draw.drawn) & set(draw.reserves)
    assert set(draw.drawn) | set(draw.reserves) <= set(draw.candidates)
    assert draw.run_by == kjt and draw.seed == 20261207
    # Same candidates, same seed: same experts and reserves, in the same order.
    assert services.pick(draw.candidates, 5, draw.seed) == [*draw.drawn, *draw.reserves]
    assert services.replays(draw)
    invited = set(recommended.expert_reviews.values_list("expert_id", flat=True))
    assert invited == set(draw.drawn)
    assert all(r.state == A.INVITED and r.draw_id == draw.pk for r in recommended.expert_reviews.all())


def test_art10_3_a_tampered_draw_does_not_replay(recommended, kjt, pool):
    draw = draw_for(recommended, kjt, count=2, reserves=1)
    draw.drawn = list(reversed(draw.drawn))
    assert not services.replays(draw)


def test_art10_3_too_few_candidates_is_refused_and_nothing_is_drawn(recommended, kjt, experts):
    # experts (3) are the only candidates: 3 + 1 reserve cannot be drawn.
    with pytest.raises(ValidationError) as exc:
        perform(recommended, "start_review", actor=kjt, method="random", count=3, reserves=1)
    expected = services.MESSAGE_TOO_FEW_CANDIDATES % {"found": 3, "needed": 4, "count": 3, "reserves": 1}
    assert exc.value.message_dict["count"] == [str(expected)]
    assert reload(recommended).state == S.RECOMMENDED
    assert not Draw.objects.exists()
    assert not ExpertReview.objects.exists()


def test_art10_3_a_draw_below_the_minimum_is_refused(recommended, kjt, pool):
    with pytest.raises(ValidationError):
        perform(recommended, "start_review", actor=kjt, method="random", count=MINIMUM - 1, reserves=0)
    assert not Draw.objects.exists()


def test_art10_3_draw_criteria_fields_regions_and_excluded_organizations(recommended, kjt, db):
    mianyang_org = OrganizationFactory(region="510700")
    far = OrganizationFactory(region="511500")
    excluded = OrganizationFactory(region="511500")
    same_region = ExpertFactory(organization=OrganizationFactory(region=recommended.lead_unit.region))
    wrong_field = ExpertFactory(organization=far, field=TechnologyField.MEDICINE_HEALTH)
    secondary = ExpertFactory(organization=far, field=TechnologyField.MEDICINE_HEALTH)
    secondary.expert_profile.secondary_fields = [TechnologyField.EQUIPMENT_MANUFACTURING]
    secondary.expert_profile.save()
    from_excluded = ExpertFactory(organization=excluded)
    good = ExpertFactory(organization=mianyang_org)
    criteria = {
        "fields": [TechnologyField.EQUIPMENT_MANUFACTURING],
        "other_regions": True,
        "exclude_organizations": [excluded.pk],
    }
    eligible = {u.pk for u in services.eligible(services.review_of(recommended), recommended, criteria)}
    assert {good.pk, secondary.pk} <= eligible
    assert not eligible & {same_region.pk, wrong_field.pk, from_excluded.pk}


def test_art10_3_not_used_for_the_same_unit_in_the_last_years(make_application, kjt, experts, pool):
    earlier = make_application("under_review")  # experts[:2] reviewed this unit's other application
    later = make_application("recommended")
    assert earlier.lead_unit_id == later.lead_unit_id
    review = services.review_of(later)
    recent = {u.pk for u in services.eligible(review, later, {"not_used_years": 3})}
    assert not recent & {experts[0].pk, experts[1].pk}
    assert {experts[0].pk, experts[1].pk} <= {u.pk for u in services.eligible(review, later, {})}


@hypothesis_settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(
        st.sampled_from(["lead", "supervisor", "cobuilder", "avoids", "avoids_name", "free"]),
        min_size=4,
        max_size=9,
    ),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_art10_3_parties_and_declared_avoidances_are_never_drawn(recommended, kjt, kinds, seed):
    """Over random pools: whoever works for a party or declared that they avoid one is never drawn."""
    app = recommended
    cobuilder = app.cobuilders.first()
    cobuilder_org = Organization.objects.filter(name=cobuilder.name).first() or OrganizationFactory(
        name=cobuilder.name
    )
    with transaction.atomic():
        banned = set()
        for kind in kinds:
            org = {"lead": app.lead_unit, "supervisor": app.supervisor, "cobuilder": cobuilder_org}.get(kind)
            user = ExpertFactory(organization=org or OrganizationFactory())
            if kind == "avoids":
                user.expert_profile.avoid_organizations.add(app.lead_unit)
            if kind == "avoids_name":
                user.expert_profile.avoid_names = f"某单位\n{cobuilder.name}\n"
                user.expert_profile.save()
            if kind != "free":
                banned.add(user.pk)
        review = services.review_of(app)
        eligible = services.eligible(review, app, {})
        assert not {u.pk for u in eligible} & banned
        free = len(eligible)
        if free >= 1:
            draw = services.random_draw(review, app, actor=kjt, count=1, reserves=free - 1, seed=seed)
            assert not (set(draw.drawn) | set(draw.reserves)) & banned
        else:
            with pytest.raises(ValidationError):
                services.random_draw(review, app, actor=kjt, count=1, seed=seed)
        transaction.set_rollback(True)


def test_art10_3_a_manual_choice_needs_a_reason_and_is_recorded(recommended, kjt, experts):
    with pytest.raises(ValidationError) as exc:
        perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="  ")
    assert exc.value.message_dict["reason"] == [str(services.MESSAGE_REASON)]
    assert not ExpertReview.objects.exists() and not Draw.objects.exists()
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="需熟悉装备制造的专家")
    draw = Draw.objects.get()
    assert draw.method == Draw.Method.MANUAL and draw.reason == "需熟悉装备制造的专家"
    assert set(draw.drawn) == {experts[0].pk, experts[1].pk}


# --- invitations: accept, decline, reserves ------------------------------------------------------


def test_art10_3_a_decline_invites_the_next_reserve(recommended, kjt, pool, client):
    draw = draw_for(recommended, kjt, count=2, reserves=2)
    decliner = ExpertReview.objects.get(application=recommended, expert_id=draw.drawn[0])
    perform(decliner, "decline", actor=decliner.expert, reason="unavailable")
    decliner.refresh_from_db()
    assert decliner.state == A.DECLINED and decliner.decline_reason == "unavailable"
    reserve = ExpertReview.objects.get(application=recommended, expert_id=draw.reserves[0])
    assert reserve.state == A.INVITED and reserve.due_on == decliner.due_on and reserve.draw_id == draw.pk
    assert not ExpertReview.objects.filter(application=recommended, expert_id=draw.reserves[1]).exists()
    assert Message.objects.filter(recipient_id=draw.reserves[0], object_id=recommended.pk).exists()
    # The declining expert no longer sees the application; the reserve does.
    client.force_login(decliner.expert)
    assert client.get(recommended.get_absolute_url()).status_code == 404
    client.force_login(reserve.expert)
    assert client.get(recommended.get_absolute_url()).status_code == 200


def test_art10_3_with_no_reserve_left_the_department_is_told(recommended, kjt, pool):
    draw = draw_for(recommended, kjt, count=2, reserves=0)
    decliner = ExpertReview.objects.get(application=recommended, expert_id=draw.drawn[0])
    perform(decliner, "decline", actor=decliner.expert, reason="conflict")
    assert ExpertReview.objects.filter(application=recommended).count() == 2
    assert Message.objects.filter(
        recipient=kjt, object_id=recommended.pk, subject__contains=decliner.expert.full_name[:0]
    ).exists()
    assert Message.objects.filter(recipient=kjt, object_id=recommended.pk).count() >= 1


def test_art10_3_only_the_invited_expert_answers_the_invitation(recommended, kjt, experts, pool):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    review = ExpertReview.objects.get(application=recommended, expert=experts[0])
    for intruder in (experts[1], kjt, pool[0]):
        with pytest.raises(PermissionDenied):
            perform(review, "accept", actor=intruder)
    with pytest.raises(PermissionDenied):
        perform(review, "withdraw", actor=experts[0], comment="不想做了")
    perform(review, "accept", actor=experts[0])
    assert reload(review).state == A.ACCEPTED and reload(review).no_conflict_declared
    with pytest.raises(TransitionNotAllowed):
        perform(reload(review), "accept", actor=experts[0])


def test_art10_3_an_invitation_cannot_be_answered_after_the_decision(make_application, kjt):
    app = make_application("approved")
    review = app.expert_reviews.first()
    with pytest.raises((TransitionNotAllowed, ValidationError)):
        perform(review, "decline", actor=review.expert, reason="unavailable")


# --- withdrawal and counting ---------------------------------------------------------------------


def test_art10_3_withdrawal_revokes_access_and_the_application_is_decided_without_them(
    recommended, kjt, experts, client
):
    perform(recommended, "start_review", actor=kjt, experts=experts, reason="指定三位专家")
    gone = opine(ExpertReview.objects.get(application=recommended, expert=experts[2]), score=10)
    perform(gone, "withdraw", actor=kjt, comment="发现与申报单位存在合作关系")
    gone.refresh_from_db()
    assert gone.state == A.WITHDRAWN and gone.score == 10  # kept, not counted
    client.force_login(experts[2])
    assert client.get(recommended.get_absolute_url()).status_code == 404
    assert client.post(f"{recommended.get_absolute_url()}review/", {"score": 90}).status_code == 404
    for review in ExpertReview.objects.filter(application=recommended, state=A.INVITED):
        opine(review)
    perform(recommended, "approve", actor=kjt)
    assert reload(recommended).state == S.APPROVED


def test_art10_3_a_declined_or_withdrawn_expert_never_counts(recommended, kjt, experts, pool):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    first, second = ExpertReview.objects.filter(application=recommended).order_by("pk")
    opine(first)
    perform(second, "decline", actor=second.expert, reason="outside_field")
    # One counted expert left, below the minimum: the decision waits, and says why.
    with pytest.raises(ValidationError) as exc:
        perform(recommended, "approve", actor=kjt)
    assert str(services.MESSAGE_TOO_FEW_LEFT % {"counted": 1, "required": MINIMUM}) in exc.value.messages
    services.choose(recommended, actor=kjt, experts=[pool[0]], reason="补充专家", minimum=1)
    with pytest.raises(ValidationError):
        perform(recommended, "approve", actor=kjt)  # the new expert has not answered yet
    opine(ExpertReview.objects.get(application=recommended, expert=pool[0]))
    perform(recommended, "approve", actor=kjt)


def test_art21_a_withdrawn_experts_scores_do_not_count(evaluation_under_review, kjt, experts, pool):
    from evaluations import services as evaluation_services
    from tests.test_art22_evaluation import submit_scores

    evaluation = evaluation_under_review
    services.choose(evaluation, actor=kjt, experts=[pool[0]], reason="补充专家", minimum=1)
    for expert in experts:
        submit_scores(evaluation, expert, 80)
    submit_scores(evaluation, pool[0], 0)
    with_all = evaluation_services.evaluation_total(evaluation)
    perform(evaluation.experts.get(expert=pool[0]), "withdraw", actor=kjt, comment="回避")
    without = evaluation_services.evaluation_total(evaluation)
    assert without > with_all
    assert evaluation.experts.get(expert=pool[0]).scores.exists()  # kept


@pytest.mark.django_db(transaction=True)
def test_two_staff_withdrawing_the_same_expert_at_once_withdraw_once(recommended, kjt, experts):
    perform(recommended, "start_review", actor=kjt, experts=experts, reason="指定")
    target = ExpertReview.objects.get(application=recommended, expert=experts[0])
    colleague = type(kjt).objects.create(username="kjt2", full_name="科技厅二", organization=kjt.organization)
    colleague.groups.add(Group.objects.get(name="department"))

    class Withdraw:
        def __init__(self, actor):
            self.actor = actor

        def prepare(self):
            return ExpertReview.objects.get(pk=target.pk)

        def act(self, review):
            return perform(review, "withdraw", actor=self.actor, comment="重复")

    outcomes = race(Withdraw(kjt), Withdraw(colleague))
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(
        isinstance(o, (TransitionNotAllowed, ValidationError)) for o in outcomes if isinstance(o, Exception)
    )
    from django_fsm_log.models import StateLog

    assert StateLog.objects.for_(target).filter(transition="withdraw").count() == 1


# --- the group opinion ---------------------------------------------------------------------------


def test_art10_3_the_group_opinion_is_shown_to_the_unit_only_after_the_decision_and_without_names(
    recommended, kjt, experts, unit_a, client
):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    leader, other = ExpertReview.objects.filter(application=recommended).order_by("pk")
    perform(leader, "accept", actor=leader.expert)
    services.name_leader(reload(leader), actor=kjt)
    opinion = GroupOpinion.objects.get()
    with pytest.raises(ValidationError):  # not every expert is in yet
        services.opinion_save(opinion, actor=leader.expert, conclusion="support", reasons="早")
    opine(reload(leader))
    expert_review_submit(
        other,
        actor=other.expert,
        no_conflict_declared=True,
        score=70,
        verdict="oppose",
        opinion="个人意见<b>不公开</b>",
    )
    # The decision waits for the approved group opinion.
    with pytest.raises(ValidationError):
        perform(recommended, "approve", actor=kjt)
    services.opinion_save(
        opinion,
        actor=leader.expert,
        conclusion="support",
        reasons="专家组认为技术路线清晰。<script>alert(1)</script>",
    )
    perform(reload(opinion), "submit", actor=leader.expert)
    with pytest.raises(PermissionDenied):
        perform(reload(opinion), "approve", actor=leader.expert)
    client.force_login(unit_a)
    page = client.get(recommended.get_absolute_url()).content.decode()
    assert "专家组认为技术路线清晰" not in page
    perform(reload(opinion), "approve", actor=kjt)
    assert reload(opinion).approved_by == kjt
    # Approved, but the application is not decided yet: still not for the unit.
    page = client.get(recommended.get_absolute_url()).content.decode()
    assert "专家组认为技术路线清晰" not in page
    perform(recommended, "approve", actor=kjt)
    page = client.get(recommended.get_absolute_url()).content.decode()
    assert "专家组认为技术路线清晰" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    for expert in experts[:2]:
        assert expert.full_name not in page
    assert "个人意见" not in page


def test_art10_3_only_an_accepted_expert_leads_the_group(recommended, kjt, experts):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    invited = ExpertReview.objects.filter(application=recommended).first()
    with pytest.raises(ValidationError):
        services.name_leader(invited, actor=kjt)
    assert not GroupOpinion.objects.exists()


# --- pages ----------------------------------------------------------------------------------------


def test_art10_3_assignment_pages_access(recommended, kjt, experts, unit_a, chengdu, client):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    review = ExpertReview.objects.get(application=recommended, expert=experts[0])
    accept = f"/experts/consultation/assignments/{review.pk}/transitions/accept/"
    withdraw = f"/experts/consultation/assignments/{review.pk}/transitions/withdraw/"
    add = f"/experts/consultation/{recommended.pk}/add/"
    leader = f"/experts/consultation/assignments/{review.pk}/leader/"
    expected = {
        (accept, "GET"): {"kjt": 403, "expert0": 200, "expert1": 404, "unit_a": 404, "chengdu": 404},
        (withdraw, "GET"): {"kjt": 200, "expert0": 403, "expert1": 404, "unit_a": 404},
        (add, "GET"): {"kjt": 200, "expert0": 403, "unit_a": 403, "chengdu": 403},
        (leader, "POST"): {"expert0": 403, "unit_a": 403},
    }
    users = {"kjt": kjt, "expert0": experts[0], "expert1": experts[1], "unit_a": unit_a, "chengdu": chengdu}
    for (url, method), by_user in expected.items():
        for who, status in by_user.items():
            client.force_login(users[who])
            response = client.get(url) if method == "GET" else client.post(url)
            assert response.status_code == status, (url, who, response.status_code)
    client.logout()
    assert client.get(accept).status_code == 302
    assert client.get("/experts/nonsense/assignments/1/transitions/accept/").status_code in (302, 404)


def test_art10_3_accept_and_decline_over_http(recommended, kjt, experts, pool, client):
    draw_for(recommended, kjt, count=2, reserves=1)
    review = ExpertReview.objects.filter(application=recommended).first()
    client.force_login(review.expert)
    url = f"/experts/consultation/assignments/{review.pk}/transitions/accept/"
    assert client.post(url, {"expected_state": "invited"}).status_code == 400  # no declaration
    assert reload(review).state == A.INVITED
    response = client.post(url, {"expected_state": "invited", "no_conflict_declared": "on"})
    assert response.status_code == 302 and reload(review).state == A.ACCEPTED
    url = f"/experts/consultation/assignments/{review.pk}/transitions/decline/"
    response = client.post(url, {"expected_state": "accepted", "reason": "other"})
    assert response.status_code == 400 and reload(review).state == A.ACCEPTED  # "other" needs a comment
    response = client.post(url, {"expected_state": "accepted", "reason": "other", "comment": "出国"})
    assert response.status_code == 302 and response.url == "/"
    assert reload(review).state == A.DECLINED


def test_art10_3_the_department_sees_draws_and_states_on_the_application(
    recommended, kjt, pool, client, django_assert_max_num_queries
):
    draw = draw_for(recommended, kjt, count=2, reserves=1, seed=99)
    client.force_login(kjt)
    page = client.get(recommended.get_absolute_url()).content.decode()
    assert 'id="draws"' in page and "<code>99</code>" in page
    assert page.count("data-assignment=") == 2
    assert draw.run_by.full_name in page


def test_art10_3_the_add_experts_page_keeps_what_was_typed(recommended, kjt, experts, client):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    client.force_login(kjt)
    response = client.post(
        f"/experts/consultation/{recommended.pk}/add/",
        {"method": "random", "count": 5, "reserves": 0, "reason": "保留<我>的文字"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "保留&lt;我&gt;的文字" in page
    assert ExpertReview.objects.filter(application=recommended).count() == 2


# --- the group opinion in the decisions (Art. 10.3, 23) ------------------------------------------


def lead_and_approve(subject, kjt, **data):
    """The first submitted expert leads; the group opinion is written, submitted and approved."""
    review = services.review_of(subject)
    leader = review.assignments(subject).filter(state="submitted").first()
    services.name_leader(leader, actor=kjt)
    opinion = services.opinion_save(services.group_opinion(subject), actor=leader.expert, **data)
    perform(opinion, "submit", actor=leader.expert)
    perform(reload(opinion), "approve", actor=kjt)
    return reload(opinion)


def test_art10_3_the_rejection_notice_quotes_the_group_opinion(recommended, kjt, experts):
    from notices.models import Kind, Notice

    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    for review in ExpertReview.objects.filter(application=recommended):
        opine(review, score=40)
    lead_and_approve(recommended, kjt, conclusion="oppose", reasons="与现有平台方向重复，协同机制不具体。")
    perform(recommended, "reject", actor=kjt, comment="暂不批准建设。")
    body = Notice.objects.get(kind=Kind.REJECTION).body
    quoted = services.group_opinion_text(recommended)
    assert quoted.endswith("。与现有平台方向重复，协同机制不具体。")
    assert f"专家组意见：{quoted}" in body
    for expert in experts[:2]:
        assert expert.full_name not in body


def test_art10_3_without_a_group_leader_the_rejection_notice_has_no_group_opinion(recommended, kjt, experts):
    from notices.models import Kind, Notice

    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    for review in ExpertReview.objects.filter(application=recommended):
        opine(review, score=40)
    perform(recommended, "reject", actor=kjt, comment="暂不批准建设。")
    assert "专家组意见" not in Notice.objects.get(kind=Kind.REJECTION).body


def test_art23_the_rectification_notice_and_plan_answer_the_groups_problems(
    evaluation_under_review, kjt, experts, unit_a, client
):
    from evaluations.forms import RectificationForm
    from evaluations.models import AREAS, Grade
    from notices.models import Kind, Notice
    from tests.test_art22_evaluation import SCORE_FOR, grade, submit_scores

    evaluation = evaluation_under_review
    for expert in experts:
        submit_scores(evaluation, expert, SCORE_FOR[Grade.FAIL])
    areas = {area: {"strengths": "有", "problems": "", "suggestions": "改"} for area, _label in AREAS}
    areas["incubation"]["problems"] = "孵化企业数量不足<b>"
    areas["governance"]["problems"] = "理事会未按章程召开"
    lead_and_approve(evaluation, kjt, areas=areas)
    grade(evaluation, Grade.FAIL, actor=kjt)
    evaluation.refresh_from_db()
    assert evaluation.state == "rectifying"
    body = Notice.objects.get(kind=Kind.RECTIFICATION).body
    assert "孵化企业数量不足<b>" in body and "理事会未按章程召开" in body
    form = RectificationForm(instance=evaluation)
    assert [f for f in form.fields if f.startswith("answer_")] == ["answer_incubation", "answer_governance"]
    client.force_login(unit_a)
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert "孵化企业数量不足&lt;b&gt;" in page  # the group opinion, escaped, for the center
    for expert in experts:
        assert expert.full_name not in page
    assert 'id="area-scores"' in page
    response = client.post(
        f"{evaluation.get_absolute_url()}rectification/",
        {
            "rectification_plan": "整改方案",
            "answer_incubation": "新增孵化企业3家",
            "answer_governance": "已召开理事会",
        },
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.rectification_answers == {"incubation": "新增孵化企业3家", "governance": "已召开理事会"}


def test_art21_an_expert_reads_the_scores_they_submitted(evaluation_under_review, experts, client):
    from tests.test_art22_evaluation import submit_scores

    submit_scores(evaluation_under_review, experts[0], 77, comment="自评材料<i>翔实</i>")
    client.force_login(experts[0])
    page = client.get(evaluation_under_review.get_absolute_url()).content.decode()
    assert 'id="own-scores"' in page and "自评材料&lt;i&gt;翔实&lt;/i&gt;" in page
    client.force_login(experts[1])
    assert 'id="own-scores"' not in client.get(evaluation_under_review.get_absolute_url()).content.decode()


def test_art10_3_group_opinion_pages_access(recommended, kjt, experts, unit_a, client):
    perform(recommended, "start_review", actor=kjt, experts=experts[:2], reason="指定")
    leader, other = ExpertReview.objects.filter(application=recommended).order_by("pk")
    perform(leader, "accept", actor=leader.expert)
    services.name_leader(reload(leader), actor=kjt)
    opinion = GroupOpinion.objects.get()
    url = f"/experts/opinions/{opinion.pk}/"
    client.force_login(leader.expert)
    assert client.get(url).status_code == 302  # not every expert is in yet: back with a message
    opine(reload(leader))
    opine(other)
    for user, status in ((other.expert, 404), (unit_a, 404), (leader.expert, 200), (kjt, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(leader.expert)
    response = client.post(url, {"conclusion": "support"})  # reasons missing
    assert response.status_code == 400
    assert reload(opinion).reasons == ""
    response = client.post(url, {"conclusion": "support", "reasons": "同意\x00建设"})
    assert response.status_code in (302, 400)
    client.force_login(other.expert)
    assert client.get(f"{url}transitions/submit/").status_code == 404


def test_art10_3_the_application_page_keeps_its_queries_as_experts_grow(recommended, kjt, pool, client):
    """科技厅's page of an application under review: the same number of queries with 2 or 6 experts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    perform(recommended, "start_review", actor=kjt, experts=pool[:2], reason="指定")
    client.force_login(kjt)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(recommended.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    services.choose(recommended, actor=kjt, experts=pool[2:], reason="补充", minimum=1)
    perform(ExpertReview.objects.get(application=recommended, expert=pool[2]), "accept", actor=pool[2])
    assert count() == few


def test_art10_3_review_urls_with_huge_or_malformed_parameters_give_404(kjt, client):
    client.force_login(kjt)
    for url in (
        "/experts/consultation/99999999999999999999999/add/",
        "/experts/evaluation/assignments/99999999999999999999/transitions/withdraw/",
        "/experts/opinions/99999999999999999999/",
        "/experts/nope/1/add/",
        "/experts/consultation/assignments/1/transitions/%00/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/experts/consultation/assignments/99999999999999999999/leader/").status_code == 404


def test_art10_3_not_used_in_the_last_years_on_29_february(recommended, kjt, pool, monkeypatch):
    """A draw on 29 February looks back to 28 February of an earlier year, never a 500."""
    from datetime import date

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: date(2028, 2, 29))
    review = services.review_of(recommended)
    assert len(services.eligible(review, recommended, {"not_used_years": 1})) == len(pool) + 3
