"""``sctic.workflow.perform`` and ``get_actions``: the one way to move a state (DESIGN.md).

The concurrency tests at the end need PostgreSQL: two threads press the same button at the same
moment, and the row lock taken by ``perform`` (or by ``record_recommendation``) lets only one win.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from accounts.models import User
from accounts.roles import Role
from applications.models import CoBuilder, IntentApplication, Recommendation
from notifications.models import Message
from sctic import workflow
from sctic.demo import cultivate
from sctic.workflow import (
    MESSAGE_COMMENT_REQUIRED,
    MESSAGE_NOT_IN_STATE,
    MESSAGE_STALE,
    MESSAGE_UNKNOWN,
    get_actions,
    perform,
)
from tests.concurrency import race
from tests.factories import UserFactory

S = IntentApplication.State
REASON = "请补充共建单位的分工与利益分配机制。"


pytestmark = pytest.mark.usefixtures("english")


def reload(app):
    return IntentApplication.objects.get(pk=app.pk)


def logs(app, transition=None):
    qs = StateLog.objects.for_(app)
    return qs.filter(transition=transition) if transition else qs


def names(actions):
    return [a.name for a in actions]


# --- perform ------------------------------------------------------------------------------------


def test_perform_refuses_an_unknown_transition(make_application, unit_a):
    app = make_application("draft")

    with pytest.raises(TransitionNotAllowed) as excinfo:
        perform(app, "launch_rocket", actor=unit_a)

    assert str(excinfo.value) == str(MESSAGE_UNKNOWN % {"transition": "launch_rocket"})
    assert reload(app).state == S.DRAFT


def test_perform_returns_the_object_moved_and_saved(make_application, chengdu):
    app = make_application("submitted")

    result = perform(app, "accept_for_cultivation", actor=chengdu)

    assert result is app
    assert app.state == S.CULTIVATING
    assert reload(app).state == S.CULTIVATING


@pytest.mark.parametrize(
    ("transition", "actor"),
    [
        ("accept_for_cultivation", "unit_a"),  # the applicant cannot accept its own application
        ("accept_for_cultivation", "kjt"),  # 科技厅 does not cultivate
        ("withdraw", "chengdu"),  # only the lead unit withdraws
        ("accept_for_cultivation", "mianyang"),  # a supervisor, but not this application's
        ("accept_for_cultivation", "jxt"),
        ("withdraw", "unit_b"),  # an applicant, but of another unit
    ],
)
def test_perform_denies_a_wrong_role_or_the_right_role_of_another_organization(
    make_application, request, transition, actor
):
    app = make_application("submitted")

    with pytest.raises(PermissionDenied):
        perform(app, transition, actor=request.getfixturevalue(actor))

    assert reload(app).state == S.SUBMITTED
    assert not logs(app, transition).exists()


@pytest.mark.parametrize("state", ["draft", "cultivating", "withdrawn"])
def test_perform_tells_an_outsider_nothing_about_the_state(make_application, mianyang, state):
    """Someone who could never press the button gets PermissionDenied, not “not possible while …”."""
    app = make_application(state)

    with pytest.raises(PermissionDenied):
        perform(app, "accept_for_cultivation", actor=mianyang)


def test_perform_denies_an_inactive_user(make_application, chengdu):
    app = make_application("submitted")
    chengdu.is_active = False

    with pytest.raises(PermissionDenied):
        perform(app, "accept_for_cultivation", actor=chengdu)

    assert reload(app).state == S.SUBMITTED


def test_perform_refuses_a_transition_not_possible_in_this_state(make_application, kjt):
    app = make_application("submitted")

    with pytest.raises(TransitionNotAllowed) as excinfo:
        perform(app, "approve", actor=kjt)

    expected = MESSAGE_NOT_IN_STATE % {
        "transition": "Approve construction",
        "object": "intent application",
        "state": "Submitted to supervisor",
    }
    assert str(excinfo.value) == str(expected)
    assert reload(app).state == S.SUBMITTED


def test_perform_refuses_a_stale_copy(make_application, chengdu, unit_a):
    app = make_application("submitted")
    seen_by_supervisor = reload(app)
    perform(app, "withdraw", actor=unit_a)  # meanwhile the applicant withdraws

    with pytest.raises(TransitionNotAllowed) as excinfo:
        perform(seen_by_supervisor, "accept_for_cultivation", actor=chengdu)

    assert str(excinfo.value) == str(MESSAGE_STALE % {"object": "intent application", "state": "Withdrawn"})
    assert reload(app).state == S.WITHDRAWN
    assert not logs(app, "accept_for_cultivation").exists()


def test_perform_refuses_a_stale_copy_of_the_same_transition(make_application, chengdu):
    app = make_application("submitted")
    first, second = reload(app), reload(app)
    perform(first, "accept_for_cultivation", actor=chengdu)

    with pytest.raises(TransitionNotAllowed):
        perform(second, "accept_for_cultivation", actor=chengdu)

    assert logs(app, "accept_for_cultivation").count() == 1


def test_check_expected_state_refuses_what_the_page_did_not_show(make_application):
    app = make_application("submitted")

    workflow.check_expected_state(app, S.SUBMITTED)
    workflow.check_expected_state(app, "")
    with pytest.raises(TransitionNotAllowed):
        workflow.check_expected_state(app, S.DRAFT)


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_perform_requires_a_comment_where_the_regulation_expects_a_reason(make_application, chengdu, comment):
    app = make_application("submitted")

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "return_for_revision", actor=chengdu, comment=comment)

    assert excinfo.value.message_dict == {"comment": [str(MESSAGE_COMMENT_REQUIRED)]}
    assert reload(app).state == S.SUBMITTED
    assert not logs(app).filter(transition="return_for_revision").exists()


def test_perform_optional_comment_may_be_empty(make_application, chengdu):
    app = make_application("submitted")

    perform(app, "accept_for_cultivation", actor=chengdu)

    assert logs(app, "accept_for_cultivation").get().description == ""


def test_perform_rolls_back_state_log_and_handler_writes_when_a_handler_refuses(
    make_application, chengdu, monkeypatch
):
    app = make_application("submitted")
    before_messages = Message.objects.count()

    def refuse(obj, **kwargs):
        CoBuilder.objects.create(application=obj, name="回滚测试单位", kind=CoBuilder.Kind.OTHER)
        raise ValidationError("refused by the handler")

    monkeypatch.setitem(workflow._handlers, (IntentApplication, "accept_for_cultivation"), [refuse])

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "accept_for_cultivation", actor=chengdu)

    assert excinfo.value.messages == ["refused by the handler"]
    assert reload(app).state == S.SUBMITTED
    assert not logs(app, "accept_for_cultivation").exists()
    assert not CoBuilder.objects.filter(name="回滚测试单位").exists()
    assert Message.objects.count() == before_messages


def test_perform_rolls_back_when_a_real_handler_refuses(make_application, chengdu, unit_a):
    """``record_recommendation`` refuses a rank already taken: nothing of the recommendation stays."""
    taken = make_application("recommended")
    app = make_application("cultivating")
    cultivate(app, unit_a)

    with pytest.raises(ValidationError):
        perform(app, "recommend", actor=chengdu, opinion="同意推荐。", rank=taken.recommendation.rank)

    assert reload(app).state == S.CULTIVATING
    assert not logs(app, "recommend").exists()
    assert not Recommendation.objects.filter(application=app).exists()


def test_perform_logs_who_what_from_to_and_why(make_application, chengdu):
    app = make_application("submitted")

    perform(app, "return_for_revision", actor=chengdu, comment=f"  {REASON}  ")

    log = logs(app).get(transition="return_for_revision")
    assert log.by == chengdu
    assert log.description == REASON
    assert (log.source_state, log.state) == (S.SUBMITTED, S.RETURNED)
    assert log.content_object == app
    assert log.timestamp <= timezone.now()


def test_perform_runs_the_handlers_in_its_transaction(make_application, chengdu, monkeypatch):
    app = make_application("submitted")
    calls = []

    def record(obj, **kwargs):
        calls.append((obj.pk, obj.state, type(obj).objects.get(pk=obj.pk).state, kwargs))

    monkeypatch.setitem(workflow._handlers, (IntentApplication, "accept_for_cultivation"), [record])

    perform(app, "accept_for_cultivation", actor=chengdu, comment="同意培育。", extra="data")

    assert len(calls) == 1
    pk, state, saved_state, kwargs = calls[0]
    assert (pk, state, saved_state) == (app.pk, S.CULTIVATING, S.CULTIVATING)
    assert kwargs == {
        "actor": chengdu,
        "comment": "同意培育。",
        "transition": "accept_for_cultivation",
        "source": S.SUBMITTED,
        "extra": "data",
    }


def test_perform_runs_the_wildcard_handlers_that_notify_the_parties(make_application, unit_a, chengdu):
    app = make_application("draft")

    perform(app, "submit", actor=unit_a)

    assert Message.objects.filter(recipient=chengdu, object_id=app.pk).exists()
    assert not Message.objects.filter(recipient=unit_a, object_id=app.pk).exists()


# --- get_actions --------------------------------------------------------------------------------


def test_get_actions_lists_only_what_the_user_may_do(
    make_application, unit_a, unit_b, chengdu, mianyang, kjt
):
    app = make_application("submitted")

    assert set(names(get_actions(app, chengdu))) == {
        "accept_for_cultivation",
        "return_for_revision",
        "decline",
    }
    assert names(get_actions(app, unit_a)) == ["withdraw"]
    assert get_actions(app, kjt) == []
    assert get_actions(app, mianyang) == []
    assert get_actions(app, unit_b) == []
    assert get_actions(app, AnonymousUser()) == []


def test_get_actions_offers_each_transition_once_with_the_variant_for_the_state(
    make_application, kjt, chengdu
):
    app = make_application("recommended")

    actions = get_actions(app, kjt)

    assert sorted(names(actions)) == ["return_for_revision", "start_review"]
    back = next(a for a in actions if a.name == "return_for_revision")
    assert (back.label, back.comment) == ("Return to cultivation", "required")
    assert get_actions(app, chengdu) == []


def test_get_actions_shows_blocked_reasons_until_conditions_hold(make_application, chengdu, unit_a):
    app = make_application("cultivating")

    recommend = next(a for a in get_actions(app, chengdu) if a.name == "recommend")
    assert len(recommend.blocked) == 4
    assert any("construction and operation plan" in reason for reason in recommend.blocked)
    assert any("Art. 3" in reason for reason in recommend.blocked)

    cultivate(app, unit_a)
    app.refresh_from_db()
    recommend = next(a for a in get_actions(app, chengdu) if a.name == "recommend")
    assert recommend.blocked == ()
    assert recommend.needs_page


def test_get_actions_blocks_submit_of_an_incomplete_draft(make_application, unit_a):
    app = make_application("draft", director_full_time=False)

    submit = next(a for a in get_actions(app, unit_a) if a.name == "submit")

    assert submit.blocked == ("Art. 12: the director must work for the center full-time.",)


def test_get_actions_blocks_decisions_until_every_opinion_is_in(make_application, kjt):
    app = make_application("under_review")

    actions = {a.name: a for a in get_actions(app, kjt)}

    assert set(actions) == {"approve", "reject"}
    assert actions["approve"].blocked == ("Not every assigned expert has given an opinion yet.",)


# --- two people pressing the same button at once (PostgreSQL row locks) -------------------------


class Press:
    """One user pressing ``transition`` on their own freshly loaded copy of the application."""

    def __init__(self, app_pk, user_pk, transition, **data):
        self.app_pk, self.user_pk, self.transition, self.data = app_pk, user_pk, transition, data

    def prepare(self):
        return IntentApplication.objects.get(pk=self.app_pk), User.objects.get(pk=self.user_pk)

    def act(self, prepared):
        app, user = prepared
        return perform(app, self.transition, actor=user, **self.data)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_pressing_accept_at_once_act_once(make_application, chengdu):
    app = make_application("submitted")
    colleague = UserFactory(organization=chengdu.organization, role=Role.SUPERVISOR)

    outcomes = race(
        Press(app.pk, chengdu.pk, "accept_for_cultivation", comment="同意培育。"),
        Press(app.pk, colleague.pk, "accept_for_cultivation", comment="同意培育。"),
    )

    won = [o for o in outcomes if isinstance(o, IntentApplication)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1 and isinstance(lost[0], TransitionNotAllowed), outcomes
    assert str(lost[0]) == str(MESSAGE_STALE % {"object": "intent application", "state": "In cultivation"})
    assert reload(app).state == S.CULTIVATING
    assert logs(app).filter(transition="accept_for_cultivation").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_only_one_happens(make_application, chengdu):
    app = make_application("submitted")
    colleague = UserFactory(organization=chengdu.organization, role=Role.SUPERVISOR)

    outcomes = race(
        Press(app.pk, chengdu.pk, "accept_for_cultivation"),
        Press(app.pk, colleague.pk, "decline", comment="暂不纳入培育。"),
    )

    assert sum(isinstance(o, IntentApplication) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, TransitionNotAllowed) for o in outcomes) == 1, outcomes
    final = reload(app).state
    assert final in (S.CULTIVATING, S.DECLINED)
    moves = logs(app).exclude(transition="submit")
    assert moves.count() == 1
    assert moves.get().state == final


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_art10_2_two_supervisors_recommending_with_the_same_rank_at_once(make_application, chengdu, unit_a):
    first, second = make_application("cultivating"), make_application("cultivating")
    for app in (first, second):
        cultivate(app, unit_a)
    colleague = UserFactory(organization=chengdu.organization, role=Role.SUPERVISOR)

    outcomes = race(
        Press(first.pk, chengdu.pk, "recommend", opinion="同意推荐。", rank=1),
        Press(second.pk, colleague.pk, "recommend", opinion="同意推荐。", rank=1),
    )

    assert sum(isinstance(o, IntentApplication) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1, outcomes
    assert "rank" in refused[0].message_dict
    assert Recommendation.objects.filter(supervisor=chengdu.organization, rank=1).count() == 1
    states = sorted(reload(app).state for app in (first, second))
    assert states == sorted([S.CULTIVATING, S.RECOMMENDED])
    assert StateLog.objects.filter(transition="recommend").count() == 1
