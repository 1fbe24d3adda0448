"""Art. 5.2: revoking a center cannot be undone. The revoke page says what will happen (the center
leaves the sequence, its open change requests, annual reports and evaluations are closed, its cycle
ends, a 撤销决定 is drafted), asks for an explicit confirmation (a box that must be ticked) and keeps
the revocation notice as a draft without a number unless the department chooses to issue it at once.
The other irreversible decisions (not approving an application or a change, declining an
application, removing a center from the sequence) ask for the same confirmation, in the portal and
in the admin.
"""

import re
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape
from django_fsm_log.models import StateLog

from applications.models import IntentApplication
from centers.models import Center, CenterCycle, ChangeRequest
from notices.models import Notice
from reports.models import AnnualReport
from sctic.forms import CONFIRM_FIELD, MESSAGE_CONFIRM_IRREVERSIBLE
from sctic.workflow import get_action
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

REASON = "运行主体法人实体已注销，不再具备独立法人条件（第三条）。"
NUMBER = re.compile(r"^川科高〔\d{4}〕[1-9]\d*号$")


@pytest.fixture
def client_as(login):
    def _as(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def body(response) -> str:
    return response.content.decode()


def state_of(obj) -> str:
    return type(obj).objects.values_list("state", flat=True).get(pk=obj.pk)


def notices_on(obj):
    return Notice.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def checkbox(html, name) -> str | None:
    found = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', html)
    return found.group(0) if found else None


@pytest.fixture
def center(unit_a, chengdu):
    return CenterFactory(
        name="四川省生物基材料技术创新中心", lead_unit=unit_a.organization, supervisor=chengdu.organization
    )


@pytest.fixture
def open_work(center, unit_a):
    change = ChangeRequest.objects.create(
        center=center,
        kind=ChangeRequest.Kind.DIRECTION,
        proposed_value="聚焦生物基可降解材料。",
        reason="理事会决议调整。",
        created_by=unit_a,
    )
    report = AnnualReport.objects.create(center=center, year=2025, due_date=date(2026, 3, 31))
    return change, report


def revoke_url(center):
    return f"/centers/{center.pk}/transitions/revoke/"


# --- the page says what will happen -------------------------------------------------------------


def test_art5_2_revoke_page_states_the_consequences_and_asks_for_confirmation(center, kjt, client_as):
    html = body(client_as(kjt).get(revoke_url(center)))

    consequences = re.search(
        r'<div class="alert alert-danger"[^>]*data-irreversible="revoke">(.*?)</div>', html, re.S
    )
    assert consequences, "the page does not say what revocation does"
    text = consequences.group(1)
    assert "This cannot be undone" in text
    assert "leaves the sequence" in text
    assert "open change requests, annual reports and evaluations are closed" in text
    assert "three-year cycle ends today" in text
    assert "撤销决定" in text and "is drafted" in text
    confirm = checkbox(html, CONFIRM_FIELD)
    assert confirm and "checked" not in confirm
    assert "I have read what this does and confirm it. It cannot be undone." in html
    issue = checkbox(html, "issue_notice")
    assert issue and "checked" not in issue  # the notice is kept as a draft unless asked for
    assert checkbox(html, "hold_notice") is None
    # the confirmation comes last, right above the button
    assert (
        html.index(f'name="{CONFIRM_FIELD}"')
        > html.index('name="issue_notice"')
        > html.index('name="comment"')
    )


def test_art5_2_revoke_page_speaks_chinese_by_default(center, kjt, login):
    html = body(login(kjt).get(revoke_url(center)))

    assert "本操作不可撤回。确认后将：" in html
    assert "不再列入创新中心序列" in html
    assert "起草致其主管部门和建设主体单位的撤销决定" in html
    assert "我已阅读上述后果并确认办理，本操作不可撤回。" in html
    assert "现在编号并印发公文" in html
    assert checkbox(html, CONFIRM_FIELD)


def test_art5_2_revoke_button_leads_to_the_page_not_an_inline_form(center, kjt, client_as):
    html = body(client_as(kjt).get(f"/centers/{center.pk}/"))

    assert f'href="{revoke_url(center)}" data-action="revoke"' in html
    assert f'action="{revoke_url(center)}"' not in html


# --- without the confirmation nothing happens ---------------------------------------------------


@pytest.mark.parametrize("extra", [{}, {"issue_notice": "on"}, {CONFIRM_FIELD: ""}])
def test_art5_2_revoke_without_the_confirmation_is_refused_and_changes_nothing(
    center, open_work, kjt, client_as, django_capture_on_commit_callbacks, extra
):
    change, report = open_work
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(kjt).post(
            revoke_url(center), {"comment": REASON, "expected_state": "operating", **extra}
        )

    assert response.status_code == 400
    html = body(response)
    assert escape(str(MESSAGE_CONFIRM_IRREVERSIBLE)) in html
    assert escape(REASON) in html  # what was typed is kept
    assert state_of(center) == Center.State.OPERATING
    assert not StateLog.objects.for_(center).exists()
    assert not notices_on(center).exists()
    assert (state_of(change), state_of(report)) == ("draft", "draft")
    assert CenterCycle.objects.get(center=center).closed_on is None


# --- with it, the notice is a draft by default -----------------------------------------------------


def test_art5_2_revoke_by_default_keeps_the_notice_a_draft_without_a_number(
    center, open_work, kjt, client_as, django_capture_on_commit_callbacks
):
    change, report = open_work
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(kjt).post(
            revoke_url(center), {"comment": REASON, "expected_state": "operating", CONFIRM_FIELD: "on"}
        )

    assert response.status_code == 302
    assert state_of(center) == Center.State.REVOKED
    notice = notices_on(center).get()
    assert (notice.state, notice.number) == (Notice.State.DRAFT, "")
    assert (state_of(change), state_of(report)) == ("cancelled", "cancelled")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Done: Revoke the center."]


def test_art5_2_revoke_issues_the_numbered_notice_only_when_asked(
    center, kjt, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(kjt).post(
            revoke_url(center),
            {"comment": REASON, "expected_state": "operating", CONFIRM_FIELD: "on", "issue_notice": "on"},
        )

    assert response.status_code == 302
    notice = notices_on(center).get()
    assert notice.state == Notice.State.ISSUED
    assert NUMBER.match(notice.number), notice.number


# --- the other irreversible decisions -----------------------------------------------------------


@pytest.fixture
def decisions(request, make_application, center, unit_a, chengdu, kjt):
    """name -> (object, who decides, transition URL, the state it starts in)."""

    def app(state):
        return make_application(state)

    def change():
        made = ChangeRequest.objects.create(
            center=center,
            kind=ChangeRequest.Kind.DIRECTION,
            proposed_value="聚焦生物基可降解材料。",
            reason="理事会决议调整。",
            created_by=unit_a,
        )
        ChangeRequest.objects.filter(pk=made.pk).update(state=ChangeRequest.State.SUPERVISOR_APPROVED)
        made.refresh_from_db()
        return made

    def make(name):
        if name == "application-decline":
            obj, who, transition = app("submitted"), chengdu, "decline"
        elif name == "application-reject":
            obj, who, transition = app("under_review"), kjt, "reject"
            from sctic.demo import give_opinions

            give_opinions(obj)
        elif name == "change-reject":
            obj, who, transition = change(), kjt, "reject"
        else:
            obj, who, transition = center, kjt, "revoke"
        return obj, who, f"{obj.get_absolute_url()}transitions/{transition}/", transition

    return make


DECISIONS = ["application-decline", "application-reject", "change-reject", "center-revoke"]


@pytest.mark.parametrize("name", DECISIONS)
def test_irreversible_decisions_are_confirmed_on_their_own_page(decisions, client_as, name):
    obj, who, url, transition = decisions(name)
    action = get_action(obj, who, transition)
    assert action.irreversible and action.needs_page
    client = client_as(who)

    detail = body(client.get(obj.get_absolute_url()))
    assert f'href="{url}" data-action="{transition}"' in detail
    page = body(client.get(url))
    assert f'data-irreversible="{transition}"' in page
    assert checkbox(page, CONFIRM_FIELD)

    source = obj.state
    refused = client.post(url, {"comment": REASON, "expected_state": source})
    assert refused.status_code == 400
    assert escape(str(MESSAGE_CONFIRM_IRREVERSIBLE)) in body(refused)
    assert state_of(obj) == source

    done = client.post(url, {"comment": REASON, "expected_state": source, CONFIRM_FIELD: "on"})
    assert done.status_code == 302
    assert state_of(obj) != source


def test_reversible_actions_ask_no_confirmation(make_application, chengdu, client_as):
    app = make_application("submitted")

    html = body(client_as(chengdu).get(f"/applications/{app.pk}/transitions/accept_for_cultivation/"))

    assert checkbox(html, CONFIRM_FIELD) is None
    assert "data-irreversible" not in html
    response = client_as(chengdu).post(
        f"/applications/{app.pk}/transitions/accept_for_cultivation/", {"expected_state": "submitted"}
    )
    assert response.status_code == 302
    assert state_of(app) == IntentApplication.State.CULTIVATING


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, kjt_org):
    """An administrator (科技厅 exists: it issues the notices)."""
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


CENTERS = reverse("admin:centers_center_changelist")


@pytest.mark.parametrize("action", ["perform_revoke", "perform_delist"])
def test_admin_irreversible_action_states_consequences_and_needs_the_box(
    admin_client, center, open_work, action, django_capture_on_commit_callbacks
):
    selected = {"action": action, ACTION_CHECKBOX_NAME: [center.pk]}

    confirm = body(admin_client.post(CENTERS, selected))
    assert f'data-irreversible="{action}"' in confirm
    assert "leaves the sequence" in confirm
    assert f'name="{CONFIRM_FIELD}"' in confirm

    refused = admin_client.post(CENTERS, {**selected, "apply": "1", "comment": REASON})
    assert refused.status_code == 200  # the confirmation page again, with the reason kept
    assert str(MESSAGE_CONFIRM_IRREVERSIBLE) in [str(m) for m in get_messages(refused.wsgi_request)]
    assert escape(REASON) in body(refused)
    assert state_of(center) == Center.State.OPERATING
    assert not StateLog.objects.for_(center).exists()
    assert [state_of(o) for o in open_work] == ["draft", "draft"]

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(CENTERS, {**selected, "apply": "1", "comment": REASON, CONFIRM_FIELD: "on"})
    assert done.status_code == 302
    assert state_of(center) in (Center.State.REVOKED, Center.State.DELISTED)
    assert [state_of(o) for o in open_work] == ["cancelled", "cancelled"]


def test_admin_revocation_keeps_the_notice_a_draft(admin_client, center, django_capture_on_commit_callbacks):
    selected = {"action": "perform_revoke", ACTION_CHECKBOX_NAME: [center.pk]}
    assert "kept as a draft" in body(admin_client.post(CENTERS, selected))

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(CENTERS, {**selected, "apply": "1", "comment": REASON, CONFIRM_FIELD: "on"})

    assert state_of(center) == Center.State.REVOKED
    notice = notices_on(center).get()
    assert (notice.state, notice.number) == (Notice.State.DRAFT, "")
