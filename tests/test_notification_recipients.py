"""Who is told (notifications.services.notify and the recipient selectors): never the actor of
what is reported, on every path (expert assignment, "all opinions in", notices), never a
deactivated user, and a withdrawn draft concerns nobody outside the lead unit (Art. 10.1)."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from accounts.selectors import members, role_members
from applications.models import IntentApplication
from applications.services import expert_review_submit
from experts.models import ExpertProfile
from notices.models import Notice
from notifications import services
from notifications.models import Category, Message
from sctic.workflow import perform
from tests.factories import UserFactory

S = IntentApplication.State


def told(obj) -> set[str]:
    return set(Message.objects.filter(object_id=obj.pk).values_list("recipient__username", flat=True))


def give_role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])


# --- Art. 10.1: withdrawing ---------------------------------------------------------------------


def test_art10_1_withdrawing_a_draft_tells_the_supervisor_nothing(make_application, unit_a):
    draft = make_application("draft")

    perform(draft, "withdraw", actor=unit_a)

    assert told(draft) == set()


@pytest.mark.parametrize("state", ["submitted", "returned", "cultivating"])
def test_art10_1_withdrawing_a_submitted_application_tells_the_supervisor(make_application, unit_a, state):
    app = make_application(state)
    Message.objects.all().delete()

    perform(app, "withdraw", actor=unit_a)

    assert told(app) == {"chengdu"}


# --- the actor is never told of their own action -----------------------------------------------


def test_notify_leaves_out_the_actor(unit_a, chengdu):
    messages = services.notify([unit_a, chengdu, chengdu], subject="s", body="b", actor=chengdu)

    assert [m.recipient for m in messages] == [unit_a]


def test_art10_3_all_opinions_in_is_not_told_to_the_expert_who_gave_the_last(make_application, experts, kjt):
    """A 科技厅 staff member who is also in the expert pool gives the last opinion: the other
    department users hear that all opinions are in, not the one who just gave it."""
    app = make_application("under_review")
    last = experts[1]
    give_role(last, Role.DEPARTMENT)
    first_review, last_review = app.expert_reviews.order_by("expert__username")
    opinion = {"no_conflict_declared": True, "score": 80, "verdict": "support", "opinion": "同意。"}
    expert_review_submit(first_review, actor=experts[0], **opinion)
    Message.objects.all().delete()

    expert_review_submit(last_review, actor=last, **opinion)

    assert told(app) == {"kjt"}


def test_art10_3_expert_assignment_is_not_told_to_the_assigning_department_user(
    make_application, experts, kjt
):
    """A 科技厅 staff member in the expert pool starts the consultation and assigns themself."""
    app = make_application("recommended")
    give_role(kjt, Role.EXPERT)
    ExpertProfile.objects.create(user=kjt, field=app.technology_field, professional_title="研究员")
    Message.objects.all().delete()

    perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[kjt, *experts[:2]])

    assert app.expert_reviews.count() == 3
    assignment = Message.objects.filter(object_id=app.pk, category=Category.ASSIGNMENT)
    assert {m.recipient.username for m in assignment} == {"expert1", "expert2"}
    assert "kjt" not in told(app)


def test_art5_revoking_a_notice_is_not_told_to_the_revoker(
    make_application, kjt, django_capture_on_commit_callbacks
):
    """A notice copied to 科技厅 itself: its revocation reaches kjt's colleagues, not kjt."""
    with django_capture_on_commit_callbacks(execute=True):
        app = make_application("approved")
    notice = Notice.objects.get(object_id=app.pk)
    notice.copy_orgs.add(kjt.organization)
    UserFactory(username="kjt2", organization=kjt.organization, role="department")
    Message.objects.all().delete()

    perform(notice, "revoke", actor=kjt, comment="材料失实，撤销本批复。")

    assert told(notice) == {"unit_a", "chengdu", "kjt2"}


# --- deactivated users ----------------------------------------------------------------------------


@pytest.fixture
def chengdu2(chengdu):
    return UserFactory(username="chengdu2", organization=chengdu.organization, role="supervisor")


def test_art6_deactivated_supervisor_user_is_not_told(make_application, unit_a, chengdu, chengdu2):
    chengdu2.is_active = False
    chengdu2.save()
    draft = make_application("draft")

    perform(draft, "submit", actor=unit_a)

    assert told(draft) == {"chengdu"}
    assert list(members(chengdu.organization_id, Role.SUPERVISOR)) == [chengdu]
    assert chengdu2 not in role_members(Role.SUPERVISOR)


def test_art6_no_email_to_a_user_deactivated_after_the_message_was_written(
    make_application, unit_a, chengdu, mailoutbox
):
    draft = make_application("draft")
    perform(draft, "submit", actor=unit_a)  # on-commit hooks do not run here: nothing sent yet
    message = Message.objects.get(recipient=chengdu)
    chengdu.is_active = False
    chengdu.save()
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at.replace(year=2020))

    assert message.pk not in services.pending_email_ids()
    assert services.deliver(message.pk) is False
    assert mailoutbox == []
